//! The DREES workbook "Médecins RPPS 2012-20xx.xlsx" (démographie des professionnels de
//! santé): GP counts by département and year are the rows `01-Médecine générale` at the
//! "Ensemble" level of exercise mode, age band and sex, in columns `effectif_YYYY`.
//!
//! Labels carry codes: "075-Paris", "02A-Corse-du-Sud", "971 -Guadeloupe"; "000-Ensemble"
//! is France. "ND" (fewer than 10) is withheld, not zero.

use std::collections::BTreeMap;

use anyhow::Result;

use crate::error::{DataError, Problem};
use crate::formats::xlsx::{Keep, Workbook};
use crate::formats::{RawRow, RawTable, fold};
use crate::geo::Geography;
use crate::validate::{Checker, Count};

use super::records::GpRow;
use super::vintage::Vintage;
use super::{Located, check};

/// The label columns of the published workbook, before the `effectif_YYYY` columns.
pub const LABEL_COLUMNS: [&str; 8] =
    ["territoire", "region", "departement", "specialites_agregees", "specialites", "exercice", "tranche_age", "sexe"];

pub(crate) const REQUIRED: [&str; 5] = ["departement", "specialites_agregees", "exercice", "tranche_age", "sexe"];

/// Only the GP rows at the "Ensemble" levels are kept while reading: the full workbook
/// has some 700,000 rows.
pub(crate) const KEEP: [Keep; 4] =
    [("specialites_agregees", is_gp), ("exercice", is_total), ("tranche_age", is_total), ("sexe", is_total)];

/// Reads the GP totals by département and year.
pub fn parse(located: Located, geo: &Geography) -> Result<Vec<GpRow>> {
    parse_with_vintage(located, geo).map(|(rows, _)| rows)
}

/// The rows read from this many first rows of each sheet for the vintage: the title and
/// notes sit above the header (row 4 of the Effectifs sheet) or on a sheet of their own.
const HEAD_ROWS: usize = 30;

/// Like [`parse`], with the vintage the workbook states in its title or notes (see
/// [`super::vintage`]); `None` when it says nothing.
pub fn parse_with_vintage(located: Located, geo: &Geography) -> Result<(Vec<GpRow>, Option<Vintage>)> {
    let mut wb = Workbook::open(&located.display, located.bytes).map_err(|p| DataError::Invalid(vec![*p]))?;
    let names = wb.sheet_names();
    let mut heads = Vec::new();
    for name in &names {
        // A sheet that cannot be read is the table reader's to report.
        if let Ok(rows) = wb.head(name, HEAD_ROWS) {
            heads.push((name.clone(), rows));
        }
    }
    let vintage = super::vintage::stated(heads.iter().flat_map(|(sheet, rows)| {
        rows.iter().flat_map(move |r| r.cells.iter().map(move |c| (sheet.as_str(), r.line, c.as_str())))
    }));
    // The "Effectifs" sheet first, then any sheet with the right header.
    let mut order: Vec<&String> = names.iter().filter(|n| fold(n) == "effectifs").collect();
    order.extend(names.iter().filter(|n| fold(n) != "effectifs"));
    let mut table = None;
    for name in order {
        if let Ok(t) = wb.table_where(name, &REQUIRED, &KEEP)
            && t.headers.iter().any(|h| year_of(h).is_some())
        {
            table = Some(t);
            break;
        }
    }
    let Some(table) = table else {
        return Err(DataError::Invalid(vec![Problem::file(
            &located.display,
            "a sheet (such as `Effectifs`) with the columns departement, specialites_agregees, exercice, tranche_age, sexe and effectif_YYYY",
        )])
        .into());
    };
    Ok((rows(&table, geo)?, vintage))
}

/// `effectif_2025` → 2025.
fn year_of(header: &str) -> Option<i32> {
    let h = fold(header);
    h.strip_prefix("effectif_").or_else(|| h.strip_prefix("effectifs_")).and_then(|y| y.parse().ok())
}

/// "0-Ensemble", "00-Ensemble", "Ensemble", "Tout" are the total levels.
fn is_total(v: &str) -> bool {
    let f = fold(v);
    f.contains("ensemble") || f.starts_with("tout") || f == "0" || f == "00"
}

fn is_gp(v: &str) -> bool {
    let f = fold(v);
    f.starts_with("01") || f.contains("medecine_generale")
}

fn rows(table: &RawTable, geo: &Geography) -> Result<Vec<GpRow>> {
    let mut c = Checker::new(table);
    let col = |name: &str| table.column(name);
    let (Some(cd), Some(cs), Some(ce), Some(ca), Some(cx)) =
        (col("departement"), col("specialites_agregees"), col("exercice"), col("tranche_age"), col("sexe"))
    else {
        for name in REQUIRED {
            c.column(name);
        }
        check(c.finish())?;
        return Ok(Vec::new());
    };
    let cspec = col("specialites");
    let years: Vec<(usize, i32)> =
        table.headers.iter().enumerate().filter_map(|(i, h)| year_of(h).map(|y| (i, y))).collect();

    // Candidate GP-total rows by département; a detailed `specialites` column may split
    // them, in which case its "Ensemble" row is the total.
    let mut candidates: BTreeMap<String, Vec<&RawRow>> = BTreeMap::new();
    for row in &table.rows {
        let cell = |i: usize| row.cells.get(i).map(String::as_str).unwrap_or("");
        if !(is_gp(cell(cs)) && is_total(cell(ce)) && is_total(cell(ca)) && is_total(cell(cx))) {
            continue;
        }
        let label = cell(cd);
        let f = fold(label);
        let aggregate =
            ["ensemble", "france", "etranger", "inconnu", "non_renseign", "hors_"].iter().any(|w| f.contains(w));
        if label.is_empty() || aggregate || label.starts_with("000") || label.starts_with("999") {
            continue; // France, région, abroad or unknown rows
        }
        if let Some(code) = c.dept(row, cd, geo) {
            candidates.entry(code).or_default().push(row);
        }
    }
    let mut out = Vec::new();
    for (code, rows) in candidates {
        let row = match (rows.len(), cspec) {
            (1, _) => rows[0],
            (_, Some(cs2)) => {
                match rows.iter().find(|r| is_total(r.cells.get(cs2).map(String::as_str).unwrap_or(""))) {
                    Some(r) => r,
                    None => {
                        c.row_problem(rows[1], cd, format!("one GP-total row for {code} (found {})", rows.len()));
                        continue;
                    }
                }
            }
            _ => {
                c.row_problem(rows[1], cd, format!("one GP-total row for {code} (found {})", rows.len()));
                continue;
            }
        };
        for &(i, year) in &years {
            if row.cells.get(i).is_none_or(|v| v.is_empty()) {
                continue; // a year not yet published
            }
            if let Some(count) = c.count_or_withheld(row, i) {
                let count = match count {
                    Count::Value(v) => Some(v),
                    Count::Withheld => None,
                };
                out.push(GpRow { dept: code.clone(), year, count });
            }
        }
    }
    if out.is_empty() {
        c.table_problem("rows `01-Médecine générale` at the `Ensemble` level of exercice, tranche_age and sexe".into());
    }
    check(c.finish())?;
    Ok(out)
}
