//! The counters of include/rampart.h (ZMQ_RAMPART_STAT_*). What the
//! application thread sees happen (messages in and out, drops at the HWM)
//! is plain integers in the socket; what I/O threads see (handshakes,
//! oversize frames, caps, evictions, peers) is Relaxed atomics in the
//! shared half, since nothing synchronises through a counter.

use super::monitor::Event;
use super::Socket;
use crate::consts::*;
use crate::msg::Msg;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// HWM_DROP events go out at most this often per socket.
const HWM_EVENT_EVERY: Duration = Duration::from_secs(1);

/// Counters updated by I/O threads.
#[derive(Default)]
pub struct SharedStats {
    pub oversize: AtomicU64,
    pub handshake_failures: AtomicU64,
    pub handshake_timeouts: AtomicU64,
    pub rejected_by_cap: AtomicU64,
    pub evictions: AtomicU64,
    pub peers: AtomicU64,
    pub listener_pauses: AtomicU64,
    /// Bytes the socket's connections hold for it and it has not read:
    /// frames being received, messages waiting for room, inbound pipes
    /// (reported only under a budget).
    pub inbound_held: AtomicU64,
    /// The session (key + 1) allowed to read past its share while the
    /// inbound half of the budget is spent; 0 = nobody. One at a time keeps
    /// a message larger than any share receivable without letting every
    /// connection hold one.
    pub inbound_token: AtomicU64,
}

impl SharedStats {
    pub fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// One peer fewer (never below zero).
    pub fn peer_left(&self) {
        let _ = self
            .peers
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
    }
}

/// Counters the application thread owns.
#[derive(Default)]
pub struct LocalStats {
    pub msgs_in: u64,
    pub bytes_in: u64,
    pub msgs_out: u64,
    pub bytes_out: u64,
    /// HWM drops already reported by an event, and when.
    hwm_reported: u64,
    hwm_reported_at: Option<Instant>,
}

impl LocalStats {
    pub fn sent(&mut self, len: usize, more: bool) {
        self.bytes_out += len as u64;
        self.msgs_out += !more as u64;
    }

    pub fn received(&mut self, msg: &Msg) {
        self.bytes_in += msg.len() as u64;
        self.msgs_in += !msg.more() as u64;
    }
}

fn stat_value(n: u64) -> i64 {
    n.min(i64::MAX as u64) as i64
}

impl Socket {
    /// A ZMQ_RAMPART_STAT_* option, or None if `opt` is not one.
    pub(super) fn stat(&mut self, opt: i32) -> Option<i64> {
        let shared = &self.shared.stats;
        let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let v = match opt {
            ZMQ_RAMPART_STAT_MSGS_IN => self.stats.msgs_in,
            ZMQ_RAMPART_STAT_BYTES_IN => self.stats.bytes_in,
            ZMQ_RAMPART_STAT_MSGS_OUT => self.stats.msgs_out,
            ZMQ_RAMPART_STAT_BYTES_OUT => self.stats.bytes_out,
            ZMQ_RAMPART_STAT_QUEUED_MSGS => self.queued().0,
            ZMQ_RAMPART_STAT_QUEUED_BYTES => self.queued().1,
            ZMQ_RAMPART_STAT_DROPS_HWM => self.pipes.hwm_drops,
            ZMQ_RAMPART_STAT_DROPS_BUDGET => self.pipes.budget_drops,
            ZMQ_RAMPART_STAT_OVERSIZE => load(&shared.oversize) + self.pipes.rejected_subscriptions,
            ZMQ_RAMPART_STAT_HANDSHAKE_FAILURES => load(&shared.handshake_failures),
            ZMQ_RAMPART_STAT_HANDSHAKE_TIMEOUTS => load(&shared.handshake_timeouts),
            ZMQ_RAMPART_STAT_REJECTED_BY_CAP => load(&shared.rejected_by_cap),
            ZMQ_RAMPART_STAT_EVICTIONS => load(&shared.evictions),
            ZMQ_RAMPART_STAT_PEERS => {
                self.process_commands();
                load(&self.shared.stats.peers) + self.pipes.inproc_len() as u64
            }
            ZMQ_RAMPART_STAT_LISTENER_PAUSES => load(&shared.listener_pauses),
            _ => return None,
        };
        Some(stat_value(v))
    }

    /// Messages and bytes in the socket's pipes now, both directions (the
    /// I/O threads' buffers are not counted).
    fn queued(&mut self) -> (u64, u64) {
        self.process_commands();
        let (mut msgs, mut bytes) = (0, 0);
        for (_, p) in self.pipes.iter_mut() {
            let (om, ob) = p.end.out.queued_now();
            let (im, ib) = p.end.inp.queued();
            msgs += om + im;
            bytes += ob + ib;
        }
        (msgs, bytes)
    }

    /// Sends the rate-limited HWM_DROP event if drops happened since the
    /// last one. Cheap when nothing was dropped.
    #[inline]
    pub(super) fn report_hwm_drops(&mut self) {
        if self.pipes.hwm_drops != self.stats.hwm_reported {
            self.report_new_hwm_drops();
        }
    }

    #[cold]
    fn report_new_hwm_drops(&mut self) {
        let drops = self.pipes.hwm_drops;
        let monitor = &self.shared.monitor;
        if !monitor.wants(ZMQ_RAMPART_EVENT_HWM_DROP) {
            self.stats.hwm_reported = drops;
            return;
        }
        let now = Instant::now();
        if self
            .stats
            .hwm_reported_at
            .is_some_and(|t| now.duration_since(t) < HWM_EVENT_EVERY)
        {
            return;
        }
        let values = [drops - self.stats.hwm_reported];
        monitor.emit(&Event {
            id: ZMQ_RAMPART_EVENT_HWM_DROP,
            values: &values,
            local: &self.last_endpoint,
            remote: "",
            v1_local: true,
        });
        self.stats.hwm_reported = drops;
        self.stats.hwm_reported_at = Some(now);
    }

    /// Counts and reports peers a dropping pattern evicted as stalled; their
    /// pipes are already marked dead.
    pub(super) fn report_evictions(&mut self) {
        for (endpoint, stalled) in std::mem::take(&mut self.pipes.evicted) {
            SharedStats::bump(&self.shared.stats.evictions);
            let values = [stalled.as_millis() as u64];
            self.shared.monitor.emit(&super::monitor::peer_event(
                &self.endpoints,
                ZMQ_RAMPART_EVENT_PEER_EVICTED,
                &values,
                &endpoint,
            ));
        }
        self.reap();
    }
}
