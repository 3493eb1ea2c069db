//! The chiral-magnet problem (seed 001, Park et al.): annealed Heisenberg–DMI labyrinths → a
//! periodic convolutional VAE → latent search on ε, W, M_z, C(a) or a boundary condition, each
//! result judged by lso-physics' f64 observables of the decoded unit-spin field, beside
//! annealing on the spins at the same number of sweeps.

pub mod config;
pub mod data;
pub mod relax;
mod report;
mod retrain;

pub use config::{ChiralRunConfig, ChiralSearch, ConvSection};
pub use data::{ChiralDataConfig, ChiralSet};

use crate::error::{fail, Result};
use crate::problem::{Column, Direction, LatentObjective, ObjectiveSpec, Observed, Problem, RunView};
use crate::report::Page;
use crate::results::{Evaluations, Outcome};
use crate::rundir::{Provenance, Staging};
use lso_nn::chiral::{ChiralObjective, Quantity};
use lso_nn::conv::{ConvVae, ConvVaeConfig};
use lso_nn::train::{encode_means, train_autoencoder, History};
use lso_nn::{checkpoint, OutputKind};
use lso_physics::heisenberg::{self, Heisenberg, Spin};
use lso_physics::npy;
use lso_physics::rng::tag;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

pub struct ChiralProblem {
    pub cfg: ChiralRunConfig,
}

pub struct ChiralData {
    pub model: Heisenberg,
    pub set: ChiralSet,
}

/// The ground-state spiral and the lowest spirals along x and along y, and their codes.
pub struct EncodedSpirals {
    pub exact: Vec<Vec<Spin>>,
    pub codes: Vec<Vec<f64>>,
}

pub struct ChiralModel {
    pub vae: ConvVae,
    pub config: ConvVaeConfig,
    pub history: History,
    pub latents: Vec<f32>,
}

impl ChiralModel {
    /// This model with other VAE weights (a fine-tuned copy).
    pub fn with_vae(&self, vae: ConvVae) -> Self {
        Self {
            vae,
            config: self.config.clone(),
            history: self.history.clone(),
            latents: self.latents.clone(),
        }
    }
}

/// How relaxation enters a stage's key: `false`, or the minimiser that relaxes, so that stages
/// relaxed by the velocity projection (before L-BFGS was the default) are recomputed.
fn relax_key(relax: bool) -> serde_json::Value {
    if relax {
        serde_json::to_value(heisenberg::relax::Method::default()).expect("a unit variant serialises")
    } else {
        false.into()
    }
}

impl ChiralProblem {
    pub fn parse(text: &str, origin: &str) -> Result<Self> {
        Ok(Self {
            cfg: ChiralRunConfig::parse(text, origin)?,
        })
    }

    /// The ground-state spiral and the lowest spirals along x and along y, with their codes
    /// (encoder means).
    pub fn encoded_spirals(&self, data: &ChiralData, m: &ChiralModel) -> Result<EncodedSpirals> {
        let spirals: Vec<Vec<Spin>> = [None, Some(0), Some(1)]
            .into_iter()
            .map(|axis| heisenberg::texture::commensurate_spiral(&data.model, axis))
            .collect();
        let x: Vec<f32> = spirals.iter().flatten().flat_map(|s| s.map(|c| c as f32)).collect();
        let d = m.config.latent;
        let codes = encode_means(&m.vae, &x, m.config.input(), d)?;
        let z = codes.chunks(d).map(|c| c.iter().map(|&v| v as f64).collect()).collect();
        Ok(EncodedSpirals {
            exact: spirals,
            codes: z,
        })
    }

    /// The reference energy per spin: the lowest commensurate spin spiral, off-axis wavevectors
    /// included (the ground state on a torus for J and D alone).
    pub fn spiral_reference(&self) -> f64 {
        let c = &self.cfg.chiral;
        heisenberg::commensurate_spiral_energy(c.j, c.d, c.lx, c.ly)
    }
}

