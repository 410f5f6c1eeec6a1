//! Downloadable tables for journalists, from the report model: for every indicator one
//! table (départements, régions, France) and one wide table of départements, each as CSV
//! (UTF-8, `,`), CSV for French Excel (`;`, decimal comma, BOM), JSON and XLSX (with a
//! sheet documenting the columns and sources). Codes are text; the data year, source
//! and vintage are in every file.

use std::fmt::Write as _;

use anyhow::Result;
use rust_xlsxwriter::{Format, Workbook};

use crate::model::{IndicatorResult, LevelName, ReportModel, Row};

pub use super::table::{Cell, Table};
use super::{Files, RenderContext, Renderer};

pub struct Tables;

impl Renderer for Tables {
    fn name(&self) -> &'static str {
        "tables"
    }

    fn render(&self, cx: &RenderContext) -> Result<Files> {
        let m = cx.model;
        let mut out = Files::new();
        let keys = SourceKeys::new(m);
        let mut tables = Vec::new();
        for ind in &m.indicators {
            tables.push(indicator_table(m, ind, &keys));
        }
        tables.push(wide_table(m, &keys));
        tables.push(sources_table(m, &keys));
        for t in &tables {
            out.push((format!("tables/{}.csv", t.name), t.csv(b',', false)?));
            out.push((format!("tables/{}.json", t.name), t.json(m)?.into_bytes()));
        }
        // For Excel: French headers, one table per level, no empty column.
        let mut excel = excel_tables(&tables);
        if let Some(level) = &m.epci {
            let t = super::epci::table(m, level);
            out.push((format!("tables/{}.csv", t.name), t.csv(b',', false)?));
            out.push((format!("tables/{}.json", t.name), t.json(m)?.into_bytes()));
            excel.push(t);
            let c = super::epci::cross_check_table(level);
            out.push((format!("tables/{}.csv", c.name), c.csv(b',', false)?));
        }
        for t in &excel {
            out.push((format!("tables/excel/{}.csv", t.name), t.csv(b';', true)?));
        }
        out.push(("tables/excel/colonnes.csv".into(), dictionary(&excel).csv(b';', true)?));
        out.push((format!("tables/barometre-{}.xlsx", m.edition.year), xlsx(m, &excel, cx.epoch)?));
        out.push(("tables/LISEZMOI.md".into(), readme(m, &tables, &excel).into_bytes()));
        Ok(out)
    }
}

/// Short keys for the sources (« S1 »…), so that a row names its sources without
/// repeating them; the `sources` table gives each in full.
pub struct SourceKeys(Vec<String>);

impl SourceKeys {
    fn items(ind: &IndicatorResult) -> Vec<String> {
        if ind.provenance_items.is_empty() { vec![ind.source.clone()] } else { ind.provenance_items.clone() }
    }

    fn new(m: &ReportModel) -> SourceKeys {
        let mut all: Vec<String> = Vec::new();
        for p in m.indicators.iter().flat_map(SourceKeys::items) {
            if !all.contains(&p) {
                all.push(p);
            }
        }
        SourceKeys(all)
    }

    /// « S1 ; S2 » for an indicator.
    fn of(&self, ind: &IndicatorResult) -> String {
        let keys: Vec<String> = SourceKeys::items(ind)
            .iter()
            .filter_map(|p| self.0.iter().position(|x| x == p).map(|i| format!("S{}", i + 1)))
            .collect();
        keys.join(" ; ")
    }
}

/// Every source with its key.
fn sources_table(m: &ReportModel, keys: &SourceKeys) -> Table {
    let rows = keys
        .0
        .iter()
        .enumerate()
        .map(|(i, s)| vec![Cell::Text(format!("S{}", i + 1)), Cell::Text(s.clone()), Cell::Text(m.vintage.clone())])
        .collect();
    Table {
        name: "sources".into(),
        title: format!("Baromètre {} : les sources, par clé", m.edition.year),
        columns: vec![
            ("cle".into(), "clé de la source, reprise dans la colonne `source` des autres tables".into()),
            ("source".into(), "source des données, avec son millésime entre crochets".into()),
            ("millesime".into(), "millésime des données de l'édition".into()),
        ],
        labels: vec!["Clé".into(), "Source".into(), "Millésime".into()],
        rows,
        sheet: "Sources".into(),
    }
}

