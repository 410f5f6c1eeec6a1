//! The open directory of health professionals (Agence du numérique en santé, « Annuaire
//! santé – extractions des données en libre accès », Licence Ouverte):
//! `PS_LibreAcces_Personne_activite_<timestamp>.txt`, `|`-separated with a trailing `|`,
//! UTF-8, one row per activity of a professional. Reduced here to the general
//! practitioners counted by commune of practice.
//!
//! **Who is a GP**: `Code profession` 10 (médecin) with the ordinal specialty of general
//! medicine: `Code savoir-faire` SM26, SM53 or SM54, or a `Libellé savoir-faire` reading
//! « médecine générale ».
//!
//! **One doctor, one count**: a doctor with several activities is counted once, at one
//! site chosen by a stated rule: the libéral activity first, then salaried, then
//! volunteer, then any other; among equals, the lowest commune code. Activities without a
//! commune are set aside; a doctor without any commune is counted apart (`sans_commune`).
//!
//! Codes that are not current communes (communes déléguées, arrondissements, communes
//! merged without a déléguée, from the COG's history) are mapped to
//! their commune ([`Communes::current`]); unknown codes, a file that is not UTF-8 or not
//! `|`-separated, missing columns and repeated rows are errors naming the file, the line
//! and the column.

use std::collections::BTreeMap;
use std::io::Read;

use anyhow::Result;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::communes::Communes;
use crate::error::{DataError, Problem};

/// The publisher's header: 52 columns and a trailing `|`.
pub const HEADER: &str = "Type d'identifiant PP|Identifiant PP|Identification nationale PP|Code civilité d'exercice|Libellé civilité d'exercice|Code civilité|Libellé civilité|Nom d'exercice|Prénom d'exercice|Code profession|Libellé profession|Code catégorie professionnelle|Libellé catégorie professionnelle|Code type savoir-faire|Libellé type savoir-faire|Code savoir-faire|Libellé savoir-faire|Code mode exercice|Libellé mode exercice|Numéro SIRET site|Numéro SIREN site|Numéro FINESS site|Numéro FINESS établissement juridique|Identifiant technique de la structure|Raison sociale site|Enseigne commerciale site|Complément destinataire (coord. structure)|Complément point géographique (coord. structure)|Numéro Voie (coord. structure)|Indice répétition voie (coord. structure)|Code type de voie (coord. structure)|Libellé type de voie (coord. structure)|Libellé Voie (coord. structure)|Mention distribution (coord. structure)|Bureau cedex (coord. structure)|Code postal (coord. structure)|Code commune (coord. structure)|Libellé commune (coord. structure)|Code pays (coord. structure)|Libellé pays (coord. structure)|Téléphone (coord. structure)|Téléphone 2 (coord. structure)|Télécopie (coord. structure)|Adresse e-mail (coord. structure)|Code Département (structure)|Libellé Département (structure)|Ancien identifiant de la structure|Autorité d'enregistrement|Code secteur d'activité|Libellé secteur d'activité|Code section tableau pharmaciens|Libellé section tableau pharmaciens|";

/// The columns read (names as in the publisher's header).
const ID: &str = "Identifiant PP";
const PROFESSION: &str = "Code profession";
const SAVOIR_FAIRE: &str = "Code savoir-faire";
const SAVOIR_FAIRE_LABEL: &str = "Libellé savoir-faire";
const MODE: &str = "Code mode exercice";
const COMMUNE: &str = "Code commune (coord. structure)";
const SIRET: &str = "Numéro SIRET site";
const STRUCTURE: &str = "Identifiant technique de la structure";

/// Ordinal specialties of general medicine.
const GP_CODES: [&str; 3] = ["SM26", "SM53", "SM54"];

/// The reduced extract.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct GpByCommune {
    /// Current commune code → number of GPs counted there.
    pub communes: BTreeMap<String, u64>,
    /// GPs whose activities give no commune.
    pub sans_commune: u64,
    /// Codes read and the current commune they were mapped to (former codes only).
    pub mapped: BTreeMap<String, String>,
    /// Rows read, and GP activity rows among them.
    pub rows: u64,
    pub gp_rows: u64,
}

