//! A grid of Ising configurations: white = +1, black = −1, one caption under each panel.

use super::{encode_png, register_fonts};
use crate::error::{fail, Result};
use plotters::prelude::*;

pub struct Panel<'a> {
    pub spins: &'a [i8],
    pub lx: usize,
    pub ly: usize,
    pub caption: String,
}

const PAD: u32 = 8;
const CAPTION: u32 = 20;

/// The largest image side drawn, in pixels (a 16384² RGB image is 768 MiB).
pub const MAX_SIDE: u64 = 16384;

/// The pixel size of a grid of `n` panels of `lx × ly` spins at `scale`, `cols` across, each
/// cell at least `min_w` wide; refused (not overflowed or allocated) beyond [`MAX_SIDE`].
fn grid_size(n: usize, lx: usize, ly: usize, cols: usize, scale: u32, min_w: u64) -> Result<(u32, u32, u32)> {
    let cols = cols.clamp(1, n.max(1)) as u64;
    let rows = (n as u64).div_ceil(cols);
    let (pw, ph) = (
        (lx as u64).saturating_mul(scale as u64),
        (ly as u64).saturating_mul(scale as u64),
    );
    let pad = PAD as u64;
    let width = pad.saturating_add(cols.saturating_mul(pw.max(min_w).saturating_add(pad)));
    let height = pad.saturating_add(rows.saturating_mul(ph.saturating_add(CAPTION as u64 + pad)));
    check_side(width, height)?;
    Ok((width as u32, height as u32, cols as u32))
}

fn check_side(width: u64, height: u64) -> Result<()> {
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(crate::error::usage(format!(
            "the image would be {width}×{height} pixels, beyond the {MAX_SIDE}-pixel limit per side: lower --scale or draw fewer configurations"
        )));
    }
    Ok(())
}

/// Pixels per spin that make a panel about 160 px wide.
pub fn default_scale(lx: usize, ly: usize) -> u32 {
    (160 / lx.max(ly).max(1) as u32).max(1)
}

/// One configuration as a greyscale image, `scale` pixels per spin, white = +1.
pub fn render_plain(spins: &[i8], lx: usize, ly: usize, scale: u32) -> Result<Vec<u8>> {
    check_side(lx as u64 * scale as u64, ly as u64 * scale as u64)?;
    let (w, h) = (lx as u32 * scale, ly as u32 * scale);
    let mut rgb = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h {
        for x in 0..w {
            let v = if spins[(y / scale) as usize * lx + (x / scale) as usize] > 0 {
                255
            } else {
                0
            };
            rgb.extend_from_slice(&[v, v, v]);
        }
    }
    encode_png(rgb, w, h)
}

pub fn render(panels: &[Panel<'_>], cols: usize, scale: u32) -> Result<Vec<u8>> {
    let first = panels.first().ok_or_else(|| fail!("nothing to render"))?;
    let (width, height, cols) = grid_size(panels.len(), first.lx, first.ly, cols, scale, 90)?;
    let (pw, ph) = (first.lx as u32 * scale, first.ly as u32 * scale);
    let cell_w = pw.max(90) + PAD;
    let mut rgb = vec![255u8; (width * height * 3) as usize];
    let mut put = |x: u32, y: u32, v: u8| {
        let at = ((y * width + x) * 3) as usize;
        rgb[at..at + 3].fill(v);
    };
    for (k, p) in panels.iter().enumerate() {
        let (x0, y0) = (
            PAD + (k as u32 % cols) * cell_w,
            PAD + (k as u32 / cols) * (ph + CAPTION + PAD),
        );
        for y in 0..p.ly as u32 * scale {
            for x in 0..p.lx as u32 * scale {
                let s = p.spins[(y / scale) as usize * p.lx + (x / scale) as usize];
                put(x0 + x, y0 + y, if s > 0 { 255 } else { 0 });
            }
        }
        // A grey frame keeps an all-white configuration visible against the background.
        for x in 0..pw {
            put(x0 + x, y0, 150);
            put(x0 + x, y0 + ph - 1, 150);
        }
        for y in 0..ph {
            put(x0, y0 + y, 150);
            put(x0 + pw - 1, y0 + y, 150);
        }
    }
    register_fonts();
    {
        let area = BitMapBackend::with_buffer(&mut rgb, (width, height)).into_drawing_area();
        let font = ("sans-serif", 13).into_font().color(&BLACK);
        for (k, p) in panels.iter().enumerate() {
            let (x0, y0) = (
                PAD + (k as u32 % cols) * cell_w,
                PAD + (k as u32 / cols) * (ph + CAPTION + PAD),
            );
            area.draw(&Text::new(
                p.caption.clone(),
                (x0 as i32, (y0 + ph + 4) as i32),
                font.clone(),
            ))
            .map_err(|e| fail!("drawing caption: {e}"))?;
        }
        area.present().map_err(|e| fail!("drawing: {e}"))?;
    }
    encode_png(rgb, width, height)
}

/// HSL to RGB with `h` in turns, `s` and `l` in [0, 1].
fn hsl(h: f64, s: f64, l: f64) -> [u8; 3] {
    let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
    let hp = h.rem_euclid(1.0) * 6.0;
    let x = c * (1.0 - (hp % 2.0 - 1.0).abs());
    let (r, g, b) = match hp as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = l - c / 2.0;
    [r, g, b].map(|v| ((v + m).clamp(0.0, 1.0) * 255.0).round() as u8)
}

/// Colour of a unit spin as in seed 001: hue = in-plane angle, lightness = (S_z + 1)/2 (white
/// up, black down).
pub fn spin_colour(s: [f64; 3]) -> [u8; 3] {
    hsl(s[1].atan2(s[0]) / std::f64::consts::TAU, 1.0, (s[2] + 1.0) / 2.0)
}

/// A grid of vector configurations drawn with [`spin_colour`], captions below.
pub fn render_vectors(
    panels: &[(&[[f64; 3]], String)],
    lx: usize,
    ly: usize,
    cols: usize,
    scale: u32,
) -> Result<Vec<u8>> {
    let (width, height, cols) = grid_size(panels.len(), lx, ly, cols, scale, 110)?;
    let (pw, ph) = (lx as u32 * scale, ly as u32 * scale);
    let cell_w = pw.max(110) + PAD;
    let mut rgb = vec![255u8; (width * height * 3) as usize];
    for (k, (spins, _)) in panels.iter().enumerate() {
        let (x0, y0) = (
            PAD + (k as u32 % cols) * cell_w,
            PAD + (k as u32 / cols) * (ph + CAPTION + PAD),
        );
        for y in 0..ph {
            for x in 0..pw {
                let c = spin_colour(spins[(y / scale) as usize * lx + (x / scale) as usize]);
                let at = (((y0 + y) * width + x0 + x) * 3) as usize;
                rgb[at..at + 3].copy_from_slice(&c);
            }
        }
    }
    register_fonts();
    {
        let area = BitMapBackend::with_buffer(&mut rgb, (width, height)).into_drawing_area();
        for (k, (_, caption)) in panels.iter().enumerate() {
            let (x0, y0) = (
                PAD + (k as u32 % cols) * cell_w,
                PAD + (k as u32 / cols) * (ph + CAPTION + PAD),
            );
            area.draw(&Text::new(
                caption.clone(),
                (x0 as i32, (y0 + ph + 4) as i32),
                ("sans-serif", 13).into_font().color(&BLACK),
            ))
            .map_err(|e| fail!("drawing caption: {e}"))?;
        }
        area.present().map_err(|e| fail!("drawing: {e}"))?;
    }
    encode_png(rgb, width, height)
}
