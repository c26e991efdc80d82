//! The floor: what any static-site generator must do with the generated content, and nothing
//! more. Read every Markdown file, skip its front matter, run pulldown-cmark over the body with
//! the engine's options, write the HTML to `<page>/index.html`. No templates, no links, no
//! checks. Parallel over files like the engine (rayon), so the ratio to it compares work, not
//! cores.

use std::path::{Path, PathBuf};

use pulldown_cmark::{Options, Parser};
use rayon::prelude::*;

/// The Markdown options of a generated site (`smart_punctuation = true` in its site.toml),
/// the same as `dossier::markdown::options` gives it.
pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_SMART_PUNCTUATION
}

/// The body of a content file: what follows the closing `+++` line (the whole file if there is
/// no front matter).
pub fn body(src: &str) -> &str {
    let Some(rest) = src.strip_prefix("+++\n") else {
        return src;
    };
    if let Some(body) = rest.strip_prefix("+++\n") {
        return body;
    }
    match rest.find("\n+++\n") {
        Some(i) => &rest[i + 5..],
        None => "",
    }
}

/// The HTML of a content file's body.
pub fn render(src: &str) -> String {
    let body = body(src);
    let mut html = String::with_capacity(body.len() * 3 / 2);
    render_body_into(&mut html, body);
    html
}

/// Appends the HTML of a Markdown body to `html`.
pub fn render_body_into(html: &mut String, body: &str) {
    pulldown_cmark::html::push_html(html, Parser::new_ext(body, options()));
}

/// `actors/x.md` → `actors/x/index.html`; `actors/_index.md` → `actors/index.html`.
pub fn output_path(rel: &Path) -> PathBuf {
    let stem = rel.with_extension("");
    if stem.file_name().is_some_and(|n| n == "_index") {
        stem.with_file_name("index.html")
    } else {
        stem.join("index.html")
    }
}

fn markdown_files(dir: &Path, rel: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir.join(rel))? {
        let entry = entry?;
        let r = rel.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            markdown_files(dir, &r, out)?;
        } else if r.extension().is_some_and(|e| e == "md") {
            out.push(r);
        }
    }
    Ok(())
}

/// Renders every `.md` file under `content` into `out`; returns how many.
pub fn run(content: &Path, out: &Path) -> std::io::Result<usize> {
    let mut files = Vec::new();
    markdown_files(content, Path::new(""), &mut files)?;
    files.par_iter().try_for_each(|rel| {
        let src = std::fs::read_to_string(content.join(rel))?;
        let html = render(&src);
        let dest = out.join(output_path(rel));
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(dest, html)
    })?;
    Ok(files.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_and_paths() {
        assert_eq!(body("+++\ntitle = \"x\"\n+++\n\nHi\n"), "\nHi\n");
        assert_eq!(body("no front matter"), "no front matter");
        assert_eq!(
            output_path(Path::new("actors/x.md")),
            Path::new("actors/x/index.html")
        );
        assert_eq!(
            output_path(Path::new("actors/_index.md")),
            Path::new("actors/index.html")
        );
        assert_eq!(output_path(Path::new("_index.md")), Path::new("index.html"));
        assert!(render("+++\n+++\n# T\n").contains("<h1>T</h1>"));
    }
}
