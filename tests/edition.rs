//! The edition as declared (issue 14): an indicator is one TOML file, found in every
//! output; a later edition from the same kind of data has every figure and section; every
//! file of an edition is byte-identical across builds.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::common::{Workdir, csv_rows, repo, stderr};

/// Text of a PDF file, whitespace collapsed.
fn pdf_text(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    crate::common::pdf_text(&bytes)
}

fn copy_indicators(w: &Workdir, rel: &str) -> std::path::PathBuf {
    let dir = w.path(rel);
    std::fs::create_dir_all(&dir).expect("mkdir");
    for e in std::fs::read_dir(repo().join("indicators")).expect("indicators") {
        let p = e.expect("entry").path();
        if p.extension().is_some_and(|x| x == "toml") {
            std::fs::copy(&p, dir.join(p.file_name().expect("name"))).expect("copy");
        }
    }
    dir
}

/// Σ of a column over the rows of `year`, read straight from a fixture CSV.
fn fixture_sum(file: &str, column: &str, year: &str) -> f64 {
    let text = std::fs::read_to_string(repo().join("fixtures/demo").join(file)).expect("fixture");
    csv_rows(&text).iter().filter(|r| r["annee"] == year).map(|r| r[column].parse::<f64>().expect("number")).sum()
}

const NEW: &str = r#"id = "sans-medecin-traitant-1000"
title = "Patients sans médecin traitant pour 1 000 habitants"
short_label = "Sans médecin traitant pour 1 000 hab."
definition = "Patients de 17 ans et plus sans médecin traitant déclaré, pour 1 000 habitants."
unit = "pour 1 000 habitants"
kind = "rate"
numerator = { source = "sans-medecin-traitant", field = "patients_sans_medecin_traitant" }
denominator = { source = "population", field = "population" }
scale = 1000
polarity = "higher-is-worse"
decimals = 1
levels = ["departement", "region", "france"]
map = { classes = "quantiles" }
source = "Assurance maladie, INSEE"

theme = { id = "acces-medecin-traitant", title = "Accès au médecin traitant", order = 7 }
order = 1
key_figure = 9
annex = 9
figures = ["carte", "classement"]
"#;

#[test]
fn issue14_a_new_indicator_is_one_toml_file_found_in_every_output() {
    let w = Workdir::new();
    let dir = copy_indicators(&w, "indicateurs");
    std::fs::write(dir.join("sans-medecin-traitant-1000.toml"), NEW).expect("write");
    let o = w.run(&["build", "--draft", "--indicators", "indicateurs"]);
    assert!(o.status.success(), "{}", stderr(&o));

    // Tables: France is the ratio of the sums of the fixture (computed here, not by the tool).
    let expected = fixture_sum("sans-medecin-traitant.csv", "patients_sans_medecin_traitant", "2025")
        / fixture_sum("population.csv", "population", "2025")
        * 1000.0;
    let rows = csv_rows(&w.read("output/2025/tables/sans-medecin-traitant-1000-2025.csv"));
    assert_eq!(rows.iter().filter(|r| r["niveau"] == "departement").count(), 101);
    let fr: f64 = rows.iter().find(|r| r["niveau"] == "france").expect("France")["valeur"].parse().expect("f64");
    assert!((fr - expected).abs() < 0.005, "France {fr} against {expected}");
    let shown = format!("{:.1}", expected).replace('.', ",");

    // Figures: the two it declares, listed with the others.
    let index = w.read("output/2025/charts/index.json");
    for id in ["carte-sans-medecin-traitant-1000-2025", "sans-medecin-traitant-1000-2025-classement"] {
        assert!(index.contains(&format!("\"{id}\"")), "{id} not in charts/index.json");
        assert!(w.path(&format!("output/2025/charts/{id}.svg")).is_file(), "{id}.svg");
    }

    // National PDF: its theme as a section, its title, its key figure and its figures.
    let text = pdf_text(&w.path("output/2025/barometre-2025.pdf"));
    for s in ["Accès au médecin traitant", "Patients sans médecin traitant pour 1 000 habitants", shown.as_str()] {
        assert!(text.contains(s), "national PDF lacks `{s}`");
    }
    // Site: the section and the map.
    let site = w.read("output/2025/index.html");
    assert!(site.contains("Accès au médecin traitant"), "site section");
    assert!(site.contains("carte-sans-medecin-traitant-1000-2025"), "site map");
    // A fiche, as a page and as a PDF.
    let title = "Patients sans médecin traitant pour 1 000 habitants";
    assert!(w.read("output/2025/departements/23.html").contains(title), "HTML fiche");
    let fiche = pdf_text(&w.path("output/2025/departements/23.pdf"));
    assert!(fiche.contains(title) || fiche.contains("Sans médecin traitant pour 1 000 hab."), "PDF fiche: {fiche}");
    // compare.
    let o = w.run(&["compare", "23", "--indicators", "indicateurs"]);
    assert!(o.status.success(), "{}", stderr(&o));
    // (A long label goes on on the next line: the terminal table is 100 columns wide.)
    assert!(String::from_utf8_lossy(&o.stdout).contains("Sans médecin traitant pour"));
    // Without the file, none of it.
    let o = w.run(&["compare", "23"]);
    assert!(!String::from_utf8_lossy(&o.stdout).contains("Sans médecin traitant pour 1 000 hab."));
}

