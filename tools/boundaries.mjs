// Turns Natural Earth's 1:50m admin-0 countries (public domain, via the npm package
// world-atlas, TopoJSON) into the compact text file src/pictures/countries-50m.txt that the
// generator embeds and draws its maps from. Run after `npm ci --ignore-scripts` in tests/browser:
//
//     node tools/boundaries.mjs
//
// Format, after the comment lines: one country per line, `name<TAB>rings`, rings separated
// by `;`, each ring a list of points `x,y` separated by spaces, in hundredths of a degree
// (longitude, latitude), the first absolute and the others as differences from the previous.
// Rings crossing the antimeridian are shifted east of 180°. Points closer than the quantum are merged and rings are simplified (Douglas–Peucker at one
// quantum), which keeps the outlines faithful at every scale the maps use.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pkg = join(root, "tests/browser/node_modules/world-atlas");
const version = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8")).version;
const topo = JSON.parse(readFileSync(join(pkg, "countries-50m.json"), "utf8"));
const Q = 100; // points per degree

const [sx, sy] = topo.transform.scale;
const [tx, ty] = topo.transform.translate;
const arcs = topo.arcs.map((arc) => {
  let x = 0;
  let y = 0;
  return arc.map(([dx, dy]) => {
    x += dx;
    y += dy;
    return [Math.round((x * sx + tx) * Q), Math.round((y * sy + ty) * Q)];
  });
});

function ring(indices) {
  const out = [];
  for (const i of indices) {
    const pts = i >= 0 ? arcs[i] : arcs[~i].slice().reverse();
    out.push(...(out.length ? pts.slice(1) : pts));
  }
  return out;
}

function simplify(pts, tol) {
  if (pts.length < 4) return pts;
  const keep = new Uint8Array(pts.length);
  keep[0] = keep[pts.length - 1] = 1;
  const stack = [[0, pts.length - 1]];
  while (stack.length) {
    const [a, b] = stack.pop();
    const [ax, ay] = pts[a];
    const [bx, by] = pts[b];
    const len = Math.hypot(bx - ax, by - ay);
    let best = -1;
    let at = -1;
    for (let i = a + 1; i < b; i++) {
      const [px, py] = pts[i];
      const d = len === 0
        ? Math.hypot(px - ax, py - ay)
        : Math.abs((bx - ax) * (ay - py) - (ax - px) * (by - ay)) / len;
      if (d > best) {
        best = d;
        at = i;
      }
    }
    if (best > tol) {
      keep[at] = 1;
      stack.push([a, at], [at, b]);
    }
  }
  return pts.filter((_, i) => keep[i]);
}

const lines = [];
for (const g of topo.objects.countries.geometries) {
  const polys = g.type === "Polygon" ? [g.arcs] : g.type === "MultiPolygon" ? g.arcs : [];
  const rings = [];
  for (const poly of polys) {
    for (const r of poly) {
      let pts = ring(r).filter((p, i, a) => i === 0 || p[0] !== a[i - 1][0] || p[1] !== a[i - 1][1]);
      // A ring that crosses the antimeridian (Russia's Chukotka, Fiji) jumps from 180° to
      // -180°: shift its western half by 360° so it is drawn in one piece east of 180°.
      if (pts.some((p, i) => i > 0 && Math.abs(p[0] - pts[i - 1][0]) > 180 * Q)) {
        pts = pts.map(([x, y]) => [x < 0 ? x + 360 * Q : x, y]);
      }
      pts = simplify(pts, 1);
      if (pts.length < 4) continue;
      let [px, py] = [0, 0];
      rings.push(pts.map(([x, y], i) => {
        const s = i === 0 ? `${x},${y}` : `${x - px},${y - py}`;
        [px, py] = [x, y];
        return s;
      }).join(" "));
    }
  }
  const name = (g.properties && g.properties.name) || "";
  if (rings.length) lines.push(`${name}\t${rings.join(";")}`);
}
lines.sort();
const header = [
  `# Natural Earth 1:50m admin-0 countries (public domain, naturalearthdata.com),`,
  `# from world-atlas ${version}, converted by tools/boundaries.mjs. Do not edit by hand.`,
  `# name<TAB>rings; rings split by ';'; points 'x,y' in 1/${Q} degree, delta-encoded.`,
];
writeFileSync(join(root, "src/pictures/countries-50m.txt"), header.concat(lines).join("\n") + "\n");
console.log(`${lines.length} countries written`);
