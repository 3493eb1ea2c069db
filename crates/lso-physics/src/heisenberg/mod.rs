//! Classical Heisenberg spins with Dzyaloshinskii–Moriya interaction (seed 001, Park et al.).
//!
//! `H = −J Σ_⟨ij⟩ S_i·S_j − Σ_⟨ij⟩ D_ij·(S_i × S_j) − K Σ_i (S_i^z)² − B Σ_i S_i^z`
//!
//! with unit spins `S_i`, each bond once, oriented from site `i` to its `+x` or `+y` neighbour
//! `j` (unit vector `r̂_ij`). Interfacial (Néel) DMI has `D_ij = D r̂_ij × ẑ`, bulk (Bloch) DMI
//! `D_ij = D r̂_ij`: the conventions of Spirit (`dm_chirality` 2 and 1), so a `D` means the
//! same chirality in both codes (`tests/spirit/` holds energies Spirit computed). With Néel DMI
//! and `D > 0`, the cycloid `S(x) = (−sin qx, 0, cos qx)` has energy `−J(1 + cos q) − D sin q`
//! per spin, lowest at `q = atan(D/J)`.
//!
//! The topological index `W` follows Berg and Lüscher: each plaquette is cut into two triangles
//! whose signed solid angles `Ω = 2 atan2(S₁·(S₂×S₃), 1 + S₁·S₂ + S₂·S₃ + S₃·S₁)` sum to
//! `4π W`; on a periodic lattice `W` is an integer. A skyrmion with its core pointing down in an
//! up background has `W = −1` in this convention.

mod checkerboard;
pub mod lanes;
pub mod relax;
pub mod texture;

pub use crate::isa::Isa;
pub use checkerboard::Checkerboard;
pub use lanes::LaneRng;

use crate::lattice::{Lattice, NONE};
use crate::PhysicsError;
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::f64::consts::PI;

