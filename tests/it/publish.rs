//! Publishing: the built site works under a sub-path, from another host and from disk; it is
//! byte-for-byte reproducible; and search engines get a sitemap, robots.txt, a feed and
//! JSON-LD that hostile content cannot break out of.

use std::path::Path;

use crate::support::{Site, attr_values, crawl, published};

/// Serves `dir` over HTTP under the URL prefix `prefix` ("/aleppo/") until the returned guard
/// is dropped. Returns the base URL.
fn serve(
    dir: &Path,
    prefix: &'static str,
) -> (
    String,
    std::thread::JoinHandle<()>,
    std::sync::Arc<tiny_http::Server>,
) {
    let server = std::sync::Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
    let port = server.server_addr().to_ip().unwrap().port();
    let dir = dir.to_path_buf();
    let s = server.clone();
    let handle = std::thread::spawn(move || {
        for req in s.incoming_requests() {
            let path = req.url().split(['?', '#']).next().unwrap_or("").to_string();
            let found = path.strip_prefix(prefix).and_then(|rest| {
                let decoded = percent_encoding::percent_decode_str(rest)
                    .decode_utf8_lossy()
                    .into_owned();
                if decoded.split('/').any(|seg| seg == "..") {
                    return None;
                }
                let mut file = dir.join(&decoded);
                if file.is_dir() {
                    file = file.join("index.html");
                }
                std::fs::read(file).ok()
            });
            let _ = match found {
                Some(bytes) => req.respond(tiny_http::Response::from_data(bytes)),
                None => req.respond(tiny_http::Response::empty(404)),
            };
        }
    });
    (format!("http://127.0.0.1:{port}{prefix}"), handle, server)
}

fn http_fetch(u: &url::Url) -> Option<Vec<u8>> {
    let mut resp = ureq::get(u.as_str()).call().ok()?;
    resp.body_mut().read_to_vec().ok()
}

fn base_with(relative: bool) -> Site {
    let site = Site::base();
    let toml = site.read("site.toml").replace(
        "relative_links = false",
        &format!("relative_links = {relative}"),
    );
    site.write("site.toml", &toml);
    site
}

#[test]
fn a_sub_path_build_served_from_the_sub_path_has_no_broken_link() {
    for relative in [false, true] {
        let site = base_with(relative);
        let out = site.run(&["build", "--base-url", "https://example.org/aleppo/"]);
        assert_eq!(out.status, 0, "{}", out.stderr);
        let (base, _h, server) = serve(&site.root().join("public"), "/aleppo/");
        let start = url::Url::parse(&base).unwrap();
        let (pages, problems) = crawl(&start, &base, &http_fetch);
        server.unblock();
        assert!(problems.is_empty(), "relative={relative}: {problems:#?}");
        assert!(
            pages >= 9,
            "relative={relative}: only {pages} pages reached"
        );
    }
}

#[test]
fn relative_links_work_from_another_host_path_and_from_disk() {
    let site = base_with(true);
    let out = site.run(&["build", "--base-url", "https://example.org/aleppo/"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    let public = site.root().join("public");
    // Served somewhere else entirely.
    let (base, _h, server) = serve(&public, "/mirror/deep/");
    let (pages, problems) = crawl(&url::Url::parse(&base).unwrap(), &base, &http_fetch);
    server.unblock();
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(pages >= 9);
    // Opened from disk: file:// URLs, no server to turn a folder into its index.html.
    let root = url::Url::from_directory_path(std::fs::canonicalize(&public).unwrap()).unwrap();
    let start = root.join("index.html").unwrap();
    let disk = |u: &url::Url| std::fs::read(u.to_file_path().ok()?).ok();
    let (pages, problems) = crawl(&start, root.as_str(), &disk);
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(pages >= 9, "only {pages} pages reached from disk");
    // Absolute URLs that must stay absolute do.
    let home = site.read("public/index.html");
    assert!(
        home.contains(r#"<link rel="canonical" href="https://example.org/aleppo/">"#),
        "{home}"
    );
}

#[test]
fn two_builds_are_byte_identical_whatever_the_thread_count() {
    let site = Site::from_fixture("base");
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let run = |dir: &Path, threads: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_dossier"))
            .args(["build", "--output-dir", dir.join("out").to_str().unwrap()])
            .current_dir(site.root())
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        published(&dir.join("out"))
    };
    let one = run(a.path(), "1");
    let many = run(b.path(), "8");
    assert!(one.len() > 10);
    assert_eq!(one, many);
    // And the shipped dossier too.
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let c = tempfile::tempdir().unwrap();
    let d = tempfile::tempdir().unwrap();
    for (dir, threads) in [(c.path(), "1"), (d.path(), "3")] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_dossier"))
            .args(["build", "--output-dir", dir.join("out").to_str().unwrap()])
            .current_dir(repo)
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .unwrap();
        assert!(out.status.success());
    }
    assert_eq!(
        published(&c.path().join("out")),
        published(&d.path().join("out"))
    );
}

#[test]
fn sitemap_robots_and_feed() {
    let site = Site::base();
    assert_eq!(site.run(&["build"]).status, 0);
    let sitemap = site.read("public/sitemap.xml");
    for path in [
        "",
        "actors/",
        "actors/alice/",
        "actors/bob/",
        "locations/city/",
        "talks/meeting/",
        "source/",
    ] {
        assert!(
            sitemap.contains(&format!("<loc>https://example.org/sub/{path}</loc>")),
            "{path} missing:\n{sitemap}"
        );
    }
    assert!(!sitemap.contains("404"));
    assert_eq!(
        site.read("public/robots.txt"),
        "User-agent: *\nAllow: /\nSitemap: https://example.org/sub/sitemap.xml\n"
    );
    let feed = site.read("public/atom.xml");
    // The only dated page is the talk (late August 2016): its entry, and the feed's date.
    assert!(
        feed.contains("<updated>2016-08-21T00:00:00Z</updated>"),
        "{feed}"
    );
    assert!(feed.contains("<entry>\n    <title>The meeting</title>\n    <link href=\"https://example.org/sub/talks/meeting/\"/>"), "{feed}");
    assert_eq!(feed.matches("<entry>").count(), 1);
}

fn json_ld(html: &str) -> serde_json::Value {
    let start = html
        .find("<script type=\"application/ld+json\">")
        .expect("no JSON-LD")
        + 35;
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).unwrap()
}

