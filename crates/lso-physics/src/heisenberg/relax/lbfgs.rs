//! L-BFGS in the orthogonal spin optimisation of Ivanov, Uzdin and Jónsson (Comput. Phys.
//! Commun. 260, 107749 (2021)), Spirit's `LBFGS_OSO`, with a monotone safeguard.
//!
//! Each spin moves by a rotation `θ_i` about its own position, so the unit length holds exactly.
//! In those coordinates the gradient is `g_i = F_i × S_i` (zero along `S_i`), and L-BFGS's
//! two-loop recursion over the last few (step, gradient change) pairs turns it into a quasi-Newton
//! step. The step is projected onto each spin's tangent plane and scaled so that no spin turns by
//! more than a cap; there is no line search. A step that would raise the energy is refused, the
//! memory cleared and the cap halved, so the energy never increases; accepted steps let the cap
//! grow back. Where the velocity projection needs 3·10⁴–10⁵ steps on a 64² labyrinth, this needs
//! 1,000–2,000: the curvature of the soft modes, which damped dynamics crawls along, is what the
//! memory learns.

use super::{energy_change, stop_before_step, tangent_forces, RelaxSettings, Stop};
use crate::heisenberg::{cross, dot, Heisenberg, Spin};
use std::collections::VecDeque;

/// Pairs kept; Spirit keeps 3, and more than a handful gains little on these landscapes.
const MEMORY: usize = 5;
/// The largest rotation of any spin in one step, in radians. Larger steps overshoot the
/// curvature of a spin texture, whose features are a few sites wide.
const MAX_ROTATION: f64 = 0.2;

struct Pair {
    step: Vec<Spin>,
    grad_change: Vec<Spin>,
    rho: f64,
}

fn inner(a: &[Spin], b: &[Spin]) -> f64 {
    a.iter().zip(b).map(|(x, y)| dot(*x, *y)).sum()
}

/// `g_i = F_i × S_i`: the derivative of the energy with respect to a rotation of spin `i`.
fn gradient(s: &[Spin], f: &[Spin], g: &mut [Spin]) {
    for i in 0..s.len() {
        g[i] = cross(f[i], s[i]);
    }
}

/// The quasi-Newton direction `−H g` of the two-loop recursion, with `H₀ = γ I` scaled by the
/// newest pair (Nocedal & Wright, Algorithm 7.4).
fn direction(memory: &VecDeque<Pair>, g: &[Spin]) -> Vec<Spin> {
    let mut q = g.to_vec();
    let mut alpha = vec![0.0; memory.len()];
    for (k, p) in memory.iter().enumerate().rev() {
        alpha[k] = p.rho * inner(&p.step, &q);
        for (qi, yi) in q.iter_mut().zip(&p.grad_change) {
            *qi = [0, 1, 2].map(|c| qi[c] - alpha[k] * yi[c]);
        }
    }
    let gamma = memory
        .back()
        .map_or(1.0, |p| 1.0 / (p.rho * inner(&p.grad_change, &p.grad_change)));
    q.iter_mut().for_each(|qi| *qi = qi.map(|c| gamma * c));
    for (k, p) in memory.iter().enumerate() {
        let beta = p.rho * inner(&p.grad_change, &q);
        for (qi, si) in q.iter_mut().zip(&p.step) {
            *qi = [0, 1, 2].map(|c| qi[c] + (alpha[k] - beta) * si[c]);
        }
    }
    q.iter().map(|qi| qi.map(|c| -c)).collect()
}

/// Rotates `v` by the rotation vector `theta` (Rodrigues' formula).
fn rotate(v: Spin, theta: Spin) -> Spin {
    let angle = dot(theta, theta).sqrt();
    if angle == 0.0 {
        return v;
    }
    let k = theta.map(|c| c / angle);
    let (sin, cos) = angle.sin_cos();
    let kxv = cross(k, v);
    let kv = dot(k, v);
    let r: Spin = std::array::from_fn(|c| v[c] * cos + kxv[c] * sin + k[c] * kv * (1.0 - cos));
    // Renormalise so that rounding cannot accumulate over thousands of steps.
    let len = dot(r, r).sqrt();
    r.map(|c| c / len)
}

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
    let mut memory: VecDeque<Pair> = VecDeque::with_capacity(MEMORY);
    let mut g = vec![[0.0; 3]; n];
    gradient(s, f, &mut g);
    let mut trial = s.to_vec();
    let mut f_trial = vec![[0.0; 3]; n];
    let mut g_trial = vec![[0.0; 3]; n];
    let mut cap = MAX_ROTATION;
    let mut steps = 0;
    let stop = loop {
        if let Some(stop) = stop_before_step(cfg, torque, steps, cap) {
            break stop;
        }
        steps += 1;
        crate::cancel::check();
        let mut d = direction(&memory, &g);
        // Only turns about an axis in the tangent plane move a spin; the rest of a step is noise
        // of the memory, built at other spin positions.
        for (di, si) in d.iter_mut().zip(s.iter()) {
            let along = dot(*di, *si);
            *di = [0, 1, 2].map(|c| di[c] - along * si[c]);
        }
        if inner(&d, &g) >= 0.0 {
            memory.clear();
            d = g.iter().map(|gi| gi.map(|c| -c)).collect();
        }
        let largest = d.iter().map(|di| dot(*di, *di)).fold(0.0, f64::max).sqrt();
        if largest > cap {
            d.iter_mut().for_each(|di| *di = di.map(|c| c * cap / largest));
        }
        for i in 0..n {
            trial[i] = rotate(s[i], d[i]);
        }
        if energy_change(m, s, &trial) > 0.0 {
            memory.clear();
            cap *= 0.5;
            continue;
        }
        let t = tangent_forces(m, &trial, &mut f_trial);
        gradient(&trial, &f_trial, &mut g_trial);
        let grad_change: Vec<Spin> = g_trial
            .iter()
            .zip(&g)
            .map(|(a, b)| [0, 1, 2].map(|c| a[c] - b[c]))
            .collect();
        let sy = inner(&d, &grad_change);
        // Without positive curvature along the step the pair would make H indefinite.
        if sy > 0.0 {
            if memory.len() == MEMORY {
                memory.pop_front();
            }
            memory.push_back(Pair {
                step: d,
                grad_change,
                rho: 1.0 / sy,
            });
        } else {
            memory.clear();
        }
        s.copy_from_slice(&trial);
        std::mem::swap(f, &mut f_trial);
        std::mem::swap(&mut g, &mut g_trial);
        torque = t;
        cap = (cap * 2.0).min(MAX_ROTATION);
    };
    (stop, steps, torque)
}
