//! Connection timers: handshake timeout and ZMTP 3.1 heartbeats. Pure state
//! driven by the `Instant`s the engine passes in. Lives with its connection.
//!
//! - Handshake: armed at creation when `handshake_ivl` is set, disarmed when
//!   the handshake completes.
//! - PING: every `heartbeat_ivl` after the handshake (3.x peers only).
//! - Timeout: when a PING is sent and no timeout is armed, arm one for
//!   `heartbeat_timeout` (default: the interval); any received byte disarms it.
//! - Peer TTL: a PING from the peer with a TTL > 0 arms a deadline of that
//!   TTL; any byte received afterwards disarms it (libzmq's behaviour).

use std::time::{Duration, Instant};

use super::error::Error;

/// What the caller must do after [`Timers::poll`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Due {
    Nothing,
    SendPing,
}

#[derive(Debug, Clone)]
pub(crate) struct Timers {
    handshake_at: Option<Instant>,
    ivl: Option<Duration>,
    timeout: Option<Duration>,
    next_ping: Option<Instant>,
    timeout_at: Option<Instant>,
    ttl_at: Option<Instant>,
}

/// A duration as whole deciseconds for the wire, saturating at 6553.5 s.
pub(crate) fn deciseconds(d: Duration) -> u16 {
    u16::try_from(d.as_millis() / 100).unwrap_or(u16::MAX)
}

impl Timers {
    pub(crate) fn new(
        now: Instant,
        handshake_ivl: Option<Duration>,
        heartbeat_ivl: Option<Duration>,
        heartbeat_timeout: Option<Duration>,
    ) -> Timers {
        let ivl = heartbeat_ivl.filter(|d| !d.is_zero());
        Timers {
            handshake_at: handshake_ivl
                .filter(|d| !d.is_zero())
                .and_then(|d| now.checked_add(d)),
            ivl,
            timeout: heartbeat_timeout.filter(|d| !d.is_zero()).or(ivl),
            next_ping: None,
            timeout_at: None,
            ttl_at: None,
        }
    }

    /// The handshake completed; start pinging if heartbeats are on and the
    /// peer speaks ZMTP 3.x.
    pub(crate) fn handshake_done(&mut self, now: Instant, heartbeats: bool) {
        self.handshake_at = None;
        if heartbeats {
            self.next_ping = self.ivl.and_then(|d| now.checked_add(d));
        }
    }

    /// Bytes arrived: a sign of life.
    pub(crate) fn on_received(&mut self) {
        self.timeout_at = None;
        self.ttl_at = None;
    }

    /// The peer sent a PING with this TTL (deciseconds).
    pub(crate) fn on_peer_ping(&mut self, now: Instant, ttl_deciseconds: u16) {
        if ttl_deciseconds > 0 {
            let ttl = Duration::from_millis(u64::from(ttl_deciseconds) * 100);
            self.ttl_at = now.checked_add(ttl);
        }
    }

    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        [
            self.handshake_at,
            self.next_ping,
            self.timeout_at,
            self.ttl_at,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Fires whatever is due at `now`.
    pub(crate) fn poll(&mut self, now: Instant) -> Result<Due, Error> {
        if self.handshake_at.is_some_and(|t| now >= t) {
            return Err(Error::HandshakeTimeout);
        }
        if self.timeout_at.is_some_and(|t| now >= t) || self.ttl_at.is_some_and(|t| now >= t) {
            return Err(Error::HeartbeatTimeout);
        }
        match (self.next_ping, self.ivl) {
            (Some(t), Some(ivl)) if now >= t => {
                self.next_ping = now.checked_add(ivl);
                if self.timeout_at.is_none() {
                    self.timeout_at = self.timeout.and_then(|d| now.checked_add(d));
                }
                Ok(Due::SendPing)
            }
            _ => Ok(Due::Nothing),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn handshake_deadline() {
        let t0 = Instant::now();
        let mut t = Timers::new(t0, Some(10 * S), None, None);
        assert_eq!(t.next_deadline(), Some(t0 + 10 * S));
        assert_eq!(t.poll(t0 + 9 * S), Ok(Due::Nothing));
        assert_eq!(t.poll(t0 + 10 * S), Err(Error::HandshakeTimeout));
        let mut t = Timers::new(t0, Some(10 * S), None, None);
        t.handshake_done(t0 + S, true);
        assert_eq!(t.next_deadline(), None);
        assert_eq!(t.poll(t0 + 100 * S), Ok(Due::Nothing));
        assert_eq!(Timers::new(t0, None, None, None).next_deadline(), None);
    }

    #[test]
    fn ping_and_timeout() {
        let t0 = Instant::now();
        let mut t = Timers::new(t0, None, Some(2 * S), Some(5 * S));
        t.handshake_done(t0, true);
        assert_eq!(t.next_deadline(), Some(t0 + 2 * S));
        assert_eq!(t.poll(t0 + 2 * S), Ok(Due::SendPing));
        // Next ping at 4 s, timeout at 7 s.
        assert_eq!(t.next_deadline(), Some(t0 + 4 * S));
        assert_eq!(t.poll(t0 + 4 * S), Ok(Due::SendPing));
        // The timeout is not pushed back by later pings.
        assert_eq!(t.poll(t0 + 6 * S), Ok(Due::SendPing));
        assert_eq!(t.poll(t0 + 7 * S), Err(Error::HeartbeatTimeout));
        // Traffic disarms it.
        let mut t = Timers::new(t0, None, Some(2 * S), None);
        t.handshake_done(t0, true);
        assert_eq!(t.poll(t0 + 2 * S), Ok(Due::SendPing));
        t.on_received();
        assert_eq!(t.poll(t0 + 4 * S), Ok(Due::SendPing));
        assert_eq!(t.poll(t0 + 5 * S), Ok(Due::Nothing));
        assert_eq!(t.poll(t0 + 6 * S), Err(Error::HeartbeatTimeout));
        // Legacy peers get no pings.
        let mut t = Timers::new(t0, None, Some(2 * S), None);
        t.handshake_done(t0, false);
        assert_eq!(t.next_deadline(), None);
    }

    #[test]
    fn peer_ttl() {
        let t0 = Instant::now();
        let mut t = Timers::new(t0, None, None, None);
        t.handshake_done(t0, true);
        t.on_peer_ping(t0, 0);
        assert_eq!(t.next_deadline(), None);
        t.on_peer_ping(t0, 30);
        assert_eq!(t.next_deadline(), Some(t0 + 3 * S));
        assert_eq!(t.poll(t0 + 3 * S), Err(Error::HeartbeatTimeout));
        t.on_received();
        assert_eq!(t.poll(t0 + 3 * S), Ok(Due::Nothing));
        assert_eq!(deciseconds(Duration::from_millis(1999)), 19);
        assert_eq!(deciseconds(Duration::from_secs(100_000)), u16::MAX);
    }
}
