//! Subscription set of a SUB/XSUB socket: counted byte-string prefixes.
//!
//! Thread: the application thread that owns the socket (pure data, no I/O).
//!
//! The module also holds [`Radix`], the path-compressed tree shared with the
//! PUB/XPUB side ([`super::mtrie::MultiTrie`]). Every walk over the tree is
//! iterative (explicit stacks or plain loops), including `Drop`, so neither a
//! 64 KiB topic nor a deep tree of millions of nodes can overflow the stack.

use std::mem;

/// What a [`Radix`] node stores: a value that can be "vacant" (no
/// subscription ends at this node), in which case the node only exists to
/// branch and may be pruned.
pub(crate) trait Slot: Default {
    fn is_vacant(&self) -> bool;
}

impl Slot for usize {
    fn is_vacant(&self) -> bool {
        *self == 0
    }
}

impl<P> Slot for Vec<P> {
    fn is_vacant(&self) -> bool {
        self.is_empty()
    }
}

/// One node of the radix tree.
///
/// `label` is the edge label from the parent (empty only at the root).
/// Children are kept sorted by the first byte of their label; `first[i]` is
/// that byte for `kids[i]`, so a lookup is a binary search over a dense byte
/// vector.
pub(crate) struct Node<V> {
    label: Box<[u8]>,
    value: V,
    first: Vec<u8>,
    kids: Vec<Node<V>>,
}

impl<V: Default> Default for Node<V> {
    fn default() -> Self {
        Node {
            label: Box::default(),
            value: V::default(),
            first: Vec::new(),
            kids: Vec::new(),
        }
    }
}

impl<V> Drop for Node<V> {
    /// Iterative teardown: children are moved onto a heap stack before they
    /// are dropped, so each drop sees no children and the stack stays flat.
    fn drop(&mut self) {
        if self.kids.is_empty() {
            return;
        }
        let mut stack = mem::take(&mut self.kids);
        while let Some(mut node) = stack.pop() {
            stack.append(&mut node.kids);
        }
    }
}

impl<V: Slot> Node<V> {
    fn leaf(label: &[u8]) -> Self {
        Node {
            label: label.into(),
            value: V::default(),
            first: Vec::new(),
            kids: Vec::new(),
        }
    }

    fn first_byte(&self) -> u8 {
        self.label.first().copied().unwrap_or(0)
    }

    /// Split the edge so that this node keeps `label[..at]` and a new only
    /// child takes `label[at..]`, the value and the children.
    /// Requires `0 < at < label.len()`.
    fn split(&mut self, at: usize) {
        let lower = Node {
            label: self.label[at..].into(),
            value: mem::take(&mut self.value),
            first: mem::take(&mut self.first),
            kids: mem::take(&mut self.kids),
        };
        self.label = self.label[..at].into();
        self.first = vec![lower.first_byte()];
        self.kids = vec![lower];
    }

    /// Absorb the only child: a vacant node with one child is redundant.
    fn merge_only_child(&mut self, stats: &mut Stats) {
        if self.kids.len() != 1 {
            return;
        }
        let Some(mut child) = self.kids.pop() else {
            return;
        };
        let mut label = Vec::with_capacity(self.label.len() + child.label.len());
        label.extend_from_slice(&self.label);
        label.extend_from_slice(&child.label);
        self.label = label.into_boxed_slice();
        self.value = mem::take(&mut child.value);
        self.first = mem::take(&mut child.first);
        self.kids = mem::take(&mut child.kids);
        // The label bytes moved, the child's node is gone.
        stats.nodes -= 1;
    }
}

/// Structural counters used for memory accounting.
#[derive(Default, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Stats {
    /// Non-root nodes.
    nodes: usize,
    /// Sum of all edge label lengths.
    label_bytes: usize,
}

impl Stats {
    fn drop_leaf<V>(&mut self, node: &Node<V>) {
        self.nodes -= 1;
        self.label_bytes -= node.label.len();
    }
}

