//! Rendering: templates compiled once per build, then every page and section rendered with its
//! context into memory. Nothing is written here, so a template error anywhere leaves the
//! previous output untouched and `serve` can render to memory.
//!
//! Template errors keep Tera's span and become diagnostics against the template's real file
//! (`themes/dossier/templates/actor.html:3:5`), with the page being rendered as a note.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use tera::{Context, ErrorKind, Kwargs, State, Tera, Value};

use crate::context::Views;
use crate::diagnostics::{Diagnostic, Location, did_you_mean};
use crate::load::TextFile;
use crate::model::{PageKind, Site};
use crate::publish::{self, Subject};

/// A file of the built site, in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// Relative to the output dir, `/`-separated: `actors/john-kerry/index.html`.
    pub path: String,
    pub bytes: Vec<u8>,
}

/// Where a rendered page came from: its content file and template, for messages.
pub type Origins = HashMap<String, (PathBuf, String)>;

/// The compiled templates and where each came from.
pub struct Templates {
    tera: Tera,
    files: BTreeMap<String, (PathBuf, String)>,
    /// Whether a template may print a page's `head` (its metadata), which is made only then.
    head_read: bool,
}

impl Templates {
    pub fn contains(&self, name: &str) -> bool {
        self.files.contains_key(name)
    }

    /// The names of the templates whose source differs between `self` and `other`, or that
    /// only one of them has.
    pub fn changed_since(&self, other: &Templates) -> BTreeSet<String> {
        let names: BTreeSet<&String> = self.files.keys().chain(other.files.keys()).collect();
        names
            .into_iter()
            .filter(|n| self.files.get(*n).map(|f| &f.1) != other.files.get(*n).map(|f| &f.1))
            .cloned()
            .collect()
    }

    /// Whether template `name` defines a component (which every template may call).
    pub fn defines_components(&self, name: &str) -> bool {
        self.files.get(name).is_some_and(|(_, src)| {
            template_tags(src).any(|tag| tag.split_whitespace().next() == Some("component"))
        })
    }

    /// The templates that use one of `names`, directly or through others (`extends`,
    /// `include`, `import`), `names` included. `None` when a template names another with a
    /// variable, so its dependencies are not known before rendering.
    pub fn users_of(&self, names: &BTreeSet<String>) -> Option<BTreeSet<String>> {
        if names.iter().any(|n| self.defines_components(n)) {
            return Some(self.files.keys().cloned().collect());
        }
        let mut deps: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for (name, (_, src)) in &self.files {
            deps.insert(name, template_references(src)?);
        }
        let mut users = names.clone();
        loop {
            let before = users.len();
            for (name, refs) in &deps {
                if refs.iter().any(|r| users.contains(r)) {
                    users.insert(name.to_string());
                }
            }
            if users.len() == before {
                return Some(users);
            }
        }
    }

    /// The templates whose expressions read one of the site-wide values `site.<key>` for a
    /// key in `keys`, or read `site` as a whole (then any key may matter). Over-approximates:
    /// the word `site` anywhere in an expression, a string included, counts as a read.
    pub fn reading_site(&self, keys: &BTreeSet<String>) -> BTreeSet<String> {
        self.files
            .iter()
            .filter(|(_, (_, src))| match site_keys_read(src) {
                Some(read) => read.iter().any(|k| keys.contains(*k)),
                None => true,
            })
            .map(|(name, _)| name.clone())
            .collect()
    }
}

/// Whether `expr` names `word`: not as part of a longer identifier (a string counts).
fn names(expr: &str, word: &str) -> bool {
    expr.match_indices(word).any(|(at, _)| {
        !expr[..at].chars().next_back().is_some_and(is_ident)
            && !expr[at + word.len()..].chars().next().is_some_and(is_ident)
    })
}

/// Whether `c` may be part of a template identifier.
fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The keys of `site` that a template's expressions read (`site.actors` → `actors`); `None`
/// when one of them uses `site` otherwise (`site[k]`, `site` passed whole to a macro).
fn site_keys_read(src: &str) -> Option<BTreeSet<&str>> {
    Some(
        paths_read(src, "site", 1)?
            .into_iter()
            .map(|p| p[0])
            .collect(),
    )
}

