//! Loading: the only stage that reads the disk. It finds site.toml, walks `content/`, the
//! theme and the site's `templates/` and `static/` with walkdir, and returns their text and
//! bytes as plain values for the pure stages after it.
//!
//! It decodes text (UTF-8 only; a byte-order mark is dropped and CRLF becomes LF so every
//! later offset is into the normalised text), skips hidden files, and refuses symlinks that
//! lead outside the site root. It does not parse anything.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::diagnostics::{Diagnostic, Location};

/// A text file of the site: its path relative to the site root, for messages, and its text.
#[derive(Debug, Clone)]
pub struct TextFile {
    /// Relative to the site root, e.g. `content/actors/john-kerry.md`.
    pub path: PathBuf,
    /// Relative to the folder it was found under, with `/` separators: `actors/john-kerry.md`.
    pub rel: String,
    pub text: String,
}

/// A file copied to the output as it is.
#[derive(Debug, Clone)]
pub struct StaticFile {
    /// Where it goes in the output, with `/` separators: `style.css`, `actors/kerry.jpg`.
    pub rel: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Default)]
pub struct Loaded {
    /// False when the theme's folder is missing; templates are then not worth rendering.
    pub theme_found: bool,
    pub content: Vec<TextFile>,
    /// Content files (relative to `content/`) that could not be read or decoded.
    pub unreadable: Vec<String>,
    pub templates: Vec<TextFile>,
    pub statics: Vec<StaticFile>,
}

/// Reads one text file of the site (site.toml).
pub fn read_text(root: &Path, rel: &Path) -> Result<String, Diagnostic> {
    let bytes = std::fs::read(root.join(rel)).map_err(|e| {
        let d = Diagnostic::error(format!("cannot read {}: {}", rel.display(), io_reason(&e)))
            .in_file(rel);
        if e.kind() == std::io::ErrorKind::NotFound {
            d.with_help("run dossier in the folder that holds site.toml, or pass --root DIR")
        } else {
            d
        }
    })?;
    decode(rel, bytes)
}

pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// UTF-8 text with the BOM dropped and CRLF normalised; invalid bytes are an error that
/// points at the first one.
pub fn decode(path: &Path, mut bytes: Vec<u8>) -> Result<String, Diagnostic> {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let prefix = String::from_utf8_lossy(&bytes[..valid]);
            let bad = bytes[valid];
            let rest_of_line: String = String::from_utf8_lossy(&bytes[valid..])
                .lines()
                .next()
                .unwrap_or("")
                .to_string();
            let shown = format!("{prefix}{rest_of_line}");
            let mut loc = Location::from_span(&shown, prefix.len()..prefix.len() + 1);
            loc.width = 1;
            let mut d =
                Diagnostic::error(format!("the file is not valid UTF-8 (byte 0x{bad:02X})"))
                    .in_file(path)
                    .with_help("save the file as UTF-8 in your editor");
            d.location = Some(loc);
            return Err(d);
        }
    };
    // memchr: SIMD, where `str::contains` reads a word at a time.
    Ok(if memchr::memchr(b'\r', text.as_bytes()).is_some() {
        text.replace("\r\n", "\n")
    } else {
        text
    })
}

/// Walks `root/dir` and returns every regular file under it (hidden ones skipped), sorted,
/// relative to `root/dir`. A missing folder is empty. Symlinks are followed only inside the
/// site root.
fn walk(root: &Path, canonical_root: &Path, dir: &str, diags: &mut Vec<Diagnostic>) -> Vec<String> {
    let base = root.join(dir);
    if !base.exists() {
        return Vec::new();
    }
    let mut files = Vec::new();
    let mut walker = walkdir::WalkDir::new(&base)
        .follow_links(true)
        // As `sort_by_file_name`, whose `file_name()` parses each path again at every
        // comparison (most of the walk's time in a 10,000-file folder).
        .sort_by(|a, b| name_bytes(a).cmp(name_bytes(b)))
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || name_bytes(e).first() != Some(&b'.'));
    while let Some(entry) = walker.next() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                let path = err
                    .path()
                    .and_then(|p| p.strip_prefix(root).ok())
                    .unwrap_or(Path::new(dir))
                    .to_path_buf();
                let message = if err.loop_ancestor().is_some() {
                    "a symbolic link loops back to a folder that contains it".to_string()
                } else {
                    format!(
                        "cannot read: {}",
                        err.io_error().map_or_else(|| err.to_string(), io_reason)
                    )
                };
                diags.push(Diagnostic::error(message).in_file(&path));
                continue;
            }
        };
        if entry.path_is_symlink() {
            let inside = std::fs::canonicalize(entry.path())
                .map(|target| target.starts_with(canonical_root))
                .unwrap_or(false);
            if !inside {
                let rel_to_root = entry.path().strip_prefix(root).unwrap_or(entry.path());
                diags.push(
                    Diagnostic::error("a symbolic link leads outside the site")
                        .in_file(rel_to_root)
                        .with_help("copy the file into the site instead of linking to it"),
                );
                // A link to a folder: nothing in it is read (its files' errors would quote
                // their lines).
                if entry.file_type().is_dir() {
                    walker.skip_current_dir();
                }
                continue;
            }
        }
        if !entry.file_type().is_file() {
            continue;
        }
        if let Some(rel) = rel_path(entry.path(), &base) {
            files.push(rel);
        }
    }
    files
}

