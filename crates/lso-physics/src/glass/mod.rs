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
use rand::Rng;

/// Uniformly random ±1 spins: the start of every direct baseline and chain.
pub(crate) fn random_spins<R: Rng + ?Sized>(n: usize, rng: &mut R) -> Vec<i8> {
    (0..n).map(|_| if rng.random::<bool>() { 1 } else { -1 }).collect()
}

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

/// Test support: one chain's mean energy per spin against exact enumeration at `beta`, after
/// 500 sweeps of burn-in, over 200,000 sweeps (`sweep` runs one and returns the energy). Sweeps 4
/// apart are close to independent on the small lattices used, so the standard error allows for
/// correlation with sd / √(samples / 4); passes within 4σ.
#[cfg(test)]
pub(crate) fn assert_samples_boltzmann(model: &Ising, beta: f64, label: &str, mut sweep: impl FnMut(f64) -> f64) {
    let n = model.sites() as f64;
    let ex = crate::exact::moments(model, beta).unwrap();
    for _ in 0..500 {
        sweep(beta);
    }
    let samples = 200_000;
    let sum: f64 = (0..samples).map(|_| sweep(beta)).sum();
    let mean = sum / samples as f64 / n;
    let se = (ex.energy_variance / n).sqrt() / (samples as f64 / 4.0).sqrt();
    assert!(
        (mean - ex.energy).abs() < 4.0 * se + 1e-4,
        "{label}: {mean} vs {} (se {se})",
        ex.energy
    );
}
