//! `import lso`: the toolkit on numpy arrays. Observables borrow the caller's arrays where the
//! layout allows (C-contiguous int8 spins, float64 vectors) and release the GIL while they
//! compute; long work (generation, annealing, relaxation, fits, whole runs) runs on a worker
//! thread while the calling thread watches for Ctrl-C. Errors carry the CLI's one-line messages:
//! `ValueError` for what the caller asked, `OSError` for files.

mod arrays;
mod vae;

use arrays::{heisenberg_spins, ising_spins, shapes_of, unit_model};
use lso_physics::heisenberg;
use numpy::{IntoPyArray, PyArray1};
use pyo3::exceptions::{PyKeyboardInterrupt, PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use rayon::prelude::*;
use std::sync::mpsc;
use std::time::Duration;

/// An lso error as the Python exception the CLI's exit code stands for.
pub(crate) fn to_py(e: lso_pipeline::Error) -> PyErr {
    let m = e.to_string();
    // A file that cannot be read, written or made is the file system's failure, whichever
    // variant carries it (a config path is a usage error on the command line).
    let file = ["cannot read", "cannot write", "cannot create", "cannot move"]
        .iter()
        .any(|k| m.contains(k));
    match e {
        lso_pipeline::Error::Io(_) => PyOSError::new_err(m),
        _ if file => PyOSError::new_err(m),
        _ => PyValueError::new_err(m),
    }
}

/// Runs `work` on a worker thread, the GIL released, checking for Ctrl-C every 50 ms. An
/// interrupt cancels the work (lso's long loops check a `lso_physics::cancel` token and unwind
/// out, dropping staged files) and raises `KeyboardInterrupt` once the worker has stopped, or
/// after [`STOP_WAIT`] if it is inside a step with no check (it then ends on its own; files are
/// written atomically, so nothing half-made is left behind).
pub(crate) fn interruptible<T: Send + 'static>(
    py: Python<'_>,
    work: impl FnOnce() -> Result<T, PyErrLike> + Send + 'static,
) -> PyResult<T> {
    let token = lso_physics::cancel::Token::new();
    let (tx, rx) = mpsc::channel();
    let worker_token = token.clone();
    std::thread::spawn(move || {
        let _ = tx.send(lso_physics::cancel::run(&worker_token, work));
    });
    // A receiver is not Sync; the lock makes the borrow sendable to the GIL-free closure.
    let rx = std::sync::Mutex::new(rx);
    let wait = |py: Python<'_>, d: Duration| py.detach(|| rx.lock().expect("one waiter").recv_timeout(d));
    loop {
        match wait(py, Duration::from_millis(50)) {
            Ok(Ok(r)) => return r.map_err(PyErrLike::into_py),
            Ok(Err(lso_physics::cancel::Cancelled)) => return Err(PyKeyboardInterrupt::new_err("cancelled")),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if let Err(e) = py.check_signals() {
                    token.cancel();
                    let _ = wait(py, STOP_WAIT);
                    return Err(e);
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(PyKeyboardInterrupt::new_err("the worker thread stopped"))
            }
        }
    }
}

/// How long an interrupt waits for cancelled work to unwind before returning anyway.
const STOP_WAIT: Duration = Duration::from_secs(2);

/// An error made off the GIL, turned into a Python exception on it.
pub(crate) enum PyErrLike {
    Lso(lso_pipeline::Error),
    Value(String),
}

impl PyErrLike {
    fn into_py(self) -> PyErr {
        match self {
            PyErrLike::Lso(e) => to_py(e),
            PyErrLike::Value(m) => PyValueError::new_err(m),
        }
    }
}

impl From<lso_pipeline::Error> for PyErrLike {
    fn from(e: lso_pipeline::Error) -> Self {
        PyErrLike::Lso(e)
    }
}

impl From<lso_physics::PhysicsError> for PyErrLike {
    fn from(e: lso_physics::PhysicsError) -> Self {
        PyErrLike::Lso(e.into())
    }
}

