//! `dossier serve`: builds the site into memory, serves it over HTTP (axum), watches the
//! site's sources (notify, debounced) and rebuilds on every change, telling open pages to
//! reload through server-sent events.
//!
//! A failed rebuild keeps the last good build online; its errors go to the terminal and, as
//! an escaped overlay, to every open page, until the next good build. Nothing is ever read
//! from disk to answer a request: responses come from the in-memory build, so no path, `..`
//! or symlink can reach a file outside the site. Requests must carry a Host header naming
//! the address we serve on, so other web pages cannot read the site through DNS rebinding.
//! The reload script is injected here, into responses, never into `build` output.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use notify_debouncer_full::notify::{EventKind, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, new_debouncer};
use tokio::sync::broadcast;
use tokio_stream::StreamExt as _;
use tokio_stream::wrappers::BroadcastStream;

use crate::build::BuildOptions;
use crate::diagnostics::Diagnostic;
use crate::incremental::{Route, Session};

/// Everything `serve` needs, resolved from the command line.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub root: PathBuf,
    pub interface: IpAddr,
    /// `None`: 1111, or a free port if 1111 is taken. `Some(0)`: any free port.
    pub port: Option<u16>,
    pub open: bool,
    pub drafts: bool,
}

const EVENTS_PATH: &str = "/__dossier/events";
const SCRIPT_PATH: &str = "/__dossier/live.js";
const DEFAULT_PORT: u16 = 1111;

/// The live-reload client: reloads on a good build, shows the errors of a bad one. Errors
/// arrive as plain text and are shown with `textContent`, never parsed as HTML.
const LIVE_JS: &str = r#"(() => {
  const show = (text) => {
    let box = document.getElementById("dossier-errors");
    if (!box) {
      box = document.createElement("div");
      box.id = "dossier-errors";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;inset:auto 0 0 0;max-height:60vh;overflow:auto;z-index:2147483647;background:#fff4f4;color:#5c0000;border-top:4px solid #b00020;font:14px/1.4 ui-monospace,monospace;padding:1rem;white-space:pre-wrap";
      document.body.appendChild(box);
    }
    box.textContent = text;
  };
  const source = new EventSource("/__dossier/events");
  source.addEventListener("reload", () => location.reload());
  source.addEventListener("errors", (e) => show(JSON.parse(e.data)));
})();
"#;

#[derive(Clone, Debug)]
enum Change {
    Reload,
    Errors(String),
}

struct Shared {
    /// The latest search index to build: one at a time, and only the newest waiting one
    /// (on a big site an index takes longer than an edit).
    index_queue: (std::sync::Mutex<Option<IndexJob>>, std::sync::Condvar),
    /// The last good build: output path → bytes.
    files: RwLock<Arc<HashMap<String, Arc<[u8]>>>>,
    /// The errors of the latest build, if it failed, as plain text.
    errors: RwLock<Option<String>>,
    changes: broadcast::Sender<Change>,
    /// Host header values we answer to; `None` accepts any (serving on all interfaces).
    hosts: Option<Vec<String>>,
}

/// Runs the server until Ctrl-C. Returns an error message for startup failures.
pub fn serve(opts: ServeOptions) -> Result<(), Vec<Diagnostic>> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| vec![Diagnostic::error(format!("cannot start the server: {e}"))])?;
    runtime.block_on(run(opts))
}

async fn bind(opts: &ServeOptions) -> Result<tokio::net::TcpListener, Vec<Diagnostic>> {
    let try_bind = |port: u16| tokio::net::TcpListener::bind(SocketAddr::new(opts.interface, port));
    match opts.port {
        Some(port) => match try_bind(port).await {
            Ok(l) => Ok(l),
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
                let free = match try_bind(0).await.and_then(|l| l.local_addr()) {
                    Ok(addr) => format!("; try --port {}", addr.port()),
                    Err(_) => String::new(),
                };
                Err(vec![
                    Diagnostic::error(format!("port {port} is already in use{free}"))
                        .with_help("or leave out --port to let dossier pick a free one"),
                ])
            }
            Err(e) => Err(vec![Diagnostic::error(format!(
                "cannot listen on {}:{port}: {e}",
                opts.interface
            ))]),
        },
        None => match try_bind(DEFAULT_PORT).await {
            Ok(l) => Ok(l),
            Err(_) => try_bind(0).await.map_err(|e| {
                vec![Diagnostic::error(format!(
                    "cannot listen on {}: {e}",
                    opts.interface
                ))]
            }),
        },
    }
}

