//! REQ (strict request/reply alternation over a DEALER) and REP (replies go
//! back along the envelope of the request, over a ROUTER-like fair queue).

use super::flag;
use super::pipeline::Dealer;
use crate::consts::*;
use crate::errno::{Errno, ZResult};
use crate::msg::Msg;
use crate::pipe::Room;
use crate::socket::fq::FairQueue;
use crate::socket::options::Options;
use crate::socket::pattern::Pattern;
use crate::socket::pipes::{PipeId, PipeSet};

#[derive(Default)]
pub struct Req {
    dealer: Dealer,
    /// A request went out; a reply is expected.
    receiving_reply: bool,
    /// Next frame sent starts a new request.
    sending_body: bool,
    /// Next frame received starts a new reply.
    reply_started: bool,
    reply_pipe: Option<PipeId>,
    request_id: u32,
    relaxed: bool,
    correlate: bool,
}

impl Pattern for Req {
    fn attach(&mut self, pipes: &mut PipeSet, id: PipeId, opts: &Options) {
        self.dealer.attach(pipes, id, opts);
    }

    fn detach(&mut self, pipes: &mut PipeSet, id: PipeId) {
        if self.reply_pipe == Some(id) {
            self.reply_pipe = None;
        }
        self.dealer.detach(pipes, id);
    }

    fn send(&mut self, pipes: &mut PipeSet, msg: &mut Msg, opts: &Options) -> ZResult<()> {
        if !self.sending_body {
            if self.receiving_reply {
                if !self.relaxed {
                    return Err(Errno::EFSM);
                }
                // Relaxed: give up on the outstanding reply.
                self.receiving_reply = false;
                self.reply_pipe = None;
            }
            // The envelope: [request id] + empty delimiter, on one pipe.
            self.request_id = self.request_id.wrapping_add(1);
            let first = if self.correlate {
                let mut id = Msg::from_slice(&self.request_id.to_ne_bytes());
                id.set_more(true);
                id
            } else {
                let mut d = Msg::new();
                d.set_more(true);
                d
            };
            let mut first = first;
            let pipe = self.dealer.lb.send(pipes, &mut first)?;
            if self.correlate {
                let mut d = Msg::new();
                d.set_more(true);
                self.dealer.lb.send(pipes, &mut d)?;
            }
            self.reply_pipe = pipe;
            self.sending_body = true;
        }
        let more = msg.more();
        self.dealer.send(pipes, msg, opts)?;
        if !more {
            self.sending_body = false;
            self.receiving_reply = true;
            self.reply_started = true;
        }
        Ok(())
    }

    fn recv(&mut self, pipes: &mut PipeSet, _: &Options) -> ZResult<Msg> {
        if !self.receiving_reply {
            return Err(Errno::EFSM);
        }
        loop {
            let (m, pid) = self.dealer.fq.recv_from(pipes)?;
            if self.reply_started {
                // Only the pipe the request went to may answer, with a
                // well-formed envelope.
                if Some(pid) != self.reply_pipe || !m.more() {
                    self.dealer.fq.skip_rest(pipes, m.more());
                    continue;
                }
                if self.correlate {
                    if m.data() != self.request_id.to_ne_bytes() {
                        self.dealer.fq.skip_rest(pipes, true);
                        continue;
                    }
                    match self.dealer.fq.recv_from(pipes) {
                        Ok((d, _)) if d.is_empty() && d.more() => {}
                        Ok((d, _)) => {
                            self.dealer.fq.skip_rest(pipes, d.more());
                            continue;
                        }
                        Err(e) => return Err(e),
                    }
                } else if !m.is_empty() {
                    self.dealer.fq.skip_rest(pipes, true);
                    continue;
                }
                self.reply_started = false;
                continue;
            }
            if !m.more() {
                self.receiving_reply = false;
                self.reply_started = true;
            }
            return Ok(m);
        }
    }

    fn has_in(&mut self, pipes: &mut PipeSet) -> bool {
        self.receiving_reply && self.dealer.has_in(pipes)
    }

    fn has_out(&mut self, pipes: &mut PipeSet) -> bool {
        (!self.receiving_reply || self.relaxed) && self.dealer.has_out(pipes)
    }

    fn read_activated(&mut self, pipes: &mut PipeSet, id: PipeId) {
        self.dealer.read_activated(pipes, id);
    }

    fn write_activated(&mut self, pipes: &mut PipeSet, id: PipeId) {
        self.dealer.write_activated(pipes, id);
    }