/// Ising energies of spins `(M, Ly, Lx)` or `(Ly, Lx)` in ±1 (int8 is read in place; other
/// integer or float dtypes are checked and converted). Uniform `j` and `h`, or bonds
/// `couplings` of shape `(Ly, Lx, 2)` as lso writes them (`[y, x, 0]` to the right, `[y, x, 1]`
/// down). E = −Σ J s_i s_j − h Σ s_i.
#[pyfunction]
#[pyo3(signature = (spins, j=1.0, h=0.0, boundary="periodic", couplings=None))]
fn ising_energy<'py>(
    py: Python<'py>,
    spins: &Bound<'py, PyAny>,
    j: f64,
    h: f64,
    boundary: &str,
    couplings: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let boundary = arrays::boundary(boundary)?;
    let bonds = couplings.map(arrays::couplings).transpose()?;
    let e = ising_spins(spins, |s, (ly, lx)| {
        let n = lx * ly;
        let model = match &bonds {
            Some(b) => Some(arrays::ising_model(b, lx, ly, boundary, h)?),
            None => None,
        };
        py.detach(|| match &model {
            Some(m) => s
                .par_chunks(n)
                .map(|c| c.iter().all(|&v| v == 1 || v == -1).then(|| m.energy(c)))
                .collect::<Option<Vec<f64>>>(),
            None => lso_physics::batch::energies(s, lx, ly, boundary == lso_physics::Boundary::Periodic, j, h),
        })
        .ok_or_else(|| PyValueError::new_err("spins: a value is not ±1"))
    })?;
    Ok(e.into_pyarray(py))
}

/// Magnetisation per spin of each configuration.
#[pyfunction]
fn ising_magnetisation<'py>(py: Python<'py>, spins: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let m = ising_spins(spins, |s, (ly, lx)| {
        if !lso_physics::batch::all_spins(s) {
            return Err(PyValueError::new_err("spins: a value is not ±1"));
        }
        Ok(py.detach(|| {
            s.par_chunks(lx * ly)
                .map(lso_physics::ising::magnetisation)
                .collect::<Vec<f64>>()
        }))
    })?;
    Ok(m.into_pyarray(py))
}

/// Observables of unit-spin fields `(M, Ly, Lx, 3)` (or one `(Ly, Lx, 3)`) under the chiral
/// magnet of `lso generate chiral` (keyword arguments j, d, dmi, k, b, boundary): a dict of
/// arrays `energy`, `energy_per_spin`, `w` (topological index), `mz`, `correlation` (C(ax, ay))
/// and `stripe_order` (the share of the S_z structure factor in its strongest ±q pair).
#[pyfunction]
#[pyo3(signature = (spins, ax=1, ay=0, **model))]
fn heisenberg_observables<'py>(
    py: Python<'py>,
    spins: &Bound<'py, PyAny>,
    ax: i64,
    ay: i64,
    model: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyDict>> {
    let (rows, n): (Vec<[f64; 5]>, usize) = heisenberg_spins(spins, |s, (_, ly, lx)| {
        let model = unit_model(py, model, lx, ly)?;
        let n = lx * ly;
        let rows = py.detach(|| {
            s.par_chunks(n)
                .map(|c| {
                    let l = model.lattice();
                    [
                        model.energy(c),
                        heisenberg::topological_index(l, c),
                        heisenberg::mz(c),
                        heisenberg::correlation(l, c, ax, ay),
                        heisenberg::texture::stripe_order(l, c),
                    ]
                })
                .collect()
        });
        Ok((rows, n))
    })?;
    let d = PyDict::new(py);
    let col = |k: usize| rows.iter().map(|r| r[k]).collect::<Vec<f64>>();
    d.set_item("energy", col(0).into_pyarray(py))?;
    d.set_item(
        "energy_per_spin",
        col(0).iter().map(|e| e / n as f64).collect::<Vec<_>>().into_pyarray(py),
    )?;
    d.set_item("w", col(1).into_pyarray(py))?;
    d.set_item("mz", col(2).into_pyarray(py))?;
    d.set_item("correlation", col(3).into_pyarray(py))?;
    d.set_item("stripe_order", col(4).into_pyarray(py))?;
    Ok(d)
}

