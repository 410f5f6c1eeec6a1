//! Spreadsheets (xlsx, xls, ods) read with calamine into text cells.
//!
//! Numbers lose their spreadsheet float form ("971.0" → "971"), dates become ISO
//! ("2025-09-01"), cached formula results are read as values, error cells become
//! "#ERREUR …" so validation shows them.
//!
//! [`Workbook::table_where`] streams an xlsx sheet with calamine's cell reader and keeps
//! only the rows that pass its tests (the DREES workbook: a million rows, a few thousand
//! kept). It runs once per download, at `fetch`, which stores the canonical table.

use std::borrow::Cow;
use std::io::Cursor;
use std::sync::Arc;

use calamine::{Data, DataRef, Reader, Sheets, open_workbook_auto_from_rs};

use crate::error::Problem;
use crate::fmt::civil_from_days;

use super::{RawRow, RawTable, fold};

/// A test on the text of one named column: rows that fail it are skipped.
pub type Keep<'a> = (&'a str, Test);

/// A test on a cell's text.
pub type Test = fn(&str) -> bool;

/// The `keep` tests of a table with the index of their column.
pub(super) type ColumnTests = Vec<(usize, Test)>;

pub struct Workbook {
    file: String,
    sheets: Sheets<Cursor<Bytes>>,
}

/// A file's bytes, shared without copying.
#[derive(Clone)]
struct Bytes(Arc<Vec<u8>>);

impl AsRef<[u8]> for Bytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// True when the bytes look like a spreadsheet (zip container or OLE2 compound file).
pub fn is_workbook(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0])
}

impl Workbook {
    pub fn open(file: &str, bytes: Vec<u8>) -> Result<Workbook, Box<Problem>> {
        super::guard::check_ole(file, &bytes)?;
        super::guard::check_zip(file, &bytes)?;
        let bytes = Bytes(Arc::new(bytes));
        match super::guard::catch(file, || open_workbook_auto_from_rs(Cursor::new(bytes.clone())))? {
            Ok(sheets) => Ok(Workbook { file: file.to_string(), sheets }),
            Err(e) => Err(Box::new(Problem::file(file, format!("a readable xlsx/xls workbook ({e})")))),
        }
    }

    pub fn sheet_names(&self) -> Vec<String> {
        self.sheets.sheet_names()
    }

    /// Every row of a sheet as text cells; headers are the column letters.
    pub fn grid(&mut self, sheet: &str) -> Result<RawTable, Box<Problem>> {
        let sheets = &mut self.sheets;
        let range = super::guard::catch(&self.file, || sheets.worksheet_range(sheet))?.map_err(|e| {
            Box::new(Problem {
                sheet: Some(sheet.to_string()),
                ..Problem::file(&self.file, format!("a readable sheet ({e})"))
            })
        })?;
        let (row0, col0) = range.start().unwrap_or((0, 0));
        let width = range.width() + col0 as usize;
        let headers = (0..width).map(column_letter).collect();
        let mut rows = Vec::with_capacity(range.height());
        for (i, r) in range.rows().enumerate() {
            let mut cells = vec![String::new(); col0 as usize];
            cells.extend(r.iter().map(cell_text));
            if cells.iter().all(|c| c.is_empty()) {
                continue;
            }
            rows.push(RawRow { line: row0 as usize + i + 1, cells });
        }
        Ok(RawTable { file: self.file.clone(), sheet: Some(sheet.to_string()), headers, rows })
    }

    /// The first `n` rows of a sheet (1-based row numbers), as text cells: its title and
    /// notes. An xlsx sheet is streamed and left after row `n`, so a sheet of a million
    /// rows costs no more than a small one.
    pub fn head(&mut self, sheet: &str, n: usize) -> Result<Vec<RawRow>, Box<Problem>> {
        let file = self.file.clone();
        let unreadable = |e: &dyn std::fmt::Display| unreadable_sheet(&file, sheet, e);
        let Sheets::Xlsx(xlsx) = &mut self.sheets else {
            let mut grid = self.grid(sheet)?;
            grid.rows.retain(|r| r.line <= n);
            return Ok(grid.rows);
        };
        let mut reader = xlsx.worksheet_cells_reader(sheet).map_err(|e| unreadable(&e))?;
        let mut rows: Vec<RawRow> = Vec::new();
        while let Some(cell) = reader.next_cell().map_err(|e| unreadable(&e))? {
            let (r, c) = cell.get_position();
            let line = r as usize + 1;
            if line > n {
                break;
            }
            let text = cell_str(cell.get_value()).into_owned();
            if text.is_empty() {
                continue;
            }
            if rows.last().is_none_or(|last| last.line != line) {
                rows.push(RawRow { line, cells: Vec::new() });
            }
            if let Some(row) = rows.last_mut() {
                let c = c as usize;
                if row.cells.len() <= c {
                    row.cells.resize(c + 1, String::new());
                }
                row.cells[c] = text;
            }
        }
        Ok(rows)
    }

