//! Where input files come from (the embedded demo set or a data directory) and the
//! typed datasets read from them.
//!
//! Owns the provenance of each file (source, data years, vintage, demo flag). Does not
//! touch the network (that is `ingest`) and does not compute indicators.

pub mod gp;
pub mod population;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::error::{DataError, Problem};
use crate::formats::{RawTable, read_delimited};

/// Where the input files are read from.
#[derive(Debug, Clone)]
pub enum DataSource {
    /// The demo edition embedded in the binary (a copy of `fixtures/demo/`).
    Demo,
    /// A directory laid out like `fixtures/demo/`, with its `provenance.toml`.
    Dir(PathBuf),
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
    pub fn from_arg(arg: &str) -> DataSource {
        if arg == "demo" { DataSource::Demo } else { DataSource::Dir(PathBuf::from(arg)) }
    }

    /// How a file of this source is named to the user.
    pub fn display(&self, name: &str) -> String {
        match self {
            DataSource::Demo => format!("fixtures/demo/{name} (embedded demo data)"),
            DataSource::Dir(dir) => dir.join(name).display().to_string(),
        }
    }

    pub fn read(&self, name: &str) -> Result<Vec<u8>> {
        match self {
            DataSource::Demo => {
                crate::demo::FILES.iter().find(|(n, _)| *n == name).map(|(_, b)| b.to_vec()).ok_or_else(|| {
                    DataError::Invalid(vec![Problem::file(&self.display(name), "an embedded demo file")]).into()
                })
            }
            DataSource::Dir(dir) => read_file(&dir.join(name)),
        }
    }

    /// Reads and splits a delimited file, or fails with a located problem.
    pub fn table(&self, name: &str) -> Result<RawTable> {
        let bytes = self.read(name)?;
        read_delimited(&self.display(name), &bytes).map_err(|p| DataError::Invalid(vec![*p]).into())
    }

    pub fn provenance(&self) -> Result<Provenance> {
        let name = "provenance.toml";
        let bytes = self.read(name)?;
        let text = String::from_utf8(bytes)
            .map_err(|_| DataError::Invalid(vec![Problem::file(&self.display(name), "UTF-8 text")]))?;
        toml::from_str(&text).map_err(|e| {
            let mut p = Problem::file(&self.display(name), format!("a valid provenance file ({})", e.message()));
            p.row = e.span().map(|s| text[..s.start].matches('\n').count() + 1);
            DataError::Invalid(vec![p]).into()
        })
    }
}

fn read_file(path: &Path) -> Result<Vec<u8>> {
    match std::fs::read(path) {
        Ok(b) => Ok(b),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(DataError::Invalid(vec![Problem::file(&path.display().to_string(), "the file to exist (not found)")])
                .into())
        }
        Err(e) => Err(e).with_context(|| format!("failed to read `{}`", path.display())),
    }
}

/// Fails with all problems of a table at once.
pub fn check(result: Result<(), Vec<Problem>>) -> Result<()> {
    result.map_err(|p| DataError::Invalid(p).into())
}
