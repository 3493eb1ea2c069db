//! Many descents raced by successive halving: screen draws from N(0, I), start Adam from the best
//! `starts` of them, and after each round keep the better half by the lowest value each descent
//! has seen, until one remains; the budget is split evenly between the rounds.
//!
//! Made for landscapes of many basins, such as ε of decoded chiral textures (every labyrinth is
//! a local minimum): explorers that concentrate early settle in the first deep basin they meet,
//! and one descent from the best draw sees one basin. Racing keeps many alive until their depths
//! show (Jamieson & Talwalkar, "Non-stochastic best arm identification and hyperparameter
//! optimization", 2016, for the halving schedule).

use crate::screen::{draw, Generator, Screen};
use crate::{Adam, AdamConfig, BestSoFar, Evaluation, OptError, Optimiser};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MultistartConfig {
    /// Draws screened before any descent (values only); 0 starts from fresh draws.
    pub screen: usize,
    /// Descents in the first round; halved every round down to one.
    pub starts: usize,
    pub learning_rate: f64,
}

impl Default for MultistartConfig {
    fn default() -> Self {
        Self {
            screen: 2000,
            starts: 64,
            learning_rate: 0.01,
        }
    }
}

impl MultistartConfig {
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }

    /// The settings that do not depend on the budget.
    pub fn check(&self) -> Result<(), OptError> {
        crate::first_problem(vec![
            (self.starts == 0, "starts must be at least 1, got 0".into()),
            (
                !(self.learning_rate > 0.0 && self.learning_rate.is_finite()),
                format!("learning_rate must be > 0, got {}", self.learning_rate),
            ),
        ])
    }

    /// Every setting, for a race inside `budget` evaluations: the screen must leave each start
    /// at least one step a round.
    pub fn check_within(&self, budget: usize) -> Result<(), OptError> {
        self.check()?;
        let descent = budget.saturating_sub(self.screen);
        crate::first_problem(vec![(
            descent < self.starts * self.rounds(),
            format!(
                "screen ({}) leaves {descent} of the budget ({budget}) for the descents, fewer than one step per start and round ({} starts, {} rounds)",
                self.screen,
                self.starts,
                self.rounds()
            ),
        )])
    }

    /// Rounds of the race: the first with `starts` descents, the last with one.
    pub fn rounds(&self) -> usize {
        (usize::BITS - self.starts.saturating_sub(1).leading_zeros()) as usize + 1
    }
}

enum Phase {
    Screen(Screen),
    Descend { adam: Adam, steps_left: usize },
}

pub struct Multistart {
    cfg: MultistartConfig,
    dim: usize,
    /// Evaluations for the descents, split evenly between the rounds.
    per_round: usize,
    phase: Phase,
    rng: Generator,
    best: BestSoFar,
    /// Descents still racing.
    pub alive: usize,
}

impl Multistart {
    /// A race inside `budget` evaluations in `dim` dimensions.
    pub fn new(cfg: &MultistartConfig, dim: usize, budget: usize, seed: u64) -> Result<Self, OptError> {
        cfg.check()?;
        crate::first_problem(vec![(
            dim == 0,
            "multistart needs a latent dimension of at least 1".into(),
        )])?;
        cfg.check_within(budget)?;
        let descent = budget.saturating_sub(cfg.screen);
        Ok(Self {
            cfg: cfg.clone(),
            dim,
            per_round: descent / cfg.rounds(),
            phase: Phase::Screen(Screen::new(cfg.screen)),
            rng: crate::rng(seed),
            best: BestSoFar::default(),
            alive: cfg.starts,
        })
    }

    fn steps(&self) -> usize {
        (self.per_round / self.alive).max(1)
    }

    fn start_descents(&mut self) {
        let Phase::Screen(screen) = &mut self.phase else {
            return;
        };
        let drawn = screen.sorted();
        let mut starts: Vec<Vec<f64>> = drawn.into_iter().take(self.cfg.starts).map(|(_, p)| p).collect();
        while starts.len() < self.cfg.starts {
            starts.push(draw(self.dim, &mut self.rng));
        }
        let adam = AdamConfig {
            learning_rate: self.cfg.learning_rate,
            ..Default::default()
        };
        self.phase = Phase::Descend {
            adam: Adam::new(&adam, starts).expect("checked in new"),
            steps_left: self.steps(),
        };
    }
}

