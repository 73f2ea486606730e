//! Human units in scenario files: `"5min"`, `"32B"`, `"10Mbps"`, `"2km"`, `"10%"`.
//!
//! Every parser returns a plain number in one base unit (nanoseconds, bytes, bits per
//! second, metres) or a message saying what was expected, so the scenario loader can
//! attach file, line and key to it.
//!
//! ```
//! use citysim::units::{parse_duration_ns, parse_bytes, parse_bitrate, format_duration};
//! assert_eq!(parse_duration_ns("5min").unwrap(), 300_000_000_000);
//! assert_eq!(parse_duration_ns("1.5s").unwrap(), 1_500_000_000);
//! assert_eq!(parse_bytes("32B").unwrap(), 32);
//! assert_eq!(parse_bitrate("10Mbps").unwrap(), 10e6);
//! assert_eq!(format_duration(90_000_000_000), "1min 30s");
//! assert!(parse_duration_ns("5 parsecs").is_err());
//! ```

/// Splits `"12.5ms"` into the number `12.5` and the unit `"ms"` (spaces allowed between).
fn split_number(text: &str) -> Option<(f64, &str)> {
    let t = text.trim();
    let end = t
        .char_indices()
        .find(|&(i, c)| {
            !(c.is_ascii_digit()
                || c == '.'
                || c == '_'
                || ((c == '-' || c == '+') && i == 0)
                || ((c == 'e' || c == 'E')
                    && t[i + 1..].starts_with(|d: char| d.is_ascii_digit() || d == '-')))
        })
        .map(|(i, _)| i)
        .unwrap_or(t.len());
    let number: String = t[..end].chars().filter(|&c| c != '_').collect();
    let value: f64 = number.parse().ok()?;
    Some((value, t[end..].trim()))
}

fn with_unit(text: &str, units: &[(&str, f64)], what: &str) -> Result<f64, String> {
    let expected = || {
        let names: Vec<&str> = units.iter().map(|u| u.0).collect();
        format!(
            "expected {what} such as \"{}\" (units: {})",
            example(units),
            names.join(", ")
        )
    };
    let (value, unit) = split_number(text).ok_or_else(expected)?;
    if !value.is_finite() {
        return Err(expected());
    }
    let factor = units
        .iter()
        .find(|u| u.0 == unit)
        .map(|u| u.1)
        .ok_or_else(expected)?;
    Ok(value * factor)
}

fn example(units: &[(&str, f64)]) -> String {
    format!("10{}", units[0].0)
}

const DURATION_UNITS: &[(&str, f64)] = &[
    ("s", 1e9),
    ("ms", 1e6),
    ("us", 1e3),
    ("µs", 1e3),
    ("ns", 1.0),
    ("sec", 1e9),
    ("min", 60e9),
    ("h", 3600e9),
    ("hour", 3600e9),
    ("d", 86400e9),
    ("day", 86400e9),
    ("days", 86400e9),
    ("y", 31557600e9),
    ("year", 31557600e9),
    ("years", 31557600e9),
    ("w", 604800e9),
    ("week", 604800e9),
];

/// Other spellings people write for [`DURATION_UNITS`] (accepted, not listed in
/// messages).
const DURATION_ALIASES: &[(&str, &str)] = &[
    ("secs", "s"),
    ("second", "s"),
    ("seconds", "s"),
    ("msec", "ms"),
    ("millisecond", "ms"),
    ("milliseconds", "ms"),
    ("mins", "min"),
    ("minute", "min"),
    ("minutes", "min"),
    ("hr", "h"),
    ("hrs", "h"),
    ("hours", "h"),
    ("weeks", "w"),
    ("yr", "y"),
];

/// A number as a person reads it: whole numbers with thousands separators
/// (`3,200`), others to five significant digits (`0.99914`, `177.21`, `12,346`),
/// `n/a` when not a number.
pub fn human_number(x: f64) -> String {
    if !x.is_finite() {
        return "n/a".into();
    }
    let decimals = if x == x.trunc() && x.abs() < 1e15 {
        0
    } else {
        (4 - x.abs().log10().floor() as i64).clamp(0, 8) as usize
    };
    grouped(x, decimals)
}

