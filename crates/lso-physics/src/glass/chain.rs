//! One Metropolis chain on a glass, on the fastest kernel the instance allows: multi-spin coding
//! ([`PmBoard`], 64 sites a word) for ±J bonds without field, the vectorised `f32` checkerboard
//! ([`Board`]) for other bonds, both where the sides are even, and the sequential scalar sweep
//! ([`Glass`]) otherwise. Annealing and tempering are written once over [`Chain`]; the kernel is picked once
//! per instance ([`Dynamics::new`]) and the per-sweep dispatch is one match, not a per-spin cost.

use super::checkerboard::{Board, BoardChain};
use super::kernel::Glass;
use super::multispin::{PmBoard, PmChain};
use crate::heisenberg::LaneRng;
use crate::rng::SimRng;
use crate::{Ising, PhysicsError};
use rand::{Rng, SeedableRng};

/// Which sweep a chain runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// Sequential single-spin Metropolis in `f64` (any lattice).
    Scalar,
    /// Checkerboard Metropolis vectorised across one colour (even sides).
    Checkerboard,
    /// Checkerboard Metropolis, 64 sites of one colour per word (±J, no field, even sides).
    MultiSpin,
}

impl Kernel {
    /// The fastest kernel `model` supports (decided without building it).
    pub fn for_model(model: &Ising) -> Self {
        if PmBoard::supports(model) {
            Kernel::MultiSpin
        } else if Board::supports(model) {
            Kernel::Checkerboard
        } else {
            Kernel::Scalar
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kernel::Scalar => "scalar",
            Kernel::Checkerboard => "checkerboard",
            Kernel::MultiSpin => "multi-spin",
        }
    }
}

/// An instance ready for chains: the scalar kernel always (greedy descent and random search use
/// it), the checkerboard layout when chosen.
#[derive(Clone, Debug)]
pub struct Dynamics {
    glass: Glass,
    fast: Fast,
}

#[derive(Clone, Debug)]
enum Fast {
    None,
    Board(Box<Board>),
    Pm(Box<PmBoard>),
}

impl Dynamics {
    /// The fastest kernel this instance supports.
    pub fn new(model: &Ising) -> Self {
        Self::with_kernel(model, Kernel::for_model(model)).expect("a supported kernel")
    }

    pub fn with_kernel(model: &Ising, kernel: Kernel) -> Result<Self, PhysicsError> {
        Ok(Self {
            glass: Glass::new(model),
            fast: match kernel {
                Kernel::Scalar => Fast::None,
                Kernel::Checkerboard => Fast::Board(Box::new(Board::new(model)?)),
                Kernel::MultiSpin => Fast::Pm(Box::new(PmBoard::new(model)?)),
            },
        })
    }

    pub fn kernel(&self) -> Kernel {
        match self.fast {
            Fast::None => Kernel::Scalar,
            Fast::Board(_) => Kernel::Checkerboard,
            Fast::Pm(_) => Kernel::MultiSpin,
        }
    }

    pub fn glass(&self) -> &Glass {
        &self.glass
    }

    pub fn sites(&self) -> usize {
        self.glass.sites()
    }

    /// A chain from uniformly random spins drawn from `rng`, with its own generator seeded
    /// from `rng`.
    pub fn chain(&self, rng: &mut SimRng) -> Chain<'_> {
        let s = super::random_spins(self.sites(), rng);
        match &self.fast {
            Fast::Board(b) => Chain::Board(Box::new(b.chain(&s, LaneRng::from_rng(rng)))),
            Fast::Pm(b) => Chain::Pm(b.chain(&s, SimRng::seed_from_u64(rng.random()))),
            Fast::None => Chain::Scalar(ScalarChain {
                e: self.glass.energy(&s),
                g: &self.glass,
                s,
                rng: SimRng::seed_from_u64(rng.random()),
                sweeps: 0,
            }),
        }
    }
}

#[derive(Clone, Debug)]
pub struct ScalarChain<'a> {
    g: &'a Glass,
    s: Vec<i8>,
    e: f64,
    rng: SimRng,
    sweeps: u64,
}

/// A chain on either kernel.
#[derive(Clone, Debug)]
pub enum Chain<'a> {
    Scalar(ScalarChain<'a>),
    Board(Box<BoardChain<'a>>),
    Pm(PmChain<'a>),
}

impl Chain<'_> {
    /// One sweep at inverse temperature `beta`.
    pub fn sweep(&mut self, beta: f64) {
        match self {
            Chain::Scalar(c) => {
                c.e += c.g.sweep(&mut c.s, beta, &mut c.rng);
                c.sweeps += 1;
                // Incremental energies drift by rounding; resynchronise now and then.
                if c.sweeps % 64 == 0 {
                    c.e = c.g.energy(&c.s);
                }
            }
            Chain::Board(b) => b.sweep(beta),
            Chain::Pm(b) => b.sweep(beta),
        }
    }

    /// The current configuration's energy (`f64`, the model's couplings).
    pub fn energy(&self) -> f64 {
        match self {
            Chain::Scalar(c) => c.e,
            Chain::Board(b) => b.energy(),
            Chain::Pm(b) => b.energy(),
        }
    }

    /// The current configuration, ±1 row-major.
    pub fn spins(&self) -> Vec<i8> {
        match self {
            Chain::Scalar(c) => c.s.clone(),
            Chain::Board(b) => b.spins(),
            Chain::Pm(b) => b.spins(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::glass::instance::{random, BondKind};
    use crate::rng::{stream, tag};
    use crate::Boundary;

    #[test]
    fn picks_the_checkerboard_where_it_applies_and_reports_true_energies() {
        let pm = random(6, 4, Boundary::Periodic, BondKind::Pm, 1).unwrap();
        let even = random(6, 4, Boundary::Periodic, BondKind::Uniform, 1).unwrap();
        let odd = random(5, 4, Boundary::Open, BondKind::Pm, 1).unwrap();
        assert_eq!(Dynamics::new(&pm).kernel(), Kernel::MultiSpin);
        assert_eq!(Dynamics::new(&even).kernel(), Kernel::Checkerboard);
        assert_eq!(Dynamics::new(&odd).kernel(), Kernel::Scalar);
        assert!(Dynamics::with_kernel(&odd, Kernel::Checkerboard).is_err());
        assert!(Dynamics::with_kernel(&even, Kernel::MultiSpin).is_err());
        for m in [&pm, &even, &odd] {
            for kernel in [Kernel::Scalar, Dynamics::new(m).kernel()] {
                let d = Dynamics::with_kernel(m, kernel).unwrap();
                let mut rng = stream(3, tag("chain-test"), 0);
                let mut c = d.chain(&mut rng);
                for _ in 0..100 {
                    c.sweep(1.1);
                    assert!((c.energy() - m.energy(&c.spins())).abs() < 1e-9);
                }
            }
        }
    }
}
