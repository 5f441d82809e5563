//! The interface every socket type implements. The socket base owns pipes,
//! options, commands and blocking; a pattern decides where a message goes and
//! which one is next. Application thread.

use super::options::{OptValue, Options};
use super::pipes::{PipeId, PipeSet};
use crate::errno::{Errno, ZResult};
use crate::msg::Msg;

pub trait Pattern: Send {
    /// A new pipe joined the socket.
    fn attach(&mut self, pipes: &mut PipeSet, id: PipeId, opts: &Options);

    /// A pipe left the socket (its peer went away or it was disconnected).
    fn detach(&mut self, pipes: &mut PipeSet, id: PipeId);

    /// Sends one frame. On success the frame is taken out of `msg`.
    /// EAGAIN when it cannot be sent now.
    fn send(&mut self, pipes: &mut PipeSet, msg: &mut Msg, opts: &Options) -> ZResult<()>;

    /// Receives one frame; EAGAIN when none is ready.
    fn recv(&mut self, pipes: &mut PipeSet, opts: &Options) -> ZResult<Msg>;

    fn has_in(&mut self, pipes: &mut PipeSet) -> bool;

    fn has_out(&mut self, pipes: &mut PipeSet) -> bool;

    /// A pipe that was empty has messages.
    fn read_activated(&mut self, pipes: &mut PipeSet, id: PipeId);

    /// A pipe that was full has room.
    fn write_activated(&mut self, pipes: &mut PipeSet, id: PipeId);

    /// The peer behind a pipe reconnected (resend subscriptions).
    fn hiccuped(&mut self, _pipes: &mut PipeSet, _id: PipeId) {}

    /// Type-specific options; EINVAL lets the generic options have a go.
    fn set_option(
        &mut self,
        _pipes: &mut PipeSet,
        _opt: i32,
        _val: &[u8],
        _opts: &Options,
    ) -> ZResult<()> {
        Err(Errno::EINVAL)
    }

    fn get_option(&self, _opt: i32) -> ZResult<OptValue> {
        Err(Errno::EINVAL)
    }

    /// Bytes the pattern itself holds for peers (subscription tries), counted
    /// in the socket's budget.
    fn memory(&self) -> usize {
        0
    }
}
