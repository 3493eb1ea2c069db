//! Replica exchange (parallel tempering) in latent space: `replicas` Markov chains on
//! `exp(−f(z)/T − |z|²/2)`, the objective tempered at a geometric ladder of temperatures under
//! the prior, with Metropolis-adjusted Langevin moves (MALA) or, for an objective without
//! gradients, Gaussian random-walk moves, and exchanges between neighbouring temperatures.
//!
//! The physicist's answer to a landscape of many metastable basins, as spin-space tempering is
//! to a glass: the hot chains roam the prior and hand what they find down the ladder, where the
//! cold chains descend it, so a basin entered early is left again when a deeper one turns up.
//! The explorers that concentrate (a genetic population, CMA-ES, one descent) cannot do that.
//!
//! The objective's scale is unknown, so the ladder is set from it: a screen of prior draws
//! (values only) gives the spread of `f` over the prior, which becomes the hottest temperature
//! (there `f`'s variation weighs about as much as the prior's), and the coldest is `t_ratio`
//! of it. The chains start from the best screened draws, the best at the coldest temperature.
//! Each temperature adapts its step towards the acceptance rate `acceptance` (Roberts &
//! Rosenthal's optima: 0.574 for MALA, 0.234 for the random walk); exchanges alternate between
//! even and odd neighbour pairs (Okabe et al. 2001; Syed et al., "Non-reversible parallel
//! tempering", 2022).

use crate::screen::{draw, Generator, Screen};
use crate::{BestSoFar, Evaluation, OptError, Optimiser};
use rand::Rng;
use serde::{Deserialize, Serialize};

/// How a chain moves at its temperature.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Moves {
    /// Metropolis-adjusted Langevin: a drift down the gradient plus noise.
    #[default]
    Langevin,
    /// Gaussian random walk: values only, for an objective without gradients (a decoded
    /// configuration's true energy); it mixes more slowly in many dimensions.
    Walk,
}

