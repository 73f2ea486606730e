//! The `citysim` command line: parses arguments, calls the library, maps errors to exit
//! codes (0 ok, 1 runtime failure, 2 bad input).

use citysim::bench::{bench, BenchConfig};
use citysim::metrics::DropCause;
use citysim::output;
use citysim::run::{run, QueueKind};
use citysim::scenario::{self, LoadError, Scenario};
use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(
    name = "citysim",
    version,
    about = "Discrete-event simulator of city-scale IoT sensor networks",
    long_about = "Discrete-event simulator of city-scale IoT sensor networks.\n\n\
                  Describe a city in a TOML scenario file, run it, and read the metrics \
                  (CSV) in output/<scenario>/.\n\nExit codes: 0 ok, 1 runtime failure, 2 bad input."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run scenario files and write their metrics.
    Run(RunArgs),
    /// Check a scenario file and list every problem in it.
    Validate(ValidateArgs),
    /// Measure simulator speed and memory on the reference city model.
    Bench(BenchArgs),
}

#[derive(clap::Args)]
struct RunArgs {
    /// Scenario files (TOML).
    #[arg(required = true, value_name = "SCENARIO")]
    scenarios: Vec<PathBuf>,
    /// Output folder (default: output/<scenario name>; with several scenarios,
    /// DIR/<scenario name> for each).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Seed, replacing the file's `simulation.seed`.
    #[arg(long)]
    seed: Option<u64>,
    /// Override a value: a dotted path into the scenario, e.g.
    /// `--set gateways.count=40` or `--set sensors.air_quality.traffic.interval=2min`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Print nothing but errors (no progress bar, no summary).
    #[arg(long, short)]
    quiet: bool,
}

#[derive(clap::Args)]
struct ValidateArgs {
    /// Scenario file (TOML).
    #[arg(value_name = "SCENARIO")]
    scenario: PathBuf,
    /// Overrides to check together with the file (as for `run`).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum QueueArg {
    /// Monotone radix heap (the default).
    Radix,
    /// Binary heap (the reference).
    Binary,
}

#[derive(clap::Args)]
struct BenchArgs {
    /// Number of sensors.
    #[arg(long, default_value_t = 100_000)]
    sensors: u64,
    /// Number of gateways (a square number lays them on a square grid).
    #[arg(long, default_value_t = 100)]
    gateways: u64,
    /// Simulated hours.
    #[arg(long, default_value_t = 1.0)]
    hours: f64,
    /// Event queue implementation.
    #[arg(long, value_enum, default_value_t = QueueArg::Radix)]
    queue: QueueArg,
    /// Seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// An error with its exit code.
struct Failure {
    code: u8,
    message: String,
}

impl From<LoadError> for Failure {
    fn from(e: LoadError) -> Self {
        Failure {
            code: 2,
            message: e.to_string(),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => cmd_run(args),
        Command::Validate(args) => cmd_validate(args),
        Command::Bench(args) => cmd_bench(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("{}", f.message);
            ExitCode::from(f.code)
        }
    }
}

fn load(path: &Path, set: &[String], seed: Option<u64>) -> Result<Scenario, Failure> {
    let mut overrides = set.to_vec();
    if let Some(seed) = seed {
        overrides.push(format!("simulation.seed={seed}"));
    }
    Ok(scenario::load(path, &overrides)?)
}

fn cmd_validate(args: ValidateArgs) -> Result<(), Failure> {
    let s = load(&args.scenario, &args.set, None)?;
    println!(
        "{}: ok ({} sensor classes, {} sensors, {} gateways, {} simulated)",
        args.scenario.display(),
        s.sensors.len(),
        s.sensor_count(),
        s.gateways.iter().map(|g| u64::from(g.count)).sum::<u64>(),
        citysim::units::format_duration(s.simulation.duration_ns)
    );
    Ok(())
}

/// A progress bar that appears only once a run has taken two seconds, and only on a
/// terminal.
struct Progress {
    bar: Option<ProgressBar>,
    start: Instant,
    enabled: bool,
    label: String,
}

impl Progress {
    fn new(enabled: bool, label: String) -> Progress {
        Progress {
            bar: None,
            start: Instant::now(),
            enabled: enabled && std::io::stderr().is_terminal(),
            label,
        }
    }

