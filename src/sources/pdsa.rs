//! Participation of GPs in the *permanence des soins ambulatoires* (CNOM yearly survey,
//! published as PDF and typed by the analyst): by département and year, and the national
//! series.

use anyhow::Result;

use crate::geo::Geography;
use crate::validate::{Checker, Count};

use super::{Column, DataSource, Located, Template, canonical_table, check};

pub const ID: &str = "pdsa";
pub const NATIONAL_ID: &str = "pdsa-national";

pub static TEMPLATE: Template = Template {
    id: ID,
    title: "Participation des médecins généralistes à la PDSA, par département (enquête CNOM)",
    notes: "Une ligne par département et par année d'enquête. « ND » si le département n'a pas répondu. Le taux est recalculé (volontaires / concernés) ; les taux régionaux et national sont des rapports de sommes.",
    columns: &[
        Column { name: "code_departement", description: "code du département, en texte", examples: ["75", "88"] },
        Column { name: "annee", description: "année de l'enquête", examples: ["2024", "2024"] },
        Column { name: "secteurs", description: "nombre de secteurs de garde", examples: ["12", "18"] },
        Column {
            name: "generalistes_concernes",
            description: "médecins généralistes concernés par la PDSA, ou ND",
            examples: ["1500", "250"],
        },
        Column {
            name: "generalistes_volontaires",
            description: "généralistes volontaires inscrits au tableau de garde, ou ND",
            examples: ["135", "210"],
        },
    ],
};

pub static NATIONAL_TEMPLATE: Template = Template {
    id: NATIONAL_ID,
    title: "Taux national de participation à la PDSA, série annuelle (enquête CNOM)",
    notes: "Une ligne par année ; taux en pourcentage (virgule décimale acceptée).",
    columns: &[
        Column { name: "annee", description: "année de l'enquête", examples: ["2012", "2024"] },
        Column {
            name: "taux_participation",
            description: "taux de participation national, en %",
            examples: ["73", "39"],
        },
    ],
};

#[derive(Debug, Clone, PartialEq)]
pub struct PdsaRow {
    pub dept: String,
    pub year: i32,
    pub sectors: Option<u64>,
    /// `None` when the département did not answer ("ND").
    pub concerned: Option<u64>,
    pub volunteers: Option<u64>,
}

pub fn load(src: &DataSource, geo: &Geography) -> Result<Vec<PdsaRow>> {
    parse(src.locate(ID)?, geo)
}

pub fn parse(located: Located, geo: &Geography) -> Result<Vec<PdsaRow>> {
    let names = ["code_departement", "annee", "secteurs", "generalistes_concernes", "generalistes_volontaires"];
    let table = canonical_table(located, &names)?;
    let mut c = Checker::new(&table);
    let cols = names.map(|n| c.column(n));
    let [Some(cd), Some(cy), Some(cs), Some(cc), Some(cv)] = cols else {
        check(c.finish())?;
        return Ok(Vec::new());
    };
    let value = |x: Count| match x {
        Count::Value(v) => Some(v),
        Count::Withheld => None,
    };
    let mut rows = Vec::new();
    let mut keys = Vec::new();
    for row in &table.rows {
        let (d, y) = (c.dept(row, cd, geo), c.year(row, cy));
        let (s, conc, vol) = (c.count_or_withheld(row, cs), c.count_or_withheld(row, cc), c.count_or_withheld(row, cv));
        let (Some(dept), Some(year), Some(s), Some(conc), Some(vol)) = (d, y, s, conc, vol) else { continue };
        let (concerned, volunteers) = (value(conc), value(vol));
        if let (Some(k), Some(v)) = (concerned, volunteers)
            && v > k
        {
            c.row_problem(row, cv, format!("at most the {k} GPs concerned (a rate of 100 % or less)"));
            continue;
        }
        if concerned.is_some() != volunteers.is_some() {
            c.row_problem(row, cv, "both counts or neither (ND)".into());
            continue;
        }
        keys.push(((dept.clone(), year), row));
        rows.push(PdsaRow { dept, year, sectors: value(s), concerned, volunteers });
    }
    c.unique(keys, cd, "département and year");
    check(c.finish())?;
    Ok(rows)
}

/// The national series: (year, rate in percent).
pub fn load_national(src: &DataSource) -> Result<Vec<(i32, f64)>> {
    parse_national(src.locate(NATIONAL_ID)?)
}

pub fn parse_national(located: Located) -> Result<Vec<(i32, f64)>> {
    let table = canonical_table(located, &["annee", "taux_participation"])?;
    let mut c = Checker::new(&table);
    let (Some(cy), Some(ct)) = (c.column("annee"), c.column("taux_participation")) else {
        check(c.finish())?;
        return Ok(Vec::new());
    };
    let mut rows = Vec::new();
    let mut keys = Vec::new();
    for row in &table.rows {
        if let (Some(y), Some(t)) = (c.year(row, cy), c.number(row, ct, 0.0, 100.0)) {
            keys.push((y, row));
            rows.push((y, t));
        }
    }
    c.unique(keys, cy, "year");
    check(c.finish())?;
    rows.sort_by_key(|r| r.0);
    Ok(rows)
}