/// The French header of a column of an indicator table.
fn label(name: &str) -> String {
    let fixed = match name {
        "niveau" => "Niveau",
        "code" => "Code",
        "nom" => "Territoire",
        "code_region" => "Code région",
        "annee" => "Année",
        "valeur" => "Valeur",
        "numerateur" => "Numérateur",
        "denominateur" => "Dénominateur",
        "departements" => "Départements dans la somme",
        "estimation" => "Estimation sans intervalle",
        "ic95_bas" => "IC 95 % bas",
        "ic95_haut" => "IC 95 % haut",
        "ecart_france" => "Écart à la France",
        "ecart_region" => "Écart à la région",
        "rang" => "Rang",
        "rang_ic95_min" => "Rang, meilleur (IC 95 %)",
        "rang_ic95_max" => "Rang, moins bon (IC 95 %)",
        "quintile" => "Quintile",
        "seuils" => "Seuils franchis",
        "non_publie" => "Non publié : motif",
        "effectif_enquete" => "Répondants",
        "objectif_pct" => "Part de l'objectif (%)",
        "source" => "Sources (clés)",
        "millesime" => "Millésime",
        "nature" => "Nature de la valeur",
        "source_valeur" => "Source de la valeur réelle",
        _ => "",
    };
    if !fixed.is_empty() {
        return fixed.to_string();
    }
    for (prefix, pattern) in [
        ("evolution_pct_depuis_", "Évolution depuis {} (%)"),
        ("evolution_estimee_depuis_", "Évolution estimée depuis {}"),
        ("evolution_ic95_bas_depuis_", "Évolution depuis {}, IC 95 % bas"),
        ("evolution_ic95_haut_depuis_", "Évolution depuis {}, IC 95 % haut"),
        ("evolution_depuis_", "Évolution depuis {}"),
        ("qualification_depuis_", "Qualification depuis {}"),
        ("p_valeur_depuis_", "p-valeur depuis {}"),
        ("departements_comparables_", "Départements comparables avec {}"),
        ("revision_", "Révision {}"),
        ("nature_", "Nature de la valeur {}"),
    ] {
        if let Some(y) = name.strip_prefix(prefix) {
            return pattern.replace("{}", y);
        }
    }
    if let Some(y) = name.strip_prefix("valeur_") {
        return match y.strip_suffix("_publiee") {
            Some(y) => format!("Valeur {y} publiée"),
            None => format!("Valeur {y}"),
        };
    }
    name.to_string()
}

/// `s` cut to at most `n` characters at a word boundary.
fn words(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        return s.to_string();
    }
    let head: String = s.chars().take(n + 1).collect();
    let cut = head.rfind(' ').filter(|i| *i > 0).unwrap_or(head.len());
    head[..cut].trim_end_matches([' ', ',', ':', '(']).to_string()
}

/// A sheet name: at most 31 characters cut between words, none of `[]:*?/\`, unique
/// among `taken`.
fn sheet_name(title: &str, taken: &[String]) -> String {
    let clean: String = title.chars().filter(|c| !"[]:*?/\\".contains(*c)).collect();
    let mut s = words(&clean, 31);
    let mut k = 2;
    while taken.iter().any(|t| t.to_lowercase() == s.to_lowercase()) {
        let suffix = format!(" ({k})");
        s = format!("{}{suffix}", words(&clean, 31 - suffix.chars().count()));
        k += 1;
    }
    s
}

