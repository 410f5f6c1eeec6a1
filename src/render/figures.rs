//! Every map and chart of an edition, from the report model and the map geometry: each
//! as SVG (for the HTML and the PDF) and PNG (slides, social media), with its data as CSV
//! and an alt text generated from the data.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::Result;

use crate::fmt;
use crate::model::{ChartRef, IndicatorResult, ReportModel};

use super::maps::{self, BLUES, Classes, MapGeometry, MapSpec, ORANGES};

/// A rendered figure and its files (paths relative to the edition directory).
pub struct Figure {
    pub reference: ChartRef,
    pub files: Vec<(String, Vec<u8>)>,
}

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
        (Some(lo), Some(hi)) => format!("de {} ({}) à {} ({})", format(lo.1, d), name(lo.0), format(hi.1, d), name(hi.0)),
        _ => "sans donnée".into(),
    }
}

fn map_figure(
    id: String,
    title: String,
    subtitle: String,
    source_line: String,
    values: BTreeMap<String, Option<f64>>,
    classes: Classes,
    alt: String,
    geom: &MapGeometry,
) -> Result<Figure> {
    let spec = MapSpec {
        id: id.clone(),
        title: title.clone(),
        subtitle,
        source_line: source_line.clone(),
        values: &values,
        classes: classes.clone(),
        missing_label: "données non disponibles".into(),
    };
    let rendered = maps::render(&spec, geom)?;
    let mut csv = String::from("code_departement,valeur,classe\n");
    for (code, v) in &values {
        let class = v.map(|v| classes.labels[classes.index(v)].clone()).unwrap_or_else(|| "données non disponibles".into());
        let _ = writeln!(csv, "{code},{},\"{class}\"", v.map(|v| format!("{v:.4}")).unwrap_or_default());
    }
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
        files: vec![(reference.svg.clone(), rendered.svg.into_bytes()), (reference.png.clone(), rendered.png), (reference.csv.clone(), csv.into_bytes())],
        reference,
    })
}

/// The maps of the edition: every indicator with a `map` style, and the change in GP
/// density since the previous edition.
pub fn maps(model: &ReportModel, geom: &MapGeometry) -> Result<Vec<Figure>> {
    let demo = if model.demo { " — données de démonstration" } else { "" };
    let mut out = Vec::new();
    for ind in &model.indicators {
        let Some(breaks) = &ind.map_breaks else { continue };
        let d = ind.decimals as usize;
        let values: BTreeMap<String, Option<f64>> = ind.departements().map(|r| (r.code.clone(), r.cur.as_ref().map(|v| v.value))).collect();
        let palette: &[_] = if ind.higher_is_better { &BLUES } else { &ORANGES };
        let format = value_fmt(ind.percent);
        let classes = if breaks.is_empty() {
            let v: Vec<f64> = values.values().flatten().copied().collect();
            Classes::quantiles(&v, palette, d, format)
        } else {
            Classes::fixed(breaks, palette, d, format)
        };
        let year = ind.years[0];
        let fr = ind.france().and_then(|r| r.cur.as_ref()).map(|v| format(v.value, d)).unwrap_or_else(|| "n.d.".into());
        let missing = values.values().filter(|v| v.is_none()).count();
        let alt = format!(
            "Carte de France par département, outre-mer compris : {} en {year} ({}). Valeurs {} ; France : {fr}.{}",
            ind.title.to_lowercase(),
            ind.unit,
            range_text(ind, &values, format, d),
            if missing > 0 { format!(" {missing} département(s) sans donnée publiée.") } else { String::new() }
        );
        out.push(map_figure(
            format!("carte-{}-{year}", ind.id),
            format!("{}, {year}", ind.title),
            format!("{} ; France : {fr}", ind.unit),
            format!("{}, {year}{demo}", ind.source),
            values,
            classes,
            alt,
            geom,
        )?);
    }
    if let Some(ind) = model.indicator("densite-generalistes") {
        let [cur, prev, _] = ind.years;
        let values: BTreeMap<String, Option<f64>> = ind.departements().map(|r| (r.code.clone(), r.delta_prev_abs)).collect();
        let v: Vec<f64> = values.values().flatten().copied().collect();
        let classes = Classes::diverging(&v, 0, fmt::signed);
        let fr = ind.france().and_then(|r| r.delta_prev_abs).map(|x| fmt::signed(x, 1)).unwrap_or_default();
        let up = v.iter().filter(|x| **x > 0.0).count();
        let down = v.iter().filter(|x| **x < 0.0).count();
        let alt = format!(
            "Carte de France par département : évolution de la densité de médecins généralistes entre {prev} et {cur}, en généralistes pour 100 000 habitants. Évolutions {} ; France : {fr}. Hausse dans {up} départements, baisse dans {down}.",
            range_text(ind, &values, fmt::signed, 0)
        );
        out.push(map_figure(
            format!("carte-evolution-{}-{prev}-{cur}", ind.id),
            format!("Évolution de la densité de généralistes, {prev}-{cur}"),
            format!("écart en généralistes pour 100 000 habitants ; France : {fr}"),
            format!("{}, {prev} et {cur}{demo}", ind.source),
            values,
            classes,
            alt,
            geom,
        )?);
    }
    let _ = signed_fmt;
    Ok(out)
}
