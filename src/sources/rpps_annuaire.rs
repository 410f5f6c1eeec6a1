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

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;

use anyhow::Result;

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

/// Parses the extract's bytes (`file` names it in errors).
pub fn parse(bytes: &[u8], file: &str) -> Result<GpByCommune> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Err(e) = std::str::from_utf8(bytes) {
        let line = bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() + 1;
        let expected = "UTF-8 text (the publisher's encoding; an old extract in Latin-1 must be converted)";
        return Err(one(at(file, line, None, None, expected)).into());
    }
    let first = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    if !first.contains(&b'|') {
        return Err(one(at(file, 1, None, None, "a header separated by `|`, as the publisher writes it")).into());
    }
    let mut rdr = csv::ReaderBuilder::new().delimiter(b'|').quoting(false).flexible(true).from_reader(bytes);
    let header: Vec<String> = rdr
        .byte_headers()
        .map_err(|e| one(Problem::file(file, format!("a readable header ({e})"))))?
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().to_string())
        .collect();
    let mut problems = Vec::new();
    let col = |name: &str, problems: &mut Vec<Problem>| -> usize {
        header.iter().position(|h| h == name).unwrap_or_else(|| {
            problems.push(at(file, 1, Some(name), None, "the column of the publisher's header"));
            usize::MAX
        })
    };
    let [id, prof, sf, sfl, mode, commune, siret, structure] =
        [ID, PROFESSION, SAVOIR_FAIRE, SAVOIR_FAIRE_LABEL, MODE, COMMUNE, SIRET, STRUCTURE]
            .map(|n| col(n, &mut problems));
    if !problems.is_empty() {
        return Err(DataError::Invalid(problems).into());
    }
    let communes = Communes::get();
    let mut out = GpByCommune::default();
    // Person → (rank, commune) of the site where they are counted; first line seen.
    let mut best: HashMap<String, Option<(u8, String)>> = HashMap::new();
    let mut seen: HashSet<Vec<u8>> = HashSet::new();
    let mut record = csv::ByteRecord::new();
    let mut line = 1;
    let field = |r: &csv::ByteRecord, i: usize| -> String {
        String::from_utf8_lossy(r.get(i).unwrap_or_default()).trim().to_string()
    };
    loop {
        match rdr.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                problems.push(at(file, line + 1, None, None, format!("a readable line ({e})")));
                break;
            }
        }
        line += 1;
        out.rows += 1;
        if record.len() < header.len().saturating_sub(1) {
            let found = Some(format!("{} fields", record.len()));
            problems.push(at(file, line, None, found, format!("{} fields separated by `|`", header.len())));
            continue;
        }
        if field(&record, prof) != "10" || !is_gp(&field(&record, sf), &field(&record, sfl)) {
            continue;
        }
        out.gp_rows += 1;
        let person = field(&record, id);
        let code = field(&record, commune);
        // The same activity twice (person, site, commune): the extract was concatenated.
        let key = [
            person.as_bytes(),
            field(&record, siret).as_bytes(),
            field(&record, structure).as_bytes(),
            code.as_bytes(),
        ]
        .join(&b'|');
        if !seen.insert(key) {
            problems.push(at(
                file,
                line,
                Some(ID),
                Some(person),
                "each activity once (this person's site is repeated)",
            ));
            continue;
        }
        let site = if code.is_empty() {
            None
        } else {
            match communes.current(&code) {
                Some(c) => {
                    if c.code != code {
                        out.mapped.insert(code.clone(), c.code.clone());
                    }
                    Some((mode_rank(&field(&record, mode)), c.code.clone()))
                }
                None => {
                    let expected = "a commune code of the official geography (COG 2026)";
                    problems.push(at(file, line, Some(COMMUNE), Some(code), expected));
                    continue;
                }
            }
        };
        let entry = best.entry(person).or_insert(None);
        if let Some(s) = site
            && entry.as_ref().is_none_or(|b| s < *b)
        {
            *entry = Some(s);
        }
    }
    if !problems.is_empty() {
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
