//! The `lso` command line: argument parsing, printing and exit codes over the libraries. The
//! pipeline and the problems live in `lso-pipeline`, the physics in `lso-physics`.

pub mod cli;
pub mod commands;
pub mod error;

pub use lso_pipeline::{bench, config, imageio, inverse, plot, report, rundir};
