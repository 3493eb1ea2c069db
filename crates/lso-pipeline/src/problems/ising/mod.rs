//! The Ising problem (seed 000): 2D Ising grids → a fully connected VAE → a surrogate of the
//! energy → latent search for low energies, each result the true energy of a signed decoded grid
//! under the data's own Hamiltonian, beside direct annealing on the spins.

pub mod config;
pub mod control;
pub mod data;
pub mod dataconfig;
pub mod model;
mod report;
mod retrain;
pub mod surrogate;

pub use config::{ControlConfig, IsingRunConfig, IsingSearch, ObjectiveKind};
pub use dataconfig::{Disorder, IsingDataConfig, Source};

use crate::error::{fail, Result};
use crate::problem::{Column, Direction, LatentObjective, ObjectiveSpec, Observed, Problem, RunView};
use crate::report::Page;
use crate::results::{Evaluations, Outcome};
use crate::rundir::{Provenance, Staging};
use lso_nn::objectives::{EnergyMode, EnergyObjective, SurrogateObjective};
use lso_nn::surrogate::SurrogateReport;
use lso_nn::train::History;
use lso_nn::{MlpVae, Surrogate, VaeConfig};
use lso_physics::{Ising, SpinSet};
use std::collections::BTreeMap;
use std::path::Path;

pub struct IsingProblem {
    pub cfg: IsingRunConfig,
}

/// A dataset with the Hamiltonian that made it (read from its own `meta.json` and
/// `couplings.npy`): the judge of every decoded configuration.
pub struct IsingData {
    pub model: Ising,
    /// Exact ground-state energy where known (closed form, or planar matching for open glasses).
    pub ground_state: Option<f64>,
    pub spins: SpinSet,
    pub energy: Vec<f64>,
    pub magnetisation: Vec<f64>,
}

pub struct IsingModel {
    pub vae: MlpVae,
    pub vae_config: VaeConfig,
    pub history: History,
    pub latents: Vec<f32>,
    pub surrogate: Surrogate,
    pub surrogate_report: SurrogateReport,
}

impl IsingModel {
    /// The VAE in `vae_dir` and the surrogate in `surrogate_dir`, checked against the data
    /// (`data_name` names it in messages) and each other.
    pub fn load(vae_dir: &Path, surrogate_dir: &Path, data: &IsingData, data_name: &Path) -> Result<Self> {
        let (vae, vae_config) = model::load(vae_dir)?;
        model::check_fits(&vae_config, &data.spins, &data_name.display().to_string())?;
        let latents = model::read_latents(vae_dir, vae_config.latent)?;
        if latents.len() / vae_config.latent != data.spins.len() {
            return Err(fail!(
                "{}: latents.npy has {} codes but {} holds {} grids",
                vae_dir.display(),
                latents.len() / vae_config.latent,
                data_name.display(),
                data.spins.len()
            ));
        }
        let history = crate::rundir::read_json(&vae_dir.join("history.json"))?;
        let (surrogate, surrogate_report) = surrogate::load(surrogate_dir)?;
        if surrogate.config.latent != vae_config.latent {
            return Err(fail!(
                "{}: surrogate takes {} latent inputs, the VAE has {}",
                surrogate_dir.display(),
                surrogate.config.latent,
                vae_config.latent
            ));
        }
        Ok(Self {
            vae,
            vae_config,
            history,
            latents,
            surrogate,
            surrogate_report,
        })
    }
}

impl IsingModel {
    /// This model with other VAE weights (a fine-tuned copy); the rest is shared by value.
    pub fn with_vae(&self, vae: MlpVae) -> Self {
        Self {
            vae,
            vae_config: self.vae_config.clone(),
            history: self.history.clone(),
            latents: self.latents.clone(),
            surrogate: self.surrogate.clone(),
            surrogate_report: self.surrogate_report.clone(),
        }
    }
}

impl IsingProblem {
    pub fn parse(text: &str, origin: &str) -> Result<Self> {
        Ok(Self {
            cfg: IsingRunConfig::parse(text, origin)?,
        })
    }
}

