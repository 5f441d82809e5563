//! The CURVE server: WELCOME on HELLO, READY on INITIATE (after ZAP, when
//! the caller asks for it).

use crypto_box::SalsaBox;
use crypto_secretbox::{KeyInit, XSalsa20Poly1305};
use zeroize::Zeroizing;

use super::client::{HELLO, HELLO_DATA, INITIATE, WELCOME};
use super::codec::{CurveCodec, MIN_MESSAGE};
use super::{
    long_key_box, long_nonce, open, public_from_secret, random, seal_into, shared, short_nonce,
    take, Ephemeral, OurNonce, PeerNonce, SecretBytes, KEY_LEN,
};
use crate::zmtp::command::{self, Command};
use crate::zmtp::encoder::Encoder;
use crate::zmtp::error::Error;
use crate::zmtp::event::PeerInfo;
use crate::zmtp::mechanism::zap::{verdict, ZapRequest};
use crate::zmtp::mechanism::{check_peer, peer_error, Local, Mechanism, Security, Step, ZapAnswer};

/// INITIATE's smallest data: cookie, short nonce, Box[C + vouch].
pub(crate) const INITIATE_MIN_DATA: usize = 96 + 8 + 16 + 128;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    ExpectHello,
    ExpectInitiate,
    /// INITIATE checked; READY waits for the ZAP handler.
    Authenticating,
    Done,
}

pub(crate) struct CurveServer {
    local: Local,
    secret: SecretBytes,
    /// s' and S', made once a HELLO has opened: a connection that sends
    /// nothing, or garbage, costs one key exchange at most.
    ephemeral: Option<Ephemeral>,
    /// ZMQ_ZAP_DOMAIN and ZMQ_ZAP_ENFORCE_DOMAIN.
    zap_domain: Vec<u8>,
    zap_enforce: bool,
    state: State,
    ours: OurNonce,
    peer: PeerNonce,
    /// C' from HELLO.
    client_short: [u8; KEY_LEN],
    /// This connection's cookie key; dropped (zeroed) once INITIATE is in.
    cookie_key: Option<Zeroizing<[u8; 32]>>,
    /// Box(C', s') once INITIATE is open.
    session: Option<SalsaBox>,
    /// The client, between INITIATE and READY.
    client: Option<PeerInfo>,
    /// The traffic boxes once READY is sent.
    codec: Option<CurveCodec>,
}

impl CurveServer {
    pub(crate) fn new(security: &Security, local: Local) -> Result<CurveServer, Error> {
        let secret = &security.curve.secret_key;
        Ok(CurveServer {
            local,
            secret: secret.clone(),
            ephemeral: None,
            zap_domain: security.zap_domain.clone(),
            zap_enforce: security.zap_enforce_domain,
            state: State::ExpectHello,
            ours: OurNonce::new(),
            peer: PeerNonce::default(),
            client_short: [0; KEY_LEN],
            cookie_key: None,
            session: None,
            client: None,
            codec: None,
        })
    }

