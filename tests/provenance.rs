//! Real published figures in the demo edition, and outputs that say, figure by figure,
//! which are real and which synthetic (issue 18).

use std::collections::{BTreeMap, BTreeSet};

use crate::common::{Workdir, csv_rows, repo, shared_demo, stderr};

fn read_repo(p: &str) -> String {
    std::fs::read_to_string(repo().join(p)).unwrap_or_else(|e| panic!("{p}: {e}"))
}

/// (code, year) → integer column of a committed CSV.
fn by_code_year(p: &str, col: &str) -> BTreeMap<(String, String), u64> {
    csv_rows(&read_repo(p))
        .into_iter()
        .map(|r| ((r["code_departement"].clone(), r["annee"].clone()), r[col].parse().expect(col)))
        .collect()
}

#[test]
fn issue18_real_gp_counts_of_2022_reproduce_drees_densities_with_the_2026_insee_vintage() {
    // DREES's published counts and densities of 1 January 2022 (fixtures/real/drees/).
    let drees = csv_rows(&read_repo("fixtures/real/drees/generalistes-2022-departements.csv"));
    assert_eq!(drees.len(), 101);
    assert_eq!(drees.iter().map(|r| r["effectif"].parse::<u64>().expect("n")).sum::<u64>(), 99_939);
    // INSEE's estimates of the 2026 vintage (fixtures/real/insee/), 101 × 2019–2026.
    let insee = by_code_year("fixtures/real/insee/population-departements-2019-2026-millesime-2026.csv", "population");
    assert_eq!(insee.len(), 808);
    // The demo carries both as they are: its 2022 counts are DREES's, its populations INSEE's.
    let gp = by_code_year("fixtures/demo/generalistes.csv", "effectif");
    let pop = by_code_year("fixtures/demo/population.csv", "population");
    for ((code, year), p) in &pop {
        assert_eq!(insee[&(code.clone(), year.clone())], *p, "population {code} {year}");
    }
    for r in &drees {
        let key = (r["code_departement"].clone(), "2022".to_string());
        assert_eq!(gp[&key].to_string(), r["effectif"], "GPs {} 2022", key.0);
        // By hand: count over population, against the published density (2 decimals).
        let density = gp[&key] as f64 / insee[&key] as f64 * 1e5;
        let published: f64 = r["densite_pour_100000"].parse().expect("density");
        assert!((density - published).abs() <= 0.01, "{}: {density} against {published}", key.0);
    }

    // And the engine, edition 2022: the published density of every département to ±0.01,
    // each value marked real.
    let w = Workdir::new();
    let o = w.run(&["build", "--edition", "2022", "--previous", "2020", "--draft"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows = csv_rows(&w.read("output/2022/tables/densite-generalistes-2022.csv"));
    let depts: Vec<_> = rows.iter().filter(|r| r["niveau"] == "departement").collect();
    assert_eq!(depts.len(), 101);
    for r in &drees {
        let row = depts.iter().find(|x| x["code"] == r["code_departement"]).expect("row");
        let v: f64 = row["valeur"].parse().expect("valeur");
        let published: f64 = r["densite_pour_100000"].parse().expect("density");
        assert!((v - published).abs() <= 0.01, "{}: {v} against DREES {published}", r["code_departement"]);
        assert_eq!(row["numerateur"], r["effectif"]);
        assert_eq!(row["nature"], "réel", "{}", r["code_departement"]);
        assert!(row["source_valeur"].contains("DREES"), "{}", row["source_valeur"]);
        assert!(row["source_valeur"].contains("INSEE"), "{}", row["source_valeur"]);
        // The comparison year, 2020, is synthetic.
        assert_eq!(row["nature_2020"], "synthétique");
    }
    let fr = rows.iter().find(|r| r["niveau"] == "france").expect("France");
    assert_eq!(fr["numerateur"], "99939");
    assert_eq!(fr["nature"], "réel");
}

#[test]
fn issue18_named_zones_rouges_are_real_epci_within_the_published_counts() {
    let epci: BTreeMap<String, BTreeMap<String, String>> =
        csv_rows(&read_repo("fixtures/reference/epci.csv")).into_iter().map(|r| (r["siren"].clone(), r)).collect();
    let named = csv_rows(&read_repo("fixtures/real/zones-rouges/liste-2025-partielle.csv"));
    assert_eq!(named.len(), 77);
    let sirens: BTreeSet<&String> = named.iter().map(|r| &r["siren"]).collect();
    assert_eq!(sirens.len(), named.len(), "a SIREN twice");
    let depts = csv_rows(&read_repo("fixtures/reference/departements.csv"));
    let region_of =
        |d: &str| depts.iter().find(|x| x["code_departement"] == d).map(|x| x["code_region"].clone()).expect("dept");
    for n in &named {
        let e = epci.get(&n["siren"]).unwrap_or_else(|| panic!("{} not an EPCI", n["siren"]));
        assert_eq!(e["nom"], n["nom_epci"]);
        assert_eq!(e["departements"].split('|').next(), Some(n["code_departement"].as_str()));
        assert_eq!(e["population_municipale"], n["population_municipale"]);
    }
    // Never more than the counts published by the ARS and the press (SOURCES.md).
    let in_region = |r: &str| named.iter().filter(|n| region_of(&n["code_departement"]) == r).count();
    for (region, published) in
        [("76", 28), ("75", 29), ("84", 17), ("93", 5), ("28", 7), ("53", 2), ("94", 2), ("44", 10), ("11", 0)]
    {
        assert!(in_region(region) <= published, "région {region}: {} > {published}", in_region(region));
    }
    // Complete where the published count is reached: Normandie 7 (Orne 5, Manche 2),
    // Bretagne 2, PACA 5, Corse 2; Tarn 4, Gers 4, Cher 6.
    for (region, n) in [("28", 7), ("53", 2), ("93", 5), ("94", 2)] {
        assert_eq!(in_region(region), n, "région {region}");
    }
    let in_dept = |d: &str| named.iter().filter(|n| n["code_departement"] == d).count();
    for (d, n) in [("61", 5), ("50", 2), ("81", 4), ("32", 4), ("18", 6)] {
        assert_eq!(in_dept(d), n, "département {d}");
    }
    // Bretagne's two add up to the 32,824 inhabitants the ARS gives.
    let pop = |r: &str| -> u64 {
        named
            .iter()
            .filter(|n| region_of(&n["code_departement"]) == r)
            .map(|n| n["population_municipale"].parse::<u64>().expect("pop"))
            .sum()
    };
    assert_eq!(pop("53"), 32_824);
    // The demo's 151: the named ones real, the total within 2 % of the ministry's
    // 2,539,784 (its populations are of the COG 2026, the ministry's of an earlier vintage).
    let zones = csv_rows(&read_repo("fixtures/demo/zones-rouges.csv"));
    assert_eq!(zones.len(), 151);
    assert_eq!(zones.iter().filter(|z| z["demo"] == "non").count(), 77);
    let total: f64 = zones.iter().map(|z| z["population"].parse::<f64>().expect("population")).sum();
    assert!((total / 2_539_784.0 - 1.0).abs() < 0.02, "{total}");
}

#[test]
fn issue18_every_table_says_which_values_are_real() {
    let w = shared_demo();
    let table = |name: &str| csv_rows(&w.read(&format!("output/2025/tables/{name}.csv")));
    // Codes of the France and département rows whose value is real (régions apart: their
    // codes overlap the départements').
    let real_codes = |rows: &[BTreeMap<String, String>]| -> BTreeSet<String> {
        rows.iter().filter(|r| r["niveau"] != "region" && r["nature"] == "réel").map(|r| r["code"].clone()).collect()
    };
    // Published national figures only, and the two départements the 2025 edition names
    // for PDSA (Paris 9 %, Vosges 84 %).
    let set = |c: &[&str]| -> BTreeSet<String> { c.iter().map(|s| s.to_string()).collect() };
    let dens = table("densite-generalistes-2025");
    assert_eq!(real_codes(&dens), set(&["FR"]));
    let fr = dens.iter().find(|r| r["code"] == "FR").expect("FR");
    assert_eq!((fr["nature_2023"].as_str(), fr["nature_2020"].as_str()), ("synthétique", "synthétique"));
    assert!(
        dens.iter()
            .filter(|r| r["code"] != "FR")
            .all(|r| r["nature"] == "synthétique" && r["source_valeur"].is_empty())
    );
    let pdsa = table("pdsa-participation-2024");
    assert_eq!(real_codes(&pdsa), set(&["FR", "75", "88"]));
    let paris = pdsa.iter().find(|r| r["code"] == "75" && r["niveau"] == "departement").expect("75");
    assert_eq!(paris["valeur"].parse::<f64>().expect("v").round(), 9.0);
    assert!(paris["source_valeur"].contains("CNOM"));
    assert_eq!(real_codes(&table("sas-rendez-vous-2025")), BTreeSet::new());
    assert_eq!(real_codes(&table("missions-consultations-2025")), BTreeSet::new());
    // Zones rouges: départements whose EPCI are all named (Orne, Tarn…) or that have none
    // (Paris), not the Creuse, where EPCI are drawn.
    let zr = real_codes(&table("zones-rouges-epci-2025"));
    for c in ["FR", "61", "81", "75", "29"] {
        assert!(zr.contains(c), "{c}");
    }
    for c in ["23", "976", "89"] {
        assert!(!zr.contains(c), "{c}");
    }
    // The wide table has a nature column beside each value.
    let wide = table("barometre-2025-departements");
    let paris = wide.iter().find(|r| r["code_departement"] == "75").expect("75");
    assert_eq!(paris["pdsa_participation_2024_nature"], "réel");
    assert_eq!(paris["densite_generalistes_2025_nature"], "synthétique");
}

#[test]
fn issue18_notice_fiches_and_maps_name_the_synthetic_parts() {
    let w = shared_demo();
    // The notice names what is real and what is wholly synthetic.
    let html = w.read("output/2025/index.html");
    for needle in [
        "les valeurs par département et par région, sauf médecins généralistes (2022), population (2020 à 2025)",
        "et toutes les données",
        "missions de solidarité",
    ] {
        assert!(html.contains(needle), "notice lacks « {needle} »");
    }
    // The methodology lists each real part with its source.
    let method = w.read("output/2025/methodologie.html");
    // (« 1er » is set with its letters raised.)
    assert!(
        method.contains("DREES, RPPS, médecins généralistes au 1<sup>er</sup> janvier 2022"),
        "DREES in the methodology"
    );
    assert!(method.contains("Licence Ouverte 2.0"));
    // A fiche says, row by row, whether its figures are real.
    let fiche = w.read("output/2025/departements/88.html");
    // PDSA: 2024 real (84 %), 2022 synthetic; the real value carries an R.
    assert!(
        fiche.contains("<span class=\"nature\">en partie réel\u{202f}; France\u{a0}: réel</span>"),
        "Vosges PDSA row"
    );
    assert!(fiche.contains("84\u{202f}%<sup class=\"reel\" title=\"chiffre réel publié\">R</sup>"), "84 % marked real");
    assert!(fiche.contains("<span class=\"nature\">synthétique\u{202f}; France\u{a0}: réel</span>"), "density row");
    // The PDF fiche marks real values with a raised R: the Vosges' PDSA rate (84 %) and
    // France's density.
    let pdf = crate::common::poppler_text(&w.path("output/2025/departements/88.pdf"));
    assert!(pdf.contains("R : chiffre réel publié ; toute autre valeur est synthétique"), "fiche PDF legend");
    assert!(pdf.contains("84 %R") || pdf.contains("84\u{a0}%R"), "Vosges' PDSA marked real: {pdf}");
    // Maps of wholly synthetic figures carry « DÉMO »; the others say what is real.
    let svg = |name: &str| w.read(&format!("output/2025/charts/{name}.svg"));
    let density = svg("carte-densite-generalistes-2025");
    assert!(density.contains("DÉMO") && density.contains("données synthétiques"));
    let change = svg("carte-evolution-densite-generalistes-2023-2025");
    assert!(change.contains("DÉMO"));
    let pdsa = svg("carte-pdsa-participation-2024");
    assert!(!pdsa.contains("DÉMO"));
    assert!(pdsa.contains("2 valeurs réelles, 99 synthétiques"), "PDSA source line");
}