/// The Excel versions of the tables: French headers; an indicator's départements apart
/// from its régions and France (a code is then one territory); no column without any
/// value.
fn excel_tables(tables: &[Table]) -> Vec<Table> {
    let mut out: Vec<Table> = Vec::new();
    let mut taken: Vec<String> = Vec::new();
    let mut push = |mut t: Table, out: &mut Vec<Table>| {
        // A level the indicator has no row for has no file.
        if t.rows.is_empty() {
            return;
        }
        t.sheet = sheet_name(&t.sheet, &taken);
        taken.push(t.sheet.clone());
        out.push(t);
    };
    // The wide table first, then the indicators, the sources last.
    let mut order: Vec<&Table> = tables.iter().filter(|t| t.name.ends_with("-departements")).collect();
    order.extend(tables.iter().filter(|t| !t.name.ends_with("-departements") && t.name != "sources"));
    order.extend(tables.iter().filter(|t| t.name == "sources"));
    for t in order {
        match t.columns.iter().position(|(n, _)| n == "niveau") {
            Some(l) => {
                let is = |row: &Vec<Cell>| matches!(&row[l], Cell::Text(s) if s == "departement");
                let deps: Vec<Vec<Cell>> = t.rows.iter().filter(|r| is(r)).cloned().collect();
                let regs: Vec<Vec<Cell>> = t.rows.iter().filter(|r| !is(r)).cloned().collect();
                push(t.subset(&t.name, &format!("{} — départements", t.title), &t.sheet, deps), &mut out);
                let sheet = format!("{} (rég.)", words(&t.sheet, 24));
                let title = format!("{} — France et régions", t.title);
                push(t.subset(&format!("{}-regions", t.name), &title, &sheet, regs), &mut out);
            }
            None => push(t.subset(&t.name, &t.title, &t.sheet, t.rows.clone()), &mut out),
        }
    }
    out
}

/// The dictionary of the Excel tables: file, sheet, French header, machine name, content.
fn dictionary(excel: &[Table]) -> Table {
    let mut rows = Vec::new();
    for t in excel {
        for ((name, desc), label) in t.columns.iter().zip(&t.labels) {
            rows.push(vec![
                Cell::Text(format!("{}.csv", t.name)),
                Cell::Text(t.sheet.clone()),
                Cell::Text(label.clone()),
                Cell::Text(name.clone()),
                Cell::Text(desc.clone()),
            ]);
        }
    }
    Table {
        name: "colonnes".into(),
        title: "Les colonnes des tableaux pour Excel".into(),
        columns: vec![
            ("fichier".into(), "fichier CSV pour Excel".into()),
            ("feuille".into(), "feuille du classeur XLSX".into()),
            ("colonne".into(), "en-tête de la colonne".into()),
            ("nom_machine".into(), "nom de la colonne dans les fichiers CSV et JSON".into()),
            ("contenu".into(), "ce que contient la colonne".into()),
        ],
        labels: vec!["Fichier".into(), "Feuille".into(), "Colonne".into(), "Nom machine".into(), "Contenu".into()],
        rows,
        sheet: "Colonnes".into(),
    }
}

fn level_name(l: LevelName) -> &'static str {
    match l {
        LevelName::France => "france",
        LevelName::Region => "region",
        LevelName::Departement => "departement",
    }
}

/// Header of an indicator table, documented in `LISEZMOI.md` and the XLSX: the comparison
/// year's columns only when it is before the edition year, the baseline's only when it is
/// before the comparison year (a header never appears twice).
pub fn columns(ind: &IndicatorResult) -> Vec<(String, String)> {
    let kept = kept_groups(ind);
    tagged_columns(ind).into_iter().filter(|c| kept[c.2 as usize]).map(|(n, d, _)| (n, d)).collect()
}

fn kept_groups(ind: &IndicatorResult) -> [bool; 3] {
    let [y, p, b] = ind.years;
    // Years are ordered b <= p <= y: the baseline is kept when it is a year of its own.
    [true, p < y, b < p.min(y)]
}

