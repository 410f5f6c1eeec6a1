//! Atomic outputs: an edition is written into a staging directory next to its target
//! and renamed into place only when every output succeeded; an OS file lock keeps two
//! builds of the same edition from interleaving.
//!
//! A build keeps the edition it replaces as `.<name>.spare`, and the next build writes
//! over the spare's files instead of creating new ones (BENCHMARKS.md: on a filesystem
//! without a journal, creating the 2,055 files of an edition seconds after deleting as
//! many cost about a second of kernel time). What the spare held and the new edition
//! does not is removed before the new edition is put in place, so the result is the same
//! as a build into an empty directory.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result};

pub struct Staging {
    dir: tempfile::TempDir,
    target: PathBuf,
    /// When the staging directory is a reused spare: the files written into it, so that
    /// the others can be removed before the commit.
    written: Option<Mutex<HashSet<PathBuf>>>,
}

impl Staging {
    /// Creates `.<name>.tmp-XXXX`, empty, next to `target` (same filesystem, so the final
    /// rename is atomic). Its commit removes the previous edition.
    pub fn new(target: &Path) -> Result<Staging> {
        let (parent, name) = parent_and_name(target)?;
        let dir = tempfile::Builder::new()
            .prefix(&format!(".{name}.tmp-"))
            .tempdir_in(&parent)
            .with_context(|| format!("failed to create a staging directory in `{}`", parent.display()))?;
        Ok(Staging { dir, target: target.to_path_buf(), written: None })
    }

    /// Like [`Staging::new`], but the staging directory is the spare edition kept by the
    /// previous commit when there is one, whose files are written over; its commit keeps
    /// the edition it replaces as the next spare. Files go in with [`Staging::write`].
    pub fn reusing(target: &Path) -> Result<Staging> {
        let staging = Staging { written: Some(Mutex::new(HashSet::new())), ..Staging::new(target)? };
        let (parent, name) = parent_and_name(target)?;
        let spare = parent.join(format!(".{name}.spare"));
        if spare.is_dir() {
            std::fs::remove_dir(staging.path())
                .and_then(|_| std::fs::rename(&spare, staging.path()))
                .with_context(|| format!("failed to reuse `{}`", spare.display()))?;
        }
        Ok(staging)
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file of the edition (`rel`, relative to it), creating its parent. Over a
    /// spare, the file is replaced in place: a file linked elsewhere too (a hard link of a
    /// backup) is unlinked first and never written through, and a directory or file in
    /// the way is removed.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<()> {
        let path = self.path().join(rel);
        let Some(written) = &self.written else { return write_new(&path, bytes) };
        written.lock().map_err(|_| anyhow::anyhow!("a writer panicked"))?.insert(PathBuf::from(rel));
        match std::fs::symlink_metadata(&path) {
            Ok(m) if m.is_dir() => {
                std::fs::remove_dir_all(&path).with_context(|| format!("failed to remove `{}`", path.display()))?
            }
            Ok(m) if !m.is_file() || linked_elsewhere(&m) => {
                std::fs::remove_file(&path).with_context(|| format!("failed to remove `{}`", path.display()))?
            }
            _ => {}
        }
        if write_new(&path, bytes).is_ok() {
            return Ok(());
        }
        // A file of the spare where this one needs a directory: removed, then written.
        let mut at = path.parent();
        while let Some(dir) = at.filter(|d| d.starts_with(self.path()) && *d != self.path()) {
            if std::fs::symlink_metadata(dir).is_ok_and(|m| !m.is_dir()) {
                std::fs::remove_file(dir).with_context(|| format!("failed to remove `{}`", dir.display()))?;
            }
            at = dir.parent();
        }
        write_new(&path, bytes)
    }

    /// Replaces the target with the staged directory. The previous content is moved
    /// aside first and, once the new one is in place, removed, or kept as the next
    /// build's spare when this staging directory came from [`Staging::reusing`].
    pub fn commit(self) -> Result<()> {
        if let Some(written) = &self.written {
            let written = written.lock().map_err(|_| anyhow::anyhow!("a writer panicked"))?;
            prune(self.path(), Path::new(""), &written)?;
        }
        let keep_spare = self.written.is_some();
        let staged = self.dir.keep();
        let (parent, name) = parent_and_name(&self.target)?;
        let old = if self.target.exists() {
            let old = tempfile::Builder::new().prefix(&format!(".{name}.old-")).tempdir_in(&parent)?.keep();
            std::fs::remove_dir(&old)?;
            std::fs::rename(&self.target, &old)
                .with_context(|| format!("failed to move aside `{}`", self.target.display()))?;
            Some(old)
        } else {
            None
        };
        if let Err(e) = std::fs::rename(&staged, &self.target) {
            if let Some(old) = &old {
                let _ = std::fs::rename(old, &self.target);
            }
            let _ = std::fs::remove_dir_all(&staged);
            return Err(e).with_context(|| format!("failed to move the new edition into `{}`", self.target.display()));
        }
        if let Some(old) = old {
            let spare = parent.join(format!(".{name}.spare"));
            if keep_spare && !spare.exists() && std::fs::rename(&old, &spare).is_ok() {
                return Ok(());
            }
            std::fs::remove_dir_all(&old).with_context(|| format!("failed to remove `{}`", old.display()))?;
        }
        Ok(())
    }
}

