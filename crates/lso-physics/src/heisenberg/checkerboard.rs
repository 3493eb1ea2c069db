//! Vectorised `f32` checkerboard sweeps of the Heisenberg–DMI model: the exact heat-bath update
//! and cone Metropolis, on lattices whose sides are even.
//!
//! Sites of one colour never interact, so a half-sweep updates all of them independently and
//! the chain is a valid Markov chain for either update. Each colour is stored packed, one array
//! per spin component, with a ghost column on each side of a row and a ghost row above and
//! below: periodic ghosts mirror the far edge after every half-sweep, open ghosts stay zero,
//! and a zero spin adds nothing to a neighbour's field, which is exactly an open edge.
//!
//! In row `y` the sites of colour `c` sit at `x = 2k + ((y + c) mod 2)`. Their `±y` neighbours
//! are the other colour's rows `y ± 1` at the same `k`; their `±x` neighbours are the other
//! colour's row `y` at `k` and `k ± 1`.

use super::lanes::{self, LaneRng, F, LANES};
use super::{Heisenberg, Spin};
use crate::Boundary;

/// Packed spins of one model and the model's couplings in `f32`.
#[derive(Clone, Debug)]
pub struct Checkerboard {
    lx: usize,
    ly: usize,
    periodic: bool,
    half: usize,
    width: usize,
    j: f32,
    k: f32,
    b: f32,
    /// DM vectors of the `+x` and `+y` bonds.
    dm: [[f32; 3]; 2],
    isa: Isa,
    /// `spins[colour][component]`, `(ly + 2) × (lx/2 + 2)` with ghosts.
    spins: [[Vec<f32>; 3]; 2],
}

/// Instruction sets the sweeps are compiled for, chosen at run time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Isa {
    /// Whatever the build targets (SSE2 on x86-64; NEON on aarch64).
    Portable,
    /// x86-64 with AVX2 and FMA.
    Avx2,
    /// x86-64 with AVX-512F and FMA.
    Avx512,
}

impl Isa {
    /// Those this CPU runs, best last.
    pub fn available() -> Vec<Isa> {
        #[allow(unused_mut)]
        let mut v = vec![Isa::Portable];
        #[cfg(target_arch = "x86_64")]
        {
            let fma = std::arch::is_x86_feature_detected!("fma");
            if fma && std::arch::is_x86_feature_detected!("avx2") {
                v.push(Isa::Avx2);
            }
            if fma && std::arch::is_x86_feature_detected!("avx512f") {
                v.push(Isa::Avx512);
            }
        }
        v
    }
}

/// What one chunk of sites needs from its neighbourhood.
struct Chunk {
    /// `S₊ₓ + S₋ₓ + S₊ᵧ + S₋ᵧ`, `S₊ₓ − S₋ₓ` and `S₊ᵧ − S₋ᵧ` per component.
    sum: [F; 3],
    dx: [F; 3],
    dy: [F; 3],
    old: [F; 3],
}

/// The update a sweep applies.
#[derive(Clone, Copy)]
enum Update {
    HeatBath,
    Metropolis { one_minus_cos_cone: f32 },
}

impl Checkerboard {
    /// The packed form of `model`, or `None` when a side is odd (no checkerboard exists on an
    /// odd periodic ring, and the packing needs even rows).
    pub fn new(model: &Heisenberg) -> Option<Self> {
        let lat = model.lattice();
        let (lx, ly) = (lat.lx(), lat.ly());
        if lx % 2 != 0 || ly % 2 != 0 {
            return None;
        }
        let half = lx / 2;
        let width = half + 2;
        let zeros = || vec![0f32; (ly + 2) * width];
        let dm = [0, 1].map(|d| model.dm_vector(d).map(|c| c as f32));
        Some(Self {
            lx,
            ly,
            periodic: lat.boundary() == Boundary::Periodic,
            half,
            width,
            j: model.j as f32,
            k: model.k as f32,
            b: model.b as f32,
            dm,
            isa: *Isa::available().last().expect("portable is always available"),
            spins: [[zeros(), zeros(), zeros()], [zeros(), zeros(), zeros()]],
        })
    }

