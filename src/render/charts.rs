//! Charts drawn with plotters as SVG, with their data as CSV and a generated alt text.
//!
//! Charts are computed from the model before the other renderers run, so the HTML and
//! the PDF embed the same files.

use anyhow::{Result, bail};
use plotters::coord::combinators::BindKeyPoints;
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::fmt;
use crate::model::{ChartRef, IndicatorResult, Row, Series};

use super::svg::Figure;

use super::svg::{FONT, register_fonts, svg_to_png};

const BLUE: RGBColor = RGBColor(0x1f, 0x4e, 0x79);
const LIGHT_BLUE: RGBColor = RGBColor(0x9e, 0xc1, 0xe0);
const ORANGE: RGBColor = RGBColor(0xd9, 0x5f, 0x02);
const GREY: RGBColor = RGBColor(0x55, 0x55, 0x55);
const GRID: RGBColor = RGBColor(0xe3, 0xe3, 0xe3);

fn e<E: std::fmt::Debug>(x: E) -> anyhow::Error {
    anyhow::anyhow!("{x:?}")
}

/// Wraps a drawn SVG into a figure: PNG, CSV and reference.
fn figure(
    id: String,
    title: String,
    svg: String,
    csv: String,
    alt: String,
    source_line: &str,
    size: (u32, u32),
) -> Result<Figure> {
    let svg = fmt::publish_svg(&svg);
    let png = svg_to_png(&svg, 1.5)?;
    Ok(figure_with_png(id, title, svg, png, csv, alt, source_line, size))
}

/// A figure from its published SVG and its PNG.
#[allow(clippy::too_many_arguments)]
fn figure_with_png(
    id: String,
    title: String,
    svg: String,
    png: Vec<u8>,
    csv: String,
    alt: String,
    source_line: &str,
    size: (u32, u32),
) -> Figure {
    let reference = ChartRef {
        id: id.clone(),
        kind: "graphique".into(),
        title,
        svg: format!("charts/{id}.svg"),
        png: format!("charts/{id}.png"),
        csv: format!("charts/{id}.csv"),
        width: size.0,
        height: size.1,
        alt,
        source_line: source_line.to_string(),
    };
    Figure {
        files: vec![
            (reference.svg.clone(), svg.into_bytes()),
            (reference.png.clone(), png),
            (reference.csv.clone(), csv.into_bytes()),
        ],
        reference,
    }
}

/// Gives the marks of a chart a `<title>` (shown on hover, read by screen readers): the
/// elements `<tag … fill="COLOR"…/>` of one of the given colours, in the order drawn,
/// take the titles in turn.
fn title_marks(svg: &str, tag: &str, colors: &[RGBColor], titles: &[String]) -> String {
    let fills: Vec<String> = colors.iter().map(|c| format!("fill=\"#{:02X}{:02X}{:02X}\"", c.0, c.1, c.2)).collect();
    let open = format!("<{tag} ");
    let mut out = String::with_capacity(svg.len() + titles.len() * 48);
    let mut rest = svg;
    let mut k = 0;
    while k < titles.len() {
        let Some(i) = rest.find(&open) else { break };
        let Some(end) = rest[i..].find("/>").map(|e| e + i) else { break };
        let element = &rest[i..end];
        out.push_str(&rest[..i]);
        if fills.iter().any(|f| element.contains(f.as_str())) {
            let t = titles[k].replace('&', "&amp;").replace('<', "&lt;");
            out.push_str(&format!("{element}><title>{t}</title></{tag}>"));
            k += 1;
        } else {
            out.push_str(&rest[i..end + 2]);
        }
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

/// Title, subtitle and source line around a chart; returns the plotting area.
fn frame<'a>(
    root: &DrawingArea<SVGBackend<'a>, plotters::coord::Shift>,
    title: &str,
    subtitle: &str,
    source_line: &str,
) -> Result<DrawingArea<SVGBackend<'a>, plotters::coord::Shift>> {
    root.fill(&WHITE).map_err(e)?;
    let (_, h) = root.dim_in_pixel();
    if !title.is_empty() {
        title_text(root, title)?;
    }
    root.draw_text(subtitle, &(FONT, 13).into_font().color(&GREY), (14, 38)).map_err(e)?;
    root.draw_text(&format!("Source : {source_line}"), &(FONT, 11).into_font().color(&GREY), (14, h as i32 - 20))
        .map_err(e)?;
    Ok(plot_area(root))
}

/// A figure's title, where [`frame`] writes it.
fn title_text(root: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>, title: &str) -> Result<()> {
    root.draw_text(title, &(FONT, 20).into_font().style(FontStyle::Bold).color(&RGBColor(0x22, 0x22, 0x22)), (14, 10))
        .map_err(e)
}

/// The plotting area inside [`frame`].
fn plot_area<'a>(
    root: &DrawingArea<SVGBackend<'a>, plotters::coord::Shift>,
) -> DrawingArea<SVGBackend<'a>, plotters::coord::Shift> {
    let (w, h) = root.dim_in_pixel();
    root.margin(62, 28, 8, 14).shrink((0, 0), (w - 22, h - 90))
}

