//! Hardening policy in one place: the profiles of HARDENING.md and their
//! RAMPART_* environment overrides. Read on the application thread when a
//! context is created.
//!
//! Precedence: an explicit zmq_setsockopt/zmq_ctx_set wins over an
//! environment variable, which wins over the profile.

use std::collections::HashSet;
use std::sync::Mutex;

pub const KIB: u64 = 1024;
pub const MIB: u64 = 1024 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    /// libzmq's exact defaults (conformance testing).
    Compat,
    /// What an unconfigured program gets.
    Default,
    /// For exposed endpoints.
    Strict,
}

impl Profile {
    pub fn name(self) -> &'static str {
        match self {
            Profile::Compat => "compat",
            Profile::Default => "default",
            Profile::Strict => "strict",
        }
    }

    fn parse(s: &str) -> Option<Profile> {
        match s.trim().to_ascii_lowercase().as_str() {
            "compat" => Some(Profile::Compat),
            "default" => Some(Profile::Default),
            "strict" => Some(Profile::Strict),
            _ => None,
        }
    }
}

/// The limits a new socket starts with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Defaults {
    pub profile: Profile,
    /// ZMQ_MAXMSGSIZE default; -1 = unlimited.
    pub max_msg_size: i64,
    /// Cap on every frame before the handshake completes; None = use MAXMSGSIZE (libzmq).
    pub handshake_frame_cap: Option<u64>,
    /// ZMQ_HANDSHAKE_IVL default in ms.
    pub handshake_ivl: i32,
    /// Bytes in flight per pipe and direction; 0 = none.
    pub pipe_byte_cap: u64,
    /// Accept ZMTP 1.0/2.0 peers (NULL mechanism only, as libzmq; same
    /// frame and size limits as ZMTP 3). Only `strict` refuses them: old
    /// clients such as Debian's JeroMQ 0.3 speak ZMTP 2.0.
    pub accept_legacy: bool,
    /// Close a connection whose PING has over 16 bytes of context (RFC 37's
    /// maximum); libzmq echoes the first 16.
    pub strict_ping: bool,
    /// Connection admission per listener; 0 = no cap.
    pub max_connections: u64,
    pub max_connections_per_address: u64,
    pub max_handshakes: u64,
    /// ZMQ_TCP_KEEPALIVE and its parameters (-1 = OS default).
    pub tcp_keepalive: Keepalive,
    /// ZMQ_HEARTBEAT_IVL and ZMQ_HEARTBEAT_TIMEOUT defaults in ms (0 = off,
    /// timeout -1 = the interval).
    pub heartbeat_ivl: i32,
    pub heartbeat_timeout: i32,
    /// Evict a peer of a dropping socket type whose pipe stayed full this
    /// many ms; 0 = never.
    pub stall_evict_ivl: i32,
    /// Longest subscription topic; bytes of subscriptions per PUB/XPUB.
    /// 0 = no limit.
    pub max_topic: u64,
    pub subscription_memory: u64,
    /// Memory budget per socket and per context in bytes; 0 = none.
    pub socket_budget: u64,
    pub ctx_budget: u64,
}

/// TCP keepalive settings, in ZMQ_TCP_KEEPALIVE* terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Keepalive {
    pub on: i32,
    pub idle: i32,
    pub intvl: i32,
    pub cnt: i32,
}

impl Keepalive {
    const OS: Keepalive = Keepalive {
        on: -1,
        idle: -1,
        intvl: -1,
        cnt: -1,
    };
    /// HARDENING.md: on, 60 s idle, 10 s between probes, 6 probes.
    const HARDENED: Keepalive = Keepalive {
        on: 1,
        idle: 60,
        intvl: 10,
        cnt: 6,
    };
}

