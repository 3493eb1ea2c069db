//! Weighted retraining of the shapes VAE: rows are polygon coordinates as the network sees them
//! (scaled into [0, 1] for a sigmoid decoder).

use super::{network_input, observe, ShapeSet, ShapesModel, ShapesProblem};
use crate::error::{fail, Result};
use crate::problem::Observed;
use crate::retrain::vae_model::VaeModel;
use crate::retrain::Retrainable;

impl Retrainable for ShapesProblem {
    fn rows(&self, set: &ShapeSet) -> Vec<f32> {
        network_input(set, self.cfg.vae.output).0
    }
    fn decode_rows(&self, set: &ShapeSet, m: &ShapesModel, z: &[Vec<f64>]) -> Result<Vec<f32>> {
        let to_row = |c: f64| match m.range {
            Some((lo, hi)) => (c as f32 - lo) / (hi - lo),
            None => c as f32,
        };
        Ok(self
            .decoder(m, set.points)
            .shapes(z)
            .iter()
            .flatten()
            .flat_map(|p| [to_row(p[0]), to_row(p[1])])
            .collect())
    }
    fn observe_rows(&self, set: &ShapeSet, rows: &[f32]) -> Result<Vec<Observed>> {
        let n = 2 * set.points;
        if !rows.len().is_multiple_of(n) || rows.iter().any(|v| !v.is_finite()) {
            return Err(fail!("{} values are not finite rows of {n} coordinates", rows.len()));
        }
        let range = network_input(set, self.cfg.vae.output).1;
        let coord = |v: f32| match range {
            Some((lo, hi)) => (lo + (hi - lo) * v) as f64,
            None => v as f64,
        };
        Ok(rows
            .chunks(n)
            .map(|r| {
                let s: Vec<[f64; 2]> = r.chunks(2).map(|q| [coord(q[0]), coord(q[1])]).collect();
                observe(&s)
            })
            .collect())
    }
    crate::retrain_vae_methods!();
}

impl VaeModel for ShapesModel {
    type Net = lso_nn::MlpVae;
    fn net(&self) -> &lso_nn::MlpVae {
        &self.vae
    }
    fn with_net(&self, vae: lso_nn::MlpVae) -> Self {
        self.with_vae(vae)
    }
    fn layout(&self) -> (usize, usize, lso_nn::OutputKind) {
        let c = &self.config;
        (c.input, c.latent, c.output)
    }
}
