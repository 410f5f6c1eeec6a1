//! Command-line arguments (clap derive). Doc comments are the help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Builds the French health-access barometer (baromètre de l'accès aux soins) from
/// public data: indicators by département, région and France, maps and charts, the
/// national PDF, the HTML site and downloadable tables.
#[derive(Debug, Parser)]
#[command(name = "barometre", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build an edition: indicators, charts, PDF, HTML and tables into `output/<edition>/`.
    Build(BuildArgs),
    /// Regenerate the synthetic demo dataset (`fixtures/demo/`), byte-identically.
    Demo(DemoArgs),
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Input data: `demo` (the embedded demo edition) or a directory laid out like
    /// `fixtures/demo/` with its `provenance.toml`.
    #[arg(long, default_value = "demo")]
    pub data: String,
    /// Edition year.
    #[arg(long, default_value_t = 2025)]
    pub edition: i32,
    /// Year of the previous edition, the comparison point.
    #[arg(long, default_value_t = 2023)]
    pub previous: i32,
    /// Baseline year.
    #[arg(long, default_value_t = 2020)]
    pub baseline: i32,
    /// Output root; the edition is written to `<output>/<edition>/`.
    #[arg(long, default_value = "output")]
    pub output: PathBuf,
    /// Directory of indicator specs (default: the embedded `indicators/`).
    #[arg(long)]
    pub indicators: Option<PathBuf>,
    /// Directory of templates overriding the embedded `report-templates/`.
    #[arg(long)]
    pub templates: Option<PathBuf>,
    /// Date of the edition (YYYY-MM-DD), used as creation date of every output.
    /// Defaults to `SOURCE_DATE_EPOCH` if set, else to the edition's publication date.
    #[arg(long)]
    pub as_of: Option<String>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Directory to write the demo files to.
    #[arg(long, default_value = "fixtures/demo")]
    pub out: PathBuf,
}
