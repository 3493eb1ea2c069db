//! Naive mean-field inversion: with the connected correlations `C_ij = ⟨s_i s_j⟩ − m_i m_j`,
//! `J = −(C⁻¹)_ij` for `i ≠ j` and `h_i = atanh(m_i) − Σ_j J_ij m_j`. One matrix inversion, no
//! iterations; exact to first order in J and biased beyond it.

use super::{check_data, Couplings, Fit, Layout, Parametrisation, TracePoint};
use crate::{Lattice, PhysicsError, SpinSet};

/// Inverse of a symmetric positive-definite matrix (row-major `n × n`) by Cholesky.
fn spd_inverse(a: &[f64], n: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let s: f64 = a[i * n + j] - (0..j).map(|k| l[i * n + k] * l[j * n + k]).sum::<f64>();
            if i == j {
                if s <= 1e-12 * a[i * n + i].abs().max(1e-300) {
                    return None;
                }
                l[i * n + i] = s.sqrt();
            } else {
                l[i * n + j] = s / l[j * n + j];
            }
        }
    }
    // Invert L (lower triangular), then A⁻¹ = L⁻ᵀ L⁻¹.
    let mut li = vec![0.0; n * n];
    for i in 0..n {
        li[i * n + i] = 1.0 / l[i * n + i];
        for j in 0..i {
            let s: f64 = (j..i).map(|k| l[i * n + k] * li[k * n + j]).sum();
            li[i * n + j] = -s / l[i * n + i];
        }
    }
    let mut inv = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let s: f64 = (i..n).map(|k| li[k * n + i] * li[k * n + j]).sum();
            inv[i * n + j] = s;
            inv[j * n + i] = s;
        }
    }
    Some(inv)
}

pub fn fit(set: &SpinSet, lattice: &Lattice, params: Parametrisation) -> Result<Fit, PhysicsError> {
    let layout = Layout::new(lattice, params);
    let data = layout.moments(set.configs());
    check_data(set, &layout, &data)?;
    let n = lattice.sites();
    let m_count = set.len() as f64;
    let mut mean = vec![0.0; n];
    let mut c = vec![0.0; n * n];
    for s in set.configs() {
        for i in 0..n {
            mean[i] += s[i] as f64 / m_count;
            for j in 0..=i {
                c[i * n + j] += (s[i] * s[j]) as f64 / m_count;
            }
        }
    }
    for i in 0..n {
        if mean[i].abs() >= 1.0 {
            return Err(PhysicsError::Data(format!(
                "degenerate moments: site {i} never changes, so mean-field inversion has no finite field"
            )));
        }
        for j in 0..=i {
            c[i * n + j] -= mean[i] * mean[j];
            c[j * n + i] = c[i * n + j];
        }
    }
    let inv = spd_inverse(&c, n).ok_or_else(|| {
        PhysicsError::Data(format!(
            "the connected correlation matrix of {} samples on {n} sites is singular; mean-field inversion needs \
             many more samples than sites (use pseudolikelihood)",
            set.len()
        ))
    })?;
    let j_of = |i: usize, j: usize| -inv[i * n + j];
    let h_of = |i: usize| mean[i].atanh() - (0..n).filter(|&j| j != i).map(|j| j_of(i, j) * mean[j]).sum::<f64>();
    let theta = match params {
        Parametrisation::Uniform => {
            let jm = layout
                .pairs
                .iter()
                .map(|&(i, j)| j_of(i as usize, j as usize))
                .sum::<f64>()
                / layout.pairs.len() as f64;
            let hm = (0..n).map(h_of).sum::<f64>() / n as f64;
            vec![jm, hm]
        }
        _ => layout
            .pairs
            .iter()
            .map(|&(i, j)| j_of(i as usize, j as usize))
            .chain((0..n).map(h_of))
            .collect(),
    };
    let (j, h) = layout.summary(lattice, &theta);
    Ok(Fit {
        couplings: Couplings {
            parametrisation: params,
            theta,
        },
        trace: vec![TracePoint {
            step: 0,
            j,
            h,
            grad_rms: 0.0,
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_of_a_small_spd_matrix() {
        let a = [4.0, 1.0, 0.5, 1.0, 3.0, 0.2, 0.5, 0.2, 2.0];
        let inv = spd_inverse(&a, 3).unwrap();
        for i in 0..3 {
            for j in 0..3 {
                let p: f64 = (0..3).map(|k| a[i * 3 + k] * inv[k * 3 + j]).sum();
                assert!((p - if i == j { 1.0 } else { 0.0 }).abs() < 1e-12);
            }
        }
        assert!(spd_inverse(&[1.0, 1.0, 1.0, 1.0], 2).is_none());
    }
}
