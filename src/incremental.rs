//! Incremental rebuilds for `dossier serve`: after an edit, redo only the work it needs.
//!
//! A [`Session`] keeps the intermediate values of its last good build (`build::State`) and
//! the site it served. Given the paths that changed, it takes one of these routes:
//!
//! - **pages**: Markdown files whose front matter is byte-for-byte unchanged. Their bodies
//!   are rendered again; if none of them changed its footprint on other pages (the anchors
//!   it defines, the pages it links to, the paragraphs it cites), only their own views and
//!   HTML are made again, and their links checked against the rest of the site. The rest of
//!   the site is, by construction, what a full build would produce.
//! - **model**: front matter changed, or a body's footprint did. The content is loaded and
//!   the model, the Markdown and every view made again; only the pages whose view or head
//!   tags changed, the edited ones, and those whose templates read a site-wide value that
//!   changed are rendered again.
//! - **templates**: the pages whose template is, extends, includes or imports a changed
//!   template are rendered again with the kept views.
//! - **statics**: files of `static/` or the theme's `static/` (not HTML): copied again.
//! - **full**: anything else (site.toml, a file added, removed or moved to another path, a
//!   template named by a variable or defining components, an id a re-rendered page lost, a
//!   previous build that failed): the whole pipeline, as `dossier build` runs it.
//!
//! Correctness comes first: `tests/it/incremental.rs` edits each kind of file and compares
//! what the session serves with a fresh full build.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::build::{self, BuildOptions, State};
use crate::diagnostics::Diagnostic;
use crate::markdown::{Linker, Rendered};
use crate::model::Target;
use crate::{context, frontmatter, links, lint, load, model, publish, render, search};

/// Output path → bytes: the site as served.
pub type Files = HashMap<String, Arc<[u8]>>;

/// Which route a rebuild took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// The whole pipeline.
    Full,
    /// Front matter changed: the model, Markdown and views were made again, and only these
    /// content files' pages, whose output depends on a changed value, were rendered again.
    Model(Vec<PathBuf>),
    /// Only these content files' pages were made again.
    Pages(Vec<PathBuf>),
    /// Only the pages rendered with a changed template (this many) were rendered again.
    Templates(usize),
    /// Only static files were copied again.
    Statics,
    /// Nothing that the site depends on changed.
    Nothing,
}

/// The outcome of a successful rebuild.
pub struct Update {
    pub route: Route,
    /// Output paths whose bytes changed, appeared or disappeared.
    pub changed: Vec<String>,
    pub warnings: Vec<Diagnostic>,
}

/// A site being served, and what its next rebuild can start from.
pub struct Session {
    opts: BuildOptions,
    /// `None` until a build succeeds, and after a failed one: the next rebuild is full.
    state: Option<Box<State>>,
    files: Arc<Files>,
    /// The site's search records, when it has search.
    records: Option<Vec<search::Record>>,
    /// The records changed since they were last taken for indexing.
    search_dirty: bool,
    /// `records` are out of date and are to be made again from the state when taken: the
    /// model route leaves that work for the pause after the edit instead of making the
    /// editor wait for it.
    records_stale: bool,
}

impl Session {
    pub fn new(mut opts: BuildOptions) -> Session {
        opts.keep_state = true;
        opts.defer_search = true;
        Session {
            opts,
            state: None,
            files: Arc::new(Files::new()),
            records: None,
            search_dirty: false,
            records_stale: false,
        }
    }

    /// The site of the last good build (without its search index, which the caller builds
    /// from [`Session::take_search_records`]).
    pub fn files(&self) -> Arc<Files> {
        self.files.clone()
    }

    /// What the search index is built with besides its records, once a build has succeeded:
    /// the site's default language and the size of the index's parts.
    pub fn search_settings(&self) -> Option<(String, usize)> {
        self.state.as_ref().map(|s| {
            let c = &s.site.config;
            (c.default_language.clone(), c.search_shard_size)
        })
    }

