//! The edition pipeline as a library: data source → typed datasets → indicators →
//! one complete, immutable [`ReportModel`] (themes, commentary, series, neighbours,
//! checks). Commands call [`prepare`]; renderers only ever see its model.
//!
//! Domain rules that belong to the edition rather than to one dataset live here: the
//! calendar of editions, the national PDSA cross-check, the values published in the
//! previous edition.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};

use crate::checks::{Checks, Severity};
use crate::error::Gathered;
use crate::fmt;
use crate::geo::Geography;
use crate::indicators::{self, Inputs, Years};
use crate::model::{
    EditionInfo, IndicatorResult, LevelName, RealFigures, ReportModel, Series, SourceInfo, SourceRevision, ZoneInfo,
    key_figures,
};
use crate::sources::provenance::{FileProvenance, Provenance, Scope};
use crate::sources::registry::Dataset;
use crate::sources::{self, DataSource};
use crate::timing::Timer;

/// Publication dates of the known editions (month, day).
pub const EDITION_DATES: [(i32, (u32, u32)); 3] = [(2020, (12, 1)), (2023, (11, 1)), (2025, (11, 20))];

/// What an edition is built from.
#[derive(Debug, Clone)]
pub struct Options {
    pub data: DataSource,
    pub years: Years,
    /// Creation time of the outputs, seconds since the epoch (see [`epoch`]).
    pub epoch: i64,
    /// Directory of indicator specs (default: the embedded `indicators/`).
    pub indicators: Option<PathBuf>,
    /// Values published in the previous edition (`indicateur,code,valeur`).
    pub previous_published: Option<PathBuf>,
    /// Directory of editorial texts (default: the embedded `report-templates/editorial/`).
    pub editorial: Option<PathBuf>,
    /// A working draft: every page marked « PROJET », placeholders printed where editorial
    /// text is missing.
    pub draft: bool,
}

/// A prepared edition: the model, the checks made on the way, and the official contours
/// when the data has them (the maps fall back to the embedded outlines).
pub struct Edition {
    pub model: ReportModel,
    pub checks: Checks,
    pub contours: Option<sources::contours::Contours>,
    /// The EPCI contours when the data has them (the département pages then map their EPCI).
    pub epci_contours: Option<sources::contours_epci::EpciContours>,
    /// Where every input came from, as published in `provenance.json`.
    pub provenance_json: String,
}

/// What the EPCI contours lack for the département maps, for `checks.md`: contours of
/// EPCI unknown to the reference geography (another year's), and départements drawn as a
/// list only because one of their EPCI has no contour.
fn epci_contour_checks(c: &sources::contours_epci::EpciContours, model: &ReportModel, checks: &mut Checks) {
    let id = sources::contours_epci::ID;
    if !c.unknown.is_empty() {
        let shown: Vec<&str> = c.unknown.iter().take(10).map(String::as_str).collect();
        checks.push(
            Severity::Info,
            id,
            "",
            format!(
                "{} de la géographie de référence, ignoré{} (SIREN {}{})",
                fmt::count(c.unknown.len(), "contour d'EPCI absent", "contours d'EPCI absents"),
                if c.unknown.len() > 1 { "s" } else { "" },
                shown.join(", "),
                if c.unknown.len() > shown.len() { ", …" } else { "" }
            ),
        );
    }
    let Some(level) = &model.epci else { return };
    let mut without = Vec::new();
    for d in &Geography::get().departements {
        let missing = level.of_departement(&d.code).iter().filter(|r| c.get(&r.siren).is_none()).count();
        if missing > 0 {
            without.push(format!("{} ({missing} sans contour)", d.code));
        }
    }
    if !without.is_empty() {
        checks.push(
            Severity::Info,
            id,
            "",
            format!(
                "carte des intercommunalités non dessinée, liste seule, pour {} : {}",
                fmt::count(without.len(), "département", "départements"),
                without.join(", ")
            ),
        );
    }
}

/// "3e édition" for the known editions.
pub fn edition_label(year: i32) -> String {
    match EDITION_DATES.iter().position(|(y, _)| *y == year) {
        Some(0) => "1re édition".into(),
        Some(i) => format!("{}e édition", i + 1),
        None => format!("édition {year}"),
    }
}

/// The creation time of the outputs: `as_of` (YYYY-MM-DD), else `SOURCE_DATE_EPOCH`, else
/// the edition's publication date (31 December for an edition not yet dated). Never the
/// clock.
/// The years an edition compares, from the command line: the comparison year defaults
/// to the edition before this one (`EDITION_DATES`), else the edition year − 2; the
/// baseline to 2020, or the comparison year when it is earlier. Refused (exit 2) unless
/// baseline ≤ previous ≤ edition.
pub fn years(current: i32, previous: Option<i32>, baseline: Option<i32>) -> Result<Years> {
    let previous = previous
        .unwrap_or_else(|| EDITION_DATES.iter().map(|(y, _)| *y).filter(|y| *y < current).max().unwrap_or(current - 2));
    let baseline = baseline.unwrap_or(EDITION_DATES[0].0.min(previous));
    let years = Years { current, previous, baseline };
    years_in_order(years)?;
    Ok(years)
}