impl Optimiser for Multistart {
    fn name(&self) -> &'static str {
        "multistart"
    }
    fn needs_gradient(&self) -> bool {
        matches!(self.phase, Phase::Descend { .. })
    }
    fn ask(&mut self) -> Vec<Vec<f64>> {
        if let Phase::Screen(screen) = &mut self.phase {
            if let Some(draws) = screen.ask(self.dim, &mut self.rng) {
                return draws;
            }
            self.start_descents();
        }
        let round_over = matches!(self.phase, Phase::Descend { steps_left: 0, .. });
        if round_over && self.alive > 1 {
            self.alive = self.alive.div_ceil(2);
            let steps = self.steps();
            if let Phase::Descend { adam, steps_left } = &mut self.phase {
                let mut order: Vec<usize> = (0..adam.points().len()).collect();
                let depth = |k: usize| adam.best_per_start[k].get().map_or(f64::INFINITY, |b| b.1);
                order.sort_by(|&a, &b| depth(a).total_cmp(&depth(b)));
                order.truncate(self.alive);
                adam.keep(&order);
                *steps_left = steps;
            }
        }
        match &mut self.phase {
            Phase::Descend { adam, .. } => adam.ask(),
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
            Phase::Descend { adam, steps_left } => {
                *steps_left = steps_left.saturating_sub(1);
                adam.tell(evaluations)
            }
        }
    }
    fn best(&self) -> Option<(&[f64], f64)> {
        self.best.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::run;
    use crate::testfn::Basins;
    use crate::Objective;

    #[test]
    fn the_schedule_halves_down_to_one_descent() {
        let rounds = |starts| {
            MultistartConfig {
                starts,
                ..Default::default()
            }
            .rounds()
        };
        assert_eq!(
            (rounds(1), rounds(2), rounds(3), rounds(64), rounds(65)),
            (1, 2, 3, 7, 8)
        );
        let cfg = MultistartConfig {
            screen: 50,
            starts: 8,
            learning_rate: 0.05,
        };
        let mut f = Basins { deep: vec![2.0, 0.0] };
        let mut m = Multistart::new(&cfg, 2, 50 + 4 * 80, 1).unwrap();
        let mut widths = vec![];
        let mut spent = 0;
        loop {
            let pts = m.ask();
            if pts.is_empty() || spent + pts.len() > 50 + 4 * 80 {
                break;
            }
            if m.needs_gradient() {
                widths.push(pts.len());
            } else {
                assert!(spent < 50, "only the screen evaluates without gradients");
            }
            spent += pts.len();
            let vg = f.values_and_grads(&pts).unwrap().unwrap();
            let ev: Vec<Evaluation> = pts
                .into_iter()
                .zip(vg)
                .map(|(point, (value, grad))| Evaluation {
                    point,
                    value,
                    grad: m.needs_gradient().then_some(grad),
                })
                .collect();
            m.tell(&ev).unwrap();
        }
        // 80 evaluations a round: 8 descents of 10 steps, 4 of 20, 2 of 40, then one to the end.
        let count = |w| widths.iter().filter(|&&x| x == w).count();
        assert_eq!((count(8), count(4), count(2), count(1)), (10, 20, 40, 80));
        assert_eq!(spent, 50 + 4 * 80);
    }

    #[test]
    fn each_round_keeps_the_deeper_half() {
        // f = x₀: every descent takes the same steps, so their order by x₀ never changes and the
        // survivors of a round must be the lowest half of the round before.
        let cfg = MultistartConfig {
            screen: 0,
            starts: 8,
            learning_rate: 0.01,
        };
        let mut m = Multistart::new(&cfg, 2, 4 * 16, 3).unwrap();
        let mut rounds: Vec<Vec<f64>> = vec![];
        for _ in 0..(2 + 4 + 8) {
            let pts = m.ask();
            if rounds.last().is_none_or(|r| r.len() != pts.len()) {
                let mut x: Vec<f64> = pts.iter().map(|p| p[0]).collect();
                x.sort_by(f64::total_cmp);
                rounds.push(x);
            }
            let ev: Vec<Evaluation> = pts
                .into_iter()
                .map(|point| Evaluation {
                    value: point[0],
                    grad: Some(vec![1.0, 0.0]),
                    point,
                })
                .collect();
            m.tell(&ev).unwrap();
        }
        assert_eq!(rounds.iter().map(Vec::len).collect::<Vec<_>>(), vec![8, 4, 2]);
        for w in rounds.windows(2) {
            // Each survivor moved the same distance since; the kept ones are the first half.
            let shift = w[1][0] - w[0][0];
            for (kept, before) in w[1].iter().zip(&w[0]) {
                assert!((kept - before - shift).abs() < 1e-12, "{w:?}");
            }
            assert!(shift < 0.0);
        }
    }

    #[test]
    fn racing_finds_the_deep_basin_that_one_descent_misses() {
        let deep = vec![2.0, 0.0];
        let budget = 20_000;
        let adam = AdamConfig {
            learning_rate: 0.05,
            ..Default::default()
        };
        let one_descent = {
            let mut f = Basins { deep: deep.clone() };
            let mut a = Adam::new(&adam, vec![vec![0.3, 0.3]]).unwrap();
            run(&mut a, &mut f, budget).unwrap().best_value
        };
        let cfg = MultistartConfig {
            screen: 0,
            starts: 64,
            learning_rate: 0.05,
        };
        let raced: Vec<f64> = (0..4)
            .map(|seed| {
                let mut f = Basins { deep: deep.clone() };
                let mut m = Multistart::new(&cfg, 2, budget, seed).unwrap();
                run(&mut m, &mut f, budget).unwrap().best_value
            })
            .collect();
        // The shallow basins bottom out at −2 (the origin's); the deep one at −2 + 0.2 − 3.
        assert!(
            one_descent > -2.1,
            "a single descent stays in a shallow basin: {one_descent}"
        );
        for v in &raced {
            assert!(*v < -4.7, "the race should end in the deep basin: {raced:?}");
        }
    }

    #[test]
    fn a_screen_that_leaves_no_descent_is_refused() {
        let cfg = MultistartConfig {
            screen: 1000,
            starts: 64,
            learning_rate: 0.01,
        };
        let e = Multistart::new(&cfg, 4, 1200, 0).err().unwrap().to_string();
        assert!(e.contains("screen (1000) leaves 200 of the budget (1200)"), "{e}");
        assert!(Multistart::new(&cfg, 4, 1000 + 64 * 7, 0).is_ok());
    }
}