fn host_label(ip: IpAddr) -> String {
    match ip {
        IpAddr::V6(v6) => format!("[{v6}]"),
        IpAddr::V4(v4) => v4.to_string(),
    }
}

async fn run(opts: ServeOptions) -> Result<(), Vec<Diagnostic>> {
    // A runaway page is reported; the server keeps the last good build online.
    crate::guard::report_timeouts_only();
    let listener = bind(&opts).await?;
    let port = listener
        .local_addr()
        .map_err(|e| vec![Diagnostic::error(e.to_string())])?
        .port();
    let shown_host = if opts.interface.is_unspecified() {
        "127.0.0.1".to_string()
    } else {
        host_label(opts.interface)
    };
    let base_url = format!("http://{shown_host}:{port}/");
    let build_opts = BuildOptions {
        root: opts.root.clone(),
        base_url: Some(base_url.clone()),
        drafts: opts.drafts,
        defer_search: true,
        ..BuildOptions::default()
    };

    let (changes, _) = broadcast::channel(16);
    let hosts = (!opts.interface.is_unspecified()).then(|| {
        let mut h = vec![
            format!("localhost:{port}"),
            format!("127.0.0.1:{port}"),
            format!("[::1]:{port}"),
        ];
        h.push(format!("{}:{port}", host_label(opts.interface)));
        h
    });
    let session = Arc::new(std::sync::Mutex::new(Session::new(build_opts)));
    let shared = Arc::new(Shared {
        index_queue: Default::default(),
        files: RwLock::new(Arc::new(HashMap::new())),
        errors: RwLock::new(None),
        changes,
        hosts,
    });

    {
        let shared = shared.clone();
        std::thread::spawn(move || indexer(shared));
    }
    // The first build: errors are shown, and the server still starts so the editor can fix
    // them with the overlay in view.
    let started = Instant::now();
    {
        // Builds are synchronous (rayon inside, and the search index runs its own runtime).
        let (shared, session) = (shared.clone(), session.clone());
        let _ = tokio::task::spawn_blocking(move || {
            if let Ok(mut session) = session.lock()
                && rebuild(&shared, &mut session, None, started).is_some()
            {
                after_quiet(&shared, &mut session);
            }
        })
        .await;
    }

    let _watcher = watch(&opts.root, shared.clone(), session)?;
    let app = Router::new()
        .route(EVENTS_PATH, get(events))
        .route(SCRIPT_PATH, get(live_js))
        .fallback(get(page))
        .with_state(shared.clone());
    println!("Serving {base_url}");
    println!(
        "Watching content/, themes/, templates/, static/ and site.toml. Press Ctrl-C to stop."
    );
    if opts.open
        && let Err(e) = open::that_detached(&base_url)
    {
        eprintln!("warning: cannot open a browser: {e}");
    }
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| vec![Diagnostic::error(format!("the server stopped: {e}"))])
}

