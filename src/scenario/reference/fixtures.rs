//! Scenarios that take every branch of every reader, for the key reference.

/// Scenarios that between them take every branch of every reader. Each must load: a
/// test checks it, so that none silently stops reading its keys.
pub const FIXTURES: &[(&str, &str)] = &[
    ("direct.toml", DIRECT),
    ("radios.toml", RADIOS),
    ("sweep.toml", SWEEP),
    ("tune.toml", TUNE),
    ("geo.toml", GEO),
    ("extent.toml", EXTENT),
];

/// A city on the map: districts from a GeoJSON file, positions from CSV files, a
/// rectangle and a circle written in longitude/latitude. (Paths are relative to the
/// folder the tests run in.)
const GEO: &str = r#"
name = "geo"
[city]
crs = "EPSG:4326"
boundary = "scenarios/wuxi_geo/districts.geojson"
district_property = "name"
[[districts]]
name = "centre"
region = { kind = "rectangle", x0 = 120.28, y0 = 31.56, x1 = 120.32, y1 = 31.60 }
[[sensors]]
name = "water_meter"
placement = { kind = "file", path = "scenarios/wuxi_geo/sensors.csv" }
traffic = { kind = "periodic", interval = "1h" }
payload = "24B"
[[gateways]]
name = "rooftop"
placement = { kind = "explicit", positions = [[120.3, 31.575]] }
[[incidents]]
name = "flood"
region = { kind = "circle", x = 120.22, y = 31.47, radius = "4km" }
start = "10min"
duration = "10min"
classes = ["water_meter"]
interval = "1min"
"#;

/// A city between two corners in a projected system (UTM zone 51N).
const EXTENT: &str = r#"
name = "extent"
[city]
crs = "EPSG:32651"
extent = [[230000, 3490000], [240000, 3500000]]
[[sensors]]
name = "s"
count = 10
traffic = { kind = "periodic", interval = "1h" }
payload = "24B"
"#;

const DIRECT: &str = r#"
name = "direct"
description = "A direct network, with every kind of placement, region, traffic and distribution."
[simulation]
duration = "1h"
warmup = "1min"
seed = 1
scale = 1
bucket = "1min"
[city]
width = "2km"
height = "2km"
[targets]
delivery_ratio = 0.9
latency_p95 = "2s"
[[districts]]
name = "a"
region = { kind = "rectangle", x0 = "0m", y0 = "0m", x1 = "1km", y1 = "1km" }
[[districts]]
name = "b"
region = { kind = "circle", x = "1.5km", y = "1.5km", radius = "300m" }
[[districts]]
name = "c"
region = { kind = "polygon", points = [[0, 1500], [500, 1500], [250, 1900]] }
[[access]]
name = "direct"
latency = { dist = "uniform", min = "1ms", max = "5ms" }
bandwidth = "1Mbps"
loss = 0.01
range = "3km"
[[nodes]]
name = "cloud"
sink = true
servers = 2
service_time = { dist = "normal", mean = "5ms", sd = "1ms" }
queue = 100
[[gateways]]
name = "gw"
count = 4
placement = { kind = "grid" }
district = "a"
access = "direct"
[[gateways]]
name = "edge"
count = 2
placement = { kind = "clustered", clusters = 1, radius = "100m" }
service_time = { dist = "lognormal", mean = "2ms", sd = "1ms" }
[[gateways]]
name = "fixed"
placement = { kind = "explicit", positions = [[100, 100]] }
service_time = { dist = "constant", value = "1ms" }
[[links]]
name = "backhaul"
from = "gw"
to = "cloud"
latency = { dist = "exponential", mean = "10ms", shift = "5ms" }
bandwidth = "10Mbps"
loss = 0.0
queue = 50
[[links]]
from = "edge"
to = "cloud"
latency = { dist = "pareto", scale = "1ms", shape = 2.5 }
[[links]]
from = "fixed"
to = "cloud"
latency = { dist = "weibull", scale = "2ms", shape = 1.5 }
[[sensors]]
name = "meters"
domain = "electricity"
count = 10
placement = { kind = "uniform" }
district = "a"
traffic = { kind = "periodic", interval = "5min", jitter = "10%" }
payload = "32B"
access = "direct"
attach = "nearest"
priority = "normal"
profile = "flat"
energy = { battery = "2400mAh", voltage = "3.6V", tx_current = "40mA", rx_current = "11mA", sleep_current = "1.5uA", rx_window = "1s", sensing = "2mJ", self_discharge = "1%", shelf_life = "20y", idle_current = "1.6mA", idle_time = "1s", tx_time = "10ms" }
[[sensors]]
name = "levels"
count = 5
traffic = { kind = "poisson", interval = "10min" }
payload = "8B"
threshold = { level = 2.5, correlation = 0.9, sd = 1.0, daily_amplitude = 0.5, peak_hour = 14 }
[[sensors]]
name = "buses"
count = 3
traffic = { kind = "bursty", on = "2min", off = "10min", interval = "10s" }
payload = "16B"
mobility = { kind = "route", route = [[100, 100], [1900, 100]], speed = "36km/h", pause = "30s" }
[[incidents]]
name = "flood"
region = "a"
start = "10min"
duration = "10min"
classes = ["meters"]
interval = "1min"
alarms = { spread = "30s", priority = "high" }
[[incidents]]
region = { kind = "circle", x = "1km", y = "1km", radius = "500m" }
start = "20min"
duration = "5min"
rate_multiplier = 2
[[faults]]
target = "gw-0"
start = "20min"
duration = "5min"
[[faults]]
target = "backhaul-gw-0"
mtbf = "1d"
mttr = "1h"
shape = 1.5
"#;

