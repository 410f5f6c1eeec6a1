//! The canonical readers (analyst templates, demo files): the first byte picks the
//! source, the rest is the file (CSV or workbook).
#![no_main]

use barometre::sources::{Format, Located, parse_summary};
use libfuzzer_sys::fuzz_target;

const IDS: [&str; 9] = [
    "generalistes",
    "population",
    "pdsa",
    "pdsa-national",
    "sas",
    "renoncement",
    "zones-rouges",
    "sans-medecin-traitant",
    "missions-solidarite",
];

fuzz_target!(|data: &[u8]| {
    let Some((first, rest)) = data.split_first() else { return };
    let id = IDS[*first as usize % IDS.len()];
    let located = Located { display: "fuzz".into(), bytes: rest.to_vec(), format: Format::Canonical };
    let _ = parse_summary(id, located, barometre::geo::Geography::get());
});
