//! Connection admission for one listener (HARDENING.md, "Connections"):
//! caps on its connections, on connections from one remote address, and on
//! handshakes in progress. At the connection caps a newcomer replaces the
//! oldest connection still in its handshake (if older than 1 s), else the
//! one idle longest (if over 10 s), within the cap's scope; only when
//! neither exists is it refused. At the handshake cap the listener stops
//! accepting (the kernel backlog holds the rest) unless the oldest handshake
//! is over 1 s old, which then makes room. So a flood of idle or half-open
//! connections cannot lock well-behaved clients out. I/O thread; pure
//! bookkeeping, the reactor acts on the verdicts.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// A handshake this old may be displaced by a newcomer.
pub const STALE_HANDSHAKE: Duration = Duration::from_secs(1);
/// A connection idle this long may be displaced by a newcomer.
pub const STALE_IDLE: Duration = Duration::from_secs(10);

/// Which cap a verdict is about (the values of rampart.h's RAMPART_CAP_*).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CapKind {
    Connections = 1,
    PerAddress = 2,
    Handshakes = 3,
}

/// The caps; 0 = none.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Caps {
    pub connections: usize,
    pub per_address: usize,
    pub handshakes: usize,
}

impl Caps {
    /// The limit behind `kind`.
    pub fn of(&self, kind: CapKind) -> usize {
        match kind {
            CapKind::Connections => self.connections,
            CapKind::PerAddress => self.per_address,
            CapKind::Handshakes => self.handshakes,
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Admit,
    /// Admit after ending `victim` (which counted against `kind`).
    Replace {
        victim: u64,
        kind: CapKind,
    },
    Refuse(CapKind),
}

/// Whether the listener may accept another connection now.
#[derive(Debug, PartialEq, Eq)]
pub enum HandshakeRoom {
    Yes,
    /// Yes, after ending this stale handshake.
    Replace(u64),
    /// No; look again at this time (when the oldest handshake turns stale),
    /// or earlier if a handshake ends.
    NotUntil(Instant),
}

struct Member {
    addr: String,
    since: Instant,
    handshaking: bool,
}

#[derive(Default)]
pub struct Admission {
    caps: Caps,
    members: HashMap<u64, Member>,
    per_addr: HashMap<String, usize>,
    handshaking: usize,
}

impl Admission {
    pub fn new(caps: Caps) -> Admission {
        Admission {
            caps,
            ..Admission::default()
        }
    }

    pub fn caps(&self) -> Caps {
        self.caps
    }

    /// Connections now.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.members.len()
    }

    /// The handshake cap: may we accept at all?
    pub fn handshake_room(&self, now: Instant) -> HandshakeRoom {
        if self.caps.handshakes == 0 || self.handshaking < self.caps.handshakes {
            return HandshakeRoom::Yes;
        }
        match self.oldest_handshake(|_| true) {
            Some((key, since)) if now.duration_since(since) >= STALE_HANDSHAKE => {
                HandshakeRoom::Replace(key)
            }
            Some((_, since)) => HandshakeRoom::NotUntil(since + STALE_HANDSHAKE),
            // Counted handshakes always have members; be safe anyway.
            None => HandshakeRoom::Yes,
        }
    }

    /// The connection caps for a newcomer from `addr`. `idle_since` tells
    /// when a member last moved bytes.
    pub fn admit(&self, addr: &str, now: Instant, idle_since: impl Fn(u64) -> Instant) -> Verdict {
        let per_addr = self.per_addr.get(addr).copied().unwrap_or(0);
        if self.caps.per_address > 0 && per_addr >= self.caps.per_address {
            return self.displace(CapKind::PerAddress, now, &idle_since, |m| m.addr == addr);
        }
        if self.caps.connections > 0 && self.members.len() >= self.caps.connections {
            return self.displace(CapKind::Connections, now, &idle_since, |_| true);
        }
        Verdict::Admit
    }

    fn displace(
        &self,
        kind: CapKind,
        now: Instant,
        idle_since: &impl Fn(u64) -> Instant,
        scope: impl Fn(&Member) -> bool,
    ) -> Verdict {
        if let Some((victim, since)) = self.oldest_handshake(&scope) {
            if now.duration_since(since) >= STALE_HANDSHAKE {
                return Verdict::Replace { victim, kind };
            }
        }
        let idlest = self
            .members
            .iter()
            .filter(|(_, m)| !m.handshaking && scope(m))
            .map(|(&k, _)| (k, idle_since(k)))
            .min_by_key(|&(k, t)| (t, k));
        match idlest {
            Some((victim, t)) if now.duration_since(t) >= STALE_IDLE => {
                Verdict::Replace { victim, kind }
            }
            _ => Verdict::Refuse(kind),
        }
    }

    fn oldest_handshake(&self, scope: impl Fn(&Member) -> bool) -> Option<(u64, Instant)> {
        self.members
            .iter()
            .filter(|(_, m)| m.handshaking && scope(m))
            .map(|(&k, m)| (k, m.since))
            .min_by_key(|&(k, t)| (t, k))
    }

    /// A connection was accepted (its handshake starts).
    pub fn joined(&mut self, key: u64, addr: String, now: Instant) {
        *self.per_addr.entry(addr.clone()).or_insert(0) += 1;
        self.handshaking += 1;
        let old = self.members.insert(
            key,
            Member {
                addr,
                since: now,
                handshaking: true,
            },
        );
        if let Some(old) = old {
            self.forget(old);
        }
    }

    /// Its handshake completed.
    pub fn handshake_done(&mut self, key: u64) {
        if let Some(m) = self.members.get_mut(&key) {
            if m.handshaking {
                m.handshaking = false;
                self.handshaking -= 1;
            }
        }
    }

    /// It ended. Returns whether it was a member.
    pub fn left(&mut self, key: u64) -> bool {
        match self.members.remove(&key) {
            Some(m) => {
                self.forget(m);
                true
            }
            None => false,
        }
    }

    fn forget(&mut self, m: Member) {
        if m.handshaking {
            self.handshaking -= 1;
        }
        if let Some(n) = self.per_addr.get_mut(&m.addr) {
            *n -= 1;
            if *n == 0 {
                self.per_addr.remove(&m.addr);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps(connections: usize, per_address: usize, handshakes: usize) -> Caps {
        Caps {
            connections,
            per_address,
            handshakes,
        }
    }

    #[test]
    fn no_caps_admit_everything() {
        let mut a = Admission::new(Caps::default());
        let t = Instant::now();
        for k in 0..1000 {
            assert_eq!(a.handshake_room(t), HandshakeRoom::Yes);
            assert_eq!(a.admit("1.2.3.4", t, |_| t), Verdict::Admit);
            a.joined(k, "1.2.3.4".into(), t);
        }
        assert_eq!(a.len(), 1000);
    }

    #[test]
    fn per_address_cap_replaces_within_that_address_only() {
        let t0 = Instant::now();
        let mut a = Admission::new(caps(0, 2, 0));
        a.joined(1, "a".into(), t0);
        a.joined(2, "a".into(), t0 + Duration::from_millis(10));
        a.joined(3, "b".into(), t0 - Duration::from_secs(100));
        // Fresh handshakes from "a": refused, "b" is out of scope.
        assert_eq!(
            a.admit("a", t0 + Duration::from_millis(500), |_| t0),
            Verdict::Refuse(CapKind::PerAddress)
        );
        // Once stale, the oldest handshake of "a" goes.
        assert_eq!(
            a.admit("a", t0 + Duration::from_secs(2), |_| t0),
            Verdict::Replace {
                victim: 1,
                kind: CapKind::PerAddress
            }
        );
        assert_eq!(a.admit("c", t0, |_| t0), Verdict::Admit);
    }

    #[test]
    fn connection_cap_prefers_stale_handshakes_then_the_idlest() {
        let t0 = Instant::now();
        let mut a = Admission::new(caps(3, 0, 0));
        for k in 1..=3 {
            a.joined(k, format!("h{k}"), t0);
            a.handshake_done(k);
        }
        let idle = |k: u64| t0 + Duration::from_secs(k);
        // Everyone is active lately: refuse.
        assert_eq!(
            a.admit("x", t0 + Duration::from_secs(5), idle),
            Verdict::Refuse(CapKind::Connections)
        );
        // Key 1 idle since t0+1 s, over 10 s ago: it goes.
        assert_eq!(
            a.admit("x", t0 + Duration::from_secs(12), idle),
            Verdict::Replace {
                victim: 1,
                kind: CapKind::Connections
            }
        );
        // A stale handshake goes before any idle connection.
        a.left(3);
        a.joined(4, "y".into(), t0 + Duration::from_secs(10));
        assert_eq!(
            a.admit("x", t0 + Duration::from_secs(12), idle),
            Verdict::Replace {
                victim: 4,
                kind: CapKind::Connections
            }
        );
    }

    #[test]
    fn handshake_cap_stops_accepting_until_one_is_stale() {
        let t0 = Instant::now();
        let mut a = Admission::new(caps(0, 0, 2));
        a.joined(1, "a".into(), t0);
        a.joined(2, "a".into(), t0 + Duration::from_millis(300));
        assert_eq!(
            a.handshake_room(t0 + Duration::from_millis(400)),
            HandshakeRoom::NotUntil(t0 + STALE_HANDSHAKE)
        );
        assert_eq!(
            a.handshake_room(t0 + STALE_HANDSHAKE),
            HandshakeRoom::Replace(1)
        );
        a.handshake_done(1);
        assert_eq!(a.handshake_room(t0), HandshakeRoom::Yes);
        a.left(1);
        a.left(2);
        assert_eq!(a.len(), 0);
        assert!(a.per_addr.is_empty());
        assert_eq!(a.handshaking, 0);
    }

    #[test]
    fn bookkeeping_survives_odd_orders() {
        let t0 = Instant::now();
        let mut a = Admission::new(caps(1, 1, 1));
        assert!(!a.left(9));
        a.handshake_done(9);
        a.joined(1, "a".into(), t0);
        a.joined(1, "b".into(), t0); // same key again: replaces its entry
        assert_eq!(a.len(), 1);
        assert_eq!(a.handshaking, 1);
        assert_eq!(a.per_addr.get("a"), None);
        a.handshake_done(1);
        a.handshake_done(1);
        assert_eq!(a.handshaking, 0);
        assert!(a.left(1));
        assert_eq!(a.len(), 0);
    }
}
