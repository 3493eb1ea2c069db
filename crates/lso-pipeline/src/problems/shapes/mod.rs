//! The shapes problem (seed 003): 2D shapes → a VAE with a 2-D latent space → minimise and
//! maximise a design metric of the decoded shape, judged on the decoded polygon in f64.

pub mod config;
pub mod data;
mod report;
mod retrain;

pub use config::{Goal, ShapesDataConfig, ShapesRunConfig, ShapesSearch};
pub use data::ShapeSet;

use crate::error::{fail, Result};
use crate::problem::{Column, Direction, LatentObjective, ObjectiveSpec, Observed, Problem, RunView};
use crate::report::Page;
use crate::results::{Evaluations, Outcome};
use crate::rundir::{Provenance, Staging};
use crate::vae_files as model;
use lso_nn::objectives::{ShapeMetric, ShapeObjective};
use lso_nn::train::{encode_means, train_vae, History};
use lso_nn::{checkpoint, MlpVae, OutputKind, VaeConfig};
use lso_physics::npy;
use lso_physics::shapes;
use std::collections::BTreeMap;
use std::path::Path;

pub struct ShapesProblem {
    pub cfg: ShapesRunConfig,
}

pub struct ShapesModel {
    pub vae: MlpVae,
    pub config: VaeConfig,
    /// Decoder outputs map to coordinates as `lo + (hi − lo) · y` (sigmoid decoders).
    pub range: Option<(f32, f32)>,
    pub history: History,
    pub latents: Vec<f32>,
}

impl ShapesModel {
    /// This model with other VAE weights (a fine-tuned copy).
    pub fn with_vae(&self, vae: MlpVae) -> Self {
        Self {
            vae,
            config: self.config.clone(),
            range: self.range,
            history: self.history.clone(),
            latents: self.latents.clone(),
        }
    }
}

impl ShapesProblem {
    pub fn parse(text: &str, origin: &str) -> Result<Self> {
        Ok(Self {
            cfg: ShapesRunConfig::parse(text, origin)?,
        })
    }

    /// A decoding view of the model (minimising the metric, no penalty).
    pub fn decoder<'a>(&self, m: &'a ShapesModel, points: usize) -> ShapeObjective<'a> {
        let metric = self.cfg.optimise.problem.metric;
        ShapeObjective::new(
            &m.vae,
            m.config.latent,
            m.config.output,
            points,
            m.range,
            metric,
            1.0,
            0.0,
        )
    }
}

impl LatentObjective for ShapeObjective<'_> {
    /// The metric of a decoded shape is the true metric of that polygon.
    fn evaluations(&self) -> Evaluations {
        Evaluations {
            truth: self.counts.decoder,
            decoder: self.counts.decoder,
            surrogate: 0,
        }
    }
}

/// The objective of a goal on a metric.
fn goal_spec(g: Goal, metric: ShapeMetric) -> ObjectiveSpec {
    let key = metric_key(metric);
    match g {
        Goal::Min => ObjectiveSpec::new(format!("min {key}"), key, Direction::Min),
        Goal::Max => ObjectiveSpec::new(format!("max {key}"), key, Direction::Max),
    }
}

fn metric_key(m: ShapeMetric) -> &'static str {
    match m {
        ShapeMetric::Isoperimetric => "isoperimetric",
        ShapeMetric::PerimeterToArea => "perimeter_to_area",
    }
}

/// Coordinates as the VAE sees them: scaled into [0, 1] for a sigmoid decoder.
fn network_input(set: &ShapeSet, output: OutputKind) -> (Vec<f32>, Option<(f32, f32)>) {
    match output {
        OutputKind::Sigmoid => {
            let (lo, hi) = set.range();
            (
                set.coords.iter().map(|c| (c - lo) / (hi - lo)).collect(),
                Some((lo, hi)),
            )
        }
        _ => (set.coords.clone(), None),
    }
}

/// The metrics and validity of one polygon.
pub fn observe(s: &[[f64; 2]]) -> Observed {
    let crossings = shapes::self_intersections(s);
    BTreeMap::from([
        (
            "isoperimetric".to_string(),
            shapes::isoperimetric_ratio(s).unwrap_or(f64::NAN),
        ),
        (
            "perimeter_to_area".to_string(),
            shapes::perimeter_to_area(s).unwrap_or(f64::NAN),
        ),
        ("crossings".to_string(), crossings as f64),
        ("valid".to_string(), f64::from(u8::from(shapes::is_valid(s)))),
    ])
}

impl Problem for ShapesProblem {
    type Data = ShapeSet;
    type Model = ShapesModel;
    const KIND: &'static str = "shapes";

    crate::run_config_accessors!();

    fn data_key(&self) -> serde_json::Value {
        serde_json::to_value(&self.cfg.shapes).expect("serialises")
    }
    fn generate(&self, out: &Staging) -> Result<()> {
        let set = data::generate(&self.cfg.shapes, self.cfg.seed);
        data::write(out, &set, &Provenance::new(self.cfg.seed, &self.cfg.shapes))
    }
    fn load_data(&self, dir: &Path) -> Result<ShapeSet> {
        data::load(dir)
    }

