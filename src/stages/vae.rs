//! The `vae` stage: train the VAE on a dataset's spins; write `vae.safetensors` with `vae.json`
//! (its config) beside it, `history.json` (losses per epoch) and `latents.npy` (encoder means).

use crate::config::VaeSection;
use crate::progress;
use crate::rundir::Staging;
use anyhow::{anyhow, Context, Result};
use lso_nn::train::{encode_means, train_vae, History};
use lso_nn::{checkpoint, MlpVae, VaeConfig};
use lso_physics::{npy, SpinSet};
use std::path::Path;

pub struct Trained {
    pub vae: MlpVae,
    pub config: VaeConfig,
    pub history: History,
    pub latents: Vec<f32>,
}

pub fn spins_f32(set: &SpinSet) -> Vec<f32> {
    set.as_slice().iter().map(|&s| s as f32).collect()
}

pub fn train(section: &VaeSection, set: &SpinSet, seed: u64, resume: Option<MlpVae>) -> Result<Trained> {
    let config = section.network(set.lx() * set.ly());
    let data = spins_f32(set);
    let pb = progress::bar(section.train.epochs as u64, "vae");
    let (vae, history) = train_vae(&config, &section.train, &data, seed, resume, &mut |e| {
        pb.set_message(format!("vae {:.1}/{:.1}", e.train_loss, e.val_loss));
        pb.inc(1);
    })?;
    pb.finish_and_clear();
    let latents = encode_means(&vae, &data, config.input, config.latent)?;
    Ok(Trained {
        vae,
        config,
        history,
        latents,
    })
}

pub fn write(out: &Staging, t: &Trained) -> Result<()> {
    out.write("vae.safetensors", &checkpoint::to_bytes(&t.vae)?)?;
    out.write_json("vae.json", &t.config)?;
    out.write_json("history.json", &t.history)?;
    let rows = t.latents.len() / t.config.latent;
    out.write("latents.npy", &npy::encode(&[rows, t.config.latent], &t.latents))?;
    Ok(())
}

/// Rebuilds a VAE from `dir/vae.json` and `dir/vae.safetensors`.
pub fn load(dir: &Path) -> Result<(MlpVae, VaeConfig)> {
    let cfg_path = dir.join("vae.json");
    let text = std::fs::read_to_string(&cfg_path).map_err(|e| anyhow!("{}: cannot read: {e}", cfg_path.display()))?;
    let config: VaeConfig = serde_json::from_str(&text).map_err(|e| anyhow!("{}: {e}", cfg_path.display()))?;
    let w_path = dir.join("vae.safetensors");
    let bytes = std::fs::read(&w_path).map_err(|e| anyhow!("{}: cannot read: {e}", w_path.display()))?;
    let fresh = config
        .init(0, &lso_nn::device())
        .map_err(|e| anyhow!("{}: {e}", cfg_path.display()))?;
    let vae = checkpoint::load_into(fresh, bytes).map_err(|e| anyhow!("{}: {e}", w_path.display()))?;
    Ok((vae, config))
}

/// Refuses a dataset whose grids do not fit the model's input.
pub fn check_fits(config: &VaeConfig, set: &SpinSet, data_name: &str) -> Result<()> {
    let n = set.lx() * set.ly();
    if n != config.input {
        return Err(anyhow!(
            "{data_name}: grids are {}×{} ({n} sites) but the model takes {} inputs",
            set.lx(),
            set.ly(),
            config.input
        ));
    }
    Ok(())
}

pub fn read_latents(dir: &Path, latent: usize) -> Result<Vec<f32>> {
    let p = dir.join("latents.npy");
    let arr = npy::decode(&std::fs::read(&p).with_context(|| format!("{}: cannot read", p.display()))?)
        .map_err(|e| anyhow!("{}: {e}", p.display()))?;
    match (arr.shape.as_slice(), arr.data) {
        ([_, d], npy::NpyData::F32(v)) if *d == latent => Ok(v),
        (shape, _) => Err(anyhow!(
            "{}: expected float32 (M, {latent}), got shape {shape:?}",
            p.display()
        )),
    }
}
