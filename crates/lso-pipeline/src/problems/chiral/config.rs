//! The config of a chiral-magnet run (seed 001): `lso run` takes this form when the file has a
//! `[chiral]` section.

use super::data::ChiralDataConfig;
use crate::config::{check_header, from_toml_over, Checker, MethodName, Optimise, SearchConfig, SearchDefaults};
use crate::error::Result;
use lso_nn::chiral::Quantity;
use lso_nn::conv::ConvArch;
use lso_nn::train::VaeTrainConfig;
use lso_nn::Backend;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConvSection {
    /// `compact` (conv + ReLU stages, lso's default) or `paper` (Park et al.'s Fig. 6: batch
    /// norm and leaky ReLU, dense `hidden` layers both sides, a final 3 → 3 conv).
    #[serde(skip_serializing_if = "is_compact")]
    pub arch: ConvArch,
    pub channels: Vec<usize>,
    pub latent: usize,
    /// Width of the paper network's dense layers (512 if absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hidden: Option<usize>,
    pub train: VaeTrainConfig,
    /// Where the network trains: `cpu` (always built) or `wgpu` (a build with the `wgpu` cargo
    /// feature). The trained network then runs on the CPU for the searches.
    #[serde(skip_serializing_if = "is_cpu")]
    pub device: Backend,
}

fn is_cpu(b: &Backend) -> bool {
    *b == Backend::Cpu
}

fn is_compact(a: &ConvArch) -> bool {
    *a == ConvArch::Compact
}

impl Default for ConvSection {
    fn default() -> Self {
        Self {
            arch: ConvArch::Compact,
            channels: vec![16, 32],
            latent: 32,
            hidden: None,
            train: VaeTrainConfig {
                epochs: 30,
                batch_size: 16,
                beta: 0.001,
                patience: 8,
                ..Default::default()
            },
            device: Backend::Cpu,
        }
    }
}

/// The chiral problem's own `[optimise]` keys.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ChiralSearch {
    pub objectives: Vec<Quantity>,
    /// Annealing runs on the spins for the control, `budget` sweeps each.
    pub anneal_restarts: usize,
    /// Also judge each explorer's result after zero-temperature relaxation
    /// (`relaxed_energy_per_spin`, `relaxed_w`, `relaxed_stripe_order`): whether a decoded
    /// texture is a metastable state or falls apart. The controls' many configurations are not
    /// relaxed (the three encoded spirals are).
    pub relax: bool,
}

impl Default for ChiralSearch {
    fn default() -> Self {
        Self {
            objectives: vec![
                Quantity::Energy,
                Quantity::W,
                Quantity::Mz,
                Quantity::Correlation { ax: 1, ay: 0 },
            ],
            anneal_restarts: 4,
            relax: false,
        }
    }
}

impl SearchDefaults for ChiralSearch {
    fn search_defaults() -> SearchConfig {
        SearchConfig {
            methods: vec![MethodName::Adam, MethodName::Genetic, MethodName::Stochastic],
            restarts: 1,
            budget: 2000,
            radius: 0.0,
            prior_samples: 100,
            ..Default::default()
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
    pub optimise: Optimise<ChiralSearch>,
}

impl ChiralRunConfig {
    /// What a file's missing keys take, at every depth (`version` and `name` stay required).
    pub fn defaults() -> Self {
        Self {
            version: 1,
            name: String::new(),
            seed: 0,
            chiral: ChiralDataConfig::default(),
            vae: ConvSection::default(),
            optimise: Optimise::default(),
        }
    }

    pub fn parse(text: &str, origin: &str) -> Result<Self> {
        let cfg: Self = from_toml_over(text, origin, &Self::defaults())?;
        let mut c = Checker::new(origin);
        check_header(&mut c, cfg.version, &cfg.name);
        if let Err(e) = cfg.chiral.check() {
            c.require(false, "chiral", || format!("is invalid: {e}"));
        }
        c.require(cfg.chiral.lx == cfg.chiral.ly, "chiral.lx/ly", || {
            "the convolutional VAE needs a square lattice".into()
        });
        let stages = cfg.vae.channels.len();
        c.require(
            stages >= 1 && cfg.chiral.lx.is_multiple_of(1 << stages.min(16)),
            "vae.channels",
            || {
                format!(
                    "{stages} pooling stages need the lattice side divisible by {}",
                    1usize << stages.min(16)
                )
            },
        );
        c.require(!cfg.vae.channels.contains(&0), "vae.channels", || {
            "must all be >= 1".into()
        });
        c.require(cfg.vae.latent >= 1, "vae.latent", || "must be at least 1".into());
        c.require(cfg.vae.hidden != Some(0), "vae.hidden", || "must be at least 1".into());
        c.require(
            cfg.vae.hidden.is_none() || cfg.vae.arch == ConvArch::Paper,
            "vae.hidden",
            || "only the paper network (arch = \"paper\") has dense hidden layers".into(),
        );
        if let Err(e) = cfg.vae.device.check_built() {
            c.require(false, "vae.device", || e.to_string());
        }
        if let Err(e) = cfg.vae.train.validate() {
            c.require(false, "vae.train", || format!("is invalid: {e}"));
        }
        let o = &cfg.optimise;
        o.search.check(&mut c);
        let listed: Vec<String> = o.problem.objectives.iter().map(|q| q.name()).collect();
        o.search.check_objective_names(&mut c, &listed);
        c.require(!o.problem.objectives.is_empty(), "optimise.objectives", || {
            "needs at least one".into()
        });
        let mut names = std::collections::HashSet::new();
        for q in &o.problem.objectives {
            c.require(names.insert(q.name()), "optimise.objectives", || {
                format!("lists {} twice (results name objectives by name)", q.name())
            });
            if let Quantity::Boundary { target } = q {
                let norm = target.iter().map(|v| v * v).sum::<f64>().sqrt();
                c.require(norm.is_finite() && norm > 0.0, "optimise.objectives.target", || {
                    format!("must be a non-zero vector, got {target:?}")
                });
            }
        }
        c.require(o.problem.anneal_restarts >= 1, "optimise.anneal_restarts", || {
            "must be at least 1".into()
        });
        c.finish()?;
        Ok(cfg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A partial `[vae.train]` once trained the chiral network at β = 1 (the MLP's default)
    /// instead of the section's 0.001.
    #[test]
    fn a_partial_train_table_keeps_the_chiral_defaults() {
        let text = "version = 1\nname = \"c\"\n[chiral]\nlx = 16\nly = 16\n[vae.train]\nepochs = 3\n";
        let c = ChiralRunConfig::parse(text, "c.toml").unwrap();
        let d = ChiralRunConfig::defaults().vae.train;
        assert_eq!(c.vae.train.epochs, 3);
        assert_eq!(
            (c.vae.train.beta, c.vae.train.batch_size, c.vae.train.patience),
            (d.beta, d.batch_size, d.patience)
        );
        assert_ne!(d.beta, VaeTrainConfig::default().beta);
    }
}