/// The data of a figure as CSV (the `csv` crate quotes what needs quoting).
pub(crate) fn data_csv<R, F>(header: &[&str], rows: R) -> Result<String>
where
    R: IntoIterator<Item = Vec<F>>,
    F: AsRef<[u8]>,
{
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header)?;
    for r in rows {
        w.write_record(r)?;
    }
    let bytes = w.into_inner().map_err(|e| anyhow::anyhow!("failed to write figure data: {}", e.error()))?;
    String::from_utf8(bytes).map_err(|e| anyhow::anyhow!("figure data is not UTF-8: {e}"))
}

fn values(ind: &IndicatorResult) -> Vec<(&Row, f64)> {
    let mut rows: Vec<(&Row, f64)> = ind.departements().filter_map(|r| r.cur.as_ref().map(|v| (r, v.value))).collect();
    rows.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.code.cmp(&b.0.code)));
    rows
}

fn fmt_value(ind: &IndicatorResult, x: f64) -> String {
    if ind.percent { fmt::pct(x, ind.decimals as usize) } else { fmt::number(x, ind.decimals as usize) }
}

/// A chart with one row per named category (top to bottom in the order of `names`) and
/// a numeric x axis: the frame of the bar, dumbbell and interval charts.
type RowChart<'a> = ChartContext<
    'a,
    SVGBackend<'a>,
    Cartesian2d<
        plotters::coord::types::RangedCoordf64,
        plotters::coord::ranged1d::SegmentedCoord<plotters::coord::types::RangedCoordusize>,
    >,
>;

fn row_chart<'a>(
    area: &DrawingArea<SVGBackend<'a>, plotters::coord::Shift>,
    x: std::ops::Range<f64>,
    names: &[String],
    label_width: u32,
    font_size: u32,
) -> Result<RowChart<'a>> {
    let m = names.len().max(1);
    let mut chart = ChartBuilder::on(area)
        .x_label_area_size(24)
        .y_label_area_size(label_width)
        .build_cartesian_2d(x, (0..m).into_segmented())
        .map_err(e)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .y_labels(m)
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => m.checked_sub(1 + *i).and_then(|j| names.get(j)).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .x_label_formatter(&|x| fmt::number(*x, 0))
        .label_style((FONT, font_size))
        .draw()
        .map_err(e)?;
    Ok(chart)
}

/// The French value as a vertical line across a row chart, with its legend entry.
fn france_line(chart: &mut RowChart, value: f64, rows: usize, color: RGBColor, label: String) -> Result<()> {
    chart
        .draw_series(LineSeries::new(
            [(value, SegmentValue::Exact(0)), (value, SegmentValue::Exact(rows))],
            color.stroke_width(2),
        ))
        .map_err(e)?
        .label(label)
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], color.stroke_width(2)));
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE)
        .border_style(GREY)
        .label_font((FONT, 12))
        .draw()
        .map_err(e)?;
    Ok(())
}

/// Ranked bars of every département, the national value as a line, values under the
/// threshold highlighted.
pub fn ranking(ind: &IndicatorResult, source_line: &str, threshold: Option<f64>) -> Result<Figure> {
    register_fonts();
    let rows = values(ind);
    let france = ind.france().and_then(|r| r.cur.as_ref()).map(|v| v.value);
    let n = rows.len();
    let max = rows.first().map(|r| r.1).unwrap_or(1.0) * 1.08;
    let year = ind.years[0];
    let title = format!("{} en {year}, par département", ind.title);
    let size = (1100, 480);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        let subtitle = format!("{} ; départements classés du plus élevé au plus faible", ind.unit);
        let area = frame(&root, &title, &subtitle, source_line)?;
        let mut chart = ChartBuilder::on(&area)
            .x_label_area_size(24)
            .y_label_area_size(48)
            .build_cartesian_2d((0..n).into_segmented(), 0f64..max)
            .map_err(e)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .x_labels(1)
            .x_label_formatter(&|_| String::new())
            .x_desc("101 départements (valeurs dans le fichier CSV du graphique)")
            .y_label_formatter(&|y| fmt::number(*y, 0))
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 12))
            .draw()
            .map_err(e)?;
        chart
            .draw_series(rows.iter().enumerate().map(|(i, (_, v))| {
                let color = if threshold.is_some_and(|t| *v < t) { ORANGE } else { BLUE };
                let mut bar =
                    Rectangle::new([(SegmentValue::Exact(i), 0.0), (SegmentValue::Exact(i + 1), *v)], color.filled());
                bar.set_margin(0, 0, 1, 1);
                bar
            }))
            .map_err(e)?;
        if let Some(fr) = france {
            chart
                .draw_series(LineSeries::new(
                    [(SegmentValue::Exact(0), fr), (SegmentValue::Exact(n), fr)],
                    GREY.stroke_width(2),
                ))
                .map_err(e)?
                .label(format!("France : {}", fmt_value(ind, fr)))
                .legend(|(x, y)| PathElement::new([(x, y), (x + 18, y)], GREY.stroke_width(2)));
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .background_style(WHITE.mix(0.9))
                .border_style(GREY)
                .label_font((FONT, 13))
                .draw()
                .map_err(e)?;
        }
        root.present().map_err(e)?;
    }
    let d = ind.decimals as usize;
    let (Some(hi), Some(lo)) = (rows.first(), rows.last()) else { bail!("no value to chart for `{}`", ind.id) };
    let mut alt = format!(
        "Diagramme en barres : {} en {year} varie de {} ({}) à {} ({}) {}",
        ind.title.to_lowercase(),
        fmt::number(lo.1, d),
        lo.0.name,
        fmt::number(hi.1, d),
        hi.0.name,
        ind.unit
    );
    if let Some(fr) = france {
        alt.push_str(&format!(" ; France : {}", fmt::number(fr, d)));
    }
    if let Some(t) = threshold {
        alt.push_str(&format!(
            " ; {} départements sous {}",
            rows.iter().filter(|r| r.1 < t).count(),
            fmt::number(t, 0)
        ));
    }
    alt.push('.');
    let csv = data_csv(
        &["rang", "code_departement", "departement", "valeur"],
        rows.iter()
            .enumerate()
            .map(|(i, (r, v))| vec![(i + 1).to_string(), r.code.clone(), r.name.clone(), format!("{v:.2}")]),
    )?;
    let titles: Vec<String> =
        rows.iter().map(|(r, v)| format!("{} ({}) : {}", r.name, r.code, fmt_value(ind, *v))).collect();
    let svg = title_marks(&svg, "rect", &[BLUE, ORANGE], &titles);
    figure(format!("{}-{year}-classement", ind.id), title, svg, csv, alt, source_line, size)
}

