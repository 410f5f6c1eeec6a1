//! The level below the département (issue 20, first part): the communes of the reference
//! geography with their EPCI and population, and the codes that are not current communes.

use std::collections::{BTreeMap, BTreeSet};

use barometre::communes::Communes;

use crate::common::{csv_rows, repo};

fn read(p: &str) -> String {
    std::fs::read_to_string(repo().join(p)).unwrap_or_else(|e| panic!("{p}: {e}"))
}

#[test]
fn issue20_communes_add_up_to_their_epci_and_departement() {
    let c = Communes::get();
    // 34,875 communes in the 101 départements (COG 2026), every one once.
    assert_eq!(c.communes.len(), 34_875);
    let codes: BTreeSet<&str> = c.communes.iter().map(|x| x.code.as_str()).collect();
    assert_eq!(codes.len(), c.communes.len());
    // Each EPCI has exactly the number of communes the EPCI table gives (its own source,
    // the package's epci.json), and every commune but four islands is in one.
    let epci = csv_rows(&read("fixtures/reference/epci.csv"));
    assert_eq!(epci.len(), 1_255);
    for e in &epci {
        let n = c.of_epci(&e["siren"]).count();
        assert_eq!(n.to_string(), e["nb_communes"], "{} {}", e["siren"], e["nom"]);
    }
    let alone: BTreeSet<&str> = c.communes.iter().filter(|x| x.epci.is_none()).map(|x| x.name.as_str()).collect();
    assert_eq!(alone, BTreeSet::from(["Île-de-Bréhat", "Île-de-Sein", "L'Île-d'Yeu", "Ouessant"]));
    // The communes' populations add up to each département's legal population (COG 2026).
    let mut by_dept: BTreeMap<&str, u64> = BTreeMap::new();
    for x in &c.communes {
        *by_dept.entry(x.departement.as_str()).or_default() += x.population;
    }
    let legal = csv_rows(&read("fixtures/reference/population-legale.csv"));
    let mut n = 0;
    for r in legal.iter().filter(|r| r["annee_cog"] == "2026") {
        assert_eq!(
            by_dept[r["code_departement"].as_str()].to_string(),
            r["population_municipale"],
            "{}",
            r["code_departement"]
        );
        n += 1;
    }
    assert_eq!(n, 101);
    // By hand: the CC Creuse Sud Ouest's communes, summed from communes.csv.
    let rows = csv_rows(&read("fixtures/reference/communes.csv"));
    let siren = &epci.iter().find(|e| e["nom"] == "CC Creuse Sud Ouest").expect("EPCI")["siren"];
    let want: u64 = rows
        .iter()
        .filter(|r| &r["siren_epci"] == siren)
        .map(|r| r["population_municipale"].parse::<u64>().expect("n"))
        .sum();
    assert_eq!(c.of_epci(siren).map(|x| x.population).sum::<u64>(), want);
    assert!(want > 10_000 && want < 20_000, "{want}");
}

#[test]
fn issue20_former_codes_and_arrondissements_lead_to_the_current_commune() {
    let c = Communes::get();
    // Paris's arrondissements belong to Paris (75056), Marseille's to 13055, Lyon's to 69123.
    for (arr, commune) in [("75101", "75056"), ("75120", "75056"), ("13201", "13055"), ("69381", "69123")] {
        assert_eq!(c.current(arr).map(|x| x.code.as_str()), Some(commune), "{arr}");
        assert_eq!(c.former(arr).map(|f| f.nature.as_str()), Some("arrondissement"));
    }
    // A commune déléguée of the reference table, read independently: Béon (01039) is part
    // of 01138 (Culoz-Béon).
    let codes = csv_rows(&read("fixtures/reference/communes-codes.csv"));
    let beon = codes.iter().find(|r| r["code"] == "01039").expect("Béon");
    assert_eq!((beon["code_commune"].as_str(), beon["nature"].as_str()), ("01138", "deleguee"));
    assert_eq!(c.current("01039").map(|x| x.code.as_str()), Some("01138"));
    // A commune merged without becoming a commune déléguée (the COG's history): Filain
    // (02311) is now part of Pargny-et-Filain (02589).
    let filain = codes.iter().find(|r| r["code"] == "02311").expect("Filain");
    assert_eq!((filain["code_commune"].as_str(), filain["nature"].as_str()), ("02589", "ancienne"));
    assert_eq!(c.current("02311").map(|x| x.name.as_str()), Some("Pargny-et-Filain"));
    // Every former code leads to a current commune; a current commune is itself.
    for r in &codes {
        assert_eq!(c.current(&r["code"]).map(|x| x.code.clone()), Some(r["code_commune"].clone()), "{}", r["code"]);
    }
    assert_eq!(c.current("23096").map(|x| x.name.as_str()), Some("Guéret"));
    // An unknown code is none (reported by the readers, never guessed).
    assert!(c.current("99999").is_none());
}

