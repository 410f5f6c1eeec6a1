//! Indicator arithmetic against hand-computed values (issue 2).

use barometre::geo::Geography;
use barometre::indicators::{Inputs, Years, compute, spec};
use barometre::model::LevelName;
use barometre::sources::{gp::GpRow, population::PopRow};

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
