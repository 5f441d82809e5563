//! Accept filters of listeners: ZMQ_TCP_ACCEPT_FILTER (address/CIDR masks
//! on the peer of an accepted tcp connection) and ZMQ_IPC_FILTER_UID /
//! _GID / _PID (SO_PEERCRED of an accepted ipc connection). A refused
//! connection is closed at accept, before it costs a session, a handshake
//! or a place under the admission caps.
//!
//! Thread: masks are parsed on the application thread (zmq_setsockopt);
//! matching runs on I/O threads and only reads what was decided then (no
//! name service lookups there: group membership is resolved at
//! setsockopt time, see `IpcFilters::add_gid`).

use crate::errno::{Errno, ZResult};
use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr};

/// One ZMQ_TCP_ACCEPT_FILTER entry: a network address and a prefix length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddressMask {
    net: IpAddr,
    bits: u8,
}

impl AddressMask {
    /// Parses `addr[/bits]` as libzmq does: a numeric IPv4 or IPv6 address
    /// (IPv6, optionally in brackets, only with ZMQ_IPV6; with ZMQ_IPV6 an
    /// IPv4 address means its v4-mapped IPv6 form, which is how dual-stack
    /// listeners see IPv4 peers), `bits` read like strtol (leading digits),
    /// "0" matching everything, an empty mask or one out of range EINVAL.
    pub fn parse(s: &str, ipv6: bool) -> ZResult<AddressMask> {
        let (addr, mask) = match s.rfind('/') {
            Some(i) => (&s[..i], Some(&s[i + 1..])),
            None => (s, None),
        };
        let bare = addr
            .strip_prefix('[')
            .and_then(|a| a.strip_suffix(']'))
            .unwrap_or(addr);
        let parsed = bare
            .parse::<IpAddr>()
            .ok()
            .or_else(|| inet_aton(bare).map(IpAddr::V4))
            .ok_or(Errno::EINVAL)?;
        let net = match parsed {
            IpAddr::V4(v4) if ipv6 => IpAddr::V6(v4.to_ipv6_mapped()),
            IpAddr::V4(v4) if bare == addr => IpAddr::V4(v4),
            IpAddr::V6(v6) if ipv6 => IpAddr::V6(v6),
            _ => return Err(Errno::EINVAL),
        };
        let full: u8 = if net.is_ipv4() { 32 } else { 128 };
        let bits = match mask {
            None => full,
            Some("") => return Err(Errno::EINVAL),
            Some("0") => 0,
            Some(m) => {
                let n = leading_number(m);
                if n < 1 || n > i64::from(full) {
                    return Err(Errno::EINVAL);
                }
                n as u8
            }
        };
        Ok(AddressMask { net, bits })
    }

    /// Whether `peer` is inside this network (families must match).
    pub fn matches(&self, peer: IpAddr) -> bool {
        match (self.net, peer) {
            (IpAddr::V4(n), IpAddr::V4(p)) => prefix_eq(&n.octets(), &p.octets(), self.bits),
            (IpAddr::V6(n), IpAddr::V6(p)) => prefix_eq(&n.octets(), &p.octets(), self.bits),
            _ => false,
        }
    }
}

/// The older IPv4 spellings the C resolver still takes as numeric hosts
/// (inet_aton: "127.1", "10.0.258", "0x7f.0.0.1", octal with a leading 0).
fn inet_aton(s: &str) -> Option<Ipv4Addr> {
    let parts: Vec<u32> = s
        .split('.')
        .map(|p| {
            let (digits, radix) = if let Some(h) = p.strip_prefix("0x").or(p.strip_prefix("0X")) {
                (h, 16)
            } else if p.len() > 1 && p.starts_with('0') {
                (&p[1..], 8)
            } else {
                (p, 10)
            };
            if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
                return None;
            }
            u32::from_str_radix(digits, radix).ok()
        })
        .collect::<Option<_>>()?;
    let (last, head) = parts.split_last()?;
    if head.len() > 3 || head.iter().any(|&b| b > 0xff) {
        return None;
    }
    let bits = 8 * (4 - head.len() as u32);
    if bits < 32 && *last >> bits != 0 {
        return None;
    }
    let mut n = *last;
    for (i, b) in head.iter().enumerate() {
        n |= b << (24 - 8 * i as u32);
    }
    Some(Ipv4Addr::from(n))
}

/// strtol's reading of a decimal: optional blanks and sign, then digits up
/// to the first non-digit (0 when there are none). Saturates.
fn leading_number(s: &str) -> i64 {
    let t = s.trim_start();
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let mut n: i64 = 0;
    for b in digits.bytes().take_while(u8::is_ascii_digit) {
        n = n.saturating_mul(10).saturating_add(i64::from(b - b'0'));
    }
    if neg {
        -n
    } else {
        n
    }
}

fn prefix_eq(a: &[u8], b: &[u8], bits: u8) -> bool {
    let full = usize::from(bits / 8);
    if a[..full] != b[..full] {
        return false;
    }
    let rest = bits % 8;
    if rest == 0 {
        return true;
    }
    let m = 0xffu8 << (8 - rest);
    a[full] & m == b[full] & m
}

/// Whether a tcp peer passes the filters (none set: everyone).
pub fn tcp_peer_allowed(filters: &[AddressMask], peer: IpAddr) -> bool {
    filters.is_empty() || filters.iter().any(|f| f.matches(peer))
}