fn years_in_order(y: Years) -> Result<()> {
    if y.baseline <= y.previous && y.previous <= y.current {
        Ok(())
    } else {
        Err(crate::error::UsageError(format!(
            "expected --baseline <= --previous <= --edition, got {} <= {} <= {} (the same year for all three \
             builds an edition without comparison)",
            y.baseline, y.previous, y.current
        ))
        .into())
    }
}

pub fn epoch(as_of: Option<&str>, year: i32) -> Result<i64> {
    if let Some(date) = as_of {
        return parse_date(date).map_err(|e| {
            crate::error::UsageError(format!("invalid --as-of `{date}`: expected a date YYYY-MM-DD ({e:#})")).into()
        });
    }
    if let Ok(s) = std::env::var("SOURCE_DATE_EPOCH") {
        return s
            .trim()
            .parse()
            .with_context(|| format!("invalid SOURCE_DATE_EPOCH `{s}`: expected seconds since 1970"));
    }
    let (m, d) = EDITION_DATES.iter().find(|(y, _)| *y == year).map(|(_, md)| *md).unwrap_or((12, 31));
    parse_date(&format!("{year}-{m:02}-{d:02}"))
}

/// Seconds since 1970 at midnight UTC of a calendar date `YYYY-MM-DD`; impossible dates
/// (`2022-02-31`) are refused by the `time` crate's calendar.
pub fn parse_date(s: &str) -> Result<i64> {
    let parts: Vec<&str> = s.trim().split('-').collect();
    let [y, m, d] = parts.as_slice() else { bail!("expected YYYY-MM-DD, got `{s}`") };
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        bail!("expected YYYY-MM-DD, got `{s}`");
    }
    let (y, m, d): (i32, u8, u8) = (
        y.parse().with_context(|| format!("year `{y}` is not a number"))?,
        m.parse().with_context(|| format!("month `{m}` is not a number"))?,
        d.parse().with_context(|| format!("day `{d}` is not a number"))?,
    );
    let month = time::Month::try_from(m).map_err(|_| anyhow::anyhow!("month {m} does not exist"))?;
    let date = time::Date::from_calendar_date(y, month, d).map_err(|_| anyhow::anyhow!("{s} is not a date"))?;
    // Julian day 2 440 588 is 1970-01-01.
    Ok((i64::from(date.to_julian_day()) - 2_440_588) * 86_400)
}

/// Builds an edition: loads and validates every dataset, computes the indicators,
/// derives themes, commentary, series and neighbours.
pub fn prepare(opts: &Options) -> Result<Edition> {
    let years = opts.years;
    years_in_order(years)?;
    let src = &opts.data;
    // Every input is read before failing, so that one run reports every source's problems.
    let mut bad = Gathered::default();
    let contours = if src.has(sources::contours::ID) {
        let id = sources::contours::ID;
        bad.take(src.attribute(id, src.locate(id).and_then(|l| sources::contours::parse(l, Geography::get()))))?
    } else {
        None
    };
    let epci_contours = if src.has(sources::contours_epci::ID) {
        let id = sources::contours_epci::ID;
        bad.take(src.attribute(id, src.locate(id).and_then(|l| sources::contours_epci::parse(l, Geography::get()))))?
    } else {
        None
    };
    let built =
        bad.take(build_model(src, years, opts.epoch, opts.indicators.as_deref(), opts.previous_published.as_deref()))?;
    bad.finish()?;
    let Some((mut model, mut checks)) = built else { bail!("the edition model was not built") };
    if let Some(c) = &epci_contours {
        epci_contour_checks(c, &model, &mut checks);
    }
    // Nothing non-finite, no bound excluding its value, no p-value outside [0, 1].
    crate::gate::check(&model)?;
    let t = Timer::start("commentary");
    model.themes = crate::commentary::themes(&model.indicators, opts.editorial.as_deref(), model.demo)?;
    (model.introduction, model.introduction_placeholder) =
        crate::commentary::editorial(opts.editorial.as_deref(), "introduction", model.demo)?;
    model.draft = opts.draft;
    t.stop();
    let provenance_json = provenance(src, &model)?;
    Ok(Edition { model, checks, contours, epci_contours, provenance_json })
}

/// The provenance of the inputs: the fetch manifest, or the data directory's provenance
/// as JSON.
fn provenance(src: &DataSource, model: &ReportModel) -> Result<String> {
    Ok(match src {
        DataSource::Cache(dir) => {
            let path = dir.join(crate::sources::manifest::FILE);
            std::fs::read_to_string(&path).with_context(|| format!("failed to read `{}`", path.display()))?
        }
        _ => serde_json::to_string_pretty(&serde_json::json!({
            "demo": model.demo,
            "vintage": model.vintage,
            "sources": model.sources,
        }))?,
    })
}

