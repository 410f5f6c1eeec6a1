//! Embeds every `indicators/*.toml` file: adding an indicator is adding one file.

use std::fmt::Write as _;

fn main() {
    println!("cargo:rerun-if-changed=indicators");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("indicators");
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
