//! Atomic outputs: an edition is written into a staging directory next to its target
//! and renamed into place only when every output succeeded; a lock file keeps two builds
//! of the same edition from interleaving.

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

/// An exclusive lock on an edition's directory: `.<edition>.lock` next to it, created
/// with `create_new` and holding the pid of the build. Two builds of the same edition
/// into the same output directory cannot interleave; a lock left by a build that died
/// (its pid no longer runs) is taken over. Released on drop.
pub struct Lock {
    path: PathBuf,
}

impl Lock {
    /// Takes the lock of `target`, then cleans what an interrupted build left next to
    /// it: staging directories are removed and a previous edition moved aside but never
    /// replaced is put back.
    pub fn acquire(target: &Path) -> Result<Lock> {
        let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).with_context(|| format!("failed to create `{}`", parent.display()))?;
        let name = target.file_name().and_then(|s| s.to_str()).unwrap_or("edition");
        let path = parent.join(format!(".{name}.lock"));
        for _ in 0..2 {
            match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut f) => {
                    use std::io::Write;
                    writeln!(f, "{}", std::process::id())
                        .with_context(|| format!("failed to write the lock file `{}`", path.display()))?;
                    let lock = Lock { path };
                    recover(parent, name, target)?;
                    return Ok(lock);
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = std::fs::read_to_string(&path).unwrap_or_default();
                    let pid = holder.trim().parse::<u32>().ok();
                    if pid.is_some_and(|pid| !is_running(pid)) {
                        // The build that held it died (killed, crashed): take it over.
                        let _ = std::fs::remove_file(&path);
                        continue;
                    }
                    let who = pid.map(|p| format!("process {p}")).unwrap_or_else(|| "another process".into());
                    anyhow::bail!(
                        "another build of edition `{name}` is writing into `{}` ({who} holds the lock file `{}`); \
                         wait for it to finish, or, if no build is running, delete `{}` and rerun",
                        parent.display(),
                        path.display(),
                        path.display()
                    );
                }
                Err(e) => {
                    return Err(e).with_context(|| format!("failed to create the lock file `{}`", path.display()));
                }
            }
        }
        anyhow::bail!("failed to take the lock file `{}`: it keeps reappearing; rerun the build", path.display())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// True unless the process is known to be gone (`/proc/<pid>` on Linux; elsewhere a lock
/// is never assumed stale).
fn is_running(pid: u32) -> bool {
    if cfg!(target_os = "linux") { Path::new(&format!("/proc/{pid}")).exists() } else { true }
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
