//! `lso run`: the generic pipeline on the problem a config describes (or the embedded default).

use crate::cli::RunArgs;
use anyhow::Result;
use lso_pipeline::{AnyProblem, RunOptions};

pub fn run(a: RunArgs) -> Result<()> {
    let mut problem = match &a.config {
        Some(p) => AnyProblem::load(p)?,
        None => AnyProblem::embedded_default(),
    };
    if a.print_config {
        if let Some(s) = a.seed {
            problem.set_seed(s);
        }
        print!("{}", problem.to_toml()?);
        return Ok(());
    }
    let out = problem.run(&RunOptions {
        out: a.out.clone(),
        seed: a.seed,
        force: a.force,
    })?;
    println!();
    print!("{}", out.table);
    println!("report: {}", out.report.display());
    println!("run directory: {}", out.dir.display());
    Ok(())
}
