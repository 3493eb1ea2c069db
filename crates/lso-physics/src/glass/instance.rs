//! Edwards–Anderson spin-glass instances: nearest-neighbour bonds on an `Ly × Lx` square lattice,
//! stored as float64 `(Ly, Lx, 2)` where `[y, x, 0]` couples `(y, x)–(y, x+1)` and `[y, x, 1]`
//! couples `(y, x)–(y+1, x)` (the layout of [`Lattice::bond_slot`]). With open boundaries the
//! slots that would leave the lattice are not bonds: their values are ignored (and written as 0).

use crate::npy::{self, NpyData};
use crate::rng::{stream, tag};
use crate::{Boundary, Couplings, Fields, Ising, Lattice, PhysicsError};
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

/// How bonds are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Hash, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum BondKind {
    /// `+1` or `−1` with equal probability.
    Pm,
    /// Standard normal `N(0, 1)`.
    Gaussian,
    /// Uniform on `[−1, 1)`.
    Uniform,
}

impl BondKind {
    pub fn name(self) -> &'static str {
        match self {
            BondKind::Pm => "pm",
            BondKind::Gaussian => "gaussian",
            BondKind::Uniform => "uniform",
        }
    }
}

impl std::fmt::Display for BondKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// `true` where slot `2 i + d` is a bond of the lattice.
pub fn used_slots(lattice: &Lattice) -> Vec<bool> {
    let mut used = vec![false; lattice.bond_slots()];
    for b in lattice.bonds() {
        used[b.slot] = true;
    }
    used
}

/// A spin glass with bonds drawn from `kind`, reproducible from `seed`; unused slots are 0.
pub fn random(lx: usize, ly: usize, boundary: Boundary, kind: BondKind, seed: u64) -> Result<Ising, PhysicsError> {
    let lattice = Lattice::new(lx, ly, boundary)?;
    let used = used_slots(&lattice);
    let mut rng = stream(seed, tag("glass-instance"), kind as u64);
    let js = used
        .iter()
        .map(|&u| {
            // Every slot draws, so a periodic and an open instance of one seed share bonds.
            let j = match kind {
                BondKind::Pm => {
                    if rng.random::<bool>() {
                        1.0
                    } else {
                        -1.0
                    }
                }
                BondKind::Gaussian => StandardNormal.sample(&mut rng),
                BondKind::Uniform => rng.random_range(-1.0..1.0),
            };
            if u {
                j
            } else {
                0.0
            }
        })
        .collect();
    Ising::new(lattice, Couplings::PerBond(js), Fields::Uniform(0.0))
}

/// The `(Ly, Lx, 2)` float64 bond array of a model (uniform couplings expanded).
pub fn bond_array(model: &Ising) -> Vec<f64> {
    let l = model.lattice();
    let mut js = vec![0.0; l.bond_slots()];
    for b in l.bonds() {
        js[b.slot] += match model.couplings() {
            Couplings::Uniform(j) => *j,
            Couplings::PerBond(v) => v[b.slot],
        };
    }
    js
}

/// `couplings.npy` bytes for a model.
pub fn encode(model: &Ising) -> Vec<u8> {
    let l = model.lattice();
    npy::encode(&[l.ly(), l.lx(), 2], &bond_array(model))
}

