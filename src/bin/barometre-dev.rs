//! `barometre-dev`: the developers' generators, kept out of the user binary. Built only
//! with `--features dev-tools` (`just demo`, `scripts/bench.sh`).
//!
//! - `barometre-dev demo [--out fixtures/demo]` regenerates the synthetic demo dataset,
//!   byte-identically;
//! - `barometre-dev bench-data [--out DIR] [--size full|small] [--ingest WORKLOAD]` writes
//!   full-size synthetic inputs for the benchmarks, or times an ingestion workload on them.

use std::path::PathBuf;

use anyhow::{Context, Result};
use barometre::demo::fullsize::{Size, Workload, run_workload, write_all};
use barometre::demo::generate::generate;
use barometre::geo::Geography;
use clap::{Parser, Subcommand};

/// Developer tools of barometre: demo and benchmark data generators.
#[derive(Debug, Parser)]
#[command(name = "barometre-dev", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Regenerate the synthetic demo dataset (`fixtures/demo/`), byte-identically.
    Demo {
        /// Directory to write the demo files to.
        #[arg(long, default_value = "fixtures/demo")]
        out: PathBuf,
    },
    /// Write full-size synthetic inputs for the benchmarks (DREES and INSEE workbooks,
    /// survey microdata); see BENCHMARKS.md.
    BenchData {
        /// Directory to write the files to.
        #[arg(long, default_value = "target/bench-data")]
        out: PathBuf,
        /// `full` (as large as the official files) or `small`.
        #[arg(long, value_enum, default_value_t = Size::Full)]
        size: Size,
        /// Instead of writing the files, read them (already written in `--out`) and time a
        /// workload; with `BAROMETRE_TIMINGS=1` prints its stages and peak memory.
        #[arg(long, value_enum)]
        ingest: Option<Workload>,
    },
}

fn run(cli: Cli) -> Result<()> {
    let started = std::time::Instant::now();
    match cli.command {
        Command::Demo { out } => {
            let files = generate(Geography::get());
            std::fs::create_dir_all(&out).with_context(|| format!("failed to create `{}`", out.display()))?;
            for (name, bytes) in &files.files {
                let path = out.join(name);
                std::fs::write(&path, bytes).with_context(|| format!("failed to write `{}`", path.display()))?;
            }
            barometre::note!("wrote {} demo files to {}", files.files.len(), out.display());
        }
        Command::BenchData { out, size, ingest: Some(workload) } => {
            let _ = size;
            let n = run_workload(&out, workload)?;
            barometre::note!("{workload:?}: {n} rows in {:.3} s", started.elapsed().as_secs_f64());
            barometre::timing::print_report(started.elapsed());
        }
        Command::BenchData { out, size, ingest: None } => {
            for path in write_all(&out, size)? {
                let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
                barometre::note!("wrote {} ({:.1} MB)", path.display(), bytes as f64 / 1e6);
            }
            barometre::note!("in {:.1} s", started.elapsed().as_secs_f64());
        }
    }
    Ok(())
}

fn main() {
    if let Err(err) = run(Cli::parse()) {
        barometre::note!("error: {err:#}");
        std::process::exit(barometre::error::exit_code(&err));
    }
}
