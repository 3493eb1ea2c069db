//! Latent methods in `lso compare`: per (instance, seed) the Ising pipeline's data, VAE and
//! surrogate stages run on the instance (cached under `latent/`, so a killed compare resumes),
//! then every latent explorer searches with the surrogate and with the decoded true energy as
//! objective, and prior draws are decoded. Each becomes two cells: its own true evaluations only,
//! and those plus what its training data cost (the annealing sweeps that made it, and for the
//! surrogate the energies that labelled it), so neither reading hides the other. The training
//! data are a method too (`training-data`): the best annealed configuration within the budget.
//! With `[latent.retrain]` methods, each also runs the weighted-retraining loop on the true
//! energy (`cmaes/retrain`) beside the same loop without retraining (`cmaes/fixed`).

use super::{Cell, CompareConfig, Instance};
use crate::config::AnnealConfig;
use crate::error::Result;
use crate::explorer::MethodName;
use crate::problem::Problem;
use crate::problems::ising::{IsingProblem, IsingRunConfig, ObjectiveKind, Source};
use crate::retrain::{run_loop, LoopSpec, RetrainConfig};
use lso_opt::{MultistartConfig, ReplicaConfig};
use lso_physics::rng::{mix, tag};
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LatentSettings {
    /// Instance sizes that get latent methods (each costs a VAE and a surrogate per seed).
    pub sizes: Vec<usize>,
    /// Training configurations, each the end of one annealing run.
    pub samples: usize,
    pub anneal: AnnealConfig,
    pub explorers: Vec<MethodName>,
    pub objectives: Vec<ObjectiveKind>,
    pub restarts: usize,
    /// Objective evaluations per restart.
    pub budget: usize,
    /// Decoded prior draws (0: no prior control).
    pub prior: usize,
    pub vae_epochs: usize,
    /// Weighted-retraining loops on the true energy (none unless `methods` lists some): each
    /// explorer with retraining (`cmaes/retrain`) and the same loop without (`cmaes/fixed`).
    pub retrain: RetrainConfig,
    /// Latent BO's settings, wherever it runs (as an explorer or in a loop).
    pub bo: lso_opt::BoConfig,
    /// The multistart explorer's race, sized for `budget` (it runs when `explorers` lists it).
    /// Left out of the config's hash while default, so earlier compares still resume; a partial
    /// table still keeps this race for what it leaves out ([`CompareConfig::parse`]).
    ///
    /// [`CompareConfig::parse`]: super::config::CompareConfig::parse
    #[serde(skip_serializing_if = "is_compare_multistart")]
    pub multistart: MultistartConfig,
    /// The replica-exchange explorer's settings, its screen sized for `budget` (it runs when
    /// `explorers` lists it); out of the hash while default, like `multistart`.
    #[serde(skip_serializing_if = "is_compare_replica")]
    pub replica: ReplicaConfig,
}

/// A race inside the default budget of 400: 100 draws screened, then 8, 4, 2 and 1 descents of
/// 75 evaluations a round, at the Ising pipeline's Adam step.
pub fn compare_multistart() -> MultistartConfig {
    MultistartConfig {
        screen: 100,
        starts: 8,
        learning_rate: 0.05,
    }
}

fn is_compare_multistart(m: &MultistartConfig) -> bool {
    *m == compare_multistart()
}

/// Replica exchange inside the default budget of 400: a screen of 40 draws sets the ladder,
/// leaving 8 chains 44 moves each.
pub fn compare_replica() -> ReplicaConfig {
    ReplicaConfig {
        screen: 40,
        ..ReplicaConfig::default()
    }
}

fn is_compare_replica(r: &ReplicaConfig) -> bool {
    *r == compare_replica()
}

