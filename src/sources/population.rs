//! Population at 1 January by département and year
//! (`population.csv`: `code_departement, annee, population[, source]`).

use anyhow::Result;

use crate::geo::Geography;
use crate::validate::Checker;

use super::{DataSource, check, gp::complete};

pub const FILE: &str = "population.csv";

#[derive(Debug, Clone, PartialEq)]
pub struct PopRow {
    pub dept: String,
    pub year: i32,
    pub population: u64,
}

pub fn load(src: &DataSource, geo: &Geography, years: &[i32]) -> Result<Vec<PopRow>> {
    let table = src.table(FILE)?;
    let mut c = Checker::new(&table);
    let (Some(cd), Some(cy), Some(cp)) = (c.column("code_departement"), c.column("annee"), c.column("population"))
    else {
        check(c.finish())?;
        return Ok(Vec::new());
    };
    let mut rows = Vec::new();
    let mut keys = Vec::new();
    for row in &table.rows {
        let (d, y, p) = (c.dept(row, cd, geo), c.year(row, cy), c.count(row, cp));
        if let Some(0) = p {
            c.row_problem(row, cp, "a population greater than 0".into());
            continue;
        }
        if let (Some(dept), Some(year), Some(population)) = (d, y, p) {
            keys.push(((dept.clone(), year), row));
            rows.push(PopRow { dept, year, population });
        }
    }
    c.unique(keys, cd, "département and year");
    complete(&mut c, geo, years, rows.iter().map(|r| (r.dept.as_str(), r.year)));
    check(c.finish())?;
    Ok(rows)
}
