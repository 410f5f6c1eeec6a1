//! A fast reader of one xlsx worksheet for [`Workbook::table_where`](super::xlsx::Workbook::table_where).
//!
//! Why: the DREES workbook has a million rows of 23 cells of which about one in 3,000 is
//! kept, and calamine parses every cell of every row (11 s of the 11.3 s of reading it
//! in the release profile). This module opens the zip archive itself, reads the shared
//! strings and the date formats of the cell styles, and scans the worksheet XML as bytes,
//! row by row, inflating it in chunks (never whole: it is some 700 MB). Once the header
//! row is found, a row's cells are read only up to the last tested column; a shared
//! string is tested once per column (the answer is remembered by string index), and the
//! scanner jumps to `</row>` as soon as a test fails. Only the rows kept are converted
//! whole.
//!
//! Cells convert exactly as calamine converts them for
//! [`cell_str`](super::xlsx): shared and inline strings (rich text runs concatenated,
//! phonetic runs skipped, `xml:space`, entities and Excel's `_xHHHH_` escapes), numbers,
//! dates from the number format of the cell's style, booleans, errors and `str` formula
//! results. Anything else — a missing part, a namespace prefix, CDATA or an entity in a
//! number, an unknown cell type or element, a row holding cells of another row, cells
//! out of order — is [`Unsupported`]: the caller then reads the sheet with calamine, so
//! damaged files get calamine's messages.
//!
//! Not looked at: the cells of a skipped row after its last tested column (damage there,
//! such as an unknown cell type, goes unnoticed where calamine would refuse the sheet;
//! a row element holding cells of another row is not seen), and markup inside CDATA
//! sections of cell text (Excel and LibreOffice never write CDATA there).
//! Does not know the 1904 date system, which does not change the text of a date here
//! (calamine's serial numbers are read as 1900 ones either way).

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{Cursor, Read};

use calamine::CellErrorType;
use memchr::memmem;
use quick_xml::Reader;
use quick_xml::escape::{resolve_xml_entity, unescape};
use quick_xml::events::Event;
use zip::ZipArchive;
use zip::result::ZipError;

use super::RawRow;
use super::guard::MAX_UNZIPPED_BYTES;
use super::xlsx::{HeaderSearch, HeaderStep, Keep, Test, float_text, serial_date};

/// Why the scanner gave up on a sheet (for tests and debugging; the caller only falls
/// back to calamine).
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Unsupported(pub &'static str);

type Res<T> = Result<T, Unsupported>;

/// What the scanner found in a sheet.
#[derive(Debug)]
pub(super) enum Scanned {
    /// The header row's names and the rows kept.
    Table { headers: Vec<String>, rows: Vec<RawRow> },
    /// No header row among the first 30 non-empty rows.
    NoHeader,
}

/// Reads `sheet` of the xlsx `bytes` like calamine's stream in `table_where`: the header
/// row is the first of the first 30 non-empty rows holding every `required` name, and
/// the rows after it are kept when their cells in the `keep` columns pass the tests.
pub(super) fn table_where(bytes: &[u8], sheet: &str, required: &[&str], keep: &[Keep]) -> Res<Scanned> {
    let mut package = Package::open(bytes)?;
    let (xl, part) = package.sheet_part(sheet)?;
    let strings = match package.read(&format!("{xl}sharedStrings.xml"))? {
        Some(xml) => shared_strings(&xml)?,
        None => Vec::new(),
    };
    let formats = match package.read(&format!("{xl}styles.xml"))? {
        Some(xml) => cell_formats(&xml)?,
        None => Vec::new(),
    };
    let source = package.part(&part)?.ok_or(Unsupported("no worksheet part"))?;
    let mut scan = Scan {
        source: Chunks::new(source),
        cells: CellReader { strings: &strings, formats: &formats },
        rows: RowCount { next: 0, last: None },
        end_row: memmem::Finder::new(b"</row"),
    };
    if !scan.sheet_data()? {
        return Ok(Scanned::NoHeader);
    }

    // Until the header: every row converted, offered to the header search.
    let mut search = HeaderSearch::new(required);
    let (headers, tests) = loop {
        let Some(row) = scan.next_row()? else { return Ok(Scanned::NoHeader) };
        let Some((_, cells)) = scan.whole_row(&row)? else { continue };
        match search.offer(&cells, keep) {
            HeaderStep::Found(headers, tests) => break (headers, tests),
            HeaderStep::NotYet => {}
            HeaderStep::GiveUp => return Ok(Scanned::NoHeader),
        }
    };

    // After it: the tested cells first, the whole row only when every test passes.
    let mut checks: Vec<Check> = tests
        .into_iter()
        .map(|(col, test)| Check { col, test, empty: test(""), by_string: vec![Known::Unknown; strings.len()] })
        .collect();
    checks.sort_by_key(|c| c.col);
    let mut rows = Vec::new();
    while let Some(row) = scan.next_row()? {
        if !scan.passes(&row, &mut checks)? {
            continue;
        }
        if let Some((line, mut cells)) = scan.whole_row(&row)? {
            cells.resize(headers.len().max(cells.len()), String::new());
            rows.push(RawRow { line, cells });
        }
    }
    Ok(Scanned::Table { headers, rows })
}

/// The zip archive of an xlsx, its parts looked up as calamine looks them up (ignoring
/// case and `\` separators).
struct Package<'a> {
    zip: ZipArchive<Cursor<&'a [u8]>>,
    names: HashMap<String, String>,
}

impl<'a> Package<'a> {
    fn open(bytes: &'a [u8]) -> Res<Package<'a>> {
        let zip = ZipArchive::new(Cursor::new(bytes)).map_err(|_| Unsupported("not a zip archive"))?;
        let mut names = HashMap::new();
        for name in zip.file_names() {
            let name = name.map_err(|_| Unsupported("a part name"))?;
            names.insert(name.replace('\\', "/").to_ascii_lowercase(), name.into_owned());
        }
        Ok(Package { zip, names })
    }

    /// A part, streamed (inflated as it is read); `None` if the archive has no such part.
    fn part(&mut self, path: &str) -> Res<Option<impl Read + '_>> {
        let name = self.names.get(&path.to_ascii_lowercase()).map(String::as_str).unwrap_or(path);
        match self.zip.by_name(name) {
            Ok(f) => Ok(Some(f.take(MAX_UNZIPPED_BYTES))),
            Err(ZipError::FileNotFound) => Ok(None),
            Err(_) => Err(Unsupported("a damaged part")),
        }
    }

    /// A whole part (the small ones: relationships, workbook, strings, styles).
    fn read(&mut self, path: &str) -> Res<Option<Vec<u8>>> {
        let Some(mut part) = self.part(path)? else { return Ok(None) };
        let mut out = Vec::new();
        part.read_to_end(&mut out).map_err(|_| Unsupported("a damaged part"))?;
        Ok(Some(out))
    }

    /// The folder of the workbook part (`xl/`) and the path of the worksheet `sheet`:
    /// `_rels/.rels` names the workbook part, whose `<sheet name= r:id=>` and
    /// relationships give the worksheet's part, relative to that folder or absolute.
    fn sheet_part(&mut self, sheet: &str) -> Res<(String, String)> {
        let rels = self.read("_rels/.rels")?.ok_or(Unsupported("no package relationships"))?;
        // The last office document relationship, its target unescaped, as in calamine.
        let target = relationships(&rels)?
            .into_iter()
            .rev()
            .find(|r| r.kind.ends_with("/relationships/officeDocument"))
            .ok_or(Unsupported("no workbook relationship"))?
            .target;
        let target = unescape(&target).map_err(xml_error)?.into_owned();
        let (dir, name) = match target.rfind('/') {
            Some(i) => target.split_at(i + 1),
            None => ("", target.as_str()),
        };
        let xl = dir.strip_prefix('/').unwrap_or(dir).to_string();
        let name = if name.is_empty() { "workbook.xml" } else { name };
        let rels = self.read(&format!("{xl}_rels/{name}.rels"))?.ok_or(Unsupported("no workbook relationships"))?;
        let rels = relationships(&rels)?;
        let workbook = self.read(&format!("{xl}{name}"))?.ok_or(Unsupported("no workbook part"))?;
        let id = sheet_id(&workbook, sheet)?;
        // The last relationship of that id (calamine keeps them in a map).
        let rel = rels.into_iter().rev().find(|r| r.id == id).ok_or(Unsupported("no sheet relationship"))?;
        if rel.kind.rsplit('/').next() != Some("worksheet") {
            return Err(Unsupported("not a worksheet"));
        }
        let path = match rel.target.strip_prefix('/') {
            Some(absolute) => absolute.to_string(),
            None => format!("{xl}{}", rel.target),
        };
        Ok((xl, path))
    }
}

