//! ROUTER: every received message is prefixed with the routing id of the peer
//! it came from; a sent message's first frame names the peer it goes to.
//! With the deprecated ZMQ_ROUTER_RAW it becomes a raw router, as in libzmq:
//! peers are plain TCP connections (no ZMTP) served by STREAM's pattern.

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
use super::stream::Stream;

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
    /// ZMQ_ROUTER_RAW was set: everything goes to this pattern.
    raw: Option<Stream>,
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
            raw: None,
        }
    }

    /// Switches to a raw router. libzmq has no way back (ROUTER_RAW 0 later
    /// leaves its connections raw), and neither has this. Peers already
    /// attached are handed to the raw pattern, which names them afresh.
    fn go_raw(&mut self, pipes: &mut PipeSet, opts: &Options) {
        let mut raw = Stream::raw_router(self.mandatory);
        let ids: Vec<PipeId> = pipes.iter_mut().map(|(id, _)| id).collect();
        for id in ids {
            self.fq.detach(id);
            raw.attach(pipes, id, opts);
        }
        self.ids = RoutingIds::new();
        self.raw = Some(raw);
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
    fn attach(&mut self, pipes: &mut PipeSet, id: PipeId, o: &Options) {
        if let Some(r) = &mut self.raw {
            return r.attach(pipes, id, o);
        }
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

    fn detach(&mut self, pipes: &mut PipeSet, id: PipeId) {
        if let Some(r) = &mut self.raw {
            return r.detach(pipes, id);
        }
        self.fq.detach(id);
        self.ids.remove_pipe(id);
        if self.out == Some(id) {
            self.out = None;
        }
    }

    fn send(&mut self, pipes: &mut PipeSet, msg: &mut Msg, o: &Options) -> ZResult<()> {
        if let Some(r) = &mut self.raw {
            return r.send(pipes, msg, o);
        }
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

    fn recv(&mut self, pipes: &mut PipeSet, o: &Options) -> ZResult<Msg> {
        if let Some(r) = &mut self.raw {
            return r.recv(pipes, o);
        }
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
        if let Some(r) = &mut self.raw {
            return r.has_in(pipes);
        }
        self.prefetched.is_some() || self.fq.has_in(pipes)
    }

    fn has_out(&mut self, pipes: &mut PipeSet) -> bool {
        if let Some(r) = &mut self.raw {
            return r.has_out(pipes);
        }
        if !self.mandatory {
            return true;
        }
        let ids: Vec<PipeId> = self.ids.pipes().collect();
        ids.into_iter()
            .any(|id| matches!(pipes.get(id).map(|p| p.room()), Some(Room::Yes)))
    }

    fn read_activated(&mut self, pipes: &mut PipeSet, id: PipeId) {
        if let Some(r) = &mut self.raw {
            return r.read_activated(pipes, id);
        }
        self.identify(pipes, id);
        self.fq.activated(id);
    }

    fn write_activated(&mut self, pipes: &mut PipeSet, id: PipeId) {
        if let Some(r) = &mut self.raw {
            r.write_activated(pipes, id);
        }
    }

    fn set_option(
        &mut self,
        pipes: &mut PipeSet,
        opt: i32,
        val: &[u8],
        o: &Options,
    ) -> ZResult<()> {
        match opt {
            ZMQ_ROUTER_RAW => {
                if flag(val)? && self.raw.is_none() {
                    self.go_raw(pipes, o);
                }
            }
            ZMQ_ROUTER_MANDATORY => {
                self.mandatory = flag(val)?;
                if let Some(r) = &mut self.raw {
                    r.set_mandatory(self.mandatory);
                }
            }
            ZMQ_ROUTER_HANDOVER => self.handover = flag(val)?,
            ZMQ_PROBE_ROUTER => self.probe = flag(val)?,
            _ => return Err(Errno::EINVAL),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guard::{Defaults, Profile};
    use crate::pipe::{pipe_pair, Limits, PipeEnd, Read};
    use crate::socket::pipes::Pipe;

    fn opts() -> Options {
        Options::new(ZMQ_ROUTER, &Defaults::for_profile(Profile::Compat), true)
    }

    fn frame(data: &[u8], more: bool) -> Msg {
        let mut m = Msg::from_slice(data);
        m.set_more(more);
        m
    }

    /// A raw router with one attached peer; returns the peer's end and id.
    fn raw_router(hwm: u64) -> (Router, PipeSet, PipeEnd, Vec<u8>) {
        let o = opts();
        let mut r = Router::new();
        let mut pipes = PipeSet::default();
        r.set_option(&mut pipes, ZMQ_ROUTER_RAW, &1i32.to_ne_bytes(), &o)
            .unwrap();
        let lim = Limits {
            hwm,
            ..Limits::default()
        };
        let (ours, mut theirs) = pipe_pair(lim, lim);
        let id = pipes.insert(Pipe::new(ours, "tcp://127.0.0.1:1".into()));
        r.attach(&mut pipes, id, &o);
        // The session's connect notification arrives as [id, ""].
        theirs.out.write(Msg::new());
        theirs.out.flush();
        let rid = r.recv(&mut pipes, &o).unwrap();
        assert!(rid.more());
        assert!(r.recv(&mut pipes, &o).unwrap().is_empty());
        (r, pipes, theirs, rid.data().to_vec())
    }

    #[test]
    fn raw_router_routes_as_a_router() {
        let o = opts();
        let (mut r, mut pipes, mut peer, rid) = raw_router(0);
        // Unroutable: dropped, no error.
        r.send(&mut pipes, &mut frame(b"nobody", true), &o).unwrap();
        r.send(&mut pipes, &mut frame(b"x", false), &o).unwrap();
        // Routed: only the data frame reaches the connection.
        r.send(&mut pipes, &mut frame(&rid, true), &o).unwrap();
        r.send(&mut pipes, &mut frame(b"bytes", true), &o).unwrap();
        match peer.inp.read() {
            Read::Msg(m) => assert_eq!((m.data(), m.more()), (&b"bytes"[..], false)),
            _ => panic!("nothing written"),
        }
        // MANDATORY (after ROUTER_RAW) makes an unknown id an error.
        r.set_option(&mut pipes, ZMQ_ROUTER_MANDATORY, &1i32.to_ne_bytes(), &o)
            .unwrap();
        assert_eq!(
            r.send(&mut pipes, &mut frame(b"nobody", true), &o),
            Err(Errno::EHOSTUNREACH)
        );
    }

    #[test]
    fn raw_router_full_peer_drops_or_eagain() {
        let o = opts();
        let (mut r, mut pipes, _peer, rid) = raw_router(1);
        for _ in 0..3 {
            r.send(&mut pipes, &mut frame(&rid, true), &o).unwrap();
            r.send(&mut pipes, &mut frame(b"b", false), &o).unwrap();
        }
        r.set_option(&mut pipes, ZMQ_ROUTER_MANDATORY, &1i32.to_ne_bytes(), &o)
            .unwrap();
        assert_eq!(
            r.send(&mut pipes, &mut frame(&rid, true), &o),
            Err(Errno::EAGAIN)
        );
    }

    #[test]
    fn router_raw_takes_non_negative_ints_only() {
        let o = opts();
        let mut r = Router::new();
        let mut pipes = PipeSet::default();
        let set =
            |r: &mut Router, p: &mut PipeSet, v: &[u8]| r.set_option(p, ZMQ_ROUTER_RAW, v, &o);
        assert_eq!(
            set(&mut r, &mut pipes, &(-1i32).to_ne_bytes()),
            Err(Errno::EINVAL)
        );
        assert_eq!(
            set(&mut r, &mut pipes, &1i64.to_ne_bytes()),
            Err(Errno::EINVAL)
        );
        assert_eq!(set(&mut r, &mut pipes, &0i32.to_ne_bytes()), Ok(()));
        assert!(r.raw.is_none());
        assert_eq!(set(&mut r, &mut pipes, &5i32.to_ne_bytes()), Ok(()));
        assert!(r.raw.is_some());
    }
}
