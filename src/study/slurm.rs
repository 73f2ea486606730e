//! Sweeps on a Slurm cluster: a job array with one shard per array task, and a job that
//! merges the shards and writes the report once every task has succeeded
//! (`--dependency=afterok`).
//!
//! ```text
//! DIR/slurm/array.sbatch   task K of N: citysim sweep FILE --shard K/N --out DIR/shards/shard-K --resume
//! DIR/slurm/merge.sbatch   citysim merge DIR/shards/shard-* --out DIR && citysim report DIR
//! ```
//!
//! Shard folders are written atomically and journalled, so a failed task can be
//! resubmitted alone (`sbatch --array=K DIR/slurm/array.sbatch`) and continues where
//! it stopped; the merge then gives the same files.

use super::{io_err, SweepError};
use crate::output::write_atomic;
use std::path::{Path, PathBuf};
use std::process::Command;

/// How the job array is laid out.
#[derive(Debug, Clone)]
pub struct SlurmOptions {
    /// Number of array tasks (= shards).
    pub array_size: u32,
    /// Partition, if not the default one.
    pub partition: Option<String>,
    /// Time limit per task (Slurm syntax, e.g. `02:00:00`).
    pub time: Option<String>,
    /// CPUs per task (and worker threads of each shard).
    pub cpus: u32,
}

/// The scripts written for a study.
#[derive(Debug, Clone)]
pub struct SlurmPlan {
    /// The job-array script.
    pub array_script: PathBuf,
    /// The merge-and-report script.
    pub merge_script: PathBuf,
    /// The sweep folder (shards under `shards/`, merged files at the top).
    pub out: PathBuf,
    /// Number of shards.
    pub shards: u32,
}

/// Quotes a word for the shell.
fn sh(word: &str) -> String {
    format!("'{}'", word.replace('\'', "'\\''"))
}

fn absolute(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| {
        std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_else(|_| p.to_path_buf())
    })
}

/// Writes `out/slurm/array.sbatch` and `out/slurm/merge.sbatch` for the sweep of
/// `scenario` (with `sets` overrides).
pub fn write_plan(
    scenario: &Path,
    sets: &[String],
    name: &str,
    out: &Path,
    opts: &SlurmOptions,
) -> Result<SlurmPlan, SweepError> {
    if opts.array_size == 0 || opts.cpus == 0 {
        return Err(SweepError::Input(
            "error: --array-size and --cpus-per-task must be at least 1".into(),
        ));
    }
    let dir = out.join("slurm");
    std::fs::create_dir_all(&dir).map_err(|e| io_err(&dir, e))?;
    let out = absolute(out);
    let dir = out.join("slurm");
    let exe = std::env::current_exe()
        .map_err(|e| SweepError::Io(format!("error: cannot find the citysim binary: {e}")))?;
    let exe = sh(&absolute(&exe).display().to_string());
    let scenario = sh(&absolute(scenario).display().to_string());
    let n = opts.array_size;
    let sets: String = sets.iter().map(|s| format!(" --set {}", sh(s))).collect();
    let mut header = format!(
        "#!/bin/bash\n#SBATCH --job-name={}\n#SBATCH --cpus-per-task={}\n",
        sh_name(name),
        opts.cpus
    );
    if let Some(p) = &opts.partition {
        header.push_str(&format!("#SBATCH --partition={p}\n"));
    }
    if let Some(t) = &opts.time {
        header.push_str(&format!("#SBATCH --time={t}\n"));
    }
    let shards = out.join("shards");
    let array = format!(
        "{header}#SBATCH --array=1-{n}\n#SBATCH --output={}\n\
         # Task K runs shard K of {n} into shards/shard-K. Resubmit a failed task alone with\n\
         #   sbatch --array=K {}\n\
         # (it resumes from its journal), then submit merge.sbatch again, depending on it.\n\
         set -euo pipefail\n\
         k=\"${{SLURM_ARRAY_TASK_ID:?run as a job array}}\"\n\
         exec {exe} sweep {scenario}{sets} --shard \"$k/{n}\" --out {}/shard-\"$k\" --threads {} --resume --quiet\n",
        dir.join("array-%A_%a.out").display(),
        dir.join("array.sbatch").display(),
        sh(&shards.display().to_string()),
        opts.cpus,
    );
    let shard_dirs: Vec<String> = (1..=n)
        .map(|k| sh(&shards.join(format!("shard-{k}")).display().to_string()))
        .collect();
    let merge = format!(
        "#!/bin/bash\n#SBATCH --job-name={}-merge\n#SBATCH --cpus-per-task=1\n{}#SBATCH --output={}\n\
         # Runs once every array task has succeeded (--dependency=afterok:<array job>).\n\
         set -euo pipefail\n\
         {exe} merge {} --out {}\n\
         {exe} report {}\n",
        sh_name(name),
        opts.partition.as_ref().map(|p| format!("#SBATCH --partition={p}\n")).unwrap_or_default(),
        dir.join("merge-%j.out").display(),
        shard_dirs.join(" "),
        sh(&out.display().to_string()),
        sh(&out.display().to_string()),
    );
    let array_script = dir.join("array.sbatch");
    let merge_script = dir.join("merge.sbatch");
    write_atomic(&array_script, array.as_bytes()).map_err(|e| io_err(&array_script, e))?;
    write_atomic(&merge_script, merge.as_bytes()).map_err(|e| io_err(&merge_script, e))?;
    Ok(SlurmPlan {
        array_script,
        merge_script,
        out,
        shards: n,
    })
}

/// A job name Slurm accepts: letters, digits, `-` and `_`.
fn sh_name(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("citysim-{s}")
}

/// Runs `sbatch --parsable ARGS SCRIPT`, returning the job id.
pub fn sbatch(args: &[String], script: &Path) -> Result<String, SweepError> {
    let out = Command::new("sbatch")
        .arg("--parsable")
        .args(args)
        .arg(script)
        .output()
        .map_err(|e| {
            SweepError::Io(format!(
                "error: cannot run sbatch ({e}); is Slurm installed here?"
            ))
        })?;
    if !out.status.success() {
        return Err(SweepError::Io(format!(
            "error: sbatch {} failed: {}",
            script.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let id = text.trim().split(';').next().unwrap_or("").to_string();
    if id.is_empty() {
        return Err(SweepError::Io(format!(
            "error: sbatch printed no job id for {}",
            script.display()
        )));
    }
    Ok(id)
}

/// Submits the array, then the merge job depending on it; returns both job ids.
pub fn submit(plan: &SlurmPlan) -> Result<(String, String), SweepError> {
    let array = sbatch(&[], &plan.array_script)?;
    let merge = sbatch(
        &[format!("--dependency=afterok:{array}")],
        &plan.merge_script,
    )?;
    Ok((array, merge))
}
