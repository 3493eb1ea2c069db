//! Measures of a texture's order that seed 001's claims are stated in: how much of the S_z
//! modulation is one stripe wave, and how many skyrmions a triangular lattice at the helical
//! wavelength puts on a lattice.

use super::{Heisenberg, Spin};
use crate::Lattice;
use std::f64::consts::TAU;

/// The fraction of the S_z structure factor's power at `q ≠ 0` that lies in its single strongest
/// `±q` pair: 1 for a single spin spiral or stripe, about 1/3 for a triple-q skyrmion lattice,
/// small for a labyrinth. The mean (q = 0, the net M_z) is not modulation and is left out; a
/// field with no modulation at all gives 0.
///
/// The transform is separable (rows, then columns), O(N·(Lx + Ly)).
pub fn stripe_order(lattice: &Lattice, s: &[Spin]) -> f64 {
    let (lx, ly) = (lattice.lx(), lattice.ly());
    assert_eq!(s.len(), lx * ly, "one spin per site");
    let twiddles = |l: usize| -> Vec<(f64, f64)> {
        (0..l)
            .map(|k| {
                let a = std::f64::consts::TAU * k as f64 / l as f64;
                (a.cos(), -a.sin())
            })
            .collect()
    };
    let (tx, ty) = (twiddles(lx), twiddles(ly));
    // rows[y][kx] = Σ_x S_z(x, y) e^{-i kx x}
    let mut rows = vec![(0.0, 0.0); lx * ly];
    for y in 0..ly {
        for kx in 0..lx {
            let (mut re, mut im) = (0.0, 0.0);
            for x in 0..lx {
                let (c, sn) = tx[(kx * x) % lx];
                let v = s[y * lx + x][2];
                re += v * c;
                im += v * sn;
            }
            rows[y * lx + kx] = (re, im);
        }
    }
    let mut power = vec![0.0; lx * ly];
    for kx in 0..lx {
        for ky in 0..ly {
            let (mut re, mut im) = (0.0, 0.0);
            for y in 0..ly {
                let (c, sn) = ty[(ky * y) % ly];
                let (a, b) = rows[y * lx + kx];
                re += a * c - b * sn;
                im += a * sn + b * c;
            }
            power[ky * lx + kx] = re * re + im * im;
        }
    }
    power[0] = 0.0;
    let total: f64 = power.iter().sum();
    if total <= 1e-12 * (lx * ly * lx * ly) as f64 {
        return 0.0;
    }
    // S(q) = S(−q) for a real field: the pair is the point and its mirror (once, if they are the
    // same point, at the zone boundary).
    let (k, &peak) = power
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .expect("at least one site");
    let (kx, ky) = (k % lx, k / lx);
    let mirror = ((ly - ky) % ly) * lx + (lx - kx) % lx;
    let pair = if mirror == k { peak } else { peak + power[mirror] };
    pair / total
}

/// Skyrmions a triangular skyrmion lattice at the helical wavelength λ = 2π/atan(D/J) puts on
/// `sites` sites: three helices of wavevector 2π/λ give a lattice constant a = 2λ/√3, one
/// skyrmion per cell of area (√3/2)a², so √3·sites/(2λ²). About 7.6 on 64² at D/J = 0.3.
pub fn skyrmion_lattice_count(sites: usize, j: f64, d: f64) -> f64 {
    let lambda = std::f64::consts::TAU / (d / j).abs().atan();
    3f64.sqrt() * sites as f64 / (2.0 * lambda * lambda)
}

