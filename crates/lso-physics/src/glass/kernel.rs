//! Fast single-spin dynamics on disordered bonds: each site's four neighbours and couplings in
//! one flat row (a missing neighbour across an open boundary points at the site itself with a
//! zero coupling), so a Metropolis update is a few loads and one exponential at most.

use crate::Ising;
use rand::Rng;

#[derive(Clone, Debug)]
pub struct Glass {
    nb: Vec<[u32; 4]>,
    j: Vec<[f64; 4]>,
    h: Vec<f64>,
}

impl Glass {
    pub fn new(model: &Ising) -> Self {
        let n = model.sites();
        let l = model.lattice();
        let mut nb = vec![[0u32; 4]; n];
        let mut j = vec![[0.0; 4]; n];
        for i in 0..n {
            for d in 0..4 {
                let k = l.neighbours(i)[d];
                if k == crate::lattice::NONE {
                    nb[i][d] = i as u32;
                } else {
                    nb[i][d] = k;
                    j[i][d] = model.coupling(i, d);
                }
            }
        }
        Self {
            nb,
            j,
            h: (0..n).map(|i| model.field(i)).collect(),
        }
    }

    pub fn sites(&self) -> usize {
        self.nb.len()
    }

    #[inline]
    fn local_field(&self, s: &[i8], i: usize) -> f64 {
        let (nb, j) = (&self.nb[i], &self.j[i]);
        j[0] * s[nb[0] as usize] as f64
            + j[1] * s[nb[1] as usize] as f64
            + j[2] * s[nb[2] as usize] as f64
            + j[3] * s[nb[3] as usize] as f64
            + self.h[i]
    }

    /// Energy change of flipping spin `i`.
    #[inline]
    pub fn delta(&self, s: &[i8], i: usize) -> f64 {
        2.0 * s[i] as f64 * self.local_field(s, i)
    }

    /// Total energy (each bond once: half the sum of site terms).
    pub fn energy(&self, s: &[i8]) -> f64 {
        let mut bonds = 0.0;
        let mut field = 0.0;
        for i in 0..s.len() {
            let (nb, j) = (&self.nb[i], &self.j[i]);
            let si = s[i] as f64;
            bonds += si * (0..4).map(|d| j[d] * s[nb[d] as usize] as f64).sum::<f64>();
            field += self.h[i] * si;
        }
        -0.5 * bonds - field
    }

    /// One sequential Metropolis sweep at inverse temperature `beta`; returns the energy change.
    pub fn sweep<R: Rng + ?Sized>(&self, s: &mut [i8], beta: f64, rng: &mut R) -> f64 {
        let mut de_total = 0.0;
        for i in 0..s.len() {
            let de = self.delta(s, i);
            if de <= 0.0 || rng.random::<f64>() < (-beta * de).exp() {
                s[i] = -s[i];
                de_total += de;
            }
        }
        de_total
    }

    /// One zero-temperature sweep: flips every spin whose flip lowers the energy. Returns the
    /// energy change (0 at a local minimum).
    pub fn descend(&self, s: &mut [i8]) -> f64 {
        let mut de_total = 0.0;
        for i in 0..s.len() {
            let de = self.delta(s, i);
            if de < 0.0 {
                s[i] = -s[i];
                de_total += de;
            }
        }
        de_total
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::glass::instance::{random, BondKind};
    use crate::rng::{stream, tag};
    use crate::Boundary;

    #[test]
    fn energies_and_flips_agree_with_the_model() {
        for b in [Boundary::Open, Boundary::Periodic] {
            let m = random(7, 5, b, BondKind::Gaussian, 4).unwrap();
            let g = Glass::new(&m);
            let mut rng = stream(1, tag("kernel-test"), 0);
            let mut s: Vec<i8> = (0..35).map(|_| if rng.random::<bool>() { 1 } else { -1 }).collect();
            let mut e = g.energy(&s);
            assert!((e - m.energy(&s)).abs() < 1e-12);
            for _ in 0..20 {
                e += g.sweep(&mut s, 0.7, &mut rng);
                assert!((e - m.energy(&s)).abs() < 1e-9);
            }
            while g.descend(&mut s) < 0.0 {}
            for i in 0..35 {
                assert!(g.delta(&s, i) >= 0.0, "descent stopped off a local minimum");
            }
        }
    }
}
