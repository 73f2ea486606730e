//! Choosing gateway sites: which of a list of candidate sites should get a gateway.
//!
//! ```text
//! candidates (CSV/GeoJSON) --first pass: link budgets--> ranking, by coverage
//!   --simulation, replications--> the smallest feasible prefix (--until, bisection)
//!                                 or the first K (--count)
//!   --local improvement--> swap a weak site for a strong outsider; drop one (--until)
//!   --> sites.csv, sites.geojson, best.toml, history.csv, comparison.csv (a grid)
//! ```
//!
//! A set of sites is evaluated by runs with replications 0, 1, ... (the same random
//! numbers for every set, so two sets are compared pairwise). With `--until`, a set is
//! accepted only when the constraint holds at its 95% confidence bound, as `tune`
//! accepts a candidate; an undecided set gets more replications, up to the maximum.
//! Every run is recorded in `journal.csv` as it finishes: an interrupted search
//! resumes where it stopped (the search is deterministic, so a replay asks for the same
//! runs in the same order).

mod files;
mod goal;
mod plan;

use goal::larger_is_better;
pub use goal::{check_metric, parse_constraint};

use super::{check_study_folder, io_err, journal, run_parallel, Journal, SweepError, TaskRow};
use crate::geo::read_points;
use crate::run::{run, QueueKind};
use crate::scenario::{value_node, Constraint, Node, Scenario, Study};
use crate::stats::mean_ci;
use plan::Plan;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Mutex;

/// What the chosen sites must achieve.
#[derive(Debug, Clone)]
pub enum Goal {
    /// Exactly this many sites, improving `metric` as far as the budget allows.
    Count(usize),
    /// The fewest sites whose runs meet the constraint at its 95% confidence bound.
    Until(Constraint),
}

/// How to choose.
#[derive(Debug, Clone)]
pub struct SiteOptions {
    /// The candidate sites (CSV or GeoJSON, in the scenario's crs).
    pub candidates: PathBuf,
    /// What to achieve.
    pub goal: Goal,
    /// The metric `Goal::Count` improves (larger is better unless it is a latency or
    /// a drop count).
    pub metric: String,
    /// The gateway group that gets the sites (default: the first).
    pub group: Option<String>,
    /// Choose all of the group's gateways among the candidates (else its gateways,
    /// which must stand at given positions, stay).
    pub replace: bool,
    /// Replications of each set.
    pub replications: u32,
    /// Most replications of an undecided set.
    pub max_replications: u32,
    /// Most runs in all.
    pub budget: u32,
    /// Output folder.
    pub out: PathBuf,
    /// Continue an interrupted search in `out`.
    pub resume: bool,
    /// Write into `out` even if it holds files citysim did not write.
    pub force: bool,
}

/// A candidate site.
#[derive(Debug, Clone)]
pub struct Site {
    /// Its name (`name` column, or `site-<row>`).
    pub name: String,
    /// Where, in the scenario's crs (plain metres without one).
    pub at: (f64, f64),
    /// Where, in the model's metres.
    pub xy: (f64, f64),
}

/// What the search found.
#[derive(Debug)]
pub struct SiteOutcome {
    /// The chosen sites, in the order the first pass ranked them.
    pub chosen: Vec<Site>,
    /// Gateways of the group that stayed.
    pub kept: usize,
    /// The metric judged, its mean and 95% bound (on the constraint's side, or the
    /// lower side when larger is better), over `replications` runs.
    pub metric: (String, f64, f64, usize),
    /// Whether the constraint holds at its bound (`--count`: always true).
    pub feasible: bool,
    /// The same number of gateways on a grid: gateways, mean and bound.
    pub grid: Option<(usize, f64, f64)>,
    /// Runs used.
    pub runs: u32,
    /// Files written.
    pub files: Vec<PathBuf>,
}

