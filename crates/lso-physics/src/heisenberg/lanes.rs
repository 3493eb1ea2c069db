//! Branch-free `f32` arithmetic on fixed-width lanes, for the checkerboard kernels.
//!
//! The kernels run a loop over [`LANES`] independent sites with every function here inlined;
//! nothing in that loop branches per lane, so the compiler turns it into vector instructions.
//! The functions are generic over [`Real`]: on [`V`] each step is applied to several chains side
//! by side, so the vectorised loop interleaves independent dependency chains, which is what the
//! long heat-bath and Metropolis chains need to keep the vector units busy.
//! Every operation is a correctly rounded IEEE add, multiply, fused multiply-add, divide or square
//! root, a compare-and-select or integer bit work, so the numbers do not depend on the vector width
//! or the instructions the CPU offers: the AVX-512, AVX2 and portable builds of a sweep give
//! bit-identical spins. (Where the CPU has no FMA unit, `mul_add` is a correctly rounded library
//! call: slower, still identical.)

use std::ops::{Add, Mul, Neg, Sub};

use rand::Rng;

/// Sites processed together: four AVX-512 registers of `f32`.
pub const LANES: usize = 64;

pub type F = [f32; LANES];

/// Adding then subtracting `1.5·2²³` rounds an `f32` of magnitude below `2²²` to the nearest
/// integer, and leaves that integer in the low mantissa bits.
const ROUND: f32 = 12_582_912.0;

/// What the functions here compute with: one `f32` (the scalar form, for callers outside a
/// lane loop) or [`V`], several independent values side by side.
pub trait Real: Copy + Add<Output = Self> + Sub<Output = Self> + Mul<Output = Self> + Neg<Output = Self> {
    /// The matching `u32` bit patterns.
    type Bits: Word;
    /// The matching per-value booleans.
    type Mask: Copy;
    fn splat(x: f32) -> Self;
    fn mul_add(self, a: Self, b: Self) -> Self;
    fn sqrt(self) -> Self;
    fn div(self, d: Self) -> Self;
    fn max(self, o: Self) -> Self;
    fn min(self, o: Self) -> Self;
    /// `1` with the sign of `self`.
    fn sign_one(self) -> Self;
    fn lt(self, o: Self) -> Self::Mask;
    fn select(m: Self::Mask, a: Self, b: Self) -> Self;
    fn to_bits(self) -> Self::Bits;
    fn from_bits(b: Self::Bits) -> Self;
    /// `b as i32 as f32`.
    fn from_int(b: Self::Bits) -> Self;
    /// Whether `b & bits` is non-zero.
    fn any_bits(b: Self::Bits, bits: u32) -> Self::Mask;
}

/// Wrapping `u32` arithmetic and bit work, per value.
pub trait Word: Copy {
    fn splat(x: u32) -> Self;
    fn add(self, o: Self) -> Self;
    fn and(self, o: Self) -> Self;
    fn or(self, o: Self) -> Self;
    fn shl(self, n: u32) -> Self;
    fn shr(self, n: u32) -> Self;
}

impl Word for u32 {
    #[inline(always)]
    fn splat(x: u32) -> Self {
        x
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        self.wrapping_add(o)
    }
    #[inline(always)]
    fn and(self, o: Self) -> Self {
        self & o
    }
    #[inline(always)]
    fn or(self, o: Self) -> Self {
        self | o
    }
    #[inline(always)]
    fn shl(self, n: u32) -> Self {
        self << n
    }
    #[inline(always)]
    fn shr(self, n: u32) -> Self {
        self >> n
    }
}

