//! The pipeline: config → load → model → Markdown → context → templates, all in memory, then
//! (for `build`) write. `check` is the same pipeline without the write.
//!
//! All diagnostics of a run are collected; nothing is written if any of them is an error.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::config::{self, Config, Overrides};
use crate::diagnostics::{self, Diagnostic};
use crate::markdown::{self, Linker, Rendered};
use crate::model::{self, ModelOptions, PageId, Site, Target};
use crate::render::{self, OutputFile};
use crate::write::{self, WriteOptions, WriteReport};
use crate::{context, guard, links, lint, load, publish, search, unchanged};

/// Everything a run needs to know, resolved from the command line before any work starts.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    pub root: PathBuf,
    /// Overrides site.toml's `output_dir`; relative to the working directory.
    pub output_dir: Option<PathBuf>,
    pub base_url: Option<String>,
    pub drafts: bool,
    pub force: bool,
    /// Leave the search index out of `files` and return its records in `Built::search`
    /// instead, for a caller that builds the index later (`serve`, between keystrokes).
    pub defer_search: bool,
    /// The stage the build is in (an index into [`STAGES`]), for a progress display.
    pub progress: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    /// Return the intermediate values in `Built::state`, for incremental rebuilds.
    pub keep_state: bool,
    /// Keep the search index already in the output dir when its records did not change
    /// (`build` sets it; a `check` writes nothing, so has nothing to keep).
    pub keep_index: bool,
    /// Scan each file for links and stage it into the output dir as soon as it is made,
    /// instead of holding the whole output until the end (`build` sets it). `Built::staging`
    /// then holds the write to commit, and `Built::files` the paths, without their bytes.
    pub stream: bool,
    /// The process ends right after this build (`dossier build` and `check` on the command
    /// line): the model, bodies and views are left for the system to reclaim at the exit
    /// rather than freed one by one, on a thread that competed with the write for the CPU
    /// (~50 ms of the write stage at 10,000 pages).
    pub exits_after: bool,
    /// Called on the search index's thread as the build starts its index: `dossier build`
    /// gives the memory it frees back to the system from then on (src/main.rs).
    pub index_starts: Option<fn()>,
}

/// The stages of a build, in order.
pub const STAGES: [&str; 9] = [
    "loading",
    "resolving",
    "Markdown",
    "context",
    "templates",
    "links",
    "search index",
    "writing",
    "done",
];

/// A site rendered in memory.
pub struct Built {
    pub config: Config,
    pub files: Vec<OutputFile>,
    /// Page counts by kind, for the summary line.
    pub counts: BTreeMap<String, usize>,
    pub warnings: Vec<Diagnostic>,
    /// Links to other sites, with the pages that hold them.
    pub external: links::External,
    /// With `defer_search`: the records the search index is to be built from.
    pub search: Vec<search::Record>,
    /// The stages, one after the other: they add up to the whole run.
    pub timings: Vec<Lap>,
    /// Work that ran on a thread of its own beside the stages of `timings` (the search
    /// index), so not part of their sum: its name, its time and how it ran.
    pub beside: Vec<(&'static str, Duration, String)>,
    /// With `keep_state`: what the next, incremental, rebuild starts from.
    pub state: Option<Box<State>>,
    /// With `stream`: the write, every file staged, to commit.
    pub staging: Option<write::Staging>,
}

/// The intermediate values of a successful build, kept by `serve` so that a rebuild can redo
/// only the work an edit needs (see `incremental`).
pub struct State {
    pub site: Site,
    pub bodies: Vec<Rendered>,
    pub section_bodies: Vec<Rendered>,
    pub prepared: context::Prepared,
    /// The site-wide tables of the Markdown stage.
    pub linker: markdown::LinkerParts,
    pub views: context::Views,
    pub templates: render::Templates,
    pub origins: render::Origins,
    pub links: links::LinkIndex,
    /// The templates with the site-wide values, made on the first incremental rebuild.
    pub tera: Option<tera::Tera>,
    /// The output paths of the static files.
    pub statics: std::collections::BTreeSet<String>,
}

/// The result of `build`: what was written where.
pub struct Written {
    pub built: Built,
    pub output_dir: PathBuf,
    pub report: WriteReport,
}

fn has_errors(diags: &[Diagnostic]) -> bool {
    diags.iter().any(Diagnostic::is_error)
}

fn split_errors(mut diags: Vec<Diagnostic>) -> Result<Vec<Diagnostic>, Vec<Diagnostic>> {
    diagnostics::sort(&mut diags);
    if diags.iter().any(Diagnostic::is_error) {
        Err(diags)
    } else {
        Ok(diags)
    }
}

/// A stage of a build, as `--timings` prints it.
#[derive(Debug, Clone)]
pub struct Lap {
    pub name: &'static str,
    /// Its wall time.
    pub took: Duration,
    /// The CPU time every thread of the process used meanwhile ([`cpu_time`]): over `took`,
    /// how many cores the stage kept busy (with the search index's, when it runs beside).
    pub cpu: Option<Duration>,
    /// The process's peak memory when it ended ([`peak_memory_kib`]).
    pub peak_kib: Option<u64>,
}

/// The CPU time (user and system) of every thread of the process so far, where the system
/// says: `getrusage` on Linux, `None` elsewhere.
pub fn cpu_time() -> Option<Duration> {
    #[cfg(target_os = "linux")]
    {
        let mut usage = std::mem::MaybeUninit::<libc::rusage>::uninit();
        // SAFETY: getrusage writes a whole `rusage` through the pointer, which points at
        // room for one; it is read only when the call says it succeeded.
        let usage = unsafe {
            if libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) != 0 {
                return None;
            }
            usage.assume_init()
        };
        let time = |t: libc::timeval| {
            Duration::from_secs(u64::try_from(t.tv_sec).ok()?)
                .checked_add(Duration::from_micros(u64::try_from(t.tv_usec).ok()?))
        };
        time(usage.ru_utime)?.checked_add(time(usage.ru_stime)?)
    }
    #[cfg(not(target_os = "linux"))]
    None
}

