//! PUB/XPUB (fan-out filtered by the subscriptions peers sent) and SUB/XSUB
//! (fair-queued receive filtered by our own subscriptions, which are sent to
//! every publisher we are connected to).

use super::flag;
use crate::consts::*;
use crate::errno::{Errno, ZResult};
use crate::msg::{flags, Msg};
use crate::pipe::{Read, Room};
use crate::routing::mtrie::MultiTrie;
use crate::routing::trie::Trie;
use crate::socket::dist::Distributor;
use crate::socket::fq::FairQueue;
use crate::socket::options::Options;
use crate::socket::pattern::Pattern;
use crate::socket::pipes::{PipeId, PipeSet};
use std::collections::VecDeque;

/// Most subscription notifications an XPUB queues for its application.
const MAX_PENDING_NOTIFICATIONS: usize = 100_000;

/// A subscription change carried by `m`: from a SUBSCRIBE/CANCEL command, or
/// a ZMTP 3.0-style message whose first byte is 1 (subscribe) or 0 (cancel).
fn subscription(m: &Msg) -> Option<(bool, &[u8])> {
    if m.is_subscribe() {
        return Some((true, m.data()));
    }
    if m.is_cancel() {
        return Some((false, m.data()));
    }
    match m.data().first() {
        Some(1) => Some((true, &m.data()[1..])),
        Some(0) => Some((false, &m.data()[1..])),
        _ => None,
    }
}

/// Where something an XPUB hands its application came from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// A peer's (un)subscription.
    Peer(PipeId),
    /// The unsubscriptions of a peer that went.
    Gone,
    /// A peer's upstream message: leaves XPUB_MANUAL's pipe as it was.
    Upstream,
}

fn notification(subscribe: bool, topic: &[u8]) -> Msg {
    let mut v = Vec::with_capacity(topic.len() + 1);
    v.push(subscribe as u8);
    v.extend_from_slice(topic);
    Msg::from_vec(v)
}

pub struct Publisher {
    xpub: bool,
    dist: Distributor,
    subs: MultiTrie<PipeId>,
    targets: Vec<PipeId>,
    /// Notifications and upstream messages for the application, each with
    /// the pipe it came from (XPUB_MANUAL applies the next ZMQ_SUBSCRIBE
    /// to the pipe of the notification received last).
    pending: VecDeque<(Msg, Origin)>,
    /// XPUB_VERBOSE: pass on every subscription, not only new topics.
    verbose_subs: bool,
    /// XPUB_VERBOSER: also every unsubscription.
    verbose_unsubs: bool,
    manual: bool,
    /// XPUB_MANUAL: what each peer asked for, so that its topics can be
    /// reported unsubscribed when it goes.
    manual_subs: MultiTrie<PipeId>,
    nodrop: bool,
    welcome: Option<Msg>,
    /// Pipe whose subscription the application last received (XPUB_MANUAL).
    last_pipe: Option<PipeId>,
    /// Peers' subscriptions longer than this are ignored (0 = any length).
    max_topic: usize,
    /// New subscriptions are ignored once the trie holds this many bytes
    /// (0 = no cap).
    max_memory: usize,
}

impl Publisher {
    pub fn new(xpub: bool) -> Publisher {
        Publisher {
            xpub,
            dist: Distributor::default(),
            subs: MultiTrie::new(),
            targets: Vec::new(),
            pending: VecDeque::new(),
            verbose_subs: false,
            verbose_unsubs: false,
            manual: false,
            manual_subs: MultiTrie::new(),
            nodrop: false,
            welcome: None,
            last_pipe: None,
            max_topic: 0,
            max_memory: 0,
        }
    }

    /// Whether a peer's new subscription fits the limits; counts the ones
    /// that don't (ZMQ_RAMPART_STAT_OVERSIZE).
    fn admits(&self, pipes: &mut PipeSet, topic: &[u8]) -> bool {
        let too_long = self.max_topic > 0 && topic.len() > self.max_topic;
        let too_many = self.max_memory > 0 && self.memory() >= self.max_memory;
        if too_long || too_many {
            pipes.rejected_subscriptions += 1;
            return false;
        }
        true
    }

    fn queue(&mut self, m: Msg, from: Origin) {
        if self.xpub && self.pending.len() < MAX_PENDING_NOTIFICATIONS {
            self.pending.push_back((m, from));
        }
    }