/// Every column with its group: 0 always, 1 about the comparison year, 2 about the
/// baseline year.
fn tagged_columns(ind: &IndicatorResult) -> Vec<(String, String, u8)> {
    let [_, p, b] = ind.years;
    let c = |n: &str, d: &str| (n.to_string(), d.to_string(), 0u8);
    let cp = |n: &str, d: &str| (n.to_string(), d.to_string(), 1u8);
    let cb = |n: &str, d: &str| (n.to_string(), d.to_string(), 2u8);
    vec![
        c("niveau", "france, region ou departement"),
        c("code", "code officiel géographique (texte : « 01 », « 2A », « 971 » ; « FR » pour la France)"),
        c("nom", "nom du territoire"),
        c("code_region", "code de la région du département"),
        c("annee", "année des données"),
        c("valeur", &format!("{} ({})", ind.title, ind.unit)),
        c("numerateur", "numérateur (somme pour les régions et la France)"),
        c("denominateur", "dénominateur (somme pour les régions et la France)"),
        cp(&format!("valeur_{p}"), &format!("valeur en {p} (année de comparaison)")),
        cp(&format!("evolution_depuis_{p}"), &format!("évolution absolue depuis {p}")),
        cp(&format!("evolution_pct_depuis_{p}"), &format!("évolution relative depuis {p}, en %")),
        cb(&format!("valeur_{b}"), &format!("valeur en {b} (année de référence)")),
        cb(&format!("evolution_depuis_{b}"), &format!("évolution absolue depuis {b}")),
        cb(&format!("evolution_pct_depuis_{b}"), &format!("évolution relative depuis {b}, en %")),
        cp(&format!("qualification_depuis_{p}"), &label_doc(ind)),
        cp(
            &format!("evolution_estimee_depuis_{p}"),
            &format!("évolution depuis {p} estimée par le modèle ({})", change_unit(ind)),
        ),
        cp(
            &format!("evolution_ic95_bas_depuis_{p}"),
            &format!("borne basse de l'intervalle à 95 % de l'évolution depuis {p}"),
        ),
        cp(
            &format!("evolution_ic95_haut_depuis_{p}"),
            &format!("borne haute de l'intervalle à 95 % de l'évolution depuis {p}"),
        ),
        cp(&format!("p_valeur_depuis_{p}"), "p-valeur du test de l'évolution (méthodologie)"),
        cb(&format!("qualification_depuis_{b}"), &format!("qualification de l'évolution depuis {b}, même règle")),
        cb(
            &format!("evolution_ic95_bas_depuis_{b}"),
            &format!("borne basse de l'intervalle à 95 % de l'évolution depuis {b}"),
        ),
        cb(
            &format!("evolution_ic95_haut_depuis_{b}"),
            &format!("borne haute de l'intervalle à 95 % de l'évolution depuis {b}"),
        ),
        c("departements", "régions et France : départements dont la valeur entre dans la somme de l'année"),
        cp(
            &format!("departements_comparables_{p}"),
            &format!(
                "régions et France : départements présents en {p} et dans l'année, sur lesquels l'évolution depuis {p} est calculée"
            ),
        ),
        cb(
            &format!("departements_comparables_{b}"),
            &format!(
                "régions et France : départements présents en {b} et dans l'année, sur lesquels l'évolution depuis {b} est calculée"
            ),
        ),
        c(
            "estimation",
            "oui si la valeur est une estimation sans intervalle (rendez-vous d'un SAS répartis entre ses départements au prorata de la population)",
        ),
        c("ic95_bas", "borne basse de l'intervalle de confiance à 95 % de la valeur"),
        c("ic95_haut", "borne haute de l'intervalle de confiance à 95 % de la valeur"),
        c("ecart_france", "valeur moins valeur de la France (pas pour un effectif)"),
        c("ecart_region", "valeur du département moins valeur de sa région (pas pour un effectif)"),
        c("rang", &rank_doc(ind)),
        c("rang_ic95_min", "rang le meilleur de l'intervalle à 95 % du rang (simulation, méthodologie)"),
        c("rang_ic95_max", "rang le moins bon de l'intervalle à 95 % du rang"),
        c("quintile", "quintile du département (1 = le cinquième aux valeurs les plus faibles)"),
        c("seuils", "seuils franchis (séparés par « | »)"),
        c("non_publie", "motif de non-publication (effectif insuffisant), sinon vide"),
        c("effectif_enquete", "répondants (enquêtes)"),
        cp(
            &format!("valeur_{p}_publiee"),
            &format!("valeur {p} telle que publiée dans l'édition précédente, si fournie"),
        ),
        cp(&format!("revision_{p}"), &format!("révision de la valeur {p} (valeur recalculée moins valeur publiée)")),
        c("objectif_pct", "France : valeur en % de l'objectif de l'indicateur"),
        c("source", "clés des sources des données (table `sources` : source complète et millésime)"),
        c("millesime", "millésime des données"),
        c("nature", "réel (chiffre publié) ou synthétique (données de démonstration) : la valeur de l'année"),
        cp(&format!("nature_{p}"), &format!("réel ou synthétique : la valeur de {p}")),
        cb(&format!("nature_{b}"), &format!("réel ou synthétique : la valeur de {b}")),
        c("source_valeur", "source publiée de la valeur de l'année quand elle est réelle, sinon vide"),
    ]
}