/// Where a template's expressions read the variable `var`: the keys after it, up to `depth`
/// of them (`page.actor.relations` → `["actor", "relations"]` at depth 2). A path shorter
/// than `depth` is read whole. `None` when an expression uses `var` otherwise: whole, by a
/// computed key (`var[k]`), passed to a filter, macro or component. The variables a `for`
/// loop declares are not reads. Over-approximates: `var.key` anywhere in an expression, a
/// string or another variable's key included, counts as a read.
fn paths_read<'s>(src: &'s str, var: &str, depth: usize) -> Option<Vec<Vec<&'s str>>> {
    let mut paths = Vec::new();
    for expr in template_expressions(src) {
        // `for x in …`, `for k, v in …`: what comes before `in` names the loop's variables.
        let trimmed = expr.trim_start_matches(['-', ' ', '\t', '\n', '\r']);
        let declared = match trimmed.strip_prefix("for") {
            Some(rest) if rest.starts_with(char::is_whitespace) => {
                expr.find(" in ").map_or(0, |i| i + 1)
            }
            _ => 0,
        };
        let mut from = 0;
        while let Some(at) = expr[from..].find(var).map(|i| from + i) {
            from = at + var.len();
            let before = expr[..at].chars().next_back();
            if before.is_some_and(|c| is_ident(c) || c == '.') {
                continue; // `page.site`, `my_site`: not the variable
            }
            if expr[from..].chars().next().is_some_and(is_ident) {
                continue; // `sites`, `site_title`
            }
            if at < declared {
                continue;
            }
            let mut path = Vec::new();
            let mut rest = &expr[from..];
            while path.len() < depth {
                let Some(r) = rest.trim_start().strip_prefix('.') else {
                    break;
                };
                let r = r.trim_start();
                let n = r.find(|c: char| !is_ident(c)).unwrap_or(r.len());
                if n == 0 {
                    break;
                }
                path.push(&r[..n]);
                rest = &r[n..];
            }
            // `var.key[k]` or `var.key?.sub` read `key` whole, as a path shorter than `depth`
            // says; `var[k]`, `var?.key`, `var` alone read everything.
            if path.is_empty() {
                return None;
            }
            paths.push(path);
        }
    }
    Some(paths)
}

/// What `templates` may read of a page's view ([`paths_read`] of `page`, two keys deep): the
/// views leave the rest out. Everything when one of them reads `page` otherwise or reads
/// the whole context (`__tera_context`).
pub fn page_reads(templates: &[TextFile]) -> crate::context::PageReads {
    let mut all = BTreeSet::new();
    for t in templates {
        if t.text.contains("__tera_context") {
            return crate::context::PageReads::ALL;
        }
        let Some(paths) = paths_read(&t.text, "page", 2) else {
            return crate::context::PageReads::ALL;
        };
        all.extend(
            paths
                .into_iter()
                .map(|p| p.into_iter().map(str::to_string).collect::<Vec<_>>()),
        );
    }
    crate::context::PageReads::only(all)
}

/// The pictures that `templates` may show, so that a theme that shows none (the benchmark's
/// minimal one) does not pay for drawing thousands of them. `site.pictures` is drawn when a
/// template reads that key of `site` (or uses `site` otherwise, [`site_keys_read`]); the
/// locator maps when an expression names `locator` (also as a string, `get(key="locator")`),
/// or reads a value by a computed key (any `[`, `get(`), or the whole context
/// (`__tera_context`).
pub fn pictures_read(templates: &[crate::load::TextFile]) -> crate::pictures::Draw {
    let mut draw = crate::pictures::Draw {
        site: false,
        locators: false,
    };
    for t in templates {
        let everything = t.text.contains("__tera_context");
        draw.site |=
            everything || site_keys_read(&t.text).is_none_or(|keys| keys.contains("pictures"));
        draw.locators |= everything
            || template_expressions(&t.text)
                .any(|e| names(e, "locator") || e.contains('[') || e.contains("get("));
    }
    draw
}

/// The inside of every `{{ … }}` and `{% … %}` of a template (comments left out).
fn template_expressions(src: &str) -> impl Iterator<Item = &str> {
    let mut rest = src;
    std::iter::from_fn(move || {
        loop {
            let start = rest.find(['{'])?;
            let after = &rest[start + 1..];
            let close = match after.chars().next() {
                Some('{') => "}}",
                Some('%') => "%}",
                Some('#') => "#}",
                _ => {
                    rest = after;
                    continue;
                }
            };
            let inner = &after[1..];
            let end = inner.find(close).unwrap_or(inner.len());
            rest = &inner[end..];
            if close != "#}" {
                return Some(&inner[..end]);
            }
        }
    })
}

