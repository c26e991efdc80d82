//! Template context: the resolved site turned into the values templates read.
//!
//! Each page's and section's context is built once, from already-resolved data, by composing
//! small values built once per page (a page's "ref": title, URL, kind, …). Tera's values are
//! reference-counted, so the site-wide collections (`site.actors`, `site.events`, …) are
//! shared by every render instead of being serialised again for each page. README.md
//! documents every key for theme authors; keep the two in step.

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashMap as HashMap;

use rayon::prelude::*;
use tera::{Map, Value};

use crate::dates::DateSpec;
use crate::frontmatter::ParagraphKind;
use crate::markdown::Rendered;
use crate::model::{Cite, PageId, PageKind, RefKind, Site, Target};

macro_rules! obj {
    ($($k:literal => $v:expr),* $(,)?) => {{
        // Sized for its keys: growing a map rehashes it.
        let mut m = Map::with_capacity([$($k),*].len());
        $( m.insert($k.into(), Value::from($v)); )*
        Value::from(m)
    }};
}

/// The values handed to templates.
pub struct Views {
    /// `site`: collections shared by every template.
    pub site: Value,
    /// `config`.
    pub config: Value,
    /// `page` for each page, by `PageId`.
    pub pages: Vec<Value>,
    /// `section` for each section, by `SectionId`.
    pub sections: Vec<Value>,
}

fn arr(values: impl IntoIterator<Item = Value>) -> Value {
    Value::from(values.into_iter().collect::<Vec<Value>>())
}

fn date_value(d: &DateSpec) -> Value {
    obj! {
        "label" => d.label.as_str(),
        "datetime" => d.datetime.as_str(),
        "start" => d.start.iso(),
        "end" => d.end.iso(),
        "start_day" => d.start.ordinal(),
        "end_day" => d.end.ordinal(),
        "precision" => match d.precision {
            crate::dates::Precision::Year => "year",
            crate::dates::Precision::Month => "month",
            crate::dates::Precision::Day => "day",
        },
        "approximate" => d.approximate,
    }
}

fn opt(v: Option<Value>) -> Value {
    v.unwrap_or_else(Value::none)
}

fn toml_to_value(t: &toml::Table) -> Value {
    // Front-matter `extra` tables are small; serde does the conversion. Most pages have none.
    if t.is_empty() {
        return Value::from(Map::new());
    }
    Value::from_serializable(t)
}

/// What every page's view is composed from, computed once per build from the whole site.
/// It depends on the bodies only through who links to and who cites what, so a body edit
/// that changes neither can reuse it (`dossier serve`'s incremental rebuilds).
pub struct Prepared {
    page_refs: Vec<Value>,
    section_refs: Vec<Value>,
    /// Paragraph views by source page, index n-1, as citations show them.
    paragraphs: HashMap<PageId, Vec<Value>>,
    /// The same with `cited_by`, for the source's own page. Only there: in every citation
    /// of a paragraph, the list of everyone who cites it would make every citing page's
    /// view change with any citer's title, and grow with the square of the site.
    source_paragraphs: HashMap<PageId, Vec<Value>>,
    /// A sources-list entry of each paragraph for a page whose text does not cite it (no
    /// `backrefs`): built once and shared, as most entries of most pages are these.
    uncited_entries: HashMap<Cite, Value>,
    /// The tooltip of a citation of each paragraph, put back into the bodies' HTML
    /// (`Rendered::html_with_tips`).
    tips: HashMap<Cite, String>,
    events: Vec<Value>,
    events_of: Vec<Vec<usize>>,
    talks_of: Vec<BTreeSet<PageId>>,
    contains: Vec<Vec<PageId>>,
    present_at: Vec<BTreeSet<PageId>>,
    incoming: Vec<Vec<(PageId, usize)>>,
    followed_by: Vec<Vec<PageId>>,
    linked_from: Vec<BTreeSet<Target>>,
    cited_by: BTreeMap<Cite, BTreeSet<Target>>,
    /// Locator maps of locations, by page id (see `pictures`): every one, or none when each
    /// is drawn as its page's view is made (`draw_locators`).
    locators: Vec<Option<String>>,
    /// Whether a page's view draws its locator map: a build that makes each view once, as
    /// its page is rendered, does not hold thousands of maps (about 100 MiB of the peak at
    /// 100,000 pages, BENCHMARKS.md).
    draw_locators: bool,
    /// What the templates read of a page's view: the rest is left out of it.
    reads: PageReads,
}

/// What the templates may read of a page's view (`page.<key>`, `page.<key>.<sub>`), as
/// `render::page_reads` finds it; the views leave out the rest, which no template can show.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageReads {
    /// Each path read: one key (then all of its value) or a key and a key inside it. `None`:
    /// anything may be read.
    paths: Option<BTreeSet<Vec<String>>>,
}

impl PageReads {
    pub const ALL: PageReads = PageReads { paths: None };

