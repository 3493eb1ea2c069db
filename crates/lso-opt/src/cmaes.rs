//! CMA-ES, the (μ/μ_w, λ) covariance matrix adaptation evolution strategy with cumulative step
//! size adaptation and rank-one and rank-μ covariance updates, following Hansen's tutorial
//! ("The CMA Evolution Strategy: A Tutorial", 2016) default parameters; IPOP restarts (doubled
//! population from a fresh mean) when a run stagnates.

use crate::linalg::symmetric_eigen;
use crate::{BestSoFar, Evaluation, OptError, Optimiser};
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CmaEsConfig {
    /// Initial step size.
    pub sigma: f64,
    /// Population λ; 0 picks the default 4 + ⌊3 ln n⌋.
    pub population: usize,
    /// Restarts allowed on stagnation (each doubles the population).
    pub restarts: usize,
    /// Restart means are drawn from `N(0, restart_scale² I)`.
    pub restart_scale: f64,
    /// Stagnation: the best value of the last generations varies by less than this.
    pub tol_fun: f64,
}

impl Default for CmaEsConfig {
    fn default() -> Self {
        Self {
            sigma: 0.5,
            population: 0,
            restarts: 4,
            restart_scale: 1.0,
            tol_fun: 1e-11,
        }
    }
}

pub struct CmaEs {
    cfg: CmaEsConfig,
    n: usize,
    lambda: usize,
    weights: Vec<f64>,
    mu_eff: f64,
    c_sigma: f64,
    d_sigma: f64,
    c_c: f64,
    c_1: f64,
    c_mu: f64,
    chi_n: f64,
    mean: Vec<f64>,
    sigma: f64,
    cov: Vec<f64>,
    basis: Vec<f64>,
    scales: Vec<f64>,
    p_sigma: Vec<f64>,
    p_c: Vec<f64>,
    generation: usize,
    asked: Vec<Vec<f64>>,
    recent_best: Vec<f64>,
    rng: rand_xoshiro::Xoshiro256PlusPlus,
    best: BestSoFar,
    pub restarts_done: usize,
}

impl CmaEs {
    pub fn new(cfg: &CmaEsConfig, start: Vec<f64>, seed: u64) -> Result<Self, OptError> {
        crate::first_problem(vec![
            (
                !(cfg.sigma > 0.0 && cfg.sigma.is_finite()),
                format!("sigma must be > 0, got {}", cfg.sigma),
            ),
            (
                !(cfg.restart_scale > 0.0 && cfg.restart_scale.is_finite()),
                format!("restart_scale must be > 0, got {}", cfg.restart_scale),
            ),
            (start.is_empty(), "cma-es needs a start point".into()),
        ])?;
        if start.iter().any(|x| !x.is_finite()) {
            return Err(OptError::Config("cma-es start point is not finite".into()));
        }
        let n = start.len();
        let lambda = if cfg.population > 0 {
            cfg.population.max(2)
        } else {
            4 + (3.0 * (n as f64).ln()) as usize
        };
        let mut s = Self {
            cfg: cfg.clone(),
            n,
            lambda,
            weights: vec![],
            mu_eff: 0.0,
            c_sigma: 0.0,
            d_sigma: 0.0,
            c_c: 0.0,
            c_1: 0.0,
            c_mu: 0.0,
            chi_n: (n as f64).sqrt() * (1.0 - 1.0 / (4.0 * n as f64) + 1.0 / (21.0 * (n * n) as f64)),
            mean: start,
            sigma: cfg.sigma,
            cov: vec![],
            basis: vec![],
            scales: vec![],
            p_sigma: vec![],
            p_c: vec![],
            generation: 0,
            asked: vec![],
            recent_best: vec![],
            rng: crate::rng(seed),
            best: BestSoFar::default(),
            restarts_done: 0,
        };
        s.reset(lambda);
        Ok(s)
    }

