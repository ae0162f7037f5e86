#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rightnow_fuzzing::moderation_event(data));
