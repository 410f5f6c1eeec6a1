//! The map of a département's intercommunalités on its page, when the data has the EPCI
//! contours: each EPCI shaded by its GP density (classes of all the EPCI of France, so
//! that colours compare between départements), numbered by its rank in the département
//! (the ranked table below the map), linked to its page, zones rouges outlined in red.
//!
//! Drawn by hand as inline SVG with the locator's paths (integer coordinates in tenths
//! of a pixel, points closer than a pixel dropped), Lambert-93 for metropolitan France and a local equirectangular
//! projection overseas, like the maps of the edition.

use std::fmt::Write as _;

use serde::Serialize;

use crate::epci::EpciLevel;
use crate::fmt;
use crate::geo::{Geography, Zone};
use crate::sources::contours::Ring;
use crate::sources::contours_epci::EpciContours;

use super::locator::{escape, path};
use super::maps::{BLUES, CONTOURS_ATTRIBUTION, Classes, MISSING, lambert93};

pub const WIDTH: f64 = 640.0;
const MAX_HEIGHT: f64 = 560.0;
const MARGIN: f64 = 6.0;
const ZONE_ROUGE: &str = "#c0392b";

/// A drawn map with its legend.
#[derive(Debug, Serialize)]
pub struct EpciMap {
    /// Inline SVG (names escaped).
    pub svg: String,
    /// (colour, label) of each class, lightest first.
    pub legend: Vec<(String, String)>,
    pub has_zones_rouges: bool,
    pub attribution: String,
}

/// The classes of density shared by every département's map.
pub struct EpciMaps<'a> {
    level: &'a EpciLevel,
    contours: &'a EpciContours,
    classes: Classes,
}