    /// Strategy parameters for population `lambda`, and a fresh search distribution.
    fn reset(&mut self, lambda: usize) {
        let n = self.n as f64;
        self.lambda = lambda;
        let mu = lambda / 2;
        let raw: Vec<f64> = (0..mu)
            .map(|i| (mu as f64 + 0.5).ln() - ((i + 1) as f64).ln())
            .collect();
        let total: f64 = raw.iter().sum();
        self.weights = raw.iter().map(|w| w / total).collect();
        self.mu_eff = 1.0 / self.weights.iter().map(|w| w * w).sum::<f64>();
        let me = self.mu_eff;
        self.c_sigma = (me + 2.0) / (n + me + 5.0);
        self.d_sigma = 1.0 + 2.0 * (((me - 1.0) / (n + 1.0)).sqrt() - 1.0).max(0.0) + self.c_sigma;
        self.c_c = (4.0 + me / n) / (n + 4.0 + 2.0 * me / n);
        self.c_1 = 2.0 / ((n + 1.3).powi(2) + me);
        self.c_mu = (1.0 - self.c_1).min(2.0 * (me - 2.0 + 1.0 / me) / ((n + 2.0).powi(2) + me));
        let d = self.n;
        self.cov = (0..d * d).map(|k| if k / d == k % d { 1.0 } else { 0.0 }).collect();
        self.basis = self.cov.clone();
        self.scales = vec![1.0; d];
        self.p_sigma = vec![0.0; d];
        self.p_c = vec![0.0; d];
        self.sigma = self.cfg.sigma;
        self.generation = 0;
        self.recent_best.clear();
    }

    pub fn sigma(&self) -> f64 {
        self.sigma
    }
    pub fn mean(&self) -> &[f64] {
        &self.mean
    }
    pub fn population(&self) -> usize {
        self.lambda
    }

    fn stagnated(&self) -> bool {
        let window = 10 + (30.0 * self.n as f64 / self.lambda as f64).ceil() as usize;
        let flat = self.recent_best.len() >= window && {
            let tail = &self.recent_best[self.recent_best.len() - window..];
            let (lo, hi) = tail
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
            hi - lo < self.cfg.tol_fun
        };
        let max_scale = self.scales.iter().cloned().fold(0.0, f64::max);
        let min_scale = self.scales.iter().cloned().fold(f64::INFINITY, f64::min);
        flat || self.sigma * max_scale < 1e-12 * self.cfg.sigma || max_scale / min_scale.max(1e-300) > 1e7
    }
}

