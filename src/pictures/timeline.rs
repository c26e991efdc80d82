//! The timeline strip: every event as a mark on a time axis, partial and approximate dates as
//! spans (a year, a month, "late August"), exact days as dots, each numbered like the list
//! below it and linking to its entry.
//!
//! Dispatches mix years ("since 2011") with days, so the axis is broken: events closer than
//! [`GAP_DAYS`] share a segment drawn to scale, longer silences are cut out, and each
//! segment's width follows its number of events rather than its length.

use std::fmt::Write;

use super::{esc, num};

/// Events further apart than this are drawn on separate segments of the axis.
pub const GAP_DAYS: i64 = 60;
const WIDTH: f64 = 800.0;
const MARGIN: f64 = 12.0;
const BREAK: f64 = 30.0;
const LANE: f64 = 26.0;
const MARK_R: f64 = 10.0;

/// An event's dates as days since 1970, inclusive.
#[derive(Debug, Clone)]
pub struct Span {
    pub start: i64,
    pub end: i64,
    pub approximate: bool,
    /// "late August 2016: Turkey launches …", for the tooltip and the link's name.
    pub label: String,
    /// The event's anchor on the timeline page.
    pub id: String,
}

/// A stretch of the axis drawn to scale.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Segment {
    /// First and last day shown (padded around the events).
    pub start: f64,
    pub end: f64,
    /// The first event's first day.
    pub first: f64,
    pub events: usize,
    /// Left edge and width in pixels.
    pub x: f64,
    pub width: f64,
}

impl Segment {
    pub fn x_of(&self, day: f64) -> f64 {
        self.x + (day - self.start) / (self.end - self.start) * self.width
    }
}

/// Cuts the axis into segments and gives each its place on the strip.
pub fn segments(spans: &[Span]) -> Vec<Segment> {
    let mut sorted: Vec<(i64, i64)> = spans
        .iter()
        .map(|s| (s.start, s.end.max(s.start)))
        .collect();
    sorted.sort();
    let mut raw: Vec<(i64, i64, usize)> = Vec::new();
    for (s, e) in sorted {
        match raw.last_mut() {
            Some(last) if s <= last.1 + GAP_DAYS => {
                last.1 = last.1.max(e);
                last.2 += 1;
            }
            _ => raw.push((s, e, 1)),
        }
    }
    let weights: f64 = raw.iter().map(|r| (r.2 + 1) as f64).sum();
    let room = WIDTH - 2.0 * MARGIN - BREAK * raw.len().saturating_sub(1) as f64;
    let mut x = MARGIN;
    raw.iter()
        .map(|&(s, e, n)| {
            // The last day is drawn to its end: a day is one unit wide.
            let (s, e) = (s as f64, (e + 1) as f64);
            let pad = ((e - s) * 0.04).max(2.0);
            let width = room * (n + 1) as f64 / weights;
            let seg = Segment {
                start: s - pad,
                end: e + pad,
                first: s,
                events: n,
                x,
                width,
            };
            x += width + BREAK;
            seg
        })
        .collect()
}

/// Greedy lanes: each mark (left, right in pixels, in drawing order) goes to the first lane
/// where it clears the previous mark.
pub fn lanes(marks: &[(f64, f64)]) -> Vec<usize> {
    let mut ends: Vec<f64> = Vec::new();
    marks
        .iter()
        .map(|&(l, r)| match ends.iter().position(|&e| e + 3.0 <= l) {
            Some(k) => {
                ends[k] = r;
                k
            }
            None => {
                ends.push(r);
                ends.len() - 1
            }
        })
        .collect()
}

