//! Small charts (histograms, scatter plots) drawn with plotters into PNG bytes.

use super::{encode_png, register_fonts};
use crate::error::{fail, Result};
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

pub const WIDTH: u32 = 640;
pub const HEIGHT: u32 = 420;

/// A labelled vertical line, e.g. the exact ground-state energy.
pub struct Marker<'a> {
    pub x: f64,
    pub label: &'a str,
    pub colour: RGBColor,
}

fn range_of(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
    if !lo.is_finite() {
        (0.0, 1.0)
    } else if hi - lo < 1e-12 {
        (lo - 0.5, hi + 0.5)
    } else {
        let pad = 0.04 * (hi - lo);
        (lo - pad, hi + pad)
    }
}

/// A histogram of `values` with optional vertical markers.
pub fn histogram(values: &[f64], bins: usize, title: &str, x_label: &str, markers: &[Marker<'_>]) -> Result<Vec<u8>> {
    let one = Sample {
        name: "",
        values,
        colour: RGBColor(70, 110, 180),
    };
    histograms(&[one], bins, title, x_label, markers)
}

/// A named set of values for [`histograms`].
pub struct Sample<'a> {
    pub name: &'a str,
    pub values: &'a [f64],
    pub colour: RGBColor,
}

/// Overlaid histograms on shared bins, with optional vertical markers. One sample is drawn in
/// counts; several are drawn as fractions of their own size, translucent, so sets of different
/// sizes compare.
pub fn histograms(
    samples: &[Sample<'_>],
    bins: usize,
    title: &str,
    x_label: &str,
    markers: &[Marker<'_>],
) -> Result<Vec<u8>> {
    let all = samples.iter().flat_map(|s| s.values.iter().copied());
    let (lo, hi) = range_of(all.chain(markers.iter().map(|m| m.x)));
    let width = (hi - lo) / bins as f64;
    let several = samples.len() > 1;
    let heights: Vec<Vec<f64>> = samples
        .iter()
        .map(|s| {
            let mut counts = vec![0.0f64; bins];
            for &v in s.values {
                counts[(((v - lo) / width) as usize).min(bins - 1)] += 1.0;
            }
            if several {
                let n = s.values.len().max(1) as f64;
                counts.iter_mut().for_each(|c| *c /= n);
            }
            counts
        })
        .collect();
    let top = heights.iter().flatten().fold(0.0f64, |a, &b| a.max(b));
    let top = if top > 0.0 { top * 1.1 } else { 1.0 };
    register_fonts();
    let mut rgb = vec![255u8; (WIDTH * HEIGHT * 3) as usize];
    {
        let area = BitMapBackend::with_buffer(&mut rgb, (WIDTH, HEIGHT)).into_drawing_area();
        let err = |e: &dyn std::fmt::Display| fail!("drawing {title}: {e}");
        let y_label = if several { "fraction" } else { "count" };
        let mut chart = draw_frame(&area, title, (lo, hi), (0.0, top), x_label, y_label)?;
        for (s, h) in samples.iter().zip(&heights) {
            let fill = if several {
                s.colour.mix(0.55).filled()
            } else {
                s.colour.filled()
            };
            let drawn = chart
                .draw_series(h.iter().enumerate().filter(|(_, &c)| c > 0.0).map(|(b, &c)| {
                    let x0 = lo + b as f64 * width;
                    Rectangle::new([(x0, 0.0), (x0 + width, c)], fill)
                }))
                .map_err(|e| err(&e))?;
            if several {
                let colour = s.colour;
                drawn
                    .label(s.name)
                    .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 18, y + 5)], colour.mix(0.55).filled()));
            }
        }
        for m in markers {
            let colour = m.colour;
            chart
                .draw_series(LineSeries::new([(m.x, 0.0), (m.x, top)], colour.stroke_width(2)))
                .map_err(|e| err(&e))?
                .label(m.label)
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], colour.stroke_width(2)));
        }
        if several || !markers.is_empty() {
            legend(&mut chart, SeriesLabelPosition::UpperRight, title)?;
        }
        area.present().map_err(|e| err(&e))?;
    }
    encode_png(rgb, WIDTH, HEIGHT)
}

