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
    /// A horizontal target line: its legend label and value.
    pub target: Option<(String, f64)>,
    /// A point to ring (the answer of a search): its legend label and position.
    pub answer: Option<(String, (f64, f64))>,
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
    /// The x and y spans of the points, their intervals and the target.
    fn extent(&self) -> ((f64, f64), (f64, f64)) {
        let pts = || self.lines.iter().flat_map(|l| l.1.iter());
        let target = self.target.as_ref().map(|t| t.1);
        (
            span(pts().map(|p| p.0)),
            span(pts().flat_map(|p| [p.1, p.2, p.3]).chain(target)),
        )
    }

    fn legend(&self) -> Legend {
        let mut legend = Legend::default();
        let unnamed = self.lines.len() == 1 && self.lines[0].0.is_empty();
        for (i, (name, _)) in self.lines.iter().enumerate().filter(|_| !unnamed) {
            let l = look(i);
            let key = if self.scatter.get(i).copied().unwrap_or(false) {
                Key::Marker(l.shape, l.colour)
            } else {
                Key::Line(l)
            };
            legend.push(key, name.clone());
        }
        if let Some((label, _)) = &self.target {
            legend.push(Key::Rule(RED, true), label.clone());
        }
        if let Some((label, _)) = &self.answer {
            legend.push(Key::Outline(RED, false), label.clone());
        }
        legend
    }
}

/// An axis tick: whole numbers with separators, others to two or three digits.
fn tick(v: f64) -> String {
    if v == v.round() {
        count_label(v)
    } else {
        let t = format!("{v:.3}");
        t.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

impl Chart for SweepLines {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let area = titled(area, &self.title)?;
        let legend = self.legend();
        let (plot, panel) = legend.beside(&area);
        let ((x0, x1), (y0, y1)) = self.extent();
        let finite = |v: f64| v.is_finite();
        let (px, py) = ((x1 - x0) * 0.06, (y1 - y0) * 0.1);
        let mut chart = ChartBuilder::on(&plot)
            .margin(15)
            .x_label_area_size(55)
            .y_label_area_size(90)
            .build_cartesian_2d((x0 - px)..(x1 + px), (y0 - py)..(y1 + py))?;
        let labels = self.x_labels.clone();
        // Whole-number x values (trials, counts) get whole ticks only.
        let whole = labels.is_none()
            && self
                .lines
                .iter()
                .flat_map(|l| l.1.iter())
                .all(|p| p.0 == p.0.round());
        chart
            .configure_mesh()
            .x_desc(&self.x_desc)
            .y_desc(&self.y_desc)
            .x_label_formatter(&|v| match &labels {
                Some(l) => category_label(l, *v),
                None if whole && *v != v.round() => String::new(),
                None => tick(*v),
            })
            .y_label_formatter(&|v| tick(*v))
            .label_style(label_font())
            .axis_desc_style(label_font())
            .light_line_style(BLACK.mix(0.05))
            .draw()?;
        for (i, (_, points)) in self.lines.iter().enumerate() {
            let l = look(i);
            let mut sorted = points.clone();
            sorted.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(std::cmp::Ordering::Equal));
            let line: Vec<(f64, f64)> = sorted
                .iter()
                .filter(|p| finite(p.1))
                .map(|p| (p.0, p.1))
                .collect();
            if !self.scatter.get(i).copied().unwrap_or(false) {
                l.line(&mut chart, line.clone(), 2)?;
            }
            markers(&mut chart, l.shape, &line, l.colour)?;
            chart.draw_series(
                sorted
                    .iter()
                    .filter(|p| finite(p.2) && finite(p.3))
                    .map(|p| {
                        ErrorBar::new_vertical(p.0, p.2, p.1, p.3, l.colour.stroke_width(2), 10)
                    }),
            )?;
        }
        if let Some((_, t)) = self.target {
            chart.draw_series(DashedLineSeries::new(
                vec![(x0 - px, t), (x1 + px, t)],
                8,
                5,
                RED.stroke_width(2),
            ))?;
        }
        if let Some((_, at)) = self.answer {
            chart.draw_series(std::iter::once(Circle::new(at, 11, RED.stroke_width(3))))?;
        }
        if let Some(panel) = panel {
            legend.draw(&panel)?;
        }
        Ok(())
    }
}
