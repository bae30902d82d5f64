//! The error-body decoder of both versions on arbitrary bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = arr_session::fuzzing::service_error(data);
});
