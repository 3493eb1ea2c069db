//! Weighted retraining (Tripp, Daxberger & Hernández-Lobato, NeurIPS 2020) as a closed loop any
//! problem can run: a gradient-free explorer proposes codes, each is decoded and judged by the
//! true objective (one true evaluation each), the configurations join the dataset, and every
//! `every` evaluations the VAE is fine-tuned on the whole set with rank weights
//! `w_i ∝ 1/(kN + rank_i)`, so the latent space moves towards what the search found. After each
//! round the explorer restarts from the code of the best configuration so far (the old codes
//! mean nothing to the new decoder); latent BO is warm-started with the re-encoded best
//! configurations, as LOL-BO does, keeping its trust region.
//!
//! The same loop with `retrain = false` (the model never changes) is the control that isolates
//! what retraining adds. Each round ends with a checkpoint (the added configurations, their
//! values, the fine-tuned weights), so a killed loop resumes where the last round ended and gives
//! the same numbers as an uninterrupted one.

mod checkpoint;
pub mod runs;
pub mod vae_model;
pub mod weights;

pub use runs::{run_all, LoopSummary};
pub use weights::rank_weights;

use crate::error::{fail, Checker, Result};
use crate::explorer::{self, MethodName, SearchConfig};
use crate::problem::{ObjectiveSpec, Observed, Problem};
use lso_opt::{Evaluation, LatentBo, Optimiser, Replica, ReplicaConfig};
use lso_physics::rng::{mix, tag};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::Instant;

/// What a problem brings to weighted retraining: its configurations as the VAE's input rows,
/// and a model that can be fine-tuned and saved.
pub trait Retrainable: Problem {
    /// The training configurations as the VAE's input rows.
    fn rows(&self, data: &Self::Data) -> Vec<f32>;
    /// The configurations decoded from `z` as input rows: exactly what [`Problem::judge`] judges.
    fn decode_rows(&self, data: &Self::Data, model: &Self::Model, z: &[Vec<f64>]) -> Result<Vec<f32>>;
    /// The true observables of input rows.
    fn observe_rows(&self, data: &Self::Data, rows: &[f32]) -> Result<Vec<Observed>>;
    /// Encoder means of input rows, `rows × latent_dim`.
    fn encode_rows(&self, model: &Self::Model, rows: &[f32]) -> Result<Vec<f32>>;
    /// The model after `steps` weighted mini-batches on `rows`, and the mean loss.
    fn fine_tune(
        &self,
        model: &Self::Model,
        rows: &[f32],
        weights: &[f64],
        steps: usize,
        seed: u64,
    ) -> Result<(Self::Model, f64)>;
    /// The VAE's weights as safetensors bytes.
    fn vae_bytes(&self, model: &Self::Model) -> Result<Vec<u8>>;
    /// `model` with the VAE weights of `bytes` (from [`Retrainable::vae_bytes`]).
    fn with_vae_bytes(&self, model: &Self::Model, bytes: Vec<u8>) -> Result<Self::Model>;
}

/// `[optimise.retrain]`: weighted retraining loops, one per objective and listed explorer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetrainConfig {
    /// Gradient-free explorers to run in the loop (empty: no loop).
    pub methods: Vec<MethodName>,
    /// True evaluations per loop.
    pub budget: usize,
    /// True evaluations between retrains (Tripp et al.'s r).
    pub every: usize,
    /// Rank-weight k; `inf` weighs every configuration alike.
    pub k: f64,
    /// Weighted mini-batches per retrain.
    pub steps: usize,
    /// Also run each loop without fine-tuning (the model never changes), as the control.
    pub control: bool,
}

impl Default for RetrainConfig {
    /// Tripp et al. retrain every 5 queries for 0.1 epochs because their queries are expensive;
    /// here a true evaluation costs microseconds and a retrain as much as thousands of them,
    /// and a search restarted every round needs room to move: on a hot-data ferromagnet
    /// (`tests/integration/retrain.rs`) rounds of 100 evaluations with 20–100 mini-batches lost to the
    /// control, while 250–500 evaluations with 200–300 mini-batches won for the genetic
    /// explorer. So a round is 250 true evaluations and a retrain 200 weighted mini-batches.
    fn default() -> Self {
        Self {
            methods: Vec::new(),
            budget: 2000,
            every: 250,
            k: 1e-3,
            steps: 200,
            control: true,
        }
    }
}

