//! The socket's memory budget (HARDENING.md): all its pipes together hold
//! at most the budget. Nothing is counted per message: when the pipes'
//! byte caps could add up to more than the budget, each pipe's cap drops to
//! its fair share, budget / (2 x peers), and the pipes' own limits do the
//! rest (a blocking pattern waits, a dropping one drops, a session stops
//! reading its connection). Rebalanced when peers come and go.

use super::monitor::Event;
use super::Socket;
use crate::consts::ZMQ_RAMPART_EVENT_BUDGET_EXCEEDED;

/// A pipe's share never drops below this (an empty pipe still takes one
/// message of any size).
const MIN_SHARE: u64 = 4 * 1024;

/// The byte cap for each of `pipes` pipe pairs under `budget` (0 = none),
/// given the configured `cap` (0 = none); None when the budget does not
/// constrain them.
pub fn share(budget: u64, cap: u64, pipes: usize) -> Option<u64> {
    if budget == 0 || pipes == 0 {
        return None;
    }
    let share = (budget / (2 * pipes as u64)).max(MIN_SHARE);
    (cap == 0 || share < cap).then_some(share)
}

impl Socket {
    /// The budget in force: the socket's own, within its share of the
    /// context's (0 = none).
    fn effective_budget(&self) -> u64 {
        let own = self.opts.socket_budget;
        match self.ctx.socket_budget_share() {
            Some(ctx) if own == 0 || ctx < own => ctx.max(1),
            _ => own,
        }
    }

    /// Sets every pipe's byte cap to the fair share, or back to the
    /// configured cap. A share is set an eighth tighter than needed and
    /// kept while it stays within a quarter of the need, so peers joining
    /// one by one rewrite the caps only every so often.
    pub(super) fn rebalance(&mut self) {
        let budget = self.effective_budget();
        // What the pattern holds (subscriptions) leaves less for the pipes.
        let for_pipes = match budget {
            0 => 0,
            b => b.saturating_sub(self.pattern.memory() as u64).max(1),
        };
        let need = share(for_pipes, self.opts.pipe_byte_cap, self.pipes.len());
        let have = self.pipes.budget_share;
        let want = match (have, need) {
            (None, None) => return,
            (Some(a), Some(b)) if a <= b && a >= b - b / 4 => return,
            (_, Some(b)) => Some((b - b / 8).max(MIN_SHARE)),
            (_, None) => None,
        };
        self.pipes.budget_share = want;
        let cap = want.unwrap_or(self.opts.pipe_byte_cap);
        for (_, p) in self.pipes.iter_mut() {
            set_caps(p, cap);
        }
        if have.is_none() {
            if let Some(share) = want {
                let values = [budget, share];
                self.shared.monitor.emit(&Event {
                    id: ZMQ_RAMPART_EVENT_BUDGET_EXCEEDED,
                    values: &values,
                    local: &self.last_endpoint,
                    remote: "",
                    v1_local: true,
                });
            }
        }
    }

    /// A new pipe starts with the current share, if one is in force.
    pub(super) fn apply_share(&mut self, id: super::pipes::PipeId) {
        if let Some(share) = self.pipes.budget_share {
            if let Some(p) = self.pipes.get(id) {
                set_caps(p, share);
            }
        }
    }
}

/// Caps what the socket's side of a pipe holds: what we write, and what
/// our session writes for us; an inproc peer's writes fall under its own
/// socket's budget.
fn set_caps(p: &mut super::pipes::Pipe, cap: u64) {
    p.end.out.set_byte_cap(cap);
    if p.is_networked() {
        p.end.inp.set_byte_cap(cap);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares() {
        const MIB: u64 = 1 << 20;
        // 4 peers x 2 x 32 MiB fit in 256 MiB: no constraint.
        assert_eq!(share(256 * MIB, 32 * MIB, 4), None);
        assert_eq!(share(256 * MIB, 32 * MIB, 5), Some(256 * MIB / 10));
        assert_eq!(share(256 * MIB, 0, 1), Some(128 * MIB));
        assert_eq!(share(0, 32 * MIB, 1000), None);
        assert_eq!(share(MIB, 32 * MIB, 100_000), Some(MIN_SHARE));
        assert_eq!(share(MIB, 32 * MIB, 0), None);
    }
}
