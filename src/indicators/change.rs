//! Changes between two years, computed in plain Rust from each département's series:
//! the matched set of régions and France (départements present in both years), the
//! estimate, 95 % interval and p-value under the indicator's change model, its label,
//! and the 95 % interval of each département's rank by simulation.

use std::collections::BTreeMap;

use rand_distr::{Binomial, Distribution, Normal, Poisson};
use rand10::SeedableRng;

use crate::geo::Geography;
use crate::model::{Change, Dispersion, LevelName, Row, Value};
use crate::stats::{self, ALPHA, Difference, WeightedProportion};

use super::spec::{ChangeModel, IndicatorSpec, Kind, Test};

/// Each département's numerator and denominator by year (denominator 1 for a count),
/// for the years where both are known.
#[derive(Debug, Default)]
pub struct Series {
    pub cells: BTreeMap<(String, i32), (f64, f64)>,
}

impl Series {
    fn get(&self, dept: &str, year: i32) -> Option<(f64, f64)> {
        self.cells.get(&(dept.to_string(), year)).copied()
    }
}

/// The dispersion factor φ of a trend indicator: Pearson's statistic of every
/// département's log-linear trend over all the years `from..=to`, summed, over the
/// summed residual degrees of freedom (the quasi-Poisson estimate of a GLM with one
/// intercept and one slope per département). 1 when no département has three years.
pub fn dispersion(series: &Series, geo: &Geography, from: i32, to: i32) -> Dispersion {
    let (mut pearson, mut df, mut n) = (0.0, 0usize, 0usize);
    for d in &geo.departements {
        let pts: Vec<_> =
            (from..=to).filter_map(|y| series.get(&d.code, y).map(|(k, e)| (f64::from(y), k, e))).collect();
        if let Some(fit) = stats::trend_fit(&pts).filter(|f| f.df > 0) {
            pearson += fit.pearson;
            df += fit.df;
            n += 1;
        }
    }
    let phi = if df > 0 { pearson / df as f64 } else { 1.0 };
    Dispersion { phi, pearson, df, departements: n, from, to }
}

/// The départements whose sums make a row: itself, its région's or all.
fn members<'g>(geo: &'g Geography, row: &Row) -> Vec<&'g str> {
    geo.departements
        .iter()
        .filter(|d| match row.level {
            LevelName::Departement => d.code == row.code,
            LevelName::Region => d.region == row.code,
            LevelName::France => true,
        })
        .map(|d| d.code.as_str())
        .collect()
}

/// Sums over `depts` for each year of `a..=b` where all of them are known.
fn matched_points(series: &Series, depts: &[&str], a: i32, b: i32) -> Vec<(f64, f64, f64)> {
    (a..=b)
        .filter_map(|y| {
            let mut s = (0.0, 0.0);
            for d in depts {
                let (k, e) = series.get(d, y)?;
                s.0 += k;
                s.1 += e;
            }
            Some((f64::from(y), s.0, s.1))
        })
        .collect()
}

