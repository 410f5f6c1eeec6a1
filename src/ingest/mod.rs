//! Ingestion: the only code that touches the network or the cache. Downloads every
//! configured source into the cache, validates it with its reader, and records the
//! provenance manifest.
//!
//! Revisions are kept (issue 16): each accepted file is also stored as
//! `versions/<sha256>.<ext>` and appended to its source's `history` in the manifest when
//! its content or vintage changed; an unchanged fetch leaves the history as it was. A
//! change stays pending until [`acknowledge`] (`fetch --acknowledge ID`) dates it; see
//! [`crate::sources::manifest`].

pub mod config;
pub mod http;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::error::{DataError, NetworkError, Origin, Problem};
use crate::geo::Geography;
use crate::sources::registry::Dataset;
use crate::sources::{Format, Located};

use crate::sources::manifest::{self, Change, Entry, Manifest, Revision, Version};
use config::{Config, SourceConfig};

pub const DEFAULT_MAX_BYTES: u64 = 1 << 30;

pub struct Plan {
    pub config: Config,
    pub cache_dir: PathBuf,
    pub offline: bool,
    /// Only these source ids (all enabled sources when empty).
    pub only: Vec<String>,
    pub http: http::Options,
    /// Retrieval time recorded in the manifest (RFC 3339, UTC).
    pub now: String,
}

/// What happened to one source.
pub struct Outcome {
    pub id: String,
    pub status: String,
}

