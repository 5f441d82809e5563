//! I/O threads: one mio poll loop each, owning listeners and sessions
//! (connections with their ZMTP state). Application threads talk to an I/O
//! thread only through its mailbox; pipes carry the messages.

pub mod admission;
mod codec;
mod inbound_budget;
mod reactor;
mod session;
mod stream;
mod zap;

use crate::mailbox::Mailbox;
use crate::pipe::{PipeEnd, PipeEvent, Wake};
use crate::socket::options::Options;
use crate::socket::SocketShared;
use crate::transport::Endpoint;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// A bound listening socket handed to an I/O thread.
pub enum Listener {
    Tcp(mio::net::TcpListener),
    Unix(mio::net::UnixListener),
}

impl Listener {
    pub fn fd(&self) -> std::os::fd::RawFd {
        use std::os::fd::AsRawFd;
        match self {
            Listener::Tcp(t) => t.as_raw_fd(),
            Listener::Unix(u) => u.as_raw_fd(),
        }
    }
}

/// Commands for an I/O thread.
pub enum IoCmd {
    /// Accept connections for `socket` on this listener.
    Listen {
        key: u64,
        listener: Listener,
        socket: Arc<SocketShared>,
        opts: Arc<Options>,
        endpoint: String,
    },
    /// Connect (and keep reconnecting).
    Connect(Box<ConnectCmd>),
    /// A pipe event for the session `key`.
    Pipe(u64, PipeEvent),
    /// zmq_unbind / zmq_disconnect of the listener or session `key`.
    Close { key: u64 },
    /// The socket was closed: stop listening, flush within `linger` ms.
    SocketClosed { socket_id: u64, linger: i32 },
    /// The context is terminating: exit once everything has flushed.
    Stop,
}

/// What zmq_connect hands to an I/O thread.
pub struct ConnectCmd {
    pub key: u64,
    pub endpoint: Endpoint,
    pub addr: String,
    pub socket: Arc<SocketShared>,
    pub opts: Arc<Options>,
    /// The engine's end of a pipe the socket already has (None with
    /// ZMQ_IMMEDIATE: the pipe is made once connected).
    pub pipe: Option<PipeEnd>,
    /// CONNECT_ROUTING_ID for a pipe made once connected.
    pub connect_routing_id: Option<Vec<u8>>,
}

pub(crate) struct IoShared {
    mailbox: Mailbox<IoCmd>,
    next_key: AtomicU64,
}

impl Wake for IoShared {
    fn wake(&self, key: u64, event: PipeEvent) {
        self.mailbox.send(IoCmd::Pipe(key, event));
    }
}

/// A handle on one I/O thread.
#[derive(Clone)]
pub struct IoThread {
    shared: Arc<IoShared>,
    join: Arc<Mutex<Option<JoinHandle<()>>>>,
}

impl IoThread {
    pub fn start(index: usize, params: &crate::ctx::ThreadParams) -> std::io::Result<IoThread> {
        let shared = Arc::new(IoShared {
            mailbox: Mailbox::new()?,
            // 0 is the mailbox's token.
            next_key: AtomicU64::new(1),
        });
        let mut r = reactor::Reactor::new(shared.clone())?;
        let params = params.clone();
        let join = std::thread::Builder::new()
            .name(params.io_thread_name(index))
            .spawn(move || {
                params.apply_to_current();
                r.run()
            })?;
        Ok(IoThread {
            shared,
            join: Arc::new(Mutex::new(Some(join))),
        })
    }

    /// A key for a new listener or session on this thread.
    pub fn new_key(&self) -> u64 {
        self.shared.next_key.fetch_add(1, Ordering::Relaxed)
    }

    pub fn send(&self, cmd: IoCmd) {
        self.shared.mailbox.send(cmd);
    }

    pub fn join(self) {
        let handle = self.join.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(h) = handle {
            let _ = h.join();
        }
    }
}
