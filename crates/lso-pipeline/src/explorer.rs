//! The explorers and their shared `[optimise]` settings ([`SearchConfig`]), every one built by
//! one factory ([`build`]), so every method runs on every problem and objective.

use crate::error::Checker;
use crate::retrain::RetrainConfig;
use lso_opt::{Adam, AdamConfig, CmaEs, CmaEsConfig, Genetic, GeneticConfig, OptError, Optimiser, RandomSearch};
use lso_opt::{BoConfig, LatentBo, Multistart, MultistartConfig, PolishConfig, Polished, Stochastic, StochasticConfig};
use lso_opt::{Moves, Replica, ReplicaConfig};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The explorers, by their config names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MethodName {
    /// Adam on z through the decoder (seed 000; Park et al.'s single-code modification).
    Adam,
    /// CMA-ES with IPOP restarts.
    Cmaes,
    /// Independent draws from N(0, σ²I).
    Random,
    /// Park et al.'s genetic algorithm.
    Genetic,
    /// Park et al.'s stochastic algorithm (Adam on μ, σ with an annealed KL term).
    Stochastic,
    /// Bayesian optimisation with a trust region (TuRBO as LOL-BO runs it): a GP on z.
    Bo,
    /// Adam descents from the best of a screen of draws, raced by successive halving.
    Multistart,
    /// Replica exchange (parallel tempering) on a ladder of temperatures, with Langevin moves
    /// or, values only, random-walk ones.
    Replica,
}

impl MethodName {
    pub const ALL: [MethodName; 8] = [
        MethodName::Adam,
        MethodName::Cmaes,
        MethodName::Random,
        MethodName::Genetic,
        MethodName::Stochastic,
        MethodName::Bo,
        MethodName::Multistart,
        MethodName::Replica,
    ];
    pub fn name(self) -> &'static str {
        match self {
            MethodName::Adam => "adam",
            MethodName::Cmaes => "cmaes",
            MethodName::Random => "random",
            MethodName::Genetic => "genetic",
            MethodName::Stochastic => "stochastic",
            MethodName::Bo => "bo",
            MethodName::Multistart => "multistart",
            MethodName::Replica => "replica",
        }
    }
    /// Whether the explorer needs gradients of the objective; replica exchange's depend on its
    /// moves.
    pub fn needs_gradient(self, replica: &ReplicaConfig) -> bool {
        match self {
            MethodName::Adam | MethodName::Stochastic | MethodName::Multistart => true,
            MethodName::Replica => replica.moves == Moves::Langevin,
            MethodName::Cmaes | MethodName::Random | MethodName::Genetic | MethodName::Bo => false,
        }
    }
}

/// Random search: batches of independent draws.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RandomConfig {
    /// Draws per round.
    pub batch: usize,
    /// Standard deviation of the draws (the prior has 1).
    pub scale: f64,
}

impl Default for RandomConfig {
    fn default() -> Self {
        Self { batch: 10, scale: 1.0 }
    }
}

/// Which Gaussian over z the explorers' N(0, I) stands for: their starts, first populations,
/// mutations, the stochastic algorithm's KL term, the trust radius, and the decoded-prior
/// control all follow it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LatentPrior {
    /// The VAE's prior N(0, I).
    #[default]
    Standard,
    /// The Gaussian fitted to the encoder means of the training data (mean and covariance). A VAE
    /// trained with a small β spreads its codes far wider than N(0, I); this is where they are.
    Encoded,
}

impl LatentPrior {
    pub fn name(self) -> &'static str {
        match self {
            LatentPrior::Standard => "standard",
            LatentPrior::Encoded => "encoded",
        }
    }
    pub fn is_standard(&self) -> bool {
        *self == LatentPrior::Standard
    }
    /// What a figure calls the decoded draws from this prior.
    pub fn draws_label(self) -> &'static str {
        match self {
            LatentPrior::Standard => "decoded prior",
            LatentPrior::Encoded => "decoded prior (codes' Gaussian)",
        }
    }
}

