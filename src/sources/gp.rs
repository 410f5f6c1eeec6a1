//! General practitioners in activity at 1 January, by département and year: the
//! canonical table (`code_departement, annee, effectif`), the DREES RPPS workbook or the
//! data.ameli.fr export.

use anyhow::{Result, bail};

use crate::geo::Geography;
use crate::validate::{Checker, Count, require_complete};

use super::vintage::Vintage;
use super::{Column, Template};
use super::{DataSource, Format, Located, canonical_table, check};

pub const ID: &str = "generalistes";

/// The layouts GP counts come in; the first is the one `init-templates` writes.
pub const FORMATS: &[Format] = &[Format::Canonical, Format::DreesRpps, Format::AmeliCsv];

/// The canonical layout (what `fetch` stores for an official file, and the analyst's
/// template).
pub static TEMPLATE: Template = Template {
    id: "generalistes",
    title: "Médecins généralistes en activité au 1er janvier",
    notes: "Format canonique (les fichiers officiels DREES et data.ameli.fr sont lus directement par `fetch`). « ND » : effectif masqué (moins de 10).",
    columns: &[
        Column {
            name: "code_departement",
            description: "code du département (01…95, 2A, 2B, 971…976), en texte",
            examples: ["01", "2A"],
        },
        Column { name: "annee", description: "année (effectif au 1er janvier)", examples: ["2025", "2025"] },
        Column {
            name: "effectif",
            description: "nombre de médecins généralistes en activité, ou ND",
            examples: ["899", "318"],
        },
    ],
};

pub use super::records::GpRow;

/// Loads the GP counts and checks that every département is there for `years`.
pub fn load(src: &DataSource, geo: &Geography, years: &[i32]) -> Result<Vec<GpRow>> {
    let located = src.locate(ID)?;
    let display = located.display.clone();
    let rows = parse(located, geo)?;
    check(require_complete(&display, geo, years, rows.iter().map(|r| (r.dept.as_str(), r.year))))?;
    Ok(rows)
}

pub fn parse(located: Located, geo: &Geography) -> Result<Vec<GpRow>> {
    parse_with_vintage(located, geo).map(|(rows, _)| rows)
}

/// Like [`parse`], with the vintage the file states of itself (the DREES workbook's title
/// and notes; `None` for the other layouts).
pub fn parse_with_vintage(located: Located, geo: &Geography) -> Result<(Vec<GpRow>, Option<Vintage>)> {
    if located.format != Format::Canonical {
        // A file that is not what its declared format reads says what it looks like.
        super::check_kind(&located, FORMATS)?;
    }
    match located.format {
        Format::Canonical => Ok((canonical(located, geo)?, None)),
        Format::DreesRpps => super::drees::parse_with_vintage(located, geo),
        Format::AmeliCsv => Ok((super::ameli::parse(located, geo)?, None)),
        other => bail!("`{}`: format `{}` cannot hold GP counts", located.display, other.name()),
    }
}

fn canonical(located: Located, geo: &Geography) -> Result<Vec<GpRow>> {
    let table = canonical_table(located, &["code_departement", "annee", "effectif"])?;
    let mut c = Checker::new(&table);
    let (Some(cd), Some(cy), Some(ce)) = (c.column("code_departement"), c.column("annee"), c.column("effectif")) else {
        check(c.finish())?;
        return Ok(Vec::new());
    };
    let mut rows = Vec::new();
    let mut keys = Vec::new();
    for row in &table.rows {
        let (d, y, e) = (c.dept(row, cd, geo), c.year(row, cy), c.count_or_withheld(row, ce));
        if let (Some(dept), Some(year), Some(count)) = (d, y, e) {
            keys.push(((dept.clone(), year), row));
            let count = match count {
                Count::Value(v) => Some(v),
                Count::Withheld => None,
            };
            rows.push(GpRow { dept, year, count });
        }
    }
    c.unique(keys, cd, "département and year");
    check(c.finish())?;
    Ok(rows)
}
