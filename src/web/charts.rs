//! Charts drawn on the server as inline SVG: no JavaScript, no CDN, readable when printed.
//!
//! Geometry is integer arithmetic on a fixed 360-unit-wide viewBox: about the width a chart gets
//! both in the desktop grid and on a 390 px phone, so text keeps one legible size everywhere
//! instead of shrinking with a wide drawing. Widths of text are estimated from its length, so
//! long money labels ("1,250,000 ₮") widen their gutter rather than being clipped.

use maud::{Markup, html};

const WIDTH: i64 = 360;
const FONT: i64 = 13;
const SMALL: i64 = 12;
const PLOT: i64 = 150;

/// A column's label: a short name under it, the year under the first column and each January,
/// and the full name for the tooltip.
pub struct Period {
    pub short: String,
    pub year: Option<String>,
    pub full: String,
}

/// One series of columns: its legend name, CSS class and a value per period.
pub struct Series<'a> {
    pub name: &'a str,
    pub class: &'a str,
    pub values: Vec<i64>,
}

/// Rough rendered width of a text: Latin digits and Cyrillic average about 0.62 em.
fn text_width(s: &str, font: i64) -> i64 {
    let n = i64::try_from(s.chars().count()).unwrap_or(i64::MAX / 100);
    (n * font * 62 + 99) / 100
}

/// A value axis from `lo` to `hi` in round steps, always including zero.
struct Axis {
    lo: i64,
    hi: i64,
    step: i64,
}

impl Axis {
    /// About `target` steps of 1, 2 or 5 × 10ⁿ covering `min..=max` and zero.
    fn nice(min: i64, max: i64, target: i64) -> Axis {
        let (min, max) = (min.min(0), max.max(0));
        let target = target.max(1);
        let raw = ((max.saturating_sub(min) + target - 1) / target).max(1);
        let mut mag = 1_i64;
        while mag <= raw / 10 {
            mag *= 10;
        }
        let step = [1, 2, 5, 10]
            .iter()
            .map(|m| m * mag)
            .find(|s| *s >= raw)
            .unwrap_or(mag * 10);
        let lo = min.div_euclid(step) * step;
        let hi = (-((-max).div_euclid(step))) * step;
        Axis {
            lo,
            hi: if hi == lo { lo + step } else { hi },
            step,
        }
    }

    fn ticks(&self) -> impl Iterator<Item = i64> + '_ {
        (0..)
            .map(|i| self.lo + i * self.step)
            .take_while(|t| *t <= self.hi)
    }

    /// Where `v` falls along `span` units from `lo` (i128: money times pixels overflows i64).
    fn at(&self, v: i64, span: i64) -> i64 {
        let num = (i128::from(v) - i128::from(self.lo)) * i128::from(span);
        let den = (i128::from(self.hi) - i128::from(self.lo)).max(1);
        i64::try_from(num / den).unwrap_or(0)
    }
}

/// A name cut to about `width` units, with an ellipsis; the full name stays in the tooltip.
fn fit(s: &str, width: i64) -> String {
    if text_width(s, FONT) <= width {
        return s.to_string();
    }
    let keep = usize::try_from((width * 100 / (FONT * 62)).max(2) - 1).unwrap_or(1);
    let mut out: String = s.chars().take(keep).collect();
    out.push('…');
    out
}

