//! ZMTP 3.1 (RFC 37) connection core, sans I/O. Lives on the I/O thread that
//! owns the connection; depends only on `crate::msg` and `bytes`, does no
//! I/O, reads no clock (time is passed in as `Instant`), and has no `unsafe`.
//!
//! # How an engine drives a [`Connection`]
//!
//! ```text
//! let mut c = Connection::new(cfg, now);          // greeting (and READY) queued
//! // socket readable (mio is edge-triggered: loop until WouldBlock):
//! loop {
//!     let buf = c.read_buf();                      // empty => decode first
//!     if buf.is_empty() { break }                  //   (pipe full: stop reading)
//!     let n = match stream.read(buf) { Ok(0) => eof, Ok(n) => n, Err(WouldBlock) => break, .. };
//!     c.commit_read(n, now)?;
//!     while pipe_has_room {
//!         match c.poll_event(now)? {
//!             Some(Event::HandshakeDone(peer)) => attach the session,
//!             Some(Event::Message(m)) => push to the pipe (m.more() = more frames follow),
//!             Some(Event::ZapRequest(r)) => send to the ZAP handler; later
//!                 c.zap_reply(Some(&reply_frames)) (or None: no handler), then poll again,
//!             None => break,
//!         }
//!     }
//! }
//! // socket writable, or after c.send(&msg) / c.handle_timeout(now):
//! let mut iov = [IoSlice::new(&[]); 64];
//! let k = c.out_slices(&mut iov);  let n = stream.write_vectored(&iov[..k])?;  c.consume_out(n);
//! // stop pulling from the pipe while c.out_len() is above the batch limit (e.g. 256 KiB).
//! // timers: wake at c.next_deadline(), then c.handle_timeout(now)?.
//! ```
//!
//! Any `Err` except [`Error::NotReady`] is final: every later call returns
//! it again. Flush what `out_slices` still holds (an ERROR command after a
//! socket type mismatch), then close. Report
//! [`Error::protocol_error_code`] as `HANDSHAKE_FAILED_PROTOCOL` only when
//! `!is_handshake_done()`. A partial multipart message already delivered is
//! the socket layer's to roll back; the decoder never emits half a frame.
//!
//! # Buffering and memory (HARDENING.md T4, T5)
//!
//! - Input goes into one 16 KiB read buffer per connection, reused and
//!   decoded in place, many frames per read. Delivered bodies are copied
//!   out (inline up to 33 bytes, exact-size heap copy above), so a retained
//!   small message never pins the read buffer.
//! - A frame larger than 8 KiB whose body has not fully arrived is read
//!   straight into its own buffer (`read_buf` returns the unfilled part), no
//!   further copy. That buffer starts at min(size, 64 KiB) and doubles only
//!   when full: memory follows received bytes, never the declared size.
//! - Every declared size is checked as soon as its header is complete:
//!   against `handshake_frame_cap` until the handshake is done, MAXMSGSIZE
//!   after; sizes of 2^63 or more are malformed.
//! - Decoding is lazy: if the engine stops calling `poll_event`, at most the
//!   read buffer (or one body) stays held and `read_buf` returns empty.
//! - Output: headers and small bodies are appended to one reusable buffer
//!   (no allocation per message in steady state); heap bodies of 8 KiB or
//!   more are queued by reference and exposed through `out_slices`.
//! - At most one PONG is waiting to be written at any time.
//!
//! # Protocol choices
//!
//! - Greeting: padding and filler never validated; major >= 3 accepted
//!   (above 3 treated as 3.1); version byte 2 is `BadGreeting`; ZMTP 1.0
//!   (first byte not 0xFF or byte 9 bit 0 clear) and 2.0 peers are refused
//!   unless `accept_legacy`, in which case 1.0/2.0 framing and the identity
//!   exchange are spoken (heartbeats off; a ZMTP 1.0 peer of a PUB/XPUB is
//!   subscribed to everything, as libzmq does).
//! - Mechanism: `Config::security` picks it (see `mechanism`'s top comment
//!   for the interface: roles, handshake steps, the ZAP pause, per-frame
//!   wrapping). The name is compared over all 20 bytes. With ZAP enabled
//!   (a mechanism other than NULL, or a ZAP domain) ZMTP 1.0/2.0 peers are
//!   refused, as libzmq.
//! - READY: Socket-Type required and checked against the RFC 37 table
//!   (ERROR "Invalid socket type" is queued on mismatch); Identity at most
//!   255 bytes and, for a ROUTER, not starting with 0x00.
//! - Frames: reserved flag bits ignored; long form accepted for small sizes;
//!   a command with MORE set is malformed; unknown commands after the
//!   handshake ignored; SUBSCRIBE/CANCEL inside a multipart message is an
//!   `UnexpectedCommand`; ERROR after the handshake is `PeerError`.
//! - PING: TTL (2 bytes) required and context at most 16 bytes, else
//!   `MalformedCommand`; answered with PONG even when our heartbeats are off.
//! - Heartbeats: any received byte is a sign of life.
//!
//! Subscriptions: a PUB/XPUB receives SUBSCRIBE/CANCEL commands as
//! single-frame messages 0x01/0x00 + topic, the form ZMTP 3.0 peers send,
//! so the socket layer parses one form (other types ignore the commands).
//! For sending, `send` turns messages flagged [`SUBSCRIBE_FLAG`] (8) /
//! [`CANCEL_FLAG`] (16) into commands for 3.1 peers and 0x01/0x00 messages
//! for older ones (those values are the planned `msg::flags`; Msg cannot
//! carry them yet), and `send_subscription(cancel, topic)` does the same
//! from a topic. Plain 0x01/0x00 messages are sent as they are (libzmq does
//! the same for XSUB's user-sent subscriptions).

#![forbid(unsafe_code)]

pub mod command;
mod config;
mod connection;
mod decoder;
mod encoder;
mod error;
mod event;
mod frame;
#[doc(hidden)]
pub mod fuzzing;
pub mod greeting;
mod heartbeat;
pub mod mechanism;
pub mod socket_type;
#[cfg(test)]
mod testutil;

pub use config::{Config, ConfigError};
pub use connection::{Connection, CANCEL_FLAG, SUBSCRIBE_FLAG};
pub use error::{protocol_error, Error};
pub use event::{Event, PeerInfo};
pub use mechanism::MechanismKind;

/// Sizes of the buffering scheme, for engines sizing their budgets.
pub mod limits {
    /// The per-connection read buffer.
    pub const READ_BUF_SIZE: usize = super::decoder::READ_BUF_SIZE;
    /// Frames with a larger body are read directly into their own buffer.
    pub const DIRECT_MIN: usize = super::decoder::DIRECT_MIN;
    /// First allocation for such a body.
    pub const BODY_CHUNK: usize = super::decoder::BODY_CHUNK;
    /// Heap bodies at least this large are written without a copy.
    pub const ZERO_COPY_MIN: usize = super::encoder::ZERO_COPY_MIN;
}
