//! Charts drawn on the server as inline SVG: no JavaScript, no CDN, readable when printed.
//! Geometry is integer arithmetic on a fixed viewBox; the browser scales it to the page.

use maud::{Markup, html};

const WIDTH: i64 = 600;
const BAR: i64 = 22;
const GAP: i64 = 8;
const LABEL: i64 = 170;

fn scale(value: i64, max: i64, span: i64) -> i64 {
    if max <= 0 {
        0
    } else {
        value.max(0).saturating_mul(span) / max
    }
}

/// Horizontal bars, one per row: long (Cyrillic) names stay readable.
pub fn bars(title: &str, rows: &[(String, i64)], show: impl Fn(i64) -> String) -> Markup {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0);
    let span = WIDTH - LABEL - 90;
    let rows_n = i64::try_from(rows.len()).unwrap_or(0);
    let height = (rows_n * (BAR + GAP)).max(BAR) + GAP;
    html! {
        figure.chart {
            figcaption { (title) }
            svg viewBox={ "0 0 " (WIDTH) " " (height) } role="img" aria-label=(title) xmlns="http://www.w3.org/2000/svg" {
                @for (i, (label, value)) in rows.iter().enumerate() {
                    @let y = i64::try_from(i).unwrap_or(0) * (BAR + GAP) + GAP;
                    @let w = scale(*value, max, span);
                    text x=(LABEL - 6) y=(y + BAR - 6) text-anchor="end" class="chart-label" { (label) }
                    rect x=(LABEL) y=(y) width=(w.max(1)) height=(BAR) class="bar" { title { (label) ": " (show(*value)) } }
                    text x=(LABEL + w + 6) y=(y + BAR - 6) class="chart-value" { (show(*value)) }
                }
            }
        }
    }
}

/// Vertical columns over time, optionally two series side by side (e.g. new and lost), and a
/// line for a third (net).
pub fn columns(
    title: &str,
    labels: &[String],
    series: &[(&str, &str, Vec<i64>)],
    line: Option<(&str, Vec<i64>)>,
) -> Markup {
    let height: i64 = 220;
    let base = height - 40;
    let n = i64::try_from(labels.len()).unwrap_or(1).max(1);
    let slot = (WIDTH - 40) / n;
    let k = i64::try_from(series.len()).unwrap_or(1).max(1);
    let bar = ((slot - 6) / k).max(2);
    let max = series
        .iter()
        .flat_map(|s| s.2.iter().copied())
        .chain(line.iter().flat_map(|l| l.1.iter().map(|v| v.abs())))
        .max()
        .unwrap_or(0)
        .max(1);
    let y = |v: i64| base - scale(v, max, base - 20);
    let points: String = line
        .as_ref()
        .map(|(_, vals)| {
            vals.iter()
                .enumerate()
                .map(|(i, v)| {
                    format!(
                        "{},{}",
                        40 + i64::try_from(i).unwrap_or(0) * slot + slot / 2,
                        base - (v * (base - 20) / max)
                    )
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default();
    html! {
        figure.chart {
            figcaption {
                (title)
                @for (name, class, _) in series { " " span class={ "key " (class) } { "■" } " " (name) }
                @if let Some((name, _)) = &line { " " span.key.line { "—" } " " (name) }
            }
            svg viewBox={ "0 0 " (WIDTH) " " (height) } role="img" aria-label=(title) xmlns="http://www.w3.org/2000/svg" {
                line x1="40" y1=(base) x2=(WIDTH) y2=(base) class="axis" {}
                text x="36" y="24" text-anchor="end" class="chart-value" { (max) }
                @for (i, label) in labels.iter().enumerate() {
                    @let x0 = 40 + i64::try_from(i).unwrap_or(0) * slot + 3;
                    @for (j, (name, class, vals)) in series.iter().enumerate() {
                        @let v = vals.get(i).copied().unwrap_or(0);
                        rect x=(x0 + i64::try_from(j).unwrap_or(0) * bar) y=(y(v)) width=(bar - 1) height=(base - y(v)) class={ "bar " (class) } {
                            title { (label) " " (name) ": " (v) }
                        }
                    }
                    text x=(x0 + slot / 2) y=(height - 22) text-anchor="middle" class="chart-label small" { (label) }
                }
                @if !points.is_empty() { polyline points=(points) class="net" {} }
            }
        }
    }
}