/// A count of things as a person reads it, with thousands separators and the noun's
/// plural when it is not one: `count_of(1.0, "gateway", "gateways")` is `1 gateway`,
/// `count_of(4900.0, "sensor", "sensors")` is `4,900 sensors`.
pub fn count_of(n: f64, one: &str, many: &str) -> String {
    let n = n.max(0.0).round();
    format!("{} {}", human_number(n), if n == 1.0 { one } else { many })
}

/// `x` to `decimals` places with thousands separators in its whole part.
fn grouped(x: f64, decimals: usize) -> String {
    let text = format!("{:.decimals$}", x.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if !frac.is_empty() {
        out = format!("{out}.{frac}");
    }
    if x < 0.0 && out.chars().any(|c| c.is_ascii_digit() && c != '0') {
        out.insert(0, '-');
    }
    out
}

/// The decimal places that show a half-width `half` to two significant digits.
fn interval_decimals(half: f64) -> usize {
    (1 - half.log10().floor() as i64).clamp(0, 12) as usize
}

/// A mean and the half-width of its interval as a person writes them: the half-width
/// to two significant digits and the mean to the same decimal place, with thousands
/// separators (`0.99221 ± 0.00041`, `86,019 ± 1,632`), or the mean alone to five digits
/// when the half-width is 0.
pub fn human_interval(mean: f64, half: f64) -> String {
    if !(half.is_finite() && half > 0.0 && mean.is_finite()) {
        return format!("{} ± 0", human_number(mean));
    }
    let d = interval_decimals(half);
    format!("{} ± {}", grouped(mean, d), grouped(half, d))
}

/// An interval's ends to the precision of its half-width (`0.99145 to 0.99342`).
pub fn human_range(low: f64, high: f64) -> String {
    let half = (high - low) / 2.0;
    if !(half.is_finite() && half > 0.0) {
        return format!("{} to {}", human_number(low), human_number(high));
    }
    let d = interval_decimals(half);
    format!("{} to {}", grouped(low, d), grouped(high, d))
}

/// A latency given in ms as a person says it, to three significant digits: `145 ms`,
/// `2.13 s`, `28.5 min`, `4.75 h`, `1.20 d`; `n/a` when not a number.
pub fn human_duration_ms(ms: f64) -> String {
    if !ms.is_finite() {
        return "n/a".into();
    }
    let (v, unit) = match ms {
        m if m < 1000.0 => (m, "ms"),
        m if m < 60e3 => (m / 1e3, "s"),
        m if m < 3600e3 => (m / 60e3, "min"),
        m if m < 86_400e3 => (m / 3600e3, "h"),
        m => (m / 86_400e3, "d"),
    };
    let decimals = match v {
        v if v >= 100.0 => 0,
        v if v >= 10.0 => 1,
        v if v >= 1.0 => 2,
        _ => 3,
    };
    format!("{v:.decimals$} {unit}")
}

/// A share as a percentage with the digits it needs and no more (`99%`, `99.9%`).
pub fn human_percent(x: f64) -> String {
    let t = format!("{:.4}", x * 100.0);
    format!("{}%", t.trim_end_matches('0').trim_end_matches('.'))
}

/// Parses a duration (`"250ms"`, `"5min"`, `"2h"`, `"1d"`; `"24hours"`, `"5 minutes"`
/// too) into nanoseconds (rounded). Negative durations are rejected.
pub fn parse_duration_ns(text: &str) -> Result<u64, String> {
    let canonical = split_number(text).and_then(|(v, unit)| {
        let (_, to) = DURATION_ALIASES.iter().find(|(a, _)| *a == unit)?;
        Some(format!("{v}{to}"))
    });
    let ns = with_unit(
        canonical.as_deref().unwrap_or(text),
        DURATION_UNITS,
        "a duration",
    )?;
    if ns < 0.0 {
        return Err(format!(
            "expected a non-negative duration, found \"{text}\""
        ));
    }
    if ns > u64::MAX as f64 / 4.0 {
        return Err(format!("duration \"{text}\" is too long"));
    }
    Ok(ns.round() as u64)
}

/// Parses a data size (`"32B"`, `"1kB"`, `"2KiB"`, `"1MB"`) into bytes (rounded).
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    const UNITS: &[(&str, f64)] = &[
        ("B", 1.0),
        ("kB", 1e3),
        ("KB", 1e3),
        ("KiB", 1024.0),
        ("MB", 1e6),
        ("MiB", 1048576.0),
        ("GB", 1e9),
        ("GiB", 1073741824.0),
        ("TB", 1e12),
        ("TiB", 1099511627776.0),
    ];
    let b = with_unit(text, UNITS, "a data size")?;
    if !(0.0..=1e15).contains(&b) {
        return Err(format!(
            "expected a size between 0B and 1PB, found \"{text}\""
        ));
    }
    Ok(b.round() as u64)
}