/// Rewrites a copy of the demo fixture two years later: every year column, month and
/// date moves by two years.
fn shift_fixture(w: &Workdir, rel: &str, by: i32) -> std::path::PathBuf {
    let dst = w.copy_demo(rel);
    let shift_year = |s: &str| -> String {
        // `2025`, `2025-09`, `2022-03-01`.
        match s.get(..4).and_then(|y| y.parse::<i32>().ok()) {
            Some(y) if s.len() == 4 || s.as_bytes().get(4) == Some(&b'-') => format!("{}{}", y + by, &s[4..]),
            _ => s.to_string(),
        }
    };
    for e in std::fs::read_dir(&dst).expect("dir") {
        let p = e.expect("entry").path();
        if p.extension().is_none_or(|x| x != "csv") {
            continue;
        }
        let mut r = csv::Reader::from_path(&p).expect("csv");
        let headers = r.headers().expect("headers").clone();
        let mut out = csv::Writer::from_writer(Vec::new());
        out.write_record(&headers).expect("write");
        for rec in r.records() {
            let rec = rec.expect("record");
            let row: Vec<String> = headers
                .iter()
                .zip(rec.iter())
                .map(
                    |(h, v)| {
                        if ["annee", "mois", "date_ouverture"].contains(&h) { shift_year(v) } else { v.to_string() }
                    },
                )
                .collect();
            out.write_record(&row).expect("write");
        }
        std::fs::write(&p, out.into_inner().expect("csv")).expect("write");
    }
    let prov = std::fs::read_to_string(dst.join("provenance.toml")).expect("provenance");
    let shifted: String = prov
        .lines()
        .map(|l| match l.strip_prefix("years = [").and_then(|r| r.strip_suffix(']')) {
            Some(list) => format!(
                "years = [{}]",
                list.split(", ")
                    .map(|y| (y.parse::<i32>().expect("year") + by).to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(dst.join("provenance.toml"), shifted + "\n").expect("write");
    dst
}

/// Figure ids with every year written as its offset from the edition (`2024` in the 2025
/// edition is `N-1`).
fn normalised(ids: impl IntoIterator<Item = String>, edition: i32) -> BTreeSet<String> {
    ids.into_iter().map(|s| relative_years(&s, edition)).collect()
}

/// `pdsa-participation-2024.csv` in the 2025 edition → `pdsa-participation-N-1.csv`.
fn relative_years(s: &str, edition: i32) -> String {
    let mut out = String::new();
    let mut digits = String::new();
    for c in s.chars().chain(std::iter::once('\0')) {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        match digits.parse::<i32>() {
            Ok(y) if digits.len() == 4 && y == edition => out.push('N'),
            Ok(y) if digits.len() == 4 && (1990..2100).contains(&y) => out.push_str(&format!("N{}", y - edition)),
            _ => out.push_str(&digits),
        }
        digits.clear();
        if c != '\0' {
            out.push(c);
        }
    }
    out
}

fn figure_ids(w: &Workdir, edition: i32) -> Vec<String> {
    let index: serde_json::Value =
        serde_json::from_str(&w.read(&format!("output/{edition}/charts/index.json"))).expect("index.json");
    index
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|c| c["id"].as_str().map(str::to_string))
        .filter(|id| !id.starts_with("position-") || id.contains("-23-"))
        .collect()
}

#[test]
fn issue14_a_2027_edition_from_the_fixture_two_years_later_has_every_figure_and_section() {
    let w = Workdir::new();
    shift_fixture(&w, "data2027", 2);
    let o = w.run(&["build", "--data", "data2027", "--edition", "2027", "--previous", "2025", "--baseline", "2022"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = w.run(&["build"]);
    assert!(o.status.success(), "{}", stderr(&o));

    let a = normalised(figure_ids(&w, 2025), 2025);
    let b = normalised(figure_ids(&w, 2027), 2027);
    assert!(a.len() >= 12, "{a:?}");
    assert_eq!(a, b, "the figures of the two editions");

    // Every theme section of the 2025 PDF is in the 2027 one, with its figures.
    let t25 = crate::common::poppler_text(&w.path("output/2025/barometre-2025.pdf"));
    let t27 = crate::common::poppler_text(&w.path("output/2027/barometre-2027.pdf"));
    for section in [
        "Démographie médicale",
        "Permanence des soins",
        "Service d\u{2019}accès aux soins",
        "Renoncement aux soins",
        "Zones rouges et missions de solidarité",
        "Patients sans médecin traitant",
        "Méthodologie",
        "Annexe : France, départements et régions",
    ] {
        assert!(t25.contains(section) && t27.contains(section), "section `{section}`");
    }
    // Every figure carries one source line.
    let figures = |t: &str| t.matches("Source :").count();
    assert!(figures(&t25) >= 12, "{}", figures(&t25));
    assert_eq!(figures(&t25), figures(&t27), "as many figures");
    // The same fiches, tables and site pages.
    for (y, n) in [(2025, 101), (2027, 101)] {
        let fiches = std::fs::read_dir(w.path(&format!("output/{y}/departements"))).expect("fiches").count();
        assert_eq!(fiches, 2 * n, "{y}: a page and a PDF per département");
    }
    let tables = |y: i32| -> BTreeSet<String> {
        std::fs::read_dir(w.path(&format!("output/{y}/tables")))
            .expect("tables")
            .filter_map(|e| e.ok().map(|e| relative_years(&e.file_name().to_string_lossy(), y)))
            .collect()
    };
    assert_eq!(tables(2025), tables(2027));
    // The 2027 edition's numbers are the 2025 data's: the density of France is the same.
    let fr = |y: i32| -> String {
        let rows = csv_rows(&w.read(&format!("output/{y}/tables/densite-generalistes-{y}.csv")));
        rows.iter().find(|r| r["niveau"] == "france").expect("France")["valeur"].clone()
    };
    assert_eq!(fr(2025), fr(2027));
    // Dated as an edition with no known publication date: 31 December of its year.
    let raw = std::fs::read(w.path("output/2027/barometre-2027.pdf")).expect("pdf");
    assert!(String::from_utf8_lossy(&raw).contains("<xmp:CreateDate>2027-12-31"), "dated 2027");
}

/// Every file under `dir` with its SHA-256.
fn tree(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).expect("prefix").display().to_string();
                let hash = Sha256::digest(std::fs::read(&p).expect("read"));
                out.insert(rel, format!("{hash:x}"));
            }
        }
    }
    out
}

#[test]
fn issue14_every_file_of_two_builds_is_byte_identical() {
    let a = Workdir::new();
    let o = a.run(&["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
    // A later second: anything that reads the clock would differ.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let b = Workdir::new();
    let o = b.run(&["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (ta, tb) = (tree(&a.path("output/2025")), tree(&b.path("output/2025")));
    // Every kind of output is in the comparison.
    for must in ["tables/barometre-2025.xlsx", "barometre-2025.pdf", "departements/23.pdf", "index.html"] {
        assert!(ta.contains_key(must), "{must} not built");
    }
    assert!(ta.len() > 500, "{} files", ta.len());
    assert_eq!(ta.keys().collect::<Vec<_>>(), tb.keys().collect::<Vec<_>>(), "the same files");
    let differ: Vec<&String> = ta.iter().filter(|(k, v)| tb.get(*k) != Some(v)).map(|(k, _)| k).collect();
    assert!(differ.is_empty(), "files differ between two builds: {differ:?}");
}
