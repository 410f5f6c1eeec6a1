//! `barometre fiche --epci …`: the one-page PDF fiche of any intercommunalité, on demand
//! (the edition itself has those of the zones rouges), written to
//! `<output>/fiches/epci-<siren>.pdf`; `--departement …`: a département's fiche, as the
//! edition has it, to `<output>/fiches/<code>.pdf`. Each goes through a temporary file,
//! so that an interrupted run leaves no half-written PDF.

use anyhow::{Context, Result, bail};

use crate::cli::FicheArgs;
use crate::communes::Communes;

use super::compare_local::{self, Local};

pub fn run(args: &FicheArgs) -> Result<()> {
    let started = std::time::Instant::now();
    // Every name is resolved before the edition is prepared.
    let geo = crate::geo::Geography::get();
    let mut codes = Vec::new();
    for name in &args.departement {
        let code = geo.resolve_departement(name)?;
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
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
    let mut ed = crate::edition::prepare(&opts)?;
    let epci_contours = ed.epci_contours.take();
    let model = &ed.model;
    if model.epci.is_none() && !sirens.is_empty() {
        bail!(
            "ces données n'ont pas de généralistes par commune (source `generalistes-communes`) : pas de fiche intercommunale"
        );
    }
    let mut files = crate::render::epci::fiche_pdfs(model, args.templates.as_deref(), opts.epoch, &sirens)?;
    if !codes.is_empty() {
        // A département's fiche shows its position chart and its place on the map.
        let geometry = crate::render::maps::MapGeometry::for_edition(ed.contours.as_ref(), epci_contours);
        let figures = crate::render::Figures::draw(model, &geometry)?;
        let cx = crate::render::RenderContext {
            model,
            figures: &figures,
            templates: args.templates.as_deref(),
            epoch: opts.epoch,
            geometry: &geometry,
        };
        files.extend(crate::render::fiches::departement_pdfs(&cx, &codes)?);
    }
    let dir = args.output.join("fiches");
    std::fs::create_dir_all(&dir).with_context(|| format!("failed to create `{}`", dir.display()))?;
    for (rel, bytes) in &files {
        let name = match rel.strip_prefix("epci/") {
            Some(siren) => format!("epci-{siren}"),
            None => rel.trim_start_matches("departements/").to_string(),
        };
        let path = dir.join(&name);
        let tmp = dir.join(format!(".{name}.tmp"));
        std::fs::write(&tmp, bytes).with_context(|| format!("failed to write `{}`", tmp.display()))?;
        std::fs::rename(&tmp, &path).with_context(|| format!("failed to write `{}`", path.display()))?;
        crate::note!("fiche written: {}", path.display());
    }
    crate::timing::print_report(started.elapsed());
    Ok(())
}
