//! Exact Gaussian-process regression with a Matérn-5/2 ARD kernel: the surrogate of latent
//! Bayesian optimisation ([`crate::bo`]).
//!
//! `k(x, x') = σ_f² (1 + √5 r + 5r²/3) e^{−√5 r}`, `r² = Σ_d ((x_d − x'_d)/ℓ_d)²`, plus noise
//! `σ_n²` on the diagonal. Targets are standardised before fitting. Hyperparameters are fitted
//! by maximising the log marginal likelihood with its analytic gradient (Adam on the logs,
//! inside bounds); between fits, new observations extend the Cholesky factor in O(n²).

use crate::OptError;

#[derive(Clone, Debug, PartialEq)]
pub struct Hyper {
    pub lengthscales: Vec<f64>,
    pub signal: f64,
    pub noise: f64,
}

impl Hyper {
    pub fn new(dim: usize) -> Self {
        Self {
            lengthscales: vec![1.0; dim],
            signal: 1.0,
            noise: 1e-3,
        }
    }
}

#[inline]
fn matern52(r2: f64) -> f64 {
    let r = (5.0 * r2).sqrt();
    (1.0 + r + r * r / 3.0) * (-r).exp()
}

fn scaled_r2(a: &[f64], b: &[f64], ls: &[f64]) -> f64 {
    a.iter().zip(b).zip(ls).map(|((x, y), l)| ((x - y) / l).powi(2)).sum()
}

/// Lower Cholesky factor of a dense symmetric `n × n` matrix (row-major); `None` if it is not
/// positive definite.
pub fn cholesky(a: &[f64], n: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let mut s = a[i * n + j];
            for k in 0..j {
                s -= l[i * n + k] * l[j * n + k];
            }
            if i == j {
                if !(s > 0.0) {
                    return None;
                }
                l[i * n + i] = s.sqrt();
            } else {
                l[i * n + j] = s / l[j * n + j];
            }
        }
    }
    Some(l)
}

/// Solves `L x = b` for lower-triangular `L`.
fn forward(l: &[f64], n: usize, b: &[f64]) -> Vec<f64> {
    let mut x = b.to_vec();
    for i in 0..n {
        let mut s = x[i];
        for k in 0..i {
            s -= l[i * n + k] * x[k];
        }
        x[i] = s / l[i * n + i];
    }
    x
}

/// Solves `Lᵀ x = b`.
fn backward(l: &[f64], n: usize, b: &[f64]) -> Vec<f64> {
    let mut x = b.to_vec();
    for i in (0..n).rev() {
        let mut s = x[i];
        for k in i + 1..n {
            s -= l[k * n + i] * x[k];
        }
        x[i] = s / l[i * n + i];
    }
    x
}

/// A GP conditioned on observations `(x_i, y_i)`.
#[derive(Clone, Debug)]
pub struct Gp {
    pub hyper: Hyper,
    x: Vec<Vec<f64>>,
    /// Standardised targets and the standardisation.
    y: Vec<f64>,
    mean: f64,
    scale: f64,
    /// Cholesky factor of `K + σ_n² I` and `α = (K + σ_n² I)⁻¹ y`.
    l: Vec<f64>,
    alpha: Vec<f64>,
}

impl Gp {
    /// Conditions on `x`, `y` with the given hyperparameters.
    pub fn new(x: Vec<Vec<f64>>, y: &[f64], hyper: Hyper) -> Result<Self, OptError> {
        if x.is_empty() || x.len() != y.len() {
            return Err(OptError::Config(format!(
                "a GP needs as many targets as points, at least one: {} points, {} targets",
                x.len(),
                y.len()
            )));
        }
        let n = y.len() as f64;
        let mean = y.iter().sum::<f64>() / n;
        let var = y.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
        let scale = if var > 0.0 { var.sqrt() } else { 1.0 };
        let ys: Vec<f64> = y.iter().map(|v| (v - mean) / scale).collect();
        let mut gp = Self {
            hyper,
            x,
            y: ys,
            mean,
            scale,
            l: Vec::new(),
            alpha: Vec::new(),
        };
        gp.factor()?;
        Ok(gp)
    }

