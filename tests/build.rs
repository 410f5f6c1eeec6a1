//! End-to-end `barometre build` on the demo data (issue 2).

use crate::common::{Workdir, csv_rows, stderr};

fn built() -> Workdir {
    let w = Workdir::new();
    let o = w.run(&["build"]);
    assert!(o.status.success(), "build failed: {}", stderr(&o));
    w
}

#[test]
fn issue2_demo_build_writes_every_output_with_published_national_figures() {
    let w = built();
    for f in [
        "output/2025/barometre-2025.pdf",
        "output/2025/index.html",
        "output/2025/tables/densite-generalistes-2025.csv",
        "output/2025/tables/effectif-generalistes-2025.csv",
        "output/2025/tables/LISEZMOI.md",
        "output/2025/charts/densite-generalistes-2025-classement.svg",
    ] {
        assert!(w.path(f).is_file(), "{f} missing");
    }

    let rows = csv_rows(&w.read("output/2025/tables/densite-generalistes-2025.csv"));
    let count = |lvl: &str| rows.iter().filter(|r| r["niveau"] == lvl).count();
    assert_eq!((count("departement"), count("region"), count("france")), (101, 18, 1));
    let fr = rows.iter().find(|r| r["niveau"] == "france").expect("France row");
    assert_eq!(fr["numerateur"], "100019");
    let density: f64 = fr["valeur"].parse().expect("density");
    assert_eq!(density.round(), 146.0);
    assert_eq!(fr["donnees_demo"], "oui");
    // Codes stay text; Corsica and overseas present.
    for code in ["01", "2A", "2B", "976"] {
        assert!(rows.iter().any(|r| r["code"] == code), "{code}");
    }
    // Published extremes of the 2025 edition.
    let dens = |code: &str| -> f64 {
        rows.iter().find(|r| r["code"] == code && r["niveau"] == "departement").expect("row")["valeur"]
            .parse()
            .expect("f64")
    };
    assert_eq!(dens("05").round(), 288.0);
    assert_eq!(dens("976").round(), 39.0);
    assert_eq!(dens("28").round(), 84.0);

    let counts = csv_rows(&w.read("output/2025/tables/effectif-generalistes-2025.csv"));
    let fr = counts.iter().find(|r| r["niveau"] == "france").expect("France row");
    assert_eq!(fr["valeur"], "100019");
    assert_eq!(fr["evolution_depuis_2023"], "520");
    assert_eq!(fr["evolution_pct_depuis_2020"], "-1.30");

    let html = w.read("output/2025/index.html");
    assert!(html.contains("Données de démonstration"), "demo notice in HTML");
    assert!(html.contains("100\u{202f}019"), "national count in HTML");
    assert!(!html.contains("http://") && !html.contains("https://"), "no external resource");

    let svg = w.read("output/2025/charts/densite-generalistes-2025-classement.svg");
    assert!(svg.starts_with("<svg") && svg.contains("<rect"), "SVG chart");
    assert!(svg.matches("<rect").count() >= 101, "one bar per département");
}

#[test]
fn issue2_pdf_opens_with_metadata_and_demo_mention() {
    let w = built();
    let bytes = std::fs::read(w.path("output/2025/barometre-2025.pdf")).expect("pdf");
    let doc = lopdf::Document::load_mem(&bytes).expect("PDF parses");
    assert!(doc.get_pages().len() >= 4, "pages: {}", doc.get_pages().len());
    let text = pdf_extract::extract_text_from_mem(&bytes).expect("PDF text");
    for needle in ["Baromètre de l", "Chiffres clés", "Démographie médicale", "Sources et méthode", "démonstration"]
    {
        assert!(text.contains(needle), "{needle} not in PDF text");
    }
    let info = String::from_utf8_lossy(&bytes);
    assert!(info.contains("2025112000"), "creation date from the edition date");
}

#[test]
fn issue2_two_builds_are_byte_identical() {
    let a = built();
    let b = built();
    for f in [
        "output/2025/index.html",
        "output/2025/tables/densite-generalistes-2025.csv",
        "output/2025/tables/effectif-generalistes-2025.csv",
        "output/2025/charts/densite-generalistes-2025-classement.svg",
        "output/2025/barometre-2025.pdf",
    ] {
        assert!(std::fs::read(a.path(f)).expect("a") == std::fs::read(b.path(f)).expect("b"), "{f} differs");
    }
}

#[test]
fn issue2_missing_demo_file_fails_cleanly_and_keeps_previous_output() {
    let w = Workdir::new();
    let data = w.copy_demo("data");
    std::fs::remove_file(data.join("generalistes.csv")).expect("rm");
    std::fs::create_dir_all(w.path("output/2025")).expect("mkdir");
    std::fs::write(w.path("output/2025/previous.txt"), "previous edition").expect("write");

    let o = w.run(&["build", "--data", "data"]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("generalistes.csv") && err.contains("not found"), "{err}");
    assert_eq!(w.read("output/2025/previous.txt"), "previous edition");
    assert!(!w.path("output/2025/index.html").exists());
    let leftovers: Vec<_> =
        std::fs::read_dir(w.path("output")).expect("ls").map(|e| e.expect("e").file_name()).collect();
    assert_eq!(leftovers.len(), 1, "no staging directory left behind: {leftovers:?}");
}

#[test]
fn issue2_malformed_demo_file_names_file_row_and_column() {
    let w = Workdir::new();
    let data = w.copy_demo("data");
    let path = data.join("population.csv");
    let text = std::fs::read_to_string(&path).expect("read");
    let broken = text.replacen("01,2023,", "01,2023,-12", 1).replacen("02,2020,", "20,2020,", 1);
    std::fs::write(&path, broken).expect("write");

    let o = w.run(&["build", "--data", "data"]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("population.csv, row 5, column `population`"), "{err}");
    assert!(err.contains("population.csv, row 8, column `code_departement`: found `20`"), "{err}");
    assert!(!w.path("output/2025").exists(), "no partial output");
}