/// Reads the candidate sites: in the city, none twice, none where a kept gateway stands.
pub fn read_candidates(
    scenario: &Scenario,
    path: &Path,
    kept: &[(f64, f64)],
) -> Result<Vec<Site>, String> {
    let crs = scenario.city.frame.as_ref().map(|f| &f.crs);
    let rows = read_points(path, crs)?;
    let file = path.display();
    let (w, h) = (scenario.city.width_m, scenario.city.height_m);
    let mut sites: Vec<Site> = Vec::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        let xy = match &scenario.city.frame {
            Some(f) => f
                .to_model(r.x, r.y)
                .map_err(|e| format!("{file}: {}: {e}", r.at))?,
            None => (r.x, r.y),
        };
        if !(-0.01..=w + 0.01).contains(&xy.0) || !(-0.01..=h + 0.01).contains(&xy.1) {
            return Err(format!(
                "{file}: {}: site ({}, {}) lies outside the city ({w:.0} m x {h:.0} m)",
                r.at, r.x, r.y
            ));
        }
        let name = r.name.clone().unwrap_or_else(|| format!("site-{}", i + 1));
        if let Some(k) = sites.iter().position(|s| s.name == name) {
            return Err(format!(
                "{file}: {}: the name \"{name}\" is also row {}'s",
                r.at,
                k + 1
            ));
        }
        let near = |p: &(f64, f64)| (p.0 - xy.0).hypot(p.1 - xy.1) < 1.0;
        if let Some(k) = sites.iter().position(|s| near(&s.xy)) {
            return Err(format!(
                "{file}: {}: site \"{name}\" stands where \"{}\" does (within 1 m)",
                r.at, sites[k].name
            ));
        }
        if kept.iter().any(near) {
            return Err(format!(
                "{file}: {}: a gateway the scenario keeps already stands at site \"{name}\" (within 1 m); remove the row, or pass --replace",
                r.at
            ));
        }
        sites.push(Site {
            name,
            at: (r.x, r.y),
            xy,
        });
    }
    if sites.is_empty() {
        return Err(format!("{file}: no candidate sites"));
    }
    Ok(sites)
}

/// One set of sites (or the grid) and its runs so far.
struct Evaluated {
    /// Candidate indices, ascending (empty for the grid).
    set: Vec<usize>,
    /// For the grid comparison: its number of gateways.
    grid: Option<usize>,
    rows: Vec<TaskRow>,
}

/// The search's state.
struct Search<'a> {
    study: &'a Study,
    opts: &'a SiteOptions,
    group: String,
    /// Gateways of the group that stay, in the crs.
    kept_at: Vec<(f64, f64)>,
    sites: Vec<Site>,
    plan: Plan,
    /// The candidates in the first pass's order.
    order: Vec<usize>,
    metric: String,
    metric_col: usize,
    constraint: Option<Constraint>,
    recorded: HashMap<(usize, u32), TaskRow>,
    journal: Mutex<Journal>,
    journal_path: PathBuf,
    evals: Vec<Evaluated>,
    /// (set, phase, replications after the round).
    log: Vec<(usize, &'static str, usize)>,
    runs: u32,
    /// Most runs the current phase may reach.
    budget: u32,
    tick: &'a (dyn Fn(usize, usize, &str) + Sync),
}