const RADIOS: &str = r#"
name = "radios"
[city]
width = "1km"
height = "1km"
[[access]]
name = "lora"
lora = { sf = "auto", propagation = "log-distance", d0 = "40m", pl0 = "127.41dB", exponent = 2.08 }
[[access]]
name = "zigbee"
mesh = { routing = "etx" }
[[access]]
name = "cells"
cellular = { transfers = 50 }
[[access]]
name = "nb"
cellular = { kind = "nbiot", propagation = "log-distance" }
[[access]]
name = "lm"
cellular = { kind = "ltem" }
[[gateways]]
name = "gw"
count = 4
placement = { kind = "grid" }
[[relays]]
name = "router"
count = 9
placement = { kind = "grid" }
access = "zigbee"
[[sensors]]
name = "soil"
count = 10
traffic = { kind = "periodic", interval = "15min" }
payload = "12B"
access = "lora"
sf = 9
indoor = 0.5
building = "traditional"
[[sensors]]
name = "plugs"
count = 10
traffic = { kind = "periodic", interval = "5min" }
payload = "8B"
access = "zigbee"
[[sensors]]
name = "meters"
count = 10
traffic = { kind = "periodic", interval = "15min" }
payload = "50B"
access = "cells"
[[sensors]]
name = "nb_meters"
count = 10
traffic = { kind = "periodic", interval = "15min" }
payload = "50B"
access = "nb"
[[sensors]]
name = "lm_trackers"
count = 10
traffic = { kind = "periodic", interval = "15min" }
payload = "50B"
access = "lm"
"#;

const SWEEP: &str = r#"
name = "sweep"
[[sensors]]
name = "s"
count = 10
traffic = { kind = "periodic", interval = "5min" }
payload = "10B"
[sweep]
replications = 2
[sweep.grid]
"gateways.count" = [1, 2]
[[sweep.points]]
"gateways.count" = 3
[sweep.sample]
method = "lhs"
points = 2
seed = 1
ranges = { "sensors.s.traffic.interval" = { min = "1min", max = "10min" } }
"#;

const TUNE: &str = r#"
name = "tune"
[[sensors]]
name = "s"
count = 10
traffic = { kind = "periodic", interval = "5min" }
payload = "10B"
[tune]
minimize = "gateways.count"
constraints = ["delivery_ratio >= 0.9"]
replications = 2
max_replications = 4
budget = 10
seed = 1
method = "search"
[tune.variables]
"gateways.count" = { min = 1, max = 4 }
"sensors.s.payload" = { choices = ["10B", "20B"] }
"#;
