//! Latent Bayesian optimisation with a trust region: TuRBO (Eriksson et al. 2019) as LOL-BO
//! (Maus et al. 2022) runs it in a VAE's latent space.
//!
//! A GP ([`crate::gp`]) is fitted to the evaluations of the current trust region; the next batch
//! is chosen among random candidates in a box around the incumbent, of side `L` along each axis
//! scaled by the GP's lengthscales, by Thompson sampling (a joint posterior draw over the
//! candidates; each point of the batch is the minimum of its own draw) or by expected
//! improvement. `L` doubles after `success_tolerance` improving batches in a row, halves after
//! `failure_tolerance` failing ones, and below `l_min` the region restarts from fresh prior
//! draws, as TuRBO-1 does; the best point of every region is kept.

use crate::gp::{cholesky, Gp, Hyper};
use crate::{BestSoFar, Evaluation, OptError, Optimiser};
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Acquisition {
    Thompson,
    ExpectedImprovement,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BoConfig {
    /// Prior draws that start each trust region.
    pub initial: usize,
    pub batch: usize,
    /// Random candidates in the box per batch.
    pub candidates: usize,
    pub acquisition: Acquisition,
    pub l_init: f64,
    pub l_min: f64,
    pub l_max: f64,
    pub success_tolerance: usize,
    /// `None`: TuRBO's `max(4, dim) / batch`, rounded up.
    pub failure_tolerance: Option<usize>,
    /// The GP sees at most this many evaluations of the region, those nearest its centre.
    pub max_points: usize,
    /// Adam steps of each hyperparameter fit.
    pub fit_steps: usize,
    /// Standard deviation of the prior draws (the latent prior is N(0, I)).
    pub scale: f64,
}

impl Default for BoConfig {
    fn default() -> Self {
        Self {
            initial: 10,
            batch: 4,
            candidates: 256,
            acquisition: Acquisition::Thompson,
            l_init: 0.8,
            l_min: 0.5f64.powi(7),
            l_max: 1.6,
            success_tolerance: 3,
            failure_tolerance: None,
            max_points: 200,
            fit_steps: 30,
            scale: 1.0,
        }
    }
}

impl BoConfig {
    pub fn check(&self) -> Result<(), OptError> {
        crate::first_problem(vec![
            (
                self.initial < 2,
                format!("initial must be at least 2, got {}", self.initial),
            ),
            (self.batch == 0, "batch must be at least 1".into()),
            (
                self.candidates < self.batch,
                format!(
                    "candidates must be at least batch ({}), got {}",
                    self.batch, self.candidates
                ),
            ),
            (
                self.candidates > 2048,
                format!(
                    "candidates must be at most 2048 (a joint draw is cubic in them), got {}",
                    self.candidates
                ),
            ),
            (
                !(self.l_min > 0.0 && self.l_min <= self.l_init && self.l_init <= self.l_max && self.l_max.is_finite()),
                format!(
                    "need 0 < l_min ≤ l_init ≤ l_max, got {}, {}, {}",
                    self.l_min, self.l_init, self.l_max
                ),
            ),
            (
                self.success_tolerance == 0,
                "success_tolerance must be at least 1".into(),
            ),
            (
                self.failure_tolerance == Some(0),
                "failure_tolerance must be at least 1".into(),
            ),
            (
                self.max_points < self.initial,
                format!(
                    "max_points must be at least initial ({}), got {}",
                    self.initial, self.max_points
                ),
            ),
            (
                !(self.scale > 0.0 && self.scale.is_finite()),
                format!("scale must be positive, got {}", self.scale),
            ),
        ])
    }
}

/// The trust region's side and its success and failure counts.
#[derive(Clone, Debug, PartialEq)]
pub struct TrustRegion {
    pub length: f64,
    successes: usize,
    failures: usize,
    l_init: f64,
    l_min: f64,
    l_max: f64,
    success_tolerance: usize,
    failure_tolerance: usize,
}

/// What a batch did to the region.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegionChange {
    Kept,
    Expanded,
    Shrunk,
    /// Shrunk below `l_min`: start a new region.
    Restart,
}

