//! The events of the city model, grouped by the concern that handles them.

use super::packet::DrawKey;

/// An event of the city model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A sensor takes its reading number `k`.
    Generate {
        /// Sensor index.
        sensor: u32,
        /// Its gateway, carried from reading to reading so that a reading reads no
        /// per-sensor memory at all (a cache miss per reading at a million sensors).
        gateway: u32,
        /// Reading number (0 for the first; validation keeps it below 2^32).
        k: u32,
        /// Its class, carried too (finding it from the sensor's number is a search).
        class: u16,
    },
    /// A packet reaches an element (gateway or node).
    Arrive {
        /// Element index.
        elem: u32,
        /// Packet slot.
        pkt: u32,
    },
    /// An element finished processing a packet.
    Served {
        /// Element index.
        elem: u32,
        /// Packet slot.
        pkt: u32,
    },
    /// A link finished putting a packet on the wire.
    Sent {
        /// Link index.
        link: u32,
        /// Packet slot.
        pkt: u32,
    },
    /// A LoRa sensor transmits a reading held back by its duty cycle.
    Transmit {
        /// Sensor index.
        sensor: u32,
        /// Packet slot.
        pkt: u32,
        /// What its random draws are keyed by.
        key: DrawKey,
    },
    /// A LoRa frame's time on air is over.
    TxEnd {
        /// Frame id.
        frame: u32,
    },
    /// A LoRa device's radio may be free: it sends the first reading waiting for it.
    RadioFree {
        /// Sensor index.
        sensor: u32,
    },
    /// A cellular device, awake and attached, asks its cell for a transfer.
    CellArrive {
        /// Gateway (cell) element.
        elem: u32,
        /// Packet slot.
        pkt: u32,
    },
    /// A cellular transfer is done.
    CellDone {
        /// Gateway (cell) element.
        elem: u32,
        /// Packet slot.
        pkt: u32,
    },
    /// The preambles of an NB-IoT or LTE-M cell's random-access opportunity are sent.
    RaSlot {
        /// Cell (a gateway's carrier of one NB-IoT or LTE-M access).
        cell: u32,
        /// Coverage level.
        level: u8,
    },
    /// An NB-IoT or LTE-M device's connection is set up: it asks for uplink units.
    RadioSetUp {
        /// Cell.
        cell: u32,
        /// Packet slot.
        pkt: u32,
    },
    /// An NB-IoT or LTE-M cell's earliest transfer has ended, and a device waits for
    /// its units.
    UnitsFree {
        /// Cell.
        cell: u32,
    },
    /// An area incident begins.
    IncidentStart {
        /// Incident index.
        incident: u32,
    },
    /// A reading an incident causes (a surge reading, or an alarm when `n` is
    /// `u32::MAX`).
    Extra {
        /// Sensor index.
        sensor: u32,
        /// Incident index.
        incident: u32,
        /// Number of the surge reading.
        n: u32,
    },
    /// A mesh node's clear-channel assessment ends (after its random backoff).
    MeshCca {
        /// Mesh node (relays and gateways first, then sensors).
        node: u32,
        /// Packet slot.
        pkt: u32,
    },
    /// A mesh router or border gateway broadcasts its link status.
    MeshLinkStatus {
        /// Mesh node (a relay or gateway).
        node: u32,
        /// Its access network.
        access: u16,
    },
    /// A mesh router's trickle timer reaches its point (`fire`) or its interval's end.
    MeshTrickle {
        /// Mesh node (a relay or gateway).
        node: u32,
        /// Its access network.
        access: u16,
        /// The timer's generation the event belongs to.
        gen: u16,
        /// The point t (else the interval's end).
        fire: bool,
    },
    /// A station's reading that went on its way when its service began (a steady
    /// gateway's or node's) finishes with another waiting behind it.
    ElemFree {
        /// Element index.
        elem: u32,
    },
    /// A link's frame that went on its way when it started (a steady link's) ends with
    /// another waiting behind it.
    LinkFree {
        /// Link index.
        link: u32,
    },
    /// A mesh frame (data or acknowledgement) ends.
    MeshEnd {
        /// Frame id.
        frame: u32,
    },
    /// A fault takes its element down.
    FaultDown {
        /// Fault index.
        fault: u32,
    },
    /// A fault's element comes back.
    FaultUp {
        /// Fault index.
        fault: u32,
    },
}
