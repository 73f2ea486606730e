//! `citysim site`: which candidate sites get a gateway.

use super::args::SiteArgs;
use super::progress::TaskBar;
use super::study::stop_on_ctrl_c;
use super::{check_memory, runs_at_once, say, study_failure, study_output, thread_pool, Failure};
use citysim::scenario;
use citysim::study::{self, Goal, SiteOptions};
use citysim::units::human_number;

pub(crate) fn cmd_site(args: SiteArgs) -> Result<(), Failure> {
    let bad = |message: String| Failure { code: 2, message };
    let study = scenario::load_study(&args.scenario, &args.set)?;
    let goal = match (&args.count, &args.until) {
        (Some(k), _) => Goal::Count(*k as usize),
        (None, Some(text)) => {
            Goal::Until(study::parse_constraint(text).map_err(|e| bad(format!("error: {e}")))?)
        }
        (None, None) => unreachable!("clap requires --count or --until"),
    };
    if let Goal::Count(_) = goal {
        citysim::study::check_metric(&args.metric)
            .map_err(|e| bad(format!("error: --metric: {e}")))?;
    }
    if args.max_replications < args.replications {
        return Err(bad(format!(
            "error: --max-replications {} is below --replications {}",
            args.max_replications, args.replications
        )));
    }
    let (name, out) = study_output(&study, &args.out, "site")?;
    let out = out.as_path();
    let base = study.base()?;
    check_memory(
        &[(&base, runs_at_once(args.threads, args.budget as usize))],
        (runs_at_once(args.threads, args.budget as usize), false),
        None,
    )?;
    let pool = thread_pool(args.threads)?;
    let opts = SiteOptions {
        candidates: args.candidates.clone(),
        goal,
        metric: args.metric.clone(),
        group: args.group.clone(),
        replace: args.replace,
        replications: args.replications,
        max_replications: args.max_replications,
        budget: args.budget,
        out: out.to_path_buf(),
        resume: args.resume,
        force: args.force,
    };
    let bar = TaskBar::open_ended(!args.quiet, "runs");
    stop_on_ctrl_c();
    let outcome = pool.install(|| study::site(&study, &opts, &|d, t, m| bar.tick_with(d, t, m)));
    bar.finish();
    let outcome = outcome.map_err(|e| {
        let resume = format!(
            "resume with the same command and --resume (output in {})",
            out.display()
        );
        study_failure(e, resume)
    })?;
    print_outcome(&name, &args, out, &outcome)
}

/// The chosen sites and how they compare with a grid; an error when none was feasible.
fn print_outcome(
    name: &str,
    args: &SiteArgs,
    out: &std::path::Path,
    outcome: &citysim::study::SiteOutcome,
) -> Result<(), Failure> {
    let (metric, mean, bound, reps) = &outcome.metric;
    let names: Vec<&str> = outcome.chosen.iter().map(|s| s.name.as_str()).collect();
    let grid = outcome.grid.map_or(String::new(), |(n, m, b)| {
        format!(
            "\n  a grid of {n} gateways instead: {metric} {} (95% bound {})",
            human_number(m),
            human_number(b)
        )
    });
    let summary = format!(
        "{metric} {} (95% bound {}, {reps} replications){grid}\n  files in {}",
        human_number(*mean),
        human_number(*bound),
        out.display()
    );
    if !outcome.feasible {
        return Err(Failure {
            code: 1,
            message: format!(
                "{name}: no set of sites met {} at its 95% bound within {} runs, even all {} candidates: {summary}\n  add candidate sites, raise --budget or --max-replications, or relax the constraint",
                args.until.as_deref().unwrap_or(""),
                outcome.runs,
                outcome.chosen.len()
            ),
        });
    }
    if !args.quiet {
        say!(
            "{name}: {} sites chosen ({} kept) in {} runs: {}\n  {summary}",
            outcome.chosen.len(),
            outcome.kept,
            outcome.runs,
            names.join(", ")
        );
    }
    Ok(())
}