    /// Reads of exactly `paths` (each one or two keys).
    pub fn only(paths: impl IntoIterator<Item = Vec<String>>) -> PageReads {
        PageReads {
            paths: Some(paths.into_iter().collect()),
        }
    }

    /// Whether any part of `page.<key>` may be read.
    pub fn key(&self, key: &str) -> bool {
        self.paths
            .as_ref()
            .is_none_or(|ps| ps.iter().any(|p| p.first().is_some_and(|k| k == key)))
    }

    /// Whether `page.<key>.<sub>` may be read (`page.<key>` read whole included).
    pub fn sub(&self, key: &str, sub: &str) -> bool {
        self.paths.as_ref().is_none_or(|ps| {
            ps.iter()
                .any(|p| p.first().is_some_and(|k| k == key) && p.get(1).is_none_or(|s| s == sub))
        })
    }
}

/// A view builder: the prepared values with the site and bodies they came from.
struct Builder<'a> {
    site: &'a Site,
    bodies: &'a [Rendered],
    section_bodies: &'a [Rendered],
    prepared: &'a Prepared,
    /// What to put in a page's view.
    reads: &'a PageReads,
}

impl std::ops::Deref for Builder<'_> {
    type Target = Prepared;
    fn deref(&self) -> &Prepared {
        self.prepared
    }
}

impl Builder<'_> {
    /// A body's HTML with its citations' tooltips.
    fn body_html(&self, body: &Rendered) -> String {
        body.html_with_tips(|c| match self.tips.get(&c) {
            Some(t) => std::borrow::Cow::Borrowed(t.as_str()),
            None => std::borrow::Cow::Owned(crate::markdown::cite_tip(self.site, c)),
        })
    }
}

impl Prepared {
    /// The locator map of page `id`, if it is a place: drawn now, or before.
    fn locator(&self, site: &Site, id: PageId) -> Option<String> {
        if self.draw_locators {
            crate::pictures::place(site, id).map(|p| crate::pictures::map::locator(&p))
        } else {
            self.locators.get(id).cloned().flatten()
        }
    }

    fn target_ref(&self, t: Target) -> Value {
        match t {
            Target::Page(id) => self.page_refs[id].clone(),
            Target::Section(id) => self.section_refs[id].clone(),
        }
    }

    fn refs(&self, ids: impl IntoIterator<Item = PageId>) -> Value {
        arr(ids.into_iter().map(|id| self.page_refs[id].clone()))
    }

    fn cite(&self, c: Cite) -> Value {
        self.paragraphs
            .get(&c.source)
            .and_then(|ps| ps.get(c.n - 1))
            .cloned()
            .unwrap_or_else(Value::none)
    }

    fn cites(&self, cs: &[Cite]) -> Value {
        arr(cs.iter().map(|&c| self.cite(c)))
    }
}

/// Builds every context value. `bodies[i]` is the rendered body of page `i`,
/// `section_bodies[i]` of section `i`.
pub fn build(site: &Site, bodies: &[Rendered], section_bodies: &[Rendered]) -> Views {
    build_prepared(site, bodies, section_bodies).0
}

/// [`build`], also returning the prepared values, for [`view_of`] later.
pub fn build_prepared(
    site: &Site,
    bodies: &[Rendered],
    section_bodies: &[Rendered],
) -> (Views, Prepared) {
    build_prepared_reusing(site, bodies, section_bodies, None)
}

/// [`build_prepared`] without the pages' views (`Views::pages` is empty): the renderer makes
/// each with [`view_of`] when it renders the page and drops it after, so the views of the
/// whole site (the largest values of a build after the output) are never all held at once.
///
/// Only the pictures in `draw` are drawn: the others are left out of the views (no template
/// reads them, `render::pictures_read`), and the pages' views hold only what `reads` says
/// (`render::page_reads`).
pub fn build_prepared_lazily(
    site: &Site,
    bodies: &[Rendered],
    section_bodies: &[Rendered],
    draw: crate::pictures::Draw,
    reads: PageReads,
) -> (Views, Prepared) {
    build_views(site, bodies, section_bodies, None, false, draw, reads)
}

/// [`build_prepared`] for an incremental rebuild, with the site and prepared values of the
/// last build: the locator maps of places whose title, address, kind and coordinates did
/// not change are taken from it rather than drawn again.
pub fn build_prepared_reusing(
    site: &Site,
    bodies: &[Rendered],
    section_bodies: &[Rendered],
    old: Option<(&Site, &Prepared)>,
) -> (Views, Prepared) {
    build_views(
        site,
        bodies,
        section_bodies,
        old,
        true,
        crate::pictures::Draw::ALL,
        PageReads::ALL,
    )
}