    /// The records the search index is to be built from, when they changed since the last
    /// call.
    pub fn take_search_records(&mut self) -> Option<Vec<search::Record>> {
        if !std::mem::take(&mut self.search_dirty) {
            return None;
        }
        if std::mem::take(&mut self.records_stale) {
            let state = self.state.as_ref()?;
            self.records = Some(search::records(
                &state.site,
                &state.bodies,
                &state.section_bodies,
            ));
        }
        self.records.clone()
    }

    /// Builds the whole site.
    pub fn full(&mut self) -> Result<Update, Vec<Diagnostic>> {
        self.state = None;
        self.records = None;
        self.records_stale = false;
        let mut built = build::render_site(&self.opts)?;
        self.state = built.state.take();
        if self.state.as_ref().is_some_and(|s| s.site.config.search) {
            self.records = Some(std::mem::take(&mut built.search));
            self.search_dirty = true;
        }
        let files: Files = built
            .files
            .into_iter()
            .map(|f| (f.path, Arc::from(f.bytes)))
            .collect();
        let changed = diff(&self.files, &files);
        self.files = Arc::new(files);
        Ok(Update {
            route: Route::Full,
            changed,
            warnings: built.warnings,
        })
    }

    /// Rebuilds after `changed` (paths under the site root, absolute or relative to it)
    /// changed on disk, by the cheapest route that gives what a full build would.
    pub fn update(&mut self, changed: &[PathBuf]) -> Result<Update, Vec<Diagnostic>> {
        match self.plan(changed) {
            Some(Plan::Nothing) => Ok(Update {
                route: Route::Nothing,
                changed: Vec::new(),
                warnings: Vec::new(),
            }),
            Some(Plan::Pages(edits)) => {
                let targets = edits.iter().map(|&(t, _)| t).collect();
                match self.pages(edits) {
                    Some(result) => result,
                    // A new link, citation or heading: other pages show it.
                    None => match self.model(targets) {
                        Some(result) => result,
                        None => self.full(),
                    },
                }
            }
            Some(Plan::Model(targets)) => match self.model(targets) {
                Some(result) => result,
                None => self.full(),
            },
            Some(Plan::Templates) => match self.templates() {
                Some(result) => result,
                None => self.full(),
            },
            Some(Plan::Statics) => match self.statics() {
                Some(result) => result,
                None => self.full(),
            },
            None => self.full(),
        }
    }

    fn relative(&self, path: &Path) -> Option<PathBuf> {
        if path.is_relative() {
            return Some(path.to_path_buf());
        }
        let root = std::fs::canonicalize(&self.opts.root).ok()?;
        let path = match std::fs::canonicalize(path) {
            Ok(p) => p,
            // A deleted file: canonicalise its folder.
            Err(_) => std::fs::canonicalize(path.parent()?)
                .ok()?
                .join(path.file_name()?),
        };
        path.strip_prefix(&root).ok().map(Path::to_path_buf)
    }