/// A reader of a small part with calamine's settings.
fn xml_reader(xml: &[u8]) -> Reader<&[u8]> {
    let mut r = Reader::from_reader(xml);
    let config = r.config_mut();
    config.check_end_names = false;
    config.trim_text(false);
    config.check_comments = false;
    config.expand_empty_elements = true;
    r
}

fn xml_error<E>(_: E) -> Unsupported {
    Unsupported("malformed XML")
}

struct Relationship {
    id: String,
    kind: String,
    target: String,
}

/// The `<Relationship Id= Type= Target=>` of a relationships part (values as written).
fn relationships(xml: &[u8]) -> Res<Vec<Relationship>> {
    let mut reader = xml_reader(xml);
    let mut out = Vec::new();
    loop {
        match reader.read_event().map_err(xml_error)? {
            Event::Start(e) if e.local_name().as_ref() == "Relationship" => {
                let (mut id, mut kind, mut target) = (None, String::new(), String::new());
                for attr in Attrs(e.attributes_raw().as_bytes()) {
                    let (key, value) = attr?;
                    let value = utf8(value)?;
                    match key {
                        b"Id" => id = Some(value.to_string()),
                        b"Type" => kind = value.to_string(),
                        b"Target" => target = value.to_string(),
                        _ => {}
                    }
                }
                if let Some(id) = id {
                    out.push(Relationship { id, kind, target });
                }
            }
            Event::Eof => return Ok(out),
            _ => {}
        }
    }
}

/// The relationship id (`r:id`) of the first `<sheet>` named `sheet` in the workbook.
fn sheet_id(xml: &[u8], sheet: &str) -> Res<String> {
    let mut reader = xml_reader(xml);
    loop {
        match reader.read_event().map_err(xml_error)? {
            Event::Start(e) if e.local_name().as_ref() == "sheet" => {
                let (mut name, mut id) = (None, None);
                for attr in Attrs(e.attributes_raw().as_bytes()) {
                    let (key, value) = attr?;
                    if key == b"name" {
                        name = Some(unescape(utf8(value)?).map_err(xml_error)?.into_owned());
                    } else if key == b"id" || key.ends_with(b":id") {
                        id = Some(utf8(value)?.to_string());
                    }
                }
                if name.as_deref() == Some(sheet) {
                    return id.ok_or(Unsupported("a sheet without id"));
                }
            }
            Event::Eof => return Err(Unsupported("no such sheet")),
            _ => {}
        }
    }
}

/// The shared strings table (`<sst><si>…</si>…</sst>`).
fn shared_strings(xml: &[u8]) -> Res<Vec<String>> {
    let mut reader = xml_reader(xml);
    let mut out = Vec::new();
    loop {
        match reader.read_event().map_err(xml_error)? {
            Event::Start(e) if e.local_name().as_ref() == "si" => {
                let closing = e.name().as_ref().to_string();
                out.push(rich_text(&mut reader, &closing)?);
            }
            Event::End(e) if e.local_name().as_ref() == "sst" => return Ok(out),
            Event::Eof => return Err(Unsupported("unterminated shared strings")),
            _ => {}
        }
    }
}

/// The text of a string item (`<si>` or an inline `<is>`), read up to its end element
/// `closing`, as calamine reads it: plain `<t>` or rich-text runs `<r><t>` concatenated,
/// phonetic runs (`<rPh>`) skipped, each `<t>` trimmed of ASCII white space unless
/// `xml:space="preserve"`, then Excel's `_xHHHH_` escapes decoded.
fn rich_text(reader: &mut Reader<&[u8]>, closing: &str) -> Res<String> {
    let mut out = String::new();
    let mut phonetic = false;
    loop {
        match reader.read_event().map_err(xml_error)? {
            Event::Start(e) if e.local_name().as_ref() == "rPh" => phonetic = true,
            Event::End(e) if e.local_name().as_ref() == "rPh" => phonetic = false,
            Event::End(e) if e.name().as_ref() == closing => return Ok(out),
            Event::Start(e) if e.local_name().as_ref() == "t" && !phonetic => {
                let mut preserve = false;
                for attr in Attrs(e.attributes_raw().as_bytes()) {
                    let (key, value) = attr?;
                    if key == b"xml:space" {
                        preserve = value == b"preserve";
                    }
                }
                let t = e.name().as_ref().to_string();
                let mut value = String::new();
                loop {
                    match reader.read_event().map_err(xml_error)? {
                        Event::Text(text) => value.push_str(&text.xml10_content()),
                        Event::CData(text) => value.push_str(&text.xml10_content()),
                        Event::GeneralRef(r) => match resolve_xml_entity(&r) {
                            Some(s) => value.push_str(s),
                            None => value.push(r.resolve_char_ref().map_err(xml_error)?.ok_or(Unsupported("entity"))?),
                        },
                        Event::End(end) if end.name().as_ref() == t => break,
                        Event::Eof => return Err(Unsupported("unterminated text")),
                        _ => {}
                    }
                }
                let value = if preserve { &value[..] } else { value.trim_matches([' ', '\t', '\r', '\n']) };
                out.push_str(&unescape_excel(value));
            }
            Event::Eof => return Err(Unsupported("unterminated string item")),
            _ => {}
        }
    }
}

/// How a cell style shows numbers: the only distinction that changes a cell's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NumberShape {
    Date,
    Duration,
    Other,
}

/// The number shape of each cell style (`<cellXfs><xf numFmtId=>`), from the custom
/// formats of `<numFmts>` or the built-in ids, as calamine decides it.
fn cell_formats(xml: &[u8]) -> Res<Vec<NumberShape>> {
    let mut reader = xml_reader(xml);
    let mut custom: HashMap<String, String> = HashMap::new();
    let mut out = Vec::new();
    let (mut in_num_fmts, mut in_cell_xfs) = (false, false);
    loop {
        match reader.read_event().map_err(xml_error)? {
            Event::Start(e) => match e.local_name().as_ref() {
                "numFmts" => in_num_fmts = true,
                "cellXfs" => in_cell_xfs = true,
                "numFmt" if in_num_fmts => {
                    let (mut id, mut code) = (None, None);
                    for attr in Attrs(e.attributes_raw().as_bytes()) {
                        let (key, value) = attr?;
                        match key {
                            b"numFmtId" => id = Some(utf8(value)?.to_string()),
                            b"formatCode" => code = Some(unescape(utf8(value)?).map_err(xml_error)?.into_owned()),
                            _ => {}
                        }
                    }
                    if let (Some(id), Some(code)) = (id, code) {
                        custom.insert(id, code);
                    }
                }
                "xf" if in_cell_xfs => {
                    let mut id = None;
                    for attr in Attrs(e.attributes_raw().as_bytes()) {
                        let (key, value) = attr?;
                        if key == b"numFmtId" {
                            id = Some(utf8(value)?);
                            break;
                        }
                    }
                    out.push(match id {
                        None => NumberShape::Other,
                        Some(id) => match custom.get(id) {
                            Some(code) => custom_shape(code),
                            None => builtin_shape(id),
                        },
                    });
                }
                _ => {}
            },
            Event::End(e) => match e.local_name().as_ref() {
                "numFmts" => in_num_fmts = false,
                "cellXfs" => in_cell_xfs = false,
                _ => {}
            },
            Event::Eof => return Ok(out),
            _ => {}
        }
    }
}

/// The shape of a built-in number format (ECMA-376 18.8.30; the East Asian ones are dates).
fn builtin_shape(id: &str) -> NumberShape {
    match id {
        "14" | "15" | "16" | "17" | "18" | "19" | "20" | "21" | "22" | "45" | "47" => NumberShape::Date,
        "27" | "28" | "29" | "30" | "31" | "32" | "33" | "34" | "35" | "36" | "50" | "51" | "52" | "53" | "54"
        | "55" | "56" | "57" | "58" => NumberShape::Date,
        "46" => NumberShape::Duration,
        _ => NumberShape::Other,
    }
}

