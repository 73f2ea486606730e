//! Charts and reports, made from a run's (or a sweep's) output files alone, so results
//! copied from another machine or merged from shards can be reported.
//!
//! ```text
//! run folder (CSV + manifest) --data--> RunData --charts--> charts/*.svg, *.png
//!                                             \--html-----> report.html, report.md
//! ```

pub mod charts;
pub mod compare;
pub mod data;

pub use data::{Csv, ReportError, RunData};
pub mod html;
pub mod replications;
mod run_charts;
pub mod sweep;
mod time_charts;
pub mod verdict;

pub use html::report_run;
