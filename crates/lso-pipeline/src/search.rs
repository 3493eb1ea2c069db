//! The search stage, written once: every configured explorer on every objective of a problem,
//! its restarts run in lockstep (one decoder batch per round for all of them), each restart
//! judged by the problem's true observables of its best decoded configuration.

use crate::error::Result;
use crate::explorer::{self, LatentPrior, MethodName};
use crate::problem::{ObjectiveSpec, Problem};
use crate::results::{Outcome, TraceRecord};
use lso_nn::train::normal_matrix;
use lso_opt::driver::{self, BestTrace, Observer, Observers, Target};
use lso_opt::{Constrained, Frame, Framed, Optimiser};
use lso_physics::rng::{mix, tag};
use rayon::prelude::*;
use std::time::Instant;

/// The seed of restart `restart` on objective `objective` for stream `name`: restarts of the
/// first objective keep the streams earlier versions used.
pub fn restart_seed(seed: u64, name: &str, objective: usize, restart: usize) -> u64 {
    mix(seed, tag(name), ((objective as u64) << 32) | restart as u64)
}

/// The start of a restart: a draw from N(0, I) in the explorers' coordinates u (see [`frame`]).
pub fn start_point(seed: u64, dim: usize, objective: usize, restart: usize) -> Vec<f64> {
    normal_matrix(1, dim, restart_seed(seed, "optimise-start", objective, restart))
        .iter()
        .map(|&v| v as f64)
        .collect()
}

/// The frame of `[optimise] prior`: the identity, or the Gaussian of the training codes.
pub fn frame<P: Problem>(p: &P, model: &P::Model) -> Result<Frame> {
    let d = p.latent_dim(model);
    Ok(match p.search().prior {
        LatentPrior::Standard => Frame::identity(d),
        LatentPrior::Encoded => {
            Frame::fitted(p.training_codes(model), d).map_err(|e| crate::fail!("optimise.prior = \"encoded\": {e}"))?
        }
    })
}

pub fn run<P: Problem>(
    p: &P,
    data: &P::Data,
    model: &P::Model,
    objectives: &[ObjectiveSpec],
) -> Result<(Vec<Outcome>, Vec<TraceRecord>)> {
    let frame = frame(p, model)?;
    let methods = &p.search().methods;
    let pb = crate::progress::bar((objectives.len() * methods.len()) as u64, "optimise");
    // Each (objective, method) pair is independent and seeded by its own indices, and a latent
    // search at batch 1 to 50 keeps one core busy: the pairs run side by side, and their results
    // are gathered in order, the same as one after another.
    let tasks: Vec<(usize, &ObjectiveSpec, MethodName)> = objectives
        .iter()
        .enumerate()
        .flat_map(|(qi, spec)| methods.iter().map(move |&m| (qi, spec, m)))
        .collect();
    let done = tasks
        .par_iter()
        .map(|&(qi, spec, method)| {
            let r = run_one(p, data, model, &frame, qi, spec, method);
            pb.inc(1);
            r
        })
        .collect::<Result<Vec<_>>>()?;
    pb.finish_and_clear();
    let (mut outcomes, mut traces) = (Vec::new(), Vec::new());
    for (o, t) in done {
        outcomes.extend(o);
        traces.extend(t);
    }
    Ok((outcomes, traces))
}

/// One method's restarts on one objective, in lockstep.
fn run_one<P: Problem>(
    p: &P,
    data: &P::Data,
    model: &P::Model,
    frame: &Frame,
    qi: usize,
    spec: &ObjectiveSpec,
    method: MethodName,
) -> Result<(Vec<Outcome>, Vec<TraceRecord>)> {
    let d = p.latent_dim(model);
    let constraint = p.constraint();
    // Explorers search u; the trust region holds in u; the objective sees z = μ + A u.
    let to_z = |u: &[f64]| frame.to_z(&constraint.project(u));
    let mut outcomes = Vec::new();
    let mut traces = Vec::new();
    let cfg = p.search();
    let restarts = cfg.restarts_for(&spec.name);
    let t0 = Instant::now();
    let mut opts: Vec<Box<dyn Optimiser>> = (0..restarts)
        .map(|r| {
            let start = start_point(p.seed(), d, qi, r);
            explorer::build_polished(method, cfg, start, restart_seed(p.seed(), method.name(), qi, r))
        })
        .collect::<Result<_, _>>()?;
    let mut objective = p.objective(data, model, spec)?;
    let mut recorders = vec![BestTrace::default(); restarts];
    let mut targets: Vec<Option<Target>> = vec![
        spec.target.map(|value| Target {
            value,
            tolerance: 1e-9 * value.abs().max(1.0),
        });
        restarts
    ];
    let run = {
        let mut members: Vec<Observers> = recorders
            .iter_mut()
            .zip(targets.iter_mut())
            .map(|(r, t)| {
                let mut v: Vec<&mut dyn Observer> = vec![r];
                if let Some(t) = t {
                    v.push(t);
                }
                Observers(v)
            })
            .collect();
        let mut observers: Vec<&mut dyn Observer> = members.iter_mut().map(|m| m as &mut dyn Observer).collect();
        let mut refs: Vec<&mut (dyn Optimiser + 'static)> = opts.iter_mut().map(|o| o.as_mut()).collect();
        let mut framed = Framed {
            inner: objective.as_mut(),
            frame,
        };
        let mut constrained = Constrained {
            inner: &mut framed,
            constraint: constraint.clone(),
        };
        driver::run_lockstep(&mut refs, &mut constrained, cfg.budget, &mut observers)?
    };
    let diagnostics: Vec<_> = opts.iter().map(|o| o.diagnostics()).collect();
    let spent: usize = run.iter().map(|t| t.evaluations).sum();
    let total = objective.evaluations();
    drop(objective);
    let finals: Vec<Vec<f64>> = run.iter().map(|t| to_z(&t.best_point)).collect();
    let judged = p.judge_results(data, model, &finals)?;
    let seconds = t0.elapsed().as_secs_f64() / restarts as f64;
    for (r, (((trace, z), best), diag)) in run.iter().zip(finals).zip(judged).zip(diagnostics).enumerate() {
        let hit = p.hit(data, spec, &best);
        outcomes.push(Outcome {
            problem: P::KIND.into(),
            objective: spec.name.clone(),
            method: method.name().into(),
            seed: p.seed(),
            restart: Some(r),
            evaluations: total.share(trace.evaluations, spent),
            seconds,
            best,
            value: Some(trace.best_value),
            z: Some(z),
            hit,
            samples: None,
            hits: None,
            mean: None,
            diagnostics: (!diag.is_empty()).then(|| diag.into_iter().map(|(k, v)| (k.to_string(), v)).collect()),
        });
        traces.push(TraceRecord {
            objective: spec.name.clone(),
            method: method.name().into(),
            restart: r,
            values: recorders[r].values.clone(),
            path: recorders[r].path.iter().map(|u| to_z(u)).collect(),
        });
    }
    Ok((outcomes, traces))
}
