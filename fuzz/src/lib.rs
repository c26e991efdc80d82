//! The bodies of the fuzz targets, one function per target, shared by the libFuzzer binaries
//! in `fuzz_targets/` and by the corpus replay in `tests/it/fuzz.rs` (which includes this
//! file with `#[path]`), so the committed corpus and every regression input run on each
//! `cargo test`, without nightly or cargo-fuzz.
//!
//! Each function feeds the fuzzer's bytes to one stage of the pipeline, entirely in memory
//! (no disk I/O per input), and panics when an invariant breaks:
//! - nothing in dossier panics (libFuzzer turns a panic into a crash);
//! - an input that is refused yields at least one error, and every diagnostic has a
//!   message, renders, and points inside the file it names;
//! - a site that builds has only inert HTML ([`inert`]: no element, attribute,
//!   event handler, script or style from content, no live URL scheme: see
//!   [`schemes_checked`]), and well-formed sitemap.xml and atom.xml.
//!
//! - the links stage's HTML scanner reads a page as lol_html, the rewriter it replaced, did
//!   ([`link_oracle`]: the same ids, links and written bytes);
//! - a body as the Markdown stage writes it is read the same as written and whole
//!   (`page_body`, [`bodies_read_as_written`]).
//!
//! Only `dossier`, `lol_html`, `serde_json` and `roxmltree` are used, all of which the main
//! package's tests can use too.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use dossier::build::{self, BuildOptions, Built, render_in_memory};
use dossier::config::{self, Config, Overrides};
use dossier::diagnostics::Diagnostic;
use dossier::frontmatter::{self, ActorFm, LocationFm, PlainFm, SectionFm, TalkFm};
use dossier::load::{Loaded, TextFile};
use dossier::model::{self, ModelOptions};
use dossier::{links, markdown, render};

#[allow(dead_code)]
pub mod inert;
pub mod link_oracle;

/// Inputs longer than this are skipped: the targets look for wrong answers, and a
/// pathologically slow page is item 5's per-page guard's business, not a crash.
pub const MAX_LEN: usize = 64 * 1024;

/// Whether URL schemes are held to http/https/mailto/relative: yes, since the scheme
/// neutralisation of issue 9 (item 1); `DOSSIER_FUZZ_SCHEMES=0` turns the check off, to fuzz
/// a tree from before it.
pub fn schemes_checked() -> bool {
    std::env::var_os("DOSSIER_FUZZ_SCHEMES").is_none_or(|v| v != "0")
}

const SITE_TOML: &str = r#"title = "Fuzz"
description = "A site made up in memory for fuzzing."
base_url = "https://example.org/sub/"
default_source = "source"

[[sides]]
id = "a"
label = "Side A"
"#;