/// Loads every dataset, computes the indicators and assembles the report model (without
/// themes: see [`prepare`]).
pub fn build_model(
    src: &DataSource,
    years: Years,
    epoch: i64,
    indicator_dir: Option<&Path>,
    previous_published: Option<&Path>,
) -> Result<(ReportModel, Checks)> {
    let t = Timer::start("ingest+validate");
    let geo = Geography::get();
    // Every input is read before any is used: the problems of all of them are reported
    // together (a file that fails does not hide the next one's problems).
    let mut bad = Gathered::default();
    let prov = bad.take(src.provenance())?;
    let specs = bad.take(indicators::spec::load(indicator_dir))?;
    let mut checks = Checks::default();
    // Changed source files: alerts until acknowledged, and listed in the methodology.
    let changes = src.changes()?;
    checks.source_changes(&changes);
    let revisions = changes.iter().filter(|c| !c.acknowledged()).map(source_revision).collect();
    // Only the edition year is required; a comparison year the data do not hold gives
    // « n.d. » and an alert.
    let needed = [years.current];
    let (gp, pop, mut loaded) = std::thread::scope(|s| -> Result<_> {
        // The directory's counts by commune, the largest input, are read beside the others
        // (their problems still come in the registry's order).
        let id = Dataset::GeneralistesCommunes.id();
        let communes = src.has(id).then(|| {
            std::thread::Builder::new().spawn_scoped(s, move || src.attribute(id, sources::gp_communes::load(src)))
        });
        let gp = bad.take(src.attribute(sources::gp::ID, sources::gp::load(src, geo, &needed)))?;
        let pop = bad.take(src.attribute(sources::population::ID, sources::population::load(src, geo, &needed)))?;
        let loaded = Loaded::read(src, geo, &mut bad, communes)?;
        Ok((gp, pop, loaded))
    })?;
    let published = match previous_published {
        Some(p) => bad.take(read_published(p))?,
        None => Some(Vec::new()),
    };
    bad.finish()?;
    let (Some(prov), Some(specs), Some(gp), Some(pop), Some(published)) = (prov, specs, gp, pop, published) else {
        bail!("an input was neither read nor reported");
    };
    // The edition's date cuts every dated source: nothing dated after it is used.
    let as_of = {
        let (y, m, d) = fmt::civil_from_days(epoch.div_euclid(86_400));
        AsOf { date: (y, m, d), label: fmt::date_fr(y, m, d) }
    };
    let gp = as_of.cut(gp, Dataset::Generalistes.id(), &mut checks, |r| ((r.year, 1, 1), r.year.to_string()));
    let pop = as_of.cut(pop, Dataset::Population.id(), &mut checks, |r| ((r.year, 1, 1), r.year.to_string()));
    for (id, held) in [
        (Dataset::Generalistes.id(), gp.iter().map(|r| (r.dept.as_str(), r.year)).collect::<BTreeSet<_>>()),
        (Dataset::Population.id(), pop.iter().map(|r| (r.dept.as_str(), r.year)).collect::<BTreeSet<_>>()),
    ] {
        let years_held: BTreeSet<i32> = held.iter().map(|(_, y)| *y).collect();
        let list: Vec<String> = years_held.iter().map(|y| y.to_string()).collect();
        for (y, what) in [(years.previous, "de comparaison"), (years.baseline, "de référence")] {
            if y == years.current || (what == "de référence" && y == years.previous) {
                continue;
            }
            let missing = geo.departements.iter().filter(|d| !held.contains(&(d.code.as_str(), y))).count();
            if missing == geo.departements.len() {
                checks.push(
                    Severity::Alerte,
                    id,
                    "",
                    format!(
                        "l'année {what} {y} est absente des données (années présentes : {}) : évolutions n.d.",
                        list.join(", ")
                    ),
                );
            } else if missing > 0 {
                checks.push(
                    Severity::Alerte,
                    id,
                    "",
                    format!("année {what} {y} : {} sans valeur", fmt::count(missing, "département", "départements")),
                );
            }
        }
    }
    let mut inputs = Inputs::new(&gp, &pop)?;
    let mut series = Vec::new();
    let mut by_year: BTreeMap<i32, (u64, usize, bool)> = BTreeMap::new();
    for r in &gp {
        let e = by_year.entry(r.year).or_default();
        e.0 += r.count.unwrap_or(0);
        e.1 += 1;
        e.2 |= r.count.is_none();
    }
    let points: Vec<(i32, f64)> = by_year
        .iter()
        .filter(|(y, (_, n, nd))| *n == geo.departements.len() && !nd && **y <= years.current)
        .map(|(y, (c, _, _))| (*y, *c as f64))
        .collect();
    let demo_note = series_note(&prov, "generalistes.csv", &points);
    series.push(Series {
        id: "generalistes-france".into(),
        title: "Médecins généralistes en activité au 1er janvier, France".into(),
        unit: "médecins".into(),
        decimals: 0,
        percent: false,
        // A year counts only when every département has a count.
        points,
        source: format!("DREES/RPPS{demo_note}"),
    });

    let mut zones = Vec::new();
    // Every dataset of the registry, in its order (a new one must be placed here: the
    // match is exhaustive). The two base tables are loaded above; each other dataset
    // feeds the indicators when it has a file here, with the checks proper to it.
    for d in Dataset::ALL {
        match d {
            // Required, loaded above.
            Dataset::Generalistes | Dataset::Population => {}
            // The national PDSA series is read with the survey; the contours by `prepare`;
            // the communes below, once the zones rouges are known.
            Dataset::PdsaNational | Dataset::Contours | Dataset::ContoursEpci => {}
            Dataset::GeneralistesCommunes => {}
            _ if !src.has(d.id()) => checks.push(
                Severity::Info,
                d.id(),
                "",
                "source absente : les indicateurs qui en dépendent ne sont pas calculés".into(),
            ),
            Dataset::Pdsa => {
                let rows = as_of.cut(loaded.pdsa.take().unwrap_or_default(), d.id(), &mut checks, |r| {
                    ((r.year, 1, 1), r.year.to_string())
                });
                let years_present: BTreeSet<i32> = rows.iter().map(|r| r.year).collect();
                for y in &years_present {
                    let present = rows.iter().filter(|r| r.year == *y).map(|r| r.dept.as_str());
                    checks.completeness(d.id(), geo, *y, present);
                    let nd: Vec<&str> = rows
                        .iter()
                        .filter(|r| r.year == *y && r.concerned.is_none())
                        .map(|r| r.dept.as_str())
                        .collect();
                    if !nd.is_empty() {
                        let message = format!("{y} : sans réponse à l'enquête : {}", nd.join(", "));
                        checks.push(Severity::Info, d.id(), "", message);
                    }
                }
                if let Some(national) = loaded.pdsa_national.take() {
                    pdsa_national_check(&rows, &national, &mut checks);
                    let points: Vec<(i32, f64)> = national.into_iter().filter(|(y, _)| *y <= years.current).collect();
                    let demo_note = series_note(&prov, "pdsa-national.csv", &points);
                    series.push(Series {
                        id: "pdsa-france".into(),
                        title: "Participation des généralistes à la permanence des soins, France".into(),
                        unit: "%".into(),
                        decimals: 0,
                        percent: true,
                        points,
                        source: format!("CNOM, enquêtes PDSA{demo_note}"),
                    });
                }
                inputs = inputs.with_pdsa(&rows)?;
            }
            Dataset::Sas => {
                // A SAS counts from its opening date; appointments by their year.
                let rows = as_of.cut(loaded.sas.take().unwrap_or_default(), d.id(), &mut checks, |r| {
                    let (y, m, day) = r.opened;
                    (
                        r.opened.max((r.year, 1, 1)),
                        format!("{} (ouvert le {}, année {})", r.name, fmt::date_fr(y, m, day), r.year),
                    )
                });
                inputs = inputs.with_sas(&rows, geo)?
            }
            Dataset::SansMedecinTraitant => {
                let rows = as_of.cut(loaded.sans_mt.take().unwrap_or_default(), d.id(), &mut checks, |r| {
                    ((r.year, 1, 1), r.year.to_string())
                });
                for y in rows.iter().map(|r| r.year).collect::<BTreeSet<_>>() {
                    let present = rows.iter().filter(|r| r.year == y).map(|r| r.dept.as_str());
                    checks.completeness(d.id(), geo, y, present);
                }
                inputs = inputs.with_sans_mt(&rows)?;
            }
            Dataset::ZonesRouges => {
                let z = loaded.zones.take().unwrap_or_default();
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
                    let hint =
                        u.suggestion.as_deref().map(|s| format!(" ; nom le plus proche : {s}")).unwrap_or_default();
                    let message = format!("ligne {} : « {} » ne correspond à aucun EPCI{hint}", u.line, u.name);
                    checks.push(Severity::Alerte, d.id(), "", message);
                }
                inputs = inputs.with_zones(&z, geo, years.current)?;
            }
            Dataset::Missions => {
                let rows = as_of.cut(loaded.missions.take().unwrap_or_default(), d.id(), &mut checks, |r| {
                    ((r.month.0, r.month.1, 1), format!("{:04}-{:02}", r.month.0, r.month.1))
                });
                inputs = inputs.with_missions(&rows, geo, years.current)?;
            }
            Dataset::Renoncement => {
                let rows = as_of.cut(loaded.survey.take().unwrap_or_default(), d.id(), &mut checks, |r| {
                    ((r.year, 1, 1), r.year.to_string())
                });
                inputs = inputs.with_survey(&rows)?
            }
        }
    }

    // The EPCI level is computed beside the indicators; its checks keep their place, before
    // the indicators' ones.
    let epci_checks_at = checks.items.len();
    let epci_job = match loaded.gp_communes.take() {
        Some(counts) => {
            let (zones, gp, prov) = (zones.clone(), gp.clone(), prov.clone());
            let job = std::thread::Builder::new().spawn(move || {
                let mut checks = Checks::default();
                let level = epci_level(&counts, years, &zones, &gp, &prov, &mut checks);
                (level, checks)
            });
            Some(job.context("failed to start a thread")?)
        }
        None => None,
    };

    t.stop();
    let t = Timer::start("indicators+model");
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
        let files: Vec<Option<&FileProvenance>> =
            refs.iter().map(|f| prov.files.get(&format!("{}.csv", f.source))).collect();
        mark_real(&mut r, &files, &prov, geo);
        apply_published(&mut r, &published);
        checks.indicator(spec, &r);
        // No value at all in the edition year (a survey not run that year): nothing to draw.
        if r.france().and_then(|f| f.cur.as_ref()).is_none() && r.departements().all(|x| x.cur.is_none()) {
            r.presentation.figures.clear();
            checks.push(
                Severity::Info,
                &spec.id,
                "",
                format!("aucune valeur en {} : l'indicateur n'a ni carte ni graphique", years.current),
            );
        }
        results.push(r);
    }
    let sources: Vec<SourceInfo> = sources::registry::Dataset::ALL
        .iter()
        .filter_map(|d| {
            let f = format!("{}.csv", d.id());
            prov.files.get(&f).map(|p| SourceInfo {
                file: f.clone(),
                source: p.source.clone(),
                years: p.years.clone(),
                vintage: p.vintage.clone().unwrap_or_else(|| prov.vintage.clone()),
            })
        })
        .collect();
    let (y, mo, d) = fmt::civil_from_days(epoch.div_euclid(86_400));
    let (demo_notice, demo_real) = match prov.demo {
        true => {
            let (n, t) = notice(&prov, geo);
            (Some(n), t)
        }
        false => (None, Vec::new()),
    };
    let epci = match epci_job {
        Some(job) => {
            let (level, epci_checks) = job.join().map_err(|_| anyhow!("computing the EPCI level panicked"))?;
            checks.items.splice(epci_checks_at..epci_checks_at, epci_checks.items);
            level
        }
        None => None,
    };
    let model = ReportModel {
        edition: EditionInfo {
            year: years.current,
            previous: years.previous,
            baseline: years.baseline,
            date_iso: format!("{y:04}-{mo:02}-{d:02}"),
            date_fr: fmt::date_fr(y, mo, d),
        },
        demo: prov.demo,
        demo_notice: demo_notice.clone(),
        demo_real,
        vintage: prov.vintage.clone(),
        key_figures: key_figures(&results, prov.demo),
        method_notes: crate::commentary::method_notes(&results),
        indicators: results,
        sources,
        series,
        themes: Vec::new(),
        introduction: Vec::new(),
        introduction_placeholder: true,
        draft: false,
        edition_label: edition_label(years.current),
        zones,
        neighbours: crate::similar::neighbours(
            geo,
            &pop.iter().filter(|r| r.year == years.current).map(|r| (r.dept.clone(), r.population as f64)).collect(),
            5,
        ),
        alerts: checks.alerts(),
        revisions,
        has_epci: epci.is_some(),
        epci,
    };
    t.stop();
    Ok((model, checks))
}

