//! Multi-spin coding: checkerboard Metropolis on 64 spins per machine word, for the uniform
//! periodic ferromagnet without field, the workhorse of large-lattice sampling.
//!
//! Layout: a row of `lx` spins is `w = lx / 64` words; bit `k` of word `c` holds the spin at
//! `x = k·w + c` (bit 1 = spin +1). The `±x` neighbours of word `c` are then words `c ± 1` at
//! the same bits, except across the row's ends, where they are the last/first word rotated by
//! one bit; the `±y` neighbours are the same word in the rows above and below. With `w` even a
//! word holds a single checkerboard colour, so the two colours live in two arrays and one
//! colour's rows update in parallel while reading only the other's.
//!
//! Acceptance is exact: with `a` anti-aligned neighbours, `ΔE = 2J(4 − 2a)`, so flips with
//! `a ≥ 2` are always accepted, `a = 1` with `p₁ = e^{−4βJ}` and `a = 0` with `p₀ = e^{−8βJ}`.
//! The 64 acceptance bits are drawn together by comparing fresh random words against the binary
//! expansion of each bit's threshold, most significant bit first, stopping once every wanted bit
//! is decided (about `log₂ 64 + 2` words): each bit is `u < p` for its own uniform `u`, exact to
//! 64-bit precision.
//! Eight words are updated together, each drawing from its own xoshiro256++ stream, so that the
//! generator and the bit logic run as vector operations (AVX-512 or AVX2, chosen at run time;
//! the portable build gives the same bits). Each row owns its eight streams, so results do not
//! depend on the number of threads.

use crate::isa::Isa;
use crate::lattice::Boundary;
use crate::rng::{stream, tag, SimRng};
use crate::sampler::check_beta;
use crate::{Ising, PhysicsError};
use rand::RngCore;
use rayon::prelude::*;

pub struct MultiSpinIsing {
    lx: usize,
    ly: usize,
    half: usize,
    j: f64,
    /// `colour[c][y * half + h]` is word `2h + ((c + y) mod 2)` of row `y`.
    colour: [Vec<u64>; 2],
    rngs: Vec<Xoshiro4>,
}

/// Words updated together.
const LANES: usize = 8;
type Lanes = [u64; LANES];

/// `LANES` xoshiro256++ generators stepped together; lane `k` is an independent stream, the same
/// sequence `rand_xoshiro`'s `Xoshiro256PlusPlus` gives from that lane's state.
#[derive(Clone, Debug)]
pub(crate) struct Xoshiro4 {
    s: [Lanes; 4],
}

impl Xoshiro4 {
    /// Each lane's state drawn from its own `stream(seed, purpose, LANES·index + lane)`.
    pub(crate) fn new(seed: u64, purpose: u64, index: u64) -> Self {
        let mut s = [[0u64; LANES]; 4];
        for lane in 0..LANES {
            let mut g: SimRng = stream(seed, purpose, LANES as u64 * index + lane as u64);
            for word in &mut s {
                word[lane] = g.next_u64();
            }
        }
        Self { s }
    }

    #[inline(always)]
    fn next(&mut self) -> Lanes {
        let [s0, s1, s2, s3] = &mut self.s;
        let mut out = [0u64; LANES];
        for k in 0..LANES {
            out[k] = s0[k].wrapping_add(s3[k]).rotate_left(23).wrapping_add(s0[k]);
            let t = s1[k] << 17;
            s2[k] ^= s0[k];
            s3[k] ^= s1[k];
            s1[k] ^= s2[k];
            s0[k] ^= s3[k];
            s2[k] ^= t;
            s3[k] = s3[k].rotate_left(45);
        }
        out
    }
}

