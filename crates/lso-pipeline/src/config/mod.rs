//! Configuration: TOML (or the embedded default) parsed with unknown keys rejected, then checked
//! value by value with messages that name the file and the key. Each problem's run config lives
//! beside the problem (`problems/*/config.rs`); the sections they share live here.

mod anneal;
mod search;
mod sections;

pub use anneal::AnnealConfig;
pub use search::{MethodName, Optimise, RandomConfig, SearchConfig, SearchDefaults};
pub use sections::{SurrogateSection, VaeSection};

pub use crate::error::Checker;
use crate::error::{usage, Result};

/// The embedded default of `lso run`: the seed-000 Ising experiment.
pub const DEFAULT_TOML: &str = include_str!("../../../../configs/default.toml");

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

/// Whether a TOML text has a top-level table `key` (how `lso run` tells problems apart).
pub fn has_table(text: &str, key: &str) -> bool {
    toml::from_str::<toml::Value>(text)
        .ok()
        .and_then(|v| v.get(key).cloned())
        .is_some_and(|s| s.is_table())
}

/// Reads a config file's text; a missing file is a usage error naming it.
pub fn read_text(path: &std::path::Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| usage(format!("{}: cannot read config: {e}", path.display())))
}

/// Parses a config text, with toml's multi-line message kept on one line, naming the file.
pub fn from_toml<T: serde::de::DeserializeOwned>(text: &str, origin: &str) -> Result<T> {
    toml::from_str(text).map_err(|e| {
        let msg = e.message().replace('\n', " ");
        let at = e.span().map(|s| format!(" (at byte {})", s.start)).unwrap_or_default();
        usage(format!("{origin}: {msg}{at}"))
    })
}

/// A stable 64-bit hash of a serialisable value (FNV-1a over its JSON), used to tell whether a
/// stage's inputs changed.
pub fn hash_of<T: serde::Serialize>(value: &T) -> String {
    let json = serde_json::to_string(value).expect("config serialises");
    format!("{:016x}", lso_physics::rng::tag(&json))
}