    fn on_hello(&mut self, data: &[u8], enc: &mut Encoder) -> Result<(), Error> {
        let malformed = Error::MalformedCommand { command: "HELLO" };
        if data.len() != HELLO_DATA {
            return Err(malformed);
        }
        let mut rest = data;
        if take::<2>(&mut rest) != Some(&[1, 0]) {
            return Err(malformed);
        }
        // The padding only makes HELLO as long as WELCOME; not checked.
        take::<72>(&mut rest).ok_or(Error::Cryptographic)?;
        let client_short = *take::<KEY_LEN>(&mut rest).ok_or(Error::Cryptographic)?;
        let nonce = u64::from_be_bytes(*take::<8>(&mut rest).ok_or(Error::Cryptographic)?);
        self.peer.accept(nonce)?;
        let key = long_key_box(&client_short, &self.secret);
        let plain = open(&key, &short_nonce(b"CurveZMQHELLO---", nonce), rest)?;
        if plain.iter().any(|&b| b != 0) {
            return Err(Error::Cryptographic);
        }
        self.client_short = client_short;
        let eph = self.ephemeral.insert(Ephemeral::generate()?);

        // cookie = nonce + SecretBox[C' + s'](K), K fresh for this connection
        let cookie_key = Zeroizing::new(random::<32>()?);
        let cookie_nonce: [u8; 16] = random()?;
        let mut cookie_plain = Zeroizing::new([0u8; 64]);
        cookie_plain[..32].copy_from_slice(&client_short);
        cookie_plain[32..].copy_from_slice(&Zeroizing::new(eph.secret.to_bytes())[..]);
        let mut welcome_plain = Zeroizing::new(Vec::with_capacity(128));
        welcome_plain.extend_from_slice(&eph.public);
        welcome_plain.extend_from_slice(&cookie_nonce);
        let cookie_box = XSalsa20Poly1305::new(cookie_key.as_ref().into());
        seal_into(
            &cookie_box,
            &long_nonce(b"COOKIE--", &cookie_nonce),
            &cookie_plain[..],
            &mut welcome_plain,
        )?;

        let welcome_nonce: [u8; 16] = random()?;
        let mut data = Vec::with_capacity(16 + 144);
        data.extend_from_slice(&welcome_nonce);
        seal_into(
            &key,
            &long_nonce(b"WELCOME-", &welcome_nonce),
            &welcome_plain,
            &mut data,
        )?;
        enc.command(WELCOME, &[&data]);
        self.cookie_key = Some(cookie_key);
        self.state = State::ExpectInitiate;
        Ok(())
    }

    fn on_initiate(&mut self, data: &[u8], enc: &mut Encoder) -> Result<Step, Error> {
        if data.len() < INITIATE_MIN_DATA {
            return Err(Error::MalformedCommand {
                command: "INITIATE",
            });
        }
        let mut rest = data;
        let cookie_nonce = take::<16>(&mut rest).ok_or(Error::Cryptographic)?;
        let cookie = take::<80>(&mut rest).ok_or(Error::Cryptographic)?;
        let cookie_key = self.cookie_key.take().ok_or(Error::UnexpectedCommand)?;
        let cookie_box = XSalsa20Poly1305::new(cookie_key.as_ref().into());
        drop(cookie_key);
        let cookie_plain = open(&cookie_box, &long_nonce(b"COOKIE--", cookie_nonce), cookie)?;
        let eph = self.ephemeral.as_ref().ok_or(Error::UnexpectedCommand)?;
        let our_short_secret = Zeroizing::new(eph.secret.to_bytes());
        if cookie_plain[..32] != self.client_short || cookie_plain[32..] != our_short_secret[..] {
            return Err(Error::Cryptographic);
        }

        let nonce = u64::from_be_bytes(*take::<8>(&mut rest).ok_or(Error::Cryptographic)?);
        self.peer.accept(nonce)?;
        let session = shared(&self.client_short, &eph.secret);
        let plain = open(&session, &short_nonce(b"CurveZMQINITIATE", nonce), rest)?;
        let mut inner = &plain[..];
        let client_key = *take::<KEY_LEN>(&mut inner).ok_or(Error::Cryptographic)?;
        let vouch_nonce = take::<16>(&mut inner).ok_or(Error::Cryptographic)?;
        let vouch = take::<80>(&mut inner).ok_or(Error::Cryptographic)?;
        let vouch_plain = open(
            &shared(&client_key, &eph.secret),
            &long_nonce(b"VOUCH---", vouch_nonce),
            vouch,
        )?;
        // The vouch binds C' to C, and to us (S): no replay to another server.
        let our_public = public_from_secret(self.secret.as_bytes());
        if vouch_plain[..32] != self.client_short || vouch_plain[32..] != our_public {
            return Err(Error::KeyExchange);
        }
        let peer = check_peer(self.local.socket_type, inner, "INITIATE", enc)?;
        self.session = Some(session);
        self.client = Some(peer);
        self.state = State::Authenticating;
        // libzmq 4.3.5 asks ZAP whenever a handler may be bound, except
        // when ZAP_ENFORCE_DOMAIN is set with no domain.
        if self.zap_enforce && self.zap_domain.is_empty() {
            return self.accept(enc);
        }
        Ok(Step::Zap(ZapRequest::new(
            "CURVE",
            &self.zap_domain,
            &self.local.routing_id,
            vec![client_key.to_vec()],
        )))
    }

