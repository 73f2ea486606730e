//! The network: gateway load and the city map.

use super::*;

/// One gateway's load: name, load share (0..1), what the share measures, peak queue.
pub type Load = (String, f64, &'static str, f64);

/// Gateway load and peak queue, each sorted from the highest, the top ones named.
/// A LoRa gateway's load is its demodulator occupancy (the share of its demodulators'
/// time spent receiving), which is what fills first; other gateways' load is their
/// servers' utilisation.
pub struct GatewayLoad {
    /// One row per gateway.
    pub gateways: Vec<Load>,
}

/// Gateways shown per panel.
const TOP: usize = 15;

impl GatewayLoad {
    /// The top gateways by `value`, highest first, equal values in natural name order.
    fn top(&self, value: impl Fn(&Load) -> f64) -> Vec<(String, f64, &'static str)> {
        let mut items: Vec<(String, f64, &'static str)> = self
            .gateways
            .iter()
            .map(|g| (g.0.clone(), value(g), g.2))
            .collect();
        items.sort_by(|a, b| {
            b.1.partial_cmp(&a.1)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(natural_cmp(&a.0, &b.0))
        });
        items.truncate(TOP);
        items
    }

    fn panel<DB: DrawingBackend>(
        &self,
        panel: &DrawingArea<DB, Shift>,
        title: &str,
        items: &[(String, f64, &'static str)],
        pct: bool,
    ) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let total = self.gateways.len();
        let n = items.len();
        let floor = if pct { 0.01 } else { 1.0 };
        let max = items.iter().map(|i| i.1).fold(0.0, f64::max).max(floor) * 1.3;
        let caption = format!("{title}: top {n} of {total} gateways");
        let area = panel.titled(
            &caption,
            ("sans-serif", 20).into_font().style(FontStyle::Bold),
        )?;
        let names: Vec<String> = items.iter().map(|i| i.0.clone()).collect();
        let fine = max < if pct { 0.1 } else { 10.0 };
        let ticks = |v: &f64| match (pct, fine) {
            (true, true) => format!("{:.1}%", v * 100.0),
            (true, false) => format!("{:.0}%", v * 100.0),
            (false, true) => format!("{v:.1}"),
            (false, false) => count_label(*v),
        };
        let mut chart = ChartBuilder::on(&area)
            .margin(10)
            .x_label_area_size(35)
            .y_label_area_size(bar_names_width(&area, &names))
            .build_cartesian_2d(0.0..max, -0.5..(n.max(1) as f64 - 0.5))?;
        let rev: Vec<String> = names.iter().rev().cloned().collect();
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(n.max(1))
            .y_label_formatter(&|v| category_label(&rev, *v))
            .x_labels(5)
            .x_label_formatter(&ticks)
            .label_style(small_font())
            .light_line_style(BLACK.mix(0.05))
            .draw()?;
        let c = colour(if pct { 0 } else { 1 });
        let y = |i: usize| (n - 1 - i) as f64;
        chart.draw_series(items.iter().enumerate().map(|(i, it)| {
            Rectangle::new([(0.0, y(i) - 0.35), (it.1, y(i) + 0.35)], c.filled())
        }))?;
        let style = small_font().pos(text_anchor::Pos::new(
            text_anchor::HPos::Left,
            text_anchor::VPos::Center,
        ));
        chart.draw_series(items.iter().enumerate().map(|(i, it)| {
            let t = if pct {
                let v = it.1 * 100.0;
                let v = if v < 10.0 {
                    format!("{v:.2}%")
                } else {
                    format!("{v:.1}%")
                };
                if it.2.is_empty() {
                    v
                } else {
                    format!("{v} {}", it.2)
                }
            } else {
                count_label(it.1)
            };
            Text::new(t, (it.1 + max * 0.01, y(i)), style.clone())
        }))?;
        Ok(())
    }
}

/// The width of the longest gateway name in the small font, plus a margin.
fn bar_names_width<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, names: &[String]) -> u32 {
    names
        .iter()
        .map(|n| area.estimate_text_size(n, &small_font()).map_or(0, |s| s.0))
        .max()
        .unwrap_or(0)
        + 12
}

impl Chart for GatewayLoad {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let (left, right) = area.split_horizontally(area.dim_in_pixel().0 / 2);
        self.panel(&left, "Load", &self.top(|g| g.1), true)?;
        self.panel(&right, "Peak queue (readings)", &self.top(|g| g.3), false)
    }
}

/// A polygon outline on the map, m.
pub type Outline = (String, Vec<(f64, f64)>);

/// The city map, to scale: sensor density per cell coloured by the cell's main class,
/// district outlines, incident regions, relays and gateways (a marker per group).
pub struct CityMap {
    /// City width and height, m.
    pub size_m: (f64, f64),
    /// Cell side, m.
    pub cell_m: f64,
    /// Class names (colour order).
    pub classes: Vec<String>,
    /// (x centre, y centre, class index, sensors).
    pub cells: Vec<(f64, f64, usize, f64)>,
    /// Districts: name and outline.
    pub districts: Vec<Outline>,
    /// Incident regions: name and outline.
    pub incidents: Vec<Outline>,
    /// Relay positions, m.
    pub relays: Vec<(f64, f64)>,
    /// Gateway groups: name and positions, m.
    pub gateways: Vec<(String, Vec<(f64, f64)>)>,
    /// Where the city is on the Earth: the map is then labelled in longitude and
    /// latitude, with a scale bar and a north arrow.
    pub frame: Option<crate::geo::Frame>,
}

/// The map's label areas (left, bottom) and margin, pixels.
const MAP_Y_LABELS: u32 = 60;
const MAP_X_LABELS: u32 = 50;
const MAP_MARGIN: u32 = 15;

/// Margins (top, bottom, left, right) that shrink a `px` area so that the map of a
/// `m`-sized city inside it, after its label areas, has equal metres per pixel across
/// and up.
pub fn to_scale(px: (u32, u32), m: (f64, f64)) -> (u32, u32, u32, u32) {
    let aw = f64::from(px.0.saturating_sub(MAP_Y_LABELS + 2 * MAP_MARGIN)).max(1.0);
    let ah = f64::from(px.1.saturating_sub(MAP_X_LABELS + 2 * MAP_MARGIN)).max(1.0);
    let s = (aw / m.0.max(1e-9)).min(ah / m.1.max(1e-9));
    let ex = (aw - m.0 * s).max(0.0).round() as u32;
    let ey = (ah - m.1 * s).max(0.0).round() as u32;
    (ey / 2, ey - ey / 2, ex / 2, ex - ex / 2)
}

/// The gateway marker colours: black, then a dark grey for groups past four shapes.
fn gateway_colour(i: usize) -> RGBColor {
    [BLACK, RGBColor(90, 90, 90)][(i / 4) % 2]
}

const DISTRICT: RGBColor = RGBColor(60, 60, 60);
const RELAY: RGBColor = RGBColor(120, 120, 120);

impl CityMap {
    fn legend(&self) -> Legend {
        let mut legend = Legend::default();
        for (i, name) in self.classes.iter().enumerate() {
            legend.push(Key::Swatch(colour(i).to_rgba()), name.clone());
        }
        if !self.districts.is_empty() {
            legend.push(Key::Outline(DISTRICT, false), "district");
        }
        for (name, _) in self.incidents.iter().filter(|i| !i.0.is_empty()) {
            legend.push(Key::Outline(RED, true), format!("incident {name}"));
        }
        if !self.relays.is_empty() {
            legend.push(
                Key::Marker(0, RELAY),
                format!("relay ({})", count_label(self.relays.len() as f64)),
            );
        }
        for (i, (name, at)) in self.gateways.iter().enumerate() {
            legend.push(
                Key::Marker(i, gateway_colour(i)),
                format!("{name} ({})", count_label(at.len() as f64)),
            );
        }
        legend
    }

    /// Per cell: the class with most sensors and the cell's total.
    fn cell_classes(&self) -> std::collections::BTreeMap<(i64, i64), (f64, usize, f64)> {
        let mut totals: std::collections::BTreeMap<(i64, i64), (f64, usize, f64)> =
            Default::default();
        for &(x, y, c, n) in &self.cells {
            let key = ((x / self.cell_m) as i64, (y / self.cell_m) as i64);
            let e = totals.entry(key).or_insert((0.0, c, 0.0));
            e.0 += n;
            if n > e.2 {
                e.1 = c;
                e.2 = n;
            }
        }
        totals
    }

    fn draw_cells<'a, DB: DrawingBackend + 'a>(&self, chart: &mut Chart2d<'a, DB>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let totals = self.cell_classes();
        let max = totals.values().map(|v| v.0).fold(1.0, f64::max);
        let half = self.cell_m / 2000.0;
        chart.draw_series(totals.iter().map(|(&(i, j), &(n, c, _))| {
            let (cx, cy) = (
                (i as f64 + 0.5) * self.cell_m / 1000.0,
                (j as f64 + 0.5) * self.cell_m / 1000.0,
            );
            let alpha = 0.2 + 0.8 * (n / max).sqrt();
            Rectangle::new(
                [(cx - half, cy - half), (cx + half, cy + half)],
                colour(c).mix(alpha).filled(),
            )
        }))?;
        Ok(())
    }

    fn draw_outlines<'a, DB: DrawingBackend + 'a>(&self, chart: &mut Chart2d<'a, DB>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let km = |p: &[(f64, f64)]| -> Vec<(f64, f64)> {
            let mut v: Vec<(f64, f64)> = p.iter().map(|(x, y)| (x / 1000.0, y / 1000.0)).collect();
            v.extend(v.first().copied());
            v
        };
        for (name, pts) in &self.districts {
            chart.draw_series(std::iter::once(PathElement::new(
                km(pts),
                DISTRICT.stroke_width(2),
            )))?;
            if name.is_empty() {
                continue;
            }
            let (x, y) = pts
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
                    (a.min(p.0), b.max(p.1))
                });
            // The name just inside the district's top-left corner (a few pixels in, so
            // that a district on the city's edge keeps its whole name).
            chart.draw_series(std::iter::once(
                EmptyElement::at((x / 1000.0, y / 1000.0))
                    + Text::new(name.clone(), (4, 3), small_font().color(&DISTRICT)),
            ))?;
        }
        for (_, pts) in &self.incidents {
            chart.draw_series(DashedLineSeries::new(km(pts), 8, 5, RED.stroke_width(2)))?;
        }
        Ok(())
    }
}

