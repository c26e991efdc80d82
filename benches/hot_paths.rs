//! Criterion micro-benchmarks of the build's hot paths, through the library's public API, on a
//! generated dossier (bench/, deterministic): front-matter split and parse, Markdown with
//! citations, `@/` links and auto-links, the model, the template contexts, template rendering,
//! the links stage's scan and rewrite of one rendered page, and the whole in-memory pipeline. `cargo bench --bench hot_paths`; BENCHMARKS.md says how
//! to compare two commits.
//!
//! Rendering one page alone is not reachable (`render::render` renders every page of a site),
//! so the template benchmarks render a whole small site and report the time per page.

use std::collections::{HashMap, HashSet};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use dossier::build::{self, BuildOptions, render_site};
use dossier::config::{self, Config, Overrides};
use dossier::frontmatter::{self, ActorFm, PlainFm, TalkFm};
use dossier::load::{self, Loaded, TextFile};
use dossier::markdown::{self, Linker, Rendered};
use dossier::model::{self, ModelOptions, Site, Target};
use dossier::{context, links, render};
use dossier_bench::generate::Counts;
use dossier_bench::site::{self, Theme};

/// Pages in the benchmark site: enough for realistic alias tables and listings, small enough
/// for an iteration of the whole-site benchmarks to take milliseconds.
const PAGES: usize = 300;

struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
    config: Config,
    loaded: Loaded,
}

fn fixture(theme: Theme) -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    site::write(dir.path(), Counts::for_pages(PAGES), 1, theme).expect("generated site");
    let root = dir.path().to_path_buf();
    let src = std::fs::read_to_string(root.join("site.toml")).expect("site.toml");
    let mut diags = Vec::new();
    let config = config::parse(
        Path::new("site.toml"),
        &src,
        &Overrides::default(),
        &mut diags,
    )
    .expect("valid site.toml");
    let loaded = load::load(&root, &config.theme, &mut diags);
    assert!(diags.is_empty(), "{diags:?}");
    Fixture {
        _dir: dir,
        root,
        config,
        loaded,
    }
}

fn site(f: &Fixture) -> Site {
    let mut diags = Vec::new();
    let site = model::build(
        f.config.clone(),
        f.loaded.content.clone(),
        &[],
        ModelOptions::default(),
        &mut diags,
    );
    assert!(diags.is_empty(), "{diags:?}");
    site
}

/// The Markdown stage as the build runs it (`build::render_bodies` is private): every body
/// parsed once, then rendered against the anchors of all.
fn bodies(site: &Site) -> (Vec<Rendered>, Vec<Rendered>) {
    let options = markdown::options(&site.config.markdown);
    let pages: Vec<_> = site
        .pages
        .iter()
        .map(|p| markdown::parse(p.doc.body(), options))
        .collect();
    let sections: Vec<_> = site
        .sections
        .iter()
        .map(|s| markdown::parse(s.doc.body(), options))
        .collect();
    let by_target: HashMap<Target, &markdown::Parsed> = pages
        .iter()
        .enumerate()
        .map(|(i, p)| (Target::Page(i), p))
        .chain(
            sections
                .iter()
                .enumerate()
                .map(|(i, p)| (Target::Section(i), p)),
        )
        .collect();
    let linker = Linker::new(site, &by_target);
    let rendered_pages = pages
        .into_iter()
        .enumerate()
        .map(|(i, p)| markdown::render(p, &linker, Target::Page(i), &site.pages[i].doc))
        .collect();
    let rendered_sections = sections
        .into_iter()
        .enumerate()
        .map(|(i, p)| markdown::render(p, &linker, Target::Section(i), &site.sections[i].doc))
        .collect();
    (rendered_pages, rendered_sections)
}

/// The first content file under `prefix` whose text has all of `needles`.
/// Every page of `site` through `templates`, without errors.
fn render_all(
    site: &Site,
    views: &context::Views,
    templates: &render::Templates,
) -> Vec<render::OutputFile> {
    let mut diags = Vec::new();
    let (files, _) = render::render(
        site,
        views,
        None,
        None,
        templates,
        &HashSet::new(),
        &mut diags,
    );
    assert!(diags.is_empty(), "{diags:?}");
    files
}

fn file<'a>(f: &'a Fixture, prefix: &str, needles: &[&str]) -> &'a TextFile {
    f.loaded
        .content
        .iter()
        .find(|t| t.rel.starts_with(prefix) && needles.iter().all(|n| t.text.contains(n)))
        .expect("a generated file of that shape")
}

fn front_matter(c: &mut Criterion) {
    let f = fixture(Theme::Minimal);
    let actor = file(&f, "actors/", &["[[relations]]", "[[events]]"]);
    let talk = file(&f, "talks/", &["[[quotes]]", "participants"]);
    let source = file(&f, "source.md", &["[[paragraphs]]"]);
    let mut g = c.benchmark_group("front matter: split and parse");
    g.bench_function("actor (relations, events)", |b| {
        b.iter(|| {
            let s = frontmatter::split(&actor.path, &actor.text).expect("split");
            frontmatter::parse::<ActorFm>(&actor.path, &actor.text, &s, "an actor's front matter")
                .expect("parse")
        })
    });
    g.bench_function("talk (participants, quotes)", |b| {
        b.iter(|| {
            let s = frontmatter::split(&talk.path, &talk.text).expect("split");
            frontmatter::parse::<TalkFm>(&talk.path, &talk.text, &s, "a talk's front matter")
                .expect("parse")
        })
    });
    g.bench_function("source (40 paragraphs)", |b| {
        b.iter(|| {
            let s = frontmatter::split(&source.path, &source.text).expect("split");
            frontmatter::parse::<PlainFm>(&source.path, &source.text, &s, "a page's front matter")
                .expect("parse")
        })
    });
    g.finish();
}

