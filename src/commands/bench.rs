use crate::cli::BenchArgs;
use crate::error::usage;
use anyhow::Result;

pub fn run(a: BenchArgs) -> Result<()> {
    if a.size < 2 || a.sweeps == 0 {
        return Err(usage("--size must be at least 2 and --sweeps at least 1"));
    }
    let rows = crate::bench::sweeps(a.size, a.sweeps, a.repeats);
    crate::bench::print_table(a.size, &rows);
    Ok(())
}
