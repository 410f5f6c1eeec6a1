//! Any edition year with whatever years the data hold (issue 16, point 3): comparison
//! years are optional, a missing one gives « n.d. » and an alert, a one-year edition
//! builds, usage errors exit 2.

use crate::common::{Workdir, csv_rows, repo, stderr};

/// A data directory holding only `years` of the demo's GP counts and populations.
fn data_of_years(w: &Workdir, years: &[&str]) -> String {
    let dir = w.path("data");
    std::fs::create_dir_all(&dir).expect("mkdir");
    for id in ["generalistes", "population"] {
        let text = std::fs::read_to_string(repo().join(format!("fixtures/demo/{id}.csv"))).expect("fixture");
        let mut lines = text.lines();
        let mut out = format!("{}\n", lines.next().expect("header"));
        for l in lines.filter(|l| years.iter().any(|y| l.split(',').nth(1) == Some(y))) {
            out.push_str(l);
            out.push('\n');
        }
        std::fs::write(dir.join(format!("{id}.csv")), out).expect("write");
    }
    std::fs::copy(repo().join("fixtures/demo/provenance.toml"), dir.join("provenance.toml")).expect("copy");
    "data".into()
}

#[test]
fn issue16_a_file_of_one_year_builds_that_year_with_comparisons_not_available() {
    let w = Workdir::new();
    let data = data_of_years(&w, &["2022"]);
    // The default edition (2025) is not in the file: the message says what the file holds.
    let o = w.run(&["build", "--data", &data, "--output", "out"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(4), "{err}");
    assert!(err.contains("rows for 2025") && err.contains("the file holds years 2022"), "{err}");
    assert!(!err.contains("missing: 01"), "no list of 101 codes: {err}");
    // The 2022 edition compares with 2020 by default, which the file does not hold:
    // it builds, with n.d. and an alert.
    let o = w.run(&["build", "--data", &data, "--edition", "2022", "--output", "out"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let checks = w.read("out/2022/checks.md");
    assert!(
        checks.contains("l'année de comparaison 2020 est absente des données (années présentes : 2022)"),
        "{checks}"
    );
    let rows = csv_rows(&w.read("out/2022/tables/densite-generalistes-2022.csv"));
    let fr = rows.iter().find(|r| r["niveau"] == "france").expect("France");
    // 99,939 GPs for 68,060,207 inhabitants in 2022 (fixtures/demo, summed by hand).
    assert_eq!(fr["valeur"], format!("{:.2}", 99_939.0 / 68_060_207.0 * 1e5));
    assert_eq!(fr["valeur_2020"], "", "n.d.");
    assert_eq!(fr["evolution_depuis_2020"], "");
    // A one-year edition: no comparison columns, no figure of change, no header twice.
    let o = w.run(&[
        "build",
        "--data",
        &data,
        "--edition",
        "2022",
        "--previous",
        "2022",
        "--baseline",
        "2022",
        "--output",
        "one",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = w.read("one/2022/tables/densite-generalistes-2022.csv");
    let header: Vec<&str> = text.lines().next().expect("header").split(',').collect();
    let mut unique = header.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), header.len(), "a header appears twice: {header:?}");
    assert!(!header.iter().any(|h| h.contains("depuis")), "{header:?}");
    let charts: Vec<String> = std::fs::read_dir(w.path("one/2022/charts"))
        .expect("charts")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!charts.iter().any(|c| c.contains("evolution") || c.contains("halteres")), "{charts:?}");
    assert!(charts.iter().any(|c| c.starts_with("carte-densite-generalistes-2022")), "{charts:?}");
}

#[test]
fn issue16_incoherent_years_and_dates_are_usage_errors() {
    let w = Workdir::new();
    for args in [
        &["build", "--previous", "2026", "--output", "out"][..],
        &["build", "--edition", "2025", "--previous", "2023", "--baseline", "2024", "--output", "out"],
        &["build", "--as-of", "2025-02-31", "--output", "out"],
        &["compare", "23", "--previous", "2030"],
    ] {
        let o = w.run(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"), "{args:?}");
    }
    assert!(!w.path("out").exists());
}
