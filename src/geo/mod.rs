//! Real places: coordinate reference systems, GeoJSON and CSV layers in and out.
//!
//! A scenario with `[city] crs = ...` writes its positions in that system; [`Frame`]
//! carries them into the model's metres and back to longitude/latitude for outputs.

mod frame;

pub use frame::{Crs, Frame};
mod input;

pub use input::{read_outlines, read_points, Outline, Place, PointRow, MAX_ROWS};