/// The unit of an indicator's change interval.
fn change_unit(ind: &IndicatorResult) -> &'static str {
    match ind.change_model.as_deref() {
        Some("trend") => "en %, relative",
        Some(_) => "en points",
        None => "pas de modèle : vide",
    }
}

fn label_doc(ind: &IndicatorResult) -> String {
    match ind.change_threshold {
        Some(t) => format!(
            "hausse, baisse, stable ou évolution incertaine : l'intervalle à 95 % de l'évolution comparé au seuil de ±{t} ({}) ; vide si l'évolution n'est pas qualifiée",
            change_unit(ind)
        ),
        None => "vide : les évolutions de cet indicateur ne sont pas qualifiées".to_string(),
    }
}

fn rank_doc(ind: &IndicatorResult) -> String {
    if ind.is_count {
        "vide : un effectif mesure une taille, pas un accès ; il n'est pas classé".to_string()
    } else if ind.higher_is_better {
        "rang du département, 1 = meilleur accès (valeur la plus élevée) ; ex aequo au même rang".to_string()
    } else {
        "rang du département, 1 = meilleur accès (valeur la plus faible) ; ex aequo au même rang".to_string()
    }
}

pub fn indicator_table(m: &ReportModel, ind: &IndicatorResult, keys: &SourceKeys) -> Table {
    // Rates keep two more decimals than displayed, so users can re-round.
    let d = ind.decimals as usize + if ind.is_count { 0 } else { 2 };
    let source = &keys.of(ind);
    let t = |s: &str| Cell::Text(s.to_string());
    let rows: Vec<Vec<Cell>> = ind
        .rows
        .iter()
        .map(|r: &Row| {
            let (cur, prev, base) = (&r.cur, &r.prev, &r.base);
            vec![
                t(level_name(r.level)),
                t(&r.code),
                t(&r.name),
                t(r.region.as_deref().unwrap_or("")),
                Cell::Num(Some(f64::from(ind.years[0])), 0),
                Cell::Num(cur.as_ref().map(|v| v.value), d),
                Cell::Num(cur.as_ref().map(|v| v.num), 0),
                Cell::Num(cur.as_ref().and_then(|v| v.den), 0),
                Cell::Num(prev.as_ref().map(|v| v.value), d),
                Cell::Num(r.delta_prev_abs, d),
                Cell::Num(r.delta_prev_pct, 2),
                Cell::Num(base.as_ref().map(|v| v.value), d),
                Cell::Num(r.delta_base_abs, d),
                Cell::Num(r.delta_base_pct, 2),
                t(r.change_prev.as_deref().unwrap_or("")),
                Cell::Num(r.change_prev_stat.as_ref().map(|c| c.estimate), 2),
                Cell::Num(r.change_prev_stat.as_ref().map(|c| c.low), 2),
                Cell::Num(r.change_prev_stat.as_ref().map(|c| c.high), 2),
                Cell::Num(r.p_value_prev, 6),
                t(r.change_base.as_deref().unwrap_or("")),
                Cell::Num(r.change_base_stat.as_ref().map(|c| c.low), 2),
                Cell::Num(r.change_base_stat.as_ref().map(|c| c.high), 2),
                Cell::Num(r.departements.map(f64::from), 0),
                Cell::Num(r.matched_prev.map(f64::from), 0),
                Cell::Num(r.matched_base.map(f64::from), 0),
                t(if cur.as_ref().is_some_and(|v| v.estimated) { "oui" } else { "non" }),
                Cell::Num(cur.as_ref().and_then(|v| v.ci_low), d),
                Cell::Num(cur.as_ref().and_then(|v| v.ci_high), d),
                Cell::Num(r.vs_france, d),
                Cell::Num(r.vs_region, d),
                Cell::Num(r.rank.map(f64::from), 0),
                Cell::Num(r.rank_low.map(f64::from), 0),
                Cell::Num(r.rank_high.map(f64::from), 0),
                Cell::Num(r.quintile.map(f64::from), 0),
                t(&r.flags.join("|")),
                t(r.withheld.as_deref().unwrap_or("")),
                Cell::Num(cur.as_ref().and_then(|v| v.n).map(|n| n as f64), 0),
                Cell::Num(r.published_prev, d),
                Cell::Num(r.revision_prev, d),
                Cell::Num(r.objective_pct, 4),
                t(source),
                t(&m.vintage),
                t(r.nature(0)),
                t(r.nature(1)),
                t(r.nature(2)),
                t(r.real[0].as_deref().unwrap_or("")),
            ]
        })
        .collect();
    // The cells follow `tagged_columns`: keep those of the kept columns.
    let kept = kept_groups(ind);
    let groups: Vec<bool> = tagged_columns(ind).iter().map(|c| kept[c.2 as usize]).collect();
    let rows = rows
        .into_iter()
        .map(|r: Vec<Cell>| r.into_iter().zip(&groups).filter(|(_, k)| **k).map(|(c, _)| c).collect())
        .collect();
    let columns = columns(ind);
    Table {
        name: format!("{}-{}", ind.id, ind.years[0]),
        title: format!("{} ({}), {}", ind.title, ind.unit, ind.years[0]),
        labels: columns.iter().map(|(n, _)| label(n)).collect(),
        columns,
        rows,
        sheet: ind.short_label.clone(),
    }
}

