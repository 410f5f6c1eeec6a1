//! Reference geography: the 101 départements and 18 régions of France.
//!
//! Owns the committed reference tables under `fixtures/reference/` (embedded in the
//! binary) and the rules for département codes. Does not know any data source.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use anyhow::{Context, Result, bail};
use serde::Serialize;

static DEPARTEMENTS_CSV: &str = include_str!("../fixtures/reference/departements.csv");
static REGIONS_CSV: &str = include_str!("../fixtures/reference/regions.csv");
static POPULATION_LEGALE_CSV: &str = include_str!("../fixtures/reference/population-legale.csv");
static EPCI_CSV: &str = include_str!("../fixtures/reference/epci.csv");

/// Metropolitan France or an overseas département/région (DROM).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Zone {
    Metro,
    Drom,
}

#[derive(Debug, Clone, Serialize)]
pub struct Departement {
    pub code: String,
    pub name: String,
    pub region: String,
    pub zone: Zone,
    pub nb_communes: u32,
    /// INSEE's « type de nom en clair » (TNCC): the article and elision of the name.
    pub tncc: u8,
}

impl Departement {
    /// The name after « de »: « de l’Ain », « du Tarn », « de la Creuse », « des Vosges »,
    /// « de Paris », « d’Ille-et-Vilaine », « de La Réunion ».
    pub fn de(&self) -> String {
        crate::fmt::de_name(&self.name, self.tncc)
    }