/// Parses a bit rate (`"250kbps"`, `"10Mbps"`, `"1Gbps"`) into bits per second.
pub fn parse_bitrate(text: &str) -> Result<f64, String> {
    const UNITS: &[(&str, f64)] = &[
        ("bps", 1.0),
        ("kbps", 1e3),
        ("Kbps", 1e3),
        ("Mbps", 1e6),
        ("Gbps", 1e9),
        ("bit/s", 1.0),
        ("kbit/s", 1e3),
        ("Mbit/s", 1e6),
        ("Gbit/s", 1e9),
    ];
    let r = with_unit(text, UNITS, "a bit rate")?;
    if r <= 0.0 {
        return Err(format!("expected a positive bit rate, found \"{text}\""));
    }
    Ok(r)
}

/// Parses a distance (`"250m"`, `"2km"`) into metres.
pub fn parse_distance_m(text: &str) -> Result<f64, String> {
    const UNITS: &[(&str, f64)] = &[("m", 1.0), ("km", 1e3)];
    let d = with_unit(text, UNITS, "a distance")?;
    if d < 0.0 {
        return Err(format!(
            "expected a non-negative distance, found \"{text}\""
        ));
    }
    Ok(d)
}

/// Parses an electric charge (`"2400mAh"`, `"19Ah"`) into coulombs.
pub fn parse_charge_c(text: &str) -> Result<f64, String> {
    const UNITS: &[(&str, f64)] = &[("mAh", 3.6), ("Ah", 3600.0), ("uAh", 3.6e-3), ("C", 1.0)];
    positive(with_unit(text, UNITS, "a battery capacity")?, text)
}

/// Parses a current (`"40mA"`, `"1.5uA"`) into amperes.
pub fn parse_current_a(text: &str) -> Result<f64, String> {
    const UNITS: &[(&str, f64)] = &[
        ("mA", 1e-3),
        ("uA", 1e-6),
        ("µA", 1e-6),
        ("nA", 1e-9),
        ("A", 1.0),
    ];
    let a = with_unit(text, UNITS, "a current")?;
    if a < 0.0 {
        return Err(format!("expected a non-negative current, found \"{text}\""));
    }
    Ok(a)
}

/// Parses a voltage (`"3.6V"`, `"3300mV"`) into volts.
pub fn parse_voltage_v(text: &str) -> Result<f64, String> {
    const UNITS: &[(&str, f64)] = &[("V", 1.0), ("mV", 1e-3)];
    positive(with_unit(text, UNITS, "a voltage")?, text)
}

/// Parses an energy (`"0.5mJ"`, `"2J"`) into joules.
pub fn parse_energy_j(text: &str) -> Result<f64, String> {
    const UNITS: &[(&str, f64)] = &[("mJ", 1e-3), ("uJ", 1e-6), ("µJ", 1e-6), ("J", 1.0)];
    let j = with_unit(text, UNITS, "an energy")?;
    if j < 0.0 {
        return Err(format!("expected a non-negative energy, found \"{text}\""));
    }
    Ok(j)
}

fn positive(v: f64, text: &str) -> Result<f64, String> {
    if v > 0.0 {
        Ok(v)
    } else {
        Err(format!("expected a positive value, found \"{text}\""))
    }
}

/// Parses a frequency or bandwidth (`"125kHz"`, `"868.1MHz"`) into hertz.
pub fn parse_frequency_hz(text: &str) -> Result<f64, String> {
    const UNITS: &[(&str, f64)] = &[("kHz", 1e3), ("MHz", 1e6), ("GHz", 1e9), ("Hz", 1.0)];
    positive(with_unit(text, UNITS, "a frequency")?, text)
}

