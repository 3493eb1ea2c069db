//! The `inverse` stage: fit couplings and fields to a dataset, write them with numpy-readable
//! arrays, the convergence trace, a model-against-data moments plot and a small report.

use crate::error::Result;
use crate::plot::charts::{self, Series};
use crate::report::Page;
use crate::rundir::{Provenance, Staging};
use lso_physics::chains::run_chains;
use lso_physics::inverse::boltzmann::{self, BoltzmannConfig};
use lso_physics::inverse::pseudolikelihood::{self, PseudoLikelihoodConfig};
use lso_physics::inverse::{meanfield, Fit, Layout, Parametrisation};
use lso_physics::npy;
use lso_physics::rng::tag;
use lso_physics::{Lattice, SpinSet};
use plotters::style::RGBColor;
use rand::Rng;
use serde::Serialize;
use serde_json::json;

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "lowercase", tag = "name")]
pub enum Method {
    Boltzmann(BoltzmannConfig),
    #[serde(rename = "pseudolikelihood")]
    PseudoLikelihood(PseudoLikelihoodConfig),
    #[serde(rename = "meanfield")]
    MeanField,
}

impl Method {
    pub fn name(&self) -> &'static str {
        match self {
            Method::Boltzmann(_) => "boltzmann",
            Method::PseudoLikelihood(_) => "pseudolikelihood",
            Method::MeanField => "meanfield",
        }
    }
}

pub struct Outcome {
    pub fit: Fit,
    /// The step at which Boltzmann learning blew up; `fit` then holds the last good parameters.
    pub diverged_at: Option<usize>,
    pub seconds: f64,
}

pub fn fit(set: &SpinSet, lattice: &Lattice, params: Parametrisation, method: &Method, seed: u64) -> Result<Outcome> {
    let t0 = std::time::Instant::now();
    let (fit, diverged_at) = match method {
        Method::Boltzmann(cfg) => match boltzmann::fit(set, lattice, params, cfg, seed)? {
            Ok(fit) => (fit, None),
            Err(d) => (d.last_good, Some(d.step)),
        },
        Method::PseudoLikelihood(cfg) => (pseudolikelihood::fit(set, lattice, params, cfg)?, None),
        Method::MeanField => (meanfield::fit(set, lattice, params)?, None),
    };
    Ok(Outcome {
        fit,
        diverged_at,
        seconds: t0.elapsed().as_secs_f64(),
    })
}

/// Samples of the fitted model: 64 heat-bath chains from random starts, 200 sweeps of burn-in,
/// then one sample every 10 sweeps. Many chains, because near a transition one chain's
/// magnetisation changes sign only rarely.
pub fn draw(layout: &Layout, theta: &[f64], count: usize, seed: u64) -> Vec<Vec<i8>> {
    let model = layout.model(theta);
    let chains = 64.min(count.max(1));
    let per: Vec<usize> = (0..chains)
        .map(|c| count / chains + usize::from(c < count % chains))
        .collect();
    run_chains(chains, seed, tag("inverse-draw"), |c, rng| {
        let mut s: Vec<i8> = (0..layout.n)
            .map(|_| if rng.random::<bool>() { 1 } else { -1 })
            .collect();
        for _ in 0..200 {
            model.sweep(&mut s, rng);
        }
        (0..per[c])
            .map(|_| {
                for _ in 0..10 {
                    model.sweep(&mut s, rng);
                }
                s.clone()
            })
            .collect::<Vec<_>>()
    })
    .into_iter()
    .flatten()
    .collect()
}

/// `(data, model)` pairs of one kind of moment.
type Points = Vec<(f64, f64)>;

/// Per-site means and per-pair correlations (lattice bonds, or up to 4000 pairs for `full`).
fn moment_points(layout: &Layout, data: &SpinSet, model: &[Vec<i8>]) -> (Points, Points) {
    let mean = |configs: &mut dyn Iterator<Item = &[i8]>, f: &dyn Fn(&[i8]) -> f64| {
        let (mut s, mut c) = (0.0, 0.0);
        for x in configs {
            s += f(x);
            c += 1.0;
        }
        s / c
    };
    let sites = (0..layout.n)
        .map(|i| {
            let f = |s: &[i8]| s[i] as f64;
            (
                mean(&mut data.configs(), &f),
                mean(&mut model.iter().map(|v| v.as_slice()), &f),
            )
        })
        .collect();
    let stride = (layout.pairs.len() / 4000).max(1);
    let pairs = layout
        .pairs
        .iter()
        .step_by(stride)
        .map(|&(i, j)| {
            let f = |s: &[i8]| (s[i as usize] * s[j as usize]) as f64;
            (
                mean(&mut data.configs(), &f),
                mean(&mut model.iter().map(|v| v.as_slice()), &f),
            )
        })
        .collect();
    (sites, pairs)
}

pub struct Job<'a> {
    pub params: Parametrisation,
    pub method: &'a Method,
    pub seed: u64,
    pub draw: usize,
    pub sources: Vec<String>,
}

