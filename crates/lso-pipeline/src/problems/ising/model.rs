//! The `vae` stage: train the VAE on a dataset's spins; write `vae.safetensors` with `vae.json`
//! (its config) beside it, `history.json` (losses per epoch) and `latents.npy` (encoder means).

use crate::config::VaeSection;
use crate::error::{fail, Result};
use crate::progress;
use crate::rundir::Staging;
use lso_nn::train::{encode_means, train_vae, History};
use lso_nn::{checkpoint, MlpVae, VaeConfig};
use lso_physics::{npy, SpinSet};

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

/// Refuses a dataset whose grids do not fit the model's input.
pub fn check_fits(config: &VaeConfig, set: &SpinSet, data_name: &str) -> Result<()> {
    let n = set.lx() * set.ly();
    if n != config.input {
        return Err(fail!(
            "{data_name}: grids are {}×{} ({n} sites) but the model takes {} inputs",
            set.lx(),
            set.ly(),
            config.input
        ));
    }
    Ok(())
}

pub use crate::vae_files::{load, read_latents};
