//! The lock-free data path of a pipe: an unbounded single-producer
//! single-consumer queue of frames in a linked list of fixed-size chunks, in
//! the style of libzmq's ypipe. Limits (HWM, byte cap) are enforced above it.
//!
//! The producer writes frames into slots past the published position, then
//! publishes them all with one store of its frame count; the consumer takes
//! frames up to the published count it last loaded and loads it again only
//! when it runs dry. A chunk the consumer has emptied becomes the spare the
//! producer takes next, so a steady stream allocates nothing. Going to sleep
//! is a Dekker handshake on two SeqCst locations: the consumer raises
//! `asleep` and then looks at `published` again; the producer stores
//! `published` and then looks at `asleep`. In the single order of SeqCst
//! operations one of the two second looks comes after the other side's
//! store, so either the consumer sees the frames or the producer sees it
//! sleeping (and wakes it). The swap that clears `asleep` makes exactly one
//! producer call report it.
//!
//! Every `unsafe` of the pipe is in this file. The invariants they rely on:
//! - `Producer` and `Consumer` exist once per ring (not Clone), so the
//!   producer cursor and the consumer cursor each have one user at a time.
//! - Slots at sequence numbers in `[consumed, written)` hold an initialised
//!   `Msg`; every other slot of a live chunk is uninitialised. The producer
//!   only writes the slot at `written` (never visible to the consumer, which
//!   stops at `published <= written`); the consumer only reads slots below
//!   the `published` value it loaded with Acquire, which the producer never
//!   touches again.
//! - The chunk holding `written` always exists (the producer links the next
//!   chunk as soon as it fills the last slot, before publishing that slot),
//!   so the consumer moves to the next chunk as soon as it took the last slot
//!   of one. A chunk the consumer left holds no frame and is referenced by no
//!   cursor; it is handed to `spare` (or freed) by a swap, so it has one owner.
//! - Each handle leaves its cursor in `ends` when dropped; the ring is freed
//!   after both handles (it is behind an `Arc` they share), and then drops
//!   the frames between the two cursors and frees every chunk exactly once.
//!   (A handle that was leaked leaves no cursor: the ring then leaks too,
//!   which is safe.)

use crate::msg::Msg;
use std::cell::UnsafeCell;
use std::mem::MaybeUninit;
use std::ptr::{self, NonNull};
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Frames per chunk (libzmq's message_pipe_granularity is 256): 16 KiB.
#[cfg(not(miri))]
pub(super) const CHUNK: usize = 256;
/// Small chunks under miri, so tests cross chunk boundaries often.
#[cfg(miri)]
pub(super) const CHUNK: usize = 4;

/// One frame's place, a cache line of its own: the producer filling the
/// next slot never takes the line of the one the consumer is reading.
#[repr(align(64))]
struct Slot(UnsafeCell<MaybeUninit<Msg>>);

struct Chunk {
    slots: [Slot; CHUNK],
    /// The chunk after this one, set by the producer before it publishes
    /// any frame of it; null in the last chunk and in the spare.
    next: AtomicPtr<Chunk>,
}

fn new_chunk() -> NonNull<Chunk> {
    let chunk = Box::new(Chunk {
        slots: [const { Slot(UnsafeCell::new(MaybeUninit::uninit())) }; CHUNK],
        next: AtomicPtr::new(ptr::null_mut()),
    });
    NonNull::from(Box::leak(chunk))
}

/// Frees a chunk that holds no initialised frame and that nothing else
/// references (see the callers).
fn free_chunk(chunk: NonNull<Chunk>) {
    // SAFETY: every chunk comes from `Box::leak` in `new_chunk`; the callers
    // own `chunk` exclusively (they unlinked it, took it from `spare` by a
    // swap, or run in the ring's drop) and its slots are all uninitialised
    // (MaybeUninit drops nothing), so freeing it once here is sound.
    drop(unsafe { Box::from_raw(chunk.as_ptr()) });
}

/// A position in the ring: the chunk and slot of sequence number `seq`.
#[derive(Clone, Copy)]
struct Cursor {
    chunk: NonNull<Chunk>,
    idx: usize,
    seq: usize,
}

// SAFETY: a cursor is a position, not a reference with thread affinity: the
// chunk it points to is owned by the ring (which is Send + Sync through this),
// and the frames in it are `Msg`, which is Send. Who may use a cursor is
// governed by the single Producer/Consumer handle that holds it.
unsafe impl Send for Cursor {}
// SAFETY: shared access to a cursor only copies its fields or computes
// pointers; every dereference of a slot happens in a `&mut self` method of
// the one handle that owns the cursor, so `&Producer`/`&Consumer` on several
// threads can't race (this keeps Writer and Reader Sync, as they were).
unsafe impl Sync for Cursor {}

impl Cursor {
    fn chunk(&self) -> &Chunk {
        // SAFETY: a cursor's chunk is live: it is in the ring's list (the
        // producer's current chunk, or the consumer's, which is only freed
        // after the consumer left it) until the ring's drop.
        unsafe { self.chunk.as_ref() }
    }

    fn slot(&self) -> *mut MaybeUninit<Msg> {
        self.chunk().slots[self.idx].0.get()
    }
}

/// What the producer stores on every flush and the consumer reads when it
/// runs dry; on its own cache line.
#[repr(align(64))]
struct Handshake {
    /// Frames published so far (wrapping count).
    published: AtomicUsize,
    /// The consumer found nothing and is about to sleep.
    asleep: AtomicBool,
}

#[repr(align(64))]
struct Spare(AtomicPtr<Chunk>);

#[derive(Default)]
struct Ends {
    producer: Option<Cursor>,
    consumer: Option<Cursor>,
}

struct Ring {
    hs: Handshake,
    /// One emptied chunk kept for the producer (null if none).
    spare: Spare,
    /// Where each handle stopped, left by its drop.
    ends: Mutex<Ends>,
}

fn lock_ends(ring: &Ring) -> std::sync::MutexGuard<'_, Ends> {
    ring.ends.lock().unwrap_or_else(|e| e.into_inner())
}

