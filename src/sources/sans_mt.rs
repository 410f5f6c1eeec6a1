//! Patients without a *médecin traitant* by département and year, and those among them
//! with a long-term illness (ALD).

use anyhow::Result;

use crate::geo::Geography;
use crate::validate::Checker;

use super::{Column, DataSource, Located, Template, canonical_table, check};

pub const ID: &str = "sans-medecin-traitant";

pub static TEMPLATE: Template = Template {
    id: ID,
    title: "Patients sans médecin traitant, par département (Assurance maladie)",
    notes: "Une ligne par département et par année. « dont_ald » ne peut dépasser le total.",
    columns: &[
        Column { name: "code_departement", description: "code du département, en texte", examples: ["01", "2A"] },
        Column { name: "annee", description: "année", examples: ["2025", "2025"] },
        Column {
            name: "patients_sans_medecin_traitant",
            description: "patients de 17 ans et plus sans médecin traitant",
            examples: ["53162", "21000"],
        },
        Column {
            name: "dont_ald",
            description: "dont patients en affection de longue durée (ALD)",
            examples: ["2895", "1200"],
        },
    ],
};

#[derive(Debug, Clone, PartialEq)]
pub struct SansMtRow {
    pub dept: String,
    pub year: i32,
    pub patients: u64,
    pub ald: u64,
}

pub fn load(src: &DataSource, geo: &Geography) -> Result<Vec<SansMtRow>> {
    parse(src.locate(ID)?, geo)
}

pub fn parse(located: Located, geo: &Geography) -> Result<Vec<SansMtRow>> {
    let names = ["code_departement", "annee", "patients_sans_medecin_traitant", "dont_ald"];
    let table = canonical_table(located, &names)?;
    let mut c = Checker::new(&table);
    let cols = names.map(|n| c.column(n));
    let [Some(cd), Some(cy), Some(cp), Some(ca)] = cols else {
        check(c.finish())?;
        return Ok(Vec::new());
    };
    let mut rows = Vec::new();
    let mut keys = Vec::new();
    for row in &table.rows {
        let (d, y, p, a) = (c.dept(row, cd, geo), c.year(row, cy), c.count(row, cp), c.count(row, ca));
        let (Some(dept), Some(year), Some(patients), Some(ald)) = (d, y, p, a) else { continue };
        if ald > patients {
            c.row_problem(row, ca, format!("at most the {patients} patients without a médecin traitant"));
            continue;
        }
        keys.push(((dept.clone(), year), row));
        rows.push(SansMtRow { dept, year, patients, ald });
    }
    c.unique(keys, cd, "département and year");
    check(c.finish())?;
    Ok(rows)
}
