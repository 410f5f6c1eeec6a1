//! One fiche per département, as an HTML page (`departements/<code>.html`) and a one-page
//! PDF (`departements/<code>.pdf`): every indicator with its value, its change since the
//! comparison year and its significance, its rank, the région and France beside it; a
//! locator map; its position chart; its zones rouges; similar départements.
//!
//! The 101 PDFs are compiled by one typst engine (fonts and template loaded once) on all
//! cores.

use anyhow::{Context, Result, anyhow};
use minijinja::context;
use minijinja::value::Serde;
use serde::Serialize;

use typst::foundations::{Bytes, Dict, IntoValue};

use crate::fmt;
use crate::geo::Geography;
use crate::model::{ReportModel, ZoneInfo};
use crate::similar::{Neighbour, VARIABLES};
use crate::views::{Cells, Line, cells, lines};

use super::epci_map::EpciMaps;
use super::locator::Locator;
use super::pdf::Typst;
use super::{Files, RenderContext, Renderer, html::environment, template};

static FICHE: &str = include_str!("../../report-templates/fiche.html");
static FICHE_TYP: &str = include_str!("../../report-templates/fiche.typ");

pub struct Fiches;

/// What a fiche shows.
#[derive(Debug, Serialize)]
pub struct Fiche<'a> {
    pub code: String,
    pub name: String,
    pub region_code: String,
    pub region: String,
    pub lines: Vec<Line>,
    /// The same lines formatted for display (as in the PDF and `barometre compare`).
    pub cells: Vec<Cells>,
    /// The rows by theme, in the report's order: indices into `cells` and `lines`, or the
    /// theme's sentence when it does not apply to the département.
    pub groups: Vec<Group>,
    pub zones: Vec<&'a ZoneInfo>,
    pub zones_population: u64,
    pub neighbours: Vec<(&'a Neighbour, Option<f64>)>,
    pub neighbours_method: &'static str,
    pub density: Option<f64>,
    pub position_chart: Option<String>,
    /// Inline SVG (generated here, titles escaped).
    pub locator: String,
    pub locator_alt: String,
    /// Its EPCI, densest first (when the edition has the EPCI level).
    pub epci: Vec<super::epci::DeptEpciLine>,
    /// The map of its EPCI, when the data has their contours (HTML page only).
    pub epci_map: Option<super::epci_map::EpciMap>,
}

pub fn fiche<'a>(m: &'a ReportModel, code: &str, locator: &Locator) -> Result<Fiche<'a>> {
    let geo = Geography::get();
    let d = geo.departement(code).context("unknown département")?;
    let density = |c: &str| {
        m.headline().and_then(|i| i.departements().find(|r| r.code == c)).and_then(|r| r.cur.as_ref()).map(|v| v.value)
    };
    let zones: Vec<&ZoneInfo> = m.zones.iter().filter(|z| z.dept == code).collect();
    let region = geo.region(&d.region).map(|r| r.name.clone()).unwrap_or_default();
    let lines = lines(&m.indicators, code);
    let groups = groups(m, code, &lines);
    let locator_alt = format!(
        "Carte de France situant {} ({code}) {}",
        d.le(),
        geo.region(&d.region).map(|r| r.en()).unwrap_or_default()
    );
    let position = m
        .indicators
        .iter()
        .find(|i| i.presentation.figures.contains(&crate::model::FigureKind::Positions))
        .map(|i| format!("../charts/positions/position-{}-{code}-{}.svg", i.id, i.years[0]));
    Ok(Fiche {
        code: code.to_string(),
        name: d.name.clone(),
        region_code: d.region.clone(),
        locator: locator.svg(code, &locator_alt),
        locator_alt,
        region,
        // In the order of `lines`, so that the groups' indices hold for both.
        cells: lines
            .iter()
            .filter_map(|l| m.indicators.iter().find(|ind| ind.title == l.indicateur).map(|ind| cells(ind, l)))
            .collect(),
        groups,
        lines,
        zones_population: zones.iter().map(|z| z.population).sum(),
        zones,
        neighbours: m
            .neighbours
            .get(code)
            .map(|ns| ns.iter().map(|n| (n, density(&n.code))).collect())
            .unwrap_or_default(),
        neighbours_method: VARIABLES,
        density: density(code),
        position_chart: position,
        epci: m.epci.as_ref().map(|l| super::epci::departement_lines(l, code)).unwrap_or_default(),
        epci_map: None,
    })
}

/// A theme on a fiche.
#[derive(Debug, Serialize)]
pub struct Group {
    pub title: String,
    /// Indices of the theme's rows in the fiche's `cells` (and `lines`).
    pub rows: Vec<usize>,
    /// The theme's sentence when none of its values applies (all 0 or missing).
    pub absent: Option<String>,
}

