//! LoRa physics: time on air (Semtech SX1276 datasheet / AN1200.13), receiver
//! sensitivity, and log-distance path loss (the mesh's).

/// Radio settings of a LoRa transmission.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoraTx {
    /// Spreading factor, 7..=12.
    pub sf: u8,
    /// Bandwidth, Hz (125e3, 250e3 or 500e3).
    pub bw_hz: f64,
    /// Coding rate 4/(4+cr), cr in 1..=4.
    pub cr: u8,
    /// Preamble symbols.
    pub preamble: u32,
    /// Explicit header.
    pub explicit_header: bool,
    /// Payload CRC.
    pub crc: bool,
}

impl LoraTx {
    /// Symbol time, s.
    pub fn t_sym(&self) -> f64 {
        f64::from(1u32 << self.sf) / self.bw_hz
    }

    /// Time on air of a `payload`-byte frame, s, with low-data-rate optimisation
    /// whenever the symbol time exceeds 16 ms.
    ///
    /// ```
    /// use citysim::model::LoraTx;
    /// let tx = LoraTx { sf: 7, bw_hz: 125e3, cr: 1, preamble: 8, explicit_header: true, crc: true };
    /// assert!((tx.time_on_air_s(20) * 1e3 - 56.576).abs() < 1e-3);
    /// ```
    pub fn time_on_air_s(&self, payload: u32) -> f64 {
        let t_sym = self.t_sym();
        let de = if t_sym > 0.016 { 1.0 } else { 0.0 };
        let ih = if self.explicit_header { 0.0 } else { 1.0 };
        let crc = if self.crc { 1.0 } else { 0.0 };
        let sf = f64::from(self.sf);
        let num = 8.0 * f64::from(payload) - 4.0 * sf + 28.0 + 16.0 * crc - 20.0 * ih;
        let den = 4.0 * (sf - 2.0 * de);
        let n_payload = 8.0 + ((num / den).ceil() * (f64::from(self.cr) + 4.0)).max(0.0);
        (f64::from(self.preamble) + 4.25) * t_sym + n_payload * t_sym
    }

    /// When a receiver has locked onto this frame's preamble, s after its start: all
    /// but the last 5 preamble symbols.
    pub fn lock_s(&self) -> f64 {
        (f64::from(self.preamble) - 5.0).max(0.0) * self.t_sym()
    }
}

/// An end device's receiver sensitivity, dBm: the Semtech SX1276 datasheet (rev. 7,
/// table 10, RFS_L125/250/500_HF, band 1 at 868/915 MHz), SF7..SF12 at 125, 250 and
/// 500 kHz.
pub fn sensitivity_dbm(sf: u8, bw_hz: f64) -> f64 {
    const TABLE: [[f64; 6]; 3] = [
        [-123.0, -126.0, -129.0, -132.0, -133.0, -136.0],
        [-120.0, -123.0, -125.0, -128.0, -130.0, -133.0],
        [-116.0, -119.0, -122.0, -125.0, -128.0, -130.0],
    ];
    TABLE[bw_index(bw_hz)][(sf.clamp(7, 12) - 7) as usize]
}

/// A gateway concentrator's sensitivity, dBm, at its antenna connector: the Semtech
/// SX1301 datasheet at 125 kHz (SF7 -130 ... SF12 -142.5 dBm, the values the ns-3
/// `lorawan` module uses), and at 250 and 500 kHz the SX1276's loss per SF from
/// widening the band.
pub fn gateway_sensitivity_dbm(sf: u8, bw_hz: f64) -> f64 {
    const AT_125: [f64; 6] = [-130.0, -132.5, -135.0, -137.5, -140.0, -142.5];
    let i = (sf.clamp(7, 12) - 7) as usize;
    AT_125[i] + sensitivity_dbm(sf, bw_hz) - sensitivity_dbm(sf, 125e3)
}

/// 0, 1, 2 for a bandwidth nearest 125, 250, 500 kHz.
fn bw_index(bw_hz: f64) -> usize {
    if bw_hz < 187.5e3 {
        0
    } else if bw_hz < 375e3 {
        1
    } else {
        2
    }
}

