//! NB-IoT and LTE-M physical layer: coupling loss, coverage levels, and how long an
//! uplink transfer occupies the carrier.

use crate::model::propagation::{self, ShadowField};
use crate::scenario::{CeLevel, CellKind, CellRadio, LEVELS};

/// Transport block sizes, bits, by I_TBS (rows, 0 to 12) and the number of resource
/// units (columns: 1, 2, 3, 4, 5, 6, 8, 10): 3GPP TS 36.213 table 16.5.1.2-2 (NPUSCH);
/// 0 where the table has no entry. Its first six columns are also LTE's (table
/// 7.1.7.2.1-1, 1 to 6 PRBs) up to Cat-M1's 1000 bits a block.
pub(crate) const TBS: [[u16; 8]; 13] = [
    [16, 32, 56, 88, 120, 152, 208, 256],
    [24, 56, 88, 144, 176, 208, 256, 344],
    [32, 72, 144, 176, 208, 256, 328, 424],
    [40, 104, 176, 208, 256, 328, 440, 568],
    [56, 120, 208, 256, 328, 408, 552, 680],
    [72, 144, 224, 328, 424, 504, 680, 872],
    [88, 176, 256, 392, 504, 600, 808, 1000],
    [104, 224, 328, 472, 584, 712, 1000, 0],
    [120, 256, 392, 536, 680, 808, 0, 0],
    [136, 296, 456, 616, 776, 936, 0, 0],
    [144, 328, 504, 680, 872, 1000, 0, 0],
    [176, 376, 584, 776, 1000, 0, 0, 0],
    [208, 440, 680, 1000, 0, 0, 0, 0],
];

/// Resource units of each column of [`TBS`].
pub(crate) const N_RU: [u32; 8] = [1, 2, 3, 4, 5, 6, 8, 10];

/// One NPUSCH resource unit's duration with `tones` subcarriers at 15 kHz, ns (TS
/// 36.211 table 10.1.2.3-1: 12 tones 1 ms, 6 tones 2 ms, 3 tones 4 ms, 1 tone 8 ms).
pub(crate) fn ru_ns(tones: u32) -> u64 {
    match tones {
        12 => 1_000_000,
        6 => 2_000_000,
        3 => 4_000_000,
        _ => 8_000_000,
    }
}

/// The units a transfer gets when `free` are free and its level asks for `want`: NB-IoT
/// the largest of 12, 6, 3 or 1 subcarriers within both; LTE-M as many PRBs as both
/// allow. At least one (a transfer starts only when a unit is free).
pub(crate) fn allocation(kind: CellKind, want: u32, free: u32) -> u32 {
    let most = want.min(free).max(1);
    match kind {
        CellKind::NbIot => [12, 6, 3, 1].into_iter().find(|&a| a <= most).unwrap_or(1),
        _ => most,
    }
}

/// How long an uplink transfer of `bytes` occupies its units at `level`, ns, and in how
/// many transport blocks. NB-IoT: each block takes the fewest resource units whose
/// size carries what is left (the largest when none does), each unit `ru_ns` long,
/// repeated; LTE-M: each block carries the table's size at the level's PRBs in one 1 ms
/// subframe, repeated.
pub(crate) fn transfer(kind: CellKind, level: &CeLevel, bytes: u32) -> (u64, u32) {
    let row = &TBS[level.itbs.min(12) as usize];
    let mut left = u64::from(bytes) * 8;
    let (mut ns, mut blocks) = (0u64, 0u32);
    let reps = u64::from(level.repetitions);
    match kind {
        CellKind::LteM => {
            let col = (level.units.clamp(1, 6) - 1) as usize;
            let tbs = u64::from(row[col]).max(16);
            let n = left.div_ceil(tbs).max(1);
            return (n * 1_000_000 * reps, n as u32);
        }
        _ => {
            let largest = row.iter().rposition(|&b| b > 0).unwrap_or(0);
            loop {
                let col = row[..=largest]
                    .iter()
                    .position(|&b| u64::from(b) >= left)
                    .unwrap_or(largest);
                ns += u64::from(N_RU[col]) * ru_ns(level.units) * reps;
                blocks += 1;
                left = left.saturating_sub(u64::from(row[col]));
                if left == 0 {
                    break;
                }
            }
        }
    }
    (ns, blocks)
}

/// A device's coupling loss to a base station `d_m` away, dB: the mean path loss plus
/// its shadowing (`shadow_db`) and building entry loss (`indoor_db`), less both
/// antennas' gains (3GPP TR 45.820's definition: the loss between the antenna ports).
pub(crate) fn coupling_loss_db(radio: &CellRadio, d_m: f64, shadow_db: f64, indoor_db: f64) -> f64 {
    propagation::mean_loss_db(&radio.propagation, d_m) + shadow_db + indoor_db
        - radio.gateway_gain_db
        - radio.device_gain_db
}

