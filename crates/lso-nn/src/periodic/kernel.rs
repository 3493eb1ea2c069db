//! The periodic 3×3 convolution on plain `f32` slices in NCHW order: a wrap-around im2col per
//! sample and one GEMM (`gemm`, the crate burn's flex backend uses) per sample.
//!
//! Samples are spread over rayon's pool, each with its own scratch; the weight gradient is summed
//! from per-sample partials in sample order, so the numbers do not depend on the thread count.

use rayon::prelude::*;

/// Sizes of an NCHW activation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dims {
    pub batch: usize,
    pub channels: usize,
    pub height: usize,
    pub width: usize,
}

impl Dims {
    pub fn plane(&self) -> usize {
        self.height * self.width
    }

    pub fn sample(&self) -> usize {
        self.channels * self.plane()
    }

    pub fn elements(&self) -> usize {
        self.batch * self.sample()
    }

    /// Chunked loops below need every size positive; the networks never build an empty layer.
    fn assert_non_empty(&self, c_out: usize) {
        assert!(
            self.elements() > 0 && c_out > 0,
            "empty periodic convolution: {self:?} to {c_out} channels"
        );
    }
}

/// Writes the periodic im2col of one sample `x` (`c × h × w`): row `(c, ky, kx)` holds the plane
/// shifted by `(ky − 1, kx − 1)` with wrap-around, so `y = W · cols` is the periodic convolution.
fn im2col(x: &[f32], c: usize, h: usize, w: usize, cols: &mut [f32]) {
    let n = h * w;
    for ci in 0..c {
        let plane = &x[ci * n..(ci + 1) * n];
        for ky in 0..3 {
            for kx in 0..3 {
                let row = &mut cols[((ci * 3 + ky) * 3 + kx) * n..][..n];
                for i in 0..h {
                    let src = &plane[((i + h + ky - 1) % h) * w..][..w];
                    let dst = &mut row[i * w..][..w];
                    match kx {
                        0 => {
                            dst[0] = src[w - 1];
                            dst[1..].copy_from_slice(&src[..w - 1]);
                        }
                        1 => dst.copy_from_slice(src),
                        _ => {
                            dst[..w - 1].copy_from_slice(&src[1..]);
                            dst[w - 1] = src[0];
                        }
                    }
                }
            }
        }
    }
}

