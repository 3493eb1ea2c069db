//! The one pipeline on every problem: every explorer on every objective in one results schema,
//! explorer settings refused before any work, and the data's own Hamiltonian as the judge.

use crate::common::{json, lso, stderr};
use std::path::Path;
use std::process::Command;

fn fixture(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)).unwrap()
}

/// A fixture with `lines` added at the top of its `[optimise]` table.
fn with_optimise(name: &str, lines: &str) -> String {
    fixture(name).replacen("[optimise]\n", &format!("[optimise]\n{lines}\n"), 1)
}

const METHODS: [&str; 8] = [
    "adam",
    "cmaes",
    "random",
    "genetic",
    "stochastic",
    "bo",
    "multistart",
    "replica",
];

/// Every explorer, with a multistart race and a replica screen small enough for the fixtures'
/// budgets (30–60).
const ALL: &str = r#"methods = ["adam", "cmaes", "random", "genetic", "stochastic", "bo", "multistart", "replica"]
multistart = { screen = 10, starts = 4 }
replica = { screen = 8, replicas = 4 }"#;

#[test]
fn every_explorer_runs_on_every_problem_in_one_schema() {
    let t = tempfile::tempdir().unwrap();
    for (fixture_name, problem, objectives, restarts) in [
        ("small.toml", "ising", vec!["min energy"], 3),
        ("small-chiral.toml", "chiral", vec!["min energy", "max W"], 1),
        ("small-chiral-paper.toml", "chiral", vec!["min energy", "max W"], 1),
        (
            "small-shapes.toml",
            "shapes",
            vec!["min isoperimetric", "max isoperimetric"],
            2,
        ),
    ] {
        let cfg = t.path().join(fixture_name);
        std::fs::write(&cfg, with_optimise(fixture_name, ALL)).unwrap();
        let out = fixture_name.trim_end_matches(".toml");
        let o = lso(t.path(), &["run", cfg.to_str().unwrap(), "--out", out]);
        assert!(o.status.success(), "{problem}: {}", stderr(&o));
        let r = json(&t.path().join(out).join("results.json"));
        assert_eq!(r["schema"], 2);
        assert_eq!(r["problem"], problem);
        let outcomes = r["outcomes"].as_array().unwrap();
        assert_eq!(outcomes.len(), METHODS.len() * objectives.len() * restarts, "{problem}");
        for objective in &objectives {
            for method in METHODS {
                let found: Vec<&serde_json::Value> = outcomes
                    .iter()
                    .filter(|o| o["objective"] == *objective && o["method"] == method)
                    .collect();
                assert_eq!(found.len(), restarts, "{problem} {objective} {method}");
                for o in found {
                    assert_eq!(o["problem"], problem);
                    assert_eq!(o["seed"], r["seed"]);
                    assert!(o["seconds"].as_f64().unwrap() >= 0.0);
                    let e = &o["evaluations"];
                    let spent =
                        e["true"].as_u64().unwrap() + e["decoder"].as_u64().unwrap() + e["surrogate"].as_u64().unwrap();
                    assert!(spent > 0, "{problem} {method}: {e}");
                    assert!(o["best"].as_object().unwrap().values().all(|v| v.is_number()));
                    // Replica exchange records its ladder, coldest first; the others nothing.
                    let d = &o["diagnostics"];
                    if method == "replica" {
                        let t: Vec<f64> = serde_json::from_value(d["temperatures"].clone()).unwrap();
                        assert!(t.len() == 4 && t.windows(2).all(|w| w[0] < w[1]), "{problem}: {d}");
                        assert_eq!(d["swap_rates"].as_array().unwrap().len(), 3, "{problem}: {d}");
                        for k in ["acceptance", "swap_rates"] {
                            let v: Vec<f64> = serde_json::from_value(d[k].clone()).unwrap();
                            assert!(v.iter().all(|x| (0.0..=1.0).contains(x)), "{problem} {k}: {d}");
                        }
                    } else {
                        assert!(d.is_null(), "{problem} {method}: {d}");
                    }
                }
            }
        }
        let controls = r["controls"].as_array().unwrap();
        for method in ["training", "decoded-training", "prior"] {
            assert!(
                controls.iter().any(|c| c["method"] == method),
                "{problem}: control {method}"
            );
        }
        let html = std::fs::read_to_string(t.path().join(out).join("report.html")).unwrap();
        assert!(
            METHODS.iter().all(|m| html.contains(m)),
            "{problem}: the report's table lists every method"
        );
        // One ladder row per replica restart and objective, under its own heading.
        let ladders = html
            .split("<h2>Replica-exchange ladders</h2>")
            .nth(1)
            .expect("the ladder table");
        let table = ladders.split("</table>").next().unwrap();
        assert_eq!(
            table.matches("<tr>").count(),
            1 + objectives.len() * restarts,
            "{problem}"
        );
    }
}

