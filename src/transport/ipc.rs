//! `ipc://` over Unix domain sockets: file paths, Linux abstract names
//! (`@name`) and `*` (a fresh private directory holding `socket`).
//!
//! Hardening relative to libzmq 4.3: bind removes a stale file only if it
//! is a socket (libzmq unlinks whatever is there, even a regular file), and
//! [`ipc_unlink`] removes the socket file only while it is still the one
//! this listener created (same device and inode), so closing an old
//! listener never deletes the socket of a newer process that took the path
//! over. libzmq leaves named socket files behind; it removes only the `*`
//! directory, which we do too.
//!
//! Thread: `ipc_listen` and `ipc_unlink` run on the application thread
//! (bind/unbind/close); `ipc_connect` and `ipc_peer_address` on I/O threads.

use super::endpoint::{Endpoint, IpcAddr, IPC_MAX_ADDR};
use super::sys;
use crate::errno::{Errno, ZResult};
use socket2::{Domain, SockAddr, Socket, Type};
use std::collections::hash_map::RandomState;
use std::ffi::OsStr;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::os::fd::{AsFd, AsRawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

/// A bound ipc listener's address, as returned by [`ipc_listen`]: what
/// ZMQ_LAST_ENDPOINT shows, and what [`ipc_unlink`] cleans up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpcBound {
    /// `Path` or `Abstract` (a `*` bind resolves to the path it created).
    addr: IpcAddr,
    /// The directory created for `ipc://*`.
    temp_dir: Option<PathBuf>,
    /// (device, inode) of the socket file right after bind.
    file_id: Option<(u64, u64)>,
}

impl IpcBound {
    pub fn addr(&self) -> &IpcAddr {
        &self.addr
    }

    pub fn endpoint(&self) -> Endpoint {
        Endpoint::Ipc(self.addr.clone())
    }
}

impl fmt::Display for IpcBound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ipc://{}", self.addr)
    }
}

/// The socket address: the path, or NUL + name for abstract sockets.
fn sock_addr(addr: &IpcAddr) -> ZResult<SockAddr> {
    let (bytes, shown_len) = match addr {
        IpcAddr::Path(p) => {
            if p.contains('\0') {
                return Err(Errno::EINVAL);
            }
            (p.as_bytes().to_vec(), p.len())
        }
        IpcAddr::Abstract(name) => {
            let mut v = Vec::with_capacity(name.len() + 1);
            v.push(0);
            v.extend_from_slice(name.as_bytes());
            (v, name.len() + 1)
        }
        IpcAddr::Wildcard => (b"*".to_vec(), 1),
    };
    if bytes.is_empty() || bytes == [0] {
        return Err(Errno::EINVAL);
    }
    // The parser's limit, also for paths built here (`*`).
    if shown_len > IPC_MAX_ADDR {
        return Err(Errno(libc::ENAMETOOLONG));
    }
    Ok(SockAddr::unix(Path::new(OsStr::from_bytes(&bytes)))?)
}

/// Where `ipc://*` directories go: $TMPDIR, $TEMPDIR, $TMP (the first that
/// is a directory, as libzmq), else /tmp, else the current directory
/// (libzmq goes straight to the current directory).
fn temp_base() -> String {
    for var in ["TMPDIR", "TEMPDIR", "TMP"] {
        if let Some(dir) = std::env::var_os(var).and_then(|v| v.into_string().ok()) {
            if !dir.is_empty() && Path::new(&dir).is_dir() {
                return if dir.ends_with('/') { dir } else { dir + "/" };
            }
        }
    }
    if Path::new("/tmp").is_dir() {
        "/tmp/".to_owned()
    } else {
        String::new()
    }
}

/// Six random characters from [A-Za-z0-9], like mkdtemp's XXXXXX.
fn random_suffix() -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut h = RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    if let Ok(t) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        h.write_u128(t.as_nanos());
    }
    let mut x = h.finish();
    (0..6)
        .map(|_| {
            let c = CHARS[(x % CHARS.len() as u64) as usize];
            x /= CHARS.len() as u64;
            char::from(c)
        })
        .collect()
}

/// mkdtemp: a new directory, mode 0700, `<base>tmpXXXXXX`.
fn make_temp_dir() -> ZResult<String> {
    let base = temp_base();
    let mut last = Errno(libc::EEXIST);
    for _ in 0..100 {
        let dir = format!("{base}tmp{}", random_suffix());
        match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Errno::from(e),
            Err(e) => return Err(e.into()),
        }
    }
    Err(last)
}

fn file_id(path: &str) -> Option<(u64, u64)> {
    std::fs::symlink_metadata(path)
        .ok()
        .map(|m| (m.dev(), m.ino()))
}