impl GpByCommune {
    pub fn total(&self) -> u64 {
        self.communes.values().sum::<u64>() + self.sans_commune
    }

    /// GPs by EPCI (SIREN), from the communes' membership.
    pub fn by_epci(&self) -> BTreeMap<String, u64> {
        let c = Communes::get();
        let mut out = BTreeMap::new();
        for (code, n) in &self.communes {
            if let Some(siren) = c.commune(code).and_then(|x| x.epci.clone()) {
                *out.entry(siren).or_insert(0) += n;
            }
        }
        out
    }

    /// GPs by département.
    pub fn by_departement(&self) -> BTreeMap<String, u64> {
        let c = Communes::get();
        let mut out = BTreeMap::new();
        for (code, n) in &self.communes {
            if let Some(x) = c.commune(code) {
                *out.entry(x.departement.clone()).or_insert(0) += n;
            }
        }
        out
    }
}

fn one(p: Problem) -> DataError {
    DataError::Invalid(vec![p])
}

/// A problem at a line of the extract, in a column, with the value found.
fn at(file: &str, row: usize, column: Option<&str>, value: Option<String>, expected: impl Into<String>) -> Problem {
    let mut p = Problem::file(file, expected);
    p.row = Some(row);
    p.column = column.map(str::to_string);
    p.value = value;
    p
}

fn mode_rank(mode: &str) -> u8 {
    match mode {
        "L" => 0,
        "S" => 1,
        "B" => 2,
        _ => 3,
    }
}

fn is_gp(code: &str, label: &str) -> bool {
    GP_CODES.contains(&code) || crate::formats::fold(label) == "medecine_generale"
}

/// Reads the extract from a `.txt` or from the publisher's `.zip` (the entry
/// `PS_LibreAcces_Personne_activite_*.txt`).
pub fn read_path(path: &std::path::Path) -> Result<GpByCommune> {
    let label = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| one(Problem::file(&label, format!("a readable file ({e})"))))?;
    read_bytes(&bytes, &label).map(|(counts, _)| counts)
}

/// Reads the extract from the bytes of a `.txt` or of the publisher's `.zip`, and returns
/// it with the name of the file read (the zip's entry, else `label`), which carries the
/// extraction's timestamp.
pub fn read_bytes(bytes: &[u8], label: &str) -> Result<(GpByCommune, String)> {
    if bytes.starts_with(b"PK") {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
            .map_err(|e| one(Problem::file(label, format!("a complete zip archive ({e})"))))?;
        let name = (0..zip.len())
            .filter_map(|i| zip.name_for_index(i).and_then(|n| n.ok()).map(|n| n.to_string()))
            .find(|n| {
                n.rsplit('/')
                    .next()
                    .is_some_and(|b| b.starts_with("PS_LibreAcces_Personne_activite") && b.ends_with(".txt"))
            });
        let Some(name) = name else {
            return Err(one(Problem::file(
                label,
                "a zip holding PS_LibreAcces_Personne_activite_<date>.txt (no such file in the archive)",
            ))
            .into());
        };
        let mut text = Vec::new();
        zip.by_name(&name)
            .and_then(|mut f| f.read_to_end(&mut text).map_err(zip::result::ZipError::from))
            .map_err(|e| one(Problem::file(&format!("{label}:{name}"), format!("a complete entry ({e})"))))?;
        let counts = parse(&text, &format!("{label}:{name}"))?;
        return Ok((counts, name));
    }
    Ok((parse(bytes, label)?, label.to_string()))
}

/// The date of an extraction from its file name (`…_<YYYYMMDDhhmm>.txt`), as
/// (year, month, day).
pub fn extraction_date(name: &str) -> Option<(i32, u32, u32)> {
    let base = name.rsplit(['/', '\\']).next()?;
    let stamp = base.strip_prefix("PS_LibreAcces_Personne_activite_")?.split('.').next()?;
    if stamp.len() < 8 || !stamp.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (y, m, d) = (stamp[..4].parse().ok()?, stamp[4..6].parse().ok()?, stamp[6..8].parse().ok()?);
    ((1..=12).contains(&m) && (1..=31).contains(&d)).then_some((y, m, d))
}

