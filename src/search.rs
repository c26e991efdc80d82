//! Search: a Pagefind index of the dossier, built into memory with the rest of the site, so a
//! failed build leaves the previous index untouched.
//!
//! Records come from the model, not from scraping rendered pages, so they do not depend on
//! the theme: one per actor, location, talk and page (title, names, body text, quotes), one
//! per source paragraph (the original and its translation, so French and English both find
//! it) and one per timeline event. Each carries a `kind` filter and a title. URLs are stored
//! relative to the site root (`actors/john-kerry/`), and the theme's search script prefixes
//! them with wherever the site is served, so search works under any host and sub-path.
//! Pagefind itself folds diacritics: `Rai` finds `Raï`.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use pagefind::api::PagefindIndex;
use pagefind::options::PagefindServiceConfig;

use crate::diagnostics::Diagnostic;
use crate::markdown::Rendered;
use crate::model::{PageId, PageKind, SectionId, Site};
use crate::render::OutputFile;

/// The folder of the output that holds the index.
pub const BUNDLE_DIR: &str = "pagefind";

/// One searchable record.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Relative to the site root, with an anchor where the record is part of a page.
    pub url: String,
    pub title: String,
    /// What the reader sees as the kind: "actor", "location", "talk", "event",
    /// "source paragraph", "page".
    pub kind: &'static str,
    pub content: String,
}

/// The text of a body rendered by `markdown`, without tags. A tag that starts or ends a
/// block (a paragraph, a list item, a citation's `<sup>`) is a space; a tag inside a line of
/// text (a link, emphasis, code) is nothing, as in the browser, so an excerpt reads "Syria’s"
/// where the body has an auto-link before the apostrophe, not "Syria ’s". Our own HTML only
/// escapes `& < > " '`, so those are the entities to decode.
pub fn plain_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let tag = &rest[open + 1..];
        let Some(close) = tag.find('>') else {
            rest = "";
            break;
        };
        let name = tag
            .trim_start_matches('/')
            .split(|c: char| c.is_ascii_whitespace() || c == '/' || c == '>')
            .next()
            .unwrap_or_default();
        // What follows a citation or an index (`</sup>`) is a space or punctuation.
        let ends_sup = tag.starts_with('/')
            && (name.eq_ignore_ascii_case("sup") || name.eq_ignore_ascii_case("sub"));
        if !is_inline(name) && !ends_sup {
            out.push(' ');
        }
        rest = &tag[close + 1..];
    }
    out.push_str(rest);
    let decoded = out
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether the element `name` sits inside a line of text, so that its tags do not end a word.
/// `sup` and `sub` are not: a citation (`Lavrov<sup>¶17</sup>`) or a footnote's number is
/// not part of the word before it.
fn is_inline(name: &str) -> bool {
    const INLINE: [&str; 22] = [
        "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "del", "dfn", "em", "i", "ins",
        "kbd", "mark", "q", "s", "samp", "small", "span", "strong", "u",
    ];
    INLINE.iter().any(|n| n.eq_ignore_ascii_case(name))
}

fn rel_url(path: &str) -> String {
    path.trim_start_matches('/').to_string()
}

/// Every record of the site, in a stable order.
pub fn records(site: &Site, bodies: &[Rendered], section_bodies: &[Rendered]) -> Vec<Record> {
    let mut out = Vec::new();
    for (id, p) in site.pages.iter().enumerate() {
        if let PageKind::Source(s) = &p.kind {
            for para in &s.paragraphs {
                let mut text = vec![para.original.clone()];
                text.extend(para.translation.clone());
                out.push(Record {
                    url: format!("{}#p{}", rel_url(&p.doc.path), para.n),
                    title: format!("¶{} · {}", para.n, p.doc.title),
                    kind: "source paragraph",
                    content: text.join(" "),
                });
            }
        }
        out.push(page_record(site, id, &bodies[id]));
    }
    for (id, body) in section_bodies.iter().enumerate() {
        out.extend(section_record(site, id, body));
    }
    if let Some(timeline) = site.sections.iter().find(|s| s.folder == "timeline") {
        for (e, id) in site.events.iter().zip(event_ids(&site.events)) {
            let mut content = vec![e.summary.clone(), e.date.label.clone()];
            content.extend(e.as_stated.clone());
            content.extend(e.actors.iter().map(|&a| site.pages[a].doc.title.clone()));
            content.extend(e.place.map(|p| site.pages[p].doc.title.clone()));
            out.push(Record {
                url: format!("{}#{id}", rel_url(&timeline.doc.path)),
                title: format!("{}: {}", e.date.label, e.summary),
                kind: "event",
                content: content.join(" "),
            });
        }
    }
    out
}

/// The record of page `id` itself (a source's paragraphs have their own).
pub fn page_record(site: &Site, id: PageId, body: &Rendered) -> Record {
    let p = &site.pages[id];
    let mut content = vec![p.doc.title.clone()];
    content.extend(p.doc.summary.clone());
    let kind = match &p.kind {
        PageKind::Actor(a) => {
            content.extend(a.aliases.iter().cloned());
            content.extend(a.spellings.iter().cloned());
            content.extend(a.role.clone());
            "actor"
        }
        PageKind::Location(l) => {
            content.extend(l.aliases.iter().cloned());
            content.extend(l.spellings.iter().cloned());
            "location"
        }
        PageKind::Talk(t) => {
            content.extend(t.outcome.clone());
            for q in &t.quotes {
                content.push(q.original.clone());
                content.push(q.translation.clone());
            }
            "talk"
        }
        PageKind::Source(_) | PageKind::Plain { .. } => "page",
    };
    content.push(body.with_html(plain_text));
    Record {
        url: rel_url(&p.doc.path),
        title: p.doc.title.clone(),
        kind,
        content: content.join(" "),
    }
}

/// The record of section `id`, if its body has any text.
pub fn section_record(site: &Site, id: SectionId, body: &Rendered) -> Option<Record> {
    let s = &site.sections[id];
    let text = body.with_html(plain_text);
    (!text.is_empty()).then(|| Record {
        url: rel_url(&s.doc.path),
        title: s.doc.title.clone(),
        kind: "page",
        content: format!("{} {text}", s.doc.title),
    })
}

