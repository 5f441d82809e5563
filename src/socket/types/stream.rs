//! STREAM: raw TCP peers. Each received chunk arrives as [routing id, data];
//! a message [routing id, data] is written to that peer as bytes, and
//! [routing id, empty] hangs up. With STREAM_NOTIFY (on by default) a
//! connection and a disconnection each show up as [routing id, empty].
//! A ROUTER with the deprecated ZMQ_ROUTER_RAW runs this pattern too, with
//! ROUTER's send rules (unroutable and over-HWM messages are dropped unless
//! ROUTER_MANDATORY).
//!
//! As in libzmq, a pipe lives as long as its session: a connect's pipe (and
//! routing id) exists from zmq_connect on and survives reconnects, so the
//! notifications are empty frames the session puts in the pipe when a
//! connection starts and ends; data frames are never empty.

use crate::consts::*;
use crate::errno::{Errno, ZResult};
use crate::msg::Msg;
use crate::pipe::Room;
use crate::socket::fq::FairQueue;
use crate::socket::options::{OptValue, Options};
use crate::socket::pattern::Pattern;
use crate::socket::pipes::{PipeId, PipeSet};
use std::collections::VecDeque;

use super::ids::RoutingIds;

pub struct Stream {
    fq: FairQueue,
    ids: RoutingIds,
    /// Frames ready for the application: the data frame behind a routing
    /// id handed out (or both, prefetched by `has_in`).
    ready: VecDeque<Msg>,
    /// Where the data frame being sent goes (None = unknown peer, dropped).
    out: Option<PipeId>,
    send_more: bool,
    notify: bool,
    /// Some(mandatory): a raw ROUTER (ZMQ_ROUTER_RAW).
    raw_router: Option<bool>,
    /// The last routing id generated for a peer: libzmq stores it as the
    /// socket's ZMQ_ROUTING_ID, which is how a connecting STREAM learns the
    /// id of the peer it just connected to.
    last_generated: Option<Vec<u8>>,
}

impl Stream {
    pub fn new() -> Stream {
        Stream {
            fq: FairQueue::default(),
            ids: RoutingIds::new(),
            ready: VecDeque::new(),
            out: None,
            send_more: false,
            notify: true,
            raw_router: None,
            last_generated: None,
        }
    }

    /// A raw ROUTER: STREAM's wire and frames, ROUTER's send rules.
    pub fn raw_router(mandatory: bool) -> Stream {
        Stream {
            raw_router: Some(mandatory),
            ..Stream::new()
        }
    }

    pub fn set_mandatory(&mut self, on: bool) {
        if self.raw_router.is_some() {
            self.raw_router = Some(on);
        }
    }

    /// ROUTER's rules for a routing id frame: where the data frame goes
    /// (None: dropped), or the error ROUTER_MANDATORY asks for.
    fn route_as_router(
        &mut self,
        pipes: &mut PipeSet,
        msg: &Msg,
        mandatory: bool,
    ) -> ZResult<Option<PipeId>> {
        if !msg.more() {
            // A lone frame is not a message for anyone: dropped.
            return Ok(None);
        }
        let Some(pid) = self.ids.pipe(msg.data()) else {
            return if mandatory {
                Err(Errno::EHOSTUNREACH)
            } else {
                Ok(None)
            };
        };
        match pipes.get(pid).map(|p| p.room()) {
            Some(Room::Yes) => Ok(Some(pid)),
            Some(Room::Full) if mandatory => Err(Errno::EAGAIN),
            Some(Room::Full) => {
                pipes.dropped_at_hwm(pid);
                Ok(None)
            }
            _ => {
                pipes.mark_dead(pid);
                if mandatory {
                    Err(Errno::EHOSTUNREACH)
                } else {
                    Ok(None)
                }
            }
        }
    }

