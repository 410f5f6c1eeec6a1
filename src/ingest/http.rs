//! The one HTTP client: timeouts, bounded retries with exponential backoff on connection
//! errors, timeouts, 5xx and 429, size limits, redirects only within a source's own host
//! (or to another configured source's host), HTML pages refused, and downloads written
//! to a temporary file renamed into place only when complete.

use std::io::{Read, Write};
use std::path::Path;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sha2::{Digest, Sha256};

use crate::error::NetworkError;

#[derive(Debug, Clone)]
pub struct Options {
    pub timeout: Duration,
    pub retries: u32,
    pub backoff: Duration,
    /// Hosts (`host:port`, or a bare host for any port) a redirect may lead to besides the
    /// requested host and its subdomains: the hosts of the configured sources and their
    /// `redirect_hosts`.
    pub allowed_hosts: Vec<String>,
}

pub struct Client {
    inner: reqwest::blocking::Client,
    opts: Options,
}

/// A completed download, already in its final place.
pub struct Download {
    pub status: u16,
    pub size: u64,
    pub sha256: String,
}

enum Failure {
    /// Worth another attempt.
    Transient(String),
    /// Not worth retrying (4xx, size limit, local I/O).
    Fatal(String),
}

impl Client {
    pub fn new(opts: Options) -> Result<Client, NetworkError> {
        // One TLS crypto provider for the process (ring); a second install is a no-op.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let inner = reqwest::blocking::Client::builder()
            .user_agent(concat!("barometre/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(opts.timeout.min(Duration::from_secs(30)))
            .timeout(opts.timeout)
            .redirect(redirect_policy(opts.allowed_hosts.clone()))
            .build()
            .map_err(|e| NetworkError {
                url: String::new(),
                message: format!("failed to set up the HTTP client: {e}"),
            })?;
        Ok(Client { inner, opts })
    }

    /// Downloads `url` to `dest` (atomically) and returns its status, size and sha256.
    pub fn download(&self, url: &str, dest: &Path, max_bytes: u64, label: &str) -> Result<Download, NetworkError> {
        let attempts = self.opts.retries + 1;
        let mut last = String::new();
        for attempt in 0..attempts {
            if attempt > 0 {
                let wait = self.opts.backoff * 2u32.saturating_pow(attempt - 1);
                crate::note!("  retrying {label} in {} ms ({last})", wait.as_millis());
                std::thread::sleep(wait);
            }
            match self.try_download(url, dest, max_bytes, label) {
                Ok(d) => return Ok(d),
                Err(Failure::Transient(msg)) => last = msg,
                Err(Failure::Fatal(msg)) => {
                    return Err(NetworkError {
                        url: url.to_string(),
                        message: format!("failed to download `{url}`: {msg}"),
                    });
                }
            }
        }
        Err(NetworkError {
            url: url.to_string(),
            message: format!(
                "failed to download `{url}` after {attempts} attempt(s): {last}. Check the address in sources.toml and the \
                 connection, then rerun `barometre fetch`; nothing was written to the cache for this source"
            ),
        })
    }

    fn try_download(&self, url: &str, dest: &Path, max_bytes: u64, label: &str) -> Result<Download, Failure> {
        let mut resp = self.inner.get(url).send().map_err(|e| {
            if e.is_redirect() {
                Failure::Fatal(format!(
                    "{}; if the file really moved there, put its new address in `url` in sources.toml (or list \
                     the host in the source's `redirect_hosts`)",
                    describe(&e)
                ))
            } else {
                Failure::Transient(describe(&e))
            }
        })?;
        let status = resp.status();
        if status.is_server_error() || status.as_u16() == 429 {
            return Err(Failure::Transient(format!("HTTP {status}")));
        }
        if !status.is_success() {
            return Err(Failure::Fatal(format!(
                "HTTP {status} (the address may be wrong or the file moved): check `url` in sources.toml"
            )));
        }
        // No source is a web page: an HTML answer is an error or a landing page served
        // with 200, not the file.
        if let Some(ct) = resp.headers().get(reqwest::header::CONTENT_TYPE).and_then(|v| v.to_str().ok())
            && ct.trim().to_ascii_lowercase().starts_with("text/html")
        {
            return Err(Failure::Fatal(format!(
                "the server sent a web page (Content-Type: {ct}), not the file; open the address in a browser and \
                 put the direct link to the file in `url` in sources.toml"
            )));
        }
        let expected = resp.content_length();
        if let Some(n) = expected
            && n > max_bytes
        {
            return Err(Failure::Fatal(format!(
                "the file is {n} bytes, over the limit of {max_bytes} bytes; if it is the right file, raise \
                 `max_bytes` for this source in sources.toml"
            )));
        }
        let dir = dest.parent().unwrap_or(Path::new("."));
        let mut tmp = tempfile::Builder::new()
            .prefix(".download-")
            .tempfile_in(dir)
            .map_err(|e| Failure::Fatal(format!("cannot write in `{}`: {e}", dir.display())))?;
        let bar = ProgressBar::with_draw_target(expected, ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{msg} {bar:30} {bytes}/{total_bytes} {bytes_per_sec}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_message(label.to_string());
        let mut hasher = Sha256::new();
        let mut size: u64 = 0;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match resp.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) => {
                    return Err(Failure::Transient(format!(
                        "truncated body: connection lost after {size} bytes ({e})"
                    )));
                }
            };
            size += n as u64;
            if size > max_bytes {
                return Err(Failure::Fatal(format!(
                    "the file is over the limit of {max_bytes} bytes; if it is the right file, raise `max_bytes` \
                     for this source in sources.toml"
                )));
            }
            hasher.update(&buf[..n]);
            tmp.write_all(&buf[..n]).map_err(|e| Failure::Fatal(format!("cannot write the download: {e}")))?;
            bar.inc(n as u64);
        }
        bar.finish_and_clear();
        if let Some(n) = expected
            && n != size
        {
            return Err(Failure::Transient(format!("truncated body: {size} of {n} bytes")));
        }
        tmp.as_file().sync_all().map_err(|e| Failure::Fatal(format!("cannot write the download: {e}")))?;
        tmp.persist(dest).map_err(|e| Failure::Fatal(format!("cannot move the download into the cache: {e}")))?;
        Ok(Download { status: status.as_u16(), size, sha256: hex(&hasher.finalize()) })
    }
}

