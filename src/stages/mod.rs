//! Pipeline stages: each takes its own checked config section, a seed and an output directory.

pub mod control;
pub mod generate;
pub mod inverse;
