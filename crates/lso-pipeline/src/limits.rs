//! Resource bounds: sizes a user gives are checked against an estimate of the memory they imply
//! before anything is allocated, so no input makes lso abort. The limit is 16 GiB unless
//! `LSO_MAX_MEMORY_GB` says otherwise. Monte Carlo work is bounded the same way, in spin
//! updates: 10¹² (hours on one core) unless `LSO_MAX_UPDATES` says otherwise.

use crate::error::{usage, Result};

pub const DEFAULT_MAX_GB: f64 = 16.0;

/// The memory limit in bytes: `LSO_MAX_MEMORY_GB` if set to a positive number, else 16 GiB.
pub fn max_bytes() -> f64 {
    std::env::var("LSO_MAX_MEMORY_GB")
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|v| *v > 0.0 && v.is_finite())
        .unwrap_or(DEFAULT_MAX_GB)
        * (1u64 << 30) as f64
}

/// The message for `what` needing `bytes`, or `None` within the limit.
pub fn over(what: &str, bytes: f64) -> Option<String> {
    let limit = max_bytes();
    (bytes > limit || !bytes.is_finite()).then(|| {
        format!(
            "{what} needs about {:.1} GiB of memory, above the limit of {:.1} GiB (set LSO_MAX_MEMORY_GB to allow more)",
            bytes / (1u64 << 30) as f64,
            limit / (1u64 << 30) as f64
        )
    })
}

/// A usage error when `what` would need more than the limit.
pub fn check(what: &str, bytes: f64) -> Result<()> {
    match over(what, bytes) {
        Some(m) => Err(usage(m)),
        None => Ok(()),
    }
}

pub const DEFAULT_MAX_UPDATES: f64 = 1e12;

/// The work limit in spin updates: `LSO_MAX_UPDATES` if set to a positive number, else 10¹².
pub fn max_updates() -> f64 {
    std::env::var("LSO_MAX_UPDATES")
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|v| *v > 0.0 && v.is_finite())
        .unwrap_or(DEFAULT_MAX_UPDATES)
}

/// The message for `what` needing `updates` spin updates, or `None` within the limit.
pub fn work_over(what: &str, updates: f64) -> Option<String> {
    let limit = max_updates();
    (updates > limit || !updates.is_finite()).then(|| {
        format!(
            "{what} is about {updates:.2e} spin updates, above the limit of {limit:.0e} (hours of work; set LSO_MAX_UPDATES to allow more)"
        )
    })
}

/// Bytes for `count` items of `each` bytes, in floating point so nothing overflows.
pub fn bytes(count: usize, each: f64) -> f64 {
    count as f64 * each
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_beyond_the_limit_are_refused_with_the_figure() {
        assert!(check("x", 1e6).is_ok());
        let e = check("1e12 samples", bytes(1_000_000_000_000, 400.0)).unwrap_err();
        assert!(e.is_usage());
        assert!(
            e.to_string().contains("about 372529.0 GiB") && e.to_string().contains("LSO_MAX_MEMORY_GB"),
            "{e}"
        );
        assert!(check("nan", f64::NAN).is_err());
        assert!(work_over("x", 1e9).is_none());
        let m = work_over("burn-in", 1e14).unwrap();
        assert!(m.contains("1.00e14") && m.contains("LSO_MAX_UPDATES"), "{m}");
    }
}
