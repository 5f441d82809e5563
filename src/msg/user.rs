//! Caller-owned message buffers (zmq_msg_init_data).

/// libzmq's `zmq_free_fn`.
pub type FreeFn = unsafe extern "C" fn(data: *mut libc::c_void, hint: *mut libc::c_void);

/// Owns a caller's buffer and hands it back through the free function once.
pub(crate) struct UserBuffer {
    data: *mut u8,
    len: usize,
    ffn: Option<FreeFn>,
    hint: *mut libc::c_void,
}

// SAFETY: the C contract of zmq_msg_init_data lets the library release the
// buffer from any of its threads; the bytes are only read, never mutated here.
unsafe impl Send for UserBuffer {}
// SAFETY: as above; shared access is read-only.
unsafe impl Sync for UserBuffer {}

impl UserBuffer {
    /// # Safety
    /// `data` must be valid for `len` bytes until `ffn` runs.
    pub(crate) unsafe fn new(
        data: *mut u8,
        len: usize,
        ffn: Option<FreeFn>,
        hint: *mut libc::c_void,
    ) -> Self {
        UserBuffer {
            data,
            len,
            ffn,
            hint,
        }
    }
}

impl AsRef<[u8]> for UserBuffer {
    fn as_ref(&self) -> &[u8] {
        if self.len == 0 || self.data.is_null() {
            return &[];
        }
        // SAFETY: the constructor's contract keeps `data` valid for `len` bytes.
        unsafe { std::slice::from_raw_parts(self.data, self.len) }
    }
}

impl Drop for UserBuffer {
    fn drop(&mut self) {
        if let Some(ffn) = self.ffn {
            // SAFETY: called exactly once, with the pointer and hint the caller gave.
            unsafe { ffn(self.data as *mut libc::c_void, self.hint) }
        }
    }
}