/// The shape of a custom format code, by calamine's rule: its first section has a date
/// or time letter outside quotes, brackets and escapes (`[h]` alone is a duration).
fn custom_shape(code: &str) -> NumberShape {
    let mut escaped = false;
    let mut quoted = false;
    let mut brackets = 0u8;
    let mut prev = ' ';
    let mut hms = false;
    let mut ap = false;
    for s in code.chars() {
        match (s, escaped, quoted, ap, brackets) {
            (_, true, ..) => escaped = false,
            ('_' | '\\' | '*', ..) => escaped = true,
            ('"', _, true, _, _) => quoted = false,
            (_, _, true, _, _) => (),
            ('"', _, _, _, _) => quoted = true,
            (';', ..) => return NumberShape::Other,
            ('[', ..) => brackets += 1,
            (']', .., 1) if hms => return NumberShape::Duration,
            (']', ..) => brackets = brackets.saturating_sub(1),
            ('a' | 'A', _, _, false, 0) => ap = true,
            ('p' | 'm' | '/' | 'P' | 'M', _, _, true, 0) => return NumberShape::Date,
            ('d' | 'm' | 'h' | 'y' | 's' | 'D' | 'M' | 'H' | 'Y' | 'S', _, _, false, 0) => return NumberShape::Date,
            _ => {
                if !(hms && s.eq_ignore_ascii_case(&prev)) {
                    hms = prev == '[' && matches!(s, 'm' | 'h' | 's' | 'M' | 'H' | 'S');
                }
            }
        }
        prev = s;
    }
    NumberShape::Other
}

/// Excel's escapes of characters XML cannot hold: `_x000D_` is a carriage return (a
/// UTF-16 unit; surrogate pairs as two escapes, a lone surrogate is U+FFFD).
fn unescape_excel(s: &str) -> Cow<'_, str> {
    let unit = |at: usize| -> Option<u16> {
        let b = s.as_bytes().get(at..at + 7)?;
        if b[0] != b'_' || b[1] != b'x' || b[6] != b'_' || !b[2..6].iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        u16::from_str_radix(std::str::from_utf8(&b[2..6]).ok()?, 16).ok()
    };
    let find = |from: usize| -> Option<(usize, u16)> {
        let mut at = from;
        while let Some(i) = s.get(at..)?.find('_') {
            if let Some(u) = unit(at + i) {
                return Some((at + i, u));
            }
            at += i + 1;
        }
        None
    };
    let Some(mut next) = find(0) else { return Cow::Borrowed(s) };
    let mut out = String::with_capacity(s.len());
    let mut copied = 0;
    loop {
        let (at, u) = next;
        out.push_str(&s[copied..at]);
        let mut end = at + 7;
        match u {
            0xD800..=0xDBFF => match unit(end) {
                Some(low @ 0xDC00..=0xDFFF) => {
                    let c = 0x10000 + ((u32::from(u) - 0xD800) << 10) + (u32::from(low) - 0xDC00);
                    out.push(char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER));
                    end += 7;
                }
                _ => out.push(char::REPLACEMENT_CHARACTER),
            },
            0xDC00..=0xDFFF => out.push(char::REPLACEMENT_CHARACTER),
            _ => out.push(char::from_u32(u32::from(u)).unwrap_or(char::REPLACEMENT_CHARACTER)),
        }
        copied = end;
        match find(end) {
            Some(n) => next = n,
            None => break,
        }
    }
    out.push_str(&s[copied..]);
    Cow::Owned(out)
}

/// The attributes of a start tag, as `(name, raw value)`, like calamine's raw iterator.
struct Attrs<'a>(&'a [u8]);

impl<'a> Iterator for Attrs<'a> {
    type Item = Res<(&'a [u8], &'a [u8])>;

    fn next(&mut self) -> Option<Self::Item> {
        let b = self.0.trim_ascii_start();
        if b.is_empty() {
            return None;
        }
        let Some(eq) = memchr::memchr(b'=', b) else {
            self.0 = &[];
            return Some(Err(Unsupported("an attribute without value")));
        };
        let key = b[..eq].trim_ascii_end();
        let rest = b[eq + 1..].trim_ascii_start();
        let Some(&quote) = rest.first().filter(|q| **q == b'"' || **q == b'\'') else {
            self.0 = &[];
            return Some(Err(Unsupported("an unquoted attribute")));
        };
        let Some(end) = memchr::memchr(quote, &rest[1..]) else {
            self.0 = &[];
            return Some(Err(Unsupported("an unterminated attribute")));
        };
        self.0 = &rest[end + 2..];
        Some(Ok((key, &rest[1..end + 1])))
    }
}

fn utf8(b: &[u8]) -> Res<&str> {
    std::str::from_utf8(b).map_err(|_| Unsupported("invalid UTF-8"))
}

/// A part inflated in chunks into a buffer that holds at least the current row.
struct Chunks<R> {
    source: R,
    buf: Vec<u8>,
    /// Start of the unread bytes in `buf`.
    pos: usize,
    eof: bool,
}

/// Bytes inflated at a time.
const CHUNK: usize = 1 << 20;
/// The longest row (or sheet prologue) held in memory; a longer one is left to calamine.
const MAX_ROW: usize = 64 << 20;

impl<R: Read> Chunks<R> {
    fn new(source: R) -> Chunks<R> {
        Chunks { source, buf: Vec::with_capacity(2 * CHUNK), pos: 0, eof: false }
    }

    fn rest(&self) -> &[u8] {
        &self.buf[self.pos..]
    }

    /// Reads more of the part after the unread bytes; false at the end of the part.
    fn more(&mut self) -> Res<bool> {
        if self.eof {
            return Ok(false);
        }
        if self.buf.len() - self.pos > MAX_ROW {
            return Err(Unsupported("a row too long"));
        }
        self.buf.drain(..self.pos);
        self.pos = 0;
        // A long row doubles the buffer, so that it is not searched again every chunk.
        let start = self.buf.len();
        self.buf.resize(start + CHUNK.max(start), 0);
        let mut filled = start;
        while filled < self.buf.len() {
            match self.source.read(&mut self.buf[filled..]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return Err(Unsupported("a damaged worksheet part")),
            }
        }
        self.buf.truncate(filled);
        Ok(filled > start)
    }
}

/// One `<row>` element: its `r` attribute and where its content is in the buffer.
struct RowSpan {
    r: Option<u32>,
    body: std::ops::Range<usize>,
}

/// The state of the scan of the `<sheetData>` of a worksheet.
struct Scan<'a, R> {
    source: Chunks<R>,
    cells: CellReader<'a>,
    rows: RowCount,
    end_row: memmem::Finder<'static>,
}

/// Calamine's row numbers. A cell's row is its `r`, or else its row element's: the
/// element's `r`, or one more than the previous element's. Calamine groups a sheet's
/// cells into rows by row number, so a row element whose cells are of different rows,
/// or of the row of the previous element, is left to it.
struct RowCount {
    /// The row of the next row element without `r` (0-based).
    next: u32,
    /// The row of the cells of the last row element that had some.
    last: Option<u32>,
}

impl RowCount {
    /// The row of an element's cells without `r`.
    fn start(&self, span: &RowSpan) -> u32 {
        span.r.unwrap_or(self.next)
    }

    /// Adds the row `cell` (of a cell of the element starting at `start`) to `row`.
    fn cell(start: u32, cell: Option<u32>, row: &mut Option<u32>) -> Res<()> {
        let cell = cell.unwrap_or(start);
        if row.is_some_and(|r| r != cell) {
            return Err(Unsupported("a row element holding cells of two rows"));
        }
        *row = Some(cell);
        Ok(())
    }

    /// The end of an element that started at `start`, whose cells are of `row`.
    fn end(&mut self, start: u32, row: Option<u32>) -> Res<()> {
        if let Some(row) = row {
            if self.last == Some(row) {
                return Err(Unsupported("a row element repeating the previous one"));
            }
            self.last = Some(row);
        }
        self.next = start.checked_add(1).ok_or(Unsupported("too many rows"))?;
        Ok(())
    }
}

const fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// True when `b[at..]` is the start tag `<name` followed by the end of the name.
fn at_tag(b: &[u8], at: usize, name: &[u8]) -> bool {
    b.get(at) == Some(&b'<')
        && b.get(at + 1..).is_some_and(|r| r.starts_with(name))
        && b.get(at + 1 + name.len()).is_some_and(|&c| c == b'>' || c == b'/' || is_space(c))
}

/// The end of the tag that starts at `b[at]` (`<`): the index after its `>` and whether
/// it closes itself (`/>`); `None` when the tag goes past `b`. Quoted values may hold `>`.
fn tag_end(b: &[u8], at: usize) -> Option<(usize, bool)> {
    let mut i = at + 1;
    loop {
        i += memchr::memchr3(b'>', b'"', b'\'', b.get(i..)?)?;
        match b[i] {
            b'>' => return Some((i + 1, b[i - 1] == b'/')),
            quote => i += 1 + memchr::memchr(quote, b.get(i + 1..)?)? + 1,
        }
    }
}

