//! File formats: the only code that knows delimiters, encodings, "ND" tokens and
//! header rows. Turns bytes into a [`RawTable`] of strings; typing is `validate`'s job.

pub mod delimited;
pub mod guard;
pub mod sniff;
pub mod xlsx;

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

/// Lowercase, accents removed (Unicode canonical decomposition, combining marks
/// dropped), œ/æ spelt out, spaces, hyphens and apostrophes as underscores: for tolerant
/// matching of headers and names.
pub fn fold(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    use unicode_normalization::char::is_combining_mark;
    let mut out = String::with_capacity(s.len());
    for c in s.trim().nfd().filter(|c| !is_combining_mark(*c)) {
        match c {
            ' ' | '-' | '\'' | '’' | '\u{a0}' | '\u{202f}' => out.push('_'),
            'œ' | 'Œ' => out.push_str("oe"),
            'æ' | 'Æ' => out.push_str("ae"),
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// The largest input file read (the largest official source is a few tens of MB): a
/// bigger file is refused before it is read.
pub const MAX_FILE_BYTES: u64 = 1 << 30;

/// A file's bytes, refused (as a problem of the file) when missing or over the limit.
pub fn read_file(path: &std::path::Path) -> anyhow::Result<Vec<u8>> {
    use anyhow::Context as _;
    if let Ok(meta) = std::fs::metadata(path)
        && meta.len() > MAX_FILE_BYTES
    {
        return Err(crate::error::DataError::Invalid(vec![too_big(
            &path.display().to_string(),
            meta.len(),
            MAX_FILE_BYTES,
        )])
        .into());
    }
    match std::fs::read(path) {
        Ok(b) => Ok(b),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(crate::error::DataError::Invalid(vec![crate::error::Problem::file(
                &path.display().to_string(),
                "the file to exist (not found)",
            )])
            .into())
        }
        Err(e) => Err(e).with_context(|| format!("failed to read `{}`", path.display())),
    }
}

/// The problem of a file over the size limit.
pub fn too_big(file: &str, size: u64, limit: u64) -> crate::error::Problem {
    crate::error::Problem {
        value: Some(format!("{size} bytes")),
        ..crate::error::Problem::file(file, format!("a file of at most {limit} bytes: is it the right file?"))
    }
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn fold_removes_accents_case_and_separators() {
        assert_eq!(fold(" Côtes-d'Armor "), "cotes_d_armor");
        assert_eq!(fold("Côtes-d’Armor"), "cotes_d_armor");
        assert_eq!(fold("CŒUR DE L'ÎLE"), "coeur_de_l_ile");
        assert_eq!(fold("Ardèche"), fold("ARDECHE"));
        assert_eq!(fold("Pyrénées-Orientales"), "pyrenees_orientales");
        // Decomposed input (e + combining acute) folds like the composed one.
        assert_eq!(fold("Ne\u{301}e"), fold("Née"));
        assert_eq!(fold("Saint-Barthélemy"), "saint_barthelemy");
        assert_eq!(fold("Lætitia"), "laetitia");
        assert_eq!(fold("Nombre de médecins"), "nombre_de_medecins");
    }
}
