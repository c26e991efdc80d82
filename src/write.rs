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
const MARKER_TEXT: &str = "dossier build: complete\nThis folder is written by `dossier build`; it is replaced on every build.\n";
const MARKER_COMPLETE_FIRST_LINE: &str = "dossier build: complete";
const MARKER_INCOMPLETE: &str = "dossier build: INCOMPLETE\nA build was writing this folder and did not finish: some files are from the new build,\nsome from the previous one. Run `dossier build` again to complete it.\n";

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
        Diagnostic::error(format!(
            "cannot {what} {}: {}",
            path.display(),
            io_reason(&e)
        ))
        .with_help("check that the output dir is writable and the disk is not full")
    };
    for f in files {
        if !is_safe_relative(&f.path) {
            return Err(Diagnostic::error(format!(
                "refusing to write {:?}: it is not a plain path inside the output dir",
                f.path
            )));
        }
    }
    std::fs::create_dir_all(out).map_err(|e| fail("create", out, e))?;
    let marker = out.join(MARKER);

    // What changed. Unchanged files are not touched at all.
    let changed: Vec<&OutputFile> = files
        .par_iter()
        .filter(|f| std::fs::read(out.join(&f.path)).map_or(true, |old| old != f.bytes))
        .collect();
    let mut report = WriteReport {
        written: changed.len(),
        unchanged: files.len() - changed.len(),
        removed: 0,
    };

    // Folders the new files need; the ones that did not exist are removed again if the
    // write fails.
    let mut dirs: Vec<PathBuf> = changed
        .iter()
        .filter_map(|f| out.join(&f.path).parent().map(Path::to_path_buf))
        .collect();
    dirs.sort();
    dirs.dedup();
    let mut created = Vec::new();
    for d in &dirs {
        let mut missing = Vec::new();
        let mut p = d.as_path();
        while !p.exists() && p.starts_with(out) {
            missing.push(p.to_path_buf());
            match p.parent() {
                Some(parent) => p = parent,
                None => break,
            }
        }
        if let Err(e) = std::fs::create_dir_all(d) {
            undo(&[], &created);
            return Err(fail("create", d, e));
        }
        created.extend(missing);
    }

    // 1. Stage every changed file under a temporary name beside its final one. Nothing of the
    //    previous output has changed yet, so a failure here (a full disk) leaves it intact.
    let staged: Vec<Result<(PathBuf, PathBuf), Diagnostic>> = changed
        .par_iter()
        .map(|f| {
            let full = out.join(&f.path);
            let tmp = temp_name(&full);
            match std::fs::write(&tmp, &f.bytes) {
                Ok(()) => Ok((tmp, full)),
                Err(e) => {
                    let _ = std::fs::remove_file(&tmp);
                    Err(fail("write", &full, e))
                }
            }
        })
        .collect();
    if let Some(first_error) = staged.iter().find_map(|r| r.as_ref().err()) {
        let temps: Vec<PathBuf> = staged
            .iter()
            .filter_map(|r| r.as_ref().ok().map(|(t, _)| t.clone()))
            .collect();
        undo(&temps, &created);
        return Err(first_error
            .clone()
            .with_note(format!("{} was left as it was", out.display())));
    }
    let staged: Vec<(PathBuf, PathBuf)> = staged.into_iter().filter_map(Result::ok).collect();

    // 2. Switch. From here until the marker says "complete" again, the output is a mix of old
    //    and new files; the marker says so, and the next build completes it.
    write_atomically(&marker, MARKER_INCOMPLETE).map_err(|e| {
        let temps: Vec<PathBuf> = staged.iter().map(|(t, _)| t.clone()).collect();
        undo(&temps, &created);
        fail("write", &marker, e)
    })?;
    // A fault-injection point for the tests: the process dies after this many files are
    // switched, as a SIGKILL would leave it.
    let crash_after: Option<usize> = std::env::var("DOSSIER_TEST_CRASH_AFTER_RENAMES")
        .ok()
        .and_then(|v| v.parse().ok());
    for (i, (tmp, full)) in staged.iter().enumerate() {
        if crash_after == Some(i) {
            std::process::abort();
        }
        std::fs::rename(tmp, full).map_err(|e| fail("replace", full, e))?;
    }
    report.removed = remove_stale(out, files, &opts.preserve)?;
    write_atomically(&marker, MARKER_TEXT).map_err(|e| fail("write", &marker, e))?;
    Ok(report)
}

/// `dir/.name.dossier-tmp` for `dir/name`.
fn temp_name(full: &Path) -> PathBuf {
    full.with_file_name(format!(
        ".{}.dossier-tmp",
        full.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default()
    ))
}

/// Removes staged files and the folders created for them (deepest first, only if empty).
fn undo(temps: &[PathBuf], created: &[PathBuf]) {
    for t in temps {
        let _ = std::fs::remove_file(t);
    }
    let mut dirs = created.to_vec();
    dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
    for d in dirs {
        let _ = std::fs::remove_dir(d);
    }
}

fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let tmp = temp_name(path);
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}

/// Whether the last build into `out` was interrupted before it finished writing: its marker
/// is there but does not say the build completed.
pub fn interrupted(out: &Path) -> bool {
    match std::fs::read_to_string(out.join(MARKER)) {
        Ok(m) => !m.starts_with(MARKER_COMPLETE_FIRST_LINE),
        Err(e) => e.kind() != std::io::ErrorKind::NotFound,
    }
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
