//! The entry points of the fuzz targets in `fuzz/` (`cargo +nightly fuzz run npy`, …), one per
//! parser that reads user files. `cargo test` replays the committed corpus through the same
//! functions (`tests/integration/fuzz_corpus.rs`), so a crash the fuzzer once found stays fixed on stable.
//!
//! Each accepts any bytes: a parser may refuse them, but must not panic, and what it accepts
//! must be self-consistent.

use lso_physics::{npy, ovf};

/// The `.npy` reader: an accepted array holds exactly the elements its shape promises.
pub fn npy(data: &[u8]) {
    if let Ok(a) = npy::decode(data) {
        assert_eq!(a.shape.iter().product::<usize>(), a.data.len(), "shape {:?}", a.shape);
    }
}

/// The OVF reader: an accepted field is a whole number of finite `nx × ny` segments that survive
/// a Binary 8 round trip bit for bit.
pub fn ovf(data: &[u8]) {
    if let Ok(f) = ovf::decode(data) {
        let plane = f.nx * f.ny;
        assert!(plane > 0 && !f.spins.is_empty() && f.spins.len() % plane == 0);
        assert!(f.spins.iter().flatten().all(|v| v.is_finite()));
        let first = &f.spins[..plane];
        let back =
            ovf::decode(&ovf::encode(first, f.nx, f.ny, "fuzz", ovf::OvfFormat::Binary8)).expect("own output reads");
        assert_eq!(back.spins, first);
    }
}

/// The run and compare config parsers (TOML, then every value checked).
pub fn config(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(p) = crate::AnyProblem::parse(text, "fuzz.toml") {
            // What was accepted serialises and reads back.
            let again = p.to_toml().expect("an accepted config serialises");
            crate::AnyProblem::parse(&again, "again.toml").expect("a serialised config reads back");
        }
        let _ = crate::compare::config::CompareConfig::parse(text, "fuzz.toml");
    }
}

/// The image loader (PNG and JPEG into grey levels).
pub fn image(data: &[u8]) {
    if let Ok(g) = crate::imageio::grey_levels(data, 8) {
        assert_eq!(g.len(), 64);
        assert!(g.iter().all(|v| (0.0..=1.0).contains(v)));
    }
}
