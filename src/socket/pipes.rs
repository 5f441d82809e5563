//! The socket's side of its pipes: one `Pipe` per peer, keyed by a socket-local
//! id, with what the socket learned about the peer (routing id, metadata).
//! Application thread.

use crate::msg::{Metadata, Msg};
use crate::pipe::{PipeEnd, Read, Room};
use std::sync::Arc;
use std::time::{Duration, Instant};

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
    /// A dropping pattern has found it full continuously since then.
    full_since: Option<Instant>,
    /// An inproc peer's (SNDHWM, RCVHWM): each queue's limit is the sum of
    /// both sides' HWMs, also when one side changes its own later.
    pub inproc_hwms: Option<(i32, i32)>,
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
            full_since: None,
            inproc_hwms: None,
        }
    }

    /// Whether the pipe leads to an I/O thread rather than an inproc peer.
    pub fn is_networked(&self) -> bool {
        !self.endpoint.starts_with("inproc://")
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

/// Every pipe of a socket, in a slab: a `PipeId` is a slot index plus the
/// slot's generation, so lookups on the per-message path are an index, and
/// an event for a pipe that is gone never reaches a pipe reusing its slot.
#[derive(Default)]
pub struct PipeSet {
    slots: Vec<Slot>,
    free: Vec<u32>,
    len: usize,
    /// How many pipes lead to an I/O thread (not inproc).
    networked: usize,
    /// Messages a dropping pattern could not give a peer at its HWM (one
    /// per peer and message).
    pub hwm_drops: u64,
    /// Peers' subscriptions refused for their length or the trie's size.
    pub rejected_subscriptions: u64,
    /// Evict a peer a dropping pattern found full this long (None = never).
    pub stall_evict: Option<Duration>,
    /// Each pipe's byte cap while the memory budget constrains the socket.
    pub budget_share: Option<u64>,
    /// Messages a dropping pattern could not give a peer over its share.
    pub budget_drops: u64,
    /// Peers evicted since the socket last looked: (endpoint, stalled for).
    pub evicted: Vec<(String, Duration)>,
    /// Pipes a pattern found closed; the socket detaches them afterwards.
    pub dead: Vec<PipeId>,
    /// The pipe the last received frame came from (for its metadata).
    pub last_read: Option<PipeId>,
}

#[derive(Default)]
struct Slot {
    generation: u32,
    pipe: Option<Pipe>,
}

fn split(id: PipeId) -> (usize, u32) {
    ((id & 0xFFFF_FFFF) as usize, (id >> 32) as u32)
}

impl PipeSet {
    pub fn with_stall_evict(stall_evict: Option<Duration>) -> PipeSet {
        PipeSet {
            stall_evict,
            ..PipeSet::default()
        }
    }

    /// Stores a pipe and returns its id.
    pub fn insert(&mut self, pipe: Pipe) -> PipeId {
        let index = match self.free.pop() {
            Some(i) => i as usize,
            None => {
                self.slots.push(Slot::default());
                self.slots.len() - 1
            }
        };
        self.networked += pipe.is_networked() as usize;
        let slot = &mut self.slots[index];
        slot.generation = slot.generation.wrapping_add(1);
        slot.pipe = Some(pipe);
        self.len += 1;
        ((slot.generation as u64) << 32) | index as u64
    }

    pub fn get(&mut self, id: PipeId) -> Option<&mut Pipe> {
        let (index, generation) = split(id);
        match self.slots.get_mut(index) {
            Some(s) if s.generation == generation => s.pipe.as_mut(),
            _ => None,
        }
    }

    pub fn contains(&self, id: PipeId) -> bool {
        let (index, generation) = split(id);
        matches!(self.slots.get(index), Some(s) if s.generation == generation && s.pipe.is_some())
    }

    pub fn remove(&mut self, id: PipeId) -> Option<Pipe> {
        let (index, generation) = split(id);
        let slot = self.slots.get_mut(index)?;
        if slot.generation != generation {
            return None;
        }
        let pipe = slot.pipe.take()?;
        self.free.push(index as u32);
        self.len -= 1;
        self.networked -= pipe.is_networked() as usize;
        Some(pipe)
    }

    pub fn len(&self) -> usize {
        self.len
    }

    /// Pipes to inproc peers.
    pub fn inproc_len(&self) -> usize {
        self.len - self.networked
    }

    /// Whether every peer is an application thread on inproc (and there is
    /// at least one): then it is worth spinning briefly before sleeping.
    pub fn all_inproc(&self) -> bool {
        self.len > 0 && self.networked == 0
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Every pipe with its id.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (PipeId, &mut Pipe)> {
        self.slots.iter_mut().enumerate().filter_map(|(i, s)| {
            let g = s.generation;
            s.pipe.as_mut().map(|p| (((g as u64) << 32) | i as u64, p))
        })
    }

    /// Removes and returns every pipe.
    pub fn take_all(&mut self) -> Vec<Pipe> {
        self.free.clear();
        self.len = 0;
        self.networked = 0;
        let mut out = Vec::new();
        for (i, s) in self.slots.iter_mut().enumerate() {
            if let Some(p) = s.pipe.take() {
                out.push(p);
            }
            self.free.push(i as u32);
        }
        out
    }

    /// A dropping pattern could not give `id` a message (HWM): count the
    /// drop, and evict the peer once it has been full for `stall_evict`.
    pub fn dropped_at_hwm(&mut self, id: PipeId) {
        let share = self.budget_share;
        let over_share =
            share.is_some_and(|share| self.get(id).is_some_and(|p| p.end.out.queued().1 >= share));
        if over_share {
            self.budget_drops += 1;
        } else {
            self.hwm_drops += 1;
        }
        let Some(limit) = self.stall_evict else {
            return;
        };
        let now = Instant::now();
        let Some(p) = self.get(id) else { return };
        let since = *p.full_since.get_or_insert(now);
        let stalled = now.duration_since(since);
        if stalled >= limit {
            // Its connection ends now, without flushing what it never took.
            p.end.out.abort();
            let endpoint = p.endpoint.clone();
            self.evicted.push((endpoint, stalled));
            self.mark_dead(id);
        }
    }

    /// `id` took a message: it is not stalled.
    pub fn has_room(&mut self, id: PipeId) {
        if self.stall_evict.is_some() {
            if let Some(p) = self.get(id) {
                p.full_since = None;
            }
        }
    }

    pub fn mark_dead(&mut self, id: PipeId) {
        if !self.dead.contains(&id) {
            self.dead.push(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipe::{pipe_pair, Limits};

    fn pipe() -> Pipe {
        let (a, _b) = pipe_pair(Limits::default(), Limits::default());
        Pipe::new(a, String::new())
    }

    #[test]
    fn stale_ids_never_reach_a_reused_slot() {
        let mut set = PipeSet::default();
        let a = set.insert(pipe());
        assert!(set.remove(a).is_some());
        let b = set.insert(pipe());
        assert_ne!(a, b);
        assert!(set.get(a).is_none());
        assert!(!set.contains(a));
        assert!(set.get(b).is_some());
        assert_eq!(set.len(), 1);
        assert_eq!(set.iter_mut().count(), 1);
        assert_eq!(set.take_all().len(), 1);
        assert!(set.is_empty());
    }
}
