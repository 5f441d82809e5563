//! The context: options, the I/O thread pool (started on first use), the
//! inproc registry, the set of open sockets and the term/shutdown state
//! machine. Shared by every thread that uses the context.

use crate::consts::*;
use crate::errno::{Errno, ZResult};
use crate::guard::Defaults;
use crate::io::IoThread;
use crate::msg::Msg;
use crate::pipe::{pipe_pair, Limits, PipeEnd};
use crate::socket::{SocketCmd, SocketShared};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

mod sched;
pub use sched::ThreadParams;

/// What a socket tells the inproc registry about itself.
#[derive(Clone)]
pub struct InprocPeer {
    pub socket: Arc<SocketShared>,
    pub sndhwm: i32,
    pub rcvhwm: i32,
    pub byte_cap: u64,
    pub conflate: bool,
    /// Its introduction frame (routing id and properties).
    pub intro: Msg,
}

/// Result of an inproc connect.
pub enum InprocConnect {
    /// The endpoint is bound: make a pipe with this peer.
    Bound(InprocPeer),
    /// Not bound yet: here is our end; the other waits in the registry.
    Pending(Box<PipeEnd>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lifecycle {
    Active,
    /// zmq_ctx_shutdown or zmq_ctx_term started: sockets get ETERM.
    Terminating,
}

struct State {
    lifecycle: Lifecycle,
    io_threads_n: i32,
    max_sockets: i32,
    ipv6: bool,
    blocky: bool,
    max_msgsz: i32,
    /// ZMQ_MAX_MSGSZ was set explicitly (then it is enforced).
    max_msgsz_set: bool,
    /// ZMQ_RAMPART_CTX_BUDGET_MB in bytes; 0 = none.
    budget: u64,
    /// ZMQ_THREAD_*: applied to I/O threads as they start. The priority
    /// shares its id with ZMQ_SOCKET_LIMIT, so it can be set but not read.
    threads: ThreadParams,
    sockets: HashMap<u64, Arc<SocketShared>>,
    io: Vec<IoThread>,
    inproc: HashMap<String, InprocPeer>,
    pending: HashMap<String, Vec<(PipeEnd, InprocPeer)>>,
    /// Lingers requested by closed sockets, passed to I/O threads at term.
    max_linger_ms: i32,
}

pub struct CtxShared {
    state: Mutex<State>,
    closed: Condvar,
    defaults: Defaults,
    next_socket_id: AtomicU64,
}

impl CtxShared {
    pub fn new() -> Arc<CtxShared> {
        let defaults = Defaults::from_env();
        Arc::new(CtxShared {
            state: Mutex::new(State {
                budget: defaults.ctx_budget,
                lifecycle: Lifecycle::Active,
                io_threads_n: 1,
                max_sockets: 1023,
                ipv6: false,
                blocky: true,
                max_msgsz: i32::MAX,
                max_msgsz_set: false,
                threads: ThreadParams::default(),
                sockets: HashMap::new(),
                io: Vec::new(),
                inproc: HashMap::new(),
                pending: HashMap::new(),
                max_linger_ms: 0,
            }),
            closed: Condvar::new(),
            defaults,
            next_socket_id: AtomicU64::new(1),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn set(&self, opt: i32, val: i32) -> ZResult<()> {
        let mut st = self.lock();
        match opt {
            ZMQ_IO_THREADS if val >= 0 => st.io_threads_n = val,
            ZMQ_RAMPART_CTX_BUDGET_MB if val >= 0 => st.budget = (val as u64) << 20,
            ZMQ_MAX_SOCKETS if val >= 1 => st.max_sockets = val,
            // Any non-negative value, as libzmq: non-zero means on.
            ZMQ_IPV6 if val >= 0 => st.ipv6 = val != 0,
            ZMQ_BLOCKY if val >= 0 => st.blocky = val != 0,
            ZMQ_MAX_MSGSZ if val >= 0 => {
                st.max_msgsz = val;
                st.max_msgsz_set = true;
            }
            // As libzmq: the defaults (-1) cannot be set back explicitly.
            ZMQ_THREAD_PRIORITY if val >= 0 => st.threads.priority = val,
            ZMQ_THREAD_SCHED_POLICY if val >= 0 => st.threads.sched_policy = val,
            ZMQ_THREAD_NAME_PREFIX => st.threads.name_prefix = val.to_string(),
            ZMQ_THREAD_AFFINITY_CPU_ADD if val >= 0 => {
                st.threads.affinity.insert(val);
            }
            ZMQ_THREAD_AFFINITY_CPU_REMOVE if val >= 0 => {
                if !st.threads.affinity.remove(&val) {
                    return Err(Errno::EINVAL);
                }
            }
            _ => return Err(Errno::EINVAL),
        }
        Ok(())
    }

    pub fn get(&self, opt: i32) -> ZResult<i32> {
        let st = self.lock();
        Ok(match opt {
            ZMQ_IO_THREADS => st.io_threads_n,
            ZMQ_MAX_SOCKETS => st.max_sockets,
            ZMQ_SOCKET_LIMIT => socket_limit(),
            ZMQ_IPV6 => st.ipv6 as i32,
            ZMQ_BLOCKY => st.blocky as i32,
            ZMQ_MAX_MSGSZ => st.max_msgsz,
            ZMQ_MSG_T_SIZE => 64,
            ZMQ_RAMPART_CTX_BUDGET_MB => (st.budget >> 20).min(i32::MAX as u64) as i32,
            ZMQ_THREAD_SCHED_POLICY => st.threads.sched_policy,
            ZMQ_THREAD_NAME_PREFIX => st.threads.name_prefix_number(),
            ZMQ_RAMPART_PROFILE => match self.defaults.profile {
                crate::guard::Profile::Compat => RAMPART_PROFILE_COMPAT,
                crate::guard::Profile::Default => RAMPART_PROFILE_DEFAULT,
                crate::guard::Profile::Strict => RAMPART_PROFILE_STRICT,
            },
            _ => return Err(Errno::EINVAL),
        })
    }

    /// What a new socket starts with: profile defaults, BLOCKY, IPV6.
    /// What a new socket starts with. Outside the compat profile an
    /// explicit ZMQ_MAX_MSGSZ is enforced, as the sockets' default
    /// MAXMSGSIZE (libzmq stores it and ignores it).
    pub fn socket_defaults(&self) -> (Defaults, bool, bool) {
        let st = self.lock();
        let mut d = self.defaults.clone();
        if st.max_msgsz_set && d.profile != crate::guard::Profile::Compat {
            d.max_msg_size = st.max_msgsz as i64;
        }
        (d, st.blocky, st.ipv6)
    }

    /// The most one socket may hold under the context's budget: an equal
    /// share per socket (None = no context budget).
    pub fn socket_budget_share(&self) -> Option<u64> {
        let st = self.lock();
        (st.budget > 0).then(|| st.budget / st.sockets.len().max(1) as u64)
    }

    /// Registers a new socket; ETERM once terminating, EMFILE at MAX_SOCKETS.
    pub fn new_socket_id(&self) -> ZResult<u64> {
        let st = self.lock();
        if st.lifecycle != Lifecycle::Active {
            return Err(Errno::ETERM);
        }
        if st.sockets.len() >= st.max_sockets as usize {
            return Err(Errno::EMFILE);
        }
        Ok(self.next_socket_id.fetch_add(1, Ordering::Relaxed))
    }

    pub fn register_socket(&self, s: Arc<SocketShared>) -> ZResult<()> {
        let mut st = self.lock();
        if st.lifecycle != Lifecycle::Active {
            return Err(Errno::ETERM);
        }
        if st.sockets.len() >= st.max_sockets as usize {
            return Err(Errno::EMFILE);
        }
        st.sockets.insert(s.id, s);
        Ok(())
    }

    pub fn pick_io_thread(&self, socket_id: u64) -> usize {
        let n = self.lock().io_threads_n.max(1) as u64;
        (socket_id % n) as usize
    }

    /// The I/O thread `i`, starting the pool on first use.
    pub fn io(&self, i: usize) -> ZResult<IoThread> {
        let mut st = self.lock();
        if st.io_threads_n == 0 {
            // libzmq: no I/O threads means only inproc works.
            return Err(Errno::EMTHREAD);
        }
        if st.io.is_empty() {
            for n in 0..st.io_threads_n.max(1) {
                let t = IoThread::start(n as usize, &st.threads).map_err(|_| Errno::EMFILE)?;
                st.io.push(t);
            }
        }
        st.io.get(i % st.io.len()).cloned().ok_or(Errno::EMTHREAD)
    }

    pub fn socket_closed(&self, id: u64, linger: i32) {
        let io = {
            let mut st = self.lock();
            st.sockets.remove(&id);
            // Its pending inproc connects keep what it sent for the bind
            // still to come, whatever its LINGER (as libzmq); they go when
            // the bind takes them or the context ends.
            st.max_linger_ms = st.max_linger_ms.max(linger);
            self.closed.notify_all();
            st.io.clone()
        };
        for t in io {
            t.send(crate::io::IoCmd::SocketClosed {
                socket_id: id,
                linger,
            });
        }
    }

    // ---- inproc ---------------------------------------------------------

    /// Binds `name`; returns the connects that were waiting for it.
    pub fn inproc_bind(&self, name: &str, me: InprocPeer) -> ZResult<Vec<(PipeEnd, InprocPeer)>> {
        let mut st = self.lock();
        if st.inproc.contains_key(name) {
            return Err(Errno(libc::EADDRINUSE));
        }
        st.inproc.insert(name.to_string(), me);
        Ok(st.pending.remove(name).unwrap_or_default())
    }

    /// The socket bound at inproc `name`, if any (the ZAP handler lookup).
    pub fn inproc_lookup(&self, name: &str) -> Option<InprocPeer> {
        self.lock().inproc.get(name).cloned()
    }

    pub fn inproc_unbind(&self, name: &str, socket_id: u64) {
        let mut st = self.lock();
        if st.inproc.get(name).map(|p| p.socket.id) == Some(socket_id) {
            st.inproc.remove(name);
        }
    }

    pub fn inproc_connect(&self, name: &str, me: InprocPeer) -> ZResult<InprocConnect> {
        let mut st = self.lock();
        if let Some(peer) = st.inproc.get(name) {
            return Ok(InprocConnect::Bound(peer.clone()));
        }
        // Not bound yet: queue with our own limits until a bind shows up.
        let (mut mine, theirs) = pipe_pair(
            Limits {
                hwm: me.sndhwm.max(0) as u64,
                byte_cap: me.byte_cap,
                conflate: false,
            },
            Limits {
                hwm: me.rcvhwm.max(0) as u64,
                byte_cap: me.byte_cap,
                conflate: me.conflate,
            },
        );
        mine.out.write(me.intro.clone());
        mine.out.flush();
        st.pending
            .entry(name.to_string())
            .or_default()
            .push((theirs, me));
        Ok(InprocConnect::Pending(Box::new(mine)))
    }

    // ---- termination ----------------------------------------------------

    /// zmq_ctx_shutdown: blocking calls everywhere return ETERM.
    pub fn shutdown(&self) {
        let sockets: Vec<Arc<SocketShared>> = {
            let mut st = self.lock();
            if st.lifecycle == Lifecycle::Terminating {
                return;
            }
            st.lifecycle = Lifecycle::Terminating;
            st.sockets.values().cloned().collect()
        };
        for s in sockets {
            s.mailbox.send(SocketCmd::Stop);
        }
    }

    /// zmq_ctx_term: shutdown, wait for every socket to be closed, then let
    /// the I/O threads flush what lingers and stop them.
    pub fn terminate(&self) -> ZResult<()> {
        self.shutdown();
        let io = {
            let mut st = self.lock();
            while !st.sockets.is_empty() {
                st = self.closed.wait(st).unwrap_or_else(|e| e.into_inner());
            }
            st.inproc.clear();
            st.pending.clear();
            std::mem::take(&mut st.io)
        };
        for t in &io {
            t.send(crate::io::IoCmd::Stop);
        }
        for t in io {
            t.join();
        }
        Ok(())
    }
}

/// ZMQ_SOCKET_LIMIT: the most sockets this build supports.
fn socket_limit() -> i32 {
    65535
}
