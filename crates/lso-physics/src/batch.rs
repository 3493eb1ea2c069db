//! Uniform-coupling Ising energies of many grids at once, for callers that hold a whole batch
//! (the Python bindings' `ising_energy`): per grid one pass over its bytes, not a neighbour
//! table, and the ±1 check in the same pass.
//!
//! For ±1 spins a bond's product is +1 exactly when the two bytes are equal, so Σ s_i s_j over
//! P bonds is 2·(equal pairs) − P. On x86_64 (SSE2 is part of the architecture, so no run-time
//! dispatch is needed) equal pairs are counted sixteen at a time: each byte compared with the one
//! after it (masked off at row ends) and the one a row below, in byte lanes folded into totals
//! before they can overflow; the periodic wraps and the last partial block are counted one by
//! one. Elsewhere, and for grids under 17 sites, a portable version counts unequal pairs in
//! shifted-slice folds the compiler vectorises; the tests hold the two to each other and both to
//! [`crate::Ising::energy`].

use rayon::prelude::*;

/// E = −J Σ⟨ij⟩ s_i s_j − h Σ s_i for each `lx × ly` grid of `s` (row-major, `s.len()` a multiple
/// of `lx·ly`, sides at least 2). A periodic side of length 2 counts its two bonds between the
/// same pair twice, as lso's lattice does. `None` if a value is not ±1.
pub fn energies(s: &[i8], lx: usize, ly: usize, periodic: bool, j: f64, h: f64) -> Option<Vec<f64>> {
    let n = lx * ly;
    let mask = row_mask(lx, ly);
    s.par_chunks(n)
        .with_min_len(256)
        .map(|c| {
            let (b, m, ok) = bond_sum(c, &mask, lx, ly, periodic);
            ok.then(|| -j * b as f64 - h * m as f64)
        })
        .collect()
}

/// Whether every value is ±1: `v + 1` is 0 or 2 exactly then, an OR-reduction the vectoriser
/// turns into a few instructions per 64 values.
pub fn all_spins(s: &[i8]) -> bool {
    s.par_chunks(1 << 16)
        .all(|c| c.iter().fold(0u8, |a, &v| a | ((v as u8).wrapping_add(1) & !2)) == 0)
}

/// 0xFF where (i, i + 1) is a bond inside a row, per site of one grid.
fn row_mask(lx: usize, ly: usize) -> Vec<i8> {
    (0..lx * ly).map(|i| if i % lx != lx - 1 { -1 } else { 0 }).collect()
}

/// Σ over bonds of s_i s_j, Σ s_i, and whether every value is ±1, of one grid.
#[inline]
fn bond_sum(s: &[i8], mask: &[i8], lx: usize, ly: usize, periodic: bool) -> (i32, i32, bool) {
    #[cfg(target_arch = "x86_64")]
    if s.len() >= 17 {
        return bond_sum_sse2(s, mask, lx, ly, periodic);
    }
    let _ = mask;
    bond_sum_portable(s, lx, ly, periodic)
}

