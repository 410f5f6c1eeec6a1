//! The level below the département: a page per EPCI (`epci/<siren>.html`), their index
//! (`epci/index.html`), a one-page PDF fiche per zone rouge (`epci/<siren>.pdf`, and any
//! EPCI on demand with `barometre fiche --epci`), the EPCI table (CSV, Excel CSV, JSON,
//! a sheet of the XLSX) and the lines of a département's fiche that rank its EPCI.
//!
//! Every number is formatted here, once, in French; the templates only place them.

use anyhow::{Context, Result, anyhow};
use minijinja::context;
use minijinja::value::Serde;
use serde::Serialize;
use typst::foundations::{Dict, IntoValue};

use crate::communes::Communes;
use crate::epci::{EpciLevel, EpciRow, THRESHOLD_PCT};
use crate::fmt;
use crate::geo::Geography;
use crate::model::ReportModel;

use super::pdf::Typst;
use super::table::{Cell, Table};
use super::{Files, RenderContext, Renderer, html::environment, template};

static PAGE: &str = include_str!("../../report-templates/epci.html");
static INDEX: &str = include_str!("../../report-templates/epci-index.html");
static FICHE_TYP: &str = include_str!("../../report-templates/fiche-epci.typ");

/// How many communes an EPCI page and fiche list (those with the most GPs first).
const COMMUNES_SHOWN: usize = 12;

/// The French name of an EPCI's legal kind.
pub fn kind_label(kind: &str) -> &'static str {
    match kind {
        "CC" => "communauté de communes",
        "CA" => "communauté d'agglomération",
        "CU" => "communauté urbaine",
        "METRO" | "MET69" => "métropole",
        "EPT" => "établissement public territorial",
        _ => "intercommunalité",
    }
}

fn density(x: Option<f64>) -> String {
    x.map(|x| fmt::number(x, 1)).unwrap_or_else(|| "n.d.".into())
}

fn count(x: Option<u64>) -> String {
    x.map(|x| fmt::number(x as f64, 0)).unwrap_or_else(|| "n.d.".into())
}

/// A territory compared on a page or a fiche.
#[derive(Debug, Clone, Serialize)]
pub struct AreaLine {
    pub label: String,
    pub gps: String,
    pub gps_prev: String,
    pub population: String,
    pub density: String,
    pub density_prev: String,
    /// The density, for the bars of the fiche (0 when unknown).
    pub value: f64,
}

