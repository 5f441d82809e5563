//! The only two libc calls of the transport layer that socket2/std/mio do
//! not wrap: `getifaddrs` (interface name -> address, for `tcp://eth0:…`)
//! and `getsockopt(SO_PEERCRED)` (the ipc "Peer-Address" property). Each is
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
    fn peer_cred_of_a_socketpair_is_ourselves() {
        let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
        let (_uid, _gid, pid) = peer_cred(a.as_fd()).unwrap();
        assert_eq!(u32::try_from(pid).ok(), Some(std::process::id()));
    }
}