/// The stable ids of the events on the timeline page (`event-2016-09-04-kerry-meets-lavrov`),
/// in timeline order: the date and the start of the summary, made unique.
pub fn event_ids(events: &[crate::model::Event]) -> Vec<String> {
    // The slugs in parallel; then, in order, a number for each one already taken.
    use rayon::prelude::*;
    let bases: Vec<String> = events
        .par_iter()
        .map(|e| {
            let words: String = e
                .summary
                .split_whitespace()
                .take(8)
                .collect::<Vec<_>>()
                .join(" ");
            format!("event-{}-{}", e.date.start.iso(), slug::slugify(words))
        })
        .collect();
    let mut seen = std::collections::HashSet::new();
    bases
        .into_iter()
        .map(|base| {
            let mut id = base.clone();
            let mut n = 2;
            while !seen.insert(id.clone()) {
                id = format!("{base}-{n}");
                n += 1;
            }
            id
        })
        .collect()
}

/// A record's text as Pagefind's content, which is HTML: Pagefind makes a result's excerpt
/// by wrapping the matched words of the content in `<mark>` without escaping anything, and
/// its UI (like most) inserts the excerpt with `innerHTML`. So `<` is escaped, and `&` where
/// it could start a character reference; a lone `&` or `>` is text in HTML as it is, and
/// left alone so the index does not gain words such as `amp` or `gt`.
///
/// Pagefind splits a word into parts only at ASCII punctuation, so a dash or a curly
/// apostrophe between two letters or digits becomes its ASCII form: "Syrian–Turkish" is
/// indexed as itself and as "Syrian" and "Turkish", "d’Alep" as "Alep". The excerpt shows
/// "Syrian-Turkish"; with the en dash, "Turkish" did not find the pages that say it only
/// there.
pub fn pagefind_content(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut after_word = false;
    while let Some(c) = chars.next() {
        let before_word = chars.peek().is_some_and(|n| n.is_alphanumeric());
        match c {
            '<' => out.push_str("&lt;"),
            '&' if chars
                .peek()
                .is_some_and(|n| n.is_ascii_alphanumeric() || *n == '#') =>
            {
                out.push_str("&amp;")
            }
            '\u{2010}' | '\u{2011}' | '\u{2013}' | '\u{2014}' if after_word && before_word => {
                out.push('-')
            }
            '\u{2018}' | '\u{2019}' | '\u{02BC}' if after_word && before_word => out.push('\''),
            c => out.push(c),
        }
        after_word = c.is_alphanumeric();
    }
    out
}

/// At most this many records in one part of the index on average, by default (site.toml's
/// `search_shard_size`; [`part_count`]). Pagefind
/// holds about 130 KiB per record while it builds an index (BENCHMARKS.md), and its intake
/// looks for each record's URL among all the records before it, so one index of 150,000
/// records (100,000 pages) ran out of 24 GiB. Parts are built one a core and at most four
/// at once ([`part_jobs`]), and the search script merges them in the browser (Pagefind's
/// `mergeIndex`). At 5,000, a 10,000-page site (15,400 records) has four parts, two built
/// at a time on two cores: as fast as two parts of 7,700 at a time, for the memory of one
/// of them (BENCHMARKS.md, thirteenth pass).
pub const SHARD_SIZE: usize = 5_000;

/// The file of the bundle that lists its other parts (`["shard-2/", …]`, relative to the
/// bundle), for the search script to merge; `[]` when the index is in one part.
pub const SHARDS_FILE: &str = "dossier-shards.json";

/// The records of each part of the index, each record in the part a digest of its URL picks
/// ([`part_of`]), so that a record stays in its part when others are added or removed; parts
/// left empty are dropped. At least one part, even without records.
fn part_members(records: &[Record], shard_size: usize) -> Vec<Vec<usize>> {
    let parts = part_count(records.len(), shard_size);
    let mut members = vec![Vec::new(); parts];
    for (i, r) in records.iter().enumerate() {
        members[part_of(&r.url, parts)].push(i);
    }
    if records.is_empty() {
        return members;
    }
    members.retain(|m| !m.is_empty());
    members
}

/// How many parts an index of `records` records is built in: the fewest that hold at most
/// `shard_size` records each on average, rounded up to a power of two. So the number of
/// parts changes only when the records cross `shard_size` times a power of two (5,000,
/// 10,000, 20,000, … by default), not at every multiple of `shard_size`: a change to the
/// number of parts moves records between all of them, and so builds every part again.
/// The price is parts of between half and all of `shard_size` records on average: up to
/// twice as many parts as the fewest.
fn part_count(records: usize, shard_size: usize) -> usize {
    records
        .div_ceil(shard_size.max(1))
        .max(1)
        .next_power_of_two()
}

/// The part of `parts` that a record with `url` is in: 64-bit FNV-1a of the URL's bytes,
/// mixed by MurmurHash3's finalizer, modulo `parts`; the same on every machine and in every
/// release. FNV-1a alone spreads URLs that differ in one character badly over a power of
/// two of parts ([`part_count`]): its low `k` bits depend only on the low `k` bits of each
/// byte, and a byte near the end barely reaches its high bits.
fn part_of(url: &str, parts: usize) -> usize {
    let mut h = fnv1a(url.as_bytes());
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^= h >> 33;
    // `parts` is at least 1 and fits in a u64; the remainder is below it.
    (h % parts.max(1) as u64) as usize
}

/// 64-bit FNV-1a.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The folder of each of `parts` parts inside the bundle, as `dossier-shards.json` lists
/// them: `""` for the first (the bundle itself), `"shard-2/"`, ….
fn part_folders(parts: usize) -> Vec<String> {
    (0..parts.max(1))
        .map(|k| match k {
            0 => String::new(),
            _ => format!("shard-{}/", k + 1),
        })
        .collect()
}

/// An index made by [`index_unless`], and how.
#[derive(Debug)]
pub struct Built {
    /// The files of `pagefind/`, sorted by path.
    pub files: Vec<OutputFile>,
    /// [`KEPT_MANIFEST`]: what the next build into the same output reads to keep parts.
    pub manifest: OutputFile,
    /// How many parts the index has.
    pub parts: usize,
    /// How many of them were read back from the earlier index.
    pub kept: usize,
    /// How many of the others were built at once.
    pub jobs: usize,
    /// The fewest and the most records in one part, for `--timings`: what to weigh when
    /// setting `search_shard_size`.
    pub part_records: (usize, usize),
}

