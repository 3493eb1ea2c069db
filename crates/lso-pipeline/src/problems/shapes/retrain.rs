//! Weighted retraining of the shapes VAE: rows are polygon coordinates as the network sees them
//! (scaled into [0, 1] for a sigmoid decoder).

use super::{network_input, observe, ShapeSet, ShapesModel, ShapesProblem};
use crate::error::{fail, Result};
use crate::problem::Observed;
use crate::retrain::Retrainable;
use lso_nn::checkpoint;
use lso_nn::train::{encode_means, fine_tune};

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
        if rows.len() % n != 0 || rows.iter().any(|v| !v.is_finite()) {
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
    fn encode_rows(&self, m: &ShapesModel, rows: &[f32]) -> Result<Vec<f32>> {
        Ok(encode_means(&m.vae, rows, m.config.input, m.config.latent)?)
    }
    fn fine_tune(
        &self,
        m: &ShapesModel,
        rows: &[f32],
        weights: &[f64],
        steps: usize,
        seed: u64,
    ) -> Result<(ShapesModel, f64)> {
        let c = &m.config;
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
    fn vae_bytes(&self, m: &ShapesModel) -> Result<Vec<u8>> {
        Ok(checkpoint::to_bytes(&m.vae)?)
    }
    fn with_vae_bytes(&self, m: &ShapesModel, bytes: Vec<u8>) -> Result<ShapesModel> {
        Ok(m.with_vae(checkpoint::load_into(m.vae.clone(), bytes)?))
    }
}
