//! Front matter: splitting a content file into its `+++` TOML block and Markdown body, and the
//! typed, strict schemas of each kind of page.
//!
//! Owns the shapes users write and the translation of TOML/serde errors into diagnostics with
//! file, line, column and a hint. Pure: works on strings; cross-file checks (does this slug
//! exist?) belong to `model`.

use std::fmt;
use std::path::Path;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::diagnostics::{Diagnostic, suggestion};

/// A content file split in two. Offsets are byte offsets into the whole file, so spans found
/// in either part can be reported against the file.
#[derive(Debug, Clone, Copy)]
pub struct Split<'a> {
    pub front_matter: &'a str,
    pub front_matter_offset: usize,
    pub body: &'a str,
    pub body_offset: usize,
}

/// Splits `src` at its `+++` lines. `src` must already be free of a byte-order mark and of
/// CRLF line endings (`load` normalises both).
pub fn split<'a>(file: &Path, src: &'a str) -> Result<Split<'a>, Diagnostic> {
    let first_line_end = memchr::memchr(b'\n', src.as_bytes()).unwrap_or(src.len());
    if src[..first_line_end].trim_end() != "+++" {
        let what = if src.trim().is_empty() {
            "the file is empty"
        } else {
            "the file does not start with front matter"
        };
        return Err(
            Diagnostic::error(format!("{what}: a content file starts with a `+++` line"))
                .at(file, src, 0..first_line_end.max(1))
                .with_help(
                    "start the file with `+++`, then `title = \"…\"`, then a closing `+++` line",
                ),
        );
    }
    let fm_start = (first_line_end + 1).min(src.len());
    let mut pos = fm_start;
    while pos < src.len() {
        let line_end = memchr::memchr(b'\n', &src.as_bytes()[pos..]).map_or(src.len(), |i| pos + i);
        if src[pos..line_end].trim_end() == "+++" {
            let body_start = (line_end + 1).min(src.len());
            return Ok(Split {
                front_matter: &src[fm_start..pos],
                front_matter_offset: fm_start,
                body: &src[body_start..],
                body_offset: body_start,
            });
        }
        pos = line_end + 1;
    }
    Err(Diagnostic::error("the front matter is never closed")
        .at(file, src, 0..3)
        .with_help("add a line with only `+++` after the front matter"))
}

/// Turns a TOML or schema error into a diagnostic pointing into the file. `offset` is where
/// the TOML text starts in `src`; `what` names the kind of document ("an actor's front matter").
pub fn toml_error(
    file: &Path,
    src: &str,
    offset: usize,
    err: &toml::de::Error,
    what: &str,
) -> Diagnostic {
    let raw = err.message().trim().to_string();
    let span = err
        .span()
        .map_or(offset..offset, |s| offset + s.start..offset + s.end);
    let (message, help) = explain_serde_message(&raw, what);
    let mut d = Diagnostic::error(message).at(file, src, span);
    if let Some(help) = help {
        d = d.with_help(help);
    }
    d
}

/// Rewrites serde's messages ("unknown field `x`, expected one of `a`, `b`") into ours, with a
/// did-you-mean. Unrecognised messages pass through unchanged.
fn explain_serde_message(raw: &str, what: &str) -> (String, Option<String>) {
    let backticked = |s: &str| -> Vec<String> {
        s.split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect()
    };
    if let Some(rest) = raw.strip_prefix("unknown field ") {
        let names = backticked(rest);
        if let Some((key, expected)) = names.split_first() {
            let help = suggestion(key, expected.iter().map(String::as_str));
            return (format!("unknown key `{key}` in {what}"), Some(help));
        }
    }
    if let Some(rest) = raw.strip_prefix("unknown variant ") {
        let names = backticked(rest);
        if let Some((value, expected)) = names.split_first() {
            let help = suggestion(value, expected.iter().map(String::as_str));
            return (format!("unknown value `{value}`"), Some(help));
        }
    }
    if let Some(rest) = raw.strip_prefix("missing field ") {
        let names = backticked(rest);
        if let Some(key) = names.first() {
            return (
                format!("missing required key `{key}` in {what}"),
                Some(format!(
                    "add `{key} = …`; README.md lists the keys of each section"
                )),
            );
        }
    }
    if raw.starts_with("invalid type:") {
        let help = if raw.ends_with("expected a sequence") {
            Some("write a list in square brackets, even for one value: [\"…\"]".to_string())
        } else {
            None
        };
        return (raw.replace("invalid type: ", "wrong type: found "), help);
    }
    (raw.to_string(), None)
}