/// (year, month, day) of a day counted from 1970-01-01 (Howard Hinnant's civil_from_days).
pub fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Days since 1970 of the first day of a month.
pub fn first_of(year: i64, month: u32) -> i64 {
    crate::dates::Day {
        year: year as i32,
        month,
        day: 1,
    }
    .ordinal()
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The strip, or `None` without events. Marks link to `{href}#{id}` (the timeline page's
/// events) and are numbered from 1 in the order of `spans` (the timeline's order). Without a
/// timeline page (`href` is `None`) they are not links: there is no list to point into, and a
/// bare `#id` would be broken on the page that shows the strip.
pub fn draw(spans: &[Span], href: Option<&str>) -> Option<String> {
    if spans.is_empty() {
        return None;
    }
    let segs = segments(spans);
    let seg_of = |day: i64| {
        segs.iter()
            .find(|s| (day as f64) >= s.start && (day as f64) <= s.end)
            .or(segs.last())
            .copied()
    };
    // Each mark: (index, left, right, is_span).
    let mut marks: Vec<(usize, f64, f64, bool)> = spans
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let seg = seg_of(s.start)?;
            let x0 = seg.x_of(s.start as f64);
            let x1 = seg.x_of((s.end.max(s.start) + 1) as f64);
            Some(if s.end <= s.start || x1 - x0 < 2.0 * MARK_R + 4.0 {
                let c = (x0 + x1) / 2.0;
                (i, c - MARK_R, c + MARK_R, false)
            } else {
                (i, x0, x1, true)
            })
        })
        .collect();
    marks.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    let lane_of = lanes(&marks.iter().map(|m| (m.1, m.2)).collect::<Vec<_>>());
    let n_lanes = lane_of.iter().max().map_or(1, |m| m + 1);
    let axis = 8.0 + n_lanes as f64 * LANE + 4.0;
    let height = axis + 40.0;

    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg class="strip" viewBox="0 0 {} {}" role="group" aria-labelledby="strip-caption"><g class="axis" aria-hidden="true">"#,
        num(WIDTH),
        num(height)
    );
    for (k, s) in segs.iter().enumerate() {
        let _ = write!(
            out,
            r#"<path d="M{} {}h{}"/>"#,
            num(s.x),
            num(axis),
            num(s.width)
        );
        if k > 0 {
            let bx = s.x - BREAK / 2.0;
            let _ = write!(
                out,
                r#"<path class="break" d="M{} {}l6-12M{} {}l6-12"/>"#,
                num(bx - 6.0),
                num(axis + 6.0),
                num(bx),
                num(axis + 6.0)
            );
        }
        for (x, label) in ticks(s) {
            let _ = write!(
                out,
                r#"<path d="M{x} {}v6"/><text x="{x}" y="{}" text-anchor="{}">{label}</text>"#,
                num(axis),
                num(axis + 22.0),
                tick_anchor(x, &label),
                x = num(x)
            );
        }
    }
    out.push_str("</g>");
    for (m, &lane) in marks.iter().zip(&lane_of) {
        let (i, x0, x1, is_span) = *m;
        let s = &spans[i];
        let n = i + 1;
        let y = 8.0 + lane as f64 * LANE + LANE / 2.0;
        let label = esc(&s.label);
        let approx = if s.approximate { " approx" } else { "" };
        let _ = match href {
            Some(href) => write!(
                out,
                "<a href=\"{}#{}\" aria-label=\"{n}. {label}\"><title>{label}</title>",
                esc(href),
                esc(&s.id)
            ),
            None => write!(out, "<g><title>{n}. {label}</title>"),
        };
        if is_span {
            let _ = write!(
                out,
                r#"<rect class="mark span{approx}" x="{}" y="{}" width="{}" height="{}" rx="{}"/><text x="{}" y="{}" text-anchor="middle">{n}</text>"#,
                num(x0),
                num(y - MARK_R),
                num(x1 - x0),
                num(2.0 * MARK_R),
                num(MARK_R),
                num(x0 + MARK_R),
                num(y + 4.0)
            );
        } else {
            let cx = (x0 + x1) / 2.0;
            let _ = write!(
                out,
                r#"<circle class="mark day{approx}" cx="{}" cy="{}" r="{}"/><text x="{}" y="{}" text-anchor="middle">{n}</text>"#,
                num(cx),
                num(y),
                num(MARK_R),
                num(cx),
                num(y + 4.0)
            );
        }
        out.push_str(if href.is_some() { "</a>" } else { "</g>" });
    }
    out.push_str("</svg>");
    Some(out)
}

