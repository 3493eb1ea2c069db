//! A simulated-annealing schedule with the sampler that runs it (Ising data and controls).

use super::Checker;
use lso_physics::{SamplerKind, ScheduleKind, ScheduleVariable};
use serde::{Deserialize, Serialize};

/// A simulated-annealing schedule with the sampler that runs it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AnnealConfig {
    pub sampler: SamplerKind,
    pub schedule: ScheduleKind,
    pub variable: ScheduleVariable,
    pub start: f64,
    pub end: f64,
    pub steps: usize,
    pub sweeps_per_step: usize,
}

impl Default for AnnealConfig {
    fn default() -> Self {
        Self {
            sampler: SamplerKind::HeatBath,
            schedule: ScheduleKind::Geometric,
            variable: ScheduleVariable::Temperature,
            start: 4.0,
            end: 0.5,
            steps: 100,
            sweeps_per_step: 10,
        }
    }
}

impl AnnealConfig {
    pub fn schedule(&self) -> lso_physics::Schedule {
        lso_physics::Schedule {
            kind: self.schedule,
            variable: self.variable,
            start: self.start,
            end: self.end,
            steps: self.steps,
            sweeps_per_step: self.sweeps_per_step,
        }
    }

    pub fn check(&self, c: &mut Checker, section: &str) {
        if let Err(e) = self.schedule().validate() {
            c.require(false, section, || format!("is not a valid schedule: {e}"));
        }
        c.require(
            self.sampler != SamplerKind::Wolff,
            &format!("{section}.sampler"),
            || "must be metropolis or heat-bath (annealing needs a local sampler)".into(),
        );
    }
}
