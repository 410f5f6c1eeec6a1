//! Atomic outputs: an edition is written into a staging directory next to its target
//! and renamed into place only when every output succeeded.

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
