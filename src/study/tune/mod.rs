//! Tuning: search the `[tune]` variables for the best objective whose constraints are
//! met with 95% confidence.
//!
//! A candidate is a point of the search space; it is evaluated by running
//! `replications` independent replications (more, up to `max_replications`, while one
//! of its constraints is undecided: its mean meets the threshold but its confidence
//! bound does not, or the other way round). A constraint counts as met only when the
//! 95% confidence bound on the right side meets it.
//!
//! Methods: a Latin-hypercube design, then refinement around the incumbent with
//! shrinking steps (`search`); or bisection for the smallest value of one integer
//! variable that meets the constraints (`bisection`, chosen by `auto` when the objective
//! only grows with that variable).

mod files;

use super::run_parallel;
use super::{check_study_folder, io_err, journal, Journal, SweepError, TaskRow, STOP};
use crate::engine::{stream, Stream};
use crate::output;
use crate::run::{run, QueueKind};
use crate::scenario::{Domain, Method, Node, Study, TuneSpec};
use crate::stats::mean_ci;
use rand::Rng;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// One candidate and its replications so far.
#[derive(Debug, Clone)]
struct Candidate {
    x: Vec<f64>,
    rows: Vec<TaskRow>,
}

/// What is known of a candidate after its replications.
#[derive(Debug, Clone)]
pub struct Assessment {
    /// Objectives, as written (maximised ones are not negated here).
    pub objectives: Vec<f64>,
    /// Per constraint: mean and the confidence bound on the constraint's side.
    pub constraints: Vec<(f64, f64)>,
    /// Every constraint met by its bound.
    pub feasible: bool,
    /// Some constraint's mean and bound disagree: more replications may decide it.
    pub undecided: bool,
    /// How far the bounds miss their thresholds, relative (0 when feasible).
    pub violation: f64,
}

/// The result of a tuning run.
#[derive(Debug)]
pub struct TuneOutcome {
    /// Runs used.
    pub runs: u32,
    /// Candidates evaluated.
    pub candidates: usize,
    /// The best feasible candidate (one objective): its values (as written in the
    /// scenario) and assessment.
    pub best: Option<(Vec<String>, Assessment)>,
    /// The Pareto front of the feasible candidates (two objectives), by first objective.
    pub front: Vec<(Vec<String>, Assessment)>,
    /// When no candidate is feasible: the one that came closest (least violation).
    pub closest: Option<(Vec<String>, Assessment)>,
    /// Files written.
    pub files: Vec<PathBuf>,
}

/// A Latin hypercube design of `n0` points over the unit cube, mapped to each
/// variable's domain.
fn latin_hypercube(spec: &TuneSpec, n0: usize, rng: &mut Stream) -> Vec<Vec<f64>> {
    let dims = spec.variables.len();
    let mut design: Vec<Vec<f64>> = vec![Vec::with_capacity(dims); n0];
    for v in &spec.variables {
        let mut u: Vec<f64> = (0..n0)
            .map(|i| (i as f64 + rng.random::<f64>()) / n0 as f64)
            .collect();
        for i in (1..n0).rev() {
            let j = rng.random_range(0..=i);
            u.swap(i, j);
        }
        for (p, ui) in design.iter_mut().zip(u) {
            p.push(unit_to_coord(&v.domain, ui));
        }
    }
    design
}

/// Where and how a tuning runs.
#[derive(Debug, Clone)]
pub struct TuneOptions {
    /// Output folder.
    pub out: PathBuf,
    /// Continue an interrupted tuning in `out`: runs its journal records are not run
    /// again (the search replays them and goes on).
    pub resume: bool,
    /// Write into `out` even if it holds files citysim did not write.
    pub force: bool,
}

struct Tuner<'a> {
    study: &'a Study,
    spec: &'a TuneSpec,
    /// Runs recorded by an earlier, interrupted tuning: (candidate, replication) to row.
    /// The search is deterministic, so a replay asks for them in the same order.
    recorded: HashMap<(usize, u32), TaskRow>,
    journal: Mutex<Journal>,
    journal_path: PathBuf,
    cands: Vec<Candidate>,
    /// (candidate, phase, replications after the round) per evaluation round.
    log: Vec<(usize, &'static str, usize)>,
    runs: u32,
    tick: &'a (dyn Fn(usize, usize, &str) + Sync),
}