impl Real for f32 {
    type Bits = u32;
    type Mask = bool;
    #[inline(always)]
    fn splat(x: f32) -> Self {
        x
    }
    #[inline(always)]
    fn mul_add(self, a: Self, b: Self) -> Self {
        f32::mul_add(self, a, b)
    }
    #[inline(always)]
    fn sqrt(self) -> Self {
        f32::sqrt(self)
    }
    #[inline(always)]
    fn div(self, d: Self) -> Self {
        self / d
    }
    #[inline(always)]
    fn max(self, o: Self) -> Self {
        f32::max(self, o)
    }
    #[inline(always)]
    fn min(self, o: Self) -> Self {
        f32::min(self, o)
    }
    #[inline(always)]
    fn sign_one(self) -> Self {
        1f32.copysign(self)
    }
    #[inline(always)]
    fn lt(self, o: Self) -> bool {
        self < o
    }
    #[inline(always)]
    fn select(m: bool, a: Self, b: Self) -> Self {
        if m {
            a
        } else {
            b
        }
    }
    #[inline(always)]
    fn to_bits(self) -> u32 {
        f32::to_bits(self)
    }
    #[inline(always)]
    fn from_bits(b: u32) -> Self {
        f32::from_bits(b)
    }
    #[inline(always)]
    fn from_int(b: u32) -> Self {
        b as i32 as f32
    }
    #[inline(always)]
    fn any_bits(b: u32, bits: u32) -> bool {
        b & bits != 0
    }
}

/// `N` independent `f32` values. A kernel that computes with `V<N>` interleaves `N` dependency
/// chains instruction by instruction; once its lane loop is vectorised, each chain is a vector
/// register, so the long, serial heat-bath and Metropolis chains overlap in the out-of-order
/// window instead of waiting on each other's divides and square roots.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct V<const N: usize>(pub [f32; N]);

/// `N` `u32` words beside a [`V`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct W<const N: usize>(pub [u32; N]);

/// A plain loop, not `array::from_fn`: a closure the compiler leaves out of line would not get
/// the caller's `target_feature`s, and its `mul_add` would become a library call.
macro_rules! each {
    ($ty:ident, |$k:ident| $e:expr) => {{
        let mut out = $ty([Default::default(); N]);
        for $k in 0..N {
            out.0[$k] = $e;
        }
        out
    }};
}

macro_rules! binop {
    ($tr:ident, $f:ident, $op:tt) => {
        impl<const N: usize> $tr for V<N> {
            type Output = Self;
            #[inline(always)]
            fn $f(self, o: Self) -> Self {
                each!(V, |k| self.0[k] $op o.0[k])
            }
        }
    };
}
binop!(Add, add, +);
binop!(Sub, sub, -);
binop!(Mul, mul, *);

impl<const N: usize> Neg for V<N> {
    type Output = Self;
    #[inline(always)]
    fn neg(self) -> Self {
        each!(V, |k| -self.0[k])
    }
}

impl<const N: usize> Word for W<N> {
    #[inline(always)]
    fn splat(x: u32) -> Self {
        W([x; N])
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        each!(W, |k| self.0[k].wrapping_add(o.0[k]))
    }
    #[inline(always)]
    fn and(self, o: Self) -> Self {
        each!(W, |k| self.0[k] & o.0[k])
    }
    #[inline(always)]
    fn or(self, o: Self) -> Self {
        each!(W, |k| self.0[k] | o.0[k])
    }
    #[inline(always)]
    fn shl(self, n: u32) -> Self {
        each!(W, |k| self.0[k] << n)
    }
    #[inline(always)]
    fn shr(self, n: u32) -> Self {
        each!(W, |k| self.0[k] >> n)
    }
}

