//! Chiral-magnet datasets (seed 001): annealed Heisenberg–DMI configurations as `spins.npy`
//! float32 `(M, Ly, Lx, 3)` unit vectors, with `energy.npy`, `mz.npy`, `w.npy` and `meta.json`;
//! and the reader that checks such files.

use crate::error::{fail, Result};
use crate::progress;
use crate::rundir::{Provenance, Staging};
use lso_physics::chains::run_chains;
use lso_physics::heisenberg::{self, Dmi, Heisenberg, HeisenbergSampler, Spin};
use lso_physics::npy::{self, NpyData};
use lso_physics::rng::tag;
use lso_physics::{Boundary, Lattice};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::path::Path;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ChiralDataConfig {
    pub lx: usize,
    pub ly: usize,
    pub boundary: Boundary,
    pub j: f64,
    pub d: f64,
    pub dmi: Dmi,
    pub k: f64,
    pub b: f64,
    pub samples: usize,
    pub sampler: HeisenbergSampler,
    /// Geometric temperature schedule from `t_start` to `t_end` in `steps` steps.
    pub t_start: f64,
    pub t_end: f64,
    pub steps: usize,
    pub sweeps_per_step: usize,
}

impl Default for ChiralDataConfig {
    fn default() -> Self {
        Self {
            lx: 64,
            ly: 64,
            boundary: Boundary::Periodic,
            j: 1.0,
            d: 0.3,
            dmi: Dmi::Neel,
            k: 0.0,
            b: 0.0,
            samples: 100,
            sampler: HeisenbergSampler::HeatBath,
            t_start: 1.5,
            t_end: 0.02,
            steps: 100,
            sweeps_per_step: 10,
        }
    }
}

impl ChiralDataConfig {
    pub fn model(&self) -> Result<Heisenberg> {
        Ok(Heisenberg::new(
            Lattice::new(self.lx, self.ly, self.boundary)?,
            self.j,
            self.d,
            self.dmi,
            self.k,
            self.b,
        )?)
    }

    pub fn betas(&self) -> Vec<f64> {
        geometric_betas(self.t_start, self.t_end, self.steps)
    }

    pub fn check(&self) -> Result<()> {
        let bad = |m: String| Err(crate::error::usage(format!("invalid arguments: {m}")));
        if self.lx < 2 || self.ly < 2 || self.samples == 0 {
            return bad(format!(
                "size must be at least 2 and samples at least 1, got {}×{} and {}",
                self.lx, self.ly, self.samples
            ));
        }
        // Spins as f64 vectors while annealing and f32 for training.
        let sites = self.lx.saturating_mul(self.ly);
        crate::limits::check(
            &format!(
                "invalid arguments: {} samples of {}×{} spins",
                self.samples, self.lx, self.ly
            ),
            crate::limits::bytes(self.samples, sites as f64 * 3.0 * 12.0),
        )?;
        if !(self.t_start > 0.0 && self.t_end > 0.0 && self.t_start.is_finite())
            || self.steps < 2
            || self.sweeps_per_step == 0
        {
            return bad("the schedule needs positive temperatures, at least 2 steps and 1 sweep per step".into());
        }
        let updates = self.samples as f64 * self.steps as f64 * self.sweeps_per_step as f64 * sites as f64;
        if let Some(m) = crate::limits::work_over(
            &format!("annealing {} samples of {}×{}", self.samples, self.lx, self.ly),
            updates,
        ) {
            return bad(m);
        }
        Ok(())
    }
}

/// Inverse temperatures of a geometric schedule in temperature from `t_start` to `t_end`.
pub fn geometric_betas(t_start: f64, t_end: f64, steps: usize) -> Vec<f64> {
    lso_physics::Schedule {
        kind: lso_physics::ScheduleKind::Geometric,
        variable: lso_physics::ScheduleVariable::Temperature,
        start: t_start,
        end: t_end,
        steps: steps.max(2),
        sweeps_per_step: 1,
    }
    .betas()
}

pub struct ChiralSet {
    pub lx: usize,
    pub ly: usize,
    pub spins: Vec<Spin>,
}

impl ChiralSet {
    pub fn len(&self) -> usize {
        self.spins.len() / (self.lx * self.ly)
    }
    pub fn is_empty(&self) -> bool {
        self.spins.is_empty()
    }
    pub fn config(&self, k: usize) -> &[Spin] {
        let n = self.lx * self.ly;
        &self.spins[k * n..(k + 1) * n]
    }
}

pub fn generate(cfg: &ChiralDataConfig, seed: u64) -> Result<ChiralSet> {
    let model = cfg.model()?;
    let n = cfg.lx * cfg.ly;
    let betas = cfg.betas();
    let pb = progress::bar(cfg.samples as u64, "annealing");
    let configs = run_chains(cfg.samples, seed, tag("generate-chiral"), |_, rng| {
        let mut s: Vec<Spin> = (0..n).map(|_| heisenberg::random_spin(rng)).collect();
        heisenberg::anneal(&model, &mut s, cfg.sampler, &betas, cfg.sweeps_per_step, rng);
        pb.inc(1);
        s
    });
    pb.finish_and_clear();
    Ok(ChiralSet {
        lx: cfg.lx,
        ly: cfg.ly,
        spins: configs.into_iter().flatten().collect(),
    })
}

