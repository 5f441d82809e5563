//! Endpoint strings: `tcp://`, `ipc://`, `inproc://` parsing and canonical
//! formatting. Pure string work, no system calls.
//!
//! Thread: the application thread (`zmq_bind`, `zmq_connect`, `zmq_unbind`,
//! `zmq_disconnect` parse here before anything is handed to an I/O thread).
//!
//! # Behaviour of libzmq 4.3.4 (Debian, via pyzmq) and what Rampart does
//!
//! | input | libzmq | Rampart |
//! |---|---|---|
//! | `tcp//x`, `tcp:x`, `""`, `tcp://`, `foo://`, `://x` | EINVAL | same |
//! | `foo://x`, `TCP://…` (case-sensitive), `vmci://`, `wss://` | EPROTONOSUPPORT | same |
//! | `pgm://`, `epgm://`, `norm://`, `tipc://`, `ws://` | built in (bind OK); a libzmq built without them: EPROTONOSUPPORT | EPROTONOSUPPORT (not built) |
//! | `udp://` | ENOCOMPATPROTO unless RADIO/DISH | EPROTONOSUPPORT (not implemented) |
//! | bind `tcp://127.0.0.1`, `tcp://127.0.0.1:`, `:abc`, `:65536`, `:00`, `tcp://*` | EINVAL | same |
//! | bind `:70000`, `:-1`, `:+5`, `: 5`, `:5 ` | `atoi` then truncation to u16 (4464, 65535, 5…) | EINVAL (strict digits, ≤ 65535) |
//! | bind `tcp://:5555`, `tcp://eth99:…`, `tcp://localhost:…`, `tcp://256.1.1.1:…` | ENODEV (no DNS for bind) | same |
//! | bind `tcp://[::1]:*` / `[::]` without ZMQ_IPV6 | ENODEV | same |
//! | bind `tcp://1.2.3.4:5555` (not local) | EADDRNOTAVAIL (from bind(2)) | same |
//! | bind `tcp://127.1:*` | OK (inet_aton forms) | ENODEV (only dotted quads; no octal/short forms) |
//! | bind `tcp://[127.0.0.1]:*`, `tcp://::1:*` (ipv6) | OK (brackets optional) | same |
//! | bind `tcp://a:1;b:2` | source validated (`eth99:1;…` ENODEV), listens on `b:2` | same |
//! | bind `tcp://[::1%0]:*`, `[::1%]`, `[::1%nosuchif0]` (ipv6) | EINVAL (bad zone) | same |
//! | LAST_ENDPOINT `*` / `*` with ipv6 / `lo` with ipv6 | `tcp://0.0.0.0:P` / `tcp://[::]:P` / `tcp://[::1]:P` | same |
//! | LAST_ENDPOINT `127.0.0.1` or `0.0.0.0` with ipv6 | `tcp://[::ffff:127.0.0.1]:P` (v4-mapped) | same |
//! | LAST_ENDPOINT link-local `[fe80::…%eth0]` | `tcp://[fe80::…%eth0]:P` | same |
//! | connect `tcp://*:5555`, `tcp://127.0.0.1:*`, `tcp://;h:1`, `tcp://a b:1`, `tcp://-x:1` | EINVAL | same |
//! | connect `tcp://:5555`, `tcp://:0;h:1`, `tcp://h:1;`, `tcp://h;h:1`, `:65536`, `:5a` | accepted, then fails forever in the I/O thread | EINVAL at once |
//! | connect `tcp://nonexistent.invalid:1`, `tcp://eth99:0;h:1` | accepted, retried | same (resolution is deferred) |
//! | `ipc://`, `ipc://@` | EINVAL | same |
//! | `ipc://` path ≥ 108 bytes (`@` counts) | ENAMETOOLONG (bind and connect) | same |
//! | bind `ipc://*` | `ipc://$TMPDIR/tmpXXXXXX/socket` (TMPDIR, TEMPDIR, TMP), else relative to the cwd | same, but `/tmp` before the cwd |
//! | connect `ipc://*` | connects to the file `*` | same |
//! | bind ipc over an existing path | unlinks whatever is there (even a regular file) | unlinks only a socket; other files: EADDRINUSE |
//! | unbind/close ipc | leaves the socket file (removes only the `*` temp dir) | removes the file if it is still ours (same inode) |
//! | bind `ipc:///nonexistent-dir/x` | ENOENT | same |
//! | `inproc://` | EINVAL | same (any non-empty name, no length limit) |
//! | Peer-Address tcp / ipc | `127.0.0.1`, `::1`, `::ffff:127.0.0.1` / `localhost:UID:GID:PID` | same |
//! | unbind `tcp://localhost:P` bound as `127.0.0.1:P` | OK (falls back to resolving the string) | [`endpoint_key`](super::endpoint_key) mirrors it |