fn build_views(
    site: &Site,
    bodies: &[Rendered],
    section_bodies: &[Rendered],
    old: Option<(&Site, &Prepared)>,
    with_pages: bool,
    draw: crate::pictures::Draw,
    reads: PageReads,
) -> (Views, Prepared) {
    let config = Value::from_serializable(&site.config);

    let page_refs: Vec<Value> = site.pages.par_iter().map(|p| page_ref(site, p)).collect();
    let section_refs: Vec<Value> = site
        .sections
        .iter()
        .map(|s| {
            obj! {
                "kind" => "section",
                "title" => s.doc.title.as_str(),
                "path" => s.doc.path.as_str(),
                "url" => site.url(&s.doc.path),
                "permalink" => site.permalink(&s.doc.path),
                "summary" => s.doc.summary.clone(),
                "description" => s.doc.description.clone(),
                "weight" => s.doc.weight,
            }
        })
        .collect();

    // Who cites what (front matter and bodies), and who links to whom.
    let (cited_by, linked_from) = rayon::join(
        || cited_by_of(site, bodies, section_bodies),
        || crate::markdown::linked_from(bodies, section_bodies),
    );

    let mut b = Prepared {
        page_refs,
        section_refs,
        paragraphs: HashMap::default(),
        source_paragraphs: HashMap::default(),
        uncited_entries: HashMap::default(),
        tips: HashMap::default(),
        events: Vec::new(),
        events_of: vec![Vec::new(); site.pages.len()],
        talks_of: vec![BTreeSet::new(); site.pages.len()],
        contains: vec![Vec::new(); site.pages.len()],
        present_at: vec![BTreeSet::new(); site.pages.len()],
        incoming: vec![Vec::new(); site.pages.len()],
        followed_by: vec![Vec::new(); site.pages.len()],
        linked_from,
        cited_by: BTreeMap::new(),
        locators: Vec::new(),
        draw_locators: draw.locators && !with_pages,
        reads,
    };
    let reuse = |p: &crate::pictures::map::Place| {
        let (old_site, old) = old?;
        (crate::pictures::place(old_site, p.id).as_ref() == Some(p))
            .then(|| old.locators.get(p.id).cloned().flatten())
            .flatten()
    };
    let draw_now = crate::pictures::Draw {
        locators: draw.locators && !b.draw_locators,
        ..draw
    };
    let mut pictures = crate::pictures::build_reusing(site, &reuse, draw_now);
    b.locators = std::mem::take(&mut pictures.locators);

    // Paragraph views, with who cites each.
    for (id, page) in site.pages.iter().enumerate() {
        if let PageKind::Source(s) = &page.kind {
            let source_ref = b.page_refs[id].clone();
            let views = s
                .paragraphs
                .iter()
                .map(|p| {
                    obj! {
                        "n" => p.n,
                        "anchor" => format!("p{}", p.n),
                        "url" => site.paragraph_url(page, p.n),
                        "source" => source_ref.clone(),
                        "original" => p.original.as_str(),
                        "language" => s.language.as_str(),
                        "translation" => p.translation.clone(),
                        "tooltip" => opt(site
                            .config
                            .markdown
                            .citation_tooltips
                            .then(|| Value::from(p.original.as_str()))),
                        "heading" => p.kind == ParagraphKind::Heading,
                        "note" => p.note.clone(),
                    }
                })
                .collect::<Vec<Value>>();
            let mut on_source = Vec::with_capacity(views.len());
            for (p, view) in s.paragraphs.iter().zip(&views) {
                let cite = Cite { source: id, n: p.n };
                b.uncited_entries
                    .insert(cite, citation_entry(view, Vec::new()));
                b.tips.insert(cite, crate::markdown::cite_tip(site, cite));
                let citers = cited_by
                    .get(&cite)
                    .map(|set| arr(set.iter().map(|&t| b.target_ref(t))));
                let mut m = view.as_map().cloned().unwrap_or_default();
                m.insert("cited_by".into(), citers.unwrap_or_else(|| arr([])));
                on_source.push(Value::from(m));
            }
            b.paragraphs.insert(id, views);
            b.source_paragraphs.insert(id, on_source);
        }
    }
    b.cited_by = cited_by;

    // Events (their views made in parallel), and which pages each involves.
    let event_ids = crate::search::event_ids(&site.events);
    b.events = (site.events.par_iter().zip(&event_ids))
        .map(|(e, id)| {
            obj! {
                "id" => id.as_str(),
                "date" => date_value(&e.date),
                "as_stated" => e.as_stated.clone(),
                "summary" => e.summary.as_str(),
                "actors" => b.refs(e.actors.iter().copied()),
                "place" => opt(e.place.map(|p| b.page_refs[p].clone())),
                "cite" => b.cites(&e.cite),
                "declared_in" => b.page_refs[e.declared_in].clone(),
            }
        })
        .collect();
    for (i, e) in site.events.iter().enumerate() {
        let mut involved: BTreeSet<PageId> = e.actors.iter().copied().collect();
        involved.extend(e.place);
        involved.insert(e.declared_in);
        for &p in &involved {
            b.events_of[p].push(i);
        }
        if let Some(place) = e.place {
            for &a in &e.actors {
                b.present_at[place].insert(a);
            }
        }
    }
    for (id, page) in site.pages.iter().enumerate() {
        match &page.kind {
            PageKind::Talk(t) => {
                for &a in t
                    .participants
                    .iter()
                    .chain(t.quotes.iter().filter_map(|q| q.speaker.as_ref()))
                {
                    b.talks_of[a].insert(id);
                }
                if let Some(l) = t.location {
                    b.talks_of[l].insert(id);
                    for &a in &t.participants {
                        b.present_at[l].insert(a);
                    }
                }
                if let Some(f) = t.follows {
                    b.followed_by[f].push(id);
                }
            }
            PageKind::Location(l) => {
                if let Some(w) = l.within {
                    b.contains[w].push(id);
                }
            }
            PageKind::Actor(a) => {
                for (i, r) in a.relations.iter().enumerate() {
                    b.incoming[r.to].push((id, i));
                }
            }
            _ => {}
        }
    }

    let prepared = b;
    let b = Builder {
        site,
        bodies,
        section_bodies,
        prepared: &prepared,
        reads: &prepared.reads,
    };
    let pages: Vec<Value> = if with_pages {
        (0..site.pages.len())
            .into_par_iter()
            .map(|id| page_view(&b, id))
            .collect()
    } else {
        Vec::new()
    };
    let sections: Vec<Value> = (0..site.sections.len())
        .into_par_iter()
        .map(|id| section_view(&b, id))
        .collect();

    let by_kind = |kind: &str| {
        let mut ids: Vec<PageId> = (0..site.pages.len())
            .filter(|&i| site.pages[i].kind.name() == kind)
            .collect();
        // Each title lowercased once, not at every comparison.
        ids.sort_by_cached_key(|&i| {
            let d = &site.pages[i].doc;
            (d.weight, d.title.to_lowercase(), &d.path)
        });
        b.refs(ids)
    };
    let sides = arr(site.config.sides.iter().map(|s| {
        let members: Vec<PageId> = (0..site.pages.len())
            .filter(|&i| matches!(&site.pages[i].kind, PageKind::Actor(a) if a.side.as_deref() == Some(s.id.as_str())))
            .collect();
        obj! {
            "id" => s.id.as_str(),
            "label" => s.label.as_str(),
            "description" => s.description.as_str(),
            "actors" => b.refs(members),
        }
    }));
    let home = site.sections.iter().position(|s| s.folder.is_empty());
    let site_value = obj! {
        "title" => site.config.title.as_str(),
        "home" => opt(home.map(|h| b.section_refs[h].clone())),
        "sections" => arr(b.section_refs.iter().cloned()),
        "actors" => by_kind("actor"),
        "locations" => by_kind("location"),
        "talks" => by_kind("talk"),
        "sources" => by_kind("source"),
        "pages" => by_kind("page"),
        "events" => arr(b.events.iter().cloned()),
        "sides" => sides,
        "pictures" => pictures_value(&b, &pictures),
    };
    let views = Views {
        site: site_value,
        config,
        pages,
        sections,
    };
    (views, prepared)
}

