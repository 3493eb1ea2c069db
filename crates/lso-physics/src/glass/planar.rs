//! Exact ground states of planar Ising spin glasses (open boundaries, no field) by minimum-weight
//! perfect matching: the classic reduction of Bieche et al. (1980) and Barahona (1982).
//!
//! A plaquette is *frustrated* when it holds an odd number of negative bonds; no spin state
//! satisfies all four of its bonds. A spin state is fixed, up to a global flip, by its set of
//! unsatisfied bonds, and a set of bonds is the unsatisfied set of some state exactly when, on
//! the dual lattice, it meets every frustrated plaquette an odd number of times and every other
//! plaquette an even number of times (the outer face absorbs any parity). Breaking bond `b`
//! costs `2|J_b|`, so the ground state is the cheapest such set: a minimum-weight T-join, found
//! as a minimum-weight perfect matching of the frustrated plaquettes by dual-lattice distance.
//!
//! The matching graph is the *expanded dual* (Barahona's gadget construction), sparse and exact:
//! every dual node (plaquette or outer face) gets one port per incident dual edge, its ports are
//! joined pairwise at zero cost, and one extra node joined to all of them is added when the
//! node's degree and its frustration differ in parity. A port matched across its dual edge (at
//! cost `2|J|`) breaks that bond; the rest pair up inside their node, which is possible exactly
//! when the node meets the broken bonds with the right parity. Perfect matchings are therefore
//! the valid sets of broken bonds, at their cost. (Pairing frustrated plaquettes directly by
//! dual distance needs the complete graph to be exact: pruning it to paths that avoid other
//! frustrated plaquettes misses optima where one plaquette meets three broken paths, which the
//! 5×5 enumeration test caught.)
//!
//! Bond costs are integers `round(2|J| · 2^k)` with the largest `k ≤ 30` that keeps the sums in
//! range; ±J bonds are represented exactly. For continuous bonds the state found is optimal for
//! the rounded costs, and its energy is within `quantisation_bound` of the true optimum.

use super::matching::min_weight_perfect;
use crate::{Boundary, Ising, PhysicsError};

/// An exact ground state.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanarGroundState {
    pub energy: f64,
    pub spins: Vec<i8>,
    /// Upper bound on `energy − E_GS` from rounding the bond costs to integers (0 when every
    /// cost is a multiple of the resolution, as for ±J bonds).
    pub quantisation_bound: f64,
    pub frustrated_plaquettes: usize,
}

/// The bond-cost resolution `2^k`: as fine as possible while every sum of costs stays below 2^52.
fn resolution(total_cost: f64) -> f64 {
    let mut k = 30;
    while k > 0 && total_cost * 2f64.powi(k) > 2f64.powi(52) {
        k -= 1;
    }
    2f64.powi(k)
}

/// The exact ground state of an open-boundary Ising model without field.
pub fn ground_state(model: &Ising) -> Result<PlanarGroundState, PhysicsError> {
    let l = model.lattice();
    if l.boundary() != Boundary::Open {
        return Err(PhysicsError::Unsupported {
            sampler: "the planar matching solver",
            needs: "open boundaries (a periodic lattice is not planar)",
        });
    }
    if model.uniform_field() != Some(0.0) {
        return Err(PhysicsError::Unsupported {
            sampler: "the planar matching solver",
            needs: "zero field",
        });
    }
    let (lx, ly) = (l.lx(), l.ly());
    let js = super::instance::bond_array(model);
    let total: f64 = l.bonds().iter().map(|b| 2.0 * js[b.slot].abs()).sum();
    let scale = resolution(total);
    let mut rounding = 0.0;
    let cost = |slot: usize, rounding: &mut f64| -> i64 {
        let exact = 2.0 * js[slot].abs() * scale;
        let c = exact.round();
        *rounding += (c - exact).abs() / scale;
        c as i64
    };
    let (pw, ph) = (lx - 1, ly - 1);
    let plaquettes = pw * ph;
    let outer = plaquettes;
    let plaq = |py: isize, px: isize| -> usize {
        if py < 0 || px < 0 || py >= ph as isize || px >= pw as isize {
            outer
        } else {
            py as usize * pw + px as usize
        }
    };
    // Dual edges: (node a, node b, cost, bond slot); nodes are plaquettes, then the outer face.
    let mut dual_edges = Vec::with_capacity(l.bonds().len());
    let mut frustrated = vec![false; plaquettes + 1];
    for b in l.bonds() {
        let (y, x) = ((b.i / lx) as isize, (b.i % lx) as isize);
        // A horizontal bond separates the plaquettes above and below it; a vertical one those
        // to its left and right.
        let (p, q) = if b.slot % 2 == 0 {
            (plaq(y - 1, x), plaq(y, x))
        } else {
            (plaq(y, x - 1), plaq(y, x))
        };
        if js[b.slot] < 0.0 {
            frustrated[p] ^= true;
            frustrated[q] ^= true;
        }
        dual_edges.push((p, q, cost(b.slot, &mut rounding), b.slot));
    }
    let mut ports: Vec<Vec<usize>> = vec![Vec::new(); plaquettes + 1];
    let mut edges = Vec::new();
    for (k, &(p, q, c, _)) in dual_edges.iter().enumerate() {
        ports[p].push(2 * k);
        ports[q].push(2 * k + 1);
        edges.push((2 * k, 2 * k + 1, c));
    }
    let mut nodes = 2 * dual_edges.len();
    for (v, list) in ports.iter().enumerate() {
        for (a, &pa) in list.iter().enumerate() {
            for &pb in &list[a + 1..] {
                edges.push((pa, pb, 0));
            }
        }
        if (list.len() % 2 == 1) != frustrated[v] {
            for &pa in list {
                edges.push((pa, nodes, 0));
            }
            nodes += 1;
        }
    }
    let mate = min_weight_perfect(nodes, &edges)
        .ok_or_else(|| PhysicsError::Data("internal error: the expanded dual has no perfect matching".into()))?;
    let mut broken = vec![false; l.bond_slots()];
    for (k, &(_, _, _, slot)) in dual_edges.iter().enumerate() {
        broken[slot] = mate[2 * k] == 2 * k + 1;
    }
    let m = frustrated[..plaquettes].iter().filter(|&&f| f).count();
    let spins = spins_from_broken(model, &js, &broken)?;
    let energy = model.energy(&spins);
    Ok(PlanarGroundState {
        energy,
        spins,
        quantisation_bound: 2.0 * rounding,
        frustrated_plaquettes: m,
    })
}

