//! Indicator specifications: `indicators/*.toml`, one file per indicator.
//!
//! Owns parsing and validation of specs against the known sources and fields; every
//! error in every file is reported at once. Knows nothing of polars.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::error::{DataError, Problem};

/// The indicator files shipped with the binary (a copy of `indicators/`).
pub static EMBEDDED: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/indicators.rs"));

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorSpec {
    pub id: String,
    pub title: String,
    pub short_label: String,
    pub definition: String,
    pub unit: String,
    pub kind: Kind,
    pub numerator: FieldRef,
    #[serde(default)]
    pub denominator: Option<FieldRef>,
    /// Multiplier applied to numerator / denominator (100000 for "per 100,000").
    #[serde(default = "one")]
    pub scale: f64,
    pub polarity: Polarity,
    #[serde(default)]
    pub decimals: u8,
    /// Data year relative to the edition year (0: same year; -1: the year before).
    #[serde(default)]
    pub data_year_offset: i32,
    /// What the change is measured against.
    #[serde(default)]
    pub compare: Compare,
    /// The value is a percentage: changes are in points.
    #[serde(default)]
    pub percent: bool,
    /// The interval of a year's value (default from the kind).
    #[serde(default)]
    pub test: Option<Test>,
    /// How a change is estimated and classified (absent: changes are not labelled).
    #[serde(default)]
    pub change: Option<ChangeSpec>,
    pub levels: Vec<Level>,
    #[serde(default)]
    pub thresholds: Vec<Threshold>,
    #[serde(default)]
    pub suppression: Suppression,
    /// An objective the French total is measured against.
    #[serde(default)]
    pub objective: Option<Objective>,
    /// Changes since the comparison year larger than this (in %, or points for
    /// percentages) are flagged for review in the checks report.
    #[serde(default)]
    pub review_change_above: Option<f64>,
    /// How the indicator is mapped (classes of the choropleth).
    #[serde(default)]
    pub map: Option<MapStyle>,
    /// Short source line shown under tables and charts.
    pub source: String,
    #[serde(default)]
    pub notes: Option<String>,
    /// The report's theme the indicator belongs to (themes are ordered by `order`; every
    /// indicator of a theme gives the same title and order).
    pub theme: ThemeSpec,
    /// Position of the indicator within its theme (and on the fiche).
    #[serde(default)]
    pub order: u32,
    /// Position among the edition's key figures (absent: not a key figure).
    #[serde(default)]
    pub key_figure: Option<u32>,
    /// Column of the national PDF's département annex (absent: not in the annex).
    #[serde(default)]
    pub annex: Option<u32>,
    /// Shown on the fiches and by `compare` (default true).
    #[serde(default = "yes")]
    pub fiche: bool,
    /// The figures drawn for the indicator, in the order of its theme: `carte` (needs
    /// `map`), `carte-evolution`, `classement`, `extremes`, `halteres`, `regions`, `serie`
    /// (needs `series`), `positions` (each département's position, on its fiche).
    #[serde(default)]
    pub figures: Vec<crate::model::FigureKind>,
    /// The national series shown with the indicator (`generalistes-france`, `pdsa-france`).
    #[serde(default)]
    pub series: Option<String>,
    /// The indicator heading the site's table of territories and the fiches' position
    /// chart and similar départements.
    #[serde(default)]
    pub headline: bool,
    /// Column label of the numerator in the site's table (e.g. « Généralistes »).
    #[serde(default)]
    pub numerator_label: Option<String>,
    /// The numerator shown with the value among the key figures, e.g. « personnes sans
    /// médecin traitant » (France's count, beside its rate).
    #[serde(default)]
    pub count_label: Option<String>,
}

fn yes() -> bool {
    true
}

/// A theme of the report, as declared by its indicators.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ThemeSpec {
    /// `[a-z0-9-]+`: names the editorial file (`<id>.md`) and the HTML anchor.
    pub id: String,
    pub title: String,
    /// Position of the theme in the report.
    pub order: u32,
    /// On a fiche, the sentence replacing the theme's rows when it does not apply to the
    /// département (every value 0 or missing), e.g. « Aucune intercommunalité {de} n'est
    /// classée en zone rouge. » `{de}`, `{le}` and `{Le}` give the département's name with
    /// its article (« de la Creuse », « la Creuse », « La Creuse »), `{annee}` the year.
    #[serde(default)]
    pub absent: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Compare {
    /// The previous edition's year (and the baseline year).
    #[default]
    PreviousEdition,
    /// The year before (yearly surveys), and the baseline year.
    PreviousYear,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Test {
    /// Counts and rates of counts: exact conditional test of two Poisson rates.
    Poisson,
    /// Proportions of a population (numerator among denominator): two-proportion z-test.
    Proportion,
    /// Weighted survey proportions: z-test on Kish effective sample sizes.
    Survey,
    /// No test (administrative counts, coverage): changes are not labelled.
    None,
}

/// The model of a change and its materiality threshold.
#[derive(Debug, Clone, Copy, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeSpec {
    pub model: ChangeModel,
    /// Materiality threshold: a relative change in % for `trend`, points of the
    /// indicator's unit for `binomial` and `survey`.
    pub threshold: f64,
}

