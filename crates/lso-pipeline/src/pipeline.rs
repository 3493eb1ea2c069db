//! `lso run` as one generic pipeline over a [`Problem`]: data → model stages (VAE, surrogate) →
//! search → controls → results → report, every stage cached by a hash of its inputs and the lso
//! version, and reused when both match.

use crate::config::{hash_of, read_text};
use crate::error::{fail, usage, Result};
use crate::problem::{Problem, RunView};
use crate::problems::{ChiralProblem, IsingProblem, ShapesProblem};
use crate::progress::say;
use crate::results::{format_table, summary_rows, Outcome, Results, TraceRecord, SCHEMA};
use crate::retrain::{LoopSummary, Retrainable};
use crate::rundir::{read_json, write_json, Provenance, Staging};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// How a run is asked for, beyond its config.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Run directory (default `runs/<name>`).
    pub out: Option<PathBuf>,
    /// Overrides the config's seed.
    pub seed: Option<u64>,
    /// Recompute every stage, replacing earlier results.
    pub force: bool,
}

/// What a finished run leaves.
#[derive(Clone, Debug)]
pub struct RunOutput {
    pub dir: PathBuf,
    pub report: PathBuf,
    pub results: Results,
    /// The summary table as aligned text.
    pub table: String,
}

#[derive(Serialize, Deserialize)]
struct StageStamp {
    stage: String,
    config_hash: String,
    #[serde(default)]
    version: Option<String>,
}

const STAMP: &str = "stage.json";

/// Whether stage output `dir` must be computed (`true`) or can be reused for `hash` (`false`).
fn needs_compute(dir: &Path, hash: &str, force: bool) -> Result<bool> {
    if force || !dir.exists() {
        return Ok(true);
    }
    let stamp: Option<StageStamp> = std::fs::read_to_string(dir.join(STAMP))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok());
    match stamp {
        Some(s) if s.version.as_deref() != Some(VERSION) => Err(usage(format!(
            "{}: made by lso {} (this is {VERSION}); use --force to recompute it",
            dir.display(),
            s.version.as_deref().unwrap_or("< 0.1")
        ))),
        Some(s) if s.config_hash == hash => Ok(false),
        Some(_) => Err(usage(format!(
            "{}: made from a different config; use --force to recompute it (or --out for a new run directory)",
            dir.display()
        ))),
        None => Err(usage(format!(
            "{}: exists but is not a finished stage; use --force to replace it",
            dir.display()
        ))),
    }
}

/// Runs `compute` into a staging directory stamped with `hash`, unless the stage can be reused.
/// Returns the seconds spent (None when reused).
pub fn stage(
    dir: &Path,
    name: &str,
    hash: &str,
    force: bool,
    compute: impl FnOnce(&Staging) -> Result<()>,
) -> Result<Option<f64>> {
    if !needs_compute(dir, hash, force)? {
        say(&format!("  {name:<9} reused (config unchanged)"));
        return Ok(None);
    }
    let t0 = Instant::now();
    let staging = Staging::new(dir, true)?;
    compute(&staging)?;
    staging.write_json(
        STAMP,
        &StageStamp {
            stage: name.into(),
            config_hash: hash.into(),
            version: Some(VERSION.into()),
        },
    )?;
    staging.commit()?;
    let secs = t0.elapsed().as_secs_f64();
    say(&format!("  {name:<9} done ({secs:.2} s)"));
    Ok(Some(secs))
}

/// The data and model stages of `p` in `dir` (each computed or reused), loaded; with the hash
/// that chains them, on which later stages build. `timed` receives each computed stage's seconds.
pub fn prepare<P: Problem>(
    p: &P,
    dir: &Path,
    force: bool,
    timed: &mut dyn FnMut(&str, Option<f64>),
) -> Result<(P::Data, P::Model, String)> {
    let data_dir = dir.join("data");
    let mut hash = hash_of(&(VERSION, p.seed(), p.data_key()));
    timed("data", stage(&data_dir, "data", &hash, force, |out| p.generate(out))?);
    let data = p.load_data(&data_dir)?;
    for (name, key) in p.model_stages() {
        hash = hash_of(&(&hash, name, key));
        let t = stage(&dir.join(name), name, &hash, force, |out| {
            p.train(name, &data, dir, out)
        })?;
        timed(name, t);
    }
    let model = p.load_model(dir, &data)?;
    Ok((data, model, hash))
}

