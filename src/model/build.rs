//! Building the city of a scenario for one replication: the backbone first (gateways,
//! nodes, links, routes), then the sensors placed and attached, then the access
//! networks, then each concern's state.

use super::*;
use crate::model::access::lora::adr::AdrDevice;

/// What building the backbone tells the later steps.
struct BackboneLayout {
    backbone: Backbone,
    /// The gateway group of each gateway (elements `0..gw_group.len()`).
    gw_group: Vec<usize>,
    /// The element of each `[[nodes]]` entry.
    node_elem: Vec<u32>,
    /// Per link instance: its `[[links]]` entry and, leaving a gateway group, the gateway.
    link_of: Vec<(usize, Option<u32>)>,
}

impl City {
    /// Builds the city of `scenario` for one replication: places sensors and gateways,
    /// attaches sensors, lays out links and computes routes.
    pub fn build(scenario: &Scenario, replication: u32) -> City {
        let all = vec![true; scenario.access.len()];
        City::build_as(scenario, replication, split::Part::Whole, &all)
    }

    /// Builds the core of a split run of `scenario` (see [`City::play_access_side`]): the
    /// same city running no access network, so without the state only sensors use
    /// (their LoRa links, radio, traffic, energy and mobility state).
    pub fn build_core(scenario: &Scenario, replication: u32) -> City {
        let none = vec![false; scenario.access.len()];
        City::build_as(scenario, replication, split::Part::Core, &none)
    }

    /// Builds a part of the access side of a split run of `scenario`: the sensors of the
    /// access networks `nets` (indices into `scenario.access`; see
    /// [`budget::access_groups`]), their gateways and the links leaving them. The rest
    /// of the city is there but idle, without the state only its sensors use.
    pub fn build_access_part(scenario: &Scenario, replication: u32, nets: &[usize]) -> City {
        let mut ours = vec![false; scenario.access.len()];
        for &a in nets {
            ours[a] = true;
        }
        City::build_as(scenario, replication, split::Part::Access, &ours)
    }

    fn build_as(scenario: &Scenario, replication: u32, part: split::Part, nets: &[bool]) -> City {
        let sim = &scenario.simulation;
        let seeds = Seeds {
            seed: sim.seed,
            replication,
        };
        let mut layout = build_backbone(scenario, seeds);
        let (sensors, indexes) = place_sensors(scenario, seeds, &mut layout);
        let (mut access, relay_at) =
            build_access(scenario, seeds, &layout, (&sensors.class_end, indexes));
        let faults = build_faults(scenario, &layout);
        layout.backbone.end = sim.duration_ns;
        let total = sensors.gateway.len();
        let n_elements = layout.backbone.elements.len();
        let buckets = sim.duration_ns.div_ceil(sim.bucket_ns).max(1) as usize;
        // The sensors of this part's classes for which `f` holds (the core runs none).
        let users = |f: ClassTest| {
            let classes = &scenario.sensors;
            lazy::class_ranges(&sensors.class_end, |c| {
                nets[classes[c].access] && f(&classes[c])
            })
        };
        let lora_users = users(&|c| scenario.access[c.access].lora().is_some());
        let mesh_users = users(&|c| scenario.access[c.access].mesh().is_some());
        let cell = cell_state(
            (scenario, &users),
            &layout,
            (&mut access, total),
            buckets,
            sim.bucket_ns,
        );
        let serves =
            |e: usize| (scenario.gateways[layout.gw_group[e]].access.iter()).any(|&a| nets[a]);
        let split = split::Split::new(
            part,
            nets.to_vec(),
            (layout.gw_group.len(), n_elements),
            serves,
        );
        let (traffic, energy, legs) = sensor_state(scenario, &users, total);
        let mut city = City {
            seeds,
            warmup: sim.warmup_ns,
            classes: scenario.sensors.iter().map(class_rt).collect(),
            packets: Slab::default(),
            rec: recorder(scenario, buckets),
            lora: LoraState::new(
                n_elements,
                total,
                (&lora_users, channels(scenario)),
                sim.warmup_ns,
            ),
            mesh: MeshState::new(access.len(), total, &mesh_users, relay_at),
            traffic,
            energy,
            mobility: MobilityState {
                legs,
                city_size: (scenario.city.width_m, scenario.city.height_m),
            },
            faults: Faults {
                list: faults,
                class_down: vec![0; scenario.sensors.len()],
            },
            incidents: scenario.incidents.clone(),
            split,
            prefetching: false,
            backbone: layout.backbone,
            sensors,
            access,
            cell,
        };
        city.cell_energy();
        city.books_by_need(scenario, total);
        city.prefetching = city.reads_sensor_state();
        city
    }

