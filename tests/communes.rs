//! The level below the département (issue 20, first part): the communes of the reference
//! geography with their EPCI and population, and the codes that are not current communes.

use std::collections::{BTreeMap, BTreeSet};

use barometre::communes::Communes;

use crate::common::{csv_rows, repo};

fn read(p: &str) -> String {
    std::fs::read_to_string(repo().join(p)).unwrap_or_else(|e| panic!("{p}: {e}"))
}

#[test]
fn issue20_communes_add_up_to_their_epci_and_departement() {
    let c = Communes::get();
    // 34,875 communes in the 101 départements (COG 2026), every one once.
    assert_eq!(c.communes.len(), 34_875);
    let codes: BTreeSet<&str> = c.communes.iter().map(|x| x.code.as_str()).collect();
    assert_eq!(codes.len(), c.communes.len());
    // Each EPCI has exactly the number of communes the EPCI table gives (its own source,
    // the package's epci.json), and every commune but four islands is in one.
    let epci = csv_rows(&read("fixtures/reference/epci.csv"));
    assert_eq!(epci.len(), 1_255);
    for e in &epci {
        let n = c.of_epci(&e["siren"]).count();
        assert_eq!(n.to_string(), e["nb_communes"], "{} {}", e["siren"], e["nom"]);
    }
    let alone: BTreeSet<&str> = c.communes.iter().filter(|x| x.epci.is_none()).map(|x| x.name.as_str()).collect();
    assert_eq!(alone, BTreeSet::from(["Île-de-Bréhat", "Île-de-Sein", "L'Île-d'Yeu", "Ouessant"]));
    // The communes' populations add up to each département's legal population (COG 2026).
    let mut by_dept: BTreeMap<&str, u64> = BTreeMap::new();
    for x in &c.communes {
        *by_dept.entry(x.departement.as_str()).or_default() += x.population;
    }
    let legal = csv_rows(&read("fixtures/reference/population-legale.csv"));
    let mut n = 0;
    for r in legal.iter().filter(|r| r["annee_cog"] == "2026") {
        assert_eq!(
            by_dept[r["code_departement"].as_str()].to_string(),
            r["population_municipale"],
            "{}",
            r["code_departement"]
        );
        n += 1;
    }
    assert_eq!(n, 101);
    // By hand: the CC Creuse Sud Ouest's communes, summed from communes.csv.
    let rows = csv_rows(&read("fixtures/reference/communes.csv"));
    let siren = &epci.iter().find(|e| e["nom"] == "CC Creuse Sud Ouest").expect("EPCI")["siren"];
    let want: u64 = rows
        .iter()
        .filter(|r| &r["siren_epci"] == siren)
        .map(|r| r["population_municipale"].parse::<u64>().expect("n"))
        .sum();
    assert_eq!(c.of_epci(siren).map(|x| x.population).sum::<u64>(), want);
    assert!(want > 10_000 && want < 20_000, "{want}");
}

#[test]
fn issue20_former_codes_and_arrondissements_lead_to_the_current_commune() {
    let c = Communes::get();
    // Paris's arrondissements belong to Paris (75056), Marseille's to 13055, Lyon's to 69123.
    for (arr, commune) in [("75101", "75056"), ("75120", "75056"), ("13201", "13055"), ("69381", "69123")] {
        assert_eq!(c.current(arr).map(|x| x.code.as_str()), Some(commune), "{arr}");
        assert_eq!(c.former(arr).map(|f| f.nature.as_str()), Some("arrondissement"));
    }
    // A commune déléguée of the reference table, read independently: Béon (01039) is part
    // of 01138 (Culoz-Béon).
    let codes = csv_rows(&read("fixtures/reference/communes-codes.csv"));
    let beon = codes.iter().find(|r| r["code"] == "01039").expect("Béon");
    assert_eq!((beon["code_commune"].as_str(), beon["nature"].as_str()), ("01138", "deleguee"));
    assert_eq!(c.current("01039").map(|x| x.code.as_str()), Some("01138"));
    // Every former code leads to a current commune; a current commune is itself.
    for r in &codes {
        assert_eq!(c.current(&r["code"]).map(|x| x.code.clone()), Some(r["code_commune"].clone()), "{}", r["code"]);
    }
    assert_eq!(c.current("23096").map(|x| x.name.as_str()), Some("Guéret"));
    // An unknown code is none (reported by the readers, never guessed).
    assert!(c.current("99999").is_none());
}
