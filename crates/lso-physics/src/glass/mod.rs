//! Two-dimensional Edwards–Anderson spin glasses: instances, exact ground states of planar
//! (open-boundary) instances by minimum-weight perfect matching, and the direct baselines every
//! latent method is compared with.

pub mod instance;
pub mod matching;
pub mod planar;

pub use instance::BondKind;
pub mod baselines;
pub mod chain;
pub mod checkerboard;
pub mod kernel;
pub mod multispin;
pub mod toroidal;

use crate::{Boundary, Ising};

/// Largest planar instance whose ground state is computed on the fly as a reference (64²: well
/// under a second); larger ones go through `lso groundstate`.
pub const REFERENCE_MAX_SITES: usize = 64 * 64;

/// The exact ground-state energy when it is cheap to know: closed form for uniform couplings,
/// the planar matching solver for open-boundary models without field up to
/// [`REFERENCE_MAX_SITES`]. `None` otherwise (periodic glasses have no exact solver).
pub fn reference_ground_state(model: &Ising) -> Option<f64> {
    if let Some(e) = model.ground_state_energy() {
        return Some(e);
    }
    let l = model.lattice();
    if l.boundary() == Boundary::Open && model.uniform_field() == Some(0.0) && l.sites() <= REFERENCE_MAX_SITES {
        planar::ground_state(model).ok().map(|g| g.energy)
    } else {
        None
    }
}
pub mod lanes;
pub mod replicas;