/// Log-distance path loss: PL(d) = PL(d0) + 10 n log10(d / d0), dB (before shadowing).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PathLoss {
    /// Reference distance, m.
    pub d0_m: f64,
    /// Loss at the reference distance, dB.
    pub pl0_db: f64,
    /// Path-loss exponent.
    pub exponent: f64,
    /// Standard deviation of the log-normal shadowing, dB.
    pub sigma_db: f64,
}

impl PathLoss {
    /// Bor et al. 2016's LoRa measurements: d0 = 40 m, PL(d0) = 127.41 dB, n = 2.08,
    /// sigma = 3.57 dB.
    pub const BOR_2016: PathLoss = PathLoss {
        d0_m: 40.0,
        pl0_db: 127.41,
        exponent: 2.08,
        sigma_db: 3.57,
    };

    /// Mean loss at `d_m` metres, dB.
    pub fn mean_db(&self, d_m: f64) -> f64 {
        self.pl0_db + 10.0 * self.exponent * (d_m.max(1.0) / self.d0_m).log10()
    }

    /// The distance at which the mean loss reaches `loss_db`, m.
    pub fn distance_for(&self, loss_db: f64) -> f64 {
        self.d0_m * 10f64.powf((loss_db - self.pl0_db) / (10.0 * self.exponent))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tx(sf: u8, cr: u8) -> LoraTx {
        LoraTx {
            sf,
            bw_hz: 125e3,
            cr,
            preamble: 8,
            explicit_header: true,
            crc: true,
        }
    }

    #[test]
    fn time_on_air_matches_the_datasheet_formula() {
        // 20-byte payload, CR 4/5, 8-symbol preamble, explicit header, CRC, 125 kHz:
        // values from the Semtech formula (SF11 and SF12 with low-data-rate optimisation).
        let want_ms = [56.576, 102.912, 185.344, 370.688, 741.376, 1318.912];
        for (sf, want) in (7..=12).zip(want_ms) {
            let got = tx(sf, 1).time_on_air_s(20) * 1e3;
            assert!((got - want).abs() < 1e-3, "SF{sf}: {got} ms, want {want}");
        }
        assert!((tx(7, 1).time_on_air_s(20) * 1e3 - 56.6).abs() < 0.05);
        assert!((tx(12, 1).time_on_air_s(20) * 1e3 - 1318.9).abs() < 0.05);
        assert!((tx(12, 4).time_on_air_s(20) * 1e3 - 1712.1).abs() < 0.05);
    }

    #[test]
    fn path_loss_round_trips() {
        let p = PathLoss::BOR_2016;
        assert!((p.mean_db(40.0) - 127.41).abs() < 1e-9);
        let d = p.distance_for(150.0);
        assert!((p.mean_db(d) - 150.0).abs() < 1e-9);
        assert!(sensitivity_dbm(12, 125e3) < sensitivity_dbm(7, 125e3));
    }

    #[test]
    fn sensitivity_is_the_datasheets() {
        // SX1276 datasheet table 10 at 125 kHz; SF11 and SF12 are -133 and -136 dBm.
        let device: Vec<f64> = (7..=12).map(|sf| sensitivity_dbm(sf, 125e3)).collect();
        assert_eq!(device, [-123.0, -126.0, -129.0, -132.0, -133.0, -136.0]);
        // Widening the band costs less than 3 dB per doubling at some SFs.
        assert_eq!(sensitivity_dbm(9, 250e3), -125.0);
        assert_eq!(sensitivity_dbm(7, 500e3), -116.0);
        assert_eq!(sensitivity_dbm(12, 500e3), -130.0);
        // A concentrator hears 6.5 dB deeper than a device at SF12.
        assert_eq!(gateway_sensitivity_dbm(12, 125e3), -142.5);
        assert_eq!(gateway_sensitivity_dbm(7, 125e3), -130.0);
        assert_eq!(gateway_sensitivity_dbm(12, 500e3), -136.5);
        for sf in 7..=12 {
            for bw in [125e3, 250e3, 500e3] {
                assert!(gateway_sensitivity_dbm(sf, bw) < sensitivity_dbm(sf, bw));
            }
        }
    }
}
