//! Shapes drawn as closed outlines in a grid of cells.

use super::{encode_png, register_fonts};
use crate::error::{fail, Result};
use plotters::prelude::*;

/// Each shape in its own cell, all on the same scale `[−extent, extent]²`.
pub fn grid(shapes: &[Vec<[f64; 2]>], captions: &[String], cols: usize, extent: f64, cell: u32) -> Result<Vec<u8>> {
    let cols = cols.clamp(1, shapes.len().max(1));
    let rows = shapes.len().div_ceil(cols);
    let caption_h = if captions.is_empty() { 0 } else { 16 };
    let (w, h) = (cols as u32 * cell, rows as u32 * (cell + caption_h));
    register_fonts();
    let mut rgb = vec![255u8; (w * h * 3) as usize];
    {
        let area = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        let cells = area.split_evenly((rows, cols));
        for (k, s) in shapes.iter().enumerate() {
            let c = &cells[k];
            let (plot, label) = c.split_vertically(cell);
            let mut chart = ChartBuilder::on(&plot)
                .margin(4)
                .build_cartesian_2d(-extent..extent, -extent..extent)
                .map_err(|e| fail!("drawing shapes: {e}"))?;
            let closed: Vec<(f64, f64)> = s.iter().chain(s.first()).map(|p| (p[0], p[1])).collect();
            chart
                .draw_series(std::iter::once(Polygon::new(
                    closed.clone(),
                    RGBColor(70, 110, 180).mix(0.25).filled(),
                )))
                .map_err(|e| fail!("drawing shapes: {e}"))?;
            chart
                .draw_series(LineSeries::new(closed, RGBColor(30, 60, 120).stroke_width(2)))
                .map_err(|e| fail!("drawing shapes: {e}"))?;
            plot.draw(&Rectangle::new(
                [(0, 0), (cell as i32 - 1, cell as i32 - 1)],
                RGBColor(200, 200, 200),
            ))
            .map_err(|e| fail!("drawing shapes: {e}"))?;
            if let Some(text) = captions.get(k) {
                label
                    .draw(&Text::new(text.clone(), (4, 1), ("sans-serif", 12).into_font()))
                    .map_err(|e| fail!("drawing shapes: {e}"))?;
            }
        }
        area.present().map_err(|e| fail!("drawing shapes: {e}"))?;
    }
    encode_png(rgb, w, h)
}