/// The file name of a walked entry, as bytes: what `DirEntry::file_name` gives, without
/// parsing the path (walkdir makes each entry's path by joining its name to its folder's).
#[cfg(unix)]
fn name_bytes(e: &walkdir::DirEntry) -> &[u8] {
    use std::os::unix::ffi::OsStrExt;
    let path = e.path().as_os_str().as_bytes();
    match memchr::memrchr(b'/', path) {
        Some(i) if i + 1 < path.len() => &path[i + 1..],
        _ => e.file_name().as_bytes(),
    }
}

#[cfg(not(unix))]
fn name_bytes(e: &walkdir::DirEntry) -> &[u8] {
    e.file_name().as_encoded_bytes()
}

/// `path` relative to `base`, with `/` separators (`None` if it is not under it).
fn rel_path(path: &Path, base: &Path) -> Option<String> {
    // walkdir makes each path by joining names to `base`: on Unix the text after `base/`
    // is the answer when `slash_path` would keep it as it is, without parsing either path.
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let rest = path
            .as_os_str()
            .as_bytes()
            .strip_prefix(base.as_os_str().as_bytes())
            .and_then(|r| r.strip_prefix(b"/"))
            .and_then(|r| std::str::from_utf8(r).ok());
        if let Some(rest) = rest.filter(|r| is_plain_relative(r)) {
            return Some(rest.to_owned());
        }
    }
    path.strip_prefix(base).ok().map(slash_path)
}

/// A relative path with no empty, `.` or `..` component: its components joined with `/`
/// are itself.
#[cfg(unix)]
fn is_plain_relative(s: &str) -> bool {
    !s.is_empty() && s.split('/').all(|c| !c.is_empty() && c != "." && c != "..")
}

