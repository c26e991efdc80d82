//! The model: parsed front matter resolved into a [`Site`] of linked pages.
//!
//! Every page gets a slug, a path and a place in its section; every reference by slug
//! (participants, location, relations, within, events' actors and place, quotes' speakers,
//! follows) is resolved to a [`PageId`], and every citation to a paragraph of a source. An
//! unknown slug is an error with a did-you-mean; two pages with one output path are an error
//! naming both. Pure: no I/O, no Markdown, no templates.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use toml::Spanned;

use crate::config::Config;
use crate::dates::{self, DateSpec};
use crate::diagnostics::{Diagnostic, did_you_mean};
use crate::frontmatter::{
    self as fm, ActorKind, CiteValue, Coordinates, LocationKind, ParagraphKind, RelationType,
    TalkKind, TalkStatus,
};
use crate::load::TextFile;

pub type PageId = usize;
pub type SectionId = usize;

/// A citation of paragraph `n` (1-based) of the source page `source`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cite {
    pub source: PageId,
    pub n: usize,
}

#[derive(Debug)]
pub struct Site {
    pub config: Config,
    pub pages: Vec<Page>,
    pub sections: Vec<Section>,
    /// Every event of every page, in timeline order.
    pub events: Vec<Event>,
    /// Per page: the indexes in `events` of the events its front matter declares.
    pub declared_events: Vec<Vec<usize>>,
    /// Content file (relative to `content/`, `/`-separated) to what it became. FxHash:
    /// looked up for every `@/` link.
    pub by_file: rustc_hash::FxHashMap<String, Target>,
    pub default_source: Option<PageId>,
    /// Per page: who refers to it in front matter.
    pub referenced_by: Vec<Vec<Backref>>,
    /// Alias (or title) → the actor or location it names, for auto-linking. Ambiguous
    /// aliases are left out.
    pub aliases: Vec<(String, PageId)>,
    index: Index,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    Page(PageId),
    Section(SectionId),
}

/// The parts every page and section share.
#[derive(Debug)]
pub struct Doc {
    /// Relative to the site root: `content/actors/john-kerry.md`.
    pub file: PathBuf,
    /// Relative to `content/`: `actors/john-kerry.md`.
    pub rel: String,
    /// The whole file, normalised; spans point into it.
    pub src: String,
    /// Where the front matter's TOML starts in `src`: spans from the TOML parser are relative
    /// to it.
    pub fm_offset: usize,
    pub body_offset: usize,
    /// `/actors/john-kerry/`, relative to the site's base path.
    pub path: String,
    pub title: String,
    pub description: Option<String>,
    pub summary: Option<String>,
    pub weight: i64,
    pub template: Option<Spanned<String>>,
    pub draft: bool,
    pub extra: toml::Table,
}

impl Doc {
    pub fn body(&self) -> &str {
        &self.src[self.body_offset..]
    }
}

#[derive(Debug)]
pub struct Page {
    pub doc: Doc,
    pub slug: String,
    pub section: Option<SectionId>,
    pub kind: PageKind,
}

#[derive(Debug)]
pub struct Section {
    pub doc: Doc,
    /// The folder, relative to `content/` ("" for the home page).
    pub folder: String,
    pub parent: Option<SectionId>,
    pub pages: Vec<PageId>,
    pub subsections: Vec<SectionId>,
}

#[derive(Debug)]
pub enum PageKind {
    Plain { date: Option<DateSpec> },
    Source(Source),
    Actor(Actor),
    Location(Location),
    Talk(Talk),
}

impl PageKind {
    pub fn name(&self) -> &'static str {
        match self {
            PageKind::Plain { .. } => "page",
            PageKind::Source(_) => "source",
            PageKind::Actor(_) => "actor",
            PageKind::Location(_) => "location",
            PageKind::Talk(_) => "talk",
        }
    }
}

#[derive(Debug)]
pub struct Source {
    pub publisher: String,
    pub language: String,
    pub title_original: Option<String>,
    pub url: Option<String>,
    pub published: Option<DateSpec>,
    pub date_note: Option<String>,
    pub paragraphs: Vec<Paragraph>,
}

#[derive(Debug)]
pub struct Paragraph {
    pub n: usize,
    pub original: String,
    pub translation: Option<String>,
    pub kind: ParagraphKind,
    pub note: Option<String>,
}

#[derive(Debug)]
pub struct Actor {
    pub kind: ActorKind,
    pub role: Option<String>,
    pub side: Option<String>,
    pub aliases: Vec<String>,
    /// Other spellings readers may search for; shown and indexed, never auto-linked.
    pub spellings: Vec<String>,
    pub relations: Vec<Relation>,
}

#[derive(Debug)]
pub struct Relation {
    pub kind: RelationType,
    pub to: PageId,
    pub cite: Vec<Cite>,
    pub note: Option<String>,
}

#[derive(Debug)]
pub struct Location {
    pub kind: LocationKind,
    pub aliases: Vec<String>,
    /// Other spellings readers may search for; shown and indexed, never auto-linked.
    pub spellings: Vec<String>,
    pub within: Option<PageId>,
    pub coordinates: Option<Coordinates>,
}