/// A point in a build: when, and how much CPU time the process had used ([`cpu_time`]).
struct Mark {
    at: Instant,
    cpu: Option<Duration>,
}

impl Mark {
    fn now() -> Mark {
        Mark {
            at: Instant::now(),
            cpu: cpu_time(),
        }
    }

    /// Stage `name`, from this mark to `end`, with the peak memory so far.
    fn lap_to(&self, name: &'static str, end: &Mark) -> Lap {
        Lap {
            name,
            took: end.at - self.at,
            cpu: end.cpu.zip(self.cpu).and_then(|(e, s)| e.checked_sub(s)),
            peak_kib: peak_memory_kib(),
        }
    }
}

/// The most memory the process has held so far (resident set, KiB), where the system says:
/// `VmHWM` of /proc/self/status on Linux, `None` elsewhere.
pub fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?;
    line.trim().strip_suffix("kB")?.trim().parse().ok()
}

/// Times the stages and reports progress.
struct Clock {
    last: Mark,
    progress: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    timings: Vec<Lap>,
    beside: Vec<(&'static str, Duration, String)>,
}

impl Clock {
    fn new(progress: &std::sync::Arc<std::sync::atomic::AtomicUsize>) -> Clock {
        Clock {
            last: Mark::now(),
            progress: progress.clone(),
            timings: Vec::new(),
            beside: Vec::new(),
        }
    }

    /// Ends stage `name` and starts the next.
    fn lap(&mut self, name: &'static str) {
        self.progress.fetch_add(1, Ordering::Relaxed);
        let now = Mark::now();
        self.timings.push(self.last.lap_to(name, &now));
        self.last = now;
    }

    /// Adds the time since the last lap to stage `name`, which was ended earlier.
    fn lap_more(&mut self, name: &'static str) {
        let now = Mark::now();
        let more = self.last.lap_to(name, &now);
        match self.timings.iter_mut().find(|l| l.name == name) {
            Some(lap) => {
                lap.took += more.took;
                lap.cpu = lap.cpu.zip(more.cpu).map(|(a, b)| a + b);
                lap.peak_kib = more.peak_kib;
            }
            None => self.timings.push(more),
        }
        self.last = now;
    }
}

/// Runs every stage but the write. `Err` holds all diagnostics, errors first.
pub fn render_site(opts: &BuildOptions) -> Result<Built, Vec<Diagnostic>> {
    let mut clock = Clock::new(&opts.progress);
    let site = load_site(opts)?;
    clock.lap("load");
    render_loaded(site.config, site.loaded, opts, site.diags, clock)
}

/// What the load stage read: site.toml, as text and parsed, and the files `load` found.
struct LoadedSite {
    config_src: String,
    config: Config,
    loaded: load::Loaded,
    diags: Vec<Diagnostic>,
}

/// site.toml, then every file of the site. `Err` when site.toml cannot be read or parsed.
fn load_site(opts: &BuildOptions) -> Result<LoadedSite, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    let root = opts.root.as_path();
    let config_src = load::read_text(root, Path::new("site.toml")).map_err(|d| vec![d])?;
    let overrides = Overrides {
        base_url: opts.base_url.clone(),
    };
    let config = config::parse(Path::new("site.toml"), &config_src, &overrides, &mut diags)
        .ok_or_else(|| diags.clone())?;
    let loaded = load::load(root, &config.theme, &mut diags);
    Ok(LoadedSite {
        config_src,
        config,
        loaded,
        diags,
    })
}

