//! Readings over time.

use super::*;

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
