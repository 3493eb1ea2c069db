//! The report structure every problem shares: the summary table, the VAE's training curves and
//! each objective's search progress, then the problem's own figures and the provenance.

use crate::error::Result;
use crate::plot::charts::{self, Series};
use crate::problem::{Problem, RunView};
use crate::report::{method_colour, training_curves, Page};
use crate::results::summary_rows;
use std::path::PathBuf;

/// Writes `report/*.png` and `report.html` into the run directory; returns the HTML path.
pub fn write<P: Problem>(p: &P, view: &RunView<'_, P>, provenance_json: &str) -> Result<PathBuf> {
    let mut page = Page::new(&format!("lso run: {} ({})", p.name(), P::KIND));
    let rows = summary_rows(view.results, &p.columns(), &|s, o| p.score(s, o));
    page.table("Summary", &rows);
    page.note(&p.note(view.data));
    if p.search().prior == crate::explorer::LatentPrior::Encoded {
        page.note(
            "Every explorer searched, and the prior control drew from, the Gaussian fitted to the encoder means of the training data ([optimise] prior = \"encoded\"), not the VAE's N(0, I).",
        );
    }
    let polish = &p.search().polish;
    if !polish.is_off() {
        page.note(&format!(
            "Each explorer ran for its first {} evaluations; the last {} of every budget went to an Adam descent (learning rate {}) from the best point it had found ([optimise.polish]).",
            p.search().budget - polish.evaluations,
            polish.evaluations,
            polish.learning_rate
        ));
    }
    training_curves(&mut page, view.fig_dir, p.history(view.model), "VAE training", true)?;
    for (qi, spec) in view.results.objectives.iter().enumerate() {
        // Each method's best restart (lowest final objective value), so the lines stay legible.
        let mut series: Vec<Series> = Vec::new();
        for m in &p.search().methods {
            let best = view
                .traces
                .iter()
                .filter(|t| t.objective == spec.name && t.method == m.name() && !t.values.is_empty())
                .min_by(|a, b| {
                    let last = |t: &crate::results::TraceRecord| t.values.last().map_or(f64::INFINITY, |v| v.1);
                    last(a).total_cmp(&last(b))
                });
            if let Some(t) = best {
                series.push(Series {
                    name: m.name(),
                    points: t.values.iter().map(|&(e, v)| (e as f64, v)).collect(),
                    colour: method_colour(m.name()),
                });
            }
        }
        if series.is_empty() {
            continue;
        }
        let png = charts::lines(
            &series,
            &format!("{}: best value so far", spec.name),
            "objective evaluations",
            "objective (minimised)",
        )?;
        page.figure(
            view.fig_dir,
            &format!("search_{qi}.png"),
            &png,
            &format!(
                "{}: the best objective value over the search, each method's best restart (quantities to maximise enter negated).",
                spec.name
            ),
        )?;
    }
    if let Some(rows) = ladder_rows(view.results) {
        page.table("Replica-exchange ladders", &rows);
        page.note(
            "Each replica-exchange restart's ladder at the end of its search: the acceptance of each temperature's moves (its step adapts towards the target acceptance: 0.574 for Langevin moves and 0.234 for a random walk unless [optimise.replica] acceptance sets another) and the rate of exchanges between neighbouring temperatures. An exchange rate near 0 splits the ladder in two, so what the hot chains find never reaches the cold ones: narrow the ladder (a larger t_ratio) or add replicas.",
        );
    }
    retrain_figures(view.loops, view.results, &mut page, view.fig_dir)?;
    p.report(view, &mut page)?;
    page.pre("Provenance (manifest)", provenance_json);
    let path = view.dir.join("report.html");
    crate::rundir::write_atomic(&path, page.render().as_bytes())?;
    Ok(path)
}

