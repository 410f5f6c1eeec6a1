//! Maps and charts (issue 5): SVGs parse with one shape per département and a legend,
//! PNGs have the expected size, alt texts say what the data say.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::common::{Workdir, csv_rows, stderr};

fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    let be = |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    (be(16), be(20))
}

fn codes_in_svg(svg: &str) -> (BTreeSet<String>, String) {
    let doc = roxmltree::Document::parse(svg).expect("SVG parses as XML");
    let codes = doc
        .descendants()
        .filter(|n| n.has_tag_name("polygon"))
        .filter_map(|n| n.attribute("data-code").map(str::to_string))
        .collect();
    let text: String = doc.descendants().filter(|n| n.is_text()).filter_map(|n| n.text()).collect::<Vec<_>>().join(" ");
    (codes, text)
}

#[test]
fn issue5_maps_have_every_departement_a_legend_and_overseas_insets() {
    let w = crate::common::shared_demo();
    let index: Vec<Value> = serde_json::from_str(&w.read("output/2025/charts/index.json")).expect("index.json");
    let maps: Vec<&Value> = index.iter().filter(|c| c["kind"] == "carte").collect();
    for id in [
        "carte-densite-generalistes-2025",
        "carte-evolution-densite-generalistes-2023-2025",
        "carte-pdsa-participation-2024",
    ] {
        assert!(maps.iter().any(|m| m["id"] == id), "{id} missing");
    }
    for m in &maps {
        let svg = w.read(&format!("output/2025/{}", m["svg"].as_str().expect("svg")));
        let (codes, text) = codes_in_svg(&svg);
        assert_eq!(codes.len(), 101, "{}: one shape per département", m["id"]);
        for code in ["01", "2A", "2B", "75", "971", "972", "973", "974", "976"] {
            assert!(codes.contains(code), "{code} in {}", m["id"]);
        }
        for label in [
            "Légende",
            "Guadeloupe",
            "Martinique",
            "Guyane",
            "La Réunion",
            "Mayotte",
            "Paris et petite couronne",
            "Source\u{a0}:",
            "CC BY 4.0",
        ] {
            assert!(text.contains(label), "`{label}` in {}", m["id"]);
        }
        let png = std::fs::read(w.path(&format!("output/2025/{}", m["png"].as_str().expect("png")))).expect("png");
        assert_eq!(png_size(&png), (1500, 1140), "{}", m["id"]);
        assert!(w.path(&format!("output/2025/{}", m["csv"].as_str().expect("csv"))).is_file());
    }
    // The alt text of the density map says what the data say.
    let dens = maps.iter().find(|m| m["id"] == "carte-densite-generalistes-2025").expect("density map");
    let alt = dens["alt"].as_str().expect("alt");
    assert!(alt.contains("de 39 (Mayotte) à 288 (Hautes-Alpes)") && alt.contains("France : 145"), "{alt}");
    let data = csv_rows(&w.read("output/2025/charts/carte-densite-generalistes-2025.csv"));
    assert_eq!(data.len(), 101);
    let mayotte = data.iter().find(|r| r["code_departement"] == "976").expect("976");
    assert_eq!(mayotte["classe"], "moins de 100");
    // Withheld survey estimates are shown as missing, named in the legend.
    let (_, text) = codes_in_svg(&w.read("output/2025/charts/carte-renoncement-soins-2025.svg"));
    assert!(text.contains("données non disponibles"), "missing data named in the legend");
}