    /// Reads subscriptions (and, for XPUB, upstream messages) from a pipe.
    fn read_pipe(&mut self, pipes: &mut PipeSet, id: PipeId) {
        loop {
            let Some(p) = pipes.get(id) else { return };
            let m = match p.read() {
                Read::Msg(m) => m,
                Read::Empty => return,
                Read::Closed => {
                    pipes.mark_dead(id);
                    return;
                }
            };
            match subscription(&m) {
                Some((true, topic)) if !self.admits(pipes, topic) => {}
                Some((true, topic)) => {
                    if self.manual {
                        self.manual_subs.add(topic, id);
                        self.queue(notification(true, topic), Origin::Peer(id));
                    } else {
                        let first = self.subs.add(topic, id);
                        if first || self.verbose_subs {
                            self.queue(notification(true, topic), Origin::Peer(id));
                        }
                    }
                }
                Some((false, topic)) => {
                    if self.manual {
                        self.manual_subs.remove(topic, id);
                        self.queue(notification(false, topic), Origin::Peer(id));
                    } else {
                        // As libzmq, a cancel nobody had is passed on too.
                        let others_remain = self.subs.try_remove(topic, id) == Some(false);
                        if !others_remain || self.verbose_unsubs {
                            self.queue(notification(false, topic), Origin::Peer(id));
                        }
                    }
                }
                None => {
                    // Upstream traffic from an XSUB is handed to an XPUB's user.
                    if self.xpub {
                        self.queue(m, Origin::Upstream);
                    }
                }
            }
        }
    }
}

impl Pattern for Publisher {
    fn memory(&self) -> usize {
        self.subs.memory() + self.manual_subs.memory()
    }

    fn attach(&mut self, pipes: &mut PipeSet, id: PipeId, opts: &Options) {
        self.max_topic = usize::try_from(opts.max_topic).unwrap_or(usize::MAX);
        // No cap of its own: the subscriptions share the socket's budget.
        let cap = match opts.subscription_memory {
            0 => opts.socket_budget,
            n => n,
        };
        self.max_memory = usize::try_from(cap).unwrap_or(usize::MAX);
        self.dist.attach(id);
        if let Some(w) = &self.welcome {
            if let Some(p) = pipes.get(id) {
                p.write(w.clone());
                p.flush();
            }
        }
        self.read_pipe(pipes, id);
    }

    fn detach(&mut self, _: &mut PipeSet, id: PipeId) {
        let mut gone = Vec::new();
        if self.manual {
            // The peer's own topics are reported; what the application
            // subscribed on its behalf just goes.
            self.manual_subs
                .remove_pipe_each(id, |topic, _| gone.push(topic.to_vec()));
            self.subs.remove_pipe(id, |_| {});
        } else {
            let verbose = self.verbose_unsubs;
            self.subs.remove_pipe_each(id, |topic, last| {
                if last || verbose {
                    gone.push(topic.to_vec())
                }
            });
        }
        for t in gone {
            self.queue(notification(false, &t), Origin::Gone);
        }
        self.dist.detach(id);
        if self.last_pipe == Some(id) {
            self.last_pipe = None;
        }
    }

    fn send(&mut self, pipes: &mut PipeSet, msg: &mut Msg, opts: &Options) -> ZResult<()> {
        if !self.dist.in_message() {
            self.targets.clear();
            let targets = &mut self.targets;
            if opts.invert_matching {
                let mut matched = Vec::new();
                self.subs.match_pipes(msg.data(), |p| matched.push(p));
                targets.extend(self.dist.pipes.iter().filter(|p| !matched.contains(p)));
            } else {
                self.subs.match_pipes(msg.data(), |p| targets.push(p));
            }
            if self.nodrop && !self.dist.all_have_room(pipes, &self.targets) {
                return Err(Errno::EAGAIN);
            }
        }
        let targets = std::mem::take(&mut self.targets);
        self.dist.send(pipes, std::mem::take(msg), Some(&targets));
        self.targets = targets;
        Ok(())
    }

