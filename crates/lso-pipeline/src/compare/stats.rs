//! Means with percentile-bootstrap 95% intervals, resampled with a fixed seed so that a report
//! is reproducible.

use lso_physics::rng::{stream, tag};
use rand::Rng;

/// `(mean, low, high)` of `values`; the interval is the 2.5–97.5 percentile range of the means
/// of `resamples` bootstrap resamples.
pub fn bootstrap_mean(values: &[f64], resamples: usize, seed: u64) -> (f64, f64, f64) {
    let n = values.len();
    if n == 0 {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    let mut rng = stream(seed, tag("bootstrap"), n as u64);
    let mut means: Vec<f64> = (0..resamples)
        .map(|_| (0..n).map(|_| values[rng.random_range(0..n)]).sum::<f64>() / n as f64)
        .collect();
    means.sort_by(f64::total_cmp);
    let at = |q: f64| means[((q * (resamples - 1) as f64).round() as usize).min(resamples - 1)];
    (mean, at(0.025), at(0.975))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_covers_the_mean_and_shrinks_with_more_data() {
        let mut rng = stream(1, tag("t"), 0);
        let small: Vec<f64> = (0..10).map(|_| rng.random::<f64>()).collect();
        let large: Vec<f64> = (0..1000).map(|_| rng.random::<f64>()).collect();
        let (m, lo, hi) = bootstrap_mean(&small, 2000, 3);
        assert!(lo <= m && m <= hi);
        let (m2, lo2, hi2) = bootstrap_mean(&large, 2000, 3);
        assert!(hi2 - lo2 < (hi - lo) / 3.0);
        // The standard error of a U(0,1) mean of 1000 is 0.0091: the interval is about ±1.96 of it.
        assert!((hi2 - lo2 - 2.0 * 1.96 * 0.0091).abs() < 0.01, "{}", hi2 - lo2);
        assert!((m2 - 0.5).abs() < 4.0 * 0.0091);
        assert_eq!(bootstrap_mean(&[2.0; 5], 100, 1), (2.0, 2.0, 2.0));
    }
}
