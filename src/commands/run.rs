//! `lso run`: every stage in order into one run directory, reusing a stage whose config is
//! unchanged and refusing to replace one whose config changed unless `--force`.

use super::load_spin_set;
use crate::cli::RunArgs;
use crate::config::{hash_of, RunConfig};
use crate::error::usage;
use crate::report;
use crate::rundir::{write_json, Provenance, Staging};
use crate::stages::{control, generate};
use anyhow::{anyhow, Context, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Serialize, Deserialize)]
struct StageStamp {
    stage: String,
    config_hash: String,
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
fn stage(
    dir: &Path,
    name: &str,
    hash: &str,
    force: bool,
    compute: impl FnOnce(&Staging) -> Result<()>,
) -> Result<Option<f64>> {
    if !needs_compute(dir, hash, force)? {
        println!("  {name:<8} reused (config unchanged)");
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
        },
    )?;
    staging.commit()?;
    let secs = t0.elapsed().as_secs_f64();
    println!("  {name:<8} done ({secs:.2} s)");
    Ok(Some(secs))
}

fn read_f64s(path: &Path) -> Result<Vec<f64>> {
    let bytes = std::fs::read(path).map_err(|e| anyhow!("{}: cannot read: {e}", path.display()))?;
    match lso_physics::npy::decode(&bytes)
        .map_err(|e| anyhow!("{}: {e}", path.display()))?
        .data
    {
        lso_physics::npy::NpyData::F64(v) => Ok(v),
        other => Err(anyhow!("{}: expected float64, found {}", path.display(), other.dtype())),
    }
}

pub fn run(a: RunArgs) -> Result<()> {
    let mut cfg = match &a.config {
        Some(p) => RunConfig::load(p)?,
        None => RunConfig::embedded_default(),
    };
    if let Some(seed) = a.seed {
        cfg.seed = seed;
    }
    if a.print_config {
        print!("{}", toml::to_string(&cfg).context("printing config")?);
        return Ok(());
    }
    let dir: PathBuf = a.out.clone().unwrap_or_else(|| Path::new("runs").join(&cfg.name));
    std::fs::create_dir_all(&dir).with_context(|| format!("{}: cannot create run directory", dir.display()))?;
    let origin = a
        .config
        .as_ref()
        .map_or("embedded default".to_string(), |p| p.display().to_string());
    println!("lso run: {} (config: {origin}, seed {})", dir.display(), cfg.seed);
    let mut prov = Provenance::new(cfg.seed, &cfg);
    let t_all = Instant::now();
    let model = generate::build_model(&cfg.data, cfg.seed)?;

    let data_dir = dir.join("data");
    let t = stage(&data_dir, "data", &hash_of(&(cfg.seed, &cfg.data)), a.force, |out| {
        let t0 = Instant::now();
        let ds = generate::generate(&cfg.data, cfg.seed)?;
        let mut p = Provenance::new(cfg.seed, &cfg.data);
        p.timings_s.insert("generate".into(), t0.elapsed().as_secs_f64());
        generate::write(&ds, &cfg.data, out, &p)
    })?;
    prov.timings_s.extend(t.map(|s| ("data".to_string(), s)));

    let control_dir = dir.join("control");
    let t = stage(
        &control_dir,
        "control",
        &hash_of(&(cfg.seed, &cfg.data, &cfg.control)),
        a.force,
        |out| out.write_json("results.json", &control::run(&model, &cfg.control, cfg.seed)?),
    )?;
    prov.timings_s.extend(t.map(|s| ("control".to_string(), s)));

    // The report always reflects what is on disk, whether just computed or reused.
    let t0 = Instant::now();
    let spins = load_spin_set(&data_dir.join("spins.npy"))?;
    let energy = read_f64s(&data_dir.join("energy.npy"))?;
    let magnetisation = read_f64s(&data_dir.join("magnetisation.npy"))?;
    let results_path = control_dir.join("results.json");
    let control: control::ControlResults = serde_json::from_str(
        &std::fs::read_to_string(&results_path).with_context(|| format!("{}: cannot read", results_path.display()))?,
    )
    .map_err(|e| anyhow!("{}: corrupt results: {e}", results_path.display()))?;
    prov.timings_s.insert("total".into(), t_all.elapsed().as_secs_f64());
    let html = report::write_ising(
        &dir,
        &report::IsingRun {
            name: &cfg.name,
            model: &model,
            spins: &spins,
            energy: &energy,
            magnetisation: &magnetisation,
            control: &control,
            provenance_json: serde_json::to_string_pretty(&prov)?,
        },
    )?;
    prov.timings_s.insert("report".into(), t0.elapsed().as_secs_f64());
    write_json(&dir.join("manifest.json"), &prov)?;

    print_summary(&control);
    println!("report: {}", html.display());
    println!("run directory: {}", dir.display());
    Ok(())
}

fn print_summary(c: &control::ControlResults) {
    let hits = c
        .hits
        .map_or("n/a".to_string(), |h| format!("{h}/{}", c.restarts.len()));
    println!();
    println!(
        "{:<26} {:>14} {:>10} {:>10}",
        "method", "ground states", "best E", "mean E"
    );
    println!(
        "{:<26} {:>14} {:>10} {:>10.1}",
        format!("{} (control, spins)", c.method),
        hits,
        c.best,
        c.mean
    );
    if let Some(g) = c.ground_state_energy {
        println!("exact ground state E0 = {g}; energies are true energies of the final configurations");
    }
}
