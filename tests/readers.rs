//! Each reader on a file shaped like the real one, and on broken inputs: every error
//! names the file and the location (issue 3).

use barometre::error::DataError;
use barometre::geo::Geography;
use barometre::sources::{self, Format, Located};
use rust_xlsxwriter::Workbook;

use crate::common::repo;

fn real(rel: &str, format: Format) -> Located {
    let path = repo().join("fixtures/real").join(rel);
    Located { display: rel.to_string(), bytes: std::fs::read(&path).expect("fixture"), format }
}

fn bytes(name: &str, bytes: Vec<u8>, format: Format) -> Located {
    Located { display: name.to_string(), bytes, format }
}

/// The error message of a failed parse, which must be invalid data (exit 4).
fn message<T: std::fmt::Debug>(r: anyhow::Result<T>) -> String {
    let e = r.expect_err("should fail");
    assert!(e.chain().any(|c| c.is::<DataError>()), "not a data error: {e:#}");
    format!("{e:#}")
}

fn geo() -> &'static Geography {
    Geography::get()
}

#[test]
fn issue3_drees_workbook_gives_gp_totals_with_nd_as_withheld() {
    let rows = sources::gp::parse(real("drees/medecins-rpps-extrait.xlsx", Format::DreesRpps), geo()).expect("parse");
    let total = |y: i32| rows.iter().filter(|r| r.year == y).filter_map(|r| r.count).sum::<u64>();
    assert_eq!(total(2025), 100_019);
    assert_eq!(total(2020), 101_340);
    let mayotte_2012 = rows.iter().find(|r| r.dept == "976" && r.year == 2012).expect("976 2012");
    assert_eq!(mayotte_2012.count, None, "ND is withheld, not 0");
    assert_eq!(rows.iter().filter(|r| r.year == 2025).count(), 101);
    assert!(rows.iter().any(|r| r.dept == "2A") && rows.iter().any(|r| r.dept == "971"));
}

#[test]
fn issue3_insee_xlsx_and_xls_give_the_same_populations() {
    let a = sources::population::parse(
        real("insee/estim-pop-dep-sexe-gca-1975-2026-extrait.xlsx", Format::InseePopulation),
        geo(),
    )
    .expect("xlsx");
    let b = sources::population::parse(
        real("insee/estim-pop-dep-sexe-gca-1975-2023-extrait.xls", Format::InseePopulation),
        geo(),
    )
    .expect("xls");
    let total = |rows: &[sources::population::PopRow], y: i32| {
        rows.iter().filter(|r| r.year == y).map(|r| r.population).sum::<u64>()
    };
    assert_eq!(total(&a, 2023), 68_404_843);
    assert_eq!(total(&b, 2023), 68_404_843);
    assert_eq!(a.iter().filter(|r| r.year == 2025).count(), 101, "aggregate rows skipped");
    assert!(b.iter().any(|r| r.dept == "971" && r.year == 2020), "numeric 971 read as a code");
}

#[test]
fn issue3_ameli_export_reads_plain_gps_at_all_ages() {
    let rows =
        sources::gp::parse(real("ameli/demographie-effectifs-et-les-densites-extrait.csv", Format::AmeliCsv), geo())
            .expect("parse");
    assert_eq!(rows.iter().filter(|r| r.year == 2024).count(), 101, "one row per département, national row skipped");
    assert!(rows.iter().any(|r| r.dept == "2A" && r.year == 2022));
}

#[test]
fn issue3_contours_have_every_departement() {
    let c =
        sources::contours::parse(real("contours/departements-extrait.geojson", Format::GeoJson), geo()).expect("parse");
    assert_eq!(c.shapes.len(), 101);
    assert_eq!(c.shapes.iter().find(|s| s.code == "2B").expect("2B").polygons.len(), 2);
}

