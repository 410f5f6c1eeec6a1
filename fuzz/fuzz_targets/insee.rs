//! The `InseePopulation` reader of source `population`, as `fetch` runs it on a downloaded file.
#![no_main]

use barometre::sources::{Format, Located, parse_summary};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let located = Located { display: "fuzz".into(), bytes: data.to_vec(), format: Format::InseePopulation };
    let _ = parse_summary("population", located, barometre::geo::Geography::get());
});