/// The harmonic spin spiral `S(r) = cos(q·r) ẑ + sin(q·r) v` of wavevector
/// `q = 2π(n/lx, m/ly)`, in the rotation plane and sense that give `m` its lowest energy: the
/// plane's normal `ẑ × v` lies along ±`sin qx D_x + sin qy D_y` (cycloids for Néel DMI, helices
/// for Bloch, either sign of D), and of the two senses the lower-energy one is taken.
pub fn harmonic_spiral(m: &Heisenberg, [n, k]: [usize; 2]) -> Vec<Spin> {
    let lat = m.lattice();
    let (lx, ly) = (lat.lx(), lat.ly());
    let (qx, qy) = (TAU * n as f64 / lx as f64, TAU * k as f64 / ly as f64);
    let (dx, dy) = (m.dm_vector(0), m.dm_vector(1));
    let a: Spin = std::array::from_fn(|c| qx.sin() * dx[c] + qy.sin() * dy[c]);
    let len = super::dot(a, a).sqrt();
    // No DMI gain (q = 0, D = 0): any plane through ẑ.
    let normal = if len > 1e-12 {
        a.map(|c| c / len)
    } else {
        [0.0, 1.0, 0.0]
    };
    let v = super::cross(normal, [0.0, 0.0, 1.0]);
    let build = |v: Spin| -> Vec<Spin> {
        (0..lx * ly)
            .map(|i| {
                let (s, c) = (qx * (i % lx) as f64 + qy * (i / lx) as f64).sin_cos();
                [s * v[0], s * v[1], c + s * v[2]]
            })
            .collect()
    };
    let (p, q) = (build(v), build(v.map(|c| -c)));
    if m.energy(&p) <= m.energy(&q) {
        p
    } else {
        q
    }
}

