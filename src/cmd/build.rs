//! `barometre build`: sources → datasets → indicators → report model → outputs.

use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::checks::{Checks, Severity};
use crate::cli::{BuildArgs, EditionArgs};
use crate::fmt;
use crate::geo::Geography;
use crate::indicators::{self, Inputs, Years};
use crate::model::{DEMO_NOTICE, EditionInfo, IndicatorResult, ReportModel, Series, SourceInfo, ZoneInfo, key_figures};
use crate::output::Staging;
use crate::render::maps::MapGeometry;
use crate::render::{self, RenderContext, figures};
use crate::sources::{self, DataSource};
use crate::timing::Timer;

/// "3e édition" for the known editions.
fn edition_label(year: i32) -> String {
    match EDITION_DATES.iter().position(|(y, _)| *y == year) {
        Some(0) => "1re édition".into(),
        Some(i) => format!("{}e édition", i + 1),
        None => format!("édition {year}"),
    }
}

/// Publication dates of the known editions.
const EDITION_DATES: [(i32, (u32, u32)); 3] = [(2020, (12, 1)), (2023, (11, 1)), (2025, (11, 20))];

pub fn run(args: &BuildArgs) -> Result<()> {
    // One build at a time per edition directory; cleans what an interrupted build left.
    let _lock = crate::output::Lock::acquire(&args.output.join(args.edition.year.to_string()))?;
    let started = std::time::Instant::now();
    let (mut model, checks, src) = model_for(&args.edition)?;
    let epoch = epoch(&args.edition)?;

    let target = args.output.join(args.edition.year.to_string());
    let staging = Staging::new(&target)?;
    let t = Timer::start("maps");
    let geometry = map_geometry(&src)?;
    for figure in figures::maps(&model, &geometry)? {
        for (rel, bytes) in &figure.files {
            render::write(staging.path(), rel, bytes)?;
        }
        model.charts.push(figure.reference);
    }
    t.stop();
    let t = Timer::start("charts");
    for figure in figures::charts(&model)? {
        for (rel, bytes) in &figure.files {
            render::write(staging.path(), rel, bytes)?;
        }
        model.charts.push(figure.reference);
    }
    // Each département's position, for the fiches; listed with every other figure in
    // charts/index.json (file names, titles, alt texts, sources).
    let mut index = model.charts.clone();
    for figure in figures::positions(&model, "densite-generalistes")? {
        for (rel, bytes) in &figure.files {
            render::write(staging.path(), &rel.replace("charts/", "charts/positions/"), bytes)?;
        }
        let mut r = figure.reference;
        for p in [&mut r.svg, &mut r.png, &mut r.csv] {
            *p = p.replace("charts/", "charts/positions/");
        }
        index.push(r);
    }
    render::write(staging.path(), "charts/index.json", serde_json::to_string_pretty(&index)?.as_bytes())?;
    t.stop();
    let t = Timer::start("commentary+checks");
    model.themes = crate::commentary::themes(&model, args.editorial.as_deref())?;
    model.introduction = crate::commentary::editorial(args.editorial.as_deref(), "introduction")?.0;
    write_provenance(&src, &model, staging.path())?;
    render::write(staging.path(), "checks.md", checks.markdown(args.edition.year).as_bytes())?;
    render::write(staging.path(), "checks.csv", checks.csv().as_bytes())?;
    t.stop();
    let cx = RenderContext {
        model: &model,
        out: staging.path(),
        templates: args.templates.as_deref(),
        epoch,
        geometry: &geometry,
    };
    render::render_all(&cx)?;
    crate::timing::stage("commit", || staging.commit())?;
    eprintln!(
        "built edition {} in {} ({} alert(s) in checks.md)",
        args.edition.year,
        target.display(),
        checks.alerts()
    );
    crate::timing::print_report(started.elapsed());
    Ok(())
}