/// Everything after loading, on values in memory: no disk is read or written. Fuzzing and
/// tests can call it with a site made up in memory.
pub fn render_in_memory(
    config: Config,
    loaded: load::Loaded,
    opts: &BuildOptions,
) -> Result<Built, Vec<Diagnostic>> {
    let clock = Clock::new(&opts.progress);
    render_loaded(config, loaded, opts, Vec::new(), clock)
}

fn render_loaded(
    config: Config,
    loaded: load::Loaded,
    opts: &BuildOptions,
    mut diags: Vec<Diagnostic>,
    mut clock: Clock,
) -> Result<Built, Vec<Diagnostic>> {
    let mut site = model::build(
        config,
        loaded.content,
        &loaded.unreadable,
        ModelOptions {
            include_drafts: opts.drafts,
        },
        &mut diags,
    );
    clock.lap("model");

    // A cold build into a new output dir starts its write now, so that the pages' folders
    // are made while the Markdown is rendered (`Staging::make_dirs_ahead`). Any other build
    // starts it once the bodies are known to hold no error, below. A failure here is left
    // to that later start, which reports it where it always has.
    let write_opts = WriteOptions {
        force: opts.force,
        preserve: site.config.preserve.clone(),
    };
    let mut staging = None;
    if opts.stream && !has_errors(&diags) {
        let out = output_dir(opts, &site.config);
        if !out.exists()
            && write::check_output_dir(&opts.root, &out, opts.force).is_ok()
            && let Ok(early) = write::Staging::new(&out, &write_opts)
        {
            early.make_dirs_ahead(page_outputs(&site).collect());
            staging = Some(early);
        }
    }

    let (bodies, section_bodies, linker) = render_bodies(&site);
    for r in bodies.iter().chain(&section_bodies) {
        diags.extend(r.diags.iter().cloned());
    }

    clock.lap("markdown");

    // The editorial warnings are the last reader of the bodies' Markdown.
    let warnings = if has_errors(&diags) {
        Vec::new()
    } else {
        lint::lint(&site, &bodies, &section_bodies)
    };
    if !opts.keep_state {
        free_bodies_source(&mut site);
    }
    clock.lap("lint");

    // The search index is made from the model and the Markdown bodies (our own records, not
    // the rendered pages), so it is built from here on, on a thread of its own, beside the
    // context, templates and links. The links are checked once its files have joined the
    // output, since a page may link to them.
    let index_search = site.config.search && !opts.defer_search && !has_errors(&diags);
    let previous_output = opts.keep_index.then(|| output_dir(opts, &site.config));
    let stop_search = AtomicBool::new(false);

    // Streaming: the output dir is checked, and the write started, before any page is made.
    if has_errors(&diags) {
        // Nothing is written: what a write started early made goes again.
        staging = None;
    } else if opts.stream && staging.is_none() {
        let out = output_dir(opts, &site.config);
        write::check_output_dir(&opts.root, &out, opts.force).map_err(|d| vec![d])?;
        diags.extend(interrupted_warning(&out));
        staging = Some(write::Staging::new(&out, &write_opts).map_err(|d| vec![d])?);
    }
    // The files a page may link to that are known before any is made (the index's are
    // not): a link to one of them without an anchor needs no check after the scan.
    let known: links::Names = match staging {
        Some(_) => page_outputs(&site)
            .chain(std::iter::once("index.html".to_string()))
            .chain(loaded.statics.iter().map(|s| s.rel.clone()))
            .chain(publish::SITE_FILES.iter().map(|path| path.to_string()))
            .collect(),
        None => links::Names::default(),
    };
    // The site's own links, which most links of most pages are: those of its pages and
    // sections, and of its sources' paragraphs (as citations and templates write them).
    let resolved = match staging {
        Some(_) => links::Resolved::new(own_urls(&site), &site.config.base_path, &known),
        None => links::Resolved::default(),
    };
    let streamed_scans = std::sync::Mutex::new(std::collections::HashMap::new());
    // A page's body is freed once its page is staged (at 100,000 pages, 7 % of the peak
    // without search and 18 % with it, BENCHMARKS.md), unless it is read after: by the next,
    // incremental, build, or by the records of an index made later. The index's records are
    // made from the bodies beside the context stage: no body is freed before they are.
    let read_later = opts.keep_state || (site.config.search && opts.defer_search);
    let release_bodies = !read_later;
    let records_made = AtomicBool::new(!index_search);
    // What a streaming build does with each file as it is made: scans (and rewrites) its
    // links, stages it, and keeps only its path and what the scan found.
    let sink = |mut f: OutputFile, page: Option<PageId>, body: Option<&str>| -> OutputFile {
        let Some(staging) = &staging else {
            return f;
        };
        // A page's body, without raw HTML, is read as the Markdown stage writes it.
        let body = body.filter(|_| !site.config.markdown.unsafe_html);
        let scan = links::scan_file(
            &mut f,
            &site.config.base_path,
            site.config.relative_links,
            &known,
            Some(&resolved),
            body,
        );
        staging.stage(&f);
        f.bytes = Vec::new();
        if let Some(id) = page
            && release_bodies
            && records_made.load(Ordering::Acquire)
        {
            bodies[id].release();
        }
        if let Ok(mut scans) = streamed_scans.lock() {
            scans.insert(f.path.clone(), scan);
        }
        f
    };
    let streaming = staging.is_some();
    let (prepared, views, files, origins, compiled, statics, external, link_index, deferred) =
        std::thread::scope(|scope| {
            // The sitemap and the feed, beside the context and templates.
            let site_files = {
                let site = &site;
                std::thread::Builder::new()
                    .name("site-files".into())
                    .spawn_scoped(scope, move || publish::site_files(site))
                    .expect("the OS starts a thread")
            };
            let search = index_search.then(|| {
                let (site, bodies, section_bodies) = (&site, &bodies, &section_bodies);
                let (stop, records_made) = (&stop_search, &records_made);
                let index_starts = opts.index_starts;
                // Named, so a profile tells it apart from the stages beside it.
                std::thread::Builder::new()
                    .name("search".into())
                    .spawn_scoped(scope, move || {
                        let start = Instant::now();
                        if let Some(index_starts) = index_starts {
                            index_starts();
                        }
                        let records = search::records(site, bodies, section_bodies);
                        records_made.store(true, Ordering::Release);
                        let language = &site.config.default_language;
                        let shard_size = site.config.search_shard_size;
                        let earlier = previous_output.as_deref().map(search::Earlier::Output);
                        let built = search::index_unless(
                            &records,
                            language,
                            shard_size,
                            earlier.as_ref(),
                            stop,
                        );
                        let (was_kept, how) = match &built {
                            Ok(Some(b)) => (b.all_kept(), b.how()),
                            _ => (false, "and gave up".to_string()),
                        };
                        let index = built.map(|b| {
                            b.map(|b| {
                                let mut files = b.files;
                                files.push(b.manifest);
                                files
                            })
                        });
                        (index, start.elapsed(), was_kept, how)
                    })
                    // As `thread::scope`'s own `spawn` does: no thread, no build.
                    .expect("the OS starts a thread")
            });

            // A build kept for incremental rebuilds keeps every view; any other makes each
            // page's view as the page is rendered, and drops it after.
            let (views, prepared) = if opts.keep_state {
                context::build_prepared(&site, &bodies, &section_bodies)
            } else {
                let draw = render::pictures_read(&loaded.templates);
                let reads = render::page_reads(&loaded.templates);
                context::build_prepared_lazily(&site, &bodies, &section_bodies, draw, reads)
            };
            clock.lap("context");

            let mut files = Vec::new();
            let mut origins = render::Origins::new();
            let mut compiled = None;
            if loaded.theme_found
                && let Some(templates) =
                    render::compile(&loaded.templates, &site.config.base_path, &mut diags)
            {
                let with_errors: HashSet<PathBuf> = diags
                    .iter()
                    .filter(|d| d.is_error())
                    .filter_map(|d| d.file.clone())
                    .collect();
                let view_of = |id, whole| {
                    let page = Target::Page(id);
                    context::view_of(&site, &bodies, &section_bodies, &prepared, page, whole)
                };
                let (pages, rendered_from) = render::render(
                    &site,
                    &views,
                    Some(&view_of),
                    streaming.then_some(&sink),
                    &templates,
                    &with_errors,
                    &mut diags,
                );
                files = pages;
                origins = rendered_from;
                compiled = Some(templates);
            }
            // Kept for an incremental rebuild, else freed now, before the peak of memory.
            let views = opts.keep_state.then_some(views);
            if has_errors(&diags) {
                // This build writes nothing: no need to wait for its index.
                stop_search.store(true, Ordering::Relaxed);
            }
            clock.lap("templates");

            let mut taken: links::Names = files.iter().map(|f| f.path.clone()).collect();
            let mut statics = std::collections::BTreeSet::new();
            for s in loaded.statics {
                if taken.insert(s.rel.clone()) {
                    statics.insert(s.rel.clone());
                    files.push(sink(
                        OutputFile {
                            path: s.rel,
                            bytes: s.bytes,
                        },
                        None,
                        None,
                    ));
                } else {
                    diags.push(
                        Diagnostic::warning(format!(
                            "static file {} is replaced by a rendered page with the same path",
                            s.rel
                        ))
                        .with_help("rename or remove the static file"),
                    );
                }
            }
            // Before the index's files, which are all under pagefind/, so these names are
            // never taken by it.
            let site_files = site_files
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e));
            for (path, text) in site_files {
                if taken.insert(path.to_string()) {
                    files.push(sink(
                        OutputFile {
                            path: path.into(),
                            bytes: text.into_bytes(),
                        },
                        None,
                        None,
                    ));
                }
            }
            files.sort_by(|a, b| a.path.cmp(&b.path));
            // The costly half of the links stage (reading and rewriting every page) needs only
            // the pages, so it too runs beside the index. A streaming build has scanned each
            // file as it was made.
            let mut scans = Vec::new();
            if !has_errors(&diags) && !streaming {
                scans = links::scan_files(
                    &mut files,
                    &site.config.base_path,
                    site.config.relative_links,
                    &taken,
                );
            }
            clock.lap("links");

            let mut deferred = Vec::new();
            if site.config.search && opts.defer_search && !has_errors(&diags) {
                deferred = search::records(&site, &bodies, &section_bodies);
            }
            if let Some(search) = search {
                let (index, took, kept, how) = search.join().unwrap_or_else(|_| {
                    (
                        Err(Diagnostic::error(
                            "cannot build the search index: Pagefind panicked",
                        )),
                        Duration::ZERO,
                        false,
                        "and panicked".to_string(),
                    )
                });
                clock
                    .beside
                    .push((if kept { "search-kept" } else { "search" }, took, how));
                // An index of a build that failed meanwhile is not wanted (and not reported).
                if !has_errors(&diags) {
                    match index {
                        Ok(Some(index)) => {
                            let scanned = files.len();
                            let new = index.into_iter().filter(|f| taken.insert(f.path.clone()));
                            if streaming {
                                let new: Vec<OutputFile> = new.collect();
                                files.par_extend(new.into_par_iter().map(|f| sink(f, None, None)));
                            } else {
                                files.extend(new);
                            }
                            // Not HTML, so there is nothing in them to scan; but their names
                            // are what the pages' links to them are checked against.
                            if !streaming {
                                scans.extend(links::scan_files(
                                    &mut files[scanned..],
                                    &site.config.base_path,
                                    site.config.relative_links,
                                    &taken,
                                ));
                            }
                        }
                        Ok(None) => {}
                        Err(d) => diags.push(d),
                    }
                }
            }
            clock.lap("search-wait");

            let mut external = links::External::new();
            let mut link_index = links::LinkIndex::default();
            if streaming && !has_errors(&diags) {
                // Every file went through the sink, which scanned it.
                let mut found =
                    std::mem::take(&mut *streamed_scans.lock().unwrap_or_else(|e| e.into_inner()));
                scans = files
                    .iter()
                    .map(|f| found.remove(&f.path).expect("the sink scans every file"))
                    .collect();
            }
            if !has_errors(&diags) {
                // Back in path order, with each file's scan, so that the checks report pages
                // in the same order as before the index joined.
                let mut pairs: Vec<_> = files.into_iter().zip(scans).collect();
                pairs.sort_by(|a, b| a.0.path.cmp(&b.0.path));
                let (sorted, scans): (Vec<_>, Vec<_>) = pairs.into_iter().unzip();
                files = sorted;
                external = links::check_scanned(
                    &files,
                    scans,
                    &site.config.base_path,
                    &origins,
                    Some(&resolved),
                    &mut link_index,
                    &mut diags,
                );
            } else {
                files.sort_by(|a, b| a.path.cmp(&b.path));
            }
            // Editorial warnings only for a site without errors: an error often causes them (a
            // broken file references nothing), and they would bury it.
            if !has_errors(&diags) {
                diags.extend(warnings);
            }
            clock.lap_more("links");
            (
                prepared, views, files, origins, compiled, statics, external, link_index, deferred,
            )
        });

    let warnings = split_errors(diags)?;
    let mut counts = BTreeMap::new();
    for p in &site.pages {
        *counts.entry(p.kind.name().to_string()).or_insert(0) += 1;
    }
    *counts.entry("section".to_string()).or_insert(0) += site.sections.len();
    let config = site.config.clone();
    let state = match (compiled, views) {
        (Some(templates), Some(views)) => Some(Box::new(State {
            site,
            bodies,
            section_bodies,
            prepared,
            linker,
            views,
            templates,
            origins,
            links: link_index,
            tera: None,
            statics,
        })),
        _ => {
            // Not freed before what follows (the marker's record, the report): most of a
            // second at 100,000 pages. Left to the system if the process ends after the build,
            // else freed beside it. If no thread can be started, the closure, and with it all
            // this, is dropped here.
            let rest = (
                site,
                bodies,
                section_bodies,
                prepared,
                linker,
                origins,
                link_index,
            );
            if opts.exits_after {
                std::mem::forget(rest);
            } else {
                let _ = std::thread::Builder::new()
                    .name("free".into())
                    .spawn(move || drop(rest));
            }
            None
        }
    };
    Ok(Built {
        config,
        files,
        counts,
        warnings,
        external,
        search: deferred,
        timings: clock.timings,
        beside: clock.beside,
        state,
        staging,
    })
}

