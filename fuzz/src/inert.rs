//! What "no payload is live" means, as a check over one rendered HTML file: shared by the fuzz
//! targets and the XSS corpus test (`tests/it/xss.rs`, which reaches it through
//! `tests/it/fuzz.rs`), so both hold the output to the same rule.
//!
//! A page is inert when, parsed as a browser would (lol_html's tokenizer):
//! - every element is one the Markdown renderer or the theme's templates make (no `<svg>`,
//!   `<iframe>`, `<style>`, … from content), and every attribute name is one they use;
//! - no element has an `on…` event-handler attribute, whoever wrote it;
//! - every `<script>` is the engine's JSON-LD (valid JSON, no `<`) or a script the theme's
//!   templates hold verbatim;
//! - every `style` attribute is a table alignment or a value a template holds verbatim;
//! - every URL attribute (`href`, `src`, `action`, …), once entities are decoded, ASCII tabs,
//!   newlines and control characters are removed and surrounding spaces trimmed, is relative
//!   or has the scheme http, https or mailto (the browser's own reading of a scheme is
//!   looser than this, never stricter).
//!
//! It does not know where a value came from: it holds every element and attribute to the rule,
//! which is stricter than "no payload from content", and cannot miss one that got through.

use std::cell::RefCell;
use std::collections::BTreeSet;

use lol_html::{RewriteStrSettings, element, rewrite_str, text};

/// What a site's output may contain: the Markdown renderer's elements and attributes plus the
/// ones its templates use.
#[derive(Debug, Clone)]
pub struct Allowed {
    tags: BTreeSet<String>,
    attrs: BTreeSet<String>,
    /// `<script>` bodies found verbatim in the templates.
    scripts: Vec<String>,
    /// `style="…"` values found verbatim in the templates.
    styles: BTreeSet<String>,
    /// Whether a template loads a script file (`<script src>`).
    script_files: bool,
}

/// Elements and attributes the engine puts in every `<head>` (`publish.rs`: canonical and feed
/// links, Open Graph and Twitter tags, the JSON-LD script).
const HEAD_TAGS: &[&str] = &["link", "meta", "script"];
const HEAD_ATTRS: &[&str] = &[
    "rel", "type", "title", "href", "property", "name", "content",
];

/// Elements and attributes of the SVG pictures the engine draws (`src/pictures/`: the map,
/// locator maps, the relationship graph and the timeline strip), which a theme inserts with
/// `site.pictures`. Names as lol_html reports them (lowercased: `viewbox`). None is an event
/// handler, a style or a URL other than `href`, which is checked like any other.
const PICTURE_TAGS: &[&str] = &["svg", "g", "path", "circle", "rect", "text", "title", "a"];
const PICTURE_ATTRS: &[&str] = &[
    "viewbox",
    "width",
    "height",
    "x",
    "y",
    "dy",
    "cx",
    "cy",
    "r",
    "rx",
    "d",
    "transform",
    "text-anchor",
    "font-size",
    "role",
    "aria-hidden",
    "aria-labelledby",
];

/// Elements and attributes pulldown-cmark and `markdown.rs` emit for Markdown (tables,
/// footnotes, task lists, citations, context notes, auto-links).
const MARKDOWN_TAGS: &[&str] = &[
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "a",
    "img",
    "em",
    "strong",
    "del",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "sup",
    "span",
    "aside",
    "hr",
    "br",
    "input",
    "div",
];
const MARKDOWN_ATTRS: &[&str] = &[
    "href",
    "src",
    "alt",
    "title",
    "id",
    "class",
    "start",
    "type",
    "disabled",
    "checked",
    "style",
    "data-n",
    // A citation's translated sentence, escaped (`markdown.rs` `citation`).
    "data-translation",
    "aria-label",
];
/// pulldown-cmark's table alignments.
const MARKDOWN_STYLES: &[&str] = &[
    "text-align: left",
    "text-align: center",
    "text-align: right",
];
/// Attributes a browser follows as a URL.
const URL_ATTRS: &[&str] = &[
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "poster",
    "background",
    "cite",
    "data",
    "ping",
    "srcset",
    "codebase",
    "manifest",
];

