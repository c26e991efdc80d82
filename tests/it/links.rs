//! The links stage's HTML scanner (`src/links/scan.rs`) against the lol_html rewriter it
//! replaced (`fuzz/src/link_oracle.rs`, with character references decoded, the fix the
//! scanner brought): the same ids, links kept for the check, external links, removed links
//! and bytes written, rewriting and not, on every page of the shipped dossier and on
//! hand-written pages that try the tokenizer's corners. The `link_scan` fuzz target does the
//! same on whatever the fuzzer makes.

use std::collections::HashSet;
use std::path::Path;

use dossier::build::{BuildOptions, render_in_memory};
use dossier::config::{self, Overrides};
use dossier::load;

use crate::fuzz::targets::link_oracle::compare;
use crate::support::run_in;

#[test]
fn the_scanner_reads_every_page_of_the_shipped_dossier_as_lol_html_did() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let src = std::fs::read_to_string(repo.join("site.toml")).unwrap();
    let mut diags = Vec::new();
    let mut config = config::parse(
        Path::new("site.toml"),
        &src,
        &Overrides::default(),
        &mut diags,
    )
    .unwrap();
    // The pages as the templates wrote them: without relative links the links stage changes
    // nothing on a site without unsafe links (no warnings, below). The search index has no
    // pages, and takes seconds.
    config.relative_links = false;
    config.search = false;
    let loaded = load::load(repo, &config.theme, &mut diags);
    assert!(diags.is_empty(), "{diags:?}");
    let built = render_in_memory(config.clone(), loaded, &BuildOptions::default())
        .unwrap_or_else(|d| panic!("the shipped dossier does not build: {d:?}"));
    assert!(built.warnings.is_empty(), "{:?}", built.warnings);
    let known: HashSet<String> = built.files.iter().map(|f| f.path.clone()).collect();
    let (mut pages, mut ids, mut links, mut external, mut rewritten) = (0, 0, 0, 0, 0);
    for f in &built.files {
        if !f.path.ends_with(".html") {
            continue;
        }
        let html = std::str::from_utf8(&f.bytes).unwrap();
        let found = compare(&f.path, html, &config.base_path, &known)
            .unwrap_or_else(|| panic!("{} refused", f.path));
        pages += 1;
        ids += found.ids.len();
        links += found.links.len();
        external += found.external.len();
        rewritten += usize::from(found.html != f.bytes);
    }
    // What was compared is the real thing: pages with ids, anchored links, links out, and
    // links rewritten.
    assert!(pages >= 70, "{pages} pages");
    assert!(
        ids > 1000 && links > 100 && external > 10,
        "{ids} {links} {external}"
    );
    assert_eq!(rewritten, pages);
}

