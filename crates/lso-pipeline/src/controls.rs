//! The controls every problem shares, so that no latent result stands without its baseline: the
//! training data themselves, their decoded encoder means, and decoded draws from the prior, each
//! summarised per objective by its best configuration and its means.

use crate::error::Result;
use crate::problem::{ObjectiveSpec, Observed, Problem};
use crate::results::{Evaluations, Outcome};
use lso_nn::train::normal_matrix;
use lso_physics::rng::{mix, tag};
use std::time::Instant;

/// The mean of each observable over `set`.
pub fn means(set: &[Observed]) -> Observed {
    let mut sum = Observed::new();
    for o in set {
        for (k, v) in o {
            *sum.entry(k.clone()).or_insert(0.0) += v;
        }
    }
    let n = set.len().max(1) as f64;
    sum.into_iter().map(|(k, v)| (k, v / n)).collect()
}

/// One control outcome per objective summarising `set` (configurations judged in `seconds`).
pub fn summarise<P: Problem>(
    p: &P,
    data: &P::Data,
    objectives: &[ObjectiveSpec],
    method: &str,
    set: &[Observed],
    evaluations: Evaluations,
    seconds: f64,
) -> Vec<Outcome> {
    let mean = means(set);
    objectives
        .iter()
        .filter_map(|spec| {
            let best = set[best_index(p, spec, set)?].clone();
            let hits: Option<usize> = set.iter().map(|o| p.hit(data, spec, o).map(usize::from)).sum();
            Some(Outcome {
                problem: P::KIND.into(),
                objective: spec.name.clone(),
                method: method.into(),
                seed: p.seed(),
                restart: None,
                evaluations,
                seconds,
                hit: p.hit(data, spec, &best),
                best,
                value: None,
                z: None,
                samples: Some(set.len()),
                hits,
                mean: Some(mean.clone()),
                diagnostics: None,
            })
        })
        .collect()
}

/// Which member of `set` the objective `spec` ranks first.
fn best_index<P: Problem>(p: &P, spec: &ObjectiveSpec, set: &[Observed]) -> Option<usize> {
    (0..set.len()).min_by(|&a, &b| p.score(spec, &set[a]).total_cmp(&p.score(spec, &set[b])))
}

/// Replaces each outcome's best configuration (one per objective, in order) by what `judge`
/// says of those members of `set`, when it says more: a control's reported best is judged like
/// an explorer's result (relaxed too), while its means and distributions stay as judged.
fn rejudge_best<P: Problem>(
    p: &P,
    objectives: &[ObjectiveSpec],
    set: &[Observed],
    outcomes: &mut [Outcome],
    judge: impl FnOnce(&[usize]) -> Result<Option<Vec<Observed>>>,
) -> Result<()> {
    let best: Vec<Option<usize>> = objectives.iter().map(|spec| best_index(p, spec, set)).collect();
    let mut members: Vec<usize> = best.iter().flatten().copied().collect();
    members.sort_unstable();
    members.dedup();
    let Some(judged) = judge(&members)? else { return Ok(()) };
    for (outcome, k) in outcomes.iter_mut().zip(best) {
        if let Some(k) = k {
            outcome.best = judged[members.binary_search(&k).expect("listed above")].clone();
        }
    }
    Ok(())
}

/// Decodes `rows × d` codes in chunks and judges them.
pub fn judge_codes<P: Problem>(
    p: &P,
    data: &P::Data,
    model: &P::Model,
    codes: &[f32],
    d: usize,
) -> Result<Vec<Observed>> {
    let points: Vec<Vec<f64>> = codes.chunks(d).map(|c| c.iter().map(|&v| v as f64).collect()).collect();
    let mut out = Vec::with_capacity(points.len());
    for chunk in points.chunks(256) {
        out.extend(p.judge(data, model, chunk)?);
    }
    Ok(out)
}

/// Every configuration's observables of each shared control, by control name.
pub type Sets = std::collections::BTreeMap<String, Vec<Observed>>;

/// The shared controls, then the problem's own; and the observables of every configuration of
/// the shared ones (for the report's distributions).
pub fn run<P: Problem>(
    p: &P,
    data: &P::Data,
    model: &P::Model,
    objectives: &[ObjectiveSpec],
) -> Result<(Vec<Outcome>, Sets)> {
    let d = p.latent_dim(model);
    let mut out = Vec::new();
    let mut sets = Sets::new();
    // The prior the explorers start from: N(0, I), or its image in the encoded frame.
    let frame = crate::search::frame(p, model)?;
    let prior: Vec<f32> = normal_matrix(p.search().prior_samples, d, mix(p.seed(), tag("prior-control"), 0))
        .chunks(d)
        .flat_map(|u| frame.to_z(&u.iter().map(|&v| v as f64).collect::<Vec<_>>()))
        .map(|v| v as f32)
        .collect();
    for name in ["training", "decoded-training", "prior"] {
        let t0 = Instant::now();
        let codes: Option<&[f32]> = match name {
            "training" => None,
            "decoded-training" => Some(p.training_codes(model)),
            _ => Some(&prior),
        };
        let set = match codes {
            None => p.observe_data(data),
            Some(c) => judge_codes(p, data, model, c, d)?,
        };
        let e = Evaluations {
            truth: set.len(),
            decoder: if codes.is_some() { set.len() } else { 0 },
            surrogate: 0,
        };
        let mut outcomes = summarise(p, data, objectives, name, &set, e, 0.0);
        rejudge_best(p, objectives, &set, &mut outcomes, |members| match codes {
            None => p.judge_data_results(data, members),
            Some(c) => {
                let z: Vec<Vec<f64>> = members
                    .iter()
                    .map(|&k| c[k * d..(k + 1) * d].iter().map(|&v| v as f64).collect())
                    .collect();
                p.judge_results(data, model, &z).map(Some)
            }
        })?;
        let seconds = t0.elapsed().as_secs_f64();
        out.extend(outcomes.into_iter().map(|o| Outcome { seconds, ..o }));
        sets.insert(name.into(), set);
    }
    out.extend(p.controls(data, objectives)?);
    out.extend(p.model_controls(data, model, objectives)?);
    Ok((out, sets))
}
