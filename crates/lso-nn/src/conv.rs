//! The periodic convolutional VAE of Park et al. (seed 001): circular padding before every
//! 3×3 convolution, conv + ReLU + 2×2 max-pool stages in the encoder, a dense bottleneck, and
//! nearest upsampling + conv stages in the decoder, whose output is normalised to a unit vector
//! per site. Each padded convolution runs as one fused operation ([`crate::periodic`]); burn has
//! no circular padding, and [`circular_pad`] (`narrow` + `cat`) is the reference it is tested
//! against.
//! Inputs and outputs are flattened `(L, L, 3)` spin fields, as in `spins.npy`.

use crate::train::{seeded, Autoencoder};
use crate::vae::OutputKind;
use crate::NnError;
use burn::module::{Module, Param};
use burn::nn::conv::Conv2d;
use burn::nn::interpolate::{Interpolate2d, Interpolate2dConfig, InterpolateMode};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{Linear, PaddingConfig2d};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor, TensorData};
use rand::Rng;
use serde::{Deserialize, Serialize};

/// Wraps `p` cells around the last two (spatial) dimensions of `[B, C, H, W]`.
pub fn circular_pad(x: Tensor<4>, p: usize) -> Tensor<4> {
    let [_, _, h, w] = x.dims();
    let x = Tensor::cat(vec![x.clone().narrow(3, w - p, p), x.clone(), x.narrow(3, 0, p)], 3);
    Tensor::cat(vec![x.clone().narrow(2, h - p, p), x.clone(), x.narrow(2, 0, p)], 2)
}

