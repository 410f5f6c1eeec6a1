//! The "zones rouges": EPCI where access to a GP is hardest, listed by the ministry by
//! name and région. Given by SIREN or by name; names are matched to SIREN against the
//! reference EPCI list, tolerant of case, accents, hyphens and the usual abbreviations
//! (CC, CA, CU), with a report of what did not match.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;

use crate::formats::fold;
use crate::geo::{Epci, Geography};
use crate::validate::Checker;

use super::{Column, DataSource, Located, Template, canonical_table, check};

pub const ID: &str = "zones-rouges";

pub static TEMPLATE: Template = Template {
    id: ID,
    title: "Zones rouges : EPCI prioritaires",
    notes: "Une ligne par EPCI. Donner le SIREN, ou à défaut le nom de l'EPCI (avec sa région pour lever les homonymies) : les noms sont rapprochés du référentiel des EPCI (casse, accents, tirets et abréviations CC/CA/CU tolérés) et ceux qui ne sont pas reconnus sont signalés.",
    columns: &[
        Column {
            name: "siren",
            description: "SIREN de l'EPCI (9 chiffres), ou vide si le nom est donné",
            examples: ["200000545", ""],
        },
        Column {
            name: "nom_epci",
            description: "nom de l'EPCI, si le SIREN n'est pas donné",
            examples: ["", "CC Creuse Confluence"],
        },
        Column {
            name: "region",
            description: "facultatif : nom ou code de la région",
            examples: ["Grand Est", "Nouvelle-Aquitaine"],
        },
    ],
};

#[derive(Debug, Clone, PartialEq)]
pub struct Zone {
    pub siren: String,
    pub name: String,
    /// Département holding most of the EPCI's population.
    pub dept: String,
    pub region: String,
    pub population: u64,
}

/// A name that matched no EPCI, with the closest reference name.
#[derive(Debug, Clone, PartialEq)]
pub struct Unmatched {
    pub line: usize,
    pub name: String,
    pub suggestion: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct ZonesRouges {
    pub zones: Vec<Zone>,
    pub unmatched: Vec<Unmatched>,
}

pub fn load(src: &DataSource, geo: &Geography) -> Result<ZonesRouges> {
    parse(src.locate(ID)?, geo)
}

/// Normalised EPCI name: folded, abbreviations expanded to CC/CA/CU, punctuation removed.
pub fn normalize_name(s: &str) -> String {
    let f = fold(s);
    let f: String = f.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' }).collect();
    let words: Vec<&str> = f.split_whitespace().collect();
    let mut out: Vec<&str> = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let rest = &words[i..];
        let (abbr, n) = match rest {
            ["communaute", "de", "communes", ..] => ("cc", 3),
            ["communaute", "des", "communes", ..] => ("cc", 3),
            ["communaute", "d", "agglomeration", ..] => ("ca", 3),
            ["communaute", "urbaine", ..] => ("cu", 2),
            ["cc", ..] => ("cc", 1),
            ["ca", ..] => ("ca", 1),
            ["cu", ..] => ("cu", 1),
            [w, ..] => (*w, 1),
            [] => break,
        };
        out.push(abbr);
        i += n;
    }
    out.join(" ")
}

fn region_of<'g>(geo: &'g Geography, e: &Epci) -> &'g str {
    e.departements.first().and_then(|d| geo.departement(d)).map(|d| d.region.as_str()).unwrap_or("")
}

fn zone(geo: &Geography, e: &Epci) -> Zone {
    Zone {
        siren: e.siren.clone(),
        name: e.name.clone(),
        dept: e.departements.first().cloned().unwrap_or_default(),
        region: region_of(geo, e).to_string(),
        population: e.population,
    }
}

