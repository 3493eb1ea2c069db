//! The config of a shapes run (seed 003): `lso run` takes this form when the file has a
//! `[shapes]` section.

use super::{Checker, VaeSection};
use crate::error::usage;
use lso_nn::objectives::ShapeMetric;
use lso_nn::train::{Reconstruction, VaeTrainConfig};
use lso_nn::OutputKind;
use lso_opt::{AdamConfig, CmaEsConfig};
use lso_physics::shapes::{ShapeClass, ShapeParams};
use serde::{Deserialize, Serialize};
use std::path::Path;

pub const SHAPES_EXAMPLE: &str = include_str!("../../examples/shapes.toml");

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ShapesDataConfig {
    pub samples: usize,
    pub points: usize,
    pub classes: Vec<ShapeClass>,
    #[serde(flatten)]
    pub params: ShapeParams,
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

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ShapesOptimiseConfig {
    pub methods: Vec<crate::config::MethodName>,
    pub goals: Vec<Goal>,
    pub metric: ShapeMetric,
    pub restarts: usize,
    pub budget: usize,
    /// Penalty per pair of crossing edges in the decoded shape.
    pub penalty: f64,
    pub radius: f64,
    pub adam: AdamConfig,
    pub cmaes: CmaEsConfig,
}

impl Default for ShapesOptimiseConfig {
    fn default() -> Self {
        use crate::config::MethodName::*;
        Self {
            methods: vec![Adam, Cmaes, Random],
            goals: vec![Goal::Min, Goal::Max],
            metric: ShapeMetric::Isoperimetric,
            restarts: 5,
            budget: 300,
            penalty: 1.0,
            radius: 3.0,
            adam: AdamConfig {
                learning_rate: 0.05,
                ..Default::default()
            },
            cmaes: CmaEsConfig {
                sigma: 0.5,
                ..Default::default()
            },
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
    pub optimise: ShapesOptimiseConfig,
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
    pub fn parse(text: &str, origin: &str) -> anyhow::Result<Self> {
        let cfg: Self =
            toml::from_str(text).map_err(|e| usage(format!("{origin}: {}", e.message().replace('\n', " "))))?;
        let mut c = Checker::new(origin);
        super::check_header(&mut c, cfg.version, &cfg.name);
        let s = &cfg.shapes;
        c.require(s.samples >= 2, "shapes.samples", || "must be at least 2".into());
        c.require(s.points >= 8, "shapes.points", || "must be at least 8".into());
        c.require(!s.classes.is_empty(), "shapes.classes", || {
            "needs at least one class".into()
        });
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
        c.require(
            !o.methods.is_empty() && !o.goals.is_empty(),
            "optimise.methods/goals",
            || "need at least one each".into(),
        );
        c.require(o.restarts >= 1 && o.budget >= 1, "optimise.restarts/budget", || {
            "must be at least 1".into()
        });
        c.require(o.penalty >= 0.0 && o.radius >= 0.0, "optimise.penalty/radius", || {
            "must be >= 0".into()
        });
        c.finish()?;
        Ok(cfg)
    }

    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = super::read_text(path)?;
        Self::parse(&text, &path.display().to_string())
    }
}

/// Whether a config text describes a shapes run (it has a `[shapes]` table).
pub fn is_shapes(text: &str) -> bool {
    super::has_table(text, "shapes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_parses() {
        assert!(is_shapes(SHAPES_EXAMPLE));
        let c = ShapesRunConfig::parse(SHAPES_EXAMPLE, "shapes.toml").unwrap();
        assert_eq!(c.vae.latent, 2);
        assert!(!is_shapes(crate::config::DEFAULT_TOML));
    }
}