/// Runs problem `p` through every stage into its run directory.
pub fn run<P: Retrainable>(mut p: P, opts: &RunOptions) -> Result<RunOutput> {
    if let Some(s) = opts.seed {
        p.set_seed(s);
    }
    let dir = opts.out.clone().unwrap_or_else(|| Path::new("runs").join(p.name()));
    std::fs::create_dir_all(&dir).map_err(|e| fail!("{}: cannot create run directory: {e}", dir.display()))?;
    say(&format!("lso run ({}): {} (seed {})", P::KIND, dir.display(), p.seed()));
    let config = p.config_json();
    let mut prov = Provenance::new(p.seed(), &config);
    let t_all = Instant::now();
    let force = opts.force;
    let mut timed = |name: &str, t: Option<f64>| {
        if let Some(s) = t {
            prov.timings_s.insert(name.to_string(), s);
        }
    };

    let (data, model, hash) = prepare(&p, &dir, force, &mut timed)?;
    let objectives = p.objectives(&data);

    let opt_dir = dir.join("optimise");
    // The retraining loops are a stage of their own: their settings leave this one cached.
    let mut search = p.search().clone();
    let retrain = std::mem::take(&mut search.retrain);
    let opt_hash = hash_of(&(&hash, &search, p.search_key(), &objectives));
    let t = stage(&opt_dir, "optimise", &opt_hash, force, |out| {
        let (outcomes, traces) = crate::search::run(&p, &data, &model, &objectives)?;
        out.write_json("results.json", &outcomes)?;
        out.write_json("traces.json", &traces)
    })?;
    timed("optimise", t);
    let mut outcomes: Vec<Outcome> = read_json(&opt_dir.join("results.json"))?;
    let traces: Vec<TraceRecord> = read_json(&opt_dir.join("traces.json"))?;

    let mut loops: Vec<LoopSummary> = Vec::new();
    if !retrain.methods.is_empty() {
        let retrain_dir = dir.join("retrain");
        // Checkpoints and every retrain's weights live beside the stage, so a killed loop
        // resumes; --force starts them afresh.
        let work = dir.join("retrain-work");
        if force && work.exists() {
            std::fs::remove_dir_all(&work).map_err(|e| fail!("{}: cannot remove: {e}", work.display()))?;
        }
        let retrain_hash = hash_of(&(&opt_hash, &retrain));
        let t = stage(&retrain_dir, "retrain", &retrain_hash, force, |out| {
            let (o, l) = crate::retrain::run_all(&p, &data, &model, &objectives, &work)?;
            out.write_json("results.json", &o)?;
            out.write_json("loops.json", &l)
        })?;
        timed("retrain", t);
        outcomes.extend(read_json::<Vec<Outcome>>(&retrain_dir.join("results.json"))?);
        loops = read_json(&retrain_dir.join("loops.json"))?;
    }

    let control_dir = dir.join("control");
    let s = p.search();
    let control_hash = hash_of(&(&hash, s.prior_samples, s.budget, p.control_key(), &objectives));
    // Draws from the encoded prior are another control; the standard prior keeps earlier hashes.
    let control_hash = match s.prior {
        crate::explorer::LatentPrior::Standard => control_hash,
        other => hash_of(&(control_hash, other.name())),
    };
    let t = stage(&control_dir, "control", &control_hash, force, |out| {
        let (controls, sets) = crate::controls::run(&p, &data, &model, &objectives)?;
        out.write_json("results.json", &controls)?;
        out.write_json("sets.json", &sets)
    })?;
    timed("control", t);
    let controls: Vec<Outcome> = read_json(&control_dir.join("results.json"))?;
    let sets: crate::controls::Sets = read_json(&control_dir.join("sets.json"))?;

    let results = Results {
        schema: SCHEMA,
        problem: P::KIND.into(),
        name: p.name().into(),
        seed: p.seed(),
        version: VERSION.into(),
        reference: p.reference(&data),
        objectives,
        outcomes,
        controls,
    };
    write_json(&dir.join("results.json"), &results)?;

    // The report always reflects what is on disk, whether just computed or reused.
    let t0 = Instant::now();
    prov.timings_s.insert("total".into(), t_all.elapsed().as_secs_f64());
    let fig_dir = dir.join("report");
    let view = RunView {
        dir: &dir,
        fig_dir: &fig_dir,
        data: &data,
        model: &model,
        results: &results,
        traces: &traces,
        sets: &sets,
        loops: &loops,
    };
    let report = crate::run_report::write(&p, &view, &serde_json::to_string_pretty(&prov)?)?;
    prov.timings_s.insert("report".into(), t0.elapsed().as_secs_f64());
    write_json(&dir.join("manifest.json"), &prov)?;
    let table = format_table(&summary_rows(&results, &p.columns(), &|s, o| p.score(s, o)));
    Ok(RunOutput {
        table: format!("{table}{}\n", p.note(&data)),
        dir,
        report,
        results,
    })
}

