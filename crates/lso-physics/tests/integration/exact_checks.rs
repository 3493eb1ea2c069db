//! Monte Carlo estimates against exact enumeration and Onsager's solution. Every comparison is
//! within 4 standard errors (batch means) at a fixed seed.

use lso_physics::exact;
use lso_physics::ising::magnetisation;
use lso_physics::rng::{stream, tag};
use lso_physics::sampler::Sampler;
use lso_physics::stats::{batch_means, Estimate};
use lso_physics::{onsager, Boundary, Ising, Lattice, MultiSpinIsing, ParallelTempering, SamplerKind};

struct Series {
    e: Vec<f64>,
    abs_m: Vec<f64>,
    m2: Vec<f64>,
}

fn sample(model: &Ising, kind: SamplerKind, beta: f64, sweeps: usize, seed: u64) -> Series {
    let n = model.sites() as f64;
    let mut rng = stream(seed, tag("exact-test"), 0);
    let mut sampler = kind.build();
    let mut spins = vec![1i8; model.sites()];
    for _ in 0..2_000 {
        sampler.sweep(model, &mut spins, beta, &mut rng).unwrap();
    }
    let mut s = Series {
        e: vec![],
        abs_m: vec![],
        m2: vec![],
    };
    for _ in 0..sweeps {
        sampler.sweep(model, &mut spins, beta, &mut rng).unwrap();
        let m = magnetisation(&spins);
        s.e.push(model.energy(&spins) / n);
        s.abs_m.push(m.abs());
        s.m2.push(m * m);
    }
    s
}

fn check(name: &str, est: Estimate, exact: f64) {
    let z = est.sigmas_from(exact);
    assert!(
        z < 4.0,
        "{name}: Monte Carlo {:.5} ± {:.5}, exact {exact:.5} ({z:.1}σ)",
        est.mean,
        est.err
    );
    // The error bar must be small enough for the comparison to mean something.
    assert!(
        est.err < 0.01,
        "{name}: error bar {} too large to test anything",
        est.err
    );
}

#[test]
fn samplers_match_enumeration_on_4x4_torus() {
    let model = Ising::ferromagnet(Lattice::new(4, 4, Boundary::Periodic).unwrap(), 1.0);
    for (ti, t) in [1.5, 2.27, 3.0].into_iter().enumerate() {
        let ex = exact::moments(&model, 1.0 / t).unwrap();
        for kind in SamplerKind::ALL {
            let s = sample(&model, kind, 1.0 / t, 200_000, 100 + ti as u64);
            let label = |q: &str| format!("{kind} T={t} {q}");
            check(&label("<e>"), batch_means(&s.e, 50), ex.energy);
            check(&label("<|m|>"), batch_means(&s.abs_m, 50), ex.abs_magnetisation);
            check(&label("<m^2>"), batch_means(&s.m2, 50), ex.magnetisation_sq);
        }
    }
}

#[test]
fn samplers_match_enumeration_with_fields_and_open_boundaries() {
    // A glassy model with per-site fields on an open 4×3 lattice: only Metropolis and heat bath
    // apply, and their general (non-table) code paths run.
    let lattice = Lattice::new(4, 3, Boundary::Open).unwrap();
    let mut rng = stream(11, tag("glass"), 0);
    let glass = Ising::spin_glass_gaussian(lattice.clone(), 0.3, 1.0, &mut rng).unwrap();
    let hs: Vec<f64> = (0..12).map(|i| 0.1 * (i as f64 - 5.5)).collect();
    let model = Ising::new(lattice, glass.couplings().clone(), lso_physics::Fields::PerSite(hs)).unwrap();
    let beta = 1.0 / 1.2;
    let ex = exact::moments(&model, beta).unwrap();
    for kind in [SamplerKind::Metropolis, SamplerKind::HeatBath] {
        let s = sample(&model, kind, beta, 200_000, 7);
        check(&format!("{kind} glass <e>"), batch_means(&s.e, 50), ex.energy);
        check(
            &format!("{kind} glass <m^2>"),
            batch_means(&s.m2, 50),
            ex.magnetisation_sq,
        );
    }
    assert!(SamplerKind::Wolff.check(&model).is_err());
}

#[test]
fn parallel_tempering_matches_enumeration_on_a_spin_glass() {
    let lattice = Lattice::new(4, 4, Boundary::Periodic).unwrap();
    let model = Ising::spin_glass_pm(lattice, 1.0, &mut stream(5, tag("pm-glass"), 0)).unwrap();
    let betas: Vec<f64> = (0..8).map(|k| 0.2 * (2.5f64 / 0.2).powf(k as f64 / 7.0)).collect();
    let mut pt = ParallelTempering::new(&model, betas.clone(), SamplerKind::Metropolis.build(), &[1; 16], 9).unwrap();
    for _ in 0..1_000 {
        pt.step(&model).unwrap();
    }
    let mut e_cold = vec![];
    let mut e_mid = vec![];
    for _ in 0..100_000 {
        pt.step(&model).unwrap();
        e_cold.push(pt.energy(7) / 16.0);
        e_mid.push(pt.energy(4) / 16.0);
    }
    check(
        "PT coldest <e>",
        batch_means(&e_cold, 50),
        exact::moments(&model, betas[7]).unwrap().energy,
    );
    check(
        "PT middle <e>",
        batch_means(&e_mid, 50),
        exact::moments(&model, betas[4]).unwrap().energy,
    );
    assert!(
        pt.acceptance().iter().all(|&a| a > 0.05),
        "swap rates {:?}",
        pt.acceptance()
    );
    // The coldest replica reaches the exact ground state.
    let (e0, _) = exact::ground_state(&model).unwrap();
    assert!(e_cold.iter().any(|&e| (e * 16.0 - e0).abs() < 1e-9));
}

#[test]
fn multi_spin_coding_matches_onsager_on_128x128() {
    let model = Ising::ferromagnet(Lattice::new(128, 128, Boundary::Periodic).unwrap(), 1.0);
    for (t, seed) in [(1.8, 1u64), (3.0, 2)] {
        let beta = 1.0 / t;
        let mut msc = MultiSpinIsing::new(&model, &vec![1; 128 * 128], seed).unwrap();
        for _ in 0..500 {
            msc.sweep(beta).unwrap();
        }
        let (mut e, mut m) = (vec![], vec![]);
        for _ in 0..4_000 {
            msc.sweep(beta).unwrap();
            e.push(msc.energy() / msc.sites() as f64);
            m.push(msc.magnetisation().abs());
        }
        // Finite-size corrections at 128² away from T_c are far below these error bars.
        let est = batch_means(&e, 40);
        assert!(
            est.sigmas_from(onsager::energy_per_spin(beta)) < 4.0,
            "T={t}: {est:?} vs {}",
            onsager::energy_per_spin(beta)
        );
        assert!(est.err < 2e-3);
        if t < onsager::critical_temperature() {
            let mest = batch_means(&m, 40);
            assert!(
                mest.sigmas_from(onsager::spontaneous_magnetisation(beta)) < 4.0,
                "T={t}: {mest:?}"
            );
        }
    }
}

#[test]
fn multi_spin_coding_is_independent_of_thread_count() {
    let model = Ising::ferromagnet(Lattice::new(256, 64, Boundary::Periodic).unwrap(), 1.0);
    let run = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| {
                let mut msc = MultiSpinIsing::new(&model, &vec![1; 256 * 64], 3).unwrap();
                for _ in 0..50 {
                    msc.sweep(1.0 / 2.269).unwrap();
                }
                msc.spins()
            })
    };
    assert_eq!(run(1), run(2));
}
