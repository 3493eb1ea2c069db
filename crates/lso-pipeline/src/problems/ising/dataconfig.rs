//! The `[data]` section of an Ising run: the model, where the configurations come from, and how many.

use crate::config::{AnnealConfig, Checker};
use lso_physics::{Boundary, SamplerKind};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// Each spin −1 with probability p (seed 000).
    #[default]
    Biased,
    /// Equilibrium Monte Carlo samples.
    Mc,
    /// Final states of annealing runs.
    Anneal,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Disorder {
    #[default]
    None,
    /// ±J bonds (signs random).
    Pm,
    /// Bonds N(j, 1).
    Gaussian,
    /// Bonds uniform on [−1, 1).
    Uniform,
}

/// An Ising dataset: the model, where the configurations come from, and how many.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IsingDataConfig {
    pub lx: usize,
    pub ly: usize,
    pub boundary: Boundary,
    pub j: f64,
    pub h: f64,
    pub disorder: Disorder,
    /// Seed of the disordered bonds (default: the run's seed), so one instance can be shared
    /// by runs with different seeds.
    pub disorder_seed: Option<u64>,
    /// A spin-glass instance file, float64 `(Ly, Lx, 2)`; replaces `j` and `disorder`.
    pub couplings: Option<std::path::PathBuf>,
    pub source: Source,
    pub samples: usize,
    /// Probability of −1 per spin, one entry per block of samples (biased source).
    pub p: Vec<f64>,
    /// One entry per block of samples (mc source).
    pub temperatures: Vec<f64>,
    pub sampler: SamplerKind,
    pub burn_in: usize,
    pub thin: usize,
    pub chains: usize,
    pub anneal: AnnealConfig,
}

impl Default for IsingDataConfig {
    fn default() -> Self {
        Self {
            lx: 20,
            ly: 20,
            boundary: Boundary::Periodic,
            j: 1.0,
            h: 0.0,
            disorder: Disorder::None,
            disorder_seed: None,
            couplings: None,
            source: Source::Biased,
            samples: 2000,
            p: vec![0.35, 0.65],
            temperatures: vec![2.27],
            sampler: SamplerKind::Metropolis,
            burn_in: 1000,
            thin: 10,
            chains: 4,
            anneal: AnnealConfig::default(),
        }
    }
}

impl IsingDataConfig {
    /// Checks every value; `section` prefixes the keys in messages (e.g. `data`).
    pub fn check(&self, c: &mut Checker, section: &str) {
        let key = |k: &str| {
            if section.is_empty() {
                k.to_string()
            } else {
                format!("{section}.{k}")
            }
        };
        c.require(self.lx >= 2 && self.ly >= 2, &key("lx/ly"), || {
            format!("must be at least 2, got {}×{}", self.lx, self.ly)
        });
        c.require(self.lx.saturating_mul(self.ly) <= 1 << 26, &key("lx/ly"), || {
            format!("{}×{} is larger than 2^26 sites", self.lx, self.ly)
        });
        c.require(self.j.is_finite(), &key("j"), || {
            format!("must be finite, got {}", self.j)
        });
        c.require(self.h.is_finite(), &key("h"), || {
            format!("must be finite, got {}", self.h)
        });
        c.require(self.samples >= 1, &key("samples"), || "must be at least 1".into());
        c.require(
            self.couplings.is_none() || self.disorder == Disorder::None,
            &key("couplings"),
            || "names an instance file, so disorder must stay \"none\"".into(),
        );
        // Spins as int8 and, for training, as f32, plus the per-sample arrays.
        let sites = self.lx.saturating_mul(self.ly);
        let mem = crate::limits::bytes(self.samples, sites as f64 * 5.0 + 32.0);
        if let Some(m) = crate::limits::over(&format!("{} samples of {}×{}", self.samples, self.lx, self.ly), mem) {
            c.require(false, &key("samples"), || format!("is too large: {m}"));
        }
        // Monte Carlo work, in spin updates, before any of it starts.
        let updates = match self.source {
            Source::Biased => 0.0,
            Source::Mc => {
                let chains = (self.chains.max(1) * self.temperatures.len().max(1)) as f64;
                (chains * self.burn_in as f64 + self.samples as f64 * self.thin as f64) * sites as f64
            }
            Source::Anneal => {
                self.samples as f64 * self.anneal.steps as f64 * self.anneal.sweeps_per_step as f64 * sites as f64
            }
        };
        if let Some(m) =
            crate::limits::work_over(&format!("{} samples of {}×{}", self.samples, self.lx, self.ly), updates)
        {
            let k = if self.source == Source::Mc {
                "burn_in/thin/samples"
            } else {
                "anneal/samples"
            };
            c.require(false, &key(k), || format!("is too much work: {m}"));
        }
        // Every value is checked whichever source uses it: a bad setting in a section the run
        // ignores today is still a mistake, and would surface when the source changes.
        c.require(!self.p.is_empty(), &key("p"), || {
            "needs at least one probability".into()
        });
        for &p in &self.p {
            c.require((0.0..=1.0).contains(&p), &key("p"), || {
                format!("must be in [0, 1], got {p}")
            });
        }
        c.require(!self.temperatures.is_empty(), &key("temperatures"), || {
            "needs at least one temperature".into()
        });
        for &t in &self.temperatures {
            c.require(t.is_finite() && t > 0.0, &key("temperatures"), || {
                format!("must be > 0, got {t}")
            });
        }
        c.require(self.thin >= 1, &key("thin"), || "must be at least 1".into());
        c.require(self.chains >= 1, &key("chains"), || "must be at least 1".into());
        self.anneal.check(c, &key("anneal"));
        if self.source == Source::Mc {
            let wolff_ok = self.sampler != SamplerKind::Wolff
                || (self.disorder == Disorder::None && self.couplings.is_none() && self.j > 0.0 && self.h == 0.0);
            c.require(wolff_ok, &key("sampler"), || {
                "wolff needs a uniform ferromagnet (j > 0, h = 0, no disorder)".into()
            });
        }
    }
}