/// The fixture site's content, as `(rel, text)`: the base fixture of tests/fixtures/base,
/// plus a timeline section.
const CONTENT: &[(&str, &str)] = &[
    (
        "_index.md",
        "+++\ntitle = \"Home\"\n+++\nAlice met Bob [¶1]. See [Alice's page](@/actors/alice.md#background).\n\n[context: Added by the editor.]\n",
    ),
    (
        "source.md",
        "+++\ntitle = \"The source\"\n\n[source]\npublisher = \"Wire\"\nlanguage = \"fr\"\n\n[[paragraphs]]\noriginal = \"Alice a rencontré Bob.\"\ntranslation = \"Alice met Bob.\"\n\n[[paragraphs]]\noriginal = \"Ils ont parlé.\"\ntranslation = \"They talked.\"\n\n[[paragraphs]]\noriginal = \"\\\"Nous avançons\\\", a dit Alice.\"\ntranslation = \"\\\"We are moving forward\\\", said Alice.\"\n+++\n",
    ),
    ("actors/_index.md", "+++\ntitle = \"Actors\"\n+++\n"),
    (
        "actors/alice.md",
        "+++\ntitle = \"Alice\"\nkind = \"person\"\naliases = [\"Ally\"]\n\n[[relations]]\ntype = \"negotiates-with\"\nto = \"bob\"\ncite = [2]\nnote = \"At length.\"\n\n[[events]]\ndate = \"2016-09-04\"\nas_stated = \"Sunday\"\nsummary = \"Alice meets Bob.\"\nactors = [\"alice\", \"bob\"]\nplace = \"city\"\ncite = [1]\n+++\n## Background\n\nAlice talked with Bob in the City [¶2].\n",
    ),
    (
        "actors/bob.md",
        "+++\ntitle = \"Bob\"\nkind = \"official\"\n+++\nBob is mentioned by Ally [¶1].\n",
    ),
    ("locations/_index.md", "+++\ntitle = \"Places\"\n+++\n"),
    (
        "locations/city.md",
        "+++\ntitle = \"The City\"\nkind = \"city\"\naliases = [\"City\"]\n\n[coordinates]\nlat = 36.2\nlon = 37.15\n+++\nWhere they met [¶1].\n",
    ),
    ("talks/_index.md", "+++\ntitle = \"Talks\"\n+++\n"),
    (
        "talks/meeting.md",
        "+++\ntitle = \"The meeting\"\nkind = \"meeting\"\nstatus = \"held\"\ndate = \"late August 2016\"\nlocation = \"city\"\nparticipants = [\"alice\", \"bob\"]\ncite = [1, 2]\noutcome = \"None.\"\nduration = \"an hour\"\n\n[[quotes]]\nspeaker = \"alice\"\noriginal = \"Nous avançons\"\ntranslation = \"We are moving forward\"\ncite = 3\n+++\nThey met.\n",
    ),
    ("timeline/_index.md", "+++\ntitle = \"Timeline\"\n+++\n"),
];

