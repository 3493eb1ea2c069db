//! Configuration: TOML (or the embedded default) parsed with unknown keys rejected, then checked
//! value by value with messages that name the file and the key. Each problem's run config lives
//! beside the problem (`problems/*/config.rs`); the sections they share live here.

mod anneal;
mod search;
mod sections;

pub use anneal::AnnealConfig;
pub use search::{LatentPrior, MethodName, Optimise, RandomConfig, SearchConfig, SearchDefaults};
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

/// Parses a config text, with toml's multi-line message kept on one line, naming the file and
/// where in it the problem is (line and key).
pub fn from_toml<T: serde::de::DeserializeOwned>(text: &str, origin: &str) -> Result<T> {
    toml::from_str(text).map_err(|e| usage(toml_message(&e, text, origin)))
}

/// `origin: line N, key a.b: message` for a toml error.
pub fn toml_message(e: &toml::de::Error, text: &str, origin: &str) -> String {
    let msg = e.message().replace('\n', " ");
    match e.span() {
        Some(s) => format!("{origin}: {}: {msg}", locate(text, s.start)),
        None => format!("{origin}: {msg}"),
    }
}

/// `line N` of byte `at`, with the dotted key written on that line (under its table header)
/// when the line holds one: serde's messages name the value's type, not its key.
fn locate(text: &str, at: usize) -> String {
    let at = at.min(text.len());
    let before = &text[..at];
    let line_no = before.matches('\n').count() + 1;
    let line = text.lines().nth(line_no - 1).unwrap_or("");
    let table = before
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('[') && l.ends_with(']'))
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim().to_string());
    let key = line
        .split_once('=')
        .map(|(k, _)| k.trim())
        .filter(|k| !k.is_empty() && !k.starts_with('['));
    match (table, key) {
        (Some(t), Some(k)) => format!("line {line_no}, key {t}.{k}"),
        (None, Some(k)) => format!("line {line_no}, key {k}"),
        _ => format!("line {line_no}"),
    }
}

/// A stable 64-bit hash of a serialisable value (FNV-1a over its JSON), used to tell whether a
/// stage's inputs changed.
pub fn hash_of<T: serde::Serialize>(value: &T) -> String {
    let json = serde_json::to_string(value).expect("config serialises");
    format!("{:016x}", lso_physics::rng::tag(&json))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_errors_name_line_and_key() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Data {
            lx: usize,
        }
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Doc {
            seed: u64,
            data: Data,
        }
        let e = from_toml::<Doc>("seed = 1\n\n[data]\nlx = \"ten\"\n", "run.toml")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("run.toml: line 4, key data.lx: invalid type"), "{e}");
        let e = from_toml::<Doc>("seed = -1\n[data]\nlx = 3\n", "run.toml")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("run.toml: line 1, key seed: "), "{e}");
        let e = from_toml::<Doc>("seed = [\n", "run.toml").unwrap_err().to_string();
        assert!(e.starts_with("run.toml: line "), "{e}");
    }
}
