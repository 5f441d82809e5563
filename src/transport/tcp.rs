//! TCP listeners and connecters: sockets opened with libzmq's options
//! (SO_REUSEADDR on listeners, dual-stack IPv6, TOS, SO_BINDTODEVICE,
//! buffer sizes) and tuned once connected (TCP_NODELAY, keepalives,
//! TCP_USER_TIMEOUT). Every socket is non-blocking and close-on-exec
//! (socket2 creates sockets with SOCK_CLOEXEC; mio accepts with accept4).
//!
//! Thread: `tcp_listen` runs on the application thread (`zmq_bind` reports
//! its errors synchronously); `tcp_connect`, `tcp_accept` and
//! `tune_tcp_stream` run on I/O threads.

use crate::errno::{Errno, ZResult};
use socket2::{Domain, Protocol, SockRef, Socket, TcpKeepalive, Type};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::time::Duration;

/// The socket options that shape a TCP connection, with libzmq's meaning
/// and defaults (`-1` = leave the OS default).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TcpOptions {
    /// ZMQ_IPV6: IPv6 sockets (dual-stack) and IPv6 name resolution.
    pub ipv6: bool,
    /// ZMQ_BACKLOG (listeners).
    pub backlog: i32,
    /// ZMQ_SNDBUF in bytes, -1 = OS default.
    pub sndbuf: i32,
    /// ZMQ_RCVBUF in bytes, -1 = OS default.
    pub rcvbuf: i32,
    /// ZMQ_TCP_KEEPALIVE: -1 OS default, 0 off, 1 on.
    pub keepalive: i32,
    /// ZMQ_TCP_KEEPALIVE_IDLE in seconds, -1 = OS default.
    pub keepalive_idle: i32,
    /// ZMQ_TCP_KEEPALIVE_CNT, -1 = OS default.
    pub keepalive_cnt: i32,
    /// ZMQ_TCP_KEEPALIVE_INTVL in seconds, -1 = OS default.
    pub keepalive_intvl: i32,
    /// ZMQ_TOS, 0 = leave unset.
    pub tos: i32,
    /// ZMQ_BINDTODEVICE.
    pub bind_to_device: Option<String>,
    /// ZMQ_TCP_MAXRT in milliseconds (TCP_USER_TIMEOUT), 0 = OS default.
    pub tcp_maxrt: i32,
}

impl Default for TcpOptions {
    /// libzmq's defaults.
    fn default() -> Self {
        TcpOptions {
            ipv6: false,
            backlog: 100,
            sndbuf: -1,
            rcvbuf: -1,
            keepalive: -1,
            keepalive_idle: -1,
            keepalive_cnt: -1,
            keepalive_intvl: -1,
            tos: 0,
            bind_to_device: None,
            tcp_maxrt: 0,
        }
    }
}

/// The IPv4 equivalent of an address that only became IPv6 because of
/// ZMQ_IPV6 (`[::]`, `[::ffff:a.b.c.d]`), for hosts without IPv6 support.
fn ipv4_fallback(addr: SocketAddr) -> Option<SocketAddr> {
    let SocketAddr::V6(v6) = addr else {
        return None;
    };
    let ip = if v6.ip().is_unspecified() {
        Ipv4Addr::UNSPECIFIED
    } else {
        v6.ip().to_ipv4_mapped()?
    };
    Some(SocketAddr::V4(SocketAddrV4::new(ip, v6.port())))
}

fn new_tcp_socket(addr: SocketAddr) -> std::io::Result<Socket> {
    Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))
}