/// A small theme that puts every field a content file can set into text, and some into
/// attributes, so the targets see each value where a theme would put it.
const TEMPLATES: &[(&str, &str)] = &[
    (
        "base.html",
        r#"<!DOCTYPE html><html lang="{{ config.default_language }}"><head><meta charset="utf-8"><title>{% block title %}{{ config.title }}{% endblock title %}</title><meta name="description" content="{{ config.description }}">{{ head }}</head><body><nav>{% for s in site.sections %}<a href="{{ s.url }}" title="{{ s.summary }}">{{ s.title }}</a>{% endfor %}</nav><main>{% block main %}{% endblock main %}</main></body></html>"#,
    ),
    (
        "common.html",
        r#"{% if page.description %}<p class="description" title="{{ page.description }}">{{ page.description }}</p>{% endif %}{% if page.summary %}<p class="summary">{{ page.summary }}</p>{% endif %}{{ page.content }}{% for e in page.events %}<p id="{{ e.id }}">{{ e.date.label }} {% if e.as_stated %}{{ e.as_stated }}{% endif %} {{ e.summary }}</p>{% endfor %}{% for m in page.mentioned_in %}<a href="{{ m.url }}">{{ m.title }}</a>{% endfor %}<ol>{% for c in page.citations %}<li><a href="{{ c.url }}" title="{{ c.original }}">{{ c.source.title }}</a> {% if c.translation %}{{ c.translation }}{% endif %}</li>{% endfor %}</ol>"#,
    ),
    (
        "page.html",
        r#"{% extends "base.html" %}{% block title %}{{ page.title }}{% endblock title %}{% block main %}<h1>{{ page.title }}</h1>{% include "common.html" %}{% endblock main %}"#,
    ),
    (
        "actor.html",
        r#"{% extends "base.html" %}{% block title %}{{ page.title }}{% endblock title %}{% block main %}<h1>{{ page.title }}</h1>{% if page.actor.role %}<p title="{{ page.actor.role }}">{{ page.actor.role }}</p>{% endif %}<p>{{ page.actor.aliases | join(sep=", ") }} {{ page.actor.spellings | join(sep=", ") }}</p>{% for r in page.actor.relations %}<p>{{ r.label }} <a href="{{ r.target.url }}">{{ r.target.title }}</a>{% if r.note %} {{ r.note }}{% endif %}</p>{% endfor %}{% for r in page.actor.incoming %}<p>{{ r.label }} <a href="{{ r.target.url }}">{{ r.target.title }}</a>{% if r.note %} {{ r.note }}{% endif %}</p>{% endfor %}{% for q in page.actor.quotes %}<blockquote>{{ q.original }}</blockquote><p>{{ q.translation }}</p>{% endfor %}{% include "common.html" %}{% endblock main %}"#,
    ),
    (
        "location.html",
        r#"{% extends "base.html" %}{% block title %}{{ page.title }}{% endblock title %}{% block main %}<h1>{{ page.title }}</h1><p>{{ page.location.aliases | join(sep=", ") }} {{ page.location.spellings | join(sep=", ") }}</p>{% if page.location.within %}<a href="{{ page.location.within.url }}">{{ page.location.within.title }}</a>{% endif %}{% if page.location.coordinates %}<p>{{ page.location.coordinates.lat }}, {{ page.location.coordinates.lon }}</p>{% endif %}{% include "common.html" %}{% endblock main %}"#,
    ),
    (
        "talk.html",
        r#"{% extends "base.html" %}{% block title %}{{ page.title }}{% endblock title %}{% block main %}<h1>{{ page.title }}</h1><p>{{ page.talk.kind_label }} {{ page.talk.status }}{% if page.talk.date %} <time datetime="{{ page.talk.date.datetime }}">{{ page.talk.date.label }}</time>{% endif %}{% if page.talk.as_stated %} {{ page.talk.as_stated }}{% endif %}{% if page.talk.duration %} {{ page.talk.duration }}{% endif %}{% if page.talk.outcome %} {{ page.talk.outcome }}{% endif %}</p>{% for p in page.talk.participants %}<a href="{{ p.url }}">{{ p.title }}</a>{% endfor %}{% for q in page.talk.quotes %}<blockquote>{{ q.original }}</blockquote><p>{{ q.translation }}{% if q.speaker %} {{ q.speaker.title }}{% endif %}</p>{% endfor %}{% include "common.html" %}{% endblock main %}"#,
    ),
    (
        "source.html",
        r#"{% extends "base.html" %}{% block title %}{{ page.title }}{% endblock title %}{% block main %}<h1>{{ page.title }}</h1><p>{{ page.source.publisher }} {{ page.source.language }}{% if page.source.title_original %} {{ page.source.title_original }}{% endif %}{% if page.source.date_note %} {{ page.source.date_note }}{% endif %}</p>{% for p in page.source.paragraphs %}<div id="{{ p.anchor }}"><p lang="{{ p.language }}">{{ p.original }}</p>{% if p.translation %}<p>{{ p.translation }}</p>{% endif %}{% if p.note %}<p>{{ p.note }}</p>{% endif %}</div>{% endfor %}{% include "common.html" %}{% endblock main %}"#,
    ),
    (
        "section.html",
        r#"{% extends "base.html" %}{% block title %}{{ section.title }}{% endblock title %}{% block main %}<h1>{{ section.title }}</h1>{{ section.content }}{% for p in section.pages %}<a href="{{ p.url }}" title="{{ p.summary }}">{{ p.title }}</a>{% endfor %}{% for e in site.events %}<p>{{ e.date.label }} {{ e.summary }}</p>{% endfor %}{% endblock main %}"#,
    ),
    ("index.html", r#"{% extends "section.html" %}"#),
];

fn templates() -> Vec<TextFile> {
    TEMPLATES
        .iter()
        .map(|(rel, text)| TextFile {
            path: Path::new("themes/fuzz/templates").join(rel),
            rel: rel.to_string(),
            text: text.to_string(),
        })
        .collect()
}

fn allowed() -> &'static inert::Allowed {
    static ALLOWED: OnceLock<inert::Allowed> = OnceLock::new();
    ALLOWED.get_or_init(|| inert::Allowed::from_templates(TEMPLATES.iter().map(|(_, t)| *t)))
}