/// Compares views built by two runs of [`build_prepared`]. A view shares its parts with
/// others (a paragraph's view, with everyone who cites it, sits in every citation of it), so
/// a page's view unfolded is tens of megabytes on a large site and Tera's `==` walks all of
/// it; this compares each pair of shared parts once. Stricter than `==`: the order of a
/// map's keys, a number's type and whether a string is safe must match too, since each can
/// change what a template writes.
#[derive(Default)]
pub struct ViewComparer {
    seen: HashMap<(usize, usize, usize), bool>,
}

impl ViewComparer {
    pub fn same(&mut self, a: &Value, b: &Value) -> bool {
        if a.kind() != b.kind() {
            return false;
        }
        if let (Some(x), Some(y)) = (a.as_map(), b.as_map()) {
            let key = (
                std::ptr::from_ref(x) as usize,
                std::ptr::from_ref(y) as usize,
                x.len(),
            );
            if let Some(&known) = self.seen.get(&key) {
                return known;
            }
            let same = x.len() == y.len()
                && x.iter()
                    .zip(y.iter())
                    .all(|((ka, va), (kb, vb))| ka == kb && self.same(va, vb));
            self.seen.insert(key, same);
            return same;
        }
        if let (Some(x), Some(y)) = (a.as_array(), b.as_array()) {
            let key = (x.as_ptr() as usize, y.as_ptr() as usize, x.len());
            if let Some(&known) = self.seen.get(&key) {
                return known;
            }
            let same = x.len() == y.len() && x.iter().zip(y).all(|(va, vb)| self.same(va, vb));
            self.seen.insert(key, same);
            return same;
        }
        a.is_safe() == b.is_safe() && a == b
    }
}

