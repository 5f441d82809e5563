//! Name resolution for `tcp://` endpoints, following libzmq's rules:
//! bind takes `*`, an interface name or a numeric address (never DNS, so an
//! unknown name is ENODEV); connect takes a numeric address or a DNS name
//! (failures are EINVAL). With ZMQ_IPV6 an IPv4 address becomes its
//! v4-mapped IPv6 form, as libzmq's `AI_V4MAPPED` does; the socket code
//! falls back to plain IPv4 when the host has no IPv6.
//! Also: the address strings libzmq shows (ZMQ_LAST_ENDPOINT, the
//! "Peer-Address" property) and the endpoint key used by unbind.
//!
//! Thread: `resolve_bind` and `endpoint_key` run on the application thread
//! (bind/unbind are synchronous); `resolve_connect` runs on an I/O thread
//! just before each connection attempt. `resolve_connect` may do a blocking
//! DNS lookup (std `ToSocketAddrs`, i.e. getaddrinfo); libzmq does the same
//! in its I/O thread. A non-blocking resolver is future work.

use super::endpoint::{self, Endpoint, HostPort, Port, TcpAddr};
use super::sys;
use super::tcp::TcpOptions;
use crate::errno::{Errno, ZResult};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6, ToSocketAddrs};

/// The address to listen on for a bind endpoint. A source part
/// (`tcp://a:1;b:2`) is checked like libzmq does, then ignored.
pub fn resolve_bind(addr: &TcpAddr, opts: &TcpOptions) -> ZResult<SocketAddr> {
    if let Some(src) = &addr.source {
        resolve_local(src, opts.ipv6)?;
    }
    resolve_local(&addr.addr, opts.ipv6)
}

/// The (optional source, destination) addresses of a connect endpoint.
/// Blocking when the host is a DNS name (see the module comment).
pub fn resolve_connect(
    addr: &TcpAddr,
    opts: &TcpOptions,
) -> ZResult<(Option<SocketAddr>, SocketAddr)> {
    let dest = resolve_remote(&addr.addr, opts.ipv6)?;
    let source = match &addr.source {
        Some(src) => Some(same_family(resolve_local(src, opts.ipv6)?, &dest)),
        None => None,
    };
    Ok((source, dest))
}

/// Resolution of an address we own (bind, or the source of a connect):
/// `*`, an interface name, or a numeric address; no DNS. Unknown names give
/// ENODEV, a bad zone id EINVAL.
pub fn resolve_local(hp: &HostPort, ipv6: bool) -> ZResult<SocketAddr> {
    let (host, zone) = split_zone(&hp.host)?;
    let port = hp.port.number();
    let (ip, nic_scope) = if host == "*" {
        if ipv6 {
            (IpAddr::V6(Ipv6Addr::UNSPECIFIED), 0)
        } else {
            (IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0)
        }
    } else if let Some(found) = interface_address(host, ipv6)? {
        found
    } else if let Some(ip) = numeric_ip(host, ipv6) {
        (ip, 0)
    } else {
        return Err(Errno(libc::ENODEV));
    };
    Ok(socket_addr(ip, port, zone.unwrap_or(nic_scope)))
}

/// Resolution of a peer address: numeric or DNS; failures are EINVAL.
fn resolve_remote(hp: &HostPort, ipv6: bool) -> ZResult<SocketAddr> {
    let port = match hp.port {
        Port::Any => return Err(Errno::EINVAL),
        Port::Num(n) => n,
    };
    let (host, zone) = split_zone(&hp.host)?;
    if host.is_empty() || host == "*" {
        return Err(Errno::EINVAL);
    }
    // An IPv6 literal without ZMQ_IPV6 is EINVAL (libzmq asks for AF_INET).
    let ip = if let Some(ip) = numeric_ip(host, ipv6) {
        ip
    } else if host.parse::<Ipv6Addr>().is_ok() {
        return Err(Errno::EINVAL);
    } else {
        match dns_lookup(host, port, ipv6)? {
            IpAddr::V4(v4) if ipv6 => IpAddr::V6(v4.to_ipv6_mapped()),
            ip => ip,
        }
    };
    Ok(socket_addr(ip, port, zone.unwrap_or(0)))
}

