//! Spreadsheets (xlsx, xls, ods) read with calamine into text cells.
//!
//! Numbers lose their spreadsheet float form ("971.0" → "971"), dates become ISO
//! ("2025-09-01"), cached formula results are read as values, error cells become
//! "#ERREUR …" so validation shows them.

use std::io::Cursor;

use calamine::{Data, Reader, Sheets, open_workbook_auto_from_rs};

use crate::error::Problem;
use crate::fmt::civil_from_days;

use super::{RawRow, RawTable, fold};

pub struct Workbook {
    file: String,
    sheets: Sheets<Cursor<Vec<u8>>>,
}

/// True when the bytes look like a spreadsheet (zip container or OLE2 compound file).
pub fn is_workbook(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0])
}

impl Workbook {
    pub fn open(file: &str, bytes: Vec<u8>) -> Result<Workbook, Box<Problem>> {
        super::guard::check_ole(file, &bytes)?;
        super::guard::check_zip(file, &bytes)?;
        match super::guard::catch(file, || open_workbook_auto_from_rs(Cursor::new(bytes)))? {
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
            return Err(Box::new(Problem {
                sheet: Some(sheet.to_string()),
                ..Problem::file(&self.file, format!("a header row with the columns {}", required.join(", ")))
            }));
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

fn float_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 { format!("{}", f as i64) } else { format!("{f}") }
}

/// Excel serial date (1900 system, days since 1899-12-30) to ISO date.
fn serial_date(serial: f64) -> String {
    let days = serial.floor() as i64 - 25_569;
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
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