/// Horizontal bars of the `n` highest and `n` lowest départements, with names.
pub fn top_bottom(ind: &IndicatorResult, n: usize, source_line: &str) -> Result<Figure> {
    register_fonts();
    let all = values(ind);
    let mut rows: Vec<(&Row, f64)> = all.iter().take(n).cloned().collect();
    rows.extend(all.iter().skip(all.len().saturating_sub(n).max(n)).cloned());
    let year = ind.years[0];
    let title = format!("{} : les {n} départements les plus et les moins dotés, {year}", ind.short_label);
    let france = ind.france().and_then(|r| r.cur.as_ref()).map(|v| v.value);
    let m = rows.len();
    let size = (1000, 160 + 26 * m as u32);
    let max = rows.first().map(|r| r.1).unwrap_or(1.0) * 1.15;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        let area = frame(&root, &title, &ind.unit, source_line)?;
        let names: Vec<String> = rows.iter().map(|(r, _)| format!("{} ({})", r.name, r.code)).collect();
        let mut chart = row_chart(&area, 0f64..max, &names, 230, 12)?;
        chart
            .draw_series(rows.iter().enumerate().map(|(i, (_, v))| {
                let color = if i < n { BLUE } else { ORANGE };
                let y = m - 1 - i;
                let mut bar =
                    Rectangle::new([(0.0, SegmentValue::Exact(y)), (*v, SegmentValue::Exact(y + 1))], color.filled());
                bar.set_margin(3, 3, 0, 0);
                bar
            }))
            .map_err(e)?;
        chart
            .draw_series(rows.iter().enumerate().map(|(i, (_, v))| {
                Text::new(
                    format!(" {}", fmt_value(ind, *v)),
                    (*v, SegmentValue::CenterOf(m - 1 - i)),
                    (FONT, 12).into_font().color(&GREY).pos(Pos::new(HPos::Left, VPos::Center)),
                )
            }))
            .map_err(e)?;
        if let Some(fr) = france {
            france_line(&mut chart, fr, m, GREY, format!("France : {}", fmt_value(ind, fr)))?;
        }
        root.present().map_err(e)?;
    }
    let list = |rs: &[(&Row, f64)]| {
        rs.iter().map(|(r, v)| format!("{} ({})", r.name, fmt_value(ind, *v))).collect::<Vec<_>>().join(", ")
    };
    let alt = format!(
        "Barres horizontales : {} en {year}. Les plus élevées : {}. Les plus faibles : {}.",
        ind.title.to_lowercase(),
        list(&rows[..n.min(rows.len())]),
        list(&rows[n.min(rows.len())..])
    );
    let csv = data_csv(
        &["groupe", "code_departement", "departement", "valeur"],
        rows.iter().enumerate().map(|(i, (r, v))| {
            let group = if i < n { "plus_eleves" } else { "plus_faibles" };
            vec![group.to_string(), r.code.clone(), r.name.clone(), format!("{v:.2}")]
        }),
    )?;
    let titles: Vec<String> =
        rows.iter().map(|(r, v)| format!("{} ({}) : {}", r.name, r.code, fmt_value(ind, *v))).collect();
    let svg = title_marks(&svg, "rect", &[BLUE, ORANGE], &titles);
    figure(format!("{}-{year}-extremes", ind.id), title, svg, csv, alt, source_line, size)
}