/// getaddrinfo via std. Without ZMQ_IPV6 only IPv4 answers count (libzmq
/// asks for AF_INET only); with it IPv6 answers win, else IPv4 ones.
fn dns_lookup(host: &str, port: u16, ipv6: bool) -> ZResult<IpAddr> {
    // A DNS name is at most 253 characters; anything longer is not worth a
    // round trip to the resolver.
    if host.len() > 253 {
        return Err(Errno::EINVAL);
    }
    let answers: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|_| Errno::EINVAL)?
        .collect();
    let v4 = answers.iter().find(|a| a.is_ipv4()).map(SocketAddr::ip);
    let v6 = answers.iter().find(|a| a.is_ipv6()).map(SocketAddr::ip);
    let pick = if ipv6 { v6.or(v4) } else { v4 };
    pick.ok_or(Errno::EINVAL)
}

/// A numeric address: a strict dotted quad, or (with `ipv6`) an IPv6
/// literal. IPv4 is mapped into IPv6 when `ipv6` is set.
fn numeric_ip(host: &str, ipv6: bool) -> Option<IpAddr> {
    if let Ok(v4) = host.parse::<Ipv4Addr>() {
        return Some(if ipv6 {
            IpAddr::V6(v4.to_ipv6_mapped())
        } else {
            IpAddr::V4(v4)
        });
    }
    if ipv6 {
        return host.parse::<Ipv6Addr>().ok().map(IpAddr::V6);
    }
    None
}

/// The first address of interface `name` in the wanted family (IPv6 when
/// `ipv6`, like libzmq), with its scope id.
fn interface_address(name: &str, ipv6: bool) -> ZResult<Option<(IpAddr, u32)>> {
    if name.is_empty() {
        return Ok(None);
    }
    let addrs = sys::interface_addresses().map_err(Errno::from)?;
    Ok(addrs
        .into_iter()
        .find(|a| a.name == name && a.addr.is_ipv6() == ipv6)
        .map(|a| (a.addr, a.scope_id)))
}

/// Strip `[...]` and split off an RFC 4007 zone (`%lo` or `%2`). An empty,
/// unknown or zero zone is EINVAL, as in libzmq.
fn split_zone(host: &str) -> ZResult<(&str, Option<u32>)> {
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let Some(pos) = host.rfind('%') else {
        return Ok((host, None));
    };
    let zone = &host[pos + 1..];
    let id = match zone.bytes().next() {
        None => return Err(Errno::EINVAL),
        Some(c) if c.is_ascii_alphabetic() => if_nametoindex(zone),
        Some(_) => zone.parse::<u32>().ok(),
    };
    match id {
        Some(id) if id != 0 => Ok((&host[..pos], Some(id))),
        _ => Err(Errno::EINVAL),
    }
}

fn socket_addr(ip: IpAddr, port: u16, scope: u32) -> SocketAddr {
    match ip {
        IpAddr::V4(v4) => SocketAddr::V4(SocketAddrV4::new(v4, port)),
        IpAddr::V6(v6) => SocketAddr::V6(SocketAddrV6::new(v6, port, 0, scope)),
    }
}

/// Make `source` usable with a socket of `dest`'s family where that is
/// meaningful (wildcards and v4-mapped addresses); otherwise leave it and
/// let bind(2) report the mismatch.
fn same_family(source: SocketAddr, dest: &SocketAddr) -> SocketAddr {
    match (source, dest) {
        (SocketAddr::V6(s), SocketAddr::V4(_)) => {
            let ip = if s.ip().is_unspecified() {
                Some(Ipv4Addr::UNSPECIFIED)
            } else {
                s.ip().to_ipv4_mapped()
            };
            ip.map_or(source, |ip| SocketAddr::V4(SocketAddrV4::new(ip, s.port())))
        }
        (SocketAddr::V4(s), SocketAddr::V6(_)) => {
            let ip = if s.ip().is_unspecified() {
                Ipv6Addr::UNSPECIFIED
            } else {
                s.ip().to_ipv6_mapped()
            };
            SocketAddr::V6(SocketAddrV6::new(ip, s.port(), 0, 0))
        }
        _ => source,
    }
}

/// Interface index of `name` from sysfs (no libc call needed). Names that
/// could escape the directory are refused.
pub(crate) fn if_nametoindex(name: &str) -> Option<u32> {
    let valid = !name.is_empty()
        && name.len() < libc::IFNAMSIZ
        && name != "."
        && name != ".."
        && !name.contains(['/', '\0']);
    if !valid {
        return None;
    }
    let text = std::fs::read_to_string(format!("/sys/class/net/{name}/ifindex")).ok()?;
    text.trim().parse().ok()
}