/// The view of one page or section: again, after an edit of its body that changed neither
/// what it links to nor what it cites (so `prepared` still holds); or for the first time,
/// after [`build_prepared_lazily`], with what the templates read of it. `whole`: with every
/// key, for a template error to list them all.
pub fn view_of(
    site: &Site,
    bodies: &[Rendered],
    section_bodies: &[Rendered],
    prepared: &Prepared,
    target: Target,
    whole: bool,
) -> Value {
    let b = Builder {
        site,
        bodies,
        section_bodies,
        prepared,
        reads: if whole {
            &PageReads::ALL
        } else {
            &prepared.reads
        },
    };
    match target {
        Target::Page(id) => page_view(&b, id),
        Target::Section(id) => section_view(&b, id),
    }
}

/// The short form of a page, used wherever another page lists it.
fn page_ref(site: &Site, p: &crate::model::Page) -> Value {
    let mut m = Map::new();
    let mut set = |k: &'static str, v: Value| {
        m.insert(k.into(), v);
    };
    set("kind", Value::from(p.kind.name()));
    set("slug", Value::from(p.slug.as_str()));
    set("title", Value::from(p.doc.title.as_str()));
    set("path", Value::from(p.doc.path.as_str()));
    set("url", Value::from(site.url(&p.doc.path)));
    set("permalink", Value::from(site.permalink(&p.doc.path)));
    set("summary", Value::from(p.doc.summary.clone()));
    set("description", Value::from(p.doc.description.clone()));
    set("weight", Value::from(p.doc.weight));
    let none = Value::none;
    let (subtype, label, side, date, status, coords) = match &p.kind {
        PageKind::Actor(a) => (
            Value::from(kebab(&a.kind)),
            Value::from(a.kind.label()),
            a.side
                .as_ref()
                .map(
                    |id| obj! {
                        "id" => id.as_str(),
                        "label" => site.side_label(id).unwrap_or(id),
                        "class" => crate::pictures::side_class(site.config.sides.iter().position(|s| &s.id == id)),
                    },
                )
                .unwrap_or_else(none),
            none(),
            none(),
            none(),
        ),
        PageKind::Location(l) => (
            Value::from(kebab(&l.kind)),
            Value::from(l.kind.label()),
            none(),
            none(),
            none(),
            l.coordinates
                .map(|c| obj! { "lat" => c.lat, "lon" => c.lon })
                .unwrap_or_else(none),
        ),
        PageKind::Talk(t) => (
            Value::from(kebab(&t.kind)),
            Value::from(t.kind.label()),
            none(),
            t.date.as_ref().map(date_value).unwrap_or_else(none),
            Value::from(t.status.label()),
            none(),
        ),
        PageKind::Plain { date } => (
            none(),
            none(),
            none(),
            date.as_ref().map(date_value).unwrap_or_else(none),
            none(),
            none(),
        ),
        PageKind::Source(s) => (
            none(),
            none(),
            none(),
            s.published.as_ref().map(date_value).unwrap_or_else(none),
            none(),
            none(),
        ),
    };
    set("subtype", subtype);
    set("subtype_label", label);
    set("side", side);
    set("date", date);
    set("status", status);
    set("coordinates", coords);
    Value::from(m)
}

fn kebab<T: serde::Serialize>(v: &T) -> String {
    match Value::from_serializable(v).as_str() {
        Some(s) => s.to_string(),
        None => String::new(),
    }
}

/// Who cites each paragraph, in a body or in front matter. Every (citation, citer) pair is
/// gathered and sorted in parallel, then grouped: inserting them one at a time was most of
/// the serial part of this stage.
fn cited_by_of(
    site: &Site,
    bodies: &[Rendered],
    section_bodies: &[Rendered],
) -> BTreeMap<Cite, BTreeSet<Target>> {
    fn in_body(
        bodies: &[Rendered],
        target: fn(usize) -> Target,
    ) -> impl ParallelIterator<Item = (Cite, Target)> + '_ {
        bodies
            .par_iter()
            .enumerate()
            .flat_map_iter(move |(i, body)| body.cites.iter().map(move |&(_, c)| (c, target(i))))
    }
    let mut pairs: Vec<(Cite, Target)> = in_body(bodies, Target::Page)
        .chain(in_body(section_bodies, Target::Section))
        .chain(
            site.pages
                .par_iter()
                .enumerate()
                .flat_map_iter(|(id, page)| {
                    declared_cites(site, id, page)
                        .into_iter()
                        .map(move |c| (c, Target::Page(id)))
                }),
        )
        .collect();
    pairs.par_sort_unstable();
    pairs.dedup();
    // Sorted, so both collections are built in bulk.
    pairs
        .chunk_by(|a, b| a.0 == b.0)
        .map(|group| (group[0].0, group.iter().map(|&(_, t)| t).collect()))
        .collect()
}

