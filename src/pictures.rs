//! Pictures drawn at build time as SVG: the map of the locations (with a detail panel for a
//! dense cluster and a panel for far-away places), a locator map per location, the graph of
//! the actors' relations coloured by side, and the timeline strip.
//!
//! Pure functions of the resolved [`Site`]: no I/O (the Natural Earth outlines are compiled
//! in), no randomness, no hash-map order, so the same content gives byte-identical SVG.
//! Colours are CSS classes (`side-3`, `land`, `marker`) styled by the theme, so one picture
//! serves light and dark mode. The SVG never carries text a reader needs and cannot get
//! otherwise: templates put a list or table beside each picture, from the same data.

pub mod geo;
pub mod graph;
pub mod map;
pub mod timeline;

use std::fmt::Write;

use rayon::prelude::*;

use crate::model::{PageId, PageKind, Site};

/// Everything drawn for one build.
#[derive(Debug, Default)]
pub struct Pictures {
    pub map: Option<map::Maps>,
    /// Per page id: the locator map of a location with coordinates.
    pub locators: Vec<Option<String>>,
    pub graph: Option<graph::Graph>,
    /// Every relation drawn in the graph, in the actors' order.
    pub edges: Vec<graph::Edge>,
    /// Every location with coordinates and the map panel it is drawn in.
    pub places: Vec<(map::Place, &'static str)>,
    pub timeline: Option<String>,
}

/// Draws every picture of the site.
/// Which pictures to draw: the ones the templates may show (`render::pictures_read`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Draw {
    /// `site.pictures`: the map, the graph, the timeline.
    pub site: bool,
    /// `page.locator`: a locator map per place.
    pub locators: bool,
}

impl Draw {
    pub const ALL: Draw = Draw {
        site: true,
        locators: true,
    };
}

pub fn build(site: &Site) -> Pictures {
    build_reusing(site, &|_| None, Draw::ALL)
}

/// The place page `id` is on the maps, if it is a location with coordinates.
pub fn place(site: &Site, id: PageId) -> Option<map::Place> {
    let page = site.pages.get(id)?;
    match &page.kind {
        PageKind::Location(l) => l.coordinates.map(|c| map::Place {
            id,
            title: page.doc.title.clone(),
            url: site.url(&page.doc.path),
            kind: kind_name(&l.kind),
            lon: c.lon,
            lat: c.lat,
        }),
        _ => None,
    }
}

/// [`build`], taking each place's locator map from `reuse` when it has one: a locator map
/// is drawn from its [`map::Place`] alone, so an incremental rebuild passes the maps of
/// places that did not change.
pub fn build_reusing(
    site: &Site,
    reuse: &(dyn Fn(&map::Place) -> Option<String> + Sync),
    draw: Draw,
) -> Pictures {
    let url = |id: PageId| site.url(&site.pages[id].doc.path);
    let mut places: Vec<map::Place> = (0..site.pages.len())
        .filter_map(|id| place(site, id))
        .collect();
    // Sorted by title then id, so the drawing order never depends on file order.
    places.sort_by_key(|p| (p.title.to_lowercase(), p.id));
    // One locator map per place (thousands on a large site), each clipping the outlines
    // anew: drawn in parallel.
    let mut locators = vec![None; site.pages.len()];
    if draw.locators {
        let drawn: Vec<(PageId, String)> = places
            .par_iter()
            .map(|p| (p.id, reuse(p).unwrap_or_else(|| map::locator(p))))
            .collect();
        for (id, svg) in drawn {
            locators[id] = Some(svg);
        }
    }
    if !draw.site {
        return Pictures {
            locators,
            ..Pictures::default()
        };
    }

    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    for (id, page) in site.pages.iter().enumerate() {
        if let PageKind::Actor(a) = &page.kind {
            let side = a
                .side
                .as_ref()
                .and_then(|s| site.config.sides.iter().position(|x| &x.id == s));
            nodes.push(graph::Node {
                id,
                title: page.doc.title.clone(),
                url: url(id),
                side,
                weight: page.doc.weight,
            });
            for r in &a.relations {
                edges.push(graph::Edge {
                    from: id,
                    to: r.to,
                    kind: kind_name(&r.kind),
                    label: r.kind.label().to_string(),
                });
            }
        }
    }

    let timeline_url = site
        .sections
        .iter()
        .find(|s| {
            s.doc.template.as_ref().map(|t| t.get_ref().as_str()) == Some("timeline.html")
                || s.folder == "timeline"
        })
        .map(|s| site.url(&s.doc.path));
    let spans: Vec<timeline::Span> = site
        .events
        .iter()
        .zip(crate::search::event_ids(&site.events))
        .map(|(e, id)| timeline::Span {
            start: e.date.start.ordinal(),
            end: e.date.end.ordinal(),
            approximate: e.date.approximate,
            label: format!("{}: {}", e.date.label, e.summary),
            id,
        })
        .collect();

    let ((maps, graph), timeline) = rayon::join(
        || {
            rayon::join(
                || map::Maps::draw(&places),
                || graph::Graph::draw(&nodes, &edges, site.config.sides.len()),
            )
        },
        || timeline::draw(&spans, timeline_url.as_deref()),
    );
    let panel_of = |id: PageId| match &maps {
        Some(m) if m.detail.as_ref().is_some_and(|d| d.2.contains(&id)) => "detail",
        Some(m) if m.far.as_ref().is_some_and(|f| f.1.contains(&id)) => "far",
        _ => "main",
    };
    let places = places
        .into_iter()
        .map(|p| {
            let panel = panel_of(p.id);
            (p, panel)
        })
        .collect();
    Pictures {
        graph,
        map: maps,
        locators,
        edges,
        places,
        timeline,
    }
}