/// Half the width of an axis label, a little over (12px text, as the default theme sets it):
/// what it needs on each side of its tick.
const LABEL_HALF_PER_CHAR: f64 = 3.6;

/// How an axis label sits on its tick: centred, unless that would run it past an edge of
/// the strip (a timeline of one day has its only tick a few units from the left edge), where
/// it starts or ends at the tick instead.
fn tick_anchor(x: f64, label: &str) -> &'static str {
    let half = label.chars().count() as f64 * LABEL_HALF_PER_CHAR;
    if x - half < 0.0 {
        "start"
    } else if x + half > WIDTH {
        "end"
    } else {
        "middle"
    }
}

/// Tick positions and labels: years on long segments, months on short ones, the first
/// labelled with its year; a segment without a tick inside gets its start labelled.
fn ticks(s: &Segment) -> Vec<(f64, String)> {
    let (y0, m0, _) = civil(s.start.floor() as i64);
    let mut out: Vec<(f64, String)> = Vec::new();
    if s.end - s.start > 400.0 {
        // A year's span starts on 1 January, just left of the padded segment: label each
        // year in the middle of its stretch rather than with a tick at its start.
        let mut year = y0;
        while (first_of(year, 1) as f64) <= s.end {
            let a = (first_of(year, 1) as f64).max(s.start);
            let b = (first_of(year + 1, 1) as f64).min(s.end);
            if b - a > 60.0 {
                out.push((s.x_of((a + b) / 2.0), year.to_string()));
            }
            year += 1;
        }
    } else {
        let (mut y, mut m) = (y0, m0);
        loop {
            (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
            let day = first_of(y, m) as f64;
            if day > s.end {
                break;
            }
            let name = MONTHS[m as usize - 1];
            let label = if out.is_empty() || m == 1 {
                format!("{name} {y}")
            } else {
                name.to_string()
            };
            out.push((s.x_of(day), label));
        }
        // Name where the segment starts when its first tick is far into it ("17 Jul").
        if out.first().is_some_and(|t| t.0 - s.x_of(s.first) > 80.0) {
            let (_, mm, dd) = civil(s.first as i64);
            out.insert(
                0,
                (s.x_of(s.first), format!("{dd} {}", MONTHS[mm as usize - 1])),
            );
        }
    }
    if out.is_empty() {
        let (yy, mm, dd) = civil(s.start.ceil() as i64);
        out.push((s.x + 4.0, format!("{dd} {} {yy}", MONTHS[mm as usize - 1])));
    }
    // Keep labels apart: drop any that would touch the previous one.
    let mut kept: Vec<(f64, String)> = Vec::new();
    for t in out {
        if kept.last().is_none_or(|k: &(f64, String)| t.0 - k.0 > 40.0) {
            kept.push(t);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> i64 {
        crate::dates::Day {
            year: y,
            month: m,
            day: d,
        }
        .ordinal()
    }

    fn span(a: i64, b: i64) -> Span {
        Span {
            start: a,
            end: b,
            approximate: false,
            label: "x".into(),
            id: format!("event-{a}"),
        }
    }

    #[test]
    fn civil_inverts_ordinal() {
        for (y, m, d) in [(1970, 1, 1), (2016, 2, 29), (2016, 9, 4), (1969, 12, 31)] {
            assert_eq!(civil(day(y, m, d)), (i64::from(y), m, d));
        }
    }

    #[test]
    fn long_silences_break_the_axis() {
        let spans = [
            span(day(2011, 1, 1), day(2011, 12, 31)),
            span(day(2016, 7, 17), day(2016, 7, 17)),
            span(day(2016, 8, 21), day(2016, 8, 31)),
            span(day(2016, 9, 4), day(2016, 9, 4)),
        ];
        let segs = segments(&spans);
        assert_eq!(segs.len(), 2);
        assert_eq!((segs[0].events, segs[1].events), (1, 3));
        // Width follows the events: 2 shares for 2011, 4 for 2016.
        assert!((segs[1].width / segs[0].width - 2.0).abs() < 1e-9);
        assert!((segs[1].x + segs[1].width - (WIDTH - MARGIN)).abs() < 1e-9);
        // Inside a segment the scale is linear.
        let s = segs[1];
        let mid = s.x_of((day(2016, 7, 17) + day(2016, 9, 5)) as f64 / 2.0);
        let ends = (s.x_of(day(2016, 7, 17) as f64) + s.x_of(day(2016, 9, 5) as f64)) / 2.0;
        assert!((mid - ends).abs() < 1e-9);
    }

    #[test]
    fn spans_are_bars_and_days_are_dots() {
        let spans = [
            span(day(2016, 8, 21), day(2016, 8, 31)),
            span(day(2016, 9, 4), day(2016, 9, 4)),
        ];
        let svg = draw(&spans, Some("/timeline/")).unwrap();
        assert_eq!(svg.matches("<rect class=\"mark span\"").count(), 1);
        assert_eq!(svg.matches("<circle class=\"mark day\"").count(), 1);
        assert!(svg.contains(&format!(
            r##"<a href="/timeline/#event-{}" aria-label="2. x">"##,
            day(2016, 9, 4)
        )));
        assert_eq!(svg, draw(&spans, Some("/timeline/")).unwrap());
        // Without a timeline page, the same marks, numbered and titled, link nowhere.
        let unlinked = draw(&spans, None).unwrap();
        assert!(!unlinked.contains("<a "), "{unlinked}");
        assert!(unlinked.contains("<g><title>2. x</title><circle class=\"mark day\""));
        assert_eq!(unlinked.matches("<g><title>").count(), 2);
        assert!(
            svg.contains(">Sep 2016</text>"),
            "the first tick names its year"
        );
    }

    #[test]
    fn overlapping_marks_take_new_lanes() {
        assert_eq!(
            lanes(&[(0.0, 20.0), (10.0, 30.0), (25.0, 40.0), (50.0, 60.0)]),
            [0, 1, 0, 0]
        );
    }

    #[test]
    fn axis_labels_stay_inside_the_strip() {
        // One day: its segment's start is labelled, a few units from the left edge.
        let svg = draw(&[span(day(2016, 9, 4), day(2016, 9, 4))], None).unwrap();
        let labels: Vec<(f64, &str, &str)> = svg
            .split("<text x=\"")
            .skip(1)
            .filter_map(|t| {
                let (x, rest) = t.split_once('"')?;
                let anchor = rest.split("text-anchor=\"").nth(1)?.split('"').next()?;
                let label = rest.split_once('>')?.1.split('<').next()?;
                Some((x.parse().ok()?, anchor, label))
            })
            .filter(|(_, _, label)| label.contains("2016"))
            .collect();
        assert!(!labels.is_empty(), "{svg}");
        for (x, anchor, label) in labels {
            let half = label.chars().count() as f64 * LABEL_HALF_PER_CHAR;
            let (left, right) = match anchor {
                "start" => (x, x + 2.0 * half),
                "end" => (x - 2.0 * half, x),
                _ => (x - half, x + half),
            };
            assert!(left >= 0.0 && right <= WIDTH, "{label} at {x}, {anchor}");
        }
        assert_eq!(tick_anchor(400.0, "Sep 2016"), "middle");
        assert_eq!(tick_anchor(10.0, "Sep 2016"), "start");
        assert_eq!(tick_anchor(795.0, "Sep 2016"), "end");
    }

    #[test]
    fn nothing_to_draw() {
        assert!(draw(&[], None).is_none());
    }
}
