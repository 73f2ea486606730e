//! Streaming metric collectors and the result of a run. Memory is bounded: counters,
//! one latency histogram per class, fixed-width time buckets; never a list of packets.

pub mod columns;
pub mod geo;

use hdrhistogram::Histogram;

/// Why a reading was lost. The order is the column order of every CSV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropCause {
    /// A queue (gateway, node or link) was full.
    QueueOverflow = 0,
    /// Lost on an access hop or a link (its `loss` probability).
    LinkLoss = 1,
    /// No gateway in range, or no route onward.
    NoRoute = 2,
    /// The sensor's battery was empty.
    Battery = 3,
    /// Lost to overlapping frames at every receiver that heard it (LoRa: at the
    /// strongest gateway that heard it; mesh: collisions).
    Interference = 4,
    /// No receiver hears the frame above its sensitivity.
    BelowSensitivity = 5,
    /// Over the device's duty-cycle budget (policy "drop").
    DutyCycle = 6,
    /// The gateway, node or link it was at (or bound for) was down, with no alternative.
    NodeDown = 7,
    /// A mesh sender found the channel busy at every clear-channel assessment
    /// (macMaxCSMABackoffs exceeded).
    ChannelBusy = 8,
    /// LoRa: the strongest gateway that heard the frame had every demodulator busy
    /// when its preamble arrived.
    DemodulatorBusy = 9,
    /// LoRa: the strongest gateway that heard the frame was transmitting meanwhile.
    GatewayTransmitting = 10,
    /// The device's queue of readings waiting for the radio was full (or the reading
    /// was replaced by a newer one).
    DeviceQueue = 11,
    /// NB-IoT / LTE-M: random access failed at every attempt (preambles collided,
    /// `preamble_trans_max` reached).
    RandomAccess = 12,
}

/// Number of drop causes.
pub const CAUSES: usize = 13;

impl DropCause {
    /// Every cause, in column order.
    pub const ALL: [DropCause; CAUSES] = [
        DropCause::QueueOverflow,
        DropCause::LinkLoss,
        DropCause::NoRoute,
        DropCause::Battery,
        DropCause::Interference,
        DropCause::BelowSensitivity,
        DropCause::DutyCycle,
        DropCause::NodeDown,
        DropCause::ChannelBusy,
        DropCause::DemodulatorBusy,
        DropCause::GatewayTransmitting,
        DropCause::DeviceQueue,
        DropCause::RandomAccess,
    ];

    /// The CSV column name.
    pub fn column(self) -> &'static str {
        match self {
            DropCause::QueueOverflow => "dropped_queue_overflow",
            DropCause::LinkLoss => "dropped_link_loss",
            DropCause::NoRoute => "dropped_no_route",
            DropCause::Battery => "dropped_battery",
            DropCause::Interference => "dropped_interference",
            DropCause::BelowSensitivity => "dropped_below_sensitivity",
            DropCause::DutyCycle => "dropped_duty_cycle",
            DropCause::NodeDown => "dropped_node_down",
            DropCause::ChannelBusy => "dropped_channel_busy",
            DropCause::DemodulatorBusy => "dropped_demodulator_busy",
            DropCause::GatewayTransmitting => "dropped_gateway_transmitting",
            DropCause::DeviceQueue => "dropped_device_queue",
            DropCause::RandomAccess => "dropped_random_access",
        }
    }
}

/// Delivery and latency of a set of readings (a class, or the whole run).
#[derive(Debug, Clone)]
pub struct Flow {
    /// Readings generated after the warm-up.
    pub generated: u64,
    /// Of those, delivered to a sink.
    pub delivered: u64,
    /// Of those, lost, by cause.
    pub dropped: [u64; CAUSES],
    /// Of those, still travelling when the run ended.
    pub in_flight: u64,
    /// Retransmissions of unacknowledged frames (LoRa confirmed uplinks, mesh hops).
    pub retransmissions: u64,
    /// Mesh clear-channel assessments that found the channel busy.
    pub busy_cca: u64,
    /// Mesh frames a receiver got again because their acknowledgement was lost, and
    /// suppressed (by sequence number).
    pub duplicates: u64,
    /// Sum of end-to-end latencies, ns.
    pub latency_sum_ns: u128,
    /// Largest latency, ns.
    pub latency_max_ns: u64,
    /// Latency distribution, ns (3 significant digits).
    pub latency: Histogram<u64>,
}