/// The spin state whose unsatisfied bonds are exactly `broken`, with spin 0 up.
fn spins_from_broken(model: &Ising, js: &[f64], broken: &[bool]) -> Result<Vec<i8>, PhysicsError> {
    let l = model.lattice();
    let n = l.sites();
    let mut spins = vec![0i8; n];
    spins[0] = 1;
    let mut stack = vec![0usize];
    while let Some(i) = stack.pop() {
        for d in 0..4 {
            let Some(slot) = l.bond_slot(i, d) else { continue };
            let j = l.neighbours(i)[d] as usize;
            let sign: i8 = if js[slot] < 0.0 { -1 } else { 1 };
            let want = spins[i] * sign * if broken[slot] { -1 } else { 1 };
            if spins[j] == 0 {
                spins[j] = want;
                stack.push(j);
            } else if spins[j] != want {
                return Err(PhysicsError::Data(format!(
                    "internal error: the broken bonds leave plaquette parity unmet near site {j}"
                )));
            }
        }
    }
    Ok(spins)
}

#[cfg(test)]
mod tests {
    use super::super::instance::{random, BondKind};
    use super::*;
    use crate::exact;

    #[test]
    fn ferromagnet_and_single_frustrated_plaquette() {
        let m = Ising::ferromagnet(crate::Lattice::new(4, 3, Boundary::Open).unwrap(), 1.0);
        let g = ground_state(&m).unwrap();
        assert_eq!(g.energy, -17.0);
        assert_eq!(g.frustrated_plaquettes, 0);
        // 2×2 with one negative bond: one bond must break, E = −4 + 2 = −2.
        let mut js = vec![0.0; 8];
        js[0] = -1.0; // (0,0)–(0,1)
        js[1] = 1.0; // (0,0)–(1,0)
        js[3] = 1.0; // (0,1)–(1,1)
        js[4] = 1.0; // (1,0)–(1,1)
        let m = Ising::new(
            m_lattice(2, 2),
            crate::Couplings::PerBond(js),
            crate::Fields::Uniform(0.0),
        )
        .unwrap();
        let g = ground_state(&m).unwrap();
        assert_eq!(
            (g.energy, g.frustrated_plaquettes, g.quantisation_bound),
            (-2.0, 1, 0.0)
        );
        assert!(ground_state(&Ising::ferromagnet(
            crate::Lattice::new(4, 4, Boundary::Periodic).unwrap(),
            1.0
        ))
        .is_err());
    }

    fn m_lattice(lx: usize, ly: usize) -> crate::Lattice {
        crate::Lattice::new(lx, ly, Boundary::Open).unwrap()
    }

