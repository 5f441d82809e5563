//! Two-thread tests of the pipe: ordering and completeness under small
//! limits, the sleep/wake handshake with real sleeping, and closing either
//! end while the other runs. Every frame carries a caller buffer whose free
//! function is counted, so a leaked or doubly freed frame shows.

use super::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Condvar;
use std::time::Duration;

/// Messages per stress run (miri is slow; it checks the same paths).
#[cfg(not(miri))]
const SCALE: u64 = 1;
#[cfg(miri)]
const SCALE: u64 = 1000;

/// How far a writer runs ahead of a reader that is about to close.
const RUN_AHEAD: u64 = if cfg!(miri) { 100 } else { 20_000 };

/// Long enough to mean a lost wakeup, not a slow machine.
const WAKE_TIMEOUT: Duration = Duration::from_secs(20);

/// Caller buffers made and released in one test (tests run in parallel, so
/// each has its own, passed to the free function as its hint).
#[derive(Default)]
struct Ledger {
    made: AtomicUsize,
    freed: AtomicUsize,
}

impl Ledger {
    fn balanced(&self) -> bool {
        self.made.load(Ordering::SeqCst) == self.freed.load(Ordering::SeqCst)
    }
}

unsafe extern "C" fn free_counted(data: *mut libc::c_void, hint: *mut libc::c_void) {
    // SAFETY: `data` came from libc::malloc in `frame` and is released once
    // (Msg calls this exactly once); `hint` is the Ledger of an Arc the test
    // keeps alive until every message is gone.
    unsafe {
        libc::free(data);
        (*(hint as *const Ledger))
            .freed
            .fetch_add(1, Ordering::SeqCst);
    }
}

/// Content of frame `f` of message `seq`.
fn byte(seq: u64, f: usize, k: usize) -> u8 {
    (seq as usize)
        .wrapping_mul(31)
        .wrapping_add(f * 7)
        .wrapping_add(k) as u8
}

/// A frame in a counted caller buffer.
fn frame(ledger: &Arc<Ledger>, seq: u64, f: usize, len: usize, more: bool) -> Msg {
    // SAFETY: plain allocation, checked below.
    let p = unsafe { libc::malloc(len.max(1)) } as *mut u8;
    assert!(!p.is_null());
    for k in 0..len {
        // SAFETY: p is valid for len bytes.
        unsafe { p.add(k).write(byte(seq, f, k)) };
    }
    ledger.made.fetch_add(1, Ordering::SeqCst);
    // SAFETY: p is valid for len bytes until free_counted runs; free_counted
    // may run on any thread; the hint outlives every message (see Ledger).
    let mut m = unsafe {
        Msg::from_user(
            p,
            len,
            Some(free_counted),
            Arc::as_ptr(ledger) as *mut libc::c_void,
        )
    };
    m.set_more(more);
    m
}

fn check(m: &Msg, seq: u64, f: usize, len: usize, more: bool) {
    assert_eq!(m.len(), len, "message {seq} frame {f}: length");
    assert_eq!(m.more(), more, "message {seq} frame {f}: more");
    for (k, b) in m.data().iter().enumerate() {
        assert_eq!(*b, byte(seq, f, k), "message {seq} frame {f}: byte {k}");
    }
}

