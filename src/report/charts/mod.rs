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

mod bars;
mod network;
mod raster;
mod sweep;
mod time;

pub use bars::{Bars, LatencyCdf, Stacked};
pub use network::{CityMap, GatewayLoad};
pub use sweep::{CiPoint, SweepLines};
pub use time::TimeSeries;

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
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(|e| fail(e.to_string()))?;
        chart.draw(&root).map_err(|e| fail(e.to_string()))?;
        root.present().map_err(|e| fail(e.to_string()))?;
    }
    let svg_path = dir.join(format!("{name}.svg"));
    write_atomic(&svg_path, svg.as_bytes()).map_err(|e| written(&svg_path, e))?;
    let png_path = dir.join(format!("{name}.png"));
    let mut pixels = vec![0u8; (SIZE.0 * SIZE.1 * 3) as usize];
    {
        let root = raster::Raster::with_buffer(&mut pixels, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(|e| fail(e.to_string()))?;
        chart.draw(&root).map_err(|e| fail(e.to_string()))?;
        root.present().map_err(|e| fail(e.to_string()))?;
    }
    let mut png = Vec::new();
    image::ImageEncoder::write_image(
        image::codecs::png::PngEncoder::new(&mut png),
        &pixels,
        SIZE.0,
        SIZE.1,
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

pub(super) fn legend_box<'a, DB: DrawingBackend + 'a>(
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