/// Fills, for every row and for the comparison and baseline years, the change of an
/// aggregate over its matched set, and the estimate, interval, p-value and label under
/// the indicator's change model.
pub fn apply(spec: &IndicatorSpec, rows: &mut [Row], series: &Series, geo: &Geography, years: [i32; 3], phi: f64) {
    let [yc, yp, yb] = years;
    for row in rows.iter_mut() {
        for (a, is_prev) in [(yp, true), (yb, false)] {
            if a >= yc {
                continue;
            }
            let depts = members(geo, row);
            let matched: Vec<&str> =
                depts.iter().copied().filter(|d| series.get(d, a).is_some() && series.get(d, yc).is_some()).collect();
            let aggregate = row.level != LevelName::Departement;
            let stat = match spec.kind {
                Kind::Count | Kind::Rate => {
                    let pts = matched_points(series, &matched, a, yc);
                    let ends =
                        (pts.first().filter(|p| p.0 == f64::from(a)), pts.last().filter(|p| p.0 == f64::from(yc)));
                    if aggregate && matched.is_empty() {
                        // No département in both years: no change to report.
                        if is_prev {
                            (row.delta_prev_abs, row.delta_prev_pct) = (None, None);
                        } else {
                            (row.delta_base_abs, row.delta_base_pct) = (None, None);
                        }
                    }
                    if let (true, false, (Some(pa), Some(pb))) = (aggregate, matched.is_empty(), ends) {
                        // The aggregate's change is measured on the matched set; the year's
                        // own value stays the sum over every département that has one.
                        let v = |p: &(f64, f64, f64)| match spec.kind {
                            Kind::Count => p.1 * spec.scale,
                            _ => p.1 / p.2 * spec.scale,
                        };
                        let (va, vb) = (v(pa), v(pb));
                        let (abs, pct) = (vb - va, (va > 0.0).then(|| (vb / va - 1.0) * 100.0));
                        if is_prev {
                            row.delta_prev_abs = Some(abs);
                            row.delta_prev_pct = pct;
                        } else {
                            row.delta_base_abs = Some(abs);
                            row.delta_base_pct = pct;
                        }
                    }
                    let ends_ok = matches!(ends, (Some(_), Some(_))) && !matched.is_empty();
                    match spec.change.map(|c| c.model) {
                        Some(ChangeModel::Trend) if ends_ok => stats::trend_fit(&pts)
                            .map(|fit| (stats::trend_change(&fit, f64::from(yc - a), phi, ALPHA), true)),
                        Some(ChangeModel::Binomial) if ends_ok => match ends {
                            (Some(pa), Some(pb)) => stats::binomial_difference(pa.1, pa.2, pb.1, pb.2, ALPHA)
                                .map(|d| (scale_diff(d, spec.scale), false)),
                            _ => None,
                        },
                        _ => None,
                    }
                }
                Kind::SurveyProportion => match (spec.change.map(|c| c.model), row.withheld.is_none()) {
                    (Some(ChangeModel::Survey), true) => {
                        let before = if is_prev { row.prev.as_ref() } else { row.base.as_ref() };
                        match (survey(before), survey(row.cur.as_ref())) {
                            (Some(pa), Some(pb)) => {
                                Some((scale_diff(stats::survey_difference(&pa, &pb, ALPHA), spec.scale), false))
                            }
                            _ => None,
                        }
                    }
                    _ => None,
                },
            };
            let threshold = spec.change.map_or(0.0, |c| c.threshold);
            let change = stat.map(|(d, relative)| Change {
                estimate: d.estimate,
                low: d.low,
                high: d.high,
                relative,
                p_value: d.p_value,
                label: stats::classify(d.low, d.high, threshold).to_string(),
            });
            let matched_n = (aggregate && spec.kind != Kind::SurveyProportion).then_some(matched.len() as u32);
            if is_prev {
                row.matched_prev = matched_n;
                row.p_value_prev = change.as_ref().map(|c| c.p_value);
                row.change_prev = change.as_ref().map(|c| c.label.clone());
                row.change_prev_stat = change;
            } else {
                row.matched_base = matched_n;
                row.p_value_base = change.as_ref().map(|c| c.p_value);
                row.change_base = change.as_ref().map(|c| c.label.clone());
                row.change_base_stat = change;
            }
        }
        if row.level != LevelName::Departement && spec.kind != Kind::SurveyProportion {
            let n = members(geo, row).iter().filter(|d| series.get(d, yc).is_some()).count();
            row.departements = Some(n as u32);
        }
    }
}

fn scale_diff(d: Difference, scale: f64) -> Difference {
    Difference { estimate: d.estimate * scale, low: d.low * scale, high: d.high * scale, p_value: d.p_value }
}