/// After the value of `parent.kids[i]` became vacant, restore the invariant
/// "every non-root vacant node has at least two children".
fn prune_child<V: Slot>(parent: &mut Node<V>, i: usize, parent_is_root: bool, stats: &mut Stats) {
    let Some(child) = parent.kids.get_mut(i) else {
        return;
    };
    if !child.value.is_vacant() {
        return;
    }
    match child.kids.len() {
        0 => {
            let gone = parent.kids.remove(i);
            parent.first.remove(i);
            stats.drop_leaf(&gone);
            if parent.kids.len() * 4 < parent.kids.capacity() {
                parent.kids.shrink_to_fit();
                parent.first.shrink_to_fit();
            }
            if !parent_is_root && parent.value.is_vacant() {
                parent.merge_only_child(stats);
            }
        }
        1 => child.merge_only_child(stats),
        _ => {}
    }
}

/// Length of the common prefix of `a` and `b`.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    if b.starts_with(a) {
        return a.len();
    }
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// Path-compressed prefix tree mapping byte strings to values.
///
/// Invariants: children sorted by first label byte, `first` mirrors them,
/// non-root labels are non-empty, and a non-root node whose value is vacant
/// has at least two children.
pub(crate) struct Radix<V: Slot> {
    root: Node<V>,
    stats: Stats,
}

impl<V: Slot> Default for Radix<V> {
    fn default() -> Self {
        Radix {
            root: Node::default(),
            stats: Stats::default(),
        }
    }
}

impl<V: Slot> Radix<V> {
    /// The value stored for `key`, creating nodes as needed.
    pub(crate) fn entry(&mut self, key: &[u8]) -> &mut V {
        let mut node = &mut self.root;
        let mut pos = 0;
        loop {
            let rest = key.get(pos..).unwrap_or_default();
            let Some(&b) = rest.first() else {
                return &mut node.value;
            };
            match node.first.binary_search(&b) {
                Err(i) => {
                    node.first.insert(i, b);
                    node.kids.insert(i, Node::leaf(rest));
                    self.stats.nodes += 1;
                    self.stats.label_bytes += rest.len();
                    return &mut node.kids[i].value;
                }
                Ok(i) => {
                    let child = &mut node.kids[i];
                    let common = common_prefix(&child.label, rest);
                    if common < child.label.len() {
                        // common >= 1: the first byte matched.
                        child.split(common);
                        self.stats.nodes += 1;
                    }
                    pos += common;
                    node = child;
                }
            }
        }
    }

    /// Apply `f` to the value stored exactly at `key` (None if there is no
    /// node for `key`), then prune if the value became vacant.
    pub(crate) fn update<R>(&mut self, key: &[u8], f: impl FnOnce(&mut V) -> R) -> Option<R> {
        if key.is_empty() {
            return Some(f(&mut self.root.value));
        }
        let mut node = &mut self.root;
        let mut is_root = true;
        let mut pos = 0;
        loop {
            let rest = key.get(pos..).unwrap_or_default();
            let &b = rest.first()?;
            let i = node.first.binary_search(&b).ok()?;
            let len = node.kids[i].label.len();
            if !rest.starts_with(&node.kids[i].label) {
                return None;
            }
            if len == rest.len() {
                let r = f(&mut node.kids[i].value);
                prune_child(node, i, is_root, &mut self.stats);
                return Some(r);
            }
            pos += len;
            node = &mut node.kids[i];
            is_root = false;
        }
    }

    /// The values of every node whose key is a prefix of `data`, shortest
    /// first (the root, i.e. the empty prefix, included). No allocation.
    pub(crate) fn path<'a>(&'a self, data: &'a [u8]) -> Path<'a, V> {
        Path {
            node: Some(&self.root),
            rest: data,
        }
    }

    /// Pre-order walk (lexicographic key order) over every node.
    pub(crate) fn walk(&self, mut f: impl FnMut(&[u8], &V)) {
        let mut key = Vec::new();
        let mut stack: Vec<(&Node<V>, usize)> = vec![(&self.root, 0)];
        while let Some((node, base)) = stack.pop() {
            key.truncate(base);
            key.extend_from_slice(&node.label);
            f(&key, &node.value);
            let here = key.len();
            stack.extend(node.kids.iter().rev().map(|k| (k, here)));
        }
    }

