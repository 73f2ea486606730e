//! Running one scenario: build the city, drive the engine in slices (so progress can be
//! shown), and collect the result.

use crate::engine::{BinaryQueue, EventQueue, RadixQueue, SimTime, Simulation};
use crate::metrics::RunResult;
use crate::model::{budget, City, Event, Handover};
use crate::scenario::Scenario;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
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
#[derive(Debug, Clone, Default)]
pub struct Timing {
    /// Building the city (placement, attachment, routes), s.
    pub build_s: f64,
    /// The event loop, s.
    pub simulate_s: f64,
    /// The parts the city was simulated in at once (1: whole; see `model::split`).
    pub parts: usize,
    /// In a run in parts: each part (`core`, then the access networks of each part of
    /// the access side, joined by `+`) and the time its thread spent on it, s.
    pub busy_s: Vec<(String, f64)>,
}

/// The most a run in parts whose parts took `busy` (name, s) could gain from threads,
/// one per part: their times added up over the longest (None: one part or none, or
/// nothing measured).
pub fn parts_bound(busy: &[(String, f64)]) -> Option<f64> {
    let longest = busy.iter().map(|p| p.1).fold(0.0, f64::max);
    let sum: f64 = busy.iter().map(|p| p.1).sum();
    (busy.len() > 1 && longest > 0.0).then(|| sum / longest)
}

/// What the parts of a run in parts took, longest first (`lora 8.87 s, core 1.77 s`),
/// and what a thread for each would leave to gain, in words (None: whole).
pub fn parts_summary(busy: &[(String, f64)]) -> Option<String> {
    let bound = parts_bound(busy)?;
    let mut parts = busy.to_vec();
    parts.sort_by(|a, b| b.1.total_cmp(&a.1));
    let each: Vec<String> = parts
        .iter()
        .map(|(name, s)| format!("{name} {s:.2} s"))
        .collect();
    Some(format!(
        "{}; with a thread for each, a run in parts takes at least its longest part: at \
         most {bound:.1}x faster than the parts one after another",
        each.join(", ")
    ))
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
    let how = How {
        shortcuts: true,
        split: false,
    };
    match queue {
        QueueKind::Radix => {
            run_with::<RadixQueue<Event>>(scenario, replication, how, per_sensor, progress)
        }
        QueueKind::Binary => {
            run_with::<BinaryQueue<Event>>(scenario, replication, how, per_sensor, progress)
        }
    }
}

/// As [`run_full`] with the default queue, for a run on its own that may simulate on
/// `threads` threads at once: with 2 or more, when the current thread pool has two
/// threads or more and the city divides ([`budget::runs_in_parts`]), its parts (one
/// per group of access networks, and the core) run at once on the pool's threads.
/// The results are byte-identical either way; each part holds its own copy of the city
/// (without the state only the other parts' sensors use).
pub fn run_single(
    scenario: &Scenario,
    (replication, threads): (u32, usize),
    per_sensor: bool,
    progress: &mut dyn FnMut(f64) -> bool,
) -> Option<(RunResult, Timing)> {
    let how = How {
        shortcuts: true,
        split: threads > 1,
    };
    run_with::<RadixQueue<Event>>(scenario, replication, how, per_sensor, progress)
}

/// Runs one replication with every hop an event (see [`City::every_hop_an_event`]):
/// the reference the model's shortcuts are tested against.
pub fn run_every_hop(scenario: &Scenario, replication: u32) -> RunResult {
    run_reference(scenario, replication, false)
}

/// Runs one replication in one part, on one thread, whatever the threads of the pool:
/// the reference the run in parts (see [`budget::runs_in_parts`]) is tested against
/// (the results are the same).
pub fn run_whole(scenario: &Scenario, replication: u32) -> RunResult {
    run_reference(scenario, replication, true)
}

/// One replication in one part, never cancelled, with or without the shortcuts.
fn run_reference(scenario: &Scenario, replication: u32, shortcuts: bool) -> RunResult {
    let how = How {
        shortcuts,
        split: false,
    };
    run_with::<RadixQueue<Event>>(scenario, replication, how, false, &mut |_| true)
        .expect("a run that is never cancelled completes")
        .0
}

/// Whether a city may be simulated in parts at once (see [`budget::runs_in_parts`]),
/// and whether readings may go ahead of the clock.
#[derive(Clone, Copy)]
struct How {
    shortcuts: bool,
    split: bool,
}

/// Progress is reported, and cancelling looked at, this many times a run.
const SLICES: u64 = 200;

/// The end of slice `k` (1 to [`SLICES`]) of a run ending at `end`.
fn horizon(end: u64, k: u64) -> SimTime {
    window_end(end, k, SLICES)
}

/// A run in parts exchanges readings this many times a slice: the readings handed over
/// in a window wait for the core together, so shorter windows hold fewer at once.
const WINDOWS: u64 = 16;