impl Built {
    /// Whether every part was read back, none built.
    pub fn all_kept(&self) -> bool {
        self.kept == self.parts
    }

    /// How the index was made, for `--timings`.
    pub fn how(&self) -> String {
        let Built {
            parts,
            kept,
            jobs,
            part_records: (fewest, most),
            ..
        } = *self;
        if self.all_kept() {
            return match parts {
                1 => "the last build's index, read back: its records are the same".into(),
                n => format!(
                    "the last build's index, read back: the records of its {n} parts are the same"
                ),
            };
        }
        let records = match (fewest, most) {
            (1, 1) => "1 record".to_string(),
            (a, b) if a == b => format!("{a} records"),
            (a, b) => format!("{a} to {b} records"),
        };
        let parts = match (parts, kept) {
            (1, _) => format!("in one part of {records}"),
            (n, 0) => format!("in {n} parts of {records}, {jobs} at a time"),
            (n, k) => format!(
                "in {n} parts of {records}: {} built, {jobs} at a time; {k} read back, their \
                 records the same",
                n - k
            ),
        };
        format!("on its own thread, beside context, templates and links, {parts}")
    }
}

/// Builds the index into memory from `records`: the files of `pagefind/`, in parts of at
/// most `shard_size` records on average ([`part_count`]), and the manifest of its parts.
/// Given up (`Ok(None)`) as soon as `stop` is set between two records: `build` makes the
/// index beside the templates and stops it when they fail, so a failed build does not wait
/// for an index it will not write.
///
/// With several parts, a record goes to the part a digest of its URL picks
/// ([`part_members`]): every part holds a like mix of kinds and lengths, so Pagefind's
/// scores (which each part computes from its own records) compare across parts of thousands
/// of records (not of tens: BENCHMARKS.md, eighteenth pass), and a record added or removed
/// changes its own part only. The first part is the whole bundle, scripts and WebAssembly
/// included; the others hold only what a merged index loads.
///
/// Each part depends only on its own records, so a part whose records are those of the
/// same part of the `earlier` index (the last build's output, or the index `serve` serves)
/// is read back from there instead of built ([`kept_parts`]): after one page is edited, one
/// part is built again.
///
/// The other parts are built at the same time, one a core ([`part_jobs`]): Pagefind takes
/// the records of one index one after the other, so a single part keeps a single core busy.
/// The files are the same however many run at once.
pub fn index_unless(
    records: &[Record],
    language: &str,
    shard_size: usize,
    earlier: Option<&Earlier>,
    stop: &AtomicBool,
) -> Result<Option<Built>, Diagnostic> {
    let members = part_members(records, shard_size);
    let folders = part_folders(members.len());
    let keys = part_keys(records, language, &members);
    let mut parts = match earlier {
        Some(earlier) => kept_parts(earlier, &keys, &folders),
        None => keys.iter().map(|_| None).collect(),
    };
    let kept = parts.iter().filter(|p| p.is_some()).count();
    let todo: Vec<usize> = (0..parts.len()).filter(|&k| parts[k].is_none()).collect();
    let jobs = part_jobs(todo.len(), cores());
    let Some(made) = index_in_parts(records, language, &members, &todo, jobs, stop)? else {
        return Ok(None);
    };
    for (&k, files) in todo.iter().zip(made) {
        parts[k] = Some(digested(files));
    }
    let parts: Vec<Vec<Digested>> = parts.into_iter().map(Option::unwrap_or_default).collect();
    let manifest = kept_manifest(&keys, &parts);
    let mut files: Vec<OutputFile> = parts.into_iter().flatten().map(|(_, f)| f).collect();
    files.push(OutputFile {
        path: format!("{BUNDLE_DIR}/{SHARDS_FILE}"),
        bytes: serde_json::to_vec(&folders[1..]).map_err(|e| index_failed(&e))?,
    });
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let sizes = members.iter().map(Vec::len);
    Ok(Some(Built {
        files,
        manifest,
        parts: folders.len(),
        kept,
        jobs,
        part_records: (sizes.clone().min().unwrap_or(0), sizes.max().unwrap_or(0)),
    }))
}

/// The cores this process may use (one if the system cannot say).
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The parts `todo` of the index whose parts hold `members`, built `jobs` at a time: each
/// part's files, in the order of `todo`.
fn index_in_parts(
    records: &[Record],
    language: &str,
    members: &[Vec<usize>],
    todo: &[usize],
    jobs: usize,
    stop: &AtomicBool,
) -> Result<Option<Vec<Vec<OutputFile>>>, Diagnostic> {
    let folders = part_folders(members.len());
    let folders = &folders;
    let next = AtomicUsize::new(0);
    // Set when a part fails, so that the other parts give up too.
    let failed = AtomicBool::new(false);
    let mut parts: Vec<(usize, PartResult)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..jobs)
            .map(|_| {
                let (next, failed) = (&next, &failed);
                // Named, so a profile tells them apart from the stages beside them.
                std::thread::Builder::new()
                    .name("search-part".into())
                    .spawn_scoped(scope, move || {
                        let mut done = Vec::new();
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let Some(&part) = todo.get(i) else {
                                break done;
                            };
                            let give_up =
                                || stop.load(Ordering::Relaxed) || failed.load(Ordering::Relaxed);
                            let result = index_part(
                                records,
                                &members[part],
                                (part, &folders[part]),
                                language,
                                &give_up,
                            );
                            if result.is_err() {
                                failed.store(true, Ordering::Relaxed);
                            }
                            done.push((i, result));
                        }
                    })
                    // As `thread::scope`'s own `spawn` does: no thread, no index.
                    .expect("the OS starts a thread")
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    parts.sort_by_key(|(i, _)| *i);
    // A part's error is the index's, even when other parts gave up because of it.
    let parts = parts
        .into_iter()
        .map(|(_, r)| r)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(parts.into_iter().collect::<Option<Vec<_>>>())
}

/// What building one part gives: its files, or `None` when it gave up.
type PartResult = Result<Option<Vec<OutputFile>>, Diagnostic>;

/// At most this many parts of the index are built at once, however many cores there are.
/// Each part being built holds its records' word maps (about 130 KiB a record,
/// BENCHMARKS.md): four parts of 5,000 records are about 2.5 GiB, beside the rest of the
/// build. Pagefind's own word index (`build_indexes`) already uses every core.
const MAX_PART_JOBS: usize = 4;

