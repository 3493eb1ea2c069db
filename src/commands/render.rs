use super::{load_spin_set, uniform_model};
use crate::cli::RenderArgs;
use crate::error::usage;
use crate::plot::grid::{self, Panel};
use crate::report::tidy;
use crate::rundir::{ensure_free, write_atomic};
use anyhow::Result;

/// The `--index` list (default: the first 16), each checked against the file's length.
fn pick(a: &RenderArgs, len: usize) -> Result<Vec<usize>> {
    let indices: Vec<usize> = if a.index.is_empty() {
        (0..len.min(16)).collect()
    } else {
        a.index.clone()
    };
    match indices.iter().find(|&&i| i >= len) {
        Some(&bad) => Err(usage(format!(
            "--index {bad} is out of range: {} holds {len} configurations",
            a.file.display()
        ))),
        None => Ok(indices),
    }
}

/// Vector spins `(M, Ly, Lx, 3)`: colour-wheel panels with W and M_z in the captions.
fn render_vectors(a: &RenderArgs) -> Result<()> {
    let set = lso_pipeline::problems::chiral::data::load(&a.file)?;
    let indices = pick(a, set.len())?;
    let lattice = lso_physics::Lattice::new(set.lx, set.ly, a.boundary)?;
    let panels: Vec<(&[[f64; 3]], String)> = indices
        .iter()
        .map(|&i| {
            let s = set.config(i);
            let w = lso_physics::heisenberg::topological_index(&lattice, s);
            let mz = lso_physics::heisenberg::mz(s);
            (s, format!("#{i} W={:.2} Mz={:.2}", tidy(w, 2), tidy(mz, 2)))
        })
        .collect();
    let cols = a.cols.unwrap_or_else(|| (panels.len() as f64).sqrt().ceil() as usize);
    let png = grid::render_vectors(
        &panels,
        set.lx,
        set.ly,
        cols,
        a.scale.unwrap_or_else(|| grid::default_scale(set.lx, set.ly)),
    )?;
    write_atomic(&a.out, &png)?;
    println!("wrote {} ({} configurations)", a.out.display(), panels.len());
    Ok(())
}

pub fn run(a: RenderArgs) -> Result<()> {
    let png = a.out.extension().is_some_and(|e| e.eq_ignore_ascii_case("png"));
    if !png {
        return Err(usage(format!(
            "{}: lso render writes PNG images; name the output .png",
            a.out.display()
        )));
    }
    ensure_free(&a.out, a.force)?;
    if a.scale == Some(0) || a.cols == Some(0) {
        return Err(usage("--scale and --cols must be at least 1"));
    }
    if lso_pipeline::problems::chiral::data::holds_vectors(&a.file) {
        return render_vectors(&a);
    }
    let set = load_spin_set(&a.file)?;
    let indices = pick(&a, set.len())?;
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