/// `dst (m × n, row stride dst_rs) (+)= lhs (m × k) · rhs (k × n)`, strides in elements.
#[allow(clippy::too_many_arguments)]
fn matmul(
    m: usize,
    n: usize,
    k: usize,
    dst: &mut [f32],
    dst_rs: usize,
    accumulate: bool,
    lhs: &[f32],
    (lhs_rs, lhs_cs): (usize, usize),
    rhs: &[f32],
    (rhs_rs, rhs_cs): (usize, usize),
) {
    // Bounds of the strided views, so the unsafe call below reads and writes inside the slices.
    let last = |rows: usize, cols: usize, rs: usize, cs: usize| (rows - 1) * rs + (cols - 1) * cs;
    assert!(m > 0 && n > 0 && k > 0, "empty product");
    assert!(last(m, n, dst_rs, 1) < dst.len());
    assert!(last(m, k, lhs_rs, lhs_cs) < lhs.len() && last(k, n, rhs_rs, rhs_cs) < rhs.len());
    // SAFETY: every index the strides reach is inside its slice (asserted above); `dst` is a
    // unique borrow, so it aliases neither operand.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            dst_rs as isize,
            accumulate,
            lhs.as_ptr(),
            lhs_cs as isize,
            lhs_rs as isize,
            rhs.as_ptr(),
            rhs_cs as isize,
            rhs_rs as isize,
            1.0,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

/// `y = periodic_conv3x3(x, w) + b` for `x` of `dims`, `w` as `[c_out, c_in, 3, 3]`, `b` of
/// `c_out` (or `None`); returns `y` as `[batch, c_out, h, w]`.
pub fn forward(x: &[f32], dims: Dims, w: &[f32], b: Option<&[f32]>, c_out: usize) -> Vec<f32> {
    let (n, k) = (dims.plane(), dims.channels * 9);
    assert_eq!(x.len(), dims.elements(), "input length");
    assert_eq!(w.len(), c_out * k, "weight length");
    dims.assert_non_empty(c_out);
    let mut y = vec![0.0f32; dims.batch * c_out * n];
    y.par_chunks_mut(c_out * n)
        .zip(x.par_chunks(dims.sample()))
        .for_each_init(
            || vec![0.0f32; k * n],
            |cols, (ys, xs)| {
                if let Some(b) = b {
                    for (row, &bo) in ys.chunks_mut(n).zip(b) {
                        row.fill(bo);
                    }
                }
                im2col(xs, dims.channels, dims.height, dims.width, cols);
                matmul(c_out, n, k, ys, n, b.is_some(), w, (k, 1), cols, (n, 1));
            },
        );
    y
}

/// The input gradient: the periodic convolution of `g` (`[batch, c_out, h, w]`) with the
/// weights flipped in space and transposed in channels.
pub fn input_grad(g: &[f32], dims: Dims, w: &[f32], c_out: usize) -> Vec<f32> {
    let c_in = dims.channels;
    let mut flipped = vec![0.0f32; w.len()];
    for o in 0..c_out {
        for c in 0..c_in {
            for t in 0..9 {
                flipped[(c * c_out + o) * 9 + (8 - t)] = w[(o * c_in + c) * 9 + t];
            }
        }
    }
    let gdims = Dims {
        channels: c_out,
        ..dims
    };
    forward(g, gdims, &flipped, None, c_in)
}

/// The weight and bias gradients, `(dW [c_out, c_in, 3, 3], db [c_out])`, for input `x` of `dims`
/// and output gradient `g`.
pub fn param_grads(x: &[f32], dims: Dims, g: &[f32], c_out: usize) -> (Vec<f32>, Vec<f32>) {
    let (n, k) = (dims.plane(), dims.channels * 9);
    assert_eq!(x.len(), dims.elements(), "input length");
    assert_eq!(g.len(), dims.batch * c_out * n, "gradient length");
    dims.assert_non_empty(c_out);
    let mut partial = vec![0.0f32; dims.batch * c_out * k];
    partial
        .par_chunks_mut(c_out * k)
        .zip(x.par_chunks(dims.sample()).zip(g.par_chunks(c_out * n)))
        .for_each_init(
            || vec![0.0f32; k * n],
            |cols, (dw, (xs, gs))| {
                im2col(xs, dims.channels, dims.height, dims.width, cols);
                // dW_s = G_s (c_out × n) · colsᵀ (n × k).
                matmul(c_out, k, n, dw, k, false, gs, (n, 1), cols, (1, n));
            },
        );
    let mut dw = vec![0.0f32; c_out * k];
    for p in partial.chunks(c_out * k) {
        for (a, b) in dw.iter_mut().zip(p) {
            *a += b;
        }
    }
    let mut db = vec![0.0f32; c_out];
    for gs in g.chunks(c_out * n) {
        for (d, row) in db.iter_mut().zip(gs.chunks(n)) {
            *d += row.iter().sum::<f32>();
        }
    }
    (dw, db)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    fn random(len: usize, seed: u64) -> Vec<f32> {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        (0..len).map(|_| rng.random_range(-1.0..1.0)).collect()
    }

    /// The definition, summed in f64: y[s,o,i,j] = b[o] + Σ w[o,c,ky,kx] x[s,c,i+ky−1,j+kx−1].
    fn naive(x: &[f32], d: Dims, w: &[f32], b: &[f32], c_out: usize) -> Vec<f64> {
        let (h, wd) = (d.height, d.width);
        let mut y = vec![0.0f64; d.batch * c_out * h * wd];
        for s in 0..d.batch {
            for o in 0..c_out {
                for i in 0..h {
                    for j in 0..wd {
                        let mut acc = b[o] as f64;
                        for c in 0..d.channels {
                            for ky in 0..3 {
                                for kx in 0..3 {
                                    let (si, sj) = ((i + h + ky - 1) % h, (j + wd + kx - 1) % wd);
                                    acc += w[((o * d.channels + c) * 3 + ky) * 3 + kx] as f64
                                        * x[((s * d.channels + c) * h + si) * wd + sj] as f64;
                                }
                            }
                        }
                        y[((s * c_out + o) * h + i) * wd + j] = acc;
                    }
                }
            }
        }
        y
    }

    fn shapes() -> Vec<(Dims, usize)> {
        let d = |batch, channels, height, width| Dims {
            batch,
            channels,
            height,
            width,
        };
        // Includes sides 1 and 2, where the wrap folds neighbours onto each other.
        vec![
            (d(2, 3, 5, 7), 4),
            (d(3, 16, 8, 8), 32),
            (d(1, 2, 1, 4), 3),
            (d(2, 1, 2, 2), 2),
            (d(1, 4, 6, 1), 5),
        ]
    }

    #[test]
    fn forward_matches_the_definition() {
        for (k, (d, c_out)) in shapes().into_iter().enumerate() {
            let x = random(d.elements(), 10 + k as u64);
            let w = random(c_out * d.channels * 9, 20 + k as u64);
            let b = random(c_out, 30 + k as u64);
            let got = forward(&x, d, &w, Some(&b), c_out);
            let want = naive(&x, d, &w, &b, c_out);
            for (i, (g, e)) in got.iter().zip(&want).enumerate() {
                assert!(
                    (*g as f64 - e).abs() < 1e-5 * (1.0 + e.abs()),
                    "{d:?} at {i}: {g} vs {e}"
                );
            }
        }
    }

    /// The gradients of L = Σ g·y against central differences of the definition (linear in
    /// every argument, so the difference quotient is exact up to rounding).
    #[test]
    fn gradients_match_finite_differences() {
        for (k, (d, c_out)) in shapes().into_iter().enumerate() {
            let x = random(d.elements(), 40 + k as u64);
            let w = random(c_out * d.channels * 9, 50 + k as u64);
            let b = random(c_out, 60 + k as u64);
            let g = random(d.batch * c_out * d.plane(), 70 + k as u64);
            let loss = |x: &[f32], w: &[f32], b: &[f32]| -> f64 {
                naive(x, d, w, b, c_out)
                    .iter()
                    .zip(&g)
                    .map(|(y, g)| y * *g as f64)
                    .sum()
            };
            let gx = input_grad(&g, d, &w, c_out);
            let (gw, gb) = param_grads(&x, d, &g, c_out);
            let h = 0.5f32;
            let check = |got: f32, plus: f64, minus: f64, what: &str| {
                let want = (plus - minus) / (2.0 * h as f64);
                assert!(
                    (got as f64 - want).abs() < 1e-4 * (1.0 + want.abs()),
                    "{d:?} {what}: {got} vs {want}"
                );
            };
            for i in (0..x.len()).step_by(7) {
                let (mut p, mut m) = (x.clone(), x.clone());
                p[i] += h;
                m[i] -= h;
                check(gx[i], loss(&p, &w, &b), loss(&m, &w, &b), "dx");
            }
            for i in (0..w.len()).step_by(5) {
                let (mut p, mut m) = (w.clone(), w.clone());
                p[i] += h;
                m[i] -= h;
                check(gw[i], loss(&x, &p, &b), loss(&x, &m, &b), "dw");
            }
            for i in 0..b.len() {
                let (mut p, mut m) = (b.clone(), b.clone());
                p[i] += h;
                m[i] -= h;
                check(gb[i], loss(&x, &w, &p), loss(&x, &w, &m), "db");
            }
        }
    }

    #[test]
    fn results_do_not_depend_on_the_thread_count() {
        let (d, c_out) = (
            Dims {
                batch: 7,
                channels: 5,
                height: 6,
                width: 10,
            },
            6,
        );
        let x = random(d.elements(), 1);
        let w = random(c_out * 45, 2);
        let g = random(d.batch * c_out * d.plane(), 3);
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| {
                (
                    forward(&x, d, &w, Some(&w[..c_out]), c_out),
                    input_grad(&g, d, &w, c_out),
                    param_grads(&x, d, &g, c_out),
                )
            })
        };
        let one = run(1);
        let three = run(3);
        assert!(one.0.iter().zip(&three.0).all(|(a, b)| a.to_bits() == b.to_bits()));
        assert!(one.1.iter().zip(&three.1).all(|(a, b)| a.to_bits() == b.to_bits()));
        assert!(one
            .2
             .0
            .iter()
            .zip(&three.2 .0)
            .all(|(a, b)| a.to_bits() == b.to_bits()));
        assert_eq!(one.2 .1, three.2 .1);
    }
}
