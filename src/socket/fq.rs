//! Fair queueing: receive from the pipes that have messages in turn, keeping
//! the frames of one message together. Application thread.

use super::pipes::{PipeId, PipeSet};
use crate::errno::{Errno, ZResult};
use crate::msg::Msg;
use crate::pipe::Read;

#[derive(Default)]
pub struct FairQueue {
    active: Vec<PipeId>,
    current: usize,
    /// Inside a multipart message: stay on `active[current]`.
    more: bool,
}

impl FairQueue {
    pub fn attach(&mut self, id: PipeId) {
        if !self.active.contains(&id) {
            self.active.push(id);
        }
    }

    pub fn detach(&mut self, id: PipeId) {
        if let Some(i) = self.active.iter().position(|&p| p == id) {
            if i == self.current && self.more {
                // The peer went away mid-message; the rest never comes.
                self.more = false;
            }
            self.active.swap_remove(i);
            if self.current >= self.active.len() {
                self.current = 0;
            }
        }
    }

    pub fn activated(&mut self, id: PipeId) {
        self.attach(id);
    }

    /// Receives the next frame and the pipe it came from.
    pub fn recv_from(&mut self, pipes: &mut PipeSet) -> ZResult<(Msg, PipeId)> {
        while !self.active.is_empty() {
            if self.current >= self.active.len() {
                self.current = 0;
            }
            let id = self.active[self.current];
            let read = match pipes.get(id) {
                Some(p) => p.read(),
                None => Read::Closed,
            };
            match read {
                Read::Msg(m) => {
                    pipes.last_read = Some(id);
                    self.more = m.more();
                    if !self.more {
                        self.current = (self.current + 1) % self.active.len();
                    }
                    return Ok((m, id));
                }
                Read::Empty | Read::Closed => {
                    if matches!(read, Read::Closed) {
                        pipes.mark_dead(id);
                    }
                    // A half-received message can't be completed from another pipe.
                    self.more = false;
                    self.active.swap_remove(self.current);
                    if self.current >= self.active.len() {
                        self.current = 0;
                    }
                }
            }
        }
        Err(Errno::EAGAIN)
    }

    /// Throws away the rest of a message whose frame said `more`.
    pub fn skip_rest(&mut self, pipes: &mut PipeSet, mut more: bool) {
        while more {
            match self.recv_from(pipes) {
                Ok((m, _)) => more = m.more(),
                Err(_) => break,
            }
        }
    }

    pub fn recv(&mut self, pipes: &mut PipeSet) -> ZResult<Msg> {
        self.recv_from(pipes).map(|(m, _)| m)
    }

    pub fn has_in(&mut self, pipes: &mut PipeSet) -> bool {
        if self.more {
            return true;
        }
        let mut i = 0;
        while i < self.active.len() {
            let id = self.active[i];
            if pipes.get(id).map(|p| p.has_data()).unwrap_or(false) {
                return true;
            }
            i += 1;
        }
        false
    }
}