/// The edition's date, and the rule that cuts the sources at it.
struct AsOf {
    date: (i32, u32, u32),
    label: String,
}

impl AsOf {
    /// Keeps the rows dated at or before the edition's date (a year counts from its 1
    /// January, a month from its first day); lists what is left out in the checks.
    fn cut<T>(
        &self,
        rows: Vec<T>,
        id: &str,
        checks: &mut Checks,
        date: impl Fn(&T) -> ((i32, u32, u32), String),
    ) -> Vec<T> {
        let mut later: BTreeSet<String> = BTreeSet::new();
        let mut left = 0usize;
        let kept: Vec<T> = rows
            .into_iter()
            .filter(|r| {
                let (d, label) = date(r);
                let keep = d <= self.date;
                if !keep {
                    later.insert(label);
                    left += 1;
                }
                keep
            })
            .collect();
        if left > 0 {
            let shown: Vec<String> = later.iter().take(12).cloned().collect();
            checks.push(
                Severity::Info,
                id,
                "",
                format!(
                    "{} postérieure{} à la date de l'édition ({}) écartée{} : {}{}",
                    fmt::count(left, "ligne", "lignes"),
                    if left > 1 { "s" } else { "" },
                    self.label,
                    if left > 1 { "s" } else { "" },
                    shown.join(", "),
                    if later.len() > shown.len() { ", …" } else { "" }
                ),
            );
        }
        kept
    }
}

