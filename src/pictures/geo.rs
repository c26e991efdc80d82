//! Geography for the maps: the embedded Natural Earth outlines, distances, a projection and
//! polygon clipping. Pure and deterministic: the data is compiled in, so drawing a map does
//! no I/O and gives the same bytes on every build.

use std::sync::OnceLock;

/// Natural Earth 1:50m admin-0 countries, public domain, made by `tools/boundaries.mjs`.
const COUNTRIES: &str = include_str!("countries-50m.txt");

/// Points per degree in the data file.
const QUANTUM: f64 = 100.0;

/// A country outline: rings of (lon, lat) in degrees, with their bounding box.
#[derive(Debug)]
pub struct Country {
    pub name: String,
    pub rings: Vec<Vec<(f64, f64)>>,
    pub bbox: Extent,
}

/// A box in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Extent {
    pub west: f64,
    pub east: f64,
    pub south: f64,
    pub north: f64,
}

impl Extent {
    pub fn around(points: impl IntoIterator<Item = (f64, f64)>) -> Option<Extent> {
        let mut e: Option<Extent> = None;
        for (lon, lat) in points {
            e = Some(match e {
                None => Extent {
                    west: lon,
                    east: lon,
                    south: lat,
                    north: lat,
                },
                Some(e) => Extent {
                    west: e.west.min(lon),
                    east: e.east.max(lon),
                    south: e.south.min(lat),
                    north: e.north.max(lat),
                },
            });
        }
        e
    }

    pub fn union(self, o: Extent) -> Extent {
        Extent {
            west: self.west.min(o.west),
            east: self.east.max(o.east),
            south: self.south.min(o.south),
            north: self.north.max(o.north),
        }
    }

    pub fn width(&self) -> f64 {
        self.east - self.west
    }

    pub fn height(&self) -> f64 {
        self.north - self.south
    }

    pub fn intersects(&self, o: &Extent) -> bool {
        self.west <= o.east && o.west <= self.east && self.south <= o.north && o.south <= self.north
    }

    pub fn contains(&self, lon: f64, lat: f64) -> bool {
        (self.west..=self.east).contains(&lon) && (self.south..=self.north).contains(&lat)
    }

    /// Grown by `fraction` of its size on every side, and to at least `min_span` degrees.
    pub fn padded(self, fraction: f64, min_span: f64) -> Extent {
        let grow = |lo: f64, hi: f64| {
            let pad = (hi - lo) * fraction;
            let (lo, hi) = (lo - pad, hi + pad);
            let short = (min_span - (hi - lo)).max(0.0) / 2.0;
            (lo - short, hi + short)
        };
        let (west, east) = grow(self.west, self.east);
        let (south, north) = grow(self.south, self.north);
        Extent {
            west,
            east,
            south: south.max(-89.0),
            north: north.min(89.0),
        }
    }
}

/// The country outlines, parsed once.
pub fn countries() -> &'static [Country] {
    static PARSED: OnceLock<Vec<Country>> = OnceLock::new();
    PARSED.get_or_init(|| parse(COUNTRIES))
}

/// Parses the data file's format (see `tools/boundaries.mjs`). Malformed lines are skipped:
/// the file is ours and tested, so this cannot be caused by a user.
fn parse(text: &str) -> Vec<Country> {
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let Some((name, rings)) = line.split_once('\t') else {
            continue;
        };
        let rings: Vec<Vec<(f64, f64)>> = rings
            .split(';')
            .map(|ring| {
                let (mut x, mut y) = (0i64, 0i64);
                ring.split(' ')
                    .filter_map(|p| {
                        let (dx, dy) = p.split_once(',')?;
                        x += dx.parse::<i64>().ok()?;
                        y += dy.parse::<i64>().ok()?;
                        Some((x as f64 / QUANTUM, y as f64 / QUANTUM))
                    })
                    .collect()
            })
            .filter(|r: &Vec<(f64, f64)>| r.len() >= 3)
            .collect();
        let Some(bbox) = Extent::around(rings.iter().flatten().copied()) else {
            continue;
        };
        out.push(Country {
            name: name.to_string(),
            rings,
            bbox,
        });
    }
    out
}

