//! The periodic 3×3 convolution on plain `f32` slices in NCHW order, computed directly.
//!
//! Each sample's input is copied once into a wrapped, padded layout: every channel plane gets a
//! copy of its opposite edge on all four sides, so it is `(h + 2) × (w + 2)`. On that layout an
//! output at `q = i (w + 2) + j` reads tap `(ky, kx)` at `q + ky (w + 2) + kx`: one offset per
//! tap for the whole plane. The outputs are computed on this `h × (w + 2)` grid (the two extra
//! columns per row are discarded) in runs of vector-length positions, a block of output channels
//! at a time, so that every loaded input vector feeds several accumulators held in registers. The
//! weight gradient runs the other way round: per (output, input) channel pair, nine vector
//! accumulators over the grid, then one fixed-order sum each.
//!
//! The earlier form (a wrap-around im2col and one GEMM per sample) spent most of its time
//! packing operands for GEMMs with 3 to 32 rows.
//!
//! Samples are spread over rayon's pool, each with its own scratch; the weight gradient is summed
//! from per-sample partials in sample order, so the numbers do not depend on the thread count.
//! They do depend on the instruction set ([`Isa`]): the vector paths fuse multiply and add.

use lso_physics::isa::Isa;
use rayon::prelude::*;

/// Sizes of an NCHW activation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dims {
    pub batch: usize,
    pub channels: usize,
    pub height: usize,
    pub width: usize,
}

impl Dims {
    pub fn plane(&self) -> usize {
        self.height * self.width
    }

    pub fn sample(&self) -> usize {
        self.channels * self.plane()
    }

    pub fn elements(&self) -> usize {
        self.batch * self.sample()
    }

    /// Chunked loops below need every size positive; the networks never build an empty layer.
    fn assert_non_empty(&self, c_out: usize) {
        assert!(
            self.elements() > 0 && c_out > 0,
            "empty periodic convolution: {self:?} to {c_out} channels"
        );
    }
}

/// The padded layout of one sample's planes and the output grid on it.
#[derive(Clone, Copy, Debug)]
struct Grid {
    h: usize,
    w: usize,
    /// Row length of a padded plane, `w + 2`.
    row: usize,
    /// Output grid positions: `h · row`, rounded up to whole [`BLOCK`]s.
    outputs: usize,
    /// Length of a padded plane with slack, so that a run of outputs at the grid's end still
    /// reads inside it at every tap.
    plane: usize,
    /// Offset of tap `(ky, kx)` (index `3 ky + kx`) from an output's position: `ky · row + kx`.
    taps: [usize; 9],
}

/// Every path's run of outputs divides this (16 lanes × 4 runs on AVX-512).
const BLOCK: usize = 64;

impl Grid {
    fn new(d: Dims) -> Self {
        let row = d.width + 2;
        let outputs = (d.height * row).div_ceil(BLOCK) * BLOCK;
        Self {
            h: d.height,
            w: d.width,
            row,
            outputs,
            plane: outputs + 2 * row + 2,
            taps: std::array::from_fn(|t| (t / 3) * row + t % 3),
        }
    }

    /// Copies the `c` planes of `x` (`h × w` each) into `xp` (`c` planes of [`Self::plane`]),
    /// wrapped: padded row `r` is row `(r − 1) mod h`, padded column `s` column `(s − 1) mod w`.
    #[inline(always)]
    fn pad<S: Simd>(&self, s: S, x: &[f32], c: usize, xp: &mut [f32]) {
        let (h, w) = (self.h, self.w);
        for (src, dst) in x.chunks_exact(h * w).zip(xp.chunks_exact_mut(self.plane)).take(c) {
            for r in 0..h + 2 {
                let from = &src[((r + h - 1) % h) * w..][..w];
                let to = &mut dst[r * self.row..][..self.row];
                to[0] = from[w - 1];
                copy(s, from, &mut to[1..=w]);
                to[w + 1] = from[0];
            }
            dst[(h + 2) * self.row..].fill(0.0);
        }
    }

