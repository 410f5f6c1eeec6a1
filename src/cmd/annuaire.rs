//! `barometre annuaire FILE`: general practitioners by commune and by EPCI from the open
//! RPPS directory, with their population (communes of the reference geography, COG 2026)
//! and density per 100,000, written atomically to `<output>/annuaire/`.

use std::collections::BTreeMap;

use anyhow::Result;

use crate::cli::AnnuaireArgs;
use crate::communes::Communes;
use crate::geo::Geography;
use crate::sources::rpps_annuaire;

pub fn run(args: &AnnuaireArgs) -> Result<()> {
    let counts = rpps_annuaire::read_path(&args.file)?;
    let communes = Communes::get();
    let geo = Geography::get();
    let target = args.output.join("annuaire");
    let staging = crate::output::Staging::new(&target)?;

    let density =
        |n: u64, pop: u64| if pop > 0 { format!("{:.2}", n as f64 / pop as f64 * 1e5) } else { String::new() };
    // Every commune, with or without a GP.
    let mut w = csv::Writer::from_path(staging.path().join("generalistes-communes.csv"))?;
    w.write_record(["code_commune", "nom", "code_departement", "siren_epci", "generalistes", "population", "densite"])?;
    for c in &communes.communes {
        let n = counts.communes.get(&c.code).copied().unwrap_or(0);
        let epci = c.epci.clone().unwrap_or_default();
        w.write_record([
            c.code.as_str(),
            c.name.as_str(),
            c.departement.as_str(),
            epci.as_str(),
            &n.to_string(),
            &c.population.to_string(),
            &density(n, c.population),
        ])?;
    }
    w.flush()?;

    // Every EPCI: the sums of its communes (ratio of sums).
    let by_epci = counts.by_epci();
    let mut pop: BTreeMap<&str, u64> = BTreeMap::new();
    for c in &communes.communes {
        if let Some(e) = &c.epci {
            *pop.entry(e.as_str()).or_default() += c.population;
        }
    }
    let mut w = csv::Writer::from_path(staging.path().join("generalistes-epci.csv"))?;
    w.write_record(["siren", "nom", "departements", "generalistes", "population", "densite"])?;
    for e in &geo.epci {
        let n = by_epci.get(&e.siren).copied().unwrap_or(0);
        let p = pop.get(e.siren.as_str()).copied().unwrap_or(0);
        w.write_record([
            e.siren.as_str(),
            e.name.as_str(),
            &e.departements.join("|"),
            &n.to_string(),
            &p.to_string(),
            &density(n, p),
        ])?;
    }
    w.flush()?;
    staging.commit()?;
    crate::note!(
        "{} généralistes ({} sans commune d'exercice) sur {} lignes d'activité : tables dans {}",
        counts.total(),
        counts.sans_commune,
        counts.rows,
        target.display()
    );
    Ok(())
}