fn mix(mut x: u64) -> u64 {
    // splitmix64
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Kind {
    /// A message of `frames` frames.
    Data,
    /// A command frame (not counted against limits).
    Command,
    /// Frames written and rolled back: never seen by the reader.
    RolledBack,
}

/// What message `seq` of a run looks like (both threads compute it).
#[derive(Clone, Copy)]
struct Shape {
    kind: Kind,
    frames: usize,
    h: u64,
}

fn shape(seed: u64, seq: u64) -> Shape {
    let h = mix(seed ^ mix(seq));
    let kind = match h % 64 {
        0 => Kind::RolledBack,
        1 => Kind::Command,
        _ => Kind::Data,
    };
    let frames = match kind {
        Kind::Command => 1,
        // Mostly single frames, some multipart.
        _ => [1, 1, 1, 2, 3, 1, 5, 1][(h >> 8) as usize % 8],
    };
    Shape { kind, frames, h }
}

/// Mostly small frames, now and then one bigger than the byte caps.
fn frame_len(s: &Shape, f: usize) -> usize {
    let g = mix(s.h ^ (f as u64 + 1));
    if g.is_multiple_of(16) {
        100 + (g >> 8) as usize % 900
    } else {
        (g >> 8) as usize % 41
    }
}

/// Writes message `seq` (call `room` first for data and commands).
fn write_msg(w: &mut Writer, ledger: &Arc<Ledger>, seed: u64, seq: u64) {
    let s = shape(seed, seq);
    for f in 0..s.frames {
        let more = f + 1 < s.frames || s.kind == Kind::RolledBack;
        let mut m = frame(ledger, seq, f, frame_len(&s, f), more);
        if s.kind == Kind::Command {
            m.set_command(true);
        }
        w.write(m);
        if more {
            assert_eq!(w.room(), Room::Yes, "a message is admitted whole");
        }
    }
    if s.kind == Kind::RolledBack {
        assert!(w.is_mid_message());
        w.rollback();
    }
    assert!(!w.is_mid_message());
}

/// Checks frames as they arrive, in order.
struct Expect {
    seed: u64,
    seq: u64,
    f: usize,
}

impl Expect {
    fn new(seed: u64) -> Expect {
        let mut e = Expect { seed, seq: 0, f: 0 };
        e.skip_rolled_back();
        e
    }

    fn skip_rolled_back(&mut self) {
        while shape(self.seed, self.seq).kind == Kind::RolledBack {
            self.seq += 1;
        }
    }

    fn take(&mut self, m: &Msg) {
        let s = shape(self.seed, self.seq);
        assert_eq!(
            m.is_command(),
            s.kind == Kind::Command,
            "message {}",
            self.seq
        );
        check(
            m,
            self.seq,
            self.f,
            frame_len(&s, self.f),
            self.f + 1 < s.frames,
        );
        self.f += 1;
        if self.f == s.frames {
            self.f = 0;
            self.seq += 1;
            self.skip_rolled_back();
        }
    }

    /// Messages completely received (rolled back ones included).
    fn done(&self) -> u64 {
        self.seq
    }
}

/// Sequence number after the last message `count` (trailing rolled back
/// messages are skipped by the reader).
fn end_seq(seed: u64, count: u64) -> u64 {
    let mut e = Expect {
        seed,
        seq: count,
        f: 0,
    };
    e.skip_rolled_back();
    e.seq
}

/// Moves `count` messages with spinning (yielding) ends.
fn spin_run(hwm: u64, cap: u64, count: u64, seed: u64) {
    let ledger = Arc::new(Ledger::default());
    let (mut w, mut r) = queue(hwm, cap);
    let wl = ledger.clone();
    let t = std::thread::spawn(move || {
        for seq in 0..count {
            let s = shape(seed, seq);
            if s.kind != Kind::RolledBack {
                loop {
                    match w.room() {
                        Room::Yes => break,
                        Room::Full => {
                            // Batched messages must go out before we wait.
                            w.flush();
                            std::thread::yield_now();
                        }
                        Room::Closed => panic!("reader closed"),
                    }
                }
            }
            write_msg(&mut w, &wl, seed, seq);
            if hwm > 0 && s.kind == Kind::Data {
                assert!(w.queued().0 <= hwm, "more than HWM queued");
            }
            // Flush most messages at once, batch some.
            if s.h >> 40 & 3 != 0 {
                w.flush();
            }
        }
        w.flush();
        drop(w);
    });
    let mut e = Expect::new(seed);
    loop {
        match r.read() {
            Read::Msg(m) => e.take(&m),
            Read::Empty => std::thread::yield_now(),
            Read::Closed => break,
        }
    }
    t.join().unwrap();
    assert_eq!(e.done(), end_seq(seed, count), "hwm {hwm} cap {cap}");
    assert!(r.is_finished());
    drop(r);
    assert!(ledger.made.load(Ordering::SeqCst) > 0);
    assert!(ledger.balanced(), "frames leaked or freed twice");
}

#[test]
fn stress_million_messages_small_limits() {
    // (hwm, byte cap, messages): 1M in all.
    let runs: [(u64, u64, u64); 7] = [
        (1, 0, 100_000),
        (2, 0, 150_000),
        (7, 0, 200_000),
        (0, 64, 100_000),
        (3, 200, 150_000),
        (7, 1000, 150_000),
        (0, 0, 150_000),
    ];
    for (i, &(hwm, cap, count)) in runs.iter().enumerate() {
        spin_run(hwm, cap, count / SCALE, 0x5eed_0000 + i as u64);
    }
}

/// A thread's bed: `ring` wakes one `sleep`, or the next one.
#[derive(Default)]
struct Bell {
    rung: Mutex<bool>,
    cv: Condvar,
    rings: AtomicUsize,
}

impl Bell {
    fn ring(&self) {
        self.rings.fetch_add(1, Ordering::Relaxed);
        *lock(&self.rung) = true;
        self.cv.notify_one();
    }

    /// False when nobody rang within the timeout.
    fn sleep(&self, timeout: Duration) -> bool {
        let g = lock(&self.rung);
        let (mut g, _) = self
            .cv
            .wait_timeout_while(g, timeout, |rung| !*rung)
            .unwrap_or_else(|e| e.into_inner());
        std::mem::take(&mut *g)
    }
}

/// Routes pipe events to the bell of the side they are for.
struct Beds {
    reader: Arc<Bell>,
    writer: Arc<Bell>,
}

impl Wake for Beds {
    fn wake(&self, key: u64, event: PipeEvent) {
        match (key, event) {
            (1, PipeEvent::Readable | PipeEvent::Closed) => self.reader.ring(),
            (2, PipeEvent::Writable | PipeEvent::Closed) => self.writer.ring(),
            other => panic!("unexpected event {other:?}"),
        }
    }
}

/// Both ends sleep whenever they can't go on and rely on the pipe's events
/// alone; a lost wakeup shows as a timeout.
fn sleeping_run(hwm: u64, cap: u64, count: u64, seed: u64) {
    let ledger = Arc::new(Ledger::default());
    let beds = Arc::new(Beds {
        reader: Arc::new(Bell::default()),
        writer: Arc::new(Bell::default()),
    });
    let (mut w, mut r) = queue(hwm, cap);
    r.set_notify(Some(Notify {
        target: beds.clone(),
        key: 1,
    }));
    w.set_notify(Some(Notify {
        target: beds.clone(),
        key: 2,
    }));
    let wl = ledger.clone();
    let wbell = beds.writer.clone();
    let t = std::thread::spawn(move || {
        let mut sleeps = 0u64;
        for seq in 0..count {
            if shape(seed, seq).kind != Kind::RolledBack {
                loop {
                    match w.room() {
                        Room::Yes => break,
                        Room::Full => {
                            sleeps += 1;
                            assert!(
                                wbell.sleep(WAKE_TIMEOUT),
                                "lost Writable wakeup (hwm {hwm} cap {cap} message {seq})"
                            );
                        }
                        Room::Closed => panic!("reader closed"),
                    }
                }
            }
            write_msg(&mut w, &wl, seed, seq);
            w.flush();
        }
        drop(w);
        sleeps
    });
    let mut e = Expect::new(seed);
    let mut sleeps = 0u64;
    loop {
        match r.read() {
            Read::Msg(m) => e.take(&m),
            Read::Empty => {
                sleeps += 1;
                assert!(
                    beds.reader.sleep(WAKE_TIMEOUT),
                    "lost Readable wakeup (hwm {hwm} cap {cap} message {})",
                    e.seq
                );
            }
            Read::Closed => break,
        }
    }
    let writer_sleeps = t.join().unwrap();
    assert_eq!(e.done(), end_seq(seed, count));
    drop(r);
    assert!(ledger.balanced(), "frames leaked or freed twice");
    // Wakeups follow sleeps (a reader that looked again and found data
    // may still be rung once), never messages.
    let rings = beds.reader.rings.load(Ordering::Relaxed) as u64;
    assert!(
        rings <= 2 * sleeps + 1,
        "{rings} wakeups for {sleeps} sleeps"
    );
    let rings = beds.writer.rings.load(Ordering::Relaxed) as u64;
    assert!(
        rings <= 2 * writer_sleeps + 2,
        "{rings} wakeups for {writer_sleeps} sleeps"
    );
}

#[test]
fn stress_sleep_wake_on_condvar() {
    let runs: [(u64, u64, u64); 5] = [
        (1, 0, 20_000),
        (2, 0, 20_000),
        (7, 0, 20_000),
        (4, 100, 20_000),
        (0, 0, 20_000),
    ];
    for (i, &(hwm, cap, count)) in runs.iter().enumerate() {
        sleeping_run(hwm, cap, count / SCALE, 0xbe11_0000 + i as u64);
    }
}

/// The same handshake with the reader sleeping on the eventfd signaler
/// sockets use.
#[test]
#[cfg_attr(miri, ignore = "poll(2) is not supported by miri")]
fn stress_sleep_wake_on_signaler() {
    use crate::mailbox::Signaler;
    struct Sig(Signaler);
    impl Wake for Sig {
        fn wake(&self, _key: u64, _event: PipeEvent) {
            self.0.signal();
        }
    }
    let ledger = Arc::new(Ledger::default());
    let rsig = Arc::new(Sig(Signaler::new().unwrap()));
    let wsig = Arc::new(Sig(Signaler::new().unwrap()));
    let (mut w, mut r) = queue(3, 0);
    r.set_notify(Some(Notify {
        target: rsig.clone(),
        key: 1,
    }));
    w.set_notify(Some(Notify {
        target: wsig.clone(),
        key: 2,
    }));
    let count = 40_000 / SCALE;
    let seed = 0x516;
    let wl = ledger.clone();
    let t = std::thread::spawn(move || {
        for seq in 0..count {
            if shape(seed, seq).kind != Kind::RolledBack {
                while w.room() == Room::Full {
                    assert!(
                        wsig.0.wait(Some(WAKE_TIMEOUT)).unwrap(),
                        "lost Writable wakeup"
                    );
                    wsig.0.reset();
                }
            }
            write_msg(&mut w, &wl, seed, seq);
            w.flush();
        }
    });
    let mut e = Expect::new(seed);
    loop {
        match r.read() {
            Read::Msg(m) => e.take(&m),
            Read::Empty => {
                assert!(
                    rsig.0.wait(Some(WAKE_TIMEOUT)).unwrap(),
                    "lost Readable wakeup"
                );
                rsig.0.reset();
            }
            Read::Closed => break,
        }
    }
    t.join().unwrap();
    assert_eq!(e.done(), end_seq(seed, count));
    drop(r);
    assert!(ledger.balanced());
}

/// The reader reads a while and closes while the writer keeps writing; the
/// writer stops when it sees the close (possibly mid-message). Everything
/// is freed once both ends are gone.
#[test]
fn reader_closing_under_a_running_writer_frees_everything() {
    for round in 0..(200 / SCALE.min(20)) {
        let seed = 0xc105_0000 + round;
        let hwm = [0, 1, 5, 1000][round as usize % 4];
        let ledger = Arc::new(Ledger::default());
        let (mut w, mut r) = queue(hwm, 0);
        let wl = ledger.clone();
        let t = std::thread::spawn(move || {
            let mut seq = 0;
            loop {
                let s = shape(seed, seq);
                if s.kind == Kind::RolledBack && w.is_closed() {
                    break;
                }
                if s.kind != Kind::RolledBack {
                    match w.room() {
                        Room::Yes => {}
                        Room::Full => {
                            w.flush();
                            std::thread::yield_now();
                            continue;
                        }
                        Room::Closed => break,
                    }
                }
                if seq > RUN_AHEAD {
                    // Enough queued: wait for the close without growing.
                    w.flush();
                    if w.is_closed() {
                        break;
                    }
                    std::thread::yield_now();
                    continue;
                }
                if s.h.is_multiple_of(3) {
                    // Leave a message half written at a random point.
                    w.write(frame(&wl, seq, 0, 10, true));
                    if w.is_closed() {
                        break;
                    }
                    w.write(frame(&wl, seq, 1, 10, false));
                } else {
                    write_msg(&mut w, &wl, seed, seq);
                }
                if s.h >> 40 & 1 == 0 {
                    w.flush();
                }
                seq += 1;
            }
            assert!(w.is_closed());
            // Dropped here, maybe with frames unflushed or half written.
        });
        let stop = mix(seed) % (RUN_AHEAD / 50).max(10);
        let mut got = 0;
        while got < stop {
            match r.read() {
                Read::Msg(_) => got += 1,
                Read::Empty => std::thread::yield_now(),
                Read::Closed => panic!("writer closed first"),
            }
        }
        r.close();
        t.join().unwrap();
        assert!(!matches!(r.read(), Read::Msg(_)));
        drop(r);
        assert!(ledger.balanced(), "round {round}: leaked or double free");
    }
}

/// The writer closes (maybe mid-message) while the reader is reading: the
/// reader gets every complete message, then Closed; nothing leaks.
#[test]
fn writer_closing_under_a_running_reader_frees_everything() {
    for round in 0..(200 / SCALE.min(20)) {
        let seed = 0xc106_0000 + round;
        let hwm = [0, 1, 5, 1000][round as usize % 4];
        let count = mix(seed) % (RUN_AHEAD / 40).max(10);
        let ledger = Arc::new(Ledger::default());
        let (mut w, mut r) = queue(hwm, 0);
        let wl = ledger.clone();
        let t = std::thread::spawn(move || {
            for seq in 0..count {
                if shape(seed, seq).kind != Kind::RolledBack {
                    while w.room() == Room::Full {
                        w.flush();
                        std::thread::yield_now();
                    }
                }
                if w.is_closed() {
                    break;
                }
                write_msg(&mut w, &wl, seed, seq);
                if seq % 3 == 0 {
                    w.flush();
                }
            }
            if round % 2 == 0 {
                // A partial message dies with the writer.
                w.write(frame(&wl, count, 0, 5, true));
            }
            w.close();
            drop(w);
        });
        let mut e = Expect::new(seed);
        // Some rounds stop reading early and drop the rest unread.
        let early = round % 5 == 4;
        loop {
            match r.read() {
                Read::Msg(m) => {
                    e.take(&m);
                    if early && e.done() > count / 2 {
                        break;
                    }
                }
                Read::Empty => std::thread::yield_now(),
                Read::Closed => break,
            }
        }
        if early {
            // The writer may be waiting for room: let it see the close.
            r.close();
        }
        t.join().unwrap();
        if !early {
            assert_eq!(e.done(), end_seq(seed, count), "round {round}");
            assert!(r.is_finished());
        }
        drop(r);
        assert!(ledger.balanced(), "round {round}: leaked or double free");
    }
}

/// Both ends stop at random points without waiting for each other.
#[test]
fn both_ends_dropping_at_random_points_free_everything() {
    for round in 0..(100 / SCALE.min(10)) {
        let seed = 0xd0_0000 + round;
        let ledger = Arc::new(Ledger::default());
        let (mut w, mut r) = queue([0, 2, 50][round as usize % 3], 0);
        let wl = ledger.clone();
        let writes = mix(seed) % (RUN_AHEAD / 10);
        let reads = mix(seed + 1) % (RUN_AHEAD / 10);
        let t = std::thread::spawn(move || {
            for seq in 0..writes {
                if w.room() != Room::Yes {
                    w.flush();
                    if w.is_closed() {
                        break;
                    }
                    std::thread::yield_now();
                    continue;
                }
                write_msg(&mut w, &wl, seed, seq);
                if seq % 7 != 0 {
                    w.flush();
                }
            }
        });
        for _ in 0..reads {
            match r.read() {
                Read::Msg(_) | Read::Empty => {}
                Read::Closed => break,
            }
        }
        drop(r);
        t.join().unwrap();
        assert!(ledger.balanced(), "round {round}: leaked or double free");
    }
}

/// A multipart message longer than a chunk appears only when complete.
#[test]
fn long_multipart_message_crosses_chunks_whole() {
    let ledger = Arc::new(Ledger::default());
    let (mut w, mut r) = queue(1, 0);
    let n = 3 * ring::CHUNK + 5;
    for round in 0..3u64 {
        assert_eq!(w.room(), Room::Yes);
        for f in 0..n {
            w.write(frame(&ledger, round, f, f % 50, f + 1 < n));
            w.flush();
            if f + 1 < n {
                assert!(!r.has_data(), "partial message visible");
            }
        }
        assert_eq!(w.room(), Room::Full);
        for f in 0..n {
            match r.read() {
                Read::Msg(m) => check(&m, round, f, f % 50, f + 1 < n),
                other => panic!("{other:?}"),
            }
        }
        assert!(matches!(r.read(), Read::Empty));
    }
    // One more left unread, one half written.
    for f in 0..n {
        w.write(frame(&ledger, 9, f, 3, f + 1 < n));
    }
    w.write(frame(&ledger, 10, 0, 3, true));
    w.flush();
    assert!(r.peek().is_some());
    drop(r);
    assert!(w.is_closed());
    drop(w);
    assert!(ledger.balanced());
}

/// peek shows what read takes; frames stay put while lent.
#[test]
fn peek_then_read_agree() {
    let (mut w, mut r) = queue(0, 0);
    assert!(r.peek().is_none());
    for i in 0..(2 * ring::CHUNK as u32 + 3) {
        w.write(Msg::from_slice(&i.to_be_bytes()));
        w.flush();
        let seen = r.peek().map(|m| m.data().to_vec());
        assert_eq!(seen.as_deref(), Some(&i.to_be_bytes()[..]));
        match r.read() {
            Read::Msg(m) => assert_eq!(m.data(), &i.to_be_bytes()),
            other => panic!("{other:?}"),
        }
    }
    drop(w);
    assert!(r.is_finished());
    assert!(matches!(r.read(), Read::Closed));
}

/// Writes after the reader closed are dropped at the next flush, not kept.
#[test]
fn writer_drops_what_it_writes_after_reader_closed() {
    let ledger = Arc::new(Ledger::default());
    let (mut w, r) = queue(0, 0);
    w.write(frame(&ledger, 0, 0, 40, false));
    w.flush();
    drop(r);
    assert_eq!(ledger.freed.load(Ordering::SeqCst), 1);
    for i in 1..(3 * ring::CHUNK as u64) {
        w.write(frame(&ledger, i, 0, 40, false));
        w.flush();
        assert_eq!(ledger.freed.load(Ordering::SeqCst) as u64, i + 1);
    }
    assert!(w.is_closed());
    assert_eq!(w.room(), Room::Closed);
    drop(w);
    assert!(ledger.balanced());
}

/// CONFLATE keeps its locked path: still no leaks on close.
#[test]
fn conflate_frees_on_close() {
    let ledger = Arc::new(Ledger::default());
    let (mut w, mut r) = queue_with(1, 0, true);
    for i in 0..10 {
        w.write(frame(&ledger, i, 0, 20, false));
        w.flush();
    }
    match r.read() {
        Read::Msg(m) => check(&m, 9, 0, 20, false),
        other => panic!("{other:?}"),
    }
    w.write(frame(&ledger, 10, 0, 20, false));
    w.flush();
    w.write(frame(&ledger, 11, 0, 20, true));
    drop(r);
    w.flush();
    drop(w);
    assert!(ledger.balanced());
}

/// The ends keep the auto traits the rest of the crate may rely on.
#[test]
fn ends_are_send_and_sync() {
    fn both<T: Send + Sync>() {}
    both::<Writer>();
    both::<Reader>();
    both::<PipeEnd>();
}
