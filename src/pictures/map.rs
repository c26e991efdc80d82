//! The map of the locations: a main panel whose extent comes from the places themselves, a
//! detail panel for the densest cluster (the districts and sites of one city), a panel for
//! places far from the rest (a summit abroad), and a small locator map per place.
//!
//! Which panel a place goes to is decided here, from coordinates only, so a dossier on any
//! region gets a sensible map: the places within [`NEAR_KM`] of the median place make the main
//! map; the others are "far" and get their own panel instead of stretching it.

use std::fmt::Write;

use super::geo::{self, Extent, Projection};
use super::{Rect, esc, num, ring_path, text_width};
use crate::model::PageId;

/// Places farther than this from the median place are drawn in the "far away" panel.
pub const NEAR_KM: f64 = 1500.0;
/// Markers closer than this on the main map form a cluster that gets a detail panel.
const CLUSTER_PX: f64 = 16.0;
const MAIN_WIDTH: f64 = 640.0;
const PANEL_WIDTH: f64 = 480.0;
const LOCATOR_WIDTH: f64 = 300.0;

/// A location with coordinates.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    pub id: PageId,
    pub title: String,
    pub url: String,
    /// The location kind (`city`, `country`, …).
    pub kind: String,
    pub lon: f64,
    pub lat: f64,
}

impl Place {
    fn at(&self) -> (f64, f64) {
        (self.lon, self.lat)
    }

    /// Areas are drawn as rings around an approximate centre, points as dots.
    fn is_area(&self) -> bool {
        matches!(
            self.kind.as_str(),
            "country" | "region" | "province" | "area" | "border" | "river"
        )
    }

    /// The order in which labels are placed: the bigger the place, the sooner.
    fn rank(&self) -> u8 {
        match self.kind.as_str() {
            "country" => 0,
            "region" | "province" => 1,
            "city" => 2,
            "town" => 3,
            "border" | "river" => 4,
            "area" | "village" => 5,
            "district" => 6,
            _ => 7,
        }
    }
}

/// Where each place goes.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Indices into the places, for each panel.
    pub main: Vec<usize>,
    pub detail: Vec<usize>,
    pub far: Vec<usize>,
    pub main_extent: Extent,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Splits the places into the main map, its densest cluster, and far-away places.
pub fn plan(places: &[Place]) -> Option<Plan> {
    if places.is_empty() {
        return None;
    }
    let center = (
        median(places.iter().map(|p| p.lon).collect()),
        median(places.iter().map(|p| p.lat).collect()),
    );
    let (main, far): (Vec<usize>, Vec<usize>) =
        (0..places.len()).partition(|&i| geo::distance_km(center, places[i].at()) <= NEAR_KM);
    let points = Extent::around(main.iter().map(|&i| places[i].at()))?;
    let span = points.width().max(points.height());
    // A country named among the places is drawn whole, unless it would dwarf the rest
    // (Turkey's 19 degrees on a map of northern Syria).
    let mut extent = points;
    for &i in &main {
        let p = &places[i];
        if p.kind == "country"
            && let Some(c) = geo::country_at(p.lon, p.lat)
            && c.bbox.width().max(c.bbox.height()) <= span.max(12.0)
        {
            extent = extent.union(c.bbox);
        }
    }
    let main_extent = extent.padded(0.06, 1.0);
    let proj = Projection::fit(main_extent, MAIN_WIDTH, 0.55, 1.0);
    let detail = densest_cluster(
        &main
            .iter()
            .map(|&i| proj.project(places[i].lon, places[i].lat))
            .collect::<Vec<_>>(),
    )
    .into_iter()
    .map(|k| main[k])
    .collect();
    Some(Plan {
        main,
        detail,
        far,
        main_extent,
    })
}

