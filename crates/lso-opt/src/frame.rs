//! The coordinates an explorer searches in. Every explorer draws its starts, populations and
//! mutations from N(0, I) and measures its trust radius from the origin; a [`Frame`] decides
//! which Gaussian over z that N(0, I) stands for, by the affine map z = μ + A u.
//!
//! The VAE's prior is the identity frame. A VAE trained with a small β (seed 001 uses 0.001)
//! spreads its encoded training codes far wider than N(0, I): the prior's draws then sit in a
//! core that holds few of them. [`Frame::fitted`] whitens the codes instead (A = V Λ^½ from the
//! eigen-decomposition of their covariance), so that N(0, I) in u is the Gaussian fitted to the
//! data's codes, the ex-post density of Ghosh et al. (2020, "From variational to deterministic
//! autoencoders").

use crate::linalg::symmetric_eigen;
use crate::{Gradients, Objective, OptError};

/// The affine map z = μ + A u.
#[derive(Clone, Debug, PartialEq)]
pub struct Frame {
    mean: Vec<f64>,
    /// A, row-major `d × d`; `None` for the identity.
    basis: Option<Vec<f64>>,
}

impl Frame {
    /// z = u: the VAE's own prior.
    pub fn identity(dim: usize) -> Self {
        Self {
            mean: vec![0.0; dim],
            basis: None,
        }
    }

    /// The frame in which `codes` (`M × dim`, row-major) have mean 0 and covariance I: μ their
    /// mean, A = V Λ^½ with Σ = V Λ Vᵀ their covariance (directions without spread get none).
    pub fn fitted(codes: &[f32], dim: usize) -> Result<Self, OptError> {
        if dim == 0 || !codes.len().is_multiple_of(dim) {
            return Err(OptError::Config(format!(
                "codes of length {} do not split into points of dimension {dim}",
                codes.len()
            )));
        }
        let m = codes.len() / dim;
        if m < 2 {
            return Err(OptError::Config(format!(
                "a fitted frame needs at least 2 codes, got {m}"
            )));
        }
        if let Some(i) = codes.iter().position(|v| !v.is_finite()) {
            return Err(OptError::Config(format!("code {} holds a non-finite value", i / dim)));
        }
        let mut mean = vec![0.0; dim];
        for c in codes.chunks(dim) {
            mean.iter_mut().zip(c).for_each(|(a, &v)| *a += v as f64);
        }
        mean.iter_mut().for_each(|a| *a /= m as f64);
        let mut cov = vec![0.0; dim * dim];
        for c in codes.chunks(dim) {
            let x: Vec<f64> = c.iter().zip(&mean).map(|(&v, mu)| v as f64 - mu).collect();
            for i in 0..dim {
                for j in 0..dim {
                    cov[i * dim + j] += x[i] * x[j];
                }
            }
        }
        cov.iter_mut().for_each(|a| *a /= (m - 1) as f64);
        let (values, vectors) = symmetric_eigen(&cov, dim);
        let mut basis = vec![0.0; dim * dim];
        for i in 0..dim {
            for k in 0..dim {
                basis[i * dim + k] = vectors[i * dim + k] * values[k].max(0.0).sqrt();
            }
        }
        Ok(Self {
            mean,
            basis: Some(basis),
        })
    }

    pub fn dim(&self) -> usize {
        self.mean.len()
    }

    pub fn is_identity(&self) -> bool {
        self.basis.is_none()
    }

    /// z = μ + A u.
    pub fn to_z(&self, u: &[f64]) -> Vec<f64> {
        match &self.basis {
            None => u.to_vec(),
            Some(a) => {
                let d = self.dim();
                (0..d)
                    .map(|i| self.mean[i] + (0..d).map(|k| a[i * d + k] * u[k]).sum::<f64>())
                    .collect()
            }
        }
    }

    /// ∂f/∂u = Aᵀ ∂f/∂z.
    pub fn pull_back(&self, grad_z: &[f64]) -> Vec<f64> {
        match &self.basis {
            None => grad_z.to_vec(),
            Some(a) => {
                let d = self.dim();
                (0..d)
                    .map(|k| (0..d).map(|i| a[i * d + k] * grad_z[i]).sum::<f64>())
                    .collect()
            }
        }
    }
}

