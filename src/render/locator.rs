//! Locator maps for the fiches: France with one département highlighted, the overseas
//! départements always shown in a row of insets below.
//!
//! Drawn by hand as a compact SVG (integer coordinates, paths computed once per build and
//! shared by the 101 fiches), inlined in the HTML pages and handed to typst as data.

use std::fmt::Write as _;

use super::maps::{DROM, MapGeometry, Ring};

pub const WIDTH: f64 = 200.0;
pub const HEIGHT: f64 = 222.0;
const METRO_HEIGHT: f64 = 176.0;

const BASE: &str = "#dfe4ea";
const EDGE: &str = "#ffffff";
const HIGHLIGHT: &str = "#c0392b";

/// The paths of every département, fitted once.
pub struct Locator {
    /// Code, path, bounding box (tenths of a pixel).
    shapes: Vec<(String, String, [i64; 4])>,
    tiles: Vec<(String, f64, f64, f64)>,
}

fn bounds<'a>(rings: impl Iterator<Item = &'a Ring>) -> (f64, f64, f64, f64) {
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for &(x, y) in rings.flat_map(|r| r.iter()) {
        x0 = x0.min(x);
        y0 = y0.min(y);
        x1 = x1.max(x);
        y1 = y1.max(y);
    }
    (x0, y0, x1, y1)
}

/// A path `d` attribute for rings mapped by `tf` (tenths of a pixel), dropping points
/// closer than a pixel to the last one kept: a locator needs no finer outline, and typst
/// parses this SVG once per fiche.
pub(super) fn path(rings: &[Ring], tf: &dyn Fn((f64, f64)) -> (i64, i64)) -> (String, [i64; 4]) {
    let mut d = String::new();
    let mut bbox = [i64::MAX, i64::MAX, i64::MIN, i64::MIN];
    for ring in rings {
        let mut last: Option<(i64, i64)> = None;
        let mut n = 0;
        for &p in ring {
            let q = tf(p);
            if last.is_some_and(|l| (l.0 - q.0).abs().max((l.1 - q.1).abs()) < 10) {
                continue;
            }
            let _ = write!(d, "{}{} {}", if n == 0 { "M" } else { "L" }, q.0, q.1);
            bbox = [bbox[0].min(q.0), bbox[1].min(q.1), bbox[2].max(q.0), bbox[3].max(q.1)];
            last = Some(q);
            n += 1;
        }
        if n > 0 {
            d.push('Z');
        }
    }
    (d, bbox)
}

impl Locator {
    pub fn new(geom: &MapGeometry) -> Locator {
        // Coordinates in tenths of a pixel (integers), scaled back by the SVG's viewBox.
        let (x0, y0, x1, y1) = bounds(geom.metro.iter().flat_map(|(_, r)| r.iter()));
        let s = ((WIDTH - 8.0) / (x1 - x0).max(1e-9)).min((METRO_HEIGHT - 8.0) / (y1 - y0).max(1e-9));
        let ox = (WIDTH - (x1 - x0) * s) / 2.0;
        let oy = 4.0 + (METRO_HEIGHT - 8.0 - (y1 - y0) * s) / 2.0;
        let tf = move |(x, y): (f64, f64)| {
            ((((x - x0) * s + ox) * 10.0).round() as i64, (((y - y0) * s + oy) * 10.0).round() as i64)
        };
        let mut shapes: Vec<(String, String, [i64; 4])> = geom
            .metro
            .iter()
            .map(|(code, rings)| {
                let (d, b) = path(rings, &tf);
                (code.clone(), d, b)
            })
            .collect();
        let mut tiles = Vec::new();
        let side = 30.0;
        let gap = (WIDTH - 5.0 * side) / 6.0;
        for (i, code) in DROM.iter().enumerate() {
            let bx = gap + i as f64 * (side + gap);
            let by = METRO_HEIGHT + 4.0;
            let rings = geom.drom.iter().find(|(c, _)| c == code).and_then(|(_, r)| r.as_ref());
            match rings {
                Some(rings) if !rings.is_empty() => {
                    let (a0, b0, a1, b1) = bounds(rings.iter());
                    let k = (side / (a1 - a0).max(1e-9)).min(side / (b1 - b0).max(1e-9));
                    let (px, py) = (bx + (side - (a1 - a0) * k) / 2.0, by + (side - (b1 - b0) * k) / 2.0);
                    let tf = move |(x, y): (f64, f64)| {
                        ((((x - a0) * k + px) * 10.0).round() as i64, (((y - b0) * k + py) * 10.0).round() as i64)
                    };
                    let (d, b) = path(rings, &tf);
                    shapes.push((code.to_string(), d, b));
                }
                _ => tiles.push((code.to_string(), bx * 10.0, by * 10.0, side * 10.0)),
            }
        }
        Locator { shapes, tiles }
    }