/// Citations a page makes in its own front matter.
fn declared_cites(site: &Site, id: PageId, page: &crate::model::Page) -> Vec<Cite> {
    let mut out = Vec::new();
    match &page.kind {
        PageKind::Actor(a) => {
            for r in &a.relations {
                out.extend(&r.cite);
            }
        }
        PageKind::Talk(t) => {
            out.extend(&t.cite);
            out.extend(t.quotes.iter().map(|q| q.cite));
        }
        _ => {}
    }
    for &e in &site.declared_events[id] {
        out.extend(&site.events[e].cite);
    }
    out
}

fn relation_value(b: &Builder, r: &crate::model::Relation, other: PageId, inverse: bool) -> Value {
    obj! {
        "type" => kebab(&r.kind),
        "label" => if inverse { r.kind.inverse_label() } else { r.kind.label() },
        "target" => b.page_refs[other].clone(),
        "cite" => b.cites(&r.cite),
        "note" => r.note.clone(),
    }
}

/// A map of the entries whose key `want` accepts; an entry's value is only computed if
/// accepted.
macro_rules! obj_if {
    ($want:expr; $($k:literal => $v:expr),* $(,)?) => {{
        let want = $want;
        let mut m = Map::with_capacity([$($k),*].len());
        $( if want($k) { m.insert($k.into(), Value::from($v)); } )*
        Value::from(m)
    }};
}

/// The view of page `id`, with only the keys that `b.reads` says a template may read.
fn page_view(b: &Builder, id: PageId) -> Value {
    let site = b.site;
    let page = &site.pages[id];
    let body = &b.bodies[id];
    let reads = b.reads;
    let want = |k: &str| reads.key(k);

    // The page's ref, and room for the keys below (growing a map rehashes it).
    let mut m = match b.page_refs[id].as_map() {
        Some(map) => map.clone(),
        None => Map::new(),
    };
    m.reserve(12);
    let mut set = |k: &'static str, v: &dyn Fn() -> Value| {
        if want(k) {
            m.insert(k.into(), v());
        }
    };
    set("content", &|| Value::safe_string(&b.body_html(body)));
    set("toc", &|| Value::from_serializable(&body.toc));
    set("extra", &|| toml_to_value(&page.doc.extra));
    set("section", &|| {
        opt(page.section.map(|s| b.section_refs[s].clone()))
    });
    set("events", &|| {
        arr(b.events_of[id].iter().map(|&e| b.events[e].clone()))
    });
    set("referenced_by", &|| {
        arr(site.referenced_by[id].iter().map(|r| {
            obj! {
                "page" => b.page_refs[r.from].clone(),
                "how" => ref_kind_label(r.kind),
            }
        }))
    });
    set("linked_from", &|| {
        arr(b.linked_from[id].iter().map(|&t| b.target_ref(t)))
    });
    set("mentioned_in", &|| {
        let mut mentioned: BTreeSet<Target> = b.linked_from[id].clone();
        mentioned.extend(site.referenced_by[id].iter().map(|r| Target::Page(r.from)));
        arr(mentioned.iter().map(|&t| b.target_ref(t)))
    });
    set("talks", &|| b.refs(b.talks_of[id].iter().copied()));

    match &page.kind {
        PageKind::Actor(a) => set("actor", &|| {
            obj_if! { |k| reads.sub("actor", k);
                "kind" => kebab(&a.kind),
                "kind_label" => a.kind.label(),
                "role" => a.role.clone(),
                "side" => m_get(&b.page_refs[id], "side"),
                "aliases" => a.aliases.clone(),
                "spellings" => a.spellings.clone(),
                "relations" => arr(a
                    .relations
                    .iter()
                    .map(|r| relation_value(b, r, r.to, false))),
                "incoming" => arr(b.incoming[id].iter().map(|&(from, i)| {
                    relation_value(b, incoming_relation(site, from, i), from, true)
                })),
                "quotes" => arr(quotes_by(site, &b.talks_of[id], id).map(|(talk, q)| obj! {
                    "talk" => b.page_refs[talk].clone(),
                    "original" => q.original.as_str(),
                    "translation" => q.translation.as_str(),
                    "cite" => b.cite(q.cite),
                })),
            }
        }),
        PageKind::Location(l) => set("location", &|| {
            obj_if! { |k| reads.sub("location", k);
                "kind" => kebab(&l.kind),
                "kind_label" => l.kind.label(),
                "aliases" => l.aliases.clone(),
                "spellings" => l.spellings.clone(),
                "within" => opt(l.within.map(|w| b.page_refs[w].clone())),
                "contains" => b.refs(b.contains[id].iter().copied()),
                "coordinates" => m_get(&b.page_refs[id], "coordinates"),
                "actors" => b.refs(b.present_at[id].iter().copied()),
                "locator" => opt(b.locator(site, id).map(|s| Value::safe_string(&s))),
            }
        }),
        PageKind::Talk(t) => set("talk", &|| {
            obj_if! { |k| reads.sub("talk", k);
                "kind" => kebab(&t.kind),
                "kind_label" => t.kind.label(),
                "status" => t.status.label(),
                "date" => opt(t.date.as_ref().map(date_value)),
                "as_stated" => t.as_stated.clone(),
                "location" => opt(t.location.map(|l| b.page_refs[l].clone())),
                "participants" => b.refs(t.participants.iter().copied()),
                "duration" => t.duration.clone(),
                "outcome" => t.outcome.clone(),
                "follows" => opt(t.follows.map(|f| b.page_refs[f].clone())),
                "followed_by" => b.refs(b.followed_by[id].iter().copied()),
                "cite" => b.cites(&t.cite),
                "quotes" => arr(t.quotes.iter().map(|q| {
                    obj! {
                        "speaker" => opt(q.speaker.map(|s| b.page_refs[s].clone())),
                        "original" => q.original.as_str(),
                        "translation" => q.translation.as_str(),
                        "cite" => b.cite(q.cite),
                    }
                })),
            }
        }),
        PageKind::Source(s) => set("source", &|| {
            obj_if! { |k| reads.sub("source", k);
                "publisher" => s.publisher.as_str(),
                "language" => s.language.as_str(),
                "title_original" => s.title_original.clone(),
                "url" => s.url.clone(),
                "published" => opt(s.published.as_ref().map(date_value)),
                "date_note" => s.date_note.clone(),
                "paragraphs" => arr(b.source_paragraphs.get(&id).cloned().unwrap_or_default()),
            }
        }),
        PageKind::Plain { .. } => {}
    }
    set("citations", &|| {
        citations(b, &page_cites(b, id), &body.cites)
    });
    Value::from(m)
}