/// Previous edition and current value of every département, joined by a line.
pub fn dumbbell(ind: &IndicatorResult, source_line: &str) -> Result<Figure> {
    register_fonts();
    let [cur, prev, _] = ind.years;
    let mut rows: Vec<(&Row, f64, f64)> =
        ind.departements().filter_map(|r| Some((r, r.prev.as_ref()?.value, r.cur.as_ref()?.value))).collect();
    rows.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.code.cmp(&b.0.code)));
    let m = rows.len();
    let size = (1000, 150 + 15 * m as u32);
    let max = rows.iter().map(|r| r.1.max(r.2)).fold(0.0, f64::max) * 1.05;
    let min = rows.iter().map(|r| r.1.min(r.2)).fold(f64::MAX, f64::min).min(0.0);
    let title = format!("{}, {prev} et {cur}, par département", ind.title);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        let subtitle = format!("{} ; point clair : {prev}, point foncé : {cur}", ind.unit);
        let area = frame(&root, &title, &subtitle, source_line)?;
        let names: Vec<String> = rows.iter().map(|(r, _, _)| format!("{} ({})", r.name, r.code)).collect();
        let mut chart = row_chart(&area, min..max, &names, 200, 10)?;
        for (i, (_, p, c)) in rows.iter().enumerate() {
            let y = SegmentValue::CenterOf(m - 1 - i);
            chart.draw_series(LineSeries::new([(*p, y.clone()), (*c, y.clone())], GREY.stroke_width(1))).map_err(e)?;
            chart
                .draw_series([
                    Circle::new((*p, y.clone()), 3, LIGHT_BLUE.filled()),
                    Circle::new((*c, y), 3, BLUE.filled()),
                ])
                .map_err(e)?;
        }
        root.present().map_err(e)?;
    }
    let up = rows.iter().filter(|r| r.2 > r.1).count();
    let down = rows.iter().filter(|r| r.2 < r.1).count();
    let (biggest_up, biggest_down) = {
        let mut by: Vec<&(&Row, f64, f64)> = rows.iter().collect();
        by.sort_by(|a, b| (a.2 - a.1).total_cmp(&(b.2 - b.1)));
        (by.last().map(|r| (r.0.name.clone(), r.2 - r.1)), by.first().map(|r| (r.0.name.clone(), r.2 - r.1)))
    };
    let d = ind.decimals as usize;
    let mut alt = format!(
        "Graphique en haltères : {} entre {prev} et {cur}, par département. Hausse dans {up} départements, baisse dans {down}.",
        ind.title.to_lowercase()
    );
    if let (Some((nu, vu)), Some((nd, vd))) = (biggest_up, biggest_down) {
        alt.push_str(&format!(
            " Plus forte hausse : {nu} ({}) ; plus forte baisse : {nd} ({}).",
            fmt::signed(vu, d),
            fmt::signed(vd, d)
        ));
    }
    let csv = data_csv(
        &["code_departement", "departement", &format!("valeur_{prev}"), &format!("valeur_{cur}")],
        rows.iter().map(|(r, p, c)| vec![r.code.clone(), r.name.clone(), format!("{p:.2}"), format!("{c:.2}")]),
    )?;
    let titles: Vec<String> = rows
        .iter()
        .flat_map(|(r, p, c)| {
            [
                format!("{} ({}), {prev} : {}", r.name, r.code, fmt_value(ind, *p)),
                format!("{} ({}), {cur} : {}", r.name, r.code, fmt_value(ind, *c)),
            ]
        })
        .collect();
    let svg = title_marks(&svg, "circle", &[LIGHT_BLUE, BLUE], &titles);
    figure(format!("{}-{prev}-{cur}-halteres", ind.id), title, svg, csv, alt, source_line, size)
}

/// A national time series as a line with its values.
pub fn series(s: &Series) -> Result<Figure> {
    register_fonts();
    let (Some(first), Some(last)) = (s.points.first(), s.points.last()) else { bail!("empty series `{}`", s.id) };
    let d = s.decimals as usize;
    let fmtv = |x: f64| if s.percent { fmt::pct(x, d) } else { fmt::number(x, d) };
    let (lo, hi) = s.points.iter().fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
    let pad = ((hi - lo) * 0.15).max(hi.abs() * 0.01);
    // The axis starts at zero: a truncated axis would turn −1 % into a fall off a cliff.
    let (y0, y1) = if s.percent { (0.0, (hi + pad).min(100.0).max(hi)) } else { (0.0, hi * 1.12) };
    let title = format!("{}, {}-{}", s.title, first.0, last.0);
    let size = (1000, 460);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        let area = frame(&root, &title, &s.unit, &s.source)?;
        let mut chart = ChartBuilder::on(&area)
            .x_label_area_size(28)
            .y_label_area_size(70)
            .build_cartesian_2d(first.0 as f64 - 0.5..last.0 as f64 + 0.5, y0..y1)
            .map_err(e)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .x_labels(s.points.len().min(14))
            .x_label_formatter(&|x| format!("{}", x.round() as i32))
            .y_label_formatter(&|y| fmtv(*y))
            .label_style((FONT, 12))
            .draw()
            .map_err(e)?;
        chart
            .draw_series(LineSeries::new(s.points.iter().map(|&(y, v)| (y as f64, v)), BLUE.stroke_width(3)))
            .map_err(e)?;
        chart.draw_series(s.points.iter().map(|&(y, v)| Circle::new((y as f64, v), 4, BLUE.filled()))).map_err(e)?;
        chart
            .draw_series(s.points.iter().map(|&(y, v)| {
                Text::new(fmtv(v), (y as f64 - 0.3, v + (y1 - y0) * 0.07), (FONT, 12).into_font().color(&GREY))
            }))
            .map_err(e)?;
        root.present().map_err(e)?;
    }
    let alt = format!(
        "Courbe : {} de {} en {} à {} en {}{}.",
        s.title.to_lowercase(),
        fmtv(first.1),
        first.0,
        fmtv(last.1),
        last.0,
        if s.points.len() > 2 {
            format!(" ; minimum {} , maximum {}", fmtv(lo), fmtv(hi)).replace(" ,", ",")
        } else {
            String::new()
        }
    );
    let csv = data_csv(&["annee", "valeur"], s.points.iter().map(|(y, v)| vec![y.to_string(), v.to_string()]))?;
    let titles: Vec<String> = s.points.iter().map(|(y, v)| format!("{y} : {}", fmtv(*v))).collect();
    let svg = title_marks(&svg, "circle", &[BLUE], &titles);
    figure(format!("serie-{}", s.id), title, svg, csv, alt, &s.source, size)
}

