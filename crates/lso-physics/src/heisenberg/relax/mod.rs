//! Zero-temperature relaxation of unit-spin fields, by one of two minimisers of Spirit, each with
//! a monotone safeguard (a step that would raise the energy is refused), so the energy never
//! increases:
//! - [`Method::Lbfgs`] (the default): L-BFGS on rotations of the spins ([`lbfgs`]);
//! - [`Method::VelocityProjection`]: damped dynamics along the projected force ([`vp`]).
//!
//! Both stop when the largest torque `|S_i × F_i|` (with `F_i = −∂E/∂S_i`) is below the
//! tolerance, when the step has shrunk to nothing (a minimum to rounding), or after `max_steps`.

mod lbfgs;
mod vp;

use super::{cross, dot, Heisenberg, Spin};
use crate::lattice::NONE;
use crate::PhysicsError;
use serde::{Deserialize, Serialize};

/// Which minimiser relaxes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// L-BFGS in orthogonal spin optimisation (Ivanov, Uzdin and Jónsson 2021).
    #[default]
    Lbfgs,
    /// Velocity projection (Bessarab et al. 2015).
    VelocityProjection,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RelaxSettings {
    /// Settings written before there was a choice were relaxed by the velocity projection.
    #[serde(default = "Method::velocity_projection")]
    pub method: Method,
    /// Stop once every torque `|S_i × F_i|` is below this (units of J). Below about 1e-8 the
    /// gain of a step is lost in the rounding of unit vectors in f64, and a run stalls instead.
    pub tolerance: f64,
    pub max_steps: usize,
    /// Velocity projection only: the first time step; it halves on a refused step and grows by
    /// 10% on an accepted one.
    pub dt: f64,
    pub dt_max: f64,
}

impl Default for RelaxSettings {
    fn default() -> Self {
        Self {
            method: Method::default(),
            tolerance: 1e-7,
            max_steps: 100_000,
            dt: 0.2,
            dt_max: 1.0,
        }
    }
}

impl RelaxSettings {
    pub fn check(&self) -> Result<(), PhysicsError> {
        let bad =
            |what: &str, v: f64| PhysicsError::InvalidParameter(format!("{what} must be positive and finite, got {v}"));
        for (what, v) in [("tolerance", self.tolerance), ("dt", self.dt), ("dt_max", self.dt_max)] {
            if !(v > 0.0 && v.is_finite()) {
                return Err(bad(what, v));
            }
        }
        if self.max_steps == 0 {
            return Err(PhysicsError::InvalidParameter("max_steps must be at least 1".into()));
        }
        Ok(())
    }
}

impl Method {
    fn velocity_projection() -> Self {
        Self::VelocityProjection
    }
}

/// Why a relaxation stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stop {
    /// Every torque below the tolerance.
    Converged,
    /// No step lowers the energy any more, though some torque is above the tolerance.
    Stalled,
    /// `max_steps` reached.
    StepLimit,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Relaxed {
    pub energy_before: f64,
    pub energy_after: f64,
    /// Steps taken, refused ones included.
    pub steps: usize,
    pub max_torque: f64,
    pub stop: Stop,
}

/// `F_i = −∂E/∂S_i` projected onto the tangent plane of `S_i`, for every site.
fn tangent_forces(m: &Heisenberg, s: &[Spin], f: &mut [Spin]) -> f64 {
    let mut worst: f64 = 0.0;
    for (i, fi) in f.iter_mut().enumerate() {
        let mut h = m.local_field(s, i);
        h[2] += 2.0 * m.k * s[i][2];
        let along = dot(h, s[i]);
        *fi = [0, 1, 2].map(|c| h[c] - along * s[i][c]);
        worst = worst.max(dot(*fi, *fi));
    }
    worst.sqrt()
}

