//! One fast Metropolis chain on a glass with any bonds: checkerboard sweeps vectorised across the
//! sites of one colour, so annealing and tempering (single-chain algorithms, whose budget counts
//! sweeps of one configuration) get the speed the 64-replica kernels give to many chains.
//!
//! Layout: colour `c` of row `y` holds the sites `x = 2h + p` with `p = (c + y) mod 2`,
//! `h = 0..Lx/2`, stored as `f32` ±1 in a row of `Lx/2 + 2` slots (a ghost at each end) with a
//! ghost row above and below. A colour-`c` site at slot `P` reads only the other colour: up and
//! down at `P ∓ stride`, left and right at `P + p − 1` and `P + p`. The parity `p` changes from
//! row to row, so each site carries three horizontal couplings, for `P − 1`, `P` and `P + 1`,
//! one of them zero: every site then has the same five neighbour offsets, and a whole colour is
//! one flat loop over fixed chunks of [`LANES`] slots that the compiler vectorises without a
//! scalar remainder. Ghost slots ride along with zero couplings (a flip there changes nothing
//! and the ghosts are rewritten: periodic ones copy the far edge after each half-sweep, open
//! ones stay ±0, exactly a cut bond). Needs even sides (a periodic lattice with an odd side is
//! not bipartite).
//!
//! Precision: the sweep uses `f32` couplings and the lane `exp` (relative error about 2e-7), as
//! the lane replicas do; every energy it reports is computed in `f64` from the model's own
//! couplings, so the energies the baselines record are those of [`Ising::energy`] to rounding.
//! The arithmetic is correctly rounded IEEE throughout, so every instruction set gives the same
//! spins.

use crate::heisenberg::lanes::{exp_neg, F, LANES};
use crate::heisenberg::LaneRng;
use crate::isa::Isa;
use crate::lattice::{Boundary, NONE};
use crate::{Ising, PhysicsError};

/// Neighbour slots relative to a site's own: above, below, and the three horizontal ones.
pub(crate) const SLOTS: usize = 5;

/// The colour-split slot layout both checkerboard kernels share (see the module docs): slot
/// `margin + (y + 1)·stride + 1 + h` holds `(y, x = 2h + (c + y) mod 2)` in colour `c`'s array.
#[derive(Clone, Debug)]
pub(crate) struct Layout {
    pub lx: usize,
    pub ly: usize,
    pub w: usize,
    pub stride: usize,
    /// Leading spare slots, so a neighbour `stride` above the first chunk is never before 0.
    pub margin: usize,
    pub periodic: bool,
    /// Periodic ghosts, copied after each half-sweep: `(ghost, source)` slots at the ends of
    /// each row, and the `(ghost, source)` first slots of the ghost rows above and below (`w`
    /// slots each). Empty for open lattices.
    pub edge_ghosts: Vec<(u32, u32)>,
    pub row_ghosts: Vec<(usize, usize)>,
}

impl Layout {
    pub fn new(model: &Ising, margin: usize) -> Result<Self, PhysicsError> {
        if !Board::supports(model) {
            return Err(PhysicsError::Unsupported {
                sampler: "checkerboard glass sweeps",
                needs: "even lattice sides",
            });
        }
        let l = model.lattice();
        let (lx, ly) = (l.lx(), l.ly());
        let w = lx / 2;
        let mut me = Self {
            lx,
            ly,
            w,
            stride: w + 2,
            margin,
            periodic: l.boundary() == Boundary::Periodic,
            edge_ghosts: Vec::new(),
            row_ghosts: Vec::new(),
        };
        if me.periodic {
            for y in 0..ly {
                let row = me.row(y) as u32;
                me.edge_ghosts.push((row - 1, row + w as u32 - 1));
                me.edge_ghosts.push((row + w as u32, row));
            }
            // Only the interior of a ghost row is ever read.
            me.row_ghosts = vec![
                (me.row(0) - me.stride, me.row(ly - 1)),
                (me.row(ly - 1) + me.stride, me.row(0)),
            ];
        }
        Ok(me)
    }

