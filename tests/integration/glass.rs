//! Spin glasses from the command line: `lso groundstate` on good and bad instance files, and
//! `lso compare` resuming and sharding (3 shards merged equal one unsharded run).

use crate::common::{json, lso, stderr};
use lso_physics::glass::instance;
use lso_physics::npy;
use lso_physics::Boundary;
use std::path::Path;

#[test]
fn groundstate_writes_an_exact_state_and_refuses_bad_instances() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    let o = lso(
        d,
        &[
            "groundstate",
            "--size",
            "6",
            "--bonds",
            "gaussian",
            "--seed",
            "4",
            "--out",
            "gs",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let gs = json(&d.join("gs/groundstate.json"));
    assert_eq!(gs["exact"], true);
    let bytes = std::fs::read(d.join("gs/couplings.npy")).unwrap();
    let model = instance::decode(&bytes, Boundary::Open).unwrap();
    let spins = npy::decode(&std::fs::read(d.join("gs/spins.npy")).unwrap()).unwrap();
    assert_eq!(spins.shape, vec![6, 6]);
    let s: Vec<i8> = match spins.data {
        npy::NpyData::I8(v) => v,
        other => panic!("spins.npy is {}", other.dtype()),
    };
    let e = gs["energy"].as_f64().unwrap();
    assert!((model.energy(&s) - e).abs() < 1e-9);
    assert!((gs["energy_per_spin"].as_f64().unwrap() - e / 36.0).abs() < 1e-12);
    // Reading the written instance back gives the same energy.
    let o = lso(d, &["groundstate", "--couplings", "gs/couplings.npy", "--out", "again"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let again = json(&d.join("again/groundstate.json"));
    assert_eq!(again["energy"], gs["energy"]);

    let mut js = instance::bond_array(&model);
    js[7] = f64::NAN;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("nan.npy", npy::encode(&[6, 6, 2], &js), "not a finite number"),
        ("shape.npy", npy::encode(&[6, 12], &js), "(Ly, Lx, 2)"),
        ("dtype.npy", npy::encode(&[6, 6, 2], &[1i8; 72]), "float64"),
        ("tiny.npy", npy::encode(&[1, 6, 2], &[1.0; 12]), "2×2"),
        ("corrupt.npy", b"\x93NUMPY garbage".to_vec(), "corrupt.npy"),
    ];
    for (name, bytes, want) in cases {
        std::fs::write(d.join(name), bytes).unwrap();
        let out = format!("out-{name}");
        let o = lso(d, &["groundstate", "--couplings", name, "--out", &out]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{name}: {err}");
        assert!(err.contains(name) && err.contains(want), "{name}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{name}: {err}");
        assert!(!d.join(&out).exists(), "{name}: output written");
    }
    let o = lso(d, &["groundstate", "--couplings", "missing.npy", "--out", "x"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("missing.npy"));
    let o = lso(d, &["groundstate", "--size", "6", "--out", "x"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));

    // A torus is not planar: the best of tempering runs, flagged as such.
    let o = lso(
        d,
        &[
            "groundstate",
            "--size",
            "4",
            "--bonds",
            "pm",
            "--boundary",
            "periodic",
            "--runs",
            "3",
            "--sweeps",
            "300",
            "--out",
            "torus",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let t = json(&d.join("torus/groundstate.json"));
    assert_eq!(t["exact"], false);
    assert_eq!(t["runs"], 3);
    assert!((1..=3).contains(&t["runs_agreeing"].as_u64().unwrap()), "{t}");

    // `generate ising --couplings` samples that instance: its size comes from the file and the
    // dataset carries the same bonds and the exact reference.
    let o = lso(
        d,
        &[
            "generate",
            "ising",
            "--couplings",
            "gs/couplings.npy",
            "--boundary",
            "open",
            "--source",
            "anneal",
            "--samples",
            "4",
            "--anneal-steps",
            "5",
            "--sweeps-per-step",
            "2",
            "--out",
            "data",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read(d.join("data/couplings.npy")).unwrap(), bytes);
    let meta = json(&d.join("data/meta.json"));
    assert_eq!(meta["model"]["ground_state_energy"], gs["energy"]);
}

const SMALL: &str = include_str!("../fixtures/small-compare.toml");

fn summary(dir: &Path) -> serde_json::Value {
    let v = json(&dir.join("compare.json"));
    let mut s = v["summary"].clone();
    // Wall times differ between runs; everything else must not.
    for r in s["rows"].as_array_mut().unwrap() {
        r["seconds_mean"] = serde_json::Value::Null;
    }
    s
}

#[test]
fn compare_resumes_and_three_merged_shards_equal_one_run() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    std::fs::write(d.join("small.toml"), SMALL).unwrap();
    let o = lso(d, &["compare", "small.toml", "--out", "one"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    // 3 families × 2 sizes × 2 seeds × 4 direct methods, and 3 × 2 latent jobs at 6×6.
    assert!(stdout.contains("54 cells run, 0 already done"), "{stdout}");
    assert!(d.join("one/report.html").exists() && d.join("one/figures/residual-pm.png").exists());
    let o = lso(d, &["compare", "small.toml", "--out", "one"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("0 cells run, 54 already done"));
    // A removed cell is the state a killed run leaves: only it is redone.
    let cells: Vec<_> = std::fs::read_dir(d.join("one/cells")).unwrap().collect();
    std::fs::remove_file(cells[0].as_ref().unwrap().path()).unwrap();
    let o = lso(d, &["compare", "small.toml", "--out", "one"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("1 cells run, 53 already done"));
    for i in 0..3 {
        let o = lso(
            d,
            &[
                "compare",
                "small.toml",
                "--out",
                &format!("s{i}"),
                "--shard",
                &format!("{i}/3"),
            ],
        );
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let o = lso(d, &["compare", "merge", "s0", "s1", "s2", "--out", "merged"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(summary(&d.join("merged")), summary(&d.join("one")));
    // The exact ground state bounds every method, and the ferromagnet's is −2L(L−1).
    let v = json(&d.join("one/compare.json"));
    assert_eq!(
        v["ground_states"]["ferro-6-0"]["energy"], -72.0,
        "seed 000's ferromagnet is periodic"
    );
    assert_eq!(v["ground_states"]["ferro-6-0"]["exact"], true);
    assert_eq!(v["ground_states"]["pm-6-0"]["exact"], true);
    // Annealing and tempering ran on the fast kernels: bits for ±J and the ferromagnet, f32
    // lanes for Gaussian bonds (6×6 has even sides).
    assert_eq!(v["sweep_kernels"]["pm-6-0"], "multi-spin");
    assert_eq!(v["sweep_kernels"]["ferro-6-0"], "multi-spin");
    assert_eq!(v["sweep_kernels"]["gaussian-6-0"], "checkerboard");
    let rows = v["summary"]["rows"].as_array().unwrap();
    for r in rows {
        // Null where a method had nothing within the budget (latent methods paying for data).
        if let Some(x) = r["residual_per_spin"].as_f64() {
            assert!(x >= -1e-12, "{r}");
        }
    }
    let methods: std::collections::BTreeSet<&str> = rows.iter().map(|r| r["method"].as_str().unwrap()).collect();
    for m in [
        "adam/surrogate",
        "cmaes/energy",
        "genetic/energy+data",
        "stochastic/surrogate+data",
        "multistart/surrogate",
        "multistart/surrogate+data",
        "replica/surrogate",
        "replica/energy",
        "prior",
        "prior+data",
        "training-data",
        "random/retrain",
        "random/fixed",
        "bo/retrain+data",
        "bo/fixed",
    ] {
        assert!(methods.contains(m), "{m} missing from {methods:?}");
    }
    for m in ["adam/energy", "multistart/energy"] {
        assert!(!methods.contains(m), "the true energy has no gradient for {m}");
    }
    // Paying for the data can only delay a method: 32 samples × 20 sweeps exceed the budget of
    // 50, so no +data method has a result there, while prior draws (30 evaluations) do; and
    // wherever a +data method has a result, its own-cost twin is at least as good.
    let row = |m: &str, b: u64, fam: &str| {
        rows.iter()
            .find(|r| r["method"] == m && r["budget"] == b && r["family"] == fam && r["size"] == 6)
            .unwrap_or_else(|| panic!("no row {m} {b} {fam}"))
    };
    for r in rows.iter().filter(|r| r["method"].as_str().unwrap().ends_with("+data")) {
        let m = r["method"].as_str().unwrap();
        let b = r["budget"].as_u64().unwrap();
        let own = row(m.trim_end_matches("+data"), b, r["family"].as_str().unwrap());
        if b == 50 {
            assert!(r["residual_per_spin"].is_null(), "{r}");
        }
        if let Some(x) = r["residual_per_spin"].as_f64() {
            assert!(own["residual_per_spin"].as_f64().unwrap() <= x + 1e-12, "{own} vs {r}");
        }
    }
    assert!(row("prior", 50, "pm")["residual_per_spin"].is_f64());
    let o = lso(d, &["compare", "small.toml", "--out", "x", "--shard", "3/3"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}
