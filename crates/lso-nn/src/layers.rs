//! Layers built from our own seeded generator, so weights depend on the seed alone (burn's own
//! initialiser draws from a process-wide generator shared by concurrent tests).

use burn::module::{Module, Param};
use burn::nn::Linear;
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor, TensorData};
use rand::Rng;

/// A linear layer `x W + b` with `W: [d_in, d_out]`, both uniform in ±1/√d_in (PyTorch's default).
pub fn linear<R: Rng>(d_in: usize, d_out: usize, rng: &mut R, device: &Device) -> Linear {
    let k = 1.0 / (d_in as f32).sqrt();
    let w: Vec<f32> = (0..d_in * d_out).map(|_| rng.random_range(-k..k)).collect();
    let b: Vec<f32> = (0..d_out).map(|_| rng.random_range(-k..k)).collect();
    Linear {
        weight: Param::from_tensor(Tensor::<2>::from_data(TensorData::new(w, [d_in, d_out]), device)),
        bias: Some(Param::from_tensor(Tensor::<1>::from_data(
            TensorData::new(b, [d_out]),
            device,
        ))),
    }
}

/// A stack of linear layers with ReLU between them (none after the last).
#[derive(Module, Debug)]
pub struct Mlp {
    pub layers: Vec<Linear>,
}

impl Mlp {
    pub fn new<R: Rng>(sizes: &[usize], rng: &mut R, device: &Device) -> Self {
        Self {
            layers: sizes.windows(2).map(|w| linear(w[0], w[1], rng, device)).collect(),
        }
    }

    pub fn forward(&self, mut x: Tensor<2>) -> Tensor<2> {
        let last = self.layers.len() - 1;
        for (k, layer) in self.layers.iter().enumerate() {
            x = layer.forward(x);
            if k < last {
                x = relu(x);
            }
        }
        x
    }
}
