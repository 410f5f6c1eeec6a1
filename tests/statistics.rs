//! The demo edition's statistics against an independent recomputation from the fixtures
//! with scipy and statsmodels (tests/reference/demo_reference.py → demo.json), and the
//! publication gate (issue 15).

use serde_json::Value;

use barometre::model::LevelName;

use crate::common::{repo, shared_demo};

fn reference() -> Value {
    let text = std::fs::read_to_string(repo().join("tests/reference/demo.json")).expect("demo.json");
    serde_json::from_str(&text).expect("json")
}

/// The rows of a JSON download of the demo edition.
fn table(name: &str) -> Vec<serde_json::Map<String, Value>> {
    let text = shared_demo().read(&format!("output/2025/tables/{name}.json"));
    let v: Value = serde_json::from_str(&text).expect("table json");
    v["lignes"].as_array().expect("lignes").iter().map(|r| r.as_object().expect("row").clone()).collect()
}

fn row<'a>(rows: &'a [serde_json::Map<String, Value>], level: &str, code: &str) -> &'a serde_json::Map<String, Value> {
    rows.iter().find(|r| r["niveau"] == level && r["code"] == code).unwrap_or_else(|| panic!("{level} {code}"))
}

fn num(r: &serde_json::Map<String, Value>, k: &str) -> f64 {
    r[k].as_f64().unwrap_or_else(|| panic!("{k}: {:?}", r[k]))
}

fn close(a: f64, b: &Value, what: &str) {
    let b = b.as_f64().unwrap_or_else(|| panic!("{what}: reference {b:?}"));
    assert!((a - b).abs() <= 1e-7 * b.abs().max(1e-6), "{what}: {a} vs scipy/statsmodels {b}");
}

#[test]
fn issue15_density_values_intervals_changes_and_labels_match_statsmodels() {
    let refs = reference();
    let rows = table("densite-generalistes-2025");
    let r = &refs["densite-generalistes"]["rows"];
    let mut labels = 0;
    for (code, want) in r.as_object().expect("rows") {
        let level = if code == "FR" { "france" } else { "departement" };
        let got = row(&rows, level, code);
        let what = |k: &str| format!("{code} {k}");
        close(num(got, "valeur"), &want["value"], &what("value"));
        close(num(got, "ic95_bas"), &want["ci_low"], &what("Garwood lower"));
        close(num(got, "ic95_haut"), &want["ci_high"], &what("Garwood upper"));
        close(num(got, "evolution_estimee_depuis_2023"), &want["prev"]["estimate"], &what("trend estimate"));
        close(num(got, "evolution_ic95_bas_depuis_2023"), &want["prev"]["lower"], &what("change lower"));
        close(num(got, "evolution_ic95_haut_depuis_2023"), &want["prev"]["upper"], &what("change upper"));
        close(num(got, "p_valeur_depuis_2023"), &want["prev"]["pvalue"], &what("p-value"));
        assert_eq!(got["qualification_depuis_2023"], want["prev"]["label"], "{code}");
        close(num(got, "evolution_ic95_bas_depuis_2020"), &want["base"]["lower"], &what("baseline lower"));
        assert_eq!(got["qualification_depuis_2020"], want["base"]["label"], "{code}");
        if code != "FR" {
            assert_eq!(got["rang"].as_f64(), want["rank"].as_f64(), "{code} rank");
        }
        labels += 1;
    }
    assert_eq!(labels, 102);
    // Mayotte, 46 → 39 per 100,000 (−15 %), is no longer « stable ».
    assert_eq!(row(&rows, "departement", "976")["qualification_depuis_2023"], "baisse");
}

#[test]
fn issue15_shares_of_the_population_match_newcombe_and_wilson() {
    let refs = reference();
    let rows = table("sans-medecin-traitant-2025");
    for (code, want) in refs["sans-medecin-traitant"]["rows"].as_object().expect("rows") {
        let level = if code == "FR" { "france" } else { "departement" };
        let got = row(&rows, level, code);
        close(num(got, "valeur"), &want["value"], &format!("{code} value"));
        close(num(got, "ic95_bas"), &want["ci_low"], &format!("{code} Wilson lower"));
        close(num(got, "ic95_haut"), &want["ci_high"], &format!("{code} Wilson upper"));
        close(num(got, "evolution_ic95_bas_depuis_2023"), &want["prev"]["lower"], &format!("{code} Newcombe lower"));
        close(num(got, "evolution_ic95_haut_depuis_2023"), &want["prev"]["upper"], &format!("{code} Newcombe upper"));
        assert_eq!(got["qualification_depuis_2023"], want["prev"]["label"], "{code}");
        if code != "FR" {
            assert_eq!(got["rang"].as_f64(), want["rank"].as_f64(), "{code}: rank 1 = the lowest share");
        }
    }
}

