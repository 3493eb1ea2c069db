//! burn's wgpu backend against the CPU one. In CI this runs on Mesa's software Vulkan driver
//! (lavapipe), so the GPU path is built and exercised on every change.
//!
//! One test binary for the network and the pipeline: with the release profile's link-time
//! optimisation each binary is a whole-program build of burn, cubecl and wgpu, most of the
//! wgpu stage's build time, and CI pays for it once.
#![cfg(feature = "wgpu")]

mod network;
mod run;
