//! The annealing control: simulated annealing directly on the spins from random starts, the
//! baseline against which every latent-space optimiser's success is judged.

use super::config::ControlConfig;
use crate::error::Result;
use crate::problem::Observed;
use crate::progress;
use lso_physics::chains::run_chains;
use lso_physics::rng::tag;
use lso_physics::{anneal, Ising};
use rand::Rng;

/// One annealing restart: the judged final configuration and what it cost.
pub struct AnnealRestart {
    pub restart: usize,
    pub observed: Observed,
    /// Sweeps spent (one sweep ≈ one energy evaluation).
    pub sweeps: usize,
    pub seconds: f64,
}

pub fn run(model: &Ising, cfg: &ControlConfig, seed: u64) -> Result<Vec<AnnealRestart>> {
    let schedule = cfg.anneal.schedule();
    let n = model.sites();
    let t0 = std::time::Instant::now();
    let pb = progress::bar(cfg.restarts as u64, "control");
    let finals = run_chains(cfg.restarts, seed, tag("control-anneal"), |_, rng| -> Result<Vec<i8>> {
        let mut spins: Vec<i8> = (0..n).map(|_| if rng.random::<bool>() { 1 } else { -1 }).collect();
        anneal(model, &mut spins, &mut cfg.anneal.sampler.build(), &schedule, rng)?;
        pb.inc(1);
        Ok(spins)
    });
    pb.finish_and_clear();
    let seconds = t0.elapsed().as_secs_f64() / cfg.restarts as f64;
    finals
        .into_iter()
        .enumerate()
        .map(|(restart, s)| {
            Ok(AnnealRestart {
                restart,
                observed: super::observe(model, &s?),
                sweeps: schedule.total_sweeps(),
                seconds,
            })
        })
        .collect()
}
