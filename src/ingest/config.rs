//! `sources.toml`: where each source of an edition comes from.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::error::{DataError, Problem};
use crate::sources::Format;
use crate::sources::registry::Dataset;

/// The default configuration, embedded.
pub static DEFAULT: &str = include_str!("sources.toml");

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SourcesFile {
    #[serde(rename = "source")]
    pub sources: Vec<SourceConfig>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    pub id: String,
    #[serde(default)]
    pub title: Option<String>,
    pub format: Format,
    /// `http(s)://…`, `file://…` or a path relative to the configuration file.
    pub url: String,
    /// File name in the cache.
    pub file: String,
    #[serde(default)]
    pub vintage: Option<String>,
    #[serde(default)]
    pub licence: Option<String>,
    /// If set, the only data years the file may hold.
    #[serde(default)]
    pub years: Option<Vec<i32>>,
    #[serde(default)]
    pub optional: bool,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Largest accepted download, in bytes (default 1 GiB).
    #[serde(default)]
    pub max_bytes: Option<u64>,
    /// Hosts (`static.example.org`, or `host:port`) a redirect may lead to, besides the
    /// host of the URL, its subdomains and the hosts of the other configured sources.
    #[serde(default)]
    pub redirect_hosts: Vec<String>,
}

fn yes() -> bool {
    true
}

/// A loaded configuration with the directory its relative paths start from.
pub struct Config {
    pub sources: Vec<SourceConfig>,
    pub base: PathBuf,
    pub origin: String,
}

impl Config {
    pub fn load(path: Option<&Path>) -> Result<Config> {
        let (text, origin, base) = match path {
            Some(p) => (
                std::fs::read_to_string(p).with_context(|| format!("failed to read `{}`", p.display()))?,
                p.display().to_string(),
                p.parent().map(Path::to_path_buf).unwrap_or_default(),
            ),
            None => (DEFAULT.to_string(), "sources.toml (embedded default)".to_string(), PathBuf::from(".")),
        };
        let file: SourcesFile = toml::from_str(&text).map_err(|e| {
            let mut p = Problem::file(&origin, format!("a valid sources file ({})", e.message().trim()));
            p.row = e.span().map(|s| text[..s.start].matches('\n').count() + 1);
            DataError::Invalid(vec![p])
        })?;
        let mut problems = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for s in &file.sources {
            if !seen.insert(s.id.as_str()) {
                problems.push(Problem {
                    column: Some("id".into()),
                    value: Some(s.id.clone()),
                    ..Problem::file(&origin, "each source once (one [[source]] per id)")
                });
            }
            match Dataset::from_id(&s.id) {
                None => problems.push(Problem {
                    column: Some("id".into()),
                    value: Some(s.id.clone()),
                    ..Problem::file(&origin, format!("a known source ({})", Dataset::known()))
                }),
                Some(d) if !d.formats().contains(&s.format) => problems.push(Problem {
                    column: Some("format".into()),
                    value: Some(s.format.name().into()),
                    ..Problem::file(
                        &origin,
                        format!(
                            "a format of `{}` ({})",
                            s.id,
                            d.formats().iter().map(|f| f.name()).collect::<Vec<_>>().join(", ")
                        ),
                    )
                }),
                Some(_) => {}
            }
            if s.file.contains(['/', '\\'])
                || s.file.starts_with('.')
                || s.file.is_empty()
                || s.file == crate::sources::manifest::FILE
            {
                problems.push(Problem {
                    column: Some("file".into()),
                    value: Some(s.file.clone()),
                    ..Problem::file(&origin, "a plain file name for the cache (no directory)")
                });
            }
        }
        if !problems.is_empty() {
            return Err(DataError::Invalid(problems).into());
        }
        Ok(Config { sources: file.sources, base, origin })
    }
}