#[test]
fn issue15_france_pdsa_change_is_on_the_departements_answering_both_years() {
    let refs = reference();
    let want = &refs["pdsa-participation"]["rows"]["FR"];
    let rows = table("pdsa-participation-2024");
    let fr = row(&rows, "france", "FR");
    close(num(fr, "valeur"), &want["value"], "value (every answering département)");
    close(num(fr, "evolution_depuis_2022"), &want["delta_matched"], "change on the matched set");
    assert_eq!(fr["departements"].as_f64(), want["departements"].as_f64());
    assert_eq!(fr["departements_comparables_2022"].as_f64(), want["matched"].as_f64());
    close(num(fr, "evolution_ic95_bas_depuis_2022"), &want["prev"]["lower"], "Newcombe lower");
    assert_eq!(fr["qualification_depuis_2022"], want["prev"]["label"]);
    // Corse: Haute-Corse did not answer in 2022, so the change is Corse-du-Sud's alone.
    let corse = row(&rows, "region", "94");
    let ajaccio = row(&rows, "departement", "2A");
    assert!((num(corse, "evolution_depuis_2022") - num(ajaccio, "evolution_depuis_2022")).abs() < 1e-9);
}

#[test]
fn issue15_survey_change_and_suppression_match_the_design_based_recomputation() {
    let refs = reference();
    let want = &refs["renoncement-soins"];
    let rows = table("renoncement-soins-2025");
    let fr = row(&rows, "france", "FR");
    close(num(fr, "valeur"), &want["rows"]["FR"]["value"], "weighted share");
    close(num(fr, "ic95_bas"), &want["rows"]["FR"]["ci_low"], "Wilson on Kish's size");
    close(num(fr, "evolution_ic95_bas_depuis_2024"), &want["rows"]["FR"]["prev"]["lower"], "Wald lower");
    close(num(fr, "evolution_ic95_haut_depuis_2024"), &want["rows"]["FR"]["prev"]["upper"], "Wald upper");
    close(num(fr, "p_valeur_depuis_2024"), &want["rows"]["FR"]["prev"]["pvalue"], "z-test");
    assert_eq!(fr["qualification_depuis_2024"], want["rows"]["FR"]["prev"]["label"]);
    let published: Vec<String> = rows
        .iter()
        .filter(|r| r["niveau"] == "departement" && r["valeur"].is_number())
        .map(|r| r["code"].as_str().expect("code").to_string())
        .collect();
    let expected: Vec<String> = want["published_departements"]
        .as_array()
        .expect("list")
        .iter()
        .map(|c| c.as_str().expect("code").to_string())
        .collect();
    assert_eq!(published, expected, "départements published under the precision rules");
    let paris = row(&rows, "departement", "75");
    assert!(paris["valeur"].is_null() && paris["non_publie"].as_str().is_some_and(|s| !s.is_empty()));
}

#[test]
fn issue15_every_published_interval_is_finite_and_contains_its_value() {
    let dir = shared_demo().path("output/2025/tables");
    let mut checked = 0;
    for e in std::fs::read_dir(&dir).expect("tables") {
        let p = e.expect("entry").path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("").to_string();
        if !name.ends_with(".json") || name.starts_with("barometre-") {
            continue;
        }
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&p).expect("read")).expect("json");
        for r in v["lignes"].as_array().expect("rows") {
            for (k, x) in r.as_object().expect("row") {
                if let Some(s) = x.as_str() {
                    assert!(!["NaN", "inf", "-inf"].contains(&s), "{name} {k}: {s}");
                }
            }
            if let (Some(v), Some(lo), Some(hi)) =
                (r["valeur"].as_f64(), r["ic95_bas"].as_f64(), r["ic95_haut"].as_f64())
            {
                assert!(lo.is_finite() && hi.is_finite() && lo <= v && v <= hi, "{name} {}: {lo} {v} {hi}", r["code"]);
                checked += 1;
            }
            for base in ["2023", "2024", "2022", "2020", "2019"] {
                if let (Some(lo), Some(hi)) = (
                    r.get(format!("evolution_ic95_bas_depuis_{base}")).and_then(Value::as_f64),
                    r.get(format!("evolution_ic95_haut_depuis_{base}")).and_then(Value::as_f64),
                ) {
                    assert!(lo.is_finite() && hi.is_finite() && lo <= hi, "{name} {} since {base}", r["code"]);
                }
            }
            if let Some(p) = r.get("p_valeur_depuis_2023").and_then(Value::as_f64) {
                assert!((0.0..=1.0).contains(&p), "{name}: p = {p}");
            }
        }
    }
    assert!(checked > 500, "{checked} intervals checked");
    let index = shared_demo().read("output/2025/index.html");
    assert!(!index.contains("NaN") && !index.contains(" inf"), "no non-finite number on the site");
}

