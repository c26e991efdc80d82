//! Broken sites: each case under tests/fixtures/invalid/<case>/ overlays the base fixture with
//! the files it holds (and deletes those listed in `_remove.txt`), then runs `dossier check`
//! (or the arguments in `_args.txt`). Its `expected.txt` pins the exact stderr, and every case
//! must exit with status 1 and print no panic. Each case is also built over the output of a
//! good build, which must come out byte-identical.
//!
//! To update after an intended change of wording: `DOSSIER_BLESS=1 cargo test`, then read
//! every changed expected.txt before committing.

use std::path::Path;

use crate::support::{Site, copy_tree, fixtures};

const META: [&str; 3] = ["expected.txt", "_remove.txt", "_args.txt"];

fn run_case(case: &Path) -> Result<(), String> {
    let site = Site::base();
    // A good build first: the broken site must leave it exactly as it is.
    let first = site.run(&["build"]);
    if first.status != 0 {
        return Err(format!("the base site does not build: {}", first.stderr));
    }
    let before = crate::support::tree(&site.root().join("public"));
    // Overlay, skipping the case's own metadata files.
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(case, tmp.path());
    for meta in META {
        let _ = std::fs::remove_file(tmp.path().join(meta));
    }
    copy_tree(tmp.path(), site.root());
    if let Ok(list) = std::fs::read_to_string(case.join("_remove.txt")) {
        for rel in list.lines().filter(|l| !l.trim().is_empty()) {
            std::fs::remove_file(site.root().join(rel.trim())).unwrap();
        }
    }
    let args = std::fs::read_to_string(case.join("_args.txt")).unwrap_or_else(|_| "check".into());
    let args: Vec<&str> = args.split_whitespace().collect();
    let out = site.run(&args);
    let expected_path = case.join("expected.txt");
    if std::env::var_os("DOSSIER_BLESS").is_some() {
        std::fs::write(&expected_path, &out.stderr).unwrap();
    }
    let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
    let mut problems = Vec::new();
    if out.status != 1 {
        problems.push(format!("exit status {} instead of 1", out.status));
    }
    if out.stderr.contains("panicked") {
        problems.push("it panicked".into());
    }
    if out.stderr != expected {
        problems.push(format!(
            "stderr differs.\n--- expected\n{expected}\n--- got\n{}",
            out.stderr
        ));
    }
    if !out.stdout.is_empty() {
        problems.push(format!("unexpected stdout: {}", out.stdout));
    }
    let build = site.run(&["build"]);
    if build.status != 1 || build.stderr.contains("panicked") {
        problems.push(format!(
            "build: exit status {}: {}",
            build.status, build.stderr
        ));
    }
    if crate::support::tree(&site.root().join("public")) != before {
        problems.push("the failed build changed the previous output".into());
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

#[test]
fn every_invalid_site_fails_with_its_pinned_message() {
    let dir = fixtures().join("invalid");
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cases.sort();
    assert!(cases.len() >= 40, "only {} invalid cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        if let Err(e) = run_case(case) {
            failures.push(format!(
                "== {}\n{e}",
                case.file_name().unwrap().to_string_lossy()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

#[test]
fn usage_errors_exit_with_2() {
    let site = Site::base();
    let out = site.run(&["build", "--no-such-flag"]);
    assert_eq!(out.status, 2, "{}", out.stderr);
    assert!(out.stderr.contains("--no-such-flag"));
    let out = site.run(&["frobnicate"]);
    assert_eq!(out.status, 2);
}
