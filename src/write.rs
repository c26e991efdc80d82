//! Writing: the only stage that creates or deletes files, and only inside the output dir.
//!
//! It refuses an output dir that is, contains or lies inside the site root's sources (the
//! site root itself, `content/`, `themes/`, `templates/`, `static/`), and a non-empty dir it
//! did not create (no `.dossier-output` marker) unless forced. Files whose bytes did not
//! change are not rewritten; changed files are written to a temporary name and renamed, so a
//! reader never sees half a file; files from an earlier build that are no longer produced are
//! removed, except the ones site.toml's `preserve` lists (`CNAME`, `.git`, …).

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;

use crate::diagnostics::Diagnostic;
use crate::load::io_reason;
use crate::render::OutputFile;

pub const MARKER: &str = ".dossier-output";
const MARKER_TEXT: &str =
    "This folder is written by `dossier build`; it is replaced on every build.\n";

#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    /// Write into a non-empty dir that has no marker.
    pub force: bool,
    /// Paths (relative to the output dir) that a rebuild leaves alone.
    pub preserve: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteReport {
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
}

/// The absolute form of `p`, resolving symlinks in the part that exists.
fn absolute(p: &Path) -> PathBuf {
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_else(|_| p.to_path_buf())
    };
    // Canonicalise the longest existing ancestor, then re-append the rest.
    let mut existing = abs.clone();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (existing.file_name(), existing.parent()) {
            (Some(name), Some(parent)) => {
                rest.push(name.to_os_string());
                existing = parent.to_path_buf();
            }
            _ => break,
        }
    }
    let mut out = std::fs::canonicalize(&existing).unwrap_or(existing);
    for part in rest.into_iter().rev() {
        if part == ".." {
            out.pop();
        } else if part != "." {
            out.push(part);
        }
    }
    out
}

/// Refuses output dirs that would overwrite or delete the site's own files.
pub fn check_output_dir(root: &Path, out: &Path, force: bool) -> Result<(), Diagnostic> {
    let root_abs = absolute(root);
    let out_abs = absolute(out);
    let shown = out.display();
    let refuse = |why: String| {
        Err(Diagnostic::error(format!("refusing to use {shown} as the output dir: {why}"))
            .with_help("choose a folder of its own, such as `public`, with output_dir in site.toml or --output-dir"))
    };
    if root_abs.starts_with(&out_abs) {
        return refuse(if root_abs == out_abs {
            "it is the site root".into()
        } else {
            "it contains the site root".into()
        });
    }
    for dir in ["content", "themes", "templates", "static"] {
        let d = root_abs.join(dir);
        if out_abs.starts_with(&d) {
            return refuse(format!("it is inside {dir}/"));
        }
    }
    if out_abs.exists() && !out_abs.is_dir() {
        return refuse("it is a file".into());
    }
    if !force && out_abs.is_dir() && !out_abs.join(MARKER).exists() {
        let non_empty = std::fs::read_dir(&out_abs)
            .map(|mut it| it.next().is_some())
            .unwrap_or(false);
        if non_empty {
            return Err(Diagnostic::error(format!(
                "refusing to write into {shown}: it is not empty and was not made by dossier (no {MARKER} file in it)"
            ))
            .with_help("empty it, choose another folder, or pass --force if everything in it may be replaced"));
        }
    }
    Ok(())
}

fn is_safe_relative(path: &str) -> bool {
    !path.is_empty()
        && Path::new(path)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

/// Writes `files` into `out`, which `check_output_dir` has accepted.
pub fn write(
    out: &Path,
    files: &[OutputFile],
    opts: &WriteOptions,
) -> Result<WriteReport, Diagnostic> {
    let fail = |what: &str, path: &Path, e: std::io::Error| {
        Diagnostic::error(format!("cannot {what} {}: {}", path.display(), io_reason(&e)))
            .with_help("check the output dir is writable and the disk is not full; the previous output was left as it was where it could be")
    };
    std::fs::create_dir_all(out).map_err(|e| fail("create", out, e))?;
    let marker = out.join(MARKER);
    if !marker.exists() {
        std::fs::write(&marker, MARKER_TEXT).map_err(|e| fail("write", &marker, e))?;
    }
    for f in files {
        if !is_safe_relative(&f.path) {
            return Err(Diagnostic::error(format!(
                "refusing to write {:?}: it is not a plain path inside the output dir",
                f.path
            )));
        }
    }
    let results: Vec<Result<bool, Diagnostic>> = files
        .par_iter()
        .map(|f| {
            let full = out.join(&f.path);
            if std::fs::read(&full).is_ok_and(|old| old == f.bytes) {
                return Ok(false);
            }
            if let Some(parent) = full.parent() {
                std::fs::create_dir_all(parent).map_err(|e| fail("create", parent, e))?;
            }
            let tmp = full.with_file_name(format!(
                ".{}.dossier-tmp",
                full.file_name()
                    .map(|n| n.to_string_lossy())
                    .unwrap_or_default()
            ));
            std::fs::write(&tmp, &f.bytes).map_err(|e| {
                let _ = std::fs::remove_file(&tmp);
                fail("write", &full, e)
            })?;
            std::fs::rename(&tmp, &full).map_err(|e| fail("replace", &full, e))?;
            Ok(true)
        })
        .collect();
    let mut report = WriteReport::default();
    for r in results {
        if r? {
            report.written += 1;
        } else {
            report.unchanged += 1;
        }
    }
    report.removed = remove_stale(out, files, &opts.preserve)?;
    Ok(report)
}

/// Removes files of earlier builds that this build did not produce, then empty folders.
fn remove_stale(
    out: &Path,
    files: &[OutputFile],
    preserve: &[String],
) -> Result<usize, Diagnostic> {
    let keep: BTreeSet<PathBuf> = files.iter().map(|f| PathBuf::from(&f.path)).collect();
    let preserved = |rel: &Path| {
        rel == Path::new(MARKER)
            || preserve.iter().any(|p| {
                let p = Path::new(p.trim_matches('/'));
                rel == p || rel.starts_with(p)
            })
    };
    let mut removed = 0;
    let mut dirs = Vec::new();
    let walker = walkdir::WalkDir::new(out)
        .follow_links(false)
        .min_depth(1)
        .into_iter()
        .filter_entry(|e| !preserved(e.path().strip_prefix(out).unwrap_or(e.path())));
    for entry in walker {
        let entry =
            entry.map_err(|e| Diagnostic::error(format!("cannot list the output dir: {e}")))?;
        let rel = entry
            .path()
            .strip_prefix(out)
            .unwrap_or(entry.path())
            .to_path_buf();
        if entry.file_type().is_dir() {
            dirs.push(entry.path().to_path_buf());
        } else if !keep.contains(&rel) {
            std::fs::remove_file(entry.path()).map_err(|e| {
                Diagnostic::error(format!(
                    "cannot remove {}: {}",
                    entry.path().display(),
                    io_reason(&e)
                ))
            })?;
            removed += 1;
        }
    }
    // Deepest first; a folder that still has files fails to go, which is what we want.
    dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
    for d in dirs {
        let _ = std::fs::remove_dir(&d);
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_must_stay_inside() {
        assert!(is_safe_relative("actors/x/index.html"));
        for bad in ["", "../x", "/etc/passwd", "a/../../b", "./a"] {
            assert!(!is_safe_relative(bad), "{bad}");
        }
    }
}