/// Bind and listen. `ipc://*` creates a private temporary directory and
/// binds `<dir>/socket`; a stale socket file at a named path is removed
/// first (other kinds of file are left alone and bind fails EADDRINUSE).
/// Errors: ENAMETOOLONG, ENOENT (missing directory), EACCES, EADDRINUSE.
pub fn ipc_listen(addr: &IpcAddr, backlog: i32) -> ZResult<(mio::net::UnixListener, IpcBound)> {
    let (addr, temp_dir) = match addr {
        IpcAddr::Wildcard => {
            let dir = make_temp_dir()?;
            let path = format!("{dir}/socket");
            (IpcAddr::Path(path), Some(PathBuf::from(dir)))
        }
        other => (other.clone(), None),
    };
    let result = bind_and_listen(&addr, backlog);
    match result {
        Ok(listener) => {
            let file_id = match &addr {
                IpcAddr::Path(p) => file_id(p),
                _ => None,
            };
            Ok((
                listener,
                IpcBound {
                    addr,
                    temp_dir,
                    file_id,
                },
            ))
        }
        Err(e) => {
            if let Some(dir) = temp_dir {
                let _ = std::fs::remove_dir(dir);
            }
            Err(e)
        }
    }
}

fn bind_and_listen(addr: &IpcAddr, backlog: i32) -> ZResult<mio::net::UnixListener> {
    let sa = sock_addr(addr)?;
    if let IpcAddr::Path(p) = addr {
        if let Ok(meta) = std::fs::symlink_metadata(p) {
            if meta.file_type().is_socket() {
                let _ = std::fs::remove_file(p);
            }
        }
    }
    let sock = Socket::new(Domain::UNIX, Type::STREAM, None)?;
    sock.set_nonblocking(true)?;
    sock.bind(&sa)?;
    sock.listen(backlog)?;
    Ok(mio::net::UnixListener::from_std(sock.into()))
}

/// Start a non-blocking connect. `ipc://*` (parsed for connect) is the file
/// `*`, like libzmq. Errors: ENOENT, ECONNREFUSED, EAGAIN (backlog full),
/// ENAMETOOLONG; the caller retries per its reconnect policy.
pub fn ipc_connect(addr: &IpcAddr) -> ZResult<mio::net::UnixStream> {
    ipc_connect_reporting(addr).map_err(|(e, _)| e)
}

/// As `ipc_connect`; a failure also says which fd the socket it opened and
/// closed again had (libzmq reports that socket's CLOSED event).
pub fn ipc_connect_reporting(addr: &IpcAddr) -> Result<mio::net::UnixStream, (Errno, Option<i32>)> {
    let sa = sock_addr(addr).map_err(|e| (e, None))?;
    let sock = Socket::new(Domain::UNIX, Type::STREAM, None).map_err(|e| (e.into(), None))?;
    let fd = sock.as_raw_fd();
    let failed = |e: std::io::Error| (Errno::from(e), Some(fd));
    sock.set_nonblocking(true).map_err(failed)?;
    match sock.connect(&sa) {
        Ok(()) => {}
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
        Err(e) => return Err(failed(e)),
    }
    Ok(mio::net::UnixStream::from_std(sock.into()))
}

/// Clean up after a listener on unbind/close: remove its socket file if it
/// is still the one it created, and the `*` directory. Abstract names need
/// nothing. Never fails (best effort, like libzmq).
pub fn ipc_unlink(bound: &IpcBound) {
    if let IpcAddr::Path(p) = &bound.addr {
        if bound.file_id.is_some() && file_id(p) == bound.file_id {
            let _ = std::fs::remove_file(p);
        }
    }
    if let Some(dir) = &bound.temp_dir {
        let _ = std::fs::remove_dir(dir);
    }
}