/// `objective_restarts` gives one objective more starts than the others; its first restart is
/// the one a single start would have been, and the search, whose (objective, method) pairs run
/// side by side, gives the same numbers twice.
#[test]
fn one_objective_gets_more_restarts_and_its_first_is_the_single_start() {
    let t = tempfile::tempdir().unwrap();
    let methods = "methods = [\"genetic\", \"random\", \"adam\"]";
    let runs = [
        ("one", methods.to_string()),
        ("three", format!("{methods}\nobjective_restarts = {{ \"max W\" = 3 }}")),
        ("again", format!("{methods}\nobjective_restarts = {{ \"max W\" = 3 }}")),
    ];
    let mut results = Vec::new();
    for (out, lines) in &runs {
        let cfg = t.path().join(format!("{out}.toml"));
        std::fs::write(&cfg, with_optimise("small-chiral.toml", lines)).unwrap();
        let o = lso(t.path(), &["run", cfg.to_str().unwrap(), "--out", out]);
        assert!(o.status.success(), "{out}: {}", stderr(&o));
        results.push(json(&t.path().join(out).join("results.json"))["outcomes"].clone());
    }
    let pick = |r: &serde_json::Value, objective: &str, method: &str| -> Vec<serde_json::Value> {
        r.as_array()
            .unwrap()
            .iter()
            .filter(|o| o["objective"] == objective && o["method"] == method)
            .cloned()
            .collect()
    };
    for method in ["genetic", "random", "adam"] {
        let single = pick(&results[0], "max W", method);
        let three = pick(&results[1], "max W", method);
        assert_eq!((single.len(), three.len()), (1, 3), "{method}");
        let restarts: Vec<_> = three.iter().map(|o| o["restart"].as_u64().unwrap()).collect();
        assert_eq!(restarts, [0, 1, 2], "{method}");
        assert_eq!(single[0]["z"], three[0]["z"], "{method}: restart 0 keeps its stream");
        assert_ne!(three[0]["z"], three[1]["z"], "{method}: restarts differ");
        assert_eq!(pick(&results[1], "min energy", method).len(), 1, "{method}");
        assert_eq!(
            pick(&results[0], "min energy", method)[0]["z"],
            pick(&results[1], "min energy", method)[0]["z"]
        );
    }
    let strip = |r: &serde_json::Value| -> Vec<serde_json::Value> {
        r.as_array()
            .unwrap()
            .iter()
            .map(|o| {
                let mut o = o.clone();
                o.as_object_mut().unwrap().remove("seconds");
                o
            })
            .collect()
    };
    assert_eq!(
        strip(&results[1]),
        strip(&results[2]),
        "the same seed, the same numbers"
    );
}

