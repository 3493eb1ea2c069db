//! Which instruction set a vectorised kernel runs on.

/// Instruction sets the vector kernels are compiled for, chosen at run time: the Heisenberg,
/// multi-spin Ising and spin-glass sweeps here, and lso-nn's periodic convolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Isa {
    /// Whatever the build targets (SSE2 on x86-64; NEON on aarch64).
    Portable,
    /// x86-64 with AVX2 and FMA.
    Avx2,
    /// x86-64 with AVX-512F and FMA.
    Avx512,
}

impl Isa {
    /// Those this CPU runs, best last.
    pub fn available() -> Vec<Isa> {
        #[allow(unused_mut)]
        let mut v = vec![Isa::Portable];
        #[cfg(target_arch = "x86_64")]
        {
            let fma = std::arch::is_x86_feature_detected!("fma");
            if fma && std::arch::is_x86_feature_detected!("avx2") {
                v.push(Isa::Avx2);
            }
            if fma && std::arch::is_x86_feature_detected!("avx512f") {
                v.push(Isa::Avx512);
            }
        }
        v
    }
}
