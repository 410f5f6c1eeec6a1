//! `barometre::quantile` (gamma, Poisson and normal quantiles) against the reference values of
//! tests/reference/quantiles.json, produced by tests/reference/quantiles_reference.py (scipy,
//! checked and where needed corrected with 30-digit mpmath): every grid point to 1e-9 relative.

use barometre::quantile::{
    gamma_isf, gamma_p, gamma_ppf, gamma_q, ln_gamma, norm_cdf, norm_ppf, norm_sf, poisson_garwood,
};
use serde_json::Value;

/// Relative tolerance against the reference (the observed agreement is about 1e-14).
const TOL: f64 = 1e-9;

fn reference() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/quantiles.json");
    let text = std::fs::read_to_string(path).expect("tests/reference/quantiles.json");
    serde_json::from_str(&text).expect("quantiles.json is JSON")
}

fn rows<'a>(r: &'a Value, table: &str) -> &'a [Value] {
    let rows = r[table].as_array().unwrap_or_else(|| panic!("table {table} in quantiles.json"));
    assert!(!rows.is_empty(), "table {table} is empty");
    rows
}

fn num(row: &Value, i: usize) -> f64 {
    row[i].as_f64().unwrap_or_else(|| panic!("number at column {i} of {row}"))
}

/// Relative error of `got` against `want`; a zero reference needs |got| <= 1e-300, and a
/// non-finite result (or reference) is an infinite error.
fn rel_err(got: f64, want: f64) -> f64 {
    if !got.is_finite() || !want.is_finite() {
        f64::INFINITY
    } else if want == 0.0 {
        if got.abs() <= 1e-300 { 0.0 } else { f64::INFINITY }
    } else {
        ((got - want) / want).abs()
    }
}

/// The worst relative error over a table, with the point where it occurs.
struct Worst {
    name: &'static str,
    err: f64,
    at: String,
    checked: usize,
    failed: usize,
}

impl Worst {
    fn new(name: &'static str) -> Self {
        Worst { name, err: 0.0, at: String::from("nothing checked"), checked: 0, failed: 0 }
    }

    fn check(&mut self, got: f64, want: f64, what: impl FnOnce() -> String) {
        let err = rel_err(got, want);
        self.checked += 1;
        if err > TOL {
            self.failed += 1;
        }
        if err > self.err || self.checked == 1 {
            self.err = err;
            self.at = format!("{} = {got:e}, reference {want:e}", what());
        }
    }

    fn assert(&self) {
        assert!(self.checked > 0, "{}: no point checked", self.name);
        assert!(
            self.failed == 0,
            "{}: {} of {} points off by more than {TOL:e}; worst relative error {:e} at {}",
            self.name,
            self.failed,
            self.checked,
            self.err,
            self.at
        );
        eprintln!("{}: {} points, worst relative error {:e} at {}", self.name, self.checked, self.err, self.at);
    }
}

#[test]
fn issue15_quantiles_poisson_garwood_matches_reference() {
    let r = reference();
    let mut lower = Worst::new("poisson_garwood lower");
    let mut upper = Worst::new("poisson_garwood upper");
    for row in rows(&r, "poisson") {
        let (alpha, k) = (num(row, 0), num(row, 1));
        let (lo, hi) = poisson_garwood(k, alpha);
        lower.check(lo, num(row, 2), || format!("poisson_garwood({k}, {alpha}).0"));
        upper.check(hi, num(row, 3), || format!("poisson_garwood({k}, {alpha}).1"));
    }
    lower.assert();
    upper.assert();
}

#[test]
fn issue15_quantiles_incomplete_gamma_matches_reference() {
    let r = reference();
    let mut p = Worst::new("gamma_p");
    let mut q = Worst::new("gamma_q");
    for row in rows(&r, "gamma_pq") {
        let (a, x) = (num(row, 0), num(row, 1));
        p.check(gamma_p(a, x), num(row, 2), || format!("gamma_p({a}, {x})"));
        q.check(gamma_q(a, x), num(row, 3), || format!("gamma_q({a}, {x})"));
    }
    p.assert();
    q.assert();
}

#[test]
fn issue15_quantiles_gamma_quantiles_match_reference() {
    let r = reference();
    let mut ppf = Worst::new("gamma_ppf");
    let mut isf = Worst::new("gamma_isf");
    for row in rows(&r, "gamma_quantiles") {
        let (p, a) = (num(row, 0), num(row, 1));
        ppf.check(gamma_ppf(p, a), num(row, 2), || format!("gamma_ppf({p}, {a})"));
        isf.check(gamma_isf(p, a), num(row, 3), || format!("gamma_isf({p}, {a})"));
    }
    ppf.assert();
    isf.assert();
}

