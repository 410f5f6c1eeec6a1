//! The indicator spec parser (`indicators/*.toml`) and its cross-checks.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = barometre::indicators::spec::parse_all(&[("fuzz.toml".to_string(), text.to_string())]);
    }
});
