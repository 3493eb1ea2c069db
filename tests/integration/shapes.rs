//! Shapes (seed 003): a trained VAE reconstructs held-out shapes, decodes smoothly along a
//! latent line, and bad shape files are refused.

use lso_nn::train::{decode, encode_means, train_vae, validation_split, Reconstruction, VaeTrainConfig};
use lso_nn::{OutputKind, VaeConfig};
use lso_pipeline::problems::shapes::data::{generate, load};
use lso_pipeline::problems::shapes::ShapesDataConfig;

fn mean_point_distance(a: &[f32], b: &[f32]) -> f64 {
    a.chunks(2)
        .zip(b.chunks(2))
        .map(|(p, q)| (((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2)) as f64).sqrt())
        .sum::<f64>()
        / (a.len() / 2) as f64
}

#[test]
fn vae_reconstructs_held_out_shapes_and_interpolates_smoothly() {
    let cfg = ShapesDataConfig {
        samples: 800,
        points: 50,
        ..Default::default()
    };
    let set = generate(&cfg, 1);
    let n = 2 * set.points;
    let vae_cfg = VaeConfig {
        input: n,
        hidden: vec![64],
        latent: 2,
        output: OutputKind::Linear,
    };
    let t = VaeTrainConfig {
        epochs: 60,
        batch_size: 32,
        reconstruction: Reconstruction::Mse,
        validation: 0.2,
        patience: 15,
        ..Default::default()
    };
    let (vae, _) = train_vae(&vae_cfg, &t, &set.coords, 2, None, &mut |_| {}).unwrap();
    // The held-out rows are the validation split train_vae made from the same seed.
    let (_, held_out) = validation_split(set.len(), 0.2, 2);
    let x: Vec<f32> = held_out
        .iter()
        .flat_map(|&r| set.coords[r * n..(r + 1) * n].iter().copied())
        .collect();
    let z = encode_means(&vae, &x, n, 2).unwrap();
    let y = decode(&vae, &z, 2, OutputKind::Linear);
    let err = x
        .chunks(n)
        .zip(y.chunks(n))
        .map(|(a, b)| mean_point_distance(a, b))
        .sum::<f64>()
        / held_out.len() as f64;
    // Shapes have circumradius 0.6–1; predicting the mean shape scores about 0.45 here.
    let mean: Vec<f32> = (0..n)
        .map(|j| set.coords.iter().skip(j).step_by(n).sum::<f32>() / set.len() as f32)
        .collect();
    let baseline = x.chunks(n).map(|a| mean_point_distance(a, &mean)).sum::<f64>() / held_out.len() as f64;
    eprintln!("held-out mean point error {err:.3} (mean-shape baseline {baseline:.3})");
    assert!(err < 0.3, "held-out mean point error {err}");
    assert!(err < 0.75 * baseline, "{err} vs baseline {baseline}");

    // 50 steps along the line between two codes: neighbouring shapes differ little, the ends a lot.
    let (a, b) = (&z[0..2], &z[2..4]);
    let line: Vec<f32> = (0..50)
        .flat_map(|k| {
            let t = k as f32 / 49.0;
            [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])]
        })
        .collect();
    let shapes = decode(&vae, &line, 2, OutputKind::Linear);
    let steps: Vec<f64> = shapes
        .chunks(n)
        .collect::<Vec<_>>()
        .windows(2)
        .map(|w| mean_point_distance(w[0], w[1]))
        .collect();
    let total = mean_point_distance(&shapes[..n], &shapes[49 * n..]);
    let largest = steps.iter().cloned().fold(0.0, f64::max);
    assert!(
        largest < 0.1 * total.max(0.05) + 0.02,
        "largest step {largest}, end-to-end {total}"
    );
}

#[test]
fn bad_shape_files_are_refused() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    let write = |name: &str, bytes: Vec<u8>| std::fs::write(d.join(name), bytes).unwrap();
    std::fs::write(d.join("meta.json"), r#"{"classes": ["circle"], "points": 4}"#).unwrap();
    write("labels.npy", lso_physics::npy::encode(&[1], &[0i32]));
    write("shapes.npy", lso_physics::npy::encode(&[1, 4, 3], &[0.0f32; 12]));
    assert!(load(d).err().unwrap().to_string().contains("wrong shape [1, 4, 3]"));
    let mut square = vec![0.0f32, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0];
    square[3] = f32::NAN;
    write("shapes.npy", lso_physics::npy::encode(&[1, 4, 2], &square));
    assert!(load(d).err().unwrap().to_string().contains("is not finite"));
    write(
        "shapes.npy",
        lso_physics::npy::encode(&[1, 4, 2], &[0.0f32, 0.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0]),
    );
    assert!(load(d)
        .err()
        .unwrap()
        .to_string()
        .contains("shape 0 is degenerate (zero area)"));
    write(
        "shapes.npy",
        lso_physics::npy::encode(&[1, 4, 2], &[0.0f32, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0]),
    );
    assert_eq!(load(d).unwrap().len(), 1);
}