/// The fitted couplings as arrays: `J` of shape `(Ly, Lx, 2)` (bonds) or `(N, N)` (all pairs)
/// and `h` per site; `None` for the uniform model (two numbers).
pub fn arrays(lattice: &Lattice, params: Parametrisation, theta: &[f64]) -> Option<(Vec<usize>, Vec<f64>, Vec<f64>)> {
    let layout = Layout::new(lattice, params);
    let (lx, ly, n) = (lattice.lx(), lattice.ly(), lattice.sites());
    let np = layout.pairs.len();
    match params {
        Parametrisation::Uniform => None,
        Parametrisation::Bonds => {
            let mut j = vec![0.0; 2 * n];
            for (b, v) in lattice.bonds().iter().zip(&theta[..np]) {
                j[b.slot] = *v;
            }
            Some((vec![ly, lx, 2], j, theta[np..].to_vec()))
        }
        Parametrisation::Full => {
            let mut j = vec![0.0; n * n];
            for (&(a, b), v) in layout.pairs.iter().zip(&theta[..np]) {
                j[a as usize * n + b as usize] = *v;
                j[b as usize * n + a as usize] = *v;
            }
            Some((vec![n, n], j, theta[np..].to_vec()))
        }
    }
}

pub fn write(
    out: &Staging,
    set: &SpinSet,
    lattice: &Lattice,
    job: &Job<'_>,
    outcome: &Outcome,
    prov: &Provenance<'_, impl Serialize>,
) -> Result<()> {
    let layout = Layout::new(lattice, job.params);
    let theta = &outcome.fit.couplings.theta;
    let (j_nn, h_mean) = layout.summary(lattice, theta);
    let (lx, ly) = (lattice.lx(), lattice.ly());
    if let Some((shape, j, h)) = arrays(lattice, job.params, theta) {
        out.write("J.npy", &npy::encode(&shape, &j))?;
        out.write("h.npy", &npy::encode(&[ly, lx], &h))?;
    }
    let status = match outcome.diverged_at {
        None => "finished".to_string(),
        Some(step) => format!("diverged at step {step}: these are the last finite parameters"),
    };
    let mut doc = json!({
        "convention": "P(s) ∝ exp(J Σ_<ij> s_i s_j + h Σ_i s_i), beta absorbed into J and h",
        "notes_convention": "seed 002 writes ρ ∝ exp(−Σ J s s − Σ h s): its J and h are the negatives of these",
        "method": job.method,
        "params": job.params,
        "status": status,
        "J_nn_mean": j_nn,
        "h_mean": h_mean,
        "lattice": { "lx": lx, "ly": ly, "boundary": lattice.boundary() },
        "samples": set.len(),
        "data": job.sources,
        "seconds": outcome.seconds,
        "provenance": prov,
    });
    if job.params == Parametrisation::Uniform {
        doc["J"] = json!(theta[0]);
        doc["h"] = json!(theta[1]);
    }
    out.write_json("couplings.json", &doc)?;
    out.write_json("history.json", &outcome.fit.trace)?;

    let trace = &outcome.fit.trace;
    let png = charts::lines(
        &[
            Series {
                name: "J (mean over bonds)",
                points: trace.iter().map(|t| (t.step as f64, t.j)).collect(),
                colour: RGBColor(70, 110, 180),
            },
            Series {
                name: "h (mean over sites)",
                points: trace.iter().map(|t| (t.step as f64, t.h)).collect(),
                colour: RGBColor(200, 120, 30),
            },
        ],
        &format!("{} fit: parameters over the iterations", job.method.name()),
        "iteration",
        "value",
    )?;
    out.write("inverse_trace.png", &png)?;

    let samples = draw(&layout, theta, job.draw.max(2048), job.seed);
    if job.draw > 0 {
        let flat: Vec<i8> = samples.iter().take(job.draw).flatten().copied().collect();
        out.write("samples.npy", &npy::encode(&[job.draw, ly, lx], &flat))?;
    }
    let (sites, pairs) = moment_points(&layout, set, &samples);
    let png = charts::parity(
        &[
            Series {
                name: "<s_i s_j>",
                points: pairs,
                colour: RGBColor(70, 110, 180),
            },
            Series {
                name: "<s_i>",
                points: sites,
                colour: RGBColor(200, 120, 30),
            },
        ],
        "Moments: fitted model against data",
        "data",
        "model (Monte Carlo)",
    )?;
    out.write("inverse_moments.png", &png)?;

    let mut page = Page::new(&format!(
        "lso inverse: {} ({:?} parameters)",
        job.method.name(),
        job.params
    ));
    page.table(
        "Result",
        &[
            vec![
                "method".into(),
                "parameters".into(),
                "J (mean over bonds)".into(),
                "h (mean)".into(),
                "samples".into(),
                "seconds".into(),
                "status".into(),
            ],
            vec![
                job.method.name().into(),
                format!("{:?}", job.params).to_lowercase(),
                format!("{j_nn:.5}"),
                format!("{h_mean:.5}"),
                set.len().to_string(),
                format!("{:.3}", outcome.seconds),
                status.clone(),
            ],
        ],
    );
    page.note("Convention: P(s) ∝ exp(J Σ s_i s_j + h Σ s_i). Seed 002's notes use the opposite sign.");
    page.figure_inline("inverse_trace.png", "J and h over the iterations of the fit.");
    page.figure_inline(
        "inverse_moments.png",
        "Moments of samples drawn from the fitted model against those of the data; a good fit lies on y = x.",
    );
    out.write("report.html", page.render().as_bytes())?;
    Ok(())
}
