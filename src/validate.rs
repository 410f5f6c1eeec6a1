//! Raw to typed in one step: every problem in a table is collected before failing.
//!
//! Owns field parsing rules (codes, counts, "ND", decimal commas, ranges). Knows nothing
//! about file formats (that is `formats`) or about indicators.

use std::collections::HashMap;

use crate::error::Problem;
use crate::formats::{RawRow, RawTable};
use crate::geo::Geography;

/// Collects problems while typing the cells of one table.
pub struct Checker<'a> {
    pub table: &'a RawTable,
    problems: Vec<Problem>,
}

/// A count that may be withheld at source ("ND": fewer than 10, secret).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    Value(u64),
    Withheld,
}

impl<'a> Checker<'a> {
    pub fn new(table: &'a RawTable) -> Self {
        Checker { table, problems: Vec::new() }
    }

    fn problem(&mut self, row: Option<&RawRow>, col: Option<usize>, value: Option<&str>, expected: String) {
        self.problem_on(row.map(|r| r.line), col, value, expected);
    }

    fn problem_on(&mut self, line: Option<usize>, col: Option<usize>, value: Option<&str>, expected: String) {
        self.problems.push(Problem {
            source: None,
            file: self.table.file.clone(),
            sheet: self.table.sheet.clone(),
            row: line,
            column: col.and_then(|c| self.table.headers.get(c).cloned()),
            value: value.map(str::to_string),
            expected,
        });
    }

    /// Records a problem at a row (for checks that span columns, such as duplicates).
    pub fn row_problem(&mut self, row: &RawRow, col: usize, expected: String) {
        let value = row.cells.get(col).cloned();
        self.problem(Some(row), Some(col), value.as_deref(), expected);
    }

    /// Records a problem at a row that is no longer held (streamed tables).
    pub fn problem_at(&mut self, line: usize, col: usize, value: &str, expected: String) {
        self.problem_on(Some(line), Some(col), Some(value), expected);
    }

    pub fn table_problem(&mut self, expected: String) {
        self.problem(None, None, None, expected);
    }

    /// Index of a required column; a missing column is a problem.
    pub fn column(&mut self, name: &str) -> Option<usize> {
        let idx = self.table.column(name);
        if idx.is_none() {
            let found = self.table.headers.join(", ");
            self.problems.push(Problem {
                source: None,
                file: self.table.file.clone(),
                sheet: self.table.sheet.clone(),
                row: Some(1),
                column: Some(name.to_string()),
                value: None,
                expected: format!("a column `{name}` (found: {found})"),
            });
        }
        idx
    }

    fn cell(row: &RawRow, col: usize) -> &str {
        row.cells.get(col).map(String::as_str).unwrap_or("")
    }

    pub fn text(&mut self, row: &RawRow, col: usize) -> Option<String> {
        let v = Self::cell(row, col);
        if v.is_empty() {
            self.problem(Some(row), Some(col), Some(v), "a non-empty value".into());
            return None;
        }
        Some(v.to_string())
    }

    pub fn dept(&mut self, row: &RawRow, col: usize, geo: &Geography) -> Option<String> {
        let v = Self::cell(row, col);
        match geo.normalize_dept(v) {
            Ok(code) => Some(code),
            // Some files give the name only ("Ain"), or "name - code".
            Err(_) if geo.dept_by_name(v).is_some() => geo.dept_by_name(v).map(|d| d.code.clone()),
            Err(why) => {
                self.problem(Some(row), Some(col), Some(v), why);
                None
            }
        }
    }

    pub fn year(&mut self, row: &RawRow, col: usize) -> Option<i32> {
        let v = Self::cell(row, col);
        match parse_number(v) {
            // From 1900: the INSEE series start in 1975.
            Some(x) if x.fract() == 0.0 && (1900.0..=2100.0).contains(&x) => Some(x as i32),
            _ => {
                self.problem(Some(row), Some(col), Some(v), "a year such as 2025".into());
                None
            }
        }
    }

