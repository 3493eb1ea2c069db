//! The compare summary: residual energy per spin `(E − E_GS)/N` and the probability of reaching
//! `E_GS`, per family × size × method × budget, with bootstrap intervals over instances and
//! seeds; `compare.json`, a text table and `report.html` with one figure per family.

use super::stats::bootstrap_mean;
use super::Collected;
use crate::error::Result;
use crate::plot::charts::{error_lines_logx, Band, Mark, Stroke};
use crate::report::{method_colour, Page};
use plotters::style::{RGBColor, BLACK};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// A method's line in the figures. Direct methods and latent explorers keep the run reports'
/// colours (latent random search in dark slate, apart from random spins); the stroke is the
/// objective or the loop variant: solid on the true energy, dashed on the surrogate, bold for a
/// retraining loop and dotted for the same loop never retrained; the marker parts explorers of
/// near colours (multistart's navy from Adam's blue, latent random's slate from the stochastic
/// green and the training data's black, replica exchange's crimson from the prior's red).
/// `+data` twins look the same: they are drawn in a figure of their own.
fn line_of(method: &str) -> (RGBColor, Stroke, Mark) {
    let m = method.strip_suffix("+data").unwrap_or(method);
    let Some((explorer, how)) = m.split_once('/') else {
        let colour = if m == "training-data" { BLACK } else { method_colour(m) };
        return (colour, Stroke::Solid, Mark::Circle);
    };
    let colour = if explorer == "random" {
        RGBColor(47, 79, 79)
    } else {
        method_colour(explorer)
    };
    let stroke = match how {
        "surrogate" => Stroke::Dashed,
        "retrain" => Stroke::Bold,
        "fixed" => Stroke::Dotted,
        _ => Stroke::Solid,
    };
    let mark = match explorer {
        "random" | "bo" | "replica" => Mark::Square,
        "multistart" | "stochastic" => Mark::Triangle,
        _ => Mark::Circle,
    };
    (colour, stroke, mark)
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Row {
    pub family: String,
    pub size: usize,
    pub method: String,
    pub budget: u64,
    pub samples: usize,
    pub residual_per_spin: f64,
    pub residual_low: f64,
    pub residual_high: f64,
    pub p_ground_state: f64,
    pub p_low: f64,
    pub p_high: f64,
    pub seconds_mean: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub rows: Vec<Row>,
    /// Instances whose ground state is only best-known (tori).
    pub inexact_instances: Vec<String>,
    pub cells: usize,
    pub missing_cells: usize,
}

pub fn summarise(c: &Collected) -> Summary {
    let mut groups: BTreeMap<(String, usize, String), Vec<&super::Cell>> = BTreeMap::new();
    for cell in &c.cells {
        if c.ground.contains_key(&cell.instance) {
            groups
                .entry((cell.family.name().to_string(), cell.size, cell.method.clone()))
                .or_default()
                .push(cell);
        }
    }
    let mut rows = Vec::new();
    for ((family, size, method), cells) in &groups {
        let n = (size * size) as f64;
        for (b, &budget) in c.cfg.budgets.iter().enumerate() {
            let mut residual = Vec::new();
            let mut hit = Vec::new();
            for cell in cells {
                let gs = &c.ground[&cell.instance];
                let tol = 1e-9 * gs.energy.abs().max(1.0) + gs.quantisation_bound.unwrap_or(0.0);
                residual.push((cell.best[b] - gs.energy) / n);
                hit.push(f64::from(u8::from(cell.best[b] - gs.energy <= tol)));
            }
            // A method with no result within the budget (a latent method still paying for its
            // data) has no residual there, and counts as missing the ground state.
            let (r, rl, rh) = if residual.iter().any(|r| r.is_nan()) {
                (f64::NAN, f64::NAN, f64::NAN)
            } else {
                bootstrap_mean(&residual, c.cfg.bootstrap, c.cfg.seed)
            };
            let (p, pl, ph) = bootstrap_mean(&hit, c.cfg.bootstrap, c.cfg.seed);
            rows.push(Row {
                family: family.clone(),
                size: *size,
                method: method.clone(),
                budget,
                samples: residual.len(),
                residual_per_spin: r,
                residual_low: rl,
                residual_high: rh,
                p_ground_state: p,
                p_low: pl,
                p_high: ph,
                seconds_mean: cells.iter().map(|c| c.seconds).sum::<f64>() / cells.len() as f64,
            });
        }
    }
    Summary {
        rows,
        inexact_instances: c
            .ground
            .iter()
            .filter(|(_, g)| !g.exact)
            .map(|(k, _)| k.clone())
            .collect(),
        cells: c.cells.len(),
        missing_cells: c.missing,
    }
}

/// The text table at the largest size and budget: one line per family × method.
pub fn table(s: &Summary) -> String {
    let size = s.rows.iter().map(|r| r.size).max().unwrap_or(0);
    let budget = s.rows.iter().map(|r| r.budget).max().unwrap_or(0);
    let mut out = format!(
        "{size}×{size}, budget {budget} evaluations: residual energy per spin (E − E_GS)/N and P(E_GS), 95% bootstrap intervals\n{:<10} {:<10} {:>26} {:>22} {:>9}\n",
        "family", "method", "residual/N", "P(ground state)", "s/run"
    );
    for r in s.rows.iter().filter(|r| r.size == size && r.budget == budget) {
        out.push_str(&format!(
            "{:<10} {:<10} {:>9.5} [{:.5}, {:.5}] {:>6.2} [{:.2}, {:.2}] {:>9.3}\n",
            r.family,
            r.method,
            r.residual_per_spin,
            r.residual_low,
            r.residual_high,
            r.p_ground_state,
            r.p_low,
            r.p_high,
            r.seconds_mean
        ));
    }
    out
}

/// Writes `compare.json`, `table.txt` and `report.html` (with its figures) into `dir`.
pub fn write_report(c: &Collected, s: &Summary, dir: &Path) -> Result<()> {
    // Which sweep annealing and tempering ran on, per instance (wall times depend on it).
    let kernels: std::collections::BTreeMap<String, &str> = super::instances(&c.cfg)?
        .iter()
        .map(|i| {
            (
                i.name.clone(),
                lso_physics::glass::chain::Kernel::for_model(&i.model).name(),
            )
        })
        .collect();
    let mut used: Vec<&str> = kernels.values().copied().collect();
    used.sort_unstable();
    used.dedup();
    crate::rundir::write_json(
        &dir.join("compare.json"),
        &serde_json::json!({
            "schema": 1,
            "config": c.cfg,
            "version": env!("CARGO_PKG_VERSION"),
            "evaluation_unit": "one energy evaluation = one sweep of one configuration (Monte Carlo, greedy) or one random configuration",
            "summary": s,
            "ground_states": c.ground,
            "sweep_kernels": kernels,
        }),
    )?;
    let text = table(s);
    crate::rundir::write_atomic(&dir.join("table.txt"), text.as_bytes())?;
    let figs = dir.join("figures");
    std::fs::create_dir_all(&figs).map_err(|e| crate::error::fail!("{}: cannot create: {e}", figs.display()))?;
    let mut page = Page::new("lso compare: where does each method reach the ground state?");
    page.note(&format!(
        "{} cells ({} missing). Every energy is measured against the instance's exact ground state (planar matching){}. \
Budgets count true energy evaluations: one sweep of one configuration, or one random configuration. Annealing and tempering sweep one chain on the fastest kernel each instance allows ({}; per instance in compare.json).",
        s.cells,
        s.missing_cells,
        if s.inexact_instances.is_empty() { String::new() } else { format!("; best-known only for {}", s.inexact_instances.join(", ")) },
        used.join(", ")
    ));
    page.pre("Largest size, largest budget", &text);
    let size = s.rows.iter().map(|r| r.size).max().unwrap_or(0);
    let families: Vec<String> = {
        let mut f: Vec<String> = s.rows.iter().map(|r| r.family.clone()).collect();
        f.dedup();
        f
    };
    for family in &families {
        let mut methods: Vec<String> = s
            .rows
            .iter()
            .filter(|r| &r.family == family && r.size == size)
            .map(|r| r.method.clone())
            .collect();
        methods.sort();
        methods.dedup();
        let direct = |m: &str| !m.contains('/') && !m.starts_with("prior") && m != "training-data";
        let own: Vec<&String> = methods.iter().filter(|m| !m.ends_with("+data")).collect();
        let with_data: Vec<&String> = methods
            .iter()
            .filter(|m| direct(m) || m.ends_with("+data") || *m == "training-data")
            .collect();
        let has_latent = methods.iter().any(|m| !direct(m));
        let residual = |r: &Row| (r.residual_per_spin, r.residual_low, r.residual_high);
        let hits = |r: &Row| (r.p_ground_state, r.p_low, r.p_high);
        let mut figure = |file: String,
                          list: &[&String],
                          value: &dyn Fn(&Row) -> (f64, f64, f64),
                          title: String,
                          y: &str,
                          caption: String|
         -> Result<()> {
            let bands: Vec<Band> = list
                .iter()
                .map(|m| {
                    let (colour, stroke, mark) = line_of(m);
                    Band {
                        name: m.as_str(),
                        points: s
                            .rows
                            .iter()
                            .filter(|r| &r.family == family && r.size == size && &r.method == *m)
                            .map(|r| {
                                let (a, b, c) = value(r);
                                (r.budget as f64, a, b, c)
                            })
                            .filter(|p| p.1.is_finite())
                            .collect(),
                        colour,
                        stroke,
                        mark,
                    }
                })
                .collect();
            let png = error_lines_logx(&bands, &title, "budget (true energy evaluations)", y)?;
            page.figure(&figs, &file, &png, &caption)
        };
        figure(
            format!("residual-{family}.png"),
            &own,
            &residual,
            format!("{family} {size}×{size}: residual energy per spin"),
            "(E − E_GS)/N",
            format!("{family}, {size}×{size}: mean residual energy per spin against budget, 95% bootstrap intervals over instances and seeds; latent methods count their own true evaluations only"),
        )?;
        if has_latent {
            figure(
                format!("residual-data-{family}.png"),
                &with_data,
                &residual,
                format!("{family} {size}×{size}: residual, training data paid for"),
                "(E − E_GS)/N",
                format!("{family}, {size}×{size}: as above, with each latent method's training data (annealing sweeps, surrogate labels) counted in its budget; a method appears once its data fit the budget"),
            )?;
        }
        figure(
            format!("hits-{family}.png"),
            &with_data,
            &hits,
            format!("{family} {size}×{size}: probability of the ground state"),
            "P(E = E_GS)",
            format!("{family}, {size}×{size}: fraction of runs reaching E_GS against budget (latent methods with their data cost)"),
        )?;
    }
    let rows: Vec<Vec<String>> = std::iter::once(
        [
            "family",
            "L",
            "method",
            "budget",
            "n",
            "residual/N",
            "95% low",
            "95% high",
            "P(GS)",
        ]
        .map(String::from)
        .to_vec(),
    )
    .chain(s.rows.iter().map(|r| {
        vec![
            r.family.clone(),
            r.size.to_string(),
            r.method.clone(),
            r.budget.to_string(),
            r.samples.to_string(),
            format!("{:.5}", r.residual_per_spin),
            format!("{:.5}", r.residual_low),
            format!("{:.5}", r.residual_high),
            format!("{:.2}", r.p_ground_state),
        ]
    }))
    .collect();
    page.table("Every cell", &rows);
    crate::rundir::write_atomic(&dir.join("report.html"), page.render().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_method_of_a_figure_gets_its_own_line() {
        let explorers = [
            "adam",
            "cmaes",
            "random",
            "genetic",
            "stochastic",
            "multistart",
            "bo",
            "replica",
        ];
        let mut methods: Vec<String> = ["random", "greedy", "anneal", "tempering", "prior", "training-data"]
            .map(String::from)
            .to_vec();
        for e in explorers {
            for how in ["surrogate", "energy", "retrain", "fixed"] {
                methods.push(format!("{e}/{how}"));
            }
        }
        let mut seen = std::collections::HashMap::new();
        for m in &methods {
            let (c, s, k) = line_of(m);
            if let Some(other) = seen.insert((c.0, c.1, c.2, s, k), m) {
                panic!("{m} and {other} are drawn alike");
            }
        }
        // Lines that read alike in the default compare's figures by colour alone (navy and
        // blue; dark slate, green and black) carry different markers.
        for (a, b) in [
            ("multistart/surrogate", "adam/surrogate"),
            ("random/surrogate", "stochastic/surrogate"),
            ("random/energy", "training-data"),
            ("replica/energy", "prior"),
        ] {
            assert_ne!(line_of(a).2, line_of(b).2, "{a} and {b}");
        }
        // A `+data` twin is the same method, in a figure of its own.
        assert_eq!(line_of("cmaes/energy+data"), line_of("cmaes/energy"));
    }
}