    /// Pre-order walk with mutable values. Returns true if any value was
    /// vacant afterwards at a node that then needs pruning; the caller calls
    /// [`Radix::prune_vacant`] in that case.
    pub(crate) fn walk_mut(&mut self, mut f: impl FnMut(&[u8], &mut V)) -> bool {
        let mut key = Vec::new();
        let mut needs_prune = false;
        let mut stack: Vec<(&mut Node<V>, usize)> = vec![(&mut self.root, 0)];
        while let Some((node, base)) = stack.pop() {
            key.truncate(base);
            key.extend_from_slice(&node.label);
            f(&key, &mut node.value);
            if node.value.is_vacant() && node.kids.len() < 2 && base + node.label.len() > 0 {
                needs_prune = true;
            }
            let here = key.len();
            stack.extend(node.kids.iter_mut().rev().map(|k| (k, here)));
        }
        needs_prune
    }

    /// Restore the invariants everywhere after values were emptied by
    /// [`Radix::walk_mut`]: post-order, iterative, moving nodes by value.
    pub(crate) fn prune_vacant(&mut self) {
        struct Frame<V> {
            node: Node<V>,
            rest: std::vec::IntoIter<Node<V>>,
            done: Vec<Node<V>>,
        }
        fn open<V>(mut node: Node<V>) -> Frame<V> {
            let kids = mem::take(&mut node.kids);
            Frame {
                done: Vec::with_capacity(kids.len()),
                rest: kids.into_iter(),
                node,
            }
        }
        let mut stack = vec![open(mem::take(&mut self.root))];
        while let Some(top) = stack.last_mut() {
            if let Some(child) = top.rest.next() {
                stack.push(open(child));
                continue;
            }
            let Some(Frame { mut node, done, .. }) = stack.pop() else {
                break;
            };
            node.kids = done;
            node.first.clear();
            node.first.extend(node.kids.iter().map(Node::first_byte));
            match stack.last_mut() {
                None => {
                    self.root = node;
                    break;
                }
                Some(parent) => {
                    if node.value.is_vacant() {
                        match node.kids.len() {
                            0 => {
                                self.stats.drop_leaf(&node);
                                continue;
                            }
                            1 => node.merge_only_child(&mut self.stats),
                            _ => {}
                        }
                    }
                    parent.done.push(node);
                }
            }
        }
    }

    /// Approximate heap + inline bytes held by the tree structure (values'
    /// own heap storage is accounted by the owner).
    pub(crate) fn memory(&self) -> usize {
        mem::size_of::<Self>()
            + self.stats.nodes * (mem::size_of::<Node<V>>() + 1)
            + self.stats.label_bytes
    }

    pub(crate) fn clear(&mut self) {
        self.root = Node::default();
        self.stats = Stats::default();
    }

    /// Test helper: check every invariant and that the counters match.
    #[cfg(test)]
    pub(crate) fn check(&self) {
        let mut stats = Stats::default();
        let mut stack = vec![(&self.root, true)];
        while let Some((node, is_root)) = stack.pop() {
            assert_eq!(node.first.len(), node.kids.len());
            for (i, k) in node.kids.iter().enumerate() {
                assert!(!k.label.is_empty(), "empty non-root label");
                assert_eq!(node.first[i], k.label[0]);
                if i > 0 {
                    assert!(node.first[i - 1] < node.first[i], "children not sorted");
                }
                stats.nodes += 1;
                stats.label_bytes += k.label.len();
                stack.push((k, false));
            }
            if is_root {
                assert!(node.label.is_empty());
            } else if node.value.is_vacant() {
                assert!(node.kids.len() >= 2, "vacant node with < 2 children");
            }
        }
        assert_eq!(stats, self.stats);
    }
}

/// Iterator returned by [`Radix::path`].
pub(crate) struct Path<'a, V> {
    node: Option<&'a Node<V>>,
    rest: &'a [u8],
}