/// A pending change of a fetched file, as the methodology shows it.
fn source_revision(c: &sources::manifest::Change) -> SourceRevision {
    SourceRevision {
        source: c.id.clone(),
        title: c.title.clone(),
        url: c.url.clone(),
        kind: if c.same_vintage { "révision".into() } else { "nouveau millésime".into() },
        old_sha256: c.old.sha256.clone(),
        new_sha256: c.new.sha256.clone(),
        old_date: date_fr(&c.old.retrieved_at),
        new_date: date_fr(&c.new.retrieved_at),
        old_vintage: c.old.vintage.clone(),
        new_vintage: c.new.vintage.clone(),
        vintages: c.vintages(),
    }
}

/// « 5 janvier 2026 » from an RFC 3339 time (`2026-01-05T10:00:00Z`); the text as it is
/// when it is not one.
fn date_fr(rfc3339: &str) -> String {
    rfc3339
        .get(..10)
        .and_then(|d| parse_date(d).ok())
        .map(|secs| {
            let (y, m, d) = fmt::civil_from_days(secs.div_euclid(86_400));
            fmt::date_fr(y, m, d)
        })
        .unwrap_or_else(|| rfc3339.to_string())
}

/// The datasets besides the two base tables that have a file here, read (and validated)
/// before any is used.
#[derive(Default)]
struct Loaded {
    pdsa: Option<Vec<sources::pdsa::PdsaRow>>,
    pdsa_national: Option<Vec<(i32, f64)>>,
    sas: Option<Vec<sources::sas::SasRow>>,
    sans_mt: Option<Vec<sources::sans_mt::SansMtRow>>,
    zones: Option<sources::zones_rouges::ZonesRouges>,
    missions: Option<Vec<sources::missions::MissionRow>>,
    survey: Option<Vec<sources::survey::Respondent>>,
    gp_communes: Option<sources::gp_communes::GpCommunes>,
}

