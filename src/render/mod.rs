//! Renderers: one per output (charts, tables, HTML, PDF), behind one small trait and
//! one loop that runs them. Renderers see only the [`ReportModel`]; never polars.

pub mod charts;
pub mod fiches;
pub mod figures;
pub mod html;
pub mod locator;
pub mod maps;
pub mod pdf;
pub mod tables;

use std::path::Path;

use anyhow::{Context, Result};

use crate::model::ReportModel;

/// Options shared by renderers.
pub struct RenderContext<'a> {
    pub model: &'a ReportModel,
    /// Root of the edition's (staging) output directory.
    pub out: &'a Path,
    /// Optional directory overriding the embedded templates.
    pub templates: Option<&'a Path>,
    /// Creation time of the outputs, seconds since the epoch.
    pub epoch: i64,
    /// The map outlines (fiches' locator maps).
    pub geometry: &'a maps::MapGeometry,
}

pub trait Renderer {
    fn name(&self) -> &'static str;
    fn render(&self, cx: &RenderContext) -> Result<()>;
}

/// Runs every renderer (charts are drawn before: the others embed them). The fiche PDFs,
/// the longest stage, are compiled on all cores while the other renderers run one after
/// the other beside them, so their stage times overlap.
pub fn render_all(cx: &RenderContext) -> Result<()> {
    let groups: [&[&(dyn Renderer + Sync)]; 2] =
        [&[&fiches::FichePdfs], &[&pdf::Pdf, &tables::Tables, &html::Html, &fiches::Fiches]];
    let run = |group: &[&(dyn Renderer + Sync)]| -> Result<()> {
        for r in group {
            crate::timing::stage(r.name(), || r.render(cx))
                .with_context(|| format!("failed to render {}", r.name()))?;
        }
        Ok(())
    };
    let results = std::thread::scope(|s| {
        let handles: Vec<_> = groups.iter().map(|g| s.spawn(move || run(g))).collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err(anyhow::anyhow!("a renderer panicked"))))
            .collect::<Vec<_>>()
    });
    results.into_iter().collect()
}

/// Writes a file inside the output directory, creating its parent.
pub fn write(out: &Path, rel: &str, bytes: &[u8]) -> Result<()> {
    let path = out.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).with_context(|| format!("failed to create `{}`", parent.display()))?;
    }
    std::fs::write(&path, bytes).with_context(|| format!("failed to write `{}`", path.display()))
}

/// Reads a template: from the override directory when it has the file, else embedded.
pub fn template(templates: Option<&Path>, name: &str, embedded: &'static str) -> Result<(String, String)> {
    if let Some(dir) = templates {
        let path = dir.join(name);
        if path.exists() {
            let text =
                std::fs::read_to_string(&path).with_context(|| format!("failed to read `{}`", path.display()))?;
            return Ok((path.display().to_string(), text));
        }
    }
    Ok((format!("report-templates/{name}"), embedded.to_string()))
}

/// Maps `f` over `items` on all cores, keeping the order; the first error wins and stops
/// the other workers early.
pub fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> Result<R> + Sync) -> Result<Vec<R>> {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new(items.iter().map(|_| None).collect());
    let failed: Mutex<Option<anyhow::Error>> = Mutex::new(None);
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(items.len().max(1));
    let work = || {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else { break };
            match f(item) {
                Ok(r) => results.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(r),
                Err(e) => {
                    failed.lock().unwrap_or_else(|p| p.into_inner()).get_or_insert(e);
                    next.store(items.len(), Ordering::Relaxed);
                    break;
                }
            }
        }
    };
    std::thread::scope(|s| {
        for _ in 1..threads {
            s.spawn(work);
        }
        work();
    });
    if let Some(e) = failed.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(e);
    }
    results
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .into_iter()
        .map(|r| r.ok_or_else(|| anyhow::anyhow!("a parallel task did not run")))
        .collect()
}
