//! Renderers: one per output (charts, tables, HTML, PDF), behind one small trait and
//! one loop that runs them. Renderers see only the [`ReportModel`]; never polars.

pub mod charts;
pub mod epci;
pub mod epci_map;
pub mod fiches;
pub mod figures;
pub mod html;
pub mod locator;
pub mod maps;
pub mod pdf;
pub mod svg;
pub mod table;
pub mod tables;

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, anyhow};
use serde::Serialize;

use crate::model::{ChartRef, ReportModel};

/// Files of an edition, in memory: path relative to the edition directory → bytes.
pub type Files = Vec<(String, Vec<u8>)>;

/// The figures of an edition, drawn once in memory before the other renderers run; the
/// PDF and the fiches embed the SVGs from here (nothing is read back from disk).
pub struct Figures {
    /// The maps and charts of the edition, in order (`charts/index.json` lists them with
    /// the positions).
    pub charts: Vec<ChartRef>,
    /// Each département's position chart (fiches).
    pub positions: Vec<ChartRef>,
    files: BTreeMap<String, Vec<u8>>,
}

impl Figures {
    /// Draws every figure declared by the model.
    pub fn draw(model: &ReportModel, geometry: &maps::MapGeometry) -> Result<Figures> {
        let mut charts = Vec::new();
        let mut positions = Vec::new();
        let mut files = BTreeMap::new();
        let t = crate::timing::Timer::start("maps");
        let maps = figures::maps(model, geometry)?;
        t.stop();
        let t = crate::timing::Timer::start("charts");
        let drawn = figures::charts(model)?;
        let pos = figures::positions(model)?;
        t.stop();
        for figure in maps.into_iter().chain(drawn) {
            files.extend(figure.files);
            charts.push(figure.reference);
        }
        // Each département's position, for the fiches, in `charts/positions/`.
        for figure in pos {
            let moved = |p: &str| p.replacen("charts/", "charts/positions/", 1);
            files.extend(figure.files.into_iter().map(|(rel, bytes)| (moved(&rel), bytes)));
            let mut r = figure.reference;
            for p in [&mut r.svg, &mut r.png, &mut r.csv] {
                *p = moved(p);
            }
            positions.push(r);
        }
        Ok(Figures { charts, positions, files })
    }

    /// The bytes of a figure's file (`charts/….csv`), if drawn.
    pub fn file(&self, rel: &str) -> Option<&[u8]> {
        self.files.get(rel).map(Vec::as_slice)
    }

    /// The SVG text of a figure file (`charts/….svg`).
    pub fn svg(&self, rel: &str) -> Result<&str> {
        let bytes = self.files.get(rel).ok_or_else(|| anyhow!("no figure `{rel}` was drawn"))?;
        std::str::from_utf8(bytes).with_context(|| format!("figure `{rel}` is not UTF-8"))
    }

    /// The figure files and `charts/index.json` (every figure with its alt text).
    pub fn files(&self) -> Result<Files> {
        let mut out: Files = self.files.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        let index: Vec<&ChartRef> = self.charts.iter().chain(&self.positions).collect();
        out.push(("charts/index.json".into(), serde_json::to_string_pretty(&index)?.into_bytes()));
        Ok(out)
    }
}

/// The model as templates see it: every field of the report model and the figures.
#[derive(Serialize)]
pub struct Published<'a> {
    #[serde(flatten)]
    pub model: &'a ReportModel,
    pub charts: &'a [ChartRef],
}

/// Options shared by renderers.
pub struct RenderContext<'a> {
    pub model: &'a ReportModel,
    /// The figures, drawn first.
    pub figures: &'a Figures,
    /// Optional directory overriding the embedded templates.
    pub templates: Option<&'a Path>,
    /// Creation time of the outputs, seconds since the epoch.
    pub epoch: i64,
    /// The map outlines (fiches' locator maps).
    pub geometry: &'a maps::MapGeometry,
}

impl RenderContext<'_> {
    pub fn published(&self) -> Published<'_> {
        Published { model: self.model, charts: &self.figures.charts }
    }
}

/// Where a renderer's files go as they are rendered (`build` writes them to its staging
/// directory); called from several threads.
pub type Sink<'s> = &'s (dyn Fn(Files) -> Result<()> + Sync);

/// A renderer returns its files; it never writes to disk.
pub trait Renderer {
    fn name(&self) -> &'static str;
    fn render(&self, cx: &RenderContext) -> Result<Files>;
    /// Hands the files to `sink`: all at once, or, for the renderers of many large files
    /// (fiche PDFs, EPCI pages), in parts of [`PART`] items, so that an edition's files
    /// are not all held in memory at once.
    fn render_to(&self, cx: &RenderContext, sink: Sink) -> Result<()> {
        sink(self.render(cx)?)
    }
}

/// Items per part handed to the sink by the renderers of many files (a third of the
/// départements).
pub const PART: usize = 34;

