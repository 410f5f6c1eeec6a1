//! Choropleth maps of France by département, drawn with plotters: metropolitan France,
//! insets for the five overseas départements (always shown, labelled) and an enlarged
//! inset for Paris and the petite couronne.
//!
//! Geometry is an input: the official contours when fetched (projected in Lambert-93,
//! overseas in local equirectangular projections), else the embedded offline map
//! (svg-maps, CC BY 4.0, already projected; the overseas départements from IGN Admin
//! Express, Licence Ouverte, simplified). The attribution is printed on every map.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use anyhow::{Context, Result, anyhow};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;
use serde::Deserialize;

use crate::fmt;
use crate::geo::{Geography, Zone};
use crate::sources::contours::Contours;
use crate::sources::contours_epci::EpciContours;

use super::svg::{FONT, register_fonts};

/// A polygon ring in a plane whose y axis points down.
pub type Ring = Vec<(f64, f64)>;

/// The outlines to draw, already projected.
#[derive(Debug, Clone)]
pub struct MapGeometry {
    /// Metropolitan départements, in one plane.
    pub metro: Vec<(String, Vec<Ring>)>,
    /// Overseas départements, each in its own plane; `None` draws a labelled tile.
    pub drom: Vec<(String, Option<Vec<Ring>>)>,
    pub attribution: String,
    /// The EPCI outlines when the data has them (longitude, latitude), for the maps of
    /// the département pages.
    pub epci: Option<std::sync::Arc<EpciContours>>,
}

#[derive(Deserialize)]
struct Embedded {
    attribution: String,
    departements: Vec<EmbeddedDept>,
}

#[derive(Deserialize)]
struct EmbeddedDept {
    code: String,
    polygones: Vec<Vec<[f64; 2]>>,
}

static EMBEDDED_MAP: &str = include_str!("../../fixtures/reference/carte-metropole.json");
static EMBEDDED_DROM: &str = include_str!("../../fixtures/reference/carte-outre-mer.json");
/// The attribution of the official contours (départements and EPCI).
pub const CONTOURS_ATTRIBUTION: &str = "Contours : IGN Admin Express via Etalab, Licence Ouverte";
pub const DROM: [&str; 5] = ["971", "972", "973", "974", "976"];

impl MapGeometry {
    /// The embedded offline map: svg-maps outlines for metropolitan France, IGN Admin
    /// Express outlines (simplified) for the overseas départements.
    pub fn embedded() -> &'static MapGeometry {
        static GEOM: OnceLock<MapGeometry> = OnceLock::new();
        GEOM.get_or_init(|| {
            let parse = |text: &str| -> Embedded {
                match serde_json::from_str(text) {
                    Ok(p) => p,
                    // Compiled in and checked by tests.
                    Err(e) => panic!("embedded map is invalid: {e}"),
                }
            };
            let rings = |d: EmbeddedDept| -> (String, Vec<Ring>) {
                (d.code, d.polygones.into_iter().map(|r| r.into_iter().map(|[x, y]| (x, y)).collect()).collect())
            };
            let (metro, drom) = (parse(EMBEDDED_MAP), parse(EMBEDDED_DROM));
            let attribution = format!("{} ; {}", metro.attribution, drom.attribution);
            let mut drom: BTreeMap<String, Vec<Ring>> = drom.departements.into_iter().map(rings).collect();
            MapGeometry {
                metro: metro.departements.into_iter().map(rings).collect(),
                drom: DROM.iter().map(|c| (c.to_string(), drom.remove(*c))).collect(),
                attribution,
                epci: None,
            }
        })
    }

    /// The official contours: Lambert-93 for metropolitan France, a local projection for
    /// each overseas département.
    pub fn from_contours(c: &Contours, geo: &Geography, attribution: &str) -> MapGeometry {
        let mut metro = Vec::new();
        let mut drom = Vec::new();
        for s in &c.shapes {
            let is_drom = geo.departement(&s.code).is_some_and(|d| d.zone == Zone::Drom);
            let rings: Vec<Ring> = s.polygons.iter().flat_map(|p| p.first().cloned()).collect();
            if is_drom {
                let (mut lat0, mut n) = (0.0f64, 0.0f64);
                for (_, lat) in rings.iter().flatten() {
                    lat0 += lat;
                    n += 1.0;
                }
                let k = (lat0 / n.max(1.0)).to_radians().cos();
                drom.push((
                    s.code.clone(),
                    Some(rings.iter().map(|r| r.iter().map(|(lon, lat)| (lon * k, -lat)).collect()).collect()),
                ));
            } else {
                metro.push((
                    s.code.clone(),
                    rings
                        .iter()
                        .map(|r| r.iter().map(|&(lon, lat)| lambert93(lon, lat)).map(|(x, y)| (x, -y)).collect())
                        .collect(),
                ));
            }
        }
        MapGeometry { metro, drom, attribution: attribution.to_string(), epci: None }
    }

    /// The geometry of an edition: the official contours when the data has them, else
    /// the embedded map; with the EPCI outlines when the data has them.
    pub fn for_edition(contours: Option<&Contours>, epci: Option<EpciContours>) -> MapGeometry {
        let mut g = match contours {
            Some(c) => MapGeometry::from_contours(c, Geography::get(), CONTOURS_ATTRIBUTION),
            None => MapGeometry::embedded().clone(),
        };
        g.epci = epci.map(std::sync::Arc::new);
        g
    }
}