/// The lowest harmonic spiral that closes on the lattice (the ground state for J and D alone on
/// a torus: [`commensurate_spiral_energy`](super::commensurate_spiral_energy)), or the lowest
/// one whose wavevector lies along `axis` (0: x, its stripes running along y; 1: y).
pub fn commensurate_spiral(m: &Heisenberg, axis: Option<usize>) -> Vec<Spin> {
    let lat = m.lattice();
    let (n, _) = super::commensurate_spiral_wavevector(m.j, m.d, lat.lx(), lat.ly(), axis);
    harmonic_spiral(m, n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::heisenberg::{commensurate_spiral_energy, correlation, spiral_energy, Dmi};
    use crate::rng::{stream, tag};
    use crate::Boundary;

    fn field(l: usize, f: impl Fn(f64, f64) -> f64) -> Vec<Spin> {
        (0..l * l)
            .map(|i| {
                let z = f((i % l) as f64, (i / l) as f64).clamp(-1.0, 1.0);
                let r = (1.0 - z * z).sqrt();
                [r, 0.0, z]
            })
            .collect()
    }

    #[test]
    fn a_spiral_is_one_stripe_wave_and_a_triple_q_lattice_a_third() {
        let l = 32;
        let lat = Lattice::new(l, l, Boundary::Periodic).unwrap();
        let q = TAU * 3.0 / l as f64;
        // A spiral along x, and one along the diagonal (the pair is (3, 3) and (−3, −3)).
        for s in [field(l, |x, _| (q * x).cos()), field(l, |x, y| (q * (x + y)).cos())] {
            assert!((stripe_order(&lat, &s) - 1.0).abs() < 1e-9);
        }
        // Three commensurate waves of equal amplitude: each pair holds a third of the power.
        let tri = field(l, |x, y| ((q * x).cos() + (q * y).cos() + (q * (x + y)).cos()) / 3.0);
        assert!((stripe_order(&lat, &tri) - 1.0 / 3.0).abs() < 1e-9);
        // A wave plus a uniform tilt: the mean is not counted.
        let tilted = field(l, |x, _| 0.3 + 0.5 * (q * x).cos());
        assert!((stripe_order(&lat, &tilted) - 1.0).abs() < 1e-9);
        // A uniform field has no modulation; random spins spread their power over every q.
        assert_eq!(stripe_order(&lat, &field(l, |_, _| 0.8)), 0.0);
        let mut rng = stream(1, tag("stripe-test"), 0);
        let random: Vec<Spin> = (0..l * l).map(|_| crate::heisenberg::random_spin(&mut rng)).collect();
        assert!(stripe_order(&lat, &random) < 0.05);
    }

    #[test]
    fn the_skyrmion_lattice_count_follows_the_helical_wavelength() {
        // λ = 2π/atan(0.3) ≈ 21.56: about 7.6 skyrmions on 64², four times that on 128².
        let n64 = skyrmion_lattice_count(64 * 64, 1.0, 0.3);
        assert!((n64 - 7.63).abs() < 0.05, "{n64}");
        assert!((skyrmion_lattice_count(128 * 128, 1.0, 0.3) / n64 - 4.0).abs() < 1e-12);
    }

    #[test]
    fn every_harmonic_spiral_has_the_closed_form_energy_for_either_dmi_and_sign() {
        for (dmi, d, l) in [
            (Dmi::Neel, 0.3, 12),
            (Dmi::Bloch, 0.3, 12),
            (Dmi::Neel, -0.3, 10),
            (Dmi::Bloch, -0.5, 8),
        ] {
            let lat = Lattice::new(l, l, Boundary::Periodic).unwrap();
            let m = Heisenberg::new(lat.clone(), 1.0, d, dmi, 0.0, 0.0).unwrap();
            for n in 0..l {
                for k in 0..l {
                    let s = harmonic_spiral(&m, [n, k]);
                    assert!(s.iter().all(|v| (super::super::dot(*v, *v) - 1.0).abs() < 1e-12));
                    let (qx, qy) = (TAU * n as f64 / l as f64, TAU * k as f64 / l as f64);
                    let per_spin = m.energy(&s) / (l * l) as f64;
                    let want = spiral_energy(1.0, d, qx, qy);
                    assert!(
                        (per_spin - want).abs() < 1e-12,
                        "{dmi:?} D = {d} q = ({n}, {k}): {per_spin} vs {want}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_ground_spiral_on_32_squared_runs_diagonally_and_nothing_relaxes_below_it() {
        let l = 32;
        let lat = Lattice::new(l, l, Boundary::Periodic).unwrap();
        let m = Heisenberg::new(lat.clone(), 1.0, 0.3, Dmi::Neel, 0.0, 0.0).unwrap();
        let ground = commensurate_spiral_energy(1.0, 0.3, l, l);
        let n = (l * l) as f64;
        let s = commensurate_spiral(&m, None);
        assert!((m.energy(&s) / n - ground).abs() < 1e-12);
        assert!((ground - -2.044_34).abs() < 1e-5, "{ground}");
        assert!(stripe_order(&lat, &s) > 1.0 - 1e-9);
        // The best spiral along an axis is 0.005 higher: stripes along x are x-invariant.
        let axis = commensurate_spiral(&m, Some(1));
        assert!(m.energy(&axis) / n > ground + 0.004);
        assert!((correlation(&lat, &axis, 1, 0) - 1.0).abs() < 1e-12);
        assert!(correlation(&lat, &s, 1, 0) < 0.99);
        // A lower bound: relaxing random and perturbed states never goes below it, and the
        // perturbed ground state comes back to it.
        let settings = crate::heisenberg::relax::RelaxSettings {
            tolerance: 1e-7,
            ..Default::default()
        };
        let mut rng = stream(4, tag("ground-spiral"), 0);
        for start in 0..3 {
            let mut t: Vec<Spin> = if start == 0 {
                s.iter()
                    .map(|v| {
                        let r = crate::heisenberg::random_spin(&mut rng);
                        let x: Spin = std::array::from_fn(|c| v[c] + 0.2 * r[c]);
                        let k = super::super::dot(x, x).sqrt();
                        x.map(|c| c / k)
                    })
                    .collect()
            } else {
                (0..l * l).map(|_| crate::heisenberg::random_spin(&mut rng)).collect()
            };
            let out = crate::heisenberg::relax::relax(&m, &mut t, &settings).unwrap();
            let per_spin = out.energy_after / n;
            assert!(per_spin > ground - 1e-9, "start {start}: {per_spin} below {ground}");
            if start == 0 {
                assert!((per_spin - ground).abs() < 1e-8, "{per_spin} vs {ground}");
            }
        }
    }
}