/// The biggest group (3 or more) of points chained by gaps under [`CLUSTER_PX`], as indices in
/// ascending order; empty if there is none. Ties go to the group with the lowest index.
pub fn densest_cluster(points: &[(f64, f64)]) -> Vec<usize> {
    let n = points.len();
    let mut group: Vec<usize> = (0..n).collect();
    fn find(g: &mut [usize], i: usize) -> usize {
        let mut r = i;
        while g[r] != r {
            r = g[r];
        }
        g[i] = r;
        r
    }
    // Points closer than CLUSTER_PX lie in the same or a neighbouring cell of a grid of that
    // size, so only those pairs are measured: a site-wide map of tens of thousands of places
    // would otherwise measure billions. (Each union links the larger root to the smaller, so
    // a group's root is its lowest index whatever the order of the unions.)
    let cell = |p: (f64, f64)| {
        (
            (p.0 / CLUSTER_PX).floor() as i64,
            (p.1 / CLUSTER_PX).floor() as i64,
        )
    };
    let mut grid: std::collections::HashMap<(i64, i64), Vec<usize>> =
        std::collections::HashMap::new();
    for (i, &p) in points.iter().enumerate() {
        grid.entry(cell(p)).or_default().push(i);
    }
    for i in 0..n {
        let (cx, cy) = cell(points[i]);
        for dx in -1..=1 {
            for dy in -1..=1 {
                let Some(near) = grid.get(&(cx + dx, cy + dy)) else {
                    continue;
                };
                for &j in near.iter().filter(|&&j| j > i) {
                    let (a, b) = (points[i], points[j]);
                    if (a.0 - b.0).hypot(a.1 - b.1) < CLUSTER_PX {
                        let (ri, rj) = (find(&mut group, i), find(&mut group, j));
                        group[ri.max(rj)] = ri.min(rj);
                    }
                }
            }
        }
    }
    let roots: Vec<usize> = (0..n).map(|i| find(&mut group, i)).collect();
    let mut sizes = vec![0usize; n];
    for &r in &roots {
        sizes[r] += 1;
    }
    // The biggest; of equal ones, the lowest root (the first reached in index order).
    let mut best: Option<usize> = None;
    for r in 0..n {
        if sizes[r] >= 3 && best.is_none_or(|b| sizes[r] > sizes[b]) {
            best = Some(r);
        }
    }
    match best {
        Some(b) => (0..n).filter(|&i| roots[i] == b).collect(),
        None => Vec::new(),
    }
}

/// The drawn maps and which places each shows.
#[derive(Debug, Clone)]
pub struct Maps {
    pub main: String,
    pub main_places: Vec<PageId>,
    /// The detail panel, its name ("Around Aleppo") and its places.
    pub detail: Option<(String, String, Vec<PageId>)>,
    /// The far-away panel and its places.
    pub far: Option<(String, Vec<PageId>)>,
}

impl Maps {
    pub fn draw(places: &[Place]) -> Option<Maps> {
        let plan = plan(places)?;
        let main_proj = Projection::fit(plan.main_extent, MAIN_WIDTH, 0.55, 1.0);
        let in_detail = |i: &usize| plan.detail.contains(i);
        // Of a cluster only its biggest place is drawn on the main map, in a box; the detail
        // panel draws them all.
        let cluster_head = plan
            .detail
            .iter()
            .copied()
            .min_by_key(|&i| (places[i].rank(), places[i].title.to_lowercase()));
        let main_marks: Vec<(&Place, bool)> = plan
            .main
            .iter()
            .filter(|&i| !in_detail(i) || Some(*i) == cluster_head)
            .map(|&i| (&places[i], true))
            .collect();
        let focus = focus_country(main_marks.iter().map(|(p, _)| *p));
        let mut extra = String::new();
        if !plan.detail.is_empty() {
            let pts: Vec<(f64, f64)> = plan
                .detail
                .iter()
                .map(|&i| main_proj.project(places[i].lon, places[i].lat))
                .collect();
            if let Some(b) = Extent::around(pts.iter().map(|&(x, y)| (x, y))) {
                let _ = write!(
                    extra,
                    r#"<rect class="detail-box" x="{}" y="{}" width="{}" height="{}" rx="3"/>"#,
                    num(b.west - 9.0),
                    num(b.south - 9.0),
                    num(b.width() + 18.0),
                    num(b.height() + 18.0)
                );
            }
        }
        let main = panel(&Panel {
            proj: main_proj,
            marks: main_marks,
            focus,
            country_labels: true,
            linked: true,
            overlay: extra,
            font: 15.0,
            tolerance: 0.5,
            min_area: 0.5,
        });
        let detail = cluster_head.map(|head| {
            let members: Vec<&Place> = plan.detail.iter().map(|&i| &places[i]).collect();
            let extent = Extent::around(members.iter().map(|p| p.at()))
                .unwrap_or(plan.main_extent)
                .padded(0.3, 0.01);
            let proj = Projection::fit(extent, PANEL_WIDTH, 0.6, 0.9);
            let svg = panel(&Panel {
                proj,
                marks: members.iter().map(|p| (*p, true)).collect(),
                focus: None,
                country_labels: false,
                linked: true,
                overlay: String::new(),
                font: 14.0,
                tolerance: 0.5,
                min_area: 0.5,
            });
            (
                svg,
                format!("Around {}", places[head].title),
                members.iter().map(|p| p.id).collect(),
            )
        });
        let far = (!plan.far.is_empty()).then(|| {
            let members: Vec<&Place> = plan.far.iter().map(|&i| &places[i]).collect();
            let main_corners = [
                (plan.main_extent.west, plan.main_extent.south),
                (plan.main_extent.east, plan.main_extent.north),
            ];
            let extent = Extent::around(members.iter().map(|p| p.at()).chain(main_corners))
                .unwrap_or(plan.main_extent)
                .padded(0.08, 10.0);
            let proj = Projection::fit(extent, PANEL_WIDTH, 0.45, 0.8);
            let (x0, y0) = proj.project(plan.main_extent.west, plan.main_extent.north);
            let (x1, y1) = proj.project(plan.main_extent.east, plan.main_extent.south);
            let overlay = format!(
                r#"<rect class="extent-box" x="{}" y="{}" width="{}" height="{}"/>"#,
                num(x0),
                num(y0),
                num((x1 - x0).max(3.0)),
                num((y1 - y0).max(3.0))
            );
            let svg = panel(&Panel {
                proj,
                marks: members.iter().map(|p| (*p, true)).collect(),
                focus: None,
                country_labels: false,
                linked: true,
                overlay,
                font: 14.0,
                // An overview: coarse outlines are enough and keep the page light.
                tolerance: 2.0,
                min_area: 8.0,
            });
            (svg, members.iter().map(|p| p.id).collect())
        });
        Some(Maps {
            main,
            main_places: plan.main.iter().map(|&i| places[i].id).collect(),
            detail,
            far,
        })
    }
}