impl Loaded {
    /// Reads every dataset present; the problems of invalid ones go to `bad`. The counts by
    /// commune come from `communes` when it is being read on another thread.
    fn read(
        src: &DataSource,
        geo: &Geography,
        bad: &mut Gathered,
        mut communes: Option<
            std::io::Result<std::thread::ScopedJoinHandle<'_, Result<sources::gp_communes::GpCommunes>>>,
        >,
    ) -> Result<Loaded> {
        let mut l = Loaded::default();
        for d in Dataset::ALL {
            let id = d.id();
            if !src.has(id) {
                continue;
            }
            match d {
                // Loaded by the caller (the base tables) or by `prepare` (the contours).
                Dataset::Generalistes | Dataset::Population | Dataset::Contours | Dataset::ContoursEpci => {}
                Dataset::Pdsa => l.pdsa = bad.take(src.attribute(id, sources::pdsa::load(src, geo)))?,
                Dataset::PdsaNational => {
                    l.pdsa_national = bad.take(src.attribute(id, sources::pdsa::load_national(src)))?;
                }
                Dataset::Sas => l.sas = bad.take(src.attribute(id, sources::sas::load(src, geo)))?,
                Dataset::SansMedecinTraitant => {
                    l.sans_mt = bad.take(src.attribute(id, sources::sans_mt::load(src, geo)))?;
                }
                Dataset::ZonesRouges => l.zones = bad.take(src.attribute(id, sources::zones_rouges::load(src, geo)))?,
                Dataset::Missions => l.missions = bad.take(src.attribute(id, sources::missions::load(src, geo)))?,
                Dataset::Renoncement => l.survey = bad.take(src.attribute(id, sources::survey::load(src, geo)))?,
                Dataset::GeneralistesCommunes => {
                    let read = match communes.take() {
                        Some(Ok(thread)) => {
                            thread.join().unwrap_or_else(|_| Err(anyhow!("reading the counts by commune panicked")))
                        }
                        Some(Err(e)) => Err(anyhow!("failed to start a thread: {e}")),
                        None => src.attribute(id, sources::gp_communes::load(src)),
                    };
                    l.gp_communes = bad.take(read)?;
                }
            }
        }
        Ok(l)
    }
}

