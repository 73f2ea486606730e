//! Integration tests: one binary, a module per topic.

mod bad_input;
mod cellular;
mod cli;
mod defaults;
mod determinism;
mod energy;
mod faults;
mod folders;
mod golden;
mod guide;
mod hostile;
mod incidents;
mod layers;
mod layout;
mod library;
mod lora;
mod lora_results;
mod mesh;
mod mobility;
mod propagation;
mod queueing;
mod reports;
mod slurm;
mod studies;
mod traffic;
mod util;
