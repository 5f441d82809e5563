//! Messages. Lives on any thread: a `Msg` is moved between the application
//! thread and I/O threads through pipes.
//!
//! Small bodies are stored inline (no allocation, like libzmq's VSM); larger
//! ones are `bytes::Bytes`, which covers owned vectors, shared copies, constant
//! data and caller buffers released through their free function.

mod metadata;
mod user;

pub use metadata::Metadata;

use bytes::Bytes;
use std::sync::Arc;

/// Bodies up to this size are kept inside the message itself (libzmq: 33).
pub const INLINE_CAP: usize = 33;

/// Frame flags kept on a message.
pub mod flags {
    /// More frames of the same message follow.
    pub const MORE: u8 = 1;
    /// A ZMTP command (never handed to the application).
    pub const COMMAND: u8 = 2;
    /// The body is shared with another message (zmq_msg_copy, zmq_send_const).
    pub const SHARED: u8 = 4;
    /// A subscription (body = topic); ZMTP 3.1 SUBSCRIBE.
    pub const SUBSCRIBE: u8 = 8;
    /// A cancelled subscription (body = topic); ZMTP 3.1 CANCEL.
    pub const CANCEL: u8 = 16;
}

#[derive(Clone)]
enum Body {
    Inline { len: u8, buf: [u8; INLINE_CAP] },
    Heap(Bytes),
}

/// One frame of a message.
#[derive(Clone)]
pub struct Msg {
    body: Body,
    meta: Option<Arc<Metadata>>,
    routing_id: u32,
    flags: u8,
}

impl Default for Msg {
    fn default() -> Self {
        Msg::new()
    }
}

impl std::fmt::Debug for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Msg")
            .field("len", &self.len())
            .field("flags", &self.flags)
            .field("routing_id", &self.routing_id)
            .finish()
    }
}

impl PartialEq for Msg {
    fn eq(&self, other: &Self) -> bool {
        self.data() == other.data() && self.flags & flags::MORE == other.flags & flags::MORE
    }
}

impl Msg {
    /// An empty frame.
    pub const fn new() -> Msg {
        Msg {
            body: Body::Inline {
                len: 0,
                buf: [0; INLINE_CAP],
            },
            meta: None,
            routing_id: 0,
            flags: 0,
        }
    }

    /// A zero-filled body of `len` bytes that the caller fills in place.
    pub fn with_size(len: usize) -> Msg {
        if len <= INLINE_CAP {
            let mut m = Msg::new();
            m.body = Body::Inline {
                len: len as u8,
                buf: [0; INLINE_CAP],
            };
            m
        } else {
            Msg::from_vec(vec![0; len])
        }
    }

    /// A zero-filled body of `len` bytes, or None when memory runs out
    /// (zmq_msg_init_size reports ENOMEM instead of aborting). Large bodies
    /// come from calloc, whose fresh pages cost no zeroing.
    pub fn try_with_size(len: usize) -> Option<Msg> {
        if len <= INLINE_CAP {
            return Some(Msg::with_size(len));
        }
        let layout = std::alloc::Layout::array::<u8>(len).ok()?;
        // calloc pays off where it gets fresh zero pages; small bodies are
        // cheaper as malloc plus a short memset.
        let ptr = if len >= 128 * 1024 {
            // SAFETY: the layout has a non-zero size (len > INLINE_CAP).
            unsafe { std::alloc::alloc_zeroed(layout) }
        } else {
            // SAFETY: as above; the bytes are zeroed before anyone reads them.
            unsafe {
                // black_box keeps LLVM from fusing malloc+memset into
                // calloc, which glibc serves without its thread cache.
                let p = std::hint::black_box(std::alloc::alloc(layout));
                if !p.is_null() {
                    std::ptr::write_bytes(p, 0, len);
                }
                p
            }
        };
        if ptr.is_null() {
            return None;
        }
        // SAFETY: allocated by the global allocator with exactly this layout
        // (capacity len, align 1), and all len bytes are initialised (zero).
        let v = unsafe { Vec::from_raw_parts(ptr, len, len) };
        Some(Msg::from_vec(v))
    }

    /// A copy of `data`.
    pub fn from_slice(data: &[u8]) -> Msg {
        if data.len() <= INLINE_CAP {
            let mut buf = [0; INLINE_CAP];
            buf[..data.len()].copy_from_slice(data);
            Msg {
                body: Body::Inline {
                    len: data.len() as u8,
                    buf,
                },
                ..Msg::new()
            }
        } else {
            Msg::from_bytes(Bytes::copy_from_slice(data))
        }
    }

