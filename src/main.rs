use std::process::ExitCode;

fn main() -> ExitCode {
    // Piped into `head`, a closed stdout should end the program quietly, as for any Unix tool.
    // SAFETY: restoring the default signal disposition before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    keep_tensor_buffers_on_the_heap();
    stop_cleanly_on_interrupt();
    let cli = match lso::cli::parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help and version to stdout (exit 0) and usage errors to stderr (exit 2).
            let _ = e.print();
            return ExitCode::from(e.exit_code() as u8);
        }
    };
    match lso::commands::dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", format!("{e:#}").replace('\n', " "));
            ExitCode::from(lso::error::exit_code(&e))
        }
    }
}

/// burn allocates a fresh buffer for every intermediate tensor. Above glibc's mmap threshold each
/// is a new mapping that faults in page by page, and a freed heap top is trimmed back to the OS,
/// so training spent about a sixth of its time in page faults. Keeping large blocks on the heap
/// makes a conv-VAE epoch about 17% faster; the cost is memory held for reuse.
fn keep_tensor_buffers_on_the_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only adjusts allocator tunables; called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
        libc::mallopt(libc::M_TOP_PAD, 64 << 20);
    }
}

/// Ctrl-C (SIGINT) or SIGTERM: remove the temporaries being written, say so, exit 130 (143).
/// Finished stages stay, so the same command resumes. The signals are blocked in every thread
/// and taken by one waiting thread, where removing files is safe (a signal handler could not).
fn stop_cleanly_on_interrupt() {
    #[cfg(unix)]
    // SAFETY: called before any other thread starts, so every later thread inherits the mask;
    // sigwait only reads the set.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::sigaddset(&mut set, libc::SIGTERM);
        if libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) != 0 {
            return;
        }
        std::thread::spawn(move || {
            let mut sig: libc::c_int = 0;
            if libc::sigwait(&set, &mut sig) == 0 {
                let removed = lso::rundir::remove_active_temporaries();
                eprintln!(
                    "\ninterrupted: removed {removed} temporary file(s) or folder(s); finished stages are kept, so the same command resumes"
                );
                std::process::exit(128 + sig);
            }
        });
    }
}