#[test]
fn json_ld_types_and_properties_per_kind() {
    let site = Site::base();
    assert_eq!(site.run(&["build"]).status, 0);
    let home = json_ld(&site.read("public/index.html"));
    assert_eq!(home["@context"], "https://schema.org");
    assert_eq!(home["@type"], "NewsArticle");
    assert_eq!(home["url"], "https://example.org/sub/");
    assert_eq!(home["isBasedOn"]["publisher"]["name"], "Wire");
    let alice = json_ld(&site.read("public/actors/alice/index.html"));
    assert_eq!(alice["@type"], "Person");
    assert_eq!(alice["alternateName"], serde_json::json!(["Ally"]));
    let city = json_ld(&site.read("public/locations/city/index.html"));
    assert_eq!(city["@type"], "City");
    assert_eq!(
        city["geo"],
        serde_json::json!({"@type": "GeoCoordinates", "latitude": 36.2, "longitude": 37.15})
    );
    let talk = json_ld(&site.read("public/talks/meeting/index.html"));
    assert_eq!(talk["@type"], "Event");
    assert_eq!(talk["startDate"], "2016-08");
    assert_eq!(talk["location"]["name"], "The City");
    assert_eq!(talk["attendee"][1]["name"], "Bob");
    let section = json_ld(&site.read("public/actors/index.html"));
    assert_eq!(section["@type"], "CollectionPage");
}

#[test]
fn hostile_strings_stay_inside_json_ld_and_attributes() {
    let site = Site::base();
    let evil = r#"</script><script>alert(1)</script> <!-- "quoted" & 'single'"#;
    site.write(
        "content/actors/bob.md",
        &format!("+++\ntitle = '''{evil}'''\nkind = \"official\"\nsummary = '''{evil}'''\naliases = ['''{evil}''']\n+++\n"),
    );
    let out = site.run(&["build"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    let html = site.read("public/actors/bob/index.html");
    assert_eq!(html.matches("<script").count(), 1, "{html}");
    assert_eq!(html.matches("</script>").count(), 1);
    let v = json_ld(&html);
    assert_eq!(v["name"], evil);
    assert_eq!(v["description"], evil);
    for content in attr_values(&html, "content") {
        assert!(!content.contains('<'), "{content}");
    }
    // The feed and sitemap stay well-formed text.
    assert!(!site.read("public/sitemap.xml").contains("<script"));
}

#[test]
fn check_external_lists_links_to_other_sites_and_never_calls_unreachable_ones_fine() {
    let site = Site::base();
    let bob = site.read("content/actors/bob.md") + "\nSee [a dead port](http://127.0.0.1:9/x).\n";
    site.write("content/actors/bob.md", &bob);
    let out = site.run(&["check", "--external"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(
        out.stdout.starts_with("External links: 1\n  unchecked ("),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("http://127.0.0.1:9/x  (in actors/bob/index.html)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.ends_with("0 ok, 0 broken, 1 unchecked\n"),
        "{}",
        out.stdout
    );
    // Without --external nothing goes to the network and nothing is listed.
    assert_eq!(site.run(&["check"]).stdout, "");
}