    fn recv(&mut self, pipes: &mut PipeSet, _: &Options) -> ZResult<Msg> {
        if !self.xpub {
            return Err(Errno::ENOTSUP);
        }
        let (m, from) = self.pending.pop_front().ok_or(Errno::EAGAIN)?;
        match from {
            // A pipe that has gone takes no manual subscriptions.
            Origin::Peer(id) if self.manual => {
                self.last_pipe = Some(id).filter(|&id| pipes.contains(id))
            }
            Origin::Gone if self.manual => self.last_pipe = None,
            _ => {}
        }
        Ok(m)
    }

    fn has_in(&mut self, _: &mut PipeSet) -> bool {
        !self.pending.is_empty()
    }

    fn has_out(&mut self, pipes: &mut PipeSet) -> bool {
        if self.nodrop {
            let all: Vec<PipeId> = self.dist.pipes.clone();
            return self.dist.all_have_room(pipes, &all);
        }
        true
    }

    fn read_activated(&mut self, pipes: &mut PipeSet, id: PipeId) {
        self.read_pipe(pipes, id);
    }

    fn write_activated(&mut self, _: &mut PipeSet, _: PipeId) {}

    fn set_option(
        &mut self,
        pipes: &mut PipeSet,
        opt: i32,
        val: &[u8],
        _: &Options,
    ) -> ZResult<()> {
        // PUB takes the XPUB options too (libzmq's PUB is an XPUB).
        match opt {
            ZMQ_XPUB_VERBOSE => {
                self.verbose_subs = flag(val)?;
                self.verbose_unsubs = false;
            }
            ZMQ_XPUB_VERBOSER => {
                self.verbose_subs = flag(val)?;
                self.verbose_unsubs = self.verbose_subs;
            }
            ZMQ_XPUB_MANUAL => self.manual = flag(val)?,
            ZMQ_XPUB_NODROP => self.nodrop = flag(val)?,
            ZMQ_XPUB_WELCOME_MSG => {
                self.welcome = if val.is_empty() {
                    None
                } else {
                    Some(Msg::from_slice(val))
                }
            }
            ZMQ_SUBSCRIBE | ZMQ_UNSUBSCRIBE if self.manual => {
                if let Some(pid) = self.last_pipe {
                    if opt == ZMQ_SUBSCRIBE {
                        self.subs.add(val, pid);
                    } else {
                        self.subs.remove(val, pid);
                    }
                }
                let _ = pipes;
            }
            _ => return Err(Errno::EINVAL),
        }
        Ok(())
    }
}

pub struct Subscriber {
    xsub: bool,
    fq: FairQueue,
    dist: Distributor,
    subs: Trie,
    /// Inside a message that matched (deliver the rest of its frames).
    delivering: bool,
    /// A matching first frame read ahead by `has_in`.
    prefetched: Option<Msg>,
    /// INVERT_MATCHING, mirrored here for `has_in`.
    invert: bool,
}

impl Subscriber {
    pub fn new(xsub: bool) -> Subscriber {
        Subscriber {
            xsub,
            fq: FairQueue::default(),
            dist: Distributor::default(),
            subs: Trie::new(),
            delivering: false,
            prefetched: None,
            invert: false,
        }
    }

    /// Sends a subscription change to every publisher. Subscriptions bypass
    /// the HWM: they are small and bounded by the trie.
    fn announce(&mut self, pipes: &mut PipeSet, subscribe: bool, topic: &[u8]) {
        for &id in &self.dist.pipes {
            if let Some(p) = pipes.get(id) {
                p.write(sub_msg(subscribe, topic));
                p.flush();
            }
        }
    }

    /// A subscription the trie already had is sent again (publishers
    /// filter duplicates unless XPUB_VERBOSE, as libzmq), but only to pipes
    /// with room, as libzmq drops at the HWM: repeating one topic must not
    /// grow a queue without bound.
    fn announce_again(&mut self, pipes: &mut PipeSet, topic: &[u8]) {
        for &id in &self.dist.pipes {
            if let Some(p) = pipes.get(id) {
                if p.room() == Room::Yes {
                    p.write(sub_msg(true, topic));
                    p.flush();
                }
            }
        }
    }

    /// Only SUB filters; XSUB hands everything up (libzmq's `filter` option).
    fn matches(&self, data: &[u8]) -> bool {
        self.xsub || self.subs.matches(data) != self.invert
    }
}

