//! Weighted retraining and the fuzz corpus, in one test binary: each binary linking burn is a
//! whole-program link-time optimised build. `cancel.rs` stays a binary of its own, so its
//! timing is not shared with the heavy tests here.

mod fuzz_corpus;
mod retrain;
