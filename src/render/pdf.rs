//! The national PDF, compiled with typst from `report-templates/barometre.typ`.
//!
//! The model reaches typst only as data (a JSON string in `sys.inputs`), never spliced
//! into markup. Fonts are embedded; typst never touches the network.

use std::sync::OnceLock;

use anyhow::{Context, Result, anyhow, bail};
use typst::diag::{Severity, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Dict, IntoValue, Smart};
use typst::{World, WorldExt};
use typst_as_lib::TypstEngine;
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

use crate::fmt::civil_from_days;

use super::svg::{INTER_BOLD, INTER_REGULAR};
use super::{Files, RenderContext, Renderer, template};

static MAIN: &str = include_str!("../../report-templates/barometre.typ");
static INTER_ITALIC: &[u8] = include_bytes!("../../report-templates/fonts/Inter-Italic.otf");
static INTER_SEMIBOLD: &[u8] = include_bytes!("../../report-templates/fonts/Inter-SemiBold.otf");

pub struct Pdf;

impl Renderer for Pdf {
    fn name(&self) -> &'static str {
        "PDF"
    }

    fn render(&self, cx: &RenderContext) -> Result<Files> {
        let (name, source) = template(cx.templates, "barometre.typ", MAIN)?;
        let mut inputs = Dict::new();
        inputs.insert("data".into(), Bytes::new(serde_json::to_vec(&cx.published())?).into_value());
        let mut charts = Dict::new();
        for c in &cx.figures.charts {
            let svg = cx.figures.svg(&c.svg)?;
            charts.insert(c.id.as_str().into(), Bytes::from_string(svg.to_string()).into_value());
        }
        inputs.insert("charts".into(), charts.into_value());
        inputs.insert("annex".into(), Bytes::new(serde_json::to_vec(&annex(cx.model))?).into_value());
        let pdf = compile(&name, &source, inputs, cx.epoch, &format!("barometre-{}", cx.model.edition.year))?;
        Ok(vec![(format!("barometre-{}.pdf", cx.model.edition.year), pdf)])
    }
}

#[derive(serde::Serialize)]
struct Annex {
    /// "Densité 2025 (2023)": short label, year, and the comparison year when some
    /// territory has a value for it.
    columns: Vec<String>,
    rows: Vec<AnnexRow>,
}

#[derive(serde::Serialize)]
struct AnnexRow {
    code: String,
    name: String,
    /// France and the régions are set apart (bold, shaded) from the départements.
    aggregate: bool,
    /// (value, " (comparison value)") formatted in French; "—" when the indicator has no
    /// row for the territory.
    cells: Vec<(String, String)>,
}

/// The annex table (France, the 101 départements, the régions × the annex indicators),
/// formatted here rather than in the template: looking up and formatting 800 cells in
/// typst took a third of the national PDF's time.
fn annex(model: &crate::model::ReportModel) -> Annex {
    use crate::model::{IndicatorResult, LevelName};
    let mut inds: Vec<&IndicatorResult> = model.indicators.iter().filter(|i| i.presentation.annex.is_some()).collect();
    inds.sort_by_key(|i| i.presentation.annex);
    let columns = inds
        .iter()
        .map(|i| {
            let compared = i.years[1] < i.years[0] && i.rows.iter().any(|r| r.prev.is_some());
            if compared {
                format!("{} {} ({})", i.short_label, i.years[0], i.years[1])
            } else {
                format!("{} {}", i.short_label, i.years[0])
            }
        })
        .collect();
    let val = |ind: &IndicatorResult, v: f64| {
        let d = ind.decimals as usize;
        if ind.percent { crate::fmt::pct(v, d) } else { crate::fmt::number(v, d) }
    };
    let by_key: Vec<std::collections::BTreeMap<(LevelName, &str), &crate::model::Row>> =
        inds.iter().map(|i| i.rows.iter().map(|r| ((r.level, r.code.as_str()), r)).collect()).collect();
    let geo = crate::geo::Geography::get();
    let mut territories: Vec<(LevelName, String, String, String)> =
        vec![(LevelName::France, "FR".into(), "FR".into(), "France".into())];
    territories.extend(
        geo.departements.iter().map(|d| (LevelName::Departement, d.code.clone(), d.code.clone(), d.name.clone())),
    );
    territories.extend(
        geo.regions().iter().map(|r| (LevelName::Region, r.code.clone(), String::new(), format!("Région {}", r.name))),
    );
    let rows = territories
        .into_iter()
        .map(|(level, key, code, name)| AnnexRow {
            code,
            name,
            aggregate: level != LevelName::Departement,
            cells: inds
                .iter()
                .zip(&by_key)
                .map(|(ind, rows)| match rows.get(&(level, key.as_str())) {
                    None => ("—".to_string(), String::new()),
                    Some(r) => {
                        let cur = match &r.cur {
                            Some(v) => val(ind, v.value),
                            None if r.withheld.is_some() => "n.p.".to_string(),
                            None => "n.d.".to_string(),
                        };
                        let prev = r.prev.as_ref().map(|v| format!(" ({})", val(ind, v.value))).unwrap_or_default();
                        (cur, prev)
                    }
                })
                .collect(),
        })
        .collect();
    Annex { columns, rows }
}