impl<'a> Tuner<'a> {
    fn values(&self, x: &[f64]) -> Vec<(String, Node)> {
        self.spec
            .variables
            .iter()
            .zip(x)
            .map(|(v, &xi)| (v.path.clone(), v.node(xi)))
            .collect()
    }

    /// Canonical coordinates: integers and choices rounded.
    fn canon(&self, x: Vec<f64>) -> Vec<f64> {
        self.spec
            .variables
            .iter()
            .zip(x)
            .map(|(v, xi)| match &v.domain {
                Domain::Int(a, b) => xi.round().clamp(*a as f64, *b as f64),
                Domain::Choice(items) => xi.round().clamp(0.0, (items.len() - 1) as f64),
                Domain::Real { min, max, .. } => xi.clamp(*min, *max),
            })
            .collect()
    }

    fn find_or_add(&mut self, x: Vec<f64>) -> (usize, bool) {
        let x = self.canon(x);
        if let Some(i) = self.cands.iter().position(|c| c.x == x) {
            return (i, false);
        }
        self.cands.push(Candidate {
            x,
            rows: Vec::new(),
        });
        (self.cands.len() - 1, true)
    }

    /// Runs `extra` more replications of each listed candidate, in parallel, within
    /// the budget.
    fn evaluate(&mut self, batch: &[(usize, u32)], phase: &'static str) -> Result<(), SweepError> {
        let mut tasks = Vec::new();
        for &(c, extra) in batch {
            let have = self.cands[c].rows.len() as u32;
            for r in have..have + extra {
                if self.runs + tasks.len() as u32 >= self.spec.budget {
                    break;
                }
                tasks.push((c, r));
            }
        }
        if tasks.is_empty() {
            return Ok(());
        }
        let scenarios: Vec<_> = batch
            .iter()
            .map(|&(c, _)| {
                self.study
                    .with_values(&self.values(&self.cands[c].x))
                    .map(|s| (c, s))
            })
            .collect::<Result<_, _>>()?;
        let run_one = |&(c, r): &(usize, u32)| -> Result<(usize, TaskRow), SweepError> {
            if let Some(row) = self.recorded.get(&(c, r)) {
                return Ok((c, row.clone()));
            }
            let s = &scenarios
                .iter()
                .find(|(i, _)| *i == c)
                .expect("scenario built")
                .1;
            let (result, _) = run(s, r, QueueKind::Radix, &mut |_| {});
            let row = TaskRow::from_result(r as usize, c, &result);
            self.journal
                .lock()
                .expect("no panic while holding the lock")
                .append(&row)?;
            Ok((c, row))
        };
        let rows: Vec<(usize, TaskRow)> = run_parallel(&tasks, run_one, |_, _| Ok(()))?
            .into_iter()
            .flatten()
            .collect();
        if rows.len() < tasks.len() || STOP.load(std::sync::atomic::Ordering::Relaxed) {
            let done = self.runs as usize + rows.len();
            return Err(SweepError::Interrupted {
                done,
                total: self.spec.budget as usize,
                journal: self.journal_path.display().to_string(),
            });
        }
        self.runs += rows.len() as u32;
        for (c, row) in rows {
            self.cands[c].rows.push(row);
        }
        for &(c, _) in batch {
            let n = self.cands[c].rows.len();
            if self.log.last() != Some(&(c, phase, n)) && n > 0 {
                self.log.push((c, phase, n));
            }
        }
        let best = match self.incumbent().filter(|&c| self.assess(c).feasible) {
            Some(c) => format!(
                "best feasible objective {}",
                crate::units::human_number(self.assess(c).objectives[0])
            ),
            None => "no feasible candidate yet".to_string(),
        };
        (self.tick)(self.runs as usize, self.spec.budget as usize, &best);
        Ok(())
    }

    fn assess(&self, c: usize) -> Assessment {
        assess_rows(self.study, self.spec, &self.cands[c].x, &self.cands[c].rows)
    }

    /// Key for ranking: feasible first by (first) objective, minimised, then by violation.
    fn rank(&self, c: usize) -> (u8, f64, usize) {
        let a = self.assess(c);
        let obj = score(self.spec, &a)[0];
        if a.feasible {
            (0, obj, c)
        } else {
            (1, a.violation, c)
        }
    }

