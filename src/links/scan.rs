//! The links stage's HTML reader: walks a page's bytes once and hands over each start tag
//! with its attributes (names as written, values undecoded until asked, and the byte range
//! of each), so `links` can read ids and URLs and splice its changes into a copy.
//!
//! It follows the HTML tokenizer (WHATWG HTML §13.2.5) wherever it decides what is markup:
//! comments (`<!-->` and `<!--->` included), DOCTYPE, bogus comments, CDATA sections in
//! foreign content, the raw-text and RCDATA elements (whose content is text up to their own
//! end tag), script data with its escaped states, `<plaintext>`, attributes quoted either way
//! or not at all, and end tags, which may hold quoted attributes too. Where the tokenizer
//! needs the tree builder (is `<title>` text or markup here? is this SVG?) it does what
//! lol_html, the rewriter this replaced, simulates: a stack of namespaces entered by `<svg>`
//! and `<math>`, left by their end tags and by the HTML tags that break out of foreign
//! content, with SVG's `<title>`, `<desc>`, `<foreignObject>` and MathML's text integration
//! points holding HTML. And where that simulation cannot know (a raw-text start tag inside
//! `<select>` or after `<frameset>`, which a browser may ignore), it refuses the page, as
//! lol_html does, rather than guess which of two readings the browser takes.
//!
//! It must not build a tree, allocate per tag (the attributes go into one reused vector) or
//! panic on any input: every position it slices at is next to an ASCII delimiter, so no
//! slice splits a UTF-8 character, and a tag or comment cut short by the end of the page is
//! read the way the tokenizer reads it (an unterminated comment runs to the end; an
//! unfinished tag is no tag).

use std::borrow::Cow;
use std::ops::Range;

use memchr::{memchr, memchr2, memmem};

/// One attribute of a start tag, as byte ranges into the page.
#[derive(Debug, Clone)]
pub struct Attr {
    name: Range<usize>,
    /// The value without its quotes; `None` for an attribute written without one (`<a
    /// download>`, and `<a href=>` whose `=` has nothing after it).
    value: Option<Range<usize>>,
    /// The whole attribute as written: from its name to the end of its value, closing quote
    /// included.
    raw: Range<usize>,
}

/// A start tag, from its `<` to its `>`.
pub struct StartTag<'a> {
    html: &'a str,
    pub range: Range<usize>,
    name: Range<usize>,
    /// Every attribute, in order, repeats included (a browser keeps only the first of a
    /// name, which is the one `links` reads).
    pub attrs: &'a [Attr],
    /// Written `<… />`.
    pub self_closing: bool,
}

impl<'a> StartTag<'a> {
    /// The tag name as written.
    pub fn name(&self) -> &'a str {
        &self.html[self.name.clone()]
    }

    /// Whether this is a `name` tag (ASCII case-insensitively, as HTML names are).
    pub fn is(&self, name: &str) -> bool {
        self.name().eq_ignore_ascii_case(name)
    }

    /// An attribute's name as written.
    pub fn attr_name(&self, attr: &Attr) -> &'a str {
        &self.html[attr.name.clone()]
    }

    /// An attribute as written, `name="value"` or however it was.
    pub fn raw(&self, attr: &Attr) -> &'a str {
        &self.html[attr.raw.clone()]
    }

    /// An attribute's value with its character references decoded, as a browser reads it;
    /// empty for an attribute without a value.
    pub fn value(&self, attr: &Attr) -> Cow<'a, str> {
        match &attr.value {
            Some(v) => super::decode_references(&self.html[v.clone()]),
            None => Cow::Borrowed(""),
        }
    }

    /// An attribute's value as written, character references and all.
    pub fn raw_value(&self, attr: &Attr) -> Option<&'a str> {
        attr.value.clone().map(|v| &self.html[v])
    }
}

/// A page whose reading depends on a tree this scanner does not build: a start tag that
/// would make what follows text, inside `<select>` or after `<frameset>`, where a browser
/// may ignore it (and read the text as markup) or not. lol_html refuses the same pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ambiguous {
    pub tag: String,
}

impl std::fmt::Display for Ambiguous {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "a `<{}>` tag inside `<select>` or after `<frameset>`: a browser may ignore it or \
             read what follows as text, so the links after it cannot be read for certain; \
             move it out of the `<select>`",
            self.tag
        )
    }
}

/// A stretch of a page, from `at` and `len` bytes long, that is a body as the Markdown stage
/// writes it without raw HTML: every `<` in it starts a tag (text and attribute values have
/// theirs escaped), tags are written `<name attr="value" …>` (values double-quoted, one
/// space apart), and no tag without attributes and no end tag holds an id or a URL. If the
/// scan meets it where HTML is read at its top level (its text, outside foreign content,
/// `<select>` and `<frameset>`), it reads only its tags with attributes, and its links
/// `<a href="…"` and `<a class="xref" href="…"` by their `href` ([`Visit::own`]).
#[derive(Debug, Clone, Copy)]
pub struct Known {
    pub at: usize,
    pub len: usize,
}