/// Hand-written pages: each tries a corner of the tokenizer or of the rewriting.
const PAGES: &[&str] = &[
    // Attributes however they are written.
    r##"<A HREF='/sub/single/' ID=Up>x</A><a href=/sub/unquoted/#k>x</a>"##,
    "<a\nhref\n=\n\"/sub/spaced/\"\tid = \"sp\">x</a>",
    r##"<a href="/sub/x/"id="glued">x</a><a href=/sub/x/ class=c/>x</a>"##,
    r##"<img src="/sub/i.png" src="/sub/second.png"><img src=/sub/i.png/>"##,
    r##"<img src=/sub/i.png /><img src="/sub/i.png"/><br/><br /><input disabled/>"##,
    r##"<a / href=/sub/x/ =y ==z><a href=>x</a><a href = >x</a><a href=/sub/x/ id=>"##,
    r##"<a name="old-anchor">x</a><A NAME=Upper>x</A><p name=not-an-anchor id=p1>"##,
    r##"<a href='/sub/x/#a"b'>q</a><a href="/sub/x/#it's">q</a><a href=/sub/x/#a&b>q</a>"##,
    // Every URL attribute, in and out of the site.
    r##"<form action="/sub/f/"><button formaction="../x/">b</button></form>"##,
    r##"<video poster="/sub/p.jpg" src="https://v.example/v.mp4"></video>"##,
    r##"<a href="https://ok.example/">o</a><a href=" http://padded.example/ ">o</a>"##,
    r##"<img src="https://img.example/i.png"><link href="https://css.example/">"##,
    r##"<a href="mailto:x@example.org">m</a><a href="//cdn.example/x">c</a><a href="/other/">o</a>"##,
    r##"<a href="#top">t</a><a href="">e</a><a href="?q=1">q</a><a href="/sub/y/#">h</a>"##,
    // Unsafe links, however disguised, and every repeat of them.
    r##"<a href="javascript:alert(1)" href="/sub/x/" id=j>x</a><img src="data:text/html,1"/>"##,
    r##"<a href="&#106;avascript:x">1</a><a href="java&Tab;script:x">2</a><a href="&#x6A;avascript:x">3</a>"##,
    r##"<a href="&amp;#106;avascript:x">double</a><a href="javascript&colon;x">4</a>"##,
    r##"<svg><a xlink:href="javascript:x"><text>t</text></a></svg><iframe src="vbscript:x"></iframe>"##,
    // Character references in values.
    r##"<a href="&#47;sub&#x2F;refs/">x</a><a href="/sub/amp/?x=1&amp;y=2#frag">x</a>"##,
    r##"<a href="/sub/x/?a=1&copy=2&not">x</a><a href="/sub/x/#&notit;&lt">x</a><p id="a&amp;b">"##,
    r##"<a href="/sub/x/#&#0;&#128;&#xD800;">x</a><a href="/sub/x/#&amp;lt;">x</a>"##,
    // What is not markup.
    r##"<!-- <a href="/sub/commented/" id="c"> --><!--><a href=/sub/a1/><!---><a href=/sub/a2/>"##,
    r##"<!----><a href=/sub/a3/><!-- --!><a href=/sub/a4/><!-- -- > <a href=/sub/no/> --><a id=after>"##,
    r##"<!DOCTYPE html><!doctype x "a>b"><a href=/sub/d/><?php echo '<a href=/sub/no/>' ?>"##,
    r##"<!x <a href=/sub/no/> ><!><a href=/sub/b/></3 <a href=/sub/no/> x></><a href=/sub/c/>"##,
    r##"</a href=">" title='<a href=/sub/no/>'><a href=/sub/e/>"##,
    r##"<![CDATA[ x> <a href=/sub/html-cdata/> ]]><a href=/sub/f/>"##,
    "<script>let s = '<a href=\"/sub/in-script/\">'; // </scripts> still script\n</script><a id=s>",
    r##"<script><!-- <a href=/sub/no/> </script><a href=/sub/after-escaped/>"##,
    r##"<script><!--<script></script><a href=/sub/no/></script>--></script><a href=/sub/after-double/>"##,
    r##"<script><!--></script><a href=/sub/g/><script><!--<scripts></script><a href=/sub/h/>"##,
    r##"<SCRIPT type=x></Script ><a href=/sub/i/><script></script x=">"><a href=/sub/j/>"##,
    r##"<style>a[href="/sub/in-style/"] { color: red }</style><textarea><a href=/sub/no/></textarea>"##,
    r##"<title><a href="/sub/in-title/"></title><xmp><a href=/sub/no/></xmp><iframe><a href=/sub/no/></iframe>"##,
    r##"<noembed><a href=/sub/no/></noembed><noframes><a href=/sub/no/></noframes><noscript><a href=/sub/no/></noscript><a id=k>"##,
    r##"<style></styles><a href=/sub/no/></STYLE><a href=/sub/k/>"##,
    r##"<p title="<a href='/sub/in-attribute/'>">x</p>"##,
    r##"<plaintext><a href=/sub/no/></plaintext><a href=/sub/no/>"##,
    // Templates and foreign content.
    r##"<template><a href="/sub/in-template/" id="t">x</a></template>"##,
    r##"<svg><a xlink:href="/sub/svg/"><title>T</title></a><style><a href="/sub/in-svg-style/"></a></style></svg>"##,
    r##"<svg><![CDATA[ x> <a href=/sub/no/> ]]><a href=/sub/l/></svg><![CDATA[ x> <a href=/sub/v/> ]]>"##,
    r##"<svg><title><style><a href=/sub/no/></style></title><style><a href=/sub/m/></style></svg>"##,
    r##"<svg><title/><style><a href=/sub/n/></style><desc><xmp><a href=/sub/no/></xmp></desc></svg>"##,
    r##"<svg><foreignObject><textarea><a href=/sub/no/></textarea></foreignObject></svg>"##,
    r##"<svg><p><style><a href=/sub/no/></style><svg></p><style><a href=/sub/no/></style>"##,
    r##"<svg><font x><style><a href=/sub/o/></style><font color=red><style><a href=/sub/no/></style>"##,
    r##"<svg><div><style><a href=/sub/no/></style></svg><svg><svg></svg><style><a href=/sub/p/></style>"##,
    r##"<math><mi><style><a href=/sub/no/></style></mi><style><a href=/sub/q/></style></math>"##,
    r##"<math><annotation-xml encoding="text/html"><style><a href=/sub/no/></style></annotation-xml></math>"##,
    r##"<math><annotation-xml encoding=svg><style><a href=/sub/r/></style><![CDATA[<a href=/sub/no/>]]>"##,
    // Refused pages, both ways, and ones that only look so.
    r##"<select><style><a href=/sub/x/></style></select>"##,
    r##"<select><template><xmp></xmp></template></select>"##,
    r##"<frameset><noframes></noframes><title>"##,
    r##"<select><script></script><textarea></textarea><style><a href=/sub/s/></style>"##,
    // An attribute ending in `=` just before `>`: the tag still switches to text.
    r##"<script x=><a href="/sub/no/"></script><a href="/sub/t/">"##,
    r##"<style x =><a href=/sub/no/></style><textarea a=b c=><a href=/sub/no/></textarea>"##,
    r##"<title x=><a href=/sub/no/></title><xmp y=><a href=/sub/no/></xmp><a href=/sub/u/>"##,
    r##"<svg><title x=><style><a href=/sub/no/></style></title></svg><plaintext p=><a href=/sub/no/>"##,
    // Pages cut short.
    r##"<a href=/sub/x/ id=cut"##,
    r##"<a href=/sub/x/>x</a><a href="/sub/y/"##,
    r##"<a href=/sub/x/><!-- <a href=/sub/y/>"##,
    r##"<a href=/sub/x/><script><!--<script>"##,
    r##"<a href=/sub/x/><style>"##,
    "<a href=/sub/x/></",
    "<a href=/sub/x/><",
    "<a href=/sub/x/><!",
    "<a href=/sub/x/><svg><![CDATA[",
    // Multi-byte characters around and inside tags.
    "é<a href=/sub/é/ id=ü>ï</a>ö<é><a\u{a0}href=/sub/x/>",
    "<a href=\"/sub/caf%C3%A9/#na\u{ef}ve\" title=\"\u{1F600}\">x</a>",
    // Byte order marks at the start of values and names (lol_html drops them there).
    "<a href=\"\u{feff}/sub/x/\" id=\"\u{feff}b\">x</a><a \u{feff}href=/sub/y/ \u{feff}id=c>y</a>",
];