use crate::errno::{Errno, ZResult};
use std::fmt;

/// Longest `ipc://` address in bytes: `sun_path` is 108 bytes and libzmq
/// keeps room for the terminating NUL (for abstract names the leading `@`
/// takes the place of the leading NUL).
pub const IPC_MAX_ADDR: usize = 107;

/// A parsed endpoint. `Display` gives back the canonical string.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Endpoint {
    Tcp(TcpAddr),
    Ipc(IpcAddr),
    Inproc(String),
}

/// A TCP port as written: `*` (ephemeral, bind only) or a number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Port {
    Any,
    Num(u16),
}

impl Port {
    /// The number to hand to the OS (`*` is 0, i.e. ephemeral).
    pub fn number(self) -> u16 {
        match self {
            Port::Any => 0,
            Port::Num(n) => n,
        }
    }
}

/// `host:port` exactly as written (the host keeps its brackets and zone, so
/// formatting gives back the input).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct HostPort {
    pub host: String,
    pub port: Port,
}

/// `tcp://[source;]addr`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TcpAddr {
    /// Local address to bind before connecting (`src_host:src_port;`).
    pub source: Option<HostPort>,
    pub addr: HostPort,
}

/// An `ipc://` address.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum IpcAddr {
    /// A file system path, absolute or relative to the current directory.
    Path(String),
    /// A Linux abstract socket name (written `@name`, stored without the `@`).
    Abstract(String),
    /// `ipc://*`: bind picks a fresh temporary path.
    Wildcard,
}

impl fmt::Display for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Port::Any => f.write_str("*"),
            Port::Num(n) => write!(f, "{n}"),
        }
    }
}

impl fmt::Display for HostPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.host, self.port)
    }
}

impl fmt::Display for TcpAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(src) = &self.source {
            write!(f, "{src};")?;
        }
        write!(f, "{}", self.addr)
    }
}

impl fmt::Display for IpcAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IpcAddr::Path(p) => f.write_str(p),
            IpcAddr::Abstract(n) => write!(f, "@{n}"),
            IpcAddr::Wildcard => f.write_str("*"),
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Tcp(a) => write!(f, "tcp://{a}"),
            Endpoint::Ipc(a) => write!(f, "ipc://{a}"),
            Endpoint::Inproc(n) => write!(f, "inproc://{n}"),
        }
    }
}

/// Transports libzmq knows about (in some build) that Rampart does not
/// provide; they all give EPROTONOSUPPORT, exactly like a libzmq built
/// without them.
pub const UNSUPPORTED_TRANSPORTS: &[&str] =
    &["pgm", "epgm", "norm", "tipc", "vmci", "udp", "ws", "wss"];

/// Split `scheme://rest` like libzmq: EINVAL without `://` or with an empty
/// scheme or address, before the scheme itself is checked.
pub fn split_uri(addr: &str) -> ZResult<(&str, &str)> {
    let pos = addr.find("://").ok_or(Errno::EINVAL)?;
    let (scheme, rest) = (&addr[..pos], &addr[pos + 3..]);
    if scheme.is_empty() || rest.is_empty() {
        return Err(Errno::EINVAL);
    }
    Ok((scheme, rest))
}

/// Parse an endpoint, syntax shared by bind and connect. Names are not
/// resolved here (see `resolve_bind` / `resolve_connect`).
pub fn parse(addr: &str) -> ZResult<Endpoint> {
    let (scheme, rest) = split_uri(addr)?;
    match scheme {
        "tcp" => parse_tcp(rest).map(Endpoint::Tcp),
        "ipc" => parse_ipc(rest).map(Endpoint::Ipc),
        "inproc" => Ok(Endpoint::Inproc(rest.to_owned())),
        _ => Err(Errno::EPROTONOSUPPORT),
    }
}

