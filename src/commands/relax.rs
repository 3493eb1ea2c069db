//! `lso relax`: vector spins to their nearest energy minimum, in the format they came in.

use crate::cli::RelaxArgs;
use crate::rundir::{ensure_free, Provenance, Staging};
use anyhow::Result;
use lso_physics::heisenberg::relax::{Method, RelaxSettings, Stop};
use lso_physics::heisenberg::Heisenberg;
use lso_physics::{npy, ovf, Lattice};
use lso_pipeline::problems::chiral::{data, relax};
use std::time::Instant;

pub fn run(a: RelaxArgs) -> Result<()> {
    let settings = RelaxSettings {
        method: a.method.method(),
        tolerance: a.tolerance,
        max_steps: a.max_steps,
        ..RelaxSettings::default()
    };
    if let Err(e) = settings.check() {
        return Err(crate::error::usage(format!("--tolerance/--max-steps: {e}")));
    }
    ensure_free(&a.out, a.force)?;
    let (mut set, as_ovf) = data::load_tagged(&a.input)?;
    let m = &a.model;
    let model = Heisenberg::new(Lattice::new(set.lx, set.ly, m.boundary)?, m.j, m.d, m.dmi(), m.k, m.b)?;
    let t0 = Instant::now();
    let reports = relax::relax_set(&model, &mut set, &settings)?;
    let seconds = t0.elapsed().as_secs_f64();
    let staging = Staging::new(&a.out, a.force)?;
    if as_ovf {
        for k in 0..set.len() {
            let title = format!("lso relax of {} segment {k}", a.input.display());
            staging.write(
                &format!("config_{k:05}.ovf"),
                &ovf::encode(set.config(k), set.lx, set.ly, &title, ovf::OvfFormat::Text),
            )?;
        }
    } else {
        let flat: Vec<f64> = set.spins.iter().flatten().copied().collect();
        staging.write("spins.npy", &npy::encode(&[set.len(), set.ly, set.lx, 3], &flat))?;
    }
    let energies: Vec<f64> = reports.iter().map(|r| r.relaxed.energy_after).collect();
    staging.write("energy.npy", &npy::encode(&[energies.len()], &energies))?;
    staging.write_json("relax.json", &reports)?;
    let config = serde_json::json!({
        "input": a.input.display().to_string(),
        "model": {
            "kind": "heisenberg-dmi",
            "hamiltonian": "H = -J sum S_i.S_j - sum D_ij.(S_i x S_j) - K sum (S_i^z)^2 - B sum S_i^z",
            "lx": set.lx, "ly": set.ly, "boundary": m.boundary, "j": m.j, "d": m.d, "dmi": model.dmi, "k": m.k, "b": m.b,
        },
        "method": match settings.method {
            Method::Lbfgs => "L-BFGS on spin rotations (Ivanov, Uzdin and Jónsson 2021) with a monotone energy safeguard",
            Method::VelocityProjection => "velocity projection (Bessarab et al. 2015) with a monotone energy safeguard",
        },
        "settings": settings,
    });
    let mut prov = Provenance::new(0, &config);
    prov.timings_s.insert("relax".into(), seconds);
    staging.write_json("meta.json", &prov)?;
    let dir = staging.commit()?;
    let converged = reports.iter().filter(|r| r.relaxed.stop == Stop::Converged).count();
    let n = set.lx * set.ly;
    println!(
        "relaxed {} configurations of {}×{} in {seconds:.1} s; {converged} converged (torque < {:e})",
        reports.len(),
        set.lx,
        set.ly,
        a.tolerance
    );
    for r in reports.iter().take(8) {
        println!(
            "  #{:<4} ε {:.5} → {:.5}  W {:.2} → {:.2}  {} steps, {:?}",
            r.index,
            r.relaxed.energy_before / n as f64,
            r.relaxed.energy_after / n as f64,
            r.w_before,
            r.w_after,
            r.relaxed.steps,
            r.relaxed.stop
        );
    }
    println!("wrote {}", dir.display());
    Ok(())
}