impl<const N: usize> Real for V<N> {
    type Bits = W<N>;
    type Mask = [bool; N];
    #[inline(always)]
    fn splat(x: f32) -> Self {
        V([x; N])
    }
    #[inline(always)]
    fn mul_add(self, a: Self, b: Self) -> Self {
        each!(V, |k| self.0[k].mul_add(a.0[k], b.0[k]))
    }
    #[inline(always)]
    fn sqrt(self) -> Self {
        each!(V, |k| self.0[k].sqrt())
    }
    #[inline(always)]
    fn div(self, d: Self) -> Self {
        each!(V, |k| self.0[k] / d.0[k])
    }
    #[inline(always)]
    fn max(self, o: Self) -> Self {
        each!(V, |k| self.0[k].max(o.0[k]))
    }
    #[inline(always)]
    fn min(self, o: Self) -> Self {
        each!(V, |k| self.0[k].min(o.0[k]))
    }
    #[inline(always)]
    fn sign_one(self) -> Self {
        each!(V, |k| 1f32.copysign(self.0[k]))
    }
    #[inline(always)]
    fn lt(self, o: Self) -> [bool; N] {
        let mut m = [false; N];
        for (k, m) in m.iter_mut().enumerate() {
            *m = self.0[k] < o.0[k];
        }
        m
    }
    #[inline(always)]
    fn select(m: [bool; N], a: Self, b: Self) -> Self {
        each!(V, |k| if m[k] { a.0[k] } else { b.0[k] })
    }
    #[inline(always)]
    fn to_bits(self) -> W<N> {
        each!(W, |k| self.0[k].to_bits())
    }
    #[inline(always)]
    fn from_bits(b: W<N>) -> Self {
        each!(V, |k| f32::from_bits(b.0[k]))
    }
    #[inline(always)]
    fn from_int(b: W<N>) -> Self {
        each!(V, |k| b.0[k] as i32 as f32)
    }
    #[inline(always)]
    fn any_bits(b: W<N>, bits: u32) -> [bool; N] {
        let mut m = [false; N];
        for (m, b) in m.iter_mut().zip(b.0) {
            *m = b & bits != 0;
        }
        m
    }
}

impl<const N: usize> V<N> {
    /// Chain `k` reads lane `l + k·LANES/N` of `row`.
    #[inline(always)]
    pub fn load(row: &F, l: usize) -> Self {
        each!(V, |k| row[l + k * (LANES / N)])
    }

    #[inline(always)]
    pub fn store(self, row: &mut F, l: usize) {
        for k in 0..N {
            row[l + k * (LANES / N)] = self.0[k];
        }
    }
}

/// Independent xoshiro128++ generators, one per lane.
#[derive(Clone, Debug)]
pub struct LaneRng {
    s: [[u32; LANES]; 4],
}

impl LaneRng {
    /// Seeds every lane from `rng`; the lanes are then independent of it.
    pub fn from_rng<R: Rng + ?Sized>(rng: &mut R) -> Self {
        let mut s = [[0u32; LANES]; 4];
        for l in 0..LANES {
            loop {
                for w in &mut s {
                    w[l] = rng.next_u32();
                }
                // The all-zero state is the generator's one fixed point.
                if s.iter().any(|w| w[l] != 0) {
                    break;
                }
            }
        }
        Self { s }
    }

    /// Lane `l`'s next 32 bits.
    #[inline(always)]
    fn step(&mut self, l: usize) -> u32 {
        let [s0, s1, s2, s3] = &mut self.s;
        let out = s0[l].wrapping_add(s3[l]).rotate_left(7).wrapping_add(s0[l]);
        let t = s1[l] << 9;
        s2[l] ^= s0[l];
        s3[l] ^= s1[l];
        s1[l] ^= s2[l];
        s0[l] ^= s3[l];
        s2[l] ^= t;
        s3[l] = s3[l].rotate_left(11);
        out
    }

    #[inline(always)]
    pub fn next_u32(&mut self) -> [u32; LANES] {
        let mut out = [0u32; LANES];
        for (l, o) in out.iter_mut().enumerate() {
            *o = self.step(l);
        }
        out
    }

    /// Lanes `l + k·LANES/N`'s next raw 32-bit draws.
    #[inline(always)]
    pub fn bits_chains<const N: usize>(&mut self, l: usize) -> W<N> {
        let mut w = W([0; N]);
        for k in 0..N {
            w.0[k] = self.step(l + k * (LANES / N));
        }
        w
    }

