//! Config sections of the latent-space pipeline: the VAE, the surrogate and the optimisers.

use super::Checker;
use lso_nn::surrogate::SurrogateTrainConfig;
use lso_nn::train::VaeTrainConfig;
use lso_nn::OutputKind;
use lso_opt::{AdamConfig, CmaEsConfig};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VaeSection {
    pub hidden: Vec<usize>,
    pub latent: usize,
    pub output: OutputKind,
    pub train: VaeTrainConfig,
}

impl Default for VaeSection {
    fn default() -> Self {
        Self {
            hidden: vec![256, 256],
            latent: 8,
            output: OutputKind::Tanh,
            train: VaeTrainConfig::default(),
        }
    }
}

impl VaeSection {
    pub fn network(&self, input: usize) -> lso_nn::VaeConfig {
        lso_nn::VaeConfig {
            input,
            hidden: self.hidden.clone(),
            latent: self.latent,
            output: self.output,
        }
    }

    pub fn check(&self, c: &mut Checker) {
        c.require(self.latent >= 1, "vae.latent", || "must be at least 1".into());
        c.require(
            !self.hidden.is_empty() && !self.hidden.contains(&0),
            "vae.hidden",
            || format!("needs at least one layer, all sizes >= 1, got {:?}", self.hidden),
        );
        if let Err(e) = self.train.validate() {
            c.require(false, "vae.train", || format!("is invalid: {e}"));
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SurrogateSection {
    pub hidden: Vec<usize>,
    /// Ensemble members; their spread is the surrogate's uncertainty.
    pub ensemble: usize,
    pub train: SurrogateTrainConfig,
}

impl Default for SurrogateSection {
    fn default() -> Self {
        Self {
            hidden: vec![128, 128],
            ensemble: 5,
            train: SurrogateTrainConfig::default(),
        }
    }
}

impl SurrogateSection {
    pub fn check(&self, c: &mut Checker) {
        c.require(self.ensemble >= 1, "surrogate.ensemble", || "must be at least 1".into());
        c.require(!self.hidden.contains(&0), "surrogate.hidden", || {
            format!("sizes must be >= 1, got {:?}", self.hidden)
        });
        let t = &self.train;
        c.require(
            t.epochs >= 1 && t.batch_size >= 1 && t.learning_rate > 0.0,
            "surrogate.train",
            || "needs epochs, batch_size >= 1 and learning_rate > 0".into(),
        );
        c.require((0.0..1.0).contains(&t.validation), "surrogate.train.validation", || {
            format!("must be in [0, 1), got {}", t.validation)
        });
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MethodName {
    Adam,
    Cmaes,
    Random,
}

impl MethodName {
    pub fn name(self) -> &'static str {
        match self {
            MethodName::Adam => "adam",
            MethodName::Cmaes => "cmaes",
            MethodName::Random => "random",
        }
    }
}

/// What the optimisers minimise.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ObjectiveKind {
    /// The surrogate ensemble's mean plus `kappa` times its spread (seed 000).
    #[default]
    Surrogate,
    /// The energy of the decoder's continuous spins (differentiable).
    Relaxed,
    /// The true energy of the signed decoded spins (no gradient: cmaes and random only).
    Hard,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OptimiseConfig {
    pub methods: Vec<MethodName>,
    /// Independent restarts of each method.
    pub restarts: usize,
    /// Objective evaluations per restart (Adam: steps).
    pub budget: usize,
    pub objective: ObjectiveKind,
    /// Weight of the surrogate ensemble's spread (uncertainty penalty).
    pub kappa: f64,
    /// Trust radius on z; 0 leaves z unbounded.
    pub radius: f64,
    /// Penalty per squared distance outside the trust radius.
    pub penalty: f64,
    /// Weight of the prior term ½‖z‖².
    pub prior_weight: f64,
    pub adam: AdamConfig,
    pub cmaes: CmaEsConfig,
    /// Prior draws decoded for the no-optimisation control.
    pub prior_samples: usize,
}

impl Default for OptimiseConfig {
    fn default() -> Self {
        Self {
            methods: vec![MethodName::Adam, MethodName::Cmaes, MethodName::Random],
            restarts: 10,
            budget: 200,
            objective: ObjectiveKind::Surrogate,
            kappa: 1.0,
            radius: 3.0,
            penalty: 10.0,
            prior_weight: 0.0,
            adam: AdamConfig {
                learning_rate: 0.05,
                ..Default::default()
            },
            cmaes: CmaEsConfig {
                sigma: 0.5,
                ..Default::default()
            },
            prior_samples: 1000,
        }
    }
}

impl OptimiseConfig {
    pub fn constraint(&self) -> lso_opt::Constraint {
        lso_opt::Constraint {
            radius: (self.radius > 0.0).then_some(self.radius),
            penalty: self.penalty,
            prior_weight: self.prior_weight,
        }
    }

    pub fn check(&self, c: &mut Checker) {
        c.require(!self.methods.is_empty(), "optimise.methods", || {
            "needs at least one of adam, cmaes, random".into()
        });
        c.require(self.restarts >= 1, "optimise.restarts", || "must be at least 1".into());
        c.require(self.budget >= 1, "optimise.budget", || "must be at least 1".into());
        c.require(self.kappa >= 0.0 && self.kappa.is_finite(), "optimise.kappa", || {
            format!("must be >= 0, got {}", self.kappa)
        });
        c.require(self.radius >= 0.0 && self.radius.is_finite(), "optimise.radius", || {
            format!("must be >= 0, got {}", self.radius)
        });
        c.require(
            self.penalty >= 0.0 && self.prior_weight >= 0.0,
            "optimise.penalty/prior_weight",
            || "must be >= 0".into(),
        );
        c.require(
            !(self.objective == ObjectiveKind::Hard && self.methods.contains(&MethodName::Adam)),
            "optimise.objective",
            || "hard has no gradient: use cmaes/random with it, or relaxed/surrogate with adam".into(),
        );
        c.require(self.adam.learning_rate > 0.0, "optimise.adam.learning_rate", || {
            "must be > 0".into()
        });
        c.require(self.cmaes.sigma > 0.0, "optimise.cmaes.sigma", || "must be > 0".into());
        c.require(self.prior_samples >= 1, "optimise.prior_samples", || {
            "must be at least 1".into()
        });
    }
}