/// How many of `parts` parts of the index are built at once on `cores` cores: one a core, at
/// most [`MAX_PART_JOBS`] and at most one a part.
fn part_jobs(parts: usize, cores: usize) -> usize {
    cores.min(MAX_PART_JOBS).min(parts).max(1)
}

fn index_failed(e: &dyn std::fmt::Display) -> Diagnostic {
    Diagnostic::error(format!("cannot build the search index: {e}"))
}

/// Part `part` of the index, in `folder`: its records (`members`, indices into `records`)
/// in a `PagefindIndex` of its own, and the files of it that are kept, in its folder.
/// `Ok(None)` when `give_up` says so between two records.
fn index_part(
    records: &[Record],
    members: &[usize],
    (part, folder): (usize, &str),
    language: &str,
    give_up: &dyn Fn() -> bool,
) -> Result<Option<Vec<OutputFile>>, Diagnostic> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| index_failed(&e))?;
    runtime.block_on(async {
        let options = PagefindServiceConfig::builder()
            .keep_index_url(true)
            .force_language(language.to_string())
            .build();
        let mut index = PagefindIndex::new(Some(options)).map_err(|e| index_failed(&e))?;
        for r in members.iter().map(|&i| &records[i]) {
            if give_up() {
                return Ok(None);
            }
            let meta = BTreeMap::from([("title".to_string(), r.title.clone())]);
            let filters = BTreeMap::from([("kind".to_string(), vec![r.kind.to_string()])]);
            index
                .add_custom_record(
                    r.url.clone(),
                    pagefind_content(&r.content),
                    language.to_string(),
                    Some(meta),
                    Some(filters),
                    None,
                )
                .await
                .map_err(|e| index_failed(&e))?;
        }
        let files = index.get_files().await.map_err(|e| index_failed(&e))?;
        // Pagefind's memory for this part goes before this thread starts another part.
        drop(index);
        let mut files: Vec<OutputFile> = files
            .into_iter()
            .filter_map(|f| {
                let name = f.filename.to_string_lossy().replace('\\', "/");
                keep_in_part(&name, part).then(|| OutputFile {
                    path: format!("{BUNDLE_DIR}/{folder}{name}"),
                    bytes: f.contents,
                })
            })
            .collect();
        // By path, so that the manifest lists them in the same order at every build.
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(Some(files))
    })
}

/// Whether a file Pagefind made for part `part` of the index is written. Pagefind's own UI
/// is not used (the theme ships its own search script). A merged part is read by the first
/// part's script and WebAssembly, so it needs only its entry, metadata, index chunks,
/// fragments and filters.
fn keep_in_part(name: &str, part: usize) -> bool {
    let ui = [
        "pagefind-ui",
        "pagefind-component-ui",
        "pagefind-modular-ui",
    ]
    .iter()
    .any(|p| name.starts_with(p));
    let data = name == "pagefind-entry.json"
        || name.ends_with(".pf_meta")
        || ["index/", "fragment/", "filter/"]
            .iter()
            .any(|d| name.starts_with(d));
    !ui && (part == 0 || data)
}

/// The file of the output that says which records each part of its index was built from, so
/// that the next build into the same folder can keep those parts instead of building them
/// again (the default theme's largest stage). Not part of Pagefind's bundle, and read by no
/// browser.
pub const KEPT_MANIFEST: &str = ".dossier-search";

/// The Pagefind release the index is built with (checked against Cargo.lock by a test): an
/// index kept from another release would differ from the one this release builds.
const PAGEFIND_VERSION: &str = "1.6.0";

/// What decides the bytes of each part of the index, whose parts hold `members`: the
/// records of the part, the language, the number of parts, the part's place and the
/// versions of dossier and Pagefind. 64-bit digests (SipHash with fixed keys): a different
/// digest only means the part is built again.
fn part_keys(records: &[Record], language: &str, members: &[Vec<usize>]) -> Vec<u64> {
    use rayon::prelude::*;
    use std::hash::{Hash, Hasher};
    members
        .par_iter()
        .enumerate()
        .map(|(k, mine)| {
            let mut h = std::hash::DefaultHasher::new();
            (env!("CARGO_PKG_VERSION"), PAGEFIND_VERSION, language).hash(&mut h);
            (members.len(), k, mine.len()).hash(&mut h);
            for r in mine.iter().map(|&i| &records[i]) {
                (&r.url, &r.title, r.kind, &r.content).hash(&mut h);
            }
            h.finish()
        })
        .collect()
}

fn digest(bytes: &[u8]) -> u64 {
    use std::hash::Hasher;
    let mut h = std::hash::DefaultHasher::new();
    h.write(bytes);
    h.finish()
}

/// A file of the index with the [`digest`] of its bytes, as the manifest lists it.
type Digested = (u64, OutputFile);

/// The files of a part just built, each with its digest. A kept part's files come with the
/// digests they were checked against ([`kept_parts`]), so no file is digested twice.
fn digested(files: Vec<OutputFile>) -> Vec<Digested> {
    use rayon::prelude::*;
    files
        .into_par_iter()
        .map(|f| (digest(&f.bytes), f))
        .collect()
}

const MANIFEST_HEADER: &str =
    "dossier search index: each part kept by the next build if its records are the same";

/// The manifest of an index whose parts have `keys` and `parts` files: for each part, its
/// key, then the digest and the path of each of its files.
fn kept_manifest(keys: &[u64], parts: &[Vec<Digested>]) -> OutputFile {
    let mut text = format!("{MANIFEST_HEADER}\n");
    for (k, (key, files)) in keys.iter().zip(parts).enumerate() {
        text.push_str(&format!("part {} key {key:016x}\n", k + 1));
        for (d, f) in files {
            text.push_str(&format!("{d:016x} {}\n", f.path));
        }
    }
    OutputFile {
        path: KEPT_MANIFEST.to_string(),
        bytes: text.into_bytes(),
    }
}

/// One part in a manifest: its key, and the digest and path of each of its files.
type ListedPart<'m> = (u64, Vec<(u64, &'m str)>);