/// A fiche's data for `sys.inputs.data`: JSON whose every string has French typography
/// ([`crate::fmt::typo`]: typographic apostrophes, no-break spaces before « : ; ? ! »),
/// so that the fiche templates need no regex show rule on every text.
pub fn typeset_json<T: serde::Serialize>(data: &T) -> Result<Bytes> {
    fn walk(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::String(s) if s.contains(['\'', ' ', '«']) => *s = crate::fmt::typo(s),
            serde_json::Value::Array(a) => a.iter_mut().for_each(walk),
            serde_json::Value::Object(o) => o.values_mut().for_each(walk),
            _ => {}
        }
    }
    let mut v = serde_json::to_value(data)?;
    walk(&mut v);
    Ok(Bytes::new(serde_json::to_vec(&v)?))
}

fn fonts() -> &'static [&'static [u8]] {
    static FONTS: OnceLock<Vec<&'static [u8]>> = OnceLock::new();
    FONTS.get_or_init(|| vec![INTER_REGULAR, INTER_BOLD, INTER_ITALIC, INTER_SEMIBOLD])
}

/// A typst template compiled many times with different `sys.inputs`: fonts are parsed and
/// the template is loaded once, and compilations may run on several threads.
pub struct Typst {
    name: String,
    file_name: String,
    engine: TypstEngine,
}

impl Typst {
    pub fn new(name: &str, source: &str) -> Typst {
        let file_name =
            std::path::Path::new(name).file_name().and_then(|s| s.to_str()).unwrap_or("main.typ").to_string();
        let engine = TypstEngine::builder()
            .fonts(fonts().iter().copied())
            .with_static_source_file_resolver([(file_name.as_str(), source.to_string())])
            .build();
        Typst { name: name.to_string(), file_name, engine }
    }

