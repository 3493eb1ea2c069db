//! `cargo bench --bench nn`: VAE epoch, surrogate training, latent Adam, the whole default job.
fn main() {
    match lso::bench::nn() {
        Ok(rows) => lso::bench::print_nn(&rows),
        Err(e) => eprintln!("error: {e:#}"),
    }
}
