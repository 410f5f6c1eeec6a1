//! The national PDF (issue 6): sections, figures, metadata, generated and editorial text,
//! template errors.

use crate::common::{Workdir, pdf_text, stderr};

#[test]
fn issue6_report_has_every_section_published_figures_and_metadata() {
    let w = crate::common::shared_demo();
    let bytes = std::fs::read(w.path("output/2025/barometre-2025.pdf")).expect("pdf");
    let doc = lopdf::Document::load_mem(&bytes).expect("PDF parses");
    let pages = doc.get_pages().len();
    assert!((15..=40).contains(&pages), "pages: {pages}");
    let raw = String::from_utf8_lossy(&bytes);
    assert!(raw.contains("/Lang(fr-FR)"), "document language");
    assert!(raw.contains("pdfuaid"), "PDF/UA-1 identification");
    assert!(
        raw.contains("<xmp:CreateDate>2025-11-20T00:00:00+00:00</xmp:CreateDate>"),
        "creation date from the edition"
    );
    assert!(raw.contains("Baromètre de l&apos;accès aux soins 2025"), "title in the metadata");

    let text = pdf_text(&bytes);
    for section in [
        "Sommaire",
        "Introduction",
        "Chiffres clés",
        "Démographie médicale",
        "Permanence des soins",
        "Service d\u{2019}accès aux soins",
        "Renoncement aux soins",
        "Zones rouges et missions de solidarité",
        "Patients sans médecin traitant",
        "Méthodologie",
        "Annexe : France, départements et régions",
        "Ce que disent les chiffres",
    ] {
        // poppler reads the typographic apostrophe as it is set (pdf-extract does not).
        let drawn = crate::common::poppler_text(&w.path("output/2025/barometre-2025.pdf"));
        assert!(drawn.contains(section), "section `{section}` missing");
    }
    for figure in [
        "100 019",
        "145 pour 100 000 habitants",
        "39 %",
        "65 %",
        "93 départements",
        "151 EPCI",
        "Hautes-Alpes (288",
        "Mayotte (39",
        // « 3e » with the « e » raised: extracted as « 3 e ».
        "3 e édition",
        "20 novembre 2025",
        "données de démonstration",
        "évolution incertaine",
        "Newcombe",
        "quasi-Poisson",
        "Kish",
    ] {
        let around: Vec<String> = text
            .match_indices(&figure[..figure.len().min(6)])
            .take(3)
            .map(|(i, _)| {
                text[i..]
                    .chars()
                    .take(60)
                    .map(|c| if c.is_ascii() { c.to_string() } else { format!("{c}<{:x}>", c as u32) })
                    .collect()
            })
            .collect();
        assert!(text.contains(figure), "`{figure}` missing from the PDF text; near: {around:?}");
    }
    // Every figure carries its title and one source line, drawn in it; no caption repeats
    // them (« …, 2025. Source : … » was the caption's form).
    let drawn = crate::common::poppler_text(&w.path("output/2025/barometre-2025.pdf"));
    assert!(drawn.contains("Densité de médecins généralistes, 2025"));
    assert!(drawn.contains("Source : DREES/RPPS, INSEE, 2025 — données synthétiques (démonstration)"), "{drawn}");
    assert!(!drawn.contains("2025. Source :") && !text.contains("2025. Source :"), "a caption repeats a source");
    // The annex holds France first and the 18 régions after the départements, with the
    // values of the tables (France's density 145, its comparison value 145 in 2023).
    let annex = &text[text.rfind("Annexe : France, départements et régions").expect("annex")..];
    assert!(annex.contains("FR France 145 (145)"), "France in the annex: {}", &annex[..annex.len().min(600)]);
    for region in ["Région Guadeloupe", "Région Île-de-France", "Région Corse", "Région Mayotte"] {
        assert!(annex.contains(region), "{region} in the annex");
    }
    let (fr, ain) = (annex.find("FR France").expect("France"), annex.find("01 Ain").expect("Ain"));
    assert!(fr < ain && ain < annex.find("Région Guadeloupe").expect("région"), "France, départements, régions");
}

