//! Weighted retraining of the Ising VAE: rows are spins in ±1, decoded codes are signed grids.

use super::{decoder, observe, IsingData, IsingModel, IsingProblem};
use crate::error::{fail, Result};
use crate::problem::Observed;
use crate::retrain::vae_model::VaeModel;
use crate::retrain::Retrainable;

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
        if !rows.len().is_multiple_of(n) {
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
    crate::retrain_vae_methods!();
}

impl VaeModel for IsingModel {
    type Net = lso_nn::MlpVae;
    fn net(&self) -> &lso_nn::MlpVae {
        &self.vae
    }
    fn with_net(&self, vae: lso_nn::MlpVae) -> Self {
        self.with_vae(vae)
    }
    fn layout(&self) -> (usize, usize, lso_nn::OutputKind) {
        let c = &self.vae_config;
        (c.input, c.latent, c.output)
    }
}
