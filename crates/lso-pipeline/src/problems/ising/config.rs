//! The config of an Ising run (seed 000), the embedded default of `lso run`.

use super::dataconfig::IsingDataConfig;
use crate::config::{
    check_header, from_toml_over, AnnealConfig, Checker, Optimise, SearchConfig, SearchDefaults, SurrogateSection,
    VaeSection,
};
use crate::error::Result;
use serde::{Deserialize, Serialize};

/// What the latent explorers minimise.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ObjectiveKind {
    /// The surrogate ensemble's mean plus `kappa` times its spread (seed 000).
    #[default]
    Surrogate,
    /// The energy of the decoder's continuous spins (differentiable).
    Relaxed,
    /// The true energy of the signed decoded spins (no gradient: cmaes, random and genetic).
    Hard,
}

/// The Ising problem's own `[optimise]` keys.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IsingSearch {
    pub objective: ObjectiveKind,
    /// Weight of the surrogate ensemble's spread (uncertainty penalty).
    pub kappa: f64,
    /// Penalty per squared distance outside the trust radius.
    pub penalty: f64,
    /// Weight of the prior term ½‖z‖².
    pub prior_weight: f64,
}

impl Default for IsingSearch {
    fn default() -> Self {
        Self {
            objective: ObjectiveKind::Surrogate,
            kappa: 1.0,
            penalty: 10.0,
            prior_weight: 0.0,
        }
    }
}

impl SearchDefaults for IsingSearch {
    fn search_defaults() -> SearchConfig {
        SearchConfig::default()
    }
}

/// Simulated annealing directly on the spins: the baseline every latent-space result is
/// compared with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ControlConfig {
    pub restarts: usize,
    pub anneal: AnnealConfig,
}

impl Default for ControlConfig {
    fn default() -> Self {
        Self {
            restarts: 10,
            anneal: AnnealConfig::default(),
        }
    }
}

/// The whole `lso run` job for an Ising problem.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IsingRunConfig {
    /// Format version of this file; only 1 exists.
    pub version: u32,
    /// Names the run directory `runs/<name>`.
    pub name: String,
    #[serde(default)]
    pub seed: u64,
    pub data: IsingDataConfig,
    #[serde(default)]
    pub vae: VaeSection,
    #[serde(default)]
    pub surrogate: SurrogateSection,
    #[serde(default)]
    pub optimise: Optimise<IsingSearch>,
    #[serde(default)]
    pub control: ControlConfig,
}

impl IsingRunConfig {
    /// What a file's missing keys take, at every depth (`version`, `name` and `data` stay
    /// required).
    pub fn defaults() -> Self {
        Self {
            version: 1,
            name: String::new(),
            seed: 0,
            data: IsingDataConfig::default(),
            vae: VaeSection::default(),
            surrogate: SurrogateSection::default(),
            optimise: Optimise::default(),
            control: ControlConfig::default(),
        }
    }

    pub fn parse(text: &str, origin: &str) -> Result<Self> {
        let cfg: Self = from_toml_over(text, origin, &Self::defaults())?;
        cfg.check(origin)?;
        Ok(cfg)
    }

    pub fn embedded_default() -> Self {
        Self::parse(crate::config::DEFAULT_TOML, "configs/default.toml").expect("the embedded default config is valid")
    }

    pub fn constraint(&self) -> lso_opt::Constraint {
        let (s, o) = (&self.optimise.search, &self.optimise.problem);
        lso_opt::Constraint {
            radius: (s.radius > 0.0).then_some(s.radius),
            penalty: o.penalty,
            prior_weight: o.prior_weight,
        }
    }

