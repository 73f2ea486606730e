//! Output folders that never lie: a command writes into a fresh hidden sibling of its
//! target (`.NAME.partial-PID`) and swaps it into place only when every file is
//! written, so the target holds either the old results whole or the new ones whole.
//! A folder that citysim did not write is never replaced unless the user forces it,
//! and a failure removes what it had begun.

use std::io;
use std::path::{Path, PathBuf};

/// What kind of citysim folder a target may already be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    /// A run folder: `manifest.json` written by citysim, or a replications folder
    /// whose `rep-0/` is one.
    Run,
}

/// Why a folder cannot be staged.
#[derive(Debug, thiserror::Error)]
pub enum StageError {
    /// The target holds something citysim did not write.
    #[error(
        "error: {}: {what}; citysim replaces only folders it wrote itself: choose another --out, empty it, or pass --force to replace it",
        path.display()
    )]
    Foreign {
        /// The target folder.
        path: PathBuf,
        /// What was found there.
        what: String,
    },
    /// The file system refused.
    #[error("error: cannot write results to {}: {source}", path.display())]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// The operating system's reason.
        source: io::Error,
    },
}

impl StageError {
    fn io(path: &Path) -> impl FnOnce(io::Error) -> StageError + '_ {
        move |source| StageError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// A folder being written; see the module documentation.
#[derive(Debug)]
pub struct Staged {
    target: PathBuf,
    tmp: PathBuf,
    done: bool,
}

impl Staged {
    /// Checks that `target` is absent, empty or an `owner` folder (any folder with
    /// `force`), removes the leftovers of killed earlier writers, and creates the
    /// staging folder: an unwritable place fails here, before any work is done.
    pub fn begin(target: &Path, owner: Owner, force: bool) -> Result<Staged, StageError> {
        if !force {
            check_owner(target, owner)?;
        }
        let (parent, name) = split(target);
        std::fs::create_dir_all(&parent).map_err(StageError::io(&parent))?;
        remove_leftovers(&parent, &name);
        let tmp = parent.join(format!(".{name}.partial-{}", std::process::id()));
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp).map_err(StageError::io(&tmp))?;
        }
        std::fs::create_dir(&tmp).map_err(StageError::io(&tmp))?;
        Ok(Staged {
            target: target.to_path_buf(),
            tmp,
            done: false,
        })
    }

    /// Where to write the files.
    pub fn path(&self) -> &Path {
        &self.tmp
    }

    /// The folder the files will be in once committed.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Puts the written folder in place of the target (replacing an old one whole).
    pub fn commit(mut self) -> Result<(), StageError> {
        let result = swap_into_place(&self.tmp, &self.target);
        self.done = result.is_ok();
        result
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
    }
}

/// The parent folder (`.` for a bare name) and the file name of `target`.
fn split(target: &Path) -> (PathBuf, String) {
    let parent = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let name = target.file_name().map_or_else(
        || "output".to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    (parent, name)
}

/// Moves `tmp` to `target`: an atomic exchange where the system offers one, else the
/// old folder is moved aside first, so a failure keeps it.
fn swap_into_place(tmp: &Path, target: &Path) -> Result<(), StageError> {
    if !target.exists() {
        return std::fs::rename(tmp, target).map_err(StageError::io(target));
    }
    if exchange(tmp, target).is_ok() {
        // `tmp` now holds the old folder.
        return std::fs::remove_dir_all(tmp).map_err(StageError::io(tmp));
    }
    let (parent, name) = split(target);
    let old = parent.join(format!(".{name}.old-{}", std::process::id()));
    std::fs::rename(target, &old).map_err(StageError::io(target))?;
    if let Err(e) = std::fs::rename(tmp, target) {
        let _ = std::fs::rename(&old, target);
        return Err(StageError::io(target)(e));
    }
    std::fs::remove_dir_all(&old).map_err(StageError::io(&old))
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| {
        std::ffi::CString::new(p.as_os_str().as_bytes())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))
    };
    let (ca, cb) = (c(a)?, c(b)?);
    // SAFETY: both paths are valid NUL-terminated strings that outlive the call.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "no atomic exchange",
    ))
}

/// Refuses a target that exists and is neither empty nor an `owner` folder.
fn check_owner(target: &Path, owner: Owner) -> Result<(), StageError> {
    let foreign = |what: String| StageError::Foreign {
        path: target.to_path_buf(),
        what,
    };
    let meta = match std::fs::symlink_metadata(target) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(StageError::io(target)(e)),
    };
    if !meta.is_dir() {
        return Err(foreign("it is a file, not a folder".into()));
    }
    let first = std::fs::read_dir(target)
        .map_err(StageError::io(target))?
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .min();
    let Some(first) = first else {
        return Ok(());
    };
    match owner {
        Owner::Run if is_run_folder(target) || is_run_folder(&target.join("rep-0")) => Ok(()),
        Owner::Run => Err(foreign(format!(
            "it holds files (such as `{first}`) but no citysim manifest.json"
        ))),
    }
}

