//! Frame encoder and output queue. Lives on the I/O thread that owns the
//! connection.
//!
//! Small frames (and every header) are appended to one open buffer, so a
//! batch of many small messages goes out in a single write; the buffer is
//! cleared, not freed, once written, so steady-state sending allocates
//! nothing. Bodies of [`ZERO_COPY_MIN`] bytes or more that live on the heap
//! are queued by reference (a `Bytes` clone, no copy) between header bytes;
//! [`Encoder::out_slices`] exposes the queue for `writev`.

use std::collections::VecDeque;
use std::io::IoSlice;

use bytes::Bytes;

use super::frame::{Framing, COMMAND, LONG, MORE};
use crate::msg::Msg;

/// Heap bodies at least this large are sent by reference.
pub(crate) const ZERO_COPY_MIN: usize = 8 * 1024;
/// Capacity of a fresh open buffer.
const BUF_CAPACITY: usize = 16 * 1024;
/// Buffers kept for reuse, and the largest capacity worth keeping.
const MAX_SPARE: usize = 4;
const MAX_SPARE_CAPACITY: usize = 1 << 20;
/// Reclaim the written prefix of the open buffer past this size.
const RECLAIM_PREFIX: usize = 64 * 1024;

enum Seg {
    Buf(Vec<u8>),
    Shared(Bytes),
}

impl Seg {
    fn as_slice(&self) -> &[u8] {
        match self {
            Seg::Buf(v) => v,
            Seg::Shared(b) => b,
        }
    }
}

pub(crate) struct Encoder {
    /// Closed segments, oldest first; all of them go out before `tail`.
    segs: VecDeque<Seg>,
    /// Bytes of `segs[0]` already written.
    head: usize,
    /// The open buffer new small frames are appended to.
    tail: Vec<u8>,
    /// Bytes of `tail` already written (only while `segs` is empty).
    tail_head: usize,
    /// Unwritten bytes in total.
    pending: usize,
    spare: Vec<Vec<u8>>,
    framing: Framing,
    queued_total: u64,
    written_total: u64,
}

impl Default for Encoder {
    fn default() -> Self {
        Encoder::new()
    }
}