    /// The state only some scenarios need: ADR devices, per-band duty cycles, and
    /// counts by place for a city on the map.
    fn books_by_need(&mut self, scenario: &Scenario, total: usize) {
        let ours = |a: usize| self.split.runs_net(a);
        if (0..self.classes.len()).any(|c| self.adr_class(c) && ours(self.classes[c].access)) {
            self.lora.adr = vec![AdrDevice::JOINED; total];
        }
        if (scenario.access.iter().enumerate())
            .any(|(a, acc)| acc.lora().is_some_and(|l| l.per_band) && ours(a))
        {
            self.lora.band_free = vec![[0, 0]; total];
        }
        if self.split.runs_access() {
            self.precompute_lora_links();
        }
        if scenario.city.frame.is_some() {
            let of = zones_of(&scenario.districts, &self.sensors.pos);
            self.rec.set_zones(of, scenario.districts.len() + 1);
        }
    }
}

/// The most channels of any LoRa network of `scenario` (0: none).
fn channels(scenario: &Scenario) -> usize {
    (scenario.access.iter())
        .filter_map(|a| a.lora().map(|l| l.channels as usize))
        .max()
        .unwrap_or(0)
}

/// A question about a sensor class.
type ClassTest<'a> = &'a dyn Fn(&crate::scenario::SensorClass) -> bool;

/// The stretches of sensors of a part's classes for which a [`ClassTest`] holds.
type Users<'a> = dyn Fn(ClassTest) -> Vec<std::ops::Range<usize>> + 'a;

/// The traffic, energy and mobility state of `total` sensors, each kept only where some
/// class `uses` it.
fn sensor_state(
    scenario: &Scenario,
    users: &Users,
    total: usize,
) -> (TrafficState, EnergyState, Vec<Leg>) {
    let uses = |f: ClassTest| !users(f).is_empty();
    let sized = |yes: bool| if yes { total } else { 0 };
    let batteries_and_incidents = !scenario.incidents.is_empty() && uses(&|c| c.energy.is_some());
    let traffic = TrafficState {
        on_end: vec![0; sized(uses(&|c| matches!(c.traffic, Traffic::Bursty { .. })))],
        value: lazy::per_sensor(
            sized(uses(&|c| c.threshold.is_some())),
            &users(&|c| c.threshold.is_some()),
            Sample::NONE,
        ),
    };
    let radio = |c: &crate::scenario::SensorClass| {
        let a = &scenario.access[c.access];
        c.energy.is_some()
            && (a.lora().is_some()
                || a.mesh().is_some()
                || a.cellular().is_some_and(|c| c.radio.is_some()))
    };
    // NB-IoT and LTE-M devices keep their accounts with their device's state.
    let account_users = users(&|c| {
        c.energy.is_some()
            && scenario.access[c.access]
                .cellular()
                .is_none_or(|c| c.radio.is_none())
    });
    let energy = EnergyState {
        accounts: lazy::per_sensor(
            sized(batteries_and_incidents || uses(&radio)),
            &account_users,
            super::energy::Account::default(),
        ),
    };
    let legs = lazy::per_sensor(
        sized(uses(&|c| c.mobility.is_some())),
        &users(&|c| c.mobility.is_some()),
        Leg::default(),
    );
    (traffic, energy, legs)
}

/// Per sensor, the first district its position lies in (`districts.len()`: none).
fn zones_of(districts: &[crate::scenario::District], pos: &[(f32, f32)]) -> Vec<u16> {
    pos.iter()
        .map(|&(x, y)| {
            let (x, y) = (f64::from(x), f64::from(y));
            let d = districts.iter().position(|d| d.region.contains(x, y));
            d.unwrap_or(districts.len()) as u16
        })
        .collect()
}

