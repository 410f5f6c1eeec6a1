//! Where input files come from (the embedded demo set, a directory, or the fetch cache)
//! and the typed datasets read from them, one module per source.
//!
//! Owns the catalogue of sources and the provenance of each file (source, data years,
//! vintage, demo flag). Does not touch the network (that is `ingest`) and does not
//! compute indicators.

pub mod ameli;
pub mod contours;
pub mod drees;
pub mod embedded;
pub mod gp;
pub mod insee;
pub mod manifest;
pub mod missions;
pub mod pdsa;
pub mod population;
pub mod provenance;
pub mod records;
pub mod sans_mt;
pub mod sas;
pub mod survey;
pub mod zones_rouges;

use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::Serialize;

use crate::error::{DataError, Problem};
use crate::formats::{RawTable, read_table};
pub use provenance::{FileProvenance, Format, Provenance};

use manifest::Manifest;

/// The sources of the barometer: id, French title, accepted formats.
pub const CATALOG: &[(&str, &str, &[Format])] = &[
    (
        "generalistes",
        "Médecins généralistes en activité au 1er janvier (DREES/RPPS)",
        &[Format::Canonical, Format::DreesRpps, Format::AmeliCsv],
    ),
    ("population", "Population au 1er janvier par département (INSEE)", &[Format::Canonical, Format::InseePopulation]),
    ("pdsa", "Participation des généralistes à la permanence des soins (enquête CNOM)", &[Format::Canonical]),
    ("pdsa-national", "Taux national de participation à la PDSA (enquête CNOM)", &[Format::Canonical]),
    ("sas", "Services d'accès aux soins : couverture et rendez-vous", &[Format::Canonical]),
    ("renoncement", "Enquête renoncement aux soins (micro-données pondérées)", &[Format::Canonical]),
    ("zones-rouges", "Zones rouges (EPCI prioritaires)", &[Format::Canonical]),
    ("sans-medecin-traitant", "Patients sans médecin traitant (Assurance maladie)", &[Format::Canonical]),
    ("missions-solidarite", "Missions de solidarité territoriale dans les zones rouges", &[Format::Canonical]),
    ("contours", "Contours des départements (IGN/Etalab)", &[Format::GeoJson]),
];

/// Where the input files are read from.
#[derive(Debug, Clone)]
pub enum DataSource {
    /// The demo edition embedded in the binary (a copy of `fixtures/demo/`).
    Demo,
    /// A directory of canonical files (`<source>.csv`, `.xlsx` or `.xls`) with its
    /// `provenance.toml`.
    Dir(PathBuf),
    /// The fetch cache: files listed in its `manifest.json`.
    Cache(PathBuf),
}

/// A located input file.
pub struct Located {
    /// The file as named to the user.
    pub display: String,
    pub bytes: Vec<u8>,
    pub format: Format,
}

impl DataSource {
    /// `demo`, `cache` (the default cache directory), a fetch cache directory (with a
    /// `manifest.json`) or a directory of canonical files.
    pub fn from_arg(arg: &str, cache_dir: &Path) -> DataSource {
        match arg {
            "demo" => DataSource::Demo,
            "cache" => DataSource::Cache(cache_dir.to_path_buf()),
            dir if Path::new(dir).join(manifest::FILE).is_file() => DataSource::Cache(PathBuf::from(dir)),
            dir => DataSource::Dir(PathBuf::from(dir)),
        }
    }

    pub fn is_demo(&self) -> bool {
        matches!(self, DataSource::Demo)
    }

    /// How a file of this source is named to the user.
    pub fn display(&self, name: &str) -> String {
        match self {
            DataSource::Demo => format!("fixtures/demo/{name} (embedded demo data)"),
            DataSource::Dir(dir) | DataSource::Cache(dir) => dir.join(name).display().to_string(),
        }
    }

    /// True when the source has a file here (it may still be invalid).
    pub fn has(&self, id: &str) -> bool {
        match self {
            DataSource::Demo => embedded::FILES.iter().any(|(n, _)| *n == format!("{id}.csv")),
            DataSource::Dir(dir) => ["csv", "xlsx", "xls"].iter().any(|ext| dir.join(format!("{id}.{ext}")).is_file()),
            DataSource::Cache(dir) => Manifest::load(dir)
                .map(|m| {
                    m.sources
                        .iter()
                        .any(|e| e.id == id && dir.join(e.canonical.as_deref().unwrap_or(&e.file)).is_file())
                })
                .unwrap_or(false),
        }
    }