impl RetrainConfig {
    pub fn check(&self, c: &mut Checker, section: &str, replica: &ReplicaConfig) {
        for m in &self.methods {
            c.require(!m.needs_gradient(replica), &format!("{section}.methods"), || {
                format!(
                    "{} needs gradients, but the loop searches the true objective; use cmaes, random, genetic, bo or replica with moves = \"walk\"",
                    m.name()
                )
            });
        }
        c.require(self.budget >= 1, &format!("{section}.budget"), || {
            "must be at least 1".into()
        });
        c.require(self.every >= 1, &format!("{section}.every"), || {
            "must be at least 1".into()
        });
        c.require(self.steps >= 1, &format!("{section}.steps"), || {
            "must be at least 1".into()
        });
        c.require(self.k > 0.0, &format!("{section}.k"), || {
            format!("must be > 0 (inf for uniform weights), got {}", self.k)
        });
    }
}

/// One round of a loop.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoundRecord {
    pub round: usize,
    /// True evaluations so far.
    pub evaluations: usize,
    /// Configurations the model was (or would have been) retrained on.
    pub dataset: usize,
    /// The best objective value (lower is better) so far; none while nothing could be ranked.
    pub best: Option<f64>,
    pub search_seconds: f64,
    /// Seconds of the retrain, and its mean weighted loss (absent without retraining).
    pub retrain_seconds: Option<f64>,
    pub loss: Option<f64>,
}

/// A finished loop.
#[derive(Clone, Debug)]
pub struct LoopResult {
    /// The objective value (lower is better) of every true evaluation, in order.
    pub values: Vec<f64>,
    pub best_value: f64,
    pub best_row: Vec<f32>,
    pub best: Observed,
    pub rounds: Vec<RoundRecord>,
}

/// What one loop does.
#[derive(Clone, Debug)]
pub struct LoopSpec<'a> {
    pub spec: &'a ObjectiveSpec,
    pub method: MethodName,
    pub retrain: bool,
    pub seed: u64,
    /// Stop after this many rounds in all (the rest on a later resume); `None` runs to the end.
    pub max_rounds: Option<usize>,
    /// Keep every retrain's weights as `models/round-NNN.safetensors` (the checkpoint keeps
    /// only the last).
    pub keep_models: bool,
}

/// The best `n` indices of `values` (lowest first).
fn best_indices(values: &[f64], n: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..values.len()).collect();
    idx.sort_by(|&a, &b| values[a].total_cmp(&values[b]).then(a.cmp(&b)));
    idx.truncate(n);
    idx
}

fn gather(rows: &[f32], width: usize, idx: &[usize]) -> Vec<f32> {
    idx.iter()
        .flat_map(|&i| rows[i * width..(i + 1) * width].iter().copied())
        .collect()
}

fn codes(flat: &[f32], d: usize) -> Vec<Vec<f64>> {
    flat.chunks(d).map(|c| c.iter().map(|&v| v as f64).collect()).collect()
}

/// The explorer of a round: started at the code of the best configuration of `rows`, and for
/// BO warm-started with the codes of the best ones.
#[allow(clippy::too_many_arguments)]
fn explorer_for<P: Retrainable>(
    p: &P,
    m: &P::Model,
    search: &SearchConfig,
    method: MethodName,
    rows: &[f32],
    values: &[f64],
    width: usize,
    seed: u64,
) -> Result<Box<dyn Optimiser>> {
    let d = p.latent_dim(m);
    let constraint = p.constraint();
    // The best `n` configurations so far at their current codes, with their values.
    let best = |n: usize| -> Result<(Vec<Vec<f64>>, Vec<f64>)> {
        let idx = best_indices(values, n.min(values.len()));
        let z = codes(&p.encode_rows(m, &gather(rows, width, &idx))?, d);
        Ok((z, idx.iter().map(|&i| finite(values[i], values)).collect()))
    };
    match method {
        // LOL-BO's warm start: the GP sees the best configurations at their current codes.
        MethodName::Bo => {
            let (z, v) = best(search.bo.max_points)?;
            let mut bo = LatentBo::new(d, search.bo.clone(), seed)?;
            bo.warm_start(z, &v)?;
            Ok(Box::new(bo))
        }
        // The same for the ladder: the best configurations are its screen, so the chains start
        // where CMA-ES does, not from the prior again every round.
        MethodName::Replica if values.len() >= search.replica.replicas.max(2) => {
            let (z, v) = best(search.replica.screen)?;
            let z = z.iter().map(|z| constraint.project(z)).collect();
            let mut r = Replica::new(&search.replica, d, seed)?;
            r.warm_start(z, &v)?;
            Ok(Box::new(r))
        }
        _ => {
            let (mut z, _) = best(1)?;
            Ok(explorer::build(method, search, constraint.project(&z.remove(0)), seed)?)
        }
    }
}