fn base_config() -> Config {
    static CONFIG: OnceLock<Config> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let mut diags = Vec::new();
            config::parse(
                Path::new("site.toml"),
                SITE_TOML,
                &Overrides::default(),
                &mut diags,
            )
            .expect("the fuzz site's site.toml is valid")
        })
        .clone()
}

/// The fixture site with `extra` added (or replacing a file of the same path).
fn loaded(extra: Option<TextFile>) -> Loaded {
    let mut content: Vec<TextFile> = CONTENT
        .iter()
        .map(|(rel, text)| TextFile {
            path: Path::new("content").join(rel),
            rel: rel.to_string(),
            text: text.to_string(),
        })
        .collect();
    if let Some(file) = extra {
        content.retain(|f| f.rel != file.rel);
        content.push(file);
    }
    Loaded {
        theme_found: true,
        content,
        unreadable: Vec::new(),
        templates: templates(),
        statics: Vec::new(),
    }
}

fn options() -> BuildOptions {
    BuildOptions {
        // The search records are made (our code); the Pagefind index (theirs, and slow) is not.
        defer_search: true,
        ..BuildOptions::default()
    }
}

/// Every diagnostic has a message, renders, and points inside the file it names. `files`
/// holds the texts diagnostics may point into.
pub fn check_diagnostics(diags: &[Diagnostic], files: &[(PathBuf, &str)]) {
    for d in diags {
        assert!(
            !d.message.trim().is_empty(),
            "a diagnostic without a message: {d:?}"
        );
        let _ = d.render(false);
        let _ = d.render(true);
        let (Some(loc), Some(file)) = (&d.location, &d.file) else {
            continue;
        };
        assert!(loc.line >= 1 && loc.col >= 1 && loc.width >= 1, "{d:?}");
        if let Some((_, text)) = files.iter().find(|(p, _)| p == file) {
            let lines = text.split('\n').count();
            assert!(
                loc.line <= lines,
                "{}:{} is past the end of the file ({lines} lines): {d:?}",
                file.display(),
                loc.line
            );
        }
    }
}

/// The checks on a site that was built or refused.
pub fn check_result(
    result: &Result<Built, Vec<Diagnostic>>,
    files: &[(PathBuf, &str)],
    inert: bool,
) {
    match result {
        Err(diags) => {
            assert!(
                diags.iter().any(Diagnostic::is_error),
                "refused without an error: {diags:?}"
            );
            check_diagnostics(diags, files);
        }
        Ok(built) => {
            check_diagnostics(&built.warnings, files);
            assert!(!built.warnings.iter().any(Diagnostic::is_error));
            check_output(built, inert);
        }
    }
}

/// Inert HTML and well-formed XML in a built site.
pub fn check_output(built: &Built, inert: bool) {
    let schemes = schemes_checked();
    for f in &built.files {
        if f.path.ends_with(".html") && inert {
            let html = String::from_utf8_lossy(&f.bytes);
            let problems: Vec<String> = inert::problems(&html, allowed())
                .into_iter()
                .filter(|p| schemes || !p.ends_with("has a live scheme"))
                .collect();
            assert!(problems.is_empty(), "{}: {problems:#?}\n{html}", f.path);
        }
        if f.path.ends_with(".xml") {
            let xml = std::str::from_utf8(&f.bytes).expect("XML output is UTF-8");
            if let Err(e) = roxmltree::Document::parse(xml) {
                panic!("{} is not well-formed XML ({e}):\n{xml}", f.path);
            }
        }
    }
    for r in &built.search {
        assert!(
            !r.url.contains(':') && !r.url.starts_with('/'),
            "a search record's URL is not relative: {r:?}"
        );
    }
}

/// Bytes to text as `load` does it: BOM dropped, CRLF to LF, invalid UTF-8 an error.
fn decode(path: &Path, data: &[u8]) -> Option<String> {
    match dossier::load::decode(path, data.to_vec()) {
        Ok(text) => Some(text),
        Err(d) => {
            assert!(d.is_error() && d.message.contains("UTF-8"), "{d:?}");
            check_diagnostics(&[d], &[]);
            None
        }
    }
}