/// What [`start_tags_known`] hands over.
pub trait Visit {
    fn tag(&mut self, tag: &StartTag<'_>);
    /// A link of a [`Known`] stretch, by the positions of its `href` value and of its `id`
    /// value if `" id="` follows the `href`; `false` to have its tag read as any other.
    fn own(&mut self, href: Range<usize>, id: Option<Range<usize>>) -> bool;
    /// Whether [`Visit::tag`] may read an attribute of this name (ASCII, as written).
    fn reads(&self, attribute: &[u8]) -> bool;
}

/// A closure as a [`Visit`] that reads every tag as any other (for tests).
#[cfg(test)]
struct Each<F>(F);

#[cfg(test)]
impl<F: FnMut(&StartTag<'_>)> Visit for Each<F> {
    fn tag(&mut self, tag: &StartTag<'_>) {
        (self.0)(tag);
    }
    fn own(&mut self, _: Range<usize>, _: Option<Range<usize>>) -> bool {
        false
    }
    fn reads(&self, _: &[u8]) -> bool {
        true
    }
}

/// Calls `each` for every start tag of `html`, in order.
#[cfg(test)]
pub fn start_tags(html: &str, each: impl FnMut(&StartTag<'_>)) -> Result<(), Ambiguous> {
    start_tags_known(html, None, &mut Each(each))
}

/// Hands `visit` every start tag of `html`, in order, but within `known` (if the scan meets
/// it where it may be read so) only what [`Known`] says.
pub fn start_tags_known(
    html: &str,
    known: Option<Known>,
    visit: &mut dyn Visit,
) -> Result<(), Ambiguous> {
    let mut scanner = Scanner {
        html,
        b: html.as_bytes(),
        attrs: Vec::new(),
        ns: vec![Ns::Html],
        guard: Guard::Default,
        known: known.filter(|k| k.at.checked_add(k.len).is_some_and(|end| end <= html.len())),
    };
    scanner.run(visit)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ns {
    Html,
    Svg,
    MathMl,
}

/// How the text after a tag is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Text {
    Data,
    /// RAWTEXT or RCDATA (they differ only in decoding references in the text, which does
    /// not matter here): text up to `</name`.
    Raw(&'static str),
    Script,
    /// `<plaintext>`: text to the end of the page.
    Plain,
}

/// lol_html's guard against the start tags a tree builder may ignore (see [`Ambiguous`]).
#[derive(Debug, Clone, Copy)]
enum Guard {
    Default,
    InSelect,
    InTemplateInSelect(u32),
    InOrAfterFrameset,
}

/// The tag names the scanner acts on; everything else is `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Name {
    Svg,
    Math,
    // Text-switching elements.
    Textarea,
    Title,
    Plaintext,
    Script,
    Style,
    Iframe,
    Xmp,
    Noembed,
    Noframes,
    Noscript,
    // The ambiguity guard's.
    Select,
    Frameset,
    Template,
    Input,
    Keygen,
    // Foreign content.
    Font,
    Desc,
    ForeignObject,
    AnnotationXml,
    /// `mi`, `mo`, `mn`, `ms`, `mtext`: MathML's text integration points.
    MathText,
    P,
    Br,
    /// The other HTML start tags that end foreign content.
    Breakout,
    Other,
}

impl Name {
    fn of(name: &[u8]) -> Name {
        let mut buf = [0u8; 16];
        let Some(lower) = buf.get_mut(..name.len()) else {
            return Name::Other;
        };
        for (l, c) in lower.iter_mut().zip(name) {
            *l = c.to_ascii_lowercase();
        }
        match &*lower {
            b"svg" => Name::Svg,
            b"math" => Name::Math,
            b"textarea" => Name::Textarea,
            b"title" => Name::Title,
            b"plaintext" => Name::Plaintext,
            b"script" => Name::Script,
            b"style" => Name::Style,
            b"iframe" => Name::Iframe,
            b"xmp" => Name::Xmp,
            b"noembed" => Name::Noembed,
            b"noframes" => Name::Noframes,
            b"noscript" => Name::Noscript,
            b"select" => Name::Select,
            b"frameset" => Name::Frameset,
            b"template" => Name::Template,
            b"input" => Name::Input,
            b"keygen" => Name::Keygen,
            b"font" => Name::Font,
            b"desc" => Name::Desc,
            b"foreignobject" => Name::ForeignObject,
            b"annotation-xml" => Name::AnnotationXml,
            b"mi" | b"mo" | b"mn" | b"ms" | b"mtext" => Name::MathText,
            b"p" => Name::P,
            b"br" => Name::Br,
            b"b" | b"big" | b"blockquote" | b"body" | b"center" | b"code" | b"dd" | b"div"
            | b"dl" | b"dt" | b"em" | b"embed" | b"h1" | b"h2" | b"h3" | b"h4" | b"h5" | b"h6"
            | b"head" | b"hr" | b"i" | b"img" | b"li" | b"listing" | b"menu" | b"meta"
            | b"nobr" | b"ol" | b"pre" | b"ruby" | b"s" | b"small" | b"span" | b"strong"
            | b"strike" | b"sub" | b"sup" | b"table" | b"tt" | b"u" | b"ul" | b"var" => {
                Name::Breakout
            }
            _ => Name::Other,
        }
    }

    /// What the text after this start tag is, in HTML content.
    fn text(self) -> Text {
        match self {
            Name::Textarea => Text::Raw("textarea"),
            Name::Title => Text::Raw("title"),
            Name::Plaintext => Text::Plain,
            Name::Script => Text::Script,
            Name::Style => Text::Raw("style"),
            Name::Iframe => Text::Raw("iframe"),
            Name::Xmp => Text::Raw("xmp"),
            Name::Noembed => Text::Raw("noembed"),
            Name::Noframes => Text::Raw("noframes"),
            // Scripting is on in the browsers we write for, so `<noscript>` is raw text.
            Name::Noscript => Text::Raw("noscript"),
            _ => Text::Data,
        }
    }

    fn switches_text(self) -> bool {
        self.text() != Text::Data
    }

    /// Whether a start tag of this name, met at the top level of HTML, leaves the scan
    /// there, reading text.
    fn keeps_the_top_level(self) -> bool {
        !matches!(self, Name::Svg | Name::Math | Name::Select | Name::Frameset)
            && !self.switches_text()
    }
}

fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\n' | b'\r' | b'\t' | b'\x0C')
}

/// Where a tag ends.
struct TagEnd {
    name_end: usize,
    /// Just after its `>`.
    end: usize,
    self_closing: bool,
}

/// Reads a tag whose name starts at `name_start` up to its `>`, collecting its attributes
/// into `attrs` if given (a start tag). `None` if the page ends first: an unfinished tag
/// is no tag.
fn read_tag(b: &[u8], name_start: usize, mut attrs: Option<&mut Vec<Attr>>) -> Option<TagEnd> {
    let mut i = name_start;
    while i < b.len() && !matches!(b[i], b'/' | b'>') && !is_ws(b[i]) {
        i += 1;
    }
    let name_end = i;
    let mut push = |name: Range<usize>, value: Option<Range<usize>>, end: usize| {
        if let Some(attrs) = attrs.as_deref_mut() {
            attrs.push(Attr {
                raw: name.start..end,
                name,
                value,
            });
        }
    };
    loop {
        // Before attribute name.
        while i < b.len() && is_ws(b[i]) {
            i += 1;
        }
        match *b.get(i)? {
            b'>' => {
                return Some(TagEnd {
                    name_end,
                    end: i + 1,
                    self_closing: false,
                });
            }
            // Self-closing start tag: only `/>` closes; any other `/` is dropped.
            b'/' => {
                if *b.get(i + 1)? == b'>' {
                    return Some(TagEnd {
                        name_end,
                        end: i + 2,
                        self_closing: true,
                    });
                }
                i += 1;
                continue;
            }
            _ => {}
        }
        // Attribute name: its first character is part of it whatever it is (`=` included).
        let name = i;
        i += 1;
        while i < b.len() && !matches!(b[i], b'/' | b'>' | b'=') && !is_ws(b[i]) {
            i += 1;
        }
        let name = name..i;
        // After attribute name.
        while i < b.len() && is_ws(b[i]) {
            i += 1;
        }
        if *b.get(i)? != b'=' {
            // No value: `/`, `>` or the next attribute's name is read as above.
            let end = name.end;
            push(name, None, end);
            continue;
        }
        // Before attribute value.
        i += 1;
        while i < b.len() && is_ws(b[i]) {
            i += 1;
        }
        match *b.get(i)? {
            quote @ (b'"' | b'\'') => {
                let close = i + 1 + memchr(quote, &b[i + 1..])?;
                push(name, Some(i + 1..close), close + 1);
                i = close + 1;
            }
            // `name=>`: no value, and the tag ends.
            b'>' => {
                let end = name.end;
                push(name, None, end);
                return Some(TagEnd {
                    name_end,
                    end: i + 1,
                    self_closing: false,
                });
            }
            _ => {
                let value = i;
                while i < b.len() && b[i] != b'>' && !is_ws(b[i]) {
                    i += 1;
                }
                if i == b.len() {
                    return None;
                }
                push(name, Some(value..i), i);
            }
        }
    }
}

/// Whether `attrs`, what follows a tag's name up to the end of its stretch, are attributes
/// as a body writes them (` name="value"`, each value without `"`) up to the tag's `>`, none
/// of a name that `visit` reads. `false` for anything written otherwise.
fn reads_none(attrs: &[u8], visit: &dyn Visit) -> bool {
    let mut i = 0;
    loop {
        match attrs.get(i) {
            Some(b'>') => return true,
            Some(b' ') => i += 1,
            _ => return false,
        }
        let name = i;
        while attrs
            .get(i)
            .is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'-')
        {
            i += 1;
        }
        if i == name || visit.reads(&attrs[name..i]) || attrs.get(i..i + 2) != Some(b"=\"") {
            return false;
        }
        let Some(len) = memchr(b'"', &attrs[i + 2..]) else {
            return false;
        };
        i += 2 + len + 1;
    }
}

