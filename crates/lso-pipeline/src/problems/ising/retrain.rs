//! Weighted retraining of the Ising VAE: rows are spins in ±1, decoded codes are signed grids.

use super::{decoder, observe, IsingData, IsingModel, IsingProblem};
use crate::error::{fail, Result};
use crate::problem::Observed;
use crate::retrain::Retrainable;
use lso_nn::checkpoint;
use lso_nn::train::{encode_means, fine_tune};

impl Retrainable for IsingProblem {
    fn rows(&self, data: &IsingData) -> Vec<f32> {
        super::model::spins_f32(&data.spins)
    }
    fn decode_rows(&self, data: &IsingData, m: &IsingModel, z: &[Vec<f64>]) -> Result<Vec<f32>> {
        Ok(decoder(m, &data.model)
            .signed(z)
            .into_iter()
            .flatten()
            .map(f32::from)
            .collect())
    }
    fn observe_rows(&self, data: &IsingData, rows: &[f32]) -> Result<Vec<Observed>> {
        let n = data.model.sites();
        if rows.len() % n != 0 {
            return Err(fail!("{} values are not rows of {n} spins", rows.len()));
        }
        rows.chunks(n)
            .map(|r| {
                let s: Vec<i8> = r
                    .iter()
                    .map(|&v| match v {
                        1.0 => Ok(1),
                        -1.0 => Ok(-1),
                        _ => Err(fail!("spin value {v} is not ±1")),
                    })
                    .collect::<Result<_>>()?;
                Ok(observe(&data.model, &s))
            })
            .collect()
    }
    fn encode_rows(&self, m: &IsingModel, rows: &[f32]) -> Result<Vec<f32>> {
        Ok(encode_means(&m.vae, rows, m.vae_config.input, m.vae_config.latent)?)
    }
    fn fine_tune(
        &self,
        m: &IsingModel,
        rows: &[f32],
        weights: &[f64],
        steps: usize,
        seed: u64,
    ) -> Result<(IsingModel, f64)> {
        let c = &m.vae_config;
        let (vae, loss) = fine_tune(
            m.vae.clone(),
            c.input,
            c.latent,
            c.output,
            &self.cfg.vae.train,
            rows,
            weights,
            steps,
            seed,
        )?;
        Ok((m.with_vae(vae), loss))
    }
    fn vae_bytes(&self, m: &IsingModel) -> Result<Vec<u8>> {
        Ok(checkpoint::to_bytes(&m.vae)?)
    }
    fn with_vae_bytes(&self, m: &IsingModel, bytes: Vec<u8>) -> Result<IsingModel> {
        Ok(m.with_vae(checkpoint::load_into(m.vae.clone(), bytes)?))
    }
}
