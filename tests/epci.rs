//! The EPCI level of the edition (issue 20): GPs by commune from the open directory
//! (fetched as the publisher's zip, or the demo's table), EPCI figures as ratios of sums,
//! the change rule against scipy, pages, fiches, tables and `compare` below the
//! département. Every expected value is recomputed here from the fixture files.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::common::server::{Reply, Server};
use crate::common::{Workdir, csv_rows, poppler_text, repo, shared_demo, stderr};

fn read(p: &str) -> String {
    std::fs::read_to_string(repo().join(p)).unwrap_or_else(|e| panic!("{p}: {e}"))
}

/// Commune → (EPCI SIREN, département, population), from the reference table.
fn communes() -> BTreeMap<String, (String, String, u64)> {
    csv_rows(&read("fixtures/reference/communes.csv"))
        .into_iter()
        .map(|r| {
            let pop = r["population_municipale"].parse().expect("population");
            (r["code_commune"].clone(), (r["siren_epci"].clone(), r["code_departement"].clone(), pop))
        })
        .collect()
}

fn num(s: &str) -> f64 {
    s.parse().unwrap_or_else(|_| panic!("a number: {s:?}"))
}

#[test]
fn issue20_demo_epci_figures_are_the_sums_of_their_communes() {
    let w = shared_demo();
    let communes = communes();
    // GPs by EPCI and year, summed here from the demo's commune table.
    let mut gps: BTreeMap<(String, String), u64> = BTreeMap::new();
    let mut dept_gps: BTreeMap<(String, String), u64> = BTreeMap::new();
    for r in csv_rows(&read("fixtures/demo/generalistes-communes.csv")) {
        let (epci, dept, _) = &communes[&r["code_commune"]];
        let n: u64 = r["generalistes"].parse().expect("n");
        *gps.entry((epci.clone(), r["annee"].clone())).or_default() += n;
        *dept_gps.entry((dept.clone(), r["annee"].clone())).or_default() += n;
    }
    let mut pop: BTreeMap<String, u64> = BTreeMap::new();
    let mut dept_pop: BTreeMap<String, u64> = BTreeMap::new();
    let mut dept_share: BTreeMap<(String, String), u64> = BTreeMap::new();
    for (epci, dept, p) in communes.values() {
        *pop.entry(epci.clone()).or_default() += p;
        *dept_pop.entry(dept.clone()).or_default() += p;
        *dept_share.entry((epci.clone(), dept.clone())).or_default() += p;
    }
    let red: BTreeSet<String> =
        csv_rows(&read("fixtures/demo/zones-rouges.csv")).into_iter().map(|r| r["siren"].clone()).collect();
    assert_eq!(red.len(), 151);

    let rows = csv_rows(&w.read("output/2025/tables/epci-2025.csv"));
    assert_eq!(rows.len(), 1_255, "every EPCI");
    let mut zones = 0;
    for r in &rows {
        let s = &r["siren"];
        let g25 = gps.get(&(s.clone(), "2025".into())).copied().unwrap_or(0);
        let g23 = gps.get(&(s.clone(), "2023".into())).copied().unwrap_or(0);
        let p = pop[s];
        assert_eq!(r["generalistes_2025"], g25.to_string(), "{s}");
        assert_eq!(r["generalistes_2023"], g23.to_string(), "{s}");
        assert_eq!(r["population"], p.to_string(), "{s}");
        assert_eq!(r["densite_2025"], format!("{:.1}", g25 as f64 / p as f64 * 1e5), "{s}");
        assert_eq!(r["densite_2023"], format!("{:.1}", g23 as f64 / p as f64 * 1e5), "{s}");
        if g23 > 0 {
            assert_eq!(r["evolution_pct"], format!("{:.1}", (g25 as f64 / g23 as f64 - 1.0) * 100.0), "{s}");
        }
        // Its département: the one holding most of its population.
        let main = dept_share
            .iter()
            .filter(|((e, _), _)| e == s)
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.1.cmp(&a.0.1)))
            .map(|((_, d), _)| d.clone())
            .expect("département");
        assert_eq!(r["code_departement"], main, "{s}");
        let dd = dept_gps[&(main.clone(), "2025".into())] as f64 / dept_pop[&main] as f64 * 1e5;
        assert_eq!(r["densite_departement_2025"], format!("{dd:.1}"), "{s}");
        assert_eq!(r["zone_rouge"], if red.contains(s) { "oui" } else { "non" }, "{s}");
        zones += usize::from(red.contains(s));
        assert_eq!(r["nature"], "synthétique");
    }
    assert_eq!(zones, 151);
    // Ranks within each département, densest first, recomputed from the exact densities.
    let dens = |r: &BTreeMap<String, String>| {
        gps.get(&(r["siren"].clone(), "2025".into())).copied().unwrap_or(0) as f64 / pop[&r["siren"]] as f64
    };
    for r in &rows {
        let better =
            rows.iter().filter(|o| o["code_departement"] == r["code_departement"] && dens(o) > dens(r)).count();
        let n = rows.iter().filter(|o| o["code_departement"] == r["code_departement"]).count();
        assert_eq!(r["rang_departement"], (better + 1).to_string(), "{}", r["siren"]);
        assert_eq!(r["nb_epci_departement"], n.to_string());
    }
    // The zones rouges were drawn under-served: their median density is below half of
    // every EPCI's median (a reader comparing with the press finds no contradiction).
    let mut all: Vec<f64> = rows.iter().map(|r| num(&r["densite_2025"])).collect();
    let mut zr: Vec<f64> = rows.iter().filter(|r| r["zone_rouge"] == "oui").map(|r| num(&r["densite_2025"])).collect();
    all.sort_by(f64::total_cmp);
    zr.sort_by(f64::total_cmp);
    assert!(zr[zr.len() / 2] < all[all.len() / 2] / 2.0, "{} vs {}", zr[zr.len() / 2], all[all.len() / 2]);

    // The cross-check with DREES: the directory's sums against the demo's DREES counts.
    let drees: BTreeMap<String, u64> = csv_rows(&read("fixtures/demo/generalistes.csv"))
        .into_iter()
        .filter(|r| r["annee"] == "2025")
        .map(|r| (r["code_departement"].clone(), r["effectif"].parse().expect("n")))
        .collect();
    let check = csv_rows(&w.read("output/2025/tables/controle-annuaire-drees.csv"));
    assert_eq!(check.len(), 101);
    for c in &check {
        let d = &c["code_departement"];
        let a = dept_gps.get(&(d.clone(), "2025".into())).copied().unwrap_or(0);
        assert_eq!(c["annuaire"], a.to_string(), "{d}");
        assert_eq!(c["drees"], drees[d].to_string(), "{d}");
        let gap = (a as f64 - drees[d] as f64) / drees[d] as f64 * 100.0;
        assert_eq!(c["ecart_pct"], format!("{gap:.1}"), "{d}");
        assert_eq!(c["alerte"], if gap.abs() > 15.0 { "oui" } else { "non" });
    }
    let checks = w.read("output/2025/checks.md");
    assert!(checks.contains("annuaire santé et DREES, 2025") && checks.contains("±15"), "{checks}");
    // The Excel files: the XLSX has the EPCI sheet, the Excel CSV French headers.
    let excel = w.read("output/2025/tables/excel/epci-2025.csv");
    assert!(excel.starts_with("\u{feff}SIREN;Nom;"), "{}", &excel[..40]);
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook(w.path("output/2025/tables/barometre-2025.xlsx")).expect("xlsx");
    use calamine::Reader;
    let sheet = wb.worksheet_range("EPCI").expect("EPCI sheet");
    assert_eq!(sheet.height(), 1_256);
    let json: Value = serde_json::from_str(&w.read("output/2025/tables/epci-2025.json")).expect("json");
    assert_eq!(json["lignes"].as_array().expect("rows").len(), 1_255);
}