/// The attributes of the start tag `b[at..end]` named `name`.
fn tag_attrs<'b>(b: &'b [u8], at: usize, end: usize, closed: bool, name: &[u8]) -> &'b [u8] {
    let stop = if closed { end - 2 } else { end - 1 };
    b.get(at + 1 + name.len()..stop).unwrap_or_default()
}

/// Skips XML white space in `b` from `at`.
fn skip_space(b: &[u8], mut at: usize) -> usize {
    while b.get(at).is_some_and(|&c| is_space(c)) {
        at += 1;
    }
    at
}

/// The index of `tag` (an end tag such as `</c>`) in `b` from `at`: for the short
/// contents of cells, where building a `memmem` searcher costs more than it saves.
fn find_tag(b: &[u8], mut at: usize, tag: &[u8]) -> Option<usize> {
    loop {
        at += memchr::memchr(b'<', b.get(at..)?)?;
        if b[at..].starts_with(tag) {
            return Some(at);
        }
        at += 1;
    }
}

/// 0-based (row, column) of a cell reference ("B12"), the column `None` when absent;
/// calamine's rules (letters of either case, then digits, row from 1).
fn cell_ref(r: &[u8]) -> Res<(u32, Option<u32>)> {
    let bad = || Unsupported("a bad cell reference");
    let letters = r.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    let digits = &r[letters..];
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(bad());
    }
    let mut col: u32 = 0;
    for &c in &r[..letters] {
        let c = u32::from(c.to_ascii_uppercase() - b'A') + 1;
        col = col.checked_mul(26).and_then(|x| x.checked_add(c)).ok_or_else(bad)?;
    }
    let mut row: u32 = 0;
    for &d in digits {
        row = row.checked_mul(10).and_then(|x| x.checked_add(u32::from(d - b'0'))).ok_or_else(bad)?;
    }
    let row = row.checked_sub(1).ok_or_else(bad)?;
    Ok((row, col.checked_sub(1)))
}

impl<R: Read> Scan<'_, R> {
    /// Moves past `<sheetData>`, checking the `<dimension ref=>` before it as calamine
    /// does; false when the sheet data is empty (`<sheetData/>`).
    fn sheet_data(&mut self) -> Res<bool> {
        let finder = memmem::Finder::new(b"<sheetData");
        loop {
            let rest = self.source.rest();
            if let Some(i) = finder.find(rest)
                && let Some((end, closed)) = tag_end(rest, i)
            {
                if !at_tag(rest, i, b"sheetData") {
                    return Err(Unsupported("an unexpected element"));
                }
                check_dimension(&rest[..i])?;
                self.source.pos += end;
                return Ok(!closed);
            }
            if !self.source.more()? {
                return Err(Unsupported("no sheet data"));
            }
        }
    }

    /// The next `<row>` element, complete in the buffer; `None` after `</sheetData>`.
    fn next_row(&mut self) -> Res<Option<RowSpan>> {
        loop {
            let rest = self.source.rest();
            let at = skip_space(rest, 0);
            if rest.get(at..).is_some_and(|r| r.starts_with(b"</sheetData")) {
                return Ok(None);
            }
            // A row start tag cut by the end of the buffer waits for more.
            let row_tag = at_tag(rest, at, b"row");
            if row_tag && let Some((end, closed)) = tag_end(rest, at) {
                let mut r = None;
                for attr in Attrs(tag_attrs(rest, at, end, closed, b"row")) {
                    let (key, value) = attr?;
                    if key == b"r" {
                        r = Some(cell_ref(value)?.0);
                    }
                }
                let base = self.source.pos;
                if closed {
                    self.source.pos += end;
                    return Ok(Some(RowSpan { r, body: base + end..base + end }));
                }
                if let Some(i) = self.end_row.find(&rest[end..]) {
                    let close = end + i;
                    // `</row` then `>`; a look-alike (`</rows>`, `</row >`) is not understood.
                    match rest.get(close + 5) {
                        Some(b'>') => {
                            self.source.pos += close + 6;
                            return Ok(Some(RowSpan { r, body: base + end..base + close }));
                        }
                        Some(_) => return Err(Unsupported("an unexpected end tag")),
                        None => {}
                    }
                }
            } else if !row_tag && rest.len() - at >= 12 {
                return Err(Unsupported("an unexpected element in the sheet data"));
            }
            if !self.source.more()? {
                return Err(Unsupported("unterminated sheet data"));
            }
        }
    }

    /// Every cell of a row as text, by column, and the row's 1-based line; `None` for a
    /// row without text (which calamine's stream shows as no row or an empty one).
    fn whole_row(&mut self, span: &RowSpan) -> Res<Option<(usize, Vec<String>)>> {
        let body = &self.source.buf[span.body.clone()];
        let start = self.rows.start(span);
        let mut row = None;
        let mut cells: Vec<String> = Vec::new();
        let mut col = 0u32;
        let mut at = 0;
        while let Some(cell) = next_cell(body, &mut at)? {
            let (r, c) = cell.position(col)?;
            RowCount::cell(start, r, &mut row)?;
            let text = self.cells.value(body, &cell)?.into_text(self.cells.strings);
            let i = c as usize;
            if cells.len() <= i {
                cells.resize(i + 1, String::new());
            }
            cells[i] = text.into_owned();
            col = c.checked_add(1).ok_or(Unsupported("too many columns"))?;
        }
        self.rows.end(start, row)?;
        match row {
            Some(row) if cells.iter().any(|c| !c.is_empty()) => Ok(Some((row as usize + 1, cells))),
            _ => Ok(None),
        }
    }

    /// Whether a row passes every check, reading its cells only up to the last checked
    /// column and stopping at the first failure. A row that passes is not done with:
    /// the caller reads it with [`Scan::whole_row`].
    fn passes(&mut self, span: &RowSpan, checks: &mut [Check]) -> Res<bool> {
        let body = &self.source.buf[span.body.clone()];
        let start = self.rows.start(span);
        let mut row = None;
        let mut next = 0;
        let mut col = 0u32;
        let mut prev: Option<u32> = None;
        let mut at = 0;
        let mut pass = true;
        'cells: while next < checks.len() {
            let Some(cell) = next_cell(body, &mut at)? else { break };
            let (r, c) = cell.position(col)?;
            RowCount::cell(start, r, &mut row)?;
            if prev.is_some_and(|p| c <= p) {
                return Err(Unsupported("cells out of order"));
            }
            prev = Some(c);
            col = c.checked_add(1).ok_or(Unsupported("too many columns"))?;
            let c = c as usize;
            // Checked columns before this one have no cell: they are empty.
            while next < checks.len() && checks[next].col < c {
                if !checks[next].empty {
                    pass = false;
                    break 'cells;
                }
                next += 1;
            }
            if next < checks.len() && checks[next].col == c {
                let value = self.cells.value(body, &cell)?;
                while next < checks.len() && checks[next].col == c {
                    if !checks[next].passes(&value, self.cells.strings) {
                        pass = false;
                        break 'cells;
                    }
                    next += 1;
                }
            }
        }
        if pass && checks[next..].iter().all(|c| c.empty) {
            return Ok(true);
        }
        self.rows.end(start, row)?;
        Ok(false)
    }
}

/// Checks the `<dimension ref="A1:W987844">` of a worksheet's prologue the way calamine
/// reads it (a bad one is its error to report).
fn check_dimension(prologue: &[u8]) -> Res<()> {
    let Some(i) = memmem::find(prologue, b"<dimension") else { return Ok(()) };
    let (end, closed) = tag_end(prologue, i).ok_or(Unsupported("a bad dimension"))?;
    let mut found = false;
    for attr in Attrs(tag_attrs(prologue, i, end, closed, b"dimension")) {
        let (key, value) = attr?;
        if key == b"ref" {
            let parts: Vec<&[u8]> = value.split(|&b| b == b':').collect();
            if parts.len() > 2 {
                return Err(Unsupported("a bad dimension"));
            }
            for p in parts {
                if cell_ref(p)?.1.is_none() {
                    return Err(Unsupported("a bad dimension"));
                }
            }
            found = true;
        }
    }
    if found { Ok(()) } else { Err(Unsupported("a dimension without ref")) }
}

/// One `<c>` element of a row: its attributes and content, as offsets in the row body.
struct CellSpan<'b> {
    r: Option<&'b [u8]>,
    s: Option<&'b [u8]>,
    t: Option<&'b [u8]>,
    content: std::ops::Range<usize>,
}

