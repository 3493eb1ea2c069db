//! A pairwise Ising model on arbitrary couplings (sparse neighbour lists), in the convention
//! `P(s) ∝ exp(Σ_{i<j} J_ij s_i s_j + Σ_i h_i s_i)`, with a heat-bath sweep at β = 1.

use rand::Rng;

#[derive(Clone, Debug, PartialEq)]
pub struct PairModel {
    h: Vec<f64>,
    adj: Vec<Vec<(u32, f64)>>,
}

impl PairModel {
    /// `pairs` lists each coupling once as `(i, j, J_ij)`; repeated pairs add up.
    pub fn new(n: usize, pairs: impl Iterator<Item = (u32, u32, f64)>, h: Vec<f64>) -> Self {
        let mut adj = vec![Vec::new(); n];
        for (i, j, jv) in pairs {
            adj[i as usize].push((j, jv));
            adj[j as usize].push((i, jv));
        }
        Self { h, adj }
    }

    pub fn sites(&self) -> usize {
        self.h.len()
    }

    /// `J_ij` summed over every listed coupling between `i` and `j`.
    pub fn coupling(&self, i: usize, j: usize) -> f64 {
        self.adj[i]
            .iter()
            .filter(|&&(k, _)| k as usize == j)
            .map(|&(_, v)| v)
            .sum()
    }

    pub fn field(&self, i: usize) -> f64 {
        self.h[i]
    }

    /// `h_i + Σ_j J_ij s_j`.
    #[inline]
    pub fn local_field(&self, s: &[i8], i: usize) -> f64 {
        self.h[i] + self.adj[i].iter().map(|&(j, v)| v * s[j as usize] as f64).sum::<f64>()
    }

    /// `log P(s)` up to `−log Z`.
    pub fn log_weight(&self, s: &[i8]) -> f64 {
        let mut w = 0.0;
        for i in 0..self.sites() {
            let pair: f64 = self.adj[i]
                .iter()
                .filter(|&&(j, _)| j as usize > i)
                .map(|&(j, v)| v * s[j as usize] as f64)
                .sum();
            w += s[i] as f64 * (self.h[i] + pair);
        }
        w
    }

    /// One heat-bath sweep in site order: `P(s_i = +1 | rest) = 1 / (1 + e^{−2 f_i})`.
    pub fn sweep<R: Rng + ?Sized>(&self, s: &mut [i8], rng: &mut R) {
        for i in 0..self.sites() {
            let f = self.local_field(s, i);
            s[i] = if rng.random::<f64>() * (1.0 + (-2.0 * f).exp()) < 1.0 {
                1
            } else {
                -1
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{stream, tag};

    /// Heat bath on a 3-site triangle against its exact 8-state distribution.
    #[test]
    fn heat_bath_matches_exact_distribution() {
        let m = PairModel::new(
            3,
            [(0, 1, 0.4), (1, 2, -0.3), (0, 2, 0.2)].into_iter(),
            vec![0.1, -0.2, 0.3],
        );
        let states: Vec<[i8; 3]> = (0..8)
            .map(|k| [1 - 2 * (k & 1) as i8, 1 - (k & 2) as i8, 1 - ((k & 4) >> 1) as i8])
            .collect();
        let z: f64 = states.iter().map(|s| m.log_weight(s).exp()).sum();
        let mut counts = [0usize; 8];
        let mut s = [1i8; 3];
        let mut rng = stream(1, tag("pairs"), 0);
        let n = 200_000;
        for _ in 0..n {
            m.sweep(&mut s, &mut rng);
            counts[states.iter().position(|t| *t == s).unwrap()] += 1;
        }
        for (k, st) in states.iter().enumerate() {
            let p = m.log_weight(st).exp() / z;
            let sd = (p * (1.0 - p) / n as f64).sqrt() * 3.0; // successive sweeps are correlated
            assert!(
                (counts[k] as f64 / n as f64 - p).abs() < 4.0 * sd,
                "state {st:?}: {} vs {p}",
                counts[k] as f64 / n as f64
            );
        }
    }
}