/// Parse an endpoint given to `zmq_connect`: [`parse`] plus the checks
/// libzmq makes at connect time (no `*` port or host, libzmq's character
/// set), and the ones it only discovers later in the I/O thread (empty
/// host, missing source port), reported at once as EINVAL.
/// `ipc://*` means the file `*` here, like libzmq.
pub fn parse_connect(addr: &str) -> ZResult<Endpoint> {
    match parse(addr)? {
        Endpoint::Tcp(tcp) => {
            let (_, rest) = split_uri(addr)?;
            if !connect_charset_ok(rest)
                || tcp.addr.port == Port::Any
                || tcp.addr.host.is_empty()
                || tcp.source.as_ref().is_some_and(|s| s.host.is_empty())
            {
                return Err(Errno::EINVAL);
            }
            Ok(Endpoint::Tcp(tcp))
        }
        Endpoint::Ipc(IpcAddr::Wildcard) => Ok(Endpoint::Ipc(IpcAddr::Path("*".to_owned()))),
        other => Ok(other),
    }
}

/// libzmq's quick syntax check of a tcp connect address: first character
/// alphanumeric, `[` or `:`; then only alphanumerics and `.-:%;[]_*`.
fn connect_charset_ok(s: &str) -> bool {
    let mut bytes = s.bytes();
    match bytes.next() {
        Some(c) if c.is_ascii_alphanumeric() || c == b'[' || c == b':' => {}
        _ => return false,
    }
    bytes.all(|c| c.is_ascii_alphanumeric() || b".-:%;[]_*".contains(&c))
}

fn parse_tcp(rest: &str) -> ZResult<TcpAddr> {
    // The source part ends at the last ';' (libzmq uses strrchr).
    let (source, addr) = match rest.rfind(';') {
        Some(pos) => (Some(parse_host_port(&rest[..pos])?), &rest[pos + 1..]),
        None => (None, rest),
    };
    Ok(TcpAddr {
        source,
        addr: parse_host_port(addr)?,
    })
}

/// `host:port`, split at the last ':' (so `::1:5555` works like libzmq).
fn parse_host_port(s: &str) -> ZResult<HostPort> {
    let pos = s.rfind(':').ok_or(Errno::EINVAL)?;
    Ok(HostPort {
        host: s[..pos].to_owned(),
        port: parse_port(&s[pos + 1..])?,
    })
}

/// `*`, or decimal digits with a value ≤ 65535. Like libzmq, a zero port
/// must be written exactly `0` (`00` is EINVAL).
pub fn parse_port(s: &str) -> ZResult<Port> {
    if s == "*" {
        return Ok(Port::Any);
    }
    if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
        return Err(Errno::EINVAL);
    }
    let mut value: u32 = 0;
    for c in s.bytes() {
        value = value * 10 + u32::from(c - b'0');
        if value > u32::from(u16::MAX) {
            return Err(Errno::EINVAL);
        }
    }
    let port = u16::try_from(value).map_err(|_| Errno::EINVAL)?;
    if port == 0 && s != "0" {
        return Err(Errno::EINVAL);
    }
    Ok(Port::Num(port))
}