    #[inline]
    fn at(&self, y: usize, k: usize) -> usize {
        (y + 1) * self.width + k + 1
    }

    /// Copies a configuration in (site `x + lx·y`), rounding to `f32`.
    pub fn load(&mut self, s: &[Spin]) {
        assert_eq!(s.len(), self.lx * self.ly, "configuration size");
        for (i, v) in s.iter().enumerate() {
            let (x, y) = (i % self.lx, i / self.lx);
            let at = self.at(y, x / 2);
            for (c, comp) in self.spins[(x + y) & 1].iter_mut().enumerate() {
                comp[at] = v[c] as f32;
            }
        }
        self.refresh_ghosts(0);
        self.refresh_ghosts(1);
    }

    /// The configuration in site order.
    pub fn spins(&self) -> Vec<Spin> {
        (0..self.lx * self.ly)
            .map(|i| {
                let (x, y) = (i % self.lx, i / self.lx);
                let at = self.at(y, x / 2);
                let p = &self.spins[(x + y) & 1];
                [p[0][at] as f64, p[1][at] as f64, p[2][at] as f64]
            })
            .collect()
    }

    /// One heat-bath sweep (both colours); returns the number of accepted updates, which is every
    /// site unless anisotropy's Metropolis correction rejects some.
    pub fn heat_bath_sweep(&mut self, beta: f64, rng: &mut LaneRng) -> usize {
        (0..2)
            .map(|c| self.half_sweep(c, beta as f32, Update::HeatBath, rng))
            .sum()
    }

    /// One cone-Metropolis sweep with proposals uniform within `cone` radians of the old spin;
    /// returns the acceptance rate.
    pub fn metropolis_sweep(&mut self, beta: f64, cone: f64, rng: &mut LaneRng) -> f64 {
        let u = Update::Metropolis {
            one_minus_cos_cone: (1.0 - cone.min(std::f64::consts::PI).cos()) as f32,
        };
        let acc: usize = (0..2).map(|c| self.half_sweep(c, beta as f32, u, rng)).sum();
        acc as f64 / (self.lx * self.ly) as f64
    }

    /// The instruction set the sweeps use: the best this CPU has, unless [`Self::use_isa`]
    /// chose another. The choice changes speed only, never the numbers.
    pub fn isa(&self) -> Isa {
        self.isa
    }

    /// Switches to `isa` if this CPU supports it (for benchmarks); returns whether it did.
    pub fn use_isa(&mut self, isa: Isa) -> bool {
        let ok = Isa::available().contains(&isa);
        if ok {
            self.isa = isa;
        }
        ok
    }