impl Default for LatentSettings {
    fn default() -> Self {
        Self {
            sizes: vec![20, 40],
            samples: 256,
            anneal: AnnealConfig {
                start: 3.0,
                end: 0.3,
                steps: 10,
                sweeps_per_step: 2,
                ..AnnealConfig::default()
            },
            explorers: vec![
                MethodName::Adam,
                MethodName::Cmaes,
                MethodName::Random,
                MethodName::Genetic,
                MethodName::Stochastic,
            ],
            objectives: vec![ObjectiveKind::Surrogate, ObjectiveKind::Hard],
            restarts: 5,
            budget: 400,
            prior: 2000,
            vae_epochs: 40,
            retrain: RetrainConfig::default(),
            bo: lso_opt::BoConfig::default(),
            multistart: compare_multistart(),
            replica: compare_replica(),
        }
    }
}

fn objective_name(k: ObjectiveKind) -> &'static str {
    match k {
        ObjectiveKind::Surrogate => "surrogate",
        ObjectiveKind::Relaxed => "relaxed",
        ObjectiveKind::Hard => "energy",
    }
}

/// Best energy within each budget of a sequence of `(cumulative cost, energy)` results, offset
/// by `extra` evaluations; NaN where not even the first result fits.
fn anytime(results: &[(u64, f64)], budgets: &[u64], extra: u64) -> Vec<f64> {
    budgets
        .iter()
        .map(|&b| {
            results
                .iter()
                .filter(|(c, _)| c + extra <= b)
                .map(|r| r.1)
                .fold(f64::NAN, f64::min)
        })
        .collect()
}

/// The Ising run config of one (instance, seed).
fn run_config(inst: &Instance, couplings: &Path, seed: u64, s: &LatentSettings) -> IsingRunConfig {
    let mut c = IsingRunConfig::embedded_default();
    c.name = format!("{}-latent", inst.name);
    c.seed = seed;
    c.data.lx = inst.size;
    c.data.ly = inst.size;
    c.data.boundary = inst.model.lattice().boundary();
    c.data.couplings = Some(couplings.to_path_buf());
    c.data.source = Source::Anneal;
    c.data.samples = s.samples;
    c.data.anneal = s.anneal.clone();
    c.vae.train.epochs = s.vae_epochs;
    c.optimise.search.restarts = s.restarts;
    c.optimise.search.budget = s.budget;
    c.optimise.search.prior_samples = s.prior.max(1);
    c.optimise.search.retrain = s.retrain.clone();
    c.optimise.search.bo = s.bo.clone();
    c.optimise.search.multistart = s.multistart.clone();
    c.optimise.search.replica = s.replica.clone();
    c
}

