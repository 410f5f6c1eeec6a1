//! Indicator arithmetic against hand-computed values (issues 2 and 4).

use barometre::geo::Geography;
use barometre::indicators::{Inputs, Years, compute, spec};
use barometre::model::LevelName;
use barometre::sources::{gp::GpRow, population::PopRow, survey::Respondent};

const Y: Years = Years { current: 2025, previous: 2023, baseline: 2020 };

fn inputs() -> Inputs {
    // Ain (01) and Allier (03) are in Auvergne-Rhône-Alpes (84); Paris (75) in Île-de-France (11).
    let gp =
        [("01", 2025, 10), ("03", 2025, 30), ("75", 2025, 50), ("01", 2023, 8), ("03", 2023, 30), ("75", 2023, 55)];
    let pop = [("01", 10_000), ("03", 20_000), ("75", 100_000)];
    let gp: Vec<GpRow> = gp.iter().map(|&(d, y, c)| GpRow { dept: d.into(), year: y, count: Some(c) }).collect();
    let mut p = Vec::new();
    for year in [2020, 2023, 2025] {
        p.extend(pop.iter().map(|&(d, n)| PopRow { dept: d.into(), year, population: n }));
    }
    Inputs::new(&gp, &p).expect("inputs")
}

fn spec(id: &str) -> spec::IndicatorSpec {
    spec::load(None).expect("specs").into_iter().find(|s| s.id == id).expect("spec")
}

#[test]
fn issue2_density_aggregates_are_ratios_of_sums() {
    let r = compute(&spec("densite-generalistes"), &inputs(), Geography::get(), Y).expect("compute");
    let get = |lvl: LevelName, code: &str| r.rows.iter().find(|x| x.level == lvl && x.code == code).expect("row");
    let ain = get(LevelName::Departement, "01");
    assert!((ain.cur.as_ref().expect("v").value - 100.0).abs() < 1e-9);
    // Region 84: (10 + 30) / (10,000 + 20,000) × 100,000 = 133.333…, not the mean of 100 and 150.
    let ara = get(LevelName::Region, "84");
    assert!((ara.cur.as_ref().expect("v").value - 400.0 / 3.0).abs() < 1e-9);
    // France: 90 / 130,000 × 100,000.
    let fr = get(LevelName::France, "FR");
    assert!((fr.cur.as_ref().expect("v").value - 90.0 / 1.3).abs() < 1e-9);
    // Change since 2023 for France: 90/130,000 − 93/130,000, in points per 100,000.
    assert!((fr.delta_prev_abs.expect("delta") - (90.0 - 93.0) / 1.3).abs() < 1e-9);
    assert!((fr.delta_prev_pct.expect("pct") - (90.0 / 93.0 - 1.0) * 100.0).abs() < 1e-9);
    // No 2020 GP data: the baseline is absent, not zero.
    assert!(fr.base.is_none() && fr.delta_base_abs.is_none());
    // Ranks: Allier 150 > Ain 100 > Paris 50.
    assert_eq!(get(LevelName::Departement, "03").rank, Some(1));
    assert_eq!(ain.rank, Some(2));
    assert_eq!(get(LevelName::Departement, "75").rank, Some(3));
    assert_eq!(
        get(LevelName::Departement, "75").flags,
        vec!["moins de 100 généralistes pour 100 000 habitants".to_string()]
    );
}

#[test]
fn issue2_counts_sum_and_change() {
    let r = compute(&spec("effectif-generalistes"), &inputs(), Geography::get(), Y).expect("compute");
    let fr = r.rows.iter().find(|x| x.level == LevelName::France).expect("France");
    assert_eq!(fr.cur.as_ref().expect("v").value, 90.0);
    assert_eq!(fr.cur.as_ref().expect("v").den, None);
    assert_eq!(fr.delta_prev_abs, Some(-3.0));
    let ain = r.rows.iter().find(|x| x.code == "01").expect("Ain");
    assert!((ain.delta_prev_pct.expect("pct") - 25.0).abs() < 1e-9);
}

fn survey_spec() -> spec::IndicatorSpec {
    spec("renoncement-soins")
}