/// How the 95 % interval of a change is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeModel {
    /// Census stocks: log-linear trend over every year of the period, quasi-Poisson with
    /// the dispersion estimated across départements; the change is relative (%).
    Trend,
    /// Shares of a population (numerator among denominator): difference of two binomial
    /// proportions, Newcombe's hybrid score interval, in points.
    Binomial,
    /// Weighted survey proportions: difference with a Wald interval on Kish effective
    /// sample sizes, in points.
    Survey,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Suppression {
    /// Survey estimates on fewer unweighted respondents are withheld.
    #[serde(default)]
    pub min_sample: Option<u64>,
    /// Rates whose numerator is smaller are withheld.
    #[serde(default)]
    pub min_numerator: Option<f64>,
    /// Survey estimates on a smaller Kish effective sample size are withheld.
    #[serde(default)]
    pub min_effective_sample: Option<f64>,
    /// Survey estimates whose 95 % interval has a larger half-width (points) are withheld.
    #[serde(default)]
    pub max_half_width: Option<f64>,
}

/// Classes of the indicator's map.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MapStyle {
    /// `quantiles` (5 classes) or `fixed` (the `breaks`).
    pub classes: MapClasses,
    #[serde(default)]
    pub breaks: Vec<f64>,
    /// Legend label of départements without a value (default: "données non disponibles").
    #[serde(default)]
    pub missing: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MapClasses {
    Quantiles,
    Fixed,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Objective {
    pub value: f64,
    pub label: String,
}

impl IndicatorSpec {
    /// The test of change, explicit or from the kind.
    pub fn test(&self) -> Test {
        self.test.unwrap_or(match self.kind {
            Kind::Count | Kind::Rate => Test::Poisson,
            Kind::SurveyProportion => Test::Survey,
        })
    }
}

fn one() -> f64 {
    1.0
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A sum of the numerator field.
    Count,
    /// Numerator / denominator × scale; aggregates are ratios of sums.
    Rate,
    /// Weighted proportion of survey respondents (numerator field: the 0/1 answer).
    SurveyProportion,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FieldRef {
    pub source: String,
    pub field: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Polarity {
    HigherIsBetter,
    HigherIsWorse,
    Neutral,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Departement,
    Region,
    France,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Threshold {
    #[serde(default)]
    pub below: Option<f64>,
    #[serde(default)]
    pub above: Option<f64>,
    pub label: String,
}

/// Loads the embedded specs, or those of a directory.
pub fn load(dir: Option<&Path>) -> Result<Vec<IndicatorSpec>> {
    let files: Vec<(String, String)> = match dir {
        None => EMBEDDED.iter().map(|(n, t)| (format!("indicators/{n}"), t.to_string())).collect(),
        Some(dir) => {
            let mut v = Vec::new();
            let entries = std::fs::read_dir(dir).with_context(|| format!("failed to read `{}`", dir.display()))?;
            for e in entries {
                let path = e?.path();
                if path.extension().is_some_and(|x| x == "toml") {
                    let text = std::fs::read_to_string(&path)
                        .with_context(|| format!("failed to read `{}`", path.display()))?;
                    v.push((path.display().to_string(), text));
                }
            }
            v.sort();
            v
        }
    };
    parse_all(&files)
}

/// Parses and cross-checks specs, reporting every problem of every file.
pub fn parse_all(files: &[(String, String)]) -> Result<Vec<IndicatorSpec>> {
    // Sources the engine can read, with their numeric fields: from the registry.
    let known: BTreeMap<&str, &[&str]> = crate::sources::registry::Dataset::ALL
        .iter()
        .filter(|d| !d.fields().is_empty())
        .map(|d| (d.id(), d.fields()))
        .collect();
    let mut problems = Vec::new();
    let mut specs: Vec<IndicatorSpec> = Vec::new();
    for (file, text) in files {
        let spec: IndicatorSpec = match toml::from_str(text) {
            Ok(s) => s,
            Err(e) => {
                let mut p = Problem::file(file, format!("a valid indicator spec ({})", e.message().trim()));
                p.row = e.span().map(|s| text[..s.start].matches('\n').count() + 1);
                problems.push(p);
                continue;
            }
        };
        let mut check_ref = |r: &FieldRef, what: &str| match known.get(r.source.as_str()) {
            None => problems.push(Problem {
                column: Some(what.to_string()),
                value: Some(r.source.clone()),
                ..Problem::file(
                    file,
                    format!("a known source ({})", known.keys().copied().collect::<Vec<_>>().join(", ")),
                )
            }),
            Some(fields) if !fields.contains(&r.field.as_str()) => problems.push(Problem {
                column: Some(what.to_string()),
                value: Some(r.field.clone()),
                ..Problem::file(file, format!("a field of `{}` ({})", r.source, fields.join(", ")))
            }),
            Some(_) => {}
        };
        check_ref(&spec.numerator, "numerator");
        if let Some(d) = &spec.denominator {
            check_ref(d, "denominator");
        }
        if spec.kind == Kind::SurveyProportion && spec.numerator.source != "renoncement" {
            problems.push(Problem {
                column: Some("numerator".into()),
                ..Problem::file(file, "survey microdata (source `renoncement`) for a survey proportion")
            });
        }
        if spec.kind == Kind::Rate && spec.denominator.is_none() {
            problems.push(Problem {
                column: Some("denominator".into()),
                ..Problem::file(file, "a denominator for a rate")
            });
        }
        // The id names output files (`tables/<id>-<year>.csv`, charts): no path
        // separators, dots or anything a file system or a URL treats specially.
        if spec.id.is_empty() || !spec.id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
            problems.push(Problem {
                column: Some("id".into()),
                value: Some(spec.id.clone()),
                ..Problem::file(file, "an id of lowercase letters a-z, digits and hyphens (it names output files)")
            });
        }
        let stem = Path::new(file).file_stem().and_then(|s| s.to_str()).unwrap_or("");
        if stem != spec.id {
            problems.push(Problem {
                column: Some("id".into()),
                value: Some(spec.id.clone()),
                ..Problem::file(file, format!("the id `{stem}` (the file name)"))
            });
        }
        if let Some(other) = specs.iter().find(|s| {
            s.theme.id == spec.theme.id && (s.theme.title != spec.theme.title || s.theme.order != spec.theme.order)
        }) {
            problems.push(Problem {
                column: Some("theme".into()),
                value: Some(format!("{} « {} » {}", spec.theme.id, spec.theme.title, spec.theme.order)),
                ..Problem::file(
                    file,
                    format!(
                        "the title and order given by `{}` for theme `{}` (« {} », {})",
                        other.id, other.theme.id, other.theme.title, other.theme.order
                    ),
                )
            });
        }
        if spec.theme.id.is_empty()
            || !spec.theme.id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            problems.push(Problem {
                column: Some("theme.id".into()),
                value: Some(spec.theme.id.clone()),
                ..Problem::file(file, "a theme id of lowercase letters a-z, digits and hyphens")
            });
        }
        use crate::model::FigureKind;
        if spec.figures.contains(&FigureKind::Carte) && spec.map.is_none() {
            problems.push(Problem {
                column: Some("figures".into()),
                value: Some("carte".into()),
                ..Problem::file(file, "a `map` style for the figure `carte`")
            });
        }
        if spec.figures.contains(&FigureKind::Serie) && spec.series.is_none() {
            problems.push(Problem {
                column: Some("figures".into()),
                value: Some("serie".into()),
                ..Problem::file(file, "a `series` for the figure `serie`")
            });
        }
        if let Some(c) = &spec.change {
            let fits = match c.model {
                ChangeModel::Trend => matches!(spec.kind, Kind::Count | Kind::Rate),
                ChangeModel::Binomial => spec.kind == Kind::Rate,
                ChangeModel::Survey => spec.kind == Kind::SurveyProportion,
            };
            if !(fits && c.threshold.is_finite() && c.threshold >= 0.0) {
                problems.push(Problem {
                    column: Some("change".into()),
                    value: Some(format!("{:?} {}", c.model, c.threshold).to_lowercase()),
                    ..Problem::file(
                        file,
                        "a change model fitting the kind (trend: count or rate; binomial: rate; survey: \
                         survey-proportion) and a threshold >= 0",
                    )
                });
            }
        }
        if specs.iter().any(|s| s.id == spec.id) {
            problems.push(Problem {
                column: Some("id".into()),
                value: Some(spec.id.clone()),
                ..Problem::file(file, "a unique id")
            });
        }
        specs.push(spec);
    }
    if problems.is_empty() {
        // The report's order: themes, then indicators within their theme, then ids.
        specs.sort_by(|a, b| {
            (a.theme.order, &a.theme.id, a.order, &a.id).cmp(&(b.theme.order, &b.theme.id, b.order, &b.id))
        });
        Ok(specs)
    } else {
        Err(DataError::Invalid(problems).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_specs_parse() {
        let specs = load(None).expect("embedded specs");
        assert!(specs.iter().any(|s| s.id == "densite-generalistes" && s.kind == Kind::Rate));
    }

    #[test]
    fn reports_every_error_at_once() {
        let files = vec![
            ("a.toml".to_string(), "id = \"a\"\nbogus = 1\n".to_string()),
            (
                "b.toml".to_string(),
                EMBEDDED
                    .iter()
                    .find(|e| e.0 == "densite-generalistes.toml")
                    .map(|e| e.1)
                    .unwrap_or_default()
                    .replace("densite-generalistes", "b")
                    .replace("field = \"population\"", "field = \"habitants\""),
            ),
        ];
        let err = parse_all(&files).expect_err("invalid").to_string();
        assert!(err.contains("a.toml, row 2"), "{err}");
        assert!(err.contains("b.toml, column `denominator`: found `habitants`"), "{err}");
    }
}