/// A spin glass from `.npy` bytes of shape `(Ly, Lx, 2)`, float64 (float32 and integer arrays
/// are accepted and widened). Non-finite values on bonds are refused; values on slots that
/// are not bonds under `boundary` are ignored.
pub fn decode(bytes: &[u8], boundary: Boundary) -> Result<Ising, PhysicsError> {
    let a = npy::decode(bytes)?;
    let (ly, lx) = match a.shape[..] {
        [ly, lx, 2] => (ly, lx),
        _ => {
            return Err(PhysicsError::Shape {
                expected: "(Ly, Lx, 2) bonds: [y, x, 0] to (y, x+1), [y, x, 1] to (y+1, x)".into(),
                found: a.shape.clone(),
            })
        }
    };
    if matches!(a.data, NpyData::I8(_) | NpyData::U8(_)) {
        return Err(PhysicsError::UnsupportedDtype(format!(
            "{} (couplings must be float64, float32 or int32/int64)",
            a.data.dtype()
        )));
    }
    let lattice = Lattice::new(lx, ly, boundary)?;
    let used = used_slots(&lattice);
    let mut js = Vec::with_capacity(a.data.len());
    for (k, &u) in used.iter().enumerate() {
        let j = a.data.get_f64(k);
        if !u {
            js.push(0.0);
            continue;
        }
        if !j.is_finite() {
            let (y, x, d) = (k / 2 / lx, k / 2 % lx, k % 2);
            return Err(PhysicsError::Data(format!(
                "bond [{y}, {x}, {d}] is {j}, not a finite number"
            )));
        }
        js.push(j);
    }
    Ising::new(lattice, Couplings::PerBond(js), Fields::Uniform(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_instance_and_kinds_have_their_distributions() {
        let a = random(16, 16, Boundary::Periodic, BondKind::Gaussian, 3).unwrap();
        let b = random(16, 16, Boundary::Periodic, BondKind::Gaussian, 3).unwrap();
        assert_eq!(a, b);
        let js = bond_array(&a);
        let mean = js.iter().sum::<f64>() / js.len() as f64;
        let var = js.iter().map(|j| (j - mean).powi(2)).sum::<f64>() / js.len() as f64;
        // 512 bonds: the standard error of the mean is 1/√512 ≈ 0.044, of the variance ≈ 0.0625.
        assert!(mean.abs() < 4.0 * 0.044, "{mean}");
        assert!((var - 1.0).abs() < 4.0 * 0.0625, "{var}");
        let u = bond_array(&random(16, 16, Boundary::Periodic, BondKind::Uniform, 3).unwrap());
        assert!(u.iter().all(|j| (-1.0..1.0).contains(j)));
        let pm = random(5, 4, Boundary::Open, BondKind::Pm, 1).unwrap();
        assert!(bond_array(&pm).iter().all(|j| [-1.0, 0.0, 1.0].contains(j)));
        let used = used_slots(pm.lattice());
        for (j, u) in bond_array(&pm).iter().zip(used) {
            assert_eq!(*j != 0.0, u);
        }
    }

    #[test]
    fn npy_round_trip_and_bad_files() {
        let m = random(6, 4, Boundary::Open, BondKind::Uniform, 9).unwrap();
        let back = decode(&encode(&m), Boundary::Open).unwrap();
        assert_eq!(back, m);
        // Slots outside an open lattice are ignored whatever they hold, even NaN.
        let mut js = bond_array(&m);
        js[2 * 5] = f64::NAN; // (0, 5) → (0, 6) leaves a 6-wide lattice
        let bytes = npy::encode(&[4, 6, 2], &js);
        assert_eq!(decode(&bytes, Boundary::Open).unwrap(), m);
        let err = decode(&bytes, Boundary::Periodic).unwrap_err().to_string();
        assert!(err.contains("bond [0, 5, 0]") && err.contains("NaN"), "{err}");
        let err = decode(&npy::encode(&[4, 6], &js[..24]), Boundary::Open)
            .unwrap_err()
            .to_string();
        assert!(err.contains("(Ly, Lx, 2)"), "{err}");
        let err = decode(&npy::encode(&[4, 6, 2], &[1i8; 48]), Boundary::Open)
            .unwrap_err()
            .to_string();
        assert!(err.contains("float64"), "{err}");
        assert!(decode(&npy::encode(&[1, 6, 2], &[0.0; 12]), Boundary::Open).is_err());
        assert!(decode(b"garbage", Boundary::Open).is_err());
    }
}
