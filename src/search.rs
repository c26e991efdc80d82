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

/// The text of a body rendered by `markdown`, without tags. Our own HTML only escapes
/// `& < > " '`, so those are the entities to decode.
pub fn plain_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let decoded = out
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
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
    content.push(plain_text(&body.html));
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
    let text = plain_text(&body.html);
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
pub fn pagefind_content(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '<' => out.push_str("&lt;"),
            '&' if chars
                .peek()
                .is_some_and(|n| n.is_ascii_alphanumeric() || *n == '#') =>
            {
                out.push_str("&amp;")
            }
            c => out.push(c),
        }
    }
    out
}

/// Records in one part of the index, by default (site.toml's `search_shard_size`). Pagefind
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

/// Builds the index into memory: the files of `pagefind/`, in parts of at most `shard_size`
/// records.
pub fn index(
    records: &[Record],
    language: &str,
    shard_size: usize,
) -> Result<Vec<OutputFile>, Diagnostic> {
    let never = AtomicBool::new(false);
    index_unless(records, language, shard_size, &never).map(Option::unwrap_or_default)
}

/// How many parts `records` records make, and the folder of each inside the bundle, as
/// `dossier-shards.json` lists them: `""` for the first (the bundle itself), `"shard-2/"`, ….
fn part_folders(records: usize, shard_size: usize) -> Vec<String> {
    let parts = records.div_ceil(shard_size.max(1)).max(1);
    (0..parts)
        .map(|k| match k {
            0 => String::new(),
            _ => format!("shard-{}/", k + 1),
        })
        .collect()
}

/// [`index`], given up (`Ok(None)`) as soon as `stop` is set between two records: `build`
/// makes the index beside the templates and stops it when they fail, so a failed build does
/// not wait for an index it will not write.
///
/// With several parts, record `i` goes to part `i % parts`, so that every part holds a like
/// mix of kinds and lengths and Pagefind's scores (which each part computes from its own
/// records) compare across parts. The first part is the whole bundle, scripts and
/// WebAssembly included; the others hold only what a merged index loads.
///
/// Parts are built at the same time, one a core ([`part_jobs`]): Pagefind takes the records
/// of one index one after the other, so a single part keeps a single core busy. Each part
/// depends only on its own records, so the files are the same however many run at once.
pub fn index_unless(
    records: &[Record],
    language: &str,
    shard_size: usize,
    stop: &AtomicBool,
) -> Result<Option<Vec<OutputFile>>, Diagnostic> {
    let folders = part_folders(records.len(), shard_size);
    let jobs = part_jobs(folders.len(), cores());
    index_in_parts(records, language, &folders, jobs, stop)
}

/// How many parts an index of `records` records has, and how many of them are built at once
/// on this machine (for `--timings`).
pub fn parts_and_jobs(records: usize, shard_size: usize) -> (usize, usize) {
    let parts = part_folders(records, shard_size).len();
    (parts, part_jobs(parts, cores()))
}

