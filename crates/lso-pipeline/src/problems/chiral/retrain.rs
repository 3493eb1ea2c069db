//! Weighted retraining of the chiral conv VAE: rows are unit spins, three values per site.

use super::{ChiralData, ChiralModel, ChiralProblem};
use crate::error::{fail, Result};
use crate::problem::Observed;
use crate::retrain::vae_model::VaeModel;
use crate::retrain::Retrainable;
use lso_physics::heisenberg::Spin;

impl Retrainable for ChiralProblem {
    fn rows(&self, data: &ChiralData) -> Vec<f32> {
        data.set.spins.iter().flat_map(|s| s.map(|c| c as f32)).collect()
    }
    fn decode_rows(&self, data: &ChiralData, m: &ChiralModel, z: &[Vec<f64>]) -> Result<Vec<f32>> {
        Ok(self
            .decode(data, m, z)
            .iter()
            .flatten()
            .flat_map(|s| s.map(|c| c as f32))
            .collect())
    }
    fn observe_rows(&self, data: &ChiralData, rows: &[f32]) -> Result<Vec<Observed>> {
        let n = 3 * data.model.lattice().sites();
        if !rows.len().is_multiple_of(n) {
            return Err(fail!("{} values are not rows of {n} spin components", rows.len()));
        }
        rows.chunks(n)
            .map(|r| {
                // Rows hold f32 (and a decoded vector is normalised in f32 by the decoder's
                // view): each spin is put back on the sphere in f64, as the judge's would be.
                let s: Vec<Spin> = r
                    .chunks(3)
                    .map(|c| {
                        let v = [c[0] as f64, c[1] as f64, c[2] as f64];
                        let n = v.iter().map(|x| x * x).sum::<f64>().sqrt();
                        if !(n > 1e-6 && n.is_finite()) {
                            return Err(fail!("a spin of length {n} has no direction"));
                        }
                        Ok(v.map(|x| x / n))
                    })
                    .collect::<Result<_>>()?;
                Ok(self.observe(&data.model, &s))
            })
            .collect()
    }
    crate::retrain_vae_methods!();
}

impl VaeModel for ChiralModel {
    type Net = lso_nn::conv::ConvVae;
    fn net(&self) -> &lso_nn::conv::ConvVae {
        &self.vae
    }
    fn with_net(&self, vae: lso_nn::conv::ConvVae) -> Self {
        self.with_vae(vae)
    }
    /// Linear outputs: the judge normalises each decoded vector.
    fn layout(&self) -> (usize, usize, lso_nn::OutputKind) {
        (self.config.input(), self.config.latent, lso_nn::OutputKind::Linear)
    }
}
