//! `lso compare`: methods × instances × seeds at equal budgets of true energy evaluations, each
//! result measured against the instance's exact ground state.
//!
//! Work is split into independent cells (instance, method, seed), each written atomically to
//! `cells/` as it finishes, so a killed compare resumes where it stopped, `--shard i/n` runs a
//! deterministic slice, and `merge` joins shard directories into the report one run would give.

pub mod config;
pub mod latent;
pub mod report;
pub mod stats;

pub use config::{CompareConfig, Family, Method};

use crate::error::{fail, Result};
use crate::groundstate::{self, GroundState, TorusSettings};
use crate::rundir::{read_json, write_atomic, write_json};
use lso_physics::glass::{baselines, chain::Dynamics, instance, BondKind};
use lso_physics::rng::{mix, stream, tag};
use lso_physics::{Couplings, Fields, Ising, Lattice};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// One instance: its name, model and (exact or best-known) ground state.
#[derive(Clone, Debug)]
pub struct Instance {
    pub name: String,
    pub family: Family,
    pub size: usize,
    pub model: Ising,
}

/// One finished cell, as stored in `cells/NAME.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    pub config_hash: String,
    pub instance: String,
    pub family: Family,
    pub size: usize,
    /// A direct method (`random`, `greedy`, `anneal`, `tempering`), a latent explorer and its
    /// objective (`cmaes/energy`, `adam/surrogate`), or `prior`; `+data` adds the training
    /// data's cost to the budget.
    pub method: String,
    pub seed: usize,
    pub budgets: Vec<u64>,
    /// Best true energy reached within each budget; NaN (null in JSON) where the method had
    /// produced nothing yet.
    #[serde(with = "nan_as_null")]
    pub best: Vec<f64>,
    pub seconds: f64,
}

/// The instances a config describes, in a fixed order.
pub fn instances(cfg: &CompareConfig) -> Result<Vec<Instance>> {
    let mut out = Vec::new();
    for &family in &cfg.families {
        for &size in &cfg.sizes {
            for draw in 0..cfg.instances {
                let seed = mix(cfg.seed, tag("compare-instance"), ((size as u64) << 32) | draw as u64);
                let model = match family {
                    // Seed 000's model: a periodic ferromagnet, whose ground state is exact.
                    Family::Ferro => {
                        let l = Lattice::new(size, size, lso_physics::Boundary::Periodic)?;
                        Ising::new(l, Couplings::Uniform(1.0), Fields::Uniform(0.0))?
                    }
                    Family::Pm => instance::random(size, size, cfg.boundary, BondKind::Pm, seed)?,
                    Family::Gaussian => instance::random(size, size, cfg.boundary, BondKind::Gaussian, seed)?,
                    Family::Uniform => instance::random(size, size, cfg.boundary, BondKind::Uniform, seed)?,
                };
                out.push(Instance {
                    name: format!("{}-{size}-{draw}", family.name()),
                    family,
                    size,
                    model,
                });
            }
        }
    }
    Ok(out)
}

/// A unit of work: one direct method on one instance and seed, or every latent method on one
/// instance and seed (they share a trained model).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Job {
    Direct(usize, Method, usize),
    Latent(usize, usize),
}

impl Job {
    fn instance(self) -> usize {
        match self {
            Job::Direct(i, _, _) | Job::Latent(i, _) => i,
        }
    }
}

/// Every job of the config, in a fixed order.
pub fn jobs(cfg: &CompareConfig, insts: &[Instance]) -> Vec<Job> {
    let mut v = Vec::new();
    for (i, inst) in insts.iter().enumerate() {
        for s in 0..cfg.seeds {
            for &m in &cfg.methods {
                v.push(Job::Direct(i, m, s));
            }
            if cfg.latent.sizes.contains(&inst.size) {
                v.push(Job::Latent(i, s));
            }
        }
    }
    v
}

/// The file a job's cells are kept in (a latent job's holds a list).
fn job_path(dir: &Path, insts: &[Instance], job: Job) -> PathBuf {
    let (inst, what, seed) = match job {
        Job::Direct(i, m, s) => (&insts[i].name, m.name(), s),
        Job::Latent(i, s) => (&insts[i].name, "latent", s),
    };
    dir.join("cells").join(format!("{inst}__{what}__s{seed}.json"))
}

