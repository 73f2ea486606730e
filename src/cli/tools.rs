//! `citysim report`, `citysim bench` and `citysim keys`.

use super::args::{BenchArgs, QueueArg, ReportArgs};
use super::{report_failure, say, thousands, Failure};
use citysim::bench::{bench, BenchConfig};
use citysim::run::QueueKind;

pub(crate) fn cmd_report(args: ReportArgs) -> Result<(), Failure> {
    let files = match &args.compare {
        None if args.dir.join("aggregate.csv").is_file()
            && args.dir.join("journal.csv").is_file() =>
        {
            citysim::report::sweep::report_sweep(&args.dir)
        }
        None if citysim::report::replications::is_replicated(&args.dir) => {
            citysim::report::replications::report_replications(&args.dir)
        }
        None if args.dir.join("trials.csv").is_file() => {
            citysim::report::sweep::report_tune(&args.dir)
        }
        None => citysim::report::report_run(&args.dir),
        Some(other) => {
            let out = args.out.clone().unwrap_or_else(|| args.dir.join("compare"));
            citysim::report::compare::compare_runs(&args.dir, other, &out)
        }
    }
    .map_err(report_failure)?;
    for f in files {
        say!("{}", f.display());
    }
    Ok(())
}

pub(crate) fn cmd_bench(args: BenchArgs) -> Result<(), Failure> {
    if args.sensors == 0 || args.gateways == 0 || !args.hours.is_finite() || args.hours <= 0.0 {
        return Err(Failure {
            code: 2,
            message: "error: --sensors, --gateways and --hours must be positive".into(),
        });
    }
    let cfg = BenchConfig {
        sensors: args.sensors,
        gateways: args.gateways,
        hours: args.hours,
        queue: match args.queue {
            QueueArg::Radix => QueueKind::Radix,
            QueueArg::Binary => QueueKind::Binary,
        },
        seed: args.seed,
    };
    let r = bench(&cfg)?;
    if args.json {
        say!(
            "{}",
            serde_json::to_string(&r).expect("JSON of plain values")
        );
    } else {
        say!(
            "bench_city: {} sensors, {} gateways, {} h simulated, {} queue",
            thousands(r.sensors),
            r.gateways,
            r.hours,
            r.queue
        );
        say!("  events processed   {}", thousands(r.events));
        say!("  readings generated {}", thousands(r.readings));
        say!("  build time         {:.3} s", r.build_s);
        say!("  wall time          {:.3} s (event loop)", r.wall_s);
        say!("  cpu time           {:.3} s (whole process)", r.cpu_s);
        say!("  events/s           {:.0}", r.events_per_s);
        say!("  readings/s         {:.0}", r.readings_per_s);
        say!(
            "  peak memory        {} bytes ({:.0} bytes/sensor)",
            thousands(r.peak_rss_bytes),
            r.bytes_per_sensor
        );
    }
    Ok(())
}

/// Prints the key reference (`docs/reference.md`).
pub(crate) fn cmd_keys() -> Result<(), Failure> {
    say!("{}", citysim::scenario::reference::markdown().trim_end());
    Ok(())
}
