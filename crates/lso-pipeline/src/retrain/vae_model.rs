//! The VAE plumbing every problem's [`super::Retrainable`] shares: a model that holds one
//! autoencoder can encode rows, be fine-tuned with weights, and swap its weights as bytes.

use crate::error::Result;
use lso_nn::checkpoint;
use lso_nn::train::{encode_means, fine_tune, Autoencoder, VaeTrainConfig};
use lso_nn::OutputKind;

/// A problem's trained model, seen as its VAE.
pub trait VaeModel: Sized {
    type Net: Autoencoder;
    fn net(&self) -> &Self::Net;
    /// This model with other weights (a fine-tuned copy); the rest is cloned.
    fn with_net(&self, net: Self::Net) -> Self;
    /// Input width, latent dimension and output kind.
    fn layout(&self) -> (usize, usize, OutputKind);
}

pub fn encode<M: VaeModel>(m: &M, rows: &[f32]) -> Result<Vec<f32>> {
    let (input, latent, _) = m.layout();
    Ok(encode_means(m.net(), rows, input, latent)?)
}

pub fn tune<M: VaeModel>(
    m: &M,
    tcfg: &VaeTrainConfig,
    rows: &[f32],
    weights: &[f64],
    steps: usize,
    seed: u64,
) -> Result<(M, f64)> {
    let (input, latent, output) = m.layout();
    let (net, loss) = fine_tune(m.net().clone(), input, latent, output, tcfg, rows, weights, steps, seed)?;
    Ok((m.with_net(net), loss))
}

pub fn bytes<M: VaeModel>(m: &M) -> Result<Vec<u8>> {
    Ok(checkpoint::to_bytes(m.net())?)
}

pub fn with_bytes<M: VaeModel>(m: &M, bytes: Vec<u8>) -> Result<M> {
    Ok(m.with_net(checkpoint::load_into(m.net().clone(), bytes)?))
}

/// The four `Retrainable` methods that only touch the VAE, for a problem whose model is a
/// [`VaeModel`] and whose config has `vae.train`.
#[macro_export]
macro_rules! retrain_vae_methods {
    () => {
        fn encode_rows(&self, m: &Self::Model, rows: &[f32]) -> $crate::error::Result<Vec<f32>> {
            $crate::retrain::vae_model::encode(m, rows)
        }
        fn fine_tune(
            &self,
            m: &Self::Model,
            rows: &[f32],
            weights: &[f64],
            steps: usize,
            seed: u64,
        ) -> $crate::error::Result<(Self::Model, f64)> {
            $crate::retrain::vae_model::tune(m, &self.cfg.vae.train, rows, weights, steps, seed)
        }
        fn vae_bytes(&self, m: &Self::Model) -> $crate::error::Result<Vec<u8>> {
            $crate::retrain::vae_model::bytes(m)
        }
        fn with_vae_bytes(&self, m: &Self::Model, bytes: Vec<u8>) -> $crate::error::Result<Self::Model> {
            $crate::retrain::vae_model::with_bytes(m, bytes)
        }
    };
}