#[test]
fn issue20_the_change_rule_matches_scipy() {
    use barometre::quantile::{beta_inc, beta_ppf};
    let r: Value = serde_json::from_str(&read("tests/reference/epci_change.json")).expect("json");
    let close = |a: f64, b: f64, rel: f64, what: &str| {
        assert!((a - b).abs() <= rel * b.abs().max(1e-300), "{what}: {a} vs scipy {b}");
    };
    for v in r["betainc"].as_array().expect("grid") {
        let f = |i: usize| v[i].as_f64().expect("f64");
        close(beta_inc(f(0), f(1), f(2)), f(3), 1e-9, &format!("I({}, {}, {})", f(0), f(1), f(2)));
    }
    // Quantiles to 1e-7: at p = 1 − 1e-9 the quantile moves by far more than p's own
    // rounding error (an ill-conditioned tail for scipy as for us).
    for v in r["beta_ppf"].as_array().expect("grid") {
        let f = |i: usize| v[i].as_f64().expect("f64");
        close(beta_ppf(f(0), f(1), f(2)), f(3), 1e-7, &format!("B⁻¹({}; {}, {})", f(0), f(1), f(2)));
    }
    for v in r["count_ratio"].as_array().expect("pairs") {
        let (before, after) = (v[0].as_u64().expect("n"), v[1].as_u64().expect("n"));
        let got = barometre::stats::count_ratio_change(before, after, 0.05);
        if v[2].is_null() {
            assert!(got.is_none(), "{before} → {after}: no rate to compare with");
            continue;
        }
        let d = got.expect("a change");
        let what = format!("{before} → {after}");
        close(d.estimate + 100.0, v[2].as_f64().expect("f64") + 100.0, 1e-12, &what);
        close(d.low + 100.0, v[3].as_f64().expect("f64") + 100.0, 1e-8, &what);
        close(d.high + 100.0, v[4].as_f64().expect("f64") + 100.0, 1e-8, &what);
        close(d.p_value, v[5].as_f64().expect("f64"), 1e-8, &what);
        assert!(d.low.is_finite() && d.high.is_finite(), "{what}");
    }
    // The labels by the stated rule: beyond ±2 % entirely, within, or across.
    let label = |b, a| {
        let d = barometre::stats::count_ratio_change(b, a, 0.05).expect("change");
        barometre::stats::classify(d.low, d.high, barometre::epci::THRESHOLD_PCT)
    };
    assert_eq!(label(29, 27), "évolution incertaine");
    assert_eq!(label(10_000, 12_000), "hausse");
    assert_eq!(label(12_000, 10_000), "baisse");
    assert_eq!(label(4_000_000, 4_000_100), "stable");
}

