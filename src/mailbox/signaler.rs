//! An eventfd used to wake a sleeping thread; also the fd behind ZMQ_FD.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::Duration;

pub struct Signaler {
    fd: OwnedFd,
}

impl Signaler {
    pub fn new() -> std::io::Result<Self> {
        // SAFETY: plain syscall; the result is checked before use.
        let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: fd is a fresh descriptor that nothing else owns.
        Ok(Signaler {
            fd: unsafe { OwnedFd::from_raw_fd(fd) },
        })
    }

    /// Makes the fd readable.
    pub fn signal(&self) {
        let one: u64 = 1;
        loop {
            // SAFETY: writes 8 bytes from a live u64 to our own eventfd.
            let rc = unsafe {
                libc::write(
                    self.fd.as_raw_fd(),
                    &one as *const u64 as *const libc::c_void,
                    8,
                )
            };
            if rc >= 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
                // EAGAIN means the counter is saturated: it is readable anyway.
                return;
            }
        }
    }

    /// Makes the fd unreadable again.
    pub fn reset(&self) {
        let mut v: u64 = 0;
        // SAFETY: reads 8 bytes into a live u64 from our own eventfd.
        unsafe {
            libc::read(
                self.fd.as_raw_fd(),
                &mut v as *mut u64 as *mut libc::c_void,
                8,
            );
        }
    }

    /// Waits until the fd is readable or the timeout passes (None = forever).
    /// Returns whether it is readable; EINTR when a signal interrupted the wait.
    pub fn wait(&self, timeout: Option<Duration>) -> Result<bool, crate::errno::Errno> {
        let ms = match timeout {
            None => -1,
            // Round up so a sub-millisecond wait does not become a busy loop.
            Some(d) => d.as_nanos().div_ceil(1_000_000).min(i32::MAX as u128) as i32,
        };
        let mut pfd = libc::pollfd {
            fd: self.fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        let rc = unsafe { libc::poll(&mut pfd, 1, ms) };
        if rc < 0 {
            return Err(crate::errno::Errno::last_os());
        }
        Ok(rc > 0)
    }

    /// Waits until one of `signalers` is readable (a thread that owns several
    /// sockets, e.g. zmq_proxy); no timeout. EINTR when a signal interrupted.
    pub fn wait_any(signalers: &[&Signaler]) -> Result<(), crate::errno::Errno> {
        let mut fds: Vec<libc::pollfd> = signalers
            .iter()
            .map(|s| libc::pollfd {
                fd: s.fd.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            })
            .collect();
        // SAFETY: fds is a valid array of fds.len() pollfds.
        let rc = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, -1) };
        if rc < 0 {
            return Err(crate::errno::Errno::last_os());
        }
        Ok(())
    }

    pub fn fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_any_returns_when_one_is_signalled() {
        let a = Signaler::new().unwrap();
        let b = Signaler::new().unwrap();
        b.signal();
        Signaler::wait_any(&[&a, &b]).unwrap();
        assert!(!a.wait(Some(Duration::ZERO)).unwrap());
        assert!(b.wait(Some(Duration::ZERO)).unwrap());
    }
}
