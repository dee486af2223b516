//! libFuzzer entry of the `fmt` target (see fuzz-targets/src/lib.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| infra_fuzz_targets::format(data));
