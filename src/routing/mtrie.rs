//! Subscriptions of a PUB/XPUB socket: prefix -> set of subscribed pipes.
//!
//! Thread: the application thread that owns the socket (pure data, no I/O).
//!
//! Built on the same path-compressed tree as [`super::trie::Trie`]; every
//! operation (including `Drop` and [`MultiTrie::remove_pipe`]) is iterative.
//! Matching a published message allocates nothing in steady state.

use std::cell::Cell;
use std::mem;

use super::trie::Radix;

/// Prefix -> set of pipes. A pipe is any small copyable id (e.g. a pipe
/// slot index). Per prefix the set has set semantics, as in libzmq: adding
/// the same (prefix, pipe) twice is one subscription.
///
/// The type is `Send` but not `Sync` (it keeps a scratch buffer for
/// de-duplicating matches).
pub struct MultiTrie<P: Copy + Ord> {
    tree: Radix<Vec<P>>,
    /// Distinct prefixes with at least one pipe.
    prefixes: usize,
    /// (prefix, pipe) pairs.
    entries: usize,
    /// Reused by `match_pipes` when several prefixes match.
    scratch: Cell<Vec<P>>,
}

impl<P: Copy + Ord> Default for MultiTrie<P> {
    fn default() -> Self {
        MultiTrie {
            tree: Radix::default(),
            prefixes: 0,
            entries: 0,
            scratch: Cell::new(Vec::new()),
        }
    }
}

impl<P: Copy + Ord> MultiTrie<P> {
    pub fn new() -> Self {
        MultiTrie::default()
    }

    /// Subscribe `pipe` to `prefix`. Returns true if `prefix` had no
    /// subscriber at all before (XPUB forwards the subscription upstream
    /// only then, unless verbose).
    pub fn add(&mut self, prefix: &[u8], pipe: P) -> bool {
        let set = self.tree.entry(prefix);
        let first = set.is_empty();
        if let Err(i) = set.binary_search(&pipe) {
            set.insert(i, pipe);
            self.entries += 1;
            if first {
                self.prefixes += 1;
            }
        }
        first
    }

    /// Unsubscribe `pipe` from `prefix`. Returns true if the prefix lost its
    /// last subscriber (false if the pipe was not subscribed to it).
    pub fn remove(&mut self, prefix: &[u8], pipe: P) -> bool {
        self.try_remove(prefix, pipe).unwrap_or(false)
    }

    /// As `remove`, telling apart "not subscribed" (None) from whether the
    /// prefix lost its last subscriber (libzmq reports both to XPUB users).
    pub fn try_remove(&mut self, prefix: &[u8], pipe: P) -> Option<bool> {
        let outcome = self
            .tree
            .update(prefix, |set| match set.binary_search(&pipe) {
                Ok(i) => {
                    set.remove(i);
                    shrink(set);
                    Some(set.is_empty())
                }
                Err(_) => None,
            });
        let last = outcome.flatten()?;
        self.entries -= 1;
        if last {
            self.prefixes -= 1;
        }
        Some(last)
    }

    /// Drop every subscription of `pipe` (it is going away). `f` is called
    /// with each prefix that thereby lost its last subscriber.
    pub fn remove_pipe(&mut self, pipe: P, mut f: impl FnMut(&[u8])) {
        self.remove_pipe_each(pipe, |prefix, last| {
            if last {
                f(prefix)
            }
        });
    }

    /// As `remove_pipe`, calling `f` for every prefix the pipe had, with
    /// whether it lost its last subscriber (XPUB_VERBOSER reports them all).
    pub fn remove_pipe_each(&mut self, pipe: P, mut f: impl FnMut(&[u8], bool)) {
        let mut removed = 0;
        let mut emptied = 0;
        let needs_prune = self.tree.walk_mut(|prefix, set| {
            if let Ok(i) = set.binary_search(&pipe) {
                set.remove(i);
                shrink(set);
                removed += 1;
                let last = set.is_empty();
                emptied += last as usize;
                f(prefix, last);
            }
        });
        self.entries -= removed;
        self.prefixes -= emptied;
        if needs_prune {
            self.tree.prune_vacant();
        }
    }

