//! One chain of a ±J glass in multi-spin coding: the checkerboard layout of
//! [`super::checkerboard`] with one bit per slot, so a machine word updates 64 sites of one
//! colour at once. This is the single-chain kernel that annealing and tempering use on ±J
//! instances (the 64-replica kernel of [`super::replicas`] runs 64 chains at one temperature,
//! which a budget counted in sweeps of one chain cannot use).
//!
//! A bond is unsatisfied where `s_i ⊕ s_j ⊕ [J < 0]`; with `c` unsatisfied bonds among a site's
//! `deg` (open boundaries cut some), flipping costs `ΔE = 2|J|(deg − 2c)`, one of 2, 4, 6 or
//! 8 |J| when positive. Each of those four classes is accepted with its exact Boltzmann
//! probability, every bit comparing its own 64-bit uniform with its class's threshold, as in
//! [`crate::msc`]. A neighbour word is two loads and a funnel shift: the five neighbour slots sit
//! at fixed offsets from each site's slot. Energies are exact: `E = −|J|(bonds − 2·unsatisfied)`
//! by popcount.

use super::checkerboard::{Layout, SLOTS};
use crate::lattice::NONE;
use crate::msc::fixed_point;
use crate::rng::SimRng;
use crate::{Ising, PhysicsError};
use rand::RngCore;

/// A ±J instance laid out in bits by colour, shared by every chain on it.
#[derive(Clone, Debug)]
pub struct PmBoard {
    layout: Layout,
    j: f64,
    /// Words of each colour array, and the range `first..=last` that holds every site.
    words: usize,
    first: usize,
    last: usize,
    /// Per neighbour slot: word offset (less `base`) and bit shift relative to a site's own.
    reach: [(usize, u32); SLOTS],
    base: usize,
    /// `neg[c][k][q]`: bits of colour `c`'s word `q` whose bond to neighbour slot `k` is
    /// antiferromagnetic; `present` where that bond exists.
    neg: [[Vec<u64>; SLOTS]; 2],
    present: [[Vec<u64>; SLOTS]; 2],
    /// `deg[c][d − 1][q]`: bits whose site has `d` bonds.
    deg: [[Vec<u64>; 4]; 2],
    bonds: u64,
    popcnt: bool,
    /// Bits of the periodic ghosts at the left and right end of each row.
    left_ghosts: Vec<u64>,
    right_ghosts: Vec<u64>,
    ghost_words: std::ops::RangeInclusive<usize>,
}

impl PmBoard {
    /// Whether the kernel applies: even sides, every bond `±J` of one magnitude, no field.
    pub fn supports(model: &Ising) -> bool {
        Self::magnitude(model).is_some() && super::checkerboard::Board::supports(model)
    }

    fn magnitude(model: &Ising) -> Option<f64> {
        if model.uniform_field() != Some(0.0) {
            return None;
        }
        let l = model.lattice();
        let mut m = None;
        for i in 0..l.sites() {
            for d in 0..2 {
                if l.neighbours(i)[d] == NONE {
                    continue;
                }
                let j = model.coupling(i, d).abs();
                match m {
                    None if j > 0.0 => m = Some(j),
                    Some(x) if j == x => {}
                    _ => return None,
                }
            }
        }
        m
    }

