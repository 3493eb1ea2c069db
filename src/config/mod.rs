//! Configuration: TOML (or the embedded default) parsed with unknown keys rejected, then checked
//! value by value with messages that name the file and the key.

pub mod chiral;
mod data;
mod pipeline;
mod run;
pub mod shapes;

pub use data::{AnnealConfig, Disorder, IsingDataConfig, Source};
pub use pipeline::{MethodName, ObjectiveKind, OptimiseConfig, SurrogateSection, VaeSection};
pub use run::{ControlConfig, RunConfig};

use crate::error::usage;

/// The embedded default of `lso run`: the seed-000 Ising experiment.
pub const DEFAULT_TOML: &str = include_str!("../../configs/default.toml");

/// Collects the problems found while checking a config, each prefixed by file and key.
pub struct Checker<'a> {
    origin: &'a str,
    problems: Vec<String>,
}

impl<'a> Checker<'a> {
    pub fn new(origin: &'a str) -> Self {
        Self {
            origin,
            problems: Vec::new(),
        }
    }
    pub fn require(&mut self, ok: bool, key: &str, msg: impl FnOnce() -> String) {
        if !ok {
            self.problems.push(format!("{}: {key} {}", self.origin, msg()));
        }
    }
    /// The first problem as a usage error (one line), if any.
    pub fn finish(self) -> anyhow::Result<()> {
        match self.problems.into_iter().next() {
            Some(p) => Err(usage(p)),
            None => Ok(()),
        }
    }
}

/// Checks what every run config shares: `version = 1` and a name usable as a directory.
pub fn check_header(c: &mut Checker, version: u32, name: &str) {
    c.require(version == 1, "version", || format!("must be 1, got {version}"));
    let ok = !name.is_empty()
        && !name.starts_with('.')
        && name.chars().all(|ch| ch.is_ascii_alphanumeric() || "-_.".contains(ch));
    c.require(ok, "name", || {
        format!("must be letters, digits, '-', '_' or '.', got {name:?}")
    });
}

/// Whether a TOML text has a top-level table `key` (how `lso run` tells run kinds apart).
pub fn has_table(text: &str, key: &str) -> bool {
    toml::from_str::<toml::Value>(text)
        .ok()
        .and_then(|v| v.get(key).cloned())
        .is_some_and(|s| s.is_table())
}

/// Reads a config file's text; a missing file is a usage error naming it.
pub fn read_text(path: &std::path::Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).map_err(|e| usage(format!("{}: cannot read config: {e}", path.display())))
}

/// A stable 64-bit hash of a serialisable value (FNV-1a over its JSON), used to tell whether a
/// stage's inputs changed.
pub fn hash_of<T: serde::Serialize>(value: &T) -> String {
    let json = serde_json::to_string(value).expect("config serialises");
    format!("{:016x}", lso_physics::rng::tag(&json))
}
