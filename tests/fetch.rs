//! `barometre fetch` against a local server, the manifest, and an edition built from the
//! cache (issue 3).

use std::time::Duration;

use serde_json::Value;

use crate::common::server::{Reply, Server};
use crate::common::{Workdir, csv_rows, repo, stderr};

fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(repo().join("fixtures/real").join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn sources_toml(server: &Server, extra: &str) -> String {
    format!(
        r#"
[[source]]
id = "generalistes"
format = "drees-rpps"
url = "{}"
file = "medecins-rpps.xlsx"
vintage = "2026"

[[source]]
id = "population"
format = "insee-population"
url = "{}"
file = "estim-pop.xlsx"
vintage = "2026"

[[source]]
id = "contours"
format = "geojson"
url = "{}"
file = "departements.geojson"
vintage = "2025"
{extra}
"#,
        server.url("/drees.xlsx"),
        server.url("/insee.xlsx"),
        server.url("/contours.geojson")
    )
}

fn serve_real(server: &Server) {
    // The DREES file fails once with a 500, then succeeds.
    server.route("/drees.xlsx", vec![Reply::Status(500), Reply::Ok(fixture("drees/medecins-rpps-extrait.xlsx"))]);
    server.route("/insee.xlsx", vec![Reply::Ok(fixture("insee/estim-pop-dep-sexe-gca-1975-2026-extrait.xlsx"))]);
    server.route("/contours.geojson", vec![Reply::Ok(fixture("contours/departements-extrait.geojson"))]);
}

fn fetch(w: &Workdir, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "fetch",
        "--sources",
        "sources.toml",
        "--cache-dir",
        "cache",
        "--backoff-ms",
        "10",
        "--retries",
        "2",
        "--timeout",
        "5",
    ];
    args.extend_from_slice(extra);
    w.run(&args)
}

fn manifest(w: &Workdir) -> Value {
    serde_json::from_str(&w.read("cache/manifest.json")).expect("manifest is JSON")
}

fn entry<'a>(m: &'a Value, id: &str) -> &'a Value {
    m["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .find(|e| e["id"] == id)
        .unwrap_or_else(|| panic!("{id} in manifest"))
}

