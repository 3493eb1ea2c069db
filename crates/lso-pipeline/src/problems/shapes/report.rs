//! The shapes problem's report sections (seed 003's figures): the training metric by class, the
//! latent map by class with search paths, decoded shapes over the latent plane, an interpolation
//! and the best shape of each objective and method.

use super::{metric_key, observe, ShapesProblem};
use crate::error::Result;
use crate::plot::charts::{self, Series};
use crate::problem::{Direction, Problem, RunView};
use crate::report::{Page, GREEN, RED};
use plotters::style::RGBColor;

const CLASS_COLOURS: [RGBColor; 7] = [
    RGBColor(70, 110, 180),
    RGBColor(220, 130, 30),
    RGBColor(30, 140, 60),
    RGBColor(150, 60, 170),
    RGBColor(120, 120, 120),
    RGBColor(180, 160, 40),
    RGBColor(40, 160, 170),
];

pub fn add(p: &ShapesProblem, v: &RunView<'_, ShapesProblem>, page: &mut Page) -> Result<()> {
    let (set, m, fig) = (v.data, v.model, v.fig_dir);
    let key = metric_key(p.cfg.optimise.problem.metric);
    let metric = |s: &[[f64; 2]]| observe(s)[key];

    let mut rows = vec![vec![
        "training class".to_string(),
        "shapes".into(),
        format!("mean {key}"),
        "min".into(),
        "max".into(),
    ]];
    for (c, class) in set.classes.iter().enumerate() {
        let vals: Vec<f64> = (0..set.len())
            .filter(|&k| set.labels[k] == c as i32)
            .map(|k| metric(&set.shape(k)))
            .collect();
        rows.push(vec![
            class.name().into(),
            vals.len().to_string(),
            format!("{:.4}", vals.iter().sum::<f64>() / vals.len().max(1) as f64),
            format!("{:.4}", vals.iter().cloned().fold(f64::INFINITY, f64::min)),
            format!("{:.4}", vals.iter().cloned().fold(f64::NEG_INFINITY, f64::max)),
        ]);
    }
    page.table("Training shapes by class", &rows);

    let d = m.config.latent;
    let pt = |z: &[f64]| (z[0], if d > 1 { z[1] } else { 0.0 });
    let clouds: Vec<Series> = set
        .classes
        .iter()
        .enumerate()
        .map(|(c, class)| Series {
            name: class.name(),
            points: m
                .latents
                .chunks(d)
                .zip(&set.labels)
                .filter(|(_, &l)| l == c as i32)
                .map(|(z, _)| (z[0] as f64, if d > 1 { z[1] as f64 } else { 0.0 }))
                .collect(),
            colour: CLASS_COLOURS[c % 7],
        })
        .collect();
    let min_name = v
        .results
        .objectives
        .iter()
        .find(|s| s.direction == Direction::Min)
        .map(|s| s.name.clone());
    let paths: Vec<charts::Path> = v
        .traces
        .iter()
        .filter(|t| t.restart == 0 && t.method != "random")
        .map(|t| {
            let is_min = Some(&t.objective) == min_name.as_ref();
            (
                t.path.iter().map(|z| pt(z)).collect(),
                if is_min { RED } else { GREEN },
                if is_min { "path (min)" } else { "path (max)" },
            )
        })
        .collect();
    let finals: Vec<(f64, f64)> = v
        .results
        .outcomes
        .iter()
        .filter_map(|o| o.z.as_deref().map(pt))
        .collect();
    let png = charts::trajectories(
        &clouds,
        &paths,
        &finals,
        "Latent space by shape class, with search paths",
        "z1",
        "z2",
    )?;
    page.figure(
        fig,
        "latent_map.png",
        &png,
        "Encoder means coloured by class; lines: best-so-far paths (restart 0 of every explorer but random search); red: final points.",
    )?;

    let mut dec = p.decoder(m, set.points);
    let extent = set.coords.iter().fold(0.0f32, |a, v| a.max(v.abs())) as f64 * 1.1;
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
        let png = crate::plot::shapes::grid(&dec.shapes(&grid), &[], k, extent, 90)?;
        page.figure(
            fig,
            "latent_grid.png",
            &png,
            "Decoded shapes over the latent plane, z1 from −2.5 (left) to 2.5, z2 from 2.5 (top) to −2.5.",
        )?;
    }

    // Interpolation between the first training shape of the first and of the last class.
    let first = |c: usize| set.labels.iter().position(|&l| l == c as i32);
    if let (Some(a), Some(b)) = (first(0), first(set.classes.len() - 1)) {
        let (za, zb) = (&m.latents[a * d..(a + 1) * d], &m.latents[b * d..(b + 1) * d]);
        let frames: Vec<Vec<f64>> = (0..8)
            .map(|k| {
                let t = k as f64 / 7.0;
                za.iter()
                    .zip(zb)
                    .map(|(x, y)| (*x as f64) * (1.0 - t) + (*y as f64) * t)
                    .collect()
            })
            .collect();
        let decoded = dec.shapes(&frames);
        let captions: Vec<String> = decoded.iter().map(|s| format!("{:.3}", metric(s))).collect();
        let png = crate::plot::shapes::grid(&decoded, &captions, 8, extent, 110)?;
        page.figure(
            fig,
            "interpolation.png",
            &png,
            &format!(
                "Straight line in the latent space from a {} to a {}; captions: {key}.",
                set.classes[0].name(),
                set.classes[set.classes.len() - 1].name()
            ),
        )?;
    }

    let mut best_shapes = Vec::new();
    let mut captions = Vec::new();
    for spec in &v.results.objectives {
        for method in p.search().methods.iter().map(|m| m.name()) {
            let best = v
                .results
                .outcomes
                .iter()
                .filter(|o| o.objective == spec.name && o.method == method)
                .map(|o| (p.score(spec, &o.best), o))
                .filter(|(s, _)| s.is_finite())
                .min_by(|a, b| a.0.total_cmp(&b.0));
            if let Some((_, o)) = best {
                let z = o.z.clone().unwrap_or_default();
                best_shapes.push(dec.shapes(std::slice::from_ref(&z)).remove(0));
                captions.push(format!("{} {}: {:.3}", spec.name, method, o.best[key]));
            }
        }
    }
    if !best_shapes.is_empty() {
        let png = crate::plot::shapes::grid(&best_shapes, &captions, best_shapes.len().min(6), extent, 130)?;
        page.figure(
            fig,
            "best_shapes.png",
            &png,
            "The best valid shape of each objective and method.",
        )?;
    }
    Ok(())
}