/// A row per restart that recorded a ladder (replica exchange), with a header; `None` if none did.
fn ladder_rows(results: &crate::results::Results) -> Option<Vec<Vec<String>>> {
    let list = |v: Option<&Vec<f64>>, f: &dyn Fn(f64) -> String| {
        v.map_or(String::new(), |v| {
            v.iter().map(|&x| f(x)).collect::<Vec<_>>().join(", ")
        })
    };
    let rows: Vec<Vec<String>> = results
        .outcomes
        .iter()
        .filter_map(|o| {
            let d = o.diagnostics.as_ref()?;
            d.get("swap_rates")?;
            Some(vec![
                o.objective.clone(),
                o.method.clone(),
                o.restart.map_or(String::new(), |r| r.to_string()),
                list(d.get("temperatures"), &significant),
                list(d.get("acceptance"), &|x| format!("{x:.2}")),
                list(d.get("swap_rates"), &|x| format!("{x:.2}")),
            ])
        })
        .collect();
    if rows.is_empty() {
        return None;
    }
    let header = [
        "objective",
        "method",
        "restart",
        "temperatures, coldest first",
        "acceptance",
        "exchange rates, neighbours",
    ];
    Some(
        std::iter::once(header.iter().map(|s| s.to_string()).collect())
            .chain(rows)
            .collect(),
    )
}

/// `x` to three significant figures; temperatures follow the objective's scale, whatever it is.
fn significant(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let magnitude = x.abs().log10().floor() as i32;
    if (-3..3).contains(&magnitude) {
        format!("{x:.*}", (2 - magnitude).max(0) as usize)
    } else {
        format!("{x:.2e}")
    }
}

/// Best value so far against true evaluations for every weighted-retraining loop, the loop
/// without retraining (`+fixed`, paler) beside it.
fn retrain_figures(
    loops: &[crate::retrain::LoopSummary],
    results: &crate::results::Results,
    page: &mut Page,
    fig_dir: &std::path::Path,
) -> Result<()> {
    for (qi, spec) in results.objectives.iter().enumerate() {
        let mine: Vec<_> = loops.iter().filter(|l| l.objective == spec.name).collect();
        if mine.is_empty() {
            continue;
        }
        let series: Vec<Series> = mine
            .iter()
            .map(|l| {
                let base = l.method.split('+').next().unwrap_or_default();
                let c = method_colour(base);
                let colour = if l.retrain {
                    c
                } else {
                    plotters::style::RGBColor(c.0 / 2 + 128, c.1 / 2 + 128, c.2 / 2 + 128)
                };
                // A step line: the best value holds until the next improvement.
                let mut points: Vec<(f64, f64)> = Vec::new();
                for &(e, v) in &l.curve {
                    if let Some(&(_, prev)) = points.last() {
                        points.push((e as f64, prev));
                    }
                    points.push((e as f64, v));
                }
                if let (Some(&(_, v)), Some(r)) = (points.last(), l.rounds.last()) {
                    points.push((r.evaluations as f64, v));
                }
                Series {
                    name: &l.method,
                    points,
                    colour,
                }
            })
            .collect();
        let png = charts::lines(
            &series,
            &format!("{}: weighted retraining", spec.name),
            "true evaluations",
            "best objective so far (minimised)",
        )?;
        let retrains: Vec<f64> = mine
            .iter()
            .flat_map(|l| l.rounds.iter().filter_map(|r| r.retrain_seconds))
            .collect();
        let per = if retrains.is_empty() {
            String::new()
        } else {
            format!(
                " A retrain took {:.3} s on average ({} retrains).",
                retrains.iter().sum::<f64>() / retrains.len() as f64,
                retrains.len()
            )
        };
        page.figure(
            fig_dir,
            &format!("retrain_{qi}.png"),
            &png,
            &format!(
                "{}: each explorer in the weighted-retraining loop (decode, judge, add to the data, fine-tune with rank weights every round) and, paler, the same loop with the model never retrained.{per}",
                spec.name
            ),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::significant;

    #[test]
    fn temperatures_keep_three_significant_figures_at_any_scale() {
        for (x, want) in [
            (0.20345, "0.203"),
            (4.0691, "4.07"),
            (1234.5, "1.23e3"),
            (123.45, "123"),
            (0.0012345, "0.00123"),
            (12345.0, "1.23e4"),
            (2.5e-5, "2.50e-5"),
            (0.0, "0"),
        ] {
            assert_eq!(significant(x), want, "{x}");
        }
    }
}
