//! The command line and the pipeline end to end, in one test binary: the release profile
//! link-time optimises every test binary as a whole program with burn, so each file here as its
//! own binary cost CI a minute or more of linking.

mod common;

mod bad_inputs;
mod chiral_claims;
mod cli;
mod glass;
mod pipeline;
mod report_browser;
mod shapes;