fn hex(c: plotters::style::RGBColor) -> String {
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

/// Twice the signed area and the centroid of a ring (shoelace).
fn area_centroid(r: &[(f64, f64)]) -> (f64, (f64, f64)) {
    let (mut a, mut cx, mut cy) = (0.0, 0.0, 0.0);
    for i in 0..r.len() {
        let (x0, y0) = r[i];
        let (x1, y1) = r[(i + 1) % r.len()];
        let k = x0 * y1 - x1 * y0;
        a += k;
        cx += (x0 + x1) * k;
        cy += (y0 + y1) * k;
    }
    if a.abs() < 1e-12 {
        let n = r.len().max(1) as f64;
        return (0.0, (r.iter().map(|p| p.0).sum::<f64>() / n, r.iter().map(|p| p.1).sum::<f64>() / n));
    }
    (a, (cx / (3.0 * a), cy / (3.0 * a)))
}

impl<'a> EpciMaps<'a> {
    pub fn new(level: &'a EpciLevel, contours: &'a EpciContours) -> EpciMaps<'a> {
        let densities: Vec<f64> = level.rows.iter().filter_map(|r| r.area.density).collect();
        let classes = Classes::quantiles(&densities, &BLUES, 0, fmt::number);
        EpciMaps { level, contours, classes }
    }

    /// The map of a département's EPCI; `None` when one of them has no contour (the page
    /// then shows the ranked table only).
    pub fn departement(&self, dept: &str) -> Option<EpciMap> {
        let rows = self.level.of_departement(dept);
        if rows.is_empty() {
            return None;
        }
        let shapes: Vec<_> =
            rows.iter().map(|r| self.contours.get(&r.siren).map(|s| (*r, s))).collect::<Option<_>>()?;
        let geo = Geography::get();
        let overseas = geo.departement(dept).is_some_and(|d| d.zone == Zone::Drom);
        // Overseas: longitude scaled by the cosine of the mean latitude.
        let k = overseas.then(|| {
            let lats: Vec<f64> = shapes.iter().flat_map(|(_, s)| s.rings.iter().flatten().map(|p| p.1)).collect();
            (lats.iter().sum::<f64>() / lats.len().max(1) as f64).to_radians().cos()
        });
        let project = |(lon, lat): (f64, f64)| match k {
            Some(k) => (lon * k, -lat),
            None => {
                let (x, y) = lambert93(lon, lat);
                (x, -y)
            }
        };
        let projected: Vec<Vec<Ring>> = shapes
            .iter()
            .map(|(_, s)| s.rings.iter().map(|r| r.iter().map(|&p| project(p)).collect()).collect())
            .collect();
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for &(x, y) in projected.iter().flatten().flatten() {
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
        }
        let s = ((WIDTH - 2.0 * MARGIN) / (x1 - x0).max(1e-9)).min((MAX_HEIGHT - 2.0 * MARGIN) / (y1 - y0).max(1e-9));
        let height = ((y1 - y0) * s + 2.0 * MARGIN).ceil();
        let ox = (WIDTH - (x1 - x0) * s) / 2.0;
        let tf = |(x, y): (f64, f64)| -> (i64, i64) {
            ((((x - x0) * s + ox) * 10.0).round() as i64, (((y - y0) * s + MARGIN) * 10.0).round() as i64)
        };
        let name = geo.departement(dept).map(|d| d.name.clone()).unwrap_or_default();
        let mut svg = String::new();
        let _ = write!(
            svg,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} {}\" width=\"{WIDTH}\" height=\"{height}\" role=\"group\" aria-label=\"{}\" font-family=\"Inter, sans-serif\">",
            WIDTH * 10.0,
            height * 10.0,
            escape(&format!("Carte des intercommunalités : {name}, densité de généralistes"))
        );
        svg.push_str("<g stroke=\"#ffffff\" stroke-width=\"8\" stroke-linejoin=\"round\">");
        let mut outlines = String::new();
        let mut labels = String::new();
        for ((r, _), rings) in shapes.iter().zip(&projected) {
            let (d, _) = path(rings, &tf);
            let fill = r.area.density.map(|v| self.classes.colors[self.classes.index(v)]).unwrap_or(MISSING);
            let density = r.area.density.map(|v| fmt::number(v, 0)).unwrap_or_else(|| "n.d.".into());
            let label = format!(
                "{} ({} du département) : {density} généralistes pour {} habitants{}",
                r.name,
                fmt::ordinal(r.rank_dept),
                fmt::number(100_000.0, 0),
                if r.zone_rouge { ", zone rouge" } else { "" }
            );
            let label = escape(&fmt::typo(&label));
            let _ = write!(
                svg,
                "<a href=\"../epci/{}.html\" aria-label=\"{label}\"><path data-siren=\"{}\" fill=\"{}\" d=\"{d}\"><title>{label}</title></path></a>",
                r.siren,
                r.siren,
                hex(fill)
            );
            if r.zone_rouge {
                let _ = write!(outlines, "<path data-zone-rouge=\"{}\" d=\"{d}\"/>", r.siren);
            }
            // The rank at the centroid of the largest polygon.
            if let Some((_, (cx, cy))) =
                rings.iter().map(|ring| area_centroid(ring)).max_by(|a, b| a.0.abs().total_cmp(&b.0.abs()))
            {
                let (x, y) = tf((cx, cy));
                let _ = write!(labels, "<text x=\"{x}\" y=\"{}\">{}</text>", y + 78, r.rank_dept);
            }
        }
        svg.push_str("</g>");
        if !outlines.is_empty() {
            let _ = write!(
                svg,
                "<g fill=\"none\" stroke=\"{ZONE_ROUGE}\" stroke-width=\"26\" stroke-linejoin=\"round\" pointer-events=\"none\">{outlines}</g>"
            );
        }
        let _ = write!(
            svg,
            "<g font-size=\"220\" font-weight=\"600\" text-anchor=\"middle\" fill=\"#1a1a1a\" stroke=\"#ffffff\" stroke-width=\"40\" paint-order=\"stroke\" pointer-events=\"none\" aria-hidden=\"true\">{labels}</g></svg>"
        );
        let legend =
            self.classes.colors.iter().zip(&self.classes.labels).map(|(c, l)| (hex(*c), fmt::typo(l))).collect();
        Some(EpciMap {
            svg,
            legend,
            has_zones_rouges: shapes.iter().any(|(r, _)| r.zone_rouge),
            attribution: CONTOURS_ATTRIBUTION.to_string(),
        })
    }
}
