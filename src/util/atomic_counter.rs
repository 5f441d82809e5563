//! zmq_atomic_counter_*: a 32-bit counter shared between threads.
//!
//! Arithmetic wraps like libzmq's unsigned 32-bit counter; the value is
//! reported as a C int.

use super::handle::Tag;
use std::sync::atomic::{AtomicI32, Ordering};

/// A counter handed to C as an opaque handle.
#[repr(C)]
#[derive(Debug)]
pub struct AtomicCounter {
    /// Must stay the first field (see `handle`).
    pub(crate) tag: Tag,
    value: AtomicI32,
}

impl AtomicCounter {
    /// Tag value of a live counter.
    pub const MAGIC: u64 = 0x5241_4d50_4354_5231; // "RAMPCTR1"

    /// A new counter at zero.
    pub fn new() -> Self {
        AtomicCounter {
            tag: Tag::new(Self::MAGIC),
            value: AtomicI32::new(0),
        }
    }

    pub fn set(&self, value: i32) {
        self.value.store(value, Ordering::SeqCst);
    }

    /// Adds one and returns the value before the increment.
    pub fn inc(&self) -> i32 {
        self.value.fetch_add(1, Ordering::SeqCst)
    }

    /// Subtracts one and reports whether the counter is non-zero afterwards.
    pub fn dec(&self) -> bool {
        self.value.fetch_sub(1, Ordering::SeqCst).wrapping_sub(1) != 0
    }

    pub fn value(&self) -> i32 {
        self.value.load(Ordering::SeqCst)
    }
}

impl Default for AtomicCounter {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn man_page_sequence() {
        let c = AtomicCounter::new();
        assert_eq!(c.value(), 0);
        assert_eq!(c.inc(), 0);
        assert_eq!(c.inc(), 1);
        assert_eq!(c.inc(), 2);
        assert_eq!(c.value(), 3);
        assert!(c.dec());
        assert!(c.dec());
        assert!(!c.dec());
        c.set(2);
        assert!(c.dec());
        assert!(!c.dec());
    }

    #[test]
    fn wraps() {
        let c = AtomicCounter::new();
        assert!(c.dec()); // 0 -> -1 is non-zero
        assert_eq!(c.value(), -1);
        c.set(i32::MAX);
        assert_eq!(c.inc(), i32::MAX);
        assert_eq!(c.value(), i32::MIN);
    }

    #[test]
    fn threads() {
        let c = Arc::new(AtomicCounter::new());
        let workers: Vec<_> = (0..4)
            .map(|_| {
                let c = Arc::clone(&c);
                std::thread::spawn(move || {
                    for _ in 0..10_000 {
                        c.inc();
                    }
                })
            })
            .collect();
        for w in workers {
            w.join().unwrap();
        }
        assert_eq!(c.value(), 40_000);
    }
}