pub type Spin = [f64; 3];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Dmi {
    /// Interfacial: `D_ij = D r̂_ij × ẑ` (cycloids, Néel skyrmions), Spirit's `dm_chirality 2`.
    #[default]
    Neel,
    /// Bulk: `D_ij = D r̂_ij` (helices, Bloch skyrmions), Spirit's `dm_chirality 1`.
    Bloch,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Heisenberg {
    lattice: Lattice,
    pub j: f64,
    pub d: f64,
    pub dmi: Dmi,
    pub k: f64,
    pub b: f64,
}

#[inline]
pub fn dot(a: Spin, b: Spin) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

#[inline]
pub fn cross(a: Spin, b: Spin) -> Spin {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

impl Heisenberg {
    pub fn new(lattice: Lattice, j: f64, d: f64, dmi: Dmi, k: f64, b: f64) -> Result<Self, PhysicsError> {
        for (what, v) in [("J", j), ("D", d), ("K", k), ("B", b)] {
            if !v.is_finite() {
                return Err(PhysicsError::InvalidParameter(format!(
                    "{what} must be finite, got {v}"
                )));
            }
        }
        Ok(Self {
            lattice,
            j,
            d,
            dmi,
            k,
            b,
        })
    }

    pub fn lattice(&self) -> &Lattice {
        &self.lattice
    }

    /// The DM vector of the bond leaving a site in direction `dir` (0: +x, 1: +y).
    pub fn dm_vector(&self, dir: usize) -> Spin {
        let r = if dir == 0 { [1.0, 0.0, 0.0] } else { [0.0, 1.0, 0.0] };
        let v = match self.dmi {
            Dmi::Neel => cross(r, [0.0, 0.0, 1.0]),
            Dmi::Bloch => r,
        };
        [self.d * v[0], self.d * v[1], self.d * v[2]]
    }

    /// The field `h_i` with `H = −S_i·h_i − K (S_i^z)² + (terms without S_i)`.
    pub fn local_field(&self, s: &[Spin], i: usize) -> Spin {
        let nb = self.lattice.neighbours(i);
        let mut h = [0.0, 0.0, self.b];
        for (dir, &jn) in nb.iter().enumerate() {
            if jn == NONE {
                continue;
            }
            let sj = s[jn as usize];
            // −D·(S_a × S_b) = −S_a·(S_b × D) = −S_b·(D × S_a): i is `a` on its +x/+y bonds and
            // `b` on the bonds arriving from −x/−y.
            let dm = self.dm_vector(dir % 2);
            let t = if dir < 2 { cross(sj, dm) } else { cross(dm, sj) };
            for c in 0..3 {
                h[c] += self.j * sj[c] + t[c];
            }
        }
        h
    }

    /// Energy change of replacing `S_i` by `new`.
    pub fn delta_energy(&self, s: &[Spin], i: usize, new: Spin) -> f64 {
        let h = self.local_field(s, i);
        let old = s[i];
        -dot([new[0] - old[0], new[1] - old[1], new[2] - old[2]], h) - self.k * (new[2] * new[2] - old[2] * old[2])
    }

    /// Energy of each site: its bonds to `+x` and `+y` plus its on-site terms (sums to the total).
    pub fn energy_density(&self, s: &[Spin]) -> Vec<f64> {
        (0..self.lattice.sites())
            .map(|i| {
                let mut e = -self.k * s[i][2] * s[i][2] - self.b * s[i][2];
                for dir in 0..2 {
                    let jn = self.lattice.neighbours(i)[dir];
                    if jn != NONE {
                        let sj = s[jn as usize];
                        e -= self.j * dot(s[i], sj) + dot(self.dm_vector(dir), cross(s[i], sj));
                    }
                }
                e
            })
            .collect()
    }

    pub fn energy(&self, s: &[Spin]) -> f64 {
        self.energy_density(s).iter().sum()
    }
}

/// Mean out-of-plane magnetisation.
pub fn mz(s: &[Spin]) -> f64 {
    s.iter().map(|v| v[2]).sum::<f64>() / s.len() as f64
}

/// Signed solid angle of the spherical triangle (Berg–Lüscher).
pub fn solid_angle(a: Spin, b: Spin, c: Spin) -> f64 {
    2.0 * dot(a, cross(b, c)).atan2(1.0 + dot(a, b) + dot(b, c) + dot(c, a))
}

/// Topological index `W = Σ Ω / 4π` over the plaquettes that exist (all of them on a torus).
pub fn topological_index(lattice: &Lattice, s: &[Spin]) -> f64 {
    let mut total = 0.0;
    for i in 0..lattice.sites() {
        let nb = lattice.neighbours(i);
        let (x, y) = (nb[0], nb[1]);
        if x == NONE || y == NONE {
            continue;
        }
        let xy = lattice.neighbours(x as usize)[1];
        if xy == NONE {
            continue;
        }
        let (s1, s2, s3, s4) = (s[i], s[x as usize], s[xy as usize], s[y as usize]);
        total += solid_angle(s1, s2, s3) + solid_angle(s1, s3, s4);
    }
    total / (4.0 * PI)
}

/// Energy per spin of the harmonic spin spiral `S(r) = cos(q·r) u + sin(q·r) v` of wavevector
/// `(qx, qy)`, for J and D alone, turning in the plane the DMI prefers:
/// `−J(cos qx + cos qy) − |D| √(sin² qx + sin² qy)`. Each bond gives `−J cos(q·a)` and
/// `−sin(q·a) D_a·(u × v)`; the x- and y-bond DM vectors are perpendicular and of length |D| for
/// Néel and Bloch alike, so the best plane normal `u × v` gains `|D|` times the length of
/// `(sin qx, sin qy)`.
pub fn spiral_energy(j: f64, d: f64, qx: f64, qy: f64) -> f64 {
    -j * (qx.cos() + qy.cos()) - d.abs() * qx.sin().hypot(qy.sin())
}

/// Every wavevector `q = 2π(n/lx, m/ly)` of a harmonic spiral that closes on an `lx × ly` torus,
/// restricted to the x axis (`Some(0)`), the y axis (`Some(1)`) or not at all (`None`), with its
/// integer indices.
fn commensurate_wavevectors(lx: usize, ly: usize, axis: Option<usize>) -> impl Iterator<Item = ([usize; 2], f64, f64)> {
    let (lx, ly) = (lx.max(1), ly.max(1));
    let nx = if axis == Some(1) { 1 } else { lx };
    let ny = if axis == Some(0) { 1 } else { ly };
    (0..ny).flat_map(move |m| {
        (0..nx).map(move |n| ([n, m], 2.0 * PI * n as f64 / lx as f64, 2.0 * PI * m as f64 / ly as f64))
    })
}

/// The wavevector indices of the lowest [`spiral_energy`] that closes on an `lx × ly` torus
/// (along `axis`, if given), and that energy per spin.
pub fn commensurate_spiral_wavevector(j: f64, d: f64, lx: usize, ly: usize, axis: Option<usize>) -> ([usize; 2], f64) {
    commensurate_wavevectors(lx, ly, axis)
        .map(|(n, qx, qy)| (n, spiral_energy(j, d, qx, qy)))
        .fold(([0, 0], f64::INFINITY), |best, c| if c.1 < best.1 { c } else { best })
}

/// Energy per spin of the lowest harmonic spin spiral that closes on a periodic `lx × ly`
/// lattice, over every commensurate wavevector, diagonal ones included. With J and D alone this
/// is the ground state: the energy is a quadratic form in the spins, its lowest eigenvalue over
/// the allowed q is a lower bound under `Σ|S_i|² = N` (Luttinger–Tisza), and that eigenvector is a
/// circular spiral, whose spins have unit length. With q free it is `−J − √(J² + D²)`, at
/// `tan q = D/J` along an axis; off the axes a lattice can fit a period better (on 32², D = 0.3:
/// −2.0443 for q = 2π(1, 1)/32 against −2.0393 for the best spiral along an axis).
pub fn commensurate_spiral_energy(j: f64, d: f64, lx: usize, ly: usize) -> f64 {
    commensurate_spiral_wavevector(j, d, lx, ly, None).1
}

/// Directional correlation `C(a) = ⟨S(r)·S(r + a)⟩` for a lattice vector `a = (ax, ay)`.
pub fn correlation(lattice: &Lattice, s: &[Spin], ax: i64, ay: i64) -> f64 {
    let (lx, ly) = (lattice.lx() as i64, lattice.ly() as i64);
    let mut sum = 0.0;
    let mut count = 0usize;
    for y in 0..ly {
        for x in 0..lx {
            let (tx, ty) = (x + ax, y + ay);
            let inside = (0..lx).contains(&tx) && (0..ly).contains(&ty);
            let (tx, ty) = match (inside, lattice.boundary()) {
                (true, _) => (tx, ty),
                (false, crate::Boundary::Periodic) => (tx.rem_euclid(lx), ty.rem_euclid(ly)),
                (false, crate::Boundary::Open) => continue,
            };
            sum += dot(s[(y * lx + x) as usize], s[(ty * lx + tx) as usize]);
            count += 1;
        }
    }
    sum / count.max(1) as f64
}

/// Spin structure factor `S(k) = Σ_c |Σ_r S_c(r) e^{ik·r}|² / N` averaged over shells of
/// `|k| ≈ 2π n / L` (square lattices); returns `(n, S)` for `n = 1 … L/2`.
pub fn radial_structure_factor(lattice: &Lattice, s: &[Spin]) -> Vec<(usize, f64)> {
    let l = lattice.lx();
    let n = lattice.sites() as f64;
    let mut shells = vec![(0.0, 0usize); l / 2 + 1];
    for ky in 0..l {
        for kx in 0..l {
            let (fx, fy) = (
                if kx > l / 2 { kx as i64 - l as i64 } else { kx as i64 },
                if ky > l / 2 { ky as i64 - l as i64 } else { ky as i64 },
            );
            let shell = ((fx * fx + fy * fy) as f64).sqrt().round() as usize;
            if shell == 0 || shell > l / 2 {
                continue;
            }
            let mut power = 0.0;
            for c in 0..3 {
                let (mut re, mut im) = (0.0, 0.0);
                for (i, v) in s.iter().enumerate() {
                    let phase = 2.0 * PI * ((kx * (i % l)) as f64 + (ky * (i / l)) as f64) / l as f64;
                    re += v[c] * phase.cos();
                    im += v[c] * phase.sin();
                }
                power += re * re + im * im;
            }
            shells[shell].0 += power / n;
            shells[shell].1 += 1;
        }
    }
    shells
        .into_iter()
        .enumerate()
        .skip(1)
        .map(|(k, (p, c))| (k, p / c.max(1) as f64))
        .collect()
}

/// A unit vector drawn from the Boltzmann weight `exp(β S·h)` (the exact heat-bath update):
/// `cos θ = 1 + ln(1 − u (1 − e^{−2β|h|})) / (β|h|)` about `h`, azimuth uniform.
pub fn heat_bath_draw<R: Rng + ?Sized>(h: Spin, beta: f64, rng: &mut R) -> Spin {
    let norm = dot(h, h).sqrt();
    let phi = 2.0 * PI * rng.random::<f64>();
    let a = beta * norm;
    let u: f64 = rng.random();
    let cos_t = if a < 1e-10 {
        1.0 - 2.0 * u
    } else {
        (1.0 + (u * (-2.0 * a).exp_m1()).ln_1p() / a).clamp(-1.0, 1.0)
    };
    let sin_t = (1.0 - cos_t * cos_t).max(0.0).sqrt();
    let local = [sin_t * phi.cos(), sin_t * phi.sin(), cos_t];
    if norm < 1e-300 {
        return local;
    }
    // Rotate ẑ onto ĥ.
    let n = [h[0] / norm, h[1] / norm, h[2] / norm];
    let (e1, e2) = frame(n);
    [0, 1, 2].map(|c| local[0] * e1[c] + local[1] * e2[c] + local[2] * n[c])
}

/// Unit vectors `e1`, `e2` completing the unit `n` to a right-handed orthonormal frame.
fn frame(n: Spin) -> (Spin, Spin) {
    let helper = if n[0].abs() < 0.9 {
        [1.0, 0.0, 0.0]
    } else {
        [0.0, 1.0, 0.0]
    };
    let c = cross(helper, n);
    let l = dot(c, c).sqrt();
    let e1 = [c[0] / l, c[1] / l, c[2] / l];
    (e1, cross(n, e1))
}

/// One heat-bath sweep (site order). Anisotropy, not linear in `S_i`, is handled exactly by a
/// Metropolis–Hastings correction of the linear-field draw.
pub fn heat_bath_sweep<R: Rng + ?Sized>(m: &Heisenberg, s: &mut [Spin], beta: f64, rng: &mut R) -> usize {
    let mut accepted = 0;
    for i in 0..s.len() {
        let h = m.local_field(s, i);
        let new = heat_bath_draw(h, beta, rng);
        let ok = m.k == 0.0 || {
            let d = beta * m.k * (new[2] * new[2] - s[i][2] * s[i][2]);
            d >= 0.0 || rng.random::<f64>() < d.exp()
        };
        if ok {
            s[i] = new;
            accepted += 1;
        }
    }
    accepted
}

/// Metropolis with a cone proposal: the new spin is drawn uniformly within angle `cone` of the
/// old one (a symmetric proposal). [`ConeMetropolis::adapt`] tunes the cone towards an acceptance
/// rate of one half during burn-in; keep it fixed while measuring.
#[derive(Clone, Debug, PartialEq)]
pub struct ConeMetropolis {
    pub cone: f64,
}

impl Default for ConeMetropolis {
    fn default() -> Self {
        Self { cone: 0.5 }
    }
}

/// A unit vector uniform on the cap of half-angle `cone` around `s`.
fn cone_draw<R: Rng + ?Sized>(s: Spin, cone: f64, rng: &mut R) -> Spin {
    // Uniform on the cap: cos θ uniform in [cos cone, 1].
    let cos_c = cone.min(PI).cos();
    let cos_t = 1.0 - rng.random::<f64>() * (1.0 - cos_c);
    let sin_t = (1.0 - cos_t * cos_t).max(0.0).sqrt();
    let phi = 2.0 * PI * rng.random::<f64>();
    let (e1, e2) = frame(s);
    let v = [0, 1, 2].map(|c| sin_t * phi.cos() * e1[c] + sin_t * phi.sin() * e2[c] + cos_t * s[c]);
    let l = dot(v, v).sqrt();
    [v[0] / l, v[1] / l, v[2] / l]
}

impl ConeMetropolis {
    /// One sweep in site order; returns the acceptance rate.
    pub fn sweep<R: Rng + ?Sized>(&self, m: &Heisenberg, s: &mut [Spin], beta: f64, rng: &mut R) -> f64 {
        let mut accepted = 0;
        for i in 0..s.len() {
            let new = cone_draw(s[i], self.cone, rng);
            let de = m.delta_energy(s, i, new);
            if de <= 0.0 || rng.random::<f64>() < (-beta * de).exp() {
                s[i] = new;
                accepted += 1;
            }
        }
        accepted as f64 / s.len() as f64
    }

    /// Widens the cone when more than half the moves are accepted, narrows it when fewer.
    pub fn adapt(&mut self, acceptance: f64) {
        self.cone = (self.cone * (0.5 + acceptance)).clamp(1e-3, PI);
    }
}

/// The two Heisenberg samplers a config can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum HeisenbergSampler {
    #[default]
    HeatBath,
    Metropolis,
}

/// Simulated annealing of one configuration along `betas`, `sweeps` sweeps at each; the cone of
/// Metropolis adapts as the temperature falls. Returns the final energy.
///
/// Lattices with even sides run the vectorised `f32` [`Checkerboard`] sweeps; others fall back
/// to [`anneal_scalar`].
pub fn anneal<R: Rng + ?Sized>(
    m: &Heisenberg,
    s: &mut [Spin],
    sampler: HeisenbergSampler,
    betas: &[f64],
    sweeps: usize,
    rng: &mut R,
) -> f64 {
    let Some(mut cb) = Checkerboard::new(m) else {
        return anneal_scalar(m, s, sampler, betas, sweeps, rng);
    };
    cb.load(s);
    let mut lanes = LaneRng::from_rng(rng);
    schedule(sampler, betas, sweeps, |beta, cone| match cone {
        None => cb.heat_bath_sweep(beta, &mut lanes) as f64,
        Some(cone) => cb.metropolis_sweep(beta, cone, &mut lanes),
    });
    s.copy_from_slice(&cb.spins());
    // Spins are stored as f32; renormalise in f64 so every caller gets unit vectors.
    for v in s.iter_mut() {
        let l = dot(*v, *v).sqrt();
        *v = v.map(|c| c / l);
    }
    m.energy(s)
}

/// [`anneal`] with the scalar `f64` site-order sweeps: the reference the checkerboard kernels are
/// tested against, and the path for odd lattice sides.
pub fn anneal_scalar<R: Rng + ?Sized>(
    m: &Heisenberg,
    s: &mut [Spin],
    sampler: HeisenbergSampler,
    betas: &[f64],
    sweeps: usize,
    rng: &mut R,
) -> f64 {
    schedule(sampler, betas, sweeps, |beta, cone| match cone {
        None => heat_bath_sweep(m, s, beta, rng) as f64,
        Some(cone) => ConeMetropolis { cone }.sweep(m, s, beta, rng),
    });
    m.energy(s)
}

/// Runs `sweeps` sweeps at each β; `sweep(β, None)` is a heat-bath sweep and `sweep(β, Some(cone))`
/// a Metropolis sweep returning its acceptance, from which the cone adapts.
fn schedule(sampler: HeisenbergSampler, betas: &[f64], sweeps: usize, mut sweep: impl FnMut(f64, Option<f64>) -> f64) {
    let mut cone = ConeMetropolis::default();
    for &beta in betas {
        crate::cancel::check();
        for _ in 0..sweeps {
            match sampler {
                HeisenbergSampler::HeatBath => {
                    sweep(beta, None);
                }
                HeisenbergSampler::Metropolis => cone.adapt(sweep(beta, Some(cone.cone))),
            }
        }
    }
}

/// A uniformly random unit vector.
pub fn random_spin<R: Rng + ?Sized>(rng: &mut R) -> Spin {
    heat_bath_draw([0.0, 0.0, 0.0], 1.0, rng)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{stream, tag};
    use crate::Boundary;

    fn skyrmion(l: usize, radius: f64) -> Vec<Spin> {
        let c = l as f64 / 2.0;
        (0..l * l)
            .map(|i| {
                let (x, y) = ((i % l) as f64 + 0.5 - c, (i / l) as f64 + 0.5 - c);
                let r = (x * x + y * y).sqrt();
                let theta = if r < radius { PI * (1.0 - r / radius) } else { 0.0 };
                let phi = y.atan2(x);
                [theta.sin() * phi.cos(), theta.sin() * phi.sin(), theta.cos()]
            })
            .collect()
    }

    #[test]
    fn skyrmions_have_integer_charge_and_uniform_states_none() {
        for (l, r) in [(32usize, 10.0), (64, 20.0), (64, 6.0)] {
            let lat = Lattice::new(l, l, Boundary::Periodic).unwrap();
            let w = topological_index(&lat, &skyrmion(l, r));
            assert!((w + 1.0).abs() < 1e-6, "L = {l}, R = {r}: W = {w}");
        }
        let lat = Lattice::new(16, 16, Boundary::Periodic).unwrap();
        assert!(topological_index(&lat, &vec![[0.0, 0.0, 1.0]; 256]).abs() < 1e-12);
        let spiral: Vec<Spin> = (0..256)
            .map(|i| {
                let q = 2.0 * PI * (i % 16) as f64 / 16.0;
                [q.sin(), 0.0, q.cos()]
            })
            .collect();
        assert!(topological_index(&lat, &spiral).abs() < 1e-9);
        // Any configuration on a torus has an integer index.
        let mut rng = stream(2, tag("w"), 0);
        let noise: Vec<Spin> = (0..256).map(|_| random_spin(&mut rng)).collect();
        let w = topological_index(&lat, &noise);
        assert!((w - w.round()).abs() < 1e-9, "{w}");
    }

    #[test]
    fn spiral_energy_matches_the_closed_form() {
        let l = 20;
        let lat = Lattice::new(l, l, Boundary::Periodic).unwrap();
        let m = Heisenberg::new(lat, 1.0, 0.3, Dmi::Neel, 0.0, 0.0).unwrap();
        let mut lowest = f64::INFINITY;
        for n in 0..l {
            let q = 2.0 * PI * n as f64 / l as f64;
            let s: Vec<Spin> = (0..l * l)
                .map(|i| {
                    let a = q * (i % l) as f64;
                    [-a.sin(), 0.0, a.cos()]
                })
                .collect();
            let per_spin = m.energy(&s) / (l * l) as f64;
            // x-bonds give −J cos q − D sin q, y-bonds −J.
            assert!((per_spin - (-(1.0 + q.cos()) - 0.3 * q.sin())).abs() < 1e-12, "q = {q}");
            lowest = lowest.min(per_spin);
        }
        assert!((commensurate_spiral_energy(1.0, 0.3, l, l) - lowest).abs() < 1e-12);
        // Never below the continuum optimum, and within 1e-3 of it once a period nearly fits.
        let free = -1.0 - (1.0f64 + 0.09).sqrt();
        assert!(lowest > free && lowest - free < 1e-3, "{lowest} vs {free}");
        // Bloch DMI favours the helix rotating in the plane normal to its wavevector instead:
        // S(x) = (0, −sin qx, cos qx) has the same closed form, and the cycloid gains nothing.
        let m = Heisenberg::new(
            Lattice::new(l, l, Boundary::Periodic).unwrap(),
            1.0,
            0.3,
            Dmi::Bloch,
            0.0,
            0.0,
        )
        .unwrap();
        let q = 2.0 * PI / l as f64;
        let helix: Vec<Spin> = (0..l * l)
            .map(|i| {
                let a = q * (i % l) as f64;
                [0.0, -a.sin(), a.cos()]
            })
            .collect();
        assert!((m.energy(&helix) / (l * l) as f64 - (-(1.0 + q.cos()) - 0.3 * q.sin())).abs() < 1e-12);
        let cycloid: Vec<Spin> = (0..l * l)
            .map(|i| {
                let a = q * (i % l) as f64;
                [a.sin(), 0.0, a.cos()]
            })
            .collect();
        assert!((m.energy(&cycloid) / (l * l) as f64 - (-(1.0 + q.cos()))).abs() < 1e-12);
    }

    #[test]
    fn one_spin_energy_change_matches_full_energies() {
        let mut rng = stream(4, tag("heis-de"), 0);
        for (b, open) in [(0.2, false), (-0.4, true)] {
            let bound = if open { Boundary::Open } else { Boundary::Periodic };
            for dmi in [Dmi::Neel, Dmi::Bloch] {
                let m = Heisenberg::new(Lattice::new(5, 4, bound).unwrap(), 0.8, 0.37, dmi, 0.21, b).unwrap();
                let mut s: Vec<Spin> = (0..20).map(|_| random_spin(&mut rng)).collect();
                for _ in 0..50 {
                    let i = rng.random_range(0..20);
                    let new = random_spin(&mut rng);
                    let before = m.energy(&s);
                    let de = m.delta_energy(&s, i, new);
                    s[i] = new;
                    assert!((m.energy(&s) - before - de).abs() < 1e-12);
                }
            }
        }
    }

    /// cos θ about a fixed field has density ∝ exp(a cos θ) on [−1, 1]: binned counts against
    /// the exact probabilities, each within 4 standard errors, and a χ² over 20 bins.
    #[test]
    fn heat_bath_draws_follow_the_boltzmann_distribution() {
        let mut rng = stream(6, tag("hb-dist"), 0);
        let h = [0.3, -0.5, 0.9];
        let beta = 1.7;
        let hn = dot(h, h).sqrt();
        let a = beta * hn;
        let n = 200_000;
        let bins = 20;
        let mut counts = vec![0usize; bins];
        for _ in 0..n {
            let s = heat_bath_draw(h, beta, &mut rng);
            assert!((dot(s, s) - 1.0).abs() < 1e-12);
            let c = dot(s, h) / hn;
            counts[(((c + 1.0) / 2.0 * bins as f64) as usize).min(bins - 1)] += 1;
        }
        let cdf = |c: f64| ((a * c).exp() - (-a).exp()) / (a.exp() - (-a).exp());
        let mut chi2 = 0.0;
        for (k, &count) in counts.iter().enumerate() {
            let lo = -1.0 + 2.0 * k as f64 / bins as f64;
            let p = cdf(lo + 2.0 / bins as f64) - cdf(lo);
            let expected = p * n as f64;
            let sd = (n as f64 * p * (1.0 - p)).sqrt();
            assert!(
                (count as f64 - expected).abs() < 4.0 * sd,
                "bin {k}: {count} vs {expected:.0}"
            );
            chi2 += (count as f64 - expected).powi(2) / expected;
        }
        // 19 degrees of freedom: the 99.9% point is 43.8.
        assert!(chi2 < 43.8, "χ² = {chi2}");
    }

    /// Annealed J = 1, D = 0.3 makes stripes whose period, from the structure-factor peak, is
    /// within 20% of 2π / atan(D/J) ≈ 21.6 sites.
    #[test]
    fn annealed_labyrinths_have_the_dmi_period() {
        let l = 64;
        let lat = Lattice::new(l, l, Boundary::Periodic).unwrap();
        let m = Heisenberg::new(lat.clone(), 1.0, 0.3, Dmi::Neel, 0.0, 0.0).unwrap();
        let mut rng = stream(10, tag("labyrinth"), 0);
        let mut s: Vec<Spin> = (0..l * l).map(|_| random_spin(&mut rng)).collect();
        for k in 0..1500 {
            let t = 1.5 * (0.02f64 / 1.5).powf(k as f64 / 1499.0);
            heat_bath_sweep(&m, &mut s, 1.0 / t, &mut rng);
        }
        let sf = radial_structure_factor(&lat, &s);
        let (peak, _) = sf
            .iter()
            .cloned()
            .fold((0, f64::NEG_INFINITY), |a, b| if b.1 > a.1 { b } else { a });
        let period = l as f64 / peak as f64;
        let expected = 2.0 * PI / 0.3f64.atan();
        assert!(
            (period - expected).abs() < 0.2 * expected,
            "period {period} (shell {peak}), expected {expected:.1}"
        );
    }

    /// Mean and batch-means error of the energy per spin over `sweeps` calls of `sweep`, after
    /// `burn_in`. `sweep(None)` is a heat-bath sweep, `sweep(Some(cone))` a Metropolis one; each
    /// returns its acceptance and the energy after it. The cone adapts during burn-in only.
    pub(super) fn mean_energy(
        sweeps: usize,
        burn_in: usize,
        metropolis: bool,
        mut sweep: impl FnMut(Option<f64>) -> (f64, f64),
    ) -> crate::stats::Estimate {
        let mut cone = ConeMetropolis::default();
        let mut e = Vec::new();
        for t in 0..sweeps {
            let (acceptance, energy) = sweep(metropolis.then_some(cone.cone));
            if metropolis && t < burn_in {
                cone.adapt(acceptance);
            }
            if t >= burn_in {
                e.push(energy);
            }
        }
        crate::stats::batch_means(&e, 50)
    }

    /// Heat bath and cone Metropolis sample the same distribution: the mean energy of a small
    /// chiral torus at T = 1 agrees within 4 combined standard errors.
    #[test]
    fn heat_bath_and_metropolis_agree() {
        let m = Heisenberg::new(
            Lattice::new(4, 4, Boundary::Periodic).unwrap(),
            1.0,
            0.3,
            Dmi::Neel,
            0.1,
            0.2,
        )
        .unwrap();
        let mut rng = stream(12, tag("heis-agree"), 0);
        let mut run = |metropolis: bool| {
            let mut s = vec![[0.0, 0.0, 1.0]; 16];
            mean_energy(60_000, 1000, metropolis, |cone| {
                let acc = match cone {
                    Some(cone) => ConeMetropolis { cone }.sweep(&m, &mut s, 1.0, &mut rng),
                    None => heat_bath_sweep(&m, &mut s, 1.0, &mut rng) as f64,
                };
                (acc, m.energy(&s) / 16.0)
            })
        };
        let (a, b) = (run(false), run(true));
        let z = (a.mean - b.mean).abs() / (a.err.powi(2) + b.err.powi(2)).sqrt();
        assert!(z < 4.0, "heat bath {a:?} vs metropolis {b:?}");
        assert!(a.err < 0.01 && b.err < 0.01);
    }

    #[test]
    fn annealing_lowers_the_energy_below_the_ferromagnet() {
        let l = 16;
        let m = Heisenberg::new(
            Lattice::new(l, l, Boundary::Periodic).unwrap(),
            1.0,
            0.3,
            Dmi::Neel,
            0.0,
            0.0,
        )
        .unwrap();
        let mut rng = stream(8, tag("heis-anneal"), 0);
        let mut s: Vec<Spin> = (0..l * l).map(|_| random_spin(&mut rng)).collect();
        for k in 0..400 {
            let t = 2.0 * (0.01f64 / 2.0).powf(k as f64 / 399.0);
            heat_bath_sweep(&m, &mut s, 1.0 / t, &mut rng);
        }
        // The ferromagnet has −2 per spin; DMI lets a modulated state do better.
        let e = m.energy(&s) / (l * l) as f64;
        assert!(e < -2.0, "energy per spin {e}");
        assert!(s.iter().all(|v| (dot(*v, *v) - 1.0).abs() < 1e-12));
    }
}
