//! The static site in headless Chromium (issue 7): the table sorts, département pages,
//! the methodology and downloads pages render, and no request leaves the machine
//! (Chromium's network log lists every URL it asked for). `.ci/run` installs Chromium;
//! without a Chromium (or `CHROMIUM=path`) the test fails.

use std::path::Path;
use std::process::Command;

use crate::common::shared_demo;

pub(crate) fn chromium() -> Option<String> {
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

/// The text of `<pre id="probe">` once `script` has run in a page holding `body` (an
/// iframe of the site, usually), placed in the edition directory so that relative links
/// hold. Frames of file:// pages are readable with `--allow-file-access-from-files`.
pub(crate) fn probe(chrome: &str, edition: &Path, body: &str, script: &str) -> String {
    // One file per probe: tests run in parallel on the same edition.
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let page = edition.join(format!("_probe-{}-{n}.html", std::process::id()));
    std::fs::write(
        &page,
        format!(
            "<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>sonde</title></head>\
             <body style=\"margin:0\">{body}<script>\
             function done(x) {{ var o = document.createElement('pre'); o.id = 'probe'; o.textContent = JSON.stringify(x); document.body.appendChild(o); }}\
             {script}</script></body></html>"
        ),
    )
    .expect("write probe");
    let profile = tempfile::tempdir().expect("profile");
    let out = Command::new(chrome)
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--allow-file-access-from-files",
            "--no-first-run",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--window-size=1400,1000",
            "--virtual-time-budget=60000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    let _ = std::fs::remove_file(&page);
    let dom = String::from_utf8_lossy(&out.stdout).into_owned();
    let start = dom.find("<pre id=\"probe\">").unwrap_or_else(|| panic!("the probe did not finish: {dom}"));
    let text = &dom[start + 16..];
    text[..text.find("</pre>").expect("end of probe")]
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Loads `page` of the edition at 390 px (a phone) and 1280 px in Chromium and runs
/// axe-core on the phone's frame: `{ phone: [scrollWidth, innerWidth], desktop: […],
/// h1, serious: [violations of serious or critical impact] }`.
pub(crate) fn phone_desktop_axe(chrome: &str, edition: &Path, axe: &str, page: &str) -> serde_json::Value {
    // The same page at 390 px (a phone) and 1280 px; axe-core on the phone's.
    let body = format!(
        "<iframe id=\"a\" title=\"390\" src=\"{page}\" style=\"width:390px;height:844px;border:0\"></iframe>\
         <iframe id=\"b\" title=\"1280\" src=\"{page}\" style=\"width:1280px;height:800px;border:0\"></iframe>"
    );
    let script = format!(
        "window.addEventListener('load', function () {{\
           var a = document.getElementById('a'), b = document.getElementById('b');\
           var da = a.contentDocument, db = b.contentDocument;\
           var s = da.createElement('script'); s.src = 'file://{axe}';\
           s.onload = function () {{\
             a.contentWindow.axe.run(da, {{ runOnly: {{ type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }} }}).then(function (r) {{\
               done({{ phone: [da.documentElement.scrollWidth, a.contentWindow.innerWidth],\
                      h1: (da.querySelector('h1') || {{ textContent: '' }}).textContent,\
                      desktop: [db.documentElement.scrollWidth, b.contentWindow.innerWidth],\
                      serious: r.violations.filter(function (v) {{ return v.impact === 'serious' || v.impact === 'critical'; }})\
                        .map(function (v) {{ return v.id + ': ' + v.nodes.slice(0, 3).map(function (n) {{ return n.target.join(' '); }}).join(' | '); }}) }});\
             }});\
           }};\
           da.head.appendChild(s);\
         }});"
    );
    serde_json::from_str(&probe(chrome, edition, &body, &script)).expect("json")
}

/// axe-core, installed by `.ci/run` (`npm ci --prefix tests/browser`); the test fails
/// without it.
pub(crate) fn axe() -> String {
    let p = crate::common::repo().join("tests/browser/node_modules/axe-core/axe.min.js");
    assert!(p.is_file(), "axe-core is required: `npm ci --prefix tests/browser` (.ci/run does it)");
    p.display().to_string()
}

#[test]
fn issue19_pages_fit_a_phone_and_a_desktop_and_axe_finds_no_serious_violation() {
    let chrome = chromium().expect("Chromium is required for the site tests (.ci/run installs it)");
    let w = shared_demo();
    let edition = w.path("output/2025");
    let axe = axe();
    for page in [
        "index.html",
        "methodologie.html",
        "telechargements.html",
        "departements/23.html",
        "departements/2A.html",
        "departements/976.html",
        "figures/carte-densite-generalistes-2025.html",
    ] {
        let out = phone_desktop_axe(&chrome, &edition, &axe, page);
        // Every page has the département picker, with the 101.
        let html = std::fs::read_to_string(edition.join(page)).expect("page");
        let picker = &html[html.find("id=\"aller-departement\"").unwrap_or_else(|| panic!("{page}: no picker"))..];
        assert_eq!(picker[..picker.find("</select>").expect("select")].matches("<option value=\"").count(), 102);
        let (sw, vw) = (out["phone"][0].as_u64().expect("sw"), out["phone"][1].as_u64().expect("vw"));
        assert_eq!(vw, 390, "{page}: the phone frame");
        assert!(sw <= vw, "{page}: {sw} px wide in a {vw}-px phone");
        let (sw, vw) = (out["desktop"][0].as_u64().expect("sw"), out["desktop"][1].as_u64().expect("vw"));
        assert!(sw <= vw, "{page}: {sw} px wide at {vw} px");
        assert_eq!(out["serious"], serde_json::json!([]), "{page}: axe-core");
    }
}

#[test]
fn issue19_the_filter_finds_names_regions_and_exact_codes_without_accents() {
    let chrome = chromium().expect("Chromium is required for the site tests (.ci/run installs it)");
    let w = shared_demo();
    let body = "<iframe id=\"a\" title=\"index\" src=\"index.html\" style=\"width:1280px;height:800px\"></iframe>";
    let script = "window.addEventListener('load', function () {\
        var d = document.getElementById('a').contentDocument, input = d.getElementById('filtre'), out = {};\
        ['bretagne', '01', 'cote', 'côte', 'CÔTES', '2a', 'mayotte', 'zzz'].forEach(function (q) {\
          input.value = q; input.dispatchEvent(new Event('input'));\
          out[q] = Array.prototype.filter.call(d.querySelectorAll('tbody.triable tr'), function (r) { return !r.hidden; })\
            .map(function (r) { return r.getAttribute('data-code'); });\
        });\
        out.empty = !d.getElementById('filtre-vide').hidden;\
        done(out);\
      });";
    let out: serde_json::Value =
        serde_json::from_str(&probe(&chrome, &w.path("output/2025"), body, script)).expect("json");
    let codes = |q: &str| -> Vec<String> {
        let mut v: Vec<String> =
            out[q].as_array().expect(q).iter().map(|c| c.as_str().expect("code").to_string()).collect();
        v.sort();
        v
    };
    // The four départements of Bretagne, by its name (fixtures/reference/departements.csv).
    assert_eq!(codes("bretagne"), ["22", "29", "35", "56"]);
    // A code is one département: the Ain, not the Sarthe (72) nor Guadeloupe's région (01).
    assert_eq!(codes("01"), ["01"]);
    // Without accents, or with them, either case: Côte-d'Or and Côtes-d'Armor.
    assert_eq!(codes("cote"), ["21", "22"]);
    assert_eq!(codes("côte"), ["21", "22"]);
    assert_eq!(codes("CÔTES"), ["22"]);
    assert_eq!(codes("2a"), ["2A"]);
    assert_eq!(codes("mayotte"), ["976"]);
    assert!(codes("zzz").is_empty() && out["empty"] == true, "nothing found is said");
}

#[test]
fn issue19_map_shapes_carry_their_value_and_a_click_opens_the_fiche() {
    let chrome = chromium().expect("Chromium is required for the site tests (.ci/run installs it)");
    let w = shared_demo();
    let rows = crate::common::csv_rows(&w.read("output/2025/tables/densite-generalistes-2025.csv"));
    let creuse: f64 = rows.iter().find(|r| r["code"] == "23" && r["niveau"] == "departement").expect("23")["valeur"]
        .parse()
        .expect("value");
    let body = "<iframe id=\"a\" title=\"index\" src=\"index.html\" style=\"width:1280px;height:800px\"></iframe>";
    let script = "var step = 0, out = {};\
      document.getElementById('a').addEventListener('load', function () {\
        var f = this, d = f.contentDocument;\
        if (step++ === 0) {\
          var map = d.getElementById('figure-carte-densite-generalistes-2025');\
          var links = map.querySelectorAll('svg a[href]');\
          out.links = links.length;\
          out.codes = Array.prototype.map.call(links, function (a) { return a.querySelector('polygon').getAttribute('data-code'); })\
            .filter(function (c, i, all) { return all.indexOf(c) === i; }).length;\
          var a = map.querySelector('svg a[href=\"departements/23.html\"]');\
          out.title = a.querySelector('title').textContent;\
          a.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true, view: f.contentWindow }));\
        } else {\
          out.opened = d.querySelector('h1').textContent;\
          out.url = f.contentWindow.location.pathname;\
          done(out);\
        }\
      });";
    let out: serde_json::Value =
        serde_json::from_str(&probe(&chrome, &w.path("output/2025"), body, script)).expect("json");
    // Every département is a link (Guadeloupe in several islands, Paris twice with its inset).
    assert_eq!(out["codes"], 101, "{out}");
    assert!(out["links"].as_u64().expect("links") >= 101);
    // Its <title> shows on hover: name, code and the value of the table (1 decimal).
    let value = format!("{creuse:.1}").replace('.', ",");
    let title = out["title"].as_str().expect("title");
    assert!(title.starts_with("Creuse (23)") && title.contains(&value), "{title} against {value}");
    assert_eq!(out["opened"], "Creuse (23)");
    // Chart marks carry their value too: every bar of the ranking, each point of a series.
    let ranking = w.read("output/2025/charts/densite-generalistes-2025-classement.svg");
    assert_eq!(ranking.matches("</title></rect>").count(), 101);
    // Highest first: the Hautes-Alpes at the published 288.
    let first = &ranking[ranking.find("<title>").expect("title") + 7..];
    assert!(first.starts_with("Hautes-Alpes (05)\u{a0}: 288<"), "{}", first.chars().take(40).collect::<String>());
    // Each département's two points of the dumbbell chart, each funnel point.
    let dumbbell = w.read("output/2025/charts/densite-generalistes-2023-2025-halteres.svg");
    let rows = crate::common::csv_rows(&w.read("output/2025/charts/densite-generalistes-2023-2025-halteres.csv"));
    assert_eq!(dumbbell.matches("</title></circle>").count(), 2 * rows.len());
    let funnel = w.read("output/2025/charts/densite-generalistes-2025-entonnoir.svg");
    assert_eq!(funnel.matches("</title></circle>").count(), 101);
    let series = w.read("output/2025/charts/serie-generalistes-france.svg");
    assert!(series.contains("<title>2025\u{a0}: 100\u{202f}019</title>"), "series point title");
    assert!(out["url"].as_str().expect("url").ends_with("/departements/23.html"));
}
