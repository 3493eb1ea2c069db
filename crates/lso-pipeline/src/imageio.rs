//! Images as spin configurations (seed 002's hints): crop to a centred square, average down to
//! `N × N` (or `K·N` square for `K²` tiles), binarise at a fixed or Otsu threshold; bright is +1.

use crate::error::{fail, Result};
use lso_physics::SpinSet;
use std::path::Path;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Threshold {
    /// Otsu's threshold: maximises the between-class variance of the grey levels.
    Otsu,
    /// A grey level in [0, 1].
    Fixed(f64),
}

impl std::str::FromStr for Threshold {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s == "otsu" {
            return Ok(Threshold::Otsu);
        }
        match s.parse::<f64>() {
            Ok(t) if (0.0..=1.0).contains(&t) => Ok(Threshold::Fixed(t)),
            _ => Err(format!("expected otsu or a grey level in [0, 1], got {s:?}")),
        }
    }
}

pub struct ImageOptions {
    pub size: usize,
    pub tiles: usize,
    pub threshold: Threshold,
}

/// Whether a path names an image rather than an `.npy` file (by its extension).
pub fn is_image(path: &Path) -> bool {
    matches!(
        path.extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .as_deref(),
        Some("png" | "jpg" | "jpeg")
    )
}

/// Area-averaged grey levels in [0, 1] of the centred square crop, resampled to `out × out`.
fn grey_square(path: &Path, out: usize) -> Result<Vec<f64>> {
    let bytes = std::fs::read(path).map_err(|e| fail!("{}: cannot read: {e}", path.display()))?;
    grey_levels(&bytes, out).map_err(|e| fail!("{}: {e}", path.display()))
}

/// [`grey_square`] on the bytes of a PNG or JPEG; the error says what is wrong with them.
pub fn grey_levels(bytes: &[u8], out: usize) -> std::result::Result<Vec<f64>, String> {
    if out == 0 {
        return Err("the requested size is 0".into());
    }
    // The JPEG decoder fills a cut-off file with grey and carries on; a file that starts as a JPEG
    // must also end as one (the end-of-image marker, maybe followed by padding).
    if bytes.starts_with(&[0xFF, 0xD8]) {
        let tail = &bytes[bytes.len().saturating_sub(64)..];
        if !tail.windows(2).any(|w| w == [0xFF, 0xD9]) {
            return Err("truncated JPEG (no end-of-image marker)".into());
        }
    }
    let img = image::load_from_memory(bytes)
        .map_err(|e| format!("cannot decode image: {e}"))?
        .to_luma8();
    let (w, h) = (img.width() as usize, img.height() as usize);
    let side = w.min(h);
    if side < out {
        return Err(format!("image is {w}×{h}, smaller than the {out}×{out} requested"));
    }
    let (ox, oy) = ((w - side) / 2, (h - side) / 2);
    let edge = |k: usize| k * side / out;
    let mut grey = vec![0.0; out * out];
    for y in 0..out {
        for x in 0..out {
            let (mut sum, mut count) = (0.0, 0usize);
            for py in edge(y)..edge(y + 1) {
                for px in edge(x)..edge(x + 1) {
                    sum += img.get_pixel((ox + px) as u32, (oy + py) as u32).0[0] as f64;
                    count += 1;
                }
            }
            grey[y * out + x] = sum / count as f64 / 255.0;
        }
    }
    Ok(grey)
}

/// Otsu's threshold on grey levels in [0, 1] (256 bins).
pub fn otsu(grey: &[f64]) -> f64 {
    let mut hist = [0usize; 256];
    for &g in grey {
        hist[((g * 255.0).round() as usize).min(255)] += 1;
    }
    let total = grey.len() as f64;
    let sum_all: f64 = hist.iter().enumerate().map(|(k, &c)| k as f64 * c as f64).sum();
    let (mut w0, mut sum0, mut best, mut best_t) = (0.0, 0.0, -1.0, 0usize);
    for (t, &c) in hist.iter().enumerate() {
        w0 += c as f64;
        sum0 += t as f64 * c as f64;
        let w1 = total - w0;
        if w0 == 0.0 || w1 == 0.0 {
            continue;
        }
        let between = w0 * w1 * (sum0 / w0 - (sum_all - sum0) / w1).powi(2);
        if between > best {
            best = between;
            best_t = t;
        }
    }
    // Levels above best_t form the bright class.
    (best_t as f64 + 0.5) / 255.0
}

/// Loads every image as `tiles²` configurations of `size × size`.
pub fn load_images(paths: &[&Path], opts: &ImageOptions) -> Result<SpinSet> {
    let out = opts.size * opts.tiles;
    let mut spins = Vec::new();
    for path in paths {
        let grey = grey_square(path, out)?;
        let t = match opts.threshold {
            Threshold::Otsu => otsu(&grey),
            Threshold::Fixed(t) => t,
        };
        for ty in 0..opts.tiles {
            for tx in 0..opts.tiles {
                for y in 0..opts.size {
                    for x in 0..opts.size {
                        let g = grey[(ty * opts.size + y) * out + tx * opts.size + x];
                        spins.push(if g >= t { 1 } else { -1 });
                    }
                }
            }
        }
    }
    Ok(SpinSet::new(opts.size, opts.size, spins)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_jpegs_are_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("whole.jpg");
        image::GrayImage::from_fn(32, 32, |x, y| image::Luma([((x * 7 + y * 3) % 256) as u8]))
            .save(&p)
            .unwrap();
        assert!(grey_square(&p, 8).is_ok());
        let bytes = std::fs::read(&p).unwrap();
        let cut = dir.path().join("cut.jpg");
        std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
        let err = grey_square(&cut, 8).unwrap_err().to_string();
        assert!(err.contains("cut.jpg") && err.contains("truncated JPEG"), "{err}");
    }

    #[test]
    fn otsu_splits_two_populations() {
        let grey: Vec<f64> = (0..100).map(|k| if k % 2 == 0 { 0.2 } else { 0.7 }).collect();
        let t = otsu(&grey);
        assert!(t > 0.2 && t < 0.7, "{t}");
    }

    #[test]
    fn images_become_tiles_of_spins() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("img.png");
        // 8×6 image: the centred 6×6 square has its left half dark, right half bright.
        let img = image::GrayImage::from_fn(8, 6, |x, _| image::Luma([if x < 4 { 30 } else { 220 }]));
        img.save(&p).unwrap();
        let set = load_images(
            &[&p],
            &ImageOptions {
                size: 3,
                tiles: 2,
                threshold: Threshold::Otsu,
            },
        )
        .unwrap();
        assert_eq!((set.len(), set.lx(), set.ly()), (4, 3, 3));
        // The crop keeps image columns 1..7: the left tiles are dark, the right ones bright.
        assert_eq!(set.config(0), &[-1, -1, -1, -1, -1, -1, -1, -1, -1]);
        assert_eq!(set.config(1), &[1, 1, 1, 1, 1, 1, 1, 1, 1]);
        let bad = dir.path().join("bad.png");
        std::fs::write(&bad, b"not a png").unwrap();
        let err = load_images(
            &[&bad],
            &ImageOptions {
                size: 2,
                tiles: 1,
                threshold: Threshold::Otsu,
            },
        )
        .unwrap_err();
        assert!(err.to_string().contains("cannot decode image"), "{err}");
    }
}
