use super::{load_spin_set, uniform_model};
use crate::cli::InfoArgs;
use crate::error::usage;
use anyhow::Result;
use lso_physics::ising::magnetisation;

pub fn run(a: InfoArgs) -> Result<()> {
    if a.bins == 0 || a.bins > 1_000_000 {
        return Err(usage(format!("--bins must be between 1 and 1000000, got {}", a.bins)));
    }
    let set = load_spin_set(&a.file)?;
    let model = uniform_model(&set, a.boundary, a.j, a.h)?;
    let m: Vec<f64> = set.configs().map(magnetisation).collect();
    let e: Vec<f64> = set.configs().map(|s| model.energy(s)).collect();
    let count = set.len() as f64;
    let mean_abs_m = m.iter().map(|x| x.abs()).sum::<f64>() / count;
    let mean_e = e.iter().sum::<f64>() / count;
    let (lo, hi) = e
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| (a.min(x), b.max(x)));
    println!("file        {}", a.file.display());
    println!(
        "configs     {} of {}×{} (Ly × Lx = {}×{})",
        set.len(),
        set.lx(),
        set.ly(),
        set.ly(),
        set.lx()
    );
    println!("mean |m|    {mean_abs_m:.4}");
    println!(
        "energy      min {lo}  mean {mean_e:.2}  max {hi}  (J = {}, h = {}, {})",
        a.j, a.h, a.boundary
    );
    if let Some(g) = model.ground_state_energy() {
        let hits = e.iter().filter(|&&x| (x - g).abs() < 1e-9).count();
        println!(
            "ground      E0 = {g}; {hits} of {} configurations are ground states",
            set.len()
        );
    }
    println!("histogram of energies:");
    let width = if hi > lo { (hi - lo) / a.bins as f64 } else { 1.0 };
    let mut counts = vec![0usize; a.bins];
    for &x in &e {
        counts[(((x - lo) / width) as usize).min(a.bins - 1)] += 1;
    }
    let top = *counts.iter().max().unwrap_or(&1);
    for (b, &c) in counts.iter().enumerate() {
        let from = lo + b as f64 * width;
        let bar = "#".repeat((40 * c).div_ceil(top.max(1)));
        println!("  [{:>9.1}, {:>9.1})  {:>7}  {bar}", from, from + width, c);
    }
    Ok(())
}
