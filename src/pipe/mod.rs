//! Bounded single-producer single-consumer message queues between a socket
//! and a peer (another socket for inproc, an engine on an I/O thread
//! otherwise). Each end lives on one thread.
//!
//! The producer batches frames locally and publishes whole messages under a
//! lock once per flush; the consumer swaps out everything published under the
//! same lock once per batch. Limits are counted in messages (HWM) and bytes
//! (byte cap); a multipart message is admitted or refused as a whole, and an
//! empty queue always admits one message. A side is woken only when it said
//! it was sleeping (reader found the queue empty, writer found it full), so a
//! steady stream costs no wakeups.

use crate::msg::Msg;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// What a sleeping side is told.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PipeEvent {
    /// Messages arrived in a queue the reader had found empty.
    Readable,
    /// The reader made room in a queue the writer had found full.
    Writable,
    /// The other end went away.
    Closed,
    /// The writer's connection was re-established (state like subscriptions
    /// must be sent again).
    Hiccup,
}

/// Receives pipe events for one owner (a socket's mailbox, an I/O thread).
pub trait Wake: Send + Sync {
    fn wake(&self, key: u64, event: PipeEvent);
}

/// Who to wake, and the key that tells the owner which pipe it is.
#[derive(Clone)]
pub struct Notify {
    pub target: Arc<dyn Wake>,
    pub key: u64,
}

impl Notify {
    fn fire(&self, ev: PipeEvent) {
        self.target.wake(self.key, ev);
    }
}

/// Keeps what one side writes often off the cache line the other side
/// reads often, so a steady stream does not bounce lines between cores.
#[repr(align(64))]
struct Line<T>(T);

impl<T> std::ops::Deref for Line<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

struct Shared {
    state: Line<Mutex<State>>,
    /// Messages in flight allowed; 0 = unlimited.
    hwm: AtomicU64,
    /// Bytes in flight allowed; 0 = unlimited.
    byte_cap: AtomicU64,
    /// Keep only the newest message (ZMQ_CONFLATE).
    conflate: bool,
    /// Mirror of `State::writer_waiting`, read by the reader without the lock.
    writer_waiting: AtomicBool,
    /// Consumed so far, published by the reader on every read (no lock).
    progress: Line<Progress>,
}

struct Progress {
    read_msgs: AtomicU64,
    read_bytes: AtomicU64,
}

#[derive(Default)]
struct State {
    items: VecDeque<Msg>,
    reader_waiting: bool,
    writer_waiting: bool,
    writer_closed: bool,
    reader_closed: bool,
    reader: Option<Notify>,
    writer: Option<Notify>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Result of asking whether a message may be written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Room {
    Yes,
    Full,
    Closed,
}

/// The producing end of a queue.
pub struct Writer {
    shared: Arc<Shared>,
    batch: Vec<Msg>,
    /// Frames in `batch` that belong to complete messages.
    complete: usize,
    msgs_written: u64,
    bytes_written: u64,
    partial_bytes: u64,
    peer_read_msgs: u64,
    peer_read_bytes: u64,
    closed: bool,
    /// Found full; writable again only once the reader made half the limit
    /// free (the point where it wakes us), so POLLOUT and send agree.
    blocked: bool,
}

/// The consuming end of a queue.
pub struct Reader {
    shared: Arc<Shared>,
    local: VecDeque<Msg>,
    read_msgs: u64,
    read_bytes: u64,
    closed: bool,
    /// Consumed since the writer said it was waiting.
    progress_msgs: u64,
    progress_bytes: u64,
}

/// Makes one queue with its limits.
pub fn queue(hwm: u64, byte_cap: u64) -> (Writer, Reader) {
    queue_with(hwm, byte_cap, false)
}

/// Makes one queue; with `conflate` each message replaces the unread one.
pub fn queue_with(hwm: u64, byte_cap: u64, conflate: bool) -> (Writer, Reader) {
    let shared = Arc::new(Shared {
        state: Line(Mutex::new(State::default())),
        hwm: AtomicU64::new(hwm),
        byte_cap: AtomicU64::new(byte_cap),
        conflate,
        writer_waiting: AtomicBool::new(false),
        progress: Line(Progress {
            read_msgs: AtomicU64::new(0),
            read_bytes: AtomicU64::new(0),
        }),
    });
    (
        Writer {
            shared: shared.clone(),
            batch: Vec::new(),
            complete: 0,
            msgs_written: 0,
            bytes_written: 0,
            partial_bytes: 0,
            peer_read_msgs: 0,
            peer_read_bytes: 0,
            closed: false,
            blocked: false,
        },
        Reader {
            shared,
            local: VecDeque::new(),
            read_msgs: 0,
            read_bytes: 0,
            closed: false,
            progress_msgs: 0,
            progress_bytes: 0,
        },
    )
}

impl Writer {
    fn in_message(&self) -> bool {
        self.batch.len() > self.complete
    }