    /// Copies the `c` planes of `g` (`h × w`) onto the output grid, zeros in its extra columns
    /// and tail, so that they add nothing to a weight gradient.
    #[inline(always)]
    fn onto_grid<S: Simd>(&self, s: S, g: &[f32], c: usize, gq: &mut [f32]) {
        let w = self.w;
        for (src, dst) in g
            .chunks_exact(self.h * w)
            .zip(gq.chunks_exact_mut(self.outputs))
            .take(c)
        {
            for (from, to) in src.chunks_exact(w).zip(dst.chunks_mut(self.row)) {
                copy(s, from, &mut to[..w]);
                to[w..].fill(0.0);
            }
            dst[self.h * self.row..].fill(0.0);
        }
    }

    /// The inverse of [`Self::onto_grid`]: drops the extra columns and the tail.
    #[inline(always)]
    fn off_grid<S: Simd>(&self, s: S, yq: &[f32], c: usize, y: &mut [f32]) {
        let w = self.w;
        for (src, dst) in yq
            .chunks_exact(self.outputs)
            .zip(y.chunks_exact_mut(self.h * w))
            .take(c)
        {
            for (from, to) in src.chunks(self.row).zip(dst.chunks_exact_mut(w)) {
                copy(s, &from[..w], to);
            }
        }
    }
}

/// The vector operations the kernels need, on one instruction set. A value of an implementing
/// type is proof that the CPU runs that set: only [`with_simd`] makes them, for a set checked.
trait Simd: Copy {
    type V: Copy;
    const LANES: usize;
    fn zero(self) -> Self::V;
    fn splat(self, a: f32) -> Self::V;
    /// `LANES` values of `s` from `at`.
    fn load(self, s: &[f32], at: usize) -> Self::V;
    fn store(self, s: &mut [f32], at: usize, v: Self::V);
    /// `a · b + c`, lane by lane.
    fn mul_add(self, a: Self::V, b: Self::V, c: Self::V) -> Self::V;
    /// The lanes' sum, first to last.
    fn sum(self, v: Self::V) -> f32;
}

/// Plain Rust, eight lanes: every CPU.
#[derive(Clone, Copy)]
struct Portable;

