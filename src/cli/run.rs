//! `citysim run` and `citysim validate`.

use super::args::{RunArgs, ValidateArgs};
use super::progress::{Progress, TaskBar};
use super::{
    check_memory, load, report_failure, runs_at_once, say, thousands, thread_pool, write_failure,
    Failure,
};
use citysim::metrics::DropCause;
use citysim::output;
use citysim::run::{run_full, run_single, QueueKind};
use citysim::scenario::Scenario;
use citysim::staging::{Owner, StageError, Staged};
use citysim::study::{run_parallel, TaskRow};
use citysim::units::{count_of, human_number};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

pub(crate) fn cmd_validate(args: ValidateArgs) -> Result<(), Failure> {
    let s = load(&args.scenario, &args.set, None)?;
    let relays: u64 = s.relays.iter().map(|r| u64::from(r.count)).sum();
    let gateways: u64 = s.gateways.iter().map(|g| u64::from(g.count)).sum();
    say!(
        "{}: ok ({}, {}, {}{}, {} simulated)",
        args.scenario.display(),
        count_of(s.sensors.len() as f64, "sensor class", "sensor classes"),
        count_of(s.sensor_count() as f64, "sensor", "sensors"),
        count_of(gateways as f64, "gateway", "gateways"),
        if relays > 0 {
            format!(", {}", count_of(relays as f64, "relay", "relays"))
        } else {
            String::new()
        },
        citysim::units::format_duration(s.simulation.duration_ns)
    );
    say!(
        "  about {} readings over the run; estimated peak memory: {}",
        thousands(s.expected_readings().round() as u64),
        citysim::model::budget::estimate(&s)
    );
    let parts = citysim::model::budget::access_groups(&s).len() + 1;
    if citysim::model::budget::runs_in_parts(&s) {
        say!(
            "  run on its own on several threads, in {parts} parts at once: about {} \
             (--threads-per-run 1: whole)",
            citysim::model::budget::human_bytes(citysim::model::budget::estimate_split(&s).bytes())
        );
    }
    for w in citysim::model::checks::warnings(&s) {
        say!("warning: {w}");
    }
    Ok(())
}

pub(crate) fn cmd_run(mut args: RunArgs) -> Result<(), Failure> {
    let loaded = load_all(&args)?;
    let reps = args.replications as usize;
    let jobs: Vec<(&Scenario, usize)> = loaded.iter().map(|s| (s, reps)).collect();
    let at_once = runs_at_once(args.threads, loaded.len() * reps);
    let several = loaded.len() > 1;
    // A run on its own may run in parts, each holding a copy of the city (see
    // `run_single`): by default on every thread, unless the parts would not fit.
    let single = !several && reps == 1;
    let per_run = match args.threads_per_run {
        Some(n) => n,
        None if single => runs_at_once(args.threads, usize::MAX),
        None => 1,
    };
    let split = single && per_run > 1;
    let fits = check_memory(&jobs, (at_once, split), args.max_memory);
    let per_run = match fits {
        Err(_) if split && args.threads_per_run.is_none() => {
            check_memory(&jobs, (at_once, false), args.max_memory)?;
            if !args.quiet {
                say!(
                    "note: {} is simulated whole: its parts, each with its own copy of the \
                     city, would not fit in memory (set --threads-per-run to insist)",
                    loaded[0].name
                );
            }
            1
        }
        fits => fits.map(|()| per_run)?,
    };
    args.per_run = per_run;
    let stages = loaded
        .iter()
        .map(|s| stage(&run_dir(&args, s, several), args.force))
        .collect::<Result<Vec<Staged>, Failure>>()?;
    if !several && args.replications == 1 {
        let stage = stages.into_iter().next().expect("one scenario");
        return run_one(&args, &loaded[0], stage);
    }
    let base = args.out.clone().unwrap_or_else(|| PathBuf::from("output"));
    let results = run_many(&args, &loaded, &stages)?;
    for (si, stage) in stages.iter().enumerate() {
        if args.replications > 1 {
            let mine: Vec<&Finished> = results.iter().filter(|f| f.scenario == si).collect();
            write_replicated(stage, &mine)?;
            if !args.no_report {
                citysim::report::replications::report_replications(stage.path())
                    .map_err(report_failure)?;
            }
        }
    }
    for (si, (s, stage)) in loaded.iter().zip(stages).enumerate() {
        let dir = stage.target().to_path_buf();
        stage.commit().map_err(stage_failure)?;
        if !args.quiet {
            let rows: Vec<TaskRow> = results
                .iter()
                .filter(|f| f.scenario == si)
                .map(|m| m.row.clone())
                .collect();
            print_replicated(s, &rows, &dir);
        }
    }
    if several {
        let rows: Vec<&Vec<String>> = results.iter().map(|r| &r.summary).collect();
        let path = base.join("summary.csv");
        output::write_atomic(&path, &summary_csv(&rows)).map_err(|e| write_failure(&path, e))?;
        if !args.quiet {
            say!("combined summary: {}", path.display());
        }
    }
    Ok(())
}