/// One row per département, four columns per indicator: value, comparison value, change
/// and its significance (and the nature of the value in demo data). Columns without any
/// value are left out; the sources are named by their keys (table `sources`).
pub fn wide_table(m: &ReportModel, keys: &SourceKeys) -> Table {
    let geo = crate::geo::Geography::get();
    let mut columns = vec![
        ("code_departement".to_string(), "code du département (texte)".to_string()),
        ("departement".to_string(), "nom du département".to_string()),
        ("code_region".to_string(), "code de la région".to_string()),
        ("region".to_string(), "nom de la région".to_string()),
    ];
    let mut labels: Vec<String> =
        ["Code département", "Département", "Code région", "Région"].iter().map(|s| s.to_string()).collect();
    for ind in &m.indicators {
        let [y, p, _] = ind.years;
        let id = ind.id.replace('-', "_");
        let short = &ind.short_label;
        columns.push((format!("{id}_{y}"), format!("{} ({}), {y} — sources {}", ind.title, ind.unit, keys.of(ind))));
        labels.push(format!("{short} {y}"));
        if m.demo {
            columns.push((format!("{id}_{y}_nature"), format!("{short} {y} : réel ou synthétique (démonstration)")));
            labels.push(format!("{short} {y} : nature"));
        }
        if p < y {
            columns.push((format!("{id}_{p}"), format!("{short} en {p}")));
            labels.push(format!("{short} {p}"));
            columns.push((format!("{id}_evolution_{p}_{y}"), format!("{short} : évolution absolue {p}-{y}")));
            labels.push(format!("{short} : évolution {p}-{y}"));
            columns.push((
                format!("{id}_qualification"),
                format!(
                    "{short} : hausse, baisse, stable ou évolution incertaine (intervalle à 95 % et seuil de pertinence), ou motif de non-publication"
                ),
            ));
            labels.push(format!("{short} : qualification"));
        }
    }
    columns.push(("sources".to_string(), "clés des sources (table `sources`)".to_string()));
    labels.push("Sources (clés)".to_string());
    columns.push(("millesime".to_string(), "millésime des données".to_string()));
    labels.push("Millésime".to_string());
    let all: Vec<String> = (1..=keys.0.len()).map(|i| format!("S{i}")).collect();
    let sources = all.join(" ; ");
    let mut rows = Vec::new();
    for d in &geo.departements {
        let region = geo.region(&d.region).map(|r| r.name.clone()).unwrap_or_default();
        let mut row = vec![
            Cell::Text(d.code.clone()),
            Cell::Text(d.name.clone()),
            Cell::Text(d.region.clone()),
            Cell::Text(region),
        ];
        for ind in &m.indicators {
            let dec = ind.decimals as usize + if ind.is_count { 0 } else { 1 };
            let r = ind.departements().find(|r| r.code == d.code);
            row.push(Cell::Num(r.and_then(|r| r.cur.as_ref()).map(|v| v.value), dec));
            if m.demo {
                row.push(Cell::Text(r.filter(|r| r.cur.is_some()).map_or("", |r| r.nature(0)).to_string()));
            }
            if ind.years[1] >= ind.years[0] {
                continue;
            }
            row.push(Cell::Num(r.and_then(|r| r.prev.as_ref()).map(|v| v.value), dec));
            row.push(Cell::Num(r.and_then(|r| r.delta_prev_abs), dec));
            row.push(Cell::Text(
                r.and_then(|r| r.change_prev.clone().or_else(|| r.withheld.clone())).unwrap_or_default(),
            ));
        }
        row.push(Cell::Text(sources.clone()));
        row.push(Cell::Text(m.vintage.clone()));
        rows.push(row);
    }
    let t = Table {
        name: format!("barometre-{}-departements", m.edition.year),
        title: format!("Baromètre {} : tous les indicateurs par département", m.edition.year),
        columns,
        labels,
        rows,
        sheet: "Départements".into(),
    };
    // No column that no département fills.
    t.subset(&t.name, &t.title, &t.sheet, t.rows.clone())
}

