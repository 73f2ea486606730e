//! Progress bars: shown only on a terminal, and only once work has taken two seconds.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A progress bar that appears only once a run has taken two seconds, and only on a
/// terminal.
pub(crate) struct Progress {
    pub(crate) bar: Option<ProgressBar>,
    pub(crate) start: Instant,
    pub(crate) enabled: bool,
    pub(crate) label: String,
}

impl Progress {
    pub(crate) fn new(enabled: bool, label: String) -> Progress {
        Progress {
            bar: None,
            start: Instant::now(),
            enabled: enabled && std::io::stderr().is_terminal(),
            label,
        }
    }

    pub(crate) fn update(&mut self, fraction: f64) {
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

    pub(crate) fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}

/// A bar counting finished tasks, shown after two seconds on a terminal.
pub(crate) struct TaskBar {
    pub(crate) bar: ProgressBar,
    pub(crate) start: Instant,
    pub(crate) enabled: bool,
    pub(crate) shown: Arc<AtomicBool>,
    /// Set by [`TaskBar::finish`]: the bar is not shown after it.
    done: Arc<AtomicBool>,
}

impl TaskBar {
    /// A bar of `what` (tasks, runs) with its ETA.
    pub(crate) fn new(enabled: bool, what: &str) -> TaskBar {
        Self::styled(
            enabled,
            &format!("{{bar:40}} {{pos}}/{{len}} {what}, ETA {{eta}} {{msg}}"),
        )
    }

    /// A counter of `what` against a budget that the work may not use up (a tuning's
    /// bisection stops early), so no ETA: the time so far instead.
    pub(crate) fn open_ended(enabled: bool, what: &str) -> TaskBar {
        Self::styled(
            enabled,
            &format!("{{spinner}} {{pos}} {what} done (budget {{len}}), {{elapsed}} {{msg}}"),
        )
    }

    /// Shown on a terminal two seconds after it starts (before the first task ends,
    /// which may take minutes), and kept moving.
    fn styled(enabled: bool, template: &str) -> TaskBar {
        let bar = ProgressBar::hidden();
        bar.set_style(
            ProgressStyle::with_template(template)
                .expect("valid template")
                .progress_chars("=> "),
        );
        let t = TaskBar {
            bar,
            start: Instant::now(),
            enabled: enabled && std::io::stderr().is_terminal(),
            shown: Arc::new(AtomicBool::new(false)),
            done: Arc::new(AtomicBool::new(false)),
        };
        if t.enabled {
            let (bar, shown, done) = (t.bar.clone(), t.shown.clone(), t.done.clone());
            std::thread::spawn(move || {
                for _ in 0..20 {
                    std::thread::sleep(Duration::from_millis(100));
                    if done.load(Ordering::Relaxed) {
                        return;
                    }
                }
                if !shown.swap(true, Ordering::Relaxed) {
                    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                    bar.reset_eta();
                }
                bar.enable_steady_tick(Duration::from_millis(250));
                if done.load(Ordering::Relaxed) {
                    // Finished while it was being shown: clear it again.
                    bar.disable_steady_tick();
                    bar.finish_and_clear();
                }
            });
        }
        t
    }

    pub(crate) fn tick(&self, done: usize, total: usize) {
        self.tick_with(done, total, "");
    }

    pub(crate) fn tick_with(&self, done: usize, total: usize, message: &str) {
        if !message.is_empty() {
            self.bar.set_message(message.to_string());
        }
        self.bar.set_length(total as u64);
        self.bar.set_position(done as u64);
        if self.enabled
            && self.start.elapsed() > Duration::from_secs(2)
            && !self.shown.swap(true, Ordering::Relaxed)
        {
            self.bar
                .set_draw_target(indicatif::ProgressDrawTarget::stderr());
            self.bar.reset_eta();
        }
    }

    pub(crate) fn finish(&self) {
        self.done.store(true, Ordering::Relaxed);
        self.bar.finish_and_clear();
    }
}
