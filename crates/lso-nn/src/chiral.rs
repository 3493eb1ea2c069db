//! Chiral-magnet objectives on decoded spin fields (seed 001), as tensors so that gradients flow
//! through the decoder: energy density ε, out-of-plane magnetisation M_z, the Berg–Lüscher
//! topological index W, the directional correlation C(a), and agreement with a prescribed
//! boundary condition. Each is minimised: quantities to maximise enter with a minus sign.

use crate::conv::ConvVae;
use crate::objectives::Counts;
use crate::train::Autoencoder;
use crate::vae::OutputKind;
use crate::{tensor2, to_vec, train_device};
use burn::module::Module;
use burn::tensor::{Int, Tensor, TensorData};
use lso_opt::{Objective, OptError};
use lso_physics::heisenberg::{Heisenberg, Spin};
use lso_physics::lattice::NONE;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "kind")]
pub enum Quantity {
    /// Minimise the energy per spin ε.
    Energy,
    /// Maximise M_z.
    Mz,
    /// Maximise W.
    W,
    /// Maximise C(a) for the lattice vector (ax, ay).
    Correlation { ax: i64, ay: i64 },
    /// Maximise the mean overlap `S_i · T_i` with target spins on the lattice's edge rows and columns.
    Boundary { target: [f64; 3] },
}

impl Quantity {
    pub fn name(&self) -> String {
        match self {
            Quantity::Energy => "min energy".into(),
            Quantity::Mz => "max Mz".into(),
            Quantity::W => "max W".into(),
            Quantity::Correlation { ax, ay } => format!("max C({ax},{ay})"),
            Quantity::Boundary { .. } => "max boundary match".into(),
        }
    }
}

struct Geometry {
    n: usize,
    bond_i: Vec<i64>,
    bond_j: Vec<i64>,
    dm: Vec<f32>,
    tri: [Vec<i64>; 3],
    pair_a: Vec<i64>,
    pair_b: Vec<i64>,
    edge: Vec<i64>,
}

fn geometry(m: &Heisenberg, q: &Quantity) -> Geometry {
    let l = m.lattice();
    let n = l.sites();
    let (mut bi, mut bj, mut dm) = (vec![], vec![], vec![]);
    for b in l.bonds() {
        bi.push(b.i as i64);
        bj.push(b.j as i64);
        dm.extend(m.dm_vector(b.slot % 2).map(|v| v as f32));
    }
    let mut tri = [vec![], vec![], vec![]];
    for i in 0..n {
        let nb = l.neighbours(i);
        if nb[0] == NONE || nb[1] == NONE {
            continue;
        }
        let xy = l.neighbours(nb[0] as usize)[1];
        if xy == NONE {
            continue;
        }
        for (a, b, c) in [(i as i64, nb[0] as i64, xy as i64), (i as i64, xy as i64, nb[1] as i64)] {
            tri[0].push(a);
            tri[1].push(b);
            tri[2].push(c);
        }
    }
    let (mut pa, mut pb) = (vec![], vec![]);
    if let Quantity::Correlation { ax, ay } = q {
        let (lx, ly) = (l.lx() as i64, l.ly() as i64);
        for y in 0..ly {
            for x in 0..lx {
                let (tx, ty) = ((x + ax).rem_euclid(lx), (y + ay).rem_euclid(ly));
                pa.push(y * lx + x);
                pb.push(ty * lx + tx);
            }
        }
    }
    let edge = (0..n)
        .filter(|&i| {
            let (x, y) = (i % l.lx(), i / l.lx());
            x == 0 || y == 0 || x + 1 == l.lx() || y + 1 == l.ly()
        })
        .map(|i| i as i64)
        .collect();
    Geometry {
        n,
        bond_i: bi,
        bond_j: bj,
        dm,
        tri,
        pair_a: pa,
        pair_b: pb,
        edge,
    }
}

fn idx(v: &[i64], device: &burn::tensor::Device) -> Tensor<1, Int> {
    Tensor::<1, Int>::from_data(TensorData::new(v.to_vec(), [v.len()]), device)
}

fn comp(t: &Tensor<3>, c: usize) -> Tensor<3> {
    t.clone().narrow(2, c, 1)
}

fn dot(a: &Tensor<3>, b: &Tensor<3>) -> Tensor<3> {
    (a.clone() * b.clone()).sum_dim(2)
}