/// The fiche's rows grouped by theme, in the report's order.
fn groups(m: &ReportModel, code: &str, lines: &[Line]) -> Vec<Group> {
    let dept = Geography::get().departement(code);
    let mut out = Vec::new();
    for theme in &m.themes {
        let inds: Vec<_> = theme.indicators.iter().filter_map(|id| m.indicator(id)).collect();
        let rows: Vec<usize> =
            inds.iter().filter_map(|ind| lines.iter().position(|l| l.indicateur == ind.title)).collect();
        if rows.is_empty() {
            continue;
        }
        let zero = |v: Option<f64>| v.is_none_or(|v| v == 0.0);
        let template = inds.iter().find_map(|i| i.presentation.theme_absent.as_deref());
        let absent = match (template, dept) {
            (Some(t), Some(d)) if rows.iter().all(|&i| zero(lines[i].valeur) && zero(lines[i].valeur_comparaison)) => {
                Some(absent_sentence(t, d, m.edition.year))
            }
            _ => None,
        };
        out.push(Group { title: theme.title.clone(), rows: if absent.is_some() { Vec::new() } else { rows }, absent });
    }
    out
}

/// A fiche for typst: every number already formatted, every text plain data.
#[derive(Debug, Serialize)]
struct PdfFiche<'a> {
    code: &'a str,
    name: &'a str,
    region: &'a str,
    edition: i32,
    previous: i32,
    label: &'a str,
    demo: bool,
    draft: bool,
    demo_notice: &'a str,
    vintage: &'a str,
    summary: String,
    baseline: i32,
    /// The rows by theme, in the report's order.
    groups: Vec<PdfGroup<'a>>,
    zones_summary: String,
    zones: Vec<PdfZone<'a>>,
    density: String,
    neighbours: Vec<PdfNeighbour<'a>>,
    neighbours_method: String,
    position_alt: String,
    locator_alt: &'a str,
    notes: Vec<String>,
}

#[derive(Debug, Serialize)]
struct PdfRow<'a> {
    #[serde(flatten)]
    cells: &'a Cells,
    /// Numbers of its sources in `notes`.
    note: String,
    /// Baseline, comparison and current values, scaled to 0–1 for a sparkline (at least
    /// two years with a value), else empty.
    spark: Vec<[f64; 2]>,
}

/// A theme on the fiche: its rows, or the sentence saying it does not apply.
#[derive(Debug, Serialize)]
struct PdfGroup<'a> {
    title: &'a str,
    rows: Vec<PdfRow<'a>>,
    absent: Option<String>,
}

/// Points of a sparkline (x and y in 0–1, y up) for the values of the baseline, the
/// comparison and the edition years; empty when fewer than two are known.
fn spark(l: &Line) -> Vec<[f64; 2]> {
    let pts: Vec<(f64, f64)> =
        [(l.annee_base, l.valeur_base), (l.annee_comparaison, l.valeur_comparaison), (l.annee, l.valeur)]
            .iter()
            .filter_map(|(y, v)| v.filter(|v| v.is_finite()).map(|v| (f64::from(*y), v)))
            .collect();
    let mut years: Vec<f64> = pts.iter().map(|p| p.0).collect();
    years.dedup();
    if years.len() < 2 {
        return Vec::new();
    }
    let (x0, x1) = (years[0], years[years.len() - 1]);
    // The y axis starts at zero for values of one sign: the line shows the change at its
    // true scale, not magnified.
    let hi = pts.iter().map(|p| p.1).fold(0.0f64, f64::max);
    let lo = pts.iter().map(|p| p.1).fold(0.0f64, f64::min);
    let span = (hi - lo).max(f64::EPSILON);
    pts.iter().map(|(x, y)| [(x - x0) / (x1 - x0), (y - lo) / span]).collect()
}

/// The theme's sentence with the département's name (« {de} », « {le} », « {Le} »).
fn absent_sentence(template: &str, d: &crate::geo::Departement, year: i32) -> String {
    let le = d.le();
    let mut cap = le.chars();
    let upper = cap.next().map(|c| c.to_uppercase().collect::<String>() + cap.as_str()).unwrap_or_default();
    template.replace("{de}", &d.de()).replace("{Le}", &upper).replace("{le}", &le).replace("{annee}", &year.to_string())
}

#[derive(Debug, Serialize)]
struct PdfZone<'a> {
    name: &'a str,
    population: String,
}

#[derive(Debug, Serialize)]
struct PdfNeighbour<'a> {
    code: &'a str,
    name: &'a str,
    density: String,
}

fn density_text(x: Option<f64>) -> String {
    x.map(|x| fmt::number(x, 0)).unwrap_or_else(|| "n.d.".into())
}

