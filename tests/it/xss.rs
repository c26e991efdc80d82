//! The XSS corpus (issue 9, item 1): hostile strings in every field an editor or site.toml
//! sets and in every Markdown position, built with three themes: the repository's default
//! theme, the base fixture's, and `tests/fixtures/xss/themes/all`, which puts every field into
//! text, attributes and (for URLs from front matter) `href`/`src`. No payload may be live in any
//! output file (`fuzz/src/inert.rs` says what live means), the sitemap, feed, JSON-LD and search index
//! stay well-formed with the payloads as text, and a link with a dangerous scheme is
//! neutralised with a warning naming its file while the build still succeeds.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Read as _;
use std::path::Path;

use toml::{Table, Value};

use crate::fuzz::targets::inert::{self, Allowed};
use crate::support::{Site, copy_tree, fixtures, tree};

/// Hostile strings. Each carries a marker (`X01`…) so its arrival in the output can be seen.
const PAYLOADS: &[&str] = &[
    "<script>alert(\"X01\")</script>",
    "</script><script>alert(\"X02\")</script>",
    "<img src=x onerror=alert(\"X03\")>",
    "<svg onload=alert(\"X04\")><circle r=1 /></svg>",
    "\" onmouseover=\"alert('X05')\" x=\"",
    "' onfocus='alert(/X06/)' autofocus x='",
    "javascript:alert(\"X07\")",
    "JaVaScRiPt:alert(\"X08\")",
    "java\tscript:alert(\"X09\")",
    "java\nscript:alert(\"X10\")",
    "&#106;avascript:alert(\"X11\")",
    "&#x6A;avascript:alert(\"X12\")",
    "&#0000106&#0000097vascript:alert(\"X13\")",
    "javascript&colon;alert(\"X14\")",
    " \u{1}javascript:alert(\"X15\")",
    "data:text/html,<script>alert(\"X16\")</script>",
    "vbscript:msgbox(\"X17\")",
    "<!-- X18 --><script>alert(1)</script><!--",
    "<iframe src=\"javascript:alert('X19')\"></iframe>",
    "<a href=\"javascript:alert('X20')\">click</a>",
    "<div style=\"background:url(javascript:alert('X21'))\">X21</div>",
    "<p style=\"width: expression(alert('X22'))\">X22</p>",
    "<style>*{background:url(\"javascript:alert('X23')\")}</style>",
    "{{ config.title }}{% raw %}X24{% endraw %}",
    "{{ get_env(name=\"HOME\") }}{% include \"base.html\" %}X25",
    "\u{2028}X26\u{2029}</script><!--",
    "X27\u{0}<scr\u{0}ipt>alert(1)</script>",
    "<javascript:alert(\"X28\")>",
    "[X29](javascript:alert(1) \"t\\\" onmouseover=\\\"alert(1)\")",
    "![X30\" onerror=\"alert(1)](javascript:alert(1))",
    "[X31][evil-ref]\n\n[evil-ref]: javascript:alert(1) \"t\"",
    "## X32 {onclick=alert(1) style=color:red}",
    "<form action=\"javascript:alert('X33')\"><button>x</button></form>",
    "<base href=\"javascript:alert('X34')//\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert('X35')\">",
    "<math><a xlink:href=\"javascript:alert('X36')\">x</a></math>",
    "X37 \u{fffe}\u{ffff} noncharacters",
    "<object data=\"javascript:alert('X38')\"></object>",
    "<x onclick=alert(\"X39\")>x</x>",
    "X40 ]]><![CDATA[<script>alert(1)</script>]]>",
    "&lt;script&gt;alert(\"X41\")&lt;/script&gt;",
    "`<script>alert(\"X42\")</script>`",
    "<a href=\"&#x6A;avascript:alert('X43')\">x</a>",
];

