//! The provenance manifest of the cache (`manifest.json`): for each source, where it came
//! from, when, its size and sha256, the vintage and data years found, and the parser that
//! read it. Copied into every edition built from the cache.
//!
//! Each source also keeps its `history`: every version of its file seen by `fetch`, in
//! order (sha256, retrieval date, vintage, size), each kept in the cache as
//! `versions/<sha256>.<ext>` while the current file stays where the build reads it. An
//! unchanged fetch adds nothing and removes nothing. Every change after the first version
//! (a same-vintage revision, or a new vintage) is a [`Change`] that stays pending — an
//! alert in `checks.md`, listed in the methodology of the site and the PDF — until the
//! analyst acknowledges it with `barometre fetch --acknowledge <id>`, which dates the
//! version's `acknowledged_at`; the history itself is never shortened. Manifests written
//! before the history existed read with an empty one, seeded at their next fetch.

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
    /// Set when the current file replaced one of the same vintage: the producer revised
    /// it. Kept by later unchanged fetches; cleared by a new vintage.
    pub revision: Option<Revision>,
    /// Every version of the file seen, oldest first (empty in manifests written before
    /// versions were kept).
    #[serde(default)]
    pub history: Vec<Version>,
}

/// One version of a source's file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Version {
    pub sha256: String,
    /// When this content was first retrieved (RFC 3339, UTC).
    pub retrieved_at: String,
    pub vintage: Option<String>,
    /// Bytes; unknown for a version known only from an older manifest's `revision`.
    pub size: Option<u64>,
    /// File name of the copy in `versions/` (`<sha256>.<ext>`); absent when the version
    /// was seen before versions were kept.
    pub stored: Option<String>,
    /// When the analyst acknowledged the change to this version (`fetch --acknowledge`);
    /// meaningless for the first version, which changes nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged_at: Option<String>,
}

/// A change between two consecutive versions of a source's file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub id: String,
    pub title: String,
    pub url: String,
    /// True when the vintage is the same (the producer revised the file); false for a new
    /// vintage.
    pub same_vintage: bool,
    pub old: Version,
    pub new: Version,
}

impl Change {
    pub fn acknowledged(&self) -> bool {
        self.new.acknowledged_at.is_some()
    }

    /// « même millésime 2026 », or « 2025 → 2026 » for a new vintage.
    pub fn vintages(&self) -> String {
        let v = |v: &Option<String>| v.clone().unwrap_or_else(|| "non précisé".into());
        if self.same_vintage {
            format!("même millésime {}", v(&self.new.vintage))
        } else {
            format!("{} → {}", v(&self.old.vintage), v(&self.new.vintage))
        }
    }
}

/// The directory of the cache holding every version of every file.
pub const VERSIONS: &str = "versions";

impl Entry {
    /// The entry's history, or for an entry written before versions were kept, the history
    /// it implies: its current file, preceded by the file it revised if it recorded one.
    pub fn history_or_seed(&self) -> Vec<Version> {
        if !self.history.is_empty() {
            return self.history.clone();
        }
        let mut h = Vec::new();
        if let Some(r) = &self.revision {
            h.push(Version {
                sha256: r.previous_sha256.clone(),
                retrieved_at: r.previous_retrieved_at.clone(),
                vintage: self.detected_vintage.clone(),
                size: None,
                stored: None,
                acknowledged_at: None,
            });
        }
        h.push(Version {
            sha256: self.sha256.clone(),
            retrieved_at: self.retrieved_at.clone(),
            vintage: self.detected_vintage.clone(),
            size: Some(self.size),
            stored: None,
            acknowledged_at: None,
        });
        h
    }

