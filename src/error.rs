//! Error types a caller can branch on, and the documented exit codes.
//!
//! Everything else is `anyhow` with context. Exit codes: 0 ok, 1 error, 2 usage
//! (clap), 3 network, 4 invalid data, 5 a result that fails the publication gate.

use std::fmt;

/// One problem found in an input file, located as precisely as the format allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The configured source the file was fetched for (`sources.toml`): named before the
    /// file, which is only the cache's copy. `None` for the files of a data directory.
    pub source: Option<Origin>,
    pub file: String,
    pub sheet: Option<String>,
    /// 1-based line (CSV) or row (spreadsheet) number as shown by a text editor or Excel.
    pub row: Option<usize>,
    pub column: Option<String>,
    pub value: Option<String>,
    pub expected: String,
}

impl Problem {
    pub fn file(file: &str, expected: impl Into<String>) -> Problem {
        Problem {
            source: None,
            file: file.to_string(),
            sheet: None,
            row: None,
            column: None,
            value: None,
            expected: expected.into(),
        }
    }
}

/// A source as the analyst configured it: its id and the URL (or path) given in
/// `sources.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub id: String,
    pub url: String,
}

impl Origin {
    pub fn new(id: impl Into<String>, url: impl Into<String>) -> Origin {
        Origin { id: id.into(), url: url.into() }
    }

    /// Names this source in every problem of `err` (a [`DataError`]) that names none yet;
    /// other errors pass unchanged.
    pub fn attach(&self, err: anyhow::Error) -> anyhow::Error {
        match err.downcast::<DataError>() {
            Ok(DataError::Invalid(mut problems)) => {
                for p in &mut problems {
                    p.source.get_or_insert_with(|| self.clone());
                }
                DataError::Invalid(problems).into()
            }
            Err(e) => e,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(o) = &self.source {
            write!(f, "source `{}` ({}), file ", o.id, o.url)?;
        }
        write!(f, "{}", self.file)?;
        if let Some(sheet) = &self.sheet {
            write!(f, ", sheet `{sheet}`")?;
        }
        if let Some(row) = self.row {
            write!(f, ", row {row}")?;
        }
        if let Some(col) = &self.column {
            write!(f, ", column `{col}`")?;
        }
        write!(f, ": ")?;
        if let Some(value) = &self.value {
            write!(f, "found `{}`, ", value.escape_debug())?;
        }
        write!(f, "expected {}", self.expected)
    }
}

/// Input data that cannot be used: exit code 4.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("{} in the input data:\n{}", if .0.len() == 1 { "1 problem".to_string() } else { format!("{} problems", .0.len()) }, list(.0))]
    Invalid(Vec<Problem>),
}

/// The problems of many inputs, gathered so that one run reports them all (`fetch` and
/// `build` go on to the next source after an invalid one).
#[derive(Debug, Default)]
pub struct Gathered {
    problems: Vec<Problem>,
}

impl Gathered {
    /// The value of `result`, or `None` with its problems kept when it is a [`DataError`];
    /// any other error is returned.
    pub fn take<T>(&mut self, result: anyhow::Result<T>) -> anyhow::Result<Option<T>> {
        match result {
            Ok(v) => Ok(Some(v)),
            Err(e) => match e.downcast::<DataError>() {
                Ok(DataError::Invalid(p)) => {
                    self.extend(p);
                    Ok(None)
                }
                Err(e) => Err(e),
            },
        }
    }

    /// Keeps problems (each once: a manifest missing for every source is one problem).
    pub fn extend(&mut self, problems: impl IntoIterator<Item = Problem>) {
        for p in problems {
            if !self.problems.contains(&p) {
                self.problems.push(p);
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.problems.is_empty()
    }

    /// `Err` with every problem kept, if any.
    pub fn finish(self) -> Result<(), DataError> {
        if self.problems.is_empty() { Ok(()) } else { Err(DataError::Invalid(self.problems)) }
    }
}

/// The problems, at most [`MAX_PER_FILE`] of each file: a file with thousands of bad rows
/// does not hide the problems of the next source.
fn list(problems: &[Problem]) -> String {
    let mut shown: Vec<(&str, usize)> = Vec::new();
    let mut lines = Vec::new();
    for p in problems {
        let i = match shown.iter().position(|(f, _)| *f == p.file) {
            Some(i) => i,
            None => {
                shown.push((&p.file, 0));
                shown.len() - 1
            }
        };
        shown[i].1 += 1;
        if shown[i].1 <= MAX_PER_FILE {
            lines.push(format!("  - {p}"));
        }
    }
    for (file, n) in shown {
        if n > MAX_PER_FILE {
            lines.push(format!("  … and {} more in {file}", n - MAX_PER_FILE));
        }
    }
    lines.join("\n")
}

/// The problems listed for one file.
const MAX_PER_FILE: usize = 50;

/// A download that failed: exit code 3.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct NetworkError {
    pub url: String,
    pub message: String,
}

/// A result the publication gate refuses (`gate::check`): exit code 5. Each fault names
/// the indicator, the territory and the year.
#[derive(Debug, thiserror::Error)]
#[error("the edition cannot be published: {} the publication checks:\n{}", if .0.len() == 1 { "1 value fails".to_string() } else { format!("{} values fail", .0.len()) }, .0.iter().take(50).map(|f| format!("  - {f}")).collect::<Vec<_>>().join("\n"))]
pub struct PublicationError(pub Vec<String>);

/// A final build whose editorial text is missing for some sections: exit code 5.
#[derive(Debug, thiserror::Error)]
#[error(
    "the edition cannot be published: editorial text is missing for {} ({}); write {} in {} or build a draft with --draft",
    if .missing.len() == 1 { "1 section".to_string() } else { format!("{} sections", .missing.len()) },
    .missing.iter().map(|m| m.trim_end_matches(".md")).collect::<Vec<_>>().join(", "),
    .missing.join(", "),
    .dir.as_deref().map_or_else(|| "a directory given with --editorial DIR".to_string(), |d| format!("`{d}`"))
)]
pub struct EditorialError {
    pub missing: Vec<String>,
    pub dir: Option<String>,
}

/// A command line that cannot be carried out (incoherent years, an invalid date): exit
/// code 2, as clap's own usage errors.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

pub const EXIT_ERROR: i32 = 1;
pub const EXIT_USAGE: i32 = 2;
pub const EXIT_NETWORK: i32 = 3;
pub const EXIT_DATA: i32 = 4;
pub const EXIT_UNPUBLISHABLE: i32 = 5;

/// Maps an error chain to the documented exit code.
pub fn exit_code(err: &anyhow::Error) -> i32 {
    for cause in err.chain() {
        if cause.is::<DataError>() {
            return EXIT_DATA;
        }
        if cause.is::<NetworkError>() {
            return EXIT_NETWORK;
        }
        if cause.is::<UsageError>() {
            return EXIT_USAGE;
        }
        if cause.is::<PublicationError>() || cause.is::<EditorialError>() {
            return EXIT_UNPUBLISHABLE;
        }
    }
    EXIT_ERROR
}