#[derive(Debug)]
pub struct Talk {
    pub kind: TalkKind,
    pub status: TalkStatus,
    pub date: Option<DateSpec>,
    pub as_stated: Option<String>,
    pub location: Option<PageId>,
    pub participants: Vec<PageId>,
    pub duration: Option<String>,
    pub outcome: Option<String>,
    pub follows: Option<PageId>,
    pub cite: Vec<Cite>,
    pub quotes: Vec<Quote>,
}

#[derive(Debug)]
pub struct Quote {
    /// `None` when the source does not say who said it.
    pub speaker: Option<PageId>,
    pub original: String,
    pub translation: String,
    pub cite: Cite,
}

#[derive(Debug)]
pub struct Event {
    pub date: DateSpec,
    pub as_stated: Option<String>,
    pub summary: String,
    pub actors: Vec<PageId>,
    pub place: Option<PageId>,
    pub cite: Vec<Cite>,
    /// The page whose front matter declares it.
    pub declared_in: PageId,
}

/// How one page refers to another in front matter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RefKind {
    Relation(RelationType),
    Participant,
    Speaker,
    TalkLocation,
    Within,
    Follows,
    EventActor,
    EventPlace,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Backref {
    pub from: PageId,
    pub kind: RefKind,
}

/// Options that change what the model contains.
#[derive(Debug, Clone, Copy, Default)]
pub struct ModelOptions {
    pub include_drafts: bool,
}

pub fn is_valid_slug(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && !s.ends_with('-')
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The schema a content file follows, from where it lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Schema {
    Section,
    Plain,
    Actor,
    Location,
    Talk,
}

fn schema_of(rel: &str) -> Schema {
    if rel == "_index.md" || rel.ends_with("/_index.md") {
        return Schema::Section;
    }
    match rel.split('/').next() {
        Some("actors") if rel.contains('/') => Schema::Actor,
        Some("locations") if rel.contains('/') => Schema::Location,
        Some("talks") if rel.contains('/') => Schema::Talk,
        _ => Schema::Plain,
    }
}

enum Parsed {
    Section(fm::SectionFm),
    Plain(fm::PlainFm),
    Actor(fm::ActorFm),
    Location(fm::LocationFm),
    Talk(fm::TalkFm),
}

struct ParsedFile {
    file: TextFile,
    fm_offset: usize,
    body_offset: usize,
    fm: Parsed,
}

fn parse_file(file: TextFile) -> Result<ParsedFile, Diagnostic> {
    let src = &file.text;
    let split = fm::split(&file.path, src)?;
    let body_offset = split.body_offset;
    let fm_offset = split.front_matter_offset;
    let path = file.path.as_path();
    let fm = match schema_of(&file.rel) {
        Schema::Section => {
            Parsed::Section(fm::parse(path, src, &split, "a section's front matter")?)
        }
        Schema::Plain => Parsed::Plain(fm::parse(path, src, &split, "a page's front matter")?),
        Schema::Actor => Parsed::Actor(fm::parse(path, src, &split, "an actor's front matter")?),
        Schema::Location => {
            Parsed::Location(fm::parse(path, src, &split, "a location's front matter")?)
        }
        Schema::Talk => Parsed::Talk(fm::parse(path, src, &split, "a talk's front matter")?),
    };
    Ok(ParsedFile {
        file,
        fm_offset,
        body_offset,
        fm,
    })
}

fn draft_of(p: &Parsed) -> bool {
    match p {
        Parsed::Section(f) => f.draft,
        Parsed::Plain(f) => f.draft,
        Parsed::Actor(f) => f.draft,
        Parsed::Location(f) => f.draft,
        Parsed::Talk(f) => f.draft,
    }
}

/// Which pages a slug can name, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    Actor,
    Location,
    Talk,
    Source,
}

impl Want {
    fn noun(self) -> &'static str {
        match self {
            Want::Actor => "actor",
            Want::Location => "location",
            Want::Talk => "talk",
            Want::Source => "source",
        }
    }
    fn folder(self) -> &'static str {
        match self {
            Want::Actor => "content/actors/",
            Want::Location => "content/locations/",
            Want::Talk => "content/talks/",
            Want::Source => "content/ (pages with a [source] table)",
        }
    }
}

fn article(noun: &str) -> &'static str {
    if noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// Slug tables built before references are resolved.
#[derive(Debug)]
struct Index {
    actors: BTreeMap<String, PageId>,
    locations: BTreeMap<String, PageId>,
    talks: BTreeMap<String, PageId>,
    sources: BTreeMap<String, PageId>,
    /// Slugs of drafts left out of this build, per kind, for a better message.
    drafts: Vec<(Want, String, PathBuf)>,
    /// Slugs of files that failed to parse: references to them are not reported again.
    broken: Vec<(Want, String)>,
    /// Paragraph counts of sources.
    paragraphs: rustc_hash::FxHashMap<PageId, usize>,
    default_source: Result<PageId, String>,
}

impl Index {
    fn table(&self, want: Want) -> &BTreeMap<String, PageId> {
        match want {
            Want::Actor => &self.actors,
            Want::Location => &self.locations,
            Want::Talk => &self.talks,
            Want::Source => &self.sources,
        }
    }