/// The lowest harmonic spin spiral that closes on an `lx × ly` lattice, over every commensurate
/// wavevector (diagonal ones included), or the lowest along `axis` (0: q along x, 1: along y);
/// keyword arguments are the model's. With J and D alone on a torus it is the ground state
/// (Luttinger–Tisza), the reference against which labyrinths and optima are judged. Returns a
/// dict: `spins` `(1, Ly, Lx, 3)`, `energy_per_spin` (of the model given, K and B included) and
/// `wavevector`, the integers `(n, m)` of `q = 2π(n/lx, m/ly)`.
#[pyfunction]
#[pyo3(signature = (lx, ly, axis=None, **model))]
fn spiral<'py>(
    py: Python<'py>,
    lx: usize,
    ly: usize,
    axis: Option<usize>,
    model: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyDict>> {
    if let Some(a) = axis.filter(|&a| a > 1) {
        return Err(PyValueError::new_err(format!("axis must be 0, 1 or None, got {a}")));
    }
    let model = unit_model(py, model, lx, ly)?;
    let (n, _) = heisenberg::commensurate_spiral_wavevector(model.j, model.d, lx, ly, axis);
    let s = heisenberg::texture::harmonic_spiral(&model, n);
    let d = PyDict::new(py);
    d.set_item("energy_per_spin", model.energy(&s) / (lx * ly) as f64)?;
    d.set_item("wavevector", (n[0], n[1]))?;
    let flat: Vec<f64> = s.iter().flatten().copied().collect();
    d.set_item("spins", arrays::shaped(py, flat, &[1, ly, lx, 3])?)?;
    Ok(d)
}

/// Local energy density `(M, Ly, Lx)` of unit-spin fields (the site's share of every bond, plus
/// its anisotropy and Zeeman terms; the map sums to the energy).
#[pyfunction]
#[pyo3(signature = (spins, **model))]
fn energy_density<'py>(
    py: Python<'py>,
    spins: &Bound<'py, PyAny>,
    model: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, numpy::PyArrayDyn<f64>>> {
    heisenberg_spins(spins, |s, (m, ly, lx)| {
        let model = unit_model(py, model, lx, ly)?;
        let out: Vec<f64> = py.detach(|| s.par_chunks(lx * ly).flat_map(|c| model.energy_density(c)).collect());
        arrays::shaped(py, out, &[m, ly, lx])
    })
}

/// Metrics of polygons `(M, N, 2)`: a dict of arrays `isoperimetric`, `perimeter_to_area`,
/// `crossings` and `valid` (non-zero area, no crossing edges); NaN where a metric is undefined.
#[pyfunction]
fn shape_metrics<'py>(py: Python<'py>, shapes: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyDict>> {
    let (pts, (_, n)) = shapes_of(shapes)?;
    let rows: Vec<[f64; 4]> = py.detach(|| {
        pts.par_chunks(n)
            .map(|p| {
                let o = lso_pipeline::problems::shapes::observe(p);
                [o["isoperimetric"], o["perimeter_to_area"], o["crossings"], o["valid"]]
            })
            .collect()
    });
    let d = PyDict::new(py);
    for (k, name) in ["isoperimetric", "perimeter_to_area", "crossings", "valid"]
        .iter()
        .enumerate()
    {
        d.set_item(*name, rows.iter().map(|r| r[k]).collect::<Vec<f64>>().into_pyarray(py))?;
    }
    Ok(d)
}

