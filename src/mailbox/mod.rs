//! Commands between threads. A `Mailbox` is a locked queue plus a `Signaler`
//! (an eventfd) an owner thread can sleep on (and expose as ZMQ_FD). The lock
//! is taken once per command, never per message.
//!
//! The eventfd is written only when someone may be waiting on it: the owner
//! `arm`s the mailbox before it sleeps, and a mailbox whose fd was handed out
//! (ZMQ_FD, a reactor's poll set) is `always_signal`. An owner that is busy
//! or spinning then costs senders no syscall. Arming and sending are a Dekker
//! handshake on two SeqCst flags (`armed`, `pending`): either the owner sees
//! the command before it sleeps, or the sender sees the owner armed.

mod signaler;

pub use signaler::Signaler;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

fn several_cpus() -> bool {
    static SEVERAL: OnceLock<bool> = OnceLock::new();
    *SEVERAL.get_or_init(|| std::thread::available_parallelism().is_ok_and(|n| n.get() > 1))
}

pub struct Mailbox<T> {
    queue: Mutex<Inner<T>>,
    /// Cheap check for the hot path: false means nothing is queued.
    pending: AtomicBool,
    /// The owner is about to wait on the fd, or the fd is watched by
    /// something we don't control.
    armed: AtomicBool,
    always: AtomicBool,
    signaler: Signaler,
}

struct Inner<T> {
    items: VecDeque<T>,
    /// The eventfd was written and not reset since.
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
            armed: AtomicBool::new(false),
            always: AtomicBool::new(false),
            signaler: Signaler::new()?,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner<T>> {
        // A panic while holding the lock leaves the queue consistent.
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues a command and wakes the owner if it waits and was not
    /// already woken.
    pub fn send(&self, cmd: T) {
        let mut q = self.lock();
        q.items.push_back(cmd);
        self.pending.store(true, Ordering::SeqCst);
        if !q.signaled && self.armed.load(Ordering::SeqCst) {
            q.signaled = true;
            self.signaler.signal();
        }
    }

    /// Whether a command may be waiting (no lock taken).
    pub fn has_pending(&self) -> bool {
        self.pending.load(Ordering::Acquire)
    }

    /// Spins up to `limit` waiting for a command, so an owner whose peer
    /// answers within microseconds skips the sleep and the wakeup (both
    /// syscalls, and a slow reschedule on a virtual CPU). Returns whether a
    /// command came. Never spins on a single CPU, where it would only delay
    /// the sender.
    pub fn spin_for_command(&self, limit: Duration) -> bool {
        Self::spin_for_any(&[self], limit)
    }

    /// `spin_for_command` over several mailboxes (one thread owning several
    /// sockets, e.g. zmq_proxy): whether any got a command.
    pub fn spin_for_any(mailboxes: &[&Self], limit: Duration) -> bool {
        let any = || mailboxes.iter().any(|m| m.has_pending());
        if !several_cpus() {
            return any();
        }
        let start = Instant::now();
        loop {
            for _ in 0..64 {
                if any() {
                    return true;
                }
                std::hint::spin_loop();
            }
            if start.elapsed() >= limit {
                return any();
            }
        }
    }

    /// The owner is going to wait on the fd: from now on every send writes
    /// it. Returns false (and stays unarmed) when a command is already
    /// queued, so the owner must not sleep.
    pub fn arm(&self) -> bool {
        self.armed.store(true, Ordering::SeqCst);
        if self.pending.load(Ordering::SeqCst) {
            self.disarm();
            return false;
        }
        true
    }

    /// The owner is awake again (a no-op for an always-signalling mailbox).
    pub fn disarm(&self) {
        if !self.always.load(Ordering::Relaxed) {
            self.armed.store(false, Ordering::SeqCst);
        }
    }

    /// The fd is now watched by others (ZMQ_FD, a poller): keep it readable
    /// whenever a command is queued, from here on.
    pub fn always_signal(&self) {
        if self.always.swap(true, Ordering::SeqCst) {
            return;
        }
        self.armed.store(true, Ordering::SeqCst);
        let mut q = self.lock();
        if !q.items.is_empty() && !q.signaled {
            q.signaled = true;
            self.signaler.signal();
        }
    }

    /// Takes every queued command. The signaler is reset, so the fd is
    /// readable again only after the next `send` that finds the mailbox
    /// armed.
    pub fn drain_into(&self, out: &mut VecDeque<T>) {
        let mut q = self.lock();
        out.append(&mut q.items);
        if q.signaled {
            self.signaler.reset();
            q.signaled = false;
        }
        self.pending.store(false, Ordering::SeqCst);
    }

    pub fn signaler(&self) -> &Signaler {
        &self.signaler
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fd_readable_iff_pending() {
        let mb = Mailbox::new().unwrap();
        mb.always_signal();
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
        assert!(mb.arm());
        let t = std::thread::spawn(move || m2.send(7));
        assert!(mb.signaler().wait(Some(Duration::from_secs(5))).unwrap());
        mb.disarm();
        t.join().unwrap();
        let mut out = VecDeque::new();
        mb.drain_into(&mut out);
        assert_eq!(out, [7]);
    }

    #[test]
    fn unarmed_send_costs_no_signal() {
        let mb = Mailbox::new().unwrap();
        mb.send(1);
        assert!(mb.has_pending());
        assert!(!mb.signaler().wait(Some(Duration::ZERO)).unwrap());
        // A command already queued: arming refuses, so the owner won't sleep.
        assert!(!mb.arm());
        let mut out = VecDeque::new();
        mb.drain_into(&mut out);
        assert!(mb.arm());
        mb.send(2);
        assert!(mb.signaler().wait(Some(Duration::ZERO)).unwrap());
        mb.disarm();
        mb.drain_into(&mut out);
        assert_eq!(out, [1, 2]);
        assert!(!mb.signaler().wait(Some(Duration::ZERO)).unwrap());
    }

    #[test]
    fn always_signal_covers_what_is_queued() {
        let mb = Mailbox::new().unwrap();
        mb.send(1);
        mb.always_signal();
        assert!(mb.signaler().wait(Some(Duration::ZERO)).unwrap());
        mb.disarm();
        let mut out = VecDeque::new();
        mb.drain_into(&mut out);
        mb.send(2);
        assert!(mb.signaler().wait(Some(Duration::ZERO)).unwrap());
    }

    /// Owner sleeping only when armed, sender signalling only when it sees
    /// the arm: no command is ever slept through.
    #[test]
    fn arm_handshake_loses_no_wakeup() {
        let mb = std::sync::Arc::new(Mailbox::new().unwrap());
        let m2 = mb.clone();
        const N: u32 = 20_000;
        let t = std::thread::spawn(move || {
            for i in 0..N {
                m2.send(i);
                if i % 7 == 0 {
                    std::thread::yield_now();
                }
            }
        });
        let mut out = VecDeque::new();
        let mut got = 0;
        while got < N {
            mb.drain_into(&mut out);
            got += out.drain(..).count() as u32;
            if got < N && !mb.has_pending() && mb.arm() {
                let woken = mb.signaler().wait(Some(Duration::from_secs(10)));
                mb.disarm();
                assert!(woken.unwrap(), "lost wakeup after {got} commands");
            }
        }
        t.join().unwrap();
    }
}