#[test]
fn issue5_every_chart_has_svg_png_csv_and_an_alt_text_from_the_data() {
    let w = crate::common::shared_demo();
    let index: Vec<Value> = serde_json::from_str(&w.read("output/2025/charts/index.json")).expect("index.json");
    for id in [
        "densite-generalistes-2025-classement",
        "densite-generalistes-2025-extremes",
        "densite-generalistes-2023-2025-halteres",
        "serie-generalistes-france",
        "serie-pdsa-france",
        "renoncement-soins-2025-regions",
        "position-densite-generalistes-23-2025",
    ] {
        let c = index.iter().find(|c| c["id"] == id).unwrap_or_else(|| panic!("{id} in index"));
        let svg = w.read(&format!("output/2025/{}", c["svg"].as_str().expect("svg")));
        roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert!(svg.contains("Source\u{a0}: "), "{id}: source line (no-break space before the colon)");
        let png = std::fs::read(w.path(&format!("output/2025/{}", c["png"].as_str().expect("png")))).expect("png");
        let (pw, ph) = png_size(&png);
        assert_eq!(
            (pw, ph),
            (
                (c["width"].as_u64().expect("w") as f64 * 1.5).round() as u32,
                (c["height"].as_u64().expect("h") as f64 * 1.5).round() as u32
            ),
            "{id}"
        );
        assert!(!c["alt"].as_str().expect("alt").is_empty(), "{id}: alt");
        assert!(w.path(&format!("output/2025/{}", c["csv"].as_str().expect("csv"))).is_file(), "{id}: csv");
    }
    let get = |id: &str| index.iter().find(|c| c["id"] == id).expect("chart").clone();
    let alt = get("serie-pdsa-france")["alt"].as_str().expect("alt").to_string();
    assert!(alt.contains("de 73\u{202f}% en 2012 à 39\u{202f}% en 2024"), "{alt}");
    let alt = get("serie-generalistes-france")["alt"].as_str().expect("alt").to_string();
    assert!(alt.contains("101\u{202f}340 en 2020 à 100\u{202f}019 en 2025"), "{alt}");
    let alt = get("position-densite-generalistes-23-2025")["alt"].as_str().expect("alt").to_string();
    assert!(
        alt.starts_with("Position de la Creuse") && alt.contains("France : 145") && alt.contains("Nouvelle-Aquitaine"),
        "{alt}"
    );
    let alt = get("densite-generalistes-2025-extremes")["alt"].as_str().expect("alt").to_string();
    assert!(alt.contains("Hautes-Alpes (288)") && alt.contains("Mayotte (39)"), "{alt}");
    // The survey chart lists the régions withheld for want of respondents.
    let alt = get("renoncement-soins-2025-regions")["alt"].as_str().expect("alt").to_string();
    assert!(alt.contains("non publiés : ") && alt.contains("Mayotte"), "{alt}");
}

