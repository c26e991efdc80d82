//! `dossier init` and `dossier new`: what they write builds, and they never overwrite.

use crate::support::{Site, run_in};

#[test]
fn init_writes_a_dossier_that_checks_and_builds_as_it_is() {
    let parent = tempfile::tempdir().unwrap();
    let out = run_in(parent.path(), &["init", "story"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    let dir = parent.path().join("story");
    for f in [
        "site.toml",
        "content/source.md",
        "content/actors/ada-example.md",
        "themes/dossier/templates/base.html",
    ] {
        assert!(dir.join(f).is_file(), "{f} missing");
    }
    let check = run_in(&dir, &["check"]);
    assert_eq!(check.status, 0, "{}", check.stderr);
    assert!(!check.stderr.contains("warning"), "{}", check.stderr);
    let build = run_in(&dir, &["build"]);
    assert_eq!(build.status, 0, "{}", build.stderr);
    assert!(dir.join("public/actors/ada-example/index.html").is_file());
    assert!(dir.join("public/talks/sunday-meeting/index.html").is_file());
}

#[test]
fn init_refuses_a_non_empty_folder() {
    let parent = tempfile::tempdir().unwrap();
    std::fs::create_dir(parent.path().join("story")).unwrap();
    std::fs::write(parent.path().join("story/notes.txt"), "mine").unwrap();
    let out = run_in(parent.path(), &["init", "story"]);
    assert_eq!(out.status, 1);
    assert!(out.stderr.contains("story is not empty"), "{}", out.stderr);
    assert_eq!(
        std::fs::read_to_string(parent.path().join("story/notes.txt")).unwrap(),
        "mine"
    );
    assert_eq!(
        std::fs::read_dir(parent.path().join("story"))
            .unwrap()
            .count(),
        1
    );
}

#[test]
fn new_scaffolds_a_draft_from_the_schema_and_never_overwrites() {
    let site = Site::base();
    for (section, title, file, field) in [
        (
            "actors",
            "Carol Ng",
            "content/actors/carol-ng.md",
            "kind = \"person\"",
        ),
        (
            "locations",
            "Port Town",
            "content/locations/port-town.md",
            "kind = \"city\"",
        ),
        (
            "talks",
            "Second Round",
            "content/talks/second-round.md",
            "status = \"held\"",
        ),
    ] {
        let out = site.run(&["new", section, title]);
        assert_eq!(out.status, 0, "{}", out.stderr);
        let text = site.read(file);
        assert!(
            text.starts_with(&format!("+++\ntitle = \"{title}\"\n")),
            "{text}"
        );
        assert!(
            text.contains(field) && text.contains("draft = true"),
            "{text}"
        );
    }
    // The drafts do not break the build, and the site still checks.
    let check = site.run(&["check"]);
    assert_eq!(check.status, 0, "{}", check.stderr);
    // Never overwrite.
    site.write("content/actors/carol-ng.md", "mine");
    let again = site.run(&["new", "actors", "Carol Ng"]);
    assert_eq!(again.status, 1);
    assert!(
        again
            .stderr
            .starts_with("error: content/actors/carol-ng.md already exists"),
        "{}",
        again.stderr
    );
    assert_eq!(site.read("content/actors/carol-ng.md"), "mine");
    // A typo in the section.
    let typo = site.run(&["new", "actros", "X"]);
    assert_eq!(typo.status, 1);
    assert!(
        typo.stderr.contains("did you mean `actors`?"),
        "{}",
        typo.stderr
    );
}
