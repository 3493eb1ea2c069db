//! One loop for every optimiser: ask, evaluate (with gradients if the optimiser needs them),
//! check, tell, record; stop at the evaluation budget.

use crate::{Evaluation, Objective, OptError, Optimiser};

/// What happened in one ask/tell round.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// Objective evaluations spent after this round.
    pub evaluations: usize,
    pub points: Vec<Vec<f64>>,
    pub values: Vec<f64>,
    pub best_value: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Trace {
    pub steps: Vec<Step>,
    pub best_point: Vec<f64>,
    pub best_value: f64,
    pub evaluations: usize,
}

pub fn run(opt: &mut dyn Optimiser, obj: &mut dyn Objective, budget: usize) -> Result<Trace, OptError> {
    run_observed(opt, obj, budget, &mut |_| {})
}

/// Like [`run`], calling `observe` after every round (progress bars, checkpoints).
pub fn run_observed(
    opt: &mut dyn Optimiser,
    obj: &mut dyn Objective,
    budget: usize,
    observe: &mut dyn FnMut(&Step),
) -> Result<Trace, OptError> {
    let mut steps: Vec<Step> = Vec::new();
    let mut spent = 0;
    loop {
        let points = opt.ask();
        if points.is_empty() || (spent > 0 && spent + points.len() > budget) || spent >= budget {
            break;
        }
        let evaluations: Vec<Evaluation> = if opt.needs_gradient() {
            let vg = obj
                .values_and_grads(&points)
                .ok_or(OptError::NeedsGradient { optimiser: opt.name() })??;
            points
                .into_iter()
                .zip(vg)
                .map(|(point, (value, g))| Evaluation {
                    point,
                    value,
                    grad: Some(g),
                })
                .collect()
        } else {
            let v = obj.values(&points)?;
            points
                .into_iter()
                .zip(v)
                .map(|(point, value)| Evaluation {
                    point,
                    value,
                    grad: None,
                })
                .collect()
        };
        if let Some(k) = evaluations.iter().position(|e| !e.value.is_finite()) {
            return Err(OptError::NonFinite(spent + k));
        }
        spent += evaluations.len();
        opt.tell(&evaluations)?;
        let step = Step {
            evaluations: spent,
            values: evaluations.iter().map(|e| e.value).collect(),
            points: evaluations.into_iter().map(|e| e.point).collect(),
            best_value: opt.best().map_or(f64::INFINITY, |b| b.1),
        };
        observe(&step);
        steps.push(step);
    }
    let (best_point, best_value) = opt
        .best()
        .map(|(p, v)| (p.to_vec(), v))
        .unwrap_or((vec![], f64::INFINITY));
    Ok(Trace {
        steps,
        best_point,
        best_value,
        evaluations: spent,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testfn::Sphere;
    use crate::{Adam, AdamConfig, RandomSearch};

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
}
