//! Workbooks (xlsx, xls, ods via calamine): open, every sheet as a grid, header search,
//! filtered tables (the xlsx scanner of `formats::xlsx_scan`, calamine behind it).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(mut wb) = barometre::formats::xlsx::Workbook::open("fuzz.xlsx", data.to_vec()) {
        for name in wb.sheet_names() {
            let _ = wb.grid(&name);
            let _ = wb.table_where(&name, &["code_departement"], &[("annee", |v: &str| v.starts_with('2'))]);
        }
        let _ = wb.find_table(&["code_departement", "annee"]);
    }
});
