//! Simulated annealing reaches the exact ferromagnetic ground state −2N on periodic lattices.

use lso_physics::chains::run_chains;
use lso_physics::rng::tag;
use lso_physics::{anneal, Boundary, Ising, Lattice, SamplerKind, Schedule, ScheduleKind, ScheduleVariable};
use rand::Rng;

#[test]
fn annealing_finds_ferromagnetic_ground_states() {
    for l in [8usize, 16, 32, 64] {
        let model = Ising::ferromagnet(Lattice::new(l, l, Boundary::Periodic).unwrap(), 1.0);
        let ground = model.ground_state_energy().unwrap();
        assert_eq!(ground, -2.0 * (l * l) as f64);
        // Slow enough through T_c that domains coarsen before freezing: sweeps grow with L².
        let steps = 100;
        let schedule = Schedule::new(
            ScheduleKind::Geometric,
            ScheduleVariable::Temperature,
            4.0,
            0.5,
            steps,
            (l * l / 64).max(10),
        )
        .unwrap();
        let finals = run_chains(4, 2024, tag("anneal-test"), |_, rng| {
            let mut spins: Vec<i8> = (0..l * l).map(|_| if rng.random::<bool>() { 1 } else { -1 }).collect();
            let trace = anneal(&model, &mut spins, &mut SamplerKind::HeatBath.build(), &schedule, rng).unwrap();
            *trace.last().unwrap()
        });
        for (k, e) in finals.iter().enumerate() {
            assert_eq!(
                *e, ground,
                "L={l} chain {k}: annealing ended at {e}, ground state {ground}"
            );
        }
    }
}
