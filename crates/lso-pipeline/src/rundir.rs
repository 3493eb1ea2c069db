//! Files and directories written so that nothing is lost: every file goes to a temporary name
//! and is renamed into place; an output directory is assembled beside its final name and swapped
//! in whole; nothing existing is replaced without `--force`.

use crate::error::usage;
use crate::error::{Context, Result};
use serde::Serialize;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

fn sibling(path: &Path, tag: &str) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    path.with_file_name(format!(".{name}.{tag}-{}", std::process::id()))
}

/// Temporaries being written now: what an interrupt must remove before the process exits.
static ACTIVE: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

fn track(path: &Path) {
    if let Ok(mut a) = ACTIVE.lock() {
        a.push(path.to_path_buf());
    }
}

fn untrack(path: &Path) {
    if let Ok(mut a) = ACTIVE.lock() {
        a.retain(|p| p != path);
    }
}

/// Removes every temporary file and directory this process is writing (for an interrupt
/// handler, just before it exits); returns how many there were.
pub fn remove_active_temporaries() -> usize {
    let paths = match ACTIVE.lock() {
        Ok(mut a) => std::mem::take(&mut *a),
        Err(_) => return 0,
    };
    for p in &paths {
        let _ = fs::remove_dir_all(p).or_else(|_| fs::remove_file(p));
    }
    paths.len()
}

/// Whether process `pid` is gone (so its temporaries are litter).
fn is_dead(pid: u32) -> bool {
    if pid == std::process::id() {
        return false;
    }
    #[cfg(unix)]
    {
        // SAFETY: signal 0 only asks whether the process exists.
        let r = unsafe { libc::kill(pid as libc::pid_t, 0) };
        r != 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH)
    }
    #[cfg(not(unix))]
    {
        false
    }
}

/// Removes the temporaries a killed lso left beside `path` (`.NAME.tmp-PID`, `.NAME.old-PID` of
/// processes that no longer exist). Those of live processes are left alone.
pub fn remove_stale(path: &Path) {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return;
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let name = name.to_string_lossy();
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let file = e.file_name();
        let file = file.to_string_lossy();
        let pid = ["tmp", "old"].iter().find_map(|tag| {
            file.strip_prefix(&format!(".{name}.{tag}-"))
                .and_then(|p| p.parse::<u32>().ok())
        });
        if pid.is_some_and(is_dead) {
            let p = e.path();
            let _ = fs::remove_dir_all(&p).or_else(|_| fs::remove_file(&p));
        }
    }
}

/// Writes `bytes` to `path` atomically (temporary file in the same directory, then rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).with_context(|| format!("{}: cannot create directory", dir.display()))?;
    }
    remove_stale(path);
    let tmp = sibling(path, "tmp");
    track(&tmp);
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    untrack(&tmp);
    result.with_context(|| format!("{}: cannot write", path.display()))
}

/// Reads a JSON file; errors name it.
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let text =
        std::fs::read_to_string(path).map_err(|e| crate::error::fail!("{}: cannot read: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| crate::error::fail!("{}: corrupt: {e}", path.display()))
}

pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let mut text = serde_json::to_string_pretty(value).context("serialising JSON")?;
    text.push('\n');
    write_atomic(path, text.as_bytes())
}

/// Whether `path` holds something a run would replace: a file, or a non-empty directory.
pub fn occupied(path: &Path) -> bool {
    match fs::read_dir(path) {
        Ok(mut entries) => entries.next().is_some(),
        Err(_) => path.exists(),
    }
}

/// Refuses to go on if `path` is occupied and `force` is off.
pub fn ensure_free(path: &Path, force: bool) -> Result<()> {
    if occupied(path) && !force {
        return Err(usage(format!(
            "{}: already exists; use --force to replace it",
            path.display()
        )));
    }
    Ok(())
}

/// An output directory under construction. Files go into a hidden sibling; `commit` swaps it in
/// place of the final path. Dropped without commit, it removes itself and the old output stays.
pub struct Staging {
    target: PathBuf,
    tmp: PathBuf,
    committed: bool,
}

impl Staging {
    pub fn new(target: &Path, force: bool) -> Result<Self> {
        ensure_free(target, force)?;
        remove_stale(target);
        let tmp = sibling(target, "tmp");
        if tmp.exists() {
            fs::remove_dir_all(&tmp).with_context(|| format!("{}: cannot clear", tmp.display()))?;
        }
        track(&tmp);
        fs::create_dir_all(&tmp).with_context(|| format!("{}: cannot create directory", tmp.display()))?;
        Ok(Self {
            target: target.to_path_buf(),
            tmp,
            committed: false,
        })
    }

    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<()> {
        let p = self.tmp.join(name);
        fs::write(&p, bytes).with_context(|| format!("{}: cannot write", self.target.join(name).display()))
    }