impl TrustRegion {
    pub fn new(cfg: &BoConfig, dim: usize) -> Self {
        let fail = cfg.failure_tolerance.unwrap_or_else(|| 4.max(dim).div_ceil(cfg.batch));
        Self {
            length: cfg.l_init,
            successes: 0,
            failures: 0,
            l_init: cfg.l_init,
            l_min: cfg.l_min,
            l_max: cfg.l_max,
            success_tolerance: cfg.success_tolerance,
            failure_tolerance: fail,
        }
    }

    /// Records whether a batch improved on the region's incumbent.
    pub fn update(&mut self, improved: bool) -> RegionChange {
        if improved {
            self.successes += 1;
            self.failures = 0;
        } else {
            self.failures += 1;
            self.successes = 0;
        }
        if self.successes == self.success_tolerance {
            self.successes = 0;
            self.length = (2.0 * self.length).min(self.l_max);
            return RegionChange::Expanded;
        }
        if self.failures == self.failure_tolerance {
            self.failures = 0;
            self.length /= 2.0;
            if self.length < self.l_min {
                return RegionChange::Restart;
            }
            return RegionChange::Shrunk;
        }
        RegionChange::Kept
    }

    pub fn reset(&mut self) {
        self.length = self.l_init;
        self.successes = 0;
        self.failures = 0;
    }
}

pub struct LatentBo {
    dim: usize,
    cfg: BoConfig,
    rng: rand_xoshiro::Xoshiro256PlusPlus,
    region: TrustRegion,
    /// Evaluations of the current region.
    data: Vec<(Vec<f64>, f64)>,
    /// The region's best value before the last batch.
    incumbent: Option<f64>,
    hyper: Hyper,
    best: BestSoFar,
    pub restarts: usize,
}

impl LatentBo {
    pub fn new(dim: usize, cfg: BoConfig, seed: u64) -> Result<Self, OptError> {
        cfg.check()?;
        if dim == 0 {
            return Err(OptError::Config("latent BO needs dim >= 1".into()));
        }
        Ok(Self {
            dim,
            region: TrustRegion::new(&cfg, dim),
            cfg,
            rng: crate::rng(seed),
            data: Vec::new(),
            incumbent: None,
            hyper: Hyper::new(dim),
            best: BestSoFar::default(),
            restarts: 0,
        })
    }

    /// Replaces the region's evaluations with known ones (encoded data with their true values,
    /// as LOL-BO seeds its GP, and again after every retraining moves the codes), keeping the
    /// trust region's length and counters. Not counted as evaluations; the best of them becomes
    /// the incumbent the next batch must beat.
    pub fn warm_start(&mut self, points: Vec<Vec<f64>>, values: &[f64]) -> Result<(), OptError> {
        if points.len() != values.len() || points.iter().any(|p| p.len() != self.dim) {
            return Err(OptError::Config(format!(
                "warm start needs {} points of dimension {} with one value each",
                values.len(),
                self.dim
            )));
        }
        if values.iter().any(|v| !v.is_finite()) {
            return Err(OptError::Objective("warm start values must be finite".into()));
        }
        self.data = points.into_iter().zip(values.iter().copied()).collect();
        self.incumbent = self.data.iter().map(|d| d.1).reduce(f64::min);
        Ok(())
    }

    pub fn region(&self) -> &TrustRegion {
        &self.region
    }

    fn prior_draw(&mut self) -> Vec<f64> {
        (0..self.dim)
            .map(|_| self.cfg.scale * Distribution::<f64>::sample(&StandardNormal, &mut self.rng))
            .collect()
    }

    fn centre(&self) -> &[f64] {
        &self.data.iter().min_by(|a, b| a.1.total_cmp(&b.1)).expect("data").0
    }

