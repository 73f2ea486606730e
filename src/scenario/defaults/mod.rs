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

mod cells;

use super::diag::Origin;
use super::tree::{self, Node};

/// One documented default: the value a key takes when a scenario leaves it out,
/// written as it would be in the file, and where the value comes from.
#[derive(Debug, Clone, Copy)]
pub struct Documented {
    /// The table it belongs to (`lora`, `mesh`, `cellular`).
    pub section: &'static str,
    /// The key.
    pub key: &'static str,
    /// The value, as TOML.
    pub value: &'static str,
    /// Its source: a standard, datasheet or measurement, or why it was chosen.
    pub source: &'static str,
}

pub(super) const fn d(
    section: &'static str,
    key: &'static str,
    value: &'static str,
    source: &'static str,
) -> Documented {
    Documented {
        section,
        key,
        value,
        source,
    }
}

const RP002: &str = "LoRaWAN Regional Parameters RP002-1.0.4, EU863-870";
const BOR: &str = "Bor et al. 2016, Do LoRa low-power wide-area networks scale? (MSWiM)";
const IEEE_802154: &str = "IEEE 802.15.4-2006, MAC PIB defaults (table 86)";

/// Every documented default of a key read with its type (`Tbl::val`). The docs show each
/// with its value, and a test holds the two together.
pub const TABLE: &[Documented] = &ALL;

const ALL: [Documented; BASE.len() + cells::CELLS.len()] = concat(BASE, cells::CELLS);

/// `a` then `b`, as one array of `N` (their lengths' sum).
const fn concat<const N: usize>(a: &[Documented], b: &[Documented]) -> [Documented; N] {
    let mut out = [d("", "", "", ""); N];
    let mut i = 0;
    while i < a.len() {
        out[i] = a[i];
        i += 1;
    }
    while i < N {
        out[i] = b[i - a.len()];
        i += 1;
    }
    out
}

