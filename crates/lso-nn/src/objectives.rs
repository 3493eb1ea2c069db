//! Latent objectives (minimised) behind [`lso_opt::Objective`]: the surrogate (optionally
//! penalising ensemble spread), and the energy of the decoded configuration, relaxed (the
//! decoder's continuous spins, differentiable: Park et al.'s single-code modification) or hard
//! (signed spins, the true energy). Each counts the evaluations it spends.

use crate::surrogate::{Surrogate, SurrogateNet};
use crate::vae::{MlpVae, OutputKind};
use crate::{tensor2, to_vec, train_device};
use burn::module::Module;
use burn::tensor::{Int, Tensor, TensorData};
use lso_opt::{Objective, OptError};
use lso_physics::Ising;
use serde::{Deserialize, Serialize};

/// Evaluations spent, by kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub surrogate: usize,
    pub decoder: usize,
    pub true_energy: usize,
}

fn rows(points: &[Vec<f64>]) -> (Vec<f32>, usize) {
    (
        points.iter().flat_map(|p| p.iter().map(|&v| v as f32)).collect(),
        points.len(),
    )
}

/// Values of `v: [B, 1]` and their gradients with respect to `z: [B, d]`, one pair per row.
pub(crate) fn with_grads(z: Tensor<2>, v: Tensor<2>, d: usize) -> Vec<(f64, Vec<f64>)> {
    let values = to_vec(v.clone().inner());
    let g = v.sum().backward();
    let grad = to_vec(z.grad(&g).expect("z requires grad"));
    values
        .into_iter()
        .enumerate()
        .map(|(k, v)| (v as f64, grad[k * d..(k + 1) * d].iter().map(|&x| x as f64).collect()))
        .collect()
}

/// `mean + κ · spread` of the surrogate ensemble, in energy units.
pub struct SurrogateObjective<'a> {
    surrogate: &'a Surrogate,
    frozen: SurrogateNet,
    pub kappa: f64,
    pub counts: Counts,
}

impl<'a> SurrogateObjective<'a> {
    pub fn new(surrogate: &'a Surrogate, kappa: f64) -> Self {
        let frozen = surrogate.net.clone().to_device(&train_device()).no_grad();
        Self {
            surrogate,
            frozen,
            kappa,
            counts: Counts::default(),
        }
    }

    fn value_tensor(&self, net: &SurrogateNet, z: Tensor<2>) -> Tensor<2> {
        let (m, s) = net.predict(z);
        let c = &self.surrogate.config;
        (m * c.y_std + c.y_mean) + s * (self.kappa * c.y_std)
    }
}

impl Objective for SurrogateObjective<'_> {
    fn dim(&self) -> usize {
        self.surrogate.config.latent
    }
    fn values(&mut self, points: &[Vec<f64>]) -> Result<Vec<f64>, OptError> {
        let (data, b) = rows(points);
        self.counts.surrogate += b;
        let v = self.value_tensor(&self.surrogate.net, tensor2(data, b, self.dim(), &crate::device()));
        Ok(to_vec(v).into_iter().map(f64::from).collect())
    }
    fn values_and_grads(&mut self, points: &[Vec<f64>]) -> lso_opt::Gradients {
        let (data, b) = rows(points);
        self.counts.surrogate += b;
        let d = self.dim();
        let z = tensor2(data, b, d, &train_device()).require_grad();
        let v = self.value_tensor(&self.frozen, z.clone());
        Some(Ok(with_grads(z, v, d)))
    }
}

/// How decoded spins enter the energy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EnergyMode {
    /// The decoder's continuous spins in [−1, 1]; differentiable.
    Relaxed,
    /// Signed spins: the true energy of a real configuration; no gradient.
    Hard,
}

/// The Ising energy of the decoded configuration.
pub struct EnergyObjective<'a> {
    vae: &'a MlpVae,
    frozen: MlpVae,
    latent: usize,
    output: OutputKind,
    model: &'a Ising,
    bond_i: Vec<i64>,
    bond_j: Vec<i64>,
    bond_j_values: Vec<f32>,
    fields: Vec<f32>,
    pub mode: EnergyMode,
    pub counts: Counts,
}