/// Lambert-93 (EPSG:2154): Lambert conformal conic on GRS80, standard parallels 44° and
/// 49° N, origin 46.5° N 3° E, false easting 700 km, false northing 6,600 km.
pub fn lambert93(lon: f64, lat: f64) -> (f64, f64) {
    const A: f64 = 6_378_137.0;
    const E: f64 = 0.081_819_191_042_815_79;
    let t = |phi: f64| {
        (std::f64::consts::FRAC_PI_4 - phi / 2.0).tan() / ((1.0 - E * phi.sin()) / (1.0 + E * phi.sin())).powf(E / 2.0)
    };
    let m = |phi: f64| phi.cos() / (1.0 - E * E * phi.sin().powi(2)).sqrt();
    let (p1, p2, p0, l0) = (49f64.to_radians(), 44f64.to_radians(), 46.5f64.to_radians(), 3f64.to_radians());
    let n = (m(p1).ln() - m(p2).ln()) / (t(p1).ln() - t(p2).ln());
    let f = m(p1) / (n * t(p1).powf(n));
    let rho = |phi: f64| A * f * t(phi).powf(n);
    let theta = n * (lon.to_radians() - l0);
    let r = rho(lat.to_radians());
    (700_000.0 + r * theta.sin(), 6_600_000.0 + rho(p0) - r * theta.cos())
}

/// Classes of a choropleth: upper bounds (exclusive) of all classes but the last.
#[derive(Debug, Clone)]
pub struct Classes {
    pub breaks: Vec<f64>,
    pub colors: Vec<RGBColor>,
    pub labels: Vec<String>,
}

/// ColorBrewer sequential and diverging schemes (colour-blind safe).
pub const BLUES: [RGBColor; 5] = [
    RGBColor(0xef, 0xf3, 0xff),
    RGBColor(0xbd, 0xd7, 0xe7),
    RGBColor(0x6b, 0xae, 0xd6),
    RGBColor(0x31, 0x82, 0xbd),
    RGBColor(0x08, 0x51, 0x9c),
];
pub const ORANGES: [RGBColor; 5] = [
    RGBColor(0xfe, 0xed, 0xde),
    RGBColor(0xfd, 0xbe, 0x85),
    RGBColor(0xfd, 0x8d, 0x3c),
    RGBColor(0xe6, 0x55, 0x0d),
    RGBColor(0xa6, 0x36, 0x03),
];
pub const MISSING: RGBColor = RGBColor(0xf2, 0xf2, 0xf2);
/// A change too small to matter (« stable »): neither better nor worse.
pub const STABLE: RGBColor = RGBColor(0xd4, 0xd4, 0xcc);
const HATCH_UNCERTAIN: RGBColor = RGBColor(0x40, 0x40, 0x40);
const INK: RGBColor = RGBColor(0x33, 0x33, 0x33);
const EDGE: RGBColor = RGBColor(0xff, 0xff, 0xff);