    pub fn new(model: &Ising) -> Result<Self, PhysicsError> {
        let j = Self::magnitude(model).ok_or(PhysicsError::Unsupported {
            sampler: "multi-spin glass sweeps",
            needs: "±J bonds of one magnitude and no field",
        })?;
        // Spare leading words, so funnel shifts reaching a row back never index before 0.
        let stride = model.lattice().lx() / 2 + 2;
        let layout = Layout::new(model, 64 * (stride / 64 + 2))?;
        let l = model.lattice();
        let first = layout.row(0) / 64;
        let last = (layout.row(layout.ly - 1) + layout.w - 1) / 64;
        let words = last + layout.stride / 64 + 3;
        // Offsets measured from word `base`, far enough in that the slot above is not before 0.
        let base = layout.stride.div_ceil(64) + 1;
        let reach = layout.offsets(64 * base).map(|o| (o / 64, (o % 64) as u32));
        let zeros = || vec![0u64; words];
        let mut neg = [(); 2].map(|_| [(); SLOTS].map(|_| zeros()));
        let mut present = [(); 2].map(|_| [(); SLOTS].map(|_| zeros()));
        let mut deg = [(); 2].map(|_| [(); 4].map(|_| zeros()));
        let mut bonds = 0;
        for (c, slot, i) in layout.sites_by_colour() {
            let (q, bit) = (slot / 64, 1u64 << (slot % 64));
            let mut n = 0;
            for (d, &k) in Layout::slot_of_direction(c, i / layout.lx).iter().enumerate() {
                if l.neighbours(i)[d] == NONE {
                    continue;
                }
                n += 1;
                present[c][k][q] |= bit;
                if model.coupling(i, d) < 0.0 {
                    neg[c][k][q] |= bit;
                }
                if c == 0 {
                    bonds += 1;
                }
            }
            if n > 0 {
                deg[c][n - 1][q] |= bit;
            }
        }
        let (mut left_ghosts, mut right_ghosts) = (zeros(), zeros());
        for pair in layout.edge_ghosts.chunks(2) {
            let (l, r) = (pair[0].0 as usize, pair[1].0 as usize);
            left_ghosts[l / 64] |= 1 << (l % 64);
            right_ghosts[r / 64] |= 1 << (r % 64);
        }
        let any = |q: &usize| left_ghosts[*q] | right_ghosts[*q] != 0;
        let ghost_words = (0..words).find(any).unwrap_or(1)..=(0..words).rev().find(any).unwrap_or(0);
        Ok(Self {
            ghost_words,
            left_ghosts,
            right_ghosts,
            layout,
            j,
            words,
            first,
            last,
            reach,
            base,
            neg,
            present,
            deg,
            bonds,
            #[cfg(target_arch = "x86_64")]
            popcnt: std::arch::is_x86_feature_detected!("popcnt"),
            #[cfg(not(target_arch = "x86_64"))]
            popcnt: false,
        })
    }

    pub fn sites(&self) -> usize {
        self.layout.sites()
    }

    /// A chain starting from `spins` (±1, row-major), drawing from its own `rng`.
    pub fn chain(&self, spins: &[i8], rng: SimRng) -> PmChain<'_> {
        let mut ch = PmChain {
            board: self,
            spins: [vec![0; self.words], vec![0; self.words]],
            rng,
            unsatisfied: 0,
        };
        ch.set_spins(spins);
        ch
    }

    /// Bits `64q + o .. 64q + o + 63` of `a`, for neighbour slot `k` at offset `o`.
    #[inline(always)]
    fn neighbour(&self, a: &[u64], q: usize, k: usize) -> u64 {
        let (dw, sh) = self.reach[k];
        // The margin puts the first site's word at least `base` words in.
        let w = q + dw - self.base;
        if sh == 0 {
            a[w]
        } else {
            (a[w] >> sh) | (a[w + 1] << (64 - sh))
        }
    }

    /// Unsatisfied-bond bits of colour `c`'s word `q` in direction `k`.
    #[inline(always)]
    fn unsatisfied(&self, c: usize, s: u64, other: &[u64], q: usize, k: usize) -> u64 {
        (s ^ self.neighbour(other, q, k) ^ self.neg[c][k][q]) & self.present[c][k][q]
    }
}

/// Independent acceptance bits: bit `i` of `masks[k]` is set with probability `p[k]` (0.64 fixed
/// point); the masks are disjoint. Each bit compares its own uniform with its own threshold, most
/// significant bit first, stopping once every bit is decided.
#[inline(always)]
fn acceptance<R: RngCore>(rng: &mut R, p: &[u64; 4], masks: &[u64; 4]) -> u64 {
    let mut undecided = masks[0] | masks[1] | masks[2] | masks[3];
    if undecided == 0 {
        return 0;
    }
    // Above the highest set bit of every wanted class's threshold, a uniform's 1 rejects and a
    // 0 continues: at low temperature most rounds are these, and need no threshold bits.
    let top = (0..4).filter(|&k| masks[k] != 0).map(|k| p[k]).max().unwrap_or(0);
    if top == 0 {
        return 0;
    }
    let lead = top.leading_zeros();
    for _ in 0..lead {
        undecided &= !rng.next_u64();
        if undecided == 0 {
            return 0;
        }
    }
    let mut result = 0u64;
    let mut step = |undecided: &mut u64, bit: u32| {
        let r = rng.next_u64();
        let mut pm = 0u64;
        for k in 0..4 {
            pm |= masks[k] & 0u64.wrapping_sub((p[k] >> bit) & 1);
        }
        // Threshold bit 1 and uniform bit 0: u < p. Equal bits: still undecided.
        result |= *undecided & !r & pm;
        *undecided &= !(r ^ pm);
    };
    let mut bit = 63 - lead;
    while undecided != 0 {
        step(&mut undecided, bit);
        if bit == 0 {
            break;
        }
        bit -= 1;
    }
    result
}