/// A finished job's cells, if its file exists; cells made by another config are an error.
fn read_job(path: &Path, job: Job, hash: &str) -> Result<Option<Vec<Cell>>> {
    if !path.exists() {
        return Ok(None);
    }
    let cells = match job {
        Job::Direct(..) => vec![read_json::<Cell>(path)?],
        Job::Latent(..) => read_json::<Vec<Cell>>(path)?,
    };
    if cells.iter().any(|c| c.config_hash != hash) {
        return Err(fail!("{}: made by another compare config", path.display()));
    }
    Ok(Some(cells))
}

/// The instance's ground state, computed once and kept under `instances/NAME/`.
fn ground_state(dir: &Path, inst: &Instance, cfg: &CompareConfig) -> Result<GroundState> {
    let d = dir.join("instances").join(&inst.name);
    let file = d.join("groundstate.json");
    if file.exists() {
        return groundstate::read(&file);
    }
    let torus = TorusSettings {
        seed: cfg.seed,
        ..Default::default()
    };
    let (gs, spins) = groundstate::solve(&inst.model, &torus)?;
    let prov = crate::rundir::Provenance::new(cfg.seed, cfg);
    // Shards on one file system may race to write the same instance; identical content, so
    // whichever lands first is kept.
    match groundstate::write(&d, false, &inst.model, &gs, &spins, &prov) {
        Ok(_) => Ok(gs),
        Err(_) if file.exists() => groundstate::read(&file),
        Err(e) => Err(e),
    }
}

fn run_cell(inst: &Instance, m: Method, seed: usize, cfg: &CompareConfig, hash: &str) -> Result<Cell> {
    let g = Dynamics::new(&inst.model);
    let mut rng = stream(mix(cfg.seed, tag(&inst.name), seed as u64), tag(m.name()), 0);
    let t0 = std::time::Instant::now();
    let a = match m {
        Method::Random => baselines::random_search(&g, &cfg.budgets, &mut rng)?,
        Method::Greedy => baselines::greedy(&g, &cfg.budgets, &mut rng)?,
        Method::Anneal => baselines::anneal(&g, &cfg.budgets, &cfg.anneal, &mut rng)?,
        Method::Tempering => baselines::tempering(&g, &cfg.budgets, &cfg.tempering, &mut rng)?,
    };
    Ok(Cell {
        config_hash: hash.to_string(),
        instance: inst.name.clone(),
        family: inst.family,
        size: inst.size,
        method: m.name().to_string(),
        seed,
        budgets: cfg.budgets.clone(),
        best: a.best,
        seconds: t0.elapsed().as_secs_f64(),
    })
}