/// Fetches, validates and records every configured source. Fails at the end with every
/// network failure (exit 3) or invalid file (exit 4) found.
pub fn fetch(plan: &Plan) -> Result<(Manifest, Vec<Outcome>)> {
    let geo = Geography::get();
    std::fs::create_dir_all(&plan.cache_dir)
        .with_context(|| format!("failed to create `{}`", plan.cache_dir.display()))?;
    let previous = Manifest::load_optional(&plan.cache_dir)?.unwrap_or_default();
    let client = if plan.offline {
        None
    } else {
        // Redirects may lead to the host of any configured source (a mirror), no further.
        let mut opts = plan.http.clone();
        opts.allowed_hosts.extend(
            plan.config.sources.iter().filter_map(|s| reqwest::Url::parse(&s.url).ok()).map(|u| http::origin(&u)),
        );
        opts.allowed_hosts.extend(plan.config.sources.iter().flat_map(|s| s.redirect_hosts.iter().cloned()));
        Some(http::Client::new(opts)?)
    };

    let mut entries: Vec<Entry> = Vec::new();
    let mut outcomes = Vec::new();
    let mut network: Vec<String> = Vec::new();
    let mut invalid: Vec<Problem> = Vec::new();
    let mut missing: Vec<String> = Vec::new();
    let selected: Vec<&SourceConfig> = plan
        .config
        .sources
        .iter()
        .filter(|s| s.enabled && (plan.only.is_empty() || plan.only.contains(&s.id)))
        .collect();
    if let Some(unknown) = plan.only.iter().find(|id| !plan.config.sources.iter().any(|s| &s.id == *id)) {
        anyhow::bail!("`--only {unknown}`: no such source in {}", plan.config.origin);
    }

    // Files arrive in `.incoming/` and move into the cache only once complete and valid.
    let incoming = plan.cache_dir.join(".incoming");
    if !plan.offline {
        std::fs::create_dir_all(&incoming).with_context(|| format!("failed to create `{}`", incoming.display()))?;
    }
    for src in &selected {
        // Every problem of this source names it as configured, before the cache's copy.
        let origin = Origin::new(&src.id, &src.url);
        let sourced = |p: Problem| Problem { source: Some(origin.clone()), ..p };
        let dest = plan.cache_dir.join(&src.file);
        let arriving = incoming.join(&src.file);
        let prev = previous.sources.iter().find(|e| e.id == src.id);
        let got: Result<(Option<u16>, String), NetworkError> = if plan.offline {
            match (prev, dest.is_file()) {
                (Some(p), true) => {
                    outcomes.push(Outcome { id: src.id.clone(), status: format!("in cache ({})", p.retrieved_at) });
                    entries.push(p.clone());
                    continue;
                }
                _ => {
                    missing.push(format!("{} ({})", src.id, src.file));
                    continue;
                }
            }
        } else if src.url.starts_with("http://") || src.url.starts_with("https://") {
            let max = src.max_bytes.unwrap_or(DEFAULT_MAX_BYTES);
            match client.as_ref().map(|c| c.download(&src.url, &arriving, max, &src.id)) {
                Some(Ok(d)) => Ok((Some(d.status), src.url.clone())),
                Some(Err(e)) => Err(e),
                None => continue,
            }
        } else {
            let path = local_path(&plan.config.base, &src.url);
            if !path.is_file() {
                if src.optional {
                    outcomes.push(Outcome {
                        id: src.id.clone(),
                        status: format!("skipped: optional, `{}` not found", path.display()),
                    });
                    if let Some(p) = prev.filter(|_| dest.is_file()) {
                        entries.push(p.clone());
                    }
                } else {
                    invalid.push(sourced(Problem::file(
                        &path.display().to_string(),
                        format!("the file of source `{}` to exist (not found)", src.id),
                    )));
                }
                continue;
            }
            let max = src.max_bytes.unwrap_or(DEFAULT_MAX_BYTES);
            if let Ok(meta) = std::fs::metadata(&path)
                && meta.len() > max
            {
                outcomes.push(Outcome { id: src.id.clone(), status: "FAILED (file too large)".into() });
                invalid.push(sourced(crate::formats::too_big(&path.display().to_string(), meta.len(), max)));
                if let Some(p) = prev.filter(|_| dest.is_file()) {
                    entries.push(p.clone());
                }
                continue;
            }
            copy_atomically(&path, &arriving).map(|()| (None, path.display().to_string()))
        };
        let (status, url) = match got {
            Ok(x) => x,
            Err(e) => {
                outcomes.push(Outcome { id: src.id.clone(), status: "FAILED (network)".into() });
                network.push(e.message);
                if let Some(p) = prev.filter(|_| dest.is_file()) {
                    entries.push(p.clone());
                }
                continue;
            }
        };
        let bytes = std::fs::read(&arriving).with_context(|| format!("failed to read `{}`", arriving.display()))?;
        let located = Located { display: dest.display().to_string(), bytes: bytes.clone(), format: src.format };
        let dataset = Dataset::from_id(&src.id)
            .ok_or_else(|| anyhow::anyhow!("unknown source `{}` (known: {})", src.id, Dataset::known()))?;
        if src.format == Format::Canonical && crate::formats::is_untouched_template(&dest.display().to_string(), &bytes)
        {
            // A template as `init-templates` wrote it: an absent source, never data.
            outcomes.push(Outcome {
                id: src.id.clone(),
                status: "absent: untouched template (only its example rows; fill it in and delete them)".into(),
            });
            let _ = std::fs::remove_file(&arriving);
            continue;
        }
        let summary = match dataset.summary(located, geo) {
            Ok(s) => s,
            Err(e) => {
                outcomes.push(Outcome { id: src.id.clone(), status: "FAILED (invalid data)".into() });
                let _ = std::fs::remove_file(&arriving);
                if let Some(p) = prev.filter(|_| dest.is_file()) {
                    entries.push(p.clone());
                }
                match origin.attach(e).downcast::<DataError>() {
                    Ok(DataError::Invalid(p)) => invalid.extend(p),
                    Err(e) => return Err(e),
                }
                continue;
            }
        };
        if summary.rows == 0 {
            // A file from which the reader took nothing is not this source's file.
            invalid.push(sourced(Problem::file(
                &dest.display().to_string(),
                format!(
                    "data rows of source `{}` in format `{}` (none found: is it the right file?)",
                    src.id,
                    src.format.name()
                ),
            )));
            outcomes.push(Outcome { id: src.id.clone(), status: "FAILED (no data)".into() });
            let _ = std::fs::remove_file(&arriving);
            if let Some(p) = prev.filter(|_| dest.is_file()) {
                entries.push(p.clone());
            }
            continue;
        }
        if let Some(allowed) = &src.years {
            let other: Vec<String> =
                summary.years.iter().filter(|y| !allowed.contains(y)).map(|y| y.to_string()).collect();
            if !other.is_empty() {
                let allowed: Vec<String> = allowed.iter().map(|y| y.to_string()).collect();
                invalid.push(sourced(Problem {
                    value: Some(other.join(", ")),
                    ..Problem::file(
                        &dest.display().to_string(),
                        format!(
                            "only the years configured for `{}` in {} ({})",
                            src.id,
                            plan.config.origin,
                            allowed.join(", ")
                        ),
                    )
                }));
                outcomes.push(Outcome { id: src.id.clone(), status: "FAILED (unexpected year)".into() });
                let _ = std::fs::remove_file(&arriving);
                if let Some(p) = prev.filter(|_| dest.is_file()) {
                    entries.push(p.clone());
                }
                continue;
            }
        }
        let sha256 = http::sha256(&bytes);
        // The vintage the file states (title, notes), else its last data year, saying so.
        let stated = summary.vintage.is_some();
        let vintage = summary.vintage.clone().or_else(|| crate::sources::vintage::last_data_year(&summary.years));
        let detected = vintage.as_ref().map(|v| v.year.to_string()).or_else(|| src.vintage.clone());
        // Every version is kept by its sha256 before the current file is replaced.
        let mut history = prev.map(Entry::history_or_seed).unwrap_or_default();
        if let Some(last) = history.last_mut()
            && last.stored.is_none()
        {
            // A cache filled before versions were kept: keep the file about to be replaced.
            archive_current(&plan.cache_dir, &dest, last)?;
        }
        let changed = history.last().is_none_or(|v| v.sha256 != sha256 || v.vintage != detected);
        if changed {
            history.push(Version {
                sha256: sha256.clone(),
                retrieved_at: plan.now.clone(),
                vintage: detected.clone(),
                size: Some(bytes.len() as u64),
                stored: None,
                acknowledged_at: None,
            });
        }
        if let Some(last) = history.last_mut() {
            let name = version_name(&sha256, &src.file);
            store_version(&plan.cache_dir, &name, &bytes)?;
            last.stored = Some(name);
        }
        std::fs::rename(&arriving, &dest)
            .with_context(|| format!("failed to move `{}` into the cache", dest.display()))?;
        // An official layout is parsed here, once per download: its canonical table goes
        // beside it, and the manifest points at both.
        let canonical = match &summary.canonical {
            Some(table) => {
                let name = format!("{}.canonical.csv", src.id);
                write_atomically(&plan.cache_dir.join(&name), table)?;
                Some((name, http::sha256(table)))
            }
            None => None,
        };
        // A revision stays recorded until the file changes again; a new vintage clears it.
        let revision = match prev {
            Some(p) if p.sha256 != sha256 && p.detected_vintage == detected => {
                Some(Revision { previous_sha256: p.sha256.clone(), previous_retrieved_at: p.retrieved_at.clone() })
            }
            Some(p) if p.sha256 == sha256 && p.detected_vintage == detected => p.revision.clone(),
            _ => None,
        };
        let title = src.title.clone().unwrap_or_else(|| dataset.title().to_string());
        let mut status_line = format!("ok: {} bytes, data years {}", bytes.len(), years(&summary.years));
        if let Some(r) = revision.as_ref().filter(|_| changed) {
            status_line.push_str(&format!(
                "; REVISION: same vintage {} but the file changed (sha256 {} → {})",
                detected.as_deref().unwrap_or("?"),
                &r.previous_sha256[..12.min(r.previous_sha256.len())],
                &sha256[..12]
            ));
        }
        if let Some(p) = prev.filter(|p| p.detected_vintage != detected) {
            status_line.push_str(&format!(
                "; NEW VINTAGE: {} → {}",
                p.detected_vintage.as_deref().unwrap_or("?"),
                detected.as_deref().unwrap_or("?")
            ));
        }
        let pending = history.iter().skip(1).filter(|v| v.acknowledged_at.is_none()).count();
        if pending > 0 {
            status_line
                .push_str(&format!("; {pending} change(s) to review, then `barometre fetch --acknowledge {}`", src.id));
        }
        match (&src.vintage, &vintage) {
            (Some(exp), Some(v)) if *exp != v.year.to_string() => {
                status_line.push_str(&format!("; vintage {} found ({}), {exp} expected", v.year, v.evidence));
            }
            (Some(_), Some(v)) => status_line.push_str(&format!("; vintage {} ({})", v.year, v.evidence)),
            (None, Some(v)) if stated => status_line.push_str(&format!("; vintage {} ({})", v.year, v.evidence)),
            _ => {}
        }
        outcomes.push(Outcome { id: src.id.clone(), status: status_line });
        entries.push(Entry {
            id: src.id.clone(),
            title,
            url,
            file: src.file.clone(),
            format: src.format,
            retrieved_at: plan.now.clone(),
            http_status: status,
            size: bytes.len() as u64,
            sha256,
            expected_vintage: src.vintage.clone(),
            detected_vintage: detected,
            vintage_evidence: vintage.map(|v| v.evidence),
            data_years: summary.years,
            rows: summary.rows,
            parser: parser_name(src.format),
            canonical: canonical.as_ref().map(|c| c.0.clone()),
            canonical_sha256: canonical.map(|c| c.1),
            licence: src.licence.clone(),
            revision,
            history,
        });
    }

    if !plan.offline {
        let _ = std::fs::remove_dir_all(&incoming);
    }
    // Keep entries of sources not fetched this time (`--only`).
    for p in &previous.sources {
        if !entries.iter().any(|e| e.id == p.id)
            && !selected.iter().any(|s| s.id == p.id)
            && plan.cache_dir.join(&p.file).is_file()
        {
            entries.push(p.clone());
        }
    }
    entries.sort_by_key(|e| Dataset::from_id(&e.id));
    let manifest = Manifest {
        generated_by: concat!("barometre ", env!("CARGO_PKG_VERSION")).into(),
        fetched_at: plan.now.clone(),
        sources: entries,
    };
    if !plan.offline {
        manifest.save(&plan.cache_dir)?;
    }

    if !missing.is_empty() {
        return Err(NetworkError {
            url: String::new(),
            message: format!(
                "offline: {} source(s) not in the cache `{}`: {}. Run `barometre fetch` with network access first",
                missing.len(),
                plan.cache_dir.display(),
                missing.join(", ")
            ),
        }
        .into());
    }
    // Every source's problems in one run: the invalid files (exit 4) and, before them, the
    // downloads that failed (exit 3 when they are all there is).
    match (network.is_empty(), invalid.is_empty()) {
        (true, true) => {}
        (false, true) => return Err(NetworkError { url: String::new(), message: network.join("\n") }.into()),
        (true, false) => return Err(DataError::Invalid(invalid).into()),
        (false, false) => {
            return Err(anyhow::Error::new(DataError::Invalid(invalid)).context(format!(
                "{} download(s) failed:\n{}\nand in the files that arrived",
                network.len(),
                network.join("\n")
            )));
        }
    }
    Ok((manifest, outcomes))
}

