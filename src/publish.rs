//! What search engines, feed readers and social networks read: the `<head>` tags of every
//! page (canonical URL, Open Graph, Twitter card, feed link, schema.org JSON-LD), and the
//! site-wide `sitemap.xml`, `robots.txt` and `atom.xml`.
//!
//! Pure: built from the model. Every value from content is escaped for where it goes: HTML
//! attributes, XML text, or JSON inside `<script>` (where `</script>` and `<!--` must not
//! appear, so `<`, `>` and `&` are written as `\u003c`…). Nothing reads the clock: the feed's
//! `updated` is the newest entry's date.

use serde_json::{Value as Json, json};

use crate::dates::DateSpec;
use crate::frontmatter::{ActorKind, LocationKind, TalkStatus};
use crate::markdown::escape;
use crate::model::{Page, PageKind, Site};

/// What a rendered URL is about, for its head tags.
pub enum Subject<'a> {
    Page(&'a Page),
    Section {
        title: &'a str,
        description: Option<&'a str>,
        path: &'a str,
        home: bool,
    },
}

/// The tags every page gets inside `<head>`.
pub fn head(site: &Site, subject: &Subject) -> String {
    let (title, description, path, og_type) = match subject {
        Subject::Page(p) => (
            p.doc.title.as_str(),
            p.doc.description.as_deref().or(p.doc.summary.as_deref()),
            p.doc.path.as_str(),
            "article",
        ),
        Subject::Section {
            title,
            description,
            path,
            home,
        } => (
            *title,
            *description,
            *path,
            if *home { "article" } else { "website" },
        ),
    };
    let description = description.unwrap_or(&site.config.description);
    let permalink = site.permalink(path);
    let mut h = String::new();
    let mut tag = |s: String| {
        h.push_str(&s);
        h.push('\n');
    };
    tag(format!(
        "<link rel=\"canonical\" href=\"{}\">",
        escape(&permalink)
    ));
    tag(format!(
        "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"{}\" href=\"{}\">",
        escape(&site.config.title),
        escape(&site.url("/atom.xml"))
    ));
    for (property, content) in [
        ("og:type", og_type),
        ("og:site_name", site.config.title.as_str()),
        ("og:title", title),
        ("og:description", description),
        ("og:url", permalink.as_str()),
        ("og:locale", &og_locale(&site.config.default_language)),
    ] {
        tag(format!(
            "<meta property=\"{property}\" content=\"{}\">",
            escape(content)
        ));
    }
    for (name, content) in [
        ("twitter:card", "summary"),
        ("twitter:title", title),
        ("twitter:description", description),
    ] {
        tag(format!(
            "<meta name=\"{name}\" content=\"{}\">",
            escape(content)
        ));
    }
    tag(format!(
        "<script type=\"application/ld+json\">{}</script>",
        script_json(&json_ld(site, subject, &permalink, title, description))
    ));
    h
}

fn og_locale(lang: &str) -> String {
    match lang {
        "en" => "en_GB".into(),
        "fr" => "fr_FR".into(),
        other => other.replace('-', "_"),
    }
}

/// JSON that is safe inside `<script>`: no `<`, `>`, `&` or line separators left raw.
pub fn script_json(v: &Json) -> String {
    let s = v.to_string();
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// A schema.org date: "2016-09-04", "2016-08" or "2016".
fn schema_date(d: &DateSpec) -> String {
    d.datetime.clone()
}

fn thing_ref(site: &Site, p: &Page) -> Json {
    json!({ "@type": schema_type(p), "name": p.doc.title, "url": site.permalink(&p.doc.path) })
}

fn schema_type(p: &Page) -> &'static str {
    match &p.kind {
        PageKind::Actor(a) => match a.kind {
            ActorKind::Person | ActorKind::Official => "Person",
            ActorKind::State => "Country",
            ActorKind::Government | ActorKind::Institution => "GovernmentOrganization",
            ActorKind::Media => "NewsMediaOrganization",
            ActorKind::ArmedForce
            | ActorKind::ArmedGroup
            | ActorKind::Militia
            | ActorKind::Party
            | ActorKind::Organisation => "Organization",
        },
        PageKind::Location(l) => match l.kind {
            LocationKind::Country => "Country",
            LocationKind::City => "City",
            LocationKind::River => "RiverBodyOfWater",
            LocationKind::Province | LocationKind::Region => "AdministrativeArea",
            _ => "Place",
        },
        PageKind::Talk(_) => "Event",
        PageKind::Source(_) => "NewsArticle",
        PageKind::Plain { .. } => "WebPage",
    }
}

