//! The lso pipeline: the problem interface, one generic run over it, and the problems.
//!
//! - [`problem::Problem`]: what a physical problem brings — its data, latent model, named
//!   objectives, the *judge* (true f64 observables of decoded configurations), its direct
//!   controls and report sections. [`problems`] holds Ising (seed 000), chiral magnets (seed
//!   001) and shapes (seed 003).
//! - [`pipeline::run`]: data → model stages → search → controls → results → report, each stage
//!   cached by a hash of its inputs and the lso version; [`pipeline::AnyProblem`] picks the
//!   problem from a config.
//! - [`explorer::build`]: every explorer (Adam, CMA-ES, random, genetic, stochastic, BO) from
//!   one factory; [`search`] runs them all on every objective, restarts in lockstep, in the
//!   frame `[optimise] prior` names (the VAE's N(0, I) or the encoded codes' Gaussian).
//! - [`results`]: the one results schema (`"schema": 2`) and the summary table.
//! - Files: [`rundir`] (atomic writes, staged directories), [`config`], [`report`], [`plot`].
//!
//! The `lso` binary and the Python package are thin front ends over this crate.

pub mod bench;
pub mod compare;
pub mod config;
pub mod controls;
pub mod error;
pub mod explorer;
pub mod fuzz;
pub mod groundstate;
pub mod imageio;
pub mod inverse;
pub mod limits;
pub mod pipeline;
pub mod plot;
pub mod problem;
pub mod problems;
pub mod progress;
pub mod report;
pub mod results;
pub mod retrain;
pub mod run_report;
pub mod rundir;
pub mod search;
pub mod vae_files;

pub use error::{Error, Result};
pub use pipeline::{AnyProblem, RunOptions, RunOutput};
pub use problem::Problem;
