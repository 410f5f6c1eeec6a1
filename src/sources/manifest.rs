//! The provenance manifest of the cache (`manifest.json`): for each source, where it came
//! from, when, its size and sha256, the vintage and data years found, and the parser that
//! read it. Copied into every edition built from the cache.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use super::provenance::{FileProvenance, Format, Provenance};
use crate::error::{DataError, Problem};

pub const FILE: &str = "manifest.json";

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Manifest {
    pub generated_by: String,
    pub fetched_at: String,
    pub sources: Vec<Entry>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Entry {
    pub id: String,
    pub title: String,
    pub url: String,
    pub file: String,
    pub format: Format,
    pub retrieved_at: String,
    /// HTTP status of the final response; absent for local files.
    pub http_status: Option<u16>,
    pub size: u64,
    pub sha256: String,
    pub expected_vintage: Option<String>,
    pub detected_vintage: Option<String>,
    /// Where the detected vintage was read in the file, or that it is the last data year
    /// because the file does not state it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vintage_evidence: Option<String>,
    pub data_years: Vec<i32>,
    pub rows: usize,
    pub parser: String,
    /// The canonical table read from an official layout at fetch (`<id>.canonical.csv`),
    /// what `build` reads; absent when the file is canonical already.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canonical: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canonical_sha256: Option<String>,
    pub licence: Option<String>,
    /// Set when the file changed but its vintage did not: the producer revised it.
    pub revision: Option<Revision>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Revision {
    pub previous_sha256: String,
    pub previous_retrieved_at: String,
}

impl Manifest {
    pub fn load(dir: &Path) -> Result<Manifest> {
        let path = dir.join(FILE);
        let bytes = crate::formats::read_file(&path)?;
        let manifest: Manifest = serde_json::from_slice(&bytes).map_err(|e| {
            DataError::Invalid(vec![Problem {
                row: Some(e.line()),
                ..Problem::file(&path.display().to_string(), format!("a manifest written by `barometre fetch` ({e})"))
            }])
        })?;
        // Files are read from the cache directory only: no path from the manifest leaves it.
        let problems: Vec<Problem> = manifest
            .sources
            .iter()
            .filter(|e| {
                std::iter::once(&e.file)
                    .chain(&e.canonical)
                    .any(|f| f.contains(['/', '\\']) || f.starts_with('.') || f.is_empty())
            })
            .map(|e| Problem {
                column: Some(format!("sources[{}].file", e.id)),
                value: Some(e.file.clone()),
                ..Problem::file(&path.display().to_string(), "a plain file name in the cache directory")
            })
            .collect();
        if !problems.is_empty() {
            return Err(DataError::Invalid(problems).into());
        }
        Ok(manifest)
    }

    /// Loads the manifest if there is one.
    pub fn load_optional(dir: &Path) -> Result<Option<Manifest>> {
        if dir.join(FILE).is_file() { Manifest::load(dir).map(Some) } else { Ok(None) }
    }

    /// Writes the manifest atomically (temporary file, then rename).
    pub fn save(&self, dir: &Path) -> Result<()> {
        let json = serde_json::to_string_pretty(self)?;
        let mut tmp =
            tempfile::NamedTempFile::new_in(dir).with_context(|| format!("failed to write in `{}`", dir.display()))?;
        std::io::Write::write_all(&mut tmp, json.as_bytes())?;
        tmp.persist(dir.join(FILE)).with_context(|| format!("failed to write `{}`", dir.join(FILE).display()))?;
        Ok(())
    }

    /// The provenance of the cached files as used by the build.
    pub fn provenance(&self) -> Provenance {
        let mut files = BTreeMap::new();
        let mut vintages = Vec::new();
        for e in &self.sources {
            let vintage = e.detected_vintage.clone().or_else(|| e.expected_vintage.clone());
            if let Some(v) = &vintage {
                vintages.push(format!("{} {v}", e.id));
            }
            files.insert(
                format!("{}.csv", e.id),
                FileProvenance {
                    source: format!("{} <{}>", e.title, e.url),
                    years: e.data_years.clone(),
                    vintage: Some(format!(
                        "{} (téléchargé le {}, sha256 {})",
                        vintage.unwrap_or_else(|| "non précisé".into()),
                        e.retrieved_at.get(..10).unwrap_or(&e.retrieved_at),
                        e.sha256.get(..12).unwrap_or(&e.sha256)
                    )),
                    notes: e
                        .revision
                        .as_ref()
                        .map(|r| format!("révision du fichier précédent (sha256 {})", r.previous_sha256)),
                },
            );
        }
        Provenance { demo: false, vintage: vintages.join(", "), files }
    }
}
