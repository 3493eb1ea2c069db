//! Figures of the latent-space pipeline (seed 000's Figs. 2–6 and more): training curves,
//! surrogate parity, latent trajectories, energies along a trajectory, an interpolation strip
//! and the best configurations.

use super::{Page, BLUE, GREEN, ORANGE, RED};
use crate::plot::charts::{self, Series};
use crate::plot::grid::{self, Panel};
use crate::stages::optimise::{OptimiseResults, Trajectory};
use anyhow::Result;
use lso_nn::objectives::{EnergyMode, EnergyObjective};
use lso_nn::surrogate::SurrogateReport;
use lso_nn::train::History;
use lso_nn::{MlpVae, Surrogate, VaeConfig};
use lso_physics::Ising;
use plotters::style::RGBColor;
use std::path::Path;

pub struct LsoParts<'a> {
    pub vae: &'a MlpVae,
    pub vae_config: &'a VaeConfig,
    pub history: &'a History,
    pub surrogate: &'a Surrogate,
    pub surrogate_report: &'a SurrogateReport,
    pub results: &'a OptimiseResults,
    pub trajectories: &'a [Trajectory],
    pub latents: &'a [f32],
    pub lx: usize,
    pub ly: usize,
}

/// The two leading principal axes of the latent codes, and their mean.
fn pca2(latents: &[f32], d: usize) -> (Vec<f64>, [Vec<f64>; 2]) {
    let rows = latents.len() / d;
    let mean: Vec<f64> = (0..d)
        .map(|j| latents.iter().skip(j).step_by(d).map(|&v| v as f64).sum::<f64>() / rows as f64)
        .collect();
    let mut cov = vec![0.0; d * d];
    for r in latents.chunks(d) {
        for i in 0..d {
            for j in 0..d {
                cov[i * d + j] += (r[i] as f64 - mean[i]) * (r[j] as f64 - mean[j]) / rows as f64;
            }
        }
    }
    let (vals, vecs) = lso_opt::linalg::symmetric_eigen(&cov, d);
    let mut order: Vec<usize> = (0..d).collect();
    order.sort_by(|&a, &b| vals[b].total_cmp(&vals[a]));
    let axis = |k: usize| (0..d).map(|i| vecs[i * d + order[k.min(d - 1)]]).collect::<Vec<f64>>();
    (mean, [axis(0), axis(1)])
}