/// `barometre fetch --acknowledge ID,…`: marks the pending changes of these sources as
/// reviewed (they no longer alert in `checks.md` nor show in the methodology); the
/// manifest keeps every version. Downloads nothing.
pub fn acknowledge(cache_dir: &Path, ids: &[String], now: &str) -> Result<Vec<Outcome>> {
    let Some(mut manifest) = Manifest::load_optional(cache_dir)? else {
        anyhow::bail!("no manifest in `{}`: nothing to acknowledge (run `barometre fetch` first)", cache_dir.display());
    };
    let mut outcomes = Vec::new();
    let mut any = false;
    for id in ids {
        let done: Vec<Change> = manifest.acknowledge(id, now)?;
        any |= !done.is_empty();
        let status = if done.is_empty() {
            "nothing to acknowledge".to_string()
        } else {
            let list: Vec<String> = done
                .iter()
                .map(|c| {
                    format!(
                        "{} {} → {}",
                        if c.same_vintage { "revision" } else { "new vintage" },
                        short(&c.old.sha256),
                        short(&c.new.sha256)
                    )
                })
                .collect();
            format!("acknowledged: {}", list.join(", "))
        };
        outcomes.push(Outcome { id: id.clone(), status });
    }
    if any {
        manifest.save(cache_dir)?;
    }
    Ok(outcomes)
}

fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}

/// `<sha256>.<ext>`: the name of a version in `versions/`, with the extension of the
/// source's file.
fn version_name(sha256: &str, file: &str) -> String {
    match Path::new(file).extension().and_then(|e| e.to_str()) {
        Some(ext) => format!("{sha256}.{ext}"),
        None => sha256.to_string(),
    }
}

/// Writes a version into `versions/` unless it is there already (same name, same bytes).
fn store_version(cache_dir: &Path, name: &str, bytes: &[u8]) -> Result<()> {
    let dir = cache_dir.join(manifest::VERSIONS);
    let path = dir.join(name);
    if path.is_file() {
        return Ok(());
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("failed to create `{}`", dir.display()))?;
    write_atomically(&path, bytes)
}

/// Keeps the current file of a cache filled before versions were kept, when it is the
/// version the manifest names.
fn archive_current(cache_dir: &Path, current: &Path, version: &mut Version) -> Result<()> {
    let Ok(bytes) = std::fs::read(current) else { return Ok(()) };
    if http::sha256(&bytes) != version.sha256 {
        return Ok(());
    }
    let name = version_name(&version.sha256, &current.file_name().unwrap_or_default().to_string_lossy());
    store_version(cache_dir, &name, &bytes)?;
    version.stored = Some(name);
    Ok(())
}