/// Survey rates by région with their 95 % confidence intervals, France as a line;
/// withheld régions listed under the chart.
pub fn survey_regions(ind: &IndicatorResult, source_line: &str) -> Result<Figure> {
    register_fonts();
    let year = ind.years[0];
    let mut rows: Vec<(&Row, f64, f64, f64)> = ind
        .rows
        .iter()
        .filter(|r| r.level == crate::model::LevelName::Region)
        .filter_map(|r| {
            let v = r.cur.as_ref()?;
            Some((r, v.value, v.ci_low?, v.ci_high?))
        })
        .collect();
    rows.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.code.cmp(&b.0.code)));
    let withheld: Vec<String> = ind
        .rows
        .iter()
        .filter(|r| r.level == crate::model::LevelName::Region && r.withheld.is_some())
        .map(|r| r.name.clone())
        .collect();
    let fr = ind.france().and_then(|r| r.cur.as_ref()).cloned();
    let m = rows.len();
    let size = (1000, 190 + 28 * m as u32);
    let title = format!("{} par région, {year}", ind.short_label);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        let mut subtitle = format!("{} ; trait : intervalle de confiance à 95 %", ind.unit);
        if !withheld.is_empty() {
            subtitle.push_str(&format!(" ; non publié (moins de répondants que le seuil) : {}", withheld.join(", ")));
        }
        let area = frame(&root, &title, &subtitle, source_line)?;
        let names: Vec<String> = rows.iter().map(|r| r.0.name.clone()).collect();
        // A dot plot: the axis need not start at 0.
        let frv = fr.as_ref().map(|v| v.value);
        let xmax = rows.iter().map(|r| r.3).chain(frv).fold(f64::MIN, f64::max);
        let xmin = rows.iter().map(|r| r.2).chain(frv).fold(f64::MAX, f64::min);
        let (x0, x1) = if xmax >= xmin { ((xmin - 5.0).floor().max(0.0), (xmax + 5.0).ceil()) } else { (0.0, 100.0) };
        let mut chart = row_chart(&area, x0..x1, &names, 220, 12)?;
        for (i, (_, v, lo, hi)) in rows.iter().enumerate() {
            let y = SegmentValue::CenterOf(m - 1 - i);
            chart
                .draw_series(LineSeries::new([(*lo, y.clone()), (*hi, y.clone())], BLUE.stroke_width(2)))
                .map_err(e)?;
            chart.draw_series([Circle::new((*v, y), 4, BLUE.filled())]).map_err(e)?;
        }
        if let Some(v) = &fr {
            france_line(&mut chart, v.value, m.max(1), ORANGE, format!("France : {}", fmt_value(ind, v.value)))?;
        }
        root.present().map_err(e)?;
    }
    let mut alt = format!("Points avec intervalles de confiance : {} par région en {year}", ind.title.to_lowercase());
    if let (Some(hi), Some(lo)) = (rows.first(), rows.last()) {
        alt.push_str(&format!(
            ", de {} ({}) à {} ({})",
            fmt_value(ind, lo.1),
            lo.0.name,
            fmt_value(ind, hi.1),
            hi.0.name
        ));
    }
    if let Some(v) = &fr {
        alt.push_str(&format!(" ; France : {}", fmt_value(ind, v.value)));
        if let (Some(l), Some(h)) = (v.ci_low, v.ci_high) {
            alt.push_str(&format!(" (intervalle de confiance à 95 % : {} à {})", fmt_value(ind, l), fmt_value(ind, h)));
        }
    }
    if !withheld.is_empty() {
        alt.push_str(&format!(" ; non publiés : {}", withheld.join(", ")));
    }
    alt.push('.');
    let csv = data_csv(
        &["code_region", "region", "valeur", "ic95_bas", "ic95_haut"],
        rows.iter().map(|(r, v, lo, hi)| {
            vec![r.code.clone(), r.name.clone(), format!("{v:.2}"), format!("{lo:.2}"), format!("{hi:.2}")]
        }),
    )?;
    let titles: Vec<String> = rows
        .iter()
        .map(|(r, v, lo, hi)| {
            format!(
                "{} : {} (intervalle à 95 % : {} à {})",
                r.name,
                fmt_value(ind, *v),
                fmt_value(ind, *lo),
                fmt_value(ind, *hi)
            )
        })
        .collect();
    let svg = title_marks(&svg, "circle", &[BLUE], &titles);
    figure(format!("{}-{year}-regions", ind.id), title, svg, csv, alt, source_line, size)
}