    fn resolve(&self, want: Want, slug: &str) -> Result<PageId, (String, String)> {
        if let Some(&id) = self.table(want).get(slug) {
            return Ok(id);
        }
        if self.broken.iter().any(|(w, s)| *w == want && s == slug) {
            // Its own error is already reported; another one here would only be noise.
            return Err((String::new(), String::new()));
        }
        let noun = want.noun();
        let message = format!("unknown {noun} `{slug}`");
        if let Some((_, _, file)) = self.drafts.iter().find(|(w, s, _)| *w == want && s == slug) {
            return Err((
                format!("{noun} `{slug}` is a draft"),
                format!(
                    "remove `draft = true` from {}, or build with --drafts",
                    file.display()
                ),
            ));
        }
        if let Some(s) = did_you_mean(slug, self.table(want).keys().map(String::as_str)) {
            return Err((message, format!("did you mean `{s}`?")));
        }
        for other in [Want::Actor, Want::Location, Want::Talk, Want::Source] {
            if other != want && self.table(other).contains_key(slug) {
                return Err((
                    message,
                    format!(
                        "`{slug}` is {} {}, but {} {noun} is expected here",
                        article(other.noun()),
                        other.noun(),
                        article(noun)
                    ),
                ));
            }
        }
        Err((
            message,
            format!("no file in {} has this slug", want.folder()),
        ))
    }

    /// Resolves a citation of paragraph `n` of `source` (or of the default source).
    fn cite(&self, source: Option<&str>, n: i64) -> Result<Cite, (String, String)> {
        let source_id = match source {
            Some(slug) => self.resolve(Want::Source, slug).map_err(|(m, h)| {
                if m.is_empty() {
                    (m, h)
                } else {
                    (format!("cites an {m}"), h)
                }
            })?,
            None => self
                .default_source
                .clone()
                .map_err(|why| ("does not say which source it cites".to_string(), why))?,
        };
        let count = self.paragraphs.get(&source_id).copied().unwrap_or(0);
        if n < 1 || n as u64 > count as u64 {
            return Err((
                format!("cites paragraph {n}, which does not exist"),
                format!("the source has paragraphs 1 to {count}"),
            ));
        }
        Ok(Cite {
            source: source_id,
            n: n as usize,
        })
    }
}

/// Collects the diagnostics of one page against its file.
struct Ctx<'a> {
    file: &'a Path,
    src: &'a str,
    /// Spans from the TOML parser are relative to the front matter, which starts here.
    fm_offset: usize,
    diags: Vec<Diagnostic>,
}

impl Ctx<'_> {
    fn err_at(&mut self, span: std::ops::Range<usize>, message: String, help: String) {
        let span = span.start + self.fm_offset..span.end + self.fm_offset;
        let d = Diagnostic::error(message)
            .at(self.file, self.src, span)
            .with_help(help);
        self.diags.push(d);
    }

    fn resolve(
        &mut self,
        index: &Index,
        want: Want,
        slug: &Spanned<String>,
        field: &str,
    ) -> Option<PageId> {
        match index.resolve(want, slug.get_ref()) {
            Ok(id) => Some(id),
            Err((message, _)) if message.is_empty() => None,
            Err((message, help)) => {
                self.err_at(slug.span(), format!("{message} in `{field}`"), help);
                None
            }
        }
    }

    fn resolve_all(
        &mut self,
        index: &Index,
        want: Want,
        slugs: &[Spanned<String>],
        field: &str,
    ) -> Vec<PageId> {
        slugs
            .iter()
            .filter_map(|s| self.resolve(index, want, s, field))
            .collect()
    }

    fn cites(&mut self, index: &Index, cites: &fm::Cites, field: &str) -> Vec<Cite> {
        cites
            .get_ref()
            .iter()
            .filter_map(|c| self.cite(index, c, field))
            .collect()
    }

    fn cite(&mut self, index: &Index, c: &Spanned<CiteValue>, field: &str) -> Option<Cite> {
        let v = c.get_ref();
        match index.cite(v.source.as_deref(), v.paragraph) {
            Ok(cite) => Some(cite),
            Err((message, help)) => {
                self.err_at(c.span(), format!("`{field}` {message}"), help);
                None
            }
        }
    }

    fn date(&mut self, d: &Spanned<fm::RawDate>, field: &str) -> Option<DateSpec> {
        match dates::parse(&d.get_ref().0) {
            Ok(date) => Some(date),
            Err(why) => {
                self.err_at(
                    d.span(),
                    format!("invalid date in `{field}`: {why}"),
                    format!("write a date such as {}", dates::ACCEPTED_FORMS),
                );
                None
            }
        }
    }

    fn require_cites(&mut self, cites: &fm::Cites, field: &str) {
        if cites.get_ref().is_empty() {
            self.err_at(
                cites.span(),
                format!("`{field}` is empty: every statement needs a citation"),
                "cite the paragraph that supports it, e.g. `cite = [17]`".into(),
            );
        }
    }
}

