//! The surrogate `h(z) ≈ E(decode(z))` (seed 000: 8→128→128→1, ReLU), trained on encoder means
//! against standardised energies, as an ensemble: members differ by initialisation and batch
//! order, and their spread marks where the surrogate extrapolates.

use crate::layers::Mlp;
use crate::train::{check_data, seeded, split};
use crate::{tensor2, to_vec, train_device, NnError};
use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Tensor};
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

/// Everything needed to rebuild a surrogate from its weights, standardisation included.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurrogateConfig {
    pub latent: usize,
    pub hidden: Vec<usize>,
    pub ensemble: usize,
    /// Targets were standardised as `(E − y_mean) / y_std`. Both are required in the file: a
    /// guessed standardisation would rescale every prediction silently.
    pub y_mean: f64,
    pub y_std: f64,
}

impl SurrogateConfig {
    pub fn new(latent: usize, hidden: Vec<usize>, ensemble: usize) -> Self {
        Self {
            latent,
            hidden,
            ensemble,
            y_mean: 0.0,
            y_std: 1.0,
        }
    }

    pub fn validate(&self) -> Result<(), NnError> {
        if self.latent == 0 || self.ensemble == 0 || self.hidden.contains(&0) || !(self.y_std > 0.0) {
            return Err(NnError::Config(format!(
                "surrogate sizes and ensemble must be positive: {self:?}"
            )));
        }
        Ok(())
    }

    fn sizes(&self) -> Vec<usize> {
        let mut s = vec![self.latent];
        s.extend(&self.hidden);
        s.push(1);
        s
    }

    pub fn init(&self, seed: u64, device: &Device) -> Result<Surrogate, NnError> {
        self.validate()?;
        let members = (0..self.ensemble)
            .map(|k| Mlp::new(&self.sizes(), &mut seeded(seed.wrapping_add(k as u64 * 7919)), device))
            .collect();
        Ok(Surrogate {
            config: self.clone(),
            net: SurrogateNet { members },
        })
    }
}

#[derive(Module, Debug)]
pub struct SurrogateNet {
    pub members: Vec<Mlp>,
}

#[derive(Debug, Clone)]
pub struct Surrogate {
    pub config: SurrogateConfig,
    pub net: SurrogateNet,
}

impl SurrogateNet {
    /// Ensemble mean and spread `[B, 1]`, in standardised units.
    pub fn predict(&self, z: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        let outs: Vec<Tensor<2>> = self.members.iter().map(|m| m.forward(z.clone())).collect();
        let k = outs.len() as f64;
        let stacked = Tensor::cat(outs, 1);
        let mean = stacked.clone().mean_dim(1);
        let var = (stacked - mean.clone()).powf_scalar(2.0).sum_dim(1) / k;
        (mean, (var + 1e-12).sqrt())
    }
}

