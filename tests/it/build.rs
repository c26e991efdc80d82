//! Valid sites: what `dossier build` produces from the base fixture, behaviour by behaviour.

use crate::support::Site;

fn built() -> Site {
    let site = Site::base();
    let out = site.run(&["build"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    site
}

#[test]
fn pretty_urls_for_every_page_and_section() {
    let site = built();
    for path in [
        "public/index.html",
        "public/actors/index.html",
        "public/actors/alice/index.html",
        "public/actors/bob/index.html",
        "public/locations/city/index.html",
        "public/talks/meeting/index.html",
        "public/source/index.html",
        "public/style.css",
    ] {
        assert!(site.root().join(path).is_file(), "{path} missing");
    }
}

#[test]
fn citations_link_to_the_source_paragraph_and_carry_its_text() {
    let site = built();
    let home = site.read("public/index.html");
    assert!(home.contains(
        r#"Bob</a><sup class="cite"><a href="/sub/source/#p1" id="cite-1" data-n="1" title="Alice a rencontré Bob." data-translation="Alice met Bob.">¶1</a></sup>."#
    ), "{home}");
    // The source page has the anchors and knows who cites each paragraph.
    let source = site.read("public/source/index.html");
    assert!(source.contains(r#"<li id="p1">Alice a rencontré Bob. / Alice met Bob.<span class="cited-by"> Alice Bob The City The meeting Home</span>"#), "{source}");
    assert!(source.contains(r#"<li id="p3">&quot;Nous avançons&quot;, a dit Alice. / &quot;We are moving forward&quot;, said Alice.<span class="cited-by"> The meeting</span>"#));
}

#[test]
fn citation_tooltips_can_be_turned_off_and_nothing_else_changes() {
    let with = built();
    let without = Site::base();
    let toml = without.read("site.toml");
    without.write(
        "site.toml",
        &format!("{toml}\n[markdown]\ncitation_tooltips = false\n"),
    );
    let out = without.run(&["build"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    let home = without.read("public/index.html");
    assert!(
        home.contains(
            r#"Bob</a><sup class="cite"><a href="/sub/source/#p1" id="cite-1" data-n="1">¶1</a></sup>."#
        ),
        "{home}"
    );
    // Every page is the one built with tooltips, less its citations' two attributes.
    let pages = crate::support::same_but_tooltips(with.root(), without.root());
    assert!(pages >= 8, "{pages} pages compared");
    let source = without.read("public/source/index.html");
    assert!(source.contains("Alice a rencontré Bob. / Alice met Bob."));
}

#[test]
fn internal_links_resolve_with_anchors() {
    let site = built();
    let home = site.read("public/index.html");
    assert!(
        home.contains(r#"<a href="/sub/actors/alice/#background">Alice’s page</a>"#),
        "{home}"
    );
    assert!(home.contains(r#"<a href="/sub/source/#p2">the source</a>"#));
}

#[test]
fn first_mentions_of_aliases_link_once_and_never_to_the_page_itself() {
    let site = built();
    let bob = site.read("public/actors/bob/index.html");
    assert!(
        bob.contains(
            r#"<p>Bob is mentioned by <a class="xref" href="/sub/actors/alice/">Ally</a><sup class="cite">"#
        ),
        "{bob}"
    );
    let alice = site.read("public/actors/alice/index.html");
    // "Alice" on Alice's page is not linked; "City" (an alias) is.
    assert!(alice.contains(r#"<p>Alice talked with <a class="xref" href="/sub/actors/bob/">Bob</a> in the <a class="xref" href="/sub/locations/city/">City</a>"#), "{alice}");
    // Only the first mention on the home page links.
    let home = site.read("public/index.html");
    assert_eq!(
        home.matches(r#"class="xref" href="/sub/actors/alice/""#)
            .count(),
        1
    );
}

#[test]
fn relations_show_from_both_ends_with_backlinks() {
    let site = built();
    let alice = site.read("public/actors/alice/index.html");
    assert!(
        alice.contains(r#"<li>negotiates with <a href="/sub/actors/bob/">Bob</a> [2]</li>"#),
        "{alice}"
    );
    let bob = site.read("public/actors/bob/index.html");
    assert!(bob.contains(r#"<ul class="relations"><li>negotiates with <a href="/sub/actors/alice/">Alice</a></li></ul>"#), "{bob}");
    assert!(bob.contains(
        r#"<ul class="talks"><li><a href="/sub/talks/meeting/">The meeting</a></li></ul>"#
    ));
    // Alice names Bob in a relation and links him in her text; the talk lists him; the home
    // page links to him.
    assert!(bob.contains(r#"<ul class="mentioned"><li><a href="/sub/actors/alice/">Alice</a></li><li><a href="/sub/talks/meeting/">The meeting</a></li><li><a href="/sub/">Home</a></li></ul>"#), "{bob}");
}

#[test]
fn each_page_lists_every_paragraph_it_cites_once() {
    let site = built();
    let alice = site.read("public/actors/alice/index.html");
    // Body ¶2, relation ¶2, event ¶1, quote by Alice ¶3.
    assert!(alice.contains(r#"<ol class="sources"><li><a href="/sub/source/#p1">¶1</a> Alice a rencontré Bob.</li><li><a href="/sub/source/#p2">¶2</a> Ils ont parlé.</li><li><a href="/sub/source/#p3">¶3</a> &quot;Nous avançons&quot;, a dit Alice.</li></ol>"#), "{alice}");
}

#[test]
fn talks_and_locations_show_resolved_references() {
    let site = built();
    let talk = site.read("public/talks/meeting/index.html");
    assert!(
        talk.contains(r#"<p class="meta">held, late August 2016, The City</p>"#),
        "{talk}"
    );
    assert!(talk.contains(r#"<ul class="participants"><li>Alice</li><li>Bob</li></ul>"#));
    assert!(talk.contains(
        r#"<blockquote lang="fr">Nous avançons</blockquote><p>We are moving forward, Alice</p>"#
    ));
    let city = site.read("public/locations/city/index.html");
    assert!(city.contains(r#"<p class="coords">36.2,37.15</p>"#));
    assert!(
        city.contains(r#"<ul class="present"><li>Alice</li><li>Bob</li></ul>"#),
        "{city}"
    );
}

#[test]
fn markdown_extensions_context_and_escaped_html() {
    let site = built();
    let home = site.read("public/index.html");
    assert!(home.contains(r#"<p><span class="context"><span class="context-label">Context:</span> Added by the editor.</span></p>"#), "{home}");
    assert!(home.contains("<aside class=\"context\">\n<p class=\"context-label\">Context, not from the source</p>\n<p>Not from the source.</p>\n</aside>"));
    assert!(home.contains("<table><thead><tr><th>a</th><th>b</th></tr></thead>"));
    assert!(home.contains(r##"<sup class="footnote-reference"><a href="#1">1</a></sup>"##));
}

fn with_raw_html(site: &Site) {
    let home = site.read("content/_index.md") + "\n<b>raw</b>\n";
    site.write("content/_index.md", &home);
}

#[test]
fn raw_html_passes_when_the_site_opts_in() {
    let site = Site::base();
    with_raw_html(&site);
    let toml = site.read("site.toml") + "\n[markdown]\nunsafe_html = true\n";
    site.write("site.toml", &toml);
    let out = site.run(&["build"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(site.read("public/index.html").contains("<b>raw</b>"));
    assert!(!out.stderr.contains("raw HTML is shown as text"));
}

#[test]
fn raw_html_is_escaped_with_a_warning() {
    let site = Site::base();
    with_raw_html(&site);
    let out = site.run(&["build"]);
    assert_eq!(out.status, 0);
    assert!(
        out.stderr
            .starts_with("warning: raw HTML is shown as text\n  --> content/_index.md:19:1\n"),
        "{}",
        out.stderr
    );
    assert!(
        site.read("public/index.html")
            .contains("<p>&lt;b&gt;raw&lt;/b&gt;</p>")
    );
}

fn with_heading_attributes(site: &Site) {
    let home = site.read("content/_index.md")
        + "\n## Kept {#kept .wide .note_2}\n\n## Hostile {#h2 .ok .x\"y onclick=alert(1) style=color:red}\n";
    site.write("content/_index.md", &home);
}

#[test]
fn heading_attributes_keep_ids_and_classes_and_drop_the_rest_with_a_warning() {
    let site = Site::base();
    with_heading_attributes(&site);
    let out = site.run(&["build"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    let home = site.read("public/index.html");
    assert!(
        home.contains(r#"<h2 id="kept" class="wide note_2">Kept</h2>"#),
        "{home}"
    );
    assert!(
        home.contains(r#"<h2 id="h2" class="ok">Hostile</h2>"#),
        "{home}"
    );
    assert!(
        !home.contains("onclick") && !home.contains("color:red"),
        "{home}"
    );
    assert!(
        out.stderr.contains(
            "warning: heading attributes `.x\"y`, `onclick=alert(1)`, `style=color:red` dropped\n  --> content/_index.md:21:12\n"
        ),
        "{}",
        out.stderr
    );
    // The heading whose attributes are all allowed gives no warning.
    assert_eq!(
        out.stderr.matches("heading attribute").count(),
        1,
        "{}",
        out.stderr
    );
}

#[test]
fn heading_attributes_pass_when_the_site_opts_in_to_raw_html() {
    let site = Site::base();
    with_heading_attributes(&site);
    let toml = site.read("site.toml") + "\n[markdown]\nunsafe_html = true\n";
    site.write("site.toml", &toml);
    let out = site.run(&["build"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    let home = site.read("public/index.html");
    assert!(
        home.contains(r#"<h2 id="h2" class="ok x&quot;y" onclick="alert(1)" style="color:red">"#),
        "{home}"
    );
    assert!(!out.stderr.contains("heading attribute"), "{}", out.stderr);
}

#[test]
fn links_with_unsafe_schemes_are_removed_with_a_warning_at_their_line() {
    let site = Site::base();
    let home = site.read("content/_index.md")
        + "\n[Click](JaVa&#9;ScRiPt:alert(1)) and ![pic](data:image/svg+xml,x) and [ok](https://example.org/)\n";
    site.write("content/_index.md", &home);
    site.write(
        "content/about.md",
        "+++\ntitle = \"About\"\n[extra]\nurl = \"vbscript:msgbox(1)\"\n+++\n",
    );
    site.write(
        "templates/page.html",
        "{% extends \"base.html\" %}{% block main %}<a href=\"{{ page.extra.url }}\">more</a>{% endblock main %}",
    );
    let out = site.run(&["build"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    for expected in [
        "warning: link with the scheme `javascript:` removed: `JaVa\\tScRiPt:alert(1)`\n  --> content/_index.md:19:1\n",
        "warning: image with the scheme `data:` removed: `data:image/svg+xml,x`\n  --> content/_index.md:19:",
        "warning: link with the scheme `vbscript:` removed: `vbscript:msgbox(1)`\n --> content/about.md\n",
    ] {
        assert!(out.stderr.contains(expected), "{expected}\n{}", out.stderr);
    }
    let home = site.read("public/index.html");
    assert!(
        home.contains("<p>Click and pic and <a href=\"https://example.org/\">ok</a></p>"),
        "{home}"
    );
    let about = site.read("public/about/index.html");
    assert!(about.contains("<a>more</a>"), "{about}");
    for page in [&home, &about] {
        assert!(!page.to_ascii_lowercase().contains("script:") && !page.contains("data:"));
    }
}

#[test]
fn timeline_collects_events_with_partial_dates() {
    let site = built();
    let home = site.read("public/index.html");
    assert!(home.contains(r#"<ol class="timeline"><li><time datetime="2016-09-04">4 September 2016</time> Alice meets Bob.</li></ol>"#), "{home}");
}

#[test]
fn drafts_are_left_out_unless_asked_for() {
    let site = Site::base();
    site.write(
        "content/actors/carol.md",
        "+++\ntitle = \"Carol\"\nkind = \"person\"\ndraft = true\n+++\n",
    );
    assert_eq!(site.run(&["build"]).status, 0);
    assert!(!site.root().join("public/actors/carol/index.html").exists());
    assert_eq!(site.run(&["build", "--drafts"]).status, 0);
    assert!(site.root().join("public/actors/carol/index.html").exists());
}

#[test]
fn site_templates_override_the_theme_one_by_one() {
    let site = Site::base();
    site.write(
        "templates/page.html",
        "{% extends \"base.html\" %}{% block main %}OVERRIDE {{ page.title }}{% endblock main %}",
    );
    assert_eq!(site.run(&["build"]).status, 0);
    assert!(
        site.read("public/source/index.html")
            .contains("<h1>The source</h1>"),
        "source.html is still the theme's"
    );
    site.write("content/about.md", "+++\ntitle = \"About\"\n+++\n");
    assert_eq!(site.run(&["build"]).status, 0);
    assert!(
        site.read("public/about/index.html")
            .contains("OVERRIDE About")
    );
}

#[test]
fn base_url_flag_changes_every_link() {
    let site = Site::base();
    let out = site.run(&["build", "--base-url", "https://example.net/other"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    let home = site.read("public/index.html");
    assert!(home.contains(r#"href="/other/style.css""#));
    assert!(home.contains(r#"href="/other/actors/alice/#background""#));
    assert!(!home.contains("/sub/"));
}

#[test]
fn check_validates_and_writes_nothing() {
    let site = Site::base();
    let out = site.run(&["check"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(out.stderr.contains("no errors"), "{}", out.stderr);
    assert!(!site.root().join("public").exists());
}

#[test]
fn crlf_and_byte_order_mark_simply_work() {
    let site = Site::base();
    site.write(
        "content/actors/bob.md",
        "\u{feff}+++\r\ntitle = \"Bob\"\r\nkind = \"official\"\r\n+++\r\nBob [¶1].\r\n",
    );
    let out = site.run(&["build"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(
        site.read("public/actors/bob/index.html")
            .contains(r#"Bob<sup class="cite">"#)
    );
}

#[test]
fn a_name_of_two_pages_is_not_linked_and_each_other_name_still_is() {
    let site = Site::base();
    // Carol shares Alice's alias, and repeats her own title as an alias.
    site.write(
        "content/actors/carol.md",
        "+++\ntitle = \"Carol\"\nkind = \"person\"\naliases = [\"Ally\", \"Carol\"]\n+++\nCarol met Bob [¶1].\n",
    );
    let out = site.run(&["build"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    let about_names: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.contains("so it is not linked automatically"))
        .collect();
    assert_eq!(
        about_names,
        [
            "warning: `Ally` names 2 pages (content/actors/alice.md, content/actors/carol.md), so it is not linked automatically"
        ],
        "{}",
        out.stderr
    );
    let bob = site.read("public/actors/bob/index.html");
    assert!(bob.contains("<p>Bob is mentioned by Ally<sup"), "{bob}");
    // Carol's own name, given twice, is one name of one page.
    let carol = site.read("public/actors/carol/index.html");
    assert!(
        carol.contains(r#"Carol met <a class="xref" href="/sub/actors/bob/">Bob</a>"#),
        "{carol}"
    );
    let alice = site.read("public/actors/alice/index.html");
    assert!(!alice.contains("Ally</a>"), "{alice}");
}

#[test]
fn editorial_warnings_are_separate_from_errors_and_do_not_fail_the_build() {
    let site = Site::base();
    site.write(
        "content/actors/carol.md",
        "+++\ntitle = \"Carol\"\nkind = \"person\"\naliases = [\"Caz\"]\nspellings = [\"Karol\"]\n+++\nCarol said nothing.\n",
    );
    let out = site.run(&["check"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert_eq!(
        out.stderr
            .lines()
            .filter(|l| l.starts_with("warning: "))
            .collect::<Vec<_>>(),
        [
            "warning: actor `carol` cites no paragraph of the source",
            "warning: alias `Caz` of carol appears in no page and no source paragraph",
            "warning: nobody refers to actor `carol`",
        ],
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.ends_with("no errors, 3 warnings.\n"),
        "{}",
        out.stderr
    );
    // Spellings are for search: never linked, never warned about.
    assert!(!out.stderr.contains("Karol"));
}

#[test]
fn an_actor_only_its_own_text_links_to_is_still_unreferenced() {
    let site = Site::base();
    let nobody = "warning: nobody refers to actor `carol`";
    site.write(
        "content/actors/carol.md",
        "+++\ntitle = \"Carol\"\nkind = \"person\"\n+++\nCarol [¶1], see [her page](@/actors/carol.md).\n",
    );
    let out = site.run(&["check"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(out.stderr.contains(nobody), "{}", out.stderr);
    // A link from another page's text is a reference.
    site.write(
        "content/actors/dave.md",
        "+++\ntitle = \"Dave\"\nkind = \"person\"\n+++\nDave met [Carol](@/actors/carol.md) [¶1].\n",
    );
    let out = site.run(&["check"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(!out.stderr.contains(nobody), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("warning: nobody refers to actor `dave`"),
        "{}",
        out.stderr
    );
}

#[test]
fn symlinks_leaving_the_site_are_refused_and_loops_are_errors() {
    let site = Site::base();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("secret.md"),
        "+++\ntitle = \"Secret\"\n+++\nSECRET\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.md"),
        site.root().join("content/leak.md"),
    )
    .unwrap();
    // `check` fails with the link's error first, at `link`.
    let refused = |link: &str| {
        let out = site.run(&["check"]);
        assert_eq!(out.status, 1, "{}", out.stderr);
        let first = format!("error: a symbolic link leads outside the site\n --> {link}\n");
        assert!(out.stderr.starts_with(&first), "{}", out.stderr);
        out.stderr
    };
    refused("content/leak.md");
    std::fs::remove_file(site.root().join("content/leak.md")).unwrap();

    // A link to a folder outside: nothing in it is read. Its file's error would quote the
    // file's lines (it did, after the link's own error).
    std::fs::write(
        outside.path().join("broken.md"),
        "+++
title = \"SECRET LINE
+++
",
    )
    .unwrap();
    std::os::unix::fs::symlink(outside.path(), site.root().join("content/leaks")).unwrap();
    let stderr = refused("content/leaks");
    assert!(!stderr.contains("SECRET"), "{stderr}");
    assert_eq!(stderr.matches("error:").count(), 1, "{stderr}");
    std::fs::remove_file(site.root().join("content/leaks")).unwrap();

    // A link inside the site is fine.
    std::os::unix::fs::symlink(
        site.root().join("content/actors/bob.md"),
        site.root().join("content/bob-again.md"),
    )
    .unwrap();
    let out = site.run(&["check"]);
    // It is a page of its own (an actor's front matter outside actors/ is an unknown key).
    assert!(!out.stderr.contains("symbolic link"), "{}", out.stderr);
    std::fs::remove_file(site.root().join("content/bob-again.md")).unwrap();

    // A loop.
    std::os::unix::fs::symlink(
        site.root().join("content"),
        site.root().join("content/actors/loop"),
    )
    .unwrap();
    let out = site.run(&["check"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert!(out.stderr.contains("error: a symbolic link loops back to a folder that contains it\n --> content/actors/loop\n"), "{}", out.stderr);
}

#[test]
fn a_ten_megabyte_page_and_pathological_markdown_build() {
    let site = Site::base();
    // The search index of 10 MB is slow in a debug build and not what this is about.
    site.write(
        "site.toml",
        &site
            .read("site.toml")
            .replace("theme = \"t\"", "theme = \"t\"\nsearch = false"),
    );
    let mut big = String::from("+++\ntitle = \"Big\"\n+++\n");
    while big.len() < 10 * 1024 * 1024 {
        big.push_str("Lorem ipsum dolor sit amet, consectetur adipiscing elit [¶1]. ");
        big.push_str("| a | b |\n|---|---|\n| 1 | 2 |\n\n");
    }
    site.write("content/big.md", &big);
    // Inputs that once made the Markdown stage quadratic or that nest deeply.
    site.write(
        "content/emphasis.md",
        &format!("+++\ntitle = \"E\"\n+++\n{}\n", "*a **a ".repeat(200_000)),
    );
    site.write(
        "content/nesting.md",
        &format!("+++\ntitle = \"N\"\n+++\n{}x\n", "> ".repeat(50_000)),
    );
    site.write(
        "content/brackets.md",
        &format!("+++\ntitle = \"B\"\n+++\n{}\n", "[".repeat(100_000)),
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dossier"))
        .args(["build", "--output-dir", "out"])
        .current_dir(site.root())
        .env("NO_COLOR", "1")
        // A hang would otherwise stop the build by name only after 30 s.
        .env("DOSSIER_PAGE_TIMEOUT_MS", "60000")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("panicked"));
    assert!(
        std::fs::metadata(site.root().join("out/big/index.html"))
            .unwrap()
            .len()
            > 10 * 1024 * 1024
    );
}

#[test]
fn templates_may_link_to_the_search_index_and_those_links_are_checked() {
    // The index is built on a thread of its own beside the templates and links; its files
    // must still be in the output when the links are checked.
    let site = Site::base();
    let base = site.read("themes/t/templates/base.html");
    let linking = |file: &str| {
        base.replace(
            "</head>",
            &format!(
                r#"<script type="module" src="{{{{ url(path='{file}') }}}}"></script></head>"#
            ),
        )
    };
    site.write(
        "themes/t/templates/base.html",
        &linking("pagefind/pagefind.js"),
    );
    let out = site.run(&["build"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(site.root().join("public/pagefind/pagefind.js").is_file());
    assert!(
        site.read("public/index.html")
            .contains(r#"<script type="module" src="/sub/pagefind/pagefind.js"></script>"#)
    );

    site.write(
        "themes/t/templates/base.html",
        &linking("pagefind/nothing.js"),
    );
    let out = site.run(&["build"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "broken link `/sub/pagefind/nothing.js`: the site has no pagefind/nothing.js"
        ),
        "{}",
        out.stderr
    );
}

#[test]
fn a_template_link_to_a_missing_id_names_the_file_and_the_id() {
    let site = Site::base();
    let base = site.read("themes/t/templates/base.html");
    // The second anchor is percent-encoded: it is checked decoded.
    site.write(
        "themes/t/templates/base.html",
        &base.replace(
            "</body>",
            r#"<a href="/sub/#nowhere">x</a><a href="/sub/actors/#no%20where">y</a></body>"#,
        ),
    );
    let out = site.run(&["build"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    for want in [
        "broken link `/sub/#nowhere`: index.html has no id `nowhere`",
        "broken link `/sub/actors/#no%20where`: actors/index.html has no id `no where`",
    ] {
        assert!(out.stderr.contains(want), "{want}\n{}", out.stderr);
    }
    assert!(!site.root().join("public").exists());
}

#[test]
fn a_template_error_fails_the_build_with_search_on() {
    // The index is already being built when the templates fail: the build still reports
    // the template's error alone and writes nothing.
    let site = Site::base();
    site.write(
        "themes/t/templates/actor.html",
        r#"{% extends "base.html" %}{% block main %}{{ page.title | no_such_filter }}{% endblock main %}"#,
    );
    let out = site.run(&["build"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert!(out.stderr.contains("no_such_filter"), "{}", out.stderr);
    assert!(!out.stderr.contains("search"), "{}", out.stderr);
    assert!(!site.root().join("public").exists());
}

#[test]
fn a_build_calls_index_starts_once_when_it_builds_a_search_index() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    fn count() {
        CALLS.fetch_add(1, Ordering::SeqCst);
    }
    let site = Site::base();
    let opts = dossier::build::BuildOptions {
        root: site.root().to_path_buf(),
        index_starts: Some(count),
        ..Default::default()
    };
    let built = dossier::build::render_site(&opts).unwrap();
    assert!(built.files.iter().any(|f| f.path.starts_with("pagefind/")));
    assert_eq!(CALLS.load(Ordering::SeqCst), 1);
    // No index, no call.
    site.write(
        "site.toml",
        &format!("search = false\n{}", site.read("site.toml")),
    );
    let built = dossier::build::render_site(&opts).unwrap();
    assert!(!built.files.iter().any(|f| f.path.starts_with("pagefind/")));
    assert_eq!(CALLS.load(Ordering::SeqCst), 1);
}

#[test]
fn no_body_is_freed_before_the_search_index_has_read_it() {
    // `build` frees each page's body once the page is staged, but not before the search
    // thread has made its records from the bodies. Here that thread waits before it makes
    // them, so every page is staged first: a body freed then would be read by the records
    // after it was freed, which a debug build (the tests') stops at, and which would leave
    // its words out of the index. The index must be the one a build without the wait makes.
    fn late() {
        std::thread::sleep(std::time::Duration::from_millis(1500));
    }
    let site = Site::base();
    let build = |out: &str, index_starts: Option<fn()>| {
        let opts = dossier::build::BuildOptions {
            root: site.root().to_path_buf(),
            output_dir: Some(site.root().join(out)),
            index_starts,
            ..Default::default()
        };
        dossier::build::build(&opts).unwrap_or_else(|d| panic!("{d:?}"));
        crate::support::tree(&site.root().join(out).join("pagefind"))
    };
    let waited = build("waited", Some(late));
    let at_once = build("at-once", None);
    assert!(waited.len() > 5, "{:?}", waited.keys());
    assert!(waited == at_once, "the indexes differ");
}