impl CellSpan<'_> {
    /// (row from `r` if any, column): `r`'s column, or the one after the previous cell.
    fn position(&self, next_col: u32) -> Res<(Option<u32>, u32)> {
        match self.r {
            Some(r) => {
                let (row, col) = cell_ref(r)?;
                Ok((Some(row), col.ok_or(Unsupported("a cell reference without column"))?))
            }
            None => Ok((None, next_col)),
        }
    }
}

/// The next `<c>` of a row body from `at` (moved past it); `None` at the end of the body.
fn next_cell<'b>(body: &'b [u8], at: &mut usize) -> Res<Option<CellSpan<'b>>> {
    let start = skip_space(body, *at);
    if start == body.len() {
        *at = start;
        return Ok(None);
    }
    if !at_tag(body, start, b"c") {
        return Err(Unsupported("an unexpected element in a row"));
    }
    let (end, closed) = tag_end(body, start).ok_or(Unsupported("an unterminated cell"))?;
    let (mut r, mut s, mut t) = (None, None, None);
    for attr in Attrs(tag_attrs(body, start, end, closed, b"c")) {
        let (key, value) = attr?;
        match key {
            b"r" => r = Some(value),
            b"s" => s = Some(value),
            b"t" => t = Some(value),
            _ => {}
        }
    }
    if closed {
        *at = end;
        return Ok(Some(CellSpan { r, s, t, content: end..end }));
    }
    let close = find_tag(body, end, b"</c>").ok_or(Unsupported("an unterminated cell"))?;
    *at = close + 4;
    Ok(Some(CellSpan { r, s, t, content: end..close }))
}

/// A cell's value, before it is text.
enum Value<'s> {
    Empty,
    /// An index in the shared strings table (checked).
    Shared(usize),
    /// The cell's final text.
    Text(Cow<'s, str>),
}

impl<'s> Value<'s> {
    /// The text calamine's `cell_str` gives the cell.
    fn into_text(self, strings: &'s [String]) -> Cow<'s, str> {
        match self {
            Value::Empty => Cow::Borrowed(""),
            Value::Shared(i) => Cow::Borrowed(strings[i].trim()),
            Value::Text(t) => t,
        }
    }
}

/// What converts a cell's content: the shared strings and the styles' number shapes.
struct CellReader<'s> {
    strings: &'s [String],
    formats: &'s [NumberShape],
}

impl<'s> CellReader<'s> {
    /// The value of a cell of `body`: that of its last child element (`<v>`, `<is>`; a
    /// formula `<f>` is no value), as in calamine.
    fn value(&self, body: &[u8], cell: &CellSpan) -> Res<Value<'s>> {
        let content = &body[cell.content.clone()];
        let mut value = Value::Empty;
        let mut at = 0;
        loop {
            at = skip_space(content, at);
            if at == content.len() {
                return Ok(value);
            }
            let name: &[u8] = if at_tag(content, at, b"v") {
                b"v"
            } else if at_tag(content, at, b"f") {
                b"f"
            } else if at_tag(content, at, b"is") {
                b"is"
            } else {
                return Err(Unsupported("an unexpected element in a cell"));
            };
            let (end, closed) = tag_end(content, at).ok_or(Unsupported("an unterminated element"))?;
            let (inner, after) = if closed {
                (&content[end..end], end)
            } else {
                let close: &[u8] = match name {
                    b"v" => b"</v>",
                    b"f" => b"</f>",
                    _ => b"</is>",
                };
                let i = find_tag(content, end, close).ok_or(Unsupported("an unterminated element"))?;
                (&content[end..i], i + close.len())
            };
            value = match name {
                b"v" => self.v(inner, cell)?,
                b"is" => Value::Text(Cow::Owned(inline_string(&content[at..after])?.trim().to_string())),
                _ => Value::Empty,
            };
            at = after;
        }
    }

    /// The value of `<v>` by the cell's type `t` and style `s`.
    fn v(&self, raw: &[u8], cell: &CellSpan) -> Res<Value<'s>> {
        if raw.contains(&b'<') {
            return Err(Unsupported("markup in a value"));
        }
        let t = cell.t;
        match t {
            Some(b"inlineStr" | b"is") => return Ok(Value::Empty),
            Some(b"n" | b"s" | b"b" | b"e") | None => {
                // Calamine reads these from the raw text, which has no entities.
                if raw.contains(&b'&') {
                    return Err(Unsupported("an entity in a value"));
                }
                if raw.is_empty() {
                    return Ok(Value::Empty);
                }
            }
            _ => {}
        }
        let text = utf8(raw)?;
        Ok(match t {
            Some(b"s") => {
                if !raw.iter().all(u8::is_ascii_digit) {
                    return Err(Unsupported("a bad shared string index"));
                }
                let i: usize = text.parse().map_err(|_| Unsupported("a bad shared string index"))?;
                if i >= self.strings.len() {
                    return Err(Unsupported("a shared string index out of the table"));
                }
                Value::Shared(i)
            }
            Some(b"b") => match text.trim() {
                "" => Value::Empty,
                "0" => Value::Text(Cow::Borrowed("false")),
                "1" => Value::Text(Cow::Borrowed("true")),
                v if v.eq_ignore_ascii_case("false") => Value::Text(Cow::Borrowed("false")),
                v if v.eq_ignore_ascii_case("true") => Value::Text(Cow::Borrowed("true")),
                _ => return Err(Unsupported("a bad boolean")),
            },
            Some(b"e") => {
                let e: CellErrorType = text.parse().map_err(|_| Unsupported("an unknown error value"))?;
                Value::Text(Cow::Owned(format!("#ERREUR {e:?}")))
            }
            Some(b"d") => Value::Text(Cow::Owned(decode(text)?)),
            Some(b"str") => Value::Text(Cow::Owned(unescape_excel(&decode(text)?).trim().to_string())),
            Some(b"n") | None => match text.parse::<f64>() {
                Ok(n) => Value::Text(Cow::Owned(self.number(n, cell.s))),
                Err(_) if t.is_none() => Value::Text(Cow::Owned(text.trim().to_string())),
                Err(_) => return Err(Unsupported("a bad number")),
            },
            Some(_) => return Err(Unsupported("an unknown cell type")),
        })
    }

    /// A number as text: an ISO date when the cell's style has a date format.
    fn number(&self, n: f64, style: Option<&[u8]>) -> String {
        let shape = match style {
            // Calamine reads a bad style index as 0.
            Some(s) => {
                let i = utf8(s).ok().filter(|s| s.bytes().all(|b| b.is_ascii_digit())).and_then(|s| s.parse().ok());
                self.formats.get(i.unwrap_or(0)).copied()
            }
            None => None,
        };
        if shape == Some(NumberShape::Date) { serial_date(n) } else { float_text(n) }
    }
}

/// The text of an XML value: line ends normalised (XML 1.0), then entities decoded.
fn decode(raw: &str) -> Res<String> {
    let normal: Cow<str> =
        if raw.contains('\r') { Cow::Owned(raw.replace("\r\n", "\n").replace('\r', "\n")) } else { Cow::Borrowed(raw) };
    Ok(unescape(&normal).map_err(xml_error)?.into_owned())
}

/// The text of an inline string element `<is>…</is>` (whole, tags included).
fn inline_string(xml: &[u8]) -> Res<String> {
    let mut reader = xml_reader(xml);
    match reader.read_event().map_err(xml_error)? {
        Event::Start(e) => {
            let closing = e.name().as_ref().to_string();
            rich_text(&mut reader, &closing)
        }
        _ => Err(Unsupported("a bad inline string")),
    }
}

/// Whether a tested cell's text is known to pass or fail, by shared string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Known {
    Unknown,
    Pass,
    Fail,
}

/// One `keep` test on one column, with its answers remembered.
struct Check {
    col: usize,
    test: Test,
    /// The answer for an empty cell.
    empty: bool,
    by_string: Vec<Known>,
}

