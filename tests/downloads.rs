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
    assert_eq!(&header[..2], ["code_departement", "departement"]);
    // Codes are text, "01" keeps its zero; values are numbers.
    assert_eq!(rows[1][0], Data::String("01".into()));
    let col = header.iter().position(|h| h == "densite_generalistes_2025").expect("density column");
    let hautes_alpes = rows.iter().find(|r| r[0] == Data::String("05".into())).expect("05");
    match &hautes_alpes[col] {
        Data::Float(v) => assert_eq!(v.round(), 288.0),
        other => panic!("density is not a number: {other:?}"),
    }
    // Every column of the wide sheet is documented.
    let doc = wb.worksheet_range("Colonnes").expect("Colonnes");
    let documented: Vec<String> =
        doc.rows().filter(|r| r[0] == Data::String("Départements".into())).map(|r| r[1].to_string()).collect();
    assert_eq!(documented, header);
    let sources = wb.worksheet_range("Sources").expect("Sources");
    let text: String = sources.rows().map(|r| r[0].to_string()).collect::<Vec<_>>().join("\n");
    assert!(text.contains("Données de démonstration") && text.contains("generalistes.csv"), "{text}");
}

#[test]
fn issue7_excel_csv_reads_back_identically() {
    let w = shared_demo();
    for name in ["barometre-2025-departements", "densite-generalistes-2025", "renoncement-soins-2025"] {
        let utf8 = csv_rows(&w.read(&format!("output/2025/tables/{name}.csv")));
        let raw = std::fs::read(w.path(&format!("output/2025/tables/excel/{name}.csv"))).expect("excel csv");
        assert_eq!(&raw[..3], b"\xEF\xBB\xBF", "BOM");
        let text = String::from_utf8(raw[3..].to_vec()).expect("UTF-8");
        let mut r = csv::ReaderBuilder::new().delimiter(b';').from_reader(text.as_bytes());
        let headers = r.headers().expect("headers").clone();
        let excel: Vec<Vec<String>> =
            r.records().map(|x| x.expect("row").iter().map(str::to_string).collect()).collect();
        assert_eq!(excel.len(), utf8.len(), "{name}");
        for (a, b) in utf8.iter().zip(&excel) {
            for (h, v) in headers.iter().zip(b) {
                let want = &a[h];
                // Decimal comma in Excel's dialect, point in the plain CSV.
                let same = want == v || (want.parse::<f64>().is_ok() && *want == v.replace(',', "."));
                assert!(same, "{name}, column {h}: `{want}` vs `{v}`");
            }
        }
    }
    let json: serde_json::Value =
        serde_json::from_str(&w.read("output/2025/tables/densite-generalistes-2025.json")).expect("json");
    assert_eq!(json["lignes"].as_array().expect("rows").len(), 120);
    assert_eq!(json["lignes"][0]["code"], "FR");
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
    let line = out.lines().find(|l| l.starts_with("Généralistes pour 100 000 hab. (2025)")).expect("density line");
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
        assert!((d["valeur"].as_f64().expect("f64") - creuse).abs() < 0.01);
    }
    let o = w.run(&["compare", "Atlantide"]);
    assert_ne!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("not a département code or name"));
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
    assert!(density_row.contains(">145</td>"), "France beside");
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
