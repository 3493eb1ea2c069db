//! The `retrain` stage of `lso run`: every `[optimise.retrain]` explorer on every objective,
//! with weighted retraining and (with `control = true`) without, each as an outcome
//! (`cmaes+retrain`, `cmaes+fixed`) beside the plain explorers, and its rounds for the report.

use super::{run_loop, LoopSpec, Retrainable, RoundRecord};
use crate::error::Result;
use crate::problem::ObjectiveSpec;
use crate::results::{Evaluations, Outcome};
use crate::search::restart_seed;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::Instant;

/// One finished loop, as kept in `retrain/loops.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LoopSummary {
    pub objective: String,
    /// `cmaes+retrain` or `cmaes+fixed`.
    pub method: String,
    pub retrain: bool,
    /// `(true evaluations, best value so far)` at every improvement.
    pub curve: Vec<(usize, f64)>,
    pub rounds: Vec<RoundRecord>,
    pub seconds: f64,
}

/// `(evaluations, best so far)` at each improvement of a sequence of values.
pub fn improvements(values: &[f64]) -> Vec<(usize, f64)> {
    let mut best = f64::INFINITY;
    let mut out = Vec::new();
    for (i, &v) in values.iter().enumerate() {
        if v < best {
            best = v;
            out.push((i + 1, v));
        }
    }
    out
}

/// Runs every loop of `p`'s `[optimise.retrain]`; `work` keeps their checkpoints and models.
pub fn run_all<P: Retrainable>(
    p: &P,
    data: &P::Data,
    model: &P::Model,
    objectives: &[ObjectiveSpec],
    work: &Path,
) -> Result<(Vec<Outcome>, Vec<LoopSummary>)> {
    let search = p.search();
    let settings = &search.retrain;
    let variants: &[bool] = if settings.control { &[true, false] } else { &[true] };
    let pb = crate::progress::bar(
        (objectives.len() * settings.methods.len() * variants.len()) as u64,
        "retrain",
    );
    let (mut outcomes, mut loops) = (Vec::new(), Vec::new());
    for (qi, spec) in objectives.iter().enumerate() {
        for &m in &settings.methods {
            for &retrain in variants {
                let name = format!("{}+{}", m.name(), if retrain { "retrain" } else { "fixed" });
                let t0 = Instant::now();
                let l = LoopSpec {
                    spec,
                    method: m,
                    retrain,
                    // Both variants share a seed: retraining is the only difference.
                    seed: restart_seed(p.seed(), "retrain", qi, 0),
                    max_rounds: None,
                    keep_models: true,
                };
                let dir = work.join(format!("{qi}-{name}"));
                let r = run_loop(p, data, model, search, settings, &l, Some(&dir))?;
                let seconds = t0.elapsed().as_secs_f64();
                outcomes.push(Outcome {
                    problem: P::KIND.into(),
                    objective: spec.name.clone(),
                    method: name.clone(),
                    seed: p.seed(),
                    restart: Some(0),
                    evaluations: Evaluations {
                        truth: r.values.len(),
                        decoder: r.values.len(),
                        surrogate: 0,
                    },
                    seconds,
                    hit: p.hit(data, spec, &r.best),
                    best: r.best,
                    value: Some(r.best_value),
                    // The code belongs to a retrained model, not the run's: none is given.
                    z: None,
                    samples: None,
                    hits: None,
                    mean: None,
                    diagnostics: None,
                });
                loops.push(LoopSummary {
                    objective: spec.name.clone(),
                    method: name,
                    retrain,
                    curve: improvements(&r.values),
                    rounds: r.rounds,
                    seconds,
                });
                pb.inc(1);
            }
        }
    }
    pb.finish_and_clear();
    Ok((outcomes, loops))
}

#[cfg(test)]
mod tests {
    #[test]
    fn improvements_mark_each_new_best() {
        assert_eq!(
            super::improvements(&[3.0, 4.0, 1.0, 1.0, -2.0]),
            vec![(1, 3.0), (3, 1.0), (5, -2.0)]
        );
    }
}
