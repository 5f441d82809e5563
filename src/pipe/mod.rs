//! Bounded single-producer single-consumer message queues between a socket
//! and a peer (another socket for inproc, an engine on an I/O thread
//! otherwise). Each end lives on one thread.
//!
//! The data path is lock-free (`ring`): the producer writes complete
//! messages into a chunked queue and publishes them with one store per
//! flush; the consumer takes frames up to the published position and looks
//! at it again only when it runs dry. Limits are counted in messages (HWM)
//! and bytes (byte cap); a multipart message is admitted or refused as a
//! whole (its frames wait in the writer until the last one), and an empty
//! queue always admits one message. A side is woken only when it said it
//! was sleeping (reader found the queue empty, writer found it full), so a
//! steady stream costs no wakeups. CONFLATE queues, where the writer must
//! drop what the reader has not taken, keep a small locked buffer instead.

mod ring;
#[cfg(test)]
mod stress;

use crate::msg::Msg;
use ring::{Consumer, Producer};
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

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

struct Shared {
    /// Written by the reader on every read.
    progress: Line<Progress>,
    /// Written by the writer on every publish, read only for statistics.
    written: Line<Written>,
    /// Read often by both sides, written rarely.
    config: Line<Config>,
    /// Who to wake on each side (touched on wakeups and registration only).
    reader: Mutex<Option<Notify>>,
    writer: Mutex<Option<Notify>>,
    /// The consumer handle a closed reader leaves for the writer, which
    /// drops whatever it publishes afterwards.
    orphan: Mutex<Option<Consumer>>,
    /// CONFLATE only: the newest message.
    conflated: Mutex<Conflated>,
}

/// Consumed so far, published by the reader on every read (no lock).
struct Progress {
    read_msgs: AtomicU64,
    read_bytes: AtomicU64,
    /// The writer found the queue full and waits for the low-water mark.
    writer_waiting: AtomicBool,
}

/// Published so far (whole messages and their bytes), for the reader's
/// statistics; Relaxed, as nothing synchronises through it.
#[derive(Default)]
struct Written {
    msgs: AtomicU64,
    bytes: AtomicU64,
}

struct Config {
    /// Messages in flight allowed; 0 = unlimited.
    hwm: AtomicU64,
    /// Bytes in flight allowed; 0 = unlimited.
    byte_cap: AtomicU64,
    /// Keep only the newest message (ZMQ_CONFLATE).
    conflate: bool,
    /// Set (SeqCst) after the writer's last publish.
    writer_closed: AtomicBool,
    /// Set (SeqCst) after the reader's last take; the reader's consumer is
    /// in `orphan` by then.
    reader_closed: AtomicBool,
    /// The writer gave up on the reader (a stalled peer was evicted): what
    /// is queued need not be delivered.
    aborted: AtomicBool,
}

#[derive(Default)]
struct Conflated {
    items: VecDeque<Msg>,
    reader_waiting: bool,
}