/// Link destinations with schemes that must not stay live. Each has a colon before any `/`,
/// `?` or `#`, so the link checker treats it as leaving the site.
const URL_PAYLOADS: &[&str] = &[
    "javascript:alert(\"U01\")",
    "JaVaScRiPt:alert(1)",
    "java&#9;script:alert(1)",
    "java&#x0A;script:alert(1)",
    "&#106;avascript:alert(1)",
    "&#x6A;avascript:alert(1)",
    "&#0000106;avascript:alert(1)",
    "javascript&colon;alert(1)",
    "java&Tab;script:alert(1)",
    "vbscript:msgbox(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "livescript:alert(1)",
    "file:///etc/passwd",
];

/// A field's value: its marker, then every payload.
fn value(field: &str) -> String {
    format!("F-{field} {}", PAYLOADS.join(" "))
}

fn s(v: impl Into<String>) -> Value {
    Value::String(v.into())
}

fn table(pairs: Vec<(&str, Value)>) -> Value {
    Value::Table(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

fn list(items: Vec<Value>) -> Value {
    Value::Array(items)
}

/// One name per payload, for `aliases` and `spellings` (which must differ between pages).
fn names(prefix: &str) -> Value {
    list(
        PAYLOADS
            .iter()
            .enumerate()
            .map(|(i, p)| s(format!("{prefix}-{i} {p}")))
            .collect(),
    )
}

/// The fields every page has, plus `extra` with a URL that a theme may put in an `href`.
fn page_fields(tag: &str, title: &str) -> Vec<(&'static str, Value)> {
    vec![
        ("title", s(value(title))),
        ("description", s(value(&format!("{tag}-description")))),
        ("summary", s(value(&format!("{tag}-summary")))),
        (
            "extra",
            table(vec![
                ("url", s(format!("javascript:alert('{tag}-extra')"))),
                ("note", s(value(&format!("{tag}-extra-note")))),
            ]),
        ),
    ]
}

fn event(tag: &str, actors: &[&str], cite: i64) -> Value {
    table(vec![
        ("date", s("2016-09-04")),
        ("as_stated", s(value(&format!("{tag}-event-as-stated")))),
        ("summary", s(value(&format!("{tag}-event-summary")))),
        ("actors", list(actors.iter().map(|a| s(*a)).collect())),
        ("place", s("place")),
        ("cite", list(vec![Value::Integer(cite)])),
    ])
}

/// A Markdown body with every payload in every position, marked `B-<tag>`.
fn body(tag: &str) -> String {
    let mut md = format!("B-{tag} starts here [¶1].\n\n");
    for (i, p) in PAYLOADS.iter().enumerate() {
        let flat = p.replace('\n', " ");
        let _ = write!(
            md,
            "Text {tag} {i}: {p}\n\n\
             ## Heading {tag} {i} {flat}\n\n\
             *{flat}* and **{flat}** and `{flat}` and ~~{flat}~~\n\n\
             [{flat}](https://example.org/{i}) and [title {i}](https://example.org/ \"{flat}\") \
             and ![{flat}](https://example.org/{i}.png \"{flat}\")\n\n\
             [context: {flat}] and a citation {flat}[¶2].\n\n\
             | h {i} | {flat} |\n|---|:-:|\n| {flat} | x |\n\n\
             A footnote[^{tag}{i}].\n\n[^{tag}{i}]: {flat}\n\n\
             - item {flat}\n- [ ] {flat}\n\n\
             > [!CONTEXT]\n> {flat}\n\n\
             > {p}\n\n"
        );
    }
    for (i, u) in URL_PAYLOADS.iter().enumerate() {
        let _ = write!(
            md,
            "[u{i}]({u}) and [a{i}](<{u}>) and ![i{i}]({u}) and <{u}> and [r{i}][ref-{tag}-{i}] \
             and [t{i}]({u} \"t\")\n\n[ref-{tag}-{i}]: {u} \"t{i}\"\n\n"
        );
    }
    // Raw HTML blocks last: a `<script>` or `<style>` block runs to its end tag and would
    // swallow the positions after it.
    for p in PAYLOADS {
        let _ = write!(md, "{p}\n\n");
    }
    md
}

fn front_matter(fields: Vec<(&str, Value)>) -> String {
    let t: Table = fields
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    toml::to_string(&t).unwrap()
}

fn file(fields: Vec<(&str, Value)>, tag: &str) -> String {
    format!("+++\n{}+++\n{}", front_matter(fields), body(tag))
}

/// The themes the corpus is built with.
#[derive(Debug, Clone, Copy)]
enum Theme {
    /// The repository's `themes/dossier`.
    Default,
    /// The base fixture's `t`.
    Fixture,
    /// `tests/fixtures/xss/themes/all`: every field, in text, attributes and URLs.
    All,
}

impl Theme {
    fn name(self) -> &'static str {
        match self {
            Theme::Default => "dossier",
            Theme::Fixture => "t",
            Theme::All => "all",
        }
    }

    fn dir(self) -> std::path::PathBuf {
        match self {
            Theme::Default => Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/dossier"),
            Theme::Fixture => fixtures().join("base/themes/t"),
            Theme::All => fixtures().join("xss/themes/all"),
        }
    }

    fn has_timeline(self) -> bool {
        self.dir().join("templates/timeline.html").is_file()
    }

    fn allowed(self) -> Allowed {
        let texts: Vec<String> = tree(&self.dir().join("templates"))
            .into_values()
            .map(|b| String::from_utf8(b).unwrap())
            .collect();
        Allowed::from_templates(texts.iter().map(String::as_str))
    }
}

/// The content files of the corpus site, by path under `content/`.
fn content(theme: Theme) -> BTreeMap<&'static str, String> {
    let mut files = BTreeMap::new();
    files.insert("_index.md", file(page_fields("home", "home-title"), "home"));

    let mut source = page_fields("source", "source-title");
    source.push((
        "source",
        table(vec![
            ("publisher", s(value("source-publisher"))),
            ("language", s("fr\" onmouseover=\"alert('source-language')")),
            ("title_original", s(value("source-title-original"))),
            ("url", s("javascript:alert('source-url')")),
            ("published", s("2016-09-04")),
            ("date_note", s(value("source-date-note"))),
        ]),
    ));
    source.push((
        "paragraphs",
        list(
            (1..=3)
                .map(|n| {
                    table(vec![
                        ("original", s(value(&format!("paragraph-{n}-original")))),
                        (
                            "translation",
                            s(value(&format!("paragraph-{n}-translation"))),
                        ),
                        ("note", s(value(&format!("paragraph-{n}-note")))),
                    ])
                })
                .collect(),
        ),
    ));
    files.insert("source.md", file(source, "source"));

    files.insert(
        "actors/_index.md",
        file(page_fields("actors", "actors-title"), "actors"),
    );
    let mut evil = page_fields("actor", "actor-title");
    evil.extend([
        ("kind", s("person")),
        ("role", s(value("actor-role"))),
        ("side", s("a")),
        ("aliases", names("A-actor")),
        ("spellings", names("S-actor")),
        (
            "relations",
            list(vec![table(vec![
                ("type", s("negotiates-with")),
                ("to", s("other")),
                ("cite", list(vec![Value::Integer(1)])),
                ("note", s(value("relation-note"))),
            ])]),
        ),
        ("events", list(vec![event("actor", &["evil", "other"], 2)])),
    ]);
    files.insert("actors/evil.md", file(evil, "actor"));
    files.insert(
        "actors/other.md",
        "+++\ntitle = \"Other\"\nkind = \"state\"\n+++\nOther [¶1].\n".to_string(),
    );

    files.insert(
        "locations/_index.md",
        file(page_fields("locations", "locations-title"), "locations"),
    );
    let mut place = page_fields("location", "location-title");
    place.extend([
        ("kind", s("city")),
        ("aliases", names("A-location")),
        ("spellings", names("S-location")),
        (
            "coordinates",
            table(vec![
                ("lat", Value::Float(36.2)),
                ("lon", Value::Float(37.1)),
            ]),
        ),
        ("events", list(vec![event("location", &["other"], 1)])),
    ]);
    files.insert("locations/place.md", file(place, "location"));

    files.insert(
        "talks/_index.md",
        file(page_fields("talks", "talks-title"), "talks"),
    );
    let mut talk = page_fields("talk", "talk-title");
    talk.extend([
        ("kind", s("meeting")),
        ("status", s("held")),
        ("date", s("2016-09-04")),
        ("as_stated", s(value("talk-as-stated"))),
        ("location", s("place")),
        ("participants", list(vec![s("evil"), s("other")])),
        ("duration", s(value("talk-duration"))),
        ("outcome", s(value("talk-outcome"))),
        ("cite", list(vec![Value::Integer(1)])),
        (
            "quotes",
            list(vec![table(vec![
                ("speaker", s("evil")),
                ("original", s(value("quote-original"))),
                ("translation", s(value("quote-translation"))),
                ("cite", Value::Integer(3)),
            ])]),
        ),
        ("events", list(vec![event("talk", &["evil"], 3)])),
    ]);
    files.insert("talks/talk.md", file(talk, "talk"));

    let mut timeline = page_fields("timeline", "timeline-title");
    if theme.has_timeline() {
        timeline.push(("template", s("timeline.html")));
    }
    files.insert("timeline/_index.md", file(timeline, "timeline"));

    let mut page = page_fields("page", "page-title");
    page.push(("date", s("2016-09-05")));
    files.insert("page.md", file(page, "page"));
    files
}