    fn kernel(&self, a: &[f64], b: &[f64]) -> f64 {
        self.hyper.signal * matern52(scaled_r2(a, b, &self.hyper.lengthscales))
    }

    fn gram(&self) -> Vec<f64> {
        let n = self.x.len();
        let mut k = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..=i {
                let v = self.kernel(&self.x[i], &self.x[j]);
                k[i * n + j] = v;
                k[j * n + i] = v;
            }
            k[i * n + i] += self.hyper.noise;
        }
        k
    }

    fn factor(&mut self) -> Result<(), OptError> {
        let n = self.x.len();
        let k = self.gram();
        // Jitter only if rounding made the matrix indefinite.
        let mut jitter = 0.0;
        let l = loop {
            let mut kj = k.clone();
            for i in 0..n {
                kj[i * n + i] += jitter;
            }
            if let Some(l) = cholesky(&kj, n) {
                break l;
            }
            jitter = if jitter == 0.0 { 1e-9 } else { jitter * 10.0 };
            if jitter > 1e-2 {
                return Err(OptError::Objective("GP kernel matrix is not positive definite".into()));
            }
        };
        self.alpha = backward(&l, n, &forward(&l, n, &self.y));
        self.l = l;
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.x.len()
    }

    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }

    /// Adds one observation, extending the Cholesky factor by one row (O(n²)); the
    /// standardisation and hyperparameters stay as they are until the next [`fit`](Self::fit).
    pub fn push(&mut self, x: Vec<f64>, y: f64) -> Result<(), OptError> {
        let n = self.x.len();
        let k: Vec<f64> = self.x.iter().map(|xi| self.kernel(xi, &x)).collect();
        let c = forward(&self.l, n, &k);
        let d = self.hyper.signal + self.hyper.noise - c.iter().map(|v| v * v).sum::<f64>();
        self.x.push(x);
        self.y.push((y - self.mean) / self.scale);
        if !(d > 1e-12) {
            // The new point is (numerically) a copy of an old one: refactor with jitter.
            return self.factor();
        }
        let m = n + 1;
        let mut l = vec![0.0; m * m];
        for i in 0..n {
            l[i * m..i * m + n].copy_from_slice(&self.l[i * n..i * n + n]);
        }
        l[n * m..n * m + n].copy_from_slice(&c);
        l[n * m + n] = d.sqrt();
        self.alpha = backward(&l, m, &forward(&l, m, &self.y));
        self.l = l;
        Ok(())
    }

    /// Posterior mean and variance of f at `x`, in the units of the targets.
    pub fn predict(&self, x: &[f64]) -> (f64, f64) {
        let n = self.x.len();
        let k: Vec<f64> = self.x.iter().map(|xi| self.kernel(xi, x)).collect();
        let mu: f64 = k.iter().zip(&self.alpha).map(|(a, b)| a * b).sum();
        let v = forward(&self.l, n, &k);
        let var = (self.hyper.signal - v.iter().map(|a| a * a).sum::<f64>()).max(0.0);
        (self.mean + self.scale * mu, self.scale * self.scale * var)
    }

    /// Joint posterior mean and covariance (row-major) of f at `xs`, in target units.
    pub fn predict_joint(&self, xs: &[Vec<f64>]) -> (Vec<f64>, Vec<f64>) {
        let (n, m) = (self.x.len(), xs.len());
        let mut mean = Vec::with_capacity(m);
        let vs: Vec<Vec<f64>> = xs
            .iter()
            .map(|x| {
                let k: Vec<f64> = self.x.iter().map(|xi| self.kernel(xi, x)).collect();
                mean.push(self.mean + self.scale * k.iter().zip(&self.alpha).map(|(a, b)| a * b).sum::<f64>());
                forward(&self.l, n, &k)
            })
            .collect();
        let s2 = self.scale * self.scale;
        let mut cov = vec![0.0; m * m];
        for i in 0..m {
            for j in 0..=i {
                let prior = self.kernel(&xs[i], &xs[j]);
                let v = (prior - vs[i].iter().zip(&vs[j]).map(|(a, b)| a * b).sum::<f64>()) * s2;
                cov[i * m + j] = v;
                cov[j * m + i] = v;
            }
        }
        (mean, cov)
    }

    /// Log marginal likelihood of the standardised targets, per point.
    pub fn log_marginal_likelihood(&self) -> f64 {
        let n = self.x.len();
        let fit: f64 = self.y.iter().zip(&self.alpha).map(|(a, b)| a * b).sum();
        let logdet: f64 = (0..n).map(|i| self.l[i * n + i].ln()).sum();
        (-0.5 * fit - logdet - 0.5 * n as f64 * (2.0 * std::f64::consts::PI).ln()) / n as f64
    }

    /// Gradient of [`log_marginal_likelihood`](Self::log_marginal_likelihood) with respect to
    /// `(log ℓ_1 … log ℓ_d, log σ_f², log σ_n²)`: `½ tr((ααᵀ − K⁻¹) ∂K/∂θ) / n`.
    fn lml_gradient(&self) -> Vec<f64> {
        let n = self.x.len();
        let dim = self.hyper.lengthscales.len();
        // W = ααᵀ − K⁻¹, from K⁻¹ = L⁻ᵀ L⁻¹.
        let mut kinv = vec![0.0; n * n];
        for j in 0..n {
            let mut e = vec![0.0; n];
            e[j] = 1.0;
            let col = backward(&self.l, n, &forward(&self.l, n, &e));
            for i in 0..n {
                kinv[i * n + j] = col[i];
            }
        }
        let mut g = vec![0.0; dim + 2];
        let sqrt5 = 5f64.sqrt();
        for i in 0..n {
            for j in 0..n {
                let w = self.alpha[i] * self.alpha[j] - kinv[i * n + j];
                let r2 = scaled_r2(&self.x[i], &self.x[j], &self.hyper.lengthscales);
                let r = (5.0 * r2).sqrt();
                let e = (-r).exp();
                let k = self.hyper.signal * (1.0 + r + r * r / 3.0) * e;
                g[dim] += w * k;
                if i == j {
                    g[dim + 1] += w * self.hyper.noise;
                }
                // ∂k/∂log ℓ_d = σ_f² (5/3)(1 + √5 r̃) e^{−√5 r̃} (Δ_d/ℓ_d)², r̃ = √r2.
                let common = self.hyper.signal * (5.0 / 3.0) * (1.0 + sqrt5 * r2.sqrt()) * e;
                for d in 0..dim {
                    let u = (self.x[i][d] - self.x[j][d]) / self.hyper.lengthscales[d];
                    g[d] += w * common * u * u;
                }
            }
        }
        g.iter().map(|v| 0.5 * v / n as f64).collect()
    }

    /// Fits the hyperparameters by maximising the marginal likelihood from the current ones:
    /// Adam on their logarithms, lengthscales in [0.01, 20], σ_f² in [0.05, 20], σ_n² in
    /// [1e-6, 0.1] (of the standardised targets).
    pub fn fit(&mut self, steps: usize) -> Result<(), OptError> {
        let dim = self.hyper.lengthscales.len();
        let bounds: Vec<(f64, f64)> = (0..dim)
            .map(|_| (0.01f64.ln(), 20f64.ln()))
            .chain([(0.05f64.ln(), 20f64.ln()), (1e-6f64.ln(), 0.1f64.ln())])
            .collect();
        let mut theta: Vec<f64> = self
            .hyper
            .lengthscales
            .iter()
            .map(|l| l.ln())
            .chain([self.hyper.signal.ln(), self.hyper.noise.ln()])
            .collect();
        let (mut m, mut v) = (vec![0.0; dim + 2], vec![0.0; dim + 2]);
        let (lr, b1, b2) = (0.05, 0.9, 0.999);
        let mut best = (self.log_marginal_likelihood(), self.hyper.clone());
        for t in 1..=steps {
            let g = self.lml_gradient();
            for k in 0..dim + 2 {
                m[k] = b1 * m[k] + (1.0 - b1) * g[k];
                v[k] = b2 * v[k] + (1.0 - b2) * g[k] * g[k];
                let step = lr * (m[k] / (1.0 - b1.powi(t as i32))) / ((v[k] / (1.0 - b2.powi(t as i32))).sqrt() + 1e-8);
                theta[k] = (theta[k] + step).clamp(bounds[k].0, bounds[k].1);
            }
            self.hyper = Hyper {
                lengthscales: theta[..dim].iter().map(|t| t.exp()).collect(),
                signal: theta[dim].exp(),
                noise: theta[dim + 1].exp(),
            };
            self.factor()?;
            let lml = self.log_marginal_likelihood();
            if lml > best.0 {
                best = (lml, self.hyper.clone());
            }
        }
        self.hyper = best.1;
        self.factor()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Inverse of a small dense matrix by Gauss–Jordan elimination: an independent route to the
    /// closed form.
    fn inverse(a: &[f64], n: usize) -> Vec<f64> {
        let mut m = a.to_vec();
        let mut inv: Vec<f64> = (0..n * n).map(|i| if i / n == i % n { 1.0 } else { 0.0 }).collect();
        for c in 0..n {
            let p = (c..n)
                .max_by(|&i, &j| m[i * n + c].abs().total_cmp(&m[j * n + c].abs()))
                .unwrap();
            for k in 0..n {
                m.swap(c * n + k, p * n + k);
                inv.swap(c * n + k, p * n + k);
            }
            let d = m[c * n + c];
            for k in 0..n {
                m[c * n + k] /= d;
                inv[c * n + k] /= d;
            }
            for r in 0..n {
                if r != c {
                    let f = m[r * n + c];
                    for k in 0..n {
                        m[r * n + k] -= f * m[c * n + k];
                        inv[r * n + k] -= f * inv[c * n + k];
                    }
                }
            }
        }
        inv
    }

    #[test]
    fn posterior_matches_the_closed_form_in_one_dimension() {
        let xs = [-1.5, -0.3, 0.4, 1.7];
        let ys = [0.2, -0.8, 0.5, 1.9];
        let hyper = Hyper {
            lengthscales: vec![0.7],
            signal: 1.3,
            noise: 0.01,
        };
        let gp = Gp::new(xs.iter().map(|&x| vec![x]).collect(), &ys, hyper.clone()).unwrap();
        // Closed form on the standardised targets: μ = k*ᵀ K⁻¹ y, σ² = k** − k*ᵀ K⁻¹ k*.
        let mean = ys.iter().sum::<f64>() / 4.0;
        let sd = (ys.iter().map(|y| (y - mean).powi(2)).sum::<f64>() / 4.0).sqrt();
        let k = |a: f64, b: f64| {
            let r = 5f64.sqrt() * (a - b).abs() / 0.7;
            1.3 * (1.0 + r + r * r / 3.0) * (-r).exp()
        };
        let mut kk = vec![0.0; 16];
        for i in 0..4 {
            for j in 0..4 {
                kk[i * 4 + j] = k(xs[i], xs[j]) + if i == j { 0.01 } else { 0.0 };
            }
        }
        let kinv = inverse(&kk, 4);
        for x in [-2.0, -0.3, 0.05, 1.0, 3.0] {
            let ks: Vec<f64> = xs.iter().map(|&xi| k(xi, x)).collect();
            let kinv_ks: Vec<f64> = (0..4).map(|i| (0..4).map(|j| kinv[i * 4 + j] * ks[j]).sum()).collect();
            let mu = mean + sd * (0..4).map(|i| kinv_ks[i] * (ys[i] - mean) / sd).sum::<f64>();
            let var = sd * sd * (1.3 - (0..4).map(|i| ks[i] * kinv_ks[i]).sum::<f64>());
            let (m, v) = gp.predict(&[x]);
            assert!(
                (m - mu).abs() < 1e-10 && (v - var).abs() < 1e-10,
                "x = {x}: ({m}, {v}) vs ({mu}, {var})"
            );
        }
        // The joint posterior's mean and diagonal are the pointwise ones.
        let probes: Vec<Vec<f64>> = [-2.0, 0.05, 3.0].iter().map(|&x| vec![x]).collect();
        let (jm, jc) = gp.predict_joint(&probes);
        for (i, p) in probes.iter().enumerate() {
            let (m, v) = gp.predict(p);
            assert!((jm[i] - m).abs() < 1e-12 && (jc[i * 3 + i] - v).abs() < 1e-10);
        }
        // Near a data point the variance is about the noise; far away, the prior.
        assert!(gp.predict(&[-0.3]).1 < 0.02 * sd * sd);
        assert!((gp.predict(&[50.0]).1 - 1.3 * sd * sd).abs() < 1e-9);
    }

    #[test]
    fn cholesky_updates_equal_a_fresh_factorisation() {
        let pts: Vec<Vec<f64>> = (0..12)
            .map(|i| vec![(i as f64 * 0.7).sin(), (i as f64 * 1.3).cos()])
            .collect();
        let ys: Vec<f64> = pts.iter().map(|p| p[0] * p[0] - p[1]).collect();
        let hyper = Hyper {
            lengthscales: vec![0.8, 1.2],
            signal: 1.0,
            noise: 1e-4,
        };
        let mut grown = Gp::new(pts[..5].to_vec(), &ys[..5], hyper.clone()).unwrap();
        // Keep the first five's standardisation, as `push` does.
        for i in 5..12 {
            grown.push(pts[i].clone(), ys[i]).unwrap();
        }
        let mut fresh = Gp::new(pts[..5].to_vec(), &ys[..5], hyper).unwrap();
        fresh.x = pts.clone();
        fresh.y = ys.iter().map(|y| (y - fresh.mean) / fresh.scale).collect();
        fresh.factor().unwrap();
        for probe in [vec![0.1, 0.2], vec![-0.9, 0.5], vec![2.0, -2.0]] {
            let (a, b) = (grown.predict(&probe), fresh.predict(&probe));
            assert!((a.0 - b.0).abs() < 1e-9 && (a.1 - b.1).abs() < 1e-9, "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn the_likelihood_gradient_matches_finite_differences_and_fitting_raises_it() {
        let pts: Vec<Vec<f64>> = (0..15)
            .map(|i| vec![i as f64 * 0.37 % 2.0 - 1.0, (i as f64 * 0.91).sin()])
            .collect();
        let ys: Vec<f64> = pts.iter().map(|p| (3.0 * p[0]).sin() + 0.1 * p[1]).collect();
        let hyper = Hyper {
            lengthscales: vec![0.5, 0.9],
            signal: 1.2,
            noise: 0.02,
        };
        let gp = Gp::new(pts.clone(), &ys, hyper.clone()).unwrap();
        let g = gp.lml_gradient();
        let h = 1e-6;
        for k in 0..4 {
            let shifted = |delta: f64| {
                let mut hp = hyper.clone();
                match k {
                    0 | 1 => hp.lengthscales[k] *= delta.exp(),
                    2 => hp.signal *= delta.exp(),
                    _ => hp.noise *= delta.exp(),
                }
                Gp::new(pts.clone(), &ys, hp).unwrap().log_marginal_likelihood()
            };
            let fd = (shifted(h) - shifted(-h)) / (2.0 * h);
            assert!((g[k] - fd).abs() < 1e-5 * (1.0 + fd.abs()), "θ{k}: {} vs {fd}", g[k]);
        }
        let mut fitted = gp.clone();
        fitted.fit(100).unwrap();
        assert!(fitted.log_marginal_likelihood() > gp.log_marginal_likelihood() + 0.05);
        // The second input barely matters: its lengthscale grows past the first's.
        assert!(fitted.hyper.lengthscales[1] > fitted.hyper.lengthscales[0]);
    }
}
