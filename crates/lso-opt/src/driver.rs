//! One loop for every optimiser: ask, evaluate (with gradients if the optimiser needs them),
//! check, tell, tell the observers; stop at the evaluation budget or when an observer says so.
//!
//! [`run_lockstep`] advances several independent optimisers (restarts) together so that each
//! round's points of all of them are evaluated in one objective call: one decoder batch instead
//! of one per restart. Each member keeps its own budget, observers and trace, and its numbers are
//! those it would have produced alone.

use crate::{Evaluation, Objective, OptError, Optimiser};

/// What happened in one ask/tell round of one optimiser.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// Objective evaluations spent after this round.
    pub evaluations: usize,
    pub points: Vec<Vec<f64>>,
    pub values: Vec<f64>,
    pub best_value: f64,
    /// The best point so far (after this round).
    pub best_point: Vec<f64>,
    /// Whether this round lowered the best value.
    pub improved: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Trace {
    pub steps: Vec<Step>,
    pub best_point: Vec<f64>,
    pub best_value: f64,
    pub evaluations: usize,
    /// Whether an observer ended the run before the budget.
    pub stopped_early: bool,
}

/// Whether the run goes on after a round.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Stop,
}

/// Sees every round; may end the run.
pub trait Observer {
    fn observe(&mut self, step: &Step) -> Flow;
}

impl<F: FnMut(&Step)> Observer for F {
    fn observe(&mut self, step: &Step) -> Flow {
        self(step);
        Flow::Continue
    }
}

/// Records each new best: `(evaluations, value)` and the point.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BestTrace {
    pub values: Vec<(usize, f64)>,
    pub path: Vec<Vec<f64>>,
}

impl Observer for BestTrace {
    fn observe(&mut self, step: &Step) -> Flow {
        if step.improved {
            self.values.push((step.evaluations, step.best_value));
            self.path.push(step.best_point.clone());
        }
        Flow::Continue
    }
}

/// Stops once the best value reaches `target` (a known optimum), within `tolerance`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Target {
    pub value: f64,
    pub tolerance: f64,
}

impl Observer for Target {
    fn observe(&mut self, step: &Step) -> Flow {
        if step.best_value <= self.value + self.tolerance {
            Flow::Stop
        } else {
            Flow::Continue
        }
    }
}

/// Observers that all see each round; the run stops if any of them says so.
pub struct Observers<'a>(pub Vec<&'a mut dyn Observer>);

impl Observer for Observers<'_> {
    fn observe(&mut self, step: &Step) -> Flow {
        let mut flow = Flow::Continue;
        for o in self.0.iter_mut() {
            if o.observe(step) == Flow::Stop {
                flow = Flow::Stop;
            }
        }
        flow
    }
}

pub fn run(opt: &mut dyn Optimiser, obj: &mut dyn Objective, budget: usize) -> Result<Trace, OptError> {
    run_observed(opt, obj, budget, &mut |_: &Step| {})
}

/// Like [`run`], telling `observer` after every round (progress, best-so-far, early stop).
pub fn run_observed(
    opt: &mut dyn Optimiser,
    obj: &mut dyn Objective,
    budget: usize,
    observer: &mut dyn Observer,
) -> Result<Trace, OptError> {
    let mut traces = run_lockstep::<dyn Optimiser>(&mut [opt], obj, budget, &mut [observer])?;
    Ok(traces.remove(0))
}

struct Member {
    steps: Vec<Step>,
    spent: usize,
    done: bool,
    stopped_early: bool,
}