/// A scale bar (a round length near a fifth of the map's width) in the lower left, and
/// a north arrow in the upper right (north is up on the city's own projection).
fn scale_bar<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart2d<'a, DB>,
    (w, h): (f64, f64),
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let target = w / 5.0;
    let step = [
        0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0,
    ]
    .into_iter()
    .rev()
    .find(|&s| s <= target)
    .unwrap_or(0.1);
    let (x0, y0) = (w * 0.04, h * 0.05);
    let bar = [(x0, y0), (x0 + step, y0)];
    chart.draw_series(std::iter::once(PathElement::new(
        bar,
        BLACK.stroke_width(3),
    )))?;
    for x in [x0, x0 + step] {
        let tick = [(x, y0 - h * 0.008), (x, y0 + h * 0.008)];
        chart.draw_series(std::iter::once(PathElement::new(
            tick,
            BLACK.stroke_width(2),
        )))?;
    }
    let label = if step < 1.0 {
        format!("{:.0} m", step * 1000.0)
    } else {
        format!("{step} km")
    };
    chart.draw_series(std::iter::once(
        EmptyElement::at((x0, y0)) + Text::new(label, (0, -18), small_font()),
    ))?;
    let (nx, ny) = (w * 0.95, h * 0.86);
    let arrow = [(nx, ny), (nx, ny + h * 0.08)];
    chart.draw_series(std::iter::once(PathElement::new(
        arrow,
        BLACK.stroke_width(2),
    )))?;
    let head = vec![
        (nx - w * 0.008, ny + h * 0.055),
        (nx, ny + h * 0.08),
        (nx + w * 0.008, ny + h * 0.055),
    ];
    chart.draw_series(std::iter::once(Polygon::new(head, BLACK.filled())))?;
    chart.draw_series(std::iter::once(
        EmptyElement::at((nx, ny + h * 0.08)) + Text::new("N", (-5, -20), label_font()),
    ))?;
    Ok(())
}