impl Default for Flow {
    fn default() -> Self {
        Flow {
            generated: 0,
            delivered: 0,
            dropped: [0; CAUSES],
            in_flight: 0,
            retransmissions: 0,
            busy_cca: 0,
            duplicates: 0,
            latency_sum_ns: 0,
            latency_max_ns: 0,
            latency: Histogram::new(3).expect("3 significant digits is valid"),
        }
    }
}

impl Flow {
    /// Records a delivery.
    #[inline]
    pub fn deliver(&mut self, latency_ns: u64) {
        self.delivered += 1;
        self.latency_sum_ns += u128::from(latency_ns);
        self.latency_max_ns = self.latency_max_ns.max(latency_ns);
        // Auto-resizing: only fails past the histogram's absolute ceiling (~2^63).
        if self.latency.record(latency_ns).is_err() {
            self.latency.saturating_record(latency_ns);
        }
    }

    /// Adds another flow's counts (e.g. classes into a total).
    pub fn merge(&mut self, other: &Flow) {
        self.generated += other.generated;
        self.delivered += other.delivered;
        for (a, b) in self.dropped.iter_mut().zip(other.dropped) {
            *a += b;
        }
        // Wrapping: a part of a run that only ends readings counts them as negative.
        self.in_flight = self.in_flight.wrapping_add(other.in_flight);
        self.retransmissions += other.retransmissions;
        self.busy_cca += other.busy_cca;
        self.duplicates += other.duplicates;
        self.latency_sum_ns += other.latency_sum_ns;
        self.latency_max_ns = self.latency_max_ns.max(other.latency_max_ns);
        self.latency
            .add(&other.latency)
            .expect("histograms with auto-resize merge");
    }

    /// Delivered / generated (0 when nothing was generated).
    pub fn delivery_ratio(&self) -> f64 {
        if self.generated == 0 {
            0.0
        } else {
            self.delivered as f64 / self.generated as f64
        }
    }

    /// Mean latency, ms (NaN when nothing was delivered).
    pub fn latency_mean_ms(&self) -> f64 {
        if self.delivered == 0 {
            f64::NAN
        } else {
            self.latency_sum_ns as f64 / self.delivered as f64 / 1e6
        }
    }

    /// A latency quantile, ms (NaN when nothing was delivered). Never above the largest
    /// latency recorded: the histogram's bucket edge (3 significant digits) can lie past
    /// it.
    pub fn latency_quantile_ms(&self, q: f64) -> f64 {
        if self.delivered == 0 {
            f64::NAN
        } else {
            self.latency.value_at_quantile(q).min(self.latency_max_ns) as f64 / 1e6
        }
    }

    /// Delivered / generated, NaN (an empty cell) when nothing was generated.
    pub fn delivery_ratio_defined(&self) -> f64 {
        if self.generated == 0 {
            f64::NAN
        } else {
            self.delivery_ratio()
        }
    }

    /// Total drops.
    pub fn dropped_total(&self) -> u64 {
        self.dropped.iter().sum()
    }
}

/// Activity in one time bucket (all readings, warm-up included, by when it happened).
#[derive(Debug, Clone, Default)]
pub struct Bucket {
    /// Readings generated in the bucket.
    pub generated: u64,
    /// Readings delivered in the bucket.
    pub delivered: u64,
    /// Readings lost in the bucket, by cause.
    pub dropped: [u64; CAUSES],
    /// Sum of latencies of the readings delivered in the bucket, ns.
    pub latency_sum_ns: u128,
    /// Largest latency delivered in the bucket, ns.
    pub latency_max_ns: u64,
}

