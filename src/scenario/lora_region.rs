//! LoRaWAN regional parameters: what a band allows devices and gateways.
//!
//! Values from the LoRa Alliance's LoRaWAN Regional Parameters (RP002-1.0.4), as the
//! reference end-device stack (Semtech's LoRaMac-node, `RegionEU868.h`,
//! `RegionUS915.h`, `RegionCN470.h`) implements them.

use serde::Serialize;

/// A LoRaWAN region (frequency plan).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum LoraRegion {
    /// Europe, 863-870 MHz: ETSI EN 300 220 duty cycles.
    Eu868,
    /// North America, 902-928 MHz: FCC part 15.247, 400 ms dwell time, no duty cycle.
    Us915,
    /// China, 470-510 MHz: no duty cycle in the regional parameters.
    Cn470,
}

/// A data rate: spreading factor and bandwidth (Hz).
pub type DataRate = (u8, f64);

impl LoraRegion {
    /// Every region, by name.
    pub const ALL: [(&'static str, LoraRegion); 3] = [
        ("EU868", LoraRegion::Eu868),
        ("US915", LoraRegion::Us915),
        ("CN470", LoraRegion::Cn470),
    ];

    /// The region's name as a scenario writes it.
    pub fn name(self) -> &'static str {
        match self {
            LoraRegion::Eu868 => "EU868",
            LoraRegion::Us915 => "US915",
            LoraRegion::Cn470 => "CN470",
        }
    }

