//! Test harness: runs the `barometre` binary in a temporary directory.

pub mod server;

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

pub struct Workdir {
    pub dir: tempfile::TempDir,
}

impl Workdir {
    pub fn new() -> Workdir {
        Workdir { dir: tempfile::tempdir().expect("tempdir") }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Runs `barometre ARGS` in the work directory with a fixed creation date.
    pub fn run(&self, args: &[&str]) -> Output {
        Command::cargo_bin("barometre")
            .expect("binary")
            .current_dir(self.dir.path())
            .env_remove("SOURCE_DATE_EPOCH")
            .args(args)
            .output()
            .expect("run barometre")
    }

    /// Copies the committed demo dataset into `rel` so a test can break it.
    pub fn copy_demo(&self, rel: &str) -> PathBuf {
        let dst = self.path(rel);
        std::fs::create_dir_all(&dst).expect("mkdir");
        copy_dir(&repo().join("fixtures/demo"), &dst);
        dst
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
    }
}

/// One demo edition built once and shared by the tests that only read its outputs.
pub fn shared_demo() -> &'static Workdir {
    static DEMO: std::sync::OnceLock<Workdir> = std::sync::OnceLock::new();
    DEMO.get_or_init(|| {
        let w = Workdir::new();
        let o = w.run(&["build"]);
        assert!(o.status.success(), "demo build failed: {}", stderr(&o));
        w
    })
}

/// Copies a directory tree.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let p = e.expect("entry").path();
        let target = to.join(p.file_name().expect("name"));
        if p.is_dir() {
            copy_dir(&p, &target);
        } else {
            std::fs::copy(&p, &target).expect("copy");
        }
    }
}

/// `[[source]]` entries of `sources.toml` for the demo's canonical tables `ids`, copied
/// under `data`.
pub fn canonical_sources(data: &Path, ids: &[&str]) -> String {
    ids.iter()
        .map(|id| {
            format!(
                "[[source]]\nid = \"{id}\"\nformat = \"canonical\"\nurl = \"{}\"\nfile = \"{id}.csv\"\n\n",
                data.join(format!("{id}.csv")).display()
            )
        })
        .collect()
}

/// The demo's nine canonical tables of the département level.
pub const DEMO_TABLES: [&str; 9] = [
    "generalistes",
    "population",
    "pdsa",
    "pdsa-national",
    "sas",
    "renoncement",
    "zones-rouges",
    "sans-medecin-traitant",
    "missions-solidarite",
];

pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Parses a CSV written by the tool into header → values rows.
pub fn csv_rows(text: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let headers = r.headers().expect("headers").clone();
    r.records()
        .map(|rec| {
            let rec = rec.expect("record");
            headers.iter().zip(rec.iter()).map(|(h, v)| (h.to_string(), v.to_string())).collect()
        })
        .collect()
}

/// Text of a PDF with all whitespace (including narrow no-break spaces) collapsed.
/// The text of a PDF as poppler's `pdftotext` reads it (figures' SVG text included),
/// whitespace collapsed to single spaces.
pub fn poppler_text(pdf: &Path) -> String {
    let o = std::process::Command::new("pdftotext")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) must be installed: .ci/run installs it");
    assert!(o.status.success(), "pdftotext: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout)
        .split(|c: char| c.is_whitespace() || c == '\u{202f}' || c == '\u{2060}')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn pdf_text(bytes: &[u8]) -> String {
    let t = pdf_extract::extract_text_from_mem(bytes).expect("PDF text");
    let t = t
        .split(|c: char| c.is_whitespace() || c == '\u{202f}' || c == '\u{2060}')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    // The extractor reads typst's hyphen glyph as a soft hyphen between spaces.
    t.replace(" \u{ad} ", "-")
}