/// The coverage level of a device with coupling loss `loss_db`: the first whose bound
/// it is within; None beyond the last (the maximum coupling loss).
pub(crate) fn level_of(levels: &[CeLevel; LEVELS], loss_db: f64) -> Option<u8> {
    levels
        .iter()
        .position(|l| loss_db <= l.max_loss_db)
        .map(|i| i as u8)
}

/// The shadowing of the link from (x, y) to gateway `g`, dB: from the correlated field,
/// or `z` (a standard normal drawn per link) when there is none.
pub(crate) fn shadow_db(
    radio: &CellRadio,
    field: Option<&ShadowField>,
    g: u32,
    xy: (f64, f64),
    z: f64,
) -> f64 {
    let sigma = radio.propagation.sigma_db;
    match field {
        _ if sigma <= 0.0 => 0.0,
        Some(f) => f.value(g, xy.0, xy.1) * sigma,
        None => z * sigma,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(itbs: u32, units: u32, repetitions: u32) -> CeLevel {
        CeLevel {
            max_loss_db: 144.0,
            ra_period_ns: 40_000_000,
            preambles: 24,
            ra_repetitions: 2,
            setup_ns: 0,
            repetitions,
            units,
            itbs,
        }
    }

    #[test]
    fn an_nbiot_transfer_takes_the_fewest_resource_units_that_carry_it() {
        // 89 B = 712 bits at I_TBS 10 with 12 tones: 5 RUs (872 bits), 1 ms each.
        assert_eq!(
            transfer(CellKind::NbIot, &level(10, 12, 1), 89),
            (5_000_000, 1)
        );
        // At I_TBS 6 with 3 tones, 8 repetitions: 8 RUs (808 bits) of 4 ms, 8 times.
        assert_eq!(
            transfer(CellKind::NbIot, &level(6, 3, 8), 89),
            (8 * 4_000_000 * 8, 1)
        );
        // At I_TBS 2 single-tone the largest block is 424 bits (10 RUs); the 288 bits
        // left take 8 RUs (328 bits).
        assert_eq!(
            transfer(CellKind::NbIot, &level(2, 1, 32), 89),
            ((10 + 8) * 8_000_000 * 32, 2)
        );
        // 2 B = 16 bits: one RU at I_TBS 0.
        assert_eq!(
            transfer(CellKind::NbIot, &level(0, 12, 1), 2),
            (1_000_000, 1)
        );
    }

    #[test]
    fn a_transfer_gets_the_largest_allocation_the_free_units_allow() {
        assert_eq!(allocation(CellKind::NbIot, 12, 12), 12);
        assert_eq!(allocation(CellKind::NbIot, 12, 11), 6);
        assert_eq!(allocation(CellKind::NbIot, 12, 5), 3);
        assert_eq!(allocation(CellKind::NbIot, 3, 12), 3);
        assert_eq!(allocation(CellKind::NbIot, 12, 2), 1);
        assert_eq!(allocation(CellKind::LteM, 6, 4), 4);
        assert_eq!(allocation(CellKind::LteM, 2, 6), 2);
    }

    #[test]
    fn an_ltem_transfer_is_one_subframe_per_block_and_repetition() {
        // 6 PRBs at I_TBS 10: 1000 bits a block; 712 bits in one, 1 ms.
        assert_eq!(
            transfer(CellKind::LteM, &level(10, 6, 1), 89),
            (1_000_000, 1)
        );
        // 2 PRBs at I_TBS 2: 72 bits a block: 10 blocks of 32 repetitions.
        assert_eq!(
            transfer(CellKind::LteM, &level(2, 2, 32), 89),
            (10 * 32 * 1_000_000, 10)
        );
    }

    #[test]
    fn the_table_grows_along_rows_and_columns() {
        for row in TBS.iter() {
            let filled: Vec<u16> = row.iter().copied().filter(|&b| b > 0).collect();
            assert!(filled.windows(2).all(|w| w[0] < w[1]));
            assert!(filled.iter().all(|&b| b <= 1000));
        }
        for c in 0..8 {
            let col: Vec<u16> = TBS.iter().map(|r| r[c]).filter(|&b| b > 0).collect();
            assert!(col.windows(2).all(|w| w[0] < w[1]), "column {c}");
        }
    }

    #[test]
    fn levels_follow_the_coupling_loss_bounds() {
        let mut levels = [level(10, 12, 1); LEVELS];
        levels[0].max_loss_db = 144.0;
        levels[1].max_loss_db = 154.0;
        levels[2].max_loss_db = 164.0;
        assert_eq!(level_of(&levels, 120.0), Some(0));
        assert_eq!(level_of(&levels, 144.0), Some(0));
        assert_eq!(level_of(&levels, 150.0), Some(1));
        assert_eq!(level_of(&levels, 163.9), Some(2));
        assert_eq!(level_of(&levels, 164.1), None);
    }
}