const RPPS: &str = "fixtures/real/rpps/PS_LibreAcces_Personne_activite_202511200000.txt";

fn rpps_text() -> String {
    read(RPPS)
}

fn rpps_error(bytes: &[u8]) -> String {
    let e = barometre::sources::rpps_annuaire::parse(bytes, "annuaire.txt").expect_err("refused");
    assert!(e.downcast_ref::<barometre::error::DataError>().is_some(), "a data error (exit 4): {e:#}");
    format!("{e:#}")
}

#[test]
fn issue20_the_rpps_extract_counts_each_gp_once_at_one_site_by_commune_epci_and_departement() {
    use barometre::sources::rpps_annuaire::parse;
    let text = rpps_text();
    // The publisher's layout: 52 named columns and a trailing `|`.
    assert_eq!(text.lines().next().expect("header").split('|').count(), 53);
    assert_eq!(text.lines().next(), Some(barometre::sources::rpps_annuaire::HEADER));
    let r = parse(text.as_bytes(), RPPS).expect("parsed");
    // By hand, from the 14 rows of the fixture (see its design in fixtures/README.md):
    // 11 people; the cardiologist and the pharmacist are not GPs; 9 GPs on 12 activity
    // rows (P1, P5 and P9 have two), one without a site.
    assert_eq!((r.rows, r.gp_rows), (14, 12));
    assert_eq!(r.total(), 9);
    assert_eq!(r.sans_commune, 1);
    let want: BTreeMap<String, u64> = [
        // Guéret: P1 (libéral there, salaried at Limoges), P4 (by the label only), P9
        // (salaried there, volunteer at Limoges).
        ("23096", 3),
        // P5: libéral at Boussac (23031) and Auzances (23013): the lowest code.
        ("23013", 1),
        // P2, in Paris's 12th arrondissement (75112): Paris.
        ("75056", 1),
        // P3, at Béon (01039), commune déléguée of Culoz-Béon.
        ("01138", 1),
        ("2A004", 1),
        ("97101", 1),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(r.communes, want);
    assert_eq!(r.mapped.get("75112").map(String::as_str), Some("75056"));
    assert_eq!(r.mapped.get("01039").map(String::as_str), Some("01138"));
    // By département and by EPCI (SIREN from fixtures/reference/communes.csv): Guéret is
    // in the CA du Grand Guéret (200034825), Auzances in 200067593.
    let d = r.by_departement();
    assert_eq!((d["23"], d["75"], d["01"], d["2A"], d["971"]), (4, 1, 1, 1, 1));
    let e = r.by_epci();
    assert_eq!((e["200034825"], e["200067593"]), (3, 1));
    assert_eq!(e.values().sum::<u64>(), 8, "every commune with a GP is in an EPCI");
}

#[test]
fn issue20_the_rpps_extract_is_read_from_the_publishers_zip() {
    use std::io::Write;
    let dir = tempfile::tempdir().expect("tmp");
    let zip_at = |name: &str, entries: &[(&str, &[u8])]| {
        let p = dir.path().join(name);
        let mut z = zip::ZipWriter::new(std::fs::File::create(&p).expect("create"));
        for (n, b) in entries {
            z.start_file(*n, zip::write::SimpleFileOptions::default()).expect("entry");
            z.write_all(b).expect("write");
        }
        z.finish().expect("finish");
        p
    };
    let text = rpps_text();
    let ok = zip_at(
        "PS_LibreAcces.zip",
        &[
            ("PS_LibreAcces_Dipl_AutExerc_202511200000.txt", b"x|y|\n"),
            ("PS_LibreAcces_Personne_activite_202511200000.txt", text.as_bytes()),
        ],
    );
    let r = barometre::sources::rpps_annuaire::read_path(&ok).expect("zip read");
    assert_eq!(r.total(), 9);
    // A zip without the activity file, and a truncated zip: refused, named.
    let none = zip_at("autre.zip", &[("PS_LibreAcces_Dipl_AutExerc_202511200000.txt", b"x|y|\n")]);
    let e = format!("{:#}", barometre::sources::rpps_annuaire::read_path(&none).expect_err("no file"));
    assert!(e.contains("autre.zip") && e.contains("PS_LibreAcces_Personne_activite"), "{e}");
    let bytes = std::fs::read(&ok).expect("read");
    let cut = dir.path().join("coupe.zip");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).expect("write");
    let e = format!("{:#}", barometre::sources::rpps_annuaire::read_path(&cut).expect_err("truncated"));
    assert!(e.contains("coupe.zip") && e.contains("complete"), "{e}");
}