/// A function formatting a class bound for the legend.
pub type Format = fn(f64, usize) -> String;

impl Classes {
    /// Class of a value.
    pub fn index(&self, v: f64) -> usize {
        self.breaks.iter().position(|b| v < *b).unwrap_or(self.breaks.len())
    }

    /// Quantile classes (k classes with as many départements each as ties allow).
    pub fn quantiles(values: &[f64], palette: &[RGBColor], decimals: usize, format: Format) -> Classes {
        let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
        v.sort_by(f64::total_cmp);
        let k = palette.len();
        let mut breaks: Vec<f64> =
            (1..k).filter_map(|i| v.get(i * v.len() / k).copied()).map(|b| round_to(b, decimals)).collect();
        breaks.dedup_by(|a, b| (*a - *b).abs() < f64::EPSILON);
        Classes::fixed(&breaks, &palette[palette.len() - breaks.len() - 1..], decimals, format)
    }

    /// Classes from fixed bounds (e.g. 100 per 100,000).
    pub fn fixed(breaks: &[f64], palette: &[RGBColor], decimals: usize, format: Format) -> Classes {
        let n = breaks.len();
        let colors = palette[..n + 1].to_vec();
        let mut labels = Vec::with_capacity(n + 1);
        for i in 0..=n {
            labels.push(match (i.checked_sub(1).map(|j| breaks[j]), breaks.get(i)) {
                (None, Some(hi)) if *hi == 1.0 && decimals == 0 => "aucun (0)".to_string(),
                (None, Some(hi)) => format!("moins de {}", format(*hi, decimals)),
                (Some(lo), Some(hi)) => format!("de {} à moins de {}", format(lo, decimals), format(*hi, decimals)),
                (Some(lo), None) => format!("{} ou plus", format(lo, decimals)),
                (None, None) => "toutes valeurs".to_string(),
            });
        }
        Classes { breaks: breaks.to_vec(), colors, labels }
    }

    /// Diverging classes around 0 for changes: symmetric bounds from the largest change,
    /// coloured by polarity: blue where the indicator got better, orange where it got worse.
    pub fn diverging(values: &[f64], decimals: usize, format: Format, higher_is_better: bool) -> Classes {
        let max = values.iter().copied().filter(|x| x.is_finite()).fold(0.0f64, |m, x| m.max(x.abs()));
        let step = nice_step(max / 3.0);
        let breaks = [-2.0 * step, -step, 0.0, step, 2.0 * step];
        let (worse, better) = ([ORANGES[4], ORANGES[2], ORANGES[1]], [BLUES[1], BLUES[2], BLUES[4]]);
        let palette: Vec<RGBColor> = if higher_is_better {
            worse.iter().chain(better.iter()).copied().collect()
        } else {
            better.iter().rev().chain(worse.iter().rev()).copied().collect()
        };
        Classes::fixed(&breaks, &palette, decimals, format)
    }
}

fn round_to(x: f64, decimals: usize) -> f64 {
    let p = 10f64.powi(decimals as i32);
    (x * p).round() / p
}

/// 1, 2 or 5 times a power of ten, at least `x`.
fn nice_step(x: f64) -> f64 {
    if x <= 0.0 || !x.is_finite() {
        return 1.0;
    }
    let p = 10f64.powf(x.log10().floor());
    [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * p).find(|s| *s >= x).unwrap_or(10.0 * p)
}

