//! The crate's one error type.

use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq)]
pub enum PhysicsError {
    #[error("lattice size must be at least 2×2, got {lx}×{ly}")]
    LatticeTooSmall { lx: usize, ly: usize },
    #[error("lattice {lx}×{ly} has {sites} sites, more than the {max} supported")]
    LatticeTooLarge {
        lx: usize,
        ly: usize,
        sites: usize,
        max: usize,
    },
    #[error("expected {expected} {what}, got {found}")]
    Length {
        what: &'static str,
        expected: usize,
        found: usize,
    },
    #[error("{what} must be finite, got {value}")]
    NotFinite { what: &'static str, value: f64 },
    #[error("invalid parameter: {0}")]
    InvalidParameter(String),
    /// The data cannot support the requested computation (degenerate, too few samples).
    #[error("{0}")]
    Data(String),
    #[error("{sampler} needs {needs}")]
    Unsupported { sampler: &'static str, needs: &'static str },
    /// A malformed or unsupported OVF file.
    #[error("OVF: {0}")]
    Ovf(String),
    #[error("not an .npy file: {0}")]
    NotNpy(String),
    #[error("truncated .npy: header promises {expected} bytes of data, file holds {found}")]
    Truncated { expected: usize, found: usize },
    #[error("unsupported .npy dtype {0:?} (expected int8, int32, float32 or float64)")]
    UnsupportedDtype(String),
    #[error("unsupported .npy layout: {0}")]
    UnsupportedLayout(String),
    #[error("wrong shape {found:?}: {expected}")]
    Shape { expected: String, found: Vec<usize> },
    #[error("value {value} at flat index {index} is not a spin (expected ±1 or 0/1)")]
    NotSpin { value: f64, index: usize },
    #[error("the array mixes -1 and 0 values (index {index}): neither ±1 nor 0/1 spins")]
    MixedSpinEncoding { index: usize },
}