fn respondents() -> Vec<Respondent> {
    // Ain (84): 40 respondents per year; Allier (84): 10 (too few to publish); Paris (11): 35.
    let mut out = Vec::new();
    let mut id = 0;
    for (year, share) in [(2024, 0.5), (2025, 0.7)] {
        for (dept, region, n) in [("01", "84", 40), ("03", "84", 10), ("75", "11", 35)] {
            for i in 0..n {
                id += 1;
                let weight = 0.5 + (i % 4) as f64 * 0.5;
                let renounced = (i as f64) < share * n as f64;
                out.push(Respondent {
                    id: format!("R{id}"),
                    year,
                    dept: Some(dept.into()),
                    region: region.into(),
                    age: "".into(),
                    sex: "".into(),
                    weight,
                    renounced,
                });
            }
        }
    }
    out
}

#[test]
fn issue4_survey_rates_are_weighted_with_kish_intervals_and_suppression() {
    let rows = respondents();
    let inputs = inputs().with_survey(&rows).expect("survey");
    let r = compute(&survey_spec(), &inputs, Geography::get(), Y).expect("compute");
    let get = |lvl: LevelName, code: &str| r.rows.iter().find(|x| x.level == lvl && x.code == code).expect("row");
    // Independent computation for France 2025 and 2024.
    let sums = |year: i32, f: &dyn Fn(&Respondent) -> bool| {
        let sel: Vec<&Respondent> = rows.iter().filter(|x| x.year == year && f(x)).collect();
        let sw: f64 = sel.iter().map(|x| x.weight).sum();
        let swy: f64 = sel.iter().filter(|x| x.renounced).map(|x| x.weight).sum();
        let sw2: f64 = sel.iter().map(|x| x.weight * x.weight).sum();
        (swy / sw, sw * sw / sw2, sel.len())
    };
    let (p25, neff25, n25) = sums(2025, &|_| true);
    let (p24, neff24, _) = sums(2024, &|_| true);
    let fr = get(LevelName::France, "FR");
    let cur = fr.cur.as_ref().expect("France 2025");
    assert!((cur.value - p25 * 100.0).abs() < 1e-9);
    assert_eq!(cur.n, Some(n25 as u64));
    assert!((cur.n_eff.expect("n_eff") - neff25).abs() < 1e-9);
    // Wilson's interval on the effective sample size, written out here (z = Φ⁻¹(0.975)).
    let z = 1.959_963_984_540_054_f64;
    let centre = (p25 + z * z / (2.0 * neff25)) / (1.0 + z * z / neff25);
    let half = z / (1.0 + z * z / neff25) * (p25 * (1.0 - p25) / neff25 + z * z / (4.0 * neff25 * neff25)).sqrt();
    let (lo, hi) = (centre - half, centre + half);
    assert!(
        (cur.ci_low.expect("lo") - lo * 100.0).abs() < 1e-9 && (cur.ci_high.expect("hi") - hi * 100.0).abs() < 1e-9
    );
    // The change is compared with the previous year (2024), in points, and tested.
    assert_eq!(r.years, [2025, 2024, 2020]);
    assert!((fr.delta_prev_abs.expect("delta") - (p25 - p24) * 100.0).abs() < 1e-9);
    // Two-proportion z-test on the effective sample sizes (unpooled variance), written out
    // here with statrs' normal distribution; the label by the stated rule (p < 0.05).
    use statrs::distribution::{ContinuousCDF, Normal};
    let se = (p24 * (1.0 - p24) / neff24 + p25 * (1.0 - p25) / neff25).sqrt();
    let zstat = (p25 - p24) / se;
    let p = 2.0 * (1.0 - Normal::new(0.0, 1.0).expect("normal").cdf(zstat.abs()));
    assert!((fr.p_value_prev.expect("p") - p).abs() < 1e-12);
    let label = match (p < 0.05, p25 > p24) {
        (true, true) => "hausse significative",
        (true, false) => "baisse significative",
        (false, _) => "stable",
    };
    assert_eq!(fr.change_prev.as_deref(), Some(label));
    // Allier has 10 respondents: withheld, not shown, not ranked.
    let allier = get(LevelName::Departement, "03");
    assert!(allier.cur.is_none() && allier.withheld.is_some() && allier.rank.is_none());
    // Région 84 pools Ain and Allier (50 respondents): published.
    let (p84, _, n84) = sums(2025, &|x| &*x.region == "84");
    let ara = get(LevelName::Region, "84");
    assert_eq!(ara.cur.as_ref().expect("84").n, Some(n84 as u64));
    assert!((ara.cur.as_ref().expect("84").value - p84 * 100.0).abs() < 1e-9);
}

