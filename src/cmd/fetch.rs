//! `barometre fetch`: download every configured source into the cache, validate it and
//! write the provenance manifest; `fetch --acknowledge ID` marks a source's changed files
//! as reviewed.

use std::time::Duration;

use anyhow::Result;

use crate::cli::FetchArgs;
use crate::ingest::{self, Plan, config::Config, http};

pub fn run(args: &FetchArgs) -> Result<()> {
    if !args.acknowledge.is_empty() {
        let cache_dir = args.cache.cache_dir();
        for o in ingest::acknowledge(&cache_dir, &args.acknowledge, &now_rfc3339()?)? {
            crate::note!("{:<24} {}", o.id, o.status);
        }
        crate::note!("cache: {} (manifest.json)", cache_dir.display());
        return Ok(());
    }
    let config = Config::load(args.sources.as_deref())?;
    let plan = Plan {
        config,
        cache_dir: args.cache.cache_dir(),
        offline: args.offline,
        only: args.only.clone(),
        http: http::Options {
            timeout: Duration::from_secs_f64(args.timeout),
            retries: args.retries,
            backoff: Duration::from_millis(args.backoff_ms),
            allowed_hosts: Vec::new(),
        },
        now: now_rfc3339()?,
    };
    let result = ingest::fetch(&plan);
    if let Ok((_, outcomes)) = &result {
        for o in outcomes {
            crate::note!("{:<24} {}", o.id, o.status);
        }
        crate::note!("cache: {} (manifest.json)", plan.cache_dir.display());
    }
    result.map(|_| ())
}

/// The retrieval time: `SOURCE_DATE_EPOCH` if set (reproducible runs), else the clock.
/// Read here, at the command's edge, and passed down.
fn now_rfc3339() -> Result<String> {
    let secs = match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(s) => s.trim().parse::<i64>()?,
        Err(_) => {
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
        }
    };
    let (y, m, d) = crate::fmt::civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    Ok(format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", s / 3600, s / 60 % 60, s % 60))
}