impl Allowed {
    /// The Markdown renderer's vocabulary plus every element, attribute, inline script and
    /// style value that appears in `templates` (the theme's files, as written). Tera tags
    /// inside an HTML tag only add harmless names; `on…` attributes are refused whatever the
    /// templates hold.
    pub fn from_templates<'a>(templates: impl IntoIterator<Item = &'a str>) -> Allowed {
        let mut allowed = Allowed {
            tags: MARKDOWN_TAGS
                .iter()
                .chain(HEAD_TAGS)
                .chain(PICTURE_TAGS)
                .map(|s| s.to_string())
                .collect(),
            attrs: MARKDOWN_ATTRS
                .iter()
                .chain(HEAD_ATTRS)
                .chain(PICTURE_ATTRS)
                .map(|s| s.to_string())
                .collect(),
            scripts: Vec::new(),
            styles: MARKDOWN_STYLES.iter().map(|s| s.to_string()).collect(),
            script_files: false,
        };
        for t in templates {
            let tags = RefCell::new(Vec::new());
            let attrs = RefCell::new(Vec::new());
            let styles = RefCell::new(Vec::new());
            let scripts = RefCell::new(Vec::<String>::new());
            let script_files = RefCell::new(false);
            let _ = rewrite_str(
                t,
                RewriteStrSettings::new()
                    .append_element_content_handler(element!("*", |el| {
                        tags.borrow_mut().push(el.tag_name());
                        for a in el.attributes() {
                            attrs.borrow_mut().push(a.name());
                            if a.name() == "style" {
                                styles.borrow_mut().push(a.value());
                            }
                        }
                        if el.tag_name() == "script" {
                            scripts.borrow_mut().push(String::new());
                            if el.has_attribute("src") {
                                *script_files.borrow_mut() = true;
                            }
                        }
                        Ok(())
                    }))
                    .append_element_content_handler(text!("script", |t| {
                        if let Some(last) = scripts.borrow_mut().last_mut() {
                            last.push_str(t.as_str());
                        }
                        Ok(())
                    })),
            );
            allowed.script_files |= script_files.into_inner();
            allowed.tags.extend(tags.into_inner());
            allowed.attrs.extend(attrs.into_inner());
            allowed.styles.extend(styles.into_inner());
            allowed.scripts.extend(
                scripts
                    .into_inner()
                    .into_iter()
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty() && !s.contains("{{") && !s.contains("{%")),
            );
        }
        allowed
    }
}

/// Decodes the character references a browser decodes in an attribute value: numeric ones
/// (with or without `;`) and the named ones that can spell a URL scheme or hide one
/// (`&colon;`, `&Tab;`, `&NewLine;`, …). Other names are left as written: none of them
/// decodes to an ASCII letter, digit or colon.
pub fn decode_entities(s: &str) -> String {
    const NAMED: &[(&str, char)] = &[
        ("colon;", ':'),
        ("Tab;", '\t'),
        ("NewLine;", '\n'),
        ("amp;", '&'),
        ("amp", '&'),
        ("AMP;", '&'),
        ("lt;", '<'),
        ("lt", '<'),
        ("gt;", '>'),
        ("gt", '>'),
        ("quot;", '"'),
        ("quot", '"'),
        ("apos;", '\''),
        ("sol;", '/'),
        ("period;", '.'),
        ("plus;", '+'),
        ("hyphen;", '\u{2010}'),
        ("dash;", '\u{2010}'),
        ("lpar;", '('),
        ("rpar;", ')'),
        ("excl;", '!'),
        ("num;", '#'),
        ("percnt;", '%'),
        ("comma;", ','),
        ("semi;", ';'),
        ("equals;", '='),
        ("quest;", '?'),
        ("commat;", '@'),
        ("lowbar;", '_'),
        ("nbsp;", '\u{a0}'),
    ];
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i + 1..];
        if let Some(num) = rest.strip_prefix('#') {
            let (hex, digits) = match num.strip_prefix(['x', 'X']) {
                Some(h) => (true, h),
                None => (false, num),
            };
            let len = digits
                .find(|c: char| {
                    if hex {
                        !c.is_ascii_hexdigit()
                    } else {
                        !c.is_ascii_digit()
                    }
                })
                .unwrap_or(digits.len());
            if len > 0 {
                let value = u32::from_str_radix(&digits[..len.min(8)], if hex { 16 } else { 10 })
                    .ok()
                    .and_then(char::from_u32)
                    .filter(|&c| c != '\0')
                    .unwrap_or('\u{fffd}');
                out.push(value);
                rest = &digits[len..];
                rest = rest.strip_prefix(';').unwrap_or(rest);
                continue;
            }
            out.push('&');
            continue;
        }
        match NAMED.iter().find(|(name, _)| rest.starts_with(name)) {
            Some((name, c)) => {
                out.push(*c);
                rest = &rest[name.len()..];
            }
            None => out.push('&'),
        }
    }
    out.push_str(rest);
    out
}

