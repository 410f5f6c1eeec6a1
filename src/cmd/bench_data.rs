//! `barometre bench-data` (hidden): full-size synthetic inputs for the benchmarks, and
//! the ingestion workloads timed on them.

use anyhow::Result;

use crate::cli::BenchDataArgs;
use crate::demo::fullsize::{run_workload, write_all};

pub fn run(args: &BenchDataArgs) -> Result<()> {
    let started = std::time::Instant::now();
    if let Some(workload) = args.ingest {
        let n = run_workload(&args.out, workload)?;
        eprintln!("{workload:?}: {n} rows in {:.3} s", started.elapsed().as_secs_f64());
        crate::timing::print_report(started.elapsed());
        return Ok(());
    }
    for path in write_all(&args.out, args.size)? {
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        eprintln!("wrote {} ({:.1} MB)", path.display(), size as f64 / 1e6);
    }
    eprintln!("in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}
