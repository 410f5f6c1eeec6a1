//! Messages an analyst acts on (issue 16, point 5): problems name the source as
//! configured (id and URL) before the cache's copy, every source's problems come in one
//! run, line numbers are right whatever ends the lines, a closed terminal never makes
//! the tool panic, a file of the wrong kind says what it is and what to change, the DREES
//! vintage is read from what the workbook says of itself, and the checks name
//! territories with their level and their own code, in French.

use std::path::Path;
use std::process::{Command, Stdio};

use rust_xlsxwriter::Workbook;
use serde_json::Value;

use crate::common::server::{Reply, Server};
use crate::common::{Workdir, csv_rows, repo, shared_demo, stderr};

/// The demo's canonical files with their source ids.
const DEMO: [&str; 9] = crate::common::DEMO_TABLES;

fn demo_file(id: &str) -> String {
    std::fs::read_to_string(repo().join(format!("fixtures/demo/{id}.csv"))).expect("demo file")
}

/// A `[[source]]` of `sources.toml`.
fn source(id: &str, format: &str, url: &str, file: &str, extra: &str) -> String {
    format!("[[source]]\nid = \"{id}\"\nformat = \"{format}\"\nurl = \"{url}\"\nfile = \"{file}\"\n{extra}\n")
}

/// `sources.toml` with every demo file, copied under `in/`, as a canonical local source.
fn demo_sources(w: &Workdir) -> String {
    std::fs::create_dir_all(w.path("in")).expect("mkdir");
    let mut toml = String::new();
    for id in DEMO {
        std::fs::write(w.path(&format!("in/{id}.csv")), demo_file(id)).expect("write");
        toml.push_str(&source(id, "canonical", &format!("in/{id}.csv"), &format!("{id}.csv"), ""));
    }
    toml
}

fn fetch(w: &Workdir) -> std::process::Output {
    w.run(&["fetch", "--sources", "sources.toml", "--cache-dir", "cache", "--retries", "0", "--timeout", "5"])
}

/// The lines of `text` with line 5 (1-based) replaced.
fn with_line_5(text: &str, line: &str) -> Vec<String> {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[4] = line.to_string();
    lines
}

#[test]
fn issue16_fetch_problems_name_the_source_its_url_and_the_file_for_every_source_at_once() {
    let server = Server::start();
    let w = Workdir::new();
    // Line 5 of the GP counts: `01,2023,abc` (header, 2020, 2021, 2022, then 2023).
    let gp = with_line_5(&demo_file("generalistes"), "01,2023,abc").join("\n");
    server.route("/data/generalistes.csv", vec![Reply::Ok(gp.into_bytes())]);
    // The PDSA survey, a local file: line 3 (`01,2024,…`) with more volunteers than GPs.
    std::fs::create_dir_all(w.path("saisie")).expect("mkdir");
    let pdsa = demo_file("pdsa").replacen("01,2024,30,459,257", "01,2024,30,459,1339", 1);
    std::fs::write(w.path("saisie/pdsa.csv"), pdsa).expect("write");
    let url = server.url("/data/generalistes.csv");
    let toml = source("generalistes", "canonical", &url, "generalistes.csv", "")
        + &source("pdsa", "canonical", "saisie/pdsa.csv", "pdsa.csv", "")
        + &source("sas", "canonical", "saisie/sas.csv", "sas.csv", "");
    std::fs::write(w.path("sources.toml"), toml).expect("write");

    let o = fetch(&w);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "  - source `generalistes` ({url}), file cache/generalistes.csv, row 5, column `effectif`: found `abc`, expected"
        )),
        "{err}"
    );
    assert!(
        err.contains(
            "  - source `pdsa` (saisie/pdsa.csv), file cache/pdsa.csv, row 3, column `generalistes_volontaires`: found `1339`"
        ),
        "{err}"
    );
    // The missing third file is reported in the same run, with the path it was looked for.
    assert!(err.contains("  - source `sas` (saisie/sas.csv), file "), "{err}");
    assert!(err.contains("saisie/sas.csv: expected the file of source `sas` to exist (not found)"), "{err}");
    assert!(err.contains("3 problems in the input data"), "{err}");

    // A download that fails as well: listed with the invalid files, exit 4.
    let absent = server.url("/data/population.xlsx");
    let toml = std::fs::read_to_string(w.path("sources.toml")).expect("read")
        + &source("population", "insee-population", &absent, "estim-pop.xlsx", "");
    std::fs::write(w.path("sources.toml"), toml).expect("write");
    let o = fetch(&w);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.starts_with("error: 1 download(s) failed:\n"), "{err}");
    assert!(err.contains(&absent) && err.contains("HTTP 404"), "{err}");
    assert!(err.contains("\nand in the files that arrived: 3 problems in the input data:\n"), "{err}");
    assert!(err.contains("source `generalistes`") && err.contains("source `pdsa`"), "{err}");
}

