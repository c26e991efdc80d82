//! The default theme, on the shipped dossier: its pictures are there and byte-identical from
//! build to build, and the built site passes the real tools of `tests/browser/check.mjs`
//! (Nu HTML Checker, axe-core in headless Chromium, a click-through walk with screenshots).
//!
//! The browser test needs Node.js, Java, Debian's Chromium and `npm ci` in tests/browser; if
//! any is missing it fails and says what to install (README.md, "Testing the theme"): a
//! skipped check would pass silently on exactly the machines where it matters.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{copy_tree, published, run_in};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Builds the shipped dossier into `dir/site` with the given base URL.
fn build(dir: &Path, base_url: &str) -> PathBuf {
    let out = dir.join("site");
    let r = run_in(
        repo(),
        &[
            "build",
            "--output-dir",
            out.to_str().unwrap(),
            "--base-url",
            base_url,
        ],
    );
    assert_eq!(r.status, 0, "{}", r.stderr);
    out
}

fn read(site: &Path, rel: &str) -> String {
    std::fs::read_to_string(site.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// A page's view holds only what the templates may read (`render::page_reads`), and what
/// they read must be as the whole view has it. The shipped dossier with templates that print
/// keys and keys inside keys of every kind of page is built as is, then with one more
/// template that reads the whole context (so every view is whole): the same site.
#[test]
fn a_view_made_for_what_templates_read_holds_it_as_the_whole_view_does() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("dossier");
    copy_tree(&repo().join("content"), &site.join("content"));
    copy_tree(
        &repo().join("bench/themes/minimal"),
        &site.join("themes/minimal"),
    );
    let config = read(repo(), "site.toml").replace("theme = \"dossier\"", "theme = \"minimal\"");
    assert!(config.contains("theme = \"minimal\""));
    std::fs::write(site.join("site.toml"), config).unwrap();
    let main = |body: &str| {
        format!("{{% extends \"base.html\" %}}{{% block main %}}{body}{{% endblock main %}}")
    };
    for (name, body) in [
        (
            "actor.html",
            "{{ page.title }}|{{ page.actor.relations }}|{{ page.actor.quotes }}|\
             {{ page.citations }}|{{ page.referenced_by }}",
        ),
        (
            "location.html",
            "{{ page.location.actors }}|{{ page.location.within }}|{{ page.events }}|\
             {{ page.citations }}|{{ page.mentioned_in }}",
        ),
        (
            "talk.html",
            "{{ page.talk.quotes }}|{{ page.talk.participants }}|{{ page.talk.date }}|\
             {{ page.citations }}|{{ page.content }}",
        ),
        (
            "source.html",
            "{{ page.source.publisher }}|{{ page.linked_from }}|{{ page.toc }}|\
             {% for p in page.source.paragraphs %}<p id=\"{{ p.anchor }}\">{{ p }}</p>{% endfor %}",
        ),
        (
            "page.html",
            "{{ page.section }}|{{ page.extra }}|{{ head }}",
        ),
    ] {
        let path = site.join("templates").join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, main(body)).unwrap();
    }
    let build = |out: &str| {
        let out = dir.path().join(out);
        let r = run_in(&site, &["build", "--output-dir", out.to_str().unwrap()]);
        assert_eq!(r.status, 0, "{}", r.stderr);
        published(&out)
    };
    let read_in_part = build("part");
    std::fs::write(site.join("templates/whole.html"), "{{ __tera_context }}").unwrap();
    let whole = build("whole");
    assert_eq!(
        read_in_part.keys().collect::<Vec<_>>(),
        whole.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &read_in_part {
        assert!(bytes == &whole[path], "{path} differs");
    }
    // The keys printed are not empty: a relation, a quote in French, a citation.
    let kerry = String::from_utf8_lossy(&read_in_part["actors/john-kerry/index.html"]).into_owned();
    for shown in ["negotiates with", "Sergei Lavrov", "backrefs"] {
        assert!(kerry.contains(shown), "{shown} not in {kerry}");
    }
}

#[test]
fn pictures_are_drawn_and_builds_are_byte_identical() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (first, second) = (
        build(a.path(), "https://example.org/aleppo/"),
        build(b.path(), "https://example.org/aleppo/"),
    );
    let (ta, tb) = (published(&first), published(&second));
    assert_eq!(ta.keys().collect::<Vec<_>>(), tb.keys().collect::<Vec<_>>());
    for (path, bytes) in &ta {
        assert!(bytes == &tb[path], "{path} differs between two builds");
    }

    let home = read(&first, "index.html");
    for needle in [
        r#"<svg class="map" viewBox="0 0 640 "#,
        r#"aria-labelledby="map-caption""#,
        r#"aria-labelledby="map-detail-caption""#,
        r#"aria-labelledby="map-far-caption""#,
        r#"<svg class="graph""#,
        r#"<svg class="strip""#,
        "Natural Earth",
    ] {
        assert!(home.contains(needle), "home page lacks {needle}");
    }
    // Markers and nodes link to pages (relative links, the default); strip marks to their
    // event's stable anchor on the timeline.
    assert!(home.contains(r#"<a href="locations/al-rai/index.html" aria-label="Al-Rai">"#));
    assert!(home.contains(r#"<a href="actors/john-kerry/index.html" aria-label="John Kerry">"#));
    assert!(
        home.contains(
            r##"<a href="timeline/index.html#event-2011-01-01-beginning-of-the-conflict"##
        )
    );
    // Far places are in their own panel, not on the main map.
    let main_map = &home[home.find(r#"<svg class="map""#).unwrap()..];
    let main_map = &main_map[..main_map.find("</svg>").unwrap()];
    assert!(!main_map.contains(">Hangzhou</text>"));
    assert!(home.contains(">Hangzhou</text>"));

    let timeline = read(&first, "timeline/index.html");
    assert!(
        timeline.contains(r#"id="event-2011-01-01-beginning-of-the-conflict"#)
            && timeline.contains(r#"id="strip-caption""#)
    );
    let aleppo = read(&first, "locations/aleppo/index.html");
    assert!(aleppo.contains(r#"<svg class="map locator""#));
    assert!(aleppo.contains("Locator map: Aleppo, in Syria"));

    // No page asks another host for anything: no absolute src/href to a stylesheet, script,
    // image or font (links to read elsewhere are fine, and canonical URLs name the site).
    for (path, bytes) in ta.iter().filter(|(p, _)| p.ends_with(".html")) {
        let html = String::from_utf8_lossy(bytes);
        for bad in [
            "src=\"http",
            "src=\"//",
            "rel=\"stylesheet\" href=\"http",
            "@import",
            "<script src=\"http",
            "<script src=\"//",
        ] {
            assert!(!html.contains(bad), "{path} loads from elsewhere: {bad}");
        }
    }
}

/// What the browser test needs and how to get it, or `None` if all is there.
fn missing_prerequisites(browser: &Path, chromium: &Path) -> Option<String> {
    let mut missing = Vec::new();
    let runs = |cmd: &str, arg: &str| {
        Command::new(cmd)
            .arg(arg)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !runs("node", "--version") {
        missing.push("Node.js 18 or newer (`node`), e.g. Debian's nodejs and npm".to_string());
    }
    if !runs("java", "-version") {
        missing.push("Java 11 or newer (`java`), e.g. Debian's default-jre-headless".into());
    }
    if !chromium.is_file() {
        missing.push(format!(
            "Chromium at {} (Debian: `apt-get install chromium`; or set CHROMIUM to its path)",
            chromium.display()
        ));
    }
    for module in ["playwright-core", "axe-core", "vnu-jar/build/dist/vnu.jar"] {
        if !browser.join("node_modules").join(module).exists() {
            missing.push(format!(
                "node_modules/{module} in tests/browser (run `npm ci --ignore-scripts` there)"
            ));
            break;
        }
    }
    (!missing.is_empty()).then(|| {
        format!(
            "the browser test needs, and this machine lacks:\n  - {}\n\
             (.ci/run installs all of it; see README.md, \"Testing the theme\")",
            missing.join("\n  - ")
        )
    })
}

/// Runs `tests/browser/check.mjs` on `site`, served under /aleppo/, with `extra` arguments
/// after the base path; fails the test with its output if a check fails or a prerequisite is
/// missing.
fn check_in_browser(site: &Path, extra: &[&str]) {
    let browser = repo().join("tests/browser");
    let chromium = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    if let Some(message) = missing_prerequisites(&browser, &chromium) {
        panic!("{message}");
    }
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    let out = Command::new("node")
        .arg(browser.join("check.mjs"))
        .arg(site)
        .arg(&shots)
        .arg("/aleppo/")
        .args(extra)
        .env("CHROMIUM", &chromium)
        .current_dir(&browser)
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "tests/browser/check.mjs {extra:?} failed:\n{stdout}\n{stderr}"
    );
}

#[test]
fn the_site_passes_the_html_checker_axe_and_a_click_through_walk() {
    let dir = tempfile::tempdir().unwrap();
    // A sub-path, so the test also shows the site works when published under one.
    let site = build(dir.path(), "https://example.org/aleppo/");
    check_in_browser(&site, &[]);
}

/// The shipped dossier with its search index built in parts of at most 30 records on average
/// (it has 105, so four parts): the search box merges them, and the reader finds what the
/// one-part index finds (the search checks of `check.mjs`, run alone). Not smaller: each part
/// scores its records against its own, and in eight parts of 7 to 19 records “Alep” ranks
/// Aleppo's page below the first 12 results shown, so that check fails. A part of the
/// default size holds thousands of records.
#[test]
fn search_finds_the_same_when_its_index_is_in_parts() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("dossier");
    for part in ["content", "themes"] {
        copy_tree(&repo().join(part), &root.join(part));
    }
    let config = std::fs::read_to_string(repo().join("site.toml")).unwrap();
    std::fs::write(
        root.join("site.toml"),
        format!("search_shard_size = 30\n{config}"),
    )
    .unwrap();
    let r = run_in(
        &root,
        &[
            "build",
            "--base-url",
            "https://example.org/aleppo/",
            "--timings",
        ],
    );
    assert_eq!(r.status, 0, "{}", r.stderr);
    let site = root.join("public");
    let listed = std::fs::read_to_string(site.join("pagefind/dossier-shards.json")).unwrap();
    let parts: Vec<String> = serde_json::from_str(&listed).unwrap();
    // Four parts (three of them listed here), or more if the dossier grows.
    assert!(parts.len() >= 3, "{listed}");
    // `--timings` says how the index was built: every part, at most four at a time.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let said = format!("links, in {} parts of ", parts.len() + 1);
    assert!(r.stderr.contains(&said), "{said}{}", r.stderr);
    let said = format!(" records, {} at a time\n", cores.min(4));
    assert!(r.stderr.contains(&said), "{said}{}", r.stderr);
    for part in &parts {
        assert!(
            site.join("pagefind")
                .join(part)
                .join("pagefind-entry.json")
                .is_file(),
            "{part}"
        );
    }
    check_in_browser(&site, &["search"]);
}

/// The base fixture with the default theme instead of its own, and its site.toml's text.
fn base_with_the_default_theme() -> (crate::support::Site, String) {
    let site = crate::support::Site::base();
    copy_tree(
        &repo().join("themes/dossier"),
        &site.root().join("themes/dossier"),
    );
    let config = site
        .read("site.toml")
        .replace("theme = \"t\"", "theme = \"dossier\"");
    site.write("site.toml", &config);
    (site, config)
}

/// With `citation_tooltips = false`, the default theme's own citation links (relations,
/// events, quotes) lose their tooltip as the body's do, and nothing else changes.
#[test]
fn the_default_theme_follows_citation_tooltips() {
    let (with, config) = base_with_the_default_theme();
    let r = with.run(&["build"]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let (without, _) = base_with_the_default_theme();
    without.write(
        "site.toml",
        &format!("{config}\n[markdown]\ncitation_tooltips = false\n"),
    );
    let r = without.run(&["build"]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    crate::support::same_but_tooltips(with.root(), without.root());
    // The theme's own citation links have theirs in `with` (a relation's, here).
    let alice = with.read("public/actors/alice/index.html");
    assert!(
        alice.contains(
            r#"<a href="/sub/actors/bob/">Bob</a><sup class="cite"><a href="/sub/source/#p2" data-n="2" title="Ils ont parlé.">"#
        ),
        "{alice}"
    );
}

/// The base fixture has events and no timeline section: the home page's strip shows them,
/// numbered and titled, without links into a timeline page that is not there (they were
/// `#event-…` links, broken on the home page, and the build failed).
#[test]
fn the_default_theme_builds_a_site_without_a_timeline_page() {
    let (site, _) = base_with_the_default_theme();
    let r = site.run(&["build"]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let home = site.read("public/index.html");
    assert!(home.contains("<g><title>1. "), "no strip on the home page");
    assert!(!home.contains("#event-"), "{home}");
}

/// A site with the default theme, titled `title`, without search, and no content yet.
fn empty_with_the_default_theme(title: &str) -> crate::support::Site {
    let site = crate::support::Site {
        dir: tempfile::tempdir().unwrap(),
    };
    copy_tree(
        &repo().join("themes/dossier"),
        &site.root().join("themes/dossier"),
    );
    site.write(
        "site.toml",
        &format!(
            "title = \"{title}\"\nbase_url = \"https://example.org/\"\ntheme = \"dossier\"\nsearch = false\n"
        ),
    );
    site
}

/// A site without `content/_index.md` still has a home page, whose `section` has every key
/// of a section's view, empty: the default theme's home page read `section.toc`, which was
/// undefined, and the build failed with a template error about a file that is not there.
#[test]
fn the_default_theme_builds_a_site_without_a_home_section() {
    let site = empty_with_the_default_theme("No home");
    site.write("content/actors/_index.md", "+++\ntitle = \"Actors\"\n+++\n");
    let r = site.run(&["build"]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let home = site.read("public/index.html");
    assert!(home.contains("<h1>No home</h1>"), "{home}");
    // No map, timeline or graph: no heading for them either.
    assert!(!home.contains("glance"), "{home}");
}

/// The list of places to go on the 404 page.
fn not_found_list(site: &crate::support::Site) -> String {
    let page = site.read("public/404.html");
    let prose = page.find("<div class=\"prose\">").expect("the text");
    let start = prose + page[prose..].find("<ul>").expect("the list");
    let end = start + page[start..].find("</ul>").unwrap();
    page[start..end].to_string()
}

/// With one source the default theme's menu says "Source" and its 404 page "the source
/// itself"; with several, each is named by its title (ten links that all said "Source" were
/// the menu of a generated site, and ten lines that all said "the source itself" its 404 page).
#[test]
fn the_menu_and_the_404_page_name_each_source_when_there_are_several() {
    let (site, config) = base_with_the_default_theme();
    let menu = |site: &crate::support::Site| {
        let r = site.run(&["build"]);
        assert_eq!(r.status, 0, "{}", r.stderr);
        let home = site.read("public/index.html");
        let start = home
            .find("<nav aria-label=\"Sections\">")
            .expect("the menu");
        let end = start + home[start..].find("</nav>").unwrap();
        home[start..end].to_string()
    };
    // The page for a missing address offers the sources as the menu does, one per line.
    let one = menu(&site);
    assert_eq!(one.matches(">Source</a>").count(), 1, "{one}");
    let list = not_found_list(&site);
    assert!(list.contains(">the source itself</a></li>"), "{list}");

    site.write(
        "site.toml",
        &format!("default_source = \"source\"\n{config}"),
    );
    site.write(
        "content/wire.md",
        "+++\ntitle = \"The second wire\"\n\n[source]\npublisher = \"Wire\"\nlanguage = \"en\"\n\n\
         [[paragraphs]]\noriginal = \"Bob met Alice.\"\n+++\n",
    );
    let two = menu(&site);
    assert!(!two.contains(">Source</a>"), "{two}");
    assert!(two.contains(">The source</a>"), "{two}");
    assert!(two.contains(">The second wire</a>"), "{two}");
    let list = not_found_list(&site);
    assert!(!list.contains("the source itself"), "{list}");
    assert!(list.contains(">The source</a>"), "{list}");
    assert!(list.contains(">The second wire</a>"), "{list}");
    assert_eq!(list.matches("<li>").count(), 6, "{list}");
}

/// The 404 page lists where to go as a list of places, one a line, none ending in
/// punctuation: its lines used to make one sentence, whose full stop went missing when the
/// home section came last (a section folder whose name sorts before `_index.md`) and there
/// was no source. Section titles keep their capitals (it said "browse kerry and lavrov").
#[test]
fn the_404_page_lists_the_sections_as_they_are_named_whatever_their_order() {
    let site = empty_with_the_default_theme("T");
    site.write("content/_index.md", "+++\ntitle = \"Home\"\n+++\nHello.\n");
    site.write(
        "content/2016/_index.md",
        "+++\ntitle = \"Kerry and Lavrov\"\n+++\nThe talks.\n",
    );
    let r = site.run(&["build"]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let list = not_found_list(&site);
    assert_eq!(list.matches("<li>").count(), 2, "{list}");
    assert!(list.contains(">the explainer</a></li>"), "{list}");
    assert!(list.contains(">Kerry and Lavrov</a></li>"), "{list}");
    assert!(
        !list.contains(";</li>") && !list.contains(".</li>"),
        "{list}"
    );
}