/// The "Peer-Address" property of an ipc connection, as libzmq builds it
/// on Linux: `localhost:UID:GID:PID` of the peer process ("localhost" if
/// the credentials are unavailable, "" if the socket has no peer).
pub fn ipc_peer_address(s: &mio::net::UnixStream) -> String {
    if s.peer_addr().is_err() {
        return String::new();
    }
    match sys::peer_cred(s.as_fd()) {
        Some((uid, gid, pid)) => format!("localhost:{uid}:{gid}:{pid}"),
        None => "localhost".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::parse;
    use mio::{Events, Interest, Poll, Token};
    use std::io::{Read, Write};
    use std::time::Duration;

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

    fn accept(poll: &mut Poll, l: &mio::net::UnixListener) -> mio::net::UnixStream {
        wait_for(poll, || match l.accept() {
            Ok((s, _)) => Some(s),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => None,
            Err(e) => panic!("{e}"),
        })
    }

    fn round_trip(listener: &mut mio::net::UnixListener, target: &IpcAddr) {
        let mut poll = Poll::new().unwrap();
        poll.registry()
            .register(listener, Token(0), Interest::READABLE)
            .unwrap();
        let mut client = ipc_connect(target).unwrap();
        let mut server = accept(&mut poll, listener);
        poll.registry()
            .register(&mut server, Token(1), Interest::READABLE)
            .unwrap();
        client.write_all(b"hi").unwrap();
        let mut buf = [0u8; 2];
        wait_for(&mut poll, || match server.read(&mut buf) {
            Ok(2) => Some(()),
            Ok(n) => panic!("short read {n}"),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => None,
            Err(e) => panic!("{e}"),
        });
        assert_eq!(&buf, b"hi");
        let pa = ipc_peer_address(&server);
        let want = format!(":{}", std::process::id());
        assert!(pa.starts_with("localhost:") && pa.ends_with(&want), "{pa}");
        assert!(ipc_peer_address(&client).starts_with("localhost:"));
    }

    fn unique(tag: &str) -> String {
        format!(
            "rampart-test-{tag}-{}-{}",
            std::process::id(),
            random_suffix()
        )
    }

    fn ipc(s: &str) -> IpcAddr {
        match parse(s) {
            Ok(Endpoint::Ipc(a)) => a,
            other => panic!("{s}: {other:?}"),
        }
    }

    #[test]
    fn path_listen_connect_unlink() {
        let path = format!("/tmp/{}", unique("path"));
        let addr = ipc(&format!("ipc://{path}"));
        let (mut l, bound) = ipc_listen(&addr, 10).unwrap();
        assert_eq!(bound.to_string(), format!("ipc://{path}"));
        round_trip(&mut l, &addr);
        assert!(Path::new(&path).exists());
        ipc_unlink(&bound);
        assert!(!Path::new(&path).exists());
    }

    #[test]
    fn stale_socket_is_replaced_but_regular_file_is_kept() {
        let path = format!("/tmp/{}", unique("stale"));
        let addr = IpcAddr::Path(path.clone());
        let (first, bound1) = ipc_listen(&addr, 10).unwrap();
        // A second bind takes the path over (libzmq semantics)...
        let (_second, bound2) = ipc_listen(&addr, 10).unwrap();
        drop(first);
        // ...and cleaning up the first listener leaves the new socket alone.
        ipc_unlink(&bound1);
        assert!(Path::new(&path).exists());
        ipc_unlink(&bound2);
        assert!(!Path::new(&path).exists());

        std::fs::write(&path, b"precious").unwrap();
        assert_eq!(ipc_listen(&addr, 10).unwrap_err(), Errno(libc::EADDRINUSE));
        assert_eq!(std::fs::read(&path).unwrap(), b"precious");
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn abstract_listen_connect() {
        let name = unique("abs");
        let addr = ipc(&format!("ipc://@{name}"));
        let (mut l, bound) = ipc_listen(&addr, 10).unwrap();
        assert_eq!(bound.to_string(), format!("ipc://@{name}"));
        round_trip(&mut l, &addr);
        // Abstract names are exclusive.
        assert_eq!(ipc_listen(&addr, 10).unwrap_err(), Errno(libc::EADDRINUSE));
        ipc_unlink(&bound);
        let mut longest = unique("max");
        while longest.len() < IPC_MAX_ADDR - 1 {
            longest.push('m');
        }
        assert!(ipc_listen(&IpcAddr::Abstract(longest.clone()), 1).is_ok());
        longest.push('m');
        assert_eq!(
            ipc_listen(&IpcAddr::Abstract(longest), 1).unwrap_err(),
            Errno(libc::ENAMETOOLONG)
        );
    }

    #[test]
    fn wildcard_creates_and_removes_a_private_dir() {
        let (mut l, bound) = ipc_listen(&IpcAddr::Wildcard, 10).unwrap();
        let shown = bound.to_string();
        assert!(
            shown.starts_with("ipc://") && shown.ends_with("/socket"),
            "{shown}"
        );
        let IpcAddr::Path(path) = bound.addr().clone() else {
            panic!("path expected");
        };
        let dir = Path::new(&path).parent().unwrap().to_path_buf();
        assert!(dir
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("tmp"));
        let mode = std::fs::metadata(&dir).unwrap().mode() & 0o777;
        assert_eq!(mode, 0o700);
        // LAST_ENDPOINT parses back to the same address (unbind by it).
        assert_eq!(parse(&shown), Ok(bound.endpoint()));
        round_trip(&mut l, bound.addr());
        ipc_unlink(&bound);
        assert!(!dir.exists());
    }

    #[test]
    fn errors() {
        let missing = IpcAddr::Path(format!("/nonexistent-{}/x", unique("dir")));
        assert_eq!(ipc_listen(&missing, 1).unwrap_err(), Errno::ENOENT);
        assert_eq!(ipc_connect(&missing).unwrap_err(), Errno::ENOENT);
        let too_long = IpcAddr::Path(format!("/tmp/{}", "a".repeat(200)));
        assert_eq!(
            ipc_listen(&too_long, 1).unwrap_err(),
            Errno(libc::ENAMETOOLONG)
        );
        assert_eq!(
            ipc_connect(&too_long).unwrap_err(),
            Errno(libc::ENAMETOOLONG)
        );
        let nul = IpcAddr::Path("/tmp/a\0b".into());
        assert_eq!(ipc_listen(&nul, 1).unwrap_err(), Errno::EINVAL);
        // A socket file with no listener behind it.
        let path = format!("/tmp/{}", unique("dead"));
        let (l, bound) = ipc_listen(&IpcAddr::Path(path.clone()), 1).unwrap();
        drop(l);
        assert_eq!(
            ipc_connect(&IpcAddr::Path(path)).unwrap_err(),
            Errno(libc::ECONNREFUSED)
        );
        ipc_unlink(&bound);
        assert!(!random_suffix().is_empty());
    }
}
