//! C face of zmq.h's utility API: Z85, atomic counters, timers, stopwatch,
//! sleep, application threads, version, errno, error texts and capabilities.
//! The logic lives in `crate::util`; this file validates what C hands in and
//! converts. Runs on the caller's thread (a zmq_threadstart function runs on
//! the thread started for it).
//!
//! Opaque handles (timer sets, counters, stopwatches, threads) are boxed
//! objects whose first field is a `Tag`. Every call checks the tag first: a
//! NULL, misaligned, foreign or destroyed handle gives EFAULT instead of a
//! crash where that is detectable (a wild pointer into unmapped memory still
//! faults, as in libzmq). Destroy retires the tag with one compare-and-swap so
//! only one of two racing destroys frees the object.

use super::{guard_int, guard_ptr, guard_void, set_errno};
use crate::errno::{Errno, ZResult};
use crate::util::atomic_counter::AtomicCounter;
use crate::util::handle::Tag;
use crate::util::stopwatch::Stopwatch;
use crate::util::thread::AppThread;
use crate::util::timers::{Release, TimerSet};
use crate::util::{strerror, version, z85};
use libc::{c_char, c_int, c_long, c_ulong, c_void};
use std::ffi::CStr;
use std::mem::{offset_of, MaybeUninit};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::time::Duration;

/// libzmq's `zmq_timer_fn`.
pub type TimerFn = unsafe extern "C" fn(timer_id: c_int, arg: *mut c_void);
/// libzmq's `zmq_thread_fn`.
pub type ThreadFn = unsafe extern "C" fn(arg: *mut c_void);

/// Like the `guard_*` helpers for return types they do not cover: `Err(e)`
/// and panics give `fallback` with errno set.
fn guard_value<T>(fallback: T, f: impl FnOnce() -> ZResult<T>) -> T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => v,
        Ok(Err(Errno(e))) => {
            set_errno(e);
            fallback
        }
        Err(_) => {
            set_errno(libc::EFAULT);
            fallback
        }
    }
}

// ---------------------------------------------------------------------------
// Handles

/// An object handed to C as an opaque handle.
///
/// # Safety
/// Implementors are `#[repr(C)]` with their `Tag` as the first field (offset
/// 0, checked below at compile time) and are only ever handed to C through
/// `Box::into_raw`.
unsafe trait Handle {
    const MAGIC: u64;
}

/// A timer as stored in a timer set: the C handler and its argument.
#[derive(Clone, Copy, Debug)]
struct CTimer {
    handler: TimerFn,
    arg: *mut c_void,
}

type CTimerSet = TimerSet<CTimer>;

// SAFETY: repr(C) with `tag: Tag` first (asserted below), boxed in zmq_atomic_counter_new.
unsafe impl Handle for AtomicCounter {
    const MAGIC: u64 = AtomicCounter::MAGIC;
}
// SAFETY: repr(C) with `tag: Tag` first (asserted below), boxed in zmq_timers_new.
unsafe impl Handle for CTimerSet {
    const MAGIC: u64 = CTimerSet::MAGIC;
}
// SAFETY: repr(C) with `tag: Tag` first (asserted below), boxed in zmq_stopwatch_start.
unsafe impl Handle for Stopwatch {
    const MAGIC: u64 = Stopwatch::MAGIC;
}
// SAFETY: repr(C) with `tag: Tag` first (asserted below), boxed in zmq_threadstart.
unsafe impl Handle for AppThread {
    const MAGIC: u64 = AppThread::MAGIC;
}

const _: () = assert!(offset_of!(AtomicCounter, tag) == 0);
const _: () = assert!(offset_of!(CTimerSet, tag) == 0);
const _: () = assert!(offset_of!(Stopwatch, tag) == 0);
const _: () = assert!(offset_of!(AppThread, tag) == 0);

/// Hands a new object to C.
fn into_handle<T: Handle>(obj: T) -> *mut c_void {
    Box::into_raw(Box::new(obj)).cast()
}

