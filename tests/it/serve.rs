//! `dossier serve` end to end: the real binary on an ephemeral port, a real SSE client, files
//! edited on disk, and raw HTTP requests for the safety checks.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::support::Site;

struct Server {
    child: Child,
    port: u16,
    /// What the server prints after "Serving …", line by line.
    lines: mpsc::Receiver<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(site: &Site) -> Server {
    let child = Command::new(env!("CARGO_BIN_EXE_dossier"))
        .args(["serve", "--port", "0"])
        .current_dir(site.root())
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // From here on the child is killed and reaped whatever happens.
    let (tx, rx) = mpsc::channel();
    let mut server = Server {
        child,
        port: 0,
        lines: rx,
    };
    let stdout = server.child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let line = server
            .lines
            .recv_timeout(deadline.saturating_duration_since(std::time::Instant::now()))
            .expect("serve did not start");
        if let Some(rest) = line.strip_prefix("Serving http://127.0.0.1:") {
            server.port = rest.trim_end_matches('/').parse().unwrap();
            return server;
        }
    }
}

/// A raw HTTP/1.1 request; returns (status, body's bytes).
fn raw_bytes(port: u16, path: &str, host: &str) -> (u16, Vec<u8>) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut resp = Vec::new();
    let _ = s.read_to_end(&mut resp);
    let status = std::str::from_utf8(resp.get(9..12).unwrap_or_default())
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = resp
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|at| resp[at + 4..].to_vec())
        .unwrap_or_default();
    (status, body)
}

/// A raw HTTP/1.1 request; returns (status, body).
fn raw(port: u16, path: &str, host: &str) -> (u16, String) {
    let (status, body) = raw_bytes(port, path, host);
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// A GET of `path`; returns (status, body's bytes).
fn get_bytes(port: u16, path: &str) -> (u16, Vec<u8>) {
    raw_bytes(port, path, &format!("127.0.0.1:{port}"))
}

fn get(port: u16, path: &str) -> (u16, String) {
    raw(port, path, &format!("127.0.0.1:{port}"))
}

/// Server-sent event names, as they arrive.
fn events(port: u16) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "GET /__dossier/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"
    )
    .unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(s).lines().map_while(Result::ok) {
            if let Some(name) = line.strip_prefix("event: ") {
                if tx.send(name.to_string()).is_err() {
                    break;
                }
            }
        }
    });
    // Let the subscription reach the server before anything changes.
    std::thread::sleep(Duration::from_millis(300));
    rx
}

fn next_event(rx: &mpsc::Receiver<String>) -> String {
    rx.recv_timeout(Duration::from_secs(20))
        .expect("no event from the server")
}

#[test]
fn edits_reload_errors_overlay_and_the_last_good_build_stays() {
    let site = Site::base();
    let server = start(&site);
    let port = server.port;
    let (status, home) = get(port, "/");
    assert_eq!(status, 200);
    assert!(
        home.contains("<script src=\"/__dossier/live.js\"></script></body>"),
        "{home}"
    );
    // The search index is built in the background and then served from memory too.
    let mut waited = 0;
    while get(port, "/pagefind/pagefind.js").0 != 200 {
        assert!(waited < 100, "no search index after 10 s");
        std::thread::sleep(Duration::from_millis(100));
        waited += 1;
    }
    let rx = events(port);

    // An edit: the page changes and open pages are told to reload.
    site.write(
        "content/actors/bob.md",
        "+++\ntitle = \"Bob\"\nkind = \"official\"\n+++\nBob was edited [¶1].\n",
    );
    assert_eq!(next_event(&rx), "reload");
    let (_, bob) = get(port, "/actors/bob/");
    assert!(bob.contains("Bob was edited"), "{bob}");

    // A broken edit: errors are pushed, the last good page stays, with an escaped overlay.
    site.write(
        "content/actors/bob.md",
        "+++\ntitle = \"Bob\"\nkind = \"official\"\n+++\nBob <b>broke</b> it [¶99].\n",
    );
    assert_eq!(next_event(&rx), "errors");
    let (status, bob) = get(port, "/actors/bob/");
    assert_eq!(status, 200);
    assert!(
        bob.contains("Bob was edited"),
        "the last good build is gone: {bob}"
    );
    assert!(bob.contains("id=\"dossier-errors\""), "{bob}");
    assert!(
        bob.contains("citation `[¶99]` cites paragraph 99, which does not exist"),
        "{bob}"
    );
    assert!(
        bob.contains("Bob &lt;b&gt;broke&lt;/b&gt; it"),
        "the overlay is not escaped: {bob}"
    );

    // Fixed: a reload, and the overlay is gone.
    site.write(
        "content/actors/bob.md",
        "+++\ntitle = \"Bob\"\nkind = \"official\"\n+++\nBob is fixed.\n",
    );
    assert_eq!(next_event(&rx), "reload");
    let (_, bob) = get(port, "/actors/bob/");
    assert!(
        bob.contains("Bob is fixed") && !bob.contains("dossier-errors"),
        "{bob}"
    );

    // Templates and static files are watched too.
    site.write("themes/t/static/style.css", "body { color: red; }\n");
    assert_eq!(next_event(&rx), "reload");
    assert_eq!(get(port, "/style.css").1, "body { color: red; }\n");

    // The build output on disk was never touched.
    assert!(!site.root().join("public").exists());
}

