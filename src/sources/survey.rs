//! Care-renunciation survey microdata: one row per respondent, with a sampling weight.
//! Estimates are computed by the indicator engine (weighted, with design effect).

use std::sync::Arc;

use anyhow::Result;
use rustc_hash::FxHashMap;

use crate::geo::Geography;
use crate::validate::{Checker, parse_bool};

use super::{Column, DataSource, Located, Template, canonical_rows, check};

pub const ID: &str = "renoncement";

pub static TEMPLATE: Template = Template {
    id: ID,
    title: "Enquête renoncement aux soins : micro-données (une ligne par répondant)",
    notes: "Telles que livrées par l'institut de sondage. Le poids doit être strictement positif. renoncement : 1/0 ou oui/non (a renoncé ou reporté des soins au cours des douze derniers mois).",
    columns: &[
        Column { name: "id", description: "identifiant du répondant", examples: ["R000001", "R000002"] },
        Column { name: "annee", description: "année de l'enquête", examples: ["2025", "2025"] },
        Column {
            name: "code_departement",
            description: "département de résidence (ou vide si seule la région est connue)",
            examples: ["63", "2A"],
        },
        Column { name: "tranche_age", description: "tranche d'âge", examples: ["50-64", "18-24"] },
        Column { name: "sexe", description: "F ou H", examples: ["F", "H"] },
        Column {
            name: "poids",
            description: "poids de redressement (> 0), virgule décimale acceptée",
            examples: ["1,80", "0,95"],
        },
        Column {
            name: "renoncement",
            description: "1 si la personne a renoncé à des soins ou les a reportés, sinon 0",
            examples: ["1", "0"],
        },
        Column { name: "motif", description: "facultatif : motif principal", examples: ["delai", ""] },
    ],
};

/// One respondent. Codes and categories are shared strings (a survey has a million
/// respondents and a few hundred distinct values).
#[derive(Debug, Clone, PartialEq)]
pub struct Respondent {
    pub id: String,
    pub year: i32,
    pub dept: Option<Arc<str>>,
    pub region: Arc<str>,
    pub age: Arc<str>,
    pub sex: Arc<str>,
    pub weight: f64,
    pub renounced: bool,
}

pub fn load(src: &DataSource, geo: &Geography) -> Result<Vec<Respondent>> {
    parse(src.locate(ID)?, geo)
}

pub fn parse(located: Located, geo: &Geography) -> Result<Vec<Respondent>> {
    // Streamed: a survey file may hold a million respondents.
    let (table, mut rows) = canonical_rows(located, &["id", "annee", "poids", "renoncement"])?;
    let mut c = Checker::new(&table);
    let cols = ["id", "annee", "tranche_age", "sexe", "poids", "renoncement"].map(|n| c.column(n));
    let [Some(ci), Some(cy), Some(ca), Some(cs), Some(cw), Some(cr)] = cols else {
        check(c.finish())?;
        return Ok(Vec::new());
    };
    let cd = table.column("code_departement");
    let creg = table.column("code_region");
    if cd.is_none() && creg.is_none() {
        c.column("code_departement");
    }
    let mut out = Vec::new();
    // One row per respondent and year. Files are usually sorted (by id, or by year then
    // id), and then no key can repeat: a table of a million keys is built only otherwise.
    let mut lines = Vec::new();
    let mut prev: Option<(String, i32)> = None;
    let (mut by_id, mut by_year) = (true, true);
    let mut strings: FxHashMap<String, Arc<str>> = FxHashMap::default();
    // Département cells already read, with their code and région.
    let mut known: FxHashMap<String, (Arc<str>, Arc<str>)> = FxHashMap::default();
    let mut intern = |s: &str| -> Arc<str> {
        if let Some(a) = strings.get(s) {
            return a.clone();
        }
        let a: Arc<str> = Arc::from(s);
        strings.insert(s.to_string(), a.clone());
        a
    };
    while let Some(row) = rows.next_row().map_err(|p| crate::error::DataError::Invalid(vec![*p]))? {
        let id = c.text(row, ci);
        let year = c.year(row, cy);
        let dept_cell = cd.and_then(|i| row.cells.get(i)).map(String::as_str).unwrap_or("");
        let (dept, region) = if let Some((d, r)) = known.get(dept_cell) {
            (Some(d.clone()), Some(r.clone()))
        } else if !dept_cell.is_empty() {
            let d = cd.and_then(|i| c.dept(row, i, geo));
            let r = d.as_ref().and_then(|d| geo.departement(d)).map(|d| intern(&d.region));
            let d = d.map(|d| intern(&d));
            if let (Some(d), Some(r)) = (&d, &r) {
                known.insert(dept_cell.to_string(), (d.clone(), r.clone()));
            }
            (d, r)
        } else {
            let reg = creg.and_then(|i| row.cells.get(i)).map(|s| s.trim().to_string()).unwrap_or_default();
            let reg = if reg.len() == 1 { format!("0{reg}") } else { reg };
            if geo.region(&reg).is_some() {
                (None, Some(intern(&reg)))
            } else {
                c.row_problem(row, cd.or(creg).unwrap_or(0), "a département code or a région code".into());
                (None, None)
            }
        };
        let weight = match c.number(row, cw, f64::MIN, f64::MAX) {
            Some(w) if w > 0.0 && w <= 1e9 => Some(w),
            Some(_) => {
                c.row_problem(row, cw, "a weight greater than 0 and at most 1000000000".into());
                None
            }
            None => None,
        };
        let renounced = parse_bool(row.cells.get(cr).map(String::as_str).unwrap_or(""));
        if renounced.is_none() {
            c.row_problem(row, cr, "1/0 or oui/non".into());
        }
        let age = intern(row.cells.get(ca).map_or("", String::as_str));
        let sex = intern(row.cells.get(cs).map_or("", String::as_str));
        if let (Some(id), Some(year), Some(region), Some(weight), Some(renounced)) =
            (id, year, region, weight, renounced)
        {
            match &mut prev {
                Some((pid, py)) => {
                    by_id &= (pid.as_str(), *py) < (id.as_str(), year);
                    by_year &= (*py, pid.as_str()) < (year, id.as_str());
                    pid.clone_from(&id);
                    *py = year;
                }
                None => prev = Some((id.clone(), year)),
            }
            lines.push(row.line);
            out.push(Respondent { id, year, dept, region, age, sex, weight, renounced });
        }
    }
    if !(by_id || by_year) {
        let mut seen: FxHashMap<(&str, i32), usize> = FxHashMap::default();
        for (r, &line) in out.iter().zip(&lines) {
            match seen.entry((r.id.as_str(), r.year)) {
                std::collections::hash_map::Entry::Occupied(first) => {
                    let expected =
                        format!("one row per respondent and year; {:?} already on row {}", first.key(), first.get());
                    c.problem_at(line, ci, &r.id, expected);
                }
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(line);
                }
            }
        }
    }
    check(c.finish())?;
    Ok(out)
}
