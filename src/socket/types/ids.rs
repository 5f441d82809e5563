//! Routing ids of a socket's peers (ROUTER, STREAM): the map both ways and
//! the generator of ids for peers that bring none (0x00 + a u32, so they
//! never collide with ids peers choose, which may not start with 0x00).

use crate::socket::pipes::PipeId;
use std::collections::HashMap;

pub struct RoutingIds {
    by_id: HashMap<Vec<u8>, PipeId>,
    by_pipe: HashMap<PipeId, Vec<u8>>,
    next: u32,
}

impl RoutingIds {
    pub fn new() -> RoutingIds {
        RoutingIds {
            by_id: HashMap::new(),
            by_pipe: HashMap::new(),
            // libzmq starts from a random value; any start works.
            next: std::process::id().wrapping_mul(2_654_435_761),
        }
    }

    /// A fresh id no peer has.
    pub fn generate(&mut self) -> Vec<u8> {
        loop {
            self.next = self.next.wrapping_add(1);
            let mut rid = vec![0u8];
            rid.extend_from_slice(&self.next.to_be_bytes());
            if !self.by_id.contains_key(&rid) {
                return rid;
            }
        }
    }

    pub fn insert(&mut self, rid: Vec<u8>, pipe: PipeId) {
        self.by_id.insert(rid.clone(), pipe);
        self.by_pipe.insert(pipe, rid);
    }

    pub fn pipe(&self, rid: &[u8]) -> Option<PipeId> {
        self.by_id.get(rid).copied()
    }

    pub fn id(&self, pipe: PipeId) -> Option<&[u8]> {
        self.by_pipe.get(&pipe).map(|v| v.as_slice())
    }

    pub fn has_pipe(&self, pipe: PipeId) -> bool {
        self.by_pipe.contains_key(&pipe)
    }

    pub fn pipes(&self) -> impl Iterator<Item = PipeId> + '_ {
        self.by_pipe.keys().copied()
    }

    /// Forgets a pipe (and its id, unless another pipe took it over).
    pub fn remove_pipe(&mut self, pipe: PipeId) -> Option<Vec<u8>> {
        let rid = self.by_pipe.remove(&pipe)?;
        if self.by_id.get(&rid) == Some(&pipe) {
            self.by_id.remove(&rid);
        }
        Some(rid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_unique_and_marked() {
        let mut ids = RoutingIds::new();
        let a = ids.generate();
        ids.insert(a.clone(), 1);
        let b = ids.generate();
        assert_ne!(a, b);
        assert_eq!((a.len(), a[0]), (5, 0));
        assert_eq!(ids.pipe(&a), Some(1));
        assert_eq!(ids.id(1), Some(&a[..]));
        // A takeover keeps the id with its new pipe.
        ids.insert(a.clone(), 2);
        assert_eq!(ids.remove_pipe(1), Some(a.clone()));
        assert_eq!(ids.pipe(&a), Some(2));
    }
}
