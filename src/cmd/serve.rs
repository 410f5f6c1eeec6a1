//! `barometre serve`: a live preview of the edition for the analyst who writes it.
//!
//! The edition is built once in memory and served on 127.0.0.1 (nothing is written to
//! `output/`). A watcher polls the editorial texts, the templates, the indicators and the
//! data directory, and rebuilds only what a change touches:
//!
//! - an editorial text: the themes' texts, then the site's pages (served at once, the
//!   open page reloads), then the national PDF (no indicator, figure or fiche is
//!   recomputed);
//! - a template: the renderers that use it (`fiche.typ`: the fiche PDFs; `base.html`:
//!   every HTML page…), with the figures already drawn;
//! - an indicator or a data file: everything.
//!
//! Every HTML page carries a small script that long-polls `/__barometre/version` and
//! reloads the page when a rebuild ends. A rebuild that fails keeps the last good files
//! and shows its error at the top of every page, until a later edit fixes it.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, Result, bail};

use crate::cli::ServeArgs;
use crate::edition::{self, Options};
use crate::model::ReportModel;
use crate::render::maps::MapGeometry;
use crate::render::{self, Figures, RenderContext, Renderer};
use crate::sources::DataSource;

/// How long a reload request waits for a new version before answering the same one.
const LONG_POLL: Duration = Duration::from_secs(20);
/// How often the watched directories are scanned.
const SCAN: Duration = Duration::from_millis(100);

/// What the server hands out: the files of the last good build, its version, and the
/// error of the last rebuild if it failed.
#[derive(Default)]
struct Served {
    files: BTreeMap<String, Arc<Vec<u8>>>,
    version: u64,
    error: Option<String>,
}

type Shared = Arc<(Mutex<Served>, Condvar)>;

/// What a change touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Touched {
    Editorial,
    Template,
    Everything,
}

/// The edition kept in memory between rebuilds.
struct Site {
    opts: Options,
    templates: Option<PathBuf>,
    model: ReportModel,
    geometry: MapGeometry,
    figures: Figures,
    files: BTreeMap<String, Arc<Vec<u8>>>,
}

fn all_renderers() -> Vec<&'static (dyn Renderer + Sync)> {
    vec![
        &render::pdf::Pdf,
        &render::tables::Tables,
        &render::html::Html,
        &render::fiches::Fiches,
        &render::fiches::FichePdfs,
        &render::epci::EpciPages,
        &render::epci::EpciFiches,
    ]
}

/// The renderers that read a template file.
fn renderers_of(template: &str) -> Vec<&'static (dyn Renderer + Sync)> {
    match template {
        "base.html" => vec![&render::html::Html, &render::fiches::Fiches, &render::epci::EpciPages],
        "index.html" | "methodologie.html" | "telechargements.html" | "figure.html" => vec![&render::html::Html],
        "fiche.html" => vec![&render::fiches::Fiches],
        "fiche.typ" => vec![&render::fiches::FichePdfs],
        "epci.html" | "epci-index.html" => vec![&render::epci::EpciPages],
        "fiche-epci.typ" => vec![&render::epci::EpciFiches],
        "barometre.typ" => vec![&render::pdf::Pdf],
        // A font or a file no renderer names: all of them.
        _ => all_renderers(),
    }
}

impl Site {
    fn build(opts: Options, templates: Option<PathBuf>) -> Result<Site> {
        let mut ed = edition::prepare(&opts)?;
        let geometry = MapGeometry::for_edition(ed.contours.as_ref(), ed.epci_contours.take());
        let figures = Figures::draw(&ed.model, &geometry)?;
        let mut site = Site { opts, templates, model: ed.model, geometry, figures, files: BTreeMap::new() };
        for (rel, bytes) in site.figures.files()? {
            site.files.insert(rel, Arc::new(bytes));
        }
        site.files.insert("checks.md".into(), Arc::new(ed.checks.markdown(site.opts.years.current).into_bytes()));
        site.files.insert("provenance.json".into(), Arc::new(ed.provenance_json.into_bytes()));
        site.run(&all_renderers())?;
        Ok(site)
    }