/// A staging folder for `dir` (see [`citysim::staging`]).
fn stage(dir: &Path, force: bool) -> Result<Staged, Failure> {
    Staged::begin(dir, Owner::Run, force).map_err(stage_failure)
}

pub(crate) fn stage_failure(e: StageError) -> Failure {
    Failure {
        code: match e {
            StageError::Foreign { .. } => 2,
            StageError::Io { .. } => 1,
        },
        message: e.to_string(),
    }
}

/// A run's files could not be written (the error names the file).
fn run_write_failure(e: std::io::Error) -> Failure {
    Failure {
        code: 1,
        message: format!("error: cannot write {e}"),
    }
}

/// A replicated scenario's `summary.csv` (a row per replication) and `aggregate.csv`.
fn write_replicated(stage: &Staged, mine: &[&Finished]) -> Result<(), Failure> {
    let dir = stage.path();
    let rows: Vec<&Vec<String>> = mine.iter().map(|m| &m.summary).collect();
    let path = dir.join("summary.csv");
    output::write_atomic(&path, &summary_csv(&rows)).map_err(|e| write_failure(&path, e))?;
    let tasks: Vec<TaskRow> = mine.iter().map(|m| m.row.clone()).collect();
    let path = dir.join("aggregate.csv");
    // The layout of a sweep's aggregate.csv: one point with no parameters.
    let agg = citysim::study::aggregate_csv(&[], &[Vec::new()], &tasks);
    output::write_atomic(&path, &agg).map_err(|e| write_failure(&path, e))
}

/// Every scenario named on the command line, or every problem found in them.
fn load_all(args: &RunArgs) -> Result<Vec<Scenario>, Failure> {
    let mut loaded: Vec<Scenario> = Vec::new();
    let mut problems = Vec::new();
    for path in &args.scenarios {
        match load(path, &args.set, args.seed) {
            Ok(s) => loaded.push(s),
            Err(f) => problems.push(f.message),
        }
    }
    for (i, s) in loaded.iter().enumerate() {
        if loaded[..i].iter().any(|o| o.name == s.name) {
            problems.push(format!(
                "error: two scenarios are named \"{}\"; their output folders would collide (set `name` in one of them)",
                s.name
            ));
        }
    }
    if problems.is_empty() {
        Ok(loaded)
    } else {
        Err(Failure {
            code: 2,
            message: problems.join("\n\n"),
        })
    }
}

/// Where scenario `s`'s results go: `--out` for a single scenario, else
/// `<out or output>/<name>`.
fn run_dir(args: &RunArgs, s: &Scenario, several: bool) -> PathBuf {
    match (&args.out, several) {
        (Some(out), false) => out.clone(),
        (Some(out), true) => out.join(&s.name),
        (None, _) => Path::new("output").join(&s.name),
    }
}

