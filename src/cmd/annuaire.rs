//! `barometre annuaire FILE`: general practitioners by commune and by EPCI from the open
//! RPPS directory, with their population (communes of the reference geography, COG 2026)
//! and density per 100,000, written atomically to `<output>/annuaire/`.

use std::collections::BTreeMap;

use anyhow::Result;

use crate::cli::AnnuaireArgs;
use crate::communes::Communes;
use crate::geo::Geography;
use crate::sources::rpps_annuaire;

/// Beyond this gap with DREES's count, a département is an alert (the definitions differ:
/// one site per doctor here, DREES's own count of GPs in activity there).
pub const TOLERANCE_PCT: f64 = 15.0;

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

    // The cross-check with DREES by département.
    let src = crate::sources::DataSource::from_arg(&args.data, &args.cache.cache_dir());
    let drees = crate::sources::gp::parse(src.locate(crate::sources::gp::ID)?, geo)?;
    let year = args.year.or_else(|| drees.iter().map(|r| r.year).max()).unwrap_or(0);
    let directory = counts.by_departement();
    let mut w = csv::Writer::from_path(staging.path().join("controle-drees.csv"))?;
    w.write_record(["code_departement", "annuaire", "drees", "annee_drees", "ecart", "ecart_pct", "alerte"])?;
    let mut alerts = Vec::new();
    for d in &geo.departements {
        let a = directory.get(&d.code).copied().unwrap_or(0);
        let r = drees.iter().find(|r| r.dept == d.code && r.year == year).and_then(|r| r.count);
        let (gap, pct, alert) = match r {
            Some(r) if r > 0 => {
                let pct = (a as f64 - r as f64) / r as f64 * 100.0;
                let alert = pct.abs() > TOLERANCE_PCT;
                if alert {
                    alerts.push(format!(
                        "{} ({}) : {a} contre {r} ({})",
                        d.name,
                        d.code,
                        crate::fmt::signed_pct(pct, 1)
                    ));
                }
                ((a as i64 - r as i64).to_string(), format!("{pct:.1}"), if alert { "oui" } else { "non" })
            }
            _ => (String::new(), String::new(), ""),
        };
        w.write_record([
            d.code.as_str(),
            &a.to_string(),
            &r.map(|r| r.to_string()).unwrap_or_default(),
            &year.to_string(),
            &gap,
            &pct,
            alert,
        ])?;
    }
    w.flush()?;
    let mut md = format!(
        "# Annuaire santé et DREES : généralistes par département\n\nL'annuaire compte chaque généraliste une fois, à un lieu d'exercice ; la DREES compte les médecins généralistes en activité au 1er janvier {year} selon sa propre définition (RPPS, traitements DREES). Les deux ne coïncident pas : l'écart est signalé au-delà de ±{TOLERANCE_PCT} %.\n\n"
    );
    if alerts.is_empty() {
        md.push_str("Aucun département au-delà de la tolérance.\n");
    } else {
        md.push_str(&format!(
            "{} au-delà de la tolérance :\n\n",
            crate::fmt::count(alerts.len(), "département", "départements")
        ));
        for a in &alerts {
            md.push_str(&format!("- {a}\n"));
        }
    }
    std::fs::write(staging.path().join("controle-drees.md"), md)?;
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
