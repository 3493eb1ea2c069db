//! One results schema for every problem (`results.json`, `"schema": 2`): an `outcomes` array
//! (each explorer's restarts) and a `controls` array of the same form (decoded prior draws, the
//! training data, direct annealing, ...), each judged by the problem's true observables.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The judged observables of one configuration, by name (`energy`, `w`, `isoperimetric`, ...).
pub type Observed = BTreeMap<String, f64>;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Min,
    Max,
}

/// A named objective: which judged observable it optimises, in which direction.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ObjectiveSpec {
    /// How results name it: `min energy`, `max W`, `min isoperimetric`, ...
    pub name: String,
    /// The judged observable it ranks configurations by.
    pub observable: String,
    pub direction: Direction,
    /// A known optimum of the objective *value* the explorers minimise (a ground-state energy
    /// when they minimise the true energy): the search stops there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<f64>,
}

impl ObjectiveSpec {
    pub fn new(name: impl Into<String>, observable: impl Into<String>, direction: Direction) -> Self {
        Self {
            name: name.into(),
            observable: observable.into(),
            direction,
            target: None,
        }
    }

    /// The observable turned into a value to minimise (NaN or missing ranks last).
    pub fn score(&self, o: &Observed) -> f64 {
        let v = o.get(&self.observable).copied().unwrap_or(f64::NAN);
        let s = match self.direction {
            Direction::Min => v,
            Direction::Max => -v,
        };
        if s.is_nan() {
            f64::INFINITY
        } else {
            s
        }
    }
}

/// A column of the summary table: an observable, its header and decimals.
#[derive(Clone, Copy, Debug)]
pub struct Column {
    pub observable: &'static str,
    pub header: &'static str,
    pub decimals: usize,
}

pub const SCHEMA: u32 = 2;

/// Evaluations spent, by kind: true observables of real configurations, decoder passes, and
/// surrogate predictions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluations {
    #[serde(rename = "true")]
    pub truth: usize,
    pub decoder: usize,
    pub surrogate: usize,
}

impl Evaluations {
    pub fn add(&mut self, o: Evaluations) {
        self.truth += o.truth;
        self.decoder += o.decoder;
        self.surrogate += o.surrogate;
    }
    /// This share `part / whole` of the evaluations (a member's share of a lockstep batch).
    pub fn share(self, part: usize, whole: usize) -> Evaluations {
        let f = |v: usize| (v * part).checked_div(whole).unwrap_or(0);
        Evaluations {
            truth: f(self.truth),
            decoder: f(self.decoder),
            surrogate: f(self.surrogate),
        }
    }
}

/// One method's result on one objective: a restart of an explorer, or a control.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub problem: String,
    pub objective: String,
    /// The explorer's config name (`adam`, `cmaes`, `random`, `genetic`, `stochastic`) or the
    /// control's (`prior`, `training`, `decoded-training`, `anneal`).
    pub method: String,
    /// The run's seed.
    pub seed: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart: Option<usize>,
    pub evaluations: Evaluations,
    pub seconds: f64,
    /// The judged observables of the best configuration found.
    pub best: Observed,
    /// The objective value the explorer reached (what it minimised).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// The best latent code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub z: Option<Vec<f64>>,
    /// Whether the best configuration is a known optimum (a ground state).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hit: Option<bool>,
    /// For a control over many configurations: how many, how many were known optima, and the
    /// mean of each observable over them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub samples: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hits: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean: Option<Observed>,
    /// The explorer's own figures at the end of the restart (replica exchange: `temperatures`,
    /// `acceptance`, `swap_rates`, `steps`, coldest first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnostics: Option<BTreeMap<String, Vec<f64>>>,
}

/// The best-so-far path of one restart.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TraceRecord {
    pub objective: String,
    pub method: String,
    pub restart: usize,
    /// `(evaluations, best objective value)` at each improvement.
    pub values: Vec<(usize, f64)>,
    /// The best point after each improvement (projected into the trust region).
    pub path: Vec<Vec<f64>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Results {
    pub schema: u32,
    pub problem: String,
    pub name: String,
    pub seed: u64,
    pub version: String,
    pub objectives: Vec<ObjectiveSpec>,
    /// Reference values: an exact ground-state energy, the commensurate spiral, ...
    pub reference: BTreeMap<String, f64>,
    pub outcomes: Vec<Outcome>,
    pub controls: Vec<Outcome>,
}

/// `v` with at most `decimals` places, trailing zeros dropped ("-800", "-2.0192", "3").
fn fmt(v: Option<f64>, decimals: usize) -> String {
    match v {
        Some(v) if v.is_finite() => {
            let s = format!("{:.*}", decimals, crate::report::tidy(v, decimals as i32));
            if s.contains('.') {
                s.trim_end_matches('0').trim_end_matches('.').to_string()
            } else {
                s
            }
        }
        _ => "".into(),
    }
}

