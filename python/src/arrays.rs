//! numpy arrays in, checked: shapes, dtypes, finite values, ±1 spins, unit vectors. Each error
//! names the argument and the offending entry, as the CLI names a file and a key.

use lso_physics::heisenberg::{Heisenberg, Spin};
use lso_physics::{Boundary, Ising};
use numpy::{Element, IntoPyArray, PyArrayDyn, PyArrayMethods, PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

fn err(m: impl Into<String>) -> PyErr {
    PyValueError::new_err(m.into())
}

pub fn boundary(s: &str) -> PyResult<Boundary> {
    match s {
        "periodic" => Ok(Boundary::Periodic),
        "open" => Ok(Boundary::Open),
        other => Err(err(format!("boundary must be periodic or open, got {other:?}"))),
    }
}

/// `values` as a numpy array of `shape`.
pub fn shaped<'py, T: Element>(
    py: Python<'py>,
    values: Vec<T>,
    shape: &[usize],
) -> PyResult<Bound<'py, PyArrayDyn<T>>> {
    values.into_pyarray(py).reshape(shape.to_vec())
}

/// A numeric array as f64 values with its shape (any float or integer dtype).
pub fn float_values(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<(Vec<f64>, Vec<usize>)> {
    macro_rules! try_dtype {
        ($($t:ty),*) => {$(
            if let Ok(a) = obj.extract::<PyReadonlyArrayDyn<$t>>() {
                let shape = a.shape().to_vec();
                let v: Vec<f64> = a.as_array().iter().map(|&x| x as f64).collect();
                return Ok((v, shape));
            }
        )*};
    }
    try_dtype!(f64, f32, i64, i32, i16, i8);
    Err(err(format!(
        "{what} must be a numpy array of floats or integers, got {}",
        obj.get_type().name()?
    )))
}

/// Bonds `(Ly, Lx, 2)` as lso's instance files hold them.
pub fn couplings(obj: &Bound<'_, PyAny>) -> PyResult<(Vec<f64>, Vec<usize>)> {
    let (v, shape) = float_values(obj, "couplings")?;
    if shape.len() != 3 || shape[2] != 2 || shape[0] < 2 || shape[1] < 2 {
        return Err(err(format!("couplings must have shape (Ly, Lx, 2), got {shape:?}")));
    }
    if let Some(i) = v.iter().position(|x| !x.is_finite()) {
        return Err(err(format!(
            "couplings: value {} at flat index {i} is not finite",
            v[i]
        )));
    }
    Ok((v, shape))
}

/// The Ising model of `bonds` on an `lx × ly` lattice with field `h`.
pub fn ising_model(bonds: &(Vec<f64>, Vec<usize>), lx: usize, ly: usize, b: Boundary, h: f64) -> PyResult<Ising> {
    if bonds.1[..2] != [ly, lx] {
        return Err(err(format!(
            "couplings have shape {:?} but the spins are {ly}×{lx}",
            bonds.1
        )));
    }
    if !h.is_finite() {
        return Err(err(format!("h must be finite, got {h}")));
    }
    let bytes = lso_physics::npy::encode(&bonds.1, &bonds.0);
    let m = lso_physics::glass::instance::decode(&bytes, b).map_err(|e| err(format!("couplings: {e}")))?;
    Ok(m.with_field(h))
}

/// The first entry of `s` that is not ±1, as a message.
fn not_a_spin<T: Copy + PartialEq + std::fmt::Display>(
    s: &[T],
    one: T,
    minus_one: T,
    shape: &[usize],
) -> Option<String> {
    let i = s.iter().position(|&v| v != one && v != minus_one)?;
    let mut idx = Vec::with_capacity(shape.len());
    let mut r = i;
    for d in shape.iter().rev() {
        idx.push(r % d);
        r /= d;
    }
    idx.reverse();
    Some(format!("spins: value {} at index {idx:?} is not ±1", s[i]))
}

/// Calls `f` with spins `(M, Ly, Lx)` or `(Ly, Lx)` as int8 and `(Ly, Lx)`: a C-contiguous int8
/// array is read in place and `f` must check its values (an error saying "not ±1" is replaced by
/// one naming the first bad entry); anything else is checked and converted once.
pub fn ising_spins<R>(obj: &Bound<'_, PyAny>, f: impl FnOnce(&[i8], (usize, usize)) -> PyResult<R>) -> PyResult<R> {
    let dims = |shape: &[usize]| -> PyResult<(usize, usize)> {
        match shape {
            [ly, lx] | [_, ly, lx] if *lx >= 2 && *ly >= 2 => Ok((*ly, *lx)),
            [] | [_] => Err(err(format!(
                "spins must have shape (M, Ly, Lx) or (Ly, Lx), got {} dimension(s)",
                shape.len()
            ))),
            _ => Err(err(format!(
                "spins must have shape (M, Ly, Lx) or (Ly, Lx) with sides >= 2, got {shape:?}"
            ))),
        }
    };
    if let Ok(a) = obj.extract::<PyReadonlyArrayDyn<i8>>() {
        let shape = a.shape().to_vec();
        let d = dims(&shape)?;
        let owned;
        let s: &[i8] = match a.as_slice() {
            Ok(s) => s,
            Err(_) => {
                owned = a.as_array().iter().copied().collect::<Vec<i8>>();
                &owned
            }
        };
        return f(s, d).map_err(|e| match not_a_spin(s, 1, -1, &shape) {
            // The fast kernel checks as it goes; name the value when it refused.
            Some(m) if e.to_string().contains("not ±1") => err(m),
            _ => e,
        });
    }
    let (v, shape) = float_values(obj, "spins")?;
    let d = dims(&shape)?;
    if let Some(m) = not_a_spin(&v, 1.0, -1.0, &shape) {
        return Err(err(m));
    }
    let s: Vec<i8> = v.iter().map(|&x| x as i8).collect();
    f(&s, d)
}

/// Calls `f` with unit spins `(M, Ly, Lx, 3)` or `(Ly, Lx, 3)` and `(M, Ly, Lx)`: a
/// C-contiguous float64 array is read in place, anything else checked and converted once.
pub fn heisenberg_spins<R>(
    obj: &Bound<'_, PyAny>,
    f: impl FnOnce(&[Spin], (usize, usize, usize)) -> PyResult<R>,
) -> PyResult<R> {
    let borrowed = obj
        .extract::<PyReadonlyArrayDyn<f64>>()
        .ok()
        .filter(|a| a.is_c_contiguous());
    let owned;
    let (values, shape): (&[f64], Vec<usize>) = match &borrowed {
        Some(a) => (a.as_slice().expect("contiguous"), a.shape().to_vec()),
        None => {
            owned = float_values(obj, "spins")?;
            (&owned.0, owned.1.clone())
        }
    };
    let (m, ly, lx) = match shape[..] {
        [m, ly, lx, 3] => (m, ly, lx),
        [ly, lx, 3] => (1, ly, lx),
        _ => {
            return Err(err(format!(
                "spins must have shape (M, Ly, Lx, 3) or (Ly, Lx, 3), got {shape:?}"
            )))
        }
    };
    if lx < 2 || ly < 2 || m == 0 {
        return Err(err(format!("spins must hold at least one 2×2 field, got {shape:?}")));
    }
    for (i, c) in values.chunks(3).enumerate() {
        let n2 = c[0] * c[0] + c[1] * c[1] + c[2] * c[2];
        if !n2.is_finite() || (n2 - 1.0).abs() > 1e-6 {
            let (k, site) = (i / (lx * ly), i % (lx * ly));
            return Err(err(format!(
                "spins: the spin at index [{k}, {}, {}] has length {}, not 1",
                site / lx,
                site % lx,
                n2.sqrt()
            )));
        }
    }
    // SAFETY: [f64; 3] has f64's alignment and no padding, and `values` holds whole triples.
    let spins: &[Spin] = unsafe { std::slice::from_raw_parts(values.as_ptr().cast::<Spin>(), values.len() / 3) };
    f(spins, (m, ly, lx))
}

/// Polygons `(M, N, 2)` or `(N, 2)` as points, with `(M, N)`.
/// Points of every polygon, flat, with (polygons, points per polygon).
pub type Polygons = (Vec<[f64; 2]>, (usize, usize));

pub fn shapes_of(obj: &Bound<'_, PyAny>) -> PyResult<Polygons> {
    let (v, shape) = float_values(obj, "shapes")?;
    let (m, n) = match shape[..] {
        [m, n, 2] => (m, n),
        [n, 2] => (1, n),
        _ => {
            return Err(err(format!(
                "shapes must have shape (M, N, 2) or (N, 2), got {shape:?}"
            )))
        }
    };
    if n < 3 {
        return Err(err(format!("shapes need at least 3 points each, got {n}")));
    }
    if let Some(i) = v.iter().position(|x| !x.is_finite()) {
        return Err(err(format!("shapes: value {} at flat index {i} is not finite", v[i])));
    }
    Ok((v.chunks(2).map(|c| [c[0], c[1]]).collect(), (m, n)))
}

/// A config section from keyword arguments, through JSON, so unknown keys and bad values get
/// serde's messages (`unknown field `lxx`, expected one of ...`).
pub fn from_kwargs<T: serde::de::DeserializeOwned>(
    py: Python<'_>,
    kwargs: Option<&Bound<'_, PyDict>>,
    what: &str,
) -> PyResult<T> {
    let text: String = match kwargs {
        Some(d) => py.import("json")?.call_method1("dumps", (d,))?.extract()?,
        None => "{}".into(),
    };
    serde_json::from_str(&text).map_err(|e| err(format!("{what}: {e}")))
}

/// The chiral magnet of keyword arguments (j, d, dmi, k, b, boundary) on an `lx × ly` lattice.
pub fn unit_model(py: Python<'_>, kwargs: Option<&Bound<'_, PyDict>>, lx: usize, ly: usize) -> PyResult<Heisenberg> {
    let d = match kwargs {
        Some(d) => d.copy()?,
        None => PyDict::new(py),
    };
    d.set_item("lx", lx)?;
    d.set_item("ly", ly)?;
    let cfg: lso_pipeline::problems::chiral::ChiralDataConfig = from_kwargs(py, Some(&d), "model")?;
    cfg.model().map_err(crate::to_py)
}