/// Points `(x, y)` with optional horizontal reference lines (drawn as markers on the y axis).
pub fn scatter(
    points: &[(f64, f64)],
    title: &str,
    x_label: &str,
    y_label: &str,
    lines: &[Marker<'_>],
) -> Result<Vec<u8>> {
    let (x0, x1) = range_of(points.iter().map(|p| p.0));
    let (y0, y1) = range_of(points.iter().map(|p| p.1).chain(lines.iter().map(|m| m.x)));
    register_fonts();
    let mut rgb = vec![255u8; (WIDTH * HEIGHT * 3) as usize];
    {
        let area = BitMapBackend::with_buffer(&mut rgb, (WIDTH, HEIGHT)).into_drawing_area();
        let err = |e: &dyn std::fmt::Display| fail!("drawing {title}: {e}");
        let mut chart = draw_frame(&area, title, (x0, x1), (y0, y1), x_label, y_label)?;
        for m in lines {
            let colour = m.colour;
            chart
                .draw_series(LineSeries::new([(x0, m.x), (x1, m.x)], colour.stroke_width(2)))
                .map_err(|e| err(&e))?
                .label(m.label)
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], colour.stroke_width(2)));
        }
        chart
            .draw_series(
                points
                    .iter()
                    .map(|&(x, y)| Circle::new((x, y), 4, RGBColor(70, 110, 180).filled())),
            )
            .map_err(|e| err(&e))?;
        if !lines.is_empty() {
            legend(&mut chart, SeriesLabelPosition::UpperRight, title)?;
        }
        area.present().map_err(|e| err(&e))?;
    }
    encode_png(rgb, WIDTH, HEIGHT)
}

/// A named series of points in one colour.
pub struct Series<'a> {
    pub name: &'a str,
    pub points: Vec<(f64, f64)>,
    pub colour: RGBColor,
}

type Frame<'a, 'b> = ChartContext<
    'a,
    BitMapBackend<'b>,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

fn draw_frame<'a, 'b>(
    area: &'a DrawingArea<BitMapBackend<'b>, plotters::coord::Shift>,
    title: &str,
    x: (f64, f64),
    y: (f64, f64),
    x_label: &str,
    y_label: &str,
) -> Result<Frame<'a, 'b>> {
    draw_frame_with(area, title, x, y, (x_label, &tick), y_label)
}

/// [`draw_frame`] with its own x tick labels (a log axis labels `10^v`, not `v`).
fn draw_frame_with<'a, 'b>(
    area: &'a DrawingArea<BitMapBackend<'b>, plotters::coord::Shift>,
    title: &str,
    (x0, x1): (f64, f64),
    (y0, y1): (f64, f64),
    (x_label, x_tick): (&str, &dyn Fn(&f64) -> String),
    y_label: &str,
) -> Result<Frame<'a, 'b>> {
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(64)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(|e| fail!("drawing {title}: {e}"))?;
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc(y_label)
        .x_label_formatter(x_tick)
        .y_label_formatter(&tick)
        .light_line_style(WHITE)
        .label_style(("sans-serif", 13))
        .draw()
        .map_err(|e| fail!("drawing {title}: {e}"))?;
    Ok(chart)
}

/// A tick label without plotters' fixed trailing ".0": "200", "-2.03", "1.5e-5".
fn tick(v: &f64) -> String {
    let v = *v;
    if v == 0.0 {
        "0".to_string()
    } else if v.fract() == 0.0 && v.abs() < 1e9 {
        format!("{v:.0}")
    } else if v.abs() >= 1e-3 && v.abs() < 1e9 {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        format!("{v:.1e}")
    }
}

/// Draws the legend box of a chart's labelled series.
fn legend<'a, 'b: 'a>(chart: &mut Frame<'a, 'b>, position: SeriesLabelPosition, title: &str) -> Result<()> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font(("sans-serif", 13))
        .draw()
        .map_err(|e| fail!("drawing {title}: {e}"))
}

