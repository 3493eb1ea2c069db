//! Random search: batches drawn from `N(0, scale² I)`, the latent prior. The baseline every
//! latent optimiser must beat at the same budget.

use crate::{BestSoFar, Evaluation, OptError, Optimiser};
use rand_distr::{Distribution, StandardNormal};

pub struct RandomSearch {
    dim: usize,
    batch: usize,
    scale: f64,
    rng: rand_xoshiro::Xoshiro256PlusPlus,
    best: BestSoFar,
}

impl RandomSearch {
    pub fn new(dim: usize, batch: usize, scale: f64, seed: u64) -> Result<Self, OptError> {
        if dim == 0 || batch == 0 || !(scale > 0.0 && scale.is_finite()) {
            return Err(OptError::Config(format!(
                "random search needs dim, batch >= 1 and scale > 0, got {dim}, {batch}, {scale}"
            )));
        }
        Ok(Self {
            dim,
            batch,
            scale,
            rng: crate::rng(seed),
            best: BestSoFar::default(),
        })
    }
}

impl Optimiser for RandomSearch {
    fn name(&self) -> &'static str {
        "random"
    }
    fn ask(&mut self) -> Vec<Vec<f64>> {
        (0..self.batch)
            .map(|_| {
                (0..self.dim)
                    .map(|_| self.scale * Distribution::<f64>::sample(&StandardNormal, &mut self.rng))
                    .collect::<Vec<f64>>()
            })
            .collect()
    }
    fn tell(&mut self, evaluations: &[Evaluation]) -> Result<(), OptError> {
        for e in evaluations {
            self.best.offer(&e.point, e.value);
        }
        Ok(())
    }
    fn best(&self) -> Option<(&[f64], f64)> {
        self.best.get()
    }
}
