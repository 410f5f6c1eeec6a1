//! Statistics against scipy/statsmodels reference values (tests/reference/stats.json,
//! produced by tests/reference/stats_reference.py), to 1e-9 relative; the Poisson grid is
//! in quantiles.rs.

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

fn close_to(a: f64, b: f64, rel: f64, what: &str) {
    let tol = rel * b.abs().max(1e-12);
    assert!((a - b).abs() <= tol, "{what}: {a} vs reference {b} (relative error {:e})", (a - b).abs() / b.abs());
}

fn close(a: f64, b: f64, what: &str) {
    close_to(a, b, 1e-9, what)
}

#[test]
fn issue15_wilson_and_weighted_survey_match_statsmodels() {
    let r = reference();
    close(stats::z(0.05), f(&r["z"]), "z");
    for c in r["wilson"].as_array().expect("cases") {
        let (lo, hi) = stats::wilson(f(&c["p"]), f(&c["n"]), 0.05);
        close_to(lo, f(&c["lower"]), 1e-9, &format!("wilson lower {c}"));
        close_to(hi, f(&c["upper"]), 1e-9, &format!("wilson upper {c}"));
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
        let d = stats::survey_difference(&props[0], &props[1], 0.05);
        close(d.p_value, f(&case["pvalue"]), "change test (by hand)");
        close(d.p_value, f(&case["diff_pvalue"]), "change test (statsmodels)");
        close(d.low, f(&case["diff_lower"]), "Wald lower");
        close(d.high, f(&case["diff_upper"]), "Wald upper");
    }
}

#[test]
fn issue15_binomial_differences_match_statsmodels_newcombe_and_pooled_z() {
    let r = reference();
    for c in r["binomial_difference"].as_array().expect("cases") {
        let d =
            stats::binomial_difference(f(&c["k1"]), f(&c["n1"]), f(&c["k2"]), f(&c["n2"]), 0.05).expect("difference");
        close_to(d.low, f(&c["lower"]), 1e-8, &format!("Newcombe lower {c}"));
        close_to(d.high, f(&c["upper"]), 1e-8, &format!("Newcombe upper {c}"));
        // The pooled z-test's p-value is 1e-300-ish for millions: compare what is representable.
        if f(&c["pvalue"]) > 1e-250 {
            close_to(d.p_value, f(&c["pvalue"]), 1e-7, &format!("pooled z p-value {c}"));
        } else {
            assert!(d.p_value < 1e-250, "{c}: {}", d.p_value);
        }
        assert!(d.low <= d.estimate && d.estimate <= d.high);
    }
}

#[test]
fn issue15_trends_match_statsmodels_poisson_glm() {
    let r = reference();
    for c in r["trend"].as_array().expect("cases") {
        let pts: Vec<(f64, f64, f64)> =
            c["points"].as_array().expect("points").iter().map(|p| (f(&p[0]), f(&p[1]), f(&p[2]))).collect();
        let fit = stats::trend_fit(&pts).expect("fit");
        close_to(fit.beta, f(&c["beta"]), 1e-8, &format!("beta {c}"));
        close_to(fit.var_beta, f(&c["var_beta"]), 1e-7, &format!("var beta {c}"));
        assert_eq!(fit.df as u64, c["df"].as_u64().expect("df"));
        if fit.df > 0 {
            close_to(fit.pearson, f(&c["pearson"]), 1e-6, &format!("Pearson {c}"));
        }
    }
}

#[test]
fn issue15_each_label_comes_from_the_interval_and_the_threshold() {
    // Threshold 2: entirely above, entirely below, entirely inside, straddling.
    assert_eq!(stats::classify(2.5, 9.0, 2.0), "hausse");
    assert_eq!(stats::classify(-9.0, -2.1, 2.0), "baisse");
    assert_eq!(stats::classify(-1.9, 1.5, 2.0), "stable");
    assert_eq!(stats::classify(-0.5, 3.0, 2.0), "évolution incertaine");
    assert_eq!(stats::classify(-30.0, 25.0, 2.0), "évolution incertaine");
    // The boundaries: touching the threshold is not beyond it.
    assert_eq!(stats::classify(2.0, 4.0, 2.0), "évolution incertaine");
    assert_eq!(stats::classify(-2.0, 2.0, 2.0), "stable");
}

#[test]
fn issue15_trend_change_by_hand() {
    // Two years: the trend goes through both points, so the change is the observed
    // relative change and Var(β)·years² = 1/k1 + 1/k2 (delta method on log k2/k1).
    let fit = stats::trend_fit(&[(2023.0, 400.0, 1.0), (2025.0, 484.0, 1.0)]).expect("fit");
    let d = stats::trend_change(&fit, 2.0, 1.0, 0.05);
    close(d.estimate, 21.0, "estimate (484/400 - 1)");
    let se = (1.0 / 400.0 + 1.0 / 484.0_f64).sqrt();
    let z = 1.959_963_984_540_054;
    close_to(d.low, ((484.0_f64 / 400.0).ln() - z * se).exp_m1() * 100.0, 1e-9, "low");
    close_to(d.high, ((484.0_f64 / 400.0).ln() + z * se).exp_m1() * 100.0, 1e-9, "high");
    // A dispersion factor of 1/4 halves the half-width on the log scale.
    let d4 = stats::trend_change(&fit, 2.0, 0.25, 0.05);
    close_to(d4.low, ((484.0_f64 / 400.0).ln() - z * se / 2.0).exp_m1() * 100.0, 1e-9, "low, φ = 1/4");
}
