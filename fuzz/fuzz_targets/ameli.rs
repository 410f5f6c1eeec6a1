//! The `AmeliCsv` reader of source `generalistes`, as `fetch` runs it on a downloaded file.
#![no_main]

use barometre::sources::{Format, Located, parse_summary};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let located = Located { display: "fuzz".into(), bytes: data.to_vec(), format: Format::AmeliCsv };
    let _ = parse_summary("generalistes", located, barometre::geo::Geography::get());
});