/// Open a non-blocking TCP socket for `addr`'s family, falling back to
/// IPv4 when IPv6 is unsupported and the address allows it (as libzmq
/// does). Returns the socket and the address to use with it.
fn open_tcp_socket(addr: SocketAddr, opts: &TcpOptions) -> ZResult<(Socket, SocketAddr)> {
    let (sock, addr) = match new_tcp_socket(addr) {
        Ok(s) => (s, addr),
        Err(e) if e.raw_os_error() == Some(libc::EAFNOSUPPORT) => {
            let v4 = ipv4_fallback(addr).ok_or(Errno(libc::EAFNOSUPPORT))?;
            (new_tcp_socket(v4)?, v4)
        }
        Err(e) => return Err(e.into()),
    };
    sock.set_nonblocking(true)?;
    if addr.is_ipv6() {
        sock.set_only_v6(false)?;
    }
    set_tos(&SockRef::from(&sock), addr.is_ipv6(), opts.tos)?;
    if let Some(dev) = &opts.bind_to_device {
        sock.bind_device(Some(dev.as_bytes()))?;
    }
    set_buffers(&SockRef::from(&sock), opts)?;
    Ok((sock, addr))
}

fn set_buffers(sock: &SockRef<'_>, opts: &TcpOptions) -> ZResult<()> {
    if let Ok(size) = usize::try_from(opts.sndbuf) {
        sock.set_send_buffer_size(size)?;
    }
    if let Ok(size) = usize::try_from(opts.rcvbuf) {
        sock.set_recv_buffer_size(size)?;
    }
    Ok(())
}

/// IP_TOS, plus IPV6_TCLASS on IPv6 sockets (where a kernel without IPv6
/// options may refuse it; libzmq ignores that too).
fn set_tos(sock: &SockRef<'_>, ipv6: bool, tos: i32) -> ZResult<()> {
    if tos == 0 {
        return Ok(());
    }
    let tos = u32::try_from(tos).map_err(|_| Errno::EINVAL)?;
    sock.set_tos_v4(tos)?;
    if ipv6 {
        if let Err(e) = sock.set_tclass_v6(tos) {
            if !matches!(
                e.raw_os_error(),
                Some(libc::ENOPROTOOPT) | Some(libc::EINVAL)
            ) {
                return Err(e.into());
            }
        }
    }
    Ok(())
}

/// A listening socket on `addr` (from `resolve_bind`): SO_REUSEADDR,
/// dual-stack for IPv6, `opts.backlog`. Errors are bind(2)'s: EADDRINUSE,
/// EADDRNOTAVAIL, EACCES, ENODEV (bad scope / device)...
pub fn tcp_listen(addr: SocketAddr, opts: &TcpOptions) -> ZResult<mio::net::TcpListener> {
    let (sock, addr) = open_tcp_socket(addr, opts)?;
    sock.set_reuse_address(true)?;
    sock.bind(&addr.into())?;
    sock.listen(opts.backlog)?;
    Ok(mio::net::TcpListener::from_std(sock.into()))
}

/// Start a non-blocking connect to `dest`, from `source` when given
/// (bound with SO_REUSEADDR so one source port can reach many servers).
/// Returns as soon as the connect is in progress: wait for writability,
/// then check `take_error()` / `peer_addr()`.
pub fn tcp_connect(
    source: Option<SocketAddr>,
    dest: SocketAddr,
    opts: &TcpOptions,
) -> ZResult<mio::net::TcpStream> {
    let (sock, used) = open_tcp_socket(dest, opts)?;
    if let Some(src) = source {
        let src = if used.is_ipv4() && src.is_ipv6() {
            ipv4_fallback(src).unwrap_or(src)
        } else {
            src
        };
        sock.set_reuse_address(true)?;
        sock.bind(&src.into())?;
    }
    match sock.connect(&used.into()) {
        Ok(()) => {}
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
        Err(e) => return Err(e.into()),
    }
    Ok(mio::net::TcpStream::from_std(sock.into()))
}