fn parse_ipc(rest: &str) -> ZResult<IpcAddr> {
    if rest.contains('\0') {
        return Err(Errno::EINVAL);
    }
    if rest.len() > IPC_MAX_ADDR {
        return Err(Errno(libc::ENAMETOOLONG));
    }
    if rest == "*" {
        return Ok(IpcAddr::Wildcard);
    }
    match rest.strip_prefix('@') {
        Some("") => Err(Errno::EINVAL),
        Some(name) => Ok(IpcAddr::Abstract(name.to_owned())),
        None => Ok(IpcAddr::Path(rest.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tcp(src: Option<(&str, Port)>, host: &str, port: Port) -> Endpoint {
        Endpoint::Tcp(TcpAddr {
            source: src.map(|(h, p)| HostPort {
                host: h.to_owned(),
                port: p,
            }),
            addr: HostPort {
                host: host.to_owned(),
                port,
            },
        })
    }

    #[test]
    fn valid_addresses_parse_and_round_trip() {
        let long_path = format!("/tmp/{}", "a".repeat(102));
        let long_abstract = format!("@{}", "a".repeat(106));
        let cases: Vec<(String, Endpoint)> = vec![
            (
                "tcp://127.0.0.1:5555".into(),
                tcp(None, "127.0.0.1", Port::Num(5555)),
            ),
            ("tcp://*:5555".into(), tcp(None, "*", Port::Num(5555))),
            ("tcp://*:*".into(), tcp(None, "*", Port::Any)),
            (
                "tcp://127.0.0.1:0".into(),
                tcp(None, "127.0.0.1", Port::Num(0)),
            ),
            ("tcp://eth0:5555".into(), tcp(None, "eth0", Port::Num(5555))),
            ("tcp://lo:*".into(), tcp(None, "lo", Port::Any)),
            (
                "tcp://[::1]:5555".into(),
                tcp(None, "[::1]", Port::Num(5555)),
            ),
            ("tcp://::1:5555".into(), tcp(None, "::1", Port::Num(5555))),
            (
                "tcp://[fe80::1%lo]:5555".into(),
                tcp(None, "[fe80::1%lo]", Port::Num(5555)),
            ),
            (
                "tcp://localhost:65535".into(),
                tcp(None, "localhost", Port::Num(65535)),
            ),
            (
                "tcp://10.0.0.1:0;server:5555".into(),
                tcp(Some(("10.0.0.1", Port::Num(0))), "server", Port::Num(5555)),
            ),
            (
                "tcp://eth1:*;[::1]:5555".into(),
                tcp(Some(("eth1", Port::Any)), "[::1]", Port::Num(5555)),
            ),
            ("tcp://:5555".into(), tcp(None, "", Port::Num(5555))),
            (
                "ipc:///tmp/x".into(),
                Endpoint::Ipc(IpcAddr::Path("/tmp/x".into())),
            ),
            (
                "ipc://relative/path".into(),
                Endpoint::Ipc(IpcAddr::Path("relative/path".into())),
            ),
            (
                "ipc://@abstract".into(),
                Endpoint::Ipc(IpcAddr::Abstract("abstract".into())),
            ),
            ("ipc://*".into(), Endpoint::Ipc(IpcAddr::Wildcard)),
            (
                format!("ipc://{long_path}"),
                Endpoint::Ipc(IpcAddr::Path(long_path.clone())),
            ),
            (
                format!("ipc://{long_abstract}"),
                Endpoint::Ipc(IpcAddr::Abstract(long_abstract[1..].to_owned())),
            ),
            ("inproc://name".into(), Endpoint::Inproc("name".into())),
            ("inproc://*".into(), Endpoint::Inproc("*".into())),
            ("inproc://a://b".into(), Endpoint::Inproc("a://b".into())),
        ];
        for (input, want) in cases {
            let got = parse(&input).unwrap_or_else(|e| panic!("{input}: {e:?}"));
            assert_eq!(got, want, "{input}");
            assert_eq!(got.to_string(), input, "round trip");
        }
        // Leading zeros are accepted (libzmq: atoi), the canonical form drops them.
        assert_eq!(parse("tcp://h:01").unwrap().to_string(), "tcp://h:1");
    }

    #[test]
    fn invalid_addresses_give_libzmq_errno() {
        let einval = libc::EINVAL;
        let eproto = libc::EPROTONOSUPPORT;
        let toolong = libc::ENAMETOOLONG;
        let long_path = format!("ipc:///tmp/{}", "a".repeat(103));
        let long_abstract = format!("ipc://@{}", "a".repeat(107));
        let cases: Vec<(&str, i32)> = vec![
            ("", einval),
            ("tcp", einval),
            ("tcp:/x", einval),
            ("tcp:x", einval),
            ("tcp//x", einval),
            ("tcp://", einval),
            ("://x", einval),
            ("foo://", einval),
            ("foo://x", eproto),
            ("TCP://127.0.0.1:1", eproto),
            ("pgm://eth0;239.192.1.1:5555", eproto),
            ("epgm://eth0;239.192.1.1:5555", eproto),
            ("norm://x", eproto),
            ("tipc://x", eproto),
            ("vmci://1:1", eproto),
            ("udp://127.0.0.1:1", eproto),
            ("ws://127.0.0.1:1", eproto),
            ("wss://x", eproto),
            ("tcp://127.0.0.1", einval),
            ("tcp://127.0.0.1:", einval),
            ("tcp://*", einval),
            ("tcp://lo", einval),
            ("tcp://127.0.0.1:65536", einval),
            ("tcp://127.0.0.1:70000", einval),
            ("tcp://127.0.0.1:99999999999999999999", einval),
            ("tcp://127.0.0.1:-1", einval),
            ("tcp://127.0.0.1:+5", einval),
            ("tcp://127.0.0.1: 5", einval),
            ("tcp://127.0.0.1:5 ", einval),
            ("tcp://127.0.0.1:abc", einval),
            ("tcp://127.0.0.1:5a", einval),
            ("tcp://127.0.0.1:00", einval),
            ("tcp://127.0.0.1;127.0.0.1:5", einval),
            ("tcp://127.0.0.1:5;", einval),
            ("ipc://@", einval),
            ("ipc://a\0b", einval),
            (&long_path, toolong),
            (&long_abstract, toolong),
            ("inproc://", einval),
        ];
        for (input, errno) in cases {
            assert_eq!(parse(input), Err(Errno(errno)), "{input:?}");
        }
    }

    #[test]
    fn connect_checks() {
        let ok = [
            "tcp://127.0.0.1:5555",
            "tcp://localhost:5555",
            "tcp://nonexistent.invalid:5555",
            "tcp://x_y:5555",
            "tcp://127.0.0.1:0",
            "tcp://[::1]:5555",
            "tcp://::1:5555",
            "tcp://[fe80::1%lo]:5555",
            "tcp://127.0.0.1:0;127.0.0.1:5555",
            "tcp://127.0.0.1:*;127.0.0.1:5555",
            "tcp://eth99:0;127.0.0.1:5555",
            "ipc:///tmp/x",
            "ipc://@abs",
            "inproc://x",
        ];
        for input in ok {
            let ep = parse_connect(input).unwrap_or_else(|e| panic!("{input}: {e:?}"));
            assert_eq!(ep.to_string(), input);
        }
        let bad = [
            "tcp://*:5555",
            "tcp://127.0.0.1:*",
            "tcp://:5555",
            "tcp://;127.0.0.1:5555",
            "tcp://*:*;127.0.0.1:5555",
            "tcp://:0;127.0.0.1:5555",
            "tcp://a b:5555",
            "tcp://-x:5555",
            "tcp://x/y:5555",
            "tcp://é:5555",
            "tcp://127.0.0.1:65536",
            "tcp://127.0.0.1",
            "ipc://",
            "inproc://",
        ];
        for input in bad {
            assert_eq!(parse_connect(input), Err(Errno::EINVAL), "{input}");
        }
        assert_eq!(
            parse_connect("ipc://*"),
            Ok(Endpoint::Ipc(IpcAddr::Path("*".into())))
        );
        assert_eq!(parse_connect("udp://x:1"), Err(Errno::EPROTONOSUPPORT));
    }

    #[test]
    fn every_unsupported_transport_is_eprotonosupport() {
        for t in UNSUPPORTED_TRANSPORTS {
            assert_eq!(
                parse(&format!("{t}://127.0.0.1:5555")),
                Err(Errno::EPROTONOSUPPORT),
                "{t}"
            );
        }
    }

    #[test]
    fn port_parsing() {
        assert_eq!(parse_port("*"), Ok(Port::Any));
        assert_eq!(parse_port("0"), Ok(Port::Num(0)));
        assert_eq!(parse_port("65535"), Ok(Port::Num(65535)));
        assert_eq!(parse_port("0065535"), Ok(Port::Num(65535)));
        assert_eq!(parse_port("65536"), Err(Errno::EINVAL));
        assert_eq!(parse_port(""), Err(Errno::EINVAL));
        assert_eq!(parse_port("**"), Err(Errno::EINVAL));
        assert_eq!(Port::Any.number(), 0);
    }
}
