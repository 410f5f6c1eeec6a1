//! Revisions kept (issue 16, point 4): every version of a fetched file stays in the cache
//! by its sha256 and in the manifest's history; a changed file (same vintage, or a new
//! vintage) is an alert in `checks.md` and a section of the methodology (site and PDF)
//! until `barometre fetch --acknowledge <id>`, across later unchanged fetches.
//!
//! Expected values are independent of the code under test: the sha256 of the served
//! bytes is computed here, and the retrieval dates are the `SOURCE_DATE_EPOCH` given to
//! each fetch, written out by hand.

use assert_cmd::Command;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::common::server::{Reply, Server};
use crate::common::{Workdir, pdf_text, repo, stderr};

/// 2026-01-05T08:00:00Z, 2026-02-10T09:30:00Z, 2026-02-11T10:00:00Z, 2026-03-02T14:15:00Z.
const FIRST: (&str, &str) = ("1767600000", "2026-01-05T08:00:00Z");
const SECOND: (&str, &str) = ("1770715800", "2026-02-10T09:30:00Z");
const THIRD: (&str, &str) = ("1770804000", "2026-02-11T10:00:00Z");
const ACK: (&str, &str) = ("1772460900", "2026-03-02T14:15:00Z");

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn demo(name: &str) -> String {
    std::fs::read_to_string(repo().join("fixtures/demo").join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Two canonical sources served over HTTP: the demo GP counts and populations.
fn setup(server: &Server, w: &Workdir, population: &str) {
    server.route("/generalistes.csv", vec![Reply::Ok(demo("generalistes.csv").into_bytes())]);
    server.route("/population.csv", vec![Reply::Ok(population.as_bytes().to_vec())]);
    let toml = format!(
        "[[source]]\nid = \"generalistes\"\nformat = \"canonical\"\nurl = \"{}\"\nfile = \"generalistes.csv\"\n\n\
         [[source]]\nid = \"population\"\nformat = \"canonical\"\nurl = \"{}\"\nfile = \"population.csv\"\n",
        server.url("/generalistes.csv"),
        server.url("/population.csv")
    );
    std::fs::write(w.path("sources.toml"), toml).expect("write sources.toml");
}

/// `barometre fetch ARGS` at a given time (`SOURCE_DATE_EPOCH`).
fn fetch_at(w: &Workdir, epoch: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["fetch", "--sources", "sources.toml", "--cache-dir", "cache", "--backoff-ms", "10"];
    args.extend_from_slice(extra);
    Command::cargo_bin("barometre")
        .expect("binary")
        .current_dir(w.dir.path())
        .env("SOURCE_DATE_EPOCH", epoch)
        .args(&args)
        .output()
        .expect("run barometre")
}

fn population_entry(w: &Workdir) -> Value {
    let m: Value = serde_json::from_str(&w.read("cache/manifest.json")).expect("manifest is JSON");
    m["sources"].as_array().expect("sources").iter().find(|e| e["id"] == "population").expect("population").clone()
}

/// (sha256, retrieved_at, vintage, size) of each version in the manifest's history.
fn history(entry: &Value) -> Vec<(String, String, String, u64)> {
    entry["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|v| {
            (
                v["sha256"].as_str().expect("sha256").to_string(),
                v["retrieved_at"].as_str().expect("retrieved_at").to_string(),
                v["vintage"].as_str().expect("vintage").to_string(),
                v["size"].as_u64().expect("size"),
            )
        })
        .collect()
}

/// The alert rows of checks.md about a source.
fn alerts(checks: &str, source: &str) -> Vec<String> {
    checks.lines().filter(|l| l.starts_with(&format!("| alerte | {source} |"))).map(str::to_string).collect()
}

#[test]
fn issue16_a_same_vintage_revision_stays_visible_until_acknowledged_and_every_version_is_kept() {
    let server = Server::start();
    let w = Workdir::new();
    let v1 = demo("population.csv");
    // Same years (same vintage 2025), one figure revised.
    let v2 = v1.replacen("01,2020,657856", "01,2020,657900", 1);
    assert_ne!(v1, v2);
    let (sha1, sha2) = (sha256(v1.as_bytes()), sha256(v2.as_bytes()));
    setup(&server, &w, &v1);

    let o = fetch_at(&w, FIRST.0, &[]);
    assert!(o.status.success(), "first fetch: {}", stderr(&o));
    assert!(!stderr(&o).contains("REVISION"), "{}", stderr(&o));

    server.route("/population.csv", vec![Reply::Ok(v2.clone().into_bytes())]);
    let o = fetch_at(&w, SECOND.0, &[]);
    assert!(o.status.success(), "second fetch: {}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("REVISION") && err.contains("--acknowledge population"), "{err}");

    // A third fetch, unchanged: the revision is not forgotten.
    let o = fetch_at(&w, THIRD.0, &[]);
    assert!(o.status.success(), "third fetch: {}", stderr(&o));
    assert!(!stderr(&o).contains("REVISION:"), "nothing changed this time: {}", stderr(&o));
    let pop = population_entry(&w);
    let expected = vec![
        (sha1.clone(), FIRST.1.to_string(), "2025".to_string(), v1.len() as u64),
        (sha2.clone(), SECOND.1.to_string(), "2025".to_string(), v2.len() as u64),
    ];
    assert_eq!(history(&pop), expected, "every version, in order, after an unchanged fetch");
    assert_eq!(pop["sha256"], sha2.as_str());
    assert_eq!(pop["revision"]["previous_sha256"], sha1.as_str(), "the revision record survives");
    // Both versions are in the cache by their sha256; the build reads the current one.
    assert_eq!(w.read(&format!("cache/versions/{sha1}.csv")), v1);
    assert_eq!(w.read(&format!("cache/versions/{sha2}.csv")), v2);
    assert_eq!(w.read("cache/population.csv"), v2);
    let generalistes = demo("generalistes.csv");
    assert_eq!(w.read(&format!("cache/versions/{}.csv", sha256(generalistes.as_bytes()))), generalistes);

    // A build from the cache: an alert in checks.md, a section of the methodology.
    let o = w.run(&["build", "--draft", "--data", "cache", "--cache-dir", "cache"]);
    assert!(o.status.success(), "build from cache: {}", stderr(&o));
    let checks = w.read("output/2025/checks.md");
    let rows = alerts(&checks, "population");
    assert_eq!(rows.len(), 1, "one alert for the revision: {checks}");
    for needle in [
        server.url("/population.csv").as_str(),
        sha1.as_str(),
        sha2.as_str(),
        FIRST.1,
        SECOND.1,
        "même millésime 2025",
        "barometre fetch --acknowledge population",
    ] {
        assert!(rows[0].contains(needle), "`{needle}` in the alert: {}", rows[0]);
    }
    assert!(alerts(&checks, "generalistes").is_empty(), "an unchanged source does not alert: {checks}");
    // The text of the page, as autoescaped by minijinja (`/` is `&#x2f;`).
    let html = w.read("output/2025/methodologie.html").replace("&#x2f;", "/");
    let section = html.split("id=\"revisions\"").nth(1).expect("a revisions section in methodologie.html");
    let section = section.split("</section>").next().expect("section");
    for needle in [
        "population",
        server.url("/population.csv").as_str(),
        sha1.as_str(),
        sha2.as_str(),
        "5 janvier 2026",
        "10 février 2026",
        "révision",
    ] {
        assert!(section.contains(needle), "`{needle}` in the methodology's revisions: {section}");
    }
    let pdf = pdf_text(&std::fs::read(w.path("output/2025/barometre-2025.pdf")).expect("national PDF"));
    let at = pdf.find("Révisions de sources à vérifier").expect("the PDF's methodology lists the revision");
    let pdf_section = &pdf[at..];
    for needle in ["population", sha1.as_str(), sha2.as_str(), "5 janvier 2026", "10 février 2026"] {
        assert!(pdf_section.contains(needle), "`{needle}` in the PDF's revisions: {}", &pdf_section[..600]);
    }

    // An unknown source is refused and changes nothing.
    let before = w.read("cache/manifest.json");
    let o = fetch_at(&w, ACK.0, &["--acknowledge", "populations"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("no source `populations`"), "{}", stderr(&o));
    assert_eq!(w.read("cache/manifest.json"), before);

    // Acknowledged: no more alert nor section, the history keeps both versions.
    let o = fetch_at(&w, ACK.0, &["--acknowledge", "population"]);
    assert!(o.status.success(), "acknowledge: {}", stderr(&o));
    assert!(stderr(&o).contains("acknowledged"), "{}", stderr(&o));
    assert_eq!(server.hits("/population.csv"), 3, "acknowledging downloads nothing");
    let pop = population_entry(&w);
    assert_eq!(history(&pop), expected, "the history keeps both versions");
    assert_eq!(pop["history"][1]["acknowledged_at"], ACK.1);
    assert!(w.path(&format!("cache/versions/{sha1}.csv")).is_file());
    assert!(w.path(&format!("cache/versions/{sha2}.csv")).is_file());
    let o = w.run(&["build", "--draft", "--data", "cache", "--cache-dir", "cache"]);
    assert!(o.status.success(), "build after acknowledgement: {}", stderr(&o));
    let checks = w.read("output/2025/checks.md");
    assert!(alerts(&checks, "population").is_empty(), "acknowledged, no alert: {checks}");
    let info = checks.lines().find(|l| l.starts_with("| info | population |") && l.contains("acquittée"));
    let info = info.unwrap_or_else(|| panic!("the acknowledged revision stays on record: {checks}"));
    assert!(info.contains(ACK.1) && info.contains(&sha1) && info.contains(&sha2), "{info}");
    assert!(!w.read("output/2025/methodologie.html").contains("id=\"revisions\""), "no section once acknowledged");
    let pdf = pdf_text(&std::fs::read(w.path("output/2025/barometre-2025.pdf")).expect("national PDF"));
    assert!(!pdf.contains("Révisions de sources à vérifier"));

    // A later unchanged fetch keeps the acknowledgement and the history.
    let o = fetch_at(&w, ACK.0, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let pop = population_entry(&w);
    assert_eq!(history(&pop), expected);
    assert_eq!(pop["history"][1]["acknowledged_at"], ACK.1);
}

#[test]
fn issue16_a_cache_from_before_versions_keeps_its_file_and_a_new_vintage_alerts() {
    let server = Server::start();
    let w = Workdir::new();
    let v1 = demo("population.csv");
    let (sha1, len1) = (sha256(v1.as_bytes()), v1.len() as u64);
    setup(&server, &w, &v1);
    assert!(fetch_at(&w, FIRST.0, &[]).status.success());

    // The cache as an older barometre left it: no history, no versions/.
    let mut m: Value = serde_json::from_str(&w.read("cache/manifest.json")).expect("manifest");
    for e in m["sources"].as_array_mut().expect("sources") {
        e.as_object_mut().expect("entry").remove("history");
    }
    std::fs::write(w.path("cache/manifest.json"), serde_json::to_string_pretty(&m).expect("json")).expect("write");
    std::fs::remove_dir_all(w.path("cache/versions")).expect("rm versions");
    let o = fetch_at(&w, "1767600000", &["--offline"]);
    assert!(o.status.success(), "an older manifest reads: {}", stderr(&o));

    // A new vintage: the same rows plus 2026.
    let v2 = format!("{v1}01,2026,670000,estimation\n");
    let sha2 = sha256(v2.as_bytes());
    server.route("/population.csv", vec![Reply::Ok(v2.clone().into_bytes())]);
    let o = fetch_at(&w, SECOND.0, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("NEW VINTAGE: 2025 → 2026") && err.contains("--acknowledge population"), "{err}");
    assert!(!err.contains("REVISION:"), "a new vintage is not a same-vintage revision: {err}");
    let pop = population_entry(&w);
    assert_eq!(
        history(&pop),
        vec![
            (sha1.clone(), FIRST.1.to_string(), "2025".to_string(), len1),
            (sha2.clone(), SECOND.1.to_string(), "2026".to_string(), v2.len() as u64),
        ]
    );
    assert_eq!(pop["revision"], Value::Null);
    // The file the older cache held was kept before being replaced.
    assert_eq!(w.read(&format!("cache/versions/{sha1}.csv")), v1);
    assert_eq!(w.read(&format!("cache/versions/{sha2}.csv")), v2);
}