    /// Which route `changed` allows; `None` is the full one.
    fn plan(&self, changed: &[PathBuf]) -> Option<Plan> {
        let state = self.state.as_ref()?;
        let theme_static = Path::new("themes")
            .join(&state.site.config.theme)
            .join("static");
        let theme_templates = Path::new("themes")
            .join(&state.site.config.theme)
            .join("templates");
        let mut edits = Vec::new();
        let mut statics = false;
        let mut templates = false;
        let mut front_matter = false;
        for path in changed {
            let rel = self.relative(path)?;
            if let Ok(in_content) = rel.strip_prefix("content") {
                let key = in_content.to_str()?.replace('\\', "/");
                let gone = !self.opts.root.join(&rel).exists();
                if gone
                    && rel.extension().is_some()
                    && !state.site.by_file.contains_key(&key)
                    && !state.statics.contains(&key)
                {
                    // A file that came and went (an editor's temporary file).
                    continue;
                }
                if !key.ends_with(".md") {
                    return None;
                }
                let target = *state.site.by_file.get(&key)?;
                let bytes = std::fs::read(self.opts.root.join(&rel)).ok()?;
                let text = load::decode(&rel, bytes).ok()?;
                let doc = state.site.doc(target);
                if text == doc.src {
                    continue;
                }
                let body_offset = frontmatter::split(&rel, &text).ok()?.body_offset;
                if body_offset != doc.body_offset
                    || text[..body_offset] != doc.src[..doc.body_offset]
                {
                    front_matter = true;
                }
                edits.push((target, text));
            } else if rel.starts_with("templates") || rel.starts_with(&theme_templates) {
                templates = true;
            } else if (rel.starts_with("static") || rel.starts_with(&theme_static))
                && rel.extension().is_none_or(|e| e != "html" && e != "htm")
            {
                statics = true;
            } else {
                return None;
            }
        }
        match (edits.is_empty(), statics, templates) {
            (true, false, false) => Some(Plan::Nothing),
            (false, false, false) if front_matter => {
                Some(Plan::Model(edits.into_iter().map(|(t, _)| t).collect()))
            }
            (false, false, false) => Some(Plan::Pages(edits)),
            (true, true, false) => Some(Plan::Statics),
            (true, false, true) => Some(Plan::Templates),
            _ => None,
        }
    }

    /// The pages route. `None` when the edits reach beyond their own pages.
    fn pages(&mut self, edits: Vec<(Target, String)>) -> Option<Result<Update, Vec<Diagnostic>>> {
        let mut state = self.state.take()?;
        let mut before = Vec::new();
        for (target, text) in edits {
            let doc = state.site.doc_mut(target);
            before.push((target, std::mem::replace(&mut doc.src, text)));
        }
        let targets: Vec<Target> = before.iter().map(|(t, _)| *t).collect();
        let linker = Linker::from_parts(&state.site, state.linker.clone());
        let mut diags = Vec::new();
        let mut fresh = Vec::new();
        for &t in &targets {
            let new = build::render_body(&state.site, &linker, t);
            if footprint(&new) != footprint(body(&state, t)) {
                // Other pages show this change: the state goes back as it was, for the
                // model route to start from.
                drop(linker);
                for (t, src) in before {
                    state.site.doc_mut(t).src = src;
                }
                self.state = Some(state);
                return None;
            }
            diags.extend(new.diags.iter().cloned());
            fresh.push((t, new));
        }
        drop(linker);
        for (t, new) in fresh {
            *body_mut(&mut state, t) = new;
        }
        if diags.iter().any(Diagnostic::is_error) {
            return Some(Err(diags));
        }
        for &t in &targets {
            let view = context::view_of(
                &state.site,
                &state.bodies,
                &state.section_bodies,
                &state.prepared,
                t,
                true,
            );
            match t {
                Target::Page(i) => state.views.pages[i] = view,
                Target::Section(i) => state.views.sections[i] = view,
            }
        }
        let only: HashSet<PathBuf> = targets
            .iter()
            .map(|&t| state.site.doc(t).file.clone())
            .collect();
        let tera = state
            .tera
            .get_or_insert_with(|| render::with_globals(&state.templates, &state.views));
        let (out, _) = render::render_some(
            tera,
            &state.site,
            &state.views,
            None,
            None,
            &state.templates,
            &HashSet::new(),
            Some(&only),
            &mut diags,
        );
        if diags.iter().any(Diagnostic::is_error) {
            return Some(Err(diags));
        }
        let changed = match self.publish(&mut state, out, &mut diags)? {
            Ok(changed) => changed,
            Err(()) => return Some(Err(diags)),
        };
        if let Some(records) = &mut self.records
            && !refresh_records(records, &state, &targets)
        {
            self.records = Some(search::records(
                &state.site,
                &state.bodies,
                &state.section_bodies,
            ));
        }
        self.search_dirty = self.records.is_some();
        let paths = targets
            .iter()
            .map(|&t| state.site.doc(t).file.clone())
            .collect();
        self.state = Some(state);
        Some(Ok(Update {
            route: Route::Pages(paths),
            changed,
            warnings: diags,
        }))
    }

