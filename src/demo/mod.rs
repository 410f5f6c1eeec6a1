//! The demo edition: the embedded synthetic dataset and its generator.

pub mod fullsize;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::Geography;

    /// Issue 2: the generator rebuilds the committed demo files byte-identically.
    #[test]
    fn generator_rebuilds_committed_files_byte_identically() {
        let generated = generate::generate(Geography::get());
        assert_eq!(generated.files.len(), FILES.len());
        for (name, bytes) in FILES {
            let g = generated.files.get(*name).unwrap_or_else(|| panic!("{name} not generated"));
            assert!(g.as_slice() == *bytes, "{name} differs from fixtures/demo: rerun `barometre demo`");
        }
    }
}
