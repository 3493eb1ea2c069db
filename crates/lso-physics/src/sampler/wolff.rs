use super::{check_beta, Sampler};
use crate::lattice::NONE;
use crate::{Ising, PhysicsError};
use rand::Rng;

/// Wolff single-cluster updates for the uniform ferromagnet without field: grow a cluster of
/// aligned spins, adding each aligned neighbour with `p = 1 − e^{−2βJ}`, and flip it whole.
///
/// A sweep is a fixed number of clusters chosen so that about `N` spins flip. The number is
/// calibrated by the first sweep at a new β (which runs clusters until `N` spins flipped) and
/// then frozen: stopping on a state-dependent count in every sweep would measure the chain at
/// random stopping times, which biases averages.
#[derive(Clone, Debug, Default)]
pub struct Wolff {
    stack: Vec<u32>,
    clusters_per_sweep: Option<(f64, usize)>,
}

impl Wolff {
    pub fn check(model: &Ising) -> Result<f64, PhysicsError> {
        match (model.uniform_coupling(), model.uniform_field()) {
            (Some(j), Some(h)) if j > 0.0 && h == 0.0 => Ok(j),
            _ => Err(PhysicsError::Unsupported {
                sampler: "wolff",
                needs: "a uniform ferromagnet (J > 0) without field",
            }),
        }
    }

    /// Grows and flips one cluster from a random seed site; returns its size.
    pub fn cluster<R: Rng + ?Sized>(&mut self, model: &Ising, spins: &mut [i8], p_add: f64, rng: &mut R) -> usize {
        let n = spins.len();
        let seed = rng.random_range(0..n);
        let s0 = spins[seed];
        // Flipping on insertion marks a site as visited without a separate bitmap.
        spins[seed] = -s0;
        self.stack.clear();
        self.stack.push(seed as u32);
        let mut size = 1;
        while let Some(i) = self.stack.pop() {
            for &j in model.lattice().neighbours(i as usize) {
                if j != NONE && spins[j as usize] == s0 && rng.random::<f64>() < p_add {
                    spins[j as usize] = -s0;
                    self.stack.push(j);
                    size += 1;
                }
            }
        }
        size
    }
}

impl Sampler for Wolff {
    fn sweep<R: Rng + ?Sized>(
        &mut self,
        model: &Ising,
        spins: &mut [i8],
        beta: f64,
        rng: &mut R,
    ) -> Result<usize, PhysicsError> {
        check_beta(beta)?;
        let j = Self::check(model)?;
        let p_add = 1.0 - (-2.0 * beta * j).exp();
        let mut flipped = 0;
        match self.clusters_per_sweep {
            Some((b, k)) if b == beta => {
                for _ in 0..k {
                    flipped += self.cluster(model, spins, p_add, rng);
                }
            }
            _ => {
                let mut k = 0;
                while flipped < spins.len() {
                    flipped += self.cluster(model, spins, p_add, rng);
                    k += 1;
                }
                self.clusters_per_sweep = Some((beta, k));
            }
        }
        Ok(flipped)
    }
}