/// The cores this process may use (one if the system cannot say).
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// [`index_unless`] with the parts in `folders`, built `jobs` at a time.
fn index_in_parts(
    records: &[Record],
    language: &str,
    folders: &[String],
    jobs: usize,
    stop: &AtomicBool,
) -> Result<Option<Vec<OutputFile>>, Diagnostic> {
    let next = AtomicUsize::new(0);
    // Set when a part fails, so that the other parts give up too.
    let failed = AtomicBool::new(false);
    let parts: Vec<Result<Option<Vec<OutputFile>>, Diagnostic>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..jobs)
            .map(|_| {
                let (next, failed) = (&next, &failed);
                // Named, so a profile tells them apart from the stages beside them.
                std::thread::Builder::new()
                    .name("search-part".into())
                    .spawn_scoped(scope, move || {
                        let mut done = Vec::new();
                        loop {
                            let part = next.fetch_add(1, Ordering::Relaxed);
                            if part >= folders.len() {
                                break done;
                            }
                            let give_up =
                                || stop.load(Ordering::Relaxed) || failed.load(Ordering::Relaxed);
                            let result = index_part(records, part, folders, language, &give_up);
                            if result.is_err() {
                                failed.store(true, Ordering::Relaxed);
                            }
                            done.push(result);
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
    // A part's error is the index's, even when other parts gave up because of it.
    let parts = parts.into_iter().collect::<Result<Vec<_>, _>>()?;
    let Some(parts) = parts.into_iter().collect::<Option<Vec<_>>>() else {
        return Ok(None);
    };
    let mut out: Vec<OutputFile> = parts.into_iter().flatten().collect();
    out.push(OutputFile {
        path: format!("{BUNDLE_DIR}/{SHARDS_FILE}"),
        bytes: serde_json::to_vec(&folders[1..]).map_err(|e| index_failed(&e))?,
    });
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Some(out))
}

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

/// Part `part` of the index: its records (every `folders.len()`th from `part` on) in a
/// `PagefindIndex` of its own, and the files of it that are kept, in its folder. `Ok(None)`
/// when `give_up` says so between two records.
fn index_part(
    records: &[Record],
    part: usize,
    folders: &[String],
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
        for r in records.iter().skip(part).step_by(folders.len()) {
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
        let folder = &folders[part];
        Ok(Some(
            files
                .into_iter()
                .filter_map(|f| {
                    let name = f.filename.to_string_lossy().replace('\\', "/");
                    keep_in_part(&name, part).then(|| OutputFile {
                        path: format!("{BUNDLE_DIR}/{folder}{name}"),
                        bytes: f.contents,
                    })
                })
                .collect(),
        ))
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

/// The file of the output that says which records its index was built from, so that the
/// next build into the same folder can keep the index instead of building it again (the
/// default theme's largest stage). Not part of Pagefind's bundle, and read by no browser.
pub const KEPT_MANIFEST: &str = ".dossier-search";

/// The Pagefind release the index is built with (checked against Cargo.lock by a test): an
/// index kept from another release would differ from the one this release builds.
const PAGEFIND_VERSION: &str = "1.6.0";

/// What decides the index's bytes: the records, the language, the number of parts and the
/// versions of dossier and Pagefind. A 64-bit digest (SipHash with fixed keys): a different
/// digest only means the index is built again.
pub fn index_key(records: &[Record], language: &str, shard_size: usize) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    (env!("CARGO_PKG_VERSION"), PAGEFIND_VERSION, language).hash(&mut h);
    part_folders(records.len(), shard_size).len().hash(&mut h);
    records.len().hash(&mut h);
    for r in records {
        (&r.url, &r.title, r.kind, &r.content).hash(&mut h);
    }
    h.finish()
}

fn digest(bytes: &[u8]) -> u64 {
    use std::hash::Hasher;
    let mut h = std::hash::DefaultHasher::new();
    h.write(bytes);
    h.finish()
}

/// The manifest of an index built from records with `key`: the key, then a digest and the
/// path of every file of the index.
pub fn kept_manifest(key: u64, files: &[OutputFile]) -> OutputFile {
    let mut text = format!(
        "dossier search index: kept by the next build if its records are the same\nkey {key:016x}\n"
    );
    for f in files {
        text.push_str(&format!("{:016x} {}\n", digest(&f.bytes), f.path));
    }
    OutputFile {
        path: KEPT_MANIFEST.to_string(),
        bytes: text.into_bytes(),
    }
}

/// The index that an earlier build wrote into `out` from records with `key`, read back, if
/// its manifest says so and every file it lists is there with the same bytes. `None` (build
/// it again) for anything else: no manifest, another key, a file missing or edited.
pub fn kept_index(out: &std::path::Path, key: u64) -> Option<Vec<OutputFile>> {
    let manifest = std::fs::read_to_string(out.join(KEPT_MANIFEST)).ok()?;
    let mut lines = manifest.lines();
    lines.next()?;
    if lines.next()? != format!("key {key:016x}") {
        return None;
    }
    let listed: Vec<(u64, &str)> = lines
        .map(|l| {
            let (d, path) = l.split_once(' ')?;
            let inside = path.strip_prefix(BUNDLE_DIR)?.strip_prefix('/')?;
            let plain = std::path::Path::new(inside)
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_)));
            (plain && !inside.is_empty()).then_some((u64::from_str_radix(d, 16).ok()?, path))
        })
        .collect::<Option<_>>()?;
    use rayon::prelude::*;
    let files: Vec<OutputFile> = listed
        .par_iter()
        .map(|&(d, path)| {
            let bytes = std::fs::read(out.join(path)).ok()?;
            (digest(&bytes) == d).then(|| OutputFile {
                path: path.to_string(),
                bytes,
            })
        })
        .collect::<Option<_>>()?;
    (!files.is_empty()).then_some(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_strips_our_tags_and_entities() {
        assert_eq!(
            plain_text(
                "<p>Kerry &amp; Lavrov<sup class=\"cite\"><a href=\"x\">¶17</a></sup> met.</p>\n<p>&lt;b&gt;</p>"
            ),
            "Kerry & Lavrov ¶17 met. <b>"
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
        // Seven records in parts of at most three: three parts, records 0, 3, 6 in the
        // first, 1, 4 in the second, 2, 5 in the third.
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
            [3, 2, 2]
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
        assert_ne!(index_key(&records, "en", 3), index_key(&records, "en", 7));
        assert_eq!(index_key(&records, "en", 7), index_key(&records, "en", 100));
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

    #[test]
    fn a_kept_index_is_read_back_only_from_inside_its_folder() {
        let out = tempfile::tempdir().unwrap();
        let records = vec![Record {
            url: "actors/x/".into(),
            title: "X".into(),
            kind: "actor",
            content: "Lavrov".into(),
        }];
        let key = index_key(&records, "en", SHARD_SIZE);
        assert_ne!(key, index_key(&records, "fr", SHARD_SIZE));
        let files = vec![OutputFile {
            path: "pagefind/pagefind.js".into(),
            bytes: b"js".to_vec(),
        }];
        let manifest = kept_manifest(key, &files);
        std::fs::create_dir_all(out.path().join("pagefind")).unwrap();
        std::fs::write(out.path().join("pagefind/pagefind.js"), "js").unwrap();
        std::fs::write(out.path().join(KEPT_MANIFEST), &manifest.bytes).unwrap();
        assert_eq!(kept_index(out.path(), key), Some(files));
        assert_eq!(kept_index(out.path(), key ^ 1), None);
        // A manifest that names a file outside the index is not followed.
        std::fs::write(out.path().join("site.toml"), "js").unwrap();
        let text = String::from_utf8(manifest.bytes).unwrap();
        for outside in [
            "pagefind/../site.toml",
            "site.toml",
            "/etc/passwd",
            "pagefind/",
        ] {
            let bad = text.replace("pagefind/pagefind.js", outside);
            std::fs::write(out.path().join(KEPT_MANIFEST), bad).unwrap();
            assert_eq!(kept_index(out.path(), key), None, "{outside}");
        }
    }

    #[test]
    fn parts_built_at_once_are_the_parts_built_one_after_the_other() {
        // Nine records in five parts, of unlike lengths so that the parts differ.
        let records: Vec<Record> = (0..9)
            .map(|i| Record {
                url: format!("talks/t{i}/"),
                title: format!("T{i}"),
                kind: if i % 2 == 0 { "talk" } else { "event" },
                content: "Lavrov Kerry Genève ".repeat(i + 1) + &format!("mot{i}"),
            })
            .collect();
        let folders = part_folders(records.len(), 2);
        assert_eq!(folders.len(), 5);
        let never = AtomicBool::new(false);
        let one_by_one = index_in_parts(&records, "en", &folders, 1, &never)
            .unwrap()
            .unwrap();
        for jobs in [2, 3, 5] {
            let at_once = index_in_parts(&records, "en", &folders, jobs, &never)
                .unwrap()
                .unwrap();
            assert_eq!(
                at_once.iter().map(|f| &f.path).collect::<Vec<_>>(),
                one_by_one.iter().map(|f| &f.path).collect::<Vec<_>>(),
                "{jobs} at once"
            );
            assert!(
                at_once == one_by_one,
                "{jobs} at once: the same paths, other bytes"
            );
        }
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
            index_unless(&records, "en", SHARD_SIZE, &stop).unwrap(),
            None
        );
        stop.store(false, Ordering::Relaxed);
        assert!(
            index_unless(&records, "en", SHARD_SIZE, &stop)
                .unwrap()
                .is_some()
        );
    }
}
