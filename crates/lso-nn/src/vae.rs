//! The fully connected VAE (seed 000): encoder `input → hidden… → (μ, log σ²)`, decoder
//! `latent → hidden… → input` with a tanh (spins in [−1, 1]), sigmoid or linear output.

use crate::layers::{linear, Mlp};
use crate::NnError;
use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::activation::{relu, sigmoid};
use burn::tensor::{Device, Tensor};
use rand::SeedableRng;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum OutputKind {
    /// Continuous spins in [−1, 1].
    #[default]
    Tanh,
    /// Probabilities in [0, 1].
    Sigmoid,
    /// Unbounded.
    Linear,
}

/// Everything needed to rebuild the network; saved as JSON beside the weights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VaeConfig {
    pub input: usize,
    pub hidden: Vec<usize>,
    pub latent: usize,
    #[serde(default)]
    pub output: OutputKind,
}

impl Default for VaeConfig {
    fn default() -> Self {
        Self {
            input: 400,
            hidden: vec![256, 256],
            latent: 8,
            output: OutputKind::Tanh,
        }
    }
}

/// The most weights a network may have (1.6 GiB of f32 with its gradients and Adam moments).
pub const MAX_PARAMETERS: f64 = 1e8;

impl VaeConfig {
    pub fn validate(&self) -> Result<(), NnError> {
        if self.input == 0 || self.latent == 0 || self.hidden.is_empty() || self.hidden.contains(&0) {
            return Err(NnError::Config(format!(
                "vae sizes must be positive with at least one hidden layer: {self:?}"
            )));
        }
        // Counted in floating point: absurd sizes (a corrupt vae.json) must not overflow.
        let mut sizes = vec![self.input as f64];
        sizes.extend(self.hidden.iter().map(|&h| h as f64));
        sizes.push(self.latent as f64);
        let params: f64 = 2.0 * sizes.windows(2).map(|w| (w[0] + 1.0) * w[1]).sum::<f64>();
        if params > MAX_PARAMETERS {
            return Err(NnError::Config(format!(
                "vae would have about {params:.3e} weights, more than the {MAX_PARAMETERS:.0e} lso builds (input {}, hidden {:?}, latent {})",
                self.input, self.hidden, self.latent
            )));
        }
        Ok(())
    }

    /// A freshly initialised network (weights from `seed` alone).
    pub fn init(&self, seed: u64, device: &Device) -> Result<MlpVae, NnError> {
        self.validate()?;
        let mut rng = rand_xoshiro_seed(seed);
        let mut enc_sizes = vec![self.input];
        enc_sizes.extend(&self.hidden);
        let h = *self.hidden.last().unwrap();
        let mut dec_sizes = vec![self.latent];
        dec_sizes.extend(self.hidden.iter().rev());
        dec_sizes.push(self.input);
        Ok(MlpVae {
            encoder: Mlp::new(&enc_sizes, &mut rng, device),
            mu: linear(h, self.latent, &mut rng, device),
            log_var: linear(h, self.latent, &mut rng, device),
            decoder: Mlp::new(&dec_sizes, &mut rng, device),
        })
    }
}

fn rand_xoshiro_seed(seed: u64) -> rand::rngs::StdRng {
    rand::rngs::StdRng::seed_from_u64(seed)
}

#[derive(Module, Debug)]
pub struct MlpVae {
    pub encoder: Mlp,
    pub mu: Linear,
    pub log_var: Linear,
    pub decoder: Mlp,
}

impl MlpVae {
    /// `(μ, log σ²)` of `q(z | x)` for a batch `x: [B, input]`.
    pub fn encode(&self, x: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        let h = relu(self.encoder.forward(x));
        (self.mu.forward(h.clone()), self.log_var.forward(h))
    }

    /// The decoder's output for a batch `z: [B, latent]`.
    pub fn decode(&self, z: Tensor<2>, output: OutputKind) -> Tensor<2> {
        let y = self.decoder.forward(z);
        match output {
            OutputKind::Tanh => y.tanh(),
            OutputKind::Sigmoid => sigmoid(y),
            OutputKind::Linear => y,
        }
    }
}