    /// Only the highlighted département (and its circle when tiny), on a transparent
    /// background of the same size: laid over the map with nothing highlighted
    /// (`svg("", …)`), which is then the same image for every fiche, decoded once by typst.
    pub fn overlay(&self, code: &str) -> String {
        let full = self.svg(code, "");
        // Keep the document element and the highlighted shapes, drop the rest.
        let mut s = String::with_capacity(8 * 1024);
        let _ = write!(
            s,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} {}\" width=\"{WIDTH}\" height=\"{HEIGHT}\"><g stroke-width=\"6\" stroke-linejoin=\"round\">",
            WIDTH * 10.0,
            HEIGHT * 10.0
        );
        for el in full.split_inclusive("/>") {
            let el = el.trim_start_matches(|c| c != '<');
            let el = el.split("</text>").last().unwrap_or(el).trim_start_matches(|c| c != '<');
            if el.contains(&format!("fill=\"{HIGHLIGHT}\"")) || el.starts_with("<circle") {
                s.push_str(el);
            }
        }
        s.push_str("</g></svg>");
        s
    }

    /// The locator of one département, as a standalone SVG document. `title` is the
    /// accessible name (escaped here).
    pub fn svg(&self, code: &str, title: &str) -> String {
        let mut s = String::with_capacity(64 * 1024);
        let _ = write!(
            s,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} {}\" width=\"{WIDTH}\" height=\"{HEIGHT}\" role=\"img\" aria-labelledby=\"loc-titre\"><title id=\"loc-titre\">{}</title><g fill=\"{BASE}\" stroke=\"{EDGE}\" stroke-width=\"6\" stroke-linejoin=\"round\">",
            WIDTH * 10.0,
            HEIGHT * 10.0,
            escape(title)
        );
        let mut highlighted = String::new();
        let mut ring = String::new();
        for (c, d, b) in &self.shapes {
            let el = format!("<path data-code=\"{c}\" d=\"{d}\"/>");
            if c == code {
                highlighted = el;
                // A département a few pixels wide (Paris, its petite couronne) is circled.
                if (b[2] - b[0]).max(b[3] - b[1]) < 80 {
                    ring = format!(
                        "<circle cx=\"{}\" cy=\"{}\" r=\"90\" fill=\"none\" stroke=\"{HIGHLIGHT}\" stroke-width=\"18\"/>",
                        (b[0] + b[2]) / 2,
                        (b[1] + b[3]) / 2
                    );
                }
            } else {
                s.push_str(&el);
            }
        }
        for (c, x, y, side) in &self.tiles {
            let fill = if c == code { HIGHLIGHT } else { BASE };
            let _ = write!(
                s,
                "<rect data-code=\"{c}\" x=\"{x:.0}\" y=\"{y:.0}\" width=\"{side}\" height=\"{side}\" fill=\"{fill}\"/>"
            );
        }
        // The overseas départements are named by their codes under their insets.
        for (i, c) in DROM.iter().enumerate() {
            let side = 30.0;
            let gap = (WIDTH - 5.0 * side) / 6.0;
            let x = (gap + i as f64 * (side + gap) + side / 2.0) * 10.0;
            let _ = write!(
                s,
                "<text x=\"{x:.0}\" y=\"{:.0}\" font-family=\"Inter\" font-size=\"80\" fill=\"#555555\" stroke=\"none\" text-anchor=\"middle\">{c}</text>",
                (HEIGHT - 1.0) * 10.0
            );
        }
        // Drawn last so that its outline is on top. One style for the others, as
        // attributes of the group (typst's SVG reader ignores CSS classes).
        if !highlighted.is_empty() {
            s.push_str(&highlighted.replacen("\" d=", &format!("\" fill=\"{HIGHLIGHT}\" stroke=\"#7b241c\" d="), 1));
        }
        s.push_str(&ring);
        s.push_str("</g></svg>");
        s
    }
}

pub(super) fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlights_one_departement_and_shows_every_overseas_one() {
        let loc = Locator::new(MapGeometry::embedded());
        let svg = loc.svg("23", "Creuse <dans> la France");
        let doc = roxmltree::Document::parse(&svg).expect("valid SVG");
        let coded: Vec<_> = doc.descendants().filter(|n| n.attribute("data-code").is_some()).collect();
        assert_eq!(coded.len(), 101, "96 metropolitan shapes and 5 overseas insets");
        let red: Vec<_> = coded.iter().filter(|n| n.attribute("fill") == Some(HIGHLIGHT)).collect();
        assert_eq!(red.len(), 1);
        assert_eq!(red[0].attribute("data-code"), Some("23"));
        assert!(svg.contains("Creuse &lt;dans&gt; la France"));
        let over = loc.overlay("23");
        let doc = roxmltree::Document::parse(&over).expect("valid SVG");
        let shapes: Vec<_> = doc.descendants().filter(|n| n.attribute("data-code").is_some()).collect();
        assert_eq!(shapes.len(), 1, "{over}");
        assert_eq!(shapes[0].attribute("data-code"), Some("23"));
        assert!(
            roxmltree::Document::parse(&loc.overlay("75"))
                .expect("SVG")
                .descendants()
                .any(|n| n.has_tag_name("circle"))
        );
        assert!(loc.overlay("971").contains("data-code=\"971\""));
        let svg = loc.svg("976", "Mayotte");
        // Mayotte is drawn as its outline (a path), not as a tile.
        let doc = roxmltree::Document::parse(&svg).expect("valid SVG");
        let mayotte = doc.descendants().find(|n| n.attribute("data-code") == Some("976")).expect("976");
        assert!(mayotte.has_tag_name("path") && mayotte.attribute("fill") == Some(HIGHLIGHT), "{svg}");
    }
}
