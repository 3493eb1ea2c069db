use super::{check_beta, checkerboard_scan, Sampler};
use crate::{Ising, PhysicsError};
use rand::Rng;

/// Heat bath (Glauber/Gibbs) with checkerboard sweeps: each spin is redrawn from its
/// conditional distribution, `P(s_i = +1) = 1 / (1 + e^{−2β f_i})` with local field `f_i`.
#[derive(Clone, Debug, Default)]
pub struct HeatBath {
    table: Option<(f64, [f64; 9])>,
}

#[inline]
fn p_up(beta: f64, field: f64) -> f64 {
    1.0 / (1.0 + (-2.0 * beta * field).exp())
}

impl Sampler for HeatBath {
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
        let mut set = |spins: &mut [i8], i: usize, p: f64, rng: &mut R| {
            let s = if rng.random::<f64>() < p { 1 } else { -1 };
            flips += (s != spins[i]) as usize;
            spins[i] = s;
        };
        match (model.uniform_coupling(), model.uniform_field()) {
            (Some(j), Some(h)) => {
                let table = match self.table {
                    Some((b, t)) if b == beta => t,
                    _ => {
                        let t = std::array::from_fn(|k| p_up(beta, j * (k as f64 - 4.0) + h));
                        self.table = Some((beta, t));
                        t
                    }
                };
                checkerboard_scan(lx, ly, |i| {
                    let p = table[(model.neighbour_sum(spins, i) + 4) as usize];
                    set(spins, i, p, rng)
                });
            }
            _ => checkerboard_scan(lx, ly, |i| {
                let p = p_up(beta, model.local_field(spins, i));
                set(spins, i, p, rng)
            }),
        }
        Ok(flips)
    }
}
