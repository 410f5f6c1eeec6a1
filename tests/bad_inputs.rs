//! The bad-input corpus of `tests/bad-inputs/cases.toml` (issue 9): every case exits 4
//! with a message naming file, location and expectation (compared with
//! `tests/bad-inputs/expected/<name>.txt`), never panics, and writes no output.
//!
//! `BLESS=1 cargo test --test tests bad_inputs` rewrites the expected messages.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rust_xlsxwriter::{Format, Formula, Workbook};
use serde::Deserialize;

use crate::common::{Workdir, repo, stderr};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Corpus {
    case: Vec<Case>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    #[serde(default = "build")]
    kind: String,
    target: String,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    base: Option<String>,
    #[serde(default)]
    replace: Vec<(String, String)>,
    #[serde(default)]
    append: Option<String>,
    #[serde(default)]
    truncate: Option<f64>,
    #[serde(default)]
    encoding: Option<String>,
    #[serde(default)]
    generate: Option<String>,
    /// A committed file under `tests/bad-inputs/` (binary cases, fuzz findings).
    #[serde(default)]
    file: Option<String>,
}

fn build() -> String {
    "build".into()
}

fn corpus_dir() -> PathBuf {
    repo().join("tests/bad-inputs")
}

/// The bytes of the bad file of a case (written to `at`, for the sparse file).
fn bad_file(case: &Case, at: &Path) -> Result<(), String> {
    if let Some(g) = &case.generate {
        if g == "sparse-2gb" {
            // A sparse file: 2 GiB long, next to nothing on disk.
            let f = std::fs::File::create(at).map_err(|e| e.to_string())?;
            f.set_len(2 << 30).map_err(|e| e.to_string())?;
            return Ok(());
        }
        return std::fs::write(at, generate(g)?).map_err(|e| e.to_string());
    }
    if let Some(rel) = &case.file {
        let path = corpus_dir().join(rel);
        return std::fs::copy(&path, at).map(|_| ()).map_err(|e| format!("{}: {e}", path.display()));
    }
    let mut bytes: Vec<u8> = match (&case.content, &case.base) {
        (Some(c), None) => c.clone().into_bytes(),
        (None, Some(base)) => {
            let (dir, rel) = base.split_once(':').ok_or("base is `demo:`, `real:` or `indicators:`")?;
            let path = match dir {
                "demo" => repo().join("fixtures/demo").join(rel),
                "real" => repo().join("fixtures/real").join(rel),
                "indicators" => repo().join("indicators").join(rel),
                other => return Err(format!("unknown base `{other}`")),
            };
            std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?
        }
        _ => return Err("one of content, base or generate".into()),
    };
    if !case.replace.is_empty() || case.append.is_some() {
        let mut text = String::from_utf8(bytes).map_err(|_| "replace/append need a UTF-8 base")?;
        for (from, to) in &case.replace {
            if !text.contains(from.as_str()) {
                return Err(format!("`{from}` not found in the base file"));
            }
            text = text.replacen(from.as_str(), to, 1);
        }
        if let Some(a) = &case.append {
            text.push_str(a);
        }
        bytes = text.into_bytes();
    }
    if let Some(f) = case.truncate {
        bytes.truncate((bytes.len() as f64 * f) as usize);
    }
    match case.encoding.as_deref() {
        None => {}
        Some("utf-16le") => {
            let text = String::from_utf8(bytes).map_err(|_| "utf-16le needs a UTF-8 base")?;
            bytes = vec![0xFF, 0xFE];
            bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        }
        Some("bom-then-windows-1252") => {
            let text = String::from_utf8(bytes).map_err(|_| "needs a UTF-8 base")?;
            bytes = b"\xEF\xBB\xBF".to_vec();
            bytes.extend(text.chars().map(|c| if (c as u32) < 256 { c as u8 } else { b'?' }));
        }
        Some(other) => return Err(format!("unknown encoding `{other}`")),
    }
    std::fs::write(at, bytes).map_err(|e| e.to_string())
}

