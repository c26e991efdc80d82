//! Markdown: page bodies to HTML, with our additions on top of pulldown-cmark's CommonMark
//! (tables, footnotes, strikethrough, task lists, smart punctuation, heading attributes):
//!
//! - unique heading ids, and a table of contents;
//! - `@/section/file.md#anchor` links, resolved to URLs and checked, anchors included;
//! - citations `[¶17]`, `[¶4, 6]`, `[¶4-6]`, `[afp ¶3]` (or `p` for `¶`), resolved to the
//!   source's paragraph anchors, and checked;
//! - context notes, inline `[context: …]` and block `> [!CONTEXT]`;
//! - the first mention of an actor's or location's title or alias links to its page;
//! - raw HTML escaped unless the site opts in.
//!
//! [`parse`] turns a body into events and collects its anchors; [`render`] returns the HTML
//! plus what the page links to and cites. A link to another body's heading is checked once
//! every body is rendered ([`check_anchors`]), so each body is parsed once. Pure: no I/O.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::ops::Range;

use aho_corasick::{AhoCorasick, Anchored, Input, MatchKind, StartKind};
use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use rustc_hash::{FxHashMap, FxHashSet};

use crate::config::MarkdownConfig;
use crate::diagnostics::{Diagnostic, did_you_mean};
use crate::links::Names;
use crate::model::{Cite, Doc, PageId, Site, Target};

/// A heading of a page, for its table of contents.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Heading {
    pub level: u8,
    pub id: String,
    pub text: String,
}

/// A body after the first pass.
pub struct Parsed<'a> {
    events: Vec<(Event<'a>, Range<usize>)>,
    pub toc: Vec<Heading>,
}

/// A body after the second pass.
#[derive(Debug, Default)]
pub struct Rendered {
    /// The HTML, without its citations' tooltips, until it is released
    /// ([`Rendered::release`]): behind a lock, so that a build can free each body once its
    /// page is made, while other threads read the others.
    html: std::sync::Mutex<Html>,
    pub toc: Vec<Heading>,
    /// Pages and sections this body links to, explicitly or automatically, deduplicated.
    pub links_to: Vec<Target>,
    /// Citations in order of appearance; the `usize` is the citation's number on the page,
    /// used for its element id (`cite-1`).
    pub cites: Vec<(usize, Cite)>,
    pub diags: Vec<Diagnostic>,
    /// Links to a heading of a body not rendered yet, checked once every body is
    /// ([`check_anchors`]).
    pub(crate) pending: Vec<PendingAnchor>,
    /// The names auto-linking found as words in this body (linked or not), as indices into
    /// the `site.aliases` it was rendered with, sorted: the editorial warnings need not search
    /// for these again. (A body is kept from one build to the next only while those names
    /// are the same.)
    pub aliases_seen: Vec<u32>,
}

/// A link `@/{file}#{anchor}` to `target` whose anchor is not known yet, at `span`.
#[derive(Debug)]
pub(crate) struct PendingAnchor {
    target: Target,
    file: String,
    anchor: String,
    span: Range<usize>,
}

/// A body's HTML without its citations' tooltips: the text of the cited paragraph, repeated
/// in every citation of it, is most of a body's HTML, so it is put back only when the page
/// is rendered ([`Rendered::html_with_tips`]).
#[derive(Debug, Default)]
struct Html {
    text: String,
    /// Where each tooltip goes in `text`, in order, and the citation it is of.
    tips: Vec<(usize, Cite)>,
    /// Whether `release` freed it.
    released: bool,
}

impl Rendered {
    /// The body of a page whose Markdown could not be rendered: no HTML, and why.
    pub fn failed(why: Diagnostic) -> Rendered {
        Rendered {
            diags: vec![why],
            ..Rendered::default()
        }
    }

    /// The HTML, locked for this thread. A lock is poisoned by a panic while it is held (a
    /// `tip` or `read` below that panics); nothing but `release` changes the HTML under the
    /// lock, so it is whole either way.
    fn locked(&self) -> std::sync::MutexGuard<'_, Html> {
        self.html
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The HTML locked to be read, which a released body cannot be.
    fn for_reading(&self) -> std::sync::MutexGuard<'_, Html> {
        let html = self.locked();
        debug_assert!(!html.released, "a body read after it was released");
        html
    }

    /// The body's HTML with its citations' tooltips; `tip` gives the tooltip of a citation
    /// ([`cite_tip`]).
    pub fn html_with_tips<'t>(&self, tip: impl Fn(Cite) -> std::borrow::Cow<'t, str>) -> String {
        let body = self.for_reading();
        let mut tips: Vec<_> = body.tips.iter().map(|&(at, c)| (at, tip(c))).collect();
        let extra: usize = tips.iter().map(|(_, t)| t.len()).sum();
        let mut html = String::with_capacity(body.text.len() + extra);
        let mut from = 0;
        for (at, t) in tips.drain(..) {
            html.push_str(&body.text[from..at]);
            html.push_str(&t);
            from = at;
        }
        html.push_str(&body.text[from..]);
        html
    }

    /// `read` given the body's HTML without its tooltips (what the search records are made
    /// from).
    pub fn with_html<R>(&self, read: impl FnOnce(&str) -> R) -> R {
        read(&self.for_reading().text)
    }

    /// Frees the body's HTML, once the one page that shows it is made; the rest (its
    /// citations, links, headings) stays. Reading the HTML after this is a bug, which a
    /// debug build reports.
    pub fn release(&self) {
        *self.locked() = Html {
            released: true,
            ..Html::default()
        };
    }
}

/// Takes the tooltips of `cites` (in order, `(number on the page, citation)`) out of `html`,
/// where `cite_link_parts` put them, noting where each was. If one is not where it should be
/// (a citation link cannot be told from the text around it), `html` is left whole.
fn take_tips<'a>(
    html: String,
    cites: &[(usize, Cite)],
    tip: impl Fn(Cite) -> std::borrow::Cow<'a, str>,
) -> (String, Vec<(usize, Cite)>) {
    if cites.is_empty() {
        return (html, Vec::new());
    }
    // Made at the first tooltip: a body none of whose citations has one (with
    // `citation_tooltips = false`) is returned as it is, not copied.
    let mut out = String::new();
    let mut tips = Vec::new();
    let mut from = 0;
    // Each link is found by the start its attributes share, then told apart by the rest.
    const START: &str = "id=\"cite-";
    let finder = memchr::memmem::Finder::new(START);
    let mut rest = String::new();
    for &(k, cite) in cites {
        let t = tip(cite);
        // Nothing to take out.
        if t.is_empty() {
            continue;
        }
        rest.clear();
        push_decimal(&mut rest, k);
        push_data_n(&mut rest, cite.n);
        let mut at = None;
        for i in finder.find_iter(&html.as_bytes()[from..]) {
            let after = from + i + START.len();
            if html[after..].starts_with(&rest) {
                at = Some(after + rest.len());
                break;
            }
        }
        let Some(at) = at else {
            return (html, Vec::new());
        };
        if !html[at..].starts_with(&*t) {
            return (html, Vec::new());
        }
        if tips.is_empty() {
            out.reserve(html.len());
            tips.reserve(cites.len());
        }
        out.push_str(&html[from..at]);
        tips.push((out.len(), cite));
        from = at + t.len();
    }
    if tips.is_empty() {
        return (html, tips);
    }
    out.push_str(&html[from..]);
    (out, tips)
}