    #[test]
    fn equals_enumeration_on_small_lattices() {
        for (lx, ly) in [(2, 2), (3, 2), (2, 3), (3, 3), (4, 3), (3, 4), (4, 4), (5, 4), (4, 5)] {
            for kind in [BondKind::Pm, BondKind::Gaussian, BondKind::Uniform] {
                for seed in 0..12 {
                    let m = random(lx, ly, Boundary::Open, kind, seed).unwrap();
                    let g = ground_state(&m).unwrap();
                    let (e0, _) = exact::ground_state(&m).unwrap();
                    assert!((g.energy - m.energy(&g.spins)).abs() < 1e-12);
                    assert!(
                        (g.energy - e0).abs() < 1e-9,
                        "{lx}×{ly} {kind} seed {seed}: matching {} vs enumeration {e0}",
                        g.energy
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod checks {
    use super::super::baselines::TemperingSettings;
    use super::super::instance::{random, BondKind};
    use super::super::toroidal::best_of_tempering;
    use super::*;
    use crate::Lattice;

    /// Lowest energy over all states with spin 0 up (zero field: the flip partner has equal
    /// energy), in Gray-code order: 2^(N−1) states, so 5×5 stays cheap.
    fn enumerate_min(model: &Ising) -> f64 {
        let n = model.sites();
        let mut s = vec![-1i8; n];
        s[0] = 1;
        let mut e = model.energy(&s);
        let mut best = e;
        for k in 1u64..(1u64 << (n - 1)) {
            let i = k.trailing_zeros() as usize + 1;
            e += model.delta_energy(&s, i);
            s[i] = -s[i];
            best = best.min(e);
        }
        best
    }

    #[test]
    fn exact_on_every_lattice_up_to_five_by_five() {
        let mut cases = 0;
        for lx in 2..=5 {
            for ly in 2..=5 {
                let seeds = if lx * ly >= 20 { 3 } else { 10 };
                for kind in [BondKind::Pm, BondKind::Gaussian, BondKind::Uniform] {
                    for seed in 100..100 + seeds {
                        let m = random(lx, ly, Boundary::Open, kind, seed).unwrap();
                        let g = ground_state(&m).unwrap();
                        let e0 = enumerate_min(&m);
                        assert!((m.energy(&g.spins) - g.energy).abs() < 1e-12);
                        assert!(
                            (g.energy - e0).abs() < 1e-9 + g.quantisation_bound,
                            "{lx}×{ly} {kind} seed {seed}: {} vs {e0}",
                            g.energy
                        );
                        cases += 1;
                    }
                }
            }
        }
        assert!(cases > 250, "{cases}");
    }

    #[test]
    fn periodic_tempering_finds_the_enumerated_ground_state() {
        for (lx, ly) in [(3, 3), (4, 4), (5, 4), (5, 5)] {
            for kind in [BondKind::Pm, BondKind::Gaussian, BondKind::Uniform] {
                let m = random(lx, ly, Boundary::Periodic, kind, 7).unwrap();
                let b = best_of_tempering(&m, 4, 300, &TemperingSettings::default(), 1).unwrap();
                let e0 = enumerate_min(&m);
                assert!((b.energy - e0).abs() < 1e-9, "{lx}×{ly} {kind}: {} vs {e0}", b.energy);
                assert!(b.agreed >= 1 && b.agreed <= 4);
            }
        }
    }

    #[test]
    fn gauge_transformations_leave_the_ground_state_energy_unchanged() {
        // Flipping spin i's four bonds is the gauge map s_i → −s_i: E_GS must not move, and the
        // solver's state maps onto a ground state of the transformed instance.
        let m = random(9, 7, Boundary::Open, BondKind::Gaussian, 5).unwrap();
        let e0 = ground_state(&m).unwrap().energy;
        let mut js = super::super::instance::bond_array(&m);
        let l = m.lattice().clone();
        for i in [0usize, 10, 31, 62] {
            for d in 0..4 {
                if let Some(slot) = l.bond_slot(i, d) {
                    js[slot] = -js[slot];
                }
            }
        }
        let gauged = Ising::new(l, crate::Couplings::PerBond(js), crate::Fields::Uniform(0.0)).unwrap();
        let g = ground_state(&gauged).unwrap();
        assert!(
            (g.energy - e0).abs() < 1e-9 + g.quantisation_bound,
            "{} vs {e0}",
            g.energy
        );
        let _ = Lattice::new(2, 2, Boundary::Open).unwrap();
    }

    #[test]
    fn long_tempering_never_goes_below_the_exact_value_on_16_by_16() {
        let mut reached = 0;
        for seed in 0..4 {
            let m = random(16, 16, Boundary::Open, BondKind::Pm, seed).unwrap();
            let e0 = ground_state(&m).unwrap().energy;
            let b = best_of_tempering(&m, 2, 3000, &TemperingSettings::default(), seed).unwrap();
            assert!(
                b.energy >= e0 - 1e-9,
                "seed {seed}: tempering {} below exact {e0}",
                b.energy
            );
            reached += usize::from((b.energy - e0).abs() < 1e-9);
        }
        assert!(reached >= 3, "tempering reached E_GS on only {reached} of 4 instances");
    }
}