impl Search<'_> {
    /// The scenario values that put the group's gateways at the kept positions and
    /// the sites of `set` (or `grid` gateways on a grid).
    fn values(&self, e: &Evaluated) -> Vec<(String, Node)> {
        let g = &self.group;
        let (placement, count) = match e.grid {
            Some(n) => ("{ kind = \"grid\" }".to_string(), n),
            None => {
                let pts: Vec<String> = self
                    .kept_at
                    .iter()
                    .copied()
                    .chain(e.set.iter().map(|&j| self.sites[j].at))
                    .map(|(x, y)| format!("[{x:?}, {y:?}]"))
                    .collect();
                let text = format!(
                    "{{ kind = \"explicit\", positions = [{}] }}",
                    pts.join(", ")
                );
                (text, pts.len())
            }
        };
        vec![
            (format!("gateways.{g}.placement"), value_node(&placement)),
            (
                format!("gateways.{g}.count"),
                value_node(&count.to_string()),
            ),
        ]
    }

    fn find_or_add(&mut self, mut set: Vec<usize>, grid: Option<usize>) -> usize {
        set.sort_unstable();
        if let Some(i) = self
            .evals
            .iter()
            .position(|e| e.set == set && e.grid == grid)
        {
            return i;
        }
        self.evals.push(Evaluated {
            set,
            grid,
            rows: Vec::new(),
        });
        self.evals.len() - 1
    }

    /// Runs replications of set `i` until it has `n` (within the budget).
    fn evaluate(&mut self, i: usize, n: u32, phase: &'static str) -> Result<(), SweepError> {
        let have = self.evals[i].rows.len() as u32;
        let tasks: Vec<u32> = (have..n.max(have))
            .take(self.budget.saturating_sub(self.runs) as usize)
            .collect();
        if tasks.is_empty() {
            return Ok(());
        }
        let scenario = self.study.with_values(&self.values(&self.evals[i]))?;
        let run_one = |&r: &u32| -> Result<TaskRow, SweepError> {
            if let Some(row) = self.recorded.get(&(i, r)) {
                return Ok(row.clone());
            }
            let (result, _) = run(&scenario, r, QueueKind::Radix, &mut |_| {});
            let row = TaskRow::from_result(r as usize, i, &result);
            self.journal
                .lock()
                .expect("no panic while holding the lock")
                .append(&row)?;
            Ok(row)
        };
        let rows: Vec<TaskRow> = run_parallel(&tasks, run_one, |_, _| Ok(()))?
            .into_iter()
            .flatten()
            .collect();
        if rows.len() < tasks.len() || super::STOP.load(Ordering::Relaxed) {
            return Err(SweepError::Interrupted {
                done: self.runs as usize + rows.len(),
                total: self.opts.budget as usize,
                journal: self.journal_path.display().to_string(),
            });
        }
        self.runs += rows.len() as u32;
        self.evals[i].rows.extend(rows);
        self.log.push((i, phase, self.evals[i].rows.len()));
        let (mean, _) = self.stats(i);
        let what = format!(
            "{} sites: {} {}",
            self.evals[i].set.len(),
            self.metric,
            crate::units::human_number(mean)
        );
        (self.tick)(self.runs as usize, self.opts.budget as usize, &what);
        Ok(())
    }

    /// The metric's mean and 95% bound over `rows` (the bound on the constraint's
    /// side; else the pessimistic side).
    fn stats_of(&self, rows: &[TaskRow]) -> (f64, f64) {
        let xs: Vec<f64> = rows
            .iter()
            .filter_map(|r| r.cells[self.metric_col].parse::<f64>().ok())
            .filter(|v| v.is_finite())
            .collect();
        if xs.is_empty() {
            return (f64::NAN, f64::NAN);
        }
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        if xs.len() < 2 {
            return (mean, f64::NAN);
        }
        let (mu, half) = mean_ci(&xs, 0.95);
        let lower = match &self.constraint {
            Some(c) => c.at_least,
            None => larger_is_better(&self.metric),
        };
        (mean, if lower { mu - half } else { mu + half })
    }

    /// [`Search::stats_of`] set `i`'s runs so far.
    fn stats(&self, i: usize) -> (f64, f64) {
        self.stats_of(&self.evals[i].rows)
    }

    /// Whether runs with this mean and bound meet the constraint at the bound, and
    /// whether the mean disagrees (more replications may decide it).
    fn verdict_of(&self, (mean, bound): (f64, f64)) -> (bool, bool) {
        let Some(c) = &self.constraint else {
            return (true, false);
        };
        let meets = |v: f64| {
            v.is_finite()
                && if c.at_least {
                    v >= c.value
                } else {
                    v <= c.value
                }
        };
        (meets(bound), meets(mean) != meets(bound))
    }

    /// [`Search::verdict_of`] set `i`'s runs so far.
    fn verdict(&self, i: usize) -> (bool, bool) {
        self.verdict_of(self.stats(i))
    }

    /// Evaluates `set` with the base replications, then more while it is undecided;
    /// returns its index and whether it is feasible.
    fn probe(&mut self, set: Vec<usize>, phase: &'static str) -> Result<(usize, bool), SweepError> {
        let i = self.find_or_add(set, None);
        self.evaluate(i, self.opts.replications, phase)?;
        loop {
            let n = self.evals[i].rows.len() as u32;
            let (_, undecided) = self.verdict(i);
            if !undecided || n >= self.opts.max_replications || self.runs >= self.budget {
                break;
            }
            self.evaluate(i, (n * 2).min(self.opts.max_replications), "replicate")?;
        }
        Ok((i, self.verdict(i).0))
    }

    /// Whether set `a` is better than set `b` by the metric (pairwise: the same
    /// replications).
    fn better(&self, a: usize, b: usize) -> bool {
        let n = self.evals[a].rows.len().min(self.evals[b].rows.len());
        let mean = |i: usize| -> f64 {
            let v: Vec<f64> = self.evals[i].rows[..n]
                .iter()
                .filter_map(|r| r.cells[self.metric_col].parse::<f64>().ok())
                .collect();
            v.iter().sum::<f64>() / v.len().max(1) as f64
        };
        let (ma, mb) = (mean(a), mean(b));
        if larger_is_better(&self.metric) {
            ma > mb
        } else {
            ma < mb
        }
    }

    /// `--count K`: the first K of the ranking, then swaps while one improves the
    /// metric.
    fn count(&mut self, k: usize, order: &[usize]) -> Result<usize, SweepError> {
        let k = k.min(self.sites.len());
        let (mut best, _) = self.probe(order[..k].to_vec(), "first pass")?;
        let mut improved = true;
        while improved && self.runs < self.budget {
            improved = false;
            let set = self.evals[best].set.clone();
            'members: for i in self.plan.weakest_first(&set) {
                for j in self.plan.replacements(&set, i, 2) {
                    let swapped: Vec<usize> =
                        set.iter().map(|&m| if m == i { j } else { m }).collect();
                    if self.runs >= self.budget {
                        break 'members;
                    }
                    let (c, _) = self.probe(swapped, "swap")?;
                    if self.better(c, best) {
                        best = c;
                        improved = true;
                        break 'members;
                    }
                }
            }
        }
        Ok(best)
    }

    /// `--until`: the smallest feasible prefix of the ranking (bisection), then one
    /// site fewer where dropping one (or dropping one and swapping another) still
    /// meets the constraint.
    fn until(&mut self, order: &[usize]) -> Result<Option<usize>, SweepError> {
        let n = order.len();
        let (all, ok) = self.probe(order.to_vec(), "first pass")?;
        if !ok {
            return Ok(None);
        }
        let (mut lo, mut hi, mut best) = (usize::from(self.kept_at.is_empty()), n, all);
        while lo < hi && self.runs < self.budget {
            let mid = lo + (hi - lo) / 2;
            let (i, ok) = self.probe(order[..mid].to_vec(), "bisect")?;
            if ok {
                hi = mid;
                best = i;
            } else {
                lo = mid + 1;
            }
        }
        'fewer: while self.runs < self.budget && !self.evals[best].set.is_empty() {
            let set = self.evals[best].set.clone();
            for i in self.plan.weakest_first(&set) {
                let rest: Vec<usize> = set.iter().copied().filter(|&m| m != i).collect();
                if rest.is_empty() && self.kept_at.is_empty() {
                    break 'fewer;
                }
                let mut tries = vec![rest.clone()];
                if let Some(&weak) = self.plan.weakest_first(&rest).first() {
                    for j in self.plan.replacements(&rest, weak, 2) {
                        tries.push(
                            rest.iter()
                                .map(|&m| if m == weak { j } else { m })
                                .collect(),
                        );
                    }
                }
                for t in tries {
                    if self.runs >= self.budget {
                        break 'fewer;
                    }
                    let (c, ok) = self.probe(t, "drop one")?;
                    if ok {
                        best = c;
                        continue 'fewer;
                    }
                }
            }
            break;
        }
        Ok(Some(best))
    }
}

