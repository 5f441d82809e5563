//! The loop behind zmq_proxy, zmq_proxy_steerable and zmq_device: moves
//! whole messages between a frontend and a backend (or from a socket back to
//! itself), copies every frame to an optional capture socket and obeys an
//! optional control socket. Runs on the caller's application thread, which
//! owns every socket it is given.
//!
//! A message is taken from one side only when the other side can take it
//! (ZMQ_POLLOUT), so the proxy never holds a message and HWM back-pressure
//! reaches the sender. When nothing can move, the thread sleeps on the
//! sockets' mailboxes: a pipe wakes a socket only when it turns non-empty or
//! regains room after being found full, so a blocked side never spins.

use super::Socket;
use crate::consts::{ZMQ_DONTWAIT, ZMQ_SNDMORE};
use crate::errno::{Errno, ZResult};
use crate::mailbox::{Mailbox, Signaler};
use crate::msg::Msg;

/// Messages moved in one direction (or control commands handled) before the
/// others get a turn, as libzmq's proxy burst.
const BURST: usize = 1000;

/// The sockets a proxy runs over; each is a distinct socket.
pub struct ProxySockets<'a> {
    pub frontend: &'a mut Socket,
    /// None: the frontend is its own backend (zmq_proxy(s, s, ..)).
    pub backend: Option<&'a mut Socket>,
    pub capture: Option<&'a mut Socket>,
    pub control: Option<&'a mut Socket>,
}

/// Frames and bytes through one side in one direction.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Count {
    pub frames: u64,
    pub bytes: u64,
}

impl Count {
    fn add(&mut self, len: usize) {
        self.frames += 1;
        self.bytes += len as u64;
    }
}

/// What STATISTICS reports. Like libzmq 4.3.5, every frame counts as a
/// message.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Stats {
    pub front_in: Count,
    pub front_out: Count,
    pub back_in: Count,
    pub back_out: Count,
}

impl Stats {
    /// The eight STATISTICS frames, in zmq_proxy_steerable(3)'s order.
    pub fn frames(&self) -> [u64; 8] {
        [
            self.front_in.frames,
            self.front_in.bytes,
            self.front_out.frames,
            self.front_out.bytes,
            self.back_in.frames,
            self.back_in.bytes,
            self.back_out.frames,
            self.back_out.bytes,
        ]
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Active,
    Paused,
    Terminated,
}

/// A control command, from a message's first frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Command {
    Pause,
    Resume,
    Terminate,
    Statistics,
    Unknown,
}

impl Command {
    fn parse(frame: &[u8]) -> Command {
        match frame {
            b"PAUSE" => Command::Pause,
            b"RESUME" => Command::Resume,
            b"TERMINATE" => Command::Terminate,
            b"STATISTICS" => Command::Statistics,
            _ => Command::Unknown,
        }
    }

    /// The state after this command.
    fn next(self, state: State) -> State {
        match self {
            Command::Pause => State::Paused,
            Command::Resume => State::Active,
            Command::Terminate => State::Terminated,
            Command::Statistics | Command::Unknown => state,
        }
    }
}

/// Runs the proxy. Returns Ok only after TERMINATE on the control socket;
/// otherwise the first error (ETERM once the context is terminated).
pub fn run(mut s: ProxySockets) -> ZResult<()> {
    let mut state = State::Active;
    let mut stats = Stats::default();
    loop {
        let mut busy = false;
        if let Some(control) = s.control.as_deref_mut() {
            for _ in 0..BURST {
                if !control_command(control, &mut state, &stats)? {
                    break;
                }
                busy = true;
                if state == State::Terminated {
                    return Ok(());
                }
            }
        }
        if state == State::Active {
            match s.backend.as_deref_mut() {
                Some(back) => {
                    let (front, capture) = (&mut *s.frontend, s.capture.as_deref_mut());
                    busy |= forward(
                        front,
                        Some(&mut *back),
                        capture,
                        &mut stats.front_in,
                        &mut stats.back_out,
                    )?;
                    busy |= forward(
                        back,
                        Some(front),
                        s.capture.as_deref_mut(),
                        &mut stats.back_in,
                        &mut stats.front_out,
                    )?;
                }
                None => {
                    busy |= forward(
                        s.frontend,
                        None,
                        s.capture.as_deref_mut(),
                        &mut stats.front_in,
                        &mut stats.back_out,
                    )?;
                }
            }
        }
        // Something moved: more may be waiting. Otherwise sleep until a
        // socket hears from a peer.
        if !busy {
            wait(&mut s)?;
        }
    }
}

/// Moves up to BURST whole messages from `from` to `to` (None: back into
/// `from`), each frame copied to `capture` first. Returns whether any moved.
fn forward(
    from: &mut Socket,
    mut to: Option<&mut Socket>,
    mut capture: Option<&mut Socket>,
    got: &mut Count,
    put: &mut Count,
) -> ZResult<bool> {
    for n in 0..BURST {
        // Take nothing the other side cannot take now.
        if let Some(t) = to.as_deref_mut() {
            if !t.ready_out()? {
                return Ok(n > 0);
            }
        }
        let mut msg = match from.recv(ZMQ_DONTWAIT) {
            Ok(m) => m,
            Err(e) if e == Errno::EAGAIN => return Ok(n > 0),
            Err(e) => return Err(e),
        };
        loop {
            let more = msg.more();
            let len = msg.len();
            got.add(len);
            // Connection properties belong to the hop they came over.
            msg.set_metadata(None);
            let flags = if more { ZMQ_SNDMORE } else { 0 };
            if let Some(c) = capture.as_deref_mut() {
                let mut copy = msg.share();
                c.send(&mut copy, flags)?;
            }
            let dst = match to.as_deref_mut() {
                Some(t) => t,
                None => &mut *from,
            };
            dst.send(&mut msg, flags)?;
            put.add(len);
            if !more {
                break;
            }
            // The rest of a message is queued with its first frame.
            msg = from.recv(0)?;
        }
    }
    Ok(true)
}

