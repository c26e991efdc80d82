//! `site.toml`: the site's settings, parsed strictly (unknown keys and wrong types are errors
//! with line and column) and resolved into a [`Config`] the rest of the build reads.
//!
//! Pure: takes the file's text, returns the value or diagnostics. Command-line overrides
//! (`--base-url`) are applied here so every later stage sees one resolved value.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::diagnostics::Diagnostic;
use crate::frontmatter::toml_error;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    title: String,
    #[serde(default)]
    description: String,
    base_url: toml::Spanned<String>,
    #[serde(default = "default_language")]
    default_language: String,
    #[serde(default = "default_theme")]
    theme: String,
    #[serde(default = "default_output_dir")]
    output_dir: String,
    #[serde(default)]
    default_source: Option<toml::Spanned<String>>,
    #[serde(default)]
    preserve: Vec<String>,
    #[serde(default = "yes")]
    relative_links: bool,
    #[serde(default = "yes")]
    search: bool,
    #[serde(default)]
    search_shard_size: Option<toml::Spanned<i64>>,
    #[serde(default)]
    markdown: MarkdownConfig,
    #[serde(default)]
    sides: Vec<Side>,
    #[serde(default)]
    extra: toml::Table,
}

fn default_language() -> String {
    "en".into()
}
fn default_theme() -> String {
    "dossier".into()
}
fn default_output_dir() -> String {
    "public".into()
}
fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MarkdownConfig {
    /// Straight quotes and dashes become typographic ones.
    #[serde(default = "yes")]
    pub smart_punctuation: bool,
    /// Raw HTML in Markdown passes through instead of being escaped.
    #[serde(default)]
    pub unsafe_html: bool,
    /// The first mention of an actor's or location's title or alias links to its page.
    #[serde(default = "yes")]
    pub auto_link: bool,
    /// Each citation link carries the cited paragraph in its `title` (and its translation in
    /// `data-translation`), which the default theme shows on hover. Off, a citation is only
    /// the numbered link (the default theme still quotes the paragraph in the page's sources).
    #[serde(default = "yes")]
    pub citation_tooltips: bool,
}

