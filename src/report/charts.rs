//! Charts (plotters), each written as SVG and PNG. Text uses the bundled DejaVu Sans
//! font, so PNGs render the same on a machine with no fonts installed. Colours are the
//! Okabe-Ito palette (distinguishable with colour-blindness); lines also differ by
//! marker shape so that a black-and-white print still tells them apart.

use super::data::ReportError;
use crate::output::write_atomic;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;
use std::path::Path;

/// Chart size, pixels.
pub const SIZE: (u32, u32) = (1000, 600);

/// Okabe-Ito colours (black last).
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(213, 94, 0),
    RGBColor(86, 180, 233),
    RGBColor(204, 121, 167),
    RGBColor(240, 228, 66),
    RGBColor(0, 0, 0),
];

/// The colour of series `i`.
pub fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Result of drawing.
pub type DrawResult = Result<(), Box<dyn std::error::Error>>;

/// A chart that can draw itself on any plotters backend.
pub trait Chart {
    /// Draws onto `area`.
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static;
}

fn register_fonts() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // The bundled font is valid; a failure here would only lose PNG text.
        let _ = plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            dejavu::sans::regular(),
        );
        let _ = plotters::style::register_font("sans-serif", FontStyle::Bold, dejavu::sans::bold());
    });
}

/// An SVG for embedding in HTML, where the namespace declaration is implied.
pub fn inline_svg(svg: &str) -> String {
    svg.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1)
}

/// Writes `dir/name.svg` and `dir/name.png` (atomically); returns the SVG text.
pub fn render(dir: &Path, name: &str, chart: &impl Chart) -> Result<String, ReportError> {
    register_fonts();
    let fail = |e: String| ReportError::Output(format!("error: chart {name}: {e}"));
    std::fs::create_dir_all(dir).map_err(|e| fail(e.to_string()))?;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(|e| fail(e.to_string()))?;
        chart.draw(&root).map_err(|e| fail(e.to_string()))?;
        root.present().map_err(|e| fail(e.to_string()))?;
    }
    let svg_path = dir.join(format!("{name}.svg"));
    write_atomic(&svg_path, svg.as_bytes()).map_err(|e| fail(e.to_string()))?;
    // plotters picks the encoder from the extension: the temporary name ends in .png.
    let png_path = dir.join(format!("{name}.png"));
    let tmp = dir.join(format!(".{name}.tmp-{}.png", std::process::id()));
    {
        let root = BitMapBackend::new(&tmp, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(|e| fail(e.to_string()))?;
        chart.draw(&root).map_err(|e| fail(e.to_string()))?;
        root.present().map_err(|e| fail(e.to_string()))?;
    }
    std::fs::rename(&tmp, &png_path).map_err(|e| fail(e.to_string()))?;
    Ok(svg)
}

/// The label of category axis position `v`: the name at an integer position, else none.
fn category_label(names: &[String], v: f64) -> String {
    let i = v.round();
    if (v - i).abs() < 1e-6 && i >= 0.0 {
        names.get(i as usize).cloned().unwrap_or_default()
    } else {
        String::new()
    }
}

fn title_font() -> TextStyle<'static> {
    ("sans-serif", 26).into_font().style(FontStyle::Bold).into()
}

fn label_font() -> TextStyle<'static> {
    ("sans-serif", 17).into()
}

fn small_font() -> TextStyle<'static> {
    ("sans-serif", 14).into()
}

type Chart2d<'a, DB> = ChartContext<
    'a,
    DB,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// Draws markers of shape `shape` (circle, triangle, square, cross) at points.
fn markers<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart2d<'a, DB>,
    shape: usize,
    pts: &[(f64, f64)],
    c: RGBColor,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let style = c.filled();
    match shape % 4 {
        0 => {
            chart.draw_series(pts.iter().map(|&p| Circle::new(p, 5, style)))?;
        }
        1 => {
            chart.draw_series(pts.iter().map(|&p| TriangleMarker::new(p, 7, style)))?;
        }
        2 => {
            chart.draw_series(
                pts.iter()
                    .map(|&p| EmptyElement::at(p) + Rectangle::new([(-4, -4), (4, 4)], style)),
            )?;
        }
        _ => {
            chart.draw_series(pts.iter().map(|&p| Cross::new(p, 5, c.stroke_width(2))))?;
        }
    }
    Ok(())
}

