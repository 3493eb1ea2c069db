//! The `generate` stage: Ising datasets from biased random spins (seed 000), equilibrium Monte
//! Carlo, or simulated annealing, written as `.npy` arrays numpy opens directly.

use super::dataconfig::{Disorder, IsingDataConfig, Source};
use super::IsingData;
use crate::error::fail;
use crate::error::{Context, Result};
use crate::progress;
use crate::rundir::{Provenance, Staging};
use lso_physics::chains::run_chains;
use lso_physics::ising::magnetisation;
use lso_physics::npy;
use lso_physics::rng::{stream, tag, SimRng};
use lso_physics::sampler::Sampler;
use lso_physics::Boundary;
use lso_physics::{anneal, Couplings, Fields, Ising, Lattice, SpinSet};
use rand::Rng;
use rayon::prelude::*;
use serde_json::json;
use std::path::Path;

/// A per-sample label array and its name: `p` (biased data) or `temperature` (Monte Carlo).
pub type Label = (&'static str, Vec<f64>);

pub struct IsingDataset {
    pub model: Ising,
    pub spins: SpinSet,
    pub energy: Vec<f64>,
    pub magnetisation: Vec<f64>,
    pub label: Option<Label>,
}

/// The model a dataset config describes; disordered bonds are drawn from `seed`.
pub fn build_model(cfg: &IsingDataConfig, seed: u64) -> Result<Ising> {
    if let Some(path) = &cfg.couplings {
        let m = read_instance(path, cfg.boundary)?;
        if (m.lattice().lx(), m.lattice().ly()) != (cfg.lx, cfg.ly) {
            return Err(fail!(
                "{}: holds a {}×{} instance but the config asks for lx = {}, ly = {}",
                path.display(),
                m.lattice().lx(),
                m.lattice().ly(),
                cfg.lx,
                cfg.ly
            ));
        }
        return Ok(if cfg.h == 0.0 { m } else { m.with_field(cfg.h) });
    }
    let lattice = Lattice::new(cfg.lx, cfg.ly, cfg.boundary)?;
    let seed = cfg.disorder_seed.unwrap_or(seed);
    if cfg.disorder == Disorder::Uniform {
        let m = lso_physics::glass::instance::random(
            cfg.lx,
            cfg.ly,
            cfg.boundary,
            lso_physics::glass::BondKind::Uniform,
            seed,
        )?;
        return Ok(m.with_field(cfg.h));
    }
    let mut rng = stream(seed, tag("disorder"), 0);
    let couplings = match cfg.disorder {
        Disorder::None => Couplings::Uniform(cfg.j),
        Disorder::Pm => Ising::spin_glass_pm(lattice.clone(), cfg.j, &mut rng)?
            .couplings()
            .clone(),
        Disorder::Gaussian => Ising::spin_glass_gaussian(lattice.clone(), cfg.j, 1.0, &mut rng)?
            .couplings()
            .clone(),
        Disorder::Uniform => unreachable!("handled above"),
    };
    Ok(Ising::new(lattice, couplings, Fields::Uniform(cfg.h))?)
}

/// Sizes of `blocks` near-equal blocks summing to `total` (the first ones one larger).
pub fn split_evenly(total: usize, blocks: usize) -> Vec<usize> {
    (0..blocks)
        .map(|b| total / blocks + usize::from(b < total % blocks))
        .collect()
}

fn random_spins(n: usize, p_down: f64, rng: &mut SimRng) -> Vec<i8> {
    (0..n)
        .map(|_| if rng.random::<f64>() < p_down { -1 } else { 1 })
        .collect()
}

pub fn generate(cfg: &IsingDataConfig, seed: u64) -> Result<IsingDataset> {
    let model = build_model(cfg, seed)?;
    let n = model.sites();
    let (configs, label): (Vec<Vec<i8>>, Option<Label>) = match cfg.source {
        Source::Biased => {
            let ps: Vec<f64> = split_evenly(cfg.samples, cfg.p.len())
                .into_iter()
                .zip(&cfg.p)
                .flat_map(|(count, &p)| std::iter::repeat_n(p, count))
                .collect();
            let pb = progress::bar(cfg.samples as u64, "biased");
            let configs = run_chains(cfg.samples, seed, tag("generate-biased"), |k, rng| {
                pb.inc(1);
                random_spins(n, ps[k], rng)
            });
            pb.finish_and_clear();
            (configs, Some(("p", ps)))
        }
        Source::Mc => {
            // Jobs are (temperature, samples) for each chain, in temperature order.
            let mut jobs = Vec::new();
            for (&t, count) in cfg
                .temperatures
                .iter()
                .zip(split_evenly(cfg.samples, cfg.temperatures.len()))
            {
                for c in split_evenly(count, cfg.chains.min(count.max(1))) {
                    if c > 0 {
                        jobs.push((t, c));
                    }
                }
            }
            let total: usize = jobs.iter().map(|&(_, c)| cfg.burn_in + c * cfg.thin).sum();
            let pb = progress::bar(total as u64, "monte carlo");
            let per_chain = run_chains(jobs.len(), seed, tag("generate-mc"), |k, rng| -> Result<Vec<Vec<i8>>> {
                let (t, count) = jobs[k];
                let mut sampler = cfg.sampler.build();
                let mut spins = random_spins(n, 0.5, rng);
                for _ in 0..cfg.burn_in {
                    sampler.sweep(&model, &mut spins, 1.0 / t, rng)?;
                    pb.inc(1);
                }
                let mut out = Vec::with_capacity(count);
                for _ in 0..count {
                    for _ in 0..cfg.thin {
                        sampler.sweep(&model, &mut spins, 1.0 / t, rng)?;
                    }
                    pb.inc(cfg.thin as u64);
                    out.push(spins.clone());
                }
                Ok(out)
            });
            pb.finish_and_clear();
            let mut configs = Vec::with_capacity(cfg.samples);
            let mut temps = Vec::with_capacity(cfg.samples);
            for ((t, _), chain) in jobs.iter().zip(per_chain) {
                let chain = chain?;
                temps.extend(std::iter::repeat_n(*t, chain.len()));
                configs.extend(chain);
            }
            (configs, Some(("temperature", temps)))
        }
        Source::Anneal => {
            let schedule = cfg.anneal.schedule();
            let pb = progress::bar(cfg.samples as u64, "annealing");
            let results = run_chains(cfg.samples, seed, tag("generate-anneal"), |_, rng| -> Result<Vec<i8>> {
                let mut spins = random_spins(n, 0.5, rng);
                anneal(&model, &mut spins, &mut cfg.anneal.sampler.build(), &schedule, rng)?;
                pb.inc(1);
                Ok(spins)
            });
            pb.finish_and_clear();
            (results.into_iter().collect::<Result<_>>()?, None)
        }
    };
    let energy: Vec<f64> = configs.par_iter().map(|s| model.energy(s)).collect();
    let magnetisation: Vec<f64> = configs.par_iter().map(|s| magnetisation(s)).collect();
    let spins = SpinSet::from_configs(cfg.lx, cfg.ly, configs)?;
    Ok(IsingDataset {
        model,
        spins,
        energy,
        magnetisation,
        label,
    })
}

/// Writes `spins.npy` (M, Ly, Lx) int8, `energy.npy` and `magnetisation.npy` (M,) float64, the
/// label array, `couplings.npy` (Ly, Lx, 2) for disordered bonds, and `meta.json`.
pub fn write(
    ds: &IsingDataset,
    cfg: &IsingDataConfig,
    out: &Staging,
    provenance: &Provenance<'_, impl serde::Serialize>,
) -> Result<()> {
    let m = ds.spins.len();
    out.write("spins.npy", &ds.spins.to_npy())?;
    out.write("energy.npy", &npy::encode(&[m], &ds.energy))?;
    out.write("magnetisation.npy", &npy::encode(&[m], &ds.magnetisation))?;
    let mut files = vec!["spins.npy", "energy.npy", "magnetisation.npy"];
    if let Some((name, values)) = &ds.label {
        let file = if *name == "p" { "p.npy" } else { "temperature.npy" };
        out.write(file, &npy::encode(&[m], values))?;
        files.push(file);
    }
    if let Couplings::PerBond(js) = ds.model.couplings() {
        out.write("couplings.npy", &npy::encode(&[cfg.ly, cfg.lx, 2], js))?;
        files.push("couplings.npy");
    }
    let e_min = ds.energy.iter().cloned().fold(f64::INFINITY, f64::min);
    let meta = json!({
        "model": {
            "kind": "ising",
            "hamiltonian": "E = -sum_bonds J_ij s_i s_j - sum_i h_i s_i",
            "lx": cfg.lx, "ly": cfg.ly, "boundary": cfg.boundary, "j": cfg.j, "h": cfg.h,
            "disorder": cfg.disorder,
            "ground_state_energy": lso_physics::glass::reference_ground_state(&ds.model),
        },
        "source": cfg.source,
        "sampler": match cfg.source { Source::Biased => None, Source::Mc => Some(cfg.sampler), Source::Anneal => Some(cfg.anneal.sampler) },
        "samples": m,
        "lowest_energy": e_min,
        "files": files,
        "layout": "spins.npy is (M, Ly, Lx) int8 in {-1, +1}, site (y, x) at [k, y, x]; couplings.npy [y, x, d] is the bond from (y, x) to (y, x+1) for d = 0 and to (y+1, x) for d = 1",
        "provenance": provenance,
    });
    out.write_json("meta.json", &meta).context("writing meta.json")
}

/// A spin-glass instance file (float64 `(Ly, Lx, 2)` bonds); errors name the file.
pub fn read_instance(path: &Path, boundary: Boundary) -> Result<Ising> {
    let bytes = std::fs::read(path).map_err(|e| fail!("{}: cannot read: {e}", path.display()))?;
    lso_physics::glass::instance::decode(&bytes, boundary).map_err(|e| fail!("{}: {e}", path.display()))
}

/// Reads a `.npy` file; errors name it.
fn read_npy(path: &Path) -> Result<npy::NpyArray> {
    let bytes = std::fs::read(path).map_err(|e| fail!("{}: cannot read: {e}", path.display()))?;
    npy::decode(&bytes).map_err(|e| fail!("{}: {e}", path.display()))
}

/// Reads a `.npy` of spin grids.
pub fn load_spins(path: &Path) -> Result<SpinSet> {
    let set = SpinSet::from_npy(&read_npy(path)?).map_err(|e| fail!("{}: {e}", path.display()))?;
    if set.lx() < 2 || set.ly() < 2 {
        return Err(fail!(
            "{}: grids are {}×{}; lso needs lattices of at least 2×2",
            path.display(),
            set.lx(),
            set.ly()
        ));
    }
    Ok(set)
}

/// The Hamiltonian a dataset directory was made with: `meta.json`'s model (lattice, boundary,
/// J, h) and, for disordered bonds, `couplings.npy`. A missing or unreadable `meta.json` is an
/// error: judging the data with a guessed Hamiltonian would give wrong energies silently.
pub fn load_model(dir: &Path) -> Result<Ising> {
    let meta_path = dir.join("meta.json");
    let text = std::fs::read_to_string(&meta_path).map_err(|e| {
        fail!(
            "{}: cannot read: {e} (the data's Hamiltonian is recorded there)",
            meta_path.display()
        )
    })?;
    let meta: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| fail!("{}: corrupt: {e}", meta_path.display()))?;
    let m = &meta["model"];
    let bad = |what: &str| fail!("{}: model.{what} is missing or invalid", meta_path.display());
    if m["kind"] != "ising" {
        return Err(fail!("{}: model.kind is {}, not ising", meta_path.display(), m["kind"]));
    }
    let size = |k: &str| m[k].as_u64().map(|v| v as usize).ok_or_else(|| bad(k));
    let (lx, ly) = (size("lx")?, size("ly")?);
    let boundary: Boundary = serde_json::from_value(m["boundary"].clone()).map_err(|_| bad("boundary"))?;
    let number = |k: &str| m[k].as_f64().filter(|v| v.is_finite()).ok_or_else(|| bad(k));
    let (j, h) = (number("j")?, number("h")?);
    let disorder: Disorder = serde_json::from_value(m["disorder"].clone()).unwrap_or_default();
    let lattice = Lattice::new(lx, ly, boundary).map_err(|e| fail!("{}: {e}", meta_path.display()))?;
    let cp = dir.join("couplings.npy");
    let couplings = if cp.exists() {
        let a = read_npy(&cp)?;
        match (&a.shape[..], a.data) {
            ([y, x, 2], npy::NpyData::F64(v)) if *y == ly && *x == lx => {
                if let Some(k) = v.iter().position(|j| !j.is_finite()) {
                    return Err(fail!("{}: bond {k} is not finite", cp.display()));
                }
                Couplings::PerBond(v)
            }
            (shape, data) => {
                return Err(fail!(
                    "{}: expected float64 ({ly}, {lx}, 2), found {} {shape:?}",
                    cp.display(),
                    data.dtype()
                ))
            }
        }
    } else if disorder != Disorder::None {
        return Err(fail!(
            "{}: missing: meta.json describes disordered bonds ({disorder:?})",
            cp.display()
        ));
    } else {
        Couplings::Uniform(j)
    };
    Ising::new(lattice, couplings, Fields::Uniform(h)).map_err(|e| fail!("{}: {e}", dir.display()))
}

