//! Figures as PNG. Text uses the DejaVu Sans font shipped in `assets/fonts`, so a machine with no
//! fonts installed draws the same pictures.

pub mod charts;
pub mod grid;
pub mod shapes;

use crate::error::{Context, Result};
use std::sync::Once;

static FONT: &[u8] = include_bytes!("../../../../assets/fonts/DejaVuSans.ttf");

/// Registers the shipped font as plotters' "sans-serif" (once per process).
pub fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        plotters::style::register_font("sans-serif", plotters::style::FontStyle::Normal, FONT)
            .map_err(|_| ())
            .expect("the shipped font parses");
    });
}

/// Encodes an RGB buffer as PNG bytes.
pub fn encode_png(rgb: Vec<u8>, width: u32, height: u32) -> Result<Vec<u8>> {
    let img = image::RgbImage::from_raw(width, height, rgb).context("image buffer has the wrong size")?;
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .context("encoding PNG")?;
    Ok(out.into_inner())
}
