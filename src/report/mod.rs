//! The static `report.html` of a run: a summary table and figures (PNG files in `report/` beside
//! it), readable with no network access.

mod html;

pub use html::{Figure, Page};

use crate::plot::charts::{self, Marker};
use crate::plot::grid::{self, Panel};
use crate::stages::control::ControlResults;
use anyhow::Result;
use lso_physics::{Ising, SpinSet};
use plotters::style::RGBColor;
use std::path::Path;

const RED: RGBColor = RGBColor(200, 40, 40);
const GREEN: RGBColor = RGBColor(30, 140, 60);

/// What the Ising run's report shows.
pub struct IsingRun<'a> {
    pub name: &'a str,
    pub model: &'a Ising,
    pub spins: &'a SpinSet,
    pub energy: &'a [f64],
    pub magnetisation: &'a [f64],
    pub control: &'a ControlResults,
    pub provenance_json: String,
}

/// Writes `report/*.png` and `report.html` into `run_dir`; returns the HTML path.
pub fn write_ising(run_dir: &Path, run: &IsingRun<'_>) -> Result<std::path::PathBuf> {
    let fig_dir = run_dir.join("report");
    let mut page = Page::new(&format!("lso run: {}", run.name));
    let ground = run.model.ground_state_energy();

    let mut rows = vec![vec![
        "method".to_string(),
        "ground states".into(),
        "best E".into(),
        "mean E".into(),
        "evaluations / restart".into(),
    ]];
    let c = run.control;
    rows.push(vec![
        format!("{} (control, on the spins)", c.method),
        c.hits.map_or("n/a".into(), |h| format!("{h} / {}", c.restarts.len())),
        format!("{}", c.best),
        format!("{:.1}", c.mean),
        c.restarts.first().map_or("0".into(), |r| r.evaluations.to_string()),
    ]);
    page.table("Summary", &rows);
    page.note(&format!(
        "Model: {}×{} Ising, exact ground-state energy {}. Energies are true energies of the final configurations.",
        run.spins.lx(),
        run.spins.ly(),
        ground.map_or("unknown".into(), |g| g.to_string())
    ));
    let picks: Vec<usize> = (0..8).map(|k| k * run.spins.len() / 8).collect::<Vec<_>>();
    let panels: Vec<Panel> = picks
        .iter()
        .map(|&i| Panel {
            spins: run.spins.config(i),
            lx: run.spins.lx(),
            ly: run.spins.ly(),
            caption: format!("#{i}  E = {}", run.energy[i]),
        })
        .collect();
    let png = grid::render(&panels, 4, grid::default_scale(run.spins.lx(), run.spins.ly()))?;
    page.figure(
        &fig_dir,
        "data_samples.png",
        &png,
        "Training configurations (white +1, black −1) with their energies.",
    )?;

    let mut markers = Vec::new();
    if let Some(g) = ground {
        markers.push(Marker {
            x: g,
            label: "exact ground state",
            colour: RED,
        });
    }
    markers.push(Marker {
        x: run.control.best,
        label: "best annealing result",
        colour: GREEN,
    });
    let png = charts::histogram(run.energy, 40, "Energies of the training data", "energy E", &markers)?;
    page.figure(
        &fig_dir,
        "data_energy.png",
        &png,
        "How far the data lie from the ground state.",
    )?;

    let png = charts::histogram(
        run.magnetisation,
        40,
        "Magnetisation of the training data",
        "m = Σs/N",
        &[],
    )?;
    page.figure(&fig_dir, "data_magnetisation.png", &png, "Mean spin per configuration.")?;

    let points: Vec<(f64, f64)> = run
        .control
        .restarts
        .iter()
        .map(|r| (r.restart as f64, r.energy))
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
        &fig_dir,
        "control_energies.png",
        &png,
        "Final true energy of each annealing restart.",
    )?;

    page.pre("Provenance (manifest)", &run.provenance_json);
    let path = run_dir.join("report.html");
    crate::rundir::write_atomic(&path, page.render().as_bytes())?;
    Ok(path)
}
