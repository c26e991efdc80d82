//! The graph of the actors and their relations: actors on a circle, grouped by side (in the
//! order of site.toml's `[[sides]]`, actors without a side last), each group followed by an
//! empty slot; relations as curves through the middle, styled by what they are (alliance,
//! hostility, talk).
//!
//! The layout is computed, not simulated: a position depends only on the actor's rank in
//! that order, so it is deterministic and labels never collide, whatever the number of actors.

use std::f64::consts::PI;
use std::fmt::Write;

use super::{esc, num, shorten, side_class, text_width};
use crate::model::PageId;

const RADIUS: f64 = 300.0;
const NODE_R: f64 = 7.0;
const FONT: f64 = 15.0;
/// Longer names are shortened on the circle (the link's name and tooltip keep them whole).
const LABEL_CHARS: usize = 26;

#[derive(Debug, Clone)]
pub struct Node {
    pub id: PageId,
    pub title: String,
    pub url: String,
    /// The index of the actor's side in site.toml.
    pub side: Option<usize>,
    pub weight: i64,
}

#[derive(Debug, Clone)]
pub struct Edge {
    pub from: PageId,
    pub to: PageId,
    /// The relation type, `supports`.
    pub kind: String,
    /// "supports".
    pub label: String,
}

/// What a relation is, for its line style.
pub fn edge_class(kind: &str) -> &'static str {
    match kind {
        "fights" | "opposes" | "accuses" => "edge-hostile",
        "negotiates-with" | "quotes" => "edge-talk",
        _ => "edge-ally",
    }
}

#[derive(Debug, Clone)]
pub struct Graph {
    pub svg: String,
    /// The actors in drawing order (by side), for the text alternative.
    pub order: Vec<PageId>,
}

/// Each node's angle in radians (0 at the top, clockwise), by index in `nodes`.
pub fn layout(nodes: &[Node], sides: usize) -> Vec<f64> {
    let mut order: Vec<usize> = (0..nodes.len()).collect();
    order.sort_by(|&a, &b| {
        let key = |n: &Node| {
            (
                n.side.unwrap_or(sides),
                n.weight,
                n.title.to_lowercase(),
                n.id,
            )
        };
        key(&nodes[a]).cmp(&key(&nodes[b]))
    });
    let groups = {
        let mut g: Vec<Option<usize>> = order.iter().map(|&i| nodes[i].side).collect();
        g.dedup();
        g.len()
    };
    let slots = (nodes.len() + groups).max(1) as f64;
    let mut angles = vec![0.0; nodes.len()];
    let mut slot = 0usize;
    let mut prev: Option<Option<usize>> = None;
    for &i in &order {
        if prev.is_some_and(|p| p != nodes[i].side) {
            slot += 1;
        }
        prev = Some(nodes[i].side);
        angles[i] = 2.0 * PI * slot as f64 / slots;
        slot += 1;
    }
    angles
}