#[test]
fn refuses_other_hosts_and_paths_outside_the_site() {
    let site = Site::base();
    std::fs::write(site.root().join("secret.txt"), "TOP SECRET").unwrap();
    let server = start(&site);
    let port = server.port;
    assert_eq!(get(port, "/").0, 200);
    assert_eq!(raw(port, "/", &format!("localhost:{port}")).0, 200);
    // DNS rebinding: another name for our address is refused.
    assert_eq!(raw(port, "/", &format!("evil.example:{port}")).0, 403);
    assert_eq!(raw(port, "/", "127.0.0.1:1").0, 403);
    for path in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/actors/%2e%2e/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/..%5csecret.txt",
        "/site.toml",
    ] {
        let (status, body) = get(port, path);
        assert!(status == 400 || status == 404, "{path}: {status}");
        assert!(
            !body.contains("TOP SECRET") && !body.contains("base_url"),
            "{path} leaked: {body}"
        );
    }
    // No cross-origin reads.
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(s, "GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: https://evil.example\r\nConnection: close\r\n\r\n").unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    assert!(
        !resp
            .to_ascii_lowercase()
            .contains("access-control-allow-origin"),
        "{resp}"
    );
}

#[test]
fn a_taken_port_is_reported_with_a_free_one() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let site = Site::base();
    let out = site.run(&["serve", "--port", &port.to_string()]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert!(
        out.stderr.starts_with(&format!(
            "error: port {port} is already in use; try --port "
        )),
        "{}",
        out.stderr
    );
}

#[test]
fn after_an_edit_the_search_index_served_is_the_one_a_build_makes() {
    let site = Site::base();
    // Several parts, so that an edit keeps some and builds one again.
    site.write(
        "site.toml",
        &format!("search_shard_size = 3\n{}", site.read("site.toml")),
    );
    let server = start(&site);
    let port = server.port;
    // What `dossier build` makes of the site as it is, into a folder serve does not watch.
    let built = |dir: &str| {
        let out = site.run(&["build", "--output-dir", dir]);
        assert_eq!(out.status, 0, "{}", out.stderr);
        crate::support::tree(&site.root().join(dir).join("pagefind"))
    };
    // Waits until serve serves exactly `index` under /pagefind/.
    let served = |index: &std::collections::BTreeMap<String, Vec<u8>>| {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            let differs = index.iter().find(|(path, bytes)| {
                get_bytes(port, &format!("/pagefind/{path}")) != (200, bytes.to_vec())
            });
            let Some((path, _)) = differs else { return };
            assert!(
                std::time::Instant::now() < deadline,
                "pagefind/{path} is not the one a build makes"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    };
    let first = built("fresh-1");
    assert!(first.contains_key("dossier-shards.json"));
    assert!(
        first.keys().any(|k| k.starts_with("shard-3/")),
        "{:?}",
        first.keys()
    );
    served(&first);
    site.write(
        "content/actors/alice.md",
        &site
            .read("content/actors/alice.md")
            .replace("Alice talked", "Alice zanzibarised"),
    );
    let second = built("fresh-2");
    assert_ne!(second, first);
    served(&second);
    // The first index was built whole, the second kept every part but the edited page's.
    let next_update = || loop {
        let line = server
            .lines
            .recv_timeout(Duration::from_secs(20))
            .expect("no line saying the search index was updated");
        if line.starts_with("Search index updated in ") {
            return line;
        }
    };
    let updates = [next_update(), next_update()];
    let parts = first
        .keys()
        .filter(|k| k.ends_with("pagefind-entry.json"))
        .count();
    assert!(parts >= 3, "{:?}", first.keys());
    assert!(
        updates[0].ends_with(&format!(" ms ({parts} of {parts} parts built, 0 kept)")),
        "{updates:?}"
    );
    assert!(
        updates[1].ends_with(&format!(
            " ms (1 of {parts} parts built, {} kept)",
            parts - 1
        )),
        "{updates:?}"
    );
    // Files of the first index that the second does not have are not served any more.
    for gone in first.keys().filter(|k| !second.contains_key(*k)) {
        assert_eq!(
            get_bytes(port, &format!("/pagefind/{gone}")).0,
            404,
            "{gone}"
        );
    }
}
