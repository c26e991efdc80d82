//! Writing: the only stage that creates or deletes files, and only inside the output dir.
//!
//! It refuses an output dir that is, contains or lies inside the site root's sources (the
//! site root itself, `content/`, `themes/`, `templates/`, `static/`), and a non-empty dir it
//! did not create (no `.dossier-output` marker) unless forced. Files whose bytes did not
//! change are not rewritten; changed files are staged under a temporary name (`build` stages
//! each as soon as it is made, through [`Staging`]) and renamed into place only once the
//! whole build has succeeded, so a reader never sees half a file and a failed build takes
//! back what it staged (into a dir the build creates, with no earlier output to keep
//! intact, files are written under their own names, and a failed build removes the dir); files from an earlier build that are no longer produced are
//! removed, except the ones site.toml's `preserve` lists (`CNAME`, `.git`, …).

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};

use crate::diagnostics::Diagnostic;
use crate::load::io_reason;
use crate::render::OutputFile;

pub const MARKER: &str = ".dossier-output";
const MARKER_TEXT: &str = "dossier build: complete\nThis folder is written by `dossier build`; it is replaced on every build.\n";
const MARKER_COMPLETE_FIRST_LINE: &str = "dossier build: complete";
const MARKER_STAGING_FIRST_LINE: &str = "dossier build: STAGING";
const MARKER_STAGING: &str = "dossier build: STAGING\nA build is writing its new files beside the previous ones, under temporary names\n(.*.dossier-tmp); the previous output is intact. If no build is running, it was stopped:\nthe next build removes those files.\n";
const MARKER_INCOMPLETE: &str = "dossier build: INCOMPLETE\nA build was writing this folder and did not finish: some files are from the new build,\nsome from the previous one. Run `dossier build` again to complete it.\n";
const MARKER_NEW: &str = "dossier build: INCOMPLETE\nA build is writing this folder, which it created, and did not finish yet: if no build is\nrunning, it was stopped and the folder holds only some of its files. Run `dossier build`\nagain to complete it.\n";

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

fn unsafe_path(path: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "refusing to write {path:?}: it is not a plain path inside the output dir"
    ))
}

fn fail(what: &str, path: &Path, e: std::io::Error) -> Diagnostic {
    Diagnostic::error(format!(
        "cannot {what} {}: {}",
        path.display(),
        io_reason(&e)
    ))
    .with_help("check that the output dir is writable and the disk is not full")
}

/// A write in progress. Each changed file is staged under a temporary name beside its final
/// one as soon as it is made (so `build` need not hold the whole output in memory), then
/// [`Staging::commit`] switches them all in. Dropped without a commit (the build failed),
/// it removes what it staged, the folders it created and its marker: the previous output is
/// as it was. [`abort_all`] does the same for a process about to exit.
pub struct Staging {
    shared: Arc<Shared>,
    finished: bool,
}

struct Shared {
    out: PathBuf,
    opts: WriteOptions,
    /// The marker before staging began, put back by an abort (`None`: there was none).
    marker_before: Option<Vec<u8>>,
    /// The output dir did not exist: an abort removes it again.
    made_out: bool,
    /// (temporary, final) paths, and in a new output dir the file's stamp as its write left
    /// it.
    staged: Mutex<Vec<(PathBuf, PathBuf, Option<Stamp>)>>,
    /// Folders created for staged files.
    created: Mutex<Vec<PathBuf>>,
    unchanged: AtomicUsize,
    /// The first failure; nothing more is staged after it.
    failure: Mutex<Option<Diagnostic>>,
    /// Undone: a file staged after this removes itself.
    aborted: AtomicBool,
    /// The thread of [`Staging::make_dirs_ahead`], joined before a commit or an abort.
    ahead: Mutex<Option<std::thread::JoinHandle<()>>>,
    /// The folders it made (or found), once it is done: a file staged in one needs no
    /// `mkdir` of its own.
    ready: std::sync::OnceLock<rustc_hash::FxHashSet<PathBuf>>,
}

/// The writes in progress, for [`abort_all`].
static ACTIVE: Mutex<Vec<Weak<Shared>>> = Mutex::new(Vec::new());

/// Undoes every write in progress: for a process about to exit (a page over its time limit)
/// without unwinding to the `Staging` that would.
pub fn abort_all() {
    let active = match ACTIVE.lock() {
        Ok(mut a) => std::mem::take(&mut *a),
        Err(_) => return,
    };
    for shared in active.iter().filter_map(Weak::upgrade) {
        shared.abort();
    }
}