    fn update(&mut self, fraction: f64) {
        if !self.enabled {
            return;
        }
        if self.bar.is_none() && self.start.elapsed() > Duration::from_secs(2) {
            let bar = ProgressBar::new(1000);
            bar.set_style(
                ProgressStyle::with_template("{msg} [{bar:40}] {percent:>3}% simulated, ETA {eta}")
                    .expect("valid template")
                    .progress_chars("=> "),
            );
            bar.set_message(self.label.clone());
            // Start the rate estimate from here, not from zero two seconds ago.
            bar.set_position((fraction * 1000.0) as u64);
            bar.reset_eta();
            self.bar = Some(bar);
        }
        if let Some(bar) = &self.bar {
            bar.set_position((fraction * 1000.0) as u64);
        }
    }

    fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}

fn cmd_run(args: RunArgs) -> Result<(), Failure> {
    let mut loaded = Vec::new();
    let mut problems = Vec::new();
    for path in &args.scenarios {
        match load(path, &args.set, args.seed) {
            Ok(s) => loaded.push(s),
            Err(f) => problems.push(f.message),
        }
    }
    if !problems.is_empty() {
        return Err(Failure {
            code: 2,
            message: problems.join("\n\n"),
        });
    }
    let several = loaded.len() > 1;
    for s in &loaded {
        let dir = match (&args.out, several) {
            (Some(out), false) => out.clone(),
            (Some(out), true) => out.join(&s.name),
            (None, _) => Path::new("output").join(&s.name),
        };
        let mut progress = Progress::new(!args.quiet, s.name.clone());
        let (result, timing) = run(s, 0, QueueKind::Radix, &mut |f| progress.update(f));
        progress.finish();
        output::write_run(&dir, s, &result, &timing).map_err(|e| Failure {
            code: 1,
            message: format!("error: cannot write results to {}: {e}", dir.display()),
        })?;
        if !args.quiet {
            print_summary(s, &result, &dir);
        }
    }
    Ok(())
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn print_summary(s: &Scenario, r: &citysim::metrics::RunResult, dir: &Path) {
    use citysim::units::format_duration;
    let total = r.total();
    let warm = if r.warmup_ns > 0 {
        format!(" ({} warm-up excluded)", format_duration(r.warmup_ns))
    } else {
        String::new()
    };
    println!(
        "{}: {} sensor{}, {} simulated{warm} in {:.2} s ({:.1}M events/s)",
        s.name,
        thousands(r.sensors()),
        if r.sensors() == 1 { "" } else { "s" },
        format_duration(r.duration_ns),
        r.wall_s,
        r.events as f64 / r.wall_s.max(1e-9) / 1e6
    );
    let latency = if total.delivered == 0 {
        "no latency (nothing delivered)".to_string()
    } else {
        format!(
            "latency mean {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            total.latency_mean_ms(),
            total.latency_quantile_ms(0.95),
            total.latency_quantile_ms(0.99),
            total.latency_max_ns as f64 / 1e6
        )
    };
    println!(
        "  delivered {:.2}% of {} readings; {latency}",
        total.delivery_ratio() * 100.0,
        thousands(total.generated),
    );
    let drops: Vec<String> = DropCause::ALL
        .iter()
        .map(|c| {
            format!(
                "{} {}",
                thousands(total.dropped[*c as usize]),
                c.column().trim_start_matches("dropped_").replace('_', " ")
            )
        })
        .collect();
    println!(
        "  dropped: {}; {} in flight at the end",
        drops.join(", "),
        thousands(total.in_flight)
    );
    for c in &r.classes {
        if c.flow.generated > 0 && c.flow.delivered == 0 {
            println!("  warning: class \"{}\" delivered nothing", c.name);
        }
    }
    println!("  results in {}/", dir.display());
}

fn cmd_bench(args: BenchArgs) -> Result<(), Failure> {
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
        println!(
            "{}",
            serde_json::to_string(&r).expect("JSON of plain values")
        );
    } else {
        println!(
            "bench_city: {} sensors, {} gateways, {} h simulated, {} queue",
            thousands(r.sensors),
            r.gateways,
            r.hours,
            r.queue
        );
        println!("  events processed   {}", thousands(r.events));
        println!("  readings generated {}", thousands(r.readings));
        println!("  build time         {:.3} s", r.build_s);
        println!("  wall time          {:.3} s (event loop)", r.wall_s);
        println!("  cpu time           {:.3} s (whole process)", r.cpu_s);
        println!("  events/s           {:.0}", r.events_per_s);
        println!("  readings/s         {:.0}", r.readings_per_s);
        println!(
            "  peak memory        {} bytes ({:.0} bytes/sensor)",
            thousands(r.peak_rss_bytes),
            r.bytes_per_sensor
        );
    }
    Ok(())
}
