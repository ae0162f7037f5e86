//! The report's charts: bar charts drawn by plotters into SVG strings,
//! inlined in the HTML page. Every coordinate is an integer pixel, so the
//! same figures give the same bytes.
//!
//! Without a font feature (see the workspace's Cargo.toml), plotters
//! estimates a label's width from its length in bytes: a Hangul syllable
//! (3 bytes) would be laid out three times too wide. The labels here are
//! slugs, hours and reason codes, all ASCII; text in either language (the
//! unanswered questions) goes in the page's tables, not in a chart.

use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;

use super::RenderError;

/// A chart's size, in pixels.
const SIZE: (u32, u32) = (720, 300);

/// One series of a bar chart: a name for the legend, a colour, a value per
/// bar.
pub struct Series<'a> {
    pub name: &'a str,
    pub color: RGBColor,
    pub values: Vec<u64>,
}

/// The colour of each kind of activity, the same in every chart (and
/// legible on white).
pub const VIEWS: RGBColor = RGBColor(0x2b, 0x6c, 0xb0);
pub const COMMENTS: RGBColor = RGBColor(0x2f, 0x85, 0x5a);
pub const VIDEOS: RGBColor = RGBColor(0xc0, 0x56, 0x21);
pub const CHAT: RGBColor = RGBColor(0x6b, 0x46, 0xc1);
pub const APPROVED: RGBColor = COMMENTS;
pub const REJECTED: RGBColor = RGBColor(0xc5, 0x30, 0x30);

fn err(e: impl std::fmt::Display) -> RenderError {
    RenderError(e.to_string())
}

/// A label short enough for its bar: at most 12 bytes (all labels are ASCII).
fn short(label: &str) -> String {
    if label.len() <= 12 {
        label.to_owned()
    } else {
        format!("{}...", &label[..9])
    }
}

/// Bars, one per label, each the stack of the series' values; a legend
/// when there is more than one series.
pub fn bars(
    caption: &str,
    labels: &[String],
    series: &[Series<'_>],
) -> Result<String, RenderError> {
    let n = labels.len().max(1);
    let totals: Vec<u64> = (0..n)
        .map(|i| {
            series
                .iter()
                .map(|s| s.values.get(i).copied().unwrap_or(0))
                .sum()
        })
        .collect();
    let top = totals.iter().copied().max().unwrap_or(0);
    // Headroom above the tallest bar (room for the legend when there is
    // one), and never an empty axis.
    let headroom = match series.len() as u64 {
        0 | 1 => top / 8,
        more => top * (more - 1) / 2,
    };
    let y_max = (top + headroom).max(top + 1);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(caption, ("sans-serif", 16))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(48)
            // A discrete range is inclusive: `0..n - 1` is n bars.
            .build_cartesian_2d((0..n - 1).into_segmented(), 0u64..y_max)
            .map_err(err)?;
        let label_of = |v: &SegmentValue<usize>| match v {
            SegmentValue::CenterOf(i) => labels.get(*i).map(|l| short(l)).unwrap_or_default(),
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n)
            .x_label_formatter(&label_of)
            .y_labels(5)
            .draw()
            .map_err(err)?;
        let mut base = vec![0u64; n];
        for s in series {
            let color = s.color;
            let bars: Vec<Rectangle<(SegmentValue<usize>, u64)>> = (0..n)
                .filter_map(|i| {
                    let v = s.values.get(i).copied().unwrap_or(0);
                    let from = base[i];
                    base[i] += v;
                    (v > 0).then(|| {
                        let mut bar = Rectangle::new(
                            [
                                (SegmentValue::Exact(i), from),
                                (SegmentValue::Exact(i + 1), from + v),
                            ],
                            color.filled(),
                        );
                        // A gap between neighbours.
                        bar.set_margin(0, 0, 4, 4);
                        bar
                    })
                })
                .collect();
            let drawn = chart.draw_series(bars).map_err(err)?;
            if series.len() > 1 {
                drawn.label(s.name).legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled())
                });
            }
        }
        if series.len() > 1 {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .border_style(BLACK)
                .background_style(WHITE)
                .draw()
                .map_err(err)?;
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_is_svg_and_the_same_every_time() {
        let labels: Vec<String> = ["home", "a-very-long-page-name"].map(String::from).to_vec();
        let series = || {
            vec![
                Series {
                    name: "views",
                    color: VIEWS,
                    values: vec![3, 1],
                },
                Series {
                    name: "comments",
                    color: COMMENTS,
                    values: vec![1, 0],
                },
            ]
        };
        let svg = bars("Views", &labels, &series()).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
        assert!(svg.contains("a-very-lo..."));
        assert!(svg.contains("\ncomments\n"), "the legend names each series");
        assert_eq!(svg, bars("Views", &labels, &series()).unwrap());
    }
}
