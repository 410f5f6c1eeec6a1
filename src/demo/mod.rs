//! The demo edition's generator and the full-size benchmark inputs, for developers (the
//! `dev-tools` feature: `barometre-dev`). The dataset itself is embedded by
//! [`crate::sources::embedded`].

pub mod fullsize;
pub mod generate;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::Geography;
    use crate::sources::embedded::FILES;

    /// Issue 2: the generator rebuilds the committed demo files byte-identically.
    #[test]
    fn generator_rebuilds_committed_files_byte_identically() {
        let generated = generate::generate(Geography::get());
        assert_eq!(generated.files.len(), FILES.len());
        for (name, bytes) in FILES {
            let g = generated.files.get(*name).unwrap_or_else(|| panic!("{name} not generated"));
            assert!(g.as_slice() == *bytes, "{name} differs from fixtures/demo: rerun `just demo`");
        }
    }
}