    /// Every change between consecutive versions, oldest first, acknowledged or not.
    pub fn changes(&self) -> Vec<Change> {
        let h = self.history_or_seed();
        h.windows(2)
            .map(|w| Change {
                id: self.id.clone(),
                title: self.title.clone(),
                url: self.url.clone(),
                same_vintage: w[0].vintage == w[1].vintage,
                old: w[0].clone(),
                new: w[1].clone(),
            })
            .collect()
    }
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
            .flat_map(|e| {
                std::iter::once(("file", &e.file))
                    .chain(e.canonical.iter().map(|c| ("canonical", c)))
                    .chain(e.history.iter().filter_map(|v| v.stored.as_ref()).map(|s| ("history.stored", s)))
                    .filter(|(_, f)| f.contains(['/', '\\']) || f.starts_with('.') || f.is_empty())
                    .map(|(field, f)| Problem {
                        column: Some(format!("sources[{}].{field}", e.id)),
                        value: Some(f.clone()),
                        ..Problem::file(&path.display().to_string(), "a plain file name in the cache directory")
                    })
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

    /// Every change of every source, in the manifest's order.
    pub fn changes(&self) -> Vec<Change> {
        self.sources.iter().flat_map(Entry::changes).collect()
    }

    /// Marks every pending change of the source `id` as acknowledged at `now`; returns the
    /// changes acknowledged (none when nothing was pending). The history stays whole.
    pub fn acknowledge(&mut self, id: &str, now: &str) -> Result<Vec<Change>> {
        let Some(entry) = self.sources.iter_mut().find(|e| e.id == id) else {
            let known: Vec<&str> = self.sources.iter().map(|e| e.id.as_str()).collect();
            anyhow::bail!("`--acknowledge {id}`: no source `{id}` in the manifest (sources: {})", known.join(", "));
        };
        let pending: Vec<usize> =
            entry.changes().iter().enumerate().filter(|(_, c)| !c.acknowledged()).map(|(i, _)| i + 1).collect();
        entry.history = entry.history_or_seed();
        for &i in &pending {
            entry.history[i].acknowledged_at = Some(now.to_string());
        }
        let changes = entry.changes();
        Ok(pending.iter().map(|&i| changes[i - 1].clone()).collect())
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
                    real: Vec::new(),
                },
            );
        }
        Provenance { demo: false, vintage: vintages.join(", "), files }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An entry as written before versions were kept: no `history` key.
    fn old_entry(revision: bool) -> serde_json::Value {
        let mut e = serde_json::json!({
            "id": "population", "title": "Population", "url": "https://example.org/pop.csv",
            "file": "pop.csv", "format": "canonical", "retrieved_at": "2026-02-01T00:00:00Z",
            "http_status": 200, "size": 10, "sha256": "b".repeat(64), "expected_vintage": "2026",
            "detected_vintage": "2026", "data_years": [2026], "rows": 101, "parser": "p",
            "licence": null, "revision": null
        });
        if revision {
            e["revision"] =
                serde_json::json!({"previous_sha256": "a".repeat(64), "previous_retrieved_at": "2026-01-01T00:00:00Z"});
        }
        e
    }

    fn manifest(entries: Vec<serde_json::Value>) -> Manifest {
        serde_json::from_value(serde_json::json!({"generated_by": "x", "fetched_at": "y", "sources": entries}))
            .expect("an older manifest reads")
    }

    #[test]
    fn older_manifests_read_with_an_empty_history_and_keep_their_revision() {
        let m = manifest(vec![old_entry(false)]);
        assert!(m.sources[0].history.is_empty());
        assert!(m.changes().is_empty(), "one version, no change");

        let m = manifest(vec![old_entry(true)]);
        let changes = m.changes();
        assert_eq!(changes.len(), 1);
        let c = &changes[0];
        assert!(c.same_vintage && !c.acknowledged());
        assert_eq!((c.old.sha256.as_str(), c.new.sha256.as_str()), ("a".repeat(64).as_str(), "b".repeat(64).as_str()));
        assert_eq!(c.old.retrieved_at, "2026-01-01T00:00:00Z");
        assert_eq!(c.vintages(), "même millésime 2026");
    }

    #[test]
    fn acknowledging_dates_pending_changes_and_keeps_the_history() {
        let mut m = manifest(vec![old_entry(true)]);
        let done = m.acknowledge("population", "2026-03-01T00:00:00Z").expect("known source");
        assert_eq!(done.len(), 1);
        let h = &m.sources[0].history;
        assert_eq!(h.len(), 2, "both versions stay");
        assert_eq!(h[0].acknowledged_at, None);
        assert_eq!(h[1].acknowledged_at.as_deref(), Some("2026-03-01T00:00:00Z"));
        assert!(m.changes().iter().all(Change::acknowledged));
        // Nothing left to acknowledge; the first date stays.
        assert!(m.acknowledge("population", "2026-04-01T00:00:00Z").expect("known").is_empty());
        assert_eq!(m.sources[0].history[1].acknowledged_at.as_deref(), Some("2026-03-01T00:00:00Z"));
        assert!(m.acknowledge("nope", "x").is_err());
    }

    #[test]
    fn a_new_vintage_is_a_change_too() {
        let v = |sha: &str, vintage: &str| Version {
            sha256: sha.into(),
            retrieved_at: "t".into(),
            vintage: Some(vintage.into()),
            size: Some(1),
            stored: None,
            acknowledged_at: None,
        };
        let mut m = manifest(vec![old_entry(false)]);
        m.sources[0].history = vec![v("a", "2025"), v("b", "2026"), v("c", "2026")];
        let c = m.changes();
        assert_eq!(c.len(), 2);
        assert!(!c[0].same_vintage && c[1].same_vintage);
        assert_eq!(c[0].vintages(), "2025 → 2026");
    }
}
