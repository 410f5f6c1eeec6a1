//! Every map and chart of an edition, from the report model and the map geometry: each
//! as SVG (for the HTML and the PDF) and PNG (slides, social media), with its data as CSV
//! and an alt text generated from the data.

use std::collections::BTreeMap;

use anyhow::Result;

use crate::fmt;
use crate::model::{ChartRef, FigureKind, IndicatorResult, ReportModel};

use super::charts;
use super::maps::{self, BLUES, Classes, MapGeometry, MapSpec, ORANGES};
use super::svg::Figure;

fn value_fmt(percent: bool) -> maps::Format {
    if percent { |x, d| fmt::pct(x, d) } else { fmt::number }
}

fn signed_fmt(percent: bool) -> maps::Format {
    if percent { |x, d| format!("{} pt", fmt::signed(x, d)) } else { fmt::signed }
}

/// "de 39 (Mayotte) à 288 (Hautes-Alpes)".
fn range_text(ind: &IndicatorResult, values: &BTreeMap<String, Option<f64>>, format: maps::Format, d: usize) -> String {
    let name = |code: &str| ind.departements().find(|r| r.code == code).map(|r| r.name.clone()).unwrap_or_default();
    let mut v: Vec<(&String, f64)> = values.iter().filter_map(|(c, v)| v.map(|v| (c, v))).collect();
    v.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(b.0)));
    match (v.first(), v.last()) {
        (Some(lo), Some(hi)) => {
            format!("de {} ({}) à {} ({})", format(lo.1, d), name(lo.0), format(hi.1, d), name(hi.0))
        }
        _ => "sans donnée".into(),
    }
}

fn map_figure(spec: &MapSpec, alt: String, geom: &MapGeometry) -> Result<Figure> {
    let (id, title, source_line, values, classes) =
        (spec.id.clone(), spec.title.clone(), spec.source_line.clone(), &spec.values, &spec.classes);
    let rendered = maps::render(spec, geom)?;
    let csv = super::charts::data_csv(
        &["code_departement", "valeur", "classe"],
        values.iter().map(|(code, v)| {
            let class =
                v.map(|v| classes.labels[classes.index(v)].clone()).unwrap_or_else(|| spec.missing_label.clone());
            vec![code.clone(), v.map(|v| format!("{v:.4}")).unwrap_or_default(), class]
        }),
    )?;
    let reference = ChartRef {
        id: id.clone(),
        kind: "carte".into(),
        title,
        svg: format!("charts/{id}.svg"),
        png: format!("charts/{id}.png"),
        csv: format!("charts/{id}.csv"),
        width: maps::WIDTH,
        height: maps::HEIGHT,
        alt,
        source_line,
    };
    Ok(Figure {
        files: vec![
            (reference.svg.clone(), rendered.svg.into_bytes()),
            (reference.png.clone(), rendered.png),
            (reference.csv.clone(), csv.into_bytes()),
        ],
        reference,
    })
}

/// The legend entry of missing data: withheld estimates are named as such.
fn missing_label(ind: &IndicatorResult) -> String {
    if let Some(label) = &ind.map_missing {
        label.clone()
    } else if ind.departements().any(|r| r.withheld.is_some()) {
        "données non disponibles ou non publiées (effectif insuffisant)".into()
    } else {
        "données non disponibles".into()
    }
}

