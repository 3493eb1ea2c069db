//! `cargo bench --bench inverse`: time to fit 6×6 and 16×16 tori by each inverse method.
fn main() {
    lso::bench::print_inverse(&lso::bench::inverse(&[6, 16]));
}
