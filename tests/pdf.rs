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
        "Introduction et chiffres clés",
        "Démographie médicale",
        "Permanence des soins",
        "Service d'accès aux soins",
        "Renoncement aux soins",
        "Zones rouges et missions de solidarité",
        "Patients sans médecin traitant",
        "Méthodologie",
        "Annexe : France, départements et régions",
        "Ce que disent les chiffres",
    ] {
        assert!(text.contains(section), "section `{section}` missing");
    }
    for figure in [
        "100 019",
        "146 pour 100 000 habitants",
        "39 %",
        "65 %",
        "93 départements",
        "151 EPCI",
        "Hautes-Alpes (288",
        "Mayotte (39",
        "3e édition",
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
    // Every chart of a theme has its caption with a source line.
    assert!(text.contains(
        "Densité de médecins généralistes, 2025. Source : DREES/RPPS, INSEE, 2025 — données de démonstration."
    ));
    // The annex holds France first and the 18 régions after the départements, with the
    // values of the tables (France's density 146, its comparison value 146 in 2023).
    let annex = &text[text.rfind("Annexe : France, départements et régions").expect("annex")..];
    assert!(annex.contains("FR France 146 (146)"), "France in the annex: {}", &annex[..annex.len().min(600)]);
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
    let o = w.run(&["build", "--editorial", "edito"]);
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
    // The other themes keep the placeholder.
    assert!(text.contains("Texte éditorial à rédiger"));
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
    assert!(row.contains("146"), "France beside: `{row}`");
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