/// Whether `b[at..]` starts with `name` (lowercase ASCII), ASCII case-insensitively.
fn starts_with_ci(b: &[u8], at: usize, name: &str) -> bool {
    b.get(at..at + name.len())
        .is_some_and(|s| s.eq_ignore_ascii_case(name.as_bytes()))
}

/// Whether an end tag `</name` appropriate to `name` (lowercase ASCII) starts at `lt`: the
/// name, ASCII case-insensitively, followed by whitespace, `/` or `>`.
fn is_end_tag(b: &[u8], lt: usize, name: &str) -> bool {
    b.get(lt + 1) == Some(&b'/')
        && starts_with_ci(b, lt + 2, name)
        && b.get(lt + 2 + name.len())
            .is_some_and(|&c| c == b'/' || c == b'>' || is_ws(c))
}

/// Where `</script` ends the script data that starts at `from`: the position of its `<`, or
/// `None` if the script runs to the end of the page. Follows the script data states:
/// `<!--` starts an escaped part, in which `<script` starts a double-escaped one that only
/// `</script` ends (and in which `</script` does not end the script), `-->` ends both.
fn script_end(b: &[u8], from: usize) -> Option<usize> {
    #[derive(Clone, Copy)]
    enum State {
        Data,
        Escaped,
        /// After `--` in an escaped part: `>` ends it.
        EscapedDashDash,
        DoubleEscaped,
        DoubleEscapedDashDash,
    }
    let mut state = State::Data;
    let mut i = from;
    loop {
        match state {
            State::Data => {
                let lt = i + memchr(b'<', &b[i..])?;
                if is_end_tag(b, lt, "script") {
                    return Some(lt);
                }
                if b.get(lt + 1) == Some(&b'!') && b.get(lt + 2..lt + 4) == Some(b"--") {
                    state = State::EscapedDashDash;
                    i = lt + 4;
                } else {
                    i = lt + 1;
                }
            }
            State::Escaped => {
                let at = i + memchr2(b'-', b'<', &b[i..])?;
                if b[at] == b'-' {
                    if b.get(at + 1) == Some(&b'-') {
                        state = State::EscapedDashDash;
                        i = at + 2;
                    } else {
                        i = at + 1;
                    }
                    continue;
                }
                // `<` in an escaped part.
                if is_end_tag(b, at, "script") {
                    return Some(at);
                }
                if starts_with_ci(b, at + 1, "script") {
                    let next = *b.get(at + 7)?;
                    if next == b'/' || next == b'>' || is_ws(next) {
                        state = State::DoubleEscaped;
                        i = at + 8;
                        continue;
                    }
                }
                i = at + 1;
            }
            State::EscapedDashDash | State::DoubleEscapedDashDash => {
                let double = matches!(state, State::DoubleEscapedDashDash);
                match *b.get(i)? {
                    b'-' => i += 1,
                    b'>' => {
                        state = State::Data;
                        i += 1;
                    }
                    // `<` is read by the escaped (or double-escaped) state itself.
                    _ => {
                        state = if double {
                            State::DoubleEscaped
                        } else {
                            State::Escaped
                        };
                    }
                }
            }
            State::DoubleEscaped => {
                let at = i + memchr2(b'-', b'<', &b[i..])?;
                if b[at] == b'-' {
                    if b.get(at + 1) == Some(&b'-') {
                        state = State::DoubleEscapedDashDash;
                        i = at + 2;
                    } else {
                        i = at + 1;
                    }
                    continue;
                }
                // `</script` followed by whitespace, `/` or `>` goes back to escaped, that
                // character included.
                if b.get(at + 1) == Some(&b'/') && starts_with_ci(b, at + 2, "script") {
                    let next = *b.get(at + 8)?;
                    if next == b'/' || next == b'>' || is_ws(next) {
                        state = State::Escaped;
                        i = at + 9;
                        continue;
                    }
                }
                i = at + 1;
            }
        }
    }
}

