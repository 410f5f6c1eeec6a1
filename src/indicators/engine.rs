//! Computes an indicator for départements, régions and France with polars: values for
//! the edition, the comparison year and the baseline year, deltas, ranks and quintiles,
//! the position against France and the région, then intervals and tests of change.
//!
//! Aggregates are ratios of sums (never means of département rates); survey estimates
//! are weighted sums. DataFrames stay in this module.

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use polars::prelude::*;

use crate::geo::Geography;
use crate::model::{IndicatorResult, LevelName, Row, Value};
use crate::sources::{
    gp::GpRow, missions::MissionRow, pdsa::PdsaRow, population::PopRow, sans_mt::SansMtRow, sas::SasRow,
    survey::Respondent, zones_rouges::ZonesRouges,
};
use crate::stats::{self, ALPHA, WeightedProportion};

use super::change::{self, Series};
use super::spec::{ChangeModel, Compare, IndicatorSpec, Kind, Level, Polarity, Test};

/// The three years an edition compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Years {
    pub current: i32,
    pub previous: i32,
    pub baseline: i32,
}

/// Source tables in long form (`dept`, `year`, fields…), one per source, and the survey
/// microdata.
pub struct Inputs {
    frames: BTreeMap<&'static str, DataFrame>,
    population: BTreeMap<(String, i32), f64>,
    /// (source, level code, year) of values that are estimates without an interval:
    /// SAS appointments shared among the départements of a multi-département SAS, and
    /// régions holding only part of such a SAS.
    estimated: std::collections::BTreeSet<(&'static str, String, i32)>,
}

fn opt(x: Option<u64>) -> Option<f64> {
    x.map(|v| v as f64)
}

impl Inputs {
    pub fn new(gp: &[GpRow], pop: &[PopRow]) -> Result<Inputs> {
        let mut frames = BTreeMap::new();
        frames.insert(
            "generalistes",
            df!(
                "dept" => gp.iter().map(|r| r.dept.as_str()).collect::<Vec<_>>(),
                "year" => gp.iter().map(|r| r.year).collect::<Vec<_>>(),
                "effectif" => gp.iter().map(|r| opt(r.count)).collect::<Vec<_>>(),
            )?,
        );
        frames.insert(
            "population",
            df!(
                "dept" => pop.iter().map(|r| r.dept.as_str()).collect::<Vec<_>>(),
                "year" => pop.iter().map(|r| r.year).collect::<Vec<_>>(),
                "population" => pop.iter().map(|r| r.population as f64).collect::<Vec<_>>(),
            )?,
        );
        let population = pop.iter().map(|r| ((r.dept.clone(), r.year), r.population as f64)).collect();
        Ok(Inputs { frames, population, estimated: Default::default() })
    }

    pub fn with_pdsa(mut self, rows: &[PdsaRow]) -> Result<Inputs> {
        self.frames.insert(
            "pdsa",
            df!(
                "dept" => rows.iter().map(|r| r.dept.as_str()).collect::<Vec<_>>(),
                "year" => rows.iter().map(|r| r.year).collect::<Vec<_>>(),
                "generalistes_volontaires" => rows.iter().map(|r| opt(r.volunteers)).collect::<Vec<_>>(),
                "generalistes_concernes" => rows.iter().map(|r| opt(r.concerned)).collect::<Vec<_>>(),
                "secteurs" => rows.iter().map(|r| opt(r.sectors)).collect::<Vec<_>>(),
            )?,
        );
        Ok(self)
    }

    /// SAS by département and year: covered or not, the population covered, and the
    /// appointments of each SAS shared among its départements by population.
    pub fn with_sas(mut self, rows: &[SasRow], geo: &Geography) -> Result<Inputs> {
        let years: std::collections::BTreeSet<i32> = rows.iter().map(|r| r.year).collect();
        let (mut dept, mut year, mut covered, mut one, mut popc, mut rdv) =
            (vec![], vec![], vec![], vec![], vec![], vec![]);
        for &y in &years {
            let mut by_dept: BTreeMap<&str, f64> = BTreeMap::new();
            for s in rows.iter().filter(|r| r.year == y) {
                if s.depts.len() > 1 {
                    let regions: std::collections::BTreeSet<&str> =
                        s.depts.iter().filter_map(|d| geo.departement(d)).map(|d| d.region.as_str()).collect();
                    for d in &s.depts {
                        self.estimated.insert(("sas", d.clone(), y));
                    }
                    if regions.len() > 1 {
                        for r in regions {
                            self.estimated.insert(("sas", r.to_string(), y));
                        }
                    }
                }
                let total: f64 = s.depts.iter().map(|d| self.pop(d, y)).sum();
                for d in &s.depts {
                    let share = if total > 0.0 { self.pop(d, y) / total } else { 1.0 / s.depts.len() as f64 };
                    *by_dept.entry(d.as_str()).or_default() += s.appointments as f64 * share;
                }
            }
            for d in &geo.departements {
                let c = by_dept.get(d.code.as_str());
                dept.push(d.code.clone());
                year.push(y);
                covered.push(if c.is_some() { 1.0 } else { 0.0 });
                one.push(1.0);
                popc.push(if c.is_some() { self.pop(&d.code, y) } else { 0.0 });
                rdv.push(c.copied().unwrap_or(0.0));
            }
        }
        self.frames.insert(
            "sas",
            df!("dept" => dept, "year" => year, "departement_couvert" => covered, "departement" => one,
                "population_couverte" => popc, "rdv_plateforme" => rdv)?,
        );
        Ok(self)
    }