fn area_line(label: String, a: &crate::epci::Area) -> AreaLine {
    AreaLine {
        label,
        gps: count(Some(a.gps)),
        gps_prev: count(a.gps_prev),
        population: count(Some(a.population)),
        density: density(a.density),
        density_prev: density(a.density_prev),
        value: a.density.unwrap_or(0.0),
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CommuneLine {
    pub code: String,
    pub name: String,
    pub population: String,
    pub gps: String,
    pub gps_prev: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SimilarLine {
    pub siren: String,
    pub name: String,
    pub dept: String,
    pub population: String,
    pub density: String,
    pub zone_rouge: bool,
}

/// What an EPCI's page and fiche show, formatted.
#[derive(Debug, Clone, Serialize)]
pub struct EpciView {
    pub siren: String,
    pub name: String,
    pub kind: String,
    pub dept: String,
    pub dept_name: String,
    /// « de la Creuse »
    pub dept_de: String,
    pub region: String,
    pub communes: String,
    pub population: String,
    pub year: i32,
    pub previous: Option<i32>,
    pub gps: String,
    pub density: String,
    pub change: String,
    pub change_interval: String,
    pub change_label: String,
    pub zone_rouge: bool,
    pub rank_dept: String,
    pub rank_france: String,
    pub summary: String,
    pub areas: Vec<AreaLine>,
    pub communes_list: Vec<CommuneLine>,
    pub communes_more: usize,
    pub similar: Vec<SimilarLine>,
    pub source: String,
    pub synthetic: bool,
    pub method: String,
}

/// The rule of change, in a sentence.
pub fn method(level: &EpciLevel) -> String {
    format!(
        "Densité : généralistes de l'annuaire santé (chaque médecin compté une fois, à un lieu d'exercice) pour 100 000 habitants (populations municipales légales, COG 2026), somme des communes. Évolution depuis {} : « hausse » ou « baisse » quand l'intervalle exact à 95 % de la variation relative de l'effectif est entièrement au-delà de ±{} %, « stable » entièrement en deçà, « évolution incertaine » sinon. Les chiffres de l'annuaire diffèrent de ceux de la DREES utilisés pour les départements dans le rapport.",
        level.previous.map_or_else(|| "l'extraction précédente".to_string(), |y| y.to_string()),
        fmt::number(THRESHOLD_PCT, 0)
    )
}

pub fn view(level: &EpciLevel, r: &EpciRow) -> EpciView {
    let geo = Geography::get();
    let d = geo.departement(&r.dept);
    let dept_name = d.map(|d| d.name.clone()).unwrap_or_default();
    let dept_de = d.map(|d| d.de()).unwrap_or_default();
    let region = d.and_then(|d| geo.region(&d.region)).map(|r| r.name.clone()).unwrap_or_default();
    let n_france = level.rows.len();
    let (change, change_interval, change_label) = match &r.change {
        Some(c) => (
            fmt::signed_pct(c.pct, 1),
            format!("de {} à {}", fmt::signed_pct(c.low, 0), fmt::signed_pct(c.high, 0)),
            c.label.clone(),
        ),
        None if r.area.gps_prev == Some(0) && r.area.gps == 0 => {
            ("aucun généraliste".into(), String::new(), "aucun généraliste aux deux dates".into())
        }
        None => ("n.d.".into(), String::new(), String::new()),
    };
    let mut areas = vec![area_line(r.name.clone(), &r.area)];
    if let Some(a) = level.departements.get(&r.dept) {
        areas.push(area_line(format!("{dept_name} ({})", r.dept), a));
    }
    areas.push(area_line("France".into(), &level.france));
    let communes = Communes::get();
    let mut list: Vec<CommuneLine> = Vec::new();
    let mut members: Vec<(&crate::communes::Commune, u64, Option<u64>)> = communes
        .of_epci(&r.siren)
        .map(|c| {
            let (n, p) = level.communes.get(&c.code).copied().unwrap_or((0, None));
            (c, n, p)
        })
        .collect();
    members.sort_by(|a, b| b.1.cmp(&a.1).then(b.0.population.cmp(&a.0.population)).then(a.0.code.cmp(&b.0.code)));
    for (c, n, p) in members.iter().take(COMMUNES_SHOWN) {
        list.push(CommuneLine {
            code: c.code.clone(),
            name: c.name.clone(),
            population: count(Some(c.population)),
            gps: count(Some(*n)),
            gps_prev: count(*p),
        });
    }
    let similar = r
        .similar
        .iter()
        .filter_map(|s| level.get(s))
        .map(|o| SimilarLine {
            siren: o.siren.clone(),
            name: o.name.clone(),
            dept: o.dept.clone(),
            population: count(Some(o.area.population)),
            density: density(o.area.density),
            zone_rouge: o.zone_rouge,
        })
        .collect();
    let similar_line = AreaLine {
        label: format!("EPCI comparables (médiane de {})", r.similar.len()),
        gps: String::new(),
        gps_prev: String::new(),
        population: String::new(),
        density: density(r.similar_median),
        density_prev: String::new(),
        value: r.similar_median.unwrap_or(0.0),
    };
    areas.push(similar_line);
    let rank_dept = format!("{} des {} EPCI {dept_de}", fmt::ordinal(r.rank_dept), r.n_dept);
    let rank_dept = if r.n_dept == 1 { format!("seul EPCI {dept_de}") } else { rank_dept };
    let rank_france = format!(
        "{}{} des {} EPCI de France",
        fmt::number(f64::from(r.rank_france), 0),
        if r.rank_france == 1 { "er" } else { "e" },
        fmt::number(n_france as f64, 0)
    );
    let france = level.france.density;
    let dept_density = level.departements.get(&r.dept).and_then(|a| a.density);
    let summary = format!(
        "{} {} pour 100 000 habitants en {} ({} : {} ; France : {}){}.",
        fmt::count(r.area.gps as usize, "généraliste", "généralistes"),
        if r.area.population > 0 {
            format!("pour {} habitants, soit {}", count(Some(r.area.population)), density(r.area.density))
        } else {
            String::new()
        },
        level.year,
        dept_name,
        density(dept_density),
        density(france),
        match (&r.change, level.previous) {
            (Some(c), Some(y)) => format!(" ; depuis {y} : {} ({})", fmt::signed_pct(c.pct, 1), c.label),
            _ => String::new(),
        }
    );
    EpciView {
        siren: r.siren.clone(),
        name: r.name.clone(),
        kind: kind_label(&r.kind).to_string(),
        dept: r.dept.clone(),
        dept_name,
        dept_de,
        region,
        communes: fmt::count(r.communes, "commune", "communes"),
        population: count(Some(r.area.population)),
        year: level.year,
        previous: level.previous,
        gps: count(Some(r.area.gps)),
        density: density(r.area.density),
        change,
        change_interval,
        change_label,
        zone_rouge: r.zone_rouge,
        rank_dept,
        rank_france,
        summary,
        areas,
        communes_more: members.len().saturating_sub(COMMUNES_SHOWN),
        communes_list: list,
        similar,
        source: level.source.clone(),
        synthetic: level.synthetic,
        method: method(level),
    }
}

/// An EPCI on its département's fiche.
#[derive(Debug, Clone, Serialize)]
pub struct DeptEpciLine {
    pub siren: String,
    pub name: String,
    pub rank: String,
    pub population: String,
    pub gps: String,
    pub density: String,
    pub change: String,
    pub change_label: String,
    pub zone_rouge: bool,
}

/// The EPCI of a département, densest first.
pub fn departement_lines(level: &EpciLevel, dept: &str) -> Vec<DeptEpciLine> {
    level
        .of_departement(dept)
        .into_iter()
        .map(|r| DeptEpciLine {
            siren: r.siren.clone(),
            name: r.name.clone(),
            rank: fmt::ordinal(r.rank_dept),
            population: count(Some(r.area.population)),
            gps: count(Some(r.area.gps)),
            density: density(r.area.density),
            change: r.change.as_ref().map(|c| fmt::signed_pct(c.pct, 1)).unwrap_or_else(|| "n.d.".into()),
            change_label: r.change.as_ref().map(|c| c.label.clone()).unwrap_or_default(),
            zone_rouge: r.zone_rouge,
        })
        .collect()
}

/// The EPCI table: one row per EPCI, every column documented.
pub fn table(m: &ReportModel, level: &EpciLevel) -> Table {
    let geo = Geography::get();
    let (y, p) = (level.year, level.previous);
    let py = p.map(|p| p.to_string()).unwrap_or_else(|| "précédente".into());
    let nature = if level.synthetic { "synthétique" } else { "réel" };
    let mut columns: Vec<(String, String, String)> = vec![
        ("siren".into(), "SIREN de l'EPCI (texte)".into(), "SIREN".into()),
        ("nom".into(), "nom de l'EPCI".into(), "Nom".into()),
        ("nature_juridique".into(), "CC, CA, CU ou METRO".into(), "Nature juridique".into()),
        (
            "code_departement".into(),
            "département qui porte la plus grande part de sa population".into(),
            "Département".into(),
        ),
        ("departement".into(), "nom du département".into(), "Nom du département".into()),
        ("departements".into(), "tous ses départements, séparés par |".into(), "Départements".into()),
        ("communes".into(), "nombre de communes".into(), "Communes".into()),
        (
            "population".into(),
            "population municipale légale (COG 2026), somme des communes".into(),
            "Population".into(),
        ),
        ("annee".into(), "année de l'extraction de l'annuaire".into(), "Année".into()),
        (format!("generalistes_{y}"), format!("généralistes comptés en {y}"), format!("Généralistes {y}")),
        (format!("densite_{y}"), format!("généralistes pour 100 000 habitants en {y}"), format!("Densité {y}")),
        (format!("generalistes_{py}"), format!("généralistes comptés en {py}"), format!("Généralistes {py}")),
        (format!("densite_{py}"), format!("généralistes pour 100 000 habitants en {py}"), format!("Densité {py}")),
        ("evolution_pct".into(), format!("variation relative de l'effectif depuis {py}, en %"), "Évolution (%)".into()),
        ("evolution_ic_bas".into(), "borne basse de son intervalle exact à 95 %".into(), "IC 95 % bas".into()),
        ("evolution_ic_haut".into(), "borne haute de son intervalle exact à 95 %".into(), "IC 95 % haut".into()),
        (
            "evolution".into(),
            format!("hausse, baisse (intervalle au-delà de ±{THRESHOLD_PCT} %), stable, évolution incertaine"),
            "Qualification".into(),
        ),
        ("zone_rouge".into(), "classée zone rouge (oui/non)".into(), "Zone rouge".into()),
        (
            "rang_departement".into(),
            "rang par densité parmi les EPCI du département (1 = la plus forte)".into(),
            "Rang dans le département".into(),
        ),
        ("nb_epci_departement".into(), "nombre d'EPCI du département".into(), "EPCI du département".into()),
        ("rang_france".into(), "rang par densité parmi les EPCI de France".into(), "Rang en France".into()),
        (
            format!("densite_departement_{y}"),
            "densité du département, même source".into(),
            format!("Densité du département {y}"),
        ),
        (
            "densite_mediane_comparables".into(),
            "densité médiane des EPCI comparables (même nature, populations les plus proches)".into(),
            "Densité médiane des EPCI comparables".into(),
        ),
        ("nature".into(), "réel ou synthétique (données de démonstration)".into(), "Nature des données".into()),
        ("source".into(), "source et millésime".into(), "Source".into()),
    ];
    if p.is_none() {
        columns.retain(|c| !c.0.ends_with("_précédente") && !c.0.starts_with("evolution"));
    }
    let mut rows = Vec::new();
    for r in &level.rows {
        let dname = geo.departement(&r.dept).map(|d| d.name.clone()).unwrap_or_default();
        let mut row = vec![
            Cell::Text(r.siren.clone()),
            Cell::Text(r.name.clone()),
            Cell::Text(r.kind.clone()),
            Cell::Text(r.dept.clone()),
            Cell::Text(dname),
            Cell::Text(r.departements.join("|")),
            Cell::Num(Some(r.communes as f64), 0),
            Cell::Num(Some(r.area.population as f64), 0),
            Cell::Text(y.to_string()),
            Cell::Num(Some(r.area.gps as f64), 0),
            Cell::Num(r.area.density, 1),
        ];
        if p.is_some() {
            row.extend([
                Cell::Num(r.area.gps_prev.map(|x| x as f64), 0),
                Cell::Num(r.area.density_prev, 1),
                Cell::Num(r.change.as_ref().map(|c| c.pct), 1),
                Cell::Num(r.change.as_ref().map(|c| c.low), 1),
                Cell::Num(r.change.as_ref().map(|c| c.high), 1),
                Cell::Text(r.change.as_ref().map(|c| c.label.clone()).unwrap_or_default()),
            ]);
        }
        row.extend([
            Cell::Text(if r.zone_rouge { "oui" } else { "non" }.into()),
            Cell::Num(Some(f64::from(r.rank_dept)), 0),
            Cell::Num(Some(f64::from(r.n_dept)), 0),
            Cell::Num(Some(f64::from(r.rank_france)), 0),
            Cell::Num(level.departements.get(&r.dept).and_then(|a| a.density), 1),
            Cell::Num(r.similar_median, 1),
            Cell::Text(nature.into()),
            Cell::Text(level.source.clone()),
        ]);
        rows.push(row);
    }
    let _ = m;
    Table {
        name: format!("epci-{y}"),
        title: format!("Médecins généralistes par intercommunalité (EPCI), {y}"),
        labels: columns.iter().map(|c| c.2.clone()).collect(),
        columns: columns.into_iter().map(|c| (c.0, c.1)).collect(),
        rows,
        sheet: "EPCI".into(),
    }
}

/// The directory's GPs by département against DREES's (the cross-check of `checks.md`).
pub fn cross_check_table(level: &EpciLevel) -> Table {
    let geo = Geography::get();
    let columns: Vec<(String, String, String)> = vec![
        ("code_departement".into(), "département (texte)".into(), "Département".into()),
        ("departement".into(), "nom du département".into(), "Nom".into()),
        ("annee".into(), "année de l'extraction et des effectifs DREES".into(), "Année".into()),
        ("annuaire".into(), "généralistes de l'annuaire, un lieu d'exercice chacun".into(), "Annuaire".into()),
        ("drees".into(), "généralistes en activité au 1er janvier (DREES)".into(), "DREES".into()),
        ("ecart_pct".into(), "écart relatif de l'annuaire à la DREES, en %".into(), "Écart (%)".into()),
        ("alerte".into(), format!("écart au-delà de ±{} %", crate::epci::TOLERANCE_PCT), "Alerte".into()),
    ];
    let rows = level
        .cross_check
        .iter()
        .map(|c| {
            vec![
                Cell::Text(c.dept.clone()),
                Cell::Text(geo.departement(&c.dept).map(|d| d.name.clone()).unwrap_or_default()),
                Cell::Text(level.year.to_string()),
                Cell::Num(Some(c.directory as f64), 0),
                Cell::Num(c.drees.map(|x| x as f64), 0),
                Cell::Num(c.gap_pct, 1),
                Cell::Text(if c.alert { "oui" } else { "non" }.into()),
            ]
        })
        .collect();
    Table {
        name: "controle-annuaire-drees".into(),
        title: format!("Généralistes par département : annuaire santé et DREES, {}", level.year),
        labels: columns.iter().map(|c| c.2.clone()).collect(),
        columns: columns.into_iter().map(|c| (c.0, c.1)).collect(),
        rows,
        sheet: "Contrôle DREES".into(),
    }
}

/// Every EPCI's page and the index.
pub struct EpciPages;

impl Renderer for EpciPages {
    fn name(&self) -> &'static str {
        "EPCI (HTML)"
    }

    fn render(&self, cx: &RenderContext) -> Result<Files> {
        super::collect(|sink| self.render_to(cx, sink))
    }

    fn render_to(&self, cx: &RenderContext, sink: super::Sink) -> Result<()> {
        let Some(level) = &cx.model.epci else { return Ok(()) };
        let (base_name, base) = template(cx.templates, "base.html", super::html::BASE)?;
        let (name, source) = template(cx.templates, "epci.html", PAGE)?;
        let (iname, isource) = template(cx.templates, "epci-index.html", INDEX)?;
        let mut env = environment();
        env.add_template_owned("base.html", base).with_context(|| format!("invalid template `{base_name}`"))?;
        env.add_template_owned("epci.html", source).with_context(|| format!("invalid template `{name}`"))?;
        env.add_template_owned("epci-index.html", isource).with_context(|| format!("invalid template `{iname}`"))?;
        let departements = super::html::departements();
        let m = minijinja::Value::from(Serde(cx.published()));
        let err = |name: &str, e: minijinja::Error| {
            anyhow!("template `{name}`{}: {e}", e.line().map(|l| format!(", line {l}")).unwrap_or_default())
        };
        let page = env.get_template("epci.html").with_context(|| format!("invalid template `{name}`"))?;
        let views: Vec<EpciView> = level.rows.iter().map(|r| view(level, r)).collect();
        // In parts of 10 × PART pages (a page is small, there are 1,255).
        for part in views.chunks(10 * super::PART) {
            sink(super::par_map(part, |v| {
                let html = page
                    .render(context! {
                        m => m.clone(), e => Serde(v), root => "../", page => "epci", departements => departements.clone(),
                    })
                    .map_err(|e| err(&name, e))?;
                // The file name is a SIREN of the reference geography, never input text.
                Ok((format!("epci/{}.html", v.siren), fmt::typo_html(&html).into_bytes()))
            })?)?;
        }
        let index = env.get_template("epci-index.html").with_context(|| format!("invalid template `{iname}`"))?;
        let geo = Geography::get();
        let mut rows: Vec<&EpciView> = views.iter().collect();
        rows.sort_by(|a, b| {
            let pos = |c: &str| geo.dept_position(c).unwrap_or(usize::MAX);
            pos(&a.dept).cmp(&pos(&b.dept)).then(a.name.cmp(&b.name))
        });
        let html = index
            .render(context! {
                m => m, rows => Serde(&rows), level => Serde(level_summary(level)), root => "../", page => "epci",
                departements => departements,
            })
            .map_err(|e| err(&iname, e))?;
        sink(vec![("epci/index.html".into(), fmt::typo_html(&html).into_bytes())])
    }
}

#[derive(Serialize)]
struct LevelSummary {
    year: i32,
    previous: Option<i32>,
    count: String,
    zones: usize,
    france: String,
    source: String,
    method: String,
}

fn level_summary(level: &EpciLevel) -> LevelSummary {
    LevelSummary {
        year: level.year,
        previous: level.previous,
        count: fmt::number(level.rows.len() as f64, 0),
        zones: level.rows.iter().filter(|r| r.zone_rouge).count(),
        france: density(level.france.density),
        source: level.source.clone(),
        method: method(level),
    }
}

/// The one-page fiche of one EPCI as data for typst.
#[derive(Serialize)]
struct PdfEpci<'a> {
    #[serde(flatten)]
    v: &'a EpciView,
    edition: i32,
    label: &'a str,
    demo: bool,
    draft: bool,
    vintage: &'a str,
    /// The largest density of the bars, for their scale.
    max: f64,
}

/// Compiles the fiche PDFs of the given EPCI on all cores with one typst engine.
pub fn fiche_pdfs(
    m: &ReportModel,
    templates: Option<&std::path::Path>,
    epoch: i64,
    sirens: &[String],
) -> Result<Files> {
    super::collect(|sink| fiche_pdfs_to(m, templates, epoch, sirens, sink))
}

/// [`fiche_pdfs`], handed to `sink` in parts of [`super::PART`] fiches.
fn fiche_pdfs_to(
    m: &ReportModel,
    templates: Option<&std::path::Path>,
    epoch: i64,
    sirens: &[String],
    sink: super::Sink,
) -> Result<()> {
    let Some(level) = &m.epci else { return Ok(()) };
    let (name, source) = template(templates, "fiche-epci.typ", FICHE_TYP)?;
    let typst = Typst::new(&name, &source);
    let views: Vec<EpciView> = sirens.iter().filter_map(|s| level.get(s)).map(|r| view(level, r)).collect();
    for part in views.chunks(super::PART) {
        sink(fiche_part(m, &typst, epoch, part)?)?;
    }
    Ok(())
}

fn fiche_part(m: &ReportModel, typst: &Typst, epoch: i64, views: &[EpciView]) -> Result<Files> {
    super::par_map(views, |v| {
        let max = v.areas.iter().map(|a| a.value).fold(0.0, f64::max);
        let data = PdfEpci {
            v,
            edition: m.edition.year,
            label: &m.edition_label,
            demo: m.demo,
            draft: m.draft,
            vintage: &m.vintage,
            max,
        };
        let mut inputs = Dict::new();
        inputs.insert("data".into(), super::pdf::typeset_json(&data)?.into_value());
        let ident = format!("barometre-{}-epci-{}", m.edition.year, v.siren);
        let pdf = typst.pdf(inputs, epoch, &ident).with_context(|| format!("fiche {} ({})", v.name, v.siren))?;
        Ok((format!("epci/{}.pdf", v.siren), pdf))
    })
}

/// The fiches of the zones rouges.
pub struct EpciFiches;

impl Renderer for EpciFiches {
    fn name(&self) -> &'static str {
        "fiches EPCI (PDF)"
    }

    fn render(&self, cx: &RenderContext) -> Result<Files> {
        super::collect(|sink| self.render_to(cx, sink))
    }

    fn render_to(&self, cx: &RenderContext, sink: super::Sink) -> Result<()> {
        let Some(level) = &cx.model.epci else { return Ok(()) };
        let red: Vec<String> = level.rows.iter().filter(|r| r.zone_rouge).map(|r| r.siren.clone()).collect();
        fiche_pdfs_to(cx.model, cx.templates, cx.epoch, &red, sink)
    }
}