/// An objective over z seen from the coordinates u of a [`Frame`].
pub struct Framed<'a, O: Objective + ?Sized> {
    pub inner: &'a mut O,
    pub frame: &'a Frame,
}

impl<O: Objective + ?Sized> Objective for Framed<'_, O> {
    fn dim(&self) -> usize {
        self.inner.dim()
    }

    fn values(&mut self, points: &[Vec<f64>]) -> Result<Vec<f64>, OptError> {
        let z: Vec<Vec<f64>> = points.iter().map(|u| self.frame.to_z(u)).collect();
        self.inner.values(&z)
    }

    fn values_and_grads(&mut self, points: &[Vec<f64>]) -> Gradients {
        let z: Vec<Vec<f64>> = points.iter().map(|u| self.frame.to_z(u)).collect();
        Some(
            self.inner
                .values_and_grads(&z)?
                .map(|pairs| pairs.into_iter().map(|(v, g)| (v, self.frame.pull_back(&g))).collect()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testfn::{assert_gradient_matches, Sphere};

    /// Codes z = μ + B w with w ~ N(0, I) for a fixed, non-orthogonal B.
    fn sample_codes(m: usize) -> (Vec<f32>, Vec<f64>, Vec<f64>) {
        let mu = vec![3.0, -1.0, 0.5];
        let b = [2.0, 0.0, 0.0, 1.0, 0.5, 0.0, -0.5, 0.3, 0.2];
        let mut state = 12345u64;
        let mut normal = || {
            // Box–Muller on a small LCG: the test must not depend on the rand crate's streams.
            let mut uni = || {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
            };
            let (a, c) = (uni(), uni());
            (-2.0 * a.ln()).sqrt() * (std::f64::consts::TAU * c).cos()
        };
        let mut codes = Vec::new();
        for _ in 0..m {
            let w = [normal(), normal(), normal()];
            for i in 0..3 {
                codes.push((mu[i] + (0..3).map(|k| b[i * 3 + k] * w[k]).sum::<f64>()) as f32);
            }
        }
        // Σ = B Bᵀ
        let sigma = (0..9)
            .map(|ij| (0..3).map(|k| b[(ij / 3) * 3 + k] * b[(ij % 3) * 3 + k]).sum())
            .collect();
        (codes, mu, sigma)
    }

    #[test]
    fn a_fitted_frame_maps_the_standard_normal_onto_the_codes_gaussian() {
        let (codes, mu, sigma) = sample_codes(20000);
        let f = Frame::fitted(&codes, 3).unwrap();
        // μ = to_z(0); A Aᵀ = Σ, within the sampling error of 20,000 draws (about 1 %).
        let z0 = f.to_z(&[0.0; 3]);
        for i in 0..3 {
            assert!((z0[i] - mu[i]).abs() < 0.05, "mean {i}: {} vs {}", z0[i], mu[i]);
        }
        let a = f.basis.as_ref().unwrap();
        for i in 0..3 {
            for j in 0..3 {
                let aat: f64 = (0..3).map(|k| a[i * 3 + k] * a[j * 3 + k]).sum();
                assert!(
                    (aat - sigma[i * 3 + j]).abs() < 0.1,
                    "Σ[{i}{j}]: {aat} vs {}",
                    sigma[i * 3 + j]
                );
            }
        }
    }

    #[test]
    fn pulled_back_gradients_match_finite_differences() {
        let (codes, _, _) = sample_codes(500);
        let frame = Frame::fitted(&codes, 3).unwrap();
        let mut f = Sphere {
            shift: vec![1.0, 2.0, -0.5],
        };
        let mut obj = Framed {
            inner: &mut f,
            frame: &frame,
        };
        assert_gradient_matches(&mut obj, &[0.3, -0.7, 1.1], 1e-5);
    }

    #[test]
    fn bad_codes_are_refused() {
        assert!(Frame::fitted(&[1.0, 2.0], 2).is_err());
        assert!(Frame::fitted(&[1.0, 2.0, 3.0], 2).is_err());
        assert!(Frame::fitted(&[1.0, f32::NAN, 3.0, 4.0], 2).is_err());
        let id = Frame::identity(2);
        assert!(id.is_identity());
        assert_eq!(id.to_z(&[0.5, -1.0]), vec![0.5, -1.0]);
    }
}
