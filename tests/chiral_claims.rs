//! Seed 001's headline results on the shipped example, `lso run examples/chiral.toml`: searching
//! the latent space finds lower energies than the training data hold on average, and more
//! skyrmions than any training sample.

use std::path::Path;
use std::process::Command;

fn observed(v: &serde_json::Value, key: &str) -> f64 {
    v[key].as_f64().unwrap_or_else(|| panic!("{key} in {v}"))
}

#[test]
fn latent_search_beats_the_training_data_on_the_example_config() {
    let t = tempfile::tempdir().unwrap();
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/chiral.toml");
    let o = Command::new(env!("CARGO_BIN_EXE_lso"))
        .args(["run", config.to_str().unwrap(), "--out", "r"])
        .current_dir(t.path())
        .output()
        .expect("lso runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r: serde_json::Value =
        serde_json::from_slice(&std::fs::read(t.path().join("r/results.json")).unwrap()).unwrap();
    let sets: serde_json::Value =
        serde_json::from_slice(&std::fs::read(t.path().join("r/control/sets.json")).unwrap()).unwrap();

    let data = sets["training"].as_array().unwrap();
    assert_eq!(data.len(), 400, "every training configuration is measured");
    let data_mean_e = data.iter().map(|d| observed(d, "energy_per_spin")).sum::<f64>() / data.len() as f64;
    let data_max_w = data.iter().map(|d| observed(d, "w").abs()).fold(0.0, f64::max);

    let best = |objective: &str, f: &dyn Fn(&serde_json::Value) -> f64| {
        let found: Vec<f64> = r["outcomes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["objective"] == objective)
            .map(|e| f(&e["best"]))
            .collect();
        assert_eq!(found.len(), 3, "three explorers on {objective}");
        found
    };
    let lowest_e = best("min energy", &|o| observed(o, "energy_per_spin"))
        .into_iter()
        .fold(f64::INFINITY, f64::min);
    let most_w = best("max W", &|o| observed(o, "w").abs())
        .into_iter()
        .fold(0.0, f64::max);
    assert!(
        lowest_e < data_mean_e,
        "lowest optimised ε {lowest_e} is not below the data mean {data_mean_e}"
    );
    assert!(
        most_w > data_max_w + 0.5,
        "most skyrmions found |W| = {most_w}, the data already hold {data_max_w}"
    );
}
