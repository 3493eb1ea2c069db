//! Limited-memory BFGS with a backtracking (Armijo) line search, for the smooth convex
//! objectives of the inverse problem (negated pseudo-likelihood).

/// Minimises `f`, where `eval(x)` returns `(f(x), ∇f(x))`. Stops when the gradient's largest
/// component is below `tol`, when two successive iterations lower `f` by less than its rounding
/// error (the gradient can no longer be resolved), or after `max_iter` iterations.
/// Returns `(x, f(x), iterations)`.
pub fn minimise(
    mut x: Vec<f64>,
    mut eval: impl FnMut(&[f64]) -> (f64, Vec<f64>),
    max_iter: usize,
    tol: f64,
) -> (Vec<f64>, f64, usize) {
    const MEMORY: usize = 10;
    let (mut f, mut g) = eval(&x);
    let mut hist: std::collections::VecDeque<(Vec<f64>, Vec<f64>, f64)> = Default::default();
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let mut stalled = 0;
    for iter in 0..max_iter {
        crate::cancel::check();
        if g.iter().fold(0.0f64, |m, v| m.max(v.abs())) < tol {
            return (x, f, iter);
        }
        // Two-loop recursion: d = −H g.
        let mut q = g.clone();
        let mut alphas = Vec::with_capacity(hist.len());
        for (s, y, rho) in hist.iter().rev() {
            let a = rho * dot(s, &q);
            q.iter_mut().zip(y).for_each(|(qi, yi)| *qi -= a * yi);
            alphas.push(a);
        }
        let gamma = hist
            .back()
            .map_or(1.0 / g.iter().map(|v| v.abs()).fold(1.0, f64::max), |(s, y, _)| {
                dot(s, y) / dot(y, y)
            });
        q.iter_mut().for_each(|v| *v *= gamma);
        for ((s, y, rho), a) in hist.iter().zip(alphas.iter().rev()) {
            let b = rho * dot(y, &q);
            q.iter_mut().zip(s).for_each(|(qi, si)| *qi += (a - b) * si);
        }
        let mut d: Vec<f64> = q.iter().map(|v| -v).collect();
        let mut slope = dot(&g, &d);
        if slope >= 0.0 {
            // Not a descent direction (curvature information went stale): steepest descent.
            d = g.iter().map(|v| -v).collect();
            slope = -dot(&g, &g);
            hist.clear();
        }
        let mut step = 1.0;
        let (x_new, f_new, g_new) = loop {
            let xn: Vec<f64> = x.iter().zip(&d).map(|(xi, di)| xi + step * di).collect();
            let (fn_, gn) = eval(&xn);
            if fn_.is_finite() && fn_ <= f + 1e-4 * step * slope {
                break (xn, fn_, gn);
            }
            step *= 0.5;
            if step < 1e-12 {
                return (x, f, iter);
            }
        };
        let s: Vec<f64> = x_new.iter().zip(&x).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = g_new.iter().zip(&g).map(|(a, b)| a - b).collect();
        let sy = dot(&s, &y);
        if sy > 1e-12 {
            if hist.len() == MEMORY {
                hist.pop_front();
            }
            hist.push_back((s, y, 1.0 / sy));
        }
        stalled = if f - f_new <= 1e-14 * f.abs().max(1.0) {
            stalled + 1
        } else {
            0
        };
        x = x_new;
        f = f_new;
        g = g_new;
        if stalled >= 2 {
            return (x, f, iter + 1);
        }
    }
    (x, f, max_iter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimises_an_ill_conditioned_quadratic_and_rosenbrock() {
        let scales = [1.0, 10.0, 100.0, 1000.0];
        let (x, _, _) = minimise(
            vec![1.0; 4],
            |x| {
                let f = x.iter().zip(&scales).map(|(v, s)| 0.5 * s * (v - 2.0).powi(2)).sum();
                (f, x.iter().zip(&scales).map(|(v, s)| s * (v - 2.0)).collect())
            },
            200,
            1e-10,
        );
        // Stopping once f no longer changes beyond rounding (~1e-14) resolves x to about
        // √(2·1e-14 / scale) ≈ 1e-7 along the flattest direction.
        assert!(x.iter().all(|v| (v - 2.0).abs() < 1e-6), "{x:?}");
        let (x, _, _) = minimise(
            vec![-1.2, 1.0],
            |x| {
                let (a, b) = (x[0], x[1]);
                let f = (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2);
                (f, vec![-2.0 * (1.0 - a) - 400.0 * a * (b - a * a), 200.0 * (b - a * a)])
            },
            500,
            1e-9,
        );
        assert!((x[0] - 1.0).abs() < 1e-6 && (x[1] - 1.0).abs() < 1e-6, "{x:?}");
    }
}
