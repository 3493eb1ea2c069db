use super::{check_beta, checkerboard_scan, Sampler};
use crate::{Ising, PhysicsError};
use rand::Rng;

/// Single-spin Metropolis with checkerboard sweeps: flip with probability `min(1, e^{−βΔE})`.
/// Uniform couplings and fields use a precomputed acceptance table (ΔE takes 18 values).
#[derive(Clone, Debug, Default)]
pub struct Metropolis {
    table: Option<(f64, [[f64; 9]; 2])>,
}

impl Metropolis {
    fn table(&mut self, beta: f64, j: f64, h: f64) -> [[f64; 9]; 2] {
        match self.table {
            Some((b, t)) if b == beta => t,
            _ => {
                let mut t = [[0.0; 9]; 2];
                for (si, s) in [-1.0, 1.0].into_iter().enumerate() {
                    for n in -4i32..=4 {
                        let de = 2.0 * s * (j * n as f64 + h);
                        t[si][(n + 4) as usize] = (-beta * de).exp().min(1.0);
                    }
                }
                self.table = Some((beta, t));
                t
            }
        }
    }
}

impl Sampler for Metropolis {
    fn sweep<R: Rng + ?Sized>(
        &mut self,
        model: &Ising,
        spins: &mut [i8],
        beta: f64,
        rng: &mut R,
    ) -> Result<usize, PhysicsError> {
        check_beta(beta)?;
        let (lx, ly) = (model.lattice().lx(), model.lattice().ly());
        let mut flips = 0;
        match (model.uniform_coupling(), model.uniform_field()) {
            (Some(j), Some(h)) => {
                let table = self.table(beta, j, h);
                checkerboard_scan(lx, ly, |i| {
                    let s = spins[i];
                    let p = table[((s + 1) / 2) as usize][(model.neighbour_sum(spins, i) + 4) as usize];
                    if p >= 1.0 || rng.random::<f64>() < p {
                        spins[i] = -s;
                        flips += 1;
                    }
                });
            }
            _ => checkerboard_scan(lx, ly, |i| {
                let de = model.delta_energy(spins, i);
                if de <= 0.0 || rng.random::<f64>() < (-beta * de).exp() {
                    spins[i] = -spins[i];
                    flips += 1;
                }
            }),
        }
        Ok(flips)
    }
}
