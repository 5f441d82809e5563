//! Socket options shared by every socket type: storage, validation and the
//! libzmq encoding rules (ints are exactly sizeof(int), MAXMSGSIZE is int64,
//! ...). Type-specific options (ROUTER_MANDATORY, SUBSCRIBE, ...) are handled
//! by the socket type first. Lives on the application thread; the I/O threads
//! get an immutable snapshot at bind/connect time.

use crate::consts::*;
use crate::errno::{Errno, ZResult};
use crate::guard::Defaults;

/// A value read with zmq_getsockopt, encoded by the ffi layer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OptValue {
    Int(i32),
    I64(i64),
    U64(u64),
    /// Binary value (copied as is; EINVAL if the caller's buffer is short).
    Bin(Vec<u8>),
    /// String value (NUL terminated on the way out).
    Str(String),
}

#[derive(Clone, Debug)]
pub struct Options {
    pub socket_type: i32,
    pub affinity: u64,
    pub routing_id: Vec<u8>,
    pub rate: i32,
    pub recovery_ivl: i32,
    pub sndbuf: i32,
    pub rcvbuf: i32,
    pub linger: i32,
    pub reconnect_ivl: i32,
    pub reconnect_ivl_max: i32,
    pub backlog: i32,
    pub max_msg_size: i64,
    pub sndhwm: i32,
    pub rcvhwm: i32,
    pub multicast_hops: i32,
    pub rcvtimeo: i32,
    pub sndtimeo: i32,
    pub ipv6: bool,
    pub immediate: bool,
    pub tcp_keepalive: i32,
    pub tcp_keepalive_cnt: i32,
    pub tcp_keepalive_idle: i32,
    pub tcp_keepalive_intvl: i32,
    pub tos: i32,
    pub handshake_ivl: i32,
    pub connect_timeout: i32,
    pub tcp_maxrt: i32,
    pub heartbeat_ivl: i32,
    pub heartbeat_ttl: i32,
    pub heartbeat_timeout: i32,
    pub invert_matching: bool,
    pub conflate: bool,
    pub connect_routing_id: Option<Vec<u8>>,
    pub zap_domain: String,
    pub socks_proxy: String,
    pub bind_to_device: String,
    pub use_fd: i32,
    pub multicast_maxtpdu: i32,
    pub plain_server: bool,
    pub plain_username: Vec<u8>,
    pub plain_password: Vec<u8>,
    pub mechanism: i32,
    pub metadata: Vec<(String, Vec<u8>)>,
    /// Rampart: cap on handshake frames (None = MAXMSGSIZE, like libzmq).
    pub handshake_frame_cap: Option<u64>,
    /// Rampart: bytes in flight per pipe and direction (0 = none).
    pub pipe_byte_cap: u64,
    /// Connection admission for listeners bound after they are set.
    pub max_connections: u64,
    pub max_connections_per_address: u64,
    pub max_handshakes: u64,
    /// ZMQ_RAMPART_STALL_EVICT_IVL in ms; 0 = never.
    pub stall_evict_ivl: i32,
    /// Longest subscription topic, and bytes of subscriptions a PUB/XPUB
    /// keeps; 0 = no limit.
    pub max_topic: u64,
    pub subscription_memory: u64,
    /// ZMQ_RAMPART_SOCKET_BUDGET: bytes all pipes may hold; 0 = none.
    pub socket_budget: u64,
    /// Rampart: accept ZMTP 1.0/2.0 peers.
    pub accept_legacy: bool,
    /// An over-long PING context is a protocol error (else truncated).
    pub strict_ping: bool,
}

fn int(v: &[u8]) -> ZResult<i32> {
    let b: [u8; 4] = v.try_into().map_err(|_| Errno::EINVAL)?;
    Ok(i32::from_ne_bytes(b))
}

fn int64(v: &[u8]) -> ZResult<i64> {
    let b: [u8; 8] = v.try_into().map_err(|_| Errno::EINVAL)?;
    Ok(i64::from_ne_bytes(b))
}