    pub fn check(&self, origin: &str) -> Result<()> {
        let mut c = Checker::new(origin);
        check_header(&mut c, self.version, &self.name);
        self.data.check(&mut c, "data");
        self.vae.check(&mut c);
        // The network's size is known from the lattice: refuse an impossible one before the data
        // are made, not after.
        if let Err(e) = self.vae.network(self.data.lx.saturating_mul(self.data.ly)).validate() {
            c.require(false, "vae", || {
                format!("is too large for {}×{}: {e}", self.data.lx, self.data.ly)
            });
        }
        self.surrogate.check(&mut c);
        let (s, o) = (&self.optimise.search, &self.optimise.problem);
        s.check(&mut c);
        s.check_objective_names(&mut c, &["min energy".to_string()]);
        c.require(o.kappa >= 0.0 && o.kappa.is_finite(), "optimise.kappa", || {
            format!("must be >= 0, got {}", o.kappa)
        });
        if let Err(e) = self.constraint().validate() {
            c.require(false, "optimise.penalty/prior_weight", || format!("is invalid: {e}"));
        }
        if o.objective == ObjectiveKind::Hard {
            for m in s.methods.iter().filter(|m| m.needs_gradient(&s.replica)) {
                c.require(false, "optimise.objective", || {
                    format!(
                        "hard has no gradient, so {} cannot use it: use cmaes, random, genetic or replica with moves = \"walk\" with it, or relaxed/surrogate",
                        m.name()
                    )
                });
            }
        }
        c.require(self.control.restarts >= 1, "control.restarts", || {
            "must be at least 1".into()
        });
        self.control.anneal.check(&mut c, "control.anneal");
        let a = &self.control.anneal;
        let updates = self.control.restarts as f64
            * a.steps as f64
            * a.sweeps_per_step as f64
            * self.data.lx.saturating_mul(self.data.ly) as f64;
        if let Some(m) = crate::limits::work_over(&format!("{} annealing restarts", self.control.restarts), updates) {
            c.require(false, "control", || format!("is too much work: {m}"));
        }
        c.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DEFAULT_TOML;

    #[test]
    fn embedded_default_is_the_seed_experiment() {
        let c = IsingRunConfig::embedded_default();
        assert_eq!((c.data.lx, c.data.ly, c.data.samples), (20, 20, 2000));
        assert_eq!(c.data.p, vec![0.35, 0.65]);
        assert_eq!(c.optimise.search.restarts, 10);
        let back = IsingRunConfig::parse(&toml::to_string(&c).unwrap(), "printed").unwrap();
        assert_eq!(back, c, "--print-config gives a config that parses to the same");
    }

    #[test]
    fn impossible_work_and_networks_are_refused_before_any_work() {
        let head = "version = 1\nname = \"x\"\n[data]\n";
        let err = IsingRunConfig::parse(&format!("{head}lx = 100000\nly = 8\n"), "big.toml").unwrap_err();
        assert!(err.is_usage());
        assert!(
            err.to_string().starts_with("big.toml: vae is too large for 100000×8"),
            "{err}"
        );
        let mc = format!("{head}lx = 8\nly = 8\nsource = \"mc\"\nburn_in = 10000000000\n");
        let err = IsingRunConfig::parse(&mc, "mc.toml").unwrap_err().to_string();
        assert!(
            err.contains("data.burn_in/thin/samples") && err.contains("LSO_MAX_UPDATES"),
            "{err}"
        );
        let control = format!("{head}lx = 64\nly = 64\n[control]\nrestarts = 100000000\n");
        let err = IsingRunConfig::parse(&control, "c.toml").unwrap_err().to_string();
        assert!(err.contains("control is too much work"), "{err}");
    }

    #[test]
    fn messages_name_file_and_key() {
        let text = DEFAULT_TOML.replace("p = [0.35, 0.65]", "p = [0.35, 1.5]");
        let err = IsingRunConfig::parse(&text, "x.toml").unwrap_err().to_string();
        assert_eq!(err, "x.toml: data.p must be in [0, 1], got 1.5");
        let err = IsingRunConfig::parse(&format!("{DEFAULT_TOML}\nbogus = 1\n"), "x.toml")
            .unwrap_err()
            .to_string();
        // Appended text belongs to the last table, which the message names with the line.
        assert!(
            err.starts_with("x.toml: line ") && err.contains(", key control.anneal.bogus: unknown field `bogus`"),
            "{err}"
        );
        let text = DEFAULT_TOML.replace("objective = \"surrogate\"", "objective = \"hard\"");
        let err = IsingRunConfig::parse(&text, "x.toml").unwrap_err().to_string();
        assert!(
            err.starts_with("x.toml: optimise.objective hard has no gradient, so adam"),
            "{err}"
        );
        let text = DEFAULT_TOML.replace("penalty = 10.0", "penalty = -1.0");
        let err = IsingRunConfig::parse(&text, "x.toml").unwrap_err();
        assert!(err.is_usage() && err.to_string().contains("optimise.penalty"), "{err}");
    }
}