/// The notice of a demo fiche: what is synthetic, and the mark of the real values.
const FICHE_DEMO_NOTICE: &str = "Données de démonstration : valeurs synthétiques, à ne pas citer, sauf celles marquées R (chiffres réels publiés ; liste dans la méthodologie).";

fn pdf_fiche<'a>(m: &'a ReportModel, f: &'a Fiche) -> PdfFiche<'a> {
    let mut notes: Vec<String> = Vec::new();
    let mut groups: Vec<PdfGroup> = Vec::new();
    for g in &f.groups {
        let mut rows = Vec::new();
        for &i in &g.rows {
            let (Some(c), Some(line)) = (f.cells.get(i), f.lines.get(i)) else { continue };
            let Some(ind) = m.indicators.iter().find(|ind| ind.title == line.indicateur) else { continue };
            // Each distinct source (with its vintage) is listed once and numbered.
            let mut refs = Vec::new();
            for src in &ind.provenance_items {
                let n = match notes.iter().position(|n| n == src) {
                    Some(i) => i + 1,
                    None => {
                        notes.push(src.clone());
                        notes.len()
                    }
                };
                refs.push(n.to_string());
            }
            rows.push(PdfRow { cells: c, note: refs.join(","), spark: spark(line) });
        }
        groups.push(PdfGroup { title: &g.title, rows, absent: g.absent.clone() });
    }
    let density = m.headline();
    let dens_cells = density.and_then(|ind| f.cells.iter().find(|c| c.titre == ind.title));
    let summary = match dens_cells {
        Some(c) => {
            format!(
                "{} généralistes pour 100 000 habitants en {} ({} en {}{}), {} ; {} : {}, France : {}.",
                c.valeur,
                c.annee,
                c.comparaison,
                c.annee_comparaison,
                if c.significativite.is_empty() { String::new() } else { format!(", {}", c.significativite) },
                if c.rang.is_empty() {
                    "rang non disponible".to_string()
                } else if c.rang_intervalle.is_empty() {
                    format!("{} des 101 départements", c.rang)
                } else {
                    format!("{} des 101 départements ({})", c.rang, c.rang_intervalle)
                },
                f.region,
                c.region,
                c.france
            )
        }
        _ => String::new(),
    };
    let france = density.and_then(|i| i.france()).and_then(|r| r.cur.as_ref()).map(|v| v.value);
    let n = f.zones.len();
    PdfFiche {
        code: &f.code,
        name: &f.name,
        region: &f.region,
        edition: m.edition.year,
        previous: m.edition.previous,
        label: &m.edition_label,
        demo: m.demo,
        draft: m.draft,
        // The page has no room for the full notice (on the HTML fiche and in the report).
        demo_notice: if m.demo { FICHE_DEMO_NOTICE } else { "" },
        vintage: &m.vintage,
        summary,
        baseline: m.edition.baseline,
        groups,
        zones_summary: format!(
            "{n} intercommunalité{} du département {} classée{} en zone rouge ({} habitants) :",
            if n > 1 { "s" } else { "" },
            if n > 1 { "sont" } else { "est" },
            if n > 1 { "s" } else { "" },
            fmt::number(f.zones_population as f64, 0)
        ),
        zones: f
            .zones
            .iter()
            .map(|z| PdfZone { name: &z.name, population: fmt::number(z.population as f64, 0) })
            .collect(),
        density: density_text(f.density),
        neighbours: f
            .neighbours
            .iter()
            .map(|(n, d)| PdfNeighbour { code: &n.code, name: &n.name, density: density_text(*d) })
            .collect(),
        neighbours_method: format!("Les plus proches par leur structure. Méthode : {}.", f.neighbours_method),
        position_alt: format!(
            "Position {} parmi les 101 départements pour la densité de médecins généralistes : {} pour 100 000 habitants (France : {}).",
            crate::geo::Geography::get().departement(&f.code).map_or_else(|| format!("de {}", f.name), |d| d.de()),
            density_text(f.density),
            density_text(france)
        ),
        locator_alt: &f.locator_alt,
        notes,
    }
}

/// Compiles the fiche PDFs on all cores with one typst engine. The locator reaches typst
/// as one map shared by every fiche (the same bytes: typst decodes it once) and a small
/// overlay with the département highlighted; `locator` has both in one SVG for templates
/// that want it.
fn render_pdfs(cx: &RenderContext, fiches: &[Fiche], locator: &Locator, sink: super::Sink) -> Result<()> {
    let (name, source) = template(cx.templates, "fiche.typ", FICHE_TYP)?;
    let typst = Typst::new(&name, &source);
    let map = Bytes::from_string(locator.svg("", "Carte de France"));
    for part in fiches.chunks(super::PART) {
        sink(super::par_map(part, |f| {
            render_pdf(cx, &typst, f, &map, locator).with_context(|| format!("fiche {} ({})", f.name, f.code))
        })?)?;
    }
    Ok(())
}