/// The live `T` behind handle `p`, or EFAULT.
///
/// # Safety
/// `p` must be NULL or readable for a `Tag`: a handle this library returned
/// (live or destroyed, its memory possibly reused) or some other readable
/// object. A live handle must stay alive while the reference is used.
unsafe fn handle_ref<'a, T: Handle>(p: *mut c_void) -> ZResult<&'a T> {
    let obj = p.cast::<T>().cast_const();
    if obj.is_null() || !obj.is_aligned() || !p.cast::<Tag>().cast_const().is_aligned() {
        return Err(Errno::EFAULT);
    }
    // SAFETY: `p` is non-null, aligned for a Tag and readable per the
    // contract; Tag is an atomic, so a racing retire is not a data race. This
    // is the same best-effort check libzmq makes on its timers and sockets.
    let tag = unsafe { &*p.cast::<Tag>().cast_const() };
    if !tag.matches(T::MAGIC) {
        return Err(Errno::EFAULT);
    }
    // SAFETY: only `into_handle::<T>` produces objects whose tag holds
    // T::MAGIC, and the tag is retired before the object is freed, so `p` is
    // a live Box<T> allocation.
    Ok(unsafe { &*obj })
}

/// Claims handle `p` for destruction: retires its tag and returns the box to
/// drop. Of two racing callers only one gets the box; the other gets EFAULT.
///
/// # Safety
/// As for `handle_ref`; nobody may use the object once this returns Ok.
unsafe fn claim<T: Handle>(p: *mut c_void) -> ZResult<Box<T>> {
    // SAFETY: forwarded contract.
    unsafe { handle_ref::<T>(p) }?;
    // SAFETY: `handle_ref` checked `p` is aligned and readable as a Tag.
    let tag = unsafe { &*p.cast::<Tag>().cast_const() };
    if !tag.retire(T::MAGIC) {
        return Err(Errno::EFAULT);
    }
    // SAFETY: the tag was live with T::MAGIC, so `p` came from
    // Box::into_raw(Box<T>); retiring it made this caller the only owner.
    Ok(unsafe { Box::from_raw(p.cast::<T>()) })
}

// ---------------------------------------------------------------------------
// Z85

/// Encodes `size` bytes at `data` as Z85 text plus a NUL at `dest`.
///
/// # Safety
/// `data` must be readable for `size` bytes and `dest` writable for
/// `size * 5 / 4 + 1` bytes (C contract of zmq_z85_encode).
#[no_mangle]
pub unsafe extern "C" fn zmq_z85_encode(
    dest: *mut c_char,
    data: *const u8,
    size: usize,
) -> *mut c_char {
    guard_ptr(|| {
        let len = z85::encoded_len(size).ok_or(Errno::EINVAL)?;
        if dest.is_null() || (data.is_null() && size > 0) || len >= isize::MAX as usize {
            return Err(Errno::EINVAL);
        }
        // Copy the input first so `dest` may even overlap it.
        let input = if size == 0 {
            Vec::new()
        } else {
            // SAFETY: non-null, readable for `size` bytes per the C contract;
            // size <= len < isize::MAX.
            unsafe { std::slice::from_raw_parts(data, size) }.to_vec()
        };
        // SAFETY: writable for len + 1 bytes per the C contract; no other
        // reference to that memory is live.
        let out = unsafe { std::slice::from_raw_parts_mut(dest.cast::<u8>(), len + 1) };
        let (text, nul) = out.split_at_mut(len);
        z85::encode_into(&input, text)?;
        nul[0] = 0;
        Ok(dest)
    })
}

/// Decodes the NUL-terminated Z85 text `string` into `dest`.
///
/// # Safety
/// `string` must be a NUL-terminated string and `dest` writable for
/// `strlen(string) * 4 / 5` bytes (C contract of zmq_z85_decode). They may
/// overlap (in-place decoding).
#[no_mangle]
pub unsafe extern "C" fn zmq_z85_decode(dest: *mut u8, string: *const c_char) -> *mut u8 {
    guard_ptr(|| {
        if dest.is_null() || string.is_null() {
            return Err(Errno::EINVAL);
        }
        // SAFETY: non-null and NUL-terminated per the C contract; copied at
        // once so the borrow ends before `dest` is written.
        let text = unsafe { CStr::from_ptr(string) }.to_bytes().to_vec();
        let bytes = z85::decode(&text)?;
        // SAFETY: writable for strlen * 4 / 5 == bytes.len() bytes per the C
        // contract; `bytes` is our own buffer, so the regions are disjoint.
        unsafe { ptr::copy_nonoverlapping(bytes.as_ptr(), dest, bytes.len()) };
        Ok(dest)
    })
}