    /// A GP on the region's evaluations nearest its centre, hyperparameters refitted from the
    /// last ones.
    fn surrogate(&mut self) -> Result<Gp, OptError> {
        let centre = self.centre().to_vec();
        let mut pts = self.data.clone();
        if pts.len() > self.cfg.max_points {
            let d2 = |p: &[f64]| p.iter().zip(&centre).map(|(a, b)| (a - b).powi(2)).sum::<f64>();
            pts.sort_by(|a, b| d2(&a.0).total_cmp(&d2(&b.0)));
            pts.truncate(self.cfg.max_points);
        }
        let (x, y): (Vec<Vec<f64>>, Vec<f64>) = pts.into_iter().unzip();
        let mut gp = Gp::new(x, &y, self.hyper.clone())?;
        gp.fit(self.cfg.fit_steps)?;
        self.hyper = gp.hyper.clone();
        Ok(gp)
    }

    /// Candidates in the box around the centre: each perturbs a random subset of coordinates
    /// (each with probability min(1, 20/dim), at least one), as TuRBO does in high dimension.
    fn candidates(&mut self, gp: &Gp) -> Vec<Vec<f64>> {
        let centre = self.centre().to_vec();
        let ls = &gp.hyper.lengthscales;
        let geo = (ls.iter().map(|l| l.ln()).sum::<f64>() / self.dim as f64).exp();
        let half: Vec<f64> = ls
            .iter()
            .map(|l| 0.5 * self.region.length * self.cfg.scale * l / geo)
            .collect();
        let p = (20.0 / self.dim as f64).min(1.0);
        (0..self.cfg.candidates)
            .map(|_| {
                let mut z = centre.clone();
                let mut any = false;
                for d in 0..self.dim {
                    if self.rng.random::<f64>() < p {
                        z[d] = centre[d] + half[d] * (2.0 * self.rng.random::<f64>() - 1.0);
                        any = true;
                    }
                }
                if !any {
                    let d = self.rng.random_range(0..self.dim);
                    z[d] = centre[d] + half[d] * (2.0 * self.rng.random::<f64>() - 1.0);
                }
                z
            })
            .collect()
    }

    fn choose(&mut self, gp: &Gp, cands: &[Vec<f64>]) -> Vec<Vec<f64>> {
        let q = self.cfg.batch;
        let mut picked = Vec::with_capacity(q);
        match self.cfg.acquisition {
            Acquisition::ExpectedImprovement => {
                let f_best = self.data.iter().map(|d| d.1).fold(f64::INFINITY, f64::min);
                let mut scored: Vec<(f64, usize)> = cands
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        let (mu, var) = gp.predict(c);
                        (expected_improvement(f_best, mu, var.sqrt()), i)
                    })
                    .collect();
                scored.sort_by(|a, b| b.0.total_cmp(&a.0));
                picked.extend(scored.iter().take(q).map(|&(_, i)| cands[i].clone()));
            }
            Acquisition::Thompson => {
                let m = cands.len();
                let (mean, mut cov) = gp.predict_joint(cands);
                // Jitter so rounding cannot make the posterior covariance indefinite.
                let scale = (0..m).map(|i| cov[i * m + i]).fold(0.0, f64::max).max(1e-12);
                let l = (0..8)
                    .find_map(|k| {
                        let jitter = scale * 1e-8 * 10f64.powi(k);
                        for i in 0..m {
                            cov[i * m + i] += jitter;
                        }
                        cholesky(&cov, m)
                    })
                    .unwrap_or_else(|| {
                        // Fall back to independent draws from the marginals.
                        (0..m * m)
                            .map(|i| if i / m == i % m { cov[i].max(0.0).sqrt() } else { 0.0 })
                            .collect()
                    });
                let mut taken = vec![false; m];
                for _ in 0..q {
                    let e: Vec<f64> = (0..m).map(|_| StandardNormal.sample(&mut self.rng)).collect();
                    let draw: Vec<f64> = (0..m)
                        .map(|i| mean[i] + (0..=i).map(|k| l[i * m + k] * e[k]).sum::<f64>())
                        .collect();
                    let i = (0..m)
                        .filter(|&i| !taken[i])
                        .min_by(|&a, &b| draw[a].total_cmp(&draw[b]))
                        .expect("candidates ≥ batch");
                    taken[i] = true;
                    picked.push(cands[i].clone());
                }
            }
        }
        picked
    }
}