pub fn parse(located: Located, geo: &Geography) -> Result<ZonesRouges> {
    let table = canonical_table(located, &[])?;
    let mut c = Checker::new(&table);
    let (cs, cn) = (table.column("siren"), table.column("nom_epci").or_else(|| table.column("nom")));
    if cs.is_none() && cn.is_none() {
        c.column("siren");
        check(c.finish())?;
        return Ok(ZonesRouges::default());
    }
    let creg = table.column("region").or_else(|| table.column("nom_region")).or_else(|| table.column("code_region"));
    let by_siren: BTreeMap<&str, &Epci> = geo.epci.iter().map(|e| (e.siren.as_str(), e)).collect();
    let mut by_name: BTreeMap<String, Vec<&Epci>> = BTreeMap::new();
    for e in &geo.epci {
        by_name.entry(normalize_name(&e.name)).or_default().push(e);
    }
    let mut out = ZonesRouges::default();
    let mut seen = BTreeSet::new();
    for row in &table.rows {
        let cell = |i: Option<usize>| i.and_then(|i| row.cells.get(i)).map(|s| s.trim()).unwrap_or("");
        let siren: String = cell(cs).chars().filter(|c| !c.is_whitespace()).collect();
        let name = cell(cn);
        let region_hint = cell(creg);
        let found: Option<&Epci> = if !siren.is_empty() {
            match by_siren.get(siren.as_str()) {
                Some(e) => Some(e),
                None => {
                    let why = if siren.len() == 9 && siren.chars().all(|c| c.is_ascii_digit()) {
                        "the SIREN of an EPCI à fiscalité propre of the reference list"
                    } else {
                        "a SIREN of 9 digits"
                    };
                    c.row_problem(row, cs.unwrap_or(0), why.into());
                    continue;
                }
            }
        } else if !name.is_empty() {
            let candidates = by_name.get(&normalize_name(name)).cloned().unwrap_or_default();
            let candidates: Vec<&Epci> = if candidates.len() > 1 && !region_hint.is_empty() {
                let hint = fold(region_hint);
                candidates
                    .into_iter()
                    .filter(|e| {
                        let r = region_of(geo, e);
                        r == region_hint || geo.region(r).is_some_and(|reg| fold(&reg.name) == hint)
                    })
                    .collect()
            } else {
                candidates
            };
            match candidates.as_slice() {
                [one] => Some(*one),
                [] => {
                    out.unmatched.push(Unmatched {
                        line: row.line,
                        name: name.to_string(),
                        suggestion: suggest(geo, name),
                    });
                    continue;
                }
                many => {
                    let sirens: Vec<&str> = many.iter().map(|e| e.siren.as_str()).collect();
                    c.row_problem(
                        row,
                        cn.unwrap_or(0),
                        format!(
                            "a name matching one EPCI; it matches {} (give the SIREN or the région)",
                            sirens.join(", ")
                        ),
                    );
                    continue;
                }
            }
        } else {
            c.row_problem(row, cs.or(cn).unwrap_or(0), "a SIREN or an EPCI name".into());
            continue;
        };
        if let Some(e) = found {
            if !seen.insert(e.siren.clone()) {
                c.row_problem(
                    row,
                    cs.or(cn).unwrap_or(0),
                    format!("each EPCI once; {} ({}) is listed twice", e.name, e.siren),
                );
                continue;
            }
            out.zones.push(zone(geo, e));
        }
    }
    check(c.finish())?;
    out.zones.sort_by(|a, b| a.siren.cmp(&b.siren));
    Ok(out)
}

/// The reference name sharing the most words with `name`.
fn suggest(geo: &Geography, name: &str) -> Option<String> {
    let words: BTreeSet<String> = normalize_name(name).split(' ').filter(|w| w.len() > 2).map(str::to_string).collect();
    geo.epci
        .iter()
        .map(|e| {
            let other: BTreeSet<String> =
                normalize_name(&e.name).split(' ').filter(|w| w.len() > 2).map(str::to_string).collect();
            let common = words.intersection(&other).count();
            let union = words.union(&other).count().max(1);
            (common as f64 / union as f64, e)
        })
        .filter(|(score, _)| *score >= 0.34)
        .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.siren.cmp(&a.1.siren)))
        .map(|(_, e)| format!("{} ({})", e.name, e.siren))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_normalise_abbreviations_accents_and_hyphens() {
        assert_eq!(normalize_name("Communauté de communes Creuse-Confluence"), "cc creuse confluence");
        assert_eq!(normalize_name("  cc  creuse confluence "), "cc creuse confluence");
        assert_eq!(normalize_name("Communauté d'agglomération du Grand Guéret"), "ca du grand gueret");
    }
}