    /// Lanes `l + k·LANES/N`'s next uniforms, as [`Self::uniform_at`] would give them.
    #[inline(always)]
    pub fn uniform_chains<const N: usize>(&mut self, l: usize) -> V<N> {
        let mut u = V([0.0; N]);
        for k in 0..N {
            u.0[k] = unit::<f32>(self.step(l + k * (LANES / N)));
        }
        u
    }

    /// Lane `l`'s next uniform on `[0, 1)`: the value [`Self::uniform`] would give in that lane.
    /// Kernels draw inside their lane loop with this, so the generator's integer work
    /// interleaves with their floating-point chains and no array of draws goes through memory.
    #[inline(always)]
    pub fn uniform_at(&mut self, l: usize) -> f32 {
        unit::<f32>(self.step(l))
    }

    /// Uniform on `[0, 1)` with 24 random bits.
    #[inline(always)]
    pub fn uniform(&mut self) -> F {
        let x = self.next_u32();
        let mut u = [0f32; LANES];
        for (u, &x) in u.iter_mut().zip(&x) {
            *u = unit::<f32>(x);
        }
        u
    }
}

/// The top 24 bits as a float in `[0, 1)`. Below 2²⁴, so the signed conversion is exact and
/// vectorises.
#[inline(always)]
fn unit<T: Real>(x: T::Bits) -> T {
    T::from_int(x.shr(8)) * T::splat(1.0 / 16_777_216.0)
}

/// `Σ c_k x^(K−1−k)`, highest power first, by Estrin's scheme: neighbouring coefficients are
/// paired by fused multiply-adds with `x`, the pairs with `x²`, then `x⁴`, so the dependency
/// chain is about `log₂ K` steps instead of Horner's `K`; chain length is what bounds the sweeps.
/// Written out per length, since a loop the compiler cannot fully unroll stops vectorisation.
#[inline(always)]
fn poly<T: Real, const K: usize>(x: T, c: [f32; K]) -> T {
    let a = |i: usize| T::splat(c[K - 1 - i]);
    let pair = |i: usize| a(i + 1).mul_add(x, a(i));
    let x2 = x * x;
    let x4 = x2 * x2;
    match K {
        5 => a(4).mul_add(x4, pair(2).mul_add(x2, pair(0))),
        7 => a(6).mul_add(x2, pair(4)).mul_add(x4, pair(2).mul_add(x2, pair(0))),
        8 => pair(6).mul_add(x2, pair(4)).mul_add(x4, pair(2).mul_add(x2, pair(0))),
        9 => {
            let low = pair(6).mul_add(x2, pair(4)).mul_add(x4, pair(2).mul_add(x2, pair(0)));
            a(8).mul_add(x4 * x4, low)
        }
        _ => c[1..].iter().fold(T::splat(c[0]), |p, &c| p.mul_add(x, T::splat(c))),
    }
}

/// `eˣ` for `x ≤ 0` (inputs below −87 give `e⁻⁸⁷`); relative error about 2e-7.
#[inline(always)]
pub fn exp_neg<T: Real>(x: T) -> T {
    let floor = T::splat(-87.0);
    let x = T::select(x.lt(floor), floor, x);
    let t = x.mul_add(T::splat(std::f32::consts::LOG2_E), T::splat(ROUND));
    let n = t - T::splat(ROUND);
    let r = n.mul_add(T::splat(-1.428_606_8e-6), n.mul_add(T::splat(-0.693_145_75), x));
    let p = poly(
        r,
        [
            1.0 / 5040.0,
            1.0 / 720.0,
            1.0 / 120.0,
            1.0 / 24.0,
            1.0 / 6.0,
            0.5,
            1.0,
            1.0,
        ],
    );
    // The rounded integer sits in the low mantissa bits of `t`; adding 127 − (bits of ROUND)
    // and shifting makes the exponent field of 2ⁿ.
    let k = t.to_bits().add(T::Bits::splat(127u32.wrapping_sub(ROUND.to_bits())));
    p * T::from_bits(k.shl(23))
}