    fn over_limits(&self) -> bool {
        let msgs = self.msgs_written - self.peer_read_msgs;
        if msgs == 0 {
            return false; // an empty queue always admits one message
        }
        let hwm = self.shared.hwm.load(Ordering::Relaxed);
        let cap = self.shared.byte_cap.load(Ordering::Relaxed);
        (hwm > 0 && msgs >= hwm) || (cap > 0 && self.bytes_written - self.peer_read_bytes >= cap)
    }

    /// Whether a blocked writer may go on: the queue is empty, or the
    /// reader consumed at least half of each limit since it was full.
    fn resumable(&self) -> bool {
        let msgs = self.msgs_written - self.peer_read_msgs;
        if msgs == 0 {
            return true;
        }
        let bytes = self.bytes_written - self.peer_read_bytes;
        let hwm = self.shared.hwm.load(Ordering::Relaxed);
        let cap = self.shared.byte_cap.load(Ordering::Relaxed);
        (hwm == 0 || msgs + hwm.div_ceil(2) <= hwm) && (cap == 0 || bytes + cap.div_ceil(2) <= cap)
    }

    fn has_room(&self) -> bool {
        if self.blocked {
            self.resumable()
        } else {
            !self.over_limits()
        }
    }

    /// Whether the next frame may be written. Frames after the first of a
    /// message are always admitted, so messages stay whole.
    pub fn room(&mut self) -> Room {
        if self.closed {
            return Room::Closed;
        }
        if self.in_message() || self.shared.conflate {
            return Room::Yes;
        }
        if !self.blocked && !self.over_limits() {
            return Room::Yes;
        }
        self.refresh_peer_progress();
        if self.has_room() {
            self.blocked = false;
            return Room::Yes;
        }
        {
            let mut st = self.shared.lock();
            if st.reader_closed {
                self.closed = true;
                return Room::Closed;
            }
            st.writer_waiting = true;
            self.shared.writer_waiting.store(true, Ordering::SeqCst);
        }
        // The reader may have consumed between our look and the flag: look
        // again (it reads the flag after publishing, so one of us sees it).
        self.refresh_peer_progress();
        if self.has_room() {
            self.blocked = false;
            return Room::Yes;
        }
        self.blocked = true;
        Room::Full
    }

    fn refresh_peer_progress(&mut self) {
        // msgs is stored last and loaded first, so bytes is never newer
        // than msgs: at worst we see less room than there is.
        self.peer_read_msgs = self.shared.progress.read_msgs.load(Ordering::SeqCst);
        self.peer_read_bytes = self.shared.progress.read_bytes.load(Ordering::Acquire);
    }

    /// Appends a frame (call `room` first). Nothing is visible until `flush`.
    pub fn write(&mut self, msg: Msg) {
        let more = msg.more();
        // Introductions and other command frames don't count against limits.
        let counted = !msg.is_command();
        if counted {
            self.partial_bytes += msg.len() as u64;
        }
        self.batch.push(msg);
        if !more {
            if !counted {
                self.complete = self.batch.len();
                return;
            }
            self.msgs_written += 1;
            self.bytes_written += self.partial_bytes;
            self.partial_bytes = 0;
            self.complete = self.batch.len();
        }
    }

    /// Publishes every complete message; wakes the reader if it sleeps.
    pub fn flush(&mut self) {
        if self.complete == 0 {
            return;
        }
        let notify = {
            let mut st = self.shared.lock();
            if st.reader_closed {
                self.closed = true;
                drop(st);
                self.batch.drain(..self.complete);
                self.complete = 0;
                return;
            }
            if self.shared.conflate {
                // Only the newest whole message survives.
                let start = self.batch[..self.complete - 1]
                    .iter()
                    .rposition(|m| !m.more())
                    .map_or(0, |i| i + 1);
                st.items.clear();
                self.batch.drain(..start);
                self.complete -= start;
            }
            st.items.extend(self.batch.drain(..self.complete));
            if st.reader_waiting {
                st.reader_waiting = false;
                st.reader.clone()
            } else {
                None
            }
        };
        self.complete = 0;
        if let Some(n) = notify {
            n.fire(PipeEvent::Readable);
        }
    }

