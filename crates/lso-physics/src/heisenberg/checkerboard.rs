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

use super::lanes::{self, LaneRng, Real, F, LANES, V, W};
use super::{Dmi, Heisenberg, Spin};
use crate::isa::Isa;
use crate::Boundary;

/// Packed spins of one model and the model's couplings in `f32`.
#[derive(Clone, Debug)]
pub struct Checkerboard {
    lx: usize,
    ly: usize,
    periodic: bool,
    half: usize,
    width: usize,
    cp: Couplings,
    bloch: bool,
    isa: Isa,
    /// `spins[colour][component]`, `(ly + 2) × (lx/2 + 2)` with ghosts.
    spins: [[Vec<f32>; 3]; 2],
}

/// The update a sweep applies.
#[derive(Clone, Copy)]
enum Update {
    HeatBath,
    Metropolis { one_minus_cos_cone: f32 },
}

/// The couplings a kernel reads, in `f32`. Each DM vector of either [`Dmi`] has one non-zero
/// component, `±D`, so the kernels write the cross products out for the two forms (a `BLOCH`
/// const parameter) instead of multiplying by the zeros.
#[derive(Clone, Copy, Debug)]
struct Couplings {
    j: f32,
    d: f32,
    k: f32,
    b: f32,
}

/// The twelve neighbour rows of one chunk: the other colour's rows above and below, and its
/// row at the `+x` and `−x` offsets, per component.
struct Neighbours<'a> {
    up: [&'a F; 3],
    down: [&'a F; 3],
    plus: [&'a F; 3],
    minus: [&'a F; 3],
}

/// The local field `h = B ẑ + J Σ S_j + (S₊ₓ − S₋ₓ) × D_x + (S₊ᵧ − S₋ᵧ) × D_y` of the lanes from
/// `l`, with `D_x = −D ŷ, D_y = D x̂` (Néel) or `D_x = D x̂, D_y = D ŷ` (Bloch).
#[inline(always)]
fn field<const BLOCH: bool, const N: usize>(cp: &Couplings, nb: &Neighbours, l: usize) -> [V<N>; 3] {
    let ld = |r: &F| V::<N>::load(r, l);
    let sum = |c: usize| (ld(nb.up[c]) + ld(nb.down[c])) + (ld(nb.plus[c]) + ld(nb.minus[c]));
    let a = |c: usize| ld(nb.plus[c]) - ld(nb.minus[c]);
    let b = |c: usize| ld(nb.up[c]) - ld(nb.down[c]);
    let (j, d, bz) = (V::<N>::splat(cp.j), V::<N>::splat(cp.d), V::<N>::splat(cp.b));
    if BLOCH {
        [
            j.mul_add(sum(0), -(d * b(2))),
            j.mul_add(sum(1), d * a(2)),
            j.mul_add(sum(2), d.mul_add(b(0) - a(1), bz)),
        ]
    } else {
        [
            j.mul_add(sum(0), d * a(2)),
            j.mul_add(sum(1), d * b(2)),
            j.mul_add(sum(2), d.mul_add(-(a(0) + b(1)), bz)),
        ]
    }
}

/// Heat-bath draws `cos θ = 1 + ln(1 − u(1 − e^{−2β|h|}))/(β|h|)` about `h`; anisotropy (`ANISO`),
/// which is not linear in the spin, is added by a Metropolis–Hastings correction.
struct HeatBath<const BLOCH: bool, const ANISO: bool>;

/// One update of `LANES` sites of one colour, in place. Lanes at or past `valid` are updated but
/// not counted. A trait rather than closures so every kernel is inlined into the
/// `target_feature` callers, which compile it for their instruction set.
trait Kernel: Sized {
    /// Updates lanes `l + k·LANES/N` (`k < N`: `N` independent dependency chains, interleaved
    /// instruction by instruction) from `s` into `out`; returns which updates were accepted.
    #[allow(clippy::too_many_arguments)]
    fn lane<const N: usize>(
        &self,
        cp: &Couplings,
        beta: f32,
        nb: &Neighbours,
        s: &[&F; 3],
        out: &mut [F; 3],
        rng: &mut LaneRng,
        l: usize,
    ) -> [bool; N];

    /// Updates all lanes: [`drive`] with the number of chains that suits the kernel.
    #[allow(clippy::too_many_arguments)]
    fn lanes(
        &self,
        cp: &Couplings,
        beta: f32,
        nb: &Neighbours,
        s: [&mut F; 3],
        rng: &mut LaneRng,
        accepted: &mut [u32; LANES],
        valid: usize,
    );
}

/// Runs `kernel` over every lane, `N` chains at a time. Measured on AVX-512 at 128²: two chains
/// make the heat bath 10% faster than one, whose chain through two square roots, a division,
/// an exponential and a logarithm is the longest; the shorter Metropolis chain is fastest alone,
/// where two chains already spill registers.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn drive<K: Kernel, const N: usize>(
    kernel: &K,
    cp: &Couplings,
    beta: f32,
    nb: &Neighbours,
    s: [&mut F; 3],
    rng: &mut LaneRng,
    accepted: &mut [u32; LANES],
    valid: usize,
) {
    let stride = LANES / N;
    // See `Checkerboard::rows` for why the new spins go to a local first.
    let mut out = [[0f32; LANES]; 3];
    let old = [&*s[0], &*s[1], &*s[2]];
    for l in 0..stride {
        let ok = kernel.lane::<N>(cp, beta, nb, &old, &mut out, rng, l);
        for (k, ok) in ok.into_iter().enumerate() {
            let at = l + k * stride;
            accepted[at] += (ok && at < valid) as u32;
        }
    }
    for (s, out) in s.into_iter().zip(&out) {
        *s = *out;
    }
}

/// Writes the accepted proposals `v`, or else the old spins, to `out` at the lanes from `l`.
#[inline(always)]
fn keep<const N: usize>(out: &mut [F; 3], l: usize, accept: [bool; N], v: [V<N>; 3], old: [V<N>; 3]) {
    for c in 0..3 {
        V::select(accept, v[c], old[c]).store(&mut out[c], l);
    }
}

impl<const BLOCH: bool, const ANISO: bool> Kernel for HeatBath<BLOCH, ANISO> {
    #[inline(always)]
    fn lanes(
        &self,
        cp: &Couplings,
        beta: f32,
        nb: &Neighbours,
        s: [&mut F; 3],
        rng: &mut LaneRng,
        accepted: &mut [u32; LANES],
        valid: usize,
    ) {
        drive::<_, 2>(self, cp, beta, nb, s, rng, accepted, valid)
    }

    #[inline(always)]
    fn lane<const N: usize>(
        &self,
        cp: &Couplings,
        beta: f32,
        nb: &Neighbours,
        s: &[&F; 3],
        out: &mut [F; 3],
        rng: &mut LaneRng,
        l: usize,
    ) -> [bool; N] {
        // Loop-invariant: compiled once per chunk.
        let inv_beta = V::<N>::splat(1.0 / beta);
        let beta = V::<N>::splat(beta);
        let one = V::<N>::splat(1.0);
        let (u1, u2): (V<N>, W<N>) = (rng.uniform_chains(l), rng.bits_chains(l));
        let u3: V<N> = if ANISO {
            rng.uniform_chains(l)
        } else {
            V::<N>::splat(0.0)
        };
        let h = field::<BLOCH, N>(cp, nb, l);
        let norm = (h[0] * h[0] + h[1] * h[1] + h[2] * h[2]).sqrt();
        let tiny = norm.lt(V::<N>::splat(1e-30));
        // One division gives both 1/|h| and the frame's 1/(sign + n_z) = |h|/q.
        let sign = V::<N>::select(tiny, one, h[2].sign_one());
        let q = sign.mul_add(norm, h[2]);
        let r = one.div(norm * q);
        let inv = V::<N>::select(tiny, V::<N>::splat(0.0), q * r);
        let inv_sum = V::<N>::select(tiny, V::<N>::splat(0.5), norm * norm * r);
        let n = [h[0] * inv, h[1] * inv, V::<N>::select(tiny, one, h[2] * inv)];
        let a = beta * norm;
        let lp = lanes::ln_1p_neg(u1 * lanes::expm1_neg(V::<N>::splat(-2.0) * a));
        let c = V::<N>::select(
            a.lt(V::<N>::splat(1e-20)),
            V::<N>::splat(-2.0).mul_add(u1, one),
            (lp * inv).mul_add(inv_beta, one),
        );
        let c = c.max(-one).min(one);
        let sn = c.mul_add(-c, one).max(V::<N>::splat(0.0)).sqrt();
        let (cp_, sp) = lanes::cos_sin_bits(u2);
        let v = lanes::about(n, sign, inv_sum, c, sn, cp_, sp);
        let old = [V::<N>::load(s[0], l), V::<N>::load(s[1], l), V::<N>::load(s[2], l)];
        let accept = if ANISO {
            let gain = beta * V::<N>::splat(cp.k) * v[2].mul_add(v[2], -(old[2] * old[2]));
            u3.lt(lanes::exp_neg(gain.min(V::<N>::splat(0.0))))
        } else {
            [true; N]
        };
        keep(out, l, accept, v, old);
        accept
    }
}

/// Proposes a spin uniform on the cap within the cone about the old one and accepts it with
/// probability `min(1, e^{−βΔE})`; holds `1 − cos(cone)`.
struct Metropolis<const BLOCH: bool, const ANISO: bool>(f32);

impl<const BLOCH: bool, const ANISO: bool> Kernel for Metropolis<BLOCH, ANISO> {
    #[inline(always)]
    fn lanes(
        &self,
        cp: &Couplings,
        beta: f32,
        nb: &Neighbours,
        s: [&mut F; 3],
        rng: &mut LaneRng,
        accepted: &mut [u32; LANES],
        valid: usize,
    ) {
        drive::<_, 1>(self, cp, beta, nb, s, rng, accepted, valid)
    }

    #[inline(always)]
    fn lane<const N: usize>(
        &self,
        cp: &Couplings,
        beta: f32,
        nb: &Neighbours,
        s: &[&F; 3],
        out: &mut [F; 3],
        rng: &mut LaneRng,
        l: usize,
    ) -> [bool; N] {
        let width = V::<N>::splat(self.0);
        let one = V::<N>::splat(1.0);
        let (u1, u2, u3): (V<N>, W<N>, V<N>) = (rng.uniform_chains(l), rng.bits_chains(l), rng.uniform_chains(l));
        let old = [V::<N>::load(s[0], l), V::<N>::load(s[1], l), V::<N>::load(s[2], l)];
        let c = u1.mul_add(-width, one);
        let sn = c.mul_add(-c, one).max(V::<N>::splat(0.0)).sqrt();
        let (cp_, sp) = lanes::cos_sin_bits(u2);
        let sign = old[2].sign_one();
        let v = lanes::about(old, sign, one.div(sign + old[2]), c, sn, cp_, sp);
        // One Newton step towards unit length, so rounding does not accumulate over accepted
        // moves: |v|² = 1 + ε becomes 1 + O(ε²). The field's dot products with the unscaled
        // proposal run beside it rather than after it.
        let r = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).mul_add(V::<N>::splat(-0.5), V::<N>::splat(1.5));
        let h = field::<BLOCH, N>(cp, nb, l);
        let dot = |a: [V<N>; 3]| a[0].mul_add(h[0], a[1].mul_add(h[1], a[2] * h[2]));
        let gain = r.mul_add(dot(v), -dot(old));
        let v = [v[0] * r, v[1] * r, v[2] * r];
        let gain = if ANISO {
            V::<N>::splat(cp.k).mul_add(v[2] * v[2] - old[2] * old[2], gain)
        } else {
            gain
        };
        // ΔE = −gain; `u < e^{−βΔE}` as `T ln u < −ΔE`, so the logarithm, which depends only on
        // the generator, is off the long chain through the proposal and the field.
        let accept = (lanes::ln(u3) * V::<N>::splat(1.0 / beta)).lt(gain);
        keep(out, l, accept, v, old);
        accept
    }
}

/// `n` consecutive packed sites of one colour from site `k0` of row `y`.
struct Segment {
    y: usize,
    k0: usize,
    n: usize,
}

/// What a packed chunk needs to know besides its segments.
struct Site<'a> {
    cp: &'a Couplings,
    beta: f32,
    w: usize,
    colour: usize,
}

