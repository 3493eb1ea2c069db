use crate::cli::{InverseArgs, MethodArg};
use crate::error::usage;
use crate::imageio::{self, ImageOptions};
use crate::inverse::{self, Job, Method};
use crate::rundir::{ensure_free, Provenance, Staging};
use anyhow::{anyhow, Result};
use lso_physics::inverse::boltzmann::{BoltzmannConfig, Update};
use lso_physics::inverse::pseudolikelihood::{default_l2, PseudoLikelihoodConfig};
use lso_physics::{Lattice, SpinSet};
use std::path::Path;

fn method(a: &InverseArgs) -> Result<Method> {
    Ok(match a.method {
        MethodArg::Boltzmann => {
            let cfg = BoltzmannConfig {
                steps: a.steps,
                learning_rate: a.learning_rate,
                decay: a.decay,
                chains: a.chains,
                sweeps: a.sweeps,
                update: if a.update == "single-sample" {
                    Update::SingleSample
                } else {
                    Update::Averaged
                },
                ..Default::default()
            };
            cfg.validate().map_err(|e| usage(format!("invalid arguments: {e}")))?;
            Method::Boltzmann(cfg)
        }
        MethodArg::Pseudolikelihood => {
            let l2 = a.l2.unwrap_or_else(|| default_l2(a.params));
            if !(l2.is_finite() && l2 >= 0.0) {
                return Err(usage(format!("invalid arguments: --l2 must be >= 0, got {l2}")));
            }
            Method::PseudoLikelihood(PseudoLikelihoodConfig {
                l2,
                ..Default::default()
            })
        }
        MethodArg::Meanfield => Method::MeanField,
    })
}

/// All inputs as one set: `.npy` files as they are, images binarised; every grid the same size.
fn load(a: &InverseArgs) -> Result<SpinSet> {
    if a.size < 2 || a.tiles == 0 {
        return Err(usage(
            "invalid arguments: --size must be at least 2 and --tiles at least 1",
        ));
    }
    let opts = ImageOptions {
        size: a.size,
        tiles: a.tiles,
        threshold: a.threshold,
    };
    let mut sets: Vec<(String, SpinSet)> = Vec::new();
    for p in &a.data {
        let npy = p.extension().is_some_and(|e| e.eq_ignore_ascii_case("npy"));
        let set = if imageio::is_image(p) {
            imageio::load_images(&[p.as_path()], &opts)?
        } else if npy || p.extension().is_none() {
            super::load_spin_set(p)?
        } else {
            return Err(anyhow!(
                "{}: unsupported format: lso inverse reads .npy spin arrays and PNG or JPEG images",
                p.display()
            ));
        };
        sets.push((p.display().to_string(), set));
    }
    let (first_name, first) = &sets[0];
    let mut spins = Vec::new();
    for (name, s) in &sets {
        if (s.lx(), s.ly()) != (first.lx(), first.ly()) {
            return Err(anyhow!(
                "{name}: grids are {}×{}, but {first_name} has {}×{}",
                s.lx(),
                s.ly(),
                first.lx(),
                first.ly()
            ));
        }
        spins.extend_from_slice(s.as_slice());
    }
    Ok(SpinSet::new(first.lx(), first.ly(), spins)?)
}

pub fn run(a: InverseArgs) -> Result<()> {
    let method = method(&a)?;
    ensure_free(&a.out, a.force)?;
    let set = load(&a)?;
    let sites = (set.lx() * set.ly()) as f64;
    lso_pipeline::limits::check(
        &format!("--draw {} (samples of {} spins)", a.draw, set.lx() * set.ly()),
        lso_pipeline::limits::bytes(a.draw, 2.0 * sites + 24.0),
    )?;
    let lattice = Lattice::new(set.lx(), set.ly(), a.boundary)?;
    let names: Vec<String> = a.data.iter().map(|p| p.display().to_string()).collect();
    let outcome =
        inverse::fit(&set, &lattice, a.params, &method, a.seed).map_err(|e| anyhow!("{}: {e}", names.join(", ")))?;
    let settings = serde_json::json!({ "method": &method, "params": a.params, "boundary": a.boundary, "data": &names });
    let mut prov = Provenance::new(a.seed, &settings);
    prov.timings_s.insert("fit".into(), outcome.seconds);
    let staging = Staging::new(&a.out, a.force)?;
    let job = Job {
        params: a.params,
        method: &method,
        seed: a.seed,
        draw: a.draw,
        sources: names,
    };
    inverse::write(&staging, &set, &lattice, &job, &outcome, &prov)?;
    let dir = staging.commit()?;
    let couplings = Path::new(&dir).join("couplings.json");
    if let Some(step) = outcome.diverged_at {
        return Err(anyhow!(
            "{} learning diverged at step {step} (step size {} too large?); the last good parameters are in {}",
            method.name(),
            a.learning_rate,
            couplings.display()
        ));
    }
    let (j, h) = lso_physics::inverse::Layout::new(&lattice, a.params).summary(&lattice, &outcome.fit.couplings.theta);
    println!(
        "{} ({:?}) on {} samples of {}×{}: J = {j:.5}, h = {h:.5} (P ∝ exp(J Σ s s + h Σ s)), {:.2} s",
        method.name(),
        a.params,
        set.len(),
        set.lx(),
        set.ly(),
        outcome.seconds
    );
    println!("wrote {}", dir.display());
    Ok(())
}
