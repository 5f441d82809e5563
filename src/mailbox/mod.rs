//! Commands between threads. A `Mailbox` is a locked queue plus a `Signaler`
//! (an eventfd) that is readable exactly while commands may be pending, so an
//! application thread can sleep on it (and expose it as ZMQ_FD). The lock is
//! taken once per command, never per message.

mod signaler;

pub use signaler::Signaler;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

pub struct Mailbox<T> {
    queue: Mutex<Inner<T>>,
    /// Cheap check for the hot path: false means nothing is queued.
    pending: AtomicBool,
    signaler: Signaler,
}

struct Inner<T> {
    items: VecDeque<T>,
    signaled: bool,
}

impl<T> Mailbox<T> {
    pub fn new() -> std::io::Result<Self> {
        Ok(Mailbox {
            queue: Mutex::new(Inner {
                items: VecDeque::new(),
                signaled: false,
            }),
            pending: AtomicBool::new(false),
            signaler: Signaler::new()?,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner<T>> {
        // A panic while holding the lock leaves the queue consistent.
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues a command and wakes the owner if it was not already woken.
    pub fn send(&self, cmd: T) {
        let mut q = self.lock();
        q.items.push_back(cmd);
        self.pending.store(true, Ordering::Release);
        if !q.signaled {
            q.signaled = true;
            self.signaler.signal();
        }
    }

    /// Whether a command may be waiting (no lock taken).
    pub fn has_pending(&self) -> bool {
        self.pending.load(Ordering::Acquire)
    }

    /// Takes every queued command. When none is left the signaler is reset,
    /// so the fd is readable again only after the next `send`.
    pub fn drain_into(&self, out: &mut VecDeque<T>) {
        let mut q = self.lock();
        if q.items.is_empty() {
            if q.signaled {
                self.signaler.reset();
                q.signaled = false;
            }
            self.pending.store(false, Ordering::Release);
            return;
        }
        out.append(&mut q.items);
        if q.signaled {
            self.signaler.reset();
            q.signaled = false;
        }
        self.pending.store(false, Ordering::Release);
    }

    pub fn signaler(&self) -> &Signaler {
        &self.signaler
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn fd_readable_iff_pending() {
        let mb = Mailbox::new().unwrap();
        assert!(!mb.signaler().wait(Some(Duration::ZERO)).unwrap());
        mb.send(1);
        mb.send(2);
        assert!(mb.has_pending());
        assert!(mb.signaler().wait(Some(Duration::ZERO)).unwrap());
        let mut out = VecDeque::new();
        mb.drain_into(&mut out);
        assert_eq!(out, [1, 2]);
        assert!(!mb.has_pending());
        assert!(!mb.signaler().wait(Some(Duration::ZERO)).unwrap());
    }

    #[test]
    fn wakes_other_thread() {
        let mb = std::sync::Arc::new(Mailbox::new().unwrap());
        let m2 = mb.clone();
        let t = std::thread::spawn(move || m2.send(7));
        assert!(mb.signaler().wait(Some(Duration::from_secs(5))).unwrap());
        t.join().unwrap();
        let mut out = VecDeque::new();
        mb.drain_into(&mut out);
        assert_eq!(out, [7]);
    }
}