impl Simd for Portable {
    type V = [f32; 8];
    const LANES: usize = 8;
    #[inline(always)]
    fn zero(self) -> [f32; 8] {
        [0.0; 8]
    }
    #[inline(always)]
    fn splat(self, a: f32) -> [f32; 8] {
        [a; 8]
    }
    #[inline(always)]
    fn load(self, s: &[f32], at: usize) -> [f32; 8] {
        s[at..at + 8].try_into().expect("8 values")
    }
    #[inline(always)]
    fn store(self, s: &mut [f32], at: usize, v: [f32; 8]) {
        s[at..at + 8].copy_from_slice(&v);
    }
    #[inline(always)]
    fn mul_add(self, a: [f32; 8], b: [f32; 8], c: [f32; 8]) -> [f32; 8] {
        // Unfused: `f32::mul_add` is a libm call where the target has no FMA.
        std::array::from_fn(|l| a[l] * b[l] + c[l])
    }
    #[inline(always)]
    fn sum(self, v: [f32; 8]) -> f32 {
        v.iter().sum()
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::Simd;
    use std::arch::x86_64::*;

    /// AVX2 + FMA, eight lanes.
    #[derive(Clone, Copy)]
    pub struct Avx2(());

    /// AVX-512F, sixteen lanes.
    #[derive(Clone, Copy)]
    pub struct Avx512(());

    impl Avx2 {
        /// # Safety
        /// The CPU must support AVX2 and FMA.
        pub unsafe fn new() -> Self {
            Self(())
        }
    }

    impl Avx512 {
        /// # Safety
        /// The CPU must support AVX-512F.
        pub unsafe fn new() -> Self {
            Self(())
        }
    }

    // SAFETY (every `unsafe` block below): a value of the type exists only where the CPU
    // supports its instruction set, and every load and store is bounds-checked first.
    impl Simd for Avx2 {
        type V = __m256;
        const LANES: usize = 8;
        #[inline(always)]
        fn zero(self) -> __m256 {
            unsafe { _mm256_setzero_ps() }
        }
        #[inline(always)]
        fn splat(self, a: f32) -> __m256 {
            unsafe { _mm256_set1_ps(a) }
        }
        #[inline(always)]
        fn load(self, s: &[f32], at: usize) -> __m256 {
            let s = &s[at..at + 8];
            unsafe { _mm256_loadu_ps(s.as_ptr()) }
        }
        #[inline(always)]
        fn store(self, s: &mut [f32], at: usize, v: __m256) {
            let s = &mut s[at..at + 8];
            unsafe { _mm256_storeu_ps(s.as_mut_ptr(), v) }
        }
        #[inline(always)]
        fn mul_add(self, a: __m256, b: __m256, c: __m256) -> __m256 {
            unsafe { _mm256_fmadd_ps(a, b, c) }
        }
        #[inline(always)]
        fn sum(self, v: __m256) -> f32 {
            let mut a = [0.0f32; 8];
            self.store(&mut a, 0, v);
            a.iter().sum()
        }
    }

    impl Simd for Avx512 {
        type V = __m512;
        const LANES: usize = 16;
        #[inline(always)]
        fn zero(self) -> __m512 {
            unsafe { _mm512_setzero_ps() }
        }
        #[inline(always)]
        fn splat(self, a: f32) -> __m512 {
            unsafe { _mm512_set1_ps(a) }
        }
        #[inline(always)]
        fn load(self, s: &[f32], at: usize) -> __m512 {
            let s = &s[at..at + 16];
            unsafe { _mm512_loadu_ps(s.as_ptr()) }
        }
        #[inline(always)]
        fn store(self, s: &mut [f32], at: usize, v: __m512) {
            let s = &mut s[at..at + 16];
            unsafe { _mm512_storeu_ps(s.as_mut_ptr(), v) }
        }
        #[inline(always)]
        fn mul_add(self, a: __m512, b: __m512, c: __m512) -> __m512 {
            unsafe { _mm512_fmadd_ps(a, b, c) }
        }
        #[inline(always)]
        fn sum(self, v: __m512) -> f32 {
            let mut a = [0.0f32; 16];
            self.store(&mut a, 0, v);
            a.iter().sum()
        }
    }
}

/// `to = from` (equal lengths) by whole vectors: rows here are a few dozen values, too short
/// for a `memcpy` call to pay.
#[inline(always)]
fn copy<S: Simd>(s: S, from: &[f32], to: &mut [f32]) {
    assert_eq!(from.len(), to.len(), "copy lengths");
    let whole = from.len() / S::LANES * S::LANES;
    for at in (0..whole).step_by(S::LANES) {
        s.store(to, at, s.load(from, at));
    }
    for (t, &f) in to[whole..].iter_mut().zip(&from[whole..]) {
        *t = f;
    }
}

/// A kernel generic over the instruction set, run by [`with_simd`].
trait Kernel {
    fn run<S: Simd>(&mut self, s: S);
}

/// Runs `k` on `isa`, compiled for it.
///
/// # Safety
/// `isa` must be one [`Isa::available`] lists. The public entry points check that once per
/// call ([`check_isa`]) rather than here, once per sample, where detection would be repeated.
unsafe fn with_simd<K: Kernel>(isa: Isa, k: &mut K) {
    match isa {
        // SAFETY: the caller guarantees the CPU runs `isa`.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => unsafe { run_avx512(k) },
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => unsafe { run_avx2(k) },
        _ => k.run(Portable),
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn run_avx512<K: Kernel>(k: &mut K) {
    // SAFETY: the caller checked that the CPU runs AVX-512F.
    k.run(unsafe { x86::Avx512::new() })
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn run_avx2<K: Kernel>(k: &mut K) {
    // SAFETY: the caller checked that the CPU runs AVX2 and FMA.
    k.run(unsafe { x86::Avx2::new() })
}

/// One sample's convolution on the grid: `yq[o][q] = b[o] + Σ_c Σ_t w[o, c, t] xp[c][q + tap_t]`.
struct Conv<'a> {
    grid: &'a Grid,
    /// The sample, `c_in` planes of `h × w`.
    x: &'a [f32],
    /// Scratch for the padded input, `c_in` planes of `grid.plane`.
    xp: &'a mut [f32],
    c_in: usize,
    /// `[c_out, c_in, 3, 3]`.
    w: &'a [f32],
    b: Option<&'a [f32]>,
    c_out: usize,
    /// Scratch for the output on the grid, `c_out` planes of `grid.outputs`.
    yq: &'a mut [f32],
    /// The output, `c_out` planes of `h × w`.
    y: &'a mut [f32],
}

impl Conv<'_> {
    /// Outputs `o0 .. o0 + OB`, in runs of `JC` vectors: `OB · JC` accumulators in registers,
    /// each loaded input vector used `OB` times.
    #[inline(always)]
    fn block<S: Simd, const JC: usize, const OB: usize>(&mut self, s: S, o0: usize) {
        let g = self.grid;
        let k = self.c_in * 9;
        let w = &self.w[o0 * k..][..OB * k];
        for q0 in (0..g.outputs).step_by(S::LANES * JC) {
            let mut acc = [[s.zero(); JC]; OB];
            if let Some(b) = self.b {
                for (ob, a) in acc.iter_mut().enumerate() {
                    *a = [s.splat(b[o0 + ob]); JC];
                }
            }
            for c in 0..self.c_in {
                let plane = &self.xp[c * g.plane..][..g.plane];
                for (t, &tap) in g.taps.iter().enumerate() {
                    let wt: [S::V; OB] = std::array::from_fn(|ob| s.splat(w[ob * k + c * 9 + t]));
                    for jc in 0..JC {
                        let x = s.load(plane, q0 + tap + jc * S::LANES);
                        for ob in 0..OB {
                            acc[ob][jc] = s.mul_add(wt[ob], x, acc[ob][jc]);
                        }
                    }
                }
            }
            for (ob, a) in acc.iter().enumerate() {
                for (jc, &v) in a.iter().enumerate() {
                    s.store(self.yq, (o0 + ob) * g.outputs + q0 + jc * S::LANES, v);
                }
            }
        }
    }
}

impl Kernel for Conv<'_> {
    /// Blocks of four output channels, then the rest in one smaller block.
    #[inline(always)]
    fn run<S: Simd>(&mut self, s: S) {
        const OB: usize = 4;
        self.grid.pad(s, self.x, self.c_in, self.xp);
        let full = self.c_out / OB * OB;
        for o0 in (0..full).step_by(OB) {
            self.block::<S, 4, OB>(s, o0);
        }
        match self.c_out - full {
            0 => {}
            1 => self.block::<S, 4, 1>(s, full),
            2 => self.block::<S, 4, 2>(s, full),
            3 => self.block::<S, 4, 3>(s, full),
            r => unreachable!("{r} outputs left over from blocks of {OB}"),
        }
        self.grid.off_grid(s, self.yq, self.c_out, self.y);
    }
}

/// One sample's weight gradient: `dw[o, c, t] = Σ_q gq[o][q] xp[c][q + tap_t]`.
struct WeightGrad<'a> {
    grid: &'a Grid,
    /// The sample and scratch for it padded, as in [`Conv`].
    x: &'a [f32],
    xp: &'a mut [f32],
    c_in: usize,
    /// The output gradient, `c_out` planes of `h × w`, and scratch for it on the grid.
    g: &'a [f32],
    gq: &'a mut [f32],
    c_out: usize,
    /// `[c_out, c_in, 3, 3]`.
    dw: &'a mut [f32],
}