/// The templates a template's `extends`, `include` and `import` tags name; `None` if one of
/// them names it with an expression instead of a string.
fn template_references(src: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for body in template_tags(src) {
        let keyword = body.split_whitespace().next().unwrap_or("");
        if !matches!(keyword, "extends" | "include" | "import") {
            continue;
        }
        let args = &body[keyword.len()..];
        let before = out.len();
        let mut quoted = args.split(['"', '\'', '`']);
        quoted.next();
        for (i, piece) in quoted.enumerate() {
            if i % 2 == 0 {
                out.push(piece.to_string());
            }
        }
        if out.len() == before {
            return None;
        }
    }
    Some(out)
}

/// The inside of every `{% … %}` tag of a template, trimmed.
fn template_tags(src: &str) -> impl Iterator<Item = &str> {
    let mut rest = src;
    std::iter::from_fn(move || {
        let start = rest.find("{%")?;
        let tag = &rest[start + 2..];
        let end = tag.find("%}").unwrap_or(tag.len());
        rest = &tag[end..];
        Some(tag[..end].trim_matches(['-', '+']).trim())
    })
}

/// Compiles the templates. Syntax errors in several files are all reported.
pub fn compile(
    files: &[TextFile],
    base_path: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<Templates> {
    let table: BTreeMap<String, (PathBuf, String)> = files
        .iter()
        .map(|f| (f.rel.clone(), (f.path.clone(), f.text.clone())))
        .collect();
    let mut tera = Tera::new();
    register(&mut tera, base_path);
    let mut remaining: BTreeMap<&str, &str> = table
        .iter()
        .map(|(k, (_, t))| (k.as_str(), t.as_str()))
        .collect();
    let mut failed = false;
    // Tera stops at the first error; take the broken template out and try again, so one
    // build reports every template with a syntax error.
    loop {
        match tera.add_raw_templates(remaining.iter().map(|(k, v)| (*k, *v))) {
            Ok(()) => break,
            Err(err) => {
                failed = true;
                let culprit = match err.kind() {
                    ErrorKind::SyntaxError(r) => Some(r.filename().to_string()),
                    _ => None,
                };
                diags.push(tera_diagnostic(&err, &table, None));
                match culprit {
                    Some(name) if remaining.remove(name.as_str()).is_some() => continue,
                    _ => break,
                }
            }
        }
    }
    if failed {
        return None;
    }
    let head_read = table.values().any(|(_, src)| {
        src.contains("__tera_context") || template_expressions(src).any(|e| names(e, "head"))
    });
    Some(Templates {
        tera,
        files: table,
        head_read,
    })
}

/// `404.html`, when the theme has one.
pub fn render_404(
    tera: &Tera,
    site: &Site,
    templates: &Templates,
) -> Option<Result<OutputFile, Diagnostic>> {
    if !templates.contains("404.html") {
        return None;
    }
    let mut ctx = Context::new();
    ctx.insert_value("current_path", Value::from("/404.html"));
    ctx.insert_value("current_url", Value::from(site.url("/404.html")));
    ctx.insert_value(
        "head",
        Value::safe_string("<meta name=\"robots\" content=\"noindex\">"),
    );
    Some(
        tera.render("404.html", &ctx)
            .map(|html| OutputFile {
                path: "404.html".into(),
                bytes: html.into_bytes(),
            })
            .map_err(|e| tera_diagnostic(&e, &templates.files, Some(Path::new("404.html")))),
    )
}

/// Our template functions. There is deliberately no way to read the environment or files.
fn register(tera: &mut Tera, base_path: &str) {
    let base = base_path.to_string();
    // `url(path="style.css")` → "/base/style.css".
    tera.register_function(
        "url",
        move |kwargs: Kwargs, _: &State| -> tera::TeraResult<String> {
            let path: String = kwargs.must_get("path")?;
            Ok(format!("{}{}", base, path.trim_start_matches('/')))
        },
    );
}

/// Turns a Tera error into a diagnostic pointing into the template's file.
fn tera_diagnostic(
    err: &tera::Error,
    files: &BTreeMap<String, (PathBuf, String)>,
    rendering: Option<&Path>,
) -> Diagnostic {
    let mut d = match err.kind() {
        ErrorKind::SyntaxError(r) | ErrorKind::RenderingError(r) => {
            let kind = if matches!(err.kind(), ErrorKind::SyntaxError(_)) {
                "template syntax error"
            } else {
                "template error"
            };
            let mut d = Diagnostic::error(format!("{kind}: {}", r.message()));
            if let Some(help) = undefined_help(r.message()) {
                d = d.with_help(help);
            }
            if let Some((path, src)) = files.get(r.filename()) {
                let span = r.span();
                d = d.at(path, src, span.range.clone());
                // Tera's own line and column win if the byte range was not usable.
                if let Some(loc) = &mut d.location
                    && loc.line != span.start_line
                {
                    *loc = Location::from_span(
                        src,
                        line_col_to_offset(src, span.start_line, span.start_col)
                            ..line_col_to_offset(src, span.end_line, span.end_col),
                    );
                }
            } else {
                d = d.with_note(format!("in template `{}`", r.filename()));
            }
            d
        }
        ErrorKind::MissingParent { current, parent } => {
            let d = Diagnostic::error(format!(
                "template `{current}` extends `{parent}`, which does not exist"
            ));
            let d = match files.get(current.as_str()) {
                Some((path, src)) => match src.find(parent.as_str()) {
                    Some(i) => d.at(path, src, i..i + parent.len()),
                    None => d.in_file(path),
                },
                None => d,
            };
            d.with_help(suggest_template(parent, files))
        }
        ErrorKind::TemplateNotFound(name) => {
            Diagnostic::error(format!("template `{name}` not found"))
                .with_help(suggest_template(name, files))
        }
        ErrorKind::Msg(m) => match reparse_report(m, files) {
            Some(d) => d,
            None => Diagnostic::error(format!("template error: {m}")),
        },
        other => Diagnostic::error(format!("template error: {other}")),
    };
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        d = d.with_note(cause.to_string());
        source = cause.source();
    }
    if let Some(page) = rendering {
        d = d.with_note(format!("while rendering {}", page.display()));
    }
    d
}

