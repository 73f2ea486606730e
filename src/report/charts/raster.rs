//! The PNG backend: plotters' bitmap backend with text laid out glyph by glyph.
//!
//! plotters 0.3.7 rasterises each glyph at the pen position without the glyph's left
//! side bearing, so letters with a wide bearing drift left and words look broken
//! ("ob jecti ve"). [`Raster`] passes every drawing call through to the bitmap backend
//! except text, which it places by the font's own metrics: each glyph at its advance
//! (with kerning), its outline where the bearing puts it, on a common baseline.

use ab_glyph::{point, Font, FontRef, PxScale, ScaleFont};
use plotters::backend::BitMapBackend;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
    FontStyle,
};
use std::sync::OnceLock;

/// The bitmap backend, drawing text with correct glyph advances and bearings.
pub struct Raster<'a> {
    inner: BitMapBackend<'a>,
}

impl<'a> Raster<'a> {
    /// Draws into `pixels` (RGB, `size.0 * size.1 * 3` bytes).
    pub fn with_buffer(pixels: &'a mut [u8], size: (u32, u32)) -> Self {
        Raster {
            inner: BitMapBackend::with_buffer(pixels, size),
        }
    }
}

/// The bundled DejaVu Sans faces, parsed once.
fn face(style: FontStyle) -> &'static FontRef<'static> {
    static REGULAR: OnceLock<FontRef<'static>> = OnceLock::new();
    static BOLD: OnceLock<FontRef<'static>> = OnceLock::new();
    let (cell, bytes) = match style {
        FontStyle::Bold => (&BOLD, dejavu::sans::bold()),
        _ => (&REGULAR, dejavu::sans::regular()),
    };
    // The bundled font is a valid TrueType file; the crate's own tests parse it.
    cell.get_or_init(|| FontRef::try_from_slice(bytes).expect("the bundled DejaVu font"))
}

/// One glyph of a line of text: its pen position (from the line's left edge).
struct Placed {
    glyph: ab_glyph::GlyphId,
    x: f32,
}

/// A line of text laid out: glyphs, width and the font's ascent and descent (pixels).
struct Line {
    glyphs: Vec<Placed>,
    width: f32,
    ascent: f32,
    descent: f32,
}

/// Lays out `text` at `size` pixels (the scale plotters measures text with, so the
/// chart's layout and the drawn text agree).
fn layout(
    text: &str,
    size: f64,
    style: FontStyle,
) -> (Line, ab_glyph::PxScaleFont<&'static FontRef<'static>>) {
    let font = face(style).as_scaled(PxScale::from(size as f32));
    let mut glyphs = Vec::with_capacity(text.len());
    let mut pen = 0f32;
    let mut prev = None;
    for c in text.chars() {
        let id = font.glyph_id(c);
        if let Some(p) = prev {
            pen += font.kern(p, id);
        }
        glyphs.push(Placed { glyph: id, x: pen });
        pen += font.h_advance(id);
        prev = Some(id);
    }
    let line = Line {
        glyphs,
        width: pen,
        ascent: font.ascent(),
        descent: font.descent(),
    };
    (line, font)
}

impl Line {
    fn height(&self) -> f32 {
        self.ascent - self.descent
    }
}

type Failed = DrawingErrorKind<<BitMapBackend<'static> as DrawingBackend>::ErrorType>;