fn legend_box<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart2d<'a, DB>,
    pos: SeriesLabelPosition,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    chart
        .configure_series_labels()
        .position(pos)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(label_font())
        .draw()?;
    Ok(())
}

/// Latency CDF per class, with each class's p95 and p99 marked.
pub struct LatencyCdf {
    /// Per class: name and (latency ms, cumulative fraction) points.
    pub classes: Vec<(String, Vec<(f64, f64)>)>,
}

impl LatencyCdf {
    /// The latencies drawn, ms: the smallest positive and the largest (a unit range
    /// when there are none).
    fn range_ms(&self) -> (f64, f64) {
        let all: Vec<f64> = self
            .classes
            .iter()
            .flat_map(|c| c.1.iter().map(|p| p.0))
            .collect();
        let lo = all
            .iter()
            .copied()
            .filter(|v| *v > 0.0)
            .fold(f64::INFINITY, f64::min);
        let hi = all.iter().copied().fold(0.0, f64::max);
        let (lo, hi) = if lo.is_finite() && hi > 0.0 {
            (lo, hi)
        } else {
            (0.1, 1.0)
        };
        (lo, hi)
    }
}

/// A latency tick label: whole ms from 100 ms, one decimal from 1 ms, else three.
fn fmt_ms(ms: f64) -> String {
    if ms >= 100.0 || ms == 0.0 {
        format!("{ms:.0}")
    } else if ms >= 1.0 {
        format!("{ms:.1}")
    } else {
        format!("{ms:.3}")
    }
}

impl Chart for LatencyCdf {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let (lo, hi) = self.range_ms();
        // A wide range is drawn on log10 coordinates, labelled in ms.
        let log = hi / lo > 50.0;
        let tx = |v: f64| if log { v.max(lo).log10() } else { v };
        let (x0, x1) = if log {
            (lo.log10(), hi.log10())
        } else {
            (0.0, hi * 1.05)
        };
        let x1 = if x1 > x0 { x1 } else { x0 + 1.0 };
        let mut chart = ChartBuilder::on(area)
            .caption(
                "End-to-end latency distribution by sensor class",
                title_font(),
            )
            .margin(20)
            .x_label_area_size(55)
            .y_label_area_size(70)
            .build_cartesian_2d(x0..x1, 0.0..1.0)?;
        let fmt_x = |v: &f64| fmt_ms(if log { 10f64.powf(*v) } else { *v });
        chart
            .configure_mesh()
            .x_desc(if log {
                "latency (ms, log scale)"
            } else {
                "latency (ms)"
            })
            .y_desc("share of delivered readings")
            .x_label_formatter(&fmt_x)
            .y_label_formatter(&|v| format!("{:.0}%", v * 100.0))
            .label_style(label_font())
            .axis_desc_style(label_font())
            .light_line_style(BLACK.mix(0.05))
            .draw()?;
        for (i, (name, pts)) in self.classes.iter().enumerate() {
            let c = colour(i);
            let line: Vec<(f64, f64)> = pts.iter().map(|&(x, q)| (tx(x), q)).collect();
            // Past the palette's eight colours, lines are dashed so that no two look alike.
            let dashed = (i / PALETTE.len()) % 2 == 1;
            let series = if dashed {
                chart.draw_series(DashedLineSeries::new(line, 9, 5, c.stroke_width(3)))?
            } else {
                chart.draw_series(LineSeries::new(line, c.stroke_width(3)))?
            };
            series.label(name.clone()).legend(move |(x, y)| {
                let seg =
                    |a: i32, b: i32| PathElement::new(vec![(a, 0), (b, 0)], c.stroke_width(3));
                // Solid: two touching halves; dashed: a gap between them.
                let gap = if dashed { 3 } else { 0 };
                EmptyElement::at((x, y)) + seg(-10, -gap) + seg(gap, 10)
            });
            for (q, shape) in [(0.95, 0), (0.99, 1)] {
                if let Some(&(x, y)) = pts.iter().find(|p| (p.1 - q).abs() < 1e-9) {
                    markers(&mut chart, shape, &[(tx(x), y)], c)?;
                }
            }
        }
        chart
            .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())?
            .label("● p95   ▲ p99")
            .legend(|(x, y)| EmptyElement::at((x, y)));
        legend_box(&mut chart, SeriesLabelPosition::LowerRight)
    }
}

