//! Progress bars on stderr; indicatif hides them when stderr is not a terminal, and a front end
//! that draws its own (or none) turns them off with [`set_quiet`].

use indicatif::{ProgressBar, ProgressStyle};
use std::sync::atomic::{AtomicBool, Ordering};

static QUIET: AtomicBool = AtomicBool::new(false);

/// Hides every bar and stage message from now on (`true`) or shows them again.
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

pub fn bar(len: u64, what: &str) -> ProgressBar {
    if quiet() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(len);
    pb.set_style(
        ProgressStyle::with_template("{msg:>14} [{bar:32}] {percent:>3}% {elapsed_precise} eta {eta}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    pb.set_message(what.to_string());
    pb
}

/// A line of news about the run on stdout (a stage done or reused), unless quiet.
pub fn say(line: &str) {
    if !quiet() {
        println!("{line}");
    }
}