impl WeightGrad<'_> {
    /// Outputs `o0 .. o0 + OB` against every input channel: `9 OB` accumulators over the grid,
    /// then each summed lane by lane.
    #[inline(always)]
    fn block<S: Simd, const OB: usize>(&mut self, s: S, o0: usize) {
        let g = self.grid;
        let gq = &self.gq[o0 * g.outputs..][..OB * g.outputs];
        for c in 0..self.c_in {
            let plane = &self.xp[c * g.plane..][..g.plane];
            let mut acc = [[s.zero(); 9]; OB];
            for q0 in (0..g.outputs).step_by(S::LANES) {
                let gv: [S::V; OB] = std::array::from_fn(|ob| s.load(gq, ob * g.outputs + q0));
                for (t, &tap) in g.taps.iter().enumerate() {
                    let x = s.load(plane, q0 + tap);
                    for ob in 0..OB {
                        acc[ob][t] = s.mul_add(gv[ob], x, acc[ob][t]);
                    }
                }
            }
            for (ob, a) in acc.iter().enumerate() {
                for (t, &v) in a.iter().enumerate() {
                    self.dw[((o0 + ob) * self.c_in + c) * 9 + t] = s.sum(v);
                }
            }
        }
    }
}

impl Kernel for WeightGrad<'_> {
    /// Pairs of output channels (18 accumulators), then a last single one.
    #[inline(always)]
    fn run<S: Simd>(&mut self, s: S) {
        self.grid.pad(s, self.x, self.c_in, self.xp);
        self.grid.onto_grid(s, self.g, self.c_out, self.gq);
        let full = self.c_out / 2 * 2;
        for o0 in (0..full).step_by(2) {
            self.block::<S, 2>(s, o0);
        }
        if full < self.c_out {
            self.block::<S, 1>(s, full);
        }
    }
}

