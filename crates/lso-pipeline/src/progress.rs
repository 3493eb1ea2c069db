//! Progress on stderr: a bar on a terminal; elsewhere (a log file, CI, a pipe) a line every few
//! seconds, so long work is never silent. A front end that shows its own progress (or none)
//! turns both off with [`set_quiet`].

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

static QUIET: AtomicBool = AtomicBool::new(false);

/// Hides every bar, progress line and stage message from now on (`true`) or shows them again.
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

thread_local! {
    static MUTED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed) || MUTED.with(|m| m.get())
}

/// Runs `f` with bars and stage messages started on this thread hidden: inner pipelines of a
/// parallel job (`lso compare`) would otherwise interleave their lines with the job's own bar.
pub fn muted<T>(f: impl FnOnce() -> T) -> T {
    let before = MUTED.with(|m| m.replace(true));
    let out = f();
    MUTED.with(|m| m.set(before));
    out
}

/// Seconds between progress lines when stderr is not a terminal: `LSO_PROGRESS_SECONDS`, else 10.
fn line_interval() -> Duration {
    let s = std::env::var("LSO_PROGRESS_SECONDS")
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|v| *v >= 0.0 && v.is_finite())
        .unwrap_or(10.0);
    Duration::from_secs_f64(s)
}

/// A unit of long work: `inc` as it advances, `finish_and_clear` when done.
pub struct Progress {
    bar: ProgressBar,
    what: String,
    len: u64,
    pos: AtomicU64,
    start: Instant,
    /// `Some` (the last line's time) when progress goes out as lines rather than a bar.
    lines: Option<(Duration, Mutex<Instant>)>,
    /// The cancellation token current where the work began: ticks come from rayon's threads too.
    cancel: Option<lso_physics::cancel::Token>,
}

impl Progress {
    /// Also the point where cancelled work stops (`lso_physics::cancel`).
    pub fn inc(&self, n: u64) {
        if let Some(t) = &self.cancel {
            t.check();
        }
        self.bar.inc(n);
        let Some((every, last)) = &self.lines else {
            return;
        };
        let pos = self.pos.fetch_add(n, Ordering::Relaxed) + n;
        let Ok(mut last) = last.lock() else {
            return;
        };
        if last.elapsed() >= *every {
            *last = Instant::now();
            let pct = 100.0 * pos as f64 / self.len.max(1) as f64;
            eprintln!(
                "{}: {pos}/{} ({pct:.0}%), {:.1} s",
                self.what,
                self.len,
                self.start.elapsed().as_secs_f64()
            );
        }
    }

    /// A short status shown beside the bar (losses, say).
    pub fn set_message(&self, msg: String) {
        self.bar.set_message(msg);
    }

    pub fn finish_and_clear(&self) {
        self.bar.finish_and_clear();
    }
}

pub fn bar(len: u64, what: &str) -> Progress {
    let lines = !quiet() && !std::io::stderr().is_terminal();
    let bar = if quiet() || lines {
        ProgressBar::hidden()
    } else {
        let pb = ProgressBar::new(len);
        pb.set_style(
            ProgressStyle::with_template("{msg:>14} [{bar:32}] {percent:>3}% {elapsed_precise} eta {eta}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        pb.set_message(what.to_string());
        pb
    };
    let now = Instant::now();
    Progress {
        bar,
        what: what.to_string(),
        len,
        pos: AtomicU64::new(0),
        start: now,
        lines: lines.then(|| (line_interval(), Mutex::new(now))),
        cancel: lso_physics::cancel::current(),
    }
}

/// A line of news about the run on stdout (a stage done or reused), unless quiet.
pub fn say(line: &str) {
    if !quiet() {
        println!("{line}");
    }
}