impl Moves {
    /// The acceptance rate that makes each kind of move most efficient in high dimension.
    pub fn optimal_acceptance(self) -> f64 {
        match self {
            Moves::Langevin => 0.574,
            Moves::Walk => 0.234,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReplicaConfig {
    /// Chains, one per temperature.
    pub replicas: usize,
    /// Prior draws whose spread of values sets the hottest temperature (values only).
    pub screen: usize,
    /// The coldest temperature as a fraction of the hottest.
    pub t_ratio: f64,
    pub moves: Moves,
    /// The first step (proposal variance) at the hottest temperature, in the prior's units;
    /// colder chains start at `step × T / T_hot`.
    pub step: f64,
    /// The acceptance rate each temperature's step is adapted towards; unset, the optimum of
    /// `moves`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acceptance: Option<f64>,
}

impl Default for ReplicaConfig {
    fn default() -> Self {
        Self {
            replicas: 8,
            screen: 200,
            t_ratio: 0.05,
            moves: Moves::Langevin,
            step: 0.2,
            acceptance: None,
        }
    }
}

impl ReplicaConfig {
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }

    /// The acceptance rate the steps follow.
    pub fn target(&self) -> f64 {
        self.acceptance.unwrap_or(self.moves.optimal_acceptance())
    }

    pub fn check(&self) -> Result<(), OptError> {
        crate::first_problem(vec![
            (self.replicas == 0, "replicas must be at least 1, got 0".into()),
            (
                self.screen < self.replicas.max(2),
                format!(
                    "screen must be at least replicas and 2 (one start per chain and a spread), got {}",
                    self.screen
                ),
            ),
            (
                !(self.t_ratio > 0.0 && self.t_ratio <= 1.0),
                format!("t_ratio must be in (0, 1], got {}", self.t_ratio),
            ),
            (
                !(self.step > 0.0 && self.step.is_finite()),
                format!("step must be > 0, got {}", self.step),
            ),
            (
                !(self.target() > 0.0 && self.target() < 1.0),
                format!("acceptance must be in (0, 1), got {}", self.target()),
            ),
        ])
    }
}

/// How fast a step follows its acceptance (per move, on log h).
const ADAPT: f64 = 0.05;

/// One chain: where it is, its value and gradient there (empty for random-walk moves).
#[derive(Clone, Debug)]
struct Chain {
    z: Vec<f64>,
    f: f64,
    g: Vec<f64>,
}

enum Phase {
    Screen(Screen),
    /// The starts, asked again for their gradients (Langevin moves only).
    Start {
        starts: Vec<Vec<f64>>,
    },
    Run {
        chains: Vec<Chain>,
    },
}

pub struct Replica {
    cfg: ReplicaConfig,
    dim: usize,
    phase: Phase,
    /// Temperatures, coldest first; set after the screen.
    temperatures: Vec<f64>,
    /// Each temperature's Langevin step h.
    steps: Vec<f64>,
    moves: usize,
    accepted: Vec<usize>,
    swaps_tried: Vec<usize>,
    swaps_made: Vec<usize>,
    rng: Generator,
    best: BestSoFar,
}

impl Replica {
    pub fn new(cfg: &ReplicaConfig, dim: usize, seed: u64) -> Result<Self, OptError> {
        cfg.check()?;
        crate::first_problem(vec![(
            dim == 0,
            "replica needs a latent dimension of at least 1".into(),
        )])?;
        let r = cfg.replicas;
        Ok(Self {
            cfg: cfg.clone(),
            dim,
            phase: Phase::Screen(Screen::new(cfg.screen)),
            temperatures: Vec::new(),
            steps: Vec::new(),
            moves: 0,
            accepted: vec![0; r],
            swaps_tried: vec![0; r.saturating_sub(1)],
            swaps_made: vec![0; r.saturating_sub(1)],
            rng: crate::rng(seed),
            best: BestSoFar::default(),
        })
    }

    /// The ladder, coldest first (empty before the screen ends).
    pub fn temperatures(&self) -> &[f64] {
        &self.temperatures
    }

    /// Where each chain is, coldest first (empty before the chains start).
    pub fn states(&self) -> Vec<&[f64]> {
        match &self.phase {
            Phase::Run { chains } => chains.iter().map(|c| c.z.as_slice()).collect(),
            _ => vec![],
        }
    }

    /// Accepted moves per temperature, as a fraction of the moves made.
    pub fn acceptance(&self) -> Vec<f64> {
        self.accepted
            .iter()
            .map(|&a| a as f64 / self.moves.max(1) as f64)
            .collect()
    }

    /// Exchanges made between temperature k and k + 1, as a fraction of those tried.
    pub fn swap_rates(&self) -> Vec<f64> {
        self.swaps_made
            .iter()
            .zip(&self.swaps_tried)
            .map(|(&m, &t)| m as f64 / t.max(1) as f64)
            .collect()
    }

    /// The ladder from the spread of screened values, and the chains, started from the best
    /// `replicas` points (`drawn` is lowest value first).
    fn begin(&mut self, drawn: Vec<(f64, Vec<f64>)>) {
        let values: Vec<f64> = drawn.iter().map(|d| d.0).filter(|v| v.is_finite()).collect();
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n.max(1.0);
        let spread = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0)).sqrt();
        // A flat screen says nothing about the scale; one unit is as good a guess as any.
        let hot = if spread > 0.0 && spread.is_finite() {
            spread
        } else {
            1.0
        };
        let r = self.cfg.replicas;
        self.temperatures = (0..r)
            .map(|k| {
                let up = if r == 1 { 0.0 } else { k as f64 / (r - 1) as f64 };
                hot * self.cfg.t_ratio.powf(1.0 - up)
            })
            .collect();
        self.steps = self.temperatures.iter().map(|t| self.cfg.step * t / hot).collect();
        let best = drawn.into_iter().take(r);
        self.phase = match self.cfg.moves {
            Moves::Langevin => Phase::Start {
                starts: best.map(|d| d.1).collect(),
            },
            // The screen's values are all a random walk needs: no second look at the starts.
            Moves::Walk => Phase::Run {
                chains: best.map(|(f, z)| Chain { z, f, g: Vec::new() }).collect(),
            },
        };
    }

