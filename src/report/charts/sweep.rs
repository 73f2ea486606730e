//! Sweeps: a metric against a parameter, with confidence intervals.

use super::*;

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