/// NB-IoT and LTE-M devices (one per sensor when a class uses such a network) and cells
/// (each gateway's carrier of each such access it serves), with `buckets` time buckets
/// of `bucket_ns`. Numbers the accesses' carriers.
fn cell_state(
    (scenario, users): (&Scenario, &Users),
    layout: &BackboneLayout,
    (access, total): (&mut [AccessNet], usize),
    buckets: usize,
    bucket_ns: u64,
) -> CellState {
    let mut carrier_of = vec![None; access.len()];
    let mut units = Vec::new();
    for (a, net) in access.iter_mut().enumerate() {
        if let AccessKind::RadioCell(net) = &mut net.kind {
            net.carrier = units.len() as u32;
            carrier_of[a] = Some(units.len());
            units.push(net.radio.units);
        }
    }
    let devices = users(&|c| carrier_of[c.access].is_some());
    if devices.is_empty() {
        return CellState::default();
    }
    let carriers = units.len();
    let mut cells: Vec<Option<RadioCell>> = Vec::new();
    cells.resize_with(layout.backbone.elements.len() * carriers, || None);
    for (e, &g) in layout.gw_group.iter().enumerate() {
        for &a in &scenario.gateways[g].access {
            let Some(r) = carrier_of[a] else { continue };
            cells[e * carriers + r] = Some(RadioCell {
                free: units[r],
                stats: CellStats {
                    series: vec![(0, 0); buckets],
                    ..Default::default()
                },
                ..Default::default()
            });
        }
    }
    CellState {
        dev: lazy::per_sensor(total, &devices, Device::default()),
        cells,
        carriers: carriers as u32,
        bucket_ns,
        buckets,
        levels: Default::default(),
    }
}

/// The run-time view of a sensor class.
fn class_rt(c: &crate::scenario::SensorClass) -> ClassRt {
    ClassRt {
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
        indoor: c.indoor,
        indoor_each: match &c.placement {
            crate::scenario::Placement::File { indoor, .. } => indoor.clone(),
            _ => None,
        },
        radio_cell: false,
        energy: c.energy.as_ref().map(|e| EnergyRt {
            // A LoRa class pays for its radio per transmission and receive window.
            base_c: if e.tx_s.is_none() {
                e.sense_charge_c()
            } else {
                e.base_charge_c()
            },
            tx_a: e.tx_a,
            rx_a: e.rx_a,
            rx_s: e.rx_s,
            leak_a: e.battery_c * e.self_discharge / 31_557_600.0,
            shelf_life_s: e.shelf_life_s,
            tx_s: e.tx_s,
            sleep_a: e.sleep_a,
            capacity_c: e.battery_c,
            voltage_v: e.voltage_v,
        }),
    }
}

/// Gateways (placed group by group), then nodes, then one link instance per gateway of
/// a group a link leaves, and the routes to the sinks.
fn build_backbone(scenario: &Scenario, seeds: Seeds) -> BackboneLayout {
    let (mut elements, gw_group) = place_gateways(scenario, seeds);
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
    let (mut links, mut hops, mut link_of) = (Vec::new(), Vec::new(), Vec::new());
    for (li, l) in scenario.links.iter().enumerate() {
        let from: Vec<(u32, String)> = match l.from {
            Endpoint::Gateways(g) => (0..n_gateways)
                .filter(|&e| gw_group[e] == g)
                .map(|e| (e as u32, format!("{}-{}", l.name, elements[e].name)))
                .collect(),
            Endpoint::Node(n) => vec![(node_elem[n], l.name.clone())],
        };
        let to = node_elem[l.to];
        for (f, name) in from {
            link_of.push((li, matches!(l.from, Endpoint::Gateways(_)).then_some(f)));
            hops.push(Hop {
                from: f,
                to,
                cost: l.latency.mean_ns().min(1e15) as u64,
            });
            links.push(Link::new(name, to, l));
        }
    }
    let sinks: Vec<bool> = elements.iter().map(|e| e.sink).collect();
    for (e, next) in next_hops(elements.len(), &sinks, &hops)
        .into_iter()
        .enumerate()
    {
        elements[e].next = next;
    }
    let e_rng = (0..elements.len())
        .map(|e| seeds.stream(Ns::Element.id(e as u64)))
        .collect();
    let l_rng = (0..links.len())
        .map(|l| seeds.stream(Ns::Link.id(l as u64)))
        .collect();
    BackboneLayout {
        backbone: Backbone {
            elements,
            e_rng,
            links,
            l_rng,
            hops,
            end: 0,
            calm_until: u64::MAX,
            shortcuts: true,
        },
        gw_group,
        node_elem,
        link_of,
    }
}

