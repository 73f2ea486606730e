//! The network: gateway load and the city map.

use super::*;

/// Gateway load: utilisation and peak queue, each sorted, the top ones named.
pub struct GatewayLoad {
    /// (gateway, utilisation, peak queue).
    pub gateways: Vec<(String, f64, f64)>,
}

impl Chart for GatewayLoad {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let (left, right) = area.split_horizontally(SIZE.0 / 2);
        let total = self.gateways.len();
        for (panel, pick, title, pct) in [
            (&left, 1usize, "Utilisation", true),
            (&right, 2usize, "Peak queue (readings)", false),
        ] {
            let mut items: Vec<(String, f64)> = self
                .gateways
                .iter()
                .map(|g| (g.0.clone(), if pick == 1 { g.1 } else { g.2 }))
                .collect();
            items.sort_by(|a, b| {
                b.1.partial_cmp(&a.1)
                    .unwrap_or(std::cmp::Ordering::Equal)
                    .then(a.0.cmp(&b.0))
            });
            items.truncate(15);
            let n = items.len().max(1);
            let x_max =
                items
                    .iter()
                    .map(|i| i.1)
                    .fold(0.0, f64::max)
                    .max(if pct { 0.01 } else { 1.0 })
                    * 1.25;
            let caption = format!("{title}: top {n} of {total} gateways");
            let mut chart = ChartBuilder::on(panel)
                .caption(
                    caption,
                    ("sans-serif", 20).into_font().style(FontStyle::Bold),
                )
                .margin(15)
                .x_label_area_size(40)
                .y_label_area_size(110)
                .build_cartesian_2d(0.0..x_max, -0.5..(n as f64 - 0.5))?;
            let names: Vec<String> = items.iter().map(|i| i.0.clone()).collect();
            chart
                .configure_mesh()
                .disable_y_mesh()
                .y_labels(n)
                .y_label_formatter(&|v| category_label(&names, *v))
                .x_labels(6)
                .x_label_formatter(&|v| match (pct, x_max < if pct { 0.1 } else { 10.0 }) {
                    (true, true) => format!("{:.1}%", v * 100.0),
                    (true, false) => format!("{:.0}%", v * 100.0),
                    (false, true) => format!("{v:.1}"),
                    (false, false) => format!("{v:.0}"),
                })
                .label_style(small_font())
                .draw()?;
            let c = colour(if pct { 0 } else { 1 });
            chart.draw_series(items.iter().enumerate().map(|(i, (_, v))| {
                Rectangle::new([(0.0, i as f64 - 0.35), (*v, i as f64 + 0.35)], c.filled())
            }))?;
            chart.draw_series(items.iter().enumerate().map(|(i, (_, v))| {
                let t = if pct {
                    format!("{:.1}%", v * 100.0)
                } else {
                    format!("{v:.0}")
                };
                Text::new(t, (*v + x_max * 0.01, i as f64 - 0.2), small_font())
            }))?;
        }
        Ok(())
    }
}

/// The city map: sensor density per cell coloured by the cell's main class, gateways.
pub struct CityMap {
    /// City width and height, m.
    pub size_m: (f64, f64),
    /// Cell side, m.
    pub cell_m: f64,
    /// Class names (colour order).
    pub classes: Vec<String>,
    /// (x centre, y centre, class index, sensors).
    pub cells: Vec<(f64, f64, usize, f64)>,
    /// Gateway positions, m.
    pub gateways: Vec<(f64, f64)>,
}

impl Chart for CityMap {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let (w, h) = (self.size_m.0 / 1000.0, self.size_m.1 / 1000.0);
        let mut chart = ChartBuilder::on(area)
            .caption(
                "City map: sensor density by class, and gateways",
                title_font(),
            )
            .margin(20)
            .x_label_area_size(50)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..w, 0.0..h)?;
        chart
            .configure_mesh()
            .x_desc("km")
            .y_desc("km")
            .label_style(label_font())
            .axis_desc_style(label_font())
            .light_line_style(BLACK.mix(0.03))
            .draw()?;
        // Per cell: the class with most sensors, shaded by the cell's total density.
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
        for (i, name) in self.classes.iter().enumerate() {
            let c = colour(i);
            chart
                .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())?
                .label(name.clone())
                .legend(move |(x, y)| Rectangle::new([(x - 8, y - 6), (x + 8, y + 6)], c.filled()));
        }
        chart
            .draw_series(
                self.gateways.iter().map(|&(x, y)| {
                    TriangleMarker::new((x / 1000.0, y / 1000.0), 8, BLACK.filled())
                }),
            )?
            .label("gateway")
            .legend(|(x, y)| TriangleMarker::new((x, y), 7, BLACK.filled()));
        legend_box(&mut chart, SeriesLabelPosition::UpperRight)
    }
}
