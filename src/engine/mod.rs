//! The discrete-event kernel: integer time, a deterministic event queue, per-entity
//! random streams and the run loop. It knows nothing about sensors.
//!
//! ```text
//!            +------------------- schedule(t, e) -------------------+
//!            v                                                      |
//!   queue (time, seq) --pop--> Simulation::run_until --handle--> Model
//! ```
//!
//! ```
//! use citysim::engine::{Model, Scheduler, SimTime, Simulation, EventQueue};
//!
//! /// Counts ticks of a clock that ticks every second.
//! struct Clock { ticks: u32 }
//! impl Model for Clock {
//!     type Event = ();
//!     fn handle<Q: EventQueue<()>>(&mut self, _: (), s: &mut Scheduler<(), Q>) {
//!         self.ticks += 1;
//!         s.schedule_in(SimTime::from_secs(1), ());
//!     }
//! }
//! let mut sim = Simulation::new(Clock { ticks: 0 });
//! sim.schedule(SimTime::ZERO, ());
//! sim.run_until(SimTime::from_secs(10));
//! assert_eq!(sim.model().ticks, 11); // t = 0, 1, ..., 10
//! ```

mod queue;
mod rng;

pub use queue::{BinaryQueue, EventQueue, RadixQueue};
pub use rng::{stream, substream, Seeds, Stream};

use std::fmt;

/// Simulated time in nanoseconds since the start of the run (about 584 years fit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimTime(pub u64);

impl SimTime {
    /// The start of the run.
    pub const ZERO: SimTime = SimTime(0);

    /// Whole seconds.
    pub const fn from_secs(s: u64) -> SimTime {
        SimTime(s * 1_000_000_000)
    }

    /// Milliseconds.
    pub const fn from_millis(ms: u64) -> SimTime {
        SimTime(ms * 1_000_000)
    }

    /// Seconds as a float (for reports, never for the clock).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 * 1e-9
    }
}

impl std::ops::Add for SimTime {
    type Output = SimTime;
    #[inline]
    fn add(self, rhs: SimTime) -> SimTime {
        // Saturates: an event at the end of time is simply never reached.
        SimTime(self.0.saturating_add(rhs.0))
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::units::format_duration(self.0))
    }
}

/// How many events ahead of the one handled the model is told what comes
/// ([`Model::prefetch`]).
const PREFETCH_AHEAD: usize = 1;

/// The clock and the pending events, as seen by a model's handler.
pub struct Scheduler<E, Q: EventQueue<E> = RadixQueue<E>> {
    now: SimTime,
    queue: Q,
    processed: u64,
    _event: std::marker::PhantomData<E>,
}

impl<E, Q: EventQueue<E>> Scheduler<E, Q> {
    /// A scheduler standing at `now` over `queue`, to drive a model's handlers one by
    /// one (unit tests of a model's state machines).
    #[cfg(test)]
    pub(crate) fn standing_at(now: SimTime, queue: Q) -> Self {
        Scheduler {
            now,
            queue,
            processed: 0,
            _event: std::marker::PhantomData,
        }
    }

    /// Takes the earliest pending event out (unit tests).
    #[cfg(test)]
    pub(crate) fn take_next(&mut self) -> Option<(SimTime, E)> {
        self.queue.pop()
    }

    /// The current time.
    #[inline]
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Schedules `event` at absolute time `at`, which must not be in the past.
    #[inline]
    pub fn schedule_at(&mut self, at: SimTime, event: E) {
        assert!(at >= self.now, "event scheduled in the past");
        self.queue.push(at, event);
    }

    /// Schedules `event` after `delay`.
    #[inline]
    pub fn schedule_in(&mut self, delay: SimTime, event: E) {
        self.queue.push(self.now + delay, event);
    }

    /// Events handled so far.
    pub fn processed(&self) -> u64 {
        self.processed
    }

    /// Events pending.
    pub fn pending(&self) -> usize {
        self.queue.len()
    }
}

/// A simulation model: owns its state and reacts to its events.
pub trait Model {
    /// The event type: a small plain value (indices, not boxes).
    type Event;
    /// Handles one event at `sched.now()`, scheduling any consequences.
    fn handle<Q: EventQueue<Self::Event>>(
        &mut self,
        event: Self::Event,
        sched: &mut Scheduler<Self::Event, Q>,
    );

    /// A hint that `event` will be handled soon: the model may ask the processor to
    /// bring the state it will read into cache meanwhile. It must change nothing.
    #[inline]
    fn prefetch(&self, _event: &Self::Event) {}

    /// Whether the model takes [`Model::prefetch`] hints (looking ahead costs a little
    /// per event: a model that would do nothing with them says no).
    #[inline]
    fn prefetching(&self) -> bool {
        false
    }
}

/// A model, its clock and its event queue.
pub struct Simulation<M: Model, Q: EventQueue<M::Event> = RadixQueue<<M as Model>::Event>> {
    model: M,
    sched: Scheduler<M::Event, Q>,
}

impl<M: Model> Simulation<M> {
    /// A simulation with the default (radix) queue.
    pub fn new(model: M) -> Self {
        Self::with_queue(model, RadixQueue::default())
    }
}

impl<M: Model, Q: EventQueue<M::Event>> Simulation<M, Q> {
    /// A simulation over a given queue implementation.
    pub fn with_queue(model: M, queue: Q) -> Self {
        Simulation {
            model,
            sched: Scheduler {
                now: SimTime::ZERO,
                queue,
                processed: 0,
                _event: std::marker::PhantomData,
            },
        }
    }

