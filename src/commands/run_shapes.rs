//! `lso run` for a shapes config (seed 003): shapes → VAE with a 2-D latent space → minimise and
//! maximise a design metric of the decoded shape → figures and report.

use crate::cli::RunArgs;
use crate::config::hash_of;
use crate::config::shapes::{Goal, ShapesRunConfig};
use crate::config::MethodName;
use crate::plot::charts::{self, Series};
use crate::report::{Page, GREEN, RED};
use crate::rundir::{write_json, Provenance};
use crate::stages::shapes::{self as shape_stage, ShapeSet};
use crate::stages::vae;
use anyhow::{anyhow, Result};
use lso_nn::objectives::{Counts, ShapeMetric, ShapeObjective};
use lso_nn::train::{encode_means, normal_matrix, train_vae};
use lso_nn::{checkpoint, MlpVae, OutputKind, VaeConfig};
use lso_opt::{driver, Adam, CmaEs, Constrained, Constraint, Optimiser, RandomSearch};
use lso_physics::npy;
use lso_physics::rng::{mix, tag};
use lso_physics::shapes::{self, ShapeClass};
use plotters::style::RGBColor;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ShapeResult {
    pub goal: Goal,
    pub method: String,
    pub restart: usize,
    pub z: Vec<f64>,
    /// The metric of the decoded shape.
    pub metric: f64,
    pub valid: bool,
    pub crossings: usize,
    pub evaluations: Counts,
    pub seconds: f64,
    pub path: Vec<Vec<f64>>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ShapeSummary {
    pub goal: Goal,
    pub method: String,
    pub valid: usize,
    pub runs: usize,
    /// Best metric among valid results (lowest for min, highest for max).
    pub best: Option<f64>,
    pub mean: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ClassStats {
    pub class: ShapeClass,
    pub mean: f64,
    pub min: f64,
    pub max: f64,
}

fn metric_of(m: ShapeMetric, s: &[[f64; 2]]) -> f64 {
    match m {
        ShapeMetric::Isoperimetric => shapes::isoperimetric_ratio(s),
        ShapeMetric::PerimeterToArea => shapes::perimeter_to_area(s),
    }
    .unwrap_or(f64::NAN)
}

/// Coordinates as the VAE sees them: scaled into [0, 1] for a sigmoid decoder.
fn network_input(set: &ShapeSet, output: OutputKind) -> (Vec<f32>, Option<(f32, f32)>) {
    match output {
        OutputKind::Sigmoid => {
            let (lo, hi) = set.range();
            (
                set.coords.iter().map(|c| (c - lo) / (hi - lo)).collect(),
                Some((lo, hi)),
            )
        }
        _ => (set.coords.clone(), None),
    }
}

pub fn run(mut cfg: ShapesRunConfig, a: &RunArgs) -> Result<()> {
    cfg.seed = a.seed.unwrap_or(cfg.seed);
    let Some(dir) = super::run::open_run(a, &cfg, &cfg.name, "shapes", cfg.seed)? else {
        return Ok(());
    };
    let t_all = Instant::now();

    let data_dir = dir.join("data");
    let data_hash = hash_of(&(cfg.seed, &cfg.shapes));
    super::run::stage(&data_dir, "data", &data_hash, a.force, |out| {
        let set = shape_stage::generate(&cfg.shapes, cfg.seed);
        shape_stage::write(out, &set, &Provenance::new(cfg.seed, &cfg.shapes))
    })?;
    let set = shape_stage::load(&data_dir)?;
    let vae_cfg = VaeConfig {
        input: 2 * set.points,
        hidden: cfg.vae.hidden.clone(),
        latent: cfg.vae.latent,
        output: cfg.vae.output,
    };
    let (input, range) = network_input(&set, cfg.vae.output);

    let vae_dir = dir.join("vae");
    let vae_hash = hash_of(&(&data_hash, &cfg.vae));
    super::run::stage(&vae_dir, "vae", &vae_hash, a.force, |out| {
        let pb = crate::progress::bar(cfg.vae.train.epochs as u64, "vae");
        let (model, history) = train_vae(&vae_cfg, &cfg.vae.train, &input, cfg.seed, None, &mut |_| pb.inc(1))?;
        pb.finish_and_clear();
        let latents = encode_means(&model, &input, vae_cfg.input, vae_cfg.latent)?;
        out.write("vae.safetensors", &checkpoint::to_bytes(&model)?)?;
        out.write_json("vae.json", &vae_cfg)?;
        out.write_json("history.json", &history)?;
        out.write_json("normalisation.json", &serde_json::json!({ "range": range }))?;
        out.write("latents.npy", &npy::encode(&[set.len(), vae_cfg.latent], &latents))
    })?;
    let (model, loaded_cfg) = vae::load(&vae_dir)?;
    if loaded_cfg.input != 2 * set.points {
        return Err(anyhow!(
            "{}: the model takes {} inputs, the shapes have {} points",
            vae_dir.display(),
            loaded_cfg.input,
            set.points
        ));
    }
    let latents = vae::read_latents(&vae_dir, loaded_cfg.latent)?;
    let history: lso_nn::train::History =
        serde_json::from_str(&std::fs::read_to_string(vae_dir.join("history.json"))?)?;

    let opt_dir = dir.join("optimise");
    let opt_hash = hash_of(&(&vae_hash, &cfg.optimise));
    super::run::stage(&opt_dir, "optimise", &opt_hash, a.force, |out| {
        let results = optimise(&cfg, &model, &loaded_cfg, set.points, range)?;
        out.write_json("results.json", &results)
    })?;
    let results: Vec<ShapeResult> = serde_json::from_str(&std::fs::read_to_string(opt_dir.join("results.json"))?)?;

    // Summaries against the training shapes.
    let metric = cfg.optimise.metric;
    let class_stats: Vec<ClassStats> = set
        .classes
        .iter()
        .enumerate()
        .map(|(c, &class)| {
            let v: Vec<f64> = (0..set.len())
                .filter(|&k| set.labels[k] == c as i32)
                .map(|k| metric_of(metric, &set.shape(k)))
                .collect();
            ClassStats {
                class,
                mean: v.iter().sum::<f64>() / v.len().max(1) as f64,
                min: v.iter().cloned().fold(f64::INFINITY, f64::min),
                max: v.iter().cloned().fold(f64::NEG_INFINITY, f64::max),
            }
        })
        .collect();
    let all: Vec<f64> = (0..set.len()).map(|k| metric_of(metric, &set.shape(k))).collect();
    let train_mean = all.iter().sum::<f64>() / all.len() as f64;
    let mut summaries = Vec::new();
    for &goal in &cfg.optimise.goals {
        for &m in &cfg.optimise.methods {
            let rs: Vec<&ShapeResult> = results
                .iter()
                .filter(|r| r.goal == goal && r.method == m.name())
                .collect();
            let valid: Vec<f64> = rs.iter().filter(|r| r.valid).map(|r| r.metric).collect();
            let best = match goal {
                Goal::Min => valid.iter().cloned().reduce(f64::min),
                Goal::Max => valid.iter().cloned().reduce(f64::max),
            };
            summaries.push(ShapeSummary {
                goal,
                method: m.name().into(),
                valid: valid.len(),
                runs: rs.len(),
                best,
                mean: rs.iter().map(|r| r.metric).sum::<f64>() / rs.len().max(1) as f64,
            });
        }
    }
    write_json(
        &dir.join("results.json"),
        &serde_json::json!({ "metric": metric, "training_mean": train_mean, "classes": class_stats, "summaries": summaries, "results": results }),
    )?;

    let html = report(
        &dir,
        &cfg,
        &set,
        &model,
        &loaded_cfg,
        range,
        &history,
        &latents,
        &results,
        &summaries,
        &class_stats,
        train_mean,
    )?;
    let mut prov = Provenance::new(cfg.seed, &cfg);
    prov.timings_s.insert("total".into(), t_all.elapsed().as_secs_f64());
    write_json(&dir.join("manifest.json"), &prov)?;

    println!();
    println!(
        "{:<6} {:<8} {:>7} {:>12} {:>12}",
        "goal", "method", "valid", "best", "mean"
    );
    for s in &summaries {
        println!(
            "{:<6} {:<8} {:>7} {:>12} {:>12.4}",
            format!("{:?}", s.goal).to_lowercase(),
            s.method,
            format!("{}/{}", s.valid, s.runs),
            s.best.map_or("none".into(), |b| format!("{b:.4}")),
            s.mean
        );
    }
    println!("training shapes: mean {metric:?} {train_mean:.4}; per class:");
    for c in &class_stats {
        println!(
            "  {:<9} mean {:.4}  min {:.4}  max {:.4}",
            c.class.name(),
            c.mean,
            c.min,
            c.max
        );
    }
    println!("report: {}", html.display());
    println!("run directory: {}", dir.display());
    Ok(())
}

fn optimise(
    cfg: &ShapesRunConfig,
    model: &MlpVae,
    vcfg: &VaeConfig,
    points: usize,
    range: Option<(f32, f32)>,
) -> Result<Vec<ShapeResult>> {
    let o = &cfg.optimise;
    let constraint = Constraint {
        radius: (o.radius > 0.0).then_some(o.radius),
        ..Default::default()
    };
    let d = vcfg.latent;
    let mut out = Vec::new();
    let pb = crate::progress::bar((o.goals.len() * o.methods.len() * o.restarts) as u64, "optimise");
    for &goal in &o.goals {
        let sign = if goal == Goal::Min { 1.0 } else { -1.0 };
        for &method in &o.methods {
            for r in 0..o.restarts {
                let t0 = Instant::now();
                let seed = mix(
                    cfg.seed,
                    tag(method.name()),
                    (r as u64) << 1 | (goal == Goal::Max) as u64,
                );
                let start: Vec<f64> = normal_matrix(1, d, seed).iter().map(|&v| v as f64).collect();
                let mut obj = ShapeObjective::new(model, d, vcfg.output, points, range, o.metric, sign, o.penalty);
                let mut opt: Box<dyn Optimiser> = match method {
                    MethodName::Adam => Box::new(Adam::new(&o.adam, vec![start.clone()])?),
                    MethodName::Cmaes => Box::new(CmaEs::new(&o.cmaes, start.clone(), seed)?),
                    MethodName::Random => Box::new(RandomSearch::new(d, 10.min(o.budget), 1.0, seed)?),
                };
                let mut path = vec![constraint.project(&start)];
                let mut best = f64::INFINITY;
                let trace = {
                    let mut c = Constrained {
                        inner: &mut obj,
                        constraint: constraint.clone(),
                    };
                    driver::run_observed(opt.as_mut(), &mut c, o.budget, &mut |step| {
                        if let Some((k, &v)) = step.values.iter().enumerate().min_by(|a, b| a.1.total_cmp(b.1)) {
                            if method == MethodName::Adam || v < best {
                                best = best.min(v);
                                path.push(constraint.project(&step.points[k]));
                            }
                        }
                    })?
                };
                let z = constraint.project(&trace.best_point);
                let shape = obj.shapes(std::slice::from_ref(&z)).remove(0);
                let crossings = shapes::self_intersections(&shape);
                out.push(ShapeResult {
                    goal,
                    method: method.name().into(),
                    restart: r,
                    metric: metric_of(o.metric, &shape),
                    valid: shapes::is_valid(&shape),
                    crossings,
                    evaluations: obj.counts,
                    seconds: t0.elapsed().as_secs_f64(),
                    z,
                    path,
                });
                pb.inc(1);
            }
        }
    }
    pb.finish_and_clear();
    Ok(out)
}

const CLASS_COLOURS: [RGBColor; 7] = [
    RGBColor(70, 110, 180),
    RGBColor(220, 130, 30),
    RGBColor(30, 140, 60),
    RGBColor(150, 60, 170),
    RGBColor(120, 120, 120),
    RGBColor(180, 160, 40),
    RGBColor(40, 160, 170),
];

#[allow(clippy::too_many_arguments)]
fn report(
    dir: &Path,
    cfg: &ShapesRunConfig,
    set: &ShapeSet,
    model: &MlpVae,
    vcfg: &VaeConfig,
    range: Option<(f32, f32)>,
    history: &lso_nn::train::History,
    latents: &[f32],
    results: &[ShapeResult],
    summaries: &[ShapeSummary],
    class_stats: &[ClassStats],
    train_mean: f64,
) -> Result<PathBuf> {
    let fig = dir.join("report");
    let metric = cfg.optimise.metric;
    let mut page = Page::new(&format!("lso run: {} (shapes)", cfg.name));
    let mut rows = vec![vec![
        "goal".to_string(),
        "method".into(),
        "valid".into(),
        format!("best {metric:?}"),
        "mean".into(),
    ]];
    for s in summaries {
        rows.push(vec![
            format!("{:?}", s.goal).to_lowercase(),
            s.method.clone(),
            format!("{} / {}", s.valid, s.runs),
            s.best.map_or("none".into(), |b| format!("{b:.4}")),
            format!("{:.4}", s.mean),
        ]);
    }
    for c in class_stats {
        rows.push(vec![
            "training data".into(),
            c.class.name().into(),
            "".into(),
            format!("{:.4} … {:.4}", c.min, c.max),
            format!("{:.4}", c.mean),
        ]);
    }
    page.table("Summary", &rows);
    page.note(&format!("Metric {metric:?} of the decoded shapes; a circle has isoperimetric ratio 1. Mean over all training shapes: {train_mean:.4}. Valid: non-zero area and no crossing edges."));

    crate::report::training_curves(&mut page, &fig, history, "VAE training", false)?;

    let d = vcfg.latent;
    let pt = |z: &[f64]| (z[0], if d > 1 { z[1] } else { 0.0 });
    let clouds: Vec<Series> = set
        .classes
        .iter()
        .enumerate()
        .map(|(c, class)| Series {
            name: class.name(),
            points: latents
                .chunks(d)
                .zip(&set.labels)
                .filter(|(_, &l)| l == c as i32)
                .map(|(z, _)| (z[0] as f64, if d > 1 { z[1] as f64 } else { 0.0 }))
                .collect(),
            colour: CLASS_COLOURS[c % 7],
        })
        .collect();
    let paths: Vec<charts::Path> = results
        .iter()
        .filter(|r| r.restart == 0 && r.method != "random")
        .map(|r| {
            (
                r.path.iter().map(|z| pt(z)).collect(),
                if r.goal == Goal::Min { RED } else { GREEN },
                if r.goal == Goal::Min {
                    "path (min)"
                } else {
                    "path (max)"
                },
            )
        })
        .collect();
    let finals: Vec<(f64, f64)> = results.iter().map(|r| pt(&r.z)).collect();
    let png = charts::trajectories(
        &clouds,
        &paths,
        &finals,
        "Latent space by shape class, with optimisation paths",
        "z1",
        "z2",
    )?;
    page.figure(
        &fig,
        "latent_map.png",
        &png,
        "Encoder means coloured by class; lines: optimisation paths (restart 0 of Adam and CMA-ES); red: final points.",
    )?;

    let mut obj = ShapeObjective::new(model, d, vcfg.output, set.points, range, metric, 1.0, 0.0);
    let extent = set.coords.iter().fold(0.0f32, |m, v| m.max(v.abs())) as f64 * 1.1;
    if d >= 2 {
        let k = 8;
        let grid: Vec<Vec<f64>> = (0..k * k)
            .map(|i| {
                let (r, c) = (i / k, i % k);
                let mut z = vec![0.0; d];
                z[0] = -2.5 + 5.0 * c as f64 / (k - 1) as f64;
                z[1] = 2.5 - 5.0 * r as f64 / (k - 1) as f64;
                z
            })
            .collect();
        let shapes_grid = obj.shapes(&grid);
        let png = crate::plot::shapes::grid(&shapes_grid, &[], k, extent, 90)?;
        page.figure(
            &fig,
            "latent_grid.png",
            &png,
            "Decoded shapes over the latent plane, z1 from −2.5 (left) to 2.5, z2 from 2.5 (top) to −2.5.",
        )?;
    }

    // Interpolation between the first training shape of the first and of the last class.
    let first = |c: usize| set.labels.iter().position(|&l| l == c as i32);
    if let (Some(a), Some(b)) = (first(0), first(set.classes.len() - 1)) {
        let (za, zb) = (&latents[a * d..(a + 1) * d], &latents[b * d..(b + 1) * d]);
        let frames: Vec<Vec<f64>> = (0..8)
            .map(|k| {
                let t = k as f64 / 7.0;
                za.iter()
                    .zip(zb)
                    .map(|(x, y)| (*x as f64) * (1.0 - t) + (*y as f64) * t)
                    .collect()
            })
            .collect();
        let decoded = obj.shapes(&frames);
        let captions: Vec<String> = decoded.iter().map(|s| format!("{:.3}", metric_of(metric, s))).collect();
        let png = crate::plot::shapes::grid(&decoded, &captions, 8, extent, 110)?;
        page.figure(
            &fig,
            "interpolation.png",
            &png,
            &format!(
                "Straight line in the latent space from a {} to a {}; captions: {metric:?}.",
                set.classes[0].name(),
                set.classes[set.classes.len() - 1].name()
            ),
        )?;
    }

    let mut best_shapes = Vec::new();
    let mut captions = Vec::new();
    for s in summaries {
        if let Some(r) = results
            .iter()
            .filter(|r| r.goal == s.goal && r.method == s.method && r.valid)
            .min_by(|a, b| {
                let (x, y) = if s.goal == Goal::Min {
                    (a.metric, b.metric)
                } else {
                    (b.metric, a.metric)
                };
                x.total_cmp(&y)
            })
        {
            best_shapes.push(obj.shapes(std::slice::from_ref(&r.z)).remove(0));
            captions.push(format!("{:?} {}: {:.3}", s.goal, s.method, r.metric).to_lowercase());
        }
    }
    if !best_shapes.is_empty() {
        let png = crate::plot::shapes::grid(&best_shapes, &captions, best_shapes.len().min(6), extent, 130)?;
        page.figure(
            &fig,
            "best_shapes.png",
            &png,
            "The best valid shape of each goal and method.",
        )?;
    }
    let path = dir.join("report.html");
    crate::rundir::write_atomic(&path, page.render().as_bytes())?;
    Ok(path)
}
