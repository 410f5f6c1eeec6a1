//! Editorial Markdown to plain styled spans (what typst and the HTML receive).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = barometre::commentary::markdown(text);
    }
});