    /// Finds the file of a source and its format.
    pub fn locate(&self, id: &str) -> Result<Located> {
        match self {
            DataSource::Demo => {
                let name = format!("{id}.csv");
                let bytes =
                    embedded::FILES.iter().find(|(n, _)| *n == name).map(|(_, b)| b.to_vec()).ok_or_else(|| {
                        DataError::Invalid(vec![Problem::file(
                            &self.display(&name),
                            "a file of the demo set (this source has none)",
                        )])
                    })?;
                Ok(Located { display: self.display(&name), bytes, format: Format::Canonical })
            }
            DataSource::Dir(dir) => {
                for ext in ["csv", "xlsx", "xls"] {
                    let path = dir.join(format!("{id}.{ext}"));
                    if path.is_file() {
                        return Ok(Located {
                            display: path.display().to_string(),
                            bytes: crate::formats::read_file(&path)?,
                            format: Format::Canonical,
                        });
                    }
                }
                Err(DataError::Invalid(vec![Problem::file(
                    &dir.join(format!("{id}.csv")).display().to_string(),
                    format!("the file to exist (not found; `{id}.xlsx` or `{id}.xls` are also accepted)"),
                )])
                .into())
            }
            DataSource::Cache(dir) => {
                let manifest = Manifest::load(dir)?;
                let Some(entry) = manifest.sources.iter().find(|e| e.id == id) else {
                    return Err(DataError::Invalid(vec![Problem::file(
                        &dir.join(manifest::FILE).display().to_string(),
                        format!("an entry for source `{id}` (run `barometre fetch` with this source configured)"),
                    )])
                    .into());
                };
                // An official layout was read once, at fetch: the build reads its canonical
                // table, never the workbook.
                if let Some(canonical) = &entry.canonical {
                    let path = dir.join(canonical);
                    return Ok(Located {
                        display: path.display().to_string(),
                        bytes: crate::formats::read_file(&path)?,
                        format: Format::Canonical,
                    });
                }
                if !matches!(entry.format, Format::Canonical | Format::GeoJson) {
                    return Err(DataError::Invalid(vec![Problem::file(
                        &dir.join(manifest::FILE).display().to_string(),
                        format!(
                            "a canonical table for source `{id}` (format `{}`): the cache was filled by an older \
                             version; run `barometre fetch` again",
                            entry.format.name()
                        ),
                    )])
                    .into());
                }
                let path = dir.join(&entry.file);
                Ok(Located {
                    display: path.display().to_string(),
                    bytes: crate::formats::read_file(&path)?,
                    format: entry.format,
                })
            }
        }
    }

    /// Reads a canonical table (CSV or spreadsheet), or fails with a located problem.
    pub fn table(&self, id: &str, required: &[&str]) -> Result<RawTable> {
        let located = self.locate(id)?;
        canonical_table(located, required)
    }

    pub fn provenance(&self) -> Result<Provenance> {
        if let DataSource::Cache(dir) = self {
            return Ok(Manifest::load(dir)?.provenance());
        }
        let name = "provenance.toml";
        let bytes = match self {
            DataSource::Demo => {
                embedded::FILES.iter().find(|(n, _)| *n == name).map(|(_, b)| b.to_vec()).unwrap_or_default()
            }
            DataSource::Dir(dir) | DataSource::Cache(dir) => crate::formats::read_file(&dir.join(name))?,
        };
        let text = String::from_utf8(bytes)
            .map_err(|_| DataError::Invalid(vec![Problem::file(&self.display(name), "UTF-8 text")]))?;
        toml::from_str(&text).map_err(|e| {
            let mut p = Problem::file(&self.display(name), format!("a valid provenance file ({})", e.message()));
            p.row = e.span().map(|s| text[..s.start].matches('\n').count() + 1);
            DataError::Invalid(vec![p]).into()
        })
    }
}

/// A canonical table from located bytes.
pub fn canonical_table(located: Located, required: &[&str]) -> Result<RawTable> {
    require_canonical(&located)?;
    read_table(&located.display, located.bytes, required).map_err(|p| DataError::Invalid(vec![*p]).into())
}

fn require_canonical(located: &Located) -> Result<()> {
    if located.format != Format::Canonical {
        return Err(DataError::Invalid(vec![Problem::file(
            &located.display,
            format!("a file in the canonical template format (found format `{}`)", located.format.name()),
        )])
        .into());
    }
    Ok(())
}

/// Like [`canonical_table`], with the rows handed over one at a time (for microdata).
pub fn canonical_rows(located: Located, required: &[&str]) -> Result<(RawTable, crate::formats::RowStream)> {
    require_canonical(&located)?;
    crate::formats::stream_table(&located.display, located.bytes, required)
        .map_err(|p| DataError::Invalid(vec![*p]).into())
}