    /// Uplink data rates, DR0 first.
    pub fn uplink_rates(self) -> &'static [DataRate] {
        match self {
            LoraRegion::Eu868 => &[
                (12, 125e3),
                (11, 125e3),
                (10, 125e3),
                (9, 125e3),
                (8, 125e3),
                (7, 125e3),
                (7, 250e3),
            ],
            LoraRegion::Us915 => &[(10, 125e3), (9, 125e3), (8, 125e3), (7, 125e3), (8, 500e3)],
            LoraRegion::Cn470 => &[
                (12, 125e3),
                (11, 125e3),
                (10, 125e3),
                (9, 125e3),
                (8, 125e3),
                (7, 125e3),
            ],
        }
    }

    /// The uplink data rate number of `sf` at `bw_hz`, if the region has it.
    pub fn uplink_dr(self, sf: u8, bw_hz: f64) -> Option<usize> {
        self.uplink_rates()
            .iter()
            .position(|&(s, b)| s == sf && (b - bw_hz).abs() < 1.0)
    }

    /// Largest application payload (FRMPayload with no FOpts, "N") an uplink at data
    /// rate `dr` carries, bytes. US915's values follow from its 400 ms dwell time.
    pub fn max_payload(self, dr: usize) -> u32 {
        let table: &[u32] = match self {
            LoraRegion::Eu868 => &[51, 51, 51, 115, 242, 242, 242],
            LoraRegion::Us915 => &[11, 53, 125, 242, 242],
            LoraRegion::Cn470 => &[51, 51, 51, 115, 242, 242],
        };
        table.get(dr).copied().unwrap_or(0)
    }

    /// The devices' duty cycle: 1% in EU868's g1 sub-band (868.0-868.6 MHz, ETSI EN 300
    /// 220), none in US915 and CN470.
    pub fn device_duty_cycle(self) -> Option<f64> {
        match self {
            LoraRegion::Eu868 => Some(0.01),
            LoraRegion::Us915 | LoraRegion::Cn470 => None,
        }
    }

    /// The duty-cycle sub-band of uplink channel `c` of the default plan: in EU868 the
    /// three default channels (868.1-868.5 MHz) lie in g1 (868.0-868.6 MHz) and the
    /// usual further ones (867.1-867.9 MHz and below) in g (863-868 MHz), each 1%
    /// (ETSI EN 300 220, RP002-1.0.4 section 2.4.3); one band elsewhere.
    pub fn sub_band(self, c: u32) -> usize {
        match self {
            LoraRegion::Eu868 if c >= 3 => 1,
            _ => 0,
        }
    }

    /// The gateways' duty cycles in RX1 and RX2: in EU868 1% on the uplink's channel
    /// (g1) and 10% at 869.525 MHz (g3); none in US915 and CN470.
    pub fn downlink_duty_cycles(self) -> [Option<f64>; 2] {
        match self {
            LoraRegion::Eu868 => [Some(0.01), Some(0.10)],
            LoraRegion::Us915 | LoraRegion::Cn470 => [None, None],
        }
    }

    /// The data rate of the RX1 downlink answering an uplink at `up` (RX1DROffset 0):
    /// the uplink's own in EU868 and CN470; in US915 the 500 kHz rate at the same SF
    /// (DR10-DR13; DR4 answers at DR13, SF7).
    pub fn rx1_rate(self, up: DataRate) -> DataRate {
        match self {
            LoraRegion::Eu868 | LoraRegion::Cn470 => up,
            LoraRegion::Us915 if up.1 > 250e3 => (7, 500e3),
            LoraRegion::Us915 => (up.0, 500e3),
        }
    }

    /// RX2's default data rate: SF12 at 125 kHz (EU868 869.525 MHz DR0, CN470 505.3 MHz
    /// DR0), SF12 at 500 kHz in US915 (923.3 MHz DR8).
    pub fn rx2_rate(self) -> DataRate {
        match self {
            LoraRegion::Eu868 | LoraRegion::Cn470 => (12, 125e3),
            LoraRegion::Us915 => (12, 500e3),
        }
    }

    /// The carrier frequency propagation is computed at, Hz: the middle of the default
    /// uplink channels (EU868 868.3 MHz; US915 sub-band 2, 903.9-905.3 MHz; CN470's
    /// first eight, 470.3-471.7 MHz).
    pub fn frequency_hz(self) -> f64 {
        match self {
            LoraRegion::Eu868 => 868.3e6,
            LoraRegion::Us915 => 904.6e6,
            LoraRegion::Cn470 => 471.0e6,
        }
    }

    /// How many 2 dB steps below its maximum a device's power may be set by ADR
    /// (TXPower 0..7 in EU868 and CN470, 0..14 in US915; RP002-1.0.4).
    pub fn power_steps(self) -> u8 {
        match self {
            LoraRegion::Us915 => 14,
            LoraRegion::Eu868 | LoraRegion::Cn470 => 7,
        }
    }

    /// Uplink channels a gateway listens on by default: EU868's three default channels
    /// (868.1, 868.3, 868.5 MHz); in US915 and CN470 one sub-band of eight 125 kHz
    /// channels, as an eight-channel concentrator is set up.
    pub fn channels(self) -> u32 {
        match self {
            LoraRegion::Eu868 => 3,
            LoraRegion::Us915 | LoraRegion::Cn470 => 8,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_know_their_data_rates() {
        assert_eq!(LoraRegion::Eu868.uplink_dr(12, 125e3), Some(0));
        assert_eq!(LoraRegion::Eu868.uplink_dr(7, 250e3), Some(6));
        assert_eq!(LoraRegion::Us915.uplink_dr(12, 125e3), None);
        assert_eq!(LoraRegion::Us915.uplink_dr(10, 125e3), Some(0));
        assert_eq!(LoraRegion::Us915.max_payload(0), 11);
        assert_eq!(LoraRegion::Eu868.max_payload(0), 51);
        assert_eq!(LoraRegion::Cn470.max_payload(5), 242);
        assert_eq!(LoraRegion::Us915.rx1_rate((10, 125e3)), (10, 500e3));
        assert_eq!(LoraRegion::Us915.rx1_rate((8, 500e3)), (7, 500e3));
        assert_eq!(LoraRegion::Eu868.rx1_rate((9, 125e3)), (9, 125e3));
    }
}
