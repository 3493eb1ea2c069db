//! Best-known ground states where no exact solver applies (periodic lattices are not planar):
//! the lowest energy of independent parallel-tempering runs, and how many runs reached it. Runs
//! agreeing is evidence, not proof; callers must label the result as not exact.

use super::baselines::{tempering, TemperingSettings};
use super::chain::Dynamics;
use crate::rng::{stream, tag};
use crate::{Ising, PhysicsError};
use rayon::prelude::*;

#[derive(Clone, Debug, PartialEq)]
pub struct BestKnown {
    pub energy: f64,
    pub spins: Vec<i8>,
    pub runs: usize,
    /// Runs whose best energy equals the overall best (to 1e-9 relative).
    pub agreed: usize,
    pub sweeps_per_run: u64,
}

pub fn best_of_tempering(
    model: &Ising,
    runs: usize,
    sweeps: u64,
    cfg: &TemperingSettings,
    seed: u64,
) -> Result<BestKnown, PhysicsError> {
    if runs == 0 || sweeps == 0 {
        return Err(PhysicsError::InvalidParameter(
            "need at least one run of one sweep".into(),
        ));
    }
    let g = Dynamics::new(model);
    let evaluations = sweeps.saturating_mul(cfg.replicas as u64);
    let token = crate::cancel::current();
    let results: Vec<Result<_, PhysicsError>> = (0..runs)
        .into_par_iter()
        .panic_fuse()
        .map(|r| {
            crate::cancel::inherit(&token, || {
                let mut rng = stream(seed, tag("toroidal-pt"), r as u64);
                let a = tempering(&g, &[evaluations], cfg, &mut rng)?;
                Ok((a.best[0], a.spins))
            })
        })
        .collect();
    let results = results.into_iter().collect::<Result<Vec<_>, _>>()?;
    let (energy, spins) = results
        .iter()
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .cloned()
        .expect("at least one run");
    let tol = 1e-9 * energy.abs().max(1.0);
    let agreed = results.iter().filter(|r| (r.0 - energy).abs() <= tol).count();
    Ok(BestKnown {
        energy,
        spins,
        runs,
        agreed,
        sweeps_per_run: sweeps,
    })
}