// ---------------------------------------------------------------------------
// Atomic counters

/// # Safety
/// None beyond the C API's.
#[no_mangle]
pub unsafe extern "C" fn zmq_atomic_counter_new() -> *mut c_void {
    guard_ptr(|| Ok(into_handle(AtomicCounter::new())))
}

/// # Safety
/// `counter` must be NULL or a handle from zmq_atomic_counter_new.
#[no_mangle]
pub unsafe extern "C" fn zmq_atomic_counter_set(counter: *mut c_void, value: c_int) {
    guard_void(|| {
        // SAFETY: forwarded contract.
        match unsafe { handle_ref::<AtomicCounter>(counter) } {
            Ok(c) => c.set(value),
            Err(Errno(e)) => set_errno(e),
        }
    })
}

/// Returns the value before the increment.
///
/// # Safety
/// `counter` must be NULL or a handle from zmq_atomic_counter_new.
#[no_mangle]
pub unsafe extern "C" fn zmq_atomic_counter_inc(counter: *mut c_void) -> c_int {
    // SAFETY: forwarded contract.
    guard_int(|| Ok(unsafe { handle_ref::<AtomicCounter>(counter) }?.inc()))
}

/// Returns 1 if the counter is non-zero after the decrement, else 0.
///
/// # Safety
/// `counter` must be NULL or a handle from zmq_atomic_counter_new.
#[no_mangle]
pub unsafe extern "C" fn zmq_atomic_counter_dec(counter: *mut c_void) -> c_int {
    // SAFETY: forwarded contract.
    guard_int(|| {
        Ok(c_int::from(
            unsafe { handle_ref::<AtomicCounter>(counter) }?.dec(),
        ))
    })
}

/// # Safety
/// `counter` must be NULL or a handle from zmq_atomic_counter_new.
#[no_mangle]
pub unsafe extern "C" fn zmq_atomic_counter_value(counter: *mut c_void) -> c_int {
    // SAFETY: forwarded contract.
    guard_int(|| Ok(unsafe { handle_ref::<AtomicCounter>(counter) }?.value()))
}

/// Destroys `*counter_p` and sets it to NULL. A NULL `*counter_p` is a no-op;
/// a NULL `counter_p` or a bad handle sets errno to EFAULT.
///
/// # Safety
/// `counter_p` must be NULL or point to a handle variable.
#[no_mangle]
pub unsafe extern "C" fn zmq_atomic_counter_destroy(counter_p: *mut *mut c_void) {
    guard_void(|| {
        if counter_p.is_null() {
            return set_errno(libc::EFAULT);
        }
        // SAFETY: non-null and pointing to the caller's handle variable.
        let counter = unsafe { *counter_p };
        if counter.is_null() {
            return;
        }
        // SAFETY: forwarded contract.
        match unsafe { claim::<AtomicCounter>(counter) } {
            Ok(obj) => {
                drop(obj);
                // SAFETY: as above.
                unsafe { *counter_p = ptr::null_mut() };
            }
            Err(Errno(e)) => set_errno(e),
        }
    })
}

// ---------------------------------------------------------------------------
// Timers

/// # Safety
/// None beyond the C API's.
#[no_mangle]
pub unsafe extern "C" fn zmq_timers_new() -> *mut c_void {
    guard_ptr(|| Ok(into_handle(CTimerSet::new())))
}