    fn set_option(
        &mut self,
        pipes: &mut PipeSet,
        opt: i32,
        val: &[u8],
        o: &Options,
    ) -> ZResult<()> {
        match opt {
            ZMQ_REQ_RELAXED => self.relaxed = flag(val)?,
            ZMQ_REQ_CORRELATE => self.correlate = flag(val)?,
            // A REQ is a DEALER underneath (PROBE_ROUTER).
            _ => return self.dealer.set_option(pipes, opt, val, o),
        }
        Ok(())
    }
}

#[derive(Default)]
pub struct Rep {
    fq: FairQueue,
    /// A request was received; the next send is its reply.
    sending_reply: bool,
    /// The next frame sent starts the reply (envelope goes first).
    reply_started: bool,
    /// Inside the body of a request being received.
    in_body: bool,
    envelope: Vec<Msg>,
    reply_pipe: Option<PipeId>,
    /// ROUTER options a REP accepts, as libzmq's REP is a ROUTER.
    mandatory: bool,
    probe: bool,
}

impl Pattern for Rep {
    fn attach(&mut self, pipes: &mut PipeSet, id: PipeId, _: &Options) {
        if self.probe {
            if let Some(p) = pipes.get(id) {
                p.write(Msg::new());
                p.flush();
            }
        }
        self.fq.attach(id);
    }

    fn detach(&mut self, _: &mut PipeSet, id: PipeId) {
        self.fq.detach(id);
        if self.reply_pipe == Some(id) {
            self.reply_pipe = None;
        }
    }

    fn send(&mut self, pipes: &mut PipeSet, msg: &mut Msg, _: &Options) -> ZResult<()> {
        if !self.sending_reply {
            return Err(Errno::EFSM);
        }
        let more = msg.more();
        let pipe = self
            .reply_pipe
            .and_then(|id| pipes.get(id).map(|p| (id, p)));
        if let Some((_, p)) = pipe {
            if self.reply_started {
                // A reply to a peer that can't take it is dropped, as a ROUTER does.
                if p.room() == Room::Yes {
                    for e in self.envelope.drain(..) {
                        p.write(e);
                    }
                } else {
                    self.reply_pipe = None;
                }
            }
        }
        if let Some(p) = self.reply_pipe.and_then(|id| pipes.get(id)) {
            p.write(std::mem::take(msg));
            if !more {
                p.flush();
            }
        }
        *msg = Msg::new();
        self.reply_started = false;
        if !more {
            self.sending_reply = false;
            self.envelope.clear();
            self.reply_pipe = None;
        }
        Ok(())
    }

    fn recv(&mut self, pipes: &mut PipeSet, _: &Options) -> ZResult<Msg> {
        if self.sending_reply {
            return Err(Errno::EFSM);
        }
        loop {
            let (m, pid) = self.fq.recv_from(pipes)?;
            if !self.in_body {
                // Collect the envelope up to and including the empty delimiter.
                if !m.more() {
                    // No delimiter: malformed request, dropped.
                    self.envelope.clear();
                    continue;
                }
                let delimiter = m.is_empty();
                let mut e = m;
                e.set_metadata(None);
                self.envelope.push(e);
                if self.envelope.len() > 256 {
                    // Bound what a peer can make us hold.
                    self.envelope.clear();
                    self.fq.skip_rest(pipes, true);
                    continue;
                }
                if delimiter {
                    self.in_body = true;
                    self.reply_pipe = Some(pid);
                }
                continue;
            }
            if !m.more() {
                self.in_body = false;
                self.sending_reply = true;
                self.reply_started = true;
            }
            return Ok(m);
        }
    }

    fn has_in(&mut self, pipes: &mut PipeSet) -> bool {
        !self.sending_reply && self.fq.has_in(pipes)
    }

    fn has_out(&mut self, _: &mut PipeSet) -> bool {
        self.sending_reply
    }

    fn read_activated(&mut self, _: &mut PipeSet, id: PipeId) {
        self.fq.activated(id);
    }

    fn write_activated(&mut self, _: &mut PipeSet, _: PipeId) {}

    fn set_option(&mut self, _: &mut PipeSet, opt: i32, val: &[u8], _: &Options) -> ZResult<()> {
        match opt {
            ZMQ_ROUTER_MANDATORY => self.mandatory = flag(val)?,
            ZMQ_PROBE_ROUTER => self.probe = flag(val)?,
            // Routing ids are not visible through a REP: accepted, no effect.
            // ROUTER_RAW too: libzmq's REP takes every ROUTER option, but a
            // REP over raw connections has no use; its peers stay ZMTP.
            ZMQ_ROUTER_HANDOVER | ZMQ_ROUTER_RAW => {
                flag(val)?;
            }
            _ => return Err(Errno::EINVAL),
        }
        Ok(())
    }
}