/// Builds the site model from the content files. Returns the model even when some files had
/// errors, so later stages can report their own errors too; the caller decides whether to
/// write anything.
pub fn build(
    config: Config,
    files: Vec<TextFile>,
    unreadable: &[String],
    opts: ModelOptions,
    diags: &mut Vec<Diagnostic>,
) -> Site {
    // 1. Split and parse every file, in parallel.
    let results: Vec<(String, Result<ParsedFile, Diagnostic>)> = files
        .into_par_iter()
        .map(|f| {
            let (rel, path) = (f.rel.clone(), f.path.clone());
            let parsed =
                crate::guard::page(&path, "the front matter", || parse_file(f)).and_then(|r| r);
            (rel, parsed)
        })
        .collect();
    let mut parsed = Vec::new();
    let mut broken = Vec::new();
    for rel in unreadable {
        mark_broken(&mut broken, rel);
    }
    for (rel, r) in results {
        match r {
            Ok(p) => parsed.push(p),
            Err(d) => {
                diags.push(d);
                mark_broken(&mut broken, &rel);
            }
        }
    }
    parsed.sort_by(|a, b| a.file.rel.cmp(&b.file.rel));

    // 2. Drafts.
    let mut drafts = Vec::new();
    if !opts.include_drafts {
        parsed.retain(|p| {
            if draft_of(&p.fm) {
                let want = match &p.fm {
                    Parsed::Actor(_) => Some(Want::Actor),
                    Parsed::Location(_) => Some(Want::Location),
                    Parsed::Talk(_) => Some(Want::Talk),
                    Parsed::Plain(f) if f.source.is_some() => Some(Want::Source),
                    _ => None,
                };
                if let Some(want) = want {
                    drafts.push((want, slug_from_file(&p.file.rel), p.file.path.clone()));
                }
                false
            } else {
                true
            }
        });
    }

    // 3. Sections, by folder.
    let mut sections: Vec<Section> = Vec::new();
    let mut section_by_folder: BTreeMap<String, SectionId> = BTreeMap::new();
    let mut page_files = Vec::new();
    for p in parsed {
        match p.fm {
            Parsed::Section(f) => {
                let folder = p
                    .file
                    .rel
                    .trim_end_matches("_index.md")
                    .trim_end_matches('/')
                    .to_string();
                let path = if folder.is_empty() {
                    "/".to_string()
                } else {
                    format!("/{}/", folder_path(&folder))
                };
                section_by_folder.insert(folder.clone(), sections.len());
                sections.push(Section {
                    doc: Doc {
                        file: p.file.path,
                        rel: p.file.rel,
                        src: p.file.text,
                        fm_offset: p.fm_offset,
                        body_offset: p.body_offset,
                        path,
                        title: f.title,
                        description: f.description,
                        summary: f.summary,
                        weight: f.weight,
                        template: f.template,
                        draft: f.draft,
                        extra: f.extra,
                    },
                    folder,
                    parent: None,
                    pages: Vec::new(),
                    subsections: Vec::new(),
                });
            }
            _ => page_files.push(p),
        }
    }
    let nearest_section = |folder: &str| -> Option<SectionId> {
        let mut f = folder;
        loop {
            if let Some(&id) = section_by_folder.get(f) {
                return Some(id);
            }
            if f.is_empty() {
                return None;
            }
            f = f.rfind('/').map_or("", |i| &f[..i]);
        }
    };
    for id in 0..sections.len() {
        let folder = sections[id].folder.clone();
        if !folder.is_empty() {
            let parent_folder = folder.rfind('/').map_or("", |i| &folder[..i]);
            let parent = nearest_section(parent_folder);
            sections[id].parent = parent;
            if let Some(parent) = parent {
                sections[parent].subsections.push(id);
            }
        }
    }

    // 4. Pages: slug, path, section; slug tables.
    struct Pending {
        fm: Parsed,
    }
    let mut pages: Vec<Page> = Vec::new();
    let mut pending: Vec<Pending> = Vec::new();
    let mut index = Index {
        actors: BTreeMap::new(),
        locations: BTreeMap::new(),
        talks: BTreeMap::new(),
        sources: BTreeMap::new(),
        drafts,
        broken,
        paragraphs: rustc_hash::FxHashMap::default(),
        default_source: Err(String::new()),
    };
    // The slugs from file names and the folders' URL paths, in parallel (slugifying each was
    // most of this step).
    let from_names: Vec<(String, String)> = page_files
        .par_iter()
        .map(|p| {
            let folder = p.file.rel.rfind('/').map_or("", |i| &p.file.rel[..i]);
            (slug_from_file(&p.file.rel), folder_path(folder))
        })
        .collect();
    for (p, (slug_of_file, folder_url)) in page_files.into_iter().zip(from_names) {
        let (title, description, summary, weight, template, draft, slug_fm, extra) = match &p.fm {
            Parsed::Plain(f) => (
                &f.title,
                &f.description,
                &f.summary,
                f.weight,
                &f.template,
                f.draft,
                &f.slug,
                &f.extra,
            ),
            Parsed::Actor(f) => (
                &f.title,
                &f.description,
                &f.summary,
                f.weight,
                &f.template,
                f.draft,
                &f.slug,
                &f.extra,
            ),
            Parsed::Location(f) => (
                &f.title,
                &f.description,
                &f.summary,
                f.weight,
                &f.template,
                f.draft,
                &f.slug,
                &f.extra,
            ),
            Parsed::Talk(f) => (
                &f.title,
                &f.description,
                &f.summary,
                f.weight,
                &f.template,
                f.draft,
                &f.slug,
                &f.extra,
            ),
            Parsed::Section(_) => unreachable!("sections were taken out above"),
        };
        let slug = match slug_fm {
            Some(s) if is_valid_slug(s.get_ref()) => s.get_ref().clone(),
            Some(s) => {
                diags.push(
                    Diagnostic::error(format!("`slug = {:?}` is not a valid slug", s.get_ref()))
                        .at(
                            &p.file.path,
                            &p.file.text,
                            s.span().start + p.fm_offset..s.span().end + p.fm_offset,
                        )
                        .with_help(format!(
                            "use lowercase letters, digits and hyphens, like {:?}",
                            slug::slugify(s.get_ref())
                        )),
                );
                mark_broken(&mut index.broken, &p.file.rel);
                continue;
            }
            None => {
                let slug = slug_of_file;
                if slug.is_empty() {
                    diags.push(
                        Diagnostic::error("cannot make a slug from this file name")
                            .in_file(&p.file.path)
                            .with_help(
                                "rename the file with letters or digits, or set `slug = \"…\"`",
                            ),
                    );
                    continue;
                }
                slug
            }
        };
        let folder = p
            .file
            .rel
            .rfind('/')
            .map_or("", |i| &p.file.rel[..i])
            .to_string();
        let path = if folder.is_empty() {
            format!("/{slug}/")
        } else {
            format!("/{folder_url}/{slug}/")
        };
        let id = pages.len();
        let section = nearest_section(&folder);
        if let Some(s) = section {
            sections[s].pages.push(id);
        }
        let table = match &p.fm {
            Parsed::Actor(_) => Some(&mut index.actors),
            Parsed::Location(_) => Some(&mut index.locations),
            Parsed::Talk(_) => Some(&mut index.talks),
            Parsed::Plain(f) if f.source.is_some() => Some(&mut index.sources),
            _ => None,
        };
        if let Some(table) = table {
            // A second page with the same slug has the same path; reported below.
            table.entry(slug.clone()).or_insert(id);
        }
        if let Parsed::Plain(f) = &p.fm
            && f.source.is_some()
        {
            index.paragraphs.insert(id, f.paragraphs.len());
        }
        let doc = Doc {
            file: p.file.path,
            rel: p.file.rel,
            src: p.file.text,
            fm_offset: p.fm_offset,
            body_offset: p.body_offset,
            path,
            title: title.clone(),
            description: description.clone(),
            summary: summary.clone(),
            weight,
            template: template.clone(),
            draft,
            extra: extra.clone(),
        };
        pages.push(Page {
            doc,
            slug,
            section,
            kind: PageKind::Plain { date: None },
        });
        pending.push(Pending { fm: p.fm });
    }

    // 5. Output paths are unique. Hashed: a sorted map's comparisons each read a string
    // elsewhere in memory, and were a tenth of this stage's time at 10,000 pages.
    let mut by_path: rustc_hash::FxHashMap<&str, &Path> =
        rustc_hash::FxHashMap::with_capacity_and_hasher(
            sections.len() + pages.len(),
            Default::default(),
        );
    for doc in sections
        .iter()
        .map(|s| &s.doc)
        .chain(pages.iter().map(|p| &p.doc))
    {
        if let Some(first) = by_path.insert(&doc.path, &doc.file) {
            diags.push(
                Diagnostic::error(format!(
                    "two pages have the output path {}: {} and {}",
                    doc.path,
                    first.display(),
                    doc.file.display()
                ))
                .in_file(&doc.file)
                .with_help("rename one of the files or give it another `slug`"),
            );
        }
    }

    // 6. The default source.
    index.default_source = match &config.default_source {
        Some(slug) => index.sources.get(slug).copied().ok_or_else(|| {
            format!("site.toml names `default_source = {slug:?}`, but no source has that slug")
        }),
        None => match index.sources.len() {
            1 => Ok(*index.sources.values().next().unwrap_or(&0)),
            0 => {
                Err("the site has no source: add a page with a [source] table (see README)".into())
            }
            _ => Err(format!(
                "the site has several sources ({}); name one, e.g. `[{} ¶3]`, or set `default_source` in site.toml",
                index.sources.keys().cloned().collect::<Vec<_>>().join(", "),
                index.sources.keys().next().cloned().unwrap_or_default()
            )),
        },
    };

    // 7. Resolve each page's front matter against the tables.
    let sides: Vec<&str> = config.sides.iter().map(|s| s.id.as_str()).collect();
    let resolved: Vec<(PageKind, Vec<Event>, Vec<Diagnostic>)> = pending
        .into_par_iter()
        .enumerate()
        .map(|(id, p)| resolve_page(id, &pages[id], p.fm, &index, &sides))
        .collect();
    let mut events = Vec::new();
    for (id, (kind, page_events, page_diags)) in resolved.into_iter().enumerate() {
        pages[id].kind = kind;
        events.extend(page_events);
        diags.extend(page_diags);
    }
    events.par_sort_by(|a, b| {
        (a.date.start, a.date.end, &a.summary, a.declared_in).cmp(&(
            b.date.start,
            b.date.end,
            &b.summary,
            b.declared_in,
        ))
    });

    let mut declared_events = vec![Vec::new(); pages.len()];
    for (i, e) in events.iter().enumerate() {
        declared_events[e.declared_in].push(i);
    }

    // 8. Sort section listings: weight, then title, then path.
    for s in &mut sections {
        // Each title lowercased once, not at every comparison.
        s.pages.sort_by_cached_key(|&a| {
            let a = &pages[a].doc;
            (a.weight, a.title.to_lowercase(), a.path.as_str())
        });
    }
    let section_keys: Vec<(i64, String, String)> = sections
        .iter()
        .map(|s| (s.doc.weight, s.doc.title.to_lowercase(), s.doc.path.clone()))
        .collect();
    for s in &mut sections {
        s.subsections
            .sort_by(|&a, &b| section_keys[a].cmp(&section_keys[b]));
    }

    let referenced_by = backrefs(&pages, &events);
    let aliases = alias_table(&pages, diags);
    let mut by_file = rustc_hash::FxHashMap::default();
    for (id, s) in sections.iter().enumerate() {
        by_file.insert(s.doc.rel.clone(), Target::Section(id));
    }
    for (id, p) in pages.iter().enumerate() {
        by_file.insert(p.doc.rel.clone(), Target::Page(id));
    }
    Site {
        config,
        default_source: index.default_source.as_ref().ok().copied(),
        pages,
        sections,
        events,
        declared_events,
        by_file,
        referenced_by,
        aliases,
        index,
    }
}