#[test]
fn a_bad_explorer_setting_exits_2_before_any_work() {
    let t = tempfile::tempdir().unwrap();
    for (fixture_name, lines, expect) in [
        (
            "small.toml",
            "[optimise.genetic]\npopulation = 0\n",
            "optimise.genetic is invalid",
        ),
        (
            "small-chiral.toml",
            "restarts = 0",
            "optimise.restarts must be at least 1",
        ),
        (
            "small-shapes.toml",
            "[optimise.cmaes]\nsigma = -1.0\n",
            "optimise.cmaes is invalid",
        ),
        (
            "small.toml",
            "[optimise.random]\nbatch = 0\n",
            "optimise.random is invalid",
        ),
        (
            "small-chiral.toml",
            "[optimise.adam]\nlearning_rate = 0.0\n",
            "optimise.adam is invalid",
        ),
        ("small-shapes.toml", "goals = []", "optimise.goals needs at least one"),
        (
            "small.toml",
            "methods = [\"adam\", \"adam\"]",
            "optimise.methods lists adam twice",
        ),
        (
            "small-chiral.toml",
            "[[optimise.objectives]]\nkind = \"w\"\n",
            "optimise.objectives lists max W twice",
        ),
        (
            "small-chiral.toml",
            "prior = \"wide\"",
            "unknown variant `wide`, expected `standard` or `encoded`",
        ),
        (
            "small.toml",
            "prior = \"encoded\"\nretrain = { methods = [\"cmaes\"] }",
            "optimise.prior \"encoded\" cannot be combined with [optimise.retrain]",
        ),
        (
            "small-chiral.toml",
            "[optimise.polish]\nevaluations = 60\n",
            "optimise.polish.evaluations must be below optimise.budget (60) to leave the explorers some, got 60",
        ),
        (
            "small-chiral.toml",
            "[optimise.polish]\nevaluations = 10\nlearning_rate = -1.0\n",
            "optimise.polish.learning_rate must be > 0, got -1",
        ),
        (
            "small.toml",
            "polish = { evaluations = 5 }\nretrain = { methods = [\"cmaes\"] }",
            "optimise.polish cannot be combined with [optimise.retrain]",
        ),
        (
            "small-chiral.toml",
            "objective_restarts = { \"max Mz\" = 2 }",
            "optimise.objective_restarts.\"max Mz\" names no objective of this run; they are \"min energy\", \"max W\"",
        ),
        (
            "small-shapes.toml",
            "objective_restarts = { \"min isoperimetric\" = 0 }",
            "optimise.objective_restarts.\"min isoperimetric\" must be at least 1",
        ),
        (
            "small.toml",
            "objective_restarts = { \"max W\" = 2 }",
            "optimise.objective_restarts.\"max W\" names no objective of this run; they are \"min energy\"",
        ),
    ] {
        // A table goes at the end (TOML allows any order); a key goes under [optimise].
        let text = if lines.starts_with('[') {
            format!("{}\n{lines}", fixture(fixture_name))
        } else {
            with_optimise(fixture_name, lines)
        };
        let cfg = t.path().join("bad.toml");
        std::fs::write(&cfg, text).unwrap();
        let o = lso(t.path(), &["run", cfg.to_str().unwrap(), "--out", "r"]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{fixture_name} {lines}: {err}");
        assert!(
            err.contains("bad.toml") && err.contains(expect),
            "{fixture_name} {lines}: {err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(!t.path().join("r").exists(), "nothing runs: {fixture_name} {lines}");
    }
}

/// `lso optimise` judges a spin glass with the bonds its data were made with, not with bonds
/// drawn from the run config's seed; without the data's `meta.json` it refuses to guess.
#[test]
fn optimise_judges_with_the_data_hamiltonian_and_needs_it() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    let cfg = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/small.toml");
    let cfg = cfg.to_str().unwrap();
    let ok = |args: &[&str]| {
        let o = lso(d, args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    };
    ok(&[
        "generate",
        "ising",
        "--disorder",
        "pm",
        "--boundary",
        "open",
        "--seed",
        "11",
        "--size",
        "8",
        "--samples",
        "60",
        "--out",
        "glass",
    ]);
    ok(&["train", "vae", "--data", "glass", "--config", cfg, "--out", "vae"]);
    ok(&[
        "train",
        "surrogate",
        "--data",
        "glass",
        "--vae",
        "vae",
        "--config",
        cfg,
        "--out",
        "sur",
    ]);
    let args = [
        "optimise",
        "--data",
        "glass",
        "--vae",
        "vae",
        "--surrogate",
        "sur",
        "--config",
        cfg,
        "--out",
        "opt",
    ];
    ok(&args);
    let energies = lso_physics::npy::decode(&std::fs::read(d.join("glass/energy.npy")).unwrap()).unwrap();
    let e: Vec<f64> = (0..60).map(|k| energies.data.get_f64(k)).collect();
    let r = json(&d.join("opt/results.json"));
    let training = r["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["method"] == "training")
        .unwrap();
    let lowest = e.iter().cloned().fold(f64::INFINITY, f64::min);
    let mean = e.iter().sum::<f64>() / 60.0;
    assert!(
        (training["best"]["energy"].as_f64().unwrap() - lowest).abs() < 1e-9,
        "{training}"
    );
    assert!(
        (training["mean"]["energy"].as_f64().unwrap() - mean).abs() < 1e-9,
        "{training}"
    );
    // An open-boundary glass is planar: its reference is the exact matching ground state,
    // which bounds the data and every judged result.
    let glass = lso_physics::glass::instance::decode(
        &std::fs::read(d.join("glass/couplings.npy")).unwrap(),
        lso_physics::Boundary::Open,
    )
    .unwrap();
    let exact = lso_physics::glass::planar::ground_state(&glass).unwrap().energy;
    let reference = r["reference"]["ground_state_energy"].as_f64().expect("exact reference");
    assert!((reference - exact).abs() < 1e-9, "{reference} vs {exact}");
    assert!(lowest >= exact - 1e-9);

    std::fs::write(d.join("glass/meta.json"), "{ not json").unwrap();
    let o = lso(d, &[&args[..10], &["opt2"]].concat());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("glass/meta.json: corrupt"), "{}", stderr(&o));
    std::fs::remove_file(d.join("glass/meta.json")).unwrap();
    let o = lso(d, &[&args[..10], &["opt2"]].concat());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("glass/meta.json: cannot read"), "{}", stderr(&o));
    assert!(!d.join("opt2").exists());
}

/// With the true energy as the objective and a known ground state, a restart stops at the round
/// that reaches it; one that never does spends its whole budget.
#[test]
fn a_search_on_the_true_energy_stops_at_the_exact_ground_state() {
    let t = tempfile::tempdir().unwrap();
    let cfg = t.path().join("hard.toml");
    let text = with_optimise(
        "small.toml",
        "objective = \"hard\"\nmethods = [\"cmaes\", \"random\", \"genetic\"]",
    )
    .replace("budget = 30", "budget = 3000")
    .replace("restarts = 3", "restarts = 4")
    // A VAE trained long enough to decode the ground state somewhere.
    .replace("epochs = 4\n", "epochs = 100\n");
    std::fs::write(&cfg, text).unwrap();
    let o = lso(t.path(), &["run", cfg.to_str().unwrap(), "--out", "r"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r = json(&t.path().join("r/results.json"));
    assert_eq!(r["objectives"][0]["target"], -128.0);
    let outcomes = r["outcomes"].as_array().unwrap();
    let mut hits = 0;
    for o in outcomes {
        let spent = o["evaluations"]["true"].as_u64().unwrap();
        assert!(spent <= 3000, "{o}");
        if o["hit"] == true {
            hits += 1;
            assert_eq!(o["best"]["energy"], -128.0);
            assert!(spent < 3000, "a restart that found the ground state stopped there: {o}");
        } else {
            assert!(spent > 2900, "a restart that never found it used its budget: {o}");
        }
    }
    assert!(hits >= 3, "the 8×8 ground state is easy to find: {hits} hits");
}

/// Ctrl-C in the middle of a stage: exit 130 with a message, no temporaries left, and the same
/// command resumes, reusing the stages that had finished.
#[test]
fn an_interrupted_run_cleans_up_and_resumes() {
    use std::io::{BufRead, BufReader};
    let t = tempfile::tempdir().unwrap();
    let cfg = t.path().join("long.toml");
    // A VAE stage that would run for a very long time: many epochs, no early stopping.
    let text = fixture("small.toml").replace(
        "[vae.train]\nepochs = 4\n",
        "[vae.train]\nepochs = 10000000\npatience = 10000000\n",
    );
    assert!(text.contains("10000000"));
    std::fs::write(&cfg, &text).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_lso"))
        .args(["run", cfg.to_str().unwrap(), "--out", "r"])
        .current_dir(t.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let data_done = lines
        .by_ref()
        .map_while(Result::ok)
        .any(|l| l.contains("data") && l.contains("done"));
    assert!(data_done, "the data stage finished");
    std::thread::sleep(std::time::Duration::from_millis(500));
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(err.contains("interrupted: removed 1 temporary"), "{err}");
    let left: Vec<String> = std::fs::read_dir(t.path().join("r"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, vec!["data".to_string()], "only the finished stage is left");
    // Resume with the short VAE: the data stage is reused.
    std::fs::write(&cfg, fixture("small.toml")).unwrap();
    let o = lso(t.path(), &["run", cfg.to_str().unwrap(), "--out", "r"]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout.contains("data      reused"), "{stdout}");
}

/// `[optimise.retrain]` runs the weighted-retraining loop and its no-retraining control on every
/// problem and objective, records each round, keeps each retrain's weights, draws the curves,
/// leaves the plain search cached when only its settings change, and refuses gradient explorers.
#[test]
fn weighted_retraining_runs_on_every_problem_from_a_config() {
    let t = tempfile::tempdir().unwrap();
    let section = "\n[optimise.retrain]\nmethods = [\"cmaes\", \"genetic\"]\nbudget = 60\nevery = 20\nsteps = 5\n";
    for (fixture_name, problem, objectives) in [
        ("small.toml", "ising", 1),
        ("small-chiral.toml", "chiral", 2),
        ("small-shapes.toml", "shapes", 2),
    ] {
        let cfg = t.path().join(fixture_name);
        std::fs::write(&cfg, format!("{}{section}", fixture(fixture_name))).unwrap();
        let o = lso(t.path(), &["run", cfg.to_str().unwrap(), "--out", problem]);
        assert!(o.status.success(), "{problem}: {}", stderr(&o));
        let run = t.path().join(problem);
        let r = json(&run.join("results.json"));
        let outcomes = r["outcomes"].as_array().unwrap();
        for method in ["cmaes+retrain", "cmaes+fixed", "genetic+retrain", "genetic+fixed"] {
            let found: Vec<_> = outcomes.iter().filter(|o| o["method"] == method).collect();
            assert_eq!(found.len(), objectives, "{problem} {method}");
            for o in found {
                assert_eq!(o["evaluations"]["true"], 60, "{problem} {method}");
                assert!(o["best"].as_object().unwrap().values().all(|v| v.is_number()));
            }
        }
        let loops = json(&run.join("retrain/loops.json"));
        let loops = loops.as_array().unwrap();
        assert_eq!(loops.len(), 4 * objectives);
        for l in loops {
            let rounds = l["rounds"].as_array().unwrap();
            let retrained = l["retrain"].as_bool().unwrap();
            // Retrained rounds end at their quota; the control's explorer runs on through
            // round ends, so a whole batch may span several.
            if retrained {
                assert_eq!(rounds.len(), 3, "{problem}: 60 evaluations in rounds of 20");
            } else {
                assert!((1..=3).contains(&rounds.len()), "{problem}");
            }
            assert_eq!(rounds.last().unwrap()["evaluations"], 60);
            for r in rounds {
                assert_eq!(r["retrain_seconds"].is_number(), retrained);
                // The training data plus every configuration judged so far.
                let d = r["dataset"].as_u64().unwrap() - r["evaluations"].as_u64().unwrap();
                assert!(d >= 5, "{problem}: {r}");
            }
        }
        let models = std::fs::read_dir(run.join("retrain-work"))
            .unwrap()
            .filter(|e| e.as_ref().unwrap().path().join("models/round-002.safetensors").exists())
            .count();
        assert_eq!(models, 2 * objectives, "{problem}: every retrain's weights are kept");
        assert!(run.join("report/retrain_0.png").exists());
        let html = std::fs::read_to_string(run.join("report.html")).unwrap();
        assert!(html.contains("retrain_0.png") && html.contains("genetic+fixed"));
    }
    // Other loop settings: the plain search is reused, the loops rerun.
    let cfg = t.path().join("small.toml");
    let text = std::fs::read_to_string(&cfg)
        .unwrap()
        .replace("budget = 60", "budget = 40");
    std::fs::write(&cfg, text).unwrap();
    let o = lso(t.path(), &["run", cfg.to_str().unwrap(), "--out", "ising"]);
    assert!(!o.status.success(), "a changed stage needs --force");
    let o = lso(t.path(), &["run", cfg.to_str().unwrap(), "--out", "ising2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Gradient explorers cannot search the true objective.
    std::fs::write(
        &cfg,
        format!("{}\n[optimise.retrain]\nmethods = [\"adam\"]\n", fixture("small.toml")),
    )
    .unwrap();
    let o = lso(t.path(), &["run", cfg.to_str().unwrap(), "--out", "bad"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("optimise.retrain.methods"), "{}", stderr(&o));
    assert!(!t.path().join("bad/data").exists(), "refused before any work");
}

/// `prior = "encoded"` moves every explorer's N(0, I) onto the Gaussian of the training codes:
/// a random search drawing u ≈ 0 lands on their mean (and with the VAE's prior on the origin),
/// and the result's z is the code that was decoded and judged.
#[test]
fn the_encoded_prior_centres_the_search_on_the_training_codes() {
    let t = tempfile::tempdir().unwrap();
    for prior in ["standard", "encoded"] {
        let text = format!(
            "{}\n[optimise.random]\nscale = 1e-9\nbatch = 1\n",
            with_optimise(
                "small-chiral.toml",
                &format!("methods = [\"random\"]\nprior = \"{prior}\"")
            )
        );
        let cfg = t.path().join(format!("{prior}.toml"));
        std::fs::write(&cfg, text).unwrap();
        let o = lso(t.path(), &["run", cfg.to_str().unwrap(), "--out", prior]);
        assert!(o.status.success(), "{prior}: {}", stderr(&o));
        let codes =
            lso_physics::npy::decode(&std::fs::read(t.path().join(prior).join("vae/latents.npy")).unwrap()).unwrap();
        let d = codes.shape[1];
        let m = codes.shape[0];
        let mean: Vec<f64> = (0..d)
            .map(|j| (0..m).map(|i| codes.data.get_f64(i * d + j)).sum::<f64>() / m as f64)
            .collect();
        let spread = (0..m * d)
            .map(|k| (codes.data.get_f64(k) - mean[k % d]).powi(2))
            .sum::<f64>()
            / m as f64;
        let off = mean.iter().map(|v| v * v).sum::<f64>().sqrt();
        assert!(
            off > 1e-3,
            "the codes' mean is off the origin, so the frames differ: {off}"
        );
        assert!(spread > 1e-2, "the codes spread: {spread}");
        let r = json(&t.path().join(prior).join("results.json"));
        for out in r["outcomes"].as_array().unwrap() {
            let z: Vec<f64> = out["z"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect();
            let centre: Vec<f64> = if prior == "encoded" { mean.clone() } else { vec![0.0; d] };
            for j in 0..d {
                assert!(
                    (z[j] - centre[j]).abs() < 1e-5,
                    "{prior} z[{j}] = {} vs {}",
                    z[j],
                    centre[j]
                );
            }
        }
    }
}

/// `[optimise.polish]` keeps the last evaluations of each restart's budget for an Adam descent
/// from the explorer's best point: the budget spent is unchanged, and the descent improves on
/// what the gradient-free and the sampling explorers stopped at.
#[test]
fn the_polish_descends_from_each_explorers_best_inside_the_same_budget() {
    let t = tempfile::tempdir().unwrap();
    let text = format!(
        "{}\n[optimise.polish]\nevaluations = 20\nlearning_rate = 0.02\n",
        with_optimise(
            "small-chiral.toml",
            "methods = [\"genetic\", \"stochastic\"]\nrestarts = 2"
        )
    );
    let cfg = t.path().join("polish.toml");
    std::fs::write(&cfg, text).unwrap();
    let o = lso(t.path(), &["run", cfg.to_str().unwrap(), "--out", "p"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r = json(&t.path().join("p/results.json"));
    let outcomes = r["outcomes"].as_array().unwrap();
    assert_eq!(outcomes.len(), 2 * 2 * 2);
    for out in outcomes {
        assert_eq!(out["evaluations"]["true"], 60, "{out}");
    }
    let traces = json(&t.path().join("p/optimise/traces.json"));
    let mut descended = 0;
    for tr in traces.as_array().unwrap() {
        let values = tr["values"].as_array().unwrap();
        let last = values.last().unwrap()[0].as_u64().unwrap();
        assert!(last <= 60, "{tr}");
        // ε is smooth in z, so the descent improves on every explorer's best; W is an integer
        // almost everywhere, where its gradient vanishes, so it need not.
        // The explorers evaluate 10 (genetic) or 4 (stochastic) points a round; only the
        // descent, one point a round, improves at consecutive evaluation counts.
        let at: Vec<u64> = values.iter().map(|v| v[0].as_u64().unwrap()).collect();
        let consecutive = at.windows(2).filter(|w| w[0] >= 40 && w[1] == w[0] + 1).count();
        if tr["objective"] == "min energy" {
            assert!(consecutive >= 2, "the descent found nothing lower: {tr}");
            descended += 1;
        }
    }
    assert_eq!(descended, 2 * 2);
    let html = std::fs::read_to_string(t.path().join("p/report.html")).unwrap();
    assert!(
        html.contains("first 40 evaluations; the last 20 of every budget went to an Adam descent"),
        "the report says how the budget was split"
    );
}