/// A date as written: a string ("late August 2016") or a bare TOML date (2016-08-06).
#[derive(Debug, Clone)]
pub struct RawDate(pub String);

impl<'de> Deserialize<'de> for RawDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawDate;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(f, "a date such as {}", crate::dates::ACCEPTED_FORMS)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawDate, E> {
                Ok(RawDate(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawDate, E> {
                Ok(RawDate(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawDate, E> {
                Ok(RawDate(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawDate, A::Error> {
                let dt =
                    toml::value::Datetime::deserialize(de::value::MapAccessDeserializer::new(map))?;
                if dt.time.is_some() || dt.offset.is_some() {
                    return Err(de::Error::custom(
                        "a date here has no time of day; write it as \"2016-09-04\"",
                    ));
                }
                Ok(RawDate(dt.to_string()))
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// A citation in front matter: `17` (the default source) or `"afp-2016:17"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CiteValue {
    pub source: Option<String>,
    pub paragraph: i64,
}

impl<'de> Deserialize<'de> for CiteValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = CiteValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(f, "a paragraph number such as 17, or \"source-slug:17\"")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<CiteValue, E> {
                Ok(CiteValue {
                    source: None,
                    paragraph: v,
                })
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<CiteValue, E> {
                Ok(CiteValue {
                    source: None,
                    paragraph: i64::try_from(v).unwrap_or(i64::MAX),
                })
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<CiteValue, E> {
                let (source, n) = match v.rsplit_once(':') {
                    Some((s, n)) => (Some(s.trim().to_string()), n),
                    None => (None, v),
                };
                let n = n.trim().trim_start_matches('¶');
                match n.parse::<i64>() {
                    Ok(paragraph) => Ok(CiteValue { source, paragraph }),
                    Err(_) => Err(E::custom(format!(
                        "\"{v}\" is not a citation: write a paragraph number such as 17, or \"source-slug:17\""
                    ))),
                }
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// A list of citations, spanned so an empty list can be pointed at.
pub type Cites = Spanned<Vec<Spanned<CiteValue>>>;

macro_rules! page_front_matter {
    ($(#[$meta:meta])* $name:ident { $($(#[$fmeta:meta])* $field:ident : $ty:ty,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            pub title: String,
            #[serde(default)]
            pub description: Option<String>,
            #[serde(default)]
            pub summary: Option<String>,
            #[serde(default)]
            pub weight: i64,
            #[serde(default)]
            pub template: Option<Spanned<String>>,
            #[serde(default)]
            pub draft: bool,
            #[serde(default)]
            pub slug: Option<Spanned<String>>,
            #[serde(default)]
            pub extra: toml::Table,
            $($(#[$fmeta])* pub $field: $ty,)*
        }
    };
}

/// `_index.md`: a section.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionFm {
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub weight: i64,
    #[serde(default)]
    pub template: Option<Spanned<String>>,
    #[serde(default)]
    pub draft: bool,
    #[serde(default)]
    pub extra: toml::Table,
}

page_front_matter!(
    /// A page outside the schema'd sections; with a `[source]` table it is a source.
    PlainFm {
        #[serde(default)]
        date: Option<Spanned<RawDate>>,
        #[serde(default)]
        source: Option<SourceMeta>,
        #[serde(default)]
        paragraphs: Vec<ParagraphFm>,
        #[serde(default)]
        events: Vec<EventFm>,
    }
);

page_front_matter!(ActorFm {
    kind: ActorKind,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    side: Option<Spanned<String>>,
    #[serde(default)]
    aliases: Vec<Spanned<String>>,
    #[serde(default)]
    spellings: Vec<String>,
    #[serde(default)]
    relations: Vec<RelationFm>,
    #[serde(default)]
    events: Vec<EventFm>,
});

page_front_matter!(LocationFm {
    kind: LocationKind,
    #[serde(default)]
    aliases: Vec<Spanned<String>>,
    #[serde(default)]
    spellings: Vec<String>,
    #[serde(default)]
    within: Option<Spanned<String>>,
    #[serde(default)]
    coordinates: Option<Spanned<Coordinates>>,
    #[serde(default)]
    events: Vec<EventFm>,
});

page_front_matter!(TalkFm {
    kind: TalkKind,
    status: TalkStatus,
    #[serde(default)]
    date: Option<Spanned<RawDate>>,
    #[serde(default)]
    as_stated: Option<String>,
    #[serde(default)]
    location: Option<Spanned<String>>,
    #[serde(default)]
    participants: Vec<Spanned<String>>,
    #[serde(default)]
    duration: Option<String>,
    #[serde(default)]
    outcome: Option<String>,
    #[serde(default)]
    follows: Option<Spanned<String>>,
    cite: Cites,
    #[serde(default)]
    quotes: Vec<QuoteFm>,
    #[serde(default)]
    events: Vec<EventFm>,
});

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceMeta {
    pub publisher: String,
    pub language: String,
    #[serde(default)]
    pub title_original: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub published: Option<Spanned<RawDate>>,
    #[serde(default)]
    pub date_note: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ParagraphKind {
    #[default]
    Paragraph,
    Heading,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParagraphFm {
    pub original: String,
    #[serde(default)]
    pub translation: Option<String>,
    #[serde(default)]
    pub kind: ParagraphKind,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelationFm {
    #[serde(rename = "type")]
    pub kind: RelationType,
    pub to: Spanned<String>,
    pub cite: Cites,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventFm {
    pub date: Spanned<RawDate>,
    #[serde(default)]
    pub as_stated: Option<String>,
    pub summary: String,
    #[serde(default)]
    pub actors: Vec<Spanned<String>>,
    #[serde(default)]
    pub place: Option<Spanned<String>>,
    pub cite: Cites,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuoteFm {
    #[serde(default)]
    pub speaker: Option<Spanned<String>>,
    pub original: String,
    pub translation: String,
    pub cite: Spanned<CiteValue>,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Coordinates {
    pub lat: f64,
    pub lon: f64,
}

/// Defines a closed vocabulary: a kebab-case serde enum plus its English label.
macro_rules! vocabulary {
    ($name:ident { $($variant:ident => $label:literal,)* }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
        #[serde(rename_all = "kebab-case")]
        pub enum $name { $($variant,)* }
        impl $name {
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label,)* }
            }
        }
    };
}

vocabulary!(ActorKind {
    Person => "person",
    State => "state",
    Government => "government",
    ArmedForce => "armed force",
    ArmedGroup => "armed group",
    Militia => "militia",
    Party => "party",
    Institution => "institution",
    Organisation => "organisation",
    Media => "media",
    Official => "official",
});

vocabulary!(LocationKind {
    Country => "country",
    Region => "region",
    Province => "province",
    City => "city",
    Town => "town",
    Village => "village",
    District => "district",
    Site => "site",
    River => "river",
    Border => "border",
    Area => "area",
});

vocabulary!(TalkKind {
    Meeting => "meeting",
    Talks => "talks",
    Statement => "statement",
    Call => "call",
    Announcement => "announcement",
});

vocabulary!(TalkStatus {
    Held => "held",
    Planned => "planned",
    Reported => "reported",
    Cancelled => "cancelled",
});

vocabulary!(RelationType {
    AlliedWith => "allied with",
    Supports => "supports",
    Fights => "fights",
    Opposes => "opposes",
    NegotiatesWith => "negotiates with",
    SpeaksFor => "speaks for",
    PartOf => "part of",
    FormerlyPartOf => "formerly part of",
    Leads => "leads",
    MemberOf => "member of",
    Accuses => "accuses",
    Quotes => "quotes",
    LinkedTo => "linked to",
});

impl RelationType {
    /// How the relation reads from the other end: "supported by".
    pub fn inverse_label(self) -> &'static str {
        match self {
            RelationType::AlliedWith => "allied with",
            RelationType::Supports => "supported by",
            RelationType::Fights => "fights",
            RelationType::Opposes => "opposed by",
            RelationType::NegotiatesWith => "negotiates with",
            RelationType::SpeaksFor => "spoken for by",
            RelationType::PartOf => "includes",
            RelationType::FormerlyPartOf => "formerly included",
            RelationType::Leads => "led by",
            RelationType::MemberOf => "has as member",
            RelationType::Accuses => "accused by",
            RelationType::Quotes => "quoted by",
            RelationType::LinkedTo => "linked to",
        }
    }
}

/// Parses front matter of type `T`, reporting errors against the whole file.
pub fn parse<T: for<'de> Deserialize<'de>>(
    file: &Path,
    src: &str,
    split: &Split,
    what: &str,
) -> Result<T, Diagnostic> {
    toml::from_str(split.front_matter)
        .map_err(|e| toml_error(file, src, split.front_matter_offset, &e, what))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(src: &str) -> Result<Split<'_>, Diagnostic> {
        split(Path::new("a.md"), src)
    }

    #[test]
    fn splits_front_matter_and_body() {
        let src = "+++\ntitle = \"x\"\n+++\nBody\n";
        let s = p(src).unwrap();
        assert_eq!(s.front_matter, "title = \"x\"\n");
        assert_eq!(s.front_matter_offset, 4);
        assert_eq!(s.body, "Body\n");
        assert_eq!(&src[s.body_offset..], "Body\n");
    }

    #[test]
    fn body_may_be_absent_and_closing_line_may_have_trailing_spaces() {
        let s = p("+++\ntitle = \"x\"\n+++  ").unwrap();
        assert_eq!(s.body, "");
    }

    #[test]
    fn split_errors() {
        let cases = [
            (
                "",
                "the file is empty: a content file starts with a `+++` line",
            ),
            (
                "title = 1",
                "the file does not start with front matter: a content file starts with a `+++` line",
            ),
            ("+++\ntitle = \"x\"\n", "the front matter is never closed"),
            (
                "---\ntitle: x\n---\n",
                "the file does not start with front matter: a content file starts with a `+++` line",
            ),
        ];
        for (src, msg) in cases {
            assert_eq!(p(src).unwrap_err().message, msg, "{src:?}");
        }
    }

    #[test]
    fn a_plus_line_inside_a_string_does_not_close_early() {
        // Only a line that is exactly +++ closes the block.
        let s = p("+++\ntitle = \"a +++ b\"\n+++\n").unwrap();
        assert_eq!(s.front_matter, "title = \"a +++ b\"\n");
    }

    fn parse_talk(fm: &str) -> Result<TalkFm, Diagnostic> {
        let src = format!("+++\n{fm}+++\n");
        let s = p(&src).unwrap();
        parse::<TalkFm>(Path::new("t.md"), &src, &s, "a talk's front matter")
    }

    #[test]
    fn schema_errors_are_explained() {
        let base = "title = \"t\"\nkind = \"meeting\"\nstatus = \"held\"\ncite = [1]\n";
        let e = parse_talk(&format!("{base}partcipants = []\n")).unwrap_err();
        assert_eq!(
            e.message,
            "unknown key `partcipants` in a talk's front matter"
        );
        assert_eq!(e.help.as_deref(), Some("did you mean `participants`?"));
        assert_eq!(e.location.as_ref().map(|l| (l.line, l.col)), Some((6, 1)));

        let e = parse_talk("title = \"t\"\nkind = \"meting\"\nstatus = \"held\"\ncite = [1]\n")
            .unwrap_err();
        assert_eq!(e.message, "unknown value `meting`");
        assert_eq!(e.help.as_deref(), Some("did you mean `meeting`?"));

        let e = parse_talk("title = \"t\"\nstatus = \"held\"\ncite = [1]\n").unwrap_err();
        assert_eq!(
            e.message,
            "missing required key `kind` in a talk's front matter"
        );

        let e = parse_talk(&format!("{base}participants = \"john-kerry\"\n")).unwrap_err();
        assert!(
            e.message.starts_with("wrong type: found string"),
            "{}",
            e.message
        );
        assert_eq!(e.location.as_ref().map(|l| l.line), Some(6));
    }

    #[test]
    fn dates_and_cites_accept_both_spellings() {
        let t = parse_talk("title = \"t\"\nkind = \"meeting\"\nstatus = \"held\"\ndate = 2016-09-04\ncite = [17, \"afp:3\"]\n").unwrap();
        assert_eq!(t.date.unwrap().into_inner().0, "2016-09-04");
        assert_eq!(
            t.cite.get_ref()[0].get_ref(),
            &CiteValue {
                source: None,
                paragraph: 17
            }
        );
        assert_eq!(
            t.cite.get_ref()[1].get_ref(),
            &CiteValue {
                source: Some("afp".into()),
                paragraph: 3
            }
        );
        let e =
            parse_talk("title = \"t\"\nkind = \"meeting\"\nstatus = \"held\"\ncite = [\"x\"]\n")
                .unwrap_err();
        assert!(
            e.message.contains("\"x\" is not a citation"),
            "{}",
            e.message
        );
    }
}
