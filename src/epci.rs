//! The level below the département: general practitioners by intercommunalité (EPCI)
//! from the open RPPS directory reduced by commune ([`crate::sources::gp_communes`]).
//!
//! Every figure is a ratio of sums: an EPCI's GPs and population are the sums of its
//! communes; a département's and France's are the sums of all their communes, from the
//! same directory and the same populations, so that an EPCI is compared with like.
//! Populations are the legal municipal populations of the COG 2026 (one vintage for
//! every extraction year: a change is then a change in the number of doctors).
//!
//! **Change rule.** Between two extractions, the relative change of an EPCI's count has
//! an exact conditional interval ([`stats::count_ratio_change`]); it is called a rise or
//! a fall only when the whole 95 % interval lies beyond ±[`THRESHOLD_PCT`] %, « stable »
//! when it lies within, « évolution incertaine » otherwise (the département rule,
//! [`stats::classify`]). Most EPCI count few doctors: most changes are uncertain, and
//! are said to be.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::communes::Communes;
use crate::geo::Geography;
use crate::sources::gp_communes::GpCommunes;
use crate::stats;

/// The threshold of the change rule, in % (as for the départements' GP density).
pub const THRESHOLD_PCT: f64 = 2.0;
/// How many similar EPCI each EPCI is compared with.
pub const SIMILAR: usize = 8;
/// Beyond this gap with DREES's count, a département is an alert in `checks.md`.
pub const TOLERANCE_PCT: f64 = 15.0;

/// GPs, population and density of a territory in the directory.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Area {
    pub gps: u64,
    pub gps_prev: Option<u64>,
    pub population: u64,
    /// GPs per 100,000 inhabitants.
    pub density: Option<f64>,
    pub density_prev: Option<f64>,
}

impl Area {
    fn new(gps: u64, gps_prev: Option<u64>, population: u64) -> Area {
        let d = |n: u64| (population > 0).then(|| n as f64 / population as f64 * 1e5);
        Area { gps, gps_prev, population, density: d(gps), density_prev: gps_prev.and_then(d) }
    }
}

/// A change between two extractions, with its interval and label.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EpciChange {
    /// Relative change of the count (= of the density), in %.
    pub pct: f64,
    pub low: f64,
    pub high: f64,
    pub p_value: f64,
    /// « hausse », « baisse », « stable » or « évolution incertaine ».
    pub label: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EpciRow {
    pub siren: String,
    pub name: String,
    /// CC, CA, CU or METRO.
    pub kind: String,
    /// The département holding most of its population.
    pub dept: String,
    pub departements: Vec<String>,
    pub communes: usize,
    pub area: Area,
    pub change: Option<EpciChange>,
    pub zone_rouge: bool,
    /// Rank by density among the EPCI of its département (1 = the densest), and their number.
    pub rank_dept: u32,
    pub n_dept: u32,
    /// Rank by density among every EPCI of France.
    pub rank_france: u32,
    /// The most similar EPCI (same kind, closest population), and their median density.
    pub similar: Vec<String>,
    pub similar_median: Option<f64>,
}

/// A département's directory count against DREES's.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CrossCheck {
    pub dept: String,
    pub directory: u64,
    pub drees: Option<u64>,
    pub gap_pct: Option<f64>,
    pub alert: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct EpciLevel {
    pub year: i32,
    /// The extraction compared with: the edition's comparison year when the data hold it,
    /// else the latest earlier one.
    pub previous: Option<i32>,
    /// Every EPCI of the reference geography, by SIREN.
    pub rows: Vec<EpciRow>,
    pub departements: BTreeMap<String, Area>,
    pub france: Area,
    /// Communes: code → (GPs, GPs at the previous extraction).
    pub communes: BTreeMap<String, (u64, Option<u64>)>,
    pub cross_check: Vec<CrossCheck>,
    /// Source line (with « données synthétiques » in the demo).
    pub source: String,
    pub synthetic: bool,
}

