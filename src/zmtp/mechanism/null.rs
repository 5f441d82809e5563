//! The NULL mechanism (RFC 23): each side sends READY with its properties
//! and validates the peer's. With a ZAP domain set, libzmq asks the ZAP
//! handler first (mechanism "NULL", no credentials) and sends READY only
//! once it accepted; with no handler bound it goes on without ZAP unless
//! ZAP_ENFORCE_DOMAIN is set.

use super::zap::{verdict, ZapRequest};
use super::{check_peer, peer_error, Local, Mechanism, Security, Step, ZapAnswer};
use crate::msg::Metadata;
use crate::zmtp::command::{self, Command};
use crate::zmtp::encoder::Encoder;
use crate::zmtp::error::Error;

pub(crate) struct NullMechanism {
    local: Local,
    /// ZAP domain when ZAP is to be asked.
    zap_domain: Option<Vec<u8>>,
    zap_enforce: bool,
    ready_sent: bool,
    /// The ZAP reply's properties (User-Id, metadata).
    zap_metadata: Metadata,
}

impl NullMechanism {
    pub(crate) fn new(local: Local, security: &Security) -> NullMechanism {
        NullMechanism {
            local,
            zap_domain: (!security.zap_domain.is_empty()).then(|| security.zap_domain.clone()),
            zap_enforce: security.zap_enforce_domain,
            ready_sent: false,
            zap_metadata: Metadata::new(),
        }
    }

    fn send_ready(&mut self, enc: &mut Encoder) {
        if !self.ready_sent {
            self.ready_sent = true;
            enc.command(command::READY, &[&self.local.properties]);
        }
    }
}

impl Mechanism for NullMechanism {
    fn start(&mut self, enc: &mut Encoder) -> Result<Step, Error> {
        match &self.zap_domain {
            Some(domain) => Ok(Step::Zap(ZapRequest::new(
                "NULL",
                domain,
                &self.local.routing_id,
                Vec::new(),
            ))),
            None => {
                self.send_ready(enc);
                Ok(Step::Continue)
            }
        }
    }

    fn on_zap(&mut self, answer: ZapAnswer, enc: &mut Encoder) -> Result<Step, Error> {
        match answer {
            ZapAnswer::NoHandler if self.zap_enforce => return Err(Error::ZapUnavailable),
            ZapAnswer::NoHandler => {}
            ZapAnswer::Reply(reply) => {
                verdict(&reply, enc)?;
                self.zap_metadata = reply.properties();
            }
        }
        self.send_ready(enc);
        Ok(Step::Continue)
    }

