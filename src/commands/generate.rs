use crate::cli::{DisorderArg, IsingArgs, SourceArg};
use crate::config::{AnnealConfig, Checker};
use crate::rundir::{ensure_free, Provenance, Staging};
use anyhow::Result;
use lso_physics::{ScheduleKind, ScheduleVariable};
use lso_pipeline::problems::ising::{data as generate, Disorder, IsingDataConfig, Source};
use std::time::Instant;

/// The dataset config the flags describe, checked as a config file would be.
pub fn config_from_args(a: &IsingArgs) -> Result<IsingDataConfig> {
    let from_file = match &a.couplings {
        Some(path) => {
            let m = generate::read_instance(path, a.lattice.boundary)?;
            Some((m.lattice().lx(), m.lattice().ly()))
        }
        None => None,
    };
    let (lx, ly) = match (a.lattice.size, a.lattice.lx, a.lattice.ly) {
        _ if from_file.is_some() && a.lattice.size.is_none() && a.lattice.lx.is_none() && a.lattice.ly.is_none() => {
            from_file.expect("checked")
        }
        (Some(l), _, _) => (l, l),
        (None, Some(x), Some(y)) => (x, y),
        (None, Some(x), None) => (x, x),
        (None, None, Some(y)) => (y, y),
        (None, None, None) => (20, 20),
    };
    let cfg = IsingDataConfig {
        lx,
        ly,
        boundary: a.lattice.boundary,
        j: a.lattice.j,
        h: a.lattice.h,
        disorder: match a.disorder {
            DisorderArg::None => Disorder::None,
            DisorderArg::Pm => Disorder::Pm,
            DisorderArg::Gaussian => Disorder::Gaussian,
            DisorderArg::Uniform => Disorder::Uniform,
        },
        disorder_seed: None,
        couplings: a.couplings.clone(),
        source: match a.source {
            SourceArg::Biased => Source::Biased,
            SourceArg::Mc => Source::Mc,
            SourceArg::Anneal => Source::Anneal,
        },
        samples: a.samples,
        p: a.p.clone(),
        temperatures: a.temperature.clone(),
        sampler: a.sampler,
        burn_in: a.burn_in,
        thin: a.thin,
        chains: a.chains,
        anneal: AnnealConfig {
            sampler: if a.sampler == lso_physics::SamplerKind::Wolff {
                lso_physics::SamplerKind::HeatBath
            } else {
                a.sampler
            },
            schedule: if a.schedule == "linear" {
                ScheduleKind::Linear
            } else {
                ScheduleKind::Geometric
            },
            variable: if a.schedule_in == "beta" {
                ScheduleVariable::Beta
            } else {
                ScheduleVariable::Temperature
            },
            start: a.t_start,
            end: a.t_end,
            steps: a.anneal_steps,
            sweeps_per_step: a.sweeps_per_step,
        },
    };
    // The data section's keys, as the flags that set them.
    const FLAGS: &[(&str, &str)] = &[
        ("lx/ly", "--size"),
        ("samples", "--samples"),
        ("p", "--p"),
        ("temperatures", "--temperature"),
        ("thin", "--thin"),
        ("chains", "--chains"),
        ("sampler", "--sampler"),
        ("j", "--j"),
        ("h", "--h"),
        ("anneal", "--t-start/--t-end/--anneal-steps/--sweeps-per-step"),
        ("anneal.sampler", "--sampler"),
        ("burn_in/thin/samples", "--burn-in/--thin/--samples"),
        ("anneal/samples", "--anneal-steps/--sweeps-per-step/--samples"),
    ];
    let mut c = Checker::new("invalid arguments").naming(FLAGS);
    cfg.check(&mut c, "");
    c.finish()?;
    Ok(cfg)
}

pub fn ising(args: IsingArgs) -> Result<()> {
    let cfg = config_from_args(&args)?;
    // Refuse before any work is done.
    ensure_free(&args.out, args.force)?;
    let t0 = Instant::now();
    let ds = generate::generate(&cfg, args.seed)?;
    let mut prov = Provenance::new(args.seed, &cfg);
    prov.timings_s.insert("generate".into(), t0.elapsed().as_secs_f64());
    let staging = Staging::new(&args.out, args.force)?;
    generate::write(&ds, &cfg, &staging, &prov)?;
    let dir = staging.commit()?;
    let (lo, hi) = ds
        .energy
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &e| (a.min(e), b.max(e)));
    println!(
        "wrote {} configurations of {}×{} to {} (energy {lo} … {hi}, {:.2} s)",
        ds.spins.len(),
        cfg.lx,
        cfg.ly,
        dir.display(),
        t0.elapsed().as_secs_f64()
    );
    Ok(())
}

