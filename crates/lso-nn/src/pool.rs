//! An activation and 2×2 max-pooling fused into one burn extension op, with its own backward.
//!
//! The conv VAE's encoder applies a (leaky) ReLU and then a 2×2, stride-2 max-pool after every
//! convolution. burn runs these as two ops, the pool through its general 3-D pooling with indices,
//! which took about a fifth of a conv-VAE training epoch at 64² (`lso bench chiral`). Both
//! activations are increasing, so the activation of a window's maximum equals the maximum of the
//! activated window: one pass finds each window's maximum and activates it, and the backward
//! pass sends the gradient to that maximum, times the activation's slope there.
//!
//! [`composite_activated_max_pool2x2`] (burn's activation, then burn's `MaxPool2d`) is the
//! reference the tests compare against, and what runs on backends without the kernel.

use crate::periodic::{flex, values};
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::autodiff::NodeId;
use burn::backend::flex::FlexTensor;
use burn::backend::tensor::FloatTensor;
use burn::backend::{backend_extension, Autodiff, Backend, DispatchDevice, Flex};
use burn::nn::pool::MaxPool2dConfig;
use burn::tensor::activation::{leaky_relu, relu};
use burn::tensor::Tensor;
use rayon::prelude::*;

/// The forward operation, routed by burn's dispatch to the flex backend or its autodiff wrapper.
#[backend_extension(Flex, Autodiff)]
pub trait ActivatedPool: Backend {
    /// `x [B, C, H, W]` → `[B, C, H/2, W/2]`: each 2×2 window's maximum `m`, as `m` where it is
    /// positive and `slope · m` where not (a ReLU for slope 0).
    fn activated_max_pool2x2(x: FloatTensor<Self>, slope: f32) -> FloatTensor<Self>;
}

/// What a concrete backend computes for the backward pass.
pub trait ActivatedPoolGrad: Backend {
    /// The input gradient for the output gradient `g`.
    fn activated_max_pool2x2_grad(x: FloatTensor<Self>, g: FloatTensor<Self>, slope: f32) -> FloatTensor<Self>;
}

/// Sizes of an input: planes (`B · C`), height and width.
#[derive(Clone, Copy, Debug)]
struct Planes {
    planes: usize,
    h: usize,
    w: usize,
}

impl Planes {
    fn of(shape: &[usize]) -> Self {
        assert_eq!(shape.len(), 4, "pool input must be [B, C, H, W], got {shape:?}");
        Self {
            planes: shape[0] * shape[1],
            h: shape[2],
            w: shape[3],
        }
    }

    fn out(&self) -> (usize, usize) {
        (self.h / 2, self.w / 2)
    }
}

/// The window of output `(i, j)`: its four inputs' offsets in the plane, in row order.
#[inline(always)]
fn window(p: Planes, i: usize, j: usize) -> [usize; 4] {
    let at = 2 * i * p.w + 2 * j;
    [at, at + 1, at + p.w, at + p.w + 1]
}

/// The first largest of a window's four values: `(offset, value)`.
#[inline(always)]
fn argmax(plane: &[f32], win: [usize; 4]) -> (usize, f32) {
    let mut best = (win[0], plane[win[0]]);
    for &at in &win[1..] {
        if plane[at] > best.1 {
            best = (at, plane[at]);
        }
    }
    best
}

fn activate(m: f32, slope: f32) -> f32 {
    if m > 0.0 {
        m
    } else {
        slope * m
    }
}

/// The forward pass on plain values in NCHW order.
pub fn forward(x: &[f32], shape: &[usize], slope: f32) -> Vec<f32> {
    let p = Planes::of(shape);
    assert_eq!(x.len(), p.planes * p.h * p.w, "pool input length");
    let (oh, ow) = p.out();
    let mut y = vec![0.0f32; p.planes * oh * ow];
    if oh * ow == 0 {
        return y;
    }
    y.par_chunks_mut(oh * ow)
        .zip(x.par_chunks(p.h * p.w))
        .for_each(|(yp, xp)| {
            for i in 0..oh {
                for j in 0..ow {
                    yp[i * ow + j] = activate(argmax(xp, window(p, i, j)).1, slope);
                }
            }
        });
    y
}

/// The input gradient for output gradient `g`: each window's maximum gets `g` times the
/// activation's slope there, the other three inputs nothing.
pub fn backward(x: &[f32], shape: &[usize], g: &[f32], slope: f32) -> Vec<f32> {
    let p = Planes::of(shape);
    let (oh, ow) = p.out();
    assert_eq!(x.len(), p.planes * p.h * p.w, "pool input length");
    assert_eq!(g.len(), p.planes * oh * ow, "pool gradient length");
    let mut dx = vec![0.0f32; x.len()];
    if oh * ow == 0 {
        return dx;
    }
    dx.par_chunks_mut(p.h * p.w)
        .zip(x.par_chunks(p.h * p.w).zip(g.par_chunks(oh * ow)))
        .for_each(|(dp, (xp, gp))| {
            for i in 0..oh {
                for j in 0..ow {
                    let (at, m) = argmax(xp, window(p, i, j));
                    dp[at] = gp[i * ow + j] * if m > 0.0 { 1.0 } else { slope };
                }
            }
        });
    dx
}

impl ActivatedPool for Flex {
    fn activated_max_pool2x2(x: FlexTensor, slope: f32) -> FlexTensor {
        let shape = x.layout().shape().to_vec();
        let y = forward(&values(&x), &shape, slope);
        let (oh, ow) = Planes::of(&shape).out();
        flex(y, &[shape[0], shape[1], oh, ow], x.dtype())
    }
}