/// Bars with a value label on each (delivery ratio by class or domain).
pub struct Bars {
    /// Title.
    pub title: String,
    /// Y axis description.
    pub y_desc: String,
    /// (label, value) per bar.
    pub bars: Vec<(String, f64)>,
    /// Upper end of the y axis.
    pub y_max: f64,
    /// Value label format: percentage when true.
    pub percent: bool,
    /// A horizontal target line.
    pub target: Option<f64>,
}

impl Chart for Bars {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let n = self.bars.len().max(1);
        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, title_font())
            .margin(20)
            .x_label_area_size(60)
            .y_label_area_size(70)
            .build_cartesian_2d(-0.5..(n as f64 - 0.5), 0.0..self.y_max)?;
        let names: Vec<String> = self.bars.iter().map(|b| b.0.clone()).collect();
        let percent = self.percent;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n)
            .x_label_formatter(&|v| category_label(&names, *v))
            .y_desc(&self.y_desc)
            .y_label_formatter(&|v| {
                if percent {
                    format!("{:.0}%", v * 100.0)
                } else {
                    format!("{v:.0}")
                }
            })
            .label_style(label_font())
            .axis_desc_style(label_font())
            .draw()?;
        for (i, (_, v)) in self.bars.iter().enumerate() {
            let x = i as f64;
            let c = colour(i);
            chart.draw_series(std::iter::once(Rectangle::new(
                [(x - 0.35, 0.0), (x + 0.35, *v)],
                c.filled(),
            )))?;
            let text = if percent {
                format!("{:.2}%", v * 100.0)
            } else {
                format!("{v:.0}")
            };
            chart.draw_series(std::iter::once(Text::new(
                text,
                (x - 0.3, (v + self.y_max * 0.03).min(self.y_max * 0.97)),
                label_font(),
            )))?;
        }
        if let Some(t) = self.target {
            chart
                .draw_series(LineSeries::new(
                    vec![(-0.5, t), (n as f64 - 0.5, t)],
                    BLACK.stroke_width(2),
                ))?
                .label(format!("target {:.2}%", t * 100.0))
                .legend(|(x, y)| {
                    PathElement::new(vec![(x - 10, y), (x + 10, y)], BLACK.stroke_width(2))
                });
            legend_box(&mut chart, SeriesLabelPosition::LowerRight)?;
        }
        Ok(())
    }
}

/// Readings generated, delivered and dropped per time bucket, warm-up shaded.
pub struct TimeSeries {
    /// Bucket start, hours.
    pub t_h: Vec<f64>,
    /// Bucket width, hours.
    pub width_h: f64,
    /// (name, values) per line.
    pub lines: Vec<(String, Vec<f64>)>,
    /// End of the warm-up, hours.
    pub warmup_h: f64,
    /// Incidents and outages: (label, start h, end h), shaded.
    pub spans: Vec<(String, f64, f64)>,
}

impl TimeSeries {
    /// Shades the warm-up and every incident or outage, labelled.
    fn shade<'a, DB: DrawingBackend + 'a>(
        &self,
        chart: &mut Chart2d<'a, DB>,
        y_max: f64,
    ) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        if self.warmup_h > 0.0 {
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(0.0, 0.0), (self.warmup_h, y_max)],
                    RGBColor(200, 200, 200).mix(0.5).filled(),
                )))?
                .label("warm-up (not in the metrics)")
                .legend(|(x, y)| {
                    Rectangle::new(
                        [(x - 8, y - 6), (x + 8, y + 6)],
                        RGBColor(200, 200, 200).filled(),
                    )
                });
        }
        for (k, (label, a, b)) in self.spans.iter().enumerate() {
            // Light bands in the palette's later colours, labelled.
            let c = colour(4 + k % 3);
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(*a, 0.0), (*b, y_max)],
                    c.mix(0.25).filled(),
                )))?
                .label(label.clone())
                .legend(move |(x, y)| {
                    Rectangle::new([(x - 8, y - 6), (x + 8, y + 6)], c.mix(0.4).filled())
                });
            chart.draw_series(std::iter::once(Text::new(
                label.clone(),
                (*a, y_max * (0.97 - 0.05 * k as f64)),
                small_font(),
            )))?;
        }
        Ok(())
    }
}