/// Parses a power level (`"14dBm"`) into dBm.
pub fn parse_dbm(text: &str) -> Result<f64, String> {
    with_unit(text, &[("dBm", 1.0)], "a power level")
}

/// Parses a power ratio (`"6dB"`) into dB.
pub fn parse_db(text: &str) -> Result<f64, String> {
    with_unit(text, &[("dB", 1.0), ("dBi", 1.0)], "a ratio in decibels")
}

/// Parses a speed (`"10m/s"`, `"36km/h"`) into metres per second.
pub fn parse_speed_mps(text: &str) -> Result<f64, String> {
    const UNITS: &[(&str, f64)] = &[("m/s", 1.0), ("km/h", 1.0 / 3.6)];
    positive(with_unit(text, UNITS, "a speed")?, text)
}

/// Parses a percentage (`"10%"`) into a fraction (`0.1`).
pub fn parse_percent(text: &str) -> Option<f64> {
    let (v, unit) = split_number(text)?;
    (unit == "%" && v.is_finite()).then_some(v / 100.0)
}

/// Formats nanoseconds as a short human duration (`"1h 5min"`, `"250ms"`), the inverse of
/// [`parse_duration_ns`] for whole units.
pub fn format_duration(ns: u64) -> String {
    if ns == 0 {
        return "0s".into();
    }
    if ns < 1_000_000_000 {
        return match ns {
            n if n % 1_000_000 == 0 => format!("{}ms", n / 1_000_000),
            n if n % 1_000 == 0 => format!("{}us", n / 1_000),
            n => format!("{n}ns"),
        };
    }
    let mut rest = ns;
    let mut parts = Vec::new();
    for (unit, size) in [
        ("d", 86_400_000_000_000u64),
        ("h", 3_600_000_000_000),
        ("min", 60_000_000_000),
        ("s", 1_000_000_000),
        ("ms", 1_000_000),
    ] {
        if rest >= size {
            parts.push(format!("{}{unit}", rest / size));
            rest %= size;
        }
    }
    parts.join(" ")
}

/// `x.round() as u64` (half away from zero, negative and NaN to 0, saturating at the
/// top) without a call into the C library, which baseline x86-64 needs for `round`:
/// truncate, then step up when the fraction is a half or more (exact: `x` less its
/// truncation is representable). Time draws are rounded to whole nanoseconds this way
/// several times per reading.
#[inline]
pub fn round_u64(x: f64) -> u64 {
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    if x < TWO_63 {
        // Signed conversions are single instructions; below zero gives zero.
        let t = x as i64;
        let up = i64::from(x - t as f64 >= 0.5);
        (t + up).max(0) as u64
    } else {
        // Whole already (or NaN: zero; infinite: saturated).
        x as u64
    }
}

#[cfg(test)]
mod tests {
    use super::round_u64;

    #[test]
    fn round_u64_is_round_then_cast() {
        let mut xs = vec![
            0.0,
            -0.0,
            0.5,
            -0.5,
            1.5,
            2.5,
            0.49999999999999994,
            4503599627370495.5,
            9007199254740993.0,
            1.8446744073709552e19,
            1e30,
            -1e30,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            f64::MIN_POSITIVE,
        ];
        let mut x = 1e-3f64;
        while x < 1e21 {
            for y in [
                x,
                x.next_up(),
                x.next_down(),
                x + 0.5,
                (x + 0.5).next_down(),
            ] {
                xs.push(y);
                xs.push(-y);
            }
            x *= 1.37;
        }
        for k in 0..100_000u64 {
            xs.push(k as f64 * 0.25 + 0.125 * (k % 3) as f64);
        }
        for x in xs {
            assert_eq!(round_u64(x), x.round() as u64, "{x}");
        }
    }

    use super::*;

    #[test]
    fn issue_14_counts_take_separators_and_the_right_plural() {
        assert_eq!(
            count_of(1.0, "sensor class", "sensor classes"),
            "1 sensor class"
        );
        assert_eq!(count_of(0.0, "gateway", "gateways"), "0 gateways");
        assert_eq!(count_of(4900.0, "sensor", "sensors"), "4,900 sensors");
        assert_eq!(count_of(1.2, "relay", "relays"), "1 relay");
    }

