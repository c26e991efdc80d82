//! A build with nothing changed: told apart at the cost of loading the site, and then done.
//!
//! A successful build records in its output dir's marker (`.dossier-output`, after the line
//! that says it is complete) a digest of everything the build read ([`inputs_key`]: the
//! dossier binary, the options that change the output, site.toml and every file `load` read),
//! the pages it counted, its warnings, and the size and times of every file it left in the
//! output. The next build loads the site as always; when the digest is the same and the
//! output holds exactly those files, untouched, there is nothing to do: the build returns the
//! same counts and warnings and writes nothing.
//!
//! "Untouched" is checked with what a file's metadata cannot hide: its size, its modification
//! time, and on Unix its inode and change time (which no tool can set back), so a file edited
//! by hand, even with its old modification time restored, makes the next build a full one.
//! So does a file added or removed (other than the ones `preserve` lists), a build stopped
//! half-way (its marker does not say complete), and anything this module cannot read.

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::build::BuildOptions;
use crate::diagnostics::Diagnostic;
use crate::load::Loaded;
use crate::write;

/// The line in the marker after which the record follows.
const HEADER: &str =
    "The next build reads what follows to tell whether anything changed; do not edit it.";
/// Bumped when the record's shape or what the key covers changes.
const VERSION: u32 = 1;

/// What a successful build leaves for the next one to compare with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub version: u32,
    /// [`inputs_key`], in hex.
    pub key: String,
    /// Page counts by kind, for the summary line.
    pub counts: BTreeMap<String, usize>,
    pub warnings: Vec<Diagnostic>,
    /// Every file of the output, by path, with what its metadata says.
    pub files: BTreeMap<String, Stamp>,
}

use crate::write::Stamp;

/// A digest of everything a build's output depends on: this binary (its size and times, so
/// a rebuilt dossier counts as a change), the options that change the output, site.toml's
/// text and every file `load` read, with what it said about them. `None` when this binary
/// cannot be found, so nothing can be told unchanged.
pub fn inputs_key(
    opts: &BuildOptions,
    config_src: &str,
    loaded: &Loaded,
    load_diags: &[Diagnostic],
) -> Option<u64> {
    let exe = std::env::current_exe().ok()?;
    let exe_stamp = Stamp::of(&std::fs::metadata(&exe).ok()?)?;
    let mut h = DefaultHasher::new();
    (VERSION, env!("CARGO_PKG_VERSION"), &exe, exe_stamp.len).hash(&mut h);
    (exe_stamp.modified_ns, exe_stamp.ino, exe_stamp.changed_ns).hash(&mut h);
    (&opts.base_url, opts.drafts).hash(&mut h);
    // A page's time limit decides whether a slow page is an error.
    std::env::var_os(crate::guard::TIMEOUT_VAR).hash(&mut h);
    config_src.hash(&mut h);
    loaded.theme_found.hash(&mut h);
    // Each file's digest in parallel (the files are most of the bytes), then the digests in
    // order; the length of the list is hashed with it.
    fn each<T: Sync>(files: &[T], part: impl Fn(&T, &mut DefaultHasher) + Sync) -> Vec<u64> {
        files
            .par_iter()
            .map(|f| {
                let mut h = DefaultHasher::new();
                part(f, &mut h);
                h.finish()
            })
            .collect()
    }
    each(&loaded.content, |f, h| (&f.path, &f.rel, &f.text).hash(h)).hash(&mut h);
    loaded.unreadable.hash(&mut h);
    each(&loaded.templates, |f, h| (&f.path, &f.rel, &f.text).hash(h)).hash(&mut h);
    each(&loaded.statics, |f, h| (&f.rel, &f.bytes).hash(h)).hash(&mut h);
    load_diags.len().hash(&mut h);
    for d in load_diags {
        format!("{d:?}").hash(&mut h);
    }
    Some(h.finish())
}

fn hex(key: u64) -> String {
    format!("{key:016x}")
}

