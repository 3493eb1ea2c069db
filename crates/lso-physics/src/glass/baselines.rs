//! Direct baselines on the spins, each reporting the best true energy it had reached at every
//! point of a budget of energy evaluations (one sweep of one configuration counts as one, as
//! one random configuration does): random search, greedy descent with restarts, simulated
//! annealing and parallel tempering. Their defaults are the usual well-tuned choices for 2D
//! glasses with couplings of order one; a weak baseline would flatter every other method.
//! Annealing and tempering run their chains on the instance's fastest kernel ([`Dynamics`]).

use super::chain::Dynamics;
use super::random_spins;
use crate::rng::SimRng;
use crate::{PhysicsError, Schedule, ScheduleKind, ScheduleVariable};
use rand::Rng;
use serde::{Deserialize, Serialize};

/// Best energy reached by each budget point, and the configuration that reached the overall best.
#[derive(Clone, Debug, PartialEq)]
pub struct Anytime {
    pub best: Vec<f64>,
    pub spins: Vec<i8>,
    /// Evaluations actually spent (the largest budget).
    pub evaluations: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AnnealSettings {
    /// Start and end temperatures of the geometric schedule.
    pub t_hot: f64,
    pub t_cold: f64,
}

impl Default for AnnealSettings {
    fn default() -> Self {
        Self {
            t_hot: 3.0,
            t_cold: 0.1,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TemperingSettings {
    pub t_min: f64,
    pub t_max: f64,
    /// Replicas on a geometric ladder between `t_min` and `t_max`.
    pub replicas: usize,
}

impl Default for TemperingSettings {
    fn default() -> Self {
        Self {
            t_min: 0.2,
            t_max: 1.6,
            replicas: 16,
        }
    }
}

fn check_budgets(budgets: &[u64]) -> Result<(), PhysicsError> {
    if budgets.is_empty() || budgets[0] == 0 || budgets.windows(2).any(|w| w[1] <= w[0]) {
        return Err(PhysicsError::InvalidParameter(format!(
            "budgets must be positive and strictly increasing, got {budgets:?}"
        )));
    }
    Ok(())
}

/// Records the best-so-far energy as evaluations are spent.
struct Tracker<'a> {
    budgets: &'a [u64],
    best: Vec<f64>,
    best_e: f64,
    spins: Vec<i8>,
    spent: u64,
}

impl<'a> Tracker<'a> {
    fn new(budgets: &'a [u64]) -> Self {
        Self {
            budgets,
            best: Vec::with_capacity(budgets.len()),
            best_e: f64::INFINITY,
            spins: Vec::new(),
            spent: 0,
        }
    }
    fn total(&self) -> u64 {
        *self.budgets.last().expect("checked non-empty")
    }
    fn done(&self) -> bool {
        self.spent >= self.total()
    }
    /// One evaluation of a configuration with energy `e`; `spins` gives it when it is a new best.
    fn see(&mut self, e: f64, spins: impl FnOnce() -> Vec<i8>) {
        if self.done() {
            return;
        }
        if e < self.best_e {
            self.best_e = e;
            self.spins = spins();
        }
        self.spent += 1;
        while self.best.len() < self.budgets.len() && self.spent >= self.budgets[self.best.len()] {
            self.best.push(self.best_e);
        }
    }
    fn finish(self) -> Anytime {
        debug_assert_eq!(self.best.len(), self.budgets.len());
        Anytime {
            best: self.best,
            spins: self.spins,
            evaluations: self.spent,
        }
    }
}

/// Independent uniformly random configurations.
pub fn random_search(d: &Dynamics, budgets: &[u64], rng: &mut SimRng) -> Result<Anytime, PhysicsError> {
    check_budgets(budgets)?;
    let g = d.glass();
    let mut t = Tracker::new(budgets);
    while !t.done() {
        let s = random_spins(g.sites(), rng);
        t.see(g.energy(&s), || s.clone());
    }
    Ok(t.finish())
}

/// Zero-temperature descent from random starts, restarted at each local minimum.
pub fn greedy(d: &Dynamics, budgets: &[u64], rng: &mut SimRng) -> Result<Anytime, PhysicsError> {
    check_budgets(budgets)?;
    let g = d.glass();
    let mut t = Tracker::new(budgets);
    while !t.done() {
        let mut s = random_spins(g.sites(), rng);
        let mut e = g.energy(&s);
        loop {
            let de = g.descend(&mut s);
            e += de;
            t.see(e, || s.clone());
            if de == 0.0 || t.done() {
                break;
            }
        }
    }
    Ok(t.finish())
}

/// Simulated annealing, one run per budget point with a geometric schedule exactly that long
/// (truncating a longer schedule would stop it hot); each point reports the best of its run.
pub fn anneal(d: &Dynamics, budgets: &[u64], cfg: &AnnealSettings, rng: &mut SimRng) -> Result<Anytime, PhysicsError> {
    check_budgets(budgets)?;
    if !(cfg.t_hot.is_finite() && cfg.t_cold > 0.0 && cfg.t_hot > cfg.t_cold) {
        return Err(PhysicsError::InvalidParameter(format!(
            "annealing needs t_hot > t_cold > 0, got {} and {}",
            cfg.t_hot, cfg.t_cold
        )));
    }
    let mut best = Vec::with_capacity(budgets.len());
    let mut overall = (f64::INFINITY, Vec::new());
    for &b in budgets {
        // A schedule needs two steps; a one-sweep budget is one sweep at the cold end.
        let betas = if b == 1 {
            vec![1.0 / cfg.t_cold]
        } else {
            Schedule::new(
                ScheduleKind::Geometric,
                ScheduleVariable::Temperature,
                cfg.t_hot,
                cfg.t_cold,
                b as usize,
                1,
            )?
            .betas()
        };
        let mut chain = d.chain(rng);
        let mut run_best = f64::INFINITY;
        for beta in betas {
            crate::cancel::check();
            chain.sweep(beta);
            let e = chain.energy();
            if e < run_best {
                run_best = e;
                if e < overall.0 {
                    overall = (e, chain.spins());
                }
            }
        }
        best.push(run_best);
    }
    Ok(Anytime {
        best,
        spins: overall.1,
        evaluations: budgets.iter().sum(),
    })
}

/// The geometric inverse-temperature ladder of a tempering run, increasing.
pub fn ladder(cfg: &TemperingSettings) -> Result<Vec<f64>, PhysicsError> {
    if cfg.replicas < 2 || !(cfg.t_min > 0.0 && cfg.t_max > cfg.t_min && cfg.t_max.is_finite()) {
        return Err(PhysicsError::InvalidParameter(format!(
            "parallel tempering needs at least 2 replicas and 0 < t_min < t_max, got {} replicas, {}..{}",
            cfg.replicas, cfg.t_min, cfg.t_max
        )));
    }
    let k = cfg.replicas;
    Ok((0..k)
        .map(|r| {
            let f = r as f64 / (k - 1) as f64;
            1.0 / (cfg.t_max * (cfg.t_min / cfg.t_max).powf(f))
        })
        .collect())
}

/// Parallel tempering: every replica sweeps (one evaluation each), then neighbours propose swaps.
pub fn tempering(
    d: &Dynamics,
    budgets: &[u64],
    cfg: &TemperingSettings,
    rng: &mut SimRng,
) -> Result<Anytime, PhysicsError> {
    check_budgets(budgets)?;
    let betas = ladder(cfg)?;
    let k = betas.len();
    let mut reps: Vec<_> = (0..k).map(|_| d.chain(rng)).collect();
    let mut t = Tracker::new(budgets);
    let mut parity = 0;
    while !t.done() {
        crate::cancel::check();
        for (r, chain) in reps.iter_mut().enumerate() {
            chain.sweep(betas[r]);
            t.see(chain.energy(), || chain.spins());
        }
        let mut a = parity;
        while a + 1 < k {
            let x = (betas[a + 1] - betas[a]) * (reps[a + 1].energy() - reps[a].energy());
            if x >= 0.0 || rng.random::<f64>() < x.exp() {
                reps.swap(a, a + 1);
            }
            a += 2;
        }
        parity ^= 1;
    }
    Ok(t.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::glass::chain::Kernel;
    use crate::glass::instance::{random, BondKind};
    use crate::glass::planar;
    use crate::rng::{stream, tag};
    use crate::Boundary;

    #[test]
    fn every_baseline_is_monotone_and_never_beats_the_exact_ground_state() {
        let m = random(10, 10, Boundary::Open, BondKind::Pm, 2).unwrap();
        let e0 = planar::ground_state(&m).unwrap().energy;
        for kernel in [Kernel::Scalar, Kernel::Checkerboard, Kernel::MultiSpin] {
            let g = Dynamics::with_kernel(&m, kernel).unwrap();
            let budgets = [10, 100, 1000];
            let mut rng = stream(3, tag("baseline-test"), 0);
            let runs = [
                random_search(&g, &budgets, &mut rng).unwrap(),
                greedy(&g, &budgets, &mut rng).unwrap(),
                anneal(&g, &budgets, &AnnealSettings::default(), &mut rng).unwrap(),
                tempering(&g, &budgets, &TemperingSettings::default(), &mut rng).unwrap(),
            ];
            for r in &runs {
                assert_eq!(r.best.len(), 3);
                assert!(r.best.iter().all(|&e| e >= e0 - 1e-9), "{:?} below {e0}", r.best);
                assert!((m.energy(&r.spins) - r.best.iter().cloned().fold(f64::INFINITY, f64::min)).abs() < 1e-9);
            }
            // Random search and greedy are anytime: never worse with more budget.
            for r in &runs[..2] {
                assert!(r.best.windows(2).all(|w| w[1] <= w[0]));
            }
            // Greedy beats random search, and annealing with 1000 sweeps gets within 2% of E_GS on
            // 10×10 on average over 16 runs (one run's spread is about 2%; a broken sampler sits
            // far higher).
            assert!(runs[1].best[2] < runs[0].best[2]);
            let mean = (0..16)
                .map(|_| anneal(&g, &[1000], &AnnealSettings::default(), &mut rng).unwrap().best[0])
                .sum::<f64>()
                / 16.0;
            assert!(mean < 0.98 * e0, "{kernel:?}: {mean} vs {e0}");
            assert!(random_search(&g, &[5, 5], &mut rng).is_err());
        }
    }
}