/// The directory holding `target` (created) and the name of `target` in it.
fn parent_and_name(target: &Path) -> Result<(PathBuf, String)> {
    let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).with_context(|| format!("failed to create `{}`", parent.display()))?;
    let name = target.file_name().and_then(|s| s.to_str()).unwrap_or("edition");
    Ok((parent.to_path_buf(), name.to_string()))
}

fn write_new(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).with_context(|| format!("failed to create `{}`", parent.display()))?;
    }
    std::fs::write(path, bytes).with_context(|| format!("failed to write `{}`", path.display()))
}

#[cfg(unix)]
fn linked_elsewhere(m: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    m.nlink() > 1
}

#[cfg(not(unix))]
fn linked_elsewhere(_m: &std::fs::Metadata) -> bool {
    false
}

/// Removes from `root/rel` every file not in `keep` (paths relative to `root`), and the
/// directories left empty.
fn prune(root: &Path, rel: &Path, keep: &HashSet<PathBuf>) -> Result<()> {
    let dir = root.join(rel);
    let entries = std::fs::read_dir(&dir).with_context(|| format!("failed to read `{}`", dir.display()))?;
    for e in entries {
        let e = e.with_context(|| format!("failed to read `{}`", dir.display()))?;
        let rel = rel.join(e.file_name());
        let path = e.path();
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            prune(root, &rel, keep)?;
            if std::fs::read_dir(&path).is_ok_and(|mut d| d.next().is_none()) {
                std::fs::remove_dir(&path).with_context(|| format!("failed to remove `{}`", path.display()))?;
            }
        } else if !keep.contains(&rel) {
            std::fs::remove_file(&path).with_context(|| format!("failed to remove `{}`", path.display()))?;
        }
    }
    Ok(())
}

/// An exclusive lock on an edition's directory: an OS file lock (`flock`, through std's
/// `File::try_lock`) on `.<edition>.lock` next to it. Two builds of the same edition into
/// the same output directory cannot interleave. The operating system releases the lock
/// when its holder exits, however it exits, so a lock file left by a killed build is
/// simply locked again: no pid is trusted and no lock is "taken over", so two builds
/// racing on a stale file cannot both proceed. The holder removes the file before
/// releasing it; a build that locked a file just removed (another path now) retries.
#[derive(Debug)]
pub struct Lock {
    path: PathBuf,
    file: Option<std::fs::File>,
}

impl Lock {
    /// Takes the lock of `target`, then cleans what an interrupted build left next to
    /// it: staging directories are removed and a previous edition moved aside but never
    /// replaced is put back.
    pub fn acquire(target: &Path) -> Result<Lock> {
        use std::io::{Read, Seek, Write};
        let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).with_context(|| format!("failed to create `{}`", parent.display()))?;
        let name = target.file_name().and_then(|s| s.to_str()).unwrap_or("edition");
        let path = parent.join(format!(".{name}.lock"));
        for _ in 0..100 {
            let mut file = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .with_context(|| format!("failed to open the lock file `{}`", path.display()))?;
            match file.try_lock() {
                Ok(()) => {}
                Err(std::fs::TryLockError::WouldBlock) => {
                    let mut holder = String::new();
                    let _ = file.read_to_string(&mut holder);
                    let who = holder
                        .trim()
                        .parse::<u32>()
                        .map(|p| format!("process {p}"))
                        .unwrap_or("another process".into());
                    anyhow::bail!(
                        "another build of edition `{name}` is writing into `{}` ({who} holds the lock on `{}`); \
                         wait for it to finish",
                        parent.display(),
                        path.display()
                    );
                }
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(e).with_context(|| format!("failed to lock `{}`", path.display()));
                }
            }
            if !same_file(&file, &path) {
                // The holder removed this file as we opened it: lock the new one.
                continue;
            }
            // Under the lock: record the holder (for the message above).
            file.set_len(0)
                .and_then(|_| file.rewind())
                .and_then(|_| writeln!(file, "{}", std::process::id()))
                .with_context(|| format!("failed to write the lock file `{}`", path.display()))?;
            let lock = Lock { path, file: Some(file) };
            recover(parent, name, target)?;
            return Ok(lock);
        }
        anyhow::bail!("failed to lock `{}`: it keeps being replaced; rerun the build", path.display())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// True when `path` still names the open `file` (same device and inode).
#[cfg(unix)]
fn same_file(file: &std::fs::File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_file: &std::fs::File, path: &Path) -> bool {
    path.exists()
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Removed while still locked, then released by closing it.
        let _ = std::fs::remove_file(&self.path);
        drop(self.file.take());
    }
}

