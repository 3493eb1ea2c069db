//! `lso run`: every stage in order into one run directory, reusing a stage whose config is
//! unchanged and refusing to replace one whose config changed unless `--force`.

use super::load_spin_set;
use crate::cli::RunArgs;
use crate::config::{hash_of, RunConfig};
use crate::error::usage;
use crate::report;
use crate::rundir::{write_json, Provenance, Staging};
use crate::stages::{control, generate, optimise, surrogate, vae};
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
pub(crate) fn stage(
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

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(|e| anyhow!("{}: cannot read: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| anyhow!("{}: corrupt: {e}", path.display()))
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

/// Applies `--seed`, handles `--print-config`, and creates the run directory (`--out`, or
/// `runs/<name>`). `None` means the config was printed and there is nothing to run.
pub(crate) fn open_run<C: Serialize>(
    a: &RunArgs,
    cfg: &C,
    name: &str,
    kind: &str,
    seed: u64,
) -> Result<Option<PathBuf>> {
    if a.print_config {
        print!("{}", toml::to_string(cfg).context("printing config")?);
        return Ok(None);
    }
    let dir: PathBuf = a.out.clone().unwrap_or_else(|| Path::new("runs").join(name));
    std::fs::create_dir_all(&dir).with_context(|| format!("{}: cannot create run directory", dir.display()))?;
    println!("lso run ({kind}): {} (seed {seed})", dir.display());
    Ok(Some(dir))
}

pub fn run(a: RunArgs) -> Result<()> {
    if let Some(p) = &a.config {
        let text = crate::config::read_text(p)?;
        if crate::config::chiral::is_chiral(&text) {
            let cfg = crate::config::chiral::ChiralRunConfig::parse(&text, &p.display().to_string())?;
            return super::run_chiral::run(cfg, &a);
        }
        if crate::config::shapes::is_shapes(&text) {
            let cfg = crate::config::shapes::ShapesRunConfig::parse(&text, &p.display().to_string())?;
            return super::run_shapes::run(cfg, &a);
        }
    }
    let mut cfg = match &a.config {
        Some(p) => RunConfig::load(p)?,
        None => RunConfig::embedded_default(),
    };
    cfg.seed = a.seed.unwrap_or(cfg.seed);
    let origin = a
        .config
        .as_ref()
        .map_or("embedded default".to_string(), |p| p.display().to_string());
    let Some(dir) = open_run(&a, &cfg, &cfg.name, &format!("ising, config {origin}"), cfg.seed)? else {
        return Ok(());
    };
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

    let spins = load_spin_set(&data_dir.join("spins.npy"))?;
    let energy = read_f64s(&data_dir.join("energy.npy"))?;
    let magnetisation = read_f64s(&data_dir.join("magnetisation.npy"))?;

    let vae_dir = dir.join("vae");
    let vae_hash = hash_of(&(cfg.seed, &cfg.data, &cfg.vae));
    let t = stage(&vae_dir, "vae", &vae_hash, a.force, |out| {
        vae::write(out, &vae::train(&cfg.vae, &spins, cfg.seed, None)?)
    })?;
    prov.timings_s.extend(t.map(|s| ("vae".to_string(), s)));
    let (vae_model, vae_config) = vae::load(&vae_dir)?;
    vae::check_fits(&vae_config, &spins, &data_dir.join("spins.npy").display().to_string())?;
    let latents = vae::read_latents(&vae_dir, vae_config.latent)?;
    let history: lso_nn::train::History = read_json(&vae_dir.join("history.json"))?;

    let sur_dir = dir.join("surrogate");
    let sur_hash = hash_of(&(&vae_hash, &cfg.surrogate));
    let t = stage(&sur_dir, "surrogate", &sur_hash, a.force, |out| {
        let (s, r) = surrogate::train(&cfg.surrogate, &latents, vae_config.latent, &energy, cfg.seed)?;
        surrogate::write(out, &s, &r)
    })?;
    prov.timings_s.extend(t.map(|s| ("surrogate".to_string(), s)));
    let (sur, sur_report) = surrogate::load(&sur_dir)?;

    let opt_dir = dir.join("optimise");
    let opt_hash = hash_of(&(&sur_hash, &cfg.optimise));
    let models = optimise::Models {
        vae: &vae_model,
        vae_config: &vae_config,
        surrogate: &sur,
        model: &model,
    };
    let t = stage(&opt_dir, "optimise", &opt_hash, a.force, |out| {
        let (results, trajectories) = optimise::run(&cfg.optimise, &models, &latents, cfg.seed)?;
        out.write_json("results.json", &results)?;
        out.write_json("trajectories.json", &trajectories)
    })?;
    prov.timings_s.extend(t.map(|s| ("optimise".to_string(), s)));
    let results: optimise::OptimiseResults = read_json(&opt_dir.join("results.json"))?;
    let trajectories: Vec<optimise::Trajectory> = read_json(&opt_dir.join("trajectories.json"))?;

    let control_dir = dir.join("control");
    let t = stage(
        &control_dir,
        "control",
        &hash_of(&(cfg.seed, &cfg.data, &cfg.control)),
        a.force,
        |out| out.write_json("results.json", &control::run(&model, &cfg.control, cfg.seed)?),
    )?;
    prov.timings_s.extend(t.map(|s| ("control".to_string(), s)));
    let control: control::ControlResults = read_json(&control_dir.join("results.json"))?;

    // The report always reflects what is on disk, whether just computed or reused.
    let t0 = Instant::now();
    prov.timings_s.insert("total".into(), t_all.elapsed().as_secs_f64());
    let run_view = report::IsingRun {
        name: &cfg.name,
        model: &model,
        spins: &spins,
        energy: &energy,
        magnetisation: &magnetisation,
        control: &control,
        lso: Some(report::lso::LsoParts {
            vae: &vae_model,
            vae_config: &vae_config,
            history: &history,
            surrogate: &sur,
            surrogate_report: &sur_report,
            results: &results,
            trajectories: &trajectories,
            latents: &latents,
            lx: spins.lx(),
            ly: spins.ly(),
        }),
        provenance_json: serde_json::to_string_pretty(&prov)?,
    };
    let html = report::write_ising(&dir, &run_view)?;
    // One file with every method and control, for scripts.
    write_json(
        &dir.join("results.json"),
        &serde_json::json!({
            "ground_state_energy": model.ground_state_energy(),
            "optimise": &results,
            "anneal": &control,
            "surrogate": { "val_mse": sur_report.val_mse, "val_r2": sur_report.val_r2, "constant_mse": sur_report.constant_mse },
        }),
    )?;
    prov.timings_s.insert("report".into(), t0.elapsed().as_secs_f64());
    write_json(&dir.join("manifest.json"), &prov)?;

    print_table(&report::summary_rows(&run_view), control.ground_state_energy);
    println!("report: {}", html.display());
    println!("run directory: {}", dir.display());
    Ok(())
}

fn print_table(rows: &[Vec<String>], ground: Option<f64>) {
    println!();
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    for (k, r) in rows.iter().enumerate() {
        let cells: Vec<String> = r
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(c, (cell, w))| {
                if c == 0 {
                    format!("{cell:<w$}")
                } else {
                    format!("{cell:>w$}")
                }
            })
            .collect();
        println!("{}", cells.join("  "));
        if k == 0 {
            println!(
                "{}",
                widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().join("  ")
            );
        }
    }
    if let Some(g) = ground {
        println!("exact ground state E0 = {g}; every energy above is the true energy of a signed configuration");
    }
}
