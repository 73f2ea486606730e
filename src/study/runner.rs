//! The one parallel runner behind `run A B`, `--replications`, sweeps and tuning: a list
//! of independent tasks on the current rayon pool, results in task order whatever the
//! thread count, stopping early on the first error or on an interrupt.

use super::STOP;
use rayon::prelude::*;
use std::sync::atomic::Ordering;
use std::sync::Mutex;

/// Runs `job` for every task in `tasks` on the current rayon pool and returns their
/// results in the order of `tasks`. `finished` is called as each task finishes, with
/// the task and its result (it may record it, or fail the whole run). After the first
/// error, or once [`STOP`] is set (Ctrl-C), no task starts; a task that did not run
/// gives None. Each task draws only from its own random streams, so the results do not
/// depend on the thread count or on which thread ran what.
pub fn run_parallel<I, T, E>(
    tasks: &[I],
    job: impl Fn(&I) -> Result<T, E> + Sync,
    finished: impl Fn(&I, &T) -> Result<(), E> + Sync,
) -> Result<Vec<Option<T>>, E>
where
    I: Sync,
    T: Send,
    E: Send,
{
    let failure: Mutex<Option<E>> = Mutex::new(None);
    let results: Vec<Option<T>> = tasks
        .par_iter()
        .map(|task| {
            if STOP.load(Ordering::Relaxed) {
                return None;
            }
            let outcome = job(task).and_then(|r| finished(task, &r).map(|()| r));
            match outcome {
                Ok(r) => Some(r),
                Err(e) => {
                    STOP.store(true, Ordering::Relaxed);
                    failure
                        .lock()
                        .expect("no panic while holding the lock")
                        .get_or_insert(e);
                    None
                }
            }
        })
        .collect();
    match failure
        .into_inner()
        .expect("no panic while holding the lock")
    {
        Some(e) => Err(e),
        None => Ok(results),
    }
}