/// Records that the file `rel` is broken, so references to its slug are not reported twice.
fn mark_broken(broken: &mut Vec<(Want, String)>, rel: &str) {
    let want = match schema_of(rel) {
        Schema::Actor => Want::Actor,
        Schema::Location => Want::Location,
        Schema::Talk => Want::Talk,
        // A plain page that failed may have been a source.
        Schema::Plain => Want::Source,
        Schema::Section => return,
    };
    broken.push((want, slug_from_file(rel)));
}

/// `actors/john-kerry.md` → `john-kerry`; file names are slugified (`Jabhat Fateh.md` →
/// `jabhat-fateh`).
fn slug_from_file(rel: &str) -> String {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let stem = name.strip_suffix(".md").unwrap_or(name);
    slug::slugify(stem)
}

/// A content folder as a URL path: each component slugified.
fn folder_path(folder: &str) -> String {
    folder
        .split('/')
        .map(slug::slugify)
        .collect::<Vec<_>>()
        .join("/")
}

fn resolve_page(
    id: PageId,
    page: &Page,
    parsed: Parsed,
    index: &Index,
    sides: &[&str],
) -> (PageKind, Vec<Event>, Vec<Diagnostic>) {
    let mut cx = Ctx {
        file: &page.doc.file,
        src: &page.doc.src,
        fm_offset: page.doc.fm_offset,
        diags: Vec::new(),
    };
    let events;
    // The start of the front matter, for errors about the page as a whole.
    let whole = 0..0;
    let kind = match parsed {
        Parsed::Section(_) => unreachable!("sections are not pages"),
        Parsed::Plain(f) => {
            events = resolve_events(&mut cx, index, id, &f.events);
            let date = f.date.as_ref().and_then(|d| cx.date(d, "date"));
            match f.source {
                Some(meta) => {
                    if f.paragraphs.is_empty() {
                        cx.err_at(
                            whole.clone(),
                            "a source needs its paragraphs".into(),
                            "add `[[paragraphs]]` tables with `original` and `translation`".into(),
                        );
                    }
                    let published = meta
                        .published
                        .as_ref()
                        .and_then(|d| cx.date(d, "source.published"));
                    PageKind::Source(Source {
                        publisher: meta.publisher,
                        language: meta.language,
                        title_original: meta.title_original,
                        url: meta.url,
                        published,
                        date_note: meta.date_note,
                        paragraphs: f
                            .paragraphs
                            .into_iter()
                            .enumerate()
                            .map(|(i, p)| Paragraph {
                                n: i + 1,
                                original: p.original,
                                translation: p.translation,
                                kind: p.kind,
                                note: p.note,
                            })
                            .collect(),
                    })
                }
                None => {
                    if !f.paragraphs.is_empty() {
                        cx.err_at(
                            whole.clone(),
                            "`paragraphs` without a `[source]` table".into(),
                            "add a `[source]` table with `publisher` and `language`".into(),
                        );
                    }
                    PageKind::Plain { date }
                }
            }
        }
        Parsed::Actor(f) => {
            let side = f.side.as_ref().and_then(|s| {
                if sides.contains(&s.get_ref().as_str()) {
                    Some(s.get_ref().clone())
                } else {
                    let help = match did_you_mean(s.get_ref(), sides.iter().copied()) {
                        Some(c) => format!("did you mean `{c}`?"),
                        None if sides.is_empty() => {
                            "declare sides in site.toml with [[sides]] id = \"…\" label = \"…\""
                                .into()
                        }
                        None => format!("the sides in site.toml are: {}", sides.join(", ")),
                    };
                    cx.err_at(
                        s.span(),
                        format!("unknown side `{}` in `side`", s.get_ref()),
                        help,
                    );
                    None
                }
            });
            let mut relations = Vec::new();
            for r in &f.relations {
                cx.require_cites(&r.cite, "relations.cite");
                let cite = cx.cites(index, &r.cite, "relations.cite");
                if let Some(to) = cx.resolve(index, Want::Actor, &r.to, "relations.to") {
                    if to == id {
                        cx.err_at(
                            r.to.span(),
                            "an actor cannot relate to itself".into(),
                            "point `to` at another actor".into(),
                        );
                        continue;
                    }
                    relations.push(Relation {
                        kind: r.kind,
                        to,
                        cite,
                        note: r.note.clone(),
                    });
                }
            }
            events = resolve_events(&mut cx, index, id, &f.events);
            PageKind::Actor(Actor {
                kind: f.kind,
                role: f.role,
                side,
                aliases: clean_aliases(&mut cx, &f.aliases),
                spellings: f.spellings,
                relations,
            })
        }
        Parsed::Location(f) => {
            let within = f
                .within
                .as_ref()
                .and_then(|w| cx.resolve(index, Want::Location, w, "within"));
            if within == Some(id) {
                cx.err_at(
                    f.within.as_ref().map_or(whole.clone(), |w| w.span()),
                    "a location cannot be within itself".into(),
                    "point `within` at the place that contains this one".into(),
                );
            }
            let coordinates = f.coordinates.as_ref().and_then(|c| {
                let v = *c.get_ref();
                if (-90.0..=90.0).contains(&v.lat) && (-180.0..=180.0).contains(&v.lon) {
                    Some(v)
                } else {
                    cx.err_at(
                        c.span(),
                        format!("coordinates out of range (lat {}, lon {})", v.lat, v.lon),
                        "latitude runs from -90 to 90 and longitude from -180 to 180, in decimal degrees".into(),
                    );
                    None
                }
            });
            events = resolve_events(&mut cx, index, id, &f.events);
            PageKind::Location(Location {
                kind: f.kind,
                aliases: clean_aliases(&mut cx, &f.aliases),
                spellings: f.spellings,
                within: within.filter(|&w| w != id),
                coordinates,
            })
        }
        Parsed::Talk(f) => {
            cx.require_cites(&f.cite, "cite");
            let cite = cx.cites(index, &f.cite, "cite");
            let date = f.date.as_ref().and_then(|d| cx.date(d, "date"));
            let location = f
                .location
                .as_ref()
                .and_then(|l| cx.resolve(index, Want::Location, l, "location"));
            let participants = cx.resolve_all(index, Want::Actor, &f.participants, "participants");
            let follows = f
                .follows
                .as_ref()
                .and_then(|t| cx.resolve(index, Want::Talk, t, "follows"));
            let quotes = f
                .quotes
                .iter()
                .filter_map(|q| {
                    let speaker = match &q.speaker {
                        Some(s) => Some(cx.resolve(index, Want::Actor, s, "quotes.speaker")?),
                        None => None,
                    };
                    let cite = cx.cite(index, &q.cite, "quotes.cite");
                    Some(Quote {
                        speaker,
                        original: q.original.clone(),
                        translation: q.translation.clone(),
                        cite: cite?,
                    })
                })
                .collect();
            events = resolve_events(&mut cx, index, id, &f.events);
            PageKind::Talk(Talk {
                kind: f.kind,
                status: f.status,
                date,
                as_stated: f.as_stated,
                location,
                participants,
                duration: f.duration,
                outcome: f.outcome,
                follows: follows.filter(|&t| t != id),
                cite,
                quotes,
            })
        }
    };
    (kind, events, cx.diags)
}

