//! Boltzmann (maximum-entropy) learning, seed 002's update (4): gradient ascent of the
//! likelihood, `θ ← θ + α_t (⟨φ⟩_data − ⟨φ⟩_model)`, with the model moments estimated by
//! persistent Monte Carlo chains that carry over between steps.

use super::{check_data, Couplings, Fit, Layout, Parametrisation, TracePoint};
use crate::rng::{stream, tag, SimRng};
use crate::{Lattice, PhysicsError, SpinSet};
use rand::seq::SliceRandom;
use rand::Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Which data moments each step matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Update {
    /// The averaged update: moments of the whole dataset every step.
    #[default]
    Averaged,
    /// Update (4) of the notes: one data sample per step, cycling through a shuffled dataset.
    SingleSample,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BoltzmannConfig {
    pub steps: usize,
    /// Initial step size α₀.
    pub learning_rate: f64,
    /// `α_t = α₀ / (1 + t / decay)`; 0 keeps α constant.
    pub decay: f64,
    /// Persistent Monte Carlo chains estimating the model moments.
    pub chains: usize,
    /// Heat-bath sweeps of every chain per step.
    pub sweeps: usize,
    pub update: Update,
    /// Fraction of final steps whose parameters are averaged (Polyak averaging) for the result.
    pub average_tail: f64,
    /// Initial parameters are uniform in `±init_scale`.
    pub init_scale: f64,
}

impl Default for BoltzmannConfig {
    fn default() -> Self {
        Self {
            steps: 1000,
            learning_rate: 0.2,
            decay: 200.0,
            chains: 64,
            sweeps: 2,
            update: Update::Averaged,
            average_tail: 0.5,
            init_scale: 0.1,
        }
    }
}

impl BoltzmannConfig {
    pub fn validate(&self) -> Result<(), PhysicsError> {
        let bad = |m: &str| Err(PhysicsError::InvalidParameter(m.into()));
        if self.steps == 0 || self.chains == 0 || self.sweeps == 0 {
            return bad("boltzmann learning needs steps, chains and sweeps of at least 1");
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return bad("the learning rate must be finite and > 0");
        }
        if !(self.decay.is_finite() && self.decay >= 0.0) {
            return bad("the decay must be finite and >= 0");
        }
        if !(0.0..1.0).contains(&self.average_tail) {
            return bad("average_tail must be in [0, 1)");
        }
        if !(self.init_scale.is_finite() && self.init_scale >= 0.0) {
            return bad("init_scale must be finite and >= 0");
        }
        Ok(())
    }
}

/// Why learning stopped early: the parameters blew up. Carries the last finite parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Diverged {
    pub step: usize,
    pub last_good: Fit,
}

/// Parameters larger than this mean the step size is far too large.
const BLOW_UP: f64 = 1e4;

pub fn fit(
    set: &SpinSet,
    lattice: &Lattice,
    params: Parametrisation,
    cfg: &BoltzmannConfig,
    seed: u64,
) -> Result<Result<Fit, Diverged>, PhysicsError> {
    cfg.validate()?;
    let layout = Layout::new(lattice, params);
    let data = layout.moments(set.configs());
    check_data(set, &layout, &data)?;

    let mut init = stream(seed, tag("boltzmann-init"), 0);
    let mut theta: Vec<f64> = (0..layout.len())
        .map(|_| cfg.init_scale * (2.0 * init.random::<f64>() - 1.0))
        .collect();
    let mut chains: Vec<(Vec<i8>, SimRng)> = (0..cfg.chains)
        .map(|c| {
            (
                set.config(c % set.len()).to_vec(),
                stream(seed, tag("boltzmann-chain"), c as u64),
            )
        })
        .collect();
    let mut order: Vec<usize> = (0..set.len()).collect();
    let mut order_rng = stream(seed, tag("boltzmann-order"), 0);
    order.shuffle(&mut order_rng);

    let tail_start = ((1.0 - cfg.average_tail) * cfg.steps as f64) as usize;
    let mut averaged = vec![0.0; theta.len()];
    let mut averaged_count = 0usize;
    let mut trace = Vec::with_capacity(cfg.steps);
    let mut last_good = theta.clone();
    for step in 0..cfg.steps {
        crate::cancel::check();
        let model = layout.model(&theta);
        let per_chain: Vec<Vec<f64>> = chains
            .par_iter_mut()
            .map(|(s, rng)| {
                for _ in 0..cfg.sweeps {
                    model.sweep(s, rng);
                }
                let mut acc = vec![0.0; layout.len()];
                layout.accumulate(s, &mut acc);
                acc
            })
            .collect();
        let mut model_moments = vec![0.0; layout.len()];
        for acc in &per_chain {
            for (m, a) in model_moments.iter_mut().zip(acc) {
                *m += a / cfg.chains as f64;
            }
        }
        let target = match cfg.update {
            Update::Averaged => std::borrow::Cow::Borrowed(&data),
            Update::SingleSample => {
                let k = order[step % order.len()];
                std::borrow::Cow::Owned(layout.moments(std::iter::once(set.config(k))))
            }
        };
        let alpha = if cfg.decay > 0.0 {
            cfg.learning_rate / (1.0 + step as f64 / cfg.decay)
        } else {
            cfg.learning_rate
        };
        let mut sq = 0.0;
        for ((t, d), m) in theta.iter_mut().zip(target.iter()).zip(&model_moments) {
            let g = d - m;
            sq += g * g;
            *t += alpha * g;
        }
        if theta.iter().any(|t| !t.is_finite() || t.abs() > BLOW_UP) {
            let couplings = Couplings {
                parametrisation: params,
                theta: last_good,
            };
            return Ok(Err(Diverged {
                step,
                last_good: Fit { couplings, trace },
            }));
        }
        last_good.clone_from(&theta);
        if step >= tail_start {
            averaged.iter_mut().zip(&theta).for_each(|(a, t)| *a += t);
            averaged_count += 1;
        }
        let (j, h) = layout.summary(lattice, &theta);
        trace.push(TracePoint {
            step,
            j,
            h,
            grad_rms: (sq / theta.len() as f64).sqrt(),
        });
    }
    averaged.iter_mut().for_each(|a| *a /= averaged_count.max(1) as f64);
    Ok(Ok(Fit {
        couplings: Couplings {
            parametrisation: params,
            theta: averaged,
        },
        trace,
    }))
}