    /// The model route, after front matter changed: load, model, Markdown and views again
    /// (all cheap next to the templates and the link check), then render only the pages
    /// whose output can differ: those whose view or head changed, the edited ones, and every
    /// page whose template reads a site-wide value (`site.<key>`) that changed. `None` when
    /// a page or section appeared, disappeared or moved (the full route removes old files).
    /// `edited` are targets of the kept site; they are the same in the new one, since the
    /// route requires the same pages and sections in the same order.
    fn model(&mut self, edited: Vec<Target>) -> Option<Result<Update, Vec<Diagnostic>>> {
        let old = self.state.take()?;
        let mut diags = Vec::new();
        let loaded = load::load(&self.opts.root, &old.site.config.theme, &mut diags);
        if diags.iter().any(Diagnostic::is_error) {
            return None;
        }
        let site = model::build(
            old.site.config.clone(),
            loaded.content,
            &loaded.unreadable,
            model::ModelOptions {
                include_drafts: self.opts.drafts,
            },
            &mut diags,
        );
        if diags.iter().any(Diagnostic::is_error) {
            return Some(Err(sorted(diags)));
        }
        let same =
            |a: &crate::model::Doc, b: &crate::model::Doc| a.file == b.file && a.path == b.path;
        if site.pages.len() != old.site.pages.len()
            || site.sections.len() != old.site.sections.len()
            || !site
                .pages
                .iter()
                .zip(&old.site.pages)
                .all(|(a, b)| same(&a.doc, &b.doc))
            || !site
                .sections
                .iter()
                .zip(&old.site.sections)
                .all(|(a, b)| same(&a.doc, &b.doc))
        {
            return None;
        }
        let mut old = old;
        let (bodies, section_bodies, linker) = match same_bodies(&mut old, &site, &edited) {
            Some(kept) => kept,
            None => build::render_bodies(&site),
        };
        for r in bodies.iter().chain(&section_bodies) {
            diags.extend(r.diags.iter().cloned());
        }
        if diags.iter().any(Diagnostic::is_error) {
            return Some(Err(sorted(diags)));
        }
        let (views, prepared) = context::build_prepared_reusing(
            &site,
            &bodies,
            &section_bodies,
            Some((&old.site, &old.prepared)),
        );

        // What to render again.
        let (heads, section_heads) = render::heads(&site);
        let (old_heads, old_section_heads) = render::heads(&old.site);
        let mut same = context::ViewComparer::default();
        let mut only: HashSet<PathBuf> = edited.iter().map(|&t| site.doc(t).file.clone()).collect();
        // In parallel, each thread with its own memory of the shared parts it compared.
        let changed_pages: Vec<bool> = (0..site.pages.len())
            .into_par_iter()
            .map_init(context::ViewComparer::default, |same, i| {
                heads[i] != old_heads[i] || !same.same(&views.pages[i], &old.views.pages[i])
            })
            .collect();
        for (p, _) in site.pages.iter().zip(&changed_pages).filter(|(_, c)| **c) {
            only.insert(p.doc.file.clone());
        }
        for (i, s) in site.sections.iter().enumerate() {
            if section_heads[i] != old_section_heads[i]
                || !same.same(&views.sections[i], &old.views.sections[i])
            {
                only.insert(s.doc.file.clone());
            }
        }
        let users = match changed_keys(&mut same, &old.views.site, &views.site) {
            Some(keys) if keys.is_empty() => Some(BTreeSet::new()),
            Some(keys) => old.templates.users_of(&old.templates.reading_site(&keys)),
            None => None,
        };
        let only = users.as_ref().map(|users| {
            only.extend(
                old.origins
                    .values()
                    .filter(|(_, template)| users.contains(template))
                    .map(|(file, _)| file.clone()),
            );
            only
        });
        let tera = render::with_globals(&old.templates, &views);
        let (mut out, origins) = render::render_some(
            &tera,
            &site,
            &views,
            None,
            None,
            &old.templates,
            &HashSet::new(),
            only.as_ref(),
            &mut diags,
        );
        if only.is_some() && users.as_ref().is_some_and(|u| u.contains("404.html")) {
            match render::render_404(&tera, &site, &old.templates) {
                Some(Ok(f)) => out.push(f),
                Some(Err(d)) => diags.push(d),
                None => {}
            }
        }
        if diags.iter().any(Diagnostic::is_error) {
            return Some(Err(sorted(diags)));
        }
        for (path, text) in publish::site_files(&site) {
            if self.files.contains_key(path) && !old.statics.contains(path) {
                out.push(render::OutputFile {
                    path: path.into(),
                    bytes: text.into_bytes(),
                });
            }
        }
        let State {
            templates,
            origins: mut all_origins,
            links,
            statics,
            site: old_site,
            bodies: old_bodies,
            section_bodies: old_section_bodies,
            prepared: old_prepared,
            views: old_views,
            linker: old_linker,
            tera: old_tera,
        } = *old;
        // The old site, bodies and views are freed on another thread: on a large site that
        // takes a good part of a second, which the editor need not wait for.
        std::thread::spawn(move || {
            drop((old_site, old_bodies, old_section_bodies, old_prepared));
            drop((old_views, old_linker, old_tera));
        });
        all_origins.extend(origins);
        let mut state = Box::new(State {
            site,
            bodies,
            section_bodies,
            prepared,
            linker,
            views,
            templates,
            origins: all_origins,
            links,
            tera: Some(tera),
            statics,
        });
        let changed = match self.publish(&mut state, out, &mut diags)? {
            Ok(changed) => changed,
            Err(()) => return Some(Err(sorted(diags))),
        };
        diags.extend(lint::lint(
            &state.site,
            &state.bodies,
            &state.section_bodies,
        ));
        if self.records.is_some() {
            self.records_stale = true;
            self.search_dirty = true;
        }
        let paths = state
            .site
            .pages
            .iter()
            .map(|p| &p.doc.file)
            .chain(state.site.sections.iter().map(|s| &s.doc.file))
            .filter(|f| only.as_ref().is_none_or(|o| o.contains(*f)))
            .cloned()
            .collect();
        self.state = Some(state);
        Some(Ok(Update {
            route: Route::Model(paths),
            changed,
            warnings: sorted(diags),
        }))
    }

