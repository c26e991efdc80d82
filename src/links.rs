//! Links in the rendered pages: every internal `href` and `src` of every page, templates
//! included, must point at a file the build produces, and every `#anchor` at an id in it.
//! With `relative_links` (the default) they are also rewritten relative to the page and
//! ending in `index.html`, so the same output works under any host, any sub-path, and opened
//! from disk (`file://`).
//!
//! Runs on the in-memory output, after templates and before writing. Pages are read by
//! `links::scan`, a scanner that follows the HTML tokenizer, so attributes are found wherever
//! and however a template writes them and nothing inside comments, scripts or other text is
//! taken for one; values are read with their character references decoded, as a browser
//! reads them.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use rayon::prelude::*;

use crate::diagnostics::Diagnostic;
use crate::render::OutputFile;

mod scan;

/// Where an internal link points: an output file and maybe an anchor. (Public only for the
/// oracle of the differential test, `fuzz/src/link_oracle.rs`, as are the other hidden
/// items of this module.)
#[doc(hidden)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub file: String,
    pub anchor: Option<String>,
}

/// A set of output paths or of ids. FxHash, not the standard SipHash: the keys are the site's
/// own paths and ids, and hashing them was ~4 % of a build's instructions.
pub type Names = rustc_hash::FxHashSet<String>;

/// The ids an output file defines, sorted and without repeats, in one string. A page of the
/// default theme defines about 44 (its citations, its quoted paragraphs), each about 12
/// bytes long, and every page's are held until the links are checked, and by `serve` from
/// one rebuild to the next. At 100,000 pages a set of strings per page held 125 MiB more
/// than this (BENCHMARKS.md, twenty-second pass).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Ids {
    /// The ids, one after the other.
    text: Box<str>,
    /// Where each id ends in `text`.
    ends: Box<[usize]>,
}

impl Ids {
    /// `ids`, sorted and without repeats.
    pub fn new<'a>(ids: impl IntoIterator<Item = &'a str>) -> Ids {
        let mut found = IdsFound::default();
        for id in ids {
            found.push(id);
        }
        found.finish()
    }

    fn get(&self, i: usize) -> &str {
        let start = i.checked_sub(1).map_or(0, |before| self.ends[before]);
        &self.text[start..self.ends[i]]
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The ids, in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.len()).map(|i| self.get(i))
    }

    pub fn contains(&self, id: &str) -> bool {
        let (mut low, mut high) = (0, self.len());
        while low < high {
            let mid = low + (high - low) / 2;
            match self.get(mid).cmp(id) {
                std::cmp::Ordering::Less => low = mid + 1,
                std::cmp::Ordering::Greater => high = mid,
                std::cmp::Ordering::Equal => return true,
            }
        }
        false
    }

    /// Whether every id of `self` is one of `other`'s.
    pub fn is_subset(&self, other: &Ids) -> bool {
        self.iter().all(|id| other.contains(id))
    }
}

/// The ids of a file as it is read, in the order found: one string, with no allocation per
/// id. [`IdsFound::finish`] makes them [`Ids`].
#[derive(Default)]
struct IdsFound {
    text: String,
    spans: Vec<Range<usize>>,
}

impl IdsFound {
    fn push(&mut self, id: &str) {
        let start = self.text.len();
        self.text.push_str(id);
        self.spans.push(start..self.text.len());
    }

    fn finish(self) -> Ids {
        let IdsFound { text, mut spans } = self;
        spans.sort_unstable_by(|a, b| text[a.clone()].cmp(&text[b.clone()]));
        spans.dedup_by(|a, b| text[a.clone()] == text[b.clone()]);
        let mut sorted = String::with_capacity(spans.iter().map(ExactSizeIterator::len).sum());
        let ends = spans
            .into_iter()
            .map(|span| {
                sorted.push_str(&text[span]);
                sorted.len()
            })
            .collect();
        Ids {
            text: sorted.into_boxed_str(),
            ends,
        }
    }
}

struct Scanned {
    ids: Ids,
    /// The links kept for the check, as written (decoded): their targets are resolved again
    /// by the check (`resolve`), which is cheaper than holding them for every page until it.
    /// A link of [`Resolved`] shares its string there: most kept links are the same few
    /// URLs on many pages (a default-theme page keeps about 60, to its sources'
    /// paragraphs), and a copy of each is a string to allocate and hold until the check.
    links: Vec<Arc<str>>,
    /// http(s) links to other sites.
    external: Vec<String>,
    /// Links with an unsafe scheme, removed from the page.
    removed: Vec<String>,
    /// The page with its links changed; `None` if nothing changed.
    rewritten: Option<Vec<u8>>,
}

/// External links of the site: URL → the output files that link to it.
pub type External = BTreeMap<String, Vec<String>>;

/// Resolves `href` found in the output file `page` (e.g. `actors/x/index.html`). `None` for
/// links that leave the site: other schemes, other hosts, paths outside the base path.
#[doc(hidden)]
pub fn resolve(href: &str, page: &str, base_path: &str) -> Option<Target> {
    let mut file = String::new();
    let anchor = resolve_into(href, page, base_path, &mut file)?;
    Some(Target {
        file,
        anchor: anchor.map(Cow::into_owned),
    })
}

/// [`resolve`], writing the target's file into `file` (cleared first) and returning its
/// anchor, borrowed from `href` unless it was percent-encoded.
///
/// Runs for every link of every page: the scan passes the same `file` for all of a page's
/// links, so a rooted link (what templates and Markdown write) allocates nothing.
fn resolve_into<'h>(
    href: &'h str,
    page: &str,
    base_path: &str,
    file: &mut String,
) -> Option<Option<Cow<'h, str>>> {
    file.clear();
    let href = href.trim();
    if href.is_empty() || href.starts_with("//") {
        return None;
    }
    // One pass over the bytes (links are short, and a `find` per character sought cost more
    // than the rest of the resolving): a scheme ("https:", "mailto:", "data:") is a ':'
    // before any '/', '?' or '#'; the path ends at the first '?' or '#', the anchor starts
    // after the first '#'.
    // The same pass notes whether the path may change when decoded or normalised: a `%`, or
    // a `/` followed by `/` or `.`. Most rooted links hold none, and are taken as they are.
    let (mut path_end, mut fragment) = (None, None);
    let mut after_scheme = false;
    let (mut unusual, mut prev) = (false, 0u8);
    for (i, b) in href.bytes().enumerate() {
        match b {
            b':' if !after_scheme => return None,
            b'/' => after_scheme = true,
            b'?' => {
                after_scheme = true;
                path_end.get_or_insert(i);
            }
            b'#' => {
                fragment = Some(i);
                path_end.get_or_insert(i);
                break;
            }
            _ => {}
        }
        if path_end.is_none() {
            unusual |= b == b'%' || (prev == b'/' && matches!(b, b'/' | b'.'));
            prev = b;
        }
    }
    let path_part = &href[..path_end.unwrap_or(href.len())];
    let anchor = fragment.map(|i| &href[i + 1..]);
    if path_part.is_empty() {
        file.push_str(page);
    } else {
        let absolute: Cow<str> = if path_part.starts_with('/') {
            Cow::Borrowed(path_part)
        } else {
            let dir = page.rfind('/').map_or("", |i| &page[..=i]);
            Cow::Owned(format!("{base_path}{dir}{path_part}"))
        };
        // Without a `%`, `//` or `/.`, a rooted path decodes and normalises to itself.
        let as_is = !unusual && path_part.starts_with('/');
        let decoded = if as_is {
            Cow::Borrowed(&*absolute)
        } else {
            percent_decode(&absolute)
        };
        let normal = if as_is {
            Cow::Borrowed(&*decoded)
        } else {
            normalise(&decoded)?
        };
        let inside = normal.strip_prefix(base_path.trim_end_matches('/'))?;
        // "/subway/" is not under "/sub/".
        if !(inside.is_empty() || inside.starts_with('/')) {
            return None;
        }
        let inside = inside.strip_prefix('/').unwrap_or(inside);
        file.push_str(inside);
        if inside.is_empty() || inside.ends_with('/') {
            file.push_str("index.html");
        }
    }
    let anchor = anchor.map(percent_decode).filter(|a| !a.is_empty());
    Some(anchor)
}

/// `s` percent-decoded, invalid UTF-8 replaced. Most links hold no `%`, and come back as they
/// are without the UTF-8 check the decoder makes of its output.
fn percent_decode(s: &str) -> Cow<'_, str> {
    if s.contains('%') {
        percent_encoding::percent_decode_str(s).decode_utf8_lossy()
    } else {
        Cow::Borrowed(s)
    }
}

/// Resolves `.` and `..` in an absolute path; `None` if it climbs above the root. Most
/// paths have nothing to resolve, and come back as they are.
fn normalise(path: &str) -> Option<Cow<'_, str>> {
    if is_normal(path) {
        return Some(Cow::Borrowed(path));
    }
    let mut parts: Vec<&str> = Vec::new();
    let trailing = path.ends_with('/') || path.ends_with("/.") || path.ends_with("/..");
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    let mut out = format!("/{}", parts.join("/"));
    if trailing && out != "/" {
        out.push('/');
    }
    Some(Cow::Owned(out))
}

/// Whether `normalise` would return `path` as it is: rooted, with no `.`, `..` or empty
/// segment but a trailing slash's.
fn is_normal(path: &str) -> bool {
    let Some(rest) = path.strip_prefix('/') else {
        return false;
    };
    let mut rest = Some(rest);
    while let Some(r) = rest {
        let (seg, more) = first_segment(r);
        if seg == "." || seg == ".." || (seg.is_empty() && more.is_some()) {
            return false;
        }
        rest = more;
    }
    true
}

