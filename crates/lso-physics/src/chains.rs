//! Independent chains in parallel. Chain `k` draws from `rng::stream(seed, purpose, k)` and the
//! results come back in chain order, so the output does not depend on the thread count.

use crate::rng::{stream, SimRng};
use rayon::prelude::*;

pub fn run_chains<T, F>(chains: usize, seed: u64, purpose: u64, f: F) -> Vec<T>
where
    T: Send,
    F: Fn(usize, &mut SimRng) -> T + Sync + Send,
{
    // A cancelled chain unwinds (`crate::cancel`); the fuse stops the chains not yet started
    // instead of running each to its first check.
    let token = crate::cancel::current();
    (0..chains)
        .into_par_iter()
        .panic_fuse()
        .map(|k| {
            crate::cancel::inherit(&token, || {
                crate::cancel::check();
                let mut rng = stream(seed, purpose, k as u64);
                f(k, &mut rng)
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngCore;

    #[test]
    fn same_results_on_one_and_two_threads() {
        let run = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| run_chains(16, 5, 1, |k, r| (k, r.next_u64())))
        };
        assert_eq!(run(1), run(2));
    }
}
