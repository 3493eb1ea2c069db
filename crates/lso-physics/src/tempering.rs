//! Parallel tempering (replica exchange): one replica per inverse temperature, each swept by
//! its own sampler and generator (in parallel), then neighbouring temperatures propose to swap
//! configurations with probability `min(1, e^{(β_a − β_b)(E_a − E_b)})`.

use crate::rng::{stream, tag, SimRng};
use crate::sampler::{check_beta, Sampler};
use crate::{Ising, PhysicsError};
use rand::Rng;
use rayon::prelude::*;

pub struct ParallelTempering<S> {
    betas: Vec<f64>,
    replicas: Vec<Vec<i8>>,
    energies: Vec<f64>,
    samplers: Vec<S>,
    rngs: Vec<SimRng>,
    swap_rng: SimRng,
    attempts: Vec<u64>,
    accepts: Vec<u64>,
    parity: usize,
}

impl<S: Sampler + Clone + Send> ParallelTempering<S> {
    /// `betas` in increasing order; every replica starts from `initial`.
    pub fn new(model: &Ising, betas: Vec<f64>, sampler: S, initial: &[i8], seed: u64) -> Result<Self, PhysicsError> {
        if betas.len() < 2 {
            return Err(PhysicsError::InvalidParameter(
                "parallel tempering needs at least 2 temperatures".into(),
            ));
        }
        for &b in &betas {
            check_beta(b)?;
        }
        if betas.windows(2).any(|w| w[1] <= w[0]) {
            return Err(PhysicsError::InvalidParameter(
                "parallel tempering betas must increase strictly".into(),
            ));
        }
        if initial.len() != model.sites() {
            return Err(PhysicsError::Length {
                what: "spins",
                expected: model.sites(),
                found: initial.len(),
            });
        }
        let k = betas.len();
        let e = model.energy(initial);
        Ok(Self {
            replicas: vec![initial.to_vec(); k],
            energies: vec![e; k],
            samplers: vec![sampler; k],
            rngs: (0..k).map(|i| stream(seed, tag("pt-replica"), i as u64)).collect(),
            swap_rng: stream(seed, tag("pt-swap"), 0),
            attempts: vec![0; k - 1],
            accepts: vec![0; k - 1],
            parity: 0,
            betas,
        })
    }

    /// One sweep of every replica, then one round of swap proposals (alternating even and odd
    /// pairs so each round's proposals are independent).
    pub fn step(&mut self, model: &Ising) -> Result<(), PhysicsError> {
        let results: Vec<Result<f64, PhysicsError>> = self
            .replicas
            .par_iter_mut()
            .zip(self.samplers.par_iter_mut())
            .zip(self.rngs.par_iter_mut())
            .zip(self.betas.par_iter())
            .map(|(((spins, sampler), rng), &beta)| {
                sampler.sweep(model, spins, beta, rng)?;
                Ok(model.energy(spins))
            })
            .collect();
        for (slot, r) in self.energies.iter_mut().zip(results) {
            *slot = r?;
        }
        let mut a = self.parity;
        while a + 1 < self.betas.len() {
            let d = (self.betas[a + 1] - self.betas[a]) * (self.energies[a + 1] - self.energies[a]);
            self.attempts[a] += 1;
            if d >= 0.0 || self.swap_rng.random::<f64>() < d.exp() {
                self.replicas.swap(a, a + 1);
                self.energies.swap(a, a + 1);
                self.accepts[a] += 1;
            }
            a += 2;
        }
        self.parity ^= 1;
        Ok(())
    }

    pub fn betas(&self) -> &[f64] {
        &self.betas
    }
    /// The configuration currently at `betas[k]`.
    pub fn replica(&self, k: usize) -> &[i8] {
        &self.replicas[k]
    }
    pub fn energy(&self, k: usize) -> f64 {
        self.energies[k]
    }
    /// Swap acceptance rate of each neighbouring pair.
    pub fn acceptance(&self) -> Vec<f64> {
        self.accepts
            .iter()
            .zip(&self.attempts)
            .map(|(&a, &t)| if t == 0 { 0.0 } else { a as f64 / t as f64 })
            .collect()
    }
}