impl Staging {
    /// Starts a write into `out`, which `check_output_dir` has accepted: creates it if need
    /// be, and marks it as being staged.
    pub fn new(out: &Path, opts: &WriteOptions) -> Result<Staging, Diagnostic> {
        let made_out = !out.exists();
        std::fs::create_dir_all(out).map_err(|e| fail("create", out, e))?;
        let marker = out.join(MARKER);
        let marker_before = std::fs::read(&marker).ok();
        // A marker that says an earlier build was interrupted while switching stays: the
        // output is mixed until this build completes it.
        let mixed = marker_before
            .as_ref()
            .is_some_and(|m| !m.starts_with(MARKER_COMPLETE_FIRST_LINE.as_bytes()));
        let staging = Staging {
            shared: Arc::new(Shared {
                out: out.to_path_buf(),
                opts: opts.clone(),
                marker_before,
                made_out,
                staged: Mutex::new(Vec::new()),
                created: Mutex::new(Vec::new()),
                unchanged: AtomicUsize::new(0),
                failure: Mutex::new(None),
                aborted: AtomicBool::new(false),
                ahead: Mutex::new(None),
                ready: std::sync::OnceLock::new(),
            }),
            finished: false,
        };
        if let Ok(mut active) = ACTIVE.lock() {
            active.retain(|w| w.strong_count() > 0);
            active.push(Arc::downgrade(&staging.shared));
        }
        if !mixed {
            // Dropped on failure: the dir made above goes again. A new dir has no previous
            // output to keep intact, so its files are written under their own names: it is
            // incomplete until the commit.
            let text = if made_out { MARKER_NEW } else { MARKER_STAGING };
            write_atomically(&marker, text).map_err(|e| fail("write", &marker, e))?;
        }
        Ok(staging)
    }

    /// In an output dir this build created, makes the folders of the files at `paths`
    /// (relative to the output dir), on a thread of its own, while the pages are still being
    /// made. Creating ten thousand folders is over a third of a cold build's system time;
    /// made ahead, by one thread, they are off the page threads' path and those threads no
    /// longer create entries in the same folders at once (BENCHMARKS.md, eighth pass). A
    /// folder it has not made yet when its file is staged is made then, as without it.
    /// Nothing is done in an output dir that existed (its folders mostly exist too).
    pub fn make_dirs_ahead(&self, paths: Vec<String>) {
        let shared = &self.shared;
        if !shared.made_out {
            return;
        }
        let work = Arc::clone(shared);
        let handle = std::thread::Builder::new()
            .name("dirs".into())
            .spawn(move || {
                let mut ready = rustc_hash::FxHashSet::default();
                let mut made = Vec::new();
                for path in paths {
                    if work.failed() {
                        break;
                    }
                    let Some(dir) = is_safe_relative(&path)
                        .then(|| work.out.join(&path))
                        .and_then(|full| full.parent().map(Path::to_path_buf))
                    else {
                        continue;
                    };
                    if ready.contains(&dir) {
                        continue;
                    }
                    // A failure is left to the file's own staging, which reports it.
                    if make_dir_in_new(&dir, &mut made).is_ok() {
                        ready.insert(dir);
                    }
                }
                if let Ok(mut created) = work.created.lock() {
                    created.extend(made);
                }
                let _ = work.ready.set(ready);
            });
        // No thread, no head start: each folder is made with its file.
        if let (Ok(handle), Ok(mut ahead)) = (handle, shared.ahead.lock()) {
            *ahead = Some(handle);
        }
    }

    /// Stages `f` unless the output already holds it byte for byte. Thread-safe; a failure
    /// is kept for [`Staging::commit`] to report.
    pub fn stage(&self, f: &OutputFile) {
        self.shared.stage(f);
    }

