//! The refresh ticker: shows how far a refresh has got on standard error
//! while the engine reads objects (`Refreshing 312/801…`), and the
//! elapsed-time line at the end of plan, apply and drift.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use infra_engine::plan::RefreshProgress;
use std::fs::File;
use std::io::{IsTerminal, Write};
use std::os::fd::AsFd;
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The environment variable with the interval, in seconds (a decimal
/// number such as `0.5`), between progress lines when standard error is
/// not a terminal.
pub const INTERVAL_VAR: &str = "INFRA_PROGRESS_INTERVAL";

/// The interval between lines when standard error is not a terminal and
/// [`INTERVAL_VAR`] is unset or not a positive number of seconds.
const DEFAULT_INTERVAL: Duration = Duration::from_secs(10);

/// How often the terminal display is redrawn.
const REDRAW: Duration = Duration::from_millis(100);

/// A thread showing a refresh's progress on standard error until dropped.
/// On a terminal: one line updated in place (indicatif), cleared when the
/// refresh ends. Otherwise (CI): `Refreshing DONE/TOTAL…` once per
/// interval while a refresh is under way, so a run whose refresh ends
/// within the first interval prints nothing.
pub struct Ticker {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Ticker {
    /// Starts showing `progress`; `enabled` false (`--json`) shows
    /// nothing.
    pub fn start(progress: &Arc<RefreshProgress>, enabled: bool) -> Ticker {
        if !enabled {
            return Ticker {
                stop: None,
                thread: None,
            };
        }
        // The thread writes to a duplicate of the descriptor: the main
        // thread holds `std::io::stderr()`'s lock for the whole run.
        let Some(err) = duplicate_stderr() else {
            return Ticker {
                stop: None,
                thread: None,
            };
        };
        let (stop, stopped) = mpsc::channel();
        let progress = progress.clone();
        let terminal = err.is_terminal();
        let interval = interval(std::env::var(INTERVAL_VAR).ok().as_deref());
        let thread = std::thread::Builder::new()
            .name("infra-progress".into())
            .spawn(move || {
                if terminal {
                    on_terminal(&progress, &stopped, err);
                } else {
                    in_lines(&progress, &stopped, interval, err);
                }
            })
            .ok();
        Ticker {
            stop: Some(stop),
            thread,
        }
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        // Dropping the sender wakes the thread, which clears its line.
        self.stop.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A new descriptor for standard error; `None` when it cannot be made.
fn duplicate_stderr() -> Option<File> {
    std::io::stderr()
        .as_fd()
        .try_clone_to_owned()
        .ok()
        .map(File::from)
}

/// The interval [`INTERVAL_VAR`] gives (`None`: unset), else the default.
fn interval(text: Option<&str>) -> Duration {
    text.and_then(|t| t.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0 && *s < 1e6)
        .map_or(DEFAULT_INTERVAL, Duration::from_secs_f64)
}

/// The progress text: `Refreshing 312/801…`.
fn line(done: usize, total: usize) -> String {
    format!("Refreshing {done}/{total}…")
}

/// Waits `d` for the stop signal; true when stopped.
fn stopped_within(stopped: &mpsc::Receiver<()>, d: Duration) -> bool {
    !matches!(stopped.recv_timeout(d), Err(RecvTimeoutError::Timeout))
}

fn on_terminal(progress: &RefreshProgress, stopped: &mpsc::Receiver<()>, err: File) {
    // console reads nothing here; it wants a readable descriptor too.
    let Some(read) = duplicate_stderr() else {
        return;
    };
    let term = console::Term::read_write_pair(read, err);
    let mut bar: Option<ProgressBar> = None;
    loop {
        let stop = stopped_within(stopped, REDRAW);
        let (done, total) = progress.snapshot();
        if stop || done >= total {
            if let Some(b) = bar.take() {
                b.finish_and_clear();
            }
            if stop {
                return;
            }
            continue;
        }
        let b = bar.get_or_insert_with(|| {
            let b = ProgressBar::with_draw_target(
                Some(total as u64),
                ProgressDrawTarget::term(term.clone(), 10),
            );
            b.set_style(
                ProgressStyle::with_template("Refreshing {pos}/{len}…")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            b
        });
        b.set_length(total as u64);
        b.set_position(done as u64);
    }
}

fn in_lines(
    progress: &RefreshProgress,
    stopped: &mpsc::Receiver<()>,
    interval: Duration,
    mut err: File,
) {
    let mut next = Instant::now() + interval;
    loop {
        let wait = next.saturating_duration_since(Instant::now());
        if stopped_within(stopped, wait) {
            return;
        }
        next += interval;
        let (done, total) = progress.snapshot();
        if done < total {
            let _ = writeln!(err, "{}", line(done, total));
        }
    }
}

/// Writes `VERB in 0.84 s.` (wall time since `started`) to `err`: the
/// elapsed-time line of plan (`Planned`), apply (`Applied`), destroy
/// (`Destroyed`) and drift
/// (`Checked`). Never in `--json` output.
pub fn elapsed(err: &mut dyn Write, verb: &str, started: Instant) {
    let _ = writeln!(err, "{verb} in {:.2} s.", started.elapsed().as_secs_f64());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_is_seconds_or_the_default() {
        assert_eq!(interval(Some("0.5")), Duration::from_millis(500));
        assert_eq!(interval(Some(" 3 ")), Duration::from_secs(3));
        for bad in [
            None,
            Some(""),
            Some("soon"),
            Some("-1"),
            Some("0"),
            Some("NaN"),
            Some("1e300"),
        ] {
            assert_eq!(interval(bad), DEFAULT_INTERVAL, "{bad:?}");
        }
    }

    #[test]
    fn the_line_counts_done_of_total() {
        assert_eq!(line(312, 801), "Refreshing 312/801…");
    }

    #[test]
    fn elapsed_names_the_verb_and_seconds() {
        let mut out = Vec::new();
        elapsed(&mut out, "Planned", Instant::now());
        let text = String::from_utf8_lossy(&out);
        assert!(
            text.starts_with("Planned in 0.") && text.ends_with(" s.\n"),
            "{text}"
        );
    }
}