/// Some of Tera's errors arrive as an already rendered report ("error: …\n --> name:3:5");
/// this points it at the template's real file instead.
fn reparse_report(
    message: &str,
    files: &BTreeMap<String, (PathBuf, String)>,
) -> Option<Diagnostic> {
    let first = message.lines().next()?.strip_prefix("error: ")?;
    let locus = message
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("--> "))?;
    let mut parts = locus.rsplitn(3, ':');
    let col: usize = parts.next()?.parse().ok()?;
    let line: usize = parts.next()?.parse().ok()?;
    let name = parts.next()?;
    let (path, src) = files.get(name)?;
    let start = line_col_to_offset(src, line, col.saturating_sub(1));
    let mut d =
        Diagnostic::error(format!("template error: {first}")).at(path, src, start..start + 1);
    if let Some(missing) = first
        .strip_prefix("Unknown template `")
        .and_then(|r| r.strip_suffix('`'))
    {
        if let Some(loc) = &mut d.location {
            loc.width = missing.len() + 2;
        }
        d = d.with_help(suggest_template(missing, files));
    }
    Some(d)
}

fn suggest_template(name: &str, files: &BTreeMap<String, (PathBuf, String)>) -> String {
    match did_you_mean(name, files.keys().map(String::as_str)) {
        Some(c) => format!("did you mean `{c}`?"),
        None => format!("add {name} to templates/ or to the theme's templates/"),
    }
}

/// "Field `titel` is not defined. Available fields: a, title" → "did you mean `title`?"
fn undefined_help(message: &str) -> Option<String> {
    let name = message.split('`').nth(1)?;
    let (_, available) = message.split_once("Available ")?;
    let (_, list) = available.split_once(": ")?;
    let candidates = list.split(", ").map(str::trim);
    did_you_mean(name, candidates).map(|c| format!("did you mean `{c}`?"))
}

fn line_col_to_offset(src: &str, line: usize, col: usize) -> usize {
    let start: usize = src
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let line_text = src[start.min(src.len())..].lines().next().unwrap_or("");
    start
        + line_text
            .char_indices()
            .nth(col)
            .map_or(line_text.len(), |(i, _)| i)
}

fn shift(span: std::ops::Range<usize>, by: usize) -> std::ops::Range<usize> {
    span.start + by..span.end + by
}

/// One render job: which template, with which values, into which file.
struct Job<'a> {
    template: String,
    /// The content file it comes from (for messages).
    file: &'a Path,
    /// `Some` when the template was chosen in front matter: its span, to point at it.
    chosen_at: Option<(&'a str, std::ops::Range<usize>)>,
    key: &'static str,
    /// The view; `None` for a page whose view is made when it is rendered.
    value: Option<Value>,
    path: String,
    /// The engine's `<head>` tags; `None` for a page, whose tags are made when it is
    /// rendered.
    head: Option<String>,
    page: Option<crate::model::PageId>,
}