    /// Runs renderers and replaces their files.
    fn run(&mut self, renderers: &[&'static (dyn Renderer + Sync)]) -> Result<Vec<&'static str>> {
        let cx = RenderContext {
            model: &self.model,
            figures: &self.figures,
            templates: self.templates.as_deref(),
            epoch: self.opts.epoch,
            geometry: &self.geometry,
        };
        let results =
            render::par_map(renderers, |r| r.render(&cx).with_context(|| format!("failed to render {}", r.name())))?;
        for files in results {
            for (rel, bytes) in files {
                self.files.insert(rel, Arc::new(bytes));
            }
        }
        Ok(renderers.iter().map(|r| r.name()).collect())
    }

    /// The editorial texts again, then the site's pages that print them (the national
    /// PDF, which prints them too, is rebuilt next: see [`watch`]).
    fn editorial(&mut self) -> Result<Vec<&'static str>> {
        let dir = self.opts.editorial.as_deref();
        let themes = crate::commentary::themes(&self.model.indicators, dir, self.model.demo)?;
        let (intro, placeholder) = crate::commentary::editorial(dir, "introduction", self.model.demo)?;
        self.model.themes = themes;
        (self.model.introduction, self.model.introduction_placeholder) = (intro, placeholder);
        self.run(&[&render::html::Html])
    }
}

/// Files under a directory (recursively) with their modification time and size.
fn scan(dir: &Path, out: &mut BTreeMap<PathBuf, (SystemTime, u64)>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        let Ok(meta) = e.metadata() else { continue };
        if meta.is_dir() {
            scan(&p, out);
        } else {
            out.insert(p, (meta.modified().unwrap_or(SystemTime::UNIX_EPOCH), meta.len()));
        }
    }
}

/// The watched directories, each with what a change there touches.
fn watched(args: &ServeArgs, opts: &Options) -> Vec<(PathBuf, Touched)> {
    let mut w = Vec::new();
    if let Some(d) = &args.editorial {
        w.push((d.clone(), Touched::Editorial));
    }
    if let Some(d) = &args.templates {
        w.push((d.clone(), Touched::Template));
    }
    if let Some(d) = &args.edition.indicators {
        w.push((d.clone(), Touched::Everything));
    }
    match &opts.data {
        DataSource::Dir(d) | DataSource::Cache(d) => w.push((d.clone(), Touched::Everything)),
        DataSource::Demo => {}
    }
    w
}

pub fn run(args: &ServeArgs) -> Result<()> {
    check(args)?;
    // The address first: a port in use is said at once, before the edition is built.
    let listener = TcpListener::bind((args.bind, args.port)).map_err(|e| match e.kind() {
        std::io::ErrorKind::AddrInUse => anyhow::anyhow!(
            "le port {} est déjà utilisé sur {} : choisissez-en un autre avec --port (ou --port 0 pour un port libre)",
            args.port,
            args.bind
        ),
        _ => anyhow::anyhow!("impossible d'écouter sur {}:{} : {e}", args.bind, args.port),
    })?;
    let addr = listener.local_addr()?;
    let opts = super::build::edition_options(&args.edition, args.editorial.as_deref(), true)?;
    let started = Instant::now();
    crate::note!("building the edition {} in memory…", opts.years.current);
    let site = Site::build(opts.clone(), args.templates.clone())?;
    let shared: Shared = Arc::new((Mutex::new(Served::default()), Condvar::new()));
    publish(&shared, site.files.clone(), None);
    crate::note!("built in {} ms", started.elapsed().as_millis());
    let roots = watched(args, &opts);
    for (dir, _) in &roots {
        crate::note!("watching {}", dir.display());
    }
    crate::note!("serving the edition on http://{addr}/ (Ctrl-C to stop)");
    {
        let shared = shared.clone();
        std::thread::Builder::new()
            .name("watch".into())
            .stack_size(render::STACK)
            .spawn(move || watch(site, roots, &shared))
            .context("failed to start the watcher")?;
    }
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let shared = shared.clone();
        let _ = std::thread::Builder::new().name("http".into()).spawn(move || {
            let _ = handle(stream, &shared);
        });
    }
    Ok(())
}

