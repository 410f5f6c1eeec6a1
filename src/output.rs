//! Atomic outputs: an edition is written into a staging directory next to its target
//! and renamed into place only when every output succeeded; an OS file lock keeps two
//! builds of the same edition from interleaving.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

pub struct Staging {
    dir: tempfile::TempDir,
    target: PathBuf,
}

impl Staging {
    /// Creates `.<name>.tmp-XXXX` next to `target` (same filesystem, so the final rename
    /// is atomic).
    pub fn new(target: &Path) -> Result<Staging> {
        let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).with_context(|| format!("failed to create `{}`", parent.display()))?;
        let name = target.file_name().and_then(|s| s.to_str()).unwrap_or("edition");
        let dir = tempfile::Builder::new()
            .prefix(&format!(".{name}.tmp-"))
            .tempdir_in(parent)
            .with_context(|| format!("failed to create a staging directory in `{}`", parent.display()))?;
        Ok(Staging { dir, target: target.to_path_buf() })
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Replaces the target with the staged directory. The previous content is moved
    /// aside first and removed only after the new one is in place.
    pub fn commit(self) -> Result<()> {
        let staged = self.dir.keep();
        let parent = self.target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let name = self.target.file_name().and_then(|s| s.to_str()).unwrap_or("edition");
        let old = if self.target.exists() {
            let old = tempfile::Builder::new().prefix(&format!(".{name}.old-")).tempdir_in(parent)?.keep();
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
            std::fs::remove_dir_all(&old).with_context(|| format!("failed to remove `{}`", old.display()))?;
        }
        Ok(())
    }
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
