//! The files of a trained VAE that more than one problem reads: `vae.json` + `vae.safetensors`
//! for the fully connected VAE, and `latents.npy`, the encoder means of the training data.

use crate::error::{fail, Context, Result};
use lso_nn::{checkpoint, MlpVae, VaeConfig};
use lso_physics::npy;
use std::path::Path;

/// Rebuilds a VAE from `dir/vae.json` and `dir/vae.safetensors`.
pub fn load(dir: &Path) -> Result<(MlpVae, VaeConfig)> {
    let cfg_path = dir.join("vae.json");
    let text = std::fs::read_to_string(&cfg_path).map_err(|e| fail!("{}: cannot read: {e}", cfg_path.display()))?;
    let config: VaeConfig = serde_json::from_str(&text).map_err(|e| fail!("{}: {e}", cfg_path.display()))?;
    let w_path = dir.join("vae.safetensors");
    let bytes = std::fs::read(&w_path).map_err(|e| fail!("{}: cannot read: {e}", w_path.display()))?;
    let fresh = config
        .init(0, &lso_nn::device())
        .map_err(|e| fail!("{}: {e}", cfg_path.display()))?;
    let vae = checkpoint::load_into(fresh, bytes).map_err(|e| fail!("{}: {e}", w_path.display()))?;
    Ok((vae, config))
}

pub fn read_latents(dir: &Path, latent: usize) -> Result<Vec<f32>> {
    let p = dir.join("latents.npy");
    let arr = npy::decode(&std::fs::read(&p).with_context(|| format!("{}: cannot read", p.display()))?)
        .map_err(|e| fail!("{}: {e}", p.display()))?;
    match (arr.shape.as_slice(), arr.data) {
        ([_, d], npy::NpyData::F32(v)) if *d == latent => Ok(v),
        (shape, _) => Err(fail!(
            "{}: expected float32 (M, {latent}), got shape {shape:?}",
            p.display()
        )),
    }
}