fn clean_aliases(cx: &mut Ctx, aliases: &[Spanned<String>]) -> Vec<String> {
    let mut out = Vec::new();
    for a in aliases {
        let text = a.get_ref().trim();
        if text.chars().count() < 2 {
            cx.err_at(
                a.span(),
                "an alias must have at least two characters".into(),
                "remove it or write the full name".into(),
            );
        } else if !out.iter().any(|o: &String| o == text) {
            out.push(text.to_string());
        }
    }
    out
}

fn resolve_events(cx: &mut Ctx, index: &Index, id: PageId, events: &[fm::EventFm]) -> Vec<Event> {
    let mut out = Vec::new();
    for e in events {
        cx.require_cites(&e.cite, "events.cite");
        let date = cx.date(&e.date, "events.date");
        let actors = cx.resolve_all(index, Want::Actor, &e.actors, "events.actors");
        let place = e
            .place
            .as_ref()
            .and_then(|p| cx.resolve(index, Want::Location, p, "events.place"));
        let cite = cx.cites(index, &e.cite, "events.cite");
        if let Some(date) = date {
            out.push(Event {
                date,
                as_stated: e.as_stated.clone(),
                summary: e.summary.clone(),
                actors,
                place,
                cite,
                declared_in: id,
            });
        }
    }
    out
}