    /// Points whose values are already known (a retraining loop's best training codes) in place
    /// of the screen of prior draws: the spread of their values sets the ladder, and the best of
    /// them start the chains. They are not offered as the explorer's best: it has not
    /// evaluated them.
    pub fn warm_start(&mut self, points: Vec<Vec<f64>>, values: &[f64]) -> Result<(), OptError> {
        let need = self.cfg.replicas.max(2);
        if points.len() != values.len() || points.len() < need || points.iter().any(|p| p.len() != self.dim) {
            return Err(OptError::Config(format!(
                "a warm start needs at least {need} points of dimension {} with one value each, got {} and {} values",
                self.dim,
                points.len(),
                values.len()
            )));
        }
        if values.iter().any(|v| !v.is_finite()) {
            return Err(OptError::Objective("warm start values must be finite".into()));
        }
        if !matches!(&self.phase, Phase::Screen(s) if s.untouched()) {
            return Err(OptError::Config("a warm start must come before the first ask".into()));
        }
        let mut drawn: Vec<(f64, Vec<f64>)> = values.iter().copied().zip(points).collect();
        drawn.sort_by(|a, b| a.0.total_cmp(&b.0));
        self.begin(drawn);
        Ok(())
    }

    /// `∇U = ∇f / T + z` of the tempered target `U = f / T + |z|² / 2`.
    fn drift(z: &[f64], g: &[f64], t: f64) -> Vec<f64> {
        z.iter().zip(g).map(|(z, g)| g / t + z).collect()
    }

    /// `log q(to | from)` of the MALA proposal, up to a constant.
    fn log_q(to: &[f64], from: &[f64], drift_from: &[f64], h: f64) -> f64 {
        -to.iter()
            .zip(from)
            .zip(drift_from)
            .map(|((y, x), d)| (y - x + 0.5 * h * d).powi(2))
            .sum::<f64>()
            / (2.0 * h)
    }

    fn propose(&mut self) -> Vec<Vec<f64>> {
        let Phase::Run { chains } = &self.phase else {
            return vec![];
        };
        // Where each proposal is centred: a half step down the drift, or the chain itself.
        let centres: Vec<(Vec<f64>, f64)> = chains
            .iter()
            .zip(&self.temperatures)
            .zip(&self.steps)
            .map(|((c, &t), &h)| match self.cfg.moves {
                Moves::Langevin => {
                    let d = Self::drift(&c.z, &c.g, t);
                    (c.z.iter().zip(&d).map(|(z, d)| z - 0.5 * h * d).collect(), h)
                }
                Moves::Walk => (c.z.clone(), h),
            })
            .collect();
        centres
            .into_iter()
            .map(|(c, h)| {
                let noise = draw(self.dim, &mut self.rng);
                c.iter().zip(noise).map(|(c, n)| c + h.sqrt() * n).collect()
            })
            .collect()
    }

    /// Metropolis–Hastings on every chain, then exchanges between one parity of neighbours.
    fn step(&mut self, evaluations: &[Evaluation]) -> Result<(), OptError> {
        let Phase::Run { chains } = &mut self.phase else {
            return Ok(());
        };
        let target = self.cfg.target();
        for (k, e) in evaluations.iter().enumerate().take(chains.len()) {
            // Borrowed: only an accepted move keeps its gradient.
            let g: &[f64] = match self.cfg.moves {
                Moves::Langevin => e
                    .grad
                    .as_deref()
                    .ok_or(OptError::NeedsGradient { optimiser: "replica" })?,
                Moves::Walk => &[],
            };
            let (t, h) = (self.temperatures[k], self.steps[k]);
            let c = &chains[k];
            let prior = |z: &[f64]| 0.5 * z.iter().map(|v| v * v).sum::<f64>();
            let log_alpha = if e.value.is_finite() {
                // The random walk's proposal is symmetric: its terms cancel.
                let proposal = match self.cfg.moves {
                    Moves::Langevin => {
                        let there = Self::drift(&e.point, g, t);
                        let here = Self::drift(&c.z, &c.g, t);
                        Self::log_q(&c.z, &e.point, &there, h) - Self::log_q(&e.point, &c.z, &here, h)
                    }
                    Moves::Walk => 0.0,
                };
                (c.f - e.value) / t + prior(&c.z) - prior(&e.point) + proposal
            } else {
                f64::NEG_INFINITY
            };
            let accept = log_alpha >= 0.0 || self.rng.random::<f64>() < log_alpha.exp();
            if accept {
                chains[k] = Chain {
                    z: e.point.clone(),
                    f: e.value,
                    g: g.to_vec(),
                };
                self.accepted[k] += 1;
            }
            let a = if accept { 1.0 } else { 0.0 };
            self.steps[k] = (h * (ADAPT * (a - target)).exp()).clamp(1e-12, 1e3);
        }
        for k in (self.moves % 2..chains.len().saturating_sub(1)).step_by(2) {
            let (tk, tn) = (self.temperatures[k], self.temperatures[k + 1]);
            let log_alpha = (1.0 / tk - 1.0 / tn) * (chains[k].f - chains[k + 1].f);
            self.swaps_tried[k] += 1;
            if log_alpha >= 0.0 || self.rng.random::<f64>() < log_alpha.exp() {
                chains.swap(k, k + 1);
                self.swaps_made[k] += 1;
            }
        }
        self.moves += 1;
        Ok(())
    }
}