/// One workbook: the départements, then each indicator (départements, then France and
/// régions), the sources and the dictionary of the columns; French headers.
fn xlsx(m: &ReportModel, tables: &[Table], epoch: i64) -> Result<Vec<u8>> {
    let mut wb = Workbook::new();
    // The edition's date, never the clock (rust_xlsxwriter stamps the current time by
    // default): two builds give the same bytes.
    let created = rust_xlsxwriter::ExcelDateTime::from_timestamp(epoch)?;
    wb.set_properties(
        &rust_xlsxwriter::DocProperties::new()
            .set_title(format!("Baromètre de l'accès aux soins {}", m.edition.year))
            .set_creation_datetime(&created),
    );
    let bold = Format::new().set_bold().set_text_wrap();
    for t in tables {
        let ws = wb.add_worksheet().set_name(&t.sheet)?;
        for (j, label) in t.labels.iter().enumerate() {
            ws.write_string_with_format(0, j as u16, label, &bold)?;
            ws.set_column_width(j as u16, if t.name == "sources" && j == 1 { 120 } else { 16 })?;
        }
        for (i, row) in t.rows.iter().enumerate() {
            for (j, c) in row.iter().enumerate() {
                let (r, col) = (i as u32 + 1, j as u16);
                match c {
                    Cell::Text(s) => {
                        ws.write_string(r, col, s)?;
                    }
                    Cell::Num(Some(v), d) => {
                        let p = 10f64.powi(*d as i32);
                        ws.write_number(r, col, (v * p).round() / p)?;
                    }
                    Cell::Num(None, _) => {}
                }
            }
        }
        if t.name == "sources" {
            // The demo notice and the vintage under the sources.
            let mut r = t.rows.len() as u32 + 2;
            if let Some(n) = &m.demo_notice {
                ws.write_string_with_format(r, 1, n, &bold)?;
                r += 1;
            }
            ws.write_string(r, 1, format!("Millésime des données : {}", m.vintage))?;
            r += 2;
            for s in &m.sources {
                let years: Vec<String> = s.years.iter().map(|y| y.to_string()).collect();
                let line = format!("{} : {} (années {} ; millésime {})", s.file, s.source, years.join(", "), s.vintage);
                ws.write_string(r, 1, line)?;
                r += 1;
            }
        } else {
            ws.set_freeze_panes(1, 2)?;
            ws.autofilter(0, 0, t.rows.len() as u32, t.labels.len().saturating_sub(1) as u16)?;
        }
    }
    let dict = dictionary(tables);
    let doc = wb.add_worksheet().set_name("Colonnes")?;
    for (j, h) in dict.labels.iter().enumerate() {
        doc.write_string_with_format(0, j as u16, h, &bold)?;
    }
    for (i, row) in dict.rows.iter().enumerate() {
        for (j, c) in row.iter().enumerate() {
            if let Cell::Text(s) = c {
                doc.write_string(i as u32 + 1, j as u16, s)?;
            }
        }
    }
    for (j, w) in [34, 30, 40, 40, 100].iter().enumerate() {
        doc.set_column_width(j as u16, *w)?;
    }
    Ok(wb.save_to_buffer()?)
}

