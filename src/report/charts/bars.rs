//! Distributions and shares: the latency CDF, bars with value labels, stacked bars.

use super::*;

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

/// Stacked bars: drops by cause per class.
pub struct Stacked {
    /// Title.
    pub title: String,
    /// Bar labels.
    pub groups: Vec<String>,
    /// (series name, one value per group).
    pub series: Vec<(String, Vec<f64>)>,
    /// What the bars count.
    pub y_label: String,
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
            .y_desc(self.y_label.as_str())
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