/// Segments of one colour copied into one chunk, with their neighbour rows, for the kernels.
struct Packed {
    /// Rows above, below, `+x` and `−x`, per component.
    nb: [[F; 3]; 4],
    s: [F; 3],
}

impl Packed {
    /// Zero neighbours and unit spins in lanes no segment fills keep every lane finite.
    fn new() -> Self {
        Self {
            nb: [[[0.0; LANES]; 3]; 4],
            s: [[0.0; LANES], [0.0; LANES], [1.0; LANES]],
        }
    }

    /// Copies `segments` in, one after another; returns the lanes they fill.
    #[inline(always)]
    fn gather(
        &mut self,
        other: &[Vec<f32>; 3],
        mine: &[Vec<f32>; 3],
        segments: &[Segment],
        w: usize,
        colour: usize,
    ) -> usize {
        let mut lane = 0;
        for seg in segments {
            let at = (seg.y + 1) * w + seg.k0 + 1;
            let right = (seg.y + colour) & 1;
            let offsets = [at + w, at - w, at + right, at + right - 1];
            let dst = lane..lane + seg.n;
            for (pad, &o) in self.nb.iter_mut().zip(&offsets) {
                for (p, src) in pad.iter_mut().zip(other) {
                    p[dst.clone()].copy_from_slice(&src[o..o + seg.n]);
                }
            }
            for (p, src) in self.s.iter_mut().zip(mine) {
                p[dst.clone()].copy_from_slice(&src[at..at + seg.n]);
            }
            lane += seg.n;
        }
        lane
    }

