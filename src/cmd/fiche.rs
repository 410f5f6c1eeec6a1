//! `barometre fiche --epci …`: the one-page PDF fiche of any intercommunalité, on demand
//! (the edition itself has those of the zones rouges), written to
//! `<output>/fiches/epci-<siren>.pdf` through a temporary file, so that an interrupted
//! run leaves no half-written PDF.

use anyhow::{Context, Result, bail};

use crate::cli::FicheArgs;
use crate::communes::Communes;

use super::compare_local::{self, Local};

pub fn run(args: &FicheArgs) -> Result<()> {
    let started = std::time::Instant::now();
    // Every name is resolved before the edition is prepared.
    let mut sirens = Vec::new();
    for name in &args.epci {
        let local = match compare_local::resolve(name)? {
            Some(l) => l,
            None => match compare_local::suggest(name) {
                Some(e) => return Err(e),
                None => bail!("« {name} » n'est ni une intercommunalité (nom ou SIREN) ni une commune connue"),
            },
        };
        let siren = match local {
            Local::Epci(s) => s,
            Local::Commune(code) => match Communes::get().commune(&code).and_then(|c| c.epci.clone()) {
                Some(s) => s,
                None => bail!("la commune {code} n'appartient à aucune intercommunalité"),
            },
        };
        if !sirens.contains(&siren) {
            sirens.push(siren);
        }
    }
    let opts = super::build::edition_options(&args.edition, None, true)?;
    let model = crate::edition::prepare(&opts)?.model;
    if model.epci.is_none() {
        bail!(
            "ces données n'ont pas de généralistes par commune (source `generalistes-communes`) : pas de fiche intercommunale"
        );
    }
    let files = crate::render::epci::fiche_pdfs(&model, args.templates.as_deref(), opts.epoch, &sirens)?;
    let dir = args.output.join("fiches");
    std::fs::create_dir_all(&dir).with_context(|| format!("failed to create `{}`", dir.display()))?;
    for (rel, bytes) in &files {
        let name = rel.trim_start_matches("epci/");
        let path = dir.join(format!("epci-{name}"));
        let tmp = dir.join(format!(".epci-{name}.tmp"));
        std::fs::write(&tmp, bytes).with_context(|| format!("failed to write `{}`", tmp.display()))?;
        std::fs::rename(&tmp, &path).with_context(|| format!("failed to write `{}`", path.display()))?;
        crate::note!("fiche written: {}", path.display());
    }
    crate::timing::print_report(started.elapsed());
    Ok(())
}
