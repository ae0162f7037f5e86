//! The report as an SVG of horizontal bar charts, written by hand: a few
//! rectangles and labels need no plotting crate.

use std::fmt::Write as _;

use crate::report::Report;

const WIDTH: f64 = 950.0;
const LABEL_W: f64 = 300.0;
const BAR_W: f64 = 470.0;
const ROW_H: f64 = 22.0;
const TITLE_H: f64 = 34.0;
const GAP: f64 = 18.0;
const COLOURS: [&str; 2] = ["#4e79a7", "#f28e2b"];

/// One bar: label, value, optional whisker (p90, or the panel's), series (colour).
struct Bar {
    label: String,
    value: f64,
    p90: Option<f64>,
    series: usize,
}

struct Panel {
    title: String,
    unit: &'static str,
    bars: Vec<Bar>,
    /// What the whiskers show.
    whisker: &'static str,
}

/// The report as one SVG document.
pub fn svg(report: &Report) -> String {
    let mut panels = Vec::new();
    let bar = |label: String, value: f64, p90: Option<f64>, series| Bar {
        label,
        value,
        p90,
        series,
    };

    panels.push(Panel {
        title: "Init: exec → first /next (median, p90 whisker)".into(),
        unit: "ms",
        whisker: "p90",
        bars: report
            .binaries
            .iter()
            .map(|b| bar(b.name.clone(), b.init_ms.median, Some(b.init_ms.p90), 0))
            .collect(),
    });
    panels.push(Panel {
        title: "First invoke: exec → first response (median, p90 whisker)".into(),
        unit: "ms",
        whisker: "p90",
        bars: report
            .binaries
            .iter()
            .flat_map(|b| {
                b.events.iter().map(|e| {
                    bar(
                        format!("{} · {}", b.name, e.event),
                        e.first_invoke_ms.median,
                        Some(e.first_invoke_ms.p90),
                        0,
                    )
                })
            })
            .collect(),
    });
    let instr: Vec<Bar> = report
        .binaries
        .iter()
        .filter_map(|b| Some((b, b.instructions.as_ref()?)))
        .flat_map(|(b, i)| {
            [
                bar(format!("{} · init", b.name), i.init as f64 / 1e6, None, 0),
                bar(
                    format!("{} · init + {}", b.name, i.event),
                    i.init_and_first_invoke as f64 / 1e6,
                    None,
                    1,
                ),
            ]
        })
        .collect();
    if !instr.is_empty() {
        panels.push(Panel {
            title: "Instructions (callgrind Ir, millions)".into(),
            unit: "M",
            whisker: "p90",
            bars: instr,
        });
    }
    panels.push(Panel {
        title: "Size: bootstrap and deployment zip".into(),
        unit: "KiB",
        whisker: "p90",
        bars: report
            .binaries
            .iter()
            // A variant runs the same file.
            .filter(|b| b.variant.is_none())
            .flat_map(|b| {
                [
                    bar(
                        format!("{} · bootstrap", b.name),
                        b.size.bootstrap_bytes as f64 / 1024.0,
                        None,
                        0,
                    ),
                    bar(
                        format!("{} · zip", b.name),
                        b.size.zip_bytes as f64 / 1024.0,
                        None,
                        1,
                    ),
                ]
            })
            .collect(),
    });
    panels.push(Panel {
        title: "Peak RSS (VmHWM, highest over the runs)".into(),
        unit: "MiB",
        whisker: "p90",
        bars: report
            .binaries
            .iter()
            .map(|b| bar(b.name.clone(), b.peak_rss_kib() / 1024.0, None, 0))
            .collect(),
    });
    for f in &report.latency {
        let title = |how: &str| {
            format!(
                "{}: warm latency {how}, {} connections (p50, p99 whisker)",
                f.binary, f.concurrency
            )
        };
        panels.push(Panel {
            title: title("through the local API Gateway"),
            unit: "ms",
            whisker: "p99",
            bars: f
                .routes
                .iter()
                .map(|r| bar(r.route.clone(), r.gateway.p50_ms, Some(r.gateway.p99_ms), 0))
                .collect(),
        });
        panels.push(Panel {
            title: title("directly (cargo lambda's Invoke API)"),
            unit: "ms",
            whisker: "p99",
            bars: f
                .routes
                .iter()
                .map(|r| bar(r.route.clone(), r.direct.p50_ms, Some(r.direct.p99_ms), 1))
                .collect(),
        });
    }
    if !report.handlers.is_empty() {
        panels.push(Panel {
            title: "Handler only: router on in-memory fakes (criterion median)".into(),
            unit: "µs",
            whisker: "p90",
            bars: report
                .handlers
                .iter()
                .map(|h| bar(h.name.clone(), h.median_ns / 1e3, None, 0))
                .collect(),
        });
    }

    let header_h = 40.0;
    let height = header_h
        + panels
            .iter()
            .map(|p| TITLE_H + ROW_H * p.bars.len() as f64 + GAP)
            .sum::<f64>();
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        s,
        r##"<rect width="100%" height="100%" fill="#fff"/><text x="10" y="24" font-size="16" font-weight="bold">{}</text>"##,
        esc(&format!(
            "rightnow-bench {} · {} · {} runs",
            report.date,
            report
                .commit
                .as_deref()
                .map_or("?", |c| &c[..c.len().min(10)]),
            report.runs
        ))
    );
    let mut y = header_h;
    for p in &panels {
        y = panel(&mut s, p, y);
    }
    s.push_str("</svg>\n");
    s
}