/// A manifest's parts: each one's key and files (digest, path). `None` if any line is not
/// as [`kept_manifest`] writes it, or names a file outside the part's folder of the bundle.
fn read_manifest<'m>(manifest: &'m str, folders: &[String]) -> Option<Vec<ListedPart<'m>>> {
    let mut lines = manifest.lines();
    if lines.next()? != MANIFEST_HEADER {
        return None;
    }
    let mut parts: Vec<ListedPart> = Vec::new();
    for line in lines {
        if let Some(rest) = line.strip_prefix("part ") {
            let (n, key) = rest.split_once(" key ")?;
            if n.parse::<usize>().ok()? != parts.len() + 1 {
                return None;
            }
            parts.push((u64::from_str_radix(key, 16).ok()?, Vec::new()));
            continue;
        }
        let folder = folders.get(parts.len().checked_sub(1)?)?;
        let (_, files) = parts.last_mut()?;
        let (d, path) = line.split_once(' ')?;
        let inside = path.strip_prefix(BUNDLE_DIR)?.strip_prefix('/')?;
        let plain = std::path::Path::new(inside)
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
        // The first part is the bundle's own files; each other part is its folder.
        let in_folder = match folder.as_str() {
            "" => !inside.starts_with("shard-"),
            f => inside.strip_prefix(f).is_some_and(|rest| !rest.is_empty()),
        };
        if !(plain && in_folder && !inside.is_empty()) {
            return None;
        }
        files.push((u64::from_str_radix(d, 16).ok()?, path));
    }
    Some(parts)
}

/// An earlier index whose parts a build may keep: where its [`KEPT_MANIFEST`] and files are.
pub enum Earlier<'a> {
    /// The output dir of the last build.
    Output(&'a std::path::Path),
    /// An index served from memory (`dossier serve`): the manifest made with it, and the
    /// files served, by path.
    Memory {
        manifest: &'a [u8],
        files: &'a std::collections::HashMap<String, std::sync::Arc<[u8]>>,
    },
}

impl Earlier<'_> {
    fn manifest(&self) -> Option<String> {
        match self {
            Earlier::Output(out) => std::fs::read_to_string(out.join(KEPT_MANIFEST)).ok(),
            Earlier::Memory { manifest, .. } => String::from_utf8(manifest.to_vec()).ok(),
        }
    }

    fn read(&self, path: &str) -> Option<Vec<u8>> {
        match self {
            Earlier::Output(out) => std::fs::read(out.join(path)).ok(),
            Earlier::Memory { files, .. } => files.get(path).map(|b| b.to_vec()),
        }
    }
}