#[test]
fn issue4_position_against_france_and_region_ranks_and_quintiles() {
    let r = compute(&spec("densite-generalistes"), &inputs(), Geography::get(), Y).expect("compute");
    let get = |code: &str| r.rows.iter().find(|x| x.level == LevelName::Departement && x.code == code).expect("row");
    let fr = 90.0 / 1.3;
    let ara = 400.0 / 3.0;
    assert!((get("01").vs_france.expect("vs") - (100.0 - fr)).abs() < 1e-9);
    assert!((get("01").vs_region.expect("vs") - (100.0 - ara)).abs() < 1e-9);
    assert!((get("75").vs_region.expect("vs") - 0.0).abs() < 1e-9, "Paris is alone in its région here");
    // Three values: quintiles 1 (lowest), 2, 4.
    assert_eq!(get("75").quintile, Some(1));
    assert_eq!(get("01").quintile, Some(2));
    assert_eq!(get("03").quintile, Some(4));
}

#[test]
fn issue4_ties_share_the_lowest_rank() {
    let gp: Vec<GpRow> = [("01", 10), ("02", 10), ("03", 5)]
        .iter()
        .map(|&(d, c)| GpRow { dept: d.into(), year: 2025, count: Some(c) })
        .collect();
    let pop: Vec<PopRow> =
        ["01", "02", "03"].iter().map(|d| PopRow { dept: (*d).into(), year: 2025, population: 1000 }).collect();
    let r = compute(&spec("densite-generalistes"), &Inputs::new(&gp, &pop).expect("inputs"), Geography::get(), Y)
        .expect("compute");
    let rank = |c: &str| r.rows.iter().find(|x| x.code == c && x.level == LevelName::Departement).and_then(|x| x.rank);
    assert_eq!((rank("01"), rank("02"), rank("03")), (Some(1), Some(1), Some(3)));
}

#[test]
fn issue4_poisson_change_test_labels_density_changes() {
    let r = compute(&spec("densite-generalistes"), &inputs(), Geography::get(), Y).expect("compute");
    let ain = r.rows.iter().find(|x| x.code == "01" && x.level == LevelName::Departement).expect("Ain");
    // 8 → 10 GPs for the same population: far from significant. Exact conditional test:
    // Binomial(18, ½), two-sided, 2·P(X ≤ 8) = 2·106,762 / 2¹⁸ (by hand; scipy.stats.
    // binomtest(10, 18).pvalue gives the same 0.814529…).
    let p = 213_524.0 / 262_144.0;
    assert!((ain.p_value_prev.expect("p") - p).abs() < 1e-9, "{:?}", ain.p_value_prev);
    assert_eq!(ain.change_prev.as_deref(), Some("stable"));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 64, ..Default::default() })]
    /// National and regional rates equal ratios of sums for random inputs.
    #[test]
    fn issue4_aggregates_are_ratios_of_sums(values in proptest::collection::vec((0u64..5_000, 1_000u64..2_000_000), 101)) {
        let geo = Geography::get();
        let gp: Vec<GpRow> = geo.departements.iter().zip(&values).map(|(d, (c, _))| GpRow { dept: d.code.clone(), year: 2025, count: Some(*c) }).collect();
        let pop: Vec<PopRow> = geo.departements.iter().zip(&values).map(|(d, (_, p))| PopRow { dept: d.code.clone(), year: 2025, population: *p }).collect();
        let r = compute(&spec("densite-generalistes"), &Inputs::new(&gp, &pop).expect("inputs"), geo, Y).expect("compute");
        let total_c: u64 = values.iter().map(|v| v.0).sum();
        let total_p: u64 = values.iter().map(|v| v.1).sum();
        let fr = r.rows.iter().find(|x| x.level == LevelName::France).and_then(|x| x.cur.clone()).expect("France");
        proptest::prop_assert!((fr.value - total_c as f64 / total_p as f64 * 1e5).abs() < 1e-6);
        for reg in geo.regions() {
            let (c, p) = geo.departements.iter().zip(&values).filter(|(d, _)| d.region == reg.code).fold((0u64, 0u64), |(c, p), (_, v)| (c + v.0, p + v.1));
            let row = r.rows.iter().find(|x| x.level == LevelName::Region && x.code == reg.code).and_then(|x| x.cur.clone()).expect("région");
            proptest::prop_assert!((row.value - c as f64 / p as f64 * 1e5).abs() < 1e-6);
        }
    }
}