/// Target `site_toml`: site.toml parsing, alone and with `--base-url` set to the input's
/// first line; a config that parses is then used to build the fixture site.
pub fn site_toml(data: &[u8]) {
    if data.len() > MAX_LEN {
        return;
    }
    let path = Path::new("site.toml");
    let Some(src) = decode(path, data) else {
        return;
    };
    let first_line = src.lines().next().unwrap_or("").to_string();
    let files = [(path.to_path_buf(), src.as_str())];
    for overrides in [
        Overrides::default(),
        Overrides {
            base_url: Some(first_line),
        },
    ] {
        let mut diags = Vec::new();
        let config = config::parse(path, &src, &overrides, &mut diags);
        check_diagnostics(&diags, &files);
        let Some(config) = config else {
            assert!(
                diags.iter().any(Diagnostic::is_error),
                "refused without an error"
            );
            continue;
        };
        assert!(
            diags.is_empty(),
            "a config was accepted with errors: {diags:?}"
        );
        assert!(config.base_url.ends_with('/'), "{}", config.base_url);
        assert!(
            config.base_path.starts_with('/') && config.base_path.ends_with('/'),
            "{}",
            config.base_path
        );
        assert!(
            config.base_url.starts_with("http://") || config.base_url.starts_with("https://"),
            "{}",
            config.base_url
        );
        let inert = !config.markdown.unsafe_html;
        let result = render_in_memory(config, loaded(None), &options());
        check_result(&result, &files, inert);
    }
}

/// Target `front_matter`: every short line of a content file as a date, then splitting the
/// file and parsing its front matter with every schema.
pub fn front_matter(data: &[u8]) {
    if data.len() > MAX_LEN {
        return;
    }
    let path = Path::new("content/actors/fuzz.md");
    let Some(src) = decode(path, data) else {
        return;
    };
    let files = [(path.to_path_buf(), src.as_str())];
    for line in src.lines().filter(|l| l.len() <= 100) {
        if let Ok(date) = dossier::dates::parse(line) {
            assert!(date.start <= date.end, "{line:?}: {date:?}");
            assert!(
                !date.label.is_empty() && !date.datetime.is_empty(),
                "{line:?}"
            );
        }
    }
    let split = match frontmatter::split(path, &src) {
        Ok(split) => split,
        Err(d) => {
            assert!(d.is_error());
            check_diagnostics(&[d], &files);
            return;
        }
    };
    assert!(split.front_matter_offset <= split.body_offset && split.body_offset <= src.len());
    assert_eq!(&src[split.body_offset..], split.body);
    assert_eq!(
        &src[split.front_matter_offset..split.front_matter_offset + split.front_matter.len()],
        split.front_matter
    );
    let mut diags = Vec::new();
    let what = "front matter";
    diags.extend(frontmatter::parse::<ActorFm>(path, &src, &split, what).err());
    diags.extend(frontmatter::parse::<LocationFm>(path, &src, &split, what).err());
    diags.extend(frontmatter::parse::<TalkFm>(path, &src, &split, what).err());
    diags.extend(frontmatter::parse::<PlainFm>(path, &src, &split, what).err());
    diags.extend(frontmatter::parse::<SectionFm>(path, &src, &split, what).err());
    assert!(diags.iter().all(Diagnostic::is_error));
    check_diagnostics(&diags, &files);
}