    /// Call `f` once for every pipe subscribed to at least one prefix of
    /// `data` (a pipe subscribed to "a" and "ab" gets "abc" once).
    pub fn match_pipes(&self, data: &[u8], mut f: impl FnMut(P)) {
        let mut sets = self.tree.path(data).filter(|set| !set.is_empty());
        let Some(first) = sets.next() else {
            return;
        };
        let Some(second) = sets.next() else {
            // The common case: one matching prefix, already a set.
            first.iter().copied().for_each(f);
            return;
        };
        // Several prefixes match: merge and de-duplicate in a reused buffer.
        let mut buf = self.scratch.take();
        buf.clear();
        buf.extend_from_slice(first);
        buf.extend_from_slice(second);
        for set in sets {
            buf.extend_from_slice(set);
        }
        buf.sort_unstable();
        buf.dedup();
        for &pipe in &buf {
            f(pipe);
        }
        buf.clear();
        self.scratch.set(buf);
    }

    /// Call `f` for every subscribed prefix with its pipes, in
    /// lexicographic order.
    pub fn for_each(&self, mut f: impl FnMut(&[u8], &[P])) {
        self.tree.walk(|prefix, set| {
            if !set.is_empty() {
                f(prefix, set)
            }
        });
    }

    /// Number of distinct prefixes with at least one subscriber.
    pub fn len(&self) -> usize {
        self.prefixes
    }

    pub fn is_empty(&self) -> bool {
        self.prefixes == 0
    }

    /// Approximate bytes held, for the socket's memory budget (the match
    /// scratch buffer, bounded by the number of subscriptions, is not
    /// counted).
    pub fn memory(&self) -> usize {
        self.tree.memory() + 2 * mem::size_of::<usize>() + self.entries * mem::size_of::<P>()
    }

    /// Drop every subscription.
    pub fn clear(&mut self) {
        self.tree.clear();
        self.prefixes = 0;
        self.entries = 0;
        self.scratch.set(Vec::new());
    }
}

impl<P: Copy + Ord> std::fmt::Debug for MultiTrie<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MultiTrie")
            .field("prefixes", &self.prefixes)
            .field("entries", &self.entries)
            .field("memory", &self.memory())
            .finish()
    }
}