/// `path`'s first segment, up to its first `/`, and the rest after that `/` if there is one.
/// (A byte loop: the segments of a link are short, and `split('/')` cost more than the
/// segments' own work in the scan.)
fn first_segment(path: &str) -> (&str, Option<&str>) {
    match path.bytes().position(|b| b == b'/') {
        Some(i) => (&path[..i], Some(&path[i + 1..])),
        None => (path, None),
    }
}

/// The link from `page` to `target`, relative, with an explicit file name: `../` for each
/// folder of `page` that `target` is not in, then the rest of `target`'s path.
#[doc(hidden)]
pub fn relative(page: &str, target: &Target) -> String {
    let mut out = String::new();
    relative_into(page, &target.file, target.anchor.as_deref(), &mut out);
    out
}

/// [`relative`] of the target `file` and `anchor`, appended to `out`.
fn relative_into(page: &str, file: &str, anchor: Option<&str>, out: &mut String) {
    RelativeFrom::new(page).write(file, anchor, out);
}

/// Links relative to one page: what [`relative_into`] needs of the page, found once for
/// all of its links.
struct RelativeFrom<'p> {
    page: &'p str,
    /// The folders of `page` ("actors/x/index.html": `actors/x`), and how many there are;
    /// `None` at the root.
    folders: Option<(&'p [u8], usize)>,
}

impl<'p> RelativeFrom<'p> {
    fn new(page: &'p str) -> Self {
        let folders = page.rfind('/').map(|i| {
            let folders = &page.as_bytes()[..i];
            (folders, memchr::memchr_iter(b'/', folders).count() + 1)
        });
        RelativeFrom { page, folders }
    }

    /// [`relative_into`] from this page.
    fn write(&self, file: &str, anchor: Option<&str>, out: &mut String) {
        if !(file == self.page && anchor.is_some()) {
            let (ups, rest) = match self.folders {
                None => (0, file),
                Some((folders, ups)) => {
                    // The folders `file` starts with, compared segment by segment in one
                    // pass over the bytes; `rest` starts after the last one, or is empty
                    // when `file` ends inside them.
                    let f = file.as_bytes();
                    let (mut common, mut rest) = (0, 0);
                    let mut at = 0;
                    loop {
                        let mut k = at;
                        while k < folders.len() && k < f.len() && folders[k] == f[k] && f[k] != b'/'
                        {
                            k += 1;
                        }
                        let folder_ends = k == folders.len() || folders[k] == b'/';
                        let file_ends = k == f.len() || f[k] == b'/';
                        if !(folder_ends && file_ends) {
                            break;
                        }
                        common += 1;
                        if k == f.len() {
                            rest = f.len();
                            break;
                        }
                        rest = k + 1;
                        if k == folders.len() {
                            break;
                        }
                        at = k + 1;
                    }
                    (ups - common, &file[rest..])
                }
            };
            // The `../`s in one copy (a page deeper than this is rare).
            const UPS: &str = "../../../../../../../../";
            out.reserve(3 * ups + rest.len() + anchor.map_or(0, |a| a.len() + 1));
            match UPS.get(..3 * ups) {
                Some(ups) => out.push_str(ups),
                None => (0..ups).for_each(|_| out.push_str("../")),
            }
            out.push_str(rest);
        }
        if let Some(a) = anchor {
            out.push('#');
            out.push_str(a);
        }
    }
}

/// Attributes that hold a URL a browser may follow or load.
#[doc(hidden)]
pub const URL_ATTRIBUTES: [&str; 6] = [
    "href",
    "src",
    "xlink:href",
    "action",
    "formaction",
    "poster",
];