/// Ising configurations as `lso generate ising` makes them: keyword arguments are the `[data]`
/// keys (lx, ly, source = "biased" | "mc" | "anneal", samples, temperatures, sampler, ...).
/// Returns a dict: `spins` int8 `(M, Ly, Lx)`, `energy`, `magnetisation`.
#[pyfunction]
#[pyo3(signature = (seed=0, **config))]
fn generate_ising<'py>(
    py: Python<'py>,
    seed: u64,
    config: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyDict>> {
    use lso_pipeline::problems::ising::{data, IsingDataConfig};
    let cfg: IsingDataConfig = arrays::from_kwargs(py, config, "generate_ising")?;
    let mut c = lso_pipeline::error::Checker::new("generate_ising");
    cfg.check(&mut c, "");
    c.finish().map_err(to_py)?;
    let ds = interruptible(py, move || Ok(data::generate(&cfg, seed)?))?;
    let (lx, ly) = (ds.spins.lx(), ds.spins.ly());
    let d = PyDict::new(py);
    d.set_item(
        "spins",
        arrays::shaped(py, ds.spins.as_slice().to_vec(), &[ds.spins.len(), ly, lx])?,
    )?;
    d.set_item("energy", ds.energy.into_pyarray(py))?;
    d.set_item("magnetisation", ds.magnetisation.into_pyarray(py))?;
    Ok(d)
}

/// Chiral-magnet textures as `lso generate chiral` makes them (heat-bath annealing); keyword
/// arguments are the `[chiral]` keys. Returns a dict: `spins` `(M, Ly, Lx, 3)`, `energy`, `w`,
/// `mz`.
#[pyfunction]
#[pyo3(signature = (seed=0, **config))]
fn generate_chiral<'py>(
    py: Python<'py>,
    seed: u64,
    config: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyDict>> {
    use lso_pipeline::problems::chiral::{data, ChiralDataConfig};
    let cfg: ChiralDataConfig = arrays::from_kwargs(py, config, "generate_chiral")?;
    cfg.check().map_err(to_py)?;
    let model = cfg.model().map_err(to_py)?;
    let set = interruptible(py, move || Ok(data::generate(&cfg, seed)?))?;
    let (lx, ly, m) = (set.lx, set.ly, set.len());
    let mut obs = Vec::new();
    for k in 0..m {
        let c = set.config(k);
        obs.push([
            model.energy(c),
            heisenberg::topological_index(model.lattice(), c),
            heisenberg::mz(c),
        ]);
    }
    let flat: Vec<f64> = set.spins.iter().flatten().copied().collect();
    let d = PyDict::new(py);
    d.set_item("spins", arrays::shaped(py, flat, &[m, ly, lx, 3])?)?;
    for (k, name) in ["energy", "w", "mz"].iter().enumerate() {
        d.set_item(*name, obs.iter().map(|r| r[k]).collect::<Vec<f64>>().into_pyarray(py))?;
    }
    Ok(d)
}

/// Polygons as `lso generate shapes` makes them; keyword arguments are the `[shapes]` keys.
/// Returns a dict: `shapes` float32 `(M, N, 2)`, `labels` int32, `classes` (names).
#[pyfunction]
#[pyo3(signature = (seed=0, **config))]
fn generate_shapes<'py>(
    py: Python<'py>,
    seed: u64,
    config: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyDict>> {
    use lso_pipeline::problems::shapes::{data, ShapesDataConfig};
    let cfg: ShapesDataConfig = arrays::from_kwargs(py, config, "generate_shapes")?;
    let mut c = lso_pipeline::error::Checker::new("generate_shapes");
    cfg.check(&mut c, "");
    c.finish().map_err(to_py)?;
    let set = interruptible(py, move || Ok(data::generate(&cfg, seed)))?;
    let d = PyDict::new(py);
    d.set_item(
        "shapes",
        arrays::shaped(py, set.coords.clone(), &[set.len(), set.points, 2])?,
    )?;
    d.set_item("labels", set.labels.clone().into_pyarray(py))?;
    let names: Vec<&str> = set.classes.iter().map(|c| c.name()).collect();
    d.set_item("classes", names)?;
    Ok(d)
}

