//! Multi-spin coding across replicas for ±J glasses: 64 independent replicas of one instance,
//! bit `r` of each site's word holding replica `r`'s spin (1 = up), so one pass of bitwise
//! operations updates a site in all 64 at once. Every replica runs its own sequential
//! Metropolis chain at the same temperature: independent restarts of annealing for the price of
//! about one.
//!
//! A bond is unsatisfied where `s_i ⊕ s_j ⊕ [J < 0]`; with `c` unsatisfied bonds among a site's
//! `deg` (open boundaries cut some), flipping costs `ΔE = 2|J|(deg − 2c)`. Flips with
//! `2c ≥ deg` are always taken; `c = 1` and `c = 0` are accepted with their exact Boltzmann
//! probabilities, drawn bit by bit as in [`crate::msc`].

use crate::lattice::NONE;
use crate::msc::{acceptance_mask, fixed_point};
use crate::rng::SimRng;
use crate::{Ising, PhysicsError};

pub struct PmReplicas {
    /// Neighbour of each site in each direction (itself where the boundary cuts the bond).
    nb: Vec<[u32; 4]>,
    /// All ones where the bond is antiferromagnetic, zero otherwise or where it is cut.
    neg: Vec<[u64; 4]>,
    /// All ones where the bond exists.
    present: Vec<[u64; 4]>,
    deg: Vec<u8>,
    j: f64,
    spins: Vec<u64>,
}

impl PmReplicas {
    /// Needs every bond to be `±j` for one `j > 0` and no field; replicas start from `rng`.
    pub fn new(model: &Ising, rng: &mut SimRng) -> Result<Self, PhysicsError> {
        use rand::RngCore;
        let l = model.lattice();
        let bad = || PhysicsError::Unsupported {
            sampler: "multi-spin replicas",
            needs: "±J bonds of one magnitude and no field",
        };
        if model.uniform_field() != Some(0.0) {
            return Err(bad());
        }
        let mut magnitude = None;
        let n = l.sites();
        let (mut nb, mut neg, mut present, mut deg) =
            (vec![[0u32; 4]; n], vec![[0u64; 4]; n], vec![[0u64; 4]; n], vec![0u8; n]);
        for i in 0..n {
            for d in 0..4 {
                let k = l.neighbours(i)[d];
                if k == NONE {
                    nb[i][d] = i as u32;
                    continue;
                }
                let j = model.coupling(i, d);
                match magnitude {
                    None if j != 0.0 => magnitude = Some(j.abs()),
                    Some(m) if j.abs() == m => {}
                    _ => return Err(bad()),
                }
                nb[i][d] = k;
                neg[i][d] = if j < 0.0 { !0 } else { 0 };
                present[i][d] = !0;
                deg[i] += 1;
            }
        }
        Ok(Self {
            nb,
            neg,
            present,
            deg,
            j: magnitude.ok_or_else(bad)?,
            spins: (0..n).map(|_| rng.next_u64()).collect(),
        })
    }

    /// One sequential Metropolis sweep of all 64 replicas at inverse temperature `beta`.
    pub fn sweep(&mut self, beta: f64, rng: &mut SimRng) {
        // Acceptance of c = 1 and c = 0 for each degree: e^{−2β|J|(deg − 2c)}.
        let p = |de: f64| fixed_point((-beta * self.j * de).exp());
        let table: [(Option<u64>, Option<u64>); 5] = [
            (None, None),
            (None, p(2.0)),
            (None, p(4.0)),
            (p(2.0), p(6.0)),
            (p(4.0), p(8.0)),
        ];
        for i in 0..self.spins.len() {
            let s = self.spins[i];
            let (nb, neg, pr) = (&self.nb[i], &self.neg[i], &self.present[i]);
            let u = |d: usize| (s ^ self.spins[nb[d] as usize] ^ neg[d]) & pr[d];
            let (u0, u1, u2, u3) = (u(0), u(1), u(2), u(3));
            // Bit-sliced c = u0 + u1 + u2 + u3: bits b0, b1, b2.
            let (s1, c1) = (u0 ^ u1, u0 & u1);
            let (s2, c2) = (u2 ^ u3, u2 & u3);
            let b0 = s1 ^ s2;
            let carry = s1 & s2;
            let b1 = c1 ^ c2 ^ carry;
            let b2 = (c1 & c2) | ((c1 ^ c2) & carry);
            let deg = self.deg[i] as usize;
            let eq0 = !(b0 | b1 | b2);
            let eq1 = b0 & !b1 & !b2;
            // 2c ≥ deg: for deg 4 and 3 that is c ≥ 2, for deg 2 and 1 c ≥ 1.
            let ge2 = b1 | b2;
            // For deg ≤ 2 a flip with c = 1 costs nothing (table entry None: always taken).
            let (p1, p0) = table[deg];
            let mut flip = ge2;
            let (mut want1, mut want0) = (eq1, eq0);
            let mut threshold = |p: Option<u64>, want: &mut u64| match p {
                Some(q) => q,
                None => {
                    flip |= *want;
                    *want = 0;
                    0
                }
            };
            let (q1, q0) = (threshold(p1, &mut want1), threshold(p0, &mut want0));
            flip |= acceptance_mask(rng, q1, q0, want1, want0);
            self.spins[i] = s ^ flip;
        }
    }