    /// The templates route: the pages rendered with a changed template (or one that uses it)
    /// are rendered again. `None` when that cannot be known, or when their ids changed.
    fn templates(&mut self) -> Option<Result<Update, Vec<Diagnostic>>> {
        let mut state = self.state.take()?;
        let mut diags = Vec::new();
        let sources = load::load_templates(&self.opts.root, &state.site.config.theme, &mut diags);
        if diags.iter().any(Diagnostic::is_error) {
            return None;
        }
        let Some(templates) = render::compile(&sources, &state.site.config.base_path, &mut diags)
        else {
            return Some(Err(diags));
        };
        let changed = templates.changed_since(&state.templates);
        if changed
            .iter()
            .any(|n| state.templates.defines_components(n))
        {
            // A component that is gone may still be called somewhere: only a full build
            // says where.
            return None;
        }
        let users = templates.users_of(&changed)?;
        let files: HashSet<PathBuf> = state
            .origins
            .values()
            .filter(|(_, template)| users.contains(template))
            .map(|(file, _)| file.clone())
            .collect();
        let tera = render::with_globals(&templates, &state.views);
        let (mut out, origins) = render::render_some(
            &tera,
            &state.site,
            &state.views,
            None,
            None,
            &templates,
            &HashSet::new(),
            Some(&files),
            &mut diags,
        );
        if users.contains("404.html") || !templates.contains("404.html") {
            match render::render_404(&tera, &state.site, &templates) {
                Some(Ok(f)) => out.push(f),
                Some(Err(d)) => diags.push(d),
                // A 404 page the theme no longer has: the full route removes it.
                None if self.files.contains_key("404.html") => return None,
                None => {}
            }
        }
        if diags.iter().any(Diagnostic::is_error) {
            return Some(Err(diags));
        }
        if origins.iter().any(|(k, v)| state.origins.get(k) != Some(v)) {
            return None;
        }
        let rendered = out.len();
        let changed_files = match self.publish(&mut state, out, &mut diags)? {
            Ok(changed) => changed,
            Err(()) => return Some(Err(diags)),
        };
        state.templates = templates;
        state.tera = Some(tera);
        self.state = Some(state);
        Some(Ok(Update {
            route: Route::Templates(rendered),
            changed: changed_files,
            warnings: diags,
        }))
    }

