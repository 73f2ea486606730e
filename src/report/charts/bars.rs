//! Distributions and shares: the latency CDF, bars with value labels, stacked bars.
//! Categories run down the left side (one per row, so that 14 or 40 names stay
//! readable) and legends stand beside the plot.

use super::*;

/// Latency CDF per class, with each class's p95 and p99 marked.
pub struct LatencyCdf {
    /// Title.
    pub title: String,
    /// Per class: name and (latency ms, cumulative fraction) points.
    pub classes: Vec<(String, Vec<(f64, f64)>)>,
    /// The scenario's p95 latency target, ms: a vertical line.
    pub target_ms: Option<f64>,
}

impl LatencyCdf {
    /// The latencies drawn, ms: the smallest positive and the largest (a unit range
    /// when there are none), widened to include the target.
    fn range_ms(&self) -> (f64, f64) {
        let all = || self.classes.iter().flat_map(|c| c.1.iter().map(|p| p.0));
        let target = self.target_ms.filter(|t| *t > 0.0);
        let lo = all()
            .chain(target)
            .filter(|v| *v > 0.0)
            .fold(f64::INFINITY, f64::min);
        let hi = all().chain(target).fold(0.0, f64::max);
        if lo.is_finite() && hi > 0.0 {
            (lo, hi)
        } else {
            (0.1, 1.0)
        }
    }

    fn legend(&self) -> Legend {
        let mut legend = Legend::default();
        for (i, (name, _)) in self.classes.iter().enumerate() {
            legend.push(Key::Line(look(i)), name.clone());
        }
        legend.push(Key::Marker(0, BLACK), "p95 of a class");
        legend.push(Key::Marker(1, BLACK), "p99 of a class");
        if let Some(t) = self.target_ms {
            legend.push(
                Key::Rule(RED, true),
                format!("target: p95 ≤ {}", latency_label(t)),
            );
        }
        legend
    }
}

impl Chart for LatencyCdf {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let area = titled(area, &self.title)?;
        let legend = self.legend();
        let (plot, panel) = legend.beside(&area);
        let (lo, hi) = self.range_ms();
        // A wide range is drawn on log10 coordinates, ticked at whole decades.
        let log = hi / lo > 50.0;
        let tx = |v: f64| if log { v.max(lo).log10() } else { v };
        let (x0, x1) = if log {
            (lo.log10().floor(), hi.log10().ceil())
        } else {
            (0.0, hi * 1.05)
        };
        let x1 = if x1 > x0 { x1 } else { x0 + 1.0 };
        let mut chart = ChartBuilder::on(&plot)
            .margin(15)
            .x_label_area_size(55)
            .y_label_area_size(70)
            .build_cartesian_2d(x0..x1, 0.0..1.0)?;
        let fmt_x = |v: &f64| latency_label(if log { 10f64.powf(*v) } else { *v });
        chart
            .configure_mesh()
            .x_desc(if log {
                "end-to-end latency (log scale)"
            } else {
                "end-to-end latency"
            })
            .y_desc("share of delivered readings")
            .x_labels(if log { (x1 - x0) as usize + 1 } else { 8 })
            .x_label_formatter(&fmt_x)
            .y_label_formatter(&|v| format!("{:.0}%", v * 100.0))
            .label_style(label_font())
            .axis_desc_style(label_font())
            .light_line_style(BLACK.mix(0.05))
            .draw()?;
        for (i, (_, pts)) in self.classes.iter().enumerate() {
            let l = look(i);
            l.line(
                &mut chart,
                pts.iter().map(|&(x, q)| (tx(x), q)).collect(),
                3,
            )?;
            for (q, shape) in [(0.95, 0), (0.99, 1)] {
                if let Some(&(x, y)) = pts.iter().find(|p| (p.1 - q).abs() < 1e-9) {
                    markers(&mut chart, shape, &[(tx(x), y)], l.colour)?;
                }
            }
        }
        if let Some(t) = self.target_ms.filter(|t| *t > 0.0) {
            chart.draw_series(DashedLineSeries::new(
                vec![(tx(t), 0.0), (tx(t), 1.0)],
                8,
                5,
                RED.stroke_width(2),
            ))?;
        }
        if let Some(panel) = panel {
            legend.draw(&panel)?;
        }
        Ok(())
    }
}

/// How bar values are written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Format {
    /// Ratios as percentages (`99.86%`).
    Percent,
    /// Counts, days and other plain numbers (`7,305`).
    Count,
    /// Latencies given in ms (`245 ms`, `3.2 s`).
    Latency,
}

impl Format {
    /// A bar's value label.
    fn value(self, v: f64) -> String {
        match self {
            _ if !v.is_finite() => "n/a".into(),
            Format::Percent => format!("{:.2}%", v * 100.0),
            Format::Count => count_label(v),
            Format::Latency => latency_label(v),
        }
    }

