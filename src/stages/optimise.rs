//! The `optimise` stage: each method's restarts in the latent space, every result judged by the
//! true energy of the signed decoded grid, beside the controls that give it meaning: decoded
//! prior samples and decoded training codes, without any optimisation.

use crate::config::{MethodName, ObjectiveKind, OptimiseConfig};
use crate::progress;
use anyhow::Result;
use lso_nn::objectives::{Counts, EnergyMode, EnergyObjective, SurrogateObjective};
use lso_nn::train::normal_matrix;
use lso_nn::{MlpVae, Surrogate, VaeConfig};
use lso_opt::{driver, Adam, CmaEs, Constrained, Objective, Optimiser, RandomSearch};
use lso_physics::rng::{mix, tag};
use lso_physics::Ising;
use serde::{Deserialize, Serialize};
use std::time::Instant;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RestartResult {
    pub method: String,
    pub restart: usize,
    /// The final code (projected into the trust region).
    pub z: Vec<f64>,
    /// The objective's best value.
    pub objective: f64,
    pub surrogate: f64,
    pub surrogate_spread: f64,
    /// True energy of the signed decoded grid.
    pub true_energy: f64,
    pub ground_state: Option<bool>,
    pub evaluations: Counts,
    pub seconds: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Summary {
    pub method: String,
    pub runs: usize,
    pub hits: Option<usize>,
    pub best: f64,
    pub mean: f64,
    pub seconds: f64,
    pub evaluations: Counts,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Trajectory {
    pub method: String,
    pub restart: usize,
    /// The path in latent space (Adam: its iterates; others: best so far), projected.
    pub points: Vec<Vec<f64>>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct OptimiseResults {
    pub objective: ObjectiveKind,
    pub ground_state_energy: Option<f64>,
    pub methods: Vec<Summary>,
    pub restarts: Vec<RestartResult>,
    /// Decoded N(0, I) samples, no optimisation.
    pub prior: Summary,
    /// Decoded encoder means of the training data.
    pub encoded_data: Summary,
}

/// One restart's result before judging: (restart, best point, best value, path, counts, seconds).
type Outcome = (usize, Vec<f64>, f64, Vec<Vec<f64>>, Counts, f64);

/// The objective a config names, counting what it spends.
enum Chosen<'a> {
    Surrogate(SurrogateObjective<'a>),
    Energy(Box<EnergyObjective<'a>>),
}

impl Chosen<'_> {
    fn as_objective(&mut self) -> &mut dyn Objective {
        match self {
            Chosen::Surrogate(s) => s,
            Chosen::Energy(e) => e.as_mut(),
        }
    }
    fn counts(&self) -> Counts {
        match self {
            Chosen::Surrogate(s) => s.counts,
            Chosen::Energy(e) => e.counts,
        }
    }
}

pub struct Models<'a> {
    pub vae: &'a MlpVae,
    pub vae_config: &'a VaeConfig,
    pub surrogate: &'a Surrogate,
    pub model: &'a Ising,
}

fn choose<'a>(cfg: &OptimiseConfig, m: &Models<'a>) -> Chosen<'a> {
    let energy = |mode| {
        Box::new(EnergyObjective::new(
            m.vae,
            m.vae_config.latent,
            m.vae_config.output,
            m.model,
            mode,
        ))
    };
    match cfg.objective {
        ObjectiveKind::Surrogate => Chosen::Surrogate(SurrogateObjective::new(m.surrogate, cfg.kappa)),
        ObjectiveKind::Relaxed => Chosen::Energy(energy(EnergyMode::Relaxed)),
        ObjectiveKind::Hard => Chosen::Energy(energy(EnergyMode::Hard)),
    }
}

fn summarise(method: &str, energies: &[f64], ground: Option<f64>, seconds: f64, evaluations: Counts) -> Summary {
    let hits = ground.map(|g| energies.iter().filter(|&&e| (e - g).abs() < 1e-9).count());
    Summary {
        method: method.into(),
        runs: energies.len(),
        hits,
        best: energies.iter().cloned().fold(f64::INFINITY, f64::min),
        mean: energies.iter().sum::<f64>() / energies.len().max(1) as f64,
        seconds,
        evaluations,
    }
}

/// True energies of the signed decodes of `rows × latent` codes.
fn decoded_energies(m: &Models<'_>, z: &[f32]) -> Vec<f64> {
    let d = m.vae_config.latent;
    let points: Vec<Vec<f64>> = z.chunks(d).map(|c| c.iter().map(|&v| v as f64).collect()).collect();
    let mut e = EnergyObjective::new(m.vae, d, m.vae_config.output, m.model, EnergyMode::Hard);
    points.chunks(1024).flat_map(|chunk| e.true_energies(chunk)).collect()
}