fn backrefs(pages: &[Page], events: &[Event]) -> Vec<Vec<Backref>> {
    let mut refs: Vec<Vec<Backref>> = vec![Vec::new(); pages.len()];
    let mut add = |to: PageId, from: PageId, kind: RefKind| {
        if to != from {
            refs[to].push(Backref { from, kind });
        }
    };
    for (id, page) in pages.iter().enumerate() {
        match &page.kind {
            PageKind::Actor(a) => {
                for r in &a.relations {
                    add(r.to, id, RefKind::Relation(r.kind));
                }
            }
            PageKind::Location(l) => {
                if let Some(w) = l.within {
                    add(w, id, RefKind::Within);
                }
            }
            PageKind::Talk(t) => {
                for &p in &t.participants {
                    add(p, id, RefKind::Participant);
                }
                for s in t.quotes.iter().filter_map(|q| q.speaker) {
                    add(s, id, RefKind::Speaker);
                }
                if let Some(l) = t.location {
                    add(l, id, RefKind::TalkLocation);
                }
                if let Some(f) = t.follows {
                    add(f, id, RefKind::Follows);
                }
            }
            PageKind::Plain { .. } | PageKind::Source(_) => {}
        }
    }
    for e in events {
        for &a in &e.actors {
            add(a, e.declared_in, RefKind::EventActor);
        }
        if let Some(p) = e.place {
            add(p, e.declared_in, RefKind::EventPlace);
        }
    }
    for r in &mut refs {
        r.sort();
        r.dedup();
    }
    refs
}

