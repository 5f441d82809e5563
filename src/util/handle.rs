//! Tags for objects whose address is handed to C as an opaque handle.
//!
//! Each such object is `#[repr(C)]` with a [`Tag`] as its first field holding
//! a per-type magic number while the object is alive. `ffi/` reads the tag
//! before it trusts a handle (a wrong, foreign or destroyed handle gives
//! EFAULT instead of a crash where that is detectable) and retires it with
//! one atomic compare-and-swap on destroy, so two racing destroys cannot both
//! free the object.

use std::sync::atomic::{AtomicU64, Ordering};

/// The value a tag holds once its object has been destroyed.
pub const DEAD: u64 = 0xdead_beef_dead_beef;

/// First field of every object handed to C.
#[repr(transparent)]
#[derive(Debug)]
pub struct Tag(AtomicU64);

impl Tag {
    /// A live tag carrying `magic`.
    pub const fn new(magic: u64) -> Self {
        Tag(AtomicU64::new(magic))
    }

    /// True while the object is alive and of the kind `magic` names.
    pub fn matches(&self, magic: u64) -> bool {
        self.0.load(Ordering::Acquire) == magic
    }

    /// Marks the object dead. Returns true for exactly one caller: the one
    /// that found it alive with `magic` and may therefore free it.
    pub fn retire(&self, magic: u64) -> bool {
        self.0
            .compare_exchange(magic, DEAD, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retire_once() {
        let t = Tag::new(42);
        assert!(t.matches(42));
        assert!(!t.matches(43));
        assert!(!t.retire(43));
        assert!(t.retire(42));
        assert!(!t.matches(42));
        assert!(!t.retire(42));
    }
}
