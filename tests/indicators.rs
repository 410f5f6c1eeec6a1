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

/// The survey spec with only the 30-respondent rule, so that these small hand-made
/// samples are published (the precision rules have their own test).
fn survey_spec() -> spec::IndicatorSpec {
    let mut s = spec("renoncement-soins");
    s.suppression.min_effective_sample = None;
    s.suppression.max_half_width = None;
    s
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
    // Difference of the two weighted proportions: Wald interval and z-test on the
    // effective sample sizes (unpooled), written out here; the label by the stated rule
    // (interval against ±3 points).
    let se = (p24 * (1.0 - p24) / neff24 + p25 * (1.0 - p25) / neff25).sqrt();
    let zstat = (p25 - p24) / se;
    let p = 2.0 * barometre::quantile::norm_sf(zstat.abs());
    assert!((fr.p_value_prev.expect("p") - p).abs() < 1e-12);
    let c = fr.change_prev_stat.as_ref().expect("change");
    let (lo, hi) = ((p25 - p24 - z * se) * 100.0, (p25 - p24 + z * se) * 100.0);
    assert!((c.low - lo).abs() < 1e-9 && (c.high - hi).abs() < 1e-9, "{c:?} vs {lo} {hi}");
    let label = if lo > 3.0 {
        "hausse"
    } else if hi < -3.0 {
        "baisse"
    } else if lo >= -3.0 && hi <= 3.0 {
        "stable"
    } else {
        "évolution incertaine"
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
fn issue15_two_year_density_change_is_the_trend_through_both_points() {
    let r = compute(&spec("densite-generalistes"), &inputs(), Geography::get(), Y).expect("compute");
    let ain = r.rows.iter().find(|x| x.code == "01" && x.level == LevelName::Departement).expect("Ain");
    // 8 → 10 GPs for the same population, no other year: no département has three years,
    // so φ = 1 and the change is log(10/8) ± z·√(1/8 + 1/10), by hand.
    assert_eq!(r.dispersion.expect("dispersion").phi, 1.0);
    let c = ain.change_prev_stat.as_ref().expect("change");
    let z = 1.959_963_984_540_054_f64;
    let se = (1.0 / 8.0 + 1.0 / 10.0_f64).sqrt();
    assert!((c.estimate - 25.0).abs() < 1e-9);
    assert!((c.low - ((1.25_f64).ln() - z * se).exp_m1() * 100.0).abs() < 1e-9);
    assert!((c.high - ((1.25_f64).ln() + z * se).exp_m1() * 100.0).abs() < 1e-9);
    assert_eq!(ain.change_prev.as_deref(), Some("évolution incertaine"));
}

#[test]
fn issue15_dispersion_and_trend_changes_match_statsmodels() {
    let text = std::fs::read_to_string(crate::common::repo().join("tests/reference/stats.json")).expect("json");
    let refs: serde_json::Value = serde_json::from_str(&text).expect("json");
    let case = &refs["dispersion_case"];
    let years: Vec<i32> =
        case["years"].as_array().expect("years").iter().map(|y| y.as_i64().expect("y") as i32).collect();
    let (mut gp, mut pop) = (Vec::new(), Vec::new());
    for (dept, s) in case["series"].as_object().expect("series") {
        for (i, &year) in years.iter().enumerate() {
            gp.push(GpRow { dept: dept.clone(), year, count: Some(s["k"][i].as_u64().expect("k")) });
            pop.push(PopRow { dept: dept.clone(), year, population: s["n"][i].as_u64().expect("n") });
        }
    }
    let r = compute(&spec("densite-generalistes"), &Inputs::new(&gp, &pop).expect("inputs"), Geography::get(), Y)
        .expect("compute");
    let close = |a: f64, b: &serde_json::Value, what: &str| {
        let b = b.as_f64().expect("number");
        assert!((a - b).abs() <= 1e-7 * b.abs().max(1e-9), "{what}: {a} vs statsmodels {b}");
    };
    close(r.dispersion.expect("φ").phi, &case["phi"], "φ");
    for (code, key) in [("01", "ain"), ("FR", "france")] {
        let row = r.rows.iter().find(|x| x.code == code).expect("row");
        let c = row.change_prev_stat.as_ref().expect("change");
        close(c.estimate, &case[key]["estimate"], "estimate");
        close(c.low, &case[key]["lower"], "lower");
        close(c.high, &case[key]["upper"], "upper");
        close(c.p_value, &case[key]["pvalue"], "p-value");
        let (lo, hi) = (case[key]["lower"].as_f64().expect("lo"), case[key]["upper"].as_f64().expect("hi"));
        let label = if lo > 2.0 {
            "hausse"
        } else if hi < -2.0 {
            "baisse"
        } else if lo >= -2.0 && hi <= 2.0 {
            "stable"
        } else {
            "évolution incertaine"
        };
        assert_eq!(row.change_prev.as_deref(), Some(label), "{code}");
    }
}

#[test]
fn issue15_region_changes_use_the_departements_present_both_years() {
    // Auvergne-Rhône-Alpes (84): Ain 8 → 10 GPs; Allier has 30 GPs in 2025 but no 2023
    // count. The région's 2025 value is the full sum, (10 + 30) / 30,000; its change is
    // on Ain alone: 10/10,000 − 8/10,000 per 100,000 = +20 (not 133.3 − 80 = +53.3).
    let gp: Vec<GpRow> = [("01", 2023, 8), ("01", 2025, 10), ("03", 2025, 30)]
        .iter()
        .map(|&(d, y, c)| GpRow { dept: d.into(), year: y, count: Some(c) })
        .collect();
    let pop: Vec<PopRow> = [2023, 2025]
        .iter()
        .flat_map(|&y| [("01", 10_000), ("03", 20_000)].map(|(d, n)| PopRow { dept: d.into(), year: y, population: n }))
        .collect();
    let r = compute(&spec("densite-generalistes"), &Inputs::new(&gp, &pop).expect("inputs"), Geography::get(), Y)
        .expect("compute");
    let ara = r.rows.iter().find(|x| x.level == LevelName::Region && x.code == "84").expect("84");
    assert!((ara.cur.as_ref().expect("2025").value - 40.0 / 30_000.0 * 1e5).abs() < 1e-9);
    assert!((ara.delta_prev_abs.expect("delta") - 20.0).abs() < 1e-9, "{:?}", ara.delta_prev_abs);
    assert!((ara.delta_prev_pct.expect("pct") - 25.0).abs() < 1e-9);
    assert_eq!((ara.departements, ara.matched_prev), (Some(2), Some(1)));
    // Same for France (only these two départements have data).
    let fr = r.rows.iter().find(|x| x.level == LevelName::France).expect("France");
    assert!((fr.delta_prev_abs.expect("delta") - 20.0).abs() < 1e-9);
}

#[test]
fn issue15_binomial_labels_reach_each_case() {
    use barometre::sources::sans_mt::SansMtRow;
    // Patients without a médecin traitant (threshold ±0.5 point), population constant:
    // Ain 10 % → 15 % of 1,000,000 (hausse), Allier 15 % → 10 % (baisse), Paris
    // 10.0 % → 10.1 % of 1,000,000 (interval ≈ ±0.08: stable), Aisne 10 → 11 of 100
    // (interval ≈ ±9 points: évolution incertaine).
    let cases = [
        ("01", 1_000_000, 100_000, 150_000),
        ("03", 1_000_000, 150_000, 100_000),
        ("75", 1_000_000, 100_000, 101_000),
        ("02", 100, 10, 11),
    ];
    let mut rows = Vec::new();
    let mut pop = Vec::new();
    for &(d, n, a, b) in &cases {
        rows.push(SansMtRow { dept: d.into(), year: 2023, patients: a, ald: 0 });
        rows.push(SansMtRow { dept: d.into(), year: 2025, patients: b, ald: 0 });
        for y in [2023, 2025] {
            pop.push(PopRow { dept: d.into(), year: y, population: n });
        }
    }
    let inputs = Inputs::new(&[], &pop).expect("inputs").with_sans_mt(&rows).expect("sans mt");
    let r = compute(&spec("sans-medecin-traitant"), &inputs, Geography::get(), Y).expect("compute");
    let label = |c: &str| r.rows.iter().find(|x| x.code == c).and_then(|x| x.change_prev.clone());
    assert_eq!(label("01").as_deref(), Some("hausse"));
    assert_eq!(label("03").as_deref(), Some("baisse"));
    assert_eq!(label("75").as_deref(), Some("stable"));
    assert_eq!(label("02").as_deref(), Some("évolution incertaine"));
    // Paris's Newcombe interval written out from the two Wilson intervals (in points).
    let z = 1.959_963_984_540_054_f64;
    let wilson = |p: f64, n: f64| {
        let c = (p + z * z / (2.0 * n)) / (1.0 + z * z / n);
        let h = z / (1.0 + z * z / n) * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
        (c - h, c + h)
    };
    let (p1, p2) = (0.100, 0.101);
    let ((l1, u1), (l2, u2)) = (wilson(p1, 1e6), wilson(p2, 1e6));
    let lo = (p2 - p1 - ((p2 - l2).powi(2) + (u1 - p1).powi(2)).sqrt()) * 100.0;
    let hi = (p2 - p1 + ((u2 - p2).powi(2) + (p1 - l1).powi(2)).sqrt()) * 100.0;
    let c = r.rows.iter().find(|x| x.code == "75").and_then(|x| x.change_prev_stat.clone()).expect("Paris");
    assert!((c.low - lo).abs() < 1e-9 && (c.high - hi).abs() < 1e-9, "{c:?} vs {lo} {hi}");
}

#[test]
fn issue15_ranks_follow_polarity_and_counts_are_not_ranked() {
    use barometre::sources::sans_mt::SansMtRow;
    // Higher is worse: the lowest share of patients without a médecin traitant is 1st.
    let rows: Vec<SansMtRow> = [("01", 5_000), ("03", 20_000), ("75", 10_000)]
        .iter()
        .map(|&(d, k)| SansMtRow { dept: d.into(), year: 2025, patients: k, ald: 0 })
        .collect();
    let pop: Vec<PopRow> =
        ["01", "03", "75"].iter().map(|d| PopRow { dept: (*d).into(), year: 2025, population: 100_000 }).collect();
    let inputs = Inputs::new(&[], &pop).expect("inputs").with_sans_mt(&rows).expect("sans mt");
    let r = compute(&spec("sans-medecin-traitant"), &inputs, Geography::get(), Y).expect("compute");
    let rank = |c: &str| r.rows.iter().find(|x| x.code == c).and_then(|x| x.rank);
    assert_eq!((rank("01"), rank("75"), rank("03")), (Some(1), Some(2), Some(3)));
    // Counts: no rank, no quintile, no gap to France or the région.
    let r = compute(&spec("effectif-generalistes"), &inputs_fn(), Geography::get(), Y).expect("compute");
    for row in r.rows.iter().filter(|x| x.level == LevelName::Departement) {
        assert!(row.rank.is_none() && row.quintile.is_none() && row.vs_france.is_none() && row.vs_region.is_none());
        assert!(row.rank_low.is_none());
    }
}

fn inputs_fn() -> Inputs {
    inputs()
}

#[test]
fn issue15_rank_intervals_are_seeded_and_bracket_the_rank() {
    // 101 départements with densities spread out and small counts: wide intervals; the
    // same inputs give the same intervals; one département far ahead of all is 1st in
    // every draw.
    let geo = Geography::get();
    let mut gp = Vec::new();
    let mut pop = Vec::new();
    for (i, d) in geo.departements.iter().enumerate() {
        let count = if i == 0 { 5_000 } else { 20 + i as u64 };
        gp.push(GpRow { dept: d.code.clone(), year: 2025, count: Some(count) });
        pop.push(PopRow { dept: d.code.clone(), year: 2025, population: 100_000 });
    }
    let inputs = Inputs::new(&gp, &pop).expect("inputs");
    let a = compute(&spec("densite-generalistes"), &inputs, geo, Y).expect("compute");
    let b = compute(&spec("densite-generalistes"), &inputs, geo, Y).expect("compute");
    let ranks = |r: &barometre::model::IndicatorResult| {
        r.rows
            .iter()
            .filter(|x| x.level == LevelName::Departement)
            .map(|x| (x.rank, x.rank_low, x.rank_high))
            .collect::<Vec<_>>()
    };
    assert_eq!(ranks(&a), ranks(&b), "seeded: the same intervals twice");
    let first = &a
        .rows
        .iter()
        .find(|x| x.level == LevelName::Departement && x.code == geo.departements[0].code)
        .expect("first");
    assert_eq!((first.rank, first.rank_low, first.rank_high), (Some(1), Some(1), Some(1)));
    for (rank, lo, hi) in ranks(&a) {
        let (rank, lo, hi) = (rank.expect("rank"), lo.expect("lo"), hi.expect("hi"));
        assert!(lo <= rank && rank <= hi, "{lo} <= {rank} <= {hi}");
    }
    // Densities 21…120 per 100,000 on Poisson counts overlap widely: the middle
    // département's interval spans more than ten ranks.
    let (_, lo, hi) = ranks(&a)[50];
    assert!(hi.expect("hi") - lo.expect("lo") > 10, "{lo:?}–{hi:?}");
}

#[test]
fn issue15_survey_estimates_are_withheld_on_precision() {
    // With the embedded rules (30 respondents, Kish size 100, half-width 7.5 points), the
    // hand-made samples of 35 to 85 respondents per year are all too imprecise.
    let inputs = inputs().with_survey(&respondents()).expect("survey");
    let r = compute(&spec("renoncement-soins"), &inputs, Geography::get(), Y).expect("compute");
    let paris = r.rows.iter().find(|x| x.code == "75" && x.level == LevelName::Departement).expect("Paris");
    let why = paris.withheld.as_deref().expect("withheld");
    assert!(paris.cur.is_none() && why.contains("taille d'échantillon effective"), "{why}");
    assert!(paris.change_prev.is_none() && paris.rank.is_none());
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

#[test]
fn issue17_every_departement_name_takes_its_article_and_elision() {
    // Written out by hand, as an editor would: « la densité de … ».
    let expected = [
        ("01", "de l’Ain"),
        ("02", "de l’Aisne"),
        ("03", "de l’Allier"),
        ("04", "des Alpes-de-Haute-Provence"),
        ("05", "des Hautes-Alpes"),
        ("06", "des Alpes-Maritimes"),
        ("07", "de l’Ardèche"),
        ("08", "des Ardennes"),
        ("09", "de l’Ariège"),
        ("10", "de l’Aube"),
        ("11", "de l’Aude"),
        ("12", "de l’Aveyron"),
        ("13", "des Bouches-du-Rhône"),
        ("14", "du Calvados"),
        ("15", "du Cantal"),
        ("16", "de la Charente"),
        ("17", "de la Charente-Maritime"),
        ("18", "du Cher"),
        ("19", "de la Corrèze"),
        ("2A", "de la Corse-du-Sud"),
        ("2B", "de la Haute-Corse"),
        ("21", "de la Côte-d'Or"),
        ("22", "des Côtes-d'Armor"),
        ("23", "de la Creuse"),
        ("24", "de la Dordogne"),
        ("25", "du Doubs"),
        ("26", "de la Drôme"),
        ("27", "de l’Eure"),
        ("28", "d’Eure-et-Loir"),
        ("29", "du Finistère"),
        ("30", "du Gard"),
        ("31", "de la Haute-Garonne"),
        ("32", "du Gers"),
        ("33", "de la Gironde"),
        ("34", "de l’Hérault"),
        ("35", "d’Ille-et-Vilaine"),
        ("36", "de l’Indre"),
        ("37", "d’Indre-et-Loire"),
        ("38", "de l’Isère"),
        ("39", "du Jura"),
        ("40", "des Landes"),
        ("41", "du Loir-et-Cher"),
        ("42", "de la Loire"),
        ("43", "de la Haute-Loire"),
        ("44", "de la Loire-Atlantique"),
        ("45", "du Loiret"),
        ("46", "du Lot"),
        ("47", "du Lot-et-Garonne"),
        ("48", "de la Lozère"),
        ("49", "de Maine-et-Loire"),
        ("50", "de la Manche"),
        ("51", "de la Marne"),
        ("52", "de la Haute-Marne"),
        ("53", "de la Mayenne"),
        ("54", "de Meurthe-et-Moselle"),
        ("55", "de la Meuse"),
        ("56", "du Morbihan"),
        ("57", "de la Moselle"),
        ("58", "de la Nièvre"),
        ("59", "du Nord"),
        ("60", "de l’Oise"),
        ("61", "de l’Orne"),
        ("62", "du Pas-de-Calais"),
        ("63", "du Puy-de-Dôme"),
        ("64", "des Pyrénées-Atlantiques"),
        ("65", "des Hautes-Pyrénées"),
        ("66", "des Pyrénées-Orientales"),
        ("67", "du Bas-Rhin"),
        ("68", "du Haut-Rhin"),
        ("69", "du Rhône"),
        ("70", "de la Haute-Saône"),
        ("71", "de Saône-et-Loire"),
        ("72", "de la Sarthe"),
        ("73", "de la Savoie"),
        ("74", "de la Haute-Savoie"),
        ("75", "de Paris"),
        ("76", "de la Seine-Maritime"),
        ("77", "de Seine-et-Marne"),
        ("78", "des Yvelines"),
        ("79", "des Deux-Sèvres"),
        ("80", "de la Somme"),
        ("81", "du Tarn"),
        ("82", "du Tarn-et-Garonne"),
        ("83", "du Var"),
        ("84", "du Vaucluse"),
        ("85", "de la Vendée"),
        ("86", "de la Vienne"),
        ("87", "de la Haute-Vienne"),
        ("88", "des Vosges"),
        ("89", "de l’Yonne"),
        ("90", "du Territoire de Belfort"),
        ("91", "de l’Essonne"),
        ("92", "des Hauts-de-Seine"),
        ("93", "de la Seine-Saint-Denis"),
        ("94", "du Val-de-Marne"),
        ("95", "du Val-d'Oise"),
        ("971", "de la Guadeloupe"),
        ("972", "de la Martinique"),
        ("973", "de la Guyane"),
        ("974", "de La Réunion"),
        ("976", "de Mayotte"),
    ];
    let geo = Geography::get();
    assert_eq!(expected.len(), geo.departements.len());
    for (code, phrase) in expected {
        assert_eq!(geo.departement(code).expect("code").de(), phrase, "{code}");
    }
    assert_eq!(geo.departement("88").expect("88").le(), "les Vosges");
    assert_eq!(geo.departement("01").expect("01").le(), "l’Ain");
}

#[test]
fn issue17_every_region_name_takes_its_article_and_its_preposition() {
    // Written out by hand, as an editor would: « la densité de … », « … en … ».
    let expected = [
        ("01", "de la Guadeloupe", "en Guadeloupe"),
        ("02", "de la Martinique", "en Martinique"),
        ("03", "de la Guyane", "en Guyane"),
        ("04", "de La Réunion", "à La Réunion"),
        ("06", "de Mayotte", "à Mayotte"),
        ("11", "d’Île-de-France", "en Île-de-France"),
        ("24", "du Centre-Val de Loire", "dans le Centre-Val de Loire"),
        ("27", "de Bourgogne-Franche-Comté", "en Bourgogne-Franche-Comté"),
        ("28", "de Normandie", "en Normandie"),
        ("32", "des Hauts-de-France", "dans les Hauts-de-France"),
        ("44", "du Grand Est", "dans le Grand Est"),
        ("52", "des Pays de la Loire", "dans les Pays de la Loire"),
        ("53", "de Bretagne", "en Bretagne"),
        ("75", "de la Nouvelle-Aquitaine", "en Nouvelle-Aquitaine"),
        ("76", "d’Occitanie", "en Occitanie"),
        ("84", "d’Auvergne-Rhône-Alpes", "en Auvergne-Rhône-Alpes"),
        ("93", "de Provence-Alpes-Côte d'Azur", "en Provence-Alpes-Côte d'Azur"),
        ("94", "de Corse", "en Corse"),
    ];
    let geo = barometre::geo::Geography::get();
    assert_eq!(expected.len(), geo.regions().len());
    for (code, de, en) in expected {
        let r = geo.region(code).expect("région");
        assert_eq!((r.de().as_str(), r.en().as_str()), (de, en), "{code}");
    }
    assert_eq!(geo.region("44").expect("44").le(), "le Grand Est");
    // EPCI: communautés and métropoles are feminine.
    for (name, de) in [
        ("CC du Haut Allier", "de la CC du Haut Allier"),
        ("CC de la Marche Berrichonne", "de la CC de la Marche Berrichonne"),
        ("CA du Grand Guéret", "de la CA du Grand Guéret"),
        ("Métropole de Lyon", "de la Métropole de Lyon"),
        ("Est Ensemble", "d’Est Ensemble"),
        ("Grand Paris Sud Est Avenir", "de Grand Paris Sud Est Avenir"),
    ] {
        assert_eq!(barometre::fmt::epci_de(name), de);
    }
}
