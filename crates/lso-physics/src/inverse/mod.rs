//! Inverse Ising (seed 002): learning couplings `J` and fields `h` from samples.
//!
//! Convention: `P(s) ∝ exp(Σ_{i<j} J_ij s_i s_j + Σ_i h_i s_i)` (β absorbed into J and h), so
//! `J > 0` is ferromagnetic. The notes of seed 002 write `ρ ∝ exp(−Σ J s s − Σ h s)` but their
//! update rule (4), `J ← J − α(⟨SS⟩_ρ − s s)`, is gradient ascent of the likelihood in the
//! convention used here; their `J` is our `−J`.
//!
//! Three estimators on the same data and parametrisations ([`Parametrisation`]):
//! - [`boltzmann::fit`]: maximum-entropy (Boltzmann machine) learning, moments by Monte Carlo
//!   with persistent chains, the averaged or the single-sample update of the notes;
//! - [`pseudolikelihood::fit`]: maximises the pseudo-likelihood (consistent, no sampling);
//! - [`meanfield::fit`]: naive mean-field inversion `J = −C⁻¹` (fast, biased at strong coupling).

pub mod boltzmann;
mod lbfgs;
pub mod meanfield;
pub mod pairs;
pub mod pseudolikelihood;

pub use pairs::PairModel;

use crate::{Lattice, PhysicsError, SpinSet};
use serde::{Deserialize, Serialize};

/// Which couplings and fields are free.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Parametrisation {
    /// One `J` on every nearest-neighbour bond and one uniform `h` (the notes' model).
    #[default]
    Uniform,
    /// A `J` per lattice bond and an `h` per site.
    Bonds,
    /// A `J` for every pair of sites and an `h` per site.
    Full,
}

impl std::str::FromStr for Parametrisation {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "uniform" => Ok(Self::Uniform),
            "bonds" => Ok(Self::Bonds),
            "full" => Ok(Self::Full),
            _ => Err(format!(
                "unknown parametrisation {s:?} (expected uniform, bonds or full)"
            )),
        }
    }
}

/// The free parameters as one vector: couplings first, then fields.
/// Uniform: `[J, h]`; bonds: `J` per bond of [`Lattice::bonds`], then `h` per site; full: `J`
/// per pair `i < j` in lexicographic order, then `h` per site.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Couplings {
    pub parametrisation: Parametrisation,
    pub theta: Vec<f64>,
}

/// The statistics each parameter couples to, per parametrisation; averaging them over samples
/// gives the moments that maximum entropy matches.
pub struct Layout {
    pub parametrisation: Parametrisation,
    pub n: usize,
    /// Pairs `(i, j)` carrying a free coupling (bonds or all pairs; for uniform, the bonds).
    pub pairs: Vec<(u32, u32)>,
}

impl Layout {
    pub fn new(lattice: &Lattice, parametrisation: Parametrisation) -> Self {
        let n = lattice.sites();
        let pairs = match parametrisation {
            Parametrisation::Uniform | Parametrisation::Bonds => {
                lattice.bonds().iter().map(|b| (b.i as u32, b.j as u32)).collect()
            }
            Parametrisation::Full => (0..n)
                .flat_map(|i| (i + 1..n).map(move |j| (i as u32, j as u32)))
                .collect(),
        };
        Self {
            parametrisation,
            n,
            pairs,
        }
    }

    pub fn len(&self) -> usize {
        match self.parametrisation {
            Parametrisation::Uniform => 2,
            _ => self.pairs.len() + self.n,
        }
    }

    pub fn is_empty(&self) -> bool {
        false
    }

    /// Number of coupling entries in `theta` (the rest are fields).
    pub fn couplings(&self) -> usize {
        match self.parametrisation {
            Parametrisation::Uniform => 1,
            _ => self.pairs.len(),
        }
    }

    /// Adds the statistics of one configuration to `acc` (uniform: per-bond and per-site means).
    pub fn accumulate(&self, s: &[i8], acc: &mut [f64]) {
        match self.parametrisation {
            Parametrisation::Uniform => {
                let pair: i64 = self
                    .pairs
                    .iter()
                    .map(|&(i, j)| (s[i as usize] * s[j as usize]) as i64)
                    .sum();
                let site: i64 = s.iter().map(|&x| x as i64).sum();
                acc[0] += pair as f64 / self.pairs.len() as f64;
                acc[1] += site as f64 / self.n as f64;
            }
            _ => {
                let np = self.pairs.len();
                for (a, &(i, j)) in acc[..np].iter_mut().zip(&self.pairs) {
                    *a += (s[i as usize] * s[j as usize]) as f64;
                }
                for (a, &x) in acc[np..].iter_mut().zip(s) {
                    *a += x as f64;
                }
            }
        }
    }

