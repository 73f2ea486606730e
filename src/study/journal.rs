//! The sweep journal: one line per finished task, appended and synced as each task
//! completes, so an interrupted sweep loses nothing and `--resume` runs only the rest.
//!
//! ```text
//! # citysim-sweep-journal 1,version=0.1.0,study=<sha256>,tasks=24,shard=1/1
//! 7,3,1,1,<metric cells...>        index, point, replication, seed, metrics
//! ```

use super::{io_err, Shard, SweepError, TaskRow};
use crate::scenario::Study;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::Path;

/// What a journal belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// citysim version that wrote it.
    pub version: String,
    /// SHA-256 of the resolved study text.
    pub study: String,
    /// Tasks in the whole study.
    pub tasks: usize,
    /// The shard it covers.
    pub shard: Shard,
    /// What it records: `sweep` tasks or `tune` runs.
    pub kind: &'static str,
}

const MAGIC: &str = "# citysim-sweep-journal 1";

impl Header {
    /// The header for `study` run as `shard`.
    pub fn new(study: &Study, tasks: usize, shard: Shard) -> Header {
        Header {
            version: env!("CARGO_PKG_VERSION").to_string(),
            study: Self::study_hash(study),
            tasks,
            shard,
            kind: "sweep",
        }
    }

    /// The header of a tuning of `study` with a budget of `runs`.
    pub fn for_tune(study: &Study, runs: usize) -> Header {
        Header {
            kind: "tune",
            ..Header::new(study, runs, Shard::ALL)
        }
    }