/// Lines parsed by polars at a time: bounds the memory of the columns read beside the
/// extract's bytes (2 million lines ≈ 8 slices).
const SLICE_LINES: usize = 262_144;

/// Parses the extract's bytes (`file` names it in errors).
///
/// Checked by hand first, with the line of any problem: UTF-8, the `|`-separated header
/// and its columns, and that every line has the header's fields (polars would fill a short
/// line with empty values). Then polars' CSV reader reads only the needed columns, by
/// slices of lines, each filtered to the médecins (`Code profession` 10) with a lazy
/// query; the GP rows left are reduced here, one count per doctor.
pub fn parse(bytes: &[u8], file: &str) -> Result<GpByCommune> {
    parse_by_slices(bytes, file, SLICE_LINES)
}

fn parse_by_slices(bytes: &[u8], file: &str, slice_lines: usize) -> Result<GpByCommune> {
    use polars::prelude::*;
    use polars_io::csv::read::{CsvParseOptions, CsvReadOptions};
    use polars_io::prelude::SerReader;

    let checks = crate::timing::Timer::start("rpps: checks (UTF-8, fields)");
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // Blank lines at the end of the file are not rows.
    let bytes = &bytes[..bytes.iter().rposition(|b| !matches!(b, b'\n' | b'\r')).map_or(0, |i| i + 1)];
    if let Err(e) = std::str::from_utf8(bytes) {
        let line = bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() + 1;
        let expected = "UTF-8 text (the publisher's encoding; an old extract in Latin-1 must be converted)";
        return Err(one(at(file, line, None, None, expected)).into());
    }
    let first_end = memchr::memchr(b'\n', bytes).map_or(bytes.len(), |i| i + 1);
    let first = trim_eol(&bytes[..first_end]);
    if !first.contains(&b'|') {
        return Err(one(at(file, 1, None, None, "a header separated by `|`, as the publisher writes it")).into());
    }
    let header: Vec<String> =
        first.split(|b| *b == b'|').map(|h| String::from_utf8_lossy(h).trim().to_string()).collect();
    let mut problems = Vec::new();
    let column = |name: &str, problems: &mut Vec<Problem>| -> usize {
        header.iter().position(|h| h == name).unwrap_or_else(|| {
            problems.push(at(file, 1, Some(name), None, "the column of the publisher's header"));
            usize::MAX
        })
    };
    let columns = [ID, PROFESSION, SAVOIR_FAIRE, SAVOIR_FAIRE_LABEL, MODE, COMMUNE, SIRET, STRUCTURE];
    let indices = columns.map(|n| column(n, &mut problems));
    if !problems.is_empty() {
        return Err(DataError::Invalid(problems).into());
    }
    // Every line has the header's fields (the trailing `|` may be missing); the start of
    // every slice of lines is kept for polars.
    let min_fields = header.len().saturating_sub(1).max(indices.iter().max().map_or(0, |m| m + 1));
    let mut slices = vec![first_end];
    let (mut start, mut line, mut rows) = (first_end, 1usize, 0usize);
    while start < bytes.len() {
        let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i + 1);
        line += 1;
        let text = trim_eol(&bytes[start..end]);
        let fields = bytecount(text, b'|') + 1;
        if text.is_empty() || fields < min_fields {
            let found = if text.is_empty() { "an empty line".to_string() } else { format!("{fields} fields") };
            problems.push(at(file, line, None, Some(found), format!("{} fields separated by `|`", header.len())));
            if problems.len() >= 50 {
                break;
            }
        }
        rows += 1;
        start = end;
        if rows % slice_lines == 0 && start < bytes.len() {
            slices.push(start);
        }
    }
    if rows == 0 {
        problems.push(at(file, 2, None, None, "at least one activity row after the header"));
    }
    if !problems.is_empty() {
        return Err(DataError::Invalid(problems).into());
    }
    slices.push(bytes.len());
    checks.stop();
    let _read = crate::timing::Timer::start("rpps: polars read + reduce");

    // Every column as text, under positional names (the header may end with an empty one).
    let schema: Schema = (0..header.len()).map(|i| Field::new(format!("c{i}").into(), DataType::String)).collect();
    let schema = Arc::new(schema);
    let names = indices.map(|i| format!("c{i}"));
    let [id, prof, sf, sfl, mode, commune, siret, structure] = names.each_ref().map(|n| n.as_str());
    let mut projection: Vec<usize> = indices.to_vec();
    projection.sort_unstable();
    let projection = Arc::new(projection);
    let polars_error = |e: PolarsError| one(Problem::file(file, format!("a `|`-separated extract ({e})")));

    let communes = Communes::get();
    let mut out = GpByCommune { rows: rows as u64, ..GpByCommune::default() };
    // Person → (rank, commune) of the site where they are counted; first line seen.
    let mut best: FxHashMap<String, Option<(u8, String)>> = FxHashMap::default();
    let mut seen: FxHashSet<Vec<u8>> = FxHashSet::default();
    // Line of the first row of each slice.
    let mut first_line = 2;
    for w in slices.windows(2) {
        let slice = &bytes[w[0]..w[1]];
        let n = bytecount(slice, b'\n') + usize::from(!slice.ends_with(b"\n") && !slice.is_empty());
        let t_read = crate::timing::Timer::start("rpps: polars csv");
        let df = CsvReadOptions::default()
            .with_has_header(false)
            .with_schema(Some(schema.clone()))
            .with_projection(Some(projection.clone()))
            .with_row_index(Some(polars_io::RowIndex { name: "ligne".into(), offset: first_line as IdxSize }))
            .with_parse_options(
                CsvParseOptions::default()
                    .with_separator(b'|')
                    .with_quote_char(None)
                    .with_truncate_ragged_lines(true)
                    .with_missing_is_null(false),
            )
            .into_reader_with_file_handle(std::io::Cursor::new(slice))
            .finish()
            .map_err(polars_error)?;
        first_line += n;
        drop(t_read);
        let t_filter = crate::timing::Timer::start("rpps: polars filter");
        let df = df.lazy().filter(polars::prelude::col(prof).eq(lit("10"))).collect().map_err(polars_error)?;
        drop(t_filter);
        let _t_reduce = crate::timing::Timer::start("rpps: reduce");
        // The médecins' rows of the slice, column by column (trimmed text).
        let text = |name: &str| -> Result<Vec<&str>> {
            let c = df.column(name).and_then(|c| c.str()).map_err(polars_error)?;
            Ok(c.iter().map(|v| v.unwrap_or_default().trim()).collect())
        };
        let lines: Vec<usize> = df
            .column("ligne")
            .and_then(|c| c.idx())
            .map_err(polars_error)?
            .iter()
            .map(|v| v.unwrap_or_default() as usize)
            .collect();
        let (ids, sfs, sfls, modes, codes, sirets, structures) =
            (text(id)?, text(sf)?, text(sfl)?, text(mode)?, text(commune)?, text(siret)?, text(structure)?);
        let mut general: FxHashMap<&str, bool> = FxHashMap::default();
        let mut current: FxHashMap<&str, Option<&crate::communes::Commune>> = FxHashMap::default();
        for (i, &line) in lines.iter().enumerate() {
            // A label is folded once per slice, not once per row.
            let (code, label) = (pick(&sfs, i), pick(&sfls, i));
            let gp = GP_CODES.contains(&code) || *general.entry(label).or_insert_with(|| is_gp("", label));
            if !gp {
                continue;
            }
            out.gp_rows += 1;
            let person = pick(&ids, i);
            let code = pick(&codes, i);
            // The same activity twice (person, site, commune): the extract was concatenated.
            let key =
                [person.as_bytes(), pick(&sirets, i).as_bytes(), pick(&structures, i).as_bytes(), code.as_bytes()]
                    .join(&b'|');
            if !seen.insert(key) {
                let expected = "each activity once (this person's site is repeated)";
                problems.push(at(file, line, Some(ID), Some(person.to_string()), expected));
                continue;
            }
            let site = if code.is_empty() {
                None
            } else {
                match *current.entry(code).or_insert_with(|| communes.current(code)) {
                    Some(c) => {
                        if c.code != code {
                            out.mapped.insert(code.to_string(), c.code.clone());
                        }
                        Some((mode_rank(pick(&modes, i)), c.code.clone()))
                    }
                    None => {
                        let expected = "a commune code of the official geography (COG 2026)";
                        problems.push(at(file, line, Some(COMMUNE), Some(code.to_string()), expected));
                        continue;
                    }
                }
            };
            let entry = best.entry(person.to_string()).or_insert(None);
            if let Some(s) = site
                && entry.as_ref().is_none_or(|b| s < *b)
            {
                *entry = Some(s);
            }
        }
    }
    if !problems.is_empty() {
        problems.sort_by_key(|p| p.row);
        problems.truncate(50);
        return Err(DataError::Invalid(problems).into());
    }
    for site in best.into_values() {
        match site {
            Some((_, code)) => *out.communes.entry(code).or_insert(0) += 1,
            None => out.sans_commune += 1,
        }
    }
    Ok(out)
}