    #[test]
    fn issue_14_numbers_read_like_a_person_writes_them() {
        // Tuning printed `objective 3200.0000` and `mean 0.9954`.
        assert_eq!(human_number(3200.0), "3,200");
        assert_eq!(human_number(10577841.0), "10,577,841");
        assert_eq!(human_number(0.999137), "0.99914");
        assert_eq!(human_number(177.209), "177.21");
        assert_eq!(human_number(12345.6), "12,346");
        assert_eq!(human_number(-1.5), "-1.5000");
        assert_eq!(human_number(f64::NAN), "n/a");
        assert_eq!(human_number(0.0), "0");
        assert_eq!(human_interval(0.992205, 0.000406), "0.99221 ± 0.00041");
        assert_eq!(human_interval(246.4, 0.0), "246.40 ± 0");
        assert_eq!(human_interval(161.657, 3.2), "161.7 ± 3.2");
        assert_eq!(human_interval(86339.5, 4453.0), "86,340 ± 4,453");
        assert_eq!(human_range(-5.3907, 12.057), "-5.4 to 12.1");
        assert_eq!(human_range(0.991452, 0.993421), "0.99145 to 0.99342");
        assert_eq!(human_percent(0.99), "99%");
        assert_eq!(human_duration_ms(145.097), "145 ms");
        assert_eq!(human_duration_ms(2130.706), "2.13 s");
        assert_eq!(human_duration_ms(1_710_671.117), "28.5 min");
        assert_eq!(human_duration_ms(0.25), "0.250 ms");
        assert_eq!(human_percent(0.999), "99.9%");
    }

    #[test]
    fn issue_14_durations_in_the_spellings_people_write() {
        // "24hours" was refused although "hour" and "days" were accepted.
        for (text, ns) in [
            ("24hours", 86_400e9),
            ("5 minutes", 300e9),
            ("90 secs", 90e9),
            ("1.5hr", 5_400e9),
            ("250 milliseconds", 250e6),
            ("2weeks", 1_209_600e9),
        ] {
            assert_eq!(parse_duration_ns(text).unwrap(), ns as u64, "{text}");
        }
        let e = parse_duration_ns("5 fortnights").unwrap_err();
        assert!(e.contains("units: s, ms") && !e.contains("minutes"), "{e}");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration_ns("0s").unwrap(), 0);
        assert_eq!(parse_duration_ns("10 us").unwrap(), 10_000);
        assert_eq!(parse_duration_ns("2h").unwrap(), 7_200_000_000_000);
        assert_eq!(parse_duration_ns("1d").unwrap(), 86_400_000_000_000);
        assert_eq!(parse_duration_ns("1e3ms").unwrap(), 1_000_000_000);
        assert!(parse_duration_ns("-5s").is_err());
        assert!(parse_duration_ns("5").is_err());
        assert!(parse_duration_ns("five s").is_err());
        assert!(parse_duration_ns("5 furlongs")
            .unwrap_err()
            .contains("units:"));
    }

    #[test]
    fn sizes_rates_distances() {
        assert_eq!(parse_bytes("1KiB").unwrap(), 1024);
        assert_eq!(parse_bytes("1.5kB").unwrap(), 1500);
        assert!(parse_bytes("-1B").is_err());
        assert_eq!(parse_bitrate("250kbps").unwrap(), 250e3);
        assert!(parse_bitrate("0bps").is_err());
        assert_eq!(parse_distance_m("2.5km").unwrap(), 2500.0);
        assert_eq!(parse_percent("10%"), Some(0.1));
        assert!((parse_charge_c("2400mAh").unwrap() - 8640.0).abs() < 1e-9);
        assert!((parse_current_a("1.5uA").unwrap() - 1.5e-6).abs() < 1e-15);
        assert_eq!(parse_voltage_v("3.6V").unwrap(), 3.6);
        assert!((parse_energy_j("0.5mJ").unwrap() - 5e-4).abs() < 1e-12);
        assert!(parse_charge_c("0mAh").is_err() && parse_current_a("-1mA").is_err());
        assert_eq!(parse_percent("10"), None);
    }

    #[test]
    fn format_round_trips() {
        for text in ["1h 5min", "250ms", "1d 2h", "45s", "10us"] {
            let ns: u64 = text.split(' ').map(|p| parse_duration_ns(p).unwrap()).sum();
            assert_eq!(format_duration(ns), text);
        }
    }
}