#[cfg(target_arch = "x86_64")]
#[inline]
fn bond_sum_sse2(s: &[i8], mask: &[i8], lx: usize, ly: usize, periodic: bool) -> (i32, i32, bool) {
    let n = lx * ly;
    debug_assert!(n >= 17 && s.len() == n && mask.len() == n);
    use std::arch::x86_64::*;
    // SAFETY: SSE2 is part of x86_64. Every 16-byte load starts at most 16 bytes before the
    // end of `s` or `mask` (the loop conditions below), and the scalar reads are at indices < n.
    unsafe {
        let p = s.as_ptr();
        let ld = |i: usize| _mm_loadu_si128(p.add(i) as *const __m128i);
        let ldm = |i: usize| _mm_loadu_si128(mask.as_ptr().add(i) as *const __m128i);
        let at = |i: usize| *p.add(i);
        let zero = _mm_setzero_si128();
        let one = _mm_set1_epi8(1);
        let two = _mm_set1_epi8(2);
        let (mut acc_h, mut acc_v, mut acc_d, mut bad) = (zero, zero, zero, zero);
        let (mut eq, mut down) = (0i32, 0i32);
        let flush = |acc: &mut __m128i| -> i32 {
            let t = _mm_sad_epu8(*acc, zero);
            *acc = zero;
            (_mm_cvtsi128_si64(t) + _mm_cvtsi128_si64(_mm_unpackhi_epi64(t, t))) as i32
        };
        // Byte lanes count to at most 255: fold them into the totals every 255 blocks.
        let mut blocks = 0;
        let mut i = 0;
        while i + 17 <= n {
            let a = ld(i);
            acc_d = _mm_sub_epi8(acc_d, _mm_cmpgt_epi8(zero, a));
            bad = _mm_or_si128(bad, _mm_andnot_si128(two, _mm_add_epi8(a, one)));
            acc_h = _mm_sub_epi8(acc_h, _mm_and_si128(ldm(i), _mm_cmpeq_epi8(a, ld(i + 1))));
            if i + lx + 16 <= n {
                acc_v = _mm_sub_epi8(acc_v, _mm_cmpeq_epi8(a, ld(i + lx)));
            }
            i += 16;
            blocks += 1;
            if blocks == 255 {
                eq += flush(&mut acc_h) + flush(&mut acc_v);
                down += flush(&mut acc_d);
                blocks = 0;
            }
        }
        // The last partial blocks: whole blocks ending at the grid's end, their lanes before
        // `done` (already counted) masked off. `i >= n - 16`, so one block finishes each pass.
        let lane = _mm_set_epi8(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
        let from = |start: usize, done: usize| _mm_cmpgt_epi8(lane, _mm_set1_epi8(done as i8 - start as i8 - 1));
        let (t, keep) = (n - 16, from(n - 16, i));
        let a = ld(t);
        acc_d = _mm_sub_epi8(acc_d, _mm_and_si128(keep, _mm_cmpgt_epi8(zero, a)));
        bad = _mm_or_si128(bad, _mm_and_si128(keep, _mm_andnot_si128(two, _mm_add_epi8(a, one))));
        let t = n - 17;
        let keep = _mm_and_si128(from(t, i), ldm(t));
        acc_h = _mm_sub_epi8(acc_h, _mm_and_si128(keep, _mm_cmpeq_epi8(ld(t), ld(t + 1))));
        eq += flush(&mut acc_h) + flush(&mut acc_v);
        down += flush(&mut acc_d);
        let bad = _mm_movemask_epi8(_mm_cmpeq_epi8(bad, zero)) != 0xffff;
        let v_end = n - lx;
        // Where the vertical blocks stopped: the first i with i + lx + 16 > n.
        let v_done = if v_end >= 16 { (v_end - 16) / 16 * 16 + 16 } else { 0 }.min(i);
        if v_end >= 16 {
            let t = v_end - 16;
            let keep = from(t, v_done);
            acc_v = _mm_sub_epi8(acc_v, _mm_and_si128(keep, _mm_cmpeq_epi8(ld(t), ld(t + lx))));
            eq += flush(&mut acc_v);
        } else {
            for k in v_done..v_end {
                eq += (at(k) == at(k + lx)) as i32;
            }
        }
        if periodic {
            for y in 0..ly {
                eq += (at(y * lx) == at(y * lx + lx - 1)) as i32;
            }
            let mut x = 0;
            while x + 16 <= lx {
                acc_v = _mm_sub_epi8(acc_v, _mm_cmpeq_epi8(ld(x), ld(n - lx + x)));
                x += 16;
                if x % (16 * 255) == 0 {
                    eq += flush(&mut acc_v);
                }
            }
            eq += flush(&mut acc_v);
            for x in x..lx {
                eq += (at(x) == at(n - lx + x)) as i32;
            }
        }
        let pairs = (ly * (lx - 1) + (ly - 1) * lx + if periodic { lx + ly } else { 0 }) as i32;
        (2 * eq - pairs, n as i32 - 2 * down, !bad)
    }
}

fn dot(a: &[i8], b: &[i8]) -> i32 {
    let mut differ = 0i32;
    for (ca, cb) in a.chunks(255).zip(b.chunks(255)) {
        differ += ca.iter().zip(cb).fold(0u8, |n, (&x, &y)| n + u8::from(x != y)) as i32;
    }
    a.len() as i32 - 2 * differ
}

/// Σ over bonds of s_i s_j, Σ s_i, and whether every value is ±1, of one `lx × ly` grid.
fn bond_sum_portable(s: &[i8], lx: usize, ly: usize, periodic: bool) -> (i32, i32, bool) {
    let n = lx * ly;
    let mut bonds = dot(&s[..n - 1], &s[1..]);
    for y in 0..ly {
        let (first, last) = (y * lx, y * lx + lx - 1);
        if y + 1 < ly {
            // (last of row y, first of row y + 1) is not a bond.
            bonds -= s[last] as i32 * s[last + 1] as i32;
        }
        if periodic {
            bonds += s[last] as i32 * s[first] as i32;
        }
    }
    bonds += dot(&s[..n - lx], &s[lx..]);
    if periodic {
        bonds += dot(&s[n - lx..], &s[..lx]);
    }
    let (mut down, mut bad) = (0i32, 0u8);
    for c in s.chunks(255) {
        // One pass: how many spins are down, and whether any value is not ±1 (`v + 1` is 0 or
        // 2 exactly then).
        let (d, b) = c.iter().fold((0u8, 0u8), |(d, b), &v| {
            (d + u8::from(v < 0), b | ((v as u8).wrapping_add(1) & !2))
        });
        down += d as i32;
        bad |= b;
    }
    let total = n as i32 - 2 * down;
    (bonds, total, bad == 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{stream, tag};
    use crate::{Boundary, Ising, Lattice};
    use rand::Rng;

    fn grids(m: usize, n: usize, seed: u64) -> Vec<i8> {
        let mut rng = stream(seed, tag("batch-test"), 0);
        (0..m * n).map(|_| if rng.random::<bool>() { 1 } else { -1 }).collect()
    }

    #[test]
    fn energies_equal_the_lattice_model_for_every_shape_and_boundary() {
        // Small grids take the portable path, larger ones the vector path with its partial
        // blocks, wide rows (vertical wraps in whole blocks) and tall grids (lane folds).
        let shapes = [
            (2, 2),
            (2, 3),
            (3, 2),
            (4, 4),
            (2, 9),
            (9, 2),
            (5, 7),
            (20, 20),
            (16, 16),
            (17, 3),
            (3, 17),
            (64, 3),
            (65, 65),
            (100, 90),
            (2, 2100),
        ];
        for (k, &(lx, ly)) in shapes.iter().enumerate() {
            for boundary in [Boundary::Periodic, Boundary::Open] {
                let (j, h) = (0.7, -0.3);
                let lattice = Lattice::new(lx, ly, boundary).unwrap();
                let model = Ising::new(lattice, crate::Couplings::Uniform(j), crate::Fields::Uniform(h)).unwrap();
                let s = grids(5, lx * ly, k as u64);
                let got = energies(&s, lx, ly, boundary == Boundary::Periodic, j, h).unwrap();
                for (g, c) in got.iter().zip(s.chunks(lx * ly)) {
                    assert!(
                        (g - model.energy(c)).abs() < 1e-9,
                        "{lx}x{ly} {boundary:?}: {g} vs {}",
                        model.energy(c)
                    );
                }
                for c in s.chunks(lx * ly) {
                    let mask = row_mask(lx, ly);
                    let p = boundary == Boundary::Periodic;
                    assert_eq!(bond_sum(c, &mask, lx, ly, p), bond_sum_portable(c, lx, ly, p));
                }
            }
        }
    }

    #[test]
    fn a_value_that_is_not_a_spin_is_found_at_every_position() {
        for &(lx, ly) in &[(3, 3), (20, 20), (33, 5)] {
            let n = lx * ly;
            let mut s = grids(3, n, 9);
            assert!(energies(&s, lx, ly, true, 1.0, 0.0).is_some());
            for pos in 0..n {
                for bad in [0i8, 2, -2, 127, -128] {
                    let keep = s[n + pos];
                    s[n + pos] = bad;
                    assert!(energies(&s, lx, ly, true, 1.0, 0.0).is_none(), "{lx}x{ly} {pos} {bad}");
                    assert!(!all_spins(&s));
                    s[n + pos] = keep;
                }
            }
        }
    }
}
