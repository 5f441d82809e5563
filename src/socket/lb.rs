//! Load balancing: each message goes to the next pipe with room, round robin;
//! the frames of one message go to the same pipe. Application thread.

use super::pipes::{PipeId, PipeSet};
use crate::errno::{Errno, ZResult};
use crate::msg::Msg;
use crate::pipe::Room;

#[derive(Default)]
pub struct LoadBalancer {
    active: Vec<PipeId>,
    current: usize,
    /// Pipe of the message being sent, if it has more frames to come.
    more: Option<PipeId>,
    /// The pipe died mid-message: swallow the rest of it.
    dropping: bool,
}

impl LoadBalancer {
    pub fn attach(&mut self, id: PipeId) {
        if !self.active.contains(&id) {
            self.active.push(id);
        }
    }

    pub fn detach(&mut self, id: PipeId) {
        if self.more == Some(id) {
            self.more = None;
            self.dropping = true;
        }
        if let Some(i) = self.active.iter().position(|&p| p == id) {
            self.active.swap_remove(i);
            if self.current >= self.active.len() {
                self.current = 0;
            }
        }
    }

    pub fn activated(&mut self, id: PipeId) {
        self.attach(id);
    }

    /// Sends a frame; returns the pipe used.
    pub fn send(&mut self, pipes: &mut PipeSet, msg: &mut Msg) -> ZResult<Option<PipeId>> {
        if self.dropping {
            self.dropping = msg.more();
            *msg = Msg::new();
            return Ok(None);
        }
        if let Some(id) = self.more {
            let more = msg.more();
            if let Some(p) = pipes.get(id) {
                p.write(std::mem::take(msg));
                if !more {
                    p.flush();
                }
            }
            if !more {
                self.more = None;
                if !self.active.is_empty() {
                    self.current = (self.current + 1) % self.active.len();
                }
            }
            return Ok(Some(id));
        }
        while !self.active.is_empty() {
            if self.current >= self.active.len() {
                self.current = 0;
            }
            let id = self.active[self.current];
            let room = pipes.get(id).map(|p| p.room()).unwrap_or(Room::Closed);
            match room {
                Room::Yes => {
                    let more = msg.more();
                    if let Some(p) = pipes.get(id) {
                        p.write(std::mem::take(msg));
                        if more {
                            self.more = Some(id);
                        } else {
                            p.flush();
                            self.current = (self.current + 1) % self.active.len();
                        }
                    }
                    return Ok(Some(id));
                }
                Room::Full | Room::Closed => {
                    if room == Room::Closed {
                        pipes.mark_dead(id);
                    }
                    self.active.swap_remove(self.current);
                }
            }
        }
        Err(Errno::EAGAIN)
    }

    pub fn has_out(&mut self, pipes: &mut PipeSet) -> bool {
        if self.more.is_some() {
            return true;
        }
        while !self.active.is_empty() {
            if self.current >= self.active.len() {
                self.current = 0;
            }
            let id = self.active[self.current];
            match pipes.get(id).map(|p| p.room()).unwrap_or(Room::Closed) {
                Room::Yes => return true,
                Room::Full => {
                    self.active.swap_remove(self.current);
                }
                Room::Closed => {
                    pipes.mark_dead(id);
                    self.active.swap_remove(self.current);
                }
            }
        }
        false
    }
}