fn years(y: &[i32]) -> String {
    match (y.first(), y.last()) {
        (Some(a), Some(b)) if a == b => a.to_string(),
        (Some(a), Some(b)) => format!("{a}–{b}"),
        _ => "n/a".into(),
    }
}

pub fn parser_name(f: Format) -> String {
    format!("barometre {} / {}", env!("CARGO_PKG_VERSION"), f.name())
}

fn local_path(base: &Path, url: &str) -> PathBuf {
    let p = url.strip_prefix("file://").unwrap_or(url);
    let p = Path::new(p);
    if p.is_absolute() { p.to_path_buf() } else { base.join(p) }
}

/// Writes a file of the cache (a canonical table, a version) through a temporary file
/// renamed into place.
fn write_atomically(to: &Path, bytes: &[u8]) -> Result<()> {
    let dir = to.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".partial-")
        .tempfile_in(dir)
        .with_context(|| format!("failed to create a file in `{}`", dir.display()))?;
    std::io::Write::write_all(&mut tmp, bytes).with_context(|| format!("failed to write `{}`", to.display()))?;
    tmp.persist(to).with_context(|| format!("failed to write `{}`", to.display()))?;
    Ok(())
}

fn copy_atomically(from: &Path, to: &Path) -> Result<(), NetworkError> {
    let fail = |e: std::io::Error| NetworkError {
        url: from.display().to_string(),
        message: format!("failed to copy `{}`: {e}", from.display()),
    };
    let dir = to.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new().prefix(".download-").tempfile_in(dir).map_err(fail)?;
    let bytes = std::fs::read(from).map_err(fail)?;
    std::io::Write::write_all(&mut tmp, &bytes).map_err(fail)?;
    tmp.persist(to).map_err(|e| fail(e.error))?;
    Ok(())
}