fn site_toml(theme: Theme, relative: bool) -> String {
    let t = table(vec![
        ("title", s(value("site-title"))),
        ("description", s(value("site-description"))),
        ("base_url", s("https://example.org/sub/")),
        ("theme", s(theme.name())),
        ("relative_links", Value::Boolean(relative)),
        ("search", Value::Boolean(true)),
        (
            "sides",
            list(vec![table(vec![
                ("id", s("a")),
                ("label", s(value("side-label"))),
                ("description", s(value("side-description"))),
            ])]),
        ),
        (
            "extra",
            table(vec![
                ("url", s("javascript:alert('site-extra')")),
                ("note", s(value("site-extra-note"))),
            ]),
        ),
    ]);
    toml::to_string(&t).unwrap()
}

fn corpus_site(theme: Theme, relative: bool) -> Site {
    let dir = tempfile::tempdir().unwrap();
    let site = Site { dir };
    site.write("site.toml", &site_toml(theme, relative));
    for (rel, text) in content(theme) {
        site.write(&format!("content/{rel}"), &text);
    }
    copy_tree(&theme.dir(), &site.root().join("themes").join(theme.name()));
    site
}

/// The blocks of a diagnostic report: each starts at an `error:` or `warning:` line.
fn blocks(stderr: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in stderr.lines() {
        if line.starts_with("error:") || line.starts_with("warning:") || out.is_empty() {
            out.push(String::new());
        }
        let last = out.last_mut().unwrap();
        last.push_str(line);
        last.push('\n');
    }
    out
}

