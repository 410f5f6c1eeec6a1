//! `barometre build`: parse the arguments, take the lock, prepare the edition (library),
//! render every file in memory, write them to a staging directory and commit it.

use anyhow::Result;

use crate::cli::{BuildArgs, EditionArgs};
use crate::edition::{self, Options};
use crate::output::Staging;
use crate::render::{self, maps::MapGeometry};
use crate::sources::DataSource;

/// The library's options for the edition named on the command line.
pub fn edition_options(args: &EditionArgs, editorial: Option<&std::path::Path>, draft: bool) -> Result<Options> {
    Ok(Options {
        data: DataSource::from_arg(&args.data, &args.cache.cache_dir()),
        years: edition::years(args.year, args.previous, args.baseline)?,
        epoch: edition::epoch(args.as_of.as_deref(), args.year)?,
        indicators: args.indicators.clone(),
        previous_published: args.previous_published.clone(),
        editorial: editorial.map(|p| p.to_path_buf()),
        draft,
    })
}

pub fn run(args: &BuildArgs) -> Result<()> {
    // The command line is checked before anything is created.
    let opts = edition_options(&args.edition, args.editorial.as_deref(), args.draft)?;
    let target = args.output.join(args.edition.year.to_string());
    // One build at a time per edition directory; cleans what an interrupted build left.
    let _lock = crate::output::Lock::acquire(&target)?;
    let started = std::time::Instant::now();
    let mut ed = edition::prepare(&opts)?;
    // A final edition carries its editorial text; only a draft shows placeholders.
    let missing = ed.model.missing_editorial();
    if !args.draft && !missing.is_empty() {
        return Err(crate::error::EditorialError {
            missing: missing.iter().map(|id| format!("{id}.md")).collect(),
            dir: args.editorial.as_ref().map(|d| d.display().to_string()),
        }
        .into());
    }
    let geometry = MapGeometry::for_edition(ed.contours.as_ref(), ed.epci_contours.take());
    // Each renderer's files go to the staging directory as soon as they are rendered.
    let staging = Staging::reusing(&target)?;
    let write = |files: render::Files| {
        crate::timing::stage("write", || files.iter().try_for_each(|(rel, bytes)| staging.write(rel, bytes)))
    };
    render::render_each(&ed.model, &geometry, args.templates.as_deref(), opts.epoch, &write)?;
    write(vec![
        ("provenance.json".into(), ed.provenance_json.into_bytes()),
        ("checks.md".into(), ed.checks.markdown(args.edition.year).into_bytes()),
        ("checks.csv".into(), ed.checks.csv()?),
    ])?;
    crate::timing::stage("commit", || staging.commit())?;
    crate::note!(
        "built edition {} in {} ({} in checks.md)",
        args.edition.year,
        target.display(),
        match ed.checks.alerts() {
            1 => "1 alert".to_string(),
            n => format!("{n} alerts"),
        }
    );
    crate::timing::print_report(started.elapsed());
    Ok(())
}