/// Destroys `*timers_p` and sets it to NULL. Called from one of the set's own
/// handlers, the set stops running timers and is freed when that execute
/// returns.
///
/// # Safety
/// `timers_p` must be NULL or point to a handle variable.
#[no_mangle]
pub unsafe extern "C" fn zmq_timers_destroy(timers_p: *mut *mut c_void) -> c_int {
    guard_int(|| {
        if timers_p.is_null() {
            return Err(Errno::EFAULT);
        }
        // SAFETY: non-null and pointing to the caller's handle variable.
        let timers = unsafe { *timers_p };
        // SAFETY: the caller passes NULL or a timers handle.
        let set = unsafe { handle_ref::<CTimerSet>(timers) }?;
        if !set.tag.retire(CTimerSet::MAGIC) {
            return Err(Errno::EFAULT);
        }
        if set.destroy() == Release::Free {
            // SAFETY: the tag was live, so `timers` came from into_handle;
            // retiring it made us its only owner and no execute is running.
            drop(unsafe { Box::from_raw(timers.cast::<CTimerSet>()) });
        }
        // SAFETY: as above.
        unsafe { *timers_p = ptr::null_mut() };
        Ok(0)
    })
}

/// Adds a timer; returns its id (> 0).
///
/// # Safety
/// `timers` must be NULL or a timers handle; `handler` must be NULL or a
/// function safe to call with `arg` from zmq_timers_execute.
#[no_mangle]
pub unsafe extern "C" fn zmq_timers_add(
    timers: *mut c_void,
    interval: usize,
    handler: Option<TimerFn>,
    arg: *mut c_void,
) -> c_int {
    guard_int(|| {
        // SAFETY: forwarded contract.
        let set = unsafe { handle_ref::<CTimerSet>(timers) }?;
        let handler = handler.ok_or(Errno::EFAULT)?;
        let interval = u64::try_from(interval).unwrap_or(u64::MAX);
        set.with(|t| t.add(interval, CTimer { handler, arg }))
    })
}

/// # Safety
/// `timers` must be NULL or a timers handle.
#[no_mangle]
pub unsafe extern "C" fn zmq_timers_cancel(timers: *mut c_void, timer_id: c_int) -> c_int {
    guard_int(|| {
        // SAFETY: forwarded contract.
        let set = unsafe { handle_ref::<CTimerSet>(timers) }?;
        set.with(|t| t.cancel(timer_id)).map(|()| 0)
    })
}

/// # Safety
/// `timers` must be NULL or a timers handle.
#[no_mangle]
pub unsafe extern "C" fn zmq_timers_set_interval(
    timers: *mut c_void,
    timer_id: c_int,
    interval: usize,
) -> c_int {
    guard_int(|| {
        // SAFETY: forwarded contract.
        let set = unsafe { handle_ref::<CTimerSet>(timers) }?;
        let interval = u64::try_from(interval).unwrap_or(u64::MAX);
        set.with(|t| t.set_interval(timer_id, interval)).map(|()| 0)
    })
}

/// # Safety
/// `timers` must be NULL or a timers handle.
#[no_mangle]
pub unsafe extern "C" fn zmq_timers_reset(timers: *mut c_void, timer_id: c_int) -> c_int {
    guard_int(|| {
        // SAFETY: forwarded contract.
        let set = unsafe { handle_ref::<CTimerSet>(timers) }?;
        set.with(|t| t.reset(timer_id)).map(|()| 0)
    })
}

/// Milliseconds until the next timer is due (0 if overdue); -1 with errno
/// untouched when there are no timers (as libzmq).
///
/// # Safety
/// `timers` must be NULL or a timers handle.
#[no_mangle]
pub unsafe extern "C" fn zmq_timers_timeout(timers: *mut c_void) -> c_long {
    guard_value(-1, || {
        // SAFETY: forwarded contract.
        let set = unsafe { handle_ref::<CTimerSet>(timers) }?;
        Ok(match set.with(|t| t.timeout_ms()) {
            Some(ms) => c_long::try_from(ms).unwrap_or(c_long::MAX),
            None => -1,
        })
    })
}

