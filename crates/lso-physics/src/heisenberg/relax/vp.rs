//! The velocity projection of Bessarab et al. (Comput. Phys. Commun. 196, 335 (2015)), the
//! default minimiser of Spirit, with a monotone safeguard.
//!
//! Each step moves the spins along the effective field projected onto their tangent planes, with
//! a velocity that keeps only its component along the current force (and is dropped when it
//! points uphill), then renormalises. A step that would raise the energy is refused, the velocity
//! reset and the time step halved; accepted steps let the time step grow again.

use super::{energy_change, stop_before_step, tangent_forces, RelaxSettings, Stop};
use crate::heisenberg::{dot, Heisenberg, Spin};

/// Runs from `s` (whose forces are `f` and largest torque `torque`) until a stop; returns the
/// stop, the steps taken and the final largest torque.
pub(super) fn run(
    m: &Heisenberg,
    s: &mut [Spin],
    f: &mut Vec<Spin>,
    mut torque: f64,
    cfg: &RelaxSettings,
) -> (Stop, usize, f64) {
    let n = s.len();
    let mut v = vec![[0.0; 3]; n];
    let mut trial = s.to_vec();
    let mut f_trial = vec![[0.0; 3]; n];
    let mut dt = cfg.dt;
    let mut steps = 0;
    let stop = loop {
        if let Some(stop) = stop_before_step(cfg, torque, steps, dt) {
            break stop;
        }
        steps += 1;
        crate::cancel::check();
        // Keep only the velocity's component along the force, and none if it points uphill.
        let (vf, ff) = v
            .iter()
            .zip(f.iter())
            .fold((0.0, 0.0), |(a, b), (vi, fi)| (a + dot(*vi, *fi), b + dot(*fi, *fi)));
        let scale = if vf > 0.0 && ff > 0.0 { vf / ff } else { 0.0 };
        for i in 0..n {
            v[i] = f[i].map(|c| scale * c);
            let x = [0, 1, 2].map(|c| s[i][c] + dt * v[i][c] + 0.5 * dt * dt * f[i][c]);
            let len = dot(x, x).sqrt();
            trial[i] = x.map(|c| c / len);
        }
        if energy_change(m, s, &trial) > 0.0 {
            v.iter_mut().for_each(|vi| *vi = [0.0; 3]);
            dt *= 0.5;
            continue;
        }
        let t = tangent_forces(m, &trial, &mut f_trial);
        // Velocity Verlet: the mean of the old and new forces.
        for i in 0..n {
            v[i] = [0, 1, 2].map(|c| v[i][c] + 0.5 * dt * (f[i][c] + f_trial[i][c]));
        }
        s.copy_from_slice(&trial);
        std::mem::swap(f, &mut f_trial);
        torque = t;
        dt = (dt * 1.1).min(cfg.dt_max);
    };
    (stop, steps, torque)
}