    fn on_command(&mut self, cmd: Command<'_>, enc: &mut Encoder) -> Result<Step, Error> {
        match cmd.name {
            // The connection pauses while ZAP is asked, so READY is ours
            // to send before the peer's is handled.
            command::READY if self.ready_sent => {
                let mut info = check_peer(self.local.socket_type, cmd.data, "READY", enc)?;
                info.zap_metadata = std::mem::take(&mut self.zap_metadata);
                Ok(Step::Done(info))
            }
            command::ERROR => Err(peer_error(cmd.data)),
            _ => Err(Error::UnexpectedCommand),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zmtp::command::write_property;
    use crate::zmtp::mechanism::zap::parse_reply;
    use crate::zmtp::socket_type::{PULL, PUSH};

    fn local(t: i32, properties: Vec<u8>) -> Local {
        Local {
            socket_type: t,
            routing_id: b"me".to_vec(),
            properties,
        }
    }

    fn cmd<'a>(name: &'a [u8], data: &'a [u8]) -> Command<'a> {
        Command { name, data }
    }

    fn push_props() -> Vec<u8> {
        let mut props = Vec::new();
        write_property(&mut props, b"Socket-Type", b"PUSH");
        props
    }

    #[test]
    fn ready_error_and_others() {
        let props = push_props();
        let mut m = NullMechanism::new(local(PULL, props.clone()), &Security::default());
        let mut enc = Encoder::new();
        assert_eq!(m.start(&mut enc), Ok(Step::Continue));
        let out = enc.take_all();
        assert_eq!(out[0], 0x04);
        assert_eq!(usize::from(out[1]), out.len() - 2);
        assert_eq!(&out[2..8], b"\x05READY");
        let Ok(Step::Done(info)) = m.on_command(cmd(b"READY", &props), &mut enc) else {
            panic!("not done");
        };
        assert_eq!(info.socket_type, PUSH);
        assert!(info.zap_metadata.is_empty());
        let mut m = NullMechanism::new(local(PUSH, Vec::new()), &Security::default());
        m.start(&mut enc).unwrap();
        enc.take_all();
        assert_eq!(
            m.on_command(cmd(b"READY", &props), &mut enc),
            Err(Error::SocketTypeMismatch)
        );
        let out = enc.take_all();
        assert_eq!(&out[2..8], b"\x05ERROR");
        assert_eq!(
            m.on_command(cmd(b"ERROR", b"\x03bad"), &mut enc),
            Err(Error::PeerError("bad".into()))
        );
        assert_eq!(
            m.on_command(cmd(b"ERROR", b"\x09bad"), &mut enc),
            Err(Error::MalformedCommand { command: "ERROR" })
        );
        assert_eq!(
            m.on_command(cmd(b"PING", b"\0\0"), &mut enc),
            Err(Error::UnexpectedCommand)
        );
    }

    fn zap_security(enforce: bool) -> Security {
        Security {
            zap_domain: b"dom".to_vec(),
            zap_enforce_domain: enforce,
            ..Security::default()
        }
    }

    fn reply(status: &[u8]) -> ZapAnswer {
        let parts: [&[u8]; 7] = [b"", b"1.0", b"1", status, b"", b"bob", b""];
        let frames: Vec<_> = parts
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let mut m = crate::msg::Msg::from_slice(p);
                m.set_more(i < 6);
                m
            })
            .collect();
        ZapAnswer::Reply(parse_reply(&frames).unwrap())
    }

    #[test]
    fn zap_delays_ready() {
        let props = push_props();
        let mut enc = Encoder::new();
        let mut m = NullMechanism::new(local(PULL, props.clone()), &zap_security(false));
        let Ok(Step::Zap(req)) = m.start(&mut enc) else {
            panic!("no ZAP request");
        };
        assert_eq!(req.mechanism, "NULL");
        assert_eq!(req.domain, b"dom");
        assert_eq!(req.identity, b"me");
        assert!(req.credentials.is_empty());
        assert!(enc.take_all().is_empty(), "READY waits for ZAP");
        assert_eq!(m.on_zap(reply(b"200"), &mut enc), Ok(Step::Continue));
        assert_eq!(&enc.take_all()[2..8], b"\x05READY");
        let Ok(Step::Done(info)) = m.on_command(cmd(b"READY", &props), &mut enc) else {
            panic!("not done");
        };
        assert_eq!(info.zap_metadata.get("User-Id"), Some(&b"bob"[..]));

        for (status, code, error) in [(&b"300"[..], 300, false), (b"400", 400, true)] {
            let mut m = NullMechanism::new(local(PULL, props.clone()), &zap_security(false));
            m.start(&mut enc).unwrap();
            assert_eq!(
                m.on_zap(reply(status), &mut enc),
                Err(Error::AuthFailed(code))
            );
            let out = enc.take_all();
            assert_eq!(!out.is_empty(), error);
            assert!(!out.windows(5).any(|w| w == b"READY"));
        }

        // No handler: go on without ZAP, unless enforced.
        let mut m = NullMechanism::new(local(PULL, props.clone()), &zap_security(false));
        m.start(&mut enc).unwrap();
        assert_eq!(m.on_zap(ZapAnswer::NoHandler, &mut enc), Ok(Step::Continue));
        assert_eq!(&enc.take_all()[2..8], b"\x05READY");
        let mut m = NullMechanism::new(local(PULL, props), &zap_security(true));
        m.start(&mut enc).unwrap();
        assert_eq!(
            m.on_zap(ZapAnswer::NoHandler, &mut enc),
            Err(Error::ZapUnavailable)
        );
    }
}
