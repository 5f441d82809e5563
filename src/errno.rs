//! Error numbers shared by every layer. Linux values are glibc's; the four
//! 0MQ-specific codes live above ZMQ_HAUSNUMERO exactly as libzmq defines them.

/// An errno value carried through `Result` until `ffi/` stores it in libc's errno.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Errno(pub i32);

pub const HAUSNUMERO: i32 = 156_384_712;
pub const EFSM: i32 = HAUSNUMERO + 51;
pub const ENOCOMPATPROTO: i32 = HAUSNUMERO + 52;
pub const ETERM: i32 = HAUSNUMERO + 53;
pub const EMTHREAD: i32 = HAUSNUMERO + 54;

pub use libc::{
    EADDRINUSE, EADDRNOTAVAIL, EAFNOSUPPORT, EAGAIN, ECONNREFUSED, EFAULT, EHOSTUNREACH, EINTR,
    EINVAL, EMFILE, EMSGSIZE, ENOBUFS, ENODEV, ENOENT, ENOMEM, ENOTSOCK, ENOTSUP, EPROTONOSUPPORT,
    ETIMEDOUT,
};

impl Errno {
    pub const EINVAL: Errno = Errno(libc::EINVAL);
    pub const EAGAIN: Errno = Errno(libc::EAGAIN);
    pub const EFAULT: Errno = Errno(libc::EFAULT);
    pub const ENOTSUP: Errno = Errno(libc::ENOTSUP);
    pub const ENOMEM: Errno = Errno(libc::ENOMEM);
    pub const EINTR: Errno = Errno(libc::EINTR);
    pub const ENOTSOCK: Errno = Errno(libc::ENOTSOCK);
    pub const EHOSTUNREACH: Errno = Errno(libc::EHOSTUNREACH);
    pub const EMFILE: Errno = Errno(libc::EMFILE);
    pub const ENOENT: Errno = Errno(libc::ENOENT);
    pub const EFSM: Errno = Errno(EFSM);
    pub const ENOCOMPATPROTO: Errno = Errno(ENOCOMPATPROTO);
    pub const ETERM: Errno = Errno(ETERM);
    pub const EMTHREAD: Errno = Errno(EMTHREAD);
    pub const EPROTONOSUPPORT: Errno = Errno(libc::EPROTONOSUPPORT);

    /// The errno of the last failed libc call on this thread.
    pub fn last_os() -> Errno {
        Errno(
            std::io::Error::last_os_error()
                .raw_os_error()
                .unwrap_or(libc::EIO),
        )
    }
}

impl From<std::io::Error> for Errno {
    fn from(e: std::io::Error) -> Self {
        Errno(e.raw_os_error().unwrap_or(match e.kind() {
            std::io::ErrorKind::WouldBlock => libc::EAGAIN,
            std::io::ErrorKind::InvalidInput => libc::EINVAL,
            _ => libc::EIO,
        }))
    }
}

pub type ZResult<T> = Result<T, Errno>;
