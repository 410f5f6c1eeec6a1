//! Delimited text (CSV): decoding, separator detection, splitting, then the cell parsers
//! of `validate` on every cell. Must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(t) = barometre::formats::read_delimited("fuzz.csv", data) {
        for row in &t.rows {
            for cell in &row.cells {
                let _ = barometre::validate::parse_number(cell);
                let _ = barometre::validate::parse_date(cell);
                let _ = barometre::validate::parse_bool(cell);
                let _ = barometre::geo::Geography::get().normalize_dept(cell);
            }
        }
    }
});
