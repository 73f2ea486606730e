//! Readings that go ahead of the clock where nothing can intervene (a calm gateway's
//! single server, an idle link, a sink, a threshold sensor's samples that cross
//! nothing) give exactly the results of the model with every hop an event, with fewer
//! events.

use citysim::run::{run, run_every_hop, QueueKind};

/// 2,000 meters on 16 gateways (one server each, exponential service) whose links
/// (narrow, with queues) lead to an edge server and on to the cloud; `extra` is added.
fn city(extra: &str) -> String {
    format!(
        r#"
name = "ahead"
[simulation]
duration = "2h"
warmup = "5min"
[city]
width = "4km"
height = "4km"
[[access]]
name = "radio"
latency = {{ dist = "exponential", mean = "5ms", shift = "10ms" }}
[[sensors]]
name = "meter"
count = 2000
traffic = {{ kind = "periodic", interval = "20s", jitter = "10%" }}
payload = "200B"
[[sensors]]
name = "alarm"
count = 200
priority = "high"
traffic = {{ kind = "poisson", interval = "30s" }}
payload = "40B"
[[sensors]]
name = "flood"
count = 300
traffic = {{ kind = "periodic", interval = "1min", jitter = "5s" }}
threshold = {{ level = 2.0, correlation = 0.9, sd = 1.0, daily_amplitude = 0.8, peak_hour = 1 }}
payload = "30B"
[[sensors]]
name = "noise"
count = 100
traffic = {{ kind = "poisson", interval = "2min" }}
threshold = {{ level = 1.5, correlation = 0.5, sd = 1.0 }}
payload = "30B"
[gateways]
name = "gw"
count = 16
placement = {{ kind = "grid" }}
servers = 1
service_time = {{ dist = "exponential", mean = "50ms" }}
queue = 3
[[nodes]]
name = "edge"
servers = 2
service_time = {{ dist = "exponential", mean = "0.5ms" }}
[[nodes]]
name = "cloud"
sink = true
[[links]]
name = "uplink"
from = "gw"
to = "edge"
latency = {{ dist = "exponential", mean = "3ms", shift = "2ms" }}
bandwidth = "50kbps"
queue = 2
[[links]]
name = "core"
from = "edge"
to = "cloud"
latency = "20ms"
bandwidth = "100Mbps"
loss = 0.01
{extra}
"#
    )
}

fn same(text: &str) -> (u64, u64) {
    let s = citysim::scenario::load_str("ahead.toml", "ahead", text, &[]).unwrap();
    let fast = run(&s, 0, QueueKind::Radix, &mut |_| {}).0;
    let slow = run_every_hop(&s, 0);
    let show = |r: &citysim::metrics::RunResult| {
        format!(
            "{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}",
            r.classes, r.gateways, r.nodes, r.links, r.buckets, r.priorities
        )
    };
    // Queues formed and overflowed at the gateways and links: the shortcuts had their
    // readings wait behind others, and settle what they skipped.
    let overflow =
        |e: &[citysim::metrics::ElementResult]| e.iter().map(|x| x.stats.overflow).sum::<u64>();
    assert!(overflow(&fast.gateways) > 0 && overflow(&fast.links) > 0);
    // Threshold sensors sampled ahead of the clock sent readings, and fewer than
    // they took samples.
    assert!(fast.classes[2].flow.generated > 50 && fast.classes[3].flow.generated > 50);
    let (a, b) = (show(&fast), show(&slow));
    if a != b {
        let line = a.lines().zip(b.lines()).position(|(x, y)| x != y);
        panic!("results differ (part {line:?})");
    }
    (fast.events, slow.events)
}

#[test]
fn issue_17_readings_that_go_ahead_of_the_clock_change_no_result() {
    let (fast, slow) = same(&city(""));
    // Queues at the gateways and the narrow links (dropped_queue_overflow), losses on
    // the core link: everything the shortcuts must get right. And they save events.
    assert!(fast * 10 < slow * 7, "{fast} events against {slow}");
    // With faults, readings go ahead only up to the next change a fault of an element
    // or link has pending: a scheduled outage of every gateway, and random failures of
    // one gateway's link (a few a run).
    let faults = "[[faults]]\ntarget = \"gw\"\nstart = \"1h\"\nduration = \"10min\"\n\
                  [[faults]]\ntarget = \"uplink-gw-3\"\nmtbf = \"1h\"\nmttr = \"2min\"\n";
    let (fast, slow) = same(&city(faults));
    assert!(fast * 10 < slow * 8, "{fast} events against {slow}");
}