/// `E(t) − E(s)` from the differences `δ = t − s`, so that its rounding error scales with `|δ|`
/// rather than with `|E|`: near a minimum the gain of a step is far below the rounding of a
/// total energy, and comparing totals would refuse good steps at random.
fn energy_change(m: &Heisenberg, s: &[Spin], t: &[Spin]) -> f64 {
    let lat = m.lattice();
    let dm = [m.dm_vector(0), m.dm_vector(1)];
    let d: Vec<Spin> = s.iter().zip(t).map(|(a, b)| [0, 1, 2].map(|c| b[c] - a[c])).collect();
    let add = |a: Spin, b: Spin| [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
    let mut total = 0.0;
    for i in 0..s.len() {
        let (si, di) = (s[i], d[i]);
        let mut e = -m.k * (2.0 * si[2] * di[2] + di[2] * di[2]) - m.b * di[2];
        for (dir, dm) in dm.iter().enumerate() {
            let j = lat.neighbours(i)[dir];
            if j == NONE {
                continue;
            }
            let (sj, dj) = (s[j as usize], d[j as usize]);
            // t_i·t_j − s_i·s_j and t_i × t_j − s_i × s_j, expanded in δ.
            let dot_change = dot(di, sj) + dot(si, dj) + dot(di, dj);
            let cross_change = add(add(cross(di, sj), cross(si, dj)), cross(di, dj));
            e -= m.j * dot_change + dot(*dm, cross_change);
        }
        total += e;
    }
    total
}

/// Why a minimiser stops before its next step, if it does: the largest torque below the
/// tolerance, the step budget spent, or a step size (time step or rotation cap) shrunk to nothing.
fn stop_before_step(cfg: &RelaxSettings, torque: f64, steps: usize, step_size: f64) -> Option<Stop> {
    if torque < cfg.tolerance {
        Some(Stop::Converged)
    } else if steps == cfg.max_steps {
        Some(Stop::StepLimit)
    } else if step_size < 1e-12 {
        Some(Stop::Stalled)
    } else {
        None
    }
}

/// Relaxes `s` in place towards the nearest local minimum of `m`'s energy.
pub fn relax(m: &Heisenberg, s: &mut [Spin], cfg: &RelaxSettings) -> Result<Relaxed, PhysicsError> {
    cfg.check()?;
    let n = m.lattice().sites();
    if s.len() != n {
        return Err(PhysicsError::Length {
            what: "spins",
            expected: n,
            found: s.len(),
        });
    }
    let energy_before = m.energy(s);
    let mut f = vec![[0.0; 3]; n];
    let torque = tangent_forces(m, s, &mut f);
    let (stop, steps, max_torque) = match cfg.method {
        Method::Lbfgs => lbfgs::run(m, s, &mut f, torque, cfg),
        Method::VelocityProjection => vp::run(m, s, &mut f, torque, cfg),
    };
    Ok(Relaxed {
        energy_before,
        energy_after: m.energy(s),
        steps,
        max_torque,
        stop,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::heisenberg::{commensurate_spiral_energy, random_spin, topological_index, Dmi};
    use crate::rng::{stream, tag};
    use crate::{Boundary, Lattice};
    use std::f64::consts::PI;

    fn model(l: usize, d: f64, b: f64) -> Heisenberg {
        Heisenberg::new(
            Lattice::new(l, l, Boundary::Periodic).unwrap(),
            1.0,
            d,
            Dmi::Neel,
            0.0,
            b,
        )
        .unwrap()
    }

    const METHODS: [Method; 2] = [Method::Lbfgs, Method::VelocityProjection];

    fn tight(method: Method) -> RelaxSettings {
        RelaxSettings {
            method,
            tolerance: 1e-7,
            ..RelaxSettings::default()
        }
    }

    #[test]
    fn a_perturbed_spiral_relaxes_to_the_commensurate_closed_form() {
        let l = 22;
        let m = model(l, 0.3, 0.0);
        let q = 2.0 * PI / l as f64;
        let mut rng = stream(3, tag("relax-spiral"), 0);
        let start: Vec<Spin> = (0..l * l)
            .map(|i| {
                let a = q * (i % l) as f64;
                let r = random_spin(&mut rng);
                let x = [-a.sin() + 0.2 * r[0], 0.2 * r[1], a.cos() + 0.2 * r[2]];
                let n = dot(x, x).sqrt();
                x.map(|c| c / n)
            })
            .collect();
        let want = commensurate_spiral_energy(1.0, 0.3, l, l) * (l * l) as f64;
        for method in METHODS {
            let mut s = start.clone();
            let out = relax(&m, &mut s, &tight(method)).unwrap();
            assert_eq!(out.stop, Stop::Converged, "{method:?}: {out:?}");
            assert!(
                (out.energy_after - want).abs() < 1e-8,
                "{method:?}: {} vs {want}",
                out.energy_after
            );
            assert!((m.energy(&s) - out.energy_after).abs() < 1e-9);
            assert!(
                s.iter().all(|v| (dot(*v, *v) - 1.0).abs() < 1e-12),
                "{method:?}: not unit spins"
            );
        }
    }

    /// A Néel skyrmion ansatz, core down in an up background, of radius `r` at the centre, its
    /// in-plane part pointing outwards (the helicity `neel` with `D > 0` favours).
    fn skyrmion(l: usize, r: f64) -> Vec<Spin> {
        let c = l as f64 / 2.0;
        (0..l * l)
            .map(|i| {
                let (x, y) = ((i % l) as f64 - c + 0.5, (i / l) as f64 - c + 0.5);
                let rho = (x * x + y * y).sqrt();
                let theta = 2.0 * ((r / 2.0).sinh() / (rho / 2.0).sinh()).atan();
                let phi = y.atan2(x);
                [theta.sin() * phi.cos(), theta.sin() * phi.sin(), theta.cos()]
            })
            .collect()
    }

    #[test]
    fn an_isolated_skyrmion_in_a_field_relaxes_and_keeps_its_charge() {
        let l = 32;
        let m = model(l, 0.3, 0.1);
        let lat = m.lattice().clone();
        let start = skyrmion(l, 4.0);
        let w0 = topological_index(&lat, &start);
        assert!((w0 + 1.0).abs() < 1e-6, "the ansatz has W = {w0}");
        let mut ends = vec![];
        for method in METHODS {
            let mut s = start.clone();
            let out = relax(&m, &mut s, &tight(method)).unwrap();
            assert_eq!(out.stop, Stop::Converged, "{method:?}: {out:?}");
            let w = topological_index(&lat, &s);
            assert!((w + 1.0).abs() < 1e-6, "{method:?}: W = {w} after relaxation");
            assert!(out.energy_after < out.energy_before);
            // Above the uniform state, which it cannot reach without unwinding.
            let up = -(2.0 + 0.1) * (l * l) as f64;
            assert!(out.energy_after > up, "{method:?}: {} vs {up}", out.energy_after);
            ends.push(out.energy_after);
        }
        // One skyrmion, one minimum: both minimisers find it.
        assert!((ends[0] - ends[1]).abs() < 1e-8, "{ends:?}");
    }

    #[test]
    fn energy_never_increases_along_the_way() {
        let m = model(12, 0.45, 0.02);
        let mut rng = stream(4, tag("relax-mono"), 0);
        let start: Vec<Spin> = (0..144).map(|_| random_spin(&mut rng)).collect();
        let e0 = m.energy(&start);
        for method in METHODS {
            // The state after k steps, memory and step size included: each run repeats the
            // first k − 1 steps of the next, so the sequence is one relaxation's path.
            let mut last = e0;
            for k in 1..=150 {
                let cfg = RelaxSettings {
                    method,
                    max_steps: k,
                    ..RelaxSettings::default()
                };
                let mut s = start.clone();
                let out = relax(&m, &mut s, &cfg).unwrap();
                // Totals of ~150 terms carry rounding of order 1e-13; a real rise is far larger.
                assert!(
                    out.energy_after <= last + 1e-11,
                    "{method:?} step {k}: {} after {last}",
                    out.energy_after
                );
                assert_eq!(out.energy_after, m.energy(&s));
                last = out.energy_after;
            }
            assert!(
                last < e0 - 50.0,
                "{method:?}: 150 steps should relax a random state a long way: {last} from {e0}"
            );
        }
    }

    #[test]
    fn a_minimum_stays_put() {
        for method in METHODS {
            // The saturated state in a field is the exact ground state: no torque, no step.
            let m = model(8, 0.3, 0.5);
            let mut s = vec![[0.0, 0.0, 1.0]; 64];
            let out = relax(&m, &mut s, &tight(method)).unwrap();
            assert_eq!((out.stop, out.steps), (Stop::Converged, 0));
            assert!(s.iter().all(|v| *v == [0.0, 0.0, 1.0]));
            // A relaxed state relaxed again does not move.
            let m = model(16, 0.3, 0.0);
            let mut rng = stream(5, tag("relax-again"), 0);
            let mut s: Vec<Spin> = (0..256).map(|_| random_spin(&mut rng)).collect();
            relax(&m, &mut s, &tight(method)).unwrap();
            let before = s.clone();
            let out = relax(&m, &mut s, &tight(method)).unwrap();
            assert_eq!(out.steps, 0, "{method:?}: {out:?}");
            assert_eq!(s, before);
        }
    }

    #[test]
    fn lbfgs_needs_far_fewer_steps_than_the_velocity_projection() {
        // A random start on 32²: the soft modes of the texture it falls into are what damped
        // dynamics crawls along and the quasi-Newton memory learns.
        let m = model(32, 0.3, 0.0);
        let mut rng = stream(6, tag("relax-steps"), 0);
        let start: Vec<Spin> = (0..1024).map(|_| random_spin(&mut rng)).collect();
        let out = METHODS.map(|method| relax(&m, &mut start.clone(), &tight(method)).unwrap());
        for o in &out {
            assert_eq!(o.stop, Stop::Converged, "{o:?}");
        }
        assert!(
            3 * out[0].steps < out[1].steps,
            "L-BFGS {} steps, VP {}",
            out[0].steps,
            out[1].steps
        );
    }

    #[test]
    fn settings_written_before_the_choice_read_as_the_velocity_projection() {
        let old = r#"{"tolerance":1e-7,"max_steps":10,"dt":0.2,"dt_max":1.0}"#;
        let s: RelaxSettings = serde_json::from_str(old).unwrap();
        assert_eq!(s.method, Method::VelocityProjection);
        let new = serde_json::to_string(&RelaxSettings::default()).unwrap();
        assert!(new.contains(r#""method":"lbfgs""#), "{new}");
    }
}
