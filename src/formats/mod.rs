//! File formats: the only code that knows delimiters, encodings, "ND" tokens and
//! header rows. Turns bytes into a [`RawTable`] of strings; typing is `validate`'s job.

pub mod delimited;
pub mod guard;
pub mod sniff;
pub mod xlsx;

pub use delimited::{DelimitedRows, open_delimited, read_delimited};

use crate::error::Problem;

/// The column that marks the example rows of an analyst template (`init-templates`):
/// a row with any text in it is an example, never data.
pub const EXAMPLE_COLUMN: &str = "exemple";

/// Reads a table from a delimited text file or from the first sheet of a workbook whose
/// header row holds the `required` columns. Refuses a table that still holds example rows
/// of a template.
pub fn read_table(file: &str, bytes: Vec<u8>, required: &[&str]) -> Result<RawTable, Box<Problem>> {
    let table = if xlsx::is_workbook(&bytes) {
        xlsx::Workbook::open(file, bytes)?.find_table(required)?
    } else {
        read_delimited(file, &bytes)?
    };
    refuse_examples(&table, table.rows.iter())?;
    Ok(table)
}

/// The template's example rows of a table: those with text in the `exemple` column.
fn example_rows<'r>(table: &RawTable, rows: impl Iterator<Item = &'r RawRow>) -> Vec<usize> {
    let Some(col) = table.column(EXAMPLE_COLUMN) else { return Vec::new() };
    rows.filter(|r| r.cells.get(col).is_some_and(|c| !c.trim().is_empty())).map(|r| r.line).collect()
}

fn example_problem(table: &RawTable, lines: &[usize]) -> Box<Problem> {
    let shown: Vec<String> = lines.iter().take(20).map(|l| l.to_string()).collect();
    Box::new(Problem {
        sheet: table.sheet.clone(),
        row: lines.first().copied(),
        column: Some(EXAMPLE_COLUMN.to_string()),
        value: None,
        ..Problem::file(
            &table.file,
            format!(
                "no example row of the template (rows {}{} are marked as examples in column `{EXAMPLE_COLUMN}`): \
                 delete them, and keep only real data (a file holding nothing but its example rows counts as an \
                 absent source)",
                shown.join(", "),
                if lines.len() > shown.len() { ", …" } else { "" }
            ),
        )
    })
}

fn refuse_examples<'r>(table: &RawTable, rows: impl Iterator<Item = &'r RawRow>) -> Result<(), Box<Problem>> {
    let lines = example_rows(table, rows);
    if lines.is_empty() { Ok(()) } else { Err(example_problem(table, &lines)) }
}

/// True for an analyst template left as `init-templates` wrote it: an `exemple` column and
/// no row but example rows. Such a file counts as an absent source.
pub fn is_untouched_template(file: &str, bytes: &[u8]) -> bool {
    // Only a small file can be a template (two example rows): a large one, such as an
    // official workbook, is never opened here.
    if bytes.len() > 1 << 20 {
        return false;
    }
    let table = if xlsx::is_workbook(bytes) {
        xlsx::Workbook::open(file, bytes.to_vec()).and_then(|mut w| w.find_table(&[EXAMPLE_COLUMN]))
    } else {
        read_delimited(file, bytes)
    };
    let Ok(table) = table else { return false };
    table.column(EXAMPLE_COLUMN).is_some() && example_rows(&table, table.rows.iter()).len() == table.rows.len()
}

/// Like [`read_table`], but a delimited file's rows are handed over one at a time (see
/// [`open_delimited`]); a workbook sheet is read whole, as it is small. The table returned
/// has the headers and no rows.
pub fn stream_table(file: &str, bytes: Vec<u8>, required: &[&str]) -> Result<(RawTable, RowStream), Box<Problem>> {
    let (table, stream) = if xlsx::is_workbook(&bytes) {
        let mut table = xlsx::Workbook::open(file, bytes)?.find_table(required)?;
        let rows = std::mem::take(&mut table.rows);
        (table, RowStream::Held { rows: rows.into_iter(), current: None, example: None })
    } else {
        let (table, rows) = open_delimited(file, &bytes)?;
        (table, RowStream::Delimited(Box::new(rows), None))
    };
    // Example rows of a template are refused as they stream past.
    let marker = table.column(EXAMPLE_COLUMN).map(|col| (col, table.clone()));
    Ok((
        table,
        match stream {
            RowStream::Delimited(rows, _) => RowStream::Delimited(rows, marker),
            RowStream::Held { rows, current, .. } => RowStream::Held { rows, current, example: marker },
        },
    ))
}

/// The rows of [`stream_table`].
pub enum RowStream {
    /// Rows of a delimited file, and the `exemple` column with the table's header (to
    /// name the file in a problem) when the file has one.
    Delimited(Box<DelimitedRows>, Option<(usize, RawTable)>),
    Held {
        rows: std::vec::IntoIter<RawRow>,
        current: Option<RawRow>,
        example: Option<(usize, RawTable)>,
    },
}

impl RowStream {
    /// The next row, `None` at the end, or the problem of a malformed line or of an
    /// example row of a template.
    pub fn next_row(&mut self) -> Result<Option<&RawRow>, Box<Problem>> {
        let (row, example) = match self {
            RowStream::Delimited(rows, example) => (rows.next_row()?, example.as_ref()),
            RowStream::Held { rows, current, example } => {
                *current = rows.next();
                (current.as_ref(), example.as_ref())
            }
        };
        if let (Some(r), Some((col, table))) = (row, example)
            && r.cells.get(*col).is_some_and(|c| !c.trim().is_empty())
        {
            return Err(example_problem(table, &[r.line]));
        }
        Ok(row)
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