/// An int64 option that must not be negative (Rampart's byte counts and caps).
fn non_negative(v: &[u8]) -> ZResult<u64> {
    u64::try_from(int64(v)?).map_err(|_| Errno::EINVAL)
}

/// Reads back a u64 setting as an int64 option.
fn as_i64(n: u64) -> OptValue {
    OptValue::I64(n.min(i64::MAX as u64) as i64)
}

fn uint64(v: &[u8]) -> ZResult<u64> {
    let b: [u8; 8] = v.try_into().map_err(|_| Errno::EINVAL)?;
    Ok(u64::from_ne_bytes(b))
}

fn bool_int(v: &[u8]) -> ZResult<bool> {
    match int(v)? {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(Errno::EINVAL),
    }
}

fn ranged(v: &[u8], min: i32, max: i32) -> ZResult<i32> {
    let n = int(v)?;
    if n < min || n > max {
        return Err(Errno::EINVAL);
    }
    Ok(n)
}

/// Strings may come with or without a trailing NUL.
fn string(v: &[u8]) -> ZResult<String> {
    let v = v.strip_suffix(&[0]).unwrap_or(v);
    String::from_utf8(v.to_vec()).map_err(|_| Errno::EINVAL)
}

impl Options {
    pub fn new(socket_type: i32, d: &Defaults, blocky: bool) -> Options {
        Options {
            socket_type,
            affinity: 0,
            routing_id: Vec::new(),
            rate: 100,
            recovery_ivl: 10_000,
            sndbuf: -1,
            rcvbuf: -1,
            linger: if blocky { -1 } else { 0 },
            reconnect_ivl: 100,
            reconnect_ivl_max: 0,
            backlog: 100,
            max_msg_size: d.max_msg_size,
            sndhwm: 1000,
            rcvhwm: 1000,
            multicast_hops: 1,
            rcvtimeo: -1,
            sndtimeo: -1,
            ipv6: false,
            immediate: false,
            tcp_keepalive: d.tcp_keepalive.on,
            tcp_keepalive_cnt: d.tcp_keepalive.cnt,
            tcp_keepalive_idle: d.tcp_keepalive.idle,
            tcp_keepalive_intvl: d.tcp_keepalive.intvl,
            tos: 0,
            handshake_ivl: d.handshake_ivl,
            connect_timeout: 0,
            tcp_maxrt: 0,
            heartbeat_ivl: d.heartbeat_ivl,
            heartbeat_ttl: 0,
            heartbeat_timeout: d.heartbeat_timeout,
            invert_matching: false,
            conflate: false,
            connect_routing_id: None,
            zap_domain: String::new(),
            socks_proxy: String::new(),
            bind_to_device: String::new(),
            use_fd: -1,
            multicast_maxtpdu: 1500,
            plain_server: false,
            plain_username: Vec::new(),
            plain_password: Vec::new(),
            mechanism: ZMQ_NULL,
            metadata: Vec::new(),
            handshake_frame_cap: d.handshake_frame_cap,
            pipe_byte_cap: d.pipe_byte_cap,
            max_connections: d.max_connections,
            max_connections_per_address: d.max_connections_per_address,
            max_handshakes: d.max_handshakes,
            stall_evict_ivl: d.stall_evict_ivl,
            max_topic: d.max_topic,
            subscription_memory: d.subscription_memory,
            socket_budget: d.socket_budget,
            accept_legacy: d.accept_legacy,
            strict_ping: d.strict_ping,
        }
    }