impl<'a, V> Iterator for Path<'a, V> {
    type Item = &'a V;

    fn next(&mut self) -> Option<&'a V> {
        let node = self.node.take()?;
        if let Some(&b) = self.rest.first() {
            if let Ok(i) = node.first.binary_search(&b) {
                let kid = &node.kids[i];
                if let Some(rest) = self.rest.strip_prefix(&*kid.label) {
                    self.rest = rest;
                    self.node = Some(kid);
                }
            }
        }
        Some(&node.value)
    }
}

/// Counted subscription set of a SUB/XSUB socket.
///
/// Subscribing to the same prefix twice needs two unsubscriptions. A message
/// matches if any subscribed prefix (the empty prefix included) is a prefix
/// of it.
#[derive(Default)]
pub struct Trie {
    tree: Radix<usize>,
    prefixes: usize,
}

impl Trie {
    pub fn new() -> Self {
        Trie::default()
    }

    /// Subscribe to `prefix`. Returns true if it was not subscribed before.
    pub fn add(&mut self, prefix: &[u8]) -> bool {
        let count = self.tree.entry(prefix);
        *count = count.saturating_add(1);
        let fresh = *count == 1;
        if fresh {
            self.prefixes += 1;
        }
        fresh
    }

    /// Drop one reference to `prefix`. Returns true if that was the last one
    /// (false if it was not subscribed at all).
    pub fn remove(&mut self, prefix: &[u8]) -> bool {
        let last = self
            .tree
            .update(prefix, |count| match *count {
                0 => false,
                n => {
                    *count = n - 1;
                    n == 1
                }
            })
            .unwrap_or(false);
        if last {
            self.prefixes -= 1;
        }
        last
    }

    /// True if some subscribed prefix is a prefix of `data`.
    pub fn matches(&self, data: &[u8]) -> bool {
        self.tree.path(data).any(|&count| count > 0)
    }

    pub fn is_empty(&self) -> bool {
        self.prefixes == 0
    }

    /// Number of distinct subscribed prefixes.
    pub fn len(&self) -> usize {
        self.prefixes
    }

    /// Call `f` once per distinct subscribed prefix, in lexicographic order
    /// (used to resend subscriptions after a reconnect).
    pub fn for_each(&self, mut f: impl FnMut(&[u8])) {
        self.tree.walk(|key, &count| {
            if count > 0 {
                f(key)
            }
        });
    }

    /// Approximate bytes held, for the socket's memory budget.
    pub fn memory(&self) -> usize {
        self.tree.memory() + mem::size_of::<usize>()
    }

    /// Drop every subscription.
    pub fn clear(&mut self) {
        self.tree.clear();
        self.prefixes = 0;
    }
}

impl std::fmt::Debug for Trie {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trie")
            .field("prefixes", &self.prefixes)
            .field("memory", &self.memory())
            .finish()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Tiny deterministic PRNG (xorshift64*).
    pub(crate) struct Rng(u64);

    impl Rng {
        pub(crate) fn new(seed: u64) -> Self {
            Rng(seed.max(1))
        }
        pub(crate) fn next(&mut self) -> u64 {
            let mut x = self.0;
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            self.0 = x;
            x.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        pub(crate) fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
        /// Short strings over a tiny alphabet so that prefixes collide.
        pub(crate) fn key(&mut self) -> Vec<u8> {
            const ALPHABET: &[u8] = b"ab\x00\xff";
            let len = self.below(7) as usize;
            (0..len)
                .map(|_| match self.below(10) {
                    0..=3 => ALPHABET[0],
                    4..=7 => ALPHABET[1],
                    8 => ALPHABET[2],
                    _ => ALPHABET[3],
                })
                .collect()
        }
    }

    fn list(t: &Trie) -> Vec<Vec<u8>> {
        let mut v = Vec::new();
        t.for_each(|p| v.push(p.to_vec()));
        v
    }