impl Chart for TimeSeries {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let t_end = self.t_h.last().map_or(1.0, |t| t + self.width_h);
        let y_max = self
            .lines
            .iter()
            .flat_map(|l| l.1.iter().copied())
            .fold(0.0, f64::max)
            .max(1.0)
            * 1.1;
        let mut chart = ChartBuilder::on(area)
            .caption("Readings over time", title_font())
            .margin(20)
            .x_label_area_size(55)
            .y_label_area_size(80)
            .build_cartesian_2d(0.0..t_end, 0.0..y_max)?;
        chart
            .configure_mesh()
            .x_desc("simulated time (h)")
            .y_desc(format!(
                "readings per {:.0} s bucket",
                self.width_h * 3600.0
            ))
            .y_label_formatter(&|v| format!("{v:.0}"))
            .label_style(label_font())
            .axis_desc_style(label_font())
            .light_line_style(BLACK.mix(0.05))
            .draw()?;
        self.shade(&mut chart, y_max)?;
        for (i, (name, values)) in self.lines.iter().enumerate() {
            let c = colour(i);
            let pts: Vec<(f64, f64)> = self
                .t_h
                .iter()
                .zip(values)
                .map(|(t, v)| (t + self.width_h / 2.0, *v))
                .collect();
            let every = (pts.len() / 12).max(1);
            chart
                .draw_series(LineSeries::new(
                    pts.clone(),
                    c.stroke_width(2 + (i as u32 % 2)),
                ))?
                .label(name.clone())
                .legend(move |(x, y)| {
                    EmptyElement::at((x, y))
                        + PathElement::new(vec![(-10, 0), (10, 0)], c.stroke_width(3))
                });
            let sparse: Vec<(f64, f64)> = pts.iter().step_by(every).copied().collect();
            markers(&mut chart, i, &sparse, c)?;
        }
        legend_box(&mut chart, SeriesLabelPosition::LowerRight)
    }
}

/// Stacked bars: drops by cause per class.
pub struct Stacked {
    /// Title.
    pub title: String,
    /// Bar labels.
    pub groups: Vec<String>,
    /// (series name, one value per group).
    pub series: Vec<(String, Vec<f64>)>,
}

impl Chart for Stacked {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let n = self.groups.len().max(1);
        let totals: Vec<f64> = (0..n)
            .map(|g| {
                self.series
                    .iter()
                    .map(|s| s.1.get(g).copied().unwrap_or(0.0))
                    .sum()
            })
            .collect();
        let y_max = totals.iter().copied().fold(0.0, f64::max).max(1.0) * 1.15;
        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, title_font())
            .margin(20)
            .x_label_area_size(60)
            .y_label_area_size(80)
            .build_cartesian_2d(-0.5..(n as f64 - 0.5), 0.0..y_max)?;
        let names = self.groups.clone();
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n)
            .x_label_formatter(&|v| category_label(&names, *v))
            .y_desc("readings lost (after warm-up)")
            .y_label_formatter(&|v| format!("{v:.0}"))
            .label_style(label_font())
            .axis_desc_style(label_font())
            .draw()?;
        let mut base = vec![0.0; n];
        for (k, (name, values)) in self.series.iter().enumerate() {
            let c = colour(k);
            let rects: Vec<Rectangle<(f64, f64)>> = (0..n)
                .map(|g| {
                    let v = values.get(g).copied().unwrap_or(0.0);
                    let r = Rectangle::new(
                        [(g as f64 - 0.35, base[g]), (g as f64 + 0.35, base[g] + v)],
                        c.filled(),
                    );
                    base[g] += v;
                    r
                })
                .collect();
            chart
                .draw_series(rects)?
                .label(name.clone())
                .legend(move |(x, y)| Rectangle::new([(x - 8, y - 6), (x + 8, y + 6)], c.filled()));
        }
        for (g, t) in totals.iter().enumerate() {
            chart.draw_series(std::iter::once(Text::new(
                format!("{t:.0}"),
                (g as f64 - 0.2, t + y_max * 0.02),
                label_font(),
            )))?;
        }
        legend_box(&mut chart, SeriesLabelPosition::UpperRight)
    }
}

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