    /// Applies a generic option. EINVAL for unknown options and bad values.
    pub fn set(&mut self, opt: i32, v: &[u8]) -> ZResult<()> {
        match opt {
            ZMQ_AFFINITY => self.affinity = uint64(v)?,
            ZMQ_ROUTING_ID => {
                if v.is_empty() || v.len() > 255 {
                    return Err(Errno::EINVAL);
                }
                self.routing_id = v.to_vec();
            }
            ZMQ_CONNECT_ROUTING_ID => {
                // Only sockets that route by id name their connections.
                if self.socket_type != ZMQ_ROUTER && self.socket_type != ZMQ_STREAM {
                    return Err(Errno::EINVAL);
                }
                if v.is_empty() || v.len() > 255 {
                    return Err(Errno::EINVAL);
                }
                self.connect_routing_id = Some(v.to_vec());
            }
            ZMQ_RATE => self.rate = ranged(v, 1, i32::MAX)?,
            ZMQ_RECOVERY_IVL => self.recovery_ivl = ranged(v, 0, i32::MAX)?,
            ZMQ_SNDBUF => self.sndbuf = ranged(v, -1, i32::MAX)?,
            ZMQ_RCVBUF => self.rcvbuf = ranged(v, -1, i32::MAX)?,
            ZMQ_LINGER => self.linger = ranged(v, -1, i32::MAX)?,
            ZMQ_RECONNECT_IVL => self.reconnect_ivl = ranged(v, -1, i32::MAX)?,
            ZMQ_RECONNECT_IVL_MAX => self.reconnect_ivl_max = ranged(v, 0, i32::MAX)?,
            ZMQ_BACKLOG => self.backlog = ranged(v, 0, i32::MAX)?,
            ZMQ_MAXMSGSIZE => {
                let n = int64(v)?;
                if n < -1 {
                    return Err(Errno::EINVAL);
                }
                self.max_msg_size = n;
            }
            ZMQ_SNDHWM => self.sndhwm = ranged(v, 0, i32::MAX)?,
            ZMQ_RCVHWM => self.rcvhwm = ranged(v, 0, i32::MAX)?,
            ZMQ_MULTICAST_HOPS => self.multicast_hops = ranged(v, 1, i32::MAX)?,
            ZMQ_RCVTIMEO => self.rcvtimeo = ranged(v, -1, i32::MAX)?,
            ZMQ_SNDTIMEO => self.sndtimeo = ranged(v, -1, i32::MAX)?,
            ZMQ_IPV6 => self.ipv6 = bool_int(v)?,
            ZMQ_IPV4ONLY => self.ipv6 = !bool_int(v)?,
            ZMQ_IMMEDIATE => self.immediate = bool_int(v)?,
            ZMQ_TCP_KEEPALIVE => self.tcp_keepalive = ranged(v, -1, 1)?,
            ZMQ_TCP_KEEPALIVE_CNT => self.tcp_keepalive_cnt = ranged(v, -1, i32::MAX)?,
            ZMQ_TCP_KEEPALIVE_IDLE => self.tcp_keepalive_idle = ranged(v, -1, i32::MAX)?,
            ZMQ_TCP_KEEPALIVE_INTVL => self.tcp_keepalive_intvl = ranged(v, -1, i32::MAX)?,
            ZMQ_TOS => self.tos = ranged(v, 0, i32::MAX)?,
            ZMQ_HANDSHAKE_IVL => self.handshake_ivl = ranged(v, 0, i32::MAX)?,
            ZMQ_CONNECT_TIMEOUT => self.connect_timeout = ranged(v, 0, i32::MAX)?,
            ZMQ_TCP_MAXRT => self.tcp_maxrt = ranged(v, 0, i32::MAX)?,
            ZMQ_HEARTBEAT_IVL => self.heartbeat_ivl = ranged(v, 0, i32::MAX)?,
            ZMQ_HEARTBEAT_TTL => {
                // Sent in deciseconds over 16 bits.
                let n = ranged(v, 0, 6_553_599)?;
                self.heartbeat_ttl = n / 100 * 100;
            }
            // -1 (the interval) is the default only: libzmq refuses to set it.
            ZMQ_HEARTBEAT_TIMEOUT => self.heartbeat_timeout = ranged(v, 0, i32::MAX)?,
            ZMQ_INVERT_MATCHING => self.invert_matching = bool_int(v)?,
            ZMQ_CONFLATE => self.conflate = bool_int(v)?,
            ZMQ_ZAP_DOMAIN => {
                if v.len() > 255 {
                    return Err(Errno::EINVAL);
                }
                self.zap_domain = string(v)?;
            }
            ZMQ_SOCKS_PROXY => self.socks_proxy = string(v)?,
            ZMQ_BINDTODEVICE => {
                if v.len() > 16 {
                    return Err(Errno::EINVAL);
                }
                self.bind_to_device = string(v)?;
            }
            ZMQ_USE_FD => self.use_fd = ranged(v, -1, i32::MAX)?,
            ZMQ_MULTICAST_MAXTPDU => self.multicast_maxtpdu = ranged(v, 1, i32::MAX)?,
            ZMQ_PLAIN_SERVER => {
                self.plain_server = bool_int(v)?;
                self.mechanism = ZMQ_PLAIN;
            }
            ZMQ_PLAIN_USERNAME => {
                if v.len() > 255 {
                    return Err(Errno::EINVAL);
                }
                self.plain_username = v.to_vec();
                self.plain_server = false;
                self.mechanism = if v.is_empty() { ZMQ_NULL } else { ZMQ_PLAIN };
            }
            ZMQ_PLAIN_PASSWORD => {
                if v.len() > 255 {
                    return Err(Errno::EINVAL);
                }
                self.plain_password = v.to_vec();
                self.plain_server = false;
                self.mechanism = if v.is_empty() { ZMQ_NULL } else { ZMQ_PLAIN };
            }
            ZMQ_METADATA => {
                let s = string(v)?;
                let (k, val) = s.split_once(':').ok_or(Errno::EINVAL)?;
                if k.len() < 3 || !k[..2].eq_ignore_ascii_case("X-") || k.len() > 255 {
                    return Err(Errno::EINVAL);
                }
                self.metadata.push((k.to_string(), val.as_bytes().to_vec()));
            }
            ZMQ_RAMPART_PIPE_BYTE_CAP => self.pipe_byte_cap = non_negative(v)?,
            ZMQ_RAMPART_MAX_CONNECTIONS => self.max_connections = non_negative(v)?,
            ZMQ_RAMPART_MAX_CONNECTIONS_PER_ADDRESS => {
                self.max_connections_per_address = non_negative(v)?
            }
            ZMQ_RAMPART_MAX_HANDSHAKES => self.max_handshakes = non_negative(v)?,
            ZMQ_RAMPART_STALL_EVICT_IVL => self.stall_evict_ivl = ranged(v, 0, i32::MAX)?,
            ZMQ_RAMPART_SOCKET_BUDGET => self.socket_budget = non_negative(v)?,
            ZMQ_RAMPART_MAX_TOPIC => self.max_topic = non_negative(v)?,
            ZMQ_RAMPART_SUBSCRIPTION_MEMORY => self.subscription_memory = non_negative(v)?,
            ZMQ_RAMPART_HANDSHAKE_FRAME_CAP => {
                self.handshake_frame_cap = match int64(v)? {
                    -1 => None,
                    n if n >= 64 => Some(n as u64),
                    _ => return Err(Errno::EINVAL),
                }
            }
            _ => return Err(Errno::EINVAL),
        }
        Ok(())
    }