struct Scanner<'a> {
    html: &'a str,
    b: &'a [u8],
    attrs: Vec<Attr>,
    ns: Vec<Ns>,
    guard: Guard,
    /// Not met yet.
    known: Option<Known>,
}

impl<'a> Scanner<'a> {
    fn current_ns(&self) -> Ns {
        self.ns.last().copied().unwrap_or(Ns::Html)
    }

    /// Outside foreign content and outside `<select>` and `<frameset>`.
    fn at_top_level(&self) -> bool {
        self.ns.len() <= 1 && matches!(self.guard, Guard::Default)
    }

    fn leave_ns(&mut self) {
        if self.ns.len() > 1 {
            self.ns.pop();
        }
    }

    fn run(&mut self, visit: &mut dyn Visit) -> Result<(), Ambiguous> {
        let b = self.b;
        let mut i = 0;
        let mut text = Text::Data;
        loop {
            match text {
                Text::Data => {}
                Text::Plain => return Ok(()),
                Text::Raw(name) => {
                    let mut from = i;
                    let lt = loop {
                        let Some(lt) = memchr(b'<', &b[from..]).map(|lt| from + lt) else {
                            return Ok(());
                        };
                        if is_end_tag(b, lt, name) {
                            break lt;
                        }
                        from = lt + 1;
                    };
                    let Some(end) = self.end_tag(lt) else {
                        return Ok(());
                    };
                    i = end;
                    text = Text::Data;
                    continue;
                }
                Text::Script => {
                    let Some(lt) = script_end(b, i) else {
                        return Ok(());
                    };
                    let Some(end) = self.end_tag(lt) else {
                        return Ok(());
                    };
                    i = end;
                    text = Text::Data;
                    continue;
                }
            }
            // Data.
            let lt = memchr(b'<', &b[i..]).map(|lt| i + lt);
            if let Some(known) = self.known
                && i <= known.at
                && lt.is_none_or(|lt| lt >= known.at)
                && self.at_top_level()
            {
                self.known = None;
                i = self.read_known(known, visit)?;
                continue;
            }
            let Some(lt) = lt else {
                return Ok(());
            };
            let Some(&next) = b.get(lt + 1) else {
                return Ok(());
            };
            if next.is_ascii_alphabetic() {
                let Some((end, after)) = self.start_tag(lt, visit)? else {
                    return Ok(());
                };
                i = end;
                text = after;
            } else if next == b'/' {
                match b.get(lt + 2) {
                    None => return Ok(()),
                    Some(c) if c.is_ascii_alphabetic() => match self.end_tag(lt) {
                        Some(end) => i = end,
                        None => return Ok(()),
                    },
                    // `</>` is dropped.
                    Some(b'>') => i = lt + 3,
                    // `</` and anything else: a bogus comment, to the next `>`.
                    Some(_) => match memchr(b'>', &b[lt + 2..]) {
                        Some(gt) => i = lt + 2 + gt + 1,
                        None => return Ok(()),
                    },
                }
            } else if next == b'!' {
                match self.markup_declaration(lt + 2) {
                    Some(end) => i = end,
                    None => return Ok(()),
                }
            } else if next == b'?' {
                // `<?…>`: a bogus comment.
                match memchr(b'>', &b[lt + 2..]) {
                    Some(gt) => i = lt + 2 + gt + 1,
                    None => return Ok(()),
                }
            } else {
                // A `<` that starts nothing is text.
                i = lt + 1;
            }
        }
    }