/// Each département among all the others (a strip of dots), with France and its région.
/// The PNGs are drawn in two layers: what the charts share (frame, axis, the 101 points,
/// France) is rasterised once, and each département's own part (title, its région, itself)
/// is laid over a copy. The pixels are those of the whole SVG rasterised (the title lies
/// apart from the rest, and the own part is drawn last in both), at a third of the cost.
pub fn positions(ind: &IndicatorResult, source_line: &str) -> Result<Vec<Figure>> {
    let p = Positions::new(ind, source_line);
    let common = super::svg::Raster::new(&fmt::publish_svg(&p.svg(None, Layer::Common)?), 1.5)?;
    let rows: Vec<&Row> = ind.departements().collect();
    super::par_map(&rows, |me| p.figure(me, &common))
}

/// Which part of a position chart is drawn.
#[derive(Clone, Copy, PartialEq)]
enum Layer {
    /// The whole chart.
    Whole,
    /// What every département's chart shares, without a title.
    Common,
    /// A département's own part, on a transparent background.
    Own,
}

/// What the position charts of an indicator share.
struct Positions<'a> {
    ind: &'a IndicatorResult,
    source_line: &'a str,
    vals: Vec<(&'a Row, f64)>,
    france: Option<f64>,
    lo: f64,
    hi: f64,
}

impl<'a> Positions<'a> {
    /// Narrow: it is printed at about 10 cm on the fiche, and its labels must stay legible.
    const SIZE: (u32, u32) = (620, 190);

    fn new(ind: &'a IndicatorResult, source_line: &'a str) -> Positions<'a> {
        register_fonts();
        let vals = values(ind);
        let france = ind.france().and_then(|r| r.cur.as_ref()).map(|v| v.value);
        let (lo, hi) = vals.iter().fold((f64::MAX, f64::MIN), |(a, b), r| (a.min(r.1), b.max(r.1)));
        Positions { ind, source_line, vals, france, lo, hi }
    }

    fn region(&self, me: &Row) -> Option<&'a Row> {
        me.region
            .as_ref()
            .and_then(|c| self.ind.rows.iter().find(|r| r.level == crate::model::LevelName::Region && &r.code == c))
    }

    fn title(&self, me: &Row) -> String {
        // A short title: the chart is narrow; the indicator is the subtitle.
        format!("{} parmi les départements, {}", me.name, self.ind.years[0])
    }

    /// The SVG of a layer of `code`'s chart (`None`: the common layer).
    fn svg(&self, me: Option<&Row>, layer: Layer) -> Result<String> {
        let (ind, lo, hi) = (self.ind, self.lo, self.hi);
        let pad = (hi - lo) * 0.05;
        let title = me.map(|m| self.title(m)).unwrap_or_default();
        let reg = me.and_then(|m| self.region(m));
        let regv = reg.and_then(|r| r.cur.as_ref()).map(|v| v.value);
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, Self::SIZE).into_drawing_area();
            let area = match layer {
                Layer::Whole => frame(&root, &title, &ind.short_label, self.source_line)?,
                Layer::Common => frame(&root, "", &ind.short_label, self.source_line)?,
                Layer::Own => {
                    // The title where `frame` writes it, and the plotting area it returns.
                    title_text(&root, &title)?;
                    plot_area(&root)
                }
            };
            let mut chart = ChartBuilder::on(&area)
                .x_label_area_size(22)
                .y_label_area_size(10)
                .build_cartesian_2d(lo - pad..hi + pad, 0f64..1f64)
                .map_err(e)?;
            if layer != Layer::Own {
                chart
                    .configure_mesh()
                    .disable_y_mesh()
                    .disable_y_axis()
                    .light_line_style(TRANSPARENT)
                    .bold_line_style(GRID)
                    .x_label_formatter(&|x| fmt::number(*x, 0))
                    .label_style((FONT, 11))
                    .draw()
                    .map_err(e)?;
                chart
                    .draw_series(
                        self.vals.iter().map(|(_, v)| Circle::new((*v, 0.45), 4, LIGHT_BLUE.mix(0.7).filled())),
                    )
                    .map_err(e)?;
            }
            let mut marks: Vec<(f64, String, RGBColor, bool)> = Vec::new();
            if let Some(v) = self.france {
                marks.push((v, format!("France {}", fmt_value(ind, v)), GREY, layer != Layer::Own));
            }
            // A région of one département (the overseas ones) is the département itself:
            // one label, not two.
            if let (Some(v), Some(r)) = (regv, reg.filter(|r| Some(r.name.as_str()) != me.map(|m| m.name.as_str()))) {
                marks.push((v, format!("{} {}", r.name, fmt_value(ind, v)), ORANGE, layer != Layer::Common));
            }
            // Labels anchored inside the plot: left of a value near the right edge, right of
            // one near the left edge, centred elsewhere; never clipped.
            let anchor = |v: f64| {
                let f = (v - lo) / (hi - lo).max(f64::EPSILON);
                let h = if f > 0.7 {
                    HPos::Right
                } else if f < 0.3 {
                    HPos::Left
                } else {
                    HPos::Center
                };
                Pos::new(h, VPos::Top)
            };
            for (i, (v, label, color, drawn)) in marks.iter().enumerate() {
                if !drawn {
                    continue;
                }
                chart.draw_series(LineSeries::new([(*v, 0.36), (*v, 0.78)], color.stroke_width(2))).map_err(e)?;
                let style = TextStyle::from((FONT, 11).into_font()).color(color).pos(anchor(*v));
                chart
                    .draw_series([Text::new(label.clone(), (*v, if i == 0 { 0.98 } else { 0.88 }), style)])
                    .map_err(e)?;
            }
            if let (Some(me), true) = (me, layer != Layer::Common)
                && let Some(v) = me.cur.as_ref().map(|v| v.value)
            {
                chart.draw_series([Circle::new((v, 0.45), 7, BLUE.filled())]).map_err(e)?;
                let style = TextStyle::from((FONT, 12).into_font().style(FontStyle::Bold)).color(&BLUE).pos(anchor(v));
                chart
                    .draw_series([Text::new(format!("{} {}", me.name, fmt_value(ind, v)), (v, 0.3), style)])
                    .map_err(e)?;
            }
            root.present().map_err(e)?;
        }
        Ok(svg)
    }

    /// A département's chart: its SVG drawn whole, its PNG from its own layer laid over a copy
    /// of the common layer rasterised.
    fn figure(&self, me: &Row, common: &super::svg::Raster) -> Result<Figure> {
        let ind = self.ind;
        let code = me.code.as_str();
        let year = ind.years[0];
        let reg = self.region(me);
        let regv = reg.and_then(|r| r.cur.as_ref()).map(|v| v.value);
        let svg = self.svg(Some(me), Layer::Whole)?;
        let mut alt = format!(
            "Position {} : {}",
            crate::geo::Geography::get().departement(&me.code).map_or_else(|| format!("de {}", me.name), |d| d.de()),
            me.cur.as_ref().map_or_else(|| "non disponible".into(), |v| fmt_value(ind, v.value))
        );
        if let Some(rank) = me.rank {
            alt.push_str(&format!(", {} sur {} départements", crate::fmt::ordinal(rank), self.vals.len()));
        }
        if let Some(v) = self.france {
            alt.push_str(&format!(" ; France : {}", fmt_value(ind, v)));
        }
        if let (Some(v), Some(r)) = (regv, reg) {
            alt.push_str(&format!(" ; {} : {}", r.name, fmt_value(ind, v)));
        }
        alt.push('.');
        let mut data: Vec<Vec<String>> = self
            .vals
            .iter()
            .map(|(r, v)| {
                let role = if r.code == code { "departement" } else { "autre" };
                vec![r.code.clone(), r.name.clone(), format!("{v:.2}"), role.to_string()]
            })
            .collect();
        if let Some(v) = self.france {
            data.push(vec!["FR".into(), "France".into(), format!("{v:.2}"), "france".into()]);
        }
        if let (Some(v), Some(r)) = (regv, reg) {
            data.push(vec![r.code.clone(), r.name.clone(), format!("{v:.2}"), "region".into()]);
        }
        let csv = data_csv(&["code", "territoire", "valeur", "role"], data)?;
        let id = format!("position-{}-{code}-{year}", ind.id);
        let title = self.title(me);
        let png = common.over(&fmt::publish_svg(&self.svg(Some(me), Layer::Own)?))?;
        Ok(figure_with_png(id, title, fmt::publish_svg(&svg), png, csv, alt, self.source_line, Self::SIZE))
    }
}

