//! The `lso compare` config: instances (kinds × sizes × draws), seeds, budgets and methods.

use crate::config::Checker;
use crate::error::Result;
use crate::explorer::MethodName;
use lso_physics::glass::baselines::{AnnealSettings, TemperingSettings};
use lso_physics::Boundary;
use serde::{Deserialize, Serialize};

pub const DEFAULT_TOML: &str = include_str!("default.toml");

/// Instance families: the seed-000 ferromagnet and the three glasses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    Ferro,
    Pm,
    Gaussian,
    Uniform,
}

/// Direct methods on the spins.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    Random,
    Greedy,
    Anneal,
    Tempering,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::Random => "random",
            Method::Greedy => "greedy",
            Method::Anneal => "anneal",
            Method::Tempering => "tempering",
        }
    }
}

impl Family {
    pub fn name(self) -> &'static str {
        match self {
            Family::Ferro => "ferro",
            Family::Pm => "pm",
            Family::Gaussian => "gaussian",
            Family::Uniform => "uniform",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CompareConfig {
    pub seed: u64,
    pub families: Vec<Family>,
    pub sizes: Vec<usize>,
    pub boundary: Boundary,
    /// Instances drawn per (family, size).
    pub instances: usize,
    /// Independent seeds per (instance, method).
    pub seeds: usize,
    /// Budgets in true energy evaluations (one sweep or one configuration each), increasing.
    pub budgets: Vec<u64>,
    pub methods: Vec<Method>,
    pub anneal: AnnealSettings,
    pub tempering: TemperingSettings,
    /// Bootstrap resamples for the error bars.
    pub bootstrap: usize,
    pub latent: super::latent::LatentSettings,
}

impl Default for CompareConfig {
    /// The values of `default.toml` (a test checks the two agree).
    fn default() -> Self {
        Self {
            seed: 0,
            families: vec![Family::Ferro, Family::Pm, Family::Gaussian, Family::Uniform],
            sizes: vec![8, 16, 20, 32, 40],
            boundary: Boundary::Open,
            instances: 2,
            seeds: 5,
            budgets: vec![10, 100, 1000, 10000],
            methods: vec![Method::Random, Method::Greedy, Method::Anneal, Method::Tempering],
            anneal: AnnealSettings::default(),
            tempering: TemperingSettings::default(),
            bootstrap: 1000,
            latent: super::latent::LatentSettings::default(),
        }
    }
}

impl CompareConfig {
    pub fn parse(text: &str, origin: &str) -> Result<Self> {
        // The default race and ladder are left out of the serialised defaults (and so of the
        // hash); a partial `[latent.multistart]` or `[latent.replica]` is laid over them all the
        // same, not over the chiral-sized `[optimise]` defaults.
        let mut base = crate::config::table_of(&Self::default(), origin)?;
        if let Some(toml::Value::Table(latent)) = base.get_mut("latent") {
            let race = crate::config::table_of(&super::latent::compare_multistart(), origin)?;
            latent.insert("multistart".into(), toml::Value::Table(race));
            let ladder = crate::config::table_of(&super::latent::compare_replica(), origin)?;
            latent.insert("replica".into(), toml::Value::Table(ladder));
        }
        let cfg: Self = crate::config::from_toml_layered(text, origin, base)?;
        let mut c = Checker::new(origin);
        c.require(!cfg.families.is_empty(), "families", || {
            "needs at least one family".into()
        });
        c.require(!cfg.methods.is_empty(), "methods", || {
            "needs at least one method".into()
        });
        c.require(cfg.instances >= 1, "instances", || "must be at least 1".into());
        c.require(cfg.seeds >= 1, "seeds", || "must be at least 1".into());
        c.require(cfg.bootstrap >= 10, "bootstrap", || "must be at least 10".into());
        cfg.latent.retrain.check(&mut c, "latent.retrain", &cfg.latent.replica);
        if let Err(e) = cfg.latent.bo.check() {
            c.require(false, "latent.bo", || format!("is invalid: {e}"));
        }
        // Its rounds are planned for the budget, which matters only where it runs.
        let race = if cfg.latent.explorers.contains(&MethodName::Multistart) {
            cfg.latent.multistart.check_within(cfg.latent.budget)
        } else {
            cfg.latent.multistart.check()
        };
        if let Err(e) = race {
            c.require(false, "latent.multistart", || format!("is invalid: {e}"));
        }
        if let Err(e) = cfg.latent.replica.check() {
            c.require(false, "latent.replica", || format!("is invalid: {e}"));
        }
        for &l in &cfg.sizes {
            c.require((2..=512).contains(&l), "sizes", || {
                format!("must be between 2 and 512, got {l}")
            });
        }
        c.require(!cfg.sizes.is_empty(), "sizes", || "needs at least one size".into());
        c.require(
            !cfg.budgets.is_empty() && cfg.budgets[0] >= 1 && cfg.budgets.windows(2).all(|w| w[1] > w[0]),
            "budgets",
            || format!("must be positive and strictly increasing, got {:?}", cfg.budgets),
        );
        c.require(cfg.budgets.last().is_none_or(|&b| b <= 10_000_000), "budgets", || {
            "must not exceed 10^7 evaluations".into()
        });
        c.require(
            cfg.anneal.t_cold > 0.0 && cfg.anneal.t_hot > cfg.anneal.t_cold,
            "anneal",
            || "needs t_hot > t_cold > 0".into(),
        );
        c.require(
            cfg.tempering.replicas >= 2 && cfg.tempering.t_min > 0.0 && cfg.tempering.t_max > cfg.tempering.t_min,
            "tempering",
            || "needs replicas >= 2 and t_max > t_min > 0".into(),
        );
        c.finish()?;
        Ok(cfg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A partial `[latent.anneal]` keeps the compare's short anneal for the keys it leaves out.
    #[test]
    fn a_partial_anneal_table_keeps_the_compare_defaults() {
        let c = CompareConfig::parse("[latent.anneal]\nsteps = 5\n", "x.toml").unwrap();
        let d = CompareConfig::default().latent.anneal;
        assert_eq!(c.latent.anneal.steps, 5);
        assert_eq!(
            (c.latent.anneal.start, c.latent.anneal.sweeps_per_step),
            (d.start, d.sweeps_per_step)
        );
        assert_ne!(d.start, crate::config::AnnealConfig::default().start);
    }

    #[test]
    fn embedded_config_equals_the_defaults_and_bad_values_are_named() {
        assert_eq!(
            CompareConfig::parse(DEFAULT_TOML, "default").unwrap(),
            CompareConfig::default()
        );
        let err = CompareConfig::parse("budgets = [100, 10]", "x.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("budgets"), "{err}");
        let err = CompareConfig::parse("methods = [\"psychic\"]", "x.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("x.toml"), "{err}");
        // A bad value is a usage error (exit 2), named by line and key.
        let err = CompareConfig::parse("seed = 1\nseeds = \"x\"", "x.toml").unwrap_err();
        assert!(err.is_usage(), "{err}");
        assert!(err.to_string().starts_with("x.toml: line 2, key seeds: "), "{err}");
    }

    #[test]
    fn multistart_must_fit_the_latent_budget_only_where_it_runs() {
        let race = "[latent.multistart]\nscreen = 400\n";
        let unlisted = format!("[latent]\nbudget = 400\n{race}");
        assert!(CompareConfig::parse(&unlisted, "x.toml").is_ok());
        let listed = format!("[latent]\nbudget = 400\nexplorers = [\"adam\", \"multistart\"]\n{race}");
        let err = CompareConfig::parse(&listed, "x.toml").unwrap_err().to_string();
        // The starts left out are the compare's 8 (4 rounds), not [optimise.multistart]'s 64.
        assert!(err.starts_with("x.toml: latent.multistart is invalid: "), "{err}");
        assert!(err.contains("screen (400) leaves 0 of the budget (400) for the descents, fewer than one step per start and round (8 starts, 4 rounds)"), "{err}");
        let cfg = CompareConfig::parse("[latent.multistart]\nscreen = 50\n", "x.toml").unwrap();
        assert_eq!(
            (cfg.latent.multistart.starts, cfg.latent.multistart.learning_rate),
            (8, 0.05)
        );
        let err = CompareConfig::parse("[latent.multistart]\nstarts = 0\n", "x.toml")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("x.toml: latent.multistart is invalid: ")
                && err.ends_with("starts must be at least 1, got 0"),
            "{err}"
        );
    }

    #[test]
    fn the_default_race_stays_out_of_the_config_hash() {
        let mut cfg = CompareConfig::default();
        let default = crate::config::hash_of(&cfg);
        assert!(!serde_json::to_string(&cfg).unwrap().contains("multistart"));
        // (`[tempering] replicas` is another key.)
        assert!(!serde_json::to_string(&cfg).unwrap().contains("\"replica\":"));
        cfg.latent.multistart.starts = 4;
        assert!(serde_json::to_string(&cfg).unwrap().contains("multistart"));
        assert_ne!(crate::config::hash_of(&cfg), default);
        let mut cfg = CompareConfig::default();
        cfg.latent.replica.replicas = 4;
        assert!(serde_json::to_string(&cfg).unwrap().contains("\"replica\":"));
        assert_ne!(crate::config::hash_of(&cfg), default);
    }

    #[test]
    fn a_partial_replica_table_keeps_the_compare_ladder() {
        let cfg = CompareConfig::parse(
            "[latent.replica]
replicas = 4
",
            "x.toml",
        )
        .unwrap();
        // The compare's screen of 40, not [optimise.replica]'s 200.
        assert_eq!((cfg.latent.replica.replicas, cfg.latent.replica.screen), (4, 40));
        let err = CompareConfig::parse(
            "[latent.replica]
screen = 2
",
            "x.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("x.toml: latent.replica is invalid: "), "{err}");
        assert!(err.contains("screen must be at least replicas"), "{err}");
    }
}