/// Rebuilds into memory (the whole site when `changed` is `None`, else what the changed
/// paths need) and publishes the result: new files on success, errors on failure.
fn rebuild(
    shared: &Arc<Shared>,
    session: &mut Session,
    changed: Option<&[PathBuf]>,
    started: Instant,
) -> Option<Route> {
    let result = match changed {
        None => session.full(),
        Some(paths) => session.update(paths),
    };
    match result {
        Ok(update) => {
            let changed = update.changed.len();
            let built = session.files();
            if let Ok(mut served) = shared.files.write() {
                if update.route == Route::Full {
                    let mut files = (*built).clone();
                    // The search index is rebuilt in the background; until then the
                    // previous one keeps answering.
                    let index_prefix = format!("{}/", crate::search::BUNDLE_DIR);
                    for (k, v) in served.iter().filter(|(k, _)| k.starts_with(&index_prefix)) {
                        files.entry(k.clone()).or_insert_with(|| v.clone());
                    }
                    *served = Arc::new(files);
                } else {
                    // Only what changed, in place unless a request holds the map.
                    let files = Arc::make_mut(&mut served);
                    for path in &update.changed {
                        match built.get(path) {
                            Some(bytes) => files.insert(path.clone(), bytes.clone()),
                            None => files.remove(path),
                        };
                    }
                }
            }
            drop(built);
            let had_errors = shared
                .errors
                .write()
                .map(|mut e| e.take().is_some())
                .unwrap_or(false);
            if changed > 0 || had_errors {
                let _ = shared.changes.send(Change::Reload);
            }
            let how = match &update.route {
                Route::Full => String::new(),
                Route::Pages(p) | Route::Model(p) => format!(
                    ", {} page{} re-rendered",
                    p.len(),
                    if p.len() == 1 { "" } else { "s" }
                ),
                Route::Templates(n) => format!(
                    ", {n} page{} re-rendered with the changed templates",
                    if *n == 1 { "" } else { "s" }
                ),
                Route::Statics => ", static files copied".into(),
                Route::Nothing => ", nothing to do".into(),
            };
            println!(
                "Built in {} ms ({changed} file{} changed{how})",
                started.elapsed().as_millis(),
                if changed == 1 { "" } else { "s" },
            );
            for w in &update.warnings {
                eprintln!("{}\n", w.render(false));
            }
            Some(update.route)
        }
        Err(diags) => {
            let mut stderr = anstream::stderr();
            let text: Vec<String> = diags.iter().map(|d| d.render(false)).collect();
            for d in &diags {
                use std::io::Write as _;
                let _ = writeln!(stderr, "{}\n", d.render(true));
            }
            let errors = diags.iter().filter(|d| d.is_error()).count();
            eprintln!(
                "Build failed with {errors} error{}; still serving the last good build.",
                if errors == 1 { "" } else { "s" }
            );
            let text = text.join("\n\n");
            if let Ok(mut e) = shared.errors.write() {
                *e = Some(text.clone());
            }
            let _ = shared.changes.send(Change::Errors(text));
            None
        }
    }
}

/// The work a rebuild leaves for when the editor pauses: the search records, made again if
/// the model route left them stale, and the index, built in the background. (Editorial
/// warnings come with full and model rebuilds: a body edit that takes the pages route can
/// change only whether an alias is used, and the next such rebuild says so.)
fn after_quiet(shared: &Shared, session: &mut Session) {
    if let (Some(records), Some((language, shard_size))) =
        (session.take_search_records(), session.search_settings())
    {
        let (queue, ready) = &shared.index_queue;
        if let Ok(mut job) = queue.lock() {
            *job = Some(IndexJob {
                records,
                language,
                shard_size,
            });
            ready.notify_one();
        }
    }
}

/// A search index to build.
struct IndexJob {
    records: Vec<crate::search::Record>,
    language: String,
    shard_size: usize,
}

/// Builds the queued search indexes, one at a time, for as long as the server runs.
fn indexer(shared: Arc<Shared>) {
    // The index of a big site takes seconds of CPU; the rebuilds an editor waits for come
    // first. On Linux, `setpriority` with `who = 0` sets the calling thread's nice value,
    // which the threads it starts inherit.
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority takes no pointers; a failure only leaves the priority as it was.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 19);
    }
    let (queue, ready) = &shared.index_queue;
    // The manifest of the last index this thread swapped in.
    let mut manifest = None;
    loop {
        let job = {
            let Ok(mut slot) = queue.lock() else { return };
            loop {
                if let Some(job) = slot.take() {
                    break job;
                }
                slot = match ready.wait(slot) {
                    Ok(s) => s,
                    Err(_) => return,
                };
            }
        };
        index_later(&shared, &job, &mut manifest);
    }
}