/// What a map shows.
pub struct MapSpec {
    pub id: String,
    pub title: String,
    pub subtitle: String,
    pub source_line: String,
    pub values: BTreeMap<String, Option<f64>>,
    pub classes: Classes,
    pub missing_label: String,
    /// Changes marked on a change map: « stable » filled in a neutral colour, uncertain
    /// changes hatched over their colour.
    pub marks: BTreeMap<String, Mark>,
    /// A line under the legend's title (« bleu : amélioration… »).
    pub legend_note: Option<String>,
    /// Every value is synthetic demo data: a « DÉMO » mark is drawn over the map, so that
    /// a screenshot cannot pass for real figures.
    pub demo_mark: bool,
}

/// How a change map marks a département whose change is not a rise or a fall.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Stable,
    Uncertain,
}

pub const WIDTH: u32 = 1000;
pub const HEIGHT: u32 = 760;

/// A rectangle in pixels: x, y, width, height.
#[derive(Clone, Copy)]
struct Rect(f64, f64, f64, f64);

/// Maps rings into a rectangle, keeping the aspect ratio, centred.
fn fit(rings: &[&Ring], into: Rect) -> impl Fn((f64, f64)) -> (i32, i32) + use<> {
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for &(x, y) in rings.iter().flat_map(|r| r.iter()) {
        x0 = x0.min(x);
        y0 = y0.min(y);
        x1 = x1.max(x);
        y1 = y1.max(y);
    }
    let s = (into.2 / (x1 - x0).max(1e-9)).min(into.3 / (y1 - y0).max(1e-9));
    let ox = into.0 + (into.2 - (x1 - x0) * s) / 2.0;
    let oy = into.1 + (into.3 - (y1 - y0) * s) / 2.0;
    move |(x, y)| (((x - x0) * s + ox).round() as i32, ((y - y0) * s + oy).round() as i32)
}

/// The names of the overseas insets.
fn drom_name(code: &str) -> &'static str {
    match code {
        "971" => "Guadeloupe",
        "972" => "Martinique",
        "973" => "Guyane",
        "974" => "La Réunion",
        "976" => "Mayotte",
        _ => "",
    }
}

const PETITE_COURONNE: [&str; 4] = ["75", "92", "93", "94"];