/// The EPCI level from the directory's counts by commune, with the cross-check of its
/// département sums against DREES's counts (alerts beyond the tolerance).
fn epci_level(
    counts: &sources::gp_communes::GpCommunes,
    years: Years,
    zones: &[ZoneInfo],
    gp: &[sources::gp::GpRow],
    prov: &sources::Provenance,
    checks: &mut Checks,
) -> Option<crate::epci::EpciLevel> {
    let id = Dataset::GeneralistesCommunes.id();
    let file = prov.files.get(&format!("{id}.csv"));
    let synthetic = prov.demo && file.is_none_or(|f| f.real.is_empty());
    let mut source = file.map_or_else(
        || "Annuaire santé (RPPS en libre accès), Agence du numérique en santé".to_string(),
        |f| format!("{} [{}]", f.source, f.vintage.as_deref().unwrap_or(&prov.vintage)),
    );
    if synthetic {
        source.push_str(" ; données synthétiques");
    }
    let red: BTreeSet<String> = zones.iter().map(|z| z.siren.clone()).collect();
    let Some(year) = counts.years.keys().copied().filter(|y| *y <= years.current).max() else {
        checks.push(
            Severity::Alerte,
            id,
            "",
            format!("aucune extraction de {} ou avant : pas de niveau EPCI", years.current),
        );
        return None;
    };
    let drees: BTreeMap<String, u64> =
        gp.iter().filter(|r| r.year == year).filter_map(|r| Some((r.dept.clone(), r.count?))).collect();
    let level = crate::epci::compute(counts, years.current, years.previous, &red, &drees, source, synthetic)?;
    if level.year != years.current {
        let message = format!("pas d'extraction de {} : le niveau EPCI est celui de {}", years.current, level.year);
        checks.push(Severity::Alerte, id, "", message);
    }
    let geo = Geography::get();
    let mut gaps: Vec<(f64, &str)> =
        level.cross_check.iter().filter_map(|c| c.gap_pct.map(|g| (g, c.dept.as_str()))).collect();
    gaps.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(b.1)));
    if let (Some(lo), Some(hi)) = (gaps.first(), gaps.last()) {
        let median = gaps[gaps.len() / 2].0;
        let name = |c: &str| geo.departement(c).map(|d| format!("{} ({c})", d.name)).unwrap_or_default();
        let message = format!(
            "annuaire santé et DREES, {} : {} généralistes dans l'annuaire contre {} à la DREES ; écart par département de {} ({}) à {} ({}), médian {} ; alerte au-delà de ±{} % ({}). L'annuaire compte chaque généraliste une fois, à un lieu d'exercice ; la DREES compte les généralistes en activité au 1er janvier selon sa propre définition : un écart de quelques pour cent est attendu. Détail : tables/controle-annuaire-drees.csv.",
            level.year,
            fmt::number(level.france.gps as f64, 0),
            fmt::number(drees.values().sum::<u64>() as f64, 0),
            fmt::signed_pct(lo.0, 1),
            name(lo.1),
            fmt::signed_pct(hi.0, 1),
            name(hi.1),
            fmt::signed_pct(median, 1),
            crate::epci::TOLERANCE_PCT,
            fmt::count(level.cross_check.iter().filter(|c| c.alert).count(), "département", "départements"),
        );
        checks.push(Severity::Info, id, "", message);
    }
    for c in level.cross_check.iter().filter(|c| c.alert) {
        let name = geo.departement(&c.dept).map(|d| d.name.clone()).unwrap_or_default();
        let message = format!(
            "annuaire : {} généralistes, DREES : {} en {} ({}) : écart au-delà de ±{} %",
            c.directory,
            c.drees.unwrap_or(0),
            level.year,
            c.gap_pct.map(|g| fmt::signed_pct(g, 1)).unwrap_or_default(),
            crate::epci::TOLERANCE_PCT
        );
        checks.push(Severity::Alerte, id, &c.dept, format!("{name} : {message}"));
    }
    Some(level)
}

/// The CNOM publishes a national participation rate; the sum of the départements must
/// give it back within half a point.
fn pdsa_national_check(rows: &[sources::pdsa::PdsaRow], national: &[(i32, f64)], checks: &mut Checks) {
    for (y, published) in national {
        let (v, c) = rows
            .iter()
            .filter(|r| r.year == *y)
            .fold((0u64, 0u64), |(v, c), r| (v + r.volunteers.unwrap_or(0), c + r.concerned.unwrap_or(0)));
        if c > 0 {
            let computed = v as f64 / c as f64 * 100.0;
            if (computed - published).abs() > 0.5 {
                checks.push(
                    Severity::Alerte,
                    "pdsa",
                    "FR",
                    format!(
                        "{y} : taux national publié {} mais somme des départements {}",
                        fmt::pct(*published, 1),
                        fmt::pct(computed, 1)
                    ),
                );
            }
        }
    }
}