/// Every rendered body with the page or section it belongs to.
pub fn by_target<'r>(
    bodies: &'r [Rendered],
    section_bodies: &'r [Rendered],
) -> impl Iterator<Item = (Target, &'r Rendered)> {
    bodies
        .iter()
        .enumerate()
        .map(|(i, b)| (Target::Page(i), b))
        .chain(
            section_bodies
                .iter()
                .enumerate()
                .map(|(i, b)| (Target::Section(i), b)),
        )
}

/// Every link of a text to another page: (the page or section whose text it is, the page).
pub fn text_links<'r>(
    bodies: &'r [Rendered],
    section_bodies: &'r [Rendered],
) -> impl Iterator<Item = (Target, PageId)> + 'r {
    by_target(bodies, section_bodies).flat_map(|(from, body)| {
        body.links_to.iter().filter_map(move |&to| match to {
            Target::Page(to) if from != Target::Page(to) => Some((from, to)),
            _ => None,
        })
    })
}

/// For each page, the pages and sections whose text links to it (itself left out).
pub fn linked_from(
    bodies: &[Rendered],
    section_bodies: &[Rendered],
) -> Vec<std::collections::BTreeSet<Target>> {
    let mut out = vec![std::collections::BTreeSet::new(); bodies.len()];
    for (from, to) in text_links(bodies, section_bodies) {
        out[to].insert(from);
    }
    out
}

pub fn options(config: &MarkdownConfig) -> Options {
    let mut o = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES;
    if config.smart_punctuation {
        o |= Options::ENABLE_SMART_PUNCTUATION;
    }
    o
}

/// First pass: events with merged text runs and unique heading ids.
pub fn parse<'a>(body: &'a str, options: Options) -> Parsed<'a> {
    let mut events: Vec<(Event<'a>, Range<usize>)> = Vec::new();
    // Consecutive text events are merged into one run, built in one growing buffer (merging
    // pairwise would copy the run again for every piece: quadratic on long runs). A run of
    // one event is kept as it came, borrowed from the body if it was.
    enum Run<'a> {
        One(CowStr<'a>),
        Many(String),
    }
    let mut run: Option<(Run<'a>, Range<usize>)> = None;
    let end_run = |run: Option<(Run<'a>, Range<usize>)>, events: &mut Vec<_>| {
        if let Some((text, r)) = run {
            let text = match text {
                Run::One(t) => t,
                Run::Many(buf) => CowStr::from(buf),
            };
            events.push((Event::Text(text), r));
        }
    };
    for (event, range) in Parser::new_ext(body, options).into_offset_iter() {
        // A soft line break is a space to the reader; making it one lets citations and names
        // that an editor wrapped across lines be recognised.
        let event = match event {
            Event::SoftBreak => Event::Text(CowStr::Borrowed(" ")),
            other => other,
        };
        if let Event::Text(text) = event {
            run = Some(match run.take() {
                None => (Run::One(text), range),
                Some((Run::One(first), r)) => {
                    let mut buf = String::with_capacity(2 * (first.len() + text.len()));
                    buf.push_str(&first);
                    buf.push_str(&text);
                    (Run::Many(buf), r.start..range.end)
                }
                Some((Run::Many(mut buf), r)) => {
                    buf.push_str(&text);
                    (Run::Many(buf), r.start..range.end)
                }
            });
            continue;
        }
        end_run(run.take(), &mut events);
        events.push((event, range));
    }
    end_run(run.take(), &mut events);
    let mut toc = Vec::new();
    let mut used = FxHashSet::default();
    // Explicit ids ({#id}) are taken first so generated ones avoid them.
    for (e, _) in &events {
        if let Event::Start(Tag::Heading { id: Some(id), .. }) = e {
            used.insert(id.to_string());
        }
    }
    let mut i = 0;
    while i < events.len() {
        if let Event::Start(Tag::Heading { level, id, .. }) = &events[i].0 {
            let level = heading_level(*level);
            let explicit = id.as_ref().map(|s| s.to_string());
            let mut text = String::new();
            let mut j = i + 1;
            while j < events.len() && !matches!(events[j].0, Event::End(TagEnd::Heading(_))) {
                if let Event::Text(t) | Event::Code(t) = &events[j].0 {
                    text.push_str(t);
                }
                j += 1;
            }
            let id = match explicit {
                Some(id) => id,
                None => {
                    let base = match slug::slugify(&text) {
                        s if s.is_empty() => "section".to_string(),
                        s => s,
                    };
                    let mut candidate = base.clone();
                    let mut n = 1;
                    while used.contains(&candidate) {
                        candidate = format!("{base}-{n}");
                        n += 1;
                    }
                    used.insert(candidate.clone());
                    if let Event::Start(Tag::Heading { id, .. }) = &mut events[i].0 {
                        *id = Some(CowStr::from(candidate.clone()));
                    }
                    candidate
                }
            };
            toc.push(Heading { level, id, text });
            i = j;
        }
        i += 1;
    }
    Parsed { events, toc }
}

fn heading_level(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// What the second pass needs from the whole site, built once per build.
pub struct Linker<'a> {
    site: &'a Site,
    parts: LinkerParts,
    unsafe_html: bool,
    /// The HTML of a citation link of each paragraph of each source, around its number on the
    /// page (`cite-{k}`): built once for a whole build rather than escaped again at every
    /// citation (a large site cites the same few hundred paragraphs a hundred thousand
    /// times). `None` for a linker made for an incremental rebuild of a page or two, which
    /// builds the links as it meets them.
    cite_html: Option<FxHashMap<Cite, CiteLink>>,
    /// The escaped URL of each page, for auto-links (`None` as above).
    page_urls: Option<Vec<String>>,
    /// Knows no heading yet: a link to one is checked after every body is rendered
    /// ([`Linker::without_headings`], [`check_anchors`]).
    headings_later: bool,
}

/// What a [`Linker`] computes from the whole site, kept between incremental rebuilds (they
/// change no anchor and no alias).
#[derive(Clone)]
pub struct LinkerParts {
    /// Anchors each page or section defines in its body (and, for sources, `p1`…`pn`).
    anchors: std::sync::Arc<FxHashMap<Target, Names>>,
    aliases: Option<std::sync::Arc<Aliases>>,
}

/// The auto-linker's search for names: every alias, tried only where a word may start.
struct Aliases {
    /// Leftmost-longest, for anchored searches only.
    automaton: AhoCorasick,
    /// The bytes an alias starts with: a word starting with another is not searched.
    first_bytes: [bool; 256],
}

impl Aliases {
    fn new<'s>(names: impl Iterator<Item = &'s str> + Clone) -> Option<Aliases> {
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .start_kind(StartKind::Anchored)
            .build(names.clone())
            .ok()?;
        let mut first_bytes = [false; 256];
        for name in names {
            if let Some(&b) = name.as_bytes().first() {
                first_bytes[usize::from(b)] = true;
            }
        }
        Some(Aliases {
            automaton,
            first_bytes,
        })
    }

    /// The aliases in `text` that stand as words (no letter or digit right before or after),
    /// in order. Each is searched only where a word may start; there the longest alias that
    /// stands as a word wins ("Kerry Lavrovich" links Kerry when "Kerry Lavrov" is an alias
    /// too), and the search goes on after it. Where none does, it goes on at the next word.
    fn found<'t>(&'t self, text: &'t str) -> impl Iterator<Item = aho_corasick::Match> + 't {
        let mut from = 0;
        text.bytes().enumerate().filter_map(move |(i, b)| {
            // A byte an alias starts with begins a character: no alias starts inside one.
            if !self.first_bytes[usize::from(b)] || i < from {
                return None;
            }
            if text[..i]
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric)
            {
                return None;
            }
            let word_ends =
                |at: usize| !text[at..].chars().next().is_some_and(char::is_alphanumeric);
            // The longest alias here; if it ends inside a word, the longest that ends before
            // it, and so on. Each try ends earlier than the last, so this ends.
            let mut end = text.len();
            loop {
                let input = Input::new(text).range(i..end).anchored(Anchored::Yes);
                let m = self.automaton.find(input)?;
                if m.is_empty() {
                    return None;
                }
                if word_ends(m.end()) {
                    from = m.end();
                    return Some(m);
                }
                end = m.end() - 1;
            }
        })
    }
}

