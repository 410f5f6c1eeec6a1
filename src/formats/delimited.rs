//! Delimited text (CSV) as French open data publishes it: UTF-8 (with or without BOM)
//! or Windows-1252, `,` or `;` separated.

use crate::error::Problem;

use super::{RawRow, RawTable};

/// Decodes and splits a delimited file. The separator is the one of `;`, `,` or tab
/// that occurs most in the header line.
pub fn read_delimited(file: &str, bytes: &[u8]) -> Result<RawTable, Box<Problem>> {
    let (mut table, mut rows) = open_delimited(file, bytes)?;
    while let Some(row) = rows.next_row()? {
        table.rows.push(row.clone());
    }
    Ok(table)
}

/// Like [`read_delimited`], but hands the rows over one at a time instead of holding them:
/// the table returned has the headers and no rows. A survey of a million respondents is
/// read this way without a `String` per cell.
pub fn open_delimited(file: &str, bytes: &[u8]) -> Result<(RawTable, DelimitedRows), Box<Problem>> {
    check_text(file, bytes)?;
    let text = decode(bytes);
    let text = match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    };
    if text.trim().is_empty() {
        return Err(Box::new(Problem::file(file, "a header line and data rows, but the file is empty")));
    }
    // The header line, whatever ends it (LF, CRLF or a lone CR).
    let first_line = text.split(['\r', '\n']).next().unwrap_or("");
    let sep =
        [b';', b',', b'\t'].into_iter().max_by_key(|&c| first_line.bytes().filter(|&b| b == c).count()).unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(sep)
        .has_headers(true)
        .flexible(true)
        .from_reader(std::io::Cursor::new(text.into_bytes()));
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|s| s.trim().to_string()).collect(),
        Err(e) => {
            return Err(Box::new(Problem {
                row: Some(1),
                ..Problem::file(file, format!("a readable header line ({e})"))
            }));
        }
    };
    let rows = DelimitedRows {
        file: file.to_string(),
        sep,
        width: headers.len(),
        reader,
        record: csv::StringRecord::new(),
        row: RawRow { line: 0, cells: Vec::new() },
        lines: LineCounter::default(),
    };
    Ok((RawTable { file: file.to_string(), sheet: None, headers, rows: Vec::new() }, rows))
}

/// The data rows of a delimited file, read one at a time into a reused row.
pub struct DelimitedRows {
    file: String,
    sep: u8,
    width: usize,
    reader: csv::Reader<std::io::Cursor<Vec<u8>>>,
    record: csv::StringRecord,
    row: RawRow,
    lines: LineCounter,
}

/// Line numbers as a text editor shows them, whatever ends the lines: LF (Unix), CRLF
/// (Windows, what Excel writes) or a lone CR (old Mac). The csv crate counts LF only, so
/// a CR-only file would be "line 1" throughout; here the number is counted from the
/// record's byte offset. Records come in order, so the count goes forward only.
#[derive(Debug, Default)]
struct LineCounter {
    /// Bytes counted so far, and the line number at that offset (0-based).
    pos: usize,
    breaks: usize,
}

impl LineCounter {
    /// The 1-based line of the first character at or after `offset` that is not a line
    /// break (a record's offset may point at the end of the blank lines before it).
    fn line_at(&mut self, bytes: &[u8], offset: usize) -> usize {
        let mut to = offset.min(bytes.len());
        while to < bytes.len() && matches!(bytes[to], b'\r' | b'\n') {
            to += 1;
        }
        if to < self.pos {
            // Never for records in order; counted again from the start otherwise.
            *self = LineCounter::default();
        }
        self.breaks += line_breaks(bytes, self.pos, to);
        self.pos = to;
        self.breaks + 1
    }
}

/// The line breaks in `bytes[from..to]`: each LF, each CR, and CRLF once.
fn line_breaks(bytes: &[u8], from: usize, to: usize) -> usize {
    (from..to)
        .filter(|&i| match bytes[i] {
            b'\r' => true,
            b'\n' => i == 0 || bytes[i - 1] != b'\r',
            _ => false,
        })
        .count()
}

