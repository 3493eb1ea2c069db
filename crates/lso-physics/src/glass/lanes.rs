//! Metropolis on continuous bonds (Gaussian, uniform) for 64 replicas at once: replica `r` is
//! lane `r` of each site's `f32` lane array, so a site's update is one branch-free loop over the
//! lanes that the compiler vectorises (AVX-512 or AVX2 chosen at run time, as for the chiral
//! kernels, from the same lane arithmetic: [`crate::heisenberg::lanes`]). Each replica is an
//! independent sequential Metropolis chain.
//!
//! Precision: couplings and spins are `f32` and the acceptance `e^{−βΔE}` uses the lane `exp`
//! (relative error about 2e-7) against 24-bit uniforms, so acceptance probabilities are exact to
//! about 1e-7; energies reported from [`GlassLanes::replica`] use the model's f64 couplings.

use crate::heisenberg::lanes::{exp_neg, F, LANES};
use crate::heisenberg::LaneRng;
use crate::isa::Isa;
use crate::lattice::NONE;
use crate::{Ising, PhysicsError};

pub const REPLICAS: usize = LANES;

pub struct GlassLanes {
    nb: Vec<[u32; 4]>,
    j: Vec<[f32; 4]>,
    spins: Vec<F>,
    isa: Isa,
}

impl GlassLanes {
    /// Any bonds, no field; replicas start from independent random states drawn from `rng`.
    pub fn new(model: &Ising, rng: &mut LaneRng) -> Result<Self, PhysicsError> {
        if model.uniform_field() != Some(0.0) {
            return Err(PhysicsError::Unsupported {
                sampler: "lane replicas",
                needs: "no field",
            });
        }
        let l = model.lattice();
        let n = l.sites();
        let mut nb = vec![[0u32; 4]; n];
        let mut j = vec![[0f32; 4]; n];
        for i in 0..n {
            for d in 0..4 {
                let k = l.neighbours(i)[d];
                // A cut bond points at the site itself with zero coupling.
                nb[i][d] = if k == NONE { i as u32 } else { k };
                j[i][d] = if k == NONE { 0.0 } else { model.coupling(i, d) as f32 };
            }
        }
        let spins = (0..n)
            .map(|_| rng.uniform().map(|u| if u < 0.5 { 1.0 } else { -1.0 }))
            .collect();
        Ok(Self {
            nb,
            j,
            spins,
            isa: *Isa::available().last().expect("portable is always available"),
        })
    }

    /// Picks the instruction set (benchmarks compare them); every one gives identical spins.
    pub fn with_isa(mut self, isa: Isa) -> Self {
        self.isa = isa;
        self
    }

    /// One sequential sweep of every replica at inverse temperature `beta`.
    pub fn sweep(&mut self, beta: f64, rng: &mut LaneRng) {
        let beta = beta as f32;
        match self.isa {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Isa::available` listed this ISA only if the CPU has it.
            Isa::Avx512 => unsafe { self.sweep_avx512(beta, rng) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above.
            Isa::Avx2 => unsafe { self.sweep_avx2(beta, rng) },
            _ => self.sweep_portable(beta, rng),
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx2,fma")]
    fn sweep_avx512(&mut self, beta: f32, rng: &mut LaneRng) {
        self.sweep_portable(beta, rng)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn sweep_avx2(&mut self, beta: f32, rng: &mut LaneRng) {
        self.sweep_portable(beta, rng)
    }

    #[inline(always)]
    fn sweep_portable(&mut self, beta: f32, rng: &mut LaneRng) {
        for i in 0..self.spins.len() {
            let u = rng.uniform();
            let [a, b, c, d] = self.nb[i].map(|k| k as usize);
            let jj = self.j[i];
            let (sa, sb, sc, sd) = (&self.spins[a], &self.spins[b], &self.spins[c], &self.spins[d]);
            let s = &self.spins[i];
            let mut new = [0f32; LANES];
            for l in 0..LANES {
                let h = jj[0].mul_add(sa[l], jj[1].mul_add(sb[l], jj[2].mul_add(sc[l], jj[3] * sd[l])));
                let de = 2.0 * s[l] * h;
                // ΔE ≤ 0 gives e⁰ = 1 > u: always accepted.
                let p = exp_neg(-beta * de.max(0.0));
                new[l] = if u[l] < p { -s[l] } else { s[l] };
            }
            self.spins[i] = new;
        }
    }

    /// Replica `r`'s configuration as ±1 spins.
    pub fn replica(&self, r: usize) -> Vec<i8> {
        self.spins.iter().map(|s| if s[r] > 0.0 { 1 } else { -1 }).collect()
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
    fn samples_the_boltzmann_distribution_and_every_isa_agrees() {
        for b in [Boundary::Open, Boundary::Periodic] {
            let m = random(3, 3, b, BondKind::Gaussian, 6).unwrap();
            let beta = 0.9;
            let ex = exact::moments(&m, beta).unwrap();
            let mut rng = LaneRng::from_rng(&mut stream(3, tag("lanes-test"), 0));
            let mut g = GlassLanes::new(&m, &mut rng).unwrap();
            for _ in 0..200 {
                g.sweep(beta, &mut rng);
            }
            let (mut sum, mut count) = (0.0, 0.0);
            for k in 0..4000 {
                g.sweep(beta, &mut rng);
                if k % 10 == 0 {
                    sum += (0..REPLICAS).map(|r| m.energy(&g.replica(r))).sum::<f64>();
                    count += REPLICAS as f64;
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
        let m = random(8, 6, Boundary::Open, BondKind::Uniform, 2).unwrap();
        let runs: Vec<Vec<i8>> = Isa::available()
            .into_iter()
            .map(|isa| {
                let mut rng = LaneRng::from_rng(&mut stream(4, tag("lanes-test"), 1));
                let mut g = GlassLanes::new(&m, &mut rng).unwrap().with_isa(isa);
                for _ in 0..50 {
                    g.sweep(1.3, &mut rng);
                }
                (0..REPLICAS).flat_map(|r| g.replica(r)).collect()
            })
            .collect();
        assert!(runs.windows(2).all(|w| w[0] == w[1]));
    }
}
