//! zmq_curve_keypair and zmq_curve_public: CURVE key helpers (Z85 text).

use super::guard_int;
use crate::errno::Errno;
use crate::util::z85;
use crate::zmtp::mechanism::curve::{generate_keypair, public_from_secret, KEY_LEN};
use libc::{c_char, c_int};
use std::ffi::CStr;
use zeroize::Zeroizing;

/// Z85 text of a key plus its NUL.
const Z85_KEY: usize = 41;

/// Writes the Z85 text of `key` and a NUL.
///
/// # Safety
/// `dest` writable for 41 bytes.
unsafe fn write_key(dest: *mut c_char, key: &[u8; KEY_LEN]) -> Result<(), Errno> {
    let mut text = Zeroizing::new([0u8; Z85_KEY]);
    z85::encode_into(key, &mut text[..Z85_KEY - 1])?;
    // SAFETY: the caller's contract: 41 writable bytes.
    unsafe { std::ptr::copy_nonoverlapping(text.as_ptr(), dest.cast::<u8>(), Z85_KEY) };
    Ok(())
}

/// Generates a key pair and writes both keys as 40 Z85 characters + NUL.
///
/// # Safety
/// Both buffers writable for 41 bytes.
#[no_mangle]
pub unsafe extern "C" fn zmq_curve_keypair(
    z85_public_key: *mut c_char,
    z85_secret_key: *mut c_char,
) -> c_int {
    guard_int(|| {
        if z85_public_key.is_null() || z85_secret_key.is_null() {
            return Err(Errno::EFAULT);
        }
        let (public, secret) = generate_keypair().map_err(|_| Errno::EFAULT)?;
        // SAFETY: forwarded contract.
        unsafe {
            write_key(z85_public_key, &public)?;
            write_key(z85_secret_key, secret.as_bytes())?;
        }
        Ok(0)
    })
}

/// Derives the public key of a Z85 secret key (40 characters). EINVAL,
/// with the output untouched, when the text is not a 32-byte Z85 key.
///
/// # Safety
/// `z85_public_key` writable for 41 bytes; `z85_secret_key` a C string.
#[no_mangle]
pub unsafe extern "C" fn zmq_curve_public(
    z85_public_key: *mut c_char,
    z85_secret_key: *const c_char,
) -> c_int {
    guard_int(|| {
        if z85_public_key.is_null() || z85_secret_key.is_null() {
            return Err(Errno::EFAULT);
        }
        // SAFETY: a NUL-terminated string per the C contract.
        let text = unsafe { CStr::from_ptr(z85_secret_key) }.to_bytes();
        if text.len() != Z85_KEY - 1 {
            return Err(Errno::EINVAL);
        }
        let mut secret = Zeroizing::new([0u8; KEY_LEN]);
        z85::decode_into(text, &mut secret[..])?;
        // SAFETY: forwarded contract.
        unsafe { write_key(z85_public_key, &public_from_secret(&secret))? };
        Ok(0)
    })
}
