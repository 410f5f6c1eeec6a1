//! `barometre build`: sources → datasets → indicators → report model → outputs.

use anyhow::{Context, Result, bail};

use crate::cli::BuildArgs;
use crate::fmt;
use crate::geo::Geography;
use crate::indicators::{self, Inputs, Years};
use crate::model::{DEMO_NOTICE, EditionInfo, ReportModel, SourceInfo, key_figures};
use crate::output::Staging;
use crate::render::{self, RenderContext, charts};
use crate::sources::{self, DataSource};

/// Publication dates of the known editions.
const EDITION_DATES: [(i32, (u32, u32)); 3] = [(2020, (12, 1)), (2023, (11, 1)), (2025, (11, 20))];

pub fn run(args: &BuildArgs) -> Result<()> {
    let years = Years { current: args.edition, previous: args.previous, baseline: args.baseline };
    if !(years.baseline < years.previous && years.previous < years.current) {
        bail!(
            "expected baseline < previous < edition, got {} < {} < {}",
            years.baseline,
            years.previous,
            years.current
        );
    }
    let epoch = epoch(args)?;
    let src = DataSource::from_arg(&args.data, &args.cache.cache_dir());
    let model = build_model(&src, years, epoch, args.indicators.as_deref())?;

    let target = args.output.join(args.edition.to_string());
    let staging = Staging::new(&target)?;
    let mut model = model;
    let source_line = chart_source_line(&model);
    if let Some(dens) = model.indicator("densite-generalistes") {
        let chart = charts::ranking(dens, &source_line, Some(100.0))?;
        render::write(staging.path(), &chart.reference.svg, chart.svg.as_bytes())?;
        render::write(staging.path(), &chart.reference.csv, chart.csv.as_bytes())?;
        model.charts.push(chart.reference);
    }
    write_provenance(&src, &model, staging.path())?;
    let cx = RenderContext { model: &model, out: staging.path(), templates: args.templates.as_deref(), epoch };
    render::render_all(&cx)?;
    staging.commit()?;
    eprintln!("built edition {} in {}", args.edition, target.display());
    Ok(())
}

/// Copies the provenance of the inputs into the edition: the fetch manifest, or the data
/// directory's provenance as JSON.
fn write_provenance(src: &DataSource, model: &ReportModel, out: &std::path::Path) -> Result<()> {
    let json = match src {
        DataSource::Cache(dir) => {
            let path = dir.join(crate::ingest::manifest::FILE);
            std::fs::read_to_string(&path).with_context(|| format!("failed to read `{}`", path.display()))?
        }
        _ => serde_json::to_string_pretty(&serde_json::json!({
            "demo": model.demo,
            "vintage": model.vintage,
            "sources": model.sources,
        }))?,
    };
    render::write(out, "provenance.json", json.as_bytes())
}

fn chart_source_line(m: &ReportModel) -> String {
    let mut s = "DREES/RPPS, INSEE".to_string();
    if m.demo {
        s.push_str(" — données de démonstration");
    }
    s
}

/// Loads every dataset, computes the indicators and assembles the report model.
pub fn build_model(
    src: &DataSource,
    years: Years,
    epoch: i64,
    indicator_dir: Option<&std::path::Path>,
) -> Result<ReportModel> {
    let geo = Geography::get();
    let prov = src.provenance()?;
    let specs = indicators::spec::load(indicator_dir)?;
    let needed = [years.current, years.previous, years.baseline];
    let gp = sources::gp::load(src, geo, &needed)?;
    let pop = sources::population::load(src, geo, &needed)?;
    let inputs = Inputs::new(&gp, &pop)?;
    let mut results = Vec::new();
    for spec in &specs {
        let mut r =
            indicators::compute(spec, &inputs, geo, years).with_context(|| format!("indicator `{}`", spec.id))?;
        let refs = std::iter::once(&spec.numerator).chain(spec.denominator.as_ref());
        r.source = refs
            .map(|f| {
                let file = format!("{}.csv", f.source);
                match prov.files.get(&file) {
                    Some(p) => format!("{} [{}]", p.source, p.vintage.as_deref().unwrap_or(&prov.vintage)),
                    None => format!("{file} (source non documentée)"),
                }
            })
            .collect::<Vec<_>>()
            .join(" ; ");
        results.push(r);
    }
    let sources: Vec<SourceInfo> = [sources::gp::ID, sources::population::ID]
        .iter()
        .map(|id| {
            let f = format!("{id}.csv");
            let p = prov.files.get(&f);
            SourceInfo {
                file: f.clone(),
                source: p.map(|p| p.source.clone()).unwrap_or_else(|| "non documentée".into()),
                years: p.map(|p| p.years.clone()).unwrap_or_default(),
                vintage: p.and_then(|p| p.vintage.clone()).unwrap_or_else(|| prov.vintage.clone()),
            }
        })
        .collect();
    let (y, mo, d) = fmt::civil_from_days(epoch.div_euclid(86_400));
    let source_label = if prov.demo { "DREES/RPPS, INSEE (données de démonstration)" } else { "DREES/RPPS, INSEE" };
    Ok(ReportModel {
        edition: EditionInfo {
            year: years.current,
            previous: years.previous,
            baseline: years.baseline,
            date_iso: format!("{y:04}-{mo:02}-{d:02}"),
            date_fr: fmt::date_fr(y, mo, d),
        },
        demo: prov.demo,
        demo_notice: prov.demo.then(|| DEMO_NOTICE.to_string()),
        vintage: prov.vintage.clone(),
        key_figures: key_figures(&results, source_label),
        indicators: results,
        sources,
        charts: Vec::new(),
    })
}

/// The creation time of the outputs: `--as-of`, else `SOURCE_DATE_EPOCH`, else the
/// edition's publication date. Never the clock.
fn epoch(args: &BuildArgs) -> Result<i64> {
    if let Some(date) = &args.as_of {
        return parse_date(date).with_context(|| format!("invalid --as-of `{date}`: expected YYYY-MM-DD"));
    }
    if let Ok(s) = std::env::var("SOURCE_DATE_EPOCH") {
        return s
            .trim()
            .parse()
            .with_context(|| format!("invalid SOURCE_DATE_EPOCH `{s}`: expected seconds since 1970"));
    }
    let (m, d) = EDITION_DATES.iter().find(|(y, _)| *y == args.edition).map(|(_, md)| *md).unwrap_or((12, 31));
    parse_date(&format!("{}-{m:02}-{d:02}", args.edition))
}

fn parse_date(s: &str) -> Result<i64> {
    let parts: Vec<&str> = s.split('-').collect();
    let [y, m, d] = parts.as_slice() else { bail!("expected YYYY-MM-DD") };
    let (y, m, d): (i64, i64, i64) = (y.parse()?, m.parse()?, d.parse()?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        bail!("expected YYYY-MM-DD");
    }
    // Days from civil (Howard Hinnant).
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Ok((era * 146_097 + doe - 719_468) * 86_400)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        let e = parse_date("2025-11-20").expect("date");
        assert_eq!(fmt::civil_from_days(e / 86_400), (2025, 11, 20));
        assert_eq!(parse_date("1970-01-01").expect("date"), 0);
        assert!(parse_date("2025-13-01").is_err());
    }
}