/// A funnel plot: each département's value against its size (population, or Kish's
/// effective sample size for a survey), with the 95 % and 99.8 % limits around France
/// under the indicator's sampling law (normal approximation: rate θ ± z·√(θ·scale/n),
/// proportion p ± z·√(p(1−p)/n)). The size axis is logarithmic.
pub fn funnel(ind: &IndicatorResult, source_line: &str) -> Result<Figure> {
    register_fonts();
    let year = ind.years[0];
    let survey = ind.test == "survey";
    let size_of = |v: &crate::model::Value| if survey { v.n_eff } else { v.den };
    let mut points: Vec<(&Row, f64, f64)> = ind
        .rows
        .iter()
        .filter(|r| {
            r.level == crate::model::LevelName::Departement || (survey && r.level == crate::model::LevelName::Region)
        })
        .filter(|r| r.withheld.is_none())
        .filter_map(|r| {
            let v = r.cur.as_ref()?;
            let n = size_of(v).filter(|n| *n > 0.0)?;
            Some((r, n, v.value))
        })
        .collect();
    points.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.code.cmp(&b.0.code)));
    let Some(fr) = ind.france().and_then(|r| r.cur.as_ref()).map(|v| v.value) else {
        bail!("no French value for the funnel plot of `{}`", ind.id)
    };
    if points.len() < 2 {
        bail!("fewer than two territories for the funnel plot of `{}`", ind.id)
    }
    let scale = if ind.percent || survey { 100.0 } else { ind_scale(ind) };
    // Standard deviation of a value on size n under France's value.
    let sd = |n: f64| {
        if survey || ind.test == "proportion" {
            let p = fr / scale;
            (p * (1.0 - p) / n).sqrt() * scale
        } else {
            (fr * scale / n).sqrt()
        }
    };
    const Z95: f64 = 1.959_963_984_540_054;
    const Z998: f64 = 3.090_232_306_167_813_5;
    let (nmin, nmax) = (points[0].1 * 0.8, points[points.len() - 1].1 * 1.25);
    let grid: Vec<f64> = (0..=120).map(|i| nmin * (nmax / nmin).powf(f64::from(i) / 120.0)).collect();
    let lo_lim = fr - Z998 * sd(nmin);
    let hi_lim = fr + Z998 * sd(nmin);
    let (vmin, vmax) = points.iter().fold((lo_lim, hi_lim), |(a, b), p| (a.min(p.2), b.max(p.2)));
    let pad = (vmax - vmin) * 0.05;
    let (y0, y1) = ((vmin - pad).max(0.0), vmax + pad);
    let outside = |z: f64| points.iter().filter(|p| (p.2 - fr).abs() > z * sd(p.1)).count();
    let (out95, out998) = (outside(Z95), outside(Z998));
    let title = format!("{} selon la taille, {year}", ind.short_label);
    let what = if survey { "taille d'échantillon effective" } else { "population" };
    let size = (1000, 520);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        let subtitle = format!(
            "{} ; en abscisse : {what} (échelle logarithmique) ; limites à 95 % (tirets) et 99,8 % (trait) autour de la France{}",
            ind.unit,
            if survey { " ; orange : régions, bleu : départements publiés" } else { "" }
        );
        let area = frame(&root, &title, &subtitle, source_line)?;
        let mut chart = ChartBuilder::on(&area)
            .x_label_area_size(34)
            .y_label_area_size(70)
            .build_cartesian_2d((nmin..nmax).log_scale().with_key_points(nice_ticks(nmin, nmax)), y0..y1)
            .map_err(e)?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .x_labels(8)
            .x_label_formatter(&|x| fmt::number(*x, 0))
            .y_label_formatter(&|y| fmt::number(*y, if y1 - y0 < 10.0 { 1 } else { 0 }))
            .label_style((FONT, 12))
            .draw()
            .map_err(e)?;
        for (z, dashed) in [(Z998, false), (Z95, true)] {
            for sign in [-1.0, 1.0] {
                let line: Vec<(f64, f64)> = grid.iter().map(|&n| (n, (fr + sign * z * sd(n)).clamp(y0, y1))).collect();
                if dashed {
                    chart.draw_series(DashedLineSeries::new(line, 6, 4, GREY.stroke_width(1))).map_err(e)?;
                } else {
                    chart.draw_series(LineSeries::new(line, GREY.stroke_width(1))).map_err(e)?;
                }
            }
        }
        chart.draw_series(LineSeries::new([(nmin, fr), (nmax, fr)], ORANGE.stroke_width(2))).map_err(e)?;
        chart
            .draw_series(std::iter::once(Text::new(
                format!("France : {}", fmt_value(ind, fr)),
                (nmax / 1.9, fr + (y1 - y0) * 0.03),
                (FONT, 12).into_font().color(&ORANGE),
            )))
            .map_err(e)?;
        chart
            .draw_series(points.iter().map(|p| {
                let region = p.0.level == crate::model::LevelName::Region;
                Circle::new(
                    (p.1, p.2),
                    if region { 5 } else { 4 },
                    if region { ORANGE.filled() } else { BLUE.mix(0.75).filled() },
                )
            }))
            .map_err(e)?;
        root.present().map_err(e)?;
    }
    let alt = format!(
        "Graphique en entonnoir : {} en {year} de {} territoires selon leur {what}, autour de la valeur de la France ({}) ; {} en dehors des limites à 95 %, {} en dehors des limites à 99,8 %.",
        ind.title.to_lowercase(),
        points.len(),
        fmt_value(ind, fr),
        fmt::count(out95, "territoire", "territoires"),
        out998
    );
    let csv = data_csv(
        &[
            "niveau",
            "code",
            "nom",
            "taille",
            "valeur",
            "limite_95_basse",
            "limite_95_haute",
            "limite_998_basse",
            "limite_998_haute",
        ],
        points.iter().map(|(r, n, v)| {
            let s = sd(*n);
            vec![
                if r.level == crate::model::LevelName::Region {
                    "region".to_string()
                } else {
                    "departement".to_string()
                },
                r.code.clone(),
                r.name.clone(),
                format!("{n:.1}"),
                format!("{v:.3}"),
                format!("{:.3}", fr - Z95 * s),
                format!("{:.3}", fr + Z95 * s),
                format!("{:.3}", fr - Z998 * s),
                format!("{:.3}", fr + Z998 * s),
            ]
        }),
    )?;
    let titles: Vec<String> =
        points.iter().map(|p| format!("{} ({}) : {}", p.0.name, p.0.code, fmt_value(ind, p.2))).collect();
    let svg = title_marks(&svg, "circle", &[BLUE, ORANGE], &titles);
    figure(ind.figure_id(crate::model::FigureKind::Entonnoir), title, svg, csv, alt, source_line, size)
}

/// Ticks 1, 2, 5 × 10ⁿ within a range (a logarithmic axis within one decade still gets
/// labels).
fn nice_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let mut out = Vec::new();
    let mut decade = 10f64.powf(lo.log10().floor());
    while decade <= hi {
        for m in [1.0, 2.0, 5.0] {
            let x = m * decade;
            if x >= lo && x <= hi {
                out.push(x);
            }
        }
        decade *= 10.0;
    }
    out
}

/// The scale of a rate (per 100,000…), from the value and its terms.
fn ind_scale(ind: &IndicatorResult) -> f64 {
    ind.rows
        .iter()
        .filter_map(|r| r.cur.as_ref())
        .find_map(|v| v.den.filter(|d| *d > 0.0 && v.num > 0.0).map(|d| v.value / (v.num / d)))
        .map_or(1.0, |s| 10f64.powf(s.log10().round()))
}