/// Target `citation`: the citation syntax, then a page whose body uses the input as a
/// citation, as an `@/` link (with its anchor) and as text, in the fixture site.
pub fn citation(data: &[u8]) {
    if data.len() > MAX_LEN {
        return;
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match dossier::markdown::parse_citation(text) {
        None => {}
        Some(Ok(c)) => {
            assert!(!c.paragraphs.is_empty(), "{text:?}: {c:?}");
            if let Some(source) = &c.source {
                assert!(dossier::model::is_valid_slug(source), "{text:?}: {c:?}");
            }
        }
        Some(Err(why)) => assert!(!why.is_empty(), "{text:?}"),
    }
    let body = format!("Cited [{text}].\n\nLinked [here](@/{text}).\n\n{text}\n");
    page(&body, "fuzz.md");
}

/// Target `page_body`: the input as the Markdown body of a page of the fixture site.
pub fn page_body(data: &[u8]) {
    if data.len() > MAX_LEN {
        return;
    }
    let path = Path::new("content/fuzz.md");
    let Some(body) = decode(path, data) else {
        return;
    };
    page(&body, "fuzz.md");
}

fn page(body: &str, rel: &str) {
    let text = format!("+++\ntitle = \"Fuzz\"\n+++\n{body}");
    build_with(rel, text.clone());
    bodies_read_as_written(rel, text);
}

/// Every page's body, as the Markdown stage writes it, read by the links stage as written
/// and whole, inside a page: the same ids, links and bytes (what a streaming build relies on,
/// `links::scan::Known`).
fn bodies_read_as_written(rel: &str, text: String) {
    let config = base_config();
    if config.markdown.unsafe_html {
        return;
    }
    let file = TextFile {
        path: Path::new("content").join(rel),
        rel: rel.to_string(),
        text,
    };
    let content = loaded(Some(file)).content;
    let mut diags = Vec::new();
    let site = model::build(config, content, &[], ModelOptions::default(), &mut diags);
    let (bodies, _, _) = build::render_bodies(&site);
    let known: links::Names = build::page_outputs(&site).collect();
    for (page, body) in site.pages.iter().zip(&bodies) {
        let html = body.html_with_tips(|c| std::borrow::Cow::Owned(markdown::cite_tip(&site, c)));
        let path = render::output_path(&page.doc.path);
        let frame = (
            "<main><p>",
            html.as_str(),
            "</p></main><a href=\"/\">home</a>",
        );
        let urls = build::own_urls(&site);
        if let Some(differ) =
            links::body_reading_differs(&path, frame, &site.config.base_path, urls, &known)
        {
            panic!("{differ}");
        }
    }
}

/// Where `page_file` puts its input, chosen by its first byte: each schema once.
const PLACES: &[&str] = &[
    "fuzz.md",
    "actors/fuzz.md",
    "locations/fuzz.md",
    "talks/fuzz.md",
    "notes/_index.md",
];

/// Target `page_file`: the input as a whole content file, front matter included, in one of
/// the places that give it a schema (chosen by the first byte).
pub fn page_file(data: &[u8]) {
    if data.len() > MAX_LEN {
        return;
    }
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let rel = PLACES[usize::from(which) % PLACES.len()];
    let Some(text) = decode(&Path::new("content").join(rel), rest) else {
        return;
    };
    build_with(rel, text);
}

fn build_with(rel: &str, text: String) {
    let path = Path::new("content").join(rel);
    let file = TextFile {
        path: path.clone(),
        rel: rel.to_string(),
        text: text.clone(),
    };
    let result = render_in_memory(base_config(), loaded(Some(file)), &options());
    check_result(&result, &[(path, text.as_str())], true);
}

/// Target `link_scan`: the input as a rendered page, read by the links stage's scanner and
/// by lol_html ([`link_oracle`]), rewriting and not: the ids, links, external and removed
/// links and the bytes written must be the same, and a page one refuses (see
/// `dossier::links::scan`'s `Ambiguous`) the other must refuse too.
pub fn link_scan(data: &[u8]) {
    if data.len() > MAX_LEN {
        return;
    }
    static KNOWN: OnceLock<std::collections::HashSet<String>> = OnceLock::new();
    let known = KNOWN.get_or_init(|| {
        ["index.html", "a/b/index.html", "x/index.html", "style.css"]
            .map(String::from)
            .into()
    });
    let html = String::from_utf8_lossy(data);
    link_oracle::compare("a/b/index.html", &html, "/sub/", known);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fixture_site_builds_and_is_inert() {
        let result = render_in_memory(base_config(), loaded(None), &options());
        let built = result.unwrap_or_else(|d| panic!("{d:#?}"));
        assert!(
            built
                .files
                .iter()
                .any(|f| f.path == "actors/alice/index.html")
        );
        check_output(&built, true);
    }
}