/// Characters XML 1.0 cannot hold, which a well-formed feed must leave out.
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

fn json_ld(html: &str) -> serde_json::Value {
    let open = "<script type=\"application/ld+json\">";
    let start = html.find(open).expect("no JSON-LD") + open.len();
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).unwrap()
}

/// The JSON inside a Pagefind fragment (`pagefind_dcd` then JSON, gzipped).
fn fragment(bytes: &[u8]) -> Result<serde_json::Value, String> {
    let mut raw = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut raw)
        .map_err(|e| e.to_string())?;
    let json = raw
        .strip_prefix(b"pagefind_dcd")
        .ok_or("no pagefind_dcd signature")?;
    serde_json::from_slice(json).map_err(|e| e.to_string())
}

/// Builds the corpus with `theme` and returns every way it falls short, one line each.
fn problems(theme: Theme, relative: bool) -> Vec<String> {
    let site = corpus_site(theme, relative);
    let out = site.run(&["build"]);
    let what = format!("theme {} (relative_links = {relative})", theme.name());
    let mut found = Vec::new();
    if out.status != 0 || out.stderr.contains("panicked") {
        return vec![format!(
            "{what}: the build failed with status {}:\n{}",
            out.status, out.stderr
        )];
    }

    // Links with dangerous schemes are neutralised with a warning that names their file (and
    // says "scheme" in its first line).
    let blocks = blocks(&out.stderr);
    for rel in content(theme).keys().filter(|r| **r != "actors/other.md") {
        let file = format!("content/{rel}");
        let warned = blocks.iter().any(|b| {
            let head = b.lines().next().unwrap_or("").to_ascii_lowercase();
            b.starts_with("warning:")
                && b.contains(&format!("--> {file}"))
                && head.contains("scheme")
        });
        if !warned {
            found.push(format!(
                "{what}: no warning names {file} for its links with dangerous schemes"
            ));
        }
    }

    let public = site.root().join("public");
    let files = tree(&public);
    let allowed = theme.allowed();
    let mut html_text = String::new();
    for (path, bytes) in &files {
        if !path.ends_with(".html") {
            continue;
        }
        let html = String::from_utf8_lossy(bytes);
        let mut page = inert::problems(&html, &allowed);
        page.sort();
        page.dedup();
        for p in page {
            found.push(format!("{what}: {path}: {p}"));
        }
        html_text.push_str(&html);
    }

    // Every payload reached the pages, as text: the check above is not vacuous.
    for i in 1..=PAYLOADS.len() {
        let marker = format!("X{i:02}");
        if !html_text.contains(&marker) {
            found.push(format!("{what}: payload {marker} appears in no page"));
        }
    }
    if !html_text.contains("{{ config.title }}{% raw %}X24{% endraw %}") {
        found.push(format!(
            "{what}: template syntax in content was not kept as text"
        ));
    }
    if matches!(theme, Theme::All) {
        for marker in fields_rendered() {
            if !html_text.contains(&format!("F-{marker} ")) {
                found.push(format!("{what}: field {marker} appears in no page"));
            }
        }
    }

    // JSON-LD holds the values exactly, as JSON strings.
    let actor = String::from_utf8_lossy(&files["actors/evil/index.html"]).into_owned();
    let ld = json_ld(&actor);
    if ld["name"] != value("actor-title") || ld["description"] != value("actor-description") {
        found.push(format!(
            "{what}: the actor's JSON-LD lost its name or description: {ld}"
        ));
    }

    // The sitemap and the feed are well-formed XML, with titles as text.
    for name in ["sitemap.xml", "atom.xml"] {
        let xml = String::from_utf8_lossy(&files[name]).into_owned();
        match roxmltree::Document::parse(&xml) {
            Err(e) => found.push(format!("{what}: {name} is not well-formed XML: {e}")),
            Ok(doc) if name == "atom.xml" => {
                let titles: Vec<String> = doc
                    .descendants()
                    .filter(|n| n.has_tag_name("title"))
                    .map(|n| n.text().unwrap_or("").to_string())
                    .collect();
                let want: String = value("talk-title")
                    .chars()
                    .filter(|&c| xml_char(c))
                    .collect();
                if !titles.contains(&want) {
                    found.push(format!("{what}: atom.xml lost the talk's title"));
                }
            }
            Ok(_) => {}
        }
    }

    // The search index: every fragment decodes, and its content holds no markup. Pagefind
    // builds a result's `excerpt` from the content by wrapping hits in <mark>, without
    // escaping, and its own UI inserts the excerpt with innerHTML: the content must reach it
    // escaped. (`meta.title` is text: Pagefind's UI inserts it as a text node.)
    let mut fragments = 0;
    for (path, bytes) in &files {
        if !path.starts_with("pagefind/fragment/") {
            continue;
        }
        fragments += 1;
        match fragment(bytes) {
            Err(e) => found.push(format!("{what}: {path} does not decode: {e}")),
            Ok(v) => {
                let content = v["content"].as_str().unwrap_or("");
                if content.contains('<') {
                    found.push(format!(
                        "{what}: {path}: the search record's content holds a raw `<`, which Pagefind's excerpt passes on as markup"
                    ));
                }
                if !v["meta"]["title"].is_string() {
                    found.push(format!("{what}: {path}: the search record has no title"));
                }
            }
        }
    }
    if fragments < 10 {
        found.push(format!("{what}: only {fragments} search fragments"));
    }
    found
}