#[test]
fn issue15_quantiles_ln_gamma_and_normal_match_reference() {
    let r = reference();
    let mut lg = Worst::new("ln_gamma");
    for row in rows(&r, "ln_gamma") {
        let x = num(row, 0);
        lg.check(ln_gamma(x), num(row, 1), || format!("ln_gamma({x})"));
    }
    let mut ppf = Worst::new("norm_ppf");
    for row in rows(&r, "norm_ppf") {
        let p = num(row, 0);
        ppf.check(norm_ppf(p), num(row, 1), || format!("norm_ppf({p})"));
    }
    let mut cdf = Worst::new("norm_cdf");
    let mut sf = Worst::new("norm_sf");
    for row in rows(&r, "norm_cdf") {
        let x = num(row, 0);
        cdf.check(norm_cdf(x), num(row, 1), || format!("norm_cdf({x})"));
        sf.check(norm_sf(x), num(row, 2), || format!("norm_sf({x})"));
    }
    for w in [&lg, &ppf, &cdf, &sf] {
        w.assert();
    }
}

#[test]
fn issue15_quantiles_poisson_garwood_brackets_the_count() {
    let (lo, hi) = poisson_garwood(0.0, 0.05);
    assert_eq!(lo, 0.0);
    // −ln 0.025.
    assert!(rel_err(hi, 3.688_879_454_113_936_3) <= 1e-15, "upper bound for k = 0: {hi}");
    let mut ks: Vec<f64> = (1..=2000).map(f64::from).collect();
    ks.extend([0.5, 2.5, 150.3, 12_345.6, 1e5, 6e6, 1e8, 2e8, 1e10]);
    for alpha in [0.05, 0.002, 1e-6] {
        for &k in &ks {
            let (lo, hi) = poisson_garwood(k, alpha);
            assert!(lo.is_finite() && hi.is_finite(), "poisson_garwood({k}, {alpha}) = ({lo}, {hi})");
            assert!(0.0 < lo && lo < k && k < hi, "poisson_garwood({k}, {alpha}) = ({lo}, {hi}) does not bracket {k}");
        }
    }
}

#[test]
fn issue15_quantiles_invalid_arguments_give_nan() {
    let nan = f64::NAN;
    for p in [0.0, 1.0, -0.5, 1.5, nan] {
        assert!(gamma_ppf(p, 2.0).is_nan() && gamma_isf(p, 2.0).is_nan() && norm_ppf(p).is_nan(), "p = {p}");
    }
    for a in [0.0, -1.0, nan] {
        assert!(gamma_ppf(0.5, a).is_nan() && gamma_isf(0.5, a).is_nan(), "a = {a}");
        assert!(gamma_p(a, 1.0).is_nan() && gamma_q(a, 1.0).is_nan() && ln_gamma(a).is_nan(), "a = {a}");
    }
    assert!(gamma_p(1.0, -1.0).is_nan() && gamma_q(1.0, nan).is_nan());
    assert!(norm_cdf(nan).is_nan() && norm_sf(nan).is_nan());
    let (lo, hi) = poisson_garwood(-1.0, 0.05);
    assert!(lo.is_nan() && hi.is_nan());
    let (lo, hi) = poisson_garwood(3.0, 0.0);
    assert!(lo.is_nan() && hi.is_nan());
}

#[test]
fn issue15_quantiles_results_are_finite_over_a_wide_range() {
    // Shapes from 1e-3 to 1e12 and tail probabilities down to 1e-300: finite results, and
    // quantiles consistent with the incomplete gamma functions: the relative error of x implied
    // by the tail evaluated back, |ln(tail(x) / p)| / (d ln tail / d ln x), within 1e-9.
    let mut shapes = vec![1e-3, 0.01, 0.1, 0.5, 1.0, 2.0];
    shapes.extend((0..=36).map(|i| 10f64.powf(f64::from(i) / 3.0)));
    let probs = [1e-300, 1e-100, 1e-20, 1e-10, 1e-4, 0.025, 0.3, 0.5, 0.7, 0.975, 1.0 - 1e-10];
    let implied_error = |tail: &dyn Fn(f64) -> f64, x: f64, target: f64| {
        let h = 1e-6;
        let slope = (tail(x * (1.0 + h)) / tail(x)).ln() / h;
        ((tail(x) / target).ln() / slope).abs()
    };
    for &a in &shapes {
        for &p in &probs {
            let x = gamma_ppf(p, a);
            let y = gamma_isf(p, a);
            assert!(x.is_finite() && x >= 0.0, "gamma_ppf({p}, {a}) = {x}");
            assert!(y.is_finite() && y >= 0.0, "gamma_isf({p}, {a}) = {y}");
            // Each quantile against the smaller tail, where it is not lost to underflow.
            let (lower, upper) = (|t: f64| gamma_p(a, t), |t: f64| gamma_q(a, t));
            for (what, q, tail, target) in [
                ("gamma_ppf", x, if p <= 0.5 { &lower as &dyn Fn(f64) -> f64 } else { &upper }, p.min(1.0 - p)),
                ("gamma_isf", y, if p <= 0.5 { &upper as &dyn Fn(f64) -> f64 } else { &lower }, p.min(1.0 - p)),
            ] {
                if q > 1e-290 {
                    let err = implied_error(tail, q, target);
                    assert!(err <= 1e-9, "{what}({p}, {a}) = {q}: implied relative error {err:e}");
                }
            }
        }
    }
}