/// Runs (or, from the checkpoint in `work`, resumes) one loop on `p`'s trained `model`.
///
/// With retraining the explorer restarts every round on the new model. Without it nothing
/// changes between rounds, so one explorer runs throughout (restarting it would handicap the
/// control); rounds are then only checkpoints, and a resumed loop replays the stored values
/// through a fresh explorer to reach the same state.
pub fn run_loop<P: Retrainable>(
    p: &P,
    data: &P::Data,
    model: &P::Model,
    search: &SearchConfig,
    settings: &RetrainConfig,
    l: &LoopSpec<'_>,
    work: Option<&Path>,
) -> Result<LoopResult> {
    let base = p.rows(data);
    let base_values: Vec<f64> = p.observe_data(data).iter().map(|o| p.score(l.spec, o)).collect();
    if base_values.is_empty() || base.len() % base_values.len() != 0 {
        return Err(fail!("weighted retraining needs training data"));
    }
    let width = base.len() / base_values.len();
    // The budget is left out: a loop given a larger one resumes and runs on.
    let key = crate::config::hash_of(&(
        (settings.every, settings.k, settings.steps),
        search,
        &l.spec.name,
        l.method,
        l.retrain,
        l.seed,
    ));
    let ckpt = work.map(|w| w.join("checkpoint"));
    let mut state = match ckpt
        .as_deref()
        .map(|c| checkpoint::load(c, &key, width))
        .transpose()?
        .flatten()
    {
        Some(s) => s,
        None => checkpoint::State::fresh(key),
    };
    let mut model_now: Option<P::Model> = match state.vae.take() {
        Some(bytes) => Some(p.with_vae_bytes(model, bytes)?),
        None => None,
    };
    let seed_of = |round: usize| mix(l.seed, tag("retrain-round"), round as u64);
    let constraint = p.constraint();
    let mut opt: Option<Box<dyn Optimiser>> = None;
    if !l.retrain && !state.values.is_empty() {
        let mut o = explorer_for(p, model, search, l.method, &base, &base_values, width, seed_of(0))?;
        let mut told = 0;
        while told < state.values.len() {
            let pts = o.ask();
            if pts.is_empty() || told + pts.len() > state.values.len() {
                break;
            }
            let n = pts.len();
            let seen = || base_values.iter().chain(&state.values[..told + n]).copied();
            let evals = evaluations(pts, &state.values[told..told + n], seen);
            told += n;
            o.tell(&evals)?;
        }
        opt = Some(o);
    }
    while state.values.len() < settings.budget && l.max_rounds.is_none_or(|n| state.rounds.len() < n) {
        let round = state.rounds.len();
        let m = model_now.as_ref().unwrap_or(model);
        let t0 = Instant::now();
        if l.retrain || opt.is_none() {
            let rows = [base.as_slice(), state.rows.as_slice()].concat();
            let values: Vec<f64> = base_values.iter().chain(&state.values).copied().collect();
            opt = Some(explorer_for(
                p,
                m,
                search,
                l.method,
                &rows,
                &values,
                width,
                seed_of(round),
            )?);
        }
        let o = opt.as_mut().expect("built above");
        let round_end = settings
            .budget
            .min((round + 1) * settings.every)
            .max(state.values.len() + 1);
        // A retrained round ends exactly at its quota; the control's explorer runs on, so its
        // batches end whole and only the budget cuts one.
        let limit = if l.retrain { round_end } else { settings.budget };
        while state.values.len() < round_end {
            let pts = o.ask();
            let take = pts.len().min(limit - state.values.len());
            if take == 0 {
                break;
            }
            let z: Vec<Vec<f64>> = pts[..take].iter().map(|z| constraint.project(z)).collect();
            let rows = p.decode_rows(data, m, &z)?;
            let values: Vec<f64> = p
                .observe_rows(data, &rows)?
                .iter()
                .map(|o| p.score(l.spec, o))
                .collect();
            state.rows.extend_from_slice(&rows);
            state.values.extend_from_slice(&values);
            if take < pts.len() {
                break;
            }
            let evals = evaluations(pts, &values, || base_values.iter().chain(&state.values).copied());
            o.tell(&evals)?;
        }
        let search_seconds = t0.elapsed().as_secs_f64();
        let dataset = base_values.len() + state.values.len();
        let (mut retrain_seconds, mut loss) = (None, None);
        if l.retrain {
            let t1 = Instant::now();
            let rows = [base.as_slice(), state.rows.as_slice()].concat();
            let values: Vec<f64> = base_values.iter().chain(&state.values).copied().collect();
            let w = rank_weights(&values, settings.k);
            let (tuned, lo) = p.fine_tune(m, &rows, &w, settings.steps, seed_of(round))?;
            model_now = Some(tuned);
            retrain_seconds = Some(t1.elapsed().as_secs_f64());
            loss = Some(lo);
        }
        state.rounds.push(RoundRecord {
            round,
            evaluations: state.values.len(),
            dataset,
            best: Some(state.values.iter().copied().fold(f64::INFINITY, f64::min)).filter(|b| b.is_finite()),
            search_seconds,
            retrain_seconds,
            loss,
        });
        if let (Some(w), Some(c)) = (work, &ckpt) {
            let bytes = model_now.as_ref().map(|m| p.vae_bytes(m)).transpose()?;
            if let (true, Some(b)) = (l.keep_models, &bytes) {
                let dir = w.join("models");
                std::fs::create_dir_all(&dir).map_err(|e| fail!("{}: cannot create: {e}", dir.display()))?;
                crate::rundir::write_atomic(&dir.join(format!("round-{round:03}.safetensors")), b)?;
            }
            checkpoint::save(c, &state, width, bytes.as_deref())?;
        }
    }
    let (i, best_value) = state
        .values
        .iter()
        .copied()
        .enumerate()
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .ok_or_else(|| fail!("the loop made no evaluation"))?;
    let best_row = state.rows[i * width..(i + 1) * width].to_vec();
    let best = p.observe_rows(data, &best_row)?.remove(0);
    Ok(LoopResult {
        values: state.values,
        best_value,
        best_row,
        best,
        rounds: state.rounds,
    })
}