/// Relation `i` of actor `from`, which points at another actor.
fn incoming_relation(site: &Site, from: PageId, i: usize) -> &crate::model::Relation {
    let PageKind::Actor(other) = &site.pages[from].kind else {
        unreachable!("relations come from actors")
    };
    &other.relations[i]
}

/// Everything page `id`'s view cites, for its sources list: its body, its events, its
/// relations both ways, and the quotes on it.
fn page_cites(b: &Builder, id: PageId) -> BTreeSet<Cite> {
    let site = b.site;
    let mut cites: BTreeSet<Cite> = b.bodies[id].cites.iter().map(|&(_, c)| c).collect();
    for &e in &b.events_of[id] {
        cites.extend(&site.events[e].cite);
    }
    match &site.pages[id].kind {
        PageKind::Actor(a) => {
            for r in &a.relations {
                cites.extend(&r.cite);
            }
            for &(from, i) in &b.incoming[id] {
                cites.extend(&incoming_relation(site, from, i).cite);
            }
            cites.extend(quotes_by(site, &b.talks_of[id], id).map(|(_, q)| q.cite));
        }
        PageKind::Talk(t) => {
            cites.extend(&t.cite);
            cites.extend(t.quotes.iter().map(|q| q.cite));
        }
        _ => {}
    }
    cites
}

fn m_get(v: &Value, key: &str) -> Value {
    v.as_map()
        .and_then(|m| m.get(&tera::value::Key::from(key.to_string())))
        .cloned()
        .unwrap_or_else(Value::none)
}

/// Quotes spoken by `actor` in any of `talks`, with the talk of each.
fn quotes_by<'s>(
    site: &'s Site,
    talks: &'s BTreeSet<PageId>,
    actor: PageId,
) -> impl Iterator<Item = (PageId, &'s crate::model::Quote)> {
    talks.iter().flat_map(move |&talk| {
        let quotes: &[crate::model::Quote] = match &site.pages[talk].kind {
            PageKind::Talk(t) => &t.quotes,
            _ => &[],
        };
        quotes
            .iter()
            .filter(move |q| q.speaker == Some(actor))
            .map(move |q| (talk, q))
    })
}

/// The page's sources list: every cited paragraph once, in source order, with the ids of the
/// body citations that point to it (for links back).
fn citations(b: &Builder, cites: &BTreeSet<Cite>, body_cites: &[(usize, Cite)]) -> Value {
    arr(cites.iter().map(|&c| {
        let backrefs: Vec<String> = body_cites
            .iter()
            .filter(|(_, bc)| *bc == c)
            .map(|(k, _)| format!("cite-{k}"))
            .collect();
        match b.uncited_entries.get(&c) {
            Some(shared) if backrefs.is_empty() => shared.clone(),
            _ => citation_entry(&b.cite(c), backrefs),
        }
    }))
}

/// A sources-list entry: the paragraph's view plus the ids of the citations that point to it.
fn citation_entry(paragraph: &Value, backrefs: Vec<String>) -> Value {
    let mut m = paragraph.as_map().cloned().unwrap_or_default();
    m.insert("backrefs".into(), Value::from(backrefs));
    Value::from(m)
}