fn survey(v: Option<&Value>) -> Option<WeightedProportion> {
    let v = v?;
    Some(WeightedProportion { p: v.num / v.den?, n: v.n?, n_eff: v.n_eff? })
}

/// One draw of a value from its sampling law.
type Draw = Box<dyn Fn(&mut rand10::rngs::StdRng) -> f64>;

/// Number of simulated editions behind each rank interval.
pub const RANK_DRAWS: usize = 1000;

/// The 95 % interval of every département's rank: each value is drawn `RANK_DRAWS` times
/// from its sampling distribution (Poisson counts, binomial counts, or a normal law on
/// Kish's effective sample size for a survey; an estimate without interval stays at its
/// value and gets no interval), the départements are ranked in each
/// draw as the published ranks are (by polarity, ties sharing the best rank), and the
/// interval runs from the 2.5th to the 97.5th percentile of the ranks (the 25th and
/// 975th of 1,000 sorted draws). The generator is seeded from the indicator's id: the
/// same inputs give the same intervals.
pub fn rank_intervals(spec: &IndicatorSpec, rows: &mut [Row], higher_is_better: bool) {
    let ranked: Vec<usize> = (0..rows.len())
        .filter(|&i| rows[i].level == LevelName::Departement && rows[i].rank.is_some() && rows[i].cur.is_some())
        .collect();
    let draws_of = |v: &Value| -> Option<Draw> {
        if v.estimated {
            // Ranked among the others at its value, but given no interval of its own.
            let x = v.value;
            return Some(Box::new(move |_| x));
        }
        let scale = spec.scale;
        match spec.test() {
            Test::Poisson => {
                let den = v.den.unwrap_or(1.0);
                if v.num <= 0.0 {
                    return Some(Box::new(move |_| 0.0));
                }
                let law = Poisson::new(v.num).ok()?;
                Some(Box::new(move |r| law.sample(r) / den * scale))
            }
            Test::Proportion => {
                let n = v.den?.round();
                let law = Binomial::new(n as u64, (v.num / v.den?).clamp(0.0, 1.0)).ok()?;
                Some(Box::new(move |r| law.sample(r) as f64 / n * scale))
            }
            Test::Survey => {
                let p = v.num / v.den?;
                let law = Normal::new(p, (p * (1.0 - p) / v.n_eff?).sqrt()).ok()?;
                Some(Box::new(move |r| law.sample(r).clamp(0.0, 1.0) * scale))
            }
            Test::None => None,
        }
    };
    let laws: Option<Vec<_>> = ranked.iter().map(|&i| rows[i].cur.as_ref().and_then(&draws_of)).collect();
    let Some(laws) = laws else { return };
    if laws.len() < 2 {
        return;
    }
    let mut rng = rand10::rngs::StdRng::seed_from_u64(fnv1a(spec.id.as_bytes()));
    let mut ranks: Vec<Vec<u32>> = vec![Vec::with_capacity(RANK_DRAWS); laws.len()];
    let mut values = vec![0.0; laws.len()];
    for _ in 0..RANK_DRAWS {
        for (x, law) in values.iter_mut().zip(&laws) {
            *x = law(&mut rng);
        }
        for (i, x) in values.iter().enumerate() {
            let better = values.iter().filter(|y| if higher_is_better { *y > x } else { *y < x }).count();
            ranks[i].push(better as u32 + 1);
        }
    }
    for (k, &i) in ranked.iter().enumerate() {
        if rows[i].cur.as_ref().is_some_and(|v| v.estimated) {
            continue;
        }
        let r = &mut ranks[k];
        r.sort_unstable();
        let at = |q: f64| r[((q * RANK_DRAWS as f64).ceil() as usize).saturating_sub(1)];
        rows[i].rank_low = Some(at(0.025));
        rows[i].rank_high = Some(at(0.975));
    }
}

/// FNV-1a, 64 bits: a seed from the indicator's id that does not depend on the Rust
/// version (unlike the standard library's hasher).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}