/// Makes the view of a page that `Views::pages` does not hold (see
/// `context::build_prepared_lazily`).
/// `true`: the whole view, not only what the templates read.
pub type PageViews<'a> = &'a (dyn Fn(crate::model::PageId, bool) -> Value + Sync);

/// Takes each rendered file as soon as it is made, and returns what is kept of it (`build`
/// stages it into the output dir and keeps only its path).
/// It is told, if the file is a page's, which page it is and the page's body, as the page's
/// view holds it (when it does).
pub type Sink<'a> =
    &'a (dyn Fn(OutputFile, Option<crate::model::PageId>, Option<&str>) -> OutputFile + Sync);

/// Renders every page and section, plus `404.html` when the theme has one.
/// Pages whose content file has errors are skipped: rendering them would only add errors
/// caused by the first ones.
/// `page_views` makes the view of a page that `views.pages` does not hold; `sink`, if given,
/// takes each file as it is made.
pub fn render(
    site: &Site,
    views: &Views,
    page_views: Option<PageViews>,
    sink: Option<Sink>,
    templates: &Templates,
    skip: &std::collections::HashSet<PathBuf>,
    diags: &mut Vec<Diagnostic>,
) -> (Vec<OutputFile>, Origins) {
    let tera = with_globals(templates, views);
    render_some(
        &tera, site, views, page_views, sink, templates, skip, None, diags,
    )
}

/// The output file of a page or section at `path` (`/actors/x/` → `actors/x/index.html`).
pub fn output_path(path: &str) -> String {
    format!("{}index.html", path.trim_start_matches('/'))
}

/// The templates with the values every page sees (`config`, `site`).
pub fn with_globals(templates: &Templates, views: &Views) -> Tera {
    let mut tera = templates.tera.clone();
    tera.global_context()
        .insert_value("config", views.config.clone());
    tera.global_context()
        .insert_value("site", views.site.clone());
    tera
}

fn section_head(site: &Site, s: &crate::model::Section) -> String {
    publish::head(
        site,
        &Subject::Section {
            title: &s.doc.title,
            description: s.doc.description.as_deref(),
            path: &s.doc.path,
            home: s.folder.is_empty(),
        },
    )
}

/// The `head` of every page and of every section, as [`render_some`] gives it to the
/// templates, for an incremental rebuild to tell which ones changed.
pub fn heads(site: &Site) -> (Vec<String>, Vec<String>) {
    let pages = site
        .pages
        .par_iter()
        .map(|p| publish::head(site, &Subject::Page(p)))
        .collect();
    let sections = site
        .sections
        .par_iter()
        .map(|s| section_head(site, s))
        .collect();
    (pages, sections)
}

