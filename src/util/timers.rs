//! zmq_timers_*: a set of repeating timers driven by the caller.
//!
//! Semantics follow libzmq: a timer repeats every `interval` milliseconds
//! until cancelled; `execute` runs every timer due at the moment it starts
//! and reschedules each one `interval` after that moment; `timeout` is the
//! time until the next live timer (0 when one is overdue, None when there are
//! none). Ids start at 1 and are not reused while a timer holds them.
//!
//! Differences from libzmq, all in the direction of robustness:
//! * a cancelled timer is gone at once (libzmq keeps it until the next
//!   `timeout`/`execute`, so there `reset`/`set_interval` may still succeed on
//!   it; here they give EINVAL, as the man page says);
//! * one `execute` runs each due timer at most once, even with a zero
//!   interval (libzmq can loop forever), and never runs timers added by a
//!   handler during that `execute`;
//! * a handler may cancel, reset, reschedule or add any timer, its own
//!   included, and may even execute the set again: `execute` is step-wise
//!   ([`Timers::due`] then [`Timers::fire`]) so no borrow is held while a
//!   handler runs;
//! * time is kept to the nanosecond and `timeout` rounds up, so sleeping for
//!   the reported timeout is always enough; intervals up to `u64::MAX` ms
//!   saturate instead of wrapping into the past.
//!
//! [`TimerSet`] wraps [`Timers`] for C: a tag, a lock (a set used from two
//! threads is a caller bug, but it cannot corrupt memory), and deferred
//! destruction when a handler destroys the set it is being run from.

use super::handle::Tag;
use crate::errno::{Errno, ZResult};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A monotonic time source; `now` counts from an arbitrary fixed origin.
pub trait Clock {
    fn now(&self) -> Duration;
}

/// The process's monotonic clock (CLOCK_MONOTONIC through `Instant`).
#[derive(Debug, Clone, Copy)]
pub struct MonotonicClock {
    origin: Instant,
}

impl MonotonicClock {
    pub fn new() -> Self {
        MonotonicClock {
            origin: Instant::now(),
        }
    }
}

impl Default for MonotonicClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for MonotonicClock {
    fn now(&self) -> Duration {
        self.origin.elapsed()
    }
}

/// Position in the schedule: deadline, then order of scheduling (timers due
/// at the same moment run in the order they were scheduled, as in libzmq).
pub type Slot = (Duration, u64);

#[derive(Debug)]
struct Timer<T> {
    interval: Duration,
    slot: Slot,
    payload: T,
}

/// The timers due when an `execute` starts, to be fired one by one.
#[derive(Debug)]
pub struct DueBatch {
    /// The moment the batch was taken; fired timers are rescheduled from it.
    pub now: Duration,
    /// Due timers in running order.
    pub timers: Vec<(i32, Slot)>,
}

/// A set of repeating timers carrying a payload each (the C handler and its
/// argument in `ffi/`).
#[derive(Debug)]
pub struct Timers<T, C = MonotonicClock> {
    clock: C,
    last_id: i32,
    next_seq: u64,
    schedule: BTreeMap<Slot, i32>,
    timers: HashMap<i32, Timer<T>>,
}

impl<T: Copy> Timers<T, MonotonicClock> {
    pub fn new() -> Self {
        Self::with_clock(MonotonicClock::new())
    }
}

impl<T: Copy> Default for Timers<T, MonotonicClock> {
    fn default() -> Self {
        Self::new()
    }
}