#[test]
fn the_scanner_reads_hand_written_pages_as_lol_html_did() {
    let known: HashSet<String> = ["index.html", "a/b/index.html", "x/index.html"]
        .map(String::from)
        .into();
    let mut refused = 0;
    for html in PAGES {
        if compare("a/b/index.html", html, "/sub/", &known).is_none() {
            refused += 1;
        }
    }
    assert_eq!(refused, 3);
}

/// A byte order mark inside a tag is a character like any other, as in Chromium, where
/// `href="\u{feff}x"` links to `%EF%BB%BFx` and `\u{feff}href` is not `href`. lol_html drops
/// it at the start of a value or a name; the oracle reads around that
/// (`fuzz/regressions/link_scan`).
#[test]
fn a_byte_order_mark_in_a_tag_is_kept() {
    let known = HashSet::new();
    let html =
        "<a href=\"\u{feff}x/\" id=\"\u{feff}b\">x</a><a \u{feff}href=/sub/y/ \u{feff}id=c>y</a>";
    let found = compare("a/b/index.html", html, "/sub/", &known).unwrap();
    let links: Vec<&str> = found.links.iter().map(|l| l.0.as_str()).collect();
    assert_eq!(links, ["\u{feff}x/"]);
    let ids: HashSet<&str> = found.ids.iter().map(String::as_str).collect();
    assert_eq!(ids, HashSet::from(["\u{feff}b"]));
}

