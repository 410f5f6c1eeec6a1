//! *Services d'accès aux soins* (SAS): one row per SAS with the départements it covers,
//! its opening date and the appointments booked through the national platform.

use std::collections::BTreeSet;

use anyhow::Result;

use crate::geo::Geography;
use crate::validate::{Checker, parse_date};

use super::{Column, DataSource, Located, Template, canonical_table, check};

pub const ID: &str = "sas";

pub static TEMPLATE: Template = Template {
    id: ID,
    title: "Services d'accès aux soins (SAS) : couverture et rendez-vous",
    notes: "Une ligne par SAS et par année. Un SAS peut couvrir plusieurs départements : codes séparés par « | » (ou « , »). Date au format AAAA-MM-JJ ou JJ/MM/AAAA.",
    columns: &[
        Column { name: "id_sas", description: "identifiant du SAS", examples: ["SAS-001", "SAS-002"] },
        Column { name: "nom_sas", description: "nom du SAS", examples: ["SAS Ain", "SAS Corse"] },
        Column {
            name: "departements",
            description: "départements couverts, séparés par « | »",
            examples: ["01", "2A|2B"],
        },
        Column {
            name: "date_ouverture",
            description: "date d'ouverture du SAS",
            examples: ["2022-03-01", "01/06/2023"],
        },
        Column { name: "annee", description: "année des rendez-vous", examples: ["2025", "2025"] },
        Column {
            name: "rdv_plateforme",
            description: "rendez-vous pris via la plateforme nationale dans l'année",
            examples: ["1377", "410"],
        },
    ],
};

#[derive(Debug, Clone, PartialEq)]
pub struct SasRow {
    pub id: String,
    pub name: String,
    pub depts: Vec<String>,
    pub opened: (i32, u32, u32),
    pub year: i32,
    pub appointments: u64,
}

pub fn load(src: &DataSource, geo: &Geography) -> Result<Vec<SasRow>> {
    parse(src.locate(ID)?, geo)
}

pub fn parse(located: Located, geo: &Geography) -> Result<Vec<SasRow>> {
    let names = ["id_sas", "nom_sas", "departements", "date_ouverture", "annee", "rdv_plateforme"];
    let table = canonical_table(located, &names)?;
    let mut c = Checker::new(&table);
    let cols = names.map(|n| c.column(n));
    let [Some(ci), Some(cn), Some(cd), Some(co), Some(cy), Some(cr)] = cols else {
        check(c.finish())?;
        return Ok(Vec::new());
    };
    let mut rows = Vec::new();
    let mut covered: BTreeSet<(String, i32)> = BTreeSet::new();
    let mut keys = Vec::new();
    for row in &table.rows {
        let id = c.text(row, ci);
        let name = c.text(row, cn);
        let raw = row.cells.get(cd).cloned().unwrap_or_default();
        let mut depts = Vec::new();
        let mut ok = true;
        for part in raw.split(['|', ',', ';', '/']).map(str::trim).filter(|p| !p.is_empty()) {
            match geo.normalize_dept(part) {
                Ok(d) => depts.push(d),
                Err(why) => {
                    c.row_problem(row, cd, format!("{why} (in `{part}`)"));
                    ok = false;
                }
            }
        }
        if depts.is_empty() && ok {
            c.row_problem(row, cd, "at least one département code".into());
            ok = false;
        }
        let opened = parse_date(row.cells.get(co).map(String::as_str).unwrap_or(""));
        if opened.is_none() {
            c.row_problem(row, co, "a date such as 2022-03-01 or 01/03/2022".into());
        }
        let (year, appointments) = (c.year(row, cy), c.count(row, cr));
        let (Some(id), Some(name), Some(opened), Some(year), Some(appointments), true) =
            (id, name, opened, year, appointments, ok)
        else {
            continue;
        };
        for d in &depts {
            if !covered.insert((d.clone(), year)) {
                c.row_problem(row, cd, format!("each département in one SAS only; {d} is already covered in {year}"));
            }
        }
        keys.push(((id.clone(), year), row));
        rows.push(SasRow { id, name, depts, opened, year, appointments });
    }
    c.unique(keys, ci, "SAS and year");
    check(c.finish())?;
    Ok(rows)
}
