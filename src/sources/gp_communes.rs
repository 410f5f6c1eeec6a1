//! General practitioners by commune of practice, from the open RPPS directory
//! ([`super::rpps_annuaire`]): the level below the département. `fetch` reduces the
//! publisher's zip to this canonical table (one row per commune with at least one GP and
//! per extraction year); the demo set ships a synthetic one in the same layout.
//!
//! Codes that are not current communes (communes déléguées or associées, arrondissements,
//! communes merged without a déléguée)
//! are summed into their commune of the COG 2026; unknown codes are errors.

use std::collections::BTreeMap;

use anyhow::Result;

use crate::communes::Communes;
use crate::error::{DataError, Problem};
use crate::validate::Checker;

use super::provenance::Format;
use super::{Column, DataSource, Located, Template, canonical_table, check};

pub const ID: &str = "generalistes-communes";

pub const FORMATS: &[Format] = &[Format::RppsAnnuaire, Format::Canonical];

pub static TEMPLATE: Template = Template {
    id: ID,
    title: "Médecins généralistes par commune d'exercice (annuaire santé, RPPS en libre accès)",
    notes: "Une ligne par commune et par année d'extraction ; chaque médecin est compté une fois, \
            à un seul lieu d'exercice. Les communes sans généraliste peuvent être omises.",
    columns: &[
        Column {
            name: "code_commune",
            description: "code INSEE de la commune (COG), en texte",
            examples: ["23096", "2A004"],
        },
        Column { name: "annee", description: "année de l'extraction", examples: ["2025", "2025"] },
        Column {
            name: "generalistes",
            description: "médecins généralistes comptés dans la commune",
            examples: ["3", "41"],
        },
    ],
};

/// GPs by current commune, for each extraction year.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GpCommunes {
    /// Year → current commune code → GPs.
    pub years: BTreeMap<i32, BTreeMap<String, u64>>,
}

impl GpCommunes {
    pub fn year(&self, year: i32) -> Option<&BTreeMap<String, u64>> {
        self.years.get(&year)
    }

    /// The rows of the canonical table, in order.
    pub fn records(&self) -> impl Iterator<Item = [String; 3]> + '_ {
        self.years.iter().flat_map(|(y, m)| m.iter().map(move |(c, n)| [c.clone(), y.to_string(), n.to_string()]))
    }
}

pub fn load(src: &DataSource) -> Result<GpCommunes> {
    parse(src.locate(ID)?)
}

pub fn parse(located: Located) -> Result<GpCommunes> {
    if located.format == Format::RppsAnnuaire {
        return parse_extract(&located);
    }
    let names = ["code_commune", "annee", "generalistes"];
    let table = canonical_table(located, &names)?;
    let mut c = Checker::new(&table);
    let cols = names.map(|n| c.column(n));
    let [Some(cc), Some(cy), Some(cn)] = cols else {
        check(c.finish())?;
        return Ok(GpCommunes::default());
    };
    let communes = Communes::get();
    let mut out = GpCommunes::default();
    let mut keys = Vec::new();
    for row in &table.rows {
        let (code, year, n) = (c.text(row, cc), c.year(row, cy), c.count(row, cn));
        let (Some(code), Some(year), Some(n)) = (code, year, n) else { continue };
        let Some(commune) = communes.current(&code) else {
            c.row_problem(row, cc, "a commune code of the official geography (COG 2026)".into());
            continue;
        };
        keys.push(((code.clone(), year), row));
        *out.years.entry(year).or_default().entry(commune.code.clone()).or_insert(0) += n;
    }
    c.unique(keys, cc, "commune and year");
    check(c.finish())?;
    Ok(out)
}

/// The publisher's zip (or its `.txt`), reduced to one year: the year of the extraction,
/// read from the file's name.
fn parse_extract(located: &Located) -> Result<GpCommunes> {
    let (counts, name) = super::rpps_annuaire::read_bytes(&located.bytes, &located.display)?;
    let Some((year, _, _)) = super::rpps_annuaire::extraction_date(&name) else {
        return Err(DataError::Invalid(vec![Problem::file(
            &located.display,
            format!(
                "a file named PS_LibreAcces_Personne_activite_<AAAAMMJJhhmm>.txt, which dates the extraction (found `{name}`)"
            ),
        )])
        .into());
    };
    let mut out = GpCommunes::default();
    out.years.insert(year, counts.communes);
    Ok(out)
}