impl LatentObjective for ChiralObjective<'_> {
    /// Every decoded field's quantity is the true observable of that (unit-spin) configuration.
    fn evaluations(&self) -> Evaluations {
        Evaluations {
            truth: self.counts.decoder,
            decoder: self.counts.decoder,
            surrogate: 0,
        }
    }
}

/// The judged observable and direction of a quantity.
fn spec_of(q: &Quantity) -> ObjectiveSpec {
    let (obs, dir) = match q {
        Quantity::Energy => ("energy_per_spin".to_string(), Direction::Min),
        Quantity::Mz => ("mz".into(), Direction::Max),
        Quantity::W => ("w".into(), Direction::Max),
        Quantity::Correlation { ax, ay } => (correlation_key(*ax, *ay), Direction::Max),
        Quantity::Boundary { .. } => ("boundary".into(), Direction::Max),
    };
    ObjectiveSpec::new(q.name(), obs, dir)
}

fn correlation_key(ax: i64, ay: i64) -> String {
    if (ax, ay) == (1, 0) {
        "correlation".into()
    } else {
        format!("correlation_{ax}_{ay}")
    }
}

impl ChiralProblem {
    fn quantity(&self, spec: &ObjectiveSpec) -> Result<&Quantity> {
        self.cfg
            .optimise
            .problem
            .objectives
            .iter()
            .find(|q| q.name() == spec.name)
            .ok_or_else(|| fail!("no chiral objective named {}", spec.name))
    }

    /// Every observable of one configuration: ε, E, W, M_z, C(1,0), and whatever else the
    /// objectives name (other correlation vectors, a boundary match).
    pub fn observe(&self, m: &Heisenberg, s: &[Spin]) -> Observed {
        let l = m.lattice();
        let e = m.energy(s);
        let mut o = BTreeMap::from([
            ("energy".to_string(), e),
            ("energy_per_spin".to_string(), e / s.len() as f64),
            ("w".to_string(), heisenberg::topological_index(l, s)),
            ("mz".to_string(), heisenberg::mz(s)),
            ("correlation".to_string(), heisenberg::correlation(l, s, 1, 0)),
            // Seed 001's claims are about these: aligned stripes, and nodal points (the local
            // energy peaks that mark an implausible decoded texture).
            ("stripe_order".to_string(), heisenberg::texture::stripe_order(l, s)),
            (
                "max_energy_density".to_string(),
                m.energy_density(s).into_iter().fold(f64::NEG_INFINITY, f64::max),
            ),
        ]);
        for q in &self.cfg.optimise.problem.objectives {
            match q {
                Quantity::Correlation { ax, ay } => {
                    o.insert(correlation_key(*ax, *ay), heisenberg::correlation(l, s, *ax, *ay));
                }
                Quantity::Boundary { target } => {
                    let (lx, ly) = (l.lx(), l.ly());
                    let norm = heisenberg::dot(*target, *target).sqrt();
                    let edge: Vec<f64> = (0..lx * ly)
                        .filter(|&i| i % lx == 0 || i / lx == 0 || i % lx == lx - 1 || i / lx == ly - 1)
                        .map(|i| heisenberg::dot(s[i], *target) / norm)
                        .collect();
                    o.insert("boundary".into(), edge.iter().sum::<f64>() / edge.len() as f64);
                }
                _ => {}
            }
        }
        o
    }

    /// [`Self::observe`], and with `relax = true` the same after zero-temperature relaxation
    /// (`relaxed_energy_per_spin`, `relaxed_w`, `relaxed_stripe_order`), which leaves `s` relaxed.
    pub fn observe_result(&self, m: &Heisenberg, s: &mut [Spin]) -> Result<Observed> {
        let mut o = self.observe(m, s);
        if self.cfg.optimise.problem.relax {
            let r = heisenberg::relax::relax(m, s, &heisenberg::relax::RelaxSettings::default())?;
            o.insert("relaxed_energy_per_spin".into(), r.energy_after / s.len() as f64);
            let l = m.lattice();
            o.insert("relaxed_w".into(), heisenberg::topological_index(l, s));
            // Whether the optimum lies in the stripes' basin, straight or not yet.
            o.insert("relaxed_stripe_order".into(), heisenberg::texture::stripe_order(l, s));
        }
        Ok(o)
    }

