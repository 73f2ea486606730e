//! A reading in flight and why it was taken.

/// Why a reading is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReadingKind {
    /// On the sensor's own schedule.
    Own,
    /// An incident's surge.
    Surge,
    /// An incident's alarm, with its priority.
    Alarm(u8),
}

#[inline]
pub(crate) fn counted_at(now: u64, warmup: u64) -> bool {
    now >= warmup
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Packet {
    pub(crate) created: u64,
    /// When it reached the element or link it is at now.
    pub(crate) arrived: u64,
    pub(crate) bytes: u32,
    /// The sensor that took it.
    pub(crate) sensor: u32,
    pub(crate) class: u16,
    pub(crate) counted: bool,
    /// LoRa transmissions so far; mesh: retries on the current hop.
    pub(crate) tries: u8,
    /// Mesh CSMA/CA: backoffs so far (NB) and backoff exponent (BE) on this attempt.
    pub(crate) nb: u8,
    pub(crate) be: u8,
    /// Queue priority (0 highest).
    pub(crate) prio: u8,
    /// A LoRa retransmission of a reading that was delivered but not acknowledged: it
    /// occupies the air and is never delivered again (1; 2 when the reading is counted).
    pub(crate) ghost: u8,
}

impl Packet {
    /// A reading of `bytes` taken by `sensor` at `now`.
    pub(crate) fn new(
        now: u64,
        bytes: u32,
        sensor: u32,
        class: u16,
        counted: bool,
        prio: u8,
    ) -> Packet {
        Packet {
            created: now,
            arrived: now,
            bytes,
            sensor,
            class,
            counted,
            tries: 0,
            nb: 0,
            be: 0,
            prio,
            ghost: 0,
        }
    }
}
