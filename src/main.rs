//! The `citysim` command line: parses arguments, calls the library, maps errors to exit
//! codes (0 ok, 1 runtime failure, 2 bad input). Each command lives in `cli/`.

mod cli;

use clap::Parser;
use cli::args::{Cli, Command};
use cli::{run, site, study, tools};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run::cmd_run(args),
        Command::Validate(args) => run::cmd_validate(args),
        Command::Sweep(args) => study::cmd_sweep(args),
        Command::Merge(args) => study::cmd_merge(args),
        Command::Tune(args) => study::cmd_tune(args),
        Command::Site(args) => site::cmd_site(args),
        Command::Report(args) => tools::cmd_report(args),
        Command::Bench(args) => tools::cmd_bench(args),
        Command::Keys => tools::cmd_keys(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("{}", f.message);
            ExitCode::from(f.code)
        }
    }
}