impl Bucket {
    /// Adds the counts of the same bucket from another part of the run.
    pub fn merge(&mut self, other: &Bucket) {
        self.generated += other.generated;
        self.delivered += other.delivered;
        for (a, b) in self.dropped.iter_mut().zip(other.dropped) {
            *a += b;
        }
        self.latency_sum_ns += other.latency_sum_ns;
        self.latency_max_ns = self.latency_max_ns.max(other.latency_max_ns);
    }
}

/// Activity of one group of readings (a domain, a district or a priority) in one time
/// bucket, by when it happened.
#[derive(Debug, Clone, Copy, Default)]
pub struct GroupBucket {
    /// Readings generated.
    pub generated: u64,
    /// Readings delivered.
    pub delivered: u64,
    /// Readings lost, any cause.
    pub dropped: u64,
    /// Sum of the latencies delivered, ns.
    pub latency_sum_ns: u128,
    /// Largest latency delivered, ns.
    pub latency_max_ns: u64,
}

impl GroupBucket {
    /// Adds the counts of the same bucket from another part of the run.
    pub fn merge(&mut self, other: &GroupBucket) {
        self.generated += other.generated;
        self.delivered += other.delivered;
        self.dropped += other.dropped;
        self.latency_sum_ns += other.latency_sum_ns;
        self.latency_max_ns = self.latency_max_ns.max(other.latency_max_ns);
    }
}

/// The time series of one group of readings.
#[derive(Debug, Clone)]
pub struct GroupSeries {
    /// What groups them: `domain`, `district` or `priority`.
    pub scope: &'static str,
    /// The domain, district or priority.
    pub name: String,
    /// One per time bucket.
    pub buckets: Vec<GroupBucket>,
}

/// Queueing statistics of a server or link after the warm-up.
#[derive(Debug, Clone, Default)]
pub struct QueueStats {
    /// Packets that arrived.
    pub arrivals: u64,
    /// Packets that finished service (or transmission).
    pub served: u64,
    /// Packets refused because the queue was full.
    pub overflow: u64,
    /// Time integral of packets present (waiting + in service), packet-ns.
    pub area_in_system: f64,
    /// Time integral of busy servers, server-ns.
    pub area_busy: f64,
    /// Most packets waiting at once.
    pub peak_queue: u32,
    /// Sum of time spent (waiting + service) by packets that arrived after warm-up, ns.
    pub sojourn_sum_ns: u128,
    /// Number of those packets that departed.
    pub sojourn_count: u64,
}

/// One infrastructure element in the results.
#[derive(Debug, Clone)]
pub struct ElementResult {
    /// `gw-3`, `cloud`, `backhaul-3`.
    pub name: String,
    /// Gateway group, node or link name it comes from.
    pub group: String,
    /// Position (gateways), m.
    pub position: Option<(f64, f64)>,
    /// Sensors attached (gateways).
    pub sensors: u64,
    /// Parallel servers (1 for a link).
    pub servers: u32,
    /// Its statistics.
    pub stats: QueueStats,
    /// LoRa acknowledgements it sent (gateways of confirmed-uplink networks).
    pub downlinks: u64,
    /// Its LoRa receiver's load (gateways of LoRa networks).
    pub lora: Option<LoraLoad>,
}

/// A LoRa gateway's load after the warm-up: what it heard and what it sent.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LoraLoad {
    /// Demodulation paths.
    pub demodulators: u32,
    /// Time on air of the frames it detected (above its sensitivity), s.
    pub heard_s: f64,
    /// Time its demodulators spent on frames, summed over them, s.
    pub demodulating_s: f64,
    /// Time on air of its downlinks in RX1 and in RX2, s.
    pub downlink_s: [f64; 2],
}