    #[test]
    fn table() {
        let mut t = Trie::new();
        assert!(t.is_empty());
        assert!(!t.matches(b""));
        assert!(!t.matches(b"abc"));
        for p in [&b"abc"[..], b"abd", b"ab", b"x", b"abcdef"] {
            assert!(t.add(p));
            t.tree.check();
        }
        assert_eq!(t.len(), 5);
        let cases: &[(&[u8], bool)] = &[
            (b"", false),
            (b"a", false),
            (b"ab", true),
            (b"abz", true),
            (b"abc", true),
            (b"x", true),
            (b"xyz", true),
            (b"y", false),
            (b"b", false),
            (b"\x00", false),
        ];
        for &(data, want) in cases {
            assert_eq!(t.matches(data), want, "{:?}", data);
        }
        assert!(t.remove(b"ab"));
        t.tree.check();
        assert!(!t.matches(b"abz"));
        assert!(t.matches(b"abcz"));
        assert!(t.matches(b"abd"));
        assert!(!t.remove(b"ab"), "not subscribed any more");
        assert!(!t.remove(b"a"), "internal node, never subscribed");
        assert!(!t.remove(b"zzz"));
        assert!(!t.remove(b"abcd"));
        for p in [&b"abc"[..], b"abd", b"x", b"abcdef"] {
            assert!(t.remove(p));
            t.tree.check();
        }
        assert!(t.is_empty());
        assert_eq!(t.tree.stats, Stats::default());
    }

    #[test]
    fn counted() {
        let mut t = Trie::new();
        assert!(t.add(b"topic"));
        assert!(!t.add(b"topic"));
        assert!(!t.add(b"topic"));
        assert_eq!(t.len(), 1);
        assert!(!t.remove(b"topic"));
        assert!(!t.remove(b"topic"));
        assert!(t.matches(b"topic/1"));
        assert!(t.remove(b"topic"));
        assert!(!t.matches(b"topic/1"));
        assert!(!t.remove(b"topic"));
        assert!(t.is_empty());
    }

    #[test]
    fn empty_prefix() {
        let mut t = Trie::new();
        assert!(t.add(b"abc"));
        assert!(t.add(b""));
        assert!(t.matches(b""));
        assert!(t.matches(b"zzz"));
        assert_eq!(t.len(), 2);
        assert_eq!(list(&t), vec![b"".to_vec(), b"abc".to_vec()]);
        assert!(!t.add(b""));
        assert!(!t.remove(b""));
        assert!(t.remove(b""));
        assert!(!t.matches(b"zzz"));
        assert!(t.matches(b"abcd"));
        assert!(!t.remove(b""));
        t.tree.check();
    }

    #[test]
    fn for_each_round_trip() {
        let mut t = Trie::new();
        let mut rng = Rng::new(7);
        for _ in 0..500 {
            let k = rng.key();
            t.add(&k);
        }
        let got = list(&t);
        assert_eq!(got.len(), t.len());
        let mut sorted = got.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(got, sorted, "lexicographic, distinct");
        let mut copy = Trie::new();
        for p in &got {
            assert!(copy.add(p));
        }
        assert_eq!(list(&copy), got);
        for _ in 0..500 {
            let d = rng.key();
            assert_eq!(copy.matches(&d), t.matches(&d));
        }
    }

    #[test]
    fn memory_grows_and_shrinks_back() {
        let mut t = Trie::new();
        let base = t.memory();
        let keys: Vec<Vec<u8>> = (0..200u32)
            .map(|i| format!("topic/{}/{}", i % 13, i).into_bytes())
            .collect();
        let mut last = base;
        for k in &keys {
            t.add(k);
            assert!(t.memory() > last, "every new prefix costs memory");
            last = t.memory();
        }
        assert!(t.memory() > base + 200 * 8);
        for k in keys.iter().rev() {
            assert!(t.remove(k));
            t.tree.check();
        }
        assert_eq!(t.memory(), base);
        // A long topic is charged for its length.
        t.add(&vec![b'x'; 10_000]);
        assert!(t.memory() >= base + 10_000);
        t.clear();
        assert_eq!(t.memory(), base);
        assert!(t.is_empty());
    }

