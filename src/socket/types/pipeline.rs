//! PUSH (load-balanced sends), PULL (fair-queued receives) and DEALER (both).

use super::flag;
use crate::consts::*;
use crate::errno::{Errno, ZResult};
use crate::msg::Msg;
use crate::socket::fq::FairQueue;
use crate::socket::lb::LoadBalancer;
use crate::socket::options::Options;
use crate::socket::pattern::Pattern;
use crate::socket::pipes::{PipeId, PipeSet};

#[derive(Default)]
pub struct Push {
    lb: LoadBalancer,
}

impl Pattern for Push {
    fn attach(&mut self, _: &mut PipeSet, id: PipeId, _: &Options) {
        self.lb.attach(id);
    }
    fn detach(&mut self, _: &mut PipeSet, id: PipeId) {
        self.lb.detach(id);
    }
    fn send(&mut self, pipes: &mut PipeSet, msg: &mut Msg, _: &Options) -> ZResult<()> {
        self.lb.send(pipes, msg).map(|_| ())
    }
    fn recv(&mut self, _: &mut PipeSet, _: &Options) -> ZResult<Msg> {
        Err(Errno::ENOTSUP)
    }
    fn has_in(&mut self, _: &mut PipeSet) -> bool {
        false
    }
    fn has_out(&mut self, pipes: &mut PipeSet) -> bool {
        self.lb.has_out(pipes)
    }
    fn read_activated(&mut self, _: &mut PipeSet, _: PipeId) {}
    fn write_activated(&mut self, _: &mut PipeSet, id: PipeId) {
        self.lb.activated(id);
    }
}

#[derive(Default)]
pub struct Pull {
    fq: FairQueue,
}

impl Pattern for Pull {
    fn attach(&mut self, _: &mut PipeSet, id: PipeId, _: &Options) {
        self.fq.attach(id);
    }
    fn detach(&mut self, _: &mut PipeSet, id: PipeId) {
        self.fq.detach(id);
    }
    fn send(&mut self, _: &mut PipeSet, _: &mut Msg, _: &Options) -> ZResult<()> {
        Err(Errno::ENOTSUP)
    }
    fn recv(&mut self, pipes: &mut PipeSet, _: &Options) -> ZResult<Msg> {
        self.fq.recv(pipes)
    }
    fn has_in(&mut self, pipes: &mut PipeSet) -> bool {
        self.fq.has_in(pipes)
    }
    fn has_out(&mut self, _: &mut PipeSet) -> bool {
        false
    }
    fn read_activated(&mut self, _: &mut PipeSet, id: PipeId) {
        self.fq.activated(id);
    }
    fn write_activated(&mut self, _: &mut PipeSet, _: PipeId) {}
}

#[derive(Default)]
pub struct Dealer {
    pub(super) lb: LoadBalancer,
    pub(super) fq: FairQueue,
    probe_router: bool,
}

impl Pattern for Dealer {
    fn attach(&mut self, pipes: &mut PipeSet, id: PipeId, _: &Options) {
        if self.probe_router {
            if let Some(p) = pipes.get(id) {
                p.write(Msg::new());
                p.flush();
            }
        }
        self.lb.attach(id);
        self.fq.attach(id);
    }
    fn detach(&mut self, _: &mut PipeSet, id: PipeId) {
        self.lb.detach(id);
        self.fq.detach(id);
    }
    fn send(&mut self, pipes: &mut PipeSet, msg: &mut Msg, _: &Options) -> ZResult<()> {
        self.lb.send(pipes, msg).map(|_| ())
    }
    fn recv(&mut self, pipes: &mut PipeSet, _: &Options) -> ZResult<Msg> {
        self.fq.recv(pipes)
    }
    fn has_in(&mut self, pipes: &mut PipeSet) -> bool {
        self.fq.has_in(pipes)
    }
    fn has_out(&mut self, pipes: &mut PipeSet) -> bool {
        self.lb.has_out(pipes)
    }
    fn read_activated(&mut self, _: &mut PipeSet, id: PipeId) {
        self.fq.activated(id);
    }
    fn write_activated(&mut self, _: &mut PipeSet, id: PipeId) {
        self.lb.activated(id);
    }
    fn set_option(&mut self, _: &mut PipeSet, opt: i32, val: &[u8], _: &Options) -> ZResult<()> {
        match opt {
            ZMQ_PROBE_ROUTER => self.probe_router = flag(val)?,
            _ => return Err(Errno::EINVAL),
        }
        Ok(())
    }
}
