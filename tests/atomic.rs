//! Atomic editions (issue 9): a build killed mid-way or failing leaves the previous
//! edition intact, and two builds of one edition cannot interleave.

use std::time::{Duration, Instant};

use crate::common::{Workdir, stderr};

fn entries(w: &Workdir, rel: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(w.path(rel))
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn issue9_a_second_build_of_the_same_edition_is_refused_while_the_lock_is_held() {
    let w = Workdir::new();
    std::fs::create_dir_all(w.path("output/2025")).expect("mkdir");
    std::fs::write(w.path("output/2025/index.html"), "previous edition").expect("write");
    // A running process (this test) holds the lock.
    std::fs::write(w.path("output/.2025.lock"), format!("{}\n", std::process::id())).expect("lock");
    let held = std::fs::File::open(w.path("output/.2025.lock")).expect("open");
    held.try_lock().expect("the test takes the lock");
    let o = w.run(&["build"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("another build of edition `2025`"), "{err}");
    assert!(err.contains("output/.2025.lock") && err.contains(&std::process::id().to_string()), "{err}");
    assert!(err.contains("wait for it to finish"), "says what to do: {err}");
    assert_eq!(w.read("output/2025/index.html"), "previous edition");
    assert_eq!(w.read("output/.2025.lock").trim(), std::process::id().to_string(), "the lock is not stolen");
    // Released, the next build proceeds.
    drop(held);
    let o = w.run(&["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn issue14_two_builds_racing_on_a_stale_lock_exactly_one_proceeds() {
    // A lock file left by a build that died (its pid no longer runs), then two builds
    // starting together: exactly one gets the lock, the other is refused while it holds it.
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("2025");
    std::fs::write(dir.path().join(".2025.lock"), "4194304999\n").expect("stale lock");
    for _ in 0..20 {
        let barrier = std::sync::Barrier::new(2);
        let results: Vec<_> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..2)
                .map(|_| {
                    s.spawn(|| {
                        barrier.wait();
                        let r = barometre::output::Lock::acquire(&target);
                        // Hold it until both have tried.
                        barrier.wait();
                        r.map_err(|e| e.to_string())
                    })
                })
                .collect();
            hs.into_iter().map(|h| h.join().expect("thread")).collect()
        });
        let ok = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(ok, 1, "exactly one build proceeds: {results:?}");
        let err = results.iter().find_map(|r| r.as_ref().err()).expect("one refused");
        assert!(err.contains("another build of edition `2025`"), "{err}");
    }
    // Both released: the next one proceeds.
    assert!(barometre::output::Lock::acquire(&target).is_ok());
}

#[test]
fn issue9_build_killed_mid_way_keeps_the_previous_edition_and_the_next_build_recovers() {
    let w = Workdir::new();
    std::fs::create_dir_all(w.path("output/2025")).expect("mkdir");
    std::fs::write(w.path("output/2025/index.html"), "previous edition").expect("write");

    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("barometre"))
        .current_dir(w.dir.path())
        .env_remove("SOURCE_DATE_EPOCH")
        .arg("build")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn barometre");
    // Wait until the build writes into its staging directory, then kill -9.
    let start = Instant::now();
    let staging = loop {
        if let Some(s) = entries(&w, "output").into_iter().find(|n| n.starts_with(".2025.tmp-"))
            && !entries(&w, &format!("output/{s}")).is_empty()
        {
            break s;
        }
        assert!(child.try_wait().expect("wait").is_none(), "the build ended before it could be killed");
        assert!(start.elapsed() < Duration::from_secs(300), "no staging directory appeared");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(w.path("output/.2025.lock").is_file(), "the build holds the lock");
    // A second build meanwhile is refused and touches nothing.
    let second = w.run(&["build"]);
    assert_eq!(second.status.code(), Some(1), "{}", stderr(&second));
    assert!(stderr(&second).contains(&format!("process {} holds the lock", child.id())), "{}", stderr(&second));
    assert!(child.try_wait().expect("wait").is_none(), "the first build is still running");
    child.kill().expect("kill -9");
    child.wait().expect("reap");

    // The previous edition is intact; the dead build left its staging directory and its
    // lock file (the OS released the lock itself when the process died).
    assert_eq!(w.read("output/2025/index.html"), "previous edition");
    assert!(w.path(format!("output/{staging}").as_str()).is_dir());
    assert!(w.path("output/.2025.lock").is_file());

    // The next build takes the lock, cleans up and publishes.
    let o = w.run(&["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(w.read("output/2025/index.html").contains("<html"), "new edition in place");
    // The replaced edition is kept as the next build's spare, and nothing else is left.
    assert_eq!(entries(&w, "output"), [".2025.spare", "2025"], "no staging directory, old edition or lock file left");
    assert_eq!(w.read("output/.2025.spare/index.html"), "previous edition");
    // The next build writes over the spare's files: the same edition again.
    let before = w.read("output/2025/index.html");
    let o = w.run(&["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(w.read("output/2025/index.html"), before);
    assert_eq!(w.read("output/.2025.spare/index.html"), before);
    assert_eq!(entries(&w, "output"), [".2025.spare", "2025"]);
}

#[test]
fn issue9_an_edition_moved_aside_by_a_killed_commit_is_restored() {
    // A build killed between moving the previous edition aside and renaming the new one
    // into place leaves `.2025.old-*` and no `2025`: the next build puts it back before
    // anything else, and a failing build then leaves it in place.
    let w = Workdir::new();
    let data = w.copy_demo("data");
    std::fs::write(data.join("generalistes.csv"), "").expect("break");
    std::fs::create_dir_all(w.path("output/.2025.old-abc123")).expect("mkdir");
    std::fs::write(w.path("output/.2025.old-abc123/index.html"), "previous edition").expect("write");
    std::fs::create_dir_all(w.path("output/.2025.tmp-def456/charts")).expect("mkdir");
    std::fs::write(w.path("output/.2025.lock"), "4194304999\n").expect("stale lock");
    let o = w.run(&["build", "--data", "data"]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert_eq!(w.read("output/2025/index.html"), "previous edition");
    assert_eq!(entries(&w, "output"), ["2025"]);
}
