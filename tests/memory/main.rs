//! The memory estimate that `run` checks against its budget, compared with what a run
//! really allocates (counted by this binary's global allocator).

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

/// Peak bytes allocated while `f` runs, above what was live before it.
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
    // One test, so that no other run allocates beside the one measured.
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
    for (k, n) in [(1, 1), (300, 1), (1, 300_000)] {
        check(&format!("{k} classes of {n}"), &synthetic(k, n, "1h"));
    }
}
