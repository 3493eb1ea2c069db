//! Training loops: the VAE on the ELBO and the surrogate ensemble on standardised energies, both
//! with Adam (ε = 1e-8 as in PyTorch), mini-batches from a seeded shuffle, a held-out
//! validation split and early stopping on its loss.

use crate::vae::{MlpVae, OutputKind, VaeConfig};
use crate::{tensor2, to_vec, train_device, NnError};
use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::Tensor;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_distr_shim::normal;
use serde::{Deserialize, Serialize};

mod rand_distr_shim {
    use rand::Rng;
    /// A standard normal draw (Box–Muller), to avoid another dependency for one function.
    pub fn normal<R: Rng>(rng: &mut R) -> f32 {
        let u1: f64 = rng.random::<f64>().max(1e-300);
        let u2: f64 = rng.random();
        ((-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()) as f32
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Reconstruction {
    /// Squared error on spins in ±1.
    #[default]
    Mse,
    /// Binary cross-entropy on (s + 1) / 2.
    Bce,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VaeTrainConfig {
    pub epochs: usize,
    pub batch_size: usize,
    pub learning_rate: f64,
    /// Weight β of the KL term.
    pub beta: f64,
    pub reconstruction: Reconstruction,
    /// Fraction of the data held out for validation.
    pub validation: f64,
    /// Stop after this many epochs without a better validation loss.
    pub patience: usize,
}

impl Default for VaeTrainConfig {
    fn default() -> Self {
        Self {
            epochs: 40,
            batch_size: 64,
            learning_rate: 1e-3,
            beta: 1.0,
            reconstruction: Reconstruction::Mse,
            validation: 0.1,
            patience: 8,
        }
    }
}

impl VaeTrainConfig {
    /// The first invalid setting, named by its key (`epochs`, `batch_size`, ...).
    pub fn validate(&self) -> Result<(), NnError> {
        let checks: [(bool, &str, String); 6] = [
            (
                self.epochs > 0,
                "epochs",
                format!("must be at least 1, got {}", self.epochs),
            ),
            (
                self.batch_size > 0,
                "batch_size",
                format!("must be at least 1, got {}", self.batch_size),
            ),
            (
                self.learning_rate > 0.0 && self.learning_rate.is_finite(),
                "learning_rate",
                format!("must be > 0, got {}", self.learning_rate),
            ),
            (
                self.beta >= 0.0 && self.beta.is_finite(),
                "beta",
                format!("must be >= 0, got {}", self.beta),
            ),
            (
                (0.0..1.0).contains(&self.validation),
                "validation",
                format!("must be in [0, 1), got {}", self.validation),
            ),
            (
                self.patience > 0,
                "patience",
                format!("must be at least 1, got {}", self.patience),
            ),
        ];
        match checks.into_iter().find(|c| !c.0) {
            Some((_, key, msg)) => Err(NnError::Config(format!("{key} {msg}"))),
            None => Ok(()),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    pub epoch: usize,
    pub train_loss: f64,
    pub train_reconstruction: f64,
    pub train_kl: f64,
    pub val_loss: f64,
    pub val_reconstruction: f64,
    pub val_kl: f64,
    pub seconds: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct History {
    pub epochs: Vec<EpochRecord>,
    pub best_epoch: usize,
    pub stopped_early: bool,
}

/// Checks a data matrix: the right width, finite values.
pub fn check_data(data: &[f32], width: usize) -> Result<usize, NnError> {
    if width == 0 || data.is_empty() || !data.len().is_multiple_of(width) {
        return Err(NnError::Data(format!(
            "expected rows of {width} values, got {} values",
            data.len()
        )));
    }
    if let Some(i) = data.iter().position(|v| !v.is_finite()) {
        return Err(NnError::Data(format!(
            "value {} at flat index {i} is not finite",
            data[i]
        )));
    }
    Ok(data.len() / width)
}

/// Seeded split into (train, validation) row indices.
pub fn split(rows: usize, validation: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut idx: Vec<usize> = (0..rows).collect();
    idx.shuffle(&mut rand::rngs::StdRng::seed_from_u64(seed));
    let n_val = ((rows as f64 * validation).round() as usize).min(rows.saturating_sub(1));
    let val = idx.split_off(rows - n_val);
    (idx, val)
}

fn gather(data: &[f32], width: usize, rows: &[usize]) -> Vec<f32> {
    rows.iter()
        .flat_map(|&r| data[r * width..(r + 1) * width].iter().copied())
        .collect()
}

/// The (training, validation) rows training with `seed` uses: callers that evaluate on the
/// held-out rows ask here instead of repeating the seed's derivation.
pub fn validation_split(rows: usize, validation: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    split(rows, validation, seed ^ 0x5EED)
}

/// What the training loop needs of a VAE: an encoder to `(μ, log σ²)` and a decoder, both on
/// flattened rows.
pub trait Autoencoder: Module + Clone + std::fmt::Debug {
    fn encode(&self, x: Tensor<2>) -> (Tensor<2>, Tensor<2>);
    fn decode(&self, z: Tensor<2>, output: OutputKind) -> Tensor<2>;
}

impl Autoencoder for MlpVae {
    fn encode(&self, x: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        MlpVae::encode(self, x)
    }
    fn decode(&self, z: Tensor<2>, output: OutputKind) -> Tensor<2> {
        MlpVae::decode(self, z, output)
    }
}

/// Where `model`'s parameters live (the CPU for a model without any).
pub fn model_device<M: Module>(model: &M) -> burn::tensor::Device {
    model.devices().into_iter().next().unwrap_or_else(crate::device)
}

/// `(loss, reconstruction, kl)` per sample, averaged over the batch.
fn elbo<M: Autoencoder>(
    model: &M,
    x: Tensor<2>,
    eps: Tensor<2>,
    output: OutputKind,
    cfg: &VaeTrainConfig,
) -> (Tensor<1>, Tensor<1>, Tensor<1>) {
    let (mu, log_var) = model.encode(x.clone());
    let z = mu.clone() + (log_var.clone() * 0.5).exp() * eps;
    let y = model.decode(z, output);
    let recon = match cfg.reconstruction {
        Reconstruction::Mse => (y - x).powf_scalar(2.0).sum_dim(1).mean(),
        Reconstruction::Bce => {
            // Targets in [0, 1]: spins map (s + 1) / 2 under a tanh decoder; a sigmoid decoder
            // models data already normalised to [0, 1]; a linear decoder's outputs are logits.
            let (p, t) = match output {
                OutputKind::Tanh => ((y + 1.0) * 0.5, (x + 1.0) * 0.5),
                OutputKind::Sigmoid => (y, x),
                OutputKind::Linear => (burn::tensor::activation::sigmoid(y), x),
            };
            let p = p.clamp(1e-6, 1.0 - 1e-6);
            let one_minus_t = t.clone().neg() + 1.0;
            let one_minus_p = p.clone().neg() + 1.0;
            (t * p.log() + one_minus_t * one_minus_p.log()).sum_dim(1).mean().neg()
        }
    };
    let kl = ((log_var.clone() + 1.0) - mu.powf_scalar(2.0) - log_var.exp())
        .sum_dim(1)
        .mean()
        * -0.5;
    let loss = recon.clone() + kl.clone() * cfg.beta;
    (loss, recon, kl)
}

fn scalar(t: Tensor<1>) -> f64 {
    t.into_scalar::<f32>() as f64
}

/// Trains a VAE on `data` (rows of `cfg.input` spins in ±1). `start` resumes from earlier
/// weights. Returns the weights of the best validation epoch.
pub fn train_vae(
    cfg: &VaeConfig,
    tcfg: &VaeTrainConfig,
    data: &[f32],
    seed: u64,
    start: Option<MlpVae>,
    on_epoch: &mut dyn FnMut(&EpochRecord),
) -> Result<(MlpVae, History), NnError> {
    cfg.validate()?;
    let model = match start {
        // Loaded weights are plain tensors; `train` puts them back under autodiff.
        Some(m) => m.train(),
        None => cfg.init(seed, &train_device())?,
    };
    train_autoencoder(model, cfg.input, cfg.latent, cfg.output, tcfg, data, seed, on_epoch)
}

/// The training loop for any [`Autoencoder`] on the training device.
#[allow(clippy::too_many_arguments)]
pub fn train_autoencoder<M: Autoencoder>(
    mut model: M,
    input: usize,
    latent: usize,
    output: OutputKind,
    tcfg: &VaeTrainConfig,
    data: &[f32],
    seed: u64,
    on_epoch: &mut dyn FnMut(&EpochRecord),
) -> Result<(M, History), NnError> {
    tcfg.validate()?;
    let rows = check_data(data, input)?;
    // The model's device, so the caller's choice of backend (see `Backend`) decides.
    let device = model_device(&model);
    let (train_rows, val_rows) = validation_split(rows, tcfg.validation, seed);
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed.wrapping_add(1));
    let mut opt = AdamConfig::new().with_epsilon(1e-8).init();
    let mut best: Option<(f64, M)> = None;
    let mut history = History {
        epochs: vec![],
        best_epoch: 0,
        stopped_early: false,
    };
    let mut order = train_rows.clone();
    let val_x = gather(data, input, &val_rows);
    for epoch in 0..tcfg.epochs {
        let t0 = std::time::Instant::now();
        order.shuffle(&mut rng);
        let (mut sl, mut sr, mut sk, mut count) = (0.0, 0.0, 0.0, 0.0);
        for batch in order.chunks(tcfg.batch_size) {
            let b = batch.len();
            let x = tensor2(gather(data, input, batch), b, input, &device);
            let eps = tensor2((0..b * latent).map(|_| normal(&mut rng)).collect(), b, latent, &device);
            let (loss, recon, kl) = elbo(&model, x, eps, output, tcfg);
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = opt.step(tcfg.learning_rate, model, grads);
            let l = scalar(loss.inner());
            if !l.is_finite() {
                return Err(NnError::Diverged { epoch, loss: l });
            }
            sl += l * b as f64;
            sr += scalar(recon.inner()) * b as f64;
            sk += scalar(kl.inner()) * b as f64;
            count += b as f64;
        }
        let (vl, vr, vk) = if val_rows.is_empty() {
            (sl / count, sr / count, sk / count)
        } else {
            let plain = model.valid();
            let d = plain.devices()[0].clone();
            let mut vrng = rand::rngs::StdRng::seed_from_u64(seed.wrapping_add(7));
            let nv = val_rows.len();
            let eps = tensor2((0..nv * latent).map(|_| normal(&mut vrng)).collect(), nv, latent, &d);
            let (l, r, k) = elbo(&plain, tensor2(val_x.clone(), nv, input, &d), eps, output, tcfg);
            (scalar(l), scalar(r), scalar(k))
        };
        let rec = EpochRecord {
            epoch,
            train_loss: sl / count,
            train_reconstruction: sr / count,
            train_kl: sk / count,
            val_loss: vl,
            val_reconstruction: vr,
            val_kl: vk,
            seconds: t0.elapsed().as_secs_f64(),
        };
        on_epoch(&rec);
        history.epochs.push(rec);
        if best.as_ref().is_none_or(|(b, _)| vl < *b) {
            best = Some((vl, model.clone()));
            history.best_epoch = epoch;
        } else if epoch - history.best_epoch >= tcfg.patience {
            history.stopped_early = true;
            break;
        }
    }
    let (_, best) = best.expect("at least one epoch");
    Ok((best.valid(), history))
}

/// Weighted fine-tuning for weighted retraining (Tripp et al. 2020): `steps` mini-batches of
/// `tcfg.batch_size` rows drawn with replacement with probability ∝ `weights`, from the model's
/// current weights with a fresh Adam and no validation split (the data grow with every round;
/// the search, not a held-out loss, judges the result). Returns the model and the mean loss.
#[allow(clippy::too_many_arguments)]
pub fn fine_tune<M: Autoencoder>(
    model: M,
    input: usize,
    latent: usize,
    output: OutputKind,
    tcfg: &VaeTrainConfig,
    data: &[f32],
    weights: &[f64],
    steps: usize,
    seed: u64,
) -> Result<(M, f64), NnError> {
    tcfg.validate()?;
    let rows = check_data(data, input)?;
    if weights.len() != rows
        || weights.iter().any(|w| !(w.is_finite() && *w >= 0.0))
        || !weights.iter().any(|w| *w > 0.0)
    {
        return Err(NnError::Data(format!(
            "fine-tuning needs {rows} finite non-negative weights, not all zero"
        )));
    }
    let mut cumulative = Vec::with_capacity(rows);
    let mut total = 0.0;
    for w in weights {
        total += w;
        cumulative.push(total);
    }
    let mut model = model.train();
    let device = model_device(&model);
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut opt = AdamConfig::new().with_epsilon(1e-8).init();
    let mut sum = 0.0;
    for step in 0..steps {
        let batch: Vec<usize> = (0..tcfg.batch_size)
            .map(|_| {
                let u = rand::Rng::random::<f64>(&mut rng) * total;
                cumulative.partition_point(|&c| c <= u).min(rows - 1)
            })
            .collect();
        let b = batch.len();
        let x = tensor2(gather(data, input, &batch), b, input, &device);
        let eps = tensor2((0..b * latent).map(|_| normal(&mut rng)).collect(), b, latent, &device);
        let (loss, _, _) = elbo(&model, x, eps, output, tcfg);
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = opt.step(tcfg.learning_rate, model, grads);
        let l = scalar(loss.inner());
        if !l.is_finite() {
            return Err(NnError::Diverged { epoch: step, loss: l });
        }
        sum += l;
    }
    Ok((model.valid(), sum / steps.max(1) as f64))
}

/// Encoder means of every row, in batches, as `rows × latent` values.
pub fn encode_means<M: Autoencoder>(model: &M, data: &[f32], input: usize, latent: usize) -> Result<Vec<f32>, NnError> {
    let rows = check_data(data, input)?;
    let device = model_device(model);
    let mut out = Vec::with_capacity(rows * latent);
    for chunk in data.chunks(512 * input) {
        let b = chunk.len() / input;
        let (mu, _) = model.encode(tensor2(chunk.to_vec(), b, input, &device));
        out.extend(to_vec(mu));
    }
    Ok(out)
}

/// Decoder outputs of `rows × latent` codes.
pub fn decode<M: Autoencoder>(model: &M, z: &[f32], latent: usize, output: OutputKind) -> Vec<f32> {
    let device = model_device(model);
    let rows = z.len() / latent;
    to_vec(model.decode(tensor2(z.to_vec(), rows, latent, &device), output))
}

/// A standard-normal matrix from a seed (for prior samples and the like).
pub fn normal_matrix(rows: usize, cols: usize, seed: u64) -> Vec<f32> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    (0..rows * cols).map(|_| normal(&mut rng)).collect()
}

pub(crate) fn seeded(seed: u64) -> rand::rngs::StdRng {
    rand::rngs::StdRng::seed_from_u64(seed)
}