    /// Replica `r`'s configuration as ±1 spins.
    pub fn replica(&self, r: usize) -> Vec<i8> {
        self.spins
            .iter()
            .map(|w| if (w >> r) & 1 == 1 { 1 } else { -1 })
            .collect()
    }

    /// Energies of all 64 replicas: `E = −|J| (bonds − 2 · unsatisfied)`.
    pub fn energies(&self) -> [f64; 64] {
        let mut unsat = [0u32; 64];
        let mut bonds = 0u32;
        for i in 0..self.spins.len() {
            for d in 0..2 {
                if self.present[i][d] == 0 {
                    continue;
                }
                bonds += 1;
                let mut u = (self.spins[i] ^ self.spins[self.nb[i][d] as usize] ^ self.neg[i][d]) & self.present[i][d];
                while u != 0 {
                    unsat[u.trailing_zeros() as usize] += 1;
                    u &= u - 1;
                }
            }
        }
        let mut e = [0.0; 64];
        for (r, c) in unsat.iter().enumerate() {
            e[r] = -self.j * (bonds as f64 - 2.0 * *c as f64);
        }
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exact;
    use crate::glass::instance::{random, BondKind};
    use crate::rng::{stream, tag};
    use crate::Boundary;

    #[test]
    fn energies_match_the_model_on_both_boundaries() {
        for b in [Boundary::Open, Boundary::Periodic] {
            let m = random(7, 6, b, BondKind::Pm, 3).unwrap();
            let mut rng = stream(1, tag("replicas-test"), 0);
            let mut r = PmReplicas::new(&m, &mut rng).unwrap();
            for _ in 0..5 {
                r.sweep(0.8, &mut rng);
            }
            let e = r.energies();
            for k in [0, 17, 63] {
                assert_eq!(e[k], m.energy(&r.replica(k)));
            }
        }
        let g = random(4, 4, Boundary::Open, BondKind::Gaussian, 1).unwrap();
        assert!(PmReplicas::new(&g, &mut stream(1, tag("x"), 0)).is_err());
    }

    #[test]
    fn samples_the_boltzmann_distribution_of_a_small_glass() {
        // 3×3 open ±J glass (degrees 2, 3 and 4 all occur) at β = 0.7: ⟨E⟩ over 64 replicas ×
        // 4000 sweeps against exact enumeration. Samples 10 sweeps apart are nearly independent
        // here; the standard error of the mean is about sd / √25600.
        for b in [Boundary::Open, Boundary::Periodic] {
            let m = random(3, 3, b, BondKind::Pm, 5).unwrap();
            let beta = 0.7;
            let ex = exact::moments(&m, beta).unwrap();
            let mut rng = stream(2, tag("replicas-test"), 1);
            let mut r = PmReplicas::new(&m, &mut rng).unwrap();
            for _ in 0..200 {
                r.sweep(beta, &mut rng);
            }
            let (mut sum, mut count) = (0.0, 0.0);
            for k in 0..4000 {
                r.sweep(beta, &mut rng);
                if k % 10 == 0 {
                    sum += r.energies().iter().sum::<f64>();
                    count += 64.0;
                }
            }
            let mean = sum / count / 9.0;
            let se = (ex.energy_variance / 9.0).sqrt() / count.sqrt();
            assert!(
                (mean - ex.energy).abs() < 5.0 * se + 1e-3,
                "{b}: {mean} vs {} (se {se})",
                ex.energy
            );
        }
    }
}
