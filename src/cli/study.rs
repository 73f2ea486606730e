//! `citysim sweep`, `tune` and `merge`, and sweeps on a Slurm cluster.

use super::args::{MergeArgs, SweepArgs, TuneArgs};
use super::progress::TaskBar;
use super::{
    check_memory, missing_section, runs_at_once, say, study_failure, study_output, thread_pool,
    Failure,
};
use citysim::scenario::{self, TuneSpec};
use citysim::study::{Assessment, TuneOutcome};
use citysim::units::human_number;
use std::path::Path;

pub(crate) fn cmd_sweep(args: SweepArgs) -> Result<(), Failure> {
    use citysim::study::{self, Shard, SweepError, SweepOptions};
    let to_failure = |e: SweepError| Failure::from(e);
    let shard = match &args.shard {
        Some(text) => Shard::parse(text).map_err(|m| Failure {
            code: 2,
            message: format!("error: {m}"),
        })?,
        None => Shard::ALL,
    };
    let study = scenario::load_study(&args.scenario, &args.set)?;
    if study.sweep.is_none() {
        return Err(missing_section(
            &args.scenario,
            "sweep",
            "Sweeps and replications",
            " or use `citysim run`",
        ));
    }
    let (name, out) = study_output(&study, &args.out, "sweep")?;
    if args.slurm {
        return slurm_sweep(&args, &name, &out);
    }
    check_sweep_memory(&study, args.threads, args.max_memory)?;
    let opts = SweepOptions {
        out: out.clone(),
        resume: args.resume,
        shard,
        keep_runs: args.keep_runs,
        force: args.force,
    };
    stop_on_ctrl_c();
    let pool = thread_pool(args.threads)?;
    let bar = TaskBar::new(!args.quiet, "tasks");
    let outcome = pool.install(|| study::sweep(&study, &opts, &|d, t, m| bar.tick_with(d, t, m)));
    bar.finish();
    let outcome = outcome.map_err(|e| {
        let mut f = to_failure(e);
        if f.code == 130 {
            let shard_arg = args
                .shard
                .as_ref()
                .map(|s| format!(" --shard {s}"))
                .unwrap_or_default();
            f.message.push_str(&format!(
                "\nresume with: citysim sweep {} --out {}{shard_arg} --resume",
                args.scenario.display(),
                out.display()
            ));
        }
        f
    })?;
    if !args.quiet {
        say!(
            "{name}: {} tasks ({} run now, {} from the journal) in {}/",
            outcome.tasks,
            outcome.ran,
            outcome.tasks - outcome.ran,
            out.display()
        );
        for f in &outcome.files {
            say!("  {}", f.display());
        }
        if out.join("aggregate.csv").is_file() {
            let answer =
                citysim::report::sweep::sweep_answer(&out).map_err(super::report_failure)?;
            say!("{answer}");
        }
    }
    Ok(())
}

/// The sweep's largest points, as many at once as the pool runs, within the budget:
/// the first point and, for each parameter, the points of its largest and smallest
/// numeric value (counts drive memory), so that a sweep of a million points is checked
/// in a few loads.
fn check_sweep_memory(
    study: &scenario::Study,
    threads: Option<usize>,
    max: Option<f64>,
) -> Result<(), Failure> {
    let Some(sw) = &study.sweep else {
        return Ok(());
    };
    let mut picked = vec![0];
    for p in 0..sw.params.len() {
        let numbers: Vec<(usize, f64)> = (0..sw.points.len())
            .filter_map(|i| {
                let v = sw.points[i][p].as_ref()?;
                Some((i, scenario::label(v).parse::<f64>().ok()?))
            })
            .collect();
        let by = |a: &&(usize, f64), b: &&(usize, f64)| a.1.total_cmp(&b.1);
        picked.extend(numbers.iter().max_by(by).map(|m| m.0));
        picked.extend(numbers.iter().min_by(by).map(|m| m.0));
    }
    picked.sort_unstable();
    picked.dedup();
    let points = picked
        .iter()
        .map(|&i| study.point(i))
        .collect::<Result<Vec<_>, _>>()?;
    let tasks = sw.points.len() * sw.replications as usize;
    let copies = (sw.replications as usize).max(tasks / points.len().max(1));
    let jobs: Vec<(&scenario::Scenario, usize)> = points.iter().map(|p| (p, copies)).collect();
    check_memory(&jobs, (runs_at_once(threads, tasks), false), max)
}