/// The best instruction set this CPU runs.
fn best() -> Isa {
    *Isa::available().last().expect("portable is always available")
}

fn check_isa(isa: Isa) {
    assert!(Isa::available().contains(&isa), "{isa:?} is not available on this CPU");
}

/// `y = periodic_conv3x3(x, w) + b` for `x` of `dims`, `w` as `[c_out, c_in, 3, 3]`, `b` of
/// `c_out` (or `None`); returns `y` as `[batch, c_out, h, w]`.
pub fn forward(x: &[f32], dims: Dims, w: &[f32], b: Option<&[f32]>, c_out: usize) -> Vec<f32> {
    forward_with(best(), x, dims, w, b, c_out)
}

/// [`forward`] on a given instruction set, one of [`Isa::available`].
pub fn forward_with(isa: Isa, x: &[f32], dims: Dims, w: &[f32], b: Option<&[f32]>, c_out: usize) -> Vec<f32> {
    check_isa(isa);
    let c_in = dims.channels;
    assert_eq!(x.len(), dims.elements(), "input length");
    assert_eq!(w.len(), c_out * c_in * 9, "weight length");
    assert!(b.is_none_or(|b| b.len() == c_out), "bias length");
    dims.assert_non_empty(c_out);
    let grid = Grid::new(dims);
    let n = dims.plane();
    let mut y = vec![0.0f32; dims.batch * c_out * n];
    y.par_chunks_mut(c_out * n)
        .zip(x.par_chunks(dims.sample()))
        .for_each_init(
            || (vec![0.0f32; c_in * grid.plane], vec![0.0f32; c_out * grid.outputs]),
            |(xp, yq), (ys, xs)| {
                let mut conv = Conv {
                    grid: &grid,
                    x: xs,
                    xp,
                    c_in,
                    w,
                    b,
                    c_out,
                    yq,
                    y: ys,
                };
                // SAFETY: `isa` passed `check_isa` above.
                unsafe { with_simd(isa, &mut conv) };
            },
        );
    y
}

/// The input gradient: the periodic convolution of `g` (`[batch, c_out, h, w]`) with the
/// weights flipped in space and transposed in channels.
pub fn input_grad(g: &[f32], dims: Dims, w: &[f32], c_out: usize) -> Vec<f32> {
    input_grad_with(best(), g, dims, w, c_out)
}

/// [`input_grad`] on a given instruction set.
pub fn input_grad_with(isa: Isa, g: &[f32], dims: Dims, w: &[f32], c_out: usize) -> Vec<f32> {
    let c_in = dims.channels;
    assert_eq!(w.len(), c_out * c_in * 9, "weight length");
    let mut flipped = vec![0.0f32; w.len()];
    for o in 0..c_out {
        for c in 0..c_in {
            for t in 0..9 {
                flipped[(c * c_out + o) * 9 + (8 - t)] = w[(o * c_in + c) * 9 + t];
            }
        }
    }
    let gdims = Dims {
        channels: c_out,
        ..dims
    };
    forward_with(isa, g, gdims, &flipped, None, c_in)
}

