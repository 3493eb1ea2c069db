#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| lso_pipeline::fuzz::image(data));