    /// SHA-256 (hex) of the study's resolved text: scenario, overrides and sweep.
    pub fn study_hash(study: &Study) -> String {
        let mut text = study.resolved();
        // The files the scenario reads count as its text does.
        for (path, digest) in study.base().map(|s| s.inputs).unwrap_or_default() {
            text.push_str(&format!("\n# input {path} {digest}"));
        }
        Sha256::digest(text.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    fn line(&self) -> String {
        // A sweep's header names no kind (journals of earlier versions read the same).
        let kind = match self.kind {
            "sweep" => String::new(),
            k => format!(",kind={k}"),
        };
        format!(
            "{MAGIC},version={},study={},tasks={},shard={}/{}{kind}\n",
            self.version, self.study, self.tasks, self.shard.k, self.shard.n
        )
    }

    fn parse(line: &str) -> Option<Header> {
        let rest = line.strip_prefix(MAGIC)?.strip_prefix(',')?;
        let mut h = Header {
            version: String::new(),
            study: String::new(),
            tasks: 0,
            shard: Shard::ALL,
            kind: "sweep",
        };
        for part in rest.trim_end().split(',') {
            let (k, v) = part.split_once('=')?;
            match k {
                "version" => h.version = v.to_string(),
                "study" => h.study = v.to_string(),
                "tasks" => h.tasks = v.parse().ok()?,
                "shard" => h.shard = Shard::parse(v).ok()?,
                "kind" if v == "tune" => h.kind = "tune",
                "kind" if v == "site" => h.kind = "site",
                _ => return None,
            }
        }
        Some(h)
    }

    /// Refuses a journal of another study or citysim version.
    pub fn check_same_study(&self, expected: &Header, path: &Path) -> Result<(), SweepError> {
        if self.kind != expected.kind {
            return Err(SweepError::Input(format!(
                "error: {} records a {}, not a {}: use another --out",
                path.display(),
                self.kind,
                expected.kind
            )));
        }
        if self.version != expected.version {
            return Err(SweepError::Input(format!(
                "error: {} was written by citysim {}, this is {}: results of different versions are not merged",
                path.display(),
                self.version,
                expected.version
            )));
        }
        if self.study != expected.study || self.tasks != expected.tasks {
            return Err(SweepError::Input(format!(
                "error: {} belongs to a different study (another scenario file, --set or [sweep]); it cannot be combined with this one",
                path.display()
            )));
        }
        Ok(())
    }
}

/// An open journal, appending.
pub struct Journal {
    file: std::fs::File,
    path: std::path::PathBuf,
}

fn row_line(r: &TaskRow) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    let mut cells = vec![
        r.index.to_string(),
        r.point.to_string(),
        r.replication.to_string(),
        r.seed.to_string(),
    ];
    cells.extend(r.cells.iter().cloned());
    w.write_record(&cells).expect("writing to memory");
    w.into_inner().expect("writing to memory")
}

/// The journal's column names, the line after its header: a task's index, point,
/// replication and seed, then every metric column.
fn columns_line() -> String {
    let mut cols = vec![
        "task".to_string(),
        "point".into(),
        "replication".into(),
        "seed".into(),
    ];
    cols.extend(super::metric_columns());
    format!("{}\n", cols.join(","))
}

fn parse_rows(text: &str, path: &Path) -> Result<Vec<TaskRow>, SweepError> {
    let width = super::metric_columns().len() + 4;
    let body = text.split_once('\n').map_or("", |(_, b)| b);
    // The column names (journals written before they were added have none).
    let (body, first) = match body.strip_prefix("task,") {
        Some(rest) => (rest.split_once('\n').map_or("", |(_, b)| b), 3),
        None => (body, 2),
    };
    // A line without its newline was being written when the process died: ignore it.
    let complete = match body.rfind('\n') {
        Some(i) => &body[..=i],
        None => "",
    };
    let mut rows = Vec::new();
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(complete.as_bytes());
    for (n, rec) in rdr.records().enumerate() {
        let bad = || {
            SweepError::Input(format!(
                "error: {}: line {} is not a task record",
                path.display(),
                n + first
            ))
        };
        let rec = rec.map_err(|_| bad())?;
        if rec.len() != width {
            return Err(bad());
        }
        let num = |i: usize| rec[i].parse::<u64>().map_err(|_| bad());
        rows.push(TaskRow {
            index: num(0)? as usize,
            point: num(1)? as usize,
            replication: num(2)? as u32,
            seed: num(3)?,
            cells: rec.iter().skip(4).map(str::to_string).collect(),
        });
    }
    Ok(rows)
}

impl Journal {
    /// Reads a journal: its header and every complete record.
    pub fn read(path: &Path) -> Result<(Header, Vec<TaskRow>), SweepError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            SweepError::Input(format!(
                "error: {}: {e} (is this a sweep or shard output folder?)",
                path.display()
            ))
        })?;
        let first = text.lines().next().unwrap_or("");
        let header = Header::parse(first).ok_or_else(|| {
            SweepError::Input(format!(
                "error: {}: not a citysim sweep journal",
                path.display()
            ))
        })?;
        let rows = parse_rows(&text, path)?;
        Ok((header, rows))
    }

    /// Opens the journal of a sweep: a new one, or with `resume` an existing one of the
    /// same study and shard, whose records are returned.
    pub fn open(
        path: &Path,
        header: &Header,
        resume: bool,
    ) -> Result<(Journal, Vec<TaskRow>), SweepError> {
        let mut rows = Vec::new();
        if path.exists() {
            if !resume {
                return Err(SweepError::Input(format!(
                    "error: {} already holds a {} ({}): use --resume to continue it, or another --out",
                    path.parent().unwrap_or(Path::new(".")).display(),
                    header.kind,
                    path.display()
                )));
            }
            let (found, recorded) = Self::read(path)?;
            found.check_same_study(header, path)?;
            if found.shard != header.shard {
                return Err(SweepError::Input(format!(
                    "error: {} is shard {}/{}, not {}/{}",
                    path.display(),
                    found.shard.k,
                    found.shard.n,
                    header.shard.k,
                    header.shard.n
                )));
            }
            rows = recorded;
            // Rewrite without any half-written last line, atomically, then append.
            Self::write_complete(path, header, &rows)?;
        } else {
            let text = header.line() + &columns_line();
            crate::output::write_atomic(path, text.as_bytes()).map_err(|e| io_err(path, e))?;
        }
        let file = std::fs::OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|e| io_err(path, e))?;
        Ok((
            Journal {
                file,
                path: path.to_path_buf(),
            },
            rows,
        ))
    }

    /// Writes a whole journal at once (atomically): a merged study.
    pub fn write_complete(
        path: &Path,
        header: &Header,
        rows: &[TaskRow],
    ) -> Result<(), SweepError> {
        let mut text = (header.line() + &columns_line()).into_bytes();
        for r in rows {
            text.extend(row_line(r));
        }
        crate::output::write_atomic(path, &text).map_err(|e| io_err(path, e))
    }

    /// Records a finished task durably (written and synced before returning).
    pub fn append(&mut self, row: &TaskRow) -> Result<(), SweepError> {
        self.file
            .write_all(&row_line(row))
            .and_then(|_| self.file.sync_data())
            .map_err(|e| io_err(&self.path, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(index: usize) -> TaskRow {
        TaskRow {
            index,
            point: index / 2,
            replication: (index % 2) as u32,
            seed: 7,
            cells: vec!["1".to_string(); super::super::metric_columns().len()],
        }
    }

    #[test]
    fn issue_14_a_journal_names_its_columns_and_old_ones_still_read() {
        // journal.csv had no column names.
        let body: Vec<u8> = [row(0), row(1)].iter().flat_map(row_line).collect();
        let body = String::from_utf8(body).unwrap();
        let path = Path::new("journal.csv");
        let new = format!("# citysim-sweep-journal 1,x\n{}{body}", columns_line());
        let cols = new.lines().nth(1).unwrap();
        assert!(
            cols.starts_with("task,point,replication,seed,sensors,generated,"),
            "{cols}"
        );
        assert_eq!(
            cols.split(',').count(),
            body.lines().next().unwrap().split(',').count()
        );
        let old = format!("# citysim-sweep-journal 1,x\n{body}");
        for text in [new, old] {
            let rows = parse_rows(&text, path).unwrap();
            assert_eq!(rows.iter().map(|r| r.index).collect::<Vec<_>>(), [0, 1]);
        }
        let bad = format!("# citysim-sweep-journal 1,x\n{}nonsense\n", columns_line());
        let e = parse_rows(&bad, path).unwrap_err().to_string();
        assert!(e.contains("line 3 is not a task record"), "{e}");
    }
}