    /// Runs `kernel` on `segments`, copied in and back.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn run<K: Kernel>(
        &mut self,
        kernel: &K,
        at: Site,
        other: &[Vec<f32>; 3],
        mine: &mut [Vec<f32>; 3],
        segments: &[Segment],
        rng: &mut LaneRng,
        accepted: &mut [u32; LANES],
    ) {
        let n = self.gather(other, mine, segments, at.w, at.colour);
        let [up, down, plus, minus] = &self.nb;
        let nb = Neighbours {
            up: up.each_ref(),
            down: down.each_ref(),
            plus: plus.each_ref(),
            minus: minus.each_ref(),
        };
        kernel.lanes(at.cp, at.beta, &nb, self.s.each_mut(), rng, accepted, n);
        self.scatter(mine, segments, at.w);
    }

    /// Copies the updated spins of `segments` back.
    #[inline(always)]
    fn scatter(&self, mine: &mut [Vec<f32>; 3], segments: &[Segment], w: usize) {
        let mut lane = 0;
        for seg in segments {
            let at = (seg.y + 1) * w + seg.k0 + 1;
            for (p, dst) in self.s.iter().zip(mine.iter_mut()) {
                dst[at..at + seg.n].copy_from_slice(&p[lane..lane + seg.n]);
            }
            lane += seg.n;
        }
    }
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
        Some(Self {
            lx,
            ly,
            periodic: lat.boundary() == Boundary::Periodic,
            half,
            width,
            cp: Couplings {
                j: model.j as f32,
                d: model.d as f32,
                k: model.k as f32,
                b: model.b as f32,
            },
            bloch: model.dmi == Dmi::Bloch,
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
        match (update, self.bloch, self.cp.k != 0.0) {
            (Update::HeatBath, false, false) => self.rows(colour, rng, HeatBath::<false, false>, beta),
            (Update::HeatBath, false, true) => self.rows(colour, rng, HeatBath::<false, true>, beta),
            (Update::HeatBath, true, false) => self.rows(colour, rng, HeatBath::<true, false>, beta),
            (Update::HeatBath, true, true) => self.rows(colour, rng, HeatBath::<true, true>, beta),
            (Update::Metropolis { one_minus_cos_cone: w }, false, false) => {
                self.rows(colour, rng, Metropolis::<false, false>(w), beta)
            }
            (Update::Metropolis { one_minus_cos_cone: w }, false, true) => {
                self.rows(colour, rng, Metropolis::<false, true>(w), beta)
            }
            (Update::Metropolis { one_minus_cos_cone: w }, true, false) => {
                self.rows(colour, rng, Metropolis::<true, false>(w), beta)
            }
            (Update::Metropolis { one_minus_cos_cone: w }, true, true) => {
                self.rows(colour, rng, Metropolis::<true, true>(w), beta)
            }
        }
    }

    /// Runs `kernel` over every chunk of `LANES` sites of `colour`, row by row, then mirrors the
    /// ghosts; returns the accepted updates. A short last chunk runs on padded copies.
    #[inline(always)]
    fn rows<K: Kernel>(&mut self, colour: usize, shared: &mut LaneRng, kernel: K, beta: f32) -> usize {
        // The kernels draw from a local copy and write the spins to a local buffer: then
        // nothing the vectorised lane loop writes can overlap a row it reads, and the compiler
        // drops the run-time overlap checks it otherwise makes per chunk (a sixth of a sweep).
        let mut local = shared.clone();
        let rng = &mut local;
        let mut accepted = [0u32; LANES];
        let (w, half, ly, cp) = (self.width, self.half, self.ly, self.cp);
        let [a, b] = &mut self.spins;
        let (mine, other) = if colour == 0 { (a, &*b) } else { (b, &*a) };
        let mut packed = Packed::new();
        let mut run_packed =
            |mine: &mut [Vec<f32>; 3], segments: &[Segment], rng: &mut LaneRng, acc: &mut [u32; LANES]| {
                packed.run(
                    &kernel,
                    Site {
                        cp: &cp,
                        beta,
                        w,
                        colour,
                    },
                    other,
                    mine,
                    segments,
                    rng,
                    acc,
                )
            };
        if half < LANES {
            // Short rows: several rows of the colour share a chunk. Sites of one colour never
            // interact, so which of them share a chunk changes nothing but speed.
            let per = LANES / half;
            let mut segments = Vec::with_capacity(per);
            for y0 in (0..ly).step_by(per) {
                segments.clear();
                segments.extend((y0..ly.min(y0 + per)).map(|y| Segment { y, k0: 0, n: half }));
                run_packed(mine, &segments, rng, &mut accepted);
            }
        } else {
            for y in 0..ly {
                let right = (y + colour) & 1;
                for k0 in (0..half).step_by(LANES) {
                    let n = LANES.min(half - k0);
                    if n < LANES {
                        run_packed(mine, &[Segment { y, k0, n }], rng, &mut accepted);
                        continue;
                    }
                    let at = (y + 1) * w + k0 + 1;
                    let offsets = [at + w, at - w, at + right, at + right - 1];
                    // Rows named one by one rather than by `[0, 1, 2].map(..)`, whose closure the
                    // compiler left out of line: a call per chunk cost a fifth of the sweep.
                    let row = |o: usize, c: usize| -> &F { other[c][o..o + LANES].try_into().expect("a full chunk") };
                    let three = |o: usize| [row(o, 0), row(o, 1), row(o, 2)];
                    let nb = Neighbours {
                        up: three(offsets[0]),
                        down: three(offsets[1]),
                        plus: three(offsets[2]),
                        minus: three(offsets[3]),
                    };
                    fn chunk(v: &mut [f32], at: usize) -> &mut F {
                        (&mut v[at..at + LANES]).try_into().expect("a full chunk")
                    }
                    let [m0, m1, m2] = &mut *mine;
                    let s = [chunk(m0, at), chunk(m1, at), chunk(m2, at)];
                    kernel.lanes(&cp, beta, &nb, s, rng, &mut accepted, LANES);
                }
            }
        }
        *shared = local;
        self.refresh_ghosts(colour);
        accepted.iter().sum::<u32>() as usize
    }

    /// The local field the kernels compute for packed site `k` of `colour` in row `y`.
    #[cfg(test)]
    fn field_at(&self, colour: usize, y: usize, k: usize) -> [f32; 3] {
        let at = self.at(y, k);
        let right = (y + colour) & 1;
        let offsets = [at + self.width, at - self.width, at + right, at + right - 1];
        let o = &self.spins[1 - colour];
        let one = |off: usize| [0, 1, 2].map(|c| [o[c][off]; LANES]);
        let (up, down, plus, minus) = (one(offsets[0]), one(offsets[1]), one(offsets[2]), one(offsets[3]));
        let nb = Neighbours {
            up: up.each_ref(),
            down: down.each_ref(),
            plus: plus.each_ref(),
            minus: minus.each_ref(),
        };
        let h = if self.bloch {
            field::<true, 1>(&self.cp, &nb, 0)
        } else {
            field::<false, 1>(&self.cp, &nb, 0)
        };
        h.map(|c| c.0[0])
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
                // The field the kernel sees, for every site.
                for colour in 0..2 {
                    for y in 0..cb.ly {
                        for k in 0..cb.half {
                            let x = 2 * k + ((y + colour) & 1);
                            let h = cb.field_at(colour, y, k);
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
        // Every kernel (Néel and Bloch, with and without anisotropy), rows packed several to a
        // chunk (40 wide), and full chunks with a short tail (140 wide), on both boundaries.
        for (l, boundary) in [(40, Boundary::Periodic), (140, Boundary::Open)] {
            for dmi in [Dmi::Neel, Dmi::Bloch] {
                for k in [0.0, 0.1] {
                    let m = model(l, boundary, dmi, k, 0.05);
                    let mut rng = stream(4, tag("bits"), 0);
                    let s: Vec<Spin> = (0..l * (l + 2)).map(|_| random_spin(&mut rng)).collect();
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
                    assert_ne!(reference, s, "the sweeps moved no spin");
                    for isa in Isa::available() {
                        assert_eq!(run(isa), reference, "{isa:?} {l} {boundary} {dmi:?} K = {k}");
                    }
                }
            }
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
        // Both DMI forms, one with anisotropy and one without: four of the eight kernels here,
        // the other four are the same arithmetic (checked bit for bit across instruction sets).
        for (dmi, k) in [(Dmi::Neel, 0.1), (Dmi::Bloch, 0.0)] {
            let m = Heisenberg::new(Lattice::new(6, 6, Boundary::Periodic).unwrap(), 1.0, 0.3, dmi, k, 0.2).unwrap();
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
                assert!(
                    z < 4.0,
                    "{dmi:?} metropolis = {metropolis}: {fast:?} vs scalar {reference:?}"
                );
                assert!(fast.err < 0.005, "{fast:?}");
            }
        }
    }
}
