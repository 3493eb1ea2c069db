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

/// Parses a config text over `defaults`: a key the text leaves out, at any depth, takes the value
/// it has in `defaults`, so a partial nested table (`[vae.train]` with one key) keeps its
/// section's settings rather than its type's (`VaeTrainConfig::default()`). A key that `T` has
/// no serde default for stays required. Only tables merge; a value the text gives (an array, a
/// string) replaces the default whole.
pub fn from_toml_over<T>(text: &str, origin: &str, defaults: &T) -> Result<T>
where
    T: serde::de::DeserializeOwned + serde::Serialize,
{
    from_toml_layered(text, origin, table_of(defaults, origin)?)
}

/// A value serialised as a TOML table (a config's defaults, to lay a text over).
pub fn table_of<T: serde::Serialize>(value: &T, origin: &str) -> Result<toml::Table> {
    match toml::Value::try_from(value) {
        Ok(toml::Value::Table(t)) => Ok(t),
        _ => Err(usage(format!("{origin}: the defaults do not serialise as a table"))),
    }
}

/// [`from_toml_over`] with the defaults as a table, for defaults that serialising leaves out.
pub fn from_toml_layered<T: serde::de::DeserializeOwned>(text: &str, origin: &str, mut base: toml::Table) -> Result<T> {
    // Parsing the text alone first gives serde's messages their line and key (the layered parse
    // below has no positions to report) and refuses a missing required key (`name`), which the
    // defaults would otherwise supply.
    from_toml::<T>(text, origin)?;
    let given: toml::Table = from_toml(text, origin)?;
    layer(&mut base, given);
    toml::Value::Table(base)
        .try_into()
        .map_err(|e: toml::de::Error| usage(format!("{origin}: {}", e.message().replace('\n', " "))))
}

/// Writes `given` over `base`, descending into tables both have.
fn layer(base: &mut toml::Table, given: toml::Table) {
    for (key, value) in given {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(g)) => layer(b, g),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// `origin: line N, key a.b: message` for a toml error.
pub fn toml_message(e: &toml::de::Error, text: &str, origin: &str) -> String {
    let msg = e.message().replace('\n', " ");
    match e.span() {
        // A top-level key that is missing is located at the document's start: its first line
        // and key would name the wrong thing.
        Some(s) if s.start == 0 && msg.starts_with("missing field") => format!("{origin}: {msg}"),
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

    #[derive(serde::Deserialize, serde::Serialize, Debug, PartialEq)]
    #[serde(deny_unknown_fields, default)]
    struct Inner {
        a: u32,
        b: Vec<u32>,
    }
    impl Default for Inner {
        fn default() -> Self {
            Self { a: 1, b: vec![1] }
        }
    }
    #[derive(serde::Deserialize, serde::Serialize, Debug, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Outer {
        name: String,
        #[serde(default)]
        inner: Inner,
    }
    fn outer_defaults() -> Outer {
        Outer {
            name: "unused".into(),
            inner: Inner { a: 7, b: vec![7, 7] },
        }
    }

    #[test]
    fn a_partial_table_keeps_its_sections_defaults() {
        let over = |t: &str| from_toml_over(t, "o.toml", &outer_defaults());
        // Plain serde fills `b` from `Inner::default()`; layered, from the section's default.
        let plain: Outer = from_toml("name = \"x\"\n[inner]\na = 3\n", "o.toml").unwrap();
        assert_eq!(plain.inner.b, vec![1]);
        let layered = over("name = \"x\"\n[inner]\na = 3\n").unwrap();
        assert_eq!(layered.inner, Inner { a: 3, b: vec![7, 7] });
        // An array replaces the default whole; an absent section is the default section.
        assert_eq!(
            over("name = \"x\"\n[inner]\nb = [2]\n").unwrap().inner,
            Inner { a: 7, b: vec![2] }
        );
        assert_eq!(over("name = \"x\"\n").unwrap().inner, outer_defaults().inner);
        // Required keys stay required, and errors keep their line and key.
        let e = over("[inner]\na = 3\n").unwrap_err().to_string();
        assert_eq!(e, "o.toml: missing field `name`");
        let e = over("name = \"x\"\n[inner]\na = \"three\"\n").unwrap_err().to_string();
        assert!(e.starts_with("o.toml: line 3, key inner.a: invalid type"), "{e}");
        let e = over("name = \"x\"\n[inner]\nc = 1\n").unwrap_err().to_string();
        assert!(e.starts_with("o.toml: line 3, key inner.c: unknown field `c`"), "{e}");
    }
}