pub fn add(page: &mut Page, fig_dir: &Path, model: &Ising, p: &LsoParts<'_>) -> Result<()> {
    let d = p.vae_config.latent;
    let h = p.history;
    crate::report::training_curves(page, fig_dir, h, "VAE training (ELBO per sample)", true)?;

    let r = p.surrogate_report;
    let png = charts::parity(
        &[Series {
            name: "held-out codes",
            points: r.parity.clone(),
            colour: BLUE,
        }],
        "Surrogate accuracy",
        "true energy",
        "predicted energy",
    )?;
    page.figure(
        fig_dir,
        "surrogate_parity.png",
        &png,
        &format!(
            "Surrogate on held-out data: MSE {:.1} (constant predictor {:.1}), R² = {:.3}.",
            r.val_mse, r.constant_mse, r.val_r2
        ),
    )?;

    // Trajectories in the plane of the two leading principal axes of the training codes.
    let (mean, axes) = pca2(p.latents, d);
    let project = |z: &[f64]| -> (f64, f64) {
        let c: Vec<f64> = z.iter().zip(&mean).map(|(a, m)| a - m).collect();
        (
            c.iter().zip(&axes[0]).map(|(a, b)| a * b).sum(),
            c.iter().zip(&axes[1]).map(|(a, b)| a * b).sum(),
        )
    };
    let cloud: Vec<(f64, f64)> = p
        .latents
        .chunks(d)
        .step_by((p.latents.len() / d / 1500).max(1))
        .map(|z| project(&z.iter().map(|&v| v as f64).collect::<Vec<_>>()))
        .collect();
    let series = vec![Series {
        name: "training codes",
        points: cloud,
        colour: RGBColor(190, 190, 190),
    }];
    let colours = [BLUE, ORANGE, GREEN];
    let mut paths = Vec::new();
    for (mi, method) in ["adam", "cmaes"].iter().enumerate() {
        for t in p.trajectories.iter().filter(|t| t.method == *method) {
            paths.push((
                t.points.iter().map(|z| project(z)).collect::<Vec<_>>(),
                colours[mi % 3],
                *method,
            ));
        }
    }
    let finals: Vec<(f64, f64)> = p
        .results
        .restarts
        .iter()
        .filter(|r| r.method != "random")
        .map(|r| project(&r.z))
        .collect();
    let png = charts::trajectories(
        &series,
        &paths,
        &finals,
        "Latent trajectories (PCA of the codes)",
        "PC 1",
        "PC 2",
    )?;
    page.figure(
        fig_dir,
        "latent_trajectories.png",
        &png,
        "Optimiser paths projected onto the two leading principal axes of the training codes; red: final points.",
    )?;

    // Energies along the first Adam trajectory (or the first trajectory at all).
    if let Some(t) = p
        .trajectories
        .iter()
        .find(|t| t.method == "adam")
        .or(p.trajectories.first())
    {
        let flat: Vec<f32> = t.points.iter().flat_map(|z| z.iter().map(|&v| v as f32)).collect();
        let (sur, _) = p.surrogate.predict(&flat);
        let mut hard = EnergyObjective::new(p.vae, d, p.vae_config.output, model, EnergyMode::Hard);
        let truth = hard.true_energies(&t.points);
        let png = charts::lines(
            &[
                Series {
                    name: "true energy (signed decode)",
                    points: truth.iter().enumerate().map(|(k, &e)| (k as f64, e)).collect(),
                    colour: RED,
                },
                Series {
                    name: "surrogate",
                    points: sur.iter().enumerate().map(|(k, &e)| (k as f64, e)).collect(),
                    colour: BLUE,
                },
            ],
            &format!("Energy along {} restart {}", t.method, t.restart),
            "step",
            "energy",
        )?;
        page.figure(
            fig_dir,
            "trajectory_energy.png",
            &png,
            "True energy of the decoded grid and the surrogate's prediction along one trajectory.",
        )?;

        // Interpolation from the start of that trajectory to its final point.
        let (a, b) = (
            t.points.first().unwrap(),
            p.results
                .restarts
                .iter()
                .find(|r| r.method == t.method && r.restart == t.restart)
                .map(|r| &r.z)
                .unwrap_or(t.points.last().unwrap()),
        );
        let frames: Vec<Vec<f64>> = (0..8)
            .map(|k| {
                let s = k as f64 / 7.0;
                a.iter().zip(b).map(|(x, y)| x + s * (y - x)).collect()
            })
            .collect();
        let configs = hard.signed(&frames);
        let panels: Vec<Panel> = configs
            .iter()
            .enumerate()
            .map(|(k, c)| Panel {
                spins: c,
                lx: p.lx,
                ly: p.ly,
                caption: format!("t={:.2} E={}", k as f64 / 7.0, model.energy(c)),
            })
            .collect();
        let png = grid::render(&panels, 8, grid::default_scale(p.lx, p.ly).min(6))?;
        page.figure(
            fig_dir,
            "interpolation.png",
            &png,
            "Decoded grids along the straight line from the start to the optimum.",
        )?;
    }

    // The best configuration each method found.
    let mut hard = EnergyObjective::new(p.vae, d, p.vae_config.output, model, EnergyMode::Hard);
    let mut best = Vec::new();
    for s in &p.results.methods {
        if let Some(r) = p
            .results
            .restarts
            .iter()
            .filter(|r| r.method == s.method)
            .min_by(|a, b| a.true_energy.total_cmp(&b.true_energy))
        {
            best.push((
                s.method.clone(),
                hard.signed(std::slice::from_ref(&r.z)).remove(0),
                r.true_energy,
            ));
        }
    }
    let panels: Vec<Panel> = best
        .iter()
        .map(|(m, c, e)| Panel {
            spins: c,
            lx: p.lx,
            ly: p.ly,
            caption: format!("{m}: E = {e}"),
        })
        .collect();
    if !panels.is_empty() {
        let png = grid::render(&panels, panels.len(), grid::default_scale(p.lx, p.ly))?;
        page.figure(
            fig_dir,
            "best_configurations.png",
            &png,
            "The lowest-energy decoded configuration of each method.",
        )?;
    }
    Ok(())
}
