//! Error types a caller can branch on, and the documented exit codes.
//!
//! Everything else is `anyhow` with context. Exit codes: 0 ok, 1 error, 2 usage
//! (clap), 3 network, 4 invalid data, 5 a result that fails the publication gate.

use std::fmt;

/// One problem found in an input file, located as precisely as the format allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
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
        Problem { file: file.to_string(), sheet: None, row: None, column: None, value: None, expected: expected.into() }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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
    #[error("{} problem(s) in the input data:\n{}", .0.len(), list(.0))]
    Invalid(Vec<Problem>),
}

fn list(problems: &[Problem]) -> String {
    const MAX: usize = 50;
    let mut s: Vec<String> = problems.iter().take(MAX).map(|p| format!("  - {p}")).collect();
    if problems.len() > MAX {
        s.push(format!("  … and {} more", problems.len() - MAX));
    }
    s.join("\n")
}

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
#[error("the edition cannot be published: {} value(s) fail the publication checks:\n{}", .0.len(), .0.iter().take(50).map(|f| format!("  - {f}")).collect::<Vec<_>>().join("\n"))]
pub struct PublicationError(pub Vec<String>);

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
        if cause.is::<PublicationError>() {
            return EXIT_UNPUBLISHABLE;
        }
    }
    EXIT_ERROR
}
