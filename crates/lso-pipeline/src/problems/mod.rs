//! The problems the pipeline runs, each a [`crate::problem::Problem`]: its config, data, model,
//! judge, controls and report sections in one folder.

pub mod chiral;
pub mod ising;
pub mod shapes;

pub use chiral::ChiralProblem;
pub use ising::IsingProblem;
pub use shapes::ShapesProblem;
