//! Renderers: one per output (charts, tables, HTML, PDF), behind one small trait and
//! one loop that runs them. Renderers see only the [`ReportModel`]; never polars.

pub mod charts;
pub mod fiches;
pub mod figures;
pub mod html;
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
}

pub trait Renderer {
    fn name(&self) -> &'static str;
    fn render(&self, cx: &RenderContext) -> Result<()>;
}

/// Runs every renderer in order (charts first: the others embed them).
pub fn render_all(cx: &RenderContext) -> Result<()> {
    let renderers: [&dyn Renderer; 4] = [&tables::Tables, &html::Html, &fiches::Fiches, &pdf::Pdf];
    for r in renderers {
        crate::timing::stage(r.name(), || r.render(cx)).with_context(|| format!("failed to render {}", r.name()))?;
    }
    Ok(())
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