    fn decode(&self, data: &ChiralData, m: &ChiralModel, z: &[Vec<f64>]) -> Vec<Vec<Spin>> {
        ChiralObjective::new(&m.vae, m.config.latent, &data.model, Quantity::Energy).configs(z)
    }
}

impl Problem for ChiralProblem {
    type Data = ChiralData;
    type Model = ChiralModel;
    const KIND: &'static str = "chiral";

    crate::run_config_accessors!();

    fn data_key(&self) -> serde_json::Value {
        serde_json::to_value(&self.cfg.chiral).expect("serialises")
    }
    fn generate(&self, out: &Staging) -> Result<()> {
        let set = data::generate(&self.cfg.chiral, self.cfg.seed)?;
        data::write(
            out,
            &set,
            &self.cfg.chiral,
            &Provenance::new(self.cfg.seed, &self.cfg.chiral),
        )
    }
    fn load_data(&self, dir: &Path) -> Result<ChiralData> {
        let set = data::load(&dir.join("spins.npy"))?;
        let c = &self.cfg.chiral;
        if (set.lx, set.ly) != (c.lx, c.ly) {
            return Err(fail!(
                "{}: configurations are {}×{}, the config asks for {}×{}",
                dir.join("spins.npy").display(),
                set.lx,
                set.ly,
                c.lx,
                c.ly
            ));
        }
        Ok(ChiralData { model: c.model()?, set })
    }

