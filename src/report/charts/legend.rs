//! How series look, and legends drawn in a panel beside the plot so that they never
//! cover data.

use super::*;

/// How one series is drawn: colour, marker shape and dash. Colours cycle through the
/// 14 of the palette, markers through four shapes, and series 7 to 13 (and 21 to 27)
/// are dashed, so that 28 series all look different and a black-and-white print still
/// tells neighbouring lines apart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Look {
    /// Line and marker colour.
    pub colour: RGBColor,
    /// Marker shape (see [`markers`]).
    pub shape: usize,
    /// Whether the line is dashed.
    pub dashed: bool,
}

/// The look of series `i`.
pub fn look(i: usize) -> Look {
    Look {
        colour: colour(i),
        shape: (i + i / PALETTE.len()) % 4,
        dashed: (i / 7) % 2 == 1,
    }
}

impl Look {
    /// Draws `pts` as a line in this look.
    pub fn line<'a, DB: DrawingBackend + 'a>(
        &self,
        chart: &mut Chart2d<'a, DB>,
        pts: Vec<(f64, f64)>,
        width: u32,
    ) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let style = self.colour.stroke_width(width);
        if self.dashed {
            chart.draw_series(DashedLineSeries::new(pts, 9, 5, style))?;
        } else {
            chart.draw_series(LineSeries::new(pts, style))?;
        }
        Ok(())
    }
}

/// What a legend entry shows beside its label.
#[derive(Debug, Clone, Copy)]
pub enum Key {
    /// A line segment (with its marker).
    Line(Look),
    /// A marker alone.
    Marker(usize, RGBColor),
    /// A filled square (bars, shaded spans, map cells).
    Swatch(RGBAColor),
    /// A reference line: solid or dashed.
    Rule(RGBColor, bool),
    /// An outline (a district or an incident region on the map).
    Outline(RGBColor, bool),
}

/// A legend: entries drawn top to bottom in a panel to the right of the plot, in as
/// many columns as the height needs.
#[derive(Default)]
pub struct Legend {
    entries: Vec<(Key, String)>,
}

/// Legend row height and key width, pixels.
const ROW: i32 = 24;
const KEY_W: i32 = 30;
/// The most of the chart's width a legend takes.
const MAX_SHARE: f64 = 0.42;

impl Legend {
    /// Adds an entry.
    pub fn push(&mut self, key: Key, label: impl Into<String>) {
        self.entries.push((key, label.into()));
    }

    /// Whether there is nothing to explain.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Columns needed to fit the entries in `height` pixels.
    fn columns(&self, height: u32) -> usize {
        let rows = ((height as i32 - 2 * ROW) / ROW).max(1) as usize;
        self.entries.len().div_ceil(rows).max(1)
    }

    /// Splits `area` into the plot (left) and the legend panel (right), the panel
    /// sized to the longest label; with no entries the whole area is the plot.
    pub fn beside<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> (DrawingArea<DB, Shift>, Option<DrawingArea<DB, Shift>>) {
        if self.entries.is_empty() {
            return (area.clone(), None);
        }
        let (w, h) = area.dim_in_pixel();
        let font = label_font();
        let label_w = self
            .entries
            .iter()
            .map(|(_, l)| area.estimate_text_size(l, &font).map_or(0, |s| s.0))
            .max()
            .unwrap_or(0) as i32;
        let col_w = label_w + KEY_W + 22;
        let want = col_w * self.columns(h) as i32 + 16;
        let width = want.min((f64::from(w) * MAX_SHARE) as i32).max(60);
        let (plot, panel) = area.split_horizontally(w as i32 - width);
        (plot, Some(panel))
    }

    /// Draws the entries in `panel`, starting level with the top of the plot.
    pub fn draw<DB: DrawingBackend>(&self, panel: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let (w, h) = panel.dim_in_pixel();
        let cols = self.columns(h);
        let rows = self.entries.len().div_ceil(cols) as i32;
        let col_w = (w as i32 - 8) / cols as i32;
        let box_h = rows * ROW + 12;
        panel.draw(&Rectangle::new(
            [(2, 18), (w as i32 - 6, 18 + box_h)],
            BLACK.mix(0.6).stroke_width(1),
        ))?;
        for (k, (key, label)) in self.entries.iter().enumerate() {
            let (c, r) = ((k as i32) / rows, (k as i32) % rows);
            let (x, y) = (8 + c * col_w, 18 + 6 + r * ROW + ROW / 2);
            draw_key(panel, *key, (x + KEY_W / 2, y))?;
            let style = label_font().pos(text_anchor::Pos::new(
                text_anchor::HPos::Left,
                text_anchor::VPos::Center,
            ));
            panel.draw(&Text::new(label.clone(), (x + KEY_W + 6, y), style))?;
        }
        Ok(())
    }
}

/// Draws a legend key centred at `at`.
fn draw_key<DB: DrawingBackend>(
    panel: &DrawingArea<DB, Shift>,
    key: Key,
    at: (i32, i32),
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (x, y) = at;
    let seg = |a: i32, b: i32, c: RGBColor, w: u32| {
        PathElement::new(vec![(x + a, y), (x + b, y)], c.stroke_width(w))
    };
    match key {
        Key::Line(look) => {
            if look.dashed {
                panel.draw(&seg(-13, -4, look.colour, 3))?;
                panel.draw(&seg(4, 13, look.colour, 3))?;
            } else {
                panel.draw(&seg(-13, 13, look.colour, 3))?;
            }
            marker_at(panel, look.shape, (x, y), look.colour)?;
        }
        Key::Marker(shape, c) => marker_at(panel, shape, (x, y), c)?,
        Key::Swatch(c) => {
            panel.draw(&Rectangle::new(
                [(x - 9, y - 7), (x + 9, y + 7)],
                c.filled(),
            ))?;
        }
        Key::Rule(c, dashed) => {
            if dashed {
                for a in [-13, -3, 7] {
                    panel.draw(&seg(a, a + 6, c, 2))?;
                }
            } else {
                panel.draw(&seg(-13, 13, c, 2))?;
            }
        }
        Key::Outline(c, dashed) => {
            let style = c.stroke_width(if dashed { 1 } else { 2 });
            panel.draw(&Rectangle::new([(x - 9, y - 7), (x + 9, y + 7)], style))?;
        }
    }
    Ok(())
}

/// A marker of `shape` at pixel `at` (the shapes of [`markers`]).
fn marker_at<DB: DrawingBackend>(
    panel: &DrawingArea<DB, Shift>,
    shape: usize,
    at: (i32, i32),
    c: RGBColor,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let style = c.filled();
    match shape % 4 {
        0 => panel.draw(&Circle::new(at, 5, style))?,
        1 => panel.draw(&TriangleMarker::new(at, 7, style))?,
        2 => panel.draw(&Rectangle::new(
            [(at.0 - 4, at.1 - 4), (at.0 + 4, at.1 + 4)],
            style,
        ))?,
        _ => panel.draw(&Cross::new(at, 5, c.stroke_width(2)))?,
    }
    Ok(())
}

/// The area below the chart's title.
pub fn titled<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
) -> Result<DrawingArea<DB, Shift>, Box<dyn std::error::Error>>
where
    DB::ErrorType: 'static,
{
    Ok(area.titled(title, title_font())?)
}