    /// A sheet as a table whose header row is the first row (among the first 30) that
    /// holds every `required` column name (compared folded: case, accents, spaces).
    pub fn table(&mut self, sheet: &str, required: &[&str]) -> Result<RawTable, Box<Problem>> {
        let grid = self.grid(sheet)?;
        let want: Vec<String> = required.iter().map(|s| fold(s)).collect();
        let pos = grid.rows.iter().take(30).position(|r| {
            let folded: Vec<String> = r.cells.iter().map(|c| fold(c)).collect();
            want.iter().all(|w| folded.contains(w))
        });
        let Some(pos) = pos else {
            return Err(no_header(&self.file, sheet, required));
        };
        let mut rows = grid.rows;
        let header = rows.remove(pos);
        rows.drain(..pos);
        let headers: Vec<String> = header.cells.iter().map(|c| c.trim().to_string()).collect();
        let n = headers.len();
        for r in &mut rows {
            r.cells.resize(n.max(r.cells.len()), String::new());
        }
        Ok(RawTable { file: self.file.clone(), sheet: Some(sheet.to_string()), headers, rows })
    }

    /// Like [`Workbook::table`], keeping only the rows whose cell in each `keep` column
    /// passes its test. An xlsx sheet is streamed (never held whole in memory), and the
    /// cells of a skipped row are never kept.
    pub fn table_where(&mut self, sheet: &str, required: &[&str], keep: &[Keep]) -> Result<RawTable, Box<Problem>> {
        let file = self.file.clone();
        let unreadable = |e: &dyn std::fmt::Display| unreadable_sheet(&file, sheet, e);
        let Sheets::Xlsx(xlsx) = &mut self.sheets else {
            let mut t = self.table(sheet, required)?;
            let tests: Vec<(usize, Test)> =
                keep.iter().filter_map(|(name, f)| t.column(name).map(|i| (i, *f))).collect();
            t.rows.retain(|r| tests.iter().all(|(i, f)| f(r.cells.get(*i).map(String::as_str).unwrap_or(""))));
            return Ok(t);
        };
        let mut reader = xlsx.worksheet_cells_reader(sheet).map_err(|e| unreadable(&e))?;
        let mut search = HeaderSearch::new(required);
        let mut header: Option<(Vec<String>, ColumnTests)> = None;
        let mut rows = Vec::new();
        let mut row: Vec<DataRef> = Vec::new();
        let mut row_index = None;
        loop {
            let cell = reader.next_cell().map_err(|e| unreadable(&e))?;
            let pos = cell.as_ref().map(|c| c.get_position());
            if let Some(r) = row_index
                && pos.is_none_or(|(pr, _)| pr != r)
            {
                // The row `r` is complete.
                match &header {
                    Some((headers, tests)) => {
                        let kept = tests.iter().all(|(i, f)| f(&row.get(*i).map(cell_str).unwrap_or_default()));
                        if kept {
                            let mut cells: Vec<String> = row.iter().map(|d| cell_str(d).into_owned()).collect();
                            if cells.iter().any(|c| !c.is_empty()) {
                                cells.resize(headers.len().max(cells.len()), String::new());
                                rows.push(RawRow { line: r as usize + 1, cells });
                            }
                        }
                    }
                    None => {
                        let cells: Vec<String> = row.iter().map(|d| cell_str(d).into_owned()).collect();
                        match search.offer(&cells, keep) {
                            HeaderStep::Found(headers, tests) => header = Some((headers, tests)),
                            HeaderStep::NotYet => {}
                            HeaderStep::GiveUp => break,
                        }
                    }
                }
                row.clear();
            }
            let Some(cell) = cell else { break };
            let (r, c) = cell.get_position();
            row_index = Some(r);
            let c = c as usize;
            if row.len() <= c {
                row.resize(c + 1, DataRef::Empty);
            }
            row[c] = cell.get_value().clone();
        }
        let Some((headers, _)) = header else {
            return Err(no_header(&self.file, sheet, required));
        };
        Ok(RawTable { file: self.file.clone(), sheet: Some(sheet.to_string()), headers, rows })
    }