/// Whether `dir/manifest.json` is a citysim run manifest.
pub fn is_run_folder(dir: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(dir.join("manifest.json")) else {
        return false;
    };
    serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.get("citysim_version").cloned())
        .is_some()
}

/// Removes `.NAME.partial-PID` and `.NAME.old-PID` folders in `parent` left by
/// writers that no longer run (killed, or out of disk space).
fn remove_leftovers(parent: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for e in entries.filter_map(Result::ok) {
        let file = e.file_name().to_string_lossy().into_owned();
        let pid = [".partial-", ".old-"].iter().find_map(|mark| {
            file.strip_prefix('.')
                .and_then(|f| f.strip_prefix(name))
                .and_then(|f| f.strip_prefix(mark))
                .and_then(|p| p.parse::<u32>().ok())
        });
        if pid.is_some_and(|p| !process_alive(p)) {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// Removes the hidden `.NAME.tmp-PID` files of atomic writes in `dir` whose writer no
/// longer runs.
pub fn remove_stale_temporaries(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.filter_map(Result::ok) {
        let file = e.file_name().to_string_lossy().into_owned();
        let pid = file
            .strip_prefix('.')
            .and_then(|f| f.rsplit_once(".tmp-"))
            .and_then(|(_, p)| p.split('.').next())
            .and_then(|p| p.parse::<u32>().ok());
        if pid.is_some_and(|p| !process_alive(p)) && e.path().is_file() {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Whether process `pid` is running (this process always is). Where that cannot be
/// told, every process is taken to run, so nothing of another writer is removed.
fn process_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    if cfg!(target_os = "linux") {
        Path::new("/proc").join(pid.to_string()).exists()
    } else {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(p: &Path, text: &str) {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    #[test]
    fn a_committed_folder_replaces_the_old_one_whole() {
        let d = tempfile::tempdir().unwrap();
        let target = d.path().join("run");
        write(&target.join("manifest.json"), r#"{"citysim_version":"0"}"#);
        write(&target.join("stale.csv"), "old");
        let s = Staged::begin(&target, Owner::Run, false).unwrap();
        write(
            &s.path().join("manifest.json"),
            r#"{"citysim_version":"1"}"#,
        );
        assert!(target.join("stale.csv").exists(), "old kept until commit");
        s.commit().unwrap();
        assert!(!target.join("stale.csv").exists());
        let names: Vec<_> = std::fs::read_dir(d.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "no staging or old folder left beside it");
    }

    #[test]
    fn a_dropped_stage_leaves_the_target_as_it_was() {
        let d = tempfile::tempdir().unwrap();
        let target = d.path().join("run");
        write(&target.join("manifest.json"), r#"{"citysim_version":"0"}"#);
        {
            let s = Staged::begin(&target, Owner::Run, false).unwrap();
            write(&s.path().join("summary.csv"), "half");
        }
        assert!(!target.join("summary.csv").exists());
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_foreign_folder_is_refused_unless_forced() {
        let d = tempfile::tempdir().unwrap();
        let target = d.path().join("docs");
        write(&target.join("thesis.tex"), "precious");
        write(&target.join("manifest.json"), r#"{"name":"a web app"}"#);
        let e = Staged::begin(&target, Owner::Run, false).unwrap_err();
        assert!(e.to_string().contains("no citysim manifest.json"), "{e}");
        assert!(target.join("thesis.tex").exists());
        Staged::begin(&target, Owner::Run, true).unwrap();
    }

    #[test]
    fn leftovers_of_dead_writers_are_removed() {
        let d = tempfile::tempdir().unwrap();
        // No process has PID 4,000,000,000 (above Linux's maximum of 2^22).
        let dead = d.path().join(".run.partial-4000000000");
        write(&dead.join("summary.csv"), "torn");
        write(&d.path().join(".summary.csv.tmp-4000000000"), "torn");
        let _s = Staged::begin(&d.path().join("run"), Owner::Run, false).unwrap();
        remove_stale_temporaries(d.path());
        if cfg!(target_os = "linux") {
            assert!(!dead.exists());
            assert!(!d.path().join(".summary.csv.tmp-4000000000").exists());
        }
    }
}