    pub fn write_json<T: Serialize>(&self, name: &str, value: &T) -> Result<()> {
        let mut text = serde_json::to_string_pretty(value).context("serialising JSON")?;
        text.push('\n');
        self.write(name, text.as_bytes())
    }

    pub fn commit(mut self) -> Result<PathBuf> {
        let old = sibling(&self.target, "old");
        let had_old = self.target.exists();
        if had_old {
            fs::rename(&self.target, &old).with_context(|| format!("{}: cannot move aside", self.target.display()))?;
        }
        if let Err(e) = fs::rename(&self.tmp, &self.target) {
            if had_old {
                let _ = fs::rename(&old, &self.target);
            }
            return Err(e).with_context(|| format!("{}: cannot move into place", self.target.display()));
        }
        self.committed = true;
        if had_old {
            let _ = fs::remove_dir_all(&old).or_else(|_| fs::remove_file(&old));
        }
        Ok(self.target.clone())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        untrack(&self.tmp);
        if !self.committed {
            let _ = fs::remove_dir_all(&self.tmp);
        }
    }
}

/// What every output directory records about how it was made.
#[derive(Serialize)]
pub struct Provenance<'a, C: Serialize> {
    pub tool: &'static str,
    pub version: &'static str,
    pub command: String,
    pub seed: u64,
    pub threads: usize,
    pub created_unix_s: u64,
    pub config_hash: String,
    pub config: &'a C,
    pub timings_s: std::collections::BTreeMap<String, f64>,
}

impl<'a, C: Serialize> Provenance<'a, C> {
    pub fn new(seed: u64, config: &'a C) -> Self {
        Self {
            tool: "lso",
            version: env!("CARGO_PKG_VERSION"),
            command: std::env::args().collect::<Vec<_>>().join(" "),
            seed,
            threads: rayon::current_num_threads(),
            created_unix_s: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
            config_hash: crate::config::hash_of(&(seed, config)),
            config,
            timings_s: Default::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staging_replaces_only_on_commit() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out");
        let s = Staging::new(&target, false).unwrap();
        s.write("a.txt", b"first").unwrap();
        s.commit().unwrap();
        assert!(Staging::new(&target, false).is_err(), "refuses without force");
        {
            let s = Staging::new(&target, true).unwrap();
            s.write("a.txt", b"second").unwrap();
            // dropped without commit: the first output survives
        }
        assert_eq!(fs::read(target.join("a.txt")).unwrap(), b"first");
        let s = Staging::new(&target, true).unwrap();
        s.write("a.txt", b"third").unwrap();
        s.commit().unwrap();
        assert_eq!(fs::read(target.join("a.txt")).unwrap(), b"third");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "no temporary leftovers: {names:?}");
    }

    /// What a killed process left (its PID is gone) is removed by the next write to the same
    /// place; a live process's temporaries are not touched.
    #[test]
    fn temporaries_of_dead_processes_are_cleared() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("data");
        // A PID above the kernel's maximum (4194304) belongs to no process.
        let dead = dir.path().join(".data.tmp-4999999");
        fs::create_dir(&dead).unwrap();
        fs::write(dead.join("spins.npy"), b"half a file").unwrap();
        fs::write(dir.path().join(".data.old-4999998"), b"x").unwrap();
        let live = dir
            .path()
            .join(format!(".data.tmp-{}", std::os::unix::process::parent_id()));
        fs::create_dir(&live).unwrap();
        let s = Staging::new(&target, false).unwrap();
        s.write("a.txt", b"new").unwrap();
        s.commit().unwrap();
        assert!(!dead.exists() && !dir.path().join(".data.old-4999998").exists());
        assert!(live.exists(), "a live process's temporaries stay");
        let stale_file = dir.path().join(".r.json.tmp-4999999");
        fs::write(&stale_file, b"{").unwrap();
        write_json(&dir.path().join("r.json"), &1).unwrap();
        assert!(!stale_file.exists());
    }

    #[test]
    fn atomic_write_leaves_no_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x/y.json");
        write_json(&p, &[1, 2]).unwrap();
        assert_eq!(fs::read_to_string(&p).unwrap(), "[\n  1,\n  2\n]\n");
        assert_eq!(fs::read_dir(p.parent().unwrap()).unwrap().count(), 1);
    }
}