impl<'a> EnergyObjective<'a> {
    pub fn new(vae: &'a MlpVae, latent: usize, output: OutputKind, model: &'a Ising, mode: EnergyMode) -> Self {
        let bonds = model.lattice().bonds();
        let bond_j_values = bonds
            .iter()
            .map(|b| match model.couplings() {
                lso_physics::Couplings::Uniform(j) => *j as f32,
                lso_physics::Couplings::PerBond(js) => js[b.slot] as f32,
            })
            .collect();
        Self {
            vae,
            frozen: vae.clone().to_device(&train_device()).no_grad(),
            latent,
            output,
            model,
            bond_i: bonds.iter().map(|b| b.i as i64).collect(),
            bond_j: bonds.iter().map(|b| b.j as i64).collect(),
            bond_j_values,
            fields: (0..model.sites()).map(|i| model.field(i) as f32).collect(),
            mode,
            counts: Counts::default(),
        }
    }

    fn relaxed(&self, x: Tensor<2>) -> Tensor<2> {
        let device = x.device();
        let idx = |v: &[i64]| Tensor::<1, Int>::from_data(TensorData::new(v.to_vec(), [v.len()]), &device);
        let nb = self.bond_i.len();
        let jv = tensor2(self.bond_j_values.clone(), 1, nb, &device);
        let h = tensor2(self.fields.clone(), 1, self.fields.len(), &device);
        let pair = (x.clone().select(1, idx(&self.bond_i)) * x.clone().select(1, idx(&self.bond_j)) * jv).sum_dim(1);
        let field = (x * h).sum_dim(1);
        (pair + field).neg()
    }

    /// Signed decoded configurations of `points`.
    pub fn signed(&mut self, points: &[Vec<f64>]) -> Vec<Vec<i8>> {
        let (data, b) = rows(points);
        self.counts.decoder += b;
        let x = to_vec(
            self.vae
                .decode(tensor2(data, b, self.latent, &crate::device()), self.output),
        );
        let n = self.model.sites();
        let threshold = if self.output == OutputKind::Sigmoid { 0.5 } else { 0.0 };
        x.chunks(n)
            .map(|c| c.iter().map(|&v| if v >= threshold { 1 } else { -1 }).collect())
            .collect()
    }

    /// True energies of the signed decoded configurations.
    pub fn true_energies(&mut self, points: &[Vec<f64>]) -> Vec<f64> {
        let configs = self.signed(points);
        self.counts.true_energy += configs.len();
        configs.iter().map(|s| self.model.energy(s)).collect()
    }
}

impl Objective for EnergyObjective<'_> {
    fn dim(&self) -> usize {
        self.latent
    }
    fn values(&mut self, points: &[Vec<f64>]) -> Result<Vec<f64>, OptError> {
        match self.mode {
            EnergyMode::Hard => Ok(self.true_energies(points)),
            EnergyMode::Relaxed => {
                let (data, b) = rows(points);
                self.counts.decoder += b;
                let x = self
                    .vae
                    .decode(tensor2(data, b, self.latent, &crate::device()), self.output);
                Ok(to_vec(self.relaxed(x)).into_iter().map(f64::from).collect())
            }
        }
    }
    fn values_and_grads(&mut self, points: &[Vec<f64>]) -> lso_opt::Gradients {
        if self.mode == EnergyMode::Hard {
            return None;
        }
        let (data, b) = rows(points);
        self.counts.decoder += b;
        let d = self.latent;
        let z = tensor2(data, b, d, &train_device()).require_grad();
        let v = self.relaxed(self.frozen.decode(z.clone(), self.output));
        Some(Ok(with_grads(z, v, d)))
    }
}

/// Which shape metric a [`ShapeObjective`] optimises.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ShapeMetric {
    /// `P² / (4π|A|)`: 1 for a circle.
    Isoperimetric,
    /// `P / |A|`, the 2D surface-to-volume ratio.
    PerimeterToArea,
}

/// A design metric of the decoded shape, minimised (`sign = 1`) or maximised (`sign = −1`),
/// plus `penalty` per crossing pair of edges (validity; not differentiated).
pub struct ShapeObjective<'a> {
    vae: &'a MlpVae,
    frozen: MlpVae,
    latent: usize,
    output: OutputKind,
    points: usize,
    /// Decoder outputs map to coordinates as `lo + (hi − lo) · y` (sigmoid decoders) or as is.
    pub range: Option<(f32, f32)>,
    pub metric: ShapeMetric,
    pub sign: f64,
    pub penalty: f64,
    pub counts: Counts,
}