    /// Switches the staged files in and removes the files of earlier builds that are not in
    /// `produced` (every path of this build, staged or unchanged), then marks the output
    /// complete. A failure while staging is reported here, after undoing the staging.
    ///
    /// `tail` is called once the output is complete, for text to follow the marker's (what
    /// the next build compares with, `unchanged`).
    pub fn commit<'a>(
        mut self,
        produced: impl Iterator<Item = &'a str>,
        tail: impl FnOnce(&Committed) -> Option<String>,
    ) -> Result<WriteReport, Diagnostic> {
        self.finished = true;
        let shared = &self.shared;
        shared.join_ahead();
        if let Some(d) = shared.failure.lock().ok().and_then(|mut f| f.take()) {
            shared.abort();
            return Err(d.with_note(format!("{} was left as it was", shared.out.display())));
        }
        let marker = shared.out.join(MARKER);
        // From here until the marker says "complete" again, the output is a mix of old and
        // new files; the marker says so, and the next build completes it.
        if let Err(e) = write_atomically(&marker, MARKER_INCOMPLETE) {
            shared.abort();
            return Err(fail("write", &marker, e));
        }
        let mut staged = take(&shared.staged);
        // In a dir this build created, nothing is renamed: their order does not matter.
        if !shared.made_out {
            staged.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        }
        let mut report = WriteReport {
            written: staged.len(),
            unchanged: shared.unchanged.load(Ordering::Relaxed),
            removed: 0,
        };
        // A fault-injection point for the tests: the process dies after this many files are
        // switched, as a SIGKILL would leave it.
        let crash_after: Option<usize> = std::env::var("DOSSIER_TEST_CRASH_AFTER_RENAMES")
            .ok()
            .and_then(|v| v.parse().ok());
        for (i, (tmp, full, _)) in staged.iter().enumerate() {
            if crash_after == Some(i) {
                std::process::abort();
            }
            if tmp != full {
                std::fs::rename(tmp, full).map_err(|e| fail("replace", full, e))?;
            }
        }
        // A dir this build created holds nothing of an earlier build.
        if !shared.made_out {
            let keep: BTreeSet<PathBuf> = produced.map(PathBuf::from).collect();
            report.removed = remove_stale(&shared.out, &keep, &shared.opts.preserve)?;
        }
        let committed = Committed {
            written: staged
                .into_iter()
                .filter_map(|(_, full, stamp)| Some((full.into_os_string(), stamp?)))
                .collect(),
        };
        let text = match tail(&committed) {
            Some(tail) => format!("{MARKER_TEXT}{tail}"),
            None => MARKER_TEXT.to_string(),
        };
        write_atomically(&marker, &text).map_err(|e| fail("write", &marker, e))?;
        Ok(report)
    }
}

/// What a commit knows of the files it switched in, for its `tail`. The default knows
/// nothing: every file is looked up.
#[derive(Default)]
pub struct Committed {
    /// By full path, the stamp of each file written into an output dir this build made, as
    /// its write left it: nothing renames or writes such a file after, so it is what a
    /// `stat` after the commit reads.
    written: rustc_hash::FxHashMap<std::ffi::OsString, Stamp>,
}

impl Committed {
    /// The stamp of the file at `full` now, without a `stat` if the commit knows it.
    pub fn stamp(&self, full: &Path) -> Option<Stamp> {
        match self.written.get(full.as_os_str()) {
            Some(stamp) => Some(*stamp),
            None => Stamp::of(&std::fs::symlink_metadata(full).ok()?),
        }
    }
}

/// What a file's metadata says about it; any edit changes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Stamp {
    pub len: u64,
    pub modified_ns: u128,
    /// Unix: the inode and the change time, which a tool can set to nothing but now.
    pub ino: u64,
    pub changed_ns: i128,
}

impl Stamp {
    pub fn of(meta: &std::fs::Metadata) -> Option<Stamp> {
        let modified_ns = meta
            .modified()
            .ok()?
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?
            .as_nanos();
        #[cfg(unix)]
        let (ino, changed_ns) = {
            use std::os::unix::fs::MetadataExt;
            (
                meta.ino(),
                i128::from(meta.ctime()) * 1_000_000_000 + i128::from(meta.ctime_nsec()),
            )
        };
        #[cfg(not(unix))]
        let (ino, changed_ns) = (0, 0);
        Some(Stamp {
            len: meta.len(),
            modified_ns,
            ino,
            changed_ns,
        })
    }
}

/// Writes `bytes` to `path`, and with `stamp` returns the file's stamp as the write left it:
/// read from the open file, not looked up by its path (the record of a new output dir's ten
/// thousand files otherwise `stat`s each again after the commit).
fn write_file(path: &Path, bytes: &[u8], stamp: bool) -> std::io::Result<Option<Stamp>> {
    use std::io::Write;
    if !stamp {
        return std::fs::write(path, bytes).map(|()| None);
    }
    let mut file = std::fs::File::create(path)?;
    file.write_all(bytes)?;
    // A file whose metadata cannot be read now is looked up after the commit instead.
    Ok(file.metadata().ok().as_ref().and_then(Stamp::of))
}