fn interval_of(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

impl<T: Copy, C: Clock> Timers<T, C> {
    pub fn with_clock(clock: C) -> Self {
        Timers {
            clock,
            last_id: 0,
            next_seq: 0,
            schedule: BTreeMap::new(),
            timers: HashMap::new(),
        }
    }

    /// Number of live timers.
    pub fn len(&self) -> usize {
        self.timers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.timers.is_empty()
    }

    fn next_slot(&mut self, deadline: Duration) -> Slot {
        let slot = (deadline, self.next_seq);
        self.next_seq = self.next_seq.wrapping_add(1);
        slot
    }

    fn fresh_id(&mut self) -> ZResult<i32> {
        if self.timers.len() >= i32::MAX as usize {
            return Err(Errno::ENOMEM);
        }
        let mut id = self.last_id;
        loop {
            id = if id == i32::MAX { 1 } else { id + 1 };
            if !self.timers.contains_key(&id) {
                self.last_id = id;
                return Ok(id);
            }
        }
    }

    /// Moves timer `id` to fire `interval` after `from`.
    fn reschedule(&mut self, id: i32, from: Duration) -> ZResult<()> {
        let (old, interval) = match self.timers.get(&id) {
            Some(t) => (t.slot, t.interval),
            None => return Err(Errno::EINVAL),
        };
        let slot = self.next_slot(from.saturating_add(interval));
        self.schedule.remove(&old);
        self.schedule.insert(slot, id);
        if let Some(t) = self.timers.get_mut(&id) {
            t.slot = slot;
        }
        Ok(())
    }

    /// Adds a timer firing every `interval_ms`, first `interval_ms` from now.
    pub fn add(&mut self, interval_ms: u64, payload: T) -> ZResult<i32> {
        let id = self.fresh_id()?;
        let interval = interval_of(interval_ms);
        let slot = self.next_slot(self.clock.now().saturating_add(interval));
        self.schedule.insert(slot, id);
        self.timers.insert(
            id,
            Timer {
                interval,
                slot,
                payload,
            },
        );
        Ok(id)
    }

    /// Removes timer `id`. EINVAL when there is no such (live) timer.
    pub fn cancel(&mut self, id: i32) -> ZResult<()> {
        let timer = self.timers.remove(&id).ok_or(Errno::EINVAL)?;
        self.schedule.remove(&timer.slot);
        Ok(())
    }

    /// Changes the interval of timer `id` and restarts it from now.
    pub fn set_interval(&mut self, id: i32, interval_ms: u64) -> ZResult<()> {
        let timer = self.timers.get_mut(&id).ok_or(Errno::EINVAL)?;
        timer.interval = interval_of(interval_ms);
        let now = self.clock.now();
        self.reschedule(id, now)
    }

    /// Restarts timer `id`: it next fires one interval from now.
    pub fn reset(&mut self, id: i32) -> ZResult<()> {
        let now = self.clock.now();
        self.reschedule(id, now)
    }

    /// Milliseconds (rounded up) until the next timer is due, 0 if one is
    /// overdue, None when there are no timers.
    pub fn timeout_ms(&self) -> Option<u64> {
        let (&(deadline, _), _) = self.schedule.iter().next()?;
        let left = deadline.saturating_sub(self.clock.now());
        let ms = left.as_nanos().div_ceil(1_000_000);
        Some(u64::try_from(ms).unwrap_or(u64::MAX))
    }

    /// The timers due now, in running order. Fire them with [`Timers::fire`].
    pub fn due(&self) -> DueBatch {
        let now = self.clock.now();
        let timers = self
            .schedule
            .iter()
            .take_while(|(&(deadline, _), _)| deadline <= now)
            .map(|(&slot, &id)| (id, slot))
            .collect();
        DueBatch { now, timers }
    }

    /// Fires one timer of a batch taken at `now`: if timer `id` is still
    /// scheduled at `slot` (not cancelled, reset or rescheduled since), it is
    /// rescheduled one interval after `now` and its payload returned for the
    /// caller to run.
    pub fn fire(&mut self, id: i32, slot: Slot, now: Duration) -> Option<T> {
        let timer = self.timers.get(&id)?;
        if timer.slot != slot {
            return None;
        }
        let payload = timer.payload;
        self.reschedule(id, now).ok()?;
        Some(payload)
    }

    /// Runs every due timer through `run` (for callers that cannot re-enter
    /// the set from `run`; `ffi/` uses [`TimerSet::execute`]).
    pub fn execute(&mut self, mut run: impl FnMut(i32, T)) {
        let batch = self.due();
        for (id, slot) in batch.timers {
            if let Some(payload) = self.fire(id, slot, batch.now) {
                run(id, payload);
            }
        }
    }
}

#[derive(Debug)]
struct SetState<T> {
    timers: Timers<T>,
    /// Executes in progress (a handler may execute the set again).
    executing: u32,
    /// Destroyed while executing: the last execute to finish frees it.
    destroyed: bool,
}

/// What [`TimerSet::destroy`] and [`TimerSet::execute`] tell the owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Release {
    /// The set may be freed now.
    Free,
    /// The set is still in use (an execute is running); keep it.
    Keep,
}