    /// Reads `known`, which the scan has just met where HTML is read at its top level (see
    /// [`Known`]). Returns where the scan goes on, as on any page: the end of the stretch,
    /// or the first `<` in it that is not as the stretch is written (which cannot be, but
    /// costs nothing to allow for).
    fn read_known(&mut self, known: Known, visit: &mut dyn Visit) -> Result<usize, Ambiguous> {
        const LINK: &[u8] = b"<a href=\"";
        const AUTO_LINK: &[u8] = b"<a class=\"xref\" href=\"";
        const ID: &[u8] = b"\" id=\"";
        let b = self.b;
        let end = known.at + known.len;
        let mut i = known.at;
        while let Some(lt) = memchr(b'<', &b[i..end]).map(|lt| i + lt) {
            let tag = &b[lt..end];
            // An end tag, which changes nothing at the top level.
            if tag.get(1) == Some(&b'/') {
                i = lt + 2;
                continue;
            }
            if let Some(open) = [LINK, AUTO_LINK].into_iter().find(|o| tag.starts_with(o)) {
                let start = lt + open.len();
                let Some(len) = memchr(b'"', &b[start..end]) else {
                    return Ok(lt);
                };
                let href = start..start + len;
                let id = match b[href.end..end].starts_with(ID) {
                    true => {
                        let from = href.end + ID.len();
                        let Some(len) = memchr(b'"', &b[from..end]) else {
                            return Ok(lt);
                        };
                        Some(from..from + len)
                    }
                    false => None,
                };
                if visit.own(href.clone(), id) {
                    i = href.end;
                    continue;
                }
            } else {
                let name_len = tag[1..]
                    .iter()
                    .position(|c| !c.is_ascii_alphanumeric())
                    .unwrap_or(tag.len() - 1);
                let name = &tag[1..1 + name_len];
                // No name of fewer than three letters changes how what follows is read.
                if name.is_empty() || name.len() > 2 && !Name::of(name).keeps_the_top_level() {
                    return Ok(lt);
                }
                match tag.get(1 + name_len) {
                    // Without attributes, or with none that `visit` reads: nothing to read.
                    Some(b'>') => {
                        i = lt + 1;
                        continue;
                    }
                    Some(b' ') if reads_none(&tag[1 + name_len..], &*visit) => {
                        i = lt + 1;
                        continue;
                    }
                    Some(b' ') => {}
                    _ => return Ok(lt),
                }
            }
            // A tag with attributes, read as on any page (by its name, it changes nothing).
            match self.start_tag(lt, visit)? {
                Some((after, _)) if after < end => i = after,
                Some((after, _)) => return Ok(after),
                None => return Ok(b.len()),
            }
        }
        Ok(end)
    }

    /// After `<!` at `at`: a comment, DOCTYPE, CDATA section or bogus comment. Where it
    /// ends, or `None` if it runs to the end of the page.
    fn markup_declaration(&self, at: usize) -> Option<usize> {
        let b = self.b;
        if b.get(at..at + 2) == Some(b"--") {
            let body = at + 2;
            // `<!-->` and `<!--->` are whole (empty) comments.
            if b.get(body) == Some(&b'>') {
                return Some(body + 1);
            }
            if b.get(body..body + 2) == Some(b"->") {
                return Some(body + 2);
            }
            // Otherwise the first `-->` or `--!>` ends it.
            let mut from = body;
            loop {
                let dashes = from + memmem::find(&b[from..], b"--")?;
                match b.get(dashes + 2) {
                    Some(b'>') => return Some(dashes + 3),
                    Some(b'!') if b.get(dashes + 3) == Some(&b'>') => return Some(dashes + 4),
                    Some(_) => from = dashes + 1,
                    None => return None,
                }
            }
        }
        if self.current_ns() != Ns::Html && b.get(at..at + 7) == Some(b"[CDATA[") {
            let body = at + 7;
            return memmem::find(&b[body..], b"]]>").map(|e| body + e + 3);
        }
        // DOCTYPE (which ends at the first `>`, even inside its quoted identifiers) and bogus
        // comments alike.
        memchr(b'>', &b[at..]).map(|gt| at + gt + 1)
    }

    /// The start tag at `lt`: hands it to `visit` and says where it ends and what text
    /// follows; `None` if the page ends inside it.
    fn start_tag(
        &mut self,
        lt: usize,
        visit: &mut dyn Visit,
    ) -> Result<Option<(usize, Text)>, Ambiguous> {
        let b = self.b;
        let mut attrs = std::mem::take(&mut self.attrs);
        attrs.clear();
        let Some(tag) = read_tag(b, lt + 1, Some(&mut attrs)) else {
            self.attrs = attrs;
            return Ok(None);
        };
        let name = Name::of(&b[lt + 1..tag.name_end]);
        let start = StartTag {
            html: self.html,
            range: lt..tag.end,
            name: lt + 1..tag.name_end,
            attrs: &attrs,
            self_closing: tag.self_closing,
        };
        let result = self.start_tag_feedback(name, &start);
        if result.is_ok() {
            visit.tag(&start);
        }
        self.attrs = attrs;
        result.map(|text| Some((tag.end, text)))
    }