/// Fails with all problems of a table at once.
pub fn check(result: Result<(), Vec<Problem>>) -> Result<()> {
    result.map_err(|p| DataError::Invalid(p).into())
}

/// What a parser found in a file: the data years it holds (for the manifest).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub rows: usize,
    pub years: Vec<i32>,
    /// An official layout (DREES or INSEE workbook, Ameli export) read into the source's
    /// canonical table (CSV), which `fetch` stores beside the original so that `build`
    /// never parses the official layout again. `None` for files already canonical.
    pub canonical: Option<Vec<u8>>,
}

impl Summary {
    pub fn from_years(rows: usize, years: impl IntoIterator<Item = i32>) -> Summary {
        let mut years: Vec<i32> = years.into_iter().collect();
        years.sort_unstable();
        years.dedup();
        Summary { rows, years, canonical: None }
    }
}

/// The canonical CSV of a source's records (`records` are the rows as text).
fn canonical_csv<const N: usize>(header: [&str; N], records: impl Iterator<Item = [String; N]>) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header)?;
    for r in records {
        w.write_record(&r)?;
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("failed to write a canonical table: {}", e.error()))
}

/// Parses a located file of a source with the right reader, for `fetch` to validate and
/// summarise what it downloaded.
pub fn parse_summary(id: &str, located: Located, geo: &crate::geo::Geography) -> Result<Summary> {
    match id {
        "generalistes" => {
            let official = located.format != Format::Canonical;
            let rows = gp::parse(located, geo)?;
            let mut s = Summary::from_years(rows.len(), rows.iter().map(|r| r.year));
            if official {
                let records = rows.iter().map(|r| {
                    let count = r.count.map(|c| c.to_string()).unwrap_or_else(|| "ND".into());
                    [r.dept.clone(), r.year.to_string(), count]
                });
                s.canonical = Some(canonical_csv(["code_departement", "annee", "effectif"], records)?);
            }
            Ok(s)
        }
        "population" => {
            let official = located.format != Format::Canonical;
            let rows = population::parse(located, geo)?;
            let mut s = Summary::from_years(rows.len(), rows.iter().map(|r| r.year));
            if official {
                let records = rows.iter().map(|r| [r.dept.clone(), r.year.to_string(), r.population.to_string()]);
                s.canonical = Some(canonical_csv(["code_departement", "annee", "population"], records)?);
            }
            Ok(s)
        }
        "pdsa" => pdsa::parse(located, geo).map(|rows| Summary::from_years(rows.len(), rows.iter().map(|r| r.year))),
        "pdsa-national" => {
            pdsa::parse_national(located).map(|rows| Summary::from_years(rows.len(), rows.iter().map(|r| r.0)))
        }
        "sas" => sas::parse(located, geo).map(|rows| Summary::from_years(rows.len(), rows.iter().map(|r| r.year))),
        "renoncement" => {
            survey::parse(located, geo).map(|rows| Summary::from_years(rows.len(), rows.iter().map(|r| r.year)))
        }
        "zones-rouges" => zones_rouges::parse(located, geo).map(|z| Summary::from_years(z.zones.len(), [])),
        "sans-medecin-traitant" => {
            sans_mt::parse(located, geo).map(|rows| Summary::from_years(rows.len(), rows.iter().map(|r| r.year)))
        }
        "missions-solidarite" => {
            missions::parse(located, geo).map(|rows| Summary::from_years(rows.len(), rows.iter().map(|r| r.month.0)))
        }
        "contours" => contours::parse(located, geo).map(|c| Summary::from_years(c.shapes.len(), [])),
        other => anyhow::bail!(
            "unknown source `{other}` (known: {})",
            CATALOG.iter().map(|c| c.0).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// A column of an analyst template, documented for `init-templates`.
pub struct Column {
    pub name: &'static str,
    pub description: &'static str,
    /// Two example values, for the two example rows of the template.
    pub examples: [&'static str; 2],
}

/// An analyst template: a source typed by the analyst from a publication.
pub struct Template {
    pub id: &'static str,
    pub title: &'static str,
    pub notes: &'static str,
    pub columns: &'static [Column],
}

/// Every analyst template (and the canonical layout of GP counts and population).
pub fn templates() -> [&'static Template; 9] {
    [
        &gp_template::TEMPLATE,
        &population_template::TEMPLATE,
        &pdsa::TEMPLATE,
        &pdsa::NATIONAL_TEMPLATE,
        &sas::TEMPLATE,
        &survey::TEMPLATE,
        &zones_rouges::TEMPLATE,
        &sans_mt::TEMPLATE,
        &missions::TEMPLATE,
    ]
}

mod gp_template {
    use super::{Column, Template};
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
}

mod population_template {
    use super::{Column, Template};
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
}
