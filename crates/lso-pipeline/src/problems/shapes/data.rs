//! Shape datasets (seed 003): `shapes.npy` float32 `(M, N, 2)` of ordered points, `labels.npy`
//! int32 class indices, `isoperimetric.npy` float64, and `meta.json` naming the classes.

use super::config::ShapesDataConfig;
use crate::error::{fail, Result};
use crate::rundir::{Provenance, Staging};
use lso_physics::chains::run_chains;
use lso_physics::npy::{self, NpyData};
use lso_physics::rng::tag;
use lso_physics::shapes::{self, ShapeClass};
use serde_json::json;
use std::path::Path;

pub struct ShapeSet {
    pub points: usize,
    /// `M × N × 2` coordinates, x then y for each point.
    pub coords: Vec<f32>,
    pub labels: Vec<i32>,
    pub classes: Vec<ShapeClass>,
}

impl ShapeSet {
    pub fn len(&self) -> usize {
        self.labels.len()
    }
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
    pub fn shape(&self, k: usize) -> Vec<[f64; 2]> {
        let n = 2 * self.points;
        self.coords[k * n..(k + 1) * n]
            .chunks(2)
            .map(|q| [q[0] as f64, q[1] as f64])
            .collect()
    }
    /// Smallest and largest coordinate, widened by 5% so decoded shapes can reach a bit beyond.
    pub fn range(&self) -> (f32, f32) {
        let (lo, hi) = self
            .coords
            .iter()
            .fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
        let pad = 0.05 * (hi - lo);
        (lo - pad, hi + pad)
    }
}

pub fn generate(cfg: &ShapesDataConfig, seed: u64) -> ShapeSet {
    let k = cfg.classes.len();
    let shapes = run_chains(cfg.samples, seed, tag("generate-shapes"), |i, rng| {
        shapes::generate(cfg.classes[i % k], &cfg.params, cfg.points, rng)
    });
    ShapeSet {
        points: cfg.points,
        coords: shapes
            .iter()
            .flatten()
            .flat_map(|p| [p[0] as f32, p[1] as f32])
            .collect(),
        labels: (0..cfg.samples).map(|i| (i % k) as i32).collect(),
        classes: cfg.classes.clone(),
    }
}

pub fn write(out: &Staging, set: &ShapeSet, prov: &Provenance<'_, impl serde::Serialize>) -> Result<()> {
    let m = set.len();
    out.write("shapes.npy", &npy::encode(&[m, set.points, 2], &set.coords))?;
    out.write("labels.npy", &npy::encode(&[m], &set.labels))?;
    let iso: Vec<f64> = (0..m)
        .map(|k| shapes::isoperimetric_ratio(&set.shape(k)).unwrap_or(f64::NAN))
        .collect();
    out.write("isoperimetric.npy", &npy::encode(&[m], &iso))?;
    out.write_json(
        "meta.json",
        &json!({
            "classes": set.classes,
            "points": set.points,
            "layout": "shapes.npy is (M, N, 2) float32: N ordered (x, y) points, counter-clockwise, equally spaced by arc length; labels.npy indexes classes",
            "provenance": prov,
        }),
    )
}

/// Reads a shapes directory, refusing wrong shapes, non-finite values and degenerate polygons.
pub fn load(dir: &Path) -> Result<ShapeSet> {
    let read = |name: &str| -> Result<npy::NpyArray> {
        let p = dir.join(name);
        npy::decode(&std::fs::read(&p).map_err(|e| fail!("{}: cannot read: {e}", p.display()))?)
            .map_err(|e| fail!("{}: {e}", p.display()))
    };
    let sp = dir.join("shapes.npy");
    let a = read("shapes.npy")?;
    let (m, n) = match a.shape[..] {
        [m, n, 2] if m > 0 && n >= 3 => (m, n),
        _ => {
            return Err(fail!(
                "{}: wrong shape {:?}: expected (M, N, 2) with N >= 3",
                sp.display(),
                a.shape
            ))
        }
    };
    let coords: Vec<f32> = match a.data {
        NpyData::F32(v) => v,
        NpyData::F64(v) => v.into_iter().map(|x| x as f32).collect(),
        other => {
            return Err(fail!(
                "{}: expected float32 or float64, found {}",
                sp.display(),
                other.dtype()
            ))
        }
    };
    if let Some(i) = coords.iter().position(|v| !v.is_finite()) {
        return Err(fail!(
            "{}: value {} at flat index {i} is not finite",
            sp.display(),
            coords[i]
        ));
    }
    let labels = match read("labels.npy")?.data {
        NpyData::I32(v) if v.len() == m => v,
        other => {
            return Err(fail!(
                "{}: expected {m} int32 labels, found {} {}",
                dir.join("labels.npy").display(),
                other.len(),
                other.dtype()
            ))
        }
    };
    let meta: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("meta.json"))
            .map_err(|e| fail!("{}: cannot read: {e}", dir.join("meta.json").display()))?,
    )?;
    let classes: Vec<ShapeClass> = serde_json::from_value(meta["classes"].clone())
        .map_err(|e| fail!("{}: classes: {e}", dir.join("meta.json").display()))?;
    let set = ShapeSet {
        points: n,
        coords,
        labels,
        classes,
    };
    for k in 0..m {
        if shapes::signed_area(&set.shape(k)).abs() < 1e-9 {
            return Err(fail!("{}: shape {k} is degenerate (zero area)", sp.display()));
        }
    }
    Ok(set)
}
