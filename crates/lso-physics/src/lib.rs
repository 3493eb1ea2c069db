//! Physics core of lso: lattices, spin models, Monte Carlo samplers, observables and
//! exact enumeration.
//!
//! The main types:
//! - [`Lattice`]: a square `lx × ly` lattice with periodic or open boundaries, its neighbour
//!   table, checkerboard sublattices and bond list.
//! - [`Ising`]: `E = −Σ_bonds J_ij s_i s_j − Σ_i h_i s_i` with uniform or per-bond couplings and
//!   uniform or per-site fields (seed 000; seed 002 for the Monte Carlo moments).
//! - Samplers implementing [`Sampler`]: [`Metropolis`], [`HeatBath`] (checkerboard sweeps) and
//!   [`Wolff`] clusters; [`MultiSpinIsing`] is a bit-packed checkerboard Metropolis for large
//!   uniform ferromagnets. [`anneal()`] and [`ParallelTempering`] drive samplers; they are not
//!   samplers themselves.
//! - [`heisenberg::Heisenberg`]: unit spins with exchange, Néel or Bloch DMI, anisotropy and
//!   field (seed 001), its exact heat-bath draw, the Berg–Lüscher topological index and the
//!   structure factor.
//! - [`shapes`]: 2D shapes as ordered points and their design metrics (seed 003).
//! - [`inverse`]: couplings from samples (seed 002).
//! - [`exact`]: full enumeration of small lattices, the reference for every statistical test.
//! - [`SpinSet`] and [`npy`]: datasets of configurations and the `.npy` format numpy reads.
//!
//! Every random choice takes an explicit generator; [`rng::stream`] derives independent,
//! reproducible generators from one seed so that parallel chains give the same numbers whatever
//! the thread count.
//!
//! ```
//! use lso_physics::{Boundary, Ising, Lattice};
//! let ising = Ising::ferromagnet(Lattice::new(20, 20, Boundary::Periodic).unwrap(), 1.0);
//! let up = vec![1i8; 400];
//! assert_eq!(ising.energy(&up), -800.0);
//! assert_eq!(ising.ground_state_energy(), Some(-800.0));
//! ```

pub mod anneal;
pub mod batch;
pub mod cancel;
pub mod chains;
pub mod dataset;
pub mod error;
pub mod exact;
pub mod glass;
pub mod heisenberg;
pub mod inverse;
pub mod isa;
pub mod ising;
pub mod lattice;
pub mod msc;
pub mod npy;
pub mod onsager;
pub mod ovf;
pub mod rng;
pub mod sampler;
pub mod shapes;
pub mod stats;
pub mod tempering;

pub use anneal::{anneal, Schedule, ScheduleKind, ScheduleVariable};
pub use dataset::SpinSet;
pub use error::PhysicsError;
pub use ising::{Couplings, Fields, Ising};
pub use lattice::{Boundary, Lattice};
pub use msc::MultiSpinIsing;
pub use sampler::{HeatBath, Metropolis, Sampler, SamplerKind, Wolff};
pub use tempering::ParallelTempering;