impl Surrogate {
    /// Mean and ensemble spread in energy units for `rows × latent` codes.
    pub fn predict(&self, z: &[f32]) -> (Vec<f64>, Vec<f64>) {
        let rows = z.len() / self.config.latent;
        let (m, s) = self
            .net
            .predict(tensor2(z.to_vec(), rows, self.config.latent, &crate::device()));
        let (mu, sd) = (self.config.y_mean, self.config.y_std);
        (
            to_vec(m).iter().map(|v| mu + sd * *v as f64).collect(),
            to_vec(s).iter().map(|v| sd * *v as f64).collect(),
        )
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SurrogateTrainConfig {
    pub epochs: usize,
    pub batch_size: usize,
    pub learning_rate: f64,
    pub validation: f64,
    pub patience: usize,
}

impl Default for SurrogateTrainConfig {
    fn default() -> Self {
        Self {
            epochs: 150,
            batch_size: 64,
            learning_rate: 1e-3,
            validation: 0.1,
            patience: 15,
        }
    }
}

/// Held-out quality of the trained surrogate, in energy units.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SurrogateReport {
    pub val_mse: f64,
    pub val_r2: f64,
    /// MSE of predicting the training mean: the bar a useful surrogate clears.
    pub constant_mse: f64,
    pub epochs_per_member: Vec<usize>,
    /// `(true, predicted)` energies of the validation rows.
    pub parity: Vec<(f64, f64)>,
    /// Per member, per epoch: (train MSE, validation MSE) in standardised units.
    pub curves: Vec<Vec<(f64, f64)>>,
}

pub fn train_surrogate(
    cfg: &SurrogateConfig,
    tcfg: &SurrogateTrainConfig,
    z: &[f32],
    energies: &[f64],
    seed: u64,
) -> Result<(Surrogate, SurrogateReport), NnError> {
    cfg.validate()?;
    let rows = check_data(z, cfg.latent)?;
    if energies.len() != rows {
        return Err(NnError::Data(format!("{rows} codes but {} energies", energies.len())));
    }
    if let Some(i) = energies.iter().position(|e| !e.is_finite()) {
        return Err(NnError::Data(format!("energy {i} is not finite")));
    }
    if tcfg.epochs == 0 || tcfg.batch_size == 0 || !(tcfg.learning_rate > 0.0) || !(0.0..1.0).contains(&tcfg.validation)
    {
        return Err(NnError::Config(format!(
            "surrogate training settings are invalid: {tcfg:?}"
        )));
    }
    let (train_rows, val_rows) = split(rows, tcfg.validation, seed ^ 0xACE);
    let mean = train_rows.iter().map(|&r| energies[r]).sum::<f64>() / train_rows.len() as f64;
    let var = train_rows.iter().map(|&r| (energies[r] - mean).powi(2)).sum::<f64>() / train_rows.len() as f64;
    let std = var.sqrt().max(1e-9);
    let mut cfg = cfg.clone();
    cfg.y_mean = mean;
    cfg.y_std = std;
    let device = train_device();
    let d = cfg.latent;
    let gather = |rows: &[usize]| -> (Vec<f32>, Vec<f32>) {
        (
            rows.iter()
                .flat_map(|&r| z[r * d..(r + 1) * d].iter().copied())
                .collect(),
            rows.iter().map(|&r| ((energies[r] - mean) / std) as f32).collect(),
        )
    };
    let (vx, vy) = gather(&val_rows);
    let mut members = Vec::new();
    let mut curves = Vec::new();
    let mut epochs_used = Vec::new();
    for k in 0..cfg.ensemble {
        let mut net = Mlp::new(&cfg.sizes(), &mut seeded(seed.wrapping_add(k as u64 * 7919)), &device);
        let mut opt = AdamConfig::new().with_epsilon(1e-8).init();
        let mut rng = seeded(seed.wrapping_add(1000 + k as u64));
        let mut order = train_rows.clone();
        let mut best: Option<(f64, Mlp)> = None;
        let mut best_epoch = 0;
        let mut curve = Vec::new();
        for epoch in 0..tcfg.epochs {
            order.shuffle(&mut rng);
            let (mut sum, mut count) = (0.0, 0.0);
            for batch in order.chunks(tcfg.batch_size) {
                let (bx, by) = gather(batch);
                let b = batch.len();
                let pred = net.forward(tensor2(bx, b, d, &device));
                let loss = (pred - tensor2(by, b, 1, &device)).powf_scalar(2.0).mean();
                let grads = GradientsParams::from_grads(loss.backward(), &net);
                net = opt.step(tcfg.learning_rate, net, grads);
                let l = loss.inner().into_scalar::<f32>() as f64;
                if !l.is_finite() {
                    return Err(NnError::Diverged { epoch, loss: l });
                }
                sum += l * b as f64;
                count += b as f64;
            }
            let val = if val_rows.is_empty() {
                sum / count
            } else {
                let plain = net.valid();
                let dev = plain.devices()[0].clone();
                let pred = plain.forward(tensor2(vx.clone(), val_rows.len(), d, &dev));
                (pred - tensor2(vy.clone(), val_rows.len(), 1, &dev))
                    .powf_scalar(2.0)
                    .mean()
                    .into_scalar::<f32>() as f64
            };
            curve.push((sum / count, val));
            if best.as_ref().is_none_or(|(b, _)| val < *b) {
                best = Some((val, net.clone()));
                best_epoch = epoch;
            } else if epoch - best_epoch >= tcfg.patience {
                break;
            }
        }
        epochs_used.push(curve.len());
        curves.push(curve);
        members.push(best.expect("one epoch").1.valid());
    }
    let surrogate = Surrogate {
        config: cfg,
        net: SurrogateNet { members },
    };
    let eval_rows = if val_rows.is_empty() { &train_rows } else { &val_rows };
    let ez: Vec<f32> = eval_rows
        .iter()
        .flat_map(|&r| z[r * d..(r + 1) * d].iter().copied())
        .collect();
    let (pred, _) = surrogate.predict(&ez);
    let truth: Vec<f64> = eval_rows.iter().map(|&r| energies[r]).collect();
    let n = truth.len() as f64;
    let val_mse = truth.iter().zip(&pred).map(|(t, p)| (t - p).powi(2)).sum::<f64>() / n;
    let constant_mse = truth.iter().map(|t| (t - mean).powi(2)).sum::<f64>() / n;
    let tmean = truth.iter().sum::<f64>() / n;
    let ss_tot = truth.iter().map(|t| (t - tmean).powi(2)).sum::<f64>();
    let report = SurrogateReport {
        val_mse,
        val_r2: 1.0 - val_mse * n / ss_tot.max(1e-300),
        constant_mse,
        epochs_per_member: epochs_used,
        parity: truth.into_iter().zip(pred).collect(),
        curves,
    };
    Ok((surrogate, report))
}
