//! Frames being received count against their socket's memory budget: half
//! the budget is for decodes in progress, shared by its connections. A
//! connection whose partial frame is over its share while the socket's
//! decodes are over that half stops reading (TCP back-pressure) and looks
//! again a little later, unless it holds the socket's one token to go on,
//! which makes sure some frame always completes. I/O thread.

use crate::socket::stats::SharedStats;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// How often a paused connection looks again.
pub const RETRY: Duration = Duration::from_millis(10);
/// Changes smaller than this are not reported (one atomic per chunk, not
/// per read).
const GRANULE: u64 = 16 * 1024;
/// A partial frame this small is always allowed to grow.
const MIN_SHARE: u64 = 64 * 1024;

/// One connection's part in its socket's decode accounting.
#[derive(Default)]
pub struct DecodeShare {
    /// Bytes reported to the socket's counter.
    reported: u64,
}

impl DecodeShare {
    /// Reports `held` (bytes of the frame in progress) when it moved by a
    /// granule or dropped to zero; gives up the token once nothing is held.
    pub fn update(&mut self, stats: &SharedStats, me: u64, held: u64) {
        let moved = held.abs_diff(self.reported);
        if moved >= GRANULE || (held == 0 && self.reported != 0) {
            if held > self.reported {
                stats
                    .decoding
                    .fetch_add(held - self.reported, Ordering::Relaxed);
            } else {
                stats
                    .decoding
                    .fetch_sub(self.reported - held, Ordering::Relaxed);
            }
            self.reported = held;
        }
        if held == 0 {
            let _ =
                stats
                    .decode_token
                    .compare_exchange(me + 1, 0, Ordering::AcqRel, Ordering::Relaxed);
        }
    }

    /// The connection ended: nothing held any more.
    pub fn release(&mut self, stats: &SharedStats, me: u64) {
        self.update(stats, me, 0);
    }

    /// Whether the connection may read more with `held` bytes in progress
    /// under a socket `budget` (0 = none).
    pub fn may_read(&self, stats: &SharedStats, me: u64, held: u64, budget: u64) -> bool {
        if budget == 0 {
            return true;
        }
        let limit = budget / 2;
        let peers = stats.peers.load(Ordering::Relaxed).max(1);
        let share = (limit / peers).max(MIN_SHARE);
        if held <= share || stats.decoding.load(Ordering::Relaxed) <= limit {
            return true;
        }
        let token = &stats.decode_token;
        token.load(Ordering::Acquire) == me + 1
            || token
                .compare_exchange(0, me + 1, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn over_budget_decoders_take_turns() {
        let stats = SharedStats::default();
        stats.peers.store(2, Ordering::Relaxed);
        let budget = 1 << 20; // decode limit 512 KiB, share 256 KiB each
        let (mut a, mut b) = (DecodeShare::default(), DecodeShare::default());
        a.update(&stats, 1, 400 << 10);
        b.update(&stats, 2, 300 << 10);
        assert_eq!(stats.decoding.load(Ordering::Relaxed), 700 << 10);
        // Both over their share with the limit spent: one token.
        assert!(a.may_read(&stats, 1, 400 << 10, budget));
        assert!(!b.may_read(&stats, 2, 300 << 10, budget));
        // Under its share, anyone may read.
        assert!(b.may_read(&stats, 2, 100 << 10, budget));
        // a's frame completes: the token and its bytes go.
        a.update(&stats, 1, 0);
        assert_eq!(stats.decoding.load(Ordering::Relaxed), 300 << 10);
        assert!(b.may_read(&stats, 2, 300 << 10, budget));
        b.release(&stats, 2);
        assert_eq!(stats.decoding.load(Ordering::Relaxed), 0);
        assert!(a.may_read(&stats, 1, 10 << 20, 0), "no budget, no limit");
    }

    #[test]
    fn small_changes_wait_for_a_granule() {
        let stats = SharedStats::default();
        let mut a = DecodeShare::default();
        a.update(&stats, 7, 1000);
        assert_eq!(stats.decoding.load(Ordering::Relaxed), 0);
        a.update(&stats, 7, GRANULE + 1000);
        assert_eq!(stats.decoding.load(Ordering::Relaxed), GRANULE + 1000);
        a.release(&stats, 7);
        assert_eq!(stats.decoding.load(Ordering::Relaxed), 0);
    }
}