fn readme(m: &ReportModel, tables: &[Table], excel: &[Table]) -> String {
    let mut s = format!("# Tables du baromètre {}\n\n", m.edition.year);
    if let Some(n) = &m.demo_notice {
        let _ = writeln!(s, "**{n}**\n");
    }
    s.push_str("**Pour Excel, ouvrir `barometre-ANNEE.xlsx`** : les codes y restent du texte (« 01 » garde son zéro), les en-têtes sont en français, chaque indicateur a une feuille pour les départements et une pour la France et les régions, et la feuille « Colonnes » donne le nom machine et le contenu de chaque colonne. Un CSV ouvert par double-clic dans Excel transforme « 01 » en 1 : pour les fichiers `excel/NOM.csv`, passer par Données > À partir d'un fichier texte/CSV et déclarer les colonnes de code en texte.\n\n".replace("ANNEE", &m.edition.year.to_string()).as_str());
    s.push_str("Chaque table existe en plusieurs formats :\n\n");
    s.push_str("- `NOM.csv` : UTF-8, séparateur virgule, point décimal, noms de colonnes machine ; toutes les lignes (colonne `niveau` : france, region, departement) ;\n");
    s.push_str("- `NOM.json` : les mêmes lignes en pleine précision, colonnes documentées ;\n");
    s.push_str("- `excel/NOM.csv` (départements) et `excel/NOM-regions.csv` (France et régions) : pour Excel en français, séparateur point-virgule, virgule décimale, avec BOM, en-têtes en français, sans colonne vide ; `excel/colonnes.csv` fait la correspondance avec les noms machine ;\n");
    let _ = writeln!(
        s,
        "- `barometre-{}.xlsx` : les mêmes tables pour Excel, une feuille chacune, et les feuilles « Sources » et « Colonnes ».\n",
        m.edition.year
    );
    s.push_str("La colonne `source` donne des clés (« S1 ; S2 ») ; la table `sources` (et la feuille « Sources ») donne chaque source en entier.\n\n");
    s.push_str("Les codes géographiques sont du texte (« 01 », « 2A », « 971 »). Les régions et la France sont calculées comme rapports de sommes, jamais comme moyennes des départements ; leurs évolutions sont calculées sur les départements présents les deux années (colonnes `departements_comparables_…`).\n\n");
    s.push_str("**Précision.** Les CSV et le classeur XLSX gardent l'arrondi publié (les taux avec deux décimales de plus que dans le rapport, les évolutions avec deux décimales, les p-valeurs avec six). Les fichiers JSON portent les valeurs, bornes et p-valeurs en pleine précision, sans arrondi, pour les recalculs.\n\n");
    for t in tables {
        let _ = writeln!(s, "## `{}` — {}\n", t.name, t.title);
        s.push_str("| colonne | contenu |\n|---|---|\n");
        for (n, d) in &t.columns {
            let _ = writeln!(s, "| `{n}` | {d} |");
        }
        s.push('\n');
    }
    s.push_str("## Tables pour Excel\n\n| fichier | feuille | titre |\n|---|---|---|\n");
    for t in excel {
        let _ = writeln!(s, "| `excel/{}.csv` | {} | {} |", t.name, t.sheet, t.title);
    }
    s.push_str("\n## Sources\n\n");
    for src in &m.sources {
        let years: Vec<String> = src.years.iter().map(|y| y.to_string()).collect();
        let _ =
            writeln!(s, "- `{}` : {} (années {} ; millésime {})", src.file, src.source, years.join(", "), src.vintage);
    }
    s
}