/// ZMQ_IPC_FILTER_UID/_GID/_PID sets. A peer passes when no set has
/// entries, or when its uid, gid or pid is listed, or when its uid belongs
/// to a listed group as a supplementary member.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IpcFilters {
    pub uids: BTreeSet<u32>,
    pub gids: BTreeSet<u32>,
    pub pids: BTreeSet<i32>,
    /// Users named as members of the listed groups (from the group
    /// database when the gid was added).
    pub member_uids: BTreeSet<u32>,
}

impl IpcFilters {
    pub fn is_empty(&self) -> bool {
        self.uids.is_empty() && self.gids.is_empty() && self.pids.is_empty()
    }

    /// Adds a gid and remembers its supplementary members now, on the
    /// application thread: libzmq asks getpwuid/getgrgid per connection on
    /// its I/O thread, where a slow name service would stall every
    /// connection of the thread.
    pub fn add_gid(&mut self, gid: u32) {
        if self.gids.insert(gid) {
            self.member_uids.extend(super::sys::group_member_uids(gid));
        }
    }

    pub fn clear_gids(&mut self) {
        self.gids.clear();
        self.member_uids.clear();
    }

    /// Whether a peer with these credentials (None: SO_PEERCRED failed)
    /// passes.
    pub fn allows(&self, cred: Option<(u32, u32, i32)>) -> bool {
        if self.is_empty() {
            return true;
        }
        let Some((uid, gid, pid)) = cred else {
            return false;
        };
        self.uids.contains(&uid)
            || self.gids.contains(&gid)
            || self.pids.contains(&pid)
            || self.member_uids.contains(&uid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn parses_like_libzmq() {
        assert!(AddressMask::parse("127.0.0.1", false).is_ok());
        assert!(AddressMask::parse("127.0.0.1/8", false).is_ok());
        assert!(AddressMask::parse("10.0.0.0/0", false).is_ok());
        assert!(AddressMask::parse("10.0.0.0/8x", false).is_ok());
        for bad in [
            "127.0.0.1/33",
            "::1",
            "localhost",
            "10.0.0.0/",
            "10.0.0.0/-1",
            " 10.0.0.1",
            "",
            "10.0.0.0/abc",
        ] {
            assert_eq!(AddressMask::parse(bad, false), Err(Errno::EINVAL), "{bad}");
        }
        assert!(AddressMask::parse("::1", true).is_ok());
        assert!(AddressMask::parse("[::1]", true).is_ok());
        assert!(AddressMask::parse("10.1.1.1/33", true).is_ok());
        assert_eq!(AddressMask::parse("::1/129", true), Err(Errno::EINVAL));
        assert_eq!(AddressMask::parse("[10.1.1.1]", false), Err(Errno::EINVAL));
    }

    #[test]
    fn old_ipv4_spellings_are_numeric() {
        let v4 = |s: &str| inet_aton(s).map(|a| a.to_string());
        assert_eq!(v4("1.2.3").as_deref(), Some("1.2.0.3"));
        assert_eq!(v4("127.1").as_deref(), Some("127.0.0.1"));
        assert_eq!(v4("0x7f.0.0.01").as_deref(), Some("127.0.0.1"));
        assert_eq!(v4("16909060").as_deref(), Some("1.2.3.4"));
        for bad in [
            "",
            "1..2",
            "1.2.3.4.5",
            "256.1",
            "1.2.65536",
            "08",
            "0x",
            "a.b",
        ] {
            assert_eq!(inet_aton(bad), None, "{bad}");
        }
        assert!(AddressMask::parse("1.2.3/24", false).is_ok());
    }

    #[test]
    fn matches_prefixes_within_one_family() {
        let m = AddressMask::parse("192.168.10.0/23", false).unwrap();
        assert!(m.matches(ip("192.168.11.200")));
        assert!(!m.matches(ip("192.168.12.1")));
        assert!(!m.matches(ip("::ffff:192.168.11.200")));
        let all = AddressMask::parse("1.2.3.4/0", false).unwrap();
        assert!(all.matches(ip("8.8.8.8")));
        assert!(!all.matches(ip("::1")));
        let v6 = AddressMask::parse("127.0.0.1", true).unwrap();
        assert!(v6.matches(ip("::ffff:127.0.0.1")));
        assert!(!v6.matches(ip("127.0.0.1")));
        let host = AddressMask::parse("fe80::1/128", true).unwrap();
        assert!(host.matches(ip("fe80::1")));
        assert!(!host.matches(ip("fe80::2")));
        assert!(tcp_peer_allowed(&[], ip("1.1.1.1")));
        assert!(!tcp_peer_allowed(&[m], ip("1.1.1.1")));
    }

    #[test]
    fn ipc_filters_pass_any_listed_credential() {
        let mut f = IpcFilters::default();
        assert!(f.allows(None));
        f.uids.insert(1000);
        assert!(f.allows(Some((1000, 5, 77))));
        assert!(!f.allows(Some((1001, 5, 77))));
        assert!(!f.allows(None));
        f.pids.insert(77);
        assert!(f.allows(Some((1001, 5, 77))));
        f.member_uids.insert(1002);
        assert!(f.allows(Some((1002, 9, 1))));
    }
}
