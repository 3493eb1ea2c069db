//! Error bars for correlated Monte Carlo series.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    pub mean: f64,
    /// One standard error.
    pub err: f64,
}

impl Estimate {
    /// Distance from `value` in standard errors.
    pub fn sigmas_from(&self, value: f64) -> f64 {
        (self.mean - value).abs() / self.err
    }
}

pub fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// Batch means: the series is cut into `batches` contiguous blocks whose means are treated as
/// independent. Valid when each block is much longer than the autocorrelation time.
pub fn batch_means(xs: &[f64], batches: usize) -> Estimate {
    assert!(
        batches >= 2 && xs.len() >= batches,
        "need at least 2 batches of one sample"
    );
    let len = xs.len() / batches;
    let means: Vec<f64> = xs.chunks_exact(len).take(batches).map(mean).collect();
    let m = mean(&means);
    let var = means.iter().map(|b| (b - m).powi(2)).sum::<f64>() / (batches - 1) as f64;
    Estimate {
        mean: m,
        err: (var / batches as f64).sqrt(),
    }
}

/// Combines independent estimates (e.g. one per chain) of the same quantity.
pub fn combine(estimates: &[Estimate]) -> Estimate {
    let n = estimates.len() as f64;
    let mean = estimates.iter().map(|e| e.mean).sum::<f64>() / n;
    let err = estimates.iter().map(|e| e.err * e.err).sum::<f64>().sqrt() / n;
    Estimate { mean, err }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_means_of_iid_series_match_naive_error() {
        // A deterministic, uncorrelated-looking sequence: the Weyl sequence frac(k·φ).
        let phi = (5f64.sqrt() - 1.0) / 2.0;
        let xs: Vec<f64> = (0..10_000).map(|k| (k as f64 * phi).fract()).collect();
        let e = batch_means(&xs, 20);
        assert!((e.mean - 0.5).abs() < 0.01);
        assert!(e.err < 0.01);
    }
}
