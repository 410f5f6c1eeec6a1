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

/// A value with the terms it was computed from and its 95 % confidence interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Value {
    pub value: f64,
    /// Numerator (Σw·y for a survey).
    pub num: f64,
    /// Denominator (Σw for a survey); absent for counts.
    pub den: Option<f64>,
    /// Départements withheld at source ("ND") left out of an aggregate.
    pub n_missing: u32,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    /// Unweighted respondents (surveys).
    pub n: Option<u64>,
    /// Kish effective sample size (surveys).
    pub n_eff: Option<f64>,
    /// The value is an estimate without an interval (SAS appointments shared among the
    /// départements of a multi-département SAS by population).
    pub estimated: bool,
}

/// A change between two years: its estimate, 95 % interval, p-value and label.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// Relative change in % (`relative`), or difference in points of the unit.
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
    pub relative: bool,
    pub p_value: f64,
    /// « hausse », « baisse », « stable » or « évolution incertaine ».
    pub label: String,
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
    /// p-value of the change since the comparison year, and its label (« hausse »,
    /// « baisse », « stable », « évolution incertaine »); the estimate and interval it is
    /// decided on.
    pub p_value_prev: Option<f64>,
    pub change_prev: Option<String>,
    pub change_prev_stat: Option<Change>,
    pub p_value_base: Option<f64>,
    pub change_base: Option<String>,
    pub change_base_stat: Option<Change>,
    /// Régions and France: départements in the current year's sum, and those present in
    /// both years of each comparison (the matched set its change is computed on).
    pub departements: Option<u32>,
    pub matched_prev: Option<u32>,
    pub matched_base: Option<u32>,
    /// Current value minus France's, and minus the région's (départements).
    pub vs_france: Option<f64>,
    pub vs_region: Option<f64>,
    /// Rank among départements, 1 = best access by the indicator's polarity (ties share
    /// the best rank); none for counts.
    pub rank: Option<u32>,
    /// 95 % interval of the rank, by simulation from each value's sampling distribution.
    pub rank_low: Option<u32>,
    pub rank_high: Option<u32>,
    /// Quintile among départements, 1 = the fifth with the lowest values.
    pub quintile: Option<u32>,
    /// Labels of the thresholds the current value crosses.
    pub flags: Vec<String>,
    /// Why the current value is not published (too few respondents…).
    pub withheld: Option<String>,
    /// France: current value as a percentage of the indicator's objective.
    pub objective_pct: Option<f64>,
    /// The comparison-year value as published in the previous edition, when supplied,
    /// and the revision (restated minus published).
    pub published_prev: Option<f64>,
    pub revision_prev: Option<f64>,
    /// Whether the values of the edition, comparison and baseline years are real: the
    /// published source they come from, or none for a synthetic demo value.
    pub real: [Option<String>; 3],
}

impl Row {
    /// « réel » or « synthétique », for the value of year `k` (0 edition, 1 comparison,
    /// 2 baseline).
    pub fn nature(&self, k: usize) -> &'static str {
        if self.real[k].is_some() { "réel" } else { "synthétique" }
    }
}

/// A figure an indicator declares (`figures = [...]` in its spec).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FigureKind {
    /// Choropleth of the current value (the spec's `map` gives the classes).
    Carte,
    /// Choropleth of the change since the comparison year.
    CarteEvolution,
    /// Every département ranked.
    Classement,
    /// The ten highest and lowest départements.
    Extremes,
    /// Comparison year against current year, by département.
    Halteres,
    /// Régions with their intervals (surveys).
    Regions,
    /// The national series named by the spec's `series`.
    Serie,
    /// Each département's position among all (on its fiche).
    Positions,
    /// Funnel plot: value against population or sample size, with limits around France.
    Entonnoir,
}

impl FigureKind {
    /// Whether the printed report shows it: the charts of all 101 départements (ranking,
    /// dumbbell) stay on the site, where they can be zoomed; in print the annex gives
    /// every value and the ten highest and lowest are charted.
    pub fn in_print(self) -> bool {
        !matches!(self, FigureKind::Classement | FigureKind::Halteres | FigureKind::Positions)
    }
}

