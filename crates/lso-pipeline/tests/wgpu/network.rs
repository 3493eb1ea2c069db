//! The wgpu backend against the CPU one: the same conv VAE from the same weights, trained on the
//! same batches, must end at the same losses and decode the same.

use lso_nn::conv::{ConvArch, ConvVae, ConvVaeConfig};
use lso_nn::train::{decode, encode_means, model_device, normal_matrix, train_autoencoder, History, VaeTrainConfig};
use lso_nn::{Backend, OutputKind};

/// 32 unit-vector fields on 8×8: spirals with random wave vectors and phases.
fn spirals(size: usize, n: usize) -> Vec<f32> {
    let u = normal_matrix(n, 3, 11);
    let mut x = Vec::with_capacity(n * 3 * size * size);
    for s in 0..n {
        let (qx, qy, phase) = (u[3 * s], u[3 * s + 1], u[3 * s + 2]);
        let angle = |i: usize| {
            let (px, py) = ((i % size) as f32, (i / size) as f32);
            qx * px + qy * py + phase
        };
        // Channel-major: all x components, then y, then z.
        x.extend((0..size * size).map(|i| angle(i).sin()));
        x.extend((0..size * size).map(|_| 0.0));
        x.extend((0..size * size).map(|i| angle(i).cos()));
    }
    x
}

fn train_on_both(cfg: &ConvVaeConfig, t: &VaeTrainConfig, x: &[f32]) -> [(ConvVae, History); 2] {
    let gpu = Backend::Wgpu
        .train_device()
        .expect("a wgpu adapter (CI installs Mesa's software Vulkan driver, mesa-vulkan-drivers)");
    // The initial weights come from the seed alone, whatever the device.
    let on_cpu = cfg.init(5, &Backend::Cpu.train_device().unwrap()).unwrap();
    let on_gpu = cfg.init(5, &gpu).unwrap();
    assert_ne!(
        model_device(&on_gpu),
        model_device(&on_cpu),
        "the two models share a device"
    );
    let train = |m| train_autoencoder(m, cfg.input(), cfg.latent, OutputKind::Linear, t, x, 0, &mut |_| {}).unwrap();
    [train(on_cpu), train(on_gpu)]
}

fn worst(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(p, q)| (p - q).abs()).fold(0f32, f32::max)
}

/// lso's compact network: every loss of every epoch (training and held out) and the trained
/// decoder agree; moving the trained network to the CPU changes nothing.
#[test]
fn the_compact_network_trains_on_wgpu_as_on_the_cpu() {
    let cfg = ConvVaeConfig {
        size: 8,
        channels: vec![4, 8],
        latent: 4,
        arch: ConvArch::Compact,
        hidden: None,
    };
    let x = spirals(cfg.size, 32);
    let t = VaeTrainConfig {
        epochs: 4,
        batch_size: 8,
        learning_rate: 1e-2,
        validation: 0.25,
        beta: 0.001,
        ..Default::default()
    };
    let [(a, ha), (b, hb)] = train_on_both(&cfg, &t, &x);
    assert_ne!(model_device(&b), model_device(&a));
    assert_eq!(ha.epochs.len(), hb.epochs.len());
    for (ea, eb) in ha.epochs.iter().zip(&hb.epochs) {
        for (la, lb) in [(ea.train_loss, eb.train_loss), (ea.val_loss, eb.val_loss)] {
            assert!(
                (la - lb).abs() <= 1e-5 * la.abs(),
                "epoch {}: cpu {la} wgpu {lb}",
                ea.epoch
            );
        }
    }
    let z = normal_matrix(6, cfg.latent, 2);
    let decode_z = |m: &ConvVae| decode(m, &z, cfg.latent, OutputKind::Linear);
    let (da, db) = (decode_z(&a), decode_z(&b));
    assert!(worst(&da, &db) < 1e-4, "decoded outputs differ by {}", worst(&da, &db));
    // The comparison is between trained networks: training moved the outputs by far more.
    let untrained = decode_z(&cfg.init(5, &Backend::Cpu.device().unwrap()).unwrap());
    assert!(
        worst(&da, &untrained) > 1e-2,
        "training moved the outputs by {}",
        worst(&da, &untrained)
    );
    let back = lso_nn::backend::to_cpu(b);
    assert_eq!(model_device(&back), model_device(&a));
    assert!(
        worst(&decode_z(&back), &db) < 1e-6,
        "moving to the CPU changed the network"
    );
}

/// The paper's network (batch norm, leaky ReLU, dense layers): the untrained network's encoder
/// and decoder agree in inference mode, and every training-mode loss agrees epoch by epoch.
///
/// Held-out losses and decoded outputs after training are not compared: they use batch norm's
/// running means, which follow the biases just before each batch norm. Those biases have an
/// exactly zero gradient (batch norm removes any shift), so each backend's rounding noise, of
/// either sign, is all Adam sees, and it moves them by up to the learning rate in directions that
/// differ between backends. The training-mode losses, where those biases cancel, stay equal.
#[test]
fn the_paper_network_trains_on_wgpu_as_on_the_cpu() {
    let cfg = ConvVaeConfig {
        size: 8,
        channels: vec![4, 8],
        latent: 4,
        arch: ConvArch::Paper,
        hidden: Some(16),
    };
    let x = spirals(cfg.size, 32);
    let cpu = cfg.init(5, &Backend::Cpu.device().unwrap()).unwrap();
    let gpu = cfg.init(5, &Backend::Wgpu.device().unwrap()).unwrap();
    let z = normal_matrix(6, cfg.latent, 2);
    let d = [&cpu, &gpu].map(|m| decode(m, &z, cfg.latent, OutputKind::Linear));
    assert!(worst(&d[0], &d[1]) < 1e-5, "decoders differ by {}", worst(&d[0], &d[1]));
    let e = [&cpu, &gpu].map(|m| encode_means(m, &x, cfg.input(), cfg.latent).unwrap());
    assert!(worst(&e[0], &e[1]) < 1e-5, "encoders differ by {}", worst(&e[0], &e[1]));
    let t = VaeTrainConfig {
        epochs: 4,
        batch_size: 8,
        learning_rate: 1e-3,
        validation: 0.0,
        beta: 0.001,
        ..Default::default()
    };
    let [(_, ha), (_, hb)] = train_on_both(&cfg, &t, &x);
    for (ea, eb) in ha.epochs.iter().zip(&hb.epochs) {
        let (la, lb) = (ea.train_loss, eb.train_loss);
        assert!(
            (la - lb).abs() <= 1e-5 * la.abs(),
            "epoch {}: cpu {la} wgpu {lb}",
            ea.epoch
        );
    }
    let (first, last) = (ha.epochs[0].train_loss, ha.epochs.last().unwrap().train_loss);
    assert!(
        (first - last).abs() > 1e-3 * first,
        "training barely moved the loss: {first} → {last}"
    );
}