/// The maps of the edition: every indicator with a `map` style, and the change in GP
/// density since the previous edition.
pub fn maps(model: &ReportModel, geom: &MapGeometry) -> Result<Vec<Figure>> {
    // The specs first (cheap), then the drawings and PNGs on every core.
    let mut out: Vec<(MapSpec, String)> = Vec::new();
    for ind in model.indicators.iter().filter(|i| i.presentation.figures.contains(&FigureKind::Carte)) {
        let Some(breaks) = &ind.map_breaks else { continue };
        let d = ind.decimals as usize;
        let values: BTreeMap<String, Option<f64>> =
            ind.departements().map(|r| (r.code.clone(), r.cur.as_ref().map(|v| v.value))).collect();
        let palette: &[_] = if ind.higher_is_better { &BLUES } else { &ORANGES };
        let format = value_fmt(ind.percent);
        let classes = if breaks.is_empty() {
            let v: Vec<f64> = values.values().flatten().copied().collect();
            Classes::quantiles(&v, palette, d, format)
        } else {
            Classes::fixed(breaks, palette, d, format)
        };
        let year = ind.years[0];
        let nature = Nature::of(model, ind, &[0]);
        let fr = ind.france().and_then(|r| r.cur.as_ref()).map(|v| format(v.value, d)).unwrap_or_else(|| "n.d.".into());
        let missing = values.values().filter(|v| v.is_none()).count();
        let alt = format!(
            "Carte de France par département, outre-mer compris : {} en {year} ({}). Valeurs {} ; France : {fr}.{}",
            ind.title.to_lowercase(),
            ind.unit,
            range_text(ind, &values, format, d),
            if missing > 0 {
                format!(" {} sans donnée publiée.", crate::fmt::count(missing, "département", "départements"))
            } else {
                String::new()
            }
        );
        let spec = MapSpec {
            id: ind.figure_id(FigureKind::Carte),
            title: format!("{}, {year}", ind.title),
            subtitle: format!("{} ; France : {fr}", ind.unit),
            source_line: format!("{}, {year}{}", ind.source, nature.note()),
            values,
            classes,
            missing_label: missing_label(ind),
            marks: BTreeMap::new(),
            legend_note: None,
            demo_mark: model.demo && nature.synthetic_only(),
        };
        out.push((spec, alt));
    }
    for ind in model.indicators.iter().filter(|i| i.presentation.figures.contains(&FigureKind::CarteEvolution)) {
        let [cur, prev, _] = ind.years;
        let nature = Nature::of(model, ind, &[0, 1]);
        let d = ind.change_decimals();
        let unit = if ind.percent { "points".to_string() } else { ind.unit.clone() };
        let values: BTreeMap<String, Option<f64>> =
            ind.departements().map(|r| (r.code.clone(), r.delta_prev_abs)).collect();
        let v: Vec<f64> = values.values().flatten().copied().collect();
        let classes = Classes::diverging(&v, d.saturating_sub(1), fmt::signed, ind.higher_is_better);
        let fr = ind.france().and_then(|r| r.delta_prev_abs).map(|x| fmt::signed(x, d)).unwrap_or_default();
        // The same labels as the text: hausse, baisse, stable, évolution incertaine.
        let marks: BTreeMap<String, maps::Mark> = ind
            .departements()
            .filter_map(|r| match r.change_prev.as_deref() {
                Some("stable") => Some((r.code.clone(), maps::Mark::Stable)),
                Some("évolution incertaine") => Some((r.code.clone(), maps::Mark::Uncertain)),
                _ => None,
            })
            .collect();
        let n = |l: &str| ind.departements().filter(|r| r.change_prev.as_deref() == Some(l)).count();
        let title = ind.title.to_lowercase();
        let (better, worse) = if ind.higher_is_better { ("hausse", "baisse") } else { ("baisse", "hausse") };
        let alt = format!(
            "Carte de France par département : évolution de la valeur « {title} » entre {prev} et {cur}, en {unit}. Évolutions {} ; France : {fr}. {} en hausse, {} en baisse, {} stable{}, {} à l'évolution incertaine (hachurés). En bleu les départements où l'indicateur s'améliore ({better}), en orange ceux où il se dégrade ({worse}).",
            range_text(ind, &values, fmt::signed, d.saturating_sub(1)),
            fmt::count(n("hausse"), "département", "départements"),
            n("baisse"),
            n("stable"),
            if n("stable") > 1 { "s" } else { "" },
            n("évolution incertaine"),
        );
        let spec = MapSpec {
            id: ind.figure_id(FigureKind::CarteEvolution),
            title: format!("Évolution : {title}, {prev}-{cur}"),
            subtitle: format!("écart en {unit} ; France : {fr}"),
            source_line: format!("{}, {prev} et {cur}{}", ind.source, nature.note()),
            values,
            classes,
            missing_label: "données non disponibles".into(),
            marks,
            legend_note: Some(format!("bleu : amélioration ({better})\norange : dégradation ({worse})")),
            demo_mark: model.demo && nature.synthetic_only(),
        };
        out.push((spec, alt));
    }
    let _ = signed_fmt;
    super::par_map(&out, |(spec, alt)| map_figure(spec, alt.clone(), geom))
}