/// Where an indicator appears in the edition, as its spec declares.
#[derive(Debug, Clone, Serialize)]
pub struct Presentation {
    pub theme: String,
    pub theme_title: String,
    pub theme_order: u32,
    /// The fiche's sentence when the theme does not apply to a département.
    pub theme_absent: Option<String>,
    pub order: u32,
    pub key_figure: Option<u32>,
    pub annex: Option<u32>,
    pub fiche: bool,
    pub figures: Vec<FigureKind>,
    pub series: Option<String>,
    pub headline: bool,
    pub numerator_label: Option<String>,
    /// The numerator shown with the value among the key figures.
    pub count_label: Option<String>,
    /// The first threshold of the spec (a reference line on the ranking) and its label.
    pub threshold: Option<f64>,
    pub threshold_label: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct IndicatorResult {
    /// Where the indicator appears (theme, key figures, annex, fiche, figures).
    pub presentation: Presentation,
    pub id: String,
    pub title: String,
    pub short_label: String,
    pub definition: String,
    pub unit: String,
    pub decimals: u8,
    /// Decimals of a change, the same in every output (text, tables, maps, fiches, site):
    /// a count's own; at least one for a rate or a percentage (in points).
    pub change_decimals: u8,
    /// True for a count (no denominator).
    pub is_count: bool,
    /// The value is a percentage: changes are in points.
    pub percent: bool,
    pub higher_is_better: bool,
    /// Test of change: poisson, proportion, survey or none.
    pub test: String,
    pub objective: Option<String>,
    /// How the interval and the test of change are computed, in French.
    pub method: String,
    /// The suppression rule, in French.
    pub suppression: Option<String>,
    /// Map classes: `None` (not mapped), or fixed breaks (empty for quantiles).
    pub map_breaks: Option<Vec<f64>>,
    /// Legend label of départements without a value on the map.
    pub map_missing: Option<String>,
    /// Short source line (from the spec).
    pub source: String,
    /// Sources of the numerator and denominator with their vintage (from provenance).
    pub provenance: String,
    /// The same, one entry per source.
    pub provenance_items: Vec<String>,
    pub notes: Option<String>,
    /// Data years: current, previous edition, baseline.
    pub years: [i32; 3],
    pub rows: Vec<Row>,
    /// Trend indicators: the quasi-Poisson dispersion factor and how it was estimated.
    pub dispersion: Option<Dispersion>,
    /// The change model (`trend`, `binomial`, `survey`) and its materiality threshold
    /// (relative % for a trend, points otherwise).
    pub change_model: Option<String>,
    pub change_threshold: Option<f64>,
}

/// The dispersion factor φ of a trend indicator and how it was estimated: Pearson's
/// statistic summed over the départements' trends, over their residual degrees of freedom.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Dispersion {
    pub phi: f64,
    pub pearson: f64,
    pub df: usize,
    pub departements: usize,
    pub from: i32,
    pub to: i32,
}

impl IndicatorResult {
    /// The id of one of the indicator's figures; the same id names its files
    /// (`charts/<id>.svg`) and places it in its theme.
    pub fn figure_id(&self, kind: FigureKind) -> String {
        let [cur, prev, _] = self.years;
        let id = &self.id;
        match kind {
            FigureKind::Carte => format!("carte-{id}-{cur}"),
            FigureKind::CarteEvolution => format!("carte-evolution-{id}-{prev}-{cur}"),
            FigureKind::Classement => format!("{id}-{cur}-classement"),
            FigureKind::Extremes => format!("{id}-{cur}-extremes"),
            FigureKind::Halteres => format!("{id}-{prev}-{cur}-halteres"),
            FigureKind::Regions => format!("{id}-{cur}-regions"),
            FigureKind::Serie => format!("serie-{}", self.presentation.series.as_deref().unwrap_or(id)),
            FigureKind::Positions => format!("position-{id}"),
            FigureKind::Entonnoir => format!("{id}-{cur}-entonnoir"),
        }
    }