/// The ground state of a spin-glass instance `couplings` `(Ly, Lx, 2)`: exact by planar
/// matching with open boundaries (up to 64²); on a torus the best of parallel-tempering runs.
/// Returns `(energy, spins int8 (Ly, Lx), exact)`.
#[pyfunction]
#[pyo3(signature = (couplings, boundary="open", seed=0))]
fn ground_state<'py>(
    py: Python<'py>,
    couplings: &Bound<'py, PyAny>,
    boundary: &str,
    seed: u64,
) -> PyResult<(f64, Bound<'py, numpy::PyArrayDyn<i8>>, bool)> {
    let boundary = arrays::boundary(boundary)?;
    let bonds = arrays::couplings(couplings)?;
    let (ly, lx) = (bonds.1[0], bonds.1[1]);
    let model = arrays::ising_model(&bonds, lx, ly, boundary, 0.0)?;
    let (gs, spins) = interruptible(py, move || {
        let torus = lso_pipeline::groundstate::TorusSettings {
            seed,
            ..Default::default()
        };
        Ok(lso_pipeline::groundstate::solve(&model, &torus)?)
    })?;
    Ok((gs.energy, arrays::shaped(py, spins, &[ly, lx])?, gs.exact))
}

/// The best energy within each budget, and the best configuration.
type Searched<'py> = (Bound<'py, PyArray1<f64>>, Bound<'py, numpy::PyArrayDyn<i8>>);

/// Simulated annealing (`method="anneal"`) or parallel tempering (`"tempering"`) on an instance,
/// as `lso compare` runs them: the best energy within each of `budgets` sweeps, and the best
/// configuration. Returns `(best energies, spins int8 (Ly, Lx))`.
#[pyfunction]
#[pyo3(signature = (couplings, budgets, method="anneal", boundary="open", seed=0, t_hot=3.0, t_cold=0.1, t_min=0.2, t_max=1.6, replicas=16))]
#[allow(clippy::too_many_arguments)]
fn search_spins<'py>(
    py: Python<'py>,
    couplings: &Bound<'py, PyAny>,
    budgets: Vec<u64>,
    method: &str,
    boundary: &str,
    seed: u64,
    t_hot: f64,
    t_cold: f64,
    t_min: f64,
    t_max: f64,
    replicas: usize,
) -> PyResult<Searched<'py>> {
    use lso_physics::glass::{baselines, chain::Dynamics};
    let boundary = arrays::boundary(boundary)?;
    let bonds = arrays::couplings(couplings)?;
    let (ly, lx) = (bonds.1[0], bonds.1[1]);
    let model = arrays::ising_model(&bonds, lx, ly, boundary, 0.0)?;
    if budgets.is_empty() || budgets.windows(2).any(|w| w[1] <= w[0]) || budgets[0] == 0 {
        return Err(PyValueError::new_err(
            "budgets must be positive and strictly increasing",
        ));
    }
    let method = method.to_string();
    let a = interruptible(py, move || {
        let g = Dynamics::new(&model);
        let mut rng = lso_physics::rng::stream(seed, lso_physics::rng::tag("python-search"), 0);
        let a = match method.as_str() {
            "anneal" => baselines::anneal(&g, &budgets, &baselines::AnnealSettings { t_hot, t_cold }, &mut rng)?,
            "tempering" => baselines::tempering(
                &g,
                &budgets,
                &baselines::TemperingSettings { t_min, t_max, replicas },
                &mut rng,
            )?,
            other => {
                return Err(PyErrLike::Value(format!(
                    "method must be anneal or tempering, got {other:?}"
                )))
            }
        };
        Ok(a)
    })?;
    Ok((a.best.into_pyarray(py), arrays::shaped(py, a.spins, &[ly, lx])?))
}