pub fn run(
    cfg: &OptimiseConfig,
    m: &Models<'_>,
    latents: &[f32],
    seed: u64,
) -> Result<(OptimiseResults, Vec<Trajectory>)> {
    let d = m.vae_config.latent;
    let ground = m.model.ground_state_energy();
    let constraint = cfg.constraint();
    let mut restarts = Vec::new();
    let mut summaries = Vec::new();
    let mut trajectories = Vec::new();
    let pb = progress::bar((cfg.methods.len() * cfg.restarts) as u64, "optimise");
    for &method in &cfg.methods {
        let t0 = Instant::now();
        let starts: Vec<Vec<f64>> = (0..cfg.restarts)
            .map(|r| {
                normal_matrix(1, d, mix(seed, tag("optimise-start"), r as u64))
                    .iter()
                    .map(|&v| v as f64)
                    .collect()
            })
            .collect();
        let mut outcomes: Vec<Outcome> = Vec::new();
        match method {
            MethodName::Adam => {
                // All restarts in one batch: one decoder/surrogate pass per step for all of them.
                let mut chosen = choose(cfg, m);
                let mut adam = Adam::new(&cfg.adam, starts.clone())?;
                let mut paths: Vec<Vec<Vec<f64>>> = starts.iter().map(|s| vec![constraint.project(s)]).collect();
                let mut obj = Constrained {
                    inner: chosen.as_objective(),
                    constraint: constraint.clone(),
                };
                driver::run_observed(&mut adam, &mut obj, cfg.restarts * cfg.budget, &mut |step| {
                    for (path, p) in paths.iter_mut().zip(&step.points) {
                        path.push(constraint.project(p));
                    }
                })?;
                let secs = t0.elapsed().as_secs_f64() / cfg.restarts as f64;
                let mut counts = chosen.counts();
                counts.surrogate /= cfg.restarts;
                counts.decoder /= cfg.restarts;
                counts.true_energy /= cfg.restarts;
                for (k, best) in adam.best_per_start.iter().enumerate() {
                    let (p, v) = best
                        .get()
                        .map(|(p, v)| (p.to_vec(), v))
                        .unwrap_or((starts[k].clone(), f64::INFINITY));
                    outcomes.push((k, p, v, paths[k].clone(), counts, secs));
                    pb.inc(1);
                }
            }
            MethodName::Cmaes | MethodName::Random => {
                for (r, start) in starts.iter().enumerate() {
                    let t1 = Instant::now();
                    let mut chosen = choose(cfg, m);
                    let s = mix(seed, tag(method.name()), r as u64);
                    let mut opt: Box<dyn Optimiser> = match method {
                        MethodName::Cmaes => Box::new(CmaEs::new(&cfg.cmaes, start.clone(), s)?),
                        _ => Box::new(RandomSearch::new(d, 10.min(cfg.budget), 1.0, s)?),
                    };
                    let mut path = vec![constraint.project(start)];
                    let mut obj = Constrained {
                        inner: chosen.as_objective(),
                        constraint: constraint.clone(),
                    };
                    let mut best = f64::INFINITY;
                    let trace = driver::run_observed(opt.as_mut(), &mut obj, cfg.budget, &mut |step| {
                        if step.best_value < best {
                            best = step.best_value;
                            let k = step
                                .values
                                .iter()
                                .enumerate()
                                .min_by(|a, b| a.1.total_cmp(b.1))
                                .map(|x| x.0)
                                .unwrap_or(0);
                            if step.values[k] <= best {
                                path.push(constraint.project(&step.points[k]));
                            }
                        }
                    })?;
                    outcomes.push((
                        r,
                        trace.best_point,
                        trace.best_value,
                        path,
                        chosen.counts(),
                        t1.elapsed().as_secs_f64(),
                    ));
                    pb.inc(1);
                }
            }
        }
        // Judge every restart by the true energy of its signed decoded grid.
        let finals: Vec<Vec<f64>> = outcomes.iter().map(|o| constraint.project(&o.1)).collect();
        let mut judge = EnergyObjective::new(m.vae, d, m.vae_config.output, m.model, EnergyMode::Hard);
        let energies = judge.true_energies(&finals);
        let flat: Vec<f32> = finals.iter().flat_map(|z| z.iter().map(|&v| v as f32)).collect();
        let (sur, spread) = m.surrogate.predict(&flat);
        let mut total = Counts::default();
        for (k, (r, _, value, path, counts, secs)) in outcomes.into_iter().enumerate() {
            total.surrogate += counts.surrogate;
            total.decoder += counts.decoder;
            total.true_energy += counts.true_energy;
            restarts.push(RestartResult {
                method: method.name().into(),
                restart: r,
                z: finals[k].clone(),
                objective: value,
                surrogate: sur[k],
                surrogate_spread: spread[k],
                true_energy: energies[k],
                ground_state: ground.map(|g| (energies[k] - g).abs() < 1e-9),
                evaluations: counts,
                seconds: secs,
            });
            trajectories.push(Trajectory {
                method: method.name().into(),
                restart: r,
                points: path,
            });
        }
        summaries.push(summarise(
            method.name(),
            &energies,
            ground,
            t0.elapsed().as_secs_f64(),
            total,
        ));
    }
    pb.finish_and_clear();

    let t0 = Instant::now();
    let prior_z = normal_matrix(cfg.prior_samples, d, mix(seed, tag("prior-control"), 0));
    let prior_e = decoded_energies(m, &prior_z);
    let prior = summarise(
        "prior N(0, I), decoded",
        &prior_e,
        ground,
        t0.elapsed().as_secs_f64(),
        Counts {
            decoder: prior_e.len(),
            true_energy: prior_e.len(),
            surrogate: 0,
        },
    );
    let t0 = Instant::now();
    let enc_e = decoded_energies(m, latents);
    let encoded = summarise(
        "training codes, decoded",
        &enc_e,
        ground,
        t0.elapsed().as_secs_f64(),
        Counts {
            decoder: enc_e.len(),
            true_energy: enc_e.len(),
            surrogate: 0,
        },
    );
    Ok((
        OptimiseResults {
            objective: cfg.objective,
            ground_state_energy: ground,
            methods: summaries,
            restarts,
            prior,
            encoded_data: encoded,
        },
        trajectories,
    ))
}
