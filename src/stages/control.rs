//! The annealing control: simulated annealing directly on the spins from random starts, the
//! baseline against which every latent-space optimiser's success is judged.

use crate::config::ControlConfig;
use crate::progress;
use anyhow::Result;
use lso_physics::chains::run_chains;
use lso_physics::rng::tag;
use lso_physics::{anneal, Ising};
use rand::Rng;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Restart {
    pub restart: usize,
    /// True energy of the final configuration.
    pub energy: f64,
    pub ground_state: Option<bool>,
    /// Single-spin energy-change evaluations spent (sweeps × sites).
    pub evaluations: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ControlResults {
    pub method: String,
    pub ground_state_energy: Option<f64>,
    pub restarts: Vec<Restart>,
    pub best: f64,
    pub mean: f64,
    pub hits: Option<usize>,
    #[serde(default)]
    pub seconds: f64,
}

pub fn run(model: &Ising, cfg: &ControlConfig, seed: u64) -> Result<ControlResults> {
    let schedule = cfg.anneal.schedule();
    let ground = model.ground_state_energy();
    let n = model.sites();
    let t0 = std::time::Instant::now();
    let pb = progress::bar(cfg.restarts as u64, "control");
    let finals = run_chains(cfg.restarts, seed, tag("control-anneal"), |_, rng| -> Result<f64> {
        let mut spins: Vec<i8> = (0..n).map(|_| if rng.random::<bool>() { 1 } else { -1 }).collect();
        anneal(model, &mut spins, &mut cfg.anneal.sampler.build(), &schedule, rng)?;
        pb.inc(1);
        Ok(model.energy(&spins))
    });
    pb.finish_and_clear();
    let evaluations = (schedule.total_sweeps() * n) as u64;
    let restarts: Vec<Restart> = finals
        .into_iter()
        .enumerate()
        .map(|(restart, e)| {
            e.map(|energy| Restart {
                restart,
                energy,
                ground_state: ground.map(|g| (energy - g).abs() < 1e-9),
                evaluations,
            })
        })
        .collect::<Result<_>>()?;
    let best = restarts.iter().map(|r| r.energy).fold(f64::INFINITY, f64::min);
    let mean = restarts.iter().map(|r| r.energy).sum::<f64>() / restarts.len() as f64;
    let hits = ground.map(|_| restarts.iter().filter(|r| r.ground_state == Some(true)).count());
    Ok(ControlResults {
        method: "anneal".into(),
        ground_state_energy: ground,
        restarts,
        best,
        mean,
        hits,
        seconds: t0.elapsed().as_secs_f64(),
    })
}
