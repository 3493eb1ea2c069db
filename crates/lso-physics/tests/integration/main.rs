//! The physics against exact results, in one test binary (one link-time optimised link, not
//! four).

mod annealing;
mod exact_checks;
mod inverse_recovery;
mod spirit;