    #[test]
    fn differential_against_naive_model() {
        for seed in 1..=20u64 {
            let mut rng = Rng::new(seed * 0x9e37_79b9);
            let mut t = Trie::new();
            let mut model: Vec<(Vec<u8>, usize)> = Vec::new();
            for step in 0..2_000 {
                let k = rng.key();
                match rng.below(10) {
                    0..=3 => {
                        let want = match model.iter_mut().find(|(p, _)| *p == k) {
                            Some((_, n)) => {
                                *n += 1;
                                false
                            }
                            None => {
                                model.push((k.clone(), 1));
                                true
                            }
                        };
                        assert_eq!(t.add(&k), want, "seed {seed} step {step} add {k:?}");
                    }
                    4..=7 => {
                        let want = match model.iter().position(|(p, _)| *p == k) {
                            Some(i) => {
                                model[i].1 -= 1;
                                if model[i].1 == 0 {
                                    model.remove(i);
                                    true
                                } else {
                                    false
                                }
                            }
                            None => false,
                        };
                        assert_eq!(t.remove(&k), want, "seed {seed} step {step} remove {k:?}");
                    }
                    _ => {
                        let want = model.iter().any(|(p, _)| k.starts_with(p));
                        assert_eq!(t.matches(&k), want, "seed {seed} step {step} match {k:?}");
                    }
                }
                if step % 97 == 0 {
                    t.tree.check();
                    let mut names: Vec<Vec<u8>> = model.iter().map(|(p, _)| p.clone()).collect();
                    names.sort();
                    assert_eq!(list(&t), names);
                }
                assert_eq!(t.len(), model.len());
                assert_eq!(t.is_empty(), model.is_empty());
            }
            t.tree.check();
            // Drain everything: the tree must collapse to the bare root.
            for (p, n) in model.drain(..) {
                for i in 0..n {
                    assert_eq!(t.remove(&p), i + 1 == n);
                }
            }
            assert!(t.is_empty());
            assert_eq!(t.tree.stats, Stats::default());
            assert_eq!(t.memory(), Trie::new().memory());
        }
    }

    /// Run `f` on a thread with a 256 KiB stack: any recursion over the
    /// depth of these trees would overflow it.
    pub(crate) fn small_stack(f: impl FnOnce() + Send + 'static) {
        std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(f)
            .expect("spawn")
            .join()
            .expect("no stack overflow / panic");
    }

    #[test]
    fn huge_topic_and_deep_tree_without_recursion() {
        small_stack(|| {
            const MIB: usize = 1 << 20;
            const STRIDE: usize = 256;
            let topic: Vec<u8> = (0..MIB).map(|i| (i % 251) as u8).collect();
            let mut t = Trie::new();
            assert!(t.add(&topic));
            assert!(t.matches(&topic));
            let mut longer = topic.clone();
            longer.extend_from_slice(b"tail");
            assert!(t.matches(&longer));
            let mut other = topic.clone();
            other[MIB - 1] ^= 1;
            assert!(!t.matches(&other));
            assert!(!t.matches(&topic[..MIB - 1]));
            // Every 256th prefix: a chain of 4096 nodes, 1 MiB deep.
            for len in (STRIDE..MIB).step_by(STRIDE) {
                assert!(t.add(&topic[..len]));
            }
            assert_eq!(t.len(), MIB / STRIDE);
            t.tree.check();
            assert!(t.matches(&other));
            let mut n = 0;
            t.for_each(|p| {
                n += 1;
                assert_eq!(p.len() % STRIDE, 0);
            });
            assert_eq!(n, MIB / STRIDE);
            // Remove the full topic and a few inner prefixes, then drop the
            // rest of the chain with the trie.
            assert!(t.remove(&topic));
            assert!(!t.matches(&topic[..STRIDE - 1]));
            assert!(t.matches(&topic[..STRIDE]));
            for len in (STRIDE..MIB / 2).step_by(STRIDE) {
                assert!(t.remove(&topic[..len]));
            }
            t.tree.check();
            assert!(!t.matches(&topic[..MIB / 2 - 1]));
            assert!(t.matches(&topic[..MIB / 2]));
            drop(t);
        });
    }
}