/// The files a `render_to` hands to its sink, collected.
pub fn collect(render_to: impl FnOnce(Sink) -> Result<()>) -> Result<Files> {
    let all = std::sync::Mutex::new(Files::new());
    render_to(&|files: Files| {
        all.lock().map_err(|_| anyhow::anyhow!("a renderer panicked"))?.extend(files);
        Ok(())
    })?;
    all.into_inner().map_err(|_| anyhow::anyhow!("a renderer panicked"))
}

/// Draws the figures, then runs every renderer, handing its files to `sink` as soon as
/// they are rendered ([`Renderer::render_to`]), so that they need not all be held in memory (`build`
/// writes them to its staging directory). `sink` is called from several threads: the
/// fiche PDFs, the longest stage, are compiled on all cores while the other renderers run
/// one after the other beside them, so their stage times overlap.
pub fn render_each(
    model: &ReportModel,
    geometry: &maps::MapGeometry,
    templates: Option<&Path>,
    epoch: i64,
    sink: &(dyn Fn(Files) -> Result<()> + Sync),
) -> Result<()> {
    let figures = Figures::draw(model, geometry)?;
    let cx = RenderContext { model, figures: &figures, templates, epoch, geometry };
    let groups: [&[&(dyn Renderer + Sync)]; 2] = [
        &[&fiches::FichePdfs, &epci::EpciFiches],
        &[&pdf::Pdf, &tables::Tables, &html::Html, &fiches::Fiches, &epci::EpciPages],
    ];
    let run = |renderers: &[&(dyn Renderer + Sync)]| -> Result<()> {
        for r in renderers {
            crate::timing::stage(r.name(), || r.render_to(&cx, sink))
                .with_context(|| format!("failed to render {}", r.name()))?;
        }
        Ok(())
    };
    sink(figures.files()?)?;
    if crate::timing::serial() {
        for g in groups {
            run(g)?;
        }
        return Ok(());
    }
    let results = std::thread::scope(|s| {
        let handles: Vec<_> = groups
            .iter()
            .map(|g| std::thread::Builder::new().stack_size(STACK).spawn_scoped(s, move || run(g)))
            .collect();
        handles
            .into_iter()
            .map(|h| match h {
                Ok(h) => h.join().unwrap_or_else(|_| Err(anyhow::anyhow!("a renderer panicked"))),
                Err(e) => Err(anyhow::anyhow!("failed to start a renderer thread: {e}")),
            })
            .collect::<Vec<_>>()
    });
    for r in results {
        r?;
    }
    Ok(())
}

/// The stack of the threads that render (typst's layout recurses deeply): 16 MiB, as the
/// main thread's default on Linux is 8 MiB and a debug build needs more.
pub const STACK: usize = 16 << 20;

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

/// Maps `f` over `items` on all cores, keeping the order; the first error (in the order of
/// `items`) wins and stops the claiming of new items.
///
/// The workers are plain threads taking the next item in turn, not rayon tasks: typst and
/// its PDF writer use rayon inside each compilation, and a rayon worker that waits on that
/// inner work steals other items and starts them on top of the one in progress, so every
/// fiche ended up in progress at once (peak memory grew by 2 MiB per fiche, 550 MiB for
/// the 151 zone-rouge fiches). Threads blocked outside the pool never steal. As many
/// threads as rayon's pool (`RAYON_NUM_THREADS`, else the cores).
pub fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> Result<R> + Sync + Send) -> Result<Vec<R>> {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let threads = rayon::current_num_threads().min(items.len());
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let work = || {
        let mut done = Vec::new();
        while !failed.load(Ordering::Relaxed) {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else { break };
            let r = f(item);
            if r.is_err() {
                failed.store(true, Ordering::Relaxed);
            }
            done.push((i, r));
        }
        done
    };
    let mut done: Vec<(usize, Result<R>)> = std::thread::scope(|s| {
        let handles: Vec<_> =
            (0..threads).map(|_| std::thread::Builder::new().stack_size(STACK).spawn_scoped(s, work)).collect();
        let mut all = Vec::with_capacity(items.len());
        for h in handles {
            match h {
                Ok(h) => match h.join() {
                    Ok(part) => all.extend(part),
                    Err(_) => all.push((usize::MAX, Err(anyhow::anyhow!("a rendering thread panicked")))),
                },
                Err(e) => all.push((usize::MAX, Err(anyhow::anyhow!("failed to start a rendering thread: {e}")))),
            }
        }
        all
    });
    // An item is claimed only after every item before it: the first failed item in order
    // is always among those done, so the error reported does not depend on timing.
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn par_map_keeps_the_order_and_reports_the_first_error_in_order() {
        let items: Vec<usize> = (0..300).collect();
        let doubled = par_map(&items, |&i| Ok(i * 2)).expect("no item fails");
        assert_eq!(doubled, (0..300).map(|i| i * 2).collect::<Vec<_>>());
        for _ in 0..20 {
            let err = par_map(&items, |&i| if i % 40 == 13 { Err(anyhow!("item {i}")) } else { Ok(i) })
                .expect_err("items 13, 53… fail");
            assert_eq!(err.to_string(), "item 13");
        }
        assert!(par_map(&[] as &[usize], |&i| Ok(i)).expect("nothing to do").is_empty());
    }
}
