//! The NULL mechanism (RFC 23): each side sends READY with its properties
//! and validates the peer's. No ZAP yet (libzmq only uses ZAP with NULL when
//! a ZAP domain is set; that belongs to the session, which would delay
//! `HandshakeDone`).

use super::{peer_from_properties, send_error, SOCKET_TYPE_REASON};
use crate::zmtp::command::{self, Command};
use crate::zmtp::encoder::Encoder;
use crate::zmtp::error::Error;
use crate::zmtp::event::PeerInfo;

pub(crate) struct NullMechanism {
    our_type: i32,
    /// Our READY properties until sent.
    ready: Option<Vec<u8>>,
}

impl NullMechanism {
    pub(crate) fn new(our_type: i32, properties: Vec<u8>) -> NullMechanism {
        NullMechanism {
            our_type,
            ready: Some(properties),
        }
    }

    pub(crate) fn start(&mut self, enc: &mut Encoder) {
        if let Some(props) = self.ready.take() {
            enc.command(command::READY, &[&props]);
        }
    }

    pub(crate) fn on_command(
        &mut self,
        cmd: Command<'_>,
        enc: &mut Encoder,
    ) -> Result<Option<PeerInfo>, Error> {
        match cmd.name {
            command::READY => match peer_from_properties(self.our_type, cmd.data, "READY") {
                Ok(info) => Ok(Some(info)),
                Err(Error::SocketTypeMismatch) => {
                    send_error(enc, SOCKET_TYPE_REASON);
                    Err(Error::SocketTypeMismatch)
                }
                Err(e) => Err(e),
            },
            command::ERROR => Err(Error::PeerError(command::parse_error(cmd.data)?)),
            _ => Err(Error::UnexpectedCommand),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zmtp::command::write_property;
    use crate::zmtp::socket_type::{PULL, PUSH};

    #[test]
    fn ready_error_and_others() {
        let mut props = Vec::new();
        write_property(&mut props, b"Socket-Type", b"PUSH");
        let mut m = NullMechanism::new(PULL, props.clone());
        let mut enc = Encoder::new();
        m.start(&mut enc);
        m.start(&mut enc);
        let out = enc.take_all();
        assert_eq!(out[0], 0x04);
        assert_eq!(usize::from(out[1]), out.len() - 2);
        assert_eq!(&out[2..8], b"\x05READY");
        let info = m
            .on_command(
                Command {
                    name: b"READY",
                    data: &props,
                },
                &mut enc,
            )
            .unwrap()
            .unwrap();
        assert_eq!(info.socket_type, PUSH);
        let mut m = NullMechanism::new(PUSH, Vec::new());
        assert_eq!(
            m.on_command(
                Command {
                    name: b"READY",
                    data: &props
                },
                &mut enc
            ),
            Err(Error::SocketTypeMismatch)
        );
        let out = enc.take_all();
        assert_eq!(&out[2..8], b"\x05ERROR");
        assert_eq!(
            m.on_command(
                Command {
                    name: b"ERROR",
                    data: b"\x03bad"
                },
                &mut enc
            ),
            Err(Error::PeerError("bad".into()))
        );
        assert_eq!(
            m.on_command(
                Command {
                    name: b"ERROR",
                    data: b"\x09bad"
                },
                &mut enc
            ),
            Err(Error::MalformedCommand { command: "ERROR" })
        );
        assert_eq!(
            m.on_command(
                Command {
                    name: b"PING",
                    data: b"\0\0"
                },
                &mut enc
            ),
            Err(Error::UnexpectedCommand)
        );
    }
}
