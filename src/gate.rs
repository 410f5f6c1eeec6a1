//! The publication gate: the last check before anything is written. An edition in which
//! a published value, bound or p-value is non-finite, a bound excludes its value, or a
//! p-value lies outside [0, 1] is refused (exit code 5), naming the indicator, the
//! territory and the year of every fault.

pub use crate::error::PublicationError;
use crate::model::{Change, IndicatorResult, ReportModel, Row, Value};

/// Checks every indicator of the model.
pub fn check(model: &ReportModel) -> Result<(), PublicationError> {
    let mut faults = Vec::new();
    for ind in &model.indicators {
        check_indicator(ind, &mut faults);
    }
    if faults.is_empty() { Ok(()) } else { Err(PublicationError(faults)) }
}

fn check_indicator(ind: &IndicatorResult, faults: &mut Vec<String>) {
    let [yc, yp, yb] = ind.years;
    for r in &ind.rows {
        let mut fault = |year: i32, what: String| {
            faults.push(format!("indicator `{}`, {} ({}), {year}: {what}", ind.id, r.name, r.code));
        };
        for (v, y) in [(&r.cur, yc), (&r.prev, yp), (&r.base, yb)] {
            if let Some(v) = v {
                value_faults(v, &mut |w| fault(y, w));
            }
        }
        let finite = |x: Option<f64>, name: &str, y: i32, fault: &mut dyn FnMut(i32, String)| {
            if let Some(x) = x.filter(|x| !x.is_finite()) {
                fault(y, format!("{name} is {x}"));
            }
        };
        for (x, name) in [
            (r.delta_prev_abs, "the change since the comparison year"),
            (r.delta_prev_pct, "the change since the comparison year (%)"),
            (r.vs_france, "the gap to France"),
            (r.vs_region, "the gap to the région"),
            (r.objective_pct, "the share of the objective"),
        ] {
            finite(x, name, yc, &mut fault);
        }
        for (x, name) in [
            (r.delta_base_abs, "the change since the baseline"),
            (r.delta_base_pct, "the change since the baseline (%)"),
        ] {
            finite(x, name, yc, &mut fault);
        }
        for (c, p, y) in [(&r.change_prev_stat, r.p_value_prev, yp), (&r.change_base_stat, r.p_value_base, yb)] {
            if let Some(c) = c {
                change_faults(c, &mut |w| fault(y, w));
            }
            if let Some(p) = p.filter(|p| !(0.0..=1.0).contains(p)) {
                fault(y, format!("the p-value of the change is {p}, outside [0, 1]"));
            }
        }
        rank_faults(r, &mut |w| fault(yc, w));
    }
}

fn value_faults(v: &Value, fault: &mut dyn FnMut(String)) {
    if !v.value.is_finite() {
        fault(format!("the value is {}", v.value));
        return;
    }
    for (b, name) in [(v.ci_low, "lower"), (v.ci_high, "upper")] {
        if let Some(b) = b.filter(|b| !b.is_finite()) {
            fault(format!("the {name} bound of the interval is {b}"));
        }
    }
    if let (Some(lo), Some(hi)) = (v.ci_low, v.ci_high) {
        // A relative tolerance for the last bits of a ratio computed two ways.
        let tol = 1e-9 * v.value.abs().max(1e-300);
        if lo.is_finite() && hi.is_finite() && !(lo <= v.value + tol && v.value <= hi + tol) {
            fault(format!("the interval [{lo}, {hi}] excludes the value {}", v.value));
        }
    }
    if v.ci_low.is_some() != v.ci_high.is_some() {
        fault("the interval has only one bound".to_string());
    }
}

fn change_faults(c: &Change, fault: &mut dyn FnMut(String)) {
    for (x, name) in [(c.estimate, "estimate"), (c.low, "lower bound"), (c.high, "upper bound")] {
        if !x.is_finite() {
            fault(format!("the {name} of the change is {x}"));
        }
    }
    if c.low.is_finite() && c.high.is_finite() && !(c.low <= c.estimate && c.estimate <= c.high) {
        fault(format!("the interval [{}, {}] of the change excludes its estimate {}", c.low, c.high, c.estimate));
    }
    if !(0.0..=1.0).contains(&c.p_value) {
        fault(format!("the p-value of the change is {}, outside [0, 1]", c.p_value));
    }
}

fn rank_faults(r: &Row, fault: &mut dyn FnMut(String)) {
    if let (Some(rank), Some(lo), Some(hi)) = (r.rank, r.rank_low, r.rank_high)
        && lo > hi
    {
        fault(format!("the rank interval {lo}–{hi} is reversed (rank {rank})"));
    }
}
