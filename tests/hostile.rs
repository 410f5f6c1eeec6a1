//! Hostile text (issue 9): text from input files (indicator specs, editorial Markdown)
//! reaches HTML only autoescaped, SVG only as text, and typst only as data, so markup in
//! it shows as text and never runs.

use crate::common::{Workdir, repo, stderr};

const SCRIPT: &str = "<script>alert(1)</script>";
/// Typst markup, a closing bracket, a backslash and a template expression.
const TYPST: &str = "#import \"x.typ\": * ] \\ {{ 7*7 }}";

fn hostile_build() -> &'static Workdir {
    static W: std::sync::OnceLock<Workdir> = std::sync::OnceLock::new();
    W.get_or_init(|| {
        let w = Workdir::new();
        // An indicator whose title, short label, definition, unit and source are hostile.
        let specs = w.path("specs");
        std::fs::create_dir_all(&specs).expect("mkdir");
        for e in std::fs::read_dir(repo().join("indicators")).expect("indicators") {
            let p = e.expect("entry").path();
            if p.extension().is_some_and(|x| x == "toml") {
                std::fs::copy(&p, specs.join(p.file_name().expect("name"))).expect("copy");
            }
        }
        let path = specs.join("densite-generalistes.toml");
        let spec = std::fs::read_to_string(&path).expect("spec");
        let toml_str = |s: &str| toml::Value::String(s.to_string()).to_string();
        let spec = spec
            .replacen(
                "title = \"Densité de médecins généralistes\"",
                &format!("title = {}", toml_str(&format!("Densité {SCRIPT} {TYPST}"))),
                1,
            )
            .replacen(
                "short_label = \"Généralistes pour 100 000 hab.\"",
                &format!("short_label = {}", toml_str(&format!("Géné {SCRIPT}"))),
                1,
            )
            .replacen(
                "unit = \"pour 100 000 habitants\"",
                &format!("unit = {}", toml_str("pour 100 000 ] \\ <b>hab</b>")),
                1,
            );
        assert!(spec.contains("alert(1)") && spec.contains("<b>hab</b>"), "spec patched");
        std::fs::write(&path, spec).expect("write");
        // Editorial Markdown with raw HTML, typst markup and a javascript: link.
        std::fs::create_dir_all(w.path("edito")).expect("mkdir");
        std::fs::write(
            w.path("edito/introduction.md"),
            format!(
                "# Titre {SCRIPT}\n\nIntro {TYPST} et <img src=x onerror=alert(2)> et [lien](javascript:alert(3)).\n"
            ),
        )
        .expect("write");
        let o = w.run(&["build", "--indicators", "specs", "--editorial", "edito"]);
        assert!(o.status.success(), "hostile text must not break the build: {}", stderr(&o));
        w
    })
}

#[test]
fn issue9_hostile_text_is_escaped_in_html() {
    let w = hostile_build();
    let html = w.read("output/2025/index.html");
    assert!(!html.contains(SCRIPT), "raw <script> from the input reached the HTML");
    assert!(!html.contains("<img src=x"), "raw HTML from the editorial text reached the HTML");
    assert!(!html.contains("javascript:"), "a javascript: link reached the HTML");
    assert!(!html.contains("<b>hab</b>"), "raw markup from the unit reached the HTML");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;")
            || html.contains("&lt;script&gt;alert(1)&lt;/script&gt;")
    );
    assert!(html.contains("{{ 7*7 }}"), "a template expression in text is shown, not evaluated");
    // Every <script> element of the page is the site's own (no `alert`).
    for (i, _) in html.match_indices("<script") {
        let end = html[i..].find("</script>").map(|e| i + e).unwrap_or(html.len());
        assert!(!html[i..end].contains("alert("), "injected script: {}", &html[i..end]);
    }
}

#[test]
fn issue9_hostile_text_is_text_in_svg_charts() {
    let w = hostile_build();
    let mut seen = 0;
    let mut stack = vec![w.path("output/2025/charts")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("charts") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "svg") {
                let svg = std::fs::read_to_string(&p).expect("svg");
                let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
                assert!(
                    !doc.descendants().any(|n| n.tag_name().name() == "script" || n.attribute("onerror").is_some()),
                    "{}: script in SVG",
                    p.display()
                );
                if doc.descendants().any(|n| n.text().is_some_and(|t| t.contains(SCRIPT))) {
                    seen += 1;
                }
            }
        }
    }
    assert!(seen > 0, "the hostile title is drawn as text in at least one chart");
}

#[test]
fn issue9_hostile_text_reaches_typst_as_data_and_shows_literally() {
    let w = hostile_build();
    let bytes = std::fs::read(w.path("output/2025/barometre-2025.pdf")).expect("pdf");
    let text = pdf_extract::extract_text_from_mem(&bytes).expect("PDF text");
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains(SCRIPT), "<script> shown as text in the PDF");
    assert!(flat.contains("#import \"x.typ\": * ] \\ {{ 7*7 }}"), "typst markup shown as text: {flat:.2000}");
    // The template takes every text from `sys.inputs`, never from spliced source.
    let template = std::fs::read_to_string(repo().join("report-templates/barometre.typ")).expect("template");
    assert!(template.contains("json(bytes(sys.inputs.data))"), "the model arrives as JSON data");
}

#[test]
fn issue9_hostile_text_in_the_fiches_html_and_pdf() {
    let w = hostile_build();
    // The fiche page: escaped, never a script element.
    let page = w.read("output/2025/departements/23.html");
    assert!(!page.contains(SCRIPT) && !page.contains("<b>hab</b>"), "raw markup reached the fiche page");
    assert!(page.contains("&lt;script&gt;"), "the hostile title is shown escaped on the fiche page");
    // The fiche PDF shows the short label (the table) literally.
    let bytes = std::fs::read(w.path("output/2025/departements/23.pdf")).expect("fiche pdf");
    let text = pdf_extract::extract_text_from_mem(&bytes).expect("PDF text");
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains(&format!("Géné {SCRIPT}")), "short label shown as text in the fiche: {flat:.1500}");
    let template = std::fs::read_to_string(repo().join("report-templates/fiche.typ")).expect("template");
    assert!(template.contains("json(bytes(sys.inputs.data))"), "the fiche arrives as JSON data");
}
