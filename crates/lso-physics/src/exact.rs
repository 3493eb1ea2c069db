//! Exact thermodynamics of small lattices by enumerating all `2^N` states (Gray-code order, one
//! O(1) flip per state): the reference every Monte Carlo estimate is tested against.

use crate::{Ising, PhysicsError};
use serde::{Deserialize, Serialize};

/// Largest lattice enumerated (2^24 ≈ 1.7·10⁷ states).
pub const MAX_SITES: usize = 24;

/// Per-spin Boltzmann averages at one inverse temperature.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExactMoments {
    pub beta: f64,
    /// ⟨E⟩ / N
    pub energy: f64,
    /// (⟨E²⟩ − ⟨E⟩²) / N, the specific heat times T².
    pub energy_variance: f64,
    /// ⟨|M|⟩ / N
    pub abs_magnetisation: f64,
    /// ⟨M²⟩ / N²
    pub magnetisation_sq: f64,
    /// ln Z
    pub log_z: f64,
}

/// Visits every state in Gray-code order, calling `visit(spins, energy, magnetisation_sum)`.
pub fn for_each_state(model: &Ising, mut visit: impl FnMut(&[i8], f64, i64)) -> Result<(), PhysicsError> {
    let n = model.sites();
    if n > MAX_SITES {
        return Err(PhysicsError::InvalidParameter(format!(
            "exact enumeration supports at most {MAX_SITES} sites, got {n}"
        )));
    }
    let mut spins = vec![-1i8; n];
    let mut e = model.energy(&spins);
    let mut m = -(n as i64);
    visit(&spins, e, m);
    for k in 1u64..(1u64 << n) {
        let i = k.trailing_zeros() as usize;
        e += model.delta_energy(&spins, i);
        spins[i] = -spins[i];
        m += 2 * spins[i] as i64;
        visit(&spins, e, m);
    }
    Ok(())
}

/// Lowest energy and one state that has it.
pub fn ground_state(model: &Ising) -> Result<(f64, Vec<i8>), PhysicsError> {
    let mut best = (f64::INFINITY, Vec::new());
    for_each_state(model, |s, e, _| {
        if e < best.0 - 1e-9 {
            best = (e, s.to_vec());
        }
    })?;
    Ok(best)
}

pub fn moments(model: &Ising, beta: f64) -> Result<ExactMoments, PhysicsError> {
    let (e0, _) = ground_state(model)?;
    let n = model.sites() as f64;
    let (mut z, mut se, mut se2, mut sm, mut sm2) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for_each_state(model, |_, e, m| {
        // Weights relative to the ground state cannot overflow.
        let w = (-beta * (e - e0)).exp();
        let m = m as f64;
        z += w;
        se += w * e;
        se2 += w * e * e;
        sm += w * m.abs();
        sm2 += w * m * m;
    })?;
    let mean_e = se / z;
    Ok(ExactMoments {
        beta,
        energy: mean_e / n,
        energy_variance: (se2 / z - mean_e * mean_e) / n,
        abs_magnetisation: sm / z / n,
        magnetisation_sq: sm2 / z / (n * n),
        log_z: z.ln() - beta * e0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Boundary, Lattice};

    /// The 2×2 periodic lattice has 8 bonds (each pair twice): Z = 2e^{8β} + 12 + 2e^{−8β}.
    #[test]
    fn two_by_two_partition_function() {
        let m = Ising::ferromagnet(Lattice::new(2, 2, Boundary::Periodic).unwrap(), 1.0);
        let b: f64 = 0.37;
        let z = 2.0 * (8.0 * b).exp() + 12.0 + 2.0 * (-8.0 * b).exp();
        let ex = moments(&m, b).unwrap();
        assert!((ex.log_z - z.ln()).abs() < 1e-12);
        let e = (-16.0 * (8.0 * b).exp() + 16.0 * (-8.0 * b).exp()) / z / 4.0;
        assert!((ex.energy - e).abs() < 1e-12);
    }

    #[test]
    fn ground_state_of_ferromagnet() {
        let m = Ising::ferromagnet(Lattice::new(4, 4, Boundary::Periodic).unwrap(), 1.0);
        assert_eq!(ground_state(&m).unwrap().0, -32.0);
        let big = Ising::ferromagnet(Lattice::new(5, 5, Boundary::Periodic).unwrap(), 1.0);
        assert!(moments(&big, 1.0).is_err());
    }
}
