//! The libc calls of the transport layer that socket2/std/mio do not
//! wrap: `getifaddrs` (interface name -> address, for `tcp://eth0:…`),
//! `getsockopt(SO_PEERCRED)` (the ipc "Peer-Address" property and the ipc
//! accept filters), the group database (ZMQ_IPC_FILTER_GID members) and
//! adopting a ZMQ_USE_FD listener. Each is
//! a small function with the `unsafe` confined to it; everything else in
//! `transport/` is `#![deny(unsafe_code)]`.
//!
//! Thread: any (stateless; called from the application thread for bind and
//! from I/O threads for accepted ipc connections).

use std::ffi::CStr;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::{AsRawFd, BorrowedFd};

/// One address of one network interface.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct IfAddr {
    pub name: String,
    pub addr: IpAddr,
    /// `sin6_scope_id` for IPv6 addresses (0 otherwise).
    pub scope_id: u32,
}

/// Frees the `getifaddrs` list however the walk ends.
struct IfAddrsList(*mut libc::ifaddrs);

impl Drop for IfAddrsList {
    #[allow(unsafe_code)]
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: the pointer came from a successful getifaddrs() and is
            // freed exactly once, here.
            unsafe { libc::freeifaddrs(self.0) };
        }
    }
}

/// All IPv4/IPv6 interface addresses, in the kernel's order.
#[allow(unsafe_code)]
pub(crate) fn interface_addresses() -> io::Result<Vec<IfAddr>> {
    let mut head: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs writes a list head into `head`, which is a valid
    // out-pointer; on failure nothing is allocated.
    if unsafe { libc::getifaddrs(&mut head) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let list = IfAddrsList(head);
    let mut out = Vec::new();
    let mut cur = list.0.cast_const();
    while !cur.is_null() {
        // SAFETY: `cur` is a node of the list returned by getifaddrs, alive
        // until `list` is dropped at the end of this function. `ifa_name` is
        // a NUL-terminated string when non-null; `ifa_addr`, when non-null,
        // points to a sockaddr whose real size matches its `sa_family`, so
        // reading a sockaddr_in / sockaddr_in6 for AF_INET / AF_INET6 stays
        // in bounds (read_unaligned: no alignment assumption).
        let (next, entry) = unsafe {
            let ifa = &*cur;
            let mut entry = None;
            if !ifa.ifa_addr.is_null() && !ifa.ifa_name.is_null() {
                let name = CStr::from_ptr(ifa.ifa_name).to_string_lossy().into_owned();
                match i32::from((*ifa.ifa_addr).sa_family) {
                    libc::AF_INET => {
                        let sin =
                            std::ptr::read_unaligned(ifa.ifa_addr.cast::<libc::sockaddr_in>());
                        let ip = Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr));
                        entry = Some(IfAddr {
                            name,
                            addr: IpAddr::V4(ip),
                            scope_id: 0,
                        });
                    }
                    libc::AF_INET6 => {
                        let sin6 =
                            std::ptr::read_unaligned(ifa.ifa_addr.cast::<libc::sockaddr_in6>());
                        entry = Some(IfAddr {
                            name,
                            addr: IpAddr::V6(Ipv6Addr::from(sin6.sin6_addr.s6_addr)),
                            scope_id: sin6.sin6_scope_id,
                        });
                    }
                    _ => {}
                }
            }
            (ifa.ifa_next.cast_const(), entry)
        };
        out.extend(entry);
        cur = next;
    }
    drop(list);
    Ok(out)
}

/// The peer's (uid, gid, pid) of a connected AF_UNIX socket.
#[allow(unsafe_code)]
pub(crate) fn peer_cred(fd: BorrowedFd<'_>) -> Option<(u32, u32, i32)> {
    let mut cred = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let size = std::mem::size_of::<libc::ucred>();
    let mut len = libc::socklen_t::try_from(size).ok()?;
    // SAFETY: `fd` is borrowed, so it stays open for the call; `cred` and
    // `len` are live locals and `len` is the exact size of `cred`, so the
    // kernel writes at most that many bytes.
    let rc = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&mut cred as *mut libc::ucred).cast::<libc::c_void>(),
            &mut len,
        )
    };
    (rc == 0 && usize::try_from(len).ok() == Some(size)).then_some((cred.uid, cred.gid, cred.pid))
}