/// The record of the last build into `out`, if its marker says it completed and holds one
/// this build can read.
pub fn previous(out: &Path) -> Option<Record> {
    let marker = std::fs::read_to_string(out.join(write::MARKER)).ok()?;
    if !write::says_complete(&marker) {
        return None;
    }
    let (_, json) = marker.split_once(&format!("\n{HEADER}\n"))?;
    let record: Record = serde_json::from_str(json).ok()?;
    (record.version == VERSION).then_some(record)
}

/// Whether `out` holds exactly the files of `record`, each as it was when recorded. The
/// marker and the paths `preserve` lists are not the build's, so not looked at.
pub fn output_is(out: &Path, record: &Record, preserve: &[String]) -> bool {
    let mut seen = 0;
    let walker = walkdir::WalkDir::new(out)
        .follow_links(false)
        .min_depth(1)
        .into_iter()
        .filter_entry(|e| {
            !write::preserved(e.path().strip_prefix(out).unwrap_or(e.path()), preserve)
        });
    for entry in walker {
        let Ok(entry) = entry else { return false };
        if entry.file_type().is_dir() {
            continue;
        }
        let Some(rel) = entry.path().strip_prefix(out).ok().and_then(|r| r.to_str()) else {
            return false;
        };
        let rel = rel.replace(std::path::MAIN_SEPARATOR, "/");
        let stamp = entry.metadata().ok().and_then(|m| Stamp::of(&m));
        match (record.files.get(&rel), stamp) {
            (Some(want), Some(have)) if entry.file_type().is_file() && *want == have => seen += 1,
            _ => return false,
        }
    }
    seen == record.files.len()
}

/// The record of a build that has just written `paths` into `out`: their stamps as they are
/// now. `None` if one cannot be read (the next build is then a full one).
pub fn record<'a>(
    out: &Path,
    key: u64,
    counts: &BTreeMap<String, usize>,
    warnings: &[Diagnostic],
    paths: impl Iterator<Item = &'a str>,
    committed: &write::Committed,
) -> Option<Record> {
    // In parallel: up to one `stat` per file, 100,000 of them on a large site.
    let paths: Vec<&str> = paths.collect();
    let files = paths
        .par_iter()
        .map(|&path| Some((path.to_string(), committed.stamp(&out.join(path))?)))
        .collect::<Option<BTreeMap<String, Stamp>>>()?;
    Some(Record {
        version: VERSION,
        key: hex(key),
        counts: counts.clone(),
        warnings: warnings.to_vec(),
        files,
    })
}

/// The record as the marker's tail.
pub fn marker_tail(record: &Record) -> Option<String> {
    let json = serde_json::to_string(record).ok()?;
    Some(format!("\n{HEADER}\n{json}\n"))
}

