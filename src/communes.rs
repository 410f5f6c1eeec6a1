//! The level below the département: the communes of the reference geography (COG 2026),
//! with their EPCI and legal municipal population, and the codes that are not current
//! communes (communes déléguées and associées, arrondissements of Paris, Lyon and
//! Marseille, former communes merged without a commune déléguée: the COG's history) with
//! the commune they belong to. Loaded on first use: only the commands
//! that need communes pay for the 34,875 rows.
//!
//! The populations are those of the communes (`communes.json` of the reference package);
//! an EPCI's population is the sum of its communes', of the same vintage as the
//! départements' (the EPCI table's own population is of an older vintage).

use std::collections::HashMap;
use std::sync::OnceLock;

use anyhow::{Context, Result, bail};

static COMMUNES_CSV: &str = include_str!("../fixtures/reference/communes.csv");
static CODES_CSV: &str = include_str!("../fixtures/reference/communes-codes.csv");

#[derive(Debug, Clone)]
pub struct Commune {
    /// INSEE code (text: « 01001 », « 2A004 », « 97101 »).
    pub code: String,
    pub name: String,
    pub departement: String,
    /// SIREN of its EPCI; none for the four island communes outside any EPCI.
    pub epci: Option<String>,
    pub population: u64,
}

/// A code that is not a current commune, and the commune it belongs to.
#[derive(Debug, Clone)]
pub struct FormerCode {
    pub code: String,
    pub commune: String,
    /// « deleguee », « associee », « arrondissement » or « ancienne » (merged without a
    /// commune déléguée; its name is empty when the reference packages predate it).
    pub nature: String,
    pub name: String,
}

pub struct Communes {
    pub communes: Vec<Commune>,
    index: HashMap<String, usize>,
    former: HashMap<String, FormerCode>,
    /// EPCI SIREN → its communes' positions, in the table's order.
    by_epci: HashMap<String, Vec<usize>>,
}

impl Communes {
    /// The embedded communes.
    pub fn get() -> &'static Communes {
        static COMMUNES: OnceLock<Communes> = OnceLock::new();
        COMMUNES.get_or_init(|| match Communes::parse() {
            Ok(c) => c,
            // The tables are compiled into the binary and checked by tests.
            Err(e) => panic!("embedded communes are invalid: {e:#}"),
        })
    }

    fn parse() -> Result<Communes> {
        let mut communes = Vec::new();
        for rec in csv::Reader::from_reader(COMMUNES_CSV.as_bytes()).records() {
            let rec = rec.context("fixtures/reference/communes.csv")?;
            communes.push(Commune {
                code: rec[0].to_string(),
                name: rec[1].to_string(),
                departement: rec[2].to_string(),
                epci: Some(rec[3].to_string()).filter(|s| !s.is_empty()),
                population: rec[4].parse().with_context(|| format!("communes.csv: population of {}", &rec[0]))?,
            });
        }
        let index: HashMap<String, usize> = communes.iter().enumerate().map(|(i, c)| (c.code.clone(), i)).collect();
        let mut former = HashMap::new();
        for rec in csv::Reader::from_reader(CODES_CSV.as_bytes()).records() {
            let rec = rec.context("fixtures/reference/communes-codes.csv")?;
            if !index.contains_key(&rec[1]) {
                bail!("communes-codes.csv: {} belongs to {}, which is not a commune", &rec[0], &rec[1]);
            }
            former.insert(
                rec[0].to_string(),
                FormerCode {
                    code: rec[0].to_string(),
                    commune: rec[1].to_string(),
                    nature: rec[2].to_string(),
                    name: rec[3].to_string(),
                },
            );
        }
        let mut by_epci: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, c) in communes.iter().enumerate() {
            if let Some(e) = &c.epci {
                by_epci.entry(e.clone()).or_default().push(i);
            }
        }
        Ok(Communes { communes, index, former, by_epci })
    }

    pub fn commune(&self, code: &str) -> Option<&Commune> {
        self.index.get(code).map(|&i| &self.communes[i])
    }

    /// The current commune of a code: the commune itself, or the one a commune déléguée
    /// or associée, an arrondissement municipal or a former commune belongs to; none for an
    /// unknown code.
    pub fn current(&self, code: &str) -> Option<&Commune> {
        self.commune(code).or_else(|| self.former.get(code).and_then(|f| self.commune(&f.commune)))
    }

    /// What a code that is not a current commune was.
    pub fn former(&self, code: &str) -> Option<&FormerCode> {
        self.former.get(code)
    }

    /// The communes of an EPCI, in the table's order.
    pub fn of_epci<'a>(&'a self, siren: &str) -> impl Iterator<Item = &'a Commune> + 'a {
        self.by_epci.get(siren).into_iter().flatten().map(|&i| &self.communes[i])
    }
}