fn counts(c: lso_nn::objectives::Counts) -> Evaluations {
    Evaluations {
        truth: c.true_energy,
        decoder: c.decoder,
        surrogate: c.surrogate,
    }
}

impl LatentObjective for SurrogateObjective<'_> {
    fn evaluations(&self) -> Evaluations {
        counts(self.counts)
    }
}

impl LatentObjective for EnergyObjective<'_> {
    fn evaluations(&self) -> Evaluations {
        counts(self.counts)
    }
}

/// Energy, energy per spin and magnetisation of a configuration under `model`.
pub fn observe(model: &Ising, s: &[i8]) -> Observed {
    let e = model.energy(s);
    BTreeMap::from([
        ("energy".to_string(), e),
        ("energy_per_spin".to_string(), e / s.len() as f64),
        ("magnetisation".to_string(), lso_physics::ising::magnetisation(s)),
    ])
}

/// A signed-decoding view of the VAE (counts unused).
pub fn decoder<'a>(m: &'a IsingModel, model: &'a Ising) -> EnergyObjective<'a> {
    EnergyObjective::new(
        &m.vae,
        m.vae_config.latent,
        m.vae_config.output,
        model,
        EnergyMode::Hard,
    )
}

impl Problem for IsingProblem {
    type Data = IsingData;
    type Model = IsingModel;
    const KIND: &'static str = "ising";

    crate::run_config_accessors!();

    fn data_key(&self) -> serde_json::Value {
        let mut key = serde_json::to_value(&self.cfg.data).expect("serialises");
        // An instance file is named by path; its bytes decide whether cached data still fits.
        if let Some(path) = &self.cfg.data.couplings {
            let digest = std::fs::read(path)
                .map(|b| format!("{:016x}", lso_physics::rng::fnv1a(&b)))
                .unwrap_or_default();
            key["couplings_digest"] = serde_json::Value::String(digest);
        }
        key
    }
    fn generate(&self, out: &Staging) -> Result<()> {
        let t0 = std::time::Instant::now();
        let ds = data::generate(&self.cfg.data, self.cfg.seed)?;
        let mut p = Provenance::new(self.cfg.seed, &self.cfg.data);
        p.timings_s.insert("generate".into(), t0.elapsed().as_secs_f64());
        data::write(&ds, &self.cfg.data, out, &p)
    }
    fn load_data(&self, dir: &Path) -> Result<IsingData> {
        data::load(dir)
    }