/// Builds a search index and swaps it in. `manifest` is that of the index served, if this
/// thread built it: the parts whose records did not change are kept from the files served,
/// and only the others built (after one page is edited, one part).
fn index_later(shared: &Shared, job: &IndexJob, manifest: &mut Option<Vec<u8>>) {
    let started = Instant::now();
    let served = shared.files.read().map(|files| Arc::clone(&files)).ok();
    let earlier = match (manifest.as_deref(), served.as_deref()) {
        (Some(manifest), Some(files)) => Some(crate::search::Earlier::Memory { manifest, files }),
        _ => None,
    };
    let never = std::sync::atomic::AtomicBool::new(false);
    let built = crate::search::index_unless(
        &job.records,
        &job.language,
        job.shard_size,
        earlier.as_ref(),
        &never,
    );
    // The map served when this index started goes before the new one is swapped in.
    drop(served);
    let index = match built {
        Ok(Some(built)) => {
            let parts = match (built.parts, built.kept) {
                (1, _) => String::new(),
                (n, kept) => format!(" ({} of {n} parts built, {kept} kept)", n - kept),
            };
            println!(
                "Search index updated in {} ms{parts}",
                started.elapsed().as_millis()
            );
            *manifest = Some(built.manifest.bytes);
            built.files
        }
        Ok(None) => return,
        Err(d) => {
            eprintln!("{}", d.render(false));
            return;
        }
    };
    // Jobs run in order, so this index is newer than the one served, even if the site has
    // changed again since (its own index is queued): swap it in.
    if let Ok(mut files) = shared.files.write() {
        let prefix = format!("{}/", crate::search::BUNDLE_DIR);
        let mut next: HashMap<String, Arc<[u8]>> = files
            .iter()
            .filter(|(k, _)| !k.starts_with(&prefix))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        next.extend(index.into_iter().map(|f| (f.path, Arc::from(f.bytes))));
        *files = Arc::new(next);
    }
}

/// Is this path one of the site's sources (not an editor's temp file)?
fn is_source_change(root: &Path, path: &Path) -> bool {
    let Ok(rel) = path.strip_prefix(root) else {
        return false;
    };
    let name = rel
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    if name.starts_with('.')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".tmp")
    {
        return false;
    }
    rel == Path::new("site.toml")
        || ["content", "themes", "templates", "static"]
            .iter()
            .any(|d| rel.starts_with(d))
}

/// How long the editor must pause before the deferred work of a rebuild starts.
const QUIET: Duration = Duration::from_millis(300);

/// A debounced watcher that survives as long as the value returned.
type Watcher = notify_debouncer_full::Debouncer<
    notify_debouncer_full::notify::RecommendedWatcher,
    notify_debouncer_full::RecommendedCache,
>;

fn watch(
    root: &Path,
    shared: Arc<Shared>,
    session: Arc<std::sync::Mutex<Session>>,
) -> Result<Watcher, Vec<Diagnostic>> {
    let root_abs = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let watch_root = root_abs.clone();
    let (tx, rx) = std::sync::mpsc::channel::<(Instant, Vec<PathBuf>)>();
    let mut debouncer = new_debouncer(
        Duration::from_millis(10),
        None,
        move |res: DebounceEventResult| {
            let Ok(events) = res else { return };
            // Reading a file (as every build does) is an access event: only real changes count.
            let mut changed: Vec<PathBuf> = events
                .iter()
                .filter(|e| !matches!(e.event.kind, EventKind::Access(_)))
                .flat_map(|e| e.event.paths.iter())
                .filter(|p| is_source_change(&watch_root, p))
                .cloned()
                .collect();
            changed.sort();
            changed.dedup();
            if !changed.is_empty() {
                let _ = tx.send((Instant::now(), changed));
            }
        },
    )
    .map_err(|e| {
        vec![Diagnostic::error(format!(
            "cannot watch the site for changes: {e}"
        ))]
    })?;
    // Watch the root non-recursively (site.toml, and folders created later) and each source
    // folder recursively; the output dir is never watched.
    let fail = |e: notify_debouncer_full::notify::Error| {
        vec![Diagnostic::error(format!(
            "cannot watch the site for changes: {e}"
        ))]
    };
    debouncer
        .watch(&root_abs, RecursiveMode::NonRecursive)
        .map_err(fail)?;
    for dir in ["content", "themes", "templates", "static"] {
        let d = root_abs.join(dir);
        if d.is_dir() {
            debouncer
                .watch(&d, RecursiveMode::Recursive)
                .map_err(fail)?;
        }
    }
    std::thread::spawn(move || {
        // Whether the last rebuild left work for a pause.
        let mut left = false;
        loop {
            let next = match left {
                true => rx.recv_timeout(QUIET),
                false => rx
                    .recv()
                    .map_err(|_| std::sync::mpsc::RecvTimeoutError::Disconnected),
            };
            let Ok(mut session) = session.lock() else {
                return;
            };
            match next {
                Ok((first, mut paths)) => {
                    // Changes that arrived while we were building are folded into one rebuild.
                    while let Ok((_, more)) = rx.try_recv() {
                        paths.extend(more);
                    }
                    paths.sort();
                    paths.dedup();
                    let route = rebuild(&shared, &mut session, Some(&paths), first);
                    left |= matches!(route, Some(Route::Full | Route::Pages(_)));
                }
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    after_quiet(&shared, &mut session);
                    left = false;
                }
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return,
            }
        }
    });
    Ok(debouncer)
}

