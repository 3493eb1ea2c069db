//! The config of a chiral-magnet run (seed 001): `lso run` takes this form when the file has a
//! `[chiral]` section.

use super::Checker;
use crate::error::usage;
use crate::stages::chiral::ChiralDataConfig;
use lso_nn::chiral::Quantity;
use lso_nn::train::VaeTrainConfig;
use lso_opt::{AdamConfig, GeneticConfig, StochasticConfig};
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConvSection {
    pub channels: Vec<usize>,
    pub latent: usize,
    pub train: VaeTrainConfig,
}

impl Default for ConvSection {
    fn default() -> Self {
        Self {
            channels: vec![16, 32],
            latent: 32,
            train: VaeTrainConfig {
                epochs: 30,
                batch_size: 16,
                beta: 0.001,
                patience: 8,
                ..Default::default()
            },
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Explorer {
    /// Single-code modification: Adam on z through the decoder.
    Adam,
    Genetic,
    Stochastic,
}

impl Explorer {
    pub fn name(self) -> &'static str {
        match self {
            Explorer::Adam => "adam",
            Explorer::Genetic => "genetic",
            Explorer::Stochastic => "stochastic",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ChiralOptimiseConfig {
    pub objectives: Vec<Quantity>,
    pub methods: Vec<Explorer>,
    /// Decoded configurations each method may evaluate per objective.
    pub budget: usize,
    /// Trust radius on z (0: none).
    pub radius: f64,
    pub adam: AdamConfig,
    pub genetic: GeneticConfig,
    pub stochastic: StochasticConfig,
    /// Prior draws decoded for the no-optimisation control.
    pub prior_samples: usize,
    /// Annealing runs on the spins for the control, each `budget / 100` sweeps long... see docs.
    pub anneal_restarts: usize,
}

impl Default for ChiralOptimiseConfig {
    fn default() -> Self {
        Self {
            objectives: vec![
                Quantity::Energy,
                Quantity::W,
                Quantity::Mz,
                Quantity::Correlation { ax: 1, ay: 0 },
            ],
            methods: vec![Explorer::Adam, Explorer::Genetic, Explorer::Stochastic],
            budget: 2000,
            radius: 0.0,
            adam: AdamConfig {
                learning_rate: 0.05,
                ..Default::default()
            },
            genetic: GeneticConfig {
                population: 50,
                ..Default::default()
            },
            stochastic: StochasticConfig {
                samples: 8,
                gamma_every: 60,
                ..Default::default()
            },
            prior_samples: 100,
            anneal_restarts: 4,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChiralRunConfig {
    pub version: u32,
    pub name: String,
    #[serde(default)]
    pub seed: u64,
    #[serde(default)]
    pub chiral: ChiralDataConfig,
    #[serde(default)]
    pub vae: ConvSection,
    #[serde(default)]
    pub optimise: ChiralOptimiseConfig,
}

impl ChiralRunConfig {
    pub fn parse(text: &str, origin: &str) -> anyhow::Result<Self> {
        let cfg: Self =
            toml::from_str(text).map_err(|e| usage(format!("{origin}: {}", e.message().replace('\n', " "))))?;
        let mut c = Checker::new(origin);
        super::check_header(&mut c, cfg.version, &cfg.name);
        if let Err(e) = cfg.chiral.check() {
            c.require(false, "chiral", || format!("is invalid: {e}"));
        }
        c.require(cfg.chiral.lx == cfg.chiral.ly, "chiral.lx/ly", || {
            "the convolutional VAE needs a square lattice".into()
        });
        let stages = cfg.vae.channels.len();
        c.require(
            stages >= 1 && cfg.chiral.lx % (1 << stages) == 0,
            "vae.channels",
            || {
                format!(
                    "{stages} pooling stages need the lattice side divisible by {}",
                    1usize << stages
                )
            },
        );
        c.require(cfg.vae.latent >= 1, "vae.latent", || "must be at least 1".into());
        if let Err(e) = cfg.vae.train.validate() {
            c.require(false, "vae.train", || format!("is invalid: {e}"));
        }
        let o = &cfg.optimise;
        c.require(
            !o.objectives.is_empty() && !o.methods.is_empty(),
            "optimise.objectives/methods",
            || "need at least one each".into(),
        );
        c.require(
            o.budget >= 1 && o.prior_samples >= 1 && o.anneal_restarts >= 1,
            "optimise.budget",
            || "budget, prior_samples and anneal_restarts must be >= 1".into(),
        );
        c.finish()?;
        Ok(cfg)
    }

    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = super::read_text(path)?;
        Self::parse(&text, &path.display().to_string())
    }
}

/// Whether a config text describes a chiral run (it has a `[chiral]` table).
pub fn is_chiral(text: &str) -> bool {
    super::has_table(text, "chiral")
}