impl DrawingBackend for Raster<'_> {
    type ErrorType = <BitMapBackend<'static> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), Failed> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), Failed> {
        self.inner.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<(), Failed> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), Failed> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), Failed> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), Failed> {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), Failed> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), Failed> {
        self.inner.fill_polygon(vert, style)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), Failed> {
        self.inner.blit_bitmap(pos, size, src)
    }

    fn estimate_text_size<T: BackendTextStyle>(
        &self,
        text: &str,
        style: &T,
    ) -> Result<(u32, u32), Failed> {
        let (line, _) = layout(text, style.size(), style.style());
        Ok((line.width.ceil() as u32, line.height().ceil() as u32))
    }

    fn draw_text<T: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &T,
        pos: BackendCoord,
    ) -> Result<(), Failed> {
        let colour = style.color();
        if colour.alpha == 0.0 {
            return Ok(());
        }
        let (line, font) = layout(text, style.size(), style.style());
        let dx = match style.anchor().h_pos {
            HPos::Left => 0.0,
            HPos::Right => -line.width,
            HPos::Center => -line.width / 2.0,
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => 0.0,
            VPos::Center => -line.height() / 2.0,
            VPos::Bottom => -line.height(),
        };
        let turn = style.transform();
        let mut ink = Vec::new();
        for g in &line.glyphs {
            let glyph = g
                .glyph
                .with_scale_and_position(font.scale(), point(g.x + dx, line.ascent + dy));
            let Some(outline) = font.outline_glyph(glyph) else {
                continue;
            };
            let at = outline.px_bounds().min;
            outline.draw(|x, y, cover| {
                ink.push((at.x as i32 + x as i32, at.y as i32 + y as i32, cover));
            });
        }
        for (x, y, cover) in ink {
            if cover <= 0.0 {
                continue;
            }
            let (x, y) = turn.transform(x, y);
            let c = BackendColor {
                alpha: colour.alpha * f64::from(cover.min(1.0)),
                rgb: colour.rgb,
            };
            self.inner.draw_pixel((pos.0 + x, pos.1 + y), c)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plotters::prelude::*;

    /// The columns of a rendered word that carry ink, as runs `(first, last)`.
    fn ink_runs(word: &str) -> Vec<(usize, usize)> {
        let (w, h) = (400u32, 60u32);
        let mut pixels = vec![255u8; (w * h * 3) as usize];
        {
            let root = Raster::with_buffer(&mut pixels, (w, h)).into_drawing_area();
            let style = TextStyle::from(("sans-serif", 17).into_font()).color(&BLACK);
            root.draw_text(word, &style, (10, 20)).unwrap();
            root.present().unwrap();
        }
        let inked: Vec<bool> = (0..w as usize)
            .map(|x| (0..h as usize).any(|y| pixels[(y * w as usize + x) * 3] < 160))
            .collect();
        let mut runs = Vec::new();
        let mut start = None;
        for (x, &on) in inked.iter().enumerate() {
            match (on, start) {
                (true, None) => start = Some(x),
                (false, Some(s)) => {
                    runs.push((s, x - 1));
                    start = None;
                }
                _ => {}
            }
        }
        runs
    }

    /// Where each letter's ink should start: the pen position (advances and kerning
    /// from the font's metrics tables) plus the letter's left side bearing.
    fn expected_starts(word: &str, x0: f32) -> Vec<f32> {
        let font = face(FontStyle::Normal).as_scaled(PxScale::from(17.0));
        let (line, _) = layout(word, 17.0, FontStyle::Normal);
        line.glyphs
            .iter()
            .map(|g| x0 + g.x + font.h_side_bearing(g.glyph))
            .collect()
    }

    #[test]
    fn letters_start_where_the_font_puts_them() {
        // Lowercase letters at 17 px do not touch, so each ink run is one letter. A
        // glyph drawn without its bearing, or at a truncated pen position, starts a
        // pixel or more early ("ob jecti ve", "percen tile").
        for word in ["objective", "percentile", "delivery", "warm-up", "minimum"] {
            let runs = ink_runs(word);
            let want = expected_starts(word, 10.0);
            assert_eq!(runs.len(), want.len(), "{word}: {runs:?}");
            for (k, (run, x)) in runs.iter().zip(&want).enumerate() {
                let off = run.0 as f32 - x;
                assert!(
                    (-1.0..=1.0).contains(&off),
                    "{word}: letter {k} starts at {} px, the font says {x:.2}",
                    run.0
                );
            }
        }
    }

    #[test]
    fn text_is_measured_as_it_is_drawn() {
        let runs = ink_runs("percentile");
        let drawn = runs.last().unwrap().1 - runs[0].0 + 1;
        let (line, _) = layout("percentile", 17.0, FontStyle::Normal);
        // The ink spans the advances less the outer side bearings (a pixel or two each).
        assert!(
            (line.width - drawn as f32).abs() <= 4.0,
            "{drawn} px drawn, {} px measured",
            line.width
        );
    }
}
