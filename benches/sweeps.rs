//! `cargo bench --bench sweeps`: spin-flip attempts per ns for the Ising samplers on 1024².
fn main() {
    let l = 1024;
    let rows = lso::bench::sweeps(l, 40, 5);
    lso::bench::print_table(l, &rows);
}
