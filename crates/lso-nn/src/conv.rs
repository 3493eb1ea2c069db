//! The periodic convolutional VAE of Park et al. (seed 001): circular padding before every
//! 3×3 convolution, conv + ReLU + 2×2 max-pool stages in the encoder, a dense bottleneck, and
//! nearest upsampling + conv stages in the decoder, whose output is normalised to a unit vector
//! per site. Each padded convolution runs as one fused operation ([`crate::periodic`]); burn has
//! no circular padding, and [`circular_pad`] (`narrow` + `cat`) is the reference it is tested
//! against. Each encoder activation and max-pool is one fused operation too ([`crate::pool`]).
//! Inputs and outputs are flattened `(L, L, 3)` spin fields, as in `spins.npy`.
//!
//! Two architectures share the module ([`ConvArch`]): the compact one above, lso's default at
//! 32², and the paper's (Methods, Fig. 6): batch normalisation and leaky ReLU after every layer
//! but the last of each half, a dense `hidden` layer (512) on both sides of the bottleneck, and
//! a last 3 → 3 convolution without upsampling before the L2 normalisation.

use crate::train::{seeded, Autoencoder};
use crate::vae::OutputKind;
use crate::NnError;
use burn::module::{Module, Param};
use burn::nn::conv::Conv2d;
use burn::nn::interpolate::{Interpolate2d, Interpolate2dConfig, InterpolateMode};
use burn::nn::{BatchNorm, BatchNormConfig, Linear, PaddingConfig2d};
use burn::tensor::activation::{leaky_relu, relu};
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

/// The network's shape around the shared conv stages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConvArch {
    /// conv + ReLU + max-pool stages and one dense layer each way.
    #[default]
    Compact,
    /// Park et al.'s network: BN + leaky ReLU, dense `hidden` layers, a final 3 → 3 conv.
    Paper,
}

impl ConvArch {
    fn is_compact(&self) -> bool {
        *self == ConvArch::Compact
    }
}

/// The leaky ReLU's slope for negative inputs (PyTorch's default; the paper does not give one).
pub const LEAKY_SLOPE: f64 = 0.01;