/// Draws the map on any plotters backend; returns the département code of every polygon
/// drawn, in order (for the SVG annotations).
fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, spec: &MapSpec, geom: &MapGeometry) -> Result<Vec<String>>
where
    DB::ErrorType: 'static,
{
    let e = |x: DrawingAreaErrorKind<DB::ErrorType>| anyhow!("{x:?}");
    root.fill(&WHITE).map_err(e)?;
    let mut order = Vec::new();
    let title = (FONT, 22).into_font().style(FontStyle::Bold).color(&INK);
    root.draw_text(&spec.title, &title, (16, 12)).map_err(e)?;
    root.draw_text(&spec.subtitle, &(FONT, 14).into_font().color(&INK), (16, 40)).map_err(e)?;

    // Fill colour and hatching (colour, gap) of a département.
    let fill = |code: &str| -> (RGBColor, Option<(RGBColor, i32)>) {
        match (spec.values.get(code).copied().flatten(), spec.marks.get(code)) {
            (None, _) => (MISSING, Some((RGBColor(0x99, 0x99, 0x99), 6))),
            (Some(_), Some(Mark::Stable)) => (STABLE, None),
            (Some(v), Some(Mark::Uncertain)) => {
                (spec.classes.colors[spec.classes.index(v)], Some((HATCH_UNCERTAIN, 5)))
            }
            (Some(v), None) => (spec.classes.colors[spec.classes.index(v)], None),
        }
    };
    let shape =
        |code: &str, rings: &[Ring], tf: &dyn Fn((f64, f64)) -> (i32, i32), order: &mut Vec<String>| -> Result<()> {
            let (color, hatching) = fill(code);
            for ring in rings {
                let pts: Vec<(i32, i32)> = ring.iter().map(|&p| tf(p)).collect();
                root.draw(&Polygon::new(pts.clone(), color.filled())).map_err(e)?;
                order.push(code.to_string());
                if let Some((ink, gap)) = hatching {
                    for seg in hatch(&pts, gap) {
                        root.draw(&PathElement::new(seg, ink.stroke_width(1))).map_err(e)?;
                    }
                }
                let mut closed = pts.clone();
                if let Some(first) = pts.first() {
                    closed.push(*first);
                }
                root.draw(&PathElement::new(closed, EDGE.stroke_width(1))).map_err(e)?;
            }
            Ok(())
        };

    // Metropolitan France.
    let all: Vec<&Ring> = geom.metro.iter().flat_map(|(_, r)| r.iter()).collect();
    let main = Rect(190.0, 70.0, 570.0, 600.0);
    let tf = fit(&all, main);
    for (code, rings) in &geom.metro {
        shape(code, rings, &tf, &mut order)?;
    }

    // Overseas insets, always shown.
    let label = (FONT, 12).into_font().color(&INK);
    for (i, (code, rings)) in geom.drom.iter().enumerate() {
        let b = Rect(14.0, 74.0 + i as f64 * 112.0, 160.0, 88.0);
        root.draw(&Rectangle::new(
            [(b.0 as i32, b.1 as i32), ((b.0 + b.2) as i32, (b.1 + b.3 + 18.0) as i32)],
            RGBColor(0xbb, 0xbb, 0xbb).stroke_width(1),
        ))
        .map_err(e)?;
        root.draw_text(&format!("{} ({code})", drom_name(code)), &label, (b.0 as i32 + 4, (b.1 + b.3 + 3.0) as i32))
            .map_err(e)?;
        let inner = Rect(b.0 + 6.0, b.1 + 6.0, b.2 - 12.0, b.3 - 10.0);
        match rings {
            Some(rings) => {
                let refs: Vec<&Ring> = rings.iter().collect();
                let tf = fit(&refs, inner);
                shape(code, rings, &tf, &mut order)?;
            }
            None => {
                // A labelled tile: a square in the middle of the inset.
                let side = inner.3 * 0.8;
                let (x, y) = (inner.0 + (inner.2 - side) / 2.0, inner.1 + (inner.3 - side) / 2.0);
                let tile: Ring = vec![(x, y), (x + side, y), (x + side, y + side), (x, y + side)];
                shape(code, &[tile], &|(x, y)| (x.round() as i32, y.round() as i32), &mut order)?;
            }
        }
    }

    // Paris and the petite couronne, enlarged.
    let pc: Vec<&(String, Vec<Ring>)> =
        geom.metro.iter().filter(|(c, _)| PETITE_COURONNE.contains(&c.as_str())).collect();
    if !pc.is_empty() {
        let b = Rect(790.0, 74.0, 190.0, 150.0);
        root.draw(&Rectangle::new(
            [(b.0 as i32, b.1 as i32), ((b.0 + b.2) as i32, (b.1 + b.3 + 18.0) as i32)],
            RGBColor(0xbb, 0xbb, 0xbb).stroke_width(1),
        ))
        .map_err(e)?;
        root.draw_text("Paris et petite couronne", &label, (b.0 as i32 + 4, (b.1 + b.3 + 3.0) as i32)).map_err(e)?;
        let refs: Vec<&Ring> = pc.iter().flat_map(|(_, r)| r.iter()).collect();
        let tf = fit(&refs, Rect(b.0 + 8.0, b.1 + 8.0, b.2 - 16.0, b.3 - 12.0));
        for (code, rings) in pc {
            shape(code, rings, &tf, &mut order)?;
        }
    }

    // Legend.
    let lx = 790;
    let mut ly = 270;
    root.draw_text("Légende", &(FONT, 14).into_font().style(FontStyle::Bold).color(&INK), (lx, ly)).map_err(e)?;
    ly += 24;
    if let Some(note) = &spec.legend_note {
        for line in note.lines() {
            root.draw_text(line, &(FONT, 12).into_font().color(&INK), (lx, ly)).map_err(e)?;
            ly += 17;
        }
        ly += 6;
    }
    for (c, l) in spec.classes.colors.iter().zip(&spec.classes.labels).rev() {
        root.draw(&Rectangle::new([(lx, ly), (lx + 22, ly + 14)], c.filled())).map_err(e)?;
        root.draw(&Rectangle::new([(lx, ly), (lx + 22, ly + 14)], RGBColor(0x88, 0x88, 0x88).stroke_width(1)))
            .map_err(e)?;
        root.draw_text(l, &(FONT, 12).into_font().color(&INK), (lx + 30, ly + 1)).map_err(e)?;
        ly += 22;
    }
    let count = |m: Mark| {
        spec.marks.iter().filter(|(c, k)| **k == m && spec.values.get(*c).is_some_and(|v| v.is_some())).count()
    };
    let (stable, uncertain) = (count(Mark::Stable), count(Mark::Uncertain));
    let swatch_border = RGBColor(0x88, 0x88, 0x88).stroke_width(1);
    if stable > 0 {
        root.draw(&Rectangle::new([(lx, ly), (lx + 22, ly + 14)], STABLE.filled())).map_err(e)?;
        root.draw(&Rectangle::new([(lx, ly), (lx + 22, ly + 14)], swatch_border)).map_err(e)?;
        let label = format!("stable ({stable})");
        root.draw_text(&label, &(FONT, 12).into_font().color(&INK), (lx + 30, ly + 1)).map_err(e)?;
        ly += 22;
    }
    if uncertain > 0 {
        root.draw(&Rectangle::new([(lx, ly), (lx + 22, ly + 14)], WHITE.filled())).map_err(e)?;
        for seg in hatch(&[(lx, ly), (lx + 22, ly), (lx + 22, ly + 14), (lx, ly + 14)], 5) {
            root.draw(&PathElement::new(seg, HATCH_UNCERTAIN.stroke_width(1))).map_err(e)?;
        }
        root.draw(&Rectangle::new([(lx, ly), (lx + 22, ly + 14)], swatch_border)).map_err(e)?;
        let label = format!("évolution incertaine ({uncertain})");
        root.draw_text(&label, &(FONT, 12).into_font().color(&INK), (lx + 30, ly + 1)).map_err(e)?;
        ly += 22;
    }
    root.draw(&Rectangle::new([(lx, ly), (lx + 22, ly + 14)], MISSING.filled())).map_err(e)?;
    for seg in hatch(&[(lx, ly), (lx + 22, ly), (lx + 22, ly + 14), (lx, ly + 14)], 6) {
        root.draw(&PathElement::new(seg, RGBColor(0x99, 0x99, 0x99).stroke_width(1))).map_err(e)?;
    }
    root.draw(&Rectangle::new([(lx, ly), (lx + 22, ly + 14)], RGBColor(0x88, 0x88, 0x88).stroke_width(1)))
        .map_err(e)?;
    root.draw_text(&spec.missing_label, &(FONT, 12).into_font().color(&INK), (lx + 30, ly + 1)).map_err(e)?;

    if spec.demo_mark {
        let red = RGBColor(0xb0, 0x1c, 0x1c);
        let (x, y) = (lx, 600);
        root.draw(&Rectangle::new([(x - 8, y - 6), (x + 196, y + 88)], red.stroke_width(3))).map_err(e)?;
        root.draw_text("DÉMO", &(FONT, 52).into_font().style(FontStyle::Bold).color(&red), (x, y)).map_err(e)?;
        let note = (FONT, 13).into_font().color(&red);
        root.draw_text("données synthétiques,", &note, (x, y + 56)).map_err(e)?;
        root.draw_text("ne pas diffuser", &note, (x, y + 72)).map_err(e)?;
    }

    // Source and attribution.
    let small = (FONT, 11).into_font().color(&RGBColor(0x55, 0x55, 0x55));
    root.draw_text(&format!("Source : {}", spec.source_line), &small, (16, HEIGHT as i32 - 40)).map_err(e)?;
    root.draw_text(&geom.attribution, &small, (16, HEIGHT as i32 - 22)).map_err(e)?;
    Ok(order)
}