#[test]
fn issue20_fetch_reduces_the_publishers_zip_and_the_edition_has_its_epci() {
    use std::io::Write;
    let server = Server::start();
    let real = |rel: &str| std::fs::read(repo().join("fixtures/real").join(rel)).expect("fixture");
    server.route("/drees.xlsx", vec![Reply::Ok(real("drees/medecins-rpps-extrait.xlsx"))]);
    server.route("/insee.xlsx", vec![Reply::Ok(real("insee/estim-pop-dep-sexe-gca-1975-2026-extrait.xlsx"))]);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file("PS_LibreAcces_Personne_activite_202511200000.txt", zip::write::SimpleFileOptions::default())
        .expect("entry");
    zip.write_all(&real("rpps/PS_LibreAcces_Personne_activite_202511200000.txt")).expect("write");
    let bytes = zip.finish().expect("zip").into_inner();
    server.route("/PS_LibreAcces.zip", vec![Reply::Ok(bytes)]);
    let w = Workdir::new();
    let toml = format!(
        "[[source]]\nid = \"generalistes\"\nformat = \"drees-rpps\"\nurl = \"{}\"\nfile = \"medecins.xlsx\"\nvintage = \"2026\"\n\n\
         [[source]]\nid = \"population\"\nformat = \"insee-population\"\nurl = \"{}\"\nfile = \"pop.xlsx\"\nvintage = \"2026\"\n\n\
         [[source]]\nid = \"generalistes-communes\"\nformat = \"rpps-annuaire\"\nurl = \"{}\"\nfile = \"PS_LibreAcces.zip\"\nvintage = \"2025-11-20\"\n",
        server.url("/drees.xlsx"),
        server.url("/insee.xlsx"),
        server.url("/PS_LibreAcces.zip")
    );
    std::fs::write(w.path("sources.toml"), toml).expect("write");
    let o = w.run(&["fetch", "--sources", "sources.toml", "--cache-dir", "cache", "--timeout", "5"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let m: Value = serde_json::from_str(&w.read("cache/manifest.json")).expect("manifest");
    let e =
        m["sources"].as_array().expect("sources").iter().find(|e| e["id"] == "generalistes-communes").expect("entry");
    assert_eq!(e["data_years"], serde_json::json!([2025]), "the year of the extraction, from its file name");
    // The canonical table: the hand counts of the fixture (see tests/communes.rs).
    let canonical = csv_rows(&w.read(&format!("cache/{}", e["canonical"].as_str().expect("canonical"))));
    let got: BTreeMap<String, String> =
        canonical.iter().map(|r| (r["code_commune"].clone(), r["generalistes"].clone())).collect();
    let want: BTreeMap<String, String> =
        [("01138", "1"), ("23013", "1"), ("23096", "3"), ("2A004", "1"), ("75056", "1"), ("97101", "1")]
            .into_iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
    assert_eq!(got, want);
    assert!(canonical.iter().all(|r| r["annee"] == "2025"));

    let o = w.run(&["build", "--draft", "--data", "cache", "--cache-dir", "cache"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows = csv_rows(&w.read("output/2025/tables/epci-2025.csv"));
    let gueret = rows.iter().find(|r| r["siren"] == "200034825").expect("CA du Grand Guéret");
    let pop: u64 = communes().values().filter(|c| c.0 == "200034825").map(|c| c.2).sum();
    assert_eq!((gueret["generalistes_2025"].as_str(), gueret["population"].clone()), ("3", pop.to_string()));
    assert_eq!(gueret["densite_2025"], format!("{:.1}", 3.0 / pop as f64 * 1e5));
    // Real data: no synthetic mark, and one extraction gives no change columns.
    assert_eq!(gueret["nature"], "réel");
    assert!(!gueret.contains_key("evolution_pct"), "one extraction, no change");
    let html = w.read("output/2025/epci/200034825.html");
    assert!(html.contains("CA du Grand Guéret") && !html.contains("synthétique"), "the page");
}

#[test]
fn issue20_epci_pages_fiches_and_the_departement_fiche() {
    let w = shared_demo();
    let ed = w.path("output/2025");
    let rows = csv_rows(&w.read("output/2025/tables/epci-2025.csv"));
    // A page for every EPCI, and the index links them all.
    let pages = std::fs::read_dir(ed.join("epci"))
        .expect("epci/")
        .filter(|e| e.as_ref().is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".html")))
        .count();
    assert_eq!(pages, 1_256, "1,255 pages and the index");
    let index = w.read("output/2025/epci/index.html");
    assert_eq!(rows.iter().filter(|r| index.contains(&format!("href=\"{}.html\"", r["siren"]))).count(), 1_255);
    // A PDF fiche for each zone rouge, one page, with its figures as in the table.
    let red: Vec<&BTreeMap<String, String>> = rows.iter().filter(|r| r["zone_rouge"] == "oui").collect();
    let pdfs = std::fs::read_dir(ed.join("epci"))
        .expect("epci/")
        .filter(|e| e.as_ref().is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".pdf")))
        .count();
    assert_eq!(pdfs, red.len());
    let r = rows.iter().find(|r| r["siren"] == "200000628").expect("CC Rhône Lez Provence");
    let pdf = ed.join("epci/200000628.pdf");
    let info = std::process::Command::new("pdfinfo").arg(&pdf).output().expect("pdfinfo");
    assert!(String::from_utf8_lossy(&info.stdout).contains("Pages:           1"), "one page");
    let text = poppler_text(&pdf);
    let french = |s: &str| s.replace('.', ",");
    assert!(text.contains("CC Rhône Lez Provence") && text.contains("zone rouge"), "{text}");
    assert!(text.contains(&french(&r["densite_2025"])), "density {} in {text}", r["densite_2025"]);
    assert!(text.contains(&format!("{}e des {}", r["rang_departement"], r["nb_epci_departement"])), "{text}");
    assert!(text.contains("Données de démonstration"), "{text}");
    // The département fiche ranks its EPCI, densest first, zones rouges marked, linked.
    let fiche = w.read("output/2025/departements/84.html");
    let section = &fiche[fiche.find("id=\"intercommunalites\"").expect("section")..];
    let section = &section[..section.find("</table>").expect("table")];
    let mut mine: Vec<&BTreeMap<String, String>> = rows.iter().filter(|r| r["code_departement"] == "84").collect();
    mine.sort_by(|a, b| num(&b["densite_2025"]).total_cmp(&num(&a["densite_2025"])));
    let positions: Vec<usize> = mine
        .iter()
        .map(|r| section.find(&format!("../epci/{}.html", r["siren"])).unwrap_or_else(|| panic!("{}", r["nom"])))
        .collect();
    assert!(positions.windows(2).all(|p| p[0] < p[1]), "densest first");
    assert_eq!(
        section.matches("zone rouge</span>").count(),
        mine.iter().filter(|r| r["zone_rouge"] == "oui").count() + 1
    );
}