/// [`render`] with templates from [`with_globals`], limited to the pages and sections of the
/// content files in `only` when it is given (and then without `404.html`).
#[allow(clippy::too_many_arguments)]
pub fn render_some(
    tera: &Tera,
    site: &Site,
    views: &Views,
    page_views: Option<PageViews>,
    sink: Option<Sink>,
    templates: &Templates,
    skip: &std::collections::HashSet<PathBuf>,
    only: Option<&std::collections::HashSet<PathBuf>>,
    diags: &mut Vec<Diagnostic>,
) -> (Vec<OutputFile>, Origins) {
    let mut jobs = Vec::new();
    let wanted = |file: &Path| only.is_none_or(|o| o.contains(file));
    for (id, s) in site.sections.iter().enumerate() {
        if !wanted(&s.doc.file) {
            continue;
        }
        let default = if s.folder.is_empty() {
            "index.html"
        } else {
            "section.html"
        };
        jobs.push(Job {
            template: s
                .doc
                .template
                .as_ref()
                .map_or(default.to_string(), |t| t.get_ref().clone()),
            file: &s.doc.file,
            chosen_at: s
                .doc
                .template
                .as_ref()
                .map(|t| (s.doc.src.as_str(), shift(t.span(), s.doc.fm_offset))),
            key: "section",
            value: Some(views.sections[id].clone()),
            path: s.doc.path.clone(),
            head: Some(section_head(site, s)),
            page: None,
        });
    }
    if !site.sections.iter().any(|s| s.folder.is_empty()) && wanted(Path::new("content/_index.md"))
    {
        // No content/_index.md: the home page still exists, with the site's title, and
        // every key of a section's view (empty), so a theme reads it as it reads a home
        // section that says nothing (the default theme's `section.toc` was undefined).
        let mut m = tera::Map::new();
        let empty = || Value::from(Vec::<Value>::new());
        m.insert("title".into(), Value::from(site.config.title.as_str()));
        m.insert("kind".into(), Value::from("section"));
        m.insert("path".into(), Value::from("/"));
        m.insert("url".into(), Value::from(site.url("/")));
        m.insert("permalink".into(), Value::from(site.permalink("/")));
        m.insert("summary".into(), Value::none());
        m.insert("description".into(), Value::none());
        m.insert("weight".into(), Value::from(0));
        m.insert("content".into(), Value::safe_string(""));
        m.insert("toc".into(), empty());
        m.insert("extra".into(), Value::from(tera::Map::new()));
        m.insert("pages".into(), empty());
        m.insert("subsections".into(), empty());
        m.insert("parent".into(), Value::none());
        m.insert("citations".into(), empty());
        jobs.push(Job {
            template: "index.html".into(),
            file: Path::new("content/_index.md"),
            chosen_at: None,
            key: "section",
            value: Some(Value::from(m)),
            path: "/".into(),
            head: Some(publish::head(
                site,
                &Subject::Section {
                    title: &site.config.title,
                    description: None,
                    path: "/",
                    home: true,
                },
            )),
            page: None,
        });
    }
    for (id, p) in site.pages.iter().enumerate() {
        if !wanted(&p.doc.file) {
            continue;
        }
        let default = match p.kind {
            PageKind::Actor(_) => "actor.html",
            PageKind::Location(_) => "location.html",
            PageKind::Talk(_) => "talk.html",
            PageKind::Source(_) => "source.html",
            PageKind::Plain { .. } => "page.html",
        };
        jobs.push(Job {
            template: p
                .doc
                .template
                .as_ref()
                .map_or(default.to_string(), |t| t.get_ref().clone()),
            file: &p.doc.file,
            chosen_at: p
                .doc
                .template
                .as_ref()
                .map(|t| (p.doc.src.as_str(), shift(t.span(), p.doc.fm_offset))),
            key: "page",
            value: views.pages.get(id).cloned(),
            path: p.doc.path.clone(),
            head: None,
            page: Some(id),
        });
    }

    jobs.retain(|job| !skip.contains(job.file));
    // A template the theme lacks is one error, whatever the number of pages that need it.
    let mut missing: BTreeMap<&str, Vec<&Path>> = BTreeMap::new();
    let mut runnable = Vec::with_capacity(jobs.len());
    for job in &jobs {
        if templates.contains(&job.template) {
            runnable.push(job);
            continue;
        }
        let help = match did_you_mean(&job.template, templates.files.keys().map(String::as_str)) {
            Some(c) => format!("did you mean `{c}`?"),
            None => format!(
                "add {} to templates/ or to the theme's templates/",
                job.template
            ),
        };
        match &job.chosen_at {
            Some((src, span)) => diags.push(
                Diagnostic::error(format!("template `{}` not found", job.template))
                    .at(job.file, src, span.clone())
                    .with_help(help),
            ),
            None => missing
                .entry(job.template.as_str())
                .or_default()
                .push(job.file),
        }
    }
    for (name, files) in missing {
        let more = match files.len() {
            1 => String::new(),
            n => format!(" and {} other page{}", n - 1, if n == 2 { "" } else { "s" }),
        };
        diags.push(
            Diagnostic::error(format!("the theme has no template `{name}`"))
                .in_file(files[0])
                .with_note(format!("needed by {}{more}", files[0].display()))
                .with_help(format!(
                    "add {name} to templates/ or to the theme's templates/"
                )),
        );
    }

    let head_read = templates.head_read;
    let results: Vec<Result<OutputFile, (Diagnostic, &Path)>> = runnable
        .par_iter()
        .map(|job| {
            let made = match (job.page, page_views) {
                (Some(id), Some(make)) if job.value.is_none() => Some((id, make)),
                _ => None,
            };
            let value = match (&job.value, made) {
                (Some(v), _) => v.clone(),
                (None, Some((id, make))) => make(id, false),
                // `views.pages` holds every page unless `page_views` is given.
                (None, None) => Value::none(),
            };
            let head = match (&job.head, job.page) {
                (Some(h), _) => Value::safe_string(h),
                (None, Some(id)) if head_read => {
                    Value::safe_string(&publish::head(site, &Subject::Page(&site.pages[id])))
                }
                (None, _) => Value::safe_string(""),
            };
            let mut ctx = Context::new();
            ctx.insert_value(job.key, value);
            ctx.insert_value("current_path", Value::from(job.path.as_str()));
            ctx.insert_value("current_url", Value::from(site.url(&job.path)));
            ctx.insert_value("head", head);
            // Room for the page's body and about as much again of template, so that few pages
            // grow their buffer (each growth copies it).
            // Held apart from the context (which a failed render may replace) for the sink.
            let content = ctx
                .get(job.key)
                .and_then(|v| v.get_from_path("content"))
                .filter(|c| c.as_str().is_some())
                .cloned();
            let room = content.as_ref().and_then(Value::as_str).map_or(0, str::len) + 8192;
            let render = |ctx: &Context| {
                crate::guard::page(job.file, "the template", || {
                    // Into bytes, which is what is written: no UTF-8 check of Tera's output.
                    let mut html = Vec::with_capacity(room);
                    tera.render_to(&job.template, ctx, &mut html).map(|()| html)
                })
                .map_err(|d| (d, job.file))
            };
            let mut rendered = render(&ctx)?;
            // A view made with only what the templates read: the error is made again with
            // the whole view, so that it lists every key the page has.
            if rendered.is_err()
                && let Some((id, make)) = made
            {
                ctx.insert_value(job.key, make(id, true));
                if let again @ Err(_) = render(&ctx)? {
                    rendered = again;
                }
            }
            rendered
                .map(|mut bytes| {
                    let file = |bytes| OutputFile {
                        path: output_path(&job.path),
                        bytes,
                    };
                    match sink {
                        Some(sink) => sink(
                            file(bytes),
                            job.page,
                            job.page.and(content.as_ref().and_then(Value::as_str)),
                        ),
                        None => {
                            // Held until the write: without the slack of its buffer.
                            crate::tighten_bytes(&mut bytes);
                            file(bytes)
                        }
                    }
                })
                .map_err(|e| (tera_diagnostic(&e, &templates.files, None), job.file))
        })
        .collect();
    let origins: Origins = runnable
        .iter()
        .map(|job| {
            (
                output_path(&job.path),
                (job.file.to_path_buf(), job.template.clone()),
            )
        })
        .collect();
    let mut out = Vec::with_capacity(results.len() + 1);
    // The same template error on many pages is reported once, naming the first page.
    let mut failures: BTreeMap<String, (Diagnostic, Vec<&Path>)> = BTreeMap::new();
    for r in results {
        match r {
            Ok(f) => out.push(f),
            Err((d, file)) => failures
                .entry(d.render(false))
                .or_insert_with(|| (d, Vec::new()))
                .1
                .push(file),
        }
    }
    for (_, (d, files)) in failures {
        let more = match files.len() {
            1 => String::new(),
            n => format!(" and {} other page{}", n - 1, if n == 2 { "" } else { "s" }),
        };
        diags.push(d.with_note(format!("while rendering {}{more}", files[0].display())));
    }
    if only.is_none() {
        match render_404(tera, site, templates) {
            Some(Ok(f)) => out.push(match sink {
                Some(sink) => sink(f, None, None),
                None => f,
            }),
            Some(Err(d)) => diags.push(d),
            None => {}
        }
    }
    (out, origins)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pictures_are_drawn_only_when_a_template_may_show_them() {
        let read = |texts: &[&str]| {
            let templates: Vec<crate::load::TextFile> = texts
                .iter()
                .map(|t| crate::load::TextFile {
                    path: "templates/t.html".into(),
                    rel: "t.html".into(),
                    text: t.to_string(),
                })
                .collect();
            let d = pictures_read(&templates);
            (d.site, d.locators)
        };
        let plain = "{% extends \"base.html\" %}{{ page.title }} {{ site.title }} locator [";
        assert_eq!(read(&[plain]), (false, false));
        assert_eq!(read(&[plain, "{{ page.locator | safe }}"]), (false, true));
        assert_eq!(
            read(&["{{ page.locators_count }}{# page.locator #}"]),
            (false, false)
        );
        assert_eq!(read(&["{{ site.pictures.map.svg | safe }}"]), (true, false));
        assert_eq!(read(&["{% set s = site %}{{ s.title }}"]), (true, false));
        for computed in [
            "{{ page[k] }}",
            "{{ page | get(key=k) }}",
            "{{ p | get(key=\"locator\") }}",
        ] {
            assert_eq!(read(&[computed]), (false, true), "{computed}");
        }
        assert_eq!(read(&["{{ __tera_context }}"]), (true, true));
    }

    #[test]
    fn template_references_are_read_from_extends_include_and_import_tags() {
        let src = r#"{% extends "base.html" %}
{%- include "partials/a.html" -%}
{% include ["b.html", 'c.html'] ignore missing %}
{% import "macros.html" as m %}
{% if x %}{{ y }}{% endif %}"#;
        assert_eq!(
            template_references(src),
            Some(vec![
                "base.html".to_string(),
                "partials/a.html".into(),
                "b.html".into(),
                "c.html".into(),
                "macros.html".into(),
            ])
        );
        // A template named by a variable: its dependencies are unknown.
        assert_eq!(template_references("{% include page.partial %}"), None);
        assert_eq!(template_references("no tags"), Some(vec![]));
    }

    #[test]
    fn site_keys_are_read_from_expressions_and_a_whole_site_read_means_all() {
        let keys = |src| site_keys_read(src).map(|k| k.into_iter().collect::<Vec<_>>());
        let src = r#"<header class="site-header">site.title in text is not an expression</header>
{% for s in site.sections %}{{ s.title }}{% endfor %}
{{- site . pictures.map | safe -}}
{% if page.site or my_site or sites %}{{ site_title }}{% endif %}
{# site["everything"] in a comment #}"#;
        assert_eq!(keys(src), Some(vec!["pictures", "sections"]));
        // `site` itself, indexed or passed whole: every key may matter.
        assert_eq!(keys("{{ site[name] }}"), None);
        assert_eq!(keys("{{ m::map(site=site) }}"), None);
        assert_eq!(keys("{% set s = site %}{{ s.actors }}"), None);
        assert_eq!(keys("{{ \"site\" }}"), None);
        assert_eq!(keys("{{ site"), None);
        assert_eq!(keys("no expressions, site.actors"), Some(vec![]));
    }

    #[test]
    fn page_paths_are_read_two_keys_deep_and_a_whole_page_read_means_all() {
        let paths = |src| {
            paths_read(src, "page", 2).map(|ps| {
                ps.into_iter()
                    .map(|p| p.join("."))
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect::<Vec<_>>()
            })
        };
        let src = r#"<h1>{{ page.title }}</h1>{{ page.content | safe }}
{% for r in page.actor.relations %}{{ r.target.url }}{% endfor %}
{%- for c in page . citations -%}{{ c.n }}{% endfor %}
{% if page.talk.date.label %}{{ page.location["kind"] }}{{ page.source?.url }}{% endif %}
{% for page in section.pages %}{{ page.summary }}{% endfor %}
{% for key, page in pairs %}{% endfor %}
{{ homepage.x }}{{ pages }}{{ s.page }}"#;
        assert_eq!(
            paths(src),
            Some(
                [
                    "actor.relations",
                    "citations",
                    "content",
                    "location",
                    "source",
                    "summary",
                    "talk.date",
                    "title",
                ]
                .map(String::from)
                .to_vec()
            )
        );
        // `page` itself, indexed, optional, filtered or passed whole: every key may matter.
        for whole in [
            "{{ page }}",
            "{{ page[key] }}",
            "{{ page?.title }}",
            "{{ page | get(key=\"title\") }}",
            "{{ m::card(page=page) }}",
            "{% set p = page %}{{ p.title }}",
            "{% for x in page %}{% endfor %}",
        ] {
            assert_eq!(paths(whole), None, "{whole}");
        }
        let text = |t: &str| crate::load::TextFile {
            path: "templates/t.html".into(),
            rel: "t.html".into(),
            text: t.to_string(),
        };
        let reads = page_reads(&[text("{{ page.actor.relations }}"), text("{{ page.title }}")]);
        assert_eq!(
            reads,
            crate::context::PageReads::only([
                vec!["actor".to_string(), "relations".to_string()],
                vec!["title".to_string()],
            ])
        );
        let everything = [text("{{ page.title }}"), text("{{ __tera_context }}")];
        assert_eq!(page_reads(&everything), crate::context::PageReads::ALL);
        let whole = [text("{{ page.title }}"), text("{{ page | length }}")];
        assert_eq!(page_reads(&whole), crate::context::PageReads::ALL);
    }
}
