//! The neural core on small problems that train in seconds.

use lso_nn::checkpoint;
use lso_nn::objectives::{EnergyMode, EnergyObjective, SurrogateObjective};
use lso_nn::surrogate::{train_surrogate, SurrogateTrainConfig};
use lso_nn::train::{encode_means, train_vae, VaeTrainConfig};
use lso_nn::{SurrogateConfig, VaeConfig};
use lso_opt::Objective;
use lso_physics::rng::{stream, tag};
use lso_physics::{Boundary, Ising, Lattice};
use rand::Rng;

/// 600 biased 8×8 grids (half mostly up, half mostly down) and their energies.
fn data() -> (Ising, Vec<f32>, Vec<f64>) {
    let model = Ising::ferromagnet(Lattice::new(8, 8, Boundary::Periodic).unwrap(), 1.0);
    let mut rng = stream(1, tag("nn-test"), 0);
    let mut x = Vec::new();
    let mut e = Vec::new();
    for k in 0..600 {
        let p = if k % 2 == 0 { 0.2 } else { 0.8 };
        let s: Vec<i8> = (0..64).map(|_| if rng.random::<f64>() < p { -1 } else { 1 }).collect();
        e.push(model.energy(&s));
        x.extend(s.iter().map(|&v| v as f32));
    }
    (model, x, e)
}

fn small_vae() -> VaeConfig {
    VaeConfig {
        input: 64,
        hidden: vec![32],
        latent: 2,
        ..Default::default()
    }
}

#[test]
fn vae_reconstructs_better_than_chance_and_round_trips_through_safetensors() {
    let (_, x, _) = data();
    let cfg = small_vae();
    let t = VaeTrainConfig {
        epochs: 15,
        ..Default::default()
    };
    let (vae, history) = train_vae(&cfg, &t, &x, 3, None, &mut |_| {}).unwrap();
    let first = &history.epochs[0];
    let last = &history.epochs[history.best_epoch];
    assert!(
        last.val_loss < first.val_loss,
        "validation loss fell: {} → {}",
        first.val_loss,
        last.val_loss
    );
    // Reconstruction by sign of the decoded mean: chance is 50% of spins; the majority sign
    // alone gives 80% on this data.
    let z = encode_means(&vae, &x, 64, 2).unwrap();
    let y = lso_nn::train::decode(&vae, &z, 2, cfg.output);
    let agree = x.iter().zip(&y).filter(|(a, b)| (**a > 0.0) == (**b > 0.0)).count() as f64 / x.len() as f64;
    assert!(agree > 0.75, "sign agreement {agree}");

    let bytes = checkpoint::to_bytes(&vae).unwrap();
    let fresh = cfg.init(99, &lso_nn::device()).unwrap();
    let loaded = checkpoint::load_into(fresh, bytes.clone()).unwrap();
    let y2 = lso_nn::train::decode(&loaded, &z, 2, cfg.output);
    assert_eq!(y, y2, "loaded weights decode identically");
    let wrong = VaeConfig {
        hidden: vec![16],
        ..cfg
    };
    let err = checkpoint::load_into(wrong.init(0, &lso_nn::device()).unwrap(), bytes).unwrap_err();
    assert!(err.to_string().contains("does not match"), "{err}");
}

#[test]
fn same_seed_same_weights() {
    let (_, x, _) = data();
    let t = VaeTrainConfig {
        epochs: 2,
        ..Default::default()
    };
    let a = train_vae(&small_vae(), &t, &x, 5, None, &mut |_| {}).unwrap().1;
    let b = train_vae(&small_vae(), &t, &x, 5, None, &mut |_| {}).unwrap().1;
    assert_eq!(
        a.epochs.iter().map(|e| e.val_loss).collect::<Vec<_>>(),
        b.epochs.iter().map(|e| e.val_loss).collect::<Vec<_>>()
    );
}