    /// Schedules an initial event (before or between runs) at or after the current time.
    ///
    /// ```should_panic
    /// # use citysim::engine::*;
    /// # struct M; impl Model for M { type Event = u8;
    /// #   fn handle<Q: EventQueue<u8>>(&mut self, _: u8, _: &mut Scheduler<u8, Q>) {} }
    /// let mut sim = Simulation::new(M);
    /// sim.schedule(SimTime(10), 1);
    /// sim.run_until(SimTime(20));
    /// sim.schedule(SimTime(5), 2); // panics: event scheduled in the past
    /// ```
    pub fn schedule(&mut self, at: SimTime, event: M::Event) {
        self.sched.schedule_at(at, event);
    }

    /// Handles every event with time <= `horizon`; the clock then reads `horizon`
    /// (or the last event's time if the queue ran dry). Returns events handled.
    #[inline]
    pub fn run_until(&mut self, horizon: SimTime) -> u64 {
        let start = self.sched.processed;
        while let Some((t, e)) = self.sched.queue.pop_until(horizon) {
            self.dispatch(t, e);
        }
        if !self.sched.queue.is_empty() {
            self.sched.now = self.sched.now.max(horizon);
        }
        self.sched.processed - start
    }

    /// As [`Simulation::run_until`], but also stops before any event later than what
    /// `wait` says (asked before each event: events that wait outside the queue, such
    /// as the model's own, which the caller then handles with
    /// [`Simulation::dispatch_at`]). Returns events handled.
    #[inline]
    pub fn run_until_before(
        &mut self,
        horizon: SimTime,
        mut wait: impl FnMut(&M) -> Option<SimTime>,
    ) -> u64 {
        let start = self.sched.processed;
        let mut until;
        loop {
            until = wait(&self.model).map_or(horizon, |t| t.min(horizon));
            let Some((t, e)) = self.sched.queue.pop_until(until) else {
                break;
            };
            self.dispatch(t, e);
        }
        if !self.sched.queue.is_empty() {
            self.sched.now = self.sched.now.max(until);
        }
        self.sched.processed - start
    }

    /// Handles `e` at `t`, no earlier than the clock and no later than any pending
    /// event (events that wait outside the queue, merged in by the caller).
    #[inline]
    pub fn dispatch_at(&mut self, t: SimTime, e: M::Event) {
        assert!(t >= self.sched.now, "event handled in the past");
        self.dispatch(t, e);
    }

    #[inline]
    fn dispatch(&mut self, t: SimTime, e: M::Event) {
        if self.model.prefetching() {
            if let Some(next) = self.sched.queue.ahead(PREFETCH_AHEAD) {
                self.model.prefetch(next);
            }
        }
        self.sched.now = t;
        self.sched.processed += 1;
        self.model.handle(e, &mut self.sched);
    }

    /// The current time.
    pub fn now(&self) -> SimTime {
        self.sched.now
    }

    /// Events handled so far.
    pub fn processed(&self) -> u64 {
        self.sched.processed
    }

    /// Events pending.
    pub fn pending(&self) -> usize {
        self.sched.queue.len()
    }

    /// Visits every pending event (in no particular order).
    pub fn for_each_pending(&self, mut f: impl FnMut(SimTime, &M::Event)) {
        self.sched.queue.for_each(&mut f);
    }

    /// The model.
    pub fn model(&self) -> &M {
        &self.model
    }

    /// The model, mutably.
    pub fn model_mut(&mut self) -> &mut M {
        &mut self.model
    }

    /// Ends the simulation, returning the model.
    pub fn into_model(self) -> M {
        self.model
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    /// Records the events it handles and, for each hint, how many it had handled when
    /// the hint came.
    struct Recorder {
        wants: bool,
        handled: Vec<u32>,
        hints: RefCell<Vec<(usize, u32)>>,
    }

    impl Model for Recorder {
        type Event = u32;
        fn handle<Q: EventQueue<u32>>(&mut self, e: u32, _: &mut Scheduler<u32, Q>) {
            self.handled.push(e);
        }
        fn prefetch(&self, e: &u32) {
            self.hints.borrow_mut().push((self.handled.len(), *e));
        }
        fn prefetching(&self) -> bool {
            self.wants
        }
    }

    /// Events 0..1000 at scrambled times, with ties.
    fn run(wants: bool) -> Recorder {
        let mut sim = Simulation::new(Recorder {
            wants,
            handled: Vec::new(),
            hints: RefCell::default(),
        });
        for e in 0..1000u32 {
            sim.schedule(SimTime(u64::from(e * 7919 % 500)), e);
        }
        sim.run_until(SimTime(u64::MAX));
        sim.into_model()
    }

    /// Hints change nothing a model sees; a model that takes none is given none; a
    /// hint names an event still to come.
    #[test]
    fn prefetch_hints_change_nothing() {
        let (with, without) = (run(true), run(false));
        assert_eq!(with.handled, without.handled);
        assert!(without.hints.borrow().is_empty());
        let hints = with.hints.borrow();
        assert!(hints.len() > 100, "{}", hints.len());
        for &(done, e) in hints.iter() {
            let at = with.handled.iter().position(|&h| h == e).expect("handled");
            assert!(at > done, "event {e} hinted after it was handled");
        }
    }
}