    /// Slot of `(y, h = 0)`.
    #[inline]
    pub fn row(&self, y: usize) -> usize {
        self.margin + (y + 1) * self.stride + 1
    }

    pub fn sites(&self) -> usize {
        self.lx * self.ly
    }

    /// Every site as `(colour, slot, row-major index)`.
    pub fn sites_by_colour(&self) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
        (0..self.ly).flat_map(move |y| {
            (0..2).flat_map(move |c| {
                let p = (c + y) % 2;
                (0..self.w).map(move |h| (c, self.row(y) + h, y * self.lx + 2 * h + p))
            })
        })
    }

    /// The five neighbour slots of slot `at`: up, down, `at − 1`, `at`, `at + 1`.
    #[inline(always)]
    pub fn offsets(&self, at: usize) -> [usize; SLOTS] {
        [at - self.stride, at + self.stride, at - 1, at, at + 1]
    }

    /// Which of the five slots each lattice direction (+x, +y, −x, −y) uses for a site of
    /// colour `c` in row `y`.
    pub fn slot_of_direction(c: usize, y: usize) -> [usize; 4] {
        let p = (c + y) % 2;
        [2 + p + 1, 1, 2 + p, 0]
    }
}

/// An instance laid out by colour: shared by every chain on it.
#[derive(Clone, Debug)]
pub struct Board {
    layout: Layout,
    /// Length of every padded array.
    len: usize,
    /// Chunks of [`LANES`] slots from the first site's slot that cover every site.
    chunks: usize,
    /// `j32[c][k][P]`: colour `c`'s coupling at slot `P` to the other colour's neighbour slot
    /// `k` (0 for cut bonds, ghosts and the unused horizontal slot); `h32` the field.
    j32: [[Vec<f32>; SLOTS]; 2],
    h32: [Vec<f32>; 2],
    /// Colour 0's couplings in `f64`: every bond has exactly one colour-0 end, so these give the
    /// exact energy.
    j64: [Vec<f64>; SLOTS],
    h64: Option<[Vec<f64>; 2]>,
    isa: Isa,
}

impl Board {
    /// Whether the layout applies: even sides (at least 2).
    pub fn supports(model: &Ising) -> bool {
        let l = model.lattice();
        l.lx().is_multiple_of(2) && l.ly().is_multiple_of(2)
    }

    pub fn new(model: &Ising) -> Result<Self, PhysicsError> {
        let layout = Layout::new(model, 0)?;
        let l = model.lattice();
        let chunks = ((layout.ly - 1) * layout.stride + layout.w).div_ceil(LANES);
        let len = layout.row(0) + chunks * LANES + layout.stride + 2;
        let zeros32 = || vec![0.0f32; len];
        let zeros64 = || vec![0.0f64; len];
        let mut j32 = [(); 2].map(|_| [(); SLOTS].map(|_| zeros32()));
        let mut h32 = [zeros32(), zeros32()];
        let mut j64 = [(); SLOTS].map(|_| zeros64());
        let mut h64 = [zeros64(), zeros64()];
        for (c, slot, i) in layout.sites_by_colour() {
            let y = i / layout.lx;
            for (d, &k) in Layout::slot_of_direction(c, y).iter().enumerate() {
                let j = if l.neighbours(i)[d] == NONE {
                    0.0
                } else {
                    model.coupling(i, d)
                };
                j32[c][k][slot] = j as f32;
                if c == 0 {
                    j64[k][slot] = j;
                }
            }
            h32[c][slot] = model.field(i) as f32;
            h64[c][slot] = model.field(i);
        }
        Ok(Self {
            layout,
            len,
            chunks,
            j32,
            h32,
            j64,
            h64: (model.uniform_field() != Some(0.0)).then_some(h64),
            isa: *Isa::available().last().expect("portable is always available"),
        })
    }

    /// Picks the instruction set (benchmarks and tests compare them); all give identical spins.
    pub fn with_isa(mut self, isa: Isa) -> Self {
        self.isa = isa;
        self
    }

