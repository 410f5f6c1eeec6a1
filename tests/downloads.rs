//! Downloads for journalists and `barometre compare` (issue 7, partly).

use calamine::{Data, Reader, open_workbook_auto_from_rs};

use crate::common::{csv_rows, shared_demo, stderr};

#[test]
fn issue7_xlsx_has_101_rows_documented_columns_and_sources() {
    let w = shared_demo();
    let bytes = std::fs::read(w.path("output/2025/tables/barometre-2025.xlsx")).expect("xlsx");
    let mut wb = open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).expect("calamine opens the XLSX");
    let names = wb.sheet_names();
    assert_eq!(names.first().map(String::as_str), Some("Départements"));
    assert!(names.iter().any(|n| n == "Colonnes") && names.iter().any(|n| n == "Sources"));
    let dep = wb.worksheet_range("Départements").expect("sheet");
    let rows: Vec<&[Data]> = dep.rows().collect();
    assert_eq!(rows.len(), 1 + 101, "header + 101 départements");
    let header: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
    assert_eq!(&header[..2], ["Code département", "Département"]);
    // Codes are text, "01" keeps its zero; values are numbers.
    assert_eq!(rows[1][0], Data::String("01".into()));
    let col = header.iter().position(|h| h == "Généralistes pour 100 000 hab. 2025").expect("density column");
    let hautes_alpes = rows.iter().find(|r| r[0] == Data::String("05".into())).expect("05");
    match &hautes_alpes[col] {
        Data::Float(v) => assert_eq!(v.round(), 288.0),
        other => panic!("density is not a number: {other:?}"),
    }
    // Every column of the wide sheet is documented, with its machine name.
    let doc = wb.worksheet_range("Colonnes").expect("Colonnes");
    let documented: Vec<String> =
        doc.rows().filter(|r| r[1] == Data::String("Départements".into())).map(|r| r[2].to_string()).collect();
    assert_eq!(documented, header);
    let machine: Vec<String> =
        doc.rows().filter(|r| r[1] == Data::String("Départements".into())).map(|r| r[3].to_string()).collect();
    assert!(machine.contains(&"densite_generalistes_2025".to_string()));
    let sources = wb.worksheet_range("Sources").expect("Sources");
    let text: String = sources.rows().flat_map(|r| r.iter().map(|c| c.to_string())).collect::<Vec<_>>().join("\n");
    assert!(text.contains("Données de démonstration") && text.contains("generalistes.csv"), "{text}");
    assert!(text.contains("S1"), "sources by key");
}

/// An Excel CSV (`;`, BOM, decimal comma) as rows of (French header → value).
fn excel_csv(w: &crate::common::Workdir, name: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let raw = std::fs::read(w.path(&format!("output/2025/tables/excel/{name}.csv"))).expect("excel csv");
    assert_eq!(&raw[..3], b"\xEF\xBB\xBF", "BOM");
    let text = String::from_utf8(raw[3..].to_vec()).expect("UTF-8");
    let mut r = csv::ReaderBuilder::new().delimiter(b';').from_reader(text.as_bytes());
    let headers: Vec<String> = r.headers().expect("headers").iter().map(str::to_string).collect();
    let rows = r.records().map(|x| x.expect("row").iter().map(str::to_string).collect()).collect();
    (headers, rows)
}

#[test]
fn issue7_excel_csv_reads_back_identically() {
    let w = shared_demo();
    // The dictionary maps each French header of each Excel file to its machine name.
    let (_, dict) = excel_csv(w, "colonnes");
    for (name, level) in [
        ("barometre-2025-departements", None),
        ("densite-generalistes-2025", Some("departement")),
        ("densite-generalistes-2025-regions", Some("region|france")),
        ("renoncement-soins-2025", Some("departement")),
    ] {
        let machine_name = name.trim_end_matches("-regions");
        let utf8: Vec<_> = csv_rows(&w.read(&format!("output/2025/tables/{machine_name}.csv")))
            .into_iter()
            .filter(|r| level.is_none_or(|l| l.split('|').any(|l| r["niveau"] == l)))
            .collect();
        let (headers, excel) = excel_csv(w, name);
        assert_eq!(excel.len(), utf8.len(), "{name}");
        let file = format!("{name}.csv");
        for (a, b) in utf8.iter().zip(&excel) {
            for (h, v) in headers.iter().zip(b) {
                let machine = &dict.iter().find(|d| d[0] == file && &d[2] == h).unwrap_or_else(|| panic!("{h}"))[3];
                let want = &a[machine];
                // Decimal comma in Excel's dialect, point in the plain CSV.
                let same = want == v || (want.parse::<f64>().is_ok() && *want == v.replace(',', "."));
                assert!(same, "{name}, column {h} ({machine}): `{want}` vs `{v}`");
            }
        }
    }
    let json: serde_json::Value =
        serde_json::from_str(&w.read("output/2025/tables/densite-generalistes-2025.json")).expect("json");
    assert_eq!(json["lignes"].as_array().expect("rows").len(), 120);
    assert_eq!(json["lignes"][0]["code"], "FR");
}

