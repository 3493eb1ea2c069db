//! Objectives and ask/tell optimisers for latent-space search.
//!
//! - [`Objective`] (minimised) evaluates a batch of points at once, so a neural objective decodes
//!   a whole population in one tensor batch; [`Differentiable`] adds gradients.
//! - [`Optimiser`]: `ask()` for points, `tell()` their evaluations, `best()`. [`Adam`] (many
//!   independent starts in one batch), [`CmaEs`] (with IPOP restarts), [`RandomSearch`], and
//!   Park et al.'s [`Genetic`] algorithm and [`Stochastic`] algorithm (seed 001).
//! - [`driver::run`] runs any optimiser to an evaluation budget and records a trace.
//! - [`Constrained`] keeps the search where a model knows something: a ball of radius R
//!   (repair + penalty) and a Gaussian prior term.
//! - [`Frame`]: which Gaussian over z an explorer's N(0, I) stands for (the VAE's prior, or one
//!   fitted to the encoded training codes).
//! - [`Polished`]: any explorer for part of a budget, then Adam from its best point.
//! - [`Multistart`]: many Adam descents from screened draws, raced by successive halving.
//! - [`Replica`]: replica exchange (parallel tempering) with Langevin moves on a temperature ladder.
//! - [`testfn`]: functions with known minima for the tests.
//!
//! ```
//! use lso_opt::{driver, testfn::Sphere, CmaEs, CmaEsConfig};
//! let mut f = Sphere { shift: vec![1.0; 4] };
//! let mut opt = CmaEs::new(&CmaEsConfig { sigma: 1.0, ..Default::default() }, vec![0.0; 4], 7).unwrap();
//! let trace = driver::run(&mut opt, &mut f, 4000).unwrap();
//! assert!(trace.best_value < 1e-8);
//! ```

// Index loops mirror the published update formulas, and `!(x > 0.0)` deliberately rejects NaN.
#![allow(clippy::needless_range_loop, clippy::neg_cmp_op_on_partial_ord)]

pub mod adam;
pub mod bo;
pub mod cmaes;
pub mod constrained;
pub mod driver;
pub mod frame;
pub mod genetic;
pub mod gp;
pub mod linalg;
pub mod multistart;
pub mod polish;
pub mod random;
pub mod replica;
mod screen;
pub mod stochastic;
pub mod testfn;

pub use adam::{Adam, AdamConfig};
pub use bo::{Acquisition, BoConfig, LatentBo};
pub use cmaes::{CmaEs, CmaEsConfig};
pub use constrained::{Constrained, Constraint};
pub use frame::{Frame, Framed};
pub use genetic::{Genetic, GeneticConfig};
pub use multistart::{Multistart, MultistartConfig};
pub use polish::{PolishConfig, Polished};
pub use random::RandomSearch;
pub use replica::{Moves, Replica, ReplicaConfig};
pub use stochastic::{Stochastic, StochasticConfig};

use thiserror::Error;

/// The first failed `(bad, message)` check as a [`OptError::Config`] naming its setting.
pub(crate) fn first_problem(checks: Vec<(bool, String)>) -> Result<(), OptError> {
    match checks.into_iter().find(|(bad, _)| *bad) {
        Some((_, m)) => Err(OptError::Config(m)),
        None => Ok(()),
    }
}

#[derive(Debug, Error, Clone, PartialEq)]
pub enum OptError {
    #[error("invalid optimiser setting: {0}")]
    Config(String),
    #[error("the objective returned a non-finite value at evaluation {0}")]
    NonFinite(usize),
    #[error("{optimiser} needs gradients, but the objective has none")]
    NeedsGradient { optimiser: &'static str },
    #[error("objective: {0}")]
    Objective(String),
}

/// Values with their gradients, one pair per point; `None` from an objective without gradients.
pub type Gradients = Option<Result<Vec<(f64, Vec<f64>)>, OptError>>;

/// A function to minimise over `R^dim`, evaluated in batches.
pub trait Objective {
    fn dim(&self) -> usize;
    fn values(&mut self, points: &[Vec<f64>]) -> Result<Vec<f64>, OptError>;
    /// Values and gradients, for objectives that have them.
    fn values_and_grads(&mut self, _points: &[Vec<f64>]) -> Gradients {
        None
    }
}

/// One evaluated point.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    pub point: Vec<f64>,
    pub value: f64,
    pub grad: Option<Vec<f64>>,
}

pub trait Optimiser {
    fn name(&self) -> &'static str;
    /// Whether `tell` needs gradients.
    fn needs_gradient(&self) -> bool {
        false
    }
    /// The next points to evaluate.
    fn ask(&mut self) -> Vec<Vec<f64>>;
    /// Evaluations of the points from the last `ask`, in the same order.
    fn tell(&mut self, evaluations: &[Evaluation]) -> Result<(), OptError>;
    /// The best point seen so far and its value.
    fn best(&self) -> Option<(&[f64], f64)>;
    /// Figures of the explorer's own state worth keeping beside its result, by name (a
    /// ladder's temperatures and exchange rates); none for most explorers.
    fn diagnostics(&self) -> Vec<(&'static str, Vec<f64>)> {
        Vec::new()
    }
}

/// Keeps the lowest value seen.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BestSoFar {
    pub point: Vec<f64>,
    pub value: Option<f64>,
}

impl BestSoFar {
    pub fn offer(&mut self, point: &[f64], value: f64) -> bool {
        if self.value.is_none_or(|v| value < v) {
            self.point = point.to_vec();
            self.value = Some(value);
            true
        } else {
            false
        }
    }
    pub fn get(&self) -> Option<(&[f64], f64)> {
        self.value.map(|v| (self.point.as_slice(), v))
    }
}

pub(crate) fn rng(seed: u64) -> rand_xoshiro::Xoshiro256PlusPlus {
    use rand::SeedableRng;
    rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed)
}