/// What `m` holds, leaving it empty.
fn take<T: Default>(m: &Mutex<T>) -> T {
    m.lock()
        .map(|mut v| std::mem::take(&mut *v))
        .unwrap_or_default()
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.finished {
            self.shared.abort();
        }
    }
}

impl Shared {
    fn failed(&self) -> bool {
        self.aborted.load(Ordering::SeqCst) || self.failure.lock().map_or(true, |f| f.is_some())
    }

    /// Waits for the folders made ahead, if any are being made.
    fn join_ahead(&self) {
        let handle = self.ahead.lock().ok().and_then(|mut h| h.take());
        if let Some(handle) = handle {
            let _ = handle.join();
        }
    }

    fn record(&self, d: Diagnostic) {
        if let Ok(mut f) = self.failure.lock() {
            f.get_or_insert(d);
        }
    }

    fn stage(&self, f: &OutputFile) {
        if self.failed() {
            return;
        }
        if !is_safe_relative(&f.path) {
            return self.record(unsafe_path(&f.path));
        }
        let full = self.out.join(&f.path);
        if !self.made_out && std::fs::read(&full).is_ok_and(|old| old == f.bytes) {
            self.unchanged.fetch_add(1, Ordering::Relaxed);
            return;
        }
        if let Some(dir) = full.parent()
            && let Err(e) = self.make_dir(dir)
        {
            return self.record(fail("create", dir, e));
        }
        // In a dir this build created, nothing is there to keep intact until the switch.
        let tmp = if self.made_out {
            full.clone()
        } else {
            temp_name(&full)
        };
        let stamp = match write_file(&tmp, &f.bytes, self.made_out) {
            Ok(stamp) => stamp,
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                return self.record(fail("write", &full, e));
            }
        };
        match self.staged.lock() {
            // Checked under the lock that `abort` takes: staged after it, removed here.
            Ok(mut staged) if !self.aborted.load(Ordering::SeqCst) => {
                staged.push((tmp, full, stamp))
            }
            _ => {
                let _ = std::fs::remove_file(&tmp);
            }
        }
    }

    /// Creates `dir` and its missing parents inside the output dir, noting the ones it made.
    fn make_dir(&self, dir: &Path) -> std::io::Result<()> {
        // In a dir this build made, nothing undoes folders (the whole dir goes on failure):
        // each is made with one call, its parent first if missing, rather than looked up.
        if self.made_out {
            if self.ready.get().is_some_and(|ready| ready.contains(dir)) {
                return Ok(());
            }
            let mut made = Vec::new();
            let result = make_dir_in_new(dir, &mut made);
            if let Ok(mut created) = self.created.lock() {
                created.extend(made);
            }
            return result;
        }
        if dir.is_dir() {
            return Ok(());
        }
        let mut missing = Vec::new();
        let mut p = dir;
        while !p.exists() && p.starts_with(&self.out) {
            missing.push(p.to_path_buf());
            match p.parent() {
                Some(parent) => p = parent,
                None => break,
            }
        }
        std::fs::create_dir_all(dir)?;
        if let Ok(mut created) = self.created.lock() {
            created.extend(missing);
        }
        Ok(())
    }

    /// Undoes the staging: the staged files, the folders made for them, the marker.
    fn abort(&self) {
        let temps: Vec<PathBuf> = match self.staged.lock() {
            Ok(mut staged) => {
                self.aborted.store(true, Ordering::SeqCst);
                staged.drain(..).map(|(t, _, _)| t).collect()
            }
            Err(_) => return,
        };
        // It stops at its next folder (it checks `aborted`), and notes what it made.
        self.join_ahead();
        let mut created = take(&self.created);
        created.sort();
        created.dedup();
        undo(&temps, &created);
        let marker = self.out.join(MARKER);
        match &self.marker_before {
            Some(text) => {
                let _ = std::fs::write(&marker, text);
            }
            None => {
                let _ = std::fs::remove_file(&marker);
            }
        }
        if self.made_out {
            let _ = std::fs::remove_dir(&self.out);
        }
    }
}

