//! Embeds every `indicators/*.toml` file: adding an indicator is adding one file.

use std::fmt::Write as _;

fn main() {
    println!("cargo:rerun-if-changed=indicators");
    // The manifest directory of this build, read at run time: a build script compiled
    // for another checkout sharing the target directory is reused by cargo, and
    // `env!` would bake that checkout's path in.
    let root = std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR");
    let dir = std::path::Path::new(&root).join("indicators");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("indicators/ directory")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    names.sort();
    let mut out = String::from("&[\n");
    // Paths relative to the crate being compiled (`CARGO_MANIFEST_DIR` of the library, not
    // of this script): checkouts sharing one target directory never embed each other's
    // files.
    for n in &names {
        let _ = writeln!(out, "    ({n:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/indicators/{n}\"))),");
    }
    out.push(']');
    let dest = std::path::Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("indicators.rs");
    std::fs::write(dest, out).expect("write indicators.rs");
}