fn host_allowed(shared: &Shared, headers: &HeaderMap) -> bool {
    let Some(allowed) = &shared.hosts else {
        return true;
    };
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|h| allowed.iter().any(|a| a.eq_ignore_ascii_case(h)))
}

fn forbidden() -> Response {
    (
        StatusCode::FORBIDDEN,
        "This server only answers requests addressed to it by its own host name.\n",
    )
        .into_response()
}

async fn events(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    if !host_allowed(&shared, &headers) {
        return forbidden();
    }
    let current = shared.errors.read().ok().and_then(|e| e.clone());
    let initial = tokio_stream::iter(current.map(Change::Errors));
    let stream = initial
        .chain(BroadcastStream::new(shared.changes.subscribe()).filter_map(|c| c.ok()))
        .map(|change| {
            Ok::<Event, std::convert::Infallible>(match change {
                Change::Reload => Event::default().event("reload").data("reload"),
                Change::Errors(text) => Event::default()
                    .event("errors")
                    .data(serde_json::Value::String(text).to_string()),
            })
        });
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}

async fn live_js(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    if !host_allowed(&shared, &headers) {
        return forbidden();
    }
    let mut r = Response::new(Body::from(LIVE_JS));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// Maps a request path to an output file. `None` for paths that cannot name one: `..`,
/// backslashes, NUL, or bad percent-encoding.
pub fn file_for(path: &str) -> Option<String> {
    let decoded = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .ok()?;
    if decoded.contains(['\\', '\0']) {
        return None;
    }
    let mut parts = Vec::new();
    for seg in decoded.split('/') {
        match seg {
            "" | "." => {}
            ".." => return None,
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    Some(if decoded.ends_with('/') || joined.is_empty() {
        if joined.is_empty() {
            "index.html".to_string()
        } else {
            format!("{joined}/index.html")
        }
    } else {
        joined
    })
}

async fn page(State(shared): State<Arc<Shared>>, headers: HeaderMap, uri: Uri) -> Response {
    if !host_allowed(&shared, &headers) {
        return forbidden();
    }
    let Some(file) = file_for(uri.path()) else {
        return (StatusCode::BAD_REQUEST, "Bad path.\n").into_response();
    };
    let files = shared.files.read().map(|f| f.clone()).unwrap_or_default();
    let (status, file, bytes) = match files.get(&file) {
        Some(b) => (StatusCode::OK, file, b.clone()),
        None => {
            // `/actors/kerry` → `/actors/kerry/`, as static hosts do.
            let index = format!("{file}/index.html");
            if files.contains_key(&index) {
                let mut r = StatusCode::MOVED_PERMANENTLY.into_response();
                if let Ok(v) = HeaderValue::from_str(&format!("{}/", uri.path())) {
                    r.headers_mut().insert(header::LOCATION, v);
                }
                return r;
            }
            match files.get("404.html") {
                Some(b) => (StatusCode::NOT_FOUND, "404.html".to_string(), b.clone()),
                None => return (StatusCode::NOT_FOUND, "Not found.\n").into_response(),
            }
        }
    };
    let mime = mime_guess::from_path(&file).first_or_octet_stream();
    let body = if file.ends_with(".html") {
        let errors = shared.errors.read().ok().and_then(|e| e.clone());
        Body::from(inject(&bytes, errors.as_deref()))
    } else {
        Body::from(bytes.to_vec())
    };
    let mut r = Response::new(body);
    *r.status_mut() = status;
    let content_type = if mime.type_() == "text" || file.ends_with(".js") || file.ends_with(".svg")
    {
        format!("{mime}; charset=utf-8")
    } else {
        mime.to_string()
    };
    if let Ok(v) = HeaderValue::from_str(&content_type) {
        r.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r.headers_mut().insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    r
}

/// Adds the reload script, and the errors overlay when the latest build failed, before
/// `</body>`.
fn inject(html: &[u8], errors: Option<&str>) -> Vec<u8> {
    let mut extra = String::new();
    if let Some(text) = errors {
        extra.push_str("<div id=\"dossier-errors\" role=\"alert\" style=\"position:fixed;inset:auto 0 0 0;max-height:60vh;overflow:auto;z-index:2147483647;background:#fff4f4;color:#5c0000;border-top:4px solid #b00020;font:14px/1.4 ui-monospace,monospace;padding:1rem;white-space:pre-wrap\">");
        crate::markdown::escape_into(&mut extra, text);
        extra.push_str("</div>");
    }
    extra.push_str(&format!("<script src=\"{SCRIPT_PATH}\"></script>"));
    let text = String::from_utf8_lossy(html);
    let at = text.rfind("</body>").unwrap_or(text.len());
    let mut out = String::with_capacity(text.len() + extra.len());
    out.push_str(&text[..at]);
    out.push_str(&extra);
    out.push_str(&text[at..]);
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_paths_map_to_output_files_and_never_climb() {
        let cases = [
            ("/", Some("index.html")),
            ("/actors/", Some("actors/index.html")),
            ("/actors/kerry", Some("actors/kerry")),
            ("/style.css", Some("style.css")),
            ("/a%20b/", Some("a b/index.html")),
            ("/../etc/passwd", None),
            ("/actors/../../x", None),
            ("/%2e%2e/x", None),
            ("/a%2f..%2f..%2fx", None),
            ("/a%5c..%5cx", None),
            ("/a%00", None),
            ("/%ff", None),
        ];
        for (path, want) in cases {
            assert_eq!(file_for(path).as_deref(), want, "{path}");
        }
    }

    #[test]
    fn injection_escapes_errors_and_lands_before_body_end() {
        let out = String::from_utf8(inject(
            b"<html><body><p>x</p></body></html>",
            Some("<script>alert(1)</script>"),
        ))
        .unwrap();
        assert!(out.contains("&lt;script&gt;alert(1)&lt;/script&gt;</div><script src=\"/__dossier/live.js\"></script></body>"), "{out}");
        assert_eq!(out.matches("<script").count(), 1);
    }

    #[test]
    fn only_source_folders_trigger_rebuilds() {
        let root = Path::new("/site");
        assert!(is_source_change(root, Path::new("/site/content/a.md")));
        assert!(is_source_change(root, Path::new("/site/site.toml")));
        assert!(is_source_change(
            root,
            Path::new("/site/themes/t/templates/x.html")
        ));
        assert!(!is_source_change(
            root,
            Path::new("/site/public/index.html")
        ));
        assert!(!is_source_change(
            root,
            Path::new("/site/content/.a.md.swp")
        ));
        assert!(!is_source_change(root, Path::new("/site/content/a.md~")));
        assert!(!is_source_change(
            root,
            Path::new("/elsewhere/content/a.md")
        ));
    }
}
