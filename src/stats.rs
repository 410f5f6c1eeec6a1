//! Statistics of the barometer: intervals of a year's value (exact Poisson, Wilson,
//! weighted survey proportions with Kish's effective sample size), intervals and
//! p-values of changes (quasi-Poisson trends, differences of proportions) and the rule
//! that labels a change. Pure functions on numbers; checked against scipy and
//! statsmodels reference values (tests/reference/).

use crate::quantile::{beta_ppf, norm_ppf, norm_sf, poisson_garwood};

/// Two-sided 95 % level.
pub const ALPHA: f64 = 0.05;

/// Standard normal quantile for a two-sided level: 1.959964 for 0.05.
pub fn z(alpha: f64) -> f64 {
    norm_ppf(1.0 - alpha / 2.0)
}

/// Exact (Garwood) confidence interval of a Poisson count `k`:
/// [Γ⁻¹(α/2; k), Γ⁻¹(1−α/2; k+1)], i.e. [χ²(α/2; 2k)/2, χ²(1−α/2; 2k+2)/2].
pub fn poisson_exact_ci(k: f64, alpha: f64) -> (f64, f64) {
    poisson_garwood(k, alpha)
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
    if n <= 0.0 || !(0.0..=1.0).contains(&p) {
        return (f64::NAN, f64::NAN);
    }
    let z = z(alpha);
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    let center = (p + z2 / (2.0 * n)) / denom;
    let half = z / denom * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    ((center - half).max(0.0), (center + half).min(1.0))
}

/// A difference, its 95 % interval and the p-value of the test of no difference.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Difference {
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
    pub p_value: f64,
}

/// Change between two independent weighted survey proportions, `b − a`: Wald interval
/// and unpooled z-test on Kish effective sample sizes (design-based: the design effect
/// of the weights enters through n_eff).
pub fn survey_difference(a: &WeightedProportion, b: &WeightedProportion, alpha: f64) -> Difference {
    let d = b.p - a.p;
    let se = (a.p * (1.0 - a.p) / a.n_eff + b.p * (1.0 - b.p) / b.n_eff).sqrt();
    let z = z(alpha);
    let p_value = z_test(d, se);
    Difference { estimate: d, low: d - z * se, high: d + z * se, p_value }
}

/// Two-sided p-value of a z-test of `d = 0` with standard error `se` (a zero standard
/// error: 1 when `d` is 0, else 0).
fn z_test(d: f64, se: f64) -> f64 {
    if se > 0.0 {
        2.0 * norm_sf((d / se).abs())
    } else if d == 0.0 {
        1.0
    } else {
        0.0
    }
}

/// Change between two binomial proportions `k2/n2 − k1/n1`: Newcombe's hybrid score
/// interval (his method 10, from the two Wilson intervals) and the p-value of the usual
/// pooled two-proportion z-test (statsmodels' `proportions_ztest`).
pub fn binomial_difference(k1: f64, n1: f64, k2: f64, n2: f64, alpha: f64) -> Option<Difference> {
    if !(n1 > 0.0 && n2 > 0.0 && (0.0..=n1).contains(&k1) && (0.0..=n2).contains(&k2)) {
        return None;
    }
    let (p1, p2) = (k1 / n1, k2 / n2);
    let (l1, u1) = wilson(p1, n1, alpha);
    let (l2, u2) = wilson(p2, n2, alpha);
    let d = p2 - p1;
    let low = d - ((p2 - l2).powi(2) + (u1 - p1).powi(2)).sqrt();
    let high = d + ((u2 - p2).powi(2) + (p1 - l1).powi(2)).sqrt();
    let pooled = (k1 + k2) / (n1 + n2);
    let se = (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
    let p_value = z_test(d, se);
    Some(Difference { estimate: d, low, high, p_value })
}

/// Exact (Clopper–Pearson) interval of a binomial proportion k/n:
/// [B⁻¹(α/2; k, n−k+1), B⁻¹(1−α/2; k+1, n−k)], 0 and 1 at the ends.
pub fn clopper_pearson(k: u64, n: u64, alpha: f64) -> (f64, f64) {
    let (k, n) = (k as f64, n as f64);
    let low = if k <= 0.0 { 0.0 } else { beta_ppf(alpha / 2.0, k, n - k + 1.0) };
    let high = if k >= n { 1.0 } else { beta_ppf(1.0 - alpha / 2.0, k + 1.0, n - k) };
    (low, high)
}

/// The relative change, in %, between two counts of the same territory over the same
/// population (`before` → `after`), with its exact conditional interval: given the
/// total, `after` is binomial with p = R/(1+R), R the ratio of the two Poisson means;
/// the Clopper–Pearson interval of p gives R's, hence (R − 1) × 100. The p-value is the
/// exact conditional test of R = 1 (binomial, p = ½, two-sided: twice the smaller tail).
/// `None` when `before` is 0 (no rate to compare with; the interval would be unbounded).
pub fn count_ratio_change(before: u64, after: u64, alpha: f64) -> Option<Difference> {
    if before == 0 {
        return None;
    }
    let n = before + after;
    let (low, high) = clopper_pearson(after, n, alpha);
    let ratio = |p: f64| p / (1.0 - p);
    // P(X ≤ k) = I_½(n − k, k + 1) and P(X ≥ k) = I_½(k, n − k + 1) for X ~ Bin(n, ½).
    let (k, nf) = (after as f64, n as f64);
    let at_most = if after >= n { 1.0 } else { crate::quantile::beta_inc(nf - k, k + 1.0, 0.5) };
    let at_least = if after == 0 { 1.0 } else { crate::quantile::beta_inc(k, nf - k + 1.0, 0.5) };
    Some(Difference {
        estimate: (after as f64 / before as f64 - 1.0) * 100.0,
        low: (ratio(low) - 1.0) * 100.0,
        high: (ratio(high) - 1.0) * 100.0,
        p_value: (2.0 * at_most.min(at_least)).min(1.0),
    })
}

/// A log-linear Poisson trend `log μ_t = log n_t + α + β·t` fitted by maximum likelihood
/// (as a Poisson GLM with log link and offset log n).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrendFit {
    /// Slope per year (log scale).
    pub beta: f64,
    /// Model-based variance of β (before any dispersion factor).
    pub var_beta: f64,
    /// Pearson's statistic Σ (k − μ)² / μ and its residual degrees of freedom.
    pub pearson: f64,
    pub df: usize,
}