/// Draws one panel from `y`; returns the `y` below it.
fn panel(s: &mut String, p: &Panel, mut y: f64) -> f64 {
    let _ = writeln!(
        s,
        r#"<text x="10" y="{}" font-size="14" font-weight="bold">{}</text>"#,
        y + 20.0,
        esc(&p.title)
    );
    y += TITLE_H;
    let max = p
        .bars
        .iter()
        .map(|b| b.p90.unwrap_or(b.value).max(b.value))
        .fold(0.0, f64::max);
    let scale = if max > 0.0 { BAR_W / max } else { 0.0 };
    for b in &p.bars {
        let w = (b.value * scale).max(1.0);
        let colour = COLOURS[b.series % COLOURS.len()];
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" text-anchor="end">{}</text>"#,
            LABEL_W - 8.0,
            y + 15.0,
            esc(&b.label)
        );
        let _ = writeln!(
            s,
            r#"<rect x="{LABEL_W}" y="{}" width="{w:.1}" height="{}" fill="{colour}"/>"#,
            y + 3.0,
            ROW_H - 6.0
        );
        let mut end = LABEL_W + w;
        if let Some(p90) = b.p90 {
            let x = LABEL_W + p90 * scale;
            let _ = writeln!(
                s,
                r##"<line x1="{:.1}" y1="{}" x2="{x:.1}" y2="{}" stroke="#333"/><line x1="{x:.1}" y1="{}" x2="{x:.1}" y2="{}" stroke="#333"/>"##,
                LABEL_W + w,
                y + ROW_H / 2.0,
                y + ROW_H / 2.0,
                y + 5.0,
                y + ROW_H - 5.0
            );
            end = end.max(x);
        }
        let value = match b.p90 {
            Some(p90) => format!("{} / {} {} {}", num(b.value), p.whisker, num(p90), p.unit),
            None => format!("{} {}", num(b.value), p.unit),
        };
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{}">{}</text>"#,
            end + 6.0,
            y + 15.0,
            esc(&value)
        );
        y += ROW_H;
    }
    y + GAP
}

fn num(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_labels() {
        assert_eq!(esc(r#"a<b>&"c""#), "a&lt;b&gt;&amp;&quot;c&quot;");
        assert_eq!(num(1234.5), "1234");
        assert_eq!(num(12.345), "12.3");
        assert_eq!(num(1.2345), "1.23");
    }
}