fn len_u64(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

impl Encoder {
    pub(crate) fn new() -> Encoder {
        Encoder {
            segs: VecDeque::new(),
            head: 0,
            tail: Vec::with_capacity(BUF_CAPACITY),
            tail_head: 0,
            pending: 0,
            spare: Vec::new(),
            framing: Framing::V3,
            queued_total: 0,
            written_total: 0,
        }
    }

    pub(crate) fn set_framing(&mut self, framing: Framing) {
        self.framing = framing;
    }

    /// Unwritten bytes.
    pub(crate) fn pending(&self) -> usize {
        self.pending
    }

    /// Bytes ever queued / written (to tell whether a given frame went out).
    pub(crate) fn queued_total(&self) -> u64 {
        self.queued_total
    }

    pub(crate) fn written_total(&self) -> u64 {
        self.written_total
    }

    fn append(&mut self, bytes: &[u8]) {
        self.tail.extend_from_slice(bytes);
        self.pending += bytes.len();
        self.queued_total += len_u64(bytes.len());
    }

    /// Raw bytes (the greeting).
    pub(crate) fn raw(&mut self, bytes: &[u8]) {
        self.append(bytes);
    }

    fn header(&mut self, flags: u8, len: usize) {
        match self.framing {
            Framing::V2 | Framing::V3 => {
                let flags = if self.framing == Framing::V3 {
                    flags & (MORE | COMMAND)
                } else {
                    flags & MORE
                };
                if let Ok(short) = u8::try_from(len) {
                    self.append(&[flags, short]);
                } else {
                    let mut h = [0u8; 9];
                    h[0] = flags | LONG;
                    h[1..].copy_from_slice(&len_u64(len).to_be_bytes());
                    self.append(&h);
                }
            }
            Framing::V1 => {
                let flags = flags & MORE;
                let total = len_u64(len).saturating_add(1);
                match u8::try_from(total) {
                    Ok(short) if short != 0xFF => self.append(&[short, flags]),
                    _ => {
                        let mut h = [0u8; 10];
                        h[0] = 0xFF;
                        h[1..9].copy_from_slice(&total.to_be_bytes());
                        h[9] = flags;
                        self.append(&h);
                    }
                }
            }
        }
    }

    /// One frame whose body is the concatenation of `parts` (copied).
    pub(crate) fn frame_parts(&mut self, flags: u8, parts: &[&[u8]]) {
        let len = parts.iter().map(|p| p.len()).sum();
        self.header(flags, len);
        for p in parts {
            self.append(p);
        }
    }

    /// One message frame. Large heap bodies are queued by reference.
    pub(crate) fn frame_msg(&mut self, msg: &Msg) {
        let flags = if msg.more() { MORE } else { 0 };
        let len = msg.len();
        self.header(flags, len);
        if len >= ZERO_COPY_MIN && msg.is_heap() {
            self.push_shared(msg.to_bytes());
        } else {
            self.append(msg.data());
        }
    }

    /// A command frame: `name-len name parts...` (ZMTP 3.x only).
    pub(crate) fn command(&mut self, name: &[u8], parts: &[&[u8]]) {
        let name_len = [u8::try_from(name.len()).unwrap_or(u8::MAX)];
        let name = &name[..usize::from(name_len[0])];
        let len = 1 + name.len() + parts.iter().map(|p| p.len()).sum::<usize>();
        self.header(COMMAND, len);
        self.append(&name_len);
        self.append(name);
        for p in parts {
            self.append(p);
        }
    }

    fn push_shared(&mut self, body: Bytes) {
        if body.is_empty() {
            return;
        }
        if !self.tail.is_empty() {
            let fresh = self
                .spare
                .pop()
                .unwrap_or_else(|| Vec::with_capacity(BUF_CAPACITY));
            let closed = std::mem::replace(&mut self.tail, fresh);
            if self.segs.is_empty() {
                self.head = self.tail_head;
            }
            self.tail_head = 0;
            self.segs.push_back(Seg::Buf(closed));
        }
        self.pending += body.len();
        self.queued_total += len_u64(body.len());
        self.segs.push_back(Seg::Shared(body));
    }

    /// Fills `dst` with the unwritten output, oldest first; returns how many
    /// slices were filled.
    pub(crate) fn out_slices<'a>(&'a self, dst: &mut [IoSlice<'a>]) -> usize {
        let mut n = 0;
        let mut head = self.head;
        for seg in &self.segs {
            if n == dst.len() {
                return n;
            }
            let s = seg.as_slice().get(head..).unwrap_or_default();
            head = 0;
            if !s.is_empty() {
                dst[n] = IoSlice::new(s);
                n += 1;
            }
        }
        if n < dst.len() {
            let s = self.tail.get(self.tail_head..).unwrap_or_default();
            if !s.is_empty() {
                dst[n] = IoSlice::new(s);
                n += 1;
            }
        }
        n
    }

    /// Marks `n` bytes as written (clamped to what is pending).
    pub(crate) fn consume(&mut self, n: usize) {
        let mut n = n.min(self.pending);
        self.pending -= n;
        self.written_total += len_u64(n);
        while n > 0 {
            let Some(front) = self.segs.front() else {
                self.tail_head += n;
                break;
            };
            let rem = front.as_slice().len() - self.head;
            if n < rem {
                self.head += n;
                return;
            }
            n -= rem;
            self.head = 0;
            if let Some(Seg::Buf(mut v)) = self.segs.pop_front() {
                if self.spare.len() < MAX_SPARE && v.capacity() <= MAX_SPARE_CAPACITY {
                    v.clear();
                    self.spare.push(v);
                }
            }
        }
        if self.tail_head >= self.tail.len() {
            self.tail.clear();
            self.tail_head = 0;
        } else if self.tail_head > RECLAIM_PREFIX && self.tail_head * 2 > self.tail.len() {
            self.tail.drain(..self.tail_head);
            self.tail_head = 0;
        }
    }

    /// Copies all pending output into a vector and marks it written (tests
    /// only; the engine uses `out_slices`).
    #[cfg(test)]
    pub(crate) fn take_all(&mut self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.pending);
        loop {
            let mut slices = [IoSlice::new(&[]); 64];
            let n = self.out_slices(&mut slices);
            if n == 0 {
                break;
            }
            let mut copied = 0;
            for s in &slices[..n] {
                out.extend_from_slice(s);
                copied += s.len();
            }
            self.consume(copied);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zmtp::decoder::{Decoder, Limit};

    fn drain(e: &mut Encoder) -> Vec<u8> {
        e.take_all()
    }

    #[test]
    fn short_and_long_headers() {
        let mut e = Encoder::new();
        e.frame_msg(&Msg::from_slice(b"abc"));
        let mut m = Msg::from_vec(vec![1; 256]);
        m.set_more(true);
        e.frame_msg(&m);
        let out = drain(&mut e);
        assert_eq!(&out[..5], &[0, 3, b'a', b'b', b'c']);
        assert_eq!(out[5], MORE | LONG);
        assert_eq!(&out[6..14], &256u64.to_be_bytes());
        assert_eq!(out.len(), 5 + 9 + 256);
        assert_eq!(e.pending(), 0);
    }

    #[test]
    fn commands_and_v1_v2() {
        let mut e = Encoder::new();
        e.command(b"PING", &[&[0, 1], b"ctx"]);
        assert_eq!(drain(&mut e), b"\x04\x0a\x04PING\x00\x01ctx");
        e.set_framing(Framing::V2);
        e.frame_parts(MORE | COMMAND, &[b"ab"]);
        assert_eq!(drain(&mut e), b"\x01\x02ab");
        e.set_framing(Framing::V1);
        e.frame_parts(MORE, &[b"ab"]);
        e.frame_parts(0, &[&[5; 254]]);
        let out = drain(&mut e);
        assert_eq!(&out[..4], b"\x03\x01ab");
        assert_eq!(out[4], 0xFF);
        assert_eq!(&out[5..13], &255u64.to_be_bytes());
        assert_eq!(out[13], 0);
        assert_eq!(out.len(), 14 + 254);
    }

    #[test]
    fn large_bodies_are_not_copied() {
        let mut e = Encoder::new();
        let body = Msg::from_vec(vec![7u8; 100_000]);
        e.frame_msg(&Msg::from_slice(b"x"));
        e.frame_msg(&body);
        e.frame_msg(&Msg::from_slice(b"y"));
        let lens = |e: &Encoder| {
            let mut s = [IoSlice::new(&[]); 8];
            let n = e.out_slices(&mut s);
            s[..n].iter().map(|s| s.len()).collect::<Vec<_>>()
        };
        {
            let mut s = [IoSlice::new(&[]); 8];
            let n = e.out_slices(&mut s);
            assert_eq!(n, 3);
            // The middle slice is the message's own memory.
            assert_eq!(s[1].as_ptr(), body.data().as_ptr());
        }
        assert_eq!(lens(&e), vec![3 + 9, 100_000, 3]);
        assert_eq!(e.pending(), 3 + 9 + 100_000 + 3);
        // Partial writes across segment boundaries.
        e.consume(5);
        assert_eq!(lens(&e), vec![7, 100_000, 3]);
        e.consume(7 + 50_000);
        assert_eq!(lens(&e), vec![50_000, 3]);
        e.consume(1_000_000);
        assert_eq!(e.pending(), 0);
        assert!(lens(&e).is_empty());
    }

    #[test]
    fn round_trip_through_decoder() {
        let mut e = Encoder::new();
        let sizes = [0usize, 1, 33, 34, 255, 256, 8191, 8192, 65536, 1 << 20];
        for (i, &n) in sizes.iter().enumerate() {
            let mut m = Msg::from_vec((0..n).map(|x| (x * 7 + i) as u8).collect());
            m.set_more(i % 2 == 0);
            e.frame_msg(&m);
        }
        let wire = drain(&mut e);
        let mut d = Decoder::new();
        let mut pos = 0;
        let mut got = Vec::new();
        loop {
            while let Some(f) = d.next_frame(Limit::Message(u64::MAX)).unwrap() {
                got.push((f.flags, f.body.as_slice().to_vec()));
            }
            if pos == wire.len() {
                break;
            }
            let b = d.read_buf();
            let n = b.len().min(wire.len() - pos);
            b[..n].copy_from_slice(&wire[pos..pos + n]);
            d.commit(n);
            pos += n;
        }
        assert_eq!(got.len(), sizes.len());
        for (i, &n) in sizes.iter().enumerate() {
            assert_eq!(got[i].1.len(), n);
            assert_eq!(got[i].0 & MORE != 0, i % 2 == 0);
            assert!(got[i]
                .1
                .iter()
                .enumerate()
                .all(|(x, &b)| b == (x * 7 + i) as u8));
        }
    }

    #[test]
    fn buffers_are_reused() {
        let mut e = Encoder::new();
        for _ in 0..3 {
            for _ in 0..100 {
                e.frame_msg(&Msg::from_slice(b"0123456789"));
            }
            e.frame_msg(&Msg::from_vec(vec![0; 10_000]));
            drain(&mut e);
        }
        let cap = e.tail.capacity();
        for _ in 0..100 {
            e.frame_msg(&Msg::from_slice(b"0123456789"));
            let mut s = [IoSlice::new(&[]); 2];
            let n = e.out_slices(&mut s);
            let len: usize = s[..n].iter().map(|s| s.len()).sum();
            e.consume(len);
        }
        assert_eq!(e.tail.capacity(), cap);
        assert!(e.spare.len() <= MAX_SPARE);
    }
}
