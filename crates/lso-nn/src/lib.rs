//! Neural parts of lso, on burn's pure-Rust `flex` backend: variational autoencoders, energy
//! surrogates and the latent objectives optimisers search.
//!
//! - [`MlpVae`] (seed 000: 400→256→256→8, tanh decoder) built from a [`VaeConfig`], trained by
//!   [`train::train_vae`]; weights saved as safetensors with the JSON config beside them
//!   ([`checkpoint`]).
//! - [`conv::ConvVae`]: the periodic convolutional VAE of seed 001 (circular padding, unit-spin
//!   output), trained by the same loop through the [`train::Autoencoder`] trait; its convolutions
//!   are [`periodic::periodic_conv3x3`], a fused burn extension op with its own backward pass,
//!   and each activation + max-pool of its encoder is [`pool::activated_max_pool2x2`], another.
//! - [`Surrogate`]: an ensemble of MLPs `h(z) ≈ E(decode(z))` on standardised targets; the
//!   ensemble spread measures where the surrogate does not know.
//! - [`objectives`]: the surrogate, and the exact energy of the decoded configuration, relaxed
//!   (continuous spins, differentiable through the decoder) or hard (signed spins, the true
//!   energy), all as [`lso_opt::Objective`]s with evaluation counters.
//!
//! Burn stays behind this crate's API, so a version or backend change touches nothing else.

// Index loops mirror the published update formulas, and `!(x > 0.0)` deliberately rejects NaN.
#![allow(clippy::needless_range_loop, clippy::neg_cmp_op_on_partial_ord)]

pub mod backend;
pub mod checkpoint;
pub mod chiral;
pub mod conv;
pub mod error;
mod layers;
pub mod objectives;
pub mod periodic;
pub mod pool;
pub mod surrogate;
pub mod train;
pub mod vae;

pub use backend::Backend;
pub use error::NnError;
pub use surrogate::{Surrogate, SurrogateConfig};
pub use vae::{MlpVae, OutputKind, VaeConfig};

use burn::tensor::{Device, Tensor, TensorData};

/// The inference device (flex, no autodiff).
pub fn device() -> Device {
    Device::flex()
}

/// The training device (flex with autodiff).
pub fn train_device() -> Device {
    Device::flex().autodiff()
}

pub(crate) fn tensor2(data: Vec<f32>, rows: usize, cols: usize, device: &Device) -> Tensor<2> {
    Tensor::<2>::from_data(TensorData::new(data, [rows, cols]), device)
}

pub(crate) fn to_vec(t: Tensor<2>) -> Vec<f32> {
    t.into_data().try_to_vec::<f32>().expect("f32 tensor")
}
