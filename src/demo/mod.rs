//! The demo edition: the embedded synthetic dataset and its generator.

pub mod generate;

/// The committed demo files, embedded so that `build` works offline and from any directory.
pub static FILES: &[(&str, &[u8])] = &[
    ("population.csv", include_bytes!("../../fixtures/demo/population.csv")),
    ("generalistes.csv", include_bytes!("../../fixtures/demo/generalistes.csv")),
    ("pdsa.csv", include_bytes!("../../fixtures/demo/pdsa.csv")),
    ("pdsa-national.csv", include_bytes!("../../fixtures/demo/pdsa-national.csv")),
    ("sas.csv", include_bytes!("../../fixtures/demo/sas.csv")),
    ("renoncement.csv", include_bytes!("../../fixtures/demo/renoncement.csv")),
    ("zones-rouges.csv", include_bytes!("../../fixtures/demo/zones-rouges.csv")),
    ("sans-medecin-traitant.csv", include_bytes!("../../fixtures/demo/sans-medecin-traitant.csv")),
    ("missions-solidarite.csv", include_bytes!("../../fixtures/demo/missions-solidarite.csv")),
    ("provenance.toml", include_bytes!("../../fixtures/demo/provenance.toml")),
];
