//! The report model: plain `Serialize` records handed to every renderer (the HTML
//! context, the typst data and the JSON download are all this model).
//!
//! Owns no computation beyond picking and formatting; never imports polars.

use serde::Serialize;

use crate::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LevelName {
    France,
    Region,
    Departement,
}

/// A value with the terms it was computed from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Value {
    pub value: f64,
    pub num: f64,
    pub den: Option<f64>,
    /// Départements withheld at source ("ND") left out of an aggregate.
    pub n_missing: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub level: LevelName,
    pub code: String,
    pub name: String,
    /// Code of the région of a département.
    pub region: Option<String>,
    pub cur: Option<Value>,
    pub prev: Option<Value>,
    pub base: Option<Value>,
    pub delta_prev_abs: Option<f64>,
    pub delta_prev_pct: Option<f64>,
    pub delta_base_abs: Option<f64>,
    pub delta_base_pct: Option<f64>,
    /// Rank among départements, 1 = highest value (ties share the lowest rank).
    pub rank: Option<u32>,
    /// Labels of the thresholds the current value crosses.
    pub flags: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct IndicatorResult {
    pub id: String,
    pub title: String,
    pub short_label: String,
    pub definition: String,
    pub unit: String,
    pub decimals: u8,
    /// True for a count (no denominator).
    pub is_count: bool,
    /// Sources of the numerator and denominator, with their vintage.
    pub source: String,
    /// Data years: current, previous edition, baseline.
    pub years: [i32; 3],
    pub rows: Vec<Row>,
}

impl IndicatorResult {
    pub fn france(&self) -> Option<&Row> {
        self.rows.iter().find(|r| r.level == LevelName::France)
    }
    pub fn departements(&self) -> impl Iterator<Item = &Row> {
        self.rows.iter().filter(|r| r.level == LevelName::Departement)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct EditionInfo {
    pub year: i32,
    pub previous: i32,
    pub baseline: i32,
    /// Publication date, ISO (`2025-11-20`) and in French (`20 novembre 2025`).
    pub date_iso: String,
    pub date_fr: String,
}

/// Where a published number comes from.
#[derive(Debug, Clone, Serialize)]
pub struct SourceInfo {
    pub file: String,
    pub source: String,
    pub years: Vec<i32>,
    pub vintage: String,
}

/// A headline figure with its change, already formatted in French.
#[derive(Debug, Clone, Serialize)]
pub struct KeyFigure {
    pub label: String,
    pub value: String,
    pub unit: String,
    pub change_prev: String,
    pub change_base: String,
    pub source: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChartRef {
    pub id: String,
    pub title: String,
    /// Path relative to the edition's output directory.
    pub svg: String,
    pub csv: String,
    pub alt: String,
    pub source_line: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReportModel {
    pub edition: EditionInfo,
    pub demo: bool,
    /// Shown on every output built from demo data.
    pub demo_notice: Option<String>,
    pub vintage: String,
    pub indicators: Vec<IndicatorResult>,
    pub key_figures: Vec<KeyFigure>,
    pub sources: Vec<SourceInfo>,
    pub charts: Vec<ChartRef>,
}

impl ReportModel {
    pub fn indicator(&self, id: &str) -> Option<&IndicatorResult> {
        self.indicators.iter().find(|i| i.id == id)
    }
}

pub const DEMO_NOTICE: &str =
    "Données de démonstration : chiffres synthétiques calés sur les totaux nationaux publiés, à ne pas citer.";

/// Builds the key figures from the national rows of the indicators.
pub fn key_figures(indicators: &[IndicatorResult], source: &str) -> Vec<KeyFigure> {
    let mut out = Vec::new();
    for ind in indicators {
        let Some(fr) = ind.france() else { continue };
        let Some(cur) = &fr.cur else { continue };
        let d = ind.decimals as usize;
        let change = |abs: Option<f64>, pct: Option<f64>, year: i32| match (abs, pct) {
            (Some(a), Some(p)) if ind.unit == "médecins" => {
                format!("{} ({}) depuis {year}", fmt::signed(a, d), fmt::signed_pct(p, 1))
            }
            (Some(a), _) => format!("{} depuis {year}", fmt::signed(a, d + 1)),
            _ => "n.d.".to_string(),
        };
        out.push(KeyFigure {
            label: ind.title.clone(),
            value: fmt::number(cur.value, d),
            unit: ind.unit.clone(),
            change_prev: change(fr.delta_prev_abs, fr.delta_prev_pct, ind.years[1]),
            change_base: change(fr.delta_base_abs, fr.delta_base_pct, ind.years[2]),
            source: format!("{source}, {}", ind.years[0]),
        });
    }
    out
}