/// The gateway group that gets the sites: `name`, or the first.
fn group_index(s: &Scenario, name: Option<&str>) -> Result<usize, String> {
    let names: Vec<&str> = s.gateways.iter().map(|g| g.name.as_str()).collect();
    match name {
        None if !names.is_empty() => Ok(0),
        None => Err("error: the scenario has no gateway group to site".into()),
        Some(n) => names.iter().position(|g| *g == n).ok_or_else(|| {
            format!(
                "error: --group {n}: no gateway group of that name (groups: {})",
                names.join(", ")
            )
        }),
    }
}

/// The sensors the group serves, each with its access's reach (m; the city's diagonal
/// when the access has no limit).
fn served_sensors(s: &Scenario, g: usize) -> Vec<(f64, f64, f64)> {
    let access = &s.gateways[g].access;
    let diagonal = s.city.width_m.hypot(s.city.height_m);
    let reach: Vec<Option<f64>> = s
        .sensors
        .iter()
        .map(|c| {
            access
                .contains(&c.access)
                .then(|| crate::model::reach_m(s, c.access).unwrap_or(diagonal))
        })
        .collect();
    crate::model::sensor_positions(s)
        .into_iter()
        .filter_map(|((x, y), c)| reach[c as usize].map(|r| (f64::from(x), f64::from(y), r)))
        .collect()
}