/// The kebab-case name serde gives an enum (`armed-group`, `negotiates-with`).
fn kind_name<T: serde::Serialize>(v: &T) -> String {
    tera::Value::from_serializable(v)
        .as_str()
        .map(str::to_string)
        .unwrap_or_default()
}

/// The CSS class of a side: `side-1` … `side-8` by its place in site.toml (cycling), `side-0`
/// for actors without one.
pub fn side_class(side: Option<usize>) -> String {
    match side {
        Some(i) => format!("side-{}", i % 8 + 1),
        None => "side-0".into(),
    }
}

/// Escapes text for SVG (XML) content and attributes.
pub(crate) fn esc(s: &str) -> String {
    crate::markdown::escape(s)
}

/// A coordinate with one decimal, without a useless `.0` or `-0`.
pub(crate) fn num(v: f64) -> String {
    tenths((v * 10.0).round() as i64)
}

fn tenths(t: i64) -> String {
    let mut s = String::new();
    push_tenths(&mut s, t);
    s
}

/// Appends `t` tenths as a number (`-.5`, `0`, `12`, `3.4`), without allocating: paths have
/// hundreds of thousands of them on a large site.
fn push_tenths(out: &mut String, t: i64) {
    if t < 0 {
        out.push('-');
    }
    let t = t.unsigned_abs();
    match (t / 10, t % 10) {
        (0, 0) => out.push('0'),
        (0, f) => {
            out.push('.');
            out.push(char::from(b'0' + f as u8));
        }
        (i, 0) => {
            let _ = write!(out, "{i}");
        }
        (i, f) => {
            let _ = write!(out, "{i}.");
            out.push(char::from(b'0' + f as u8));
        }
    }
}

/// Appends a closed path (`M…l…z`) through `points` (pixels), rounded to tenths and encoded
/// relative, after dropping points closer than `tolerance` pixels to the line (Douglas–Peucker).
pub(crate) fn ring_path(out: &mut String, points: &[(f64, f64)], tolerance: f64) {
    let kept = simplify(points, tolerance);
    let mut q: Vec<(i64, i64)> = Vec::with_capacity(kept.len());
    for (x, y) in kept {
        let p = ((x * 10.0).round() as i64, (y * 10.0).round() as i64);
        if q.last() != Some(&p) {
            q.push(p);
        }
    }
    if q.len() < 3 {
        return;
    }
    out.push('M');
    push_tenths(out, q[0].0);
    out.push(' ');
    push_tenths(out, q[0].1);
    out.push('l');
    let mut prev = q[0];
    let mut first = true;
    for &p in &q[1..] {
        for d in [p.0 - prev.0, p.1 - prev.1] {
            // A minus sign separates two numbers already.
            if !first && d >= 0 {
                out.push(' ');
            }
            push_tenths(out, d);
            first = false;
        }
        prev = p;
    }
    out.push('z');
}

