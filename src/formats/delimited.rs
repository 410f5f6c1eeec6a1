//! Delimited text (CSV) as French open data publishes it: UTF-8 (with or without BOM)
//! or Windows-1252, `,` or `;` separated.

use crate::error::Problem;

use super::{RawRow, RawTable};

/// Decodes and splits a delimited file. The separator is the one of `;`, `,` or tab
/// that occurs most in the header line.
pub fn read_delimited(file: &str, bytes: &[u8]) -> Result<RawTable, Box<Problem>> {
    check_text(file, bytes)?;
    let text = decode(bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    if text.trim().is_empty() {
        return Err(Box::new(Problem::file(file, "a header line and data rows, but the file is empty")));
    }
    let first_line = text.lines().next().unwrap_or("");
    let sep =
        [b';', b',', b'\t'].into_iter().max_by_key(|&c| first_line.bytes().filter(|&b| b == c).count()).unwrap_or(b',');
    let mut reader =
        csv::ReaderBuilder::new().delimiter(sep).has_headers(true).flexible(true).from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|s| s.trim().to_string()).collect(),
        Err(e) => {
            return Err(Box::new(Problem {
                row: Some(1),
                ..Problem::file(file, format!("a readable header line ({e})"))
            }));
        }
    };
    let mut rows = Vec::new();
    for rec in reader.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line() as usize);
                return Err(Box::new(Problem {
                    row: line,
                    ..Problem::file(file, format!("well-formed delimited text ({e})"))
                }));
            }
        };
        let line = rec.position().map(|p| p.line() as usize).unwrap_or(0);
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if rec.len() != headers.len() {
            return Err(Box::new(Problem {
                row: Some(line),
                value: Some(format!("{} fields", rec.len())),
                ..Problem::file(
                    file,
                    format!("{} fields separated by `{}` as in the header", headers.len(), sep as char),
                )
            }));
        }
        rows.push(RawRow { line, cells: rec.iter().map(|s| s.trim().to_string()).collect() });
    }
    Ok(RawTable { file: file.to_string(), sheet: None, headers, rows })
}

/// Refuses bytes that are not text in an encoding this reader knows, rather than
/// decoding them into garbage: UTF-16 (Excel's « Texte Unicode »), binary data, and files
/// whose UTF-8 byte-order mark is contradicted by their content.
fn check_text(file: &str, bytes: &[u8]) -> Result<(), Box<Problem>> {
    let line_of = |pos: usize| bytes[..pos].iter().filter(|&&b| b == b'\n').count() + 1;
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

    #[test]
    fn rejects_ragged_rows_with_location() {
        let err = read_delimited("d.csv", b"a,b\n1,2\n3\n").expect_err("ragged");
        assert_eq!(err.row, Some(3));
        assert!(err.to_string().contains("d.csv, row 3"), "{err}");
    }
}