/// One spreading factor of one LoRa access network, for `lora.csv`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SfResult {
    /// Access network.
    pub access: String,
    /// Spreading factor.
    pub sf: u8,
    /// The region's data rate for it at the network's bandwidth.
    pub data_rate: Option<usize>,
    /// Sensors whose latest frame used it.
    pub sensors: u64,
    /// Frames sent after the warm-up, retransmissions included.
    pub frames: u64,
    /// Their time on air, s.
    pub airtime_s: f64,
    /// Summed over those frames: the best gateway's received power less its
    /// sensitivity at this SF, dB.
    pub margin_db_sum: f64,
    /// Sensor-seconds spent at it after the warm-up (sensors that have sent).
    pub sensor_time_s: f64,
    /// Changes to it after the warm-up (ADR commands and back-offs).
    pub changes: u64,
    /// Readings whose last frame used it, delivered.
    pub delivered: u64,
    /// Readings whose last frame used it (or, never sent, that would have), lost by
    /// cause.
    pub dropped: [u64; CAUSES],
}

impl SfResult {
    /// Adds the readings another part of the run delivered or lost beyond the access
    /// network (the frames and air time are counted where they were sent).
    pub fn merge_readings(&mut self, other: &SfResult) {
        self.delivered += other.delivered;
        for (a, b) in self.dropped.iter_mut().zip(other.dropped) {
            *a += b;
        }
    }
}

/// One mesh relay in the results.
#[derive(Debug, Clone)]
pub struct RelayResult {
    /// `router-3`.
    pub name: String,
    /// Relay group.
    pub group: String,
    /// Position, m.
    pub position: (f64, f64),
    /// Neighbouring relays and gateways (radio links).
    pub neighbours: u32,
    /// Hops to a border gateway at the end of the run (None: no route).
    pub hops: Option<u32>,
    /// Frames it received to forward (after the warm-up).
    pub received: u64,
    /// Frames it forwarded (acknowledged by the next hop).
    pub forwarded: u64,
    /// Frames refused because its queue was full.
    pub overflow: u64,
    /// Most frames held at once (the one being sent and those waiting).
    pub peak_queue: u32,
    /// Times its next hop changed as the mesh healed around outages (after the warm-up).
    pub route_changes: u32,
    /// Routing control broadcasts it sent (link status or DIOs, after the warm-up).
    pub control_sent: u64,
    /// DIOs its trickle timer suppressed (after the warm-up).
    pub suppressed: u64,
    /// Time it was up with no route to a border gateway (after the warm-up), s.
    pub no_route_s: f64,
    /// Time its radio transmitted (after the warm-up), s.
    pub tx_s: f64,
    /// Time its radio listened: the rest of the time it was up, s.
    pub listen_s: f64,
    /// Charge its radio drew (after the warm-up), C.
    pub charge_c: f64,
    /// How long its battery lasts at the mean current it drew, s (None:
    /// mains-powered, or it drew nothing).
    pub battery_life_s: Option<f64>,
}

/// One NB-IoT or LTE-M cell in the results (counts after the warm-up).
#[derive(Debug, Clone)]
pub struct CellResult {
    /// The gateway that is the cell (`gw-3`).
    pub name: String,
    /// `"nbiot"` or `"ltem"`.
    pub kind: String,
    /// Position, m.
    pub position: (f64, f64),
    /// Readings per coverage level (CE0, CE1, CE2), by the level of their first attempt.
    pub readings: [u64; 3],
    /// Readings of devices beyond the maximum coupling loss.
    pub out_of_coverage: u64,
    /// Preamble attempts per level.
    pub attempts: [u64; 3],
    /// Attempts that collided, per level.
    pub collisions: [u64; 3],
    /// Readings whose random access failed at every attempt.
    pub ra_failed: u64,
    /// Share of the carrier's uplink units busy with transfers over the measured time.
    pub utilisation: f64,
    /// The most devices connected at once (set up, waiting for units or transferring).
    pub connected_peak: u32,
    /// Per time bucket: preamble attempts and those heard alone.
    pub series: Vec<(u64, u64)>,
}

/// One sensor class in the results.
#[derive(Debug, Clone)]
pub struct ClassResult {
    /// Class name.
    pub name: String,
    /// Application domain.
    pub domain: String,
    /// District it is placed in (empty: the whole city).
    pub district: String,
    /// Number of sensors.
    pub sensors: u64,
    /// Its readings.
    pub flow: Flow,
    /// Energy and battery life, for battery-powered classes.
    pub energy: Option<ClassEnergy>,
}