impl Graph {
    /// `sides` is the number of sides in site.toml.
    pub fn draw(nodes: &[Node], edges: &[Edge], sides: usize) -> Option<Graph> {
        if nodes.is_empty() {
            return None;
        }
        let angles = layout(nodes, sides);
        let longest = nodes
            .iter()
            .map(|n| text_width(&shorten(&n.title, LABEL_CHARS), FONT))
            .fold(0.0, f64::max);
        let c = (RADIUS + NODE_R + 8.0 + longest + 6.0).round();
        let at = |i: usize, r: f64| {
            let a = angles[i];
            (c + r * a.sin(), c - r * a.cos())
        };
        // By id: a lookup per edge end, and a site may have tens of thousands of actors.
        let positions: std::collections::HashMap<PageId, usize> = nodes
            .iter()
            .enumerate()
            .rev()
            .map(|(i, n)| (n.id, i))
            .collect();
        let index = |id: PageId| positions.get(&id).copied();
        let mut out = String::new();
        let size = num(2.0 * c);
        let _ = write!(
            out,
            r#"<svg class="graph" viewBox="0 0 {size} {size}" role="group" aria-labelledby="graph-caption"><g class="edges" aria-hidden="true">"#
        );
        for e in edges {
            let (Some(a), Some(b)) = (index(e.from), index(e.to)) else {
                continue;
            };
            let (x0, y0) = at(a, RADIUS);
            let (x1, y1) = at(b, RADIUS);
            // The control point pulls the curve towards the centre, more for distant nodes.
            let (mx, my) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
            let (qx, qy) = (c + (mx - c) * 0.3, c + (my - c) * 0.3);
            let _ = write!(
                out,
                r#"<path class="edge {}" d="M{} {}Q{} {} {} {}"/>"#,
                edge_class(&e.kind),
                num(x0),
                num(y0),
                num(qx),
                num(qy),
                num(x1),
                num(y1)
            );
        }
        out.push_str("</g>");
        let mut order: Vec<usize> = (0..nodes.len()).collect();
        order.sort_by(|&a, &b| angles[a].total_cmp(&angles[b]));
        for &i in &order {
            let n = &nodes[i];
            let (x, y) = at(i, RADIUS);
            let (lx, ly) = at(i, RADIUS + NODE_R + 6.0);
            let deg = angles[i].to_degrees() - 90.0;
            let (rot, anchor) = if angles[i] > PI {
                (deg + 180.0, "end")
            } else {
                (deg, "start")
            };
            let title = esc(&n.title);
            let _ = write!(
                out,
                r#"<a href="{url}" aria-label="{title}"><title>{title}</title><circle class="node {side}" cx="{x}" cy="{y}" r="{r}"/><text x="{lx}" y="{ly}" dy=".35em" text-anchor="{anchor}" transform="rotate({rot} {lx} {ly})">{label}</text></a>"#,
                label = esc(&shorten(&n.title, LABEL_CHARS)),
                url = esc(&n.url),
                side = side_class(n.side),
                x = num(x),
                y = num(y),
                r = num(NODE_R),
                lx = num(lx),
                ly = num(ly),
                rot = num(rot),
            );
        }
        out.push_str("</svg>");
        Some(Graph {
            svg: out,
            order: order.iter().map(|&i| nodes[i].id).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: PageId, title: &str, side: Option<usize>) -> Node {
        Node {
            id,
            title: title.into(),
            url: format!("/actors/{id}/"),
            side,
            weight: 0,
        }
    }

    #[test]
    fn layout_groups_by_side_with_a_gap_between_groups() {
        let nodes = [
            node(0, "Zed", None),
            node(1, "Beta", Some(1)),
            node(2, "Alpha", Some(1)),
            node(3, "Gamma", Some(0)),
        ];
        let a = layout(&nodes, 2);
        // Order: Gamma (side 0), gap, Alpha, Beta (side 1), gap, Zed (none), gap: 7 slots.
        let slot = |i: usize| (a[i] / (2.0 * PI) * 7.0).round() as usize;
        assert_eq!([slot(3), slot(2), slot(1), slot(0)], [0, 2, 3, 5]);
    }

    #[test]
    fn drawing_is_deterministic_and_every_node_links() {
        let nodes = [
            node(0, "Kerry", Some(0)),
            node(1, "Lavrov", Some(1)),
            node(2, "Observatory", None),
        ];
        let edges = [Edge {
            from: 0,
            to: 1,
            kind: "negotiates-with".into(),
            label: "negotiates with".into(),
        }];
        let g = Graph::draw(&nodes, &edges, 2).unwrap();
        assert_eq!(g.svg, Graph::draw(&nodes, &edges, 2).unwrap().svg);
        assert_eq!(g.order, [0, 1, 2]);
        assert_eq!(g.svg.matches("<a href=").count(), 3);
        assert!(g.svg.contains(r#"class="edge edge-talk""#));
        assert!(g.svg.contains(r#"class="node side-0""#));
        // The first node sits at the top of the circle, on the vertical axis.
        let c = (RADIUS + NODE_R + 14.0 + text_width("Observatory", FONT)).round();
        assert!(
            g.svg
                .contains(&format!(r#"cx="{}" cy="{}""#, num(c), num(c - RADIUS)))
        );
    }

    #[test]
    fn edges_to_unknown_nodes_are_skipped() {
        let nodes = [node(0, "A", None)];
        let edges = [Edge {
            from: 0,
            to: 9,
            kind: "fights".into(),
            label: "fights".into(),
        }];
        let g = Graph::draw(&nodes, &edges, 0).unwrap();
        assert!(!g.svg.contains("edge-hostile"));
    }
}
