#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod scenario;
pub mod units;
pub mod engine;
pub mod metrics;
pub mod model;
pub mod output;
pub mod run;
pub mod bench;
