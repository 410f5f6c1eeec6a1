//! Population at 1 January by département and year: the canonical table
//! (`code_departement, annee, population[, source]`) or the INSEE workbook.

use anyhow::{Result, bail};

use crate::geo::Geography;
use crate::validate::{Checker, require_complete};

use super::{Column, Template};
use super::{DataSource, Format, Located, canonical_table, check};

pub const ID: &str = "population";

/// The layouts populations come in; the first is the one `init-templates` writes.
pub const FORMATS: &[Format] = &[Format::Canonical, Format::InseePopulation];

/// The canonical layout (what `fetch` stores for an official file, and the analyst's
/// template).
pub static TEMPLATE: Template = Template {
    id: "population",
    title: "Population au 1er janvier par département",
    notes: "Format canonique (le classeur INSEE est lu directement par `fetch`). Utiliser un seul millésime pour toutes les années comparées.",
    columns: &[
        Column { name: "code_departement", description: "code du département, en texte", examples: ["01", "2A"] },
        Column { name: "annee", description: "année (population au 1er janvier)", examples: ["2025", "2025"] },
        Column { name: "population", description: "population totale", examples: ["683000", "163000"] },
        Column {
            name: "source",
            description: "facultatif : source et millésime",
            examples: ["INSEE, estimations 2026", "INSEE, estimations 2026"],
        },
    ],
};

pub use super::records::PopRow;

pub fn load(src: &DataSource, geo: &Geography, years: &[i32]) -> Result<Vec<PopRow>> {
    let located = src.locate(ID)?;
    let display = located.display.clone();
    let rows = parse(located, geo)?;
    check(require_complete(&display, geo, years, rows.iter().map(|r| (r.dept.as_str(), r.year))))?;
    Ok(rows)
}

pub fn parse(located: Located, geo: &Geography) -> Result<Vec<PopRow>> {
    if located.format != Format::Canonical {
        // A file that is not what its declared format reads says what it looks like.
        super::check_kind(&located, FORMATS)?;
    }
    match located.format {
        Format::Canonical => canonical(located, geo),
        Format::InseePopulation => super::insee::parse(located, geo),
        other => bail!("`{}`: format `{}` cannot hold populations", located.display, other.name()),
    }
}

fn canonical(located: Located, geo: &Geography) -> Result<Vec<PopRow>> {
    let table = canonical_table(located, &["code_departement", "annee", "population"])?;
    let mut c = Checker::new(&table);
    let (Some(cd), Some(cy), Some(cp)) = (c.column("code_departement"), c.column("annee"), c.column("population"))
    else {
        check(c.finish())?;
        return Ok(Vec::new());
    };
    let mut rows = Vec::new();
    let mut keys = Vec::new();
    for row in &table.rows {
        let (d, y, p) = (c.dept(row, cd, geo), c.year(row, cy), c.count(row, cp));
        if let Some(0) = p {
            c.row_problem(row, cp, "a population greater than 0".into());
            continue;
        }
        if let (Some(dept), Some(year), Some(population)) = (d, y, p) {
            keys.push(((dept.clone(), year), row));
            rows.push(PopRow { dept, year, population });
        }
    }
    c.unique(keys, cd, "département and year");
    check(c.finish())?;
    Ok(rows)
}
