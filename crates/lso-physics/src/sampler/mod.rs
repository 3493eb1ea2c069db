//! Monte Carlo samplers for the Ising model: one sweep at inverse temperature β, drawing from
//! an explicit generator. Annealing and parallel tempering drive these; they are not samplers.
//!
//! ```
//! use lso_physics::{rng, Boundary, Ising, Lattice, Metropolis, Sampler};
//! let model = Ising::ferromagnet(Lattice::new(8, 8, Boundary::Periodic).unwrap(), 1.0);
//! let mut spins = vec![1i8; 64];
//! let mut r = rng::stream(42, rng::tag("doc"), 0);
//! let mut sampler = Metropolis::default();
//! for _ in 0..10 {
//!     sampler.sweep(&model, &mut spins, 1.0 / 1.5, &mut r).unwrap();
//! }
//! assert!(model.energy(&spins) < 0.0);
//! ```

mod heat_bath;
mod metropolis;
mod wolff;

pub use heat_bath::HeatBath;
pub use metropolis::Metropolis;
pub use wolff::Wolff;

use crate::{Ising, PhysicsError};
use rand::Rng;
use serde::{Deserialize, Serialize};

pub trait Sampler {
    /// One sweep (on average one update per site; for cluster samplers, clusters until about
    /// `N` spins were flipped). Returns the number of spins flipped.
    fn sweep<R: Rng + ?Sized>(
        &mut self,
        model: &Ising,
        spins: &mut [i8],
        beta: f64,
        rng: &mut R,
    ) -> Result<usize, PhysicsError>;
}

/// The closed set of Ising samplers a config can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum SamplerKind {
    #[default]
    Metropolis,
    HeatBath,
    Wolff,
}

impl SamplerKind {
    pub const ALL: [SamplerKind; 3] = [SamplerKind::Metropolis, SamplerKind::HeatBath, SamplerKind::Wolff];
    pub fn name(self) -> &'static str {
        match self {
            SamplerKind::Metropolis => "metropolis",
            SamplerKind::HeatBath => "heat-bath",
            SamplerKind::Wolff => "wolff",
        }
    }
    pub fn build(self) -> AnySampler {
        match self {
            SamplerKind::Metropolis => AnySampler::Metropolis(Metropolis::default()),
            SamplerKind::HeatBath => AnySampler::HeatBath(HeatBath::default()),
            SamplerKind::Wolff => AnySampler::Wolff(Wolff::default()),
        }
    }
    /// Checks that this sampler can simulate `model`, before any work is done.
    pub fn check(self, model: &Ising) -> Result<(), PhysicsError> {
        match self {
            SamplerKind::Wolff => Wolff::check(model).map(|_| ()),
            _ => Ok(()),
        }
    }
}

impl std::fmt::Display for SamplerKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for SamplerKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.name() == s || (s == "heatbath" && *k == SamplerKind::HeatBath))
            .ok_or_else(|| format!("unknown sampler {s:?} (expected metropolis, heat-bath or wolff)"))
    }
}

/// A sampler picked at run time; matched once per sweep, so the per-spin loops stay static.
#[derive(Clone, Debug)]
pub enum AnySampler {
    Metropolis(Metropolis),
    HeatBath(HeatBath),
    Wolff(Wolff),
}

impl Sampler for AnySampler {
    fn sweep<R: Rng + ?Sized>(
        &mut self,
        model: &Ising,
        spins: &mut [i8],
        beta: f64,
        rng: &mut R,
    ) -> Result<usize, PhysicsError> {
        match self {
            AnySampler::Metropolis(s) => s.sweep(model, spins, beta, rng),
            AnySampler::HeatBath(s) => s.sweep(model, spins, beta, rng),
            AnySampler::Wolff(s) => s.sweep(model, spins, beta, rng),
        }
    }
}

/// Visits every site once, colour by colour (checkerboard order), calling `update(i)`.
#[inline]
pub(crate) fn checkerboard_scan(lx: usize, ly: usize, mut update: impl FnMut(usize)) {
    for colour in 0..2 {
        for y in 0..ly {
            let row = y * lx;
            let mut x = (y + colour) % 2;
            while x < lx {
                update(row + x);
                x += 2;
            }
        }
    }
}

pub(crate) fn check_beta(beta: f64) -> Result<(), PhysicsError> {
    if beta.is_finite() && beta >= 0.0 {
        Ok(())
    } else {
        Err(PhysicsError::InvalidParameter(format!(
            "inverse temperature must be finite and >= 0, got {beta}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{stream, tag};
    use crate::{Boundary, Lattice};

    #[test]
    fn checkerboard_scan_visits_every_site_once() {
        for (lx, ly) in [(4, 4), (5, 3), (2, 7)] {
            let mut seen = vec![0; lx * ly];
            checkerboard_scan(lx, ly, |i| seen[i] += 1);
            assert!(seen.iter().all(|&c| c == 1));
        }
    }

    #[test]
    fn sampler_names_round_trip() {
        for k in SamplerKind::ALL {
            assert_eq!(k.name().parse::<SamplerKind>().unwrap(), k);
        }
        assert!("gibbs".parse::<SamplerKind>().is_err());
    }

    /// At β = ∞ every local sampler only lowers the energy; at β = 0 heat bath is a coin flip.
    #[test]
    fn zero_and_infinite_temperature_limits() {
        let model = Ising::ferromagnet(Lattice::new(16, 16, Boundary::Periodic).unwrap(), 1.0);
        let mut rng = stream(3, tag("limits"), 0);
        let mut spins: Vec<i8> = (0..256).map(|_| if rng.random::<bool>() { 1 } else { -1 }).collect();
        let mut e = model.energy(&spins);
        for _ in 0..20 {
            Metropolis::default().sweep(&model, &mut spins, 1e6, &mut rng).unwrap();
            let e2 = model.energy(&spins);
            assert!(e2 <= e);
            e = e2;
        }
        let mut up = 0usize;
        let mut spins = vec![1i8; 256];
        for _ in 0..100 {
            HeatBath::default().sweep(&model, &mut spins, 0.0, &mut rng).unwrap();
            up += spins.iter().filter(|&&s| s == 1).count();
        }
        let frac = up as f64 / 25_600.0;
        assert!(
            (frac - 0.5).abs() < 4.0 * (0.25f64 / 25_600.0).sqrt(),
            "fraction up {frac}"
        );
        assert!(Metropolis::default().sweep(&model, &mut spins, -1.0, &mut rng).is_err());
    }
}