/// Independent acceptance bits: bit `i` is set with probability `p1` where `eq1` has it and `p0`
/// where `eq0` has it (the two masks are disjoint; other bits stay clear). Probabilities are
/// 0.64 fixed-point fractions. One random word serves every wanted bit at once, each bit
/// comparing its own uniform `u` with its own threshold, most significant bit first.
#[inline]
pub(crate) fn acceptance_mask<R: RngCore>(rng: &mut R, p1: u64, p0: u64, eq1: u64, eq0: u64) -> u64 {
    let mut undecided = eq1 | eq0;
    if undecided == 0 {
        return 0;
    }
    let mut result = 0u64;
    let mut bit = 63;
    // Branch-free step: where the threshold has a 1, a 0 in u decides u < p and a 1 continues;
    // where it has a 0, a 1 in u decides u > p and a 0 continues.
    let mut step = |undecided: &mut u64, bit: u32| {
        let r = rng.next_u64();
        let splat = |p: u64| 0u64.wrapping_sub((p >> bit) & 1);
        let pm = (eq1 & splat(p1)) | (eq0 & splat(p0));
        result |= *undecided & !r & pm;
        *undecided &= !(r ^ pm);
    };
    // About log2(64) + 2 words settle a mask; unconditional steps avoid mispredicted exits.
    for _ in 0..8 {
        step(&mut undecided, bit);
        bit -= 1;
    }
    while undecided != 0 {
        step(&mut undecided, bit);
        if bit == 0 {
            break;
        }
        bit -= 1;
    }
    result
}

/// `p` as a 0.64 fixed-point fraction; `None` for `p ≥ 1` (always accept).
pub(crate) fn fixed_point(p: f64) -> Option<u64> {
    if p >= 1.0 {
        None
    } else {
        Some((p * 18_446_744_073_709_551_616.0) as u64)
    }
}

/// [`acceptance_mask`] for `LANES` words at once, each lane from its own stream.
#[inline(always)]
fn acceptance_masks(rng: &mut Xoshiro4, p1: u64, p0: u64, eq1: Lanes, eq0: Lanes) -> Lanes {
    let mut undecided = [0u64; LANES];
    for k in 0..LANES {
        undecided[k] = eq1[k] | eq0[k];
    }
    let mut result = [0u64; LANES];
    let mut bit = 63u32;
    loop {
        if undecided.iter().fold(0, |a, &u| a | u) == 0 {
            break;
        }
        let r = rng.next();
        let (b1, b0) = (0u64.wrapping_sub((p1 >> bit) & 1), 0u64.wrapping_sub((p0 >> bit) & 1));
        for k in 0..LANES {
            let pm = (eq1[k] & b1) | (eq0[k] & b0);
            result[k] |= undecided[k] & !r[k] & pm;
            undecided[k] &= !(r[k] ^ pm);
        }
        if bit == 0 {
            break;
        }
        bit -= 1;
    }
    result
}

/// The update of `LANES` words: count each spin's anti-aligned neighbours bit-sliced, flip those
/// with two or more, and flip those with one or none with probability `p₁` or `p₀`. Lanes
/// outside `valid` (a mask of whole lanes) are left as they are.
#[inline(always)]
fn update_words(s: Lanes, n: [Lanes; 4], p: Option<(u64, u64)>, valid: Lanes, rng: &mut Xoshiro4) -> Lanes {
    let (mut ge2, mut eq1, mut eq0) = ([0u64; LANES], [0u64; LANES], [0u64; LANES]);
    for k in 0..LANES {
        let [d1, d2, d3, d4] = [s[k] ^ n[0][k], s[k] ^ n[1][k], s[k] ^ n[2][k], s[k] ^ n[3][k]];
        let (s1, c1) = (d1 ^ d2, d1 & d2);
        let (s2, c2) = (d3 ^ d4, d3 & d4);
        let ones = s1 ^ s2;
        ge2[k] = (c1 | c2 | (s1 & s2)) & valid[k];
        eq1[k] = ones & !ge2[k] & valid[k];
        eq0[k] = !(ones | ge2[k]) & valid[k];
    }
    let accept = match p {
        None => valid,
        Some((p1, p0)) => acceptance_masks(rng, p1, p0, eq1, eq0),
    };
    let mut out = [0u64; LANES];
    for k in 0..LANES {
        out[k] = s[k] ^ (ge2[k] | accept[k]);
    }
    out
}