fn sub_msg(subscribe: bool, topic: &[u8]) -> Msg {
    let mut m = Msg::from_slice(topic);
    m.add_flags(if subscribe {
        flags::SUBSCRIBE
    } else {
        flags::CANCEL
    });
    m
}

impl Pattern for Subscriber {
    fn memory(&self) -> usize {
        self.subs.memory()
    }

    fn attach(&mut self, pipes: &mut PipeSet, id: PipeId, _: &Options) {
        self.fq.attach(id);
        self.dist.attach(id);
        if let Some(p) = pipes.get(id) {
            self.subs.for_each(|topic| p.write(sub_msg(true, topic)));
            p.flush();
        }
    }

    fn detach(&mut self, _: &mut PipeSet, id: PipeId) {
        self.fq.detach(id);
        self.dist.detach(id);
    }

    fn hiccuped(&mut self, pipes: &mut PipeSet, id: PipeId) {
        // A new connection behind the same pipe knows none of our subscriptions.
        if let Some(p) = pipes.get(id) {
            self.subs.for_each(|topic| p.write(sub_msg(true, topic)));
            p.flush();
        }
    }

    fn send(&mut self, pipes: &mut PipeSet, msg: &mut Msg, _: &Options) -> ZResult<()> {
        if !self.xsub {
            return Err(Errno::ENOTSUP);
        }
        let m = std::mem::take(msg);
        match (m.more(), subscription(&m)) {
            (false, Some((true, topic))) => {
                if self.subs.add(topic) {
                    self.announce(pipes, true, topic);
                } else {
                    self.announce_again(pipes, topic);
                }
            }
            (false, Some((false, topic))) => {
                if self.subs.remove(topic) {
                    self.announce(pipes, false, topic);
                }
            }
            _ => {
                // Other upstream messages go to every publisher.
                self.dist.send(pipes, m, None);
            }
        }
        Ok(())
    }

    fn recv(&mut self, pipes: &mut PipeSet, _: &Options) -> ZResult<Msg> {
        if self.delivering {
            // The rest of a message whose first frame matched.
            let m = self.fq.recv(pipes)?;
            self.delivering = m.more();
            return Ok(m);
        }
        if !self.has_in(pipes) {
            return Err(Errno::EAGAIN);
        }
        let m = self.prefetched.take().ok_or(Errno::EAGAIN)?;
        self.delivering = m.more();
        Ok(m)
    }

    fn has_in(&mut self, pipes: &mut PipeSet) -> bool {
        if self.delivering || self.prefetched.is_some() {
            return true;
        }
        // Read ahead past unmatched messages so POLLIN means a real message.
        loop {
            let Ok(m) = self.fq.recv(pipes) else {
                return false;
            };
            if self.matches(m.data()) {
                self.prefetched = Some(m);
                return true;
            }
            // Not subscribed: drop the whole message.
            self.fq.skip_rest(pipes, m.more());
        }
    }

    fn has_out(&mut self, _: &mut PipeSet) -> bool {
        self.xsub
    }

    fn read_activated(&mut self, _: &mut PipeSet, id: PipeId) {
        self.fq.activated(id);
    }

    fn write_activated(&mut self, _: &mut PipeSet, _: PipeId) {}

    fn set_option(
        &mut self,
        pipes: &mut PipeSet,
        opt: i32,
        val: &[u8],
        opts: &Options,
    ) -> ZResult<()> {
        if opt == ZMQ_INVERT_MATCHING {
            // Mirrored for filtering; EINVAL lets the generic option store it too.
            self.invert = flag(val)?;
            return Err(Errno::EINVAL);
        }
        if self.xsub {
            return Err(Errno::EINVAL);
        }
        match opt {
            ZMQ_SUBSCRIBE if opts.max_topic > 0 && val.len() as u64 > opts.max_topic => {
                return Err(Errno::EINVAL)
            }
            ZMQ_SUBSCRIBE => {
                // Sent even when already subscribed (as libzmq): the
                // publisher filters duplicates, unless XPUB_VERBOSE.
                if self.subs.add(val) {
                    self.announce(pipes, true, val);
                } else {
                    self.announce_again(pipes, val);
                }
            }
            ZMQ_UNSUBSCRIBE => {
                if self.subs.remove(val) {
                    self.announce(pipes, false, val);
                }
            }
            _ => return Err(Errno::EINVAL),
        }
        Ok(())
    }
}
