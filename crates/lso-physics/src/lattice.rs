//! Square lattices: sites are numbered row-major, `i = y * lx + x`, the layout of a
//! `(ly, lx)` C-order array, so a `.npy` of shape `(M, Ly, Lx)` maps onto sites directly.

use crate::PhysicsError;
use serde::{Deserialize, Serialize};

/// Marks a missing neighbour across an open boundary.
pub const NONE: u32 = u32::MAX;

/// Directions in the neighbour table: `+x`, `+y`, `−x`, `−y`.
pub const DIRECTIONS: [(i64, i64); 4] = [(1, 0), (0, 1), (-1, 0), (0, -1)];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Boundary {
    #[default]
    Periodic,
    Open,
}

impl std::fmt::Display for Boundary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Boundary::Periodic => "periodic",
            Boundary::Open => "open",
        })
    }
}

/// A bond between two sites, listed once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bond {
    pub i: usize,
    pub j: usize,
    /// Index into per-bond coupling arrays: `2 * i + d` with `d = 0` for `+x`, `1` for `+y`.
    pub slot: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Lattice {
    lx: usize,
    ly: usize,
    boundary: Boundary,
    neighbours: Vec<[u32; 4]>,
    bonds: Vec<Bond>,
}

impl Lattice {
    /// Sites are stored as `u32` in the neighbour table to halve its cache footprint.
    pub const MAX_SITES: usize = (u32::MAX - 1) as usize;

    pub fn new(lx: usize, ly: usize, boundary: Boundary) -> Result<Self, PhysicsError> {
        if lx < 2 || ly < 2 {
            return Err(PhysicsError::LatticeTooSmall { lx, ly });
        }
        let sites = lx
            .checked_mul(ly)
            .filter(|&n| n <= Self::MAX_SITES)
            .ok_or(PhysicsError::LatticeTooLarge {
                lx,
                ly,
                sites: lx.saturating_mul(ly),
                max: Self::MAX_SITES,
            })?;
        let mut neighbours = vec![[NONE; 4]; sites];
        let mut bonds = Vec::with_capacity(2 * sites);
        for y in 0..ly {
            for x in 0..lx {
                let i = y * lx + x;
                for (d, (dx, dy)) in DIRECTIONS.iter().enumerate() {
                    let (nx, ny) = (x as i64 + dx, y as i64 + dy);
                    let inside = (0..lx as i64).contains(&nx) && (0..ly as i64).contains(&ny);
                    let j = match (inside, boundary) {
                        (true, _) => Some(ny as usize * lx + nx as usize),
                        (false, Boundary::Periodic) => {
                            let wx = nx.rem_euclid(lx as i64) as usize;
                            let wy = ny.rem_euclid(ly as i64) as usize;
                            Some(wy * lx + wx)
                        }
                        (false, Boundary::Open) => None,
                    };
                    if let Some(j) = j {
                        neighbours[i][d] = j as u32;
                        if d < 2 {
                            bonds.push(Bond { i, j, slot: 2 * i + d });
                        }
                    }
                }
            }
        }
        Ok(Self {
            lx,
            ly,
            boundary,
            neighbours,
            bonds,
        })
    }

    pub fn lx(&self) -> usize {
        self.lx
    }
    pub fn ly(&self) -> usize {
        self.ly
    }
    pub fn sites(&self) -> usize {
        self.lx * self.ly
    }
    pub fn boundary(&self) -> Boundary {
        self.boundary
    }
    /// The four neighbours of site `i` in the order of [`DIRECTIONS`]; [`NONE`] where an open
    /// boundary cuts the bond.
    #[inline]
    pub fn neighbours(&self, i: usize) -> &[u32; 4] {
        &self.neighbours[i]
    }
    /// Every bond once. On a periodic lattice of side 2 the `+x` and `−x` neighbours coincide,
    /// so that pair carries two bonds, as in the usual periodic Hamiltonian.
    pub fn bonds(&self) -> &[Bond] {
        &self.bonds
    }
    /// Number of per-bond coupling slots (`2 N`, some unused on open lattices).
    pub fn bond_slots(&self) -> usize {
        2 * self.sites()
    }
    /// Slot of the bond leaving site `i` in direction `d`, if that bond exists.
    #[inline]
    pub fn bond_slot(&self, i: usize, d: usize) -> Option<usize> {
        let j = self.neighbours[i][d];
        if j == NONE {
            None
        } else if d < 2 {
            Some(2 * i + d)
        } else {
            Some(2 * j as usize + (d - 2))
        }
    }
    /// Checkerboard colour `(x + y) mod 2`. It is a proper two-colouring (no bond joins equal
    /// colours) unless a periodic side is odd; see [`Lattice::is_bipartite`].
    #[inline]
    pub fn colour(&self, i: usize) -> usize {
        (i % self.lx + i / self.lx) % 2
    }
    pub fn is_bipartite(&self) -> bool {
        self.boundary == Boundary::Open || (self.lx.is_multiple_of(2) && self.ly.is_multiple_of(2))
    }
    /// The sites of each checkerboard colour, in row-major order.
    pub fn sublattices(&self) -> [Vec<usize>; 2] {
        let mut s = [
            Vec::with_capacity(self.sites() / 2 + 1),
            Vec::with_capacity(self.sites() / 2 + 1),
        ];
        for i in 0..self.sites() {
            s[self.colour(i)].push(i);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periodic_neighbours_wrap_and_are_symmetric() {
        let l = Lattice::new(5, 3, Boundary::Periodic).unwrap();
        assert_eq!(l.neighbours(4), &[0, 9, 3, 14]);
        for i in 0..l.sites() {
            for d in 0..4 {
                let j = l.neighbours(i)[d] as usize;
                assert_eq!(l.neighbours(j)[(d + 2) % 4] as usize, i);
            }
        }
        assert_eq!(l.bonds().len(), 2 * 15);
    }

    #[test]
    fn open_lattice_counts_bonds_once() {
        let l = Lattice::new(4, 3, Boundary::Open).unwrap();
        assert_eq!(l.bonds().len(), 3 * 3 + 4 * 2);
        assert_eq!(l.neighbours(0)[2], NONE);
        assert_eq!(l.bond_slot(1, 2), Some(0));
        assert_eq!(l.bond_slot(0, 3), None);
    }

    #[test]
    fn checkerboard_colours_partition_bipartite_lattices() {
        let l = Lattice::new(4, 6, Boundary::Periodic).unwrap();
        assert!(l.is_bipartite());
        let [a, b] = l.sublattices();
        assert_eq!(a.len() + b.len(), 24);
        for bond in l.bonds() {
            assert_ne!(l.colour(bond.i), l.colour(bond.j));
        }
        assert!(!Lattice::new(5, 4, Boundary::Periodic).unwrap().is_bipartite());
    }

    #[test]
    fn rejects_degenerate_sizes() {
        assert!(matches!(
            Lattice::new(1, 4, Boundary::Open),
            Err(PhysicsError::LatticeTooSmall { .. })
        ));
    }
}