/// The scheme of a URL attribute's value as a browser would find it, lowercased; `None` for a
/// relative URL. Entities decoded, ASCII tab, newline and control characters removed
/// everywhere, spaces trimmed at both ends.
pub fn scheme(value: &str) -> Option<String> {
    let decoded = decode_entities(value);
    let cleaned: String = decoded
        .trim_matches(|c: char| c == ' ' || c.is_ascii_control())
        .chars()
        .filter(|c| !c.is_ascii_control())
        .collect();
    let colon = cleaned.find(':')?;
    let candidate = &cleaned[..colon];
    let mut chars = candidate.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
    .then(|| candidate.to_ascii_lowercase())
}

/// Whether a URL attribute's value is one a browser follows only to an http(s) page, a mail
/// client, or somewhere on this site.
pub fn is_safe_url(value: &str) -> bool {
    match scheme(value) {
        None => true,
        Some(s) => matches!(s.as_str(), "http" | "https" | "mailto"),
    }
}

/// Every way `html` breaks the rule above, as readable lines (empty when it is inert).
pub fn problems(html: &str, allowed: &Allowed) -> Vec<String> {
    let found = RefCell::new(Vec::new());
    // Each script element: (its `type`, whether it has a `src`, its text).
    let scripts = RefCell::new(Vec::<(String, bool, String)>::new());
    let result = rewrite_str(
        html,
        RewriteStrSettings::new()
            .append_element_content_handler(element!("*", |el| {
                    let tag = el.tag_name();
                    let mut found = found.borrow_mut();
                    if !allowed.tags.contains(&tag) {
                        found.push(format!("element <{tag}> is neither Markdown's nor the theme's"));
                    }
                    for a in el.attributes() {
                        let name = a.name();
                        let value = a.value();
                        if name.starts_with("on") {
                            found.push(format!("<{tag}> has an event handler {name}={value:?}"));
                        } else if !allowed.attrs.contains(&name) {
                            found.push(format!(
                                "<{tag}> has an attribute {name}={value:?} neither Markdown nor the theme uses"
                            ));
                        }
                        if URL_ATTRS.contains(&name.as_str()) && !is_safe_url(&value) {
                            found.push(format!("<{tag} {name}={value:?}> has a live scheme"));
                        }
                        if name == "style" && !allowed.styles.contains(&value) {
                            found.push(format!("<{tag}> has a style {value:?} from content"));
                        }
                    }
                    if tag == "script" {
                        scripts.borrow_mut().push((
                            el.get_attribute("type").unwrap_or_default(),
                            el.has_attribute("src"),
                            String::new(),
                        ));
                    }
                    Ok(())
            }))
            .append_element_content_handler(text!("script", |t| {
                if let Some(last) = scripts.borrow_mut().last_mut() {
                    last.2.push_str(t.as_str());
                }
                Ok(())
            })),
    );
    let mut found = found.into_inner();
    if let Err(e) = result {
        found.push(format!("the HTML cannot be parsed: {e}"));
    }
    for (kind, has_src, body) in scripts.into_inner() {
        if kind == "application/ld+json" {
            if body.contains('<') {
                found.push(format!("JSON-LD holds a raw `<`: {body}"));
            }
            if let Err(e) = serde_json::from_str::<serde_json::Value>(&body) {
                found.push(format!("JSON-LD is not valid JSON ({e}): {body}"));
            }
        } else if has_src && body.trim().is_empty() {
            // The theme's own script file; its URL is checked above. A template that has no
            // <script> cannot have produced it.
            if !allowed.script_files {
                found.push("a <script src> the theme does not have".into());
            }
        } else if !allowed.scripts.iter().any(|s| s == body.trim()) {
            found.push(format!("a <script> that is not the theme's: {body:?}"));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_are_read_as_a_browser_reads_them() {
        for (value, want) in [
            ("https://example.org/", Some("https")),
            ("/sub/actors/x/", None),
            ("../x/index.html#p1", None),
            ("#cite-1", None),
            ("mailto:a@example.org", Some("mailto")),
            ("javascript:alert(1)", Some("javascript")),
            ("JaVaScRiPt:alert(1)", Some("javascript")),
            (" \tjava\tscript:alert(1)", Some("javascript")),
            ("java\nscript:alert(1)", Some("javascript")),
            ("&#106;avascript:alert(1)", Some("javascript")),
            ("&#x6A;avascript:alert(1)", Some("javascript")),
            ("&#0000106avascript:alert(1)", Some("javascript")),
            ("javascript&colon;alert(1)", Some("javascript")),
            ("java&Tab;script:alert(1)", Some("javascript")),
            ("vbscript:msgbox(1)", Some("vbscript")),
            ("data:text/html,<script>alert(1)</script>", Some("data")),
            ("a/b:c", None),
            ("%6Aavascript:alert(1)", None),
        ] {
            assert_eq!(scheme(value).as_deref(), want, "{value}");
        }
    }

    #[test]
    fn finds_what_is_live_and_passes_what_is_not() {
        let allowed = Allowed::from_templates([
            "<html><head><meta charset=\"utf-8\"><title>t</title></head><body><main>{{ x }}</main></body></html>",
        ]);
        let clean = "<html><head><meta charset=\"utf-8\"><title>&lt;script&gt;</title><script type=\"application/ld+json\">{\"a\":\"\\u003c/script\\u003e\"}</script></head><body><main><p>&lt;img src=x onerror=alert(1)&gt;</p><a href=\"https://e.org/\" title=\"&quot; onmouseover=&quot;x\">x</a><img src=\"../a.png\" alt=\"x\"></main></body></html>";
        assert_eq!(problems(clean, &allowed), Vec::<String>::new());
        for (live, why) in [
            ("<p><script>alert(1)</script></p>", "not the theme's"),
            ("<h2 onclick=\"alert(1)\">x</h2>", "event handler"),
            ("<a href=\"java&#x09;script:alert(1)\">x</a>", "live scheme"),
            ("<svg onload=alert(1)>", "<svg> has an event handler"),
            ("<iframe></iframe>", "element <iframe>"),
            ("<math><mi>x</mi></math>", "element <math>"),
            ("<h2 style=\"x:expression(alert(1))\">x</h2>", "style"),
            ("<p srcdoc=\"x\">", "attribute srcdoc"),
            (
                "<script type=\"application/ld+json\">{\"a\":\"</b>\"}</script>",
                "raw `<`",
            ),
        ] {
            let p = problems(live, &allowed);
            assert!(p.iter().any(|m| m.contains(why)), "{live}: {p:?}");
        }
        // A script file only when a template loads one.
        let page = "<p>x</p><script src=\"../search.js\" defer></script>";
        assert!(
            problems(page, &allowed)
                .iter()
                .any(|m| m.contains("<script src>")),
            "{page}"
        );
        let with_script = Allowed::from_templates([
            "<main>{{ x }}</main><script src=\"{{ url(path='search.js') }}\" defer></script>",
        ]);
        assert_eq!(problems(page, &with_script), Vec::<String>::new());
    }
}