/// The evaluations to tell an explorer; `seen` (every value so far) is walked only when a value
/// needs a finite stand-in, not on every batch.
fn evaluations<I: Iterator<Item = f64>>(
    points: Vec<Vec<f64>>,
    values: &[f64],
    seen: impl Fn() -> I,
) -> Vec<Evaluation> {
    let worst = values
        .iter()
        .any(|v| !v.is_finite())
        .then(|| seen().filter(|x| x.is_finite()).fold(0.0, f64::max));
    points
        .into_iter()
        .zip(values)
        .map(|(point, &v)| Evaluation {
            value: if v.is_finite() { v } else { worst.unwrap_or(0.0) },
            point,
            grad: None,
        })
        .collect()
}

/// An optimiser cannot rank infinities (an invalid shape, say), and a GP cannot fit a huge
/// stand-in: the worst finite value seen takes their place.
fn finite(v: f64, seen: &[f64]) -> f64 {
    if v.is_finite() {
        v
    } else {
        seen.iter().copied().filter(|x| x.is_finite()).fold(0.0, f64::max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn best_indices_are_the_lowest_values_in_order() {
        assert_eq!(best_indices(&[3.0, -1.0, 2.0, -1.0], 3), vec![1, 3, 2]);
        assert_eq!(best_indices(&[1.0], 5), vec![0]);
    }

    #[test]
    fn gradient_explorers_are_refused() {
        let cfg = RetrainConfig {
            methods: vec![MethodName::Adam],
            ..Default::default()
        };
        let mut c = Checker::new("x.toml");
        cfg.check(&mut c, "optimise.retrain", &ReplicaConfig::default());
        let err = c.finish().unwrap_err().to_string();
        assert!(
            err.contains("optimise.retrain.methods") && err.contains("adam"),
            "{err}"
        );
        // Replica exchange needs them with Langevin moves, not with random-walk ones.
        let cfg = RetrainConfig {
            methods: vec![MethodName::Replica],
            ..Default::default()
        };
        let mut c = Checker::new("x.toml");
        cfg.check(&mut c, "optimise.retrain", &ReplicaConfig::default());
        assert!(c.finish().unwrap_err().to_string().contains("replica needs gradients"));
        let walk = ReplicaConfig {
            moves: lso_opt::Moves::Walk,
            ..Default::default()
        };
        let mut c = Checker::new("x.toml");
        cfg.check(&mut c, "optimise.retrain", &walk);
        assert!(c.finish().is_ok());
    }
}
