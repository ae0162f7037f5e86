#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rightnow_fuzzing::comment_cursor(data));