/// The end of window `k` (1 to `n`) of a run ending at `end` cut in `n` windows.
fn window_end(end: u64, k: u64, n: u64) -> SimTime {
    SimTime(if k == n { end } else { end / n * k })
}

fn run_with<Q: EventQueue<Event> + Default + Send>(
    scenario: &Scenario,
    replication: u32,
    how: How,
    per_sensor: bool,
    progress: &mut dyn FnMut(f64) -> bool,
) -> Option<(RunResult, Timing)> {
    let t0 = Instant::now();
    let end = scenario.simulation.duration_ns;
    // Split only where a second thread of the pool can take a part and there is more
    // than one part with work: the results are the same.
    let pool = rayon::current_num_threads();
    let (city, events, readings, timing) =
        if how.split && pool > 1 && budget::runs_in_parts(scenario) {
            let parts = build_parts(scenario, replication, how);
            let names = part_names(scenario);
            run_split::<Q>(parts, &names, (end, t0), progress)?
        } else {
            let mut city = City::build(scenario, replication);
            if !how.shortcuts {
                city.every_hop_an_event();
            }
            run_one::<Q>(city, end, t0, progress)?
        };
    let result = city.finish(
        scenario,
        replication,
        end,
        events,
        timing.simulate_s,
        &readings,
        per_sensor,
    );
    Some((result, timing))
}

/// The names of a split run's parts: `core`, then each group of access networks
/// ([`budget::access_groups`]), its networks' names joined by `+`.
fn part_names(scenario: &Scenario) -> Vec<String> {
    let groups = budget::access_groups(scenario);
    let name = |g: &Vec<usize>| {
        let names: Vec<&str> = g
            .iter()
            .map(|&a| scenario.access[a].name.as_str())
            .collect();
        names.join("+")
    };
    std::iter::once("core".to_string())
        .chain(groups.iter().map(name))
        .collect()
}

/// The parts of a split run, built at once on the current pool: one per group of
/// access networks ([`budget::access_groups`]), and the core.
fn build_parts(scenario: &Scenario, replication: u32, how: How) -> (Vec<City>, City) {
    use rayon::prelude::*;
    let groups = budget::access_groups(scenario);
    let (mut access, mut core): (Vec<City>, City) = rayon::join(
        || {
            (groups.par_iter())
                .map(|nets| City::build_access_part(scenario, replication, nets))
                .collect()
        },
        || City::build_core(scenario, replication),
    );
    if !how.shortcuts {
        access.iter_mut().for_each(City::every_hop_an_event);
        core.every_hop_an_event();
    }
    (access, core)
}

/// What a run leaves to be summed up: the city, events handled, each sensor's readings
/// taken, and the time it took.
type Ran = (City, u64, Vec<u32>, Timing);

/// Runs a city whole, on this thread.
fn run_one<Q: EventQueue<Event> + Default>(
    city: City,
    end: u64,
    t0: Instant,
    progress: &mut dyn FnMut(f64) -> bool,
) -> Option<Ran> {
    let mut sim = Simulation::with_queue(city, Q::default());
    City::start(&mut sim);
    let build_s = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    for k in 1..=SLICES {
        City::run_until(&mut sim, horizon(end, k));
        if !progress(k as f64 / SLICES as f64) {
            return None;
        }
    }
    let simulate_s = t1.elapsed().as_secs_f64();
    let readings = readings_taken(&sim);
    let events = sim.processed();
    let timing = Timing {
        build_s,
        simulate_s,
        parts: 1,
        busy_s: Vec::new(),
    };
    Some((sim.into_model(), events, readings, timing))
}

/// A part of a split run: its simulation, the readings it handed over in its last
/// window, how long that window took, and how long all its windows took.
struct Job<Q: EventQueue<Event>> {
    sim: Simulation<City, Q>,
    handed: Vec<Handover>,
    took: f64,
    busy: f64,
}

