//! The shipped dossier: it builds, every actor, location and talk has its page, and every
//! citation and internal link in the output points at something that exists.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::support::{run_in, tree};

#[test]
fn the_shipped_dossier_builds_and_every_link_resolves() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out_dir = tempfile::tempdir().unwrap();
    let out_path = out_dir.path().join("public");
    let out = run_in(repo, &["build", "--output-dir", out_path.to_str().unwrap()]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(
        !out.stderr.contains("warning"),
        "the shipped dossier has warnings:\n{}",
        out.stderr
    );

    // Every content file of the three sections has its page.
    for section in ["actors", "locations", "talks"] {
        for entry in std::fs::read_dir(repo.join("content").join(section)).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            if let Some(slug) = name.strip_suffix(".md").filter(|s| *s != "_index") {
                let page = out_path.join(section).join(slug).join("index.html");
                assert!(page.is_file(), "no page for content/{section}/{name}");
            }
        }
    }

    // Every internal href resolves to a file, and every #anchor to an id in it.
    let files = tree(&out_path);
    let mut ids: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (path, bytes) in &files {
        if path.ends_with(".html") {
            let html = String::from_utf8_lossy(bytes);
            ids.insert(path.clone(), attr_values(&html, "id").into_iter().collect());
        }
    }
    let mut broken = Vec::new();
    let mut cites = 0;
    for (path, bytes) in &files {
        // 404.html is served at any missing address, so its links are rooted, not relative;
        // the publish tests follow them over HTTP.
        if !path.ends_with(".html") || path == "404.html" {
            continue;
        }
        let html = String::from_utf8_lossy(bytes);
        for href in attr_values(&html, "href") {
            if href.contains("://") || href.starts_with("mailto:") {
                continue;
            }
            let (target, anchor) = match href.split_once('#') {
                Some((t, a)) => (t.to_string(), Some(a.to_string())),
                None => (href.clone(), None),
            };
            let file = if target.is_empty() {
                path.clone()
            } else {
                // The shipped site uses relative links ending in a file name.
                assert!(
                    !target.starts_with('/') && !target.ends_with('/'),
                    "{path}: {href} is not relative"
                );
                let dir = path.rfind('/').map_or("", |i| &path[..i]);
                normalise(&format!("{dir}/{target}"))
            };
            if !files.contains_key(&file) {
                broken.push(format!("{path}: {href} (no {file})"));
                continue;
            }
            if let Some(anchor) = anchor {
                if file == "source/index.html" && anchor.starts_with('p') {
                    cites += 1;
                }
                if !ids.get(&file).is_some_and(|set| set.contains(&anchor)) {
                    broken.push(format!("{path}: {href} (no #{anchor} in {file})"));
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
    assert!(cites > 100, "only {cites} citation links in the whole site");
}

fn normalise(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

/// The values of every `name="…"` attribute (our output always double-quotes them).
fn attr_values(html: &str, name: &str) -> Vec<String> {
    let needle = format!(" {name}=\"");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(&needle) {
        rest = &rest[i + needle.len()..];
        if let Some(end) = rest.find('"') {
            out.push(rest[..end].replace("&amp;", "&"));
            rest = &rest[end..];
        }
    }
    out
}
