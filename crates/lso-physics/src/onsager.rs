//! Onsager's exact results for the infinite square-lattice ferromagnet (J = 1, k_B = 1), the
//! reference for large-lattice checks where enumeration is impossible.

use std::f64::consts::PI;

/// Critical temperature `2 / ln(1 + √2) ≈ 2.269185`.
pub fn critical_temperature() -> f64 {
    2.0 / (1.0 + 2f64.sqrt()).ln()
}

/// Complete elliptic integral of the first kind `K(k)` by the arithmetic–geometric mean.
pub fn elliptic_k(k: f64) -> f64 {
    let (mut a, mut b) = (1.0f64, (1.0 - k * k).max(0.0).sqrt());
    for _ in 0..64 {
        let (a2, b2) = ((a + b) / 2.0, (a * b).sqrt());
        a = a2;
        b = b2;
        if (a - b).abs() < 1e-16 * a {
            break;
        }
    }
    PI / (2.0 * a)
}

/// Internal energy per spin, `u = −coth(2β) [1 + (2/π)(2 tanh²(2β) − 1) K(κ)]` with
/// `κ = 2 sinh(2β) / cosh²(2β)`.
pub fn energy_per_spin(beta: f64) -> f64 {
    let b2 = 2.0 * beta;
    let kappa = 2.0 * b2.sinh() / b2.cosh().powi(2);
    -(1.0 / b2.tanh()) * (1.0 + 2.0 / PI * (2.0 * b2.tanh().powi(2) - 1.0) * elliptic_k(kappa))
}

/// Spontaneous magnetisation per spin, `(1 − sinh⁻⁴(2β))^{1/8}` below `T_c`, zero above.
pub fn spontaneous_magnetisation(beta: f64) -> f64 {
    let s = (2.0 * beta).sinh();
    if s <= 1.0 {
        0.0
    } else {
        (1.0 - s.powi(-4)).powf(0.125)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // At T_c the energy is −√2 per spin (the K term vanishes).
        let bc = 1.0 / critical_temperature();
        assert!((energy_per_spin(bc * (1.0 + 1e-6)) + 2f64.sqrt()).abs() < 1e-3);
        // K(0) = π/2; ground state and infinite-temperature limits.
        assert!((elliptic_k(0.0) - PI / 2.0).abs() < 1e-15);
        assert!((energy_per_spin(20.0) + 2.0).abs() < 1e-9);
        assert!(energy_per_spin(1e-4).abs() < 1e-3);
        assert!((spontaneous_magnetisation(20.0) - 1.0).abs() < 1e-12);
        assert_eq!(spontaneous_magnetisation(0.3), 0.0);
    }
}