/// The official contours when the data has them, else the embedded offline map.
fn map_geometry(src: &DataSource) -> Result<MapGeometry> {
    if src.has(sources::contours::ID) {
        let located = src.locate(sources::contours::ID)?;
        let contours = sources::contours::parse(located, Geography::get())?;
        return Ok(MapGeometry::from_contours(
            &contours,
            Geography::get(),
            "Contours : IGN Admin Express via Etalab, Licence Ouverte",
        ));
    }
    Ok(MapGeometry::embedded().clone())
}

/// The report model of an edition (without figures), its checks and its data source.
pub fn model_for(args: &EditionArgs) -> Result<(ReportModel, Checks, DataSource)> {
    let years = Years { current: args.year, previous: args.previous, baseline: args.baseline };
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
    let (model, checks) =
        build_model(&src, years, epoch, args.indicators.as_deref(), args.previous_published.as_deref())?;
    Ok((model, checks, src))
}

/// Copies the provenance of the inputs into the edition: the fetch manifest, or the data
/// directory's provenance as JSON.
fn write_provenance(src: &DataSource, model: &ReportModel, out: &Path) -> Result<()> {
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

/// Loads an optional source: `None` (with a note) when it has no file here.
fn optional<T>(src: &DataSource, id: &str, checks: &mut Checks, load: impl FnOnce() -> Result<T>) -> Result<Option<T>> {
    if src.has(id) {
        load().map(Some)
    } else {
        checks.push(
            Severity::Info,
            id,
            "",
            "source absente : les indicateurs qui en dépendent ne sont pas calculés".into(),
        );
        Ok(None)
    }
}

/// Loads every dataset, computes the indicators and assembles the report model.
pub fn build_model(
    src: &DataSource,
    years: Years,
    epoch: i64,
    indicator_dir: Option<&Path>,
    previous_published: Option<&Path>,
) -> Result<(ReportModel, Checks)> {
    let t = Timer::start("ingest+validate");
    let geo = Geography::get();
    let prov = src.provenance()?;
    let specs = indicators::spec::load(indicator_dir)?;
    let mut checks = Checks::default();
    let needed = [years.current, years.previous, years.baseline];
    let gp = sources::gp::load(src, geo, &needed)?;
    let pop = sources::population::load(src, geo, &needed)?;
    let mut inputs = Inputs::new(&gp, &pop)?;
    let mut series = Vec::new();
    let demo_note = if prov.demo { " (données de démonstration)" } else { "" };
    let mut by_year: std::collections::BTreeMap<i32, (u64, usize, bool)> = std::collections::BTreeMap::new();
    for r in &gp {
        let e = by_year.entry(r.year).or_default();
        e.0 += r.count.unwrap_or(0);
        e.1 += 1;
        e.2 |= r.count.is_none();
    }
    series.push(Series {
        id: "generalistes-france".into(),
        title: "Médecins généralistes en activité au 1er janvier, France".into(),
        unit: "médecins".into(),
        decimals: 0,
        percent: false,
        points: by_year
            .iter()
            .filter(|(_, (_, n, nd))| *n == geo.departements.len() && !nd)
            .map(|(y, (c, _, _))| (*y, *c as f64))
            .collect(),
        source: format!("DREES/RPPS{demo_note}"),
    });

    if let Some(rows) = optional(src, sources::pdsa::ID, &mut checks, || sources::pdsa::load(src, geo))? {
        let years_present: std::collections::BTreeSet<i32> = rows.iter().map(|r| r.year).collect();
        for y in &years_present {
            checks.completeness("pdsa", geo, *y, rows.iter().filter(|r| r.year == *y).map(|r| r.dept.as_str()));
            let nd: Vec<&str> =
                rows.iter().filter(|r| r.year == *y && r.concerned.is_none()).map(|r| r.dept.as_str()).collect();
            if !nd.is_empty() {
                checks.push(Severity::Info, "pdsa", "", format!("{y} : sans réponse à l'enquête : {}", nd.join(", ")));
            }
        }
        if src.has(sources::pdsa::NATIONAL_ID) {
            let national = sources::pdsa::load_national(src)?;
            series.push(Series {
                id: "pdsa-france".into(),
                title: "Participation des généralistes à la permanence des soins, France".into(),
                unit: "%".into(),
                decimals: 0,
                percent: true,
                points: national.clone(),
                source: format!("CNOM, enquêtes PDSA{demo_note}"),
            });
            for (y, published) in national {
                let (v, c) = rows
                    .iter()
                    .filter(|r| r.year == y)
                    .fold((0u64, 0u64), |(v, c), r| (v + r.volunteers.unwrap_or(0), c + r.concerned.unwrap_or(0)));
                if c > 0 {
                    let computed = v as f64 / c as f64 * 100.0;
                    if (computed - published).abs() > 0.5 {
                        checks.push(Severity::Alerte, "pdsa", "FR", format!("{y} : taux national publié {published:.1} % mais somme des départements {computed:.1} %"));
                    }
                }
            }
        }
        inputs = inputs.with_pdsa(&rows)?;
    }
    if let Some(rows) = optional(src, sources::sas::ID, &mut checks, || sources::sas::load(src, geo))? {
        inputs = inputs.with_sas(&rows, geo)?;
    }
    if let Some(rows) = optional(src, sources::sans_mt::ID, &mut checks, || sources::sans_mt::load(src, geo))? {
        for y in rows.iter().map(|r| r.year).collect::<std::collections::BTreeSet<_>>() {
            checks.completeness(
                "sans-medecin-traitant",
                geo,
                y,
                rows.iter().filter(|r| r.year == y).map(|r| r.dept.as_str()),
            );
        }
        inputs = inputs.with_sans_mt(&rows)?;
    }
    let mut zones = Vec::new();
    if let Some(z) = optional(src, sources::zones_rouges::ID, &mut checks, || sources::zones_rouges::load(src, geo))? {
        zones = z
            .zones
            .iter()
            .map(|x| ZoneInfo {
                siren: x.siren.clone(),
                name: x.name.clone(),
                dept: x.dept.clone(),
                population: x.population,
            })
            .collect();
        for u in &z.unmatched {
            let hint = u.suggestion.as_deref().map(|s| format!(" ; nom le plus proche : {s}")).unwrap_or_default();
            checks.push(
                Severity::Alerte,
                "zones-rouges",
                "",
                format!("ligne {} : « {} » ne correspond à aucun EPCI{hint}", u.line, u.name),
            );
        }
        inputs = inputs.with_zones(&z, geo, years.current)?;
    }
    if let Some(rows) = optional(src, sources::missions::ID, &mut checks, || sources::missions::load(src, geo))? {
        inputs = inputs.with_missions(&rows, geo, years.current)?;
    }
    if let Some(rows) = optional(src, sources::survey::ID, &mut checks, || sources::survey::load(src, geo))? {
        inputs = inputs.with_survey(&rows)?;
    }

    t.stop();
    let t = Timer::start("indicators+model");
    let published = match previous_published {
        Some(p) => read_published(p)?,
        None => Vec::new(),
    };
    let mut results = Vec::new();
    for spec in &specs {
        let refs: Vec<&indicators::spec::FieldRef> =
            std::iter::once(&spec.numerator).chain(spec.denominator.as_ref()).collect();
        if let Some(missing) = refs.iter().find(|f| !inputs.has(&f.source)) {
            checks.push(Severity::Info, &spec.id, "", format!("non calculé : source `{}` absente", missing.source));
            continue;
        }
        let mut r =
            indicators::compute(spec, &inputs, geo, years).with_context(|| format!("indicator `{}`", spec.id))?;
        r.provenance_items = refs
            .iter()
            .map(|f| match prov.files.get(&format!("{}.csv", f.source)) {
                Some(p) => format!("{} [{}]", p.source, p.vintage.as_deref().unwrap_or(&prov.vintage)),
                None => format!("{} (source non documentée)", f.source),
            })
            .collect();
        r.provenance = r.provenance_items.join(" ; ");
        apply_published(&mut r, &published);
        checks.indicator(spec, &r);
        results.push(r);
    }
    let sources: Vec<SourceInfo> = sources::CATALOG
        .iter()
        .filter_map(|(id, _, _)| {
            let f = format!("{id}.csv");
            prov.files.get(&f).map(|p| SourceInfo {
                file: f.clone(),
                source: p.source.clone(),
                years: p.years.clone(),
                vintage: p.vintage.clone().unwrap_or_else(|| prov.vintage.clone()),
            })
        })
        .collect();
    let (y, mo, d) = fmt::civil_from_days(epoch.div_euclid(86_400));
    let model = ReportModel {
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
        key_figures: key_figures(&results, prov.demo),
        indicators: results,
        sources,
        charts: Vec::new(),
        series,
        themes: Vec::new(),
        introduction: Vec::new(),
        edition_label: edition_label(years.current),
        zones,
        neighbours: crate::similar::neighbours(
            geo,
            &pop.iter().filter(|r| r.year == years.current).map(|r| (r.dept.clone(), r.population as f64)).collect(),
            5,
        ),
        alerts: checks.alerts(),
    };
    t.stop();
    Ok((model, checks))
}

/// Values published in the previous edition: `indicateur,code,valeur`.
fn read_published(path: &Path) -> Result<Vec<(String, String, f64)>> {
    let bytes = sources::read_file(path)?;
    let table = crate::formats::read_table(&path.display().to_string(), bytes, &["indicateur", "code", "valeur"])
        .map_err(|p| crate::error::DataError::Invalid(vec![*p]))?;
    let mut c = crate::validate::Checker::new(&table);
    let (Some(ci), Some(cc), Some(cv)) = (c.column("indicateur"), c.column("code"), c.column("valeur")) else {
        sources::check(c.finish())?;
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for row in &table.rows {
        let (i, code, v) = (c.text(row, ci), c.text(row, cc), c.number(row, cv, f64::MIN, f64::MAX));
        if let (Some(i), Some(code), Some(v)) = (i, code, v) {
            let code = Geography::get().normalize_dept(&code).unwrap_or(code);
            out.push((i, code, v));
        }
    }
    sources::check(c.finish())?;
    Ok(out)
}

/// Keeps the as-published value of the comparison year beside the restated one, so that
/// revisions are told apart from real change.
fn apply_published(r: &mut IndicatorResult, published: &[(String, String, f64)]) {
    for row in &mut r.rows {
        if let Some((_, _, v)) = published.iter().find(|(i, c, _)| *i == r.id && *c == row.code) {
            row.published_prev = Some(*v);
            row.revision_prev = row.prev.as_ref().map(|p| p.value - v);
        }
    }
}

/// The creation time of the outputs: `--as-of`, else `SOURCE_DATE_EPOCH`, else the
/// edition's publication date. Never the clock.
fn epoch(args: &EditionArgs) -> Result<i64> {
    if let Some(date) = &args.as_of {
        return parse_date(date).with_context(|| format!("invalid --as-of `{date}`: expected YYYY-MM-DD"));
    }
    if let Ok(s) = std::env::var("SOURCE_DATE_EPOCH") {
        return s
            .trim()
            .parse()
            .with_context(|| format!("invalid SOURCE_DATE_EPOCH `{s}`: expected seconds since 1970"));
    }
    let (m, d) = EDITION_DATES.iter().find(|(y, _)| *y == args.year).map(|(_, md)| *md).unwrap_or((12, 31));
    parse_date(&format!("{}-{m:02}-{d:02}", args.year))
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