    /// Whether s'/S' exist yet (tests: no key work before a HELLO opens).
    #[cfg(test)]
    pub(crate) fn has_short_keys(&self) -> bool {
        self.ephemeral.is_some()
    }

    /// Sends READY; the handshake is done.
    fn accept(&mut self, enc: &mut Encoder) -> Result<Step, Error> {
        if self.state != State::Authenticating {
            return Err(Error::UnexpectedCommand);
        }
        let session = self.session.take().ok_or(Error::UnexpectedCommand)?;
        let peer = self.client.take().ok_or(Error::UnexpectedCommand)?;
        let nonce = self.ours.next()?;
        let mut data = Vec::with_capacity(8 + 16 + self.local.properties.len());
        data.extend_from_slice(&nonce.to_be_bytes());
        seal_into(
            &session,
            &short_nonce(b"CurveZMQREADY---", nonce),
            &self.local.properties,
            &mut data,
        )?;
        enc.command(command::READY, &[&data]);
        self.state = State::Done;
        self.codec = Some(CurveCodec::new(session, false, self.ours, self.peer));
        Ok(Step::Done(peer))
    }
}

impl Mechanism for CurveServer {
    /// The client speaks first.
    fn start(&mut self, _out: &mut Encoder) -> Result<Step, Error> {
        Ok(Step::Continue)
    }

    fn on_command(&mut self, cmd: Command<'_>, out: &mut Encoder) -> Result<Step, Error> {
        match (cmd.name, self.state) {
            (HELLO, State::ExpectHello) => {
                self.on_hello(cmd.data, out)?;
                Ok(Step::Continue)
            }
            (INITIATE, State::ExpectInitiate) => self.on_initiate(cmd.data, out),
            (command::ERROR, State::ExpectInitiate) => Err(peer_error(cmd.data)),
            _ => Err(Error::UnexpectedCommand),
        }
    }

    fn on_zap(&mut self, answer: ZapAnswer, out: &mut Encoder) -> Result<Step, Error> {
        if self.state != State::Authenticating {
            return Err(Error::UnexpectedZapReply);
        }
        match answer {
            ZapAnswer::NoHandler if self.zap_enforce => return Err(Error::ZapUnavailable),
            // Stonehouse: encrypted, not authenticated.
            ZapAnswer::NoHandler => {}
            ZapAnswer::Reply(reply) => {
                verdict(&reply, out)?;
                if let Some(peer) = self.client.as_mut() {
                    peer.zap_metadata = reply.properties();
                }
            }
        }
        self.accept(out)
    }

    fn wraps_frames(&self) -> bool {
        true
    }

    fn frame_overhead(&self) -> u64 {
        MIN_MESSAGE as u64
    }

    fn encode(&mut self, flags: u8, parts: &[&[u8]], out: &mut Vec<u8>) -> Result<(), Error> {
        let codec = self.codec.as_mut().ok_or(Error::NotReady)?;
        codec.encode(flags, parts, out)
    }

    fn decode(&mut self, body: &[u8]) -> Result<(u8, Vec<u8>), Error> {
        let codec = self.codec.as_mut().ok_or(Error::UnexpectedCommand)?;
        codec.decode(body).map(|p| p.into_parts())
    }
}
