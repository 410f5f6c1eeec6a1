//! barometre: builds the French health-access barometer from public data.
//!
//! Pipeline: `sources` (files) → `validate` (typed datasets) → `indicators` (polars) →
//! `model` (plain records, assembled by `edition`) → `render` (files in memory) →
//! `output` (staging directory, committed). `cmd` parses arguments and calls them. See
//! ARCHITECTURE.md.

// Printing macros panic on a closed stream (`barometre … | head`): use `note!` (console.rs)
// or `writeln!` to a locked handle.
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod checks;
pub mod cli;
pub mod cmd;
pub mod commentary;
pub mod communes;
pub mod console;
#[cfg(any(test, feature = "dev-tools"))]
pub mod demo;
pub mod edition;
pub mod epci;
pub mod error;
pub mod fmt;
pub mod formats;
pub mod gate;
pub mod geo;
pub mod indicators;
pub mod ingest;
pub mod model;
pub mod output;
pub mod quantile;
pub mod render;
pub mod similar;
pub mod sources;
pub mod stats;
pub mod timing;
pub mod validate;
pub mod views;

use anyhow::Result;

use cli::{Cli, Command};

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    match &cli.command {
        Command::Build(args) => cmd::build::run(args),
        Command::Fetch(args) => cmd::fetch::run(args),
        Command::InitTemplates(args) => cmd::init_templates::run(args),
        Command::Compare(args) => cmd::compare::run(args),
        Command::Annuaire(args) => cmd::annuaire::run(args),
        Command::Fiche(args) => cmd::fiche::run(args),
        Command::Serve(args) => cmd::serve::run(args),
    }
}
