//! Computes an indicator for départements, régions and France with polars: values for
//! the edition, the previous edition and the baseline year, deltas and ranks.
//!
//! Aggregates are ratios of sums (never means of département rates).

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use polars::prelude::*;

use crate::geo::Geography;
use crate::model::{IndicatorResult, LevelName, Row, Value};
use crate::sources::{gp::GpRow, population::PopRow};

use super::spec::{IndicatorSpec, Kind, Level};

/// The three years an edition compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Years {
    pub current: i32,
    pub previous: i32,
    pub baseline: i32,
}

/// Source tables in long form (`dept`, `year`, fields…), one per source.
pub struct Inputs {
    frames: BTreeMap<&'static str, DataFrame>,
}

impl Inputs {
    pub fn new(gp: &[GpRow], pop: &[PopRow]) -> Result<Inputs> {
        let mut frames = BTreeMap::new();
        frames.insert(
            "generalistes",
            df!(
                "dept" => gp.iter().map(|r| r.dept.as_str()).collect::<Vec<_>>(),
                "year" => gp.iter().map(|r| r.year).collect::<Vec<_>>(),
                "effectif" => gp.iter().map(|r| r.count.map(|c| c as f64)).collect::<Vec<_>>(),
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
        Ok(Inputs { frames })
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

/// Long table: level, code, year, num, den, n_missing, value, rank.
fn long_values(spec: &IndicatorSpec, inputs: &Inputs, geo: &Geography, years: &[i32]) -> Result<LazyFrame> {
    let keys = [col("dept"), col("year")];
    let mut lf = inputs.field(&spec.numerator.source, &spec.numerator.field, "num")?;
    lf = match &spec.denominator {
        Some(d) => {
            lf.join(inputs.field(&d.source, &d.field, "den")?, keys.clone(), keys, JoinArgs::new(JoinType::Left))
        }
        None => lf.with_column(lit(NULL).cast(DataType::Float64).alias("den")),
    };
    let mut year_filter = lit(false);
    for &y in years {
        year_filter = year_filter.or(col("year").eq(lit(y)));
    }
    lf = lf
        .filter(year_filter)
        .join(geo_frame(geo)?.lazy(), [col("dept")], [col("dept")], JoinArgs::new(JoinType::Inner))
        // A rate uses a département only when both terms are known.
        .with_column(
            when(col("num").is_null()).then(lit(NULL).cast(DataType::Float64)).otherwise(col("den")).alias("den"),
        );

    let cols = |level: &str, code: Expr| {
        [
            lit(level.to_string()).alias("level"),
            code.alias("code"),
            col("year"),
            col("num"),
            col("den"),
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
    if spec.kind == Kind::Count {
        // Sums of an absent denominator are 0 in polars: keep it absent.
        all = all.with_column(lit(NULL).cast(DataType::Float64).alias("den"));
    }

    let value = match spec.kind {
        Kind::Count => col("num") * lit(spec.scale),
        Kind::Rate => when(col("den").gt(lit(0.0)))
            .then(col("num") / col("den") * lit(spec.scale))
            .otherwise(lit(NULL).cast(DataType::Float64)),
    };
    Ok(all.with_column(value.alias("value")).with_column(
        col("value")
            .rank(RankOptions { method: RankMethod::Min, descending: true }, None)
            .over([col("level"), col("year")])?
            .cast(DataType::UInt32)
            .alias("rank"),
    ))
}

/// Computes one indicator for every geography level and the three years of the edition.
pub fn compute(spec: &IndicatorSpec, inputs: &Inputs, geo: &Geography, years: Years) -> Result<IndicatorResult> {
    let off = spec.data_year_offset;
    let (yc, yp, yb) = (years.current + off, years.previous + off, years.baseline + off);
    let long = long_values(spec, inputs, geo, &[yc, yp, yb])?;
    let pick = |y: i32, s: &str| {
        long.clone().filter(col("year").eq(lit(y))).select([
            col("level"),
            col("code"),
            col("num").alias(format!("num_{s}")),
            col("den").alias(format!("den_{s}")),
            col("n_missing").alias(format!("missing_{s}")),
            col("value").alias(format!("value_{s}")),
            col("rank").alias(format!("rank_{s}")),
        ])
    };
    let on = [col("level"), col("code")];
    let pct = |a: &str, b: &str| {
        when(col(b).gt(lit(0.0)))
            .then((col(a) / col(b) - lit(1.0)) * lit(100.0))
            .otherwise(lit(NULL).cast(DataType::Float64))
    };
    let wide = pick(yc, "cur")
        .join(pick(yp, "prev"), on.clone(), on.clone(), JoinArgs::new(JoinType::Left))
        .join(pick(yb, "base"), on.clone(), on, JoinArgs::new(JoinType::Left))
        .with_columns([
            (col("value_cur") - col("value_prev")).alias("dprev_abs"),
            pct("value_cur", "value_prev").alias("dprev_pct"),
            (col("value_cur") - col("value_base")).alias("dbase_abs"),
            pct("value_cur", "value_base").alias("dbase_pct"),
        ])
        .collect();
    let wide = anyhow::Context::with_context(wide, || format!("failed to compute indicator `{}`", spec.id))?;
    let rows = to_rows(spec, &wide, geo)?;
    Ok(IndicatorResult {
        id: spec.id.clone(),
        title: spec.title.clone(),
        short_label: spec.short_label.clone(),
        definition: spec.definition.clone(),
        unit: spec.unit.clone(),
        decimals: spec.decimals,
        is_count: spec.kind == Kind::Count,
        source: String::new(),
        years: [yc, yp, yb],
        rows,
    })
}

fn f64s(df: &DataFrame, name: &str) -> Result<Vec<Option<f64>>> {
    Ok(df.column(name)?.f64()?.iter().collect())
}
fn u32s(df: &DataFrame, name: &str) -> Result<Vec<Option<u32>>> {
    Ok(df.column(name)?.u32()?.iter().collect())
}
fn strs(df: &DataFrame, name: &str) -> Result<Vec<String>> {
    Ok(df.column(name)?.str()?.iter().map(|s| s.unwrap_or("").to_string()).collect())
}

fn to_rows(spec: &IndicatorSpec, df: &DataFrame, geo: &Geography) -> Result<Vec<Row>> {
    let level = strs(df, "level")?;
    let code = strs(df, "code")?;
    let value =
        |s: &str, i: usize, cols: &BTreeMap<String, Vec<Option<f64>>>, miss: &BTreeMap<String, Vec<Option<u32>>>| {
            cols[&format!("value_{s}")][i].map(|v| Value {
                value: v,
                num: cols[&format!("num_{s}")][i].unwrap_or(0.0),
                den: cols[&format!("den_{s}")][i],
                n_missing: miss[&format!("missing_{s}")][i].unwrap_or(0),
            })
        };
    let mut cols = BTreeMap::new();
    let mut miss = BTreeMap::new();
    for s in ["cur", "prev", "base"] {
        for f in ["num", "den", "value"] {
            let name = format!("{f}_{s}");
            cols.insert(name.clone(), f64s(df, &name)?);
        }
        let name = format!("missing_{s}");
        miss.insert(name.clone(), u32s(df, &name)?);
    }
    for d in ["dprev_abs", "dprev_pct", "dbase_abs", "dbase_pct"] {
        cols.insert(d.to_string(), f64s(df, d)?);
    }
    let rank = u32s(df, "rank_cur")?;
    let mut rows = Vec::with_capacity(df.height());
    for i in 0..df.height() {
        let (lvl, name, region) = match level[i].as_str() {
            "departement" => {
                let d = geo.departement(&code[i]).context("unknown département in results")?;
                (LevelName::Departement, d.name.clone(), Some(d.region.clone()))
            }
            "region" => (LevelName::Region, geo.region(&code[i]).map(|r| r.name.clone()).unwrap_or_default(), None),
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
        let cur = value("cur", i, &cols, &miss);
        let flags = spec
            .thresholds
            .iter()
            .filter(|t| {
                cur.as_ref().is_some_and(|v| t.below.is_none_or(|b| v.value < b) && t.above.is_none_or(|a| v.value > a))
            })
            .map(|t| t.label.clone())
            .collect();
        rows.push(Row {
            level: lvl,
            code: code[i].clone(),
            name,
            region,
            cur,
            prev: value("prev", i, &cols, &miss),
            base: value("base", i, &cols, &miss),
            delta_prev_abs: cols["dprev_abs"][i],
            delta_prev_pct: cols["dprev_pct"][i],
            delta_base_abs: cols["dbase_abs"][i],
            delta_base_pct: cols["dbase_pct"][i],
            rank: if lvl == LevelName::Departement { rank[i] } else { None },
            flags,
        });
    }
    rows.sort_by_key(|r| (r.level, sort_key(geo, r)));
    Ok(rows)
}

fn sort_key(geo: &Geography, r: &Row) -> usize {
    match r.level {
        LevelName::Departement => geo.dept_position(&r.code).unwrap_or(usize::MAX),
        LevelName::Region => geo.regions().iter().position(|x| x.code == r.code).unwrap_or(usize::MAX),
        LevelName::France => 0,
    }
}
