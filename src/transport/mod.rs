//! Transports: endpoint parsing (`tcp://`, `ipc://`, `inproc://`), name
//! and interface resolution, and the non-blocking listeners and connecters
//! the I/O threads drive with mio.
//!
//! Threads: parsing, `resolve_bind`, `tcp_listen`, `ipc_listen`,
//! `ipc_unlink` and `endpoint_key` run on the application thread (bind,
//! unbind, connect and close report errors synchronously); `resolve_connect`,
//! `tcp_connect`, `tcp_accept`, `tune_tcp_stream`, `ipc_connect` and the
//! peer-address helpers run on I/O threads. Nothing here keeps state
//! between calls.
//!
//! Typical use:
//! - bind: `parse` → `resolve_bind` → `tcp_listen` → LAST_ENDPOINT =
//!   `tcp_endpoint_string(listener.local_addr())`; ipc: `ipc_listen` →
//!   LAST_ENDPOINT = the returned `IpcBound`'s `Display`.
//! - connect: `parse_connect` (app thread; keep the original string as the
//!   disconnect key and LAST_ENDPOINT) → in the I/O thread, per attempt,
//!   `resolve_connect` → `tcp_connect` → on writable `tune_tcp_stream`.
//! - unbind/disconnect: `endpoint_key(given, ipv6, |k| map.contains_key(k))`.
//!
//! `unsafe` is denied here except in `sys.rs` (getifaddrs, SO_PEERCRED).
#![deny(unsafe_code)]

pub mod endpoint;
pub mod filter;
pub mod ipc;
pub mod resolve;
pub mod socks5;
mod sys;
pub mod tcp;

pub use endpoint::{
    parse, parse_connect, parse_port, split_uri, Endpoint, HostPort, IpcAddr, Port, TcpAddr,
    IPC_MAX_ADDR, UNSUPPORTED_TRANSPORTS,
};
pub use ipc::{
    ipc_connect, ipc_connect_reporting, ipc_listen, ipc_peer_address, ipc_unlink, IpcBound,
};
pub use resolve::{
    endpoint_key, peer_address_string, resolve_bind, resolve_connect, resolve_local,
    tcp_endpoint_string, tcp_peer_address,
};
pub(crate) use sys::{adopt_listener_fd, peer_cred};
pub use tcp::{tcp_accept, tcp_connect, tcp_listen, tune_tcp_stream, TcpOptions};