/// Writes rows of text and numbers ("=…" cells as formulas with an error result).
fn sheet(wb: &mut Workbook, name: &str, rows: &[&[&str]]) -> Result<(), String> {
    let ws = wb.add_worksheet().set_name(name).map_err(|e| e.to_string())?;
    for (i, row) in rows.iter().enumerate() {
        for (j, v) in row.iter().enumerate() {
            let (r, c) = (i as u32, j as u16);
            let res = if let Some(f) = v.strip_prefix('=') {
                ws.write_formula(r, c, Formula::new(format!("={f}")).set_result("#DIV/0!"))
            } else {
                match v.parse::<f64>() {
                    Ok(x) if !v.starts_with('0') || *v == "0" => ws.write_number(r, c, x),
                    _ => ws.write_string(r, c, *v),
                }
            };
            res.map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

const PDSA: &[&str] = &["code_departement", "annee", "secteurs", "generalistes_concernes", "generalistes_volontaires"];

fn generate(name: &str) -> Result<Vec<u8>, String> {
    let mut wb = Workbook::new();
    match name {
        "xlsx-merged-header" => {
            let ws = wb.add_worksheet().set_name("PDSA").map_err(|e| e.to_string())?;
            ws.merge_range(0, 0, 0, 1, "département et année", &Format::new()).map_err(|e| e.to_string())?;
            for (j, h) in PDSA.iter().enumerate().skip(2) {
                ws.write_string(0, j as u16, *h).map_err(|e| e.to_string())?;
            }
            for (j, v) in ["01", "2024", "40", "608", "339"].iter().enumerate() {
                ws.write_string(1, j as u16, *v).map_err(|e| e.to_string())?;
            }
        }
        "xlsx-extra-sheets" => {
            sheet(&mut wb, "Notice", &[&["Participation à la PDSA"], &["Source : CNOM"]])?;
            sheet(&mut wb, "Brouillon", &[&["a", "b"], &["1", "2"]])?;
            sheet(
                &mut wb,
                "Données",
                &[&["code_dep", "annee", "secteurs", "concernes", "volontaires"], &["01", "2024", "40", "608", "339"]],
            )?;
        }
        "xlsx-formula-errors" => {
            sheet(
                &mut wb,
                "PDSA",
                &[PDSA, &["01", "2024", "40", "=608/0", "339"], &["02", "=2024/0", "40", "608", "339"]],
            )?;
        }
        "xlsx-dates-as-numbers" => {
            sheet(
                &mut wb,
                "Missions",
                &[
                    &[
                        "mois",
                        "code_departement",
                        "medecins_inscrits",
                        "medecins_mobilises",
                        "jours_mission",
                        "consultations",
                    ],
                    &["45901", "01", "1", "0", "0", "0"],
                ],
            )?;
        }
        "drees-no-sheet" => {
            sheet(&mut wb, "Lisez-moi", &[&["Médecins RPPS"], &["Source : DREES"]])?;
        }
        "drees-bad-cells" => {
            let h: &[&str] = &drees_header();
            let row = |dept: &'static str, n: &'static str| -> [&'static str; 9] {
                [
                    "Département",
                    "84",
                    dept,
                    "01-Médecine générale",
                    "00-Ensemble",
                    "0-Ensemble",
                    "00-Ensemble",
                    "0-Ensemble",
                    n,
                ]
            };
            let (a, b) = (row("020-Corse", "12"), row("001-Ain", "-4"));
            sheet(&mut wb, "Effectifs", &[&["Titre"], h, &a, &b])?;
        }
        "insee-code-20" => {
            let ws = wb.add_worksheet().set_name("2025").map_err(|e| e.to_string())?;
            ws.write_string(5, 0, "20").map_err(|e| e.to_string())?;
            ws.write_string(5, 1, "Corse").map_err(|e| e.to_string())?;
            ws.write_number(5, 7, 340_000.0).map_err(|e| e.to_string())?;
        }
        "insee-empty" => {
            wb.add_worksheet().set_name("2025").map_err(|e| e.to_string())?;
        }
        "zip-bomb" => {
            // One stored part whose central directory declares 3 GiB once inflated.
            let name = b"xl/worksheets/sheet1.xml";
            let mut z = Vec::new();
            z.extend_from_slice(b"PK\x03\x04\x14\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00");
            z.extend_from_slice(&16u32.to_le_bytes());
            z.extend_from_slice(&(3u32 << 30).to_le_bytes());
            z.extend_from_slice(&(name.len() as u16).to_le_bytes());
            z.extend_from_slice(&0u16.to_le_bytes());
            z.extend_from_slice(name);
            z.extend_from_slice(&[0u8; 16]);
            let cd = z.len() as u32;
            z.extend_from_slice(b"PK\x01\x02\x14\x00\x14\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00");
            z.extend_from_slice(&16u32.to_le_bytes());
            z.extend_from_slice(&(3u32 << 30).to_le_bytes());
            z.extend_from_slice(&(name.len() as u16).to_le_bytes());
            z.extend_from_slice(&[0u8; 12]);
            z.extend_from_slice(&0u32.to_le_bytes());
            z.extend_from_slice(name);
            let cd_len = z.len() as u32 - cd;
            z.extend_from_slice(b"PK\x05\x06\x00\x00\x00\x00\x01\x00\x01\x00");
            z.extend_from_slice(&cd_len.to_le_bytes());
            z.extend_from_slice(&cd.to_le_bytes());
            z.extend_from_slice(&0u16.to_le_bytes());
            return Ok(z);
        }
        "manifest-traversal" => {
            let entry = |id: &str, file: &str| {
                serde_json::json!({
                    "id": id, "title": id, "url": "https://example.org/x", "file": file, "format": "canonical",
                    "retrieved_at": "2025-11-20T00:00:00Z", "http_status": 200, "size": 1, "sha256": "00",
                    "expected_vintage": null, "detected_vintage": null, "data_years": [2025], "rows": 1,
                    "parser": "barometre", "licence": null, "revision": null
                })
            };
            let m = serde_json::json!({
                "generated_by": "barometre",
                "fetched_at": "2025-11-20T00:00:00Z",
                "sources": [entry("generalistes", "../../../etc/passwd"), entry("population", "population.csv")]
            });
            return Ok(m.to_string().into_bytes());
        }
        other => return Err(format!("unknown generator `{other}`")),
    }
    wb.save_to_buffer().map_err(|e| e.to_string())
}

/// Runs one case; returns its normalised message, or what went wrong.
fn run_case(case: &Case) -> Result<String, String> {
    let w = Workdir::new();
    let out = match case.kind.as_str() {
        "build" => {
            let data = w.copy_demo("data");
            let stem = Path::new(&case.target).file_stem().and_then(|s| s.to_str()).ok_or("target")?;
            for ext in ["csv", "xlsx", "xls"] {
                let _ = std::fs::remove_file(data.join(format!("{stem}.{ext}")));
            }
            bad_file(case, &data.join(&case.target))?;
            w.run(&["build", "--data", "data"])
        }
        "indicators" => {
            let specs = w.path("specs");
            std::fs::create_dir_all(&specs).map_err(|e| e.to_string())?;
            for e in std::fs::read_dir(repo().join("indicators")).map_err(|e| e.to_string())? {
                let p = e.map_err(|e| e.to_string())?.path();
                if p.extension().is_some_and(|x| x == "toml") {
                    std::fs::copy(&p, specs.join(p.file_name().ok_or("name")?)).map_err(|e| e.to_string())?;
                }
            }
            bad_file(case, &specs.join(&case.target))?;
            w.run(&["build", "--indicators", "specs"])
        }
        "fetch" => {
            std::fs::create_dir_all(w.path("in")).map_err(|e| e.to_string())?;
            bad_file(case, &w.path(&format!("in/{}", case.target)))?;
            let toml = format!(
                "[[source]]\nid = \"{}\"\nformat = \"{}\"\nurl = \"in/{}\"\nfile = \"{}\"\n",
                case.source.as_deref().ok_or("fetch needs source")?,
                case.format.as_deref().ok_or("fetch needs format")?,
                case.target,
                case.target
            );
            std::fs::write(w.path("sources.toml"), toml).map_err(|e| e.to_string())?;
            w.run(&["fetch", "--sources", "sources.toml", "--cache-dir", "cache"])
        }
        other => return Err(format!("unknown kind `{other}`")),
    };
    let err = stderr(&out);
    if err.contains("panicked") || err.contains("RUST_BACKTRACE") {
        return Err(format!("panic:\n{err}"));
    }
    if out.status.code() != Some(4) {
        return Err(format!("exit {:?}, expected 4:\n{err}", out.status.code()));
    }
    // No partial output: no edition, no staging directory, no lock left behind; nothing
    // of the bad file in the cache.
    let listing = |rel: &str| -> Vec<String> {
        std::fs::read_dir(w.path(rel))
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
            .unwrap_or_default()
    };
    let left: Vec<String> = if case.kind == "fetch" {
        listing("cache").into_iter().filter(|n| n != "manifest.json").collect()
    } else {
        listing("output")
    };
    if !left.is_empty() {
        return Err(format!("partial output left: {left:?}\n{err}"));
    }
    if !err.contains(&case.target) {
        return Err(format!("the message does not name the file `{}`:\n{err}", case.target));
    }
    let mut msg = err;
    for p in [w.dir.path().to_path_buf(), w.dir.path().canonicalize().unwrap_or_default()] {
        let s = p.display().to_string();
        if !s.is_empty() {
            msg = msg.replace(&s, "[WORK]");
        }
    }
    Ok(msg)
}

#[test]
fn issue9_bad_input_corpus_exits_4_with_located_messages_and_no_output() {
    let text = std::fs::read_to_string(corpus_dir().join("cases.toml")).expect("cases.toml");
    let corpus: Corpus = toml::from_str(&text).expect("cases.toml parses");
    assert!(corpus.case.len() >= 40, "at least 40 cases, found {}", corpus.case.len());
    let mut names: Vec<&str> = corpus.case.iter().map(|c| c.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), corpus.case.len(), "case names are unique");

    let bless = std::env::var_os("BLESS").is_some();
    let next = Mutex::new(0usize);
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..3 {
            s.spawn(|| {
                loop {
                    let i = {
                        let mut n = next.lock().expect("lock");
                        *n += 1;
                        *n - 1
                    };
                    let Some(case) = corpus.case.get(i) else { break };
                    let expected_path = corpus_dir().join("expected").join(format!("{}.txt", case.name));
                    let outcome = run_case(case).and_then(|msg| {
                        if bless {
                            return std::fs::write(&expected_path, &msg).map_err(|e| e.to_string());
                        }
                        let want = std::fs::read_to_string(&expected_path)
                            .map_err(|_| format!("no expected message (run with BLESS=1 and review):\n{msg}"))?;
                        if want != msg {
                            return Err(format!("message changed:\n--- expected\n{want}\n--- got\n{msg}"));
                        }
                        Ok(())
                    });
                    if let Err(why) = outcome {
                        failures.lock().expect("lock").push(format!("== {}: {why}", case.name));
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().expect("lock");
    assert!(failures.is_empty(), "{} case(s) failed:\n{}", failures.len(), failures.join("\n"));
}

const SOURCES: [(&str, barometre::sources::Format); 14] = {
    use barometre::sources::Format::*;
    [
        ("generalistes", Canonical),
        ("generalistes", DreesRpps),
        ("generalistes", AmeliCsv),
        ("population", Canonical),
        ("population", InseePopulation),
        ("pdsa", Canonical),
        ("pdsa-national", Canonical),
        ("sas", Canonical),
        ("renoncement", Canonical),
        ("zones-rouges", Canonical),
        ("sans-medecin-traitant", Canonical),
        ("missions-solidarite", Canonical),
        ("contours", GeoJson),
        ("contours-epci", GeoJson),
    ]
};

/// A demo file with a few lines replaced by arbitrary text: mostly well-formed, so the
/// typing code is reached, not only the splitter.
fn mutated(base: &str, edits: &[(usize, String)]) -> Vec<u8> {
    let mut lines: Vec<String> = base.lines().map(str::to_string).collect();
    for (i, text) in edits {
        let n = lines.len();
        lines[i % n] = text.clone();
    }
    lines.join("\n").into_bytes()
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 128, ..Default::default() })]

    /// Every reader returns `Ok` or a data error (exit 4) on arbitrary bytes; none panics
    /// (a quick in-CI complement to the fuzz targets of `fuzz/`).
    #[test]
    fn issue9_readers_never_panic_on_arbitrary_bytes(
        which in 0usize..SOURCES.len(),
        bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600),
    ) {
        let (id, format) = SOURCES[which];
        let located = barometre::sources::Located { display: "x".into(), bytes, format };
        if let Err(e) = barometre::sources::registry::Dataset::from_id(id).expect("a dataset").summary(located, barometre::geo::Geography::get()) {
            proptest::prop_assert!(e.chain().any(|c| c.is::<barometre::error::DataError>()), "{e:#}");
        }
    }

    #[test]
    fn issue9_readers_never_panic_on_mutated_demo_files(
        which in 0usize..9,
        edits in proptest::collection::vec((0usize..400, "[-0-9a-zA-Z ,;.\"|/]{0,40}"), 1..6),
    ) {
        let files = ["generalistes", "population", "pdsa", "pdsa-national", "sas", "renoncement", "zones-rouges",
            "sans-medecin-traitant", "missions-solidarite"];
        let id = files[which];
        let base = std::fs::read_to_string(repo().join(format!("fixtures/demo/{id}.csv"))).expect("demo file");
        let bytes = mutated(&base, &edits);
        let located = barometre::sources::Located {
            display: format!("{id}.csv"),
            bytes,
            format: barometre::sources::Format::Canonical,
        };
        if let Err(e) = barometre::sources::registry::Dataset::from_id(id).expect("a dataset").summary(located, barometre::geo::Geography::get()) {
            proptest::prop_assert!(e.chain().any(|c| c.is::<barometre::error::DataError>()), "{e:#}");
        }
    }
}

/// The DREES workbook's header row, with one year.
fn drees_header() -> [&'static str; 9] {
    let l = barometre::sources::drees::LABEL_COLUMNS;
    [l[0], l[1], l[2], l[3], l[4], l[5], l[6], l[7], "effectif_2025"]
}