/// One scenario, one replication, with a progress bar and a summary on screen.
fn run_one(args: &RunArgs, s: &Scenario, stage: Staged) -> Result<(), Failure> {
    // Said only to whoever asked for threads per run.
    if args.threads_per_run.is_some_and(|n| n > 1) && !args.quiet {
        if !citysim::model::budget::runs_in_parts(s) {
            say!(
                "note: {} is simulated whole (--threads-per-run): its access networks form \
                 one group (they share gateways, or are all LoRa or all mesh) and its \
                 gateways' links lead straight to a sink, so no node behind them serves \
                 readings",
                s.name
            );
        } else if args.threads == Some(1) {
            say!(
                "note: {} is simulated whole: --threads 1 leaves no second thread",
                s.name
            );
        }
    }
    let mut progress = Progress::new(!args.quiet, s.name.clone());
    // The run's parallel parts (computing LoRa links, the access side and the core at
    // once) use --threads.
    let pool = thread_pool(args.threads)?;
    let (result, timing) = pool
        .install(|| {
            run_single(s, (0, args.per_run), args.per_sensor, &mut |f| {
                progress.update(f);
                true
            })
        })
        .expect("a run that is never cancelled completes");
    progress.finish();
    let tmp = stage.path();
    output::write_run(tmp, s, &result, &timing).map_err(run_write_failure)?;
    if !args.no_report {
        citysim::report::report_run(tmp).map_err(report_failure)?;
    }
    let dir = stage.target().to_path_buf();
    stage.commit().map_err(stage_failure)?;
    if !args.quiet {
        print_summary(s, (&result, &timing), &dir);
    }
    Ok(())
}

/// The first line of a run's summary: what was simulated, how fast, in how many parts.
fn headline(s: &Scenario, r: &citysim::metrics::RunResult, parts: usize) -> String {
    use citysim::units::format_duration;
    let parts = if parts > 1 {
        format!(", in {parts} parts at once")
    } else {
        String::new()
    };
    let warm = if r.warmup_ns > 0 {
        format!(" ({} warm-up excluded)", format_duration(r.warmup_ns))
    } else {
        String::new()
    };
    format!(
        "{}: {} sensor{}, {} simulated{warm} in {:.2} s ({:.1}M events/s){parts}",
        s.name,
        thousands(r.sensors()),
        if r.sensors() == 1 { "" } else { "s" },
        format_duration(r.duration_ns),
        r.wall_s,
        r.events as f64 / r.wall_s.max(1e-9) / 1e6
    )
}

/// What each part of a run in parts took, and what that leaves to gain from more
/// threads (None: a run whole).
fn parts_line(timing: &citysim::run::Timing) -> Option<String> {
    citysim::run::parts_summary(&timing.busy_s).map(|s| format!("  parts: {s}"))
}

/// A finished run of a multi-run: its scenario, `summary.csv` row and study row.
struct Finished {
    scenario: usize,
    summary: Vec<String>,
    row: TaskRow,
}

/// Every (scenario, replication) in parallel, each written to its folder; results in
/// task order.
fn run_many(
    args: &RunArgs,
    loaded: &[Scenario],
    stages: &[Staged],
) -> Result<Vec<Finished>, Failure> {
    let reps = args.replications;
    let jobs: Vec<(usize, u32)> = (0..loaded.len())
        .flat_map(|s| (0..reps).map(move |r| (s, r)))
        .collect();
    let pool = thread_pool(args.threads)?;
    let bar = TaskBar::new(!args.quiet, "runs");
    let done = AtomicUsize::new(0);
    let job = |&(si, r): &(usize, u32)| -> Result<Finished, Failure> {
        let s = &loaded[si];
        let dir = match reps {
            1 => stages[si].path().to_path_buf(),
            _ => stages[si].path().join(format!("rep-{r}")),
        };
        let (result, timing) = run_full(s, r, QueueKind::Radix, args.per_sensor, &mut |_| true)
            .expect("a run that is never cancelled completes");
        output::write_run(&dir, s, &result, &timing).map_err(run_write_failure)?;
        if !args.no_report {
            citysim::report::report_run(&dir).map_err(report_failure)?;
        }
        Ok(Finished {
            scenario: si,
            summary: output::summary_row(&result),
            row: TaskRow::from_result(r as usize, 0, &result),
        })
    };
    let tick = |_: &(usize, u32), _: &Finished| {
        bar.tick(done.fetch_add(1, Ordering::Relaxed) + 1, jobs.len());
        Ok(())
    };
    let results = pool.install(|| run_parallel(&jobs, job, tick));
    bar.finish();
    Ok(results?.into_iter().flatten().collect())
}