    /// Drops the frames of an unfinished message.
    pub fn rollback(&mut self) {
        self.batch.truncate(self.complete);
        self.partial_bytes = 0;
    }

    /// Whether a message is half written.
    pub fn is_mid_message(&self) -> bool {
        self.in_message()
    }

    /// Messages and bytes written but not yet consumed (as last seen).
    pub fn queued(&self) -> (u64, u64) {
        (
            self.msgs_written - self.peer_read_msgs,
            self.bytes_written - self.peer_read_bytes,
        )
    }

    pub fn set_hwm(&self, hwm: u64) {
        self.shared.hwm.store(hwm, Ordering::Relaxed);
    }

    /// Registers who is woken when room appears or the reader leaves.
    pub fn set_notify(&self, n: Option<Notify>) {
        self.shared.lock().writer = n;
    }

    /// Tells the reader's owner something happened on our side.
    pub fn signal_reader(&self, ev: PipeEvent) {
        let n = self.shared.lock().reader.clone();
        if let Some(n) = n {
            n.fire(ev);
        }
    }

    /// Whether the reader has gone away.
    pub fn is_closed(&mut self) -> bool {
        if !self.closed && self.shared.lock().reader_closed {
            self.closed = true;
        }
        self.closed
    }

    /// Ends the queue: complete messages stay readable, a partial one is dropped.
    pub fn close(&mut self) {
        if self.closed && self.batch.is_empty() {
            return;
        }
        self.rollback();
        self.flush();
        self.closed = true;
        let notify = {
            let mut st = self.shared.lock();
            if st.writer_closed {
                return;
            }
            st.writer_closed = true;
            st.reader.clone()
        };
        if let Some(n) = notify {
            n.fire(PipeEvent::Closed);
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.close();
    }
}

/// What a read found.
#[derive(Debug)]
pub enum Read {
    Msg(Msg),
    Empty,
    Closed,
}

impl Reader {
    /// Refills the local batch. Returns false when nothing is available.
    fn refill(&mut self) -> bool {
        let mut st = self.shared.lock();
        std::mem::swap(&mut self.local, &mut st.items);
        if self.local.is_empty() {
            st.reader_waiting = true;
            if st.writer_closed {
                self.closed = true;
            }
        }
        !self.local.is_empty()
    }

    /// Tells a waiting writer about our progress once we consumed half its
    /// limit (libzmq's low-water mark), so it is not woken per message.
    fn report_progress(&mut self, msgs: u64, bytes: u64) {
        self.progress_msgs += msgs;
        self.progress_bytes += bytes;
        let hwm = self.shared.hwm.load(Ordering::Relaxed);
        let cap = self.shared.byte_cap.load(Ordering::Relaxed);
        let enough = (hwm > 0 && self.progress_msgs >= hwm.div_ceil(2))
            || (cap > 0 && self.progress_bytes >= cap.div_ceil(2));
        if !enough {
            return;
        }
        let notify = {
            let mut st = self.shared.lock();
            if st.writer_waiting {
                st.writer_waiting = false;
                self.shared.writer_waiting.store(false, Ordering::Release);
                st.writer.clone()
            } else {
                None
            }
        };
        self.progress_msgs = 0;
        self.progress_bytes = 0;
        if let Some(n) = notify {
            n.fire(PipeEvent::Writable);
        }
    }

    /// CONFLATE: anything newer than what we hold replaces it.
    fn take_newest(&mut self) {
        let mut st = self.shared.lock();
        if !st.items.is_empty() {
            self.local = std::mem::take(&mut st.items);
        }
    }

    /// Takes the next frame.
    pub fn read(&mut self) -> Read {
        if self.shared.conflate {
            self.take_newest();
        }
        if self.local.is_empty() && !self.refill() {
            return if self.closed {
                Read::Closed
            } else {
                Read::Empty
            };
        }
        match self.local.pop_front() {
            Some(m) => {
                if !m.is_command() {
                    let whole = !m.more() as u64;
                    self.read_bytes += m.len() as u64;
                    self.read_msgs += whole;
                    // Progress is public at once (the writer's room check
                    // reads it), and the one SeqCst store pairs with the
                    // writer's SeqCst flag: one of us always sees the other.
                    self.shared
                        .progress
                        .read_bytes
                        .store(self.read_bytes, Ordering::Release);
                    if whole == 1 {
                        self.shared
                            .progress
                            .read_msgs
                            .store(self.read_msgs, Ordering::SeqCst);
                    }
                    if self.shared.writer_waiting.load(Ordering::SeqCst) {
                        self.report_progress(whole, m.len() as u64);
                    }
                }
                Read::Msg(m)
            }
            None => Read::Empty,
        }
    }