/// What every problem's search shares.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SearchConfig {
    pub methods: Vec<MethodName>,
    /// Independent restarts of each method on each objective.
    pub restarts: usize,
    /// Restarts on the objectives named here instead of `restarts` (a multimodal objective, such
    /// as min ε among labyrinths, may need several starts where the others need one). Left out
    /// of the serialised default like `prior`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub objective_restarts: BTreeMap<String, usize>,
    /// Objective evaluations per restart (Adam: steps).
    pub budget: usize,
    /// Trust radius on z; 0 leaves z unbounded.
    pub radius: f64,
    /// Prior draws decoded for the no-optimisation control.
    pub prior_samples: usize,
    /// The Gaussian the explorers search in (`standard`: N(0, I); `encoded`: the training
    /// codes' own). Left out of the serialised default so that runs made before the key existed
    /// keep their stage hashes and resume.
    #[serde(skip_serializing_if = "LatentPrior::is_standard")]
    pub prior: LatentPrior,
    /// Evaluations of each restart's budget kept for an Adam descent from the explorer's best
    /// point (none by default; left out of the serialised default like `prior`).
    #[serde(skip_serializing_if = "PolishConfig::is_off")]
    pub polish: PolishConfig,
    pub adam: AdamConfig,
    pub cmaes: CmaEsConfig,
    pub random: RandomConfig,
    pub genetic: GeneticConfig,
    pub stochastic: StochasticConfig,
    pub bo: BoConfig,
    /// Left out of the serialised default like `prior`.
    #[serde(skip_serializing_if = "MultistartConfig::is_default")]
    pub multistart: MultistartConfig,
    /// Left out of the serialised default like `prior`.
    #[serde(skip_serializing_if = "ReplicaConfig::is_default")]
    pub replica: ReplicaConfig,
    /// Weighted-retraining loops (none unless `methods` lists some).
    pub retrain: RetrainConfig,
}

impl Default for SearchConfig {
    fn default() -> Self {
        Self {
            methods: vec![MethodName::Adam, MethodName::Cmaes, MethodName::Random],
            restarts: 10,
            objective_restarts: BTreeMap::new(),
            budget: 200,
            radius: 3.0,
            prior_samples: 1000,
            prior: LatentPrior::Standard,
            polish: PolishConfig::default(),
            adam: AdamConfig {
                learning_rate: 0.05,
                ..Default::default()
            },
            cmaes: CmaEsConfig {
                sigma: 0.5,
                ..Default::default()
            },
            random: RandomConfig::default(),
            genetic: GeneticConfig {
                population: 50,
                ..Default::default()
            },
            stochastic: StochasticConfig {
                samples: 8,
                gamma_every: 60,
                ..Default::default()
            },
            bo: BoConfig::default(),
            multistart: MultistartConfig::default(),
            replica: ReplicaConfig::default(),
            retrain: RetrainConfig::default(),
        }
    }
}

impl SearchConfig {
    /// The keys of `[optimise]` that belong here.
    pub const KEYS: [&'static str; 17] = [
        "methods",
        "restarts",
        "objective_restarts",
        "budget",
        "radius",
        "prior_samples",
        "prior",
        "polish",
        "adam",
        "cmaes",
        "random",
        "genetic",
        "stochastic",
        "bo",
        "multistart",
        "replica",
        "retrain",
    ];

    /// Checks every value, building each explorer once so that settings it would refuse are
    /// refused here, before any work.
    pub fn check(&self, c: &mut Checker) {
        c.require(!self.methods.is_empty(), "optimise.methods", || {
            "needs at least one of adam, cmaes, random, genetic, stochastic, bo, multistart, replica".into()
        });
        let mut seen = std::collections::HashSet::new();
        for m in &self.methods {
            c.require(seen.insert(*m), "optimise.methods", || {
                format!("lists {} twice", m.name())
            });
        }
        c.require(self.restarts >= 1, "optimise.restarts", || "must be at least 1".into());
        for (name, &n) in &self.objective_restarts {
            c.require(n >= 1, &format!("optimise.objective_restarts.\"{name}\""), || {
                "must be at least 1".into()
            });
        }
        c.require(self.budget >= 1, "optimise.budget", || "must be at least 1".into());
        c.require(self.prior_samples >= 1, "optimise.prior_samples", || {
            "must be at least 1".into()
        });
        c.require(self.radius >= 0.0 && self.radius.is_finite(), "optimise.radius", || {
            format!("must be >= 0, got {}", self.radius)
        });
        self.retrain.check(c, "optimise.retrain", &self.replica);
        // A retraining loop changes the codes every round; its frame would have to follow them.
        c.require(
            self.prior.is_standard() || self.retrain.methods.is_empty(),
            "optimise.prior",
            || "\"encoded\" cannot be combined with [optimise.retrain] loops; use \"standard\"".into(),
        );
        c.require(
            self.polish.evaluations < self.budget,
            "optimise.polish.evaluations",
            || {
                format!(
                    "must be below optimise.budget ({}) to leave the explorers some, got {}",
                    self.budget, self.polish.evaluations
                )
            },
        );
        c.require(
            self.polish.is_off() || self.retrain.methods.is_empty(),
            "optimise.polish",
            || "cannot be combined with [optimise.retrain] loops; set evaluations = 0".into(),
        );
        let lr = self.polish.learning_rate;
        c.require(lr > 0.0 && lr.is_finite(), "optimise.polish.learning_rate", || {
            format!("must be > 0, got {lr}")
        });
        // Every explorer's settings, listed or not: a config that names one later must not
        // have carried a broken setting unnoticed.
        for m in MethodName::ALL {
            // Multistart plans its rounds for the budget; unlisted, only its own settings count.
            let built = if m == MethodName::Multistart && !self.methods.contains(&m) {
                self.multistart.check()
            } else {
                build(m, self, vec![0.0; 2], 0).map(drop)
            };
            if let Err(e) = built {
                c.require(false, &format!("optimise.{}", m.name()), || format!("is invalid: {e}"));
            }
        }
    }

