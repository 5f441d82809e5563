//! zmq_threadstart / zmq_threadclose: an application thread that the caller
//! joins exactly once.

use super::handle::Tag;
use crate::errno::{Errno, ZResult};
use std::sync::Mutex;
use std::thread::{JoinHandle, ThreadId};

/// Name given to threads started by zmq_threadstart (libzmq uses the same).
pub const THREAD_NAME: &str = "ZMQapp";

/// A started thread handed to C as an opaque handle.
#[repr(C)]
#[derive(Debug)]
pub struct AppThread {
    /// Must stay the first field (see `handle`).
    pub(crate) tag: Tag,
    id: ThreadId,
    join: Mutex<Option<JoinHandle<()>>>,
}

impl AppThread {
    /// Tag value of a joinable thread handle.
    pub const MAGIC: u64 = 0x5241_4d50_5448_5231; // "RAMPTHR1"

    /// Starts `body` on a new thread.
    pub fn spawn(body: impl FnOnce() + Send + 'static) -> ZResult<Self> {
        let handle = std::thread::Builder::new()
            .name(THREAD_NAME.to_owned())
            .spawn(body)
            .map_err(|e| match e.raw_os_error() {
                Some(code) => Errno(code),
                None => Errno::EAGAIN,
            })?;
        Ok(AppThread {
            tag: Tag::new(Self::MAGIC),
            id: handle.thread().id(),
            join: Mutex::new(Some(handle)),
        })
    }

    /// True when called from the thread itself (joining would deadlock).
    pub fn is_current(&self) -> bool {
        std::thread::current().id() == self.id
    }

    /// Waits for the thread to finish. EDEADLK from the thread itself.
    pub fn join(&self) -> ZResult<()> {
        if self.is_current() {
            return Err(Errno(libc::EDEADLK));
        }
        let handle = self
            .join
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        if let Some(handle) = handle {
            // A panic cannot come out of a C thread function; ignore the result.
            let _ = handle.join();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    #[test]
    fn runs_and_joins() {
        let done = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&done);
        let t = AppThread::spawn(move || {
            assert_eq!(std::thread::current().name(), Some(THREAD_NAME));
            flag.store(true, Ordering::SeqCst);
        })
        .unwrap();
        assert!(!t.is_current());
        t.join().unwrap();
        assert!(done.load(Ordering::SeqCst));
        // A second join has nothing left to wait for.
        t.join().unwrap();
    }
}