/// Frees the Markdown of every body once it is rendered and linted: only `serve` renders a
/// body again. Each file's front matter stays (messages about it quote its lines).
fn free_bodies_source(site: &mut Site) {
    let docs = site
        .pages
        .iter_mut()
        .map(|p| &mut p.doc)
        .chain(site.sections.iter_mut().map(|s| &mut s.doc));
    for doc in docs {
        doc.src.truncate(doc.body_offset);
        crate::tighten(&mut doc.src);
    }
}

/// The URLs of the site's pages and sections, and of its sources' paragraphs
/// (`/actors/x/`, `/source/#p17`), as the views and citations write them: what a build
/// resolves ahead (`links::Resolved`).
pub fn own_urls(site: &Site) -> impl Iterator<Item = String> + '_ {
    let pages = site.pages.iter().map(|p| site.url(&p.doc.path));
    let sections = site.sections.iter().map(|s| site.url(&s.doc.path));
    let paragraphs = site.pages.iter().flat_map(move |page| {
        let paragraphs = match &page.kind {
            model::PageKind::Source(s) => s.paragraphs.as_slice(),
            _ => &[],
        };
        paragraphs
            .iter()
            .map(move |p| site.paragraph_url(page, p.n))
    });
    pages.chain(sections).chain(paragraphs)
}