/// `eˣ − 1` for `x ≤ 0`, accurate relative to the result also for small `|x|`.
#[inline(always)]
pub fn expm1_neg<T: Real>(x: T) -> T {
    let series = x * poly(
        x,
        [1.0 / 5040.0, 1.0 / 720.0, 1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0],
    );
    T::select(T::splat(-0.3).lt(x), series, exp_neg(x) - T::splat(1.0))
}

/// Natural log of a positive normal `x`; relative error about 1e-7. The polynomial is Cephes'
/// `logf` minimax fit on `[√½ − 1, √2 − 1)`, which needs no division.
#[inline(always)]
pub fn ln<T: Real>(x: T) -> T {
    let bits = x.to_bits();
    let e = T::from_int(bits.shr(23)) - T::splat(127.0);
    let m = T::from_bits(bits.and(T::Bits::splat(0x007f_ffff)).or(T::Bits::splat(0x3f80_0000)));
    let big = T::splat(std::f32::consts::SQRT_2).lt(m);
    let f = T::select(big, m * T::splat(0.5), m) - T::splat(1.0);
    let e = T::select(big, e + T::splat(1.0), e);
    let z = f * f;
    let p = poly(
        f,
        [
            7.037_683_6e-2,
            -1.151_461e-1,
            1.167_699_9e-1,
            -1.242_014_1e-1,
            1.424_932_3e-1,
            -1.666_805_8e-1,
            2.000_071_4e-1,
            -2.499_999_4e-1,
            3.333_333e-1,
        ],
    );
    let y = (p * f).mul_add(z, e.mul_add(T::splat(-2.121_944_4e-4), T::splat(-0.5) * z));
    // ln 2 split as 710/1024 (exact) plus the −2.12e-4 correction above.
    e.mul_add(T::splat(710.0 / 1024.0), f + y)
}

/// `ln(1 + y)` for `y ∈ (−1, 0]`, accurate also for small `|y|`: `w = 1 + y` is rounded, and
/// `ln(1 + y) = ln w + (y − (w − 1))/w` to first order in that rounding error; near `w = 1`,
/// where it matters, `1/w ≈ 1`, and elsewhere it is far below the result's precision.
#[inline(always)]
pub fn ln_1p_neg<T: Real>(y: T) -> T {
    let one = T::splat(1.0);
    let w = one + y;
    ln(w) + (y - (w - one))
}

/// `(cos 2πu, sin 2πu)` for `u ∈ [0, 1)`, absolute error about 1e-7.
#[inline(always)]
pub fn cos_sin_turn<T: Real>(u: T) -> (T, T) {
    let v = u * T::splat(4.0);
    let t = v + T::splat(ROUND);
    let x = (v - (t - T::splat(ROUND))) * T::splat(std::f32::consts::FRAC_PI_2);
    // The angle is q·π/2 + x, and the low bits of `t` are q's (ROUND's low bits are zero).
    let q = t.to_bits();
    quadrant(x, T::any_bits(q, 1), T::any_bits(q, 2))
}

/// `(cos φ, sin φ)` for `φ = 2πk/2²⁴`, `k` the top 24 bits of the raw draw `x`: the angle
/// [`cos_sin_turn`] gives for [`LaneRng::uniform`]'s `u = k/2²⁴`, to the same accuracy. The
/// quadrant and the reduced angle come from bit work on `x` rather than from float rounding,
/// which takes four dependent operations off the kernels' longest chain.
#[inline(always)]
pub fn cos_sin_bits<T: Real>(x: T::Bits) -> (T, T) {
    // k = 2²²q' + f with f ∈ [−2²¹, 2²¹): f is the low 22 bits of k read as signed, and is what
    // `x << 2` holds in its top 22 bits; clearing the bits below them makes the conversion
    // exact. q' is the top two bits of k + 2²¹.
    let f = T::from_int(x.shl(2).and(T::Bits::splat(0xffff_fc00)));
    let m = x.add(T::Bits::splat(1 << 29));
    let scale = std::f32::consts::TAU / (1u64 << 34) as f32;
    quadrant(f * T::splat(scale), T::any_bits(m, 1 << 30), T::any_bits(m, 1 << 31))
}

