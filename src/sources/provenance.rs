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
    /// The open RPPS directory: the publisher's `PS_LibreAcces.zip`, or the
    /// `PS_LibreAcces_Personne_activite_<timestamp>.txt` it holds.
    RppsAnnuaire,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Canonical => "canonical",
            Format::DreesRpps => "drees-rpps",
            Format::InseePopulation => "insee-population",
            Format::AmeliCsv => "ameli-csv",
            Format::GeoJson => "geojson",
            Format::RppsAnnuaire => "rpps-annuaire",
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
    /// In demo data, the parts of this file that are real published figures (all the rest
    /// is synthetic). Ignored outside demo data, where every figure is real.
    #[serde(default, rename = "reel", skip_serializing_if = "Vec::is_empty")]
    pub real: Vec<RealPart>,
}

/// A part of a demo file made of real published figures: some years, at some territories,
/// optionally for some indicators only.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RealPart {
    /// Years whose figures are real.
    #[serde(rename = "annees")]
    pub years: Vec<i32>,
    /// Which figures: `*` every département (and so their sums), `FR` the national figure,
    /// or département codes.
    #[serde(rename = "territoires")]
    pub territories: Vec<String>,
    /// Only for these indicators (all of the file's indicators if empty).
    #[serde(default, rename = "indicateurs", skip_serializing_if = "Vec::is_empty")]
    pub indicators: Vec<String>,
    /// Who published them, and when (« DREES, RPPS, 1er janvier 2022 »).
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub licence: Option<String>,
}

/// Which territory a figure is for, to tell whether it is real.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    France,
    /// A région, by the codes of its départements.
    Region(&'a [String]),
    Departement(&'a str),
}

impl RealPart {
    /// True when this part covers the figure of `scope` in `year` for `indicator`.
    pub fn covers(&self, indicator: &str, scope: Scope, year: i32) -> bool {
        if !self.years.contains(&year)
            || !(self.indicators.is_empty() || self.indicators.iter().any(|i| i == indicator))
        {
            return false;
        }
        let has = |c: &str| self.territories.iter().any(|t| t == "*" || t == c);
        match scope {
            Scope::France => has("FR") || has("*"),
            Scope::Region(depts) => !depts.is_empty() && depts.iter().all(|d| has(d)),
            Scope::Departement(d) => has(d),
        }
    }
}

impl FileProvenance {
    /// The real part covering a figure, if any.
    pub fn real_at(&self, indicator: &str, scope: Scope, year: i32) -> Option<&RealPart> {
        self.real.iter().find(|p| p.covers(indicator, scope, year))
    }
}