#[test]
fn issue19_excel_files_open_clean_french_headers_one_level_no_empty_column() {
    let w = shared_demo();
    let bytes = std::fs::read(w.path("output/2025/tables/barometre-2025.xlsx")).expect("xlsx");
    let mut wb = open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).expect("calamine opens the XLSX");
    let names = wb.sheet_names();
    let mut seen = std::collections::BTreeSet::new();
    for n in &names {
        assert!(n.chars().count() <= 31 && !n.contains(['[', ']', ':', '*', '?', '/', '\\']), "sheet `{n}`");
        assert!(seen.insert(n.to_lowercase()), "sheet `{n}` twice");
    }
    assert!(names.iter().any(|n| n == "Généralistes pour 100 000 hab."));
    assert!(names.iter().any(|n| n == "Généralistes pour 100 (rég.)"));
    for n in names.iter().filter(|n| *n != "Sources" && *n != "Colonnes") {
        let range = wb.worksheet_range(n).expect("sheet");
        let rows: Vec<&[Data]> = range.rows().collect();
        let header: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
        // French headers: no machine name with underscores.
        assert!(header.iter().all(|h| !h.contains('_')), "{n}: {header:?}");
        // No column without a value.
        for (j, h) in header.iter().enumerate() {
            assert!(rows[1..].iter().any(|r| !matches!(r.get(j), None | Some(Data::Empty))), "{n}: column {h} empty");
        }
        // One level per sheet: a code is one territory.
        if let Some(c) = header.iter().position(|h| h == "Code" || h == "Code département") {
            let codes: Vec<String> = rows[1..].iter().map(|r| r[c].to_string()).collect();
            let unique: std::collections::BTreeSet<&String> = codes.iter().collect();
            assert_eq!(unique.len(), codes.len(), "{n}: a code twice");
            // Codes are text cells.
            assert!(rows[1..].iter().all(|r| matches!(r[c], Data::String(_))), "{n}: codes as text");
        }
    }
    let deps = wb.worksheet_range("Généralistes pour 100 000 hab.").expect("sheet");
    assert_eq!(deps.rows().count(), 1 + 101);
    let regs = wb.worksheet_range("Généralistes pour 100 (rég.)").expect("sheet");
    assert_eq!(regs.rows().count(), 1 + 18 + 1);
    // The wide CSV: no always-empty column, sources by key, not repeated in full.
    let wide = csv_rows(&w.read("output/2025/tables/barometre-2025-departements.csv"));
    let columns: Vec<&String> = wide[0].keys().collect();
    for c in &columns {
        assert!(wide.iter().any(|r| !r[*c].is_empty()), "wide column {c} always empty");
    }
    assert!(wide.iter().all(|r| r["sources"].len() < 80), "sources by key");
    let sources = csv_rows(&w.read("output/2025/tables/sources.csv"));
    assert!(sources.iter().any(|s| s["cle"] == "S1" && s["source"].contains("DREES")));
    // The downloads page says which file to open in Excel.
    let page = w.read("output/2025/telechargements.html");
    assert!(page.contains("Pour Excel, ouvrir le classeur XLSX"));
}

#[test]
fn issue7_compare_prints_the_fiche_numbers() {
    let w = crate::common::Workdir::new();
    let o = w.run(&["compare", "creuse"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.starts_with("Creuse (23) — région Nouvelle-Aquitaine"), "{out}");
    assert!(out.contains("Données de démonstration. Synthétiques, à ne pas citer"), "{out}");
    let rows = csv_rows(&shared_demo().read("output/2025/tables/densite-generalistes-2025.csv"));
    let creuse: f64 = rows.iter().find(|r| r["code"] == "23").expect("23")["valeur"].parse().expect("f64");
    let line = out.lines().find(|l| l.starts_with("Généralistes pour 100 000 hab. ")).expect("density line");
    assert!(line.contains(&format!(" {} ", creuse.round())), "{line}");
    assert!(line.contains("145"), "France beside: {line}");
    for arg in ["23", "Creuse"] {
        let o = w.run(&["compare", arg, "--format", "json"]);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
        assert_eq!(v["code"], "23");
        let d = v["indicateurs"]
            .as_array()
            .expect("list")
            .iter()
            .find(|i| i["indicateur"] == "Densité de médecins généralistes")
            .expect("density");
        // Rounded as published (no decimal for a density), exact under its own key.
        assert_eq!(d["valeur"].as_f64().expect("f64"), creuse.round());
        assert!((d["valeur_exact"].as_f64().expect("f64") - creuse).abs() < 0.01);
    }
    let o = w.run(&["compare", "Atlantide"]);
    assert_ne!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("n'est ni un code ni un nom de département"), "{}", stderr(&o));
}