#[test]
fn issue3_fetch_retries_records_provenance_and_builds_hand_computed_values() {
    let server = Server::start();
    serve_real(&server);
    let w = Workdir::new();
    std::fs::write(w.path("sources.toml"), sources_toml(&server, "")).expect("write");

    let o = fetch(&w, &[]);
    assert!(o.status.success(), "fetch failed: {}", stderr(&o));
    assert_eq!(server.hits("/drees.xlsx"), 2, "one 500, one retry");

    let m = manifest(&w);
    let drees = entry(&m, "generalistes");
    let bytes = fixture("drees/medecins-rpps-extrait.xlsx");
    assert_eq!(drees["sha256"], barometre::ingest::http::sha256(&bytes));
    assert_eq!(drees["size"], bytes.len() as u64);
    assert_eq!(drees["http_status"], 200);
    assert_eq!(drees["url"], server.url("/drees.xlsx"));
    assert_eq!(drees["detected_vintage"], "2026");
    assert_eq!(drees["data_years"].as_array().expect("years").len(), 15, "2012–2026");
    assert!(drees["parser"].as_str().expect("parser").contains("drees-rpps"));
    assert_eq!(entry(&m, "population")["data_years"][0], 2020);
    assert_eq!(entry(&m, "contours")["rows"], 101);
    assert!(w.path("cache/medecins-rpps.xlsx").is_file());
    // The official layouts were parsed once, here: the manifest points at the workbook
    // and at its canonical table, which holds the workbook's rows.
    for (id, header) in
        [("generalistes", "code_departement,annee,effectif"), ("population", "code_departement,annee,population")]
    {
        let e = entry(&m, id);
        let canonical = format!("{id}.canonical.csv");
        assert_eq!(e["canonical"], canonical.as_str(), "{id}");
        let text = w.read(&format!("cache/{canonical}"));
        assert!(text.starts_with(header), "{id}: {}", &text[..60.min(text.len())]);
        assert_eq!(e["canonical_sha256"], barometre::ingest::http::sha256(text.as_bytes()));
        assert_eq!(csv_rows(&text).len() as u64, e["rows"].as_u64().expect("rows"), "{id}: every row parsed");
    }
    // The build reads only the canonical tables: it works with the workbooks gone.
    std::fs::rename(w.path("cache/medecins-rpps.xlsx"), w.path("medecins-rpps.xlsx")).expect("move");

    let o = w.run(&["build", "--draft", "--data", "cache", "--cache-dir", "cache"]);
    assert!(o.status.success(), "build from cache failed: {}", stderr(&o));
    std::fs::rename(w.path("medecins-rpps.xlsx"), w.path("cache/medecins-rpps.xlsx")).expect("move back");
    let expected: Value = serde_json::from_slice(&fixture("expected.json")).expect("expected.json");
    let rows = csv_rows(&w.read("output/2025/tables/densite-generalistes-2025.csv"));
    let find =
        |lvl: &str, code: &str| rows.iter().find(|r| r["niveau"] == lvl && r["code"] == code).expect("row").clone();
    for (lvl, key, code) in [
        ("france", "national", "FR"),
        ("departement", "departements", "23"),
        ("departement", "departements", "2A"),
        ("departement", "departements", "976"),
        ("region", "regions", "84"),
    ] {
        let e = &expected["densite_generalistes"]["2025"];
        let e = if key == "national" { &e["national"] } else { &e[key][code] };
        let r = find(lvl, code);
        assert_eq!(r["numerateur"], e["generalistes"].to_string(), "{code} GPs");
        assert_eq!(r["denominateur"], e["population"].to_string(), "{code} population");
        let v: f64 = r["valeur"].parse().expect("value");
        assert!((v - e["densite_pour_100000"].as_f64().expect("f64")).abs() < 0.005, "{code}: {v}");
        let prev = &expected["densite_generalistes"]["2023"];
        let prev = if key == "national" { &prev["national"] } else { &prev[key][code] };
        let v23: f64 = r["valeur_2023"].parse().expect("value");
        assert!((v23 - prev["densite_pour_100000"].as_f64().expect("f64")).abs() < 0.005, "{code} 2023");
        // Fetched data: every value is real, its source the fetched files.
        assert_eq!(r["nature"], "réel");
        assert!(r["source_valeur"].contains("DREES") || r["source_valeur"].contains("RPPS"), "{}", r["source_valeur"]);
    }
    // The manifest travels with the edition.
    assert_eq!(w.read("output/2025/provenance.json"), w.read("cache/manifest.json"));
    let html = w.read("output/2025/index.html");
    assert!(!html.contains("Données de démonstration"), "real data is not labelled demo");
}

