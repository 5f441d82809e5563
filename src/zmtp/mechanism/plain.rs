//! The PLAIN mechanism (RFC 24): the client sends HELLO with a username and
//! password, the server asks its ZAP handler and answers WELCOME (or ERROR),
//! the client sends INITIATE with its properties and the server READY with
//! its own. As libzmq 4.3.5, a PLAIN server with no ZAP handler bound
//! refuses every client (HANDSHAKE_FAILED_NO_DETAIL, EFAULT): PLAIN without
//! a credentials check makes no sense.
//!
//! ERROR on the wire: libzmq 4.3's PLAIN server sends 0x5E "RROR" + reason
//! (its "\x05ERROR" literal lost the length to the hex escape) and its PLAIN
//! client recognises only that form. The server here sends the same, so a
//! libzmq client sees the refusal (HANDSHAKE_FAILED_AUTH) rather than an
//! unexpected command; the client accepts both forms
//! (`command::parse_handshake`).

use super::zap::{verdict_with, ZapRequest};
use super::{check_peer, peer_error, Local, Mechanism, Security, Step, ZapAnswer};
use crate::msg::Metadata;
use crate::zmtp::command::{self, Command};
use crate::zmtp::encoder::Encoder;
use crate::zmtp::error::Error;

pub const HELLO: &[u8] = b"HELLO";
pub const WELCOME: &[u8] = b"WELCOME";
pub const INITIATE: &[u8] = b"INITIATE";

/// Queues an ERROR as libzmq's PLAIN server spells it.
fn send_libzmq_error(out: &mut Encoder, reason: &str) {
    let data = command::error_data(reason);
    out.frame_parts(
        crate::zmtp::frame::COMMAND,
        &[command::LIBZMQ_PLAIN_ERROR, &data],
    );
}

/// Longest username or password (a one-octet length on the wire).
pub const MAX_CREDENTIAL: usize = 255;

/// HELLO's data: username and password, each with a one-octet length.
pub fn hello_data(username: &[u8], password: &[u8]) -> Vec<u8> {
    let u = &username[..username.len().min(MAX_CREDENTIAL)];
    let p = &password[..password.len().min(MAX_CREDENTIAL)];
    let mut v = Vec::with_capacity(2 + u.len() + p.len());
    v.push(u8::try_from(u.len()).unwrap_or(u8::MAX));
    v.extend_from_slice(u);
    v.push(u8::try_from(p.len()).unwrap_or(u8::MAX));
    v.extend_from_slice(p);
    v
}

