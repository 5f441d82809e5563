//! Socket options shared by every socket type: storage, validation and the
//! libzmq encoding rules (ints are exactly sizeof(int), MAXMSGSIZE is int64,
//! ...). Type-specific options (ROUTER_MANDATORY, SUBSCRIBE, ...) are handled
//! by the socket type first. Lives on the application thread; the I/O threads
//! get an immutable snapshot at bind/connect time.

use crate::consts::*;
use crate::errno::{Errno, ZResult};
use crate::guard::Defaults;
use crate::transport::filter::{AddressMask, IpcFilters};
use crate::util::z85;
use crate::zmtp::mechanism::curve::{SecretBytes, KEY_LEN};

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
    /// A CURVE key: binary when the caller's buffer is 32 bytes, Z85 text
    /// plus NUL when it is 41, else EINVAL (libzmq's rule).
    CurveKey([u8; 32]),
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
    /// ZMQ_CURVE_SERVER and the three CURVE keys (all zero until set).
    pub curve_server: bool,
    pub curve_public: [u8; 32],
    pub curve_secret: SecretBytes,
    pub curve_server_key: [u8; 32],
    pub zap_enforce_domain: bool,
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
    /// ZMQ_TCP_ACCEPT_FILTER entries (empty: accept every peer).
    pub tcp_accept_filters: Vec<AddressMask>,
    /// ZMQ_IPC_FILTER_UID/_GID/_PID.
    pub ipc_filters: IpcFilters,
    /// ZMQ_SOCKS_USERNAME / ZMQ_SOCKS_PASSWORD (empty username: no auth).
    pub socks_username: Vec<u8>,
    pub socks_password: Vec<u8>,
    /// Stored and reported only (Windows loopback / multicast options).
    pub loopback_fastpath: bool,
    pub multicast_loop: bool,
    /// Connections are raw bytes, no ZMTP: STREAM, or a ROUTER with
    /// ZMQ_ROUTER_RAW (set by the socket when its pattern takes it).
    pub raw_socket: bool,
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

/// libzmq's "any int is a bool" options.
fn relaxed_bool(v: &[u8]) -> ZResult<bool> {
    Ok(int(v)? != 0)
}

/// A uid/gid/pid filter entry: exactly 4 bytes; an empty value (NULL, 0)
/// clears the set, which `set` sees as an empty slice.
fn id_entry(v: &[u8]) -> ZResult<Option<u32>> {
    if v.is_empty() {
        return Ok(None);
    }
    let b: [u8; 4] = v.try_into().map_err(|_| Errno::EINVAL)?;
    Ok(Some(u32::from_ne_bytes(b)))
}

/// Options for which libzmq tells a NULL value from an empty non-NULL one:
/// NULL with length 0 clears them, a non-NULL pointer with length 0 is
/// EINVAL. The ffi layer asks before it turns the pointer into a slice.
pub fn empty_value_needs_null(opt: i32) -> bool {
    matches!(
        opt,
        ZMQ_SOCKS_PROXY
            | ZMQ_BINDTODEVICE
            | ZMQ_TCP_ACCEPT_FILTER
            | ZMQ_IPC_FILTER_UID
            | ZMQ_IPC_FILTER_GID
            | ZMQ_IPC_FILTER_PID
    )
}

/// A CURVE key: 32 bytes, or 40 Z85 characters (41 with a NUL), as libzmq.
fn curve_key(v: &[u8]) -> ZResult<[u8; KEY_LEN]> {
    let mut key = [0u8; KEY_LEN];
    match v.len() {
        KEY_LEN => key.copy_from_slice(v),
        40 => z85::decode_into(v, &mut key)?,
        41 if v[40] == 0 => z85::decode_into(&v[..40], &mut key)?,
        _ => return Err(Errno::EINVAL),
    }
    Ok(key)
}

/// A string option stored as given (libzmq keeps the caller's bytes, a
/// trailing NUL included).
fn raw_string(v: &[u8]) -> ZResult<String> {
    String::from_utf8(v.to_vec()).map_err(|_| Errno::EINVAL)
}

/// A stored string option up to its first NUL: what libzmq's users of the
/// value see (they read it as a C string).
pub fn c_str(s: &str) -> &str {
    s.split('\0').next().unwrap_or_default()
}

