//! Charts drawn with plotters as SVG, with their data as CSV and a generated alt text.
//!
//! Charts are computed from the model before the other renderers run, so the HTML and
//! the PDF embed the same files.

use std::sync::{Once, OnceLock};

use anyhow::{Result, anyhow};
use plotters::prelude::*;
use plotters::style::FontStyle;

use crate::fmt;
use crate::model::{ChartRef, IndicatorResult, Row};

pub static INTER_REGULAR: &[u8] = include_bytes!("../../report-templates/fonts/Inter-Regular.otf");
pub static INTER_BOLD: &[u8] = include_bytes!("../../report-templates/fonts/Inter-Bold.otf");
pub const FONT: &str = "Inter";

/// Registers the embedded fonts with plotters (once).
pub fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The embedded font is known to be valid (checked by tests).
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, INTER_REGULAR);
        let _ = plotters::style::register_font(FONT, FontStyle::Bold, INTER_BOLD);
    });
}

/// Rasterises an SVG chart to PNG with resvg, using only the embedded fonts (no system
/// font is read), so that the image is identical on every machine. `scale` 2 gives a
/// sharp image for slides.
pub fn svg_to_png(svg: &str, scale: f32) -> Result<Vec<u8>> {
    use resvg::{tiny_skia, usvg};
    static FONTDB: OnceLock<std::sync::Arc<usvg::fontdb::Database>> = OnceLock::new();
    let db = FONTDB.get_or_init(|| {
        let mut db = usvg::fontdb::Database::new();
        for bytes in [INTER_REGULAR, INTER_BOLD] {
            db.load_font_data(bytes.to_vec());
        }
        db.set_sans_serif_family(FONT);
        std::sync::Arc::new(db)
    });
    let opt = usvg::Options { font_family: FONT.to_string(), fontdb: db.clone(), ..Default::default() };
    let tree = usvg::Tree::from_str(svg, &opt).map_err(|e| anyhow!("invalid chart SVG: {e}"))?;
    let size = tree.size().to_int_size().scale_by(scale).ok_or_else(|| anyhow!("empty chart"))?;
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height()).ok_or_else(|| anyhow!("empty chart"))?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(&tree, tiny_skia::Transform::from_scale(scale, scale), &mut pixmap.as_mut());
    pixmap.encode_png().map_err(|e| anyhow!("failed to encode PNG: {e}"))
}

/// A rendered chart: its reference in the model and its files.
pub struct Chart {
    pub reference: ChartRef,
    pub svg: String,
    pub csv: String,
}

const BLUE: RGBColor = RGBColor(0x1f, 0x4e, 0x79);
const ORANGE: RGBColor = RGBColor(0xd9, 0x5f, 0x02);
const GREY: RGBColor = RGBColor(0x55, 0x55, 0x55);