#[test]
fn surrogate_beats_the_constant_predictor_and_objectives_have_true_gradients() {
    let (model, x, e) = data();
    let cfg = small_vae();
    let (vae, _) = train_vae(
        &cfg,
        &VaeTrainConfig {
            epochs: 10,
            ..Default::default()
        },
        &x,
        4,
        None,
        &mut |_| {},
    )
    .unwrap();
    let z = encode_means(&vae, &x, 64, 2).unwrap();
    let (sur, report) = train_surrogate(
        &SurrogateConfig::new(2, vec![32, 32], 3),
        &SurrogateTrainConfig {
            epochs: 60,
            ..Default::default()
        },
        &z,
        &e,
        6,
    )
    .unwrap();
    assert!(
        report.val_mse < 0.8 * report.constant_mse,
        "surrogate MSE {} vs constant {}",
        report.val_mse,
        report.constant_mse
    );
    assert!(report.val_r2 > 0.2, "R² {}", report.val_r2);

    let check = |obj: &mut dyn Objective, p: Vec<f64>| {
        let (v, g) = obj
            .values_and_grads(std::slice::from_ref(&p))
            .unwrap()
            .unwrap()
            .remove(0);
        assert!((v - obj.values(std::slice::from_ref(&p)).unwrap()[0]).abs() < 1e-3 * (1.0 + v.abs()));
        for k in 0..p.len() {
            let h = 1e-2;
            let (mut a, mut b) = (p.clone(), p.clone());
            a[k] += h;
            b[k] -= h;
            let fd = (obj.values(&[a]).unwrap()[0] - obj.values(&[b]).unwrap()[0]) / (2.0 * h);
            assert!(
                (fd - g[k]).abs() < 0.05 * (1.0 + fd.abs()),
                "component {k}: numeric {fd} vs autodiff {}",
                g[k]
            );
        }
    };
    let mut s = SurrogateObjective::new(&sur, 0.5);
    check(&mut s, vec![0.3, -0.2]);
    assert!(s.counts.surrogate > 0);
    let mut relaxed = EnergyObjective::new(&vae, 2, cfg.output, &model, EnergyMode::Relaxed);
    check(&mut relaxed, vec![0.1, 0.4]);
    let mut hard = EnergyObjective::new(&vae, 2, cfg.output, &model, EnergyMode::Hard);
    let e0 = hard.values(&[vec![0.0, 0.0]]).unwrap()[0];
    let s0 = hard.signed(&[vec![0.0, 0.0]]).remove(0);
    assert_eq!(e0, model.energy(&s0));
    assert!(hard.values_and_grads(&[vec![0.0, 0.0]]).is_none());
    assert_eq!(hard.counts.true_energy, 1);
}

#[test]
fn training_resumes_from_saved_weights() {
    let (_, x, _) = data();
    let cfg = small_vae();
    let t = VaeTrainConfig {
        epochs: 8,
        ..Default::default()
    };
    let (vae, first) = train_vae(&cfg, &t, &x, 3, None, &mut |_| {}).unwrap();
    let bytes = checkpoint::to_bytes(&vae).unwrap();
    let start = checkpoint::load_into(cfg.init(0, &lso_nn::train_device()).unwrap(), bytes).unwrap();
    let again = VaeTrainConfig {
        epochs: 1,
        ..Default::default()
    };
    let (_, resumed) = train_vae(&cfg, &again, &x, 3, Some(start), &mut |_| {}).unwrap();
    let fresh_first = first.epochs[0].val_loss;
    let best = first.epochs[first.best_epoch].val_loss;
    let resumed_first = resumed.epochs[0].val_loss;
    assert!(
        resumed_first < fresh_first,
        "resumed {resumed_first} vs fresh start {fresh_first}"
    );
    assert!(
        resumed_first < best + 0.1 * (fresh_first - best),
        "resumed {resumed_first} near the trained {best}"
    );
}