/// Whether (lon, lat) is inside the ring (even-odd rule).
pub fn in_ring(ring: &[(f64, f64)], lon: f64, lat: f64) -> bool {
    let mut inside = false;
    let mut j = ring.len().wrapping_sub(1);
    for (i, &(xi, yi)) in ring.iter().enumerate() {
        let (xj, yj) = ring[j];
        if (yi > lat) != (yj > lat) && lon < (xj - xi) * (lat - yi) / (yj - yi) + xi {
            inside = !inside;
        }
        j = i;
    }
    inside
}

/// The country whose outline contains the point, if any.
pub fn country_at(lon: f64, lat: f64) -> Option<&'static Country> {
    countries()
        .iter()
        .find(|c| c.bbox.contains(lon, lat) && c.rings.iter().any(|r| in_ring(r, lon, lat)))
}

/// Great-circle distance in kilometres.
pub fn distance_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lon1, lat1) = (a.0.to_radians(), a.1.to_radians());
    let (lon2, lat2) = (b.0.to_radians(), b.1.to_radians());
    let h = ((lat2 - lat1) / 2.0).sin().powi(2)
        + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().asin()
}

/// An equirectangular projection scaled by the cosine of the middle latitude, fitted into a
/// box of `width` pixels: true to shape near the middle, which is all a regional map needs,
/// and simple enough to check by hand.
#[derive(Debug, Clone, Copy)]
pub struct Projection {
    pub extent: Extent,
    pub width: f64,
    pub height: f64,
    scale: f64,
    aspect: f64,
}

impl Projection {
    /// Fits `extent` to `width`, then grows the extent (not the picture) so the height stays
    /// between `min_ratio` and `max_ratio` of the width.
    pub fn fit(extent: Extent, width: f64, min_ratio: f64, max_ratio: f64) -> Projection {
        let mid = (extent.north + extent.south) / 2.0;
        let aspect = mid.to_radians().cos().max(0.2);
        let mut e = extent;
        let ratio = e.height() / (e.width() * aspect);
        if ratio < min_ratio {
            let grow = (e.width() * aspect * min_ratio - e.height()) / 2.0;
            e.south -= grow;
            e.north += grow;
        } else if ratio > max_ratio {
            let grow = (e.height() / max_ratio / aspect - e.width()) / 2.0;
            e.west -= grow;
            e.east += grow;
        }
        let scale = width / (e.width() * aspect);
        Projection {
            extent: e,
            width,
            height: (e.height() * scale).round(),
            scale,
            aspect,
        }
    }

    /// (lon, lat) → (x, y) in pixels, y down.
    pub fn project(&self, lon: f64, lat: f64) -> (f64, f64) {
        (
            (lon - self.extent.west) * self.aspect * self.scale,
            (self.extent.north - lat) * self.scale,
        )
    }

    /// Pixels per degree of latitude.
    pub fn pixels_per_degree(&self) -> f64 {
        self.scale
    }
}

/// Sutherland–Hodgman clipping of a closed polygon to the box `[x0, x1] × [y0, y1]`.
pub fn clip(poly: &[(f64, f64)], x0: f64, y0: f64, x1: f64, y1: f64) -> Vec<(f64, f64)> {
    type Inside = fn(&(f64, f64), f64) -> bool;
    let edges: [(Inside, f64, bool); 4] = [
        (|p, v| p.0 >= v, x0, true),
        (|p, v| p.0 <= v, x1, true),
        (|p, v| p.1 >= v, y0, false),
        (|p, v| p.1 <= v, y1, false),
    ];
    let mut out = poly.to_vec();
    for (inside, v, vertical) in edges {
        if out.is_empty() {
            break;
        }
        let input = std::mem::take(&mut out);
        let mut prev = input[input.len() - 1];
        for &cur in &input {
            let cross = |a: (f64, f64), b: (f64, f64)| {
                if vertical {
                    let t = (v - a.0) / (b.0 - a.0);
                    (v, a.1 + t * (b.1 - a.1))
                } else {
                    let t = (v - a.1) / (b.1 - a.1);
                    (a.0 + t * (b.0 - a.0), v)
                }
            };
            match (inside(&cur, v), inside(&prev, v)) {
                (true, true) => out.push(cur),
                (true, false) => {
                    out.push(cross(prev, cur));
                    out.push(cur);
                }
                (false, true) => out.push(cross(prev, cur)),
                (false, false) => {}
            }
            prev = cur;
        }
    }
    out
}