/// Diagonal hatching inside a polygon: segments of lines at 45° spaced `gap` pixels,
/// clipped with the even–odd rule.
pub fn hatch(poly: &[(i32, i32)], gap: i32) -> Vec<Vec<(i32, i32)>> {
    // In rotated coordinates u = x + y (constant along a 45° line), v = x − y.
    let pts: Vec<(f64, f64)> = poly.iter().map(|&(x, y)| (f64::from(x + y), f64::from(x - y))).collect();
    let (umin, umax) = pts.iter().fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let mut out = Vec::new();
    let mut u = (umin / f64::from(gap)).ceil() * f64::from(gap);
    while u <= umax {
        let mut vs = Vec::new();
        for i in 0..pts.len() {
            let (a, b) = (pts[i], pts[(i + 1) % pts.len()]);
            if (a.0 <= u && b.0 > u) || (b.0 <= u && a.0 > u) {
                vs.push(a.1 + (u - a.0) / (b.0 - a.0) * (b.1 - a.1));
            }
        }
        vs.sort_by(f64::total_cmp);
        for pair in vs.chunks(2) {
            if let [v0, v1] = pair {
                let p = |v: f64| (((u + v) / 2.0).round() as i32, ((u - v) / 2.0).round() as i32);
                out.push(vec![p(*v0), p(*v1)]);
            }
        }
        u += f64::from(gap);
    }
    out
}

