//! STREAM: raw TCP peers. Each received chunk arrives as [routing id, data];
//! a message [routing id, data] is written to that peer as bytes, and
//! [routing id, empty] hangs up. With STREAM_NOTIFY (on by default) a
//! connection and a disconnection each show up as [routing id, empty].

use super::flag;
use crate::consts::*;
use crate::errno::{Errno, ZResult};
use crate::msg::Msg;
use crate::pipe::Room;
use crate::socket::fq::FairQueue;
use crate::socket::options::Options;
use crate::socket::pattern::Pattern;
use crate::socket::pipes::{PipeId, PipeSet};
use std::collections::{HashMap, VecDeque};

pub struct Stream {
    fq: FairQueue,
    by_id: HashMap<Vec<u8>, PipeId>,
    ids: HashMap<PipeId, Vec<u8>>,
    next_generated: u32,
    /// Frames ready for the application: notifications and the data frame
    /// behind a routing id already handed out.
    ready: VecDeque<Msg>,
    /// Where the data frame being sent goes (None = unknown peer, dropped).
    out: Option<PipeId>,
    send_more: bool,
    notify: bool,
}

impl Stream {
    pub fn new() -> Stream {
        Stream {
            fq: FairQueue::default(),
            by_id: HashMap::new(),
            ids: HashMap::new(),
            next_generated: std::process::id().wrapping_mul(2_654_435_761),
            ready: VecDeque::new(),
            out: None,
            send_more: false,
            notify: true,
        }
    }

    fn push_pair(&mut self, rid: &[u8], body: Msg) {
        let mut idf = Msg::from_slice(rid);
        idf.set_more(true);
        self.ready.push_back(idf);
        self.ready.push_back(body);
    }
}

impl Pattern for Stream {
    fn attach(&mut self, pipes: &mut PipeSet, id: PipeId, _: &Options) {
        let named = pipes.get(id).and_then(|p| p.connect_routing_id.clone());
        let rid = match named {
            Some(rid) if !self.by_id.contains_key(&rid) => rid,
            _ => loop {
                self.next_generated = self.next_generated.wrapping_add(1);
                let mut rid = vec![0u8];
                rid.extend_from_slice(&self.next_generated.to_be_bytes());
                if !self.by_id.contains_key(&rid) {
                    break rid;
                }
            },
        };
        self.by_id.insert(rid.clone(), id);
        self.ids.insert(id, rid.clone());
        self.fq.attach(id);
        if self.notify {
            self.push_pair(&rid, Msg::new());
        }
    }

    fn detach(&mut self, _: &mut PipeSet, id: PipeId) {
        self.fq.detach(id);
        if let Some(rid) = self.ids.remove(&id) {
            self.by_id.remove(&rid);
            if self.notify {
                self.push_pair(&rid, Msg::new());
            }
        }
        if self.out == Some(id) {
            self.out = None;
        }
    }

    fn send(&mut self, pipes: &mut PipeSet, msg: &mut Msg, _: &Options) -> ZResult<()> {
        if !self.send_more {
            // The routing id; it must be followed by the data frame.
            if !msg.more() {
                return Err(Errno::EINVAL);
            }
            let pid = *self.by_id.get(msg.data()).ok_or(Errno::EHOSTUNREACH)?;
            match pipes.get(pid).map(|p| p.room()) {
                Some(Room::Yes) => self.out = Some(pid),
                Some(Room::Full) => return Err(Errno::EAGAIN),
                _ => {
                    pipes.mark_dead(pid);
                    return Err(Errno::EHOSTUNREACH);
                }
            }
            self.send_more = true;
            *msg = Msg::new();
            return Ok(());
        }
        // The data frame: bytes for the wire; MORE has no meaning here.
        let mut data = std::mem::take(msg);
        data.set_more(false);
        let hang_up = data.is_empty();
        if let Some(p) = self.out.and_then(|pid| pipes.get(pid)) {
            p.write(data);
            p.flush();
        }
        if hang_up {
            // We hung up: the peer is gone for us now, and (as in libzmq)
            // no disconnect notification follows.
            if let Some(rid) = self.out.and_then(|pid| self.ids.remove(&pid)) {
                self.by_id.remove(&rid);
            }
        }
        self.out = None;
        self.send_more = false;
        Ok(())
    }

    fn recv(&mut self, pipes: &mut PipeSet, _: &Options) -> ZResult<Msg> {
        if let Some(m) = self.ready.pop_front() {
            return Ok(m);
        }
        let (mut m, pid) = self.fq.recv_from(pipes)?;
        let rid = self.ids.get(&pid).cloned().unwrap_or_default();
        m.set_more(false);
        let mut idf = Msg::from_vec(rid);
        idf.set_more(true);
        self.ready.push_back(m);
        Ok(idf)
    }

    fn has_in(&mut self, pipes: &mut PipeSet) -> bool {
        !self.ready.is_empty() || self.fq.has_in(pipes)
    }

    fn has_out(&mut self, _: &mut PipeSet) -> bool {
        true
    }

    fn read_activated(&mut self, _: &mut PipeSet, id: PipeId) {
        self.fq.activated(id);
    }

    fn write_activated(&mut self, _: &mut PipeSet, _: PipeId) {}

    fn set_option(&mut self, _: &mut PipeSet, opt: i32, val: &[u8], _: &Options) -> ZResult<()> {
        match opt {
            ZMQ_STREAM_NOTIFY => self.notify = flag(val)?,
            _ => return Err(Errno::EINVAL),
        }
        Ok(())
    }
}
