//! The genetic algorithm of Park et al. (seed 001): a population drawn from N(0, I), roulette
//! selection whose selection pressure sharpens the preference for good individuals, uniform
//! crossover, and random-reset mutation (a gene is redrawn from N(0, 1) with a small rate).
//! The best individual is carried over unchanged (elitism), so the best value never worsens.

use crate::{BestSoFar, Evaluation, OptError, Optimiser};
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GeneticConfig {
    pub population: usize,
    /// Roulette weights `exp(−pressure · rank value)` with values scaled to [0, 1].
    pub selection_pressure: f64,
    pub mutation_rate: f64,
    /// Individuals copied unchanged into the next generation.
    pub elite: usize,
}

impl Default for GeneticConfig {
    fn default() -> Self {
        Self {
            population: 100,
            selection_pressure: 5.0,
            mutation_rate: 0.01,
            elite: 1,
        }
    }
}

pub struct Genetic {
    cfg: GeneticConfig,
    dim: usize,
    population: Vec<Vec<f64>>,
    rng: rand_xoshiro::Xoshiro256PlusPlus,
    best: BestSoFar,
    pub generation: usize,
}

fn normal<R: Rng>(rng: &mut R) -> f64 {
    Distribution::<f64>::sample(&StandardNormal, rng)
}

impl Genetic {
    pub fn new(cfg: &GeneticConfig, dim: usize, seed: u64) -> Result<Self, OptError> {
        crate::first_problem(vec![
            (
                cfg.population < 2,
                format!("population must be at least 2, got {}", cfg.population),
            ),
            (
                cfg.elite >= cfg.population,
                format!("elite must be below population ({}), got {}", cfg.population, cfg.elite),
            ),
            (
                !(cfg.selection_pressure >= 0.0 && cfg.selection_pressure.is_finite()),
                format!("selection_pressure must be >= 0, got {}", cfg.selection_pressure),
            ),
            (
                !(0.0..=1.0).contains(&cfg.mutation_rate),
                format!("mutation_rate must be in [0, 1], got {}", cfg.mutation_rate),
            ),
            (
                dim == 0,
                "the genetic algorithm needs a latent dimension of at least 1".into(),
            ),
        ])?;
        let mut rng = crate::rng(seed);
        let population = (0..cfg.population)
            .map(|_| (0..dim).map(|_| normal(&mut rng)).collect())
            .collect();
        Ok(Self {
            cfg: cfg.clone(),
            dim,
            population,
            rng,
            best: BestSoFar::default(),
            generation: 0,
        })
    }
}

impl Optimiser for Genetic {
    fn name(&self) -> &'static str {
        "genetic"
    }
    fn ask(&mut self) -> Vec<Vec<f64>> {
        self.population.clone()
    }
    fn tell(&mut self, evaluations: &[Evaluation]) -> Result<(), OptError> {
        if evaluations.len() != self.population.len() {
            return Err(OptError::Config("genetic algorithm told a different population".into()));
        }
        for e in evaluations {
            self.best.offer(&e.point, e.value);
        }
        let (lo, hi) = evaluations
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), e| {
                (a.min(e.value), b.max(e.value))
            });
        let span = (hi - lo).max(1e-300);
        let weights: Vec<f64> = evaluations
            .iter()
            .map(|e| (-self.cfg.selection_pressure * (e.value - lo) / span).exp())
            .collect();
        let total: f64 = weights.iter().sum();
        let mut order: Vec<usize> = (0..evaluations.len()).collect();
        order.sort_by(|&a, &b| evaluations[a].value.total_cmp(&evaluations[b].value));
        let mut next: Vec<Vec<f64>> = order
            .iter()
            .take(self.cfg.elite)
            .map(|&k| evaluations[k].point.clone())
            .collect();
        let pick = |rng: &mut rand_xoshiro::Xoshiro256PlusPlus| {
            let mut u = rng.random::<f64>() * total;
            for (k, w) in weights.iter().enumerate() {
                u -= w;
                if u <= 0.0 {
                    return k;
                }
            }
            weights.len() - 1
        };
        while next.len() < self.cfg.population {
            let (a, b) = (pick(&mut self.rng), pick(&mut self.rng));
            let child: Vec<f64> = (0..self.dim)
                .map(|g| {
                    let gene = if self.rng.random::<bool>() {
                        evaluations[a].point[g]
                    } else {
                        evaluations[b].point[g]
                    };
                    if self.rng.random::<f64>() < self.cfg.mutation_rate {
                        normal(&mut self.rng)
                    } else {
                        gene
                    }
                })
                .collect();
            next.push(child);
        }
        self.population = next;
        self.generation += 1;
        Ok(())
    }
    fn best(&self) -> Option<(&[f64], f64)> {
        self.best.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testfn::Rosenbrock;
    use crate::Objective;

    /// Runs `generations` rounds and counts the generations whose population lost the best
    /// individual of the generation before.
    fn elite_losses(elite: usize, mutation_rate: f64, generations: usize) -> usize {
        let cfg = GeneticConfig {
            population: 12,
            selection_pressure: 2.0,
            mutation_rate,
            elite,
        };
        let mut f = Rosenbrock { dim: 4 };
        let mut g = Genetic::new(&cfg, 4, 11).unwrap();
        let mut lost = 0;
        for _ in 0..generations {
            let pop = g.ask();
            let values = f.values(&pop).unwrap();
            let k = (0..pop.len()).min_by(|&a, &b| values[a].total_cmp(&values[b])).unwrap();
            let evaluations: Vec<Evaluation> = pop
                .iter()
                .zip(&values)
                .map(|(p, &value)| Evaluation {
                    point: p.clone(),
                    value,
                    grad: None,
                })
                .collect();
            g.tell(&evaluations).unwrap();
            if !g.ask().contains(&pop[k]) {
                lost += 1;
            }
        }
        lost
    }

    #[test]
    fn elitism_carries_the_best_individual_into_every_generation() {
        // Heavy mutation: without an elite, the best individual is lost almost every generation,
        // so the check below is one that a broken elitism fails.
        assert!(elite_losses(0, 0.5, 30) > 20);
        assert_eq!(elite_losses(1, 0.5, 30), 0);
        assert_eq!(elite_losses(3, 0.01, 30), 0);
    }

    #[test]
    fn bad_settings_are_refused() {
        for cfg in [
            GeneticConfig {
                population: 1,
                ..Default::default()
            },
            GeneticConfig {
                elite: 100,
                ..Default::default()
            },
            GeneticConfig {
                mutation_rate: 1.5,
                ..Default::default()
            },
        ] {
            assert!(Genetic::new(&cfg, 3, 0).is_err(), "{cfg:?}");
        }
    }
}