/// One row of one colour: `row` updated against the other colour's rows `up`, `down` and its
/// own row `same`; `par` says which way the row's words are shifted against `same`.
#[inline(always)]
fn update_row(
    row: &mut [u64],
    up: &[u64],
    down: &[u64],
    same: &[u64],
    par: usize,
    p: Option<(u64, u64)>,
    rng: &mut Xoshiro4,
) {
    let half = row.len();
    let right = |h: usize| {
        if par == 1 && h == half - 1 {
            same[0].rotate_right(1)
        } else {
            same[h + par]
        }
    };
    let left = |h: usize| {
        if par == 0 && h == 0 {
            same[half - 1].rotate_left(1)
        } else {
            same[h + par - 1]
        }
    };
    let mut h0 = 0;
    while h0 < half {
        let n = (half - h0).min(LANES);
        let (mut s, mut nb, mut valid) = ([0u64; LANES], [[0u64; LANES]; 4], [0u64; LANES]);
        for k in 0..n {
            let h = h0 + k;
            s[k] = row[h];
            nb[0][k] = right(h);
            nb[1][k] = left(h);
            nb[2][k] = up[h];
            nb[3][k] = down[h];
            valid[k] = !0;
        }
        let out = update_words(s, nb, p, valid, rng);
        row[h0..h0 + n].copy_from_slice(&out[..n]);
        h0 += LANES;
    }
}

type RowKernel = fn(&mut [u64], &[u64], &[u64], &[u64], usize, Option<(u64, u64)>, &mut Xoshiro4);