/// The tuning's base and both corners of its domain (the largest candidates of
/// count-like variables), as many at once as the pool runs, within the budget.
fn check_tune_memory(
    study: &scenario::Study,
    spec: &TuneSpec,
    threads: Option<usize>,
    max: Option<f64>,
) -> Result<(), Failure> {
    // The base and both corners of the domain: the largest candidates of count-like
    // variables.
    let mut candidates = vec![study.base()?];
    for f in [0.0, 1.0] {
        let values: Vec<(String, scenario::Node)> = spec
            .variables
            .iter()
            .map(|v| (v.path.clone(), v.node(v.corner(f))))
            .collect();
        candidates.extend(study.with_values(&values).ok());
    }
    // Any candidate may run beside any other: as many copies of each as run at once.
    let at_once = runs_at_once(threads, spec.budget as usize);
    let jobs: Vec<(&scenario::Scenario, usize)> = candidates.iter().map(|c| (c, at_once)).collect();
    check_memory(&jobs, (at_once, false), max)?;
    Ok(())
}

/// Which constraints the closest candidate missed, by how much, and what to change.
fn closest_words(spec: &TuneSpec, outcome: &TuneOutcome) -> String {
    let Some((labels, a)) = &outcome.closest else {
        return String::new();
    };
    let values: Vec<String> = spec
        .variables
        .iter()
        .zip(labels)
        .map(|(v, l)| format!("{} = {l}", v.path))
        .collect();
    let mut out = format!("\nclosest: {}", values.join(", "));
    for (c, &(mean, bound)) in spec.constraints.iter().zip(&a.constraints) {
        let met = if c.at_least {
            bound >= c.value
        } else {
            bound <= c.value
        };
        out.push_str(&format!(
            "\n  {}: {} (mean {}, 95% bound {})",
            c.text,
            if met { "met" } else { "missed" },
            human_number(mean),
            human_number(bound)
        ));
    }
    out.push_str(
        "\nwiden the variables' ranges past the closest value, raise `budget` or \
         `max_replications`, or relax the missed constraint",
    );
    out
}

/// The first Ctrl-C lets running tasks finish and starts no new one (the journal keeps
/// them); a second quits at once.
pub(crate) fn stop_on_ctrl_c() {
    let _ = ctrlc::set_handler(|| {
        if citysim::study::STOP.swap(true, std::sync::atomic::Ordering::Relaxed) {
            std::process::exit(130);
        }
        eprintln!("\nstopping: finishing nothing new; press Ctrl-C again to quit at once");
    });
}

pub(crate) fn cmd_tune(args: TuneArgs) -> Result<(), Failure> {
    use citysim::study;
    let study = scenario::load_study(&args.scenario, &args.set)?;
    let Some(spec) = &study.tune else {
        return Err(missing_section(&args.scenario, "tune", "Tuning", ""));
    };
    let (name, out) = study_output(&study, &args.out, "tune")?;
    check_tune_memory(&study, spec, args.threads, args.max_memory)?;
    let pool = thread_pool(args.threads)?;
    let bar = TaskBar::open_ended(!args.quiet, "runs");
    let opts = study::TuneOptions {
        out: out.clone(),
        resume: args.resume,
        force: args.force,
    };
    stop_on_ctrl_c();
    let outcome = pool.install(|| study::tune(&study, &opts, &|d, t, m| bar.tick_with(d, t, m)));
    bar.finish();
    let outcome = outcome.map_err(|e| {
        let resume = format!(
            "resume with: citysim tune {} --out {} --resume",
            args.scenario.display(),
            out.display()
        );
        study_failure(e, resume)
    })?;
    let none_feasible = || {
        Failure {
        code: 1,
        message: format!(
            "{name}: no candidate met every constraint with 95% confidence after {} runs ({} candidates); see {}{}",
            outcome.runs,
            outcome.candidates,
            out.join("trials.csv").display(),
            closest_words(spec, &outcome)
        ),
    }
    };
    if spec.objectives.len() > 1 {
        if outcome.front.is_empty() {
            return Err(none_feasible());
        }
        if !args.quiet {
            print_front(&name, spec, &outcome);
        }
        return Ok(());
    }
    let Some(best) = &outcome.best else {
        return Err(none_feasible());
    };
    if !args.quiet {
        print_best(&name, spec, &outcome, best);
    }
    Ok(())
}