impl Check {
    fn passes(&mut self, value: &Value, strings: &[String]) -> bool {
        match value {
            Value::Empty => self.empty,
            Value::Text(t) => (self.test)(t),
            Value::Shared(i) => match self.by_string[*i] {
                Known::Pass => true,
                Known::Fail => false,
                Known::Unknown => {
                    let pass = (self.test)(strings[*i].trim());
                    self.by_string[*i] = if pass { Known::Pass } else { Known::Fail };
                    pass
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook as Writer};
    use zip::write::SimpleFileOptions;

    use super::super::xlsx::Workbook;
    use super::*;

    fn gp(v: &str) -> bool {
        v.starts_with("01")
    }

    fn total(v: &str) -> bool {
        v.contains("Ensemble")
    }

    fn blank_or_x(v: &str) -> bool {
        v.is_empty() || v == "x"
    }

    type Rows = Vec<(usize, Vec<String>)>;

    fn rows_of(rows: Vec<RawRow>) -> Rows {
        rows.into_iter().map(|r| (r.line, r.cells)).collect()
    }

    /// The scanner's table, which must not give up.
    fn fast(bytes: &[u8], sheet: &str, required: &[&str], keep: &[Keep]) -> Option<(Vec<String>, Rows)> {
        match table_where(bytes, sheet, required, keep).expect("the scanner reads it") {
            Scanned::Table { headers, rows } => Some((headers, rows_of(rows))),
            Scanned::NoHeader => None,
        }
    }

    /// Calamine's stream, as `table_where` read every xlsx before the scanner.
    fn streamed(bytes: &[u8], sheet: &str, required: &[&str], keep: &[Keep]) -> Option<(Vec<String>, Rows)> {
        let mut wb = Workbook::open("t.xlsx", bytes.to_vec()).expect("open");
        match wb.table_where_calamine(sheet, required, keep) {
            Ok(t) => Some((t.headers, rows_of(t.rows))),
            Err(p) => {
                assert!(p.to_string().contains("a header row with the columns"), "{p}");
                None
            }
        }
    }

    /// Calamine's whole sheet (`table`), filtered afterwards; its header and rows are as
    /// wide as the sheet, so trailing empty cells are dropped to compare.
    fn whole(bytes: &[u8], sheet: &str, required: &[&str], keep: &[Keep]) -> Option<(Vec<String>, Rows)> {
        let mut wb = Workbook::open("t.xlsx", bytes.to_vec()).expect("open");
        let t = wb.table(sheet, required).ok()?;
        let tests: Vec<(usize, Test)> = keep.iter().filter_map(|(n, f)| t.column(n).map(|i| (i, *f))).collect();
        let rows = t
            .rows
            .into_iter()
            .filter(|r| tests.iter().all(|(i, f)| f(r.cells.get(*i).map(String::as_str).unwrap_or(""))))
            .collect();
        Some(trim((t.headers.clone(), rows_of(rows))))
    }

    /// Without the trailing empty header cells, and the row cells beyond the header
    /// when empty.
    fn trim((mut headers, rows): (Vec<String>, Rows)) -> (Vec<String>, Rows) {
        while headers.last().is_some_and(String::is_empty) {
            headers.pop();
        }
        let rows = rows
            .into_iter()
            .map(|(line, mut cells)| {
                while cells.len() > headers.len() && cells.last().is_some_and(String::is_empty) {
                    cells.pop();
                }
                (line, cells)
            })
            .collect();
        (headers, rows)
    }

    /// Asserts the scanner gives exactly calamine's table, and returns it.
    fn same(bytes: &[u8], sheet: &str, required: &[&str], keep: &[Keep]) -> Option<(Vec<String>, Rows)> {
        let ours = fast(bytes, sheet, required, keep);
        assert_eq!(ours, streamed(bytes, sheet, required, keep), "against calamine's stream");
        let theirs = whole(bytes, sheet, required, keep);
        assert_eq!(ours.clone().map(trim), theirs, "against calamine's range");
        ours
    }

    fn strings(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|s| s.to_string()).collect()
    }

    /// Strings, numbers, dates, booleans, formulas, blanks, gaps, rich text, a header on
    /// the fourth row, cells beyond the header.
    fn varied(ws: &mut rust_xlsxwriter::Worksheet) -> Result<(), rust_xlsxwriter::XlsxError> {
        let date = Format::new().set_num_format("dd/mm/yyyy");
        let builtin = Format::new().set_num_format_index(14);
        let duration = Format::new().set_num_format("[h]:mm");
        let percent = Format::new().set_num_format("0.0%");
        let bold = Format::new().set_bold();
        ws.write_string(0, 0, "Effectifs au 1er janvier")?;
        ws.write_string(1, 2, "  Source : RPPS  ")?;
        for (c, h) in
            ["territoire", " Spécialités agrégées ", "exercice", "sexe", "effectif_2025", "date"].iter().enumerate()
        {
            ws.write_string(3, c as u16, *h)?;
        }
        ws.write_string(4, 0, "France & DOM <total>")?;
        ws.write_string(4, 1, "01-Médecine générale")?;
        ws.write_string(4, 2, "00-Ensemble")?;
        ws.write_string(4, 3, "0-Ensemble")?;
        ws.write_number(4, 4, 97_123.0)?;
        ws.write_datetime_with_format(4, 5, &ExcelDateTime::from_ymd(2025, 9, 1)?, &date)?;
        ws.write_number_with_format(4, 7, 45_901.75, &builtin)?;
        ws.write_number_with_format(4, 8, 1.5, &duration)?;
        ws.write_number_with_format(4, 9, 0.125, &percent)?;
        ws.write_boolean(4, 10, true)?;
        ws.write_formula(4, 11, Formula::new("=1/0").set_result("#DIV/0!"))?;
        ws.write_formula(4, 12, Formula::new("=\"a\"&\"b\"").set_result(" a&b "))?;
        ws.write_formula(4, 13, Formula::new("=1=1").set_result("FALSE"))?;
        ws.write_formula(4, 14, Formula::new("=2+2").set_result("4"))?;
        // A row of another specialty, then one without a sex (gap), then rich text.
        ws.write_string(5, 0, "075-Paris")?;
        ws.write_string(5, 1, "02-Anesthésie")?;
        ws.write_string(5, 2, "00-Ensemble")?;
        ws.write_string(5, 3, "0-Ensemble")?;
        ws.write_number(5, 4, -1.8)?;
        ws.write_string(6, 0, "02A-Corse-du-Sud")?;
        ws.write_string(6, 1, "01-Médecine générale")?;
        ws.write_string(6, 2, "00-Ensemble")?;
        ws.write_number(6, 4, 1e16)?;
        ws.write_rich_string(7, 0, &[(&bold, "971 "), (&Format::default(), "-Guadeloupe ")])?;
        ws.write_rich_string(7, 1, &[(&Format::default(), "01-"), (&bold, "Médecine générale")])?;
        ws.write_string(7, 2, "00-Ensemble")?;
        ws.write_string(7, 3, "0-Ensemble")?;
        ws.write_string(7, 4, "ND")?;
        ws.write_string(7, 30, "beyond")?;
        ws.write_blank(8, 1, &bold)?;
        ws.write_string(9, 0, "line\r\nbreak\ttab _x000D_ _x")?;
        ws.write_string(9, 1, "01-Médecine générale")?;
        ws.write_string(9, 2, "01-Libéral")?;
        ws.write_string(9, 3, "0-Ensemble")?;
        ws.write_string(10, 1, "01-Médecine générale")?;
        ws.write_string(10, 2, "00-Ensemble")?;
        ws.write_string(10, 3, "0-Ensemble")?;
        Ok(())
    }

    const REQUIRED: [&str; 3] = ["specialites_agregees", "exercice", "sexe"];
    const KEEP: [Keep; 3] = [("specialites_agregees", gp), ("exercice", total), ("sexe", total)];

    #[test]
    fn varied_cells_read_as_calamine_reads_them() {
        let mut book = Writer::new();
        varied(book.add_worksheet().set_name("Effectifs").expect("name")).expect("write");
        let bytes = book.save_to_buffer().expect("save");
        let (headers, rows) = same(&bytes, "Effectifs", &REQUIRED, &KEEP).expect("a header");
        assert_eq!(
            headers,
            strings(&["territoire", "Spécialités agrégées", "exercice", "sexe", "effectif_2025", "date"])
        );
        let lines: Vec<usize> = rows.iter().map(|r| r.0).collect();
        assert_eq!(lines, [5, 8, 11], "GP totals only; the row without sex fails its test");
        assert_eq!(
            rows[0].1,
            strings(&[
                "France & DOM <total>",
                "01-Médecine générale",
                "00-Ensemble",
                "0-Ensemble",
                "97123",
                "2025-09-01",
                "",
                "2025-09-01",
                "1.5",
                "0.125",
                "true",
                "#ERREUR Div0",
                "a&b",
                "false",
                "4",
            ])
        );
        assert_eq!(rows[1].1[..2], strings(&["971 -Guadeloupe", "01-Médecine générale"]));
        assert_eq!(rows[1].1.len(), 31, "cells beyond the header are kept");
        assert_eq!(rows[2].1, strings(&["", "01-Médecine générale", "00-Ensemble", "0-Ensemble", "", ""]));

        // Every row, without tests: the blank-only row is skipped, the text of the
        // others (escapes, line breaks, numbers) is calamine's.
        let (_, all) = same(&bytes, "Effectifs", &REQUIRED, &[]).expect("a header");
        assert_eq!(all.iter().map(|r| r.0).collect::<Vec<_>>(), [5, 6, 7, 8, 10, 11]);
        assert_eq!(all[1].1[4], "-1.8");
        assert_eq!(all[2].1[4], "10000000000000000");
        assert_eq!(all[4].1[0], "line\r\nbreak\ttab _x000D_ _x", "written as `line_x000D_\n…_x005F_x000D_`");
    }

    #[test]
    fn low_and_constant_memory_sheets_read_the_same() {
        // Low memory keeps shared strings; constant memory writes inline strings.
        for constant in [false, true] {
            let mut book = Writer::new();
            let ws =
                if constant { book.add_worksheet_with_constant_memory() } else { book.add_worksheet_with_low_memory() }
                    .expect("sheet");
            varied(ws.set_name("Effectifs").expect("name")).expect("write");
            let bytes = book.save_to_buffer().expect("save");
            let (_, rows) = same(&bytes, "Effectifs", &REQUIRED, &KEEP).expect("a header");
            assert_eq!(rows.len(), 3, "constant memory: {constant}");
            let (_, all) = same(&bytes, "Effectifs", &REQUIRED, &[]).expect("a header");
            assert_eq!(all.len(), 6);
        }
    }

    #[test]
    fn header_search_and_keep_tests_match_calamine() {
        let mut book = Writer::new();
        let ws = book.add_worksheet();
        // 29 non-empty rows, blank rows among them, then the header.
        for r in 0..29u32 {
            ws.write_string(r * 2, 0, format!("note {r}")).expect("write");
        }
        for (c, h) in ["a", "b", "c"].iter().enumerate() {
            ws.write_string(58, c as u16, *h).expect("write");
        }
        for r in 59..200u32 {
            if r % 3 != 0 {
                ws.write_string(r, 0, if r % 2 == 0 { "x" } else { "y" }).expect("write");
            }
            if r % 5 != 0 {
                ws.write_number(r, 2, f64::from(r)).expect("write");
            }
            if r % 7 == 0 {
                ws.write_string(r, 1, "x").expect("write");
            }
        }
        let bytes = book.save_to_buffer().expect("save");
        let (_, rows) = same(&bytes, "Sheet1", &["a", "c"], &[("a", blank_or_x), ("b", blank_or_x)]).expect("header");
        assert!(!rows.is_empty() && rows.iter().all(|r| r.1[0] != "y"));
        assert!(rows.iter().any(|r| r.1[0].is_empty()), "an empty tested cell passes a test that accepts it");
        // A test on a column after every cell of some rows; unknown keep names are ignored.
        same(&bytes, "Sheet1", &["a"], &[("c", |v: &str| v.ends_with('1')), ("zz", |_: &str| false)]).expect("h");
        // The header must be among the first 30 non-empty rows.
        assert_eq!(same(&bytes, "Sheet1", &["b"], &[]).map(|t| t.0), Some(strings(&["a", "b", "c"])));
        assert_eq!(same(&bytes, "Sheet1", &["nope"], &[]), None);

        let mut book = Writer::new();
        let ws = book.add_worksheet();
        for r in 0..30u32 {
            ws.write_string(r, 0, "note").expect("write");
        }
        ws.write_string(30, 0, "a").expect("write");
        let bytes = book.save_to_buffer().expect("save");
        assert_eq!(same(&bytes, "Sheet1", &["a"], &[]), None, "the 31st non-empty row is too late");
    }

    #[test]
    fn drees_extract_reads_as_calamine_reads_it() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/real/drees/medecins-rpps-extrait.xlsx");
        let bytes = std::fs::read(path).expect("fixture");
        let required = ["departement", "specialites_agregees", "exercice", "tranche_age", "sexe"];
        let keep: [Keep; 4] =
            [("specialites_agregees", gp), ("exercice", total), ("tranche_age", total), ("sexe", total)];
        let wb = Workbook::open("x", bytes.clone()).expect("open");
        for sheet in wb.sheet_names() {
            let kept = same(&bytes, &sheet, &required, &keep);
            let every = same(&bytes, &sheet, &required, &[]);
            if sheet == "Effectifs" {
                let (kept, every) = (kept.expect("a header").1, every.expect("a header").1);
                assert!(!kept.is_empty() && kept.len() < every.len(), "{} of {}", kept.len(), every.len());
            }
        }
    }

    /// An xlsx written by hand: what spreadsheet programs other than Excel write.
    fn hand_made(sheet: &str, strings: &str, styles: Option<&str>) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = SimpleFileOptions::default();
        let mut part = |name: &str, text: &str| {
            zip.start_file(name, options).expect("part");
            zip.write_all(text.as_bytes()).expect("write");
        };
        part(
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>"#,
        );
        part(
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        );
        part(
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Lisez-moi" sheetId="1" r:id="rId1"/><sheet name="Données &amp; cie" sheetId="2" r:id="rId2"/></sheets></workbook>"#,
        );
        part(
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/sheet2.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#,
        );
        part(
            "xl/worksheets/sheet1.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Lisez-moi</t></is></c></row></sheetData></worksheet>"#,
        );
        part("xl/worksheets/sheet2.xml", sheet);
        part("xl/sharedStrings.xml", strings);
        if let Some(styles) = styles {
            part("xl/styles.xml", styles);
        }
        zip.finish().expect("zip").into_inner()
    }