/// `E[max(f_best − f, 0)]` for `f ~ N(μ, σ²)` (minimisation).
pub fn expected_improvement(f_best: f64, mu: f64, sigma: f64) -> f64 {
    if !(sigma > 0.0) {
        return (f_best - mu).max(0.0);
    }
    let z = (f_best - mu) / sigma;
    let pdf = (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
    let cdf = 0.5 * libm_erfc(-z / std::f64::consts::SQRT_2);
    (f_best - mu) * cdf + sigma * pdf
}

/// erfc by the Numerical Recipes Chebyshev fit (relative error < 1.2e-7), enough for ranking.
fn libm_erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

impl Optimiser for LatentBo {
    fn name(&self) -> &'static str {
        "bo"
    }

    fn ask(&mut self) -> Vec<Vec<f64>> {
        if self.data.len() < self.cfg.initial {
            let n = self.cfg.initial - self.data.len();
            return (0..n).map(|_| self.prior_draw()).collect();
        }
        match self.surrogate() {
            Ok(gp) => {
                let cands = self.candidates(&gp);
                self.choose(&gp, &cands)
            }
            // A GP that cannot be fitted (degenerate data) is no reason to stop: explore.
            Err(_) => (0..self.cfg.batch).map(|_| self.prior_draw()).collect(),
        }
    }

    fn tell(&mut self, evaluations: &[Evaluation]) -> Result<(), OptError> {
        let starting = self.data.len() < self.cfg.initial;
        let before = self.incumbent;
        let mut batch_best = f64::INFINITY;
        for e in evaluations {
            self.best.offer(&e.point, e.value);
            self.data.push((e.point.clone(), e.value));
            batch_best = batch_best.min(e.value);
        }
        let region_best = self.data.iter().map(|d| d.1).fold(f64::INFINITY, f64::min);
        if !starting && self.data.len() >= self.cfg.initial {
            // TuRBO's test: an improvement by at least 1e-3 of the incumbent's magnitude.
            let improved = before.is_some_and(|b| batch_best < b - 1e-3 * b.abs());
            if self.region.update(improved) == RegionChange::Restart {
                self.restarts += 1;
                self.region.reset();
                self.data.clear();
                self.hyper = Hyper::new(self.dim);
                self.incumbent = None;
                return Ok(());
            }
        }
        self.incumbent = Some(region_best);
        Ok(())
    }

    fn best(&self) -> Option<(&[f64], f64)> {
        self.best.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testfn::Sphere;
    use crate::{driver, RandomSearch};

    fn region(dim: usize) -> TrustRegion {
        TrustRegion::new(&BoConfig::default(), dim)
    }

    #[test]
    fn a_warm_start_skips_the_prior_draws_and_sets_the_incumbent() {
        let cfg = BoConfig::default();
        let mut bo = LatentBo::new(2, cfg.clone(), 1).unwrap();
        let pts: Vec<Vec<f64>> = (0..12).map(|i| vec![i as f64 * 0.1, -(i as f64) * 0.05]).collect();
        let vals: Vec<f64> = pts.iter().map(|p| p[0] * p[0] + p[1] * p[1]).collect();
        bo.warm_start(pts.clone(), &vals).unwrap();
        assert_eq!(bo.incumbent, Some(0.0));
        // Enough data: a GP batch, not the initial prior draws, and within the region's box.
        let batch = bo.ask();
        assert_eq!(batch.len(), cfg.batch);
        assert!(batch
            .iter()
            .all(|z| z.iter().all(|v| v.abs() <= 0.5 * cfg.l_max * 10.0)));
        assert!(bo.warm_start(vec![vec![0.0; 3]], &[1.0]).is_err());
        assert!(bo.warm_start(pts, &vals[..3]).is_err());
        assert!(bo.warm_start(vec![vec![0.0; 2]], &[f64::NAN]).is_err());
    }

    #[test]
    fn the_region_doubles_after_three_successes_and_caps_at_l_max() {
        // dim 8, batch 4: two failures in a row halve it, so one failure only resets.
        let mut r = region(8);
        assert_eq!(r.update(true), RegionChange::Kept);
        assert_eq!(r.update(true), RegionChange::Kept);
        assert_eq!(r.update(true), RegionChange::Expanded);
        assert_eq!(r.length, 1.6);
        for _ in 0..3 {
            r.update(true);
        }
        assert_eq!(r.length, 1.6, "never above l_max");
        // A failure resets the success count.
        r.length = 0.4;
        r.update(true);
        r.update(true);
        r.update(false);
        assert_eq!(r.update(true), RegionChange::Kept);
        assert_eq!(r.length, 0.4);
    }

    #[test]
    fn the_region_halves_after_its_failures_and_restarts_below_l_min() {
        // dim 8, batch 4: failure tolerance ⌈max(4, 8)/4⌉ = 2.
        let mut r = region(8);
        assert_eq!(r.failure_tolerance, 2);
        assert_eq!(r.update(false), RegionChange::Kept);
        assert_eq!(r.update(false), RegionChange::Shrunk);
        assert_eq!(r.length, 0.4);
        let mut halvings = 1;
        loop {
            r.update(false);
            match r.update(false) {
                RegionChange::Shrunk => halvings += 1,
                RegionChange::Restart => break,
                other => panic!("{other:?}"),
            }
        }
        // 0.8 / 2^7 = 0.00625 < 0.5^7 = 0.0078: the seventh halving restarts.
        assert_eq!(halvings, 6);
        r.reset();
        assert_eq!(r.length, 0.8);
        // A success resets the failure count.
        r.update(false);
        r.update(true);
        assert_eq!(r.update(false), RegionChange::Kept);
    }

    #[test]
    fn expected_improvement_matches_its_closed_form_values() {
        // At μ = f_best: σ φ(0).
        assert!((expected_improvement(1.0, 1.0, 2.0) - 2.0 * 0.398_942_280_4).abs() < 1e-7);
        // Far below: f_best − μ; far above: ~0.
        assert!((expected_improvement(5.0, 0.0, 0.1) - 5.0).abs() < 1e-9);
        assert!(expected_improvement(0.0, 5.0, 0.1) < 1e-12);
        // z = 1: (1)(Φ(1)) + φ(1) = 0.841345 + 0.241971.
        assert!((expected_improvement(1.0, 0.0, 1.0) - 1.083_315_9).abs() < 1e-6);
    }

    #[test]
    fn finds_a_shifted_sphere_minimum_far_faster_than_random_search() {
        let budget = 120;
        let mut bo_best = Vec::new();
        let mut rs_best = Vec::new();
        for seed in 0..3 {
            let mut f = Sphere {
                shift: vec![0.5, -0.3, 0.2, 0.1],
            };
            let mut bo = LatentBo::new(4, BoConfig::default(), seed).unwrap();
            bo_best.push(driver::run(&mut bo, &mut f, budget).unwrap().best_value);
            let mut rs = RandomSearch::new(4, 4, 1.0, seed).unwrap();
            rs_best.push(driver::run(&mut rs, &mut f, budget).unwrap().best_value);
        }
        for (b, r) in bo_best.iter().zip(&rs_best) {
            assert!(*b < 0.01 && *b < r / 10.0, "BO {b} vs random {r}");
        }
    }

    #[test]
    fn expected_improvement_also_converges_and_bad_settings_are_named() {
        let mut f = Sphere { shift: vec![0.3, 0.3] };
        let cfg = BoConfig {
            acquisition: Acquisition::ExpectedImprovement,
            batch: 1,
            ..BoConfig::default()
        };
        let mut bo = LatentBo::new(2, cfg, 3).unwrap();
        assert!(driver::run(&mut bo, &mut f, 60).unwrap().best_value < 1e-3);
        let bad = BoConfig {
            l_min: 2.0,
            ..BoConfig::default()
        };
        let e = LatentBo::new(2, bad, 0).err().unwrap().to_string();
        assert!(e.contains("l_min"), "{e}");
    }
}