/// What identifies a search: the study, the candidates and the options that change
/// what is run.
fn search_hash(study: &Study, opts: &SiteOptions) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(study.resolved().as_bytes());
    h.update(std::fs::read(&opts.candidates).unwrap_or_default());
    let goal = match &opts.goal {
        Goal::Count(k) => format!("count {k} {}", opts.metric),
        Goal::Until(c) => format!("until {}", c.text),
    };
    h.update(
        format!(
            "{goal}|{:?}|{}|{}|{}",
            opts.group, opts.replace, opts.replications, opts.max_replications
        )
        .as_bytes(),
    );
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The group's gateways that stay (none with `replace`), in the model's metres and in
/// the crs.
type Kept = (Vec<(f64, f64)>, Vec<(f64, f64)>);

fn kept_gateways(s: &Scenario, g: usize, replace: bool) -> Result<Kept, SweepError> {
    let group = &s.gateways[g].name;
    let kept: Vec<(f64, f64)> = match (replace, s.gateways[g].placement.given()) {
        (true, _) => Vec::new(),
        (false, Some(p)) => p.to_vec(),
        (false, None) => {
            return Err(SweepError::Input(format!(
                "error: gateway group {group} is placed by rule, so its gateways have no \
                 fixed sites to keep: give them positions (explicit, or a file), or pass \
                 --replace to choose all of them among the candidates"
            )))
        }
    };
    // Back in the crs, to a tenth of a millimetre (1e-9 degrees).
    let round = |v: f64, k: f64| (v * k).round() / k;
    let kept_at = kept
        .iter()
        .map(|&(x, y)| match &s.city.frame {
            Some(f) if f.crs.geographic() => {
                let (a, b) = f.to_crs(x, y);
                (round(a, 1e9), round(b, 1e9))
            }
            Some(f) => {
                let (a, b) = f.to_crs(x, y);
                (round(a, 1e4), round(b, 1e4))
            }
            None => (x, y),
        })
        .collect();
    Ok((kept, kept_at))
}

