//! Test functions with known minima.

use crate::{Objective, OptError};

/// `Σ (x_i − shift_i)²`, minimum 0 at `shift`.
pub struct Sphere {
    pub shift: Vec<f64>,
}

impl Objective for Sphere {
    fn dim(&self) -> usize {
        self.shift.len()
    }
    fn values(&mut self, points: &[Vec<f64>]) -> Result<Vec<f64>, OptError> {
        Ok(points
            .iter()
            .map(|x| x.iter().zip(&self.shift).map(|(a, s)| (a - s).powi(2)).sum())
            .collect())
    }
    fn values_and_grads(&mut self, points: &[Vec<f64>]) -> crate::Gradients {
        Some(Ok(points
            .iter()
            .map(|x| {
                let v = x.iter().zip(&self.shift).map(|(a, s)| (a - s).powi(2)).sum();
                (v, x.iter().zip(&self.shift).map(|(a, s)| 2.0 * (a - s)).collect())
            })
            .collect()))
    }
}

/// Rosenbrock's valley `Σ 100 (x_{i+1} − x_i²)² + (1 − x_i)²`, minimum 0 at `(1, …, 1)`.
pub struct Rosenbrock {
    pub dim: usize,
}

impl Objective for Rosenbrock {
    fn dim(&self) -> usize {
        self.dim
    }
    fn values(&mut self, points: &[Vec<f64>]) -> Result<Vec<f64>, OptError> {
        Ok(points
            .iter()
            .map(|x| {
                x.windows(2)
                    .map(|w| 100.0 * (w[1] - w[0] * w[0]).powi(2) + (1.0 - w[0]).powi(2))
                    .sum()
            })
            .collect())
    }
}

/// Rastrigin `10 n + Σ (x_i² − 10 cos 2π x_i)`: many local minima, global minimum 0 at 0.
pub struct Rastrigin {
    pub dim: usize,
}

impl Objective for Rastrigin {
    fn dim(&self) -> usize {
        self.dim
    }
    fn values(&mut self, points: &[Vec<f64>]) -> Result<Vec<f64>, OptError> {
        let tau = std::f64::consts::TAU;
        Ok(points
            .iter()
            .map(|x| 10.0 * x.len() as f64 + x.iter().map(|v| v * v - 10.0 * (tau * v).cos()).sum::<f64>())
            .collect())
    }
}

/// A shallow basin around every point of the even grid (`−cos πx` per coordinate, in a
/// gentle bowl) and, at one of them, `deep`, a narrow well 3 deeper: a draw rarely lands in
/// the well itself, but a descent from anywhere in its grid cell falls into it.
pub struct Basins {
    pub deep: Vec<f64>,
}
impl Basins {
    pub fn value_grad(&self, p: &[f64]) -> (f64, Vec<f64>) {
        let pi = std::f64::consts::PI;
        let w = 0.1;
        let r2: f64 = p.iter().zip(&self.deep).map(|(a, b)| (a - b) * (a - b)).sum();
        let well = (-r2 / w).exp();
        let mut v = -3.0 * well;
        let mut g: Vec<f64> = p
            .iter()
            .zip(&self.deep)
            .map(|(a, b)| 6.0 * well * (a - b) / w)
            .collect();
        for (i, &x) in p.iter().enumerate() {
            v += -(pi * x).cos() + 0.05 * x * x;
            g[i] += pi * (pi * x).sin() + 0.1 * x;
        }
        (v, g)
    }
}
impl Objective for Basins {
    fn dim(&self) -> usize {
        self.deep.len()
    }
    fn values(&mut self, points: &[Vec<f64>]) -> Result<Vec<f64>, OptError> {
        Ok(points.iter().map(|p| self.value_grad(p).0).collect())
    }
    fn values_and_grads(&mut self, points: &[Vec<f64>]) -> crate::Gradients {
        Some(Ok(points.iter().map(|p| self.value_grad(p)).collect()))
    }
}

/// Panics unless the gradient `obj` reports at `p` matches central finite differences (step
/// 1e-6) within `tol` in every component.
pub fn assert_gradient_matches(obj: &mut dyn Objective, p: &[f64], tol: f64) {
    let (_, g) = obj
        .values_and_grads(&[p.to_vec()])
        .expect("the objective has gradients")
        .expect("the objective evaluates")
        .remove(0);
    for k in 0..p.len() {
        let eps = 1e-6;
        let (mut a, mut b) = (p.to_vec(), p.to_vec());
        a[k] += eps;
        b[k] -= eps;
        let fd = (obj.values(&[a]).unwrap()[0] - obj.values(&[b]).unwrap()[0]) / (2.0 * eps);
        assert!((fd - g[k]).abs() < tol, "point {p:?} component {k}: {fd} vs {}", g[k]);
    }
}