#[test]
fn every_optimiser_lowers_its_latent_objective() {
    use lso_opt::{driver, Adam, AdamConfig, CmaEs, CmaEsConfig, Constrained, Constraint, RandomSearch};
    let (model, x, e) = data();
    let cfg = small_vae();
    let (vae, _) = train_vae(
        &cfg,
        &VaeTrainConfig {
            epochs: 10,
            ..Default::default()
        },
        &x,
        4,
        None,
        &mut |_| {},
    )
    .unwrap();
    let z = encode_means(&vae, &x, 64, 2).unwrap();
    let (sur, _) = train_surrogate(
        &SurrogateConfig::new(2, vec![32], 2),
        &SurrogateTrainConfig {
            epochs: 30,
            ..Default::default()
        },
        &z,
        &e,
        6,
    )
    .unwrap();
    let start = vec![0.4, -0.3];
    let constraint = Constraint {
        radius: Some(3.0),
        ..Default::default()
    };
    let mut s = SurrogateObjective::new(&sur, 0.0);
    let before = s.values(std::slice::from_ref(&start)).unwrap()[0];
    let mut adam = Adam::new(&AdamConfig::default(), vec![start.clone()]).unwrap();
    let t = driver::run(
        &mut adam,
        &mut Constrained {
            inner: &mut s,
            constraint: constraint.clone(),
        },
        100,
    )
    .unwrap();
    assert!(
        t.best_value < before,
        "adam on the surrogate: {} → {}",
        before,
        t.best_value
    );

    let mut relaxed = EnergyObjective::new(&vae, 2, cfg.output, &model, EnergyMode::Relaxed);
    let before = relaxed.values(std::slice::from_ref(&start)).unwrap()[0];
    let mut adam = Adam::new(&AdamConfig::default(), vec![start.clone()]).unwrap();
    let t = driver::run(
        &mut adam,
        &mut Constrained {
            inner: &mut relaxed,
            constraint: constraint.clone(),
        },
        100,
    )
    .unwrap();
    assert!(
        t.best_value < before,
        "adam on the relaxed energy: {} → {}",
        before,
        t.best_value
    );

    let mut hard = EnergyObjective::new(&vae, 2, cfg.output, &model, EnergyMode::Hard);
    let before = hard.values(std::slice::from_ref(&start)).unwrap()[0];
    let mut cma = CmaEs::new(&CmaEsConfig::default(), start.clone(), 1).unwrap();
    let t = driver::run(
        &mut cma,
        &mut Constrained {
            inner: &mut hard,
            constraint: constraint.clone(),
        },
        200,
    )
    .unwrap();
    assert!(
        t.best_value <= before,
        "cma-es on the true energy: {} → {}",
        before,
        t.best_value
    );
    let mut random = RandomSearch::new(2, 10, 1.0, 2).unwrap();
    let mut hard = EnergyObjective::new(&vae, 2, cfg.output, &model, EnergyMode::Hard);
    let t = driver::run(
        &mut random,
        &mut Constrained {
            inner: &mut hard,
            constraint,
        },
        200,
    )
    .unwrap();
    assert!(t.steps.last().unwrap().best_value <= t.steps[0].best_value);
    assert_eq!(hard.counts.true_energy, 200);
}

