//! Library version and zmq_has capabilities.

/// The libzmq version Rampart implements.
pub const VERSION_MAJOR: i32 = 4;
pub const VERSION_MINOR: i32 = 3;
pub const VERSION_PATCH: i32 = 5;

/// Whether the library provides `capability` (an exact, case-sensitive match
/// as in libzmq). Besides libzmq's names, "rampart" identifies this library.
pub fn has(capability: &[u8]) -> bool {
    // Not (yet) provided: "pgm", "tipc", "norm", "vmci", "WS", "WSS",
    // "gssapi" and "draft".
    matches!(capability, b"ipc" | b"curve" | b"rampart")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capabilities() {
        assert!(has(b"ipc"));
        assert!(has(b"rampart"));
        assert!(has(b"curve"));
        for no in [
            &b"pgm"[..],
            b"tipc",
            b"norm",
            b"CURVE",
            b"gssapi",
            b"vmci",
            b"WS",
            b"WSS",
            b"draft",
            b"IPC",
            b"",
            b"ipc ",
        ] {
            assert!(!has(no), "{}", String::from_utf8_lossy(no));
        }
    }
}