    /// Reads a generic option. EINVAL for unknown and write-only options.
    pub fn get(&self, opt: i32) -> ZResult<OptValue> {
        use OptValue::*;
        Ok(match opt {
            ZMQ_AFFINITY => U64(self.affinity),
            ZMQ_ROUTING_ID => Bin(self.routing_id.clone()),
            ZMQ_RATE => Int(self.rate),
            ZMQ_RECOVERY_IVL => Int(self.recovery_ivl),
            ZMQ_SNDBUF => Int(self.sndbuf),
            ZMQ_RCVBUF => Int(self.rcvbuf),
            ZMQ_TYPE => Int(self.socket_type),
            ZMQ_LINGER => Int(self.linger),
            ZMQ_RECONNECT_IVL => Int(self.reconnect_ivl),
            ZMQ_RECONNECT_IVL_MAX => Int(self.reconnect_ivl_max),
            ZMQ_BACKLOG => Int(self.backlog),
            ZMQ_MAXMSGSIZE => I64(self.max_msg_size),
            ZMQ_SNDHWM => Int(self.sndhwm),
            ZMQ_RCVHWM => Int(self.rcvhwm),
            ZMQ_MULTICAST_HOPS => Int(self.multicast_hops),
            ZMQ_RCVTIMEO => Int(self.rcvtimeo),
            ZMQ_SNDTIMEO => Int(self.sndtimeo),
            ZMQ_IPV6 => Int(self.ipv6 as i32),
            ZMQ_IPV4ONLY => Int(!self.ipv6 as i32),
            ZMQ_IMMEDIATE => Int(self.immediate as i32),
            ZMQ_TCP_KEEPALIVE => Int(self.tcp_keepalive),
            ZMQ_TCP_KEEPALIVE_CNT => Int(self.tcp_keepalive_cnt),
            ZMQ_TCP_KEEPALIVE_IDLE => Int(self.tcp_keepalive_idle),
            ZMQ_TCP_KEEPALIVE_INTVL => Int(self.tcp_keepalive_intvl),
            ZMQ_TOS => Int(self.tos),
            ZMQ_HANDSHAKE_IVL => Int(self.handshake_ivl),
            ZMQ_CONNECT_TIMEOUT => Int(self.connect_timeout),
            ZMQ_TCP_MAXRT => Int(self.tcp_maxrt),
            ZMQ_HEARTBEAT_IVL => Int(self.heartbeat_ivl),
            ZMQ_HEARTBEAT_TTL => Int(self.heartbeat_ttl),
            ZMQ_HEARTBEAT_TIMEOUT => Int(self.heartbeat_timeout),
            ZMQ_INVERT_MATCHING => Int(self.invert_matching as i32),
            ZMQ_CONFLATE => Int(self.conflate as i32),
            ZMQ_ZAP_DOMAIN => Str(self.zap_domain.clone()),
            ZMQ_SOCKS_PROXY => Str(self.socks_proxy.clone()),
            ZMQ_BINDTODEVICE => Str(self.bind_to_device.clone()),
            ZMQ_USE_FD => Int(self.use_fd),
            ZMQ_MULTICAST_MAXTPDU => Int(self.multicast_maxtpdu),
            ZMQ_MECHANISM => Int(self.mechanism),
            ZMQ_PLAIN_SERVER => Int(self.plain_server as i32),
            ZMQ_PLAIN_USERNAME => Str(String::from_utf8_lossy(&self.plain_username).into_owned()),
            ZMQ_PLAIN_PASSWORD => Str(String::from_utf8_lossy(&self.plain_password).into_owned()),
            ZMQ_THREAD_SAFE => Int(0),
            ZMQ_RAMPART_PIPE_BYTE_CAP => as_i64(self.pipe_byte_cap),
            ZMQ_RAMPART_MAX_CONNECTIONS => as_i64(self.max_connections),
            ZMQ_RAMPART_MAX_CONNECTIONS_PER_ADDRESS => as_i64(self.max_connections_per_address),
            ZMQ_RAMPART_MAX_HANDSHAKES => as_i64(self.max_handshakes),
            ZMQ_RAMPART_STALL_EVICT_IVL => Int(self.stall_evict_ivl),
            ZMQ_RAMPART_MAX_TOPIC => as_i64(self.max_topic),
            ZMQ_RAMPART_SOCKET_BUDGET => as_i64(self.socket_budget),
            ZMQ_RAMPART_SUBSCRIPTION_MEMORY => as_i64(self.subscription_memory),
            ZMQ_RAMPART_HANDSHAKE_FRAME_CAP => I64(self
                .handshake_frame_cap
                .map_or(-1, |c| c.min(i64::MAX as u64) as i64)),
            _ => return Err(Errno::EINVAL),
        })
    }