#[test]
fn issue16_build_reports_every_source_at_once_naming_the_fetched_source_or_the_local_file() {
    let w = Workdir::new();
    std::fs::write(w.path("sources.toml"), demo_sources(&w)).expect("write");
    let o = fetch(&w);
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::write(
        w.path("in/provenance.toml"),
        std::fs::read(repo().join("fixtures/demo/provenance.toml")).expect("prov"),
    )
    .expect("write");

    // Two sources broken in the cache: both are reported by one build, naming the source
    // as configured, then the cache's file.
    let pdsa = demo_file("pdsa").replacen("01,2024,30,459,257", "01,2024,30,459,1339", 1);
    std::fs::write(w.path("cache/pdsa.csv"), pdsa).expect("write");
    let sas = demo_file("sas").replacen("SAS-001,SAS Ain,01,2022-03-01,", "SAS-001,SAS Ain,01,2022-13-01,", 1);
    std::fs::write(w.path("cache/sas.csv"), sas).expect("write");
    let o = w.run(&["build", "--data", "cache", "--cache-dir", "cache"]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    let err = stderr(&o);
    // The manifest's URL of a local source is its path as fetched.
    assert!(
        err.contains(
            "  - source `pdsa` (in/pdsa.csv), file cache/pdsa.csv, row 3, column `generalistes_volontaires`: found `1339`"
        ),
        "{err}"
    );
    assert!(
        err.contains(
            "  - source `sas` (in/sas.csv), file cache/sas.csv, row 2, column `date_ouverture`: found `2022-13-01`"
        ),
        "{err}"
    );
    assert!(!w.path("output/2025").exists(), "no edition written");

    // The same two files in a data directory: every problem at once, naming the file only.
    std::fs::copy(w.path("cache/pdsa.csv"), w.path("in/pdsa.csv")).expect("copy");
    std::fs::copy(w.path("cache/sas.csv"), w.path("in/sas.csv")).expect("copy");
    let o = w.run(&["build", "--data", "in"]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.starts_with("error: 2 problems in the input data:\n"), "{err}");
    assert!(err.contains("\n  - in/pdsa.csv, row 3, column `generalistes_volontaires`: found `1339`"), "{err}");
    assert!(err.contains("\n  - in/sas.csv, row 2, column `date_ouverture`: found `2022-13-01`"), "{err}");
    assert!(!err.contains("source `"), "a data directory has no configured sources: {err}");
}

#[test]
fn issue16_line_numbers_are_the_editors_with_lf_crlf_and_cr_line_ends() {
    let w = Workdir::new();
    w.copy_demo("data");
    // Line 5 of generalistes.csv holds `abc` (header, then 01 for 2020, 2021, 2022, 2023).
    let gp = with_line_5(&demo_file("generalistes"), "01,2023,abc");
    // zones-rouges.csv: line 1 header, line 2 a zone, lines 3–4 one zone whose quoted name
    // runs over two lines, line 5 a SIREN of 8 digits.
    let zones = [
        "siren,nom_epci,code_departement,code_region,population,demo",
        "200000545,CC des Portes de Romilly sur Seine,10,44,19206,oui",
        "200000933,\"CC Sauldre",
        "et Sologne\",18,24,14561,oui",
        "20000593,CC des Portes de Sologne,45,24,15994,oui",
    ];
    for (eol, name) in [("\n", "LF"), ("\r\n", "CRLF"), ("\r", "CR")] {
        std::fs::write(w.path("data/generalistes.csv"), gp.join(eol) + eol).expect("write");
        std::fs::write(w.path("data/zones-rouges.csv"), zones.join(eol) + eol).expect("write");
        let o = w.run(&["build", "--data", "data"]);
        assert_eq!(o.status.code(), Some(4), "{name}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains("data/generalistes.csv, row 5, column `effectif`: found `abc`"), "{name}: {err}");
        assert!(err.contains("data/zones-rouges.csv, row 5, column `siren`: found `20000593`"), "{name}: {err}");
    }
}

/// Runs the binary with stdout and stderr pipes whose reading ends are closed before it
/// starts: every write fails with "broken pipe".
fn run_closed(dir: &Path, args: &[&str]) -> std::process::ExitStatus {
    let (out_r, out_w) = std::io::pipe().expect("pipe");
    let (err_r, err_w) = std::io::pipe().expect("pipe");
    drop(out_r);
    drop(err_r);
    Command::new(assert_cmd::cargo::cargo_bin("barometre"))
        .current_dir(dir)
        .env_remove("SOURCE_DATE_EPOCH")
        .env("RUST_BACKTRACE", "0")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::from(out_w))
        .stderr(Stdio::from(err_w))
        .status()
        .expect("run barometre")
}

#[test]
fn issue16_a_closed_stdout_or_stderr_never_panics() {
    let w = Workdir::new();
    std::fs::write(w.path("sources.toml"), demo_sources(&w)).expect("write");
    // A panic exits 101; a closed terminal is no error (0), invalid data still exits 4.
    let ok = run_closed(w.dir.path(), &["fetch", "--sources", "sources.toml", "--cache-dir", "cache"]);
    assert_eq!(ok.code(), Some(0), "fetch, its report to a closed stderr");
    assert!(w.path("cache/manifest.json").is_file(), "the fetch did its work");
    let ok = run_closed(w.dir.path(), &["init-templates", "modeles"]);
    assert_eq!(ok.code(), Some(0), "init-templates, its report to a closed stderr");
    let ok = run_closed(w.dir.path(), &["compare", "05"]);
    assert_eq!(ok.code(), Some(0), "compare, its table to a closed stdout");

    std::fs::write(w.path("in/pdsa.csv"), "code_departement,annee\n01,x\n").expect("write");
    let bad = run_closed(w.dir.path(), &["fetch", "--sources", "sources.toml", "--cache-dir", "cache"]);
    assert_eq!(bad.code(), Some(4), "the error to a closed stderr, and the exit code of invalid data");

    // The same failing fetch with stderr open: the message is whole, and no panic.
    let o = fetch(&w);
    assert_eq!(o.status.code(), Some(4));
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
}

/// The DREES workbook's GP-total rows for two départements, under `titles` (rows above
/// the header) and with `years` as `effectif_YYYY` columns.
fn drees_workbook(readme: &[&str], titles: &[&str], years: &[i32]) -> Vec<u8> {
    let mut wb = Workbook::new();
    if !readme.is_empty() {
        let ws = wb.add_worksheet().set_name("Lisez-moi").expect("sheet");
        for (i, t) in readme.iter().enumerate() {
            ws.write_string(i as u32, 0, *t).expect("write");
        }
    }
    let ws = wb.add_worksheet().set_name("Effectifs").expect("sheet");
    for (i, t) in titles.iter().enumerate() {
        ws.write_string(i as u32, 0, *t).expect("write");
    }
    let head = titles.len() as u32 + 1;
    let labels = barometre::sources::drees::LABEL_COLUMNS;
    for (j, l) in labels.iter().enumerate() {
        ws.write_string(head, j as u16, *l).expect("write");
    }
    for (k, y) in years.iter().enumerate() {
        ws.write_string(head, (labels.len() + k) as u16, format!("effectif_{y}")).expect("write");
    }
    for (i, dept) in ["001-Ain", "002-Aisne"].iter().enumerate() {
        let r = head + 1 + i as u32;
        let cells = [
            "Département",
            "84",
            dept,
            "01-Médecine générale",
            "00-Ensemble",
            "0-Ensemble",
            "00-Ensemble",
            "0-Ensemble",
        ];
        for (j, c) in cells.iter().enumerate() {
            ws.write_string(r, j as u16, *c).expect("write");
        }
        for k in 0..years.len() {
            ws.write_number(r, (labels.len() + k) as u16, 500.0 + k as f64).expect("write");
        }
    }
    wb.save_to_buffer().expect("xlsx")
}

/// Fetches `bytes` as the DREES workbook, vintage 2026 expected; returns the fetch's
/// report and the manifest entry.
fn fetch_drees(bytes: Vec<u8>) -> (std::process::Output, Value) {
    let w = Workdir::new();
    std::fs::create_dir_all(w.path("in")).expect("mkdir");
    std::fs::write(w.path("in/medecins.xlsx"), bytes).expect("write");
    let toml = source("generalistes", "drees-rpps", "in/medecins.xlsx", "medecins.xlsx", "vintage = \"2026\"");
    std::fs::write(w.path("sources.toml"), toml).expect("write");
    let o = fetch(&w);
    assert!(o.status.success(), "{}", stderr(&o));
    let m: Value = serde_json::from_str(&w.read("cache/manifest.json")).expect("manifest");
    let e = m["sources"][0].clone();
    (o, e)
}

#[test]
fn issue16_the_drees_vintage_is_what_the_workbook_says_of_itself() {
    // A 2012–2026 workbook whose table stops in 2022: its title gives the vintage.
    let title = "Effectifs de médecins au 1er janvier, 2012-2026";
    let (o, e) = fetch_drees(drees_workbook(&[], &[title, "Source : RPPS, traitements DREES"], &[2021, 2022]));
    assert_eq!(e["data_years"], serde_json::json!([2021, 2022]));
    assert_eq!(e["detected_vintage"], "2026");
    let evidence = format!("read in sheet `Effectifs`, row 1: « {title} »");
    assert_eq!(e["vintage_evidence"], evidence.as_str());
    let err = stderr(&o);
    assert!(err.contains(&format!("; vintage 2026 ({evidence})")), "{err}");
    assert!(!err.contains("expected"), "{err}");

    // A « millésime » on a notes sheet says more than a span of years in a title.
    let (_, e) = fetch_drees(drees_workbook(
        &["Démographie des médecins", "Millésime 2026 (données au 1er janvier 2026)"],
        &["Effectifs, 2012-2027"],
        &[2021, 2022],
    ));
    assert_eq!(e["detected_vintage"], "2026");
    assert_eq!(
        e["vintage_evidence"],
        "read in sheet `Lisez-moi`, row 2: « Millésime 2026 (données au 1er janvier 2026) »"
    );

    // A workbook that says nothing of itself: the last data year, and the report says so.
    let (o, e) = fetch_drees(drees_workbook(&[], &[], &[2021, 2022]));
    assert_eq!(e["detected_vintage"], "2022");
    assert_eq!(e["vintage_evidence"], "the last data year: the file does not state its vintage");
    let err = stderr(&o);
    assert!(
        err.contains("; vintage 2022 found (the last data year: the file does not state its vintage), 2026 expected"),
        "{err}"
    );
}

#[test]
fn issue16_a_file_of_another_kind_than_its_format_says_what_it_is_and_what_to_change() {
    let w = Workdir::new();
    std::fs::create_dir_all(w.path("in")).expect("mkdir");
    std::fs::write(w.path("in/medecins.xlsx"), demo_file("generalistes")).expect("write");
    std::fs::write(w.path("in/ameli.csv"), "annee;profession_sante;departement;effectif\n2024;x;01 - Ain;3\n")
        .expect("write");
    std::fs::write(w.path("in/estim-pop.xlsx"), "<!DOCTYPE html>\n<html><body>Page introuvable</body></html>")
        .expect("write");
    std::fs::write(w.path("in/pdsa.csv"), "{\"results\": [{\"annee\": 2024}]}").expect("write");
    let toml = source("generalistes", "drees-rpps", "in/medecins.xlsx", "medecins.xlsx", "")
        + &source("population", "insee-population", "in/estim-pop.xlsx", "estim-pop.xlsx", "")
        + &source("pdsa", "canonical", "in/pdsa.csv", "pdsa.csv", "");
    std::fs::write(w.path("sources.toml"), toml).expect("write");
    let o = fetch(&w);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(
            "  - source `generalistes` (in/medecins.xlsx), file cache/medecins.xlsx: expected the xlsx/xls workbook that \
             `format = \"drees-rpps\"` reads, but the file looks like a CSV text file: set `format = \"canonical\"` for \
             this source in sources.toml, or give the workbook\n"
        ),
        "{err}"
    );
    assert!(
        err.contains(
            "file cache/estim-pop.xlsx: expected the xlsx/xls workbook that `format = \"insee-population\"` reads, but \
             the file looks like an HTML page (an error or download page, not the file: check the URL): give the \
             workbook itself"
        ),
        "{err}"
    );
    assert!(
        err.contains(
            "file cache/pdsa.csv: expected a CSV file or an xlsx/xls workbook (the canonical template), but the file \
             looks like a JSON document"
        ),
        "{err}"
    );
    assert!(!err.contains("Cannot detect file format"), "{err}");

    // The Ameli export given for the DREES format: its header says which format reads it.
    std::fs::copy(w.path("in/ameli.csv"), w.path("in/medecins.xlsx")).expect("copy");
    let o = fetch(&w);
    assert!(stderr(&o).contains("a CSV text file: set `format = \"ameli-csv\"` for this source"), "{}", stderr(&o));
    // And a workbook given for the Ameli CSV export.
    std::fs::write(w.path("in/ameli.csv"), drees_workbook(&[], &[], &[2022])).expect("write");
    let toml = source("generalistes", "ameli-csv", "in/ameli.csv", "ameli.csv", "");
    std::fs::write(w.path("sources.toml"), toml).expect("write");
    let o = fetch(&w);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "expected the CSV export that `format = \"ameli-csv\"` reads, but the file looks like an xlsx workbook: set \
             `format = \"canonical\"` or `format = \"drees-rpps\"` for this source in sources.toml, or give the CSV export"
        ),
        "{}",
        stderr(&o)
    );
}

#[test]
fn issue16_checks_name_territories_with_their_level_and_code_in_french() {
    let w = shared_demo();
    let md = w.read("output/2025/checks.md");
    // Mayotte's département and région (06, not Alpes-Maritimes): −15.1 % in French.
    let change = "évolution 2023-2025 de \u{2212}15,6\u{202f}%, au-delà du seuil de revue (15\u{202f}%)";
    assert!(md.contains("| niveau | sujet | territoire | constat |"), "{md}");
    assert!(md.contains(&format!("| alerte | densite-generalistes | Mayotte (976) | {change} |")), "{md}");
    assert!(md.contains(&format!("| alerte | densite-generalistes | région Mayotte (06) | {change} |")), "{md}");
    assert!(!md.contains("-15.1"), "{md}");
    assert!(!md.contains("| 06 |"), "a bare région code in the table: {md}");
    let rows = csv_rows(&w.read("output/2025/checks.csv"));
    let region = rows
        .iter()
        .find(|r| r["territoire"] == "région Mayotte (06)")
        .unwrap_or_else(|| panic!("région Mayotte in checks.csv: {rows:?}"));
    assert_eq!(region["code"], "06");
    assert_eq!(region["constat"], change);
}