/// Interface name of index `index` from sysfs.
pub(crate) fn if_indextoname(index: u32) -> Option<String> {
    let dir = std::fs::read_dir("/sys/class/net").ok()?;
    dir.flatten().find_map(|entry| {
        let name = entry.file_name().into_string().ok()?;
        (if_nametoindex(&name) == Some(index)).then_some(name)
    })
}

/// An IP address as getnameinfo(NI_NUMERICHOST) prints it: IPv6 link-local
/// addresses carry their zone (`fe80::1%eth0`).
fn ip_text(addr: &SocketAddr) -> String {
    match addr {
        SocketAddr::V4(a) => a.ip().to_string(),
        SocketAddr::V6(a) => {
            let ip = a.ip();
            let seg0 = ip.segments()[0];
            let link_local = (seg0 & 0xffc0) == 0xfe80 || (seg0 & 0xff0f) == 0xff02;
            if link_local && a.scope_id() != 0 {
                let zone = if_indextoname(a.scope_id()).unwrap_or_else(|| a.scope_id().to_string());
                format!("{ip}%{zone}")
            } else {
                ip.to_string()
            }
        }
    }
}

/// ZMQ_LAST_ENDPOINT of a tcp listener (or connection), from its local
/// address: `tcp://0.0.0.0:5555`, `tcp://[::]:5555`,
/// `tcp://[::ffff:127.0.0.1]:5555`, `tcp://[fe80::1%eth0]:5555`.
pub fn tcp_endpoint_string(local: SocketAddr) -> String {
    match local {
        SocketAddr::V4(_) => format!("tcp://{}:{}", ip_text(&local), local.port()),
        SocketAddr::V6(_) => format!("tcp://[{}]:{}", ip_text(&local), local.port()),
    }
}

/// The "Peer-Address" property of a tcp connection: the peer's IP as text
/// (`127.0.0.1`, `::1`, `::ffff:127.0.0.1` on a dual-stack listener).
pub fn peer_address_string(peer: &SocketAddr) -> String {
    ip_text(peer)
}

/// The "Peer-Address" property of a tcp stream (empty when the peer is
/// already gone, like libzmq).
pub fn tcp_peer_address(s: &mio::net::TcpStream) -> String {
    s.peer_addr()
        .map(|a| peer_address_string(&a))
        .unwrap_or_default()
}