/// Chooses sites for the study's scenario (see the module's documentation) and writes
/// what it found into `opts.out`.
pub fn site(
    study: &Study,
    opts: &SiteOptions,
    tick: &(dyn Fn(usize, usize, &str) + Sync),
) -> Result<SiteOutcome, SweepError> {
    let base = study.base()?;
    let g = group_index(&base, opts.group.as_deref()).map_err(SweepError::Input)?;
    let group = base.gateways[g].name.clone();
    let (kept, kept_at) = kept_gateways(&base, g, opts.replace)?;
    let sites = read_candidates(&base, &opts.candidates, &kept)
        .map_err(|e| SweepError::Input(format!("error: {e}")))?;
    let sensors = served_sensors(&base, g);
    if sensors.is_empty() {
        return Err(SweepError::Input(format!(
            "error: no sensor class uses an access network of gateway group {group}"
        )));
    }
    let plan = Plan::new(sensors, &kept, sites.iter().map(|s| s.xy).collect());
    let order = plan.ranking();
    let out = opts.out.as_path();
    check_study_folder(out, opts.force)?;
    std::fs::create_dir_all(out).map_err(|e| io_err(out, e))?;
    crate::staging::remove_stale_temporaries(out);
    let journal_path = out.join("journal.csv");
    if opts.force && !opts.resume {
        let _ = std::fs::remove_file(&journal_path);
    }
    let header = journal::Header {
        kind: "site",
        study: search_hash(study, opts),
        ..journal::Header::new(study, opts.budget as usize, super::Shard::ALL)
    };
    let (journal, rows) = Journal::open(&journal_path, &header, opts.resume)?;
    let (metric, constraint) = match &opts.goal {
        Goal::Count(_) => (opts.metric.clone(), None),
        Goal::Until(c) => (c.metric.clone(), Some(c.clone())),
    };
    let metric_col = super::metric_columns()
        .iter()
        .position(|c| *c == metric)
        .ok_or_else(|| {
            SweepError::Input(format!("error: {}", check_metric(&metric).unwrap_err()))
        })?;
    let mut s = Search {
        study,
        opts,
        group,
        kept_at,
        sites,
        plan,
        order,
        metric,
        metric_col,
        constraint,
        recorded: rows
            .into_iter()
            .map(|r| ((r.point, r.replication), r))
            .collect(),
        journal: Mutex::new(journal),
        journal_path,
        evals: Vec::new(),
        log: Vec::new(),
        runs: 0,
        budget: opts.budget,
        tick,
    };
    s.finish(kept.len())
}

impl Search<'_> {
    /// Runs the search, the grid comparison, and writes the files.
    fn finish(&mut self, kept: usize) -> Result<SiteOutcome, SweepError> {
        let order = self.order.clone();
        let best = match &self.opts.goal {
            Goal::Count(k) => self.count(*k, &order).map(Some),
            Goal::Until(_) => self.until(&order),
        }?;
        let (feasible, judged) = match best {
            Some(b) => (true, b),
            // No set met the constraint: report the largest tried (every candidate).
            None => (false, self.find_or_add(order.clone(), None)),
        };
        let n = kept + self.evals[judged].set.len();
        let reps = self.evals[judged].rows.len() as u32;
        let grid = (n > 0).then(|| self.find_or_add(Vec::new(), Some(n)));
        if let Some(gi) = grid {
            // The comparison runs past the budget, with the chosen set's replications.
            self.budget = u32::MAX;
            self.evaluate(gi, reps.max(1), "grid")?;
        }
        let files = files::write(self, judged, grid, feasible)?;
        let (mean, bound) = self.stats(judged);
        let mut chosen = self.evals[judged].set.clone();
        chosen.sort_by_key(|j| order.iter().position(|o| o == j));
        Ok(SiteOutcome {
            chosen: chosen.iter().map(|&j| self.sites[j].clone()).collect(),
            kept,
            metric: (self.metric.clone(), mean, bound, reps as usize),
            feasible,
            grid: grid.map(|gi| {
                let (m, b) = self.stats(gi);
                (n, m, b)
            }),
            runs: self.runs,
            files,
        })
    }
}
