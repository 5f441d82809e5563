//! cargo fuzz run zmtp_curve_handshake — the body lives in src/zmtp/fuzzing/
//! so that stable unit tests run it too.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    zmq::zmtp::fuzzing::curve_handshake(data);
});