/// A `summary.csv` of these rows.
fn summary_csv(rows: &[&Vec<String>]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(output::summary_header()).expect("memory");
    for r in rows {
        w.write_record(*r).expect("memory");
    }
    w.into_inner().expect("memory")
}

/// One line per scenario of a multi-run: the headline metrics with their 95% CI.
pub(crate) fn print_replicated(s: &Scenario, rows: &[citysim::study::TaskRow], dir: &Path) {
    let cols = citysim::study::metric_columns();
    let stat = |name: &str| -> String {
        let m = cols.iter().position(|c| c == name).expect("known metric");
        let xs: Vec<f64> = rows
            .iter()
            .filter_map(|r| r.cells[m].parse::<f64>().ok())
            .collect();
        match xs.len() {
            0 => "n/a".into(),
            1 => human_number(xs[0]),
            _ => {
                let (mean, half) = citysim::stats::mean_ci(&xs, 0.95);
                citysim::units::human_interval(mean, half)
            }
        }
    };
    say!(
        "{}: {} run{}; delivery_ratio {}, latency_p95_ms {} (95% CI); results in {}/",
        s.name,
        rows.len(),
        if rows.len() == 1 { "" } else { "s" },
        stat("delivery_ratio"),
        stat("latency_p95_ms"),
        dir.display()
    );
}

/// Which mesh relays were up without a route to a border gateway, in words (None when
/// every relay always had one).
fn relays_without_route(
    relays: &[citysim::metrics::RelayResult],
    measured_s: f64,
) -> Option<String> {
    let cut: Vec<&citysim::metrics::RelayResult> =
        relays.iter().filter(|x| x.no_route_s > 0.0).collect();
    let worst = cut
        .iter()
        .max_by(|a, b| a.no_route_s.total_cmp(&b.no_route_s))?;
    Some(format!(
        "{} of {} relays were up without a route to a border gateway (longest: {}, {} of the \
         {} measured); sensors that hear only them lose their readings (dropped_no_route); \
         see relays.csv",
        cut.len(),
        relays.len(),
        worst.name,
        citysim::units::human_duration_ms(worst.no_route_s * 1e3),
        citysim::units::human_duration_ms(measured_s * 1e3)
    ))
}

/// Battery-powered relays that last under a year, in words (None when none does): a
/// router's receiver listens whenever it is up, which few batteries sustain.
fn relays_short_lived(relays: &[citysim::metrics::RelayResult]) -> Option<String> {
    const YEAR_S: f64 = 365.25 * 86_400.0;
    let short: Vec<&citysim::metrics::RelayResult> = relays
        .iter()
        .filter(|x| x.battery_life_s.is_some_and(|l| l < YEAR_S))
        .collect();
    let worst = short.iter().min_by(|a, b| {
        let l = |x: &citysim::metrics::RelayResult| x.battery_life_s.unwrap_or(f64::INFINITY);
        l(a).total_cmp(&l(b))
    })?;
    let up_s = worst.listen_s + worst.tx_s;
    Some(format!(
        "{} of {} battery-powered relays last under a year (shortest: {}, {:.0} days, \
         drawing {:.1} mA on average): a router's receiver is on whenever it is up; \
         mains power is what routers need; see relays.csv",
        short.len(),
        relays.iter().filter(|x| x.battery_life_s.is_some()).count(),
        worst.name,
        worst.battery_life_s.unwrap_or(0.0) / 86_400.0,
        worst.charge_c / up_s.max(f64::MIN_POSITIVE) * 1e3
    ))
}