#[test]
fn issue3_analyst_templates_in_their_variants() {
    let pdsa = sources::pdsa::parse(real("templates/pdsa.xlsx", Format::Canonical), geo()).expect("pdsa");
    assert!(pdsa.iter().any(|r| r.dept == "01"), "numeric 1 read as 01");
    let (v, c) = pdsa
        .iter()
        .filter(|r| r.year == 2024)
        .fold((0, 0), |(v, c), r| (v + r.volunteers.unwrap_or(0), c + r.concerned.unwrap_or(0)));
    assert!((v as f64 / c as f64 * 100.0 - 38.999_667_663_675_64).abs() < 1e-9);
    assert!(pdsa.iter().any(|r| r.year == 2022 && r.concerned.is_none()), "ND kept as non-response");

    let sas = sources::sas::parse(real("templates/sas.csv", Format::Canonical), geo()).expect("sas");
    assert_eq!(sas.iter().map(|s| s.appointments).sum::<u64>(), 85_280);
    assert!(sas.iter().any(|s| s.depts == ["2A", "2B"]));
    assert_eq!(sas[0].opened, (2022, 3, 1), "dd/mm/yyyy");
    assert_eq!(sas[0].name, "SAS Ain");

    let smt =
        sources::sans_mt::parse(real("templates/sans-medecin-traitant.csv", Format::Canonical), geo()).expect("smt");
    assert_eq!(smt.iter().filter(|r| r.year == 2025).map(|r| r.patients).sum::<u64>(), 6_000_000);

    let missions = sources::missions::parse(real("templates/missions-solidarite.xlsx", Format::Canonical), geo())
        .expect("missions");
    assert_eq!(missions.iter().filter(|r| r.month == (2025, 11)).map(|r| r.consultations).sum::<u64>(), 500);

    let survey = sources::survey::parse(real("templates/renoncement.csv", Format::Canonical), geo()).expect("survey");
    let rate = |y: i32| {
        let (w, yes) = survey
            .iter()
            .filter(|r| r.year == y)
            .fold((0.0, 0.0), |(w, yes), r| (w + r.weight, yes + if r.renounced { r.weight } else { 0.0 }));
        yes / w * 100.0
    };
    assert!((rate(2024) - 58.049_219_287_919_56).abs() < 1e-9);
    assert!((rate(2025) - 66.218_252_615_137_5).abs() < 1e-9);
}

#[test]
fn issue3_zone_names_match_sirens_and_unmatched_are_reported() {
    let z =
        sources::zones_rouges::parse(real("templates/zones-rouges-noms.csv", Format::Canonical), geo()).expect("zones");
    let expected = std::fs::read_to_string(repo().join("fixtures/real/templates/zones-rouges-noms.expected.csv"))
        .expect("expected");
    let mut want: Vec<String> = Vec::new();
    let mut unmatched = Vec::new();
    let mut r = csv::Reader::from_reader(expected.as_bytes());
    for rec in r.records() {
        let rec = rec.expect("row");
        if rec[1].is_empty() { unmatched.push(rec[0].to_string()) } else { want.push(rec[1].to_string()) }
    }
    want.sort();
    let got: Vec<String> = z.zones.iter().map(|z| z.siren.clone()).collect();
    assert_eq!(got, want);
    let names: Vec<&str> = z.unmatched.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names.len(), unmatched.len());
    for n in &unmatched {
        assert!(names.contains(&n.trim()), "{n} reported");
    }
}

fn xlsx(rows: &[&[&str]]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("Effectifs").expect("sheet");
    for (i, row) in rows.iter().enumerate() {
        for (j, v) in row.iter().enumerate() {
            match v.parse::<f64>() {
                Ok(x) if !v.starts_with('0') || *v == "0" => ws.write_number(i as u32, j as u16, x).expect("cell"),
                _ => ws.write_string(i as u32, j as u16, *v).expect("cell"),
            };
        }
    }
    wb.save_to_buffer().expect("xlsx")
}