/// The `i`th value of a column.
fn pick<'a>(column: &[&'a str], i: usize) -> &'a str {
    column.get(i).copied().unwrap_or_default()
}

/// A line without its `\n` or `\r\n`.
fn trim_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Occurrences of a byte: counted in byte lanes over blocks of 255 (a loop the compiler
/// turns into wide vector compares and adds, several times faster than a plain count).
fn bytecount(s: &[u8], b: u8) -> usize {
    s.chunks(255).map(|c| c.iter().fold(0u8, |n, x| n + u8::from(*x == b)) as usize).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURE: &str = include_str!("../../fixtures/real/rpps/PS_LibreAcces_Personne_activite_202511200000.txt");

    /// Polars reads the extract by slices of lines: the counts and the line named in an
    /// error do not depend on where the slices fall.
    #[test]
    fn slices_of_any_size_give_the_same_counts_and_lines() {
        let whole = parse_by_slices(FIXTURE.as_bytes(), "x", usize::MAX).expect("parse");
        assert_eq!((whole.total(), whole.sans_commune), (9, 1), "the hand counts of the fixture (tests/communes.rs)");
        for size in [1, 2, 3, 5, 7] {
            assert_eq!(parse_by_slices(FIXTURE.as_bytes(), "x", size).expect("parse"), whole, "slices of {size}");
        }
        // Blank lines at the end are not rows; a blank line inside is an error, on its line.
        assert_eq!(parse_by_slices(format!("{FIXTURE}\n\r\n\n").as_bytes(), "x", 3).expect("parse"), whole);
        let mut lines: Vec<&str> = FIXTURE.lines().collect();
        lines.insert(4, "");
        let e = parse_by_slices(lines.join("\n").as_bytes(), "x", 3).expect_err("blank line");
        let DataError::Invalid(p) = e.downcast_ref::<DataError>().expect("a data error");
        assert_eq!(p[0].row, Some(5), "{e}");
        // A header without rows.
        let header = FIXTURE.lines().next().expect("header");
        let e = parse_by_slices(format!("{header}\n").as_bytes(), "x", 3).expect_err("no rows");
        assert!(e.to_string().contains("at least one activity row"), "{e}");
        // An unknown commune on line 15, whatever the slice holding it.
        let bad = FIXTURE.replace("|97101|", "|97199|");
        for size in [1, 4, 6, usize::MAX] {
            let e = parse_by_slices(bad.as_bytes(), "x", size).expect_err("unknown commune");
            let DataError::Invalid(p) = e.downcast_ref::<DataError>().expect("a data error");
            assert_eq!(p[0].row, Some(15), "slices of {size}: {e}");
        }
    }
}