/// (x, mean, 95% CI low, 95% CI high).
pub type CiPoint = (f64, f64, f64, f64);

/// One metric against one swept parameter: one line per value of the other parameters,
/// with 95% confidence-interval bars.
pub struct SweepLines {
    /// Title.
    pub title: String,
    /// X axis description.
    pub x_desc: String,
    /// Y axis description.
    pub y_desc: String,
    /// Whether x values are categories (labels) rather than numbers.
    pub x_labels: Option<Vec<String>>,
    /// (line name, points (x, mean, ci low, ci high)).
    pub lines: Vec<(String, Vec<CiPoint>)>,
    /// Per line: markers only, not joined.
    pub scatter: Vec<bool>,
}

/// The span of `values`' finite entries, widened to a unit range around a single value
/// (0 to 1 when there is none).
fn span(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    if lo.is_finite() && hi > lo {
        (lo, hi)
    } else if lo.is_finite() {
        (lo - 1.0, lo + 1.0)
    } else {
        (0.0, 1.0)
    }
}

impl SweepLines {
    /// The x and y spans of the points and their intervals.
    fn extent(&self) -> ((f64, f64), (f64, f64)) {
        let pts = || self.lines.iter().flat_map(|l| l.1.iter());
        (
            span(pts().map(|p| p.0)),
            span(pts().flat_map(|p| [p.1, p.2, p.3])),
        )
    }
}

impl Chart for SweepLines {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let ((x0, x1), (y0, y1)) = self.extent();
        let finite = |v: f64| v.is_finite();
        let (px, py) = ((x1 - x0) * 0.06, (y1 - y0) * 0.1);
        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, title_font())
            .margin(20)
            .x_label_area_size(55)
            .y_label_area_size(90)
            .build_cartesian_2d((x0 - px)..(x1 + px), (y0 - py)..(y1 + py))?;
        let labels = self.x_labels.clone();
        chart
            .configure_mesh()
            .x_desc(&self.x_desc)
            .y_desc(&self.y_desc)
            .x_label_formatter(&|v| match &labels {
                Some(l) => category_label(l, *v),
                None => format!("{v}"),
            })
            .label_style(label_font())
            .axis_desc_style(label_font())
            .light_line_style(BLACK.mix(0.05))
            .draw()?;
        for (i, (name, points)) in self.lines.iter().enumerate() {
            let c = colour(i);
            let mut sorted = points.clone();
            sorted.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(std::cmp::Ordering::Equal));
            let line: Vec<(f64, f64)> = sorted
                .iter()
                .filter(|p| finite(p.1))
                .map(|p| (p.0, p.1))
                .collect();
            chart
                .draw_series(LineSeries::new(line.clone(), c.stroke_width(2)))?
                .label(name.clone())
                .legend(move |(x, y)| {
                    EmptyElement::at((x, y))
                        + PathElement::new(vec![(-10, 0), (10, 0)], c.stroke_width(3))
                });
            markers(&mut chart, i, &line, c)?;
            chart.draw_series(
                sorted
                    .iter()
                    .filter(|p| finite(p.2) && finite(p.3))
                    .map(|p| ErrorBar::new_vertical(p.0, p.2, p.1, p.3, c.stroke_width(2), 10)),
            )?;
        }
        if self.lines.len() > 1 || !self.lines.first().is_some_and(|l| l.0.is_empty()) {
            legend_box(&mut chart, SeriesLabelPosition::UpperRight)?;
        }
        Ok(())
    }
}
