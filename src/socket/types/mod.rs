//! One file per socket type, each composed from the routing helpers
//! (LoadBalancer, FairQueue, Distributor, tries). Application thread.

mod ids;
mod pair;
mod pipeline;
mod pubsub;
mod reqrep;
mod router;
mod stream;

use super::pattern::Pattern;
use crate::consts::*;
use crate::errno::{Errno, ZResult};

pub fn new_pattern(socket_type: i32) -> ZResult<Box<dyn Pattern>> {
    Ok(match socket_type {
        ZMQ_PAIR => Box::new(pair::Pair::default()),
        ZMQ_PUSH => Box::new(pipeline::Push::default()),
        ZMQ_PULL => Box::new(pipeline::Pull::default()),
        ZMQ_DEALER => Box::new(pipeline::Dealer::default()),
        ZMQ_ROUTER => Box::new(router::Router::new()),
        ZMQ_REQ => Box::new(reqrep::Req::default()),
        ZMQ_REP => Box::new(reqrep::Rep::default()),
        ZMQ_PUB => Box::new(pubsub::Publisher::new(false)),
        ZMQ_XPUB => Box::new(pubsub::Publisher::new(true)),
        ZMQ_SUB => Box::new(pubsub::Subscriber::new(false)),
        ZMQ_XSUB => Box::new(pubsub::Subscriber::new(true)),
        ZMQ_STREAM => Box::new(stream::Stream::new()),
        _ => return Err(Errno::EINVAL),
    })
}

/// The ZMTP Socket-Type name.
pub fn type_name(socket_type: i32) -> &'static str {
    match socket_type {
        ZMQ_PAIR => "PAIR",
        ZMQ_PUB => "PUB",
        ZMQ_SUB => "SUB",
        ZMQ_REQ => "REQ",
        ZMQ_REP => "REP",
        ZMQ_DEALER => "DEALER",
        ZMQ_ROUTER => "ROUTER",
        ZMQ_PULL => "PULL",
        ZMQ_PUSH => "PUSH",
        ZMQ_XPUB => "XPUB",
        ZMQ_XSUB => "XSUB",
        ZMQ_STREAM => "STREAM",
        _ => "",
    }
}

/// Reads a boolean int option: libzmq takes any non-negative value, and
/// anything but 0 means on.
pub(crate) fn flag(val: &[u8]) -> ZResult<bool> {
    let b: [u8; 4] = val.try_into().map_err(|_| Errno::EINVAL)?;
    match i32::from_ne_bytes(b) {
        n if n < 0 => Err(Errno::EINVAL),
        n => Ok(n != 0),
    }
}
