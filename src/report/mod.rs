//! The static `report.html` of a run: a summary table and figures (PNG files in `report/` beside
//! it), readable with no network access.

mod html;
pub mod lso;

pub use html::Page;

use crate::plot::charts::{self, Marker};
use crate::plot::grid::{self, Panel};
use crate::stages::control::ControlResults;
use anyhow::Result;
use lso_physics::{Ising, SpinSet};
use plotters::style::RGBColor;
use std::path::Path;

pub(crate) const RED: RGBColor = RGBColor(200, 40, 40);
pub(crate) const GREEN: RGBColor = RGBColor(30, 140, 60);
pub(crate) const BLUE: RGBColor = RGBColor(70, 110, 180);
pub(crate) const ORANGE: RGBColor = RGBColor(220, 130, 30);
pub(crate) const GREY: RGBColor = RGBColor(120, 120, 120);
pub(crate) const PURPLE: RGBColor = RGBColor(150, 90, 170);
pub(crate) const BLACK: RGBColor = RGBColor(20, 20, 20);

/// What the Ising run's report shows.
pub struct IsingRun<'a> {
    pub name: &'a str,
    pub model: &'a Ising,
    pub spins: &'a SpinSet,
    pub energy: &'a [f64],
    pub magnetisation: &'a [f64],
    pub control: &'a ControlResults,
    pub lso: Option<lso::LsoParts<'a>>,
    pub provenance_json: String,
}

/// `v`, or `0.0` when it would print as zero with `decimals` places: no "−0.00" in tables.
pub fn tidy(v: f64, decimals: i32) -> f64 {
    if v.abs() < 0.5 * 10f64.powi(-decimals) {
        0.0
    } else {
        v
    }
}

/// Train and validation loss per epoch (plus the validation KL when asked), as a figure.
pub fn training_curves(
    page: &mut Page,
    fig_dir: &Path,
    history: &lso_nn::train::History,
    title: &str,
    with_kl: bool,
) -> Result<()> {
    let series = |name, colour, f: fn(&lso_nn::train::EpochRecord) -> f64| charts::Series {
        name,
        points: history.epochs.iter().map(|e| (e.epoch as f64, f(e))).collect(),
        colour,
    };
    let mut all = vec![
        series("train loss", BLUE, |e| e.train_loss),
        series("validation loss", ORANGE, |e| e.val_loss),
    ];
    if with_kl {
        all.push(series("validation KL", GREEN, |e| e.val_kl));
    }
    let png = charts::lines(&all, title, "epoch", "loss")?;
    page.figure(
        fig_dir,
        "vae_training.png",
        &png,
        &format!(
            "Losses per epoch; the weights of epoch {} (best validation loss) are kept.",
            history.best_epoch
        ),
    )
}

/// One row of the summary table from any result.
fn row(
    method: &str,
    hits: Option<usize>,
    runs: usize,
    best: f64,
    mean: f64,
    evaluations: &str,
    seconds: f64,
) -> Vec<String> {
    vec![
        method.to_string(),
        hits.map_or("n/a".into(), |h| format!("{h} / {runs}")),
        format!("{best}"),
        format!("{mean:.1}"),
        evaluations.to_string(),
        format!("{seconds:.2}"),
    ]
}

/// The summary table: every method, then the controls.
pub fn summary_rows(run: &IsingRun<'_>) -> Vec<Vec<String>> {
    let mut rows = vec![vec![
        "method".to_string(),
        "ground states".into(),
        "best E".into(),
        "mean E".into(),
        "evaluations per run (surrogate / decoder / true)".into(),
        "seconds".into(),
    ]];
    if let Some(l) = &run.lso {
        for s in &l.results.methods {
            let e = s.evaluations;
            let per = s.runs.max(1);
            let ev = format!("{} / {} / {}", e.surrogate / per, e.decoder / per, e.true_energy / per);
            let name = format!("{} ({:?} objective)", s.method, l.results.objective).to_lowercase();
            rows.push(row(&name, s.hits, s.runs, s.best, s.mean, &ev, s.seconds));
        }
        for s in [&l.results.prior, &l.results.encoded_data] {
            rows.push(row(
                &format!("control: {}", s.method),
                s.hits,
                s.runs,
                s.best,
                s.mean,
                "0 / 1 / 1",
                s.seconds,
            ));
        }
    }
    let c = run.control;
    let sites = (run.spins.lx() * run.spins.ly()).max(1) as u64;
    let sweeps = c.restarts.first().map_or(0, |r| r.evaluations / sites);
    rows.push(row(
        "control: annealing on the spins",
        c.hits,
        c.restarts.len(),
        c.best,
        c.mean,
        &format!("{sweeps} sweeps (≈ {sweeps} energies)"),
        c.seconds,
    ));
    rows
}

/// Writes `report/*.png` and `report.html` into `run_dir`; returns the HTML path.
pub fn write_ising(run_dir: &Path, run: &IsingRun<'_>) -> Result<std::path::PathBuf> {
    let fig_dir = run_dir.join("report");
    let mut page = Page::new(&format!("lso run: {}", run.name));
    let ground = run.model.ground_state_energy();
    let rows = summary_rows(run);
    page.table("Summary", &rows);
    page.note(&format!(
        "Model: {}×{} Ising, exact ground-state energy {}. Every energy is the true energy of a real (signed) configuration, \
         never a surrogate prediction. Controls: decoded prior samples and decoded training codes without optimisation, \
         and simulated annealing directly on the spins with one sweep counted as one energy evaluation.",
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

    if let Some(l) = &run.lso {
        lso::add(&mut page, &fig_dir, run.model, l)?;
    }
    page.pre("Provenance (manifest)", &run.provenance_json);
    let path = run_dir.join("report.html");
    crate::rundir::write_atomic(&path, page.render().as_bytes())?;
    Ok(path)
}