impl<'a> Linker<'a> {
    pub fn new(site: &'a Site, parsed: &HashMap<Target, &Parsed>) -> Linker<'a> {
        Self::with_headings(site, parsed.iter().map(|(&t, p)| (t, p.toc.as_slice())))
    }

    /// The linker of a whole build, before any body is parsed: it knows the sources'
    /// paragraph anchors but no heading, so each body is parsed once, and a link to a
    /// heading is checked by [`check_anchors`] when every body's headings are known.
    pub fn without_headings(site: &'a Site) -> Linker<'a> {
        let mut linker = Self::with_headings(site, std::iter::empty());
        linker.headings_later = true;
        linker
    }

    fn with_headings<'h>(
        site: &'a Site,
        headings: impl Iterator<Item = (Target, &'h [Heading])>,
    ) -> Linker<'a> {
        let anchors = anchors_of(site, headings);
        let aliases = if site.config.markdown.auto_link && !site.aliases.is_empty() {
            Aliases::new(site.aliases.iter().map(|(a, _)| a.as_str()))
        } else {
            None
        };
        let mut cite_html = FxHashMap::default();
        for (id, page) in site.pages.iter().enumerate() {
            if let crate::model::PageKind::Source(s) = &page.kind {
                for n in 1..=s.paragraphs.len() {
                    let cite = Cite { source: id, n };
                    cite_html.insert(cite, cite_link_parts(site, cite));
                }
            }
        }
        let page_urls = site
            .pages
            .iter()
            .map(|p| escape(&site.url(&p.doc.path)))
            .collect();
        Linker {
            site,
            parts: LinkerParts {
                anchors: std::sync::Arc::new(anchors),
                aliases: aliases.map(std::sync::Arc::new),
            },
            unsafe_html: site.config.markdown.unsafe_html,
            cite_html: Some(cite_html),
            page_urls: Some(page_urls),
            headings_later: false,
        }
    }

    /// The site-wide part of this linker, to make another for the same site later.
    pub fn parts(&self) -> LinkerParts {
        self.parts.clone()
    }

    /// A linker from the parts of an earlier one, for a site whose anchors and aliases are
    /// the same.
    pub fn from_parts(site: &'a Site, parts: LinkerParts) -> Linker<'a> {
        Linker {
            site,
            parts,
            unsafe_html: site.config.markdown.unsafe_html,
            cite_html: None,
            page_urls: None,
            headings_later: false,
        }
    }

    fn url_of(&self, target: Target) -> String {
        let path = match target {
            Target::Page(id) => &self.site.pages[id].doc.path,
            Target::Section(id) => &self.site.sections[id].doc.path,
        };
        self.site.url(path)
    }
}

/// The anchors each body defines: its headings' ids (`headings`), and for a source its
/// paragraphs' (`p1`…`pn`).
fn anchors_of<'h>(
    site: &Site,
    headings: impl Iterator<Item = (Target, &'h [Heading])>,
) -> FxHashMap<Target, Names> {
    let mut anchors: FxHashMap<Target, Names> = FxHashMap::default();
    for (target, toc) in headings {
        anchors.insert(target, toc.iter().map(|h| h.id.clone()).collect());
    }
    for (id, page) in site.pages.iter().enumerate() {
        if let crate::model::PageKind::Source(s) = &page.kind {
            let set = anchors.entry(Target::Page(id)).or_default();
            for p in &s.paragraphs {
                set.insert(format!("p{}", p.n));
            }
        }
    }
    anchors
}

/// The error of a link `@/{file}#{anchor}` to a page whose anchors are `known`: its
/// message and help.
fn no_anchor(file: &str, anchor: &str, known: Option<&Names>) -> (String, String) {
    let help = match known.and_then(|a| did_you_mean(anchor, a.iter().map(String::as_str))) {
        Some(c) => format!("did you mean `#{c}`?"),
        None => {
            let mut all: Vec<&str> = known
                .map(|a| a.iter().map(String::as_str).collect())
                .unwrap_or_default();
            all.sort_unstable();
            if all.is_empty() {
                "that page has no headings to link to".into()
            } else {
                format!(
                    "anchors there: {}",
                    all.iter()
                        .take(12)
                        .map(|a| format!("#{a}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        }
    };
    (
        format!("broken link: `{file}` has no anchor `#{anchor}`"),
        help,
    )
}

/// Once every body of `site` is rendered with a linker made by [`Linker::without_headings`]
/// (whose parts are `rendered_with`): checks their links to headings, adding an error to the
/// body of each broken one, and returns those parts with every body's anchors, for
/// incremental rebuilds.
pub fn check_anchors(
    site: &Site,
    rendered_with: LinkerParts,
    bodies: &mut [Rendered],
    section_bodies: &mut [Rendered],
) -> LinkerParts {
    let headings = by_target(bodies, section_bodies).map(|(t, r)| (t, r.toc.as_slice()));
    let parts = LinkerParts {
        anchors: std::sync::Arc::new(anchors_of(site, headings)),
        aliases: rendered_with.aliases,
    };
    let pages = bodies
        .iter_mut()
        .enumerate()
        .map(|(i, r)| (&site.pages[i].doc, r));
    let sections = section_bodies
        .iter_mut()
        .enumerate()
        .map(|(i, r)| (&site.sections[i].doc, r));
    for (doc, body) in pages.chain(sections) {
        for p in std::mem::take(&mut body.pending) {
            let known = parts.anchors.get(&p.target);
            if !known.is_some_and(|a| a.contains(&p.anchor)) {
                let (message, help) = no_anchor(&p.file, &p.anchor, known);
                let d = Diagnostic::error(message)
                    .at(&doc.file, &doc.src, p.span)
                    .with_help(help);
                body.diags.push(d);
            }
        }
    }
    parts
}

/// Second pass over one body.
pub fn render(parsed: Parsed<'_>, linker: &Linker, me: Target, doc: &Doc) -> Rendered {
    let mut st = State {
        linker,
        me,
        doc,
        out: Vec::with_capacity(parsed.events.len()),
        rendered: Rendered {
            toc: parsed.toc,
            ..Rendered::default()
        },
        linked: FxHashSet::default(),
        cite_count: 0,
        cite_bytes: 0,
        warned_html: false,
    };
    if let Target::Page(id) = me {
        st.linked.insert(id);
    }
    let mut in_heading = false;
    let mut in_code = false;
    // For each open block quote: whether it is a context block.
    let mut quotes: Vec<bool> = Vec::new();
    // For each open link and image: whether it was kept (false: removed for its scheme, and
    // its text or alt text stays as plain text).
    let mut links: Vec<bool> = Vec::new();
    let mut images: Vec<bool> = Vec::new();
    let mut events = parsed.events;
    let mut i = 0;
    while i < events.len() {
        let (event, range) =
            std::mem::replace(&mut events[i], (Event::Text(CowStr::Borrowed("")), 0..0));
        i += 1;
        match event {
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                if let Some(dest_url) = st.open_link("link", &mut links, dest_url, &range) {
                    st.out.push(Event::Start(Tag::Link {
                        link_type,
                        dest_url,
                        title,
                        id,
                    }));
                }
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                if let Some(dest_url) = st.open_link("image", &mut images, dest_url, &range) {
                    st.out.push(Event::Start(Tag::Image {
                        link_type,
                        dest_url,
                        title,
                        id,
                    }));
                }
            }
            Event::End(TagEnd::Link) => st.close_link(&mut links, event),
            Event::End(TagEnd::Image) => st.close_link(&mut images, event),
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => {
                in_heading = true;
                let (classes, attrs) = st.heading_attributes(classes, attrs, &range);
                st.out.push(Event::Start(Tag::Heading {
                    level,
                    id,
                    classes,
                    attrs,
                }));
            }
            Event::End(TagEnd::Heading(_)) => {
                in_heading = false;
                st.out.push(event);
            }
            Event::Start(Tag::CodeBlock(_)) => {
                in_code = true;
                st.out.push(event);
            }
            Event::End(TagEnd::CodeBlock) => {
                in_code = false;
                st.out.push(event);
            }
            Event::Start(Tag::BlockQuote(kind)) => {
                // `> [!CONTEXT]` opens a context note instead of a quote.
                let is_context = kind.is_none() && take_context_marker(&mut events, i);
                quotes.push(is_context);
                if is_context {
                    st.out.push(Event::Html(CowStr::from(
                        "<aside class=\"context\">\n<p class=\"context-label\">Context, not from the source</p>\n",
                    )));
                } else {
                    st.out.push(Event::Start(Tag::BlockQuote(kind)));
                }
            }
            Event::End(TagEnd::BlockQuote(kind)) => {
                if quotes.pop() == Some(true) {
                    st.out.push(Event::Html(CowStr::from("</aside>\n")));
                } else {
                    st.out.push(Event::End(TagEnd::BlockQuote(kind)));
                }
            }
            Event::Text(text) => {
                if in_code || !images.is_empty() {
                    st.out.push(Event::Text(text));
                } else {
                    st.text(&text, &range, links.is_empty() && !in_heading);
                }
            }
            Event::Html(html) | Event::InlineHtml(html) if !st.linker.unsafe_html => {
                st.warn_html(&range);
                st.out.push(Event::Text(html));
            }
            Event::Start(Tag::HtmlBlock) if !st.linker.unsafe_html => {
                st.out.push(Event::Start(Tag::Paragraph));
            }
            Event::End(TagEnd::HtmlBlock) if !st.linker.unsafe_html => {
                st.out.push(Event::End(TagEnd::Paragraph));
            }
            other => st.out.push(other),
        }
    }
    // Room for the citations, and twice the Markdown for the rest (links and tags): few
    // bodies outgrow it, and each growth would copy the HTML so far.
    let mut html = String::with_capacity(doc.body().len() * 2 + st.cite_bytes);
    pulldown_cmark::html::push_html(&mut html, st.out.into_iter());
    let linker = st.linker;
    let (mut html, tips) = take_tips(html, &st.rendered.cites, |c| {
        match linker.cite_html.as_ref().and_then(|m| m.get(&c)) {
            Some(link) => std::borrow::Cow::Borrowed(link.tip()),
            None => std::borrow::Cow::Owned(cite_tip(linker.site, c)),
        }
    });
    // Held until its page is made: not with the up to twice its length that growing by
    // doubling leaves, or the room made for it above.
    crate::tighten(&mut html);
    st.rendered.html = std::sync::Mutex::new(Html {
        text: html,
        tips,
        released: false,
    });
    st.rendered.links_to.sort_by_key(|t| match t {
        Target::Section(i) => (0, *i),
        Target::Page(i) => (1, *i),
    });
    st.rendered.links_to.dedup();
    st.rendered.aliases_seen.sort_unstable();
    st.rendered.aliases_seen.dedup();
    st.rendered
}

/// Appends `n` in decimal: what `write!(out, "{n}")` writes, without the formatting
/// machinery (two numbers for each citation of every page).
fn push_decimal(out: &mut String, mut n: usize) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // Only ASCII digits were written.
    out.push_str(std::str::from_utf8(&digits[at..]).unwrap_or_default());
}

/// `" data-n="17"`: what follows a citation link's number in its tag (`CiteLink::after`
/// starts with it), and what [`take_tips`] tells the links apart by.
fn push_data_n(out: &mut String, n: usize) {
    out.push_str("\" data-n=\"");
    push_decimal(out, n);
    out.push('"');
}

/// A citation link, split around its number on the page: `<a href="…#p17" id="cite-` and
/// `" data-n="17" title="…">¶17</a>`.
struct CiteLink {
    before: String,
    after: String,
    /// Where in `after` its tooltip ([`cite_tip`]) is.
    tip: Range<usize>,
}

impl CiteLink {
    fn tip(&self) -> &str {
        &self.after[self.tip.clone()]
    }
}

fn cite_link_parts(site: &Site, cite: Cite) -> CiteLink {
    let url = site.paragraph_url(&site.pages[cite.source], cite.n);
    let before = format!("<a href=\"{}\" id=\"cite-", escape(&url));
    let mut after = String::new();
    push_data_n(&mut after, cite.n);
    let start = after.len();
    after.push_str(&cite_tip(site, cite));
    let tip = start..after.len();
    let _ = write!(after, ">¶{}</a>", cite.n);
    CiteLink { before, after, tip }
}

/// The tooltip attributes of a citation link: ` title="…"` with the paragraph's text, and
/// ` data-translation="…"` with its translation if it has one; nothing with
/// `citation_tooltips = false`.
pub fn cite_tip(site: &Site, cite: Cite) -> String {
    if !site.config.markdown.citation_tooltips {
        return String::new();
    }
    let paragraph = site.paragraph(cite);
    let tip = paragraph.map(|p| p.original.as_str()).unwrap_or("");
    let mut out = String::from(" title=\"");
    escape_into(&mut out, tip);
    out.push('"');
    if let Some(translation) = paragraph.and_then(|p| p.translation.as_deref()) {
        out.push_str(" data-translation=\"");
        escape_into(&mut out, translation);
        out.push('"');
    }
    out
}

/// At `events[i]`, just after a `Start(BlockQuote)`: is this `> [!CONTEXT]`? If so, removes
/// the marker (and the line break after it) from the events.
fn take_context_marker(events: &mut [(Event<'_>, Range<usize>)], i: usize) -> bool {
    const MARKER: &str = "[!CONTEXT]";
    if !matches!(events.get(i), Some((Event::Start(Tag::Paragraph), _))) {
        return false;
    }
    let Some((Event::Text(t), _)) = events.get(i + 1) else {
        return false;
    };
    // Not `trimmed[..MARKER.len()]`: that byte may fall inside a character ("> ago“, …").
    let Some(rest) = strip_prefix_ci(t.trim_start(), MARKER) else {
        return false;
    };
    let rest = rest.trim_start().to_string();
    let rest_is_empty = rest.is_empty();
    events[i + 1].0 = Event::Text(CowStr::from(rest));
    if rest_is_empty
        && matches!(
            events.get(i + 2),
            Some((Event::SoftBreak | Event::HardBreak, _))
        )
    {
        events[i + 2].0 = Event::Text(CowStr::Borrowed(""));
    }
    true
}

struct State<'r, 'a> {
    linker: &'r Linker<'r>,
    me: Target,
    doc: &'r Doc,
    out: Vec<Event<'a>>,
    rendered: Rendered,
    /// Pages already linked on this page (the page itself included): auto-links skip them.
    linked: FxHashSet<PageId>,
    cite_count: usize,
    /// The bytes of the citations' HTML (tooltips included): with the body's length, the
    /// room the page's HTML is rendered into.
    cite_bytes: usize,
    warned_html: bool,
}

impl<'a> State<'_, 'a> {
    fn body_span(&self, range: &Range<usize>) -> Range<usize> {
        self.doc.body_offset + range.start..self.doc.body_offset + range.end
    }

    fn error(&mut self, span: Range<usize>, message: String, help: String) {
        let d = Diagnostic::error(message)
            .at(&self.doc.file, &self.doc.src, span)
            .with_help(help);
        self.rendered.diags.push(d);
    }

    fn warn_html(&mut self, range: &Range<usize>) {
        if !self.warned_html {
            self.warned_html = true;
            let d = Diagnostic::warning("raw HTML is shown as text")
                .at(&self.doc.file, &self.doc.src, self.body_span(range))
                .with_help("write Markdown instead, or set `unsafe_html = true` under [markdown] in site.toml");
            self.rendered.diags.push(d);
        }
    }

    /// Whether a link or image may keep `dest`: relative, http(s) or mailto. Any other scheme
    /// (`javascript:`, `data:`, …, however disguised) is removed here, where the warning can
    /// point at the line; `links` removes what templates put in pages.
    /// The start of a link or an image: its URL resolved, or `None` when its scheme is
    /// unsafe and it is removed (its text stays). `open` records which, for its end.
    fn open_link(
        &mut self,
        what: &str,
        open: &mut Vec<bool>,
        dest: CowStr<'a>,
        range: &Range<usize>,
    ) -> Option<CowStr<'a>> {
        let kept = self.check_scheme(what, &dest, range);
        open.push(kept);
        kept.then(|| self.resolve_link(dest, range))
    }

    /// The end of a link or an image, kept if its start was.
    fn close_link(&mut self, open: &mut Vec<bool>, end: Event<'a>) {
        if open.pop().unwrap_or(true) {
            self.out.push(end);
        }
    }

    fn check_scheme(&mut self, what: &str, dest: &str, range: &Range<usize>) -> bool {
        if crate::links::is_safe_url(dest) {
            return true;
        }
        let d = crate::links::unsafe_link_warning(what, dest).at(
            &self.doc.file,
            &self.doc.src,
            self.body_span(range),
        );
        self.rendered.diags.push(d);
        false
    }

    /// A heading's `{#id .class key=value}`: with raw HTML off, the id and the classes made of
    /// letters, digits, `-` and `_` stay (pulldown-cmark escapes them); every other attribute
    /// (`onclick=…`, `style=…`) is raw HTML by another name, so it is dropped with a warning.
    fn heading_attributes(
        &mut self,
        classes: Vec<CowStr<'a>>,
        attrs: Vec<(CowStr<'a>, Option<CowStr<'a>>)>,
        range: &Range<usize>,
    ) -> HeadingAttributes<'a> {
        if self.linker.unsafe_html || (attrs.is_empty() && classes.iter().all(|c| is_safe_class(c)))
        {
            return (classes, attrs);
        }
        let (kept, refused): (Vec<_>, Vec<_>) = classes.into_iter().partition(|c| is_safe_class(c));
        let dropped: Vec<String> = refused
            .iter()
            .map(|c| format!("`.{}`", printable(c)))
            .chain(attrs.iter().map(|(name, value)| match value {
                Some(v) => format!("`{}={}`", printable(name), printable(v)),
                None => format!("`{}`", printable(name)),
            }))
            .collect();
        // Point at the `{…}` block when it can be found in the heading's line.
        let span = {
            let body = self.doc.body();
            let r = range.start.min(body.len())..range.end.min(body.len());
            match body.get(r.clone()).and_then(|s| s.rfind('{')) {
                Some(i) => self.body_span(&(r.start + i..r.end)),
                None => self.body_span(range),
            }
        };
        let d = Diagnostic::warning(format!(
            "heading attribute{} {} dropped",
            if dropped.len() == 1 { "" } else { "s" },
            dropped.join(", ")
        ))
        .at(&self.doc.file, &self.doc.src, span)
        .with_help(
            "headings keep `{#id}` and `.class` (letters, digits, `-`, `_`); other attributes \
             need `unsafe_html = true` under [markdown] in site.toml",
        );
        self.rendered.diags.push(d);
        (kept, Vec::new())
    }

    /// `@/file.md#anchor` → URL; anything else unchanged.
    fn resolve_link(&mut self, dest: CowStr<'a>, range: &Range<usize>) -> CowStr<'a> {
        let Some(rest) = dest.strip_prefix("@/") else {
            return dest;
        };
        let (file, anchor) = match rest.split_once('#') {
            Some((f, a)) => (f, Some(a)),
            None => (rest, None),
        };
        // Point at the `@/…` text itself when it can be found (only needed for an error).
        let span = || self.find_in_body(range, dest.as_ref());
        let site = self.linker.site;
        let Some(&target) = site.by_file.get(file) else {
            let help = match did_you_mean(file, site.by_file.keys().map(String::as_str)) {
                Some(c) => format!("did you mean `@/{c}`?"),
                None => "internal links name a file under content/, like `@/actors/john-kerry.md`"
                    .into(),
            };
            let span = span();
            self.error(span, format!("broken link: no content file `{file}`"), help);
            return dest;
        };
        if let Some(anchor) = anchor {
            let known = self.linker.parts.anchors.get(&target);
            if !known.is_some_and(|a| a.contains(anchor)) {
                let span = span();
                if self.linker.headings_later {
                    self.rendered.pending.push(PendingAnchor {
                        target,
                        file: file.to_string(),
                        anchor: anchor.to_string(),
                        span,
                    });
                } else {
                    let (message, help) = no_anchor(file, anchor, known);
                    self.error(span, message, help);
                }
            }
        }
        self.rendered.links_to.push(target);
        if let Target::Page(id) = target {
            self.linked.insert(id);
        }
        let mut url = self.linker.url_of(target);
        if let Some(anchor) = anchor {
            url.push('#');
            url.push_str(anchor);
        }
        CowStr::from(url)
    }

    /// A text run: citations and context notes, then auto-links in what is left.
    fn text(&mut self, text: &CowStr<'a>, range: &Range<usize>, may_autolink: bool) {
        // Where the text not yet handed on starts.
        let mut from = 0;
        while let Some(open) = memchr::memchr(b'[', &text.as_bytes()[from..]).map(|i| from + i) {
            let after = &text[open + 1..];
            let Some(close) = memchr::memchr(b']', after.as_bytes()) else {
                break;
            };
            let inner = &after[..close];
            let special = if let Some(note) = strip_prefix_ci(inner, "context:") {
                Some(Special::Context(note.trim()))
            } else {
                parse_citation(inner).map(Special::Cite)
            };
            match special {
                Some(special) => {
                    // A citation hugs the word it supports: "Kerry said [¶17]" renders
                    // without the space.
                    let before_end = match special {
                        Special::Cite(_) => from + text[from..open].trim_end().len(),
                        Special::Context(_) => open,
                    };
                    self.plain(text, from..before_end, may_autolink);
                    match special {
                        Special::Context(note) => {
                            let mut html = String::from(
                                "<span class=\"context\"><span class=\"context-label\">Context:</span> ",
                            );
                            escape_into(&mut html, note);
                            html.push_str("</span>");
                            self.out.push(Event::InlineHtml(CowStr::from(html)));
                        }
                        Special::Cite(Ok(c)) => self.citation(&c, inner, range),
                        Special::Cite(Err(why)) => {
                            let span = self.find_in_body(range, &format!("[{inner}]"));
                            self.error(
                                span,
                                format!("malformed citation `[{inner}]`: {why}"),
                                "write `[¶17]`, `[¶4, 6]` or `[¶4-6]`".into(),
                            );
                            self.out
                                .push(Event::Text(CowStr::from(format!("[{inner}]"))));
                        }
                    }
                    from = open + 1 + close + 1;
                }
                None => {
                    self.plain(text, from..open + 1, may_autolink);
                    from = open + 1;
                }
            }
        }
        self.plain(text, from..text.len(), may_autolink);
    }

    fn find_in_body(&self, range: &Range<usize>, needle: &str) -> Range<usize> {
        let body = self.doc.body();
        let r = range.start.min(body.len())..range.end.min(body.len());
        match body.get(r.clone()).and_then(|s| s.find(needle)) {
            Some(i) => self.body_span(&(r.start + i..r.start + i + needle.len())),
            None => self.body_span(range),
        }
    }

    fn citation(&mut self, c: &CitationSyntax, inner: &str, range: &Range<usize>) {
        const OPEN: &str = "<sup class=\"cite\">";
        // Made with its first link, with room for it (a link is hundreds of bytes with its
        // tooltip): most citations are of one paragraph, and then it grows only at the end.
        let mut html = String::new();
        let mut first = true;
        for &n in &c.paragraphs {
            match self.linker.site.cite(c.source.as_deref(), n) {
                Ok(cite) => {
                    self.cite_count += 1;
                    let k = self.cite_count;
                    self.rendered.cites.push((k, cite));
                    let built;
                    let known = self.linker.cite_html.as_ref().and_then(|m| m.get(&cite));
                    let link = match known {
                        Some(link) => link,
                        None => {
                            built = cite_link_parts(self.linker.site, cite);
                            &built
                        }
                    };
                    html.reserve(OPEN.len() + link.before.len() + link.after.len() + 24);
                    html.push_str(if first { OPEN } else { ", " });
                    first = false;
                    html.push_str(&link.before);
                    push_decimal(&mut html, k);
                    html.push_str(&link.after);
                }
                Err((message, help)) => {
                    let span = self.find_in_body(range, &format!("[{inner}]"));
                    self.error(span, format!("citation `[{inner}]` {message}"), help);
                }
            }
        }
        html.push_str("</sup>");
        self.cite_bytes += html.len();
        if !first {
            self.out.push(Event::InlineHtml(CowStr::from(html)));
        }
    }

    /// Plain text, `whole[within]`, auto-linking first mentions: each alias standing as a
    /// word ([`Aliases::found`]) of a page this body has not linked to yet. Text borrowed
    /// from the Markdown stays borrowed.
    fn plain(&mut self, whole: &CowStr<'a>, within: Range<usize>, may_autolink: bool) {
        if within.is_empty() {
            return;
        }
        let offset = within.start;
        let text = &whole[within];
        let piece = |r: Range<usize>| -> CowStr<'a> {
            let r = offset + r.start..offset + r.end;
            match whole {
                CowStr::Borrowed(s) => CowStr::Borrowed(&s[r]),
                _ => CowStr::from(whole[r].to_string()),
            }
        };
        let Some(aliases) = self
            .linker
            .parts
            .aliases
            .as_deref()
            .filter(|_| may_autolink)
        else {
            self.out.push(Event::Text(piece(0..text.len())));
            return;
        };
        let mut last = 0;
        for m in aliases.found(text) {
            self.rendered.aliases_seen.push(m.pattern().as_u32());
            let (_, target) = self.linker.site.aliases[m.pattern().as_usize()];
            if self.linked.contains(&target) {
                continue;
            }
            if m.start() > last {
                self.out.push(Event::Text(piece(last..m.start())));
            }
            let url = match &self.linker.page_urls {
                Some(urls) => CowStr::Borrowed(urls[target].as_str()),
                None => CowStr::from(escape(&self.linker.url_of(Target::Page(target)))),
            };
            const OPEN: &str = "<a class=\"xref\" href=\"";
            let mut tag = String::with_capacity(OPEN.len() + url.len() + 2);
            tag.push_str(OPEN);
            tag.push_str(&url);
            tag.push_str("\">");
            self.out.push(Event::InlineHtml(CowStr::from(tag)));
            self.out.push(Event::Text(piece(m.start()..m.end())));
            self.out.push(Event::InlineHtml(CowStr::from("</a>")));
            self.linked.insert(target);
            self.rendered.links_to.push(Target::Page(target));
            last = m.end();
        }
        if last < text.len() {
            self.out.push(Event::Text(piece(last..text.len())));
        }
        let _ = self.me;
    }
}

type HeadingAttributes<'a> = (Vec<CowStr<'a>>, Vec<(CowStr<'a>, Option<CowStr<'a>>)>);

/// A class name a heading may carry without raw HTML: it cannot leave the attribute or
/// smuggle in anything but a name.
fn is_safe_class(class: &str) -> bool {
    !class.is_empty()
        && class
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `s` for a terminal: control characters written as escapes.
fn printable(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

enum Special<'s> {
    Context(&'s str),
    Cite(Result<CitationSyntax, String>),
}

/// `[afp ¶4, 6-8]` parsed.
#[derive(Debug, PartialEq, Eq)]
pub struct CitationSyntax {
    pub source: Option<String>,
    pub paragraphs: Vec<i64>,
}

fn strip_prefix_ci<'s>(s: &'s str, prefix: &str) -> Option<&'s str> {
    (s.len() >= prefix.len()
        && s.is_char_boundary(prefix.len())
        && s[..prefix.len()].eq_ignore_ascii_case(prefix))
    .then(|| &s[prefix.len()..])
}

/// Parses the inside of `[…]` as a citation. `None`: not a citation at all (ordinary text in
/// brackets). `Some(Err)`: clearly meant as one but malformed.
pub fn parse_citation(inner: &str) -> Option<Result<CitationSyntax, String>> {
    let inner = inner.trim();
    // Optional source slug, then ¶ or p, then the numbers.
    let (source, numbers) = match inner.split_once(' ') {
        Some((slug, rest)) if crate::model::is_valid_slug(slug) && is_marked(rest.trim_start()) => {
            (Some(slug.to_string()), rest.trim_start())
        }
        _ => (None, inner),
    };
    let numbers = if let Some(n) = numbers.strip_prefix('¶') {
        n
    } else if let Some(n) = numbers.strip_prefix('p') {
        // `p` alone is only a citation when a digit follows: "[p17]", not "[page]".
        if !n.starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        n
    } else {
        return None;
    };
    let mut paragraphs = Vec::new();
    for item in numbers.split(',') {
        let item = item.trim().trim_start_matches('¶').trim_start_matches('p');
        // One number or two (a range), without collecting the pieces (this runs for every
        // `[…]` of every body).
        let mut bounds = item.split(['-', '–']).map(str::trim);
        let parse = |s: &str| {
            s.parse::<i64>()
                .map_err(|_| format!("`{s}` is not a paragraph number"))
        };
        match (bounds.next(), bounds.next(), bounds.next()) {
            (Some(n), None, _) => paragraphs.push(match parse(n) {
                Ok(n) => n,
                Err(e) => return Some(Err(e)),
            }),
            (Some(a), Some(b), None) => {
                let (a, b) = match (parse(a), parse(b)) {
                    (Ok(a), Ok(b)) => (a, b),
                    (Err(e), _) | (_, Err(e)) => return Some(Err(e)),
                };
                if b < a || b - a > 50 {
                    return Some(Err(format!("`{item}` is not a range of paragraphs")));
                }
                paragraphs.extend(a..=b);
            }
            _ => return Some(Err(format!("`{item}` is not a paragraph number or range"))),
        }
    }
    Some(Ok(CitationSyntax { source, paragraphs }))
}

fn is_marked(s: &str) -> bool {
    s.starts_with('¶') || (s.starts_with('p') && s[1..].starts_with(|c: char| c.is_ascii_digit()))
}

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape_into(&mut out, s);
    out
}

pub fn escape_into(out: &mut String, s: &str) {
    let _ = pulldown_cmark_escape::escape_html(out, s);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_page_is_linked_from_the_texts_that_link_to_it_once_and_not_from_itself() {
        use std::collections::BTreeSet;
        let body = |links: &[Target]| Rendered {
            links_to: links.to_vec(),
            ..Rendered::default()
        };
        let (p, s) = (Target::Page, Target::Section);
        let bodies = [
            body(&[p(1), p(2), p(1), p(0)]),
            body(&[p(0), s(0)]),
            body(&[]),
            body(&[p(1), p(0)]),
        ];
        let sections = [body(&[p(3), p(1)]), body(&[p(1), p(1)])];
        let got = linked_from(&bodies, &sections);
        let want: Vec<BTreeSet<Target>> = vec![
            [p(1), p(3)].into(),
            [p(0), p(3), s(0), s(1)].into(),
            [p(0)].into(),
            [s(0)].into(),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn a_released_body_frees_its_html_and_keeps_the_rest() {
        let cite = Cite { source: 0, n: 3 };
        let body = Rendered {
            html: std::sync::Mutex::new(Html {
                text: "<p>x<a href=\"s#p3\">¶3</a></p>".repeat(100),
                tips: vec![(14, cite)],
                released: false,
            }),
            cites: vec![(1, cite)],
            links_to: vec![Target::Page(2)],
            ..Rendered::default()
        };
        body.release();
        let html = body.html.lock().expect("not poisoned");
        assert!(html.released);
        assert_eq!((html.text.capacity(), html.tips.capacity()), (0, 0));
        drop(html);
        assert_eq!(body.cites, [(1, cite)]);
        assert_eq!(body.links_to, [Target::Page(2)]);
    }

    /// A body read after it was released would give a page or a search record without its
    /// text: a debug build (the tests') stops there.
    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "a body read after it was released")]
    fn a_body_read_after_it_was_released_stops_a_debug_build() {
        let body = Rendered::default();
        body.release();
        body.with_html(str::len);
    }

    #[test]
    fn tooltips_are_taken_out_and_put_back_byte_for_byte() {
        use std::borrow::Cow;
        let (a, b) = (Cite { source: 0, n: 3 }, Cite { source: 0, n: 12 });
        let tip = |c: Cite| Cow::Owned(format!(" title=\"paragraph {} &lt;\"", c.n));
        let link = |k: usize, c: Cite| {
            format!(
                "<a href=\"s#p{n}\" id=\"cite-{k}\" data-n=\"{n}\"{}>¶{n}</a>",
                tip(c),
                n = c.n
            )
        };
        // A heading's id can start as a citation link's does.
        let html = format!(
            "<h2 id=\"cite-2\">Cite 2</h2>\n<p>x {} y {}, {}</p>\n",
            link(1, a),
            link(2, b),
            link(3, a)
        );
        let cites = [(1, a), (2, b), (3, a)];
        let (taken, tips) = take_tips(html.clone(), &cites, tip);
        assert!(!taken.contains("paragraph"), "{taken}");
        assert_eq!(tips.iter().map(|t| t.1).collect::<Vec<_>>(), [a, b, a]);
        let taken_copy = taken.clone();
        let rendered = Rendered {
            html: std::sync::Mutex::new(Html {
                text: taken,
                tips,
                released: false,
            }),
            ..Rendered::default()
        };
        assert_eq!(rendered.html_with_tips(tip), html);
        assert_eq!(rendered.with_html(str::to_string), taken_copy);
        // A tooltip not where it should be: the HTML is kept whole.
        let odd = html.replacen(" title=\"paragraph 12 &lt;\"", "", 1);
        let (kept, tips) = take_tips(odd.clone(), &cites, tip);
        assert_eq!((kept, tips.len()), (odd, 0));
        // Citations without tooltips (`citation_tooltips = false`): nothing to take out.
        let (kept, tips) = take_tips(taken_copy.clone(), &cites, |_| Cow::Borrowed(""));
        assert_eq!((kept, tips.len()), (taken_copy, 0));
    }

    #[test]
    fn text_runs_are_merged_and_a_lone_piece_stays_borrowed() {
        let body = "Kerry said\nit [\u{b6}17] &amp; left.\n\nAlone.";
        let parsed = parse(body, Options::ENABLE_SMART_PUNCTUATION);
        let texts: Vec<_> = parsed
            .events
            .iter()
            .filter_map(|(e, r)| match e {
                Event::Text(t) => Some((t, r.clone())),
                _ => None,
            })
            .collect();
        // The first paragraph is one run, the soft break a space, the entity decoded; its
        // range covers all of it. The second paragraph is one piece of the body, borrowed.
        assert_eq!(texts.len(), 2, "{texts:?}");
        assert_eq!(texts[0].0.as_ref(), "Kerry said it [\u{b6}17] & left.");
        assert_eq!(texts[0].1, 0..body.find("\n\n").unwrap());
        assert_eq!(&body[texts[1].1.clone()], "Alone.");
        assert!(
            matches!(texts[1].0, CowStr::Borrowed("Alone.")),
            "{:?}",
            texts[1].0
        );
    }

    #[test]
    fn aliases_are_found_as_whole_words_longest_first() {
        let names = [
            "Aleppo",
            "East Aleppo",
            "Kerry",
            "Kerry Lavrov",
            "Lavrov",
            "Éric",
            "al-Nusra",
            "X",
            "UN",
            "New York Times",
            "York",
        ];
        let aliases = Aliases::new(names.iter().copied()).unwrap();
        let found = |text: &str| -> Vec<String> {
            aliases
                .found(text)
                .map(|m| {
                    assert_eq!(&text[m.range()], names[m.pattern().as_usize()]);
                    text[m.range()].to_string()
                })
                .collect()
        };
        // The longest name at a place wins; the search goes on after it.
        assert_eq!(found("East Aleppo and Aleppo"), ["East Aleppo", "Aleppo"]);
        assert_eq!(found("Kerry Lavrov, Lavrov."), ["Kerry Lavrov", "Lavrov"]);
        // Not inside a word, at either end; a name inside a word does not hide the next one.
        assert_eq!(found("Aleppos, xAleppo, McKerry Lavrov"), ["Lavrov"]);
        assert_eq!(found("Kerry2 (Kerry)"), ["Kerry"]);
        // A name that ends inside a word gives way to the longest one that does not, at the
        // same place or at the next word.
        assert_eq!(found("Kerry Lavrovich met Lavrov"), ["Kerry", "Lavrov"]);
        assert_eq!(found("East Aleppos, Kerry Lavrov2"), ["Kerry"]);
        assert_eq!(found("New York Timesheet"), ["York"]);
        // Letters beyond ASCII are letters; punctuation and spaces beyond it are not.
        assert_eq!(
            found("Éric, éÉric, l’Éric, «Aleppo»"),
            ["Éric", "Éric", "Aleppo"]
        );
        assert_eq!(found("with al-Nusra"), ["al-Nusra"]);
        assert!(found("").is_empty());
        // Names of one and two bytes, at the end of the text too.
        assert_eq!(found("X marks Xavier, X"), ["X", "X"]);
        assert_eq!(found("UNESCO and the UN"), ["UN"]);
        assert_eq!(found("X"), ["X"]);
    }

    #[test]
    fn decimals_are_written_as_format_writes_them() {
        for n in [0, 1, 9, 10, 17, 99, 100, 1234, 99_999, usize::MAX] {
            let mut out = String::from("x");
            push_decimal(&mut out, n);
            assert_eq!(out, format!("x{n}"));
        }
    }

    #[test]
    fn citation_syntax() {
        let ok = |s: &str, source: Option<&str>, ps: &[i64]| {
            assert_eq!(
                parse_citation(s),
                Some(Ok(CitationSyntax {
                    source: source.map(str::to_string),
                    paragraphs: ps.to_vec()
                })),
                "{s}"
            );
        };
        ok("¶17", None, &[17]);
        ok("p17", None, &[17]);
        ok("¶4, 6", None, &[4, 6]);
        ok("¶4,¶6", None, &[4, 6]);
        ok("¶4-6", None, &[4, 5, 6]);
        ok("¶4–6", None, &[4, 5, 6]);
        ok("afp-2016 ¶3", Some("afp-2016"), &[3]);
        assert_eq!(parse_citation("page"), None);
        assert_eq!(parse_citation("see above"), None);
        assert_eq!(parse_citation("x"), None);
        assert!(matches!(parse_citation("¶x"), Some(Err(_))));
        assert!(matches!(parse_citation("¶9-3"), Some(Err(_))));
        assert_eq!(
            parse_citation("¶4-5-6"),
            Some(Err("`4-5-6` is not a paragraph number or range".to_string()))
        );
        assert_eq!(
            parse_citation("¶4 - 6, 8"),
            Some(Ok(CitationSyntax {
                source: None,
                paragraphs: vec![4, 5, 6, 8]
            }))
        );
    }

    #[test]
    fn context_markers_are_found_without_cutting_a_character() {
        let marker = |md: &str| {
            let mut events = parse(md, options(&MarkdownConfig::default())).events;
            let i = events
                .iter()
                .position(|(e, _)| matches!(e, Event::Start(Tag::BlockQuote(_))))
                .unwrap();
            take_context_marker(&mut events, i + 1)
        };
        assert!(marker("> [!CONTEXT]\n> A note.\n"));
        assert!(marker("> [!context] A note.\n"));
        // Multi-byte characters across the marker's tenth byte (fuzz/regressions/page_body).
        assert!(!marker("> [!CONTEXTé] note\n"));
        assert!(!marker("> ago“, “recently”\n"));
        assert!(!marker("> [!CONTEX\n"));
    }

    #[test]
    fn heading_ids_are_unique_and_respect_explicit_ones() {
        let p = parse(
            "# Intro\n\n## Intro\n\n## Other {#intro-1}\n\n## ?\n",
            options(&MarkdownConfig::default()),
        );
        let ids: Vec<&str> = p.toc.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["intro", "intro-2", "intro-1", "section"]);
    }
}