fn publish(shared: &Shared, files: BTreeMap<String, Arc<Vec<u8>>>, error: Option<String>) {
    let (lock, cvar) = &**shared;
    if let Ok(mut s) = lock.lock() {
        s.files = files;
        s.error = error;
        s.version += 1;
    }
    cvar.notify_all();
}

fn publish_error(shared: &Shared, error: String) {
    let (lock, cvar) = &**shared;
    if let Ok(mut s) = lock.lock() {
        s.error = Some(error);
        s.version += 1;
    }
    cvar.notify_all();
}

/// Scans the watched directories and rebuilds what each change touches.
fn watch(mut site: Site, roots: Vec<(PathBuf, Touched)>, shared: &Shared) {
    let fingerprint = |roots: &[(PathBuf, Touched)]| {
        roots
            .iter()
            .map(|(d, _)| {
                let mut m = BTreeMap::new();
                scan(d, &mut m);
                m
            })
            .collect::<Vec<_>>()
    };
    let mut last = fingerprint(&roots);
    loop {
        std::thread::sleep(SCAN);
        let now = fingerprint(&roots);
        if now == last {
            continue;
        }
        // An editor writes in several steps: wait until the files stop moving.
        let mut settled = now;
        loop {
            std::thread::sleep(Duration::from_millis(30));
            let again = fingerprint(&roots);
            if again == settled {
                break;
            }
            settled = again;
        }
        let mut touched = BTreeSet::new();
        let mut templates = BTreeSet::new();
        for (i, (_, what)) in roots.iter().enumerate() {
            let (a, b) = (&last[i], &settled[i]);
            let changed: Vec<&PathBuf> = a
                .keys()
                .chain(b.keys())
                .filter(|p| a.get(*p) != b.get(*p))
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            if changed.is_empty() {
                continue;
            }
            touched.insert(*what);
            if *what == Touched::Template {
                for p in changed {
                    templates.insert(p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
                }
            }
        }
        last = settled;
        let Some(&what) = touched.iter().max() else { continue };
        let started = Instant::now();
        let result = match what {
            Touched::Everything => Site::build(site.opts.clone(), site.templates.clone()).map(|s| {
                site = s;
                vec!["everything"]
            }),
            Touched::Template => {
                let mut rs: Vec<&'static (dyn Renderer + Sync)> = Vec::new();
                for t in &templates {
                    for r in renderers_of(t) {
                        if !rs.iter().any(|x| x.name() == r.name()) {
                            rs.push(r);
                        }
                    }
                }
                // An editorial edit in the same moment is taken too.
                if touched.contains(&Touched::Editorial) {
                    site.editorial().and_then(|_| site.run(&rs))
                } else {
                    site.run(&rs)
                }
            }
            // The pages first, served at once (the open page reloads), then the PDF.
            // The log line comes after the files are served: it says they are.
            Touched::Editorial => site.editorial().and_then(|mut done| {
                publish(shared, site.files.clone(), None);
                crate::note!(
                    "rebuilt after a change (editorial text) in {} ms: {}",
                    started.elapsed().as_millis(),
                    done.join(", ")
                );
                done.extend(site.run(&[&render::pdf::Pdf])?);
                Ok(done)
            }),
        };
        let ms = started.elapsed().as_millis();
        match result {
            Ok(done) => {
                publish(shared, site.files.clone(), None);
                crate::note!("rebuilt after a change ({}) in {ms} ms: {}", label(what), done.join(", "));
            }
            Err(e) => {
                let message = format!("{e:#}");
                publish_error(shared, message.clone());
                crate::note!("rebuild failed ({}): {message}", label(what));
            }
        }
    }
}

fn label(t: Touched) -> &'static str {
    match t {
        Touched::Editorial => "editorial text",
        Touched::Template => "template",
        Touched::Everything => "indicators or data",
    }
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "pdf" => "application/pdf",
        "csv" => "text/csv; charset=utf-8",
        "json" => "application/json",
        "md" | "txt" => "text/plain; charset=utf-8",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "otf" => "font/otf",
        "js" => "text/javascript",
        _ => "application/octet-stream",
    }
}