/// Accept one connection and tune it. `Ok(None)` when there is nothing to
/// accept (EAGAIN). Other errors are accept(2)'s (EMFILE, ENFILE, ENOBUFS,
/// ECONNABORTED...), left to the caller's accept policy.
pub fn tcp_accept(
    listener: &mio::net::TcpListener,
    opts: &TcpOptions,
) -> ZResult<Option<(mio::net::TcpStream, SocketAddr)>> {
    loop {
        match listener.accept() {
            Ok((s, peer)) => {
                tune_tcp_stream(&s, opts)?;
                return Ok(Some((s, peer)));
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

/// Options applied to a connected stream (accepted or connected):
/// TCP_NODELAY, buffer sizes, keepalives, TOS and TCP_USER_TIMEOUT.
pub fn tune_tcp_stream(s: &mio::net::TcpStream, opts: &TcpOptions) -> ZResult<()> {
    let sock = SockRef::from(s);
    sock.set_tcp_nodelay(true)?;
    set_buffers(&sock, opts)?;
    match opts.keepalive {
        -1 => {}
        0 => sock.set_keepalive(false)?,
        _ => {
            let secs = |v: i32| u64::try_from(v).ok().map(Duration::from_secs);
            let mut ka = TcpKeepalive::new();
            if let Some(idle) = secs(opts.keepalive_idle) {
                ka = ka.with_time(idle);
            }
            if let Some(intvl) = secs(opts.keepalive_intvl) {
                ka = ka.with_interval(intvl);
            }
            if let Ok(cnt) = u32::try_from(opts.keepalive_cnt) {
                ka = ka.with_retries(cnt);
            }
            sock.set_tcp_keepalive(&ka)?;
        }
    }
    let ipv6 = s.local_addr().map(|a| a.is_ipv6()).unwrap_or(false);
    set_tos(&sock, ipv6, opts.tos)?;
    if let Ok(ms) = u64::try_from(opts.tcp_maxrt) {
        if ms > 0 {
            sock.set_tcp_user_timeout(Some(Duration::from_millis(ms)))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::{peer_address_string, tcp_endpoint_string, tcp_peer_address};
    use mio::{Events, Interest, Poll, Token};
    use std::io::{Read, Write};

    /// Poll until `f` gives a value, at most ~2 s in 10 ms steps.
    fn wait_for<T>(poll: &mut Poll, mut f: impl FnMut() -> Option<T>) -> T {
        let mut events = Events::with_capacity(8);
        for _ in 0..200 {
            if let Some(v) = f() {
                return v;
            }
            poll.poll(&mut events, Some(Duration::from_millis(10)))
                .unwrap();
        }
        panic!("timed out");
    }

    fn has_ipv6_loopback() -> bool {
        std::net::TcpListener::bind("[::1]:0").is_ok()
    }

    fn pair(
        listen_on: SocketAddr,
        opts: &TcpOptions,
    ) -> (mio::net::TcpStream, mio::net::TcpStream, SocketAddr) {
        let mut poll = Poll::new().unwrap();
        let mut listener = tcp_listen(listen_on, opts).unwrap();
        let local = listener.local_addr().unwrap();
        assert_ne!(local.port(), 0);
        poll.registry()
            .register(&mut listener, Token(0), Interest::READABLE)
            .unwrap();
        let dest = match local {
            SocketAddr::V6(a) if a.ip().is_unspecified() => {
                SocketAddr::new("::1".parse().unwrap(), a.port())
            }
            SocketAddr::V4(a) if a.ip().is_unspecified() => {
                SocketAddr::new(Ipv4Addr::LOCALHOST.into(), a.port())
            }
            other => other,
        };
        let mut client = tcp_connect(None, dest, opts).unwrap();
        poll.registry()
            .register(&mut client, Token(1), Interest::WRITABLE)
            .unwrap();
        let (server, _peer) = wait_for(&mut poll, || tcp_accept(&listener, opts).unwrap());
        wait_for(&mut poll, || client.peer_addr().ok());
        assert!(client.take_error().unwrap().is_none());
        tune_tcp_stream(&client, opts).unwrap();
        (client, server, local)
    }

    fn exchange(client: &mut mio::net::TcpStream, server: &mut mio::net::TcpStream) {
        client.write_all(b"ping").unwrap();
        let mut poll = Poll::new().unwrap();
        let mut buf = [0u8; 4];
        let mut got = 0;
        wait_for(&mut poll, || {
            match server.read(&mut buf[got..]) {
                Ok(n) => got += n,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => panic!("{e}"),
            }
            (got == 4).then_some(())
        });
        assert_eq!(&buf, b"ping");
    }

    #[test]
    fn listen_on_port_zero_connect_and_accept() {
        let opts = TcpOptions::default();
        let (mut client, mut server, local) = pair("127.0.0.1:0".parse().unwrap(), &opts);
        assert!(tcp_endpoint_string(local).starts_with("tcp://127.0.0.1:"));
        assert_eq!(tcp_peer_address(&server), "127.0.0.1");
        assert_eq!(
            peer_address_string(&server.peer_addr().unwrap()),
            "127.0.0.1"
        );
        assert!(SockRef::from(&server).tcp_nodelay().unwrap());
        assert!(SockRef::from(&client).tcp_nodelay().unwrap());
        exchange(&mut client, &mut server);
    }

    #[test]
    fn wildcard_listener_prints_like_libzmq() {
        let opts = TcpOptions::default();
        let l = tcp_listen("0.0.0.0:0".parse().unwrap(), &opts).unwrap();
        let s = tcp_endpoint_string(l.local_addr().unwrap());
        assert!(s.starts_with("tcp://0.0.0.0:"), "{s}");
    }

    #[test]
    fn second_listen_is_eaddrinuse() {
        let opts = TcpOptions::default();
        let l = tcp_listen("127.0.0.1:0".parse().unwrap(), &opts).unwrap();
        let err = tcp_listen(l.local_addr().unwrap(), &opts).unwrap_err();
        assert_eq!(err, Errno(libc::EADDRINUSE));
    }

    #[test]
    fn non_local_address_is_eaddrnotavail() {
        let opts = TcpOptions::default();
        let err = tcp_listen("192.0.2.123:0".parse().unwrap(), &opts).unwrap_err();
        assert_eq!(err, Errno(libc::EADDRNOTAVAIL));
    }

    #[test]
    fn options_are_applied() {
        let opts = TcpOptions {
            sndbuf: 65536,
            rcvbuf: 65536,
            keepalive: 1,
            keepalive_idle: 30,
            keepalive_cnt: 4,
            keepalive_intvl: 5,
            tos: 0x10,
            tcp_maxrt: 1500,
            ..TcpOptions::default()
        };
        let (client, server, _) = pair("127.0.0.1:0".parse().unwrap(), &opts);
        for s in [&client, &server] {
            let r = SockRef::from(s);
            assert!(r.keepalive().unwrap());
            assert_eq!(r.tcp_keepalive_time().unwrap(), Duration::from_secs(30));
            assert_eq!(r.tcp_keepalive_interval().unwrap(), Duration::from_secs(5));
            assert_eq!(r.tcp_keepalive_retries().unwrap(), 4);
            assert_eq!(r.tos_v4().unwrap(), 0x10);
            assert_eq!(
                r.tcp_user_timeout().unwrap(),
                Some(Duration::from_millis(1500))
            );
            // Linux doubles the requested size.
            assert!(r.send_buffer_size().unwrap() >= 65536);
            assert!(r.recv_buffer_size().unwrap() >= 65536);
        }
        let off = TcpOptions {
            keepalive: 0,
            ..TcpOptions::default()
        };
        tune_tcp_stream(&client, &off).unwrap();
        assert!(!SockRef::from(&client).keepalive().unwrap());
        let bad_tos = TcpOptions {
            tos: -1,
            ..TcpOptions::default()
        };
        assert_eq!(tune_tcp_stream(&client, &bad_tos), Err(Errno::EINVAL));
    }

    #[test]
    fn connect_with_source_address() {
        let opts = TcpOptions::default();
        let mut poll = Poll::new().unwrap();
        let listener = tcp_listen("127.0.0.1:0".parse().unwrap(), &opts).unwrap();
        let dest = listener.local_addr().unwrap();
        let src = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let src_addr = src.local_addr().unwrap();
        drop(src);
        let client = tcp_connect(Some(src_addr), dest, &opts).unwrap();
        let (_server, peer) = wait_for(&mut poll, || tcp_accept(&listener, &opts).unwrap());
        assert_eq!(peer, src_addr);
        assert_eq!(client.local_addr().unwrap(), src_addr);
    }

    #[test]
    fn connect_refused_or_in_progress() {
        // Nothing listens: either an immediate ECONNREFUSED or a pending
        // connect whose error shows up later; never a panic.
        let opts = TcpOptions::default();
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        };
        match tcp_connect(None, port, &opts) {
            Err(e) => assert_eq!(e, Errno(libc::ECONNREFUSED)),
            Ok(mut s) => {
                let mut poll = Poll::new().unwrap();
                poll.registry()
                    .register(&mut s, Token(0), Interest::WRITABLE)
                    .unwrap();
                let err = wait_for(&mut poll, || s.take_error().unwrap());
                assert_eq!(err.raw_os_error(), Some(libc::ECONNREFUSED));
            }
        }
    }

    #[test]
    fn ipv6_loopback_and_dual_stack() {
        if !has_ipv6_loopback() {
            eprintln!("skipped: no IPv6 loopback");
            return;
        }
        let opts = TcpOptions {
            ipv6: true,
            ..TcpOptions::default()
        };
        let (mut client, mut server, local) = pair("[::1]:0".parse().unwrap(), &opts);
        assert!(tcp_endpoint_string(local).starts_with("tcp://[::1]:"));
        assert_eq!(tcp_peer_address(&server), "::1");
        exchange(&mut client, &mut server);

        // A dual-stack wildcard listener takes an IPv4 client, which shows
        // up v4-mapped, as with libzmq.
        let wild = tcp_listen("[::]:0".parse().unwrap(), &opts).unwrap();
        let local = wild.local_addr().unwrap();
        assert!(tcp_endpoint_string(local).starts_with("tcp://[::]:"));
        let v4 = SocketAddr::new(Ipv4Addr::LOCALHOST.into(), local.port());
        let _c = tcp_connect(None, v4, &TcpOptions::default()).unwrap();
        let mut poll = Poll::new().unwrap();
        let (s, _) = wait_for(&mut poll, || tcp_accept(&wild, &opts).unwrap());
        assert_eq!(tcp_peer_address(&s), "::ffff:127.0.0.1");
    }

    #[test]
    fn v4_mapped_bind_when_ipv6_is_set() {
        if !has_ipv6_loopback() {
            eprintln!("skipped: no IPv6");
            return;
        }
        let opts = TcpOptions {
            ipv6: true,
            ..TcpOptions::default()
        };
        let l = tcp_listen("[::ffff:127.0.0.1]:0".parse().unwrap(), &opts).unwrap();
        let s = tcp_endpoint_string(l.local_addr().unwrap());
        assert!(s.starts_with("tcp://[::ffff:127.0.0.1]:"), "{s}");
    }

    #[test]
    fn bind_to_device() {
        let opts = TcpOptions {
            bind_to_device: Some("nosuchdev0".into()),
            ..TcpOptions::default()
        };
        let err = tcp_listen("127.0.0.1:0".parse().unwrap(), &opts).unwrap_err();
        assert!(
            err == Errno(libc::ENODEV) || err == Errno(libc::EPERM),
            "{err:?}"
        );
    }

    #[test]
    fn fallback_addresses() {
        let sa = |s: &str| s.parse::<SocketAddr>().unwrap();
        assert_eq!(ipv4_fallback(sa("[::]:5")), Some(sa("0.0.0.0:5")));
        assert_eq!(
            ipv4_fallback(sa("[::ffff:127.0.0.1]:5")),
            Some(sa("127.0.0.1:5"))
        );
        assert_eq!(ipv4_fallback(sa("[::1]:5")), None);
        assert_eq!(ipv4_fallback(sa("127.0.0.1:5")), None);
    }
}