impl<'a> ShapeObjective<'a> {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        vae: &'a MlpVae,
        latent: usize,
        output: OutputKind,
        points: usize,
        range: Option<(f32, f32)>,
        metric: ShapeMetric,
        sign: f64,
        penalty: f64,
    ) -> Self {
        Self {
            vae,
            frozen: vae.clone().to_device(&train_device()).no_grad(),
            latent,
            output,
            points,
            range,
            metric,
            sign,
            penalty,
            counts: Counts::default(),
        }
    }

    fn coordinates(&self, y: Tensor<2>) -> Tensor<2> {
        match self.range {
            Some((lo, hi)) => y * (hi - lo) + lo,
            None => y,
        }
    }

    /// Decoded shapes of `points` as polygons.
    pub fn shapes(&mut self, points: &[Vec<f64>]) -> Vec<Vec<[f64; 2]>> {
        self.counts.decoder += points.len();
        self.polygons(points)
    }

    /// The polygons of a batch already counted as decoded (the validity penalty of points whose
    /// metric was just computed).
    fn polygons(&self, points: &[Vec<f64>]) -> Vec<Vec<[f64; 2]>> {
        let (data, b) = rows(points);
        let y = self.coordinates(
            self.vae
                .decode(tensor2(data, b, self.latent, &crate::device()), self.output),
        );
        to_vec(y)
            .chunks(2 * self.points)
            .map(|c| c.chunks(2).map(|q| [q[0] as f64, q[1] as f64]).collect())
            .collect()
    }

    fn metric_tensor(&self, xy: Tensor<2>) -> Tensor<2> {
        let b = xy.dims()[0];
        let n = self.points;
        let p = xy.reshape([b, n, 2]);
        let next = Tensor::cat(vec![p.clone().narrow(1, 1, n - 1), p.clone().narrow(1, 0, 1)], 1);
        let (x, y) = (p.clone().narrow(2, 0, 1), p.narrow(2, 1, 1));
        let (xn, yn) = (next.clone().narrow(2, 0, 1), next.narrow(2, 1, 1));
        let dx = xn.clone() - x.clone();
        let dy = yn.clone() - y.clone();
        let perimeter = (dx.powf_scalar(2.0) + dy.powf_scalar(2.0) + 1e-12)
            .sqrt()
            .sum_dim(1)
            .reshape([b, 1]);
        let area2 = (x * yn - xn * y).sum_dim(1).reshape([b, 1]) * 0.5;
        let area = (area2.powf_scalar(2.0) + 1e-12).sqrt();
        match self.metric {
            ShapeMetric::Isoperimetric => perimeter.powf_scalar(2.0) / (area * (4.0 * std::f64::consts::PI)),
            ShapeMetric::PerimeterToArea => perimeter / area,
        }
    }

    fn penalties(&self, points: &[Vec<f64>]) -> Vec<f64> {
        self.polygons(points)
            .iter()
            .map(|s| self.penalty * lso_physics::shapes::self_intersections(s) as f64)
            .collect()
    }
}

impl Objective for ShapeObjective<'_> {
    fn dim(&self) -> usize {
        self.latent
    }
    fn values(&mut self, points: &[Vec<f64>]) -> Result<Vec<f64>, OptError> {
        let (data, b) = rows(points);
        self.counts.decoder += b;
        let y = self.coordinates(
            self.vae
                .decode(tensor2(data, b, self.latent, &crate::device()), self.output),
        );
        let m = to_vec(self.metric_tensor(y));
        let pen = self.penalties(points);
        Ok(m.iter().zip(pen).map(|(&v, p)| self.sign * v as f64 + p).collect())
    }
    fn values_and_grads(&mut self, points: &[Vec<f64>]) -> lso_opt::Gradients {
        let (data, b) = rows(points);
        self.counts.decoder += b;
        let d = self.latent;
        let z = tensor2(data, b, d, &train_device()).require_grad();
        let v = self.metric_tensor(self.coordinates(self.frozen.decode(z.clone(), self.output))) * self.sign;
        let rows = with_grads(z, v, d);
        let pen = self.penalties(points);
        Some(Ok(rows.into_iter().zip(pen).map(|((v, g), p)| (v + p, g)).collect()))
    }
}