/// Horizontal bars, one per row: long (Cyrillic) names stay readable. Gridlines at round
/// values, a zero line, and each value written at the end of its bar.
pub fn bars(title: &str, rows: &[(String, i64)], show: impl Fn(i64) -> String) -> Markup {
    const BAR: i64 = 20;
    const GAP: i64 = 8;
    let min = rows.iter().map(|r| r.1).min().unwrap_or(0);
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0);
    let label_w = rows
        .iter()
        .map(|r| text_width(&r.0, FONT))
        .max()
        .unwrap_or(0)
        .min(WIDTH * 2 / 5);
    let value_w = rows
        .iter()
        .map(|r| text_width(&show(r.1), SMALL))
        .max()
        .unwrap_or(0)
        + 6;
    let x0 = label_w + 8;
    let span = (WIDTH - x0 - value_w).max(40);
    let axis = Axis::nice(min, max, 4);
    // Every gridline is drawn; labels skip some when long money amounts would touch.
    let steps = (axis.hi - axis.lo) / axis.step;
    let tick_w = text_width(&show(max), SMALL) + 10;
    let every = (tick_w * steps).div_euclid(span.max(1)) + 1;
    let x = |v: i64| x0 + axis.at(v, span);
    let rows_n = i64::try_from(rows.len()).unwrap_or(0).max(1);
    let bottom = rows_n * (BAR + GAP) + GAP;
    let height = bottom + FONT + 6;
    html! {
        figure.chart {
            figcaption { (title) }
            svg viewBox={ "0 0 " (WIDTH) " " (height) } role="img" aria-label=(title) xmlns="http://www.w3.org/2000/svg" {
                @for (i, t) in axis.ticks().enumerate() {
                    line x1=(x(t)) y1="0" x2=(x(t)) y2=(bottom) class=(if t == 0 { "zero" } else { "grid" }) {}
                    @if i64::try_from(i).unwrap_or(0) % every == 0 {
                        text x=(x(t)) y=(height - 4) text-anchor="middle" class="chart-tick" { (show(t)) }
                    }
                }
                @for (i, (label, value)) in rows.iter().enumerate() {
                    @let y = i64::try_from(i).unwrap_or(0) * (BAR + GAP) + GAP;
                    @let (a, b) = (x(0).min(x(*value)), x(0).max(x(*value)));
                    text x=(label_w + 2) y=(y + BAR - 6) text-anchor="end" class="chart-label" { title { (label) } (fit(label, label_w)) }
                    rect x=(a) y=(y) width=((b - a).max(1)) height=(BAR) class="bar" { title { (label) ": " (show(*value)) } }
                    @if *value < 0 {
                        text x=(a - 4) y=(y + BAR - 6) text-anchor="end" class="chart-value" { (show(*value)) }
                    } @else {
                        text x=(b + 4) y=(y + BAR - 6) class="chart-value" { (show(*value)) }
                    }
                }
            }
        }
    }
}