/// Every gateway group's gateways, and the group of each.
fn place_gateways(scenario: &Scenario, seeds: Seeds) -> (Vec<Element>, Vec<usize>) {
    let (mut elements, mut gw_group) = (Vec::new(), Vec::new());
    for (gi, g) in scenario.gateways.iter().enumerate() {
        let mut rng = seeds.stream(Ns::PlaceGateways.id(gi as u64));
        let area = g.area.as_ref().map(|d| &d.region);
        let cell = g.access.iter().find_map(|&a| scenario.access[a].cellular());
        for (i, p) in place_in(&g.placement, g.count, &scenario.city, area, &mut rng)
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
                cell: cell.map(|c| Station::new(c.transfers, c.queue)),
            });
            gw_group.push(gi);
        }
    }
    (elements, gw_group)
}

/// The gateways serving access network `a`, with their positions, for a spatial index.
fn gateways_of(scenario: &Scenario, layout: &BackboneLayout, a: usize) -> Vec<(u32, f32, f32)> {
    let elements = &layout.backbone.elements;
    (0..layout.gw_group.len())
        .filter(|&e| scenario.gateways[layout.gw_group[e]].access.contains(&a))
        .map(|e| {
            let p = elements[e].position.expect("gateways have positions");
            (e as u32, p.0 as f32, p.1 as f32)
        })
        .collect()
}

/// Places every class's sensors (mobile ones at their first waypoint) and attaches
/// each to a gateway. Returns the sensors and, per access network used by a class, the
/// index of its gateways.
fn place_sensors(
    scenario: &Scenario,
    seeds: Seeds,
    layout: &mut BackboneLayout,
) -> (Sensors, Vec<Option<SpatialIndex>>) {
    let total = scenario.sensor_count() as usize;
    let size = (scenario.city.width_m, scenario.city.height_m);
    let mut sensors = Sensors {
        class_end: Vec::with_capacity(scenario.sensors.len()),
        gateway: Vec::with_capacity(total),
        pos: Vec::with_capacity(total),
    };
    let mut indexes: Vec<Option<SpatialIndex>> = (0..scenario.access.len()).map(|_| None).collect();
    for (ci, c) in scenario.sensors.iter().enumerate() {
        let mut rng = seeds.stream(Ns::PlaceSensors.id(ci as u64));
        let area = c.area.as_ref().map(|d| &d.region);
        let mut positions = place_in(&c.placement, c.count, &scenario.city, area, &mut rng);
        if let Some(m) = &c.mobility {
            for (i, p) in positions.iter_mut().enumerate() {
                // The stream key of sensor i of class ci (see `Sensors::key`).
                let key = ((ci as u64) << 32) | i as u64;
                let w = waypoint(m, seeds, key, 0, size);
                *p = (w.0 as f32, w.1 as f32);
            }
        }
        let index = indexes[c.access].get_or_insert_with(|| {
            SpatialIndex::new(&gateways_of(scenario, layout, c.access), size.0, size.1)
        });
        let range = match scenario.access[c.access].lora() {
            // A LoRa sensor reports to whoever hears it; attach it (for the
            // gateway tables) to the nearest gateway that can.
            Some(l) => Some(LoraNet::range_m(l)),
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
                layout.backbone.elements[gw as usize].sensors += 1;
            }
            sensors.gateway.push(gw);
            sensors.pos.push((x, y));
        }
        sensors.class_end.push(sensors.gateway.len() as u32);
    }
    (sensors, indexes)
}

