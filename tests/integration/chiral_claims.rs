//! Seed 001's claims, reduced to what a test can afford and asserted so they can fail: the
//! single-code (Adam) optimum of ε is below every training sample, and it has no nodal points
//! (its highest local energy density is near the training data's, far below that of decoded
//! prior samples). Decoded prior samples are held to the same tests and must fail them, so the
//! claims say something about latent search rather than about the decoder. Draws from the
//! Gaussian of the encoded training codes (`prior = "encoded"`), decoded by the same network,
//! must have lower nodal peaks than draws from N(0, I): much of the paper's implausibility is
//! where the prior samples.

use crate::common::json;
use std::path::Path;
use std::process::Command;

#[test]
fn the_latent_optimum_of_epsilon_beats_the_data_and_is_plausible_and_prior_samples_are_not() {
    let t = tempfile::tempdir().unwrap();
    let cfg = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/chiral-claims.toml");
    let o = Command::new(env!("CARGO_BIN_EXE_lso"))
        .args(["run", cfg.to_str().unwrap(), "--out", "run"])
        .current_dir(t.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r = json(&t.path().join("run/results.json"));
    let control = |method: &str, part: &str, key: &str| -> f64 {
        r["controls"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["method"] == method && c["objective"] == "min energy")
            .unwrap_or_else(|| panic!("control {method}"))[part][key]
            .as_f64()
            .unwrap()
    };
    let adam = r["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["method"] == "adam" && o["objective"] == "min energy")
        .unwrap();
    let eps = adam["best"]["energy_per_spin"].as_f64().unwrap();
    let peak = adam["best"]["max_energy_density"].as_f64().unwrap();
    let training_min = control("training", "best", "energy_per_spin");
    let training_peak = control("training", "mean", "max_energy_density");
    let prior_best = control("prior", "best", "energy_per_spin");
    let prior_peak = control("prior", "mean", "max_energy_density");
    let spiral = r["reference"]["spiral_energy_per_spin"].as_f64().unwrap();
    eprintln!(
        "ε: optimum {eps:.4}, training min {training_min:.4}, best prior sample {prior_best:.4}, spiral {spiral:.4}; \
         highest local energy density: optimum {peak:.3}, training mean {training_peak:.3}, prior mean {prior_peak:.3}"
    );
    // The optimum is below every training sample, and no configuration goes below the spiral
    // ground state by more than rounding.
    assert!(
        eps < training_min,
        "optimum {eps} not below the training data's {training_min}"
    );
    assert!(
        eps > spiral - 1e-9,
        "optimum {eps} below the spiral ground state {spiral}"
    );
    // Plausible: its worst site is closer to the training data's worst sites than to a prior
    // sample's nodal point.
    assert!(
        (peak - training_peak).abs() < (peak - prior_peak).abs(),
        "optimum peak {peak} vs training {training_peak}, prior {prior_peak}"
    );
    // The ground-state spiral and the axis spirals, encoded and decoded: three configurations,
    // one decoder pass each, none below the ground state (a lower bound for every field).
    let encoded = r["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["method"] == "encoded-spiral" && c["objective"] == "min energy")
        .expect("the encoded-spiral control");
    assert_eq!(encoded["samples"], 3);
    assert_eq!(encoded["evaluations"]["decoder"], 3);
    let decoded_spiral = encoded["best"]["energy_per_spin"].as_f64().unwrap();
    eprintln!("encoded and decoded spiral: ε {decoded_spiral:.4}");
    assert!(decoded_spiral > spiral - 1e-9, "{decoded_spiral} below {spiral}");
    // The report's claims table puts it beside the ground state.
    let report = std::fs::read_to_string(t.path().join("run/report.html")).unwrap();
    let shown = format!("encoded and decoded ε {decoded_spiral:.4}");
    assert!(report.contains(&shown), "the report lacks “{shown}”");
    // Decoded prior samples fail both: none is below the training data, and their nodal points
    // stand well above the training data's highest local energies.
    assert!(
        prior_best > training_min,
        "a prior sample {prior_best} beats the data {training_min}"
    );
    assert!(
        prior_peak > training_peak + 0.2,
        "prior peak {prior_peak} vs training {training_peak}"
    );

    // Much of that is where N(0, I) samples, not the decoder: draws from the Gaussian of the
    // encoded training codes (the same data and network, reused) have lower nodal peaks.
    let encoded_dir = t.path().join("encoded");
    std::fs::create_dir(&encoded_dir).unwrap();
    for stage in ["data", "vae"] {
        copy_dir(&t.path().join("run").join(stage), &encoded_dir.join(stage));
    }
    let text = std::fs::read_to_string(&cfg)
        .unwrap()
        .replacen("[optimise]\n", "[optimise]\nprior = \"encoded\"\n", 1);
    let encoded_cfg = t.path().join("encoded.toml");
    std::fs::write(&encoded_cfg, text).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_lso"))
        .args(["run", encoded_cfg.to_str().unwrap(), "--out", "encoded"])
        .current_dir(t.path())
        .output()
        .unwrap();
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.status.success(), "{log}");
    assert!(log.contains("vae       reused"), "the network is the same one: {log}");
    let e = json(&encoded_dir.join("results.json"));
    let encoded_peak = e["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["method"] == "prior" && c["objective"] == "min energy")
        .unwrap()["mean"]["max_energy_density"]
        .as_f64()
        .unwrap();
    eprintln!("highest local energy density, mean over decoded draws: N(0, I) {prior_peak:.3}, codes' Gaussian {encoded_peak:.3}");
    assert!(
        encoded_peak < prior_peak - 0.1,
        "draws from the codes' Gaussian peak at {encoded_peak}, from N(0, I) at {prior_peak}"
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

/// The skyrmion claim: the max-W optimum, relaxed at zero temperature, keeps more skyrmions than
/// any training sample holds, at an energy no higher than the data's mean; decoded prior samples
/// (the same draws the explorer starts from) hold no more than the data, raw or relaxed. At this
/// reduced size one start keeps more than the data in about a third of tries, so the explorer
/// gets three starts, judged by the one that keeps the most, and four seeds run (each its own
/// data and network): the claim must hold on at least half of them. On the machine that wrote
/// this it holds on seeds 0, 1 and 3 (relaxed |W| 9, 8, 9 against the data's 7) and not on seed 2
/// (7 against 8); another CPU trains other networks. The prior draws must fail on every seed.
#[test]
fn the_max_w_optimum_keeps_more_skyrmions_than_the_data_after_relaxation_and_prior_samples_do_not() {
    let t = tempfile::tempdir().unwrap();
    let cfg = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/chiral-claims-64.toml");
    let mut held = Vec::new();
    for seed in ["0", "1", "2", "3"] {
        let out = format!("run{seed}");
        let o = Command::new(env!("CARGO_BIN_EXE_lso"))
            .args(["run", cfg.to_str().unwrap(), "--seed", seed, "--out", &out])
            .current_dir(t.path())
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let r = json(&t.path().join(&out).join("results.json"));
        let sets = json(&t.path().join(&out).join("control/sets.json"));
        let column = |set: &str, key: &str| -> Vec<f64> {
            sets[set]
                .as_array()
                .unwrap_or_else(|| panic!("set {set}"))
                .iter()
                .map(|o| o[key].as_f64().unwrap())
                .collect()
        };
        let most = |x: &[f64]| x.iter().map(|w| w.abs()).fold(0.0, f64::max);
        let training_w = most(&column("training", "w"));
        let eps = column("training", "energy_per_spin");
        let data_mean = eps.iter().sum::<f64>() / eps.len() as f64;
        let prior_w = most(&column("prior", "w"));
        // Of the explorer's starts, the one that keeps the most skyrmions through relaxation.
        let genetic = &r["outcomes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| o["method"] == "genetic" && o["objective"] == "max W")
            .max_by(|a, b| {
                let kept = |o: &serde_json::Value| o["best"]["relaxed_w"].as_f64().unwrap().abs();
                kept(a).total_cmp(&kept(b))
            })
            .unwrap()["best"];
        let (w, w_relaxed) = (genetic["w"].as_f64().unwrap(), genetic["relaxed_w"].as_f64().unwrap());
        let eps_relaxed = genetic["relaxed_energy_per_spin"].as_f64().unwrap();
        let prior = &r["controls"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["method"] == "prior" && c["objective"] == "max W")
            .unwrap()["best"];
        let prior_relaxed = prior["relaxed_w"].as_f64().unwrap();
        eprintln!(
            "seed {seed}, max W: optimum W {w:.0} → {w_relaxed:.0} relaxed at ε {eps_relaxed:.4}; data: most |W| {training_w:.0}, \
             mean ε {data_mean:.4}; decoded prior samples: most |W| {prior_w:.0}, the best relaxed {prior_relaxed:.0}"
        );
        // W is an integer up to the lattice's rounding; the relaxed optimum's must be one.
        assert!(
            (w_relaxed - w_relaxed.round()).abs() < 1e-6,
            "seed {seed}: relaxed W {w_relaxed}"
        );
        assert!(
            prior_w <= training_w + 0.5 && prior_relaxed.abs() <= training_w + 0.5,
            "seed {seed}: a decoded prior sample holds |W| {prior_w} (relaxed {prior_relaxed}), beyond the data's {training_w}"
        );
        held.push(w_relaxed.abs() > training_w + 0.5 && eps_relaxed <= data_mean);
    }
    assert!(
        held.iter().filter(|&&h| h).count() >= 2,
        "the relaxed max-W optimum beats the data on too few seeds: {held:?}"
    );
}
