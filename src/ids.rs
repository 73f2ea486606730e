//! The one table of random-stream namespaces.
//!
//! Every random draw comes from a stream keyed by (seed, replication, entity id), or a
//! sub-stream of it (see `engine::substream`). An entity id is a namespace in
//! its top four bits and an index below them, so that no two kinds of entity ever share a
//! stream, and a new kind of draw takes a new row here rather than a constant of its own.
//!
//! ```
//! use citysim::ids::Ns;
//! assert_eq!(Ns::Fault.id(3), (8 << 60) | 3);
//! assert_ne!(Ns::LinkShadow.id(0), Ns::MeshShadow.id(0));
//! ```

/// What an entity id numbers. The discriminant is the namespace's top four bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum Ns {
    /// A sensor's own draws (readings, phase, start-up), indexed by the sensor; the
    /// [`SensorDraw`] flags below the namespace separate its other draws.
    Sensor = 0,
    /// Placement of one sensor class, indexed by the class.
    PlaceSensors = 1,
    /// Placement of one gateway group, indexed by the group.
    PlaceGateways = 2,
    /// A gateway's or node's service times and access latencies, indexed by the element.
    Element = 3,
    /// A link's latencies and losses, indexed by the link instance.
    Link = 4,
    /// A sweep's random design points, indexed by the dimension.
    Sweep = 5,
    /// The tuning search's draws (one stream).
    Tune = 6,
    /// LoRa shadowing of a (sensor, gateway) link, indexed by the sensor; the
    /// sub-stream is the gateway.
    LinkShadow = 7,
    /// A fault's times to failure and repair, indexed by the fault.
    Fault = 8,
    /// A sensor's incident readings, indexed by the sensor.
    Incident = 9,
    /// A mobile sensor's waypoints, indexed by the sensor.
    Mobility = 10,
    /// 802.15.4 shadowing between mesh nodes, indexed by the access network.
    MeshShadow = 11,
    /// Placement of one relay group, indexed by the group.
    PlaceRelays = 12,
    /// A mesh node's CSMA/CA back-offs and frame receptions, indexed by
    /// (access network << 40 | node).
    MeshMac = 13,
    /// A gateway's field of LoRa shadowing correlated in space, indexed by the element.
    ShadowField = 14,
    /// Whether a mesh node hears the acknowledgement of its frame, indexed by
    /// (access network << 40 | node).
    MeshAck = 15,
}

impl Ns {
    /// The entity id of entry `index` of this namespace (`index` below 2^60).
    #[inline]
    pub const fn id(self, index: u64) -> u64 {
        ((self as u64) << 60) | index
    }
}

/// A sensor's draws besides its readings, kept apart by a flag below the namespace bits
/// (sensor indices stay below 2^58).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum SensorDraw {
    /// Its readings: sub-stream k for reading k.
    Readings = 0,
    /// The LoRa channel of each transmission.
    LoraChannel = 1 << 58,
    /// The LoRa back-off before each retransmission.
    LoraBackoff = 1 << 59,
    /// Whether it sits indoors, and its building entry loss.
    Building = 3 << 58,
}

impl SensorDraw {
    /// The entity id of sensor `s`'s draws of this kind.
    #[inline]
    pub const fn id(self, s: u64) -> u64 {
        Ns::Sensor.id(s) | self as u64
    }
}