#[test]
fn issue20_epci_pages_fit_a_phone_and_axe_finds_no_serious_violation() {
    let chrome = crate::site::chromium().expect("Chromium is required for the site tests (.ci/run installs it)");
    let w = shared_demo();
    let edition = w.path("output/2025");
    let axe = crate::site::axe();
    // A zone rouge, the largest métropole (130 communes), an overseas EPCI, the index.
    for page in ["epci/200000628.html", "epci/200054781.html", "epci/200018653.html", "epci/index.html"] {
        let out = crate::site::phone_desktop_axe(&chrome, &edition, &axe, page);
        let (sw, vw) = (out["phone"][0].as_u64().expect("sw"), out["phone"][1].as_u64().expect("vw"));
        assert!(sw <= vw && vw == 390, "{page}: {sw} px wide in a {vw}-px phone");
        let (sw, vw) = (out["desktop"][0].as_u64().expect("sw"), out["desktop"][1].as_u64().expect("vw"));
        assert!(sw <= vw, "{page}: {sw} px wide at {vw} px");
        assert_eq!(out["serious"], serde_json::json!([]), "{page}: axe-core");
        assert!(!out["h1"].as_str().expect("h1").is_empty());
    }
}

#[test]
fn issue20_compare_and_fiche_find_communes_and_epci_by_name_or_code() {
    let w = Workdir::new();
    let communes = communes();
    // Guéret (23096): its GPs in the demo's table, its EPCI, its département, France.
    let demo = csv_rows(&read("fixtures/demo/generalistes-communes.csv"));
    let count = |f: &dyn Fn(&str) -> bool, y: &str| -> u64 {
        demo.iter().filter(|r| r["annee"] == y && f(&r["code_commune"])).map(|r| num(&r["generalistes"]) as u64).sum()
    };
    let g = count(&|c| c == "23096", "2025");
    let e = count(&|c| communes[c].0 == "200034825", "2025");
    let d = count(&|c| communes[c].1 == "23", "2025");
    let o = w.run(&["compare", "gueret", "--format", "csv"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows = csv_rows(&String::from_utf8_lossy(&o.stdout));
    let levels: Vec<&str> = rows.iter().map(|r| r["niveau"].as_str()).collect();
    assert_eq!(levels, ["Commune", "EPCI", "Département", "France"]);
    assert_eq!(rows[0]["generalistes"], g.to_string());
    assert_eq!(rows[0]["densite"], format!("{}", ((g as f64 / 12_955.0 * 1e5) * 10.0).round() / 10.0));
    assert_eq!(rows[1]["generalistes"], e.to_string());
    assert_eq!(rows[2]["generalistes"], d.to_string());
    assert_eq!(rows[3]["generalistes"], count(&|_| true, "2025").to_string());
    // The same by its code, and by the EPCI's SIREN (from the EPCI down).
    let o = w.run(&["compare", "23096", "--format", "csv"]);
    assert_eq!(csv_rows(&String::from_utf8_lossy(&o.stdout))[0]["generalistes"], g.to_string());
    let o = w.run(&["compare", "200034825"]);
    let table = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(table.contains("CA du Grand Guéret") && table.contains("Creuse (23)"), "{table}");
    assert!(table.lines().all(|l| l.chars().count() <= 100), "{table}");
    // Homonyms: four Saint-Denis, told apart by their département.
    let o = w.run(&["compare", "Saint-Denis"]);
    assert!(!o.status.success());
    let err = stderr(&o);
    for code in ["11339", "30247", "93066", "97411"] {
        assert!(err.contains(code), "{err}");
    }
    let o = w.run(&["compare", "Saint-Denis (974)", "--format", "csv"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("Saint-Denis (97411)"));
    // A misspelling gets suggestions; a département still wins its own name.
    let o = w.run(&["compare", "Guerret"]);
    assert!(stderr(&o).contains("vouliez-vous dire Guéret (23, code 23096)"), "{}", stderr(&o));
    let o = w.run(&["compare", "mayote"]);
    assert!(stderr(&o).contains("vouliez-vous dire Mayotte (976) ?"), "{}", stderr(&o));
    // `fiche --epci`: any EPCI on demand (a commune gives its own).
    let o = w.run(&["fiche", "--epci", "Guéret", "--output", "out"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = poppler_text(&w.path("out/fiches/epci-200034825.pdf"));
    assert!(text.contains("CA du Grand Guéret"), "{text}");
    let o = w.run(&["fiche", "--epci", "haut allier", "--output", "out"]);
    assert!(!o.status.success() && stderr(&o).contains("200006930"), "{}", stderr(&o));
}

/// GeoJSON squares (0.11° × 0.10°) for every EPCI whose main département is `dept`, on a
/// grid from (`lon`, `lat`) eastwards then southwards, and one EPCI of no reference list.
/// Returns the file and the SIRENs in grid order with their number of columns.
fn epci_squares(dept: &str, lon: f64, lat: f64) -> (Vec<u8>, Vec<String>, usize) {
    let sirens: Vec<String> = csv_rows(&read("fixtures/reference/epci.csv"))
        .into_iter()
        .filter(|r| r["departements"].split('|').next() == Some(dept))
        .map(|r| r["siren"].clone())
        .collect();
    let cols = (sirens.len() as f64).sqrt().ceil() as usize;
    let mut features: Vec<Value> = sirens
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let (x, y) = (lon + (i % cols) as f64 * 0.12, lat - (i / cols) as f64 * 0.12);
            let ring = serde_json::json!([[x, y], [x + 0.11, y], [x + 0.11, y + 0.1], [x, y + 0.1], [x, y]]);
            // Every other EPCI as a MultiPolygon with an islet, with altitudes.
            let geometry = if i % 2 == 0 {
                serde_json::json!({"type": "Polygon", "coordinates": [ring]})
            } else {
                let islet = serde_json::json!([
                    [x, y - 0.01, 0.0],
                    [x + 0.02, y - 0.01, 0.0],
                    [x, y - 0.005, 0.0],
                    [x, y - 0.01, 0.0]
                ]);
                serde_json::json!({"type": "MultiPolygon", "coordinates": [[ring], [islet]]})
            };
            serde_json::json!({"type": "Feature", "properties": {"code": s, "nom": "?"}, "geometry": geometry})
        })
        .collect();
    features.push(serde_json::json!({"type": "Feature", "properties": {"code": "200099999"},
        "geometry": {"type": "Polygon", "coordinates": [[[0, 45], [0.1, 45], [0.1, 45.1], [0, 45]]]}}));
    let fc = serde_json::json!({"type": "FeatureCollection", "features": features});
    (serde_json::to_vec(&fc).expect("json"), sirens, cols)
}

/// A sources.toml of the demo's canonical tables (generalistes-communes included) and the
/// EPCI contours at `url`.
fn demo_sources_with_epci_contours(w: &Workdir, url: &str) {
    let data = w.copy_demo("data");
    let mut toml = crate::common::canonical_sources(&data, &crate::common::DEMO_TABLES);
    toml.push_str(&crate::common::canonical_sources(&data, &["generalistes-communes"]));
    toml.push_str(&format!(
        "[[source]]\nid = \"contours-epci\"\nformat = \"geojson\"\nurl = \"{url}\"\nfile = \"epci-100m.geojson\"\n"
    ));
    std::fs::write(w.path("sources.toml"), toml).expect("write");
}

#[test]
fn issue20_departement_pages_map_their_epci_when_contours_are_fetched() {
    let (geojson, grid, cols) = epci_squares("23", 1.9, 46.4);
    let server = Server::start();
    server.route("/epci-100m.geojson", vec![Reply::Ok(geojson)]);
    let w = Workdir::new();
    demo_sources_with_epci_contours(&w, &server.url("/epci-100m.geojson"));
    let o = w.run(&["fetch", "--sources", "sources.toml", "--cache-dir", "cache", "--timeout", "5"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = w.run(&["build", "--draft", "--data", "cache", "--cache-dir", "cache"]);
    assert!(o.status.success(), "{}", stderr(&o));

    let rows = csv_rows(&w.read("output/2025/tables/epci-2025.csv"));
    // Density classes of equal counts among every EPCI of France (ColorBrewer Blues),
    // recomputed from the table's counts and populations.
    let density = |r: &BTreeMap<String, String>| num(&r["generalistes_2025"]) / num(&r["population"]) * 1e5;
    let mut all: Vec<f64> = rows.iter().filter(|r| num(&r["population"]) > 0.0).map(density).collect();
    all.sort_by(f64::total_cmp);
    let breaks: Vec<f64> = (1..5).map(|k| all[k * all.len() / 5].round()).collect();
    let blues = ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"];
    let mine: Vec<&BTreeMap<String, String>> = rows.iter().filter(|r| r["code_departement"] == "23").collect();
    assert_eq!(mine.iter().map(|r| r["siren"].clone()).collect::<BTreeSet<_>>(), grid.iter().cloned().collect());

    let page = w.read("output/2025/departements/23.html");
    let start = page.find("<figure class=\"carte-epci\">").expect("the map of the EPCI");
    let svg = &page[start..];
    let svg = &svg[svg.find("<svg").expect("svg")..svg.find("</svg>").expect("</svg>") + 6];
    let doc = roxmltree::Document::parse(svg).expect("the map is valid SVG");
    let shapes: BTreeMap<String, roxmltree::Node> =
        doc.descendants().filter_map(|n| n.attribute("data-siren").map(|s| (s.to_string(), n))).collect();
    assert_eq!(
        shapes.keys().cloned().collect::<Vec<_>>(),
        mine.iter().map(|r| r["siren"].clone()).collect::<BTreeSet<_>>().into_iter().collect::<Vec<_>>()
    );
    let min_x = |siren: &str| -> f64 {
        let d = shapes[siren].attribute("d").expect("d");
        d.split(['M', 'L', 'Z'])
            .filter_map(|p| p.split_whitespace().next().and_then(|x| x.parse::<f64>().ok()))
            .fold(f64::MAX, f64::min)
    };
    for r in &mine {
        let node = shapes[&r["siren"]];
        let link = node.parent().expect("a link");
        assert_eq!(link.attribute("href"), Some(format!("../epci/{}.html", r["siren"]).as_str()));
        let class = breaks.iter().filter(|b| density(r) >= **b).count();
        assert_eq!(node.attribute("fill"), Some(blues[class]), "{}: density {}", r["nom"], density(r));
        let label = link.attribute("aria-label").expect("label");
        assert!(label.starts_with(r["nom"].as_str()) && label.contains("du département"), "{label}");
    }
    // West to east as on the grid: the first column left of the last.
    assert!(min_x(&grid[0]) + 50.0 < min_x(&grid[cols - 1]), "Lambert-93 keeps west on the left");
    // Zones rouges outlined: exactly the département's.
    let outlined: BTreeSet<String> =
        doc.descendants().filter_map(|n| n.attribute("data-zone-rouge")).map(str::to_string).collect();
    let red: BTreeSet<String> = mine.iter().filter(|r| r["zone_rouge"] == "oui").map(|r| r["siren"].clone()).collect();
    assert!(!red.is_empty());
    assert_eq!(outlined, red);
    // A département without contours keeps its ranked table only; checks.md says why.
    let other = w.read("output/2025/departements/87.html");
    assert!(!other.contains("carte-epci\"") && other.contains("id=\"intercommunalites\""));
    let checks = w.read("output/2025/checks.md");
    assert!(checks.contains("non dessinée") && checks.contains("87 ("), "{checks}");
    assert!(checks.contains("200099999"), "the unknown SIREN is reported");

    // Readable on a phone, and no serious accessibility violation.
    let chrome = crate::site::chromium().expect("Chromium is required for the site tests (.ci/run installs it)");
    let out =
        crate::site::phone_desktop_axe(&chrome, &w.path("output/2025"), &crate::site::axe(), "departements/23.html");
    let (sw, vw) = (out["phone"][0].as_u64().expect("sw"), out["phone"][1].as_u64().expect("vw"));
    assert!(sw <= vw, "{sw} px wide in a {vw}-px phone");
    assert_eq!(out["serious"], serde_json::json!([]), "axe-core");
}

#[test]
fn issue20_bad_epci_contours_are_refused_by_fetch() {
    let server = Server::start();
    let bad = br#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"24002"},"geometry":{"type":"Polygon","coordinates":[[[1,45],[1.1,45],[1,45.1],[1,45]]]}}]}"#;
    server.route("/epci-100m.geojson", vec![Reply::Ok(bad.to_vec())]);
    let w = Workdir::new();
    demo_sources_with_epci_contours(&w, &server.url("/epci-100m.geojson"));
    let o = w.run(&["fetch", "--sources", "sources.toml", "--cache-dir", "cache", "--timeout", "5"]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("contours-epci") && e.contains("features[0]") && e.contains("24002") && e.contains("SIREN"),
        "{e}"
    );
}