    /// What a tree builder would do with a start tag, as lol_html simulates it: the guard
    /// against ambiguous pages, namespaces, and which text follows.
    fn start_tag_feedback(&mut self, name: Name, tag: &StartTag<'_>) -> Result<Text, Ambiguous> {
        self.guard_start(name, tag)?;
        let ns = self.current_ns();
        match name {
            Name::Svg => self.ns.push(Ns::Svg),
            Name::Math => self.ns.push(Ns::MathMl),
            _ if ns == Ns::Html => return Ok(name.text()),
            Name::P | Name::Br | Name::Breakout => self.leave_ns(),
            // Integration points hold HTML, unless written self-closing.
            Name::Desc | Name::Title | Name::ForeignObject
                if ns == Ns::Svg && !tag.self_closing =>
            {
                self.ns.push(Ns::Html);
            }
            Name::MathText if ns == Ns::MathMl && !tag.self_closing => self.ns.push(Ns::Html),
            // Self-closing, or in the other namespace: nothing changes.
            Name::Desc | Name::Title | Name::ForeignObject | Name::MathText => {}
            Name::Font => {
                let breaks_out = tag.attrs.iter().any(|a| {
                    let n = tag.attr_name(a);
                    ["color", "size", "face"]
                        .iter()
                        .any(|x| n.eq_ignore_ascii_case(x))
                });
                if breaks_out {
                    self.leave_ns();
                }
            }
            Name::AnnotationXml if ns == Ns::MathMl && !tag.self_closing => {
                let html = tag.attrs.iter().any(|a| {
                    tag.attr_name(a).eq_ignore_ascii_case("encoding")
                        && tag.raw_value(a).is_some_and(|v| {
                            v.eq_ignore_ascii_case("text/html")
                                || v.eq_ignore_ascii_case("application/xhtml+xml")
                        })
                });
                if html {
                    self.ns.push(Ns::Html);
                }
            }
            _ => {}
        }
        Ok(Text::Data)
    }

    fn guard_start(&mut self, name: Name, tag: &StartTag<'_>) -> Result<(), Ambiguous> {
        let ambiguous = || Ambiguous {
            tag: tag.name().to_ascii_lowercase(),
        };
        match self.guard {
            Guard::Default => match name {
                Name::Select => self.guard = Guard::InSelect,
                Name::Frameset => self.guard = Guard::InOrAfterFrameset,
                _ => {}
            },
            Guard::InSelect => match name {
                // These end the select.
                Name::Select | Name::Textarea | Name::Input | Name::Keygen => {
                    self.guard = Guard::Default;
                }
                Name::Template => self.guard = Guard::InTemplateInSelect(1),
                // Allowed in a select.
                Name::Script => {}
                n if n.switches_text() => return Err(ambiguous()),
                _ => {}
            },
            Guard::InTemplateInSelect(depth) => match name {
                Name::Template => self.guard = Guard::InTemplateInSelect(depth + 1),
                n if n.switches_text() => return Err(ambiguous()),
                _ => {}
            },
            Guard::InOrAfterFrameset => match name {
                Name::Noframes => {}
                n if n.switches_text() => return Err(ambiguous()),
                _ => {}
            },
        }
        Ok(())
    }

