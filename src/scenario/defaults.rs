//! The documented defaults, in one place.

/// `simulation.duration`.
pub const DURATION: &str = "1h";
/// `simulation.warmup`.
pub const WARMUP: &str = "0s";
/// `simulation.seed`.
pub const SEED: u64 = 1;
/// `simulation.bucket`: the time-series bucket is `duration / BUCKETS`, rounded down
/// to a whole second (at least one second).
pub const BUCKETS: u64 = 60;
/// `city.width` and `city.height`.
pub const CITY_SIDE: &str = "1km";
/// Name of the access network created when the file has no `[[access]]`.
pub const ACCESS_NAME: &str = "direct";
/// Name of the gateway group created when the file has no `[gateways]`.
pub const GATEWAY_NAME: &str = "gw";
/// `gateways.count`.
pub const GATEWAY_COUNT: i64 = 1;
/// `gateways.servers` and `nodes.servers`.
pub const SERVERS: i64 = 1;
/// `queue` of gateways, nodes and links, in packets waiting (not counting those in
/// service or on the wire).
pub const QUEUE: u32 = 1000;
/// Name of the sink created when the file has no `[[nodes]]`.
pub const SINK_NAME: &str = "cloud";
/// `sensors.domain`.
pub const DOMAIN: &str = "other";
