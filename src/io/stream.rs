//! A connected byte stream of either transport, as one type for sessions.

use mio::{Interest, Registry, Token};
use std::io::{IoSlice, Read};

pub enum Stream {
    Tcp(mio::net::TcpStream),
    Unix(mio::net::UnixStream),
}

impl Stream {
    pub fn fd(&self) -> std::os::fd::RawFd {
        use std::os::fd::AsRawFd;
        match self {
            Stream::Tcp(s) => s.as_raw_fd(),
            Stream::Unix(s) => s.as_raw_fd(),
        }
    }

    /// The local (`local` true) or remote end as an endpoint URI, for
    /// monitor events; empty when the kernel no longer knows it.
    pub fn end_uri(&self, local: bool) -> String {
        match self {
            Stream::Tcp(s) => {
                let a = if local { s.local_addr() } else { s.peer_addr() };
                a.map(|a| format!("tcp://{a}")).unwrap_or_default()
            }
            Stream::Unix(s) => {
                let a = if local { s.local_addr() } else { s.peer_addr() };
                a.ok()
                    .and_then(|a| a.as_pathname().map(|p| format!("ipc://{}", p.display())))
                    .unwrap_or_default()
            }
        }
    }

    pub fn register(&mut self, reg: &Registry, token: Token) -> std::io::Result<()> {
        let i = Interest::READABLE | Interest::WRITABLE;
        match self {
            Stream::Tcp(s) => reg.register(s, token, i),
            Stream::Unix(s) => reg.register(s, token, i),
        }
    }

    pub fn deregister(&mut self, reg: &Registry) {
        let _ = match self {
            Stream::Tcp(s) => reg.deregister(s),
            Stream::Unix(s) => reg.deregister(s),
        };
    }

    pub fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.read(buf),
            Stream::Unix(s) => s.read(buf),
        }
    }

    /// Gathers `bufs` into one sendmsg; MSG_NOSIGNAL so a peer that went
    /// away gives EPIPE instead of killing the process with SIGPIPE.
    pub fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> std::io::Result<usize> {
        let sock = match self {
            Stream::Tcp(s) => socket2::SockRef::from(&*s),
            Stream::Unix(s) => socket2::SockRef::from(&*s),
        };
        sock.send_vectored_with_flags(bufs, libc::MSG_NOSIGNAL)
    }

    /// For a connect in progress: Ok(true) when established, Ok(false) while
    /// still connecting, Err when it failed.
    pub fn connect_result(&mut self) -> std::io::Result<bool> {
        match self {
            Stream::Tcp(s) => {
                if let Some(e) = s.take_error()? {
                    return Err(e);
                }
                match s.peer_addr() {
                    Ok(_) => Ok(true),
                    Err(e) if e.kind() == std::io::ErrorKind::NotConnected => Ok(false),
                    Err(e) => Err(e),
                }
            }
            Stream::Unix(s) => {
                if let Some(e) = s.take_error()? {
                    return Err(e);
                }
                Ok(true)
            }
        }
    }
}