/// The summary table every front end shows: for each objective, each method's restarts (runs,
/// known optima reached, best and mean of the objective's observable, the problem's columns at
/// the best restart, evaluations per run, seconds), then the controls.
pub fn summary_rows(
    results: &Results,
    columns: &[Column],
    score: &dyn Fn(&ObjectiveSpec, &Observed) -> f64,
) -> Vec<Vec<String>> {
    let any_hits = results
        .outcomes
        .iter()
        .chain(&results.controls)
        .any(|o| o.hit.is_some() || o.hits.is_some());
    let mut head = vec!["objective".to_string(), "method".into(), "runs".into()];
    if any_hits {
        head.push("optima".into());
    }
    head.extend(["best".into(), "mean".into()]);
    head.extend(columns.iter().map(|c| c.header.to_string()));
    head.extend([
        "evaluations per run (true / decoder / surrogate)".into(),
        "seconds".into(),
    ]);
    let mut rows = vec![head];
    for spec in &results.objectives {
        let obs = |o: &Outcome| o.best.get(&spec.observable).copied();
        let mut push = |method: String, group: Vec<&Outcome>| {
            if group.is_empty() {
                return;
            }
            let best = group
                .iter()
                .min_by(|a, b| score(spec, &a.best).total_cmp(&score(spec, &b.best)))
                .expect("non-empty");
            let runs: usize = group.iter().map(|o| o.samples.unwrap_or(1)).sum();
            let values: Vec<f64> = group
                .iter()
                .filter_map(|o| {
                    o.mean
                        .as_ref()
                        .and_then(|m| m.get(&spec.observable).copied())
                        .or(obs(o))
                })
                .collect();
            let weights: Vec<f64> = group.iter().map(|o| o.samples.unwrap_or(1) as f64).collect();
            let mean =
                values.iter().zip(&weights).map(|(v, w)| v * w).sum::<f64>() / weights.iter().sum::<f64>().max(1.0);
            let mut row = vec![spec.name.clone(), method, runs.to_string()];
            if any_hits {
                let hits: Option<usize> = group.iter().map(|o| o.hits.or(o.hit.map(usize::from))).sum();
                row.push(hits.map_or("n/a".into(), |h| format!("{h} / {runs}")));
            }
            row.push(fmt(
                obs(best),
                columns
                    .iter()
                    .find(|c| c.observable == spec.observable)
                    .map_or(4, |c| c.decimals),
            ));
            row.push(fmt(Some(mean), 4));
            for c in columns {
                row.push(fmt(best.best.get(c.observable).copied(), c.decimals));
            }
            let mut e = Evaluations::default();
            for o in &group {
                e.add(o.evaluations);
            }
            let per = group.len();
            row.push(format!(
                "{} / {} / {}",
                e.truth / per,
                e.decoder / per,
                e.surrogate / per
            ));
            row.push(format!("{:.2}", group.iter().map(|o| o.seconds).sum::<f64>()));
            rows.push(row);
        };
        let mut methods: Vec<&str> = Vec::new();
        for o in results.outcomes.iter().filter(|o| o.objective == spec.name) {
            if !methods.contains(&o.method.as_str()) {
                methods.push(&o.method);
            }
        }
        for m in &methods {
            push(
                m.to_string(),
                results
                    .outcomes
                    .iter()
                    .filter(|o| o.objective == spec.name && o.method == *m)
                    .collect(),
            );
        }
        let mut controls: Vec<&str> = Vec::new();
        for o in results.controls.iter().filter(|o| o.objective == spec.name) {
            if !controls.contains(&o.method.as_str()) {
                controls.push(&o.method);
            }
        }
        for m in &controls {
            push(
                format!("control: {m}"),
                results
                    .controls
                    .iter()
                    .filter(|o| o.objective == spec.name && o.method == *m)
                    .collect(),
            );
        }
    }
    rows
}

/// The rows as aligned text: the first column left-aligned, the rest right-aligned, a rule
/// under the header.
pub fn format_table(rows: &[Vec<String>]) -> String {
    let Some(first) = rows.first() else {
        return String::new();
    };
    let widths: Vec<usize> = (0..first.len())
        .map(|c| {
            rows.iter()
                .map(|r| r.get(c).map_or(0, |s| s.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for (k, r) in rows.iter().enumerate() {
        let cells: Vec<String> = r
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(c, (cell, w))| {
                if c <= 1 {
                    format!("{cell:<w$}")
                } else {
                    format!("{cell:>w$}")
                }
            })
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
        if k == 0 {
            out.push_str(&widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().join("  "));
            out.push('\n');
        }
    }
    out
}
