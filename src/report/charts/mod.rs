//! Charts (plotters), each written as SVG and PNG. Text uses the bundled DejaVu Sans
//! font, so PNGs render the same on a machine with no fonts installed. Colours are the
//! Okabe-Ito palette (distinguishable with colour-blindness); lines also differ by
//! marker shape so that a black-and-white print still tells them apart.

use super::data::ReportError;
use crate::output::write_atomic;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor;
use plotters::style::FontStyle;
use std::path::Path;

mod bars;
mod legend;
mod network;
mod raster;
mod sweep;
mod time;

pub use bars::{Bars, Format, LatencyCdf, Stacked};
use legend::titled;
pub use legend::{look, Key, Legend, Look};
pub use network::{CityMap, GatewayLoad, Load, Outline};
pub use sweep::{CiPoint, SweepLines};
pub use time::TimeSeries;

/// Chart size, pixels.
pub const SIZE: (u32, u32) = (1000, 600);

/// Categorical colours: the Okabe-Ito eight (distinguishable with colour-blindness,
/// black last), then six of Paul Tol's "muted" scheme that differ from all eight, so
/// that a city of 14 classes has 14 colours on its map.
pub const PALETTE: [RGBColor; 14] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(213, 94, 0),
    RGBColor(86, 180, 233),
    RGBColor(204, 121, 167),
    RGBColor(240, 228, 66),
    RGBColor(0, 0, 0),
    RGBColor(51, 34, 136),
    RGBColor(136, 34, 85),
    RGBColor(17, 119, 51),
    RGBColor(153, 153, 51),
    RGBColor(170, 68, 153),
    RGBColor(204, 102, 119),
];

/// The colour of series `i`.
pub fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Result of drawing.
pub type DrawResult = Result<(), Box<dyn std::error::Error>>;

/// A chart that can draw itself on any plotters backend.
pub trait Chart {
    /// The chart's size, pixels.
    fn size(&self) -> (u32, u32) {
        SIZE
    }

    /// Draws onto `area`.
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static;
}

pub(super) fn register_fonts() {
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

/// A chart file that could not be written: its path and the system's reason.
fn written(path: &Path, e: std::io::Error) -> ReportError {
    ReportError::Output(format!("error: cannot write {}: {e}", path.display()))
}

/// Writes `dir/name.svg` and `dir/name.png` (atomically); returns the SVG text.
pub fn render(dir: &Path, name: &str, chart: &impl Chart) -> Result<String, ReportError> {
    register_fonts();
    let fail = |e: String| ReportError::Output(format!("error: chart {name}: {e}"));
    std::fs::create_dir_all(dir).map_err(|e| written(dir, e))?;
    let size = chart.size();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(|e| fail(e.to_string()))?;
        chart.draw(&root).map_err(|e| fail(e.to_string()))?;
        root.present().map_err(|e| fail(e.to_string()))?;
    }
    let svg_path = dir.join(format!("{name}.svg"));
    write_atomic(&svg_path, svg.as_bytes()).map_err(|e| written(&svg_path, e))?;
    let png_path = dir.join(format!("{name}.png"));
    let mut pixels = vec![0u8; (size.0 * size.1 * 3) as usize];
    {
        let root = raster::Raster::with_buffer(&mut pixels, size).into_drawing_area();
        root.fill(&WHITE).map_err(|e| fail(e.to_string()))?;
        chart.draw(&root).map_err(|e| fail(e.to_string()))?;
        root.present().map_err(|e| fail(e.to_string()))?;
    }
    let mut png = Vec::new();
    image::ImageEncoder::write_image(
        image::codecs::png::PngEncoder::new(&mut png),
        &pixels,
        size.0,
        size.1,
        image::ColorType::Rgb8,
    )
    .map_err(|e| fail(e.to_string()))?;
    write_atomic(&png_path, &png).map_err(|e| written(&png_path, e))?;
    Ok(svg)
}

/// The label of category axis position `v`: the name at an integer position, else none.
pub(super) fn category_label(names: &[String], v: f64) -> String {
    let i = v.round();
    if (v - i).abs() < 1e-6 && i >= 0.0 {
        names.get(i as usize).cloned().unwrap_or_default()
    } else {
        String::new()
    }
}

pub(super) fn title_font() -> TextStyle<'static> {
    ("sans-serif", 26).into_font().style(FontStyle::Bold).into()
}

pub(super) fn label_font() -> TextStyle<'static> {
    ("sans-serif", 17).into()
}

pub(super) fn small_font() -> TextStyle<'static> {
    ("sans-serif", 14).into()
}

pub(super) type Chart2d<'a, DB> = ChartContext<
    'a,
    DB,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// Draws markers of shape `shape` (circle, triangle, square, cross) at points.
pub(super) fn markers<'a, DB: DrawingBackend + 'a>(
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

/// A count for an axis or a label: whole, with thousands separators (`250,000`).
pub(super) fn count_label(v: f64) -> String {
    crate::units::human_number(v.round())
}

/// `x` to two significant digits, without trailing zeros (`0.32`, `3.2`, `32`, `320`).
fn two_digits(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return "0".into();
    }
    let exp = x.abs().log10().floor() as i32 - 1;
    let rounded = (x / 10f64.powi(exp)).round() * 10f64.powi(exp);
    let decimals = (-exp).max(0) as usize;
    let text = format!("{rounded:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// A latency in milliseconds as a person reads it: `50 ms`, `3.2 s`, `17 min`, `2.8 h`.
pub fn latency_label(ms: f64) -> String {
    let s = ms / 1000.0;
    if ms < 1000.0 {
        format!("{} ms", two_digits(ms))
    } else if s < 60.0 {
        format!("{} s", two_digits(s))
    } else if s < 3600.0 {
        format!("{} min", two_digits(s / 60.0))
    } else if s < 86_400.0 {
        format!("{} h", two_digits(s / 3600.0))
    } else {
        format!("{} d", two_digits(s / 86_400.0))
    }
}

/// Natural order of names: `gw-2` before `gw-10`.
pub(super) fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let split = |s: &str| {
        let digits = s.len() - s.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        let (stem, num) = s.split_at(s.len() - digits);
        (stem.to_string(), num.parse::<u64>().ok())
    };
    let (sa, na) = split(a);
    let (sb, nb) = split(b);
    sa.cmp(&sb).then(na.cmp(&nb)).then(a.cmp(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latencies_read_in_their_unit() {
        assert_eq!(latency_label(0.316), "0.32 ms");
        assert_eq!(latency_label(31.6), "32 ms");
        assert_eq!(latency_label(316.2), "320 ms");
        assert_eq!(latency_label(3162.3), "3.2 s");
        assert_eq!(latency_label(100_000.0), "1.7 min");
        assert_eq!(latency_label(10_000_000.0), "2.8 h");
        assert_eq!(count_label(250_000.0), "250,000");
    }

    #[test]
    fn names_sort_by_their_number() {
        let mut v = vec!["gw-21", "gw-2", "gw-20", "cab-1", "gw-10"];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(v, ["cab-1", "gw-2", "gw-10", "gw-20", "gw-21"]);
    }

    #[test]
    fn looks_stay_distinct_past_the_palette() {
        let looks: Vec<Look> = (0..28).map(look).collect();
        for i in 0..looks.len() {
            for j in 0..i {
                assert_ne!(looks[i], looks[j], "series {j} and {i} look alike");
            }
        }
    }
}