#[test]
fn issue19_compare_fits_a_terminal_aligns_numbers_and_suggests_names() {
    let w = crate::common::Workdir::new();
    // A near name: a suggestion, in French, and a failure.
    let o = w.run(&["compare", "mayote"]);
    assert_ne!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("vouliez-vous dire Mayotte (976) ?"), "{}", stderr(&o));
    let o = w.run(&["compare", "creuse"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    for l in out.lines() {
        assert!(l.chars().count() <= 100, "{} columns: {l}", l.chars().count());
    }
    // The header names the edition, the previous edition and the baseline years.
    let header = out.lines().find(|l| l.starts_with("Indicateur (2025)")).expect("header");
    assert!(header.contains("Valeur") && header.contains("2023") && header.contains("2020"), "{header}");
    // Numbers are right-aligned: each value ends where its header ends.
    let end = |l: &str, s: &str| l.find(s).map(|i| l[..i].chars().count() + s.chars().count());
    let gp = out.lines().find(|l| l.starts_with("Généralistes  ")).expect("GP line");
    let counts = csv_rows(&shared_demo().read("output/2025/tables/effectif-generalistes-2025.csv"));
    let row = |year: &str| {
        counts.iter().find(|r| r["code"] == "23" && r["niveau"] == "departement").expect("23")
            [&if year == "2025" { "valeur".to_string() } else { format!("valeur_{year}") }]
            .clone()
    };
    for (year, col) in [("2025", "Valeur"), ("2023", "2023"), ("2020", "2020")] {
        let v = row(year);
        assert_eq!(end(gp, &format!(" {v}")), end(header, col), "{year}: `{gp}`");
    }
    // CSV rounded as published.
    let o = w.run(&["compare", "23", "--format", "csv"]);
    let rows = csv_rows(&String::from_utf8_lossy(&o.stdout));
    let d = rows.iter().find(|r| r["indicateur"] == "Densité de médecins généralistes").expect("density");
    assert!(!d["valeur"].contains('.'), "a density has no decimal: {}", d["valeur"]);
    assert!(!d["valeur_base"].is_empty(), "baseline value");
}

#[test]
fn issue7_fiche_pages_show_values_significance_zones_and_similar_departements() {
    let w = shared_demo();
    let pages = std::fs::read_dir(w.path("output/2025/departements"))
        .expect("departements/")
        .filter(|e| e.as_ref().is_ok_and(|e| e.path().extension().is_some_and(|x| x == "html")));
    assert_eq!(pages.count(), 101);
    let creuse = w.read("output/2025/departements/23.html");
    assert!(creuse.contains("<h1>Creuse (23)</h1>") && creuse.contains("Données de démonstration"));
    let rows = csv_rows(&w.read("output/2025/tables/densite-generalistes-2025.csv"));
    let r = rows.iter().find(|r| r["code"] == "23" && r["niveau"] == "departement").expect("23");
    let v: f64 = r["valeur"].parse().expect("f64");
    let label = &r["qualification_depuis_2023"];
    let density_row =
        creuse.split("<tr>").find(|row| row.contains("Densité de médecins généralistes")).expect("density row");
    assert!(density_row.contains(&format!(">{}</td>", v.round())), "{density_row}");
    assert!(density_row.contains(label.as_str()), "significance label `{label}` in {density_row}");
    // France's 145, real in the demo: marked R.
    assert!(density_row.contains(">145<sup class=\"reel\""), "France beside: {density_row}");
    assert!(creuse.contains("Départements comparables") && creuse.matches("<a href=\"").count() >= 5 + 2);
    // A département with zones rouges lists its EPCI (names autoescaped).
    let zones = csv_rows(
        &std::fs::read_to_string(crate::common::repo().join("fixtures/demo/zones-rouges.csv")).expect("zones"),
    );
    let z = &zones[0];
    let page = w.read(&format!("output/2025/departements/{}.html", z["code_departement"]));
    assert!(page.contains(&z["siren"]), "zone {} on its département's page", z["siren"]);
    // The index links every département to its page.
    let index = w.read("output/2025/index.html");
    assert!(index.contains("href=\"departements/2A.html\"") && index.contains("href=\"departements/976.html\""));
}