#[test]
fn issue15_the_gate_refuses_non_finite_or_incoherent_results() {
    use barometre::edition::build_model;
    let years = barometre::indicators::Years { current: 2025, previous: 2023, baseline: 2020 };
    // At the edition's date (20 November 2025): the demo's data, cut as a build cuts them.
    let epoch = barometre::edition::parse_date("2025-11-20").expect("date");
    let (model, _) = build_model(&barometre::sources::DataSource::Demo, years, epoch, None, None).expect("demo model");
    barometre::gate::check(&model).expect("the demo edition passes the gate");
    let inject = |f: &dyn Fn(&mut barometre::model::ReportModel)| {
        let mut m = model.clone();
        f(&mut m);
        barometre::gate::check(&m).expect_err("refused").to_string()
    };
    let find = |m: &mut barometre::model::ReportModel, id: &str, code: &str| -> (usize, usize) {
        let i = m.indicators.iter().position(|x| x.id == id).expect("indicator");
        let level = if code == "FR" { LevelName::France } else { LevelName::Departement };
        let j = m.indicators[i].rows.iter().position(|r| r.code == code && r.level == level).expect("row");
        (i, j)
    };
    let msg = inject(&|m| {
        let (i, j) = find(m, "sans-medecin-traitant", "FR");
        m.indicators[i].rows[j].cur.as_mut().expect("value").ci_low = Some(f64::NAN);
    });
    assert!(msg.contains("`sans-medecin-traitant`, France (FR), 2025") && msg.contains("lower bound"), "{msg}");
    let msg = inject(&|m| {
        let (i, j) = find(m, "densite-generalistes", "976");
        m.indicators[i].rows[j].cur.as_mut().expect("value").ci_high = Some(f64::INFINITY);
    });
    assert!(msg.contains("`densite-generalistes`, Mayotte (976), 2025") && msg.contains("inf"), "{msg}");
    let msg = inject(&|m| {
        let (i, j) = find(m, "densite-generalistes", "23");
        let v = m.indicators[i].rows[j].cur.as_mut().expect("value");
        v.ci_low = Some(v.value + 1.0);
    });
    assert!(msg.contains("Creuse (23)") && msg.contains("excludes the value"), "{msg}");
    let msg = inject(&|m| {
        let (i, j) = find(m, "pdsa-participation", "75");
        m.indicators[i].rows[j].p_value_prev = Some(1.5);
    });
    assert!(msg.contains("Paris (75), 2022") && msg.contains("outside [0, 1]"), "{msg}");
}

#[test]
fn issue15_apportioned_sas_appointments_are_estimates_without_interval() {
    // The Corse SAS covers 2A and 2B (fixtures/demo/sas.csv, 141 appointments): each
    // département's share is an estimate, published without an interval or rank
    // interval; the région holds the whole SAS, so its value is observed.
    let rows = table("sas-rendez-vous-2025");
    for code in ["2A", "2B"] {
        let r = row(&rows, "departement", code);
        assert_eq!(r["estimation"], "oui", "{code}");
        assert!(r["ic95_bas"].is_null() && r["ic95_haut"].is_null() && r["rang_ic95_min"].is_null(), "{code}");
    }
    let corse = row(&rows, "region", "94");
    assert_eq!(corse["estimation"], "non");
    assert!((num(corse, "numerateur") - 141.0).abs() < 1e-9);
    assert!(corse["ic95_bas"].is_number());
    let ain = row(&rows, "departement", "01");
    assert_eq!(ain["estimation"], "non");
    assert!(ain["ic95_bas"].is_number() && ain["rang_ic95_min"].is_number());
}
