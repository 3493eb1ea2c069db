//! The Ising problem's report sections (seed 000's Figs. 2–6 and more): data samples and their
//! energies, the annealing control, surrogate parity, latent trajectories, energies along a
//! trajectory, an interpolation strip and the best configurations.

use super::{decoder, IsingProblem};
use crate::error::Result;
use crate::plot::charts::{self, Marker, Series};
use crate::plot::grid::{self, Panel};
use crate::problem::{Problem, RunView};
use crate::report::{method_colour, Page, BLUE, GREEN, RED};
use plotters::style::RGBColor;

/// The two leading principal axes of the latent codes, and their mean.
pub fn pca2(latents: &[f32], d: usize) -> (Vec<f64>, [Vec<f64>; 2]) {
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

pub fn add(p: &IsingProblem, v: &RunView<'_, IsingProblem>, page: &mut Page) -> Result<()> {
    let (data, m, fig) = (v.data, v.model, v.fig_dir);
    let (lx, ly) = (data.spins.lx(), data.spins.ly());
    let ground = data.ground_state;
    let picks: Vec<usize> = (0..8).map(|k| k * data.spins.len() / 8).collect();
    let panels: Vec<Panel> = picks
        .iter()
        .map(|&i| Panel {
            spins: data.spins.config(i),
            lx,
            ly,
            caption: format!("#{i}  E = {}", data.energy[i]),
        })
        .collect();
    let png = grid::render(&panels, 4, grid::default_scale(lx, ly))?;
    page.figure(
        fig,
        "data_samples.png",
        &png,
        "Training configurations (white +1, black −1) with their energies.",
    )?;

    let anneal: Vec<&crate::results::Outcome> = v.results.controls.iter().filter(|o| o.method == "anneal").collect();
    let mut markers = Vec::new();
    if let Some(g) = ground {
        markers.push(Marker {
            x: g,
            label: "exact ground state",
            colour: RED,
        });
    }
    if let Some(best) = anneal.iter().map(|o| o.best["energy"]).reduce(f64::min) {
        markers.push(Marker {
            x: best,
            label: "best annealing result",
            colour: GREEN,
        });
    }
    let png = charts::histogram(&data.energy, 40, "Energies of the training data", "energy E", &markers)?;
    page.figure(
        fig,
        "data_energy.png",
        &png,
        "How far the data lie from the ground state.",
    )?;
    let png = charts::histogram(
        &data.magnetisation,
        40,
        "Magnetisation of the training data",
        "m = Σs/N",
        &[],
    )?;
    page.figure(fig, "data_magnetisation.png", &png, "Mean spin per configuration.")?;

    let points: Vec<(f64, f64)> = anneal
        .iter()
        .map(|o| (o.restart.unwrap_or(0) as f64, o.best["energy"]))
        .collect();
    let lines: Vec<Marker> = ground
        .map(|g| Marker {
            x: g,
            label: "exact ground state",
            colour: RED,
        })
        .into_iter()
        .collect();
    let png = charts::scatter(
        &points,
        "Control: simulated annealing on the spins",
        "restart",
        "final energy",
        &lines,
    )?;
    page.figure(
        fig,
        "control_energies.png",
        &png,
        "Final true energy of each annealing restart.",
    )?;

    let r = &m.surrogate_report;
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
        fig,
        "surrogate_parity.png",
        &png,
        &format!(
            "Surrogate on held-out data: MSE {:.1} (constant predictor {:.1}), R² = {:.3}.",
            r.val_mse, r.constant_mse, r.val_r2
        ),
    )?;

    // Trajectories in the plane of the two leading principal axes of the training codes.
    let d = m.vae_config.latent;
    let (mean, axes) = pca2(&m.latents, d);
    let project = |z: &[f64]| -> (f64, f64) {
        let c: Vec<f64> = z.iter().zip(&mean).map(|(a, m)| a - m).collect();
        (
            c.iter().zip(&axes[0]).map(|(a, b)| a * b).sum(),
            c.iter().zip(&axes[1]).map(|(a, b)| a * b).sum(),
        )
    };
    let cloud: Vec<(f64, f64)> = m
        .latents
        .chunks(d)
        .step_by((m.latents.len() / d / 1500).max(1))
        .map(|z| project(&z.iter().map(|&v| v as f64).collect::<Vec<_>>()))
        .collect();
    let series = vec![Series {
        name: "training codes",
        points: cloud,
        colour: RGBColor(190, 190, 190),
    }];
    let methods: Vec<&str> = p
        .search()
        .methods
        .iter()
        .map(|m| m.name())
        .filter(|m| *m != "random")
        .collect();
    let paths: Vec<charts::Path> = v
        .traces
        .iter()
        .filter(|t| methods.contains(&t.method.as_str()))
        .map(|t| {
            (
                t.path.iter().map(|z| project(z)).collect::<Vec<_>>(),
                method_colour(&t.method),
                methods.iter().find(|m| **m == t.method).copied().unwrap_or("path"),
            )
        })
        .collect();
    let finals: Vec<(f64, f64)> = v
        .results
        .outcomes
        .iter()
        .filter(|o| methods.contains(&o.method.as_str()))
        .filter_map(|o| o.z.as_deref().map(project))
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
        fig,
        "latent_trajectories.png",
        &png,
        "Best-so-far paths of the explorers (random search left out) projected onto the two leading principal axes of the training codes; red: final points.",
    )?;

    let mut hard = decoder(m, &data.model);
    // Energies along the first trajectory with more than one point.
    if let Some(t) = v.traces.iter().find(|t| t.path.len() > 1) {
        let flat: Vec<f32> = t.path.iter().flat_map(|z| z.iter().map(|&v| v as f32)).collect();
        let (sur, _) = m.surrogate.predict(&flat);
        let truth = hard.true_energies(&t.path);
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
            "improvement",
            "energy",
        )?;
        page.figure(
            fig,
            "trajectory_energy.png",
            &png,
            "True energy of the decoded grid and the surrogate's prediction at each improvement of one restart.",
        )?;
        // Interpolation from the start of that trajectory to its final point.
        let (a, b) = (&t.path[0], t.path.last().expect("non-empty"));
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
                lx,
                ly,
                caption: format!("t={:.2} E={}", k as f64 / 7.0, data.model.energy(c)),
            })
            .collect();
        let png = grid::render(&panels, 8, grid::default_scale(lx, ly).min(6))?;
        page.figure(
            fig,
            "interpolation.png",
            &png,
            "Decoded grids along the straight line from the first improvement to the optimum.",
        )?;
    }

    // The lowest-energy configuration each method found.
    let mut best = Vec::new();
    for method in p.search().methods.iter().map(|m| m.name()) {
        if let Some(o) = v
            .results
            .outcomes
            .iter()
            .filter(|o| o.method == method && o.z.is_some())
            .min_by(|a, b| a.best["energy"].total_cmp(&b.best["energy"]))
        {
            let z = o.z.clone().expect("filtered");
            best.push((
                method,
                hard.signed(std::slice::from_ref(&z)).remove(0),
                o.best["energy"],
            ));
        }
    }
    let panels: Vec<Panel> = best
        .iter()
        .map(|(m, c, e)| Panel {
            spins: c,
            lx,
            ly,
            caption: format!("{m}: E = {e}"),
        })
        .collect();
    if !panels.is_empty() {
        let png = grid::render(&panels, panels.len(), grid::default_scale(lx, ly))?;
        page.figure(
            fig,
            "best_configurations.png",
            &png,
            "The lowest-energy decoded configuration of each method.",
        )?;
    }
    Ok(())
}
