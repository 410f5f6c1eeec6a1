//! What a file actually is, from its first bytes: said when it is not what its declared
//! format reads (a CSV given for a workbook format, an HTML error page, a JSON API
//! response), so that the message tells the analyst what to change.

/// The kind of content of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An Office Open XML workbook (`.xlsx`): a zip archive with `[Content_Types].xml`
    /// and an `xl/` part.
    Xlsx,
    /// An OpenDocument spreadsheet (`.ods`).
    Ods,
    /// Another zip archive (a `.zip` download holding the file, a `.docx`…).
    Zip,
    /// An OLE2 compound file: a legacy Excel workbook (`.xls`).
    Xls,
    Pdf,
    Html,
    Json,
    /// Text that is none of the above: CSV or plain text.
    Text,
    /// Empty, or only white space.
    Empty,
    /// Binary data of no kind known here.
    Binary,
}

impl Kind {
    /// The kind of `bytes`.
    pub fn of(bytes: &[u8]) -> Kind {
        if bytes.starts_with(b"PK\x03\x04") {
            return zip_kind(bytes);
        }
        if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
            return Kind::Xls;
        }
        if bytes.starts_with(b"%PDF") {
            return Kind::Pdf;
        }
        let head = &bytes[..bytes.len().min(4096)];
        // UTF-16 text (Excel's « Texte Unicode ») is text too.
        if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
            return Kind::Text;
        }
        if head.contains(&0) {
            return Kind::Binary;
        }
        let text = String::from_utf8_lossy(head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head));
        let start = text.trim_start();
        if start.is_empty() {
            return Kind::Empty;
        }
        let lower = start.get(..start.len().min(512)).unwrap_or(start).to_ascii_lowercase();
        if lower.starts_with("<!doctype html") || lower.starts_with("<html") || lower.contains("<html") {
            return Kind::Html;
        }
        if (start.starts_with('{') || start.starts_with('[')) && !looks_delimited(start) {
            return Kind::Json;
        }
        Kind::Text
    }

    /// "a CSV text file", for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Xlsx => "an xlsx workbook",
            Kind::Ods => "an ods (LibreOffice) spreadsheet",
            Kind::Zip => "a zip archive that is not a workbook (unzip it and give the file inside)",
            Kind::Xls => "an xls workbook",
            Kind::Pdf => "a PDF document",
            Kind::Html => "an HTML page (an error or download page, not the file: check the URL)",
            Kind::Json => "a JSON document (an API response?)",
            Kind::Text => "a CSV text file",
            Kind::Empty => "an empty file",
            Kind::Binary => "binary data of an unknown kind",
        }
    }

    /// A spreadsheet calamine reads.
    pub fn is_workbook(self) -> bool {
        matches!(self, Kind::Xlsx | Kind::Ods | Kind::Xls)
    }
}

/// The kind of a zip archive, from the names of its entries (read from its central
/// directory, without inflating anything).
fn zip_kind(bytes: &[u8]) -> Kind {
    let Ok(archive) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else {
        // A damaged archive: most likely a damaged workbook, which calamine reports.
        return Kind::Xlsx;
    };
    let names: Vec<String> = archive.file_names().filter_map(|n| n.ok()).map(|n| n.into_owned()).collect();
    if names.iter().any(|n| n.starts_with("xl/")) {
        Kind::Xlsx
    } else if names.iter().any(|n| n == "mimetype") && names.iter().any(|n| n == "content.xml") {
        Kind::Ods
    } else {
        Kind::Zip
    }
}

/// A first line with `;`, `,` or tab separators (a CSV whose first cell starts with `[`).
fn looks_delimited(text: &str) -> bool {
    let first = text.split(['\r', '\n']).next().unwrap_or("");
    let second = text.split(['\r', '\n']).find(|l| !l.trim().is_empty() && *l != first);
    let seps = |l: &str| l.bytes().filter(|b| matches!(b, b';' | b',' | b'\t')).count();
    seps(first) > 0 && second.is_some_and(|s| seps(s) == seps(first)) && !first.trim_end().ends_with(['{', '['])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(Kind::of(b"code_departement,annee,effectif\n01,2025,899\n"), Kind::Text);
        assert_eq!(Kind::of(b"\xEF\xBB\xBFannee;departement\n2024;01\n"), Kind::Text);
        assert_eq!(Kind::of(b"  <!DOCTYPE html><html><body>404</body></html>"), Kind::Html);
        assert_eq!(Kind::of(b"{\"type\": \"FeatureCollection\"}"), Kind::Json);
        assert_eq!(Kind::of(b"[{\"a\": 1}]"), Kind::Json);
        assert_eq!(Kind::of(b"%PDF-1.7\n"), Kind::Pdf);
        assert_eq!(Kind::of(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0]), Kind::Xls);
        assert_eq!(Kind::of(b" \n\t"), Kind::Empty);
        assert_eq!(Kind::of(b"\x01\x02\x00\x03"), Kind::Binary);
        let mut wb = rust_xlsxwriter::Workbook::new();
        wb.add_worksheet().write_string(0, 0, "x").expect("write");
        assert_eq!(Kind::of(&wb.save_to_buffer().expect("xlsx")), Kind::Xlsx);
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        z.start_file("PS_LibreAcces.txt", zip::write::SimpleFileOptions::default()).expect("entry");
        std::io::Write::write_all(&mut z, b"a|b|\n").expect("write");
        assert_eq!(Kind::of(&z.finish().expect("zip").into_inner()), Kind::Zip);
    }
}
