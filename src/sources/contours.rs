//! Département contours (IGN Admin Express via Etalab, GeoJSON FeatureCollection in
//! WGS84 longitude/latitude): one feature per département with a `code` property and a
//! Polygon or MultiPolygon geometry.

use std::collections::BTreeSet;

use anyhow::Result;
use serde_json::Value;

use crate::error::{DataError, Problem};
use crate::geo::Geography;

use super::{Located, check};

pub const ID: &str = "contours";

/// A ring of (longitude, latitude) points.
pub type Ring = Vec<(f64, f64)>;

#[derive(Debug, Clone)]
pub struct Shape {
    pub code: String,
    pub name: String,
    /// Polygons, each an outer ring followed by its holes.
    pub polygons: Vec<Vec<Ring>>,
}

#[derive(Debug, Clone)]
pub struct Contours {
    pub shapes: Vec<Shape>,
}

pub fn parse(located: Located, geo: &Geography) -> Result<Contours> {
    let file = located.display.as_str();
    let v: Value = serde_json::from_slice(&located.bytes).map_err(|e| {
        DataError::Invalid(vec![Problem { row: Some(e.line()), ..Problem::file(file, format!("valid GeoJSON ({e})")) }])
    })?;
    let Some(features) = v.get("features").and_then(Value::as_array) else {
        return Err(DataError::Invalid(vec![Problem::file(file, "a GeoJSON FeatureCollection with `features`")]).into());
    };
    let mut problems = Vec::new();
    let mut shapes = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, f) in features.iter().enumerate() {
        let at = |expected: String, value: Option<String>| Problem {
            column: Some(format!("features[{i}]")),
            value,
            ..Problem::file(file, expected)
        };
        let props = f.get("properties");
        let raw_code = ["code", "code_insee", "INSEE_DEP", "code_departement"]
            .iter()
            .find_map(|k| props.and_then(|p| p.get(*k)))
            .map(|c| match c {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            });
        let Some(raw_code) = raw_code else {
            problems.push(at("a `code` property".into(), None));
            continue;
        };
        let code = match geo.normalize_dept(&raw_code) {
            Ok(c) => c,
            Err(why) => {
                problems.push(at(why, Some(raw_code)));
                continue;
            }
        };
        if !seen.insert(code.clone()) {
            problems.push(at("one feature per département".into(), Some(raw_code)));
            continue;
        }
        let name = props.and_then(|p| p.get("nom")).and_then(Value::as_str).unwrap_or("").to_string();
        let geom = f.get("geometry");
        let kind = geom.and_then(|g| g.get("type")).and_then(Value::as_str).unwrap_or("");
        let coords = geom.and_then(|g| g.get("coordinates"));
        let polygons = match (kind, coords) {
            ("Polygon", Some(c)) => polygon(c).map(|p| vec![p]),
            ("MultiPolygon", Some(Value::Array(ps))) => ps.iter().map(polygon).collect(),
            _ => None,
        };
        match polygons {
            Some(polygons) if !polygons.is_empty() => shapes.push(Shape { code, name, polygons }),
            _ => problems.push(at("a Polygon or MultiPolygon geometry with finite coordinates".into(), Some(raw_code))),
        }
    }
    let missing: Vec<&str> = geo.departements.iter().map(|d| d.code.as_str()).filter(|c| !seen.contains(*c)).collect();
    if !missing.is_empty() {
        problems.push(Problem::file(file, format!("a feature for every département; missing: {}", missing.join(", "))));
    }
    check(if problems.is_empty() { Ok(()) } else { Err(problems) })?;
    shapes.sort_by_key(|s| geo.dept_position(&s.code));
    Ok(Contours { shapes })
}

fn polygon(v: &Value) -> Option<Vec<Ring>> {
    v.as_array()?
        .iter()
        .map(|ring| {
            ring.as_array()?
                .iter()
                .map(|pt| {
                    let p = pt.as_array()?;
                    let (x, y) = (p.first()?.as_f64()?, p.get(1)?.as_f64()?);
                    (x.is_finite() && y.is_finite() && x.abs() <= 180.0 && y.abs() <= 90.0).then_some((x, y))
                })
                .collect::<Option<Ring>>()
                .filter(|r| r.len() >= 3)
        })
        .collect()
}
