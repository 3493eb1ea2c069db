use crate::cli::BenchArgs;
use crate::error::usage;
use anyhow::Result;

pub fn run(a: BenchArgs) -> Result<()> {
    if a.size < 2 || a.sweeps == 0 {
        return Err(usage("--size must be at least 2 and --sweeps at least 1"));
    }
    use crate::cli::BenchWhat;
    if matches!(a.what, BenchWhat::Sweeps | BenchWhat::All) {
        let rows = crate::bench::sweeps(a.size, a.sweeps, a.repeats);
        crate::bench::print_table(a.size, &rows);
    }
    if matches!(a.what, BenchWhat::Inverse | BenchWhat::All) {
        crate::bench::print_inverse(&crate::bench::inverse(&[6, 16]));
    }
    if matches!(a.what, BenchWhat::Chiral | BenchWhat::All) {
        println!("chiral magnet (J = 1, D = 0.3, T = 0.5)");
        for (name, v) in crate::bench::chiral(a.sweeps.max(200))? {
            println!("  {name:<60} {v:>9.4}");
        }
    }
    if matches!(a.what, BenchWhat::Glass | BenchWhat::All) {
        let (rows, solves) = crate::bench::glass(a.sweeps.max(100), a.repeats)?;
        println!("spin glass, 64×64 torus, one thread ({} sweeps)", a.sweeps.max(100));
        println!("  {:<74} {:>14} {:>9}", "kernel", "updates/ns cpu", "× scalar");
        // Each bond kind's rows start with the scalar one-chain sweep: the ratio's baseline.
        let mut scalar = f64::NAN;
        for r in &rows {
            if r.name.starts_with("glass kernel") {
                scalar = r.per_cpu_ns();
            }
            println!(
                "  {:<74} {:>14.3} {:>9.1}",
                r.name,
                r.per_cpu_ns(),
                r.per_cpu_ns() / scalar
            );
        }
        for (name, s) in solves {
            println!("  {name:<74} {s:>14.3}");
        }
    }
    if matches!(a.what, BenchWhat::Nn | BenchWhat::All) {
        crate::bench::print_nn(&crate::bench::nn()?);
    }
    Ok(())
}