    /// A non-negative whole number.
    pub fn count(&mut self, row: &RawRow, col: usize) -> Option<u64> {
        let v = Self::cell(row, col);
        match parse_number(v) {
            Some(x) if x.fract() == 0.0 && (0.0..1e12).contains(&x) => Some(x as u64),
            Some(x) if x < 0.0 => {
                self.problem(Some(row), Some(col), Some(v), "a count of 0 or more".into());
                None
            }
            _ => {
                self.problem(Some(row), Some(col), Some(v), "a whole number".into());
                None
            }
        }
    }

    /// A count, or "ND"/"nd"/"s" (withheld at source, fewer than 10).
    pub fn count_or_withheld(&mut self, row: &RawRow, col: usize) -> Option<Count> {
        let v = Self::cell(row, col);
        if is_withheld(v) {
            return Some(Count::Withheld);
        }
        self.count(row, col).map(Count::Value)
    }

    /// A decimal number in `[min, max]`; decimal comma accepted.
    pub fn number(&mut self, row: &RawRow, col: usize, min: f64, max: f64) -> Option<f64> {
        let v = Self::cell(row, col);
        match parse_number(v) {
            Some(x) if (min..=max).contains(&x) => Some(x),
            Some(_) => {
                self.problem(Some(row), Some(col), Some(v), format!("a number between {min} and {max}"));
                None
            }
            None => {
                self.problem(Some(row), Some(col), Some(v), "a number".into());
                None
            }
        }
    }

    /// Fails with every problem found, or succeeds.
    pub fn finish(self) -> Result<(), Vec<Problem>> {
        if self.problems.is_empty() { Ok(()) } else { Err(self.problems) }
    }

    /// Reports rows whose key was already seen.
    pub fn unique<K: Eq + std::hash::Hash + std::fmt::Debug>(
        &mut self,
        keys: Vec<(K, &RawRow)>,
        col: usize,
        what: &str,
    ) {
        // Hashed: a BTreeMap of 1,000,000 survey keys was a tenth of reading the survey.
        let mut seen: HashMap<&K, usize> = HashMap::with_capacity(keys.len());
        for (k, row) in &keys {
            if let Some(first) = seen.get(k) {
                self.row_problem(row, col, format!("one row per {what}; {k:?} already on row {first}"));
            } else {
                seen.insert(k, row.line);
            }
        }
    }
}

/// Every département must be present for every year the edition needs.
pub fn require_complete<'a>(
    file: &str,
    geo: &Geography,
    years: &[i32],
    present: impl Iterator<Item = (&'a str, i32)>,
) -> Result<(), Vec<Problem>> {
    let have: std::collections::BTreeSet<(&str, i32)> = present.collect();
    let held: std::collections::BTreeSet<i32> = have.iter().map(|(_, y)| *y).collect();
    let held: Vec<String> = held.iter().map(|y| y.to_string()).collect();
    let mut problems = Vec::new();
    for &year in years {
        if !have.iter().any(|(_, y)| *y == year) {
            // A year the file does not hold at all: say which years it holds.
            problems.push(Problem::file(
                file,
                format!(
                    "rows for {year}, the edition year (the file holds {}): build the edition of a year the data \
                     hold (`--edition`), or use a file with {year}",
                    if held.is_empty() { "no data row".to_string() } else { format!("years {}", held.join(", ")) }
                ),
            ));
            continue;
        }
        let missing: Vec<&str> =
            geo.departements.iter().map(|d| d.code.as_str()).filter(|code| !have.contains(&(*code, year))).collect();
        if !missing.is_empty() {
            problems.push(Problem::file(
                file,
                format!("a row for every département in {year}; missing: {}", missing.join(", ")),
            ));
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(problems) }
}

/// Parses "oui"/"non", "1"/"0", "true"/"false", "o"/"n".
pub fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" => return Some(true),
        "0" => return Some(false),
        _ => {}
    }
    match crate::formats::fold(s).as_str() {
        "1" | "oui" | "o" | "true" | "vrai" | "yes" | "y" => Some(true),
        "0" | "non" | "n" | "false" | "faux" | "no" => Some(false),
        _ => None,
    }
}