    fn model_stages(&self) -> Vec<(&'static str, serde_json::Value)> {
        vec![("vae", serde_json::to_value(&self.cfg.vae).expect("serialises"))]
    }
    fn train(&self, _stage: &str, set: &ShapeSet, _run_dir: &Path, out: &Staging) -> Result<()> {
        let v = &self.cfg.vae;
        let vae_cfg = VaeConfig {
            input: 2 * set.points,
            hidden: v.hidden.clone(),
            latent: v.latent,
            output: v.output,
        };
        let (input, range) = network_input(set, v.output);
        let pb = crate::progress::bar(v.train.epochs as u64, "vae");
        let (model, history) = train_vae(&vae_cfg, &v.train, &input, self.cfg.seed, None, &mut |_| pb.inc(1))?;
        pb.finish_and_clear();
        let latents = encode_means(&model, &input, vae_cfg.input, vae_cfg.latent)?;
        out.write("vae.safetensors", &checkpoint::to_bytes(&model)?)?;
        out.write_json("vae.json", &vae_cfg)?;
        out.write_json("history.json", &history)?;
        out.write_json("normalisation.json", &serde_json::json!({ "range": range }))?;
        out.write("latents.npy", &npy::encode(&[set.len(), vae_cfg.latent], &latents))
    }
    fn load_model(&self, run_dir: &Path, set: &ShapeSet) -> Result<ShapesModel> {
        let dir = run_dir.join("vae");
        let (vae, config) = model::load(&dir)?;
        if config.input != 2 * set.points {
            return Err(fail!(
                "{}: the model takes {} inputs, the shapes have {} points",
                dir.display(),
                config.input,
                set.points
            ));
        }
        let norm: serde_json::Value = crate::rundir::read_json(&dir.join("normalisation.json"))?;
        let range: Option<(f32, f32)> = serde_json::from_value(norm["range"].clone())
            .map_err(|e| fail!("{}: range: {e}", dir.join("normalisation.json").display()))?;
        Ok(ShapesModel {
            latents: model::read_latents(&dir, config.latent)?,
            history: crate::rundir::read_json(&dir.join("history.json"))?,
            vae,
            config,
            range,
        })
    }
    fn latent_dim(&self, m: &ShapesModel) -> usize {
        m.config.latent
    }
    fn training_codes<'m>(&self, m: &'m ShapesModel) -> &'m [f32] {
        &m.latents
    }
    fn history<'m>(&self, m: &'m ShapesModel) -> &'m History {
        &m.history
    }

    fn search_key(&self) -> serde_json::Value {
        serde_json::to_value(&self.cfg.optimise.problem).expect("serialises")
    }
    fn objectives(&self, _set: &ShapeSet) -> Vec<ObjectiveSpec> {
        let o = &self.cfg.optimise.problem;
        o.goals.iter().map(|&g| goal_spec(g, o.metric)).collect()
    }
    fn objective<'a>(
        &'a self,
        set: &'a ShapeSet,
        m: &'a ShapesModel,
        spec: &ObjectiveSpec,
    ) -> Result<Box<dyn LatentObjective + 'a>> {
        let o = &self.cfg.optimise.problem;
        let sign = if spec.direction == Direction::Min { 1.0 } else { -1.0 };
        Ok(Box::new(ShapeObjective::new(
            &m.vae,
            m.config.latent,
            m.config.output,
            set.points,
            m.range,
            o.metric,
            sign,
            o.penalty,
        )))
    }
    fn judge(&self, set: &ShapeSet, m: &ShapesModel, z: &[Vec<f64>]) -> Result<Vec<Observed>> {
        Ok(self
            .decoder(m, set.points)
            .shapes(z)
            .iter()
            .map(|s| observe(s))
            .collect())
    }
    fn observe_data(&self, set: &ShapeSet) -> Vec<Observed> {
        (0..set.len()).map(|k| observe(&set.shape(k))).collect()
    }
    /// Only valid shapes (non-zero area, no crossing edges) count as found.
    fn score(&self, spec: &ObjectiveSpec, o: &Observed) -> f64 {
        if o.get("valid").copied() == Some(1.0) {
            spec.score(o)
        } else {
            f64::INFINITY
        }
    }
    fn reference(&self, _set: &ShapeSet) -> BTreeMap<String, f64> {
        BTreeMap::from([("circle_isoperimetric".to_string(), 1.0)])
    }

    fn control_key(&self) -> serde_json::Value {
        serde_json::Value::Null
    }
    fn controls(&self, _set: &ShapeSet, _objectives: &[ObjectiveSpec]) -> Result<Vec<Outcome>> {
        Ok(Vec::new())
    }

    fn columns(&self) -> Vec<Column> {
        vec![
            Column {
                observable: "isoperimetric",
                header: "P²/4πA",
                decimals: 4,
            },
            Column {
                observable: "perimeter_to_area",
                header: "P/A",
                decimals: 3,
            },
            Column {
                observable: "valid",
                header: "valid",
                decimals: 0,
            },
        ]
    }
    fn note(&self, set: &ShapeSet) -> String {
        let names: Vec<&str> = set.classes.iter().map(|c| c.name()).collect();
        format!(
            "Shapes of {} classes ({}), {} points each; metrics of the decoded polygons (a circle has isoperimetric ratio 1); valid means non-zero area and no crossing edges, and only valid shapes count as best.",
            names.len(),
            names.join(", "),
            set.points
        )
    }
    fn report(&self, view: &RunView<'_, Self>, page: &mut Page) -> Result<()> {
        report::add(self, view, page)
    }
}