    /// Checks the links of re-rendered pages against the rest of the site and puts them in
    /// the served site; returns the output paths whose bytes changed. `None` when a page lost
    /// an id (another page's links to it are to be checked again: the full route),
    /// `Some(Err)` when `diags` holds an error.
    fn publish(
        &mut self,
        state: &mut State,
        mut out: Vec<render::OutputFile>,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<Result<Vec<String>, ()>> {
        if diags.iter().any(Diagnostic::is_error) {
            return Some(Err(()));
        }
        let old_ids: Vec<Option<links::Ids>> = out
            .iter()
            .map(|f| state.links.ids.get(&f.path).cloned())
            .collect();
        links::finish_into(
            &mut out,
            &state.site.config.base_path,
            state.site.config.relative_links,
            &state.origins,
            &mut state.links,
            diags,
        );
        // Every link of the last good build resolved, so ids a page gains break nothing;
        // an id it lost may be the target of a link on a page not rendered again.
        let kept_all = |path: &String, old: &Option<links::Ids>| match old {
            None => true,
            Some(old) => state
                .links
                .ids
                .get(path)
                .is_some_and(|new| old.is_subset(new)),
        };
        if out
            .iter()
            .zip(&old_ids)
            .any(|(f, old)| !kept_all(&f.path, old))
        {
            return None;
        }
        if diags.iter().any(Diagnostic::is_error) {
            return Some(Err(()));
        }
        // In place when no one else holds the map (serve keeps its own).
        let files = Arc::make_mut(&mut self.files);
        let mut changed = Vec::new();
        for f in out {
            if files.get(&f.path).is_none_or(|old| **old != f.bytes[..]) {
                changed.push(f.path.clone());
            }
            files.insert(f.path, Arc::from(f.bytes));
        }
        changed.sort();
        Some(Ok(changed))
    }

    /// The statics route. `None` when a static file now collides with a page.
    fn statics(&mut self) -> Option<Result<Update, Vec<Diagnostic>>> {
        let state = self.state.as_mut()?;
        let mut diags = Vec::new();
        let statics = load::load_statics(&self.opts.root, &state.site.config.theme, &mut diags);
        if diags.iter().any(Diagnostic::is_error) {
            return None;
        }
        let rendered: HashSet<&String> = self
            .files
            .keys()
            .filter(|k| !state.statics.contains(*k))
            .collect();
        if statics.iter().any(|s| rendered.contains(&s.rel)) {
            return None;
        }
        let mut files = (*self.files).clone();
        let now: BTreeSet<String> = statics.iter().map(|s| s.rel.clone()).collect();
        for gone in state.statics.difference(&now) {
            files.remove(gone);
        }
        for s in statics {
            files.insert(s.rel, Arc::from(s.bytes));
        }
        state.statics = now;
        let changed = diff(&self.files, &files);
        self.files = Arc::new(files);
        Some(Ok(Update {
            route: Route::Statics,
            changed,
            warnings: diags,
        }))
    }
}

enum Plan {
    Nothing,
    Pages(Vec<(Target, String)>),
    /// Front matter changed in these pages and sections.
    Model(Vec<Target>),
    Statics,
    Templates,
}

/// Replaces the records of `targets` in `records`; false if one appeared or disappeared
/// (a section whose body gained or lost all its text).
fn refresh_records(records: &mut [search::Record], state: &State, targets: &[Target]) -> bool {
    for &t in targets {
        let fresh = match t {
            Target::Page(i) => Some(search::page_record(&state.site, i, &state.bodies[i])),
            Target::Section(i) => search::section_record(&state.site, i, &state.section_bodies[i]),
        };
        let url = state.site.doc(t).path.trim_start_matches('/');
        let at = records
            .iter()
            .position(|r| r.url == url && r.kind != "source paragraph" && r.kind != "event");
        match (fresh, at) {
            (Some(r), Some(at)) => records[at] = r,
            (None, None) => {}
            _ => return false,
        }
    }
    true
}

/// What a body contributes to other pages: the anchors it defines, the pages it links to
/// and the paragraphs it cites.
fn footprint(
    r: &Rendered,
) -> (
    BTreeSet<&str>,
    BTreeSet<Target>,
    BTreeSet<crate::model::Cite>,
) {
    (
        r.toc.iter().map(|h| h.id.as_str()).collect(),
        r.links_to.iter().copied().collect(),
        r.cites.iter().map(|&(_, c)| c).collect(),
    )
}

fn body(state: &State, t: Target) -> &Rendered {
    match t {
        Target::Page(i) => &state.bodies[i],
        Target::Section(i) => &state.section_bodies[i],
    }
}

fn body_mut(state: &mut State, t: Target) -> &mut Rendered {
    match t {
        Target::Page(i) => &mut state.bodies[i],
        Target::Section(i) => &mut state.section_bodies[i],
    }
}

/// The Markdown of the model route without rendering every body again: when the edits
/// changed nothing a body's HTML depends on besides its own text (the names auto-linked,
/// the sources' paragraphs, the anchors of the edited pages), the old bodies are kept and
/// only the edited files' are rendered. Takes the old bodies out of `old`; `None` (and
/// `old` untouched) otherwise.
fn same_bodies(
    old: &mut State,
    site: &crate::model::Site,
    edited: &[Target],
) -> Option<(Vec<Rendered>, Vec<Rendered>, crate::markdown::LinkerParts)> {
    if site.aliases != old.site.aliases {
        return None;
    }
    let linker = Linker::from_parts(site, old.linker.clone());
    let mut fresh = Vec::new();
    for &t in edited {
        if matches!(t, Target::Page(i) if matches!(site.pages[i].kind, crate::model::PageKind::Source(_)))
        {
            return None;
        }
        let new = build::render_body(site, &linker, t);
        let ids = |r: &Rendered| r.toc.iter().map(|h| h.id.clone()).collect::<Vec<_>>();
        if ids(&new) != ids(body(old, t)) {
            return None;
        }
        fresh.push((t, new));
    }
    drop(linker);
    let parts = old.linker.clone();
    for (t, new) in fresh {
        *body_mut(old, t) = new;
    }
    Some((
        std::mem::take(&mut old.bodies),
        std::mem::take(&mut old.section_bodies),
        parts,
    ))
}

/// The keys of the site-wide value `site` whose values differ; `None` if it is not a map.
fn changed_keys(
    same: &mut context::ViewComparer,
    old: &tera::Value,
    new: &tera::Value,
) -> Option<BTreeSet<String>> {
    let (old, new) = (old.as_map()?, new.as_map()?);
    let mut keys = BTreeSet::new();
    for (k, v) in new {
        if old.get(k).is_none_or(|o| !same.same(o, v)) {
            keys.insert(k.to_string());
        }
    }
    for k in old.keys() {
        if !new.contains_key(k) {
            keys.insert(k.to_string());
        }
    }
    Some(keys)
}

fn sorted(mut diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    crate::diagnostics::sort(&mut diags);
    diags
}

/// Output paths that differ between two sites.
fn diff(old: &Files, new: &Files) -> Vec<String> {
    let mut out: Vec<String> = new
        .iter()
        .filter(|(k, v)| old.get(*k) != Some(*v))
        .map(|(k, _)| k.clone())
        .chain(old.keys().filter(|k| !new.contains_key(*k)).cloned())
        .collect();
    out.sort();
    out
}