#[test]
fn issue5_official_contours_replace_the_tiles() {
    // The contours fixture (real GeoJSON layout, fake squares) drawn for every département.
    let w = Workdir::new();
    let data = w.copy_demo("data");
    let geojson = std::fs::read(crate::common::repo().join("fixtures/real/contours/departements-extrait.geojson"))
        .expect("fixture");
    let server = crate::common::server::Server::start();
    server.route("/c.geojson", vec![crate::common::server::Reply::Ok(geojson)]);
    let mut toml = crate::common::canonical_sources(&data, &crate::common::DEMO_TABLES);
    toml.push_str(&format!(
        "[[source]]\nid = \"contours\"\nformat = \"geojson\"\nurl = \"{}\"\nfile = \"contours.geojson\"\n",
        server.url("/c.geojson")
    ));
    std::fs::write(w.path("sources.toml"), toml).expect("write");
    let o = w.run(&["fetch", "--sources", "sources.toml", "--cache-dir", "cache"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = w.run(&["build", "--draft", "--data", "cache", "--cache-dir", "cache"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (codes, text) = codes_in_svg(&w.read("output/2025/charts/carte-densite-generalistes-2025.svg"));
    assert_eq!(codes.len(), 101);
    assert!(text.contains("IGN Admin Express") && !text.contains("pavés"), "{text}");
}

#[test]
fn issue17_count_series_start_at_zero() {
    // The GP series 2020–2025 moves by 1.3 %: its axis starts at 0, not at 98,500.
    let w = crate::common::shared_demo();
    let svg = w.read("output/2025/charts/serie-generalistes-france.svg");
    let doc = roxmltree::Document::parse(&svg).expect("SVG parses as XML");
    let labels: Vec<String> =
        doc.descendants().filter(|n| n.is_text()).filter_map(|n| n.text()).map(|t| t.trim().to_string()).collect();
    assert!(labels.iter().any(|t| t == "0"), "a tick at 0 among {labels:?}");
}

/// Polygons of one département in a map SVG: their points, parsed.
fn polygons_of(svg: &str, code: &str) -> Vec<Vec<(f64, f64)>> {
    let doc = roxmltree::Document::parse(svg).expect("SVG parses as XML");
    doc.descendants()
        .filter(|n| n.has_tag_name("polygon") && n.attribute("data-code") == Some(code))
        .map(|n| {
            let nums: Vec<f64> = n
                .attribute("points")
                .expect("points")
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|s| !s.is_empty())
                .map(|s| s.parse().expect("number"))
                .collect();
            nums.chunks(2).map(|p| (p[0], p[1])).collect()
        })
        .collect()
}

#[test]
fn issue17_every_map_draws_the_overseas_departements_as_their_outlines() {
    let w = crate::common::shared_demo();
    let index: Vec<Value> = serde_json::from_str(&w.read("output/2025/charts/index.json")).expect("index.json");
    let maps: Vec<&Value> = index.iter().filter(|c| c["kind"] == "carte").collect();
    assert!(maps.len() >= 6, "a map for every theme: {}", maps.len());
    for m in &maps {
        let svg = w.read(&format!("output/2025/{}", m["svg"].as_str().expect("svg")));
        let (codes, text) = codes_in_svg(&svg);
        assert_eq!(codes.len(), 101, "{}", m["id"]);
        assert!(text.contains("IGN Admin Express") && !text.contains("pavés"), "{}: attribution", m["id"]);
        let extent = |code: &str| {
            let polys = polygons_of(&svg, code);
            let pts: Vec<(f64, f64)> = polys.iter().flatten().copied().collect();
            let (x0, x1) = pts.iter().fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
            let (y0, y1) = pts.iter().fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
            (polys.len(), pts.len(), x1 - x0, y1 - y0)
        };
        for code in ["971", "972", "973", "974", "976"] {
            let (_, points, _, _) = extent(code);
            assert!(points >= 30, "{}: {code} has {points} points, an outline and not a tile", m["id"]);
        }
        // Shapes a reader knows: Guadeloupe's islands (Basse-Terre, Grande-Terre,
        // Marie-Galante…), Guyane taller than wide, La Réunion wider than tall,
        // Martinique taller than wide.
        let (islands, ..) = extent("971");
        assert!(islands >= 3, "{}: Guadeloupe in {islands} polygons", m["id"]);
        let (_, _, w973, h973) = extent("973");
        assert!(h973 > 1.1 * w973, "{}: Guyane {w973}×{h973}", m["id"]);
        let (_, _, w974, h974) = extent("974");
        assert!(w974 > 1.04 * h974, "{}: La Réunion {w974}×{h974}", m["id"]);
        let (_, _, w972, h972) = extent("972");
        assert!(h972 > 1.1 * w972, "{}: Martinique {w972}×{h972}", m["id"]);
    }
}

#[test]
fn issue20_position_pngs_drawn_in_layers_are_the_whole_svg_rasterised() {
    // The 101 position PNGs are drawn as a shared layer rasterised once with each
    // département's own layer over it: the same bytes as its published SVG rasterised whole.
    let w = crate::common::shared_demo();
    for code in ["01", "23", "2A", "75", "976"] {
        let stem = format!("output/2025/charts/positions/position-densite-generalistes-{code}-2025");
        let svg = w.read(&format!("{stem}.svg"));
        let png = std::fs::read(w.path(&format!("{stem}.png"))).expect("png");
        let whole = barometre::render::svg::svg_to_png(&svg, 1.5).expect("rasterised");
        assert_eq!(png_size(&png), png_size(&whole), "{code}");
        assert!(png == whole, "{code}: the layered PNG differs from the SVG rasterised whole");
    }
}
