//! `lso train vae`, `lso train surrogate` and `lso optimise`: the Ising pipeline's stages on
//! their own, reading and writing the same directories `lso run` does.

use crate::cli::{OptimiseArgs, StageArgs, TrainSurrogateArgs, TrainVaeArgs};
use crate::rundir::{ensure_free, write_json, Provenance, Staging};
use anyhow::{anyhow, Result};
use lso_physics::SpinSet;
use lso_pipeline::problems::ising::{data, model, surrogate, IsingModel, IsingProblem, IsingRunConfig};
use lso_pipeline::results::{format_table, summary_rows, Results, SCHEMA};
use lso_pipeline::Problem;
use std::path::{Path, PathBuf};

fn settings(s: &StageArgs) -> Result<IsingRunConfig> {
    let mut cfg = match &s.config {
        Some(p) => IsingRunConfig::parse(&crate::config::read_text(p)?, &p.display().to_string())?,
        None => IsingRunConfig::embedded_default(),
    };
    if let Some(seed) = s.seed {
        cfg.seed = seed;
    }
    Ok(cfg)
}

fn spins_path(data: &Path) -> PathBuf {
    if data.is_dir() {
        data.join("spins.npy")
    } else {
        data.to_path_buf()
    }
}

fn load_spins(data: &Path) -> Result<(SpinSet, String)> {
    let p = spins_path(data);
    Ok((super::load_spin_set(&p)?, p.display().to_string()))
}

pub fn vae(a: TrainVaeArgs) -> Result<()> {
    let mut cfg = settings(&a.stage)?;
    if let Some(e) = a.epochs {
        cfg.vae.train.epochs = e;
        cfg.check("--epochs")?;
    }
    ensure_free(&a.stage.out, a.stage.force)?;
    let (set, name) = load_spins(&a.data)?;
    let resume = match &a.resume {
        Some(dir) => {
            let (m, c) = model::load(dir)?;
            model::check_fits(&c, &set, &name)?;
            if c != cfg.vae.network(c.input) {
                return Err(anyhow!(
                    "{}: the saved model's config differs from [vae] of the run config",
                    dir.join("vae.json").display()
                ));
            }
            Some(m)
        }
        None => None,
    };
    let t = model::train(&cfg.vae, &set, cfg.seed, resume)?;
    let staging = Staging::new(&a.stage.out, a.stage.force)?;
    model::write(&staging, &t)?;
    staging.write_json("provenance.json", &Provenance::new(cfg.seed, &cfg.vae))?;
    let dir = staging.commit()?;
    let last = &t.history.epochs[t.history.best_epoch];
    println!(
        "trained {} epochs (best {}: validation loss {:.3}); wrote {}",
        t.history.epochs.len(),
        t.history.best_epoch,
        last.val_loss,
        dir.display()
    );
    Ok(())
}

pub fn surrogate(a: TrainSurrogateArgs) -> Result<()> {
    let cfg = settings(&a.stage)?;
    ensure_free(&a.stage.out, a.stage.force)?;
    let d = data::load(&a.data)?;
    let (_, vcfg) = model::load(&a.vae)?;
    model::check_fits(&vcfg, &d.spins, &spins_path(&a.data).display().to_string())?;
    let latents = model::read_latents(&a.vae, vcfg.latent)?;
    if latents.len() / vcfg.latent != d.spins.len() {
        return Err(anyhow!(
            "{}: latents.npy has {} codes but {} holds {} grids",
            a.vae.display(),
            latents.len() / vcfg.latent,
            spins_path(&a.data).display(),
            d.spins.len()
        ));
    }
    let (s, r) = surrogate::train(&cfg.surrogate, &latents, vcfg.latent, &d.energy, cfg.seed)?;
    let staging = Staging::new(&a.stage.out, a.stage.force)?;
    surrogate::write(&staging, &s, &r)?;
    let dir = staging.commit()?;
    println!(
        "surrogate: held-out MSE {:.2} (constant predictor {:.2}), R² {:.3}; wrote {}",
        r.val_mse,
        r.constant_mse,
        r.val_r2,
        dir.display()
    );
    Ok(())
}

/// The search and controls on a trained model. Energies are judged with the data's own
/// Hamiltonian (its `meta.json` and `couplings.npy`), never with the run config's.
pub fn optimise(a: OptimiseArgs) -> Result<()> {
    let p = IsingProblem {
        cfg: settings(&a.stage)?,
    };
    ensure_free(&a.stage.out, a.stage.force)?;
    let d = data::load(&a.data)?;
    let m = IsingModel::load(&a.vae, &a.surrogate, &d, &spins_path(&a.data))?;
    let objectives = p.objectives(&d);
    let (outcomes, traces) = lso_pipeline::search::run(&p, &d, &m, &objectives)?;
    let (controls, _) = lso_pipeline::controls::run(&p, &d, &m, &objectives)?;
    let results = Results {
        schema: SCHEMA,
        problem: IsingProblem::KIND.into(),
        name: p.cfg.name.clone(),
        seed: p.cfg.seed,
        version: lso_pipeline::pipeline::VERSION.into(),
        reference: p.reference(&d),
        objectives,
        outcomes,
        controls,
    };
    let staging = Staging::new(&a.stage.out, a.stage.force)?;
    staging.write_json("results.json", &results)?;
    staging.write_json("traces.json", &traces)?;
    let dir = staging.commit()?;
    write_json(
        &dir.join("provenance.json"),
        &Provenance::new(p.cfg.seed, &p.cfg.optimise),
    )?;
    print!(
        "{}",
        format_table(&summary_rows(&results, &p.columns(), &|s, o| p.score(s, o)))
    );
    println!("wrote {}", dir.display());
    Ok(())
}