fn cross(a: &Tensor<3>, b: &Tensor<3>) -> Tensor<3> {
    let x = comp(a, 1) * comp(b, 2) - comp(a, 2) * comp(b, 1);
    let y = comp(a, 2) * comp(b, 0) - comp(a, 0) * comp(b, 2);
    let z = comp(a, 0) * comp(b, 1) - comp(a, 1) * comp(b, 0);
    Tensor::cat(vec![x, y, z], 2)
}

/// A chiral quantity of the decoded configuration, minimised.
pub struct ChiralObjective<'a> {
    vae: &'a ConvVae,
    frozen: ConvVae,
    latent: usize,
    model: Heisenberg,
    geo: Geometry,
    pub quantity: Quantity,
    pub counts: Counts,
}

impl<'a> ChiralObjective<'a> {
    pub fn new(vae: &'a ConvVae, latent: usize, model: &Heisenberg, quantity: Quantity) -> Self {
        let geo = geometry(model, &quantity);
        Self {
            vae,
            frozen: vae.clone().to_device(&train_device()).no_grad(),
            latent,
            model: model.clone(),
            geo,
            quantity,
            counts: Counts::default(),
        }
    }

    /// The same objective with the decoder's weights tracked by autodiff, as a trained network's
    /// are: every gradient also computes theirs and drops them. The baseline a benchmark puts
    /// beside the frozen decoder; a search has no use for it.
    pub fn with_tracked_weights(mut self) -> Self {
        self.frozen = self.vae.clone().fork(&train_device());
        self
    }

    /// The minimised value per row of decoded fields `x: [B, N·3]`.
    fn value(&self, x: Tensor<2>) -> Tensor<2> {
        let b = x.dims()[0];
        let d = x.device();
        let g = &self.geo;
        let s = x.reshape([b, g.n, 3]);
        let n = g.n as f64;
        let v: Tensor<3> = match &self.quantity {
            Quantity::Energy => {
                let si = s.clone().select(1, idx(&g.bond_i, &d));
                let sj = s.clone().select(1, idx(&g.bond_j, &d));
                let dm = Tensor::<3>::from_data(TensorData::new(g.dm.clone(), [1, g.bond_i.len(), 3]), &d);
                let exchange = dot(&si, &sj).sum_dim(1) * self.model.j;
                let dmi = dot(&dm, &cross(&si, &sj)).sum_dim(1);
                let sz = comp(&s, 2);
                let onsite = sz.clone().powf_scalar(2.0).sum_dim(1) * self.model.k + sz.sum_dim(1) * self.model.b;
                (exchange + dmi + onsite).neg() / n
            }
            Quantity::Mz => comp(&s, 2).mean_dim(1).neg(),
            Quantity::W => {
                let [a, bb, c] = [0, 1, 2].map(|k| s.clone().select(1, idx(&g.tri[k], &d)));
                let num = dot(&a, &cross(&bb, &c));
                let den = dot(&a, &bb) + dot(&bb, &c) + dot(&c, &a) + 1.0;
                (num.atan2(den) * 2.0).sum_dim(1) / (-4.0 * std::f64::consts::PI)
            }
            Quantity::Correlation { .. } => dot(
                &s.clone().select(1, idx(&g.pair_a, &d)),
                &s.select(1, idx(&g.pair_b, &d)),
            )
            .mean_dim(1)
            .neg(),
            Quantity::Boundary { target } => {
                let t = Tensor::<3>::from_data(TensorData::new(target.map(|v| v as f32).to_vec(), [1, 1, 3]), &d);
                dot(&s.select(1, idx(&g.edge, &d)), &t).mean_dim(1).neg()
            }
        };
        v.reshape([b, 1])
    }

    /// Decoded unit-spin configurations of `points`.
    pub fn configs(&mut self, points: &[Vec<f64>]) -> Vec<Vec<Spin>> {
        let data: Vec<f32> = points.iter().flat_map(|p| p.iter().map(|&v| v as f32)).collect();
        self.counts.decoder += points.len();
        let y = to_vec(self.vae.decode(
            tensor2(data, points.len(), self.latent, &crate::device()),
            OutputKind::Linear,
        ));
        // The network's normalisation keeps an ε for its gradient, which leaves a near-zero
        // vector short of the sphere; the configuration judged is made of exact unit spins.
        y.chunks(3 * self.geo.n)
            .map(|c| {
                c.chunks(3)
                    .map(|v| {
                        let s = [v[0] as f64, v[1] as f64, v[2] as f64];
                        let n = (s[0] * s[0] + s[1] * s[1] + s[2] * s[2]).sqrt();
                        if n > 0.0 {
                            s.map(|x| x / n)
                        } else {
                            [0.0, 0.0, 1.0]
                        }
                    })
                    .collect()
            })
            .collect()
    }
}

