use super::{load_spin_set, uniform_model};
use crate::cli::RenderArgs;
use crate::error::usage;
use crate::plot::grid::{self, Panel};
use crate::rundir::{ensure_free, write_atomic};
use anyhow::Result;

pub fn run(a: RenderArgs) -> Result<()> {
    ensure_free(&a.out, a.force)?;
    let set = load_spin_set(&a.file)?;
    let indices: Vec<usize> = if a.index.is_empty() {
        (0..set.len().min(16)).collect()
    } else {
        a.index.clone()
    };
    if let Some(&bad) = indices.iter().find(|&&i| i >= set.len()) {
        return Err(usage(format!(
            "--index {bad} is out of range: {} holds {} configurations",
            a.file.display(),
            set.len()
        )));
    }
    if a.scale == Some(0) || a.cols == Some(0) {
        return Err(usage("--scale and --cols must be at least 1"));
    }
    if a.plain {
        let [i] = indices[..] else {
            return Err(usage("--plain draws exactly one configuration: give one --index"));
        };
        let png = grid::render_plain(set.config(i), set.lx(), set.ly(), a.scale.unwrap_or(1))?;
        write_atomic(&a.out, &png)?;
        println!("wrote {} (configuration {i})", a.out.display());
        return Ok(());
    }
    let model = uniform_model(&set, a.boundary, a.j, a.h)?;
    let panels: Vec<Panel> = indices
        .iter()
        .map(|&i| {
            let spins = set.config(i);
            let caption = if a.energy {
                format!("#{i}  E = {}", model.energy(spins))
            } else {
                format!("#{i}")
            };
            Panel {
                spins,
                lx: set.lx(),
                ly: set.ly(),
                caption,
            }
        })
        .collect();
    let cols = a.cols.unwrap_or_else(|| (panels.len() as f64).sqrt().ceil() as usize);
    let png = grid::render(
        &panels,
        cols,
        a.scale.unwrap_or_else(|| grid::default_scale(set.lx(), set.ly())),
    )?;
    write_atomic(&a.out, &png)?;
    println!("wrote {} ({} configurations)", a.out.display(), panels.len());
    Ok(())
}