#[test]
fn issue3_timeout_and_truncated_body_fail_with_exit_3_and_leave_no_partial_file() {
    let server = Server::start();
    let body = fixture("insee/estim-pop-dep-sexe-gca-1975-2026-extrait.xlsx");
    server.route("/drees.xlsx", vec![Reply::Delay(Duration::from_secs(3), Box::new(Reply::Status(200)))]);
    server.route("/insee.xlsx", vec![Reply::Truncated(body.clone(), body.len() / 2)]);
    server.route("/contours.geojson", vec![Reply::Status(404)]);
    let w = Workdir::new();
    std::fs::write(w.path("sources.toml"), sources_toml(&server, "")).expect("write");
    let o = w.run(&[
        "fetch",
        "--sources",
        "sources.toml",
        "--cache-dir",
        "cache",
        "--backoff-ms",
        "10",
        "--retries",
        "1",
        "--timeout",
        "0.5",
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains(&server.url("/drees.xlsx")) && err.contains("timed out"), "{err}");
    assert!(err.contains("truncated body"), "{err}");
    assert!(err.contains("HTTP 404"), "{err}");
    assert_eq!(server.hits("/insee.xlsx"), 2, "retried once");
    assert_eq!(server.hits("/contours.geojson"), 1, "a 404 is not retried");
    let files: Vec<String> = std::fs::read_dir(w.path("cache"))
        .expect("cache dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n != "manifest.json")
        .collect();
    assert!(files.is_empty(), "nothing partial in the cache: {files:?}");
}

#[test]
fn issue3_changed_checksum_for_same_vintage_is_a_revision() {
    let server = Server::start();
    serve_real(&server);
    let demo_pop = std::fs::read_to_string(repo().join("fixtures/demo/population.csv")).expect("demo population");
    server.route("/pop.csv", vec![Reply::Ok(demo_pop.clone().into_bytes())]);
    let w = Workdir::new();
    let toml = sources_toml(&server, "")
        .replace("format = \"insee-population\"", "format = \"canonical\"")
        .replace(&server.url("/insee.xlsx"), &server.url("/pop.csv"));
    std::fs::write(w.path("sources.toml"), toml).expect("write");
    assert!(fetch(&w, &[]).status.success());
    let first = entry(&manifest(&w), "population")["sha256"].clone();

    // Same years, one figure revised.
    server.route("/pop.csv", vec![Reply::Ok(demo_pop.replacen("01,2020,657856", "01,2020,657900", 1).into_bytes())]);
    let o = fetch(&w, &["--only", "population"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("REVISION"), "{}", stderr(&o));
    let m = manifest(&w);
    let pop = entry(&m, "population");
    assert_ne!(pop["sha256"], first);
    assert_eq!(pop["revision"]["previous_sha256"], first);
    // Sources not fetched this time stay in the manifest.
    assert_eq!(entry(&m, "generalistes")["id"], "generalistes");
}

#[test]
fn issue3_offline_uses_the_cache_and_names_what_is_missing() {
    let w = Workdir::new();
    let server = Server::start();
    std::fs::write(w.path("sources.toml"), sources_toml(&server, "")).expect("write");
    let o = fetch(&w, &["--offline"]);
    assert_eq!(o.status.code(), Some(3));
    let err = stderr(&o);
    assert!(err.contains("offline") && err.contains("generalistes (medecins-rpps.xlsx)"), "{err}");
    assert_eq!(server.hits("/drees.xlsx"), 0, "offline makes no request");

    serve_real(&server);
    assert!(fetch(&w, &[]).status.success());
    let o = fetch(&w, &["--offline"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn issue3_invalid_downloaded_file_exits_4_naming_file_and_location() {
    let server = Server::start();
    serve_real(&server);
    server.route("/insee.xlsx", vec![Reply::Ok(b"PK\x03\x04 not really a workbook".to_vec())]);
    let w = Workdir::new();
    std::fs::write(w.path("sources.toml"), sources_toml(&server, "")).expect("write");
    let o = fetch(&w, &[]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(stderr(&o).contains("estim-pop.xlsx: expected a readable xlsx/xls workbook"), "{}", stderr(&o));
}

#[test]
fn issue3_local_analyst_files_are_copied_and_validated() {
    let w = Workdir::new();
    let server = Server::start();
    serve_real(&server);
    let t = repo().join("fixtures/real/templates");
    let extra = format!(
        "[[source]]\nid = \"pdsa\"\nformat = \"canonical\"\nurl = \"{}\"\nfile = \"pdsa.xlsx\"\n\n[[source]]\nid = \"sas\"\nformat = \"canonical\"\nurl = \"file://{}\"\nfile = \"sas.csv\"\n\n[[source]]\nid = \"missions-solidarite\"\nformat = \"canonical\"\nurl = \"saisie/absent.csv\"\nfile = \"missions.csv\"\noptional = true\n",
        t.join("pdsa.xlsx").display(),
        t.join("sas.csv").display()
    );
    std::fs::write(w.path("sources.toml"), sources_toml(&server, &extra)).expect("write");
    let o = fetch(&w, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("skipped: optional"), "{}", stderr(&o));
    let m = manifest(&w);
    assert_eq!(entry(&m, "pdsa")["data_years"], serde_json::json!([2022, 2024]));
    assert_eq!(entry(&m, "sas")["http_status"], Value::Null);
}

#[test]
fn issue3_init_templates_writes_documented_templates_that_read_back() {
    let w = Workdir::new();
    let o = w.run(&["init-templates", "edition"]);
    assert!(o.status.success(), "{}", stderr(&o));
    for id in
        ["pdsa", "pdsa-national", "sas", "renoncement", "zones-rouges", "sans-medecin-traitant", "missions-solidarite"]
    {
        assert!(w.path(&format!("edition/saisie/{id}.csv")).is_file(), "{id}.csv");
        assert!(w.path(&format!("edition/saisie/{id}.xlsx")).is_file(), "{id}.xlsx");
    }
    let readme = w.read("edition/saisie/LISEZMOI.md");
    assert!(readme.contains("generalistes_volontaires"), "columns documented");
    assert!(w.read("edition/sources.toml").contains("[[source]]"));
    // The written sources.toml parses, and the example templates validate.
    let o = w.run(&[
        "fetch",
        "--sources",
        "edition/sources.toml",
        "--cache-dir",
        "cache",
        "--only",
        "pdsa,sas,sans-medecin-traitant,missions-solidarite",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // A second run keeps the analyst's files.
    std::fs::write(w.path("edition/saisie/pdsa.csv"), "mine").expect("write");
    assert!(w.run(&["init-templates", "edition"]).status.success());
    assert_eq!(w.read("edition/saisie/pdsa.csv"), "mine");
}

#[test]
fn issue3_ameli_csv_and_old_insee_xls_over_http() {
    let server = Server::start();
    server.route("/ameli.csv", vec![Reply::Ok(fixture("ameli/demographie-effectifs-et-les-densites-extrait.csv"))]);
    server.route(
        "/insee.xls",
        vec![Reply::Status(503), Reply::Ok(fixture("insee/estim-pop-dep-sexe-gca-1975-2023-extrait.xls"))],
    );
    let w = Workdir::new();
    let toml = format!(
        "[[source]]\nid = \"generalistes\"\nformat = \"ameli-csv\"\nurl = \"{}\"\nfile = \"ameli.csv\"\n\n[[source]]\nid = \"population\"\nformat = \"insee-population\"\nurl = \"{}\"\nfile = \"insee.xls\"\n",
        server.url("/ameli.csv"),
        server.url("/insee.xls")
    );
    std::fs::write(w.path("sources.toml"), toml).expect("write");
    let o = fetch(&w, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let m = manifest(&w);
    assert_eq!(entry(&m, "generalistes")["data_years"], serde_json::json!([2022, 2023, 2024]));
    assert_eq!(entry(&m, "generalistes")["rows"], 303);
    assert_eq!(entry(&m, "population")["data_years"], serde_json::json!([2020, 2021, 2022, 2023]));
    assert_eq!(entry(&m, "population")["detected_vintage"], "2023");
    assert_eq!(server.hits("/insee.xls"), 2);
}

#[test]
fn issue3_duplicate_or_unknown_sources_are_refused() {
    let w = Workdir::new();
    std::fs::write(
        w.path("sources.toml"),
        "[[source]]\nid = \"pdsa\"\nformat = \"canonical\"\nurl = \"a.csv\"\nfile = \"a.csv\"\n\n[[source]]\nid = \"pdsa\"\nformat = \"drees-rpps\"\nurl = \"b.csv\"\nfile = \"../b.csv\"\n",
    )
    .expect("write");
    let o = fetch(&w, &[]);
    assert_eq!(o.status.code(), Some(4));
    let err = stderr(&o);
    assert!(err.contains("column `id`: found `pdsa`, expected each source once"), "{err}");
    assert!(err.contains("column `format`: found `drees-rpps`, expected a format of `pdsa` (canonical)"), "{err}");
    assert!(err.contains("column `file`: found `../b.csv`"), "{err}");
}

/// Files in the cache besides the manifest (there must be none after a failed fetch).
fn cache_files(w: &Workdir) -> Vec<String> {
    std::fs::read_dir(w.path("cache"))
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n != "manifest.json")
                .collect()
        })
        .unwrap_or_default()
}

fn one_source(w: &Workdir, url: &str, extra: &str) {
    let toml = format!(
        "[[source]]\nid = \"population\"\nformat = \"insee-population\"\nurl = \"{url}\"\nfile = \"estim-pop.xlsx\"\n{extra}"
    );
    std::fs::write(w.path("sources.toml"), toml).expect("write");
}

#[test]
fn issue9_resets_and_5xx_are_retried_a_bounded_number_of_times() {
    let server = Server::start();
    server.route("/reset.xlsx", vec![Reply::Close]);
    let w = Workdir::new();
    one_source(&w, &server.url("/reset.xlsx"), "");
    let o = fetch(&w, &[]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert_eq!(server.hits("/reset.xlsx"), 3, "one attempt and 2 retries, no more");
    let err = stderr(&o);
    assert!(err.contains("after 3 attempt(s)") && err.contains("rerun `barometre fetch`"), "{err}");
    assert!(cache_files(&w).is_empty(), "{:?}", cache_files(&w));

    // A reset, then a 503, then the file: fetched, the cache holds exactly it.
    let body = fixture("insee/estim-pop-dep-sexe-gca-1975-2026-extrait.xlsx");
    server.route("/flaky.xlsx", vec![Reply::Close, Reply::Status(503), Reply::Ok(body.clone())]);
    one_source(&w, &server.url("/flaky.xlsx"), "");
    let o = fetch(&w, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(server.hits("/flaky.xlsx"), 3);
    assert_eq!(std::fs::read(w.path("cache/estim-pop.xlsx")).expect("cached"), body);

    // Always 500: bounded, and the previous good file stays in the cache.
    server.route("/flaky.xlsx", vec![Reply::Status(500)]);
    let o = fetch(&w, &[]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert_eq!(server.hits("/flaky.xlsx"), 6, "3 more attempts");
    assert_eq!(std::fs::read(w.path("cache/estim-pop.xlsx")).expect("kept"), body);
    let mut files = cache_files(&w);
    files.sort();
    assert_eq!(files, ["estim-pop.xlsx", "population.canonical.csv", "versions"]);
    assert_eq!(
        std::fs::read(w.path(&format!("cache/versions/{:x}.xlsx", <sha2::Sha256 as sha2::Digest>::digest(&body))))
            .expect("the version kept by its sha256"),
        body
    );
}

#[test]
fn issue9_redirects_to_another_host_are_refused_and_same_host_followed() {
    let server = Server::start();
    let other = Server::start();
    let body = fixture("insee/estim-pop-dep-sexe-gca-1975-2026-extrait.xlsx");
    other.route("/evil.xlsx", vec![Reply::Ok(body.clone())]);
    server.route("/moved.xlsx", vec![Reply::Redirect(other.url("/evil.xlsx"))]);
    let w = Workdir::new();
    one_source(&w, &server.url("/moved.xlsx"), "");
    let o = fetch(&w, &[]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("to another host than the source's") && err.contains(&other.url("/evil.xlsx")), "{err}");
    assert!(err.contains("put its new address in `url` in sources.toml"), "says what to do: {err}");
    assert_eq!(other.hits("/evil.xlsx"), 0, "the other host is never contacted");
    assert_eq!(server.hits("/moved.xlsx"), 1, "a refused redirect is not retried");
    assert!(cache_files(&w).is_empty());

    // Unless the source lists that host.
    one_source(&w, &server.url("/moved.xlsx"), &format!("redirect_hosts = [\"127.0.0.1:{}\"]\n", other.port));
    let o = fetch(&w, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(other.hits("/evil.xlsx"), 1);
    std::fs::remove_file(w.path("cache/estim-pop.xlsx")).expect("rm");

    // Within the same host, a redirect is followed.
    server.route("/old.xlsx", vec![Reply::Redirect("/new.xlsx".into())]);
    server.route("/new.xlsx", vec![Reply::Ok(body.clone())]);
    one_source(&w, &server.url("/old.xlsx"), "");
    let o = fetch(&w, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read(w.path("cache/estim-pop.xlsx")).expect("cached"), body);
}

#[test]
fn issue9_oversized_bodies_are_refused_without_retry_or_partial_file() {
    let server = Server::start();
    let body = fixture("insee/estim-pop-dep-sexe-gca-1975-2026-extrait.xlsx");
    server.route("/big.xlsx", vec![Reply::Ok(body.clone())]);
    server.route("/big-unsized.xlsx", vec![Reply::Unsized(body.clone())]);
    let w = Workdir::new();
    for path in ["/big.xlsx", "/big-unsized.xlsx"] {
        one_source(&w, &server.url(path), "max_bytes = 1000\n");
        let o = fetch(&w, &[]);
        assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains("over the limit of 1000 bytes") && err.contains("raise `max_bytes`"), "{err}");
        assert_eq!(server.hits(path), 1, "{path}: a size limit is not retried");
        assert!(cache_files(&w).is_empty(), "{path}: {:?}", cache_files(&w));
    }
}

#[test]
fn issue9_an_html_page_instead_of_the_file_is_refused_with_what_to_do() {
    let server = Server::start();
    let page = b"<!DOCTYPE html><html><body>Page introuvable</body></html>".to_vec();
    server.route("/landing", vec![Reply::Typed("text/html; charset=utf-8", page)]);
    let w = Workdir::new();
    one_source(&w, &server.url("/landing"), "");
    let o = fetch(&w, &[]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("sent a web page (Content-Type: text/html"), "{err}");
    assert!(err.contains("put the direct link to the file in `url`"), "{err}");
    assert_eq!(server.hits("/landing"), 1);
    assert!(cache_files(&w).is_empty());

    // The same page without a content type reaches the reader, which refuses it (exit 4).
    server.route("/landing", vec![Reply::Ok(b"<!DOCTYPE html><html></html>".to_vec())]);
    let o = fetch(&w, &[]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(stderr(&o).contains("estim-pop.xlsx"), "{}", stderr(&o));
    assert!(cache_files(&w).is_empty(), "{:?}", cache_files(&w));
}
