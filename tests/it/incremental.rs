//! Incremental rebuilds (`dossier serve`): after each kind of edit, the site a session serves
//! is byte for byte the site a fresh full build makes, and the edit took the route it should
//! (one page re-rendered, the pages showing changed front matter re-rendered, static files
//! copied, or the whole pipeline).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use dossier::build::{self, BuildOptions};
use dossier::incremental::{Route, Session};

use crate::support::copy_tree;

/// A copy of the shipped dossier (content, default theme, site.toml).
fn shipped_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    for d in ["content", "themes"] {
        copy_tree(&repo.join(d), &dir.path().join(d));
    }
    std::fs::copy(repo.join("site.toml"), dir.path().join("site.toml")).unwrap();
    dir
}

fn options(root: &Path) -> BuildOptions {
    BuildOptions {
        root: root.to_path_buf(),
        base_url: Some("http://127.0.0.1:1111/".into()),
        defer_search: true,
        ..BuildOptions::default()
    }
}

/// What a fresh full build makes, as the session holds it.
fn fresh(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let built = build::render_site(&options(root)).unwrap_or_else(|d| {
        panic!(
            "fresh build failed: {}",
            d.iter()
                .map(|d| d.render(false))
                .collect::<Vec<_>>()
                .join("\n")
        )
    });
    built.files.into_iter().map(|f| (f.path, f.bytes)).collect()
}

fn served(session: &Session) -> BTreeMap<String, Vec<u8>> {
    session
        .files()
        .iter()
        .map(|(k, v)| (k.clone(), v.to_vec()))
        .collect()
}

/// Asserts the session serves what a full build makes, naming the first difference.
fn assert_same(session: &Session, root: &Path, what: &str) {
    let (got, want) = (served(session), fresh(root));
    let got_keys: Vec<&String> = got.keys().collect();
    let want_keys: Vec<&String> = want.keys().collect();
    assert_eq!(got_keys, want_keys, "{what}: not the same files");
    for (path, bytes) in &want {
        assert!(
            got[path] == *bytes,
            "{what}: {path} differs from a full build's"
        );
    }
}

struct Editor {
    dir: tempfile::TempDir,
    session: Session,
}

impl Editor {
    fn new() -> Editor {
        let dir = shipped_copy();
        let mut session = Session::new(options(dir.path()));
        session
            .full()
            .unwrap_or_else(|_| panic!("the shipped dossier builds"));
        Editor { dir, session }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap()
    }

    /// Replaces the first `from` in `rel` by `to` (which must be there) and rebuilds.
    fn edit(&mut self, rel: &str, from: &str, to: &str) -> dossier::incremental::Update {
        let text = self.read(rel);
        assert!(text.contains(from), "{rel} has no {from:?}");
        std::fs::write(self.path(rel), text.replacen(from, to, 1)).unwrap();
        self.rebuild(&[rel])
    }