/// Strings may come with or without a trailing NUL.
fn nul_terminated(v: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(v.len() + 1);
    out.extend_from_slice(v);
    out.push(0);
    out
}

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
            curve_server: false,
            curve_public: [0; KEY_LEN],
            curve_secret: SecretBytes::new([0; KEY_LEN]),
            curve_server_key: [0; KEY_LEN],
            zap_enforce_domain: false,
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
            tcp_accept_filters: Vec::new(),
            ipc_filters: IpcFilters::default(),
            socks_username: Vec::new(),
            socks_password: Vec::new(),
            loopback_fastpath: false,
            multicast_loop: true,
            raw_socket: socket_type == ZMQ_STREAM,
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
                // Only sockets that route by id name their connections (REP
                // is a ROUTER underneath in libzmq and takes it too). Any
                // non-empty length, as libzmq: the id never goes on the wire.
                if !matches!(self.socket_type, ZMQ_ROUTER | ZMQ_STREAM | ZMQ_REP) {
                    return Err(Errno::EINVAL);
                }
                if v.is_empty() {
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
            // Any int64, as libzmq: every negative value means no limit.
            ZMQ_MAXMSGSIZE => self.max_msg_size = int64(v)?,
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
                // libzmq checks the value after dividing: -99..-1 read as 0.
                let n = int(v)? / 100;
                if !(0..=65_535).contains(&n) {
                    return Err(Errno::EINVAL);
                }
                self.heartbeat_ttl = n * 100;
            }
            // -1 (the interval) is the default only: libzmq refuses to set it.
            ZMQ_HEARTBEAT_TIMEOUT => self.heartbeat_timeout = ranged(v, 0, i32::MAX)?,
            ZMQ_INVERT_MATCHING => self.invert_matching = relaxed_bool(v)?,
            ZMQ_CONFLATE => self.conflate = bool_int(v)?,
            ZMQ_ZAP_DOMAIN => {
                if v.len() > 255 {
                    return Err(Errno::EINVAL);
                }
                self.zap_domain = string(v)?;
            }
            // Kept byte for byte (a trailing NUL too, which zmq_getsockopt
            // then reports, as libzmq does); users strip it.
            ZMQ_SOCKS_PROXY => self.socks_proxy = raw_string(v)?,
            ZMQ_BINDTODEVICE => {
                if v.len() > 16 {
                    return Err(Errno::EINVAL);
                }
                self.bind_to_device = raw_string(v)?;
            }
            ZMQ_USE_FD => self.use_fd = ranged(v, -1, i32::MAX)?,
            ZMQ_SOCKS_USERNAME | ZMQ_SOCKS_PASSWORD => {
                // NULL and "" both clear; at most 255 bytes (RFC 1929).
                if v.len() > 255 {
                    return Err(Errno::EINVAL);
                }
                let v = v.strip_suffix(&[0]).unwrap_or(v).to_vec();
                if opt == ZMQ_SOCKS_USERNAME {
                    self.socks_username = v;
                } else {
                    self.socks_password = v;
                }
            }
            ZMQ_TCP_ACCEPT_FILTER => {
                if v.is_empty() {
                    self.tcp_accept_filters.clear();
                } else {
                    if v.len() > 255 {
                        return Err(Errno::EINVAL);
                    }
                    // libzmq reads the value as a C string.
                    let s = v.split(|&b| b == 0).next().unwrap_or_default();
                    let s = std::str::from_utf8(s).map_err(|_| Errno::EINVAL)?;
                    let mask = AddressMask::parse(s, self.ipv6)?;
                    self.tcp_accept_filters.push(mask);
                }
            }
            ZMQ_IPC_FILTER_UID => match id_entry(v)? {
                Some(uid) => {
                    self.ipc_filters.uids.insert(uid);
                }
                None => self.ipc_filters.uids.clear(),
            },
            ZMQ_IPC_FILTER_GID => match id_entry(v)? {
                Some(gid) => self.ipc_filters.add_gid(gid),
                None => self.ipc_filters.clear_gids(),
            },
            ZMQ_IPC_FILTER_PID => match id_entry(v)? {
                Some(pid) => {
                    self.ipc_filters.pids.insert(pid as i32);
                }
                None => self.ipc_filters.pids.clear(),
            },
            ZMQ_LOOPBACK_FASTPATH => self.loopback_fastpath = relaxed_bool(v)?,
            ZMQ_MULTICAST_LOOP => self.multicast_loop = relaxed_bool(v)?,
            ZMQ_MULTICAST_MAXTPDU => self.multicast_maxtpdu = ranged(v, 1, i32::MAX)?,
            // As libzmq: 0 turns PLAIN off; an empty username or password
            // means NULL and leaves the stored value alone.
            ZMQ_PLAIN_SERVER => {
                self.plain_server = bool_int(v)?;
                self.mechanism = if self.plain_server {
                    ZMQ_PLAIN
                } else {
                    ZMQ_NULL
                };
            }
            ZMQ_PLAIN_USERNAME | ZMQ_PLAIN_PASSWORD => {
                if v.len() > 255 {
                    return Err(Errno::EINVAL);
                }
                if v.is_empty() {
                    self.mechanism = ZMQ_NULL;
                    return Ok(());
                }
                if opt == ZMQ_PLAIN_USERNAME {
                    self.plain_username = v.to_vec();
                } else {
                    self.plain_password = v.to_vec();
                }
                self.plain_server = false;
                self.mechanism = ZMQ_PLAIN;
            }
            ZMQ_CURVE_SERVER => {
                self.curve_server = bool_int(v)?;
                self.mechanism = if self.curve_server {
                    ZMQ_CURVE
                } else {
                    ZMQ_NULL
                };
            }
            ZMQ_CURVE_PUBLICKEY => {
                self.curve_public = curve_key(v)?;
                self.mechanism = ZMQ_CURVE;
            }
            ZMQ_CURVE_SECRETKEY => {
                self.curve_secret = SecretBytes::new(curve_key(v)?);
                self.mechanism = ZMQ_CURVE;
            }
            ZMQ_CURVE_SERVERKEY => {
                self.curve_server_key = curve_key(v)?;
                self.curve_server = false;
                self.mechanism = ZMQ_CURVE;
            }
            ZMQ_ZAP_ENFORCE_DOMAIN => self.zap_enforce_domain = bool_int(v)?,
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
            ZMQ_SOCKS_USERNAME => Str(String::from_utf8_lossy(&self.socks_username).into_owned()),
            ZMQ_SOCKS_PASSWORD => Str(String::from_utf8_lossy(&self.socks_password).into_owned()),
            ZMQ_LOOPBACK_FASTPATH => Int(self.loopback_fastpath as i32),
            ZMQ_MULTICAST_LOOP => Int(self.multicast_loop as i32),
            ZMQ_MULTICAST_MAXTPDU => Int(self.multicast_maxtpdu),
            ZMQ_MECHANISM => Int(self.mechanism),
            ZMQ_ZAP_ENFORCE_DOMAIN => Int(self.zap_enforce_domain as i32),
            ZMQ_PLAIN_SERVER => Int((self.plain_server && self.mechanism == ZMQ_PLAIN) as i32),
            // Bytes as set (need not be UTF-8), NUL-terminated as libzmq.
            ZMQ_PLAIN_USERNAME => Bin(nul_terminated(&self.plain_username)),
            ZMQ_PLAIN_PASSWORD => Bin(nul_terminated(&self.plain_password)),
            ZMQ_CURVE_SERVER => Int((self.curve_server && self.mechanism == ZMQ_CURVE) as i32),
            ZMQ_CURVE_PUBLICKEY => CurveKey(self.curve_public),
            ZMQ_CURVE_SECRETKEY => CurveKey(*self.curve_secret.as_bytes()),
            ZMQ_CURVE_SERVERKEY => CurveKey(self.curve_server_key),
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
    /// disconnect): ZMQ_IMMEDIATE. Otherwise (raw sockets too, as in
    /// libzmq) the pipe exists from zmq_connect on and survives reconnects.
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
            bind_to_device: Some(c_str(&self.bind_to_device))
                .filter(|d| !d.is_empty())
                .map(str::to_string),
            tcp_maxrt: self.tcp_maxrt,
        }
    }

    /// MAXMSGSIZE as a limit (None = unlimited).
    pub fn max_msg_size_limit(&self) -> Option<u64> {
        u64::try_from(self.max_msg_size).ok()
    }

    /// The mechanism settings a connection's handshake needs.
    pub fn security(&self) -> crate::zmtp::mechanism::Security {
        use crate::zmtp::mechanism::{CurveKeys, MechanismKind, Role, Security};
        let (kind, server) = match self.mechanism {
            ZMQ_PLAIN => (MechanismKind::Plain, self.plain_server),
            ZMQ_CURVE => (MechanismKind::Curve, self.curve_server),
            _ => (MechanismKind::Null, false),
        };
        Security {
            kind,
            role: if server { Role::Server } else { Role::Client },
            plain_username: self.plain_username.clone(),
            plain_password: self.plain_password.clone(),
            zap_domain: self.zap_domain.as_bytes().to_vec(),
            zap_enforce_domain: self.zap_enforce_domain,
            curve: CurveKeys {
                public_key: self.curve_public,
                secret_key: self.curve_secret.clone(),
                server_key: self.curve_server_key,
            },
        }
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
        // Any negative value is stored and means no limit, as in libzmq.
        assert_eq!(o.set(ZMQ_MAXMSGSIZE, &(-2i64).to_ne_bytes()), Ok(()));
        assert_eq!(o.get(ZMQ_MAXMSGSIZE), Ok(OptValue::I64(-2)));
        assert_eq!(o.max_msg_size_limit(), None);
    }

    #[test]
    fn connect_routing_id_on_routing_types_any_length() {
        let d = Defaults::for_profile(Profile::Compat);
        for t in [ZMQ_ROUTER, ZMQ_STREAM, ZMQ_REP] {
            let mut o = Options::new(t, &d, true);
            assert_eq!(o.set(ZMQ_CONNECT_ROUTING_ID, &[7; 300]), Ok(()));
            assert_eq!(o.set(ZMQ_CONNECT_ROUTING_ID, b""), Err(Errno::EINVAL));
        }
        let mut o = Options::new(ZMQ_DEALER, &d, true);
        assert_eq!(o.set(ZMQ_CONNECT_ROUTING_ID, b"x"), Err(Errno::EINVAL));
    }

    #[test]
    fn device_and_proxy_keep_the_callers_bytes() {
        let mut o = opts();
        assert_eq!(o.set(ZMQ_BINDTODEVICE, b"lo\0"), Ok(()));
        assert_eq!(o.get(ZMQ_BINDTODEVICE), Ok(OptValue::Str("lo\0".into())));
        assert_eq!(o.tcp_options().bind_to_device.as_deref(), Some("lo"));
        assert_eq!(o.set(ZMQ_SOCKS_PROXY, b"h:1\0"), Ok(()));
        assert_eq!(c_str(&o.socks_proxy), "h:1");
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
    fn curve_keys() {
        let mut o = opts();
        let z = b"Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID";
        let bin = z85::decode(z).unwrap();
        assert_eq!(o.get(ZMQ_MECHANISM), Ok(OptValue::Int(ZMQ_NULL)));
        assert_eq!(o.set(ZMQ_CURVE_PUBLICKEY, z), Ok(()));
        assert_eq!(o.get(ZMQ_MECHANISM), Ok(OptValue::Int(ZMQ_CURVE)));
        let mut with_nul = z.to_vec();
        with_nul.push(0);
        assert_eq!(o.set(ZMQ_CURVE_SECRETKEY, &with_nul), Ok(()));
        assert_eq!(o.set(ZMQ_CURVE_SERVERKEY, &bin), Ok(()));
        for opt in [
            ZMQ_CURVE_PUBLICKEY,
            ZMQ_CURVE_SECRETKEY,
            ZMQ_CURVE_SERVERKEY,
        ] {
            assert_eq!(
                o.get(opt),
                Ok(OptValue::CurveKey(bin.clone().try_into().unwrap()))
            );
        }
        with_nul[40] = b'x';
        for bad in [&with_nul[..], &z[..39], &bin[..31], b"", &[b'~'; 40]] {
            assert_eq!(o.set(ZMQ_CURVE_SECRETKEY, bad), Err(Errno::EINVAL));
        }
        assert_eq!(o.get(ZMQ_CURVE_SERVER), Ok(OptValue::Int(0)));
        assert_eq!(o.set(ZMQ_CURVE_SERVER, &1i32.to_ne_bytes()), Ok(()));
        assert_eq!(o.get(ZMQ_CURVE_SERVER), Ok(OptValue::Int(1)));
        assert_eq!(o.security().role, crate::zmtp::mechanism::Role::Server);
        assert_eq!(
            o.set(ZMQ_CURVE_SERVER, &2i32.to_ne_bytes()),
            Err(Errno::EINVAL)
        );
        assert_eq!(o.set(ZMQ_CURVE_SERVER, &0i32.to_ne_bytes()), Ok(()));
        assert_eq!(o.get(ZMQ_MECHANISM), Ok(OptValue::Int(ZMQ_NULL)));
        assert_eq!(
            o.security().kind,
            crate::zmtp::mechanism::MechanismKind::Null
        );
        // A server key makes a client.
        o.set(ZMQ_CURVE_SERVER, &1i32.to_ne_bytes()).unwrap();
        o.set(ZMQ_CURVE_SERVERKEY, &bin).unwrap();
        assert_eq!(o.get(ZMQ_CURVE_SERVER), Ok(OptValue::Int(0)));
        assert_eq!(o.get(ZMQ_MECHANISM), Ok(OptValue::Int(ZMQ_CURVE)));
    }

    #[test]
    fn routing_id_length() {
        let mut o = opts();
        assert_eq!(o.set(ZMQ_ROUTING_ID, b""), Err(Errno::EINVAL));
        assert_eq!(o.set(ZMQ_ROUTING_ID, &[1; 256]), Err(Errno::EINVAL));
        assert_eq!(o.set(ZMQ_ROUTING_ID, b"abc"), Ok(()));
        assert_eq!(o.get(ZMQ_ROUTING_ID), Ok(OptValue::Bin(b"abc".to_vec())));
    }

    #[test]
    fn plain_and_zap_options_as_libzmq() {
        use crate::zmtp::mechanism::{MechanismKind, Role};
        let one = 1i32.to_ne_bytes();
        let zero = 0i32.to_ne_bytes();
        let mut o = opts();
        assert_eq!(o.get(ZMQ_MECHANISM), Ok(OptValue::Int(ZMQ_NULL)));
        assert_eq!(o.get(ZMQ_ZAP_ENFORCE_DOMAIN), Ok(OptValue::Int(0)));
        o.set(ZMQ_ZAP_ENFORCE_DOMAIN, &one).unwrap();
        assert_eq!(o.get(ZMQ_ZAP_ENFORCE_DOMAIN), Ok(OptValue::Int(1)));
        o.set(ZMQ_PLAIN_SERVER, &one).unwrap();
        assert_eq!(o.get(ZMQ_MECHANISM), Ok(OptValue::Int(ZMQ_PLAIN)));
        assert_eq!(o.get(ZMQ_PLAIN_SERVER), Ok(OptValue::Int(1)));
        let sec = o.security();
        assert_eq!((sec.kind, sec.role), (MechanismKind::Plain, Role::Server));
        assert!(sec.zap_enforce_domain);
        o.set(ZMQ_PLAIN_SERVER, &zero).unwrap();
        assert_eq!(o.get(ZMQ_MECHANISM), Ok(OptValue::Int(ZMQ_NULL)));
        o.set(ZMQ_PLAIN_USERNAME, b"admin\xff").unwrap();
        assert_eq!(
            o.get(ZMQ_PLAIN_USERNAME),
            Ok(OptValue::Bin(b"admin\xff\0".to_vec()))
        );
        assert_eq!(o.get(ZMQ_MECHANISM), Ok(OptValue::Int(ZMQ_PLAIN)));
        assert_eq!(o.get(ZMQ_PLAIN_SERVER), Ok(OptValue::Int(0)));
        assert_eq!(o.security().role, Role::Client);
        // Empty: back to NULL, the stored value kept.
        o.set(ZMQ_PLAIN_PASSWORD, b"").unwrap();
        assert_eq!(o.get(ZMQ_MECHANISM), Ok(OptValue::Int(ZMQ_NULL)));
        assert_eq!(
            o.get(ZMQ_PLAIN_USERNAME),
            Ok(OptValue::Bin(b"admin\xff\0".to_vec()))
        );
        assert_eq!(o.set(ZMQ_PLAIN_PASSWORD, &[b'x'; 256]), Err(Errno::EINVAL));
        assert_eq!(
            o.set(ZMQ_PLAIN_SERVER, &2i32.to_ne_bytes()),
            Err(Errno::EINVAL)
        );
    }
}