/// The output path of every page and section.
pub fn page_outputs(site: &Site) -> impl Iterator<Item = String> + '_ {
    site.pages
        .iter()
        .map(|p| &p.doc.path)
        .chain(site.sections.iter().map(|s| &s.doc.path))
        .map(|path| render::output_path(path))
}

/// The warning that the last build into `out` was stopped while switching its files in.
fn interrupted_warning(out: &Path) -> Option<Diagnostic> {
    write::interrupted(out).then(|| {
        Diagnostic::warning(format!(
            "the previous build into {} was interrupted while writing; this build completes it",
            out.display()
        ))
        .with_help(format!(
            "{} says whether the last build finished",
            write::MARKER
        ))
    })
}

/// Markdown for every page and section, in parallel, each body parsed once and rendered; a
/// link to another body's heading is checked once every body's headings are known
/// (`markdown::check_anchors`), so no body's parse is held beyond its own rendering.
pub fn render_bodies(site: &Site) -> (Vec<Rendered>, Vec<Rendered>, markdown::LinkerParts) {
    let linker = Linker::without_headings(site);
    let mut bodies: Vec<Rendered> = (0..site.pages.len())
        .into_par_iter()
        .map(|i| render_body(site, &linker, Target::Page(i)))
        .collect();
    let mut section_bodies: Vec<Rendered> = (0..site.sections.len())
        .into_par_iter()
        .map(|i| render_body(site, &linker, Target::Section(i)))
        .collect();
    let parts = markdown::check_anchors(site, linker.parts(), &mut bodies, &mut section_bodies);
    (bodies, section_bodies, parts)
}

