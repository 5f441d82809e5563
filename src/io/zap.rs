//! ZAP (RFC 27) for sessions: hands a connection's ZAP request to the
//! handler bound at inproc://zeromq.zap.01 in the socket's context, through
//! a pipe of its own, and collects the reply without blocking. I/O thread.

use crate::msg::Msg;
use crate::pipe::{pipe_pair, Limits, Notify, PipeEnd, Read};
use crate::socket::pipes::introduction;
use crate::socket::{Attach, SocketCmd, SocketShared};
use crate::zmtp::mechanism::zap::REPLY_FRAMES;
use crate::zmtp::mechanism::ZapRequest;

/// Where ZAP handlers bind, as an inproc name.
const ENDPOINT: &str = "zeromq.zap.01";

/// Messages each way on a ZAP pipe: one request and one reply are in
/// flight; a handler that sends more is held back, not buffered.
const HWM: u64 = 4;

/// A ZAP request in flight: our end of a pipe to the handler's socket and
/// the reply's frames read so far. Dropping it closes the pipe.
pub(super) struct ZapLink {
    pipe: PipeEnd,
    reply: Vec<Msg>,
}

/// How far a ZAP reply got.
pub(super) enum ZapRead {
    Waiting,
    Reply(Vec<Msg>),
    /// The handler's socket went away.
    Closed,
}

impl ZapLink {
    /// Sends `req` to the handler of `socket`'s context; `None` when no
    /// handler is bound. `notify` wakes the session when the reply (or the
    /// pipe's end) comes.
    pub(super) fn send(socket: &SocketShared, req: &ZapRequest, notify: Notify) -> Option<ZapLink> {
        let handler = socket.ctx.upgrade()?.inproc_lookup(ENDPOINT)?;
        let limits = Limits {
            hwm: HWM,
            byte_cap: 0,
            conflate: false,
        };
        let (mut mine, mut theirs) = pipe_pair(limits, limits);
        // An anonymous peer to the handler (a ROUTER makes up an id).
        mine.out.write(introduction(&[], None));
        let frames = req.frames();
        let last = frames.len().saturating_sub(1);
        for (i, f) in frames.into_iter().enumerate() {
            let mut m = Msg::from_vec(f);
            m.set_more(i < last);
            mine.out.write(m);
        }
        mine.out.flush();
        theirs.out.write(handler.intro.clone());
        theirs.out.flush();
        mine.set_notify(Some(notify));
        handler
            .socket
            .mailbox
            .send(SocketCmd::Attach(Box::new(Attach {
                end: theirs,
                endpoint: format!("inproc://{ENDPOINT}"),
                routing_id: None,
                inproc_hwms: None,
            })));
        Some(ZapLink {
            pipe: mine,
            reply: Vec::new(),
        })
    }

    /// Reads what arrived, without blocking: at most `REPLY_FRAMES` frames
    /// of one message (what is beyond is malformed, and never read).
    /// Finding the pipe empty arms its wake-up.
    pub(super) fn read(&mut self) -> ZapRead {
        loop {
            match self.pipe.inp.read() {
                // The handler's introduction.
                Read::Msg(m) if m.is_command() => {}
                Read::Msg(m) => {
                    let more = m.more();
                    self.reply.push(m);
                    if !more || self.reply.len() == REPLY_FRAMES {
                        return ZapRead::Reply(std::mem::take(&mut self.reply));
                    }
                }
                Read::Empty => return ZapRead::Waiting,
                Read::Closed => return ZapRead::Closed,
            }
        }
    }
}

impl Drop for ZapLink {
    fn drop(&mut self) {
        self.pipe.close();
    }
}