/// The field markers `tests/fixtures/xss/themes/all` renders.
fn fields_rendered() -> Vec<String> {
    let mut out: Vec<String> = [
        "site-title",
        "site-description",
        "site-extra-note",
        "side-label",
        "side-description",
        "actor-role",
        "relation-note",
        "talk-as-stated",
        "talk-duration",
        "talk-outcome",
        "quote-original",
        "quote-translation",
        "source-publisher",
        "source-title-original",
        "source-date-note",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for n in 1..=3 {
        for part in ["original", "translation", "note"] {
            out.push(format!("paragraph-{n}-{part}"));
        }
    }
    for tag in [
        "home",
        "source",
        "actors",
        "actor",
        "locations",
        "location",
        "talks",
        "talk",
        "timeline",
        "page",
    ] {
        out.push(format!("{tag}-title"));
        out.push(format!("{tag}-description"));
        out.push(format!("{tag}-summary"));
    }
    for tag in ["actor", "location", "talk"] {
        out.push(format!("{tag}-event-summary"));
        out.push(format!("{tag}-event-as-stated"));
    }
    for tag in ["source", "actor", "location", "talk", "page"] {
        out.push(format!("{tag}-extra-note"));
    }
    out
}

#[test]
fn the_corpus_has_enough_payloads() {
    assert!(PAYLOADS.len() >= 25, "{}", PAYLOADS.len());
    // Every payload has its own marker, in order.
    for (i, p) in PAYLOADS.iter().enumerate() {
        assert!(p.contains(&format!("X{:02}", i + 1)), "{p}");
    }
}

#[test]
fn no_payload_is_live_in_any_output_with_any_theme() {
    let mut found = Vec::new();
    for (theme, relative) in [
        (Theme::All, true),
        (Theme::All, false),
        (Theme::Default, true),
        (Theme::Fixture, true),
        (Theme::Fixture, false),
    ] {
        found.extend(problems(theme, relative));
    }
    assert!(
        found.is_empty(),
        "{} problems:\n{}",
        found.len(),
        found.join("\n")
    );
}

/// A theme cannot read the environment, the clock or files: Tera 2 has no `get_env`, `now`,
/// `get_random`, `load_data` or `read_file`, dossier registers only `url`, and `include`,
/// `import` and `extends` reach only the templates dossier loaded. Each attempt is a template
/// error naming the file, and nothing leaks into the output or the message.
#[test]
fn templates_cannot_read_the_environment_or_files() {
    for (i, attempt) in [
        "{{ get_env(name=\"DOSSIER_SECRET\") }}",
        "{{ get_env(name=\"DOSSIER_SECRET\", default=\"x\") }}",
        "{{ now() }}",
        "{{ get_random(end=10) }}",
        "{{ load_data(path=\"site.toml\") }}",
        "{{ read_file(path=\"site.toml\") }}",
        "{% include \"../../site.toml\" %}",
        "{% include \"/etc/passwd\" %}",
        "{% import \"../site.toml\" as secrets %}",
        "{% extends \"../../site.toml\" %}",
    ]
    .iter()
    .enumerate()
    {
        let site = Site::base();
        site.write("content/about.md", "+++\ntitle = \"About\"\n+++\n");
        site.write("templates/page.html", &format!("<p>{attempt}</p>\n"));
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_dossier"))
            .arg("build")
            .current_dir(site.root())
            .env("NO_COLOR", "1")
            .env("DOSSIER_SECRET", "s3cr3t-value")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{i}: {attempt}\n{stderr}");
        assert!(
            stderr.starts_with("error: template") && stderr.contains("page.html"),
            "{i}: {attempt}\n{stderr}"
        );
        for leak in ["s3cr3t-value", "base_url", "root:"] {
            assert!(
                !stderr.contains(leak),
                "{i}: {attempt} leaked {leak}:\n{stderr}"
            );
        }
        assert!(!site.root().join("public").exists(), "{i}: {attempt}");
    }
}