/// Splits HELLO's data; anything after the password is malformed (libzmq).
pub fn parse_hello(data: &[u8]) -> Result<(&[u8], &[u8]), Error> {
    let bad = Error::MalformedCommand { command: "HELLO" };
    let (&ulen, rest) = data.split_first().ok_or(bad.clone())?;
    let (user, rest) = rest
        .split_at_checked(usize::from(ulen))
        .ok_or(bad.clone())?;
    let (&plen, pass) = rest.split_first().ok_or(bad.clone())?;
    if pass.len() != usize::from(plen) {
        return Err(bad);
    }
    Ok((user, pass))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClientState {
    WaitWelcome,
    WaitReady,
}

pub(crate) struct PlainClient {
    local: Local,
    username: Vec<u8>,
    password: Vec<u8>,
    state: ClientState,
}

impl PlainClient {
    pub(crate) fn new(local: Local, security: &Security) -> PlainClient {
        PlainClient {
            local,
            username: security.plain_username.clone(),
            password: security.plain_password.clone(),
            state: ClientState::WaitWelcome,
        }
    }
}

impl Mechanism for PlainClient {
    fn start(&mut self, out: &mut Encoder) -> Result<Step, Error> {
        out.command(HELLO, &[&hello_data(&self.username, &self.password)]);
        Ok(Step::Continue)
    }

    fn on_command(&mut self, cmd: Command<'_>, out: &mut Encoder) -> Result<Step, Error> {
        match (cmd.name, self.state) {
            (WELCOME, ClientState::WaitWelcome) => {
                if !cmd.data.is_empty() {
                    return Err(Error::MalformedCommand { command: "WELCOME" });
                }
                out.command(INITIATE, &[&self.local.properties]);
                self.state = ClientState::WaitReady;
                Ok(Step::Continue)
            }
            (command::READY, ClientState::WaitReady) => Ok(Step::Done(check_peer(
                self.local.socket_type,
                cmd.data,
                "READY",
                out,
            )?)),
            (command::ERROR, _) => Err(peer_error(cmd.data)),
            _ => Err(Error::UnexpectedCommand),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
/// What the server waits for.
enum ServerState {
    Hello,
    Zap,
    Initiate,
}

pub(crate) struct PlainServer {
    local: Local,
    zap_domain: Vec<u8>,
    state: ServerState,
    zap_metadata: Metadata,
}

impl PlainServer {
    pub(crate) fn new(local: Local, security: &Security) -> PlainServer {
        PlainServer {
            local,
            zap_domain: security.zap_domain.clone(),
            state: ServerState::Hello,
            zap_metadata: Metadata::new(),
        }
    }
}

impl Mechanism for PlainServer {
    fn start(&mut self, _out: &mut Encoder) -> Result<Step, Error> {
        Ok(Step::Continue)
    }

    fn on_command(&mut self, cmd: Command<'_>, out: &mut Encoder) -> Result<Step, Error> {
        match (cmd.name, self.state) {
            (HELLO, ServerState::Hello) => {
                let (user, pass) = parse_hello(cmd.data)?;
                self.state = ServerState::Zap;
                Ok(Step::Zap(ZapRequest::new(
                    "PLAIN",
                    &self.zap_domain,
                    &self.local.routing_id,
                    vec![user.to_vec(), pass.to_vec()],
                )))
            }
            (INITIATE, ServerState::Initiate) => {
                let mut info = check_peer(self.local.socket_type, cmd.data, "INITIATE", out)?;
                out.command(command::READY, &[&self.local.properties]);
                info.zap_metadata = std::mem::take(&mut self.zap_metadata);
                Ok(Step::Done(info))
            }
            _ => Err(Error::UnexpectedCommand),
        }
    }

    fn on_zap(&mut self, answer: ZapAnswer, out: &mut Encoder) -> Result<Step, Error> {
        if self.state != ServerState::Zap {
            return Err(Error::UnexpectedZapReply);
        }
        let ZapAnswer::Reply(reply) = answer else {
            return Err(Error::ZapUnavailable);
        };
        verdict_with(&reply, out, send_libzmq_error)?;
        self.zap_metadata = reply.properties();
        out.command(WELCOME, &[]);
        self.state = ServerState::Initiate;
        Ok(Step::Continue)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msg::Msg;
    use crate::zmtp::command::write_property;
    use crate::zmtp::mechanism::zap::parse_reply;
    use crate::zmtp::socket_type::{DEALER, PUSH, ROUTER};

    fn local(t: i32, name: &[u8]) -> Local {
        let mut properties = Vec::new();
        write_property(&mut properties, b"Socket-Type", name);
        Local {
            socket_type: t,
            routing_id: b"IDENT".to_vec(),
            properties,
        }
    }

    fn security(user: &[u8], pass: &[u8]) -> Security {
        Security {
            plain_username: user.to_vec(),
            plain_password: pass.to_vec(),
            zap_domain: b"dom".to_vec(),
            ..Security::default()
        }
    }

    /// The commands queued in `enc`, as (name, data).
    fn commands(enc: &mut Encoder) -> Vec<(Vec<u8>, Vec<u8>)> {
        let bytes = enc.take_all();
        let mut v = Vec::new();
        let mut pos = 0;
        while pos < bytes.len() {
            assert_eq!(bytes[pos] & 0x04, 0x04);
            let len = usize::from(bytes[pos + 1]);
            let c = command::parse(&bytes[pos + 2..pos + 2 + len]).unwrap();
            v.push((c.name.to_vec(), c.data.to_vec()));
            pos += 2 + len;
        }
        v
    }

    fn reply(status: &[u8]) -> ZapAnswer {
        let parts: [&[u8]; 7] = [b"", b"1.0", b"1", status, b"", b"admin-id", b""];
        let frames: Vec<Msg> = parts
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let mut m = Msg::from_slice(p);
                m.set_more(i < 6);
                m
            })
            .collect();
        ZapAnswer::Reply(parse_reply(&frames).unwrap())
    }

    fn cmd<'a>(name: &'a [u8], data: &'a [u8]) -> Command<'a> {
        Command { name, data }
    }

    #[test]
    fn hello_encoding() {
        let d = hello_data(b"admin", b"password");
        assert_eq!(d, b"\x05admin\x08password");
        assert_eq!(parse_hello(&d).unwrap(), (&b"admin"[..], &b"password"[..]));
        assert_eq!(parse_hello(b"\0\0").unwrap(), (&b""[..], &b""[..]));
        let bad = Err(Error::MalformedCommand { command: "HELLO" });
        for cut in 0..d.len() {
            assert_eq!(parse_hello(&d[..cut]), bad, "cut {cut}");
        }
        let mut long = d.clone();
        long.push(0);
        assert_eq!(parse_hello(&long), bad);
        assert_eq!(hello_data(&[1; 300], b"").len(), 257);
    }

    #[test]
    fn full_exchange() {
        let mut ce = Encoder::new();
        let mut se = Encoder::new();
        let mut client = PlainClient::new(local(DEALER, b"DEALER"), &security(b"admin", b"pw"));
        let mut server = PlainServer::new(local(ROUTER, b"ROUTER"), &security(b"", b""));
        assert_eq!(server.start(&mut se), Ok(Step::Continue));
        assert_eq!(client.start(&mut ce), Ok(Step::Continue));
        let hello = commands(&mut ce);
        assert_eq!(hello[0].0, HELLO);
        let Ok(Step::Zap(req)) = server.on_command(cmd(HELLO, &hello[0].1), &mut se) else {
            panic!("no ZAP request");
        };
        assert_eq!(req.mechanism, "PLAIN");
        assert_eq!(req.credentials, vec![b"admin".to_vec(), b"pw".to_vec()]);
        assert_eq!(req.identity, b"IDENT");
        assert_eq!(req.domain, b"dom");
        assert!(commands(&mut se).is_empty());
        assert_eq!(server.on_zap(reply(b"200"), &mut se), Ok(Step::Continue));
        let welcome = commands(&mut se);
        assert_eq!(welcome, vec![(WELCOME.to_vec(), vec![])]);
        assert_eq!(
            client.on_command(cmd(WELCOME, b""), &mut ce),
            Ok(Step::Continue)
        );
        let initiate = commands(&mut ce);
        assert_eq!(initiate[0].0, INITIATE);
        let Ok(Step::Done(peer)) = server.on_command(cmd(INITIATE, &initiate[0].1), &mut se) else {
            panic!("server not done");
        };
        assert_eq!(peer.socket_type, DEALER);
        assert_eq!(peer.zap_metadata.get("User-Id"), Some(&b"admin-id"[..]));
        let ready = commands(&mut se);
        assert_eq!(ready[0].0, command::READY);
        let Ok(Step::Done(peer)) = client.on_command(cmd(command::READY, &ready[0].1), &mut ce)
        else {
            panic!("client not done");
        };
        assert_eq!(peer.socket_type, ROUTER);
    }

    #[test]
    fn refusals_and_out_of_order_commands() {
        let mut se = Encoder::new();
        // 400: ERROR "400" to the client.
        let mut server = PlainServer::new(local(ROUTER, b"ROUTER"), &security(b"", b""));
        server
            .on_command(cmd(HELLO, b"\x01a\x01b"), &mut se)
            .unwrap();
        assert_eq!(
            server.on_zap(reply(b"400"), &mut se),
            Err(Error::AuthFailed(400))
        );
        // Spelled as libzmq's PLAIN server does (see the module comment).
        assert_eq!(se.take_all(), b"\x04\x09\x5eRROR\x03400");
        // No handler: refused.
        let mut server = PlainServer::new(local(ROUTER, b"ROUTER"), &security(b"", b""));
        server
            .on_command(cmd(HELLO, b"\x01a\x01b"), &mut se)
            .unwrap();
        assert_eq!(
            server.on_zap(ZapAnswer::NoHandler, &mut se),
            Err(Error::ZapUnavailable)
        );
        // The server takes HELLO first, INITIATE after WELCOME, nothing else.
        let mut server = PlainServer::new(local(ROUTER, b"ROUTER"), &security(b"", b""));
        for name in [INITIATE, command::READY, command::ERROR, WELCOME] {
            assert_eq!(
                server.on_command(cmd(name, b""), &mut se),
                Err(Error::UnexpectedCommand)
            );
        }
        assert_eq!(
            server.on_command(cmd(HELLO, b"\x05ab"), &mut se),
            Err(Error::MalformedCommand { command: "HELLO" })
        );
        // Socket type mismatch in INITIATE: ERROR, then fail.
        let mut server = PlainServer::new(local(PUSH, b"PUSH"), &security(b"", b""));
        server.on_command(cmd(HELLO, b"\0\0"), &mut se).unwrap();
        server.on_zap(reply(b"200"), &mut se).unwrap();
        commands(&mut se);
        let mut props = Vec::new();
        write_property(&mut props, b"Socket-Type", b"PUSH");
        assert_eq!(
            server.on_command(cmd(INITIATE, &props), &mut se),
            Err(Error::SocketTypeMismatch)
        );
        assert_eq!(commands(&mut se)[0].0, command::ERROR);

        let mut ce = Encoder::new();
        let mut client = PlainClient::new(local(DEALER, b"DEALER"), &security(b"u", b"p"));
        client.start(&mut ce).unwrap();
        assert_eq!(
            client.on_command(cmd(command::READY, b""), &mut ce),
            Err(Error::UnexpectedCommand)
        );
        assert_eq!(
            client.on_command(cmd(WELCOME, b"x"), &mut ce),
            Err(Error::MalformedCommand { command: "WELCOME" })
        );
        assert_eq!(
            client.on_command(cmd(command::ERROR, b"\x03400"), &mut ce),
            Err(Error::PeerError("400".into()))
        );
        let libzmq_error = command::parse_handshake(b"\x5eRROR\x03500").unwrap();
        assert_eq!(
            client.on_command(libzmq_error, &mut ce),
            Err(Error::PeerError("500".into()))
        );
        assert_eq!(
            client.on_command(cmd(HELLO, b"\0\0"), &mut ce),
            Err(Error::UnexpectedCommand)
        );
    }
}
