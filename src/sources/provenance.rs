//! What the sources are made of: the formats of their files and the provenance of a data
//! directory (`provenance.toml`), shared by the readers and the fetch manifest.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

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