impl Default for MarkdownConfig {
    fn default() -> Self {
        MarkdownConfig {
            smart_punctuation: true,
            unsafe_html: false,
            auto_link: true,
            citation_tooltips: true,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Side {
    pub id: String,
    pub label: String,
    #[serde(default)]
    pub description: String,
}

/// The resolved settings.
#[derive(Debug, Clone, Serialize)]
pub struct Config {
    pub title: String,
    pub description: String,
    /// Always ends with `/`.
    pub base_url: String,
    /// The path part of `base_url`, always starting and ending with `/` ("/aleppo/").
    pub base_path: String,
    pub default_language: String,
    pub theme: String,
    pub output_dir: String,
    /// The source cited by `[¶N]` when a site has several; `None` means "the only one".
    pub default_source: Option<String>,
    pub preserve: Vec<String>,
    /// Internal links are written relative to each page, ending in `index.html`, so the
    /// output works under any host and path and from disk.
    pub relative_links: bool,
    /// Build a search index (Pagefind) into `pagefind/`.
    pub search: bool,
    /// At most this many records in one part of the search index, on average
    /// (`search::SHARD_SIZE`, `search::part_count`).
    pub search_shard_size: usize,
    pub markdown: MarkdownConfig,
    pub sides: Vec<Side>,
    pub extra: toml::Table,
}

/// Command-line values that override site.toml.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub base_url: Option<String>,
}

pub fn parse(
    file: &Path,
    src: &str,
    overrides: &Overrides,
    diags: &mut Vec<Diagnostic>,
) -> Option<Config> {
    let raw: RawConfig = match toml::from_str(src) {
        Ok(raw) => raw,
        Err(err) => {
            diags.push(toml_error(file, src, 0, &err, "site.toml"));
            return None;
        }
    };
    let mut ok = true;
    let base_url = match &overrides.base_url {
        Some(url) => normalise_base_url(url).map_err(|e| {
            Diagnostic::error(format!("--base-url {url:?} {e}"))
                .with_help("give an absolute URL such as https://example.org/aleppo/")
        }),
        None => normalise_base_url(raw.base_url.get_ref()).map_err(|e| {
            Diagnostic::error(format!("base_url {:?} {e}", raw.base_url.get_ref()))
                .at(file, src, raw.base_url.span())
                .with_help("give an absolute URL such as \"https://example.org/aleppo/\"")
        }),
    };
    let (base_url, base_path) = match base_url {
        Ok(pair) => pair,
        Err(d) => {
            diags.push(d);
            ok = false;
            (String::new(), "/".into())
        }
    };
    let search_shard_size = match &raw.search_shard_size {
        None => crate::search::SHARD_SIZE,
        Some(n) => match usize::try_from(*n.get_ref()) {
            Ok(size) if size >= 1 => size,
            _ => {
                diags.push(
                    Diagnostic::error(format!(
                        "search_shard_size {} must be at least 1",
                        n.get_ref()
                    ))
                    .at(file, src, n.span())
                    .with_help(format!(
                        "give how many records one part of the search index may hold, such as {} (the default)",
                        crate::search::SHARD_SIZE
                    )),
                );
                ok = false;
                0
            }
        },
    };
    let mut seen = std::collections::BTreeSet::new();
    for side in &raw.sides {
        if !crate::model::is_valid_slug(&side.id) {
            diags.push(
                Diagnostic::error(format!("side id `{}` is not a valid id", side.id))
                    .in_file(file)
                    .with_help("use lowercase letters, digits and hyphens, like \"united-states\""),
            );
            ok = false;
        }
        if !seen.insert(side.id.clone()) {
            diags.push(
                Diagnostic::error(format!("side `{}` is declared twice", side.id)).in_file(file),
            );
            ok = false;
        }
    }
    if !ok {
        return None;
    }
    Some(Config {
        title: raw.title,
        description: raw.description,
        base_url,
        base_path,
        default_language: raw.default_language,
        theme: raw.theme,
        output_dir: raw.output_dir,
        default_source: raw.default_source.map(|s| s.into_inner()),
        preserve: raw.preserve,
        relative_links: raw.relative_links,
        search: raw.search,
        search_shard_size,
        markdown: raw.markdown,
        sides: raw.sides,
        extra: raw.extra,
    })
}

/// Checks `url` is an absolute http(s) URL and returns it with a trailing slash, plus its path.
fn normalise_base_url(url: &str) -> Result<(String, String), String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("is not a valid URL ({e})"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("must start with http:// or https://".into());
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err("must not have a query or a fragment".into());
    }
    let mut s = parsed.to_string();
    if !s.ends_with('/') {
        s.push('/');
    }
    let mut path = parsed.path().to_string();
    if !path.ends_with('/') {
        path.push('/');
    }
    Ok((s, path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(src: &str) -> Config {
        let mut d = Vec::new();
        let c = parse(Path::new("site.toml"), src, &Overrides::default(), &mut d);
        assert!(d.is_empty(), "{d:?}");
        c.unwrap()
    }

    #[test]
    fn base_url_gets_a_trailing_slash_and_a_path() {
        let c = parse_ok("title = \"t\"\nbase_url = \"https://example.org/aleppo\"\n");
        assert_eq!(c.base_url, "https://example.org/aleppo/");
        assert_eq!(c.base_path, "/aleppo/");
        assert!(c.markdown.smart_punctuation && c.markdown.auto_link && !c.markdown.unsafe_html);
        assert!(c.markdown.citation_tooltips);
        let off =
            "title = \"t\"\nbase_url = \"https://e.org/\"\n[markdown]\ncitation_tooltips = false\n";
        assert!(!parse_ok(off).markdown.citation_tooltips);
    }

    #[test]
    fn unknown_key_is_an_error_with_position_and_suggestion() {
        let mut d = Vec::new();
        let src = "title = \"t\"\nbase_url = \"https://e.org/\"\nthem = \"x\"\n";
        assert!(parse(Path::new("site.toml"), src, &Overrides::default(), &mut d).is_none());
        assert_eq!(d.len(), 1);
        let loc = d[0].location.as_ref().unwrap();
        assert_eq!((loc.line, loc.col), (3, 1));
        assert_eq!(d[0].help.as_deref(), Some("did you mean `theme`?"));
    }

    #[test]
    fn search_shard_size_is_a_positive_count() {
        let base = "title = \"t\"\nbase_url = \"https://e.org/\"\n";
        assert_eq!(parse_ok(base).search_shard_size, crate::search::SHARD_SIZE);
        let c = parse_ok(&format!("{base}search_shard_size = 500\n"));
        assert_eq!(c.search_shard_size, 500);
        for bad in ["0", "-3"] {
            let mut d = Vec::new();
            let src = format!("{base}search_shard_size = {bad}\n");
            assert!(parse(Path::new("site.toml"), &src, &Overrides::default(), &mut d).is_none());
            assert_eq!(d.len(), 1, "{d:?}");
            assert_eq!(
                d[0].message,
                format!("search_shard_size {bad} must be at least 1")
            );
            let loc = d[0].location.as_ref().unwrap();
            assert_eq!((loc.line, loc.col), (3, 21));
        }
    }

    #[test]
    fn relative_base_url_is_rejected() {
        let mut d = Vec::new();
        let src = "title = \"t\"\nbase_url = \"/aleppo/\"\n";
        assert!(parse(Path::new("site.toml"), src, &Overrides::default(), &mut d).is_none());
        assert!(
            d[0].message
                .starts_with("base_url \"/aleppo/\" is not a valid URL")
        );
    }
}
