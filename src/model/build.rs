//! Building the city of a scenario for one replication.

use super::*;

impl City {
    /// Builds the city of `scenario` for one replication: places sensors and gateways,
    /// attaches sensors, lays out links and computes routes.
    pub fn build(scenario: &Scenario, replication: u32) -> City {
        let seed = scenario.simulation.seed;
        let sim = &scenario.simulation;
        let buckets = sim.duration_ns.div_ceil(sim.bucket_ns).max(1) as usize;

        // Gateways, then nodes: the elements.
        let mut elements = Vec::new();
        let mut gw_group = Vec::new();
        for (gi, g) in scenario.gateways.iter().enumerate() {
            let mut rng = stream(seed, replication, Ns::PlaceGateways.id(gi as u64));
            for (i, p) in place_in(
                &g.placement,
                g.count,
                &scenario.city,
                g.area.as_ref().map(|d| &d.region),
                &mut rng,
            )
            .into_iter()
            .enumerate()
            {
                elements.push(Element {
                    name: format!("{}-{i}", g.name),
                    group: g.name.clone(),
                    position: Some((p.0 as f64, p.1 as f64)),
                    sink: false,
                    service: g.service.as_ref().map(Sampler::new),
                    next: NONE,
                    sensors: 0,
                    station: Station::new(g.servers, g.queue),
                    down: 0,
                    downlinks: 0,
                    cell: g
                        .access
                        .iter()
                        .find_map(|&a| scenario.access[a].cellular.as_ref())
                        .map(|c| Station::new(c.transfers, c.queue)),
                });
                gw_group.push(gi);
            }
        }
        let n_gateways = elements.len();
        let mut node_elem = Vec::new();
        for n in &scenario.nodes {
            node_elem.push(elements.len() as u32);
            elements.push(Element {
                name: n.name.clone(),
                group: n.name.clone(),
                position: None,
                sink: n.sink,
                service: n.service.as_ref().map(Sampler::new),
                next: NONE,
                sensors: 0,
                station: Station::new(n.servers, n.queue),
                down: 0,
                downlinks: 0,
                cell: None,
            });
        }

        // Link instances: one per gateway for links leaving a gateway group.
        let mut links = Vec::new();
        let mut hops = Vec::new();
        let mut link_of: Vec<(usize, Option<u32>)> = Vec::new();
        for (li, l) in scenario.links.iter().enumerate() {
            let from: Vec<(u32, String)> = match l.from {
                Endpoint::Gateways(g) => (0..n_gateways)
                    .filter(|&e| gw_group[e] == g)
                    .map(|e| (e as u32, format!("{}-{}", l.name, elements[e].name)))
                    .collect(),
                Endpoint::Node(n) => vec![(node_elem[n], l.name.clone())],
            };
            let to = node_elem[l.to];
            let ser = l.bandwidth_bps.map(ns_per_byte);
            for (f, name) in from {
                link_of.push((li, matches!(l.from, Endpoint::Gateways(_)).then_some(f)));
                hops.push(Hop {
                    from: f,
                    to,
                    cost: l.latency.mean_ns().min(1e15) as u64,
                });
                links.push(Link {
                    name,
                    group: l.name.clone(),
                    to,
                    latency: Sampler::new(&l.latency),
                    ns_per_byte: ser,
                    loss: l.loss,
                    station: Station::new(1, l.queue),
                    down: 0,
                });
            }
        }
        let sinks: Vec<bool> = elements.iter().map(|e| e.sink).collect();
        for (e, next) in next_hops(elements.len(), &sinks, &hops)
            .into_iter()
            .enumerate()
        {
            elements[e].next = next;
        }

        // Sensors: placement and attachment.
        let total = scenario.sensor_count() as usize;
        let mut s_gateway = Vec::with_capacity(total);
        let mut class_end = Vec::with_capacity(scenario.sensors.len());
        let mut s_pos = Vec::with_capacity(total);
        let mut indexes: Vec<Option<SpatialIndex>> =
            (0..scenario.access.len()).map(|_| None).collect();
        for (ci, c) in scenario.sensors.iter().enumerate() {
            let mut rng = stream(seed, replication, Ns::PlaceSensors.id(ci as u64));
            let mut positions = place_in(
                &c.placement,
                c.count,
                &scenario.city,
                c.area.as_ref().map(|d| &d.region),
                &mut rng,
            );
            if let Some(m) = &c.mobility {
                let first = s_gateway.len();
                for (i, p) in positions.iter_mut().enumerate() {
                    let w = waypoint(
                        m,
                        seed,
                        replication,
                        first + i,
                        0,
                        (scenario.city.width_m, scenario.city.height_m),
                    );
                    *p = (w.0 as f32, w.1 as f32);
                }
            }
            let index = indexes[c.access].get_or_insert_with(|| {
                let pts: Vec<(u32, f32, f32)> = (0..n_gateways)
                    .filter(|&e| scenario.gateways[gw_group[e]].access.contains(&c.access))
                    .map(|e| {
                        let p = elements[e].position.expect("gateways have positions");
                        (e as u32, p.0 as f32, p.1 as f32)
                    })
                    .collect();
                SpatialIndex::new(&pts, scenario.city.width_m, scenario.city.height_m)
            });
            let range = match &scenario.access[c.access].lora {
                // A LoRa sensor reports to whoever hears it; attach it (for the
                // gateway tables) to the nearest gateway that can.
                Some(l) => Some(LoraNet::new(l, SpatialIndex::new(&[], 1.0, 1.0)).max_range_m()),
                None => scenario.access[c.access].range_m,
            };
            for (i, &(x, y)) in positions.iter().enumerate() {
                let gw = match &c.attach {
                    Attach::Nearest => index
                        .nearest_within(x as f64, y as f64, range.unwrap_or(f64::INFINITY))
                        .map_or(NONE, |(g, _)| g),
                    Attach::Gateway(g) => *g,
                    Attach::PerSensor(v) => v[i],
                };
                if gw != NONE {
                    elements[gw as usize].sensors += 1;
                }
                s_gateway.push(gw);
                s_pos.push((x, y));
            }
            class_end.push(s_gateway.len() as u32);
        }
        let bursty = scenario
            .sensors
            .iter()
            .any(|c| matches!(c.traffic, Traffic::Bursty { .. }));
        let attach: Vec<Option<(SpatialIndex, f64)>> = indexes
            .into_iter()
            .enumerate()
            .map(|(a, idx)| {
                let range = scenario.access[a].range_m.unwrap_or(f64::INFINITY);
                idx.map(|i| (i, range))
            })
            .collect();
        let faults: Vec<FaultRt> = scenario
            .faults
            .iter()
            .flat_map(|f| {
                let (link_of, node_elem) = (&link_of, &node_elem);
                f.targets.iter().map(move |t| {
                    let (target, kind) = match *t {
                        FaultTarget::Gateway(g) => (g, Down::Element),
                        FaultTarget::Node(n) => (node_elem[n], Down::Element),
                        FaultTarget::Link(li, gw) => {
                            let i = link_of
                                .iter()
                                .position(|&(l, g)| l == li && g == gw)
                                .expect("validated link");
                            (i as u32, Down::Link)
                        }
                        FaultTarget::Class(c) => (c as u32, Down::Class),
                        FaultTarget::Relay(r) => (r, Down::Relay),
                    };
                    FaultRt {
                        when: f.when.clone(),
                        target,
                        kind,
                        cycles: 0,
                    }
                })
            })
            .collect();
        let lora: Vec<Option<LoraNet>> = scenario
            .access
            .iter()
            .enumerate()
            .map(|(a, acc)| {
                acc.lora.as_ref().map(|cfg| {
                    let pts: Vec<(u32, f32, f32)> = (0..n_gateways)
                        .filter(|&e| scenario.gateways[gw_group[e]].access.contains(&a))
                        .map(|e| {
                            let p = elements[e].position.expect("gateways have positions");
                            (e as u32, p.0 as f32, p.1 as f32)
                        })
                        .collect();
                    LoraNet::new(
                        cfg,
                        SpatialIndex::new(&pts, scenario.city.width_m, scenario.city.height_m),
                    )
                })
            })
            .collect();
        // Mesh networks: their relays, then the gateways serving them.
        let mut relay_at = Vec::new();
        let mut mesh: Vec<Option<MeshNet>> = (0..scenario.access.len()).map(|_| None).collect();
        for (a, acc) in scenario.access.iter().enumerate() {
            let Some(cfg) = &acc.mesh else { continue };
            let (mut infra, mut pos) = (Vec::new(), Vec::new());
            let mut r_global = 0u32;
            for (ri, r) in scenario.relays.iter().enumerate() {
                if r.access == a {
                    let mut rng = stream(seed, replication, Ns::PlaceRelays.id(ri as u64));
                    for (i, p) in place_in(
                        &r.placement,
                        r.count,
                        &scenario.city,
                        r.area.as_ref().map(|d| &d.region),
                        &mut rng,
                    )
                    .into_iter()
                    .enumerate()
                    {
                        relay_at.push((r_global + i as u32, a as u32, infra.len() as u32));
                        infra.push(Infra::Relay(r_global + i as u32));
                        pos.push(p);
                    }
                }
                r_global += r.count;
            }
            for (e, el) in elements.iter().enumerate().take(n_gateways) {
                if scenario.gateways[gw_group[e]].access.contains(&a) {
                    let p = el.position.expect("gateways have positions");
                    infra.push(Infra::Gateway(e as u32));
                    pos.push((p.0 as f32, p.1 as f32));
                }
            }
            let mut net = MeshNet::new(
                cfg,
                a,
                infra,
                pos,
                (scenario.city.width_m, scenario.city.height_m),
                (seed, replication),
            );
            net.reroute(|e| {
                let el = &elements[e as usize];
                el.next != NONE || el.sink
            });
            for c in scenario.sensors.iter().filter(|c| c.access == a) {
                net.tabulate(c.payload_bytes + cfg.overhead_bytes);
            }
            mesh[a] = Some(net);
        }
        relay_at.sort_unstable();
        let relay_at: Vec<(u32, u32)> = relay_at.into_iter().map(|(_, a, i)| (a, i)).collect();
        let any_mesh = scenario
            .sensors
            .iter()
            .any(|c| scenario.access[c.access].mesh.is_some());
        let n_elements = elements.len();
        let duty = scenario.sensors.iter().any(|c| {
            scenario.access[c.access]
                .lora
                .as_ref()
                .is_some_and(|l| l.duty_cycle.is_some())
        });
        let e_rng = (0..elements.len())
            .map(|e| stream(seed, replication, Ns::Element.id(e as u64)))
            .collect();
        let l_rng = (0..links.len())
            .map(|l| stream(seed, replication, Ns::Link.id(l as u64)))
            .collect();

        City {
            warmup: sim.warmup_ns,
            bucket_ns: sim.bucket_ns,
            classes: scenario
                .sensors
                .iter()
                .map(|c| ClassRt {
                    name: c.name.clone(),
                    domain: c.domain.clone(),
                    district: c.area.as_ref().map_or(String::new(), |d| d.name.clone()),
                    traffic: c.traffic.clone(),
                    payload: c.payload_bytes,
                    access: c.access,
                    sensors: u64::from(c.count),
                    sf: c.sf,
                    sf_each: c.sf_each.clone(),
                    mobility: c.mobility.clone(),
                    profile: c.profile.map(Profile::new),
                    threshold: c.threshold,
                    priority: c.priority as u8,
                    energy: c.energy.as_ref().map(|e| EnergyRt {
                        base_c: e.base_charge_c(),
                        tx_a: e.tx_a,
                        tx_s: e.tx_s,
                        sleep_a: e.sleep_a,
                        capacity_c: e.battery_c,
                        voltage_v: e.voltage_v,
                    }),
                })
                .collect(),
            access: scenario
                .access
                .iter()
                .map(|a| AccessRt {
                    latency: Sampler::new(&a.latency),
                    ns_per_byte: a.bandwidth_bps.map_or(0.0, ns_per_byte),
                    loss: a.loss,
                    cell: a
                        .cellular
                        .as_ref()
                        .map(|c| (ns_per_byte(c.rate_bps), c.wake_up_ns)),
                })
                .collect(),
            seed,
            replication,
            class_end,
            s_gateway,
            s_on_end: if bursty { vec![0; total] } else { Vec::new() },
            s_pos,
            elements,
            e_rng,
            links,
            l_rng,
            packets: Slab::default(),
            flows: scenario.sensors.iter().map(|_| Flow::default()).collect(),
            air: Air::new(n_elements),
            lora,
            s_next_tx: if duty { vec![0; total] } else { Vec::new() },
            scratch_ids: Vec::new(),
            scratch_links: Vec::new(),
            faults,
            incidents: scenario.incidents.clone(),
            class_down: vec![0; scenario.sensors.len()],
            s_leg: if scenario.sensors.iter().any(|c| c.mobility.is_some()) {
                vec![(0, 0); total]
            } else {
                Vec::new()
            },
            city_size: (scenario.city.width_m, scenario.city.height_m),
            hops,
            attach,
            mesh_air: MeshAir::new(mesh.len()),
            gw_downlink: vec![[0, 0]; n_elements],
            s_links: if scenario
                .sensors
                .iter()
                .any(|c| scenario.access[c.access].lora.is_some())
            {
                vec![(u32::MAX, 0); total]
            } else {
                Vec::new()
            },
            link_arena: Vec::new(),
            mesh,
            s_mesh_busy: if any_mesh {
                vec![false; total]
            } else {
                Vec::new()
            },
            s_parent: if any_mesh {
                vec![(u32::MAX, NONE, 0.0); total]
            } else {
                Vec::new()
            },
            s_mesh_wait: Default::default(),
            relay_at,
            prio_flows: Default::default(),
            s_value: if scenario.sensors.iter().any(|c| c.threshold.is_some()) {
                vec![(f32::NAN, f32::NAN); total]
            } else {
                Vec::new()
            },
            s_extra: if !scenario.incidents.is_empty()
                && scenario.sensors.iter().any(|c| c.energy.is_some())
            {
                vec![(0, 0); total]
            } else {
                Vec::new()
            },
            buckets: vec![Bucket::default(); buckets],
        }
    }
}