#[test]
fn issue6_broken_template_names_the_template_and_line() {
    let w = Workdir::new();
    std::fs::create_dir_all(w.path("tpl")).expect("mkdir");
    std::fs::write(w.path("tpl/barometre.typ"), "#let m = json(bytes(sys.inputs.data))\n= Titre\n#let x = (1, 2\n")
        .expect("write");
    let o = w.run(&["build", "--templates", "tpl"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("tpl/barometre.typ:3: error"), "{err}");
    assert!(!w.path("output/2025").exists(), "no partial output");
    // The files rendered before the failure went to a staging directory, removed with it.
    let left: Vec<String> = std::fs::read_dir(w.path("output"))
        .map(|d| d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "nothing left in output/: {left:?}");
    // An unknown field is reported at its line too.
    std::fs::write(w.path("tpl/barometre.typ"), "#let m = json(bytes(sys.inputs.data))\n\n#m.nothing_here\n")
        .expect("write");
    let err = stderr(&w.run(&["build", "--templates", "tpl"]));
    assert!(err.contains("tpl/barometre.typ:3: error") && err.contains("nothing_here"), "{err}");
}

#[test]
fn issue6_editorial_markdown_is_rendered_as_text_not_markup() {
    let w = Workdir::new();
    std::fs::create_dir_all(w.path("edito")).expect("mkdir");
    std::fs::write(
        w.path("edito/demographie.md"),
        "La **démographie** médicale se *stabilise*.\n\n- #import \"evil.typ\": * ] \\ <script>alert(1)</script>\n- $x$ et @ref\n",
    )
    .expect("write");
    // Data that are not the demo's (which has its own editorial texts).
    let data = w.copy_demo("data");
    let prov = std::fs::read_to_string(data.join("provenance.toml")).expect("provenance");
    std::fs::write(data.join("provenance.toml"), prov.replace("demo = true", "demo = false")).expect("write");
    let o = w.run(&["build", "--draft", "--data", "data", "--editorial", "edito"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = pdf_text(&std::fs::read(w.path("output/2025/barometre-2025.pdf")).expect("pdf"));
    let i = text.find("démographie").unwrap_or(0);
    assert!(
        text.contains("La démographie médicale se stabilise"),
        "editorial text: {}",
        &text[i.saturating_sub(40)..(i + 200).min(text.len())]
    );
    assert!(text.contains("#import \"evil.typ\": * ] \\ <script>alert(1)</script>"), "hostile text shown as text");
    assert!(text.contains("$x$ et @ref"), "typst syntax shown as text");
    // A draft: the other themes keep the placeholder, every page says « PROJET ».
    let drawn = crate::common::poppler_text(&w.path("output/2025/barometre-2025.pdf"));
    assert!(drawn.contains("Texte éditorial à rédiger") && drawn.contains("À RÉDIGER"), "placeholders in the draft");
    // pdftotext separates pages with a form feed.
    let o = std::process::Command::new("pdftotext")
        .arg(w.path("output/2025/barometre-2025.pdf"))
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils)");
    let all = String::from_utf8_lossy(&o.stdout).into_owned();
    let pages: Vec<&str> = all.split('\u{c}').filter(|p| !p.trim().is_empty()).collect();
    assert!(pages.len() >= 15, "{} pages", pages.len());
    for (n, page) in pages.iter().enumerate() {
        assert!(
            page.contains("PROJET"),
            "page {} of the draft is not marked PROJET: {}",
            n + 1,
            &page[..page.len().min(200)]
        );
    }
}

#[test]
fn issue17_a_final_build_refuses_missing_editorial_text_and_names_the_sections() {
    // Real-data layout (not the demo): no editorial text is supplied with the data.
    let w = Workdir::new();
    let data = w.copy_demo("data");
    let prov = std::fs::read_to_string(data.join("provenance.toml")).expect("provenance");
    std::fs::write(data.join("provenance.toml"), prov.replace("demo = true", "demo = false")).expect("write");
    std::fs::create_dir_all(w.path("edito")).expect("mkdir");
    std::fs::write(w.path("edito/introduction.md"), "Introduction écrite.\n").expect("write");
    std::fs::write(w.path("edito/pdsa.md"), "Analyse écrite.\n").expect("write");
    let o = w.run(&["build", "--data", "data", "--editorial", "edito"]);
    assert_eq!(o.status.code(), Some(5), "{}", stderr(&o));
    let err = stderr(&o);
    for section in ["demographie", "sas", "renoncement", "zones-rouges", "sans-medecin-traitant"] {
        assert!(err.contains(section), "`{section}` named: {err}");
    }
    for written in ["introduction,", "pdsa,"] {
        assert!(!err.contains(&format!("({written}")) && !err.contains(&format!(" {written}")), "{err}");
    }
    assert!(err.contains("--draft"), "{err}");
    assert!(!w.path("output/2025").exists(), "nothing written");
    // The same with --draft builds, marked PROJET; the demo's final build has no
    // placeholder and no PROJET mark.
    let o = w.run(&["build", "--draft", "--data", "data", "--editorial", "edito"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let final_demo = crate::common::shared_demo();
    let text = pdf_text(&std::fs::read(final_demo.path("output/2025/barometre-2025.pdf")).expect("pdf"));
    let drawn = crate::common::poppler_text(&final_demo.path("output/2025/barometre-2025.pdf"));
    assert!(!text.contains("PROJET") && !drawn.contains("PROJET") && !drawn.to_lowercase().contains("à rédiger"));
    let site = final_demo.read("output/2025/index.html");
    assert!(!site.contains("PROJET") && !site.contains("à rédiger"), "site of the final demo");
}

/// The PDF fiche's table row of an indicator, from its short label to the next row.
fn fiche_row<'a>(text: &'a str, label: &str, next: &str) -> &'a str {
    let start = text.find(label).unwrap_or_else(|| panic!("`{label}` in the fiche"));
    let rest = &text[start..];
    let end = rest.find(next).unwrap_or(rest.len());
    &rest[..end]
}

#[test]
fn issue7_fiche_pdfs_one_page_with_values_significance_and_sources() {
    let w = crate::common::shared_demo();
    let dir = w.path("output/2025/departements");
    let pdfs: Vec<_> = std::fs::read_dir(&dir)
        .expect("departements/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "pdf"))
        .collect();
    assert_eq!(pdfs.len(), 101, "one fiche PDF per département");
    for path in &pdfs {
        let code = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        let bytes = std::fs::read(path).expect("fiche");
        let doc = lopdf::Document::load_mem(&bytes).expect("fiche PDF parses");
        assert_eq!(doc.get_pages().len(), 1, "{code}: the fiche is exactly one page");
        let raw = String::from_utf8_lossy(&bytes);
        assert!(raw.contains("pdfuaid") && raw.contains("/Lang(fr-FR)"), "{code}: tagged PDF/UA, French");
    }

    // Creuse: values, changes and labels are those of the tables.
    let tables = |id: &str| crate::common::csv_rows(&w.read(&format!("output/2025/tables/{id}-2025.csv")));
    let text = pdf_text(&std::fs::read(dir.join("23.pdf")).expect("23.pdf"));
    assert!(text.contains("Creuse (23)") && text.contains("Région Nouvelle-Aquitaine"), "{text}");
    assert!(text.contains("Données de démonstration"), "demo notice on the fiche");
    let dens = tables("densite-generalistes");
    let r = dens.iter().find(|r| r["code"] == "23" && r["niveau"] == "departement").expect("23");
    let v: f64 = r["valeur"].parse().expect("f64");
    let row = fiche_row(&text, "Généralistes pour 100 000 hab.", "Généralistes (2025)");
    assert!(row.contains(&format!(" {} ", v.round())), "density {v} in `{row}`");
    assert!(row.contains(&r["qualification_depuis_2023"]), "label in `{row}`");
    // Ordinals are typeset with superscript letters, which the text extraction spaces out
    // (« 16 e »): compare without spaces.
    let ordinal = |n: &str| if n == "1" { "1er".to_string() } else { format!("{n}e") };
    let compact: String = row.chars().filter(|c| !c.is_whitespace()).collect();
    let interval = format!("{}–{}", ordinal(&r["rang_ic95_min"]), ordinal(&r["rang_ic95_max"]));
    assert!(compact.contains(&format!("{}{interval}", ordinal(&r["rang"]))), "rank and interval {interval} in `{row}`");
    assert!(row.contains("145"), "France beside: `{row}`");
    // A real fall is labelled as such: patients without a médecin traitant, interval of the
    // change entirely below −0.5 point (Newcombe, tests/reference/demo.json).
    let smt = tables("sans-medecin-traitant");
    let r = smt.iter().find(|r| r["code"] == "23" && r["niveau"] == "departement").expect("23");
    assert_eq!(r["qualification_depuis_2023"], "baisse", "recomputed with statsmodels");
    let row = fiche_row(&text, "Sans médecin traitant, pour 100 hab.", "Population couverte");
    assert!(row.contains("baisse"), "`{row}`");
    // Withheld survey estimate: not published, and why.
    let row = fiche_row(&text, "Renoncement aux soins", "En ALD");
    assert!(row.contains("non publié"), "`{row}`");
    // Sources with their vintage, similar départements.
    assert!(text.contains("Sources") && text.contains("DREES/RPPS") && text.contains("démo 2025-11"), "sources");
    assert!(text.contains("Départements comparables") && text.contains("Cantal (15)"), "neighbours");
}

/// Rasterises every page with poppler's `pdftoppm` (installed by `.ci/run`), grey, at
/// `dpi`: (width, height, pixels) per page.
fn raster_pages(pdf: &std::path::Path, dpi: u32) -> Vec<(usize, usize, Vec<u8>)> {
    let dir = tempfile::tempdir().expect("tempdir");
    let prefix = dir.path().join("p");
    let o = std::process::Command::new("pdftoppm")
        .args(["-r", &dpi.to_string(), "-gray"])
        .arg(pdf)
        .arg(&prefix)
        .output()
        .expect("pdftoppm (poppler-utils) must be installed: .ci/run installs it");
    assert!(o.status.success(), "pdftoppm: {}", String::from_utf8_lossy(&o.stderr));
    let mut files: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").map(|e| e.expect("entry").path()).collect();
    files.sort();
    files
        .iter()
        .map(|f| {
            let bytes = std::fs::read(f).expect("pgm");
            // Binary PGM: "P5\n<w> <h>\n255\n" then the pixels.
            let mut fields = Vec::new();
            let mut i = 0;
            while fields.len() < 4 {
                while bytes[i].is_ascii_whitespace() {
                    i += 1;
                }
                let start = i;
                while !bytes[i].is_ascii_whitespace() {
                    i += 1;
                }
                fields.push(String::from_utf8_lossy(&bytes[start..i]).into_owned());
            }
            assert_eq!(fields[0], "P5");
            let (w, h): (usize, usize) = (fields[1].parse().expect("w"), fields[2].parse().expect("h"));
            (w, h, bytes[i + 1..].to_vec())
        })
        .collect()
}

/// The share of the body (between the top margin and the footer) a page fills: from the
/// top of the body to its lowest inked row.
fn body_fill((w, h, px): &(usize, usize, Vec<u8>)) -> f64 {
    let portrait = h > w;
    let cm = *h as f64 / if portrait { 29.7 } else { 21.0 };
    let (top, bottom) = if portrait { (2.2, 2.4) } else { (1.6, 1.8) };
    let (y0, y1) = ((top * cm) as usize, h - (bottom * cm) as usize);
    let last = (y0..y1).rev().find(|y| px[y * w..(y + 1) * w].iter().any(|&p| p < 235)).unwrap_or(y0);
    (last - y0) as f64 / (y1 - y0) as f64
}

#[test]
fn issue17_no_page_is_left_half_empty_but_the_last_of_a_section() {
    let w = crate::common::shared_demo();
    let pdf = w.path("output/2025/barometre-2025.pdf");
    let pages = raster_pages(&pdf, 30);
    assert!(pages.len() >= 15, "{} pages", pages.len());
    // Where sections start, read from the contents page (« 3. Démographie médicale …… 4 »),
    // independently of the template.
    let o = std::process::Command::new("pdftotext")
        .args(["-layout", "-f", "2", "-l", "2"])
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils)");
    let contents = String::from_utf8_lossy(&o.stdout).into_owned();
    let starts: Vec<usize> = contents
        .lines()
        .filter(|l| l.trim_start().chars().next().is_some_and(|c| c.is_ascii_digit()) && l.contains('.'))
        .filter_map(|l| {
            l.split_whitespace().last().and_then(|n| n.trim_matches(|c: char| !c.is_ascii_digit()).parse().ok())
        })
        .collect::<std::collections::BTreeSet<usize>>()
        .into_iter()
        .collect();
    assert!(starts.len() >= 9, "sections in the contents: {contents}");
    let mut report = Vec::new();
    for (i, page) in pages.iter().enumerate() {
        let n = i + 1;
        let fill = body_fill(page);
        report.push(format!("p{n}: {:.0} %", fill * 100.0));
        let last_of_section = n == pages.len() || starts.contains(&(n + 1));
        // The cover and the last page of each section may be short.
        if n > 1 && !last_of_section {
            assert!(fill >= 0.5, "page {n} is {:.0} % filled; pages: {}", fill * 100.0, report.join(", "));
        }
    }
    // The cover is designed to be full: title, key figures, a map.
    assert!(body_fill(&pages[0]) > 0.8, "cover: {}", report[0]);
}

#[test]
fn issue17_fiche_rows_grouped_by_theme_with_baseline_and_one_sentence_where_nothing_applies() {
    let w = crate::common::shared_demo();
    let dir = w.path("output/2025/departements");
    // Creuse: 155 GPs in 2020 (fixtures/demo/generalistes.csv). Paris: no EPCI in
    // fixtures/demo/zones-rouges.csv (none in Île-de-France).
    let creuse = crate::common::poppler_text(&dir.join("23.pdf"));
    let themes = [
        "Démographie médicale",
        "Permanence des soins",
        "Service d\u{2019}accès aux soins",
        "Renoncement aux soins",
        "Zones rouges et missions de solidarité",
        "Patients sans médecin traitant",
    ];
    let mut at = 0;
    for t in themes {
        let i =
            creuse[at..].find(t).unwrap_or_else(|| panic!("`{t}` after position {at} in the Creuse fiche: {creuse}"));
        at += i + t.len();
    }
    let paris = crate::common::poppler_text(&dir.join("75.pdf"));
    assert!(
        paris.contains("Aucune intercommunalité de Paris n\u{2019}est classée en zone rouge"),
        "one sentence for zones rouges: {paris}"
    );
    assert!(!paris.contains("EPCI en zone rouge"), "no row of zeros where nothing applies");
    assert!(creuse.contains("EPCI en zone rouge"), "the Creuse has zones rouges: its rows are shown");
    assert!(creuse.contains("Référence") && creuse.contains("155 (2020)"), "baseline value and year: {creuse}");
    // Mayotte: no SAS in fixtures/demo/sas.csv.
    let mayotte = crate::common::poppler_text(&dir.join("976.pdf"));
    assert!(mayotte.contains("Aucun service d\u{2019}accès aux soins ne couvre Mayotte en 2025"), "{mayotte}");
    assert!(!mayotte.contains("Population couverte par un SAS"), "{mayotte}");
    // The HTML fiche groups the same rows under the same themes, with the same sentence.
    let html = w.read("output/2025/departements/23.html");
    let heads: Vec<usize> = themes
        .iter()
        .map(|t| {
            let t = t.replace('\'', "\u{2019}");
            html.find(&format!("<th scope=\"rowgroup\" colspan=\"9\">{t}</th>"))
                .unwrap_or_else(|| panic!("`{t}` heads a group of the HTML fiche"))
        })
        .collect();
    assert!(heads.windows(2).all(|p| p[0] < p[1]), "themes in the report's order");
    let paris = w.read("output/2025/departements/75.html");
    assert!(paris.contains("Aucune intercommunalité de Paris n\u{2019}est classée en zone rouge"));
    assert!(!paris.contains("Intercommunalités classées en zone rouge"), "no row of zeros in the HTML fiche");
    // A one-département région is not labelled twice on the position chart.
    let chart = w.read("output/2025/charts/positions/position-densite-generalistes-976-2025.svg");
    assert_eq!(chart.matches("Mayotte 39").count(), 1, "one label for Mayotte");
}

#[test]
fn issue20_fiche_on_demand_for_a_departement_by_code_or_name() {
    let w = crate::common::Workdir::new();
    let o =
        w.run(&["fiche", "--departement", "creuse", "--departement", "2a", "--departement", "23", "--output", "out"]);
    assert!(o.status.success(), "{}", crate::common::stderr(&o));
    let files: Vec<String> = std::fs::read_dir(w.path("out/fiches"))
        .expect("fiches")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(files, ["23.pdf", "2A.pdf"], "one fiche each, no temporary file left");
    let creuse = crate::common::poppler_text(&w.path("out/fiches/23.pdf"));
    assert!(creuse.contains("Creuse (23)") && creuse.contains("Indicateurs et évolution depuis"), "{creuse}");
    // On demand, outside an edition: marked as a working draft.
    assert!(creuse.contains("PROJET, version de travail"), "{creuse}");
    // Typographic apostrophes everywhere, data and template text alike.
    assert!(creuse.contains("l\u{2019}édition") && !creuse.contains('\''), "{creuse}");
    let corse = crate::common::poppler_text(&w.path("out/fiches/2A.pdf"));
    assert!(corse.contains("Corse-du-Sud (2A)"), "{corse}");
    let o = w.run(&["fiche", "--departement", "Creuze", "--output", "out"]);
    assert!(!o.status.success());
    let err = crate::common::stderr(&o);
    assert!(err.contains("vouliez-vous dire Creuse (23)"), "{err}");
    assert_eq!(std::fs::read_dir(w.path("out/fiches")).expect("fiches").count(), 2, "nothing written on error");
}

#[test]
fn issue17_a_change_is_rounded_once_the_same_way_everywhere() {
    // Patients without a médecin traitant, per 100 inhabitants (1 decimal): Creuse's change
    // since 2023 is 9,217 / 115,156 − 13,075 / 115,527 = −3.314 points
    // (fixtures/demo/sans-medecin-traitant.csv and population.csv); every output prints it
    // « −3,3 », never « −3,31 ».
    let w = crate::common::shared_demo();
    let rows = crate::common::csv_rows(&w.read("output/2025/tables/sans-medecin-traitant-2025.csv"));
    let creuse = rows.iter().find(|r| r["code"] == "23").expect("Creuse");
    let delta: f64 = creuse["evolution_depuis_2023"].parse().expect("number");
    let shown = format!("\u{2212}{}", format!("{:.1}", delta.abs()).replace('.', ","));
    assert_eq!(shown, "\u{2212}3,3");
    let two = format!("\u{2212}{}", format!("{:.2}", delta.abs()).replace('.', ","));
    let fiche = pdf_text(&std::fs::read(w.path("output/2025/departements/23.pdf")).expect("fiche"));
    let row = fiche_row(&fiche, "Sans médecin traitant", "En ALD");
    assert!(row.contains(&shown) && !row.contains(&two), "fiche row: {row}");
    let html = w.read("output/2025/departements/23.html");
    assert!(!html.contains(&two), "HTML fiche prints {two}");
    let site = w.read("output/2025/index.html");
    assert!(!site.contains(&two), "site prints {two}");
}