impl DelimitedRows {
    /// The next non-blank row (cells trimmed), `None` at the end, or the problem of a
    /// malformed or ragged line.
    pub fn next_row(&mut self) -> Result<Option<&RawRow>, Box<Problem>> {
        loop {
            match self.reader.read_record(&mut self.record) {
                Ok(true) => {}
                Ok(false) => return Ok(None),
                Err(e) => {
                    let bytes = self.reader.get_ref().get_ref();
                    let line = e.position().map(|p| self.lines.line_at(bytes, p.byte() as usize));
                    return Err(Box::new(Problem {
                        row: line,
                        ..Problem::file(&self.file, format!("well-formed delimited text ({e})"))
                    }));
                }
            }
            let rec = &self.record;
            if rec.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let bytes = self.reader.get_ref().get_ref();
            let line = rec.position().map(|p| self.lines.line_at(bytes, p.byte() as usize)).unwrap_or(0);
            if rec.len() != self.width {
                return Err(Box::new(Problem {
                    row: Some(line),
                    value: Some(format!("{} fields", rec.len())),
                    ..Problem::file(
                        &self.file,
                        format!("{} fields separated by `{}` as in the header", self.width, self.sep as char),
                    )
                }));
            }
            // The row's strings are reused from one line to the next.
            let cells = &mut self.row.cells;
            cells.resize(rec.len(), String::new());
            for (cell, field) in cells.iter_mut().zip(rec.iter()) {
                cell.clear();
                cell.push_str(field.trim());
            }
            self.row.line = line;
            return Ok(Some(&self.row));
        }
    }
}

/// Refuses bytes that are not text in an encoding this reader knows, rather than
/// decoding them into garbage: UTF-16 (Excel's « Texte Unicode »), binary data, and files
/// whose UTF-8 byte-order mark is contradicted by their content.
fn check_text(file: &str, bytes: &[u8]) -> Result<(), Box<Problem>> {
    let line_of = |pos: usize| line_breaks(bytes, 0, pos) + 1;
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(Box::new(Problem::file(
            file,
            "UTF-8 or Windows-1252 text, but the file is UTF-16 (in Excel, save it as « CSV UTF-8 »)",
        )));
    }
    if let Some(pos) = bytes.iter().position(|&b| b == 0) {
        return Err(Box::new(Problem {
            row: Some(line_of(pos)),
            ..Problem::file(file, "text, but the file holds binary data (a NUL byte): is it the right file?")
        }));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF")
        && let Err(e) = std::str::from_utf8(rest)
    {
        return Err(Box::new(Problem {
            row: Some(line_of(3 + e.valid_up_to())),
            ..Problem::file(
                file,
                "UTF-8 text, as the file's byte-order mark says, but it holds other bytes (save it again as « CSV UTF-8 »)",
            )
        }));
    }
    Ok(())
}

/// UTF-8 if valid, otherwise Windows-1252 (the encoding of French Excel exports).
pub fn decode(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::WINDOWS_1252.decode(bytes).0.into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_semicolon_latin1_with_bom_variants() {
        let t = read_delimited("a.csv", b"code;nom\n01;Ain\n2A;Corse-du-Sud\n").expect("parse");
        assert_eq!(t.headers, ["code", "nom"]);
        assert_eq!(t.rows[1].cells, ["2A", "Corse-du-Sud"]);
        assert_eq!(t.rows[1].line, 3);
        // Windows-1252 "Ardèche"
        let t = read_delimited("b.csv", b"code,nom\n07,Ard\xe8che\n").expect("parse");
        assert_eq!(t.rows[0].cells[1], "Ardèche");
        let t = read_delimited("c.csv", "\u{feff}code,nom\n01,Ain\n".as_bytes()).expect("parse");
        assert_eq!(t.headers[0], "code");
    }

    /// Line numbers as an editor shows them with LF, CRLF and lone CR line ends, blank
    /// lines, and a quoted field over two lines (the record's first line is given).
    #[test]
    fn line_numbers_whatever_ends_the_lines() {
        let lf = "a,b\n1,2\n\n\"x\ny\",3\n4,5\n6\n";
        for eol in ["\n", "\r\n", "\r"] {
            let text = lf.replace('\n', eol);
            let (_, mut rows) = open_delimited("t.csv", text.as_bytes()).expect("open");
            let mut lines = Vec::new();
            let err = loop {
                match rows.next_row() {
                    Ok(Some(r)) => lines.push(r.line),
                    Ok(None) => panic!("the ragged line 7 is refused"),
                    Err(p) => break p,
                }
            };
            assert_eq!(lines, [2, 4, 6], "{eol:?}");
            assert_eq!(err.row, Some(7), "{eol:?}");
        }
        let err = read_delimited("n.csv", b"a,b\r\n1,2\r\n3,\x00\r\n").expect_err("NUL");
        assert_eq!(err.row, Some(3));
        let err = read_delimited("n.csv", b"a,b\r1,2\r3,\x00\r").expect_err("NUL");
        assert_eq!(err.row, Some(3));
    }

    #[test]
    fn rejects_ragged_rows_with_location() {
        let err = read_delimited("d.csv", b"a,b\n1,2\n3\n").expect_err("ragged");
        assert_eq!(err.row, Some(3));
        assert!(err.to_string().contains("d.csv, row 3"), "{err}");
    }
}
