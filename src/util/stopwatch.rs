//! zmq_stopwatch_*: microseconds elapsed on the monotonic clock.

use super::handle::Tag;
use std::time::Instant;

/// A stopwatch handed to C as an opaque handle.
#[repr(C)]
#[derive(Debug)]
pub struct Stopwatch {
    /// Must stay the first field (see `handle`).
    pub(crate) tag: Tag,
    start: Instant,
}

impl Stopwatch {
    /// Tag value of a running stopwatch.
    pub const MAGIC: u64 = 0x5241_4d50_5357_4331; // "RAMPSWC1"

    /// Starts timing now.
    pub fn start() -> Self {
        Stopwatch {
            tag: Tag::new(Self::MAGIC),
            start: Instant::now(),
        }
    }

    /// Whole microseconds since `start`, saturating at u64::MAX.
    pub fn elapsed_us(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_micros()).unwrap_or(u64::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn counts_up() {
        let w = Stopwatch::start();
        let a = w.elapsed_us();
        std::thread::sleep(Duration::from_millis(5));
        let b = w.elapsed_us();
        assert!(b >= a + 5_000, "{a} {b}");
        assert!(b < 5_000_000);
    }
}
