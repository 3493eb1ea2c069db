//! One module per subcommand: each turns parsed arguments into calls on the libraries.

pub mod bench;
pub mod compare;
pub mod generate;
pub mod groundstate;
pub mod info;
pub mod inverse;
pub mod relax;
pub mod render;
pub mod run;
pub mod train;

use crate::cli::{Cli, Command, GenerateCommand, TrainCommand};
use anyhow::Result;
use lso_physics::{Boundary, Ising, Lattice, SpinSet};
use std::path::Path;

pub fn dispatch(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Generate(GenerateCommand::Ising(args)) => generate::ising(args),
        Command::Generate(GenerateCommand::Shapes(args)) => generate::shapes(args),
        Command::Generate(GenerateCommand::Chiral(args)) => generate::chiral(args),
        Command::Export(args) => generate::export(args),
        Command::Relax(args) => relax::run(args),
        Command::Info(args) => info::run(args),
        Command::Render(args) => render::run(args),
        Command::Run(args) => run::run(args),
        Command::Train(TrainCommand::Vae(args)) => train::vae(args),
        Command::Train(TrainCommand::Surrogate(args)) => train::surrogate(args),
        Command::Optimise(args) => train::optimise(args),
        Command::Inverse(args) => inverse::run(args),
        Command::Bench(args) => bench::run(args),
        Command::Groundstate(args) => groundstate::run(args),
        Command::Compare(args) => compare::run(args),
    }
}

/// Reads a `.npy` of spin grids; errors name the file.
pub fn load_spin_set(path: &Path) -> Result<SpinSet> {
    Ok(lso_pipeline::problems::ising::data::load_spins(path)?)
}

/// A uniform Ising model on the lattice of a dataset, for computing energies of its grids.
pub fn uniform_model(set: &SpinSet, boundary: Boundary, j: f64, h: f64) -> Result<Ising> {
    let lattice = Lattice::new(set.lx(), set.ly(), boundary)?;
    let model = Ising::new(
        lattice,
        lso_physics::Couplings::Uniform(j),
        lso_physics::Fields::Uniform(h),
    )?;
    Ok(model)
}