/// A timer set handed to C as an opaque handle.
#[repr(C)]
#[derive(Debug)]
pub struct TimerSet<T> {
    /// Must stay the first field (see `handle`).
    pub(crate) tag: Tag,
    state: Mutex<SetState<T>>,
}

impl<T: Copy> TimerSet<T> {
    /// Tag value of a live timer set.
    pub const MAGIC: u64 = 0x5241_4d50_544d_5231; // "RAMPTMR1"

    pub fn new() -> Self {
        TimerSet {
            tag: Tag::new(Self::MAGIC),
            state: Mutex::new(SetState {
                timers: Timers::new(),
                executing: 0,
                destroyed: false,
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, SetState<T>> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` on the timers (briefly locked; never call C from `f`).
    pub fn with<R>(&self, f: impl FnOnce(&mut Timers<T>) -> R) -> R {
        f(&mut self.state().timers)
    }

    /// Marks the set destroyed (its tag must already be retired). Free means
    /// the caller frees it now; Keep means a running execute will report Free
    /// when it finishes.
    pub fn destroy(&self) -> Release {
        let mut st = self.state();
        st.destroyed = true;
        if st.executing == 0 {
            Release::Free
        } else {
            Release::Keep
        }
    }

    /// Runs the due timers through `run` without holding the lock, so `run`
    /// may call back into this set. Stops early if the set is destroyed
    /// meanwhile; returns Free when the caller must now free the set.
    pub fn execute(&self, mut run: impl FnMut(i32, T)) -> Release {
        let batch = {
            let mut st = self.state();
            st.executing += 1;
            st.timers.due()
        };
        for (id, slot) in batch.timers {
            let payload = {
                let mut st = self.state();
                if st.destroyed {
                    break;
                }
                st.timers.fire(id, slot, batch.now)
            };
            if let Some(payload) = payload {
                run(id, payload);
            }
        }
        let mut st = self.state();
        st.executing -= 1;
        if st.destroyed && st.executing == 0 {
            Release::Free
        } else {
            Release::Keep
        }
    }
}

impl<T: Copy> Default for TimerSet<T> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;

    /// A clock the test moves by hand.
    #[derive(Clone, Default)]
    struct FakeClock(Rc<Cell<Duration>>);

    impl FakeClock {
        fn advance_ms(&self, ms: u64) {
            self.0.set(self.0.get() + Duration::from_millis(ms));
        }
        fn advance_us(&self, us: u64) {
            self.0.set(self.0.get() + Duration::from_micros(us));
        }
    }

    impl Clock for FakeClock {
        fn now(&self) -> Duration {
            self.0.get()
        }
    }

    fn setup() -> (FakeClock, Timers<u32, FakeClock>) {
        let clock = FakeClock::default();
        (clock.clone(), Timers::with_clock(clock))
    }

    fn run(t: &mut Timers<u32, FakeClock>) -> Vec<u32> {
        let mut fired = Vec::new();
        t.execute(|_, p| fired.push(p));
        fired
    }

    #[test]
    fn ids_start_at_one() {
        let (_, mut t) = setup();
        assert_eq!(t.add(10, 0).unwrap(), 1);
        assert_eq!(t.add(10, 0).unwrap(), 2);
        t.cancel(2).unwrap();
        assert_eq!(t.add(10, 0).unwrap(), 3);
    }

    #[test]
    fn no_timers() {
        let (_, mut t) = setup();
        assert_eq!(t.timeout_ms(), None);
        assert!(run(&mut t).is_empty());
        assert_eq!(t.cancel(1), Err(Errno::EINVAL));
        assert_eq!(t.reset(1), Err(Errno::EINVAL));
        assert_eq!(t.set_interval(1, 5), Err(Errno::EINVAL));
    }

    #[test]
    fn fires_in_deadline_order_and_repeats() {
        let (clock, mut t) = setup();
        t.add(30, 3).unwrap();
        t.add(10, 1).unwrap();
        t.add(20, 2).unwrap();
        assert_eq!(t.timeout_ms(), Some(10));
        assert!(run(&mut t).is_empty());
        clock.advance_ms(9);
        assert_eq!(t.timeout_ms(), Some(1));
        assert!(run(&mut t).is_empty());
        clock.advance_ms(1);
        assert_eq!(t.timeout_ms(), Some(0));
        assert_eq!(run(&mut t), [1]);
        assert_eq!(t.timeout_ms(), Some(10)); // 1 again at 20, 2 at 20
        clock.advance_ms(25);
        assert_eq!(run(&mut t), [2, 1, 3]); // 2@20 (added first), 1@20, 3@30
        assert_eq!(t.timeout_ms(), Some(10)); // 1 at 45
    }

    #[test]
    fn equal_deadlines_run_in_insertion_order() {
        let (clock, mut t) = setup();
        for p in 0..5 {
            t.add(10, p).unwrap();
        }
        clock.advance_ms(10);
        assert_eq!(run(&mut t), [0, 1, 2, 3, 4]);
    }

    #[test]
    fn rescheduled_from_execute_time_without_catch_up() {
        let (clock, mut t) = setup();
        t.add(10, 7).unwrap();
        clock.advance_ms(35); // three periods late
        assert_eq!(run(&mut t), [7]); // runs once
        assert_eq!(t.timeout_ms(), Some(10));
    }

    #[test]
    fn timeout_rounds_up() {
        let (clock, mut t) = setup();
        t.add(10, 0).unwrap();
        clock.advance_us(9_001);
        assert_eq!(t.timeout_ms(), Some(1));
        assert!(run(&mut t).is_empty());
        clock.advance_us(998);
        assert_eq!(t.timeout_ms(), Some(1));
        clock.advance_us(1);
        assert_eq!(t.timeout_ms(), Some(0));
        assert_eq!(run(&mut t), [0]);
    }

    #[test]
    fn cancel() {
        let (clock, mut t) = setup();
        let a = t.add(10, 1).unwrap();
        let b = t.add(20, 2).unwrap();
        t.cancel(a).unwrap();
        assert_eq!(t.cancel(a), Err(Errno::EINVAL));
        assert_eq!(t.reset(a), Err(Errno::EINVAL));
        assert_eq!(t.set_interval(a, 5), Err(Errno::EINVAL));
        assert_eq!(t.timeout_ms(), Some(20));
        clock.advance_ms(50);
        assert_eq!(run(&mut t), [2]);
        t.cancel(b).unwrap();
        assert_eq!(t.timeout_ms(), None);
        assert!(t.is_empty());
    }

    #[test]
    fn reset_restarts_from_now() {
        let (clock, mut t) = setup();
        let a = t.add(10, 1).unwrap();
        clock.advance_ms(8);
        t.reset(a).unwrap();
        assert_eq!(t.timeout_ms(), Some(10));
        clock.advance_ms(9);
        assert!(run(&mut t).is_empty());
        clock.advance_ms(1);
        assert_eq!(run(&mut t), [1]);
    }

    #[test]
    fn set_interval_restarts_with_new_interval() {
        let (clock, mut t) = setup();
        let a = t.add(100, 1).unwrap();
        clock.advance_ms(50);
        t.set_interval(a, 20).unwrap();
        assert_eq!(t.timeout_ms(), Some(20));
        clock.advance_ms(20);
        assert_eq!(run(&mut t), [1]);
        assert_eq!(t.timeout_ms(), Some(20));
    }

    #[test]
    fn zero_interval_runs_once_per_execute() {
        let (_, mut t) = setup();
        t.add(0, 1).unwrap();
        assert_eq!(t.timeout_ms(), Some(0));
        assert_eq!(run(&mut t), [1]);
        assert_eq!(run(&mut t), [1]);
    }

    #[test]
    fn huge_interval_saturates() {
        let (clock, mut t) = setup();
        t.add(u64::MAX, 1).unwrap();
        clock.advance_ms(1000);
        assert!(run(&mut t).is_empty());
        assert!(t.timeout_ms().unwrap() > u64::MAX / 2);
        let b = t.add(5, 2).unwrap();
        assert_eq!(t.timeout_ms(), Some(5));
        t.set_interval(b, u64::MAX).unwrap();
        assert!(t.timeout_ms().unwrap() > u64::MAX / 2);
    }

    #[test]
    fn ids_wrap_past_live_ones() {
        let (_, mut t) = setup();
        t.last_id = i32::MAX - 1;
        assert_eq!(t.add(1, 0).unwrap(), i32::MAX);
        assert_eq!(t.add(1, 0).unwrap(), 1);
        t.last_id = 0;
        assert_eq!(t.add(1, 0).unwrap(), 2); // 1 is still live
    }

    #[test]
    fn step_wise_fire_skips_changed_timers() {
        let (clock, mut t) = setup();
        let a = t.add(10, 1).unwrap();
        let b = t.add(10, 2).unwrap();
        let c = t.add(10, 3).unwrap();
        let d = t.add(10, 4).unwrap();
        clock.advance_ms(10);
        let batch = t.due();
        assert_eq!(batch.timers.len(), 4);
        // As if a's handler cancelled b, reset c and re-added a new timer.
        assert_eq!(t.fire(a, batch.timers[0].1, batch.now), Some(1));
        t.cancel(b).unwrap();
        t.reset(c).unwrap();
        t.add(0, 5).unwrap();
        assert_eq!(t.fire(b, batch.timers[1].1, batch.now), None);
        assert_eq!(t.fire(c, batch.timers[2].1, batch.now), None);
        assert_eq!(t.fire(d, batch.timers[3].1, batch.now), Some(4));
        // A slot cannot be fired twice.
        assert_eq!(t.fire(d, batch.timers[3].1, batch.now), None);
    }

    #[test]
    fn timer_set_handlers_may_reenter() {
        let set: Rc<TimerSet<u32>> = Rc::new(TimerSet::new());
        let a = set.with(|t| t.add(0, 1)).unwrap();
        let b = set.with(|t| t.add(0, 2)).unwrap();
        let fired = RefCell::new(Vec::new());
        let rel = set.execute(|id, p| {
            fired.borrow_mut().push(p);
            if id == a {
                set.with(|t| t.cancel(b)).unwrap();
                set.with(|t| t.add(0, 3)).unwrap();
                // A nested execute is an execute of its own: `a` (interval
                // 0) is due again there, and so is the timer just added.
                set.execute(|_, p| fired.borrow_mut().push(p + 10));
            }
        });
        assert_eq!(rel, Release::Keep);
        // `b` was cancelled; the outer execute never runs the added timer.
        assert_eq!(*fired.borrow(), [1, 11, 13]);
    }

    #[test]
    fn timer_set_destroyed_inside_handler() {
        let set: TimerSet<u32> = TimerSet::new();
        set.with(|t| t.add(0, 1)).unwrap();
        set.with(|t| t.add(0, 2)).unwrap();
        let mut fired = Vec::new();
        let rel = set.execute(|_, p| {
            fired.push(p);
            assert!(set.tag.retire(TimerSet::<u32>::MAGIC));
            assert_eq!(set.destroy(), Release::Keep);
        });
        assert_eq!(rel, Release::Free);
        assert_eq!(fired, [1]);
        let idle: TimerSet<u32> = TimerSet::new();
        assert_eq!(idle.destroy(), Release::Free);
    }
}