impl Chart for CityMap {
    fn size(&self) -> (u32, u32) {
        // Room for a 700-pixel-wide map beside its legend, as tall as the city needs.
        let (w, h) = self.size_m;
        let tall = 700.0 * h / w.max(1.0) + 130.0;
        (SIZE.0, tall.clamp(420.0, 1100.0) as u32)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let area = titled(
            area,
            "City map: sensors by class, districts and the network",
        )?;
        let legend = self.legend();
        let (plot, panel) = legend.beside(&area);
        let (top, bottom, left, right) = to_scale(plot.dim_in_pixel(), self.size_m);
        let plot = plot.margin(top, bottom, left, right);
        let (w, h) = (self.size_m.0 / 1000.0, self.size_m.1 / 1000.0);
        let mut chart = ChartBuilder::on(&plot)
            .margin(MAP_MARGIN)
            .x_label_area_size(MAP_X_LABELS)
            .y_label_area_size(MAP_Y_LABELS)
            .build_cartesian_2d(0.0..w, 0.0..h)?;
        let (xmid, ymid) = (w / 2.0, h / 2.0);
        let lon = |x: &f64| match &self.frame {
            Some(f) => format!("{:.2}°E", f.to_lonlat(x * 1000.0, ymid * 1000.0).0),
            None => format!("{x}"),
        };
        let lat = |y: &f64| match &self.frame {
            Some(f) => format!("{:.2}°N", f.to_lonlat(xmid * 1000.0, y * 1000.0).1),
            None => format!("{y}"),
        };
        let (xd, yd) = match self.frame {
            // The ticks say °E and °N.
            Some(_) => ("", ""),
            None => ("km", "km"),
        };
        chart
            .configure_mesh()
            .x_desc(xd)
            .y_desc(yd)
            .x_label_formatter(&lon)
            .y_label_formatter(&lat)
            .x_labels(if self.frame.is_some() { 6 } else { 10 })
            .label_style(label_font())
            .axis_desc_style(label_font())
            .light_line_style(BLACK.mix(0.03))
            .draw()?;
        self.draw_cells(&mut chart)?;
        self.draw_outlines(&mut chart)?;
        if self.frame.is_some() {
            scale_bar(&mut chart, (w, h))?;
        }
        let relays: Vec<(f64, f64)> = self
            .relays
            .iter()
            .map(|(x, y)| (x / 1000.0, y / 1000.0))
            .collect();
        chart.draw_series(relays.iter().map(|&p| Circle::new(p, 2, RELAY.filled())))?;
        for (i, (_, at)) in self.gateways.iter().enumerate() {
            let pts: Vec<(f64, f64)> = at.iter().map(|(x, y)| (x / 1000.0, y / 1000.0)).collect();
            markers(&mut chart, i, &pts, gateway_colour(i))?;
        }
        if let Some(panel) = panel {
            legend.draw(&panel)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_map_is_drawn_to_scale() {
        for (px, m) in [
            ((700, 480), (5000.0, 5000.0)),
            ((700, 480), (30_000.0, 24_000.0)),
            ((740, 900), (40_000.0, 10_000.0)),
        ] {
            let (t, b, l, r) = to_scale(px, m);
            let w = px.0 - l - r - MAP_Y_LABELS - 2 * MAP_MARGIN;
            let h = px.1 - t - b - MAP_X_LABELS - 2 * MAP_MARGIN;
            let (mx, my) = (m.0 / f64::from(w), m.1 / f64::from(h));
            // Equal metres per pixel, to the pixel's rounding.
            assert!(
                (mx / my - 1.0).abs() < 2.0 / f64::from(w.min(h)),
                "{px:?} {m:?}: {mx} vs {my}"
            );
        }
    }
}
