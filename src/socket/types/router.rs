//! ROUTER: every received message is prefixed with the routing id of the peer
//! it came from; a sent message's first frame names the peer it goes to.

use super::flag;
use crate::consts::*;
use crate::errno::{Errno, ZResult};
use crate::msg::Msg;
use crate::pipe::Room;
use crate::socket::fq::FairQueue;
use crate::socket::options::Options;
use crate::socket::pattern::Pattern;
use crate::socket::pipes::{PipeId, PipeSet};

use super::ids::RoutingIds;

pub struct Router {
    fq: FairQueue,
    /// Identified peers.
    ids: RoutingIds,
    /// The body frame read while we returned the routing id frame.
    prefetched: Option<Msg>,
    /// Inside a received multipart message.
    recv_more: bool,
    /// Where the current outgoing message goes (None = being dropped).
    out: Option<PipeId>,
    send_more: bool,
    mandatory: bool,
    handover: bool,
    probe: bool,
}

impl Router {
    pub fn new() -> Router {
        Router {
            fq: FairQueue::default(),
            ids: RoutingIds::new(),
            prefetched: None,
            recv_more: false,
            out: None,
            send_more: false,
            mandatory: false,
            handover: false,
            probe: false,
        }
    }

    /// Gives a pipe its routing id once its introduction has arrived.
    fn identify(&mut self, pipes: &mut PipeSet, id: PipeId) -> bool {
        if self.ids.has_pipe(id) {
            return true;
        }
        let Some(p) = pipes.get(id) else { return false };
        if !p.identify() && p.connect_routing_id.is_none() {
            return false;
        }
        let wanted = p
            .connect_routing_id
            .clone()
            .or_else(|| (!p.routing_id.is_empty()).then(|| p.routing_id.clone()));
        let rid = match wanted {
            Some(rid) => {
                if let Some(old) = self.ids.pipe(&rid) {
                    if !self.handover {
                        // Duplicate identity: turn the newcomer away.
                        pipes.mark_dead(id);
                        return false;
                    }
                    self.ids.remove_pipe(old);
                    pipes.mark_dead(old);
                }
                rid
            }
            None => self.ids.generate(),
        };
        self.ids.insert(rid, id);
        true
    }
}

impl Pattern for Router {
    fn attach(&mut self, pipes: &mut PipeSet, id: PipeId, _: &Options) {
        if self.probe {
            // The probe goes first on every new pipe, whether or not the
            // peer is known yet (a connect's pipe exists before its peer).
            if let Some(p) = pipes.get(id) {
                p.write(Msg::new());
                p.flush();
            }
        }
        self.identify(pipes, id);
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
        if !self.send_more {
            // First frame: the routing id.
            self.out = None;
            if msg.more() {
                let target = self.ids.pipe(msg.data());
                match target {
                    Some(pid) => match pipes.get(pid).map(|p| p.room()) {
                        Some(Room::Yes) => {
                            pipes.has_room(pid);
                            self.out = Some(pid)
                        }
                        Some(Room::Full) if self.mandatory => return Err(Errno::EAGAIN),
                        Some(Room::Full) => pipes.dropped_at_hwm(pid),
                        Some(Room::Closed) => pipes.mark_dead(pid),
                        None => {}
                    },
                    None if self.mandatory => return Err(Errno::EHOSTUNREACH),
                    None => {}
                }
            }
            self.send_more = msg.more();
            *msg = Msg::new();
            return Ok(());
        }
        let more = msg.more();
        if let Some(pid) = self.out {
            if let Some(p) = pipes.get(pid) {
                p.write(std::mem::take(msg));
                if !more {
                    p.flush();
                }
            }
        }
        *msg = Msg::new();
        self.send_more = more;
        if !more {
            self.out = None;
        }
        Ok(())
    }

    fn recv(&mut self, pipes: &mut PipeSet, _: &Options) -> ZResult<Msg> {
        if let Some(m) = self.prefetched.take() {
            self.recv_more = m.more();
            return Ok(m);
        }
        loop {
            let (m, pid) = self.fq.recv_from(pipes)?;
            if !self.recv_more && !self.identify(pipes, pid) {
                // Not yet identified (or refused): drop the message.
                self.fq.skip_rest(pipes, m.more());
                continue;
            }
            if self.recv_more {
                self.recv_more = m.more();
                return Ok(m);
            }
            // Start of a message: hand out the routing id first.
            let rid = self.ids.id(pid).map(<[u8]>::to_vec).unwrap_or_default();
            let mut idf = Msg::from_vec(rid);
            idf.set_more(true);
            self.prefetched = Some(m);
            self.recv_more = true;
            return Ok(idf);
        }
    }

    fn has_in(&mut self, pipes: &mut PipeSet) -> bool {
        self.prefetched.is_some() || self.fq.has_in(pipes)
    }

    fn has_out(&mut self, pipes: &mut PipeSet) -> bool {
        if !self.mandatory {
            return true;
        }
        let ids: Vec<PipeId> = self.ids.pipes().collect();
        ids.into_iter()
            .any(|id| matches!(pipes.get(id).map(|p| p.room()), Some(Room::Yes)))
    }

    fn read_activated(&mut self, pipes: &mut PipeSet, id: PipeId) {
        self.identify(pipes, id);
        self.fq.activated(id);
    }

    fn write_activated(&mut self, _: &mut PipeSet, _: PipeId) {}

    fn set_option(&mut self, _: &mut PipeSet, opt: i32, val: &[u8], _: &Options) -> ZResult<()> {
        match opt {
            ZMQ_ROUTER_MANDATORY => self.mandatory = flag(val)?,
            ZMQ_ROUTER_HANDOVER => self.handover = flag(val)?,
            ZMQ_PROBE_ROUTER => self.probe = flag(val)?,
            _ => return Err(Errno::EINVAL),
        }
        Ok(())
    }
}
