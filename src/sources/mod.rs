//! Where input files come from (the embedded demo set, a directory, or the fetch cache)
//! and the typed datasets read from them, one module per source.
//!
//! Owns the catalogue of sources and the provenance of each file (source, data years,
//! vintage, demo flag). Does not touch the network (that is `ingest`) and does not
//! compute indicators.

pub mod ameli;
pub mod contours;
pub mod contours_epci;
pub mod drees;
pub mod embedded;
pub mod gp;
pub mod gp_communes;
pub mod insee;
pub mod manifest;
pub mod missions;
pub mod pdsa;
pub mod population;
pub mod provenance;
pub mod records;
pub mod registry;
pub mod rpps_annuaire;
pub mod sans_mt;
pub mod sas;
pub mod survey;
pub mod vintage;
pub mod zones_rouges;

use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::Serialize;

use crate::error::{DataError, Origin, Problem};
use crate::formats::{RawTable, read_table};
pub use provenance::{FileProvenance, Format, Provenance};

use manifest::Manifest;

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
            // A template left untouched (only its example rows) counts as absent.
            DataSource::Dir(dir) => ["csv", "xlsx", "xls"].iter().any(|ext| {
                let path = dir.join(format!("{id}.{ext}"));
                path.is_file()
                    && !crate::formats::read_file(&path)
                        .is_ok_and(|b| crate::formats::is_untouched_template(&path.display().to_string(), &b))
            }),
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

    /// The source `id` as configured when the files come from the fetch cache: its id and
    /// URL, from the manifest. `None` for a data directory or the demo set, whose
    /// problems name the file the analyst wrote.
    pub fn origin(&self, id: &str) -> Option<Origin> {
        let DataSource::Cache(dir) = self else { return None };
        let manifest = Manifest::load(dir).ok()?;
        manifest.sources.into_iter().find(|e| e.id == id).map(|e| Origin::new(e.id, e.url))
    }

    /// `result` of reading source `id`, its problems naming the source as configured
    /// (see [`DataSource::origin`]).
    pub fn attribute<T>(&self, id: &str, result: Result<T>) -> Result<T> {
        result.map_err(|e| match self.origin(id) {
            Some(o) => o.attach(e),
            None => e,
        })
    }

    /// Reads a canonical table (CSV or spreadsheet), or fails with a located problem.
    pub fn table(&self, id: &str, required: &[&str]) -> Result<RawTable> {
        let located = self.locate(id)?;
        canonical_table(located, required)
    }

    /// Every change of the fetched files (the cache's history: revisions and new
    /// vintages, acknowledged or not); none for other sources.
    pub fn changes(&self) -> Result<Vec<manifest::Change>> {
        match self {
            DataSource::Cache(dir) => Ok(Manifest::load(dir)?.changes()),
            DataSource::Demo | DataSource::Dir(_) => Ok(Vec::new()),
        }
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
    check_kind(&located, &[Format::Canonical])?;
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
    check_kind(&located, &[Format::Canonical])?;
    crate::formats::stream_table(&located.display, located.bytes, required)
        .map_err(|p| DataError::Invalid(vec![*p]).into())
}

/// Refuses a file whose content is not what its format reads (a CSV given for the DREES
/// workbook, an HTML error page, a JSON API response), saying what the file looks like
/// and which `format` of `sources.toml` would read it. `allowed` are the formats of the
/// source. Other mismatches (an empty file, a damaged workbook) are left to the readers,
/// whose messages are more precise.
pub fn check_kind(located: &Located, allowed: &[Format]) -> Result<()> {
    use crate::formats::sniff::Kind;
    let kind = Kind::of(&located.bytes);
    let declared = located.format;
    let fits = |f: Format, k: Kind| match f {
        Format::Canonical => k.is_workbook() || k == Kind::Text,
        Format::DreesRpps | Format::InseePopulation => k.is_workbook(),
        Format::AmeliCsv => k == Kind::Text,
        Format::GeoJson => k == Kind::Json,
        Format::RppsAnnuaire => matches!(k, Kind::Zip | Kind::Text),
    };
    // Left to the reader: what fits, an empty file, and damaged or unknown bytes given
    // for a text format (the text checks say where the binary data is).
    if fits(declared, kind) || kind == Kind::Empty || (kind == Kind::Binary && !declared_workbook(declared)) {
        return Ok(());
    }
    let what = match declared {
        Format::Canonical => "a CSV file or an xlsx/xls workbook (the canonical template)".to_string(),
        Format::AmeliCsv => format!("the CSV export that `format = \"{}\"` reads", declared.name()),
        Format::RppsAnnuaire => "the publisher's PS_LibreAcces zip, or the text file it holds".to_string(),
        f => format!("the xlsx/xls workbook that `format = \"{}\"` reads", f.name()),
    };
    let mut fitting: Vec<Format> = allowed.iter().copied().filter(|f| *f != declared && fits(*f, kind)).collect();
    if kind == Kind::Text && fitting.len() > 1 {
        // The CSV's own header says which one: the Ameli export's columns, or the template's.
        let head = crate::formats::delimited::decode(&located.bytes[..located.bytes.len().min(4096)]);
        let header: Vec<String> =
            head.split(['\r', '\n']).next().unwrap_or("").split([';', ',', '\t']).map(crate::formats::fold).collect();
        if header.iter().any(|h| h == "profession_sante") {
            fitting.retain(|f| *f == Format::AmeliCsv);
        } else if header.iter().any(|h| h == "code_departement") {
            fitting.retain(|f| *f == Format::Canonical);
        }
    }
    let fix = match (declared, fitting.as_slice()) {
        (_, []) if declared_workbook(declared) => "give the workbook itself".to_string(),
        (Format::Canonical, _) => "give the table itself (see `barometre init-templates`)".to_string(),
        (_, []) => "give the file itself".to_string(),
        (_, formats) => {
            let set: Vec<String> = formats.iter().map(|f| format!("`format = \"{}\"`", f.name())).collect();
            let give = if declared_workbook(declared) { "the workbook" } else { "the CSV export" };
            format!("set {} for this source in sources.toml, or give {give}", set.join(" or "))
        }
    };
    Err(DataError::Invalid(vec![Problem::file(
        &located.display,
        format!("{what}, but the file looks like {}: {fix}", kind.describe()),
    )])
    .into())
}

fn declared_workbook(f: Format) -> bool {
    matches!(f, Format::DreesRpps | Format::InseePopulation)
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
    /// The vintage the file states of itself (title, notes), when its reader looks for
    /// one; the fetch falls back to the last data year, and says so.
    pub vintage: Option<vintage::Vintage>,
}

impl Summary {
    pub fn from_years(rows: usize, years: impl IntoIterator<Item = i32>) -> Summary {
        let mut years: Vec<i32> = years.into_iter().collect();
        years.sort_unstable();
        years.dedup();
        Summary { rows, years, canonical: None, vintage: None }
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