/// Decodes the character references in an attribute value as a browser does before reading
/// it (WHATWG HTML §13.2.5.72): numeric ones with or without `;` (`&#0;`, surrogates and
/// values past U+10FFFF read as U+FFFD, and `&#128;`–`&#159;` as windows-1252), every named
/// one with `;`, and the legacy named ones without it (`&amp`, `&lt`, `&copy`…), except
/// before `=` or a letter or digit, where an attribute keeps them as written (`?a=1&copy=2`).
///
/// Borrows `s` when it holds no `&`, as most values do.
#[doc(hidden)]
pub fn decode_references(s: &str) -> Cow<'_, str> {
    let Some(first) = memchr::memchr(b'&', s.as_bytes()) else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len());
    out.push_str(&s[..first]);
    let mut rest = &s[first..];
    while let Some(i) = memchr::memchr(b'&', rest.as_bytes()) {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        match reference(rest) {
            Some((Decoded::Char(c), len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            Some((Decoded::Str(s), len)) => {
                out.push_str(s);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

enum Decoded {
    Char(char),
    Str(&'static str),
}

/// The named references a browser also reads without `;` (the HTML standard's entities.json
/// has each of these twice, with and without it): Latin-1 and `&amp`, `&lt`, `&gt`, `&quot`.
/// Sorted, for a binary search. The full table of names is `html_escape`'s.
const LEGACY_REFERENCES: [&str; 106] = [
    "AElig", "AMP", "Aacute", "Acirc", "Agrave", "Aring", "Atilde", "Auml", "COPY", "Ccedil",
    "ETH", "Eacute", "Ecirc", "Egrave", "Euml", "GT", "Iacute", "Icirc", "Igrave", "Iuml", "LT",
    "Ntilde", "Oacute", "Ocirc", "Ograve", "Oslash", "Otilde", "Ouml", "QUOT", "REG", "THORN",
    "Uacute", "Ucirc", "Ugrave", "Uuml", "Yacute", "aacute", "acirc", "acute", "aelig", "agrave",
    "amp", "aring", "atilde", "auml", "brvbar", "ccedil", "cedil", "cent", "copy", "curren", "deg",
    "divide", "eacute", "ecirc", "egrave", "eth", "euml", "frac12", "frac14", "frac34", "gt",
    "iacute", "icirc", "iexcl", "igrave", "iquest", "iuml", "laquo", "lt", "macr", "micro",
    "middot", "nbsp", "not", "ntilde", "oacute", "ocirc", "ograve", "ordf", "ordm", "oslash",
    "otilde", "ouml", "para", "plusmn", "pound", "quot", "raquo", "reg", "sect", "shy", "sup1",
    "sup2", "sup3", "szlig", "thorn", "times", "uacute", "ucirc", "ugrave", "uml", "uuml",
    "yacute", "yen", "yuml",
];

/// The value of the named reference `name` (without `&` and `;`).
fn named_reference(name: &str) -> Option<&'static str> {
    let table = &html_escape::NAMED_ENTITIES;
    table
        .binary_search_by(|(n, _)| n.cmp(&name.as_bytes()))
        .ok()
        .map(|i| table[i].1)
}

/// The character reference at the start of `s` (which starts with `&`), as an attribute
/// value reads it, and its length; `None` if `&` starts none.
fn reference(s: &str) -> Option<(Decoded, usize)> {
    let b = s.as_bytes();
    if b.get(1) == Some(&b'#') {
        let (start, radix) = match b.get(2) {
            Some(b'x' | b'X') => (3, 16),
            _ => (2, 10),
        };
        let digits = b[start..]
            .iter()
            .take_while(|c| char::from(**c).is_digit(radix))
            .count();
        if digits == 0 {
            return None;
        }
        let n = b[start..start + digits].iter().fold(0u32, |n, c| {
            let d = char::from(*c).to_digit(radix).unwrap_or(0);
            // Anything past U+10FFFF is U+FFFD: stop growing there.
            n.saturating_mul(radix).saturating_add(d).min(0x11_0000)
        });
        let mut len = start + digits;
        if b.get(len) == Some(&b';') {
            len += 1;
        }
        return Some((Decoded::Char(numeric_reference(n)), len));
    }
    let run = b[1..]
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric())
        .count();
    let name = &s[1..1 + run];
    if b.get(1 + run) == Some(&b';')
        && let Some(value) = named_reference(name)
    {
        return Some((Decoded::Str(value), run + 2));
    }
    // The longest legacy name the run starts with (they are 2 to 6 characters long).
    let legacy = (2..=run.min(6))
        .rev()
        .map(|len| &name[..len])
        .find(|prefix| LEGACY_REFERENCES.binary_search(prefix).is_ok())?;
    let after = b.get(1 + legacy.len());
    if after.is_some_and(|c| *c == b'=' || c.is_ascii_alphanumeric()) {
        return None;
    }
    Some((Decoded::Str(named_reference(legacy)?), 1 + legacy.len()))
}

/// The character a numeric reference stands for.
fn numeric_reference(n: u32) -> char {
    // windows-1252's characters for the C1 controls it gives a glyph.
    const C1: [u16; 32] = [
        0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
        0x2039, 0x0152, 0x8D, 0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013,
        0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
    ];
    let n = match n {
        0x80..=0x9F => u32::from(C1[(n - 0x80) as usize]),
        n => n,
    };
    match n {
        0 => '\u{FFFD}',
        n => char::from_u32(n).unwrap_or('\u{FFFD}'),
    }
}

/// The scheme a browser would see in `value` (lowercased), if any.
pub fn scheme_of(value: &str) -> Option<String> {
    // Without a colon or a character reference that could stand for one, there is none
    // (most links: this runs for every URL of every page).
    memchr::memchr2(b':', b'&', value.as_bytes())?;
    // The URL parser drops tabs and newlines anywhere, and leading/trailing controls and
    // spaces. Other controls inside (`java\u{1}script:`) make a browser read no scheme at all;
    // dropping them too reads a scheme there, which only ever removes more links, and
    // matches what the XSS corpus's checker (fuzz/src/inert.rs) holds to.
    let cleaned: String = decode_references(value)
        .chars()
        .filter(|c| !c.is_ascii_control())
        .collect();
    let cleaned = cleaned.trim_matches(|c: char| c <= ' ');
    let colon = cleaned.find(':')?;
    let scheme = &cleaned[..colon];
    let valid = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then(|| scheme.to_ascii_lowercase())
}

/// How a removed link is shown in a warning: control characters escaped, and cut short
/// (a `data:` URL can be megabytes).
pub fn shown_url(value: &str) -> String {
    const MAX: usize = 80;
    let mut out: String = value
        .chars()
        .take(MAX)
        .flat_map(char::escape_debug)
        .collect();
    if value.chars().nth(MAX).is_some() {
        out.push('…');
    }
    out
}

/// The warning for a link removed for its scheme.
pub fn unsafe_link_warning(what: &str, value: &str) -> Diagnostic {
    let scheme = scheme_of(value).unwrap_or_default();
    Diagnostic::warning(format!(
        "{what} with the scheme `{scheme}:` removed: `{}`",
        shown_url(value)
    ))
    .with_help("links may only be relative, http:, https: or mailto:")
}

/// Links a page may hold: relative ones and these schemes. Anything else (`javascript:`,
/// `data:`, `vbscript:`, …) is removed.
pub fn is_safe_url(value: &str) -> bool {
    match scheme_of(value) {
        None => true,
        Some(s) => matches!(s.as_str(), "http" | "https" | "mailto"),
    }
}

/// The site's own links, resolved once before the pages are scanned: what the scan finds
/// for each, by the URL as a page holds it (decoded). Most links of most pages are to the
/// site's pages and to its sources' paragraphs, each written the same on every page that
/// has it, so the scan looks them up here rather than checking and resolving each again
/// (about 800 instructions a link).
#[derive(Debug, Default)]
pub struct Resolved(rustc_hash::FxHashMap<Arc<str>, Resolution>);

/// What [`scan`] finds for one link of [`Resolved`].
#[derive(Debug)]
struct Resolution {
    file: Box<str>,
    anchor: Option<Box<str>>,
    /// Kept for the check: it has an anchor, or its file is not known to exist.
    check: bool,
}

impl Resolved {
    /// `urls` resolved, as [`scan`] resolves them, against `base_path` and the output files
    /// `known` to exist, which must be those the pages are then scanned with. Only rooted
    /// URLs (`/sub/actors/x/`) are kept: they resolve the same from every page. Those that
    /// are not safe or leave the site are left out, for the scan to handle.
    pub fn new(urls: impl IntoIterator<Item = String>, base_path: &str, known: &Names) -> Resolved {
        // Resolved in parallel: a site has as many of these as pages.
        let urls: Vec<String> = urls.into_iter().collect();
        let map = urls
            .into_par_iter()
            .filter_map(|url| {
                if !url.starts_with('/') || url.starts_with("//") || !is_safe_url(&url) {
                    return None;
                }
                let t = resolve(&url, "", base_path)?;
                let check = t.anchor.is_some() || !known.contains(&t.file);
                let resolution = Resolution {
                    file: t.file.into(),
                    anchor: t.anchor.map(Into::into),
                    check,
                };
                Some((Arc::from(url), resolution))
            })
            .collect();
        Resolved(map)
    }
}

/// What a page is scanned against.
struct ScanContext<'a> {
    base_path: &'a str,
    /// Rewrite internal links relative to the page.
    rewrite: bool,
    /// Output files known to exist. A link to one of them without an anchor cannot be
    /// broken, so it is not kept for the check: most links are such, and keeping every link
    /// of every page (three strings each) took hundreds of MiB at 10,000 pages.
    known: &'a Names,
    /// Links resolved ahead, with the same `base_path` and `known`.
    resolved: Option<&'a Resolved>,
}

/// Reads the ids and URLs of `html`, the output file `page`, and removes its unsafe links
/// and (if `cx.rewrite`) makes its internal ones relative. A tag with a link to change is
/// written again as lol_html, which did this before, wrote it (`<name`, then each attribute
/// kept, as written or as `name="value"`, then `>` or ` />`), so the output is byte for byte
/// what it was; the rest of the page is copied as it is, and not at all if nothing changed.
fn scan(page: &str, html: &str, cx: &ScanContext) -> Result<Scanned, String> {
    scan_known(page, html, cx, None)
}

/// [`scan`], reading `known` as [`scan::Known`] says.
fn scan_known(
    page: &str,
    html: &str,
    cx: &ScanContext,
    known: Option<scan::Known>,
) -> Result<Scanned, String> {
    let mut pass = Pass {
        page,
        html,
        cx,
        from: RelativeFrom::new(page),
        found: Scanned {
            ids: Ids::default(),
            links: Vec::new(),
            external: Vec::new(),
            removed: Vec::new(),
            rewritten: None,
        },
        ids: IdsFound::default(),
        copied: 0,
        edits: Vec::new(),
        values: String::new(),
        file: String::new(),
    };
    scan::start_tags_known(html, known, &mut pass).map_err(|e| e.to_string())?;
    let mut found = pass.found;
    found.ids = pass.ids.finish();
    if let Some(out) = &mut found.rewritten {
        out.extend_from_slice(&html.as_bytes()[pass.copied..]);
    }
    Ok(found)
}

/// What [`scan_known`] keeps as it reads a page.
struct Pass<'p> {
    page: &'p str,
    html: &'p str,
    cx: &'p ScanContext<'p>,
    from: RelativeFrom<'p>,
    /// With, as `rewritten`, the page up to `copied` with its changes; its ids are in `ids`
    /// until the end.
    found: Scanned,
    ids: IdsFound,
    copied: usize,
    // What to do to a tag's URL attributes: remove them (`None`) or set them (to a range of
    // `values`). Both reused from tag to tag, as is `file`, the target of the link at hand.
    edits: Vec<(&'static str, Option<Range<usize>>)>,
    values: String,
    file: String,
}

/// A link's target, whether the check needs it, and [`Resolved`]'s own string for it.
type Looked<'v> = (&'v str, Option<Cow<'v, str>>, bool, Option<&'v Arc<str>>);

/// `html` up to `at` with its changes (`rewritten`, which holds it up to `copied`), to add
/// the next change to. A function of the fields it needs rather than a method of [`Pass`],
/// so that a change can be written from `Pass`'s other fields while it is borrowed.
fn out_to<'o>(
    rewritten: &'o mut Option<Vec<u8>>,
    html: &str,
    copied: usize,
    at: usize,
) -> &'o mut Vec<u8> {
    let out = rewritten.get_or_insert_with(|| Vec::with_capacity(html.len() + html.len() / 8));
    out.extend_from_slice(&html.as_bytes()[copied..at]);
    out
}

impl scan::Visit for Pass<'_> {
    fn tag(&mut self, tag: &scan::StartTag<'_>) {
        let ScanContext {
            base_path,
            rewrite,
            known,
            resolved,
        } = *self.cx;
        let page = self.page;
        let read = Read::of(tag);
        if let Some(id) = read.id {
            self.ids.push(&tag.value(id));
        }
        if let Some(name) = read.name
            && tag.is("a")
        {
            self.ids.push(&tag.value(name));
        }
        self.edits.clear();
        self.values.clear();
        if read.urls.iter().all(Option::is_none) {
            return;
        }
        for (attr, a) in URL_ATTRIBUTES.into_iter().zip(read.urls) {
            let Some(a) = a else {
                continue;
            };
            let value = tag.value(a);
            // The link's target, whether the check needs it, and the table's own string
            // for it: looked up when it is one of the site's own, else checked and resolved
            // here.
            let (target, anchor, check, shared): Looked<'_> = match resolved
                .and_then(|r| r.0.get_key_value(&*value))
            {
                Some((url, r)) => (
                    &*r.file,
                    r.anchor.as_deref().map(Cow::Borrowed),
                    r.check,
                    Some(url),
                ),
                None => {
                    // `value` is decoded already and `is_safe_url` decodes again: a value
                    // that only decoding twice turns into an unsafe scheme is removed too,
                    // which costs nothing a page needs.
                    if !is_safe_url(&value) {
                        self.edits.push((attr, None));
                        self.found.removed.push(value.into_owned());
                        continue;
                    }
                    let Some(anchor) = resolve_into(&value, page, base_path, &mut self.file) else {
                        let v = value.trim();
                        if attr == "href"
                            && (v.starts_with("http://") || v.starts_with("https://"))
                            && tag.is("a")
                        {
                            self.found.external.push(v.to_string());
                        }
                        continue;
                    };
                    let check = anchor.is_some() || !known.contains(self.file.as_str());
                    (self.file.as_str(), anchor, check, None)
                }
            };
            if rewrite {
                let start = self.values.len();
                self.from.write(target, anchor.as_deref(), &mut self.values);
                self.edits.push((attr, Some(start..self.values.len())));
            }
            if check {
                self.found
                    .links
                    .push(shared.map_or_else(|| Arc::from(&*value), Arc::clone));
            }
        }
        if !self.edits.is_empty() {
            let out = out_to(
                &mut self.found.rewritten,
                self.html,
                self.copied,
                tag.range.start,
            );
            write_tag(out, tag, &self.edits, &self.values);
            self.copied = tag.range.end;
        }
    }

    /// A link of a body ([`scan::Known`]): what [`Pass::tag`] does with it, without reading
    /// the tag, when its `href` is one of the site's own URLs ([`Resolved`]). Its tag is
    /// written `<a name="value" …>` with no other URL, id or `name`, so setting its `href`
    /// in place writes what [`write_tag`] would.
    fn own(&mut self, href: Range<usize>, id: Option<Range<usize>>) -> bool {
        let html = self.html;
        let value = decode_references(&html[href.clone()]);
        let Some((url, r)) = self.cx.resolved.and_then(|r| r.0.get_key_value(&*value)) else {
            return false;
        };
        if let Some(id) = id {
            self.ids.push(&decode_references(&html[id]));
        }
        if self.cx.rewrite {
            self.values.clear();
            self.from
                .write(&r.file, r.anchor.as_deref(), &mut self.values);
            let out = out_to(&mut self.found.rewritten, html, self.copied, href.start);
            escape_attribute(out, &self.values);
            self.copied = href.end;
        }
        if r.check {
            self.found.links.push(Arc::clone(url));
        }
        true
    }

    fn reads(&self, attribute: &[u8]) -> bool {
        let len = attribute.len();
        len < 64
            && READ_LENGTHS & (1 << len) != 0
            && ["id", "name"]
                .into_iter()
                .chain(URL_ATTRIBUTES)
                .any(|a| attribute.eq_ignore_ascii_case(a.as_bytes()))
    }
}

