//! The Ising model (seed 000; seed 002 for its inverse problem).
//!
//! `E(s) = −Σ_bonds J_ij s_i s_j − Σ_i h_i s_i`, spins `s_i ∈ {−1, +1}` stored as `i8`,
//! energies in units of the coupling scale (k_B = 1, so temperatures share those units).
//! `J > 0` is ferromagnetic; a positive `h` favours `+1`. Each bond is counted once.

use crate::lattice::{Lattice, NONE};
use crate::PhysicsError;
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

#[derive(Clone, Debug, PartialEq)]
pub enum Couplings {
    Uniform(f64),
    /// One value per bond slot (see [`Lattice::bond_slot`]); unused slots are ignored.
    PerBond(Vec<f64>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Fields {
    Uniform(f64),
    PerSite(Vec<f64>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Ising {
    lattice: Lattice,
    couplings: Couplings,
    fields: Fields,
}

fn check_finite(what: &'static str, values: &[f64]) -> Result<(), PhysicsError> {
    match values.iter().find(|v| !v.is_finite()) {
        Some(&value) => Err(PhysicsError::NotFinite { what, value }),
        None => Ok(()),
    }
}

impl Ising {
    /// Uniform coupling `j`, no field.
    pub fn ferromagnet(lattice: Lattice, j: f64) -> Self {
        Self {
            lattice,
            couplings: Couplings::Uniform(j),
            fields: Fields::Uniform(0.0),
        }
    }

    pub fn new(lattice: Lattice, couplings: Couplings, fields: Fields) -> Result<Self, PhysicsError> {
        match &couplings {
            Couplings::Uniform(j) => check_finite("coupling J", &[*j])?,
            Couplings::PerBond(js) => {
                if js.len() != lattice.bond_slots() {
                    return Err(PhysicsError::Length {
                        what: "bond couplings",
                        expected: lattice.bond_slots(),
                        found: js.len(),
                    });
                }
                check_finite("coupling J", js)?;
            }
        }
        match &fields {
            Fields::Uniform(h) => check_finite("field h", &[*h])?,
            Fields::PerSite(hs) => {
                if hs.len() != lattice.sites() {
                    return Err(PhysicsError::Length {
                        what: "site fields",
                        expected: lattice.sites(),
                        found: hs.len(),
                    });
                }
                check_finite("field h", hs)?;
            }
        }
        Ok(Self {
            lattice,
            couplings,
            fields,
        })
    }

    /// ±J spin glass: each bond is `+j` or `−j` with equal probability.
    pub fn spin_glass_pm<R: Rng>(lattice: Lattice, j: f64, rng: &mut R) -> Result<Self, PhysicsError> {
        let js = (0..lattice.bond_slots())
            .map(|_| if rng.random::<bool>() { j } else { -j })
            .collect();
        Self::new(lattice, Couplings::PerBond(js), Fields::Uniform(0.0))
    }

    /// Gaussian (Edwards–Anderson) spin glass: bonds `N(mean, sigma²)`.
    pub fn spin_glass_gaussian<R: Rng>(
        lattice: Lattice,
        mean: f64,
        sigma: f64,
        rng: &mut R,
    ) -> Result<Self, PhysicsError> {
        let js = (0..lattice.bond_slots())
            .map(|_| {
                let g: f64 = StandardNormal.sample(rng);
                mean + sigma * g
            })
            .collect();
        Self::new(lattice, Couplings::PerBond(js), Fields::Uniform(0.0))
    }

    pub fn with_field(mut self, h: f64) -> Self {
        self.fields = Fields::Uniform(h);
        self
    }

    pub fn lattice(&self) -> &Lattice {
        &self.lattice
    }
    pub fn couplings(&self) -> &Couplings {
        &self.couplings
    }
    pub fn fields(&self) -> &Fields {
        &self.fields
    }
    pub fn sites(&self) -> usize {
        self.lattice.sites()
    }

    /// `Some(j)` when every bond carries the same coupling.
    pub fn uniform_coupling(&self) -> Option<f64> {
        match self.couplings {
            Couplings::Uniform(j) => Some(j),
            Couplings::PerBond(_) => None,
        }
    }
    pub fn uniform_field(&self) -> Option<f64> {
        match self.fields {
            Fields::Uniform(h) => Some(h),
            Fields::PerSite(_) => None,
        }
    }

    /// Coupling on the bond leaving `i` in direction `d` (0 where an open boundary cuts it).
    #[inline]
    pub fn coupling(&self, i: usize, d: usize) -> f64 {
        match &self.couplings {
            Couplings::Uniform(j) => {
                if self.lattice.neighbours(i)[d] == NONE {
                    0.0
                } else {
                    *j
                }
            }
            Couplings::PerBond(js) => self.lattice.bond_slot(i, d).map_or(0.0, |b| js[b]),
        }
    }

    #[inline]
    pub fn field(&self, i: usize) -> f64 {
        match &self.fields {
            Fields::Uniform(h) => *h,
            Fields::PerSite(hs) => hs[i],
        }
    }

    /// Sum of neighbouring spins (open boundaries contribute nothing).
    #[inline]
    pub fn neighbour_sum(&self, spins: &[i8], i: usize) -> i32 {
        self.lattice
            .neighbours(i)
            .iter()
            .filter(|&&j| j != NONE)
            .map(|&j| spins[j as usize] as i32)
            .sum()
    }

    /// Local field `Σ_j J_ij s_j + h_i`, so that `E = −s_i · local_field + (terms without s_i)`.
    #[inline]
    pub fn local_field(&self, spins: &[i8], i: usize) -> f64 {
        match &self.couplings {
            Couplings::Uniform(j) => j * self.neighbour_sum(spins, i) as f64 + self.field(i),
            Couplings::PerBond(_) => {
                let nb = self.lattice.neighbours(i);
                let mut f = self.field(i);
                for d in 0..4 {
                    if nb[d] != NONE {
                        f += self.coupling(i, d) * spins[nb[d] as usize] as f64;
                    }
                }
                f
            }
        }
    }

    /// Energy change of flipping spin `i`, in O(1).
    #[inline]
    pub fn delta_energy(&self, spins: &[i8], i: usize) -> f64 {
        2.0 * spins[i] as f64 * self.local_field(spins, i)
    }

    /// Total energy, each bond once.
    pub fn energy(&self, spins: &[i8]) -> f64 {
        debug_assert_eq!(spins.len(), self.sites());
        let bond_part: f64 = match &self.couplings {
            Couplings::Uniform(j) => {
                let s: i64 = self
                    .lattice
                    .bonds()
                    .iter()
                    .map(|b| (spins[b.i] * spins[b.j]) as i64)
                    .sum();
                j * s as f64
            }
            Couplings::PerBond(js) => self
                .lattice
                .bonds()
                .iter()
                .map(|b| js[b.slot] * (spins[b.i] * spins[b.j]) as f64)
                .sum(),
        };
        let field_part: f64 = match &self.fields {
            Fields::Uniform(h) => h * spins.iter().map(|&s| s as i64).sum::<i64>() as f64,
            Fields::PerSite(hs) => hs.iter().zip(spins).map(|(h, &s)| h * s as f64).sum(),
        };
        -bond_part - field_part
    }

    /// Exact ground-state energy where it is known in closed form: uniform couplings with a
    /// uniform field that is zero or ferromagnetic-compatible, and the unfrustrated
    /// antiferromagnet (bipartite lattice, no field). `None` for glasses.
    pub fn ground_state_energy(&self) -> Option<f64> {
        let j = self.uniform_coupling()?;
        let h = self.uniform_field()?;
        let bonds = self.lattice.bonds().len() as f64;
        let n = self.sites() as f64;
        if j >= 0.0 {
            Some(-j * bonds - h.abs() * n)
        } else if h == 0.0 && self.lattice.is_bipartite() {
            Some(j * bonds)
        } else {
            None
        }
    }
}

/// Mean spin `Σ s_i / N`.
pub fn magnetisation(spins: &[i8]) -> f64 {
    spins.iter().map(|&s| s as i64).sum::<i64>() as f64 / spins.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lattice::Boundary;
    use crate::rng::{stream, tag};
    use proptest::prelude::{any, prop_assert, prop_assume, prop_oneof, proptest, Just, Strategy};

    #[test]
    fn ferromagnet_ground_state_is_minus_two_n() {
        let m = Ising::ferromagnet(Lattice::new(20, 20, Boundary::Periodic).unwrap(), 1.0);
        assert_eq!(m.energy(&[1; 400]), -800.0);
        assert_eq!(m.energy(&[-1; 400]), -800.0);
        assert_eq!(m.ground_state_energy(), Some(-800.0));
        let open = Ising::ferromagnet(Lattice::new(3, 3, Boundary::Open).unwrap(), 1.0);
        assert_eq!(open.ground_state_energy(), Some(-12.0));
    }

    #[test]
    fn antiferromagnet_neel_state() {
        let l = Lattice::new(6, 4, Boundary::Periodic).unwrap();
        let neel: Vec<i8> = (0..24).map(|i| if l.colour(i) == 0 { 1 } else { -1 }).collect();
        let m = Ising::ferromagnet(l, -1.0);
        assert_eq!(m.energy(&neel), -48.0);
        assert_eq!(m.ground_state_energy(), Some(-48.0));
    }

    #[test]
    fn rejects_bad_parameters() {
        let l = Lattice::new(4, 4, Boundary::Periodic).unwrap();
        assert!(Ising::new(l.clone(), Couplings::PerBond(vec![1.0; 3]), Fields::Uniform(0.0)).is_err());
        assert!(Ising::new(l, Couplings::Uniform(f64::NAN), Fields::Uniform(0.0)).is_err());
    }

    fn arb_model() -> impl Strategy<Value = (Ising, Vec<i8>, usize)> {
        (2usize..7, 2usize..7, any::<bool>(), any::<u64>(), 0u8..3).prop_flat_map(|(lx, ly, open, seed, kind)| {
            let b = if open { Boundary::Open } else { Boundary::Periodic };
            let lattice = Lattice::new(lx, ly, b).unwrap();
            let mut rng = stream(seed, tag("proptest"), 0);
            let model = match kind {
                0 => Ising::ferromagnet(lattice, 0.7).with_field(rng.random_range(-1.0..1.0)),
                1 => Ising::spin_glass_pm(lattice, 1.0, &mut rng).unwrap(),
                _ => {
                    let g = Ising::spin_glass_gaussian(lattice, 0.1, 1.0, &mut rng).unwrap();
                    let hs = (0..lx * ly).map(|_| rng.random_range(-1.0..1.0)).collect();
                    Ising::new(g.lattice.clone(), g.couplings.clone(), Fields::PerSite(hs)).unwrap()
                }
            };
            let n = lx * ly;
            (
                Just(model),
                proptest::collection::vec(prop_oneof![Just(-1i8), Just(1i8)], n),
                0..n,
            )
        })
    }

    proptest! {
        #[test]
        fn flip_energy_change_matches_full_energies((model, mut spins, i) in arb_model()) {
            let before = model.energy(&spins);
            let de = model.delta_energy(&spins, i);
            spins[i] = -spins[i];
            let after = model.energy(&spins);
            prop_assert!((after - before - de).abs() < 1e-9 * (1.0 + before.abs()));
        }

        #[test]
        fn zero_field_energy_is_invariant_under_global_flip((model, spins, _i) in arb_model()) {
            prop_assume!(model.uniform_field() == Some(0.0));
            let flipped: Vec<i8> = spins.iter().map(|s| -s).collect();
            prop_assert!((model.energy(&spins) - model.energy(&flipped)).abs() < 1e-9);
        }
    }

    #[test]
    fn uniform_periodic_energy_is_translation_invariant() {
        let l = Lattice::new(5, 4, Boundary::Periodic).unwrap();
        let m = Ising::ferromagnet(l, 1.0).with_field(0.3);
        let mut rng = stream(1, tag("t"), 0);
        let s: Vec<i8> = (0..20).map(|_| if rng.random::<bool>() { 1 } else { -1 }).collect();
        let shifted: Vec<i8> = (0..20).map(|i| s[(i / 5) * 5 + (i % 5 + 2) % 5]).collect();
        assert!((m.energy(&s) - m.energy(&shifted)).abs() < 1e-12);
    }
}