    /// Whether a frame is ready, without taking it.
    pub fn has_data(&mut self) -> bool {
        if self.shared.conflate {
            self.take_newest();
        }
        !self.local.is_empty() || self.refill()
    }

    /// The next frame, without taking it.
    pub fn peek(&mut self) -> Option<&Msg> {
        if self.has_data() {
            self.local.front()
        } else {
            None
        }
    }

    /// Whether the writer has gone and everything was read.
    pub fn is_finished(&mut self) -> bool {
        !self.has_data() && self.closed
    }

    pub fn set_hwm(&self, hwm: u64) {
        self.shared.hwm.store(hwm, Ordering::Relaxed);
    }

    /// Registers who is woken when messages arrive or the writer leaves.
    pub fn set_notify(&self, n: Option<Notify>) {
        self.shared.lock().reader = n;
    }

    /// Stops reading: queued messages are released and the writer told.
    pub fn close(&mut self) {
        self.local.clear();
        let (notify, dropped) = {
            let mut st = self.shared.lock();
            if st.reader_closed {
                return;
            }
            st.reader_closed = true;
            let dropped = std::mem::take(&mut st.items);
            (st.writer.clone(), dropped)
        };
        drop(dropped);
        if let Some(n) = notify {
            n.fire(PipeEvent::Closed);
        }
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        self.close();
    }
}

/// One side of a bidirectional pipe.
pub struct PipeEnd {
    pub out: Writer,
    pub inp: Reader,
}

impl PipeEnd {
    pub fn set_notify(&self, n: Option<Notify>) {
        self.out.set_notify(n.clone());
        self.inp.set_notify(n);
    }

