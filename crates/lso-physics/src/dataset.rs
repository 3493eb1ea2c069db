//! Sets of Ising configurations: `M` grids of `ly × lx` spins in ±1, stored as in a C-order
//! `(M, Ly, Lx)` int8 array.

use crate::npy::{self, NpyArray};
use crate::PhysicsError;

#[derive(Clone, Debug, PartialEq)]
pub struct SpinSet {
    lx: usize,
    ly: usize,
    spins: Vec<i8>,
}

impl SpinSet {
    pub fn new(lx: usize, ly: usize, spins: Vec<i8>) -> Result<Self, PhysicsError> {
        let per = lx * ly;
        if per == 0 || !spins.len().is_multiple_of(per) {
            return Err(PhysicsError::Length {
                what: "spins (a multiple of lx·ly)",
                expected: per,
                found: spins.len(),
            });
        }
        if let Some(index) = spins.iter().position(|&s| s != 1 && s != -1) {
            return Err(PhysicsError::NotSpin {
                value: spins[index] as f64,
                index,
            });
        }
        Ok(Self { lx, ly, spins })
    }

    /// Builds a set from grids of equal size.
    pub fn from_configs(
        lx: usize,
        ly: usize,
        configs: impl IntoIterator<Item = Vec<i8>>,
    ) -> Result<Self, PhysicsError> {
        let spins: Vec<i8> = configs.into_iter().flatten().collect();
        Self::new(lx, ly, spins)
    }

    pub fn lx(&self) -> usize {
        self.lx
    }
    pub fn ly(&self) -> usize {
        self.ly
    }
    pub fn len(&self) -> usize {
        self.spins.len() / (self.lx * self.ly)
    }
    pub fn is_empty(&self) -> bool {
        self.spins.is_empty()
    }
    pub fn config(&self, k: usize) -> &[i8] {
        let n = self.lx * self.ly;
        &self.spins[k * n..(k + 1) * n]
    }
    pub fn configs(&self) -> impl Iterator<Item = &[i8]> {
        self.spins.chunks_exact(self.lx * self.ly)
    }
    pub fn as_slice(&self) -> &[i8] {
        &self.spins
    }

    /// Reads any `(M, Ly, Lx)` or `(Ly, Lx)` array of ±1 or {0, 1} values (int8, uint8, int32,
    /// int64, float32 or float64). {0, 1} maps to {−1, +1}.
    pub fn from_npy(array: &NpyArray) -> Result<Self, PhysicsError> {
        let (m, ly, lx) = match array.shape[..] {
            [m, ly, lx] => (m, ly, lx),
            [ly, lx] => (1, ly, lx),
            _ => {
                return Err(PhysicsError::Shape {
                    expected: "(M, Ly, Lx) or (Ly, Lx) spin grids".into(),
                    found: array.shape.clone(),
                })
            }
        };
        if m == 0 || lx == 0 || ly == 0 {
            return Err(PhysicsError::Shape {
                expected: "at least one non-empty grid".into(),
                found: array.shape.clone(),
            });
        }
        let data = &array.data;
        let mut spins = Vec::with_capacity(data.len());
        let (mut saw_minus, mut saw_zero) = (None, None);
        for i in 0..data.len() {
            let v = data.get_f64(i);
            let s = if v == 1.0 {
                1
            } else if v == -1.0 {
                saw_minus.get_or_insert(i);
                -1
            } else if v == 0.0 {
                saw_zero.get_or_insert(i);
                -1
            } else {
                return Err(PhysicsError::NotSpin { value: v, index: i });
            };
            spins.push(s);
        }
        if let (Some(a), Some(b)) = (saw_minus, saw_zero) {
            return Err(PhysicsError::MixedSpinEncoding { index: a.max(b) });
        }
        Ok(Self { lx, ly, spins })
    }

    pub fn to_npy(&self) -> Vec<u8> {
        npy::encode(&[self.len(), self.ly, self.lx], &self.spins)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::npy::{decode, encode};

    #[test]
    fn reads_plus_minus_and_zero_one() {
        let pm = decode(&encode(&[2, 2, 2], &[1i8, -1, 1, 1, -1, -1, -1, 1])).unwrap();
        let s = SpinSet::from_npy(&pm).unwrap();
        assert_eq!((s.len(), s.ly(), s.lx()), (2, 2, 2));
        assert_eq!(s.config(1), &[-1, -1, -1, 1]);
        let zo = decode(&encode(&[2, 3], &[0.0f32, 1.0, 1.0, 0.0, 0.0, 1.0])).unwrap();
        assert_eq!(SpinSet::from_npy(&zo).unwrap().as_slice(), &[-1, 1, 1, -1, -1, 1]);
        let back = decode(&s.to_npy()).unwrap();
        assert_eq!(SpinSet::from_npy(&back).unwrap(), s);
    }

    #[test]
    fn rejects_non_spins_and_wrong_shapes() {
        let bad = decode(&encode(&[1, 2, 2], &[1.0f64, 0.5, 1.0, 1.0])).unwrap();
        assert_eq!(
            SpinSet::from_npy(&bad),
            Err(PhysicsError::NotSpin { value: 0.5, index: 1 })
        );
        let nan = decode(&encode(&[2, 2], &[1.0f64, f64::NAN, 1.0, 1.0])).unwrap();
        assert!(matches!(
            SpinSet::from_npy(&nan),
            Err(PhysicsError::NotSpin { index: 1, .. })
        ));
        let mixed = decode(&encode(&[2, 2], &[1i8, 0, -1, 1])).unwrap();
        assert!(matches!(
            SpinSet::from_npy(&mixed),
            Err(PhysicsError::MixedSpinEncoding { .. })
        ));
        let flat = decode(&encode(&[4], &[1i8; 4])).unwrap();
        assert!(matches!(SpinSet::from_npy(&flat), Err(PhysicsError::Shape { .. })));
        let empty = decode(&encode::<i8>(&[0, 4, 4], &[])).unwrap();
        assert!(matches!(SpinSet::from_npy(&empty), Err(PhysicsError::Shape { .. })));
    }
}