/// Parses a date as ISO ("2025-09-01", "2025-09"), French ("01/09/2025") or a
/// spreadsheet date already converted to ISO. Returns (year, month, day).
pub fn parse_date(s: &str) -> Option<(i32, u32, u32)> {
    let s = s.trim();
    let s = s.split(['T', ' ']).next().unwrap_or(s);
    let parts: Vec<&str> = s.split(['-', '/']).collect();
    let num = |x: &str| x.parse::<u32>().ok();
    let (y, m, d) = match parts.as_slice() {
        [y, m, d] if y.len() == 4 => (num(y)?, num(m)?, num(d)?),
        [d, m, y] if y.len() == 4 => (num(y)?, num(m)?, num(d)?),
        [y, m] if y.len() == 4 => (num(y)?, num(m)?, 1),
        [m, y] if y.len() == 4 => (num(y)?, num(m)?, 1),
        _ => return None,
    };
    ((1990..=2100).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d)).then_some((y as i32, m, d))
}

pub fn is_withheld(v: &str) -> bool {
    matches!(v.trim(), "ND" | "nd" | "n.d." | "s" | "secret")
}

/// Parses "1234", "1 234", "1 234" (narrow/no-break spaces), "12,5", "12.5".
/// Refuses ambiguous forms such as "1,234.5".
pub fn parse_number(s: &str) -> Option<f64> {
    // The common forms ("1234", "12.5", "1,80") without allocating: microdata have
    // millions of numbers.
    let trimmed = s.trim();
    if !trimmed.contains([' ', '\u{a0}', '\u{202f}']) {
        let commas = trimmed.bytes().filter(|&b| b == b',').count();
        if commas == 0 {
            return trimmed.parse::<f64>().ok().filter(|x| x.is_finite());
        }
        if commas == 1 && !trimmed.contains('.') && trimmed.len() <= 64 {
            let mut buf = [0u8; 64];
            let bytes = &mut buf[..trimmed.len()];
            bytes.copy_from_slice(trimmed.as_bytes());
            bytes.iter_mut().filter(|b| **b == b',').for_each(|b| *b = b'.');
            return std::str::from_utf8(bytes).ok()?.parse::<f64>().ok().filter(|x| x.is_finite());
        }
    }
    let t: String = s.trim().chars().filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}')).collect();
    if t.is_empty() {
        return None;
    }
    let t = if t.contains(',') {
        if t.contains('.') || t.matches(',').count() > 1 {
            return None;
        }
        t.replace(',', ".")
    } else {
        t
    };
    let x: f64 = t.parse().ok()?;
    x.is_finite().then_some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_dates_and_booleans() {
        assert_eq!(parse_date("2025-09-01"), Some((2025, 9, 1)));
        assert_eq!(parse_date("01/03/2022"), Some((2022, 3, 1)));
        assert_eq!(parse_date("2025-09"), Some((2025, 9, 1)));
        assert_eq!(parse_date("2025-09-01T00:00:00"), Some((2025, 9, 1)));
        assert_eq!(parse_date("32/01/2022"), None);
        assert_eq!(parse_bool("Oui"), Some(true));
        assert_eq!(parse_bool("0"), Some(false));
        assert_eq!(parse_bool("peut-être"), None);
    }

    #[test]
    fn parses_french_numbers() {
        assert_eq!(parse_number("1 234"), Some(1234.0));
        assert_eq!(parse_number("1\u{202f}234,5"), Some(1234.5));
        assert_eq!(parse_number("12.5"), Some(12.5));
        assert_eq!(parse_number("1,234.5"), None);
        assert_eq!(parse_number("ND"), None);
        assert_eq!(parse_number(" 1,80 "), Some(1.8));
        assert_eq!(parse_number("-0,5"), Some(-0.5));
        assert_eq!(parse_number("1,2,3"), None);
        assert_eq!(parse_number("inf"), None);
        assert_eq!(parse_number("1e3"), Some(1000.0));
        assert_eq!(parse_number(",5"), Some(0.5));
        assert_eq!(parse_number(""), None);
    }
}