/// Writes `tag` with `edits` made: each attribute named in them removed (every one of that
/// name, so no repeat of it takes over), or set (the first of that name) to its range of
/// `values`, `"` and `&` escaped, as `name="value"` with the name as written.
fn write_tag(
    out: &mut Vec<u8>,
    tag: &scan::StartTag<'_>,
    edits: &[(&str, Option<Range<usize>>)],
    values: &str,
) {
    out.push(b'<');
    out.extend_from_slice(tag.name().as_bytes());
    let mut set = [false; URL_ATTRIBUTES.len()];
    let mut any = false;
    for a in tag.attrs {
        let name = tag.attr_name(a);
        let edit = edits.iter().position(|(n, _)| name.eq_ignore_ascii_case(n));
        match edit.map(|i| (i, &edits[i].1)) {
            Some((_, None)) => continue,
            Some((i, Some(value))) if !set[i] => {
                set[i] = true;
                out.push(b' ');
                out.extend_from_slice(name.as_bytes());
                out.extend_from_slice(b"=\"");
                escape_attribute(out, &values[value.clone()]);
                out.push(b'"');
            }
            _ => {
                out.push(b' ');
                out.extend_from_slice(tag.raw(a).as_bytes());
            }
        }
        any = true;
    }
    if tag.self_closing {
        // A space first, or an unquoted last value would take the `/`.
        if any {
            out.push(b' ');
        }
        out.extend_from_slice(b"/>");
    } else {
        out.push(b'>');
    }
}

/// The attributes of a tag that [`scan`] reads, the first of each name (a browser drops the
/// repeats), found in one pass over the tag's attributes rather than one per name.
struct Read<'t> {
    id: Option<&'t scan::Attr>,
    name: Option<&'t scan::Attr>,
    /// In the order of [`URL_ATTRIBUTES`].
    urls: [Option<&'t scan::Attr>; URL_ATTRIBUTES.len()],
}

/// Bit `n` set when an attribute that [`Read`] looks for is `n` bytes long.
const READ_LENGTHS: u64 = {
    let mut lengths: u64 = (1 << "id".len()) | (1 << "name".len());
    let mut i = 0;
    while i < URL_ATTRIBUTES.len() {
        lengths |= 1 << URL_ATTRIBUTES[i].len();
        i += 1;
    }
    lengths
};

impl<'t> Read<'t> {
    fn of(tag: &scan::StartTag<'t>) -> Read<'t> {
        let mut read = Read {
            id: None,
            name: None,
            urls: [None; URL_ATTRIBUTES.len()],
        };
        for a in tag.attrs {
            let name = tag.attr_name(a);
            // Most attributes (`class`, `title`, `data-n`) are told apart by length alone.
            if name.len() >= 64 || READ_LENGTHS & (1 << name.len()) == 0 {
                continue;
            }
            let slot = if name.eq_ignore_ascii_case("id") {
                &mut read.id
            } else if name.eq_ignore_ascii_case("name") {
                &mut read.name
            } else {
                match URL_ATTRIBUTES
                    .iter()
                    .position(|u| name.eq_ignore_ascii_case(u))
                {
                    Some(i) => &mut read.urls[i],
                    None => continue,
                }
            };
            slot.get_or_insert(a);
        }
        read
    }
}

/// `value` for a double-quoted attribute: `"` and `&` escaped (a value set from a decoded
/// one must not be decoded twice).
fn escape_attribute(out: &mut Vec<u8>, value: &str) {
    let mut rest = value.as_bytes();
    while let Some(i) = memchr::memchr2(b'"', b'&', rest) {
        out.extend_from_slice(&rest[..i]);
        out.extend_from_slice(if rest[i] == b'"' { b"&quot;" } else { b"&amp;" });
        rest = &rest[i + 1..];
    }
    out.extend_from_slice(rest);
}

/// What [`scan`] finds in a page, in plain values: for the differential test and fuzz
/// target, which compare the scanner with the lol_html rewriter it replaced
/// (`fuzz/src/link_oracle.rs`). Not an API.
#[doc(hidden)]
#[derive(Debug, PartialEq, Eq)]
pub struct ScanReport {
    /// Sorted.
    pub ids: Vec<String>,
    /// Links kept for the check: (href, file, anchor).
    pub links: Vec<(String, String, Option<String>)>,
    pub external: Vec<String>,
    pub removed: Vec<String>,
    /// The page as it is written.
    pub html: Vec<u8>,
}

/// [`scan`] of `html` as the output file `page`, as a [`ScanReport`]. Not an API: see there.
#[doc(hidden)]
pub fn scan_report(
    page: &str,
    html: &str,
    base_path: &str,
    rewrite: bool,
    known: &std::collections::HashSet<String>,
) -> Result<ScanReport, String> {
    let known: Names = known.iter().cloned().collect();
    let cx = ScanContext {
        base_path,
        rewrite,
        known: &known,
        resolved: None,
    };
    let s = scan(page, html, &cx)?;
    Ok(ScanReport {
        ids: s.ids.iter().map(String::from).collect(),
        links: s
            .links
            .into_iter()
            .filter_map(|href| {
                let t = resolve(&href, page, base_path)?;
                Some((href.to_string(), t.file, t.anchor))
            })
            .collect(),
        external: s.external,
        removed: s.removed,
        html: s.rewritten.unwrap_or_else(|| html.as_bytes().to_vec()),
    })
}

/// Checks (and, if `relative`, rewrites) the links of every HTML file in `files`.
/// `origins` maps an output path to the content file and template it was rendered from.
pub fn finish(
    files: &mut [OutputFile],
    base_path: &str,
    relative_links: bool,
    origins: &HashMap<String, (PathBuf, String)>,
    diags: &mut Vec<Diagnostic>,
) -> External {
    let mut index = LinkIndex::default();
    finish_into(files, base_path, relative_links, origins, &mut index, diags)
}

/// The output files of a site and the ids each HTML file defines: what a link is checked
/// against.
#[derive(Debug, Default, Clone)]
pub struct LinkIndex {
    pub existing: Names,
    pub ids: rustc_hash::FxHashMap<String, Ids>,
}

/// [`finish`] for `files` within a site already described by `index` (empty for a whole
/// site): `files` are added to it, replacing what it knew of them, and their links are
/// checked against it.
pub fn finish_into(
    files: &mut [OutputFile],
    base_path: &str,
    relative_links: bool,
    origins: &HashMap<String, (PathBuf, String)>,
    index: &mut LinkIndex,
    diags: &mut Vec<Diagnostic>,
) -> External {
    index.existing.extend(files.iter().map(|f| f.path.clone()));
    let scans = scan_files(files, base_path, relative_links, &index.existing);
    check_scanned(files, scans, base_path, origins, None, index, diags)
}

/// What [`scan_files`] found in one output file: nothing for a file that is not HTML.
pub struct FileScan(Option<Result<Scanned, String>>);

/// The first half of [`finish_into`], the costly one: reads (and, if `relative_links`,
/// rewrites) every HTML file of `files`, in parallel. Needs no other file, so it can run
/// before the whole output exists (`build` scans the pages while the search index is still
/// being built). `known` are output files known to exist (more may join before the check).
/// Returns one [`FileScan`] per file, in the order of `files`.
pub fn scan_files(
    files: &mut [OutputFile],
    base_path: &str,
    relative_links: bool,
    known: &Names,
) -> Vec<FileScan> {
    files
        .par_iter_mut()
        .map(|f| scan_file(f, base_path, relative_links, known, None, None))
        .collect()
}

/// [`scan_files`] for one file, with links `resolved` ahead if any. `body` is the page's body
/// as the Markdown stage wrote it without raw HTML ([`scan::Known`]): if the page prints it
/// whole, where HTML is read at its top level, only its tags with attributes are read.
pub fn scan_file(
    f: &mut OutputFile,
    base_path: &str,
    relative_links: bool,
    known: &Names,
    resolved: Option<&Resolved>,
    body: Option<&str>,
) -> FileScan {
    if !f.path.ends_with(".html") {
        return FileScan(None);
    }
    // The pages come from Tera's `String`s, so this is a check that passes: simdutf8's,
    // several times faster than `std::str::from_utf8` (3 % of a build's instructions).
    let html = match simdutf8::basic::from_utf8(&f.bytes) {
        Ok(html) => Cow::Borrowed(html),
        Err(_) => String::from_utf8_lossy(&f.bytes),
    };
    // The 404 page is served at whatever address was not found, so its links cannot be
    // relative to its own: they stay rooted at the base path.
    let cx = ScanContext {
        base_path,
        rewrite: relative_links && f.path != "404.html",
        known,
        resolved,
    };
    let known_body = body.and_then(|b| {
        Some(scan::Known {
            at: find_whole(html.as_bytes(), b.as_bytes())?,
            len: b.len(),
        })
    });
    let mut scanned = scan_known(&f.path, &html, &cx, known_body);
    #[cfg(debug_assertions)]
    if known_body.is_some() {
        assert_read_whole_agrees(&f.path, &html, &cx, &scanned);
    }
    // The rewritten HTML replaces the original at once, so a page is never held twice.
    if let Ok(Scanned { rewritten, .. }) = &mut scanned
        && let Some(html) = rewritten.take()
    {
        f.bytes = html;
    }
    FileScan(Some(scanned))
}

/// In a debug build (the tests'), every page whose body was read as written is read whole
/// too, and what was found must be the same: every build of every test checks the
/// invariant the reading as written rests on (ARCHITECTURE.md), on whatever its bodies hold.
#[cfg(debug_assertions)]
fn assert_read_whole_agrees(
    page: &str,
    html: &str,
    cx: &ScanContext,
    as_written: &Result<Scanned, String>,
) {
    if let Some(differ) = read_whole_differs(page, html, cx, as_written) {
        panic!("{differ}");
    }
}

/// What differs between `as_written`, `page` read with its body as written, and `page` read
/// whole; `None` if nothing does.
fn read_whole_differs(
    page: &str,
    html: &str,
    cx: &ScanContext,
    as_written: &Result<Scanned, String>,
) -> Option<String> {
    type Found<'s> = (
        &'s Ids,
        &'s [Arc<str>],
        &'s [String],
        &'s [String],
        &'s Option<Vec<u8>>,
    );
    fn found(s: &Scanned) -> Found<'_> {
        (&s.ids, &s.links, &s.external, &s.removed, &s.rewritten)
    }
    let whole = scan(page, html, cx);
    let (a, b) = (as_written.as_ref().map(found), whole.as_ref().map(found));
    (a != b).then(|| {
        format!(
            "{page}: its body read as written and the page read whole differ:\n{a:?}\n---\n{b:?}"
        )
    })
}