    /// Moves the next frame from a peer into `ready` as [routing id, data].
    /// Frames from peers we hung up on, and notifications when they are
    /// off, are dropped on the way. Returns whether `ready` has a frame.
    fn fetch(&mut self, pipes: &mut PipeSet) -> bool {
        while self.ready.is_empty() {
            let Ok((mut m, pid)) = self.fq.recv_from(pipes) else {
                return false;
            };
            let Some(rid) = self.ids.id(pid) else {
                continue; // we hung up on it: what it still sent is dropped
            };
            if m.is_empty() && !self.notify {
                continue;
            }
            let mut idf = Msg::from_slice(rid);
            idf.set_more(true);
            m.set_more(false);
            self.ready.push_back(idf);
            self.ready.push_back(m);
        }
        true
    }
}

impl Pattern for Stream {
    fn attach(&mut self, pipes: &mut PipeSet, id: PipeId, _: &Options) {
        let named = pipes.get(id).and_then(|p| p.connect_routing_id.clone());
        let rid = match named {
            Some(rid) if self.ids.pipe(&rid).is_none() => rid,
            _ => {
                let rid = self.ids.generate();
                self.last_generated = Some(rid.clone());
                rid
            }
        };
        self.ids.insert(rid, id);
        self.fq.attach(id);
    }

    fn detach(&mut self, _: &mut PipeSet, id: PipeId) {
        self.fq.detach(id);
        self.ids.remove_pipe(id);
        if self.out == Some(id) {
            self.out = None;
        }
    }

    fn send(&mut self, pipes: &mut PipeSet, msg: &mut Msg, _: &Options) -> ZResult<()> {
        if let (false, Some(mandatory)) = (self.send_more, self.raw_router) {
            self.out = self.route_as_router(pipes, msg, mandatory)?;
            self.send_more = msg.more();
            *msg = Msg::new();
            return Ok(());
        }
        if !self.send_more {
            // The routing id; it must be followed by the data frame.
            if !msg.more() {
                return Err(Errno::EINVAL);
            }
            let pid = self.ids.pipe(msg.data()).ok_or(Errno::EHOSTUNREACH)?;
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
            // An empty frame travels too: the session closes the
            // connection once everything before it is written.
            p.write(data);
            p.flush();
        }
        if hang_up {
            // We hung up: the peer is gone for us now, and (as in libzmq)
            // no disconnect notification follows. The pipe goes when its
            // session ends.
            if let Some(pid) = self.out {
                self.ids.remove_pipe(pid);
            }
        }
        self.out = None;
        self.send_more = false;
        Ok(())
    }

    fn recv(&mut self, pipes: &mut PipeSet, _: &Options) -> ZResult<Msg> {
        if self.fetch(pipes) {
            if let Some(m) = self.ready.pop_front() {
                return Ok(m);
            }
        }
        Err(Errno::EAGAIN)
    }

    fn has_in(&mut self, pipes: &mut PipeSet) -> bool {
        self.fetch(pipes)
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
            // Only 0 and 1, as libzmq.
            ZMQ_STREAM_NOTIFY if self.raw_router.is_none() => {
                self.notify = match <[u8; 4]>::try_from(val).map(i32::from_ne_bytes) {
                    Ok(0) => false,
                    Ok(1) => true,
                    _ => return Err(Errno::EINVAL),
                }
            }
            ZMQ_ROUTING_ID if self.raw_router.is_none() => {
                // The caller's own id wins until the next peer arrives; the
                // generic options store it (EINVAL passes it on).
                self.last_generated = None;
                return Err(Errno::EINVAL);
            }
            _ => return Err(Errno::EINVAL),
        }
        Ok(())
    }

    fn get_option(&self, opt: i32) -> ZResult<OptValue> {
        match (opt, &self.last_generated) {
            (ZMQ_ROUTING_ID, Some(rid)) => Ok(OptValue::Bin(rid.clone())),
            _ => Err(Errno::EINVAL),
        }
    }
}
