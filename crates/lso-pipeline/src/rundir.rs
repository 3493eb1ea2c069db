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

/// Writes `bytes` to `path` atomically (temporary file in the same directory, then rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).with_context(|| format!("{}: cannot create directory", dir.display()))?;
    }
    let tmp = sibling(path, "tmp");
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
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
        let tmp = sibling(target, "tmp");
        if tmp.exists() {
            fs::remove_dir_all(&tmp).with_context(|| format!("{}: cannot clear", tmp.display()))?;
        }
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

    #[test]
    fn atomic_write_leaves_no_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x/y.json");
        write_json(&p, &[1, 2]).unwrap();
        assert_eq!(fs::read_to_string(&p).unwrap(), "[\n  1,\n  2\n]\n");
        assert_eq!(fs::read_dir(p.parent().unwrap()).unwrap().count(), 1);
    }
}