    /// The end tag at `lt` (`</` and a letter): read to its `>` (end tags may hold
    /// attributes too, quoted `>` and all), and the namespaces it leaves. `None` if the page
    /// ends inside it.
    fn end_tag(&mut self, lt: usize) -> Option<usize> {
        let b = self.b;
        let tag = read_tag(b, lt + 2, None)?;
        // At the top level of HTML (most of a page) no end tag changes anything.
        if self.at_top_level() {
            return Some(tag.end);
        }
        let name = Name::of(&b[lt + 2..tag.name_end]);
        match (self.guard, name) {
            (Guard::InSelect, Name::Select) => self.guard = Guard::Default,
            (Guard::InTemplateInSelect(depth), Name::Template) => {
                self.guard = match depth {
                    1 => Guard::InSelect,
                    d => Guard::InTemplateInSelect(d - 1),
                };
            }
            _ => {}
        }
        let ns = self.current_ns();
        if ns == Ns::Html {
            // Leaving an integration point back into its SVG or MathML.
            let outer = self.ns.len().checked_sub(2).map(|i| self.ns[i]);
            let leaves = match outer {
                Some(Ns::MathMl) => matches!(name, Name::MathText | Name::AnnotationXml),
                Some(Ns::Svg) => matches!(name, Name::Desc | Name::Title | Name::ForeignObject),
                _ => false,
            };
            if leaves {
                self.leave_ns();
            }
        } else if (ns == Ns::Svg && name == Name::Svg)
            || (ns == Ns::MathMl && name == Name::Math)
            || matches!(name, Name::P | Name::Br)
        {
            self.leave_ns();
        }
        Some(tag.end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every start tag of `html` as `name attr=value …` (values decoded), one per tag.
    fn tags(html: &str) -> Vec<String> {
        let mut out = Vec::new();
        start_tags(html, |t| {
            let mut s = t.name().to_string();
            for a in t.attrs {
                s.push(' ');
                s.push_str(t.attr_name(a));
                if a.value.is_some() {
                    s.push('=');
                    s.push_str(&t.value(a));
                }
            }
            if t.self_closing {
                s.push_str(" /");
            }
            out.push(s);
        })
        .unwrap();
        out
    }

    /// The names of the start tags of `html`.
    fn names(html: &str) -> Vec<String> {
        tags(html)
            .into_iter()
            .map(|t| t.split(' ').next().unwrap_or_default().to_string())
            .collect()
    }

    #[test]
    fn attributes_are_read_however_they_are_written() {
        let cases: &[(&str, &[&str])] = &[
            (r#"<a href="x" id='y' class=z>"#, &["a href=x id=y class=z"]),
            ("<A HREF=x>", &["A HREF=x"]),
            ("<a\nhref\n=\n\"x\"\tid = \"y\">", &["a href=x id=y"]),
            // A value quoted one way holds the other quote, and `>`.
            (r#"<a title='say "hi" >'>"#, &[r#"a title=say "hi" >"#]),
            // No space needed after a quoted value.
            (r#"<a href="x"id="y">"#, &["a href=x id=y"]),
            // Unquoted values end at whitespace or `>`, not at quotes or `/`.
            ("<a href=x/y\"z'>", &["a href=x/y\"z'"]),
            ("<a href=x/>", &["a href=x/"]),
            // Without a value; `name=>` has none either.
            ("<a download href=>", &["a download href"]),
            ("<input disabled/>", &["input disabled /"]),
            ("<img src=x />", &["img src=x /"]),
            // A `/` not before `>` is dropped; `=` can start a name.
            ("<a / href=x>", &["a href=x"]),
            ("<a =x>", &["a =x"]),
            ("<a ==x>", &["a ==x"]),
            // Repeats are all kept (`links` reads the first).
            ("<a id=1 id=2>", &["a id=1 id=2"]),
            // Character references are decoded in values.
            ("<a href=\"&#47;x&amp;y&lt\">", &["a href=/x&y<"]),
        ];
        for (html, want) in cases {
            assert_eq!(tags(html), *want, "{html}");
        }
    }

    #[test]
    fn ranges_cover_the_tag_the_attribute_and_its_value() {
        let html = r#"x<a  href = "v" b='w'c=u d>y"#;
        start_tags(html, |t| {
            assert_eq!(&html[t.range.clone()], r#"<a  href = "v" b='w'c=u d>"#);
            let raws: Vec<&str> = t.attrs.iter().map(|a| t.raw(a)).collect();
            assert_eq!(raws, [r#"href = "v""#, "b='w'", "c=u", "d"]);
            let values: Vec<Option<&str>> = t.attrs.iter().map(|a| t.raw_value(a)).collect();
            assert_eq!(values, [Some("v"), Some("w"), Some("u"), None]);
        })
        .unwrap();
    }

    #[test]
    fn tag_open_needs_a_letter() {
        assert_eq!(names("a < b <3 <é> <a>"), ["a"]);
        assert_eq!(names("<<a>"), ["a"]);
    }

    #[test]
    fn end_tags_are_skipped_with_their_attributes() {
        assert_eq!(names(r#"</a title="><c>"><b>"#), ["b"]);
        assert_eq!(names("</a title='><c>' x=<d>><b>"), ["b"]);
        assert_eq!(names("</a\n><b>"), ["b"]);
        // `</>` is dropped, `</` and a non-letter is a bogus comment.
        assert_eq!(names("</><b></3 <c> d><e>"), ["b", "e"]);
    }

    #[test]
    fn comments_end_where_the_tokenizer_ends_them() {
        let cases: &[(&str, &[&str])] = &[
            ("<!-- <a> --><b>", &["b"]),
            ("<!--><a>", &["a"]),
            ("<!---><a>", &["a"]),
            ("<!----><a>", &["a"]),
            ("<!-- --!><a>", &["a"]),
            ("<!-- -- > <a> --><b>", &["b"]),
            ("<!-- <!-- <a> --><b>", &["b"]),
            ("<!-- x --->a<b>", &["b"]),
            // Unterminated: to the end of the page.
            ("<!-- <a>", &[]),
            ("<!--", &[]),
            ("<!-", &[]),
        ];
        for (html, want) in cases {
            assert_eq!(names(html), *want, "{html}");
        }
    }

    #[test]
    fn doctype_and_bogus_comments_end_at_the_first_gt() {
        let cases: &[(&str, &[&str])] = &[
            ("<!DOCTYPE html><a>", &["a"]),
            ("<!doctype html PUBLIC \"a>b\"><c>", &["c"]),
            ("<?xml version=\"1.0\"?><a>", &["a"]),
            ("<!x <b> ><a>", &["a"]),
            ("<!><a>", &["a"]),
            ("<? <a>", &[]),
            // CDATA is only CDATA in foreign content; in HTML, a bogus comment.
            ("<![CDATA[ x> <a> ]]><b>", &["a", "b"]),
        ];
        for (html, want) in cases {
            assert_eq!(names(html), *want, "{html}");
        }
    }

    #[test]
    fn cdata_in_foreign_content_holds_text() {
        assert_eq!(names("<svg><![CDATA[ <a> > ]] ]]><b></svg>"), ["svg", "b"]);
        assert_eq!(names("<math><![CDATA[ <a>"), ["math"]);
        assert_eq!(names("<svg><![CDATA[ x> <a> ]]><b>"), ["svg", "b"]);
        // After the SVG, HTML again: a bogus comment, to the first `>`.
        assert_eq!(
            names("<svg></svg><![CDATA[ x> <a> ]]><b>"),
            ["svg", "a", "b"]
        );
    }

    #[test]
    fn raw_text_and_rcdata_run_to_their_own_end_tag() {
        for name in [
            "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript",
        ] {
            let html = format!("<{name}><a></{name}x></b></{name} ><c>");
            assert_eq!(names(&html), [name, "c"], "{html}");
            let upper = name.to_uppercase();
            let html = format!("<{name}><a></{upper}><c>");
            assert_eq!(names(&html), [name, "c"], "{html}");
            let html = format!("<{name}><a></{name}");
            assert_eq!(names(&html), [name], "{html}");
        }
        // The end tag may hold attributes, `>` quoted inside.
        assert_eq!(names(r#"<style></style x=">"><a>"#), ["style", "a"]);
        assert_eq!(names("<plaintext></plaintext><a>"), ["plaintext"]);
    }

    #[test]
    fn script_data_follows_its_escaped_states() {
        let cases: &[(&str, &[&str])] = &[
            ("<script>'<a>'</script><b>", &["script", "b"]),
            ("<script></scripty></script\t><b>", &["script", "b"]),
            // Escaped: `</script>` still ends it.
            ("<script><!-- <a> </script><b>", &["script", "b"]),
            // Double-escaped: `<script>` after `<!--` means `</script>` does not end it…
            (
                "<script><!--<script></script><a></script><b>",
                &["script", "b"],
            ),
            // …until `-->`.
            ("<script><!--<script>--></script><b>", &["script", "b"]),
            (
                "<script><!--<script></script>--></script><b>",
                &["script", "b"],
            ),
            // `<!-->` leaves the escaped state at once.
            ("<script><!--></script><b>", &["script", "b"]),
            // `<scripts` does not double-escape.
            ("<script><!--<scripts></script><b>", &["script", "b"]),
            // Unterminated scripts run to the end.
            ("<script><!--<script></script><a>", &["script"]),
            ("<script><a>", &["script"]),
        ];
        for (html, want) in cases {
            assert_eq!(names(html), *want, "{html}");
        }
    }

    #[test]
    fn foreign_content_follows_lol_htmls_simulation() {
        let cases: &[(&str, &[&str])] = &[
            // SVG's <style>, <script> and <title> are not raw text…
            (
                "<svg><style><a></style><script><b></script></svg>",
                &["svg", "style", "a", "script", "b"],
            ),
            // …and its <title>, an HTML integration point, holds HTML: a <style> in it is.
            (
                "<svg><title><style><a></style></title><c></svg>",
                &["svg", "title", "style", "c"],
            ),
            (
                "<svg><title><i>T</i></title><style><a></style></svg>",
                &["svg", "title", "i", "style", "a"],
            ),
            // A self-closing <title/> holds nothing.
            (
                "<svg><title/><style><a></style></svg>",
                &["svg", "title", "style", "a"],
            ),
            // An HTML tag such as <p> leaves SVG; `</p>` does too.
            ("<svg><p><style><a></style>", &["svg", "p", "style"]),
            ("<svg></p><style><a></style>", &["svg", "style"]),
            // <font> leaves only with color, size or face.
            (
                "<svg><font x><style><a></style></svg>",
                &["svg", "font", "style", "a"],
            ),
            (
                "<svg><font size=1><style><a></style>",
                &["svg", "font", "style"],
            ),
            // MathML's text integration points and annotation-xml with an HTML encoding.
            (
                "<math><mi><style><a></style></mi></math>",
                &["math", "mi", "style"],
            ),
            (
                "<math><annotation-xml encoding=text/html><style><a></style>",
                &["math", "annotation-xml", "style"],
            ),
            (
                "<math><annotation-xml><style><a></style>",
                &["math", "annotation-xml", "style", "a"],
            ),
            // Back in HTML after </svg>.
            ("<svg></svg><style><a></style>", &["svg", "style"]),
            // <template> content is read like any other.
            ("<template><a></template>", &["template", "a"]),
        ];
        for (html, want) in cases {
            assert_eq!(names(html), *want, "{html}");
        }
    }

    #[test]
    fn raw_text_start_tags_in_a_select_are_refused() {
        for html in [
            "<select><style>",
            "<select><template><xmp>",
            "<frameset><title>",
            "<frameset></frameset><style>",
        ] {
            let got = start_tags(html, |_| {});
            assert!(got.is_err(), "{html}");
        }
        for html in [
            "<select><script></script></select><style></style>",
            "<select><textarea></textarea>",
            "<select><template></template><option></select><style>",
            "<frameset><noframes>",
        ] {
            assert!(start_tags(html, |_| {}).is_ok(), "{html}");
        }
    }

    #[test]
    fn pages_cut_short_read_no_tag_and_do_not_panic() {
        for html in [
            "<",
            "<a",
            "<a ",
            "<a href",
            "<a href=",
            "<a href=\"x",
            "<a href='x",
            "<a href=x",
            "<a /",
            "</",
            "</a",
            "</a x=\"",
            "<!",
            "<!-",
            "<!--",
            "<!---",
            "<!DOCTYPE",
            "<![CDATA[",
            "<svg><![CDATA[",
            "<svg><![CDATA[x]]",
            "<?",
            "<script",
            "<script>",
            "<script><!--",
            "<script><!--<script>",
            "<script><!--<script></script",
            "<script><!--<script></script>-",
            "<style></style",
            "<a\u{e9}",
            "<a x=\u{e9}",
            "<a \u{e9}=\"\u{e9}\">",
        ] {
            let mut n = 0;
            start_tags(html, |_| n += 1).unwrap();
            let tags_written = html.matches('>').count();
            assert!(n <= tags_written, "{html}: {n} tags");
        }
    }
}