/// Every latent cell of one (instance, seed).
pub fn run(dir: &Path, inst: &Instance, seed: usize, cfg: &CompareConfig, hash: &str) -> Result<Vec<Cell>> {
    let s = &cfg.latent;
    let t0 = std::time::Instant::now();
    let couplings = dir.join("instances").join(&inst.name).join("couplings.npy");
    let run_seed = mix(cfg.seed, tag(&inst.name), seed as u64);
    let work = dir.join("latent").join(format!("{}-s{seed}", inst.name));
    let mut p = IsingProblem {
        cfg: run_config(inst, &couplings, run_seed, s),
    };
    p.cfg.check("the compare's latent settings")?;
    let (data, model, _) = crate::pipeline::prepare(&p, &work, false, &mut |_, _| {})?;
    let sweeps = (s.samples * s.anneal.schedule().total_sweeps()) as u64;
    let labels = s.samples as u64;
    let cell = |method: String, best: Vec<f64>| Cell {
        config_hash: hash.to_string(),
        instance: inst.name.clone(),
        family: inst.family,
        size: inst.size,
        method,
        seed,
        budgets: cfg.budgets.clone(),
        best,
        seconds: t0.elapsed().as_secs_f64(),
    };
    let mut cells = Vec::new();
    for &kind in &s.objectives {
        p.cfg.optimise.problem.objective = kind;
        // The true energy has no gradient: only the gradient-free explorers can use it.
        p.cfg.optimise.search.methods = s
            .explorers
            .iter()
            .copied()
            .filter(|m| kind != ObjectiveKind::Hard || !m.needs_gradient(&s.replica))
            .collect();
        if p.cfg.optimise.search.methods.is_empty() {
            continue;
        }
        let objectives = p.objectives(&data);
        let (outcomes, _) = crate::search::run(&p, &data, &model, &objectives)?;
        let data_cost = sweeps + if kind == ObjectiveKind::Surrogate { labels } else { 0 };
        for m in &p.cfg.optimise.search.methods {
            let mut mine: Vec<_> = outcomes.iter().filter(|o| o.method == m.name()).collect();
            mine.sort_by_key(|o| o.restart);
            // Restarts run one after another; each also judges its final configuration once.
            let mut spent = 0u64;
            let results: Vec<(u64, f64)> = mine
                .iter()
                .map(|o| {
                    spent += o.evaluations.truth as u64 + 1;
                    (spent, o.best["energy"])
                })
                .collect();
            let name = format!("{}/{}", m.name(), objective_name(kind));
            cells.push(cell(name.clone(), anytime(&results, &cfg.budgets, 0)));
            cells.push(cell(format!("{name}+data"), anytime(&results, &cfg.budgets, data_cost)));
        }
    }
    // Weighted retraining on the true energy, and the same loop with the model never retrained.
    // Its rank weights need the training data's energies: their labels count as data cost.
    if !s.retrain.methods.is_empty() {
        p.cfg.optimise.problem.objective = ObjectiveKind::Hard;
        let spec = p.objectives(&data).remove(0);
        for &m in &s.retrain.methods {
            let variants: &[bool] = if s.retrain.control { &[true, false] } else { &[true] };
            for &retrain in variants {
                let kind = if retrain { "retrain" } else { "fixed" };
                let l = LoopSpec {
                    spec: &spec,
                    method: m,
                    retrain,
                    seed: mix(run_seed, tag("compare-retrain"), 0),
                    max_rounds: None,
                    keep_models: false,
                };
                let dir = work.join("retrain").join(format!("{}-{kind}", m.name()));
                let r = run_loop(&p, &data, &model, p.search(), &s.retrain, &l, Some(&dir))?;
                let results: Vec<(u64, f64)> = r
                    .values
                    .iter()
                    .scan(f64::INFINITY, |b, &v| {
                        *b = b.min(v);
                        Some(*b)
                    })
                    .enumerate()
                    .map(|(k, v)| (k as u64 + 1, v))
                    .collect();
                let name = format!("{}/{kind}", m.name());
                cells.push(cell(name.clone(), anytime(&results, &cfg.budgets, 0)));
                cells.push(cell(
                    format!("{name}+data"),
                    anytime(&results, &cfg.budgets, sweeps + labels),
                ));
            }
        }
    }
    // The training data as a method of their own: annealed configurations, each costing its
    // sweeps. A latent search that cannot beat the data it learnt from has added nothing.
    let per_sample = s.anneal.schedule().total_sweeps() as u64;
    let results: Vec<(u64, f64)> = data
        .energy
        .iter()
        .enumerate()
        .map(|(k, &e)| ((k as u64 + 1) * per_sample, e))
        .collect();
    cells.push(cell("training-data".into(), anytime(&results, &cfg.budgets, 0)));
    if s.prior > 0 {
        let d = p.latent_dim(&model);
        let codes = lso_nn::train::normal_matrix(s.prior, d, mix(run_seed, tag("compare-prior"), 0));
        let judged = crate::controls::judge_codes(&p, &data, &model, &codes, d)?;
        let results: Vec<(u64, f64)> = judged
            .iter()
            .enumerate()
            .map(|(k, o)| (k as u64 + 1, o["energy"]))
            .collect();
        cells.push(cell("prior".into(), anytime(&results, &cfg.budgets, 0)));
        cells.push(cell("prior+data".into(), anytime(&results, &cfg.budgets, sweeps)));
    }
    Ok(cells)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anytime_takes_the_best_result_that_fits_each_budget() {
        let r = [(3, -1.0), (6, -4.0), (9, -2.0)];
        let got = anytime(&r, &[2, 5, 10], 0);
        assert!(got[0].is_nan());
        assert_eq!(&got[1..], &[-1.0, -4.0]);
        let got = anytime(&r, &[2, 5, 10], 4);
        assert!(got[0].is_nan() && got[1].is_nan());
        assert_eq!(got[2], -4.0);
    }
}