/// The weight and bias gradients, `(dW [c_out, c_in, 3, 3], db [c_out])`, for input `x` of `dims`
/// and output gradient `g`.
pub fn param_grads(x: &[f32], dims: Dims, g: &[f32], c_out: usize) -> (Vec<f32>, Vec<f32>) {
    param_grads_with(best(), x, dims, g, c_out)
}

/// [`param_grads`] on a given instruction set.
pub fn param_grads_with(isa: Isa, x: &[f32], dims: Dims, g: &[f32], c_out: usize) -> (Vec<f32>, Vec<f32>) {
    check_isa(isa);
    let (n, c_in) = (dims.plane(), dims.channels);
    let k = c_in * 9;
    assert_eq!(x.len(), dims.elements(), "input length");
    assert_eq!(g.len(), dims.batch * c_out * n, "gradient length");
    dims.assert_non_empty(c_out);
    let grid = Grid::new(dims);
    let mut partial = vec![0.0f32; dims.batch * c_out * k];
    partial
        .par_chunks_mut(c_out * k)
        .zip(x.par_chunks(dims.sample()).zip(g.par_chunks(c_out * n)))
        .for_each_init(
            || (vec![0.0f32; c_in * grid.plane], vec![0.0f32; c_out * grid.outputs]),
            |(xp, gq), (dw, (xs, gs))| {
                let mut wg = WeightGrad {
                    grid: &grid,
                    x: xs,
                    xp,
                    c_in,
                    g: gs,
                    gq,
                    c_out,
                    dw,
                };
                // SAFETY: `isa` passed `check_isa` above.
                unsafe { with_simd(isa, &mut wg) };
            },
        );
    let mut dw = vec![0.0f32; c_out * k];
    for p in partial.chunks(c_out * k) {
        for (a, b) in dw.iter_mut().zip(p) {
            *a += b;
        }
    }
    let mut db = vec![0.0f32; c_out];
    for gs in g.chunks(c_out * n) {
        for (d, row) in db.iter_mut().zip(gs.chunks(n)) {
            *d += row.iter().sum::<f32>();
        }
    }
    (dw, db)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    fn random(len: usize, seed: u64) -> Vec<f32> {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        (0..len).map(|_| rng.random_range(-1.0..1.0)).collect()
    }

    /// The definition, summed in f64: y[s,o,i,j] = b[o] + Σ w[o,c,ky,kx] x[s,c,i+ky−1,j+kx−1].
    fn naive(x: &[f32], d: Dims, w: &[f32], b: &[f32], c_out: usize) -> Vec<f64> {
        let (h, wd) = (d.height, d.width);
        let mut y = vec![0.0f64; d.batch * c_out * h * wd];
        for s in 0..d.batch {
            for o in 0..c_out {
                for i in 0..h {
                    for j in 0..wd {
                        let mut acc = b[o] as f64;
                        for c in 0..d.channels {
                            for ky in 0..3 {
                                for kx in 0..3 {
                                    let (si, sj) = ((i + h + ky - 1) % h, (j + wd + kx - 1) % wd);
                                    acc += w[((o * d.channels + c) * 3 + ky) * 3 + kx] as f64
                                        * x[((s * d.channels + c) * h + si) * wd + sj] as f64;
                                }
                            }
                        }
                        y[((s * c_out + o) * h + i) * wd + j] = acc;
                    }
                }
            }
        }
        y
    }

    fn shapes() -> Vec<(Dims, usize)> {
        let d = |batch, channels, height, width| Dims {
            batch,
            channels,
            height,
            width,
        };
        // Includes sides 1 and 2, where the wrap folds neighbours onto each other; rows that
        // are not whole vectors; planes over several blocks of outputs; output channels left
        // over from every block size.
        vec![
            (d(2, 5, 20, 17), 7),
            (d(1, 3, 9, 33), 6),
            (d(2, 3, 5, 7), 4),
            (d(3, 16, 8, 8), 32),
            (d(1, 2, 1, 4), 3),
            (d(2, 1, 2, 2), 2),
            (d(1, 4, 6, 1), 5),
        ]
    }

    /// Every instruction set this CPU runs (the portable path always among them).
    #[test]
    fn forward_matches_the_definition() {
        for isa in Isa::available() {
            for (k, (d, c_out)) in shapes().into_iter().enumerate() {
                let x = random(d.elements(), 10 + k as u64);
                let w = random(c_out * d.channels * 9, 20 + k as u64);
                let b = random(c_out, 30 + k as u64);
                let got = forward_with(isa, &x, d, &w, Some(&b), c_out);
                let want = naive(&x, d, &w, &b, c_out);
                for (i, (g, e)) in got.iter().zip(&want).enumerate() {
                    assert!(
                        (*g as f64 - e).abs() < 1e-5 * (1.0 + e.abs()),
                        "{isa:?} {d:?} at {i}: {g} vs {e}"
                    );
                }
            }
        }
    }

    /// The gradients of L = Σ g·y against central differences of the definition (linear in
    /// every argument, so the difference quotient is exact up to rounding).
    #[test]
    fn gradients_match_finite_differences() {
        for isa in Isa::available() {
            gradients_match_finite_differences_on(isa);
        }
    }

    fn gradients_match_finite_differences_on(isa: Isa) {
        for (k, (d, c_out)) in shapes().into_iter().enumerate() {
            let x = random(d.elements(), 40 + k as u64);
            let w = random(c_out * d.channels * 9, 50 + k as u64);
            let b = random(c_out, 60 + k as u64);
            let g = random(d.batch * c_out * d.plane(), 70 + k as u64);
            let loss = |x: &[f32], w: &[f32], b: &[f32]| -> f64 {
                naive(x, d, w, b, c_out)
                    .iter()
                    .zip(&g)
                    .map(|(y, g)| y * *g as f64)
                    .sum()
            };
            let gx = input_grad_with(isa, &g, d, &w, c_out);
            let (gw, gb) = param_grads_with(isa, &x, d, &g, c_out);
            let h = 0.5f32;
            let check = |got: f32, plus: f64, minus: f64, what: &str| {
                let want = (plus - minus) / (2.0 * h as f64);
                assert!(
                    (got as f64 - want).abs() < 1e-4 * (1.0 + want.abs()),
                    "{isa:?} {d:?} {what}: {got} vs {want}"
                );
            };
            for i in (0..x.len()).step_by(7) {
                let (mut p, mut m) = (x.clone(), x.clone());
                p[i] += h;
                m[i] -= h;
                check(gx[i], loss(&p, &w, &b), loss(&m, &w, &b), "dx");
            }
            for i in (0..w.len()).step_by(5) {
                let (mut p, mut m) = (w.clone(), w.clone());
                p[i] += h;
                m[i] -= h;
                check(gw[i], loss(&x, &p, &b), loss(&x, &m, &b), "dw");
            }
            for i in 0..b.len() {
                let (mut p, mut m) = (b.clone(), b.clone());
                p[i] += h;
                m[i] -= h;
                check(gb[i], loss(&x, &w, &p), loss(&x, &w, &m), "db");
            }
        }
    }

    #[test]
    fn results_do_not_depend_on_the_thread_count() {
        let (d, c_out) = (
            Dims {
                batch: 7,
                channels: 5,
                height: 6,
                width: 10,
            },
            6,
        );
        let x = random(d.elements(), 1);
        let w = random(c_out * 45, 2);
        let g = random(d.batch * c_out * d.plane(), 3);
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| {
                (
                    forward(&x, d, &w, Some(&w[..c_out]), c_out),
                    input_grad(&g, d, &w, c_out),
                    param_grads(&x, d, &g, c_out),
                )
            })
        };
        let one = run(1);
        let three = run(3);
        assert!(one.0.iter().zip(&three.0).all(|(a, b)| a.to_bits() == b.to_bits()));
        assert!(one.1.iter().zip(&three.1).all(|(a, b)| a.to_bits() == b.to_bits()));
        assert!(one
            .2
             .0
            .iter()
            .zip(&three.2 .0)
            .all(|(a, b)| a.to_bits() == b.to_bits()));
        assert_eq!(one.2 .1, three.2 .1);
    }
}