fn render_pdf(
    cx: &RenderContext,
    typst: &Typst,
    f: &Fiche,
    map: &Bytes,
    locator: &Locator,
) -> Result<(String, Vec<u8>)> {
    let data = pdf_fiche(cx.model, f);
    let mut inputs = Dict::new();
    inputs.insert("data".into(), super::pdf::typeset_json(&data)?.into_value());
    inputs.insert("locator".into(), Bytes::from_string(f.locator.clone()).into_value());
    inputs.insert("locator_map".into(), map.clone().into_value());
    inputs.insert("locator_highlight".into(), Bytes::from_string(locator.overlay(&f.code)).into_value());
    if let Some(rel) = &f.position_chart {
        // `rel` is relative to the fiche's page (`../charts/…`).
        let svg = cx.figures.svg(rel.strip_prefix("../").unwrap_or(rel))?;
        inputs.insert("position".into(), Bytes::from_string(svg.to_string()).into_value());
    }
    let ident = format!("barometre-{}-{}", cx.model.edition.year, f.code);
    let pdf = typst.pdf(inputs, cx.epoch, &ident)?;
    // The file name comes from the reference list, never from input files.
    Ok((format!("departements/{}.pdf", f.code), pdf))
}

/// The PDF fiches of some départements (`barometre fiche --departement`), as the edition
/// has them: `departements/<code>.pdf`.
pub fn departement_pdfs(cx: &RenderContext, codes: &[String]) -> Result<Files> {
    let locator = Locator::new(cx.geometry);
    let fiches = codes.iter().map(|c| fiche(cx.model, c, &locator)).collect::<Result<Vec<_>>>()?;
    super::collect(|sink| render_pdfs(cx, &fiches, &locator, sink))
}

/// Every département's fiche, in the order of the reference list.
fn all_fiches<'a>(cx: &RenderContext<'a>, locator: &Locator) -> Result<Vec<Fiche<'a>>> {
    Geography::get().departements.iter().map(|d| fiche(cx.model, &d.code, locator)).collect()
}

impl Renderer for Fiches {
    fn name(&self) -> &'static str {
        "fiches (HTML)"
    }

    fn render(&self, cx: &RenderContext) -> Result<Files> {
        let mut out = Files::new();
        let (name, source) = template(cx.templates, "fiche.html", FICHE)?;
        let (base_name, base) = template(cx.templates, "base.html", super::html::BASE)?;
        let mut env = environment();
        // The fiche is a page of the site, on its layout.
        env.add_template_owned("base.html", base).with_context(|| format!("invalid template `{base_name}`"))?;
        env.add_template_owned("fiche.html", source).with_context(|| format!("invalid template `{name}`"))?;
        let tmpl = env.get_template("fiche.html").with_context(|| format!("invalid template `{name}`"))?;
        let departements = super::html::departements();
        let locator = Locator::new(cx.geometry);
        // The model is converted once, not once per page.
        let m = minijinja::Value::from(Serde(cx.published()));
        let maps = match (&cx.model.epci, &cx.geometry.epci) {
            (Some(level), Some(contours)) => Some(EpciMaps::new(level, contours)),
            _ => None,
        };
        for mut f in all_fiches(cx, &locator)? {
            f.epci_map = maps.as_ref().and_then(|m| m.departement(&f.code));
            let html = tmpl
                .render(context! {
                    m => m.clone(),
                    f => Serde(&f),
                    root => "../",
                    page => "fiche",
                    departements => departements.clone(),
                })
                .map_err(|e| {
                    anyhow!("template `{name}`{}: {e}", e.line().map(|l| format!(", line {l}")).unwrap_or_default())
                })?;
            // The file name comes from the reference list, never from input files.
            out.push((format!("departements/{}.html", f.code), crate::fmt::typo_html(&html).into_bytes()));
        }
        Ok(out)
    }
}

/// The fiches as one-page PDFs.
pub struct FichePdfs;

impl Renderer for FichePdfs {
    fn name(&self) -> &'static str {
        "fiches (PDF)"
    }

    fn render(&self, cx: &RenderContext) -> Result<Files> {
        super::collect(|sink| self.render_to(cx, sink))
    }

    fn render_to(&self, cx: &RenderContext, sink: super::Sink) -> Result<()> {
        let locator = Locator::new(cx.geometry);
        render_pdfs(cx, &all_fiches(cx, &locator)?, &locator, sink)
    }
}