fn json_ld(
    site: &Site,
    subject: &Subject,
    permalink: &str,
    title: &str,
    description: &str,
) -> Json {
    let lang = site.config.default_language.as_str();
    match subject {
        Subject::Section { home: true, .. } => {
            let mut v = json!({
                "@context": "https://schema.org",
                "@type": "NewsArticle",
                "headline": title,
                "description": description,
                "url": permalink,
                "inLanguage": lang,
            });
            if let Some(src) = site.default_source.map(|s| &site.pages[s]) {
                v["isBasedOn"] = source_json(site, src);
            }
            v
        }
        Subject::Section { .. } => json!({
            "@context": "https://schema.org",
            "@type": "CollectionPage",
            "name": title,
            "description": description,
            "url": permalink,
            "inLanguage": lang,
        }),
        Subject::Page(p) => {
            let mut v = match &p.kind {
                PageKind::Source(_) => source_json(site, p),
                _ => json!({ "@type": schema_type(p), "name": title, "url": permalink }),
            };
            v["@context"] = json!("https://schema.org");
            if !matches!(p.kind, PageKind::Source(_)) {
                v["description"] = json!(description);
            }
            match &p.kind {
                PageKind::Actor(a) if !a.aliases.is_empty() => {
                    v["alternateName"] = json!(a.aliases);
                }
                PageKind::Location(l) => {
                    if !l.aliases.is_empty() {
                        v["alternateName"] = json!(l.aliases);
                    }
                    if let Some(c) = l.coordinates {
                        v["geo"] = json!({ "@type": "GeoCoordinates", "latitude": c.lat, "longitude": c.lon });
                    }
                    if let Some(w) = l.within {
                        v["containedInPlace"] = thing_ref(site, &site.pages[w]);
                    }
                }
                PageKind::Talk(t) => {
                    if let Some(d) = &t.date {
                        v["startDate"] = json!(schema_date(d));
                    }
                    if let Some(l) = t.location {
                        let place = &site.pages[l];
                        let mut loc = thing_ref(site, place);
                        if let PageKind::Location(pl) = &place.kind
                            && let Some(c) = pl.coordinates
                        {
                            loc["geo"] = json!({ "@type": "GeoCoordinates", "latitude": c.lat, "longitude": c.lon });
                        }
                        v["location"] = loc;
                    }
                    if !t.participants.is_empty() {
                        v["attendee"] = Json::Array(
                            t.participants
                                .iter()
                                .map(|&a| thing_ref(site, &site.pages[a]))
                                .collect(),
                        );
                    }
                    match t.status {
                        TalkStatus::Planned => {
                            v["eventStatus"] = json!("https://schema.org/EventScheduled")
                        }
                        TalkStatus::Cancelled => {
                            v["eventStatus"] = json!("https://schema.org/EventCancelled")
                        }
                        TalkStatus::Held | TalkStatus::Reported => {}
                    }
                }
                _ => {}
            }
            v
        }
    }
}

fn source_json(site: &Site, p: &Page) -> Json {
    let PageKind::Source(s) = &p.kind else {
        return thing_ref(site, p);
    };
    let mut v = json!({
        "@type": "NewsArticle",
        "headline": s.title_original.as_deref().unwrap_or(&p.doc.title),
        "url": site.permalink(&p.doc.path),
        "inLanguage": s.language,
        "publisher": { "@type": "NewsMediaOrganization", "name": s.publisher },
    });
    if let Some(d) = &s.published {
        v["datePublished"] = json!(schema_date(d));
    }
    if let Some(url) = &s.url {
        v["sameAs"] = json!(url);
    }
    v
}

/// XML text or attribute value.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 forbids (C0 controls but tab, LF and CR; the noncharacters
            // U+FFFE and U+FFFF; surrogates cannot be a `char`) are dropped rather than
            // producing a feed no reader will parse.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            '\u{fffe}' | '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

