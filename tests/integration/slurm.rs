//! A real one-node Slurm cluster (munged, slurmctld, slurmd) runs a sharded sweep as a
//! job array with a dependent merge; a failed task blocks the merge and, resubmitted
//! alone, completes the study with the same files. Skipped, saying why, where Slurm and
//! munge are not installed (.ci/run installs Debian's slurm-wlm and munge) or where the
//! test is not run as root.

use crate::util::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The daemons of a test cluster, stopped (by process id) when dropped.
struct Cluster {
    dir: PathBuf,
    conf: PathBuf,
}

impl Cluster {
    fn pid(&self, name: &str) -> Option<i32> {
        std::fs::read_to_string(self.dir.join(format!("{name}.pid")))
            .ok()
            .and_then(|t| t.trim().parse().ok())
    }

    fn start(dir: &Path) -> Result<Cluster, String> {
        let run = |cmd: &mut Command| -> Result<(), String> {
            let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
            if out.status.success() {
                Ok(())
            } else {
                Err(format!("{cmd:?}: {}", String::from_utf8_lossy(&out.stderr)))
            }
        };
        for sub in ["state", "spool"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        let key: Vec<u8> = (0..1024u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8 ^ std::process::id() as u8)
            .collect();
        std::fs::write(dir.join("munge.key"), key).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            dir.join("munge.key"),
            std::fs::Permissions::from_mode(0o600),
        )
        .unwrap();
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let p = |f: &str| dir.join(f).display().to_string();
        let host = String::from_utf8(Command::new("hostname").output().unwrap().stdout)
            .unwrap()
            .trim()
            .to_string();
        // Ports away from the defaults, varied per process, so a stray cluster does not clash.
        let base = 20000 + (std::process::id() % 2000) as u16 * 2;
        let conf = format!(
            "ClusterName=citysimtest\nSlurmctldHost={host}\nSlurmUser=root\nSlurmdUser=root\n\
             AuthType=auth/munge\nAuthInfo=socket={sock}\nCredType=cred/munge\n\
             ProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\n\
             SelectType=select/cons_tres\nSelectTypeParameters=CR_Core\nSchedulerType=sched/backfill\n\
             StateSaveLocation={state}\nSlurmdSpoolDir={spool}\n\
             SlurmctldPidFile={cpid}\nSlurmdPidFile={dpid}\nSlurmctldLogFile={clog}\nSlurmdLogFile={dlog}\n\
             SlurmctldPort={c}\nSlurmdPort={d}\nReturnToService=2\nMpiDefault=none\n\
             JobCompType=jobcomp/none\nAccountingStorageType=accounting_storage/none\n\
             JobAcctGatherType=jobacct_gather/none\nMinJobAge=600\n\
             NodeName={host} CPUs=2 RealMemory=1000 State=UNKNOWN\n\
             PartitionName=debug Nodes={host} Default=YES MaxTime=INFINITE State=UP\n",
            sock = p("munge.sock"),
            state = p("state"),
            spool = p("spool"),
            cpid = p("slurmctld.pid"),
            dpid = p("slurmd.pid"),
            clog = p("slurmctld.log"),
            dlog = p("slurmd.log"),
            c = base,
            d = base + 1,
        );
        let conf_path = dir.join("slurm.conf");
        std::fs::write(&conf_path, conf).unwrap();
        let cluster = Cluster {
            dir: dir.to_path_buf(),
            conf: conf_path.clone(),
        };
        run(Command::new("munged").args([
            "--force",
            &format!("--key-file={}", p("munge.key")),
            &format!("--socket={}", p("munge.sock")),
            &format!("--pid-file={}", p("munged.pid")),
            &format!("--log-file={}", p("munged.log")),
            &format!("--seed-file={}", p("munged.seed")),
        ]))?;
        run(Command::new("slurmctld").arg("-f").arg(&conf_path))?;
        run(Command::new("slurmd").arg("-f").arg(&conf_path))?;
        // Wait for the node to come up.
        let t0 = Instant::now();
        loop {
            let out = cluster
                .cmd("sinfo")
                .args(["-h", "-o", "%T"])
                .output()
                .map_err(|e| e.to_string())?;
            let state = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if state.starts_with("idle") {
                return Ok(cluster);
            }
            if t0.elapsed() > Duration::from_secs(60) {
                return Err(format!("the node did not come up (state {state:?})"));
            }
            std::thread::sleep(Duration::from_millis(300));
        }
    }

    fn cmd(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        c.env("SLURM_CONF", &self.conf);
        c
    }