/// `host:port` of a URL.
pub fn origin(url: &reqwest::Url) -> String {
    format!("{}:{}", url.host_str().unwrap_or(""), url.port_or_known_default().unwrap_or(0))
}

/// Follows at most 5 redirects, each to the requested host (same port) or one of its
/// subdomains, or to one of `allowed` (`host:port`); never from https to http.
fn redirect_policy(allowed: Vec<String>) -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() > 5 {
            return attempt.error("more than 5 redirects");
        }
        let Some(first) = attempt.previous().first() else { return attempt.follow() };
        let to = attempt.url();
        let host = first.host_str().unwrap_or("");
        let port = first.port_or_known_default();
        let same = to.port_or_known_default() == port
            && to.host_str().is_some_and(|h| h == host || h.ends_with(&format!(".{host}")));
        let downgrade = first.scheme() == "https" && to.scheme() != "https";
        let listed = allowed.contains(&origin(to)) || to.host_str().is_some_and(|h| allowed.iter().any(|a| a == h));
        if !downgrade && (same || listed) {
            attempt.follow()
        } else {
            let why = if downgrade { "from https to http" } else { "to another host than the source's" };
            let msg = format!("redirected {why} (`{to}`): refused");
            attempt.error(msg)
        }
    })
}

fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else if e.is_body() {
        "connection lost while reading"
    } else {
        "request failed"
    };
    let mut s = kind.to_string();
    let mut src: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(inner) = src {
        s = format!("{s}: {inner}");
        src = inner.source();
    }
    s
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}