    pub fn with_sans_mt(mut self, rows: &[SansMtRow]) -> Result<Inputs> {
        self.frames.insert(
            "sans-medecin-traitant",
            df!(
                "dept" => rows.iter().map(|r| r.dept.as_str()).collect::<Vec<_>>(),
                "year" => rows.iter().map(|r| r.year).collect::<Vec<_>>(),
                "patients_sans_medecin_traitant" => rows.iter().map(|r| r.patients as f64).collect::<Vec<_>>(),
                "dont_ald" => rows.iter().map(|r| r.ald as f64).collect::<Vec<_>>(),
            )?,
        );
        Ok(self)
    }

    /// Zones rouges by département, attached to the edition year (the list has no year).
    pub fn with_zones(mut self, z: &ZonesRouges, geo: &Geography, year: i32) -> Result<Inputs> {
        let mut count: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
        for zone in &z.zones {
            let e = count.entry(zone.dept.as_str()).or_default();
            e.0 += 1.0;
            e.1 += zone.population as f64;
        }
        let codes: Vec<&str> = geo.departements.iter().map(|d| d.code.as_str()).collect();
        self.frames.insert(
            "zones-rouges",
            df!(
                "dept" => codes.clone(),
                "year" => vec![year; codes.len()],
                "epci" => codes.iter().map(|c| count.get(c).map_or(0.0, |x| x.0)).collect::<Vec<_>>(),
                "population_zones" => codes.iter().map(|c| count.get(c).map_or(0.0, |x| x.1)).collect::<Vec<_>>(),
            )?,
        );
        Ok(self)
    }

    /// Solidarity missions summed since the start, attached to the edition year: doctors
    /// enrolled at the last month, days and consultations in all, consultations per month.
    pub fn with_missions(mut self, rows: &[MissionRow], geo: &Geography, year: i32) -> Result<Inputs> {
        let months: std::collections::BTreeSet<(i32, u32)> = rows.iter().map(|r| r.month).collect();
        let last = months.last().copied();
        let n_months = months.len().max(1) as f64;
        let mut agg: BTreeMap<&str, [f64; 4]> = BTreeMap::new();
        for r in rows {
            let e = agg.entry(r.dept.as_str()).or_default();
            if Some(r.month) == last {
                e[0] += r.enrolled as f64;
                e[1] += r.active as f64;
            }
            e[2] += r.days as f64;
            e[3] += r.consultations as f64;
        }
        let codes: Vec<&str> = geo.departements.iter().map(|d| d.code.as_str()).collect();
        let col = |i: usize, div: f64| codes.iter().map(|c| agg.get(c).map_or(0.0, |x| x[i] / div)).collect::<Vec<_>>();
        self.frames.insert(
            "missions-solidarite",
            df!(
                "dept" => codes.clone(),
                "year" => vec![year; codes.len()],
                "medecins_inscrits" => col(0, 1.0),
                "medecins_mobilises" => col(1, 1.0),
                "jours_mission" => col(2, 1.0),
                "consultations" => col(3, 1.0),
                "consultations_par_mois" => col(3, n_months),
            )?,
        );
        Ok(self)
    }

    /// Survey microdata, as the sums the estimators need (Σw, Σw·y, Σw², n) by
    /// département (or région alone when the département is not known), région and year:
    /// every estimate is a ratio of these sums, so the frame holds a few hundred cells
    /// rather than one row per respondent (a million in a full-size survey).
    pub fn with_survey(mut self, rows: &[Respondent]) -> Result<Inputs> {
        type Key<'r> = (Option<&'r str>, &'r str, i32);
        let mut cells: BTreeMap<Key, ([f64; 3], u32)> = BTreeMap::new();
        let mut hashed: rustc_hash::FxHashMap<Key, usize> = rustc_hash::FxHashMap::default();
        let mut sums: Vec<([f64; 3], u32)> = Vec::new();
        for r in rows {
            let key = (r.dept.as_deref(), &*r.region, r.year);
            let i = *hashed.entry(key).or_insert_with(|| {
                sums.push(([0.0; 3], 0));
                sums.len() - 1
            });
            let (s, n) = &mut sums[i];
            s[0] += r.weight;
            s[1] += if r.renounced { r.weight } else { 0.0 };
            s[2] += r.weight * r.weight;
            *n += 1;
        }
        // In key order, so that the frame (and every sum drawn from it) is the same from
        // run to run.
        for (key, i) in hashed {
            cells.insert(key, sums[i]);
        }
        self.frames.insert(
            "renoncement",
            df!(
                "dept" => cells.keys().map(|k| k.0).collect::<Vec<_>>(),
                "region" => cells.keys().map(|k| k.1).collect::<Vec<_>>(),
                "year" => cells.keys().map(|k| k.2).collect::<Vec<_>>(),
                "w" => cells.values().map(|v| v.0[0]).collect::<Vec<_>>(),
                "renoncement" => cells.values().map(|v| v.0[1]).collect::<Vec<_>>(),
                "w2" => cells.values().map(|v| v.0[2]).collect::<Vec<_>>(),
                "n" => cells.values().map(|v| v.1).collect::<Vec<_>>(),
            )?,
        );
        Ok(self)
    }

