//! The socket's side of its pipes: one `Pipe` per peer, keyed by a socket-local
//! id, with what the socket learned about the peer (routing id, metadata).
//! Application thread.

use crate::msg::{Metadata, Msg};
use crate::pipe::{PipeEnd, Read, Room};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

pub type PipeId = u64;

pub struct Pipe {
    pub end: PipeEnd,
    /// The peer's routing id (its ROUTING_ID, or one we generated).
    pub routing_id: Vec<u8>,
    /// Whether the peer's introduction (first command frame) was read.
    pub identified: bool,
    pub meta: Option<Arc<Metadata>>,
    /// Which bind/connect created it (for unbind/disconnect).
    pub endpoint: String,
    /// Set by zmq_connect with CONNECT_ROUTING_ID.
    pub connect_routing_id: Option<Vec<u8>>,
}

/// Introductions travel in the pipe ahead of data: a command frame whose body
/// is the peer's routing id and whose metadata is the peer's properties.
pub fn introduction(routing_id: &[u8], meta: Option<Arc<Metadata>>) -> Msg {
    let mut m = Msg::from_slice(routing_id);
    m.set_command(true);
    m.set_metadata(meta);
    m
}

impl Pipe {
    pub fn new(end: PipeEnd, endpoint: String) -> Pipe {
        Pipe {
            end,
            routing_id: Vec::new(),
            identified: false,
            meta: None,
            endpoint,
            connect_routing_id: None,
        }
    }

    /// Reads the next data frame, applying introductions on the way.
    pub fn read(&mut self) -> Read {
        loop {
            match self.end.inp.read() {
                Read::Msg(m) if m.is_command() => {
                    self.routing_id = m.data().to_vec();
                    self.meta = m.metadata().cloned();
                    self.identified = true;
                }
                // Connection metadata is attached by the socket, only for
                // callers that can read it (zmq_msg_recv).
                Read::Msg(m) => return Read::Msg(m),
                other => return other,
            }
        }
    }

    /// Applies a pending introduction, if it is next. Returns `identified`.
    pub fn identify(&mut self) -> bool {
        while !self.identified {
            match self.end.inp.peek() {
                Some(m) if m.is_command() => {
                    let _ = self.read_command();
                }
                _ => break,
            }
        }
        self.identified
    }

    fn read_command(&mut self) -> Option<()> {
        if let Read::Msg(m) = self.end.inp.read() {
            self.routing_id = m.data().to_vec();
            self.meta = m.metadata().cloned();
            self.identified = true;
            return Some(());
        }
        None
    }

    pub fn has_data(&mut self) -> bool {
        loop {
            match self.end.inp.peek() {
                Some(m) if m.is_command() => {
                    let _ = self.read_command();
                }
                Some(_) => return true,
                None => return false,
            }
        }
    }

    pub fn room(&mut self) -> Room {
        self.end.out.room()
    }

    pub fn write(&mut self, msg: Msg) {
        self.end.out.write(msg);
    }

    pub fn flush(&mut self) {
        self.end.out.flush();
    }
}

/// Pipe ids are small sequential numbers chosen by the socket, not input
/// from peers, so a multiplicative hash is enough (and several times
/// cheaper than SipHash on the per-message path).
#[derive(Default)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ b as u64).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// Every pipe of a socket plus the ones found dead during an operation.
#[derive(Default)]
pub struct PipeSet {
    pub map: HashMap<PipeId, Pipe, BuildHasherDefault<IdHasher>>,
    /// Pipes a pattern found closed; the socket detaches them afterwards.
    pub dead: Vec<PipeId>,
    /// The pipe the last received frame came from (for its metadata).
    pub last_read: Option<PipeId>,
}

impl PipeSet {
    pub fn get(&mut self, id: PipeId) -> Option<&mut Pipe> {
        self.map.get_mut(&id)
    }

    pub fn mark_dead(&mut self, id: PipeId) {
        if !self.dead.contains(&id) {
            self.dead.push(id);
        }
    }
}