    const STRINGS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="6" uniqueCount="6">
  <si><t>code</t></si>
  <si><t xml:space="preserve"> Libellé </t></si>
  <si><r><rPr><b/></rPr><t>01-</t></r><r><t xml:space="preserve">Médecine </t></r><r><t>générale</t></r><rPh sb="0" eb="1"><t>phonetic</t></rPh></si>
  <si><t>R&amp;D &#233;t&#xE9; _x0041__xD83D__xDE00_</t></si>
  <si><t/></si>
  <si><t>date</t></si>
</sst>"#;

    const STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy\-mm\-dd"/><numFmt numFmtId="165" formatCode="&quot;Year &quot;0"/></numFmts>
<cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs>
<cellXfs count="5"><xf numFmtId="0"/><xf numFmtId="164" applyNumberFormat="1"/><xf numFmtId="165"/><xf numFmtId="22"><alignment wrapText="1"/></xf><xf numFmtId="46"/></cellXfs>
<dxfs count="1"><dxf><numFmt numFmtId="166" formatCode="dd/mm"/></dxf></dxfs>
</styleSheet>"#;

    #[test]
    fn hand_made_workbook_without_references_and_with_entities() {
        // Rows and cells without `r`, a gap given by `r`, inline strings with entities,
        // formulas, every cell type, an empty row, a row element without cells.
        let sheet = r#"<?xml version="1.0" encoding="UTF-8"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:F9"/><sheetViews><sheetView workbookViewId="0"/></sheetViews><sheetData>
<row><c t="inlineStr"><is><t>titre &lt;test&gt;</t></is></c></row>
<row/>
<row spans="1:6"><c t="s"><v>0</v></c><c t="s"><v>1</v></c><c r="D3" t="s"><v>5</v></c><c t='inlineStr'><is><t>valeur</t></is></c></row>
<row r="5"><c r="A5" t="inlineStr"><is><t xml:space="preserve"> 75 &amp; co </t></is></c><c t="s"><v>2</v></c><c s="1"><v>45901</v></c><c s="3"><f>A1</f><v>45901.5</v></c><c s="2"><v>2025</v></c><c s="4"><v>1.25</v></c></row>
<row><c t="inlineStr"><is><r><t>9</t></r><r><t>71</t></r></is></c><c t="s"><v>3</v></c><c t="e"><f>1/0</f><v>#N/A</v></c><c t="b"><v>0</v></c><c t="str"><f>"x"</f><v>a&amp;b&#10;c</v></c><c t="d"><v>2025-01-02T00:00:00</v></c></row>
<row><c t="s"><v>4</v></c><c/><c s="1"/></row>
<row r="9"><c r="B9" t="s"><v>2</v></c><c><v>text</v></c><c t="n"><v></v></c><c t="inlineStr"><is/></c><c t="inlineStr"><is><t>a&#13;&#10;bCRLFc</t></is></c></row>
</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>"#;
        // Line ends written raw are normalised, not those written as references.
        let sheet = sheet.replace("CRLF", "\r\n");
        let sheet = sheet.as_str();
        let bytes = hand_made(sheet, STRINGS, Some(STYLES));
        let required = ["code", "libelle"];
        let (headers, rows) = same(&bytes, "Données & cie", &required, &[]).expect("header");
        assert_eq!(headers, strings(&["code", "Libellé", "", "date", "valeur"]));
        assert_eq!(
            rows,
            vec![
                (5, strings(&["75 & co", "01-Médecine générale", "2025-09-01", "2025-09-01", "2025", "1.25"])),
                (6, strings(&["971", "R&D été A\u{1F600}", "#ERREUR NA", "false", "a&b\nc", "2025-01-02T00:00:00"])),
                (9, strings(&["", "01-Médecine générale", "text", "", "", "a\r\nb\nc"])),
            ]
        );
        // Tests on columns of cells without `r`; a shared string tested once, twice used.
        let keep: [Keep; 2] = [("libelle", gp), ("code", |v: &str| !v.starts_with('9'))];
        let (_, kept) = same(&bytes, "Données & cie", &required, &keep).expect("header");
        assert_eq!(kept.iter().map(|r| r.0).collect::<Vec<_>>(), [5, 9]);
        // Without styles, dates are numbers.
        let bytes = hand_made(sheet, STRINGS, None);
        let (_, rows) = same(&bytes, "Données & cie", &required, &[]).expect("header");
        assert_eq!(rows[0].1[2..6], strings(&["45901", "45901.5", "2025", "1.25"]));
    }