/// The record of the last build, if it was built from inputs with digest `key` and the
/// output is as it left it.
pub fn unchanged(out: &Path, key: u64, preserve: &[String]) -> Option<Record> {
    let record = previous(out)?;
    (record.key == hex(key) && output_is(out, &record, preserve)).then_some(record)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{StaticFile, TextFile};

    /// The stamps a commit gives its tail, taken as each file was written into a new output
    /// dir or read after the switch in one that existed, are what a `stat` reads after the
    /// commit: else the next build would never find nothing changed.
    #[test]
    fn a_commit_knows_the_stamps_a_stat_reads_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let paths = ["index.html", "actors/a/index.html"];
        for round in ["new dir", "existing dir"] {
            let staging = write::Staging::new(&out, &write::WriteOptions::default()).unwrap();
            for p in paths {
                staging.stage(&crate::render::OutputFile {
                    path: p.into(),
                    bytes: format!("{p} in the {round}").into_bytes(),
                });
            }
            let mut told = Vec::new();
            staging
                .commit(paths.into_iter(), |committed| {
                    for p in paths {
                        told.push(committed.stamp(&out.join(p)));
                    }
                    None
                })
                .unwrap();
            let read: Vec<_> = paths
                .iter()
                .map(|p| Stamp::of(&std::fs::symlink_metadata(out.join(p)).unwrap()))
                .collect();
            assert!(told.iter().all(Option::is_some), "{round}");
            assert_eq!(told, read, "{round}");
        }
    }

    fn loaded() -> Loaded {
        Loaded {
            theme_found: true,
            content: vec![TextFile {
                path: "content/a.md".into(),
                rel: "a.md".into(),
                text: "+++\ntitle = \"A\"\n+++\nA.".into(),
            }],
            unreadable: Vec::new(),
            templates: vec![TextFile {
                path: "themes/t/templates/page.html".into(),
                rel: "page.html".into(),
                text: "{{ page.title }}".into(),
            }],
            statics: vec![StaticFile {
                rel: "style.css".into(),
                bytes: b"p {}".to_vec(),
            }],
        }
    }

    #[test]
    fn the_key_changes_with_every_input() {
        let opts = BuildOptions::default();
        let key = |opts: &BuildOptions, src: &str, l: &Loaded, d: &[Diagnostic]| {
            inputs_key(opts, src, l, d).expect("the test binary is found")
        };
        let base = key(&opts, "title = \"x\"", &loaded(), &[]);
        assert_eq!(base, key(&opts, "title = \"x\"", &loaded(), &[]));
        let mut changed = vec![
            key(&opts, "title = \"y\"", &loaded(), &[]),
            key(
                &opts,
                "title = \"x\"",
                &loaded(),
                &[Diagnostic::warning("w")],
            ),
        ];
        let with = |f: &dyn Fn(&mut Loaded)| {
            let mut l = loaded();
            f(&mut l);
            key(&opts, "title = \"x\"", &l, &[])
        };
        changed.push(with(&|l| l.theme_found = false));
        changed.push(with(&|l| l.content[0].text.push(' ')));
        changed.push(with(&|l| l.content[0].rel = "b.md".into()));
        changed.push(with(&|l| l.unreadable.push("c.md".into())));
        changed.push(with(&|l| l.templates[0].text.push(' ')));
        changed.push(with(&|l| l.statics[0].bytes.push(b' ')));
        changed.push(with(&|l| l.statics[0].rel = "s.css".into()));
        // A file added, even an empty one.
        changed.push(with(&|l| {
            l.content.push(TextFile {
                path: "content/b.md".into(),
                rel: "b.md".into(),
                text: String::new(),
            })
        }));
        for options in [
            BuildOptions {
                drafts: true,
                ..BuildOptions::default()
            },
            BuildOptions {
                base_url: Some("https://example.org/".into()),
                ..BuildOptions::default()
            },
        ] {
            changed.push(key(&options, "title = \"x\"", &loaded(), &[]));
        }
        for (i, k) in changed.iter().enumerate() {
            assert_ne!(*k, base, "change {i} left the key as it was");
        }
    }

    #[test]
    fn a_record_reads_back_from_the_marker_only_when_the_build_completed() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        std::fs::create_dir_all(out.join("a")).unwrap();
        std::fs::write(out.join("a/index.html"), "<p>a</p>").unwrap();
        std::fs::write(out.join("CNAME"), "example.org").unwrap();
        let counts = BTreeMap::from([("actor".to_string(), 1)]);
        let warnings = vec![Diagnostic::warning("w").with_help("h")];
        let paths = ["a/index.html"].into_iter();
        let record = record(out, 7, &counts, &warnings, paths, &Default::default()).unwrap();
        let tail = marker_tail(&record).unwrap();
        let marker = out.join(write::MARKER);
        std::fs::write(&marker, format!("dossier build: complete\nx\n{tail}")).unwrap();
        assert_eq!(previous(out).as_ref(), Some(&record));
        let preserve = vec!["CNAME".to_string()];
        assert!(unchanged(out, 7, &preserve).is_some());
        assert!(unchanged(out, 8, &preserve).is_none());
        // CNAME is not the build's, unless nothing says so.
        assert!(unchanged(out, 7, &[]).is_none());
        std::fs::write(&marker, format!("dossier build: INCOMPLETE\nx\n{tail}")).unwrap();
        assert_eq!(previous(out), None);
    }
}
