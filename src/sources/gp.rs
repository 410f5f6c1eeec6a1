//! General practitioners in activity at 1 January, by département and year
//! (`generalistes.csv`: `code_departement, annee, effectif`).

use anyhow::Result;

use crate::geo::Geography;
use crate::validate::{Checker, Count};

use super::{DataSource, check};

pub const FILE: &str = "generalistes.csv";

#[derive(Debug, Clone, PartialEq)]
pub struct GpRow {
    pub dept: String,
    pub year: i32,
    /// `None` when withheld at source ("ND": fewer than 10).
    pub count: Option<u64>,
}

pub fn load(src: &DataSource, geo: &Geography, years: &[i32]) -> Result<Vec<GpRow>> {
    let table = src.table(FILE)?;
    let mut c = Checker::new(&table);
    let (Some(cd), Some(cy), Some(ce)) = (c.column("code_departement"), c.column("annee"), c.column("effectif")) else {
        check(c.finish())?;
        return Ok(Vec::new());
    };
    let mut rows = Vec::new();
    let mut keys = Vec::new();
    for row in &table.rows {
        let (d, y, e) = (c.dept(row, cd, geo), c.year(row, cy), c.count_or_withheld(row, ce));
        if let (Some(dept), Some(year), Some(count)) = (d, y, e) {
            keys.push(((dept.clone(), year), row));
            let count = match count {
                Count::Value(v) => Some(v),
                Count::Withheld => None,
            };
            rows.push(GpRow { dept, year, count });
        }
    }
    c.unique(keys, cd, "département and year");
    complete(&mut c, geo, years, rows.iter().map(|r| (r.dept.as_str(), r.year)));
    check(c.finish())?;
    Ok(rows)
}

/// Every département must be present for every year the edition needs.
pub fn complete<'a>(c: &mut Checker, geo: &Geography, years: &[i32], present: impl Iterator<Item = (&'a str, i32)>) {
    let have: std::collections::BTreeSet<(&str, i32)> = present.collect();
    for &year in years {
        let missing: Vec<&str> =
            geo.departements.iter().map(|d| d.code.as_str()).filter(|code| !have.contains(&(*code, year))).collect();
        if !missing.is_empty() {
            c.table_problem(format!("a row for every département in {year}; missing: {}", missing.join(", ")));
        }
    }
}
