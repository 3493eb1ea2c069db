//! Branch-free `f32` arithmetic on fixed-width lanes, for the checkerboard kernels.
//!
//! The kernels run a loop over [`LANES`] independent sites with every function here inlined;
//! nothing in that loop branches per lane, so the compiler turns it into vector instructions.
//! Every operation is a correctly rounded IEEE add, multiply, fused multiply-add, divide or square
//! root, a compare-and-select or integer bit work, so the numbers do not depend on the vector width
//! or the instructions the CPU offers: the AVX-512, AVX2 and portable builds of a sweep give
//! bit-identical spins. (Where the CPU has no FMA unit, `mul_add` is a correctly rounded library
//! call: slower, still identical.)

use rand::Rng;

/// Sites processed together: two AVX registers of `f32`, so two independent dependency chains.
pub const LANES: usize = 64;

pub type F = [f32; LANES];

/// Adding then subtracting `1.5·2²³` rounds an `f32` of magnitude below `2²²` to the nearest
/// integer, and leaves that integer in the low mantissa bits.
const ROUND: f32 = 12_582_912.0;

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

    /// Lane `l`'s next uniform on `[0, 1)`: the value [`Self::uniform`] would give in that lane.
    /// Kernels draw inside their lane loop with this, so the generator's integer work
    /// interleaves with their floating-point chains and no array of draws goes through memory.
    #[inline(always)]
    pub fn uniform_at(&mut self, l: usize) -> f32 {
        unit(self.step(l))
    }

    /// Uniform on `[0, 1)` with 24 random bits.
    #[inline(always)]
    pub fn uniform(&mut self) -> F {
        let x = self.next_u32();
        let mut u = [0f32; LANES];
        for (u, &x) in u.iter_mut().zip(&x) {
            *u = unit(x);
        }
        u
    }
}

/// The top 24 bits as a float in `[0, 1)`. Below 2²⁴, so the signed conversion is exact and
/// vectorises.
#[inline(always)]
fn unit(x: u32) -> f32 {
    (x >> 8) as i32 as f32 * (1.0 / 16_777_216.0)
}

/// `Σ c_k x^(n−k)`, highest power first, by fused multiply-adds.
#[inline(always)]
fn horner(x: f32, c: &[f32]) -> f32 {
    c[1..].iter().fold(c[0], |p, &c| p.mul_add(x, c))
}

/// `eˣ` for `x ≤ 0` (inputs below −87 give `e⁻⁸⁷`); relative error about 2e-7.
#[inline(always)]
pub fn exp_neg(x: f32) -> f32 {
    let x = if x < -87.0 { -87.0 } else { x };
    let t = x * std::f32::consts::LOG2_E + ROUND;
    let n = t - ROUND;
    let r = n.mul_add(-1.428_606_8e-6, n.mul_add(-0.693_145_75, x));
    let p = horner(
        r,
        &[
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
    let k = t.to_bits().wrapping_sub(ROUND.to_bits()) as i32;
    p * f32::from_bits(((k + 127) as u32) << 23)
}

/// `eˣ − 1` for `x ≤ 0`, accurate relative to the result also for small `|x|`.
#[inline(always)]
pub fn expm1_neg(x: f32) -> f32 {
    let series = x * horner(
        x,
        &[1.0 / 5040.0, 1.0 / 720.0, 1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0],
    );
    if x > -0.3 {
        series
    } else {
        exp_neg(x) - 1.0
    }
}

/// Natural log of a positive normal `x`; relative error about 1e-7. The polynomial is Cephes'
/// `logf` minimax fit on `[√½ − 1, √2 − 1)`, which needs no division.
#[inline(always)]
pub fn ln(x: f32) -> f32 {
    let bits = x.to_bits();
    let e = ((bits >> 23) as i32) - 127;
    let m = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000);
    let big = m > std::f32::consts::SQRT_2;
    let f = if big { m * 0.5 } else { m } - 1.0;
    let e = (if big { e + 1 } else { e }) as f32;
    let z = f * f;
    let mut p = 7.037_683_6e-2f32;
    for c in [
        -1.151_461e-1,
        1.167_699_9e-1,
        -1.242_014_1e-1,
        1.424_932_3e-1,
        -1.666_805_8e-1,
        2.000_071_4e-1,
        -2.499_999_4e-1,
        3.333_333e-1,
    ] {
        p = p.mul_add(f, c);
    }
    let y = (p * f).mul_add(z, e.mul_add(-2.121_944_4e-4, -0.5 * z));
    // ln 2 split as 710/1024 (exact) plus the −2.12e-4 correction above.
    e.mul_add(710.0 / 1024.0, f + y)
}

/// `ln(1 + y)` for `y ∈ (−1, 0]`, accurate also for small `|y|`: `w = 1 + y` is rounded, and
/// `ln(1 + y) = ln w + (y − (w − 1))/w` to first order in that rounding error; near `w = 1`,
/// where it matters, `1/w ≈ 1`, and elsewhere it is far below the result's precision.
#[inline(always)]
pub fn ln_1p_neg(y: f32) -> f32 {
    let w = 1.0 + y;
    ln(w) + (y - (w - 1.0))
}

/// `(cos 2πu, sin 2πu)` for `u ∈ [0, 1)`, absolute error about 1e-7.
#[inline(always)]
pub fn cos_sin_turn(u: f32) -> (f32, f32) {
    let v = u * 4.0;
    let t = v + ROUND;
    let q = t.to_bits().wrapping_sub(ROUND.to_bits());
    let x = (v - (t - ROUND)) * std::f32::consts::FRAC_PI_2;
    let x2 = x * x;
    let s = x * horner(x2, &[1.0 / 362_880.0, -1.0 / 5040.0, 1.0 / 120.0, -1.0 / 6.0, 1.0]);
    let c = horner(x2, &[1.0 / 40_320.0, -1.0 / 720.0, 1.0 / 24.0, -0.5, 1.0]);
    // The angle is q·π/2 + x.
    let (c1, s1) = if q & 1 != 0 { (-s, c) } else { (c, s) };
    if q & 2 != 0 {
        (-c1, -s1)
    } else {
        (c1, s1)
    }
}

/// `sinθ (cosφ e₁ + sinφ e₂) + cosθ n` for a unit `n`, with `(e₁, e₂, n)` the branch-free
/// orthonormal frame of Duff et al. (2017). `sign` is `±1` with the sign of `n_z` and `inv` is
/// `1/(sign + n_z)`, passed in so a caller can share the division with its own.
#[inline(always)]
pub fn about(n: [f32; 3], sign: f32, inv: f32, cos_t: f32, sin_t: f32, cos_p: f32, sin_p: f32) -> [f32; 3] {
    let a = -inv;
    let b = n[0] * n[1] * a;
    let e1 = [(sign * n[0] * n[0]).mul_add(a, 1.0), sign * b, -sign * n[0]];
    let e2 = [b, (n[1] * n[1]).mul_add(a, sign), -n[1]];
    let (p, q) = (sin_t * cos_p, sin_t * sin_p);
    [0, 1, 2].map(|c| p.mul_add(e1[c], q.mul_add(e2[c], cos_t * n[c])))
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
