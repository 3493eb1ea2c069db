//! The static `report.html` of a run: a summary table and figures (PNG files in `report/` beside
//! it), readable with no network access.

mod html;

pub use html::{escape, Page};

use crate::error::Result;
use crate::plot::charts;
use plotters::style::RGBColor;
use std::path::Path;

pub const RED: RGBColor = RGBColor(200, 40, 40);
pub const GREEN: RGBColor = RGBColor(30, 140, 60);
pub const BLUE: RGBColor = RGBColor(70, 110, 180);
pub const ORANGE: RGBColor = RGBColor(220, 130, 30);
pub const GREY: RGBColor = RGBColor(120, 120, 120);
pub const PURPLE: RGBColor = RGBColor(150, 90, 170);
pub const BLACK: RGBColor = RGBColor(20, 20, 20);

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

/// One colour per explorer (and control) in every figure of every problem.
pub fn method_colour(method: &str) -> RGBColor {
    match method {
        "adam" => BLUE,
        "cmaes" => PURPLE,
        "random" => GREY,
        "genetic" => ORANGE,
        "stochastic" => GREEN,
        "bo" => RGBColor(227, 119, 194),
        "multistart" => RGBColor(0, 0, 128),
        "replica" => RGBColor(220, 20, 60),
        "prior" => RED,
        "greedy" => RGBColor(140, 86, 75),
        "anneal" => RGBColor(23, 190, 207),
        "tempering" => RGBColor(188, 189, 34),
        _ => BLACK,
    }
}