impl Optimiser for Replica {
    fn name(&self) -> &'static str {
        "replica"
    }
    fn needs_gradient(&self) -> bool {
        self.cfg.moves == Moves::Langevin && !matches!(self.phase, Phase::Screen(_))
    }
    fn ask(&mut self) -> Vec<Vec<f64>> {
        if let Phase::Screen(screen) = &mut self.phase {
            if let Some(draws) = screen.ask(self.dim, &mut self.rng) {
                return draws;
            }
            let drawn = screen.sorted();
            self.begin(drawn);
        }
        match &self.phase {
            Phase::Start { starts } => starts.clone(),
            Phase::Run { .. } => self.propose(),
            Phase::Screen(_) => unreachable!("the screen ended above"),
        }
    }
    fn tell(&mut self, evaluations: &[Evaluation]) -> Result<(), OptError> {
        for e in evaluations {
            self.best.offer(&e.point, e.value);
        }
        match &mut self.phase {
            Phase::Screen(screen) => {
                screen.tell(evaluations);
                Ok(())
            }
            Phase::Start { .. } => {
                let chains = evaluations
                    .iter()
                    .map(|e| {
                        let g = e.grad.clone().ok_or(OptError::NeedsGradient { optimiser: "replica" })?;
                        Ok(Chain {
                            z: e.point.clone(),
                            f: e.value,
                            g,
                        })
                    })
                    .collect::<Result<Vec<_>, OptError>>()?;
                self.phase = Phase::Run { chains };
                Ok(())
            }
            Phase::Run { .. } => self.step(evaluations),
        }
    }
    fn best(&self) -> Option<(&[f64], f64)> {
        self.best.get()
    }
    /// Whether the ladder worked: an exchange rate near 0 splits it in two, an acceptance far
    /// from the target means the step never settled.
    fn diagnostics(&self) -> Vec<(&'static str, Vec<f64>)> {
        vec![
            ("temperatures", self.temperatures.clone()),
            ("acceptance", self.acceptance()),
            ("swap_rates", self.swap_rates()),
            ("steps", self.steps.clone()),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::run;
    use crate::testfn::Basins;
    use crate::{Adam, AdamConfig, Objective};

    /// `f(z) = z₀`: the tempered target `exp(−z₀/T − |z|²/2)` is N((−1/T, 0, …), I).
    struct Slope;
    impl Objective for Slope {
        fn dim(&self) -> usize {
            2
        }
        fn values(&mut self, points: &[Vec<f64>]) -> Result<Vec<f64>, OptError> {
            Ok(points.iter().map(|p| p[0]).collect())
        }
        fn values_and_grads(&mut self, points: &[Vec<f64>]) -> crate::Gradients {
            Some(Ok(points.iter().map(|p| (p[0], vec![1.0, 0.0])).collect()))
        }
    }

    /// Runs `moves` steps after the start and returns each chain's z₀ after every move.
    fn sample(cfg: &ReplicaConfig, moves: usize, seed: u64) -> (Replica, Vec<Vec<f64>>) {
        let mut r = Replica::new(cfg, 2, seed).unwrap();
        let mut f = Slope;
        let mut samples = vec![vec![]; cfg.replicas];
        let mut made = 0;
        while made < moves {
            let pts = r.ask();
            let running = !r.states().is_empty();
            let vg = f.values_and_grads(&pts).unwrap().unwrap();
            let ev: Vec<Evaluation> = pts
                .into_iter()
                .zip(vg)
                .map(|(point, (value, grad))| Evaluation {
                    point,
                    value,
                    grad: r.needs_gradient().then_some(grad),
                })
                .collect();
            r.tell(&ev).unwrap();
            if running {
                made += 1;
                for (k, z) in r.states().iter().enumerate() {
                    samples[k].push(z[0]);
                }
            }
        }
        (r, samples)
    }

    /// Mean and its standard error by batch means (the chain's samples are correlated).
    fn mean_and_error(x: &[f64]) -> (f64, f64) {
        let batches = 50;
        let len = x.len() / batches;
        let means: Vec<f64> = x
            .chunks(len)
            .take(batches)
            .map(|c| c.iter().sum::<f64>() / len as f64)
            .collect();
        let m = means.iter().sum::<f64>() / batches as f64;
        let var = means.iter().map(|b| (b - m).powi(2)).sum::<f64>() / (batches - 1) as f64;
        (m, (var / batches as f64).sqrt())
    }

    #[test]
    fn each_temperature_samples_its_tempered_target() {
        // Two chains whose ladder spans 4×; each must hold its own N(−1/T, 1) in z₀, exchanges
        // included, or a wrong acceptance ratio (a missing proposal term, the prior left out of
        // a swap) shifts it. Both kinds of move.
        for moves in [Moves::Langevin, Moves::Walk] {
            let cfg = ReplicaConfig {
                replicas: 2,
                screen: 400,
                t_ratio: 0.5,
                moves,
                ..Default::default()
            };
            let (r, samples) = sample(&cfg, 40_000, 5);
            let t = r.temperatures().to_vec();
            assert!((t[1] / t[0] - 2.0).abs() < 1e-12, "{t:?}");
            // The screen's spread of z₀ over N(0, I): about 1.
            assert!((t[1] - 1.0).abs() < 0.15, "{t:?}");
            for (k, x) in samples.iter().enumerate() {
                let x = &x[2000..];
                let (m, se) = mean_and_error(x);
                let want = -1.0 / t[k];
                assert!(se < 0.05, "{moves:?} chain {k}: too few samples to tell (se {se})");
                assert!(
                    (m - want).abs() < 4.0 * se,
                    "{moves:?} chain {k}: mean {m} ± {se}, want {want}"
                );
                let var = x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / x.len() as f64;
                assert!((var - 1.0).abs() < 0.1, "{moves:?} chain {k}: variance {var}, want 1");
            }
            let swaps = r.swap_rates()[0];
            assert!(swaps > 0.05, "{moves:?}: neighbours must exchange: {swaps}");
            for a in r.acceptance() {
                assert!(
                    (a - moves.optimal_acceptance()).abs() < 0.05,
                    "{moves:?}: acceptance {a}"
                );
            }
        }
    }

    /// An objective that has values only, as a decoded configuration's true energy does.
    struct ValuesOnly(Basins);
    impl Objective for ValuesOnly {
        fn dim(&self) -> usize {
            self.0.dim()
        }
        fn values(&mut self, points: &[Vec<f64>]) -> Result<Vec<f64>, OptError> {
            self.0.values(points)
        }
    }

    #[test]
    fn tempering_finds_the_deep_basin_that_one_descent_misses() {
        let adam = AdamConfig {
            learning_rate: 0.05,
            ..Default::default()
        };
        let one_descent = {
            let mut f = Basins { deep: vec![2.0, 0.0] };
            let mut a = Adam::new(&adam, vec![vec![0.3, 0.3]]).unwrap();
            run(&mut a, &mut f, 20_000).unwrap().best_value
        };
        assert!(
            one_descent > -2.1,
            "a single descent stays in a shallow basin: {one_descent}"
        );
        // A screen of one draw per chain, too few to land in the deep well's cell: the hot
        // chains have to find it and hand it down.
        ladder_finds_the_deep_well(&ReplicaConfig {
            screen: 8,
            ..Default::default()
        });
    }

    #[test]
    fn random_walk_moves_find_the_deep_basin_from_values_alone() {
        // The same well, with no gradient to be had: an explorer that asked for one would fail
        // in the driver.
        ladder_finds_the_deep_well(&ReplicaConfig {
            screen: 8,
            moves: Moves::Walk,
            ..Default::default()
        });
    }

    /// On six seeds the ladder ends in `Basins`' deep well, its coldest chain in it too, where
    /// the coldest chain alone, from the same screen, finds it at most twice.
    fn ladder_finds_the_deep_well(ladder: &ReplicaConfig) {
        let deep = vec![2.0, 0.0];
        let budget = 20_000;
        // Random-walk moves get values only.
        let objective = || -> Box<dyn Objective> {
            let f = Basins { deep: deep.clone() };
            match ladder.moves {
                Moves::Langevin => Box::new(f),
                Moves::Walk => Box::new(ValuesOnly(f)),
            }
        };
        let mut cold_alone = 0;
        for seed in 0..6 {
            let mut r = Replica::new(ladder, 2, seed).unwrap();
            let v = run(&mut r, objective().as_mut(), budget).unwrap().best_value;
            // The shallow basins bottom out at −2 (the origin's); the deep one at −2 + 0.2 − 3.
            assert!(v < -4.7, "seed {seed}: tempering should end in the deep basin, got {v}");
            // And the coldest chain sits in it at the end, not just one lucky evaluation.
            let cold = r.states()[0].to_vec();
            let d2: f64 = cold.iter().zip(&deep).map(|(a, b)| (a - b) * (a - b)).sum();
            assert!(d2 < 0.05, "seed {seed}: the coldest chain ends at {cold:?}");
            let alone = ReplicaConfig {
                replicas: 1,
                ..ladder.clone()
            };
            let mut r = Replica::new(&alone, 2, seed).unwrap();
            if run(&mut r, objective().as_mut(), budget).unwrap().best_value < -4.7 {
                cold_alone += 1;
            }
        }
        assert!(
            cold_alone <= 2,
            "{:?}: the coldest chain alone found the deep well in {cold_alone} of 6",
            ladder.moves
        );
    }

    #[test]
    fn a_warm_start_replaces_the_screen() {
        let walk = ReplicaConfig {
            replicas: 2,
            moves: Moves::Walk,
            ..Default::default()
        };
        let mut f = Basins { deep: vec![2.0, 0.0] };
        let points = vec![vec![0.0, 0.0], vec![2.0, 0.0], vec![1.0, 1.0]];
        let values = f.values(&points).unwrap();
        let mut r = Replica::new(&walk, 2, 0).unwrap();
        r.warm_start(points.clone(), &values).unwrap();
        // The ladder is set and the best point (the deep well) holds the coldest chain, with
        // no prior draw evaluated: the first ask is already one move per chain.
        assert_eq!(r.states(), vec![&[2.0, 0.0][..], &[0.0, 0.0][..]]);
        let mean = values.iter().sum::<f64>() / 3.0;
        let spread = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 2.0).sqrt();
        assert!((r.temperatures()[1] - spread).abs() < 1e-12, "{:?}", r.temperatures());
        assert_eq!(r.ask().len(), 2);
        assert!(r.best().is_none(), "warm-start points are not the explorer's finds");
        // Refused: too few points, a NaN value, a start after the first ask.
        let mut fresh = Replica::new(&walk, 2, 0).unwrap();
        assert!(fresh.warm_start(points[..1].to_vec(), &values[..1]).is_err());
        assert!(fresh.warm_start(points.clone(), &[0.0, f64::NAN, 1.0]).is_err());
        let mut asked = Replica::new(&walk, 2, 0).unwrap();
        asked.ask();
        assert!(asked.warm_start(points, &values).is_err());
    }

    #[test]
    fn langevin_moves_without_a_gradient_are_an_error() {
        let mut f = ValuesOnly(Basins { deep: vec![2.0, 0.0] });
        let mut r = Replica::new(&ReplicaConfig::default(), 2, 0).unwrap();
        assert!(run(&mut r, &mut f, 1000).is_err());
    }

    #[test]
    fn bad_settings_are_refused() {
        for (cfg, what) in [
            (
                ReplicaConfig {
                    replicas: 0,
                    ..Default::default()
                },
                "replicas",
            ),
            (
                ReplicaConfig {
                    screen: 4,
                    ..Default::default()
                },
                "screen",
            ),
            (
                ReplicaConfig {
                    t_ratio: 0.0,
                    ..Default::default()
                },
                "t_ratio",
            ),
            (
                ReplicaConfig {
                    t_ratio: f64::NAN,
                    ..Default::default()
                },
                "t_ratio",
            ),
            (
                ReplicaConfig {
                    step: -1.0,
                    ..Default::default()
                },
                "step",
            ),
            (
                ReplicaConfig {
                    acceptance: Some(1.0),
                    ..Default::default()
                },
                "acceptance",
            ),
        ] {
            let e = Replica::new(&cfg, 3, 0).err().unwrap().to_string();
            assert!(e.contains(what), "{what}: {e}");
        }
        assert!(Replica::new(&ReplicaConfig::default(), 0, 0).is_err());
    }
}
