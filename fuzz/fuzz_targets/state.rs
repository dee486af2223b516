//! libFuzzer entry of the `state` target (see fuzz-targets/src/lib.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| infra_fuzz_targets::state(data));