/// Values published in the previous edition: `indicateur,code,valeur`.
fn read_published(path: &Path) -> Result<Vec<(String, String, f64)>> {
    let bytes = crate::formats::read_file(path)?;
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

/// Tells, value by value, whether an indicator's figures are real: outside demo data all
/// are (their source is the indicator's provenance); in demo data a value is real when
/// every source file it is computed from declares it real (`reel` in `provenance.toml`).
fn mark_real(r: &mut IndicatorResult, files: &[Option<&FileProvenance>], prov: &Provenance, geo: &Geography) {
    for row in &mut r.rows {
        let members: Vec<String> = match row.level {
            LevelName::Region => {
                geo.departements.iter().filter(|d| d.region == row.code).map(|d| d.code.clone()).collect()
            }
            _ => Vec::new(),
        };
        let scope = match row.level {
            LevelName::France => Scope::France,
            LevelName::Region => Scope::Region(&members),
            LevelName::Departement => Scope::Departement(&row.code),
        };
        for (k, year) in r.years.iter().enumerate() {
            row.real[k] = if !prov.demo {
                Some(r.provenance.clone())
            } else {
                let parts: Option<Vec<&str>> = files
                    .iter()
                    .map(|f| f.and_then(|f| f.real_at(&r.id, scope, *year)).map(|p| p.source.as_str()))
                    .collect();
                parts.map(|mut p| {
                    p.dedup();
                    p.join(" ; ")
                })
            };
        }
    }
}

/// The demo notice and the list of the real figures of demo data, from the provenance.
fn notice(prov: &Provenance, geo: &Geography) -> (String, Vec<RealFigures>) {
    let mut table = Vec::new();
    // Parts real below the national level (the exceptions to « synthetic by département »),
    // and datasets without any real figure.
    let mut below = Vec::new();
    let mut synthetic = Vec::new();
    for d in Dataset::ALL {
        let Some(f) = prov.files.get(&format!("{}.csv", d.id())) else { continue };
        if f.real.is_empty() {
            synthetic.push(d.short().to_string());
            continue;
        }
        for p in &f.real {
            let depts = p.territories.iter().filter(|t| *t != "FR").count();
            let national = p.territories.iter().any(|t| t == "FR");
            let where_ = if p.territories.iter().any(|t| t == "*") {
                "chaque département, région et la France".to_string()
            } else if depts > 4 {
                format!("{}{depts} départements", if national { "la France et " } else { "" })
            } else {
                let names: Vec<String> = p
                    .territories
                    .iter()
                    .map(|t| match t.as_str() {
                        "FR" => "la France".to_string(),
                        c => geo.departement(c).map_or_else(|| c.to_string(), |d| d.name.clone()),
                    })
                    .collect();
                fmt::list_fr(&names)
            };
            let years = match p.years.as_slice() {
                [y] => format!("{y}"),
                [a, .., b] if p.years.windows(2).all(|w| w[1] == w[0] + 1) => format!("{a} à {b}"),
                ys => fmt::list_fr(&ys.iter().map(i32::to_string).collect::<Vec<_>>()),
            };
            if depts > 0 || p.territories.iter().any(|t| t == "*") {
                let short = if depts > 4 && !p.territories.iter().any(|t| t == "*") {
                    format!("{} ({depts} départements)", d.short())
                } else if p.territories.iter().any(|t| t == "*") {
                    format!("{} ({years})", d.short())
                } else {
                    let names: Vec<String> = p
                        .territories
                        .iter()
                        .filter(|t| *t != "FR")
                        .map(|c| geo.departement(c).map_or_else(|| c.clone(), |d| d.name.clone()))
                        .collect();
                    format!("{} ({}, {years})", d.short(), fmt::list_fr(&names))
                };
                below.push(short);
            }
            let indicators = if p.indicators.is_empty() { String::new() } else { p.indicators.join(", ") };
            table.push(RealFigures {
                dataset: d.short().to_string(),
                scope: where_,
                years,
                indicators,
                source: p.source.clone(),
                url: p.url.clone().unwrap_or_default(),
                licence: p.licence.clone().unwrap_or_default(),
            });
        }
    }
    (crate::model::demo_notice(&below, &synthetic), table)
}

/// The demo note of a national series: which of its years are real.
fn series_note(prov: &Provenance, file: &str, points: &[(i32, f64)]) -> String {
    if !prov.demo {
        return String::new();
    }
    let real: Vec<String> = points
        .iter()
        .filter(|(y, _)| prov.files.get(file).and_then(|f| f.real_at("", Scope::France, *y)).is_some())
        .map(|(y, _)| y.to_string())
        .collect();
    match real.len() {
        0 => " — données synthétiques (démonstration)".to_string(),
        n if n == points.len() => " — chiffres réels (données de démonstration)".to_string(),
        1 => format!(" — démonstration : {} réel, autres années synthétiques", real[0]),
        _ => format!(" — démonstration : {} réels, autres années synthétiques", fmt::list_fr(&real)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_calendar_dates() {
        // 2025-11-20 is day 20 412 after 1970-01-01 (55 years, 14 leap days, 323 days).
        assert_eq!(parse_date("2025-11-20").expect("date"), 20_412 * 86_400);
        assert_eq!(parse_date("1970-01-01").expect("date"), 0);
        assert_eq!(parse_date("2024-02-29").expect("leap day"), 19_782 * 86_400);
        for bad in
            ["2022-02-31", "2023-02-29", "2025-13-01", "2025-00-10", "2025-04-31", "2025-1-1", "25-11-20", "hier"]
        {
            assert!(parse_date(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn edition_labels() {
        assert_eq!(edition_label(2020), "1re édition");
        assert_eq!(edition_label(2025), "3e édition");
        assert_eq!(edition_label(2027), "édition 2027");
    }
}