/// Lines through each series' points, with a legend.
pub fn lines(series: &[Series<'_>], title: &str, x_label: &str, y_label: &str) -> Result<Vec<u8>> {
    let (x0, x1) = range_of(series.iter().flat_map(|s| s.points.iter().map(|p| p.0)));
    let (y0, y1) = range_of(series.iter().flat_map(|s| s.points.iter().map(|p| p.1)));
    register_fonts();
    let mut rgb = vec![255u8; (WIDTH * HEIGHT * 3) as usize];
    {
        let area = BitMapBackend::with_buffer(&mut rgb, (WIDTH, HEIGHT)).into_drawing_area();
        let mut chart = draw_frame(&area, title, (x0, x1), (y0, y1), x_label, y_label)?;
        for s in series {
            let colour = s.colour;
            chart
                .draw_series(LineSeries::new(s.points.iter().copied(), colour.stroke_width(2)))
                .map_err(|e| fail!("drawing {title}: {e}"))?
                .label(s.name)
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], colour.stroke_width(2)));
        }
        legend(&mut chart, SeriesLabelPosition::UpperRight, title)?;
        area.present().map_err(|e| fail!("drawing {title}: {e}"))?;
    }
    encode_png(rgb, WIDTH, HEIGHT)
}

/// Predicted against true values (or model against data) with the y = x line.
pub fn parity(series: &[Series<'_>], title: &str, x_label: &str, y_label: &str) -> Result<Vec<u8>> {
    let (lo, hi) = range_of(series.iter().flat_map(|s| s.points.iter().flat_map(|p| [p.0, p.1])));
    register_fonts();
    let mut rgb = vec![255u8; (WIDTH * HEIGHT * 3) as usize];
    {
        let area = BitMapBackend::with_buffer(&mut rgb, (WIDTH, HEIGHT)).into_drawing_area();
        let mut chart = draw_frame(&area, title, (lo, hi), (lo, hi), x_label, y_label)?;
        chart
            .draw_series(LineSeries::new(
                [(lo, lo), (hi, hi)],
                RGBColor(200, 40, 40).stroke_width(2),
            ))
            .map_err(|e| fail!("drawing {title}: {e}"))?
            .label("y = x")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 18, y)], RGBColor(200, 40, 40).stroke_width(2)));
        for s in series {
            let colour = s.colour;
            chart
                .draw_series(s.points.iter().map(|&p| Circle::new(p, 3, colour.mix(0.7).filled())))
                .map_err(|e| fail!("drawing {title}: {e}"))?
                .label(s.name)
                .legend(move |(x, y)| Circle::new((x + 9, y), 4, colour.filled()));
        }
        legend(&mut chart, SeriesLabelPosition::UpperLeft, title)?;
        area.present().map_err(|e| fail!("drawing {title}: {e}"))?;
    }
    encode_png(rgb, WIDTH, HEIGHT)
}

/// A path to draw: its points, colour and legend name.
pub type Path<'a> = (Vec<(f64, f64)>, RGBColor, &'a str);