/// Runs a city in parts (see `model::split`): the parts of the access side run each
/// window of time (a [`WINDOWS`]th of a slice) while the core runs the window before, on
/// the threads of the current pool. The core gets, before each of its windows, the
/// readings the access side handed over in it.
fn run_split<Q: EventQueue<Event> + Default + Send>(
    (access, core): (Vec<City>, City),
    names: &[String],
    (end, t0): (u64, Instant),
    progress: &mut dyn FnMut(f64) -> bool,
) -> Option<Ran> {
    let job = |sim| {
        Mutex::new(Job::<Q> {
            sim,
            handed: Vec::new(),
            took: 0.0,
            busy: 0.0,
        })
    };
    // The core first, then the parts of the access side in order.
    let mut c = Simulation::with_queue(core, Q::default());
    City::start(&mut c);
    let mut jobs = vec![job(c)];
    for (i, city) in access.into_iter().enumerate() {
        let mut a = Simulation::with_queue(city, Q::default());
        a.model_mut().play_access_side(i > 0);
        City::start(&mut a);
        jobs.push(job(a));
    }
    let build_s = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let n = SLICES * WINDOWS;
    for k in 1..=n + 1 {
        // What the parts handed over in window k - 1, in the parts' order.
        let inbox: Vec<Vec<Handover>> = (jobs[1..].iter_mut())
            .map(|j| std::mem::take(&mut j.get_mut().expect("unpoisoned").handed))
            .collect();
        run_window(&jobs, (k, n, end), inbox);
        if k > 1 && (k - 1) % WINDOWS == 0 && !progress((k - 1) as f64 / n as f64) {
            return None;
        }
    }
    let simulate_s = t1.elapsed().as_secs_f64();
    let parts_count = jobs.len();
    let jobs: Vec<Job<Q>> = (jobs.into_iter())
        .map(|j| j.into_inner().expect("unpoisoned"))
        .collect();
    let busy_s = (jobs.iter().enumerate())
        .map(|(i, j)| (names.get(i).cloned().unwrap_or_default(), j.busy))
        .collect();
    let mut sims = jobs.into_iter().map(|j| j.sim);
    let c = sims.next().expect("the core");
    let parts: Vec<_> = sims.collect();
    let mut readings = vec![0u32; c.model().sensors()];
    let mut events = c.processed() - c.model().replayed_events();
    for a in &parts {
        // Each part's sensors have their pending reading there, the others none.
        for (r, k) in readings.iter_mut().zip(readings_taken(a)) {
            *r = (*r).max(k);
        }
        events += a.processed() - a.model().replayed_events();
    }
    let mut parts = parts.into_iter().map(Simulation::into_model);
    let mut city = parts.next().expect("at least one part of the access side");
    for other in parts {
        city.absorb_access(other);
    }
    city.absorb_core(c.into_model());
    let timing = Timing {
        build_s,
        simulate_s,
        parts: parts_count,
        busy_s,
    };
    Some((city, events, readings, timing))
}

/// Runs window `k` of `n` of a run ending at `end` in every part (`jobs[0]`, the core,
/// runs window `k - 1` after taking `inbox`, the readings each part handed over in
/// window `k - 1`), each part on the next free thread of the pool, the ones that took
/// longest in their last window first. Which thread runs a part does not change what
/// it does.
fn run_window<Q: EventQueue<Event> + Send>(
    jobs: &[Mutex<Job<Q>>],
    (k, n, end): (u64, u64, u64),
    inbox: Vec<Vec<Handover>>,
) {
    let took = |i: usize| jobs[i].lock().expect("unpoisoned").took;
    let mut order: Vec<usize> = (0..jobs.len()).collect();
    order.sort_by(|&a, &b| took(b).total_cmp(&took(a)));
    let next = AtomicUsize::new(0);
    let inbox = Mutex::new(inbox);
    let work = || loop {
        let Some(&j) = order.get(next.fetch_add(1, Ordering::Relaxed)) else {
            return;
        };
        let mut job = jobs[j].lock().expect("unpoisoned");
        let t = Instant::now();
        if j == 0 {
            for handovers in std::mem::take(&mut *inbox.lock().expect("unpoisoned")) {
                job.sim.model_mut().receive(handovers);
            }
            if k > 1 {
                City::run_until(&mut job.sim, window_end(end, k - 1, n));
            }
        } else {
            if k <= n {
                City::run_until(&mut job.sim, window_end(end, k, n));
            }
            job.handed = job.sim.model_mut().take_handovers();
        }
        job.took = t.elapsed().as_secs_f64();
        job.busy += job.took;
    };
    let workers = rayon::current_num_threads().min(jobs.len());
    rayon::scope(|s| {
        for _ in 1..workers {
            s.spawn(|_| work());
        }
        work();
    });
}

/// Each sensor's readings taken: every sensor has exactly one pending reading event,
/// numbered by the readings it took.
fn readings_taken<Q: EventQueue<Event>>(sim: &Simulation<City, Q>) -> Vec<u32> {
    let mut readings = vec![0u32; sim.model().sensors()];
    sim.for_each_pending(|_, e| {
        if let Event::Generate { sensor, k, .. } = e {
            readings[*sensor as usize] = *k & 0x7fff_ffff;
        }
    });
    readings
}

#[cfg(test)]
mod tests {
    use super::parts_bound;

    #[test]
    fn the_longest_part_bounds_what_threads_can_gain() {
        let bound = |busy: &[f64]| {
            let parts: Vec<(String, f64)> = busy.iter().map(|&s| ("p".to_string(), s)).collect();
            parts_bound(&parts)
        };
        assert_eq!(bound(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(bound(&[1.0, 1.0, 1.0, 1.0]), Some(4.0));
        // Whole, or nothing measured: no bound.
        assert_eq!(bound(&[]), None);
        assert_eq!(bound(&[2.0]), None);
        assert_eq!(bound(&[0.0, 0.0]), None);
    }
}