impl Drop for Ring {
    fn drop(&mut self) {
        let ends = self.ends.get_mut().unwrap_or_else(|e| e.into_inner());
        if let (Some(mut at), Some(end)) = (ends.consumer, ends.producer) {
            while at.seq != end.seq {
                // SAFETY: both handles are gone (we have &mut self), and
                // slots in [consumed, written) hold initialised frames that
                // nobody else will read: each is dropped exactly once here.
                unsafe { ptr::drop_in_place((*at.slot()).as_mut_ptr()) };
                at.seq = at.seq.wrapping_add(1);
                at.idx += 1;
                if at.idx == CHUNK {
                    let next = at.chunk().next.load(Ordering::Relaxed);
                    free_chunk(at.chunk);
                    // Never null: the producer links a chunk before it
                    // writes past the end of the previous one.
                    let Some(next) = NonNull::new(next) else {
                        return;
                    };
                    at.chunk = next;
                    at.idx = 0;
                }
            }
            // From the consumer's chunk (now the producer's) to the end.
            let mut chunk = Some(at.chunk);
            while let Some(c) = chunk {
                // SAFETY: as in Cursor::chunk: still linked and live.
                chunk = NonNull::new(unsafe { c.as_ref() }.next.load(Ordering::Relaxed));
                free_chunk(c);
            }
        }
        if let Some(spare) = NonNull::new(*self.spare.0.get_mut()) {
            free_chunk(spare);
        }
    }
}

/// Makes an empty ring and its two handles.
pub(super) fn ring() -> (Producer, Consumer) {
    let first = new_chunk();
    let ring = Arc::new(Ring {
        hs: Handshake {
            published: AtomicUsize::new(0),
            asleep: AtomicBool::new(false),
        },
        spare: Spare(AtomicPtr::new(ptr::null_mut())),
        ends: Mutex::new(Ends::default()),
    });
    let start = Cursor {
        chunk: first,
        idx: 0,
        seq: 0,
    };
    (
        Producer {
            ring: ring.clone(),
            at: start,
            published: 0,
        },
        Consumer {
            ring,
            at: start,
            avail: 0,
        },
    )
}

/// The writing end: one per ring.
pub(super) struct Producer {
    ring: Arc<Ring>,
    /// Where the next frame goes (`seq` = frames written).
    at: Cursor,
    /// The last count this producer published.
    published: usize,
}

