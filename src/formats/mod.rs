//! File formats: the only code that knows delimiters, encodings, "ND" tokens and
//! header rows. Turns bytes into a [`RawTable`] of strings; typing is `validate`'s job.

pub mod delimited;
pub mod guard;
pub mod xlsx;
mod xlsx_scan;

pub use delimited::{DelimitedRows, open_delimited, read_delimited};

use crate::error::Problem;

/// Reads a table from a delimited text file or from the first sheet of a workbook whose
/// header row holds the `required` columns.
pub fn read_table(file: &str, bytes: Vec<u8>, required: &[&str]) -> Result<RawTable, Box<Problem>> {
    if xlsx::is_workbook(&bytes) {
        xlsx::Workbook::open(file, bytes)?.find_table(required)
    } else {
        read_delimited(file, &bytes)
    }
}

/// Like [`read_table`], but a delimited file's rows are handed over one at a time (see
/// [`open_delimited`]); a workbook sheet is read whole, as it is small. The table returned
/// has the headers and no rows.
pub fn stream_table(file: &str, bytes: Vec<u8>, required: &[&str]) -> Result<(RawTable, RowStream), Box<Problem>> {
    if xlsx::is_workbook(&bytes) {
        let mut table = xlsx::Workbook::open(file, bytes)?.find_table(required)?;
        let rows = std::mem::take(&mut table.rows);
        Ok((table, RowStream::Held { rows: rows.into_iter(), current: None }))
    } else {
        let (table, rows) = open_delimited(file, &bytes)?;
        Ok((table, RowStream::Delimited(Box::new(rows))))
    }
}

/// The rows of [`stream_table`].
pub enum RowStream {
    Delimited(Box<DelimitedRows>),
    Held { rows: std::vec::IntoIter<RawRow>, current: Option<RawRow> },
}

impl RowStream {
    /// The next row, `None` at the end, or the problem of a malformed line.
    pub fn next_row(&mut self) -> Result<Option<&RawRow>, Box<Problem>> {
        match self {
            RowStream::Delimited(rows) => rows.next_row(),
            RowStream::Held { rows, current } => {
                *current = rows.next();
                Ok(current.as_ref())
            }
        }
    }
}

/// A table of text cells as read from a file, with enough location to report problems.
#[derive(Debug, Clone)]
pub struct RawTable {
    /// File name as shown to the user.
    pub file: String,
    pub sheet: Option<String>,
    pub headers: Vec<String>,
    pub rows: Vec<RawRow>,
}

#[derive(Debug, Clone)]
pub struct RawRow {
    /// 1-based line or row number in the file.
    pub line: usize,
    pub cells: Vec<String>,
}

impl RawTable {
    /// Index of a column, ignoring case, accents and surrounding spaces.
    pub fn column(&self, name: &str) -> Option<usize> {
        let want = fold(name);
        self.headers.iter().position(|h| fold(h) == want)
    }
}

/// Lowercase, accents removed, spaces/hyphens as underscores: for tolerant matching of
/// headers and names.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.trim().chars() {
        let c = match c {
            'à' | 'â' | 'ä' | 'À' | 'Â' | 'Ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => 'e',
            'î' | 'ï' | 'Î' | 'Ï' => 'i',
            'ô' | 'ö' | 'Ô' | 'Ö' => 'o',
            'ù' | 'û' | 'ü' | 'Ù' | 'Û' | 'Ü' => 'u',
            'ç' | 'Ç' => 'c',
            'ÿ' | 'Ÿ' => 'y',
            ' ' | '-' | '\'' | '’' => '_',
            c => c.to_ascii_lowercase(),
        };
        if c == 'œ' || c == 'Œ' {
            out.push_str("oe");
        } else {
            out.push(c);
        }
    }
    out
}
