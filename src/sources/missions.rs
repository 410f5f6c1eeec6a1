//! *Missions de solidarité territoriale* in the zones rouges: volunteer doctors, days
//! and consultations by month and département since September 2025.

use anyhow::Result;

use crate::geo::Geography;
use crate::validate::{Checker, parse_date};

use super::{Column, DataSource, Located, Template, canonical_table, check};

pub const ID: &str = "missions-solidarite";

pub static TEMPLATE: Template = Template {
    id: ID,
    title: "Missions de solidarité territoriale dans les zones rouges, par mois et département",
    notes: "Une ligne par mois et par département. Mois au format AAAA-MM (une date du mois est acceptée). Les médecins inscrits sont un cumul ; les médecins mobilisés sont ceux qui ont effectué au moins une mission dans le mois (au plus deux jours par mois chacun).",
    columns: &[
        Column { name: "mois", description: "mois (AAAA-MM)", examples: ["2025-11", "2025-11"] },
        Column { name: "code_departement", description: "code du département, en texte", examples: ["23", "58"] },
        Column {
            name: "medecins_inscrits",
            description: "médecins volontaires inscrits (cumul à la fin du mois)",
            examples: ["6", "4"],
        },
        Column {
            name: "medecins_mobilises",
            description: "médecins ayant effectué une mission dans le mois",
            examples: ["2", "1"],
        },
        Column { name: "jours_mission", description: "jours de mission effectués dans le mois", examples: ["3", "2"] },
        Column { name: "consultations", description: "consultations réalisées dans le mois", examples: ["48", "30"] },
    ],
};

#[derive(Debug, Clone, PartialEq)]
pub struct MissionRow {
    /// (year, month)
    pub month: (i32, u32),
    pub dept: String,
    pub enrolled: u64,
    pub active: u64,
    pub days: u64,
    pub consultations: u64,
}

pub fn load(src: &DataSource, geo: &Geography) -> Result<Vec<MissionRow>> {
    parse(src.locate(ID)?, geo)
}

pub fn parse(located: Located, geo: &Geography) -> Result<Vec<MissionRow>> {
    let names =
        ["mois", "code_departement", "medecins_inscrits", "medecins_mobilises", "jours_mission", "consultations"];
    let table = canonical_table(located, &names)?;
    let mut c = Checker::new(&table);
    let cols = names.map(|n| c.column(n));
    let [Some(cm), Some(cd), Some(ci), Some(ca), Some(cj), Some(cc)] = cols else {
        check(c.finish())?;
        return Ok(Vec::new());
    };
    let mut rows = Vec::new();
    let mut keys = Vec::new();
    for row in &table.rows {
        let month = parse_date(row.cells.get(cm).map(String::as_str).unwrap_or("")).map(|(y, m, _)| (y, m));
        if month.is_none() {
            c.row_problem(row, cm, "a month such as 2025-11".into());
        }
        let d = c.dept(row, cd, geo);
        let (i, a, j, k) = (c.count(row, ci), c.count(row, ca), c.count(row, cj), c.count(row, cc));
        let (Some(month), Some(dept), Some(enrolled), Some(active), Some(days), Some(consultations)) =
            (month, d, i, a, j, k)
        else {
            continue;
        };
        if active > enrolled {
            c.row_problem(row, ca, format!("at most the {enrolled} doctors enrolled"));
            continue;
        }
        if days < active || days > 2 * active {
            c.row_problem(
                row,
                cj,
                format!("between {active} and {} days (one or two per doctor on mission)", 2 * active),
            );
            continue;
        }
        keys.push(((month, dept.clone()), row));
        rows.push(MissionRow { month, dept, enrolled, active, days, consultations });
    }
    c.unique(keys, cd, "month and département");
    check(c.finish())?;
    Ok(rows)
}
