//! `cargo bench`: ingestion and indicator benchmarks (divan). The full-size inputs are
//! generated into `target/bench-data/` (or `$BAROMETRE_BENCH_DATA`) when absent; see
//! BENCHMARKS.md. Timings are printed, never asserted.

use std::path::PathBuf;
use std::sync::OnceLock;

use barometre::demo::fullsize::{self, Size, Workload};
use barometre::geo::Geography;
use barometre::indicators::{self, Inputs, Years};
use barometre::sources::{self, DataSource, Located, survey};

fn main() {
    divan::main();
}

/// The directory of the full-size inputs, written once if absent.
fn data_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::var_os("BAROMETRE_BENCH_DATA")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data"));
        let complete =
            [fullsize::DREES_FILE, fullsize::INSEE_FILE, fullsize::SURVEY_FILE].iter().all(|f| dir.join(f).is_file());
        if !complete {
            eprintln!("writing full-size inputs to {} …", dir.display());
            fullsize::write_all(&dir, Size::Full).expect("bench data");
        }
        dir
    })
}

/// Full-size DREES workbook (~70 MB) to GP counts by département and year.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn drees_full_to_gp_counts() -> usize {
    fullsize::run_workload(data_dir(), Workload::Drees).expect("drees")
}

/// INSEE workbook, every year 1975–2026, to populations by département and year.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn insee_all_years() -> usize {
    fullsize::run_workload(data_dir(), Workload::Insee).expect("insee")
}

/// 1,000,000 respondents, CSV to weighted rates with intervals by département.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn survey_1m_csv_to_rates() -> usize {
    fullsize::run_workload(data_dir(), Workload::Survey).expect("survey")
}

/// 1,000,000 respondents already parsed, to weighted rates with intervals.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn survey_1m_rates_only(bencher: divan::Bencher) {
    let path = data_dir().join(fullsize::SURVEY_FILE);
    let bytes = std::fs::read(&path).expect("read");
    let located = Located { display: path.display().to_string(), bytes, format: sources::Format::Canonical };
    let rows = survey::parse(located, Geography::get()).expect("survey");
    let base = fullsize::SurveyBase::demo().expect("base");
    bencher.bench(|| base.rates(&rows).expect("rates").rows.len());
}

/// Every indicator of the demo edition (inputs already loaded).
#[divan::bench(sample_count = 10, sample_size = 1)]
fn indicators_demo(bencher: divan::Bencher) {
    let geo = Geography::get();
    let src = DataSource::Demo;
    let years = Years { current: 2025, previous: 2023, baseline: 2020 };
    let gp = sources::gp::load(&src, geo, &[]).expect("gp");
    let pop = sources::population::load(&src, geo, &[]).expect("pop");
    let respondents = survey::load(&src, geo).expect("survey");
    let pdsa = sources::pdsa::load(&src, geo).expect("pdsa");
    let inputs = Inputs::new(&gp, &pop).expect("inputs").with_survey(&respondents).expect("survey");
    let inputs = inputs.with_pdsa(&pdsa).expect("pdsa");
    let specs = indicators::spec::load(None).expect("specs");
    bencher.bench(|| {
        specs
            .iter()
            .filter(|s| {
                [&s.numerator.source]
                    .into_iter()
                    .chain(s.denominator.as_ref().map(|d| &d.source))
                    .all(|x| inputs.has(x))
            })
            .map(|s| indicators::compute(s, &inputs, geo, years).expect("compute").rows.len())
            .sum::<usize>()
    });
}

/// Small end to end: the demo edition's datasets loaded, validated and turned into the
/// report model (no rendering; `just bench` times the whole build).
#[divan::bench(sample_count = 10, sample_size = 1)]
fn demo_model() -> usize {
    let years = Years { current: 2025, previous: 2023, baseline: 2020 };
    let (model, _) =
        barometre::edition::build_model(&DataSource::Demo, years, 1_763_596_800, None, None).expect("model");
    model.indicators.len()
}
