//! Access networks: how a reading gets from its sensor to a gateway.
//!
//! Each `[[access]]` of the scenario is one [`AccessNet`]: what every technology shares
//! (the latency from gateway to backbone, a loss probability, the index used to attach
//! sensors to gateways) and an [`AccessKind`] arm that holds the technology's own
//! network state. The technology's per-sensor state and shared medium live in its own
//! folder (`lora/`, `mesh/`), beside the handlers of its events.

pub(crate) mod cellular;
pub(crate) mod direct;
pub(crate) mod lora;
pub(crate) mod mesh;

use crate::model::*;
use lora::net::LoraNet;
use mesh::net::MeshNet;

/// One access network, ready to use.
pub(crate) struct AccessNet {
    /// Delay from the gateway (or cell) to the backbone; for a direct access, the hop.
    pub(crate) latency: Sampler,
    /// Probability that a reading is lost on the access hop.
    pub(crate) loss: f64,
    /// The gateways serving it, indexed for (re-)attachment, and the farthest a sensor
    /// may be from one; None when no sensor class uses it.
    pub(crate) attach: Option<(SpatialIndex, f64)>,
    /// The technology.
    pub(crate) kind: AccessKind,
}

/// The technology of an access network, with its network state.
pub(crate) enum AccessKind {
    /// An abstract hop: latency plus serialisation at the access bandwidth.
    Direct {
        /// Serialisation, ns per byte (0: no bandwidth limit).
        ns_per_byte: f64,
    },
    /// A cell with transfer slots, reached after a wake-up.
    Cellular {
        /// One transfer's rate, ns per byte.
        ns_per_byte: f64,
        /// Wake-up and attach before a transfer, ns.
        wake_ns: u64,
    },
    /// An NB-IoT or LTE-M network.
    RadioCell(Box<cellular::CellNet>),
    /// A LoRa star network.
    Lora(Box<LoraNet>),
    /// An 802.15.4 mesh of relays and border gateways.
    Mesh(Box<MeshNet>),
}

impl AccessNet {
    /// The LoRa network of a LoRa access.
    #[inline]
    pub(crate) fn lora(&self) -> &LoraNet {
        match &self.kind {
            AccessKind::Lora(net) => net,
            _ => unreachable!("only readings of LoRa classes reach the LoRa MAC"),
        }
    }

    /// The mesh of a mesh access.
    #[inline]
    pub(crate) fn mesh(&self) -> &MeshNet {
        match &self.kind {
            AccessKind::Mesh(net) => net,
            _ => unreachable!("only readings of mesh classes reach the mesh MAC"),
        }
    }

    /// The mesh of a mesh access, to change.
    #[inline]
    pub(crate) fn mesh_mut(&mut self) -> &mut MeshNet {
        match &mut self.kind {
            AccessKind::Mesh(net) => net,
            _ => unreachable!("only readings of mesh classes reach the mesh MAC"),
        }
    }

    /// The mesh, if this is a mesh access, to change.
    pub(crate) fn as_mesh_mut(&mut self) -> Option<&mut MeshNet> {
        match &mut self.kind {
            AccessKind::Mesh(net) => Some(net),
            _ => None,
        }
    }
}