    /// See the field `change_decimals`.
    pub fn change_decimals(&self) -> usize {
        self.change_decimals as usize
    }

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

/// A change of a fetched source's file that the analyst has not acknowledged yet
/// (`barometre fetch --acknowledge <source>`): shown in the methodology of the site and
/// the PDF until then.
#[derive(Debug, Clone, Serialize)]
pub struct SourceRevision {
    /// Source id (`population`).
    pub source: String,
    pub title: String,
    pub url: String,
    /// « révision » (same vintage, new content) or « nouveau millésime ».
    pub kind: String,
    pub old_sha256: String,
    pub new_sha256: String,
    /// Retrieval dates in French (« 5 janvier 2026 »).
    pub old_date: String,
    pub new_date: String,
    pub old_vintage: Option<String>,
    pub new_vintage: Option<String>,
    /// « même millésime 2026 » or « 2025 → 2026 ».
    pub vintages: String,
}

/// A headline figure with its change, already formatted in French.
#[derive(Debug, Clone, Serialize)]
pub struct KeyFigure {
    pub label: String,
    pub value: String,
    pub unit: String,
    /// France's numerator with its label (« 6 000 000 personnes sans médecin traitant »),
    /// or empty.
    pub count: String,
    pub change_prev: String,
    pub change_base: String,
    pub source: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ZoneInfo {
    pub siren: String,
    pub name: String,
    pub dept: String,
    pub population: u64,
}

/// A national time series (one value per year).
#[derive(Debug, Clone, Serialize)]
pub struct Series {
    pub id: String,
    pub title: String,
    pub unit: String,
    pub decimals: u8,
    pub percent: bool,
    pub points: Vec<(i32, f64)>,
    pub source: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChartRef {
    pub id: String,
    pub title: String,
    /// `carte` or `graphique`.
    pub kind: String,
    /// Paths relative to the edition's output directory.
    pub svg: String,
    pub png: String,
    pub csv: String,
    pub width: u32,
    pub height: u32,
    pub alt: String,
    pub source_line: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReportModel {
    pub edition: EditionInfo,
    pub demo: bool,
    /// Shown on every output built from demo data: what is synthetic.
    pub demo_notice: Option<String>,
    /// Demo data: its real published figures, one entry per part (methodology page).
    pub demo_real: Vec<RealFigures>,
    pub vintage: String,
    pub indicators: Vec<IndicatorResult>,
    pub key_figures: Vec<KeyFigure>,
    pub sources: Vec<SourceInfo>,
    pub series: Vec<Series>,
    /// The report's themes, with generated commentary and editorial text.
    pub themes: Vec<Theme>,
    /// Editorial introduction.
    pub introduction: Vec<Block>,
    /// True when the introduction is the placeholder.
    pub introduction_placeholder: bool,
    /// A working draft (`build --draft`): pages marked « PROJET ».
    pub draft: bool,
    /// Ordinal of the edition ("3e édition") when known.
    pub edition_label: String,
    /// Zones rouges (EPCI) with their département.
    pub zones: Vec<ZoneInfo>,
    /// Statistically similar départements of each département (see `similar`).
    pub neighbours: std::collections::BTreeMap<String, Vec<crate::similar::Neighbour>>,
    /// Number of alerts in `checks.md`.
    pub alerts: usize,
    /// Changed source files not yet acknowledged (each is also an alert in `checks.md`).
    pub revisions: Vec<SourceRevision>,
    /// The statistical principles of the methodology (PDF and site), in French.
    pub method_notes: Vec<String>,
    /// True when the edition has the EPCI level (its pages are linked from every page).
    pub has_epci: bool,
    /// General practitioners by EPCI from the open directory, when the data hold it
    /// (given to templates through their own views, not with the model).
    #[serde(skip)]
    pub epci: Option<crate::epci::EpciLevel>,
}

/// A span of editorial text.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Span {
    pub text: String,
    pub strong: bool,
    pub emph: bool,
}

/// A block of editorial text: `p` (paragraph), `h` (heading) or `li` (list item).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Block {
    pub kind: String,
    pub spans: Vec<Span>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Theme {
    pub id: String,
    pub title: String,
    /// Generated from the data.
    pub commentary: Vec<String>,
    /// Written by the analyst (or the placeholder).
    pub editorial: Vec<Block>,
    /// True when the editorial text is the placeholder.
    pub editorial_placeholder: bool,
    /// Figures of the theme (chart ids), in order.
    pub figures: Vec<String>,
    /// The figures of the printed report (see [`FigureKind::in_print`]).
    pub print_figures: Vec<String>,
    /// Indicators of the theme.
    pub indicators: Vec<String>,
}

impl ReportModel {
    pub fn indicator(&self, id: &str) -> Option<&IndicatorResult> {
        self.indicators.iter().find(|i| i.id == id)
    }

