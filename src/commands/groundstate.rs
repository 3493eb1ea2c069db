use crate::cli::{BondsArg, GroundstateArgs};
use crate::error::usage;
use crate::rundir::{ensure_free, Provenance};
use anyhow::Result;
use lso_physics::glass::{instance, BondKind};
use lso_pipeline::groundstate::{self, TorusSettings};
use lso_pipeline::problems::ising::data::read_instance;

pub fn run(a: GroundstateArgs) -> Result<()> {
    let model = match (&a.couplings, a.size, a.bonds) {
        (Some(path), _, _) => read_instance(path, a.boundary)?,
        (None, Some(l), Some(b)) => {
            if !(2..=4096).contains(&l) {
                return Err(usage("--size must be between 2 and 4096"));
            }
            let kind = match b {
                BondsArg::Pm => BondKind::Pm,
                BondsArg::Gaussian => BondKind::Gaussian,
                BondsArg::Uniform => BondKind::Uniform,
            };
            instance::random(l, l, a.boundary, kind, a.seed)?
        }
        _ => {
            return Err(usage(
                "give --couplings FILE, or --size L with --bonds pm|gaussian|uniform",
            ))
        }
    };
    ensure_free(&a.out, a.force)?;
    let torus = TorusSettings {
        runs: a.runs,
        sweeps: a.sweeps,
        seed: a.seed,
        ..Default::default()
    };
    let (gs, spins) = groundstate::solve(&model, &torus)?;
    let config = serde_json::json!({
        "couplings": a.couplings, "size": a.size, "bonds": a.bonds.map(|b| format!("{b:?}").to_lowercase()),
        "boundary": a.boundary, "torus": torus,
    });
    let mut prov = Provenance::new(a.seed, &config);
    prov.timings_s.insert("solve".into(), gs.seconds);
    let dir = groundstate::write(&a.out, a.force, &model, &gs, &spins, &prov)?;
    println!(
        "E_GS = {:.6} ({:.6} per spin), {}, {:.3} s{}",
        gs.energy,
        gs.energy_per_spin,
        if gs.exact { "exact" } else { "best known, not exact" },
        gs.seconds,
        gs.runs_agreeing.map_or(String::new(), |k| format!(
            "; {k} of {} runs agree",
            gs.runs.unwrap_or(0)
        ))
    );
    println!("wrote {}", dir.display());
    Ok(())
}