/// The charts of the edition: rankings, previous edition against current, national
/// series, survey rates by région with intervals, and each département's position.
pub fn charts(model: &ReportModel) -> Result<Vec<Figure>> {
    let line =
        |ind: &IndicatorResult| format!("{}, {}{}", ind.source, ind.years[0], Nature::of(model, ind, &[0]).note());
    // Each chart is a job, drawn and rasterised on every core in this order.
    type Job<'m> = Box<dyn Fn() -> Result<Figure> + Send + Sync + 'm>;
    let mut jobs: Vec<Job> = Vec::new();
    for ind in &model.indicators {
        for kind in &ind.presentation.figures {
            let l = line(ind);
            match kind {
                FigureKind::Classement => {
                    let threshold = ind.presentation.threshold;
                    jobs.push(Box::new(move || charts::ranking(ind, &l, threshold)))
                }
                FigureKind::Extremes => jobs.push(Box::new(move || charts::top_bottom(ind, 10, &l))),
                FigureKind::Halteres => {
                    let l = format!(
                        "{}, {} et {}{}",
                        ind.source,
                        ind.years[1],
                        ind.years[0],
                        Nature::of(model, ind, &[0, 1]).note()
                    );
                    jobs.push(Box::new(move || charts::dumbbell(ind, &l)))
                }
                FigureKind::Regions => jobs.push(Box::new(move || charts::survey_regions(ind, &l))),
                FigureKind::Entonnoir => jobs.push(Box::new(move || charts::funnel(ind, &l))),
                FigureKind::Serie => {
                    if let Some(s) =
                        ind.presentation.series.as_deref().and_then(|id| model.series.iter().find(|s| s.id == id))
                    {
                        jobs.push(Box::new(move || charts::series(s)))
                    }
                }
                FigureKind::Carte | FigureKind::CarteEvolution | FigureKind::Positions => {}
            }
        }
    }
    super::par_map(&jobs, |job| job())
}

/// Each département's position for the headline indicator (for the fiches).
pub fn positions(model: &ReportModel) -> Result<Vec<Figure>> {
    let Some(ind) = model.indicators.iter().find(|i| i.presentation.figures.contains(&FigureKind::Positions)) else {
        return Ok(Vec::new());
    };
    let line = format!("{}, {}{}", ind.source, ind.years[0], Nature::of(model, ind, &[0]).note());
    charts::positions(ind, &line)
}

/// Whether the values a figure shows (the départements' values of some of the indicator's
/// years: 0 edition, 1 comparison) are real or synthetic, for its source line.
struct Nature {
    demo: bool,
    real: usize,
    synthetic: usize,
}

impl Nature {
    fn of(model: &ReportModel, ind: &IndicatorResult, years: &[usize]) -> Nature {
        let (mut real, mut synthetic) = (0, 0);
        for r in ind.departements() {
            let values = [&r.cur, &r.prev, &r.base];
            for &k in years {
                if values[k].is_some() {
                    if r.real[k].is_some() { real += 1 } else { synthetic += 1 }
                }
            }
        }
        Nature { demo: model.demo, real, synthetic }
    }

    fn synthetic_only(&self) -> bool {
        self.real == 0
    }

    /// « — données synthétiques (démonstration) », or which part is real.
    fn note(&self) -> String {
        if !self.demo {
            String::new()
        } else if self.real == 0 {
            " — données synthétiques (démonstration)".into()
        } else if self.synthetic == 0 {
            " — chiffres réels (données de démonstration)".into()
        } else {
            format!(
                " — démonstration : {}, {} synthétiques",
                crate::fmt::count(self.real, "valeur réelle", "valeurs réelles"),
                self.synthetic
            )
        }
    }
}