impl ActivatedPoolGrad for Flex {
    fn activated_max_pool2x2_grad(x: FlexTensor, g: FlexTensor, slope: f32) -> FlexTensor {
        let shape = x.layout().shape().to_vec();
        let dx = backward(&values(&x), &shape, &values(&g), slope);
        flex(dx, &shape, g.dtype())
    }
}

#[derive(Debug)]
struct PoolBackward;

impl<B: ActivatedPoolGrad> Backward<B, 1> for PoolBackward {
    /// The input's checkpoint and the slope.
    type State = (NodeId, f32);

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, checkpointer: &mut Checkpointer) {
        let [node_x] = ops.parents;
        let g = grads.consume::<B>(&ops.node);
        let (x, slope) = ops.state;
        let x = checkpointer.retrieve_node_output::<FloatTensor<B>>(x);
        if let Some(node) = node_x {
            grads.register::<B>(node.id, B::activated_max_pool2x2_grad(x, g, slope));
        }
    }
}

impl<B: ActivatedPool + ActivatedPoolGrad, C: CheckpointStrategy> ActivatedPool for Autodiff<B, C> {
    fn activated_max_pool2x2(x: FloatTensor<Self>, slope: f32) -> FloatTensor<Self> {
        match PoolBackward.prepare::<C>([x.node()]).compute_bound().stateful() {
            OpsKind::Tracked(mut prep) => {
                let state = (prep.checkpoint(&x), slope);
                let y = B::activated_max_pool2x2(x.primitive().clone(), slope);
                prep.finish(state, y)
            }
            OpsKind::UnTracked(prep) => prep.finish(B::activated_max_pool2x2(x.primitive().clone(), slope)),
        }
    }
}

/// The leaky ReLU (negative slope `slope`, 0 for a ReLU) and 2×2 max-pool of `x [B, C, H, W]`
/// in one differentiable operation.
pub fn activated_max_pool2x2(x: Tensor<4>, slope: f32) -> Tensor<4> {
    if !matches!(x.device().inner().as_dispatch(), DispatchDevice::Flex(_)) {
        // Only flex has the kernel.
        return composite_activated_max_pool2x2(x, slope);
    }
    Tensor::from_dispatch(<burn::backend::Dispatch as ActivatedPool>::activated_max_pool2x2(
        x.into_dispatch(),
        slope,
    ))
}

/// The same from burn's parts: the activation, then a 2×2, stride-2 `MaxPool2d`.
pub fn composite_activated_max_pool2x2(x: Tensor<4>, slope: f32) -> Tensor<4> {
    let a = if slope == 0.0 {
        relu(x)
    } else {
        leaky_relu(x, slope as f64)
    };
    MaxPool2dConfig::new([2, 2]).with_strides([2, 2]).init().forward(a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Device, TensorData};
    use rand::{Rng, SeedableRng};

    fn random(shape: [usize; 4], seed: u64, device: &Device) -> Tensor<4> {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let v: Vec<f32> = (0..shape.iter().product())
            .map(|_| rng.random_range(-1.0..1.0))
            .collect();
        Tensor::from_data(TensorData::new(v, shape), device)
    }

    fn flat(t: Tensor<4>) -> Vec<f32> {
        t.into_data().try_to_vec::<f32>().unwrap()
    }

    /// Values and input gradients (of a random linear functional) against burn's activation
    /// then `MaxPool2d`, for a ReLU and a leaky ReLU, on a permuted (non-contiguous) input and
    /// odd sizes whose last row and column no window covers.
    #[test]
    fn matches_activation_then_max_pool_with_gradients() {
        let device = crate::train_device();
        for (slope, shape) in [(0.0f32, [2, 3, 6, 8]), (0.01, [3, 2, 7, 5]), (0.2, [1, 4, 4, 4])] {
            let x = random([shape[0], shape[2], shape[3], shape[1]], 1, &device)
                .permute([0, 3, 1, 2])
                .require_grad();
            let r = random([shape[0], shape[1], shape[2] / 2, shape[3] / 2], 2, &device);
            let fused = activated_max_pool2x2(x.clone(), slope);
            let composite = composite_activated_max_pool2x2(x.clone(), slope);
            assert_eq!(fused.dims(), composite.dims());
            let (a, b) = (flat(fused.clone()), flat(composite.clone()));
            assert!(a.iter().zip(&b).all(|(p, q)| p == q), "slope {slope}: {a:?} vs {b:?}");
            let gf = (fused * r.clone()).sum().backward();
            let gc = (composite * r).sum().backward();
            let (a, b) = (flat(x.grad(&gf).unwrap()), flat(x.grad(&gc).unwrap()));
            assert!(a.iter().any(|v| *v != 0.0), "slope {slope}: no gradient at all");
            for (i, (p, q)) in a.iter().zip(&b).enumerate() {
                assert!(
                    (p - q).abs() <= 1e-6 * (1.0 + q.abs()),
                    "slope {slope} at {i}: {p} vs {q}"
                );
            }
        }
    }

    #[test]
    fn runs_without_autodiff() {
        let device = crate::device();
        let x = random([2, 2, 4, 6], 3, &device);
        assert_eq!(
            flat(activated_max_pool2x2(x.clone(), 0.0)),
            flat(composite_activated_max_pool2x2(x, 0.0))
        );
    }
}
