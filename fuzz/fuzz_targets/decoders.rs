//! Every response decoder of both API versions on arbitrary bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| arr_session::fuzzing::all_decoders(data));
