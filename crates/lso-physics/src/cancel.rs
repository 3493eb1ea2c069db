//! Cooperative cancellation of long work started by a front end that outlives it (the Python
//! bindings: Ctrl-C must stop the computation, not just return to the prompt while a worker
//! thread burns on).
//!
//! A [`Token`] is made current on a thread with [`run`] (or [`within`] on a helper thread);
//! long loops call [`check`] at points where stopping loses nothing. A cancelled check unwinds
//! with a private payload that [`run`] turns back into `Err(Cancelled)`, so no signature between
//! the front end and the loop has to carry a cancel path, and Drop still cleans up staged files.
//! Unwinding is used rather than an error value because the loops sit under closures of rayon,
//! progress bars and optimisers that have no error channel; rayon carries the payload across its
//! threads to the joining caller.
//!
//! Without a current token [`check`] is one thread-local read and does nothing, which is how the
//! command line runs (Ctrl-C there ends the process, and runs resume from their checkpoints).

use std::cell::RefCell;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A shared flag: set once by whoever wants the work stopped.
#[derive(Clone, Debug, Default)]
pub struct Token(Arc<AtomicBool>);

impl Token {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// Unwinds out of the work if cancelled (see the module notes); a no-op otherwise.
    pub fn check(&self) {
        if self.is_cancelled() {
            resume_unwind(Box::new(Unwinding));
        }
    }
}

/// The work was stopped by its token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled;

impl std::fmt::Display for Cancelled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("cancelled")
    }
}

impl std::error::Error for Cancelled {}

/// The unwinding payload; private, so no other panic can be mistaken for a cancellation.
struct Unwinding;

thread_local! {
    static CURRENT: RefCell<Option<Token>> = const { RefCell::new(None) };
}

/// The token current on this thread, if any: what a progress bar captures when it is made, so
/// that its ticks from rayon's threads can check it too.
pub fn current() -> Option<Token> {
    CURRENT.with(|c| c.borrow().clone())
}

/// Stops the current work here if its token is cancelled.
pub fn check() {
    CURRENT.with(|c| {
        if let Some(t) = &*c.borrow() {
            t.check();
        }
    });
}

/// Runs `f` with `token` current on this thread (restored afterwards, even when unwinding). For
/// work handed to other threads inside [`run`]: a rayon closure wraps its body in this.
pub fn within<T>(token: &Token, f: impl FnOnce() -> T) -> T {
    struct Restore(Option<Token>);
    impl Drop for Restore {
        fn drop(&mut self) {
            CURRENT.with(|c| *c.borrow_mut() = self.0.take());
        }
    }
    let _restore = Restore(CURRENT.with(|c| c.borrow_mut().replace(token.clone())));
    f()
}

/// [`within`] for a token captured with [`current`] before handing work to rayon: the helper
/// thread checks the same token its caller would have.
pub fn inherit<T>(token: &Option<Token>, f: impl FnOnce() -> T) -> T {
    match token {
        Some(t) => within(t, f),
        None => f(),
    }
}

/// Runs `f` with `token` current; `Err(Cancelled)` if a check found it cancelled. Any other
/// panic goes on unwinding.
pub fn run<T>(token: &Token, f: impl FnOnce() -> T) -> Result<T, Cancelled> {
    match catch_unwind(AssertUnwindSafe(|| within(token, f))) {
        Ok(v) => Ok(v),
        Err(p) if p.is::<Unwinding>() => Err(Cancelled),
        Err(p) => resume_unwind(p),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rayon::prelude::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn an_uncancelled_run_returns_its_value_and_leaves_no_token_behind() {
        let t = Token::new();
        assert_eq!(run(&t, || 7), Ok(7));
        assert!(current().is_none());
        check(); // nothing current: must not unwind
    }

    #[test]
    fn a_cancelled_token_stops_the_loop_at_its_next_check() {
        let t = Token::new();
        let mut done = 0;
        let r = run(&t, || {
            for i in 0..1000 {
                if i == 10 {
                    current().expect("current inside run").cancel();
                }
                check();
                done += 1;
            }
        });
        assert_eq!(r, Err(Cancelled));
        assert_eq!(done, 10);
        assert!(current().is_none());
    }

    #[test]
    fn cancellation_crosses_rayon_threads_and_stops_the_rest() {
        let t = Token::new();
        let started = AtomicUsize::new(0);
        let r = run(&t, || {
            let token = current().expect("current");
            (0..10_000).into_par_iter().for_each(|i| {
                within(&token, || {
                    started.fetch_add(1, Ordering::Relaxed);
                    if i == 50 {
                        token.cancel();
                    }
                    check();
                })
            })
        });
        assert_eq!(r, Err(Cancelled));
        // Every item after the cancel stops at its check; rayon stops handing out new items
        // once one has unwound, so far fewer than all of them start.
        assert!(started.load(Ordering::Relaxed) < 10_000);
    }

    #[test]
    fn other_panics_are_not_taken_for_cancellation() {
        let t = Token::new();
        let r = catch_unwind(AssertUnwindSafe(|| run(&t, || panic!("a real bug"))));
        assert!(r.is_err());
    }
}
