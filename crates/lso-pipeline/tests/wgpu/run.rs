//! A chiral run whose network trains on wgpu (Mesa's software Vulkan driver in CI) gives the
//! latent codes of the same run trained on the CPU: the config key, the training device and the
//! move back to the CPU for everything after training.

use lso_pipeline::problems::ChiralProblem;
use std::path::Path;

const CONFIG: &str = include_str!("../../../../tests/fixtures/small-chiral.toml");

fn codes(device: &str, dir: &Path) -> Vec<f32> {
    let text = CONFIG.replace("[vae]\n", &format!("[vae]\ndevice = \"{device}\"\n"));
    let p = ChiralProblem::parse(&text, "small-chiral").unwrap();
    let run = dir.join(device);
    lso_pipeline::pipeline::prepare(&p, &run, false, &mut |_, _| {}).unwrap();
    lso_pipeline::vae_files::read_latents(&run.join("vae"), 4).unwrap()
}

#[test]
fn a_run_trained_on_wgpu_gives_the_codes_of_one_trained_on_the_cpu() {
    let dir = tempfile::tempdir().unwrap();
    let (cpu, gpu) = (codes("cpu", dir.path()), codes("wgpu", dir.path()));
    assert_eq!(cpu.len(), gpu.len());
    let worst = cpu.iter().zip(&gpu).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
    let scale = cpu.iter().map(|a| a.abs()).fold(0f32, f32::max);
    assert!(scale > 1e-3, "codes are all near zero: {scale}");
    assert!(
        worst < 1e-3 * scale.max(1.0),
        "codes differ by {worst} (largest code {scale})"
    );
}
