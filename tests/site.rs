//! The static site in headless Chromium (issue 7): the table sorts, département pages,
//! the methodology and downloads pages render, and no request leaves the machine
//! (Chromium's network log lists every URL it asked for). `.ci/run` installs Chromium;
//! without a Chromium (or `CHROMIUM=path`) the test fails.

use std::path::Path;
use std::process::Command;

use crate::common::shared_demo;

fn chromium() -> Option<String> {
    let candidates =
        [std::env::var("CHROMIUM").unwrap_or_default(), "/usr/bin/chromium".into(), "/usr/bin/chromium-browser".into()];
    candidates.into_iter().find(|c| !c.is_empty() && Path::new(c).is_file())
}

/// The page's DOM after its scripts ran; fails if the page asked for anything over the
/// network.
fn dump_dom(chrome: &str, url: &str, profile: &Path) -> String {
    let (dom, requests) = dump_dom_logged(chrome, url, profile);
    assert!(requests.is_empty(), "{url} asked the network for {requests:?}");
    dom
}

/// The DOM, and the network requests made by the page (Chromium's network log; the
/// browser's own background requests, which have no page as their isolation key, are
/// left out, and fail anyway: every host name is unresolvable).
fn dump_dom_logged(chrome: &str, url: &str, profile: &Path) -> (String, Vec<String>) {
    let log = profile.join("netlog.json");
    let out = Command::new(chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            // Any request leaving the machine fails: the page must not need one.
            "--host-resolver-rules=MAP * ~NOTFOUND",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--log-net-log={}", log.display()))
        .arg("--dump-dom")
        .arg(url)
        .output()
        .expect("run chromium");
    let text = std::fs::read_to_string(&log).expect("Chromium wrote its network log");
    let _ = std::fs::remove_file(&log);
    // The log may end without its closing brackets when Chromium exits.
    let json: serde_json::Value = serde_json::from_str(&text)
        .or_else(|_| serde_json::from_str(&format!("{}]}}", text.trim_end().trim_end_matches(','))))
        .expect("network log is JSON");
    let start_job = json["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"].as_u64().expect("event type");
    let requests = json["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["type"].as_u64() == Some(start_job))
        .filter(|e| e["params"]["network_isolation_key"].as_str().is_some_and(|k| k.starts_with("file://")))
        .filter_map(|e| e["params"]["url"].as_str().map(String::from))
        .collect();
    (String::from_utf8_lossy(&out.stdout).into_owned(), requests)
}

fn first_departement(dom: &str) -> String {
    let body = &dom[dom.find("class=\"triable\"").expect("sortable body")..];
    let i = body.find("departements/").expect("a département link") + "departements/".len();
    body[i..].split('.').next().unwrap_or("").to_string()
}

#[test]
fn issue7_site_table_sorts_in_chromium_and_pages_render() {
    // The site is only checked in a real browser: without one, this test fails (never
    // skips). `.ci/run` installs it.
    let chrome = chromium().unwrap_or_else(|| {
        panic!("Chromium is required for the site test: `apt-get install chromium`, or set CHROMIUM=/path/to/chromium")
    });
    let w = shared_demo();
    let profile = tempfile::tempdir().expect("profile");
    // The detector catches a page that loads a web font and a stylesheet from the web.
    let bad = profile.path().join("externe.html");
    std::fs::write(
        &bad,
        "<html><head><link rel=stylesheet href=\"https://fonts.googleapis.com/css?family=Inter\"></head>\
         <body><img src=\"http://cdn.example.org/logo.png\" alt=\"\"></body></html>",
    )
    .expect("write");
    let (_, requests) = dump_dom_logged(&chrome, &format!("file://{}", bad.display()), profile.path());
    assert_eq!(requests.len(), 2, "both external requests seen: {requests:?}");
    let index = w.path("output/2025/index.html");
    let url = |hash: &str| format!("file://{}{hash}", index.display());
    let dom = dump_dom(&chrome, &url("#tri=4-desc"), profile.path());
    assert_eq!(first_departement(&dom), "05", "density, descending: Hautes-Alpes first");
    assert!(dom.contains("aria-sort=\"descending\""));
    let dom = dump_dom(&chrome, &url("#tri=4"), profile.path());
    assert_eq!(first_departement(&dom), "976", "density, ascending: Mayotte first");
    let page =
        dump_dom(&chrome, &format!("file://{}", w.path("output/2025/departements/23.html").display()), profile.path());
    assert!(page.contains("<h1>Creuse (23)</h1>"));
    // The fiche's numbers, its locator map (inline SVG) and the link to its PDF.
    let rows = crate::common::csv_rows(&w.read("output/2025/tables/densite-generalistes-2025.csv"));
    let r = rows.iter().find(|r| r["code"] == "23" && r["niveau"] == "departement").expect("23");
    let v: f64 = r["valeur"].parse().expect("f64");
    let row = page.split("<tr>").find(|row| row.contains("Densité de médecins généralistes")).expect("density row");
    assert!(row.contains(&format!(">{}</td>", v.round())), "{row}");
    assert!(row.contains(&r["qualification_depuis_2023"]), "{row}");
    assert!(page.contains("data-code=\"23\" fill=\"#c0392b\""), "Creuse highlighted on the locator map");
    assert!(page.contains("href=\"23.pdf\""));
    let methodo =
        dump_dom(&chrome, &format!("file://{}", w.path("output/2025/methodologie.html").display()), profile.path());
    assert!(methodo.contains("Sources et méthodologie") && methodo.contains("rapports de sommes"));
    let downloads =
        dump_dom(&chrome, &format!("file://{}", w.path("output/2025/telechargements.html").display()), profile.path());
    assert_eq!(downloads.matches(".pdf\">PDF</a>").count(), 101, "every fiche PDF linked");
    for link in ["tables/barometre-2025.xlsx", "tables/excel/barometre-2025-departements.csv"] {
        assert!(downloads.contains(link) && w.path(&format!("output/2025/{link}")).is_file(), "{link}");
    }
    // Nothing outside the edition directory is referenced.
    for html in [
        std::fs::read_to_string(&index).expect("index"),
        w.read("output/2025/departements/23.html"),
        w.read("output/2025/methodologie.html"),
        w.read("output/2025/telechargements.html"),
    ] {
        assert!(!html.contains("src=\"http") && !html.contains("href=\"http"), "external resource");
    }
}