/// Zero-temperature relaxation of unit-spin fields `(M, Ly, Lx, 3)`, as `lso relax`: `method`
/// "lbfgs" (default) or "vp" (velocity projection); keyword arguments are the model's (j, d,
/// dmi, k, b, boundary). Returns a dict: `spins` (relaxed), `energy_before`, `energy_after`,
/// `steps`.
#[pyfunction]
#[pyo3(signature = (spins, tolerance=1e-7, max_steps=100000, method="lbfgs", **model))]
fn relax<'py>(
    py: Python<'py>,
    spins: &Bound<'py, PyAny>,
    tolerance: f64,
    max_steps: usize,
    method: &str,
    model: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyDict>> {
    use lso_physics::heisenberg::relax::{relax, Method, RelaxSettings};
    let method = match method {
        "lbfgs" => Method::Lbfgs,
        "vp" => Method::VelocityProjection,
        other => {
            return Err(PyValueError::new_err(format!(
                "method must be lbfgs or vp, got {other:?}"
            )))
        }
    };
    let (s, (m, ly, lx)) = heisenberg_spins(spins, |s, dims| Ok((s.to_vec(), dims)))?;
    let model = unit_model(py, model, lx, ly)?;
    let settings = RelaxSettings {
        method,
        tolerance,
        max_steps,
        ..Default::default()
    };
    let (spins, reports) = interruptible(py, move || {
        let mut s = s;
        let token = lso_physics::cancel::current();
        let reports = s
            .par_chunks_mut(lx * ly)
            .panic_fuse()
            .map(|c| lso_physics::cancel::inherit(&token, || relax(&model, c, &settings)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((s, reports))
    })?;
    let d = PyDict::new(py);
    let flat: Vec<f64> = spins.iter().flatten().copied().collect();
    d.set_item("spins", arrays::shaped(py, flat, &[m, ly, lx, 3])?)?;
    d.set_item(
        "energy_before",
        reports
            .iter()
            .map(|r| r.energy_before)
            .collect::<Vec<_>>()
            .into_pyarray(py),
    )?;
    d.set_item(
        "energy_after",
        reports
            .iter()
            .map(|r| r.energy_after)
            .collect::<Vec<_>>()
            .into_pyarray(py),
    )?;
    d.set_item(
        "steps",
        reports
            .iter()
            .map(|r| r.steps as u64)
            .collect::<Vec<_>>()
            .into_pyarray(py),
    )?;
    Ok(d)
}

/// Learns J and h from samples `(M, Ly, Lx)` in ±1 (`lso inverse`): `method` = "boltzmann",
/// "pseudolikelihood" or "meanfield", `parametrisation` = "uniform" (J and h as floats), "bonds"
/// (J `(Ly, Lx, 2)`, h `(Ly, Lx)`) or "full" (J `(N, N)`, h `(Ly, Lx)`). Returns a dict with
/// `J`, `h`, `diverged_at` (Boltzmann learning's blow-up step, or None) and `seconds`.
#[pyfunction]
#[pyo3(signature = (samples, method="pseudolikelihood", parametrisation="uniform", boundary="periodic", seed=0))]
fn inverse_fit<'py>(
    py: Python<'py>,
    samples: &Bound<'py, PyAny>,
    method: &str,
    parametrisation: &str,
    boundary: &str,
    seed: u64,
) -> PyResult<Bound<'py, PyDict>> {
    use lso_pipeline::inverse::{arrays as fit_arrays, fit, Method};
    let boundary = arrays::boundary(boundary)?;
    let params: lso_physics::inverse::Parametrisation = parametrisation
        .parse()
        .map_err(|e: String| PyValueError::new_err(format!("parametrisation: {e}")))?;
    let method = match method {
        "boltzmann" => Method::Boltzmann(Default::default()),
        "pseudolikelihood" => Method::PseudoLikelihood(Default::default()),
        "meanfield" => Method::MeanField,
        other => {
            return Err(PyValueError::new_err(format!(
                "method must be boltzmann, pseudolikelihood or meanfield, got {other:?}"
            )))
        }
    };
    let (set, lattice) = ising_spins(samples, |s, (ly, lx)| {
        if !lso_physics::batch::all_spins(s) {
            return Err(PyValueError::new_err("spins: a value is not ±1"));
        }
        let set = lso_physics::SpinSet::new(lx, ly, s.to_vec()).map_err(|e| PyValueError::new_err(e.to_string()))?;
        let lattice = lso_physics::Lattice::new(lx, ly, boundary).map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok((set, lattice))
    })?;
    let l2 = lattice.clone();
    let out = interruptible(py, move || Ok(fit(&set, &l2, params, &method, seed)?))?;
    let theta = &out.fit.couplings.theta;
    let d = PyDict::new(py);
    match fit_arrays(&lattice, params, theta) {
        None => {
            d.set_item("J", theta[0])?;
            d.set_item("h", theta[1])?;
        }
        Some((shape, j, h)) => {
            d.set_item("J", arrays::shaped(py, j, &shape)?)?;
            d.set_item("h", arrays::shaped(py, h, &[lattice.ly(), lattice.lx()])?)?;
        }
    }
    d.set_item("diverged_at", out.diverged_at)?;
    d.set_item("seconds", out.seconds)?;
    Ok(d)
}

