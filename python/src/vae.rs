//! A trained VAE of a run directory as a Python object: `encode(x)` gives the encoder means,
//! `decode(z)` the decoded configurations in the data's own form (Ising: decoder outputs
//! `(M, Ly, Lx)`; shapes: coordinates `(M, N, 2)`; chiral: unit spins `(M, L, L, 3)`).

use crate::to_py;
use lso_nn::conv::{ConvVae, ConvVaeConfig};
use lso_nn::train::{decode, encode_means};
use lso_nn::{checkpoint, MlpVae, OutputKind, VaeConfig};
use numpy::PyArrayDyn;
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use std::path::{Path, PathBuf};

enum Net {
    Mlp {
        vae: Box<MlpVae>,
        config: VaeConfig,
        range: Option<(f32, f32)>,
    },
    Conv {
        vae: Box<ConvVae>,
        config: ConvVaeConfig,
    },
}

/// A trained VAE (`lso.Vae.load(run_dir)`).
#[pyclass(unsendable, module = "lso")]
pub struct Vae {
    net: Net,
    /// The shape of one configuration.
    item: Vec<usize>,
    #[pyo3(get)]
    latent: usize,
    #[pyo3(get)]
    kind: &'static str,
}

fn read_json(path: &Path) -> PyResult<serde_json::Value> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| PyOSError::new_err(format!("{}: cannot read: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| PyValueError::new_err(format!("{}: {e}", path.display())))
}

#[pymethods]
impl Vae {
    /// Loads `run_dir/vae` (the run directory of `lso run`, or a `vae/` directory itself).
    #[staticmethod]
    fn load(run_dir: PathBuf) -> PyResult<Self> {
        let dir = if run_dir.join("vae.json").exists() {
            run_dir.clone()
        } else {
            run_dir.join("vae")
        };
        let cfg_path = dir.join("vae.json");
        let cfg = read_json(&cfg_path)?;
        let weights = dir.join("vae.safetensors");
        let bytes = std::fs::read(&weights)
            .map_err(|e| PyOSError::new_err(format!("{}: cannot read: {e}", weights.display())))?;
        let bad = |e: String| PyValueError::new_err(format!("{}: {e}", cfg_path.display()));
        if cfg.get("channels").is_some() {
            let config: ConvVaeConfig = serde_json::from_value(cfg).map_err(|e| bad(e.to_string()))?;
            let fresh = config.init(0, &lso_nn::device()).map_err(|e| bad(e.to_string()))?;
            let vae = checkpoint::load_into(fresh, bytes)
                .map_err(|e| PyValueError::new_err(format!("{}: {e}", weights.display())))?;
            return Ok(Self {
                item: vec![config.size, config.size, 3],
                latent: config.latent,
                kind: "chiral",
                net: Net::Conv {
                    vae: Box::new(vae),
                    config,
                },
            });
        }
        let (vae, config) = lso_pipeline::vae_files::load(&dir).map_err(to_py)?;
        let norm = dir.join("normalisation.json");
        let (item, range, kind) = if norm.exists() {
            let v = read_json(&norm)?;
            let range: Option<(f32, f32)> = serde_json::from_value(v["range"].clone())
                .map_err(|e| PyValueError::new_err(format!("{}: {e}", norm.display())))?;
            (vec![config.input / 2, 2], range, "shapes")
        } else {
            // An Ising run: the grid's sides from the data's metadata, when it is there.
            let meta = dir.parent().map(|p| p.join("data/meta.json"));
            let sides = meta
                .filter(|m| m.exists())
                .and_then(|m| read_json(&m).ok())
                .and_then(|v| Some((v["model"]["ly"].as_u64()? as usize, v["model"]["lx"].as_u64()? as usize)))
                .filter(|(ly, lx)| ly * lx == config.input);
            let item = match sides {
                Some((ly, lx)) => vec![ly, lx],
                None => vec![config.input],
            };
            (item, None, "ising")
        };
        Ok(Self {
            item,
            latent: config.latent,
            kind,
            net: Net::Mlp {
                vae: Box::new(vae),
                config,
                range,
            },
        })
    }

    /// Encoder means `(M, latent)` of configurations `(M, ...)` in the data's form.
    fn encode<'py>(&self, py: Python<'py>, x: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyArrayDyn<f32>>> {
        let (x, shape) = crate::arrays::float_values(&as_array(py, x)?, "x")?;
        if shape.len() != self.item.len() + 1 || shape[1..] != self.item[..] {
            return Err(PyValueError::new_err(format!(
                "x must have shape (M, {}), got {shape:?}",
                self.item.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ")
            )));
        }
        let mut v: Vec<f32> = x.iter().map(|&a| a as f32).collect();
        if let Some(i) = v.iter().position(|a| !a.is_finite()) {
            return Err(PyValueError::new_err(format!(
                "x: value {} at flat index {i} is not finite",
                v[i]
            )));
        }
        let codes = match &self.net {
            Net::Mlp { vae, config, range } => {
                if let Some((lo, hi)) = range {
                    v.iter_mut().for_each(|a| *a = (*a - lo) / (hi - lo));
                }
                encode_means(vae.as_ref(), &v, config.input, config.latent)
            }
            Net::Conv { vae, config } => encode_means(vae.as_ref(), &v, config.input(), config.latent),
        }
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
        crate::arrays::shaped(py, codes, &[shape[0], self.latent])
    }

    /// Decoded configurations `(M, ...)` of codes `(M, latent)`.
    fn decode<'py>(&self, py: Python<'py>, z: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyArrayDyn<f32>>> {
        let (z, shape) = crate::arrays::float_values(&as_array(py, z)?, "z")?;
        if shape.len() != 2 || shape[1] != self.latent {
            return Err(PyValueError::new_err(format!(
                "z must have shape (M, {}), got {shape:?}",
                self.latent
            )));
        }
        let v: Vec<f32> = z.iter().map(|&a| a as f32).collect();
        if let Some(i) = v.iter().position(|a| !a.is_finite()) {
            return Err(PyValueError::new_err(format!(
                "z: value {} at flat index {i} is not finite",
                v[i]
            )));
        }
        let out = match &self.net {
            Net::Mlp { vae, config, range } => {
                let mut y = decode(vae.as_ref(), &v, config.latent, config.output);
                if let Some((lo, hi)) = range {
                    y.iter_mut().for_each(|a| *a = lo + (hi - lo) * *a);
                }
                y
            }
            Net::Conv { vae, config } => {
                let mut y = decode(vae.as_ref(), &v, config.latent, OutputKind::Linear);
                // The judge's unit spins: each decoded vector normalised.
                for c in y.chunks_mut(3) {
                    let n = (c[0] * c[0] + c[1] * c[1] + c[2] * c[2]).sqrt().max(1e-12);
                    c.iter_mut().for_each(|a| *a /= n);
                }
                y
            }
        };
        let mut full = vec![shape[0]];
        full.extend(&self.item);
        crate::arrays::shaped(py, out, &full)
    }

    fn __repr__(&self) -> String {
        format!(
            "Vae(kind={:?}, latent={}, item={:?})",
            self.kind, self.latent, self.item
        )
    }
}

/// Lists and other array-likes as numpy arrays (`numpy.asarray`).
fn as_array<'py>(py: Python<'py>, x: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    py.import("numpy")?.call_method1("asarray", (x,))
}