impl Defaults {
    pub fn for_profile(p: Profile) -> Defaults {
        match p {
            Profile::Compat => Defaults {
                profile: p,
                max_msg_size: -1,
                handshake_frame_cap: None,
                handshake_ivl: 30_000,
                pipe_byte_cap: 0,
                accept_legacy: true,
                strict_ping: false,
                max_connections: 0,
                max_connections_per_address: 0,
                max_handshakes: 0,
                tcp_keepalive: Keepalive::OS,
                heartbeat_ivl: 0,
                heartbeat_timeout: -1,
                stall_evict_ivl: 0,
                max_topic: 0,
                subscription_memory: 0,
                socket_budget: 0,
                ctx_budget: 0,
            },
            Profile::Default => Defaults {
                profile: p,
                max_msg_size: (16 * MIB) as i64,
                handshake_frame_cap: Some(64 * KIB),
                handshake_ivl: 10_000,
                pipe_byte_cap: 32 * MIB,
                accept_legacy: true,
                strict_ping: true,
                max_connections: (fd_soft_limit() / 2).clamp(1, 4096),
                max_connections_per_address: 256,
                max_handshakes: 256,
                tcp_keepalive: Keepalive::HARDENED,
                heartbeat_ivl: 0,
                heartbeat_timeout: -1,
                stall_evict_ivl: 0,
                max_topic: 64 * KIB,
                // Counted in the socket budget, no cap of its own.
                subscription_memory: 0,
                socket_budget: 256 * MIB,
                ctx_budget: usable_memory() / 2,
            },
            Profile::Strict => Defaults {
                profile: p,
                max_msg_size: MIB as i64,
                handshake_frame_cap: Some(16 * KIB),
                handshake_ivl: 5_000,
                pipe_byte_cap: 8 * MIB,
                accept_legacy: false,
                strict_ping: true,
                max_connections: (fd_soft_limit() / 2).clamp(1, 1024),
                max_connections_per_address: 32,
                max_handshakes: 64,
                tcp_keepalive: Keepalive::HARDENED,
                heartbeat_ivl: 30_000,
                heartbeat_timeout: 90_000,
                stall_evict_ivl: 60_000,
                max_topic: 4 * KIB,
                subscription_memory: 16 * MIB,
                socket_budget: 64 * MIB,
                ctx_budget: usable_memory() / 4,
            },
        }
    }

    /// The profile named by RAMPART_PROFILE, then each RAMPART_<KNOB>.
    pub fn from_env() -> Defaults {
        Defaults::from_lookup(|k| std::env::var(k).ok())
    }

    /// As `from_env`, reading variables through `get` (testable).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Defaults {
        let profile = match get("RAMPART_PROFILE") {
            None => Profile::Default,
            Some(v) => Profile::parse(&v).unwrap_or_else(|| {
                report_malformed("RAMPART_PROFILE", &v, "compat, default or strict");
                Profile::Default
            }),
        };
        let mut d = Defaults::for_profile(profile);
        if let Some(v) = knob(&get, "RAMPART_MAXMSGSIZE", |n: i64| n >= -1) {
            d.max_msg_size = v;
        }
        if let Some(v) = knob(&get, "RAMPART_HANDSHAKE_FRAME_CAP", |n: u64| n >= 64) {
            d.handshake_frame_cap = Some(v);
        }
        if let Some(v) = knob(&get, "RAMPART_HANDSHAKE_IVL", |n: i32| n >= 0) {
            d.handshake_ivl = v;
        }
        if let Some(v) = knob(&get, "RAMPART_PIPE_BYTE_CAP", |_: u64| true) {
            d.pipe_byte_cap = v;
        }
        if let Some(v) = knob(&get, "RAMPART_ACCEPT_LEGACY", |n: u8| n <= 1) {
            d.accept_legacy = v == 1;
        }
        if let Some(v) = knob(&get, "RAMPART_STRICT_PING", |n: u8| n <= 1) {
            d.strict_ping = v == 1;
        }
        if let Some(v) = knob(&get, "RAMPART_MAX_CONNECTIONS", |_: u64| true) {
            d.max_connections = v;
        }
        if let Some(v) = knob(&get, "RAMPART_MAX_CONNECTIONS_PER_ADDRESS", |_: u64| true) {
            d.max_connections_per_address = v;
        }
        if let Some(v) = knob(&get, "RAMPART_MAX_HANDSHAKES", |_: u64| true) {
            d.max_handshakes = v;
        }
        if let Some(v) = knob(&get, "RAMPART_TCP_KEEPALIVE", |n: i32| {
            (-1..=1).contains(&n)
        }) {
            d.tcp_keepalive = if v == 1 {
                Keepalive::HARDENED
            } else {
                Keepalive {
                    on: v,
                    ..Keepalive::OS
                }
            };
        }
        if let Some(v) = knob(&get, "RAMPART_SOCKET_BUDGET", |_: u64| true) {
            d.socket_budget = v;
        }
        if let Some(v) = knob(&get, "RAMPART_CTX_BUDGET", |_: u64| true) {
            d.ctx_budget = v;
        }
        if let Some(v) = knob(&get, "RAMPART_MAX_TOPIC", |_: u64| true) {
            d.max_topic = v;
        }
        if let Some(v) = knob(&get, "RAMPART_SUBSCRIPTION_MEMORY", |_: u64| true) {
            d.subscription_memory = v;
        }
        if let Some(v) = knob(&get, "RAMPART_STALL_EVICT_IVL", |n: i32| n >= 0) {
            d.stall_evict_ivl = v;
        }
        if let Some(v) = knob(&get, "RAMPART_HEARTBEAT_IVL", |n: i32| n >= 0) {
            d.heartbeat_ivl = v;
        }
        if let Some(v) = knob(&get, "RAMPART_HEARTBEAT_TIMEOUT", |n: i32| n >= -1) {
            d.heartbeat_timeout = v;
        }
        d
    }
}