fn section_view(b: &Builder, id: usize) -> Value {
    let site = b.site;
    let s = &site.sections[id];
    let body = &b.section_bodies[id];
    let cites: BTreeSet<Cite> = body.cites.iter().map(|&(_, c)| c).collect();
    let mut m = b.section_refs[id].as_map().cloned().unwrap_or_default();
    let mut set = |k: &'static str, v: Value| {
        m.insert(k.into(), v);
    };
    set("content", Value::safe_string(&b.body_html(body)));
    set("toc", Value::from_serializable(&body.toc));
    set("extra", toml_to_value(&s.doc.extra));
    set("pages", b.refs(s.pages.iter().copied()));
    set(
        "subsections",
        arr(s.subsections.iter().map(|&i| b.section_refs[i].clone())),
    );
    set("parent", opt(s.parent.map(|p| b.section_refs[p].clone())));
    set("citations", citations(b, &cites, &body.cites));
    let _ = (&b.cited_by, b.section_bodies.len());
    Value::from(m)
}

fn ref_kind_label(k: RefKind) -> &'static str {
    match k {
        RefKind::Relation(r) => r.inverse_label(),
        RefKind::Participant => "participant",
        RefKind::Speaker => "quoted",
        RefKind::TalkLocation => "place of the talk",
        RefKind::Within => "contains",
        RefKind::Follows => "followed up by",
        RefKind::EventActor => "in an event",
        RefKind::EventPlace => "place of an event",
    }
}

/// `site.pictures`: the SVG drawn by `pictures`, with the data of their text alternatives.
fn pictures_value(b: &Builder, p: &crate::pictures::Pictures) -> Value {
    use crate::pictures::{graph, map, side_class};
    let svg = |s: &str| Value::safe_string(s);
    let map = p.map.as_ref().map(|m| {
        obj! {
            "svg" => svg(&map::wrap(&m.main, "map-caption")),
            "places" => b.refs(m.main_places.iter().copied()),
            "detail" => opt(m.detail.as_ref().map(|(s, title, ids)| obj! {
                "svg" => svg(&map::wrap(s, "map-detail-caption")),
                "title" => title.as_str(),
                "places" => b.refs(ids.iter().copied()),
            })),
            "far" => opt(m.far.as_ref().map(|(s, ids)| obj! {
                "svg" => svg(&map::wrap(s, "map-far-caption")),
                "places" => b.refs(ids.iter().copied()),
            })),
        }
    });
    let places = arr(p.places.iter().map(|(pl, panel)| {
        obj! {
            "page" => b.page_refs[pl.id].clone(),
            "panel" => *panel,
            "position" => format!("{}, {}", map::format_lat(pl.lat), map::format_lon(pl.lon)),
        }
    }));
    let mut legend: Vec<Value> = b
        .site
        .config
        .sides
        .iter()
        .enumerate()
        .map(|(i, s)| obj! { "id" => s.id.as_str(), "label" => s.label.as_str(), "class" => side_class(Some(i)) })
        .collect();
    let sideless = b
        .site
        .pages
        .iter()
        .any(|pg| matches!(&pg.kind, PageKind::Actor(a) if a.side.is_none()));
    if sideless {
        legend.push(obj! { "id" => "", "label" => "No side", "class" => side_class(None) });
    }
    let graph = p.graph.as_ref().map(|g| {
        obj! {
            "svg" => svg(&g.svg),
            "actors" => b.refs(g.order.iter().copied()),
            "legend" => arr(legend),
            "relations" => arr(p.edges.iter().map(|e| obj! {
                "from" => b.page_refs[e.from].clone(),
                "to" => b.page_refs[e.to].clone(),
                "type" => e.kind.as_str(),
                "label" => e.label.as_str(),
                "class" => graph::edge_class(&e.kind),
            })),
        }
    });
    obj! {
        "map" => opt(map),
        "places" => places,
        "graph" => opt(graph),
        "timeline" => opt(p.timeline.as_deref().map(svg)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_reads_say_which_keys_and_keys_inside_them_a_view_needs() {
        let path = |p: &str| p.split('.').map(String::from).collect::<Vec<_>>();
        let reads = PageReads::only([path("title"), path("actor.relations"), path("talk")]);
        assert!(reads.key("title") && reads.key("actor") && reads.key("talk"));
        assert!(!reads.key("citations") && !reads.key("location"));
        assert!(reads.sub("actor", "relations"));
        assert!(!reads.sub("actor", "quotes"));
        // Read whole: every key inside it.
        assert!(reads.sub("talk", "quotes") && reads.sub("talk", "date"));
        assert!(!reads.sub("location", "kind"));
        for (key, sub) in [("citations", "x"), ("actor", "quotes")] {
            assert!(PageReads::ALL.key(key) && PageReads::ALL.sub(key, sub));
        }
    }
}