    /// A value-axis tick on an axis `span` long.
    fn tick(self, v: f64, span: f64) -> String {
        match self {
            Format::Percent => {
                let decimals = if span < 0.004 {
                    2
                } else if span < 0.04 {
                    1
                } else {
                    0
                };
                format!("{:.decimals$}%", v * 100.0)
            }
            Format::Count => count_label(v),
            Format::Latency => latency_label(v),
        }
    }
}

/// Horizontal bars with a value label on each: one bar per category and series
/// (delivery ratio by class or domain; battery life's 5th percentile and mean).
pub struct Bars {
    /// Title.
    pub title: String,
    /// What the values are (the value axis's description).
    pub value_desc: String,
    /// Category names, drawn top to bottom.
    pub categories: Vec<String>,
    /// (series name, one value per category); names appear in a legend when there are
    /// two or more series.
    pub series: Vec<(String, Vec<f64>)>,
    /// Lower end of the value axis: 0 for bars; above 0, each value is drawn as a dot
    /// (a bar that does not start at zero would exaggerate differences).
    pub from: f64,
    /// Upper end of the value axis.
    pub max: f64,
    /// How values are written.
    pub format: Format,
    /// A target line: its legend label and value.
    pub target: Option<(String, f64)>,
    /// Per series, a 95% interval (low, high) per category, drawn as a whisker; empty
    /// for none.
    pub intervals: Vec<Vec<(f64, f64)>>,
}

impl Bars {
    /// The interval of category `i` of series `s`, when there is one.
    fn interval(&self, s: usize, i: usize) -> Option<(f64, f64)> {
        self.intervals
            .get(s)
            .and_then(|v| v.get(i))
            .copied()
            .filter(|(a, b)| a.is_finite() && b.is_finite())
    }

    fn legend(&self) -> Legend {
        let mut legend = Legend::default();
        if self.series.len() > 1 {
            for (k, (name, _)) in self.series.iter().enumerate() {
                legend.push(Key::Swatch(colour(k).to_rgba()), name.clone());
            }
        }
        if let Some((label, _)) = &self.target {
            legend.push(Key::Rule(RED, true), label.clone());
        }
        if self.intervals.iter().any(|v| !v.is_empty()) {
            legend.push(Key::Rule(BLACK, false), "95% confidence interval");
        }
        legend
    }
}

/// The width, pixels, of the longest of `names` in the label font, plus a margin.
fn name_width<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, names: &[String]) -> u32 {
    let font = label_font();
    names
        .iter()
        .map(|n| area.estimate_text_size(n, &font).map_or(0, |s| s.0))
        .max()
        .unwrap_or(0)
        + 16
}

/// A horizontal-bar chart's frame: categories down the left (first at the top), the
/// value axis along the bottom.
fn category_frame<'a, DB: DrawingBackend + 'a>(
    plot: &'a DrawingArea<DB, Shift>,
    categories: &[String],
    (min, max): (f64, f64),
    value_desc: &str,
    value_ticks: &dyn Fn(&f64) -> String,
) -> Result<Chart2d<'a, DB>, Box<dyn std::error::Error>>
where
    DB::ErrorType: 'static,
{
    let n = categories.len().max(1);
    let mut chart = ChartBuilder::on(plot)
        .margin(15)
        .x_label_area_size(55)
        .y_label_area_size(name_width(plot, categories))
        .build_cartesian_2d(min..max, -0.5..(n as f64 - 0.5))?;
    let names: Vec<String> = categories.iter().rev().cloned().collect();
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(n)
        .y_label_formatter(&|v| category_label(&names, *v))
        .x_desc(value_desc)
        .x_label_formatter(value_ticks)
        .label_style(label_font())
        .axis_desc_style(label_font())
        .light_line_style(BLACK.mix(0.05))
        .draw()?;
    Ok(chart)
}