/// The paper's dense layer width.
pub const PAPER_HIDDEN: usize = 512;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConvVaeConfig {
    /// Side of the square lattice (divisible by 2^stages).
    pub size: usize,
    /// Channels of each conv stage (each halves the spatial size).
    pub channels: Vec<usize>,
    pub latent: usize,
    /// Absent in files written before the paper's network existed: those are compact.
    #[serde(default, skip_serializing_if = "ConvArch::is_compact")]
    pub arch: ConvArch,
    /// Width of the paper network's dense layers (512 when absent); unused by the compact one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hidden: Option<usize>,
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
        if stages == 0
            || self.latent == 0
            || self.channels.contains(&0)
            || self.hidden == Some(0)
            || pooled.is_none_or(|f| !self.size.is_multiple_of(f))
        {
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
        let flat = small * small * c_in;
        let params = match self.arch {
            ConvArch::Compact => 2.0 * (conv + 2.0 * flat * self.latent as f64),
            ConvArch::Paper => {
                let h = self.hidden_width() as f64;
                2.0 * conv + 9.0 * 9.0 + 2.0 * flat * h + 3.0 * h * self.latent as f64
            }
        };
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

    fn hidden_width(&self) -> usize {
        self.hidden.unwrap_or(PAPER_HIDDEN)
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
        let mut decoder: Vec<Conv2d> = outs.windows(2).map(|w| conv(w[0], w[1], &mut rng, device)).collect();
        let paper = self.arch == ConvArch::Paper;
        let h = self.hidden_width();
        let bn = |c: usize| BatchNormConfig::new(c).init(device);
        // The paper's dense layers sit between the conv stages and the bottleneck both ways.
        let (heads_in, expand_in) = if paper { (h, h) } else { (flat, self.latent) };
        let enc_fc = paper.then(|| crate::layers::linear(flat, h, &mut rng, device));
        let mu = crate::layers::linear(heads_in, self.latent, &mut rng, device);
        let log_var = crate::layers::linear(heads_in, self.latent, &mut rng, device);
        let dec_fc = paper.then(|| crate::layers::linear(self.latent, h, &mut rng, device));
        let expand = crate::layers::linear(expand_in, flat, &mut rng, device);
        if paper {
            decoder.push(conv(3, 3, &mut rng, device));
        }
        let norms = |cs: &[usize]| -> Vec<BatchNorm> {
            if paper {
                cs.iter().map(|&c| bn(c)).collect()
            } else {
                Vec::new()
            }
        };
        Ok(ConvVae {
            encoder,
            mu,
            log_var,
            expand,
            decoder,
            enc_norm: norms(&self.channels),
            enc_fc,
            enc_fc_norm: paper.then(|| bn(h)),
            dec_fc,
            dec_fc_norm: paper.then(|| bn(h)),
            expand_norm: paper.then(|| bn(flat)),
            // Every decoder conv but the last is normalised: the stages' outputs, then the 3
            // channels before the final conv.
            dec_norm: norms(&outs[1..]),
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
    /// The paper's network only (empty or `None` in the compact one): batch norms after each
    /// encoder conv, the dense layers either side of the bottleneck and their norms, the norm
    /// after `expand`, and after every decoder conv but the last.
    pub enc_norm: Vec<BatchNorm>,
    pub enc_fc: Option<Linear>,
    pub enc_fc_norm: Option<BatchNorm>,
    pub dec_fc: Option<Linear>,
    pub dec_fc_norm: Option<BatchNorm>,
    pub expand_norm: Option<BatchNorm>,
    pub dec_norm: Vec<BatchNorm>,
    up: Interpolate2d,
    size: usize,
    last: usize,
    /// Run each padded convolution and each activation + pool as the fused operations (the
    /// default) or from burn's parts: `narrow` + `cat` + `conv2d`, the activation, then
    /// `MaxPool2d` (`lso bench chiral` times both).
    pub fused: bool,
}

impl Autoencoder for ConvVae {
    fn encode(&self, x: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        let b = x.dims()[0];
        let mut h = x.reshape([b, self.size, self.size, 3]).permute([0, 3, 1, 2]);
        for (k, c) in self.encoder.iter().enumerate() {
            let y = periodic_conv(c, h, self.fused);
            let (y, slope) = match self.enc_norm.get(k) {
                Some(bn) => (bn.forward(y), LEAKY_SLOPE as f32),
                None => (y, 0.0),
            };
            h = if self.fused {
                crate::pool::activated_max_pool2x2(y, slope)
            } else {
                crate::pool::composite_activated_max_pool2x2(y, slope)
            };
        }
        let mut flat: Tensor<2> = h.flatten(1, 3);
        if let (Some(fc), Some(bn)) = (&self.enc_fc, &self.enc_fc_norm) {
            flat = leaky_relu(bn.forward(fc.forward(flat)), LEAKY_SLOPE);
        }
        (self.mu.forward(flat.clone()), self.log_var.forward(flat))
    }

    fn decode(&self, z: Tensor<2>, _output: OutputKind) -> Tensor<2> {
        let b = z.dims()[0];
        let small = self.size >> self.encoder.len();
        let mut h = match (&self.dec_fc, &self.dec_fc_norm, &self.expand_norm) {
            (Some(fc), Some(fc_norm), Some(norm)) => {
                let h = leaky_relu(fc_norm.forward(fc.forward(z)), LEAKY_SLOPE);
                leaky_relu(norm.forward(self.expand.forward(h)), LEAKY_SLOPE)
            }
            _ => relu(self.expand.forward(z)),
        }
        .reshape([b, self.last, small, small]);
        let n = self.decoder.len();
        for (k, c) in self.decoder.iter().enumerate() {
            // Every stage upsamples first; the paper's extra last conv works at full size.
            if k < self.encoder.len() {
                h = self.up.forward(h);
            }
            h = periodic_conv(c, h, self.fused);
            if k + 1 < n {
                h = match self.dec_norm.get(k) {
                    Some(bn) => leaky_relu(bn.forward(h), LEAKY_SLOPE),
                    None => relu(h),
                };
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
            arch: Default::default(),
            hidden: None,
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
            latent: 2,
            arch: Default::default(),
            hidden: None,
        }
        .validate()
        .is_err());
    }

    fn paper(size: usize) -> ConvVaeConfig {
        ConvVaeConfig {
            size,
            channels: vec![4, 8],
            latent: 5,
            arch: ConvArch::Paper,
            hidden: Some(24),
        }
    }

    #[test]
    fn the_paper_network_has_its_layers_and_decodes_unit_spins() {
        let vae = paper(16).init(3, &crate::device()).unwrap();
        // Four... here two conv stages each way, plus the last 3 -> 3 conv at full size.
        assert_eq!(vae.encoder.len(), 2);
        assert_eq!(vae.decoder.len(), 3);
        assert_eq!(vae.decoder[2].weight.val().dims(), [3, 3, 3, 3]);
        assert_eq!((vae.enc_norm.len(), vae.dec_norm.len()), (2, 2));
        assert!(vae.enc_fc.is_some() && vae.dec_fc.is_some() && vae.expand_norm.is_some());
        assert_eq!(vae.mu.weight.val().dims(), [24, 5]);
        let z = crate::tensor2(
            (0..15).map(|v| (v as f32 * 0.7).cos()).collect(),
            3,
            5,
            &crate::device(),
        );
        let y = crate::to_vec(vae.decode(z, OutputKind::Linear));
        assert_eq!(y.len(), 3 * 16 * 16 * 3);
        for s in y.chunks(3) {
            assert!(((s[0] * s[0] + s[1] * s[1] + s[2] * s[2]).sqrt() - 1.0).abs() < 1e-4);
        }
        // The compact config reads as before: no arch or hidden keys written for it.
        let compact = ConvVaeConfig {
            arch: ConvArch::Compact,
            hidden: None,
            ..paper(16)
        };
        let json = serde_json::to_string(&compact).unwrap();
        assert!(!json.contains("arch") && !json.contains("hidden"), "{json}");
        let back: ConvVaeConfig = serde_json::from_str(r#"{"size":16,"channels":[4,8],"latent":5}"#).unwrap();
        assert_eq!(back, compact);
        assert!(ConvVaeConfig {
            hidden: Some(0),
            ..paper(16)
        }
        .validate()
        .is_err());
    }

    /// Training moves the batch norms' running statistics, a saved and reloaded model decodes
    /// exactly as the trained one, and a decode does not depend on the rest of its batch (the
    /// running statistics are used, not the batch's).
    #[test]
    fn the_paper_network_trains_and_reloads_with_its_running_statistics() {
        use crate::train::{train_autoencoder, VaeTrainConfig};
        let cfg = paper(8);
        let n = 48;
        let x: Vec<f32> = (0..n * cfg.input())
            .map(|i| {
                let (k, r) = (i / cfg.input(), i % cfg.input());
                let (site, c) = (r / 3, r % 3);
                let phase = (site % 8) as f32 * 0.8 + k as f32 * 0.3;
                [phase.cos() * 0.6, phase.sin() * 0.6, 0.8][c]
            })
            .collect();
        let fresh = cfg.init(1, &crate::train_device()).unwrap();
        let before = fresh.enc_norm[0]
            .running_var
            .value()
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        let t = VaeTrainConfig {
            epochs: 3,
            batch_size: 8,
            beta: 0.001,
            validation: 0.0,
            ..Default::default()
        };
        let (vae, history) = train_autoencoder(
            fresh,
            cfg.input(),
            cfg.latent,
            OutputKind::Linear,
            &t,
            &x,
            1,
            &mut |_| {},
        )
        .unwrap();
        assert!(history.epochs.last().unwrap().train_loss < history.epochs[0].train_loss);
        let after = vae.enc_norm[0]
            .running_var
            .value()
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        assert!(
            before.iter().zip(&after).any(|(a, b)| (a - b).abs() > 1e-3),
            "running variance never moved"
        );
        let bytes = crate::checkpoint::to_bytes(&vae).unwrap();
        let loaded = crate::checkpoint::load_into(cfg.init(9, &crate::device()).unwrap(), bytes).unwrap();
        let z: Vec<f32> = (0..4 * 5).map(|v| (v as f32 * 0.37).sin()).collect();
        let dec = |m: &ConvVae, z: Vec<f32>, rows: usize| {
            crate::to_vec(m.decode(crate::tensor2(z, rows, 5, &crate::device()), OutputKind::Linear))
        };
        let a = dec(&vae, z.clone(), 4);
        assert_eq!(a, dec(&loaded, z.clone(), 4));
        // Row 0 alone decodes as it did among four.
        let one = dec(&loaded, z[..5].to_vec(), 1);
        for (p, q) in one.iter().zip(&a[..one.len()]) {
            assert!((p - q).abs() < 1e-5);
        }
    }
}