/// A rendered map: SVG text (with `data-code` and a `<title>` on every département's
/// polygon) and PNG bytes.
pub struct RenderedMap {
    pub svg: String,
    pub png: Vec<u8>,
}

pub fn render(spec: &MapSpec, geom: &MapGeometry) -> Result<RenderedMap> {
    register_fonts();
    let mut svg = String::new();
    let order = {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        let order = draw(&root, spec, geom)?;
        root.present().map_err(|e| anyhow!("{e:?}"))?;
        order
    };
    let svg = fmt::publish_svg(&annotate(&svg, &order, spec)?);
    let png = super::svg::svg_to_png(&svg, 1.5)?;
    Ok(RenderedMap { svg, png })
}

/// Adds `data-code` and a `<title>` (name and value) to each département polygon.
fn annotate(svg: &str, order: &[String], spec: &MapSpec) -> Result<String> {
    let geo = Geography::get();
    let mut out = String::with_capacity(svg.len() + order.len() * 64);
    let mut rest = svg;
    for code in order {
        let i = rest.find("<polygon").context("fewer polygons than drawn")?;
        let end = rest[i..].find("/>").context("unterminated polygon")? + i;
        out.push_str(&rest[..i]);
        let name = geo.departement(code).map(|d| d.name.as_str()).unwrap_or("");
        let value =
            spec.values.get(code).copied().flatten().map_or_else(|| spec.missing_label.clone(), |v| fmt::number(v, 1));
        out.push_str(&format!("<polygon data-code=\"{code}\"{}>", &rest[i + 8..end]));
        out.push_str(&format!("<title>{} ({code}) : {}</title></polygon>", escape(name), escape(&value)));
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::lambert93;

    /// Reference points projected by PROJ 9 (pyproj, EPSG:4326 → EPSG:2154, 2026-12-02).
    #[test]
    fn lambert93_matches_proj_within_a_millimetre() {
        let reference = [
            ((3.0, 46.5), (700_000.000, 6_600_000.000)),
            ((2.3522, 48.8566), (652_469.023, 6_862_035.259)),
            ((-4.4861, 48.3904), (146_632.979, 6_836_262.327)),
            ((7.262, 43.7102), (1_043_410.160, 6_299_400.043)),
            ((9.45, 42.7), (1_228_546.045, 6_199_420.644)),
            ((5.3698, 43.2965), (892_390.222, 6_247_035.257)),
            ((7.7521, 48.5734), (1_050_362.695, 6_840_899.647)),
        ];
        for ((lon, lat), (x, y)) in reference {
            let (px, py) = lambert93(lon, lat);
            assert!(
                (px - x).abs() < 0.001 && (py - y).abs() < 0.001,
                "({lon}, {lat}): ({px}, {py}) against ({x}, {y})"
            );
        }
    }
}
