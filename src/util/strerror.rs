//! zmq_strerror texts.
//!
//! The four 0MQ-specific codes have libzmq's fixed texts, and so does
//! EHOSTUNREACH (libzmq says "Host unreachable" where glibc says "No route to
//! host"); every other code gets the C library's text, which `ffi/` fetches. Texts are interned so the
//! pointer handed to C stays valid for the life of the process (libzmq hands
//! out strerror's buffer, which a later call may overwrite). The intern table
//! is bounded so a caller looping over every int cannot grow it without limit.

use crate::errno::{EFSM, EHOSTUNREACH, EMTHREAD, ENOCOMPATPROTO, ETERM};
use std::collections::HashMap;
use std::ffi::{CStr, CString};
use std::sync::{Mutex, OnceLock};

/// Most distinct texts kept; beyond this `intern` declines.
pub const INTERN_LIMIT: usize = 1024;

/// libzmq's own text for `errnum`, None where it defers to strerror.
pub fn zmq_text(errnum: i32) -> Option<&'static CStr> {
    match errnum {
        EFSM => Some(c"Operation cannot be accomplished in current state"),
        ENOCOMPATPROTO => Some(c"The protocol is not compatible with the socket type"),
        ETERM => Some(c"Context was terminated"),
        EMTHREAD => Some(c"No thread available"),
        EHOSTUNREACH => Some(c"Host unreachable"),
        _ => None,
    }
}

fn table() -> &'static Mutex<HashMap<Vec<u8>, &'static CStr>> {
    static TABLE: OnceLock<Mutex<HashMap<Vec<u8>, &'static CStr>>> = OnceLock::new();
    TABLE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// A copy of `text` (without its NUL) that lives forever, shared by every
/// caller asking for the same text. None when `text` contains a NUL or the
/// table is full.
pub fn intern(text: &[u8]) -> Option<&'static CStr> {
    let mut map = table().lock().unwrap_or_else(|p| p.into_inner());
    if let Some(s) = map.get(text) {
        return Some(s);
    }
    if map.len() >= INTERN_LIMIT {
        return None;
    }
    let owned: &'static CStr = Box::leak(CString::new(text).ok()?.into_boxed_c_str());
    map.insert(text.to_vec(), owned);
    Some(owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zmq_codes() {
        assert_eq!(
            zmq_text(EFSM).unwrap().to_bytes(),
            b"Operation cannot be accomplished in current state"
        );
        assert_eq!(
            zmq_text(ENOCOMPATPROTO).unwrap().to_bytes(),
            b"The protocol is not compatible with the socket type"
        );
        assert_eq!(
            zmq_text(ETERM).unwrap().to_bytes(),
            b"Context was terminated"
        );
        assert_eq!(
            zmq_text(EMTHREAD).unwrap().to_bytes(),
            b"No thread available"
        );
        assert_eq!(
            zmq_text(EHOSTUNREACH).unwrap().to_bytes(),
            b"Host unreachable"
        );
        assert!(zmq_text(libc::EINVAL).is_none());
        assert!(zmq_text(0).is_none());
    }

    #[test]
    fn interned_texts_are_shared() {
        let a = intern(b"Some test text").unwrap();
        let b = intern(b"Some test text").unwrap();
        assert_eq!(a.as_ptr(), b.as_ptr());
        assert_eq!(a.to_bytes(), b"Some test text");
        assert!(intern(b"embedded\0nul").is_none());
    }
}