/// The country holding most of the places, shaded on the map.
fn focus_country<'a>(places: impl Iterator<Item = &'a Place>) -> Option<&'static str> {
    let mut counts: Vec<(&'static str, usize)> = Vec::new();
    for p in places {
        if let Some(c) = geo::country_at(p.lon, p.lat) {
            match counts.iter_mut().find(|(n, _)| *n == c.name) {
                Some((_, k)) => *k += 1,
                None => counts.push((c.name.as_str(), 1)),
            }
        }
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    counts.first().map(|(n, _)| *n)
}

/// A locator map: the place in its country and region, not linked, as one image.
pub fn locator(place: &Place) -> String {
    let home = geo::country_at(place.lon, place.lat);
    let extent = match home {
        Some(c) if place.kind == "country" && c.bbox.width() < 90.0 => c.bbox.padded(0.12, 4.0),
        _ => Extent {
            west: place.lon - 6.0,
            east: place.lon + 6.0,
            south: place.lat - 4.0,
            north: place.lat + 4.0,
        },
    };
    let proj = Projection::fit(extent, LOCATOR_WIDTH, 0.62, 0.62);
    let body = panel(&Panel {
        proj,
        marks: vec![(place, true)],
        focus: home.map(|c| c.name.as_str()),
        country_labels: true,
        linked: false,
        overlay: String::new(),
        font: 15.0,
        tolerance: 0.6,
        min_area: 0.5,
    });
    let within = home.map(|c| format!(", in {}", c.name)).unwrap_or_default();
    format!(
        r#"<svg class="map locator" viewBox="0 0 {w} {h}" role="img" aria-labelledby="locator-title"><title id="locator-title">Locator map: {title}{within}, at {lat} {lon}</title>{body}</svg>"#,
        w = num(proj.width),
        h = num(proj.height),
        title = esc(&place.title),
        lat = format_lat(place.lat),
        lon = format_lon(place.lon),
    )
}

/// "36.20° N".
pub fn format_lat(lat: f64) -> String {
    format!("{:.2}° {}", lat.abs(), if lat < 0.0 { "S" } else { "N" })
}

/// "37.13° E".
pub fn format_lon(lon: f64) -> String {
    format!("{:.2}° {}", lon.abs(), if lon < 0.0 { "W" } else { "E" })
}

struct Panel<'a> {
    proj: Projection,
    /// Places and whether to label them.
    marks: Vec<(&'a Place, bool)>,
    focus: Option<&'static str>,
    country_labels: bool,
    linked: bool,
    /// SVG drawn over the land and under the markers.
    overlay: String,
    font: f64,
    /// Douglas–Peucker tolerance for outlines, in pixels.
    tolerance: f64,
    /// Pieces of land smaller than this many square pixels are left out.
    min_area: f64,
}

/// The inside of a map's `<svg>` (for `map`, `detail` and `far`, wrapped in their own
/// element by [`wrap`]; the locator wraps itself).
fn panel(p: &Panel) -> String {
    let (w, h) = (p.proj.width, p.proj.height);
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<rect class="sea" width="{}" height="{}"/>"#,
        num(w),
        num(h)
    );
    let view = p.proj.extent.padded(0.05, 0.0);
    let m = 4.0;
    let mut country_shapes: Vec<(&str, Vec<(f64, f64)>)> = Vec::new();
    for c in geo::countries().iter().filter(|c| c.bbox.intersects(&view)) {
        let mut d = String::new();
        let mut largest: (f64, Vec<(f64, f64)>) = (0.0, Vec::new());
        for ring in &c.rings {
            let pts: Vec<(f64, f64)> = ring.iter().map(|&(x, y)| p.proj.project(x, y)).collect();
            let clipped = geo::clip(&pts, -m, -m, w + m, h + m);
            if clipped.len() < 3 {
                continue;
            }
            let (area, _) = geo::area_centroid(&clipped);
            if area.abs() < p.min_area {
                continue;
            }
            ring_path(&mut d, &clipped, p.tolerance);
            if area.abs() > largest.0 {
                largest = (area.abs(), clipped);
            }
        }
        if d.is_empty() {
            continue;
        }
        let class = if Some(c.name.as_str()) == p.focus {
            "land focus"
        } else {
            "land"
        };
        let _ = write!(out, r#"<path class="{class}" d="{d}"/>"#);
        country_shapes.push((c.name.as_str(), largest.1));
    }
    out.push_str(&p.overlay);

    // Markers first, then labels where they fit, biggest places first.
    let r = 5.0;
    let pos: Vec<(f64, f64)> = p
        .marks
        .iter()
        .map(|(pl, _)| p.proj.project(pl.lon, pl.lat))
        .collect();
    let mut taken: Vec<Rect> = pos
        .iter()
        .map(|&(x, y)| Rect {
            x0: x - r - 1.0,
            y0: y - r - 1.0,
            x1: x + r + 1.0,
            y1: y + r + 1.0,
        })
        .collect();
    let mut order: Vec<usize> = (0..p.marks.len()).collect();
    order.sort_by_key(|&i| (p.marks[i].0.rank(), p.marks[i].0.title.to_lowercase()));
    let mut labels: Vec<Option<(f64, f64, &str)>> = vec![None; p.marks.len()];
    for &i in &order {
        let (place, wanted) = p.marks[i];
        if !wanted {
            continue;
        }
        let (x, y) = pos[i];
        let tw = text_width(&place.title, p.font);
        let f = p.font;
        let candidates = [
            (x + r + 3.0, y + f * 0.35, "start"),
            (x - r - 3.0, y + f * 0.35, "end"),
            (x, y - r - 4.0, "middle"),
            (x, y + r + f, "middle"),
            (x + r, y - r - 2.0, "start"),
            (x + r, y + r + f * 0.8, "start"),
            (x - r, y - r - 2.0, "end"),
            (x - r, y + r + f * 0.8, "end"),
        ];
        for (lx, ly, anchor) in candidates {
            let x0 = match anchor {
                "start" => lx,
                "end" => lx - tw,
                _ => lx - tw / 2.0,
            };
            let rect = Rect {
                x0: x0 - 1.0,
                y0: ly - f * 0.8,
                x1: x0 + tw + 1.0,
                y1: ly + f * 0.25,
            };
            let own = taken[i];
            if rect.inside(w, h) && !taken.iter().any(|t| *t != own && t.overlaps(&rect)) {
                taken.push(rect);
                labels[i] = Some((lx, ly, anchor));
                break;
            }
        }
    }
    if p.country_labels {
        let named: Vec<&str> = p
            .marks
            .iter()
            .filter(|(pl, _)| pl.kind == "country")
            .filter_map(|(pl, _)| geo::country_at(pl.lon, pl.lat).map(|c| c.name.as_str()))
            .collect();
        for (name, shape) in &country_shapes {
            if named.contains(name) || shape.len() < 3 {
                continue;
            }
            let (area, (cx, cy)) = geo::area_centroid(shape);
            let tw = text_width(name, p.font * 0.9);
            if area.abs() < (tw * 2.5).powi(2) || !geo::in_ring(shape, cx, cy) {
                continue;
            }
            let rect = Rect {
                x0: cx - tw / 2.0,
                y0: cy - p.font * 0.7,
                x1: cx + tw / 2.0,
                y1: cy + p.font * 0.3,
            };
            if rect.inside(w, h) && !taken.iter().any(|t| t.overlaps(&rect)) {
                taken.push(rect);
                let _ = write!(
                    out,
                    r#"<text class="country-label" x="{}" y="{}" text-anchor="middle" font-size="{}" aria-hidden="true">{}</text>"#,
                    num(cx),
                    num(cy),
                    num(p.font * 0.9),
                    esc(name)
                );
            }
        }
    }
    for &i in order.iter().rev() {
        let (place, _) = p.marks[i];
        let (x, y) = pos[i];
        let class = if place.is_area() { "area" } else { "point" };
        let title = esc(&place.title);
        if p.linked {
            let _ = write!(
                out,
                r#"<a href="{}" aria-label="{title}"><title>{title}</title>"#,
                esc(&place.url)
            );
        }
        let _ = write!(
            out,
            r#"<circle class="marker {class}" cx="{}" cy="{}" r="{}"/>"#,
            num(x),
            num(y),
            num(r)
        );
        if let Some((lx, ly, anchor)) = labels[i] {
            let _ = write!(
                out,
                r#"<text class="label" x="{}" y="{}" text-anchor="{anchor}" font-size="{}">{title}</text>"#,
                num(lx),
                num(ly),
                num(p.font)
            );
        }
        if p.linked {
            out.push_str("</a>");
        }
    }
    out
}

/// Wraps a panel in its `<svg>`: a group of links named by the figure caption `labelled_by`.
pub fn wrap(body: &str, labelled_by: &str) -> String {
    // The viewBox is the first rect's size (the sea), so it is read back from there rather
    // than threaded through every caller.
    let size = body
        .strip_prefix(r#"<rect class="sea" width=""#)
        .and_then(|r| r.split_once(r#"" height=""#))
        .and_then(|(w, r)| r.split_once('"').map(|(h, _)| (w, h)));
    let (w, h) = size.unwrap_or(("800", "600"));
    format!(
        r#"<svg class="map" viewBox="0 0 {w} {h}" role="group" aria-labelledby="{}">{body}</svg>"#,
        esc(labelled_by)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(title: &str, kind: &str, lat: f64, lon: f64) -> Place {
        Place {
            id: 0,
            title: title.into(),
            url: format!("/{title}/"),
            kind: kind.into(),
            lon,
            lat,
        }
    }

    fn aleppo_dossier() -> Vec<Place> {
        vec![
            place("Aleppo", "city", 36.2021, 37.1343),
            place("Eastern Aleppo", "district", 36.205, 37.175),
            place("Western Aleppo", "district", 36.21, 37.12),
            place("Ramouseh", "district", 36.172, 37.15),
            place("Al-Rai", "town", 36.6119, 37.4467),
            place("Syria", "country", 34.8021, 38.9968),
            place("Hangzhou", "city", 30.2741, 120.1551),
            place("Geneva", "city", 46.2044, 6.1432),
            place("Washington", "city", 38.9072, -77.0369),
        ]
    }

    /// The plain quadratic definition, to check the grid against.
    fn densest_cluster_by_pairs(points: &[(f64, f64)]) -> Vec<usize> {
        let n = points.len();
        let mut group: Vec<usize> = (0..n).collect();
        fn find(g: &mut [usize], i: usize) -> usize {
            let mut r = i;
            while g[r] != r {
                r = g[r];
            }
            g[i] = r;
            r
        }
        for i in 0..n {
            for j in i + 1..n {
                let (a, b) = (points[i], points[j]);
                if (a.0 - b.0).hypot(a.1 - b.1) < CLUSTER_PX {
                    let (ri, rj) = (find(&mut group, i), find(&mut group, j));
                    group[ri.max(rj)] = ri.min(rj);
                }
            }
        }
        let roots: Vec<usize> = (0..n).map(|i| find(&mut group, i)).collect();
        let mut best: Vec<usize> = Vec::new();
        for r in 0..n {
            let members: Vec<usize> = (0..n).filter(|&i| roots[i] == r).collect();
            if members.len() >= 3 && members.len() > best.len() {
                best = members;
            }
        }
        best
    }

    #[test]
    fn densest_cluster_agrees_with_its_quadratic_definition() {
        // Deterministic pseudo-random points (SplitMix64), clustered and spread, negative
        // coordinates and cell borders included.
        let mut state = 7u64;
        let mut next = || {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
        };
        for round in 0..200 {
            let n = 1 + round % 60;
            let spread = [40.0, 120.0, 600.0][round % 3];
            let points: Vec<(f64, f64)> = (0..n)
                .map(|_| {
                    let x = (next() - 0.3) * spread;
                    let y = (next() - 0.3) * spread;
                    // Some points exactly on cell borders.
                    if next() < 0.1 {
                        ((x / CLUSTER_PX).round() * CLUSTER_PX, y)
                    } else {
                        (x, y)
                    }
                })
                .collect();
            assert_eq!(
                densest_cluster(&points),
                densest_cluster_by_pairs(&points),
                "{points:?}"
            );
        }
    }

    #[test]
    fn far_places_leave_the_main_map() {
        let places = aleppo_dossier();
        let plan = plan(&places).unwrap();
        let names = |ix: &[usize]| {
            ix.iter()
                .map(|&i| places[i].title.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&plan.far), ["Hangzhou", "Geneva", "Washington"]);
        assert_eq!(
            names(&plan.detail),
            ["Aleppo", "Eastern Aleppo", "Western Aleppo", "Ramouseh"]
        );
        // Syria is drawn whole: its southern tip (32.3° N) and eastern edge (42.4° E) are in.
        let e = plan.main_extent;
        assert!(e.south < 32.4 && e.east > 42.3, "{e:?}");
        assert!(
            e.width() < 12.0,
            "far places must not stretch the map: {e:?}"
        );
    }

    #[test]
    fn a_dossier_elsewhere_gets_its_own_extent() {
        let places = vec![
            place("Lima", "city", -12.046, -77.043),
            place("Cusco", "city", -13.532, -71.967),
            place("Arequipa", "city", -16.409, -71.537),
        ];
        let plan = plan(&places).unwrap();
        assert!(plan.far.is_empty() && plan.detail.is_empty());
        assert!(plan.main_extent.contains(-77.0, -12.0) && plan.main_extent.contains(-71.5, -16.4));
        let maps = Maps::draw(&places).unwrap();
        assert!(maps.main.contains("Peru"), "country label drawn");
    }

    #[test]
    fn clusters_need_three_close_points() {
        assert!(densest_cluster(&[(0.0, 0.0), (5.0, 0.0), (100.0, 0.0)]).is_empty());
        assert_eq!(
            densest_cluster(&[(0.0, 0.0), (50.0, 0.0), (10.0, 0.0), (20.0, 0.0)]),
            [0, 2, 3]
        );
    }

    #[test]
    fn drawing_is_deterministic_and_linked() {
        let places = aleppo_dossier();
        let a = Maps::draw(&places).unwrap();
        let b = Maps::draw(&places).unwrap();
        assert_eq!(a.main, b.main);
        assert!(
            a.main
                .contains(r#"<a href="/Al-Rai/" aria-label="Al-Rai">"#)
        );
        assert!(a.main.contains(r#"class="land focus""#), "Syria is shaded");
        let (detail, name, ids) = a.detail.unwrap();
        assert_eq!(name, "Around Aleppo");
        assert_eq!(ids.len(), 4);
        assert!(detail.contains(">Ramouseh</text>"));
        assert!(a.far.unwrap().0.contains(">Geneva</text>"));
        let svg = wrap(&a.main, "map-caption");
        assert!(
            svg.starts_with(r#"<svg class="map" viewBox="0 0 640 "#),
            "{}",
            &svg[..80]
        );
    }

    #[test]
    fn locator_is_one_named_image() {
        let svg = locator(&place("Hangzhou", "city", 30.2741, 120.1551));
        assert!(svg.contains(r#"role="img" aria-labelledby="locator-title""#));
        assert!(svg.contains("Locator map: Hangzhou, in China, at 30.27° N 120.16° E"));
        assert!(!svg.contains("<a "));
        assert!(svg.contains(r#"class="land focus""#));
    }

    #[test]
    fn coordinates_in_words() {
        assert_eq!(format_lat(-12.046), "12.05° S");
        assert_eq!(format_lon(-77.0369), "77.04° W");
    }
}