impl Chart for Bars {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let area = titled(area, &self.title)?;
        let legend = self.legend();
        let (plot, panel) = legend.beside(&area);
        let format = self.format;
        let span = self.max - self.from;
        let ticks = |v: &f64| format.tick(*v, span);
        let mut chart = category_frame(
            &plot,
            &self.categories,
            (self.from, self.max),
            &self.value_desc,
            &ticks,
        )?;
        let n = self.categories.len();
        let k = self.series.len().max(1) as f64;
        let thick = 0.8 / k;
        let font = if n * self.series.len() > 24 {
            small_font()
        } else {
            label_font()
        };
        for (s, (_, values)) in self.series.iter().enumerate() {
            let c = colour(s);
            for (i, v) in values.iter().enumerate().take(n) {
                let y = (n - 1 - i) as f64 + 0.4 - thick * (s as f64 + 0.5);
                let v = if v.is_finite() { *v } else { self.from };
                if self.from > 0.0 {
                    chart.draw_series(std::iter::once(Circle::new((v, y), 6, c.filled())))?;
                } else {
                    chart.draw_series(std::iter::once(Rectangle::new(
                        [(0.0, y - thick * 0.42), (v, y + thick * 0.42)],
                        c.filled(),
                    )))?;
                }
                let mut end = v;
                if let Some((lo, hi)) = self.interval(s, i) {
                    let (a, b) = (y - thick * 0.15, y + thick * 0.15);
                    let whisker = BLACK.stroke_width(2);
                    for seg in [
                        vec![(lo, y), (hi, y)],
                        vec![(lo, a), (lo, b)],
                        vec![(hi, a), (hi, b)],
                    ] {
                        chart.draw_series(std::iter::once(PathElement::new(seg, whisker)))?;
                    }
                    end = end.max(hi);
                }
                let style = font.clone().pos(text_anchor::Pos::new(
                    text_anchor::HPos::Left,
                    text_anchor::VPos::Center,
                ));
                chart.draw_series(std::iter::once(Text::new(
                    self.format.value(values[i]),
                    (end + span * 0.01, y),
                    style,
                )))?;
            }
        }
        if let Some((_, t)) = self.target {
            chart.draw_series(DashedLineSeries::new(
                vec![(t, -0.5), (t, n as f64 - 0.5)],
                8,
                5,
                RED.stroke_width(2),
            ))?;
        }
        if let Some(panel) = panel {
            legend.draw(&panel)?;
        }
        Ok(())
    }
}

/// Stacked horizontal bars: readings by cause per group. Series with nothing in them
/// are left out of the bars and the legend; with nothing at all the chart says so.
pub struct Stacked {
    /// Title.
    pub title: String,
    /// Bar labels, top to bottom.
    pub groups: Vec<String>,
    /// (series name, colour, one value per group).
    pub series: Vec<(String, RGBColor, Vec<f64>)>,
    /// What the bars count.
    pub value_desc: String,
    /// What to say when every value is zero.
    pub empty: String,
}

impl Stacked {
    /// The series with something in them.
    fn shown(&self) -> Vec<&(String, RGBColor, Vec<f64>)> {
        self.series
            .iter()
            .filter(|s| s.2.iter().any(|v| *v > 0.0))
            .collect()
    }
}

impl Chart for Stacked {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let area = titled(area, &self.title)?;
        let shown = self.shown();
        if shown.is_empty() {
            let (w, h) = area.dim_in_pixel();
            let style = label_font().pos(text_anchor::Pos::new(
                text_anchor::HPos::Center,
                text_anchor::VPos::Center,
            ));
            area.draw(&Text::new(
                self.empty.clone(),
                (w as i32 / 2, h as i32 / 2),
                style,
            ))?;
            return Ok(());
        }
        let mut legend = Legend::default();
        for (name, c, _) in &shown {
            legend.push(Key::Swatch(c.to_rgba()), name.clone());
        }
        let (plot, panel) = legend.beside(&area);
        let n = self.groups.len();
        let totals: Vec<f64> = (0..n)
            .map(|g| {
                shown
                    .iter()
                    .map(|s| s.2.get(g).copied().unwrap_or(0.0))
                    .sum()
            })
            .collect();
        let max = totals.iter().copied().fold(0.0, f64::max).max(1.0) * 1.18;
        let ticks = |v: &f64| count_label(*v);
        let mut chart = category_frame(&plot, &self.groups, (0.0, max), &self.value_desc, &ticks)?;
        let mut base = vec![0.0; n];
        for (_, c, values) in &shown {
            let rects: Vec<Rectangle<(f64, f64)>> = (0..n)
                .map(|g| {
                    let v = values.get(g).copied().unwrap_or(0.0);
                    let y = (n - 1 - g) as f64;
                    let r =
                        Rectangle::new([(base[g], y - 0.35), (base[g] + v, y + 0.35)], c.filled());
                    base[g] += v;
                    r
                })
                .collect();
            chart.draw_series(rects)?;
        }
        let style = small_font().pos(text_anchor::Pos::new(
            text_anchor::HPos::Left,
            text_anchor::VPos::Center,
        ));
        chart.draw_series(totals.iter().enumerate().map(|(g, t)| {
            Text::new(
                count_label(*t),
                (t + max * 0.01, (n - 1 - g) as f64),
                style.clone(),
            )
        }))?;
        if let Some(panel) = panel {
            legend.draw(&panel)?;
        }
        Ok(())
    }
}