/// Ranked bars of a rate for every département, with the national value as a line and
/// values under the first threshold highlighted.
pub fn ranking(ind: &IndicatorResult, source_line: &str, threshold: Option<f64>) -> Result<Chart> {
    register_fonts();
    let mut rows: Vec<(&Row, f64)> = ind.departements().filter_map(|r| r.cur.as_ref().map(|v| (r, v.value))).collect();
    rows.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.code.cmp(&b.0.code)));
    let france = ind.france().and_then(|r| r.cur.as_ref()).map(|v| v.value);
    let d = ind.decimals as usize;
    let n = rows.len();
    let max = rows.first().map(|r| r.1).unwrap_or(1.0) * 1.08;
    let year = ind.years[0];
    let title = format!("{} en {year}, par département", ind.title);

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (1100, 460)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| anyhow!("{e:?}"))?;
        let (body, footer) = root.split_vertically(430);
        let mut chart = ChartBuilder::on(&body)
            .caption(&title, (FONT, 20).into_font().style(FontStyle::Bold))
            .margin(12)
            .x_label_area_size(34)
            .y_label_area_size(48)
            .build_cartesian_2d((0..n).into_segmented(), 0f64..max)
            .map_err(|e| anyhow!("{e:?}"))?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(RGBColor(225, 225, 225))
            .x_labels(1)
            .x_label_formatter(&|_| String::new())
            .x_desc("Départements, du plus dense au moins dense (valeurs dans le fichier CSV du graphique)")
            .y_desc(ind.unit.clone())
            .y_label_formatter(&|y| fmt::number(*y, 0))
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 12))
            .draw()
            .map_err(|e| anyhow!("{e:?}"))?;
        chart
            .draw_series(rows.iter().enumerate().map(|(i, (_, v))| {
                let below = threshold.is_some_and(|t| *v < t);
                let color = if below { ORANGE } else { BLUE };
                let mut bar =
                    Rectangle::new([(SegmentValue::Exact(i), 0.0), (SegmentValue::Exact(i + 1), *v)], color.filled());
                bar.set_margin(0, 0, 1, 1);
                bar
            }))
            .map_err(|e| anyhow!("{e:?}"))?;
        if let Some(fr) = france {
            chart
                .draw_series(LineSeries::new(
                    [(SegmentValue::Exact(0), fr), (SegmentValue::Exact(n), fr)],
                    GREY.stroke_width(2),
                ))
                .map_err(|e| anyhow!("{e:?}"))?
                .label(format!("France : {}", fmt::number(fr, d)))
                .legend(|(x, y)| PathElement::new([(x, y), (x + 18, y)], GREY.stroke_width(2)));
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .background_style(WHITE.mix(0.9))
                .border_style(GREY)
                .label_font((FONT, 13))
                .draw()
                .map_err(|e| anyhow!("{e:?}"))?;
        }
        footer
            .draw_text(&format!("Source : {source_line}"), &(FONT, 11).into_font().color(&GREY), (14, 8))
            .map_err(|e| anyhow!("{e:?}"))?;
        root.present().map_err(|e| anyhow!("{e:?}"))?;
    }

    let alt = alt_text(ind, &rows, france, threshold);
    let mut csv = String::from("rang,code_departement,departement,valeur\n");
    for (i, (r, v)) in rows.iter().enumerate() {
        csv.push_str(&format!("{},{},\"{}\",{v:.2}\n", i + 1, r.code, r.name.replace('"', "\"\"")));
    }
    let id = format!("{}-{year}-classement", ind.id);
    Ok(Chart {
        reference: ChartRef {
            id: id.clone(),
            kind: "graphique".into(),
            title,
            svg: format!("charts/{id}.svg"),
            png: format!("charts/{id}.png"),
            csv: format!("charts/{id}.csv"),
            width: 1100,
            height: 460,
            alt,
            source_line: source_line.to_string(),
        },
        svg,
        csv,
    })
}

/// "La densité … varie de 39 (Mayotte) à 288 (Hautes-Alpes) …; France : 146."
fn alt_text(ind: &IndicatorResult, rows: &[(&Row, f64)], france: Option<f64>, threshold: Option<f64>) -> String {
    let d = ind.decimals as usize;
    let (Some(hi), Some(lo)) = (rows.first(), rows.last()) else {
        return format!("{} : aucune donnée.", ind.title);
    };
    let mut s = format!(
        "Diagramme en barres : {} en {} varie de {} ({}) à {} ({}) {}",
        ind.title.to_lowercase(),
        ind.years[0],
        fmt::number(lo.1, d),
        lo.0.name,
        fmt::number(hi.1, d),
        hi.0.name,
        ind.unit
    );
    if let Some(fr) = france {
        s.push_str(&format!(" ; France : {}", fmt::number(fr, d)));
    }
    if let Some(t) = threshold {
        let below = rows.iter().filter(|r| r.1 < t).count();
        s.push_str(&format!(" ; {below} départements sous {}", fmt::number(t, 0)));
    }
    s.push('.');
    s
}