    /// Whether a connect gets its pipe only once connected (and loses it on
    /// disconnect): ZMQ_IMMEDIATE. Otherwise (STREAM too, as in libzmq) the
    /// pipe exists from zmq_connect on and survives reconnects.
    pub fn pipe_per_connection(&self) -> bool {
        self.immediate
    }

    /// The options that shape TCP sockets.
    /// Stalled-peer eviction for dropping patterns.
    pub fn stall_evict(&self) -> Option<std::time::Duration> {
        (self.stall_evict_ivl > 0)
            .then(|| std::time::Duration::from_millis(self.stall_evict_ivl as u64))
    }

    /// The admission caps for a new listener.
    pub fn admission_caps(&self) -> crate::io::admission::Caps {
        let n = |v: u64| usize::try_from(v).unwrap_or(usize::MAX);
        crate::io::admission::Caps {
            connections: n(self.max_connections),
            per_address: n(self.max_connections_per_address),
            handshakes: n(self.max_handshakes),
        }
    }

    pub fn tcp_options(&self) -> crate::transport::TcpOptions {
        crate::transport::TcpOptions {
            ipv6: self.ipv6,
            backlog: self.backlog,
            sndbuf: self.sndbuf,
            rcvbuf: self.rcvbuf,
            keepalive: self.tcp_keepalive,
            keepalive_idle: self.tcp_keepalive_idle,
            keepalive_cnt: self.tcp_keepalive_cnt,
            keepalive_intvl: self.tcp_keepalive_intvl,
            tos: self.tos,
            bind_to_device: (!self.bind_to_device.is_empty()).then(|| self.bind_to_device.clone()),
            tcp_maxrt: self.tcp_maxrt,
        }
    }

