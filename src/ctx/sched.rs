//! The context's I/O thread options (ZMQ_THREAD_PRIORITY, _SCHED_POLICY,
//! _AFFINITY_CPU_ADD/_REMOVE, _NAME_PREFIX) and applying them to an I/O
//! thread as it starts, as libzmq does: pthread scheduling policy and
//! priority (a nice value of -20 for the non-realtime policies with a
//! positive priority), CPU affinity, and the thread name
//! "[prefix/]ZMQbg/IO/n". Unlike libzmq, a call the system refuses (no
//! permission to raise priority, an offline CPU) is ignored instead of
//! aborting the process.
//!
//! Thread: the options live under the context's lock; `apply_to_current`
//! runs on the new I/O thread itself.

use std::collections::BTreeSet;

/// The highest CPU index a cpu_set_t holds.
const MAX_CPU: usize = libc::CPU_SETSIZE as usize;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadParams {
    /// -1 = leave the default.
    pub priority: i32,
    /// -1 = leave the default.
    pub sched_policy: i32,
    pub affinity: BTreeSet<i32>,
    /// Empty, or what ZMQ_THREAD_NAME_PREFIX was set to.
    pub name_prefix: String,
}

impl Default for ThreadParams {
    fn default() -> Self {
        ThreadParams {
            priority: -1,
            sched_policy: -1,
            affinity: BTreeSet::new(),
            name_prefix: String::new(),
        }
    }
}

impl ThreadParams {
    /// The name of I/O thread `index`, cut to the 15 bytes Linux keeps.
    pub fn io_thread_name(&self, index: usize) -> String {
        let mut name = if self.name_prefix.is_empty() {
            format!("ZMQbg/IO/{index}")
        } else {
            format!("{}/ZMQbg/IO/{index}", self.name_prefix)
        };
        let mut cut = name.len().min(15);
        while !name.is_char_boundary(cut) {
            cut -= 1;
        }
        name.truncate(cut);
        name
    }

    /// What zmq_ctx_get(ZMQ_THREAD_NAME_PREFIX) reports: the prefix read
    /// as a number, like atoi (0 when it is not one).
    pub fn name_prefix_number(&self) -> i32 {
        let t = self.name_prefix.trim_start();
        let (neg, digits) = match t.as_bytes().first() {
            Some(b'-') => (true, &t[1..]),
            Some(b'+') => (false, &t[1..]),
            _ => (false, t),
        };
        let mut n: i64 = 0;
        for b in digits.bytes().take_while(u8::is_ascii_digit) {
            n = (n * 10 + i64::from(b - b'0')).min(i64::from(i32::MAX) + 1);
        }
        let n = if neg { -n } else { n };
        n.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
    }

    /// Whether starting a thread has anything to apply besides its name.
    fn has_sched(&self) -> bool {
        self.priority != -1 || self.sched_policy != -1 || !self.affinity.is_empty()
    }

    /// Applies policy, priority and affinity to the calling thread.
    #[allow(unsafe_code)]
    pub fn apply_to_current(&self) {
        if !self.has_sched() {
            return;
        }
        // SAFETY: pthread_self() is always valid for the calling thread;
        // `policy` and `param` are live locals the calls read or write.
        unsafe {
            let me = libc::pthread_self();
            let mut policy: libc::c_int = 0;
            let mut param: libc::sched_param = std::mem::zeroed();
            if libc::pthread_getschedparam(me, &mut policy, &mut param) == 0 {
                if self.sched_policy != -1 {
                    policy = self.sched_policy;
                }
                let realtime = policy == libc::SCHED_FIFO || policy == libc::SCHED_RR;
                if !realtime {
                    param.sched_priority = 0;
                } else if self.priority != -1 {
                    param.sched_priority = self.priority;
                }
                let _ = libc::pthread_setschedparam(me, policy, &param);
                if !realtime && self.priority > 0 {
                    // libzmq's reading of a priority under SCHED_OTHER:
                    // as high as the nice value goes (needs CAP_SYS_NICE).
                    let _ = libc::nice(-20);
                }
            }
        }
        let cpus: Vec<usize> = self
            .affinity
            .iter()
            .filter_map(|&c| usize::try_from(c).ok())
            .filter(|&c| c < MAX_CPU)
            .collect();
        if cpus.is_empty() {
            return;
        }
        // SAFETY: `set` is a zeroed cpu_set_t local; CPU_SET is given only
        // indices below CPU_SETSIZE; the size passed is the set's own.
        unsafe {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            for c in cpus {
                libc::CPU_SET(c, &mut set);
            }
            let _ = libc::pthread_setaffinity_np(
                libc::pthread_self(),
                std::mem::size_of::<libc::cpu_set_t>(),
                &set,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_libzmqs_and_fit_linux() {
        let mut p = ThreadParams::default();
        assert_eq!(p.io_thread_name(0), "ZMQbg/IO/0");
        p.name_prefix = "1234".into();
        assert_eq!(p.io_thread_name(0), "1234/ZMQbg/IO/0");
        p.name_prefix = "12345".into();
        assert_eq!(p.io_thread_name(3).len(), 15);
        assert_eq!(p.name_prefix_number(), 12345);
        p.name_prefix = "-7x".into();
        assert_eq!(p.name_prefix_number(), -7);
        p.name_prefix = String::new();
        assert_eq!(p.name_prefix_number(), 0);
    }

    #[test]
    fn affinity_applies_to_the_calling_thread() {
        let mut p = ThreadParams::default();
        p.affinity.insert(0);
        p.affinity.insert(100_000); // beyond a cpu_set_t: ignored
        std::thread::spawn(move || {
            p.apply_to_current();
            // SAFETY: zeroed local set filled by the kernel.
            #[allow(unsafe_code)]
            let first = unsafe {
                let mut set: libc::cpu_set_t = std::mem::zeroed();
                libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set);
                libc::CPU_ISSET(0, &set)
            };
            assert!(first);
        })
        .join()
        .unwrap();
    }
}