    /// Compiles with `sys.inputs` to PDF bytes. Errors and warnings name the template
    /// file and line.
    pub fn pdf(&self, inputs: Dict, epoch: i64, ident: &str) -> Result<Vec<u8>> {
        let name = &self.name;
        let world = self
            .engine
            .world_builder(self.file_name.as_str())
            .with_inputs(inputs)
            .build()
            .map_err(|e| anyhow!("{e}"))?;
        let t = crate::timing::Timer::start("typst: compile");
        let warned = typst::compile::<PagedDocument>(&world);
        drop(t);
        let report = |diags: &[SourceDiagnostic]| -> String {
            diags.iter().map(|d| format!("  {}", locate(&world, name, d))).collect::<Vec<_>>().join("\n")
        };
        let doc = match warned.output {
            Ok(doc) => doc,
            Err(errors) => bail!("typst template `{name}` failed to compile:\n{}", report(&errors)),
        };
        if !warned.warnings.is_empty() {
            bail!("typst template `{name}` compiled with warnings:\n{}", report(&warned.warnings));
        }
        let (y, mo, d) = civil_from_days(epoch.div_euclid(86_400));
        let secs = epoch.rem_euclid(86_400);
        let dt = Datetime::from_ymd_hms(
            y,
            mo as u8,
            d as u8,
            (secs / 3600) as u8,
            (secs / 60 % 60) as u8,
            (secs % 60) as u8,
        )
        .context("invalid creation date")?;
        // PDF/UA-1 (accessible, tagged): typst checks alt texts, headings, table headers
        // and the document title.
        let standards = PdfStandards::new(&[PdfStandard::Ua_1]).map_err(|e| anyhow!("PDF/UA: {}", e.message()))?;
        let options = PdfOptions {
            ident: Smart::Custom(ident.to_string()),
            timestamp: Some(Timestamp::new_utc(dt)),
            standards,
            ..Default::default()
        };
        let t = crate::timing::Timer::start("typst: pdf export");
        let pdf = typst_pdf::pdf(&doc, &options)
            .map_err(|errors| anyhow!("typst template `{name}` failed to export:\n{}", report(&errors)));
        drop(t);
        // typst memoises across compilations; without eviction its cache keeps every
        // fiche's layout (peak memory grew with the number of fiches). Every
        // `EVICT_EVERY` compilations, the entries unused since the last eviction go.
        static COMPILED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        if COMPILED.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % EVICT_EVERY == EVICT_EVERY - 1 {
            typst::comemo::evict(EVICT_AGE);
        }
        pdf
    }
}

/// typst's memoisation cache is pruned every `EVICT_EVERY` compilations, of the entries
/// unused for `EVICT_AGE` prunings. Measured on the demo edition (BENCHMARKS.md): every 2
/// compilations, age 1: peak 330 MiB; every 24, age 2: 660 MiB; no slower (the cache is
/// of little use from one fiche to the next, whose data all differ).
const EVICT_EVERY: usize = 2;
const EVICT_AGE: usize = 1;

/// Compiles a typst source once with `sys.inputs` to PDF bytes.
pub fn compile(name: &str, source: &str, inputs: Dict, epoch: i64, ident: &str) -> Result<Vec<u8>> {
    Typst::new(name, source).pdf(inputs, epoch, ident)
}

fn locate(world: &dyn World, name: &str, d: &SourceDiagnostic) -> String {
    let level = if d.severity == Severity::Error { "error" } else { "warning" };
    let mut at = name.to_string();
    if let Some(id) = d.span.id()
        && let (Ok(src), Some(range)) = (world.source(id), world.range(d.span))
        && let Some(line) = src.lines().byte_to_line(range.start)
    {
        at = format!("{name}:{}", line + 1);
    }
    let hints: String = d.hints.iter().map(|h| format!(" (hint: {})", h.v)).collect();
    format!("{at}: {level}: {}{hints}", d.message)
}

#[cfg(test)]
mod tests {
    #[test]
    fn fiche_data_gets_french_typography_in_every_string_and_only_there() {
        let data = serde_json::json!({
            "l'accès": "L'accès : « stable » ; oui ? non !",
            "rows": [["Rang : 3e", 12.5], {"note": "aucune"}],
            "n": 3,
        });
        let bytes = super::typeset_json(&data).expect("json");
        let back: serde_json::Value = serde_json::from_slice(bytes.as_slice()).expect("parses");
        // Keys and numbers unchanged; strings as an editor sets them.
        let want = serde_json::json!({
            "l'accès": "L\u{2019}accès\u{a0}: «\u{a0}stable\u{a0}»\u{202f}; oui\u{202f}? non\u{202f}!",
            "rows": [["Rang\u{a0}: 3e", 12.5], {"note": "aucune"}],
            "n": 3,
        });
        assert_eq!(back, want);
    }
}
