//! `lso run` for a chiral config (seed 001): annealed labyrinths → periodic convolutional VAE →
//! the three latent explorers on each objective → controls, figures and report.

use crate::cli::RunArgs;
use crate::config::chiral::{ChiralRunConfig, Explorer};
use crate::config::hash_of;
use crate::plot::charts::{self, Sample, Series};
use crate::report::{tidy, Page, BLACK, BLUE, GREEN, GREY, ORANGE, PURPLE};
use crate::rundir::{write_json, Provenance};
use crate::stages::chiral as data;
use anyhow::{anyhow, Result};
use lso_nn::chiral::{ChiralObjective, Quantity};
use lso_nn::conv::{ConvVae, ConvVaeConfig};
use lso_nn::objectives::Counts;
use lso_nn::train::{normal_matrix, train_autoencoder};
use lso_nn::{checkpoint, OutputKind};
use lso_opt::{driver, Adam, Constrained, Constraint, Genetic, Optimiser, Stochastic};
use lso_physics::heisenberg::{self, Heisenberg, Spin};
use lso_physics::rng::{mix, tag};
use plotters::style::RGBColor;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Physical observables of one configuration.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Observed {
    pub energy_per_spin: f64,
    pub w: f64,
    pub mz: f64,
    pub c: f64,
}

