use super::{AnnealConfig, Checker, IsingDataConfig, OptimiseConfig, SurrogateSection, VaeSection, DEFAULT_TOML};
use crate::error::usage;
use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The whole `lso run` job.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunConfig {
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
    pub optimise: OptimiseConfig,
    #[serde(default)]
    pub control: ControlConfig,
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

impl RunConfig {
    pub fn parse(text: &str, origin: &str) -> anyhow::Result<Self> {
        let cfg: RunConfig = toml::from_str(text).map_err(|e| {
            // toml's messages span several lines with a source excerpt; keep the gist on one.
            let msg = e.message().replace('\n', " ");
            let at = e.span().map(|s| format!(" (at byte {})", s.start)).unwrap_or_default();
            usage(format!("{origin}: {msg}{at}"))
        })?;
        cfg.check(origin)?;
        Ok(cfg)
    }

    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| usage(format!("{}: cannot read config: {e}", path.display())))
            .context("loading config")?;
        Self::parse(&text, &path.display().to_string())
    }

    pub fn embedded_default() -> Self {
        Self::parse(DEFAULT_TOML, "configs/default.toml").expect("the embedded default config is valid")
    }

    pub fn check(&self, origin: &str) -> anyhow::Result<()> {
        let mut c = Checker::new(origin);
        super::check_header(&mut c, self.version, &self.name);
        self.data.check(&mut c, "data");
        self.vae.check(&mut c);
        self.surrogate.check(&mut c);
        self.optimise.check(&mut c);
        c.require(self.control.restarts >= 1, "control.restarts", || {
            "must be at least 1".into()
        });
        self.control.anneal.check(&mut c, "control.anneal");
        c.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_default_is_the_seed_experiment() {
        let c = RunConfig::embedded_default();
        assert_eq!((c.data.lx, c.data.ly, c.data.samples), (20, 20, 2000));
        assert_eq!(c.data.p, vec![0.35, 0.65]);
    }

    #[test]
    fn messages_name_file_and_key() {
        let text = DEFAULT_TOML.replace("p = [0.35, 0.65]", "p = [0.35, 1.5]");
        let err = RunConfig::parse(&text, "x.toml").unwrap_err().to_string();
        assert_eq!(err, "x.toml: data.p must be in [0, 1], got 1.5");
        let err = RunConfig::parse(&format!("{DEFAULT_TOML}\nbogus = 1\n"), "x.toml")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("x.toml: unknown field `bogus`"), "{err}");
    }
}
