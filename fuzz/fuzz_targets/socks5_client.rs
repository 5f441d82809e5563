//! cargo fuzz run socks5_client — the body lives in src/transport/socks5.rs
//! so that stable unit tests run it too.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    zmq::transport::socks5::fuzz_replies(data);
});