fn observe(m: &Heisenberg, s: &[Spin], q: &Quantity) -> Observed {
    let (ax, ay) = if let Quantity::Correlation { ax, ay } = q {
        (*ax, *ay)
    } else {
        (1, 0)
    };
    Observed {
        energy_per_spin: m.energy(s) / s.len() as f64,
        w: heisenberg::topological_index(m.lattice(), s),
        mz: heisenberg::mz(s),
        c: heisenberg::correlation(m.lattice(), s, ax, ay),
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ExplorerResult {
    pub objective: String,
    pub method: String,
    pub z: Vec<f64>,
    pub value: f64,
    pub observed: Observed,
    /// Best objective value after each round.
    pub trace: Vec<(usize, f64)>,
    pub evaluations: Counts,
    pub seconds: f64,
}

fn load_vae(dir: &Path) -> Result<(ConvVae, ConvVaeConfig)> {
    let cfg_path = dir.join("vae.json");
    let cfg: ConvVaeConfig = serde_json::from_str(
        &std::fs::read_to_string(&cfg_path).map_err(|e| anyhow!("{}: cannot read: {e}", cfg_path.display()))?,
    )
    .map_err(|e| anyhow!("{}: {e}", cfg_path.display()))?;
    let w = dir.join("vae.safetensors");
    let bytes = std::fs::read(&w).map_err(|e| anyhow!("{}: cannot read: {e}", w.display()))?;
    let vae = checkpoint::load_into(
        cfg.init(0, &lso_nn::device())
            .map_err(|e| anyhow!("{}: {e}", cfg_path.display()))?,
        bytes,
    )
    .map_err(|e| anyhow!("{}: {e}", w.display()))?;
    Ok((vae, cfg))
}

fn decode(vae: &ConvVae, model: &Heisenberg, z: &[f32], latent: usize) -> Vec<Vec<Spin>> {
    let points: Vec<Vec<f64>> = z
        .chunks(latent)
        .map(|c| c.iter().map(|&v| v as f64).collect())
        .collect();
    ChiralObjective::new(vae, latent, model, Quantity::Energy).configs(&points)
}

pub fn run(mut cfg: ChiralRunConfig, a: &RunArgs) -> Result<()> {
    cfg.seed = a.seed.unwrap_or(cfg.seed);
    let Some(dir) = super::run::open_run(a, &cfg, &cfg.name, "chiral", cfg.seed)? else {
        return Ok(());
    };
    let t_all = Instant::now();
    let model = cfg.chiral.model()?;
    let n = cfg.chiral.lx * cfg.chiral.ly;

    let data_dir = dir.join("data");
    let data_hash = hash_of(&(cfg.seed, &cfg.chiral));
    super::run::stage(&data_dir, "data", &data_hash, a.force, |out| {
        let set = data::generate(&cfg.chiral, cfg.seed)?;
        data::write(out, &set, &cfg.chiral, &Provenance::new(cfg.seed, &cfg.chiral))
    })?;
    let set = data::load(&data_dir.join("spins.npy"))?;
    let x: Vec<f32> = set.spins.iter().flat_map(|v| v.map(|c| c as f32)).collect();

    let vae_dir = dir.join("vae");
    let vae_hash = hash_of(&(&data_hash, &cfg.vae));
    let vcfg = ConvVaeConfig {
        size: cfg.chiral.lx,
        channels: cfg.vae.channels.clone(),
        latent: cfg.vae.latent,
    };
    super::run::stage(&vae_dir, "vae", &vae_hash, a.force, |out| {
        let pb = crate::progress::bar(cfg.vae.train.epochs as u64, "conv vae");
        let model = vcfg.init(cfg.seed, &lso_nn::train_device())?;
        let (vae, history) = train_autoencoder(
            model,
            vcfg.input(),
            vcfg.latent,
            OutputKind::Linear,
            &cfg.vae.train,
            &x,
            cfg.seed,
            &mut |e| {
                pb.set_message(format!("vae {:.1}/{:.1}", e.train_loss, e.val_loss));
                pb.inc(1)
            },
        )?;
        pb.finish_and_clear();
        out.write("vae.safetensors", &checkpoint::to_bytes(&vae)?)?;
        out.write_json("vae.json", &vcfg)?;
        out.write_json("history.json", &history)
    })?;
    let (vae, vcfg) = load_vae(&vae_dir)?;
    if vcfg.size * vcfg.size != n {
        return Err(anyhow!(
            "{}: the model is for {}×{} lattices, the data are {}×{}",
            vae_dir.display(),
            vcfg.size,
            vcfg.size,
            set.lx,
            set.ly
        ));
    }
    let history: lso_nn::train::History =
        serde_json::from_str(&std::fs::read_to_string(vae_dir.join("history.json"))?)?;

    let opt_dir = dir.join("optimise");
    let opt_hash = hash_of(&(&vae_hash, &cfg.optimise));
    super::run::stage(&opt_dir, "optimise", &opt_hash, a.force, |out| {
        let results = explore(&cfg, &vae, &vcfg, &model)?;
        out.write_json("results.json", &results)
    })?;
    let results: Vec<ExplorerResult> = serde_json::from_str(&std::fs::read_to_string(opt_dir.join("results.json"))?)?;

    // Controls: the data, decoded prior samples, and annealing on the spins at the same budget
    // (one sweep counted as one energy evaluation).
    let q0 = Quantity::Correlation { ax: 1, ay: 0 };
    let data_obs: Vec<Observed> = (0..set.len()).map(|k| observe(&model, set.config(k), &q0)).collect();
    let prior_z = normal_matrix(
        cfg.optimise.prior_samples,
        vcfg.latent,
        mix(cfg.seed, tag("chiral-prior"), 0),
    );
    let prior_obs: Vec<Observed> = decode(&vae, &model, &prior_z, vcfg.latent)
        .iter()
        .map(|s| observe(&model, s, &q0))
        .collect();
    let sweeps = cfg.optimise.budget;
    let t0 = Instant::now();
    let anneal_obs: Vec<Observed> = lso_physics::chains::run_chains(
        cfg.optimise.anneal_restarts,
        cfg.seed,
        tag("chiral-anneal-control"),
        |_, rng| {
            let mut s: Vec<Spin> = (0..n).map(|_| heisenberg::random_spin(rng)).collect();
            let steps = 20.min(sweeps);
            let betas: Vec<f64> = (0..steps)
                .map(|k| {
                    1.0 / (cfg.chiral.t_start
                        * (cfg.chiral.t_end / cfg.chiral.t_start).powf(k as f64 / (steps.max(2) - 1) as f64))
                })
                .collect();
            heisenberg::anneal(&model, &mut s, cfg.chiral.sampler, &betas, (sweeps / steps).max(1), rng);
            observe(&model, &s, &q0)
        },
    );
    let anneal_seconds = t0.elapsed().as_secs_f64();
    write_json(
        &dir.join("results.json"),
        &serde_json::json!({ "explorers": &results, "controls": { "data": &data_obs, "prior": &prior_obs, "anneal": &anneal_obs, "anneal_sweeps": sweeps, "anneal_seconds": anneal_seconds } }),
    )?;
    let html = report(
        &dir,
        &cfg,
        &model,
        &vae,
        &vcfg,
        &history,
        &results,
        &data_obs,
        &prior_obs,
        &anneal_obs,
    )?;
    let mut prov = Provenance::new(cfg.seed, &cfg);
    prov.timings_s.insert("total".into(), t_all.elapsed().as_secs_f64());
    write_json(&dir.join("manifest.json"), &prov)?;

    let stat = |v: &[Observed], f: &dyn Fn(&Observed) -> f64| {
        let xs: Vec<f64> = v.iter().map(f).collect();
        (
            xs.iter().sum::<f64>() / xs.len().max(1) as f64,
            xs.iter().cloned().fold(f64::NEG_INFINITY, f64::max),
            xs.iter().cloned().fold(f64::INFINITY, f64::min),
        )
    };
    println!();
    println!(
        "{:<22} {:<11} {:>10} {:>8} {:>8} {:>8}",
        "objective", "method", "ε", "W", "M_z", "C"
    );
    for r in &results {
        let o = &r.observed;
        println!(
            "{:<22} {:<11} {:>10.4} {:>8.2} {:>8.3} {:>8.3}",
            r.objective,
            r.method,
            o.energy_per_spin,
            tidy(o.w, 2),
            tidy(o.mz, 3),
            tidy(o.c, 3)
        );
    }
    for (name, v) in [
        ("training data", &data_obs),
        ("decoded prior", &prior_obs),
        ("annealing (control)", &anneal_obs),
    ] {
        let (em, _, emin) = stat(v, &|o| o.energy_per_spin);
        let (wm, wmax, _) = stat(v, &|o| o.w.abs());
        println!("{name:<22} ε mean {em:.4} min {emin:.4}; |W| mean {wm:.2} max {wmax:.0}");
    }
    println!(
        "commensurate spiral on {}×{}: ε = {:.4}",
        cfg.chiral.lx,
        cfg.chiral.ly,
        spiral_reference(&cfg)
    );
    println!("report: {}", html.display());
    println!("run directory: {}", dir.display());
    Ok(())
}

/// One colour per explorer in every figure.
fn method_colour(method: &str) -> RGBColor {
    match method {
        "adam" => BLUE,
        "genetic" => ORANGE,
        _ => GREEN,
    }
}

/// The reference energy per spin: the best commensurate spin spiral along either axis.
fn spiral_reference(cfg: &ChiralRunConfig) -> f64 {
    let spiral = |l| heisenberg::commensurate_spiral_energy(cfg.chiral.j, cfg.chiral.d, l);
    spiral(cfg.chiral.lx).min(spiral(cfg.chiral.ly))
}

fn explore(
    cfg: &ChiralRunConfig,
    vae: &ConvVae,
    vcfg: &ConvVaeConfig,
    model: &Heisenberg,
) -> Result<Vec<ExplorerResult>> {
    let o = &cfg.optimise;
    let d = vcfg.latent;
    let constraint = Constraint {
        radius: (o.radius > 0.0).then_some(o.radius),
        ..Default::default()
    };
    let pb = crate::progress::bar((o.objectives.len() * o.methods.len()) as u64, "explore");
    let mut out = Vec::new();
    for (qi, q) in o.objectives.iter().enumerate() {
        for &method in &o.methods {
            let t0 = Instant::now();
            let seed = mix(cfg.seed, tag(method.name()), qi as u64);
            let start: Vec<f64> = normal_matrix(1, d, seed).iter().map(|&v| v as f64).collect();
            let mut obj = ChiralObjective::new(vae, d, model, q.clone());
            let mut opt: Box<dyn Optimiser> = match method {
                Explorer::Adam => Box::new(Adam::new(&o.adam, vec![start.clone()])?),
                Explorer::Genetic => Box::new(Genetic::new(&o.genetic, d, seed)?),
                Explorer::Stochastic => Box::new(Stochastic::new(&o.stochastic, start.clone(), seed)?),
            };
            let mut trace = Vec::new();
            let t = {
                let mut c = Constrained {
                    inner: &mut obj,
                    constraint: constraint.clone(),
                };
                driver::run_observed(opt.as_mut(), &mut c, o.budget, &mut |s| {
                    trace.push((s.evaluations, s.best_value))
                })?
            };
            let z = constraint.project(&t.best_point);
            let s = obj.configs(std::slice::from_ref(&z)).remove(0);
            out.push(ExplorerResult {
                objective: q.name(),
                method: method.name().into(),
                value: t.best_value,
                observed: observe(model, &s, q),
                z,
                trace,
                evaluations: obj.counts,
                seconds: t0.elapsed().as_secs_f64(),
            });
            pb.inc(1);
        }
    }
    pb.finish_and_clear();
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
fn report(
    dir: &Path,
    cfg: &ChiralRunConfig,
    model: &Heisenberg,
    vae: &ConvVae,
    vcfg: &ConvVaeConfig,
    history: &lso_nn::train::History,
    results: &[ExplorerResult],
    data_obs: &[Observed],
    prior_obs: &[Observed],
    anneal_obs: &[Observed],
) -> Result<PathBuf> {
    let fig = dir.join("report");
    let mut page = Page::new(&format!("lso run: {} (chiral magnet)", cfg.name));
    let mut rows = vec![vec![
        "objective".to_string(),
        "method".into(),
        "ε".into(),
        "W".into(),
        "M_z".into(),
        "C(1,0)".into(),
        "evaluations".into(),
        "seconds".into(),
    ]];
    for r in results {
        let o = &r.observed;
        rows.push(vec![
            r.objective.clone(),
            r.method.clone(),
            format!("{:.4}", o.energy_per_spin),
            format!("{:.2}", tidy(o.w, 2)),
            format!("{:.3}", tidy(o.mz, 3)),
            format!("{:.3}", tidy(o.c, 3)),
            r.evaluations.decoder.to_string(),
            format!("{:.1}", r.seconds),
        ]);
    }
    for (name, v) in [
        ("control: training data (mean)", data_obs),
        ("control: decoded prior (mean)", prior_obs),
        ("control: annealing on spins (mean)", anneal_obs),
    ] {
        let mean = |f: &dyn Fn(&Observed) -> f64| v.iter().map(f).sum::<f64>() / v.len().max(1) as f64;
        rows.push(vec![
            name.into(),
            "".into(),
            format!("{:.4}", mean(&|o| o.energy_per_spin)),
            format!("{:.2}", tidy(mean(&|o| o.w), 2)),
            format!("{:.3}", tidy(mean(&|o| o.mz), 3)),
            format!("{:.3}", tidy(mean(&|o| o.c), 3)),
            v.len().to_string(),
            "".into(),
        ]);
    }
    page.table("Summary", &rows);
    let spiral = spiral_reference(cfg);
    page.note(&format!(
        "Observables of the decoded configurations, computed by lso-physics. Reference: the commensurate spin spiral on this lattice has ε = {spiral:.4}."
    ));
    crate::report::training_curves(&mut page, &fig, history, "Convolutional VAE training", false)?;
    for (qi, q) in cfg.optimise.objectives.iter().enumerate() {
        let series: Vec<Series> = results
            .iter()
            .filter(|r| r.objective == q.name())
            .map(|r| Series {
                name: &r.method,
                points: r.trace.iter().map(|&(e, v)| (e as f64, v)).collect(),
                colour: method_colour(&r.method),
            })
            .collect();
        let png = charts::lines(
            &series,
            &format!("{}: best value so far", q.name()),
            "decoded configurations",
            "objective (minimised)",
        )?;
        page.figure(
            &fig,
            &format!("objective_{qi}.png"),
            &png,
            &format!(
                "{}: the objective over the search (quantities to maximise enter negated).",
                q.name()
            ),
        )?;
    }
    let mut ovae = ChiralObjective::new(vae, vcfg.latent, model, Quantity::Energy);
    let best: Vec<(Vec<Spin>, String)> = results
        .iter()
        .map(|r| {
            (
                ovae.configs(std::slice::from_ref(&r.z)).remove(0),
                format!("{} {}", r.objective, r.method),
            )
        })
        .collect();
    let panels: Vec<(&[[f64; 3]], String)> = best.iter().map(|(s, c)| (s.as_slice(), c.clone())).collect();
    let png = crate::plot::grid::render_vectors(
        &panels,
        vcfg.size,
        vcfg.size,
        cfg.optimise.methods.len(),
        crate::plot::grid::default_scale(vcfg.size, vcfg.size),
    )?;
    page.figure(
        &fig,
        "best_configurations.png",
        &png,
        "The best configuration of each objective and explorer (hue: in-plane angle; white up, black down).",
    )?;
    // The seed's Figs. 3–5: data, raw decoded samples and the optimised configurations.
    for (name, f, objective, file) in [
        (
            "W",
            (&|o: &Observed| o.w) as &dyn Fn(&Observed) -> f64,
            "max W",
            "w_distribution.png",
        ),
        (
            "ε",
            &|o: &Observed| o.energy_per_spin,
            "min energy",
            "energy_distribution.png",
        ),
    ] {
        let data: Vec<f64> = data_obs.iter().map(f).collect();
        let prior: Vec<f64> = prior_obs.iter().map(f).collect();
        let samples = [
            Sample {
                name: "training data",
                values: &data,
                colour: GREY,
            },
            Sample {
                name: "decoded prior",
                values: &prior,
                colour: PURPLE,
            },
        ];
        let labels: Vec<String> = results
            .iter()
            .filter(|r| r.objective == objective)
            .map(|r| format!("{} ({objective})", r.method))
            .collect();
        let mut markers: Vec<charts::Marker> = results
            .iter()
            .filter(|r| r.objective == objective)
            .zip(&labels)
            .map(|(r, label)| charts::Marker {
                x: f(&r.observed),
                label,
                colour: method_colour(&r.method),
            })
            .collect();
        if name == "ε" {
            markers.push(charts::Marker {
                x: spiral,
                label: "commensurate spiral",
                colour: BLACK,
            });
        }
        let png = charts::histograms(
            &samples,
            30,
            &format!("{name}: training data, decoded prior samples, optimised"),
            name,
            &markers,
        )?;
        page.figure(
            &fig,
            file,
            &png,
            &format!("Distribution of {name} over the training data and over decoded samples of the prior (each as a fraction of its set); lines: the best configuration of each explorer on {objective}."),
        )?;
    }
    let path = dir.join("report.html");
    crate::rundir::write_atomic(&path, page.render().as_bytes())?;
    Ok(path)
}
