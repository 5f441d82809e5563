//! What a session speaks on its stream: ZMTP for every socket type but
//! STREAM, whose peers speak raw bytes. Both offer the same sans-IO surface
//! so the session drives them alike. I/O thread.

use crate::msg::{Metadata, Msg};
use crate::zmtp;
use std::collections::VecDeque;
use std::io::IoSlice;
use std::time::Instant;

/// Bytes read per chunk for a raw (STREAM) connection.
const RAW_READ: usize = 8192;

pub enum Codec {
    Zmtp(Box<zmtp::Connection>),
    Raw(Raw),
}

/// Raw bytes: every read is one message; an empty message closes.
pub struct Raw {
    buf: Vec<u8>,
    /// Bytes of `buf` filled and not yet delivered.
    filled: usize,
    announced: bool,
    out: VecDeque<Msg>,
    /// Bytes of the front message already written.
    out_pos: usize,
    out_len: usize,
    close_requested: bool,
}

impl Raw {
    pub fn new() -> Raw {
        Raw {
            buf: vec![0; RAW_READ],
            filled: 0,
            announced: false,
            out: VecDeque::new(),
            out_pos: 0,
            out_len: 0,
            close_requested: false,
        }
    }
}

impl Codec {
    /// Bytes held by a frame being received (STREAM chunks are fixed-size
    /// and delivered at once: nothing to count).
    pub fn buffered_in(&self) -> usize {
        match self {
            Codec::Zmtp(c) => c.buffered_in(),
            Codec::Raw(_) => 0,
        }
    }

    pub fn read_buf(&mut self) -> &mut [u8] {
        match self {
            Codec::Zmtp(c) => c.read_buf(),
            // One chunk at a time: deliver it before reading more.
            Codec::Raw(r) if r.filled > 0 => &mut [],
            Codec::Raw(r) => &mut r.buf[..],
        }
    }

    pub fn commit_read(&mut self, n: usize, now: Instant) -> Result<(), zmtp::Error> {
        match self {
            Codec::Zmtp(c) => c.commit_read(n, now),
            Codec::Raw(r) => {
                r.filled = n.min(r.buf.len());
                Ok(())
            }
        }
    }

    pub fn poll_event(&mut self, now: Instant) -> Result<Option<zmtp::Event>, zmtp::Error> {
        match self {
            Codec::Zmtp(c) => c.poll_event(now),
            Codec::Raw(r) => {
                if !r.announced {
                    // No handshake: the peer is there as soon as it connects.
                    r.announced = true;
                    return Ok(Some(zmtp::Event::HandshakeDone(Box::new(zmtp::PeerInfo {
                        socket_type: crate::consts::ZMQ_STREAM,
                        routing_id: Vec::new(),
                        metadata: Metadata::new(),
                        zap_metadata: Metadata::new(),
                        major: 0,
                        minor: 0,
                    }))));
                }
                if r.filled == 0 {
                    return Ok(None);
                }
                let m = Msg::from_slice(&r.buf[..r.filled]);
                r.filled = 0;
                Ok(Some(zmtp::Event::Message(m)))
            }
        }
    }

    /// The ZAP handler's answer (`None`: no handler bound).
    pub fn zap_reply(&mut self, frames: Option<&[Msg]>) -> Result<(), zmtp::Error> {
        match self {
            Codec::Zmtp(c) => c.zap_reply(frames),
            Codec::Raw(_) => Err(zmtp::Error::UnexpectedZapReply),
        }
    }

    pub fn send(&mut self, msg: &Msg) -> Result<(), zmtp::Error> {
        match self {
            Codec::Zmtp(c) => c.send(msg),
            Codec::Raw(r) => {
                if msg.is_empty() {
                    r.close_requested = true;
                } else if !r.close_requested {
                    r.out_len += msg.len();
                    r.out.push_back(msg.clone());
                }
                Ok(())
            }
        }
    }

    pub fn out_slices<'a>(&'a self, dst: &mut [IoSlice<'a>]) -> usize {
        match self {
            Codec::Zmtp(c) => c.out_slices(dst),
            Codec::Raw(r) => {
                let mut n = 0;
                for (i, m) in r.out.iter().enumerate() {
                    if n == dst.len() {
                        break;
                    }
                    let skip = if i == 0 { r.out_pos } else { 0 };
                    dst[n] = IoSlice::new(&m.data()[skip..]);
                    n += 1;
                }
                n
            }
        }
    }

    pub fn consume_out(&mut self, mut k: usize) {
        match self {
            Codec::Zmtp(c) => c.consume_out(k),
            Codec::Raw(r) => {
                r.out_len -= k.min(r.out_len);
                while k > 0 {
                    let Some(front) = r.out.front() else { break };
                    let left = front.len() - r.out_pos;
                    if k >= left {
                        k -= left;
                        r.out.pop_front();
                        r.out_pos = 0;
                    } else {
                        r.out_pos += k;
                        k = 0;
                    }
                }
            }
        }
    }

    pub fn out_len(&self) -> usize {
        match self {
            Codec::Zmtp(c) => c.out_len(),
            Codec::Raw(r) => r.out_len,
        }
    }

    pub fn next_deadline(&self) -> Option<Instant> {
        match self {
            Codec::Zmtp(c) => c.next_deadline(),
            Codec::Raw(_) => None,
        }
    }

    pub fn handle_timeout(&mut self, now: Instant) -> Result<(), zmtp::Error> {
        match self {
            Codec::Zmtp(c) => c.handle_timeout(now),
            Codec::Raw(_) => Ok(()),
        }
    }

    /// A STREAM application asked to close this connection (empty message)
    /// and everything before it has been written.
    pub fn close_due(&self) -> bool {
        matches!(self, Codec::Raw(r) if r.close_requested && r.out.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_delivers_reads_and_writes_bytes() {
        let now = Instant::now();
        let mut c = Codec::Raw(Raw::new());
        assert!(matches!(
            c.poll_event(now),
            Ok(Some(zmtp::Event::HandshakeDone(_)))
        ));
        let buf = c.read_buf();
        buf[..5].copy_from_slice(b"hello");
        c.commit_read(5, now).unwrap();
        assert!(c.read_buf().is_empty());
        match c.poll_event(now) {
            Ok(Some(zmtp::Event::Message(m))) => assert_eq!(m.data(), b"hello"),
            _ => panic!("no message"),
        }
        c.send(&Msg::from_slice(b"abc")).unwrap();
        c.send(&Msg::from_slice(b"defgh")).unwrap();
        assert_eq!(c.out_len(), 8);
        c.consume_out(4);
        let mut iov = [IoSlice::new(&[]); 4];
        let n = c.out_slices(&mut iov);
        assert_eq!(&*iov[0], b"efgh");
        assert_eq!(n, 1);
        assert!(!c.close_due());
        c.send(&Msg::new()).unwrap();
        c.consume_out(4);
        assert!(c.close_due());
    }
}
