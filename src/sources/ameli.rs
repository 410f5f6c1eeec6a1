//! The data.ameli.fr export "demographie-effectifs-et-les-densites" (Opendatasoft CSV,
//! `;`): GPs in private practice by département and year, at the "Tout âge"/"tout sexe"
//! level. Départements are labelled "01 - Ain"; "999 - France" is the national row.

use anyhow::Result;

use crate::formats::fold;
use crate::geo::Geography;
use crate::validate::Checker;

use super::records::GpRow;
use super::{Located, check};

pub fn parse(located: Located, geo: &Geography) -> Result<Vec<GpRow>> {
    let table = crate::formats::read_delimited(&located.display, &located.bytes)
        .map_err(|p| crate::error::DataError::Invalid(vec![*p]))?;
    let mut c = Checker::new(&table);
    let cols = ["annee", "profession_sante", "departement", "libelle_classe_age", "libelle_sexe", "effectif"]
        .map(|n| c.column(n));
    let [Some(cy), Some(cp), Some(cd), Some(ca), Some(cs), Some(ce)] = cols else {
        check(c.finish())?;
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    let mut keys = Vec::new();
    for row in &table.rows {
        let cell = |i: usize| row.cells.get(i).map(String::as_str).unwrap_or("");
        let prof = fold(cell(cp));
        // Plain GPs: "Médecins généralistes (hors MEP)", not those "à expertise particulière".
        let gp = prof.contains("generaliste") && (!prof.contains("mep") || prof.contains("hors_mep"));
        if !gp || !fold(cell(ca)).starts_with("tout") || !fold(cell(cs)).starts_with("tout") {
            continue;
        }
        if cell(cd).starts_with("999") || fold(cell(cd)).contains("france") {
            continue;
        }
        // `annee` is "2024" or a date "2024-01-01".
        let year_text: String = cell(cy).chars().take(4).collect();
        let year = year_text.parse::<i32>().ok().filter(|y| (1990..=2100).contains(y));
        if year.is_none() {
            c.row_problem(row, cy, "a year such as 2024".into());
        }
        let dept = c.dept(row, cd, geo);
        let count = c.count(row, ce);
        if let (Some(dept), Some(year), Some(count)) = (dept, year, count) {
            keys.push(((dept.clone(), year), row));
            out.push(GpRow { dept, year, count: Some(count) });
        }
    }
    c.unique(keys, cd, "département and year among GP rows");
    check(c.finish())?;
    Ok(out)
}
