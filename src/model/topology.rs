//! The infrastructure graph (petgraph): gateways and nodes joined by link instances,
//! and the next-hop table that routes every element towards its nearest sink.
//!
//! ```text
//!  sensors --access--> gw-0 --backhaul-0--> edge --core--> cloud (sink)
//!                      gw-1 --backhaul-1--/
//! ```
//!
//! Sensors are not graph nodes: each attaches to one gateway, found with a spatial
//! index, so a million sensors cost no graph memory.

use petgraph::algo::dijkstra;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::{EdgeRef, Reversed};

/// No next hop: the element is a sink, or cannot reach one.
pub const NONE: u32 = u32::MAX;

/// A directed link instance between two elements, with its routing cost.
#[derive(Debug, Clone, Copy)]
pub struct Hop {
    /// Sending element.
    pub from: u32,
    /// Receiving element.
    pub to: u32,
    /// Routing cost (mean delay, ns).
    pub cost: u64,
}

/// Next link (index into `hops`) for each of `elements` elements, towards the cheapest
/// sink; [`NONE`] for sinks and for elements with no route. Ties go to the lower link
/// index, so routes are deterministic.
pub fn next_hops(elements: usize, sinks: &[bool], hops: &[Hop]) -> Vec<u32> {
    let mut g: DiGraph<(), u64> = DiGraph::with_capacity(elements + 1, hops.len() + elements);
    for _ in 0..=elements {
        g.add_node(());
    }
    let root = NodeIndex::new(elements);
    for (i, &is_sink) in sinks.iter().enumerate() {
        if is_sink {
            g.add_edge(NodeIndex::new(i), root, 0);
        }
    }
    for h in hops {
        // One hop costs at least 1 ns, so fewer hops win among equal latencies.
        g.add_edge(
            NodeIndex::new(h.from as usize),
            NodeIndex::new(h.to as usize),
            h.cost + 1,
        );
    }
    // Distances to the virtual root over reversed edges = distance to the nearest sink.
    let dist = dijkstra(Reversed(&g), root, None, |e| *e.weight());
    let to_sink = |n: u32| dist.get(&NodeIndex::new(n as usize)).copied();
    let mut best: Vec<Option<(u64, u32)>> = vec![None; elements];
    for (l, h) in hops.iter().enumerate() {
        let i = h.from as usize;
        if sinks[i] {
            continue;
        }
        if let Some(d) = to_sink(h.to) {
            let c = (d + h.cost + 1, l as u32);
            if best[i].is_none_or(|b| c < b) {
                best[i] = Some(c);
            }
        }
    }
    let next: Vec<u32> = best.iter().map(|b| b.map_or(NONE, |(_, l)| l)).collect();
    next
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_take_the_cheapest_path_and_skip_dead_ends() {
        // 0 -> 1 (10) -> 3 sink ; 0 -> 2 (1) -> 3 (1) ; 4 has no route.
        let hops = [
            Hop {
                from: 0,
                to: 1,
                cost: 10,
            },
            Hop {
                from: 1,
                to: 3,
                cost: 10,
            },
            Hop {
                from: 0,
                to: 2,
                cost: 1,
            },
            Hop {
                from: 2,
                to: 3,
                cost: 1,
            },
            Hop {
                from: 4,
                to: 0,
                cost: 1,
            },
        ];
        let sinks = [false, false, false, true, false, false];
        let next = next_hops(6, &sinks, &hops);
        assert_eq!(next, vec![2, 1, 3, NONE, 4, NONE]);
    }
}