    /// Takes ownership of `data` without copying (unless it is tiny).
    pub fn from_vec(data: Vec<u8>) -> Msg {
        if data.len() <= INLINE_CAP {
            Msg::from_slice(&data)
        } else {
            Msg::from_bytes(Bytes::from(data))
        }
    }

    /// Wraps shared bytes; tiny bodies are copied inline so they pin nothing.
    pub fn from_bytes(data: Bytes) -> Msg {
        if data.len() <= INLINE_CAP {
            return Msg::from_slice(&data);
        }
        Msg {
            body: Body::Heap(data),
            ..Msg::new()
        }
    }

    /// Constant data that outlives every message (zmq_send_const).
    pub fn from_static(data: &'static [u8]) -> Msg {
        let mut m = Msg {
            body: Body::Heap(Bytes::from_static(data)),
            ..Msg::new()
        };
        m.flags |= flags::SHARED;
        m
    }

    /// A caller-owned buffer released through `ffn(data, hint)` when the
    /// last reference is dropped (zmq_msg_init_data).
    ///
    /// # Safety
    /// `data` must be valid for reads of `len` bytes until `ffn` is called,
    /// and `ffn` (if any) must be safe to call from any thread.
    pub unsafe fn from_user(
        data: *mut u8,
        len: usize,
        ffn: Option<user::FreeFn>,
        hint: *mut libc::c_void,
    ) -> Msg {
        let constant = ffn.is_none();
        // SAFETY: forwarded from this function's contract.
        let owner = unsafe { user::UserBuffer::new(data, len, ffn, hint) };
        let mut m = Msg {
            body: Body::Heap(Bytes::from_owner(owner)),
            ..Msg::new()
        };
        if constant {
            // No free function: constant data the caller keeps, which any
            // number of messages may point at (libzmq reports it shared).
            m.flags |= flags::SHARED;
        }
        m
    }

    pub fn data(&self) -> &[u8] {
        match &self.body {
            Body::Inline { len, buf } => &buf[..*len as usize],
            Body::Heap(b) => b,
        }
    }

    /// Pointer for `zmq_msg_data`: callers may write through it (libzmq lets
    /// them; after zmq_msg_copy the write is visible in both copies, as in libzmq).
    pub fn data_ptr(&mut self) -> *mut u8 {
        match &mut self.body {
            Body::Inline { buf, .. } => buf.as_mut_ptr(),
            Body::Heap(b) => b.as_ptr() as *mut u8,
        }
    }

