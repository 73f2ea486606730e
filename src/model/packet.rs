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
    /// LoRa: the spreading factor of its last transmission.
    pub(crate) sf: u8,
    /// LoRa: what its random draws are keyed by, while it waits for the radio.
    pub(crate) draw: DrawKey,
    /// LoRa: the next reading waiting for the same device's radio (or `u32::MAX`).
    pub(crate) next: u32,
    /// Mesh CSMA/CA: backoffs so far (NB) and backoff exponent (BE) on this attempt.
    pub(crate) nb: u8,
    pub(crate) be: u8,
    /// Queue priority (0 highest).
    pub(crate) prio: u8,
    /// A reading, or an echo of one.
    pub(crate) role: Role,
}

impl Packet {
    /// Whether its retransmissions and busy channel assessments count: a counted
    /// reading, or an echo of one.
    #[inline]
    pub(crate) fn counts(&self) -> bool {
        self.counted || self.role == (Role::Echo { of_counted: true })
    }

    /// Whether it is a mesh router's link status broadcast.
    #[inline]
    pub(crate) fn is_control(&self) -> bool {
        self.role == Role::Control
    }

    /// Whether it is an echo of a reading delivered but not acknowledged.
    #[inline]
    pub(crate) fn is_echo(&self) -> bool {
        matches!(self.role, Role::Echo { .. })
    }
}

/// What a packet is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// A reading on its way to a sink.
    Reading,
    /// A retransmission of a reading that was delivered but not acknowledged (LoRa, or a
    /// mesh hop whose ACK was lost): it occupies the air and is never delivered again.
    /// Its retransmissions count when the reading it echoes is counted.
    Echo {
        /// The echoed reading is counted (taken after the warm-up).
        of_counted: bool,
    },
    /// A mesh router's routing control broadcast (a Zigbee link status, an RPL DIO):
    /// never a reading.
    Control,
}

/// What a reading's random draws are keyed by: its number on the sensor's own
/// schedule, an incident reading's number, or a retransmission's try. Events carry it
/// as one word, so that they stay 16 bytes: an own reading `k` (below 2^30) is `k`
/// itself, a retransmission sets bit 30, an incident reading bit 31.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DrawKey(pub(crate) u32);

impl DrawKey {
    const RETRY: u32 = 0x4000_0000;
    const INCIDENT: u32 = 0x8000_0000;

    /// Reading `k` of the sensor's own schedule.
    #[inline]
    pub(crate) fn own(k: u32) -> DrawKey {
        DrawKey(k)
    }

    /// Incident reading `n` (the alarm is `u32::MAX`).
    #[inline]
    pub(crate) fn incident(n: u32) -> DrawKey {
        DrawKey(Self::INCIDENT | (n & 0x7fff_ffff))
    }

    /// The retransmission after `tries` transmissions.
    #[inline]
    pub(crate) fn retry(tries: u8) -> DrawKey {
        DrawKey(Self::RETRY | u32::from(tries))
    }

    /// The number of an own reading (meaningless for the others).
    #[inline]
    pub(crate) fn number(self) -> u32 {
        self.0
    }
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
            sf: 0,
            draw: DrawKey(0),
            next: u32::MAX,
            nb: 0,
            be: 0,
            prio,
            role: Role::Reading,
        }
    }
}
