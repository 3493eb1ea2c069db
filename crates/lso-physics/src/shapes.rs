//! 2D shapes as closed polygons of `n` ordered points (seed 003): generators for circles,
//! ellipses, regular polygons and stars, resampled uniformly by arc length from a consistent
//! start (the shape's own angle 0, counter-clockwise), and the design metrics an optimiser uses.

use crate::PhysicsError;
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::f64::consts::PI;

pub type Point = [f64; 2];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ShapeClass {
    Circle,
    Ellipse,
    Triangle,
    Square,
    Pentagon,
    Hexagon,
    Star,
}

impl ShapeClass {
    pub const ALL: [ShapeClass; 7] = [
        ShapeClass::Circle,
        ShapeClass::Ellipse,
        ShapeClass::Triangle,
        ShapeClass::Square,
        ShapeClass::Pentagon,
        ShapeClass::Hexagon,
        ShapeClass::Star,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ShapeClass::Circle => "circle",
            ShapeClass::Ellipse => "ellipse",
            ShapeClass::Triangle => "triangle",
            ShapeClass::Square => "square",
            ShapeClass::Pentagon => "pentagon",
            ShapeClass::Hexagon => "hexagon",
            ShapeClass::Star => "star",
        }
    }

    /// Corners at unit circumradius, counter-clockwise from angle 0 (a circle is a fine polygon).
    pub fn outline(self, aspect: f64) -> Vec<Point> {
        let regular = |k: usize| (0..k).map(|i| polar(1.0, 2.0 * PI * i as f64 / k as f64)).collect();
        match self {
            ShapeClass::Circle => regular(720),
            ShapeClass::Ellipse => (0..720)
                .map(|i| {
                    let t = 2.0 * PI * i as f64 / 720.0;
                    [t.cos(), aspect * t.sin()]
                })
                .collect(),
            ShapeClass::Triangle => regular(3),
            ShapeClass::Square => regular(4),
            ShapeClass::Pentagon => regular(5),
            ShapeClass::Hexagon => regular(6),
            ShapeClass::Star => (0..10)
                .map(|i| polar(if i % 2 == 0 { 1.0 } else { 0.45 }, PI * i as f64 / 5.0))
                .collect(),
        }
    }
}

impl std::str::FromStr for ShapeClass {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL.into_iter().find(|c| c.name() == s).ok_or_else(|| {
            format!(
                "unknown shape {s:?} (expected one of {})",
                Self::ALL.map(|c| c.name()).join(", ")
            )
        })
    }
}

fn polar(r: f64, t: f64) -> Point {
    [r * t.cos(), r * t.sin()]
}

/// `n` points equally spaced by arc length along the closed polygon, starting at its first corner.
pub fn resample(corners: &[Point], n: usize) -> Vec<Point> {
    let m = corners.len();
    let seg = |i: usize| (corners[i], corners[(i + 1) % m]);
    let lengths: Vec<f64> = (0..m)
        .map(|i| {
            let (a, b) = seg(i);
            ((b[0] - a[0]).powi(2) + (b[1] - a[1]).powi(2)).sqrt()
        })
        .collect();
    let total: f64 = lengths.iter().sum();
    let mut out = Vec::with_capacity(n);
    let (mut i, mut start) = (0usize, 0.0f64);
    for k in 0..n {
        let s = total * k as f64 / n as f64;
        while i + 1 < m && start + lengths[i] < s {
            start += lengths[i];
            i += 1;
        }
        let (a, b) = seg(i);
        let t = if lengths[i] > 0.0 {
            ((s - start) / lengths[i]).clamp(0.0, 1.0)
        } else {
            0.0
        };
        out.push([a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])]);
    }
    out
}

/// Ranges the generator draws from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ShapeParams {
    /// Circumradius range.
    pub size: [f64; 2],
    /// Centres uniform in `[−position, position]²`.
    pub position: f64,
    /// Random rotation in [0, 2π) (else none).
    pub rotate: bool,
    /// Ellipse axis ratio range.
    pub aspect: [f64; 2],
}

impl Default for ShapeParams {
    fn default() -> Self {
        Self {
            size: [0.6, 1.0],
            position: 0.2,
            rotate: true,
            aspect: [0.4, 0.8],
        }
    }
}

/// One random shape of `class` as `n` points.
pub fn generate<R: Rng + ?Sized>(class: ShapeClass, p: &ShapeParams, n: usize, rng: &mut R) -> Vec<Point> {
    let r = rng.random_range(p.size[0]..=p.size[1]);
    let theta = if p.rotate { rng.random_range(0.0..2.0 * PI) } else { 0.0 };
    let (cx, cy) = if p.position > 0.0 {
        (
            rng.random_range(-p.position..p.position),
            rng.random_range(-p.position..p.position),
        )
    } else {
        (0.0, 0.0)
    };
    let aspect = rng.random_range(p.aspect[0]..=p.aspect[1]);
    let (c, s) = (theta.cos(), theta.sin());
    let corners: Vec<Point> = class
        .outline(aspect)
        .iter()
        .map(|q| [cx + r * (c * q[0] - s * q[1]), cy + r * (s * q[0] + c * q[1])])
        .collect();
    resample(&corners, n)
}

pub fn perimeter(p: &[Point]) -> f64 {
    (0..p.len())
        .map(|i| {
            let (a, b) = (p[i], p[(i + 1) % p.len()]);
            ((b[0] - a[0]).powi(2) + (b[1] - a[1]).powi(2)).sqrt()
        })
        .sum()
}

