//! `lso run`: every stage in order into one run directory, reusing a stage whose config is
//! unchanged and refusing to replace one whose config changed unless `--force`.

use crate::cli::RunArgs;
use crate::config::{hash_of, RunConfig};
use crate::error::usage;
use crate::rundir::{write_json, Provenance, Staging};
use crate::stages::{control, generate};
use anyhow::{Context, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Serialize, serde::Deserialize)]
struct StageStamp {
    stage: String,
    config_hash: String,
}

const STAMP: &str = "stage.json";

enum Plan {
    Compute,
    Reuse,
}

/// Decides whether stage output `dir` can be reused for `hash`.
fn plan(dir: &Path, hash: &str, force: bool) -> Result<Plan> {
    if force || !dir.exists() {
        return Ok(Plan::Compute);
    }
    let stamp: Option<StageStamp> = std::fs::read_to_string(dir.join(STAMP))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok());
    match stamp {
        Some(s) if s.config_hash == hash => Ok(Plan::Reuse),
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

fn stamp(staging: &Staging, stage: &str, hash: &str) -> Result<()> {
    staging.write_json(
        STAMP,
        &StageStamp {
            stage: stage.into(),
            config_hash: hash.into(),
        },
    )
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

    // Stage 1: data.
    let data_dir = dir.join("data");
    let data_hash = hash_of(&(cfg.seed, &cfg.data));
    let model = generate::build_model(&cfg.data, cfg.seed)?;
    match plan(&data_dir, &data_hash, a.force)? {
        Plan::Reuse => println!("  data     reused (config unchanged)"),
        Plan::Compute => {
            let t0 = Instant::now();
            let ds = generate::generate(&cfg.data, cfg.seed)?;
            let mut p = Provenance::new(cfg.seed, &cfg.data);
            p.timings_s.insert("generate".into(), t0.elapsed().as_secs_f64());
            let staging = Staging::new(&data_dir, true)?;
            generate::write(&ds, &cfg.data, &staging, &p)?;
            stamp(&staging, "data", &data_hash)?;
            staging.commit()?;
            prov.timings_s.insert("data".into(), t0.elapsed().as_secs_f64());
            println!(
                "  data     {} configurations ({:.2} s)",
                ds.spins.len(),
                t0.elapsed().as_secs_f64()
            );
        }
    }

    // Stage 2: the annealing control on the spins.
    let control_dir = dir.join("control");
    let control_hash = hash_of(&(cfg.seed, &cfg.data, &cfg.control));
    let results: control::ControlResults = match plan(&control_dir, &control_hash, a.force)? {
        Plan::Reuse => {
            println!("  control  reused (config unchanged)");
            let text = std::fs::read_to_string(control_dir.join("results.json"))
                .with_context(|| format!("{}: cannot read results.json", control_dir.display()))?;
            let v: serde_json::Value = serde_json::from_str(&text)
                .with_context(|| format!("{}: corrupt results.json", control_dir.display()))?;
            print_summary_value(&v);
            write_json(&dir.join("manifest.json"), &prov)?;
            println!("run directory: {}", dir.display());
            return Ok(());
        }
        Plan::Compute => {
            let t0 = Instant::now();
            let r = control::run(&model, &cfg.control, cfg.seed)?;
            let staging = Staging::new(&control_dir, true)?;
            staging.write_json("results.json", &r)?;
            stamp(&staging, "control", &control_hash)?;
            staging.commit()?;
            prov.timings_s.insert("control".into(), t0.elapsed().as_secs_f64());
            r
        }
    };
    prov.timings_s.insert("total".into(), t_all.elapsed().as_secs_f64());
    print_summary_value(&serde_json::to_value(&results)?);
    write_json(&dir.join("manifest.json"), &prov)?;
    println!("run directory: {}", dir.display());
    Ok(())
}

fn print_summary_value(v: &serde_json::Value) {
    let restarts = v["restarts"].as_array().map_or(0, |r| r.len());
    let hits = v["hits"]
        .as_u64()
        .map_or("n/a".to_string(), |h| format!("{h}/{restarts}"));
    println!();
    println!(
        "{:<10} {:>14} {:>12} {:>12}",
        "method", "ground states", "best E", "mean E"
    );
    println!(
        "{:<10} {:>14} {:>12} {:>12.1}",
        v["method"].as_str().unwrap_or("?"),
        hits,
        v["best"].as_f64().unwrap_or(f64::NAN),
        v["mean"].as_f64().unwrap_or(f64::NAN)
    );
    if let Some(g) = v["ground_state_energy"].as_f64() {
        println!("(exact ground state E0 = {g}; energies are true energies of the final spins)");
    }
}