impl Shared {
    /// Fires under the slot's lock (no Arc clone per wakeup): a wake only
    /// queues a mailbox command and never touches a pipe's slots.
    fn notify(slot: &Mutex<Option<Notify>>, ev: PipeEvent) {
        if let Some(n) = &*lock(slot) {
            n.fire(ev);
        }
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
    /// The lock-free queue (None with CONFLATE).
    prod: Option<Producer>,
    /// Frames of the message being written (complete messages go straight
    /// to the queue); with CONFLATE, every unflushed frame.
    batch: Vec<Msg>,
    /// CONFLATE: frames in `batch` that belong to complete messages.
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
    /// The closed reader's consumer, to drop what we publish.
    sink: Option<Consumer>,
}

/// The consuming end of a queue.
pub struct Reader {
    shared: Arc<Shared>,
    /// The lock-free queue (None with CONFLATE, and once closed).
    cons: Option<Consumer>,
    /// CONFLATE: the message being read.
    local: VecDeque<Msg>,
    conflate: bool,
    read_msgs: u64,
    read_bytes: u64,
    /// The writer is gone and everything it published was read.
    closed: bool,
    /// We closed.
    gone: bool,
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
        progress: Line(Progress {
            read_msgs: AtomicU64::new(0),
            read_bytes: AtomicU64::new(0),
            writer_waiting: AtomicBool::new(false),
        }),
        written: Line(Written::default()),
        config: Line(Config {
            hwm: AtomicU64::new(hwm),
            byte_cap: AtomicU64::new(byte_cap),
            conflate,
            writer_closed: AtomicBool::new(false),
            aborted: AtomicBool::new(false),
            reader_closed: AtomicBool::new(false),
        }),
        reader: Mutex::new(None),
        writer: Mutex::new(None),
        orphan: Mutex::new(None),
        conflated: Mutex::new(Conflated::default()),
    });
    let (prod, cons) = if conflate {
        (None, None)
    } else {
        let (p, c) = ring::ring();
        (Some(p), Some(c))
    };
    (
        Writer {
            shared: shared.clone(),
            prod,
            batch: Vec::new(),
            complete: 0,
            msgs_written: 0,
            bytes_written: 0,
            partial_bytes: 0,
            peer_read_msgs: 0,
            peer_read_bytes: 0,
            closed: false,
            blocked: false,
            sink: None,
        },
        Reader {
            shared,
            cons,
            local: VecDeque::new(),
            conflate,
            read_msgs: 0,
            read_bytes: 0,
            closed: false,
            gone: false,
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
        if self.msgs_written == self.peer_read_msgs {
            return false; // an empty queue always admits one message
        }
        let hwm = self.shared.config.hwm.load(Ordering::Relaxed);
        let cap = self.shared.config.byte_cap.load(Ordering::Relaxed);
        // The reader's progress counts in whole steps of the low-water mark,
        // as libzmq's writer hears of it: a writer racing its reader admits
        // no more than HWM messages past the last step (libzmq's count,
        // which test_proxy_hwm and friends rely on).
        let step = hwm.div_ceil(2).max(1);
        let msgs = self.msgs_written - (self.peer_read_msgs - self.peer_read_msgs % step);
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
        let hwm = self.shared.config.hwm.load(Ordering::Relaxed);
        let cap = self.shared.config.byte_cap.load(Ordering::Relaxed);
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
        if self.in_message() || self.shared.config.conflate {
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
        if self.reader_gone() {
            return Room::Closed;
        }
        // Paired with the reader's SeqCst progress store and flag load.
        self.shared
            .progress
            .writer_waiting
            .store(true, Ordering::SeqCst);
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
        // msgs is stored last and loaded first, so the bytes seen include
        // every message counted. Both loads are SeqCst: each pairs with the
        // reader's SeqCst store of that counter (see Reader::account).
        let p = &self.shared.progress;
        self.peer_read_msgs = p.read_msgs.load(Ordering::SeqCst);
        self.peer_read_bytes = p.read_bytes.load(Ordering::SeqCst);
    }

    /// Whether the reader closed; if so, from now on nothing is published
    /// and what was is dropped.
    fn reader_gone(&mut self) -> bool {
        if !self.shared.config.reader_closed.load(Ordering::Acquire) {
            return false;
        }
        self.closed = true;
        self.discard();
        true
    }

    /// Drops every complete message written (the reader is gone). Whatever
    /// it published after the reader's last look is taken by us: the reader
    /// left its consumer behind before saying it closed.
    fn discard(&mut self) {
        if self.prod.is_none() {
            self.batch.drain(..self.complete);
            self.complete = 0;
            return;
        }
        if self.sink.is_none() {
            self.sink = lock(&self.shared.orphan).take();
        }
        if let Some(p) = &mut self.prod {
            if p.pending() {
                p.publish();
            }
        }
        if let Some(c) = &mut self.sink {
            while c.pop().is_some() {}
        }
    }

    /// Appends a frame (call `room` first). Nothing is visible until `flush`.
    pub fn write(&mut self, msg: Msg) {
        let more = msg.more();
        // Introductions and other command frames don't count against limits.
        let counted = !msg.is_command();
        if counted {
            self.partial_bytes += msg.len() as u64;
            if !more {
                self.msgs_written += 1;
                self.bytes_written += self.partial_bytes;
                self.partial_bytes = 0;
            }
        }
        match &mut self.prod {
            Some(p) => {
                if more {
                    self.batch.push(msg);
                } else {
                    if !self.batch.is_empty() {
                        for frame in self.batch.drain(..) {
                            p.push(frame);
                        }
                    }
                    p.push(msg);
                }
            }
            None => {
                self.batch.push(msg);
                if !more {
                    self.complete = self.batch.len();
                }
            }
        }
    }

    /// Publishes every complete message; wakes the reader if it sleeps.
    pub fn flush(&mut self) {
        let Some(p) = &mut self.prod else {
            return self.flush_conflated();
        };
        if !p.pending() {
            return;
        }
        if self.shared.config.reader_closed.load(Ordering::Acquire) {
            self.closed = true;
            self.discard();
            return;
        }
        let asleep = p.publish();
        let w = &self.shared.written;
        w.msgs.store(self.msgs_written, Ordering::Relaxed);
        w.bytes.store(self.bytes_written, Ordering::Relaxed);
        if asleep {
            Shared::notify(&self.shared.reader, PipeEvent::Readable);
        }
    }

    fn flush_conflated(&mut self) {
        if self.complete == 0 {
            return;
        }
        let notify = {
            let mut st = lock(&self.shared.conflated);
            if self.shared.config.reader_closed.load(Ordering::Acquire) {
                self.closed = true;
                drop(st);
                self.discard();
                return;
            }
            // Only the newest whole message survives.
            let start = self.batch[..self.complete - 1]
                .iter()
                .rposition(|m| !m.more())
                .map_or(0, |i| i + 1);
            st.items.clear();
            self.batch.drain(..start);
            self.complete -= start;
            st.items.extend(self.batch.drain(..self.complete));
            std::mem::take(&mut st.reader_waiting)
        };
        self.complete = 0;
        if notify {
            Shared::notify(&self.shared.reader, PipeEvent::Readable);
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

    /// Says the reader need not deliver what is queued (before `close`).
    pub fn abort(&self) {
        self.shared.config.aborted.store(true, Ordering::Release);
    }

    /// As `queued`, with the reader's progress loaded now.
    pub fn queued_now(&mut self) -> (u64, u64) {
        self.refresh_peer_progress();
        self.queued()
    }

    pub fn set_hwm(&self, hwm: u64) {
        self.shared.config.hwm.store(hwm, Ordering::Relaxed);
    }

    /// Changes the byte cap (0 = none); a budget sets each pipe's share.
    pub fn set_byte_cap(&self, cap: u64) {
        self.shared.config.byte_cap.store(cap, Ordering::Relaxed);
    }

    /// Bytes written and not yet read, a message still being written
    /// included, and whether there is such a message.
    pub fn unread(&mut self) -> (u64, bool) {
        (self.queued_now().1 + self.partial_bytes, self.in_message())
    }

    /// Registers who is woken when room appears or the reader leaves.
    pub fn set_notify(&self, n: Option<Notify>) {
        *lock(&self.shared.writer) = n;
    }

    /// Tells the reader's owner something happened on our side.
    pub fn signal_reader(&self, ev: PipeEvent) {
        Shared::notify(&self.shared.reader, ev);
    }

    /// Whether the reader has gone away.
    pub fn is_closed(&mut self) -> bool {
        if !self.closed {
            self.reader_gone();
        }
        self.closed
    }

    /// Ends the queue: complete messages stay readable, a partial one is dropped.
    pub fn close(&mut self) {
        let unflushed = !self.batch.is_empty() || self.prod.as_ref().is_some_and(|p| p.pending());
        if self.closed && !unflushed {
            return;
        }
        self.rollback();
        self.flush();
        self.closed = true;
        // After the last publish: a reader that sees it sees everything.
        if self
            .shared
            .config
            .writer_closed
            .swap(true, Ordering::SeqCst)
        {
            return;
        }
        Shared::notify(&self.shared.reader, PipeEvent::Closed);
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

/// The reader found nothing: says it sleeps (so the next publish wakes it)
/// and looks once more. Returns true if something arrived after all; sets
/// `closed` when the writer is gone and everything was read.
fn run_dry(cons: &mut Consumer, shared: &Shared, closed: &mut bool) -> bool {
    if cons.sleep() {
        return true;
    }
    // The writer publishes everything before it says it closed.
    if shared.config.writer_closed.load(Ordering::SeqCst) {
        if cons.front().is_some() {
            return true;
        }
        *closed = true;
    }
    false
}

impl Reader {
    /// CONFLATE: refills the local batch. Returns false when nothing is available.
    fn refill(&mut self) -> bool {
        let mut st = lock(&self.shared.conflated);
        std::mem::swap(&mut self.local, &mut st.items);
        if self.local.is_empty() {
            st.reader_waiting = true;
            if self.shared.config.writer_closed.load(Ordering::SeqCst) {
                self.closed = true;
            }
        }
        !self.local.is_empty()
    }

    /// The reader is gone: nothing more comes.
    fn after_close(&mut self) -> bool {
        if self.shared.config.writer_closed.load(Ordering::SeqCst) {
            self.closed = true;
        }
        false
    }

    /// Tells a waiting writer about our progress once we consumed half its
    /// limit (libzmq's low-water mark), so it is not woken per message.
    fn report_progress(&mut self, msgs: u64, bytes: u64) {
        self.progress_msgs += msgs;
        self.progress_bytes += bytes;
        let hwm = self.shared.config.hwm.load(Ordering::Relaxed);
        let cap = self.shared.config.byte_cap.load(Ordering::Relaxed);
        let enough = (hwm > 0 && self.progress_msgs >= hwm.div_ceil(2))
            || (cap > 0 && self.progress_bytes >= cap.div_ceil(2));
        if !enough {
            return;
        }
        self.progress_msgs = 0;
        self.progress_bytes = 0;
        if self
            .shared
            .progress
            .writer_waiting
            .swap(false, Ordering::SeqCst)
        {
            Shared::notify(&self.shared.writer, PipeEvent::Writable);
        }
    }

    /// CONFLATE: anything newer than what we hold replaces it.
    fn take_newest(&mut self) {
        let mut st = lock(&self.shared.conflated);
        if !st.items.is_empty() {
            self.local = std::mem::take(&mut st.items);
        }
    }

    /// Counts a frame taken, publishes progress, maybe wakes the writer.
    #[inline]
    fn account(&mut self, m: &Msg) {
        if m.is_command() {
            return;
        }
        let whole = !m.more() as u64;
        let len = m.len() as u64;
        self.read_bytes += len;
        self.read_msgs += whole;
        // Progress is public at once (the writer's room check reads it),
        // and one SeqCst store per frame pairs with the writer's SeqCst flag
        // and loads: either the writer sees this frame consumed, or we see
        // the flag and count the frame towards waking it. For a message's
        // last frame that is the message count (the bytes before it travel
        // with it); inside a message, the bytes.
        let p = &self.shared.progress;
        if whole == 1 {
            p.read_bytes.store(self.read_bytes, Ordering::Release);
            p.read_msgs.store(self.read_msgs, Ordering::SeqCst);
        } else {
            p.read_bytes.store(self.read_bytes, Ordering::SeqCst);
        }
        if p.writer_waiting.load(Ordering::SeqCst) {
            self.report_progress(whole, len);
        }
    }

    /// Takes the next frame.
    pub fn read(&mut self) -> Read {
        let m = match &mut self.cons {
            Some(c) => match c.pop() {
                Some(m) => m,
                None => {
                    if !run_dry(c, &self.shared, &mut self.closed) {
                        return self.nothing();
                    }
                    match c.pop() {
                        Some(m) => m,
                        None => return self.nothing(),
                    }
                }
            },
            None if self.conflate => {
                self.take_newest();
                if self.local.is_empty() && !self.refill() {
                    return self.nothing();
                }
                match self.local.pop_front() {
                    Some(m) => m,
                    None => return Read::Empty,
                }
            }
            None => {
                self.after_close();
                return self.nothing();
            }
        };
        self.account(&m);
        Read::Msg(m)
    }

    fn nothing(&self) -> Read {
        if self.closed {
            Read::Closed
        } else {
            Read::Empty
        }
    }

    /// Whether a frame is ready, without taking it.
    pub fn has_data(&mut self) -> bool {
        match &mut self.cons {
            Some(c) => c.front().is_some() || run_dry(c, &self.shared, &mut self.closed),
            None if self.conflate => {
                self.take_newest();
                !self.local.is_empty() || self.refill()
            }
            None => self.after_close(),
        }
    }

    /// The next frame, without taking it.
    pub fn peek(&mut self) -> Option<&Msg> {
        if !self.has_data() {
            return None;
        }
        match &mut self.cons {
            Some(c) => c.front(),
            None => self.local.front(),
        }
    }

    /// Whether the writer aborted: drop what is queued rather than deliver.
    pub fn is_aborted(&self) -> bool {
        self.shared.config.aborted.load(Ordering::Acquire)
    }

    /// Whether the writer has gone and everything was read.
    pub fn is_finished(&mut self) -> bool {
        !self.has_data() && self.closed
    }

    /// Whole messages and their bytes published but not yet read (CONFLATE
    /// pipes report 0: they hold at most one message).
    pub fn queued(&self) -> (u64, u64) {
        let w = &self.shared.written;
        (
            w.msgs
                .load(Ordering::Relaxed)
                .saturating_sub(self.read_msgs),
            w.bytes
                .load(Ordering::Relaxed)
                .saturating_sub(self.read_bytes),
        )
    }

    pub fn set_hwm(&self, hwm: u64) {
        self.shared.config.hwm.store(hwm, Ordering::Relaxed);
    }

    /// Changes the byte cap (0 = none); a budget sets each pipe's share.
    pub fn set_byte_cap(&self, cap: u64) {
        self.shared.config.byte_cap.store(cap, Ordering::Relaxed);
    }

    /// Registers who is woken when messages arrive or the writer leaves.
    pub fn set_notify(&self, n: Option<Notify>) {
        *lock(&self.shared.reader) = n;
    }

    /// Stops reading: queued messages are released and the writer told.
    pub fn close(&mut self) {
        self.local.clear();
        if self.gone {
            return;
        }
        self.gone = true;
        if let Some(mut c) = self.cons.take() {
            c.wake();
            while c.pop().is_some() {}
            // Whatever the writer publishes after our last look is its to
            // drop: it takes the consumer once it sees `reader_closed`.
            *lock(&self.shared.orphan) = Some(c);
        }
        self.shared
            .config
            .reader_closed
            .store(true, Ordering::SeqCst);
        if self.conflate {
            let dropped = std::mem::take(&mut lock(&self.shared.conflated).items);
            drop(dropped);
        }
        Shared::notify(&self.shared.writer, PipeEvent::Closed);
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
    fn queued_seen_from_both_ends() {
        let (mut w, mut r) = queue(0, 0);
        w.write(msg(10, true));
        w.write(msg(5, false));
        w.write(msg(7, false));
        assert_eq!(r.queued(), (0, 0), "nothing published yet");
        w.flush();
        assert_eq!(r.queued(), (2, 22));
        assert_eq!(w.queued_now(), (2, 22));
        assert!(matches!(r.read(), Read::Msg(_)));
        assert!(matches!(r.read(), Read::Msg(_)));
        assert_eq!(r.queued(), (1, 7));
        assert_eq!(w.queued_now(), (1, 7));
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
    fn unread_counts_a_message_being_written() {
        let (mut w, mut r) = queue(0, 0);
        assert_eq!(w.unread(), (0, false));
        w.write(msg(60, false));
        w.write(msg(1000, true));
        assert_eq!(w.unread(), (1060, true));
        w.write(msg(40, false));
        w.flush();
        assert_eq!(w.unread(), (1100, false));
        assert!(matches!(r.read(), Read::Msg(_)));
        assert_eq!(w.unread(), (1040, false));
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
    fn reader_progress_counts_in_low_water_steps() {
        // hwm 4: the writer hears of reads two at a time, as in libzmq.
        let (mut w, mut r) = queue(4, 0);
        for _ in 0..4 {
            assert_eq!(w.room(), Room::Yes);
            w.write(msg(1, false));
            w.flush();
        }
        assert!(matches!(r.read(), Read::Msg(_)));
        assert_eq!(w.room(), Room::Full, "one read is less than a step");
        assert!(matches!(r.read(), Read::Msg(_)));
        assert_eq!(w.room(), Room::Yes);
        w.write(msg(1, false));
        w.flush();
        // Everything read: an odd count still leaves room.
        for _ in 0..3 {
            assert!(matches!(r.read(), Read::Msg(_)));
        }
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
