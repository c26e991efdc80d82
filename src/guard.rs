//! Guards around the work done for one page: a panic becomes that page's error instead of
//! ending the build, and a page that takes pathologically long (a template looping for ever,
//! an input no parser was meant for) is reported by name instead of hanging the build.
//!
//! Rust cannot stop a running computation, so a page over its time limit ends the process:
//! the build has written nothing yet at that point (writing comes after rendering), so the
//! previous output is untouched. `serve` asks for a report instead, and keeps serving.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex, Once};
use std::time::{Duration, Instant};

use crate::diagnostics::Diagnostic;

thread_local! {
    static GUARDED: Cell<bool> = const { Cell::new(false) };
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

static HOOK: Once = Once::new();

/// Installs a panic hook that keeps quiet about panics inside [`page`] (they are reported
/// as diagnostics) and leaves every other panic to the default hook.
fn install_hook() {
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if GUARDED.with(Cell::get) {
                let message = match (
                    info.payload().downcast_ref::<&str>(),
                    info.payload().downcast_ref::<String>(),
                ) {
                    (Some(s), _) => (*s).to_string(),
                    (_, Some(s)) => s.clone(),
                    _ => "unknown panic".to_string(),
                };
                let at = info
                    .location()
                    .map(|l| format!(" at {}:{}", l.file(), l.line()))
                    .unwrap_or_default();
                LAST_PANIC.with(|p| *p.borrow_mut() = Some(format!("{message}{at}")));
            } else {
                default(info);
            }
        }));
    });
}

/// How long one page may take in one stage, by default.
pub const DEFAULT_LIMIT: Duration = Duration::from_secs(30);

/// What happens when a page goes over its limit.
static EXIT_ON_TIMEOUT: AtomicBool = AtomicBool::new(true);
static NEXT_ID: AtomicU64 = AtomicU64::new(0);
/// The pages being worked on: id → (file, what, since when).
type Running = BTreeMap<u64, (PathBuf, &'static str, Instant)>;
static RUNNING: LazyLock<Mutex<Running>> = LazyLock::new(|| Mutex::new(BTreeMap::new()));
static WATCHDOG: Once = Once::new();

/// `serve` keeps running when a page is over its limit: the page is reported, the last
/// good build stays online.
pub fn report_timeouts_only() {
    EXIT_ON_TIMEOUT.store(false, Ordering::SeqCst);
}

/// The environment variable that sets a page's time limit, in milliseconds.
pub const TIMEOUT_VAR: &str = "DOSSIER_PAGE_TIMEOUT_MS";

fn limit() -> Duration {
    std::env::var(TIMEOUT_VAR)
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(DEFAULT_LIMIT, Duration::from_millis)
}

fn start_watchdog() {
    WATCHDOG.call_once(|| {
        let limit = limit();
        std::thread::spawn(move || {
            let mut reported = std::collections::BTreeSet::new();
            loop {
                std::thread::sleep(Duration::from_millis(100).min(limit / 4).max(Duration::from_millis(5)));
                let late: Vec<(u64, PathBuf, &'static str)> = match RUNNING.lock() {
                    Ok(running) => running
                        .iter()
                        .filter(|(_, (_, _, t))| t.elapsed() > limit)
                        .map(|(id, (f, what, _))| (*id, f.clone(), *what))
                        .collect(),
                    Err(_) => continue,
                };
                for (id, file, what) in late {
                    if !reported.insert(id) {
                        continue;
                    }
                    let d = Diagnostic::error(format!(
                        "{what} of this page took more than {} s; stopped",
                        limit.as_secs_f64()
                    ))
                    .in_file(&file)
                    .with_help("look for a template loop or a pathological input in this file (a huge table, deep nesting)");
                    eprintln!("{}\n", d.render(false));
                    if EXIT_ON_TIMEOUT.load(Ordering::SeqCst) {
                        // What was staged into the output dir goes, as if the build had
                        // returned with this error.
                        crate::write::abort_all();
                        eprintln!("Build stopped; nothing was written.");
                        std::process::exit(1);
                    }
                }
            }
        });
    });
}

/// Runs `work` for the page of `file` under both guards. `what` names the work for
/// messages ("the Markdown", "the template").
pub fn page<T>(file: &Path, what: &'static str, work: impl FnOnce() -> T) -> Result<T, Diagnostic> {
    install_hook();
    start_watchdog();
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    if let Ok(mut running) = RUNNING.lock() {
        running.insert(id, (file.to_path_buf(), what, Instant::now()));
    }
    let was_guarded = GUARDED.with(|g| g.replace(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
    GUARDED.with(|g| g.set(was_guarded));
    if let Ok(mut running) = RUNNING.lock() {
        running.remove(&id);
    }
    result.map_err(|_| {
        let message = LAST_PANIC
            .with(|p| p.borrow_mut().take())
            .unwrap_or_else(|| "unknown panic".into());
        Diagnostic::error(format!(
            "internal error while rendering {what} of this page: {message}"
        ))
        .in_file(file)
        .with_help(
            "this is a bug in dossier, not in your file: please report it with this file attached",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_the_page_s_error() {
        let r: Result<(), Diagnostic> =
            page(Path::new("content/x.md"), "the Markdown", || panic!("boom"));
        let d = r.unwrap_err();
        assert!(
            d.message.starts_with(
                "internal error while rendering the Markdown of this page: boom at src/guard.rs:"
            ),
            "{}",
            d.message
        );
        assert_eq!(d.file.as_deref(), Some(Path::new("content/x.md")));
        // And work that does not panic goes through.
        assert_eq!(page(Path::new("a"), "x", || 41 + 1).unwrap(), 42);
    }
}