/// The uids of the users a group's database entry names as members
/// (supplementary membership), looked up with the reentrant getgrgid_r /
/// getpwnam_r. Empty when the group is unknown or a lookup fails.
#[allow(unsafe_code)]
pub(crate) fn group_member_uids(gid: u32) -> Vec<u32> {
    // Buffers grow on ERANGE up to this bound (large LDAP groups).
    const MAX_BUF: usize = 1 << 20;
    let mut buf = vec![0u8; 4096];
    let names: Vec<Vec<u8>> = loop {
        // SAFETY: zeroed plain C struct, filled by getgrgid_r.
        let mut grp: libc::group = unsafe { std::mem::zeroed() };
        let mut out: *mut libc::group = std::ptr::null_mut();
        // SAFETY: `grp`, `buf` and `out` are live for the call and `buf.len()`
        // is the buffer's real size; getgrgid_r writes only inside them.
        let rc = unsafe {
            libc::getgrgid_r(gid, &mut grp, buf.as_mut_ptr().cast(), buf.len(), &mut out)
        };
        if rc == libc::ERANGE && buf.len() < MAX_BUF {
            buf.resize(buf.len() * 2, 0);
            continue;
        }
        if rc != 0 || out.is_null() || grp.gr_mem.is_null() {
            return Vec::new();
        }
        let mut names = Vec::new();
        let mut p = grp.gr_mem;
        // SAFETY: gr_mem is a NULL-terminated array of C strings inside
        // `buf`, which outlives this loop.
        unsafe {
            while !(*p).is_null() {
                names.push(CStr::from_ptr(*p).to_bytes().to_vec());
                p = p.add(1);
            }
        }
        break names;
    };
    names.iter().filter_map(|n| user_uid(n)).collect()
}

#[allow(unsafe_code)]
fn user_uid(name: &[u8]) -> Option<u32> {
    let cname = std::ffi::CString::new(name).ok()?;
    let mut buf = vec![0u8; 4096];
    for _ in 0..8 {
        // SAFETY: zeroed plain C struct, filled by getpwnam_r.
        let mut pw: libc::passwd = unsafe { std::mem::zeroed() };
        let mut out: *mut libc::passwd = std::ptr::null_mut();
        // SAFETY: all pointers are live locals; `buf.len()` is the real size.
        let rc = unsafe {
            libc::getpwnam_r(
                cname.as_ptr(),
                &mut pw,
                buf.as_mut_ptr().cast(),
                buf.len(),
                &mut out,
            )
        };
        if rc == libc::ERANGE {
            buf.resize(buf.len() * 2, 0);
            continue;
        }
        return (rc == 0 && !out.is_null()).then_some(pw.pw_uid);
    }
    None
}