/// The smaller of physical memory and the cgroup's memory limit (v2, then
/// v1), in bytes; 1 GiB if neither can be read.
fn usable_memory() -> u64 {
    // SAFETY: sysconf has no memory-safety preconditions.
    let (pages, size) = unsafe {
        (
            libc::sysconf(libc::_SC_PHYS_PAGES),
            libc::sysconf(libc::_SC_PAGESIZE),
        )
    };
    let ram = if pages > 0 && size > 0 {
        (pages as u64).saturating_mul(size as u64)
    } else {
        1 << 30
    };
    let cgroup = [
        "/sys/fs/cgroup/memory.max",
        "/sys/fs/cgroup/memory/memory.limit_in_bytes",
    ]
    .iter()
    .find_map(|p| std::fs::read_to_string(p).ok()?.trim().parse::<u64>().ok());
    cgroup.map_or(ram, |c| c.min(ram))
}

/// The soft limit on open files (1024 if it cannot be read; capped so the
/// arithmetic on it stays small).
fn fd_soft_limit() -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one rlimit into a live local.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) };
    if rc != 0 {
        return 1024;
    }
    #[allow(clippy::unnecessary_cast)] // rlim_t is not u64 everywhere
    (lim.rlim_cur as u64).min(1 << 30)
}

fn knob<T: std::str::FromStr + Copy>(
    get: &impl Fn(&str) -> Option<String>,
    name: &str,
    valid: impl Fn(T) -> bool,
) -> Option<T> {
    let raw = get(name)?;
    match raw.trim().parse::<T>() {
        Ok(v) if valid(v) => Some(v),
        _ => {
            report_malformed(name, &raw, "a number in range");
            None
        }
    }
}