    #[test]
    fn what_the_scanner_does_not_know_is_left_to_calamine() {
        let cases = [
            (
                r#"<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData><x:row><x:c t="s"><x:v>0</x:v></x:c><x:c t="s"><x:v>1</x:v></x:c></x:row></x:sheetData></x:worksheet>"#,
                "no sheet data",
            ),
            (
                r#"<worksheet><sheetData><row><c t="s"><v>0</v></c><c t="s"><v>1</v></c></row><row><c t="zz"><v>1</v></c></row></sheetData></worksheet>"#,
                "an unknown cell type",
            ),
            (
                r#"<worksheet><sheetData><row r="1"><c t="s"><v>0</v></c><c t="s"><v>1</v></c></row><row r="1"><c r="C1"><v>1</v></c></row></sheetData></worksheet>"#,
                "a row element repeating the previous one",
            ),
            (
                r#"<worksheet><sheetData><row r="1"><c t="s"><v>0</v></c><c t="s" r="B2"><v>1</v></c></row></sheetData></worksheet>"#,
                "a row element holding cells of two rows",
            ),
            (
                r#"<worksheet><sheetData><row><c t="s"><v>0</v></c><c t="s"><v>1</v></c></row><row><c r="A2"><v>1</v></c><c r="A2"><v>2</v></c></row></sheetData></worksheet>"#,
                "cells out of order",
            ),
            (
                r#"<worksheet><sheetData><row><c t="s"><v>0</v></c><c t="s"><v>1</v></c></row><row><c><v><![CDATA[1]]></v></c></row></sheetData></worksheet>"#,
                "markup in a value",
            ),
            (
                r#"<worksheet><sheetData><row><c t="s"><v>0</v></c><c t="s"><v>1</v></c></row><row><c t="s"><v>99</v></c></row></sheetData></worksheet>"#,
                "a shared string index out of the table",
            ),
            (
                r#"<worksheet><dimension ref="1:A"/><sheetData><row><c t="s"><v>0</v></c><c t="s"><v>1</v></c></row></sheetData></worksheet>"#,
                "a bad dimension",
            ),
            (
                r#"<worksheet><sheetData><row><c t="s"><v>0</v></c><c t="s"><v>1</v></c></row><row><c><v>1</v></c>"#,
                "unterminated sheet data",
            ),
        ];
        for (sheet, why) in cases {
            let bytes = hand_made(sheet, STRINGS, None);
            let keep: [Keep; 2] = [("code", |v: &str| v != "2"), ("libelle", |_: &str| true)];
            assert_eq!(table_where(&bytes, "Données & cie", &["code"], &keep).err(), Some(Unsupported(why)), "{sheet}");
            // The public reader still answers, with calamine's table or message.
            let mut wb = Workbook::open("t.xlsx", bytes.clone()).expect("open");
            let ours =
                wb.table_where("Données & cie", &["code"], &keep).map(|t| rows_of(t.rows)).map_err(|p| p.to_string());
            let mut wb = Workbook::open("t.xlsx", bytes).expect("open");
            let theirs = wb
                .table_where_calamine("Données & cie", &["code"], &keep)
                .map(|t| rows_of(t.rows))
                .map_err(|p| p.to_string());
            assert_eq!(ours, theirs, "{why}");
        }
        assert_eq!(table_where(b"PK\x03\x04 not a zip", "x", &[], &[]).err(), Some(Unsupported("not a zip archive")));
        let bytes = hand_made("<worksheet><sheetData/></worksheet>", STRINGS, None);
        assert!(matches!(table_where(&bytes, "Données & cie", &["code"], &[]), Ok(Scanned::NoHeader)));
        assert_eq!(table_where(&bytes, "Absent", &["code"], &[]).err(), Some(Unsupported("no such sheet")));
    }

    #[test]
    fn rows_longer_than_a_chunk_are_read_whole() {
        let mut book = Writer::new();
        // Constant memory: the text is inline, so each row is some 2.4 MB of XML (the
        // scanner inflates 1 MB at a time).
        let ws = book.add_worksheet_with_constant_memory().expect("sheet");
        ws.write_string(0, 0, "a").expect("write");
        ws.write_string(0, 1, "b").expect("write");
        let long = "é".repeat(30_000);
        for r in 1..6u32 {
            ws.write_string(r, 0, if r % 2 == 0 { "keep" } else { "drop" }).expect("write");
            for c in 1..41u16 {
                ws.write_string(r, c, format!("{long}{r}{c:02}")).expect("write");
            }
        }
        let bytes = book.save_to_buffer().expect("save");
        let (_, rows) = same(&bytes, "Sheet1", &["a"], &[("a", |v: &str| v == "keep")]).expect("header");
        assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), [3, 5]);
        assert!(rows.iter().all(|r| r.1.len() == 41 && r.1[40].len() == 60_003));
    }

    /// The full-size DREES workbook of `barometre bench-data` (a minute to write), read
    /// both ways: `BAROMETRE_BENCH_DATA=/tmp/bench-data cargo test --release --lib
    /// full_size -- --ignored`.
    #[test]
    #[ignore = "needs the full-size files of `barometre bench-data`"]
    fn full_size_drees_reads_as_calamine_reads_it() {
        use crate::sources::drees::{KEEP, REQUIRED};
        let dir = std::env::var("BAROMETRE_BENCH_DATA").unwrap_or_else(|_| "target/bench-data".into());
        let path = std::path::Path::new(&dir).join(crate::demo::fullsize::DREES_FILE);
        let bytes = std::fs::read(&path).expect("run `barometre bench-data` first");
        let ours = fast(&bytes, "Effectifs", &REQUIRED, &KEEP).expect("a header");
        assert_eq!(Some(&ours), streamed(&bytes, "Effectifs", &REQUIRED, &KEEP).as_ref());
        assert_eq!(ours.1.len(), 360, "120 territories × 3 GP rows (total and 2 details) at the total levels");
    }

    #[test]
    fn custom_formats_are_dates_by_calamines_rule() {
        assert_eq!(custom_shape("dd/mm/yyyy"), NumberShape::Date);
        assert_eq!(custom_shape("[h]:mm:ss"), NumberShape::Duration);
        assert_eq!(custom_shape("\"Year \"0"), NumberShape::Other);
        assert_eq!(custom_shape("#,##0.00_);[Red](#,##0.00)"), NumberShape::Other);
        assert_eq!(custom_shape("[$-40C]d mmmm yyyy"), NumberShape::Date);
        assert_eq!(builtin_shape("14"), NumberShape::Date);
        assert_eq!(builtin_shape("164"), NumberShape::Other);
        assert_eq!(unescape_excel("a_x000D_b_x005F_x0041_"), "a\rb_x0041_");
        assert_eq!(unescape_excel("_xD800_z"), "\u{FFFD}z");
    }
}
