//! The chiral problem's report sections: the best configuration of each objective and explorer,
//! and seed 001's Figs. 3–5 — W and ε over the training data, decoded prior samples and the
//! optimised configurations.

use super::ChiralProblem;
use crate::error::Result;
use crate::plot::charts::{self, Sample};
use crate::problem::{Observed, RunView};
use crate::report::{method_colour, Page, BLACK, GREY, PURPLE};

pub fn add(p: &ChiralProblem, v: &RunView<'_, ChiralProblem>, page: &mut Page) -> Result<()> {
    let (data, m, fig) = (v.data, v.model, v.fig_dir);
    // The best restart of each objective and explorer.
    let mut best: Vec<&crate::results::Outcome> = Vec::new();
    for spec in &v.results.objectives {
        for method in p.cfg.optimise.search.methods.iter().map(|m| m.name()) {
            if let Some(o) = v
                .results
                .outcomes
                .iter()
                .filter(|o| o.objective == spec.name && o.method == method)
                .min_by(|a, b| spec.score(&a.best).total_cmp(&spec.score(&b.best)))
            {
                best.push(o);
            }
        }
    }
    let codes: Vec<Vec<f64>> = best.iter().filter_map(|o| o.z.clone()).collect();
    let configs = p.decode(data, m, &codes);
    let panels: Vec<(&[[f64; 3]], String)> = configs
        .iter()
        .zip(&best)
        .map(|(s, o)| (s.as_slice(), format!("{} {}", o.objective, o.method)))
        .collect();
    let size = m.config.size;
    if !panels.is_empty() {
        let png = crate::plot::grid::render_vectors(
            &panels,
            size,
            size,
            p.cfg.optimise.search.methods.len(),
            crate::plot::grid::default_scale(size, size),
        )?;
        page.figure(
            fig,
            "best_configurations.png",
            &png,
            "The best configuration of each objective and explorer (hue: in-plane angle; white up, black down).",
        )?;
    }
    let spiral = p.spiral_reference();
    let empty = Vec::new();
    let set = |name: &str| v.sets.get(name).unwrap_or(&empty);
    for (name, key, objective, file) in [
        ("W", "w", "max W", "w_distribution.png"),
        ("ε", "energy_per_spin", "min energy", "energy_distribution.png"),
    ] {
        let f = |o: &Observed| o.get(key).copied().unwrap_or(f64::NAN);
        let training: Vec<f64> = set("training").iter().map(f).collect();
        let prior: Vec<f64> = set("prior").iter().map(f).collect();
        let samples = [
            Sample {
                name: "training data",
                values: &training,
                colour: GREY,
            },
            Sample {
                name: "decoded prior",
                values: &prior,
                colour: PURPLE,
            },
        ];
        let found: Vec<&&crate::results::Outcome> = best.iter().filter(|o| o.objective == objective).collect();
        let labels: Vec<String> = found.iter().map(|o| format!("{} ({objective})", o.method)).collect();
        let mut markers: Vec<charts::Marker> = found
            .iter()
            .zip(&labels)
            .map(|(o, label)| charts::Marker {
                x: f(&o.best),
                label,
                colour: method_colour(&o.method),
            })
            .collect();
        if key == "energy_per_spin" {
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
            fig,
            file,
            &png,
            &format!("Distribution of {name} over the training data and over decoded samples of the prior (each as a fraction of its set); lines: the best configuration of each explorer on {objective}."),
        )?;
    }
    Ok(())
}