/// Point clouds, coloured paths through them, and red end points.
pub fn trajectories(
    clouds: &[Series<'_>],
    paths: &[Path<'_>],
    finals: &[(f64, f64)],
    title: &str,
    x_label: &str,
    y_label: &str,
) -> Result<Vec<u8>> {
    let all = clouds
        .iter()
        .flat_map(|c| c.points.iter())
        .chain(paths.iter().flat_map(|p| p.0.iter()))
        .chain(finals);
    let (x0, x1) = range_of(all.clone().map(|p| p.0));
    let (y0, y1) = range_of(all.map(|p| p.1));
    register_fonts();
    let mut rgb = vec![255u8; (WIDTH * HEIGHT * 3) as usize];
    {
        let area = BitMapBackend::with_buffer(&mut rgb, (WIDTH, HEIGHT)).into_drawing_area();
        let mut chart = draw_frame(&area, title, (x0, x1), (y0, y1), x_label, y_label)?;
        let err = |e: &dyn std::fmt::Display| fail!("drawing {title}: {e}");
        for cloud in clouds {
            let c = cloud.colour;
            chart
                .draw_series(cloud.points.iter().map(|&p| Circle::new(p, 2, c.filled())))
                .map_err(|e| err(&e))?
                .label(cloud.name)
                .legend(move |(x, y)| Circle::new((x + 9, y), 3, c.filled()));
        }
        let mut labelled = std::collections::HashSet::new();
        for (points, colour, name) in paths {
            let colour = *colour;
            let s = chart
                .draw_series(LineSeries::new(points.iter().copied(), colour.stroke_width(1)))
                .map_err(|e| err(&e))?;
            if labelled.insert(*name) {
                s.label(*name)
                    .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], colour.stroke_width(2)));
            }
        }
        chart
            .draw_series(
                finals
                    .iter()
                    .map(|&p| Circle::new(p, 4, RGBColor(200, 40, 40).filled())),
            )
            .map_err(|e| err(&e))?
            .label("final points")
            .legend(|(x, y)| Circle::new((x + 9, y), 4, RGBColor(200, 40, 40).filled()));
        legend(&mut chart, SeriesLabelPosition::UpperRight, title)?;
        area.present().map_err(|e| err(&e))?;
    }
    encode_png(rgb, WIDTH, HEIGHT)
}

/// A series of `(x, mean, low, high)` points drawn as a line with vertical error bars.
pub struct Band<'a> {
    pub name: &'a str,
    pub points: Vec<(f64, f64, f64, f64)>,
    pub colour: RGBColor,
    pub stroke: Stroke,
    pub mark: Mark,
}

/// The marker at each point of a [`Band`], so two lines of near colours and one stroke can still
/// be told apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mark {
    Circle,
    Square,
    Triangle,
}

impl Mark {
    /// Draws the marker at `at`, `r` pixels in radius, on a chart's plotting area or a plain one.
    fn draw<DB, CT>(
        self,
        area: &DrawingArea<DB, CT>,
        at: CT::From,
        r: i32,
        colour: RGBColor,
    ) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>>
    where
        DB: DrawingBackend,
        CT: CoordTranslate,
        CT::From: Clone,
    {
        let style = colour.filled();
        match self {
            Mark::Circle => area.draw(&Circle::new(at, r, style)),
            Mark::Square => area.draw(&(EmptyElement::at(at) + Rectangle::new([(-r, -r), (r, r)], style))),
            Mark::Triangle => area.draw(&TriangleMarker::new(at, r + 1, style)),
        }
    }
}

/// How a line is drawn, so that one colour can carry a second property (an objective, a
/// variant) and a dozen lines stay told apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Stroke {
    Solid,
    /// Solid, twice as wide.
    Bold,
    Dashed,
    Dotted,
}

impl Stroke {
    /// Dash and gap lengths in pixels; none for a solid line.
    fn dashes(self) -> Option<(u32, u32)> {
        match self {
            Stroke::Solid | Stroke::Bold => None,
            Stroke::Dashed => Some((8, 5)),
            Stroke::Dotted => Some((2, 4)),
        }
    }

    fn width(self) -> u32 {
        if self == Stroke::Bold {
            4
        } else {
            2
        }
    }
}

/// A side legend's column width and row height, and the room above its first row (the title's).
const LEGEND_COLUMN: u32 = 210;
const LEGEND_ROW: u32 = 18;
const LEGEND_TOP: u32 = 44;

/// Rows of a side legend column, and the canvas width for `n` entries: the plot keeps [`WIDTH`]
/// and each column adds [`LEGEND_COLUMN`].
fn side_legend_layout(n: usize) -> (usize, u32) {
    let rows = ((HEIGHT - 2 * LEGEND_TOP) / LEGEND_ROW).max(1) as usize;
    let columns = n.div_ceil(rows).max(1) as u32;
    (rows, WIDTH + columns * LEGEND_COLUMN)
}

