//! EPCI contours (Etalab, *contours administratifs*, `epci-100m.geojson`: a GeoJSON
//! FeatureCollection in WGS84 longitude/latitude, one feature per EPCI with its SIREN in
//! `code` and its name in `nom`, a Polygon or MultiPolygon geometry).
//!
//! The coordinates are read straight into compact rings (no JSON tree of the whole file:
//! the 100 m file of all 1,255 EPCI holds a few million points). A feature whose SIREN is
//! not in the reference geography (the contours of another year) is set aside and reported
//! in `checks.md`, not an error: the département maps that need it fall back to the list.

use std::collections::BTreeSet;
use std::fmt;

use anyhow::Result;
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, SeqAccess, Visitor};
use serde_json::Value;

use crate::error::{DataError, Problem};
use crate::geo::Geography;

use super::contours::Ring;
use super::{Located, check};

pub const ID: &str = "contours-epci";

/// One EPCI's outline: its polygons' outer rings, in (longitude, latitude).
#[derive(Debug, Clone)]
pub struct EpciShape {
    pub siren: String,
    pub rings: Vec<Ring>,
}

#[derive(Debug, Clone, Default)]
pub struct EpciContours {
    /// By SIREN.
    pub shapes: Vec<EpciShape>,
    /// SIRENs of the file not in the reference geography (another year's EPCI).
    pub unknown: Vec<String>,
}

impl EpciContours {
    pub fn get(&self, siren: &str) -> Option<&EpciShape> {
        self.shapes.binary_search_by(|s| s.siren.as_str().cmp(siren)).ok().map(|i| &self.shapes[i])
    }
}

#[derive(Deserialize)]
struct Collection {
    features: Option<Vec<Feature>>,
}

#[derive(Deserialize)]
struct Feature {
    properties: Option<serde_json::Map<String, Value>>,
    geometry: Option<Geometry>,
}

#[derive(Deserialize)]
struct Geometry {
    #[serde(rename = "type")]
    kind: Option<String>,
    coordinates: Option<Coords>,
}

/// Nested coordinate arrays, read without a JSON tree: a position is two numbers (any
/// third, the altitude, is skipped).
enum Coords {
    Number(f64),
    Point(f64, f64),
    List(Vec<Coords>),
}

impl<'de> Deserialize<'de> for Coords {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Coords;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("GeoJSON coordinates (nested arrays of numbers)")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Coords, E> {
                Ok(Coords::Number(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Coords, E> {
                Ok(Coords::Number(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Coords, E> {
                Ok(Coords::Number(v as f64))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Coords, A::Error> {
                let Some(first) = seq.next_element::<Coords>()? else { return Ok(Coords::List(Vec::new())) };
                if let Coords::Number(x) = first {
                    let y = match seq.next_element::<Coords>()? {
                        Some(Coords::Number(y)) => y,
                        _ => return Err(de::Error::custom("a position of two numbers")),
                    };
                    while seq.next_element::<IgnoredAny>()?.is_some() {}
                    return Ok(Coords::Point(x, y));
                }
                let mut items = vec![first];
                while let Some(c) = seq.next_element::<Coords>()? {
                    items.push(c);
                }
                Ok(Coords::List(items))
            }
        }
        d.deserialize_any(V)
    }
}

/// A ring: a list of at least 3 finite positions within longitude/latitude bounds.
fn ring(c: &Coords) -> Option<Ring> {
    let Coords::List(points) = c else { return None };
    let r: Option<Ring> = points
        .iter()
        .map(|p| match p {
            Coords::Point(x, y) if x.is_finite() && y.is_finite() && x.abs() <= 180.0 && y.abs() <= 90.0 => {
                Some((*x, *y))
            }
            _ => None,
        })
        .collect();
    r.filter(|r| r.len() >= 3)
}

/// The outer ring of a polygon (its holes are not drawn: an EPCI's enclaves are other EPCI).
fn outer(c: &Coords) -> Option<Ring> {
    match c {
        Coords::List(rings) => rings.first().and_then(ring),
        _ => None,
    }
}

pub fn parse(located: Located, geo: &Geography) -> Result<EpciContours> {
    let file = located.display.as_str();
    let fc: Collection = serde_json::from_slice(&located.bytes).map_err(|e| {
        DataError::Invalid(vec![Problem {
            row: Some(e.line()),
            column: Some(format!("column {}", e.column())),
            ..Problem::file(file, format!("a GeoJSON FeatureCollection of EPCI contours ({e})"))
        }])
    })?;
    let Some(features) = fc.features else {
        return Err(DataError::Invalid(vec![Problem::file(file, "a GeoJSON FeatureCollection with `features`")]).into());
    };
    let known: BTreeSet<&str> = geo.epci.iter().map(|e| e.siren.as_str()).collect();
    let mut problems = Vec::new();
    let mut out = EpciContours::default();
    let mut seen = BTreeSet::new();
    for (i, f) in features.iter().enumerate() {
        let at = |expected: &str, value: Option<String>| Problem {
            column: Some(format!("features[{i}]")),
            value,
            ..Problem::file(file, expected)
        };
        let code = ["code", "siren", "SIREN_EPCI", "code_siren"]
            .iter()
            .find_map(|k| f.properties.as_ref().and_then(|p| p.get(*k)))
            .map(|c| match c {
                Value::String(s) => s.trim().to_string(),
                other => other.to_string(),
            });
        let Some(siren) = code else {
            problems.push(at("a `code` property (the EPCI's SIREN)", None));
            continue;
        };
        if siren.len() != 9 || !siren.bytes().all(|b| b.is_ascii_digit()) {
            problems.push(at("a SIREN of 9 digits in `code`", Some(siren)));
            continue;
        }
        if !seen.insert(siren.clone()) {
            problems.push(at("one feature per EPCI", Some(siren)));
            continue;
        }
        let rings = match f.geometry.as_ref().map(|g| (g.kind.as_deref(), g.coordinates.as_ref())) {
            Some((Some("Polygon"), Some(c))) => outer(c).map(|r| vec![r]),
            Some((Some("MultiPolygon"), Some(Coords::List(ps)))) => ps.iter().map(outer).collect(),
            _ => None,
        };
        let Some(rings) = rings.filter(|r| !r.is_empty()) else {
            problems.push(at("a Polygon or MultiPolygon geometry with finite longitude/latitude", Some(siren)));
            continue;
        };
        if known.contains(siren.as_str()) {
            out.shapes.push(EpciShape { siren, rings });
        } else {
            out.unknown.push(siren);
        }
    }
    if features.is_empty() {
        problems.push(Problem::file(file, "at least one EPCI feature"));
    }
    check(if problems.is_empty() { Ok(()) } else { Err(problems) })?;
    out.shapes.sort_by(|a, b| a.siren.cmp(&b.siren));
    out.unknown.sort();
    Ok(out)
}