/// [`update_row`] compiled for one instruction set.
macro_rules! row_kernel {
    ($(#[$attr:meta])* $name:ident) => {
        $(#[$attr])*
        unsafe fn $name(
            row: &mut [u64],
            up: &[u64],
            down: &[u64],
            same: &[u64],
            par: usize,
            p: Option<(u64, u64)>,
            rng: &mut Xoshiro4,
        ) {
            update_row(row, up, down, same, par, p, rng)
        }
    };
}

row_kernel!(update_row_portable);
row_kernel!(
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    update_row_avx2
);
row_kernel!(
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    update_row_avx512
);

/// The row update for `isa`, one of [`Isa::available`] (the check that makes the calls sound).
fn row_kernel(isa: Isa) -> RowKernel {
    // SAFETY (each arm): `sweep_with` accepts only instruction sets `Isa::available` listed.
    match isa {
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => |r, u, d, s, par, p, g| unsafe { update_row_avx2(r, u, d, s, par, p, g) },
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => |r, u, d, s, par, p, g| unsafe { update_row_avx512(r, u, d, s, par, p, g) },
        _ => |r, u, d, s, par, p, g| unsafe { update_row_portable(r, u, d, s, par, p, g) },
    }
}

impl MultiSpinIsing {
    /// Whether a lattice of this size can be multi-spin coded (`lx` a multiple of 128, `ly` even).
    pub fn supports(lx: usize, ly: usize) -> bool {
        lx.is_multiple_of(128) && lx > 0 && ly.is_multiple_of(2) && ly >= 2
    }

    pub fn new(model: &Ising, spins: &[i8], seed: u64) -> Result<Self, PhysicsError> {
        let l = model.lattice();
        let (lx, ly) = (l.lx(), l.ly());
        let j = match (model.uniform_coupling(), model.uniform_field(), l.boundary()) {
            (Some(j), Some(h), Boundary::Periodic) if j > 0.0 && h == 0.0 => j,
            _ => {
                return Err(PhysicsError::Unsupported {
                    sampler: "multi-spin coding",
                    needs: "a periodic uniform ferromagnet (J > 0) without field",
                })
            }
        };
        if !Self::supports(lx, ly) {
            return Err(PhysicsError::InvalidParameter(format!(
                "multi-spin coding needs lx a multiple of 128 and ly even, got {lx}×{ly}"
            )));
        }
        if spins.len() != lx * ly {
            return Err(PhysicsError::Length {
                what: "spins",
                expected: lx * ly,
                found: spins.len(),
            });
        }
        let half = lx / 128;
        let mut s = Self {
            lx,
            ly,
            half,
            j,
            colour: [vec![0; ly * half], vec![0; ly * half]],
            rngs: (0..ly).map(|y| Xoshiro4::new(seed, tag("msc-row"), y as u64)).collect(),
        };
        s.set_spins(spins);
        Ok(s)
    }

    fn w(&self) -> usize {
        2 * self.half
    }

    fn locate(&self, x: usize, y: usize) -> (usize, usize, u32) {
        let w = self.w();
        let (c, k) = (x % w, x / w);
        ((c + y) % 2, y * self.half + c / 2, k as u32)
    }

    pub fn set_spins(&mut self, spins: &[i8]) {
        for v in &mut self.colour {
            v.fill(0);
        }
        for y in 0..self.ly {
            for x in 0..self.lx {
                if spins[y * self.lx + x] > 0 {
                    let (col, idx, k) = self.locate(x, y);
                    self.colour[col][idx] |= 1 << k;
                }
            }
        }
    }

    pub fn spins(&self) -> Vec<i8> {
        let mut out = vec![0i8; self.lx * self.ly];
        for y in 0..self.ly {
            for x in 0..self.lx {
                let (col, idx, k) = self.locate(x, y);
                out[y * self.lx + x] = if (self.colour[col][idx] >> k) & 1 == 1 { 1 } else { -1 };
            }
        }
        out
    }

    pub fn sites(&self) -> usize {
        self.lx * self.ly
    }

    /// One checkerboard sweep (both colours) at inverse temperature `beta`, on the best
    /// instruction set this CPU has.
    pub fn sweep(&mut self, beta: f64) -> Result<(), PhysicsError> {
        let best = *Isa::available().last().expect("portable is always there");
        self.sweep_with(beta, best)
    }

    /// [`Self::sweep`] on a given instruction set (one of [`Isa::available`]); every one
    /// gives the same spins.
    pub fn sweep_with(&mut self, beta: f64, isa: Isa) -> Result<(), PhysicsError> {
        check_beta(beta)?;
        if !Isa::available().contains(&isa) {
            return Err(PhysicsError::InvalidParameter(format!(
                "{isa:?} is not available on this CPU"
            )));
        }
        let p = fixed_point((-4.0 * beta * self.j).exp()).zip(fixed_point((-8.0 * beta * self.j).exp()));
        for col in 0..2 {
            self.half_sweep(col, p, row_kernel(isa));
        }
        Ok(())
    }

    fn half_sweep(&mut self, col: usize, p: Option<(u64, u64)>, kernel: RowKernel) {
        let (half, ly) = (self.half, self.ly);
        let (first, second) = self.colour.split_at_mut(1);
        let (target, other) = if col == 0 {
            (&mut first[0], &second[0])
        } else {
            (&mut second[0], &first[0])
        };
        let other: &[u64] = other;
        // Enough rows per task that scheduling costs little next to the updates.
        let min_rows = (2048 / half).max(1);
        target
            .par_chunks_mut(half)
            .zip(self.rngs.par_iter_mut())
            .enumerate()
            .with_min_len(min_rows)
            .for_each(|(y, (row, rng))| {
                let par = (col + y) & 1;
                let up = &other[((y + 1) % ly) * half..][..half];
                let down = &other[((y + ly - 1) % ly) * half..][..half];
                let same = &other[y * half..][..half];
                kernel(row, up, down, same, par, p, rng);
            });
    }

    /// Total energy `−J Σ_bonds s_i s_j` from the anti-aligned bond count.
    pub fn energy(&self) -> f64 {
        let (half, ly) = (self.half, self.ly);
        let mut anti = 0u64;
        for col in 0..2 {
            let (me, other) = (&self.colour[col], &self.colour[1 - col]);
            for y in 0..ly {
                let par = (col + y) & 1;
                for h in 0..half {
                    let s = me[y * half + h];
                    let right = if par == 1 && h == half - 1 {
                        other[y * half].rotate_right(1)
                    } else {
                        other[y * half + h + par]
                    };
                    let up = other[((y + 1) % ly) * half + h];
                    anti += ((s ^ right).count_ones() + (s ^ up).count_ones()) as u64;
                }
            }
        }
        let bonds = 2 * self.sites() as u64;
        -self.j * (bonds as f64 - 2.0 * anti as f64)
    }

    /// Mean spin.
    pub fn magnetisation(&self) -> f64 {
        let up: u64 = self.colour.iter().flatten().map(|w| w.count_ones() as u64).sum();
        (2.0 * up as f64 - self.sites() as f64) / self.sites() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Lattice, Metropolis, Sampler};
    use rand::Rng;

    fn random_spins(n: usize, seed: u64) -> Vec<i8> {
        let mut r = stream(seed, tag("msc-test"), 0);
        (0..n).map(|_| if r.random::<bool>() { 1 } else { -1 }).collect()
    }

    #[test]
    fn packing_round_trips_and_energy_matches() {
        let model = Ising::ferromagnet(Lattice::new(256, 6, Boundary::Periodic).unwrap(), 1.3);
        let s = random_spins(256 * 6, 1);
        let m = MultiSpinIsing::new(&model, &s, 0).unwrap();
        assert_eq!(m.spins(), s);
        assert!((m.energy() - model.energy(&s)).abs() < 1e-9);
        assert!((m.magnetisation() - crate::ising::magnetisation(&s)).abs() < 1e-12);
    }

    #[test]
    fn zero_temperature_sweep_matches_serial_metropolis() {
        // At β = ∞ Metropolis is deterministic (flip iff ΔE < 0; ΔE = 0 flips always) and a
        // checkerboard colour updates independently, so both codes must agree spin for spin.
        let model = Ising::ferromagnet(Lattice::new(128, 4, Boundary::Periodic).unwrap(), 1.0);
        let s = random_spins(512, 2);
        let mut m = MultiSpinIsing::new(&model, &s, 0).unwrap();
        let mut serial = s.clone();
        let mut rng = stream(0, 0, 0);
        for _ in 0..3 {
            m.sweep(1e300).unwrap();
            Metropolis::default()
                .sweep(&model, &mut serial, 1e300, &mut rng)
                .unwrap();
            assert_eq!(m.spins(), serial);
        }
    }

    #[test]
    fn acceptance_masks_have_the_right_rates() {
        let mut r = stream(9, tag("bern"), 0);
        let (p1, p0) = (0.171, 0.0293);
        let (f1, f0) = (fixed_point(p1).unwrap(), fixed_point(p0).unwrap());
        // Alternate bits ask for p1 and p0; the rest must stay clear.
        let (eq1, eq0) = (0x5555_5555_0000_0000u64, 0xAAAA_AAAA_0000_0000u64);
        let n = 40_000;
        let (mut ones1, mut ones0) = (0u64, 0u64);
        for _ in 0..n {
            let m = acceptance_mask(&mut r, f1, f0, eq1, eq0);
            assert_eq!(m & !(eq1 | eq0), 0);
            ones1 += (m & eq1).count_ones() as u64;
            ones0 += (m & eq0).count_ones() as u64;
        }
        let trials = (n * 16) as f64;
        for (ones, p) in [(ones1, p1), (ones0, p0)] {
            let sd = (p * (1.0 - p) / trials).sqrt();
            assert!(
                (ones as f64 / trials - p).abs() < 4.0 * sd,
                "rate {} vs {p}",
                ones as f64 / trials
            );
        }
        assert_eq!(acceptance_mask(&mut r, f1, f0, 0, 0), 0);
    }

    #[test]
    fn each_lane_is_the_reference_xoshiro256plusplus() {
        use rand::SeedableRng;
        let mut g = Xoshiro4::new(5, tag("lanes"), 3);
        let start = g.s;
        let outs: Vec<Lanes> = (0..50).map(|_| g.next()).collect();
        for lane in 0..LANES {
            let mut seed = [0u8; 32];
            for (i, word) in start.iter().enumerate() {
                seed[8 * i..8 * i + 8].copy_from_slice(&word[lane].to_le_bytes());
            }
            let mut reference = SimRng::from_seed(seed);
            for o in &outs {
                assert_eq!(o[lane], reference.next_u64(), "lane {lane}");
            }
        }
        // Lanes and rows are distinct streams.
        assert_ne!(outs[0][0], outs[0][1]);
        assert_ne!(
            Xoshiro4::new(5, tag("lanes"), 4).next(),
            Xoshiro4::new(5, tag("lanes"), 3).next()
        );
    }

    #[test]
    fn lane_acceptance_masks_have_the_right_rates() {
        let mut g = Xoshiro4::new(9, tag("bern4"), 0);
        let (p1, p0) = (0.171, 0.0293);
        let (f1, f0) = (fixed_point(p1).unwrap(), fixed_point(p0).unwrap());
        // Each lane asks for a different pattern; bits outside it must stay clear.
        let patterns1 = [
            0x5555_5555_0000_0000u64,
            0xFFFF_0000_0000_0000,
            0,
            0x0F0F_0F0F_0F0F_0F0F,
        ];
        let patterns0 = [0xAAAA_AAAA_0000_0000u64, 0x0000_FFFF_0000_0000, !0, 0];
        let eq1: Lanes = std::array::from_fn(|k| patterns1[k % 4]);
        let eq0: Lanes = std::array::from_fn(|k| patterns0[k % 4]);
        let n = 20_000;
        let (mut ones1, mut ones0, mut trials1, mut trials0) = (0u64, 0u64, 0u64, 0u64);
        for _ in 0..n {
            let m = acceptance_masks(&mut g, f1, f0, eq1, eq0);
            for k in 0..LANES {
                assert_eq!(m[k] & !(eq1[k] | eq0[k]), 0);
                ones1 += (m[k] & eq1[k]).count_ones() as u64;
                ones0 += (m[k] & eq0[k]).count_ones() as u64;
                trials1 += eq1[k].count_ones() as u64;
                trials0 += eq0[k].count_ones() as u64;
            }
        }
        for (ones, trials, p) in [(ones1, trials1, p1), (ones0, trials0, p0)] {
            let (t, sd) = (trials as f64, (p * (1.0 - p) / trials as f64).sqrt());
            assert!(
                (ones as f64 / t - p).abs() < 4.0 * sd,
                "rate {} vs {p}",
                ones as f64 / t
            );
        }
        assert_eq!(acceptance_masks(&mut g, f1, f0, [0; LANES], [0; LANES]), [0; LANES]);
    }

    #[test]
    fn every_instruction_set_gives_the_same_spins() {
        // 1408 wide: eleven words per colour-row, so a row has one full group of eight and a
        // padded group of three.
        let model = Ising::ferromagnet(Lattice::new(1408, 6, Boundary::Periodic).unwrap(), 1.0);
        let s = random_spins(1408 * 6, 4);
        let mut reference: Option<Vec<i8>> = None;
        for isa in Isa::available() {
            let mut m = MultiSpinIsing::new(&model, &s, 11).unwrap();
            for beta in [0.3, 0.44, 0.6] {
                m.sweep_with(beta, isa).unwrap();
            }
            match &reference {
                None => reference = Some(m.spins()),
                Some(r) => assert_eq!(&m.spins(), r, "{isa:?}"),
            }
        }
        assert_ne!(reference.unwrap(), s, "the sweeps changed something");
    }

    #[test]
    fn rejects_unsupported_models() {
        let l = Lattice::new(128, 4, Boundary::Periodic).unwrap();
        assert!(MultiSpinIsing::new(&Ising::ferromagnet(l.clone(), 1.0).with_field(0.1), &[1; 512], 0).is_err());
        let small = Ising::ferromagnet(Lattice::new(64, 4, Boundary::Periodic).unwrap(), 1.0);
        assert!(MultiSpinIsing::new(&small, &[1; 256], 0).is_err());
    }
}