/// Lines with error bars, x on a log10 axis (labelled in the original units), the legend
/// beside the plot: a dozen methods end within a few pixels of one another at the largest
/// budget, where a legend box in a corner would hide them.
pub fn error_lines_logx(series: &[Band<'_>], title: &str, x_label: &str, y_label: &str) -> Result<Vec<u8>> {
    let xs = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0.max(1e-300).log10()));
    let (x0, x1) = range_of(xs);
    let (y0, y1) = range_of(series.iter().flat_map(|s| s.points.iter().flat_map(|p| [p.2, p.3])));
    let (rows, width) = side_legend_layout(series.len());
    register_fonts();
    let mut rgb = vec![255u8; (width * HEIGHT * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (width, HEIGHT)).into_drawing_area();
        let (area, side) = root.split_horizontally(WIDTH);
        let log_tick = |v: &f64| tick(&10f64.powf(*v).round());
        let mut chart = draw_frame_with(&area, title, (x0, x1), (y0, y1), (x_label, &log_tick), y_label)?;
        for s in series {
            let colour = s.colour;
            let pts: Vec<(f64, f64)> = s.points.iter().map(|p| (p.0.log10(), p.1)).collect();
            let style = colour.stroke_width(s.stroke.width());
            match s.stroke.dashes() {
                None => chart.draw_series(LineSeries::new(pts, style)),
                Some((dash, gap)) => chart.draw_series(DashedLineSeries::new(pts, dash, gap, style)),
            }
            .map_err(|e| fail!("drawing {title}: {e}"))?;
            chart
                .draw_series(s.points.iter().map(|p| {
                    plotters::element::ErrorBar::new_vertical(p.0.log10(), p.2, p.1, p.3, colour.stroke_width(1), 6)
                }))
                .map_err(|e| fail!("drawing {title}: {e}"))?;
            // Markers, so a method with a single budget point (one that first fits the largest
            // budget) is still seen.
            for p in &s.points {
                s.mark
                    .draw(chart.plotting_area(), (p.0.log10(), p.1), 4, colour)
                    .map_err(|e| fail!("drawing {title}: {e}"))?;
            }
        }
        for (i, s) in series.iter().enumerate() {
            let x = (i / rows) as i32 * LEGEND_COLUMN as i32 + 6;
            let y = (LEGEND_TOP + (i % rows) as u32 * LEGEND_ROW) as i32;
            let style = s.colour.stroke_width(s.stroke.width());
            let path = [(x, y), (x + 26, y)];
            match s.stroke.dashes() {
                None => side.draw(&PathElement::new(path, style)),
                Some((dash, gap)) => side.draw(&DashedPathElement::new(path, dash, gap, style)),
            }
            .and_then(|_| s.mark.draw(&side, (x + 13, y), 4, s.colour))
            .and_then(|_| {
                let font = TextStyle::from(("sans-serif", 13).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
                side.draw(&Text::new(s.name, (x + 32, y), font))
            })
            .map_err(|e| fail!("drawing {title}: {e}"))?;
        }
        root.present().map_err(|e| fail!("drawing {title}: {e}"))?;
    }
    encode_png(rgb, width, HEIGHT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_labels_drop_trailing_zeros() {
        let cases = [
            (200.0, "200"),
            (-2.03, "-2.03"),
            (-0.0, "0"),
            (0.25, "0.25"),
            (0.1 + 0.2, "0.3"),
            (1.5e-5, "1.5e-5"),
            (1800.0, "1800"),
        ];
        for (v, want) in cases {
            assert_eq!(tick(&v), want, "{v}");
        }
    }

    /// Every entry gets a row inside the canvas, a second column only when the first is full.
    #[test]
    fn side_legend_rows_fit_the_canvas() {
        let (rows, one) = side_legend_layout(1);
        assert!(LEGEND_TOP + rows as u32 * LEGEND_ROW <= HEIGHT);
        assert_eq!(side_legend_layout(rows).1, one);
        assert_eq!(side_legend_layout(rows + 1).1, one + LEGEND_COLUMN);
        assert_eq!(side_legend_layout(0).1, one);
    }
}