/// Runs every optimiser in `opts` to `budget` evaluations each, evaluating all their points of
/// a round in one call of `obj`; `observers[k]` sees the rounds of `opts[k]`.
pub fn run_lockstep<O: Optimiser + ?Sized>(
    opts: &mut [&mut O],
    obj: &mut dyn Objective,
    budget: usize,
    observers: &mut [&mut dyn Observer],
) -> Result<Vec<Trace>, OptError> {
    assert_eq!(opts.len(), observers.len(), "one observer per optimiser");
    let mut members: Vec<Member> = (0..opts.len())
        .map(|_| Member {
            steps: Vec::new(),
            spent: 0,
            done: false,
            stopped_early: false,
        })
        .collect();
    loop {
        // Each live member's next points, in member order.
        let mut asked: Vec<(usize, Vec<Vec<f64>>)> = Vec::new();
        for (k, (opt, m)) in opts.iter_mut().zip(&mut members).enumerate() {
            if m.done {
                continue;
            }
            let points = opt.ask();
            if points.is_empty() || (m.spent > 0 && m.spent + points.len() > budget) || m.spent >= budget {
                m.done = true;
                continue;
            }
            asked.push((k, points));
        }
        if asked.is_empty() {
            break;
        }
        let all: Vec<Vec<f64>> = asked.iter().flat_map(|(_, p)| p.iter().cloned()).collect();
        let gradient = asked.iter().any(|(k, _)| opts[*k].needs_gradient());
        let (values, mut grads): (Vec<f64>, Vec<Option<Vec<f64>>>) = if gradient {
            let name = asked
                .iter()
                .find(|(k, _)| opts[*k].needs_gradient())
                .map(|(k, _)| opts[*k].name());
            let vg = obj.values_and_grads(&all).ok_or(OptError::NeedsGradient {
                optimiser: name.unwrap_or("optimiser"),
            })??;
            vg.into_iter().map(|(v, g)| (v, Some(g))).unzip()
        } else {
            let v = obj.values(&all)?;
            let n = v.len();
            (v, vec![None; n])
        };
        let mut offset = 0;
        for (k, points) in asked {
            let n = points.len();
            let m = &mut members[k];
            if let Some(j) = values[offset..offset + n].iter().position(|v| !v.is_finite()) {
                return Err(OptError::NonFinite(m.spent + j));
            }
            let evaluations: Vec<Evaluation> = points
                .into_iter()
                .zip(&values[offset..offset + n])
                .zip(grads[offset..offset + n].iter_mut())
                .map(|((point, &value), g)| Evaluation {
                    point,
                    value,
                    grad: g.take(),
                })
                .collect();
            offset += n;
            let before = opts[k].best().map_or(f64::INFINITY, |b| b.1);
            m.spent += n;
            opts[k].tell(&evaluations)?;
            let (best_point, best_value) = opts[k]
                .best()
                .map(|(p, v)| (p.to_vec(), v))
                .unwrap_or((vec![], f64::INFINITY));
            let step = Step {
                evaluations: m.spent,
                values: evaluations.iter().map(|e| e.value).collect(),
                points: evaluations.into_iter().map(|e| e.point).collect(),
                improved: best_value < before,
                best_value,
                best_point,
            };
            if observers[k].observe(&step) == Flow::Stop {
                m.done = true;
                m.stopped_early = true;
            }
            m.steps.push(step);
        }
    }
    Ok(opts
        .iter()
        .zip(members)
        .map(|(opt, m)| {
            let (best_point, best_value) = opt
                .best()
                .map(|(p, v)| (p.to_vec(), v))
                .unwrap_or((vec![], f64::INFINITY));
            Trace {
                steps: m.steps,
                best_point,
                best_value,
                evaluations: m.spent,
                stopped_early: m.stopped_early,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testfn::Sphere;
    use crate::{Adam, AdamConfig, CmaEs, CmaEsConfig, RandomSearch};

    #[test]
    fn adam_descends_a_sphere_from_several_starts_at_once() {
        let mut f = Sphere { shift: vec![1.0, -2.0] };
        let starts = vec![vec![0.0, 0.0], vec![5.0, 5.0], vec![-3.0, 1.0]];
        let mut adam = Adam::new(
            &AdamConfig {
                learning_rate: 0.1,
                ..Default::default()
            },
            starts,
        )
        .unwrap();
        let t = run(&mut adam, &mut f, 3 * 500).unwrap();
        assert!(t.best_value < 1e-6, "{}", t.best_value);
        assert_eq!(t.evaluations, 1500);
        for p in adam.points() {
            assert!((p[0] - 1.0).abs() < 1e-2 && (p[1] + 2.0).abs() < 1e-2, "{p:?}");
        }
    }

    #[test]
    fn random_search_respects_the_budget_and_improves() {
        let mut f = Sphere { shift: vec![0.0; 3] };
        let mut r = RandomSearch::new(3, 10, 1.0, 4).unwrap();
        let t = run(&mut r, &mut f, 1000).unwrap();
        assert_eq!(t.evaluations, 1000);
        assert!(t.steps[0].best_value >= t.best_value);
        assert!(t.best_value < 0.1);
    }

    #[test]
    fn gradient_methods_need_gradients() {
        let mut f = crate::testfn::Rosenbrock { dim: 2 };
        let mut adam = Adam::new(&AdamConfig::default(), vec![vec![0.0, 0.0]]).unwrap();
        assert!(matches!(
            run(&mut adam, &mut f, 10),
            Err(OptError::NeedsGradient { .. })
        ));
    }

    fn cmaes(seed: u64) -> CmaEs {
        CmaEs::new(
            &CmaEsConfig {
                sigma: 0.7,
                ..Default::default()
            },
            vec![1.5, -0.5, 0.3],
            seed,
        )
        .unwrap()
    }

    /// Members run together give exactly the traces they give alone: the batching is invisible.
    #[test]
    fn lockstep_members_match_their_solo_runs() {
        let mut f = crate::testfn::Rosenbrock { dim: 3 };
        let solo: Vec<Trace> = (0..3).map(|s| run(&mut cmaes(s), &mut f, 600).unwrap()).collect();
        let (mut a, mut b, mut c) = (cmaes(0), cmaes(1), cmaes(2));
        let (mut o1, mut o2, mut o3) = (BestTrace::default(), BestTrace::default(), BestTrace::default());
        let together = run_lockstep(
            &mut [&mut a, &mut b, &mut c],
            &mut f,
            600,
            &mut [&mut o1, &mut o2, &mut o3],
        )
        .unwrap();
        assert_eq!(solo, together);
        // The recorder keeps exactly the rounds that improved, ending at the best.
        assert_eq!(o2.values.last().unwrap().1, together[1].best_value);
        assert_eq!(o2.path.last().unwrap(), &together[1].best_point);
        assert_eq!(o2.values.len(), together[1].steps.iter().filter(|s| s.improved).count());
        assert!(o2.values.windows(2).all(|w| w[1].1 < w[0].1 && w[1].0 > w[0].0));
    }

    #[test]
    fn a_target_stops_the_run_early_and_only_then() {
        let mut f = Sphere { shift: vec![0.0; 2] };
        let mut stop = Target {
            value: 1e-3,
            tolerance: 0.0,
        };
        let mut adam = Adam::new(&AdamConfig::default(), vec![vec![2.0, 2.0]]).unwrap();
        let t = run_observed(&mut adam, &mut f, 10_000, &mut stop).unwrap();
        assert!(t.stopped_early && t.evaluations < 10_000, "{}", t.evaluations);
        assert!(t.best_value <= 1e-3);
        assert!(
            t.steps[t.steps.len() - 2].best_value > 1e-3,
            "stopped at the first round that reached it"
        );
        let mut unreachable = Target {
            value: -1.0,
            tolerance: 0.0,
        };
        let mut adam = Adam::new(&AdamConfig::default(), vec![vec![2.0, 2.0]]).unwrap();
        let t = run_observed(&mut adam, &mut f, 500, &mut unreachable).unwrap();
        assert!(!t.stopped_early);
        assert_eq!(t.evaluations, 500);
    }
}