pub fn write(
    out: &Staging,
    set: &ChiralSet,
    cfg: &ChiralDataConfig,
    prov: &Provenance<'_, impl Serialize>,
) -> Result<()> {
    let model = cfg.model()?;
    let m = set.len();
    let flat: Vec<f32> = set.spins.iter().flat_map(|v| v.map(|c| c as f32)).collect();
    out.write("spins.npy", &npy::encode(&[m, set.ly, set.lx, 3], &flat))?;
    let energy: Vec<f64> = (0..m).map(|k| model.energy(set.config(k))).collect();
    let mz: Vec<f64> = (0..m).map(|k| heisenberg::mz(set.config(k))).collect();
    let w: Vec<f64> = (0..m)
        .map(|k| heisenberg::topological_index(model.lattice(), set.config(k)))
        .collect();
    out.write("energy.npy", &npy::encode(&[m], &energy))?;
    out.write("mz.npy", &npy::encode(&[m], &mz))?;
    out.write("w.npy", &npy::encode(&[m], &w))?;
    out.write_json(
        "meta.json",
        &json!({
            "model": {
                "kind": "heisenberg-dmi",
                "hamiltonian": "H = -J sum S_i.S_j - sum D_ij.(S_i x S_j) - K sum (S_i^z)^2 - B sum S_i^z",
                "lx": cfg.lx, "ly": cfg.ly, "boundary": cfg.boundary, "j": cfg.j, "d": cfg.d, "dmi": cfg.dmi, "k": cfg.k, "b": cfg.b,
                "spiral_period": 2.0 * std::f64::consts::PI / (cfg.d / cfg.j).atan(),
            },
            "source": "anneal",
            "sampler": cfg.sampler,
            "samples": m,
            "layout": "spins.npy is (M, Ly, Lx, 3) float32 unit vectors (S_x, S_y, S_z); site (y, x) at [k, y, x]",
            "provenance": prov,
        }),
    )
}

/// Whether `path` holds OVF rather than `.npy`: by its first bytes, or by its name when those
/// are neither format's (so a broken `.ovf` gets the OVF reader's message).
fn is_ovf(path: &Path, bytes: &[u8]) -> bool {
    if bytes.starts_with(b"\x93NUMPY") {
        return false;
    }
    bytes.starts_with(b"# OOMMF")
        || path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| ["ovf", "omf", "ohf"].contains(&e.to_ascii_lowercase().as_str()))
}

/// Whether `path` holds vector spins (OVF, or a 4-D `.npy` ending in 3) rather than Ising grids.
pub fn holds_vectors(path: &Path) -> bool {
    let Ok(bytes) = std::fs::read(path) else { return false };
    is_ovf(path, &bytes) || npy::decode(&bytes).is_ok_and(|a| a.shape.len() == 4 && a.shape[3] == 3)
}

/// Reads vector spins: float `.npy` of shape `(M, Ly, Lx, 3)` or `(Ly, Lx, 3)`, or an OVF 1.0/2.0
/// file (text or binary, every segment a configuration, as OOMMF, MuMax3 and Spirit write them).
/// Spins whose length is off by more than 1e-3 are refused (renormalising would hide a broken file).
pub fn load(path: &Path) -> Result<ChiralSet> {
    Ok(load_tagged(path)?.0)
}

/// [`load`], also saying whether the file was OVF (so an answer can go out in the same format).
pub fn load_tagged(path: &Path) -> Result<(ChiralSet, bool)> {
    let bytes = std::fs::read(path).map_err(|e| fail!("{}: cannot read: {e}", path.display()))?;
    let ovf = is_ovf(path, &bytes);
    let set = if ovf {
        let f = lso_physics::ovf::decode(&bytes).map_err(|e| fail!("{}: {e}", path.display()))?;
        ChiralSet {
            lx: f.nx,
            ly: f.ny,
            spins: f.spins,
        }
    } else {
        load_npy(path, &bytes)?
    };
    for (i, s) in set.spins.iter().enumerate() {
        let norm = heisenberg::dot(*s, *s).sqrt();
        if !norm.is_finite() || (norm - 1.0).abs() > 1e-3 {
            return Err(fail!(
                "{}: spin {i} has length {norm} (expected unit vectors)",
                path.display()
            ));
        }
    }
    Ok((set, ovf))
}

fn load_npy(path: &Path, bytes: &[u8]) -> Result<ChiralSet> {
    let a = npy::decode(bytes).map_err(|e| fail!("{}: {e}", path.display()))?;
    let (ly, lx) = match a.shape[..] {
        [m, ly, lx, 3] if m > 0 && ly > 0 && lx > 0 => (ly, lx),
        [ly, lx, 3] if ly > 0 && lx > 0 => (ly, lx),
        _ => {
            return Err(fail!(
                "{}: wrong shape {:?}: expected (M, Ly, Lx, 3) unit vectors",
                path.display(),
                a.shape
            ))
        }
    };
    let values: Vec<f64> = match &a.data {
        NpyData::F32(v) => v.iter().map(|&x| x as f64).collect(),
        NpyData::F64(v) => v.clone(),
        other => {
            return Err(fail!(
                "{}: expected float32 or float64 vectors, found {}",
                path.display(),
                other.dtype()
            ))
        }
    };
    let spins: Vec<Spin> = values.chunks(3).map(|c| [c[0], c[1], c[2]]).collect();
    Ok(ChiralSet { lx, ly, spins })
}