/// One owner per socket: the same fd given to a second bind is refused
/// (libzmq would close it twice, the second time perhaps someone else's
/// fd). An fd number is remembered with the socket it named when adopted
/// (device, inode); a number freed and reused names a new socket and may
/// be adopted again. One entry per fd number: bounded by the fd table.
#[allow(unsafe_code)]
fn claim_once(fd: i32) -> io::Result<()> {
    static ADOPTED: std::sync::Mutex<Vec<(i32, (u64, u64))>> = std::sync::Mutex::new(Vec::new());
    // SAFETY: zeroed plain C struct, filled by fstat.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `st` is a live local of the right type; an invalid fd gives
    // EBADF and nothing is written.
    if unsafe { libc::fstat(fd, &mut st) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let id = (st.st_dev, st.st_ino);
    let mut adopted = ADOPTED.lock().unwrap_or_else(|e| e.into_inner());
    match adopted.iter_mut().find(|(n, _)| *n == fd) {
        Some((_, known)) if *known == id => Err(io::Error::from_raw_os_error(libc::EINVAL)),
        Some((_, known)) => {
            *known = id;
            Ok(())
        }
        None => {
            adopted.push((fd, id));
            Ok(())
        }
    }
}

/// Takes ownership of a listening socket the application made itself
/// (ZMQ_USE_FD). The fd must be an open socket in the listening state of
/// the given family (AF_UNIX for ipc, AF_INET/AF_INET6 for tcp); otherwise
/// EINVAL (EBADF/ENOTSOCK as the kernel says) and the fd is left alone.
#[allow(unsafe_code)]
pub(crate) fn adopt_listener_fd(fd: i32, unix: bool) -> io::Result<socket2::Socket> {
    use std::os::fd::FromRawFd;
    let int_opt = |opt: libc::c_int| -> io::Result<libc::c_int> {
        let mut v: libc::c_int = 0;
        let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: `v` and `len` are live locals of the size passed; the fd
        // is only read (an invalid one gives EBADF).
        let rc = unsafe {
            libc::getsockopt(
                fd,
                libc::SOL_SOCKET,
                opt,
                (&mut v as *mut libc::c_int).cast(),
                &mut len,
            )
        };
        if rc == 0 {
            Ok(v)
        } else {
            Err(io::Error::last_os_error())
        }
    };
    let family_ok = match int_opt(libc::SO_DOMAIN)? {
        libc::AF_UNIX => unix,
        libc::AF_INET | libc::AF_INET6 => !unix,
        _ => false,
    };
    if !family_ok
        || int_opt(libc::SO_TYPE)? != libc::SOCK_STREAM
        || int_opt(libc::SO_ACCEPTCONN)? == 0
    {
        return Err(io::Error::from_raw_os_error(libc::EINVAL));
    }
    claim_once(fd)?;
    // SAFETY: the fd is an open stream socket (checked above); the
    // application handed it over with ZMQ_USE_FD, and like libzmq the
    // listener owns and closes it from now on.
    let sock = unsafe { socket2::Socket::from_raw_fd(fd) };
    sock.set_nonblocking(true)?;
    sock.set_cloexec(true)?;
    Ok(sock)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;

    #[test]
    fn loopback_has_127_0_0_1() {
        let addrs = interface_addresses().unwrap();
        assert!(addrs
            .iter()
            .any(|a| a.name == "lo" && a.addr == IpAddr::V4(Ipv4Addr::LOCALHOST)));
    }

    #[test]
    fn unknown_group_has_no_members() {
        assert!(group_member_uids(0x7fff_fff0).is_empty());
    }

    #[test]
    fn adopts_only_listening_sockets() {
        use std::os::fd::{AsRawFd, IntoRawFd};
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
        assert!(adopt_listener_fd(a.as_raw_fd(), true).is_err());
        assert!(adopt_listener_fd(l.as_raw_fd(), true).is_err());
        assert!(adopt_listener_fd(-1, false).is_err());
        let fd = l.into_raw_fd();
        let s = adopt_listener_fd(fd, false).unwrap();
        assert!(s.local_addr().is_ok());
        // Already ours: a second adoption is refused, not a second owner.
        assert!(adopt_listener_fd(fd, false).is_err());
        drop(s);
        // The number reused by a new listener may be adopted again.
        let l2 = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let fd2 = l2.into_raw_fd();
        drop(adopt_listener_fd(fd2, false).unwrap());
    }

    #[test]
    fn peer_cred_of_a_socketpair_is_ourselves() {
        let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
        let (_uid, _gid, pid) = peer_cred(a.as_fd()).unwrap();
        assert_eq!(u32::try_from(pid).ok(), Some(std::process::id()));
    }
}
