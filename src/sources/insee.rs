//! INSEE population estimates at 1 January by département ("estim-pop-dep-sexe-gca-…",
//! xlsx or xls): one sheet per year; column A code, B name, then Ensemble by age band and
//! its Total, then men, then women. Aggregate rows (France métropolitaine, DOM, France)
//! and notes sit among the départements; overseas codes are often numbers.

use anyhow::Result;

use crate::error::{DataError, Problem};
use crate::formats::fold;
use crate::formats::xlsx::Workbook;
use crate::geo::Geography;
use crate::validate::Checker;

use super::records::PopRow;
use super::{Located, check};

pub fn parse(located: Located, geo: &Geography) -> Result<Vec<PopRow>> {
    let mut wb = Workbook::open(&located.display, located.bytes).map_err(|p| DataError::Invalid(vec![*p]))?;
    let year_sheets: Vec<(String, i32)> = wb
        .sheet_names()
        .into_iter()
        .filter_map(|n| n.trim().parse::<i32>().ok().filter(|y| (1900..=2100).contains(y)).map(|y| (n, y)))
        .collect();
    if year_sheets.is_empty() {
        return Err(
            DataError::Invalid(vec![Problem::file(&located.display, "one sheet per year, named like `2025`")]).into()
        );
    }
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (sheet, year) in year_sheets {
        let grid = wb.grid(&sheet).map_err(|p| DataError::Invalid(vec![*p]))?;
        // The Ensemble "Total" column: the first header cell reading "Total" in the first
        // rows; column H in the published layout.
        let total_col =
            grid.rows.iter().take(8).find_map(|r| r.cells.iter().position(|c| fold(c) == "total")).unwrap_or(7);
        let mut c = Checker::new(&grid);
        let mut keys = Vec::new();
        for row in &grid.rows {
            let code = row.cells.first().map(String::as_str).unwrap_or("");
            if code.is_empty() {
                continue;
            }
            match geo.normalize_dept(code) {
                Ok(dept) => {
                    let Some(pop) = c.count(row, total_col) else { continue };
                    if pop == 0 {
                        c.row_problem(row, total_col, "a population greater than 0".into());
                        continue;
                    }
                    keys.push((dept.clone(), row));
                    out.push(PopRow { dept, year, population: pop });
                }
                // Aggregates, headers and notes carry words, not codes.
                Err(_) if code.chars().filter(|ch| ch.is_alphabetic()).count() > 2 => {}
                Err(why) => c.row_problem(row, 0, why),
            }
        }
        c.unique(keys, 0, "département");
        if let Err(p) = c.finish() {
            problems.extend(p);
        }
    }
    check(if problems.is_empty() { Ok(()) } else { Err(problems) })?;
    Ok(out)
}
