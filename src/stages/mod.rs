//! Pipeline stages: each takes its own checked config section, a seed and an output directory.

pub mod chiral;
pub mod control;
pub mod generate;
pub mod inverse;
pub mod optimise;
pub mod shapes;
pub mod surrogate;
pub mod vae;