/// The key under which `zmq_unbind`/`zmq_disconnect` look an endpoint up,
/// mirroring libzmq: the string itself if `is_known` says so; otherwise,
/// for tcp, the string resolved as a connect address (DNS allowed), then as
/// a bind address, formatted like ZMQ_LAST_ENDPOINT. So a listener bound as
/// `tcp://127.0.0.1:5555` can be unbound as `tcp://localhost:5555`, and one
/// bound to `tcp://*:*` only with its LAST_ENDPOINT. Runs on the application
/// thread; may do a blocking DNS lookup.
pub fn endpoint_key(endpoint: &str, ipv6: bool, is_known: impl Fn(&str) -> bool) -> String {
    if is_known(endpoint) {
        return endpoint.to_owned();
    }
    let Ok(Endpoint::Tcp(tcp)) = endpoint::parse(endpoint) else {
        return endpoint.to_owned();
    };
    let opts = TcpOptions {
        ipv6,
        ..TcpOptions::default()
    };
    let Ok((_, remote)) = resolve_connect(&tcp, &opts) else {
        return endpoint.to_owned();
    };
    let key = tcp_endpoint_string(remote);
    if is_known(&key) {
        return key;
    }
    match resolve_bind(&tcp, &opts) {
        Ok(local) => tcp_endpoint_string(local),
        Err(_) => key,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tcp(s: &str) -> TcpAddr {
        match endpoint::parse(s) {
            Ok(Endpoint::Tcp(t)) => t,
            other => panic!("{s}: {other:?}"),
        }
    }

    fn opts(ipv6: bool) -> TcpOptions {
        TcpOptions {
            ipv6,
            ..TcpOptions::default()
        }
    }

    fn bind(s: &str, ipv6: bool) -> ZResult<SocketAddr> {
        resolve_bind(&tcp(s), &opts(ipv6))
    }

    fn connect(s: &str, ipv6: bool) -> ZResult<(Option<SocketAddr>, SocketAddr)> {
        resolve_connect(&tcp(s), &opts(ipv6))
    }

    fn has_ipv6_loopback() -> bool {
        std::net::TcpListener::bind("[::1]:0").is_ok()
    }

    #[test]
    fn bind_wildcards_and_literals() {
        let sa = |s: &str| s.parse::<SocketAddr>().unwrap();
        assert_eq!(bind("tcp://*:5555", false), Ok(sa("0.0.0.0:5555")));
        assert_eq!(bind("tcp://*:*", false), Ok(sa("0.0.0.0:0")));
        assert_eq!(bind("tcp://*:5555", true), Ok(sa("[::]:5555")));
        assert_eq!(bind("tcp://127.0.0.1:0", false), Ok(sa("127.0.0.1:0")));
        assert_eq!(bind("tcp://[127.0.0.1]:1", false), Ok(sa("127.0.0.1:1")));
        assert_eq!(
            bind("tcp://127.0.0.1:1", true),
            Ok(sa("[::ffff:127.0.0.1]:1"))
        );
        assert_eq!(bind("tcp://0.0.0.0:1", true), Ok(sa("[::ffff:0.0.0.0]:1")));
        assert_eq!(bind("tcp://[::1]:1", true), Ok(sa("[::1]:1")));
        assert_eq!(bind("tcp://::1:1", true), Ok(sa("[::1]:1")));
        // The source part is validated, then ignored.
        assert_eq!(
            bind("tcp://127.0.0.1:1;127.0.0.1:2", false),
            Ok(sa("127.0.0.1:2"))
        );
        assert_eq!(
            bind("tcp://eth99:1;127.0.0.1:2", false),
            Err(Errno(libc::ENODEV))
        );
    }

    #[test]
    fn bind_errors_match_libzmq() {
        let enodev = Err(Errno(libc::ENODEV));
        for s in [
            "tcp://eth99:5555",
            "tcp://:5555",
            "tcp://localhost:5555",
            "tcp://256.1.1.1:5555",
            "tcp://127.1:5555",
            "tcp://[::1]:5555",
            "tcp://::1:5555",
            "tcp://[::]:*",
            "tcp://* :5",
        ] {
            assert_eq!(bind(s, false), enodev, "{s}");
        }
        assert_eq!(bind("tcp://localhost:5555", true), enodev);
        assert_eq!(bind("tcp://[::1%]:1", true), Err(Errno::EINVAL));
        assert_eq!(bind("tcp://[::1%0]:1", true), Err(Errno::EINVAL));
        assert_eq!(bind("tcp://[::1%nosuchif0]:1", true), Err(Errno::EINVAL));
        assert_eq!(bind("tcp://[::1%../x]:1", true), Err(Errno::EINVAL));
    }

    #[test]
    fn bind_interface_names() {
        assert_eq!(
            bind("tcp://lo:*", false),
            Ok("127.0.0.1:0".parse::<SocketAddr>().unwrap())
        );
        assert_eq!(
            bind("tcp://lo:5", false).map(|a| a.port()),
            Ok(5),
            "port kept"
        );
        if has_ipv6_loopback() {
            assert_eq!(
                bind("tcp://lo:*", true).map(|a| a.ip()),
                Ok("::1".parse::<IpAddr>().unwrap())
            );
        }
    }

    #[test]
    fn zones() {
        let lo = if_nametoindex("lo").expect("lo has an index");
        assert_eq!(if_indextoname(lo).as_deref(), Some("lo"));
        assert_eq!(if_nametoindex("../lo"), None);
        assert_eq!(if_nametoindex(""), None);
        let SocketAddr::V6(a) = bind("tcp://[fe80::1%lo]:7", true).unwrap() else {
            panic!("v6 expected");
        };
        assert_eq!((a.scope_id(), a.port()), (lo, 7));
        let SocketAddr::V6(a) = bind(&format!("tcp://[fe80::1%{lo}]:7"), true).unwrap() else {
            panic!("v6 expected");
        };
        assert_eq!(a.scope_id(), lo);
        let shown = SocketAddr::V6(SocketAddrV6::new("fe80::1".parse().unwrap(), 9, 0, lo));
        assert_eq!(tcp_endpoint_string(shown), "tcp://[fe80::1%lo]:9");
        assert_eq!(peer_address_string(&shown), "fe80::1%lo");
    }

    #[test]
    fn connect_resolution() {
        let sa = |s: &str| s.parse::<SocketAddr>().unwrap();
        assert_eq!(
            connect("tcp://127.0.0.1:5555", false),
            Ok((None, sa("127.0.0.1:5555")))
        );
        assert_eq!(
            connect("tcp://127.0.0.1:5555", true),
            Ok((None, sa("[::ffff:127.0.0.1]:5555")))
        );
        assert_eq!(
            connect("tcp://localhost:5555", false),
            Ok((None, sa("127.0.0.1:5555")))
        );
        assert_eq!(
            connect("tcp://[::1]:5555", true),
            Ok((None, sa("[::1]:5555")))
        );
        assert_eq!(connect("tcp://[::1]:5555", false), Err(Errno::EINVAL));
        assert_eq!(connect("tcp://*:5555", false), Err(Errno::EINVAL));
        assert_eq!(connect("tcp://:5555", false), Err(Errno::EINVAL));
        assert_eq!(connect("tcp://127.0.0.1:*", false), Err(Errno::EINVAL));
        assert_eq!(
            connect(&format!("tcp://{}:1", "a".repeat(300)), false),
            Err(Errno::EINVAL)
        );
        // Source addresses: bind rules (interfaces, wildcards), same family as the peer.
        assert_eq!(
            connect("tcp://127.0.0.1:0;127.0.0.1:5555", false),
            Ok((Some(sa("127.0.0.1:0")), sa("127.0.0.1:5555")))
        );
        assert_eq!(
            connect("tcp://lo:*;127.0.0.1:5555", false),
            Ok((Some(sa("127.0.0.1:0")), sa("127.0.0.1:5555")))
        );
        assert_eq!(
            connect("tcp://*:*;127.0.0.1:5555", true),
            Ok((Some(sa("[::]:0")), sa("[::ffff:127.0.0.1]:5555")))
        );
        assert_eq!(
            connect("tcp://eth99:0;127.0.0.1:5555", false),
            Err(Errno(libc::ENODEV))
        );
        assert_eq!(
            same_family(sa("[::ffff:10.0.0.1]:3"), &sa("1.2.3.4:5")),
            sa("10.0.0.1:3")
        );
        assert_eq!(same_family(sa("0.0.0.0:3"), &sa("[::1]:5")), sa("[::]:3"));
    }

    #[test]
    fn endpoint_strings() {
        let sa = |s: &str| s.parse::<SocketAddr>().unwrap();
        assert_eq!(
            tcp_endpoint_string(sa("0.0.0.0:5555")),
            "tcp://0.0.0.0:5555"
        );
        assert_eq!(tcp_endpoint_string(sa("127.0.0.1:1")), "tcp://127.0.0.1:1");
        assert_eq!(tcp_endpoint_string(sa("[::]:2")), "tcp://[::]:2");
        assert_eq!(tcp_endpoint_string(sa("[::1]:3")), "tcp://[::1]:3");
        assert_eq!(
            tcp_endpoint_string(sa("[::ffff:127.0.0.1]:4")),
            "tcp://[::ffff:127.0.0.1]:4"
        );
        assert_eq!(peer_address_string(&sa("127.0.0.1:9")), "127.0.0.1");
        assert_eq!(peer_address_string(&sa("[::1]:9")), "::1");
        assert_eq!(
            peer_address_string(&sa("[::ffff:127.0.0.1]:9")),
            "::ffff:127.0.0.1"
        );
    }

    #[test]
    fn unbind_keys_follow_libzmq() {
        let bound = [
            "tcp://127.0.0.1:5599",
            "tcp://0.0.0.0:41337",
            "ipc:///tmp/x",
        ];
        let known = |s: &str| bound.contains(&s);
        let key = |s: &str| endpoint_key(s, false, known);
        assert_eq!(key("tcp://127.0.0.1:5599"), "tcp://127.0.0.1:5599");
        assert_eq!(key("tcp://localhost:5599"), "tcp://127.0.0.1:5599");
        assert_eq!(key("tcp://[127.0.0.1]:5599"), "tcp://127.0.0.1:5599");
        assert_eq!(key("tcp://0.0.0.0:41337"), "tcp://0.0.0.0:41337");
        // Wildcards never resolve as a connect address: unchanged, not found.
        assert_eq!(key("tcp://*:*"), "tcp://*:*");
        assert_eq!(key("tcp://*:41337"), "tcp://*:41337");
        // An interface name fails the connect resolution: unchanged.
        assert_eq!(key("tcp://lo:5599"), "tcp://lo:5599");
        assert_eq!(key("ipc:///tmp/y"), "ipc:///tmp/y");
        assert_eq!(key("garbage"), "garbage");
        // With ZMQ_IPV6 the key is the v4-mapped form libzmq prints.
        let v6 = endpoint_key("tcp://127.0.0.1:1", true, |_| false);
        assert_eq!(v6, "tcp://[::ffff:127.0.0.1]:1");
    }
}
