//! Z85 (ZeroMQ RFC 32): 4 binary bytes <-> 5 printable characters.
//!
//! Decoding is strict like libzmq 4.3.5: the text length must be a non-zero
//! multiple of 5, every character must belong to the Z85 alphabet, and no 5-character
//! group may stand for a value above 0xFFFFFFFF. Unlike libzmq, the input is
//! validated completely before anything is written, so a failed decode never
//! leaves a half-written key behind.

use crate::errno::{Errno, ZResult};

/// The 85 characters, in digit order.
const ALPHABET: &[u8; 85] =
    b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

/// Marks bytes outside the alphabet in [`DIGITS`].
const INVALID: u8 = 0xFF;

/// Byte -> digit value, `INVALID` for everything outside the alphabet.
const DIGITS: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < ALPHABET.len() {
        table[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// Length of the text (without a terminating NUL) for `n` binary bytes, or
/// None when `n` is not a multiple of 4 (or absurdly large).
pub fn encoded_len(n: usize) -> Option<usize> {
    if !n.is_multiple_of(4) {
        return None;
    }
    (n / 4).checked_mul(5)
}

/// Length of the binary data for a text of `n` characters, or None when `n`
/// is not a multiple of 5 or is 0 (libzmq 4.3.5 rejects an empty text, while
/// it encodes empty data as an empty text).
pub fn decoded_len(n: usize) -> Option<usize> {
    if n == 0 || !n.is_multiple_of(5) {
        return None;
    }
    Some(n / 5 * 4)
}

/// Encodes `data` into `out`, which must be exactly `encoded_len(data.len())`
/// bytes long. EINVAL when the length of `data` is not a multiple of 4 or
/// `out` has the wrong size.
pub fn encode_into(data: &[u8], out: &mut [u8]) -> ZResult<()> {
    if encoded_len(data.len()) != Some(out.len()) {
        return Err(Errno::EINVAL);
    }
    for (chunk, text) in data.chunks_exact(4).zip(out.chunks_exact_mut(5)) {
        let mut value = u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        for slot in text.iter_mut().rev() {
            *slot = ALPHABET[(value % 85) as usize];
            value /= 85;
        }
    }
    Ok(())
}

/// Encodes `data` as a Z85 string.
pub fn encode(data: &[u8]) -> ZResult<String> {
    let len = encoded_len(data.len()).ok_or(Errno::EINVAL)?;
    let mut out = vec![0u8; len];
    encode_into(data, &mut out)?;
    // Every byte written comes from the ASCII alphabet.
    String::from_utf8(out).map_err(|_| Errno::EINVAL)
}

/// The 32-bit value of one 5-character group, or None when a character is
/// outside the alphabet or the value does not fit in 32 bits.
fn group_value(group: &[u8]) -> Option<u32> {
    let mut value: u32 = 0;
    for &c in group {
        let digit = DIGITS[c as usize];
        if digit == INVALID {
            return None;
        }
        value = value.checked_mul(85)?.checked_add(u32::from(digit))?;
    }
    Some(value)
}

/// Decodes `text` into `out`, which must be exactly `decoded_len(text.len())`
/// bytes long. EINVAL on a bad length, a character outside the alphabet or a
/// group worth more than 0xFFFFFFFF; `out` is untouched on error.
pub fn decode_into(text: &[u8], out: &mut [u8]) -> ZResult<()> {
    if decoded_len(text.len()) != Some(out.len()) {
        return Err(Errno::EINVAL);
    }
    // Validate everything first so nothing is written for bad input.
    if !text.chunks_exact(5).all(|g| group_value(g).is_some()) {
        return Err(Errno::EINVAL);
    }
    for (group, bytes) in text.chunks_exact(5).zip(out.chunks_exact_mut(4)) {
        let value = group_value(group).ok_or(Errno::EINVAL)?;
        bytes.copy_from_slice(&value.to_be_bytes());
    }
    Ok(())
}

/// Decodes a Z85 text.
pub fn decode(text: &[u8]) -> ZResult<Vec<u8>> {
    let len = decoded_len(text.len()).ok_or(Errno::EINVAL)?;
    let mut out = vec![0u8; len];
    decode_into(text, &mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HELLO: [u8; 8] = [0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B];

    #[test]
    fn rfc32_test_vector() {
        assert_eq!(encode(&HELLO).unwrap(), "HelloWorld");
        assert_eq!(decode(b"HelloWorld").unwrap(), HELLO);
    }

    #[test]
    fn alphabet_is_85_distinct_printables() {
        let mut seen = [false; 256];
        for &c in ALPHABET.iter() {
            assert!(c.is_ascii_graphic());
            assert!(!seen[c as usize]);
            seen[c as usize] = true;
        }
        // 94 printable non-space ASCII characters, 85 used: 9 left over.
        let unused: Vec<u8> = (0x21u8..0x7F).filter(|&c| !seen[c as usize]).collect();
        assert_eq!(unused, b"\"',;\\_`|~".to_vec());
    }

    #[test]
    fn extremes() {
        assert_eq!(encode(&[0, 0, 0, 0]).unwrap(), "00000");
        assert_eq!(encode(&[0xFF; 4]).unwrap(), "%nSc0");
        assert_eq!(decode(b"%nSc0").unwrap(), [0xFF; 4]);
        // One above 0xFFFFFFFF, and the largest group.
        assert_eq!(decode(b"%nSc1"), Err(Errno::EINVAL));
        assert_eq!(decode(b"#####"), Err(Errno::EINVAL));
    }

    #[test]
    fn empty() {
        assert_eq!(encode(&[]).unwrap(), "");
        assert_eq!(decode(b""), Err(Errno::EINVAL));
    }

    #[test]
    fn bad_lengths() {
        for n in [1, 2, 3, 5, 7, 33] {
            assert_eq!(encode(&vec![0; n]), Err(Errno::EINVAL));
        }
        for n in [1, 4, 6, 9, 41] {
            assert_eq!(decode(&vec![b'0'; n]), Err(Errno::EINVAL));
        }
        let mut small = [0u8; 4];
        assert_eq!(encode_into(&HELLO, &mut small), Err(Errno::EINVAL));
        assert_eq!(decode_into(b"HelloWorld", &mut small), Err(Errno::EINVAL));
    }

    #[test]
    fn bad_characters_leave_output_untouched() {
        for bad in [
            b' ', b'"', b'\'', b',', b';', b'\\', b'_', b'`', b'|', b'~', 0x7F, 0x80, 0xFF, 0x01,
            b'\n',
        ] {
            let mut text = *b"HelloWorld";
            text[7] = bad;
            let mut out = [0xAAu8; 8];
            assert_eq!(
                decode_into(&text, &mut out),
                Err(Errno::EINVAL),
                "byte {bad:#x}"
            );
            assert_eq!(out, [0xAA; 8]);
        }
    }

    #[test]
    fn round_trip_many() {
        // A simple deterministic generator covers many bit patterns.
        let mut x: u32 = 0x1234_5678;
        for len in (4..=64).step_by(4) {
            let data: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    x as u8
                })
                .collect();
            let text = encode(&data).unwrap();
            assert_eq!(text.len(), len / 4 * 5);
            assert_eq!(decode(text.as_bytes()).unwrap(), data);
        }
        for v in [
            0u32,
            1,
            84,
            85,
            0x7FFF_FFFF,
            0x8000_0000,
            u32::MAX - 1,
            u32::MAX,
        ] {
            let text = encode(&v.to_be_bytes()).unwrap();
            assert_eq!(decode(text.as_bytes()).unwrap(), v.to_be_bytes());
        }
    }

    #[test]
    fn curve_key_from_man_page() {
        let key = decode(b"rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7").unwrap();
        assert_eq!(key.len(), 32);
        assert_eq!(
            encode(&key).unwrap(),
            "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
        );
    }
}
