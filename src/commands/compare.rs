use crate::cli::{CompareArgs, CompareSub};
use crate::error::usage;
use anyhow::Result;
use lso_pipeline::compare::{self, config::DEFAULT_TOML, CompareConfig};

pub fn run(a: CompareArgs) -> Result<()> {
    if let Some(CompareSub::Merge(m)) = a.sub {
        let c = compare::collect(&m.dirs)?;
        std::fs::create_dir_all(&m.out)?;
        let s = compare::summarise(&c);
        compare::write_report(&c, &s, &m.out)?;
        print!("{}", compare::report::table(&s));
        println!(
            "merged {} cells ({} missing) into {}",
            s.cells,
            s.missing_cells,
            m.out.display()
        );
        return Ok(());
    }
    if a.print_config {
        print!("{DEFAULT_TOML}");
        return Ok(());
    }
    let out = a.out.ok_or_else(|| usage("--out DIR is required"))?;
    let (text, origin) = match &a.config {
        Some(p) => (
            std::fs::read_to_string(p).map_err(|e| anyhow::anyhow!("{}: cannot read: {e}", p.display()))?,
            p.display().to_string(),
        ),
        None => (DEFAULT_TOML.to_string(), "the embedded compare config".to_string()),
    };
    let mut cfg = CompareConfig::parse(&text, &origin)?;
    if let Some(s) = a.seed {
        cfg.seed = s;
    }
    let shard = match &a.shard {
        Some(s) => compare::parse_shard(s)?,
        None => (0, 1),
    };
    if a.force && out.join("compare.toml").exists() {
        std::fs::remove_dir_all(&out)?;
    }
    let t0 = std::time::Instant::now();
    let (ran, kept) = compare::run(&cfg, &out, shard)?;
    println!(
        "{ran} cells run, {kept} already done, {:.1} s",
        t0.elapsed().as_secs_f64()
    );
    if shard.1 == 1 {
        let c = compare::collect(std::slice::from_ref(&out))?;
        let s = compare::summarise(&c);
        compare::write_report(&c, &s, &out)?;
        print!("{}", compare::report::table(&s));
        println!("report: {}", out.join("report.html").display());
    } else {
        println!(
            "shard {}/{} done; join shards with: lso compare merge DIR... --out DIR",
            shard.0, shard.1
        );
    }
    Ok(())
}
