//! Where input files come from (the embedded demo set, a directory, or the fetch cache)
//! and the typed datasets read from them, one module per source.
//!
//! Owns the catalogue of sources and the provenance of each file (source, data years,
//! vintage, demo flag). Does not touch the network (that is `ingest`) and does not
//! compute indicators.

pub mod ameli;
pub mod contours;
pub mod drees;
pub mod gp;
pub mod insee;
pub mod missions;
pub mod pdsa;
pub mod population;
pub mod sans_mt;
pub mod sas;
pub mod survey;
pub mod zones_rouges;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::error::{DataError, Problem};
use crate::formats::{RawTable, read_table};
use crate::ingest::manifest::Manifest;

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

/// The format of a file: the project's canonical tables (the demo set and the analyst
/// templates) or an official file in its own layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// The project's documented columns, CSV or spreadsheet (see `init-templates`).
    Canonical,
    /// DREES "Médecins RPPS 2012-20xx.xlsx".
    DreesRpps,
    /// INSEE "estim-pop-dep-sexe-gca-1975-20xx.xlsx/.xls".
    InseePopulation,
    /// data.ameli.fr Opendatasoft CSV export (`;`).
    AmeliCsv,
    /// Département contours, GeoJSON FeatureCollection.
    #[serde(rename = "geojson")]
    GeoJson,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Canonical => "canonical",
            Format::DreesRpps => "drees-rpps",
            Format::InseePopulation => "insee-population",
            Format::AmeliCsv => "ameli-csv",
            Format::GeoJson => "geojson",
        }
    }
}

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

/// `provenance.toml` of a data directory.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    /// True for synthetic demo data: every output then says "données de démonstration".
    #[serde(default)]
    pub demo: bool,
    pub vintage: String,
    pub files: BTreeMap<String, FileProvenance>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FileProvenance {
    pub source: String,
    #[serde(default)]
    pub years: Vec<i32>,
    #[serde(default)]
    pub vintage: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
}

impl DataSource {
    /// `demo`, `cache` (the default cache directory), a fetch cache directory (with a
    /// `manifest.json`) or a directory of canonical files.
    pub fn from_arg(arg: &str, cache_dir: &Path) -> DataSource {
        match arg {
            "demo" => DataSource::Demo,
            "cache" => DataSource::Cache(cache_dir.to_path_buf()),
            dir if Path::new(dir).join(crate::ingest::manifest::FILE).is_file() => {
                DataSource::Cache(PathBuf::from(dir))
            }
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
            DataSource::Demo => crate::demo::FILES.iter().any(|(n, _)| *n == format!("{id}.csv")),
            DataSource::Dir(dir) => ["csv", "xlsx", "xls"].iter().any(|ext| dir.join(format!("{id}.{ext}")).is_file()),
            DataSource::Cache(dir) => Manifest::load(dir)
                .map(|m| m.sources.iter().any(|e| e.id == id && dir.join(&e.file).is_file()))
                .unwrap_or(false),
        }
    }

    /// Finds the file of a source and its format.
    pub fn locate(&self, id: &str) -> Result<Located> {
        match self {
            DataSource::Demo => {
                let name = format!("{id}.csv");
                let bytes =
                    crate::demo::FILES.iter().find(|(n, _)| *n == name).map(|(_, b)| b.to_vec()).ok_or_else(|| {
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
                            bytes: read_file(&path)?,
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
                        &dir.join(crate::ingest::manifest::FILE).display().to_string(),
                        format!("an entry for source `{id}` (run `barometre fetch` with this source configured)"),
                    )])
                    .into());
                };
                let path = dir.join(&entry.file);
                Ok(Located { display: path.display().to_string(), bytes: read_file(&path)?, format: entry.format })
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
                crate::demo::FILES.iter().find(|(n, _)| *n == name).map(|(_, b)| b.to_vec()).unwrap_or_default()
            }
            DataSource::Dir(dir) | DataSource::Cache(dir) => read_file(&dir.join(name))?,
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

/// The largest input file read (the largest official source is a few tens of MB): a
/// bigger file is refused before it is read.
pub const MAX_FILE_BYTES: u64 = 1 << 30;

pub fn read_file(path: &Path) -> Result<Vec<u8>> {
    if let Ok(meta) = std::fs::metadata(path)
        && meta.len() > MAX_FILE_BYTES
    {
        return Err(DataError::Invalid(vec![too_big(&path.display().to_string(), meta.len(), MAX_FILE_BYTES)]).into());
    }
    match std::fs::read(path) {
        Ok(b) => Ok(b),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(DataError::Invalid(vec![Problem::file(&path.display().to_string(), "the file to exist (not found)")])
                .into())
        }
        Err(e) => Err(e).with_context(|| format!("failed to read `{}`", path.display())),
    }
}

/// The problem of a file over the size limit.
pub fn too_big(file: &str, size: u64, limit: u64) -> Problem {
    Problem {
        value: Some(format!("{size} bytes")),
        ..Problem::file(file, format!("a file of at most {limit} bytes: is it the right file?"))
    }
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
}

impl Summary {
    pub fn from_years(rows: usize, years: impl IntoIterator<Item = i32>) -> Summary {
        let mut years: Vec<i32> = years.into_iter().collect();
        years.sort_unstable();
        years.dedup();
        Summary { rows, years }
    }
}

/// Parses a located file of a source with the right reader, for `fetch` to validate and
/// summarise what it downloaded.
pub fn parse_summary(id: &str, located: Located, geo: &crate::geo::Geography) -> Result<Summary> {
    match id {
        "generalistes" => {
            gp::parse(located, geo).map(|rows| Summary::from_years(rows.len(), rows.iter().map(|r| r.year)))
        }
        "population" => {
            population::parse(located, geo).map(|rows| Summary::from_years(rows.len(), rows.iter().map(|r| r.year)))
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