    fn half_sweep(&mut self, colour: usize, beta: f32, update: Update, rng: &mut LaneRng) -> usize {
        match self.isa {
            // SAFETY: `isa` is only ever set to an instruction set the CPU was found to support.
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => unsafe { self.half_sweep_avx512(colour, beta, update, rng) },
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => unsafe { self.half_sweep_avx2(colour, beta, update, rng) },
            _ => self.half_sweep_portable(colour, beta, update, rng),
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx2,fma")]
    fn half_sweep_avx512(&mut self, colour: usize, beta: f32, update: Update, rng: &mut LaneRng) -> usize {
        self.half_sweep_portable(colour, beta, update, rng)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn half_sweep_avx2(&mut self, colour: usize, beta: f32, update: Update, rng: &mut LaneRng) -> usize {
        self.half_sweep_portable(colour, beta, update, rng)
    }

    #[inline(always)]
    fn half_sweep_portable(&mut self, colour: usize, beta: f32, update: Update, rng: &mut LaneRng) -> usize {
        let mut accepted = 0;
        // Reused across chunks; lanes past a short last chunk hold stale but finite spins.
        let mut ch = Chunk {
            sum: [[0.0; LANES]; 3],
            dx: [[0.0; LANES]; 3],
            dy: [[0.0; LANES]; 3],
            old: [[0.0; LANES]; 3],
        };
        let mut new = [[0f32; LANES]; 3];
        let mut ok = [0u32; LANES];
        for y in 0..self.ly {
            let right = (y + colour) & 1;
            for k0 in (0..self.half).step_by(LANES) {
                let n = LANES.min(self.half - k0);
                self.gather(&mut ch, colour, y, k0, n, right);
                match update {
                    Update::HeatBath => self.heat_bath_chunk(&ch, beta, rng, &mut new, &mut ok),
                    Update::Metropolis { one_minus_cos_cone } => {
                        self.metropolis_chunk(&ch, beta, one_minus_cos_cone, rng, &mut new, &mut ok)
                    }
                }
                let at = self.at(y, k0);
                // The kernels leave rejected lanes holding the old spin, so this is a plain copy.
                for (comp, new) in self.spins[colour].iter_mut().zip(&new) {
                    comp[at..at + n].copy_from_slice(&new[..n]);
                }
                accepted += ok[..n].iter().sum::<u32>() as usize;
            }
        }
        self.refresh_ghosts(colour);
        accepted
    }

    /// Neighbour sums and differences of the `n` sites of `colour` from `(y, k0)`; `right` is
    /// 1 when the `+x` neighbour of packed site `k` is the other colour's `k + 1`.
    #[inline(always)]
    fn gather(&self, ch: &mut Chunk, colour: usize, y: usize, k0: usize, n: usize, right: usize) {
        let at = self.at(y, k0);
        let (up, down) = (at + self.width, at - self.width);
        let (px, mx) = (at + right, at + right - 1);
        for c in 0..3 {
            let o = &self.spins[1 - colour][c];
            let (u, d) = (&o[up..up + n], &o[down..down + n]);
            let (p, m) = (&o[px..px + n], &o[mx..mx + n]);
            ch.old[c][..n].copy_from_slice(&self.spins[colour][c][at..at + n]);
            for l in 0..n.min(u.len()).min(d.len()).min(p.len()).min(m.len()) {
                ch.sum[c][l] = (u[l] + d[l]) + (p[l] + m[l]);
                ch.dx[c][l] = p[l] - m[l];
                ch.dy[c][l] = u[l] - d[l];
            }
        }
    }

    /// The local field `h = B ẑ + J Σ S_j + (S₊ₓ − S₋ₓ) × D_x + (S₊ᵧ − S₋ᵧ) × D_y` of lane `l`.
    #[inline(always)]
    fn field(&self, ch: &Chunk, l: usize) -> [f32; 3] {
        let [dx, dy] = self.dm;
        let (a, b) = (
            [ch.dx[0][l], ch.dx[1][l], ch.dx[2][l]],
            [ch.dy[0][l], ch.dy[1][l], ch.dy[2][l]],
        );
        [
            self.j * ch.sum[0][l] + (a[1] * dx[2] - a[2] * dx[1]) + (b[1] * dy[2] - b[2] * dy[1]),
            self.j * ch.sum[1][l] + (a[2] * dx[0] - a[0] * dx[2]) + (b[2] * dy[0] - b[0] * dy[2]),
            self.b + self.j * ch.sum[2][l] + (a[0] * dx[1] - a[1] * dx[0]) + (b[0] * dy[1] - b[1] * dy[0]),
        ]
    }

    /// Heat-bath draws `cos θ = 1 + ln(1 − u(1 − e^{−2β|h|}))/(β|h|)` about `h`; anisotropy, which
    /// is not linear in the spin, is added by a Metropolis–Hastings correction.
    #[inline(always)]
    fn heat_bath_chunk(&self, ch: &Chunk, beta: f32, rng: &mut LaneRng, new: &mut [F; 3], ok: &mut [u32; LANES]) {
        let (u1, u2) = (rng.uniform(), rng.uniform());
        let u3 = if self.k != 0.0 { rng.uniform() } else { [0.0; LANES] };
        let inv_beta = 1.0 / beta;
        for l in 0..LANES {
            let h = self.field(ch, l);
            let norm = (h[0] * h[0] + h[1] * h[1] + h[2] * h[2]).sqrt();
            let tiny = norm < 1e-30;
            // One division gives both 1/|h| and the frame's 1/(sign + n_z) = |h|/q.
            let sign = if tiny { 1.0 } else { 1f32.copysign(h[2]) };
            let q = sign.mul_add(norm, h[2]);
            let r = 1.0 / (norm * q);
            let inv = if tiny { 0.0 } else { q * r };
            let inv_sum = if tiny { 0.5 } else { norm * norm * r };
            let n = [h[0] * inv, h[1] * inv, if tiny { 1.0 } else { h[2] * inv }];
            let a = beta * norm;
            let lp = lanes::ln_1p_neg(u1[l] * lanes::expm1_neg(-2.0 * a));
            let c = if a < 1e-20 {
                1.0 - 2.0 * u1[l]
            } else {
                (lp * inv).mul_add(inv_beta, 1.0)
            };
            let c = c.clamp(-1.0, 1.0);
            let s = (1.0 - c * c).max(0.0).sqrt();
            let (cp, sp) = lanes::cos_sin_turn(u2[l]);
            let v = lanes::about(n, sign, inv_sum, c, s, cp, sp);
            // With K = 0 the gain is 0 and u3 < 1 = e⁰: always accepted, with no branch.
            let gain = beta * self.k * (v[2] * v[2] - ch.old[2][l] * ch.old[2][l]);
            let accept = u3[l] < lanes::exp_neg(gain.min(0.0));
            for c in 0..3 {
                new[c][l] = if accept { v[c] } else { ch.old[c][l] };
            }
            ok[l] = accept as u32;
        }
    }

    /// Proposes a spin uniform on the cap within the cone about the old one and accepts it with
    /// probability `min(1, e^{−βΔE})`.
    #[inline(always)]
    fn metropolis_chunk(
        &self,
        ch: &Chunk,
        beta: f32,
        width: f32,
        rng: &mut LaneRng,
        new: &mut [F; 3],
        ok: &mut [u32; LANES],
    ) {
        let (u1, u2, u3) = (rng.uniform(), rng.uniform(), rng.uniform());
        for l in 0..LANES {
            let old = [ch.old[0][l], ch.old[1][l], ch.old[2][l]];
            let c = 1.0 - u1[l] * width;
            let s = (1.0 - c * c).max(0.0).sqrt();
            let (cp, sp) = lanes::cos_sin_turn(u2[l]);
            let sign = 1f32.copysign(old[2]);
            let v = lanes::about(old, sign, 1.0 / (sign + old[2]), c, s, cp, sp);
            // One Newton step towards unit length, so rounding does not accumulate over accepted
            // moves: |v|² = 1 + ε becomes 1 + O(ε²).
            let r = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).mul_add(-0.5, 1.5);
            let v = [v[0] * r, v[1] * r, v[2] * r];
            let h = self.field(ch, l);
            let de = -((v[0] - old[0]) * h[0] + (v[1] - old[1]) * h[1] + (v[2] - old[2]) * h[2])
                - self.k * (v[2] * v[2] - old[2] * old[2]);
            let accept = u3[l] < lanes::exp_neg((-beta * de).min(0.0));
            for c in 0..3 {
                new[c][l] = if accept { v[c] } else { old[c] };
            }
            ok[l] = accept as u32;
        }
    }

    fn refresh_ghosts(&mut self, colour: usize) {
        if !self.periodic {
            return;
        }
        let (w, half, ly) = (self.width, self.half, self.ly);
        for comp in self.spins[colour].iter_mut() {
            for y in 1..=ly {
                comp[y * w] = comp[y * w + half];
                comp[y * w + half + 1] = comp[y * w + 1];
            }
            comp.copy_within(ly * w..(ly + 1) * w, 0);
            comp.copy_within(w..2 * w, (ly + 1) * w);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::heisenberg::{random_spin, Dmi};
    use crate::rng::{stream, tag};
    use crate::Lattice;

    fn model(l: usize, boundary: Boundary, dmi: Dmi, k: f64, b: f64) -> Heisenberg {
        Heisenberg::new(Lattice::new(l, l + 2, boundary).unwrap(), 1.0, 0.3, dmi, k, b).unwrap()
    }

    #[test]
    fn packing_round_trips_and_fields_match_the_model() {
        for boundary in [Boundary::Periodic, Boundary::Open] {
            for dmi in [Dmi::Neel, Dmi::Bloch] {
                let m = model(6, boundary, dmi, 0.2, 0.1);
                let mut rng = stream(1, tag("pack"), 0);
                let s: Vec<Spin> = (0..48).map(|_| random_spin(&mut rng)).collect();
                let mut cb = Checkerboard::new(&m).unwrap();
                cb.load(&s);
                let back = cb.spins();
                for (a, b) in s.iter().zip(&back) {
                    assert!((0..3).all(|c| (a[c] - b[c]).abs() < 1e-7));
                }
                // The field the kernel sees, gathered for every site.
                for colour in 0..2 {
                    for y in 0..cb.ly {
                        let right = (y + colour) & 1;
                        let mut ch = Chunk {
                            sum: [[0.0; LANES]; 3],
                            dx: [[0.0; LANES]; 3],
                            dy: [[0.0; LANES]; 3],
                            old: [[0.0; LANES]; 3],
                        };
                        cb.gather(&mut ch, colour, y, 0, cb.half, right);
                        for k in 0..cb.half {
                            let x = 2 * k + right;
                            let h = cb.field(&ch, k);
                            let want = m.local_field(&back, x + cb.lx * y);
                            for c in 0..3 {
                                assert!((h[c] as f64 - want[c]).abs() < 1e-5, "{boundary} {dmi:?} ({x},{y})");
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn odd_sides_are_refused() {
        let m = Heisenberg::new(
            Lattice::new(5, 4, Boundary::Open).unwrap(),
            1.0,
            0.3,
            Dmi::Neel,
            0.0,
            0.0,
        )
        .unwrap();
        assert!(Checkerboard::new(&m).is_none());
    }

    #[test]
    fn every_instruction_set_gives_the_same_bits() {
        let m = model(40, Boundary::Periodic, Dmi::Neel, 0.1, 0.05);
        let mut rng = stream(4, tag("bits"), 0);
        let s: Vec<Spin> = (0..40 * 42).map(|_| random_spin(&mut rng)).collect();
        let lanes = LaneRng::from_rng(&mut rng);
        let run = |isa: Isa| {
            let mut cb = Checkerboard::new(&m).unwrap();
            assert!(cb.use_isa(isa));
            cb.load(&s);
            let mut lanes = lanes.clone();
            for _ in 0..3 {
                cb.heat_bath_sweep(1.5, &mut lanes);
                cb.metropolis_sweep(1.5, 0.7, &mut lanes);
            }
            cb.spins()
        };
        let reference = run(Isa::Portable);
        for isa in Isa::available() {
            assert_eq!(run(isa), reference, "{isa:?}");
        }
    }

    /// With `J = D = 0` every site feels only `B ẑ` and `K (S^z)²`, so `S^z` has density
    /// `∝ exp(β(B z + K z²))` on `[−1, 1]`: a χ² test of both updates, anisotropy included.
    #[test]
    fn single_site_statistics_match_the_boltzmann_density() {
        let (beta, b) = (1.5, 1.2);
        let bins = 20;
        for k in [0.0, 0.8] {
            let m = Heisenberg::new(
                Lattice::new(32, 32, Boundary::Periodic).unwrap(),
                0.0,
                0.0,
                Dmi::Neel,
                k,
                b,
            )
            .unwrap();
            let weight = |z: f64| (beta * (b * z + k * z * z)).exp();
            // Bin probabilities by Simpson's rule.
            let integral = |lo: f64, hi: f64| {
                let n = 200;
                let h = (hi - lo) / n as f64;
                (0..=n)
                    .map(|i| {
                        weight(lo + i as f64 * h)
                            * if i == 0 || i == n {
                                1.0
                            } else if i % 2 == 1 {
                                4.0
                            } else {
                                2.0
                            }
                    })
                    .sum::<f64>()
                    * h
                    / 3.0
            };
            let total = integral(-1.0, 1.0);
            for metropolis in [false, true] {
                let mut rng = stream(8, tag("single-site"), metropolis as u64);
                let mut cb = Checkerboard::new(&m).unwrap();
                cb.load(&(0..1024).map(|_| random_spin(&mut rng)).collect::<Vec<_>>());
                let mut lanes = LaneRng::from_rng(&mut rng);
                let mut counts = vec![0usize; bins];
                let mut n = 0;
                // Metropolis samples are thinned further: its moves are correlated.
                let gap = if metropolis { 20 } else { 2 };
                for t in 0..100 + 200 * gap {
                    if metropolis {
                        cb.metropolis_sweep(beta, 2.0, &mut lanes);
                    } else {
                        cb.heat_bath_sweep(beta, &mut lanes);
                    }
                    if t >= 100 && t % gap == 0 {
                        for v in cb.spins() {
                            counts[(((v[2] + 1.0) / 2.0 * bins as f64) as usize).min(bins - 1)] += 1;
                            n += 1;
                        }
                    }
                }
                let chi2: f64 = counts
                    .iter()
                    .enumerate()
                    .map(|(i, &c)| {
                        let lo = -1.0 + 2.0 * i as f64 / bins as f64;
                        let e = n as f64 * integral(lo, lo + 2.0 / bins as f64) / total;
                        (c as f64 - e).powi(2) / e
                    })
                    .sum();
                // 19 degrees of freedom: the 99.9% point is 43.8.
                assert!(chi2 < 43.8, "K = {k}, metropolis = {metropolis}: χ² = {chi2}");
            }
        }
    }

    /// The interacting model: the checkerboard sweeps and the scalar reference sample the same
    /// mean energy per spin (batch means, 4σ).
    #[test]
    fn checkerboard_and_scalar_sweeps_agree_on_the_mean_energy() {
        use crate::heisenberg::heat_bath_sweep;
        use crate::heisenberg::tests::mean_energy;
        let m = Heisenberg::new(
            Lattice::new(6, 6, Boundary::Periodic).unwrap(),
            1.0,
            0.3,
            Dmi::Neel,
            0.1,
            0.2,
        )
        .unwrap();
        let beta = 1.2;
        let n = 36.0;
        let mut rng = stream(12, tag("cb-agree"), 0);
        let mut s = vec![[0.0, 0.0, 1.0]; 36];
        let reference = mean_energy(40_000, 1000, false, |_| {
            heat_bath_sweep(&m, &mut s, beta, &mut rng);
            (1.0, m.energy(&s) / n)
        });
        for metropolis in [false, true] {
            let mut cb = Checkerboard::new(&m).unwrap();
            cb.load(&vec![[0.0, 0.0, 1.0]; 36]);
            let mut lanes = LaneRng::from_rng(&mut rng);
            let fast = mean_energy(40_000, 1000, metropolis, |cone| {
                let acc = match cone {
                    Some(cone) => cb.metropolis_sweep(beta, cone, &mut lanes),
                    None => cb.heat_bath_sweep(beta, &mut lanes) as f64,
                };
                (acc, m.energy(&cb.spins()) / n)
            });
            let z = (fast.mean - reference.mean).abs() / (fast.err.powi(2) + reference.err.powi(2)).sqrt();
            assert!(z < 4.0, "metropolis = {metropolis}: {fast:?} vs scalar {reference:?}");
            assert!(fast.err < 0.005, "{fast:?}");
        }
    }
}
