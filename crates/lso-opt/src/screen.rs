//! A screen of draws from N(0, I), judged by value alone, in batches: where the explorers that
//! pick their starts from many candidates (multistart, replica exchange) begin.

use crate::Evaluation;
use rand_distr::{Distribution, StandardNormal};

/// Draws screened per batch, so that a neural objective decodes them together.
const BATCH: usize = 100;

pub(crate) type Generator = rand_xoshiro::Xoshiro256PlusPlus;

/// A point of N(0, I) in `dim` dimensions.
pub(crate) fn draw(dim: usize, rng: &mut Generator) -> Vec<f64> {
    (0..dim)
        .map(|_| Distribution::<f64>::sample(&StandardNormal, rng))
        .collect()
}

#[derive(Default)]
pub(crate) struct Screen {
    size: usize,
    asked: usize,
    drawn: Vec<(f64, Vec<f64>)>,
}

impl Screen {
    pub fn new(size: usize) -> Self {
        Self {
            size,
            ..Default::default()
        }
    }

    /// The next batch of draws; `None` once all `size` have been asked.
    pub fn ask(&mut self, dim: usize, rng: &mut Generator) -> Option<Vec<Vec<f64>>> {
        let n = self.size.saturating_sub(self.asked).min(BATCH);
        (n > 0).then(|| {
            self.asked += n;
            (0..n).map(|_| draw(dim, rng)).collect()
        })
    }

    /// Whether nothing has been asked yet.
    pub fn untouched(&self) -> bool {
        self.asked == 0
    }

    pub fn tell(&mut self, evaluations: &[Evaluation]) {
        self.drawn
            .extend(evaluations.iter().map(|e| (e.value, e.point.clone())));
    }

    /// Every draw with its value, lowest first.
    pub fn sorted(&mut self) -> Vec<(f64, Vec<f64>)> {
        let mut drawn = std::mem::take(&mut self.drawn);
        drawn.sort_by(|a, b| a.0.total_cmp(&b.0));
        drawn
    }
}
