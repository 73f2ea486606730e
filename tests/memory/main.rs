//! What runs really allocate, counted by this binary's global allocator: the memory
//! estimate that `run` checks against its budget, and a fuzz test of thousands of
//! mutated scenarios that must each load or be refused, and run, within bounds.

mod fuzz;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// The system allocator, counting live and peak bytes.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Relaxed) + layout.size();
            PEAK.fetch_max(now, Relaxed);
        }
        p
    }
    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // As the system does it (large blocks are remapped, not copied), so the peak is
        // what the process really holds.
        let q = unsafe { System.realloc(p, layout, new_size) };
        if !q.is_null() {
            let now = LIVE.fetch_add(new_size, Relaxed) + new_size;
            PEAK.fetch_max(now - layout.size(), Relaxed);
            LIVE.fetch_sub(layout.size(), Relaxed);
        }
        q
    }
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        unsafe { System.dealloc(p, layout) };
        LIVE.fetch_sub(layout.size(), Relaxed);
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// One measurement at a time (the counters are shared by the whole process).
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Peak bytes allocated while `f` runs, above what was live before it. The caller
/// holds [`ONE_AT_A_TIME`].
fn peak_of<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = LIVE.load(Relaxed);
    PEAK.store(base, Relaxed);
    let out = f();
    (out, PEAK.load(Relaxed) - base)
}

fn load(name: &str, set: &[&str]) -> citysim::scenario::Scenario {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name);
    let set: Vec<String> = set.iter().map(|s| s.to_string()).collect();
    citysim::scenario::load(&path, &set).unwrap()
}

fn synthetic(classes: usize, count: u32, duration: &str) -> citysim::scenario::Scenario {
    let mut t = format!("name = \"t\"\n[simulation]\nduration = \"{duration}\"\n[[access]]\nname = \"cell\"\n[gateways]\ncount = 2\naccess = [\"cell\"]\n[[nodes]]\nname = \"cloud\"\nsink = true\n[[links]]\nfrom = \"gw\"\nto = \"cloud\"\nlatency = \"10ms\"\n");
    for k in 0..classes {
        t.push_str(&format!("[[sensors]]\nname = \"c{k}\"\ncount = {count}\ntraffic = {{ kind = \"periodic\", interval = \"10min\" }}\npayload = \"10B\"\naccess = \"cell\"\n"));
    }
    citysim::scenario::load_str("t.toml", "t", &t, &[]).unwrap()
}

/// The estimate is never below what a run allocates at its peak, nor so far above it
/// that a run which fits would be refused: within a factor 3.5 (the fixed tables
/// dominate the smallest runs).
fn check(what: &str, s: &citysim::scenario::Scenario) {
    let (_, peak) =
        peak_of(|| citysim::run::run(s, 0, citysim::run::QueueKind::Radix, &mut |_| {}));
    let est = citysim::model::budget::estimate(s);
    let ratio = est.bytes() / peak as f64;
    eprintln!("{what}: peak {peak} B, estimate {ratio:.2}x: {est}");
    assert!(
        (1.0..3.5).contains(&ratio),
        "{what}: estimated {est}, allocated {peak} B at the peak"
    );
}

#[test]
fn the_memory_estimate_bounds_what_runs_allocate() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let short = ["simulation.warmup=\"0s\"", "simulation.duration=\"15min\""];
    for (name, scale) in [
        ("quickstart.toml", 1),
        ("quickstart.toml", 40),
        ("lorawan_district.toml", 1),
        ("lorawan_district.toml", 5),
        ("lorawan_district.toml", 10),
        ("mesh_campus.toml", 1),
        ("flood_incident.toml", 1),
        ("bench_city.toml", 1),
    ] {
        let mut set = short.to_vec();
        let scale = format!("simulation.scale={scale}");
        set.push(&scale);
        if name != "quickstart.toml" && name != "lorawan_district.toml" {
            set.clear();
        }
        check(&format!("{name} at {scale}"), &load(name, &set));
    }
    // A LoRa city denser than its gateways' range: a sensor keeps only the gateways
    // that hear it, far fewer than lie within the widest range.
    let dense = [
        "simulation.scale=8",
        "simulation.duration=\"10min\"",
        "simulation.warmup=\"0s\"",
        "incidents.taihu_flood.start=\"5min\"",
        "faults.0.start=\"5min\"",
    ];
    check("wuxi.toml at scale 8", &load("wuxi.toml", &dense));
    for (k, n) in [(1, 1), (300, 1), (1, 300_000)] {
        check(&format!("{k} classes of {n}"), &synthetic(k, n, "1h"));
    }
}

#[test]
fn readings_in_flight_are_in_the_estimate() {
    // A backbone hop of ten hours: every reading of the hour is in flight at the end.
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    for lat in ["10ms", "10h"] {
        let s = synthetic(1, 100_000, "1h");
        let set = [format!("links.0.latency=\"{lat}\"")];
        let s = citysim::scenario::load_str("t.toml", "t", &s.resolved, &set).unwrap();
        check(&format!("100,000 sensors behind a {lat} hop"), &s);
    }
}

#[test]
fn a_run_on_two_threads_holds_within_its_estimate() {
    // Its access side and its core run at once, each with its copy of the city.
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let moved = [
        "incidents.taihu_flood.start=\"5min\"",
        "faults.0.start=\"5min\"",
    ];
    for (file, scale) in [
        ("quickstart.toml", "1"),
        ("quickstart.toml", "10"),
        ("wuxi.toml", "1"),
    ] {
        let scale = format!("simulation.scale={scale}");
        let name = format!("{file} at {scale}");
        let mut set = vec![
            "simulation.duration=\"15min\"",
            "simulation.warmup=\"0s\"",
            &scale,
        ];
        if file == "wuxi.toml" {
            set.extend(moved);
        }
        let s = load(file, &set);
        assert!(citysim::model::budget::core_has_work(&s), "{name}");
        let (_, peak) =
            peak_of(|| pool.install(|| citysim::run::run_single(&s, (0, 2), false, &mut |_| true)));
        let est = citysim::model::budget::estimate_split(&s);
        let ratio = est.bytes() / peak as f64;
        eprintln!("{name} on two threads: peak {peak} B, estimate {ratio:.2}x: {est}");
        assert!((1.0..3.5).contains(&ratio), "{name}: {est}, {peak} B");
    }
}