    /// Feasible candidates no other feasible candidate dominates, by first objective.
    fn front(&self) -> Vec<usize> {
        let scored: Vec<(usize, Vec<f64>)> = (0..self.cands.len())
            .filter(|&c| !self.cands[c].rows.is_empty())
            .filter_map(|c| {
                let a = self.assess(c);
                a.feasible.then(|| (c, score(self.spec, &a)))
            })
            .collect();
        let dominates = |a: &[f64], b: &[f64]| {
            a.iter().zip(b).all(|(x, y)| x <= y) && a.iter().zip(b).any(|(x, y)| x < y)
        };
        let mut front: Vec<(usize, Vec<f64>)> = scored
            .iter()
            .filter(|(_, s)| !scored.iter().any(|(_, o)| dominates(o, s)))
            .cloned()
            .collect();
        front.sort_by(|a, b| {
            a.1.partial_cmp(&b.1)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(a.0.cmp(&b.0))
        });
        front.dedup_by(|a, b| a.1 == b.1);
        front.into_iter().map(|(c, _)| c).collect()
    }

    fn incumbent(&self) -> Option<usize> {
        (0..self.cands.len())
            .filter(|&c| !self.cands[c].rows.is_empty())
            .min_by(|&a, &b| {
                self.rank(a)
                    .partial_cmp(&self.rank(b))
                    .expect("no NaN in ranks")
            })
    }

    /// Adds replications to a candidate while it is undecided.
    fn settle(&mut self, c: usize, phase: &'static str) -> Result<(), SweepError> {
        while self.assess(c).undecided
            && (self.cands[c].rows.len() as u32) < self.spec.max_replications
            && self.runs < self.spec.budget
        {
            let have = self.cands[c].rows.len() as u32;
            let extra = have.min(self.spec.max_replications - have).max(1);
            self.evaluate(&[(c, extra)], phase)?;
        }
        Ok(())
    }