impl Producer {
    /// Appends a frame; the consumer sees it after the next `publish`.
    #[inline]
    pub(super) fn push(&mut self, msg: Msg) {
        // SAFETY: the slot at `written` is uninitialised (never written, or
        // its frame was taken before the chunk was recycled) and the
        // consumer does not look at it before we publish past it.
        unsafe { (*self.at.slot()).write(msg) };
        self.at.seq = self.at.seq.wrapping_add(1);
        self.at.idx += 1;
        if self.at.idx == CHUNK {
            self.next_chunk();
        }
    }

    #[cold]
    fn next_chunk(&mut self) {
        let chunk = match NonNull::new(self.ring.spare.0.swap(ptr::null_mut(), Ordering::AcqRel)) {
            // Acquire: the consumer's last reads of it happened before.
            Some(c) => c,
            None => new_chunk(),
        };
        // Release (and the Release of the publish that follows): the
        // consumer sees the link before it can reach the end of this chunk.
        self.at
            .chunk()
            .next
            .store(chunk.as_ptr(), Ordering::Release);
        self.at.chunk = chunk;
        self.at.idx = 0;
    }

    /// Whether frames were pushed since the last publish.
    #[inline]
    pub(super) fn pending(&self) -> bool {
        self.published != self.at.seq
    }

    /// Publishes every pushed frame. Returns true when the consumer had
    /// gone to sleep (it is told once: the flag is cleared here).
    #[inline]
    pub(super) fn publish(&mut self) -> bool {
        self.published = self.at.seq;
        let hs = &self.ring.hs;
        hs.published.store(self.at.seq, Ordering::SeqCst);
        // Plain load first: the swap would take the line from the reader.
        hs.asleep.load(Ordering::SeqCst) && hs.asleep.swap(false, Ordering::SeqCst)
    }
}

impl Drop for Producer {
    fn drop(&mut self) {
        lock_ends(&self.ring).producer = Some(self.at);
    }
}

/// The reading end: one per ring.
pub(super) struct Consumer {
    ring: Arc<Ring>,
    /// The next frame to take (`seq` = frames consumed).
    at: Cursor,
    /// The published count last loaded.
    avail: usize,
}

impl Consumer {
    /// Whether a published frame is waiting, loading the published count
    /// only when the last one is used up.
    #[inline]
    fn ready(&mut self) -> bool {
        if self.at.seq != self.avail {
            return true;
        }
        self.avail = self.ring.hs.published.load(Ordering::Acquire);
        self.at.seq != self.avail
    }

    /// The next published frame, without taking it.
    #[inline]
    pub(super) fn front(&mut self) -> Option<&Msg> {
        if !self.ready() {
            return None;
        }
        // SAFETY: seq < avail, a count loaded with Acquire after the
        // producer initialised the slot, which it won't touch again; the
        // borrow of self keeps us from taking the frame while it is lent.
        Some(unsafe { (*self.at.slot()).assume_init_ref() })
    }

    /// Takes the next published frame.
    #[inline]
    pub(super) fn pop(&mut self) -> Option<Msg> {
        if !self.ready() {
            return None;
        }
        // SAFETY: as in `front`; the frame is moved out once and the slot
        // counts as uninitialised from here on (we advance past it).
        let msg = unsafe { (*self.at.slot()).assume_init_read() };
        self.at.seq = self.at.seq.wrapping_add(1);
        self.at.idx += 1;
        if self.at.idx == CHUNK {
            self.leave_chunk();
        }
        Some(msg)
    }

    #[cold]
    fn leave_chunk(&mut self) {
        let old = self.at.chunk;
        // We took the chunk's last frame, so the producer had written past
        // it, so it had linked the next chunk before publishing what we read
        // (Acquire on `published`, Release on the link).
        let next = self.at.chunk().next.load(Ordering::Acquire);
        self.at.chunk = NonNull::new(next).expect("ring chunk list broken");
        self.at.idx = 0;
        // No cursor points into `old` and all its frames were taken: it is
        // ours. Keep it as the spare (Release: our reads of its slots happen
        // before the producer's writes), freeing an older spare.
        // SAFETY: as in Cursor::chunk; nobody else references `old` now.
        unsafe { old.as_ref() }
            .next
            .store(ptr::null_mut(), Ordering::Relaxed);
        let prev = self.ring.spare.0.swap(old.as_ptr(), Ordering::AcqRel);
        if let Some(prev) = NonNull::new(prev) {
            free_chunk(prev);
        }
    }