    fn model_stages(&self) -> Vec<(&'static str, serde_json::Value)> {
        vec![("vae", serde_json::to_value(&self.cfg.vae).expect("serialises"))]
    }
    fn train(&self, _stage: &str, data: &ChiralData, _run_dir: &Path, out: &Staging) -> Result<()> {
        let v = &self.cfg.vae;
        let vcfg = ConvVaeConfig {
            size: self.cfg.chiral.lx,
            channels: v.channels.clone(),
            latent: v.latent,
            arch: v.arch,
            hidden: v.hidden,
        };
        let x: Vec<f32> = data.set.spins.iter().flat_map(|s| s.map(|c| c as f32)).collect();
        let pb = crate::progress::bar(v.train.epochs as u64, "conv vae");
        let model = vcfg.init(self.cfg.seed, &v.device.train_device()?)?;
        let (vae, history) = train_autoencoder(
            model,
            vcfg.input(),
            vcfg.latent,
            OutputKind::Linear,
            &v.train,
            &x,
            self.cfg.seed,
            &mut |e| {
                pb.set_message(format!("vae {:.1}/{:.1}", e.train_loss, e.val_loss));
                pb.inc(1)
            },
        )?;
        pb.finish_and_clear();
        // Everything after training (codes, searches, saving) runs on the CPU.
        let vae = lso_nn::backend::to_cpu(vae);
        let latents = encode_means(&vae, &x, vcfg.input(), vcfg.latent)?;
        out.write("vae.safetensors", &checkpoint::to_bytes(&vae)?)?;
        out.write_json("vae.json", &vcfg)?;
        out.write_json("history.json", &history)?;
        out.write("latents.npy", &npy::encode(&[data.set.len(), vcfg.latent], &latents))
    }
    fn load_model(&self, run_dir: &Path, data: &ChiralData) -> Result<ChiralModel> {
        let dir = run_dir.join("vae");
        let cfg_path = dir.join("vae.json");
        let config: ConvVaeConfig = crate::rundir::read_json(&cfg_path)?;
        let w = dir.join("vae.safetensors");
        let bytes = std::fs::read(&w).map_err(|e| fail!("{}: cannot read: {e}", w.display()))?;
        let fresh = config
            .init(0, &lso_nn::device())
            .map_err(|e| fail!("{}: {e}", cfg_path.display()))?;
        let vae = checkpoint::load_into(fresh, bytes).map_err(|e| fail!("{}: {e}", w.display()))?;
        if config.size != data.set.lx || config.size != data.set.ly {
            return Err(fail!(
                "{}: the model is for {}×{} lattices, the data are {}×{}",
                dir.display(),
                config.size,
                config.size,
                data.set.lx,
                data.set.ly
            ));
        }
        let latents = crate::vae_files::read_latents(&dir, config.latent)?;
        Ok(ChiralModel {
            history: crate::rundir::read_json(&dir.join("history.json"))?,
            vae,
            config,
            latents,
        })
    }
    fn latent_dim(&self, m: &ChiralModel) -> usize {
        m.config.latent
    }
    fn training_codes<'m>(&self, m: &'m ChiralModel) -> &'m [f32] {
        &m.latents
    }
    fn history<'m>(&self, m: &'m ChiralModel) -> &'m History {
        &m.history
    }

    fn search_key(&self) -> serde_json::Value {
        let p = &self.cfg.optimise.problem;
        serde_json::json!({ "objectives": &p.objectives, "relax": relax_key(p.relax) })
    }
    fn objectives(&self, _data: &ChiralData) -> Vec<ObjectiveSpec> {
        self.cfg.optimise.problem.objectives.iter().map(spec_of).collect()
    }
    fn objective<'a>(
        &'a self,
        data: &'a ChiralData,
        m: &'a ChiralModel,
        spec: &ObjectiveSpec,
    ) -> Result<Box<dyn LatentObjective + 'a>> {
        let q = self.quantity(spec)?.clone();
        Ok(Box::new(ChiralObjective::new(&m.vae, m.config.latent, &data.model, q)))
    }
    fn judge(&self, data: &ChiralData, m: &ChiralModel, z: &[Vec<f64>]) -> Result<Vec<Observed>> {
        Ok(self
            .decode(data, m, z)
            .iter()
            .map(|s| self.observe(&data.model, s))
            .collect())
    }
    /// With `relax = true`, each result is also judged after zero-temperature relaxation.
    fn judge_results(&self, data: &ChiralData, m: &ChiralModel, z: &[Vec<f64>]) -> Result<Vec<Observed>> {
        use rayon::prelude::*;
        self.decode(data, m, z)
            .into_par_iter()
            .map(|mut s| self.observe_result(&data.model, &mut s))
            .collect()
    }
    /// The best training sample per objective is relaxed like a result: the data are annealed
    /// to T > 0, so their raw ε carries thermal noise a decoded texture does not.
    fn judge_data_results(&self, data: &ChiralData, members: &[usize]) -> Result<Option<Vec<Observed>>> {
        use rayon::prelude::*;
        if !self.cfg.optimise.problem.relax {
            return Ok(None);
        }
        members
            .par_iter()
            .map(|&k| self.observe_result(&data.model, &mut data.set.config(k).to_vec()))
            .collect::<Result<_>>()
            .map(Some)
    }

    fn observe_data(&self, data: &ChiralData) -> Vec<Observed> {
        (0..data.set.len())
            .map(|k| self.observe(&data.model, data.set.config(k)))
            .collect()
    }
    fn reference(&self, _data: &ChiralData) -> BTreeMap<String, f64> {
        let c = &self.cfg.chiral;
        BTreeMap::from([
            ("spiral_energy_per_spin".to_string(), self.spiral_reference()),
            (
                "skyrmion_lattice_count".to_string(),
                heisenberg::texture::skyrmion_lattice_count(c.lx * c.ly, c.j, c.d),
            ),
        ])
    }

    fn control_key(&self) -> serde_json::Value {
        let mut key = serde_json::json!({
            "anneal_restarts": self.cfg.optimise.problem.anneal_restarts,
            "chiral": &self.cfg.chiral,
        });
        // Relaxation changes what the controls report; runs without it keep their hashes.
        if self.cfg.optimise.problem.relax {
            key["relax"] = relax_key(true);
        }
        key
    }
    /// Annealing on the spins, one sweep counted as one evaluation, `budget` sweeps per run on
    /// the data's own geometric schedule: the control for every objective (it minimises ε).
    fn controls(&self, data: &ChiralData, objectives: &[ObjectiveSpec]) -> Result<Vec<Outcome>> {
        let c = &self.cfg.chiral;
        let sweeps = self.search().budget;
        let steps = 20.min(sweeps).max(2);
        let betas = data::geometric_betas(c.t_start, c.t_end, steps);
        let n = c.lx * c.ly;
        let t0 = Instant::now();
        let runs = self.cfg.optimise.problem.anneal_restarts;
        let pb = crate::progress::bar(runs as u64, "control");
        // Judged like a result: annealing ends at T_end > 0, and only the relaxed ε compares
        // with a decoded texture's relaxed ε without the thermal noise.
        let finals: Vec<Observed> =
            lso_physics::chains::run_chains(runs, self.cfg.seed, tag("chiral-anneal-control"), |_, rng| {
                let mut s: Vec<Spin> = (0..n).map(|_| heisenberg::random_spin(rng)).collect();
                heisenberg::anneal(&data.model, &mut s, c.sampler, &betas, (sweeps / steps).max(1), rng);
                let o = self.observe_result(&data.model, &mut s);
                pb.inc(1);
                o
            })
            .into_iter()
            .collect::<Result<_>>()?;
        pb.finish_and_clear();
        let e = Evaluations {
            truth: runs * steps * (sweeps / steps).max(1),
            ..Default::default()
        };
        Ok(crate::controls::summarise(
            self,
            data,
            objectives,
            "anneal",
            &finals,
            e,
            t0.elapsed().as_secs_f64(),
        ))
    }

    /// The ground-state spiral and the lowest spiral along each axis, encoded and decoded (one
    /// decoder pass each): the stripes the latent space holds. An oracle beside the searches,
    /// which must find them without being shown, not a rival at their budget.
    fn model_controls(&self, data: &ChiralData, m: &ChiralModel, objectives: &[ObjectiveSpec]) -> Result<Vec<Outcome>> {
        let t0 = Instant::now();
        let codes = self.encoded_spirals(data, m)?.codes;
        let set = self.judge_results(data, m, &codes)?;
        let e = Evaluations {
            truth: set.len(),
            decoder: set.len(),
            surrogate: 0,
        };
        Ok(crate::controls::summarise(
            self,
            data,
            objectives,
            "encoded-spiral",
            &set,
            e,
            t0.elapsed().as_secs_f64(),
        ))
    }

    fn columns(&self) -> Vec<Column> {
        let mut columns = vec![
            Column {
                observable: "energy_per_spin",
                header: "ε",
                decimals: 4,
            },
            Column {
                observable: "w",
                header: "W",
                decimals: 2,
            },
            Column {
                observable: "mz",
                header: "M_z",
                decimals: 3,
            },
            Column {
                observable: "correlation",
                header: "C(1,0)",
                decimals: 3,
            },
        ];
        if self.cfg.optimise.problem.relax {
            columns.push(Column {
                observable: "relaxed_energy_per_spin",
                header: "ε relaxed",
                decimals: 4,
            });
            columns.push(Column {
                observable: "relaxed_w",
                header: "W relaxed",
                decimals: 2,
            });
        }
        columns
    }
    fn note(&self, _data: &ChiralData) -> String {
        let c = &self.cfg.chiral;
        format!(
            "{}×{} chiral magnet (J = {}, D = {}): observables of the decoded unit-spin fields, computed by lso-physics; the ground state on this torus, the lowest commensurate spin spiral, has ε = {:.4}.",
            c.lx,
            c.ly,
            c.j,
            c.d,
            self.spiral_reference()
        )
    }
    fn report(&self, view: &RunView<'_, Self>, page: &mut Page) -> Result<()> {
        report::add(self, view, page)
    }
}