    fn pop(&self, dept: &str, year: i32) -> f64 {
        self.population.get(&(dept.to_string(), year)).copied().unwrap_or(0.0)
    }

    pub fn has(&self, source: &str) -> bool {
        self.frames.contains_key(source)
    }

    fn field(&self, source: &str, field: &str, alias: &str) -> Result<LazyFrame> {
        let Some(df) = self.frames.get(source) else { bail!("no input table for source `{source}`") };
        Ok(df.clone().lazy().select([col("dept"), col("year"), col(field).cast(DataType::Float64).alias(alias)]))
    }
}

fn geo_frame(geo: &Geography) -> Result<DataFrame> {
    Ok(df!(
        "dept" => geo.departements.iter().map(|d| d.code.as_str()).collect::<Vec<_>>(),
        "region" => geo.departements.iter().map(|d| d.region.as_str()).collect::<Vec<_>>(),
    )?)
}

fn null_f64() -> Expr {
    lit(NULL).cast(DataType::Float64)
}

fn year_filter(years: &[i32]) -> Expr {
    years.iter().fold(lit(false), |acc, &y| acc.or(col("year").eq(lit(y))))
}

/// Long table of sums: level, code, year, num, den, w2, n, n_missing.
fn sums_ratio(spec: &IndicatorSpec, inputs: &Inputs, geo: &Geography, years: &[i32]) -> Result<LazyFrame> {
    let keys = [col("dept"), col("year")];
    let mut lf = inputs.field(&spec.numerator.source, &spec.numerator.field, "num")?;
    lf = match &spec.denominator {
        Some(d) => {
            lf.join(inputs.field(&d.source, &d.field, "den")?, keys.clone(), keys, JoinArgs::new(JoinType::Left))
        }
        None => lf.with_column(null_f64().alias("den")),
    };
    let lf = lf
        .filter(year_filter(years))
        .join(geo_frame(geo)?.lazy(), [col("dept")], [col("dept")], JoinArgs::new(JoinType::Inner))
        // A rate uses a département only when both terms are known.
        .with_column(when(col("num").is_null()).then(null_f64()).otherwise(col("den")).alias("den"));
    let cols = |level: &str, code: Expr| {
        [
            lit(level.to_string()).alias("level"),
            code.alias("code"),
            col("year"),
            col("num"),
            col("den"),
            null_f64().alias("w2"),
            lit(NULL).cast(DataType::UInt32).alias("n"),
            col("n_missing"),
        ]
    };
    let dept = lf
        .clone()
        .with_column(col("num").is_null().cast(DataType::UInt32).alias("n_missing"))
        .select(cols("departement", col("dept")));
    let sums = [col("num").sum(), col("den").sum(), col("num").null_count().cast(DataType::UInt32).alias("n_missing")];
    let region =
        lf.clone().group_by([col("region"), col("year")]).agg(sums.clone()).select(cols("region", col("region")));
    let france = lf.group_by([col("year")]).agg(sums).select(cols("france", lit("FR")));
    let mut all = concat([dept, region, france], UnionArgs::default())?;
    if spec.denominator.is_none() {
        // Sums of an absent denominator are 0 in polars: keep it absent.
        all = all.with_column(null_f64().alias("den"));
    }
    Ok(all)
}

/// Long table of weighted survey sums: num = Σw·y, den = Σw, w2 = Σw², n respondents.
fn sums_survey(spec: &IndicatorSpec, inputs: &Inputs, years: &[i32]) -> Result<LazyFrame> {
    let Some(df) = inputs.frames.get(spec.numerator.source.as_str()) else {
        bail!("no survey microdata (source `{}`)", spec.numerator.source)
    };
    let lf = df.clone().lazy().filter(year_filter(years));
    let sums = [
        col(spec.numerator.field.as_str()).sum().alias("num"),
        col("w").sum().alias("den"),
        col("w2").sum().alias("w2"),
        col("n").sum().cast(DataType::UInt32).alias("n"),
    ];
    let cols = |level: &str, code: Expr| {
        [
            lit(level.to_string()).alias("level"),
            code.alias("code"),
            col("year"),
            col("num"),
            col("den"),
            col("w2"),
            col("n"),
            lit(0u32).cast(DataType::UInt32).alias("n_missing"),
        ]
    };
    let dept = lf
        .clone()
        .filter(col("dept").is_not_null())
        .group_by([col("dept"), col("year")])
        .agg(sums.clone())
        .select(cols("departement", col("dept")));
    let region =
        lf.clone().group_by([col("region"), col("year")]).agg(sums.clone()).select(cols("region", col("region")));
    let france = lf.group_by([col("year")]).agg(sums).select(cols("france", lit("FR")));
    Ok(concat([dept, region, france], UnionArgs::default())?)
}

/// The years compared by an indicator: (current, comparison, baseline).
pub fn indicator_years(spec: &IndicatorSpec, years: Years) -> [i32; 3] {
    let off = spec.data_year_offset;
    let cur = years.current + off;
    let prev = match spec.compare {
        Compare::PreviousEdition => years.previous + off,
        Compare::PreviousYear => cur - 1,
    };
    [cur, prev, years.baseline + off]
}

/// Computes one indicator for every geography level and the three years it compares.
pub fn compute(spec: &IndicatorSpec, inputs: &Inputs, geo: &Geography, years: Years) -> Result<IndicatorResult> {
    let [yc, yp, yb] = indicator_years(spec, years);
    let sums = match spec.kind {
        Kind::Count | Kind::Rate => sums_ratio(spec, inputs, geo, &[yc, yp, yb])?,
        Kind::SurveyProportion => sums_survey(spec, inputs, &[yc, yp, yb])?,
    };
    let raw = match spec.kind {
        Kind::Count => col("num") * lit(spec.scale),
        Kind::Rate | Kind::SurveyProportion => {
            when(col("den").gt(lit(0.0))).then(col("num") / col("den") * lit(spec.scale)).otherwise(null_f64())
        }
    };
    // Suppression of unreliable small numbers.
    let mut withheld = lit(false);
    let sup = &spec.suppression;
    if let Some(min) = sup.min_sample {
        withheld = withheld.or(col("n").lt(lit(min as u32)).fill_null(lit(false)));
    }
    if let Some(min) = sup.min_numerator {
        withheld = withheld.or(col("num").lt(lit(min)).fill_null(lit(false)));
    }
    if spec.kind == Kind::SurveyProportion {
        // Kish's effective sample size and the half-width of the Wilson interval on it.
        let n_eff = col("den") * col("den") / col("w2");
        if let Some(min) = sup.min_effective_sample {
            withheld = withheld.or(n_eff.clone().lt(lit(min)).fill_null(lit(true)));
        }
        if let Some(max) = sup.max_half_width {
            let z = stats::z(ALPHA);
            let p = col("num") / col("den");
            let half = lit(z) / (lit(1.0) + lit(z * z) / n_eff.clone())
                * (p.clone() * (lit(1.0) - p) / n_eff.clone() + lit(z * z / 4.0) / (n_eff.clone() * n_eff)).sqrt()
                * lit(spec.scale);
            withheld = withheld.or(half.gt(lit(max)).fill_null(lit(true)));
        }
    }
    // Rank 1 is the best access: the highest value when higher is better, the lowest
    // when higher is worse. Counts measure size, not access: no rank, no quintile.
    let descending = spec.polarity != Polarity::HigherIsWorse;
    let long = sums
        .with_column(withheld.alias("withheld"))
        .with_column(when(col("withheld")).then(null_f64()).otherwise(raw).alias("value"))
        .with_columns([
            col("value")
                .rank(RankOptions { method: RankMethod::Min, descending }, None)
                .over([col("level"), col("year")])?
                .cast(DataType::UInt32)
                .alias("rank"),
            col("value")
                .rank(RankOptions { method: RankMethod::Min, descending: false }, None)
                .over([col("level"), col("year")])?
                .cast(DataType::Float64)
                .alias("rank_asc"),
            col("value").count().over([col("level"), col("year")])?.cast(DataType::Float64).alias("n_valid"),
        ])
        .with_column(
            ((col("rank_asc") - lit(1.0)) * lit(5.0) / col("n_valid")).floor().cast(DataType::UInt32).alias("q0"),
        )
        .with_column((col("q0") + lit(1u32)).alias("quintile"))
        // Materialised once: the three years and the comparisons below all read it.
        .collect()?;

    let pick = |y: i32, s: &str| {
        long.clone().lazy().filter(col("year").eq(lit(y))).select([
            col("level"),
            col("code"),
            col("num").alias(format!("num_{s}")),
            col("den").alias(format!("den_{s}")),
            col("w2").alias(format!("w2_{s}")),
            col("n").alias(format!("n_{s}")),
            col("n_missing").alias(format!("missing_{s}")),
            col("withheld").alias(format!("withheld_{s}")),
            col("value").alias(format!("value_{s}")),
            col("rank").alias(format!("rank_{s}")),
            col("quintile").alias(format!("quintile_{s}")),
        ])
    };
    let on = [col("level"), col("code")];
    let pct = |a: &str, b: &str| {
        when(col(b).gt(lit(0.0))).then((col(a) / col(b) - lit(1.0)) * lit(100.0)).otherwise(null_f64())
    };
    let mut wide = pick(yc, "cur")
        .join(pick(yp, "prev"), on.clone(), on.clone(), JoinArgs::new(JoinType::Left))
        .join(pick(yb, "base"), on.clone(), on, JoinArgs::new(JoinType::Left))
        .with_columns([
            (col("value_cur") - col("value_prev")).alias("dprev_abs"),
            pct("value_cur", "value_prev").alias("dprev_pct"),
            (col("value_cur") - col("value_base")).alias("dbase_abs"),
            pct("value_cur", "value_base").alias("dbase_pct"),
        ])
        .collect()?
        .lazy();
    // Position against France and the région.
    let france = wide
        .clone()
        .filter(col("level").eq(lit("france")))
        .select([col("value_cur").alias("france_cur"), lit(1i32).alias("k")]);
    let regions = wide
        .clone()
        .filter(col("level").eq(lit("region")))
        .select([col("code").alias("region"), col("value_cur").alias("region_cur")]);
    let dept_region = geo_frame(geo)?.lazy().select([col("dept").alias("code"), col("region")]);
    wide = wide
        .with_column(lit(1i32).alias("k"))
        .join(france, [col("k")], [col("k")], JoinArgs::new(JoinType::Left))
        .join(dept_region, [col("code")], [col("code")], JoinArgs::new(JoinType::Left))
        .with_column(
            when(col("level").eq(lit("departement")))
                .then(col("region"))
                .otherwise(lit(NULL).cast(DataType::String))
                .alias("region"),
        )
        .join(regions, [col("region")], [col("region")], JoinArgs::new(JoinType::Left))
        .with_columns([
            (col("value_cur") - col("france_cur")).alias("vs_france"),
            (col("value_cur") - col("region_cur")).alias("vs_region"),
        ]);
    let wide = wide.collect();
    let wide = anyhow::Context::with_context(wide, || format!("failed to compute indicator `{}`", spec.id))?;
    let mut rows = to_rows(spec, &wide, geo, inputs, [yc, yp, yb])?;
    // An edition without comparison (the same year): no comparison value, no change.
    for r in rows.iter_mut() {
        if yp >= yc {
            (r.prev, r.delta_prev_abs, r.delta_prev_pct) = (None, None, None);
        }
        if yb >= yc {
            (r.base, r.delta_base_abs, r.delta_base_pct) = (None, None, None);
        }
    }
    // Changes: from each département's series over every year of the compared periods.
    let mut dispersion = None;
    if matches!(spec.kind, Kind::Count | Kind::Rate) {
        let first = yp.min(yb).min(yc);
        let all: Vec<i32> = (first..=yc).collect();
        let series = dept_series(spec, inputs, geo, &all)?;
        let phi = match spec.change.map(|c| c.model) {
            Some(ChangeModel::Trend) => {
                let d = change::dispersion(&series, geo, first, yc);
                dispersion = Some(d);
                d.phi
            }
            _ => 1.0,
        };
        change::apply(spec, &mut rows, &series, geo, [yc, yp, yb], phi);
    } else {
        change::apply(spec, &mut rows, &Series::default(), geo, [yc, yp, yb], 1.0);
    }
    if spec.kind != Kind::Count {
        change::rank_intervals(spec, &mut rows, descending_rank(spec));
    }
    Ok(IndicatorResult {
        dispersion,
        change_model: spec.change.map(|c| format!("{:?}", c.model).to_lowercase()),
        change_threshold: spec.change.map(|c| c.threshold),
        presentation: crate::model::Presentation {
            theme: spec.theme.id.clone(),
            theme_title: spec.theme.title.clone(),
            theme_order: spec.theme.order,
            theme_absent: spec.theme.absent.clone(),
            order: spec.order,
            key_figure: spec.key_figure,
            annex: spec.annex,
            fiche: spec.fiche,
            // Without a comparison year, no figure of change.
            figures: spec
                .figures
                .iter()
                .copied()
                .filter(|f| {
                    yp < yc
                        || !matches!(f, crate::model::FigureKind::CarteEvolution | crate::model::FigureKind::Halteres)
                })
                .collect(),
            series: spec.series.clone(),
            headline: spec.headline,
            numerator_label: spec.numerator_label.clone(),
            count_label: spec.count_label.clone(),
            threshold: spec.thresholds.first().and_then(|t| t.below.or(t.above)),
            threshold_label: spec.thresholds.first().map(|t| t.label.clone()),
        },
        id: spec.id.clone(),
        title: spec.title.clone(),
        short_label: spec.short_label.clone(),
        definition: spec.definition.clone(),
        unit: spec.unit.clone(),
        decimals: spec.decimals,
        change_decimals: if spec.kind == Kind::Count { spec.decimals } else { spec.decimals.max(1) },
        is_count: spec.kind == Kind::Count,
        percent: spec.percent,
        higher_is_better: matches!(spec.polarity, super::spec::Polarity::HigherIsBetter),
        test: format!("{:?}", spec.test()).to_lowercase(),
        objective: spec.objective.as_ref().map(|o| o.label.clone()),
        method: method_text(spec),
        suppression: suppression_text(spec),
        map_missing: spec.map.as_ref().and_then(|m| m.missing.clone()),
        map_breaks: spec
            .map
            .as_ref()
            .map(|m| if m.classes == super::spec::MapClasses::Fixed { m.breaks.clone() } else { Vec::new() }),
        source: spec.source.clone(),
        provenance: String::new(),
        provenance_items: Vec::new(),
        notes: spec.notes.clone(),
        years: [yc, yp, yb],
        rows,
    })
}

/// The suppression rules of an indicator, in French.
fn suppression_text(spec: &IndicatorSpec) -> Option<String> {
    let s = &spec.suppression;
    let mut rules = Vec::new();
    if let Some(n) = s.min_sample {
        rules.push(format!("moins de {n} répondants"));
    }
    if let Some(n) = s.min_effective_sample {
        rules.push(format!("une taille d'échantillon effective de Kish inférieure à {}", crate::fmt::number(n, 0)));
    }
    if let Some(h) = s.max_half_width {
        rules.push(format!(
            "un intervalle de confiance de demi-largeur supérieure à {} points",
            crate::fmt::number(h, 1)
        ));
    }
    if let Some(k) = s.min_numerator {
        rules.push(format!("un numérateur inférieur à {}", crate::fmt::number(k, 0)));
    }
    (!rules.is_empty()).then(|| format!("estimation non publiée en cas de {}", rules.join(", de ")))
}

fn descending_rank(spec: &IndicatorSpec) -> bool {
    spec.polarity != Polarity::HigherIsWorse
}

/// Each département's numerator and denominator for `years` (denominator 1 for counts).
fn dept_series(spec: &IndicatorSpec, inputs: &Inputs, geo: &Geography, years: &[i32]) -> Result<Series> {
    let df = sums_ratio(spec, inputs, geo, years)?.filter(col("level").eq(lit("departement"))).collect()?;
    let code = strs(&df, "code")?;
    let year: Vec<Option<i32>> = df.column("year")?.i32()?.iter().collect();
    let num: Vec<Option<f64>> = df.column("num")?.f64()?.iter().collect();
    let den: Vec<Option<f64>> = df.column("den")?.f64()?.iter().collect();
    let mut series = Series::default();
    for i in 0..df.height() {
        let (Some(y), Some(k)) = (year[i], num[i]) else { continue };
        let e = match spec.kind {
            Kind::Count => 1.0,
            _ => match den[i] {
                Some(d) if d > 0.0 => d,
                _ => continue,
            },
        };
        series.cells.insert((code[i].clone(), y), (k, e));
    }
    Ok(series)
}

/// The statistical method of an indicator, in French, for the methodology: the interval
/// of a year's value, then how a change is estimated and labelled.
pub fn method_text(spec: &IndicatorSpec) -> String {
    let level = match spec.test() {
        Test::Poisson => "Intervalle de confiance à 95 % exact (Garwood) de la loi de Poisson sur le numérateur.",
        Test::Proportion => "Intervalle de confiance à 95 % de Wilson (proportion binomiale).",
        Test::Survey => {
            "Estimation pondérée ; intervalle de confiance à 95 % de Wilson calculé sur la taille d'échantillon effective de Kish (effet de plan des poids)."
        }
        Test::None => "Donnée administrative exhaustive : pas d'intervalle de confiance.",
    };
    let unit = if spec.percent { "points" } else { "points de l'unité" };
    let change = match spec.change {
        None => "Les évolutions ne sont pas qualifiées.".to_string(),
        Some(c) => {
            let t = crate::fmt::number(c.threshold, if c.threshold.fract() == 0.0 { 0 } else { 1 });
            let (how, thr) = match c.model {
                ChangeModel::Trend => (
                    "Évolution estimée par une tendance log-linéaire sur toutes les années disponibles de la période (modèle de Poisson, surdispersion « quasi-Poisson » estimée sur l'ensemble des départements) ; intervalle à 95 % de l'évolution relative.",
                    format!("±{t}\u{202f}%"),
                ),
                ChangeModel::Binomial => (
                    "Évolution : différence de deux proportions, intervalle à 95 % de Newcombe (score hybride) ; p-valeur du test z de comparaison de deux proportions à variance poolée.",
                    format!("±{t} {unit}"),
                ),
                ChangeModel::Survey => (
                    "Évolution : différence de deux proportions pondérées d'échantillons indépendants, intervalle de Wald et test z à variances séparées sur les tailles d'échantillon effectives.",
                    format!("±{t} {unit}"),
                ),
            };
            format!(
                "{how} Seuil de pertinence {thr} : « hausse » si l'intervalle est entièrement au-dessus, « baisse » s'il est entièrement en dessous, « stable » s'il est entièrement à l'intérieur, « évolution incertaine » sinon."
            )
        }
    };
    format!("{level} {change}")
}

struct Cols {
    f: BTreeMap<String, Vec<Option<f64>>>,
    u: BTreeMap<String, Vec<Option<u32>>>,
    b: BTreeMap<String, Vec<Option<bool>>>,
}

impl Cols {
    fn read(df: &DataFrame) -> Result<Cols> {
        let mut c = Cols { f: BTreeMap::new(), u: BTreeMap::new(), b: BTreeMap::new() };
        for s in ["cur", "prev", "base"] {
            for f in ["num", "den", "w2", "value"] {
                let name = format!("{f}_{s}");
                c.f.insert(name.clone(), df.column(&name)?.f64()?.iter().collect());
            }
            for f in ["n", "missing", "rank", "quintile"] {
                let name = format!("{f}_{s}");
                c.u.insert(name.clone(), df.column(&name)?.u32()?.iter().collect());
            }
            let name = format!("withheld_{s}");
            c.b.insert(name.clone(), df.column(&name)?.bool()?.iter().collect());
        }
        for d in ["dprev_abs", "dprev_pct", "dbase_abs", "dbase_pct", "vs_france", "vs_region"] {
            c.f.insert(d.to_string(), df.column(d)?.f64()?.iter().collect());
        }
        Ok(c)
    }
    fn f(&self, name: &str, i: usize) -> Option<f64> {
        self.f.get(name).and_then(|v| v[i])
    }
    fn u(&self, name: &str, i: usize) -> Option<u32> {
        self.u.get(name).and_then(|v| v[i])
    }
}

/// The statistical description of one year's value: interval and what a test needs.
fn value_at(spec: &IndicatorSpec, c: &Cols, s: &str, i: usize, estimated: bool) -> Option<Value> {
    let value = c.f(&format!("value_{s}"), i)?;
    let num = c.f(&format!("num_{s}"), i).unwrap_or(0.0);
    let den = c.f(&format!("den_{s}"), i);
    let n = c.u(&format!("n_{s}"), i).map(u64::from);
    let scale = spec.scale;
    let ci = match spec.test() {
        _ if estimated => None,
        Test::Poisson => {
            let (lo, hi) = stats::poisson_exact_ci(num.round(), ALPHA);
            match den {
                Some(d) if d > 0.0 => Some((lo / d * scale, hi / d * scale)),
                None => Some((lo * scale, hi * scale)),
                _ => None,
            }
        }
        Test::Proportion => den.filter(|d| *d > 0.0).map(|d| {
            let (lo, hi) = stats::wilson(num / d, d, ALPHA);
            (lo * scale, hi * scale)
        }),
        Test::Survey => survey_prop(c, s, i).map(|wp| {
            let (lo, hi) = wp.wilson(ALPHA);
            (lo * scale, hi * scale)
        }),
        Test::None => None,
    };
    let n_eff = (spec.test() == Test::Survey).then(|| survey_prop(c, s, i).map(|w| w.n_eff)).flatten();
    Some(Value {
        value,
        num,
        den,
        n_missing: c.u(&format!("missing_{s}"), i).unwrap_or(0),
        ci_low: ci.map(|x| x.0),
        ci_high: ci.map(|x| x.1),
        n,
        n_eff,
        estimated,
    })
}

fn survey_prop(c: &Cols, s: &str, i: usize) -> Option<WeightedProportion> {
    WeightedProportion::from_sums(
        c.f(&format!("den_{s}"), i)?,
        c.f(&format!("num_{s}"), i)?,
        c.f(&format!("w2_{s}"), i)?,
        u64::from(c.u(&format!("n_{s}"), i)?),
    )
}

fn strs(df: &DataFrame, name: &str) -> Result<Vec<String>> {
    Ok(df.column(name)?.str()?.iter().map(|s| s.unwrap_or("").to_string()).collect())
}

fn to_rows(
    spec: &IndicatorSpec,
    df: &DataFrame,
    geo: &Geography,
    inputs: &Inputs,
    years: [i32; 3],
) -> Result<Vec<Row>> {
    let level = strs(df, "level")?;
    let code = strs(df, "code")?;
    let c = Cols::read(df)?;
    let mut rows = Vec::with_capacity(df.height());
    for i in 0..df.height() {
        let (lvl, name, region) = match level[i].as_str() {
            "departement" => {
                let d = geo.departement(&code[i]).context("unknown département in results")?;
                (LevelName::Departement, d.name.clone(), Some(d.region.clone()))
            }
            "region" => match geo.region(&code[i]) {
                Some(r) => (LevelName::Region, r.name.clone(), None),
                None => continue,
            },
            _ => (LevelName::France, "France".to_string(), None),
        };
        let wanted = match lvl {
            LevelName::Departement => Level::Departement,
            LevelName::Region => Level::Region,
            LevelName::France => Level::France,
        };
        if !spec.levels.contains(&wanted) {
            continue;
        }
        let source = spec.numerator.source.as_str();
        let est = |y: i32| inputs.estimated.iter().any(|e| e.0 == source && e.1 == code[i] && e.2 == y);
        let cur = value_at(spec, &c, "cur", i, est(years[0]));
        let flags = spec
            .thresholds
            .iter()
            .filter(|t| {
                cur.as_ref().is_some_and(|v| t.below.is_none_or(|b| v.value < b) && t.above.is_none_or(|a| v.value > a))
            })
            .map(|t| t.label.clone())
            .collect();
        let withheld = c.b["withheld_cur"][i].unwrap_or(false).then(|| withheld_reason(spec, &c, i));
        let count = spec.kind == Kind::Count;
        let dept = lvl == LevelName::Departement;
        let objective_pct = match (&spec.objective, lvl, &cur) {
            (Some(o), LevelName::France, Some(v)) if o.value > 0.0 => Some(v.value / o.value * 100.0),
            _ => None,
        };
        rows.push(Row {
            level: lvl,
            code: code[i].clone(),
            name,
            region,
            prev: value_at(spec, &c, "prev", i, est(years[1])),
            base: value_at(spec, &c, "base", i, est(years[2])),
            cur,
            delta_prev_abs: c.f("dprev_abs", i),
            delta_prev_pct: c.f("dprev_pct", i),
            delta_base_abs: c.f("dbase_abs", i),
            delta_base_pct: c.f("dbase_pct", i),
            p_value_prev: None,
            change_prev: None,
            change_prev_stat: None,
            p_value_base: None,
            change_base: None,
            change_base_stat: None,
            departements: None,
            matched_prev: None,
            matched_base: None,
            // A gap to France or to the région compares access, not size: none for counts.
            vs_france: c.f("vs_france", i).filter(|_| !count),
            vs_region: c.f("vs_region", i).filter(|_| dept && !count),
            rank: c.u("rank_cur", i).filter(|_| dept && !count),
            rank_low: None,
            rank_high: None,
            quintile: c.u("quintile_cur", i).filter(|_| dept && !count),
            flags,
            withheld,
            objective_pct,
            published_prev: None,
            revision_prev: None,
            // Filled by the edition from the provenance of the sources.
            real: [None, None, None],
        });
    }
    rows.sort_by_key(|r| (r.level, sort_key(geo, r)));
    Ok(rows)
}

/// Why a value is withheld, with the figures that decided it.
fn withheld_reason(spec: &IndicatorSpec, c: &Cols, i: usize) -> String {
    let sup = &spec.suppression;
    let n = c.u("n_cur", i).unwrap_or(0);
    if spec.kind == Kind::SurveyProportion
        && let Some(wp) = survey_prop(c, "cur", i)
    {
        {
            let (lo, hi) = wp.wilson(ALPHA);
            let half = (hi - lo) / 2.0 * spec.scale;
            let n_eff = crate::fmt::number(wp.n_eff, 0);
            return match (sup.min_sample, sup.min_effective_sample, sup.max_half_width) {
                (Some(min), _, _) if n < min as u32 => format!("non publié : {n} répondants, moins de {min}"),
                (_, Some(min), _) if wp.n_eff < min => format!(
                    "non publié : taille d'échantillon effective {n_eff} ({n} répondants), moins de {}",
                    crate::fmt::number(min, 0)
                ),
                _ => format!(
                    "non publié : précision ±{} points ({n} répondants, taille effective {n_eff}), au-delà de ±{} points",
                    crate::fmt::number(half, 1),
                    crate::fmt::number(sup.max_half_width.unwrap_or(0.0), 1)
                ),
            };
        }
    }
    match sup.min_numerator {
        Some(k) => format!("non publié : numérateur inférieur à {}", crate::fmt::number(k, 0)),
        None => "non publié : effectif trop faible".to_string(),
    }
}

fn sort_key(geo: &Geography, r: &Row) -> usize {
    match r.level {
        LevelName::Departement => geo.dept_position(&r.code).unwrap_or(usize::MAX),
        LevelName::Region => geo.regions().iter().position(|x| x.code == r.code).unwrap_or(usize::MAX),
        LevelName::France => 0,
    }
}
