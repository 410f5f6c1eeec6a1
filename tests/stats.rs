//! Statistics against scipy/statsmodels reference values (tests/reference/stats.json,
//! produced by tests/reference/stats_reference.py), to 1e-6 (issue 4).

use barometre::stats::{self, WeightedProportion};
use serde_json::Value;

use crate::common::repo;

fn reference() -> Value {
    let text = std::fs::read_to_string(repo().join("tests/reference/stats.json")).expect("stats.json");
    serde_json::from_str(&text).expect("json")
}

fn f(v: &Value) -> f64 {
    v.as_f64().expect("number")
}

fn close(a: f64, b: f64, what: &str) {
    let tol = 1e-6 * b.abs().max(1.0);
    assert!((a - b).abs() <= tol, "{what}: {a} vs reference {b}");
}

#[test]
fn issue4_poisson_intervals_match_scipy() {
    let r = reference();
    close(stats::z(0.05), f(&r["z"]), "z");
    for c in r["poisson_exact"].as_array().expect("cases") {
        let (lo, hi) = stats::poisson_exact_ci(f(&c["k"]), 0.05);
        close(lo, f(&c["lower"]), &format!("exact lower k={}", c["k"]));
        close(hi, f(&c["upper"]), &format!("exact upper k={}", c["k"]));
    }
    for c in r["poisson_byar"].as_array().expect("cases") {
        let (lo, hi) = stats::poisson_byar_ci(f(&c["k"]), 0.05);
        close(lo, f(&c["lower"]), "byar lower");
        close(hi, f(&c["upper"]), "byar upper");
    }
}

#[test]
fn issue4_exact_tests_match_scipy_binomtest() {
    let r = reference();
    for c in r["binomtest"].as_array().expect("cases") {
        let (k, n, p) = (c["k"].as_u64().expect("k"), c["n"].as_u64().expect("n"), f(&c["p"]));
        close(stats::binom_test_two_sided(k, n, p), f(&c["pvalue"]), &format!("binomtest({k}, {n}, {p})"));
    }
    for c in r["poisson_rates"].as_array().expect("cases") {
        let got = stats::poisson_rates_test(
            c["k1"].as_u64().expect("k1"),
            f(&c["n1"]),
            c["k2"].as_u64().expect("k2"),
            f(&c["n2"]),
        );
        close(got, f(&c["pvalue"]), &format!("rates {c}"));
    }
}

#[test]
fn issue4_wilson_and_weighted_survey_match_statsmodels() {
    let r = reference();
    for c in r["wilson"].as_array().expect("cases") {
        let (lo, hi) = stats::wilson(f(&c["p"]), f(&c["n"]), 0.05);
        close(lo, f(&c["lower"]), "wilson lower");
        close(hi, f(&c["upper"]), "wilson upper");
    }
    for case in r["survey"].as_array().expect("cases") {
        let mut props = Vec::new();
        for side in ["a", "b"] {
            let s = &case[side];
            let w: Vec<f64> = s["weights"].as_array().expect("w").iter().map(f).collect();
            let y: Vec<f64> = s["y"].as_array().expect("y").iter().map(f).collect();
            let sum_w: f64 = w.iter().sum();
            let sum_wy: f64 = w.iter().zip(&y).map(|(w, y)| w * y).sum();
            let sum_w2: f64 = w.iter().map(|w| w * w).sum();
            let wp = WeightedProportion::from_sums(sum_w, sum_wy, sum_w2, w.len() as u64).expect("proportion");
            close(wp.p, f(&s["p"]), "weighted p");
            close(wp.n_eff, f(&s["n_eff"]), "Kish n_eff");
            let (lo, hi) = wp.wilson(0.05);
            close(lo, f(&s["lower"]), "survey lower");
            close(hi, f(&s["upper"]), "survey upper");
            props.push(wp);
        }
        close(stats::proportions_test(&props[0], &props[1]), f(&case["pvalue"]), "change test");
    }
}

#[test]
fn issue4_change_labels_come_from_the_test_only() {
    assert_eq!(stats::change_label(3.0, 0.01, 0.05), "hausse significative");
    assert_eq!(stats::change_label(-3.0, 0.01, 0.05), "baisse significative");
    assert_eq!(stats::change_label(8.0, 0.2, 0.05), "stable");
}