/// Vertical columns over time, optionally two series side by side (e.g. new and lost), and a
/// line for a third (net). Values are written on the columns, turned upright when a column is
/// too narrow for them; month names are slanted when they do not fit under their column.
pub fn columns(
    title: &str,
    periods: &[Period],
    series: &[Series],
    line: Option<(&str, Vec<i64>)>,
    show: impl Fn(i64) -> String,
) -> Markup {
    let all = || {
        series
            .iter()
            .flat_map(|s| s.values.iter().copied())
            .chain(line.iter().flat_map(|l| l.1.iter().copied()))
    };
    let axis = Axis::nice(all().min().unwrap_or(0), all().max().unwrap_or(0), 4);
    let gutter = axis
        .ticks()
        .map(|t| text_width(&show(t), SMALL))
        .max()
        .unwrap_or(0)
        + 8;
    let n = i64::try_from(periods.len()).unwrap_or(1).max(1);
    let slot = ((WIDTH - gutter - 4) / n).max(4);
    let k = i64::try_from(series.len()).unwrap_or(1).max(1);
    let bar = ((slot - 4) / k).max(2);
    let value_w = series
        .iter()
        .flat_map(|s| s.values.iter())
        .filter(|v| **v != 0)
        .map(|v| text_width(&show(*v), SMALL))
        .max()
        .unwrap_or(0);
    let upright = value_w > bar + 4;
    let room = if upright { value_w + 4 } else { SMALL + 4 };
    let has_negative = all().any(|v| v < 0);
    let top = room.max(SMALL);
    let plot_bottom = top + PLOT;
    let labels_at = plot_bottom + if has_negative { room } else { 0 } + 4;
    let label_w = periods
        .iter()
        .map(|p| text_width(&p.short, FONT))
        .max()
        .unwrap_or(0);
    // Estimates run short for wide letters (M, W, Ш), so keep a margin before slanting.
    let slanted = label_w > slot - 8;
    // A 40° slant: the text's height is about two thirds of its width.
    let label_h = if slanted {
        label_w * 2 / 3 + 6
    } else {
        FONT + 4
    };
    let years_at = labels_at + label_h + FONT + 6;
    let height = years_at + 4;
    let y = |v: i64| plot_bottom - axis.at(v, PLOT);
    let x_of = |i: usize| gutter + i64::try_from(i).unwrap_or(0) * slot;
    let points: String = line
        .as_ref()
        .map(|(_, vals)| {
            vals.iter()
                .enumerate()
                .map(|(i, v)| format!("{},{}", x_of(i) + slot / 2, y(*v)))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default();
    html! {
        figure.chart {
            figcaption {
                (title)
                @for s in series { " " span class={ "key " (s.class) } { "■" } " " (s.name) }
                @if let Some((name, _)) = &line { " " span.key.line { "—" } " " (name) }
            }
            svg viewBox={ "0 0 " (WIDTH) " " (height) } role="img" aria-label=(title) xmlns="http://www.w3.org/2000/svg" {
                @for t in axis.ticks() {
                    line x1=(gutter) y1=(y(t)) x2=(WIDTH - 4) y2=(y(t)) class=(if t == 0 { "zero" } else { "grid" }) {}
                    text x=(gutter - 4) y=(y(t) + 4) text-anchor="end" class="chart-tick" { (show(t)) }
                }
                @for (i, p) in periods.iter().enumerate() {
                    @let x0 = x_of(i);
                    @let mid = x0 + slot / 2;
                    @if i > 0 && p.year.is_some() {
                        line x1=(x0) y1=(top) x2=(x0) y2=(years_at) class="year-split" {}
                    }
                    @for (j, s) in series.iter().enumerate() {
                        @let v = s.values.get(i).copied().unwrap_or(0);
                        @let bx = x0 + 2 + i64::try_from(j).unwrap_or(0) * bar;
                        @let (a, b) = (y(v).min(y(0)), y(v).max(y(0)));
                        rect x=(bx) y=(a) width=(bar - 1) height=((b - a).max(i64::from(v != 0))) class={ "bar " (s.class) } {
                            title { (p.full) " — " (s.name) ": " (show(v)) }
                        }
                        @if v != 0 {
                            @let cx = bx + bar / 2;
                            @let (vy, anchor) = if v > 0 { (a - 3, "start") } else { (b + 3, "end") };
                            @if upright {
                                text x=(cx + 4) y=(vy) transform={ "rotate(-90 " (cx + 4) " " (vy) ")" } text-anchor=(anchor) class="chart-value" { (show(v)) }
                            } @else {
                                text x=(cx) y=(if v > 0 { vy } else { vy + SMALL }) text-anchor="middle" class="chart-value" { (show(v)) }
                            }
                        }
                    }
                    @if slanted {
                        text x=(mid + 4) y=(labels_at + FONT - 2) transform={ "rotate(-40 " (mid + 4) " " (labels_at + FONT - 2) ")" } text-anchor="end" class="chart-label" { (p.short) }
                    } @else {
                        text x=(mid) y=(labels_at + FONT) text-anchor="middle" class="chart-label" { (p.short) }
                    }
                    @if let Some(year) = &p.year {
                        text x=(x0 + 2) y=(years_at) class="chart-year" { (year) }
                    }
                }
                @if let Some((name, vals)) = &line {
                    polyline points=(points) class="net" {}
                    @for (i, v) in vals.iter().enumerate() {
                        circle cx=(x_of(i) + slot / 2) cy=(y(*v)) r="2.5" class="net-point" {
                            title { (periods.get(i).map_or("", |p| p.full.as_str())) " — " (name) ": " (show(*v)) }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Axis;

    fn ticks(min: i64, max: i64) -> Vec<i64> {
        Axis::nice(min, max, 4).ticks().collect()
    }

    #[test]
    fn axes_step_in_round_numbers_from_zero() {
        assert_eq!(
            ticks(0, 36_100_000),
            [0, 10_000_000, 20_000_000, 30_000_000, 40_000_000]
        );
        assert_eq!(ticks(0, 3), [0, 1, 2, 3]);
        assert_eq!(ticks(-2, 5), [-2, 0, 2, 4, 6]);
        assert_eq!(ticks(0, 0), [0, 1], "an empty chart still has an axis");
    }
}