fn slash_path(p: &Path) -> String {
    p.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn read_texts(
    root: &Path,
    dir: &str,
    rels: Vec<String>,
    diags: &mut Vec<Diagnostic>,
) -> (Vec<TextFile>, Vec<String>) {
    let results: Vec<Result<TextFile, (String, Diagnostic)>> = rels
        .into_par_iter()
        .map(|rel| {
            let path = Path::new(dir).join(&rel);
            match read_text(root, &path) {
                Ok(text) => Ok(TextFile { path, rel, text }),
                Err(d) => Err((rel, d)),
            }
        })
        .collect();
    let mut files = Vec::new();
    let mut failed = Vec::new();
    for r in results {
        match r {
            Ok(f) => files.push(f),
            Err((rel, d)) => {
                diags.push(d);
                failed.push(rel);
            }
        }
    }
    (files, failed)
}

fn read_statics(
    root: &Path,
    dir: &str,
    rels: Vec<String>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<StaticFile> {
    let results: Vec<Result<StaticFile, Diagnostic>> = rels
        .into_par_iter()
        .map(|rel| {
            let path = Path::new(dir).join(&rel);
            std::fs::read(root.join(&path))
                .map(|bytes| StaticFile { rel, bytes })
                .map_err(|e| {
                    Diagnostic::error(format!("cannot read: {}", io_reason(&e))).in_file(&path)
                })
        })
        .collect();
    let mut files = Vec::new();
    for r in results {
        match r {
            Ok(f) => files.push(f),
            Err(d) => diags.push(d),
        }
    }
    files
}

/// Loads everything the build reads besides site.toml.
pub fn load(root: &Path, theme: &str, diags: &mut Vec<Diagnostic>) -> Loaded {
    let canonical_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let theme_dir = format!("themes/{theme}");
    let theme_found = root.join(&theme_dir).is_dir();
    if !theme_found {
        diags.push(
            Diagnostic::error(format!(
                "theme `{theme}` not found: there is no folder {theme_dir}/"
            ))
            .in_file(Path::new("site.toml"))
            .with_help("set `theme` in site.toml to a folder of themes/"),
        );
    }

    let content_rels = walk(root, &canonical_root, "content", diags);
    let (md, assets): (Vec<String>, Vec<String>) =
        content_rels.into_iter().partition(|r| r.ends_with(".md"));
    let (content, unreadable) = read_texts(root, "content", md, diags);

    let templates = read_templates(root, &canonical_root, &theme_dir, diags);

    let statics = merge_statics(root, &canonical_root, &theme_dir, assets, diags);
    Loaded {
        theme_found,
        content,
        unreadable,
        templates,
        statics,
    }
}

/// The templates alone, as [`load`] finds them (for a rebuild after a template changed).
pub fn load_templates(root: &Path, theme: &str, diags: &mut Vec<Diagnostic>) -> Vec<TextFile> {
    let canonical_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    read_templates(root, &canonical_root, &format!("themes/{theme}"), diags)
}

/// Theme templates first, then the site's own, which replace them by name.
fn read_templates(
    root: &Path,
    canonical_root: &Path,
    theme_dir: &str,
    diags: &mut Vec<Diagnostic>,
) -> Vec<TextFile> {
    let theme_templates_dir = format!("{theme_dir}/templates");
    let mut templates = Vec::new();
    for dir in [theme_templates_dir.as_str(), "templates"] {
        let rels = walk(root, canonical_root, dir, diags);
        for file in read_texts(root, dir, rels, diags).0 {
            templates.retain(|t: &TextFile| t.rel != file.rel);
            templates.push(file);
        }
    }
    templates.sort_by(|a, b| a.rel.cmp(&b.rel));
    templates
}

/// The static files alone, as [`load`] finds them (for a rebuild after a static file changed).
pub fn load_statics(root: &Path, theme: &str, diags: &mut Vec<Diagnostic>) -> Vec<StaticFile> {
    let canonical_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let assets = walk(root, &canonical_root, "content", diags)
        .into_iter()
        .filter(|r| !r.ends_with(".md"))
        .collect();
    merge_statics(
        root,
        &canonical_root,
        &format!("themes/{theme}"),
        assets,
        diags,
    )
}

/// Static files: the theme's, then the site's, then content assets; later ones win.
fn merge_statics(
    root: &Path,
    canonical_root: &Path,
    theme_dir: &str,
    assets: Vec<String>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<StaticFile> {
    let mut statics: Vec<StaticFile> = Vec::new();
    let theme_static = format!("{theme_dir}/static");
    for dir in [theme_static.as_str(), "static"] {
        let rels = walk(root, canonical_root, dir, diags);
        statics.extend(read_statics(root, dir, rels, diags));
    }
    statics.extend(read_statics(root, "content", assets, diags));
    // Keep the last of each path.
    let mut by_path = std::collections::BTreeMap::new();
    for s in statics {
        by_path.insert(s.rel.clone(), s);
    }
    by_path.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_drops_bom_and_crlf() {
        let text = decode(Path::new("a"), b"\xEF\xBB\xBF+++\r\ntitle = 1\r\n".to_vec()).unwrap();
        assert_eq!(text, "+++\ntitle = 1\n");
    }

    #[test]
    fn decode_points_at_the_first_bad_byte() {
        let d = decode(Path::new("a.md"), b"+++\ntitle = \"caf\xE9\"\n".to_vec()).unwrap_err();
        assert_eq!(d.message, "the file is not valid UTF-8 (byte 0xE9)");
        let loc = d.location.unwrap();
        assert_eq!((loc.line, loc.col), (2, 13));
    }

    #[test]
    fn files_are_walked_in_the_order_of_their_names_folder_by_folder() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        // `-` and `.` sort before `/`; a folder's files come before a later sibling's.
        for f in [
            "content/a/z.md",
            "content/a-b/y.md",
            "content/a.md",
            "content/B.md",
            "content/b/c/d.md",
            "content/é.md",
            "content/ab.md",
            "content/a/b/x.md",
        ] {
            let path = root.join(f);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, "x").unwrap();
        }
        let mut diags = Vec::new();
        let walked = walk(root, root, "content", &mut diags);
        assert!(diags.is_empty());
        // What walkdir's own `sort_by_file_name` gives, with paths made from components.
        let expected: Vec<String> = walkdir::WalkDir::new(root.join("content"))
            .sort_by_file_name()
            .into_iter()
            .map(Result::unwrap)
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                let rel = e.path().strip_prefix(root.join("content")).unwrap();
                rel.components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .collect();
        assert_eq!(walked, expected);
        assert_eq!(
            walked,
            [
                "B.md", "a/b/x.md", "a/z.md", "a-b/y.md", "a.md", "ab.md", "b/c/d.md", "é.md"
            ]
        );
    }

    #[test]
    fn a_path_is_written_with_slashes_between_its_components() {
        for (path, slashed) in [
            ("a/b.md", "a/b.md"),
            ("a.md", "a.md"),
            ("", ""),
            ("a//b.md", "a/b.md"),
            ("a/./b.md", "a/b.md"),
            ("./a.md", "./a.md"),
            ("a/../b.md", "a/../b.md"),
            ("a/b/", "a/b"),
        ] {
            assert_eq!(slash_path(Path::new(path)), slashed, "{path}");
            // Under a folder: what its components relative to the folder give.
            for base in ["site/content", "./content", "/abs/content"] {
                let under = format!("{base}/{path}");
                let by_components = Path::new(&under)
                    .strip_prefix(base)
                    .unwrap()
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                let rel = rel_path(Path::new(&under), Path::new(base));
                assert_eq!(rel, Some(by_components), "{under}");
            }
        }
        assert_eq!(
            rel_path(Path::new("site/content"), Path::new("site/content")).as_deref(),
            Some("")
        );
        assert_eq!(
            rel_path(Path::new("site/contents/a.md"), Path::new("site/content")),
            None
        );
        assert_eq!(
            rel_path(Path::new("other/a.md"), Path::new("site/content")),
            None
        );
    }
}