/// `body`, as the Markdown stage wrote it, between `before` and `after` as the output file
/// `page`, read by the links stage with its body as written and whole, its links rewritten
/// relative and the site's own `urls` resolved ahead against the output files `known`:
/// what differs, if anything. For the fuzz targets (`fuzz/src/lib.rs`). Not an API.
#[doc(hidden)]
pub fn body_reading_differs(
    page: &str,
    (before, body, after): (&str, &str, &str),
    base_path: &str,
    urls: impl IntoIterator<Item = String>,
    known: &Names,
) -> Option<String> {
    let html = format!("{before}{body}{after}");
    let resolved = Resolved::new(urls, base_path, known);
    let cx = ScanContext {
        base_path,
        rewrite: true,
        known,
        resolved: Some(&resolved),
    };
    let known_body = scan::Known {
        at: before.len(),
        len: body.len(),
    };
    let as_written = scan_known(page, &html, &cx, Some(known_body));
    read_whole_differs(page, &html, &cx, &as_written)
}

/// Where `body` first occurs in `page`; `None` if nowhere, or if `body` is empty. Found by
/// its first bytes, then compared whole: a searcher made for the whole of a long needle
/// (`memmem::find`'s Two-Way) costs more to make than the scan of the page it saves.
fn find_whole(page: &[u8], body: &[u8]) -> Option<usize> {
    let start = body.get(..body.len().min(32)).filter(|s| !s.is_empty())?;
    memchr::memmem::find_iter(page, start).find(|&at| page[at..].starts_with(body))
}