impl Optimiser for CmaEs {
    fn name(&self) -> &'static str {
        "cmaes"
    }

    fn ask(&mut self) -> Vec<Vec<f64>> {
        let n = self.n;
        self.asked = (0..self.lambda)
            .map(|_| {
                let z: Vec<f64> = (0..n).map(|_| StandardNormal.sample(&mut self.rng)).collect();
                // y = B D z
                (0..n)
                    .map(|i| (0..n).map(|k| self.basis[i * n + k] * self.scales[k] * z[k]).sum())
                    .collect()
            })
            .collect();
        self.asked
            .iter()
            .map(|y: &Vec<f64>| self.mean.iter().zip(y).map(|(m, yi)| m + self.sigma * yi).collect())
            .collect()
    }

    fn tell(&mut self, evaluations: &[Evaluation]) -> Result<(), OptError> {
        let n = self.n;
        if evaluations.len() != self.asked.len() {
            return Err(OptError::Config(format!(
                "cma-es was told {} evaluations for {} points",
                evaluations.len(),
                self.asked.len()
            )));
        }
        for e in evaluations {
            self.best.offer(&e.point, e.value);
        }
        let mut order: Vec<usize> = (0..evaluations.len()).collect();
        order.sort_by(|&a, &b| evaluations[a].value.total_cmp(&evaluations[b].value));
        self.recent_best.push(evaluations[order[0]].value);
        let y_w: Vec<f64> = (0..n)
            .map(|i| {
                self.weights
                    .iter()
                    .zip(&order)
                    .map(|(w, &k)| w * self.asked[k][i])
                    .sum()
            })
            .collect();
        for i in 0..n {
            self.mean[i] += self.sigma * y_w[i];
        }
        // C^{-1/2} y_w = B D^{-1} Bᵀ y_w
        let bt_y: Vec<f64> = (0..n)
            .map(|k| (0..n).map(|i| self.basis[i * n + k] * y_w[i]).sum::<f64>() / self.scales[k])
            .collect();
        let c_inv_half_y: Vec<f64> = (0..n)
            .map(|i| (0..n).map(|k| self.basis[i * n + k] * bt_y[k]).sum())
            .collect();
        let cs = self.c_sigma;
        let norm_s = (cs * (2.0 - cs) * self.mu_eff).sqrt();
        for i in 0..n {
            self.p_sigma[i] = (1.0 - cs) * self.p_sigma[i] + norm_s * c_inv_half_y[i];
        }
        let ps_norm = self.p_sigma.iter().map(|v| v * v).sum::<f64>().sqrt();
        self.generation += 1;
        let h_sigma = ps_norm / (1.0 - (1.0 - cs).powi(2 * self.generation as i32)).sqrt()
            < (1.4 + 2.0 / (n as f64 + 1.0)) * self.chi_n;
        let h = if h_sigma { 1.0 } else { 0.0 };
        let cc = self.c_c;
        let norm_c = (cc * (2.0 - cc) * self.mu_eff).sqrt();
        for i in 0..n {
            self.p_c[i] = (1.0 - cc) * self.p_c[i] + h * norm_c * y_w[i];
        }
        let decay = 1.0 - self.c_1 - self.c_mu + (1.0 - h) * self.c_1 * cc * (2.0 - cc);
        for i in 0..n {
            for j in 0..=i {
                let rank_mu: f64 = self
                    .weights
                    .iter()
                    .zip(&order)
                    .map(|(w, &k)| w * self.asked[k][i] * self.asked[k][j])
                    .sum();
                let v = decay * self.cov[i * n + j] + self.c_1 * self.p_c[i] * self.p_c[j] + self.c_mu * rank_mu;
                self.cov[i * n + j] = v;
                self.cov[j * n + i] = v;
            }
        }
        self.sigma *= ((cs / self.d_sigma) * (ps_norm / self.chi_n - 1.0)).exp();
        let (vals, vecs) = symmetric_eigen(&self.cov, n);
        self.scales = vals.iter().map(|v| v.max(1e-300).sqrt()).collect();
        self.basis = vecs;
        if self.stagnated() && self.restarts_done < self.cfg.restarts {
            self.restarts_done += 1;
            self.mean = (0..n)
                .map(|_| self.cfg.restart_scale * Distribution::<f64>::sample(&StandardNormal, &mut self.rng))
                .collect();
            let lambda = 2 * self.lambda;
            self.reset(lambda);
        }
        Ok(())
    }

    fn best(&self) -> Option<(&[f64], f64)> {
        self.best.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::run;
    use crate::testfn::{Rastrigin, Rosenbrock, Sphere};

    #[test]
    fn finds_the_minimum_of_a_shifted_sphere_in_8d() {
        let shift: Vec<f64> = (0..8).map(|i| 0.5 * i as f64 - 1.7).collect();
        let mut f = Sphere { shift: shift.clone() };
        let mut opt = CmaEs::new(
            &CmaEsConfig {
                sigma: 1.0,
                ..Default::default()
            },
            vec![0.0; 8],
            1,
        )
        .unwrap();
        let t = run(&mut opt, &mut f, 20_000).unwrap();
        assert!(t.best_value < 1e-10, "{}", t.best_value);
        assert!(t.best_point.iter().zip(&shift).all(|(a, b)| (a - b).abs() < 1e-4));
    }

    #[test]
    fn finds_the_rosenbrock_minimum_in_8d() {
        let mut f = Rosenbrock { dim: 8 };
        let mut opt = CmaEs::new(
            &CmaEsConfig {
                sigma: 0.5,
                ..Default::default()
            },
            vec![0.0; 8],
            2,
        )
        .unwrap();
        let t = run(&mut opt, &mut f, 60_000).unwrap();
        assert!(t.best_value < 1e-8, "{}", t.best_value);
        assert!(
            t.best_point.iter().all(|x| (x - 1.0).abs() < 1e-3),
            "{:?}",
            t.best_point
        );
    }

    #[test]
    fn restarts_help_on_rastrigin() {
        // 4-d Rastrigin: IPOP restarts with growing populations reach the global basin.
        let mut f = Rastrigin { dim: 4 };
        let cfg = CmaEsConfig {
            sigma: 2.0,
            restarts: 6,
            restart_scale: 2.0,
            ..Default::default()
        };
        let mut opt = CmaEs::new(&cfg, vec![3.0; 4], 3).unwrap();
        let t = run(&mut opt, &mut f, 100_000).unwrap();
        assert!(
            t.best_value < 1e-6,
            "{} after {} restarts",
            t.best_value,
            opt.restarts_done
        );
    }

    #[test]
    fn rejects_bad_settings() {
        assert!(CmaEs::new(
            &CmaEsConfig {
                sigma: -1.0,
                ..Default::default()
            },
            vec![0.0; 3],
            0
        )
        .is_err());
        assert!(CmaEs::new(&CmaEsConfig::default(), vec![], 0).is_err());
    }
}