impl Objective for ChiralObjective<'_> {
    fn dim(&self) -> usize {
        self.latent
    }
    fn values(&mut self, points: &[Vec<f64>]) -> Result<Vec<f64>, OptError> {
        let data: Vec<f32> = points.iter().flat_map(|p| p.iter().map(|&v| v as f32)).collect();
        self.counts.decoder += points.len();
        let x = self.vae.decode(
            tensor2(data, points.len(), self.latent, &crate::device()),
            OutputKind::Linear,
        );
        Ok(to_vec(self.value(x)).into_iter().map(f64::from).collect())
    }
    fn values_and_grads(&mut self, points: &[Vec<f64>]) -> lso_opt::Gradients {
        let data: Vec<f32> = points.iter().flat_map(|p| p.iter().map(|&v| v as f32)).collect();
        let b = points.len();
        self.counts.decoder += b;
        let d = self.latent;
        let z = tensor2(data, b, d, &train_device()).require_grad();
        let v = self.value(self.frozen.decode(z.clone(), OutputKind::Linear));
        Some(Ok(crate::objectives::with_grads(z, v, d)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conv::ConvVaeConfig;
    use lso_physics::heisenberg::{self, Dmi};
    use lso_physics::{Boundary, Lattice};

    /// The tensor quantities equal the f64 observables of lso-physics on decoded configurations.
    #[test]
    fn tensor_quantities_match_the_physics_observables() {
        let l = 8;
        let m = Heisenberg::new(
            Lattice::new(l, l, Boundary::Periodic).unwrap(),
            1.0,
            0.3,
            Dmi::Neel,
            0.05,
            0.1,
        )
        .unwrap();
        let vae = ConvVaeConfig {
            size: l,
            channels: vec![4],
            latent: 3,
            arch: Default::default(),
            hidden: None,
        }
        .init(5, &crate::device())
        .unwrap();
        let points = vec![vec![0.5, -1.0, 2.0], vec![-1.5, 0.3, 0.0]];
        for q in [
            Quantity::Energy,
            Quantity::Mz,
            Quantity::W,
            Quantity::Correlation { ax: 1, ay: 2 },
            Quantity::Boundary {
                target: [0.0, 0.0, 1.0],
            },
        ] {
            let mut obj = ChiralObjective::new(&vae, 3, &m, q.clone());
            let values = obj.values(&points).unwrap();
            let configs = obj.configs(&points);
            // The judged configurations are exact unit spins.
            assert!(configs
                .iter()
                .flatten()
                .all(|s| (s.iter().map(|x| x * x).sum::<f64>() - 1.0).abs() < 1e-12));
            for (v, s) in values.iter().zip(&configs) {
                let want = match &q {
                    Quantity::Energy => m.energy(s) / (l * l) as f64,
                    Quantity::Mz => -heisenberg::mz(s),
                    Quantity::W => -heisenberg::topological_index(m.lattice(), s),
                    Quantity::Correlation { ax, ay } => -heisenberg::correlation(m.lattice(), s, *ax, *ay),
                    Quantity::Boundary { .. } => {
                        let edge: Vec<f64> = (0..l * l)
                            .filter(|&i| i % l == 0 || i / l == 0 || i % l == l - 1 || i / l == l - 1)
                            .map(|i| s[i][2])
                            .collect();
                        -edge.iter().sum::<f64>() / edge.len() as f64
                    }
                };
                assert!((v - want).abs() < 1e-4, "{q:?}: tensor {v} vs physics {want}");
            }
            let g = obj.values_and_grads(&points).unwrap().unwrap();
            assert!(g.iter().all(|(_, gr)| gr.iter().all(|x| x.is_finite())));
            // The benchmark's baseline, weights tracked, gives the same values and latent
            // gradients, call after call.
            let mut tracked = ChiralObjective::new(&vae, 3, &m, q.clone()).with_tracked_weights();
            for _ in 0..2 {
                let t = tracked.values_and_grads(&points).unwrap().unwrap();
                for ((v, gv), (w, gw)) in g.iter().zip(&t) {
                    assert_eq!(v, w, "{q:?}");
                    assert_eq!(gv, gw, "{q:?}");
                }
            }
        }
    }
}