/// Reads a dataset directory with the Hamiltonian that made it.
pub fn load(dir: &Path) -> Result<IsingData> {
    let spins_path = dir.join("spins.npy");
    let spins = load_spins(&spins_path)?;
    let model = load_model(dir)?;
    if (model.lattice().lx(), model.lattice().ly()) != (spins.lx(), spins.ly()) {
        return Err(fail!(
            "{}: grids are {}×{} but meta.json describes {}×{}",
            spins_path.display(),
            spins.lx(),
            spins.ly(),
            model.lattice().lx(),
            model.lattice().ly()
        ));
    }
    let energy: Vec<f64> = (0..spins.len()).map(|k| model.energy(spins.config(k))).collect();
    let magnetisation = (0..spins.len()).map(|k| magnetisation(spins.config(k))).collect();
    Ok(IsingData {
        ground_state: lso_physics::glass::reference_ground_state(&model),
        model,
        spins,
        energy,
        magnetisation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glass_instances_from_a_seed_or_a_file() {
        let base = IsingDataConfig {
            lx: 6,
            ly: 5,
            boundary: Boundary::Open,
            disorder: Disorder::Uniform,
            disorder_seed: Some(9),
            ..Default::default()
        };
        // disorder_seed fixes the instance whatever the run's seed.
        let a = build_model(&base, 1).unwrap();
        assert_eq!(a, build_model(&base, 2).unwrap());
        let js = lso_physics::glass::instance::bond_array(&a);
        assert!(js.iter().all(|j| (-1.0..1.0).contains(j)) && js.iter().any(|&j| j < -0.1));
        let free = IsingDataConfig {
            disorder_seed: None,
            ..base.clone()
        };
        assert_ne!(build_model(&free, 1).unwrap(), build_model(&free, 2).unwrap());
        // A file gives the same instance back; a size that disagrees with it is refused by name.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("inst.npy");
        std::fs::write(&path, lso_physics::glass::instance::encode(&a)).unwrap();
        let from_file = IsingDataConfig {
            disorder: Disorder::None,
            disorder_seed: None,
            couplings: Some(path.clone()),
            ..base.clone()
        };
        assert_eq!(build_model(&from_file, 0).unwrap(), a);
        let wrong = IsingDataConfig { lx: 7, ..from_file };
        let err = build_model(&wrong, 0).unwrap_err().to_string();
        assert!(err.contains("inst.npy") && err.contains("6×5"), "{err}");
    }

    #[test]
    fn split_is_even_and_complete() {
        assert_eq!(split_evenly(10, 3), vec![4, 3, 3]);
        assert_eq!(split_evenly(2, 4), vec![1, 1, 0, 0]);
    }

    #[test]
    fn biased_data_has_the_asked_for_bias() {
        let cfg = IsingDataConfig {
            lx: 20,
            ly: 20,
            samples: 200,
            ..Default::default()
        };
        let ds = generate(&cfg, 1).unwrap();
        let (a, b) = ds.magnetisation.split_at(100);
        // p(−1) = 0.35 gives m = 1 − 2p = 0.3 on average, p = 0.65 gives −0.3; the standard
        // error of a block mean is √(4p(1−p)/400/100) ≈ 0.0048.
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        assert!((mean(a) - 0.3).abs() < 4.0 * 0.0048, "{}", mean(a));
        assert!((mean(b) + 0.3).abs() < 4.0 * 0.0048, "{}", mean(b));
        assert_eq!(ds.energy[0], ds.model.energy(ds.spins.config(0)));
    }

    #[test]
    fn same_seed_same_data_on_any_thread_count() {
        let cfg = IsingDataConfig {
            lx: 8,
            ly: 8,
            samples: 24,
            source: Source::Mc,
            burn_in: 20,
            ..Default::default()
        };
        let run = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| generate(&cfg, 5).unwrap().spins)
        };
        assert_eq!(run(1), run(2));
    }
}
