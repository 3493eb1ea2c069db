//! `lso groundstate`: the exact ground state of a planar spin-glass instance (open boundaries,
//! minimum-weight perfect matching), or the best of independent parallel-tempering runs on a
//! torus, flagged as not exact. Writes `groundstate.json`, `spins.npy` (int8 `(Ly, Lx)`) and the
//! instance's `couplings.npy`, atomically.

use crate::error::{fail, Result};
use crate::rundir::{Provenance, Staging};
use lso_physics::glass::baselines::TemperingSettings;
use lso_physics::glass::{instance, planar, toroidal};
use lso_physics::{npy, Boundary, Ising};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// What a ground-state search found, as written to `groundstate.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroundState {
    pub energy: f64,
    pub energy_per_spin: f64,
    /// True for the planar matching solver and closed forms; false for tempering on a torus.
    pub exact: bool,
    pub method: String,
    pub seconds: f64,
    pub lx: usize,
    pub ly: usize,
    pub boundary: Boundary,
    pub convention: String,
    /// Planar: bound on the excess energy from integer bond costs (0 for ±J).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub quantisation_bound: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub frustrated_plaquettes: Option<usize>,
    /// Tempering: independent runs, and how many reached the best energy.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub runs: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub runs_agreeing: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sweeps_per_run: Option<u64>,
}

/// Settings for tori, where no exact solver applies.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TorusSettings {
    pub runs: usize,
    pub sweeps: u64,
    pub tempering: TemperingSettings,
    pub seed: u64,
}

impl Default for TorusSettings {
    fn default() -> Self {
        Self {
            runs: 8,
            sweeps: 20_000,
            tempering: TemperingSettings::default(),
            seed: 0,
        }
    }
}

/// The ground state of `model` and the spins that have it.
pub fn solve(model: &Ising, torus: &TorusSettings) -> Result<(GroundState, Vec<i8>)> {
    let l = model.lattice();
    let t0 = std::time::Instant::now();
    let n = l.sites() as f64;
    let mut gs = GroundState {
        energy: 0.0,
        energy_per_spin: 0.0,
        exact: false,
        method: String::new(),
        seconds: 0.0,
        lx: l.lx(),
        ly: l.ly(),
        boundary: l.boundary(),
        convention: "E = -sum_bonds J_ij s_i s_j".into(),
        quantisation_bound: None,
        frustrated_plaquettes: None,
        runs: None,
        runs_agreeing: None,
        sweeps_per_run: None,
    };
    let closed = model.uniform_field() == Some(0.0) && model.ground_state_energy().is_some();
    let spins = match l.boundary() {
        // Uniform couplings need no search: all up, or the Néel state of an antiferromagnet.
        _ if closed => {
            let j = model.uniform_coupling().expect("closed forms need uniform couplings");
            gs.exact = true;
            gs.method = "closed form (uniform couplings)".into();
            let s: Vec<i8> = (0..l.sites())
                .map(|i| if j >= 0.0 || l.colour(i) == 0 { 1 } else { -1 })
                .collect();
            gs.energy = model.energy(&s);
            s
        }
        Boundary::Open => {
            let g = planar::ground_state(model)?;
            gs.exact = true;
            gs.method = "minimum-weight perfect matching on the expanded dual (planar, exact)".into();
            gs.quantisation_bound = Some(g.quantisation_bound);
            gs.frustrated_plaquettes = Some(g.frustrated_plaquettes);
            gs.energy = g.energy;
            g.spins
        }
        Boundary::Periodic => {
            if torus.runs == 0 || torus.sweeps == 0 {
                return Err(fail!("--runs and --sweeps must be at least 1"));
            }
            let b = toroidal::best_of_tempering(model, torus.runs, torus.sweeps, &torus.tempering, torus.seed)?;
            gs.method = format!(
                "best of {} independent parallel-tempering runs ({} replicas, T {}..{}, {} sweeps each); a torus is not planar, so not proven",
                torus.runs, torus.tempering.replicas, torus.tempering.t_min, torus.tempering.t_max, torus.sweeps
            );
            gs.runs = Some(b.runs);
            gs.runs_agreeing = Some(b.agreed);
            gs.sweeps_per_run = Some(b.sweeps_per_run);
            gs.energy = b.energy;
            b.spins
        }
    };
    gs.energy_per_spin = gs.energy / n;
    gs.seconds = t0.elapsed().as_secs_f64();
    Ok((gs, spins))
}

/// Writes the instance, its ground state and provenance into `out` (refusing to replace an
/// existing directory unless `force`).
pub fn write<C: Serialize>(
    out: &Path,
    force: bool,
    model: &Ising,
    gs: &GroundState,
    spins: &[i8],
    provenance: &Provenance<'_, C>,
) -> Result<std::path::PathBuf> {
    let l = model.lattice();
    let staging = Staging::new(out, force)?;
    staging.write("couplings.npy", &instance::encode(model))?;
    staging.write("spins.npy", &npy::encode(&[l.ly(), l.lx()], spins))?;
    staging.write_json("groundstate.json", gs)?;
    staging.write_json("provenance.json", provenance)?;
    staging.commit()
}

/// Reads a `groundstate.json`; errors name the file.
pub fn read(path: &Path) -> Result<GroundState> {
    crate::rundir::read_json(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lso_physics::{Couplings, Fields, Lattice};

    #[test]
    fn uniform_couplings_take_the_closed_form_on_any_boundary() {
        for (b, j, e) in [
            (Boundary::Periodic, 1.0, -32.0),
            (Boundary::Periodic, -1.0, -32.0),
            (Boundary::Open, 1.0, -24.0),
        ] {
            let m = Ising::new(
                Lattice::new(4, 4, b).unwrap(),
                Couplings::Uniform(j),
                Fields::Uniform(0.0),
            )
            .unwrap();
            let (gs, s) = solve(&m, &TorusSettings::default()).unwrap();
            assert!(gs.exact && gs.method.starts_with("closed form"));
            assert_eq!((gs.energy, m.energy(&s)), (e, e));
        }
    }
}
