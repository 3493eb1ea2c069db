//! Cancelled work stops: a token cancelled from another thread ends generation within a few
//! samples, not after all of them.

use lso_physics::cancel::{run, Cancelled, Token};
use lso_pipeline::problems::chiral::{data, ChiralDataConfig};
use std::time::{Duration, Instant};

#[test]
fn chiral_generation_stops_soon_after_its_token_is_cancelled() {
    let cfg: ChiralDataConfig =
        toml::from_str("lx = 32\nly = 32\nsamples = 100000\nsteps = 50\nsweeps_per_step = 10").unwrap();
    let token = Token::new();
    let t = token.clone();
    let stopper = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        t.cancel();
        Instant::now()
    });
    let r = run(&token, || data::generate(&cfg, 0));
    let ended = Instant::now();
    let cancelled_at = stopper.join().unwrap();
    assert!(matches!(r, Err(Cancelled)));
    assert!(ended.duration_since(cancelled_at) < Duration::from_secs(2));
}
