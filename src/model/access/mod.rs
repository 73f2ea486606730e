//! Access networks: how a reading gets from its sensor to a gateway.

pub(crate) mod cellular;
pub(crate) mod lora;
pub(crate) mod mesh;

use crate::model::*;

pub(crate) struct AccessRt {
    pub(crate) latency: Sampler,
    pub(crate) ns_per_byte: f64,
    pub(crate) loss: f64,
    /// Cellular: ns per byte of one transfer, and the wake-up delay (ns).
    pub(crate) cell: Option<(f64, u64)>,
}