/// Give back memory when a pipe set has shrunk a lot.
fn shrink<P>(set: &mut Vec<P>) {
    if set.len() * 4 < set.capacity() {
        set.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::super::trie::tests::{small_stack, Rng};
    use super::*;
    use std::collections::BTreeSet;

    fn matched(m: &MultiTrie<u32>, data: &[u8]) -> Vec<u32> {
        let mut v = Vec::new();
        m.match_pipes(data, |p| v.push(p));
        v.sort_unstable();
        v
    }

    #[test]
    fn table() {
        let mut m = MultiTrie::new();
        assert!(m.is_empty());
        assert!(matched(&m, b"abc").is_empty());
        assert!(m.add(b"a", 1));
        assert!(!m.add(b"a", 2));
        assert!(!m.add(b"a", 2), "same pipe twice is one subscription");
        assert!(m.add(b"ab", 1));
        assert!(m.add(b"b", 3));
        assert!(m.add(b"abc", 4));
        m.tree.check();
        assert_eq!(m.len(), 4);
        let cases: &[(&[u8], &[u32])] = &[
            (b"", &[]),
            (b"a", &[1, 2]),
            (b"abc", &[1, 2, 4]),
            (b"abd", &[1, 2]),
            (b"b", &[3]),
            (b"bcd", &[3]),
            (b"c", &[]),
            (b"x", &[]),
        ];
        for &(data, want) in cases {
            assert_eq!(matched(&m, data), want, "{:?}", data);
        }
        assert!(!m.remove(b"a", 1));
        assert!(!m.remove(b"a", 1), "already gone");
        assert!(!m.remove(b"a", 9), "never subscribed");
        assert!(!m.remove(b"zz", 1));
        assert_eq!(matched(&m, b"abc"), [1, 2, 4]);
        assert!(m.remove(b"a", 2));
        assert_eq!(matched(&m, b"abc"), [1, 4]);
        assert_eq!(matched(&m, b"a"), [] as [u32; 0]);
        m.tree.check();
        assert!(m.remove(b"ab", 1));
        assert!(m.remove(b"b", 3));
        assert!(m.remove(b"abc", 4));
        assert!(m.is_empty());
        m.tree.check();
    }

    #[test]
    fn empty_prefix_matches_everything() {
        let mut m = MultiTrie::new();
        assert!(m.add(b"", 7));
        assert!(m.add(b"x", 7));
        assert!(!m.add(b"x", 8));
        assert_eq!(matched(&m, b""), [7]);
        assert_eq!(matched(&m, b"xyz"), [7, 8]);
        assert_eq!(matched(&m, b"q"), [7]);
        let mut seen = Vec::new();
        m.for_each(|p, pipes| seen.push((p.to_vec(), pipes.to_vec())));
        assert_eq!(
            seen,
            vec![(b"".to_vec(), vec![7]), (b"x".to_vec(), vec![7, 8])]
        );
        assert!(m.remove(b"", 7));
        assert_eq!(matched(&m, b"q"), [] as [u32; 0]);
    }

    #[test]
    fn try_remove_and_remove_pipe_each_tell_what_remains() {
        let mut m = MultiTrie::new();
        m.add(b"a", 1u32);
        m.add(b"a", 2);
        m.add(b"b", 1);
        assert_eq!(m.try_remove(b"zz", 1), None, "never subscribed");
        assert_eq!(m.try_remove(b"a", 3), None, "not this pipe");
        assert_eq!(m.try_remove(b"a", 2), Some(false), "pipe 1 still has it");
        m.add(b"a", 2);
        let mut seen = Vec::new();
        m.remove_pipe_each(1, |p, last| seen.push((p.to_vec(), last)));
        seen.sort();
        assert_eq!(seen, [(b"a".to_vec(), false), (b"b".to_vec(), true)]);
        assert_eq!(m.len(), 1);
        assert_eq!(m.try_remove(b"a", 2), Some(true));
        assert!(m.is_empty());
        m.tree.check();
    }

    #[test]
    fn remove_pipe_reports_orphaned_prefixes() {
        let mut m = MultiTrie::new();
        for (p, pipe) in [
            (&b"a"[..], 1u32),
            (b"ab", 1),
            (b"ab", 2),
            (b"abc", 1),
            (b"b", 1),
            (b"", 1),
            (b"c", 2),
        ] {
            m.add(p, pipe);
        }
        let mut lost = Vec::new();
        m.remove_pipe(1, |p| lost.push(p.to_vec()));
        lost.sort();
        assert_eq!(lost, [&b""[..], b"a", b"abc", b"b"]);
        m.tree.check();
        assert_eq!(m.len(), 2);
        assert_eq!(matched(&m, b"abcd"), [2]);
        assert_eq!(matched(&m, b"b"), [] as [u32; 0]);
        let mut lost = Vec::new();
        m.remove_pipe(1, |p| lost.push(p.to_vec()));
        assert!(lost.is_empty(), "already removed");
        m.remove_pipe(2, |p| lost.push(p.to_vec()));
        lost.sort();
        assert_eq!(lost, [&b"ab"[..], b"c"]);
        assert!(m.is_empty());
        m.tree.check();
        assert_eq!(m.memory(), MultiTrie::<u32>::new().memory());
    }

    #[test]
    fn memory_grows_and_shrinks_back() {
        let mut m = MultiTrie::new();
        let base = m.memory();
        let mut last = base;
        for i in 0..300u32 {
            let k = format!("t/{}/{}", i % 7, i % 50);
            m.add(k.as_bytes(), i);
            assert!(m.memory() > last);
            last = m.memory();
        }
        for i in (0..300u32).filter(|i| i % 2 == 0) {
            let k = format!("t/{}/{}", i % 7, i % 50);
            m.remove(k.as_bytes(), i);
        }
        assert!(m.memory() < last);
        for i in (0..300u32).filter(|i| i % 2 == 1) {
            m.remove_pipe(i, |_| {});
        }
        m.tree.check();
        assert!(m.is_empty());
        assert_eq!(m.memory(), base);
        m.add(&[b'z'; 5000], 1);
        assert!(m.memory() >= base + 5000);
        m.clear();
        assert_eq!(m.memory(), base);
    }

    #[test]
    fn differential_against_naive_model() {
        for seed in 1..=20u64 {
            let mut rng = Rng::new(seed.wrapping_mul(0xdead_beef_1234_5677));
            let mut m: MultiTrie<u32> = MultiTrie::new();
            let mut model: Vec<(Vec<u8>, BTreeSet<u32>)> = Vec::new();
            for step in 0..2_000 {
                let k = rng.key();
                let pipe = rng.below(6) as u32;
                match rng.below(20) {
                    0..=6 => {
                        let want = match model.iter_mut().find(|(p, _)| *p == k) {
                            Some((_, set)) => {
                                set.insert(pipe);
                                false
                            }
                            None => {
                                model.push((k.clone(), BTreeSet::from([pipe])));
                                true
                            }
                        };
                        assert_eq!(m.add(&k, pipe), want, "seed {seed} step {step}");
                    }
                    7..=11 => {
                        let mut want = false;
                        if let Some(i) = model.iter().position(|(p, _)| *p == k) {
                            if model[i].1.remove(&pipe) && model[i].1.is_empty() {
                                model.remove(i);
                                want = true;
                            }
                        }
                        assert_eq!(m.remove(&k, pipe), want, "seed {seed} step {step}");
                    }
                    12 => {
                        let mut want: Vec<Vec<u8>> = Vec::new();
                        model.retain_mut(|(p, set)| {
                            if set.remove(&pipe) && set.is_empty() {
                                want.push(p.clone());
                                false
                            } else {
                                true
                            }
                        });
                        let mut got = Vec::new();
                        m.remove_pipe(pipe, |p| got.push(p.to_vec()));
                        got.sort();
                        want.sort();
                        assert_eq!(got, want, "seed {seed} step {step}");
                        m.tree.check();
                    }
                    _ => {
                        let want: BTreeSet<u32> = model
                            .iter()
                            .filter(|(p, _)| k.starts_with(p))
                            .flat_map(|(_, set)| set.iter().copied())
                            .collect();
                        let mut got = Vec::new();
                        m.match_pipes(&k, |p| got.push(p));
                        let n = got.len();
                        got.sort_unstable();
                        got.dedup();
                        assert_eq!(got.len(), n, "a pipe reported twice");
                        assert_eq!(got, want.into_iter().collect::<Vec<_>>());
                    }
                }
                if step % 89 == 0 {
                    m.tree.check();
                    let mut all = Vec::new();
                    m.for_each(|p, pipes| all.push((p.to_vec(), pipes.to_vec())));
                    let mut want: Vec<(Vec<u8>, Vec<u32>)> = model
                        .iter()
                        .map(|(p, s)| (p.clone(), s.iter().copied().collect()))
                        .collect();
                    want.sort();
                    assert_eq!(all, want);
                }
                assert_eq!(m.len(), model.len());
            }
            for pipe in 0..6 {
                m.remove_pipe(pipe, |_| {});
            }
            m.tree.check();
            assert!(m.is_empty());
            assert_eq!(m.memory(), MultiTrie::<u32>::new().memory());
        }
    }

    #[test]
    fn huge_topic_and_deep_tree_without_recursion() {
        small_stack(|| {
            const MIB: usize = 1 << 20;
            const STRIDE: usize = 256;
            let topic: Vec<u8> = (0..MIB).map(|i| (i * 7 % 253) as u8).collect();
            let mut m: MultiTrie<u32> = MultiTrie::new();
            assert!(m.add(&topic, 0));
            assert_eq!(matched(&m, &topic), [0]);
            assert!(matched(&m, &topic[..MIB - 1]).is_empty());
            // A chain of 4096 nodes, each prefix subscribed by two pipes.
            for (n, len) in (STRIDE..MIB).step_by(STRIDE).enumerate() {
                let n = n as u32;
                assert!(m.add(&topic[..len], n % 3 + 1));
                assert!(!m.add(&topic[..len], n % 5 + 10));
            }
            m.tree.check();
            assert_eq!(matched(&m, &topic), [0, 1, 2, 3, 10, 11, 12, 13, 14]);
            assert_eq!(matched(&m, &topic[..STRIDE]), [1, 10]);
            // Orphan every prefix held only by pipe 0 and pipes 1..=3.
            let mut lost = 0;
            m.remove_pipe(0, |p| {
                assert_eq!(p.len(), MIB);
                lost += 1;
            });
            assert_eq!(lost, 1);
            for pipe in 1..=3 {
                m.remove_pipe(pipe, |_| lost += 1);
            }
            assert_eq!(lost, 1);
            m.tree.check();
            assert_eq!(matched(&m, &topic), [10, 11, 12, 13, 14]);
            // Removing pipes 10..=13 leaves every 5th prefix: the pruning
            // pass rebuilds a 1 MiB deep tree.
            for pipe in 10..=13 {
                m.remove_pipe(pipe, |_| lost += 1);
            }
            m.tree.check();
            assert_eq!(m.len(), MIB / STRIDE / 5);
            assert_eq!(matched(&m, &topic), [14]);
            drop(m);
        });
    }
}