/// Energy use and projected battery life of a class's sensors.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassEnergy {
    /// Mean energy a sensor used over the run, J.
    pub energy_mean_j: f64,
    /// Mean projected lifetime (capacity / mean current at the observed rate), s.
    pub lifetime_mean_s: f64,
    /// 5th percentile of the projected lifetimes, s.
    pub lifetime_p5_s: f64,
    /// Sensors whose battery ran out during the run.
    pub depleted: u64,
    /// Sensors whose projected lifetime reached the cell's shelf life (and is given as
    /// the shelf life).
    pub at_shelf_life: u64,
}

/// One sensor, for `sensors.csv` (`run --per-sensor`).
#[derive(Debug, Clone)]
pub struct SensorRecord {
    /// Sensor number.
    pub id: u32,
    /// Class index.
    pub class: u16,
    /// Position, m.
    pub position: (f32, f32),
    /// Gateway name, empty when unattached.
    pub gateway: String,
    /// Readings taken over the run (warm-up included).
    pub readings: u64,
    /// Energy used over the run, J (NaN when mains-powered).
    pub energy_j: f64,
    /// Projected battery life, s (NaN when mains-powered).
    pub lifetime_s: f64,
    /// Spreading factor of its latest LoRa frame (0: none).
    pub sf: u8,
}

/// Everything a run measured.
#[derive(Debug, Clone, Default)]
pub struct RunResult {
    /// Scenario name.
    pub scenario: String,
    /// Replication index.
    pub replication: u32,
    /// Seed used.
    pub seed: u64,
    /// Simulated duration, ns.
    pub duration_ns: u64,
    /// Warm-up, ns.
    pub warmup_ns: u64,
    /// Bucket width, ns.
    pub bucket_ns: u64,
    /// Readings by queue priority: high, normal, low.
    pub priorities: Vec<Flow>,
    /// Per class.
    pub classes: Vec<ClassResult>,
    /// Per gateway.
    pub gateways: Vec<ElementResult>,
    /// Per mesh relay.
    pub relays: Vec<RelayResult>,
    /// Per NB-IoT or LTE-M cell.
    pub cells: Vec<CellResult>,
    /// NB-IoT and LTE-M readings per coverage level, CE0 to CE2 (empty without such
    /// cells): generated (of devices in coverage), delivered, latency, drops.
    pub coverage: Vec<Flow>,
    /// Per non-gateway node (edge servers, sinks).
    pub nodes: Vec<ElementResult>,
    /// Per link instance.
    pub links: Vec<ElementResult>,
    /// Per time bucket.
    pub buckets: Vec<Bucket>,
    /// Per domain, district and priority, per time bucket.
    pub groups: Vec<GroupSeries>,
    /// Sensor density: (cell x, cell y, class, sensors) on a grid of `map_cell_m` cells.
    pub map: Vec<(u32, u32, u16, u32)>,
    /// Side of a map cell, m.
    pub map_cell_m: f64,
    /// Per sensor, when asked for (`run --per-sensor`); empty otherwise.
    pub sensors: Vec<SensorRecord>,
    /// Per LoRa access network and spreading factor (empty without LoRa).
    pub lora: Vec<SfResult>,
    /// By place, for a scenario with a `crs`.
    pub geo: Option<geo::GeoResult>,
    /// Events handled.
    pub events: u64,
    /// Wall-clock time of the simulation, s.
    pub wall_s: f64,
}

impl RunResult {
    /// All classes together.
    pub fn total(&self) -> Flow {
        let mut t = Flow::default();
        for c in &self.classes {
            t.merge(&c.flow);
        }
        t
    }

    /// Number of sensors.
    pub fn sensors(&self) -> u64 {
        self.classes.iter().map(|c| c.sensors).sum()
    }

    /// Length of the measured period (after warm-up), s.
    pub fn measured_s(&self) -> f64 {
        (self.duration_ns - self.warmup_ns) as f64 * 1e-9
    }
}