    fn bisection(&mut self) -> Result<(), SweepError> {
        let Domain::Int(lo, hi) = self.spec.variables[0].domain else {
            unreachable!("bisection is validated to have one integer variable")
        };
        let r = self.spec.replications;
        let probe = |t: &mut Self, v: i64| -> Result<bool, SweepError> {
            let (c, new) = t.find_or_add(vec![v as f64]);
            if new {
                t.evaluate(&[(c, r)], "bisect")?;
            }
            t.settle(c, "replicate")?;
            Ok(t.assess(c).feasible)
        };
        let (mut lo, mut hi) = (lo, hi);
        if !probe(self, hi)? {
            return Ok(());
        }
        while lo < hi && self.runs < self.spec.budget {
            let mid = lo + (hi - lo) / 2;
            if probe(self, mid)? {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        Ok(())
    }

    /// Up to four new candidates near candidate `inc`, each coordinate moved by up to
    /// `step` of its domain (at most 40 tries), each to be run the base replications.
    fn neighbours(&mut self, inc: usize, step: f64, rng: &mut Stream) -> Vec<(usize, u32)> {
        let r = self.spec.replications;
        let base = self.cands[inc].x.clone();
        let mut batch = Vec::new();
        for _ in 0..40 {
            if batch.len() >= 4 {
                break;
            }
            let x: Vec<f64> = self
                .spec
                .variables
                .iter()
                .zip(&base)
                .map(|(v, &b)| perturb(&v.domain, b, step, rng))
                .collect();
            let (c, new) = self.find_or_add(x);
            if new {
                batch.push((c, r));
            }
        }
        batch
    }

    fn search(&mut self) -> Result<(), SweepError> {
        let spec = self.spec;
        let dims = spec.variables.len();
        let r = spec.replications;
        let mut rng = stream(spec.seed, 0, crate::ids::Ns::Tune.id(0));
        let n0 = ((4 * dims + 4) as u32).min((spec.budget / r / 2).max(1)) as usize;
        let design = latin_hypercube(spec, n0, &mut rng);
        let mut batch = Vec::new();
        for x in design {
            let (c, new) = self.find_or_add(x);
            if new {
                batch.push((c, r));
            }
        }
        self.evaluate(&batch, "design")?;

        let mut step = 0.25;
        while self.runs < spec.budget {
            // Settle the most promising undecided candidates first.
            let mut order: Vec<usize> = (0..self.cands.len()).collect();
            order.sort_by(|&a, &b| self.rank(a).partial_cmp(&self.rank(b)).expect("no NaN"));
            for &c in order.iter().take(3) {
                self.settle(c, "replicate")?;
            }
            let Some(mut inc) = self.incumbent() else {
                break;
            };
            let best = self.rank(inc);
            if spec.objectives.len() > 1 {
                // Two objectives: refine around a member of the current front.
                let front = self.front();
                if !front.is_empty() {
                    inc = front[rng.random_range(0..front.len())];
                }
            }
            let batch = self.neighbours(inc, step, &mut rng);
            if batch.is_empty() {
                if step < 1e-3 {
                    break;
                }
                step *= 0.5;
                continue;
            }
            self.evaluate(&batch, "refine")?;
            let now_best = self.rank(self.incumbent().expect("candidates exist"));
            if spec.objectives.len() > 1 {
                step = (step * 0.9).max(1e-4);
            } else if now_best.partial_cmp(&best) != Some(std::cmp::Ordering::Less) {
                step = (step * 0.7).max(1e-4);
            }
        }
        Ok(())
    }
}

fn unit_to_coord(d: &Domain, u: f64) -> f64 {
    match d {
        Domain::Int(a, b) => (*a as f64 + (u * (b - a + 1) as f64).floor()).min(*b as f64),
        Domain::Real { min, max, .. } => min + u * (max - min),
        Domain::Choice(items) => (u * items.len() as f64)
            .floor()
            .min((items.len() - 1) as f64),
    }
}

fn perturb(d: &Domain, x: f64, step: f64, rng: &mut crate::engine::Stream) -> f64 {
    match d {
        Domain::Int(a, b) => {
            let span = ((b - a) as f64 * step).round().max(1.0) as i64;
            x + rng.random_range(-span..=span) as f64
        }
        Domain::Real { min, max, .. } => {
            let z: f64 = rand_distr::Distribution::sample(&rand_distr::StandardNormal, rng);
            x + z * step * (max - min)
        }
        Domain::Choice(items) => {
            if rng.random_bool(0.3) {
                rng.random_range(0..items.len()) as f64
            } else {
                x
            }
        }
    }
}

/// Assesses a candidate from its replications.
pub fn assess_rows(study: &Study, spec: &TuneSpec, x: &[f64], rows: &[TaskRow]) -> Assessment {
    let cols = super::metric_columns();
    let values = |name: &str| -> Vec<f64> {
        let m = cols
            .iter()
            .position(|c| c == name)
            .expect("validated metric");
        rows.iter()
            .filter_map(|r| r.cells[m].parse::<f64>().ok())
            .filter(|v| v.is_finite())
            .collect()
    };
    let mean = |xs: &[f64]| {
        if xs.is_empty() {
            f64::NAN
        } else {
            xs.iter().sum::<f64>() / xs.len() as f64
        }
    };
    let mut feasible = true;
    let mut undecided = false;
    let mut violation = 0.0;
    let mut cons = Vec::new();
    for c in &spec.constraints {
        let xs = values(&c.metric);
        let m = mean(&xs);
        let bound = if xs.len() >= 2 {
            let (mu, half) = mean_ci(&xs, 0.95);
            if c.at_least {
                mu - half
            } else {
                mu + half
            }
        } else {
            f64::NAN
        };
        let meets = |v: f64| {
            if c.at_least {
                v >= c.value
            } else {
                v <= c.value
            }
        };
        let met = bound.is_finite() && meets(bound);
        if !met {
            feasible = false;
            let miss = if bound.is_finite() {
                (bound - c.value).abs()
            } else {
                f64::INFINITY
            };
            violation += miss / c.value.abs().max(1e-9);
        }
        if m.is_finite() && meets(m) != met {
            undecided = true;
        }
        cons.push((m, bound));
    }
    let mut lookup = |name: &str| -> Option<f64> {
        if let Some(i) = spec.variables.iter().position(|v| v.path == name) {
            return Some(spec.variables[i].number(x[i]));
        }
        if cols.iter().any(|c| c == name) {
            return Some(mean(&values(name)));
        }
        study.number_at(name)
    };
    let objectives = spec
        .objectives
        .iter()
        .map(|o| o.expr.eval(&mut lookup).unwrap_or(f64::NAN))
        .collect();
    Assessment {
        objectives,
        constraints: cons,
        feasible,
        undecided,
        violation,
    }
}

/// Objectives as values to minimise (maximised ones negated; undefined ones last).
fn score(spec: &TuneSpec, a: &Assessment) -> Vec<f64> {
    spec.objectives
        .iter()
        .zip(&a.objectives)
        .map(|(o, &v)| {
            let v = if o.maximize { -v } else { v };
            if v.is_nan() {
                f64::INFINITY
            } else {
                v
            }
        })
        .collect()
}

fn fmt(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.6}")
    } else {
        String::new()
    }
}