/// Parses `i/n` (0-based shard `i` of `n`).
pub fn parse_shard(s: &str) -> Result<(usize, usize)> {
    let bad = || crate::error::Error::Usage(format!("--shard wants i/n with 0 <= i < n, got {s:?}"));
    let (i, n) = s.split_once('/').ok_or_else(bad)?;
    let (i, n): (usize, usize) = (
        i.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if n == 0 || i >= n {
        return Err(bad());
    }
    Ok((i, n))
}

/// Runs (or resumes) the cells of `shard` into `dir`; returns how many ran and how many were
/// already there.
pub fn run(cfg: &CompareConfig, dir: &Path, shard: (usize, usize)) -> Result<(usize, usize)> {
    let hash = crate::config::hash_of(cfg);
    std::fs::create_dir_all(dir.join("cells")).map_err(|e| fail!("{}: cannot create: {e}", dir.display()))?;
    let cfg_file = dir.join("compare.toml");
    let text = toml::to_string(cfg).expect("config serialises");
    if cfg_file.exists() {
        let old = std::fs::read_to_string(&cfg_file).map_err(|e| fail!("{}: cannot read: {e}", cfg_file.display()))?;
        if old != text {
            return Err(fail!(
                "{}: this directory holds a compare with another config; use another --out or --force",
                cfg_file.display()
            ));
        }
    } else {
        write_atomic(&cfg_file, text.as_bytes())?;
    }
    let insts = instances(cfg)?;
    let all = jobs(cfg, &insts);
    let mine: Vec<Job> = all
        .iter()
        .enumerate()
        .filter(|(k, _)| k % shard.1 == shard.0)
        .map(|(_, j)| *j)
        .collect();
    let mut needed: Vec<usize> = mine.iter().map(|j| j.instance()).collect();
    needed.dedup();
    let pb = crate::progress::bar(needed.len() as u64, "ground states");
    needed.par_iter().try_for_each(|&i| -> Result<()> {
        ground_state(dir, &insts[i], cfg)?;
        pb.inc(1);
        Ok(())
    })?;
    pb.finish_and_clear();
    let mut todo = Vec::new();
    for &job in &mine {
        if read_job(&job_path(dir, &insts, job), job, &hash)?.is_none() {
            todo.push(job);
        }
    }
    let pb = crate::progress::bar(todo.len() as u64, "compare");
    todo.par_iter().try_for_each(|&job| -> Result<()> {
        let path = job_path(dir, &insts, job);
        match job {
            Job::Direct(i, m, s) => write_json(&path, &run_cell(&insts[i], m, s, cfg, &hash)?)?,
            Job::Latent(i, s) => {
                let cells = crate::progress::muted(|| latent::run(dir, &insts[i], s, cfg, &hash))?;
                write_json(&path, &cells)?
            }
        }
        pb.inc(1);
        Ok(())
    })?;
    pb.finish_and_clear();
    Ok((todo.len(), mine.len() - todo.len()))
}

/// Everything the report needs: cells from every directory, with the instances' ground states.
pub struct Collected {
    pub cfg: CompareConfig,
    pub cells: Vec<Cell>,
    pub ground: std::collections::BTreeMap<String, GroundState>,
    pub missing: usize,
}

/// Reads the cells of one or more compare directories made with the same config.
pub fn collect(dirs: &[PathBuf]) -> Result<Collected> {
    let first = dirs
        .first()
        .ok_or_else(|| fail!("merge needs at least one directory"))?;
    let cfg_file = first.join("compare.toml");
    let text = std::fs::read_to_string(&cfg_file).map_err(|e| fail!("{}: cannot read: {e}", cfg_file.display()))?;
    let cfg = CompareConfig::parse(&text, &cfg_file.display().to_string())?;
    let hash = crate::config::hash_of(&cfg);
    for d in &dirs[1..] {
        let f = d.join("compare.toml");
        let t = std::fs::read_to_string(&f).map_err(|e| fail!("{}: cannot read: {e}", f.display()))?;
        if t != text {
            return Err(fail!(
                "{}: another config than {}; shards must share one",
                f.display(),
                cfg_file.display()
            ));
        }
    }
    let insts = instances(&cfg)?;
    let mut cells = Vec::new();
    let mut ground = std::collections::BTreeMap::new();
    let mut missing = 0;
    for job in jobs(&cfg, &insts) {
        let mut found = None;
        for d in dirs {
            if let Some(c) = read_job(&job_path(d, &insts, job), job, &hash)? {
                found = Some(c);
                break;
            }
        }
        match found {
            Some(c) => cells.extend(c),
            None => missing += 1,
        }
        let name = &insts[job.instance()].name;
        if !ground.contains_key(name) {
            if let Some(gs) = dirs.iter().find_map(|d| {
                let p = d.join("instances").join(name).join("groundstate.json");
                p.exists().then(|| groundstate::read(&p))
            }) {
                ground.insert(name.clone(), gs?);
            }
        }
    }
    Ok(Collected {
        cfg,
        cells,
        ground,
        missing,
    })
}

pub use report::{summarise, write_report, Summary};

/// JSON has no NaN: `null` stands for it.
mod nan_as_null {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(v: &[f64], s: S) -> Result<S::Ok, S::Error> {
        let o: Vec<Option<f64>> = v.iter().map(|x| x.is_finite().then_some(*x)).collect();
        o.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        let o: Vec<Option<f64>> = Vec::deserialize(d)?;
        Ok(o.into_iter().map(|x| x.unwrap_or(f64::NAN)).collect())
    }
}