impl EpciLevel {
    pub fn get(&self, siren: &str) -> Option<&EpciRow> {
        self.rows.binary_search_by(|r| r.siren.as_str().cmp(siren)).ok().map(|i| &self.rows[i])
    }

    /// The EPCI of a département (main département), densest first.
    pub fn of_departement(&self, dept: &str) -> Vec<&EpciRow> {
        let mut v: Vec<&EpciRow> = self.rows.iter().filter(|r| r.dept == dept).collect();
        v.sort_by_key(|r| (r.rank_dept, r.siren.clone()));
        v
    }
}

/// Computes the level for the edition `year`, compared with `previous` when the data hold
/// it (else the latest earlier extraction). `None` when the data hold no extraction of
/// `year` or earlier.
pub fn compute(
    counts: &GpCommunes,
    year: i32,
    previous: i32,
    zones_rouges: &BTreeSet<String>,
    drees: &BTreeMap<String, u64>,
    source: String,
    synthetic: bool,
) -> Option<EpciLevel> {
    let cur_year = counts.years.keys().copied().filter(|y| *y <= year).max()?;
    let cur = counts.year(cur_year)?;
    let prev_year = if counts.years.contains_key(&previous) && previous < cur_year {
        Some(previous)
    } else {
        counts.years.keys().copied().filter(|y| *y < cur_year).max()
    };
    let prev = prev_year.and_then(|y| counts.year(y));
    let communes = Communes::get();
    let geo = Geography::get();

    let mut commune_counts = BTreeMap::new();
    // EPCI and département sums.
    let mut epci_sum: BTreeMap<&str, (u64, u64, u64, usize)> = BTreeMap::new();
    let mut epci_dept_pop: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    let mut dept_sum: BTreeMap<&str, (u64, u64, u64)> = BTreeMap::new();
    for c in &communes.communes {
        let n = cur.get(&c.code).copied().unwrap_or(0);
        let p = prev.map(|m| m.get(&c.code).copied().unwrap_or(0));
        commune_counts.insert(c.code.clone(), (n, p));
        let d = dept_sum.entry(c.departement.as_str()).or_default();
        *d = (d.0 + n, d.1 + p.unwrap_or(0), d.2 + c.population);
        if let Some(e) = &c.epci {
            let s = epci_sum.entry(e.as_str()).or_default();
            *s = (s.0 + n, s.1 + p.unwrap_or(0), s.2 + c.population, s.3 + 1);
            *epci_dept_pop.entry((e.as_str(), c.departement.as_str())).or_default() += c.population;
        }
    }
    let has_prev = prev.is_some();
    let opt = |x: u64| has_prev.then_some(x);

    let mut rows: Vec<EpciRow> = geo
        .epci
        .iter()
        .map(|e| {
            let (n, p, pop, nc) = epci_sum.get(e.siren.as_str()).copied().unwrap_or_default();
            let dept = epci_dept_pop
                .range((e.siren.as_str(), "")..)
                .take_while(|((s, _), _)| *s == e.siren)
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.1.cmp(a.0.1)))
                .map(|((_, d), _)| d.to_string())
                .or_else(|| e.departements.first().cloned())
                .unwrap_or_default();
            let change = opt(p).and_then(|p| stats::count_ratio_change(p, n, stats::ALPHA)).map(|d| EpciChange {
                pct: d.estimate,
                low: d.low,
                high: d.high,
                p_value: d.p_value,
                label: stats::classify(d.low, d.high, THRESHOLD_PCT).to_string(),
            });
            EpciRow {
                siren: e.siren.clone(),
                name: e.name.clone(),
                kind: e.kind.clone(),
                dept,
                departements: e.departements.clone(),
                communes: nc,
                area: Area::new(n, opt(p), pop),
                change,
                zone_rouge: zones_rouges.contains(&e.siren),
                rank_dept: 0,
                n_dept: 0,
                rank_france: 0,
                similar: Vec::new(),
                similar_median: None,
            }
        })
        .collect();
    rows.sort_by(|a, b| a.siren.cmp(&b.siren));

    // Ranks by density, the densest first; equal densities share the best rank.
    let rank = |idx: &[usize], rows: &[EpciRow]| -> Vec<(usize, u32)> {
        let mut order: Vec<usize> = idx.to_vec();
        let dens = |i: usize| rows[i].area.density.unwrap_or(f64::NEG_INFINITY);
        order.sort_by(|&a, &b| dens(b).total_cmp(&dens(a)).then(rows[a].siren.cmp(&rows[b].siren)));
        let mut out = Vec::with_capacity(order.len());
        let mut last = (f64::NAN, 0u32);
        for (pos, &i) in order.iter().enumerate() {
            let r = if dens(i) == last.0 { last.1 } else { pos as u32 + 1 };
            last = (dens(i), r);
            out.push((i, r));
        }
        out
    };
    let all: Vec<usize> = (0..rows.len()).collect();
    for (i, r) in rank(&all, &rows) {
        rows[i].rank_france = r;
    }
    let mut by_dept: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        by_dept.entry(r.dept.clone()).or_default().push(i);
    }
    for idx in by_dept.values() {
        for (i, r) in rank(idx, &rows) {
            rows[i].rank_dept = r;
            rows[i].n_dept = idx.len() as u32;
        }
    }
    // Similar EPCI: the same kind, the closest populations (on a log scale).
    // Ordered by distance, then SIREN (a total order: the `SIMILAR` first are selected in
    // linear time, then only they are sorted).
    let logs: Vec<f64> = rows.iter().map(|r| (r.area.population.max(1) as f64).ln()).collect();
    let mut of_kind: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (j, o) in rows.iter().enumerate().filter(|(_, o)| o.area.population > 0) {
        of_kind.entry(o.kind.as_str()).or_default().push(j);
    }
    let closer = |a: &(f64, usize), b: &(f64, usize)| a.0.total_cmp(&b.0).then(rows[a.1].siren.cmp(&rows[b.1].siren));
    let sims: Vec<(Vec<String>, Option<f64>)> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let same = of_kind.get(r.kind.as_str()).map_or(&[][..], Vec::as_slice);
            let mut cand: Vec<(f64, usize)> =
                same.iter().filter(|&&j| j != i).map(|&j| ((logs[j] - logs[i]).abs(), j)).collect();
            if cand.len() > SIMILAR {
                cand.select_nth_unstable_by(SIMILAR - 1, closer);
                cand.truncate(SIMILAR);
            }
            cand.sort_by(closer);
            let mut d: Vec<f64> = cand.iter().filter_map(|&(_, j)| rows[j].area.density).collect();
            d.sort_by(f64::total_cmp);
            let median = match d.len() {
                0 => None,
                n if n % 2 == 1 => Some(d[n / 2]),
                n => Some((d[n / 2 - 1] + d[n / 2]) / 2.0),
            };
            (cand.iter().map(|&(_, j)| rows[j].siren.clone()).collect(), median)
        })
        .collect();
    for (r, (s, m)) in rows.iter_mut().zip(sims) {
        r.similar = s;
        r.similar_median = m;
    }

    let departements: BTreeMap<String, Area> =
        dept_sum.iter().map(|(d, (n, p, pop))| (d.to_string(), Area::new(*n, opt(*p), *pop))).collect();
    let (n, p, pop) = dept_sum.values().fold((0, 0, 0), |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2));
    let cross_check = geo
        .departements
        .iter()
        .map(|d| {
            let directory = departements.get(&d.code).map_or(0, |a| a.gps);
            let drees = drees.get(&d.code).copied();
            let gap_pct = drees.filter(|r| *r > 0).map(|r| (directory as f64 - r as f64) / r as f64 * 100.0);
            CrossCheck {
                dept: d.code.clone(),
                directory,
                drees,
                gap_pct,
                alert: gap_pct.is_some_and(|g| g.abs() > TOLERANCE_PCT),
            }
        })
        .collect();
    Some(EpciLevel {
        year: cur_year,
        previous: prev_year,
        rows,
        departements,
        france: Area::new(n, opt(p), pop),
        communes: commune_counts,
        cross_check,
        source,
        synthetic,
    })
}