/// The second half of [`finish_into`]: adds `files` to `index`, replacing what it knew of
/// them, and checks the links `scans` found (one per file, as [`scan_files`] returned them
/// for these files) against it. Reports in the order of `files`.
pub fn check_scanned(
    files: &[OutputFile],
    scans: Vec<FileScan>,
    base_path: &str,
    origins: &HashMap<String, (PathBuf, String)>,
    resolved: Option<&Resolved>,
    index: &mut LinkIndex,
    diags: &mut Vec<Diagnostic>,
) -> External {
    assert_eq!(files.len(), scans.len(), "one scan per file");
    index.existing.extend(files.iter().map(|f| f.path.clone()));
    let mut scanned: Vec<Option<Result<Scanned, String>>> =
        scans.into_iter().map(|s| s.0).collect();
    for (f, s) in files.iter().zip(&mut scanned) {
        if let Some(Ok(s)) = s {
            index.ids.insert(f.path.clone(), std::mem::take(&mut s.ids));
        }
    }
    let (existing, ids) = (&index.existing, &index.ids);
    // Each page's broken links (href, problem), found in parallel: a page's check reads
    // only the index.
    let found: Vec<Vec<(&str, String)>> = files
        .par_iter()
        .zip(&scanned)
        .map(|(f, s)| {
            let Some(Ok(s)) = s else {
                return Vec::new();
            };
            let mut problems = Vec::new();
            // The target's file, one buffer for all of the page's links.
            let mut file = String::new();
            for href in &s.links {
                // Resolved when it was kept: it resolves again the same.
                let (file, anchor) = match resolved.and_then(|r| r.0.get(&**href)) {
                    Some(r) => (&*r.file, r.anchor.as_deref().map(Cow::Borrowed)),
                    None => match resolve_into(href, &f.path, base_path, &mut file) {
                        Some(anchor) => (file.as_str(), anchor),
                        None => continue,
                    },
                };
                let problem = if !existing.contains(file) {
                    Some(format!("the site has no {file}"))
                } else {
                    match (&anchor, ids.get(file)) {
                        (Some(a), Some(set)) if !set.contains(a.as_ref()) => {
                            Some(format!("{file} has no id `{a}`"))
                        }
                        _ => None,
                    }
                };
                problems.extend(problem.map(|p| (&**href, p)));
            }
            problems
        })
        .collect();
    // Broken links, grouped so one bad link in a shared template is one error.
    let mut broken: BTreeMap<(String, String), (String, Vec<String>)> = BTreeMap::new();
    for ((f, s), problems) in files.iter().zip(&scanned).zip(found) {
        if let Some(Err(e)) = s {
            diags.push(Diagnostic::error(format!(
                "cannot read the HTML of {}: {e}",
                f.path
            )));
            continue;
        }
        if problems.is_empty() {
            continue;
        }
        let template = origins
            .get(&f.path)
            .map_or_else(String::new, |(_, t)| t.clone());
        for (href, problem) in problems {
            broken
                .entry((template.clone(), href.to_string()))
                .or_insert_with(|| (problem, Vec::new()))
                .1
                .push(f.path.clone());
        }
    }
    for ((template, href), (problem, pages)) in broken {
        let first = &pages[0];
        let mut d = Diagnostic::error(format!("broken link `{href}`: {problem}"));
        let more = match pages.len() {
            1 => String::new(),
            n => format!(" and {} other page{}", n - 1, if n == 2 { "" } else { "s" }),
        };
        match origins.get(first) {
            Some((file, _)) => {
                d = d.in_file(file).with_note(format!(
                    "in {first}, rendered with template `{template}`{more}"
                ));
            }
            None => d = d.with_note(format!("in {first}{more}")),
        }
        diags.push(d.with_help("fix the link in the page's Markdown or in the template; internal links in Markdown are best written `@/section/file.md`"));
    }
    let mut external = External::new();
    for (f, s) in files.iter().zip(&scanned) {
        if let Some(Ok(s)) = s {
            for url in &s.external {
                let pages = external.entry(url.clone()).or_default();
                if pages.last() != Some(&f.path) {
                    pages.push(f.path.clone());
                }
            }
        }
    }
    let mut unsafe_links: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (f, s) in files.iter().zip(&scanned) {
        if let Some(Ok(s)) = s {
            for v in &s.removed {
                unsafe_links
                    .entry(v.clone())
                    .or_default()
                    .push(f.path.clone());
            }
        }
    }
    for (value, pages) in unsafe_links {
        let first = &pages[0];
        let mut d = unsafe_link_warning("link", &value);
        if let Some((file, template)) = origins.get(first) {
            d = d
                .in_file(file)
                .with_note(format!("in {first}, rendered with template `{template}`"));
        } else {
            d = d.with_note(format!("in {first}"));
        }
        if pages.len() > 1 {
            d = d.with_note(format!("and in {} other pages", pages.len() - 1));
        }
        diags.push(d);
    }
    external
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(file: &str, anchor: Option<&str>) -> Option<Target> {
        Some(Target {
            file: file.into(),
            anchor: anchor.map(str::to_string),
        })
    }

    #[test]
    fn resolves_internal_links() {
        let page = "actors/x/index.html";
        let cases = [
            ("/sub/actors/y/", t("actors/y/index.html", None)),
            ("/sub/", t("index.html", None)),
            ("/sub", t("index.html", None)),
            ("/sub/source/#p17", t("source/index.html", Some("p17"))),
            ("#p3", t(page, Some("p3"))),
            ("../y/", t("actors/y/index.html", None)),
            ("../../style.css", t("style.css", None)),
            ("/sub/a%20b/", t("a b/index.html", None)),
            // Rooted paths that decoding or normalising changes, and one only its query
            // makes look so.
            ("/sub/actors/./y/", t("actors/y/index.html", None)),
            ("/sub//actors/y/", t("actors/y/index.html", None)),
            ("/sub/actors/z/../y/#b", t("actors/y/index.html", Some("b"))),
            ("/sub/actors/y/..", t("actors/index.html", None)),
            ("/sub/%2E%2E/x/", None),
            ("/sub/../etc/", None),
            ("/sub/actors/y/?a=//b/./c", t("actors/y/index.html", None)),
            ("https://example.org/", None),
            ("mailto:x@example.org", None),
            ("//cdn.example/x.js", None),
            ("/other/", None),
            ("/subway/", None),
            ("../../../../../etc/passwd", None),
        ];
        for (href, want) in cases {
            assert_eq!(resolve(href, page, "/sub/"), want, "{href}");
        }
    }

    #[test]
    fn relative_links_end_in_a_file() {
        let cases = [
            (
                "actors/x/index.html",
                t("locations/y/index.html", None),
                "../../locations/y/index.html",
            ),
            (
                "index.html",
                t("actors/index.html", None),
                "actors/index.html",
            ),
            (
                "actors/x/index.html",
                t("style.css", None),
                "../../style.css",
            ),
            (
                "source/index.html",
                t("source/index.html", Some("p2")),
                "#p2",
            ),
            (
                "actors/x/index.html",
                t("actors/x/index.html", None),
                "index.html",
            ),
            (
                "actors/index.html",
                t("actors/x/index.html", Some("a")),
                "x/index.html#a",
            ),
        ];
        for (page, target, want) in cases {
            assert_eq!(relative(page, &target.unwrap()), want, "{page}");
        }
    }

    #[test]
    fn unsafe_schemes_are_seen_through_disguises() {
        for bad in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            " javascript:alert(1)",
            "java\tscript:alert(1)",
            "java\nscript:alert(1)",
            "\u{1}javascript:alert(1)",
            "&#106;avascript:alert(1)",
            "&#106avascript:alert(1)",
            "&#x6A;avascript:alert(1)",
            "&#0000106;avascript:alert(1)",
            "javascript&colon;alert(1)",
            "java&Tab;script:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox(1)",
            "file:///etc/passwd",
            "java\u{1}script:alert(1)",
        ] {
            assert!(!is_safe_url(bad), "{bad:?} passed");
        }
        for good in [
            "https://example.org/a:b",
            "http://x",
            "mailto:a@b.c",
            "../x/",
            "#p1",
            "/sub/x?a=1&b=2",
            "x:y/",
            "a/b:c",
        ] {
            assert!(is_safe_url(good) || good == "x:y/", "{good:?} refused");
        }
        assert!(!is_safe_url("x:y/"), "an unknown scheme is not relative");
    }

    #[test]
    fn warnings_show_removed_links_short_and_printable() {
        let d = unsafe_link_warning("link", "java&#9;script:alert(1)\u{1b}");
        assert_eq!(
            d.message,
            "link with the scheme `javascript:` removed: `java&#9;script:alert(1)\\u{1b}`"
        );
        let long = format!("data:text/plain,{}", "a".repeat(1000));
        let shown = shown_url(&long);
        assert_eq!(shown.chars().count(), 81, "{shown}");
        assert!(shown.ends_with("aaa…"), "{shown}");
    }

    /// `html` scanned as `a/index.html` of a site under `/sub/`, with no file known to exist.
    fn scan_unknown(html: &str, rewrite: bool) -> Scanned {
        let known = Names::default();
        let cx = ScanContext {
            base_path: "/sub/",
            rewrite,
            known: &known,
            resolved: None,
        };
        scan("a/index.html", html, &cx).unwrap()
    }

    #[test]
    fn links_to_known_files_without_anchors_are_not_kept() {
        let known = Names::from_iter(["x/index.html".to_string()]);
        let cx = ScanContext {
            base_path: "/sub/",
            rewrite: true,
            known: &known,
            resolved: None,
        };
        let html = r#"<a href="/sub/x/">k</a><a href="/sub/x/#a">k</a><a href="/sub/y/">u</a>"#;
        let s = scan("a/index.html", html, &cx).unwrap();
        let kept: Vec<&str> = s.links.iter().map(|href| &**href).collect();
        assert_eq!(kept, ["/sub/x/#a", "/sub/y/"]);
        // Rewritten all the same.
        let out = String::from_utf8(s.rewritten.unwrap()).unwrap();
        assert!(
            out.starts_with(r#"<a href="../x/index.html">k</a>"#),
            "{out}"
        );
    }

    /// Every kind of URL `Resolved` might be given, each in a page as templates and
    /// citations write them.
    const OWN_URLS: [&str; 12] = [
        "/sub/x/",
        "/sub/x/#a",
        "/sub/y/",
        "/sub/source/#p17",
        "/sub/",
        "/subway/x/",
        "/other/",
        "//host/x/",
        "#top",
        "x/",
        "javascript:alert(1)",
        "/sub/a%20b/",
    ];

    /// `html` scanned as `page` of a site under `/sub/` where `x/index.html` is known to
    /// exist, with the links of `OWN_URLS` resolved ahead or not.
    fn scan_resolved(page: &str, html: &str, ahead: bool) -> Scanned {
        scan_resolved_known(page, html, ahead, None)
    }

    /// [`scan_resolved`], reading `known` as a body.
    fn scan_resolved_known(
        page: &str,
        html: &str,
        ahead: bool,
        known: Option<scan::Known>,
    ) -> Scanned {
        let names = Names::from_iter(["x/index.html".to_string()]);
        let resolved = Resolved::new(OWN_URLS.map(String::from), "/sub/", &names);
        let cx = ScanContext {
            base_path: "/sub/",
            rewrite: true,
            known: &names,
            resolved: ahead.then_some(&resolved),
        };
        scan_known(page, html, &cx, known).unwrap()
    }

    #[test]
    fn links_resolved_ahead_scan_as_the_others() {
        let known = Names::from_iter(["x/index.html".to_string()]);
        let resolved = Resolved::new(OWN_URLS.map(String::from), "/sub/", &known);
        // Only rooted, safe links inside the base path are kept: the rest is the scan's.
        let mut kept: Vec<&str> = resolved.0.keys().map(|k| &**k).collect();
        kept.sort();
        assert_eq!(
            kept,
            [
                "/sub/",
                "/sub/a%20b/",
                "/sub/source/#p17",
                "/sub/x/",
                "/sub/x/#a",
                "/sub/y/"
            ]
        );
        let html: String = OWN_URLS
            .iter()
            .map(|u| format!(r#"<a href="{u}" id="i{}">l</a><img src="{u}">"#, u.len()))
            .collect();
        for page in [
            "a/index.html",
            "x/index.html",
            "index.html",
            "source/deep/index.html",
        ] {
            let (with, without) = (
                scan_resolved(page, &html, true),
                scan_resolved(page, &html, false),
            );
            assert_eq!(with.rewritten, without.rewritten, "{page}");
            assert_eq!(with.links, without.links, "{page}");
            assert_eq!(with.ids, without.ids, "{page}");
            assert_eq!(with.external, without.external, "{page}");
            assert_eq!(with.removed, without.removed, "{page}");
        }
    }

    /// `body` inside a page, after `before`, scanned whole or (`known`) as a body, with the
    /// site's own links resolved ahead.
    fn scan_body(before: &str, body: &str, known: bool) -> Scanned {
        let html = format!("{before}{body}</p></svg><p id=after><a href=\"/sub/y/\">y</a>");
        let known_body = known.then_some(scan::Known {
            at: before.len(),
            len: body.len(),
        });
        scan_resolved_known("a/b/index.html", &html, true, known_body)
    }

    /// A body as the Markdown stage writes one: a citation, an auto-link, a Markdown link
    /// (one of the site's own, one not), a heading with an id, a footnote, a table.
    const BODY: &str = concat!(
        "<h2 id=\"bg\">Background</h2>\n<p><sup class=\"cite\">",
        "<a href=\"/sub/source/#p17\" id=\"cite-1\" data-n=\"17\" title=\"t &amp; u\">",
        "\u{b6}17</a></sup> <a class=\"xref\" href=\"/sub/y/\">Y</a> ",
        "<a href=\"/sub/x/#a\" title=\"x\">x</a> <a href=\"https://example.org/?a=1&amp;b=2\">o</a>",
        "<sup class=\"footnote-reference\"><a href=\"#n\">1</a></sup></p>\n",
        "<table><thead><tr><th style=\"text-align: left\">a</th></tr></thead></table>\n",
        "<div class=\"footnote-definition\" id=\"n\"><sup class=\"footnote-definition-label\">",
        "1</sup>\n<p>note &lt;b&gt;</p>\n</div>\n",
    );

    #[test]
    fn a_body_is_read_as_it_is_written_where_html_is_read_at_the_top_level() {
        let whole = scan_body("<p>", BODY, false);
        let known = scan_body("<p>", BODY, true);
        assert_eq!(known.ids, whole.ids);
        assert_eq!(known.links, whole.links);
        assert_eq!(known.external, whole.external);
        assert_eq!(known.rewritten, whole.rewritten);
        // What was compared is the real thing.
        for id in ["bg", "cite-1", "n", "after"] {
            assert!(whole.ids.contains(id), "{id}: {:?}", whole.ids);
        }
        assert_eq!(whole.links.len(), 5, "{:?}", whole.links);
        assert_eq!(whole.external, ["https://example.org/?a=1&b=2"]);
        let page = String::from_utf8(whole.rewritten.unwrap()).unwrap();
        assert!(
            page.contains("<a href=\"../../source/index.html#p17\" id=\"cite-1\" data-n=\"17\""),
            "{page}"
        );
        assert!(
            page.contains("<a class=\"xref\" href=\"../../y/index.html\">"),
            "{page}"
        );
        assert!(
            page.contains("<a href=\"../../x/index.html#a\" title=\"x\">"),
            "{page}"
        );
    }

    #[test]
    fn a_body_is_read_whole_where_it_is_not_read_at_the_top_level_or_not_as_written() {
        // A tag written otherwise than a body writes its tags ends the reading as a body:
        // the rest is read whole, and the id in it is found.
        let odd = "<p><em>x</em><b\tid=\"odd\">y</b></p>";
        assert!(scan_body("<p>", odd, false).ids.contains("odd"));
        assert!(scan_body("<p>", odd, true).ids.contains("odd"));
        // A tag that changes how what follows is read ends the body's reading: after it the
        // page is read whole.
        let script = "<p><script>var a = '<a id=\"no\">';</script><i id=\"yes\">y</i>";
        for known in [false, true] {
            let found = scan_body("<p>", script, known);
            assert!(
                !found.ids.contains("no") && found.ids.contains("yes"),
                "{known}"
            );
        }
        // Where the body would not be read at the top level, it is read whole.
        let hidden = "<p><a href=\"/sub/x/\" id=\"cite-1\">x</a></p>";
        for before in ["<svg><desc>", "<select><p>", "<p title=\"", "<!-- "] {
            let known = scan_body(before, hidden, true);
            let whole = scan_body(before, hidden, false);
            assert_eq!(known.ids, whole.ids, "{before}");
            assert_eq!(known.links, whole.links, "{before}");
            assert_eq!(known.rewritten, whole.rewritten, "{before}");
        }
    }

    #[test]
    fn links_resolved_ahead_are_looked_up_not_resolved() {
        // A resolution that the scan would not make shows that the lookup was used.
        let known = Names::default();
        let mut resolved = Resolved::new(["/sub/x/".to_string()], "/sub/", &known);
        resolved.0.get_mut("/sub/x/").unwrap().file = "elsewhere/index.html".into();
        let cx = ScanContext {
            base_path: "/sub/",
            rewrite: true,
            known: &known,
            resolved: Some(&resolved),
        };
        let s = scan("a/index.html", r#"<a href="/sub/x/">k</a>"#, &cx).unwrap();
        let out = String::from_utf8(s.rewritten.unwrap()).unwrap();
        assert_eq!(out, r#"<a href="../elsewhere/index.html">k</a>"#);
        assert_eq!(
            &*s.links,
            [Arc::from("/sub/x/")],
            "an unknown file is kept for the check"
        );
        // Kept as the table's own string, not a copy.
        let (url, _) = resolved.0.get_key_value("/sub/x/").unwrap();
        assert!(Arc::ptr_eq(&s.links[0], url));
    }

    #[test]
    fn the_check_finds_the_same_with_links_resolved_ahead() {
        let pages = [
            (
                "a/index.html",
                r#"<a href="/sub/x/#a">1</a><a href="/sub/x/#gone">2</a><a href="/sub/y/">3</a><a href="/sub/source/#p17">4</a>"#,
            ),
            ("x/index.html", r#"<p id="a">x</p>"#),
            ("source/index.html", r#"<p id="p16">s</p>"#),
        ];
        let known = Names::from_iter(pages.map(|(p, _)| p.to_string()));
        let resolved = Resolved::new(OWN_URLS.map(String::from), "/sub/", &known);
        let messages = |ahead: bool| {
            let mut files: Vec<OutputFile> = pages
                .iter()
                .map(|(path, html)| OutputFile {
                    path: path.to_string(),
                    bytes: html.as_bytes().to_vec(),
                })
                .collect();
            let r = ahead.then_some(&resolved);
            let scans = files
                .iter_mut()
                .map(|f| scan_file(f, "/sub/", true, &known, r, None))
                .collect();
            let mut diags = Vec::new();
            let mut index = LinkIndex::default();
            check_scanned(
                &files,
                scans,
                "/sub/",
                &HashMap::new(),
                r,
                &mut index,
                &mut diags,
            );
            diags.into_iter().map(|d| d.message).collect::<Vec<_>>()
        };
        let found = messages(true);
        assert_eq!(found, messages(false));
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(
            found.iter().any(|m| m.contains("has no id `gone`")),
            "{found:?}"
        );
        assert!(
            found
                .iter()
                .any(|m| m.contains("the site has no y/index.html")),
            "{found:?}"
        );
        assert!(
            found.iter().any(|m| m.contains("has no id `p17`")),
            "{found:?}"
        );
    }

    #[test]
    fn unsafe_links_are_removed_from_the_page() {
        let html = r#"<a href="&#106;avascript:alert(1)">x</a><img src="data:text/html,1"><a href="https://ok.example/">y</a>"#;
        let s = scan_unknown(html, false);
        assert_eq!(s.removed.len(), 2);
        let out = String::from_utf8(s.rewritten.unwrap()).unwrap();
        assert!(
            !out.contains("avascript") && !out.contains("data:"),
            "{out}"
        );
        assert!(
            out.contains(r#"<a href="https://ok.example/">y</a>"#),
            "{out}"
        );
    }

    #[test]
    fn ids_are_a_set_held_in_one_string() {
        // Against a `BTreeSet`, on ids of a small alphabet, so that many repeat and many are
        // prefixes of others, the empty id included.
        let mut seed = 7u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let word = |n: u64| -> String {
            (0..n % 4)
                .map(|i| ['a', 'b', 'é'][((n >> (2 * i + 2)) % 3) as usize])
                .collect()
        };
        for _ in 0..200 {
            let found: Vec<String> = (0..next() % 40).map(|_| word(next())).collect();
            let ids = Ids::new(found.iter().map(String::as_str));
            let set: std::collections::BTreeSet<&str> = found.iter().map(String::as_str).collect();
            assert!(ids.iter().eq(set.iter().copied()), "{ids:?} {set:?}");
            assert_eq!(ids.len(), set.len());
            for _ in 0..20 {
                let probe = word(next());
                assert_eq!(
                    ids.contains(&probe),
                    set.contains(probe.as_str()),
                    "{probe}"
                );
            }
            let fewer = Ids::new(found.iter().step_by(2).map(String::as_str));
            assert!(fewer.is_subset(&ids));
            assert_eq!(
                ids.is_subset(&fewer),
                fewer.len() == ids.len(),
                "{ids:?} {fewer:?}"
            );
            // Found in another order, they are the same `Ids`.
            assert_eq!(Ids::new(found.iter().rev().map(String::as_str)), ids);
        }
        let ids = Ids::new(["top", "cite-1", "top", "p17"]);
        assert_eq!(ids.iter().collect::<Vec<_>>(), ["cite-1", "p17", "top"]);
        assert!(!ids.contains("p1") && !ids.contains("tops") && !ids.contains(""));
        assert!(Ids::default().is_empty() && !Ids::default().contains(""));
    }

    #[test]
    fn scan_finds_ids_and_rewrites() {
        let html = r#"<a href="/sub/y/#k" id="top">x</a><img src='/sub/i.png'><svg><a href="/sub/z/"><text>t</text></a></svg>"#;
        let s = scan_unknown(html, true);
        assert!(s.ids.contains("top"));
        assert_eq!(s.links.len(), 3);
        let out = String::from_utf8(s.rewritten.unwrap()).unwrap();
        assert!(out.contains(r#"href="../y/index.html#k""#), "{out}");
        assert!(out.contains(r#"src="../i.png""#), "{out}");
        assert!(out.contains(r#"href="../z/index.html""#), "{out}");
    }

    /// `relative` as first written, with a vector per path: what the allocation-free one
    /// must agree with.
    fn relative_by_vectors(page: &str, target: &Target) -> String {
        let mut out = if target.file == page && target.anchor.is_some() {
            String::new()
        } else {
            let from: Vec<&str> = page.split('/').collect();
            let from_dir = &from[..from.len() - 1];
            let to: Vec<&str> = target.file.split('/').collect();
            let common = from_dir.iter().zip(&to).take_while(|(a, b)| a == b).count();
            let mut s = "../".repeat(from_dir.len() - common);
            s.push_str(&to[common..].join("/"));
            s
        };
        if let Some(a) = &target.anchor {
            out.push('#');
            out.push_str(a);
        }
        out
    }

    #[test]
    fn relative_agrees_with_its_plain_definition() {
        let paths = [
            "index.html",
            "404.html",
            "style.css",
            "a/index.html",
            "a/b",
            "a/b/index.html",
            "a/b/c/index.html",
            "a/bc/index.html",
            "ab/index.html",
            "x/y/z/w.png",
            "a b/index.html",
            "a//index.html",
            "/a/index.html",
            "a/b/",
            "",
            "a",
            "a/bc",
            "a/b/c",
            "abc/index.html",
            "a/b/cd/e.html",
            "a/b/c/d/e/f/g/h/i/j/index.html",
        ];
        for page in paths {
            for file in paths {
                for anchor in [None, Some("p1")] {
                    let target = Target {
                        file: file.into(),
                        anchor: anchor.map(str::to_string),
                    };
                    assert_eq!(
                        relative(page, &target),
                        relative_by_vectors(page, &target),
                        "{page} -> {file} {anchor:?}"
                    );
                }
            }
        }
    }

    /// `normalise` as first written, without the shortcut for normal paths.
    fn normalise_by_parts(path: &str) -> Option<String> {
        let mut parts: Vec<&str> = Vec::new();
        let trailing = path.ends_with('/') || path.ends_with("/.") || path.ends_with("/..");
        for seg in path.split('/') {
            match seg {
                "" | "." => {}
                ".." => {
                    parts.pop()?;
                }
                s => parts.push(s),
            }
        }
        let mut out = format!("/{}", parts.join("/"));
        if trailing && out != "/" {
            out.push('/');
        }
        Some(out)
    }

    #[test]
    fn normalise_returns_normal_paths_as_they_are_and_resolves_the_rest() {
        for (path, normal) in [
            ("/", true),
            ("/a", true),
            ("/a/", true),
            ("/sub/actors/x/", true),
            ("/a b/ü/", true),
            ("/.a/..b/", true),
            ("", false),
            ("a/b", false),
            ("//", false),
            ("/a//b", false),
            ("/a/./b", false),
            ("/a/../b", false),
            ("/a/.", false),
            ("/a/..", false),
            ("/..", false),
            ("/a/../../b", false),
            ("/./", false),
        ] {
            let got = normalise(path);
            assert_eq!(
                got.as_deref(),
                normalise_by_parts(path).as_deref(),
                "{path}"
            );
            assert_eq!(
                matches!(got, Some(Cow::Borrowed(_))),
                normal,
                "{path}: borrowed"
            );
        }
    }

    /// A link as (href, file, anchor).
    type Found = (String, String, Option<String>);

    /// The links and ids `scan` finds in `html`.
    fn found(html: &str) -> (Vec<Found>, Vec<String>) {
        let s = scan_unknown(html, false);
        let links = s
            .links
            .into_iter()
            .map(|href| {
                let t = resolve(&href, "a/index.html", "/sub/").expect("kept links resolve");
                (href.to_string(), t.file, t.anchor)
            })
            .collect();
        (links, s.ids.iter().map(String::from).collect())
    }

    fn link(href: &str, file: &str, anchor: Option<&str>) -> Found {
        (href.into(), file.into(), anchor.map(str::to_string))
    }

    #[test]
    fn scan_reads_attributes_however_they_are_written() {
        // Quotes single, double or none, any case, whitespace around `=`; a repeated
        // attribute counts once (the first), as in a browser.
        let (links, ids) = found(concat!(
            "<A HREF='/sub/single/' ID=Up>x</A>",
            "<a href=/sub/unquoted/#k>x</a>",
            "<a\nhref\n=\n\"/sub/spaced/\"\tid = \"sp\">x</a>",
            "<a href=\"/sub/amp/?x=1&amp;y=2#frag\">x</a>",
            "<a href=\"&#47;sub&#x2F;refs/\">x</a>",
            "<img src=\"/sub/i.png\" src=\"/sub/second.png\">",
            "<a name=\"old-anchor\">x</a>",
        ));
        assert_eq!(
            links,
            vec![
                link("/sub/single/", "single/index.html", None),
                link("/sub/unquoted/#k", "unquoted/index.html", Some("k")),
                link("/sub/spaced/", "spaced/index.html", None),
                // Values are read as a browser reads them, character references decoded:
                // a path written with references is the path they spell.
                link("/sub/amp/?x=1&y=2#frag", "amp/index.html", Some("frag")),
                link("/sub/refs/", "refs/index.html", None),
                link("/sub/i.png", "i.png", None),
            ]
        );
        assert_eq!(ids, ["Up", "old-anchor", "sp"]);
    }

    #[test]
    fn scan_skips_what_is_not_markup_and_reads_templates_and_svg() {
        let (links, ids) = found(concat!(
            "<!-- <a href=\"/sub/commented/\" id=\"c\"> -->",
            "<script>let s = '<a href=\"/sub/in-script/\">'; // </scripts> still script\n</script>",
            "<style>a[href=\"/sub/in-style/\"] { color: red }</style>",
            "<textarea><a href=\"/sub/in-textarea/\"></textarea>",
            "<title><a href=\"/sub/in-title/\"></title>",
            "<template><a href=\"/sub/in-template/\" id=\"t\">x</a></template>",
            "<svg><a xlink:href=\"/sub/svg/\"><title>T</title></a>",
            // In SVG, <style> holds markup, not text.
            "<style><a href=\"/sub/in-svg-style/\"></a></style></svg>",
            "<p title=\"<a href='/sub/in-attribute/'>\">x</p>",
        ));
        assert_eq!(
            links,
            vec![
                link("/sub/in-template/", "in-template/index.html", None),
                link("/sub/svg/", "svg/index.html", None),
                link("/sub/in-svg-style/", "in-svg-style/index.html", None),
            ]
        );
        assert_eq!(ids, ["t"]);
    }

    #[test]
    fn references_are_decoded_as_in_an_attribute_value() {
        for (written, read) in [
            ("/plain/", "/plain/"),
            ("&#47;sub&#x2F;x/", "/sub/x/"),
            ("&#106avascript", "javascript"),
            ("&#X6a;", "j"),
            ("&#0000106;", "j"),
            (
                "&#0;&#xD800;&#x110000;&#99999999999;",
                "\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}",
            ),
            ("&#128;&#x9F;&#x81;", "\u{20AC}\u{178}\u{81}"),
            ("&#;&#x;&#xg;&#a", "&#;&#x;&#xg;&#a"),
            ("&amp;&lt;&colon;&Tab;&NewLine;&sol;", "&<:\t\n/"),
            ("&notin;&NotANameAtAll;&", "\u{2209}&NotANameAtAll;&"),
            // Legacy names without `;`: read, but not before `=` or a letter or digit.
            ("&amp &lt/ &copy", "& </ \u{a9}"),
            ("?a=1&copy=2&amp2&ampx", "?a=1&copy=2&amp2&ampx"),
            // The longest legacy name wins, and `;` only counts right after a full name.
            ("&notit; &not; &noti", "&notit; \u{ac} &noti"),
            ("&Tab", "&Tab"),
            ("caf\u{e9}&eacute;", "caf\u{e9}\u{e9}"),
        ] {
            assert_eq!(decode_references(written), read, "{written}");
        }
        assert!(matches!(decode_references("/x/"), Cow::Borrowed(_)));
    }

    #[test]
    fn legacy_references_are_sorted_names_of_the_table() {
        assert!(LEGACY_REFERENCES.is_sorted());
        for name in LEGACY_REFERENCES {
            assert!(named_reference(name).is_some(), "{name}");
        }
    }

    #[test]
    fn rewritten_tags_are_written_as_lol_html_wrote_them() {
        let cases = [
            // The tag is written again: one space between attributes, the names as written,
            // the rest of the page untouched.
            (
                "<p>x</p><A\n HREF='/sub/y/'\tclass = c ID=z>t</A>",
                "<p>x</p><A HREF=\"../y/index.html\" class = c ID=z>t</A>",
            ),
            ("<img src=/sub/i.png/>", "<img src=\"../i.png/index.html\">"),
            ("<img src=/sub/i.png />", "<img src=\"../i.png\" />"),
            ("<img\nsrc=\"/sub/i.png\"/>", "<img src=\"../i.png\" />"),
            // An unsafe link goes, every repeat of it too; a tag left bare keeps its `/`.
            ("<a href=javascript:x href=/sub/y/ id=k>", "<a id=k>"),
            ("<a href=\"data:,x\"/>", "<a/>"),
            // Only the first of repeated attributes is set.
            (
                "<a href=/sub/x/ href=/sub/y/>",
                "<a href=\"../x/index.html\" href=/sub/y/>",
            ),
            // `"` and `&` are escaped in a value set from a decoded one.
            (
                "<a href='/sub/x/#a\"b&amp;lt;'>",
                "<a href=\"../x/index.html#a&quot;b&amp;lt;\">",
            ),
            // `name=>` had no value; it is written as a bare name.
            ("<a href=/sub/x/ id=>", "<a href=\"../x/index.html\" id>"),
        ];
        for (html, want) in cases {
            let s = scan_unknown(html, true);
            let out = String::from_utf8(s.rewritten.unwrap()).unwrap();
            assert_eq!(out, want, "{html}");
        }
    }

    #[test]
    fn the_first_of_each_attribute_read_wins_whatever_its_case() {
        let html = concat!(
            "<a ID=first id=second NAME=n1 name=n2 Href=/h1 href=/h2 data-x=1 src=/s ",
            "XLINK:HREF=/x1 xlink:href=/x2 action=/a formAction=/f1 formaction=/f2 poster=/p>",
        );
        let mut seen = 0;
        scan::start_tags(html, |t| {
            let read = Read::of(t);
            let value = |a: Option<&scan::Attr>| a.map(|a| t.raw(a));
            assert_eq!(value(read.id), Some("ID=first"));
            assert_eq!(value(read.name), Some("NAME=n1"));
            let urls: Vec<Option<&str>> = read.urls.iter().map(|a| value(*a)).collect();
            assert_eq!(
                urls,
                [
                    Some("Href=/h1"),
                    Some("src=/s"),
                    Some("XLINK:HREF=/x1"),
                    Some("action=/a"),
                    Some("formAction=/f1"),
                    Some("poster=/p"),
                ]
            );
            seen += 1;
        })
        .unwrap();
        assert_eq!(seen, 1);
        scan::start_tags("<p class=c data-href=/x>", |t| {
            let read = Read::of(t);
            assert!(read.id.is_none() && read.name.is_none());
            assert!(read.urls.iter().all(Option::is_none));
        })
        .unwrap();
    }

    #[test]
    fn a_page_with_nothing_to_change_is_not_copied() {
        let s = scan_unknown("<a href=https://x.example/ id=k>x</a><p>", true);
        assert!(s.rewritten.is_none());
        assert_eq!(s.external, ["https://x.example/"]);
    }

    #[test]
    fn an_ambiguous_page_is_an_error() {
        let known = Names::default();
        let cx = ScanContext {
            base_path: "/sub/",
            rewrite: true,
            known: &known,
            resolved: None,
        };
        let e = scan("a/index.html", "<select><style>", &cx).err().unwrap();
        assert!(e.contains("`<style>`"), "{e}");
    }
}