/// Runs the study's `[tune]` search and writes `trials.csv`, `best.toml` (when a
/// candidate meets every constraint) and `manifest.json` into the output folder,
/// recording every run in its `journal.csv` as it finishes.
pub fn tune(
    study: &Study,
    opts: &TuneOptions,
    tick: &(dyn Fn(usize, usize, &str) + Sync),
) -> Result<TuneOutcome, SweepError> {
    let spec = study.tune.as_ref().expect("tune() needs a [tune]");
    let out = opts.out.as_path();
    check_study_folder(out, opts.force)?;
    std::fs::create_dir_all(out).map_err(|e| io_err(out, e))?;
    crate::staging::remove_stale_temporaries(out);
    let journal_path = out.join("journal.csv");
    if opts.force && !opts.resume {
        let _ = std::fs::remove_file(&journal_path);
    }
    let header = journal::Header::for_tune(study, spec.budget as usize);
    let (journal, rows) = Journal::open(&journal_path, &header, opts.resume)?;
    let recorded = rows
        .into_iter()
        .map(|r| ((r.point, r.replication), r))
        .collect();
    let mut t = Tuner {
        study,
        spec,
        recorded,
        journal: Mutex::new(journal),
        journal_path,
        cands: Vec::new(),
        log: Vec::new(),
        runs: 0,
        tick,
    };
    let method = match spec.method {
        Method::Auto if bisection_fits(study, spec) => Method::Bisection,
        Method::Auto => Method::Search,
        m => m,
    };
    match method {
        Method::Bisection => t.bisection()?,
        _ => t.search()?,
    }
    let mut files = vec![t.write_trials(out)?];
    let mut best = None;
    let mut front = Vec::new();
    let _ = std::fs::remove_file(out.join("best.toml"));
    if spec.objectives.len() > 1 {
        front = t.front_out();
        files.extend(t.write_front(out, &front)?);
    } else if let Some(c) = t.incumbent().filter(|&c| t.assess(c).feasible) {
        files.push(t.write_best(out, c)?);
        best = Some((t.labels(c), t.assess(c)));
    }
    let feasible = best.is_some() || !front.is_empty();
    files.push(t.write_manifest(out, method, feasible)?);
    // The search chart reads the manifest (the objective's name and direction).
    files
        .extend(crate::report::sweep::report_tune(out).map_err(|e| SweepError::Io(e.to_string()))?);
    let closest = match feasible {
        true => None,
        false => t.incumbent().map(|c| (t.labels(c), t.assess(c))),
    };
    Ok(TuneOutcome {
        runs: t.runs,
        candidates: t.cands.len(),
        best,
        front,
        closest,
        files,
    })
}

/// `auto` bisects when there is one integer variable, constraints to meet, and an
/// objective of parameters only that grows with the variable.
fn bisection_fits(study: &Study, spec: &TuneSpec) -> bool {
    let [v] = spec.variables.as_slice() else {
        return false;
    };
    let Domain::Int(a, b) = v.domain else {
        return false;
    };
    let [objective] = spec.objectives.as_slice() else {
        return false;
    };
    if spec.constraints.is_empty() || objective.maximize {
        return false;
    }
    let metrics = super::metric_columns();
    if objective.expr.names().iter().any(|n| metrics.contains(n)) {
        return false;
    }
    let at = |x: i64| assess_rows(study, spec, &[x as f64], &[]).objectives[0];
    b > a && at(b) > at(a)
}
