//! PAIR: exactly one peer; further peers are turned away.

use crate::errno::{Errno, ZResult};
use crate::msg::Msg;
use crate::pipe::{Read, Room};
use crate::socket::options::Options;
use crate::socket::pattern::Pattern;
use crate::socket::pipes::{PipeId, PipeSet};

#[derive(Default)]
pub struct Pair {
    pipe: Option<PipeId>,
}

impl Pattern for Pair {
    fn attach(&mut self, pipes: &mut PipeSet, id: PipeId, _: &Options) {
        match self.pipe {
            None => self.pipe = Some(id),
            Some(p) if p == id => {}
            Some(_) => pipes.mark_dead(id),
        }
    }

    fn detach(&mut self, _: &mut PipeSet, id: PipeId) {
        if self.pipe == Some(id) {
            self.pipe = None;
        }
    }

    fn send(&mut self, pipes: &mut PipeSet, msg: &mut Msg, _: &Options) -> ZResult<()> {
        let id = self.pipe.ok_or(Errno::EAGAIN)?;
        let p = pipes.get(id).ok_or(Errno::EAGAIN)?;
        match p.room() {
            Room::Yes => {
                let more = msg.more();
                p.write(std::mem::take(msg));
                if !more {
                    p.flush();
                }
                Ok(())
            }
            Room::Full => Err(Errno::EAGAIN),
            Room::Closed => {
                pipes.mark_dead(id);
                Err(Errno::EAGAIN)
            }
        }
    }

    fn recv(&mut self, pipes: &mut PipeSet, _: &Options) -> ZResult<Msg> {
        let id = self.pipe.ok_or(Errno::EAGAIN)?;
        let p = pipes.get(id).ok_or(Errno::EAGAIN)?;
        match p.read() {
            Read::Msg(m) => {
                pipes.last_read = Some(id);
                Ok(m)
            }
            Read::Empty => Err(Errno::EAGAIN),
            Read::Closed => {
                pipes.mark_dead(id);
                Err(Errno::EAGAIN)
            }
        }
    }

    fn has_in(&mut self, pipes: &mut PipeSet) -> bool {
        self.pipe
            .and_then(|id| pipes.get(id))
            .map(|p| p.has_data())
            .unwrap_or(false)
    }

    fn has_out(&mut self, pipes: &mut PipeSet) -> bool {
        self.pipe
            .and_then(|id| pipes.get(id))
            .map(|p| p.room() == Room::Yes)
            .unwrap_or(false)
    }

    fn read_activated(&mut self, _: &mut PipeSet, _: PipeId) {}

    fn write_activated(&mut self, _: &mut PipeSet, _: PipeId) {}
}