/// The Markdown of one page or section again, for an incremental rebuild.
pub fn render_body(site: &Site, linker: &Linker, target: Target) -> Rendered {
    let doc = match target {
        Target::Page(i) => &site.pages[i].doc,
        Target::Section(i) => &site.sections[i].doc,
    };
    let parsed = markdown::parse(doc.body(), markdown::options(&site.config.markdown));
    guarded_render(parsed, linker, target, doc)
}

/// One body's Markdown, with a panic or a runaway turned into that page's error.
fn guarded_render(
    p: markdown::Parsed,
    linker: &Linker,
    target: Target,
    doc: &model::Doc,
) -> Rendered {
    guard::page(&doc.file, "the Markdown", || {
        markdown::render(p, linker, target, doc)
    })
    .unwrap_or_else(Rendered::failed)
}

/// Where the output goes: `--output-dir` (relative to the working dir) or site.toml's
/// `output_dir` (relative to the site root).
pub fn output_dir(opts: &BuildOptions, config: &Config) -> PathBuf {
    match &opts.output_dir {
        Some(dir) => dir.clone(),
        None if opts.root == Path::new(".") => PathBuf::from(&config.output_dir),
        None => opts.root.join(&config.output_dir),
    }
}

/// `dossier build`: render, then write if there were no errors. Each file is staged into the
/// output dir as it is made; the staged files are switched in at the end. When nothing the
/// last build read has changed and its output is as it left it, nothing is done
/// (`unchanged`).
pub fn build(opts: &BuildOptions) -> Result<Written, Vec<Diagnostic>> {
    let opts = BuildOptions {
        keep_index: true,
        stream: true,
        ..opts.clone()
    };
    let mut clock = Clock::new(&opts.progress);
    let site = load_site(&opts)?;
    clock.lap("load");
    let key = if has_errors(&site.diags) {
        None
    } else {
        unchanged::inputs_key(&opts, &site.config_src, &site.loaded, &site.diags)
    };
    let out = output_dir(&opts, &site.config);
    if let Some(key) = key
        && write::check_output_dir(&opts.root, &out, opts.force).is_ok()
        && let Some(record) = unchanged::unchanged(&out, key, &site.config.preserve)
    {
        clock.lap("compare");
        let files: Vec<OutputFile> = record
            .files
            .into_keys()
            .map(|path| OutputFile {
                path,
                bytes: Vec::new(),
            })
            .collect();
        let report = WriteReport {
            written: 0,
            unchanged: files.len(),
            removed: 0,
        };
        return Ok(Written {
            built: Built {
                config: site.config,
                files,
                counts: record.counts,
                warnings: record.warnings,
                external: links::External::new(),
                search: Vec::new(),
                timings: clock.timings,
                beside: Vec::new(),
                state: None,
                staging: None,
            },
            output_dir: out,
            report,
        });
    }
    clock.lap("compare");

    let mut built = render_loaded(site.config, site.loaded, &opts, site.diags, clock)?;
    let start = Mark::now();
    // A streaming build without an error has staged every file (one with an error returned
    // above).
    let staging = built.staging.take().ok_or_else(|| {
        vec![Diagnostic::error(format!(
            "nothing was staged into {}; this is a bug in dossier",
            out.display()
        ))]
    })?;
    let paths = || built.files.iter().map(|f| f.path.as_str());
    let report = staging
        .commit(paths(), |committed| {
            let record = unchanged::record(
                &out,
                key?,
                &built.counts,
                &built.warnings,
                paths(),
                committed,
            )?;
            unchanged::marker_tail(&record)
        })
        .map_err(|d| vec![d])?;
    built.timings.push(start.lap_to("write", &Mark::now()));
    Ok(Written {
        built,
        output_dir: out,
        report,
    })
}