/// Douglas–Peucker on an open or closed list of points.
pub(crate) fn simplify(points: &[(f64, f64)], tolerance: f64) -> Vec<(f64, f64)> {
    if points.len() < 4 || tolerance <= 0.0 {
        return points.to_vec();
    }
    let mut keep = vec![false; points.len()];
    keep[0] = true;
    keep[points.len() - 1] = true;
    let mut stack = vec![(0, points.len() - 1)];
    while let Some((a, b)) = stack.pop() {
        let (ax, ay) = points[a];
        let (bx, by) = points[b];
        let len = (bx - ax).hypot(by - ay);
        let mut best = (-1.0, 0);
        for (i, &(px, py)) in points.iter().enumerate().take(b).skip(a + 1) {
            let d = if len == 0.0 {
                (px - ax).hypot(py - ay)
            } else {
                ((bx - ax) * (ay - py) - (ax - px) * (by - ay)).abs() / len
            };
            if d > best.0 {
                best = (d, i);
            }
        }
        if best.0 > tolerance {
            keep[best.1] = true;
            stack.push((a, best.1));
            stack.push((best.1, b));
        }
    }
    points
        .iter()
        .zip(keep)
        .filter_map(|(p, k)| k.then_some(*p))
        .collect()
}

/// A rough width of a label in pixels, for placing labels without a font engine: semibold
/// system sans-serif fonts average about 0.6 em per character; erring wide keeps labels apart.
pub(crate) fn text_width(text: &str, font_size: f64) -> f64 {
    text.chars().count() as f64 * font_size * 0.62
}

/// `text` cut at a word boundary to at most `max` characters, with an ellipsis if cut.
pub(crate) fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out = String::new();
    for word in text.split(' ') {
        let next = if out.is_empty() {
            word.chars().count()
        } else {
            out.chars().count() + 1 + word.chars().count()
        };
        if next > max.saturating_sub(1) {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.is_empty() {
        out = text.chars().take(max.saturating_sub(1)).collect();
    }
    out.push('…');
    out
}

/// An axis-aligned box in pixels, for label collisions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Rect {
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
}

impl Rect {
    pub fn overlaps(&self, o: &Rect) -> bool {
        self.x0 < o.x1 && o.x0 < self.x1 && self.y0 < o.y1 && o.y0 < self.y1
    }

    pub fn inside(&self, width: f64, height: f64) -> bool {
        self.x0 >= 0.0 && self.y0 >= 0.0 && self.x1 <= width && self.y1 <= height
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short() {
        for (v, s) in [
            (0.0, "0"),
            (-0.01, "0"),
            (0.44, ".4"),
            (-0.44, "-.4"),
            (12.0, "12"),
            (-12.35, "-12.4"),
            (3.05, "3.1"),
        ] {
            assert_eq!(num(v), s, "{v}");
        }
    }

    #[test]
    fn ring_paths_are_relative_and_closed() {
        let mut d = String::new();
        ring_path(
            &mut d,
            &[(0.0, 0.0), (10.0, 0.0), (10.0, 5.5), (0.0, 5.5)],
            0.0,
        );
        assert_eq!(d, "M0 0l10 0 0 5.5-10 0z");
        let mut tiny = String::new();
        ring_path(&mut tiny, &[(0.0, 0.0), (0.01, 0.0), (0.0, 0.01)], 0.0);
        assert_eq!(
            tiny, "",
            "a ring that rounds to fewer than 3 points is dropped"
        );
    }

    #[test]
    fn simplify_drops_near_collinear_points() {
        let line = [(0.0, 0.0), (1.0, 0.1), (2.0, 0.0), (3.0, 5.0), (4.0, 0.0)];
        assert_eq!(
            simplify(&line, 0.5),
            vec![(0.0, 0.0), (2.0, 0.0), (3.0, 5.0), (4.0, 0.0)]
        );
    }

    #[test]
    fn long_labels_are_shortened_at_a_word() {
        assert_eq!(shorten("John Kerry", 24), "John Kerry");
        assert_eq!(
            shorten("Military source quoted by official television", 24),
            "Military source quoted…"
        );
        assert_eq!(shorten("Supercalifragilistic", 8), "Superca…");
    }

    #[test]
    fn side_classes_cycle() {
        assert_eq!(side_class(None), "side-0");
        assert_eq!(side_class(Some(0)), "side-1");
        assert_eq!(side_class(Some(8)), "side-1");
    }
}
