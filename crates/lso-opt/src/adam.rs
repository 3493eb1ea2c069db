//! Adam on several independent starting points at once: every `ask` returns all current
//! points, so a neural objective evaluates them in one batch; each point keeps its own moments.

use crate::{BestSoFar, Evaluation, OptError, Optimiser};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AdamConfig {
    pub learning_rate: f64,
    pub beta1: f64,
    pub beta2: f64,
    /// PyTorch's default; burn's is 1e-5.
    pub epsilon: f64,
}

impl Default for AdamConfig {
    fn default() -> Self {
        Self {
            learning_rate: 0.05,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-8,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Adam {
    cfg: AdamConfig,
    points: Vec<Vec<f64>>,
    m: Vec<Vec<f64>>,
    v: Vec<Vec<f64>>,
    t: i32,
    best: BestSoFar,
    /// Best value seen by each start.
    pub best_per_start: Vec<BestSoFar>,
}

impl Adam {
    pub fn new(cfg: &AdamConfig, starts: Vec<Vec<f64>>) -> Result<Self, OptError> {
        crate::first_problem(vec![
            (
                !(cfg.learning_rate > 0.0 && cfg.learning_rate.is_finite()),
                format!("learning_rate must be > 0, got {}", cfg.learning_rate),
            ),
            (
                !(0.0..1.0).contains(&cfg.beta1),
                format!("beta1 must be in [0, 1), got {}", cfg.beta1),
            ),
            (
                !(0.0..1.0).contains(&cfg.beta2),
                format!("beta2 must be in [0, 1), got {}", cfg.beta2),
            ),
            (
                !(cfg.epsilon > 0.0),
                format!("epsilon must be > 0, got {}", cfg.epsilon),
            ),
            (starts.is_empty(), "adam needs a start point".into()),
        ])?;
        let zeros: Vec<Vec<f64>> = starts.iter().map(|p| vec![0.0; p.len()]).collect();
        Ok(Self {
            cfg: cfg.clone(),
            m: zeros.clone(),
            v: zeros,
            best_per_start: vec![BestSoFar::default(); starts.len()],
            points: starts,
            t: 0,
            best: BestSoFar::default(),
        })
    }

    pub fn points(&self) -> &[Vec<f64>] {
        &self.points
    }

    /// Keeps only the starts at `indices`, in that order, each with its moments and best value;
    /// the step count, and with it the bias correction, carries on.
    pub fn keep(&mut self, indices: &[usize]) {
        let pick = |v: &[Vec<f64>]| indices.iter().map(|&k| v[k].clone()).collect::<Vec<_>>();
        self.points = pick(&self.points);
        self.m = pick(&self.m);
        self.v = pick(&self.v);
        self.best_per_start = indices.iter().map(|&k| self.best_per_start[k].clone()).collect();
    }
}

impl Optimiser for Adam {
    fn name(&self) -> &'static str {
        "adam"
    }
    fn needs_gradient(&self) -> bool {
        true
    }
    fn ask(&mut self) -> Vec<Vec<f64>> {
        self.points.clone()
    }
    fn tell(&mut self, evaluations: &[Evaluation]) -> Result<(), OptError> {
        self.t += 1;
        let (b1, b2) = (self.cfg.beta1, self.cfg.beta2);
        let (c1, c2) = (1.0 - b1.powi(self.t), 1.0 - b2.powi(self.t));
        for (k, e) in evaluations.iter().enumerate() {
            let g = e.grad.as_ref().ok_or(OptError::NeedsGradient { optimiser: "adam" })?;
            self.best.offer(&e.point, e.value);
            self.best_per_start[k].offer(&e.point, e.value);
            for i in 0..g.len() {
                self.m[k][i] = b1 * self.m[k][i] + (1.0 - b1) * g[i];
                self.v[k][i] = b2 * self.v[k][i] + (1.0 - b2) * g[i] * g[i];
                let step =
                    self.cfg.learning_rate * (self.m[k][i] / c1) / ((self.v[k][i] / c2).sqrt() + self.cfg.epsilon);
                self.points[k][i] = e.point[i] - step;
            }
        }
        Ok(())
    }
    fn best(&self) -> Option<(&[f64], f64)> {
        self.best.get()
    }
}