/// The Markdown of a page with every kind of link and id a body can hold.
const RICH_BODY: &str = r#"## Background {.note}

Alice talked with Bob in the City [¶2], and again [¶1, 3]: "Nous avançons" [¶3].

See [Bob's page](@/actors/bob.md "Bob & co"), [the talk](@/talks/meeting.md),
[a site](https://example.com/?a=1&b=2 "Title <here>"), [mail](mailto:a@example.org),
[up](../), [rooted](/sub/actors/bob/), [here](#background), [a query](?x=1), <https://auto.example/>.

![A map *of* the City](/sub/locations/city/ "The & map")

Footnote[^n] and again[^n], code `<a href="/x">` and `&amp;`.

[^n]: A note with a [link](https://example.org/x) and Bob.

| a | b |
|:-|-:|
| 1 < 2 | `<b id="no">` |

- [ ] to do
- [x] done

> [!CONTEXT]
> Context with a [link](@/locations/city.md).

```html
<a href="/sub/in-code/" id="in-code">not a link</a>
```

### Again {#again}
"#;

/// A streaming build reads each page's body as the Markdown stage writes it (only its tags
/// with attributes, its links by their `href`); a build in memory reads every page whole.
/// Their pages are the same, byte for byte: on a page with every kind of link and id a body
/// can hold, with relative links and without, and on the shipped dossier.
#[test]
fn pages_read_by_their_bodies_are_the_pages_read_whole() {
    let fixture = tempfile::tempdir().unwrap();
    crate::support::copy_tree(&crate::support::fixtures().join("base"), fixture.path());
    let alice = fixture.path().join("content/actors/alice.md");
    let src = std::fs::read_to_string(&alice).unwrap();
    let front = &src[..src.rfind("+++").unwrap() + 4];
    std::fs::write(&alice, format!("{front}{RICH_BODY}")).unwrap();
    let toml = fixture.path().join("site.toml");
    let config = std::fs::read_to_string(&toml).unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));

    let mut compared = 0;
    for (root, relative) in [
        (fixture.path(), false),
        (fixture.path(), true),
        (repo, true),
    ] {
        if root == fixture.path() {
            let relative_links = format!("relative_links = {relative}");
            let edited = config.replace("relative_links = false", &relative_links);
            std::fs::write(
                &toml,
                edited.replace("[[sides]]", "search = false\n\n[[sides]]"),
            )
            .unwrap();
        }
        let out = tempfile::tempdir().unwrap();
        let public = out.path().join("public");
        let built = run_in(root, &["build", "--output-dir", public.to_str().unwrap()]);
        assert_eq!(built.status, 0, "{}", built.stderr);
        assert!(!built.stderr.contains("warning"), "{}", built.stderr);
        let streamed = crate::support::published(&public);

        let opts = BuildOptions {
            root: root.to_path_buf(),
            defer_search: true,
            ..BuildOptions::default()
        };
        let in_memory = dossier::build::render_site(&opts).unwrap_or_else(|d| {
            panic!(
                "{:?}",
                d.iter().map(|d| d.render(false)).collect::<Vec<_>>()
            )
        });
        let mut pages = 0;
        for f in in_memory.files.iter().filter(|f| f.path.ends_with(".html")) {
            let written = streamed
                .get(&f.path)
                .unwrap_or_else(|| panic!("{} not written", f.path));
            assert!(
                written == &f.bytes,
                "{} differs:\n{}\n---\n{}",
                f.path,
                String::from_utf8_lossy(written),
                String::from_utf8_lossy(&f.bytes)
            );
            pages += 1;
        }
        assert!(pages >= 9, "{pages}");
        compared += pages;
        if root == fixture.path() {
            // What was compared is the real thing: the rich page, its links as each build
            // writes them.
            let page = String::from_utf8_lossy(&streamed["actors/alice/index.html"]).into_owned();
            let cite = if relative {
                r#"<a href="../../source/index.html#p2" id="cite-1""#
            } else {
                r#"<a href="/sub/source/#p2" id="cite-1""#
            };
            for part in [
                cite,
                r#"id="background""#,
                r#"id="again""#,
                "footnote-definition",
                "in-code",
            ] {
                assert!(page.contains(part), "{part} not in\n{page}");
            }
        }
    }
    assert!(compared > 80, "{compared}");
}