    fn rebuild(&mut self, rels: &[&str]) -> dossier::incremental::Update {
        let paths: Vec<PathBuf> = rels.iter().map(|r| self.path(r)).collect();
        match self.session.update(&paths) {
            Ok(u) => u,
            Err(d) => panic!(
                "rebuild after {rels:?} failed: {}",
                d.iter()
                    .map(|d| d.render(false))
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
        }
    }

    fn check(&self, what: &str) {
        assert_same(&self.session, self.dir.path(), what);
    }
}

const KERRY: &str = "content/actors/john-kerry.md";

/// The body of a content file: what follows its second `+++` line.
fn body_start(text: &str) -> usize {
    let first = text.find("+++\n").unwrap() + 4;
    first + text[first..].find("+++\n").unwrap() + 4
}

#[test]
fn a_body_edit_re_renders_only_that_page_and_matches_a_full_build() {
    let mut ed = Editor::new();
    let text = ed.read(KERRY);
    // A word of the body, changed: same links, same citations, same headings.
    let body = &text[body_start(&text)..];
    let word = body
        .split_whitespace()
        .find(|w| w.len() > 6 && w.chars().all(|c| c.is_ascii_lowercase()))
        .expect("a plain word in the body")
        .to_string();
    let before = body_start(&text) + body.find(&format!(" {word}")).unwrap();
    let mut edited = text.clone();
    edited.replace_range(before..before + word.len() + 1, " freshly-edited");
    std::fs::write(ed.path(KERRY), &edited).unwrap();
    let update = ed.rebuild(&[KERRY]);
    assert_eq!(update.route, Route::Pages(vec![PathBuf::from(KERRY)]));
    assert_eq!(
        update.changed,
        vec!["actors/john-kerry/index.html".to_string()]
    );
    let html =
        String::from_utf8(ed.session.files()["actors/john-kerry/index.html"].to_vec()).unwrap();
    assert!(html.contains("freshly-edited"), "the new text is served");
    ed.check("a word of an actor's body");

    // Two pages at once, one of them a section.
    let home = "content/_index.md";
    let home_text = ed.read(home);
    let at = body_start(&home_text);
    let mut edited_home = home_text.clone();
    edited_home.insert_str(at, "An editor's new opening line.\n\n");
    std::fs::write(ed.path(home), edited_home).unwrap();
    let kerry = ed.read(KERRY).replacen("freshly-edited", "edited again", 1);
    std::fs::write(ed.path(KERRY), kerry).unwrap();
    let update = ed.rebuild(&[home, KERRY]);
    assert!(
        matches!(&update.route, Route::Pages(p) if p.len() == 2),
        "{:?}",
        update.route
    );
    ed.check("a section's body and a page's body together");

    // Saving without a change does nothing.
    let update = ed.rebuild(&[KERRY]);
    assert_eq!(update.route, Route::Nothing);
    assert!(update.changed.is_empty());
}

#[test]
fn edits_that_reach_other_pages_re_render_them_or_everything() {
    let mut ed = Editor::new();
    // A new link: the linked page's "mentioned in" changes.
    let text = ed.read(KERRY);
    let at = body_start(&text);
    let mut edited = text.clone();
    edited.insert_str(
        at,
        "He flew back by way of [Geneva](@/locations/geneva.md).\n\n",
    );
    std::fs::write(ed.path(KERRY), edited).unwrap();
    let update = ed.rebuild(&[KERRY]);
    let files = model_route(&update);
    assert!(
        files.contains(&PathBuf::from("content/locations/geneva.md")),
        "the linked page, which lists who mentions it, was not re-rendered: {files:?}"
    );
    ed.check("a new link in a body");

    // A new citation: the cited paragraph's "cited by" changes, and the page gains an id
    // (`cite-1`, …), which breaks no link.
    let text = ed.read(KERRY);
    let mut edited = text.clone();
    edited.insert_str(body_start(&text), "See the dispatch [¶1].\n\n");
    std::fs::write(ed.path(KERRY), edited).unwrap();
    let update = ed.rebuild(&[KERRY]);
    let files = model_route(&update);
    assert!(
        files.contains(&PathBuf::from("content/source.md")),
        "the source, which lists who cites each paragraph, was not re-rendered: {files:?}"
    );
    ed.check("a new citation in a body");

    // A new heading: a new anchor.
    let text = ed.read(KERRY);
    std::fs::write(
        ed.path(KERRY),
        format!("{text}\n## A new heading\n\nText.\n"),
    )
    .unwrap();
    model_route(&ed.rebuild(&[KERRY]));
    ed.check("a new heading");

    // Removing a citation removes an id (`cite-1`) that a page not rendered again might link
    // to: every link is checked again.
    let text = ed.read(KERRY);
    std::fs::write(
        ed.path(KERRY),
        text.replacen("See the dispatch [¶1].\n\n", "", 1),
    )
    .unwrap();
    assert_eq!(ed.rebuild(&[KERRY]).route, Route::Full);
    ed.check("a citation removed");

    // A template: only the pages rendered with it.
    let actors = std::fs::read_dir(ed.path("content/actors"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name() != "_index.md")
        .count();
    let update = ed.edit(
        "themes/dossier/templates/actor.html",
        "<article class=\"entry\">",
        "<!-- edited --><article class=\"entry\">",
    );
    assert_eq!(update.route, Route::Templates(actors));
    ed.check("a page template");

    // A partial: the pages whose templates include it.
    let update = ed.edit(
        "themes/dossier/templates/partials/backlinks.html",
        "<",
        "<!-- edited --><",
    );
    assert!(
        matches!(update.route, Route::Templates(n) if n > actors),
        "{:?}",
        update.route
    );
    ed.check("an included template");

    // The base template: every page.
    let update = ed.edit(
        "themes/dossier/templates/base.html",
        "<body",
        "<body data-edited",
    );
    let every = ed
        .session
        .files()
        .keys()
        .filter(|k| k.ends_with(".html"))
        .count();
    assert_eq!(update.route, Route::Templates(every));
    ed.check("the base template");

    // Components are global: the full pipeline.
    let update = ed.edit(
        "themes/dossier/templates/components.html",
        "{% component",
        "{# edited #}{% component",
    );
    assert_eq!(update.route, Route::Full);
    ed.check("a template of components");

    // site.toml.
    let toml = ed.read("site.toml");
    let title_line = toml.lines().find(|l| l.starts_with("title = ")).unwrap();
    let update = ed.edit("site.toml", title_line, "title = \"Aleppo, edited\"");
    assert_eq!(update.route, Route::Full);
    ed.check("site.toml");
}

/// The content files a model-route update re-rendered.
fn model_route(update: &dossier::incremental::Update) -> &[PathBuf] {
    match &update.route {
        Route::Model(files) => files,
        other => panic!("expected the model route, got {other:?}"),
    }
}

#[test]
fn front_matter_edits_re_render_the_pages_that_show_the_values() {
    let mut ed = Editor::new();
    let pages = ed
        .session
        .files()
        .keys()
        .filter(|k| k.ends_with("index.html"))
        .count();

    // A title: Kerry's page, the pages that list or link him, not the whole site.
    let update = ed.edit(KERRY, "title = \"John Kerry\"", "title = \"John F. Kerry\"");
    let files = model_route(&update);
    for must in [
        KERRY,
        "content/actors/sergei-lavrov.md",
        "content/talks/kerry-lavrov-hangzhou.md",
        "content/actors/_index.md",
    ] {
        assert!(
            files.contains(&PathBuf::from(must)),
            "{must} not re-rendered: {files:?}"
        );
    }
    assert!(
        files.len() < pages,
        "every page re-rendered ({} of {pages})",
        files.len()
    );
    assert!(
        !files.contains(&PathBuf::from("content/locations/sajur-river.md")),
        "a page that never shows Kerry was re-rendered: {files:?}"
    );
    let html =
        String::from_utf8(ed.session.files()["talks/kerry-lavrov-hangzhou/index.html"].to_vec())
            .unwrap();
    assert!(
        html.contains("John F. Kerry"),
        "the talk shows the new title"
    );
    ed.check("a title in front matter");
    // The search records follow, made when the index is next built.
    let records = ed
        .session
        .take_search_records()
        .expect("new search records");
    let fresh = build::render_site(&options(ed.dir.path()))
        .ok()
        .unwrap()
        .search;
    assert!(
        records == fresh,
        "the search records differ from a full build's"
    );
    assert!(records.iter().any(|r| r.title == "John F. Kerry"));

    // A relation's note, shown on both ends of the relation.
    let update = ed.edit(
        KERRY,
        "one of the \\\"heads of diplomacy",
        "one of the two \\\"heads of diplomacy",
    );
    model_route(&update);
    ed.check("a relation's note");

    // An alias no longer auto-linked: the bodies that mention "Kerry" change.
    let lavrov = ed.session.files()["actors/sergei-lavrov/index.html"].to_vec();
    let update = ed.edit(KERRY, "aliases = [\"Kerry\"]", "aliases = []");
    let files = model_route(&update);
    assert!(
        ed.session.files()["actors/sergei-lavrov/index.html"].to_vec() != lavrov,
        "Lavrov's page, which names Kerry, did not change: {files:?}"
    );
    ed.check("an alias removed");

    // A summary and a role: the infobox, the lists, the search record.
    ed.edit(
        KERRY,
        "role = \"US Secretary of State\"",
        "role = \"Secretary of State\"",
    );
    ed.check("a role");

    // Coordinates: the place's locator map and the site's map.
    let aleppo = "content/locations/aleppo.md";
    let update = ed.edit(aleppo, "lat = 36.2021", "lat = 36.2");
    let files = model_route(&update);
    assert!(
        files.contains(&PathBuf::from("content/_index.md")),
        "{files:?}"
    );
    ed.check("coordinates");

    // An event: the timeline and the pages it involves.
    ed.edit(
        aleppo,
        "summary = \"Aleppo is divided",
        "summary = \"For four years Aleppo has been divided",
    );
    ed.check("an event's summary");
    ed.edit(aleppo, "date = \"~2012\"", "date = \"2012\"");
    ed.check("an event's date");

    // Front matter and body in the same save.
    let text = ed.read(KERRY);
    let edited = text
        .replacen("side = \"united-states\"", "side = \"neutral\"", 1)
        .replacen("is the US Secretary", "is the American Secretary", 1);
    std::fs::write(ed.path(KERRY), edited).unwrap();
    model_route(&ed.rebuild(&[KERRY]));
    ed.check("a side and a body together");

    // A new slug moves an output file: the full pipeline removes the old one. (Other pages
    // link to this talk by file, `@/talks/kerry-press-remarks.md`, so their links follow.)
    let remarks = "content/talks/kerry-press-remarks.md";
    let text = ed.read(remarks);
    let edited = text.replacen("+++\n", "+++\nslug = \"remarks\"\n", 1);
    std::fs::write(ed.path(remarks), edited).unwrap();
    assert_eq!(ed.rebuild(&[remarks]).route, Route::Full);
    assert!(ed.session.files().contains_key("talks/remarks/index.html"));
    assert!(
        !ed.session
            .files()
            .contains_key("talks/kerry-press-remarks/index.html")
    );
    ed.check("a new slug");
}

#[test]
fn a_broken_front_matter_edit_fails_and_the_fix_matches_a_full_build() {
    let mut ed = Editor::new();
    let text = ed.read(KERRY);
    std::fs::write(
        ed.path(KERRY),
        text.replacen("to = \"sergei-lavrov\"", "to = \"sergei-lavrof\"", 1),
    )
    .unwrap();
    let err = ed
        .session
        .update(&[ed.path(KERRY)])
        .err()
        .expect("a relation to an unknown actor fails the rebuild");
    assert!(
        err.iter()
            .any(|d| d.render(false).contains("sergei-lavrof")),
        "the error names the slug"
    );
    let html =
        String::from_utf8(ed.session.files()["actors/john-kerry/index.html"].to_vec()).unwrap();
    assert!(
        html.contains("sergei-lavrov"),
        "the last good page is still served"
    );
    std::fs::write(
        ed.path(KERRY),
        text.replacen("title = \"John Kerry\"", "title = \"J. Kerry\"", 1),
    )
    .unwrap();
    ed.rebuild(&[KERRY]);
    ed.check("the fix after a broken front matter edit");
}

#[test]
fn static_files_are_copied_alone_and_temporary_files_are_ignored() {
    let mut ed = Editor::new();
    let css = "themes/dossier/static/style.css";
    let text = ed.read(css);
    std::fs::write(ed.path(css), format!("{text}\n/* edited */\n")).unwrap();
    let update = ed.rebuild(&[css]);
    assert_eq!(update.route, Route::Statics);
    assert_eq!(update.changed, vec!["style.css".to_string()]);
    ed.check("the theme's stylesheet");

    std::fs::create_dir_all(ed.path("static")).unwrap();
    std::fs::write(ed.path("static/extra.txt"), "hello").unwrap();
    assert_eq!(ed.rebuild(&["static/extra.txt"]).route, Route::Statics);
    ed.check("a new static file");
    std::fs::remove_file(ed.path("static/extra.txt")).unwrap();
    assert_eq!(ed.rebuild(&["static/extra.txt"]).route, Route::Statics);
    assert!(!ed.session.files().contains_key("extra.txt"));
    ed.check("a static file removed");

    // An editor's temporary file that came and went changes nothing.
    let update = ed.rebuild(&[
        "content/actors/.john-kerry.md.swx",
        "content/actors/4913.tmp",
    ]);
    assert_eq!(update.route, Route::Nothing);
}

#[test]
fn a_broken_edit_fails_and_the_next_good_one_matches_a_full_build() {
    let mut ed = Editor::new();
    let text = ed.read(KERRY);
    let mut broken = text.clone();
    broken.insert_str(body_start(&text), "A citation of nothing [¶999].\n\n");
    std::fs::write(ed.path(KERRY), &broken).unwrap();
    let err = ed
        .session
        .update(&[ed.path(KERRY)])
        .err()
        .expect("a citation of a missing paragraph fails the rebuild");
    assert!(
        err.iter().any(|d| d.render(false).contains("999")),
        "the error names the citation"
    );
    // The last good site is still there, unchanged.
    assert!(
        ed.session
            .files()
            .contains_key("actors/john-kerry/index.html")
    );

    std::fs::write(ed.path(KERRY), &text).unwrap();
    ed.rebuild(&[KERRY]);
    ed.check("the fix after a broken edit");
}
