//! The `surrogate` stage: an ensemble `h(z) ≈ E` on the encoder means; writes
//! `surrogate.safetensors`, `surrogate.json` (config with the target standardisation) and
//! `report.json` (held-out MSE, R², parity points, training curves).

use crate::config::SurrogateSection;
use crate::error::{fail, Result};
use crate::rundir::Staging;
use lso_nn::surrogate::{train_surrogate, SurrogateReport};
use lso_nn::{checkpoint, Surrogate, SurrogateConfig};
use std::path::Path;

pub fn train(
    section: &SurrogateSection,
    latents: &[f32],
    latent: usize,
    energies: &[f64],
    seed: u64,
) -> Result<(Surrogate, SurrogateReport)> {
    let cfg = SurrogateConfig::new(latent, section.hidden.clone(), section.ensemble);
    Ok(train_surrogate(&cfg, &section.train, latents, energies, seed)?)
}

pub fn write(out: &Staging, s: &Surrogate, report: &SurrogateReport) -> Result<()> {
    out.write("surrogate.safetensors", &checkpoint::to_bytes(&s.net)?)?;
    out.write_json("surrogate.json", &s.config)?;
    out.write_json("report.json", report)?;
    Ok(())
}

pub fn load(dir: &Path) -> Result<(Surrogate, SurrogateReport)> {
    let cfg_path = dir.join("surrogate.json");
    let text = std::fs::read_to_string(&cfg_path).map_err(|e| fail!("{}: cannot read: {e}", cfg_path.display()))?;
    let config: SurrogateConfig = serde_json::from_str(&text).map_err(|e| fail!("{}: {e}", cfg_path.display()))?;
    let w_path = dir.join("surrogate.safetensors");
    let bytes = std::fs::read(&w_path).map_err(|e| fail!("{}: cannot read: {e}", w_path.display()))?;
    let fresh = config
        .init(0, &lso_nn::device())
        .map_err(|e| fail!("{}: {e}", cfg_path.display()))?;
    let net = checkpoint::load_into(fresh.net, bytes).map_err(|e| fail!("{}: {e}", w_path.display()))?;
    let r_path = dir.join("report.json");
    let report = serde_json::from_str(
        &std::fs::read_to_string(&r_path).map_err(|e| fail!("{}: cannot read: {e}", r_path.display()))?,
    )
    .map_err(|e| fail!("{}: {e}", r_path.display()))?;
    Ok((Surrogate { config, net }, report))
}
