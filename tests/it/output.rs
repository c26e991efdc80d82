//! The output dir: written only when the build succeeds, never half-replaced, unchanged
//! files untouched, stale files removed, and never a dir the site itself lives in.

use crate::support::{Site, tree};

#[test]
fn a_failed_build_leaves_the_previous_output_byte_identical() {
    let site = Site::base();
    assert_eq!(site.run(&["build"]).status, 0);
    let before = tree(&site.root().join("public"));
    assert!(before.len() > 5);
    // A change that would alter pages, plus an error elsewhere.
    site.write(
        "content/actors/alice.md",
        &site
            .read("content/actors/alice.md")
            .replace("Alice talked", "Alice argued"),
    );
    site.write(
        "content/actors/bob.md",
        "+++\ntitle = \"Bob\"\nkind = \"official\"\n+++\nBob [¶99].\n",
    );
    let out = site.run(&["build"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert!(
        out.stderr
            .ends_with("Build failed with 1 error; nothing was written.\n"),
        "{}",
        out.stderr
    );
    assert_eq!(tree(&site.root().join("public")), before);
}

#[test]
fn unchanged_files_are_not_rewritten() {
    let site = Site::base();
    assert_eq!(site.run(&["build"]).status, 0);
    let page = site.root().join("public/actors/bob/index.html");
    let mtime = std::fs::metadata(&page).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let out = site.run(&["build"]);
    assert_eq!(out.status, 0);
    // Every file but the marker is one the build produced again, identically.
    let produced = tree(&site.root().join("public")).len() - 1;
    assert!(
        out.stderr
            .contains(&format!("(0 written, {produced} unchanged, 0 removed)")),
        "{}",
        out.stderr
    );
    assert_eq!(std::fs::metadata(&page).unwrap().modified().unwrap(), mtime);
}

#[test]
fn stale_files_go_and_preserved_files_stay() {
    let site = Site::base();
    site.write(
        "site.toml",
        &(site.read("site.toml").replace(
            "theme = \"t\"",
            "theme = \"t\"\npreserve = [\"CNAME\", \".git\"]",
        )),
    );
    assert_eq!(site.run(&["build"]).status, 0);
    site.write("public/CNAME", "example.org\n");
    site.write("public/.git/HEAD", "ref\n");
    site.write("public/old/index.html", "old");
    let out = site.run(&["build"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(!site.root().join("public/old").exists());
    assert_eq!(site.read("public/CNAME"), "example.org\n");
    assert_eq!(site.read("public/.git/HEAD"), "ref\n");
}

#[test]
fn refuses_output_dirs_that_hold_the_site() {
    let site = Site::base();
    for (dir, why) in [
        (".", "it is the site root"),
        ("..", "it contains the site root"),
        ("content", "it is inside content/"),
        ("content/x", "it is inside content/"),
        ("themes", "it is inside themes/"),
    ] {
        let out = site.run(&["build", "--output-dir", dir]);
        assert_eq!(out.status, 1, "{dir}: {}", out.stderr);
        assert!(
            out.stderr
                .contains(&format!("refusing to use {dir} as the output dir: {why}")),
            "{dir}: {}",
            out.stderr
        );
    }
    // Nothing was touched.
    assert!(!site.root().join("content/x").exists());
}

#[test]
fn refuses_a_non_empty_dir_it_did_not_make_unless_forced() {
    let site = Site::base();
    site.write("elsewhere/notes.txt", "mine");
    let out = site.run(&["build", "--output-dir", "elsewhere"]);
    assert_eq!(out.status, 1);
    assert!(
        out.stderr.contains(
            "refusing to write into elsewhere: it is not empty and was not made by dossier"
        ),
        "{}",
        out.stderr
    );
    assert_eq!(site.read("elsewhere/notes.txt"), "mine");
    let out = site.run(&["build", "--output-dir", "elsewhere", "--force"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(site.root().join("elsewhere/index.html").exists());
}
