#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod bench;
pub mod engine;
pub mod geo;
pub mod ids;
pub mod metrics;
pub mod model;
pub mod output;
pub mod report;
pub mod run;
pub mod scenario;
pub mod staging;
pub mod stats;
pub mod study;
pub mod units;
