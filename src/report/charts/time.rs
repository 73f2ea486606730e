//! Readings and latency over time.

use super::*;

/// Readings generated, delivered and dropped per time bucket, and below them the
/// bucket's mean and worst latency; the warm-up, incidents and outages shaded on both.
pub struct TimeSeries {
    /// Title.
    pub title: String,
    /// What the readings panel counts (its axis, before "per <bucket>").
    pub counts: String,
    /// Latency line `i` belongs to readings line `i` (a group's two lines share a look
    /// and one legend entry).
    pub paired: bool,
    /// Bucket start, hours.
    pub t_h: Vec<f64>,
    /// Bucket width, hours.
    pub width_h: f64,
    /// (name, values) per line of readings.
    pub lines: Vec<(String, Vec<f64>)>,
    /// (name, ms per bucket) per latency line; empty for no latency panel.
    pub latency: Vec<(String, Vec<f64>)>,
    /// End of the warm-up, hours.
    pub warmup_h: f64,
    /// Incidents and outages: (label, start h, end h), shaded.
    pub spans: Vec<(String, f64, f64)>,
}

/// The grey of the warm-up band.
const WARM: RGBColor = RGBColor(200, 200, 200);

impl TimeSeries {
    /// The colour of span `k` (the palette's lighter colours).
    fn span_colour(k: usize) -> RGBColor {
        colour([4, 5, 6, 13][k % 4])
    }

    fn legend(&self) -> Legend {
        let mut legend = Legend::default();
        for (i, (name, _)) in self.lines.iter().enumerate() {
            legend.push(Key::Line(look(i)), name.clone());
        }
        for (i, (name, _)) in self.latency.iter().enumerate().filter(|_| !self.paired) {
            legend.push(Key::Line(look(self.lines.len() + i)), name.clone());
        }
        if self.warmup_h > 0.0 {
            legend.push(Key::Swatch(WARM.to_rgba()), "warm-up (not in the metrics)");
        }
        for (k, (label, _, _)) in self.spans.iter().enumerate() {
            legend.push(Key::Swatch(Self::span_colour(k).mix(0.4)), label.clone());
        }
        legend
    }