    /// `scontrol show job ID` as text.
    fn job(&self, id: &str) -> String {
        let out = self
            .cmd("scontrol")
            .args(["show", "job", id])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits until `done(job text)` holds, or fails after `limit`.
    fn wait(&self, id: &str, limit: Duration, done: impl Fn(&str) -> bool) -> String {
        let t0 = Instant::now();
        loop {
            let text = self.job(id);
            if done(&text) {
                return text;
            }
            assert!(
                t0.elapsed() < limit,
                "job {id} did not get there in {limit:?}:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(500));
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for name in ["slurmd", "slurmctld", "munged"] {
            if let Some(pid) = self.pid(name) {
                // SAFETY: signalling a daemon this test started, by its recorded pid.
                unsafe { libc::kill(pid, libc::SIGTERM) };
                let t0 = Instant::now();
                while t0.elapsed() < Duration::from_secs(10) && unsafe { libc::kill(pid, 0) } == 0 {
                    std::thread::sleep(Duration::from_millis(100));
                }
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
        }
    }
}

fn available() -> Result<(), String> {
    for tool in [
        "munged",
        "slurmctld",
        "slurmd",
        "sbatch",
        "scontrol",
        "sinfo",
    ] {
        let found = std::env::var_os("PATH")
            .map(|p| {
                std::env::split_paths(&p)
                    .chain([PathBuf::from("/usr/sbin")])
                    .any(|d| d.join(tool).is_file())
            })
            .unwrap_or(false);
        if !found {
            return Err(format!(
                "`{tool}` is not installed (Debian packages slurm-wlm and munge)"
            ));
        }
    }
    if unsafe { libc::geteuid() } != 0 {
        return Err("the daemons of a one-node test cluster need root".into());
    }
    Ok(())
}

#[test]
fn a_sharded_sweep_runs_on_slurm_and_recovers_from_a_failed_task() {
    if let Err(why) = available() {
        eprintln!("SKIPPED slurm cluster test: {why}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cluster = Cluster::start(&d.join("cluster"))
        .unwrap_or_else(|e| panic!("cannot start the test cluster: {e}"));
    let f = crate::studies::small_sweep(d);
    assert_eq!(citysim(d, &["sweep", &f, "--out", "local", "-q"]).code, 0);

    let submit = |out: &str| -> (String, String) {
        let o = cluster
            .cmd(env!("CARGO_BIN_EXE_citysim"))
            .args([
                "sweep",
                &f,
                "--slurm",
                "--array-size",
                "3",
                "--submit",
                "--out",
                out,
            ])
            .current_dir(d)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
        assert!(
            o.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let ids: Vec<String> = stdout
            .split_whitespace()
            .filter(|w| w.chars().all(|c| c.is_ascii_digit()) && !w.is_empty())
            .map(str::to_string)
            .collect();
        (ids[0].clone(), ids[2].clone())
    };
    let completed = |t: &str| t.contains("JobState=COMPLETED");
    let limit = Duration::from_secs(240);

    // The whole study: 3 array tasks, then the merge.
    let (array, merge) = submit("cluster-ok");
    cluster.wait(&merge, limit, completed);
    let job = cluster.job(&array);
    assert_eq!(job.matches("JobState=COMPLETED").count(), 3, "{job}");
    for f in ["runs.csv", "aggregate.csv"] {
        assert_eq!(
            std::fs::read(d.join("local").join(f)).unwrap(),
            std::fs::read(d.join("cluster-ok").join(f)).unwrap(),
            "{f} differs between Slurm and one machine"
        );
    }
    assert!(d.join("cluster-ok/report.html").is_file());

    // Task 2 fails (its output folder is blocked by a file): the merge never runs.
    std::fs::create_dir_all(d.join("cluster-fail/shards")).unwrap();
    std::fs::write(d.join("cluster-fail/shards/shard-2"), "in the way").unwrap();
    let (array, merge) = submit("cluster-fail");
    let blocked = cluster.wait(&merge, limit, |t| t.contains("DependencyNeverSatisfied"));
    assert!(blocked.contains("JobState=PENDING"), "{blocked}");
    let job = cluster.job(&array);
    let failed = job
        .split("JobId=")
        .find(|j| j.contains("ArrayTaskId=2 "))
        .unwrap_or_default()
        .to_string();
    assert!(
        failed.contains("JobState=FAILED"),
        "task 2 is reported failed:\n{job}"
    );
    assert!(!d.join("cluster-fail/aggregate.csv").exists());
    let _ = cluster.cmd("scancel").arg(&merge).output();

    // Resubmit task 2 alone, then the merge: same files as one machine.
    std::fs::remove_file(d.join("cluster-fail/shards/shard-2")).unwrap();
    let script = d.join("cluster-fail/slurm/array.sbatch");
    let run_with_conf = |args: Vec<String>, script: &Path| -> String {
        let o = cluster
            .cmd("sbatch")
            .arg("--parsable")
            .args(args)
            .arg(script)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout)
            .trim()
            .split(';')
            .next()
            .unwrap()
            .to_string()
    };
    let retry = run_with_conf(vec!["--array=2".into()], &script);
    let merge2 = run_with_conf(
        vec![format!("--dependency=afterok:{retry}")],
        &d.join("cluster-fail/slurm/merge.sbatch"),
    );
    cluster.wait(&merge2, limit, completed);
    for f in ["runs.csv", "aggregate.csv"] {
        assert_eq!(
            std::fs::read(d.join("local").join(f)).unwrap(),
            std::fs::read(d.join("cluster-fail").join(f)).unwrap(),
            "{f} differs after the resubmission"
        );
    }
}