    /// The first sheet whose header holds every `required` column.
    pub fn find_table(&mut self, required: &[&str]) -> Result<RawTable, Box<Problem>> {
        let mut last = None;
        for name in self.sheet_names() {
            match self.table(&name, required) {
                Ok(t) => return Ok(t),
                Err(e) => last = Some(e),
            }
        }
        Err(last
            .map(|mut p| {
                p.sheet = None;
                p.expected = format!("a sheet with a header row holding the columns {}", required.join(", "));
                p
            })
            .unwrap_or_else(|| Box::new(Problem::file(&self.file, "at least one sheet"))))
    }
}

/// The problem of a sheet without the expected header row.
fn no_header(file: &str, sheet: &str, required: &[&str]) -> Box<Problem> {
    Box::new(Problem {
        sheet: Some(sheet.to_string()),
        ..Problem::file(file, format!("a header row with the columns {}", required.join(", ")))
    })
}

/// The search for the header row of a streamed sheet: the first of the first 30
/// non-empty rows whose cells (folded) hold every required name. Shared by calamine's
/// stream.
pub(super) struct HeaderSearch {
    want: Vec<String>,
    before_header: usize,
}

pub(super) enum HeaderStep {
    /// This row is the header: its names, and the `keep` tests with their column.
    Found(Vec<String>, ColumnTests),
    NotYet,
    /// 30 non-empty rows without the header.
    GiveUp,
}

impl HeaderSearch {
    pub(super) fn new(required: &[&str]) -> HeaderSearch {
        HeaderSearch { want: required.iter().map(|s| fold(s)).collect(), before_header: 0 }
    }

    /// Looks at the next row of the sheet (its cells as text); empty rows do not count.
    pub(super) fn offer(&mut self, cells: &[String], keep: &[Keep]) -> HeaderStep {
        if cells.iter().all(|c| c.is_empty()) {
            return HeaderStep::NotYet;
        }
        let folded: Vec<String> = cells.iter().map(|c| fold(c)).collect();
        if self.want.iter().all(|w| folded.contains(w)) {
            let headers = cells.iter().map(|c| c.trim().to_string()).collect();
            let tests = keep
                .iter()
                .filter_map(|(name, f)| {
                    let name = fold(name);
                    folded.iter().position(|h| *h == name).map(|i| (i, *f))
                })
                .collect();
            return HeaderStep::Found(headers, tests);
        }
        self.before_header += 1;
        if self.before_header == 30 { HeaderStep::GiveUp } else { HeaderStep::NotYet }
    }
}

/// "A", "B", … "Z", "AA".
pub fn column_letter(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

pub fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => float_text(*f),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => {
            let serial = dt.as_f64();
            if dt.is_datetime() { serial_date(serial) } else { float_text(serial) }
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#ERREUR {e:?}"),
    }
}

/// [`cell_text`] of a streamed cell, borrowing its text when it has some.
fn cell_str<'a>(d: &'a DataRef) -> Cow<'a, str> {
    match d {
        DataRef::SharedString(s) => Cow::Borrowed(s.trim()),
        DataRef::String(s) => Cow::Borrowed(s.trim()),
        DataRef::Empty => Cow::Borrowed(""),
        DataRef::Int(i) => Cow::Owned(i.to_string()),
        DataRef::Float(f) => Cow::Owned(float_text(*f)),
        DataRef::Bool(b) => Cow::Owned(b.to_string()),
        DataRef::DateTime(dt) => {
            let serial = dt.as_f64();
            Cow::Owned(if dt.is_datetime() { serial_date(serial) } else { float_text(serial) })
        }
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => Cow::Borrowed(s),
        DataRef::Error(e) => Cow::Owned(format!("#ERREUR {e:?}")),
    }
}

pub(super) fn float_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 { format!("{}", f as i64) } else { format!("{f}") }
}

/// Excel serial date (1900 system, days since 1899-12-30) to ISO date.
pub(super) fn serial_date(serial: f64) -> String {
    let days = serial.floor() as i64 - 25_569;
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The problem of a sheet the xlsx reader fails on while streaming it.
fn unreadable_sheet(file: &str, sheet: &str, e: &dyn std::fmt::Display) -> Box<Problem> {
    Box::new(Problem { sheet: Some(sheet.to_string()), ..Problem::file(file, format!("a readable sheet ({e})")) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_and_cells() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(cell_text(&Data::Float(971.0)), "971");
        assert_eq!(cell_text(&Data::Float(1.8)), "1.8");
        assert_eq!(serial_date(45_901.0), "2025-09-01");
    }
}
