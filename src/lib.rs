//! The `lso` command-line program: argument parsing, configuration, run directories, pipeline
//! stages and figures. The physics lives in `lso-physics`; this crate only wires it together.

pub mod bench;
pub mod cli;
pub mod commands;
pub mod config;
pub mod error;
pub mod imageio;
pub mod plot;
pub mod progress;
pub mod report;
pub mod rundir;
pub mod stages;
