//! The problem interface: what a physical problem brings to the generic pipeline. A problem makes or loads its data, trains its latent model, names
//! its objectives, *judges* decoded configurations with its true f64 observables, runs its direct
//! controls and adds its own report sections; the pipeline does the rest (stages and their
//! cache, every explorer on every objective, the shared controls, results, table and report).

use crate::config::SearchConfig;
use crate::error::Result;
use crate::report::Page;
pub use crate::results::{Column, Direction, ObjectiveSpec, Observed};
use crate::results::{Evaluations, Outcome, Results, TraceRecord};
use crate::rundir::Staging;
use lso_opt::{Constraint, Objective};
use std::collections::BTreeMap;
use std::path::Path;

/// A latent objective (minimised) that counts what it spends.
pub trait LatentObjective: Objective {
    fn evaluations(&self) -> Evaluations;
}

/// What a problem's report sections see: everything on disk, loaded.
pub struct RunView<'a, P: Problem> {
    pub dir: &'a Path,
    pub fig_dir: &'a Path,
    pub data: &'a P::Data,
    pub model: &'a P::Model,
    pub results: &'a Results,
    pub traces: &'a [TraceRecord],
    /// The judged observables of every configuration of the shared controls, by control
    /// (`training`, `decoded-training`, `prior`).
    pub sets: &'a BTreeMap<String, Vec<Observed>>,
    /// The weighted-retraining loops, if the run had any.
    pub loops: &'a [crate::retrain::LoopSummary],
}

/// The accessors every problem writes the same way over its `cfg` (a run config with `name`,
/// `seed` and `optimise.search`): use inside `impl Problem`.
#[macro_export]
macro_rules! run_config_accessors {
    () => {
        fn name(&self) -> &str {
            &self.cfg.name
        }
        fn seed(&self) -> u64 {
            self.cfg.seed
        }
        fn set_seed(&mut self, seed: u64) {
            self.cfg.seed = seed;
        }
        fn search(&self) -> &$crate::config::SearchConfig {
            &self.cfg.optimise.search
        }
        fn to_toml(&self) -> $crate::error::Result<String> {
            Ok(toml::to_string(&self.cfg)?)
        }
        fn config_json(&self) -> serde_json::Value {
            serde_json::to_value(&self.cfg).expect("config serialises")
        }
    };
}

pub trait Problem: Sized + Sync {
    /// What `load_data` gives.
    type Data: Sync;
    /// The trained latent model (and surrogate, where there is one).
    type Model: Sync;
    /// `ising`, `chiral`, `shapes`: the `problem` of every outcome.
    const KIND: &'static str;

    fn name(&self) -> &str;
    fn seed(&self) -> u64;
    fn set_seed(&mut self, seed: u64);
    fn search(&self) -> &SearchConfig;
    /// The resolved config as TOML (`--print-config`) and as JSON (the manifest).
    fn to_toml(&self) -> Result<String>;
    fn config_json(&self) -> serde_json::Value;

    /// What the data stage depends on (beyond seed and version).
    fn data_key(&self) -> serde_json::Value;
    fn generate(&self, out: &Staging) -> Result<()>;
    fn load_data(&self, dir: &Path) -> Result<Self::Data>;

    /// The model stages in order (`vae`, then `surrogate` where there is one), each with what it
    /// depends on; a stage also depends on every stage before it.
    fn model_stages(&self) -> Vec<(&'static str, serde_json::Value)>;
    fn train(&self, stage: &str, data: &Self::Data, run_dir: &Path, out: &Staging) -> Result<()>;
    fn load_model(&self, run_dir: &Path, data: &Self::Data) -> Result<Self::Model>;
    fn latent_dim(&self, model: &Self::Model) -> usize;
    /// Encoder means of the training data, `M × latent_dim`.
    fn training_codes<'m>(&self, model: &'m Self::Model) -> &'m [f32];
    fn history<'m>(&self, model: &'m Self::Model) -> &'m lso_nn::train::History;

    /// What the search stage depends on besides [`SearchConfig`].
    fn search_key(&self) -> serde_json::Value;
    fn objectives(&self, data: &Self::Data) -> Vec<ObjectiveSpec>;
    fn objective<'a>(
        &'a self,
        data: &'a Self::Data,
        model: &'a Self::Model,
        spec: &ObjectiveSpec,
    ) -> Result<Box<dyn LatentObjective + 'a>>;
    /// Where in z the explorers may look.
    fn constraint(&self) -> Constraint {
        let r = self.search().radius;
        Constraint {
            radius: (r > 0.0).then_some(r),
            ..Default::default()
        }
    }
    /// The true observables of the configurations decoded from `z`: the only truth.
    fn judge(&self, data: &Self::Data, model: &Self::Model, z: &[Vec<f64>]) -> Result<Vec<Observed>>;
    /// The judge of the explorers' results, which may add observables too costly for the many
    /// configurations of the controls (the chiral problem's relaxed energy and W).
    fn judge_results(&self, data: &Self::Data, model: &Self::Model, z: &[Vec<f64>]) -> Result<Vec<Observed>> {
        self.judge(data, model, z)
    }
    /// The observables of the training configurations themselves.
    fn observe_data(&self, data: &Self::Data) -> Vec<Observed>;
    /// Training configurations `members` as [`Problem::judge_results`] would judge them, for
    /// those a control reports per objective; `None` when [`Problem::observe_data`] already says
    /// all there is.
    fn judge_data_results(&self, _data: &Self::Data, _members: &[usize]) -> Result<Option<Vec<Observed>>> {
        Ok(None)
    }
    /// How an objective ranks a judged configuration (lower is better).
    fn score(&self, spec: &ObjectiveSpec, o: &Observed) -> f64 {
        spec.score(o)
    }
    /// Whether a configuration is a known optimum (a ground state); `None` when none is known.
    fn hit(&self, _data: &Self::Data, _spec: &ObjectiveSpec, _o: &Observed) -> Option<bool> {
        None
    }
    /// Reference values for the results and report (an exact ground-state energy, a spiral).
    fn reference(&self, _data: &Self::Data) -> BTreeMap<String, f64> {
        BTreeMap::new()
    }

    /// What the problem's own controls depend on.
    fn control_key(&self) -> serde_json::Value;
    /// Direct baselines on the configurations themselves (annealing), at the search's budget.
    fn controls(&self, data: &Self::Data, objectives: &[ObjectiveSpec]) -> Result<Vec<Outcome>>;
    /// Controls that need the trained model beyond decoding the data and the prior: a known
    /// optimum encoded and decoded, which tells whether the latent space holds it at all (so a
    /// search that misses it failed as a search, not for want of a model).
    fn model_controls(
        &self,
        _data: &Self::Data,
        _model: &Self::Model,
        _objectives: &[ObjectiveSpec],
    ) -> Result<Vec<Outcome>> {
        Ok(Vec::new())
    }

    /// Observables shown in the summary table, after the objective's own.
    fn columns(&self) -> Vec<Column>;
    /// A sentence under the summary table.
    fn note(&self, data: &Self::Data) -> String;
    /// The problem's own figures.
    fn report(&self, view: &RunView<'_, Self>, page: &mut Page) -> Result<()>;
}