/// Titles and aliases of actors and locations, for auto-linking. An alias that names two
/// pages is ambiguous: it is dropped with a warning.
fn alias_table(pages: &[Page], diags: &mut Vec<Diagnostic>) -> Vec<(String, PageId)> {
    // Every (name, page), sorted by name then page: a name's pages are then side by side.
    // Sorted once, in parallel, rather than looked up in a sorted map name by name (whose
    // comparisons each read a string elsewhere in memory).
    let mut named: Vec<(&str, PageId)> = Vec::new();
    for (id, page) in pages.iter().enumerate() {
        let aliases = match &page.kind {
            PageKind::Actor(a) => &a.aliases,
            PageKind::Location(l) => &l.aliases,
            _ => continue,
        };
        named.push((page.doc.title.as_str(), id));
        named.extend(aliases.iter().map(|a| (a.as_str(), id)));
    }
    named.par_sort_unstable();
    named.dedup();
    let mut out = Vec::new();
    for group in named.chunk_by(|a, b| a.0 == b.0) {
        let name = group[0].0;
        let ids: Vec<PageId> = group.iter().map(|&(_, id)| id).collect();
        if ids.len() == 1 {
            out.push((name.to_string(), ids[0]));
        } else {
            let files: Vec<String> = ids
                .iter()
                .map(|&i| pages[i].doc.file.display().to_string())
                .collect();
            diags.push(
                Diagnostic::warning(format!(
                    "`{name}` names {} pages ({}), so it is not linked automatically",
                    ids.len(),
                    files.join(", ")
                ))
                .in_file(&pages[ids[1]].doc.file)
                .with_help("keep the alias on one page only"),
            );
        }
    }
    out
}

impl Site {
    /// Resolves a citation written in Markdown: paragraph `n` of the source `source`, or of
    /// the default source.
    pub fn cite(&self, source: Option<&str>, n: i64) -> Result<Cite, (String, String)> {
        self.index.cite(source, n)
    }

    pub fn paragraph(&self, cite: Cite) -> Option<&Paragraph> {
        match &self.pages.get(cite.source)?.kind {
            PageKind::Source(s) => s.paragraphs.get(cite.n.checked_sub(1)?),
            _ => None,
        }
    }

    /// The document of a page or section.
    pub fn doc(&self, target: Target) -> &Doc {
        match target {
            Target::Page(i) => &self.pages[i].doc,
            Target::Section(i) => &self.sections[i].doc,
        }
    }

    pub fn doc_mut(&mut self, target: Target) -> &mut Doc {
        match target {
            Target::Page(i) => &mut self.pages[i].doc,
            Target::Section(i) => &mut self.sections[i].doc,
        }
    }

    pub fn side_label(&self, id: &str) -> Option<&str> {
        self.config
            .sides
            .iter()
            .find(|s| s.id == id)
            .map(|s| s.label.as_str())
    }
}

impl Site {
    /// The URL to put in an `href` for a site path (`/actors/x/` → `/aleppo/actors/x/`).
    pub fn url(&self, path: &str) -> String {
        // Not `format!`: this runs for every link to a page, and the formatting machinery
        // cost more than the copies.
        let (base, path) = (&self.config.base_path, path.trim_start_matches('/'));
        let mut url = String::with_capacity(base.len() + path.len());
        url.push_str(base);
        url.push_str(path);
        url
    }

    /// The URL of paragraph `n` of the source page `source` (`/aleppo/source/#p17`): what
    /// citations and the source's views link to, and what `links::Resolved` resolves
    /// ahead, so all three must write it the same.
    pub fn paragraph_url(&self, source: &Page, n: usize) -> String {
        format!("{}#p{n}", self.url(&source.doc.path))
    }

    /// The absolute URL of a site path.
    pub fn permalink(&self, path: &str) -> String {
        format!("{}{}", self.config.base_url, path.trim_start_matches('/'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert!(is_valid_slug("john-kerry"));
        assert!(is_valid_slug("g20"));
        for bad in ["", "-a", "a-", "A", "a b", "a/b", "..", "é"] {
            assert!(!is_valid_slug(bad), "{bad}");
        }
        assert_eq!(slug_from_file("actors/John Kerry.md"), "john-kerry");
        assert_eq!(slug_from_file("locations/al-raï.md"), "al-rai");
        assert_eq!(folder_path("Talks/Genève"), "talks/geneve");
    }

    #[test]
    fn schemas_follow_the_folder() {
        assert_eq!(schema_of("_index.md"), Schema::Section);
        assert_eq!(schema_of("actors/_index.md"), Schema::Section);
        assert_eq!(schema_of("actors/kerry.md"), Schema::Actor);
        assert_eq!(schema_of("actors/us/kerry.md"), Schema::Actor);
        assert_eq!(schema_of("locations/aleppo.md"), Schema::Location);
        assert_eq!(schema_of("talks/hangzhou.md"), Schema::Talk);
        assert_eq!(schema_of("actors.md"), Schema::Plain);
        assert_eq!(schema_of("source.md"), Schema::Plain);
    }
}