/// Reports a malformed variable on stderr, once per variable and value.
fn report_malformed(name: &str, value: &str, expected: &str) {
    static SEEN: Mutex<Option<HashSet<String>>> = Mutex::new(None);
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    let key = format!("{name}={value}");
    if seen.get_or_insert_with(HashSet::new).insert(key) {
        eprintln!("rampart: ignoring {name}={value:?}: expected {expected}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn with(vars: &[(&str, &str)]) -> Defaults {
        let m: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Defaults::from_lookup(|k| m.get(k).cloned())
    }

    #[test]
    fn profiles() {
        assert_eq!(with(&[]).max_msg_size, 16 << 20);
        assert_eq!(with(&[]).handshake_ivl, 10_000);
        let c = with(&[("RAMPART_PROFILE", "compat")]);
        assert_eq!(
            (c.max_msg_size, c.handshake_ivl, c.pipe_byte_cap),
            (-1, 30_000, 0)
        );
        let s = with(&[("RAMPART_PROFILE", "Strict")]);
        assert_eq!((s.max_msg_size, s.handshake_ivl), (1 << 20, 5_000));
        // ZMTP 1.0/2.0 peers: as libzmq but in strict.
        assert!(c.accept_legacy && with(&[]).accept_legacy && !s.accept_legacy);
        assert!(!with(&[("RAMPART_ACCEPT_LEGACY", "0")]).accept_legacy);
        assert_eq!((s.max_connections_per_address, s.max_handshakes), (32, 64));
        assert!(s.max_connections > 0 && s.max_connections <= 1024);
        let d = with(&[]);
        assert_eq!(
            (d.max_connections_per_address, d.max_handshakes),
            (256, 256)
        );
        assert!(d.max_connections > 0 && d.max_connections <= 4096);
        assert_eq!(
            (
                c.max_connections,
                c.max_connections_per_address,
                c.max_handshakes
            ),
            (0, 0, 0)
        );
        assert_eq!((s.heartbeat_ivl, s.heartbeat_timeout), (30_000, 90_000));
        assert_eq!((s.stall_evict_ivl, d.stall_evict_ivl), (60_000, 0));
        assert_eq!((s.max_topic, s.subscription_memory), (4 << 10, 16 << 20));
        assert_eq!((d.max_topic, c.max_topic), (64 << 10, 0));
        assert_eq!(
            (d.socket_budget, s.socket_budget, c.socket_budget),
            (256 << 20, 64 << 20, 0)
        );
        assert!(d.ctx_budget > 0 && s.ctx_budget == d.ctx_budget / 2 && c.ctx_budget == 0);
        assert!(d.ctx_budget <= usable_memory());
        assert_eq!((d.heartbeat_ivl, d.tcp_keepalive.on), (0, 1));
        assert_eq!((c.heartbeat_ivl, c.tcp_keepalive.on), (0, -1));
        assert_eq!(
            (c.strict_ping, d.strict_ping, s.strict_ping),
            (false, true, true)
        );
        let p = with(&[("RAMPART_STRICT_PING", "0")]);
        assert!(!p.strict_ping);
        assert!(with(&[("RAMPART_STRICT_PING", "2")]).strict_ping);
        let k = with(&[
            ("RAMPART_TCP_KEEPALIVE", "0"),
            ("RAMPART_HEARTBEAT_IVL", "1000"),
            ("RAMPART_HEARTBEAT_TIMEOUT", "oops"),
        ]);
        assert_eq!((k.tcp_keepalive.on, k.tcp_keepalive.idle), (0, -1));
        assert_eq!((k.heartbeat_ivl, k.heartbeat_timeout), (1000, -1));
        let e = with(&[
            ("RAMPART_MAX_CONNECTIONS", "10"),
            ("RAMPART_MAX_CONNECTIONS_PER_ADDRESS", "0"),
            ("RAMPART_MAX_HANDSHAKES", "3"),
        ]);
        assert_eq!(
            (
                e.max_connections,
                e.max_connections_per_address,
                e.max_handshakes
            ),
            (10, 0, 3)
        );
    }

    #[test]
    fn env_overrides_profile_and_malformed_is_ignored() {
        let d = with(&[("RAMPART_PROFILE", "strict"), ("RAMPART_MAXMSGSIZE", "-1")]);
        assert_eq!(d.max_msg_size, -1);
        let d = with(&[
            ("RAMPART_MAXMSGSIZE", "lots"),
            ("RAMPART_HANDSHAKE_IVL", "-5"),
        ]);
        assert_eq!(d, Defaults::for_profile(Profile::Default));
        let d = with(&[("RAMPART_PROFILE", "paranoid")]);
        assert_eq!(d.profile, Profile::Default);
    }
}