#[test]
fn issue20_bad_rpps_extracts_are_refused_naming_the_line_and_the_column() {
    let text = rpps_text();
    // An old extract in Latin-1: the first accented byte is on line 1 (the header).
    let latin1: Vec<u8> = text.chars().map(|c| u32::from(c).min(255) as u8).collect();
    let e = rpps_error(&latin1);
    assert!(e.contains("row 1") && e.contains("UTF-8"), "{e}");
    // Another separator.
    let e = rpps_error(text.replace('|', ";").as_bytes());
    assert!(e.contains("row 1") && e.contains("`|`"), "{e}");
    // A renamed column.
    let e = rpps_error(text.replacen("Code commune (coord. structure)", "Commune", 1).as_bytes());
    assert!(e.contains("column `Code commune (coord. structure)`"), "{e}");
    // A repeated activity (the last GP row twice): its line, 16.
    let last = text.lines().last().expect("row").to_string();
    let e = rpps_error(format!("{text}{last}\n").as_bytes());
    assert!(e.contains("row 16") && e.contains("Identifiant PP") && e.contains("10000000011"), "{e}");
    // An unknown commune code, on line 15 (Les Abymes' row).
    let e = rpps_error(text.replace("|97101|", "|97199|").as_bytes());
    assert!(e.contains("row 15") && e.contains("97199") && e.contains("Code commune"), "{e}");
    // A truncated row.
    let cut = format!("{text}10000000012|8|\n");
    let e = rpps_error(cut.as_bytes());
    assert!(e.contains("row 16") && e.contains("fields"), "{e}");
}

#[test]
fn issue20_annuaire_writes_gps_by_commune_and_epci_or_nothing() {
    let w = crate::common::Workdir::new();
    let file = repo().join(RPPS);
    let o = w.run(&["annuaire", file.to_str().expect("path"), "--output", "out"]);
    assert!(o.status.success(), "{}", crate::common::stderr(&o));
    let communes = csv_rows(&w.read("out/annuaire/generalistes-communes.csv"));
    assert_eq!(communes.len(), 34_875, "every commune, with or without a GP");
    let gueret = communes.iter().find(|r| r["code_commune"] == "23096").expect("Guéret");
    // 3 GPs for Guéret's 12,955 inhabitants (fixtures/reference/communes.csv): 23.16.
    assert_eq!((gueret["generalistes"].as_str(), gueret["population"].as_str()), ("3", "12955"));
    assert_eq!(gueret["densite"], format!("{:.2}", 3.0 / 12_955.0 * 1e5));
    let epci = csv_rows(&w.read("out/annuaire/generalistes-epci.csv"));
    assert_eq!(epci.len(), 1_255);
    // The CA du Grand Guéret: its communes' populations summed from the reference table.
    let pop: u64 = csv_rows(&read("fixtures/reference/communes.csv"))
        .iter()
        .filter(|r| r["siren_epci"] == "200034825")
        .map(|r| r["population_municipale"].parse::<u64>().expect("n"))
        .sum();
    let grand_gueret = epci.iter().find(|r| r["siren"] == "200034825").expect("EPCI");
    assert_eq!(grand_gueret["generalistes"], "3");
    assert_eq!(grand_gueret["population"], pop.to_string());
    assert_eq!(grand_gueret["densite"], format!("{:.2}", 3.0 / pop as f64 * 1e5));
    assert_eq!(epci.iter().map(|r| r["generalistes"].parse::<u64>().expect("n")).sum::<u64>(), 8);
    // The cross-check with DREES (the demo's counts of 2025, fixtures/demo/generalistes.csv):
    // the Creuse, 4 here against DREES's count; an alert beyond ±15 %.
    let drees: u64 = csv_rows(&read("fixtures/demo/generalistes.csv"))
        .iter()
        .find(|r| r["code_departement"] == "23" && r["annee"] == "2025")
        .expect("23")["effectif"]
        .parse()
        .expect("n");
    let check = csv_rows(&w.read("out/annuaire/controle-drees.csv"));
    assert_eq!(check.len(), 101);
    let creuse = check.iter().find(|r| r["code_departement"] == "23").expect("23");
    assert_eq!((creuse["annuaire"].as_str(), creuse["annee_drees"].as_str()), ("4", "2025"));
    assert_eq!(creuse["drees"], drees.to_string());
    assert_eq!(creuse["ecart"], (4 - drees as i64).to_string());
    assert_eq!(creuse["ecart_pct"], format!("{:.1}", (4.0 - drees as f64) / drees as f64 * 100.0));
    assert_eq!(creuse["alerte"], "oui");
    let md = w.read("out/annuaire/controle-drees.md");
    assert!(md.contains("±15") && md.contains("Creuse (23)"), "{md}");
    // A bad extract: exit 4, the problem named, nothing written.
    let bad = w.path("bad.txt");
    std::fs::write(&bad, rpps_text().replace("|97101|", "|97199|")).expect("write");
    let o = w.run(&["annuaire", bad.to_str().expect("path"), "--output", "out2"]);
    assert_eq!(o.status.code(), Some(4), "{}", crate::common::stderr(&o));
    assert!(crate::common::stderr(&o).contains("97199"));
    assert!(!w.path("out2/annuaire").exists());
}
