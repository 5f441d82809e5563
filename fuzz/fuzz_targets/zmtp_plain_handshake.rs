//! cargo fuzz run zmtp_plain_handshake — the body lives in src/zmtp/fuzzing/ so that
//! stable unit tests run it too.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    zmq::zmtp::fuzzing::plain_handshake(data);
});
