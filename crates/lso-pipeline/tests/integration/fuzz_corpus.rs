//! Replays the committed fuzz corpus (`fuzz/corpus/<target>/`) through the fuzz targets' entry
//! points on the stable toolchain, so every input the fuzzer kept, crashes it found included,
//! stays handled.

use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        if std::panic::catch_unwind(|| run(&bytes)).is_err() {
            panic!("{target}: {} panics", path.display());
        }
        n += 1;
    }
    assert!(n >= 5, "{target}: only {n} corpus files in {}", dir.display());
}

#[test]
fn npy_corpus() {
    replay("npy", lso_pipeline::fuzz::npy);
}

#[test]
fn ovf_corpus() {
    replay("ovf", lso_pipeline::fuzz::ovf);
}

#[test]
fn config_corpus() {
    replay("config", lso_pipeline::fuzz::config);
}

#[test]
fn image_corpus() {
    replay("image", lso_pipeline::fuzz::image);
}
