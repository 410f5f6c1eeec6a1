//! Analyst templates can never leak into an edition (issue 16, point 1): their example
//! rows are marked in a first column `exemple`; a template left untouched is an absent
//! source; a file still holding an example row is refused with exit 4, naming it and the
//! rows.

use crate::common::{Workdir, pdf_text, repo, stderr};

const ANALYST: [&str; 7] =
    ["pdsa", "pdsa-national", "sas", "renoncement", "zones-rouges", "sans-medecin-traitant", "missions-solidarite"];

/// `init-templates`, GP counts and populations from the demo fixture, and a
/// `sources.toml` pointing every analyst source at its untouched template.
fn edition_dir(w: &Workdir) {
    let o = w.run(&["init-templates", "edition"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut toml = String::new();
    for id in ["generalistes", "population"] {
        std::fs::copy(repo().join(format!("fixtures/demo/{id}.csv")), w.path(&format!("edition/{id}.csv")))
            .expect("copy");
        toml.push_str(&format!(
            "[[source]]\nid = \"{id}\"\nformat = \"canonical\"\nurl = \"{id}.csv\"\nfile = \"{id}.csv\"\n\n"
        ));
    }
    for id in ANALYST {
        toml.push_str(&format!(
            "[[source]]\nid = \"{id}\"\nformat = \"canonical\"\nurl = \"saisie/{id}.csv\"\nfile = \"{id}.csv\"\noptional = true\n\n"
        ));
    }
    std::fs::write(w.path("edition/sources.toml"), toml).expect("sources.toml");
}

fn fetch(w: &Workdir) -> std::process::Output {
    w.run(&["fetch", "--sources", "edition/sources.toml", "--cache-dir", "cache"])
}

/// Every file under `dir`, as text (PDFs by their extracted text).
fn all_text(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
    for e in std::fs::read_dir(dir).expect("dir") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            all_text(&p, out);
            continue;
        }
        let bytes = std::fs::read(&p).expect("read");
        let text = match p.extension().and_then(|x| x.to_str()) {
            Some("pdf") => pdf_text(&bytes),
            Some("png") | Some("xlsx") => continue,
            _ => String::from_utf8_lossy(&bytes).into_owned(),
        };
        out.push((p.display().to_string(), text));
    }
}

#[test]
fn issue16_untouched_templates_are_absent_sources_and_nothing_of_them_is_published() {
    let w = Workdir::new();
    edition_dir(&w);
    // The templates mark their examples where nobody can miss them.
    let pdsa = std::fs::read_to_string(w.path("edition/saisie/pdsa.csv")).expect("pdsa.csv");
    assert!(pdsa.starts_with("exemple,"), "{pdsa}");
    assert_eq!(pdsa.matches("EXEMPLE").count(), 2, "{pdsa}");
    let o = fetch(&w);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    for id in ANALYST {
        let line = err.lines().find(|l| l.starts_with(id) && l[id.len()..].starts_with(' ')).unwrap_or("");
        assert!(line.contains("absent: untouched template"), "{id}: `{line}` in\n{err}");
    }
    let o = w.run(&["build", "--draft", "--data", "cache", "--cache-dir", "cache", "--output", "out"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let checks = w.read("out/2025/checks.md");
    assert!(checks.contains("zones-rouges") && checks.contains("source absente"), "{checks}");
    // No example value anywhere: the marker, the example SAS, EPCI (by SIREN and by
    // name), respondent ids and sources of the templates.
    let mut files = Vec::new();
    all_text(&w.path("out/2025"), &mut files);
    assert!(files.len() > 300, "{} files", files.len());
    for needle in [
        "EXEMPLE",
        "SAS-001",
        "SAS Ain",
        "200000545",
        "Portes de Romilly",
        "Creuse Confluence",
        "R000001",
        "INSEE, estimations 2026",
    ] {
        for (path, text) in &files {
            assert!(!text.contains(needle), "example value `{needle}` in {path}");
        }
    }
}

#[test]
fn issue16_a_file_still_holding_example_rows_is_refused_with_exit_4() {
    let w = Workdir::new();
    edition_dir(&w);
    // The analyst added real rows under the two examples and forgot to delete them.
    let mut text = std::fs::read_to_string(w.path("edition/saisie/pdsa.csv")).expect("pdsa.csv");
    let demo = std::fs::read_to_string(repo().join("fixtures/demo/pdsa.csv")).expect("demo pdsa");
    for line in demo.lines().skip(1) {
        text.push(',');
        text.push_str(line);
        text.push('\n');
    }
    std::fs::write(w.path("edition/saisie/pdsa.csv"), &text).expect("write");
    let o = fetch(&w);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(4), "{err}");
    assert!(err.contains("pdsa") && err.contains("rows 2, 3") && err.contains("`exemple`"), "{err}");
    // The same file in a local data directory: the build refuses it too, and writes nothing.
    let data = w.path("data");
    std::fs::create_dir_all(&data).expect("mkdir");
    for id in ["generalistes", "population", "provenance"] {
        let name = if id == "provenance" { "provenance.toml".to_string() } else { format!("{id}.csv") };
        std::fs::copy(repo().join(format!("fixtures/demo/{name}")), data.join(&name)).expect("copy");
    }
    std::fs::write(data.join("pdsa.csv"), &text).expect("write");
    let o = w.run(&["build", "--data", "data", "--output", "out"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(4), "{err}");
    assert!(err.contains("data/pdsa.csv") && err.contains("row 2") && err.contains("example"), "{err}");
    assert!(!w.path("out/2025").exists(), "nothing written");
}

#[test]
fn issue16_the_edition_date_cuts_dated_sources() {
    // The demo's missions run from September 2025 to February 2026. Built as of
    // 15 January 2026, December and January are in and February is out: consultations
    // 150 + 350 + 500 + 1,400 + 2,450 = 4,850 and 285 doctors enrolled in January
    // (sums of fixtures/demo/missions-solidarite.csv by month).
    let w = Workdir::new();
    let o = w.run(&["build", "--as-of", "2026-01-15", "--output", "out"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows = crate::common::csv_rows(&w.read("out/2025/tables/missions-consultations-2025.csv"));
    let fr = rows.iter().find(|r| r["niveau"] == "france").expect("France");
    assert_eq!(fr["valeur"], "4850");
    let rows = crate::common::csv_rows(&w.read("out/2025/tables/missions-medecins-2025.csv"));
    assert_eq!(rows.iter().find(|r| r["niveau"] == "france").expect("France")["valeur"], "285");
    let checks = w.read("out/2025/checks.md");
    let line = checks.lines().find(|l| l.contains("missions-solidarite") && l.contains("postérieure")).expect("listed");
    assert!(line.contains("15 janvier 2026") && line.contains("2026-02") && !line.contains("2026-01"), "{line}");
    // The default date is the edition's (20 November 2025): December 2025 is out.
    let o = w.run(&["build", "--output", "out2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let checks = w.read("out2/2025/checks.md");
    let line = checks.lines().find(|l| l.contains("missions-solidarite") && l.contains("postérieure")).expect("listed");
    assert!(line.contains("20 novembre 2025") && line.contains("2025-12, 2026-01, 2026-02"), "{line}");
}