    /// The restarts of every method on the objective called `name`.
    pub fn restarts_for(&self, name: &str) -> usize {
        self.objective_restarts.get(name).copied().unwrap_or(self.restarts)
    }

    /// Refuses `objective_restarts` keys that name none of the run's objectives.
    pub fn check_objective_names(&self, c: &mut Checker, names: &[String]) {
        for name in self.objective_restarts.keys() {
            c.require(
                names.contains(name),
                &format!("optimise.objective_restarts.\"{name}\""),
                || {
                    format!(
                        "names no objective of this run; they are {}",
                        names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ")
                    )
                },
            );
        }
    }
}

/// [`build`], followed by the `[optimise.polish]` descent when it has evaluations.
pub fn build_polished(
    method: MethodName,
    cfg: &SearchConfig,
    start: Vec<f64>,
    seed: u64,
) -> Result<Box<dyn Optimiser>, OptError> {
    let explorer = build(method, cfg, start, seed)?;
    if cfg.polish.is_off() {
        return Ok(explorer);
    }
    let explore = cfg.budget.saturating_sub(cfg.polish.evaluations);
    Ok(Box::new(Polished::new(explorer, explore, &cfg.polish)?))
}

/// The explorer `method` in `start.len()` dimensions, starting at `start` (population methods
/// draw their own first population from N(0, I) with `seed`).
pub fn build(
    method: MethodName,
    cfg: &SearchConfig,
    start: Vec<f64>,
    seed: u64,
) -> Result<Box<dyn Optimiser>, OptError> {
    let d = start.len();
    Ok(match method {
        MethodName::Adam => Box::new(Adam::new(&cfg.adam, vec![start])?),
        MethodName::Cmaes => Box::new(CmaEs::new(&cfg.cmaes, start, seed)?),
        MethodName::Random => Box::new(RandomSearch::new(
            d,
            cfg.random.batch.min(cfg.budget),
            cfg.random.scale,
            seed,
        )?),
        MethodName::Genetic => Box::new(Genetic::new(&cfg.genetic, d, seed)?),
        MethodName::Stochastic => Box::new(Stochastic::new(&cfg.stochastic, start, seed)?),
        MethodName::Bo => Box::new(LatentBo::new(d, cfg.bo.clone(), seed)?),
        // Its schedule is planned for the evaluations the polish leaves it.
        MethodName::Multistart => Box::new(Multistart::new(
            &cfg.multistart,
            d,
            cfg.budget.saturating_sub(cfg.polish.evaluations),
            seed,
        )?),
        MethodName::Replica => Box::new(Replica::new(&cfg.replica, d, seed)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use lso_opt::{driver, testfn::Sphere};

    #[test]
    fn every_explorer_descends_a_shifted_sphere() {
        let cfg = SearchConfig {
            budget: 3000,
            ..Default::default()
        };
        for m in MethodName::ALL {
            let mut f = Sphere { shift: vec![0.5, -0.3] };
            let mut opt = build(m, &cfg, vec![1.5, 1.5], 3).unwrap();
            // Multistart and replica screen their draws by value before they need gradients.
            if !matches!(m, MethodName::Multistart | MethodName::Replica) {
                assert_eq!(opt.needs_gradient(), m.needs_gradient(&cfg.replica), "{}", m.name());
            }
            let start = 1.0f64.powi(2) + 1.8f64.powi(2);
            // BO spends a GP fit per batch to need far fewer evaluations.
            let budget = if m == MethodName::Bo { 80 } else { cfg.budget };
            let t = driver::run(opt.as_mut(), &mut f, budget).unwrap();
            assert!(t.best_value < 0.1 * start, "{}: {}", m.name(), t.best_value);
        }
    }
}