    /// Called after finding nothing: says we sleep, then looks once more.
    /// Returns true if frames arrived after all (and we don't sleep).
    pub(super) fn sleep(&mut self) -> bool {
        let hs = &self.ring.hs;
        hs.asleep.store(true, Ordering::SeqCst);
        self.avail = hs.published.load(Ordering::SeqCst);
        if self.at.seq != self.avail {
            hs.asleep.store(false, Ordering::SeqCst);
            return true;
        }
        false
    }

    /// Withdraws a `sleep` (the consumer leaves for good).
    pub(super) fn wake(&mut self) {
        self.ring.hs.asleep.store(false, Ordering::SeqCst);
    }
}

impl Drop for Consumer {
    fn drop(&mut self) {
        lock_ends(&self.ring).consumer = Some(self.at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crosses_chunks_and_recycles() {
        let (mut p, mut c) = ring();
        let mut next = 0u32;
        for round in 0..10u32 {
            for i in 0..(CHUNK as u32 + round * 3) {
                p.push(Msg::from_slice(&(round * 10_000 + i).to_be_bytes()));
            }
            assert!(c.pop().is_none(), "nothing before publish");
            assert!(!p.publish());
            for i in 0..(CHUNK as u32 + round * 3) {
                let m = c.pop().unwrap();
                assert_eq!(m.data(), &(round * 10_000 + i).to_be_bytes());
                next += 1;
            }
            assert!(c.pop().is_none());
        }
        assert!(next > 0);
    }

    #[test]
    fn sleep_handshake() {
        let (mut p, mut c) = ring();
        assert!(c.front().is_none());
        assert!(!c.sleep());
        p.push(Msg::from_slice(b"x"));
        assert!(p.publish(), "consumer was asleep");
        assert!(!p.publish(), "told once");
        assert_eq!(c.front().map(|m| m.data().to_vec()), Some(b"x".to_vec()));
        assert!(c.pop().is_some());
        // Frames published between the first look and the sleep are seen.
        assert!(c.pop().is_none());
        p.push(Msg::from_slice(b"y"));
        p.publish();
        assert!(c.sleep());
        assert!(!p.publish(), "the consumer withdrew its sleep");
        assert!(c.pop().is_some());
    }

    /// A body that counts its drops.
    struct Counted(std::sync::Arc<AtomicUsize>);
    impl AsRef<[u8]> for Counted {
        fn as_ref(&self) -> &[u8] {
            b"a body long enough not to be kept inline in the message"
        }
    }
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn counted(n: &std::sync::Arc<AtomicUsize>) -> Msg {
        Msg::from_bytes(bytes::Bytes::from_owner(Counted(n.clone())))
    }

    #[test]
    fn drop_frees_unread_and_unpublished_frames() {
        let freed = std::sync::Arc::new(AtomicUsize::new(0));
        let total = 3 * CHUNK + 1;
        let (mut p, mut c) = ring();
        for i in 0..total {
            p.push(counted(&freed));
            if i == CHUNK + 2 {
                p.publish();
            }
        }
        for _ in 0..CHUNK {
            drop(c.pop().unwrap());
        }
        drop(c);
        assert_eq!(freed.load(Ordering::SeqCst), CHUNK);
        drop(p);
        assert_eq!(freed.load(Ordering::SeqCst), total);
    }

    #[test]
    fn drop_in_either_order_frees_everything() {
        for producer_first in [false, true] {
            let freed = std::sync::Arc::new(AtomicUsize::new(0));
            let (mut p, mut c) = ring();
            for _ in 0..(2 * CHUNK + 3) {
                p.push(counted(&freed));
            }
            p.publish();
            for _ in 0..(CHUNK + 1) {
                drop(c.pop().unwrap());
            }
            p.push(counted(&freed));
            if producer_first {
                drop(p);
                drop(c);
            } else {
                drop(c);
                drop(p);
            }
            assert_eq!(freed.load(Ordering::SeqCst), 2 * CHUNK + 4);
        }
    }
}
