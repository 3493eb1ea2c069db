//! Config sections more than one problem uses: the fully connected VAE and the surrogate.

use super::Checker;
use lso_nn::surrogate::SurrogateTrainConfig;
use lso_nn::train::VaeTrainConfig;
use lso_nn::OutputKind;
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