    fn model_stages(&self) -> Vec<(&'static str, serde_json::Value)> {
        vec![
            ("vae", serde_json::to_value(&self.cfg.vae).expect("serialises")),
            (
                "surrogate",
                serde_json::to_value(&self.cfg.surrogate).expect("serialises"),
            ),
        ]
    }
    fn train(&self, stage: &str, data: &IsingData, run_dir: &Path, out: &Staging) -> Result<()> {
        match stage {
            "vae" => model::write(out, &model::train(&self.cfg.vae, &data.spins, self.cfg.seed, None)?),
            "surrogate" => {
                let vae_dir = run_dir.join("vae");
                let (_, vcfg) = model::load(&vae_dir)?;
                let latents = model::read_latents(&vae_dir, vcfg.latent)?;
                let (s, r) = surrogate::train(&self.cfg.surrogate, &latents, vcfg.latent, &data.energy, self.cfg.seed)?;
                surrogate::write(out, &s, &r)
            }
            other => Err(fail!("no model stage {other}")),
        }
    }
    fn load_model(&self, run_dir: &Path, data: &IsingData) -> Result<IsingModel> {
        IsingModel::load(
            &run_dir.join("vae"),
            &run_dir.join("surrogate"),
            data,
            &run_dir.join("data/spins.npy"),
        )
    }
    fn latent_dim(&self, m: &IsingModel) -> usize {
        m.vae_config.latent
    }
    fn training_codes<'m>(&self, m: &'m IsingModel) -> &'m [f32] {
        &m.latents
    }
    fn history<'m>(&self, m: &'m IsingModel) -> &'m History {
        &m.history
    }

    fn search_key(&self) -> serde_json::Value {
        serde_json::to_value(&self.cfg.optimise.problem).expect("serialises")
    }
    fn objectives(&self, data: &IsingData) -> Vec<ObjectiveSpec> {
        let mut spec = ObjectiveSpec::new("min energy", "energy", Direction::Min);
        // Only the true energy can stop a search at the ground state; a surrogate or relaxed
        // value reaching it proves nothing.
        if self.cfg.optimise.problem.objective == ObjectiveKind::Hard {
            spec.target = data.ground_state;
        }
        vec![spec]
    }
    fn objective<'a>(
        &'a self,
        data: &'a IsingData,
        m: &'a IsingModel,
        _spec: &ObjectiveSpec,
    ) -> Result<Box<dyn LatentObjective + 'a>> {
        let o = &self.cfg.optimise.problem;
        let energy = |mode| EnergyObjective::new(&m.vae, m.vae_config.latent, m.vae_config.output, &data.model, mode);
        Ok(match o.objective {
            ObjectiveKind::Surrogate => Box::new(SurrogateObjective::new(&m.surrogate, o.kappa)),
            ObjectiveKind::Relaxed => Box::new(energy(EnergyMode::Relaxed)),
            ObjectiveKind::Hard => Box::new(energy(EnergyMode::Hard)),
        })
    }
    fn constraint(&self) -> lso_opt::Constraint {
        self.cfg.constraint()
    }
    fn judge(&self, data: &IsingData, m: &IsingModel, z: &[Vec<f64>]) -> Result<Vec<Observed>> {
        Ok(decoder(m, &data.model)
            .signed(z)
            .iter()
            .map(|s| observe(&data.model, s))
            .collect())
    }
    fn observe_data(&self, data: &IsingData) -> Vec<Observed> {
        (0..data.spins.len())
            .map(|k| observe(&data.model, data.spins.config(k)))
            .collect()
    }
    fn hit(&self, data: &IsingData, spec: &ObjectiveSpec, o: &Observed) -> Option<bool> {
        let g = data.ground_state?;
        (spec.observable == "energy").then(|| (o["energy"] - g).abs() < 1e-9)
    }
    fn reference(&self, data: &IsingData) -> BTreeMap<String, f64> {
        data.ground_state
            .map(|g| ("ground_state_energy".to_string(), g))
            .into_iter()
            .collect()
    }

    fn control_key(&self) -> serde_json::Value {
        serde_json::to_value(&self.cfg.control).expect("serialises")
    }
    fn controls(&self, data: &IsingData, objectives: &[ObjectiveSpec]) -> Result<Vec<Outcome>> {
        let c = control::run(&data.model, &self.cfg.control, self.cfg.seed)?;
        let spec = &objectives[0];
        Ok(c.into_iter()
            .map(|r| Outcome {
                problem: Self::KIND.into(),
                objective: spec.name.clone(),
                method: "anneal".into(),
                seed: self.cfg.seed,
                restart: Some(r.restart),
                evaluations: Evaluations {
                    truth: r.sweeps,
                    ..Default::default()
                },
                seconds: r.seconds,
                hit: self.hit(data, spec, &r.observed),
                best: r.observed,
                value: None,
                z: None,
                samples: None,
                hits: None,
                mean: None,
                diagnostics: None,
            })
            .collect())
    }

    fn columns(&self) -> Vec<Column> {
        vec![
            Column {
                observable: "energy_per_spin",
                header: "E/N",
                decimals: 4,
            },
            Column {
                observable: "magnetisation",
                header: "m",
                decimals: 3,
            },
        ]
    }
    fn note(&self, data: &IsingData) -> String {
        let l = data.model.lattice();
        format!(
            "{}×{} Ising ({} objective): every energy is the true energy of a signed configuration under the data's Hamiltonian{}; annealing counts one sweep as one true evaluation.",
            l.lx(),
            l.ly(),
            serde_json::to_value(self.cfg.optimise.problem.objective)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default(),
            data.ground_state
                .map_or(String::new(), |g| format!(", exact ground state E0 = {g}"))
        )
    }
    fn report(&self, view: &RunView<'_, Self>, page: &mut Page) -> Result<()> {
        report::add(self, view, page)
    }
}
