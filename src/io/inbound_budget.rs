//! What a socket's connections have received and it has not read counts
//! against its memory budget: half the budget is for it, shared by the
//! connections. A connection holds the frame it is decoding, a message
//! waiting for room, and what its inbound pipe holds unread. Over its share
//! while the socket is over that half, it stops reading (TCP back-pressure)
//! and looks again a little later, unless it holds the socket's one token,
//! which lets it finish the frame or message it started (so any frame up to
//! MAXMSGSIZE completes). The token stays with it until the socket has read
//! it back within its share, so the next large message waits its turn
//! instead of every pipe taking one. This bounds the inbound side whether
//! or not the application calls into the socket. I/O thread.

use crate::socket::stats::SharedStats;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// How often a paused connection looks again.
pub const RETRY: Duration = Duration::from_millis(10);
/// Changes smaller than this are not reported (one atomic per chunk, not
/// per read).
const GRANULE: u64 = 16 * 1024;
/// A connection holding this little may always read.
const MIN_SHARE: u64 = 64 * 1024;

/// One connection's part in its socket's inbound accounting.
#[derive(Default)]
pub struct InboundShare {
    /// Bytes reported to the socket's counter.
    reported: u64,
}

impl InboundShare {
    /// Reports `held` when it moved by a granule or dropped to zero.
    pub fn update(&mut self, stats: &SharedStats, held: u64) {
        let moved = held.abs_diff(self.reported);
        if moved >= GRANULE || (held == 0 && self.reported != 0) {
            if held > self.reported {
                stats
                    .inbound_held
                    .fetch_add(held - self.reported, Ordering::Relaxed);
            } else {
                stats
                    .inbound_held
                    .fetch_sub(self.reported - held, Ordering::Relaxed);
            }
            self.reported = held;
        }
    }

    /// The connection ended: nothing held any more, the token goes.
    pub fn release(&mut self, stats: &SharedStats, me: u64) {
        self.update(stats, 0);
        give_back(stats, me);
    }

    /// Whether the connection may read more, holding `held` bytes with a
    /// frame or message partly received (`in_progress`), under a socket
    /// `budget` (0 = none).
    pub fn may_read(
        &self,
        stats: &SharedStats,
        me: u64,
        held: u64,
        in_progress: bool,
        budget: u64,
    ) -> bool {
        if budget == 0 {
            return true;
        }
        let limit = budget / 2;
        let peers = stats.peers.load(Ordering::Relaxed).max(1);
        let share = (limit / peers).max(MIN_SHARE);
        if held <= share {
            give_back(stats, me);
            return true;
        }
        if stats.inbound_held.load(Ordering::Relaxed) <= limit {
            return true;
        }
        let token = &stats.inbound_token;
        in_progress
            && (token.load(Ordering::Acquire) == me + 1
                || token
                    .compare_exchange(0, me + 1, Ordering::AcqRel, Ordering::Relaxed)
                    .is_ok())
    }
}

/// Frees the token if `me` holds it (a plain load first: this runs per read).
fn give_back(stats: &SharedStats, me: u64) {
    let token = &stats.inbound_token;
    if token.load(Ordering::Relaxed) == me + 1 {
        let _ = token.compare_exchange(me + 1, 0, Ordering::AcqRel, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KIB: u64 = 1 << 10;

    #[test]
    fn over_budget_connections_take_turns() {
        let stats = SharedStats::default();
        stats.peers.store(2, Ordering::Relaxed);
        let budget = 1 << 20; // limit 512 KiB, share 256 KiB each
        let (mut a, mut b) = (InboundShare::default(), InboundShare::default());
        a.update(&stats, 400 * KIB);
        b.update(&stats, 300 * KIB);
        assert_eq!(stats.inbound_held.load(Ordering::Relaxed), 700 * KIB);
        // Both over their share with the limit spent: one token.
        assert!(a.may_read(&stats, 1, 400 * KIB, true, budget));
        assert!(!b.may_read(&stats, 2, 300 * KIB, true, budget));
        // Under its share, anyone may read.
        assert!(b.may_read(&stats, 2, 100 * KIB, false, budget));
        // a's message is complete but unread: a waits, and keeps the token.
        a.update(&stats, 4096 * KIB);
        assert!(!a.may_read(&stats, 1, 4096 * KIB, false, budget));
        assert!(!b.may_read(&stats, 2, 300 * KIB, true, budget));
        // The socket reads it: a is back within its share, the token is free.
        a.update(&stats, 0);
        assert!(a.may_read(&stats, 1, 0, false, budget));
        assert_eq!(stats.inbound_held.load(Ordering::Relaxed), 300 * KIB);
        b.update(&stats, 600 * KIB);
        assert!(b.may_read(&stats, 2, 600 * KIB, true, budget));
        b.release(&stats, 2);
        assert_eq!(stats.inbound_held.load(Ordering::Relaxed), 0);
        assert_eq!(stats.inbound_token.load(Ordering::Relaxed), 0);
        assert!(
            a.may_read(&stats, 1, 10 << 20, false, 0),
            "no budget, no limit"
        );
    }

    #[test]
    fn under_the_limit_anyone_reads() {
        let stats = SharedStats::default();
        stats.peers.store(4, Ordering::Relaxed);
        let mut a = InboundShare::default();
        a.update(&stats, 300 * KIB);
        // Over its 128 KiB share, but the socket holds less than 512 KiB.
        assert!(a.may_read(&stats, 1, 300 * KIB, false, 1 << 20));
        assert_eq!(stats.inbound_token.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn small_changes_wait_for_a_granule() {
        let stats = SharedStats::default();
        let mut a = InboundShare::default();
        a.update(&stats, 1000);
        assert_eq!(stats.inbound_held.load(Ordering::Relaxed), 0);
        a.update(&stats, GRANULE + 1000);
        assert_eq!(stats.inbound_held.load(Ordering::Relaxed), GRANULE + 1000);
        a.release(&stats, 7);
        assert_eq!(stats.inbound_held.load(Ordering::Relaxed), 0);
    }
}