/// For each part of an index whose parts have `keys` and are in `folders`: its files as
/// the `earlier` index holds them, each with its digest, if its manifest gives the part the
/// same key and every file it lists for the part is there with the same bytes. `None`
/// (build it again) for anything else: no manifest, another number of parts, another key, a
/// file missing or edited.
fn kept_parts(earlier: &Earlier, keys: &[u64], folders: &[String]) -> Vec<Option<Vec<Digested>>> {
    use rayon::prelude::*;
    let none = || keys.iter().map(|_| None).collect();
    let Some(manifest) = earlier.manifest() else {
        return none();
    };
    let Some(listed) = read_manifest(&manifest, folders).filter(|l| l.len() == keys.len()) else {
        return none();
    };
    listed
        .par_iter()
        .zip(keys)
        .map(|((key, listed), want)| {
            if key != want || listed.is_empty() {
                return None;
            }
            listed
                .par_iter()
                .map(|&(d, path)| {
                    let bytes = earlier.read(path)?;
                    let file = OutputFile {
                        path: path.to_string(),
                        bytes,
                    };
                    (digest(&file.bytes) == d).then_some((d, file))
                })
                .collect::<Option<Vec<_>>>()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The files of a whole index built from nothing.
    fn index(
        records: &[Record],
        language: &str,
        shard_size: usize,
    ) -> Result<Vec<OutputFile>, Diagnostic> {
        let never = AtomicBool::new(false);
        let built = index_unless(records, language, shard_size, None, &never)?;
        Ok(built.map(|b| b.files).unwrap_or_default())
    }

    #[test]
    fn plain_text_strips_our_tags_and_entities() {
        assert_eq!(
            plain_text(
                "<p>Kerry &amp; Lavrov<sup class=\"cite\"><a href=\"x\">¶17</a></sup>, met.</p>\n<p>&lt;b&gt;</p>"
            ),
            "Kerry & Lavrov ¶17, met. <b>"
        );
        // A link's tags are nothing, a block's are a space.
        assert_eq!(
            plain_text("the <a href=\"k/\">Kerry</a>–<a href=\"l/\">Lavrov</a> meeting"),
            "the Kerry–Lavrov meeting"
        );
        assert_eq!(
            plain_text(
                "<p>Once <a class=\"xref\" href=\"s/\">Syria</a>’s <EM>economic</EM> capital"
            ),
            "Once Syria’s economic capital"
        );
        assert_eq!(
            plain_text("<ul><li>one</li><li>two<br/>three</li></ul><p>a<sub>2</sub><code>x</code>"),
            "one two three a 2x"
        );
        // A `<` that opens no tag ends the text.
        assert_eq!(plain_text("a <b>b</b> c <d"), "a b c");
    }

    #[test]
    fn pagefind_content_splits_words_at_dashes_and_apostrophes_as_pagefind_does_at_ascii() {
        assert_eq!(
            pagefind_content("the Syrian–Turkish border, Kerry—Lavrov, d’Alep, l‘x, post‐war"),
            "the Syrian-Turkish border, Kerry-Lavrov, d'Alep, l'x, post-war"
        );
        // Between words, or at a word's edge, they stay.
        assert_eq!(
            pagefind_content("Aleppo – Geneva — ’twas ‘quoted’ 1–2 –x x– é–ü"),
            "Aleppo – Geneva — ’twas ‘quoted’ 1-2 –x x– é-ü"
        );
    }

    #[test]
    fn pagefind_content_holds_no_markup() {
        assert_eq!(
            pagefind_content("<img src=x onerror=alert(1)> Kerry & Lavrov, AT&T, &lt; 3 > 2"),
            "&lt;img src=x onerror=alert(1)> Kerry & Lavrov, AT&amp;T, &amp;lt; 3 > 2"
        );
        assert_eq!(pagefind_content("&#106;"), "&amp;#106;");
    }

    #[test]
    fn the_index_holds_every_record() {
        let records = vec![Record {
            url: "actors/x/".into(),
            title: "X".into(),
            kind: "actor",
            content: "Sergueï Lavrov".into(),
        }];
        let files = index(&records, "en", SHARD_SIZE).unwrap();
        let names: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert!(names.contains(&"pagefind/pagefind.js"), "{names:?}");
        assert!(names.contains(&"pagefind/pagefind-entry.json"));
        assert!(names.iter().any(|n| n.ends_with(".pf_fragment")));
        assert!(!names.iter().any(|n| n.contains("pagefind-ui")));
        let shards = files
            .iter()
            .find(|f| f.path == "pagefind/dossier-shards.json");
        assert_eq!(shards.map(|f| f.bytes.as_slice()), Some(&b"[]"[..]));
    }

    #[test]
    fn an_index_in_parts_holds_every_record_once() {
        // Seven records in parts of three: four parts (three rounded up to a power of two).
        // By their URLs' digests (computed apart, in Python): x0, x2 and x5 in the first, x3
        // in the second, x1, x4 and x6 in the third, none in the fourth, which is dropped.
        let records: Vec<Record> = (0..7)
            .map(|i| Record {
                url: format!("actors/x{i}/"),
                title: format!("X{i}"),
                kind: "actor",
                content: format!("Lavrov{i} Kerry"),
            })
            .collect();
        let files = index(&records, "en", 3).unwrap();
        let file = |p: &str| files.iter().find(|f| f.path == p);
        assert_eq!(
            file("pagefind/dossier-shards.json").map(|f| f.bytes.as_slice()),
            Some(&br#"["shard-2/","shard-3/"]"#[..])
        );
        let fragments = |dir: &str| {
            files
                .iter()
                .filter(|f| {
                    f.path.ends_with(".pf_fragment")
                        && f.path
                            .strip_prefix(dir)
                            .is_some_and(|r| r.starts_with("/fragment/"))
                })
                .count()
        };
        assert_eq!(
            [
                fragments("pagefind"),
                fragments("pagefind/shard-2"),
                fragments("pagefind/shard-3")
            ],
            [3, 1, 3]
        );
        // A merged part has the data a merged index loads, and no second copy of the scripts
        // or the WebAssembly.
        for dir in ["pagefind/shard-2", "pagefind/shard-3"] {
            assert!(
                file(&format!("{dir}/pagefind-entry.json")).is_some(),
                "{dir}"
            );
            assert!(
                files
                    .iter()
                    .any(|f| f.path.starts_with(dir) && f.path.ends_with(".pf_meta"))
            );
            assert!(
                files
                    .iter()
                    .any(|f| f.path.starts_with(&format!("{dir}/index/")))
            );
            assert!(
                files
                    .iter()
                    .any(|f| f.path.starts_with(&format!("{dir}/filter/")))
            );
            assert!(!files.iter().any(|f| f.path.starts_with(dir)
                && (f.path.ends_with(".js") || f.path.contains("/wasm."))));
        }
        assert!(file("pagefind/pagefind.js").is_some());
    }

    #[test]
    fn the_pagefind_version_is_the_one_cargo_lock_builds() {
        let lock = include_str!("../Cargo.lock");
        let version = lock
            .split("\n[[package]]\n")
            .find_map(|p| p.strip_prefix("name = \"pagefind\"\nversion = \""))
            .and_then(|rest| rest.split('"').next());
        assert_eq!(version, Some(PAGEFIND_VERSION));
    }

    /// Nine records of unlike lengths, so that parts of them differ.
    fn nine_records() -> Vec<Record> {
        (0..9)
            .map(|i| Record {
                url: format!("talks/t{i}/"),
                title: format!("T{i}"),
                kind: if i % 2 == 0 { "talk" } else { "event" },
                content: "Lavrov Kerry Genève ".repeat(i + 1) + &format!("mot{i}"),
            })
            .collect()
    }

    #[test]
    fn a_record_is_in_the_part_a_digest_of_its_url_picks() {
        // FNV-1a 64's published test vectors.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
        // The empty URL's digest mixed by MurmurHash3's finalizer (computed apart, in
        // Python), below `usize::MAX`.
        assert_eq!(part_of("", usize::MAX) as u64, 17_280_346_270_528_514_342);
        // Nine records in parts of three: four parts (computed apart).
        let records = nine_records();
        assert_eq!(
            part_members(&records, 3),
            [vec![2, 8], vec![3], vec![0, 6, 7], vec![1, 4, 5]]
        );
        // In two parts, t4 is with the odd ones and t7 with the even ones: not by the parity
        // of their last digit, as by FNV-1a alone (t0, t2, t4, t6 and t8 in one part).
        assert_eq!(
            part_members(&records, 5),
            [vec![0, 2, 6, 7, 8], vec![1, 3, 4, 5]]
        );
        // In four parts, t2 and t8 in the first, t4 and t6 in the third, t0 in the fourth: a
        // part left empty is dropped.
        let even: Vec<Record> = records.iter().step_by(2).cloned().collect();
        assert_eq!(part_members(&even, 2), [vec![1, 4], vec![0, 3], vec![2]]);
        assert_eq!(part_members(&even[..2], 1), [vec![0, 1]]);
        assert_eq!(part_members(&[], 3), [Vec::<usize>::new()]);
    }

    #[test]
    fn the_number_of_parts_changes_only_at_a_power_of_two() {
        assert_eq!(part_count(0, 3), 1);
        assert_eq!(part_count(3, 3), 1);
        assert_eq!(part_count(4, 3), 2);
        assert_eq!(part_count(6, 3), 2);
        // 7 to 12 records in parts of three: three or four such parts, four parts either way.
        assert_eq!(part_count(7, 3), 4);
        assert_eq!(part_count(12, 3), 4);
        assert_eq!(part_count(13, 3), 8);
        // The generated 10,000-page default site (15,354 records), a 100,000-page one (about
        // 150,000), and just past four parts of 5,000.
        assert_eq!(part_count(15_354, SHARD_SIZE), 4);
        assert_eq!(part_count(150_000, SHARD_SIZE), 32);
        assert_eq!(part_count(20_001, SHARD_SIZE), 8);
        assert_eq!(part_count(1, 0), 1);
    }

    #[test]
    fn a_part_key_changes_with_the_records_of_its_part_only() {
        let records = nine_records();
        let members = part_members(&records, 3);
        assert_eq!(members.len(), 4);
        let keys = part_keys(&records, "en", &members);
        assert_eq!(keys, part_keys(&records, "en", &members));
        // Record 4 is in the fourth part.
        let mut edited = records.clone();
        edited[4].content.push_str(" encore");
        let after = part_keys(&edited, "en", &members);
        assert_eq!(&after[..3], &keys[..3]);
        assert_ne!(after[3], keys[3]);
        for change in [
            |r: &mut Record| r.title.push('x'),
            |r: &mut Record| r.kind = "actor",
            |r: &mut Record| r.content.clear(),
        ] {
            let mut edited = records.clone();
            change(&mut edited[4]);
            assert_ne!(part_keys(&edited, "en", &members)[3], keys[3]);
        }
        // A record added in the middle (talks/new/, in the fourth part) changes its own part
        // only: the records after it keep theirs. Ten records are more than three parts of
        // three, and still four parts.
        let mut more = records.clone();
        more.insert(
            3,
            Record {
                url: "talks/new/".into(),
                title: "New".into(),
                kind: "talk",
                content: "Lavrov".into(),
            },
        );
        let more_members = part_members(&more, 3);
        assert_eq!(more_members.len(), 4);
        let after = part_keys(&more, "en", &more_members);
        assert_eq!(&after[..3], &keys[..3]);
        assert_ne!(after[3], keys[3]);
        // Another language, or another number of parts: every part.
        let french = part_keys(&records, "fr", &members);
        assert!(french.iter().zip(&keys).all(|(f, e)| f != e));
        let two = part_keys(&records, "en", &part_members(&records, 5));
        assert!(two.iter().all(|k| !keys.contains(k)));
    }

    /// Writes `built`'s files and manifest into `out`, as a build would.
    fn write_out(out: &std::path::Path, built: &Built) {
        for f in built.files.iter().chain([&built.manifest]) {
            let path = out.join(&f.path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, &f.bytes).unwrap();
        }
    }

    #[test]
    fn an_index_with_parts_kept_is_the_index_built_whole() {
        let out = tempfile::tempdir().unwrap();
        let never = AtomicBool::new(false);
        let build = |records: &[Record], previous: Option<&std::path::Path>| {
            let earlier = previous.map(Earlier::Output);
            index_unless(records, "en", 3, earlier.as_ref(), &never)
                .unwrap()
                .unwrap()
        };
        let records = nine_records();
        let first = build(&records, None);
        assert_eq!((first.parts, first.kept), (4, 0));
        // Parts of 2, 1, 3 and 3 records (`part_members`, above).
        assert_eq!(first.part_records, (1, 3));
        write_out(out.path(), &first);
        // Nothing changed: every part read back.
        let again = build(&records, Some(out.path()));
        assert_eq!(again.kept, 4);
        assert!(again.all_kept());
        assert!(again.files == first.files && again.manifest == first.manifest);
        // Record 4 (in the fourth part) edited: the other three read back, the same as
        // built whole.
        let mut edited = records.clone();
        edited[4].content.push_str(" zanzibar");
        let kept = build(&edited, Some(out.path()));
        let whole = build(&edited, None);
        assert_eq!(kept.kept, 3);
        assert!(kept.how().contains("1 built"), "{}", kept.how());
        assert!(
            kept.files == whole.files,
            "the same files as an index built whole"
        );
        assert!(kept.manifest == whole.manifest);
        assert!(kept.files != first.files);
        // A file of the second part edited by hand: that part is built again, and is as it
        // was.
        write_out(out.path(), &kept);
        let part_2 = kept
            .files
            .iter()
            .find(|f| f.path.starts_with("pagefind/shard-2/fragment/"))
            .unwrap();
        std::fs::write(out.path().join(&part_2.path), b"edited").unwrap();
        let mended = build(&edited, Some(out.path()));
        assert_eq!(mended.kept, 3);
        assert!(mended.files == whole.files);
        // A record added (talks/new/, in the fourth part): ten records are more than three
        // parts of three, and still four parts, so the other three are read back.
        write_out(out.path(), &mended);
        let mut more = edited.clone();
        more.push(Record {
            url: "talks/new/".into(),
            title: "New".into(),
            kind: "talk",
            content: "Lavrov".into(),
        });
        let grown = build(&more, Some(out.path()));
        assert_eq!((grown.parts, grown.kept), (4, 3));
        assert!(grown.files == build(&more, None).files);
        // No manifest, or one for another number of parts: every part built.
        write_out(out.path(), &mended);
        let two_parts = index_unless(&edited, "en", 5, Some(&Earlier::Output(out.path())), &never)
            .unwrap()
            .unwrap();
        assert_eq!((two_parts.parts, two_parts.kept), (2, 0));
        std::fs::remove_file(out.path().join(KEPT_MANIFEST)).unwrap();
        assert_eq!(build(&edited, Some(out.path())).kept, 0);
    }

    #[test]
    fn an_index_served_from_memory_keeps_its_parts_too() {
        let never = AtomicBool::new(false);
        let records = nine_records();
        let first = index_unless(&records, "en", 3, None, &never)
            .unwrap()
            .unwrap();
        let served = |built: &Built| -> std::collections::HashMap<String, std::sync::Arc<[u8]>> {
            built
                .files
                .iter()
                .map(|f| (f.path.clone(), std::sync::Arc::from(f.bytes.as_slice())))
                .collect()
        };
        let mut files = served(&first);
        let mut edited = records.clone();
        edited[4].content.push_str(" zanzibar");
        let memory = Earlier::Memory {
            manifest: &first.manifest.bytes,
            files: &files,
        };
        let kept = index_unless(&edited, "en", 3, Some(&memory), &never)
            .unwrap()
            .unwrap();
        let whole = index_unless(&edited, "en", 3, None, &never)
            .unwrap()
            .unwrap();
        assert_eq!(kept.kept, 3);
        assert!(kept.files == whole.files && kept.manifest == whole.manifest);
        // A served file that is not what the manifest says: its part is built again.
        let fragment = first
            .files
            .iter()
            .find(|f| f.path.starts_with("pagefind/fragment/"))
            .unwrap();
        files.insert(fragment.path.clone(), std::sync::Arc::from(&b"other"[..]));
        let memory = Earlier::Memory {
            manifest: &first.manifest.bytes,
            files: &files,
        };
        let mended = index_unless(&edited, "en", 3, Some(&memory), &never)
            .unwrap()
            .unwrap();
        assert_eq!(mended.kept, 2);
        assert!(mended.files == whole.files);
    }

    #[test]
    fn a_kept_part_is_read_back_only_from_inside_its_folder() {
        let out = tempfile::tempdir().unwrap();
        let folders = part_folders(2);
        assert_eq!(folders, ["", "shard-2/"]);
        let file = |path: &str| OutputFile {
            path: path.into(),
            bytes: path.as_bytes().to_vec(),
        };
        let parts = vec![
            digested(vec![file("pagefind/pagefind.js")]),
            digested(vec![file("pagefind/shard-2/pagefind-entry.json")]),
        ];
        let keys = [7, 9];
        let manifest = kept_manifest(&keys, &parts);
        let files = parts.iter().flatten().map(|(_, f)| f);
        for f in files.chain([&manifest]) {
            let path = out.path().join(&f.path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, &f.bytes).unwrap();
        }
        let some = |parts: &[Vec<Digested>]| -> Vec<Option<Vec<Digested>>> {
            parts.iter().cloned().map(Some).collect()
        };
        assert_eq!(
            kept_parts(&Earlier::Output(out.path()), &keys, &folders),
            some(&parts)
        );
        assert_eq!(
            kept_parts(&Earlier::Output(out.path()), &[7, 10], &folders),
            [Some(parts[0].clone()), None]
        );
        assert_eq!(
            kept_parts(&Earlier::Output(out.path()), &[7], &folders[..1]),
            [None]
        );
        // A manifest that names a file outside its part's folder, or outside the index, is
        // not followed at all.
        std::fs::write(out.path().join("site.toml"), "js").unwrap();
        let text = String::from_utf8(manifest.bytes).unwrap();
        for outside in [
            "pagefind/../site.toml",
            "site.toml",
            "/etc/passwd",
            "pagefind/",
            "pagefind/shard-2/pagefind-entry.json",
        ] {
            let bad = text.replace("pagefind/pagefind.js", outside);
            std::fs::write(out.path().join(KEPT_MANIFEST), bad).unwrap();
            assert_eq!(
                kept_parts(&Earlier::Output(out.path()), &keys, &folders),
                [None, None],
                "{outside}"
            );
        }
        let bad = text.replace("pagefind/shard-2/pagefind-entry.json", "pagefind/shard-3/x");
        std::fs::write(out.path().join(KEPT_MANIFEST), bad).unwrap();
        assert_eq!(
            kept_parts(&Earlier::Output(out.path()), &keys, &folders),
            [None, None]
        );
    }

    #[test]
    fn parts_built_at_once_are_the_parts_built_one_after_the_other() {
        // Nine records in six parts (eight, two of them empty).
        let records = nine_records();
        let members = part_members(&records, 2);
        assert_eq!(members.len(), 6);
        let never = AtomicBool::new(false);
        let all = [0, 1, 2, 3, 4, 5];
        let one_by_one = index_in_parts(&records, "en", &members, &all, 1, &never)
            .unwrap()
            .unwrap();
        // The parts in the order asked for, whichever thread made each.
        let some = index_in_parts(&records, "en", &members, &[3, 1], 2, &never)
            .unwrap()
            .unwrap();
        assert!(some == [one_by_one[3].clone(), one_by_one[1].clone()]);
        for jobs in [2, 3, 5] {
            let at_once = index_in_parts(&records, "en", &members, &all, jobs, &never)
                .unwrap()
                .unwrap();
            assert_eq!(
                at_once
                    .iter()
                    .flatten()
                    .map(|f| &f.path)
                    .collect::<Vec<_>>(),
                one_by_one
                    .iter()
                    .flatten()
                    .map(|f| &f.path)
                    .collect::<Vec<_>>(),
                "{jobs} at once"
            );
            assert!(
                at_once == one_by_one,
                "{jobs} at once: the same paths, other bytes"
            );
        }
    }

    #[test]
    fn timings_say_how_the_index_was_made_and_how_many_records_a_part_holds() {
        let built = |parts, kept, jobs, part_records| {
            let file = || OutputFile {
                path: String::new(),
                bytes: Vec::new(),
            };
            Built {
                files: Vec::new(),
                manifest: file(),
                parts,
                kept,
                jobs,
                part_records,
            }
            .how()
        };
        let beside = "on its own thread, beside context, templates and links, in ";
        assert_eq!(
            built(1, 0, 1, (105, 105)),
            format!("{beside}one part of 105 records")
        );
        assert_eq!(
            built(1, 0, 1, (1, 1)),
            format!("{beside}one part of 1 record")
        );
        assert_eq!(
            built(4, 0, 2, (3751, 3930)),
            format!("{beside}4 parts of 3751 to 3930 records, 2 at a time")
        );
        assert_eq!(
            built(4, 3, 1, (3751, 3930)),
            format!(
                "{beside}4 parts of 3751 to 3930 records: 1 built, 1 at a time; 3 read back, \
                 their records the same"
            )
        );
        assert_eq!(
            built(4, 4, 1, (3751, 3930)),
            "the last build's index, read back: the records of its 4 parts are the same"
        );
    }

    #[test]
    fn parts_are_built_one_a_core_and_at_most_four_at_once() {
        assert_eq!(part_jobs(1, 2), 1);
        assert_eq!(part_jobs(4, 2), 2);
        assert_eq!(part_jobs(3, 8), 3);
        assert_eq!(part_jobs(31, 8), 4);
        assert_eq!(part_jobs(31, 64), 4);
        assert_eq!(part_jobs(0, 1), 1);
    }

    #[test]
    fn a_stopped_index_gives_up() {
        let records = vec![Record {
            url: "actors/x/".into(),
            title: "X".into(),
            kind: "actor",
            content: "Lavrov".into(),
        }];
        let stop = AtomicBool::new(true);
        assert_eq!(
            index_unless(&records, "en", SHARD_SIZE, None, &stop)
                .unwrap()
                .map(|b| b.files),
            None
        );
        stop.store(false, Ordering::Relaxed);
        assert!(
            index_unless(&records, "en", SHARD_SIZE, None, &stop)
                .unwrap()
                .is_some()
        );
    }
}
