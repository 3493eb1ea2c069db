//! Keeping a latent search where the model has seen data: a ball `‖z‖ ≤ R` (points outside are
//! evaluated at their projection onto the sphere, plus a quadratic penalty on the distance, so
//! gradient and population methods both feel the wall) and a Gaussian prior term `w ½‖z‖²`
//! (the negative log-density of the VAE's N(0, I) prior).

use crate::{Objective, OptError};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Constraint {
    /// Trust radius R; `None` leaves z unbounded.
    pub radius: Option<f64>,
    /// Penalty per squared distance outside the ball.
    pub penalty: f64,
    /// Weight w of the prior term `w ½‖z‖²`.
    pub prior_weight: f64,
}

impl Default for Constraint {
    fn default() -> Self {
        Self {
            radius: None,
            penalty: 10.0,
            prior_weight: 0.0,
        }
    }
}

impl Constraint {
    pub fn validate(&self) -> Result<(), OptError> {
        crate::first_problem(vec![
            (
                self.radius.is_some_and(|r| !(r > 0.0 && r.is_finite())),
                format!("radius must be > 0, got {:?}", self.radius.unwrap_or(0.0)),
            ),
            (
                !(self.penalty >= 0.0 && self.penalty.is_finite()),
                format!("penalty must be >= 0, got {}", self.penalty),
            ),
            (
                !(self.prior_weight >= 0.0 && self.prior_weight.is_finite()),
                format!("prior_weight must be >= 0, got {}", self.prior_weight),
            ),
        ])
    }

    /// The point actually evaluated: `z` itself inside the ball, its projection outside.
    pub fn project(&self, z: &[f64]) -> Vec<f64> {
        let r = z.iter().map(|v| v * v).sum::<f64>().sqrt();
        match self.radius {
            Some(rad) if r > rad => z.iter().map(|v| v * rad / r).collect(),
            _ => z.to_vec(),
        }
    }

    fn extra(&self, z: &[f64]) -> f64 {
        let r2: f64 = z.iter().map(|v| v * v).sum();
        let outside = self.radius.map_or(0.0, |rad| (r2.sqrt() - rad).max(0.0));
        self.penalty * outside * outside + self.prior_weight * 0.5 * r2
    }
}

/// An objective seen through a [`Constraint`].
pub struct Constrained<'a, O: Objective + ?Sized> {
    pub inner: &'a mut O,
    pub constraint: Constraint,
}

impl<O: Objective + ?Sized> Objective for Constrained<'_, O> {
    fn dim(&self) -> usize {
        self.inner.dim()
    }

    fn values(&mut self, points: &[Vec<f64>]) -> Result<Vec<f64>, OptError> {
        let projected: Vec<Vec<f64>> = points.iter().map(|p| self.constraint.project(p)).collect();
        let v = self.inner.values(&projected)?;
        Ok(v.iter()
            .zip(points)
            .map(|(v, p)| v + self.constraint.extra(p))
            .collect())
    }

    fn values_and_grads(&mut self, points: &[Vec<f64>]) -> crate::Gradients {
        let projected: Vec<Vec<f64>> = points.iter().map(|p| self.constraint.project(p)).collect();
        let inner = match self.inner.values_and_grads(&projected)? {
            Ok(v) => v,
            Err(e) => return Some(Err(e)),
        };
        let c = &self.constraint;
        Some(Ok(inner
            .into_iter()
            .zip(points)
            .map(|((v, gq), p)| {
                let r = p.iter().map(|x| x * x).sum::<f64>().sqrt();
                let mut g = match c.radius {
                    Some(rad) if r > rad => {
                        // d(R p / r)/dp = (R / r)(I − p pᵀ / r²)
                        let pg: f64 = p.iter().zip(&gq).map(|(a, b)| a * b).sum();
                        p.iter()
                            .zip(&gq)
                            .map(|(pi, gi)| rad / r * (gi - pi * pg / (r * r)))
                            .collect::<Vec<f64>>()
                    }
                    _ => gq,
                };
                if let Some(rad) = c.radius.filter(|&rad| r > rad) {
                    g.iter_mut()
                        .zip(p)
                        .for_each(|(gi, pi)| *gi += 2.0 * c.penalty * (r - rad) * pi / r);
                }
                g.iter_mut().zip(p).for_each(|(gi, pi)| *gi += c.prior_weight * pi);
                (v + c.extra(p), g)
            })
            .collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testfn::{assert_gradient_matches, Sphere};

    #[test]
    fn gradient_matches_finite_differences_inside_and_outside() {
        let mut f = Sphere {
            shift: vec![3.0, -1.0, 0.5],
        };
        let c = Constraint {
            radius: Some(2.0),
            penalty: 5.0,
            prior_weight: 0.3,
        };
        let mut obj = Constrained {
            inner: &mut f,
            constraint: c,
        };
        for p in [vec![0.3, 0.2, -0.1], vec![2.5, -1.5, 1.0]] {
            assert_gradient_matches(&mut obj, &p, 1e-5);
        }
    }

    #[test]
    fn the_minimum_moves_to_the_wall() {
        let c = Constraint {
            radius: Some(1.0),
            penalty: 100.0,
            prior_weight: 0.0,
        };
        assert_eq!(c.project(&[3.0, 4.0]), vec![0.6, 0.8]);
        assert_eq!(c.project(&[0.3, 0.4]), vec![0.3, 0.4]);
    }
}
