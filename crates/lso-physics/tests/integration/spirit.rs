//! lso's Heisenberg–DMI energies against Spirit's for the same textures and parameters.
//!
//! The energies below were computed by Spirit 2.2.0 with `tests/spirit/spirit_energies.py`, which
//! builds the same texture; rerun it to regenerate them. Spirit returns energies as float32,
//! hence the tolerance. A Néel or Bloch `D` of the opposite sign differs by about 1 here.

use lso_physics::heisenberg::{Dmi, Heisenberg, Spin};
use lso_physics::{Boundary, Lattice};

/// `(lx, ly, boundary, dmi, D, K, B, Spirit's energy)`, with J = 1.
type Case = (usize, usize, Boundary, Dmi, f64, f64, f64, f64);

const SPIRIT: [Case; 8] = [
    (8, 6, Boundary::Periodic, Dmi::Neel, 0.3, 0.0, 0.0, -62.37309),
    (8, 6, Boundary::Periodic, Dmi::Neel, -0.3, 0.0, 0.0, -61.49787),
    (8, 6, Boundary::Periodic, Dmi::Bloch, 0.3, 0.0, 0.0, -59.50607),
    (8, 6, Boundary::Periodic, Dmi::Bloch, -0.3, 0.0, 0.0, -64.36488),
    (8, 6, Boundary::Open, Dmi::Neel, 0.3, 0.0, 0.0, -67.52369),
    (7, 5, Boundary::Open, Dmi::Bloch, 0.3, 0.0, 0.0, -46.36483),
    (7, 5, Boundary::Periodic, Dmi::Neel, 0.45, 0.1, 0.05, -45.97624),
    (7, 5, Boundary::Periodic, Dmi::Bloch, 0.45, 0.1, 0.05, -43.37355),
];

/// The texture of `spirit_energies.py`, x fastest.
fn texture(lx: usize, ly: usize) -> Vec<Spin> {
    let mut s = Vec::with_capacity(lx * ly);
    for y in 0..ly {
        for x in 0..lx {
            let (x, y) = (x as f64, y as f64);
            let theta = 1.2 + 0.9 * (0.7 * x + 0.31 * y).sin() + 0.4 * (1.3 * y - 0.2 * x).cos();
            let phi = 0.45 * x - 0.8 * y + 0.05 * x * y;
            s.push([theta.sin() * phi.cos(), theta.sin() * phi.sin(), theta.cos()]);
        }
    }
    s
}

/// J = 1, Néel D = 0.3 on a torus: Spirit's `dm_chirality 2`, `dij 0.3`.
fn neel_torus(lx: usize, ly: usize) -> Heisenberg {
    Heisenberg::new(
        Lattice::new(lx, ly, Boundary::Periodic).unwrap(),
        1.0,
        0.3,
        Dmi::Neel,
        0.0,
        0.0,
    )
    .unwrap()
}

fn fixture(file: &str) -> lso_physics::ovf::OvfField {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/spirit")
        .join(file);
    lso_physics::ovf::decode(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn energies_match_spirit_for_both_chiralities_and_signs() {
    for (lx, ly, boundary, dmi, d, k, b, spirit) in SPIRIT {
        let m = Heisenberg::new(Lattice::new(lx, ly, boundary).unwrap(), 1.0, d, dmi, k, b).unwrap();
        let e = m.energy(&texture(lx, ly));
        assert!(
            (e - spirit).abs() < 2e-4,
            "{lx}×{ly} {boundary:?} {dmi:?} D = {d}, K = {k}, B = {b}: lso {e}, Spirit {spirit}"
        );
    }
}

#[test]
fn the_neel_cycloid_that_spirit_favours_is_the_one_lso_favours() {
    // Spirit (dm_chirality 2, D = 0.3) gives this 8×6 cycloid along x, S = (s sin qx, 0, cos qx),
    // −87.52986 for s = −1 and −83.49932 for s = +1.
    let m = neel_torus(8, 6);
    let q = 0.3f64.atan();
    let cycloid = |s: f64| -> Vec<Spin> {
        (0..48)
            .map(|i| {
                let a = q * (i % 8) as f64;
                [s * a.sin(), 0.0, a.cos()]
            })
            .collect()
    };
    assert!((m.energy(&cycloid(-1.0)) - -87.52986).abs() < 2e-4);
    assert!((m.energy(&cycloid(1.0)) - -83.49932).abs() < 2e-4);
}

#[test]
fn spirits_own_ovf_files_read_back_as_the_texture() {
    let want = texture(7, 5);
    for (file, tol) in [("texture_7x5_text.ovf", 1e-11), ("texture_7x5_bin8.ovf", 1e-15)] {
        let f = fixture(file);
        assert_eq!((f.nx, f.ny, f.segments()), (7, 5, 1), "{file}");
        let worst = f
            .spins
            .iter()
            .zip(&want)
            .flat_map(|(a, b)| (0..3).map(move |c| (a[c] - b[c]).abs()))
            .fold(0.0, f64::max);
        assert!(worst <= tol, "{file}: off by {worst}");
    }
}

#[test]
fn relaxing_a_labyrinth_reaches_the_minimum_spirit_reaches() {
    use lso_physics::heisenberg::relax::{relax, Method, RelaxSettings, Stop};
    // An annealed 24×24 labyrinth (Néel, D = 0.3, periodic); Spirit's velocity projection,
    // converged to 1e-10, ends at −1177.09717 from this start (`relaxed_labyrinth()` in the script).
    let f = fixture("labyrinth_24x24.ovf");
    let m = neel_torus(24, 24);
    for method in [Method::Lbfgs, Method::VelocityProjection] {
        let mut s = f.spins.clone();
        let cfg = RelaxSettings {
            method,
            ..RelaxSettings::default()
        };
        let out = relax(&m, &mut s, &cfg).unwrap();
        assert_eq!(out.stop, Stop::Converged, "{method:?}: {out:?}");
        assert!((out.energy_after - -1177.09717).abs() < 2e-4, "{method:?}: {out:?}");
    }
}