    /// The name with its article: « l’Ain », « le Tarn », « la Creuse », « les Vosges »,
    /// « Paris ».
    pub fn le(&self) -> String {
        crate::fmt::le_name(&self.name, self.tncc)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Region {
    pub code: String,
    pub name: String,
    pub zone: Zone,
    /// INSEE's TNCC, as for départements.
    pub tncc: u8,
}

impl Region {
    /// « de la Nouvelle-Aquitaine », « d’Île-de-France », « du Grand Est », « des
    /// Hauts-de-France », « de Bretagne », « de La Réunion ».
    pub fn de(&self) -> String {
        crate::fmt::de_name(&self.name, self.tncc)
    }

    /// « la Nouvelle-Aquitaine », « le Grand Est », « les Hauts-de-France », « Bretagne ».
    pub fn le(&self) -> String {
        crate::fmt::le_name(&self.name, self.tncc)
    }

    /// Where: « en Nouvelle-Aquitaine », « en Île-de-France », « dans le Grand Est »,
    /// « dans les Hauts-de-France », « en Bretagne », « à La Réunion », « à Mayotte ».
    pub fn en(&self) -> String {
        crate::fmt::en_name(&self.name, self.tncc, self.zone == Zone::Drom)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Epci {
    pub siren: String,
    pub name: String,
    pub kind: String,
    pub population: u64,
    /// Départements of the member communes, largest population share first.
    pub departements: Vec<String>,
}

/// The reference geography, loaded once from the embedded tables.
#[derive(Debug)]
pub struct Geography {
    pub departements: Vec<Departement>,
    pub regions: Vec<Region>,
    pub epci: Vec<Epci>,
    /// Legal municipal population by (département, COG year).
    pub population_legale: BTreeMap<(String, i32), u64>,
    dept_index: BTreeMap<String, usize>,
    region_index: BTreeMap<String, usize>,
}

impl Geography {
    /// The département code for "23", "Creuse", "creuse", "2a", "Côtes-d'Armor"…
    pub fn resolve_departement(&self, input: &str) -> Result<String> {
        let geo = self;
        if let Ok(code) = geo.normalize_dept(input) {
            return Ok(code);
        }
        let want = crate::formats::fold(input);
        if let Some(d) = geo.dept_by_name(input) {
            return Ok(d.code.clone());
        }
        let close: Vec<String> = geo
            .departements
            .iter()
            .filter(|d| crate::formats::fold(&d.name).contains(&want))
            .map(|d| format!("{} ({})", d.name, d.code))
            .collect();
        if close.len() == 1 {
            return Ok(geo
                .departements
                .iter()
                .find(|d| crate::formats::fold(&d.name).contains(&want))
                .map(|d| d.code.clone())
                .unwrap_or_default());
        }
        if close.is_empty() {
            // The nearest names by edit distance (« mayote » → Mayotte).
            let mut near: Vec<(f64, &Departement)> = geo
                .departements
                .iter()
                .map(|d| (strsim::normalized_damerau_levenshtein(&crate::formats::fold(&d.name), &want), d))
                .filter(|(s, _)| *s >= 0.6)
                .collect();
            near.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.code.cmp(&b.1.code)));
            let names: Vec<String> = near.iter().take(3).map(|(_, d)| format!("{} ({})", d.name, d.code)).collect();
            if names.is_empty() {
                bail!("« {input} » n'est ni un code ni un nom de département (exemples : 23, 2A, 971, Creuse)")
            }
            bail!("« {input} » n'est pas un département : vouliez-vous dire {} ?", crate::fmt::list_fr_or(&names))
        }
        bail!("« {input} » désigne plusieurs départements : {}", close.join(", "))
    }

    /// The embedded reference geography.
    pub fn get() -> &'static Geography {
        static GEO: OnceLock<Geography> = OnceLock::new();
        GEO.get_or_init(|| match Geography::parse() {
            Ok(g) => g,
            // The tables are compiled into the binary and checked by tests.
            Err(e) => panic!("embedded reference geography is invalid: {e:#}"),
        })
    }

    fn parse() -> Result<Geography> {
        let mut regions = Vec::new();
        for rec in csv::Reader::from_reader(REGIONS_CSV.as_bytes()).records() {
            let rec = rec.context("fixtures/reference/regions.csv")?;
            let tncc = rec[4].parse().with_context(|| format!("regions.csv: tncc `{}`", &rec[4]))?;
            regions.push(Region { code: rec[0].to_string(), name: rec[1].to_string(), zone: zone(&rec[2])?, tncc });
        }
        let mut departements = Vec::new();
        for rec in csv::Reader::from_reader(DEPARTEMENTS_CSV.as_bytes()).records() {
            let rec = rec.context("fixtures/reference/departements.csv")?;
            departements.push(Departement {
                code: rec[0].to_string(),
                name: rec[1].to_string(),
                region: rec[2].to_string(),
                zone: zone(&rec[4])?,
                nb_communes: rec[6].parse().context("nb_communes")?,
                tncc: rec[7].parse().context("tncc")?,
            });
        }
        let mut population_legale = BTreeMap::new();
        for rec in csv::Reader::from_reader(POPULATION_LEGALE_CSV.as_bytes()).records() {
            let rec = rec.context("fixtures/reference/population-legale.csv")?;
            population_legale.insert((rec[0].to_string(), rec[1].parse()?), rec[3].parse()?);
        }
        let mut epci = Vec::new();
        for rec in csv::Reader::from_reader(EPCI_CSV.as_bytes()).records() {
            let rec = rec.context("fixtures/reference/epci.csv")?;
            epci.push(Epci {
                siren: rec[0].to_string(),
                name: rec[1].to_string(),
                kind: rec[2].to_string(),
                population: rec[3].parse()?,
                departements: rec[6].split('|').map(str::to_string).collect(),
            });
        }
        let dept_index = departements.iter().enumerate().map(|(i, d)| (d.code.clone(), i)).collect();
        let region_index = regions.iter().enumerate().map(|(i, r)| (r.code.clone(), i)).collect();
        let geo = Geography { departements, regions, epci, population_legale, dept_index, region_index };
        if geo.departements.len() != 101 || geo.regions.len() != 18 {
            bail!("expected 101 départements and 18 régions");
        }
        Ok(geo)
    }

    pub fn departement(&self, code: &str) -> Option<&Departement> {
        self.dept_index.get(code).map(|&i| &self.departements[i])
    }

    pub fn region(&self, code: &str) -> Option<&Region> {
        self.region_index.get(code).map(|&i| &self.regions[i])
    }

    /// Position of a département in the canonical order (01…19, 2A, 2B, 21…95, 971…976).
    pub fn dept_position(&self, code: &str) -> Option<usize> {
        self.dept_index.get(code).copied()
    }

    /// Régions in canonical order (by code).
    pub fn regions(&self) -> &[Region] {
        &self.regions
    }

    /// The département whose name matches, ignoring case, accents, hyphens and
    /// apostrophes ("cotes d'armor" → 22).
    pub fn dept_by_name(&self, name: &str) -> Option<&Departement> {
        let want = crate::formats::fold(name);
        (!want.is_empty()).then(|| self.departements.iter().find(|d| crate::formats::fold(&d.name) == want)).flatten()
    }

    /// Normalises a département code as written in source files to the canonical code,
    /// or says what was expected.
    ///
    /// Accepts "01", "2A", "971", as well as the forms found in real files: "1" (a number
    /// that lost its leading zero), "2a", "075", "02A", "971.0" (a spreadsheet number), and
    /// labels such as "075-Paris" or "971 -Guadeloupe".
    pub fn normalize_dept(&self, raw: &str) -> Result<String, String> {
        if let Some((code, _)) = self.dept_index.get_key_value(raw) {
            return Ok(code.clone()); // already a code: the common case
        }
        let s = raw.trim();
        // Labels "075-Paris", "971 -Guadeloupe": keep the code part.
        let s = match s.split_once('-') {
            Some((head, _)) if !head.trim().is_empty() && head.trim().chars().all(|c| c.is_ascii_alphanumeric()) => {
                head.trim()
            }
            _ => s,
        };
        let s = s.strip_suffix(".0").unwrap_or(s).to_ascii_uppercase();
        let candidate = if s.len() == 3 && s.starts_with('0') { s[1..].to_string() } else { s.clone() };
        let candidate = if candidate.len() == 1 && candidate.chars().all(|c| c.is_ascii_digit()) {
            format!("0{candidate}")
        } else {
            candidate
        };
        if self.dept_index.contains_key(&candidate) {
            Ok(candidate)
        } else if candidate == "20" {
            Err("2A or 2B (20 is the pre-1976 code of Corsica)".to_string())
        } else {
            Err("a département code: 01…95, 2A, 2B, 971…974 or 976".to_string())
        }
    }
}

fn zone(s: &str) -> Result<Zone> {
    match s {
        "metro" => Ok(Zone::Metro),
        "drom" => Ok(Zone::Drom),
        other => bail!("unknown zone `{other}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_has_101_departements_in_18_regions() {
        let geo = Geography::get();
        assert_eq!(geo.departements.len(), 101);
        assert_eq!(geo.regions.len(), 18);
        for d in &geo.departements {
            assert!(geo.region(&d.region).is_some(), "{} has unknown region", d.code);
        }
        assert_eq!(geo.departements.iter().filter(|d| d.zone == Zone::Drom).count(), 5);
        assert_eq!(geo.departement("2A").map(|d| d.name.as_str()), Some("Corse-du-Sud"));
        assert_eq!(geo.epci.len(), 1255);
    }

    #[test]
    fn finds_departements_by_name() {
        let geo = Geography::get();
        assert_eq!(geo.dept_by_name("cotes d'armor").map(|d| d.code.as_str()), Some("22"));
        assert_eq!(geo.dept_by_name("CREUSE").map(|d| d.code.as_str()), Some("23"));
        assert!(geo.dept_by_name("Atlantide").is_none());
    }

    #[test]
    fn normalizes_codes_found_in_real_files() {
        let geo = Geography::get();
        for (raw, want) in [
            ("01", "01"),
            ("1", "01"),
            ("2a", "2A"),
            ("075-Paris", "75"),
            ("02A-Corse-du-Sud", "2A"),
            ("971 -Guadeloupe", "971"),
            ("971.0", "971"),
            (" 976 ", "976"),
        ] {
            assert_eq!(geo.normalize_dept(raw).as_deref(), Ok(want), "{raw}");
        }
        for bad in ["20", "975", "96", "", "Paris"] {
            assert!(geo.normalize_dept(bad).is_err(), "{bad}");
        }
    }
}
