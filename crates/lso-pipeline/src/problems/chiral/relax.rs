//! Zero-temperature relaxation of a set of vector-spin configurations, one per thread, with
//! progress: the `lso relax` command and any stage that judges relaxed states.

use super::data::ChiralSet;
use crate::error::Result;
use lso_physics::heisenberg::relax::{relax, RelaxSettings, Relaxed};
use lso_physics::heisenberg::{mz, topological_index, Heisenberg};
use rayon::prelude::*;
use serde::Serialize;

/// What relaxing one configuration did.
#[derive(Clone, Debug, Serialize)]
pub struct RelaxReport {
    pub index: usize,
    #[serde(flatten)]
    pub relaxed: Relaxed,
    pub w_before: f64,
    pub w_after: f64,
    pub mz_after: f64,
}

/// Relaxes every configuration of `set` in place under `model`, whose lattice must match.
pub fn relax_set(model: &Heisenberg, set: &mut ChiralSet, settings: &RelaxSettings) -> Result<Vec<RelaxReport>> {
    settings.check()?;
    let lat = model.lattice();
    let n = set.lx * set.ly;
    let pb = crate::progress::bar(set.len() as u64, "relax");
    let token = lso_physics::cancel::current();
    let reports = set
        .spins
        .par_chunks_mut(n)
        .enumerate()
        .panic_fuse()
        .map(|(index, s)| {
            lso_physics::cancel::inherit(&token, || {
                let w_before = topological_index(lat, s);
                let relaxed = relax(model, s, settings)?;
                pb.inc(1);
                Ok(RelaxReport {
                    index,
                    relaxed,
                    w_before,
                    w_after: topological_index(lat, s),
                    mz_after: mz(s),
                })
            })
        })
        .collect::<Result<Vec<_>>>();
    pb.finish_and_clear();
    reports
}