    pub fn close(&mut self) {
        self.out.close();
        self.inp.close();
    }
}

/// Limits of one direction.
#[derive(Clone, Copy, Debug, Default)]
pub struct Limits {
    pub hwm: u64,
    pub byte_cap: u64,
    pub conflate: bool,
}

/// Two connected ends; `a_to_b` limits what `a` writes for `b`.
pub fn pipe_pair(a_to_b: Limits, b_to_a: Limits) -> (PipeEnd, PipeEnd) {
    let (aw, br) = queue_with(a_to_b.hwm, a_to_b.byte_cap, a_to_b.conflate);
    let (bw, ar) = queue_with(b_to_a.hwm, b_to_a.byte_cap, b_to_a.conflate);
    (PipeEnd { out: aw, inp: ar }, PipeEnd { out: bw, inp: br })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex as StdMutex;

    #[derive(Default)]
    struct Log(StdMutex<Vec<(u64, PipeEvent)>>);
    impl Wake for Log {
        fn wake(&self, key: u64, event: PipeEvent) {
            self.0.lock().unwrap().push((key, event));
        }
    }

    fn msg(n: usize, more: bool) -> Msg {
        let mut m = Msg::from_vec(vec![1; n]);
        m.set_more(more);
        m
    }

    #[test]
    fn hwm_counts_messages_not_frames() {
        let (mut w, mut r) = queue(2, 0);
        for _ in 0..2 {
            assert_eq!(w.room(), Room::Yes);
            w.write(msg(1, true));
            assert_eq!(w.room(), Room::Yes);
            w.write(msg(1, false));
            w.flush();
        }
        assert_eq!(w.room(), Room::Full);
        assert!(matches!(r.read(), Read::Msg(_)));
        assert!(matches!(r.read(), Read::Msg(_)));
        // Still full: the reader publishes progress when it refills.
        assert!(matches!(r.read(), Read::Msg(_)));
        assert!(matches!(r.read(), Read::Msg(_)));
        assert!(matches!(r.read(), Read::Empty));
        assert_eq!(w.room(), Room::Yes);
    }

    #[test]
    fn byte_cap_admits_one_when_empty() {
        let (mut w, mut r) = queue(0, 100);
        assert_eq!(w.room(), Room::Yes);
        w.write(msg(1000, false));
        w.flush();
        assert_eq!(w.room(), Room::Full);
        assert!(matches!(r.read(), Read::Msg(_)));
        assert!(matches!(r.read(), Read::Empty));
        assert_eq!(w.room(), Room::Yes);
    }

    #[test]
    fn wakes_only_sleepers() {
        let log = Arc::new(Log::default());
        let (mut w, mut r) = queue(1, 0);
        r.set_notify(Some(Notify {
            target: log.clone(),
            key: 1,
        }));
        w.set_notify(Some(Notify {
            target: log.clone(),
            key: 2,
        }));
        w.write(msg(3, false));
        w.flush();
        assert!(log.0.lock().unwrap().is_empty(), "reader never slept");
        assert!(matches!(r.read(), Read::Msg(_)));
        assert!(matches!(r.read(), Read::Empty)); // now asleep
        w.write(msg(3, false));
        w.flush();
        assert_eq!(
            log.0.lock().unwrap().as_slice(),
            &[(1, PipeEvent::Readable)]
        );
        assert_eq!(w.room(), Room::Full); // writer asleep
        assert!(matches!(r.read(), Read::Msg(_)));
        assert!(matches!(r.read(), Read::Empty));
        assert_eq!(
            log.0.lock().unwrap().last(),
            Some(&(2, PipeEvent::Writable))
        );
    }

    #[test]
    fn partial_message_never_visible_and_dropped_on_close() {
        let (mut w, mut r) = queue(0, 0);
        w.write(msg(1, false));
        w.write(msg(1, true));
        w.flush();
        assert!(matches!(r.read(), Read::Msg(_)));
        assert!(matches!(r.read(), Read::Empty));
        w.close();
        assert!(matches!(r.read(), Read::Closed));
    }

    #[test]
    fn blocked_writer_woken_at_low_water_mark() {
        let log = Arc::new(Log::default());
        let (mut w, mut r) = queue(4, 0);
        w.set_notify(Some(Notify {
            target: log.clone(),
            key: 5,
        }));
        for _ in 0..4 {
            assert_eq!(w.room(), Room::Yes);
            w.write(msg(1, false));
            w.flush();
        }
        assert_eq!(w.room(), Room::Full);
        assert!(matches!(r.read(), Read::Msg(_)));
        assert!(
            log.0.lock().unwrap().is_empty(),
            "woken before the low-water mark"
        );
        assert!(matches!(r.read(), Read::Msg(_)));
        assert_eq!(
            log.0.lock().unwrap().as_slice(),
            &[(5, PipeEvent::Writable)]
        );
        assert_eq!(w.room(), Room::Yes);
    }

    #[test]
    fn writer_sees_progress_made_before_it_looked() {
        let (mut w, mut r) = queue(2, 0);
        for _ in 0..2 {
            w.write(msg(1, false));
            w.flush();
        }
        assert!(matches!(r.read(), Read::Msg(_)));
        assert!(matches!(r.read(), Read::Msg(_)));
        assert_eq!(w.room(), Room::Yes);
    }

    #[test]
    fn conflate_keeps_newest() {
        let (mut w, mut r) = queue_with(1, 0, true);
        for i in 0..5u8 {
            assert_eq!(w.room(), Room::Yes);
            w.write(Msg::from_slice(&[i]));
            w.flush();
        }
        match r.read() {
            Read::Msg(m) => assert_eq!(m.data(), &[4]),
            other => panic!("{other:?}"),
        }
        assert!(matches!(r.read(), Read::Empty));
    }

    #[test]
    fn reader_close_tells_writer() {
        let log = Arc::new(Log::default());
        let (mut w, mut r) = queue(0, 0);
        w.set_notify(Some(Notify {
            target: log.clone(),
            key: 9,
        }));
        r.close();
        assert_eq!(log.0.lock().unwrap().as_slice(), &[(9, PipeEvent::Closed)]);
        assert!(w.is_closed());
        assert_eq!(w.room(), Room::Closed);
    }

    #[test]
    fn threads_move_everything_in_order() {
        let (mut w, mut r) = queue(10, 0);
        let t = std::thread::spawn(move || {
            let mut i = 0u32;
            while i < 10_000 {
                match w.room() {
                    Room::Yes => {
                        w.write(Msg::from_slice(&i.to_be_bytes()));
                        w.flush();
                        i += 1;
                    }
                    _ => std::thread::yield_now(),
                }
            }
        });
        let mut next = 0u32;
        while next < 10_000 {
            match r.read() {
                Read::Msg(m) => {
                    assert_eq!(m.data(), &next.to_be_bytes());
                    next += 1;
                }
                Read::Empty => std::thread::yield_now(),
                Read::Closed => break,
            }
        }
        t.join().unwrap();
        assert_eq!(next, 10_000);
    }
}
