//! `barometre serve` on loopback (issue 21): the edition served from memory, an editorial
//! edit rebuilt and announced to the open page, a bad template edit shown in the page
//! without stopping the server, a port in use refused with a clear message.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::common::{Workdir, copy_dir, repo};

/// A running server, killed when dropped; its stderr lines arrive on `log`.
struct Served {
    child: Child,
    port: u16,
    log: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Served {
    fn start(w: &Workdir, args: &[&str]) -> Served {
        let mut child = Command::new(env!("CARGO_BIN_EXE_barometre"))
            .current_dir(w.path(""))
            .args(["serve", "--port", "0"])
            .args(args)
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("start serve");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, log) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut s = Served { child, port: 0, log, seen: Vec::new() };
        let line = s.wait_for("serving the edition on http://", Duration::from_secs(600));
        // Only this machine by default.
        let url = &line[line.find("http://").expect("url")..];
        assert!(url.starts_with("http://127.0.0.1:"), "{line}");
        s.port = url["http://127.0.0.1:".len()..]
            .trim_end_matches(|c: char| !c.is_ascii_digit())
            .split('/')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("a port in {line}"));
        s
    }

    /// Waits for a line of the server's log containing `needle`.
    fn wait_for(&mut self, needle: &str, timeout: Duration) -> String {
        let end = Instant::now() + timeout;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            match self.log.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(_) => panic!("no `{needle}` from the server; it said:\n{}", self.seen.join("\n")),
            }
        }
    }

    fn get(&self, path: &str) -> (u16, String) {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(60))).expect("timeout");
        write!(s, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").expect("request");
        let mut body = Vec::new();
        s.read_to_end(&mut body).expect("response");
        let text = String::from_utf8_lossy(&body).into_owned();
        let status = text.split_whitespace().nth(1).and_then(|c| c.parse().ok()).expect("status");
        let body = text.split_once("\r\n\r\n").map(|x| x.1.to_string()).unwrap_or_default();
        (status, body)
    }

    fn version(&self) -> u64 {
        self.get("/__barometre/version").1.trim().parse().expect("version")
    }

    /// Long-polls until the version differs from `since` (as the page's script does).
    fn next_version(&self, since: u64, timeout: Duration) -> u64 {
        let end = Instant::now() + timeout;
        while Instant::now() < end {
            let v: u64 = self.get(&format!("/__barometre/version?since={since}")).1.trim().parse().expect("version");
            if v != since {
                return v;
            }
        }
        panic!("no new version after {timeout:?}");
    }
}

#[test]
fn issue21_serve_rebuilds_an_editorial_edit_reloads_and_survives_a_bad_template() {
    let w = Workdir::new();
    copy_dir(&repo().join("fixtures/demo/editorial"), &w.path("redaction"));
    std::fs::create_dir_all(w.path("gabarits")).expect("mkdir");
    let mut s = Served::start(&w, &["--editorial", "redaction", "--templates", "gabarits"]);
    // The edition, from memory, with the reload script in every page.
    let (status, index) = s.get("/index.html");
    assert_eq!(status, 200);
    assert!(index.contains("Baromètre de l\u{2019}accès aux soins") && index.contains("/__barometre/version"), "index");
    assert_eq!(s.get("/").0, 200);
    assert_eq!(s.get("/departements/23.html").0, 200);
    let (status, pdf) = s.get("/departements/23.pdf");
    assert_eq!(status, 200);
    assert!(pdf.starts_with("%PDF"));
    assert_eq!(s.get("/nulle-part.html").0, 404);
    assert_eq!(s.get("/../Cargo.toml").0, 400);
    let v0 = s.version();

    // An editorial edit: the introduction gets a sentence; only the pages and the PDF
    // that print editorial text are rebuilt, then the page's long-poll sees a new version.
    let intro = w.path("redaction/introduction.md");
    let text = std::fs::read_to_string(&intro).expect("intro");
    std::fs::write(&intro, format!("{text}\n\nPhrase de contrôle 4821 pour la prévisualisation.\n")).expect("edit");
    let v1 = s.next_version(v0, Duration::from_secs(300));
    assert!(v1 > v0);
    // The pages first (the page reloads), then the national PDF; never a fiche.
    let line = s.wait_for("rebuilt after a change (editorial text)", Duration::from_secs(60));
    assert!(line.ends_with(": HTML"), "{line}");
    let line = s.wait_for("rebuilt after a change (editorial text)", Duration::from_secs(300));
    assert!(line.ends_with(": HTML, PDF"), "an editorial edit rebuilds no fiche: {line}");
    let (_, index) = s.get("/index.html");
    assert!(index.contains("Phrase de contrôle 4821"), "the new text is served");

    // A broken template: the error is shown in the page, the last good files still served.
    std::fs::write(w.path("gabarits/index.html"), "{% extends \"base.html\" %}{% block main %}{% if %}{% endblock %}")
        .expect("bad template");
    let v2 = s.next_version(v1, Duration::from_secs(300));
    s.wait_for("rebuild failed (template)", Duration::from_secs(60));
    let (status, index) = s.get("/index.html");
    assert_eq!(status, 200, "the server is still up");
    assert!(index.contains("barometre-erreur") && index.contains("index.html"), "the error in the page");
    assert!(index.contains("Phrase de contrôle 4821"), "the previous good page");
    // Fixed: the error goes.
    std::fs::remove_file(w.path("gabarits/index.html")).expect("fix");
    let _ = s.next_version(v2, Duration::from_secs(300));
    s.wait_for("rebuilt after a change (template)", Duration::from_secs(60));
    let (_, index) = s.get("/index.html");
    assert!(!index.contains("barometre-erreur"), "the error is gone once fixed");
}

#[test]
fn issue21_serve_refuses_a_port_in_use_with_a_clear_message() {
    let taken = std::net::TcpListener::bind(("127.0.0.1", 0)).expect("bind");
    let port = taken.local_addr().expect("addr").port().to_string();
    let w = Workdir::new();
    let o = w.run(&["serve", "--port", &port]);
    assert!(!o.status.success());
    let err = crate::common::stderr(&o);
    assert!(err.contains(&format!("le port {port} est déjà utilisé")) && err.contains("--port"), "{err}");
    // Said at once, before any build.
    assert!(!err.contains("building the edition"), "{err}");
}