/// Under the lock: removes `.<name>.tmp-*` staging directories of interrupted builds, and
/// puts back `.<name>.old-*` if the build died between moving the previous edition aside
/// and renaming the new one into place.
fn recover(parent: &Path, name: &str, target: &Path) -> Result<()> {
    let entries = std::fs::read_dir(parent).with_context(|| format!("failed to read `{}`", parent.display()))?;
    let mut old = Vec::new();
    for e in entries {
        let e = e.with_context(|| format!("failed to read `{}`", parent.display()))?;
        let file = e.file_name();
        let Some(file) = file.to_str() else { continue };
        if file.starts_with(&format!(".{name}.tmp-")) {
            std::fs::remove_dir_all(e.path())
                .with_context(|| format!("failed to remove the leftover `{}`", e.path().display()))?;
        } else if file.starts_with(&format!(".{name}.old-")) {
            old.push(e.path());
        }
    }
    for o in old {
        if !target.exists() {
            std::fs::rename(&o, target).with_context(|| format!("failed to restore `{}`", target.display()))?;
        } else {
            std::fs::remove_dir_all(&o).with_context(|| format!("failed to remove the leftover `{}`", o.display()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file under `dir`, relative, with its content.
    fn tree(dir: &Path) -> Vec<(String, String)> {
        fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
            for e in std::fs::read_dir(dir).expect("read_dir") {
                let p = e.expect("entry").path();
                if p.is_dir() {
                    walk(root, &p, out);
                } else {
                    let rel = p.strip_prefix(root).expect("under root").to_string_lossy().replace('\\', "/");
                    out.push((rel, std::fs::read_to_string(&p).expect("read")));
                }
            }
        }
        let mut out = Vec::new();
        walk(dir, dir, &mut out);
        out.sort();
        out
    }

    fn put(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> =
            std::fs::read_dir(dir).expect("ls").map(|e| e.expect("e").file_name().to_string_lossy().into()).collect();
        v.sort();
        v
    }

    #[test]
    fn a_build_over_the_spare_gives_exactly_its_own_files_and_keeps_the_edition_it_replaces() {
        let out = tempfile::tempdir().expect("tempdir");
        let target = out.path().join("2025");
        put(&target.join("index.html"), "edition 2");
        put(&target.join("charts/a.png"), "edition 2 chart");
        // The spare: the edition before, with what the new one no longer has, a directory
        // where a file now goes, a file where a directory now goes, and a file hard-linked
        // from a backup outside.
        let spare = out.path().join(".2025.spare");
        put(&spare.join("index.html/stale"), "a directory in the way");
        put(&spare.join("charts"), "a file in the way");
        put(&spare.join("gone.txt"), "only in edition 1");
        put(&spare.join("old/deep/x.csv"), "only in edition 1");
        put(&spare.join("keep.txt"), "edition 1");
        put(&spare.join("linked.txt"), "edition 1, also in the backup");
        let backup = out.path().join("backup-linked.txt");
        std::fs::hard_link(spare.join("linked.txt"), &backup).expect("hard link");

        let staging = Staging::reusing(&target).expect("staging");
        assert!(!spare.exists(), "the spare became the staging directory");
        for (rel, text) in [
            ("index.html", "edition 3"),
            ("charts/a.png", "edition 3 chart"),
            ("keep.txt", "edition 3"),
            ("linked.txt", "edition 3"),
        ] {
            staging.write(rel, text.as_bytes()).expect("write");
        }
        staging.commit().expect("commit");

        let want = |v: &[(&str, &str)]| v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect::<Vec<_>>();
        assert_eq!(
            tree(&target),
            want(&[
                ("charts/a.png", "edition 3 chart"),
                ("index.html", "edition 3"),
                ("keep.txt", "edition 3"),
                ("linked.txt", "edition 3")
            ])
        );
        assert_eq!(std::fs::read_to_string(&backup).expect("backup"), "edition 1, also in the backup");
        assert_eq!(tree(&spare), want(&[("charts/a.png", "edition 2 chart"), ("index.html", "edition 2")]));
        assert_eq!(entries(out.path()), [".2025.spare", "2025", "backup-linked.txt"]);
    }

    #[test]
    fn a_first_build_writes_into_an_empty_directory_and_a_plain_staging_keeps_no_spare() {
        let out = tempfile::tempdir().expect("tempdir");
        let target = out.path().join("2025");
        let staging = Staging::reusing(&target).expect("staging");
        staging.write("a/b.txt", b"first").expect("write");
        staging.commit().expect("commit");
        assert_eq!(tree(&target), [("a/b.txt".to_string(), "first".to_string())]);
        assert_eq!(entries(out.path()), ["2025"], "nothing was replaced, so no spare");

        let staging = Staging::new(&target).expect("staging");
        staging.write("c.txt", b"second").expect("write");
        staging.commit().expect("commit");
        assert_eq!(tree(&target), [("c.txt".to_string(), "second".to_string())]);
        assert_eq!(entries(out.path()), ["2025"], "the replaced edition is removed");
    }
}