pub(crate) fn slurm_sweep(args: &SweepArgs, name: &str, out: &Path) -> Result<(), Failure> {
    use citysim::study::slurm::{self, SlurmOptions};
    let fail = |e: citysim::study::SweepError| Failure {
        code: if matches!(e, citysim::study::SweepError::Input(_)) {
            2
        } else {
            1
        },
        message: e.to_string(),
    };
    if args.shard.is_some() {
        return Err(Failure {
            code: 2,
            message: "error: --slurm makes its own shards; leave out --shard".into(),
        });
    }
    let opts = SlurmOptions {
        array_size: args.array_size,
        partition: args.partition.clone(),
        time: args.time.clone(),
        cpus: args.cpus_per_task,
    };
    let plan = slurm::write_plan(&args.scenario, &args.set, name, out, &opts).map_err(fail)?;
    let (a, m) = (plan.array_script.display(), plan.merge_script.display());
    if !args.submit {
        say!("wrote {a}\n  and {m}");
        say!("submit with:\n  jobid=$(sbatch --parsable {a})\n  sbatch --dependency=afterok:$jobid {m}");
        say!(
            "a failed task K is resubmitted alone with `sbatch --array=K {a}` (it resumes); then submit {m} again, depending on it"
        );
        return Ok(());
    }
    let (array_id, merge_id) = slurm::submit(&plan).map_err(fail)?;
    say!(
        "submitted job array {array_id} ({} tasks) and merge job {merge_id} (after all succeed)",
        plan.shards
    );
    say!(
        "results: {}/ (aggregate.csv, report.html) when job {merge_id} has run",
        plan.out.display()
    );
    say!("watch: squeue -j {array_id},{merge_id}; a failed task K: sbatch --array=K {a}, then sbatch --dependency=afterok:<new id> {m}");
    Ok(())
}

pub(crate) fn cmd_merge(args: MergeArgs) -> Result<(), Failure> {
    use citysim::study::{self, SweepError};
    let files = study::merge(&args.dirs, &args.out, args.force).map_err(|e| Failure {
        code: if matches!(e, SweepError::Io(_)) { 1 } else { 2 },
        message: e.to_string(),
    })?;
    say!(
        "merged {} shard folders into {}/",
        args.dirs.len(),
        args.out.display()
    );
    for f in files {
        say!("  {}", f.display());
    }
    Ok(())
}

/// The Pareto front found by a two-objective tuning, on screen.
fn print_front(name: &str, spec: &TuneSpec, outcome: &TuneOutcome) {
    say!(
        "{name}: Pareto front of {} candidates out of {} in {} runs ({} ; {})",
        outcome.front.len(),
        outcome.candidates,
        outcome.runs,
        spec.objectives[0].describe(),
        spec.objectives[1].describe()
    );
    for (values, a) in &outcome.front {
        let vars: Vec<String> = spec
            .variables
            .iter()
            .zip(values)
            .map(|(v, x)| format!("{} = {x}", v.path))
            .collect();
        say!(
            "  {}  ->  {} ; {}",
            vars.join(", "),
            human_number(a.objectives[0]),
            human_number(a.objectives[1])
        );
    }
    for f in &outcome.files {
        say!("  {}", f.display());
    }
}

/// The best candidate of a one-objective tuning, on screen.
fn print_best(
    name: &str,
    spec: &TuneSpec,
    outcome: &TuneOutcome,
    best: &(Vec<String>, Assessment),
) {
    let (values, a) = best;
    say!(
        "{name}: best of {} candidates in {} runs",
        outcome.candidates,
        outcome.runs
    );
    for (v, val) in spec.variables.iter().zip(values) {
        say!("  {} = {val}", v.path);
    }
    say!(
        "  {} = {}",
        spec.objectives[0].describe(),
        human_number(a.objectives[0])
    );
    for (c, (m, b)) in spec.constraints.iter().zip(&a.constraints) {
        say!(
            "  {}: mean {}, 95% bound {}",
            c.text,
            human_number(*m),
            human_number(*b)
        );
    }
    for f in &outcome.files {
        say!("  {}", f.display());
    }
}
