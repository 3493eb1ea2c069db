//! What the test files share: running the built binary and reading its outputs.

use std::path::Path;
use std::process::{Command, Output};

/// Runs the built `lso` with `args` in `dir`.
pub fn lso(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lso"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("lso runs")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}