/// Runs the handlers of all due timers. Handlers may add, cancel, reset and
/// reschedule timers of this set and even destroy it.
///
/// # Safety
/// `timers` must be NULL or a timers handle; the handlers registered must be
/// safe to call with their arguments.
#[no_mangle]
pub unsafe extern "C" fn zmq_timers_execute(timers: *mut c_void) -> c_int {
    guard_int(|| {
        // SAFETY: forwarded contract.
        let set = unsafe { handle_ref::<CTimerSet>(timers) }?;
        // SAFETY: the handler and argument were registered together through
        // zmq_timers_add, whose caller vouched for calling one with the other.
        let release = set.execute(|id, timer| unsafe { (timer.handler)(id, timer.arg) });
        if release == Release::Free {
            // SAFETY: a handler destroyed the set (retiring its tag) and this
            // was the last execute running on it, so nothing else uses it.
            drop(unsafe { Box::from_raw(timers.cast::<CTimerSet>()) });
        }
        Ok(0)
    })
}

// ---------------------------------------------------------------------------
// Stopwatch, sleep, threads

/// # Safety
/// None beyond the C API's.
#[no_mangle]
pub unsafe extern "C" fn zmq_stopwatch_start() -> *mut c_void {
    guard_ptr(|| Ok(into_handle(Stopwatch::start())))
}

fn to_ulong(us: u64) -> c_ulong {
    c_ulong::try_from(us).unwrap_or(c_ulong::MAX)
}

/// Microseconds since the stopwatch started; 0 with errno EFAULT for a bad
/// handle.
///
/// # Safety
/// `watch` must be NULL or a stopwatch handle.
#[no_mangle]
pub unsafe extern "C" fn zmq_stopwatch_intermediate(watch: *mut c_void) -> c_ulong {
    guard_value(0, || {
        // SAFETY: forwarded contract.
        Ok(to_ulong(
            unsafe { handle_ref::<Stopwatch>(watch) }?.elapsed_us(),
        ))
    })
}

/// Microseconds since the stopwatch started; frees it. 0 with errno EFAULT
/// for a bad handle.
///
/// # Safety
/// `watch` must be NULL or a stopwatch handle.
#[no_mangle]
pub unsafe extern "C" fn zmq_stopwatch_stop(watch: *mut c_void) -> c_ulong {
    guard_value(0, || {
        // SAFETY: forwarded contract.
        let watch = unsafe { claim::<Stopwatch>(watch) }?;
        Ok(to_ulong(watch.elapsed_us()))
    })
}

/// Sleeps `seconds` seconds (a negative count returns at once).
///
/// # Safety
/// None.
#[no_mangle]
pub unsafe extern "C" fn zmq_sleep(seconds: c_int) {
    guard_void(|| {
        if let Ok(secs) = u64::try_from(seconds) {
            std::thread::sleep(Duration::from_secs(secs));
        }
    })
}

/// The argument of a thread function, moved to the new thread.
struct ThreadArg(*mut c_void);

// SAFETY: zmq_threadstart's contract hands `arg` to the new thread; what it
// points to is the caller's business, exactly as with pthread_create.
unsafe impl Send for ThreadArg {}

impl ThreadArg {
    fn get(self) -> *mut c_void {
        self.0
    }
}

/// Blocks every signal on the calling thread, so signals go to the
/// application's own threads (libzmq does this on all threads it starts).
fn block_all_signals() {
    let mut set = MaybeUninit::<libc::sigset_t>::uninit();
    // SAFETY: sigfillset initialises the set it is given; pthread_sigmask
    // only reads it and changes the calling thread's mask.
    unsafe {
        libc::sigfillset(set.as_mut_ptr());
        libc::pthread_sigmask(libc::SIG_BLOCK, set.as_ptr(), ptr::null_mut());
    }
}

/// Starts `func(arg)` on a new thread; NULL with errno EFAULT for a NULL
/// function, or the system's errno when no thread can be created.
///
/// # Safety
/// `func` must be NULL or safe to call with `arg` on another thread.
#[no_mangle]
pub unsafe extern "C" fn zmq_threadstart(func: Option<ThreadFn>, arg: *mut c_void) -> *mut c_void {
    guard_ptr(|| {
        let func = func.ok_or(Errno::EFAULT)?;
        let arg = ThreadArg(arg);
        let thread = AppThread::spawn(move || {
            let arg = arg.get();
            block_all_signals();
            // SAFETY: the caller of zmq_threadstart vouched for this call.
            unsafe { func(arg) }
        })?;
        Ok(into_handle(thread))
    })
}