/// `%C3%A9` → `é`.
fn decode(path: &str) -> String {
    let b = path.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(v) = u8::from_str_radix(&path[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The reload script and, after a failed rebuild, the error, in an HTML page.
fn inject(html: &[u8], version: u64, error: Option<&str>) -> Vec<u8> {
    let html = String::from_utf8_lossy(html);
    let script = format!(
        "<script>(function(){{var v={version};function poll(){{fetch('/__barometre/version?since='+v,{{cache:'no-store'}}).then(function(r){{return r.text();}}).then(function(t){{if(+t!==v){{location.reload();}}else{{poll();}}}}).catch(function(){{setTimeout(poll,1000);}});}}poll();}})();</script>"
    );
    let banner = error
        .map(|e| {
            format!(
                "<div id=\"barometre-erreur\" role=\"alert\" style=\"background:#a93226;color:#fff;padding:.8rem 1rem;font:14px/1.4 monospace;white-space:pre-wrap\">La dernière reconstruction a échoué ; la page montre la version précédente.\n{}</div>",
                escape(e)
            )
        })
        .unwrap_or_default();
    let mut out = html.into_owned();
    match out.find("<body>") {
        Some(i) => out.insert_str(i + "<body>".len(), &banner),
        None => out.insert_str(0, &banner),
    }
    match out.rfind("</body>") {
        Some(i) => out.insert_str(i, &script),
        None => out.push_str(&script),
    }
    out.into_bytes()
}

fn respond(stream: &mut TcpStream, status: &str, kind: &str, body: &[u8]) -> std::io::Result<()> {
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(body)?;
    stream.flush()
}

fn handle(mut stream: TcpStream, shared: &Shared) -> Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    // The headers are read and ignored.
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h == "\r\n" || h == "\n" {
            break;
        }
    }
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or("/"));
    if method != "GET" && method != "HEAD" {
        respond(&mut stream, "405 Method Not Allowed", "text/plain; charset=utf-8", b"GET only\n")?;
        return Ok(());
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let (lock, cvar) = &**shared;
    if path == "/__barometre/version" {
        let since: Option<u64> = query.split('&').find_map(|kv| kv.strip_prefix("since=")).and_then(|v| v.parse().ok());
        let guard = lock.lock().map_err(|_| anyhow::anyhow!("state poisoned"))?;
        let (guard, _) = cvar
            .wait_timeout_while(guard, LONG_POLL, |s| since == Some(s.version))
            .map_err(|_| anyhow::anyhow!("state poisoned"))?;
        let v = guard.version.to_string();
        drop(guard);
        respond(&mut stream, "200 OK", "text/plain; charset=utf-8", v.as_bytes())?;
        return Ok(());
    }
    let mut rel = decode(path.trim_start_matches('/'));
    if rel.is_empty() || rel.ends_with('/') {
        rel.push_str("index.html");
    }
    if rel.split('/').any(|s| s == "..") {
        respond(&mut stream, "400 Bad Request", "text/plain; charset=utf-8", b"bad path\n")?;
        return Ok(());
    }
    let (file, version, error) = {
        let s = lock.lock().map_err(|_| anyhow::anyhow!("state poisoned"))?;
        (s.files.get(&rel).cloned(), s.version, s.error.clone())
    };
    match file {
        Some(bytes) => {
            let kind = content_type(&rel);
            let body =
                if kind.starts_with("text/html") { inject(&bytes, version, error.as_deref()) } else { bytes.to_vec() };
            respond(&mut stream, "200 OK", kind, if method == "HEAD" { &[] } else { &body })?;
        }
        None => {
            let body = inject(
                format!("<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>Introuvable</title></head><body><p>Pas de fichier « {} » dans l'édition. <a href=\"/index.html\">Accueil</a></p></body></html>", escape(&rel)).as_bytes(),
                version,
                error.as_deref(),
            );
            respond(&mut stream, "404 Not Found", "text/html; charset=utf-8", &body)?;
        }
    }
    Ok(())
}

/// Checks the serve arguments that clap cannot.
pub fn check(args: &ServeArgs) -> Result<()> {
    for (what, dir) in [("--editorial", &args.editorial), ("--templates", &args.templates)] {
        if let Some(d) = dir
            && !d.is_dir()
        {
            bail!("{what} {} : pas un répertoire", d.display());
        }
    }
    Ok(())
}
