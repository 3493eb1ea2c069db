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

/// A stable 64-bit hash of a serialisable value (FNV-1a over its JSON), used to tell whether a
/// stage's inputs changed.
pub fn hash_of<T: serde::Serialize>(value: &T) -> String {
    let json = serde_json::to_string(value).expect("config serialises");
    format!("{:016x}", lso_physics::rng::tag(&json))
}
