//! Statistics of the barometer: Poisson intervals for counts and rates, weighted survey
//! proportions with Kish's effective sample size and Wilson intervals, and tests of the
//! change between two editions. Pure functions on numbers; checked against scipy and
//! statsmodels reference values (tests/reference/).

use statrs::distribution::{Binomial, ChiSquared, ContinuousCDF, Discrete, DiscreteCDF, Normal};

/// Two-sided 95 % level.
pub const ALPHA: f64 = 0.05;

/// Standard normal quantile for a two-sided level: 1.959964 for 0.05.
pub fn z(alpha: f64) -> f64 {
    Normal::standard().inverse_cdf(1.0 - alpha / 2.0)
}

/// Exact (Garwood) confidence interval of a Poisson count `k`:
/// [χ²(α/2; 2k)/2, χ²(1−α/2; 2k+2)/2].
pub fn poisson_exact_ci(k: f64, alpha: f64) -> (f64, f64) {
    let lower = if k <= 0.0 {
        0.0
    } else {
        ChiSquared::new(2.0 * k).map(|d| d.inverse_cdf(alpha / 2.0) / 2.0).unwrap_or(f64::NAN)
    };
    let upper = ChiSquared::new(2.0 * k + 2.0).map(|d| d.inverse_cdf(1.0 - alpha / 2.0) / 2.0).unwrap_or(f64::NAN);
    (lower, upper)
}

/// Byar's approximation of the Poisson interval (used by public-health agencies).
pub fn poisson_byar_ci(k: f64, alpha: f64) -> (f64, f64) {
    let z = z(alpha);
    let lower = if k <= 0.0 { 0.0 } else { k * (1.0 - 1.0 / (9.0 * k) - z / (3.0 * k.sqrt())).powi(3) };
    let k1 = k + 1.0;
    let upper = k1 * (1.0 - 1.0 / (9.0 * k1) + z / (3.0 * k1.sqrt())).powi(3);
    (lower, upper)
}

/// Two-sided p-value of the exact conditional test comparing two Poisson rates
/// `k1 / n1` and `k2 / n2`: given `k1 + k2`, `k2` is binomial with probability
/// `n2 / (n1 + n2)` under equal rates. The p-value sums the probabilities of outcomes no
/// more likely than the observed one (as scipy.stats.binomtest).
pub fn poisson_rates_test(k1: u64, n1: f64, k2: u64, n2: f64) -> f64 {
    let n = k1 + k2;
    if n == 0 || n1 <= 0.0 || n2 <= 0.0 {
        return 1.0;
    }
    binom_test_two_sided(k2, n, n2 / (n1 + n2))
}

/// Two-sided exact binomial test p-value, as scipy.stats.binomtest: the probability of
/// the outcomes no more likely than `k` (with scipy's relative tolerance of 1e-7).
pub fn binom_test_two_sided(k: u64, n: u64, p: f64) -> f64 {
    let Ok(b) = Binomial::new(p, n) else { return f64::NAN };
    let d = b.pmf(k) * (1.0 + 1e-7);
    let mean = n as f64 * p;
    let kf = k as f64;
    let pval = if (kf - mean).abs() < 1e-12 {
        1.0
    } else if kf < mean {
        // Upper tail: on [ceil(mean), n] the pmf decreases; the last x whose pmf is still
        // >= d bounds the outcomes at least as extreme (binary search, as scipy).
        let lo = mean.ceil() as u64;
        let ix = last_where(lo, n, |x| b.pmf(x) >= d);
        b.cdf(k) + ix.map_or_else(|| if lo == 0 { 1.0 } else { b.sf(lo - 1) }, |ix| b.sf(ix))
    } else {
        // Lower tail: on [0, floor(mean)] the pmf increases; the last x whose pmf is <= d.
        let ix = last_where(0, mean.floor() as u64, |x| b.pmf(x) <= d);
        ix.map_or(0.0, |ix| b.cdf(ix)) + if k == 0 { 1.0 } else { b.sf(k - 1) }
    };
    pval.min(1.0)
}

/// The last x in [lo, hi] for which `pred` holds, for a predicate that holds on a prefix
/// of the range (true…true false…false); `None` if it holds nowhere.
fn last_where(lo: u64, hi: u64, pred: impl Fn(u64) -> bool) -> Option<u64> {
    if lo > hi || !pred(lo) {
        return None;
    }
    let (mut good, mut bad) = (lo, hi + 1);
    while bad - good > 1 {
        let mid = good + (bad - good) / 2;
        if pred(mid) { good = mid } else { bad = mid }
    }
    Some(good)
}

/// A weighted proportion from survey microdata.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WeightedProportion {
    /// Σw·y / Σw.
    pub p: f64,
    /// Unweighted respondents.
    pub n: u64,
    /// Kish effective sample size (Σw)² / Σw².
    pub n_eff: f64,
}

impl WeightedProportion {
    /// From the sums Σw, Σw·y, Σw² and the respondent count.
    pub fn from_sums(sum_w: f64, sum_wy: f64, sum_w2: f64, n: u64) -> Option<WeightedProportion> {
        (sum_w > 0.0 && sum_w2 > 0.0).then(|| WeightedProportion {
            p: sum_wy / sum_w,
            n,
            n_eff: sum_w * sum_w / sum_w2,
        })
    }

    /// Wilson score interval computed on the effective sample size.
    pub fn wilson(&self, alpha: f64) -> (f64, f64) {
        wilson(self.p, self.n_eff, alpha)
    }
}

/// Wilson score interval for a proportion `p` observed on `n` (possibly effective).
pub fn wilson(p: f64, n: f64, alpha: f64) -> (f64, f64) {
    if n <= 0.0 {
        return (f64::NAN, f64::NAN);
    }
    let z = z(alpha);
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    let center = (p + z2 / (2.0 * n)) / denom;
    let half = z / denom * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    ((center - half).max(0.0), (center + half).min(1.0))
}

/// Two-sided p-value of the difference between two independent weighted proportions
/// (unpooled z-test on effective sample sizes).
pub fn proportions_test(a: &WeightedProportion, b: &WeightedProportion) -> f64 {
    let var = a.p * (1.0 - a.p) / a.n_eff + b.p * (1.0 - b.p) / b.n_eff;
    if var <= 0.0 {
        return if (a.p - b.p).abs() < 1e-12 { 1.0 } else { 0.0 };
    }
    let zstat = (b.p - a.p) / var.sqrt();
    2.0 * (1.0 - Normal::standard().cdf(zstat.abs()))
}

/// The label of a change, decided only by the test: "hausse significative",
/// "baisse significative" or "stable".
pub fn change_label(delta: f64, p_value: f64, alpha: f64) -> &'static str {
    if p_value < alpha && delta > 0.0 {
        "hausse significative"
    } else if p_value < alpha && delta < 0.0 {
        "baisse significative"
    } else {
        "stable"
    }
}
