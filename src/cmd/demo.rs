//! `barometre demo`: regenerate `fixtures/demo/`.

use anyhow::{Context, Result};

use crate::cli::DemoArgs;
use crate::demo::generate::generate;
use crate::geo::Geography;

pub fn run(args: &DemoArgs) -> Result<()> {
    let files = generate(Geography::get());
    std::fs::create_dir_all(&args.out).with_context(|| format!("failed to create `{}`", args.out.display()))?;
    for (name, bytes) in &files.files {
        let path = args.out.join(name);
        std::fs::write(&path, bytes).with_context(|| format!("failed to write `{}`", path.display()))?;
    }
    eprintln!("wrote {} demo files to {}", files.files.len(), args.out.display());
    Ok(())
}