/// `c` applied with periodic boundaries; `c` holds the weights (every conv here has a bias).
fn periodic_conv(c: &Conv2d, x: Tensor<4>, fused: bool) -> Tensor<4> {
    let bias = c.bias.as_ref().expect("conv stages have a bias").val();
    if fused {
        crate::periodic::periodic_conv3x3(x, c.weight.val(), bias)
    } else {
        crate::periodic::composite_periodic_conv3x3(x, c.weight.val(), bias)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConvVaeConfig {
    /// Side of the square lattice (divisible by 2^stages).
    pub size: usize,
    /// Channels of each conv stage (each halves the spatial size).
    pub channels: Vec<usize>,
    pub latent: usize,
}

fn conv<R: Rng>(c_in: usize, c_out: usize, rng: &mut R, device: &Device) -> Conv2d {
    let k = 1.0 / ((c_in * 9) as f32).sqrt();
    let w: Vec<f32> = (0..c_out * c_in * 9).map(|_| rng.random_range(-k..k)).collect();
    let b: Vec<f32> = (0..c_out).map(|_| rng.random_range(-k..k)).collect();
    Conv2d {
        weight: Param::from_tensor(Tensor::<4>::from_data(TensorData::new(w, [c_out, c_in, 3, 3]), device)),
        bias: Some(Param::from_tensor(Tensor::<1>::from_data(
            TensorData::new(b, [c_out]),
            device,
        ))),
        stride: [1, 1],
        kernel_size: [3, 3],
        dilation: [1, 1],
        groups: 1,
        padding: PaddingConfig2d::Valid,
    }
}

impl ConvVaeConfig {
    pub fn validate(&self) -> Result<(), NnError> {
        let stages = self.channels.len();
        let pooled = u32::try_from(stages)
            .ok()
            .and_then(|s| 1usize.checked_shl(s))
            .filter(|&f| f <= self.size);
        if stages == 0 || self.latent == 0 || self.channels.contains(&0) || pooled.is_none_or(|f| self.size % f != 0) {
            return Err(NnError::Config(format!(
                "conv vae needs channels, latent >= 1 and size divisible by 2^stages: {self:?}"
            )));
        }
        // Counted in floating point: absurd sizes (a corrupt vae.json) must not overflow.
        let small = (self.size >> stages) as f64;
        let mut conv = 0.0;
        let mut c_in = 3.0;
        for &c in &self.channels {
            conv += 9.0 * c_in * c as f64;
            c_in = c as f64;
        }
        let dense = small * small * c_in * self.latent as f64;
        let params = 2.0 * (conv + 2.0 * dense);
        if params > crate::vae::MAX_PARAMETERS {
            return Err(NnError::Config(format!(
                "conv vae would have about {params:.3e} weights, more than the {:.0e} lso builds",
                crate::vae::MAX_PARAMETERS
            )));
        }
        Ok(())
    }

    pub fn input(&self) -> usize {
        self.size * self.size * 3
    }

    pub fn init(&self, seed: u64, device: &Device) -> Result<ConvVae, NnError> {
        self.validate()?;
        let mut rng = seeded(seed);
        let small = self.size >> self.channels.len();
        let last = *self.channels.last().unwrap();
        let flat = last * small * small;
        let mut ins = vec![3];
        ins.extend(&self.channels);
        let encoder = ins.windows(2).map(|w| conv(w[0], w[1], &mut rng, device)).collect();
        let mut outs: Vec<usize> = self.channels.iter().rev().copied().collect();
        outs.push(3);
        let decoder = outs.windows(2).map(|w| conv(w[0], w[1], &mut rng, device)).collect();
        Ok(ConvVae {
            encoder,
            mu: crate::layers::linear(flat, self.latent, &mut rng, device),
            log_var: crate::layers::linear(flat, self.latent, &mut rng, device),
            expand: crate::layers::linear(self.latent, flat, &mut rng, device),
            decoder,
            pool: MaxPool2dConfig::new([2, 2]).with_strides([2, 2]).init(),
            up: Interpolate2dConfig::new()
                .with_scale_factor(Some([2.0, 2.0]))
                .with_mode(InterpolateMode::Nearest)
                .init(),
            size: self.size,
            last,
            fused: true,
        })
    }
}

#[derive(Module, Debug)]
pub struct ConvVae {
    pub encoder: Vec<Conv2d>,
    pub mu: Linear,
    pub log_var: Linear,
    pub expand: Linear,
    pub decoder: Vec<Conv2d>,
    pool: MaxPool2d,
    up: Interpolate2d,
    size: usize,
    last: usize,
    /// Run each padded convolution as the fused operation (the default) or as burn's
    /// `narrow` + `cat` + `conv2d` (`lso bench chiral` times both).
    pub fused: bool,
}

impl Autoencoder for ConvVae {
    fn encode(&self, x: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        let b = x.dims()[0];
        let mut h = x.reshape([b, self.size, self.size, 3]).permute([0, 3, 1, 2]);
        for c in &self.encoder {
            h = self.pool.forward(relu(periodic_conv(c, h, self.fused)));
        }
        let flat: Tensor<2> = h.flatten(1, 3);
        (self.mu.forward(flat.clone()), self.log_var.forward(flat))
    }

    fn decode(&self, z: Tensor<2>, _output: OutputKind) -> Tensor<2> {
        let b = z.dims()[0];
        let small = self.size >> self.encoder.len();
        let mut h = relu(self.expand.forward(z)).reshape([b, self.last, small, small]);
        let n = self.decoder.len();
        for (k, c) in self.decoder.iter().enumerate() {
            h = periodic_conv(c, self.up.forward(h), self.fused);
            if k + 1 < n {
                h = relu(h);
            }
        }
        // Unit spins: divide each site's 3-vector by its length.
        let norm = (h.clone().powf_scalar(2.0).sum_dim(1) + 1e-8).sqrt();
        let unit = h / norm;
        unit.permute([0, 2, 3, 1]).reshape([b, self.size * self.size * 3])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn circular_padding_matches_an_explicit_wrap() {
        let device = crate::device();
        let (c, h, w) = (2usize, 3usize, 5usize);
        let data: Vec<f32> = (0..c * h * w).map(|v| v as f32).collect();
        let x = Tensor::<4>::from_data(TensorData::new(data.clone(), [1, c, h, w]), &device);
        let p = 2;
        let padded = circular_pad(x, p);
        assert_eq!(padded.dims(), [1, c, h + 2 * p, w + 2 * p]);
        let got = crate::to_vec(padded.reshape([1, c * (h + 2 * p) * (w + 2 * p)]));
        for ch in 0..c {
            for y in 0..h + 2 * p {
                for x in 0..w + 2 * p {
                    let (sy, sx) = ((y + h - p) % h, (x + w - p) % w);
                    let want = data[ch * h * w + sy * w + sx];
                    assert_eq!(
                        got[ch * (h + 2 * p) * (w + 2 * p) + y * (w + 2 * p) + x],
                        want,
                        "channel {ch} ({y}, {x})"
                    );
                }
            }
        }
    }

    #[test]
    fn decodes_unit_spins_and_is_translation_equivariant_in_the_encoder_stage() {
        let cfg = ConvVaeConfig {
            size: 8,
            channels: vec![4, 8],
            latent: 5,
        };
        let vae = cfg.init(1, &crate::device()).unwrap();
        let z = crate::tensor2(
            (0..10).map(|v| (v as f32 * 0.3).sin()).collect(),
            2,
            5,
            &crate::device(),
        );
        let y = crate::to_vec(vae.decode(z, OutputKind::Linear));
        assert_eq!(y.len(), 2 * 8 * 8 * 3);
        for s in y.chunks(3) {
            assert!(((s[0] * s[0] + s[1] * s[1] + s[2] * s[2]).sqrt() - 1.0).abs() < 1e-4);
        }
        // A periodic conv stage commutes with lattice translations.
        let x: Vec<f32> = (0..3 * 8 * 8).map(|v| ((v * 37 % 11) as f32) / 11.0).collect();
        let t = Tensor::<4>::from_data(TensorData::new(x.clone(), [1, 3, 8, 8]), &crate::device());
        let shifted: Vec<f32> = (0..3 * 64)
            .map(|i| {
                let (c, r) = (i / 64, i % 64);
                x[c * 64 + (r / 8) * 8 + (r % 8 + 7) % 8]
            })
            .collect();
        let ts = Tensor::<4>::from_data(TensorData::new(shifted, [1, 3, 8, 8]), &crate::device());
        let a = crate::to_vec(vae.encoder[0].forward(circular_pad(t, 1)).reshape([1, 4 * 64]));
        let b = crate::to_vec(vae.encoder[0].forward(circular_pad(ts, 1)).reshape([1, 4 * 64]));
        for i in 0..4 * 64 {
            let (c, r) = (i / 64, i % 64);
            let j = c * 64 + (r / 8) * 8 + (r % 8 + 7) % 8;
            assert!((b[i] - a[j]).abs() < 1e-5);
        }
        assert!(ConvVaeConfig {
            size: 6,
            channels: vec![4, 8],
            latent: 2
        }
        .validate()
        .is_err());
    }
}
