//! Running one scenario: build the city, drive the engine in slices (so progress can be
//! shown), and collect the result.

use crate::engine::{BinaryQueue, EventQueue, RadixQueue, SimTime, Simulation};
use crate::metrics::RunResult;
use crate::model::{City, Event};
use crate::scenario::Scenario;
use std::time::Instant;

/// Which event queue drives the run (both give identical results).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QueueKind {
    /// Monotone radix heap (the default).
    #[default]
    Radix,
    /// `BinaryHeap`, the reference.
    Binary,
}

/// Timing of a run, beside its result.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// Building the city (placement, attachment, routes), s.
    pub build_s: f64,
    /// The event loop, s.
    pub simulate_s: f64,
}

/// Runs `scenario` (replication `replication`), calling `progress` with the fraction of
/// simulated time done, about 200 times.
pub fn run(
    scenario: &Scenario,
    replication: u32,
    queue: QueueKind,
    progress: &mut dyn FnMut(f64),
) -> (RunResult, Timing) {
    run_cancellable(scenario, replication, queue, &mut |f| {
        progress(f);
        true
    })
    .expect("a run that is never cancelled completes")
}

/// As [`run`], but stops early (returning `None`) as soon as `progress` returns false.
pub fn run_cancellable(
    scenario: &Scenario,
    replication: u32,
    queue: QueueKind,
    progress: &mut dyn FnMut(f64) -> bool,
) -> Option<(RunResult, Timing)> {
    run_full(scenario, replication, queue, false, progress)
}

/// As [`run_cancellable`], with per-sensor records in the result when `per_sensor`.
pub fn run_full(
    scenario: &Scenario,
    replication: u32,
    queue: QueueKind,
    per_sensor: bool,
    progress: &mut dyn FnMut(f64) -> bool,
) -> Option<(RunResult, Timing)> {
    match queue {
        QueueKind::Radix => run_with(
            scenario,
            replication,
            (RadixQueue::default(), true),
            per_sensor,
            progress,
        ),
        QueueKind::Binary => run_with(
            scenario,
            replication,
            (BinaryQueue::default(), true),
            per_sensor,
            progress,
        ),
    }
}

/// Runs one replication with every hop an event (see [`City::every_hop_an_event`]):
/// the reference the model's shortcuts are tested against.
pub fn run_every_hop(scenario: &Scenario, replication: u32) -> RunResult {
    run_with(
        scenario,
        replication,
        (RadixQueue::default(), false),
        false,
        &mut |_| true,
    )
    .expect("a run that is never cancelled completes")
    .0
}

fn run_with<Q: EventQueue<Event>>(
    scenario: &Scenario,
    replication: u32,
    (queue, shortcuts): (Q, bool),
    per_sensor: bool,
    progress: &mut dyn FnMut(f64) -> bool,
) -> Option<(RunResult, Timing)> {
    let t0 = Instant::now();
    let mut city = City::build(scenario, replication);
    if !shortcuts {
        city.every_hop_an_event();
    }
    let mut sim = Simulation::with_queue(city, queue);
    City::start(&mut sim);
    let build_s = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let end = scenario.simulation.duration_ns;
    const SLICES: u64 = 200;
    for k in 1..=SLICES {
        let horizon = if k == SLICES { end } else { end / SLICES * k };
        sim.run_until(SimTime(horizon));
        if !progress(k as f64 / SLICES as f64) {
            return None;
        }
    }
    let simulate_s = t1.elapsed().as_secs_f64();
    let events = sim.processed();
    // Every sensor has exactly one pending reading event, numbered by the readings taken.
    let mut readings = vec![0u32; sim.model().sensors()];
    sim.for_each_pending(|_, e| {
        if let Event::Generate { sensor, k, .. } = e {
            readings[*sensor as usize] = *k & 0x7fff_ffff;
        }
    });
    let result = sim.into_model().finish(
        scenario,
        replication,
        end,
        events,
        simulate_s,
        &readings,
        per_sensor,
    );
    Some((
        result,
        Timing {
            build_s,
            simulate_s,
        },
    ))
}
