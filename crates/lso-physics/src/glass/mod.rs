//! Two-dimensional Edwards–Anderson spin glasses: instances, exact ground states of planar
//! (open-boundary) instances by minimum-weight perfect matching, and the direct baselines every
//! latent method is compared with.

pub mod instance;
pub mod matching;
pub mod planar;

pub use instance::BondKind;
pub mod baselines;
pub mod kernel;
pub mod toroidal;