/// The files written for the whole site besides its pages: the sitemap, robots.txt and the
/// feed, with their output paths.
pub fn site_files(site: &Site) -> [(&'static str, String); 3] {
    let [sitemap_xml, robots_txt, atom_xml] = SITE_FILES;
    [
        (sitemap_xml, sitemap(site)),
        (robots_txt, robots(site)),
        (atom_xml, atom(site)),
    ]
}

/// The paths of [`site_files`], in its order.
pub const SITE_FILES: [&str; 3] = ["sitemap.xml", "robots.txt", "atom.xml"];

/// Every page and section, in path order.
pub fn sitemap(site: &Site) -> String {
    let mut paths: Vec<&str> = site
        .sections
        .iter()
        .map(|s| s.doc.path.as_str())
        .chain(site.pages.iter().map(|p| p.doc.path.as_str()))
        .collect();
    if !site.sections.iter().any(|s| s.folder.is_empty()) {
        paths.push("/");
    }
    paths.sort_unstable();
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for p in paths {
        out.push_str(&format!(
            "  <url><loc>{}</loc></url>\n",
            xml(&site.permalink(p))
        ));
    }
    out.push_str("</urlset>\n");
    out
}

pub fn robots(site: &Site) -> String {
    format!(
        "User-agent: *\nAllow: /\nSitemap: {}\n",
        site.permalink("/sitemap.xml")
    )
}

/// An Atom feed of the dated pages (talks, sources, dated pages), newest first.
pub fn atom(site: &Site) -> String {
    let mut entries: Vec<(&DateSpec, &Page)> = site
        .pages
        .iter()
        .filter_map(|p| {
            let date = match &p.kind {
                PageKind::Talk(t) => t.date.as_ref(),
                PageKind::Source(s) => s.published.as_ref(),
                PageKind::Plain { date } => date.as_ref(),
                _ => None,
            };
            date.map(|d| (d, p))
        })
        .collect();
    entries.sort_by(|a, b| {
        (b.0.start, b.0.end, &a.1.doc.path).cmp(&(a.0.start, a.0.end, &b.1.doc.path))
    });
    let stamp = |d: &DateSpec| format!("{}T00:00:00Z", d.start.iso());
    let updated = entries
        .first()
        .map_or_else(|| "1970-01-01T00:00:00Z".to_string(), |(d, _)| stamp(d));
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\"",
    );
    out.push_str(&format!(
        " xml:lang=\"{}\">\n",
        xml(&site.config.default_language)
    ));
    out.push_str(&format!("  <title>{}</title>\n", xml(&site.config.title)));
    if !site.config.description.is_empty() {
        out.push_str(&format!(
            "  <subtitle>{}</subtitle>\n",
            xml(&site.config.description)
        ));
    }
    out.push_str(&format!(
        "  <link href=\"{}\" rel=\"self\" type=\"application/atom+xml\"/>\n",
        xml(&site.permalink("/atom.xml"))
    ));
    out.push_str(&format!(
        "  <link href=\"{}\"/>\n",
        xml(&site.config.base_url)
    ));
    out.push_str(&format!("  <id>{}</id>\n", xml(&site.config.base_url)));
    out.push_str(&format!("  <updated>{updated}</updated>\n"));
    out.push_str(&format!(
        "  <author><name>{}</name></author>\n",
        xml(&site.config.title)
    ));
    for (date, p) in entries {
        let link = site.permalink(&p.doc.path);
        out.push_str("  <entry>\n");
        out.push_str(&format!("    <title>{}</title>\n", xml(&p.doc.title)));
        out.push_str(&format!("    <link href=\"{}\"/>\n", xml(&link)));
        out.push_str(&format!("    <id>{}</id>\n", xml(&link)));
        out.push_str(&format!("    <updated>{}</updated>\n", stamp(date)));
        if let Some(s) = p.doc.summary.as_deref().or(p.doc.description.as_deref()) {
            out.push_str(&format!("    <summary>{}</summary>\n", xml(s)));
        }
        out.push_str("  </entry>\n");
    }
    out.push_str("</feed>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_json_cannot_close_the_script() {
        let v = json!({ "name": "</script><script>alert(1)</script> <!-- & \u{2028}" });
        let s = script_json(&v);
        assert!(
            !s.contains('<') && !s.contains('>') && !s.contains('&'),
            "{s}"
        );
        assert_eq!(serde_json::from_str::<Json>(&s).unwrap(), v);
    }

    #[test]
    fn xml_escapes_and_drops_forbidden_characters() {
        assert_eq!(xml("a<b>&\"'\u{1}c"), "a&lt;b&gt;&amp;&quot;&apos;c");
        assert_eq!(
            xml("X\u{fffe}\u{ffff}\u{fffd}\t\u{10000}"),
            "X\u{fffd}\t\u{10000}"
        );
        // Whatever goes in, the result is made of characters XML 1.0 allows.
        let every: String = (0..0x11000).filter_map(char::from_u32).collect();
        assert!(xml(&every).chars().all(|c| matches!(c,
            '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)));
    }
}