    /// Mean statistics over configurations.
    pub fn moments<'a>(&self, configs: impl Iterator<Item = &'a [i8]>) -> Vec<f64> {
        let mut acc = vec![0.0; self.len()];
        let mut count = 0usize;
        for s in configs {
            self.accumulate(s, &mut acc);
            count += 1;
        }
        acc.iter_mut().for_each(|a| *a /= count.max(1) as f64);
        acc
    }

    /// The pairwise model these parameters describe.
    pub fn model(&self, theta: &[f64]) -> PairModel {
        let np = self.pairs.len();
        match self.parametrisation {
            Parametrisation::Uniform => PairModel::new(
                self.n,
                self.pairs.iter().map(|&(i, j)| (i, j, theta[0])),
                vec![theta[1]; self.n],
            ),
            _ => PairModel::new(
                self.n,
                self.pairs.iter().zip(&theta[..np]).map(|(&(i, j), &jv)| (i, j, jv)),
                theta[np..].to_vec(),
            ),
        }
    }

    /// Mean coupling over nearest-neighbour bonds of `lattice` and mean field.
    pub fn summary(&self, lattice: &Lattice, theta: &[f64]) -> (f64, f64) {
        match self.parametrisation {
            Parametrisation::Uniform => (theta[0], theta[1]),
            _ => {
                let np = self.pairs.len();
                let model = self.model(theta);
                let nn: f64 = lattice.bonds().iter().map(|b| model.coupling(b.i, b.j)).sum::<f64>()
                    / lattice.bonds().len() as f64;
                (nn, theta[np..].iter().sum::<f64>() / self.n as f64)
            }
        }
    }
}

/// Checks that the data can identify the parameters: enough samples, and no statistic pinned at
/// ±1 (its parameter would run off to infinity).
pub fn check_data(set: &SpinSet, layout: &Layout, data_moments: &[f64]) -> Result<(), PhysicsError> {
    if set.is_empty() {
        return Err(PhysicsError::Data("the dataset is empty".into()));
    }
    let degenerate = |what: &str, count: usize| {
        Err(PhysicsError::Data(format!(
            "degenerate moments: {count} {what} never change across the {} samples, so their parameters diverge; \
             use more varied data or --params uniform",
            set.len()
        )))
    };
    match layout.parametrisation {
        Parametrisation::Uniform => {
            if data_moments[1].abs() >= 1.0 || data_moments[0].abs() >= 1.0 {
                return Err(PhysicsError::Data(
                    "degenerate moments: every spin (or every bond) is the same in all samples, so J or h diverges"
                        .into(),
                ));
            }
        }
        _ => {
            let np = layout.pairs.len();
            let frozen = data_moments[np..].iter().filter(|m| m.abs() >= 1.0).count();
            if frozen > 0 {
                return degenerate("sites", frozen);
            }
            if layout.parametrisation == Parametrisation::Bonds {
                let pinned = data_moments[..np].iter().filter(|m| m.abs() >= 1.0).count();
                if pinned > 0 {
                    return degenerate("bonds", pinned);
                }
            }
        }
    }
    Ok(())
}

/// One point of a fit's convergence trace.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TracePoint {
    pub step: usize,
    /// Mean nearest-neighbour coupling.
    pub j: f64,
    /// Mean field.
    pub h: f64,
    /// Root-mean-square gradient (moment mismatch).
    pub grad_rms: f64,
}

/// The result of any estimator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fit {
    pub couplings: Couplings,
    pub trace: Vec<TracePoint>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Boundary;

    #[test]
    fn layouts_count_parameters() {
        let l = Lattice::new(3, 4, Boundary::Periodic).unwrap();
        assert_eq!(Layout::new(&l, Parametrisation::Uniform).len(), 2);
        assert_eq!(Layout::new(&l, Parametrisation::Bonds).len(), 24 + 12);
        assert_eq!(Layout::new(&l, Parametrisation::Full).len(), 66 + 12);
    }

    #[test]
    fn degenerate_data_is_refused() {
        let l = Lattice::new(3, 3, Boundary::Periodic).unwrap();
        let set = SpinSet::new(3, 3, vec![1; 18]).unwrap();
        for p in [Parametrisation::Uniform, Parametrisation::Bonds, Parametrisation::Full] {
            let layout = Layout::new(&l, p);
            let m = layout.moments(set.configs());
            let err = check_data(&set, &layout, &m).unwrap_err().to_string();
            assert!(err.contains("degenerate moments"), "{err}");
        }
    }
}