#[test]
fn periodic_conv_vae_learns_annealed_chiral_textures() {
    use lso_nn::conv::ConvVaeConfig;
    use lso_nn::train::{train_autoencoder, Autoencoder};
    use lso_physics::heisenberg::{self, Dmi, Heisenberg, HeisenbergSampler};
    let l = 16;
    let m = Heisenberg::new(
        Lattice::new(l, l, Boundary::Periodic).unwrap(),
        1.0,
        0.3,
        Dmi::Neel,
        0.0,
        0.0,
    )
    .unwrap();
    let betas: Vec<f64> = (0..30)
        .map(|k| 1.0 / (1.5 * (0.05f64 / 1.5).powf(k as f64 / 29.0)))
        .collect();
    let mut x = Vec::new();
    for k in 0..48 {
        let mut rng = stream(k, tag("conv-data"), 0);
        let mut s: Vec<[f64; 3]> = (0..l * l).map(|_| heisenberg::random_spin(&mut rng)).collect();
        heisenberg::anneal(&m, &mut s, HeisenbergSampler::HeatBath, &betas, 5, &mut rng);
        x.extend(s.iter().flat_map(|v| v.map(|c| c as f32)));
    }
    let cfg = ConvVaeConfig {
        size: l,
        channels: vec![8, 16],
        latent: 8,
        arch: Default::default(),
        hidden: None,
    };
    let model = cfg.init(1, &lso_nn::train_device()).unwrap();
    let t = VaeTrainConfig {
        epochs: 40,
        batch_size: 8,
        learning_rate: 3e-3,
        beta: 0.001,
        validation: 0.25,
        patience: 40,
        ..Default::default()
    };
    let (vae, history) = train_autoencoder(
        model,
        cfg.input(),
        cfg.latent,
        lso_nn::OutputKind::Linear,
        &t,
        &x,
        2,
        &mut |_| {},
    )
    .unwrap();
    let (first, best) = (
        history.epochs[0].val_reconstruction,
        history.epochs[history.best_epoch].val_reconstruction,
    );
    assert!(best < 0.8 * first, "validation reconstruction {first} → {best}");
    // Decoded configurations are unit spins.
    let z = burn_free_codes(&vae, &x[..cfg.input()], cfg.input());
    assert_eq!(z.len() % 3, 0);
    for s in z.chunks(3) {
        assert!(((s[0] * s[0] + s[1] * s[1] + s[2] * s[2]).sqrt() - 1.0).abs() < 1e-3);
    }

    fn burn_free_codes(vae: &lso_nn::conv::ConvVae, x: &[f32], n: usize) -> Vec<f32> {
        let d = lso_nn::device();
        let t = burn::tensor::Tensor::<2>::from_data(burn::tensor::TensorData::new(x.to_vec(), [1, n]), &d);
        let (mu, _) = vae.encode(t);
        vae.decode(mu, lso_nn::OutputKind::Linear)
            .into_data()
            .try_to_vec::<f32>()
            .unwrap()
    }
}

/// Weighted fine-tuning learns what carries the weight: a grid the VAE never saw, given all
/// the weight, is reconstructed far better afterwards, and bad weights are refused.
#[test]
fn weighted_fine_tuning_learns_the_heavily_weighted_rows() {
    let (_, mut x, _) = data();
    let cfg = small_vae();
    let t = VaeTrainConfig {
        epochs: 10,
        ..Default::default()
    };
    let (vae, _) = train_vae(&cfg, &t, &x, 3, None, &mut |_| {}).unwrap();
    // A checkerboard: nothing like the biased grids.
    let odd: Vec<f32> = (0..64)
        .map(|i| if (i % 8 + i / 8) % 2 == 0 { 1.0 } else { -1.0 })
        .collect();
    let agreement = |v: &lso_nn::MlpVae| {
        let z = encode_means(v, &odd, 64, 2).unwrap();
        let y = lso_nn::train::decode(v, &z, 2, cfg.output);
        odd.iter().zip(&y).filter(|(a, b)| (**a > 0.0) == (**b > 0.0)).count()
    };
    let before = agreement(&vae);
    x.extend_from_slice(&odd);
    let mut w = vec![0.0; 601];
    w[600] = 1.0;
    let (tuned, loss) = lso_nn::train::fine_tune(vae.clone(), 64, 2, cfg.output, &t, &x, &w, 200, 1).unwrap();
    let after = agreement(&tuned);
    assert!(loss.is_finite());
    assert!(
        before < 48 && after >= 60,
        "checkerboard sites right: {before} → {after} of 64"
    );
    let bad = lso_nn::train::fine_tune(vae, 64, 2, cfg.output, &t, &x, &w[..600], 5, 1);
    assert!(bad.is_err());
}
