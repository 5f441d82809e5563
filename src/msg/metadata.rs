//! Connection properties attached to received messages (zmq_msg_gets).

/// Properties of the connection a message came from: Socket-Type, Identity,
/// Peer-Address, User-Id and application `X-` properties. Values keep a
/// trailing NUL so `zmq_msg_gets` can hand out C strings that live as long
/// as the message.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Metadata {
    props: Vec<(String, Vec<u8>)>,
}

impl Metadata {
    pub fn new() -> Self {
        Metadata::default()
    }

    /// Adds or replaces a property (names compare case-insensitively).
    pub fn set(&mut self, name: &str, value: &[u8]) {
        let mut v = Vec::with_capacity(value.len() + 1);
        v.extend_from_slice(value);
        v.push(0);
        if let Some(slot) = self
            .props
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            slot.1 = v;
        } else {
            self.props.push((name.to_string(), v));
        }
    }

    /// The value with its trailing NUL.
    pub fn get_c(&self, name: &str) -> Option<&[u8]> {
        self.props
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }

    /// The value without its trailing NUL.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.get_c(name).map(|v| &v[..v.len() - 1])
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.props
            .iter()
            .map(|(n, v)| (n.as_str(), &v[..v.len() - 1]))
    }

    pub fn len(&self) -> usize {
        self.props.len()
    }

    pub fn is_empty(&self) -> bool {
        self.props.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_insensitive_and_nul_terminated() {
        let mut m = Metadata::new();
        m.set("Socket-Type", b"REQ");
        assert_eq!(m.get("socket-type"), Some(&b"REQ"[..]));
        assert_eq!(m.get_c("SOCKET-TYPE"), Some(&b"REQ\0"[..]));
        m.set("socket-type", b"REP");
        assert_eq!(m.len(), 1);
        assert_eq!(m.get("Socket-Type"), Some(&b"REP"[..]));
        assert_eq!(m.get("Identity"), None);
    }
}