/// Runs the whole pipeline on a config (TOML text, or a path with `path=True`; `lso.run` in
/// Python also takes a dict). Returns `(results JSON, run directory, report path, table)`.
#[pyfunction]
#[pyo3(signature = (config, is_path=false, out=None, seed=None, force=false))]
fn run_config(
    py: Python<'_>,
    config: String,
    is_path: bool,
    out: Option<String>,
    seed: Option<u64>,
    force: bool,
) -> PyResult<(String, String, String, String)> {
    let p = if is_path {
        lso_pipeline::AnyProblem::load(std::path::Path::new(&config))
    } else {
        lso_pipeline::AnyProblem::parse(&config, "config")
    }
    .map_err(to_py)?;
    let opts = lso_pipeline::RunOptions {
        out: out.map(Into::into),
        seed,
        force,
    };
    let r = interruptible(py, move || Ok(lso_pipeline::progress::muted(|| p.run(&opts))?))?;
    let json = serde_json::to_string(&r.results).map_err(|e| PyValueError::new_err(e.to_string()))?;
    Ok((
        json,
        r.dir.display().to_string(),
        r.report.display().to_string(),
        r.table,
    ))
}

/// A JSON config (from a Python dict) as TOML text.
#[pyfunction]
fn json_to_toml(text: &str) -> PyResult<String> {
    let v: toml::Value = serde_json::from_str(text).map_err(|e| PyValueError::new_err(format!("config: {e}")))?;
    toml::to_string(&v).map_err(|e| PyValueError::new_err(format!("config: {e}")))
}

#[pymodule]
fn _lso(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", lso_pipeline::pipeline::VERSION)?;
    m.add_function(wrap_pyfunction!(ising_energy, m)?)?;
    m.add_function(wrap_pyfunction!(ising_magnetisation, m)?)?;
    m.add_function(wrap_pyfunction!(heisenberg_observables, m)?)?;
    m.add_function(wrap_pyfunction!(energy_density, m)?)?;
    m.add_function(wrap_pyfunction!(spiral, m)?)?;
    m.add_function(wrap_pyfunction!(shape_metrics, m)?)?;
    m.add_function(wrap_pyfunction!(generate_ising, m)?)?;
    m.add_function(wrap_pyfunction!(generate_chiral, m)?)?;
    m.add_function(wrap_pyfunction!(generate_shapes, m)?)?;
    m.add_function(wrap_pyfunction!(ground_state, m)?)?;
    m.add_function(wrap_pyfunction!(search_spins, m)?)?;
    m.add_function(wrap_pyfunction!(relax, m)?)?;
    m.add_function(wrap_pyfunction!(inverse_fit, m)?)?;
    m.add_function(wrap_pyfunction!(run_config, m)?)?;
    m.add_function(wrap_pyfunction!(json_to_toml, m)?)?;
    m.add_class::<vae::Vae>()?;
    Ok(())
}