    /// Shades the warm-up and every incident or outage over `0..y_max`.
    fn shade<'a, DB: DrawingBackend + 'a>(
        &self,
        chart: &mut Chart2d<'a, DB>,
        (y0, y1): (f64, f64),
    ) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        if self.warmup_h > 0.0 {
            chart.draw_series(std::iter::once(Rectangle::new(
                [(0.0, y0), (self.warmup_h, y1)],
                WARM.mix(0.5).filled(),
            )))?;
        }
        for (k, (_, a, b)) in self.spans.iter().enumerate() {
            chart.draw_series(std::iter::once(Rectangle::new(
                [(*a, y0), (*b, y1)],
                Self::span_colour(k).mix(0.25).filled(),
            )))?;
        }
        Ok(())
    }

    /// The centre of each bucket, hours, paired with `values`.
    fn points(&self, values: &[f64]) -> Vec<(f64, f64)> {
        self.t_h
            .iter()
            .zip(values)
            .filter(|(_, v)| v.is_finite())
            .map(|(t, v)| (t + self.width_h / 2.0, *v))
            .collect()
    }

    /// The end of the last bucket, hours.
    fn t_end(&self) -> f64 {
        self.t_h.last().map_or(1.0, |t| t + self.width_h)
    }

    /// Whether the readings panel needs a log scale: groups whose peaks differ more
    /// than twentyfold (meter reads and the alarms among them).
    fn log_counts(&self) -> bool {
        let peaks: Vec<f64> = self
            .lines
            .iter()
            .map(|l| {
                l.1.iter()
                    .copied()
                    .filter(|v| v.is_finite())
                    .fold(0.0, f64::max)
            })
            .filter(|p| *p > 0.0)
            .collect();
        let (lo, hi) = peaks
            .iter()
            .fold((f64::INFINITY, 0.0f64), |(a, b), p| (a.min(*p), b.max(*p)));
        self.paired && peaks.len() > 1 && hi / lo > 20.0
    }

    fn readings_panel<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let all = || self.lines.iter().flat_map(|l| l.1.iter().copied());
        let y_max = all().fold(0.0, f64::max).max(1.0);
        let log = self.log_counts();
        let (y0, y1) = if log {
            let lo = all().filter(|v| *v > 0.0).fold(f64::INFINITY, f64::min);
            (
                lo.log10().floor(),
                y_max.log10().ceil().max(lo.log10().floor() + 1.0),
            )
        } else {
            (0.0, y_max * 1.1)
        };
        let mut chart = ChartBuilder::on(area)
            .margin(15)
            .x_label_area_size(if self.latency.is_empty() { 55 } else { 30 })
            .y_label_area_size(90)
            .build_cartesian_2d(0.0..self.t_end(), y0..y1)?;
        let per = latency_label(self.width_h * 3_600_000.0);
        let mut mesh = chart.configure_mesh();
        mesh.x_desc(if self.latency.is_empty() {
            "simulated time (h)"
        } else {
            ""
        })
        .y_desc(if log {
            format!("{} per {per} (log)", self.counts)
        } else {
            format!("{} per {per}", self.counts)
        })
        .label_style(label_font())
        .axis_desc_style(label_font())
        .light_line_style(BLACK.mix(0.05));
        let log_ticks = |v: &f64| count_label(10f64.powf(*v));
        let ticks = |v: &f64| count_label(*v);
        if log {
            mesh.y_labels((y1 - y0) as usize + 1)
                .y_label_formatter(&log_ticks);
        } else {
            mesh.y_label_formatter(&ticks);
        }
        mesh.draw()?;
        self.shade(&mut chart, (y0, y1))?;
        for (i, (_, values)) in self.lines.iter().enumerate() {
            let values: Vec<f64> = if log {
                values
                    .iter()
                    .map(|v| if *v > 0.0 { v.log10() } else { f64::NAN })
                    .collect()
            } else {
                values.clone()
            };
            self.series(&mut chart, look(i), &self.points(&values))?;
        }
        Ok(())
    }

    /// One line with a marker every twelfth of the run.
    fn series<'a, DB: DrawingBackend + 'a>(
        &self,
        chart: &mut Chart2d<'a, DB>,
        l: Look,
        pts: &[(f64, f64)],
    ) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        l.line(chart, pts.to_vec(), 2)?;
        let every = (pts.len() / 12).max(1);
        let sparse: Vec<(f64, f64)> = pts.iter().step_by(every).copied().collect();
        markers(chart, l.shape, &sparse, l.colour)
    }

    fn latency_panel<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let all = || self.latency.iter().flat_map(|l| l.1.iter().copied());
        let hi = all().filter(|v| v.is_finite()).fold(0.0, f64::max);
        let lo = all()
            .filter(|v| v.is_finite() && *v > 0.0)
            .fold(f64::INFINITY, f64::min);
        let (lo, hi) = if lo.is_finite() && hi > lo {
            (lo, hi)
        } else {
            (1.0, 10.0)
        };
        let (y0, y1) = (
            lo.log10().floor(),
            hi.log10().ceil().max(lo.log10().floor() + 1.0),
        );
        let mut chart = ChartBuilder::on(area)
            .margin(15)
            .x_label_area_size(55)
            .y_label_area_size(90)
            .build_cartesian_2d(0.0..self.t_end(), y0..y1)?;
        chart
            .configure_mesh()
            .x_desc("simulated time (h)")
            .y_desc(if self.paired {
                "mean latency (log)"
            } else {
                "latency (log)"
            })
            .y_labels((y1 - y0) as usize + 1)
            .y_label_formatter(&|v| latency_label(10f64.powf(*v)))
            .label_style(label_font())
            .axis_desc_style(label_font())
            .light_line_style(BLACK.mix(0.05))
            .draw()?;
        self.shade(&mut chart, (y0, y1))?;
        for (i, (_, values)) in self.latency.iter().enumerate() {
            let logged: Vec<f64> = values
                .iter()
                .map(|v| if *v > 0.0 { v.log10() } else { f64::NAN })
                .collect();
            let l = look(if self.paired { i } else { self.lines.len() + i });
            self.series(&mut chart, l, &self.points(&logged))?;
        }
        Ok(())
    }
}

impl Chart for TimeSeries {
    fn size(&self) -> (u32, u32) {
        if self.latency.is_empty() {
            SIZE
        } else {
            (SIZE.0, 760)
        }
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let area = titled(area, &self.title)?;
        let legend = self.legend();
        let (plot, panel) = legend.beside(&area);
        if self.latency.is_empty() {
            self.readings_panel(&plot)?;
        } else {
            let h = plot.dim_in_pixel().1;
            let (top, bottom) = plot.split_vertically((h as f64 * 0.58) as i32);
            self.readings_panel(&top)?;
            self.latency_panel(&bottom)?;
        }
        if let Some(panel) = panel {
            legend.draw(&panel)?;
        }
        Ok(())
    }
}
