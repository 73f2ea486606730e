//! Cellular access against the Pollaczek-Khinchine formula (M/D/1).

use citysim::run::{run, QueueKind};

/// One cell with a single transfer slot: 125-byte readings at 100 kbit/s take exactly
/// 10 ms, Poisson arrivals, a constant 2 s wake-up before each.
fn cell(interval: &str) -> String {
    format!(
        r#"
name = "md1"
[simulation]
duration = "2000s"
warmup = "10s"
bucket = "20s"
[[access]]
name = "nbiot"
cellular = {{ transfers = 1, rate = "100kbps", wake_up = "2s", queue = "unlimited" }}
[[sensors]]
name = "meter"
count = 1
traffic = {{ kind = "poisson", interval = "{interval}" }}
payload = "125B"
"#
    )
}

#[test]
fn one_transfer_slot_is_an_md1_queue() {
    let d = 10.0; // ms
    for (interval, rho) in [("20ms", 0.5), ("12.5ms", 0.8)] {
        let s = citysim::scenario::load_str("md1.toml", "md1", &cell(interval), &[]).unwrap();
        let r = run(&s, 0, QueueKind::Radix, &mut |_| {}).0;
        // Batch means over 20 s buckets (thousands of transfers each, far longer than
        // the queue's memory), 99% Student-t interval.
        let (mean, half, _) = crate::util::batch_ci(&r);
        // Pollaczek-Khinchine: W = D + rho D / (2 (1 - rho)), plus the wake-up.
        let want = 2000.0 + d + rho * d / (2.0 * (1.0 - rho));
        eprintln!("rho {rho}: {mean:.3} +/- {half:.3} ms, M/D/1 {want}");
        assert!(
            (mean - want).abs() <= half,
            "rho {rho}: {mean:.3} +/- {half:.3} ms, M/D/1 says {want}"
        );
        // Tight enough to tell M/D/1 from M/M/1 (W = D / (1 - rho)).
        let mm1 = 2000.0 + d / (1.0 - rho);
        assert!((mm1 - want).abs() > 3.0 * half);
    }
}

#[test]
fn bad_cellular_values_name_the_key() {
    let dir = tempfile::tempdir().unwrap();
    for (from, to, needle) in [
        (
            "transfers = 1",
            "transfers = 0",
            "access.nbiot.cellular.transfers",
        ),
        (
            "rate = \"100kbps\"",
            "rate = \"fast\"",
            "access.nbiot.cellular.rate",
        ),
        (
            "wake_up = \"2s\"",
            "wake_up = \"-2s\"",
            "access.nbiot.cellular.wake_up",
        ),
        (
            "queue = \"unlimited\"",
            "queue = \"unlimited\", slots = 2",
            "access.nbiot.cellular.slots",
        ),
    ] {
        let f = crate::util::write(dir.path(), "bad.toml", &cell("20ms").replace(from, to));
        let o = crate::util::citysim(dir.path(), &["validate", &f]);
        assert_eq!(o.code, 2, "{to}: {}", o.stderr);
        assert!(o.stderr.contains(needle), "{to}: {}", o.stderr);
    }
}