    pub fn len(&self) -> usize {
        match &self.body {
            Body::Inline { len, .. } => *len as usize,
            Body::Heap(b) => b.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The body as shared bytes (copies inline bodies).
    pub fn to_bytes(&self) -> Bytes {
        match &self.body {
            Body::Inline { len, buf } => Bytes::copy_from_slice(&buf[..*len as usize]),
            Body::Heap(b) => b.clone(),
        }
    }

    /// Whether the body lives on the heap (counts toward byte caps as an allocation).
    pub fn is_heap(&self) -> bool {
        matches!(self.body, Body::Heap(_))
    }

    pub fn flags(&self) -> u8 {
        self.flags
    }

    pub fn more(&self) -> bool {
        self.flags & flags::MORE != 0
    }

    pub fn set_more(&mut self, more: bool) {
        if more {
            self.flags |= flags::MORE;
        } else {
            self.flags &= !flags::MORE;
        }
    }

    pub fn is_command(&self) -> bool {
        self.flags & flags::COMMAND != 0
    }

    pub fn set_command(&mut self, cmd: bool) {
        if cmd {
            self.flags |= flags::COMMAND;
        } else {
            self.flags &= !flags::COMMAND;
        }
    }

    pub fn is_subscribe(&self) -> bool {
        self.flags & flags::SUBSCRIBE != 0
    }

    pub fn is_cancel(&self) -> bool {
        self.flags & flags::CANCEL != 0
    }

    /// Sets extra flag bits (SUBSCRIBE, CANCEL).
    pub fn add_flags(&mut self, f: u8) {
        self.flags |= f;
    }

    pub fn is_shared(&self) -> bool {
        self.flags & flags::SHARED != 0
    }

    /// zmq_msg_copy: both messages now share one body.
    pub fn share(&mut self) -> Msg {
        if let Body::Heap(_) = self.body {
            self.flags |= flags::SHARED;
        }
        self.clone()
    }

    pub fn routing_id(&self) -> u32 {
        self.routing_id
    }

    pub fn set_routing_id(&mut self, id: u32) {
        self.routing_id = id;
    }

    pub fn metadata(&self) -> Option<&Arc<Metadata>> {
        self.meta.as_ref()
    }

    pub fn set_metadata(&mut self, meta: Option<Arc<Metadata>>) {
        self.meta = meta;
    }

    /// Clears routing id, metadata and flags other than MORE (before a send).
    pub fn reset_properties(&mut self) {
        self.meta = None;
        self.routing_id = 0;
        self.flags &= flags::MORE | flags::SHARED;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn msg_fits_in_zmq_msg_t() {
        assert!(
            std::mem::size_of::<Msg>() <= 56,
            "{}",
            std::mem::size_of::<Msg>()
        );
        assert!(std::mem::align_of::<Msg>() <= 8);
    }

    #[test]
    fn small_bodies_are_inline() {
        let m = Msg::from_vec(vec![7; INLINE_CAP]);
        assert!(!m.is_heap());
        assert_eq!(m.data(), &[7; INLINE_CAP][..]);
        let m = Msg::from_vec(vec![7; INLINE_CAP + 1]);
        assert!(m.is_heap());
        assert_eq!(m.len(), INLINE_CAP + 1);
    }

    #[test]
    fn try_with_size_is_zeroed() {
        let m = Msg::try_with_size(100_000).unwrap();
        assert_eq!(m.len(), 100_000);
        assert!(m.data().iter().all(|&b| b == 0));
        assert_eq!(Msg::try_with_size(3).unwrap().data(), &[0, 0, 0]);
        assert!(Msg::try_with_size(usize::MAX).is_none());
    }

    #[test]
    fn share_marks_both() {
        let mut a = Msg::from_vec(vec![1; 100]);
        let b = a.share();
        assert!(a.is_shared() && b.is_shared());
        assert_eq!(a.data(), b.data());
        let mut c = Msg::from_slice(b"tiny");
        assert!(!c.share().is_shared());
    }

    #[test]
    fn flags_round_trip() {
        let mut m = Msg::new();
        m.set_more(true);
        assert!(m.more());
        m.set_command(true);
        assert!(m.is_command() && m.more());
        m.set_more(false);
        assert!(!m.more());
        m.set_routing_id(42);
        m.reset_properties();
        assert_eq!(m.routing_id(), 0);
        assert!(!m.is_command());
    }

    #[test]
    fn user_buffer_is_freed_once() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static FREED: AtomicUsize = AtomicUsize::new(0);
        unsafe extern "C" fn ffn(data: *mut libc::c_void, _hint: *mut libc::c_void) {
            FREED.fetch_add(1, Ordering::SeqCst);
            // SAFETY: the test allocated it with Box below.
            drop(unsafe { Box::from_raw(data as *mut [u8; 64]) });
        }
        let raw = Box::into_raw(Box::new([9u8; 64])) as *mut u8;
        // SAFETY: raw is valid for 64 bytes until ffn frees it.
        let mut m = unsafe { Msg::from_user(raw, 64, Some(ffn), std::ptr::null_mut()) };
        let c = m.share();
        assert_eq!(c.data(), &[9u8; 64][..]);
        drop(m);
        assert_eq!(FREED.load(Ordering::SeqCst), 0);
        drop(c);
        assert_eq!(FREED.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn constant_user_data_is_shared() {
        static DATA: [u8; 5] = *b"TEST\0";
        // SAFETY: static data outlives the message; no free function.
        let m = unsafe { Msg::from_user(DATA.as_ptr().cast_mut(), 5, None, std::ptr::null_mut()) };
        assert!(m.is_shared());
        assert_eq!(m.data(), b"TEST\0");
        // With a free function the caller's buffer is ours alone.
        let raw = Box::into_raw(Box::new([1u8; 8])) as *mut u8;
        unsafe extern "C" fn free_box(data: *mut libc::c_void, _: *mut libc::c_void) {
            // SAFETY: allocated with Box below.
            drop(unsafe { Box::from_raw(data as *mut [u8; 8]) });
        }
        // SAFETY: raw is valid for 8 bytes until free_box frees it.
        let owned = unsafe { Msg::from_user(raw, 8, Some(free_box), std::ptr::null_mut()) };
        assert!(!owned.is_shared());
    }
}
