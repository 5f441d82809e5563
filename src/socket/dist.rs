//! Fan-out: a message goes to every matching pipe that has room; pipes at
//! their limit miss it (PUB semantics; counted later by the guard).
//! Application thread.

use super::pipes::{PipeId, PipeSet};
use crate::msg::Msg;
use crate::pipe::Room;

#[derive(Default)]
pub struct Distributor {
    pub pipes: Vec<PipeId>,
    /// Pipes receiving the current multipart message.
    sending: Vec<PipeId>,
    more: bool,
}

impl Distributor {
    pub fn attach(&mut self, id: PipeId) {
        if !self.pipes.contains(&id) {
            self.pipes.push(id);
        }
    }

    pub fn detach(&mut self, id: PipeId) {
        self.pipes.retain(|&p| p != id);
        self.sending.retain(|&p| p != id);
    }

    /// Whether a message is half sent.
    pub fn in_message(&self) -> bool {
        self.more
    }

    /// Sends one frame to `targets` (decided at the first frame) and returns
    /// how many pipes took it.
    pub fn send(&mut self, pipes: &mut PipeSet, msg: Msg, targets: Option<&[PipeId]>) -> usize {
        if !self.more {
            self.sending.clear();
            let candidates: &[PipeId] = targets.unwrap_or(&self.pipes);
            for &id in candidates {
                match pipes.get(id).map(|p| p.room()) {
                    Some(Room::Yes) => {
                        pipes.has_room(id);
                        self.sending.push(id)
                    }
                    Some(Room::Closed) => pipes.mark_dead(id),
                    Some(Room::Full) => pipes.dropped_at_hwm(id),
                    None => {}
                }
            }
        }
        let more = msg.more();
        let n = self.sending.len();
        let mut msg = Some(msg);
        for (i, &id) in self.sending.iter().enumerate() {
            if let Some(p) = pipes.get(id) {
                // The last pipe takes the original; the others share its body.
                let m = if i + 1 == n {
                    msg.take().unwrap_or_default()
                } else {
                    msg.clone().unwrap_or_default()
                };
                p.write(m);
                if !more {
                    p.flush();
                }
            }
        }
        self.more = more;
        n
    }

    /// Whether every pipe has room (XPUB_NODROP asks before sending).
    pub fn all_have_room(&self, pipes: &mut PipeSet, targets: &[PipeId]) -> bool {
        targets
            .iter()
            .all(|&id| !matches!(pipes.get(id).map(|p| p.room()), Some(Room::Full)))
    }
}