/// A run config of any problem, told apart by its data section: `[chiral]`, `[shapes]`, or
/// (`[data]`) Ising.
pub enum AnyProblem {
    Ising(Box<IsingProblem>),
    Chiral(Box<ChiralProblem>),
    Shapes(Box<ShapesProblem>),
}

impl AnyProblem {
    /// Parses and checks every value of a config text; `origin` names it in messages.
    pub fn parse(text: &str, origin: &str) -> Result<Self> {
        Ok(if crate::config::has_table(text, "chiral") {
            AnyProblem::Chiral(Box::new(ChiralProblem::parse(text, origin)?))
        } else if crate::config::has_table(text, "shapes") {
            AnyProblem::Shapes(Box::new(ShapesProblem::parse(text, origin)?))
        } else {
            AnyProblem::Ising(Box::new(IsingProblem::parse(text, origin)?))
        })
    }

    pub fn load(path: &Path) -> Result<Self> {
        Self::parse(&read_text(path)?, &path.display().to_string())
    }

    /// The embedded default: seed 000's Ising experiment.
    pub fn embedded_default() -> Self {
        Self::parse(crate::config::DEFAULT_TOML, "configs/default.toml").expect("the embedded default config is valid")
    }

    pub fn kind(&self) -> &'static str {
        match self {
            AnyProblem::Ising(_) => IsingProblem::KIND,
            AnyProblem::Chiral(_) => ChiralProblem::KIND,
            AnyProblem::Shapes(_) => ShapesProblem::KIND,
        }
    }

    pub fn set_seed(&mut self, seed: u64) {
        match self {
            AnyProblem::Ising(p) => p.set_seed(seed),
            AnyProblem::Chiral(p) => p.set_seed(seed),
            AnyProblem::Shapes(p) => p.set_seed(seed),
        }
    }

    pub fn to_toml(&self) -> Result<String> {
        match self {
            AnyProblem::Ising(p) => p.to_toml(),
            AnyProblem::Chiral(p) => p.to_toml(),
            AnyProblem::Shapes(p) => p.to_toml(),
        }
    }

    pub fn run(self, opts: &RunOptions) -> Result<RunOutput> {
        match self {
            AnyProblem::Ising(p) => run(*p, opts),
            AnyProblem::Chiral(p) => run(*p, opts),
            AnyProblem::Shapes(p) => run(*p, opts),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `--print-config` prints a config that reads back as the same config, for every example.
    #[test]
    fn printed_configs_read_back_the_same() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        for f in [
            "configs/default.toml",
            "examples/chiral.toml",
            "examples/chiral-retrain.toml",
            "examples/shapes.toml",
            "examples/ising-mc.toml",
        ] {
            let p = AnyProblem::load(&root.join(f)).unwrap();
            let printed = p.to_toml().unwrap();
            let back = AnyProblem::parse(&printed, "printed").unwrap();
            assert_eq!(back.to_toml().unwrap(), printed, "{f}");
            let same = match (&p, &back) {
                (AnyProblem::Ising(a), AnyProblem::Ising(b)) => a.cfg == b.cfg,
                (AnyProblem::Chiral(a), AnyProblem::Chiral(b)) => a.cfg == b.cfg,
                (AnyProblem::Shapes(a), AnyProblem::Shapes(b)) => a.cfg == b.cfg,
                _ => false,
            };
            assert!(same, "{f}: {printed}");
        }
    }

    /// Every example config loads, except that a build without the wgpu backend refuses the
    /// GPU example in one line that says how to build it.
    #[test]
    fn every_example_loads_or_names_the_missing_backend() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
        // The full-scale example's header says to raise the memory limit; so does this test. No
        // test in this binary needs a limit between the default and this one.
        std::env::set_var("LSO_MAX_MEMORY_GB", "32");
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "toml") {
                continue;
            }
            seen += 1;
            let text = std::fs::read_to_string(&path).unwrap();
            if text.contains("\nfamilies") {
                // An `lso compare` config.
                crate::compare::config::CompareConfig::parse(&text, "example").unwrap();
                continue;
            }
            let wants_gpu = text.contains("device = \"wgpu\"");
            match AnyProblem::load(&path) {
                Ok(_) => assert!(!wants_gpu || lso_nn::Backend::Wgpu.built(), "{}", path.display()),
                Err(e) => {
                    let msg = e.to_string();
                    assert!(
                        wants_gpu && !lso_nn::Backend::Wgpu.built() && msg.contains("--features wgpu"),
                        "{}: {msg}",
                        path.display()
                    );
                }
            }
        }
        assert!(seen >= 6, "found {seen} examples");
    }
}