/// `n ≤ 64` bits of `a` from bit `at`, in the low bits.
#[inline]
fn bits(a: &[u64], at: usize, n: usize) -> u64 {
    let (q, sh) = (at / 64, at % 64);
    let mut v = a[q] >> sh;
    if sh + n > 64 {
        v |= a[q + 1] << (64 - sh);
    }
    if n < 64 {
        v & ((1 << n) - 1)
    } else {
        v
    }
}

/// Writes the low `n ≤ 64` bits of `v` into `a` from bit `at`.
#[inline]
fn set_bits(a: &mut [u64], at: usize, n: usize, v: u64) {
    let (q, sh) = (at / 64, at % 64);
    let mask = if n < 64 { (1u64 << n) - 1 } else { !0 };
    a[q] = (a[q] & !(mask << sh)) | ((v & mask) << sh);
    if sh + n > 64 {
        let r = 64 - sh;
        a[q + 1] = (a[q + 1] & !(mask >> r)) | ((v & mask) >> r);
    }
}

/// One chain's state on a [`PmBoard`].
#[derive(Clone, Debug)]
pub struct PmChain<'a> {
    board: &'a PmBoard,
    spins: [Vec<u64>; 2],
    rng: SimRng,
    unsatisfied: u64,
}

impl PmChain<'_> {
    /// Replaces the configuration (±1, row-major).
    pub fn set_spins(&mut self, s: &[i8]) {
        let l = &self.board.layout;
        assert_eq!(s.len(), l.sites(), "configuration size");
        for a in &mut self.spins {
            a.fill(0);
        }
        for (c, slot, i) in l.sites_by_colour() {
            if s[i] > 0 {
                self.spins[c][slot / 64] |= 1 << (slot % 64);
            }
        }
        for c in 0..2 {
            self.ghosts(c);
        }
        self.unsatisfied = self.count_unsatisfied();
    }

    /// The configuration as ±1 spins, row-major.
    pub fn spins(&self) -> Vec<i8> {
        let l = &self.board.layout;
        let mut s = vec![0i8; l.sites()];
        for (c, slot, i) in l.sites_by_colour() {
            s[i] = if (self.spins[c][slot / 64] >> (slot % 64)) & 1 == 1 {
                1
            } else {
                -1
            };
        }
        s
    }

    /// The current configuration's energy, exact.
    pub fn energy(&self) -> f64 {
        -self.board.j * (self.board.bonds as f64 - 2.0 * self.unsatisfied as f64)
    }

    /// One Metropolis sweep at inverse temperature `beta`: colour 0, then colour 1.
    pub fn sweep(&mut self, beta: f64) {
        #[cfg(target_arch = "x86_64")]
        if self.board.popcnt {
            // SAFETY: `popcnt` was detected on this CPU when the board was built.
            return unsafe { self.sweep_popcnt(beta) };
        }
        self.sweep_inner(beta)
    }

    /// The same sweep with the hardware population count (software counting costs about as
    /// much as the rest of the update).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "popcnt")]
    fn sweep_popcnt(&mut self, beta: f64) {
        self.sweep_inner(beta)
    }

    #[inline(always)]
    fn sweep_inner(&mut self, beta: f64) {
        let b = self.board;
        // Thresholds of the classes ΔE = 2, 4, 6, 8 |J|; `None` (β = 0) accepts always.
        let p = [2.0, 4.0, 6.0, 8.0].map(|x| fixed_point((-beta * b.j * x).exp()));
        let mut change = 0i64;
        for c in 0..2 {
            let [s0, s1] = &mut self.spins;
            let (mine, other) = if c == 0 { (s0, &*s1) } else { (s1, &*s0) };
            let [d1, d2, d3, d4] = &b.deg[c];
            for q in b.first..=b.last {
                let s = mine[q];
                let u = |k| b.unsatisfied(c, s, other, q, k);
                let (u0, u1, u2, u3, u4) = (u(0), u(1), u(2), u(3), u(4));
                // Bit-sliced count of the five (at most four are present): bits b0, b1, b2.
                let (s1, c1) = (u0 ^ u1, u0 & u1);
                let (s2, c2) = (u2 ^ u3, u2 & u3);
                let (s3, c3) = (s1 ^ s2, s1 & s2);
                let b0 = s3 ^ u4;
                let c4 = s3 & u4;
                // Carries c1, c2, c3, c4 (each worth 2) sum to at most 2.
                let b1 = c1 ^ c2 ^ c3 ^ c4;
                let b2 = (c1 & c2) | (c1 & c3) | (c1 & c4) | (c2 & c3) | (c2 & c4) | (c3 & c4);
                let eq0 = !(b0 | b1 | b2);
                let eq1 = b0 & !b1 & !b2;
                let mut masks = [
                    (d3[q] & eq1) | (d1[q] & eq0),
                    (d4[q] & eq1) | (d2[q] & eq0),
                    d3[q] & eq0,
                    d4[q] & eq0,
                ];
                let costly = masks[0] | masks[1] | masks[2] | masks[3];
                let mut flip = !costly;
                let mut thresholds = [0u64; 4];
                for k in 0..4 {
                    match p[k] {
                        Some(t) => thresholds[k] = t,
                        None => {
                            flip |= masks[k];
                            masks[k] = 0;
                        }
                    }
                }
                flip |= acceptance(&mut self.rng, &thresholds, &masks);
                mine[q] = s ^ flip;
                // A flip turns a site's c unsatisfied bonds of deg into deg − c: Σ (deg − 2c)
                // over the flipped bits (ghost bits have deg = c = 0).
                let n = |m: u64| (flip & m).count_ones() as i64;
                change += n(d1[q]) + 2 * n(d2[q]) + 3 * n(d3[q]) + 4 * n(d4[q]) - 2 * (n(b0) + 2 * n(b1) + 4 * n(b2));
            }
            self.ghosts(c);
        }
        self.unsatisfied = (self.unsatisfied as i64 + change) as u64;
    }

    /// Copies colour `c`'s far edges into its ghosts (periodic lattices only).
    fn ghosts(&mut self, c: usize) {
        let b = self.board;
        let (a, l) = (&mut self.spins[c], &b.layout);
        if l.edge_ghosts.is_empty() {
            return;
        }
        // A row's left ghost copies the slot `w` after it, its right ghost the slot `w` before:
        // a whole-array funnel shift each, masked to the ghost bits (sources are never ghosts,
        // so updating in place is safe).
        for q in b.ghost_words.clone() {
            let ahead = bits(a, 64 * q + l.w, 64);
            let behind = bits(a, 64 * q - l.w, 64);
            a[q] = (a[q] & !(b.left_ghosts[q] | b.right_ghosts[q]))
                | (ahead & b.left_ghosts[q])
                | (behind & b.right_ghosts[q]);
        }
        for &(g, src) in &l.row_ghosts {
            let mut t = 0;
            while t < l.w {
                let n = (l.w - t).min(64);
                let v = bits(a, src + t, n);
                set_bits(a, g + t, n, v);
                t += n;
            }
        }
    }

    /// Unsatisfied bonds, each counted once from its colour-0 end (sweeps keep the count by
    /// their flips' changes; this recounts).
    fn count_unsatisfied(&self) -> u64 {
        let b = self.board;
        let (mine, other) = (&self.spins[0], &self.spins[1]);
        let mut n = 0u64;
        for (q, &s) in mine.iter().enumerate().take(b.last + 1).skip(b.first) {
            for k in 0..SLOTS {
                n += b.unsatisfied(0, s, other, q, k).count_ones() as u64;
            }
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::glass::instance::{random, BondKind};
    use crate::rng::{stream, tag};
    use crate::{Boundary, Couplings, Fields, Lattice};
    use rand::SeedableRng;

    fn random_spins(n: usize, seed: u64) -> Vec<i8> {
        crate::glass::random_spins(n, &mut stream(seed, tag("pm-board-test"), 0))
    }

    #[test]
    fn layout_round_trips_and_energies_match_the_model() {
        for b in [Boundary::Open, Boundary::Periodic] {
            for (lx, ly) in [(2, 2), (4, 2), (6, 4), (10, 8), (40, 6), (130, 4)] {
                let m = random(lx, ly, b, BondKind::Pm, 3).unwrap();
                let board = PmBoard::new(&m).unwrap();
                let s = random_spins(lx * ly, 5);
                let mut ch = board.chain(&s, SimRng::seed_from_u64(1));
                assert_eq!(ch.spins(), s);
                assert_eq!(ch.energy(), m.energy(&s), "{b} {lx}x{ly}");
                for _ in 0..5 {
                    ch.sweep(0.8);
                    assert_eq!(ch.energy(), m.energy(&ch.spins()), "{b} {lx}x{ly}");
                }
            }
        }
        let gauss = random(4, 4, Boundary::Open, BondKind::Gaussian, 1).unwrap();
        assert!(PmBoard::new(&gauss).is_err());
        let odd = random(5, 4, Boundary::Open, BondKind::Pm, 1).unwrap();
        assert!(!PmBoard::supports(&odd));
        let l = Lattice::new(4, 4, Boundary::Open).unwrap();
        let field = Ising::new(l, Couplings::Uniform(1.0), Fields::Uniform(0.2)).unwrap();
        assert!(!PmBoard::supports(&field));
    }

    #[test]
    fn samples_the_boltzmann_distribution_of_small_glasses() {
        // ⟨E⟩ of one chain against exact enumeration, as for the f32 checkerboard: every degree
        // from 2 to 4 and every cost class occurs among these, with |J| = 1 and 0.5.
        let cases = [
            (4, 4, Boundary::Periodic, 0.6, 1.0),
            (4, 2, Boundary::Open, 1.1, 1.0),
            (4, 4, Boundary::Open, 0.8, 0.5),
            (2, 2, Boundary::Periodic, 0.5, 1.0),
        ];
        for (k, &(lx, ly, bnd, beta, scale)) in cases.iter().enumerate() {
            let g = random(lx, ly, bnd, BondKind::Pm, 11 + k as u64).unwrap();
            let js = match g.couplings() {
                Couplings::PerBond(v) => v.iter().map(|j| j * scale).collect(),
                Couplings::Uniform(_) => unreachable!("a glass has per-bond couplings"),
            };
            let m = Ising::new(g.lattice().clone(), Couplings::PerBond(js), Fields::Uniform(0.0)).unwrap();
            let board = PmBoard::new(&m).unwrap();
            let mut ch = board.chain(&random_spins(lx * ly, k as u64), SimRng::seed_from_u64(k as u64));
            let label = format!("{lx}x{ly} {bnd} |J| = {scale}");
            crate::glass::assert_samples_boltzmann(&m, beta, &label, |b| {
                ch.sweep(b);
                ch.energy()
            });
        }
    }

    #[test]
    fn acceptance_bits_have_their_probabilities() {
        // Four classes on disjoint bits, 50,000 words: each class's acceptance rate within 4σ,
        // with high thresholds and with the low ones of a cold sweep (whose common leading zero
        // bits take the shortcut), and with a class absent.
        let masks: [u64; 4] = [
            0x0000_0000_0000_FFFF,
            0x0000_0000_FFFF_0000,
            0x0000_FFFF_0000_0000,
            0xFFFF_0000_0000_0000,
        ];
        let cases = [[0.9, 0.5, 0.1, 0.01], [0.02, 0.003, 4e-4, 1e-6], [0.0, 0.011, 0.2, 0.0]];
        for (case, p) in cases.into_iter().enumerate() {
            let t = p.map(|x| fixed_point(x).unwrap());
            let m = masks.map(|m| if case == 2 && m == masks[3] { 0 } else { m });
            let mut rng = SimRng::seed_from_u64(9 + case as u64);
            let mut hits = [0u64; 4];
            let words = 50_000;
            for _ in 0..words {
                let a = acceptance(&mut rng, &t, &m);
                assert_eq!(a & !(m[0] | m[1] | m[2] | m[3]), 0);
                for k in 0..4 {
                    hits[k] += (a & masks[k]).count_ones() as u64;
                }
            }
            for k in 0..4 {
                let n = (16 * words) as f64;
                let rate = hits[k] as f64 / n;
                let se = (p[k] * (1.0 - p[k]) / n).sqrt().max(1e-9);
                assert!(
                    (rate - p[k]).abs() < 4.0 * se,
                    "case {case} class {k}: {rate} vs {}",
                    p[k]
                );
            }
        }
    }
}