#[test]
fn issue3_bad_inputs_name_file_and_location() {
    let g = geo();
    // DREES: an unknown département label and a count that is not a number.
    let h: &[&str] = &drees_header();
    let wb = xlsx(&[
        &["Titre"],
        h,
        &[
            "Département",
            "94",
            "020-Corse",
            "01-Médecine générale",
            "00-Ensemble",
            "0-Ensemble",
            "00-Ensemble",
            "0-Ensemble",
            "12",
        ],
        &[
            "Département",
            "84",
            "001-Ain",
            "01-Médecine générale",
            "00-Ensemble",
            "0-Ensemble",
            "00-Ensemble",
            "0-Ensemble",
            "beaucoup",
        ],
    ]);
    let m = message(sources::gp::parse(bytes("drees.xlsx", wb, Format::DreesRpps), g));
    assert!(m.contains("drees.xlsx, sheet `Effectifs`, row 3, column `departement`: found `020-Corse`"), "{m}");
    assert!(
        m.contains(
            "drees.xlsx, sheet `Effectifs`, row 4, column `effectif_2025`: found `beaucoup`, expected a whole number"
        ),
        "{m}"
    );
    // DREES: no usable sheet.
    let m = message(sources::gp::parse(bytes("drees.xlsx", xlsx(&[&["a", "b"]]), Format::DreesRpps), g));
    assert!(m.contains("drees.xlsx: expected a sheet (such as `Effectifs`)"), "{m}");
    // Truncated workbook.
    let mut wb = std::fs::read(repo().join("fixtures/real/drees/medecins-rpps-extrait.xlsx")).expect("fixture");
    wb.truncate(wb.len() / 2);
    let m = message(sources::gp::parse(bytes("tronque.xlsx", wb, Format::DreesRpps), g));
    assert!(m.contains("tronque.xlsx: expected a readable xlsx/xls workbook"), "{m}");
    // INSEE: "20" where a code is expected.
    let mut wbk = Workbook::new();
    let ws = wbk.add_worksheet().set_name("2025").expect("sheet");
    ws.write_string(5, 0, "20").expect("cell");
    ws.write_string(5, 1, "Corse").expect("cell");
    ws.write_number(5, 7, 340_000.0).expect("cell");
    let m = message(sources::population::parse(
        bytes("insee.xlsx", wbk.save_to_buffer().expect("xlsx"), Format::InseePopulation),
        g,
    ));
    assert!(m.contains("insee.xlsx, sheet `2025`, row 6, column `A`: found `20`, expected 2A or 2B"), "{m}");
    // ameli: a bad year.
    let csv = "annee;profession_sante;departement;code_region;libelle_classe_age;libelle_sexe;effectif;densite\nvingt;Médecins généralistes (hors MEP);01 - Ain;84;Tout âge;tout sexe;400;60.1\n";
    let m = message(sources::gp::parse(bytes("ameli.csv", csv.into(), Format::AmeliCsv), g));
    assert!(m.contains("ameli.csv, row 2, column `annee`: found `vingt`"), "{m}");
    // GeoJSON: a missing département and a bad geometry.
    let gj = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"01"},"geometry":{"type":"Point","coordinates":[5,46]}}]}"#;
    let m = message(sources::contours::parse(bytes("dep.geojson", gj.into(), Format::GeoJson), g));
    assert!(m.contains("dep.geojson, column `features[0]`: found `01`, expected a Polygon or MultiPolygon"), "{m}");
    assert!(m.contains("missing: 02"), "{m}");
    let m = message(sources::contours::parse(bytes("dep.geojson", b"{\"type\":".to_vec(), Format::GeoJson), g));
    assert!(m.contains("dep.geojson, row 1: expected valid GeoJSON"), "{m}");
    // Templates.
    let cases: [(&str, &str, &str); 8] = [
        (
            "pdsa",
            "code_departement;annee;secteurs;generalistes_concernes;generalistes_volontaires\n75;2024;10;100;120\n",
            "pdsa.csv, row 2, column `generalistes_volontaires`: found `120`, expected at most the 100 GPs concerned",
        ),
        (
            "pdsa-national",
            "annee,taux_participation\n2024,139\n",
            "pdsa-national.csv, row 2, column `taux_participation`: found `139`, expected a number between 0 and 100",
        ),
        (
            "sas",
            "id_sas,nom_sas,departements,date_ouverture,annee,rdv_plateforme\nS1,SAS X,01|96,2022-01-01,2025,10\n",
            "sas.csv, row 2, column `departements`: found `01|96`",
        ),
        (
            "sans-medecin-traitant",
            "code_departement,annee,patients_sans_medecin_traitant,dont_ald\n01,2025,100,200\n",
            "sans-medecin-traitant.csv, row 2, column `dont_ald`: found `200`, expected at most the 100 patients",
        ),
        (
            "missions-solidarite",
            "mois,code_departement,medecins_inscrits,medecins_mobilises,jours_mission,consultations\n2025-11,23,5,2,9,40\n",
            "missions-solidarite.csv, row 2, column `jours_mission`: found `9`, expected between 2 and 4 days",
        ),
        (
            "renoncement",
            "id;annee;code_departement;tranche_age;sexe;poids;renoncement\nR1;2025;01;18-24;F;0;oui\n",
            "renoncement.csv, row 2, column `poids`: found `0`, expected a weight greater than 0",
        ),
        (
            "zones-rouges",
            "siren,nom_epci\n12345,\n",
            "zones-rouges.csv, row 2, column `siren`: found `12345`, expected a SIREN of 9 digits",
        ),
        (
            "population",
            "code_departement,annee,population\n2a,2025,-5\n",
            "population.csv, row 2, column `population`: found `-5`, expected a count of 0 or more",
        ),
    ];
    for (id, text, want) in cases {
        let name = format!("{id}.csv");
        let located = bytes(&name, text.as_bytes().to_vec(), Format::Canonical);
        let m = format!(
            "{:#}",
            sources::registry::Dataset::from_id(id).expect("a dataset").summary(located, g).expect_err(id)
        );
        assert!(m.contains(want), "{id}: {m}");
    }
    // Empty and header-only files.
    let m = format!(
        "{:#}",
        sources::registry::Dataset::Pdsa
            .summary(bytes("vide.csv", Vec::new(), Format::Canonical), g)
            .expect_err("empty")
    );
    assert!(m.contains("vide.csv: expected a header line and data rows, but the file is empty"), "{m}");
}

/// The DREES workbook's header row, with one year.
fn drees_header() -> [&'static str; 9] {
    let l = barometre::sources::drees::LABEL_COLUMNS;
    [l[0], l[1], l[2], l[3], l[4], l[5], l[6], l[7], "effectif_2025"]
}