/// Signed area (positive when counter-clockwise in a y-up frame) and centroid of a polygon.
pub fn area_centroid(poly: &[(f64, f64)]) -> (f64, (f64, f64)) {
    let (mut a, mut cx, mut cy) = (0.0, 0.0, 0.0);
    for i in 0..poly.len() {
        let (x0, y0) = poly[i];
        let (x1, y1) = poly[(i + 1) % poly.len()];
        let cross = x0 * y1 - x1 * y0;
        a += cross;
        cx += (x0 + x1) * cross;
        cy += (y0 + y1) * cross;
    }
    if a.abs() < 1e-9 {
        return (0.0, poly.first().copied().unwrap_or((0.0, 0.0)));
    }
    (a / 2.0, (cx / (3.0 * a), cy / (3.0 * a)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_parses_and_places_known_points() {
        assert!(countries().len() > 200);
        let at = |lon, lat| country_at(lon, lat).map(|c| c.name.as_str());
        assert_eq!(at(37.13, 36.20), Some("Syria")); // Aleppo
        assert_eq!(at(35.24, 38.96), Some("Turkey"));
        assert_eq!(at(120.16, 30.27), Some("China")); // Hangzhou
        assert_eq!(at(6.14, 46.20), Some("Switzerland")); // Geneva
        assert_eq!(at(-30.0, 30.0), None); // the Atlantic
    }

    #[test]
    fn distances() {
        let aleppo = (37.1343, 36.2021);
        let geneva = (6.1432, 46.2044);
        let d = distance_km(aleppo, geneva);
        assert!((2700.0..2800.0).contains(&d), "{d}");
        assert_eq!(distance_km(aleppo, aleppo), 0.0);
    }

    #[test]
    fn projection_keeps_corners_and_shape() {
        let e = Extent {
            west: 30.0,
            east: 40.0,
            south: 30.0,
            north: 40.0,
        };
        let p = Projection::fit(e, 800.0, 0.1, 10.0);
        assert_eq!(p.project(30.0, 40.0), (0.0, 0.0));
        let (x, y) = p.project(40.0, 30.0);
        assert!((x - 800.0).abs() < 1e-9);
        assert!((y - p.height).abs() < 1.0);
        // A degree of longitude is shorter than a degree of latitude by cos(35°).
        assert!((p.height - 800.0 / 35f64.to_radians().cos()).abs() < 1.0);
    }

    #[test]
    fn projection_widens_a_tall_extent_to_the_ratio() {
        let e = Extent {
            west: 0.0,
            east: 1.0,
            south: 0.0,
            north: 10.0,
        };
        let p = Projection::fit(e, 400.0, 0.5, 1.0);
        assert!((p.height - 400.0).abs() <= 1.0, "{}", p.height);
        assert!(p.extent.west < 0.0 && p.extent.east > 1.0);
        let (x, _) = p.project(0.5, 5.0);
        assert!((x - 200.0).abs() < 1e-6);
    }

    #[test]
    fn clipping_a_square_to_a_box() {
        let square = [(-5.0, -5.0), (5.0, -5.0), (5.0, 5.0), (-5.0, 5.0)];
        let c = clip(&square, 0.0, 0.0, 10.0, 10.0);
        let (area, centroid) = area_centroid(&c);
        assert!((area.abs() - 25.0).abs() < 1e-9);
        assert!((centroid.0 - 2.5).abs() < 1e-9 && (centroid.1 - 2.5).abs() < 1e-9);
        assert!(clip(&square, 20.0, 20.0, 30.0, 30.0).is_empty());
    }

    #[test]
    fn padding_reaches_the_minimum_span() {
        let e = Extent::around([(10.0, 10.0)]).unwrap().padded(0.1, 2.0);
        assert_eq!((e.west, e.east, e.south, e.north), (9.0, 11.0, 9.0, 11.0));
    }
}