fn markdown_one_page(c: &mut Criterion) {
    let f = fixture(Theme::Minimal);
    let site = site(&f);
    let options = markdown::options(&site.config.markdown);
    let parsed: Vec<_> = site
        .pages
        .iter()
        .map(|p| markdown::parse(p.doc.body(), options))
        .collect();
    let by_target: HashMap<Target, &markdown::Parsed> = parsed
        .iter()
        .enumerate()
        .map(|(i, p)| (Target::Page(i), p))
        .collect();
    let linker = Linker::new(&site, &by_target);
    let (id, page) = site
        .pages
        .iter()
        .enumerate()
        .find(|(_, p)| p.doc.rel.starts_with("actors/"))
        .expect("an actor");
    let body = page.doc.body();
    let mut g = c.benchmark_group("markdown: one ~450-word page");
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function("parse + render (citations, @/ links, auto-links)", |b| {
        b.iter(|| {
            let p = markdown::parse(black_box(body), options);
            markdown::render(p, &linker, Target::Page(id), &page.doc)
        })
    });
    g.bench_function("pulldown-cmark alone (the floor's work)", |b| {
        b.iter(|| {
            let mut html = String::with_capacity(body.len() * 3 / 2);
            dossier_bench::floor::render_body_into(&mut html, black_box(body));
            html
        })
    });
    g.finish();
}

/// The links stage's costly half on one page as the templates wrote it: every start tag read,
/// ids and links collected, internal links resolved and rewritten relative to the page.
fn links_one_page(c: &mut Criterion) {
    let mut g = c.benchmark_group("links: scan + rewrite of one page");
    for (name, theme) in [("minimal", Theme::Minimal), ("default", Theme::Default)] {
        let f = fixture(theme);
        let s = site(&f);
        let (bp, bs) = bodies(&s);
        let views = context::build(&s, &bp, &bs);
        let mut diags = Vec::new();
        let templates = render::compile(&f.loaded.templates, &s.config.base_path, &mut diags)
            .expect("templates compile");
        let files = render_all(&s, &views, &templates);
        let known: links::Names = files.iter().map(|f| f.path.clone()).collect();
        // An actor page: citations with anchors, cross-references, the navigation.
        let page = files
            .iter()
            .find(|f| f.path.starts_with("actors/") && f.path != "actors/index.html")
            .expect("an actor page");
        let base_path = s.config.base_path.clone();
        // Its body as its view holds it: what a streaming build reads the page by.
        let id = s
            .pages
            .iter()
            .position(|p| render::output_path(&p.doc.path) == page.path)
            .expect("the actor page's id");
        let body = views.pages[id]
            .get_from_path("content")
            .and_then(|v| v.as_str())
            .expect("the actor page's body")
            .to_string();
        // The site's own links resolved ahead, as a build does.
        let resolved = links::Resolved::new(build::own_urls(&s), &base_path, &known);
        g.throughput(Throughput::Bytes(page.bytes.len() as u64));
        for (read, body) in [
            ("read whole", None),
            ("its body as written", Some(body.as_str())),
        ] {
            g.bench_function(format!("actor page, {name} theme, {read}"), |b| {
                b.iter_batched(
                    || page.clone(),
                    |mut file| {
                        let scan = links::scan_file(
                            &mut file,
                            &base_path,
                            true,
                            &known,
                            Some(&resolved),
                            body,
                        );
                        (scan, file)
                    },
                    BatchSize::SmallInput,
                )
            });
        }
    }
    g.finish();
}

fn whole_site(c: &mut Criterion) {
    let minimal = fixture(Theme::Minimal);
    let default = fixture(Theme::Default);
    let pages = (Counts::for_pages(PAGES).pages() + Counts::for_pages(PAGES).sections()) as u64;

    let mut g = c.benchmark_group(format!("site of {PAGES} pages"));
    g.sample_size(20);
    g.measurement_time(Duration::from_secs(4));
    g.throughput(Throughput::Elements(pages));
    g.bench_function("model (front matter parsed and resolved)", |b| {
        b.iter_batched(
            || minimal.loaded.content.clone(),
            |files| {
                model::build(
                    minimal.config.clone(),
                    files,
                    &[],
                    ModelOptions::default(),
                    &mut Vec::new(),
                )
            },
            BatchSize::LargeInput,
        )
    });
    let site_min = site(&minimal);
    g.bench_function("markdown (every body, two passes)", |b| {
        b.iter(|| bodies(&site_min))
    });
    let (b_pages, b_sections) = bodies(&site_min);
    g.bench_function("context (every page's values)", |b| {
        b.iter(|| context::build(&site_min, &b_pages, &b_sections))
    });
    for (name, fx) in [("minimal", &minimal), ("default", &default)] {
        let s = site(fx);
        let (bp, bs) = bodies(&s);
        let views = context::build(&s, &bp, &bs);
        let mut diags = Vec::new();
        let templates = render::compile(&fx.loaded.templates, &s.config.base_path, &mut diags)
            .expect("templates compile");
        g.bench_function(format!("templates, {name} theme (every page)"), |b| {
            b.iter(|| render_all(&s, &views, &templates))
        });
    }
    for (name, fx) in [("minimal", &minimal), ("default", &default)] {
        let opts = BuildOptions {
            root: fx.root.clone(),
            ..BuildOptions::default()
        };
        g.bench_function(
            format!("render_site, {name} theme (all but the write)"),
            |b| b.iter(|| render_site(&opts).map(|b| b.files.len()).ok()),
        );
    }
    g.finish();
}

criterion_group!(
    benches,
    front_matter,
    markdown_one_page,
    links_one_page,
    whole_site
);
criterion_main!(benches);
