//! Tripp et al.'s rank weights: `w_i ∝ 1/(kN + rank_i)`, rank 0 the best (lowest) value, so a
//! small k puts nearly all weight on the best configurations and `k = ∞` weighs all alike.

/// Weights (summing to 1) of `values` (lower is better; ties share the lower rank's order by
/// index, so the weights are deterministic).
pub fn rank_weights(values: &[f64], k: f64) -> Vec<f64> {
    let n = values.len();
    if n == 0 {
        return Vec::new();
    }
    if k.is_infinite() {
        return vec![1.0 / n as f64; n];
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]).then(a.cmp(&b)));
    let mut w = vec![0.0; n];
    for (rank, &i) in order.iter().enumerate() {
        w[i] = 1.0 / (k * n as f64 + rank as f64);
    }
    let total: f64 = w.iter().sum();
    w.iter_mut().for_each(|x| *x /= total);
    w
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn weights_follow_the_formula() {
        let values = [0.5, -2.0, 3.0, 1.0];
        let k = 0.1;
        let n = 4.0;
        // ranks: -2.0 → 0, 0.5 → 1, 1.0 → 2, 3.0 → 3
        let raw = [
            1.0 / (k * n + 1.0),
            1.0 / (k * n),
            1.0 / (k * n + 3.0),
            1.0 / (k * n + 2.0),
        ];
        let total: f64 = raw.iter().sum();
        let w = rank_weights(&values, k);
        for (a, b) in w.iter().zip(raw) {
            assert_relative_eq!(*a, b / total, max_relative = 1e-12);
        }
        assert_relative_eq!(w.iter().sum::<f64>(), 1.0, max_relative = 1e-12);
    }

    #[test]
    fn small_k_concentrates_and_infinite_k_is_uniform() {
        let values: Vec<f64> = (0..1000).map(|i| i as f64).collect();
        let w = rank_weights(&values, 1e-3);
        // With kN = 1 the best sample alone carries 1/H(1000) ≈ 13 % of the weight.
        assert!(w[0] > 0.12 && w[0] < 0.14, "{}", w[0]);
        assert!(w[0] > 500.0 * w[999]);
        let u = rank_weights(&values, f64::INFINITY);
        assert!(u.iter().all(|&x| (x - 1e-3).abs() < 1e-15));
    }
}
