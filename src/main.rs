//! The `citysim` command line: parses arguments, calls the library, maps errors to exit
//! codes (0 ok, 1 runtime failure, 2 bad input). Each command lives in `cli/`.

mod cli;

use clap::Parser;
use cli::args::{Cli, Command};
use cli::{run, site, study, tools};
use std::process::ExitCode;

/// Blocks of 128 kB and more are taken from the system and given back to it when freed.
///
/// glibc's allocator raises that threshold each time such a block is freed (up to 32 MB),
/// after which blocks of that size come from its heap, whose freed holes it keeps: a
/// large run (whose event queue and lists grow and shrink by megabytes) then holds more
/// and more memory it no longer uses. An hour of wuxi at scale 20 peaks at 382 MB with
/// the threshold fixed, against 449 MB; wuxi at scale 1 runs about 1% slower (blocks
/// given back are faulted in again when they grow back). Up to 32 MB free at the top of
/// the heap is kept rather than given back at once, as glibc does by default.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn give_large_blocks_back() {
    // SAFETY: sets two parameters of the C allocator, before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 32 * 1024 * 1024);
    }
}

fn main() -> ExitCode {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    give_large_blocks_back();
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