/// Creates `dir` and its missing parents, noting in `made` each it made, trying `dir` first:
/// in a new output dir most folders are new, and their parent made just before. Another
/// thread making the same folder at the same time is no error.
fn make_dir_in_new(dir: &Path, made: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let exists = |e: &std::io::Error| e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir();
    match std::fs::create_dir(dir) {
        Ok(()) => {}
        Err(e) if exists(&e) => return Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            match dir.parent() {
                Some(parent) => make_dir_in_new(parent, made)?,
                None => return Err(e),
            }
            match std::fs::create_dir(dir) {
                Ok(()) => {}
                Err(e) if exists(&e) => return Ok(()),
                Err(e) => return Err(e),
            }
        }
        Err(e) => return Err(e),
    }
    made.push(dir.to_path_buf());
    Ok(())
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
        // A build stopped while staging left the previous output intact.
        Ok(m) => {
            !m.starts_with(MARKER_COMPLETE_FIRST_LINE) && !m.starts_with(MARKER_STAGING_FIRST_LINE)
        }
        Err(e) => e.kind() != std::io::ErrorKind::NotFound,
    }
}

/// Whether a marker's text says its build completed.
pub fn says_complete(marker: &str) -> bool {
    marker.starts_with(MARKER_COMPLETE_FIRST_LINE)
}

/// Whether `rel`, a path in the output dir, is not the build's own: the marker, or a path
/// that site.toml's `preserve` lists (or one inside it).
pub fn preserved(rel: &Path, preserve: &[String]) -> bool {
    rel == Path::new(MARKER)
        || preserve.iter().any(|p| {
            let p = Path::new(p.trim_matches('/'));
            rel == p || rel.starts_with(p)
        })
}

/// Removes files of earlier builds that this build did not produce, then empty folders.
fn remove_stale(
    out: &Path,
    keep: &BTreeSet<PathBuf>,
    preserve: &[String],
) -> Result<usize, Diagnostic> {
    let preserved = |rel: &Path| preserved(rel, preserve);
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

    fn file(path: &str) -> OutputFile {
        OutputFile {
            path: path.into(),
            bytes: path.as_bytes().to_vec(),
        }
    }

    #[test]
    fn folders_made_ahead_hold_the_files_and_go_with_a_failed_build() {
        let dir = tempfile::tempdir().unwrap();
        let paths = || {
            [
                "actors/a/index.html",
                "actors/b/index.html",
                "index.html",
                "../escape/index.html",
            ]
            .map(String::from)
            .to_vec()
        };

        // Committed: every file is in its folder, nothing was made outside.
        let out = dir.path().join("public");
        let staging = Staging::new(&out, &WriteOptions::default()).unwrap();
        staging.make_dirs_ahead(paths());
        staging.shared.join_ahead();
        for p in ["actors/a/index.html", "actors/b/index.html", "index.html"] {
            staging.stage(&file(p));
        }
        let report = staging.commit(std::iter::empty(), |_| None).unwrap();
        assert_eq!(report.written, 3);
        assert_eq!(
            std::fs::read_to_string(out.join("actors/b/index.html")).unwrap(),
            "actors/b/index.html"
        );
        assert!(!dir.path().join("escape").exists());

        // Dropped (the build failed), with or without a file staged: the new dir goes, with
        // the folders made ahead of their files.
        for staged in [false, true] {
            let out = dir.path().join(format!("failed-{staged}"));
            let staging = Staging::new(&out, &WriteOptions::default()).unwrap();
            staging.make_dirs_ahead(paths());
            // Done before the drop, or an abort could stop it before its first folder.
            staging.shared.join_ahead();
            assert!(out.join("actors/b").is_dir());
            if staged {
                staging.stage(&file("actors/a/index.html"));
            }
            drop(staging);
            assert!(!out.exists(), "staged: {staged}");
        }
        assert!(!dir.path().join("escape").exists());
    }

    #[test]
    fn no_folder_is_made_ahead_in_an_output_dir_that_existed() {
        let dir = tempfile::tempdir().unwrap();
        let staging = Staging::new(dir.path(), &WriteOptions::default()).unwrap();
        staging.make_dirs_ahead(vec!["actors/a/index.html".into()]);
        drop(staging);
        assert!(!dir.path().join("actors").exists());
        assert!(dir.path().exists());
    }
}