/// `(cos, sin)` of `q·π/2 + x` for `|x| ≤ π/4`, with `q`'s two bits given as masks.
#[inline(always)]
fn quadrant<T: Real>(x: T, odd: T::Mask, half: T::Mask) -> (T, T) {
    let x2 = x * x;
    let s = x * poly(x2, [1.0 / 362_880.0, -1.0 / 5040.0, 1.0 / 120.0, -1.0 / 6.0, 1.0]);
    let c = poly(x2, [1.0 / 40_320.0, -1.0 / 720.0, 1.0 / 24.0, -0.5, 1.0]);
    let (c1, s1) = (T::select(odd, -s, c), T::select(odd, c, s));
    (T::select(half, -c1, c1), T::select(half, -s1, s1))
}

/// `sinθ (cosφ e₁ + sinφ e₂) + cosθ n` for a unit `n`, with `(e₁, e₂, n)` the branch-free
/// orthonormal frame of Duff et al. (2017). `sign` is `±1` with the sign of `n_z` and `inv` is
/// `1/(sign + n_z)`, passed in so a caller can share the division with its own.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub fn about<T: Real>(n: [T; 3], sign: T, inv: T, cos_t: T, sin_t: T, cos_p: T, sin_p: T) -> [T; 3] {
    let a = -inv;
    let b = n[0] * n[1] * a;
    let e1 = [(sign * n[0] * n[0]).mul_add(a, T::splat(1.0)), sign * b, -(sign * n[0])];
    let e2 = [b, (n[1] * n[1]).mul_add(a, sign), -n[1]];
    let (p, q) = (sin_t * cos_p, sin_t * sin_p);
    let at = |c: usize| p.mul_add(e1[c], q.mul_add(e2[c], cos_t * n[c]));
    [at(0), at(1), at(2)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{stream, tag};

    #[test]
    fn functions_match_libm() {
        for i in 0..=20_000 {
            let x = -30.0 * i as f32 / 20_000.0;
            let e = (x as f64).exp();
            assert!(((exp_neg(x) as f64 - e) / e).abs() < 5e-7, "exp({x})");
            let m = (x as f64).exp_m1();
            if x < 0.0 {
                assert!(((expm1_neg(x) as f64 - m) / m).abs() < 5e-7, "expm1({x})");
            }
            let y = -(i as f32) / 20_001.0;
            let l = (y as f64).ln_1p();
            if y < 0.0 {
                assert!(((ln_1p_neg(y) as f64 - l) / l).abs() < 5e-7, "ln_1p({y})");
            }
            let u = i as f32 / 20_001.0;
            let (c, s) = cos_sin_turn(u);
            let a = std::f64::consts::TAU * u as f64;
            assert!(
                (c as f64 - a.cos()).abs() < 3e-7 && (s as f64 - a.sin()).abs() < 3e-7,
                "{u}"
            );
        }
        for x in [1e-30f32, 1e-8, 0.3, 0.999_999, 1.0, 7.5, 1e20] {
            assert!(((ln(x) as f64 - (x as f64).ln()) / (x as f64).ln().abs().max(1e-6)).abs() < 5e-7);
        }
    }

    #[test]
    fn chains_compute_what_single_values_do() {
        let mut rng = stream(2, tag("chains"), 0);
        for _ in 0..2000 {
            let u: [f32; 4] = std::array::from_fn(|_| rng.random::<f32>());
            let x = V(u.map(|u| -40.0 * u));
            let y = V(u.map(|u| -u));
            let (c, s) = cos_sin_turn(V(u));
            for k in 0..4 {
                assert_eq!(exp_neg(x).0[k].to_bits(), exp_neg(x.0[k]).to_bits());
                assert_eq!(expm1_neg(x).0[k].to_bits(), expm1_neg(x.0[k]).to_bits());
                assert_eq!(ln_1p_neg(y).0[k].to_bits(), ln_1p_neg(y.0[k]).to_bits());
                assert_eq!(ln(V(u)).0[k].to_bits(), ln(u[k]).to_bits());
                let (c1, s1) = cos_sin_turn(u[k]);
                assert_eq!((c.0[k].to_bits(), s.0[k].to_bits()), (c1.to_bits(), s1.to_bits()));
            }
        }
        // A zero uniform takes the Metropolis test `ln u < −βΔE` as accepted for any
        // `βΔE < 87`, as `u < e^{−βΔE}` would: its logarithm is finite and far below the rest.
        assert!(ln(0f32).is_finite() && ln(0f32) < -87.0 && ln(0f32) < ln(1.0 / 16_777_216.0));
    }

    #[test]
    fn angles_from_bits_match_the_uniform_they_stand_for() {
        let mut rng = stream(6, tag("angle-bits"), 0);
        let edges = [
            0u32,
            0xff,
            0x1fff_ffff,
            0x2000_0000,
            0x3fff_ffff,
            0x4000_0000,
            0xdfff_ffff,
            u32::MAX,
        ];
        for x in edges.into_iter().chain((0..200_000).map(|_| rng.random::<u32>())) {
            let u = unit::<f32>(x);
            let (c, s) = cos_sin_bits::<f32>(x);
            let a = std::f64::consts::TAU * u as f64;
            assert!(
                (c as f64 - a.cos()).abs() < 3e-7 && (s as f64 - a.sin()).abs() < 3e-7,
                "{x:#x}: ({c}, {s}) against angle {a}"
            );
            let v = cos_sin_bits::<V<2>>(W([x, x ^ 0x8000_0000]));
            assert_eq!((v.0 .0[0].to_bits(), v.1 .0[0].to_bits()), (c.to_bits(), s.to_bits()));
        }
    }

    #[test]
    fn frames_are_orthonormal() {
        let mut rng = stream(1, tag("frame"), 0);
        for _ in 0..2000 {
            let v = crate::heisenberg::random_spin(&mut rng).map(|c| c as f32);
            let (ct, st, cp, sp) = (0.3f32, (1.0f32 - 0.09).sqrt(), 0.6, 0.8);
            let sign = 1f32.copysign(v[2]);
            let w = about(v, sign, 1.0 / (sign + v[2]), ct, st, cp, sp);
            let dot = w[0] * v[0] + w[1] * v[1] + w[2] * v[2];
            let norm = (w[0] * w[0] + w[1] * w[1] + w[2] * w[2]).sqrt();
            assert!((dot - ct).abs() < 1e-5 && (norm - 1.0).abs() < 1e-5, "{v:?} → {w:?}");
        }
    }

    #[test]
    fn a_lane_drawn_alone_gives_what_a_full_draw_gives_there() {
        let mut all = LaneRng::from_rng(&mut stream(5, tag("lanes"), 0));
        let mut one = all.clone();
        for _ in 0..3 {
            let u = all.uniform();
            for (l, &u) in u.iter().enumerate() {
                assert_eq!(one.uniform_at(l), u, "lane {l}");
            }
        }
    }

    #[test]
    fn lane_uniforms_are_uniform() {
        let mut g = LaneRng::from_rng(&mut stream(3, tag("lanes"), 0));
        let mut bins = [0u32; 16];
        let n = 20_000;
        for _ in 0..n {
            for u in g.uniform() {
                assert!((0.0..1.0).contains(&u));
                bins[(u * 16.0) as usize] += 1;
            }
        }
        let expect = (n * LANES) as f64 / 16.0;
        let chi2: f64 = bins.iter().map(|&b| (b as f64 - expect).powi(2) / expect).sum();
        // χ² with 15 degrees of freedom: the 99.9% point is 37.7.
        assert!(chi2 < 37.7, "χ² = {chi2}");
    }
}