    /// MAXMSGSIZE as a limit (None = unlimited).
    pub fn max_msg_size_limit(&self) -> Option<u64> {
        u64::try_from(self.max_msg_size).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guard::Profile;

    fn opts() -> Options {
        Options::new(ZMQ_PAIR, &Defaults::for_profile(Profile::Compat), true)
    }

    #[test]
    fn ints_must_be_exactly_int_sized() {
        let mut o = opts();
        assert_eq!(o.set(ZMQ_SNDHWM, &5i32.to_ne_bytes()), Ok(()));
        assert_eq!(o.get(ZMQ_SNDHWM), Ok(OptValue::Int(5)));
        assert_eq!(o.set(ZMQ_SNDHWM, &5i64.to_ne_bytes()), Err(Errno::EINVAL));
        assert_eq!(
            o.set(ZMQ_SNDHWM, &(-1i32).to_ne_bytes()),
            Err(Errno::EINVAL)
        );
        assert_eq!(
            o.set(ZMQ_MAXMSGSIZE, &5i32.to_ne_bytes()),
            Err(Errno::EINVAL)
        );
        assert_eq!(o.set(ZMQ_MAXMSGSIZE, &(-1i64).to_ne_bytes()), Ok(()));
        assert_eq!(
            o.set(ZMQ_MAXMSGSIZE, &(-2i64).to_ne_bytes()),
            Err(Errno::EINVAL)
        );
    }

    #[test]
    fn compat_defaults_are_libzmqs() {
        let o = opts();
        assert_eq!(o.get(ZMQ_LINGER), Ok(OptValue::Int(-1)));
        assert_eq!(o.get(ZMQ_MAXMSGSIZE), Ok(OptValue::I64(-1)));
        assert_eq!(o.get(ZMQ_HANDSHAKE_IVL), Ok(OptValue::Int(30_000)));
        assert_eq!(o.get(ZMQ_RECONNECT_IVL), Ok(OptValue::Int(100)));
        assert_eq!(o.get(ZMQ_BACKLOG), Ok(OptValue::Int(100)));
        assert_eq!(o.get(ZMQ_ROUTER_MANDATORY), Err(Errno::EINVAL));
    }

    #[test]
    fn routing_id_length() {
        let mut o = opts();
        assert_eq!(o.set(ZMQ_ROUTING_ID, b""), Err(Errno::EINVAL));
        assert_eq!(o.set(ZMQ_ROUTING_ID, &[1; 256]), Err(Errno::EINVAL));
        assert_eq!(o.set(ZMQ_ROUTING_ID, b"abc"), Ok(()));
        assert_eq!(o.get(ZMQ_ROUTING_ID), Ok(OptValue::Bin(b"abc".to_vec())));
    }
}
