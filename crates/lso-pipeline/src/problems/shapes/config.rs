//! The config of a shapes run (seed 003): `lso run` takes this form when the file has a
//! `[shapes]` section.

use crate::config::{check_header, from_toml_over, Checker, Optimise, SearchConfig, SearchDefaults, VaeSection};
use crate::error::Result;
use lso_nn::objectives::ShapeMetric;
use lso_nn::train::{Reconstruction, VaeTrainConfig};
use lso_nn::OutputKind;
use lso_physics::shapes::{ShapeClass, ShapeParams};
use serde::{Deserialize, Serialize};

pub const SHAPES_EXAMPLE: &str = include_str!("../../../../../examples/shapes.toml");

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ShapesDataConfig {
    pub samples: usize,
    pub points: usize,
    pub classes: Vec<ShapeClass>,
    #[serde(flatten)]
    pub params: ShapeParams,
}

impl ShapesDataConfig {
    /// Checks the sizes (each key under `section`).
    pub fn check(&self, c: &mut Checker, section: &str) {
        c.require(self.samples >= 1, &format!("{section}samples"), || {
            "must be at least 1".into()
        });
        c.require(self.points >= 8, &format!("{section}points"), || {
            "must be at least 8".into()
        });
        c.require(!self.classes.is_empty(), &format!("{section}classes"), || {
            "needs at least one class".into()
        });
        // Coordinates in f64 while generating and f32 for training.
        let mem = crate::limits::bytes(self.samples, self.points as f64 * 2.0 * 12.0);
        if let Some(m) = crate::limits::over(&format!("{} shapes of {} points", self.samples, self.points), mem) {
            c.require(false, &format!("{section}samples/points"), || {
                format!("are too large: {m}")
            });
        }
    }
}

impl Default for ShapesDataConfig {
    fn default() -> Self {
        Self {
            samples: 2000,
            points: 100,
            classes: vec![
                ShapeClass::Circle,
                ShapeClass::Triangle,
                ShapeClass::Square,
                ShapeClass::Star,
            ],
            params: ShapeParams::default(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Goal {
    Min,
    Max,
}

/// The shapes problem's own `[optimise]` keys.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ShapesSearch {
    pub goals: Vec<Goal>,
    pub metric: ShapeMetric,
    /// Penalty per pair of crossing edges in the decoded shape.
    pub penalty: f64,
}

impl Default for ShapesSearch {
    fn default() -> Self {
        Self {
            goals: vec![Goal::Min, Goal::Max],
            metric: ShapeMetric::Isoperimetric,
            penalty: 1.0,
        }
    }
}

impl SearchDefaults for ShapesSearch {
    fn search_defaults() -> SearchConfig {
        SearchConfig {
            restarts: 5,
            budget: 300,
            ..Default::default()
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShapesRunConfig {
    pub version: u32,
    pub name: String,
    #[serde(default)]
    pub seed: u64,
    #[serde(default)]
    pub shapes: ShapesDataConfig,
    #[serde(default = "shape_vae")]
    pub vae: VaeSection,
    #[serde(default)]
    pub optimise: Optimise<ShapesSearch>,
}

fn shape_vae() -> VaeSection {
    VaeSection {
        hidden: vec![128],
        latent: 2,
        output: OutputKind::Sigmoid,
        train: VaeTrainConfig {
            epochs: 150,
            batch_size: 32,
            reconstruction: Reconstruction::Bce,
            patience: 20,
            ..Default::default()
        },
    }
}

impl ShapesRunConfig {
    /// What a file's missing keys take, at every depth (`version` and `name` stay required).
    pub fn defaults() -> Self {
        Self {
            version: 1,
            name: String::new(),
            seed: 0,
            shapes: ShapesDataConfig::default(),
            vae: shape_vae(),
            optimise: Optimise::default(),
        }
    }

    pub fn parse(text: &str, origin: &str) -> Result<Self> {
        let cfg: Self = from_toml_over(text, origin, &Self::defaults())?;
        let mut c = Checker::new(origin);
        check_header(&mut c, cfg.version, &cfg.name);
        let s = &cfg.shapes;
        c.require(s.samples >= 2, "shapes.samples", || "must be at least 2".into());
        s.check(&mut c, "shapes.");
        let p = &s.params;
        c.require(p.size[0] > 0.0 && p.size[1] >= p.size[0], "shapes.size", || {
            format!("must be 0 < min <= max, got {:?}", p.size)
        });
        c.require(p.position >= 0.0, "shapes.position", || "must be >= 0".into());
        c.require(
            p.aspect[0] > 0.0 && p.aspect[1] >= p.aspect[0] && p.aspect[1] <= 1.0,
            "shapes.aspect",
            || format!("must be 0 < min <= max <= 1, got {:?}", p.aspect),
        );
        cfg.vae.check(&mut c);
        let o = &cfg.optimise;
        o.search.check(&mut c);
        let listed: Vec<String> = o
            .problem
            .goals
            .iter()
            .map(|&g| super::goal_spec(g, o.problem.metric).name)
            .collect();
        o.search.check_objective_names(&mut c, &listed);
        c.require(!o.problem.goals.is_empty(), "optimise.goals", || {
            "needs at least one".into()
        });
        c.require(
            o.problem.penalty >= 0.0 && o.problem.penalty.is_finite(),
            "optimise.penalty",
            || format!("must be >= 0, got {}", o.problem.penalty),
        );
        c.finish()?;
        Ok(cfg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_parses() {
        assert!(crate::config::has_table(SHAPES_EXAMPLE, "shapes"));
        let c = ShapesRunConfig::parse(SHAPES_EXAMPLE, "shapes.toml").unwrap();
        assert_eq!(c.vae.latent, 2);
        assert_eq!(c.optimise.search.restarts, 5);
        assert!(!crate::config::has_table(crate::config::DEFAULT_TOML, "shapes"));
    }

    /// A partial `[vae]` once took the Ising network's output (tanh, under a BCE loss) and a
    /// partial `[optimise.stochastic]` the explorer's bare defaults.
    #[test]
    fn partial_tables_keep_the_shapes_defaults() {
        let text = "version = 1\nname = \"s\"\n[shapes]\n[vae]\nlatent = 3\n[vae.train]\nepochs = 4\n\
                    [optimise.stochastic]\nsamples = 4\n";
        let c = ShapesRunConfig::parse(text, "s.toml").unwrap();
        let d = ShapesRunConfig::defaults();
        assert_eq!((c.vae.latent, c.vae.train.epochs), (3, 4));
        assert_eq!(c.vae.output, OutputKind::Sigmoid);
        assert_eq!(c.vae.hidden, d.vae.hidden);
        assert_eq!(c.vae.train.patience, d.vae.train.patience);
        assert_eq!(c.optimise.search.stochastic.samples, 4);
        assert_eq!(
            c.optimise.search.stochastic.gamma_every,
            d.optimise.search.stochastic.gamma_every
        );
        assert_ne!(
            d.optimise.search.stochastic.gamma_every,
            lso_opt::StochasticConfig::default().gamma_every
        );
    }
}
