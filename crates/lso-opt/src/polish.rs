//! Explore, then descend: any explorer for the first part of a budget, then Adam on exact
//! gradients from the best point it found.
//!
//! The population and sampling explorers stop where their noise does, not at a minimum: Park et
//! al.'s stochastic algorithm reports its best *sample* of a Gaussian that is still wide, and the
//! genetic algorithm its best mutant. A short descent from there finishes the job inside the same
//! evaluation budget, so the explorers stay comparable with each other and with the controls.

use crate::{Adam, AdamConfig, BestSoFar, Evaluation, OptError, Optimiser};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PolishConfig {
    /// Evaluations of the budget kept for the descent; 0 turns it off.
    pub evaluations: usize,
    pub learning_rate: f64,
}

impl Default for PolishConfig {
    fn default() -> Self {
        Self {
            evaluations: 0,
            learning_rate: 0.01,
        }
    }
}

impl PolishConfig {
    pub fn is_off(&self) -> bool {
        self.evaluations == 0
    }
}

enum Phase {
    Explore(Box<dyn Optimiser>),
    Descend(Adam),
}

/// `explorer` for its first `explore` evaluations, then Adam from the best point so far.
pub struct Polished {
    phase: Phase,
    explore: usize,
    spent: usize,
    adam: AdamConfig,
    best: BestSoFar,
    /// The explorer's diagnostics, kept when the descent replaces it.
    explored: Vec<(&'static str, Vec<f64>)>,
}

impl Polished {
    pub fn new(explorer: Box<dyn Optimiser>, explore: usize, cfg: &PolishConfig) -> Result<Self, OptError> {
        let adam = AdamConfig {
            learning_rate: cfg.learning_rate,
            ..Default::default()
        };
        // Refuse a bad rate now, not when the descent starts.
        Adam::new(&adam, vec![vec![0.0]])?;
        Ok(Self {
            phase: Phase::Explore(explorer),
            explore,
            spent: 0,
            adam,
            best: BestSoFar::default(),
            explored: Vec::new(),
        })
    }
    /// Whether the descent has begun.
    pub fn descending(&self) -> bool {
        matches!(self.phase, Phase::Descend(_))
    }
    fn inner(&mut self) -> &mut dyn Optimiser {
        match &mut self.phase {
            Phase::Explore(o) => o.as_mut(),
            Phase::Descend(a) => a,
        }
    }
}

impl Optimiser for Polished {
    fn name(&self) -> &'static str {
        match &self.phase {
            Phase::Explore(o) => o.name(),
            Phase::Descend(_) => "polish",
        }
    }
    fn needs_gradient(&self) -> bool {
        match &self.phase {
            Phase::Explore(o) => o.needs_gradient(),
            Phase::Descend(_) => true,
        }
    }
    fn ask(&mut self) -> Vec<Vec<f64>> {
        if let Phase::Explore(explorer) = &mut self.phase {
            // Only whole rounds that fit the explorer's share (the first always runs, so there
            // is a best point to descend from); a round that would overrun is dropped unevaluated
            // so the descent keeps all its evaluations.
            if self.spent < self.explore {
                let points = explorer.ask();
                if !points.is_empty() && (self.spent == 0 || self.spent + points.len() <= self.explore) {
                    return points;
                }
            }
            match self.best.get() {
                Some((p, _)) => {
                    let adam = Adam::new(&self.adam, vec![p.to_vec()]).expect("checked in new");
                    self.explored = explorer.diagnostics();
                    self.phase = Phase::Descend(adam);
                }
                None => return Vec::new(),
            }
        }
        self.inner().ask()
    }
    fn tell(&mut self, evaluations: &[Evaluation]) -> Result<(), OptError> {
        self.spent += evaluations.len();
        for e in evaluations {
            self.best.offer(&e.point, e.value);
        }
        self.inner().tell(evaluations)
    }
    fn best(&self) -> Option<(&[f64], f64)> {
        self.best.get()
    }
    fn diagnostics(&self) -> Vec<(&'static str, Vec<f64>)> {
        match &self.phase {
            Phase::Explore(o) => o.diagnostics(),
            Phase::Descend(_) => self.explored.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::run;
    use crate::testfn::Sphere;
    use crate::{RandomSearch, Stochastic, StochasticConfig};

    #[test]
    fn the_descent_starts_from_the_explorers_best_and_finishes_the_job() {
        let shift = vec![0.4, -0.7, 0.2, 0.9];
        let budget = 600;
        let explore = 400;
        let alone = {
            let mut f = Sphere { shift: shift.clone() };
            let mut r = RandomSearch::new(4, 10, 1.0, 5).unwrap();
            run(&mut r, &mut f, budget).unwrap().best_value
        };
        let mut f = Sphere { shift: shift.clone() };
        let r = RandomSearch::new(4, 10, 1.0, 5).unwrap();
        let cfg = PolishConfig {
            evaluations: budget - explore,
            learning_rate: 0.02,
        };
        let mut p = Polished::new(Box::new(r), explore, &cfg).unwrap();
        let t = run(&mut p, &mut f, budget).unwrap();
        assert!(p.descending());
        assert_eq!(t.evaluations, budget);
        // The same random stream for the first 400 evaluations, so the explorer's part is the
        // random search's own prefix.
        let explored = t.steps.iter().take_while(|s| s.evaluations <= explore).last().unwrap();
        let descent = &t.steps[t.steps.len() - 1];
        assert_eq!(descent.points.len(), 1, "the descent asks one point at a time");
        assert!(
            t.best_value < 1e-3 && t.best_value < explored.best_value / 10.0 && t.best_value < alone,
            "polished {} from {} (random alone {alone})",
            t.best_value,
            explored.best_value
        );
        // The first descent step evaluates the explorer's best point itself.
        let first = &t.steps[t.steps.iter().position(|s| s.points.len() == 1).unwrap()];
        assert_eq!(first.points[0], explored.best_point);
    }

    #[test]
    fn a_round_that_would_overrun_the_explorers_share_is_left_to_the_descent() {
        // Rounds of 10 against a share of 25: two rounds, then 30 single descent steps.
        let mut f = Sphere { shift: vec![0.3, 0.3] };
        let r = RandomSearch::new(2, 10, 1.0, 4).unwrap();
        let cfg = PolishConfig {
            evaluations: 25,
            learning_rate: 0.05,
        };
        let mut p = Polished::new(Box::new(r), 25, &cfg).unwrap();
        let t = run(&mut p, &mut f, 50).unwrap();
        let sizes: Vec<usize> = t.steps.iter().map(|s| s.points.len()).collect();
        assert_eq!(sizes[..2], [10, 10]);
        assert!(sizes[2..].iter().all(|&n| n == 1), "{sizes:?}");
        assert_eq!(t.evaluations, 50);
    }

    #[test]
    fn a_gradient_free_explorer_asks_for_gradients_only_once_it_descends() {
        let mut f = Sphere { shift: vec![1.0, 1.0] };
        let r = RandomSearch::new(2, 5, 1.0, 1).unwrap();
        let cfg = PolishConfig {
            evaluations: 20,
            ..Default::default()
        };
        let mut p = Polished::new(Box::new(r), 30, &cfg).unwrap();
        assert!(!p.needs_gradient());
        run(&mut p, &mut f, 50).unwrap();
        assert!(p.needs_gradient() && p.name() == "polish");
        let bad = PolishConfig {
            evaluations: 1,
            learning_rate: f64::NAN,
        };
        let s = Stochastic::new(&StochasticConfig::default(), vec![0.0; 2], 0).unwrap();
        assert!(Polished::new(Box::new(s), 10, &bad).is_err());
    }
}