/// Signed area by the shoelace formula (positive counter-clockwise).
pub fn signed_area(p: &[Point]) -> f64 {
    0.5 * (0..p.len())
        .map(|i| {
            let (a, b) = (p[i], p[(i + 1) % p.len()]);
            a[0] * b[1] - b[0] * a[1]
        })
        .sum::<f64>()
}

/// `P²/(4π|A|)`: 1 for a circle, larger for anything else.
pub fn isoperimetric_ratio(p: &[Point]) -> Result<f64, PhysicsError> {
    let a = signed_area(p).abs();
    if a.is_nan() || a <= 1e-12 {
        return Err(PhysicsError::Data("degenerate polygon: zero area".into()));
    }
    Ok(perimeter(p).powi(2) / (4.0 * PI * a))
}

/// Perimeter over area (the 2D surface-to-volume ratio).
pub fn perimeter_to_area(p: &[Point]) -> Result<f64, PhysicsError> {
    let a = signed_area(p).abs();
    if a.is_nan() || a <= 1e-12 {
        return Err(PhysicsError::Data("degenerate polygon: zero area".into()));
    }
    Ok(perimeter(p) / a)
}

fn cross(o: Point, a: Point, b: Point) -> f64 {
    (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])
}

fn segments_cross(a: Point, b: Point, c: Point, d: Point) -> bool {
    let (d1, d2, d3, d4) = (cross(c, d, a), cross(c, d, b), cross(a, b, c), cross(a, b, d));
    (d1 > 0.0) != (d2 > 0.0) && (d3 > 0.0) != (d4 > 0.0) && d1 != 0.0 && d2 != 0.0 && d3 != 0.0 && d4 != 0.0
}

/// Pairs of non-adjacent edges that cross: 0 for a simple polygon.
pub fn self_intersections(p: &[Point]) -> usize {
    let n = p.len();
    let mut count = 0;
    for i in 0..n {
        for j in i + 2..n {
            if i == 0 && j == n - 1 {
                continue;
            }
            if segments_cross(p[i], p[(i + 1) % n], p[j], p[(j + 1) % n]) {
                count += 1;
            }
        }
    }
    count
}

/// A shape usable as a design: non-zero area and no crossing edges.
pub fn is_valid(p: &[Point]) -> bool {
    signed_area(p).abs() > 1e-9 && self_intersections(p) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{stream, tag};

    #[test]
    fn metrics_are_exact_on_analytic_polygons() {
        let square = [[0.0, 0.0], [2.0, 0.0], [2.0, 2.0], [0.0, 2.0]];
        assert_eq!(perimeter(&square), 8.0);
        assert_eq!(signed_area(&square), 4.0);
        assert_eq!(perimeter_to_area(&square).unwrap(), 2.0);
        assert!((isoperimetric_ratio(&square).unwrap() - 4.0 / PI).abs() < 1e-12);
        for n in [3usize, 5, 8, 100, 10_000] {
            let r = 1.7;
            let poly: Vec<Point> = (0..n).map(|i| polar(r, 2.0 * PI * i as f64 / n as f64)).collect();
            let t = PI / n as f64;
            assert!((perimeter(&poly) - 2.0 * n as f64 * r * t.sin()).abs() < 1e-9);
            assert!((signed_area(&poly) - 0.5 * n as f64 * r * r * (2.0 * t).sin()).abs() < 1e-9);
            let iso = isoperimetric_ratio(&poly).unwrap();
            assert!((iso - n as f64 * t.tan() / PI).abs() < 1e-9, "n = {n}");
        }
        // The circle is the limit: the ratio of a 10⁴-gon is 1 to within π²/(3n²).
        let fine: Vec<Point> = (0..10_000).map(|i| polar(1.0, 2.0 * PI * i as f64 / 1e4)).collect();
        assert!((isoperimetric_ratio(&fine).unwrap() - 1.0) < 4e-8);
        assert!(isoperimetric_ratio(&[[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]]).is_err());
    }

    #[test]
    fn generated_points_are_ordered_and_equally_spaced() {
        let mut rng = stream(3, tag("shapes"), 0);
        for class in ShapeClass::ALL {
            let p = generate(class, &ShapeParams::default(), 100, &mut rng);
            assert_eq!(p.len(), 100);
            assert!(signed_area(&p) > 0.0, "{class:?} runs counter-clockwise");
            assert!(is_valid(&p), "{class:?} is simple");
            // Equal arc-length spacing: every chord spans the same length of outline, so chords
            // are all equal except those cutting a corner, which are shorter.
            let chords: Vec<f64> = (0..100)
                .map(|i| {
                    let (a, b) = (p[i], p[(i + 1) % 100]);
                    ((b[0] - a[0]).powi(2) + (b[1] - a[1]).powi(2)).sqrt()
                })
                .collect();
            let step = chords.iter().cloned().fold(0.0, f64::max);
            let full = chords.iter().filter(|&&c| (c - step).abs() < 1e-3 * step).count();
            assert!(full >= 85, "{class:?}: {full} of 100 chords at the arc-length step");
        }
    }

    #[test]
    fn crossings_are_found() {
        let bow_tie = [[0.0, 0.0], [1.0, 1.0], [1.0, 0.0], [0.0, 1.0]];
        assert_eq!(self_intersections(&bow_tie), 1);
        assert!(!is_valid(&bow_tie));
        let star: Vec<Point> = ShapeClass::Star.outline(1.0);
        assert_eq!(self_intersections(&star), 0);
    }
}