pub fn shapes(a: crate::cli::ShapesArgs) -> Result<()> {
    let cfg = lso_pipeline::problems::shapes::ShapesDataConfig {
        samples: a.samples,
        points: a.points,
        classes: a.classes.clone(),
        ..Default::default()
    };
    let mut c = crate::config::Checker::new("invalid arguments");
    cfg.check(&mut c, "--");
    c.finish()?;
    ensure_free(&a.out, a.force)?;
    let set = lso_pipeline::problems::shapes::data::generate(&cfg, a.seed);
    let staging = Staging::new(&a.out, a.force)?;
    lso_pipeline::problems::shapes::data::write(&staging, &set, &Provenance::new(a.seed, &cfg))?;
    let dir = staging.commit()?;
    println!(
        "wrote {} shapes of {} points to {}",
        set.len(),
        set.points,
        dir.display()
    );
    Ok(())
}

pub fn chiral(a: crate::cli::ChiralArgs) -> Result<()> {
    use lso_physics::heisenberg::HeisenbergSampler;
    use lso_pipeline::problems::chiral::data::{self as chiral, ChiralDataConfig};
    let cfg = ChiralDataConfig {
        lx: a.size,
        ly: a.size,
        boundary: a.lattice_boundary(),
        j: a.model.j,
        d: a.model.d,
        dmi: a.model.dmi(),
        k: a.model.k,
        b: a.model.b,
        samples: a.samples,
        sampler: if a.sampler == "metropolis" {
            HeisenbergSampler::Metropolis
        } else {
            HeisenbergSampler::HeatBath
        },
        t_start: a.t_start,
        t_end: a.t_end,
        steps: a.anneal_steps,
        sweeps_per_step: a.sweeps_per_step,
    };
    cfg.check()?;
    ensure_free(&a.out, a.force)?;
    let t0 = Instant::now();
    let set = chiral::generate(&cfg, a.seed)?;
    let mut prov = Provenance::new(a.seed, &cfg);
    prov.timings_s.insert("generate".into(), t0.elapsed().as_secs_f64());
    let staging = Staging::new(&a.out, a.force)?;
    chiral::write(&staging, &set, &cfg, &prov)?;
    let dir = staging.commit()?;
    println!(
        "wrote {} configurations of {}×{} to {} ({:.1} s)",
        set.len(),
        cfg.lx,
        cfg.ly,
        dir.display(),
        t0.elapsed().as_secs_f64()
    );
    Ok(())
}

pub fn export(a: crate::cli::ExportArgs) -> Result<()> {
    use lso_physics::ovf::OvfFormat;
    if !a.ovf && !a.npy {
        return Err(crate::error::usage("choose a format: --ovf or --npy"));
    }
    ensure_free(&a.out, a.force)?;
    let set = lso_pipeline::problems::chiral::data::load(&a.file)?;
    let indices: Vec<usize> = if a.index.is_empty() {
        (0..set.len()).collect()
    } else {
        a.index.clone()
    };
    if let Some(&bad) = indices.iter().find(|&&i| i >= set.len()) {
        return Err(crate::error::usage(format!(
            "--index {bad} is out of range: {} holds {} configurations",
            a.file.display(),
            set.len()
        )));
    }
    let staging = Staging::new(&a.out, a.force)?;
    if a.npy {
        let flat: Vec<f64> = indices
            .iter()
            .flat_map(|&i| set.config(i).iter().flatten().copied())
            .collect();
        let shape = [indices.len(), set.ly, set.lx, 3];
        staging.write("spins.npy", &lso_physics::npy::encode(&shape, &flat))?;
        let dir = staging.commit()?;
        println!(
            "wrote {} configurations of {}×{} to {}",
            indices.len(),
            set.lx,
            set.ly,
            dir.join("spins.npy").display()
        );
        return Ok(());
    }
    let format = match a.binary.as_str() {
        "4" => OvfFormat::Binary4,
        "8" => OvfFormat::Binary8,
        _ => OvfFormat::Text,
    };
    for &i in &indices {
        staging.write(
            &format!("config_{i:05}.ovf"),
            &lso_physics::ovf::encode(set.config(i), set.lx, set.ly, &format!("lso configuration {i}"), format),
        )?;
    }
    let dir = staging.commit()?;
    println!("wrote {} OVF 2.0 files to {}", indices.len(), dir.display());
    Ok(())
}
