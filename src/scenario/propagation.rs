//! Radio propagation as a scenario writes it: a path-loss preset with its heights and
//! frequency, log-normal shadowing with a decorrelation distance, and building entry
//! loss for the share of a class that sits indoors.

use super::read::{self, Cx, Db, Distance, Frequency, Kind, Probability, Tbl};
use super::reference::Key;
use super::tree::{Node, Val};
use serde::Serialize;

/// The kind of terrain around a Hata-type model's mobile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Environment {
    /// Built-up city (Hata's small and medium city; COST-231's metropolitan centre).
    Urban,
    /// Suburbs.
    Suburban,
    /// Open areas (Okumura-Hata only).
    Open,
}

/// A model of the mean path loss over distance.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum PathModel {
    /// PL(d) = PL(d0) + 10 n log10(d / d0).
    LogDistance {
        /// Reference distance, m.
        d0_m: f64,
        /// Loss at the reference distance, dB.
        pl0_db: f64,
        /// Path-loss exponent n.
        exponent: f64,
    },
    /// Okumura-Hata (Hata 1980; 150 to 1500 MHz, base 30 to 200 m, 1 to 20 km).
    OkumuraHata(Environment),
    /// COST-231 Hata (COST Action 231 final report, 1999; 1500 to 2000 MHz).
    Cost231Hata(Environment),
    /// 3GPP TR 38.901 urban macro, non-line-of-sight (table 7.4.1-1).
    Uma3gpp,
}

/// How radio signals weaken between a device and a gateway.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Propagation {
    /// The mean path loss.
    pub model: PathModel,
    /// Carrier frequency, Hz.
    pub frequency_hz: f64,
    /// Gateway (base station) antenna height, m.
    pub gateway_height_m: f64,
    /// Device antenna height, m.
    pub device_height_m: f64,
    /// Standard deviation of the log-normal shadowing, dB.
    pub sigma_db: f64,
    /// Distance over which shadowing decorrelates to 1/e (Gudmundson 1991), m; 0 draws
    /// it independently per link.
    pub decorrelation_m: f64,
}

/// A building's construction, for its entry loss (ITU-R P.2109-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Building {
    /// Traditional construction (brick, plain glass).
    Traditional,
    /// Thermally efficient construction (metallised glass, foil-backed panels).
    ThermallyEfficient,
}

/// The share of a class's sensors that sit indoors, and in what kind of building.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Indoor {
    /// Probability that a sensor is indoors, 0 to 1.
    pub share: f64,
    /// Construction of the buildings they sit in.
    pub building: Building,
}

const PRESETS: [&str; 4] = ["3gpp-uma", "okumura-hata", "cost231-hata", "log-distance"];

/// Reads the propagation keys of a LoRa table: `propagation`, `environment`,
/// `frequency`, `gateway_height`, `device_height`, `shadowing`, `decorrelation`, and
/// for `"log-distance"` `d0`, `pl0` and `exponent`.
pub(crate) fn read_propagation(
    cx: &mut Cx,
    t: &mut Tbl,
    region_hz: Option<f64>,
) -> Option<Propagation> {
    let preset = t.val::<Preset>(cx, "propagation");
    let env = t.val::<EnvironmentName>(cx, "environment");
    let env_given = t.has_key("environment");
    let frequency = t.val::<RegionFrequency>(cx, "frequency");
    let gateway_height_m = t.val::<Height>(cx, "gateway_height");
    let device_height_m = t.val::<Height>(cx, "device_height");
    let sigma = t.val::<Shadowing>(cx, "shadowing");
    let decorrelation_m = t.val::<Distance>(cx, "decorrelation");
    let log_keys: Vec<&'static str> = ["d0", "pl0", "exponent"]
        .into_iter()
        .filter(|k| t.has_key(k))
        .collect();
    let d0 = t.val::<Distance>(cx, "d0");
    let pl0 = t.val::<Db>(cx, "pl0");
    let exponent = t.val::<read::Positive>(cx, "exponent");
    let preset = preset?;
    if let (true, Some(&k)) = (preset != "log-distance", log_keys.first()) {
        let origin = t.origin_of(k);
        cx.err(
            &origin,
            &t.key(k),
            format!("`{k}` sets the log-distance model; add propagation = \"log-distance\" or remove `{k}`"),
        );
        return None;
    }
    let env = env?;
    let model = match preset {
        "log-distance" => PathModel::LogDistance {
            d0_m: d0?,
            pl0_db: pl0?,
            exponent: exponent?,
        },
        "okumura-hata" => PathModel::OkumuraHata(env),
        "cost231-hata" if env == Environment::Open => {
            let origin = t.origin_of("environment");
            cx.err(
                &origin,
                &t.key("environment"),
                "COST-231 Hata has no open-area correction; expected \"urban\" or \"suburban\"",
            );
            return None;
        }
        "cost231-hata" => PathModel::Cost231Hata(env),
        _ => PathModel::Uma3gpp,
    };
    if env_given && matches!(model, PathModel::LogDistance { .. } | PathModel::Uma3gpp) {
        let origin = t.origin_of("environment");
        cx.err(
            &origin,
            &t.key("environment"),
            "`environment` applies to propagation = \"okumura-hata\" or \"cost231-hata\"",
        );
        return None;
    }
    let region_hz = region_hz?;
    Some(Propagation {
        frequency_hz: frequency?.unwrap_or(region_hz),
        gateway_height_m: gateway_height_m?,
        device_height_m: device_height_m?,
        sigma_db: sigma?.unwrap_or(preset_sigma_db(model)),
        decorrelation_m: decorrelation_m?,
        model,
    })
}