/// Waits for the thread to finish and frees its handle. errno EFAULT for a
/// bad handle; EDEADLK (handle kept) when called from the thread itself.
///
/// # Safety
/// `thread` must be NULL or a handle from zmq_threadstart.
#[no_mangle]
pub unsafe extern "C" fn zmq_threadclose(thread: *mut c_void) {
    guard_void(|| {
        // SAFETY: forwarded contract.
        let result = match unsafe { handle_ref::<AppThread>(thread) } {
            Ok(t) if t.is_current() => Err(Errno(libc::EDEADLK)),
            // SAFETY: forwarded contract.
            Ok(_) => unsafe { claim::<AppThread>(thread) }.and_then(|t| t.join()),
            Err(e) => Err(e),
        };
        if let Err(Errno(e)) = result {
            set_errno(e);
        }
    })
}

// ---------------------------------------------------------------------------
// Version, errno, error texts, capabilities

/// Stores 4, 3, 5; NULL pointers are skipped.
///
/// # Safety
/// Each pointer must be NULL or writable for an int.
#[no_mangle]
pub unsafe extern "C" fn zmq_version(major: *mut c_int, minor: *mut c_int, patch: *mut c_int) {
    guard_void(|| {
        for (p, v) in [
            (major, version::VERSION_MAJOR),
            (minor, version::VERSION_MINOR),
            (patch, version::VERSION_PATCH),
        ] {
            if !p.is_null() {
                // SAFETY: non-null and writable per the contract.
                unsafe { *p = v };
            }
        }
    })
}

/// The calling thread's errno.
///
/// # Safety
/// None.
#[no_mangle]
pub unsafe extern "C" fn zmq_errno() -> c_int {
    errno_value()
}

/// The C library's current text for `errnum`, copied.
fn os_error_text(errnum: c_int) -> Option<Vec<u8>> {
    // SAFETY: strerror returns a NUL-terminated string valid at least until
    // the next strerror call on this thread; it is copied at once.
    let text = unsafe { libc::strerror(errnum) };
    if text.is_null() {
        return None;
    }
    // SAFETY: non-null and NUL-terminated as above.
    Some(unsafe { CStr::from_ptr(text) }.to_bytes().to_vec())
}

/// libzmq's texts for its own codes, the C library's (strerror) for the rest.
/// The pointer stays valid for the life of the process.
///
/// # Safety
/// None.
#[no_mangle]
pub unsafe extern "C" fn zmq_strerror(errnum: c_int) -> *const c_char {
    let saved = errno_value();
    let text = catch_unwind(|| {
        if let Some(text) = strerror::zmq_text(errnum) {
            return text.as_ptr();
        }
        match os_error_text(errnum).and_then(|t| strerror::intern(&t)) {
            Some(text) => text.as_ptr(),
            // Table full: hand out strerror's own buffer, as libzmq does.
            // SAFETY: strerror returns a valid NUL-terminated string.
            None => unsafe { libc::strerror(errnum) }.cast_const(),
        }
    });
    // Looking up a text must not disturb errno (it is often printed next to it).
    set_errno(saved);
    text.unwrap_or(c"Unknown error".as_ptr())
}

fn errno_value() -> c_int {
    // SAFETY: __errno_location always returns the calling thread's errno slot.
    unsafe { *libc::__errno_location() }
}

/// 1 if the library provides `capability`, else 0 (also for NULL).
///
/// # Safety
/// `capability` must be NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn zmq_has(capability: *const c_char) -> c_int {
    guard_int(|| {
        if capability.is_null() {
            return Ok(0);
        }
        // SAFETY: non-null and NUL-terminated per the contract.
        let cap = unsafe { CStr::from_ptr(capability) };
        Ok(c_int::from(version::has(cap.to_bytes())))
    })
}
