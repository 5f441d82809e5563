//! A connected byte stream of either transport, as one type for sessions.

use mio::{Interest, Registry, Token};
use std::io::{IoSlice, Read, Write};

pub enum Stream {
    Tcp(mio::net::TcpStream),
    Unix(mio::net::UnixStream),
}

impl Stream {
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

    pub fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> std::io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.write_vectored(bufs),
            Stream::Unix(s) => s.write_vectored(bufs),
        }
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
