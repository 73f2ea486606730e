//! One random stream per entity, derived from (seed, replication, entity id).
//!
//! Streams are PCG-32 generators (portable, 16 bytes of state). Because each entity
//! draws only from its own stream, adding a gateway does not change any sensor's draws,
//! and results do not depend on thread count or on the order of unrelated events.

/// The generator every entity uses.
pub type Stream = rand_pcg::Pcg32;

/// SplitMix64's finaliser: a bijective mix of 64 bits.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The stream of entity `entity` in replication `replication` of a run seeded `seed`.
///
/// ```
/// use rand::Rng;
/// let a: u64 = citysim::engine::stream(7, 0, 42).random();
/// let b: u64 = citysim::engine::stream(7, 0, 42).random();
/// let c: u64 = citysim::engine::stream(7, 1, 42).random();
/// assert_eq!(a, b);
/// assert_ne!(a, c);
/// ```
pub fn stream(seed: u64, replication: u32, entity: u64) -> Stream {
    let state = mix(seed ^ mix(u64::from(replication) ^ mix(entity)));
    Stream::new(state, mix(entity ^ 0x5851_F42D_4C95_7F2D))
}

/// Sub-stream `index` of an entity's stream: an independent generator that needs no
/// stored state, so an entity that draws a few numbers per activation (a sensor per
/// reading) can be given stream `k` for its k-th activation instead of keeping a
/// generator in memory.
///
/// ```
/// use rand::Rng;
/// let a: u64 = citysim::engine::substream(7, 0, 42, 3).random();
/// assert_eq!(a, citysim::engine::substream(7, 0, 42, 3).random::<u64>());
/// assert_ne!(a, citysim::engine::substream(7, 0, 42, 4).random::<u64>());
/// ```
#[inline]
pub fn substream(seed: u64, replication: u32, entity: u64, index: u64) -> Stream {
    let base = mix(seed ^ mix(u64::from(replication) ^ mix(entity)));
    Stream::new(
        mix(base ^ mix(index ^ 0xD1B5_4A32_D192_ED03)),
        mix(entity ^ 0x5851_F42D_4C95_7F2D),
    )
}

/// The two numbers every stream of a run derives from: the scenario's seed and the
/// replication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seeds {
    /// The scenario's seed.
    pub seed: u64,
    /// The replication number.
    pub replication: u32,
}

impl Seeds {
    /// Entity `entity`'s stream (see [`stream`]).
    #[inline]
    pub fn stream(self, entity: u64) -> Stream {
        stream(self.seed, self.replication, entity)
    }

    /// Sub-stream `index` of entity `entity`'s stream (see [`substream`]).
    #[inline]
    pub fn sub(self, entity: u64, index: u64) -> Stream {
        substream(self.seed, self.replication, entity, index)
    }
}