/// The shadowing each preset was fitted with, dB: 3GPP TR 38.901 table 7.4.1-1 (UMa
/// NLOS, 6 dB); 8 dB for the Hata models (the urban macro-cell figure of COST 231,
/// section 4.4); Bor et al. 2016's 3.57 dB for the log-distance fit.
pub fn preset_sigma_db(model: PathModel) -> f64 {
    match model {
        PathModel::Uma3gpp => 6.0,
        PathModel::OkumuraHata(_) | PathModel::Cost231Hata(_) => 8.0,
        PathModel::LogDistance { .. } => 3.57,
    }
}

read::kind!(
    /// A propagation preset name.
    Preset => &'static str, read::quoted_list(&PRESETS), |cx: &mut Cx, n: &Node, k: &str| read::choice(cx, n, k, &PRESETS)
);
read::kind!(
    /// `"urban"`, `"suburban"` or `"open"`.
    EnvironmentName => Environment, "`\"urban\"`, `\"suburban\"` or `\"open\"`", |cx: &mut Cx, n: &Node, k: &str| {
        read::choice(cx, n, k, &["urban", "suburban", "open"]).map(|e| match e {
            "urban" => Environment::Urban,
            "suburban" => Environment::Suburban,
            _ => Environment::Open,
        })
    }
);
read::kind!(
    /// A carrier frequency, or `"region"` (None: the middle of the region's uplink
    /// channels).
    RegionFrequency => Option<f64>, "frequency (`\"868MHz\"`) or `\"region\"`", |cx: &mut Cx, n: &Node, k: &str| match &n.val {
        Val::Str(s) if s == "region" => Some(None),
        _ => Frequency::read(cx, n, k).map(Some),
    }
);
read::kind!(
    /// An antenna height above ground, from 0.5 m to 1 km.
    Height => f64, "distance, 0.5m to 1km", |cx: &mut Cx, n: &Node, k: &str| match Distance::read(cx, n, k) {
        Some(h) if (0.5..=1000.0).contains(&h) => Some(h),
        Some(_) => {
            cx.expected(n, k, "an antenna height from 0.5m to 1km, such as \"25m\"");
            None
        }
        None => None,
    }
);
read::kind!(
    /// A shadowing standard deviation from 0 to 30 dB, or `"preset"` (None: the
    /// preset's own).
    Shadowing => Option<f64>, "ratio in dB, 0 to 30, or `\"preset\"`", |cx: &mut Cx, n: &Node, k: &str| match &n.val {
        Val::Str(s) if s == "preset" => Some(None),
        _ => match Db::read(cx, n, k) {
            Some(v) if (0.0..=30.0).contains(&v) => Some(Some(v)),
            Some(_) => {
                cx.expected(n, k, "a shadowing deviation from 0dB to 30dB, or \"preset\"");
                None
            }
            None => None,
        },
    }
);

/// Reads a class's `indoor` share and `building` type (None when `indoor` is absent
/// or 0).
pub(crate) fn read_indoor(cx: &mut Cx, t: &mut Tbl, radio: bool) -> Option<Option<Indoor>> {
    let share = match t.get("indoor") {
        None => 0.0,
        Some(n) => {
            let key = t.key("indoor");
            if !radio {
                cx.err(
                    &n.origin,
                    &key,
                    "building entry loss is modelled on LoRa, NB-IoT and LTE-M links only; remove `indoor`",
                );
                return None;
            }
            Probability::read(cx, n, &key)?
        }
    };
    let building = match t.get("building") {
        None => Building::Traditional,
        Some(n) => {
            let key = t.key("building");
            match read::choice(cx, n, &key, &["traditional", "thermally-efficient"])? {
                "traditional" => Building::Traditional,
                _ => Building::ThermallyEfficient,
            }
        }
    };
    Some((share > 0.0).then_some(Indoor { share, building }))
}

/// The keys of `propagation` tables, for the key reference.
pub(crate) const PROPAGATION_KEYS: &[Key] = &[
    Key::of("propagation", "the path-loss model"),
    Key::of("environment", "the Hata models' environment"),
    Key::of(
        "frequency",
        "the carrier frequency the path loss is computed at",
    ),
    Key::of(
        "gateway_height",
        "the gateway antenna's height above ground",
    ),
    Key::of("device_height", "a device's antenna height above ground"),
    Key::of(
        "shadowing",
        "the standard deviation of log-normal shadowing",
    ),
    Key::of(
        "decorrelation",
        "the distance over which shadowing decorrelates (0m: independent per link)",
    ),
    Key::of("d0", "the log-distance model's reference distance"),
    Key::of(
        "pl0",
        "the log-distance model's path loss at the reference distance",
    ),
    Key::of("exponent", "the log-distance model's path-loss exponent"),
];

/// The keys of `indoor` tables, for the key reference.
pub(crate) const INDOOR_KEYS: &[Key] = &[
    Key::any(
        "indoor",
        "probability, 0 to 1 (or `\"60%\"`)",
        "0 (outdoors)",
        "the share of the class's sensors indoors, behind a building entry loss (LoRa only)",
    ),
    Key::any(
        "building",
        "`\"traditional\"` or `\"thermally-efficient\"`",
        "\"traditional\"",
        "the ITU-R P.2109 building type of indoor sensors",
    ),
];
