//! `lso train vae`, `lso train surrogate` and `lso optimise`: the pipeline's stages on their own,
//! reading and writing the same directories `lso run` does.

use crate::cli::{OptimiseArgs, StageArgs, TrainSurrogateArgs, TrainVaeArgs};
use crate::config::RunConfig;
use crate::rundir::{ensure_free, write_json, Provenance, Staging};
use crate::stages::{generate, optimise, surrogate, vae};
use anyhow::{anyhow, Result};
use lso_physics::SpinSet;
use std::path::{Path, PathBuf};

fn settings(s: &StageArgs) -> Result<RunConfig> {
    let mut cfg = match &s.config {
        Some(p) => RunConfig::load(p)?,
        None => RunConfig::embedded_default(),
    };
    if let Some(seed) = s.seed {
        cfg.seed = seed;
    }
    Ok(cfg)
}

fn spins_path(data: &Path) -> PathBuf {
    if data.is_dir() {
        data.join("spins.npy")
    } else {
        data.to_path_buf()
    }
}

fn load_spins(data: &Path) -> Result<(SpinSet, String)> {
    let p = spins_path(data);
    Ok((super::load_spin_set(&p)?, p.display().to_string()))
}

fn energies(data: &Path, set: &SpinSet) -> Result<Vec<f64>> {
    let p = data.join("energy.npy");
    let bytes = std::fs::read(&p).map_err(|e| anyhow!("{}: cannot read: {e}", p.display()))?;
    match lso_physics::npy::decode(&bytes)
        .map_err(|e| anyhow!("{}: {e}", p.display()))?
        .data
    {
        lso_physics::npy::NpyData::F64(v) if v.len() == set.len() => Ok(v),
        other => Err(anyhow!(
            "{}: expected {} float64 energies, found {} {}",
            p.display(),
            set.len(),
            other.len(),
            other.dtype()
        )),
    }
}

pub fn vae(a: TrainVaeArgs) -> Result<()> {
    let mut cfg = settings(&a.stage)?;
    if let Some(e) = a.epochs {
        cfg.vae.train.epochs = e;
        cfg.check("--epochs")?;
    }
    ensure_free(&a.stage.out, a.stage.force)?;
    let (set, name) = load_spins(&a.data)?;
    let resume = match &a.resume {
        Some(dir) => {
            let (m, c) = vae::load(dir)?;
            vae::check_fits(&c, &set, &name)?;
            if c != cfg.vae.network(c.input) {
                return Err(anyhow!(
                    "{}: the saved model's config differs from [vae] of the run config",
                    dir.join("vae.json").display()
                ));
            }
            Some(m)
        }
        None => None,
    };
    let t = vae::train(&cfg.vae, &set, cfg.seed, resume)?;
    let staging = Staging::new(&a.stage.out, a.stage.force)?;
    vae::write(&staging, &t)?;
    staging.write_json("provenance.json", &Provenance::new(cfg.seed, &cfg.vae))?;
    let dir = staging.commit()?;
    let last = &t.history.epochs[t.history.best_epoch];
    println!(
        "trained {} epochs (best {}: validation loss {:.3}); wrote {}",
        t.history.epochs.len(),
        t.history.best_epoch,
        last.val_loss,
        dir.display()
    );
    Ok(())
}

pub fn surrogate(a: TrainSurrogateArgs) -> Result<()> {
    let cfg = settings(&a.stage)?;
    ensure_free(&a.stage.out, a.stage.force)?;
    let (set, name) = load_spins(&a.data)?;
    let (_, vcfg) = vae::load(&a.vae)?;
    vae::check_fits(&vcfg, &set, &name)?;
    let latents = vae::read_latents(&a.vae, vcfg.latent)?;
    if latents.len() / vcfg.latent != set.len() {
        return Err(anyhow!(
            "{}: latents.npy has {} codes but {name} holds {} grids",
            a.vae.display(),
            latents.len() / vcfg.latent,
            set.len()
        ));
    }
    let e = energies(&a.data, &set)?;
    let (s, r) = surrogate::train(&cfg.surrogate, &latents, vcfg.latent, &e, cfg.seed)?;
    let staging = Staging::new(&a.stage.out, a.stage.force)?;
    surrogate::write(&staging, &s, &r)?;
    let dir = staging.commit()?;
    println!(
        "surrogate: held-out MSE {:.2} (constant predictor {:.2}), R² {:.3}; wrote {}",
        r.val_mse,
        r.constant_mse,
        r.val_r2,
        dir.display()
    );
    Ok(())
}

pub fn optimise(a: OptimiseArgs) -> Result<()> {
    let cfg = settings(&a.stage)?;
    ensure_free(&a.stage.out, a.stage.force)?;
    let (set, name) = load_spins(&a.data)?;
    let (vae_model, vcfg) = vae::load(&a.vae)?;
    vae::check_fits(&vcfg, &set, &name)?;
    let (sur, _) = surrogate::load(&a.surrogate)?;
    if sur.config.latent != vcfg.latent {
        return Err(anyhow!(
            "{}: surrogate takes {} latent inputs, the VAE has {}",
            a.surrogate.display(),
            sur.config.latent,
            vcfg.latent
        ));
    }
    let latents = vae::read_latents(&a.vae, vcfg.latent)?;
    // The energies use the data's own model when its meta.json describes one.
    let data_cfg = std::fs::read_to_string(a.data.join("meta.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| serde_json::from_value::<crate::config::IsingDataConfig>(v["provenance"]["config"].clone()).ok())
        .unwrap_or(crate::config::IsingDataConfig {
            lx: set.lx(),
            ly: set.ly(),
            ..Default::default()
        });
    let model = generate::build_model(&data_cfg, cfg.seed)?;
    let models = optimise::Models {
        vae: &vae_model,
        vae_config: &vcfg,
        surrogate: &sur,
        model: &model,
    };
    let (results, trajectories) = optimise::run(&cfg.optimise, &models, &latents, cfg.seed)?;
    let staging = Staging::new(&a.stage.out, a.stage.force)?;
    staging.write_json("results.json", &results)?;
    staging.write_json("trajectories.json", &trajectories)?;
    let dir = staging.commit()?;
    for s in results.methods.iter().chain([&results.prior, &results.encoded_data]) {
        println!(
            "{:<28} ground states {:>9}  best {:>8}  mean {:>9.1}",
            s.method,
            s.hits.map_or("n/a".into(), |h| format!("{h}/{}", s.runs)),
            s.best,
            s.mean
        );
    }
    write_json(&dir.join("provenance.json"), &Provenance::new(cfg.seed, &cfg.optimise))?;
    println!("wrote {}", dir.display());
    Ok(())
}