    /// The sections whose editorial text is missing (the placeholder stands in): only a
    /// draft may be published with them.
    pub fn missing_editorial(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.introduction_placeholder {
            out.push("introduction".to_string());
        }
        out.extend(self.themes.iter().filter(|t| t.editorial_placeholder).map(|t| t.id.clone()));
        out
    }

    /// The indicator heading the site's table and the fiches (declared `headline`).
    pub fn headline(&self) -> Option<&IndicatorResult> {
        self.indicators.iter().find(|i| i.presentation.headline)
    }
}

/// A part of demo data made of real published figures.
#[derive(Debug, Clone, Serialize)]
pub struct RealFigures {
    /// « médecins généralistes ».
    pub dataset: String,
    /// « chaque département, région et la France », « la France », « Paris et Vosges ».
    pub scope: String,
    /// « 2022 », « 2020 à 2025 », « 2012, 2022 et 2024 ».
    pub years: String,
    /// Only these indicators (empty: all of the dataset's).
    pub indicators: String,
    pub source: String,
    pub url: String,
    pub licence: String,
}

/// The notice of a demo edition: what is synthetic. `below` lists the real figures below
/// the national level (« population (2020 à 2025) »), `synthetic` the datasets without
/// any real figure.
pub fn demo_notice(below: &[String], synthetic: &[String]) -> String {
    let mut s = String::from(
        "Données de démonstration. Synthétiques, à ne pas citer : les valeurs par département et par région",
    );
    if !below.is_empty() {
        s.push_str(&format!(", sauf {}", fmt::list_fr(below)));
    }
    if !synthetic.is_empty() {
        s.push_str(&format!(", et toutes les données : {}", fmt::list_fr(synthetic)));
    }
    s.push_str(
        ". Réels : les chiffres publiés listés dans la méthodologie, dont la plupart des chiffres nationaux ; les tableaux le disent valeur par valeur (colonne « nature »).",
    );
    s
}

/// Builds the key figures from the national rows of the headline indicators.
pub fn key_figures(indicators: &[IndicatorResult], demo: bool) -> Vec<KeyFigure> {
    let mut out = Vec::new();
    let mut keys: Vec<&IndicatorResult> = indicators.iter().filter(|i| i.presentation.key_figure.is_some()).collect();
    keys.sort_by_key(|i| i.presentation.key_figure);
    for ind in keys {
        let Some(fr) = ind.france() else { continue };
        let Some(cur) = &fr.cur else { continue };
        let d = ind.decimals as usize;
        let change = |abs: Option<f64>, pct: Option<f64>, label: &Option<String>, year: i32| {
            let label = label.as_deref().map(|l| format!(", {l}")).unwrap_or_default();
            match (abs, pct) {
                (Some(a), _) if ind.percent => {
                    format!("{} pt depuis {year}{label}", fmt::signed(a, ind.change_decimals()))
                }
                (Some(a), Some(p)) if ind.is_count => {
                    format!("{} ({}) depuis {year}{label}", fmt::signed(a, d), fmt::signed_pct(p, 1))
                }
                (Some(a), _) => format!("{} depuis {year}{label}", fmt::signed(a, ind.change_decimals())),
                _ => String::new(),
            }
        };
        let mut source = format!("{}, {}", ind.source, ind.years[0]);
        if demo {
            source.push_str(" (données de démonstration)");
        }
        out.push(KeyFigure {
            label: ind.title.clone(),
            value: if ind.percent { fmt::pct(cur.value, d) } else { fmt::number(cur.value, d) },
            unit: if ind.percent { String::new() } else { ind.unit.clone() },
            count: ind
                .presentation
                .count_label
                .as_ref()
                .filter(|_| !ind.is_count)
                .map(|l| format!("{} {l}", fmt::number(cur.num, 0)))
                .unwrap_or_default(),
            change_prev: change(fr.delta_prev_abs, fr.delta_prev_pct, &fr.change_prev, ind.years[1]),
            change_base: match (fr.objective_pct, &ind.objective) {
                (Some(p), Some(label)) => format!("{} de l'{label}", fmt::share_pct(p)),
                _ => change(fr.delta_base_abs, fr.delta_base_pct, &fr.change_base, ind.years[2]),
            },
            source,
        });
    }
    out
}
