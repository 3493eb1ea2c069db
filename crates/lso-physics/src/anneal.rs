//! Simulated annealing: a schedule of inverse temperatures driving any [`Sampler`].

use crate::sampler::Sampler;
use crate::{Ising, PhysicsError};
use rand::Rng;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ScheduleKind {
    #[default]
    Geometric,
    Linear,
}

/// Which quantity the schedule interpolates: `start`/`end` are temperatures or inverse
/// temperatures accordingly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ScheduleVariable {
    #[default]
    Temperature,
    Beta,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Schedule {
    pub kind: ScheduleKind,
    pub variable: ScheduleVariable,
    pub start: f64,
    pub end: f64,
    /// Number of temperature steps (at least 2).
    pub steps: usize,
    /// Sweeps at each step.
    pub sweeps_per_step: usize,
}

impl Schedule {
    pub fn new(
        kind: ScheduleKind,
        variable: ScheduleVariable,
        start: f64,
        end: f64,
        steps: usize,
        sweeps_per_step: usize,
    ) -> Result<Self, PhysicsError> {
        let s = Self {
            kind,
            variable,
            start,
            end,
            steps,
            sweeps_per_step,
        };
        s.validate()?;
        Ok(s)
    }

    pub fn validate(&self) -> Result<(), PhysicsError> {
        let bad = |m: String| Err(PhysicsError::InvalidParameter(m));
        if !(self.start.is_finite() && self.end.is_finite()) {
            return bad(format!(
                "schedule ends must be finite, got {} and {}",
                self.start, self.end
            ));
        }
        let min_ok = match (self.variable, self.kind) {
            (ScheduleVariable::Temperature, _) | (ScheduleVariable::Beta, ScheduleKind::Geometric) => {
                self.start > 0.0 && self.end > 0.0
            }
            (ScheduleVariable::Beta, ScheduleKind::Linear) => self.start >= 0.0 && self.end >= 0.0,
        };
        if !min_ok {
            return bad(format!(
                "schedule ends must be positive, got {} and {}",
                self.start, self.end
            ));
        }
        if self.steps < 2 || self.sweeps_per_step == 0 {
            return bad(format!(
                "schedule needs at least 2 steps and 1 sweep per step, got {} and {}",
                self.steps, self.sweeps_per_step
            ));
        }
        Ok(())
    }

    /// The inverse temperature at each step.
    pub fn betas(&self) -> Vec<f64> {
        let n = self.steps;
        (0..n)
            .map(|k| {
                let t = k as f64 / (n - 1) as f64;
                let v = match self.kind {
                    ScheduleKind::Geometric => self.start * (self.end / self.start).powf(t),
                    ScheduleKind::Linear => self.start + (self.end - self.start) * t,
                };
                match self.variable {
                    ScheduleVariable::Temperature => 1.0 / v,
                    ScheduleVariable::Beta => v,
                }
            })
            .collect()
    }

    pub fn total_sweeps(&self) -> usize {
        self.steps * self.sweeps_per_step
    }
}

/// Runs the schedule on `spins` in place and returns the energy after each step.
pub fn anneal<S: Sampler, R: Rng + ?Sized>(
    model: &Ising,
    spins: &mut [i8],
    sampler: &mut S,
    schedule: &Schedule,
    rng: &mut R,
) -> Result<Vec<f64>, PhysicsError> {
    schedule.validate()?;
    let mut trace = Vec::with_capacity(schedule.steps);
    for beta in schedule.betas() {
        crate::cancel::check();
        for _ in 0..schedule.sweeps_per_step {
            sampler.sweep(model, spins, beta, rng)?;
        }
        trace.push(model.energy(spins));
    }
    Ok(trace)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_hit_their_ends() {
        let g = Schedule::new(ScheduleKind::Geometric, ScheduleVariable::Temperature, 4.0, 0.25, 5, 1).unwrap();
        let b = g.betas();
        assert!((b[0] - 0.25).abs() < 1e-12 && (b[4] - 4.0).abs() < 1e-12);
        assert!((b[2] - 1.0).abs() < 1e-12, "geometric midpoint of 4 and 1/4 is 1");
        let l = Schedule::new(ScheduleKind::Linear, ScheduleVariable::Beta, 0.0, 2.0, 3, 1).unwrap();
        assert_eq!(l.betas(), vec![0.0, 1.0, 2.0]);
        assert!(Schedule::new(ScheduleKind::Geometric, ScheduleVariable::Temperature, 0.0, 1.0, 5, 1).is_err());
        assert!(Schedule::new(ScheduleKind::Linear, ScheduleVariable::Temperature, 2.0, 1.0, 1, 1).is_err());
    }
}
