//! The built `lso` binary, run in temporary directories: outputs, exit codes and messages.

use crate::common::{json, lso, stderr};
use std::path::Path;
use std::process::Command;

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .display()
        .to_string()
}

/// Numpy-format bytes for a small float64 array (numpy itself is not needed for the test).
fn npy_f64(shape: &[usize], data: &[f64]) -> Vec<u8> {
    lso_physics::npy::encode(shape, data)
}

#[test]
fn generate_biased_writes_numpy_arrays_and_refuses_to_overwrite() {
    let t = tempfile::tempdir().unwrap();
    let o = lso(
        t.path(),
        &[
            "generate",
            "ising",
            "--size",
            "12",
            "--samples",
            "30",
            "--seed",
            "4",
            "--out",
            "d",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let spins = lso_physics::npy::decode(&std::fs::read(t.path().join("d/spins.npy")).unwrap()).unwrap();
    assert_eq!(spins.shape, vec![30, 12, 12]);
    assert_eq!(spins.data.dtype(), "|i1");
    let energy = lso_physics::npy::decode(&std::fs::read(t.path().join("d/energy.npy")).unwrap()).unwrap();
    assert_eq!((energy.shape.clone(), energy.data.dtype()), (vec![30], "<f8"));
    let meta = json(&t.path().join("d/meta.json"));
    assert_eq!(meta["provenance"]["seed"], 4);
    assert_eq!(meta["model"]["ground_state_energy"], -288.0);

    let before = std::fs::read(t.path().join("d/spins.npy")).unwrap();
    let o = lso(
        t.path(),
        &[
            "generate",
            "ising",
            "--size",
            "12",
            "--samples",
            "30",
            "--seed",
            "5",
            "--out",
            "d",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("already exists; use --force"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read(t.path().join("d/spins.npy")).unwrap(),
        before,
        "refused run changed nothing"
    );
    let o = lso(
        t.path(),
        &[
            "generate",
            "ising",
            "--size",
            "12",
            "--samples",
            "30",
            "--seed",
            "5",
            "--out",
            "d",
            "--force",
        ],
    );
    assert!(o.status.success());
    assert_ne!(std::fs::read(t.path().join("d/spins.npy")).unwrap(), before);
    let leftovers: Vec<_> = std::fs::read_dir(t.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "no temporary directories left: {leftovers:?}");
}

#[test]
fn monte_carlo_data_is_the_same_on_one_and_two_threads() {
    let t = tempfile::tempdir().unwrap();
    let args = |out: &'static str| {
        vec![
            "generate",
            "ising",
            "--source",
            "mc",
            "--sampler",
            "heat-bath",
            "--temperature",
            "2.0,2.5",
            "--size",
            "10",
        ]
        .into_iter()
        .chain([
            "--samples",
            "20",
            "--burn-in",
            "30",
            "--thin",
            "3",
            "--seed",
            "9",
            "--out",
            out,
        ])
        .collect::<Vec<_>>()
    };
    let run = |threads: &str, out: &'static str| {
        let o = Command::new(env!("CARGO_BIN_EXE_lso"))
            .args(args(out))
            .env("RAYON_NUM_THREADS", threads)
            .current_dir(t.path())
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        std::fs::read(t.path().join(out).join("spins.npy")).unwrap()
    };
    assert_eq!(run("1", "a"), run("2", "b"));
    let temps = lso_physics::npy::decode(&std::fs::read(t.path().join("a/temperature.npy")).unwrap()).unwrap();
    assert_eq!(
        temps.data,
        lso_physics::npy::NpyData::F64([vec![2.0; 10], vec![2.5; 10]].concat())
    );
}

#[test]
fn bad_spin_files_fail_with_one_line_and_write_nothing() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    std::fs::write(d.join("flat.npy"), npy_f64(&[4], &[1.0, -1.0, 1.0, 1.0])).unwrap();
    std::fs::write(d.join("half.npy"), npy_f64(&[2, 2], &[1.0, 0.5, 1.0, 1.0])).unwrap();
    std::fs::write(d.join("nan.npy"), npy_f64(&[2, 2], &[1.0, f64::NAN, 1.0, 1.0])).unwrap();
    let good = npy_f64(&[1, 4, 4], &[1.0; 16]);
    std::fs::write(d.join("cut.npy"), &good[..good.len() - 8]).unwrap();
    std::fs::write(d.join("text.npy"), b"just some text").unwrap();
    std::fs::write(d.join("one.npy"), npy_f64(&[2, 1, 1], &[1.0, -1.0])).unwrap();
    for (file, expect) in [
        ("one.npy", "grids are 1×1; lso needs lattices of at least 2×2"),
        ("flat.npy", "wrong shape [4]"),
        ("half.npy", "value 0.5 at flat index 1 is not a spin"),
        ("nan.npy", "is not a spin"),
        ("cut.npy", "truncated .npy"),
        ("text.npy", "not an .npy file"),
        ("missing.npy", "cannot read"),
    ] {
        for cmd in [vec!["info", file], vec!["render", file, "--out", "r.png"]] {
            let o = lso(d, &cmd);
            let err = stderr(&o);
            assert_eq!(o.status.code(), Some(1), "{cmd:?}: {err}");
            assert_eq!(err.lines().count(), 1, "{cmd:?}: one line, got {err}");
            assert!(
                err.starts_with(&format!("error: {file}: ")) && err.contains(expect),
                "{cmd:?}: {err}"
            );
            assert!(!d.join("r.png").exists());
        }
    }
}

#[test]
fn usage_errors_exit_2() {
    let t = tempfile::tempdir().unwrap();
    for (args, expect) in [
        (
            vec!["generate", "ising", "--p", "1.5", "--out", "x"],
            "p must be in [0, 1], got 1.5",
        ),
        (vec!["generate", "ising", "--size", "-3", "--out", "x"], "-3"),
        (
            vec!["generate", "ising", "--size", "1", "--out", "x"],
            "must be at least 2",
        ),
        (vec!["generate", "ising", "--frobnicate", "--out", "x"], "--frobnicate"),
        // Sizes whose memory would abort the process are refused with the estimate.
        (
            vec!["generate", "ising", "--samples", "1000000000000", "--out", "x"],
            "samples is too large: 1000000000000 samples of 20×20 needs about",
        ),
        (
            vec!["generate", "shapes", "--points", "1000000000", "--out", "x"],
            "LSO_MAX_MEMORY_GB",
        ),
        (
            vec!["generate", "chiral", "--samples", "100000000", "--out", "x"],
            "needs about",
        ),
        (
            vec![
                "generate",
                "ising",
                "--source",
                "mc",
                "--temperature",
                "0",
                "--out",
                "x",
            ],
            "must be > 0",
        ),
    ] {
        let o = lso(t.path(), &args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(expect), "{args:?}: {}", stderr(&o));
        assert!(
            !stderr(&o).contains("tip: to pass"),
            "no advice to turn a value into a positional: {}",
            stderr(&o)
        );
        assert!(!t.path().join("x").exists());
    }
    // A negative value is a value: an antiferromagnet.
    let o = lso(
        t.path(),
        &[
            "generate",
            "ising",
            "--j",
            "-1",
            "--size",
            "8",
            "--samples",
            "4",
            "--out",
            "afm",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let meta = json(&t.path().join("afm/meta.json"));
    assert_eq!(meta["model"]["j"], -1.0);
}

#[test]
fn render_and_info_on_generated_data() {
    let t = tempfile::tempdir().unwrap();
    assert!(lso(
        t.path(),
        &["generate", "ising", "--size", "16", "--samples", "8", "--out", "d"]
    )
    .status
    .success());
    let o = lso(t.path(), &["info", "d/spins.npy", "--bins", "1000000000"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("--bins must be between 1 and 1000000"),
        "{}",
        stderr(&o)
    );
    let o = lso(t.path(), &["info", "d/spins.npy"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success() && out.contains("8 of 16×16") && out.contains("histogram"),
        "{out}"
    );
    let o = lso(
        t.path(),
        &[
            "render",
            "d/spins.npy",
            "--index",
            "0,3,7",
            "--energy",
            "--cols",
            "3",
            "--out",
            "g.png",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let img = image::open(t.path().join("g.png")).unwrap().to_rgb8();
    // Three panels of 160 px (scale 10) side by side, with black and white spins drawn.
    assert!(img.width() > 3 * 160 && img.height() > 160);
    assert!(img.pixels().any(|p| p.0 == [0, 0, 0]) && img.pixels().any(|p| p.0 == [255, 255, 255]));
    // Absurd image sizes and non-PNG names are refused, not panicked on or mislabelled.
    for (args, expect) in [
        (
            vec![
                "render",
                "d/spins.npy",
                "--index",
                "0",
                "--scale",
                "5000",
                "--out",
                "p.png",
            ],
            "beyond the 16384-pixel limit",
        ),
        (
            vec![
                "render",
                "d/spins.npy",
                "--plain",
                "--index",
                "0",
                "--scale",
                "4000000000",
                "--out",
                "p.png",
            ],
            "beyond the 16384-pixel limit",
        ),
        (
            vec!["render", "d/spins.npy", "--out", "r.jpg"],
            "r.jpg: lso render writes PNG",
        ),
    ] {
        let o = lso(t.path(), &args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(expect), "{args:?}: {}", stderr(&o));
        assert!(!t.path().join("p.png").exists() && !t.path().join("r.jpg").exists());
    }
    let o = lso(t.path(), &["render", "d/spins.npy", "--index", "8", "--out", "h.png"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--index 8 is out of range"));
}

#[test]
fn run_reuses_unchanged_stages_and_is_reproducible() {
    let t = tempfile::tempdir().unwrap();
    let cfg = fixture("small.toml");
    let o = lso(t.path(), &["run", &cfg, "--out", "r1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("run directory: r1"), "{stdout}");
    for f in [
        "manifest.json",
        "data/spins.npy",
        "data/meta.json",
        "control/results.json",
    ] {
        assert!(t.path().join("r1").join(f).exists(), "{f}");
    }
    let o = lso(t.path(), &["run", &cfg, "--out", "r1"]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    for stage in ["data", "vae", "surrogate", "optimise", "control"] {
        assert!(stdout.contains(&format!("  {stage:<9} reused")), "{stage}: {stdout}");
    }
    // A changed config does not silently replace results.
    let o = lso(t.path(), &["run", &cfg, "--out", "r1", "--seed", "4"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("made from a different config"));
    // Same seed, another directory: identical results, all but the timings.
    assert!(lso(t.path(), &["run", &cfg, "--out", "r2"]).status.success());
    for f in [
        "data/spins.npy",
        "vae/latents.npy",
        "vae/vae.safetensors",
        "surrogate/surrogate.safetensors",
    ] {
        let same =
            std::fs::read(t.path().join("r1").join(f)).unwrap() == std::fs::read(t.path().join("r2").join(f)).unwrap();
        assert!(same, "{f} differs between two runs with the same seed");
    }
    for f in [
        "optimise/results.json",
        "control/results.json",
        "optimise/traces.json",
        "results.json",
    ] {
        let read = |run: &str| without_timings(json(&t.path().join(run).join(f)));
        assert_eq!(read("r1"), read("r2"), "{f}");
    }
    // A stage made by another lso version is not silently reused.
    let stamp = t.path().join("r2/vae/stage.json");
    let text = std::fs::read_to_string(&stamp).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let old = text.replace(v["version"].as_str().unwrap(), "0.0.1");
    std::fs::write(&stamp, old).unwrap();
    let o = lso(t.path(), &["run", &cfg, "--out", "r2"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("made by lso 0.0.1"), "{}", stderr(&o));
    assert!(lso(t.path(), &["run", &cfg, "--out", "r2", "--force"]).status.success());
}

/// A JSON value with every `seconds` entry removed.
fn without_timings(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(m) => serde_json::Value::Object(
            m.into_iter()
                .filter(|(k, _)| k != "seconds")
                .map(|(k, v)| (k, without_timings(v)))
                .collect(),
        ),
        serde_json::Value::Array(a) => serde_json::Value::Array(a.into_iter().map(without_timings).collect()),
        other => other,
    }
}

#[test]
fn bad_configs_name_file_and_key() {
    let t = tempfile::tempdir().unwrap();
    for (name, expect) in [
        ("unknown_key.toml", "unknown field `learning_rate`"),
        ("bad_probability.toml", "data.p must be in [0, 1], got -0.2"),
        ("bad_wolff.toml", "data.sampler wolff needs a uniform ferromagnet"),
    ] {
        let o = lso(t.path(), &["run", &fixture(name), "--out", "r"]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(name) && err.contains(expect), "{name}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(!t.path().join("r").exists());
    }
}

#[test]
fn inverse_recovers_the_temperature_of_the_example_image() {
    // examples/ising-T2.6.png is one 128×128 equilibrium configuration at T = 2.6 (J = 1), made
    // by `lso generate` + `lso render --plain`; cut into 16 open 32×32 tiles it gives βJ = 1/2.6.
    let t = tempfile::tempdir().unwrap();
    let img = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/ising-T2.6.png");
    let img = img.to_str().unwrap();
    let o = lso(
        t.path(),
        &[
            "inverse",
            img,
            "--size",
            "32",
            "--tiles",
            "4",
            "--boundary",
            "open",
            "--draw",
            "5",
            "--out",
            "fit",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let c = json(&t.path().join("fit/couplings.json"));
    let j = c["J"].as_f64().unwrap();
    assert!((j - 1.0 / 2.6).abs() < 0.05 / 2.6, "J = {j}, expected 1/2.6");
    assert!(c["h"].as_f64().unwrap().abs() < 0.02);
    let samples = lso_physics::npy::decode(&std::fs::read(t.path().join("fit/samples.npy")).unwrap()).unwrap();
    assert_eq!(samples.shape, vec![5, 32, 32]);
    for f in [
        "history.json",
        "inverse_trace.png",
        "inverse_moments.png",
        "report.html",
    ] {
        assert!(t.path().join("fit").join(f).exists(), "{f}");
    }
}

#[test]
fn inverse_bad_inputs() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    std::fs::write(d.join("broken.png"), b"\x89PNG but not really").unwrap();
    std::fs::write(d.join("const.npy"), lso_physics::npy::encode(&[3, 4, 4], &[1i8; 48])).unwrap();
    std::fs::write(d.join("empty.npy"), lso_physics::npy::encode::<i8>(&[0, 4, 4], &[])).unwrap();
    let o = lso(d, &["inverse", "const.npy", "--draw", "1000000000000", "--out", "f"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("--draw 1000000000000 (samples of 16 spins) needs about"),
        "{}",
        stderr(&o)
    );
    assert!(!d.join("f").exists());
    std::fs::write(d.join("anim.gif"), b"GIF89a\x01\x00\x01\x00").unwrap();
    for (args, expect) in [
        (
            vec!["inverse", "broken.png", "--out", "f"],
            "broken.png: cannot decode image",
        ),
        (vec!["inverse", "const.npy", "--out", "f"], "degenerate moments"),
        (
            vec![
                "inverse",
                "const.npy",
                "--params",
                "full",
                "--method",
                "meanfield",
                "--out",
                "f",
            ],
            "degenerate moments",
        ),
        (vec!["inverse", "empty.npy", "--out", "f"], "empty.npy: wrong shape"),
        (
            vec!["inverse", "anim.gif", "--out", "f"],
            "anim.gif: unsupported format",
        ),
    ] {
        let o = lso(d, &args);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(expect), "{args:?}: {}", stderr(&o));
        assert!(!d.join("f").exists());
    }
    // A step size that blows up stops with a message and keeps the last good parameters.
    let data = d.join("d");
    let o = lso(
        d,
        &[
            "generate",
            "ising",
            "--size",
            "6",
            "--samples",
            "50",
            "--out",
            data.to_str().unwrap(),
        ],
    );
    assert!(o.status.success());
    let o = lso(
        d,
        &[
            "inverse",
            "d/spins.npy",
            "--method",
            "boltzmann",
            "--learning-rate",
            "1e7",
            "--decay",
            "0",
            "--out",
            "f",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("diverged at step"), "{}", stderr(&o));
    let c = json(&d.join("f/couplings.json"));
    assert!(c["status"].as_str().unwrap().starts_with("diverged") && c["J"].as_f64().unwrap().is_finite());
}

#[test]
fn stages_run_alone_and_refuse_mismatched_inputs() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    let cfg = fixture("small.toml");
    let ok = |args: &[&str]| {
        let o = lso(d, args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    };
    // `lso optimise` on `data` (a dataset directory) into `out`, with any extra flags.
    let optimise = |data: &str, out: &str, extra: &[&str]| {
        let base = [
            "optimise",
            "--data",
            data,
            "--vae",
            "vae",
            "--surrogate",
            "sur",
            "--config",
            &cfg,
            "--out",
            out,
        ];
        lso(d, &[&base[..], extra].concat())
    };
    ok(&["generate", "ising", "--size", "8", "--samples", "60", "--out", "data"]);
    ok(&["train", "vae", "--data", "data", "--config", &cfg, "--out", "vae"]);
    ok(&[
        "train", "vae", "--data", "data", "--config", &cfg, "--resume", "vae", "--epochs", "2", "--out", "vae2",
    ]);
    ok(&[
        "train",
        "surrogate",
        "--data",
        "data",
        "--vae",
        "vae",
        "--config",
        &cfg,
        "--out",
        "sur",
    ]);
    let o = optimise("data", "opt", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r = json(&d.join("opt/results.json"));
    assert_eq!(r["schema"], 2);
    assert_eq!(r["outcomes"].as_array().unwrap().len(), 3 * 3, "3 methods × 3 restarts");

    // A dataset of another lattice size.
    ok(&["generate", "ising", "--size", "6", "--samples", "10", "--out", "small"]);
    let o = optimise("small", "x", &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("grids are 6×6 (36 sites) but the model takes 64 inputs"),
        "{}",
        stderr(&o)
    );
    // NaN in the data.
    std::fs::create_dir(d.join("nan")).unwrap();
    let mut v = vec![1.0f64; 64];
    v[5] = f64::NAN;
    std::fs::write(d.join("nan/spins.npy"), lso_physics::npy::encode(&[1, 8, 8], &v)).unwrap();
    let o = lso(d, &["train", "vae", "--data", "nan", "--config", &cfg, "--out", "x"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("nan/spins.npy: value NaN at flat index 5 is not a spin"),
        "{}",
        stderr(&o)
    );
    // A surrogate config without its standardisation is refused, not read as y_std = 1.
    let sur_json = std::fs::read_to_string(d.join("sur/surrogate.json")).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&sur_json).unwrap();
    v.as_object_mut().unwrap().remove("y_std");
    std::fs::write(d.join("sur/surrogate.json"), v.to_string()).unwrap();
    let o = optimise("data", "y", &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("surrogate.json: missing field `y_std`"),
        "{}",
        stderr(&o)
    );
    assert!(!d.join("y").exists());
    std::fs::write(d.join("sur/surrogate.json"), sur_json).unwrap();
    // A model file that does not match its config; the earlier results stay as they were.
    let before = std::fs::read(d.join("opt/results.json")).unwrap();
    let vae_json = std::fs::read_to_string(d.join("vae/vae.json"))
        .unwrap()
        .replace("32", "33");
    std::fs::write(d.join("vae/vae.json"), vae_json).unwrap();
    let o = optimise("data", "opt", &["--force"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("vae.safetensors: model file does not match its config"),
        "{}",
        stderr(&o)
    );
    assert_eq!(stderr(&o).lines().count(), 1);
    assert_eq!(std::fs::read(d.join("opt/results.json")).unwrap(), before);
    assert!(!d.join("x").exists());
}

#[test]
fn shapes_run_minimises_and_maximises_the_isoperimetric_ratio() {
    let t = tempfile::tempdir().unwrap();
    let o = lso(
        t.path(),
        &["generate", "shapes", "--samples", "20", "--points", "40", "--out", "s"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let cfg = t.path().join("shapes.toml");
    std::fs::write(
        &cfg,
        "version = 1\nname = \"s\"\n[shapes]\nsamples = 600\npoints = 40\n[vae]\nhidden = [64]\nlatent = 2\n\
         [vae.train]\nepochs = 80\nbatch_size = 32\nreconstruction = \"bce\"\n[optimise]\nrestarts = 2\nbudget = 120\n",
    )
    .unwrap();
    let o = lso(t.path(), &["run", cfg.to_str().unwrap(), "--out", "r"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r = json(&t.path().join("r/results.json"));
    let training = r["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["method"] == "training")
        .unwrap();
    let mean = training["mean"]["isoperimetric"].as_f64().unwrap();
    let best = |objective: &str| {
        r["outcomes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| o["objective"] == objective && o["best"]["valid"] == 1.0)
            .map(|o| o["best"]["isoperimetric"].as_f64().unwrap())
            .collect::<Vec<_>>()
    };
    assert!(
        best("min isoperimetric").iter().cloned().fold(f64::INFINITY, f64::min) < mean,
        "min below the training mean {mean}"
    );
    assert!(
        best("max isoperimetric").iter().cloned().fold(0.0, f64::max) > mean,
        "max above the training mean {mean}"
    );
    assert!(t.path().join("r/report.html").exists() && t.path().join("r/report/latent_map.png").exists());
}

#[test]
fn chiral_data_renders_exports_and_refuses_bad_vectors() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    let o = lso(
        d,
        &[
            "generate",
            "chiral",
            "--size",
            "24",
            "--samples",
            "3",
            "--anneal-steps",
            "20",
            "--out",
            "ch",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let spins = lso_physics::npy::decode(&std::fs::read(d.join("ch/spins.npy")).unwrap()).unwrap();
    assert_eq!((spins.shape.clone(), spins.data.dtype()), (vec![3, 24, 24, 3], "<f4"));
    for f in ["energy.npy", "mz.npy", "w.npy", "meta.json"] {
        assert!(d.join("ch").join(f).exists(), "{f}");
    }
    let w = lso_physics::npy::decode(&std::fs::read(d.join("ch/w.npy")).unwrap()).unwrap();
    for k in 0..3 {
        let v = w.data.get_f64(k);
        assert!((v - v.round()).abs() < 1e-6, "W = {v} is an integer on a torus");
    }
    assert!(lso(d, &["render", "ch/spins.npy", "--out", "ch.png"]).status.success());
    let o = lso(d, &["render", "ch/spins.npy", "--scale", "5000", "--out", "big.png"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("beyond the 16384-pixel limit"), "{}", stderr(&o));
    assert!(
        lso(d, &["export", "ch/spins.npy", "--ovf", "--index", "1", "--out", "ovf"])
            .status
            .success()
    );
    let text = std::fs::read_to_string(d.join("ovf/config_00001.ovf")).unwrap();
    assert!(
        text.starts_with("# OOMMF OVF 2.0")
            && text.contains("# xnodes: 24")
            && text.trim_end().ends_with("# End: Segment")
    );
    assert_eq!(text.lines().filter(|l| !l.starts_with('#')).count(), 24 * 24);

    // Binary OVF out, OVF back in: every encoding returns the same spins as .npy.
    let orig = lso_physics::npy::decode(&std::fs::read(d.join("ch/spins.npy")).unwrap()).unwrap();
    for (binary, tol) in [("8", 0.0), ("4", 0.0), ("text", 0.0)] {
        let dir = format!("ovf{binary}");
        let o = lso(
            d,
            &[
                "export",
                "ch/spins.npy",
                "--ovf",
                "--binary",
                binary,
                "--index",
                "2",
                "--out",
                &dir,
            ],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let back = format!("back{binary}");
        let ovf = format!("{dir}/config_00002.ovf");
        let o = lso(d, &["export", &ovf, "--npy", "--out", &back]);
        assert!(o.status.success(), "{}", stderr(&o));
        let a = lso_physics::npy::decode(&std::fs::read(d.join(&back).join("spins.npy")).unwrap()).unwrap();
        assert_eq!((a.shape.clone(), a.data.dtype()), (vec![1, 24, 24, 3], "<f8"));
        let n = 24 * 24 * 3;
        for i in 0..n {
            // float32 data survive every encoding exactly.
            assert!(
                (a.data.get_f64(i) - orig.data.get_f64(2 * n + i)).abs() <= tol,
                "--binary {binary}, value {i}"
            );
        }
        assert!(lso(d, &["render", &ovf, "--out", &format!("{dir}.png")])
            .status
            .success());
    }
    let b4 = std::fs::read(d.join("ovf4/config_00002.ovf")).unwrap();
    let at = b4.windows(14).position(|w| w == b"Data Binary 4\n").unwrap() + 14;
    assert_eq!(
        &b4[at..at + 4],
        &1_234_567f32.to_le_bytes(),
        "OVF 2.0 check value, little-endian"
    );
    let o = lso(d, &["export", "ch/spins.npy", "--binary", "4", "--out", "nope"]);
    assert_eq!(o.status.code(), Some(2), "--binary needs --ovf: {}", stderr(&o));

    let mut v = vec![0.0f32; 2 * 2 * 3];
    for k in 0..4 {
        v[3 * k + 2] = 1.0;
    }
    v[2] = 1.5;
    std::fs::write(d.join("long.npy"), lso_physics::npy::encode(&[1, 2, 2, 3], &v)).unwrap();
    v[2] = f32::NAN;
    std::fs::write(d.join("nan.npy"), lso_physics::npy::encode(&[1, 2, 2, 3], &v)).unwrap();
    std::fs::write(d.join("two.npy"), lso_physics::npy::encode(&[1, 2, 2, 2], &[0.0f32; 8])).unwrap();
    for (file, expect) in [
        ("long.npy", "spin 0 has length 1.5"),
        ("nan.npy", "spin 0 has length NaN"),
        ("two.npy", "wrong shape [1, 2, 2, 2]"),
    ] {
        let o = lso(d, &["export", file, "--ovf", "--out", "x"]);
        assert_eq!(o.status.code(), Some(1), "{file}: {}", stderr(&o));
        assert!(stderr(&o).contains(expect), "{file}: {}", stderr(&o));
    }
}

#[test]
fn chiral_run_explores_the_latent_space_with_three_explorers() {
    let t = tempfile::tempdir().unwrap();
    let cfg = t.path().join("chiral.toml");
    std::fs::write(
        &cfg,
        "version = 1\nname = \"c\"\n[chiral]\nlx = 8\nly = 8\nsamples = 24\nsteps = 10\nsweeps_per_step = 2\n\
         [vae]\nchannels = [4]\nlatent = 4\n[vae.train]\nepochs = 3\nbatch_size = 8\n\
         [optimise]\nbudget = 60\nprior_samples = 5\nanneal_restarts = 2\nrelax = true\n\
         [[optimise.objectives]]\nkind = \"energy\"\n[[optimise.objectives]]\nkind = \"boundary\"\ntarget = [0.0, 0.0, 1.0]\n\
         [optimise.genetic]\npopulation = 10\n[optimise.stochastic]\nsamples = 4\n",
    )
    .unwrap();
    let o = lso(t.path(), &["run", cfg.to_str().unwrap(), "--out", "r"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r = json(&t.path().join("r/results.json"));
    let outcomes = r["outcomes"].as_array().unwrap();
    assert_eq!(outcomes.len(), 2 * 3, "2 objectives × 3 explorers × 1 restart");
    let traces: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(t.path().join("r/optimise/traces.json")).unwrap()).unwrap();
    for o in outcomes {
        let w = o["best"]["w"].as_f64().unwrap();
        assert!((w - w.round()).abs() < 1e-6, "W = {w} is an integer on a torus");
        // `relax = true`: each result is also judged relaxed, never higher in energy.
        let relaxed = o["best"]["relaxed_energy_per_spin"].as_f64().unwrap();
        assert!(relaxed <= o["best"]["energy_per_spin"].as_f64().unwrap() + 1e-12);
        let rw = o["best"]["relaxed_w"].as_f64().unwrap();
        assert!((rw - rw.round()).abs() < 1e-6, "relaxed W = {rw}");
        let rs = o["best"]["relaxed_stripe_order"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&rs), "relaxed stripe order {rs}");
        // The explorer's own (f32 tensor) value of its best code agrees with the judge's f64
        // observable of the decoded configuration.
        let value = o["value"].as_f64().unwrap();
        let judged = if o["objective"] == "min energy" {
            o["best"]["energy_per_spin"].as_f64().unwrap()
        } else {
            -o["best"]["boundary"].as_f64().unwrap()
        };
        assert!(
            (value - judged).abs() < 1e-3,
            "{}: value {value}, judged {judged}",
            o["method"]
        );
        // The trace records only improvements, ending at the outcome's value.
        let t = traces
            .iter()
            .find(|t| t["objective"] == o["objective"] && t["method"] == o["method"])
            .unwrap();
        let values: Vec<f64> = t["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p[1].as_f64().unwrap())
            .collect();
        assert!(values.windows(2).all(|w| w[1] < w[0]), "{values:?}");
        assert_eq!(*values.last().unwrap(), value);
    }
    // The controls' best configurations are judged relaxed too. The annealed ones (the training
    // data, the anneal control) end at T_end = 0.02, and relaxing strips their thermal noise.
    let controls = r["controls"].as_array().unwrap();
    for method in ["training", "decoded-training", "prior", "anneal", "encoded-spiral"] {
        let mine: Vec<_> = controls.iter().filter(|c| c["method"] == method).collect();
        assert_eq!(mine.len(), 2, "{method}: one per objective");
        for c in mine {
            let raw = c["best"]["energy_per_spin"].as_f64().unwrap();
            let relaxed = c["best"]["relaxed_energy_per_spin"].as_f64().unwrap();
            assert!(relaxed <= raw + 1e-12, "{method}: {raw} → {relaxed}");
            if method == "training" || method == "anneal" {
                assert!(relaxed < raw - 0.005, "{method}: {raw} → {relaxed}");
            }
            let rw = c["best"]["relaxed_w"].as_f64().unwrap();
            assert!((rw - rw.round()).abs() < 1e-6, "{method}: relaxed W = {rw}");
        }
    }
    for f in [
        "report.html",
        "report/best_configurations.png",
        "vae/vae.safetensors",
        "data/w.npy",
    ] {
        assert!(t.path().join("r").join(f).exists(), "{f}");
    }
    let bad = t.path().join("bad.toml");
    std::fs::write(
        &bad,
        "version = 1\nname = \"c\"\n[chiral]\nlx = 10\nly = 10\n[vae]\nchannels = [4, 8]\n",
    )
    .unwrap();
    let o = lso(t.path(), &["run", bad.to_str().unwrap(), "--out", "x"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("vae.channels 2 pooling stages need the lattice side divisible by 4"),
        "{}",
        stderr(&o)
    );
}

/// Off a terminal, long work reports progress as lines on stderr (every 10 s by default;
/// `LSO_PROGRESS_SECONDS` sets the interval), burn-in included.
#[test]
fn progress_goes_to_stderr_as_lines_off_a_terminal() {
    let t = tempfile::tempdir().unwrap();
    let args = [
        "generate",
        "ising",
        "--source",
        "mc",
        "--size",
        "8",
        "--samples",
        "20",
        "--burn-in",
        "50",
        "--chains",
        "1",
        "--out",
    ];
    let o = Command::new(env!("CARGO_BIN_EXE_lso"))
        .args(args)
        .arg("a")
        .env("LSO_PROGRESS_SECONDS", "0")
        .current_dir(t.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("monte carlo: ")).collect();
    assert!(lines.len() >= 50, "a line per burn-in sweep at interval 0: {err}");
    assert!(lines[0].starts_with("monte carlo: 1/"), "{}", lines[0]);
    assert!(lines.last().unwrap().contains("(100%)"), "{err}");
    // A job shorter than the default interval prints none.
    let o = lso(t.path(), &[&args[..], &["b"]].concat());
    assert!(o.status.success());
    assert!(!stderr(&o).contains("monte carlo:"), "{}", stderr(&o));
}

#[test]
fn relax_lowers_the_energy_and_answers_in_the_input_format() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    let o = lso(
        d,
        &[
            "generate",
            "chiral",
            "--size",
            "16",
            "--samples",
            "2",
            "--anneal-steps",
            "10",
            "--out",
            "ch",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = lso(d, &["relax", "ch/spins.npy", "--out", "rx"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let before = lso_physics::npy::decode(&std::fs::read(d.join("ch/energy.npy")).unwrap()).unwrap();
    let after = lso_physics::npy::decode(&std::fs::read(d.join("rx/energy.npy")).unwrap()).unwrap();
    let spins = lso_physics::npy::decode(&std::fs::read(d.join("rx/spins.npy")).unwrap()).unwrap();
    assert_eq!(spins.shape, vec![2, 16, 16, 3]);
    let report = json(&d.join("rx/relax.json"));
    for k in 0..2 {
        assert!(after.data.get_f64(k) < before.data.get_f64(k), "configuration {k}");
        assert_eq!(report[k]["stop"], "converged");
        // The relaxed spins carry the reported energy.
        let e = report[k]["energy_after"].as_f64().unwrap();
        assert_eq!(e, after.data.get_f64(k));
    }
    let meta = json(&d.join("rx/meta.json"));
    assert_eq!(meta["config"]["model"]["dmi"], "neel");
    assert_eq!(meta["config"]["settings"]["method"], "lbfgs");
    // The other minimiser, by name; each relaxation lowers the energy and ends converged.
    let o = lso(d, &["relax", "ch/spins.npy", "--method", "vp", "--out", "vp"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let meta = json(&d.join("vp/meta.json"));
    assert_eq!(meta["config"]["settings"]["method"], "velocity-projection");
    let vp = json(&d.join("vp/relax.json"));
    for k in 0..2 {
        assert_eq!(vp[k]["stop"], "converged");
        assert!(vp[k]["energy_after"].as_f64().unwrap() < before.data.get_f64(k));
    }
    let o = lso(d, &["relax", "ch/spins.npy", "--method", "newton", "--out", "nope"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    // OVF in, OVF out; the relaxed state is a minimum, so relaxing it again takes no step.
    assert!(
        lso(d, &["export", "rx/spins.npy", "--ovf", "--index", "1", "--out", "o"])
            .status
            .success()
    );
    let o = lso(d, &["relax", "o/config_00001.ovf", "--out", "again"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let again = json(&d.join("again/relax.json"));
    assert_eq!(again[0]["steps"], 0, "{again}");
    assert!(d.join("again/config_00000.ovf").exists());
    // Bad settings are usage errors naming the flag; an existing output is kept.
    let o = lso(d, &["relax", "ch/spins.npy", "--tolerance", "0", "--out", "bad"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--tolerance"), "{}", stderr(&o));
    let o = lso(d, &["relax", "ch/spins.npy", "--out", "rx"]);
    assert_ne!(o.status.code(), Some(0), "refuses to overwrite without --force");
}
