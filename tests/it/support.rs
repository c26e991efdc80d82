//! Helpers shared by the integration tests: fixture sites copied to temp dirs, the real
//! binary run on them, and output trees read back.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Copies `from` into `to`, recursively, over what is there.
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(from).unwrap();
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

/// A temporary copy of a fixture site.
pub struct Site {
    pub dir: tempfile::TempDir,
}

impl Site {
    /// The base fixture.
    pub fn base() -> Site {
        Site::from_fixture("base")
    }

    pub fn from_fixture(name: &str) -> Site {
        let dir = tempfile::tempdir().unwrap();
        copy_tree(&fixtures().join(name), dir.path());
        Site { dir }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, rel: &str, text: &str) {
        let p = self.root().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    pub fn run(&self, args: &[&str]) -> Output {
        run_in(self.root(), args)
    }
}

pub struct Output {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the real binary in `dir`, without colour.
pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_dossier"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .output()
        .unwrap();
    Output {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Every file under `dir`, relative path → bytes.
pub fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let rel = entry
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.insert(rel, std::fs::read(entry.path()).unwrap());
        }
    }
    out
}

/// What a build published into `dir`: [`tree`] without the `.dossier-output` marker, which
/// records the files' times for the next build, so differs between two identical builds.
pub fn published(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = tree(dir);
    files.remove(".dossier-output");
    files
}

/// Values of every `name="…"` or `name='…'` attribute in `html`.
pub fn attr_values(html: &str, name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for quote in ['"', '\''] {
        let needle = format!(" {name}={quote}");
        let mut rest = html;
        while let Some(i) = rest.find(&needle) {
            rest = &rest[i + needle.len()..];
            if let Some(end) = rest.find(quote) {
                out.push(rest[..end].replace("&amp;", "&"));
                rest = &rest[end..];
            }
        }
    }
    out
}

/// Follows every link and asset reference from `start`, as a browser would, using `fetch` to
/// get a URL's body (`None` when it does not exist). Returns the problems found: missing
/// pages or assets and anchors with no matching id. Only URLs under `scope` are followed.
pub fn crawl(
    start: &url::Url,
    scope: &str,
    fetch: &dyn Fn(&url::Url) -> Option<Vec<u8>>,
) -> (usize, Vec<String>) {
    let mut seen = std::collections::BTreeSet::new();
    let mut queue = vec![start.clone()];
    let mut pages: BTreeMap<String, String> = BTreeMap::new();
    let mut anchors: Vec<(String, url::Url)> = Vec::new();
    let mut problems = Vec::new();
    while let Some(u) = queue.pop() {
        let mut bare = u.clone();
        bare.set_fragment(None);
        if !seen.insert(bare.to_string()) {
            continue;
        }
        let Some(body) = fetch(&bare) else {
            problems.push(format!("missing: {bare}"));
            continue;
        };
        if !bare.path().ends_with(".html") && !bare.path().ends_with('/') {
            continue;
        }
        let html = String::from_utf8_lossy(&body).into_owned();
        for attr in ["href", "src"] {
            for v in attr_values(&html, attr) {
                let Ok(target) = bare.join(&v) else {
                    problems.push(format!("unparsable link {v} in {bare}"));
                    continue;
                };
                if !target.as_str().starts_with(scope) {
                    continue;
                }
                if target.fragment().is_some() {
                    anchors.push((bare.to_string(), target.clone()));
                }
                queue.push(target);
            }
        }
        pages.insert(bare.to_string(), html);
    }
    for (from, target) in anchors {
        let mut bare = target.clone();
        bare.set_fragment(None);
        let id = target.fragment().unwrap_or_default().to_string();
        match pages.get(bare.as_str()) {
            Some(html) if attr_values(html, "id").contains(&id) => {}
            Some(_) => problems.push(format!("no #{id} in {bare} (linked from {from})")),
            None => {}
        }
    }
    problems.sort();
    problems.dedup();
    (pages.len(), problems)
}

/// `html` without the ` title="…"` and ` data-translation="…"` of its citation links (an
/// escaped attribute value holds no `"`).
pub fn without_tooltips(html: &str) -> String {
    const DATA_N: &str = " data-n=\"";
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find(DATA_N) {
        let value = at + DATA_N.len();
        let end_n = value + rest[value..].find('"').unwrap() + 1;
        out.push_str(&rest[..end_n]);
        rest = &rest[end_n..];
        for attr in [" title=\"", " data-translation=\""] {
            if let Some(value) = rest.strip_prefix(attr) {
                rest = &value[value.find('"').unwrap() + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Checks that every page of `with/public` is the page of `without/public` plus its citation
/// links' tooltips ([`without_tooltips`]), that `with` has tooltips and `without` none.
/// Returns the number of pages compared.
pub fn same_but_tooltips(with: &Path, without: &Path) -> usize {
    let plain = tree(&without.join("public"));
    let (mut pages, mut tips) = (0, 0);
    for (path, bytes) in tree(&with.join("public")) {
        if !path.ends_with(".html") {
            continue;
        }
        let html = std::str::from_utf8(&bytes).unwrap();
        let expected = without_tooltips(html);
        let got = std::str::from_utf8(&plain[&path]).unwrap();
        assert_eq!(got, expected, "{path}");
        assert_eq!(without_tooltips(got), got, "{path} has a tooltip");
        tips += usize::from(expected != html);
        pages += 1;
    }
    assert!(tips > 0, "no page has a tooltip");
    pages
}