/// Fits the trend to points `(t, k, n)` (year, count, exposure; n = 1 for a count).
/// `None` when it cannot be fitted: fewer than two years, a zero count at either end
/// of a two-year period, no count at all, or no convergence.
pub fn trend_fit(points: &[(f64, f64, f64)]) -> Option<TrendFit> {
    let m = points.len();
    let sk: f64 = points.iter().map(|p| p.1).sum();
    let sn: f64 = points.iter().map(|p| p.2).sum();
    let distinct = points.iter().any(|p| p.0 != points[0].0);
    if m < 2 || !distinct || sk <= 0.0 || sn <= 0.0 || points.iter().any(|p| p.2 <= 0.0 || p.1 < 0.0) {
        return None;
    }
    // Centred years keep the two parameters nearly orthogonal.
    let tm = points.iter().map(|p| p.0).sum::<f64>() / m as f64;
    let (mut a, mut b) = ((sk / sn).ln(), 0.0_f64);
    for _ in 0..200 {
        let (mut g0, mut g1, mut h00, mut h01, mut h11) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for &(t, k, n) in points {
            let x = t - tm;
            let mu = n * (a + b * x).exp();
            g0 += k - mu;
            g1 += (k - mu) * x;
            h00 += mu;
            h01 += mu * x;
            h11 += mu * x * x;
        }
        let det = h00 * h11 - h01 * h01;
        if !(det.is_finite() && det > 0.0) {
            return None;
        }
        let da = (h11 * g0 - h01 * g1) / det;
        let db = (h00 * g1 - h01 * g0) / det;
        // Damped steps: a slope diverging to ±∞ (a zero count) is refused below.
        let scale = (1.0_f64).min(5.0 / da.abs().max(db.abs()).max(1e-300));
        a += da * scale;
        b += db * scale;
        if !(a.is_finite() && b.is_finite()) || b.abs() > 20.0 {
            return None;
        }
        if da.abs().max(db.abs()) < 1e-13 {
            let (mut h00, mut h01, mut h11, mut pearson) = (0.0, 0.0, 0.0, 0.0);
            for &(t, k, n) in points {
                let x = t - tm;
                let mu = n * (a + b * x).exp();
                h00 += mu;
                h01 += mu * x;
                h11 += mu * x * x;
                pearson += (k - mu).powi(2) / mu;
            }
            let det = h00 * h11 - h01 * h01;
            let var_beta = h00 / det;
            return (var_beta.is_finite() && var_beta > 0.0).then_some(TrendFit {
                beta: b,
                var_beta,
                pearson,
                df: m - 2,
            });
        }
    }
    None
}

/// The relative change (in %) over `years` implied by a trend, its 95 % interval with the
/// dispersion factor `phi` (quasi-Poisson: the variance of β is multiplied by φ) and the
/// Wald p-value of β = 0.
pub fn trend_change(fit: &TrendFit, years: f64, phi: f64, alpha: f64) -> Difference {
    let se = (fit.var_beta * phi).sqrt();
    let z = z(alpha);
    let pct = |x: f64| (x * years).exp_m1() * 100.0;
    let p_value = if se > 0.0 { 2.0 * norm_sf((fit.beta / se).abs()) } else { 1.0 };
    Difference { estimate: pct(fit.beta), low: pct(fit.beta - z * se), high: pct(fit.beta + z * se), p_value }
}

/// The label of a change, from its 95 % interval and the indicator's materiality
/// threshold `t`: entirely above +t « hausse », entirely below −t « baisse », entirely
/// within ±t « stable », otherwise « évolution incertaine ».
pub fn classify(low: f64, high: f64, t: f64) -> &'static str {
    if low > t {
        "hausse"
    } else if high < -t {
        "baisse"
    } else if low >= -t && high <= t {
        "stable"
    } else {
        "évolution incertaine"
    }
}