/// Handles one control message, if one is waiting; returns whether one was.
/// Every command but STATISTICS is answered with an empty frame (libzmq
/// 4.3.5, so a REP control socket keeps its turn); a control socket that
/// cannot send (SUB, PULL) just takes commands.
fn control_command(control: &mut Socket, state: &mut State, stats: &Stats) -> ZResult<bool> {
    let first = match control.recv(ZMQ_DONTWAIT) {
        Ok(m) => m,
        Err(e) if e == Errno::EAGAIN => return Ok(false),
        Err(e) => return Err(e),
    };
    let cmd = Command::parse(first.data());
    // A command is one frame; the rest of a longer message is dropped.
    let mut more = first.more();
    while more {
        more = control.recv(0)?.more();
    }
    *state = cmd.next(*state);
    if cmd == Command::Statistics {
        let vals = stats.frames();
        for (i, v) in vals.iter().enumerate() {
            let mut m = Msg::from_slice(&v.to_ne_bytes());
            let flags = if i + 1 < vals.len() { ZMQ_SNDMORE } else { 0 };
            control.send(&mut m, flags)?;
        }
        return Ok(true);
    }
    match control.send(&mut Msg::new(), 0) {
        Err(e) if e == Errno::ENOTSUP => Ok(true),
        other => other.map(|()| true),
    }
}

/// How long the proxy spins for a command before it sleeps, when all its
/// peers are other application threads (as `Socket::wait`).
const SPIN_BEFORE_SLEEP: std::time::Duration = super::SPIN_BEFORE_SLEEP;

/// Sleeps until the frontend, backend or control socket gets a command,
/// then handles them; ETERM once the context is terminated.
fn wait(s: &mut ProxySockets) -> ZResult<()> {
    {
        let socks: [Option<&Socket>; 3] = [
            Some(&*s.frontend),
            s.backend.as_deref(),
            s.control.as_deref(),
        ];
        let socks: Vec<&Socket> = socks.into_iter().flatten().collect();
        let mailboxes: Vec<&Mailbox<_>> = socks.iter().map(|x| &x.shared.mailbox).collect();
        let all_inproc = socks.iter().all(|x| x.pipes.all_inproc());
        let spun = all_inproc && Mailbox::spin_for_any(&mailboxes, SPIN_BEFORE_SLEEP);
        if !spun {
            let armed = mailboxes.iter().take_while(|m| m.arm()).count();
            let result = if armed == mailboxes.len() {
                let sigs: Vec<&Signaler> = mailboxes.iter().map(|m| m.signaler()).collect();
                Signaler::wait_any(&sigs)
            } else {
                // One already has a command: look at it instead of sleeping.
                Ok(())
            };
            for m in &mailboxes[..armed] {
                m.disarm();
            }
            result?;
        }
    }
    for sock in [
        Some(&mut *s.frontend),
        s.backend.as_deref_mut(),
        s.control.as_deref_mut(),
    ]
    .into_iter()
    .flatten()
    {
        sock.process_commands();
        sock.check_alive()?;
    }
    Ok(())
}

impl Socket {
    /// Whether a send would not block now (ZMQ_POLLOUT); ETERM once the
    /// context is terminated.
    fn ready_out(&mut self) -> ZResult<bool> {
        self.check_alive()?;
        self.process_commands();
        self.check_alive()?;
        loop {
            let out = self.pattern.has_out(&mut self.pipes);
            // A pipe that went may have changed the answer: ask again.
            if !self.reap() {
                return Ok(out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse_exactly() {
        assert_eq!(Command::parse(b"PAUSE"), Command::Pause);
        assert_eq!(Command::parse(b"RESUME"), Command::Resume);
        assert_eq!(Command::parse(b"TERMINATE"), Command::Terminate);
        assert_eq!(Command::parse(b"STATISTICS"), Command::Statistics);
        for other in [&b"PAUS"[..], b"PAUSED", b"pause", b"", b"\x05PAUSE"] {
            assert_eq!(Command::parse(other), Command::Unknown);
        }
    }

    #[test]
    fn state_table() {
        use State::*;
        let cases = [
            (Active, Command::Pause, Paused),
            (Paused, Command::Pause, Paused),
            (Paused, Command::Resume, Active),
            (Active, Command::Resume, Active),
            (Active, Command::Terminate, Terminated),
            (Paused, Command::Terminate, Terminated),
            (Paused, Command::Statistics, Paused),
            (Active, Command::Unknown, Active),
            (Paused, Command::Unknown, Paused),
        ];
        for (from, cmd, to) in cases {
            assert_eq!(cmd.next(from), to, "{from:?} + {cmd:?}");
        }
    }

    #[test]
    fn statistics_order() {
        let mut s = Stats::default();
        s.front_in.add(3);
        s.front_in.add(4);
        s.back_out.add(7);
        s.back_in.add(1);
        s.front_out.add(2);
        assert_eq!(s.frames(), [2, 7, 1, 2, 1, 1, 1, 7]);
    }
}