    pub fn sites(&self) -> usize {
        self.layout.sites()
    }

    /// A chain starting from `spins` (±1, row-major), drawing from its own `rng`.
    pub fn chain(&self, spins: &[i8], rng: LaneRng) -> BoardChain<'_> {
        let mut ch = BoardChain {
            board: self,
            spins: [vec![0.0; self.len], vec![0.0; self.len]],
            rng,
            energy: 0.0,
        };
        ch.set_spins(spins);
        ch
    }
}

/// One chain's state on a [`Board`].
#[derive(Clone, Debug)]
pub struct BoardChain<'a> {
    board: &'a Board,
    spins: [Vec<f32>; 2],
    rng: LaneRng,
    energy: f64,
}

#[inline(always)]
fn lanes<T>(v: &[T], at: usize) -> &[T; LANES] {
    v[at..at + LANES].try_into().expect("a full chunk")
}

impl BoardChain<'_> {
    /// Replaces the configuration (±1, row-major).
    pub fn set_spins(&mut self, s: &[i8]) {
        let l = &self.board.layout;
        assert_eq!(s.len(), l.sites(), "configuration size");
        for a in &mut self.spins {
            a.fill(0.0);
        }
        for (c, slot, i) in l.sites_by_colour() {
            self.spins[c][slot] = s[i] as f32;
        }
        for c in 0..2 {
            self.ghosts(c);
        }
        self.energy = self.exact_energy();
    }

    /// The configuration as ±1 spins, row-major.
    pub fn spins(&self) -> Vec<i8> {
        let l = &self.board.layout;
        let mut s = vec![0i8; l.sites()];
        for (c, slot, i) in l.sites_by_colour() {
            s[i] = if self.spins[c][slot] > 0.0 { 1 } else { -1 };
        }
        s
    }

    /// The current configuration's energy in `f64`, kept up to date by every sweep.
    pub fn energy(&self) -> f64 {
        self.energy
    }

    /// One Metropolis sweep at inverse temperature `beta`: colour 0, then colour 1.
    pub fn sweep(&mut self, beta: f64) {
        let beta = beta as f32;
        for c in 0..2 {
            match self.board.isa {
                #[cfg(target_arch = "x86_64")]
                // SAFETY: `Isa::available` listed this ISA only if the CPU has it.
                Isa::Avx512 => unsafe { self.half_avx512(c, beta) },
                #[cfg(target_arch = "x86_64")]
                // SAFETY: as above.
                Isa::Avx2 => unsafe { self.half_avx2(c, beta) },
                _ => self.half_any(c, beta),
            }
            self.ghosts(c);
        }
        self.energy = match self.board.isa {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above.
            Isa::Avx512 => unsafe { self.energy_avx512() },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above.
            Isa::Avx2 => unsafe { self.energy_avx2() },
            _ => self.exact_energy(),
        };
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx2,fma")]
    fn half_avx512(&mut self, c: usize, beta: f32) {
        self.half_any(c, beta)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn half_avx2(&mut self, c: usize, beta: f32) {
        self.half_any(c, beta)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx2,fma")]
    fn energy_avx512(&self) -> f64 {
        self.exact_energy()
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn energy_avx2(&self) -> f64 {
        self.exact_energy()
    }

    /// Updates every slot of colour `c` (sites and the ghosts between them), reading only the
    /// other colour.
    #[inline(always)]
    fn half_any(&mut self, c: usize, beta: f32) {
        // Most instances have no field: a load and an add fewer per site.
        if self.board.h64.is_some() {
            self.half::<true>(c, beta)
        } else {
            self.half::<false>(c, beta)
        }
    }

    #[inline(always)]
    fn half<const FIELD: bool>(&mut self, c: usize, beta: f32) {
        let b = self.board;
        let [s0, s1] = &mut self.spins;
        let (mine, other) = if c == 0 { (s0, &*s1) } else { (s1, &*s0) };
        let j = &b.j32[c];
        for k in 0..b.chunks {
            let at = b.layout.row(0) + k * LANES;
            let u = self.rng.uniform();
            // Spelled out: `array::map` over references stays an out-of-line call here.
            let [o_up, o_down, o_west, o_mid, o_east] = b.layout.offsets(at);
            let (up, down, west, mid, east) = (
                lanes(other, o_up),
                lanes(other, o_down),
                lanes(other, o_west),
                lanes(other, o_mid),
                lanes(other, o_east),
            );
            let (ju, jd, jw, jm, je) = (
                lanes(&j[0], at),
                lanes(&j[1], at),
                lanes(&j[2], at),
                lanes(&j[3], at),
                lanes(&j[4], at),
            );
            let zero = [0.0f32; LANES];
            let hf = if FIELD { lanes(&b.h32[c], at) } else { &zero };
            let s: &mut F = (&mut mine[at..at + LANES]).try_into().expect("a full chunk");
            for l in 0..LANES {
                let field = je[l].mul_add(
                    east[l],
                    jm[l].mul_add(
                        mid[l],
                        jw[l].mul_add(west[l], jd[l].mul_add(down[l], ju[l].mul_add(up[l], hf[l]))),
                    ),
                );
                let de = 2.0 * s[l] * field;
                // ΔE ≤ 0 gives e⁰ = 1 > u: always accepted.
                let accept = exp_neg(-beta * de.max(0.0));
                s[l] = if u[l] < accept { -s[l] } else { s[l] };
            }
        }
    }

    /// Copies colour `c`'s far edges into its ghosts (periodic lattices only).
    fn ghosts(&mut self, c: usize) {
        let (a, l) = (&mut self.spins[c], &self.board.layout);
        for &(g, src) in &l.edge_ghosts {
            a[g as usize] = a[src as usize];
        }
        for &(g, src) in &l.row_ghosts {
            a.copy_within(src..src + l.w, g);
        }
    }

    /// `E = −Σ_{i∈colour 0} s_i Σ_d J_id s_d − Σ_i h_i s_i` in `f64`, summed in eight fixed
    /// partial sums so it vectorises and does not depend on the instruction set (ghost slots
    /// add exact zeros).
    #[inline(always)]
    fn exact_energy(&self) -> f64 {
        let b = self.board;
        let (mine, other) = (&self.spins[0], &self.spins[1]);
        let mut acc = [0.0f64; 8];
        for k in 0..b.chunks {
            let at = b.layout.row(0) + k * LANES;
            let [up, down, west, mid, east] = b.layout.offsets(at).map(|o| lanes(other, o));
            let [ju, jd, jw, jm, je] = [0, 1, 2, 3, 4].map(|d| lanes(&b.j64[d], at));
            let s = lanes(mine, at);
            for g in 0..LANES / 8 {
                for (l, acc) in acc.iter_mut().enumerate() {
                    let x = g * 8 + l;
                    let f = ju[x] * up[x] as f64
                        + jd[x] * down[x] as f64
                        + jw[x] * west[x] as f64
                        + jm[x] * mid[x] as f64
                        + je[x] * east[x] as f64;
                    *acc += s[x] as f64 * f;
                }
            }
        }
        let mut e = -acc.iter().sum::<f64>();
        if let Some(h) = &b.h64 {
            for (c, hc) in h.iter().enumerate() {
                e -= hc.iter().zip(&self.spins[c]).map(|(h, s)| h * *s as f64).sum::<f64>();
            }
        }
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::glass::instance::{random, BondKind};
    use crate::rng::{stream, tag};
    use crate::{Couplings, Fields, Lattice};

    fn random_spins(n: usize, seed: u64) -> Vec<i8> {
        crate::glass::random_spins(n, &mut stream(seed, tag("board-test"), 0))
    }

    #[test]
    fn layout_round_trips_and_energies_match_the_model() {
        for b in [Boundary::Open, Boundary::Periodic] {
            for (lx, ly) in [(2, 2), (4, 2), (6, 4), (10, 8)] {
                let mut m = random(lx, ly, b, BondKind::Gaussian, 3).unwrap();
                // A per-site field too.
                let hs: Vec<f64> = (0..lx * ly).map(|i| 0.1 * (i % 7) as f64 - 0.3).collect();
                m = Ising::new(m.lattice().clone(), m.couplings().clone(), Fields::PerSite(hs)).unwrap();
                let board = Board::new(&m).unwrap();
                let s = random_spins(lx * ly, 5);
                let mut ch = board.chain(&s, LaneRng::from_rng(&mut stream(1, tag("board-test"), 1)));
                assert_eq!(ch.spins(), s);
                assert!((ch.energy() - m.energy(&s)).abs() < 1e-9, "{b} {lx}x{ly}");
                for _ in 0..5 {
                    ch.sweep(0.8);
                    let now = ch.spins();
                    assert!((ch.energy() - m.energy(&now)).abs() < 1e-9, "{b} {lx}x{ly}");
                }
            }
        }
        let odd = random(5, 4, Boundary::Open, BondKind::Pm, 1).unwrap();
        assert!(Board::new(&odd).is_err());
    }

    #[test]
    fn samples_the_boltzmann_distribution_of_small_glasses() {
        // ⟨E⟩ of one chain against exact enumeration: 4×4 periodic (every site's left and right,
        // up and down neighbours distinct) and 4×2 open (degrees 2 and 3), ±J and Gaussian, and a
        // 2×2 torus whose doubled bonds test the wrap. Sweeps 4 apart are close to independent
        // here; the standard error uses sd / √(samples / 4) to allow for what correlation is left.
        let cases = [
            (4, 4, Boundary::Periodic, BondKind::Gaussian, 0.9),
            (4, 4, Boundary::Periodic, BondKind::Pm, 0.6),
            (4, 2, Boundary::Open, BondKind::Uniform, 1.4),
            (2, 2, Boundary::Periodic, BondKind::Gaussian, 0.7),
        ];
        for (k, &(lx, ly, bnd, kind, beta)) in cases.iter().enumerate() {
            let m = random(lx, ly, bnd, kind, 7 + k as u64).unwrap();
            let board = Board::new(&m).unwrap();
            let mut ch = board.chain(
                &random_spins(lx * ly, k as u64),
                LaneRng::from_rng(&mut stream(2, tag("board-test"), k as u64)),
            );
            let label = format!("{lx}x{ly} {bnd} {kind}");
            crate::glass::assert_samples_boltzmann(&m, beta, &label, |b| {
                ch.sweep(b);
                ch.energy()
            });
        }
    }

    #[test]
    fn every_instruction_set_gives_the_same_spins() {
        let m = random(12, 10, Boundary::Periodic, BondKind::Uniform, 2).unwrap();
        let s = random_spins(120, 9);
        let runs: Vec<(Vec<i8>, f64)> = Isa::available()
            .into_iter()
            .map(|isa| {
                let board = Board::new(&m).unwrap().with_isa(isa);
                let mut ch = board.chain(&s, LaneRng::from_rng(&mut stream(4, tag("board-test"), 1)));
                for _ in 0..50 {
                    ch.sweep(1.3);
                }
                (ch.spins(), ch.energy())
            })
            .collect();
        assert!(runs.windows(2).all(|w| w[0] == w[1]));
    }

    #[test]
    fn a_ferromagnet_orders_when_cold() {
        // Uniform J = 1 on a 16×16 torus quenched from random spins at β = 3: the energy ends
        // within a few domain walls of −2N (a sweep that never accepted would stay near 0).
        let l = Lattice::new(16, 16, Boundary::Periodic).unwrap();
        let m = Ising::new(l, Couplings::Uniform(1.0), Fields::Uniform(0.0)).unwrap();
        let board = Board::new(&m).unwrap();
        let mut ch = board.chain(
            &random_spins(256, 3),
            LaneRng::from_rng(&mut stream(5, tag("board-test"), 0)),
        );
        for _ in 0..2000 {
            ch.sweep(3.0);
        }
        assert!(ch.energy() < -0.8 * 512.0, "{}", ch.energy());
    }
}