/// Where NB-IoT and LTE-M random access saturated, in words: cells with a time bucket in
/// which most of at least 100 preambles collided, or with readings that gave up (None
/// when none did).
fn random_access_saturated(r: &citysim::metrics::RunResult) -> Option<String> {
    // (cell, bucket, attempts, collided share) of each saturated cell's worst bucket.
    let worst_bucket = |c: &citysim::metrics::CellResult| {
        c.series
            .iter()
            .enumerate()
            .filter(|(_, &(a, _))| a >= 100)
            .map(|(i, &(a, h))| (i, a, 1.0 - h as f64 / a as f64))
            .max_by(|x, y| x.2.total_cmp(&y.2))
    };
    let saturated: Vec<(&citysim::metrics::CellResult, (usize, u64, f64))> = r
        .cells
        .iter()
        .filter_map(|c| worst_bucket(c).map(|w| (c, w)))
        .filter(|(c, w)| w.2 > 0.5 || c.ra_failed > 0)
        .collect();
    let (cell, (bucket, attempts, share)) =
        saturated.iter().max_by(|a, b| a.1 .2.total_cmp(&b.1 .2))?;
    let lost: u64 = r.cells.iter().map(|c| c.ra_failed).sum();
    let at_s = *bucket as f64 * r.bucket_ns as f64 * 1e-9;
    Some(format!(
        "random access saturated at {} of {} NB-IoT/LTE-M cells (worst: {} ({}), {:.0}% of {} preambles collided in the {} from {}); {} readings gave up (dropped_random_access). More preambles or opportunities (`preambles`, `ra_period`), more sites, or readings spread over time (a class's `jitter`, an incident's alarm `spread`) relieve it; see cells.csv and the random-access chart",
        saturated.len(),
        r.cells.len(),
        cell.name,
        cell.kind,
        share * 100.0,
        human_number(*attempts as f64),
        citysim::units::format_duration(r.bucket_ns),
        citysim::units::format_duration((at_s * 1e9) as u64),
        human_number(lost as f64)
    ))
}

pub(crate) fn print_summary(
    s: &Scenario,
    (r, timing): (&citysim::metrics::RunResult, &citysim::run::Timing),
    dir: &Path,
) {
    let total = r.total();
    say!("{}", headline(s, r, timing.parts));
    if let Some(line) = parts_line(timing) {
        say!("{line}");
    }
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
    say!(
        "  delivered {:.2}% of {} readings; {latency}",
        total.delivery_ratio() * 100.0,
        thousands(total.generated),
    );
    // The causes that lost something (every cause is a column of summary.csv).
    let drops: Vec<String> = DropCause::ALL
        .iter()
        .filter(|c| total.dropped[**c as usize] > 0)
        .map(|c| {
            format!(
                "{} {}",
                thousands(total.dropped[*c as usize]),
                c.column().trim_start_matches("dropped_").replace('_', " ")
            )
        })
        .collect();
    let drops = if drops.is_empty() {
        "none".to_string()
    } else {
        drops.join(", ")
    };
    say!(
        "  dropped: {drops}; {} in flight at the end",
        thousands(total.in_flight)
    );
    for c in &r.classes {
        if c.flow.generated > 0 && c.flow.delivered == 0 {
            say!("  warning: class \"{}\" delivered nothing", c.name);
        }
    }
    for w in citysim::model::checks::warnings(s) {
        say!("  warning: {w}");
    }
    if let Some(w) = relays_without_route(&r.relays, r.measured_s()) {
        say!("  warning: {w}");
    }
    if let Some(w) = relays_short_lived(&r.relays) {
        say!("  warning: {w}");
    }
    if let Some(w) = random_access_saturated(r) {
        say!("  warning: {w}");
    }
    if total.generated > 0 && total.in_flight * 20 > total.generated {
        say!(
            "  warning: {:.1}% of readings were still waiting or travelling at the end: a queue is growing",
            total.in_flight as f64 / total.generated as f64 * 100.0
        );
    }
    say!("  results in {}/", dir.display());
}