/// The defaults of every section but the cellular ones ([`cells::CELLS`]).
const BASE: &[Documented] = &[
    d(
        "city",
        "width",
        "\"1km\"",
        "citysim's choice: a district-sized square",
    ),
    d(
        "city",
        "height",
        "\"1km\"",
        "citysim's choice: a district-sized square",
    ),
    d(
        "simulation",
        "duration",
        "\"1h\"",
        "citysim's choice: an hour is enough to see a city's queues settle",
    ),
    d(
        "simulation",
        "warmup",
        "\"0s\"",
        "every reading counts unless a warm-up is asked for",
    ),
    d(
        "simulation",
        "seed",
        "1",
        "any fixed seed: runs are reproducible",
    ),
    d("simulation", "scale", "1", "the counts as written"),
    d(
        "simulation",
        "scale_area",
        "false",
        "citysim's choice: scale adds sensors to the city as written (a denser city)",
    ),
    d(
        "gateways",
        "servers",
        "1",
        "one processing server per gateway",
    ),
    d(
        "gateways",
        "queue",
        "1000",
        "citysim's choice: readings waiting at a gateway",
    ),
    d("nodes", "servers", "1", "one processing server per node"),
    d(
        "nodes",
        "queue",
        "1000",
        "citysim's choice: readings waiting at a node",
    ),
    d(
        "links",
        "latency",
        "\"0s\"",
        "an instant link unless the scenario says otherwise",
    ),
    d(
        "links",
        "loss",
        "0",
        "a lossless link unless the scenario says otherwise",
    ),
    d(
        "links",
        "queue",
        "1000",
        "citysim's choice: readings waiting for a link's transmitter",
    ),
    d(
        "access",
        "latency",
        "\"0s\"",
        "an instant hop unless the scenario says otherwise",
    ),
    d(
        "access",
        "loss",
        "0",
        "a lossless hop unless the scenario says otherwise",
    ),
    d(
        "lora",
        "sf",
        "\"auto\"",
        "the smallest SF whose budget closes with `margin`, as ADR does",
    ),
    d(
        "lora",
        "region",
        "\"EU868\"",
        "LoRaWAN Regional Parameters RP002-1.0.4: EU868, US915 or CN470",
    ),
    d("lora", "bandwidth", "\"125kHz\"", RP002),
    d("lora", "coding_rate", "\"4/5\"", RP002),
    d(
        "lora",
        "tx_power",
        "\"14dBm\"",
        "SX1276 at 14 dBm, the usual EU868 setting (RP002: 16 dBm EIRP)",
    ),
    d(
        "lora",
        "gateway_antenna_gain",
        "\"3dBi\"",
        "omnidirectional 868/915 MHz gateway antennas, 3-6 dBi (e.g. Kerlink, RAK, Taoglas datasheets)",
    ),
    d(
        "lora",
        "gateway_cable_loss",
        "\"1dB\"",
        "a few metres of low-loss coaxial cable and two connectors at 868 MHz",
    ),
    d(
        "lora",
        "mac_overhead",
        "\"13B\"",
        "LoRaWAN L2 1.0.4: MHDR 1 B, FHDR 7 B (no FOpts), FPort 1 B, MIC 4 B",
    ),
    d("lora", "preamble", "8", RP002),
    d(
        "lora",
        "explicit_header",
        "true",
        "LoRaWAN uplinks: explicit header (LoRaWAN L2 1.0.4)",
    ),
    d(
        "lora",
        "crc",
        "true",
        "LoRaWAN uplinks: payload CRC (LoRaWAN L2 1.0.4)",
    ),
    d(
        "lora",
        "channels",
        "\"region\"",
        "RP002: EU868's three default channels (868.1/868.3/868.5 MHz); one sub-band of eight in US915 and CN470",
    ),
    d(
        "lora",
        "duty_cycle",
        "\"region\"",
        "EU868: 1%, ETSI EN 300 220 sub-band g1 (868.0-868.6 MHz); US915 (FCC 15.247) and CN470: none",
    ),
    d(
        "lora",
        "downlink_duty_cycle",
        "\"region\"",
        "EU868 gateways: 1% in RX1 (g1), 10% in RX2 (869.525 MHz, g3); none in US915 and CN470",
    ),
    d(
        "lora",
        "duty_cycle_policy",
        "\"delay\"",
        "a device holds a reading until its duty cycle allows",
    ),
    d(
        "lora",
        "device_queue",
        "\"fifo\"",
        "readings wait in priority order, oldest first (an alarm does not wait behind routine readings)",
    ),
    d(
        "lora",
        "device_queue_size",
        "8",
        "citysim's choice: a few readings of an end device's RAM; LoRaMac-node itself holds none",
    ),
    d("lora", "capture_threshold", "\"6dB\"", BOR),
    d("lora", "preamble_rule", "true", BOR),
    d(
        "lora",
        "demodulators",
        "8",
        "Semtech SX1301 datasheet: 8 demodulation paths",
    ),
    d(
        "lora",
        "margin",
        "\"10dB\"",
        "Semtech's recommended ADR algorithm: 10 dB installation margin",
    ),
    d(
        "lora",
        "propagation",
        "\"3gpp-uma\"",
        "3GPP TR 38.901 table 7.4.1-1, urban macro NLOS: SF12 reaches about 5.5 km outdoors and 2.4 km indoors, as measured in cities (Centenaro et al. 2016, Padova: about 2 km)",
    ),
    d(
        "lora",
        "environment",
        "\"urban\"",
        "Hata 1980: the small and medium city correction (Hata presets only)",
    ),
    d(
        "lora",
        "frequency",
        "\"region\"",
        "the middle of the region's default uplink channels",
    ),
    d(
        "lora",
        "gateway_height",
        "\"25m\"",
        "3GPP TR 38.901 table 7.4.1-1: UMa base station at 25 m",
    ),
    d(
        "lora",
        "device_height",
        "\"1.5m\"",
        "3GPP TR 38.901 table 7.4.1-1: user terminal at 1.5 m",
    ),
    d(
        "lora",
        "shadowing",
        "\"preset\"",
        "each preset's own: 6 dB (TR 38.901 UMa NLOS), 8 dB (Hata, COST 231 urban macro-cells), 3.57 dB (Bor et al. 2016)",
    ),
    d(
        "lora",
        "decorrelation",
        "\"50m\"",
        "3GPP TR 38.901 table 7.5-6: UMa NLOS shadowing decorrelates over 50 m (Gudmundson 1991's exponential model)",
    ),
    d("lora", "d0", "\"40m\"", BOR),
    d("lora", "pl0", "\"127.41dB\"", BOR),
    d("lora", "exponent", "2.08", BOR),
    d(
        "lora",
        "confirmed",
        "false",
        "LoRaWAN: uplinks are unconfirmed unless asked",
    ),
    d(
        "lora",
        "retries",
        "3",
        "citysim's choice: retransmissions of a confirmed uplink",
    ),
    d(
        "lora",
        "backoff",
        "[\"1s\", \"3s\"]",
        "citysim's choice: a uniform wait after RX2 before a retransmission",
    ),
    d(
        "lora",
        "collision",
        "\"sinr\"",
        "signal-to-interference per SF, as the ns-3 lorawan module (Magrin et al. 2017) resolves overlaps",
    ),
    d(
        "lora",
        "inter_sf",
        "true",
        "LoRa SFs are only quasi-orthogonal (Croce et al. 2018)",
    ),
    d(
        "lora",
        "sf_isolation",
        "\"goursaud\"",
        "Goursaud and Gorce 2015, co-channel rejection per pair of SFs (the ns-3 lorawan default)",
    ),
    d(
        "mesh",
        "tx_power",
        "\"0dBm\"",
        "TI CC2420 datasheet: 0 dBm maximum output",
    ),
    d(
        "mesh",
        "noise_floor",
        "\"-95dBm\"",
        "TI CC2420 datasheet: -95 dBm sensitivity",
    ),
    d(
        "mesh",
        "cca_threshold",
        "\"-85dBm\"",
        "IEEE 802.15.4-2006 6.5.3.3: -85 dBm required sensitivity",
    ),
    d(
        "mesh",
        "cca_mode",
        "\"both\"",
        "TI CC2420 datasheet, CCA_MODE reset value 3: busy on energy above the threshold or a valid IEEE 802.15.4 frame (IEEE 802.15.4-2006 6.9.9, mode 3)",
    ),
    d(
        "mesh",
        "capture_threshold",
        "\"3dB\"",
        "Son et al. 2006, concurrent transmissions on CC2420 radios",
    ),
    d(
        "mesh",
        "link_prr",
        "0.1",
        "citysim's choice: links that deliver under 10% of probes are not links",
    ),
    d(
        "mesh",
        "routing",
        "\"etx\"",
        "De Couto et al. 2003, expected transmission count",
    ),
    d(
        "mesh",
        "d0",
        "\"1m\"",
        "free-space loss at 1 m, 2.4 GHz (Friis): about 40 dB",
    ),
    d(
        "mesh",
        "pl0",
        "\"40dB\"",
        "free-space loss at 1 m, 2.4 GHz (Friis)",
    ),
    d(
        "mesh",
        "exponent",
        "3.0",
        "an urban street (Rappaport, Wireless Communications, table 4.2)",
    ),
    d(
        "mesh",
        "shadowing",
        "\"4dB\"",
        "log-normal shadowing of a few dB indoors and in streets",
    ),
    d("mesh", "min_be", "3", IEEE_802154),
    d("mesh", "max_be", "5", IEEE_802154),
    d("mesh", "max_backoffs", "4", IEEE_802154),
    d("mesh", "retries", "3", IEEE_802154),
    d(
        "mesh",
        "overhead",
        "\"17B\"",
        "IEEE 802.15.4 PHY (6 B) and MAC header and FCS with short addresses (11 B)",
    ),
    d(
        "mesh",
        "queue",
        "32",
        "citysim's choice: a relay's frame buffer",
    ),
    d(
        "sensors",
        "domain",
        "\"other\"",
        "citysim's choice: a class outside the eight smart-city domains",
    ),
    d(
        "sensors",
        "priority",
        "\"normal\"",
        "citysim's choice: routine readings; alarms and alerts are marked high",
    ),
    d(
        "threshold",
        "correlation",
        "0.9",
        "citysim's choice: a slowly varying quantity (water level, temperature), whose next sample is mostly this one",
    ),
    d(
        "threshold",
        "sd",
        "1.0",
        "citysim's choice: levels in units of the random part's standard deviation",
    ),
    d(
        "threshold",
        "daily_amplitude",
        "0.0",
        "citysim's choice: no daily cycle unless asked for",
    ),
    d(
        "threshold",
        "peak_hour",
        "14",
        "the early-afternoon maximum of a daily temperature cycle",
    ),
    d("nodes", "sink", "false", "citysim's choice: a node forwards unless it is a sink"),
    d(
        "alarms",
        "spread",
        "\"10s\"",
        "citysim's choice: alarms from one event reach the network within seconds of each other",
    ),
    d(
        "alarms",
        "priority",
        "\"high\"",
        "citysim's choice: an alarm goes before routine readings",
    ),
    d(
        "mobility",
        "pause",
        "\"0s\"",
        "citysim's choice: moving on at once unless a stop is asked for",
    ),
    d(
        "mesh",
        "link_status",
        "\"15s\"",
        "Zigbee PRO nwkLinkStatusPeriod, 15 s (Zigbee specification 05-3474, 3.6.3.4); Thread's MLE advertisements settle at 32 s (Thread 1.1, trickle Imax)",
    ),
    d(
        "mesh",
        "control",
        "\"link_status\"",
        "the Zigbee PRO network layer's link status (Zigbee specification 05-3474, 3.6.3.4); `\"rpl\"` for IPv6 meshes (RFC 6550)",
    ),
    d(
        "mesh",
        "dio_interval_min",
        "\"8ms\"",
        "RFC 6550 section 17, DEFAULT_DIO_INTERVAL_MIN = 3: Imin = 2^3 ms",
    ),
    d(
        "mesh",
        "dio_doublings",
        "20",
        "RFC 6550 section 17, DEFAULT_DIO_INTERVAL_DOUBLINGS: Imax = 8 ms x 2^20, about 2.3 h",
    ),
    d(
        "mesh",
        "dio_redundancy",
        "10",
        "RFC 6550 section 17, DEFAULT_DIO_REDUNDANCY_CONSTANT (0 disables suppression, RFC 6550 8.3.1)",
    ),
    d(
        "mesh",
        "tx_current",
        "\"17.4mA\"",
        "TI CC2420 datasheet, current consumption: 17.4 mA transmitting at 0 dBm",
    ),
    d(
        "mesh",
        "rx_current",
        "\"18.8mA\"",
        "TI CC2420 datasheet, current consumption: 18.8 mA receiving (and listening: the receiver is on)",
    ),
    d(
        "energy",
        "battery",
        "\"2400mAh\"",
        "a Li-SOCl2 AA bobbin cell (ER14505 class; Saft LS 14500 datasheet: 2.6 Ah nominal, less at low temperature and high pulse current)",
    ),
    d(
        "energy",
        "voltage",
        "\"3.6V\"",
        "Li-SOCl2 nominal voltage (Saft LS 14500 datasheet)",
    ),
    d(
        "energy",
        "tx_current",
        "\"40mA\"",
        "an SX1276-class radio at 14 dBm (Semtech SX1276 datasheet table 6: 29 mA at 13 dBm on RFO, 87 mA at 17 dBm on PA_BOOST; modules measure 30-45 mA); a mesh class takes its mesh's `tx_current`",
    ),
    d(
        "energy",
        "rx_current",
        "\"11mA\"",
        "an SX1276-class radio receiving at 125 kHz (Semtech SX1276 datasheet table 6: 10.8 to 11.5 mA); a mesh class takes its mesh's `rx_current`",
    ),
    d(
        "energy",
        "sleep_current",
        "\"1.5uA\"",
        "an SX1276-class radio asleep (0.2 uA, Semtech SX1276 datasheet table 6) with its microcontroller in stop mode (about 1 uA)",
    ),
    d(
        "energy",
        "sensing",
        "\"0mJ\"",
        "citysim's choice: a sample costs nothing unless its sensor's cost is given",
    ),
    d(
        "energy",
        "self_discharge",
        "\"1%\"",
        "Li-SOCl2 bobbin cells lose under 1% a year at 20 C (Saft LS 14500 datasheet)",
    ),
    d(
        "energy",
        "shelf_life",
        "\"20y\"",
        "the service life makers quote for Li-SOCl2 bobbin cells (Saft LS series: up to 20 years)",
    ),
    d(
        "energy",
        "idle_current",
        "\"1.6mA\"",
        "a microcontroller awake (STM32L0 class at 16 MHz, about 100 uA/MHz; STM32L072 datasheet)",
    ),
    d(
        "energy",
        "idle_time",
        "\"0s\"",
        "citysim's choice: awake only for the radio unless a wait is given",
    ),
    d(
        "distribution",
        "shift",
        "\"0s\"",
        "citysim's choice: a distribution starts at zero unless shifted",
    ),
    d(
        "faults",
        "shape",
        "1",
        "exponential times between failures, the constant failure rate of reliability handbooks (MIL-HDBK-217F) unless wear-out is asked for",
    ),
    d(
        "traffic",
        "jitter",
        "\"0s\"",
        "citysim's choice: readings on their schedule unless spread is asked for",
    ),
    d(
        "sweep",
        "replications",
        "1",
        "citysim's choice: one run per point unless intervals are asked for",
    ),
    d("sample", "seed", "1", "any fixed seed: samples are reproducible"),
    d(
        "tune",
        "replications",
        "3",
        "citysim's choice: the fewest runs that give each constraint a usable 95% interval",
    ),
    d(
        "tune",
        "budget",
        "60",
        "citysim's choice: enough for a bisection over a wide range with added replications",
    ),
    d("tune", "seed", "1", "any fixed seed: searches are reproducible"),
    d(
        "tune",
        "method",
        "\"auto\"",
        "citysim's choice: bisection where one integer variable allows it, a search otherwise",
    ),
];

/// The default of `key` in `section`, as a tree node.
///
/// # Panics
/// When the table has no such entry: a reader asked for a default nobody documented.
pub(crate) fn node(section: &str, key: &str) -> Node {
    let entry = TABLE
        .iter()
        .find(|e| e.section == section && e.key == key)
        .unwrap_or_else(|| panic!("no documented default for `{section}.{key}`"));
    tree::parse_override_value(entry.value, &Origin::Default)
}