/// Every access network with its technology's state, and where each mesh relay is.
fn build_access(
    scenario: &Scenario,
    seeds: Seeds,
    layout: &BackboneLayout,
    (class_end, indexes): (&[u32], Vec<Option<SpatialIndex>>),
) -> (Vec<AccessNet>, Vec<RelayAt>) {
    let size = (scenario.city.width_m, scenario.city.height_m);
    let mut relay_at = Vec::new();
    let access = scenario
        .access
        .iter()
        .zip(indexes)
        .enumerate()
        .map(|(a, (acc, index))| {
            let kind = match &acc.tech {
                Technology::Lora(cfg) => {
                    let gws = gateways_of(scenario, layout, a);
                    AccessKind::Lora(Box::new(LoraNet::new(cfg, &gws, size, seeds)))
                }
                Technology::Mesh(cfg) => {
                    let at = &mut relay_at;
                    let net = build_mesh(scenario, seeds, layout, (a, cfg), class_end, at);
                    AccessKind::Mesh(Box::new(net))
                }
                Technology::Cellular(c) if c.radio.is_some() => {
                    let gws = gateways_of(scenario, layout, a);
                    AccessKind::RadioCell(Box::new(CellNet::new(c, &gws, seeds)))
                }
                Technology::Cellular(c) => AccessKind::Cellular {
                    ns_per_byte: ns_per_byte(c.rate_bps),
                    wake_ns: c.wake_up_ns,
                },
                Technology::Direct => AccessKind::Direct {
                    ns_per_byte: acc.bandwidth_bps.map_or(0.0, ns_per_byte),
                },
            };
            AccessNet {
                latency: Sampler::new(&acc.latency),
                loss: acc.loss,
                attach: index.map(|i| (i, acc.range_m.unwrap_or(f64::INFINITY))),
                kind,
            }
        })
        .collect();
    // Relays are numbered group by group over all meshes.
    relay_at.sort_unstable();
    let relay_at = relay_at.into_iter().map(|(_, at)| at).collect();
    (access, relay_at)
}

/// Mesh access network `a`: its relays (placed group by group), then the gateways
/// serving it, with routes and the reception tables of its classes' frame lengths.
/// Each relay's global number and place go to `relay_at`.
fn build_mesh(
    scenario: &Scenario,
    seeds: Seeds,
    layout: &BackboneLayout,
    (a, cfg): (usize, &crate::scenario::MeshCfg),
    class_end: &[u32],
    relay_at: &mut Vec<(u32, RelayAt)>,
) -> MeshNet {
    let (mut infra, mut pos) = (Vec::new(), Vec::new());
    let mut r_global = 0u32;
    for (ri, r) in scenario.relays.iter().enumerate() {
        if r.access == a {
            let mut rng = seeds.stream(Ns::PlaceRelays.id(ri as u64));
            let area = r.area.as_ref().map(|d| &d.region);
            for (i, p) in place_in(&r.placement, r.count, &scenario.city, area, &mut rng)
                .into_iter()
                .enumerate()
            {
                let at = RelayAt {
                    access: a as u32,
                    node: infra.len() as u32,
                };
                relay_at.push((r_global + i as u32, at));
                infra.push(Infra::Relay(r_global + i as u32));
                pos.push(p);
            }
        }
        r_global += r.count;
    }
    for (e, _, _) in gateways_of(scenario, layout, a) {
        let p = layout.backbone.elements[e as usize]
            .position
            .expect("gateways have positions");
        infra.push(Infra::Gateway(e));
        pos.push((p.0 as f32, p.1 as f32));
    }
    let size = (scenario.city.width_m, scenario.city.height_m);
    let mut net = MeshNet::new(cfg, a, infra, pos, size, seeds);
    net.class_end = class_end.to_vec();
    let backbone = &layout.backbone;
    net.reroute(
        |e| {
            let el = &backbone.elements[e as usize];
            el.next != NONE || el.sink
        },
        (0, scenario.simulation.warmup_ns),
    );
    for c in scenario.sensors.iter().filter(|c| c.access == a) {
        net.tabulate(c.payload_bytes + cfg.overhead_bytes);
    }
    net
}

/// One entry per (fault, target), with the element, link, class or relay it takes down.
fn build_faults(scenario: &Scenario, layout: &BackboneLayout) -> Vec<FaultRt> {
    let (link_of, node_elem) = (&layout.link_of, &layout.node_elem);
    scenario
        .faults
        .iter()
        .flat_map(|f| {
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
                    next_change: u64::MAX,
                }
            })
        })
        .collect()
}

/// The recorder of `scenario`'s run over `buckets` time buckets: per class, per LoRa
/// spreading factor, and a time series per domain, district and priority.
fn recorder(scenario: &Scenario, buckets: usize) -> Recorder {
    let sim = &scenario.simulation;
    Recorder::new(
        scenario.sensors.len(),
        sim.warmup_ns,
        sim.bucket_ns,
        buckets,
    )
    .with_lora(
        scenario.access.len(),
        scenario
            .sensors
            .iter()
            .map(|c| scenario.access[c.access].lora().map(|_| c.access as u16))
            .collect(),
    )
    .with_groups(
        &scenario
            .sensors
            .iter()
            .map(|c| (c.domain.as_str(), c.area.as_ref().map(|d| d.name.as_str())))
            .collect::<Vec<_>>(),
    )
}
